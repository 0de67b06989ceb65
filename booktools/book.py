"""What the book is made of, known in one place.

The build, the page tests, the student-notebook generator and the benchmark
all ask this module which pages the book has (in reading order), which of
them are notebooks, what their exercises are, where the execution cache is,
what the build recorded for a page and what a built site holds. Nothing here
re-implements a parser: the table of contents is read by Jupyter Book's own
TOC parser (sphinx-external-toc), pages by myst-nb's own reader and MyST's
Markdown parser, outputs by jupyter-cache.

It is the book's machinery, not part of the ``nnbook`` package that readers
install: nothing in ``nnbook/`` imports it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gzip
import hashlib
import http.server
import io
import re
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path

import nbformat
import yaml
from docutils.parsers.rst.directives.misc import TestDirective
from markdown_it.token import Token
from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.directives import parse_directive_text
from myst_parser.parsers.mdit import create_md_parser
from sphinx_external_toc.api import FileItem
from sphinx_external_toc.parsing import parse_toc_yaml

ROOT = Path(__file__).resolve().parents[1]

# An exercise's three code cells, in this order (see the README, "Exercises").
EXERCISE_CELLS = ("exercise-skeleton", "exercise-solution", "exercise-grader")
# The only markdown between an exercise's solution cell and its grader cell.
GRADER_FOLLOWS = ["```{solution-end}", "```"]


def pages_url(repository_url: str) -> str:
    """GitHub Pages' address of a GitHub repository's site:
    https://github.com/Owner/name -> https://owner.github.io/name/ (a
    repository named owner.github.io is served at the root)."""
    match = re.fullmatch(
        r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", repository_url
    )
    if not match:
        raise BookError(
            f"_config.yml: repository.url must be https://github.com/OWNER/NAME, "
            f"got {repository_url!r}"
        )
    owner, name = match.group(1).lower(), match.group(2)
    host = f"https://{owner}.github.io/"
    return host if name.lower() == f"{owner}.github.io" else f"{host}{name}/"


class BookError(ValueError):
    """A mistake in the book's sources; the message names the page and the cell."""


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise of a page: where its cells are in the page's notebook."""

    page: Page
    label: str
    title: str  # the bold words that open its text, as plain text
    skeleton: int  # index in page.notebook().cells
    solution: int
    grader: int

    def cells(self, nb: nbformat.NotebookNode) -> tuple:
        """(skeleton, solution, grader) cells of ``nb``, the page's notebook."""
        return nb.cells[self.skeleton], nb.cells[self.solution], nb.cells[self.grader]


@dataclasses.dataclass(frozen=True)
class Parsed:
    """A directive as MyST parses it: ``{name} argument``, options, body."""

    name: str
    argument: str
    options: dict
    body: str


def directive(token: Token) -> Parsed | None:
    """The directive a fence token (``` or :::) holds, or None for plain code."""
    info = token.info.strip()
    if not (info.startswith("{") and "}" in info):
        return None
    name, _, first_line = info[1:].partition("}")
    # docutils' TestDirective takes an argument, options and content, and
    # MyST accepts any option for it: a stand-in for every directive.
    parsed = parse_directive_text(TestDirective, first_line.strip(), token.content)
    return Parsed(
        name,
        " ".join(parsed.arguments),
        {str(k): v for k, v in parsed.options.items()},
        "\n".join(parsed.body),
    )


def plain_text(inline: Token) -> str:
    """An inline token's text without its markup."""
    return "".join(
        t.content for t in inline.children or [] if t.type in ("text", "code_inline")
    )


