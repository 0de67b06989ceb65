"""The local Sphinx extensions: the Font Awesome filter, and the workarounds
failing loudly when what they rely on stops holding (_ext/upstream_fixes.py)."""

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from sphinx.errors import ExtensionError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
from upstream_fixes import (  # noqa: E402
    complete_search_index,
    drop_unused_thebe,
    exact_coalesce_streams,
    katex_server_connect_retried,
    linkable_chains_only,
    thebe_still_there,
    titled_sections_only,
    without_fontawesome_js,
)

# As pydata-sphinx-theme 0.17 writes the end of its head block.
THEME_HEAD = """<link href="../_static/styles/theme.css?digest=55c2" rel="stylesheet" />
  <!-- So that users can add custom icons -->
  <script defer src="../_static/scripts/fontawesome.js?digest=55c2"></script>
  <link rel="preload" as="script" href="../_static/scripts/bootstrap.js?d=5" />"""


def test_drops_only_the_fontawesome_script():
    head = str(without_fontawesome_js(THEME_HEAD))
    assert "fontawesome.js" not in head
    assert head == THEME_HEAD.replace(
        '\n  <script defer src="../_static/scripts/fontawesome.js?digest=55c2">'
        "</script>",
        "",
    )


def test_a_changed_theme_fails_the_build_instead_of_passing_silently():
    with pytest.raises(ValueError, match="theme changed"):
        without_fontawesome_js(THEME_HEAD.replace("fontawesome.js", "icons.js"))


def test_search_index_repair_fails_loudly_when_sphinx_changes(tmp_path):
    """The repair uses private attributes of Sphinx's IndexBuilder: without
    them the build must stop, not silently ship an incomplete index."""
    indexer = SimpleNamespace(_index_entries={}, _titles={}, _mapping={})
    app = SimpleNamespace(
        builder=SimpleNamespace(indexer=indexer), doctreedir=str(tmp_path)
    )
    with pytest.raises(ExtensionError, match="_title_mapping"):
        complete_search_index(app)
    indexer._title_mapping = {"gone": set(), "kept": {"page"}}
    indexer._mapping = {"word": {"page"}}
    assert complete_search_index(app) == []
    assert indexer._title_mapping == {"kept": {"page"}}


def test_thebe_workaround_fails_the_build_once_thebe_is_gone():
    app = SimpleNamespace(
        config=SimpleNamespace(html_theme_options={}), builder=SimpleNamespace()
    )
    thebe = SimpleNamespace(filename="_static/sphinx-thebe.js", attributes={})
    other = SimpleNamespace(filename="_static/book.js", attributes={})
    context = {"script_files": [other, thebe], "css_files": []}
    drop_unused_thebe(app, "page", "page.html", context, None)
    assert context["script_files"] == [other]
    thebe_still_there(app, None)  # thebe's assets were there: nothing to say
    app.builder = SimpleNamespace()
    drop_unused_thebe(app, "page", "page.html", {"script_files": [other]}, None)
    with pytest.raises(ExtensionError, match="remove the workaround"):
        thebe_still_there(app, None)


def test_a_line_printed_in_two_messages_renders_as_one_line():
    from nbformat import from_dict

    def stream(text, name="stdout"):
        return from_dict({"output_type": "stream", "name": name, "text": text})

    whole = exact_coalesce_streams([stream("neuron 1: [0.5 0.4]\nneuron 2: [0.1]\n")])
    split = [stream("neuron 1:"), stream(" [0.5 0.4]\nneuron 2: [0.1]\n")]
    assert exact_coalesce_streams(split) == whole
    assert split[0]["text"] == "neuron 1:", "the cached outputs must stay as they are"


def test_codeautolink_walks_a_page_with_an_exercise():
    """sphinx-exercise's untitled sections no longer empty the title stack."""
    from docutils import nodes
    from docutils.utils import new_document
    from sphinx_codeautolink.extension.block import CodeBlockAnalyser

    def page():
        document = new_document("page")
        section = nodes.section(ids=["s"])
        section += nodes.title(text="A section")
        untitled = nodes.section(ids=["exercise-content"])
        untitled += nodes.paragraph(text="Write fit_model.")
        section += untitled
        document += section
        return document

    def walk(document):
        analyser = CodeBlockAnalyser.__new__(CodeBlockAnalyser)
        analyser.document, analyser.title_stack = document, []
        analyser.concat_section, analyser.skip = False, None
        document.walkabout(analyser)
        return analyser.title_stack

    unfixed = CodeBlockAnalyser.depart_section
    if not getattr(unfixed, "nnbook_fixed", False):
        with pytest.raises(IndexError):
            walk(page())
    titled_sections_only()
    assert walk(page()) == []


