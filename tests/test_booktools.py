"""The book's structure (booktools.book) and the student-notebook converter,
on small books written by the tests and on the book itself."""

import urllib.request
from pathlib import Path

import pytest

from booktools.book import Book, BookError, differing_files, served, site_files
from booktools.notebooks import Converter, References

FRONT = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def write_book(root: Path, toc: str, pages: dict[str, str]) -> Book:
    root.mkdir(exist_ok=True)
    (root / "_config.yml").write_text("title: A test book\n")
    (root / "_toc.yml").write_text(toc)
    for name, text in pages.items():
        (root / f"{name}.md").write_text(text)
    return Book(root)


def test_pages_in_reading_order_through_parts_chapters_and_sections(tmp_path):
    toc = """format: jb-book
root: intro
parts:
  - caption: One
    chapters:
      - file: a
        sections:
          - file: a1
          - file: a2
      - file: b
  - caption: Two
    chapters:
      - file: c
"""
    names = ["intro", "a", "a1", "a2", "b", "c"]
    pages = {n: f"# Page {n}\n" for n in names}
    pages["a2"] = FRONT + "# Page a2\n\n```{code-cell} ipython3\n1\n```\n"
    book = write_book(tmp_path, toc, pages)
    assert [p.name for p in book.pages()] == names
    assert [p.name for p in book.notebook_pages()] == ["a2"]
    assert book.page("a1").title == "Page a1"
    assert book.cache_dir == tmp_path / "_build" / ".jupyter_cache"


EXERCISE = """
```{{exercise-start}}
:label: ex-one
```
**The `one` title.** Text.

```{{code-cell}} ipython3
:tags: [{first}]
x = ...
```

```{{exercise-end}}
```

```{{solution-start}} ex-one
```

```{{code-cell}} ipython3
:tags: [{second}]
x = 1
```

```{{solution-end}}
```

```{{code-cell}} ipython3
:tags: [exercise-grader]
assert x == 1
```
"""


def exercise_book(tmp_path, first: str, second: str) -> Book:
    page = FRONT + "# Page\n" + EXERCISE.format(first=first, second=second)
    return write_book(tmp_path, "format: jb-book\nroot: page\n", {"page": page})


def test_an_exercise_is_found_with_its_title_and_its_three_cells(tmp_path):
    book = exercise_book(
        tmp_path, "exercise-skeleton, skip-execution", "exercise-solution"
    )
    (ex,) = book.exercises()
    assert (ex.label, ex.title) == ("ex-one", "The one title.")
    skeleton, solution, check = ex.cells(book.page("page").notebook())
    assert "x = ..." in skeleton.source and "x = 1" in solution.source
    assert "assert" in check.source


@pytest.mark.parametrize(
    "first, second, problem",
    [
        (
            "exercise-solution",
            "exercise-skeleton",
            "this cell is tagged exercise-solution",
        ),
        ("exercise-skeleton", "a-solution", "this cell is tagged exercise-grader"),
    ],
)
def test_exercise_cells_out_of_order_or_missing_name_page_and_line(
    tmp_path, first, second, problem
):
    book = exercise_book(tmp_path, first, second)
    with pytest.raises(BookError) as err:
        book.exercises()
    message = str(err.value)
    assert message.startswith("page.md, line ")
    assert "must have three code cells tagged" in message and problem in message


def test_prose_between_a_solution_and_its_grader_is_refused(tmp_path):
    """The PDF moves the grader with the solution; the prose would stay."""
    book = exercise_book(
        tmp_path, "exercise-skeleton, skip-execution", "exercise-solution"
    )
    page = book.page("page").path
    page.write_text(
        page.read_text().replace(
            "```{solution-end}\n```\n", "```{solution-end}\n```\n\nThe check:\n"
        )
    )
    with pytest.raises(BookError, match="grader cell must follow its solution"):
        book.exercises()


class FakeReferences:
    """What the converter asks of the build's Sphinx environment."""

    labels = {"sec": ("page", "sec", "A section"), "fig-a": ("page", "fig-a", "")}
    equations = {"eq-a": ("page", 1), "eq-b": ("other", 1)}
    titles = {"page": "This page", "other": "Another page"}

    def section(self, label):
        return self.labels[label][2]

    def figure_number(self, label):
        return "2.1"

    def figure(self, label):
        return f"Fig. {self.figure_number(label)}"

    def equation_number(self, label):
        return {"eq-a": "2.1", "eq-b": "1.4"}[label]

    def equation(self, label):
        return f"Eq. {self.equation_number(label)}"


