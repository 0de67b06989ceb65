"""A student notebook opened as a new user would: a fresh virtual environment
with Jupyter and torch already in it (as on Colab), no checkout on the path.
Its first cell installs nnbook from the notebook's own default source, the
wheel published with the site and pinned by its sha256; only the site's
address is rewritten, to the built site served on loopback. So a wheel
missing from the site, another version or another hash fails here. Then the
notebook stops at its first exercise with one line of message, and runs
clean once solved."""

import os
import re
import subprocess
import sys
import time

import jupytext
import nbformat
import pytest

from booktools.book import Book, served

# One fresh environment for these tests: keep them in one test process.
pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("fresh-venv")]

BOOK = Book()
NOTEBOOK = "tensors"
TORCH = "torch==2.13.0"  # what the notebook service has (Colab ships a torch)


def notebook() -> nbformat.NotebookNode:
    return nbformat.read(BOOK.root / "notebooks" / f"{NOTEBOOK}.ipynb", as_version=4)


def install_cell(nb: nbformat.NotebookNode):
    """The notebook's first code cell, which must be its install cell."""
    cell = next(c for c in nb.cells if c.cell_type == "code")
    assert "install-nnbook" in cell.metadata.get("tags", [])
    return cell


@pytest.fixture(scope="module")
def site():
    with served(BOOK.html_dir) as url:
        yield url + "/"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    home = tmp_path_factory.mktemp("student")
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    # What the service has installed already; not byte-compiled (the modules
    # a kernel imports are compiled as it imports them): compiling torch's
    # and SciPy's took 34 of 53 s for Binder's requirements (test_binder).
    pip = [venv / "bin" / "pip", "install", "-q", "--no-compile"]
    subprocess.run([*pip, TORCH, "nbconvert", "ipykernel"], check=True)
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    return home, venv, env


def localised(source: str, site: str) -> str:
    """The install cell with the published site's address replaced by ``site``."""
    assert source.count(BOOK.site_url) == 1, "the install cell names no site wheel"
    return source.replace(BOOK.site_url, site)


def torch_files(venv) -> dict[str, int]:
    """Each installed file of torch with the time it was written."""
    lib = next((venv / "lib").glob("python3*/site-packages"))
    record = next(lib.glob("torch-*.dist-info")) / "RECORD"
    return {
        line.split(",")[0]: (lib / line.split(",")[0]).stat().st_mtime_ns
        for line in record.read_text().splitlines()[:200]
    }


def run_install_cell(fresh, site: str) -> subprocess.CompletedProcess:
    home, venv, env = fresh
    return subprocess.run(
        [
            venv / "bin" / "python",
            "-c",
            localised(install_cell(notebook()).source, site),
        ],
        capture_output=True,
        text=True,
        cwd=home,  # not the checkout, whose nnbook/ Python would find
        env=env,
    )


def test_the_first_cell_installs_the_published_wheel_and_keeps_torch(fresh, site):
    before = torch_files(fresh[1])
    started = time.perf_counter()
    result = run_install_cell(fresh, site)
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert torch_files(fresh[1]) == before, "the install cell reinstalled torch"
    (BOOK.build_dir / "student-install-seconds.txt").write_text(f"{seconds:.1f}\n")
    print(f"nnbook installed in {seconds:.1f} s over an existing {TORCH}")
    # Run again, the cell finds the right version and installs nothing.
    again = run_install_cell(fresh, site)
    assert again.returncode == 0 and not again.stdout + again.stderr


def test_pip_refuses_a_wheel_with_another_hash(fresh, site, tmp_path):
    """The sha256 in the source is what keeps other code out: pip checks it."""
    _, venv, env = fresh
    source = re.search(r'SOURCE = "([^"]+)"', install_cell(notebook()).source)
    assert source, "no SOURCE in the install cell"
    tampered = re.sub(r"sha256=\w+", "sha256=" + "0" * 64, source.group(1))
    result = subprocess.run(
        [
            venv / "bin" / "pip",
            "download",
            "--no-deps",
            "-d",
            tmp_path,
            localised(tampered, site),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode != 0
    assert "DO NOT MATCH THE HASHES" in result.stderr


def execute(fresh, nb: nbformat.NotebookNode, name: str, site: str):
    """Run the whole notebook as nbconvert does (errors kept in the output)."""
    home, venv, env = fresh
    install = install_cell(nb)
    install.source = localised(install.source, site)
    path = home / f"{name}.ipynb"
    nbformat.write(nb, path)
    result = subprocess.run(
        [
            venv / "bin" / "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--allow-errors",
            "--ExecutePreprocessor.timeout=600",
            "--output",
            f"{name}-run",
            path,
        ],
        capture_output=True,
        text=True,
        cwd=home,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    ran = nbformat.read(home / f"{name}-run.ipynb", as_version=4)
    return [
        (cell, output)
        for cell in ran.cells
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]


def test_the_first_exercise_stops_it_with_one_line(fresh, site):
    errors = execute(fresh, notebook(), "unsolved", site)
    assert errors, "the unsolved notebook ran without stopping"
    cell, error = errors[0]
    assert "exercise-grader" in cell.metadata.get("tags", [])
    shown = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in error.traceback]
    assert shown == ["`t` is still `...`: replace the `...` with your answer."]


def test_it_runs_clean_once_solved(fresh, site):
    nb = notebook()
    page = jupytext.read(BOOK.root / "book" / f"{NOTEBOOK}.md")
    solutions = [
        c.source
        for c in page.cells
        if "exercise-solution" in c.metadata.get("tags", [])
    ]
    skeletons = [
        c for c in nb.cells if "exercise-skeleton" in c.metadata.get("tags", [])
    ]
    for cell, solution in zip(skeletons, solutions, strict=True):
        cell.source = solution
    errors = execute(fresh, nb, "solved", site)
    unexpected = [
        (c.source[:80], e.ename, e.evalue)
        for c, e in errors
        if "raises-exception" not in c.metadata.get("tags", [])
    ]
    assert not unexpected
