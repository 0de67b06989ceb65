"""What a reader's browser downloads and waits for (most students read on a
phone on a slow connection).

- Figures: each figure PNG (the PDF's image) is also written as WebP at a few
  widths (on the other cores, from the moment its page is read: 9 s of work
  that no longer holds the build), and the page's <img> offers them by width
  (srcset), with its width and height (so nothing shifts as it loads), loaded
  lazily.
- Scripts: the head's scripts are deferred, so the first paint does not wait
  for them (not on the search page, whose search scripts run as they load
  and need the others first).
- Bootstrap: the theme's bootstrap.js (80 kB, all of Bootstrap's widgets)
  is replaced by book/_static/nnbook-theme.js, the two things the site used
  of it; and the page is laid out once, by the parser, before any script
  runs (book/_templates/layout.html), so that no script's task on a slow
  phone holds the whole first layout.
- Search: the theme loads Sphinx's search scripts and the whole search index
  on every page for its search-as-you-type, which this site does not enable;
  they load on the search page only.
- Colour scheme: set before the page is first drawn, not by a later script.
- Fonts: the icon font and the page's KaTeX fonts are preloaded, so text does
  not move when they arrive; the KaTeX fonts the pages use are cut to the
  characters the site contains (about half their size).
- Icons: the theme's Font Awesome font (156 kB) is cut to the icons the
  site's pages use, a font of a few kB (nnbook.css points the theme's icon
  family at it), and the theme's stylesheet to their rules.
- Stylesheets: the rules of the theme's and extensions' stylesheets that
  match nothing in the site are dropped (PurgeCSS), and the one stylesheet
  fetched through another's @import is put in it.

No kept Sphinx extension does these (searched PyPI, 2026-11: sphinx-image-min
only recompresses); the image and font work is Pillow's and fontTools', both
already in the build through matplotlib, with brotli for WOFF2.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import os
import re
import subprocess
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from markupsafe import Markup
from sphinx.builders.html._assets import _JavaScript
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def _written(target: Path):
    """A file written whole or not at all (parallel writers may share one),
    readable by all like the files Sphinx writes."""
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
        yield tmp
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, target)


# --- Figures ----------------------------------------------------------------
# Widths offered besides the PNG's own: a phone's column (342 px at 390 px)
# at 1x and 2x, and the desktop column (672 px at 1280 px) at 1x and 1.5x.
WIDTHS = (480, 720, 1080)
# Lossy WebP at this quality keeps the figures' lines and text sharp (seen on
# screenshots) at a fifth of the PNG's size; the alpha channel stays lossless.
WEBP = {"quality": 90, "method": 4}
# How wide a figure is shown: the whole column, measured at 360 to 1920 px
# (the screen less its margins up to 960 px, less the sidebar up to 1200 px,
# then 608 to 774 px).
SIZES = (
    "(max-width: 959.98px) calc(100vw - 48px), "
    "(max-width: 1199.98px) calc(100vw - 280px), (max-width: 1439.98px) 680px, 780px"
)
FIGURE = re.compile(
    r'<img alt="(?P<alt>[^"]*)" src="(?P<prefix>(?:\.\./)*)_images/'
    r'(?P<stem>[^"/]+)\.png" ?/?>'
)


def _write_webp(png: Path, target: Path, width: int) -> None:
    """Write `png` scaled to `width` as WebP (Pillow works without holding
    Python's lock here, so a few of these run beside the page writing)."""
    from PIL import Image

    with Image.open(png) as image:
        if width != image.size[0]:
            height = round(image.size[1] * width / image.size[0])
            image = image.resize((width, height), Image.Resampling.LANCZOS)
        with _written(target) as tmp:
            image.save(tmp, "WEBP", **WEBP)


# The WebP files being written while Sphinx writes the pages, by name; the
# build waits for them at its end (written_webp).
_encoding: dict[str, Future] = {}
_pool: ThreadPoolExecutor | None = None


def _webp_variants(png: Path, images: Path) -> tuple[int, int, list[tuple[int, str]]]:
    """Have `png` written as WebP at WIDTHS narrower than it and at its own
    width, into `images`, unless there already (names carry the PNG's name,
    which Sphinx derives from its content). Returns the PNG's size and
    (width, name) pairs at once; the files are written in the background."""
    global _pool
    from PIL import Image

    with Image.open(png) as image:  # reads the size only
        width, height = image.size
    widths = [w for w in WIDTHS if w < width * 0.9] + [width]
    variants = []
    for w in widths:
        name = f"{png.stem}-{w}.webp"
        variants.append((w, name))
        target = images / name
        if name in _encoding or target.is_file():
            continue
        if _pool is None:  # one core is Sphinx's
            cores = len(os.sched_getaffinity(0))
            _pool = ThreadPoolExecutor(max_workers=max(1, cores - 1))
        _encoding[name] = _pool.submit(_write_webp, png, target, w)
    return width, height, variants


def early_webp(app, doctree) -> None:
    """Start writing a page's figures as WebP as soon as the page is read
    (after Sphinx's image collector), so that the writing overlaps the rest
    of the build rather than waiting at its end."""
    if app.builder.format != "html":
        return
    images = Path(app.outdir) / "_images"
    images.mkdir(parents=True, exist_ok=True)
    for src, (docnames, _) in app.env.images.items():
        if app.env.docname in docnames and src.endswith(".png"):
            _webp_variants(Path(app.srcdir, src), images)


def written_webp(app, exception) -> None:
    """Wait for the WebP files; a figure that could not be written fails the
    build."""
    global _pool
    try:
        for name, future in _encoding.items():
            error = future.exception()
            if error is not None and exception is None:
                raise ExtensionError(
                    f"site_speed: writing _images/{name} failed: {error}"
                ) from error
    finally:
        _encoding.clear()
        if _pool is not None:
            _pool.shutdown()
            _pool = None


def responsive_figures(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body or "_images/" not in body:
        return
    sources = {
        Path(dest).stem: Path(app.srcdir, src)
        for src, dest in app.builder.images.items()
    }
    images = Path(app.outdir) / "_images"
    images.mkdir(parents=True, exist_ok=True)

    def rewrite(match: re.Match) -> str:
        png = sources.get(match["stem"])
        if png is None or not png.is_file():
            raise ExtensionError(
                f"site_speed: {pagename} shows _images/{match['stem']}.png, whose "
                "source Sphinx's image list does not have"
            )
        width, height, variants = _webp_variants(png, images)
        prefix = match["prefix"] + "_images/"
        srcset = ", ".join(f"{prefix}{name} {w}w" for w, name in variants)
        # Every figure lazily: on a phone none is in the first screen (the
        # first is 980 px or more down at 412 px), and one fetched before
        # the first paint delays it (networks' 30 kB figure: Lighthouse's
        # mobile LCP 2.5 s, 2.3 s lazy). An image in the window when the page
        # is laid out is fetched then.
        return (
            f'<img alt="{match["alt"]}" src="{prefix}{variants[-1][1]}" '
            f'srcset="{srcset}" sizes="{SIZES}" width="{width}" height="{height}" '
            f'loading="lazy" decoding="async"/>'
        )

    context["body"] = FIGURE.sub(rewrite, body)


# --- Fonts -------------------------------------------------------------------
# A font the page's first screen needs is asked for with the stylesheets
# (preload), not once they are parsed: otherwise the text is first laid out
# in a fallback font and moves when the font arrives (a layout shift). The
# cut icon font on every page; KaTeX's fonts on the pages whose typeset math
# uses them (KaTeX's classes name the font).

KATEX_FONTS = {
    r'class="katex"': "KaTeX_Main-Regular",
    r"\bmathnormal\b": "KaTeX_Math-Italic",
    r"\bmathbf\b": "KaTeX_Main-Bold",
    r"\bboldsymbol\b": "KaTeX_Math-BoldItalic",
    r"\bsmall-op\b|delimsizing size1\b": "KaTeX_Size1-Regular",
    r"\blarge-op\b|delimsizing size2\b": "KaTeX_Size2-Regular",
    r"delimsizing size3\b": "KaTeX_Size3-Regular",
    r"delimsizing size4\b": "KaTeX_Size4-Regular",
    r"\bmathsf\b": "KaTeX_SansSerif-Regular",
}


def preloaded_fonts(app, pagename, templatename, context, doctree):
    if "pathto" not in context:
        return
    body = context.get("body") or ""
    fonts = [(ICONS_FONT.removeprefix("_static/"), "font/woff")] + [
        (f"katex/fonts/{font}.woff2", "font/woff2")
        for pattern, font in KATEX_FONTS.items()
        if re.search(pattern, body)
    ]
    links = "".join(
        f'<link rel="preload" href="{context["pathto"]("_static/" + path, 1)}" '
        f'as="font" type="{kind}" crossorigin="anonymous"/>\n'
        for path, kind in fonts
    )
    context["metatags"] = context.get("metatags", "") + links


# The site's KaTeX fonts are cut to the characters its pages contain: of
# Main-Regular's 283 characters the book uses about 116 (26 kB -> 12 kB), and
# the fonts a page needs are fetched before it is first drawn, on a phone's
# slow connection. A character is kept if it is anywhere in a page's text (a
# superset of what KaTeX draws: its HTML holds the characters each font draws,
# its stylesheet draws none of its own but parentheses), so no formula can
# fall back to another font. Each font is cut from KaTeX's own file (the
# static path's copy), never from the last build's cut copy, so a page that
# gains a character gets it. Only the fonts some page uses (KATEX_FONTS) are
# cut; the others are never fetched.

KATEX_FONT_DIR = "katex/fonts"
TAG = re.compile(r"<[^>]*>")
CSS_CONTENT = re.compile(r'content:"([^"]*)"')


def site_characters(outdir: Path) -> set[int]:
    """Every character of the text of the site's pages and of the content
    strings of its KaTeX stylesheet."""
    found: set[int] = set()
    for page in outdir.rglob("*.html"):
        text = html.unescape(TAG.sub("", page.read_text(encoding="utf-8")))
        found.update(map(ord, text))
    for sheet in (outdir / "_static" / "katex").glob("*.css"):
        for content in CSS_CONTENT.findall(sheet.read_text(encoding="utf-8")):
            found.update(map(ord, content))
    return found


def used_katex_fonts(outdir: Path) -> set[str]:
    """The KaTeX fonts (file stems) that some page of the site uses."""
    used = set()
    for page in outdir.rglob("*.html"):
        body = page.read_text(encoding="utf-8")
        used.update(
            font for pattern, font in KATEX_FONTS.items() if re.search(pattern, body)
        )
    return used


def cut_font(source: Path, target: Path, characters: set[int]) -> None:
    """Write the WOFF2 font `source` to `target` with only its glyphs for
    `characters` (and what they need: ligatures, kerning)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source, recalcTimestamp=False)
    subsetter = subset.Subsetter(subset.Options())
    subsetter.populate(unicodes=sorted(characters & set(font.getBestCmap())))
    subsetter.subset(font)
    font.flavor = "woff2"
    with _written(target) as tmp:
        font.save(tmp, reorderTables=True)


def katex_font_sources(app) -> Path:
    """KaTeX's own fonts: the html_static_path folder that has them."""
    for folder in app.config.html_static_path:
        fonts = Path(app.confdir, folder, KATEX_FONT_DIR)
        if fonts.is_dir():
            return fonts
    raise ExtensionError(
        f"site_speed.cut_katex_fonts: no {KATEX_FONT_DIR} in html_static_path "
        f"{app.config.html_static_path}; run `make book`, which copies KaTeX's fonts"
    )


def cut_katex_fonts(app, exception):
    if exception or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    sources = katex_font_sources(app)
    characters = site_characters(outdir)
    for stem in sorted(used_katex_fonts(outdir)):
        source = sources / f"{stem}.woff2"
        if not source.is_file():
            raise ExtensionError(f"site_speed.cut_katex_fonts: {source} is missing")
        cut_font(source, outdir / "_static" / KATEX_FONT_DIR / source.name, characters)


# --- Colour scheme ------------------------------------------------------------
# pydata-sphinx-theme 0.17.1 starts a page with data-theme="auto", which none
# of its colour rules match, and sets "light" or "dark" only when its deferred
# script runs: the page is first drawn without the theme's colours and
# spacing, then moves and fades (a layout shift; a dark-mode reader sees a
# light flash). This inline script, in the head before any of the body is
# drawn, resolves "auto" from the reader's system setting at once, as the
# theme's script later does.

RESOLVE_THEME = (
    'if (document.documentElement.dataset.theme === "auto") '
    "document.documentElement.dataset.theme = "
    'matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";'
)


# --- Scripts ----------------------------------------------------------------


def deferred_scripts(app, pagename, templatename, context, doctree):
    if pagename == "search" or "script_files" not in context:
        return
    context["script_files"] = [
        _JavaScript(
            js.filename, priority=js.priority, **{**js.attributes, "defer": "defer"}
        )
        if js.filename and "async" not in js.attributes
        else js
        for js in context["script_files"]
    ]


# --- Search -----------------------------------------------------------------
# pydata-sphinx-theme 0.17.1 (layout.html, block extrahead) loads these on every
# page but the search page, for search-as-you-type (off unless
# html_theme_options.search_as_you_type is set). A template filter
# (book/_templates/layout.html) drops them.

SEARCH_SCRIPTS = re.compile(
    r'\s*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js'
    r'|searchindex\.js)"></script>'
)


def without_search_scripts(extrahead: str, pagename: str) -> Markup:
    if pagename == "search":
        return Markup(extrahead)
    cleaned, found = SEARCH_SCRIPTS.subn("", str(extrahead))
    if found != 3:
        raise ValueError(
            f"site_speed: {found} of the theme's 3 search scripts found in the head "
            f"of {pagename}: the theme changed; update SEARCH_SCRIPTS"
        )
    return Markup(cleaned)


# --- Bootstrap ---------------------------------------------------------------
# pydata-sphinx-theme 0.17.1 (static/webpack-macros.html) preloads bootstrap.js
# in the head and runs it at the end of the body; a template filter
# (book/_templates/layout.html) drops the preload and runs the site's own
# script in its place, at the same point (before pydata-sphinx-theme.js).

BOOTSTRAP_PRELOAD = re.compile(
    r'\s*<link rel="preload" as="script" href="[^"]*_static/scripts/bootstrap\.js'
    r'\?digest=\w+" />'
)
BOOTSTRAP_SCRIPT = re.compile(r"_static/scripts/bootstrap\.js\?digest=\w+")
THEME_SCRIPT = Path(__file__).parents[1] / "book" / "_static" / "nnbook-theme.js"


def without_bootstrap_js(theme_html: str) -> Markup:
    """The theme's head or end of body without bootstrap.js: its preload
    dropped, its script tag pointed at nnbook-theme.js (a template filter)."""
    text = str(theme_html)
    text, preloads = BOOTSTRAP_PRELOAD.subn("", text)
    digest = hashlib.sha1(THEME_SCRIPT.read_bytes()).hexdigest()[:8]
    text, scripts = BOOTSTRAP_SCRIPT.subn(
        f"_static/{THEME_SCRIPT.name}?v={digest}", text
    )
    if preloads + scripts != 1:
        raise ValueError(
            f"site_speed: {preloads} preloads and {scripts} script tags of "
            "bootstrap.js found where one was expected: the theme changed; "
            "update BOOTSTRAP_PRELOAD and BOOTSTRAP_SCRIPT"
        )
    return Markup(text)


def add_template_filters(app):
    if app.builder.format == "html":
        app.builder.templates.environment.filters["without_bootstrap_js"] = (
            without_bootstrap_js
        )
        if app.config.html_theme_options.get("search_as_you_type"):
            raise ExtensionError(
                "site_speed: search_as_you_type needs the search scripts on every "
                "page; remove without_search_scripts from book/_templates/layout.html"
            )
        app.builder.templates.environment.filters["without_search_scripts"] = (
            without_search_scripts
        )


# --- Icons ------------------------------------------------------------------
# The theme's solid icons come from Font Awesome's 156 kB font: the icons of
# the page templates (`<i class="fa-solid fa-bars">`, whose character the
# theme's stylesheet gives: `.fa-bars:before{content:"\\f0c9"}`) and those its
# stylesheets draw themselves (admonition titles, dropdowns, external links:
# pydata's `--pst-icon-*` variables, sphinx-book-theme's `content:"\\f107"`).
# A character missing from the cut font would make the browser fetch the whole
# font again (the browser check fails on that request).

THEME_CSS = "_static/styles/pydata-sphinx-theme.css"
SOLID_FONT = "_static/vendor/fontawesome/webfonts/fa-solid-900.ttf"
ICONS_FONT = "_static/nnbook-icons.woff"
# `fa-solid`, or its older name `fas` (sphinx-book-theme's full-screen button)
ICON_CLASS = re.compile(r'class="[^"]*\b(?:fa-solid|fas)\b[^"]*"')
ICON_RULE = re.compile(r'(?:(?<=[{}])|^)([^{}]+)\{content:"\\([0-9a-f]+)"\}')
ICON_SELECTOR = re.compile(r"\s*\.(fa-[a-z0-9-]+):{1,2}before\s*")
THEME_ICON = re.compile(r'--pst-icon-[a-z-]+:"(?:\\([0-9a-f]+)|([^"\\]))"')
DRAWN_ICON = re.compile(r'content:\s*"\\(f[0-9a-f]{3})"')
# Classes of the fa- family that change how an icon is drawn, not which.
ICON_MODIFIERS = {"fa-solid", "fas", "fa-lg", "fa-fw", "fa-sm", "fa-xs", "fa-2x"}


def icon_characters(stylesheet: str) -> dict[str, int]:
    """Icon class name -> its character, from the theme's stylesheet."""
    found = {}
    for selectors, code in ICON_RULE.findall(stylesheet):
        for selector in selectors.split(","):
            if m := ICON_SELECTOR.fullmatch(selector):
                found[m[1]] = int(code, 16)
    return found


def drawn_characters(outdir: Path) -> set[int]:
    """The icon characters the site's stylesheets draw by themselves."""
    found = set()
    theme = (outdir / THEME_CSS).read_text(encoding="utf-8")
    for code, char in THEME_ICON.findall(theme):
        found.add(int(code, 16) if code else ord(char))
    for sheet in (outdir / "_static").rglob("*.css"):
        if sheet.name != Path(THEME_CSS).name:
            found.update(int(c, 16) for c in DRAWN_ICON.findall(sheet.read_text()))
    return found


def used_icons(outdir: Path) -> set[str]:
    """The fa- classes of the site's pages."""
    names = set()
    for page in outdir.rglob("*.html"):
        for attr in ICON_CLASS.findall(page.read_text(encoding="utf-8")):
            names.update(re.findall(r"\bfa-[a-z0-9-]+", html.unescape(attr)))
    return names


def cut_icon_rules(stylesheet: Path, used: set[str]) -> None:
    """Drop the theme stylesheet's rules for icons no page uses (978 of them,
    a third of what the stylesheet weighs compressed): the reader's browser
    downloads and matches fewer rules before it first draws the page."""

    def kept(match: re.Match) -> str:
        names = [ICON_SELECTOR.fullmatch(sel) for sel in match[1].split(",")]
        names = [m[1] if m else None for m in names]
        if None in names or used.intersection(names):
            return match[0]
        return ""

    text = stylesheet.read_text(encoding="utf-8")
    with _written(stylesheet) as tmp:
        tmp.write(ICON_RULE.sub(kept, text).encode("utf-8"))


def cut_icon_font(app, exception):
    if exception or app.builder.format != "html":
        return
    from fontTools import subset
    from fontTools.ttLib import TTFont

    outdir = Path(app.outdir)
    characters = icon_characters((outdir / THEME_CSS).read_text(encoding="utf-8"))
    used = used_icons(outdir)
    missing = sorted(used - set(characters) - ICON_MODIFIERS)
    if missing or not used:
        raise ExtensionError(
            f"site_speed.cut_icon_font: icons with no character in {THEME_CSS}: "
            f"{missing or 'none used at all'}; the theme changed how it draws icons"
        )
    cut_icon_rules(outdir / THEME_CSS, used)
    wanted = {characters[n] for n in used if n in characters} | drawn_characters(outdir)
    font = TTFont(outdir / SOLID_FONT, recalcTimestamp=False)
    options = subset.Options()
    options.name_IDs = []  # no names: nothing of the font's metadata is shown
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted))
    subsetter.subset(font)
    # WOFF (zlib): WOFF2 would need brotli, and a few glyphs gain little from it.
    font.flavor = "woff"
    with _written(outdir / ICONS_FONT) as tmp:
        font.save(tmp, reorderTables=True)


