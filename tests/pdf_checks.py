"""What a correct PDF edition of the book must show, as functions that list
the problems they find (tests/test_pdf.py applies them)."""

import re
import subprocess
from pathlib import Path


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pdf_text(pdf: Path) -> str:
    """The PDF's text, with line breaks and hyphenation at line ends undone."""
    raw = _pdftotext(pdf)
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


def _images(pdf: Path) -> list[list[str]]:
    """The PDF's images (not their masks) as pdfimages lists them, in page
    order: page, num, type, width, height, ..., x-ppi (index 12), ..."""
    lines = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [line.split() for line in lines if line.split()[2] == "image"]


def embedded_images(pdf: Path) -> int:
    return len(_images(pdf))


def missing_from_pdf(book, text: str) -> list[str]:
    """The titles of ``book``'s pages and exercises (booktools.book.Book) that
    the PDF's text lacks."""
    titles = [page.title for page in book.pages()]
    titles += [exercise.title for exercise in book.exercises()]
    return missing_titles(text, titles)


def pages_text(pdf: Path) -> list[str]:
    """Each page's text, in page order (pdftotext ends each page with a form
    feed)."""
    return _pdftotext(pdf).split("\f")[:-1]


def page_size_pt(pdf: Path) -> tuple[float, float]:
    """The first page's width and height in points (A4: 595 x 842)."""
    info = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    width, height = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups()
    return float(width), float(height)


# What a running head or foot prints: the book's title, a page number, or the
# mark of the chapter or section ("1.3. Working in a notebook", "CONTENTS";
# a heading in the text itself has no dot after its number).
_MARK = re.compile(
    r"^(?:[ivxlcdm]+|\d+|(?:\d+|[A-Z])(?:\.\d+)*\. .{1,80}|[A-Z][A-Z ]{2,40})$"
)


def _body_lines(page: str, title: str) -> list[str]:
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    return [line for line in lines if line != title and not _MARK.match(line)]


def pages_with_only_running_heads(pages: list[str], title: str) -> list[int]:
    """1-based numbers of the pages that print a running head or foot and
    nothing else (a blank page should be blank)."""
    return [
        n
        for n, page in enumerate(pages, start=1)
        if page.strip() and not _body_lines(page, title)
    ]


_HEADING = re.compile(r"^\d+\.\d+ [A-Z]")  # "8.3 A model factory"


_FOOT = re.compile(
    r"^(?:[ivxlcdm]+|\d+|(?:\d+|[A-Z])(?:\.\d+)+\. .*|[A-Z][A-Z ]{2,40})$"
)


def headings_at_page_foot(pages: list[str]) -> list[str]:
    """The section headings that end a page, their text on the next one."""
    found = []
    for page in pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        while lines and _FOOT.match(lines[-1]):  # the page number, the mark
            lines.pop()
        if lines and _HEADING.match(lines[-1]) and ". . ." not in lines[-1]:
            found.append(lines[-1])
    return found


def solutions_across_pages(pages: list[str]) -> list[str]:
    """The solutions (from "Solution to Exercise 8.1" to the "Correct!" of
    its check) that begin on one page and end on another."""
    found = []
    for n, page in enumerate(pages):
        for match in re.finditer(r"Solution to Exercise (\d+\.\d+)", page):
            rest = page[match.end() :]
            ends = rest.find("Correct!")
            following = re.search(r"Solution to Exercise \d+\.\d+", rest)
            if ends < 0 or (following and following.start() < ends):
                found.append(f"{match.group(1)} (page {n + 1})")
    return found


def image_pages(pdf: Path) -> set[int]:
    return {int(row[0]) for row in _images(pdf)}


_CAPTION = re.compile(r"Fig\. \d+\.\d+: ")


def float_only_pages(pages: list[str], with_images: set[int], title: str) -> list[int]:
    """1-based numbers of pages that hold figures and their captions and no
    running text (LaTeX's float pages)."""
    found = []
    for n in sorted(with_images):
        body = " ".join(_body_lines(pages[n - 1], title))
        if not body:
            found.append(n)
            continue
        before, *captions = _CAPTION.split(body)
        if not before.strip() and all(len(c.split()) < 60 for c in captions):
            found.append(n)
    return found


def fonts_without_unicode_map(pdf: Path) -> list[str]:
    lines = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    # columns: name type encoding emb sub uni object ID; uni is 3rd from the end
    return [line.split()[0] for line in lines if line.split()[-3] != "yes"]


def overfull_boxes(latex_log: str) -> list[str]:
    return re.findall(r"^Overfull \\[hv]box .*$", latex_log, re.M)


def _luminance(rgb: tuple[float, float, float]) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = map(linear, rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def pale_code_colours(highlighting_sty: str, minimum: float) -> list[str]:
    """The code colours of Sphinx's sphinxhighlight.sty whose contrast with
    white (WCAG's ratio, which is also how they come out in grey print) is
    below ``minimum``."""
    pale = []
    for rgb in set(
        re.findall(
            r"\\textcolor\[rgb\]\{([\d.]+),([\d.]+),([\d.]+)\}", highlighting_sty
        )
    ):
        ratio = 1.05 / (_luminance(tuple(map(float, rgb))) + 0.05)
        if ratio < minimum:
            pale.append(f"rgb({','.join(rgb)}) {ratio:.1f}:1")
    return pale


_GRAPHIC = re.compile(r"\\sphinxincludegraphics(?:\[[^\]]*\])?\{\{([^}]+)\}(\.png)\}")


def figure_text_pt(pdf: Path, smallest_text_key: str) -> dict[str, float]:
    """The smallest text of each figure as printed, in points: the height its
    PNG records (in the image's pixels, nnbook.plots) at the resolution the
    PDF prints the image at (pdfimages), image by image in the order of the
    LaTeX source."""
    from PIL import Image

    tex = pdf.with_suffix(".tex").read_text()
    names = ["".join(m.groups()) for m in _GRAPHIC.finditer(tex)]
    ppi = [float(row[12]) for row in _images(pdf)]
    if len(ppi) != len(names):
        raise ValueError(f"{len(names)} images in the LaTeX, {len(ppi)} in the PDF")
    sizes = {}
    for name, x_ppi in zip(names, ppi, strict=True):
        px = Image.open(pdf.parent / name).text.get(smallest_text_key)
        if px is not None:
            sizes[name] = float(px) * 72 / x_ppi
    return sizes


def equation_page_references(pages: list[str]) -> dict[str, bool]:
    """Each "Eq. 3.4, page 19" of the text, and whether the page printed as
    19 shows the equation's number, (3.4)."""
    by_number = {}
    for page in pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        number = re.search(r"(\d+)$", lines[-1]) if lines else None
        if number:
            by_number[number.group(1)] = page
    found = {}
    for page in pages:
        for ref in re.finditer(r"Eq\. (\d+\.\d+), page (\d+)", " ".join(page.split())):
            equation, on = ref.groups()
            found[ref.group(0)] = f"({equation})" in by_number.get(on, "")
    return found
