"""The book's exercises are complete and consistently marked.

Each exercise is an ``exercise-start`` block with a label, holding a skeleton
cell (tags ``exercise-skeleton`` and ``skip-execution``); then a
``solution-start`` block for the same label holding the solution cell (tag
``exercise-solution``); then a grader cell (tag ``exercise-grader``) that
calls one ``nnbook.grading.grade_*`` function. The book's structure
(booktools.book) finds them and refuses cells out of order; that the grader
fails on the skeleton and passes on the solution is proven when the pages
run (tests/pytest_myst_pages.py, in ``make pages``).
"""

import re

import pytest

from booktools.book import Book, tags
from nnbook import grading

EXERCISES = Book().exercises()


def test_exercise_labels_are_unique():
    labels = [ex.label for ex in EXERCISES]
    assert len(set(labels)) == len(labels), "exercise labels must be unique"


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: f"{ex.page.name}::{ex.label}")
def test_exercise_has_a_title_a_skeleton_a_solution_and_a_grader(ex):
    skeleton, solution, grader = ex.cells(ex.page.notebook())
    assert ex.title, f"{ex.label}: the exercise's text must open with a bold title"
    assert "skip-execution" in tags(skeleton), "the skeleton must not run in the build"
    assert skeleton.source.strip() != solution.source.strip()
    called = re.findall(r"\b(grade_\w+)\(", grader.source)
    assert len(called) == 1 and hasattr(grading, called[0]), (
        f"{ex.label}: the grader cell must call one nnbook.grading function, "
        f"found {called}"
    )


def test_every_grader_is_used_by_an_exercise():
    used = {
        name
        for ex in EXERCISES
        for cell in ex.cells(ex.page.notebook())
        for name in re.findall(r"grade_\w+", cell.source)
    }
    defined = {name for name in dir(grading) if name.startswith("grade_")}
    assert defined == used, f"unused: {defined - used}, unknown: {used - defined}"