# --- Stylesheets -------------------------------------------------------------
# The theme's stylesheets are written for every component a site might use;
# this one uses a few. PurgeCSS (npm, run by _ext/purge_css.mjs) drops the rules
# whose selectors match nothing in the site's pages or in the scripts that add
# classes as the reader clicks: pydata-sphinx-theme's 45 kB (compressed) become
# about 20 kB, fetched before every page's first paint. Sphinx copies the
# stylesheets afresh into the site at every build (they differ from the
# theme's), so each build cuts them from the originals.

UNUSED_CSS_IN = (
    "styles/theme.css",  # Sphinx's basic.css, once inline_imported_css is done
    "styles/pydata-sphinx-theme.css",
    "styles/sphinx-book-theme.css",
    "sphinx-design.min.css",
    "mystnb.*.css",
)
PURGE_SCRIPT = Path(__file__).with_name("purge_css.mjs")


# The theme's theme.css is only `@import "../basic.css"` (Sphinx's basic
# theme): a browser finds that stylesheet only once theme.css has arrived, a
# second round trip before the first paint (on a slow phone link, about
# 0.15 s at the head of Lighthouse's critical chain). Its rules are put in
# theme.css instead, their relative url()s made relative to styles/.
IMPORTING_CSS = "styles/theme.css"
IMPORT = re.compile(r'@import\s+(?:url\()?"\.\./([\w.-]+\.css)"\)?\s*;')
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
RELATIVE_URL = re.compile(r"url\((['\"]?)(?![\w+.-]+:|/|#|data:)([^'\")]+)\1\)")
INLINED = re.compile(r"/\* _static/[\w.-]+\.css, inlined \*/\n")  # its first line


