"""The newest dependencies: ``python -m booktools.latest`` (`make test-latest`).

The book's own venv installs the exact pins of constraints.txt. Readers do
not: Colab and a fresh `pip install` bring whatever is newest. This builds a
second venv, ``.venv-latest``, from nothing, with the newest releases that
pyproject.toml's bounds allow (nnbook and its ``test`` extra; pip's own
settings still apply), and runs in it the unit tests, every page (each page's
cells with their own checks and every exercise's grader) and every student
notebook worked through as a student would. Pages are not compared with the
build's printed outputs: a newer library may print other digits and still
teach the same thing; a page whose own checks fail is broken.

torch is the newest CPU build found: in the wheel folders of pip's
``find-links`` when they hold torch (a machine with local wheels, like the
book's), else PyTorch's CPU index (GitHub's runners); never the multi-GB CUDA
build from PyPI.

``_build/latest/report.md`` (also the GitHub job's summary) lists the versions
that moved from constraints.txt and, per phase, the tests that failed, so a
failing run says which package moved and which page broke. Exit status 1 when
any phase failed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

from booktools.book import ROOT

VENV = ROOT / ".venv-latest"
OUT = ROOT / "_build" / "latest"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# Not the book's dependencies: the venv's own tools, and nnbook itself.
VENV_TOOLS = {"pip", "setuptools", "wheel", "nnbook"}
# Versions the report always shows, moved or not.
KEY_PACKAGES = [
    "torch",
    "numpy",
    "matplotlib",
    "scikit-learn",
    "networkx",
    "jupyter-book",
    "sphinx",
    "myst-nb",
    "ipykernel",
    "nbval",
]


def say(message: str) -> None:
    print(f"[test-latest] {message}", flush=True)


def run(*command, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], cwd=ROOT, **kwargs)


def local_torch_wheels(python: str) -> tuple[list[str], Version | None]:
    """The folders of pip's find-links (its settings and PIP_FIND_LINKS) that
    hold torch wheels, and the newest version among them."""
    listed = run(python, "-m", "pip", "config", "list", capture_output=True, text=True)
    values = re.findall(r"find-links='([^']*)'", listed.stdout)
    values.append(os.environ.get("PIP_FIND_LINKS", ""))
    folders, newest = [], None
    for folder in {f for v in values for f in v.split()}:
        versions = [
            Version(w.name.split("-")[1]) for w in Path(folder).glob("torch-*.whl")
        ]
        if versions:
            folders.append(folder)
            newest = max([*versions, *([newest] if newest else [])])
    return sorted(folders), newest


def make_venv() -> Path:
    """.venv-latest from nothing: the newest CPU torch, then nnbook[test]."""
    shutil.rmtree(VENV, ignore_errors=True)
    run(sys.executable, "-m", "venv", VENV, check=True)
    python = VENV / "bin" / "python"
    pip = [python, "-m", "pip", "install", "-q"]
    run(*pip, "--upgrade", "pip", check=True)
    folders, newest = local_torch_wheels(str(python))
    if folders:
        say(f"torch: the newest local wheel, {newest} (from {', '.join(folders)})")
        # The exact version with its local tag (+cpu) is only the local wheel.
        run(*pip, f"torch=={newest}", check=True)
    else:
        say(f"torch: the newest CPU build on {CPU_INDEX}")
        run(*pip, "--index-url", CPU_INDEX, "torch", check=True)
    say("nnbook[test]: the newest releases its bounds allow")
    # A fresh venv and no constraints file: pip takes the newest of everything,
    # and keeps the torch just installed, which satisfies the bound.
    run(*pip, "-e", ".[test]", check=True)
    return python


def installed(python: Path) -> dict[str, str]:
    listed = run(
        python, "-m", "pip", "list", "--format", "json", capture_output=True, text=True
    )
    return {
        canonicalize_name(p["name"]): p["version"] for p in json.loads(listed.stdout)
    }


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[canonicalize_name(name)] = version.strip()
    return pins


def moved(now: dict[str, str], pins: dict[str, str]) -> list[tuple[str, str, str]]:
    """(package, pinned, newest) for every package whose version is not the
    pinned one (a local build tag such as torch's +cpu is not a move)."""
    rows = []
    for name in sorted((set(now) | set(pins)) - VENV_TOOLS):
        old, new = pins.get(name, "-"), now.get(name, "-")
        if old.split("+")[0] != new.split("+")[0]:
            rows.append((name, old, new))
    return rows


# The phases, each a pytest run in .venv-latest, as `make test` runs them.
PHASES = {
    "unit tests": ["-m", "pytest", "-p", "no:cacheprovider"],
    "pages": ["-m", "pytest", "book", "--dist", "loadfile"],
    "student notebooks": [
        "-m",
        "pytest",
        "tests/test_student_notebooks.py",
        "-m",
        "notebooks",
        "-k",
        "each_grader_stops",
    ],
}


def failures(junit: Path) -> list[str]:
    """The failed or erroring tests of a JUnit XML report, as pytest ids."""
    if not junit.is_file():
        return ["(pytest wrote no report: it stopped before running tests)"]
    found = []
    for case in ET.parse(junit).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            found.append(f"{case.get('classname')}::{case.get('name')}")
    return found


def page_of(test_id: str) -> str:
    """The page a failed test belongs to, for the report: book.neuron.md::Cell
    3 or tests.test_student_notebooks::test_...[neuron] -> neuron."""
    if test_id.startswith("book."):
        return test_id.split("::")[0].removeprefix("book.").removesuffix(".md")
    param = re.search(r"\[([\w-]+)\]$", test_id)
    return param.group(1) if param else "-"


def report(now, rows, results, folders_note) -> str:
    lines = ["# The newest dependencies (make test-latest)", ""]
    lines += [f"Python {sys.version.split()[0]}. {folders_note}", ""]
    lines += ["| package | resolved |", "|---|---|"]
    lines += [f"| {name} | {now.get(name, '-')} |" for name in KEY_PACKAGES]
    lines += ["", f"## Moved since constraints.txt ({len(rows)})", ""]
    if rows:
        lines += ["| package | constraints.txt | newest |", "|---|---|---|"]
        lines += [f"| {n} | {old} | {new} |" for n, old, new in rows]
    else:
        lines.append("Nothing moved: the pins are the newest releases.")
    for phase, (code, seconds, failed) in results.items():
        verdict = "passed" if code == 0 else f"FAILED ({len(failed)} tests)"
        lines += ["", f"## {phase}: {verdict} in {seconds:.0f} s", ""]
        lines += [f"- page `{page_of(t)}`: `{t}`" for t in failed]
    return "\n".join(lines) + "\n"


def main() -> int:
    started = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    say(f"creating {VENV.name} (a few minutes)")
    try:
        python = make_venv()
    except subprocess.CalledProcessError as error:
        say(f"installing failed (pip's message above): {' '.join(error.cmd[3:])}")
        return 1
    folders, newest = local_torch_wheels(str(python))
    note = (
        f"torch from local wheels ({', '.join(folders)})"
        if folders
        else f"torch from {CPU_INDEX}"
    )
    now, pins = installed(python), pinned()
    rows = moved(now, pins)
    say(f"{len(rows)} packages moved since constraints.txt")
    for name, old, new in rows:
        say(f"  {name}: {old} -> {new}")
    jobs = os.environ.get("TEST_JOBS") or str(os.cpu_count() or 1)
    results = {}
    for phase, args in PHASES.items():
        junit = OUT / f"{phase.replace(' ', '-')}.xml"
        junit.unlink(missing_ok=True)
        say(f"{phase} ...")
        begun = time.monotonic()
        extra = ["-n", jobs] if phase != "unit tests" else []
        code = run(python, *args, *extra, f"--junitxml={junit}", "-q").returncode
        failed = failures(junit) if code else []
        results[phase] = (code, time.monotonic() - begun, failed)
        say(f"{phase}: {'passed' if code == 0 else 'FAILED'}")
    text = report(now, rows, results, note)
    (OUT / "report.md").write_text(text)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a") as summary:
            summary.write(text)
    print(text)
    say(f"report: {(OUT / 'report.md').relative_to(ROOT)}")
    say(f"done in {time.monotonic() - started:.0f} s")
    return 1 if any(code for code, _, _ in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
