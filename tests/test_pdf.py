"""The PDF edition, built by `make pdf`: complete, resolved, self-contained."""

import re
from pathlib import Path

import pytest
import yaml

from tests.pdf_checks import (
    embedded_images,
    fonts_not_embedded,
    latex_errors,
    missing_titles,
    pdf_text,
    unresolved_references,
)

pytestmark = pytest.mark.pdf

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "_build" / "latex" / "nnbook.pdf"
LOG = ROOT / "_build" / "latex" / "nnbook.log"


def toc_pages() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [
        c["file"] for part in toc["parts"] for c in part["chapters"]
    ]
    return [ROOT / f"{f}.md" for f in files]


def chapter_titles() -> list[str]:
    return [
        re.search(r"^# (.+)$", page.read_text(), re.M).group(1) for page in toc_pages()
    ]


def exercise_titles() -> list[str]:
    """The bold title that opens each exercise, as plain text."""
    titles = []
    for page in toc_pages():
        for block in page.read_text().split("```{exercise-start}")[1:]:
            bold = re.search(r"\*\*(.+?)\*\*", block, re.S).group(1)
            titles.append(re.sub(r"\s+", " ", bold.replace("`", "")))
    return titles


def n_figures() -> int:
    return sum(p.read_text().count("{glue:figure}") for p in toc_pages())


@pytest.fixture(scope="module")
def text():
    if not PDF.is_file():
        pytest.fail(f"no PDF at {PDF}: run `make pdf` first")
    return pdf_text(PDF)


def test_latex_ran_without_errors():
    assert not latex_errors(LOG.read_text(errors="replace"))


def test_every_chapter_title_is_in_the_pdf(text):
    titles = chapter_titles()
    assert len(titles) >= 18
    assert not missing_titles(text, titles)


def test_every_exercise_title_is_in_the_pdf(text):
    titles = exercise_titles()
    assert len(titles) == 12
    assert not missing_titles(text, titles)


def test_solutions_are_gathered_at_chapter_ends(text):
    """Each chapter with exercises ends in a 'Solutions' heading followed by
    its solutions, so no solution stands next to its exercise."""
    assert len(re.findall(r"Solution to Exercise \d+\.\d+", text)) == 12
    chapters_with_exercises = len(set(re.findall(r"Exercise (\d+)\.\d+ ", text)))
    assert text.count("Solutions Solution to Exercise") == chapters_with_exercises


def test_no_unresolved_references(text):
    assert not unresolved_references(text, LOG.read_text(errors="replace"))


def test_all_fonts_are_embedded():
    assert not fonts_not_embedded(PDF)


def test_every_figure_is_embedded():
    assert embedded_images(PDF) >= n_figures() >= 20
