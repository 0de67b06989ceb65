"""Student notebooks from the book's pages: ``python -m booktools.notebooks``
writes them to notebooks/; ``--check`` fails when any is out of date.

A student notebook keeps a page's prose, its code, its exercise skeletons
and their graders; it drops the solutions and all outputs; and it starts with
a cell that installs the `nnbook` package when the notebook runs outside the
book's environment.

The prose is MyST, which Jupyter does not render. Each Markdown cell is parsed
by MyST's own parser (the one the build uses), and every directive and role
it finds is written as plain Markdown; all other text is kept as written.
Cross-references come out as the book prints them ("Figure 6.1", "Eq. 6.1",
a section's title), read from the build's Sphinx environment, and glued
numbers from the build's execution cache: `make book` comes first.

Why not sphinx-tojupyter (QuantEcon's Sphinx builder for notebooks)? See
the README, "Student notebooks".
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import pickle
import re
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import nbformat

from booktools.book import ROOT, Book, BookError, Page, Parsed, directive, tags

OUT = ROOT / "notebooks"


# Where PyTorch's CPU-only builds are: the default torch for Linux on PyPI
# brings gigabytes of CUDA libraries that a notebook without a GPU never uses.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def wheel_source(book: Book) -> str:
    """The pip requirement the notebooks install: the wheel published with the
    site, pinned by its sha256, so that pip refuses any other file."""
    wheel = book.wheel_path
    if not wheel.is_file():
        raise BookError(f"no {wheel.name} in {wheel.parent}: run `make book` first")
    sha256 = hashlib.sha256(wheel.read_bytes()).hexdigest()
    return f"nnbook @ {book.site_url}wheels/{wheel.name}#sha256={sha256}"


def install_cell(book: Book) -> nbformat.NotebookNode:
    wanted = book.wheel_path.name.split("-")[1]
    return nbformat.v4.new_code_cell(
        "# Run this cell first. Outside the book's own environment (Colab,\n"
        "# Binder, your own Jupyter) it installs the nnbook package, the\n"
        "# version this notebook was made for. It keeps a PyTorch you have.\n"
        "import importlib.metadata\n"
        "import importlib.util\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        f'NNBOOK = "{wanted}"\n'
        f'SOURCE = "{wheel_source(book)}"\n'
        'if importlib.util.find_spec("nnbook") is None:\n'
        '    pip = [sys.executable, "-m", "pip", "install", "-q", SOURCE]\n'
        '    if importlib.util.find_spec("torch") is None:  # the CPU build\n'
        f'        pip += ["--extra-index-url", "{TORCH_CPU_INDEX}"]\n'
        "    if subprocess.run(pip).returncode != 0:\n"
        '        raise SystemExit("Could not install nnbook: pip says why above.")\n'
        'installed = importlib.metadata.version("nnbook")\n'
        "if installed != NNBOOK:\n"
        "    raise SystemExit(\n"
        '        f"This notebook needs nnbook {NNBOOK}, but {installed} is "\n'
        "        f\"installed. Run: pip install '{SOURCE}', then restart.\"\n"
        "    )",
        metadata={"tags": ["install-nnbook"]},
    )


def included_source(page: Page, path: str, name: str) -> str:
    """The source of function or class ``name`` in ``path`` (relative to the
    page), as ``{literalinclude}`` with ``:pyobject:`` shows it."""
    source = (page.path.parent / path).read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name:
            return ast.get_source_segment(source, node)
    raise BookError(f"{page}: {path} has no function or class {name}")


class References:
    """Labels as the built book prints them, from the build's Sphinx
    environment: sections by title, figures and equations by number."""

    def __init__(self, book: Book):
        saved = book.doctrees_dir / "environment.pickle"
        if not saved.is_file():
            raise BookError(f"no build in {book.build_dir}: run `make book` first")
        env = pickle.loads(saved.read_bytes())  # noqa: S301 -- our own build
        self.labels = env.domaindata["std"]["labels"]
        self.equations = env.domaindata["math"]["objects"]
        self.titles = {doc: title.astext() for doc, title in env.titles.items()}
        self.numbers = env.toc_fignumbers
        self.secnumbers = env.toc_secnumbers
        self.figure_format = env.config.numfig_format["figure"]
        self.eq_format = env.config.math_eqref_format or "({number})"

    def section(self, label: str) -> str:
        return self.labels[label][2]

    def figure_number(self, label: str) -> str:
        """The number of a figure, or of a section such as a chapter (as
        Sphinx's numref finds it: the section's anchor, else the page's)."""
        docname, node_id, _ = self.labels[label]
        figures = self.numbers.get(docname, {}).get("figure", {})
        if node_id in figures:
            return ".".join(map(str, figures[node_id]))
        sections = self.secnumbers.get(docname, {})
        number = sections.get(f"#{node_id}", sections.get(""))
        if not number:
            raise BookError(f"{label} is neither a figure nor a numbered section")
        return ".".join(map(str, number))

    def figure(self, label: str) -> str:
        return self.figure_format % self.figure_number(label)

    def equation_number(self, label: str) -> str:
        docname, _ = self.equations[label]
        number = self.numbers[docname]["displaymath"][f"equation-{label}"]
        return ".".join(map(str, number))

    def equation(self, label: str) -> str:
        return self.eq_format.format(number=self.equation_number(label))


def titled(content: str) -> tuple[str | None, str]:
    """A role's ``title <target>`` split in two; (None, target) without title."""
    if content.endswith(">") and " <" in content:
        title, target = content[:-1].rsplit(" <", 1)
        return title.strip(), target.strip()
    return None, content.strip()


class Converter:
    """MyST Markdown of one page to Markdown that Jupyter renders."""

    def __init__(self, page: Page, refs: References, glued: dict[str, str]):
        self.page, self.refs, self.glued = page, refs, glued

    @property
    def page_url(self) -> str:
        """Where the page is published."""
        return f"{self.page.book.site_url}{self.page.docname}.html"

    # -- roles: {name}`content` -> text ------------------------------------

    def role_ref(self, content: str) -> str:
        title, target = titled(content)
        return f"*{title or self.refs.section(target)}*"

    def role_doc(self, content: str) -> str:
        title, target = titled(content)
        if title is None:
            docname = str(Path(self.page.docname).parent / target)
            title = self.refs.titles[docname]
        return f"*{title}*"

    def role_numref(self, content: str) -> str:
        title, target = titled(content)
        if title is None:
            figure = self.refs.figure(target)
            return self.elsewhere(figure, self.refs.labels[target][0])
        # An explicit title: "{number}" or "%s" stand for the number.
        number = self.refs.figure_number(target)
        return title.replace("{number}", number).replace("%s", number)

    def role_eq(self, content: str) -> str:
        label = content.strip()
        return self.elsewhere(self.refs.equation(label), self.refs.equations[label][0])

    def elsewhere(self, text: str, docname: str) -> str:
        """``text``, naming the page it is on when that is another page: a
        notebook has no link to follow."""
        if docname == self.page.docname:
            return text
        return f"{text} of *{self.refs.titles[docname]}*"

    def role_glue_text(self, content: str) -> str:
        name, _, spec = content.partition(":")
        if name not in self.glued:
            raise BookError(f"{self.page}: no glued value {name!r} in the build")
        value = self.glued[name]
        if spec:
            value = format(float(value), spec)
        return f"**{value}**"

    def role_code(self, content: str) -> str:
        return f"`{titled(content)[1].lstrip('~')}`"

    def role_math(self, content: str) -> str:
        return f"${content}$"

    def role_index(self, content: str) -> str:
        title, target = titled(content)
        return title or target

    ROLES: dict[str, str] = {
        "ref": "role_ref",
        "doc": "role_doc",
        "numref": "role_numref",
        "eq": "role_eq",
        "glue:text": "role_glue_text",
        "glue": "role_glue_text",
        "math": "role_math",
        "index": "role_index",
        "py:func": "role_code",
        "py:mod": "role_code",
        "py:class": "role_code",
        "py:meth": "role_code",
        "py:attr": "role_code",
        "py:data": "role_code",
        "py:obj": "role_code",
    }

    # -- directives: ```{name} ... ``` -> Markdown ----------------------------

    def dir_exercise_start(self, d: Parsed) -> str:
        """A heading with the exercise's number and title; :meth:`markdown`
        drops the bold title that opens its text, so it is said once."""
        label = d.options["label"]
        number = ".".join(
            map(str, self.refs.numbers[self.page.docname]["exercise"][label])
        )
        exercises = {exercise.label: exercise for exercise in self.page.exercises()}
        title = exercises[label].title.rstrip(".")
        return f"#### Exercise {number}" + (f": {title}" if title else "")

    def dir_dropped(self, d: Parsed) -> str:
        return ""

    def dir_glue_figure(self, d: Parsed) -> str:
        # The figure itself appears where the code that draws it runs.
        caption = self.markdown(d.body)
        name = d.options.get("name")
        figure = self.refs.figure(name) if name else "Figure"
        return f"*{figure}: {caption}*"

    def dir_dropdown(self, d: Parsed) -> str:
        body = self.markdown(d.body)
        return f"<details><summary>{d.argument}</summary>\n\n{body}\n\n</details>"

    def dir_admonition(self, d: Parsed) -> str:
        title = d.argument or d.name.capitalize()
        body = self.markdown(d.body)
        return "\n".join(
            f"> {line}".rstrip() for line in [f"**{title}**", "", *body.splitlines()]
        )

    def dir_literalinclude(self, d: Parsed) -> str:
        if "pyobject" not in d.options:
            raise BookError(f"{self.page}: literalinclude without :pyobject:")
        code = included_source(self.page, d.argument, d.options["pyobject"])
        return f"```python\n{code}\n```"

    def dir_math(self, d: Parsed) -> str:
        return self.display_math(d.body, d.options.get("label"))

    def dir_only(self, d: Parsed) -> str:
        """A notebook is read on screen, like the website: it keeps the
        website's wording ({only} html) and drops the printed edition's."""
        return self.markdown(d.body) if d.argument.strip() == "html" else ""

    DIRECTIVES: dict[str, str] = {
        "exercise-start": "dir_exercise_start",
        "exercise-end": "dir_dropped",
        "solution-start": "dir_dropped",
        "solution-end": "dir_dropped",
        "glue:figure": "dir_glue_figure",
        "dropdown": "dir_dropdown",
        "literalinclude": "dir_literalinclude",
        "math": "dir_math",
        "only": "dir_only",
        **{
            name: "dir_admonition"
            for name in (
                "note",
                "tip",
                "hint",
                "important",
                "warning",
                "caution",
                "admonition",
            )
        },
    }

    def display_math(self, latex: str, label: str | None) -> str:
        # MathJax wants the tag inside the display.
        tag = f"\n\\tag{{{self.refs.equation_number(label)}}}" if label else ""
        return f"$$\n{latex.strip()}{tag}\n$$"

    def handler(self, kind: str, name: str) -> Callable:
        table = self.ROLES if kind == "role" else self.DIRECTIVES
        if name not in table:
            raise BookError(f"{self.page}: no plain form for the {kind} {{{name}}}")
        return getattr(self, table[name])

    def markdown(self, text: str) -> str:
        """``text`` (MyST) as plain Markdown."""
        tokens = self.page.tokens(text)
        lines = text.splitlines()
        out: list[str] = []
        done = 0  # lines before this one are written
        roles = []
        for token in tokens:
            roles += [c for c in token.children or [] if c.type == "myst_role"]
            if token.level != 0 or token.map is None:
                continue
            start, end = token.map
            if token.type == "myst_target":
                replacement = None
            elif token.type == "math_block_label":
                replacement = self.display_math(token.content, token.info)
            elif token.type.endswith("fence") and (d := directive(token)):
                replacement = self.handler("directive", d.name)(d)
            else:
                continue
            out += lines[done:start]
            if replacement:
                out.append(replacement)
            done = end
        out += lines[done:]
        result = "\n".join(out)
        # Roles, in the order MyST found them, each where it stands.
        cursor = 0
        for role in roles:
            name = role.meta["name"]
            markup = f"{{{name}}}`{role.content}`"
            at = result.find(markup, cursor)
            if at < 0:
                raise BookError(f"{self.page}: could not place the role {markup}")
            text = self.handler("role", name)(role.content)
            result = result[:at] + text + result[at + len(markup) :]
            cursor = at + len(text)
        # An exercise's title is in its heading now, not again in bold.
        result = re.sub(
            r"(#### Exercise [^\n]*\n\n?)\*\*[^*\n]+\*\*[ \n]?", r"\1", result
        )
        # Relative links lead nowhere from a notebook: to the site instead.
        result = re.sub(
            r'(href="|\]\()(?![a-z]+:|#)([^")]+)',
            lambda m: m.group(1) + urljoin(self.page_url, m.group(2)),
            result,
        )
        # Blank lines left where dropped directives stood: at most one.
        while "\n\n\n" in result:
            result = result.replace("\n\n\n", "\n\n")
        return result.strip()


# The label of the section (on the how-to-use page) that opens every other
# notebook; a book without it gets no such opening.
WORKING_IN_A_NOTEBOOK = "working-in-a-notebook"


def section_markdown(
    book: Book, refs: References, label: str
) -> tuple[str, str] | None:
    """The page that holds the section ``label`` and the section (from its
    heading to the next heading of the same level) as a notebook shows it;
    None when the book has no such label."""
    if label not in refs.labels:
        return None
    page = book.page(Path(refs.labels[label][0]).name)
    text = "\n\n".join(
        c.source for c in page.notebook().cells if c.cell_type == "markdown"
    )
    start = text.index(f"({label})=")
    heading = re.compile(r"^(#+) ", re.M).search(text, start)
    end = re.compile(rf"^{heading.group(1)} ", re.M).search(text, heading.end())
    section = text[start : end.start() if end else len(text)]
    return page.name, Converter(page, refs, {}).markdown(section)


def student_notebook(page: Page, refs: References) -> nbformat.NotebookNode:
    convert = Converter(page, refs, page.glued_text())
    cells = []
    for cell in page.notebook().cells:
        if "exercise-solution" in tags(cell) or "remove-cell" in tags(cell):
            continue  # the answer, or the book's own machinery
        if cell.cell_type == "markdown":
            source = convert.markdown(cell.source)
            if source:
                cells.append(nbformat.v4.new_markdown_cell(source))
            continue
        source = cell.source
        keep = [t for t in tags(cell) if t != "skip-execution"]
        metadata: dict = {"tags": keep} if keep else {}
        if "hide-input" in keep:  # collapsed on the page: collapsed in Jupyter
            metadata["jupyter"] = {"source_hidden": True}
        cells.append(nbformat.v4.new_code_cell(source, metadata=metadata))
    # After the title and opening: how to work in a notebook, then the install.
    start = [install_cell(page.book)]
    intro = section_markdown(page.book, refs, WORKING_IN_A_NOTEBOOK)
    if intro and intro[0] != page.name:  # its own page has it in place
        quoted = "\n".join(f"> {line}".rstrip() for line in intro[1].splitlines())
        start.insert(0, nbformat.v4.new_markdown_cell(quoted))
    first = 1 if cells and cells[0].cell_type == "markdown" else 0
    cells[first:first] = start
    out = nbformat.v4.new_notebook(cells=cells)
    out.metadata = {
        "kernelspec": {
            "display_name": "Python 3",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python"},
    }
    for cell in out.cells:  # ids that do not change from one generation to the next
        cell.pop("id", None)
    out.nbformat, out.nbformat_minor = 4, 4
    return out


def render(page: Page, refs: References) -> str:
    return nbformat.writes(student_notebook(page, refs)) + "\n"


def write_notebooks(book: Book, out: Path, check: bool = False) -> list[str]:
    """Write (or with ``check`` compare) every notebook page's student
    notebook in ``out``; return the names of those out of date."""
    refs = References(book)
    stale = []
    out.mkdir(exist_ok=True)
    for page in book.notebook_pages():
        target = out / f"{page.name}.ipynb"
        text = render(page, refs)
        if check:
            if not target.is_file() or target.read_text() != text:
                stale.append(target.name)
        else:
            target.write_text(text)
            print(f"{target}: {len(text) // 1024} KiB")
    return stale


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", nargs="?", default=ROOT, type=Path)
    parser.add_argument(
        "--check",
        action="store_true",
        help="fail if a committed notebook differs from its page",
    )
    args = parser.parse_args()
    book = Book(args.book.resolve())
    try:
        stale = write_notebooks(book, book.root / "notebooks", check=args.check)
    except BookError as err:
        print(f"notebooks: {err}", file=sys.stderr)
        return 1
    if stale:
        print("out of date with their pages (run `make notebooks`):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
