"""What a correct PDF edition of the book must show, as functions that list
the problems they find (tests/test_pdf.py applies them)."""

import re
import subprocess
from pathlib import Path


def pdf_text(pdf: Path) -> str:
    """The PDF's text, with line breaks and hyphenation at line ends undone."""
    raw = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return re.sub(r"\s+", " ", re.sub(r"-\n(?=\w)", "", raw))


def missing_titles(text: str, titles: list[str]) -> list[str]:
    """Titles that do not appear in the text (whitespace-insensitive)."""
    squeeze = re.sub(r"\s+", " ", text)
    return [t for t in titles if re.sub(r"\s+", " ", t) not in squeeze]


def unresolved_references(text: str, latex_log: str) -> list[str]:
    """'??' in the text (LaTeX's mark for a reference it could not resolve)
    and the log's undefined-reference warnings."""
    problems = [
        f"'??' in the PDF text near: {m.group(0)!r}"
        for m in re.finditer(r".{0,30}\?\?.{0,30}", text)
    ]
    problems += re.findall(
        r"LaTeX Warning: (?:Hyper r|R)eference .* undefined.*", latex_log
    )
    return problems


def latex_errors(latex_log: str) -> list[str]:
    return re.findall(r"^! .*$", latex_log, re.M)


def fonts_not_embedded(pdf: Path) -> list[str]:
    lines = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    # columns: name type encoding emb sub uni object ID; emb is 4th from the end
    return [line.split()[0] for line in lines if line.split()[-5] != "yes"]


def embedded_images(pdf: Path) -> int:
    lines = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return sum(1 for line in lines if line.split()[2] == "image")


def missing_from_pdf(book, text: str) -> list[str]:
    """The titles of ``book``'s pages and exercises (booktools.book.Book) that
    the PDF's text lacks."""
    titles = [page.title for page in book.pages()]
    titles += [exercise.title for exercise in book.exercises()]
    return missing_titles(text, titles)
