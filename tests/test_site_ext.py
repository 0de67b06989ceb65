"""The local Sphinx extension's template filter (_ext/nnbook_site.py)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
from nnbook_site import without_fontawesome_js  # noqa: E402

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
