"""Binder installs what the student notebooks need, at the book's versions."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pins(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([\w-]+)==(\S+)$", path.read_text(), re.M))


def test_binder_pins_match_the_books_environment():
    binder = pins(ROOT / "binder" / "requirements.txt")
    book = pins(ROOT / "constraints.txt")
    assert {"torch", "numpy", "matplotlib", "scikit-learn"} <= set(binder)
    assert {name: book.get(name) for name in binder} == binder


def test_binder_takes_the_cpu_build_of_torch_and_installs_nnbook():
    text = (ROOT / "binder" / "requirements.txt").read_text()
    assert re.search(r"^--extra-index-url \S+/whl/cpu$", text, re.M)
    assert text.rstrip().splitlines()[-1] == "."
