"""The PDF edition, built by `make pdf`: complete, resolved, self-contained."""

import re

import pytest

from booktools.book import Book
from tests.pdf_checks import (
    embedded_images,
    fonts_not_embedded,
    latex_errors,
    missing_from_pdf,
    pdf_text,
    unresolved_references,
)

pytestmark = pytest.mark.pdf

BOOK = Book()
PDF = BOOK.pdf_path
LOG = PDF.with_suffix(".log")


@pytest.fixture(scope="module")
def text():
    if not PDF.is_file():
        pytest.fail(f"no PDF at {PDF}: run `make pdf` first")
    return pdf_text(PDF)


def test_latex_ran_without_errors():
    assert not latex_errors(LOG.read_text(errors="replace"))


def test_every_chapter_and_exercise_title_is_in_the_pdf(text):
    assert not missing_from_pdf(BOOK, text)


def test_solutions_are_gathered_at_chapter_ends(text):
    """Each chapter with exercises ends in a 'Solutions' heading followed by
    its solutions, so no solution stands next to its exercise."""
    exercises = BOOK.exercises()
    solutions = re.findall(r"Solution to Exercise \d+\.\d+", text)
    assert len(solutions) == len(exercises)
    chapters = {ex.page for ex in exercises}
    assert text.count("Solutions Solution to Exercise") == len(chapters)


def test_no_unresolved_references(text):
    assert not unresolved_references(text, LOG.read_text(errors="replace"))


def test_all_fonts_are_embedded():
    assert not fonts_not_embedded(PDF)


def test_every_figure_is_embedded():
    figures = [
        d
        for page in BOOK.notebook_pages()
        for d in page.markup()[0]
        if d.name == "glue:figure"
    ]
    assert figures and embedded_images(PDF) >= len(figures)
