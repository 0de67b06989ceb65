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

import ast
import importlib
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


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: f"{ex.page.name}::{ex.label}")
def test_the_package_does_not_hand_over_the_answer_before_the_exercise(ex):
    """A function the exercise asks for that nnbook also has (fit_model,
    evaluate_r2) is not imported before the exercise: the answer would be
    one assignment away (`fit_model = nnbook.train.fit_model`)."""
    nb = ex.page.notebook()
    solution = nb.cells[ex.solution].source
    asked = {
        node.name
        for node in ast.walk(ast.parse(solution))
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    }
    before = "\n".join(
        c.source for c in nb.cells[: ex.skeleton] if c.cell_type == "code"
    )
    for module in re.findall(r"^\s*(?:import|from) (nnbook\.\w+)", before, re.M):
        handed = asked & set(dir(importlib.import_module(module)))
        assert not handed, (
            f"{ex.label}: {module} is imported before the exercise and has "
            f"{sorted(handed)}, the exercise's answer"
        )
