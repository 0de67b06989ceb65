"""The site's link check (booktools.links, `make links`) on a small site: it
passes when every link and anchor resolves and names each one that does not,
whether relative, root-relative under the site's path (the 404 page's), or an
absolute link to the site's own published address."""

from pathlib import Path

import pytest

from booktools.book import BookError
from booktools.links import check

SITE_URL = "https://example.github.io/book/"


def write_site(root: Path, links: str) -> Path:
    html = root / "html"
    (html / "book").mkdir(parents=True)
    (html / "index.html").write_text('<a href="book/a.html">A</a>')
    (html / "book" / "a.html").write_text(f'<h1 id="top">A</h1>{links}')
    (html / "book" / "b.html").write_text('<h2 id="there">B</h2>')
    # The theme's Jinja templates under _static are not pages.
    (html / "_static").mkdir()
    (html / "_static" / "macros.html").write_text("<a href=\"{{ pathto('x') }}\">")
    return html


def run(html: Path, capfd) -> tuple[int, str]:
    code = check(html, SITE_URL).returncode
    return code, capfd.readouterr().out


GOOD = (
    '<a href="b.html#there">b</a><a href="#top">top</a>'
    '<a href="/book/book/b.html">root-relative</a>'
    f'<a href="{SITE_URL}book/b.html#there">published</a>'
)


def test_a_site_whose_links_resolve_passes(tmp_path, capfd):
    code, out = run(write_site(tmp_path, GOOD), capfd)
    assert code == 0, out


@pytest.mark.parametrize(
    "broken",
    [
        '<a href="b.html#not-there">a missing anchor</a>',
        '<a href="c.html">a missing page</a>',
        '<a href="/book/book/c.html">a root-relative link to no file</a>',
        f'<a href="{SITE_URL}book/b.html#gone">the published address</a>',
    ],
)
def test_each_broken_link_fails_the_check_and_is_named(tmp_path, capfd, broken):
    code, out = run(write_site(tmp_path, GOOD + broken), capfd)
    assert code != 0
    target = broken.split('"')[1].replace(SITE_URL, "").split("/")[-1]
    assert target in out, out
    assert out.count("[ERROR]") == 1, out


def test_a_missing_site_is_named(tmp_path):
    with pytest.raises(BookError, match="run `make book` first"):
        check(tmp_path / "html", SITE_URL)
