"""Workarounds for bugs of the book's pinned dependencies (constraints.txt).

Each names the version it was written against and the upstream report, and
fails the build, saying so, when what it relies on stops holding: then check
whether the upstream fix has landed and remove the workaround, or update it.
The book's own features are in nnbook_features.py.
"""

import pickle
import re
from pathlib import Path

from markupsafe import Markup
from sphinx.errors import ExtensionError

# --- sphinx-thebe 0.3.1 with Sphinx 7.4: a script declared twice -------------
# Jupyter Book always loads sphinx-thebe, which registers its inline
# configuration script after the HTML builder has copied the registry, so every
# page declares `const THEBE_JS_URL` twice and the browser reports a
# SyntaxError. (No upstream report found, executablebooks/sphinx-thebe,
# searched 2026-11.) The book runs its code in Colab and Binder, not thebe:
# with the thebe launch button off, thebe's assets are dropped from every page.

THEBE_ASSETS = ("sphinx-thebe.js", "sphinx-thebe.css")


def _is_thebe(asset) -> bool:
    filename = getattr(asset, "filename", None) or ""
    body = (getattr(asset, "attributes", None) or {}).get("body", "")
    return filename.endswith(THEBE_ASSETS) or "THEBE_JS_URL" in body


def drop_unused_thebe(app, pagename, templatename, context, doctree):
    if app.config.html_theme_options.get("launch_buttons", {}).get("thebe"):
        return
    counts = app.builder.__dict__.setdefault("nnbook_thebe", {"pages": 0, "assets": 0})
    counts["pages"] += 1
    for key in ("script_files", "css_files"):
        if key in context:
            kept = [a for a in context[key] if not _is_thebe(a)]
            counts["assets"] += len(context[key]) - len(kept)
            context[key] = kept


def thebe_still_there(app, exception):
    """The guard: pages were written, and none had thebe's assets to drop."""
    counts = getattr(app.builder, "nnbook_thebe", {"pages": 0, "assets": 0})
    if not exception and counts["pages"] and not counts["assets"]:
        raise ExtensionError(
            "upstream_fixes.drop_unused_thebe: no page had sphinx-thebe's assets "
            "any more; Jupyter Book or sphinx-thebe changed: remove the workaround"
        )


# --- myst-nb 1.4.0 and sphinx-exercise 1.2.1: stylesheets linked two ways ----
# Both copy their stylesheet into _static when the build finishes, after the
# pages are written (myst-nb since executablebooks/MyST-NB#447); Sphinx 7.4
# adds `?v=checksum` to a stylesheet's link only when it finds the file there.
# So a clean build linked the two without the checksum and any later build
# with it: one page, two versions, depending on what the output folder held.
# Here they are put in _static before any page is written.


def early_extension_css(app):
    if app.builder.format != "html":
        return
    from myst_nb.sphinx_ext import add_global_html_resources
    from sphinx_exercise import copy_asset_files

    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    add_global_html_resources(app, None)
    copy_asset_files(app, None)
    for pattern in ("mystnb.*.css", "exercise.css"):
        if not list(static.glob(pattern)):
            raise ExtensionError(
                f"upstream_fixes.early_extension_css: no {pattern} in _static after "
                "copying: myst-nb or sphinx-exercise changed how they add their "
                "stylesheets; check whether the workaround is still needed"
            )


# --- pydata-sphinx-theme 0.17.1: a 1.5 MB script for custom icons ------------
# The theme loads fontawesome.js on every page, two fifths of what a reader
# downloads, only so that custom SVG icons can be added
# (pydata/pydata-sphinx-theme#2379); its stylesheet already draws every icon
# the site uses from a 150 kB web font. A template filter
# (book/_templates/layout.html) drops the script's tag.

FONTAWESOME_JS = re.compile(
    r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>'
)


def without_fontawesome_js(html_head: str) -> Markup:
    """The theme's head without its Font Awesome script (a template filter)."""
    cleaned, found = FONTAWESOME_JS.subn("", str(html_head))
    if found != 1:
        raise ValueError(
            "the theme's fontawesome.js script tag was not found: the theme "
            "changed; update FONTAWESOME_JS in _ext/upstream_fixes.py"
        )
    return Markup(cleaned)


