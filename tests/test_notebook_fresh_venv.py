"""A student notebook opened as a new user would: a fresh virtual environment
with Jupyter and torch (as on Colab), no checkout on the path. Its first cell
installs nnbook (from this checkout here, since the repository cannot be
reached from the test machine); then it stops at the first unsolved exercise
with the check's message, and runs clean once solved."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

# One fresh environment for both tests: keep them in one test process.
pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("fresh-venv")]

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "tensors"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    home = tmp_path_factory.mktemp("student")
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    # What a notebook service has before our install cell runs.
    subprocess.run(
        [
            venv / "bin" / "pip",
            "install",
            "-q",
            "torch==2.13.0",
            "nbconvert",
            "ipykernel",
        ],
        check=True,
    )
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    # A copy of the package's sources, so that pip's build leaves no build/
    # folder in the checkout.
    source = home / "nnbook-source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    shutil.copytree(
        ROOT / "nnbook", source / "nnbook", ignore=shutil.ignore_patterns("__pycache__")
    )
    env["NNBOOK_SOURCE"] = str(source)
    return home, venv, env


def execute(fresh, nb: nbformat.NotebookNode, name: str) -> subprocess.CompletedProcess:
    home, venv, env = fresh
    path = home / f"{name}.ipynb"
    nbformat.write(nb, path)
    return subprocess.run(
        [
            venv / "bin" / "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
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


def test_first_cell_installs_nnbook_and_the_first_exercise_stops_it(fresh):
    nb = nbformat.read(ROOT / "notebooks" / f"{NOTEBOOK}.ipynb", as_version=4)
    result = execute(fresh, nb, "unsolved")
    assert result.returncode != 0
    stderr = re.sub(r"\x1b\[[0-9;]*m", "", result.stderr)  # no colours
    assert "ExerciseFailed: `t` is still Ellipsis" in stderr, stderr[-3000:]
    home, venv, _ = fresh
    installed = subprocess.run(
        [venv / "bin" / "pip", "show", "nnbook"], capture_output=True, text=True
    )
    assert installed.returncode == 0, "the first cell did not install nnbook"


def test_runs_clean_once_solved(fresh):
    nb = nbformat.read(ROOT / "notebooks" / f"{NOTEBOOK}.ipynb", as_version=4)
    page = jupytext.read(ROOT / "book" / f"{NOTEBOOK}.md")
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
    result = execute(fresh, nb, "solved")
    assert result.returncode == 0, result.stderr[-3000:]
    shutil.rmtree(fresh[0] / "venv")
