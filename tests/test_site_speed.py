"""The site's speed machinery: the build's extension (_ext/site_speed.py), the
loopback server that compresses as a host does (booktools.book.served), and
Lighthouse's summary in make bench (booktools/lighthouse.py). The built
site's pages themselves are measured by the browser check (test_browser.py,
test_a_page_is_light_and_steady)."""

import gzip
import re
import sys
import urllib.request
from types import SimpleNamespace

import pytest
from PIL import Image
from sphinx.errors import ExtensionError

from booktools import lighthouse
from booktools.book import ROOT, served

sys.path.insert(0, str(ROOT / "_ext"))
import site_speed  # noqa: E402

THEME_CSS = (
    '.a{color:red}.fa-bars:before{content:"\\f0c9"}'
    '.fa-magnifying-glass:before,.fa-search:before{content:"\\f002"}'
    '.fa-rocket:before{content:"\\f135"}.b:before{content:"x"}'
    ':root{--pst-icon-info-circle:"\\f05a"}'
)


def test_icon_characters_come_from_the_theme_stylesheet():
    assert site_speed.icon_characters(THEME_CSS) == {
        "fa-bars": 0xF0C9,
        "fa-magnifying-glass": 0xF002,
        "fa-search": 0xF002,
        "fa-rocket": 0xF135,
    }


def test_only_the_rules_of_unused_icons_are_cut(tmp_path):
    sheet = tmp_path / "theme.css"
    sheet.write_text(THEME_CSS)
    site_speed.cut_icon_rules(sheet, {"fa-bars", "fa-search"})
    cut = sheet.read_text()
    assert ".fa-rocket" not in cut
    for kept in (".a{color:red}", ".fa-bars:before", ".fa-magnifying-glass:before,"):
        assert kept in cut
    assert '.b:before{content:"x"}' in cut and "--pst-icon-info-circle" in cut


def test_a_font_is_cut_to_the_characters_asked_for(tmp_path):
    import matplotlib
    from fontTools.ttLib import TTFont

    source = ROOT / matplotlib.get_data_path() / "fonts" / "ttf" / "DejaVuSans.ttf"
    target = tmp_path / "cut.woff2"
    site_speed.cut_font(source, target, {ord("σ"), ord("x"), ord("中")})  # no 中
    cut = TTFont(target)
    assert cut.flavor == "woff2"
    assert set(cut.getBestCmap()) == {ord("σ"), ord("x")}
    assert target.stat().st_size < source.stat().st_size / 20


def test_the_characters_kept_are_the_pages_text_and_katexs_own(tmp_path):
    """Text and entities count, markup and attributes do not; so do the
    strings KaTeX's stylesheet draws."""
    (tmp_path / "page.html").write_text(
        '<p title="Q">a&sigma;<span class="katex">&#x2211;</span></p>',
        encoding="utf-8",
    )
    (tmp_path / "_static" / "katex").mkdir(parents=True)
    (tmp_path / "_static" / "katex" / "katex.min.css").write_text(
        '.katex .x:before{content:"("}'
    )
    assert site_speed.site_characters(tmp_path) == set(map(ord, "aσ∑("))


def test_the_katex_fonts_cut_are_those_some_page_uses(tmp_path):
    (tmp_path / "a.html").write_text('<span class="katex"><span class="mord">1')
    (tmp_path / "b.html").write_text('<span class="mord mathnormal">w</span>')
    (tmp_path / "c.html").write_text("<p>no formulas</p>")
    used = site_speed.used_katex_fonts(tmp_path)
    assert used == {"KaTeX_Main-Regular", "KaTeX_Math-Italic"}


def test_unused_css_rules_are_dropped_and_the_used_ones_kept(tmp_path):
    """_ext/purge_css.mjs (PurgeCSS): a rule stays if the pages or the
    scripts use its selector, or if it is a pseudo-class alone (the focus
    ring) or depends on the colour scheme; the rest goes."""
    import subprocess

    (tmp_path / "index.html").write_text('<p class="used">x</p>')
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "menu.js").write_text('el.classList.add("opened")')
    sheet = tmp_path / "_static" / "theme.css"
    sheet.write_text(
        ".used{color:red}.unused{color:blue}.opened{display:block}"
        ":focus-visible{outline:solid}html[data-theme=dark] .x{color:#fff}"
        ".unused:hover{color:green}"
    )
    subprocess.run(
        ["node", str(site_speed.PURGE_SCRIPT), str(tmp_path), "_static/theme.css"],
        check=True,
        capture_output=True,
    )
    kept = sheet.read_text()
    for rule in (".used{", ".opened{", ":focus-visible{", "html[data-theme=dark] .x{"):
        assert rule in kept
    assert ".unused" not in kept


