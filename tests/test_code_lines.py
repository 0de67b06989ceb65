"""Code on a page must fit the page: the HTML column and the PDF's text width."""

import pytest

from booktools.book import Book
from booktools.notebooks import included_source

LIMIT = 76  # characters; the README's convention for pages
PAGES = Book().pages()


def long_lines(text: str, where: str, first: int = 1) -> list[str]:
    return [
        f"{where}:{n}: {len(line)} characters"
        for n, line in enumerate(text.splitlines(), start=first)
        if len(line) > LIMIT
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_code_cells_fit_the_page(page):
    nb = page.notebook(source_map=True)
    problems = []
    for cell, line in zip(nb.cells, nb.metadata["source_map"], strict=True):
        if cell.cell_type == "code":  # its source starts after the fence line
            problems += long_lines(cell.source, str(page), first=line + 2)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_included_source_fits_the_page(page):
    problems = []
    for d in page.markup()[0]:
        if d.name == "literalinclude":
            snippet = included_source(page, d.argument, d.options["pyobject"])
            where = f"{d.argument}::{d.options['pyobject']} shown on {page}"
            problems += long_lines(snippet, where)
    assert not problems, "\n".join(problems)