@pytest.fixture
def convert(tmp_path):
    book = write_book(tmp_path, "format: jb-book\nroot: page\n", {"page": "# P\n"})
    (tmp_path / "_config.yml").write_text(
        "parse:\n  myst_enable_extensions: [colon_fence, dollarmath, amsmath]\n"
    )
    return Converter(book.page("page"), FakeReferences(), {"loss": "0.25"})


@pytest.mark.parametrize(
    "myst, plain",
    [
        ("See {ref}`sec`.", "See *A section*."),
        ("See {ref}`the part <sec>`.", "See *the part*."),
        ("In {numref}`fig-a`, a line.", "In Fig. 2.1, a line."),
        ("See {numref}`figure %s <fig-a>`.", "See figure 2.1."),
        ("By {eq}`eq-a` and {eq}`eq-b`.", "By Eq. 2.1 and Eq. 1.4 of *Another page*."),
        ("The loss is {glue:text}`loss`.", "The loss is **0.25**."),
        ("Call {py:func}`~nnbook.train.fit_model`.", "Call `nnbook.train.fit_model`."),
        ("`{ref}` stays code.", "`{ref}` stays code."),
        ("(sec)=\n# Title", "# Title"),
        ("$$\nx = 1\n$$ (eq-a)", "$$\nx = 1\n\\tag{2.1}\n$$"),
        (":::{note}\nMind {ref}`sec`.\n:::", "> **Note**\n>\n> Mind *A section*."),
        (
            "```{dropdown} Answers\n1. Yes.\n```",
            "<details><summary>Answers</summary>\n\n1. Yes.\n\n</details>",
        ),
    ],
)
def test_myst_becomes_plain_markdown(convert, myst, plain):
    assert convert.markdown(myst) == plain


def test_references_number_chapters_sections_and_figures_as_numref_does():
    refs = References.__new__(References)  # without a build
    refs.labels = {
        "ch": ("book/ch", "ch", "A chapter"),
        "part": ("book/ch", "a-section", "A section"),
        "fig": ("book/ch", "fig", ""),
        "appendix": ("book/api", "api", "Appendix"),
    }
    refs.numbers = {"book/ch": {"figure": {"fig": (7, 1)}}}
    refs.secnumbers = {"book/ch": {"": (7,), "#a-section": (7, 2)}, "book/api": {}}
    assert refs.figure_number("ch") == "7"  # the page's own top section
    assert refs.figure_number("part") == "7.2"
    assert refs.figure_number("fig") == "7.1"
    with pytest.raises(BookError, match="neither a figure nor a numbered section"):
        refs.figure_number("appendix")


def test_an_unknown_role_or_directive_is_refused(convert):
    with pytest.raises(BookError, match=r"no plain form for the role \{abbr\}"):
        convert.markdown("An {abbr}`LR (learning rate)`.")
    with pytest.raises(BookError, match=r"no plain form for the directive \{mermaid\}"):
        convert.markdown("```{mermaid}\ngraph LR\n```")


def test_every_role_and_directive_of_the_notebook_pages_has_a_plain_form():
    """Every role and directive the notebook pages use (as MyST parses them,
    inside directives too) is one the student-notebook converter handles."""
    roles, directives = set(), set()
    for page in Book().notebook_pages():
        found_directives, found_roles = page.markup()
        directives |= {d.name for d in found_directives}
        roles |= set(found_roles)
    assert roles and directives
    assert roles <= set(Converter.ROLES), roles - set(Converter.ROLES)
    assert directives <= set(Converter.DIRECTIVES), directives - set(
        Converter.DIRECTIVES
    )


