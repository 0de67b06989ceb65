"""Every guard of the pipeline, shown able to fail, on a tiny fixture book.

Each test copies tests/fixture_book/, injects one fault, and runs the same
build, page plugin, notebook generator and PDF checks that guard the real book.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from booktools.book import Book, site_files
from booktools.notebooks import write_notebooks
from tests.pdf_checks import missing_from_pdf, pdf_text, unresolved_references

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixture_book"


def build(book: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "booktools.build", book, *options],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def run_page_tests(
    book: Path, *options: str, page: str = "page.md"
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            book / page,
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.pytest_myst_pages",
            "--rootdir",
            book,
            "-v",
            *options,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def log(result: subprocess.CompletedProcess) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)


@pytest.fixture
def book(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "book")
    return tmp_path / "book"


def edit(page: Path, old: str, new: str) -> None:
    text = page.read_text()
    assert old in text, f"the fixture no longer contains {old!r}"
    page.write_text(text.replace(old, new))


def test_untouched_fixture_passes_every_guard(book):
    """The control: without a fault, nothing fails."""
    assert build(book).returncode == 0, log(build(book))
    pages = run_page_tests(book, "--compare-build")
    assert pages.returncode == 0, log(pages)
    assert "5 passed" in log(pages)


def test_raising_cell_fails_the_build_naming_page_and_cell(book):
    page = book / "page.md"
    page.write_text(
        page.read_text() + "\n```{code-cell} ipython3\n"
        'raise RuntimeError("injected fault")\n```\n'
    )
    result = build(book)
    out = log(result)
    assert result.returncode != 0
    assert f"{page}: WARNING: Executing notebook failed" in out
    assert (
        "An error occurred while executing the following cell:\n"
        '------------------\nraise RuntimeError("injected fault")' in out
    )


def test_broken_reference_fails_the_build(book):
    edit(book / "page.md", "{ref}`fixture-top`", "{ref}`no-such-label`")
    result = build(book)
    assert result.returncode != 0
    assert "undefined label: 'no-such-label'" in log(result)


def test_changed_printed_number_fails_the_reproducibility_check(book):
    # An unseeded random number: the build and the check print different values.
    edit(book / "page.md", "print(answer)", "import random\nprint(random.random())")
    assert build(book).returncode == 0
    result = run_page_tests(book, "--compare-build")
    out = log(result)
    assert result.returncode != 0
    assert "::Cell 0 FAILED" in out
    assert "Cell 0: Cell outputs differ" in out
    assert "mismatch 'stdout'" in out


def test_edited_page_without_a_build_is_refused(book):
    assert build(book).returncode == 0
    edit(book / "page.md", "answer = 6 * 7", "answer = 7 * 6")
    result = run_page_tests(book, "--compare-build")
    assert result.returncode != 0
    assert "has no execution of this page's current code" in log(result)


def test_failing_assert_fails_its_own_item(book):
    edit(book / "page.md", "assert answer == 42", "assert answer == 41")
    result = run_page_tests(book)
    out = log(result)
    assert result.returncode != 0
    assert "::Cell 0 PASSED" in out
    assert "::Cell 1 FAILED" in out
    assert "AssertionError" in out


def test_changed_helper_code_reruns_pages_that_did_not_change(book):
    """The cache matches pages by their code; a page must still re-run when
    the package it imports changes (for the real book: nnbook/)."""
    helper = book / "helper.py"
    helper.write_text("ANSWER = 42\n")
    edit(
        book / "page.md", "answer = 6 * 7", "from helper import ANSWER\nanswer = ANSWER"
    )
    assert build(book, "--page-inputs", helper).returncode == 0
    helper.write_text("ANSWER = 41\n")  # the page itself is untouched
    result = build(book, "--page-inputs", helper)
    out = log(result)
    assert result.returncode != 0, out
    assert "changed since the last build: re-executing every page" in out
    assert "AssertionError" in out


def test_skeleton_that_passes_its_check_fails(book):
    edit(
        book / "page.md",
        "def double(x):\n    raise NotImplementedError",
        "def double(x):\n    return x + x",
    )
    result = run_page_tests(book)
    assert result.returncode != 0
    assert "the exercise's grader passed the skeleton" in log(result)


def test_skeleton_failing_for_another_reason_fails(book):
    edit(
        book / "page.md",
        "def double(x):\n    raise NotImplementedError",
        "double = undefined_name",
    )
    result = run_page_tests(book)
    out = log(result)
    assert result.returncode != 0
    assert "the skeleton raised NameError" in out
    assert "not the grader's ExerciseFailed message" in out


def test_exercise_cells_out_of_order_are_refused(book):
    edit(book / "page.md", ":tags: [exercise-solution]", ":tags: [solution]")
    result = run_page_tests(book)
    assert result.returncode != 0
    out = log(result)
    assert "page.md, line " in out, "the error must name the page and the line"
    assert (
        "must have three code cells tagged exercise-skeleton, exercise-solution, "
        "exercise-grader, in that order" in out
    )


def test_a_page_added_to_the_toc_appears_in_every_page_navigation(book):
    """A new page listed in _toc.yml must show in the navigation of the pages
    that did not change (Sphinx rewrites only changed pages by itself)."""
    toc = book / "_toc.yml"
    (book / "first.md").write_text("# The first chapter\n\nText.\n")
    toc.write_text(toc.read_text() + "chapters:\n  - file: first\n")
    assert build(book).returncode == 0
    # A new file, listed at once, as when a page is written and added.
    (book / "second.md").write_text("# The second chapter\n\nText.\n")
    toc.write_text(toc.read_text() + "  - file: second\n")
    result = build(book)
    assert result.returncode == 0, log(result)
    assert "rewriting every page" in log(result)
    first = (book / "_build" / "html" / "first.html").read_text()
    assert 'href="second.html"' in first, "first.html still has the old navigation"


def test_broken_reference_in_the_pdf_is_caught(book):
    """A reference LaTeX cannot resolve prints '??'; the PDF checks find it."""
    page = book / "page.md"
    page.write_text(page.read_text() + "\n```{raw} latex\nSee \\ref{nowhere}.\n```\n")
    result = build(book, "--pdf")
    assert result.returncode == 0, log(result)
    pdf = Book(book).pdf_path
    log_text = pdf.with_suffix(".log").read_text(errors="replace")
    problems = unresolved_references(pdf_text(pdf), log_text)
    assert any("??" in p for p in problems), problems
    assert any("nowhere" in p for p in problems), problems


def test_an_edit_undone_gives_the_clean_builds_site(book):
    """An incremental build must write what a clean build writes. Sphinx 7.4
    with these extensions alone does not: it drops the search index entries of
    the pages it does not rewrite (sphinx-doc/sphinx#12599) and keeps words no
    page has any more, and a rewritten page links two stylesheets with a
    checksum that a clean build's pages link without. The book's extension
    (_ext/upstream_fixes.py) repairs all three."""
    config = book / "_config.yml"
    config.write_text(
        config.read_text().replace(
            "sphinx:\n",
            f"sphinx:\n  local_extensions:\n    upstream_fixes: {ROOT / '_ext'}\n",
        )
    )
    (book / "terms.md").write_text(
        "# Terms\n\n```{index} fixture term\n```\n\nA page with an index entry.\n"
    )
    toc = book / "_toc.yml"
    toc.write_text(toc.read_text() + "chapters:\n  - file: terms\n")
    assert build(book).returncode == 0
    html = Book(book).html_dir
    clean = site_files(html)
    assert b"fixture term" in (html / "searchindex.js").read_bytes()
    page = book / "page.md"
    original = page.read_text()
    edit(
        page, "This page links to itself", "A passing remark. This page links to itself"
    )
    assert build(book).returncode == 0
    page.write_text(original)
    result = build(book)
    assert result.returncode == 0, log(result)
    rebuilt = site_files(html)
    differing = [
        p for p in clean.keys() | rebuilt.keys() if clean.get(p) != rebuilt.get(p)
    ]
    assert not differing, f"the rebuilt site differs in {differing}"
    assert "nothing changed" not in log(result)
    # Built again with nothing changed, Sphinx does not even start.
    again = build(book)
    assert again.returncode == 0, log(again)
    assert "nothing changed since the last build" in log(again)
    assert "Running Jupyter-Book" not in log(again)


def test_a_page_added_under_sections_gets_every_guard(book):
    """Adding a page is writing it and naming it in _toc.yml, here under
    `sections:` of a chapter, nothing else: it is executed before the build,
    gets a student notebook, its exercise is run on skeleton and solution,
    and the PDF is checked for its title and its exercise's."""
    (book / "chapter.md").write_text("# A chapter\n\nIt has a section.\n")
    # The fixture's page again, with a title, a label and an exercise of its own.
    section = (book / "page.md").read_text().replace("(fixture-top)=\n", "")
    for old, new in [
        ("# Fixture page", "# A section of its own"),
        ("ex-double", "ex-triple"),
        ("Double it.", "Triple it."),
        ("return 2 * x", "return 3 * x"),
        ("double(21) == 42", "triple(21) == 63"),
        ("double(21) should be 42", "triple(21) should be 63"),
        ("double", "triple"),
    ]:
        section = section.replace(old, new)
    (book / "section.md").write_text(section)
    toc = book / "_toc.yml"
    toc.write_text(
        toc.read_text()
        + "chapters:\n  - file: chapter\n    sections:\n      - file: section\n"
    )
    fixture = Book(book)
    assert [p.name for p in fixture.pages()] == ["page", "chapter", "section"]

    result = build(book, "--jobs", "2")
    out = log(result)
    assert result.returncode == 0, out
    assert "section.md: " in out and "executing 2 pages, 2 at a time" in out, out
    assert "section" in fixture.execution_records()

    write_notebooks(fixture, book / "notebooks")
    notebook = nbformat.read(book / "notebooks" / "section.ipynb", as_version=4)
    text = nbformat.writes(notebook)
    notebook_markdown = "\n".join(c.source for c in notebook.cells)
    assert "raise NotImplementedError" in text and "return 3 * x" not in text
    assert re.search(r"#### Exercise [\d.]+: Triple it", notebook_markdown)
    assert "**Triple it.**" not in text  # the title once, in the heading

    pages = run_page_tests(book, "--compare-build", page="section.md")
    out = log(pages)
    assert pages.returncode == 0, out
    assert "Cell 2 (the skeleton must fail its grader) PASSED" in out
    assert "5 passed" in out

    pdf = build(book, "--pdf")
    assert pdf.returncode == 0, log(pdf)
    titles = [p.title for p in fixture.pages()] + [e.title for e in fixture.exercises()]
    assert "A section of its own" in titles and "Triple it." in titles
    assert not missing_from_pdf(fixture, pdf_text(fixture.pdf_path))


# -- teaching guards (booktools.names): no build needed ----------------------


def two_page_book(book: Path) -> Book:
    """The fixture with a second page after it, and a map of what each teaches."""
    (book / "later.md").write_text(
        (book / "page.md")
        .read_text()
        .replace("(fixture-top)=\n", "")
        .replace("# Fixture page", "# Later page")
        .replace("{ref}`fixture-top`", "the first page")
        .replace("ex-double", "ex-double-later")
        + "\nThis page teaches `nn.Linear`.\n"
    )
    toc = book / "_toc.yml"
    toc.write_text(toc.read_text() + "chapters:\n  - file: later\n")
    (book / "book").mkdir()
    (book / "book" / "introduces.yml").write_text("later: [torch.nn.Linear]\n")
    fixture = Book(book)
    assert [p.name for p in fixture.pages()] == ["page", "later"]
    return fixture


def test_a_name_used_before_its_page_is_caught(book):
    from booktools.names import early_uses

    fixture = two_page_book(book)
    assert early_uses(fixture.page("page")) == ([], set())
    edit(
        book / "page.md",
        "answer = 6 * 7\n",
        "from torch import nn\nlayer = nn.Linear(1, 1)\nanswer = 6 * 7\n",
    )
    early, _ = early_uses(Book(book).page("page"))
    assert early == ["page.md, line 19: torch.nn.Linear (later)"], early
    assert early_uses(Book(book).page("later")) == ([], set())  # its own page: fine


def test_a_collapsed_check_may_use_a_later_name(book):
    from booktools.names import early_uses

    two_page_book(book)
    edit(
        book / "page.md",
        "```{code-cell} ipython3\nassert answer == 42\n",
        "```{code-cell} ipython3\n:tags: [hide-input]\nfrom torch import nn\n"
        "assert nn.Linear(1, 1)(__import__('torch').ones(1, 1)).shape == (1, 1)\n"
        "assert answer == 42\n",
    )
    assert early_uses(Book(book).page("page")) == ([], set())


def test_an_unmapped_name_is_caught(book):
    from booktools.names import early_uses

    two_page_book(book)
    edit(
        book / "page.md",
        "answer = 6 * 7\n",
        "import torch\nanswer = int(torch.ones(1)) * 42\n",
    )
    _, unmapped = early_uses(Book(book).page("page"))
    assert unmapped == {"torch.ones"}, unmapped


def test_a_map_entry_its_page_never_names_is_caught(book):
    from booktools.names import unmentioned

    fixture = two_page_book(book)
    assert unmentioned(fixture) == []
    edit(
        book / "later.md", "This page teaches `nn.Linear`.", "This page teaches layers."
    )
    assert unmentioned(Book(book)) == [
        "torch.nn.Linear: later.md never names `Linear` in its prose"
    ]


@pytest.mark.parametrize(
    "shown",
    ["glue('answer', answer)", "plt.close(fig)", "%xmode Minimal", "use_book_style()"],
)
def test_machinery_in_a_visible_cell_is_caught(book, shown):
    from booktools.names import shown_machinery

    assert shown_machinery(Book(book).page("page")) == []
    edit(book / "page.md", "print(answer)\n", f"print(answer)\n{shown}\n")
    found = shown_machinery(Book(book).page("page"))
    assert len(found) == 1 and found[0].startswith("page.md, line 17: "), found
    # the same line in a cell removed from the page is the book's business
    edit(
        book / "page.md",
        "```{code-cell} ipython3\nanswer",
        "```{code-cell} ipython3\n:tags: [remove-cell]\nanswer",
    )
    assert shown_machinery(Book(book).page("page")) == []


def test_a_cell_ending_in_a_drawing_call_is_caught(book):
    from booktools.names import drawing_noise

    assert drawing_noise(Book(book).page("page")) == []
    edit(book / "page.md", "print(answer)\n", "print(answer)\nax.legend()\n")
    assert drawing_noise(Book(book).page("page")) == ["page.md, line 17: ax.legend()"]


def test_a_partial_build_keeps_every_page_in_the_sitemap(book):
    """sphinx-sitemap lists only the pages a build writes; upstream_fixes adds
    the rest, so editing one page and rebuilding keeps the sitemap whole."""
    two_page_book(book)
    # A third page: editing it rewrites it and the root (whose toctree lists
    # it), but not the second page, which a partial build leaves out.
    (book / "third.md").write_text(
        (book / "later.md")
        .read_text()
        .replace("# Later page", "# Third page")
        .replace("ex-double-later", "ex-double-third")
    )
    toc = book / "_toc.yml"
    toc.write_text(toc.read_text() + "  - file: third\n")
    config = book / "_config.yml"
    config.write_text(
        config.read_text()
        .replace(
            "  extra_extensions:\n",
            "  local_extensions:\n    upstream_fixes: "
            f"{ROOT / '_ext'}\n  extra_extensions:\n    - sphinx_sitemap\n",
        )
        .replace(
            "    latex_use_xindy: false\n",
            "    latex_use_xindy: false\n    sitemap_url_scheme: '{link}'\n",
        )
        + "html:\n  baseurl: https://example.org/fixture/\n"
        + "  # (the sitemap's links as the real book's _config.yml writes them)\n"
    )
    sitemap = book / "_build" / "html" / "sitemap.xml"

    def listed() -> set[str]:
        return set(
            re.findall(
                r"<loc>https://example.org/fixture/([^<]*)</loc>", sitemap.read_text()
            )
        )

    assert build(book).returncode == 0
    every_page = {"page.html", "later.html", "third.html"}
    assert every_page <= listed()
    edit(book / "third.md", "This page teaches", "This page, edited, teaches")
    result = build(book)
    assert result.returncode == 0, log(result)
    assert "writing output... [100%] third" in log(result)  # a partial build
    assert every_page <= listed(), listed()


def test_a_changed_stylesheet_reaches_the_site(book):
    """With no page to rewrite, Sphinx copies no static file: the build sees
    the stylesheet change and rewrites the site, so the new CSS is served."""
    (book / "_static").mkdir()
    css = book / "_static" / "fixture.css"
    css.write_text("h1 { color: black; }\n")
    config = book / "_config.yml"
    config.write_text(
        config.read_text().replace(
            "    latex_use_xindy: false\n",
            "    latex_use_xindy: false\n    html_static_path: [_static]\n",
        )
    )
    assert build(book).returncode == 0
    css.write_text("h1 { color: navy; }\n")
    result = build(book)
    assert result.returncode == 0, log(result)
    assert "rewriting every page" in log(result)
    served = book / "_build" / "html" / "_static" / "fixture.css"
    assert served.read_text() == "h1 { color: navy; }\n"