def add_template_filters(app):
    if app.builder.format == "html":
        app.builder.templates.environment.filters["without_fontawesome_js"] = (
            without_fontawesome_js
        )


# --- Sphinx 7.4.7: an incremental build's search index is incomplete ---------
# Sphinx keeps the index entries of the search index (those of the API
# reference) only for the pages written in the current build, so after an
# incremental build they were missing for every other page
# (sphinx-doc/sphinx#12599); and it keeps words whose every page was rewritten
# without them. Here the entries are saved with the doctrees and put back for
# the pages not written again (on html-collect-pages, just before the index is
# written), and the empty words are dropped. It uses the indexer's private
# attributes, so it checks first that they are still there.

SEARCH_INDEX_ENTRIES = "nnbook-search-index-entries.pickle"
INDEXER_ATTRIBUTES = ("_index_entries", "_titles", "_mapping", "_title_mapping")


def complete_search_index(app):
    indexer = getattr(app.builder, "indexer", None)
    if indexer is None:
        return []
    missing = [a for a in INDEXER_ATTRIBUTES if not hasattr(indexer, a)]
    if missing:
        raise ExtensionError(
            "upstream_fixes.complete_search_index: Sphinx's IndexBuilder has no "
            f"{', '.join(missing)} any more: Sphinx changed; check whether "
            "sphinx-doc/sphinx#12599 is fixed and remove or update the workaround"
        )
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


# --- myst-nb 1.4.0: a printed line split across stream messages -------------
# A kernel sends what a cell prints in as many stream messages as its output
# thread happened to flush (ipykernel flushes on a timer), so one print can
# arrive whole or split mid-line, from one run to the next. With
# nb_merge_streams (_config.yml) myst-nb joins a cell's messages, but strips
# the end of each and adds a newline (coalesce_streams; the strip was made an
# rstrip in executablebooks/MyST-NB#637), so a line split mid-way prints as
# two lines and two builds of one page differ. Here the messages of each
# stream are first joined exactly as printed, then handed to myst-nb's own
# function for the rest (carriage returns, stdout before stderr).


def exact_coalesce_streams(outputs):
    from myst_nb.core.utils import coalesce_streams

    joined, streams = [], {}
    for output in outputs:
        if output["output_type"] == "stream":
            if output["name"] in streams:
                streams[output["name"]]["text"] += output["text"]
                continue
            output = type(output)(output)  # the cached notebook stays as it is
            streams[output["name"]] = output
        joined.append(output)
    return coalesce_streams(joined)


def join_split_stream_messages():
    from myst_nb.core import render, utils

    if render.coalesce_streams not in (utils.coalesce_streams, exact_coalesce_streams):
        raise ExtensionError(
            "upstream_fixes.join_split_stream_messages: myst_nb.core.render no "
            "longer calls myst_nb.core.utils.coalesce_streams: myst-nb changed; "
            "check whether split stream messages still print as two lines"
        )
    render.coalesce_streams = exact_coalesce_streams


# --- sphinx-sitemap 2.9.0: an incremental build lists only rewritten pages ---
# The sitemap is made from the pages written in this build, so after editing
# one page `make book` wrote a sitemap of that page alone (upstream: open since
# 2018, jdillard/sphinx-sitemap#13). Before the sitemap is written, every
# document not rewritten this time goes through the extension's own
# `add_html_link`, as if it had been: one sitemap for a full or a partial
# build, its pages sorted.


def record_written_page(app, pagename, templatename, context, doctree):
    app.builder.__dict__.setdefault("nnbook_written", set()).add(pagename)


def complete_sitemap(app, exception):
    if (
        exception
        or app.builder.format != "html"
        or "sphinx_sitemap" not in app.extensions
    ):
        return
    import sphinx_sitemap

    if not hasattr(app.env.app, "sitemap_links"):
        raise ExtensionError(
            "upstream_fixes: sphinx-sitemap no longer keeps env.app.sitemap_links "
            "(written against 2.9.0); check jdillard/sphinx-sitemap#13 and update "
            "or remove complete_sitemap"
        )
    written = app.builder.__dict__.get("nnbook_written", set())
    for docname in sorted(app.env.all_docs.keys() - written):
        sphinx_sitemap.add_html_link(app, docname, None, None, None)
    # In one order, sorted: the queue holds the pages in the order they were
    # written, which differs between a full and a partial build, so the two
    # sitemaps listed the same pages but were different files.
    links, queue = [], app.env.app.sitemap_links
    while not queue.empty():
        links.append(queue.get_nowait())
    for link in sorted(links):
        queue.put(link)