# A stand-in for KaTeX's node server: binds its socket, and listens only after
# a pause (node does both in one step, so the gap is short but real) or never.
SLOW_SERVER = """
import socket, sys, time
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.bind(sys.argv[1])
if sys.argv[2] == "exit":
    sys.exit(3)
time.sleep(float(sys.argv[2]))
sock.listen()
conn, _ = sock.accept()
conn.recv(1)
"""


def _katex_stand_in(mode):
    from sphinxcontrib.katex import KaTeXServer

    class StandIn(KaTeXServer):
        @classmethod
        def build_command(cls, socket=None, port=None):
            return [sys.executable, "-c", SLOW_SERVER, str(socket), mode]

    return StandIn


@pytest.mark.parametrize("mode", ["0.3", "exit"])
def test_katex_server_start_waits_until_the_server_listens(tmp_path, mode):
    """A socket that exists but does not listen yet is retried, not fatal; a
    server that exits is reported at once, with its exit code."""
    from sphinxcontrib.katex import KaTeXError

    katex_server_connect_retried()
    server = _katex_stand_in(mode)
    if mode == "exit":
        with pytest.raises(KaTeXError, match="exited with code 3"):
            server.start_server_process(tmp_path, timeout=5.0)
        return
    process, sock = server.start_server_process(tmp_path, timeout=5.0)
    sock.sendall(b"x")
    assert process.wait(timeout=5) == 0
    sock.close()


def resolved_chains(monkeypatch, inventory_map: dict) -> tuple[list, list]:
    """The chains codeautolink resolves in a cell using torch and nnbook, with
    nnbook's inventory; and the names it keeps to link."""
    import sphinx_codeautolink.extension as autolink
    from sphinx_codeautolink.parse import Name

    linkable_chains_only()
    asked = []

    def resolve_location(name, inventory):
        asked.append(name.import_components[0])
        return ".".join(name.import_components)

    monkeypatch.setattr(autolink, "resolve_location", resolve_location)
    extension = SimpleNamespace(
        inventory={"nnbook.data.make_moons_data": "book/api.html#x"},
        inventory_map=inventory_map,
        warn_failed_resolve=True,
        warn_missing_inventory=False,
    )
    cell = SimpleNamespace(
        names=[
            Name(["torch", "nn", "Linear"], "nn.Linear", 1, 1),
            Name(["nnbook", "data", "make_moons_data"], "make_moons_data", 2, 2),
            Name(["print"], "print", 3, 3),
        ],
        doc_lineno=1,
    )
    autolink.SphinxCodeAutoLink.filter_and_resolve(extension, [cell], set(), "doc")
    return asked, [name.resolved_location for name in cell.names]


def test_codeautolink_resolves_only_chains_that_can_be_linked(monkeypatch):
    asked, linked = resolved_chains(monkeypatch, inventory_map={})
    assert asked == ["nnbook"]
    assert linked == ["nnbook.data.make_moons_data"]


def test_codeautolink_resolves_every_chain_under_an_inventory_map(monkeypatch):
    asked, linked = resolved_chains(monkeypatch, inventory_map={"a": "b"})
    assert asked == ["torch", "nnbook", "print"]
    assert linked == ["nnbook.data.make_moons_data"]  # the same links


def test_codeautolink_fix_fails_the_build_once_codeautolink_changes(monkeypatch):
    from sphinx_codeautolink.extension import SphinxCodeAutoLink

    monkeypatch.setattr(SphinxCodeAutoLink, "filter_and_resolve", lambda *a: None)
    monkeypatch.delattr(SphinxCodeAutoLink, "create_references")
    with pytest.raises(ExtensionError, match="written against 0.20.0"):
        linkable_chains_only()


def test_katex_server_fix_fails_the_build_once_katex_changes(monkeypatch):
    from sphinxcontrib.katex import KaTeXServer

    monkeypatch.setattr(KaTeXServer, "start_server_process", lambda *a: None)
    monkeypatch.delattr(KaTeXServer, "timeout_error")
    with pytest.raises(ExtensionError, match="written against 0.9.11"):
        katex_server_connect_retried()


