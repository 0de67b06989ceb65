"""The PDF edition's structure, which Sphinx's LaTeX builder does not take
from the book's table of contents.

- Parts: each captioned part of _toc.yml ("Foundations", ...) opens with a
  part page (``\\part``). The last part, if _toc.yml does not number it, is
  the appendix: its chapters print as "Appendix A", not as chapter 17.
- The table of contents keeps the language's own title ("Contents",
  "Содержание"); Sphinx would title it with the first part's caption.
- The index prints the book's terms (the pages' {index} roles) in the text's
  type and the appendix's API names in code type; Sphinx sets all in code.
- The title page gives the edition (the package's version) and the book's
  web address; the opening page after the contents has a heading of its own.

Jupyter Book's own LaTeX extension (sphinx-jupyterbook-latex) turns captions
into parts too, but only with its LaTeX class, which needs bbm.sty from the
1.7 GB texlive-fonts-extra (see _config.yml); these few lines need nothing.
"""

from docutils import nodes
from sphinx import addnodes
from sphinx.locale import _ as sphinx_
from sphinx.locale import get_translation
from sphinx.writers.latex import LaTeXTranslator

_ = get_translation("nnbook")


class part_opening(nodes.General, nodes.Element):
    """Where a part of the book begins: ``caption`` is its title; an
    ``appendix`` part has none and starts the appendices."""


def _visit_part_latex(self, node: part_opening) -> None:
    if node["appendix"]:
        self.in_appendix = True
        self.body.append("\n\\appendix\n")
    else:
        self.body.append(f"\n\\part{{{self.encode(node['caption'])}}}\n")
    raise nodes.SkipNode


def _skip(self, node) -> None:
    raise nodes.SkipNode


def _in_chapter(node) -> bool:
    while node.parent is not None:
        node = node.parent
        if isinstance(node, addnodes.start_of_file):
            return True
    return False


def parts(app, doctree, docname):
    """In the LaTeX build's assembled book, a part_opening before each of the
    root page's captioned tables of contents (their captions are lost when
    Sphinx inlines the chapters, so they are read from the root page)."""
    if app.builder.format != "latex" or docname != app.config.root_doc:
        return
    tocs = list(app.env.get_doctree(docname).findall(addnodes.toctree))
    # The root page's own (a chapter's sub-pages' tables sit inside it).
    wrappers = [
        node
        for node in doctree.findall(nodes.compound)
        if "toctree-wrapper" in node["classes"] and not _in_chapter(node)
    ]
    if len(tocs) != len(wrappers):
        raise RuntimeError(
            f"print_edition: {len(tocs)} tables of contents in {docname} but "
            f"{len(wrappers)} in the assembled book"
        )
    parts = [
        (toc, w) for toc, w in zip(tocs, wrappers, strict=True) if toc.get("caption")
    ]
    for n, (toc, wrapper) in enumerate(parts):
        appendix = n == len(parts) - 1 and not toc.get("numbered")
        opening = part_opening(caption=toc["caption"], appendix=appendix)
        wrapper.parent.insert(wrapper.parent.index(wrapper), opening)


class BookLaTeXTranslator(LaTeXTranslator):
    """Sphinx's LaTeX translator, leaving the table of contents its
    language's title, index entries before the appendix (the terms the
    chapters define) in the text's type (\\spxterm, defined in _config.yml's
    latex_elements), and a reference to another chapter's equation with its
    page."""

    in_appendix = False

    def __init__(self, document, builder, theme) -> None:
        document["contentsname"] = ""
        super().__init__(document, builder, theme)

    def visit_index(self, node) -> None:
        start = len(self.body)
        try:
            super().visit_index(node)
        finally:
            if not self.in_appendix:
                self.body[start:] = [
                    part.replace("\\spxentry{", "\\spxterm{")
                    for part in self.body[start:]
                ]

    def depart_math_reference(self, node) -> None:
        # An equation of another chapter: its page too ("Eq. 3.4, page 19"),
        # in Sphinx's own word for it, which its catalogs translate.
        if self.curfilestack and node["docname"] != self.curfilestack[-1]:
            label = f"equation:{node['docname']}:{node['target']}"
            self.body.append(f", {sphinx_('page')} \\pageref{{{label}}}")


# Under the title on the title page (the book's own message catalog
# translates it, as it does the "Solutions" heading).
SUBTITLE = "From a single neuron to trained networks"
# The heading of the book's opening page (the root page's text), which the
# web shows under the book's title; in print it follows the contents and
# would otherwise have no heading, and "Contents" in its running foot.
OPENING = "About this book"


def edition(app, config):
    """The title page: the package's version as the book's release, and
    under it the address where the book lives (Book.site_url, set once in
    _config.yml)."""
    import tomllib
    from pathlib import Path

    from booktools.book import Book

    root = Path(app.confdir)
    pyproject = root / "pyproject.toml"
    if not config.release and pyproject.is_file():
        config.release = tomllib.loads(pyproject.read_text())["project"]["version"]
    site = Book(root).site_url
    config.latex_elements = {
        **config.latex_elements,
        "preamble": config.latex_elements.get("preamble", "")
        + f"\\setreleaseinfo{{\\par\\normalsize\\upshape\\url{{{site}}}}}\n",
    }


def _latex_build(app) -> None:
    if app.builder.format != "latex":
        return
    # Only in a LaTeX build: pydata-sphinx-theme adds its HTML translator
    # (aria-level on the sidebar's headings) only when no other builder's
    # translator is registered; registering this one always lost it.
    app.set_translator(app.builder.name, BookLaTeXTranslator, override=True)
    # The subtitle joins the title on the title page only (the running heads
    # print the title too), and not the PDF's title (\texorpdfstring; \endgraf,
    # as \par cannot stand in a PDF string); here, not at config-inited, so
    # that it is translated.
    subtitle = f"\\vspace{{1ex}}{{\\LARGE\\mdseries {_(SUBTITLE)}\\endgraf}}"
    opening = _(OPENING)
    app.builder.context["tableofcontents"] += (
        f"\\chapter*{{{opening}}}\\markboth{{{opening}}}{{{opening}}}"
    )
    app.builder.context["maketitle"] = (
        "\\makeatletter{\\let\\nnbooktitle\\@title\\def\\@title{\\texorpdfstring"
        f"{{\\nnbooktitle\\endgraf{subtitle}}}{{\\nnbooktitle}}}}"
        "\\sphinxmaketitle}\\makeatother"
    )


def setup(app):
    app.add_node(
        part_opening,
        latex=(_visit_part_latex, None),
        html=(_skip, None),
        text=(_skip, None),
    )
    app.connect("builder-inited", _latex_build)
    app.connect("doctree-resolved", parts)
    app.connect("config-inited", edition)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