# --- sphinx-codeautolink 0.19.0 and sphinx-exercise 1.2.1: untitled sections -
# codeautolink keeps a stack of section titles, pushing at each title and
# popping at the end of each section. sphinx-exercise wraps an exercise's and
# a solution's body in sections without a title, so a page with an exercise
# pops more than it pushed and the build stops with "pop from empty list"
# (no upstream report found, felix-hilden/sphinx-codeautolink, searched
# 2026-11). Here a section pops only the title it pushed.


def titled_sections_only():
    from docutils import nodes
    from sphinx_codeautolink.extension.block import CodeBlockAnalyser

    depart = CodeBlockAnalyser.depart_section
    if getattr(depart, "nnbook_fixed", False):
        return
    if not callable(getattr(CodeBlockAnalyser, "visit_title", None)):
        raise ExtensionError(
            "upstream_fixes.titled_sections_only: sphinx-codeautolink's "
            "CodeBlockAnalyser no longer tracks titles (written against 0.19.0): "
            "check whether pages with exercises still build, and remove the fix"
        )

    def depart_titled_section(self, node):
        if node.children and isinstance(node.children[0], nodes.title):
            depart(self, node)

    depart_titled_section.nnbook_fixed = True
    CodeBlockAnalyser.depart_section = depart_titled_section


# --- sphinx-codeautolink 0.20.0: resolving names that nothing can link -------
# Before the pages are written, codeautolink resolves every name chain of every
# code cell (torch.nn.Linear, np.mean, plt.subplots, ...) by importing its
# modules, running their TYPE_CHECKING blocks and following annotations, and
# only then drops the chains whose object has no entry in the inventory. This
# book's inventory holds nnbook alone (no intersphinx), and a chain that
# starts in torch, NumPy or matplotlib can only end in their objects: resolving
# them was 4-5 s of every Sphinx build, for no link (running TYPE_CHECKING
# blocks came with felix-hilden/sphinx-codeautolink#197; no report of the
# cost found there, searched 2026-11). Here a chain is
# resolved only when its first module has something in the inventory; what
# gets linked is unchanged (the site is the same, file for file).


def linkable_chains_only():
    from sphinx_codeautolink.extension import SphinxCodeAutoLink
    from sphinx_codeautolink.parse import Name

    resolve = SphinxCodeAutoLink.filter_and_resolve
    if getattr(resolve, "nnbook_fixed", False):
        return
    fields = getattr(Name, "__dataclass_fields__", {})
    if "import_components" not in fields or not callable(
        getattr(SphinxCodeAutoLink, "create_references", None)
    ):
        raise ExtensionError(
            "upstream_fixes.linkable_chains_only: sphinx-codeautolink's names or "
            "resolution changed (written against 0.20.0): check the build time "
            "of codeautolink's create_references, and update or remove the fix"
        )

    def filter_and_resolve_linkable(self, transforms, skipped, doc):
        # An inventory map can send a name anywhere: resolve everything then.
        if not getattr(self, "inventory_map", None):
            tops = {key.split(".")[0] for key in self.inventory}
            for transform in transforms:
                transform.names = [
                    name
                    for name in transform.names
                    if name.import_components and name.import_components[0] in tops
                ]
        return resolve(self, transforms, skipped, doc)

    filter_and_resolve_linkable.nnbook_fixed = True
    SphinxCodeAutoLink.filter_and_resolve = filter_and_resolve_linkable


# --- sphinxcontrib-katex 0.9.11: connecting before KaTeX's server listens ----
# The extension starts node, waits for the socket file to appear and connects
# once. Node creates the file when it binds the socket and only then listens;
# a connection between the two is refused, and the build stops with
# ConnectionRefusedError (it did once in CI, on a loaded machine, while the
# pages were being written). (No upstream report found,
# hagenw/sphinxcontrib-katex, searched 2026-11.) Here a refused connection is
# retried until the extension's own start-up timeout, and a server that exits
# is reported with its exit code instead of waiting for the timeout.

