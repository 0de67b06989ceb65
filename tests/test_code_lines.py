"""Code on a page must fit the page: the HTML column and the PDF's text width."""

import ast
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
LIMIT = 76  # characters; the README's convention for pages

FENCE = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)
INCLUDE = re.compile(r"^```\{literalinclude\} (\S+)\n:pyobject: (\w+)", re.M)
PAGES = sorted(BOOK.glob("*.md"))


def long_lines(text: str, where: str) -> list[str]:
    return [
        f"{where}, line {n}: {len(line)} characters"
        for n, line in enumerate(text.splitlines(), start=1)
        if len(line) > LIMIT
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_code_cells_fit_the_page(page):
    text = page.read_text()
    problems = []
    for match in FENCE.finditer(text):
        first = text.count("\n", 0, match.start(1)) + 1
        for n, line in enumerate(match.group(1).splitlines(), start=first):
            if len(line) > LIMIT:
                problems.append(f"{page.name}:{n}: {len(line)} characters")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_included_source_fits_the_page(page):
    problems = []
    for path, name in INCLUDE.findall(page.read_text()):
        source = (page.parent / path).read_text()
        node = next(
            n
            for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == name
        )
        snippet = ast.get_source_segment(source, node)
        problems += long_lines(snippet, f"{path}::{name} shown on {page.name}")
    assert not problems, "\n".join(problems)
