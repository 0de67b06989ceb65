"""Every guard of the pipeline, shown able to fail, on a tiny fixture book.

Each test copies tests/fixture_book/, injects one fault, and runs the same
build script and page plugin that guard the real book.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixture_book"


def build(book: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ROOT / "scripts" / "build-book", book],
        capture_output=True,
        text=True,
        cwd=book,
        env={**os.environ, **env},
    )


def run_page_tests(book: Path, *options: str) -> subprocess.CompletedProcess:
    cache = book / "_build" / ".jupyter_cache"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            book / "page.md",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.pytest_myst_pages",
            "--rootdir",
            book,
            "--build-cache",
            cache,
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
    assert build(book, PAGE_INPUTS=str(helper)).returncode == 0
    helper.write_text("ANSWER = 41\n")  # the page itself is untouched
    result = build(book, PAGE_INPUTS=str(helper))
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
    assert "the exercise's check passed on the skeleton" in log(result)


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
    assert "not the check's ExerciseFailed message" in out


def test_exercise_cells_out_of_order_are_refused(book):
    edit(book / "page.md", ":tags: [exercise-solution]", ":tags: [solution]")
    result = run_page_tests(book)
    assert result.returncode != 0
    assert (
        "must be three code cells tagged exercise-skeleton, exercise-solution, "
        "exercise-check" in log(result)
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
    from tests.pdf_checks import pdf_text, unresolved_references

    with (book / "_config.yml").open("a") as config:
        config.write(
            "latex:\n  latex_engine: xelatex\n  use_jupyterbook_latex: false\n"
        )
    config_text = (book / "_config.yml").read_text()
    (book / "_config.yml").write_text(
        config_text.replace(
            "    nb_execution_show_tb: true\n",
            "    nb_execution_show_tb: true\n    latex_use_xindy: false\n",
        )
    )
    page = book / "page.md"
    page.write_text(page.read_text() + "\n```{raw} latex\nSee \\ref{nowhere}.\n```\n")
    result = subprocess.run(
        [ROOT / "scripts" / "build-book", "--pdf", book],
        capture_output=True,
        text=True,
        cwd=book,
    )
    assert result.returncode == 0, log(result)
    latex = book / "_build" / "latex"
    pdf = next(latex.glob("*.pdf"))
    log_text = next(latex.glob("*.log")).read_text(errors="replace")
    problems = unresolved_references(pdf_text(pdf), log_text)
    assert any("??" in p for p in problems), problems
    assert any("nowhere" in p for p in problems), problems


def site_files(book: Path) -> dict[str, bytes]:
    html = book / "_build" / "html"
    return {
        str(p.relative_to(html)): p.read_bytes()
        for p in sorted(html.rglob("*"))
        if p.is_file() and p.name != ".buildinfo"
    }


def test_an_edit_undone_gives_the_clean_builds_site(book):
    """An incremental build must write what a clean build writes. Sphinx 7.4
    with these extensions alone does not: it drops the search index entries of
    the pages it does not rewrite (sphinx-doc/sphinx#12599) and keeps words no
    page has any more, and a rewritten page links two stylesheets with a
    checksum that a clean build's pages link without. The book's extension
    (_ext/nnbook_site.py) repairs all three."""
    config = book / "_config.yml"
    config.write_text(
        config.read_text().replace(
            "sphinx:\n",
            f"sphinx:\n  local_extensions:\n    nnbook_site: {ROOT / '_ext'}\n",
        )
    )
    (book / "terms.md").write_text(
        "# Terms\n\n```{index} fixture term\n```\n\nA page with an index entry.\n"
    )
    toc = book / "_toc.yml"
    toc.write_text(toc.read_text() + "chapters:\n  - file: terms\n")
    assert build(book).returncode == 0
    clean = site_files(book)
    assert b"fixture term" in clean["searchindex.js"]
    page = book / "page.md"
    original = page.read_text()
    edit(
        page, "This page links to itself", "A passing remark. This page links to itself"
    )
    assert build(book).returncode == 0
    page.write_text(original)
    result = build(book)
    assert result.returncode == 0, log(result)
    rebuilt = site_files(book)
    differing = [
        p for p in clean.keys() | rebuilt.keys() if clean.get(p) != rebuilt.get(p)
    ]
    assert not differing, f"the rebuilt site differs in {differing}"
