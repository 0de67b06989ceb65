"""The book's own features that _config.yml cannot express.

HTML: launch links on every page that has a student notebook (Colab, Binder,
download, all notebooks as a zip), the notebooks copied into the site, the
404 page's links under the site's path, and inline formulas kept on one line
with the punctuation that follows them, formulas and links read as plain
text in the page's description (its <meta> for search engines).
PDF: each chapter's exercise solutions gathered at the chapter's end, since a
printed page has no dropdown to hide them in.
Both: each entry of the API appendix says which chapter introduces it, from
the book's map of what each page teaches (booktools.book, book/introduces.yml).

Workarounds for upstream bugs are in upstream_fixes.py, not here.
"""

import html
import re
import shutil
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import urlparse

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx.locale import get_translation

_ = get_translation("nnbook")


def _needroom(lines: int) -> nodes.raw:
    """In LaTeX, a new page here unless ``lines`` lines of text are left."""
    return nodes.raw("", f"\\needroom{{{lines}\\baselineskip}}", format="latex")


# A box (exercise, solution) starts on a new page when the rest of the page
# cannot hold it, so it is not cut into a fragment and its rest; a box longer
# than BOX_MOST_LINES may still run on, from at least BOX_LEAST_LINES down.
BOX_LEAST_LINES = 12
BOX_MOST_LINES = 36
LINE_CHARACTERS = 80  # of prose in a line of the printed page, about