def inline_imported_css(static: Path) -> None:
    """Replace IMPORTING_CSS's one @import by the imported stylesheet."""
    sheet = static / IMPORTING_CSS
    text = sheet.read_text() if sheet.is_file() else ""
    if INLINED.match(text):
        # Sphinx found no page out of date (only the notebooks or the package
        # changed): it wrote no static file, and the site keeps the last
        # build's stylesheet, already inlined.
        return
    imports = IMPORT.findall(text)
    rest = IMPORT.sub("", CSS_COMMENT.sub("", text)).strip()
    if len(imports) != 1 or rest or not (static / imports[0]).is_file():
        raise ExtensionError(
            f"site_speed.inline_imported_css: _static/{IMPORTING_CSS} is no "
            "longer one @import of a stylesheet in _static/; the theme changed: "
            "update or drop this step"
        )
    imported = (static / imports[0]).read_text()
    imported = RELATIVE_URL.sub(r"url(\1../\2\1)", imported)
    with _written(sheet) as tmp:
        tmp.write(f"/* _static/{imports[0]}, inlined */\n{imported}".encode())


# The PurgeCSS run, started once the icons are cut and waited for after the
# KaTeX fonts are: node and fontTools each take about a second, on two cores.
_purging: subprocess.Popen | None = None