@dataclasses.dataclass(frozen=True)
class Page:
    """A page of the book, as the build reads it."""

    book: Book
    docname: str  # as in _toc.yml, e.g. "book/neuron"

    @property
    def path(self) -> Path:
        return self.book.root / f"{self.docname}.md"

    @property
    def name(self) -> str:
        """The file name without its suffix, e.g. "neuron"."""
        return Path(self.docname).name

    def __str__(self) -> str:
        return f"{self.docname}.md"

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def is_notebook(self) -> bool:
        """A MyST notebook (executed by the build), as myst-nb decides it."""
        return is_myst_markdown_notebook(self.text())

    def notebook(self, source_map: bool = False) -> nbformat.NotebookNode:
        """The page as a notebook, read by myst-nb's own reader (a new copy)."""
        return read_myst_markdown_notebook(
            self.text(),
            config=self.book.md_config,
            add_source_map=source_map,
            path=self.path,
        )

    def tokens(self, markdown: str) -> list[Token]:
        return self.book.markdown.parse(markdown)

    def markup(self) -> tuple[list[Parsed], list[str]]:
        """The directives and the role names of the page's Markdown, as MyST
        parses them, those inside directives included."""
        found_directives: list[Parsed] = []
        found_roles: list[str] = []

        def walk(markdown: str) -> None:
            for token in self.tokens(markdown):
                found_roles.extend(
                    c.meta["name"]
                    for c in token.children or []
                    if c.type == "myst_role"
                )
                d = directive(token) if token.type.endswith("fence") else None
                if d is not None:
                    found_directives.append(d)
                    walk(d.body)

        for cell in self.notebook().cells:
            if cell.cell_type == "markdown":
                walk(cell.source)
        return found_directives, found_roles

    @property
    def title(self) -> str:
        """The text of the page's first level-1 heading."""
        tokens = self.tokens(self.text())
        for i, token in enumerate(tokens):
            if token.type == "heading_open" and token.tag == "h1":
                return plain_text(tokens[i + 1])
        raise BookError(f"{self}: no level-1 heading (# Title)")

    def exercises(self) -> list[Exercise]:
        """The page's exercises, in order, each with its three cells.

        Raises BookError, naming the page and the line, when an exercise's cells
        are missing, out of order, or outside an ``exercise-start`` block.
        """
        nb = self.notebook(source_map=True)
        lines = nb.metadata.get("source_map", [])
        found: list[Exercise] = []
        current: dict | None = None  # the exercise whose cells come next

        def where(index: int) -> str:
            line = f", line {lines[index] + 1}" if index < len(lines) else ""
            return f"{self}{line} (cell {index})"

        def close(index: int) -> None:
            if current is None:
                return
            got = [role for role in EXERCISE_CELLS if role in current]
            if len(got) != 3:
                raise BookError(
                    f"{where(index)}: exercise {current['label']} must have three "
                    f"code cells tagged {', '.join(EXERCISE_CELLS)}, in that "
                    f"order; found {got}"
                )
            found.append(
                Exercise(
                    self,
                    current["label"],
                    current["title"],
                    *(current[role] for role in EXERCISE_CELLS),
                )
            )

        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                tokens = self.tokens(cell.source)
                for i, token in enumerate(tokens):
                    d = directive(token) if token.type.endswith("fence") else None
                    if d is None:
                        continue
                    if d.name == "exercise-start":
                        close(index)
                        label = d.options.get("label")
                        if not label:
                            raise BookError(
                                f"{where(index)}: an exercise with no label"
                            )
                        title = next(
                            (self._bold(t) for t in tokens[i + 1 :] if t.children),
                            "",
                        )
                        current = {"label": label, "title": title}
                    elif d.name == "solution-start" and (
                        current is None or d.argument != current["label"]
                    ):
                        raise BookError(
                            f"{where(index)}: a solution for {d.argument} outside "
                            "its exercise"
                        )
                continue
            role = next((t for t in tags(cell) if t in EXERCISE_CELLS), None)
            if role is None:
                continue
            expected = EXERCISE_CELLS[
                len([r for r in EXERCISE_CELLS if r in (current or {})])
            ]
            if current is None or role != expected:
                label = current["label"] if current else "(no exercise-start)"
                raise BookError(
                    f"{where(index)}: exercise {label} must have three code cells "
                    f"tagged {', '.join(EXERCISE_CELLS)}, in that order; this cell "
                    f"is tagged {role}, expected {expected}"
                )
            current[role] = index
            if role == "exercise-grader":
                between = nb.cells[current["exercise-solution"] + 1 : index]
                if [c.source.split() for c in between] != [GRADER_FOLLOWS]:
                    # The PDF moves the grader cell with the solution to the
                    # chapter's end; prose between them would be left behind.
                    raise BookError(
                        f"{where(index)}: exercise {current['label']}'s grader cell "
                        "must follow its solution directly; say what the check "
                        "does in the exercise's text"
                    )
                close(index)
                current = None
        close(len(nb.cells))
        return found

    @staticmethod
    def _bold(inline: Token) -> str:
        """The text of the first bold span of an inline token."""
        children = inline.children or []
        opens = [i for i, t in enumerate(children) if t.type == "strong_open"]
        if not opens:
            return ""
        words = []
        for t in children[opens[0] + 1 :]:
            if t.type == "strong_close":
                break
            words.append(" " if t.type == "softbreak" else t.content)
        return "".join(words)

    def build_outputs(self) -> nbformat.NotebookNode | None:
        """The page with the outputs the last build recorded for its current
        code, or None if the build's cache has no execution of this code."""
        return self.book.build_outputs(self.notebook())

    def glued_text(self) -> dict[str, str]:
        """The text of every value the build glued (name -> text), or raise
        BookError if the page was not built with its current code."""
        merged = self.build_outputs()
        if merged is None:
            raise BookError(
                f"{self}: no build of this page's current code; run `make book`"
            )
        values = {}
        for cell in merged.cells:
            for out in cell.get("outputs", []):
                name = out.get("metadata", {}).get("scrapbook", {}).get("name")
                text = out.get("data", {}).get(
                    "application/papermill.record/text/plain"
                )
                if name and text is not None:
                    values[name] = text.strip("'\"")
        return values