def test_an_inline_formula_keeps_the_punctuation_after_it_on_its_line():
    from docutils import nodes
    from nnbook_features import math_with_its_punctuation

    paragraph = nodes.paragraph(
        "",
        "",
        nodes.Text("where "),
        nodes.math("", "z = 0"),
        nodes.Text(", that is"),
        nodes.math("", "w"),
        nodes.Text(" alone"),
    )
    doctree = nodes.document(None, None)
    doctree += paragraph
    app = SimpleNamespace(builder=SimpleNamespace(format="html"))
    math_with_its_punctuation(app, doctree, "page")
    kept = list(doctree.findall(nodes.inline))
    assert [k.astext() for k in kept] == ["z = 0,"]
    assert "nowrap" in kept[0]["classes"]
    assert paragraph.astext() == "where z = 0, that isw alone"  # nothing lost
    # the PDF is left alone
    app.builder.format = "latex"
    doctree = nodes.document(None, None)
    doctree += nodes.paragraph("", "", nodes.math("", "x"), nodes.Text("."))
    math_with_its_punctuation(app, doctree, "page")
    assert not list(doctree.findall(nodes.inline))


@pytest.mark.parametrize(
    "latex, plain",
    [
        (r"x_1, \dots, x_M", "x₁, …, x_M"),
        (r"\frac{\partial J}{\partial w}", "∂J/∂w"),
        (r"g(z) = \frac{1}{1 + e^{-z}}", "g(z) = 1/(1 + e^(-z))"),
        (r"J + \frac{\lambda}{2} \sum w^2", "J + λ/2 Σ w²"),
        (r"\mathbb{R}^{N \times M}", "ℝ^(N × M)"),
        (r"W^{[1]} X^T", "W^[1] Xᵀ"),
        (r"(y_i - \hat{y}_i)^2", "(y_i - ŷ_i)²"),
    ],
)
def test_a_formula_reads_as_plain_text(latex, plain):
    from nnbook_features import plain_math

    assert plain_math(latex) == plain


def test_a_description_has_formulas_as_text_and_the_spaces_around_them():
    """sphinxext-opengraph takes the page's description from the doctree as
    the build's extension leaves it."""
    from docutils import nodes
    from docutils.utils import new_document
    from nnbook_features import math_with_its_punctuation, plain_text_for_description
    from sphinxext.opengraph._description_parser import get_description

    doctree = new_document("page")
    doctree += nodes.paragraph(
        "",
        "",
        nodes.Text("It takes "),
        nodes.math("", "M"),
        nodes.Text(" numbers "),
        nodes.math("", r"x_1, \dots, x_M"),
        nodes.Text(" (the inputs), and "),
        nodes.math("", "z = 0"),
        nodes.Text(", then stops."),
    )
    app = SimpleNamespace(builder=SimpleNamespace(format="html"))
    math_with_its_punctuation(app, doctree, "page")
    plain_text_for_description(app, "page", "page.html", {}, doctree)
    assert get_description(doctree, 200, set()) == (
        "It takes M numbers x₁, …, x_M (the inputs), and z = 0, then stops."
    )


def test_a_description_reads_links_and_lists_as_prose():
    """A link in parentheses keeps no space after the parenthesis, and a
    list's items end in the extension's commas and full stop, not ";," and
    "..", as the summary's opening list had them."""
    from docutils import nodes
    from docutils.utils import new_document
    from nnbook_features import plain_text_for_description
    from sphinxext.opengraph._description_parser import get_description

    def item(text, chapter, end):
        link = nodes.reference("", "", nodes.inline("", f"chapter {chapter}"))
        return nodes.list_item(
            "", nodes.paragraph("", "", nodes.Text(f"{text} ("), link, nodes.Text(end))
        )

    doctree = new_document("page")
    doctree += nodes.paragraph("", "The book went:")
    doctree += nodes.bullet_list(
        "", item("a neuron", 2, ");"), item("a network", 5, ").")
    )
    plain_text_for_description(None, "page", "page.html", {}, doctree)
    assert get_description(doctree, 200, set()) == (
        "The book went: a neuron (chapter 2), a network (chapter 5)."
    )
