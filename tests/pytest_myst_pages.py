"""pytest plugin: each MyST notebook page is a file of nbval tests, one per code cell.

``pytest book/activations.md`` runs the page's cells in a fresh kernel, in order;
a cell fails when it raises (so a cell that asserts is a check). An exercise's
skeleton is run with its check right after it, and must fail that check with
nnbook.checks.ExerciseFailed; then the solution runs and the check must pass.

``pytest book --compare-build`` also compares the text every cell prints with
what it printed in the last ``make book``. The build's outputs are taken from
its jupyter-cache, which matches a page by its code: a page edited since the
build has no record and fails, rather than passing on stale outputs.
"""

import os
from collections import defaultdict
from pathlib import Path

import jupytext
import nbformat
import pytest
from myst_nb.core.read import is_myst_markdown_notebook
from nbval.plugin import IPyNbCell, IPyNbFile, find_comment_markers, find_metadata_tags

# Output that differs between two correct runs, and nothing else.
SANITIZE_PATTERNS = {
    r"\b0x[0-9a-fA-F]{6,}\b": "0xADDRESS",  # object reprs
    r"/ipykernel_\d+/\d+\.py": "/ipykernel_PID/CELL.py",  # warnings' file names
}


def pytest_addoption(parser):
    group = parser.getgroup("myst pages")
    group.addoption(
        "--compare-build",
        action="store_true",
        help="compare each cell's text output with the last book build's",
    )
    group.addoption(
        "--build-cache",
        default="_build/.jupyter_cache",
        help="the build's jupyter-cache folder (default: %(default)s)",
    )


def pytest_configure(config):
    # Pages run in the kernel of the environment that runs pytest (the venv).
    config.option.nbval_current_env = True
    # With the thread count of the build (scripts/build-book): torch's sums
    # over several threads can round differently, and change a figure.
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix == ".md" and is_myst_markdown_notebook(
        file_path.read_text(encoding="utf-8")
    ):
        return MystPage.from_parent(parent, path=file_path)
    return None


def build_outputs(nb, cache_dir: Path):
    """``nb`` with the outputs the build recorded for it, or None."""
    from jupyter_cache import get_cache

    if not cache_dir.is_dir():
        return None
    try:
        _, merged = get_cache(cache_dir).merge_match_into_notebook(nb)
    except KeyError:
        return None
    return merged


class MystPage(IPyNbFile):
    """A MyST page read through jupytext, with or without the build's outputs."""

    def collect(self):
        config = self.config
        nb = jupytext.read(self.path)
        self.compare_outputs = config.option.compare_build
        if self.compare_outputs:
            cache_dir = Path(config.option.build_cache)
            if not cache_dir.is_absolute():
                cache_dir = config.rootpath / cache_dir
            merged = build_outputs(nb, cache_dir)
            if merged is None:
                raise self.CollectError(
                    f"{self.path.name}: the build in {cache_dir} has no execution "
                    "of this page's current code; run `make book` first"
                )
            nb = merged
        self.nb = nb
        code_cells = [c for c in nb.cells if c.cell_type == "code"]
        for cell_num, cell in enumerate(code_cells):
            tags = cell.metadata.get("tags", [])
            if "exercise-skeleton" in tags:
                check = exercise_check_for(code_cells, cell_num, self.path.name)
                yield SkeletonFailsItsCheck.from_parent(
                    self,
                    name=f"Cell {cell_num} (the skeleton must fail its check)",
                    cell_num=cell_num,
                    cell=nbformat.v4.new_code_cell(cell.source + "\n" + check.source),
                    options=defaultdict(bool, check_exception=True, check=False),
                )
                continue
            if "skip-execution" in tags:  # not run by the build either
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
        super().setup()
        self.sanitize_patterns.update(SANITIZE_PATTERNS)


EXERCISE_ORDER = ("exercise-skeleton", "exercise-solution", "exercise-check")


def exercise_check_for(code_cells, skeleton_num: int, page: str):
    """The check cell of the exercise whose skeleton is cell ``skeleton_num``.

    An exercise's cells come in the order skeleton, solution, check; anything
    else is a mistake in the page and fails collection.
    """
    following = code_cells[skeleton_num : skeleton_num + 3]
    roles = [
        next((t for t in c.metadata.get("tags", []) if t in EXERCISE_ORDER), None)
        for c in following
    ]
    if tuple(roles) != EXERCISE_ORDER:
        raise pytest.Collector.CollectError(
            f"{page}: the exercise at code cell {skeleton_num} must be three code "
            f"cells tagged {', '.join(EXERCISE_ORDER)}, in that order; found {roles}"
        )
    return following[2]


class SkeletonFailsItsCheck(IPyNbCell):
    """Runs an exercise's skeleton followed by its check, in the page's kernel,
    and passes only if the check rejects the skeleton with ExerciseFailed."""

    def runtest(self):
        super().runtest()
        errors = [o for o in self.test_outputs if o.get("output_type") == "error"]
        if not errors:
            self.raise_cell_error("the exercise's check passed on the skeleton")
        if errors[0]["ename"] != "ExerciseFailed":
            self.raise_cell_error(
                f"the skeleton raised {errors[0]['ename']}: {errors[0]['evalue']}, "
                "not the check's ExerciseFailed message",
                "\n".join(errors[0]["traceback"]),
            )
