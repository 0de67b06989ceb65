"""Which PyTorch and nnbook names a page's code uses, and what a reader sees.

The book teaches a name (``torch.nn.Linear``, ``.backward``,
``nnbook.train.as_sequential``) on one page; a code cell the reader sees
before that page must not use it. ``book/names.yml`` says which page teaches
each name (:meth:`booktools.book.Book.introductions`); this module reads code
cells with Python's own parser (after IPython turns magics into Python) and
resolves each name through the page's imports, so ``nn.Linear`` after
``from torch import nn`` is ``torch.nn.Linear``.

A method (``loss.backward()``) cannot be resolved without running the code, so
the map lists methods and attributes by their name alone, with a leading dot.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator

from IPython.core.inputtransformer2 import TransformerManager

# Tags that keep a cell's code out of the reader's sight: removed from the
# page, or collapsed behind a toggle with a sentence in the prose saying what
# it checks (myst-nb's tags, as the theme renders them).
HIDDEN_CODE = ("remove-cell", "remove-input", "hide-input", "hide-cell")

# The modules of nnbook that are the book's machinery rather than what it
# teaches (nnbook/__init__.py): the appendix says where the book introduces
# a name only for the others.
MACHINERY_MODULES = (
    "nnbook.plots",
    "nnbook.diagrams",
    "nnbook.text",
    "nnbook.grading",
)

# The book's own machinery, never in a cell the reader sees: figures and
# numbers handed to the prose, the book's figure style, traceback settings.
MACHINERY = ("glue(", "plt.close", "%xmode", "use_book_style", "from myst_nb")


@dataclasses.dataclass(frozen=True)
class Use:
    """A name as the code uses it: ``torch.nn.Linear`` or ``.backward``."""

    name: str
    line: int  # 1-based, in the cell


def python_source(code: str) -> str:
    """A cell's code as plain Python (IPython magics become function calls)."""
    return TransformerManager().transform_cell(code)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def uses(code: str, aliases: dict[str, str]) -> list[Use]:
    """The names ``code`` uses, resolved through ``aliases`` (updated in place).

    ``aliases`` maps a local name to what it was imported as (``nn`` ->
    ``torch.nn``); pass the same dict for a page's cells in order.
    """
    tree = ast.parse(python_source(code))
    found: list[Use] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                aliases[alias.asname or alias.name] = full
                found.append(Use(full, node.lineno))
    # Only whole chains count: in ``nnbook.metrics.evaluate_r2`` the inner
    # ``nnbook.metrics`` is part of the name, not a use of its own.
    inner = {
        id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)
    }
    for node in ast.walk(tree):
        if id(node) in inner and isinstance(node, ast.Attribute | ast.Name):
            if isinstance(node, ast.Name) or _dotted(node) is not None:
                continue
        if isinstance(node, ast.Attribute | ast.Name) and not isinstance(
            getattr(node, "ctx", None), ast.Store
        ):
            dotted = _dotted(node)
            if dotted is None:
                if isinstance(node, ast.Attribute):
                    found.append(Use("." + node.attr, node.lineno))
                continue
            head, _, rest = dotted.partition(".")
            if not rest and aliases.get(head) == head:
                continue  # a module by itself (``torch`` in ``torch.tensor``)
            if head in aliases:
                found.append(
                    Use(".".join(filter(None, [aliases[head], rest])), node.lineno)
                )
            elif isinstance(node, ast.Attribute):
                # an attribute of a local object: a method or an attribute by name
                found.extend(Use("." + part, node.lineno) for part in rest.split("."))
    return found


def introduced_by(name: str, introductions: dict[str, int]) -> str | None:
    """The entry of the map that covers ``name``: itself or its longest prefix."""
    if name.startswith("."):
        return name if name in introductions else None
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in introductions:
            return prefix
    return None


def visible(cell) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return cell.cell_type == "code" and not any(t in HIDDEN_CODE for t in tags)


