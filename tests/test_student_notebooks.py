"""The student notebooks in notebooks/: current with their pages, without
solutions or outputs, and, run as a student would, every check stops its
unsolved exercise with a message and passes once the exercise is solved."""

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


def errors(cell) -> list[dict]:
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def solutions_of(path: Path) -> list[str]:
    page = jupytext.read(ROOT / "book" / f"{path.stem}.md")
    return [c.source for c in page.cells if "exercise-solution" in tags(c)]


def run_as_a_student(path: Path) -> None:
    """Run a student notebook top to bottom in one kernel, as a student works
    through it: each exercise's check runs first on the skeleton and must stop
    with ExerciseFailed; then the page's solution replaces the skeleton and the
    check runs again and must pass. Any other failing cell fails the run
    (except those tagged raises-exception, which show an error on purpose)."""
    nb = nbformat.read(path, as_version=4)
    solutions = iter(solutions_of(path))
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    )

    def execute(cell, index: int) -> list[dict]:
        client.execute_cell(cell, index)
        if "raises-exception" in tags(cell):
            return []
        return errors(cell)

    with client.setup_kernel():
        skeleton = None  # (index, cell) of the exercise being worked on
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if "exercise-check" in tags(cell):
                assert skeleton is not None, f"cell {index}: a check with no skeleton"
                found = execute(cell, index)
                assert found, f"cell {index}: the check passed the unsolved skeleton"
                error = found[0]
                assert error.ename == "ExerciseFailed", (
                    f"cell {index}, the check on the skeleton: "
                    f"{error.ename}: {error.evalue}"
                )
                assert error.evalue, f"cell {index}: the check gave no message"
                skeleton_index, skeleton_cell = skeleton
                skeleton_cell.source = next(solutions, None)
                assert skeleton_cell.source is not None, "a skeleton with no solution"
                failed = execute(skeleton_cell, skeleton_index)
                failed += execute(cell, index)
                skeleton = None
            else:
                failed = execute(cell, index)
                if "exercise-skeleton" in tags(cell):
                    skeleton = (index, cell)
            assert not failed, (
                f"cell {index} failed: {failed[0].ename}: {failed[0].evalue}\n"
                + cell.source
            )
    assert skeleton is None, "an exercise skeleton with no check after it"
    assert next(solutions, None) is None, "the page has more solutions than skeletons"


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_check_stops_the_skeleton_and_passes_the_solution(path):
    """One kernel per notebook: this replaces running the unsolved notebook up
    to its first check and then the solved notebook from the start."""
    run_as_a_student(path)
