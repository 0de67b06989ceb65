"""KaTeX: the version that typesets the math when the book is built (the copy
inside sphinxcontrib-katex) is the version whose stylesheet and fonts the site
serves (package.json, from npm), so the HTML and its CSS match."""

import json

import sphinxcontrib.katex

from booktools.book import ROOT


def test_the_served_katex_is_the_katex_that_typesets():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    served = lock["packages"]["node_modules/katex"]["version"]
    wanted = json.loads((ROOT / "package.json").read_text())["dependencies"]["katex"]
    assert served == wanted == sphinxcontrib.katex.katex_version, (
        f"package.json pins KaTeX {wanted} (lock: {served}) but sphinxcontrib-katex "
        f"typesets with {sphinxcontrib.katex.katex_version}: pin the same version "
        f"(npm install -E katex@{sphinxcontrib.katex.katex_version})"
    )