def _box_lines(node: nodes.Element) -> int:
    """About how many lines of text ``node`` takes in print: its code and
    outputs line for line (plus a frame), its prose by length."""
    lines = 3  # the box's title and frame
    for block in node.findall(nodes.literal_block):
        lines += len(block.astext().splitlines()) + 2
    for para in node.findall(nodes.paragraph):
        lines += -(-len(para.astext()) // LINE_CHARACTERS) + 1
    return max(BOX_LEAST_LINES, min(lines, BOX_MOST_LINES))


def _keep_with_heading(node: nodes.Element) -> nodes.Element:
    """The node before which to ask for room: a box that opens its section
    goes with the section's heading (else the heading ends a page)."""
    while (
        isinstance(node.parent, nodes.section)
        and node.parent.index(node) == 1
        and isinstance(node.parent[0], nodes.title)
    ):
        node = node.parent
    return node


def solutions_to_chapter_end(app, doctree, docname):
    """In the LaTeX build, gather each chapter's solutions under a heading at
    its end, in the order of the exercises, each keeping its title
    ("Solution to Exercise 8.1") and followed by its check's output; start
    no box where the rest of the page cannot hold it (_box_lines)."""
    if app.builder.format != "latex":
        return
    from sphinx_exercise.nodes import (
        exercise_enumerable_node,
        exercise_node,
        solution_node,
    )

    for chapter in doctree.findall(addnodes.start_of_file):
        for node in list(chapter.findall(exercise_enumerable_node)) + list(
            chapter.findall(exercise_node)
        ):
            anchor = _keep_with_heading(node)
            anchor.parent.insert(
                anchor.parent.index(anchor), _needroom(_box_lines(node))
            )
        solutions = [
            node for node in chapter.findall(solution_node) if node.parent is not None
        ]
        if not solutions:
            continue
        for node in solutions:
            # The grader cell after a solution goes with it: its "Correct!"
            # was printed by the book's solution, not by the empty skeleton.
            parent = node.parent
            after = parent.index(node) + 1
            grader = parent[after] if after < len(parent) else None
            if (
                isinstance(grader, nodes.Element)
                and "tag_exercise-grader" in (grader["classes"])
            ):
                node += parent.pop(after)
            parent.remove(node)
        # The heading stays with the first solution (no page break between).
        chapter += _needroom(_box_lines(solutions[0]) + 3)
        chapter += nodes.rubric("", _("Solutions"))
        chapter += nodes.raw("", "\\nopagebreak[4]", format="latex")
        for n, node in enumerate(solutions):
            if n:
                chapter += _needroom(_box_lines(node))
            chapter += node


def _repository(app) -> tuple[str, str]:
    """(owner/name, branch) of _config.yml's repository, which Jupyter Book
    passes to the theme as repository_url and repository_branch."""
    options = app.config.html_theme_options
    url = options.get("repository_url", "").rstrip("/")
    if "github.com/" not in url:
        raise ExtensionError(
            f"_config.yml: repository.url must be a GitHub URL, got {url!r}"
        )
    return url.split("github.com/", 1)[1], options.get("repository_branch", "main")


def _notebooks_dir(app) -> Path:
    return Path(app.confdir) / "notebooks"


def launch_links(app, pagename, templatename, context, doctree):
    """Links to open this page's student notebook, above the page's content.

    The theme's own launch buttons cannot serve: they open the page's source
    (book/x.md, with its solutions) where the students' notebooks are
    notebooks/x.ipynb, and they offer no download of all notebooks.
    """
    stem = pagename.rsplit("/", 1)[-1]
    if "body" not in context or not (_notebooks_dir(app) / f"{stem}.ipynb").is_file():
        return
    repo, branch = _repository(app)
    path = f"notebooks/{stem}.ipynb"
    to_root = "../" * pagename.count("/")
    links = [
        (
            "colab",
            f"https://colab.research.google.com/github/{repo}/blob/{branch}/{path}",
            _("Open in Colab"),
        ),
        (
            "binder",
            f"https://mybinder.org/v2/gh/{repo}/{branch}?labpath={path}",
            _("Launch Binder"),
        ),
        ("download", f"{to_root}{path}", _("Download notebook")),
        (
            "download-all",
            f"{to_root}notebooks/nnbook-notebooks.zip",
            _("All notebooks (zip)"),
        ),
    ]
    items = " ".join(
        f'<a class="nnbook-launch nnbook-launch-{kind}" href="{html.escape(url)}"'
        f"{' download' if kind.startswith('download') else ''}>{html.escape(text)}</a>"
        for kind, url, text in links
    )
    context["body"] = (
        f'<div class="nnbook-launch-links">{items}</div>\n' + context["body"]
    )


def copy_notebooks(app, exception):
    """The student notebooks, one by one and as a zip, into the site."""
    if exception or app.builder.format != "html":
        return
    source = _notebooks_dir(app)
    target = Path(app.outdir) / "notebooks"
    if not source.is_dir():
        return
    shutil.copytree(source, target, dirs_exist_ok=True)
    with zipfile.ZipFile(
        target / "nnbook-notebooks.zip", "w", zipfile.ZIP_DEFLATED
    ) as z:
        for notebook in sorted(source.glob("*.ipynb")):
            # A fixed date rather than the file's: the same notebooks give
            # the same zip in every checkout.
            entry = zipfile.ZipInfo(notebook.name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = 0o644 << 16
            z.writestr(entry, notebook.read_bytes(), zipfile.ZIP_DEFLATED)


def site_address(app, config):
    """The site's address, set once in _config.yml (repository.url, or
    html.baseurl for a custom domain; booktools.book.Book.site_url): the
    canonical links and the sitemap (html_baseurl), the Open Graph tags, and
    the 404 page's links, which start at the site's path."""
    from booktools.book import Book

    url = Book(Path(app.srcdir)).site_url
    config.html_baseurl = url
    config.ogp_site_url = url
    config.notfound_urls_prefix = urlparse(url).path
    # {{ site_url }} in a page: the printed edition says where the book lives.
    config.myst_substitutions = {**config.myst_substitutions, "site_url": url}


def introduced_in(app, what, name, obj, options, lines):
    """Append "Introduced in chapter N." to the docstring of every nnbook
    function, class or value that a page of the book teaches (d2l's
    "Defined in" idea), so the appendix leads back to the explanation."""
    if what not in ("function", "class", "data"):
        return
    # booktools is the repository's, not installed: booktools.build puts the
    # repository on the path of the Sphinx process.
    from booktools.book import Book
    from booktools.names import MACHINERY_MODULES, introduced_by

    # Kept on the application, not the environment, which Sphinx pickles.
    if not hasattr(app, "nnbook_book"):
        app.nnbook_book = Book(Path(app.srcdir))
    book = app.nnbook_book
    entry = introduced_by(name, book.introductions)
    if entry is None or not entry.startswith("nnbook"):
        return
    if name.startswith(MACHINERY_MODULES):
        return
    page = book.introductions[entry]
    lines += ["", f"Introduced in :numref:`chapter %s <{page.name}>`."]


# Punctuation that must not start a line: a browser may break between an
# inline formula (KaTeX's inline boxes) and the comma after it.
_TRAILING_PUNCTUATION = re.compile(r"^[,.;:!?)\]]+")


def math_with_its_punctuation(app, doctree, docname):
    """Wrap each inline formula and the punctuation right after it ("$z = 0$,")
    in a ``nowrap`` span (nnbook.css), so that no line starts with the comma."""
    if app.builder.format != "html":
        return
    for math in list(doctree.findall(nodes.math)):
        parent = math.parent
        at = parent.index(math)
        following = parent[at + 1] if at + 1 < len(parent) else None
        if not isinstance(following, nodes.Text):
            continue
        match = _TRAILING_PUNCTUATION.match(str(following))
        if not match:
            continue
        kept = nodes.inline("", "", classes=["nowrap"])
        parent.remove(math)
        kept += [math, nodes.Text(match.group())]
        rest = str(following)[match.end() :]
        parent.replace(following, kept)
        if rest:
            parent.insert(at + 1, nodes.Text(rest))


# A formula in a page's description (the <meta> a search engine shows) is
# read as plain text, not LaTeX: "x₁, …, x_M", not "x_1, \dots, x_M".
_PLAIN_COMMANDS = {
    "dots": "…",
    "ldots": "…",
    "cdots": "…",
    "cdot": "·",
    "times": "×",
    "partial": "∂",
    "sum": "Σ",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "ne": "≠",
    "neq": "≠",
    "approx": "≈",
    "to": "→",
    "rightarrow": "→",
    "infty": "∞",
    "in": "∈",
    "quad": " ",
    "qquad": " ",
}
_SCRIPTS = {
    "_": str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"),
    "^": str.maketrans("0123456789T", "⁰¹²³⁴⁵⁶⁷⁸⁹ᵀ"),
}


def _greek(name: str) -> str | None:
    case = "CAPITAL" if name[0].isupper() else "SMALL"
    letter = {"LAMBDA": "LAMDA"}.get(name.upper(), name.upper())  # Unicode's name
    try:
        return unicodedata.lookup(f"GREEK {case} LETTER {letter}")
    except KeyError:
        return None


def plain_math(latex: str) -> str:
    """A formula as plain text: LaTeX's commands as their symbols, fractions
    as a/b, single-digit (or T) sub- and superscripts as Unicode ones."""
    text = re.sub(r"\\mathbb\{R\}", "ℝ", latex)
    text = re.sub(r"\\hat\s*\{?(\w)\}?", "\\1\u0302", text)  # ŷ
    text = re.sub(r"\\(?:left|right|[,;:!]|\s)", " ", text)

    def command(match: re.Match) -> str:
        name, space = match.group(1), match.group(2)
        if name == "frac":
            return "\\frac"
        letter = _greek(name)
        if letter or name == "partial":  # the space only ended the name: "\partial J"
            return letter or _PLAIN_COMMANDS[name]
        return _PLAIN_COMMANDS.get(name, "") + space

    text = re.sub(r"\\([A-Za-z]+)( ?)", command, text)

    def grouped(part: str) -> str:
        return f"({part})" if re.search(r"[\s+\-×·/=]", part.strip()) else part

    def script(match: re.Match) -> str:
        mark, body = match.group(1), match.group(2)
        body = body[1:-1] if body.startswith("{") else body
        small = body.translate(_SCRIPTS[mark])
        return small if len(body) == 1 and small != body else mark + grouped(body)

    text = re.sub(r"([_^])(\{[^{}]*\}|[^{\s])", script, text)

    def fraction(match: re.Match) -> str:
        return f"{grouped(match.group(1))}/{grouped(match.group(2))}"

    while (done := re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", fraction, text)) != text:
        text = done
    text = text.replace("{", "").replace("}", "")
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text).strip())


def plain_text_for_description(app, pagename, templatename, context, doctree):
    """Before sphinxext-opengraph takes the description from the doctree
    (its text, LaTeX and all): each formula and each link becomes plain
    text, and text split around it one run again, so that the spaces around
    it stay (the extension strips each piece, and puts a space after an
    opening parenthesis: "( chapter 2)"). A list item's closing ";" or "."
    goes, as the extension ends each item with a comma and the list with a
    full stop (";," and ".." otherwise). The page's HTML is already written
    from the doctree by now."""
    if doctree is None:
        return
    for math in list(doctree.findall(nodes.math)):
        math.parent.replace(math, nodes.Text(plain_math(math.astext())))
    for span in list(doctree.findall(nodes.inline)):
        if "nowrap" in span["classes"]:
            span.parent.replace(span, span.children)
    for link in list(doctree.findall(nodes.reference)):
        link.parent.replace(link, nodes.Text(link.astext()))
    for item in doctree.findall(nodes.list_item):
        last = next(reversed(list(item.findall(nodes.Text))), None)
        if last is not None and last.rstrip().endswith((";", ".")):
            last.parent.replace(last, nodes.Text(last.rstrip()[:-1]))
    for parent in list(doctree.findall(nodes.TextElement)):
        runs: list[nodes.Node] = []
        for child in parent.children:
            if (
                runs
                and isinstance(child, nodes.Text)
                and isinstance(runs[-1], nodes.Text)
            ):
                runs[-1] = nodes.Text(str(runs[-1]) + str(child))
            else:
                runs.append(child)
        if len(runs) != len(parent.children):
            parent.children = []
            parent.extend(runs)


def setup(app):
    app.connect("doctree-resolved", math_with_its_punctuation)
    app.connect("autodoc-process-docstring", introduced_in)
    app.connect("config-inited", site_address)
    app.connect("html-page-context", launch_links)
    # before sphinxext-opengraph (500) reads the description
    app.connect("html-page-context", plain_text_for_description, priority=450)
    app.connect("build-finished", copy_notebooks)
    app.connect("doctree-resolved", solutions_to_chapter_end)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