def start_cutting_unused_css(app, exception):
    global _purging
    if exception or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    inline_imported_css(static)
    sheets = []
    for pattern in UNUSED_CSS_IN:
        found = sorted(static.glob(pattern))
        if not found:
            raise ExtensionError(
                f"site_speed.cut_unused_css: no _static/{pattern} in the site; "
                "the theme or an extension renamed its stylesheet: update UNUSED_CSS_IN"
            )
        sheets += [str(sheet.relative_to(app.outdir)) for sheet in found]
    _purging = subprocess.Popen(
        ["node", str(PURGE_SCRIPT), str(app.outdir), *sheets],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def cut_unused_css(app, exception):
    """Wait for PurgeCSS; its failure fails the build."""
    global _purging
    if _purging is None:
        return
    process, _purging = _purging, None
    sizes, errors = process.communicate()
    if process.returncode and not exception:
        raise ExtensionError(
            f"site_speed.cut_unused_css: PurgeCSS failed ({process.returncode}); "
            f"is `npm ci` done (make book does it)?\n{errors.strip()}"
        )
    for line in sizes.splitlines():  # "<stylesheet>: <bytes> -> <bytes> bytes"
        logger.info(
            "unused CSS dropped: %s", line.replace(str(app.outdir), "_build/html")
        )


def setup(app):
    app.add_js_file(None, body=RESOLVE_THEME, priority=1)
    app.connect("builder-inited", add_template_filters)
    app.connect("doctree-read", early_webp, priority=600)  # after the image collector
    app.connect("html-page-context", responsive_figures)
    app.connect("html-page-context", deferred_scripts)
    app.connect("html-page-context", preloaded_fonts)
    app.connect(
        "build-finished", written_webp, priority=900
    )  # last: other work overlaps
    app.connect("build-finished", cut_icon_font)  # 500
    app.connect("build-finished", start_cutting_unused_css, priority=550)
    app.connect("build-finished", cut_katex_fonts, priority=600)
    app.connect("build-finished", cut_unused_css, priority=650)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
