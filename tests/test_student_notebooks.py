"""The student notebooks in notebooks/: current with their pages, without
solutions or outputs, and, run as a student would, every grader stops its
unsolved exercise with a message and passes once the exercise is solved."""

import os
import re
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from booktools.book import Book, Page, tags
from booktools.build import THREADS
from booktools.names import HIDDEN_CODE, machinery
from booktools.notebooks import write_notebooks

pytestmark = pytest.mark.notebooks

BOOK = Book()
PAGES = BOOK.notebook_pages()


def errors(cell) -> list[dict]:
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def notebook_of(page: Page) -> Path:
    return page.book.root / "notebooks" / f"{page.name}.ipynb"


def solutions_of(page: Page) -> list[str]:
    nb = page.notebook()
    return [nb.cells[ex.solution].source for ex in page.exercises()]


def run_as_a_student(page: Page) -> None:
    """Run a student notebook top to bottom in one kernel, as a student works
    through it: each exercise's grader runs first on the skeleton and must stop
    with ExerciseFailed; then the page's solution replaces the skeleton and the
    grader runs again and must pass. Any other failing cell fails the run
    (except those tagged raises-exception, which show an error on purpose)."""
    path = notebook_of(page)
    nb = nbformat.read(path, as_version=4)
    solutions = iter(solutions_of(page))
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )

    def execute(cell, index: int) -> list[dict]:
        client.execute_cell(cell, index)
        if "raises-exception" in tags(cell):
            return []
        return errors(cell)

    # The build's thread count: with two test workers side by side, torch's
    # default of a thread per core had four threads fight over two cores,
    # and classification ran in 89 s instead of 22.
    os.environ.update(THREADS)
    with client.setup_kernel():
        skeleton = None  # (index, cell) of the exercise being worked on
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if "exercise-grader" in tags(cell):
                assert skeleton is not None, f"cell {index}: a grader with no skeleton"
                found = execute(cell, index)
                assert found, f"cell {index}: the grader passed the unsolved skeleton"
                error = found[0]
                assert error.ename == "ExerciseFailed", (
                    f"cell {index}, the grader on the skeleton: "
                    f"{error.ename}: {error.evalue}"
                )
                assert error.evalue, f"cell {index}: the grader gave no message"
                assert error.traceback == [error.evalue], (
                    f"cell {index}: a failed check shows more than its message: "
                    f"{error.traceback}"
                )
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
    assert skeleton is None, "an exercise skeleton with no grader after it"
    assert next(solutions, None) is None, "the page has more solutions than skeletons"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_notebook_explains_itself_and_links_only_to_the_site(page):
    """How to work in a notebook opens it (the how-to-use page's section); each
    exercise heading names its number and title, once; a link leads to the
    published site, never to a path that exists only beside the web page."""
    nb = nbformat.read(notebook_of(page), as_version=4)
    text = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    if page.name != "how-to-use":
        assert nb.cells[1].source.startswith("> ## Working in a notebook")
    headings = re.findall(r"^#### Exercise (\d+\.\d+): (.+)$", text, re.M)
    exercises = page.exercises()
    assert [title for _, title in headings] == [
        ex.title.rstrip(".") for ex in exercises
    ]
    for exercise in exercises:
        assert f"**{exercise.title}**" not in text, "the title again, in bold"
    relative = re.findall(r'href="(?!https://)[^"]*"|\]\((?!https://|#)[^)]*\)', text)
    assert not relative, f"links that lead nowhere from a notebook: {relative}"
    assert "`make " not in text


def test_notebooks_are_current_with_their_pages():
    stale = write_notebooks(BOOK, BOOK.root / "notebooks", check=True)
    assert not stale, f"out of date with their pages (run `make notebooks`): {stale}"


def test_there_is_one_notebook_per_notebook_page_and_no_other():
    made = {path.name for path in (BOOK.root / "notebooks").glob("*.ipynb")}
    assert made == {notebook_of(page).name for page in PAGES}


def test_the_sites_zip_holds_every_notebook_as_committed():
    """The site's "All notebooks (zip)" (and a release's copy of it)."""
    site_zip = BOOK.html_dir / "notebooks" / "nnbook-notebooks.zip"
    with zipfile.ZipFile(site_zip) as archive:
        zipped = {name: archive.read(name) for name in archive.namelist()}
    committed = {
        path.name: path.read_bytes()
        for path in sorted((BOOK.root / "notebooks").glob("*.ipynb"))
    }
    assert sorted(zipped) == sorted(committed), f"{site_zip} lists {sorted(zipped)}"
    assert zipped == committed, f"{site_zip} differs from notebooks/: run `make book`"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_solutions_and_no_outputs(page):
    path = notebook_of(page)
    nb = nbformat.read(path, as_version=4)
    assert not [c for c in nb.cells if "exercise-solution" in tags(c)]
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    for solution in solutions_of(page):
        assert solution not in path.read_text()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_book_machinery_stays_out_and_collapsed_checks_stay_collapsed(page):
    """Cells removed from the page (glue, the figure style) are not in the
    notebook; cells collapsed on the page start collapsed in Jupyter."""
    nb = nbformat.read(notebook_of(page), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    shown = [m for c in code for m in machinery(c.source)]
    assert not shown, f"{notebook_of(page).name} shows the book's machinery: {shown}"
    assert not [c for c in code if "remove-cell" in tags(c)]
    for cell in code:
        collapsed = bool(set(tags(cell)) & set(HIDDEN_CODE))
        assert cell.metadata.get("jupyter", {}).get("source_hidden", False) == collapsed


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_each_grader_stops_the_skeleton_and_passes_the_solution(page):
    """One kernel per notebook: this replaces running the unsolved notebook up
    to its first exercise and then the solved notebook from the start."""
    run_as_a_student(page)
