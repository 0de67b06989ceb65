"""Binder installs what the student notebooks need, at the book's versions,
on a Python the package supports."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def pins(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([\w-]+)==(\S+)$", path.read_text(), re.M))


def binder_python() -> str:
    """The Python version binder/runtime.txt asks repo2docker for, e.g. 3.11
    (without the file repo2docker takes its own default, 3.10)."""
    found = re.fullmatch(r"python-(3\.\d+)\s*", (BINDER / "runtime.txt").read_text())
    assert found, "binder/runtime.txt must read python-3.X"
    return found.group(1)


def test_binder_pins_match_the_books_environment():
    binder = pins(BINDER / "requirements.txt")
    book = pins(ROOT / "constraints.txt")
    assert {"torch", "numpy", "matplotlib", "scikit-learn"} <= set(binder)
    assert {name: book.get(name) for name in binder} == binder


def test_binder_takes_the_cpu_build_of_torch_and_installs_nnbook():
    text = (BINDER / "requirements.txt").read_text()
    assert re.search(r"^--extra-index-url \S+/whl/cpu$", text, re.M)
    assert text.rstrip().splitlines()[-1] == "."


def test_binders_python_is_the_books():
    """The package supports it, and it is the Python the book's own pins
    were made with (the Makefile's venv: this test's Python)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    version = binder_python()
    assert version in SpecifierSet(project["requires-python"])
    assert version == f"{sys.version_info.major}.{sys.version_info.minor}"


@pytest.mark.notebooks
def test_binders_requirements_install_in_a_fresh_venv(tmp_path):
    """What repo2docker runs, here: a venv of runtime.txt's Python and
    `pip install -r binder/requirements.txt` from the repository's top. The
    CPU torch comes from the local wheels, as for the book's own venv (pip's
    configuration), so the line naming PyTorch's index is left out. Nor does
    pip byte-compile what it installs (--no-compile): what is checked is that
    the requirements resolve, install and import, and compiling every module
    of torch and SciPy took 34 of the install's 53 s."""
    python = shutil.which(f"python{binder_python()}")
    assert python, f"no python{binder_python()} on this machine"
    checkout = tmp_path / "repo"  # a copy: pip would build in the checkout
    checkout.mkdir()
    shutil.copy(ROOT / "pyproject.toml", checkout)
    shutil.copytree(
        ROOT / "nnbook",
        checkout / "nnbook",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    requirements = [
        line
        for line in (BINDER / "requirements.txt").read_text().splitlines()
        if not line.startswith("--extra-index-url")
    ]
    (checkout / "requirements.txt").write_text("\n".join(requirements) + "\n")
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", venv], check=True)
    pip = [venv / "bin" / "pip", "install", "-q", "--no-compile"]
    result = subprocess.run(
        [*pip, "-r", "requirements.txt"],
        cwd=checkout,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    check = subprocess.run(
        [
            venv / "bin" / "python",
            "-c",
            "import nnbook.grading, sklearn, matplotlib; import torch; "
            "print(torch.__version__)",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == pins(BINDER / "requirements.txt")["torch"] + "+cpu"
