"""The student notebooks in notebooks/: current with their pages, stopping at
the first unsolved exercise with the check's message, and running clean once
the exercises are solved."""

import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.notebooks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def run(nb, allow_errors: bool):
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    )
    return client.execute()


def errors(cell) -> list[dict]:
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def test_notebooks_are_current_with_their_pages():
    result = subprocess.run(
        [sys.executable, ROOT / "scripts" / "student_notebooks.py", "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(NOTEBOOKS) == 15


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_solutions_and_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert not [c for c in nb.cells if "exercise-solution" in tags(c)]
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    page = jupytext.read(ROOT / "book" / f"{path.stem}.md")
    for solution in (c for c in page.cells if "exercise-solution" in tags(c)):
        assert solution.source not in path.read_text()


WITH_EXERCISES = [
    p
    for p in NOTEBOOKS
    if any("exercise-check" in tags(c) for c in nbformat.read(p, as_version=4).cells)
]


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_stops_at_the_first_exercise_with_the_checks_message(path):
    nb = nbformat.read(path, as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if "exercise-check" in tags(c))
    nb.cells = nb.cells[: first + 1]
    run(nb, allow_errors=True)
    before = [c for c in nb.cells[:first] if errors(c)]
    assert not before, f"a cell before the first check failed: {errors(before[0])}"
    (error,) = errors(nb.cells[first])
    assert error.ename == "ExerciseFailed", f"{error.ename}: {error.evalue}"
    assert error.evalue


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_clean_once_solved(path):
    """With the page's solutions in place of the skeletons, no cell fails
    (except those tagged raises-exception, which show an error on purpose)."""
    nb = nbformat.read(path, as_version=4)
    page = jupytext.read(ROOT / "book" / f"{path.stem}.md")
    solutions = [c.source for c in page.cells if "exercise-solution" in tags(c)]
    skeletons = [c for c in nb.cells if "exercise-skeleton" in tags(c)]
    assert len(solutions) == len(skeletons)
    for cell, solution in zip(skeletons, solutions, strict=True):
        cell.source = solution
    run(nb, allow_errors=False)
