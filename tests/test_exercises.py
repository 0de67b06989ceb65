"""The book's exercises are complete and consistently marked.

Each exercise is an ``exercise-start`` block with a label, holding a skeleton
cell (tags ``exercise-skeleton`` and ``skip-execution``); then a
``solution-start`` block for the same label holding the solution cell (tag
``exercise-solution``); then a check cell (tag ``exercise-check``) that calls
one ``nnbook.checks.check_*`` function. That the check fails on the skeleton
and passes on the solution is proven when the pages run (tests/
pytest_myst_pages.py, in ``make pages``).
"""

import re
from pathlib import Path

import jupytext
import pytest

from nnbook import checks

BOOK = Path(__file__).resolve().parents[1] / "book"
ROLES = ("exercise-skeleton", "exercise-solution", "exercise-check")


def exercises(page: Path) -> list[dict]:
    nb = jupytext.read(page)
    found, current = [], None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for label in re.findall(
                r"```\{exercise-start\}\n:label: (\S+)", cell.source
            ):
                current = {"page": page.name, "label": label, "cells": []}
                found.append(current)
            for label in re.findall(r"```\{solution-start\} (\S+)", cell.source):
                assert current and current["label"] == label, (
                    f"{page.name}: solution for {label} outside its exercise"
                )
            continue
        role = [t for t in cell.metadata.get("tags", []) if t in ROLES]
        if role:
            assert current, f"{page.name}: an {role[0]} cell before any exercise"
            current["cells"].append((role[0], cell))
    return found


ALL = [ex for page in sorted(BOOK.glob("*.md")) for ex in exercises(page)]


def test_the_book_has_the_lessons_twelve_exercises():
    assert len(ALL) == 12, [ex["label"] for ex in ALL]
    labels = [ex["label"] for ex in ALL]
    assert len(set(labels)) == len(labels), "exercise labels must be unique"


@pytest.mark.parametrize("ex", ALL, ids=lambda ex: f"{ex['page']}::{ex['label']}")
def test_exercise_has_skeleton_solution_and_check(ex):
    roles = [role for role, _ in ex["cells"]]
    assert tuple(roles) == ROLES, f"{ex['label']}: cells {roles}"
    skeleton, solution, check = (cell for _, cell in ex["cells"])
    assert "skip-execution" in skeleton.metadata["tags"], (
        "the skeleton must not run in the build"
    )
    assert skeleton.source.strip() != solution.source.strip()
    called = re.findall(r"\b(check_\w+)\(", check.source)
    assert len(called) == 1 and hasattr(checks, called[0]), (
        f"{ex['label']}: the check cell must call one nnbook.checks function, "
        f"found {called}"
    )


def test_every_check_function_is_used_by_an_exercise():
    used = {
        m
        for ex in ALL
        for _, c in ex["cells"]
        for m in re.findall(r"check_\w+", c.source)
    }
    defined = {name for name in dir(checks) if name.startswith("check_")}
    assert defined == used, f"unused: {defined - used}, unknown: {used - defined}"