def ends_in_artist(code: str) -> str | None:
    """The last line, if it is a bare call that returns a figure's part.

    Jupyter prints the value of a cell's last expression: after a drawing
    call that is noise such as ``<matplotlib.legend.Legend at 0x7f...>``.
    Drawing calls are recognised by name: matplotlib's setters and
    ``legend``, and the book's ``plot_*``, ``draw_*`` and ``mark_*``.
    """
    body = ast.parse(python_source(code)).body
    if not body or not isinstance(body[-1], ast.Expr):
        return None
    call = body[-1].value
    if not isinstance(call, ast.Call):
        return None
    func = call.func
    if isinstance(func, ast.Attribute):  # a method: ax.legend(), ax.set_title()
        drawing = func.attr in ("legend", "set", "text", "annotate", "plot") or (
            func.attr.startswith(("set_", "plot_", "draw_", "mark_"))
        )
    else:  # a function: plot_model(), draw_network()
        drawing = getattr(func, "id", "").startswith(("plot_", "draw_", "mark_"))
    return ast.unparse(body[-1]) if drawing else None


def machinery(code: str) -> list[str]:
    """The pieces of the book's machinery that ``code`` shows."""
    return [m for m in MACHINERY if m in code]


# -- the checks, each a list of findings (empty: the book passes) ----------


def code_cells(page) -> Iterator[tuple[object, int, list[Use]]]:
    """(cell, the line of its fence in the page, the names it uses) for each
    code cell of ``page``, in order (imports carry over from cell to cell)."""
    aliases: dict[str, str] = {}
    nb = page.notebook(source_map=True)
    for cell, line in zip(nb.cells, nb.metadata.source_map, strict=True):
        if cell.cell_type == "code":
            yield cell, line, uses(cell.source, aliases)


def shown_machinery(page) -> list[str]:
    """Cells the reader sees that show the book's machinery."""
    return [
        f"{page}, line {line}: {', '.join(found)}"
        for cell, line, _ in code_cells(page)
        if visible(cell) and (found := machinery(cell.source))
    ]


def drawing_noise(page) -> list[str]:
    """Cells whose last line prints a drawing call's value."""
    return [
        f"{page}, line {line}: {last}"
        for cell, line, _ in code_cells(page)
        if (last := ends_in_artist(cell.source))
    ]


def early_uses(page) -> tuple[list[str], set[str]]:
    """Names that cells the reader sees use before the page that teaches
    them, and PyTorch or nnbook names that no page of the map teaches."""
    book = page.book
    order = {p.docname: i for i, p in enumerate(book.pages())}
    intro = book.introductions
    early: dict[int, set[str]] = {}
    unmapped: set[str] = set()
    for cell, line, found in code_cells(page):
        if not visible(cell):
            continue
        for use in found:
            if not use.name.startswith(("torch", "nnbook", ".")):
                continue
            entry = introduced_by(use.name, intro)
            if entry is None:
                if not use.name.startswith("."):
                    unmapped.add(use.name)
            elif order[intro[entry].docname] > order[page.docname]:
                early.setdefault(line + use.line, set()).add(
                    f"{entry} ({intro[entry].name})"
                )
    return [
        f"{page}, line {n}: {', '.join(sorted(e))}" for n, e in sorted(early.items())
    ], unmapped


def prose_code(page) -> str:
    """The inline code of a page's prose, and the names in its Python roles
    ({py:func}`name`), but not the content of other roles ({ref}`label`)."""
    text = "\n".join(
        c.source for c in page.notebook().cells if c.cell_type == "markdown"
    )
    code = re.findall(r"(?<![}\w])`([^`\n]+)`", text)
    return " ".join(code + re.findall(r"\{py:\w+\}`([^`\n]+)`", text))


def unmentioned(book) -> list[str]:
    """Entries of the map whose page never names them in inline code."""
    missing = []
    for entry, page in sorted(book.introductions.items()):
        word = entry.rsplit(".", 1)[-1]
        if not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", prose_code(page)):
            missing.append(f"{entry}: {page} never names `{word}` in its prose")
    return missing
