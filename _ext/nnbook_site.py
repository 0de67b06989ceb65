"""Tweaks for the book's HTML and PDF that _config.yml cannot express.

HTML: drop sphinx-thebe's unused assets (below). PDF: move each chapter's
exercise solutions to the end of the chapter, since a printed page has no
dropdown to hide them in.

Jupyter Book always loads sphinx-thebe, and sphinx-thebe 0.3.1 registers its
inline configuration script after the HTML builder has copied the registry,
so with Sphinx 7 every page declares ``const THEBE_JS_URL`` twice and the
browser reports a SyntaxError. The book runs its code through Colab and
Binder, not thebe, so when the thebe launch button is off we drop thebe's
scripts and stylesheet from every page: no error, two requests fewer.
"""

from docutils import nodes
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


def setup(app):
    app.connect("html-page-context", drop_unused_thebe)
    app.connect("doctree-resolved", solutions_to_chapter_end)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