def test_a_failed_purgecss_fails_the_build(monkeypatch):
    import subprocess

    failing = subprocess.Popen(
        ["node", "-e", "console.error('no purgecss'); process.exit(3)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    monkeypatch.setattr(site_speed, "_purging", failing)
    with pytest.raises(
        ExtensionError, match=r"PurgeCSS failed \(3\)(.|\n)*no purgecss"
    ):
        site_speed.cut_unused_css(None, None)
    assert site_speed._purging is None


def test_purgecss_sizes_are_reported(monkeypatch, caplog, tmp_path):
    import subprocess

    done = subprocess.Popen(
        ["node", "-e", f"console.log('{tmp_path}/_static/a.css: 300 -> 100 bytes')"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    monkeypatch.setattr(site_speed, "_purging", done)
    with caplog.at_level("INFO"):
        site_speed.cut_unused_css(SimpleNamespace(outdir=tmp_path), None)
    assert "unused CSS dropped: _build/html/_static/a.css: 300 -> 100" in caplog.text


def theme_importing(static, text: str) -> None:
    (static / "styles").mkdir(parents=True)
    (static / "styles" / "theme.css").write_text(text)
    (static / "basic.css").write_text(
        "ul.search li{background-image:url(file.png)}"
        " .a{background:url('data:image/png;base64,AA==')}"
    )


def test_an_imported_stylesheet_is_put_in_the_one_importing_it(tmp_path):
    theme_importing(tmp_path, '/* the basic theme */\n@import "../basic.css";\n')
    site_speed.inline_imported_css(tmp_path)
    inlined = (tmp_path / "styles" / "theme.css").read_text()
    assert "@import" not in inlined
    # the same file, one folder down
    assert "ul.search li{background-image:url(../file.png)}" in inlined
    assert "url('data:image/png;base64,AA==')" in inlined


def test_a_build_that_wrote_no_static_file_keeps_the_inlined_stylesheet(tmp_path):
    """Sphinx copies no static file when no page is out of date (only the
    notebooks changed): the site's theme.css is the last build's, inlined."""
    theme_importing(tmp_path, '@import "../basic.css";')
    site_speed.inline_imported_css(tmp_path)
    inlined = (tmp_path / "styles" / "theme.css").read_text()
    site_speed.inline_imported_css(tmp_path)
    assert (tmp_path / "styles" / "theme.css").read_text() == inlined


@pytest.mark.parametrize(
    "theme_css",
    [
        '@import "../basic.css";\n.x{color:red}',  # more than the import
        '@import "../basic.css";@import "../basic.css";',
        '@import "../missing.css";',
        ".x{color:red}",  # no import
    ],
)
def test_a_changed_importing_stylesheet_fails_the_build(tmp_path, theme_css):
    theme_importing(tmp_path, theme_css)
    with pytest.raises(ExtensionError, match="theme.css is no longer one @import"):
        site_speed.inline_imported_css(tmp_path)


def test_a_renamed_stylesheet_fails_the_build(tmp_path):
    theme_importing(tmp_path / "_static", '@import "../basic.css";')
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"))
    with pytest.raises(ExtensionError, match="pydata-sphinx-theme.css"):
        site_speed.start_cutting_unused_css(app, None)


def test_the_search_scripts_leave_every_page_but_the_search_page():
    head = (
        '<meta x/>\n<script src="../_static/searchtools.js"></script>\n'
        '<script src="../_static/language_data.js"></script>\n'
        '<script src="../searchindex.js"></script>'
    )
    assert site_speed.without_search_scripts(head, "book/neuron") == "<meta x/>"
    assert site_speed.without_search_scripts(head, "search") == head
    with pytest.raises(ValueError, match="2 of the theme's 3 search scripts"):
        site_speed.without_search_scripts(head.replace("searchindex", "index"), "x")


# As pydata-sphinx-theme 0.17.1 writes them (static/webpack-macros.html).
BOOTSTRAP_PRELOAD = (
    '<link rel="preload" as="script" '
    'href="../_static/scripts/bootstrap.js?digest=55c26ed414f5f8a31ebb" />'
)
BOOTSTRAP_SCRIPT = (
    '<script defer src="../_static/scripts/bootstrap.js?digest=55c26ed414f5f8a31ebb">'
    "</script>"
)


def test_bootstrap_js_is_replaced_by_the_sites_own_script():
    head = f'<link href="theme.css" rel="stylesheet" />\n  {BOOTSTRAP_PRELOAD}'
    assert (
        str(site_speed.without_bootstrap_js(head))
        == '<link href="theme.css" rel="stylesheet" />'
    )
    body = str(site_speed.without_bootstrap_js(BOOTSTRAP_SCRIPT))
    assert re.fullmatch(
        r'<script defer src="\.\./_static/nnbook-theme\.js\?v=\w{8}"></script>', body
    ), body
    with pytest.raises(ValueError, match="the theme changed"):
        site_speed.without_bootstrap_js(BOOTSTRAP_SCRIPT.replace("bootstrap", "bs"))


def test_a_figure_gets_webp_copies_by_width(tmp_path):
    png = tmp_path / "fig.png"
    Image.new("RGBA", (1403, 912), "white").save(png)
    out = tmp_path / "_images"
    out.mkdir()
    width, height, variants = site_speed._webp_variants(png, out)
    assert (width, height) == (1403, 912)
    assert [w for w, _ in variants] == [480, 720, 1080, 1403]
    site_speed.written_webp(None, None)  # written in the background: wait
    for w, name in variants:
        with Image.open(out / name) as image:
            assert image.format == "WEBP" and image.width == w
    # a figure narrower than a width gets no copy wider than itself
    Image.new("RGBA", (700, 400), "white").save(png)
    assert [w for w, _ in site_speed._webp_variants(png, out)[2]] == [480, 700]
    site_speed.written_webp(None, None)


def test_a_figure_that_cannot_be_written_fails_the_build(tmp_path):
    png = tmp_path / "fig.png"
    Image.new("RGBA", (500, 300), "white").save(png)
    site_speed._webp_variants(png, tmp_path / "missing")  # no such folder
    with pytest.raises(
        ExtensionError, match="writing _images/fig-500.webp failed: .*No such file"
    ):
        site_speed.written_webp(None, None)


def test_the_loopback_server_compresses_text_as_a_host_does(tmp_path):
    (tmp_path / "index.html").write_text("<p>" + "text " * 2000)
    Image.new("RGB", (50, 50)).save(tmp_path / "a.png")
    with served(tmp_path) as url:
        ask = {"Accept-Encoding": "gzip"}
        page = urllib.request.urlopen(urllib.request.Request(f"{url}/", headers=ask))
        body = page.read()
        assert page.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body).decode().startswith("<p>text")
        image = urllib.request.urlopen(
            urllib.request.Request(f"{url}/a.png", headers=ask)
        )
        assert image.headers["Content-Encoding"] is None
        plain = urllib.request.urlopen(f"{url}/index.html")
        assert plain.headers["Content-Encoding"] is None
        assert plain.read().startswith(b"<p>text")


def scores(**changes):
    good = {
        "performance": 100,
        "accessibility": 100,
        "best-practices": 100,
        "seo": 100,
        "lcp_s": 1.0,
        "fcp_s": 0.8,
        "tbt_ms": 0,
        "cls": 0,
        "kib": 300,
    }
    return good | changes


def test_lighthouse_targets_missed_are_named():
    results = {
        "a": {"mobile": scores(), "desktop": scores()},
        "b": {"mobile": scores(performance=90, kib=600), "desktop": scores(seo=92)},
    }
    assert lighthouse.missed(results) == [
        "b mobile performance 90 (>= 95)",
        "b desktop seo 92 (>= 100)",
        "b mobile kib 600 (<= 500)",
    ]


def test_lighthouse_medians_per_measure():
    runs = [
        scores(performance=p, lcp_s=s) for p, s in ((90, 2.5), (97, 1.2), (95, 1.9))
    ]
    assert lighthouse.medians(runs) == scores(performance=95, lcp_s=1.9)
