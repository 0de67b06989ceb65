"""Student notebooks from the book's pages: `make notebooks` writes them to
notebooks/, `--check` fails when any is out of date with its page.

A student notebook keeps a page's prose (MyST turned into plain Jupyter
Markdown), its code, its exercise skeletons and its checks; it drops the
solutions and all outputs; and it starts with a cell that installs the
`nnbook` package when the notebook runs outside the book's environment.
"""

import argparse
import ast
import re
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml
from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "notebooks"
FENCE = re.compile(
    r"^```\{(?P<name>[\w:-]+)\}(?P<arg>[^\n]*)\n(?P<body>.*?)^```\n?", re.S | re.M
)


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def version() -> str:
    text = (ROOT / "nnbook" / "__init__.py").read_text()
    return re.search(r'__version__ = "([^"]+)"', text).group(1)


def install_cell() -> nbformat.NotebookNode:
    repo = config()["repository"]["url"]
    source = f"nnbook @ git+{repo}@v{version()}"
    return nbformat.v4.new_code_cell(
        "# Run this cell first. Outside the book's own environment (Colab,\n"
        "# Binder, your own Jupyter) it installs the nnbook package, in the\n"
        "# version this notebook belongs to.\n"
        "import importlib.util\n"
        "import os\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        'if importlib.util.find_spec("nnbook") is None:\n'
        f'    source = os.environ.get("NNBOOK_SOURCE", "{source}")\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", source],\n'
        "                   check=True)",
        metadata={"tags": ["install-nnbook"]},
    )


def toc_pages() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for p in toc["parts"] for c in p["chapters"]]
    return [ROOT / f"{f}.md" for f in files]


def is_notebook(page: Path) -> bool:
    return "kernelspec:" in page.read_text().split("\n---\n", 1)[0]


def titles() -> dict[str, str]:
    """label or document name -> the page's title."""
    found = {}
    for page in toc_pages():
        text = page.read_text()
        title = re.search(r"^# (.+)$", text, re.M).group(1)
        found[page.stem] = title
        for label in re.findall(r"^\(([\w-]+)\)=\n#", text, re.M):
            found[label] = title
    return found


def equations() -> dict[str, tuple[str, int]]:
    """equation label -> (the page's title, its number within the page)."""
    found = {}
    for page in toc_pages():
        text = page.read_text()
        title = re.search(r"^# (.+)$", text, re.M).group(1)
        labels = re.findall(r"^\$\$ \(([\w-]+)\)$", text, re.M)
        for n, label in enumerate(labels, start=1):
            found[label] = (title, n)
    return found


def glue_values(page: Path) -> dict[str, str]:
    """The text of every number the build glued into the page's prose."""
    nb = jupytext.read(page)
    try:
        _, merged = get_cache(
            ROOT / "_build" / ".jupyter_cache"
        ).merge_match_into_notebook(nb)
    except KeyError:
        sys.exit(f"{page.name}: no build of this page's current code; run `make book`")
    values = {}
    for cell in merged.cells:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            text = out.get("data", {}).get("application/papermill.record/text/plain")
            if name and text is not None:
                values[name] = text.strip("'\"")
    return values


def included_source(path: str, name: str, page: Path) -> str:
    source = (page.parent / path).read_text()
    node = next(
        n
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == name
    )
    return ast.get_source_segment(source, node)


def plain_markdown(text: str, page: Path, glued: dict, names: dict, eqs: dict) -> str:
    """MyST's directives and roles, written as Markdown that Jupyter renders."""
    local = [label for label, (title, _) in eqs.items() if title == names[page.stem]]

    def directive(m):
        name, arg, body = m["name"], m["arg"].strip(), m["body"]
        options = dict(re.findall(r"^:(\w+): (.*)$", body, re.M))
        content = re.sub(r"^:\w+:.*\n", "", body, flags=re.M).strip()
        if name == "exercise-start":
            return "#### Exercise\n\n"
        if name in ("exercise-end", "solution-start", "solution-end"):
            return ""
        if name == "glue:figure":
            return f"*Figure: {content}*\n\n"
        if name == "dropdown":
            return f"<details><summary>{arg}</summary>\n\n{content}\n\n</details>\n\n"
        if name == "literalinclude":
            code = included_source(arg, options["pyobject"], page)
            return f"```python\n{code}\n```\n\n"
        raise ValueError(f"{page.name}: no plain form for the directive {{{name}}}")

    text = re.sub(r"^\([\w-]+\)=\n", "", text, flags=re.M)
    text = FENCE.sub(directive, text)
    text = re.sub(
        r"^\$\$ \(([\w-]+)\)$",
        lambda m: f"$$ \\tag{{{eqs[m[1]][1]}}}",
        text,
        flags=re.M,
    )
    # MathJax wants the tag inside the display: move it before the closing $$.
    text = re.sub(
        r"\$\$\n(.*?)\n\$\$ (\\tag\{\d+\})", r"$$\n\1\n\2\n$$", text, flags=re.S
    )

    def role(m):
        kind, target = m[1], m[2]
        if kind == "glue:text":
            return f"**{glued[target]}**"
        if kind in ("ref", "doc"):
            return f"*{names[target]}*"
        if kind == "numref":
            return "the figure"
        if kind == "eq":
            title, n = eqs[target]
            return f"({n})" if target in local else f"equation ({n}) of *{title}*"
        if kind.startswith("py:"):
            return f"`{target}`"
        raise ValueError(f"{page.name}: no plain form for the role {{{kind}}}")

    return re.sub(r"\{([\w:]+)\}`([^`]+)`", role, text)


def student_notebook(page: Path) -> nbformat.NotebookNode:
    nb = jupytext.read(page)
    glued, names, eqs = glue_values(page), titles(), equations()
    cells = [install_cell()]
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "exercise-solution" in tags:
            continue
        if cell.cell_type == "markdown":
            source = plain_markdown(cell.source, page, glued, names, eqs).strip()
            if source:
                cells.append(nbformat.v4.new_markdown_cell(source))
            continue
        source = cell.source.replace(
            "from myst_nb import glue", "from nnbook.notebook import glue"
        )
        keep = [t for t in tags if t != "skip-execution"]
        cells.append(
            nbformat.v4.new_code_cell(source, metadata={"tags": keep} if keep else {})
        )
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


def render(page: Path) -> str:
    return nbformat.writes(student_notebook(page)) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="fail if a committed notebook differs from its page",
    )
    args = parser.parse_args()
    stale = []
    OUT.mkdir(exist_ok=True)
    for page in toc_pages():
        if not is_notebook(page):
            continue
        target = OUT / f"{page.stem}.ipynb"
        text = render(page)
        if args.check:
            if not target.is_file() or target.read_text() != text:
                stale.append(target.name)
        else:
            target.write_text(text)
            print(f"{target.relative_to(ROOT)}: {len(text) // 1024} KiB")
    if stale:
        print("out of date with their pages (run `make notebooks`):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