def test_site_files_and_their_differences(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for site in (one, two):
        (site / "sub").mkdir(parents=True)
        (site / "index.html").write_text("<p>hi</p>")
        (site / "sub" / "a.css").write_text("a {}")
        (site / ".buildinfo").write_text(str(site))
    (two / "sub" / "a.css").write_text("a { color: red }")
    (two / "extra.js").write_text("")
    files = site_files(one)
    assert sorted(files) == ["index.html", "sub/a.css"]
    assert differing_files([files, site_files(two)]) == ["extra.js", "sub/a.css"]


def test_a_site_is_served_on_loopback(tmp_path):
    (tmp_path / "index.html").write_text("<p>the site</p>")
    with served(tmp_path) as url:
        assert url.startswith("http://127.0.0.1:")
        assert urllib.request.urlopen(f"{url}/index.html").read() == b"<p>the site</p>"
    with pytest.raises(BookError, match="no built site"):
        with served(tmp_path / "nowhere"):
            pass


@pytest.mark.parametrize(
    "repository, site",
    [
        ("https://github.com/nnbook/nnbook", "https://nnbook.github.io/nnbook/"),
        ("https://github.com/Alice/nn-course/", "https://alice.github.io/nn-course/"),
        ("https://github.com/alice/alice.github.io", "https://alice.github.io/"),
    ],
)
def test_the_site_address_follows_the_repository(tmp_path, repository, site):
    book = write_book(tmp_path, "format: jb-book\nroot: intro\n", {"intro": "# I\n"})
    (tmp_path / "_config.yml").write_text(f"repository:\n  url: {repository}\n")
    assert book.site_url == site


def test_a_custom_domain_overrides_the_pages_address_and_a_bad_url_is_named(
    tmp_path,
):
    (tmp_path / "_config.yml").write_text(
        "repository:\n  url: https://github.com/a/b\n"
        "html:\n  baseurl: https://book.example.org\n"
    )
    assert Book(tmp_path).site_url == "https://book.example.org/"
    (tmp_path / "_config.yml").write_text("repository:\n  url: gitlab.com/a/b\n")
    with pytest.raises(BookError, match="repository.url must be"):
        _ = Book(tmp_path).site_url


def test_a_build_starts_only_when_an_input_changed(tmp_path):
    """`make book` twice does nothing the second time; any change to the
    book's files (not to its outputs), or a missing output, builds again."""
    from booktools.build import unchanged_since_last_build

    book = write_book(
        tmp_path / "book", "format: jb-book\nroot: index\n", {"index": "# A\n"}
    )
    inputs = [book.root / "index.md"]
    same, stamp, digest = unchanged_since_last_build(book, "html", inputs)
    assert not same  # never built
    book.html_dir.mkdir(parents=True)
    (book.html_dir / "index.html").write_text("<p>A</p>")
    stamp.write_text(digest + "\n")  # as a successful build leaves it
    assert unchanged_since_last_build(book, "html", inputs)[0]
    (book.build_dir / "jupyter_execute").mkdir()  # outputs are not inputs
    (book.build_dir / "jupyter_execute" / "x.ipynb").write_text("{}")
    assert unchanged_since_last_build(book, "html", inputs)[0]
    assert not unchanged_since_last_build(book, "pdflatex", inputs)[0]
    (book.root / "figure.svg").write_text("<svg/>")  # a file added
    assert not unchanged_since_last_build(book, "html", inputs)[0]
    (book.root / "figure.svg").unlink()
    assert unchanged_since_last_build(book, "html", inputs)[0]
    (book.root / "index.md").write_text("# B\n")  # a file edited
    assert not unchanged_since_last_build(book, "html", inputs)[0]
    (book.root / "index.md").write_text("# A\n")
    (book.html_dir / "index.html").unlink()  # the output gone
    assert not unchanged_since_last_build(book, "html", inputs)[0]


@pytest.mark.parametrize(
    "failures, ran",
    [
        ([], 1),
        (["Kernel died before replying to kernel_info"], 2),  # a port taken
        (["Kernel died before replying to kernel_info"] * 2, "raises"),
        (["another kernel error"], "raises"),
    ],
)
def test_a_kernel_that_dies_starting_is_started_once_more(monkeypatch, failures, ran):
    """Two kernels started at once can draw the same TCP port; the one that
    dies is started again, once. Any other failure is not retried."""
    import nbformat
    from jupyter_cache.executors import utils

    from booktools import build

    calls = []

    def single_nb_execution(nb, **kwargs):
        calls.append(kwargs["cwd"])
        if len(calls) <= len(failures):
            raise RuntimeError(failures[len(calls) - 1])
        return utils.ExecutionResult(nb, kwargs["cwd"], 1.5, None, None)

    monkeypatch.setattr(utils, "single_nb_execution", single_nb_execution)
    page = nbformat.writes(nbformat.v4.new_notebook())
    if ran == "raises":
        with pytest.raises(RuntimeError, match=failures[-1]):
            build.execute("book/page.md", page, 60, False)
    else:
        text, seconds = build.execute("book/page.md", page, 60, False)
        assert (nbformat.reads(text, as_version=4), seconds) == (
            nbformat.reads(page, as_version=4),
            1.5,
        )
        assert calls == ["book"] * ran
