"""pytest plugin: each MyST notebook page is a file of nbval tests, one per code cell.

``pytest book/activations.md`` runs the page's cells in a fresh kernel, in order;
a cell fails when it raises (so a cell that asserts is a check). An exercise's
skeleton is run with its grader right after it, and must fail it with
ExerciseFailed; then the solution runs and the grader must pass.

``pytest book --compare-build`` also compares the text every cell prints with
what it printed in the last build. The build's outputs are taken from its
execution cache, which matches a page by its code: a page edited since the
build has no record and fails, rather than passing on stale outputs.

Which files are pages, their exercises and the cache all come from the book's
structure (booktools.book). This plugin builds on nbval's collection classes
(IPyNbFile, IPyNbCell), pinned in constraints.txt.
"""

import os
from collections import defaultdict
from pathlib import Path

import nbformat
from nbval.plugin import IPyNbCell, IPyNbFile, find_comment_markers, find_metadata_tags

from booktools.book import Book, BookError, tags
from booktools.build import THREADS

# Output that differs between two correct runs, and nothing else.
SANITIZE_PATTERNS = {
    r"\b0x[0-9a-fA-F]{6,}\b": "0xADDRESS",  # object reprs
    r"/ipykernel_\d+/\d+\.py": "/ipykernel_PID/CELL.py",  # warnings' file names
}


def pytest_addoption(parser):
    parser.getgroup("myst pages").addoption(
        "--compare-build",
        action="store_true",
        help="compare each cell's text output with the last book build's",
    )


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix != ".md":
        return None
    try:
        book = Book.containing(file_path.parent)
    except BookError:
        return None
    docname = file_path.resolve().relative_to(book.root).with_suffix("").as_posix()
    pages = {page.docname: page for page in book.notebook_pages()}
    if docname not in pages:
        return None
    node = MystPage.from_parent(parent, path=file_path)
    node.page = pages[docname]
    return node


class MystPage(IPyNbFile):
    """A MyST page read as the build reads it, with or without the build's outputs."""

    def collect(self):
        try:
            exercises = self.page.exercises()
        except BookError as err:
            raise self.CollectError(str(err)) from None
        nb = self.page.notebook()
        self.compare_outputs = self.config.option.compare_build
        if self.compare_outputs:
            nb = self.page.build_outputs()
            if nb is None:
                raise self.CollectError(
                    f"{self.path.name}: the build in {self.page.book.cache_dir} has "
                    "no execution of this page's current code; run `make book` first"
                )
        self.nb = nb
        graders = {ex.skeleton: nb.cells[ex.grader] for ex in exercises}
        code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
        for cell_num, index in enumerate(code):
            cell = nb.cells[index]
            if index in graders:
                yield SkeletonFailsItsCheck.from_parent(
                    self,
                    name=f"Cell {cell_num} (the skeleton must fail its grader)",
                    cell_num=cell_num,
                    cell=nbformat.v4.new_code_cell(
                        cell.source + "\n" + graders[index].source
                    ),
                    options=defaultdict(bool, check_exception=True, check=False),
                )
                continue
            if "skip-execution" in tags(cell):  # not run by the build either
                continue
            options = defaultdict(bool, find_metadata_tags(cell.metadata))
            options.update(dict(find_comment_markers(cell.source)))
            options.setdefault("check", self.compare_outputs)
            yield IPyNbCell.from_parent(
                self,
                name=f"Cell {cell_num}",
                cell_num=cell_num,
                cell=cell,
                options=options,
            )

    def setup(self):
        # The page's kernel runs in the environment that runs pytest (the
        # venv), with the build's thread count.
        self.config.option.nbval_current_env = True
        os.environ.update(THREADS)
        super().setup()
        self.sanitize_patterns.update(SANITIZE_PATTERNS)


class SkeletonFailsItsCheck(IPyNbCell):
    """Runs an exercise's skeleton followed by its grader, in the page's kernel,
    and passes only if the grader rejects the skeleton with ExerciseFailed."""

    def runtest(self):
        super().runtest()
        errors = [o for o in self.test_outputs if o.get("output_type") == "error"]
        if not errors:
            self.raise_cell_error("the exercise's grader passed the skeleton")
        if errors[0]["ename"] != "ExerciseFailed":
            self.raise_cell_error(
                f"the skeleton raised {errors[0]['ename']}: {errors[0]['evalue']}, "
                "not the grader's ExerciseFailed message",
                "\n".join(errors[0]["traceback"]),
            )