KATEX_RETRY_SECONDS = 0.005


def katex_server_connect_retried():
    import socket
    import time
    from subprocess import PIPE, Popen

    from sphinxcontrib import katex

    server = katex.KaTeXServer
    if getattr(server.start_server_process, "nnbook_fixed", False):
        return
    if not all(
        callable(getattr(server, name, None))
        for name in ("start_server_process", "build_command", "timeout_error")
    ):
        raise ExtensionError(
            "upstream_fixes.katex_server_connect_retried: sphinxcontrib-katex's "
            "KaTeXServer changed (written against 0.9.11): check whether it now "
            "waits for its server to listen, and remove the fix"
        )

    def start_server_process(cls, rundir, timeout):
        socket_path = rundir / "katex.sock"
        cmd = cls.build_command(socket=socket_path)
        process = Popen(cmd, stdin=PIPE, stdout=PIPE, cwd=rundir)
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise katex.KaTeXError(
                    f"the KaTeX server ({' '.join(map(str, cmd))}) exited with "
                    f"code {process.returncode} before it accepted a connection"
                )
            if socket_path.is_socket():
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    sock.connect(str(socket_path))
                    return process, sock
                except ConnectionRefusedError:  # bound, not yet listening
                    sock.close()
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise cls.timeout_error(timeout)
            time.sleep(KATEX_RETRY_SECONDS)

    start_server_process.nnbook_fixed = True
    server.start_server_process = classmethod(start_server_process)


# --- Accessibility (WCAG 2.1 AA, axe-core in the browser check) ------------
# Three things in the HTML of the pinned versions that axe-core reports on
# every page; each is rewritten in the page body as it is written. The guard
# is the browser check itself: it runs axe-core on every page and fails on any
# violation, so a rewrite that stops matching shows up there.
# - Sphinx 7.4.7, signatures on several lines
#   (python_maximum_signature_line_length): the parameters are a <dl> of <dd>
#   without <dt> (axe: definition-list); here a <div> of <div>s, indented as
#   before by nnbook.css.
# - myst-nb 1.4.0, collapsed cells: <summary aria-label="Toggle hidden
#   content"> names the control other than its visible "Show code cell
#   source" (axe: label-content-name-mismatch); the visible text is the name.
# - pydata-sphinx-theme 0.17.1: code blocks that scroll sideways (on a phone,
#   most do) are not reachable by keyboard (axe: scrollable-region-focusable);
#   the theme's script meant to add tab stops does not run on load. Every
#   <pre> of the body gets tabindex="0".

SIGNATURE_PARAMS = re.compile(r"<dl>\n((?:<dd>.*?</dd>\n)+)</dl>", re.S)
SIGNATURE_PARAM = re.compile(r"<dd>(.*?)</dd>", re.S)


def _signature_params(match: re.Match) -> str:
    lines = SIGNATURE_PARAM.sub(r'<div class="sig-param-line">\1</div>', match[1])
    return f'<div class="sig-param-lines">\n{lines}</div>'


def accessible_body(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body:
        return
    body = SIGNATURE_PARAMS.sub(_signature_params, body)
    body = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    body = body.replace("<pre>", '<pre tabindex="0">')
    context["body"] = body


def setup(app):
    join_split_stream_messages()
    if "sphinx_codeautolink" in app.config.extensions:
        titled_sections_only()
        linkable_chains_only()
    if "sphinxcontrib.katex" in app.config.extensions:
        katex_server_connect_retried()
    app.connect("builder-inited", early_extension_css)
    app.connect("builder-inited", add_template_filters)
    app.connect("html-page-context", drop_unused_thebe)
    app.connect("html-page-context", accessible_body)
    app.connect("build-finished", thebe_still_there)
    app.connect("html-collect-pages", complete_search_index)
    app.connect("html-page-context", record_written_page)
    # before sphinx-sitemap writes the file (its handler has the default 500)
    app.connect("build-finished", complete_sitemap, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
