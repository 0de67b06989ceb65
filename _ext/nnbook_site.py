"""Tweaks for the book's HTML and PDF that _config.yml cannot express.

HTML: drop sphinx-thebe's unused assets (below); put launch links on every
page that has a student notebook (Colab, Binder, download, all as a zip),
built from the repository URL in _config.yml; copy the notebooks into the
site; link every stylesheet the same way in a clean and an incremental
build (see early_extension_css); leave out the theme's Font Awesome script
(see without_fontawesome_js); keep the search index whole in incremental
builds (see complete_search_index). PDF: move each chapter's exercise
solutions to the end of the chapter, since a printed page has no dropdown to
hide them in.

Jupyter Book always loads sphinx-thebe, and sphinx-thebe 0.3.1 registers its
inline configuration script after the HTML builder has copied the registry,
so with Sphinx 7 every page declares ``const THEBE_JS_URL`` twice and the
browser reports a SyntaxError. The book runs its code through Colab and
Binder, not thebe, so when the thebe launch button is off we drop thebe's
scripts and stylesheet from every page: no error, two requests fewer.
"""

import html
import pickle
import re
import shutil
import zipfile
from pathlib import Path

from docutils import nodes
from markupsafe import Markup
from sphinx import addnodes
from sphinx.locale import get_translation

_ = get_translation("nnbook")

THEBE_ASSETS = ("sphinx-thebe.js", "sphinx-thebe.css")


def _is_thebe(asset) -> bool:
    filename = getattr(asset, "filename", None) or ""
    body = (getattr(asset, "attributes", None) or {}).get("body", "")
    return filename.endswith(THEBE_ASSETS) or "THEBE_JS_URL" in body


def drop_unused_thebe(app, pagename, templatename, context, doctree):
    launch = app.config.html_theme_options.get("launch_buttons", {})
    if launch.get("thebe"):
        return
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_thebe(a)]


def solutions_to_chapter_end(app, doctree, docname):
    """In the LaTeX build, gather each chapter's solutions under a heading at
    its end, in the order of the exercises, each keeping its title
    ("Solution to Exercise 8.1")."""
    if app.builder.format != "latex":
        return
    from sphinx_exercise.nodes import solution_node

    for chapter in doctree.findall(addnodes.start_of_file):
        solutions = [
            node for node in chapter.findall(solution_node) if node.parent is not None
        ]
        if not solutions:
            continue
        for node in solutions:
            node.parent.remove(node)
        chapter += nodes.rubric("", _("Solutions"))
        chapter.extend(solutions)


def _repository(app) -> tuple[str, str]:
    """(owner/name, branch) of the repository set in _config.yml."""
    import yaml

    config = yaml.safe_load((Path(app.confdir) / "_config.yml").read_text())
    url = config.get("repository", {}).get("url", "").rstrip("/")
    if "github.com/" not in url:
        raise ValueError(
            f"_config.yml: repository.url must be a GitHub URL, got {url!r}"
        )
    return url.split("github.com/", 1)[1], config["repository"].get("branch", "main")


def _notebooks_dir(app) -> Path:
    return Path(app.confdir) / "notebooks"


def launch_links(app, pagename, templatename, context, doctree):
    """Links to open this page's student notebook, above the page's content."""
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


def early_extension_css(app):
    """Put myst-nb's and sphinx-exercise's stylesheets in the site before any
    page is written.

    Both extensions copy their stylesheet into ``_static`` when the build
    finishes, after the pages are written; Sphinx links a stylesheet with a
    ``?v=checksum`` only when it finds the file there. So a clean build linked
    the two without the checksum and any later build with it: one page, two
    versions, depending on what the output folder held before.
    """
    if app.builder.format != "html":
        return
    from myst_nb.sphinx_ext import add_global_html_resources
    from sphinx_exercise import copy_asset_files

    (Path(app.outdir) / "_static").mkdir(parents=True, exist_ok=True)
    add_global_html_resources(app, None)
    copy_asset_files(app, None)


FONTAWESOME_JS = re.compile(
    r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>'
)


def without_fontawesome_js(html_head: str) -> Markup:
    """The theme's head without its Font Awesome script (a template filter).

    pydata-sphinx-theme loads a 1.5 MB script on every page, two fifths of what
    a reader downloads, only so that custom SVG icons can be added. Its own
    stylesheet already draws every icon the site uses from a 150 kB web font.
    """
    cleaned, found = FONTAWESOME_JS.subn("", str(html_head))
    if found != 1:
        raise ValueError(
            "the theme's fontawesome.js script tag was not found: the theme "
            "changed; update FONTAWESOME_JS in _ext/nnbook_site.py"
        )
    return Markup(cleaned)


def add_template_filters(app):
    if app.builder.format == "html":
        app.builder.templates.environment.filters["without_fontawesome_js"] = (
            without_fontawesome_js
        )


SEARCH_INDEX_ENTRIES = "nnbook-search-index-entries.pickle"


def complete_search_index(app):
    """Make an incremental build's search index equal a clean build's (run on
    html-collect-pages, which comes just before the index is written).

    Sphinx 7.4 keeps the index entries of the search index (those of the API
    reference) only for the pages written in the current build, so after an
    incremental build they were missing for every other page
    (sphinx-doc/sphinx#12599). Here they are saved with the doctrees and put
    back for the pages not written again. Also dropped: words whose every page
    was rewritten without them, which the index would keep with no page.
    """
    indexer = getattr(app.builder, "indexer", None)
    if indexer is None:
        return []
    saved = Path(app.doctreedir) / SEARCH_INDEX_ENTRIES
    entries = indexer._index_entries
    merged = dict(entries)
    if saved.is_file():
        for docname, doc_entries in pickle.loads(saved.read_bytes()).items():
            if docname in indexer._titles and docname not in merged:
                merged[docname] = doc_entries
    # In page order, as a clean build (which writes the pages sorted) has them.
    entries.clear()
    entries.update(sorted(merged.items()))
    saved.write_bytes(pickle.dumps(entries))
    for words in (indexer._mapping, indexer._title_mapping):
        for word in [word for word, docnames in words.items() if not docnames]:
            del words[word]
    return []


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


def setup(app):
    app.connect("builder-inited", early_extension_css)
    app.connect("builder-inited", add_template_filters)
    app.connect("html-page-context", launch_links)
    app.connect("html-collect-pages", complete_search_index)
    app.connect("build-finished", copy_notebooks)
    app.connect("html-page-context", drop_unused_thebe)
    app.connect("doctree-resolved", solutions_to_chapter_end)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