@dataclasses.dataclass(frozen=True)
class Book:
    """A Jupyter Book: its folder holds ``_config.yml`` and ``_toc.yml``."""

    root: Path = ROOT

    @classmethod
    def containing(cls, path: Path) -> Book:
        """The book whose folder holds ``path`` (the nearest with _config.yml)."""
        for folder in [path, *path.resolve().parents]:
            if (folder / "_config.yml").is_file() and (folder / "_toc.yml").is_file():
                return cls(folder.resolve())
        raise BookError(f"{path} is in no book (no _config.yml and _toc.yml above it)")

    @functools.cached_property
    def config(self) -> dict:
        """_config.yml, read once."""
        return yaml.safe_load((self.root / "_config.yml").read_text()) or {}

    @property
    def build_dir(self) -> Path:
        return self.root / "_build"

    @property
    def site_url(self) -> str:
        """Where the site is published, ending in /: _config.yml's html.baseurl
        when set (a custom domain), else the GitHub Pages address of
        repository.url, so that one setting moves everything."""
        url = self.config.get("html", {}).get("baseurl") or pages_url(
            self.config.get("repository", {}).get("url", "")
        )
        if not url.startswith("https://"):
            raise BookError(
                f"_config.yml: html.baseurl must be an https URL, got {url!r}"
            )
        return url.rstrip("/") + "/"

    @property
    def wheel_path(self) -> Path:
        """The nnbook package as a wheel: built with the site, published in it
        (``wheels/``), and installed by the student notebooks. The package is
        the repository's, whichever book uses it, so it is built once there."""
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        name = f"{project['name']}-{project['version']}-py3-none-any.whl"
        return ROOT / "_build" / "wheel" / name

    @property
    def html_dir(self) -> Path:
        return self.build_dir / "html"

    @property
    def doctrees_dir(self) -> Path:
        return self.build_dir / ".doctrees"

    @property
    def cache_dir(self) -> Path:
        """The execution cache (_config.yml's execute.cache, Jupyter Book's
        default when unset)."""
        cache = self.config.get("execute", {}).get("cache") or "_build/.jupyter_cache"
        return self.root / cache

    @functools.cached_property
    def md_config(self) -> MdParserConfig:
        extensions = self.config.get("parse", {}).get("myst_enable_extensions", [])
        return MdParserConfig(enable_extensions=set(extensions))

    @functools.cached_property
    def markdown(self):
        """MyST's Markdown parser, with the book's extensions."""
        from markdown_it.renderer import RendererHTML

        return create_md_parser(self.md_config, RendererHTML)

    @functools.cached_property
    def _pages(self) -> tuple[Page, ...]:
        sitemap = parse_toc_yaml(self.root / "_toc.yml")

        def walk(docname: str) -> Iterator[str]:
            yield docname
            for tree in sitemap[docname].subtrees:
                for item in tree.items:
                    if not isinstance(item, FileItem):
                        raise BookError(
                            f"_toc.yml: {item!r}: only files are supported "
                            "(no globs or URLs)"
                        )
                    yield from walk(str(item))

        return tuple(Page(self, docname) for docname in walk(sitemap.root.docname))

    def pages(self) -> list[Page]:
        """Every page of _toc.yml in reading order, the root first; parts,
        chapters and sections alike."""
        return list(self._pages)

    def parts(self) -> list[tuple[str, bool]]:
        """The root's parts in _toc.yml order: (caption, numbered). The PDF
        opens each numbered part with a part page; an unnumbered last part is
        its appendix (_ext/print_edition.py)."""
        sitemap = parse_toc_yaml(self.root / "_toc.yml")
        return [
            (tree.caption, bool(tree.numbered))
            for tree in sitemap[sitemap.root.docname].subtrees
            if tree.caption
        ]

    def notebook_pages(self) -> list[Page]:
        """The pages that are MyST notebooks, executed by the build."""
        return [page for page in self._pages if page.is_notebook]

    def page(self, name: str) -> Page:
        """The page called ``name`` (file name without suffix, or docname)."""
        for page in self._pages:
            if name in (page.name, page.docname):
                return page
        raise BookError(f"no page {name!r} in {self.root / '_toc.yml'}")

    def exercises(self) -> list[Exercise]:
        return [ex for page in self.notebook_pages() for ex in page.exercises()]

    @property
    def introductions_path(self) -> Path:
        return self.root / "book" / "introduces.yml"

    @functools.cached_property
    def introductions(self) -> dict[str, Page]:
        """Which page teaches each PyTorch and nnbook name (book/introduces.yml).

        Keys are full names (``torch.nn.Linear``; a prefix such as ``torch``
        covers what no longer key names) or methods by name (``.backward``).
        """
        if not self.introductions_path.is_file():
            return {}
        listed = yaml.safe_load(self.introductions_path.read_text()) or {}
        out: dict[str, Page] = {}
        for name, names in listed.items():
            page = self.page(name)
            for entry in names:
                if entry in out:
                    raise BookError(
                        f"{self.introductions_path.name}: {entry} is listed under "
                        f"both {out[entry].name} and {page.name}"
                    )
                out[entry] = page
        return out

    def cache(self):
        from jupyter_cache import get_cache

        return get_cache(self.cache_dir)

    def is_cached(self, page: Page) -> bool:
        """Whether the cache holds an execution of the page's current code."""
        if not self.cache_dir.is_dir():
            return False
        try:
            self.cache().match_cache_notebook(page.notebook())
        except KeyError:
            return False
        return True

    @property
    def pdf_path(self) -> Path:
        """Where the LaTeX build writes the PDF edition (_config.yml's
        latex.latex_documents.targetname, or Sphinx's default: the only PDF)."""
        latex = self.build_dir / "latex"
        target = self.config.get("latex", {}).get("latex_documents", {})
        if "targetname" in target:
            return latex / Path(target["targetname"]).with_suffix(".pdf").name
        found = sorted(latex.glob("*.pdf"))
        if len(found) != 1:
            raise BookError(f"{latex}: expected one PDF, found {found}")
        return found[0]

    def build_outputs(self, nb: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
        """``nb`` merged with the outputs the cache holds for its code, or None."""
        if not self.cache_dir.is_dir():
            return None
        try:
            _, merged = self.cache().merge_match_into_notebook(nb)
        except KeyError:
            return None
        return merged

    def execution_records(self) -> dict[str, tuple[int, float]]:
        """Page name -> (cache record id, execution seconds) for the newest
        execution of each page the cache holds."""
        if not self.cache_dir.is_dir():
            return {}
        records = sorted(self.cache().list_cache_records(), key=lambda r: r.pk)
        return {
            Path(r.uri).stem: (r.pk, r.data.get("execution_seconds", 0.0))
            for r in records
        }


def site_files(html_dir: Path) -> dict[str, str]:
    """sha256 of every file of a built site, by path (.buildinfo left out: it
    records the build's configuration hash, not what readers get)."""
    return {
        str(path.relative_to(html_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(html_dir.rglob("*"))
        if path.is_file() and path.name != ".buildinfo"
    }


def differing_files(sites: list[dict[str, str]]) -> list[str]:
    """The paths whose content (or presence) is not the same in every site."""
    paths = set().union(*sites)
    return sorted(p for p in paths if len({site.get(p) for site in sites}) > 1)


# What a static host (GitHub Pages among them) compresses: text. Images and
# woff2 fonts are compressed already.
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg")


class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files as a static host does: text gzip-compressed for a client
    that accepts it. (The standard library's server sends everything as it
    is; a whole web server would be a heavier dependency than these lines.)"""

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if self.path.split("?")[0].endswith("/") and (path / "index.html").is_file():
            path = path / "index.html"
        kind = self.guess_type(str(path))
        if (
            not path.is_file()
            or "gzip" not in self.headers.get("Accept-Encoding", "")
            or not kind.startswith(COMPRESSED_TYPES)
        ):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def served(html_dir: Path) -> Iterator[str]:
    """Serve a built site on loopback, on a free port, text compressed as a
    host serves it; yields its base URL."""
    if not (html_dir / "index.html").is_file():
        raise BookError(f"no built site in {html_dir}: run `make book` first")
    handler = functools.partial(_GzipHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
