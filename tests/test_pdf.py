"""The PDF edition, built by `make pdf`: complete, resolved, self-contained."""

import re
import sys
import tomllib

import pytest

from booktools.book import ROOT, Book
from nnbook.plots import SMALLEST_TEXT_KEY
from tests.pdf_checks import (
    embedded_images,
    equation_page_references,
    figure_text_pt,
    float_only_pages,
    fonts_not_embedded,
    fonts_without_unicode_map,
    headings_at_page_foot,
    image_pages,
    latex_errors,
    missing_from_pdf,
    overfull_boxes,
    page_size_pt,
    pages_text,
    pages_with_only_running_heads,
    pale_code_colours,
    pdf_text,
    solutions_across_pages,
    unresolved_references,
)

sys.path.insert(0, str(ROOT / "_ext"))
from print_edition import OPENING, SUBTITLE  # noqa: E402

pytestmark = pytest.mark.pdf

BOOK = Book()
PDF = BOOK.pdf_path
LOG = PDF.with_suffix(".log")


def _built_pdf():
    if not PDF.is_file():
        pytest.fail(f"no PDF at {PDF}: run `make pdf` first")
    return PDF


@pytest.fixture(scope="module")
def text():
    return pdf_text(_built_pdf())


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


# Issue 14: the PDF reads as a printed book.

# Sentences that make sense only on the website (the pages say these things
# in {only} html blocks, with a printed version beside them).
WEB_ONLY = [
    "hidden below",
    "open it only after",
    "open its answer",
    "reading offline",
    "clone it",
    "button at the top",
    "On this website",
    "collapsed cell",
    "glue(",
    "plt.close",
    "%xmode",
]
# The book's key terms, indexed where each is defined (MyST {index} roles).
SUBJECT_TERMS = [
    "neuron",
    "activation function",
    "backpropagation",
    "gradient descent",
    "loss",
    "tensor",
    "autograd",
    "optimiser",
    "mini-batch",
    "overfitting",
]


@pytest.fixture(scope="module")
def pages():
    return pages_text(_built_pdf())


def test_the_paper_is_a4():
    width, height = page_size_pt(PDF)
    assert (round(width), round(height)) == (595, 842), (width, height)


def test_the_title_page_gives_the_subtitle_edition_and_address(pages):
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    title_page = " ".join(pages[0].split())
    for expected in (SUBTITLE, version, BOOK.site_url):
        assert expected in title_page, title_page


def test_the_table_of_contents_is_titled_contents(pages):
    front = [p.strip().splitlines()[0] for p in pages[:4] if p.strip()]
    assert "CONTENTS" in front, front


def test_the_opening_page_has_its_own_heading_and_running_foot(pages):
    """The root page's text, after the contents: headed "About this book",
    and its foot does not name the contents."""
    (opening,) = [p for p in pages if p.strip().upper().startswith(OPENING.upper())]
    assert "CONTENTS" not in opening.strip().splitlines()[-1].upper()


def test_each_part_opens_with_a_part_page_and_the_appendix_is_lettered(pages):
    numbered = [caption for caption, is_numbered in BOOK.parts() if is_numbered]
    roman = ["I", "II", "III", "IV", "V", "VI"]
    part_pages = [
        re.sub(r" \d+$", "", " ".join(p.split()))  # its page number
        for p in pages
        if p.split()[:1] == ["Part"]
    ]
    expected = [f"Part {roman[n]} {caption}" for n, caption in enumerate(numbered)]
    assert part_pages == expected
    if len(numbered) < len(BOOK.parts()):
        assert any(p.split()[:2] == ["APPENDIX", "A"] for p in pages)


def test_no_page_prints_only_a_running_head_or_foot(pages):
    assert not pages_with_only_running_heads(pages, BOOK.config["title"])


def test_no_page_holds_only_figures(pages):
    assert not float_only_pages(pages, image_pages(PDF), BOOK.config["title"])


def test_no_heading_ends_a_page(pages):
    assert not headings_at_page_foot(pages)


def test_each_solution_and_its_check_print_on_one_page(pages):
    """No solution box is cut into a fragment and its rest."""
    assert not solutions_across_pages(pages)


# The smallest figure text as printed: 7 pt, the usual minimum of publishers.
FIGURE_TEXT_PT = 7


def test_figure_text_is_legible_in_print():
    sizes = figure_text_pt(PDF, SMALLEST_TEXT_KEY)
    assert sizes
    assert {
        name: round(pt, 1) for name, pt in sizes.items() if pt < FIGURE_TEXT_PT
    } == {}


def test_a_reference_to_another_chapters_equation_gives_its_page(pages):
    references = equation_page_references(pages)
    assert references and all(references.values()), references


def test_no_web_only_wording(text):
    assert [phrase for phrase in WEB_ONLY if phrase.lower() in text.lower()] == []


def test_the_index_has_the_subject_terms(pages):
    start = max(n for n, p in enumerate(pages) if p.strip().startswith("INDEX"))
    index = " ".join(" ".join(pages[start:]).split())
    missing = [t for t in SUBJECT_TERMS if not re.search(rf"\b{t}, \d", index)]
    assert not missing


def test_every_font_has_a_unicode_map():
    assert not fonts_without_unicode_map(PDF)


# framed.sty, which Sphinx's code boxes use, splits a box at a page break a
# few points too tall now and then (at the foot of a page, not visible; one
# of 1.7 pt in 137 pages when written); a line past the margin (hbox) is
# never allowed.
SPLIT_BOX_SLACK_PT = 6


def test_no_overfull_box():
    too_big = [
        box
        for box in overfull_boxes(LOG.read_text(errors="replace"))
        if "hbox" in box
        or float(re.search(r"\(([\d.]+)pt", box).group(1)) > SPLIT_BOX_SLACK_PT
    ]
    assert not too_big


def test_code_colours_are_dark_enough_for_grey_print():
    """WCAG AA's 4.5:1 for text, against the white page."""
    sty = (PDF.parent / "sphinxhighlight.sty").read_text()
    assert "textcolor" in sty
    assert not pale_code_colours(sty, 4.5)
