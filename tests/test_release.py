"""booktools.release: a tag that is not the package's version stops the
release with what to do, and the release's zips come out byte-identical from
the same files."""

import zipfile

import pytest

from booktools.book import BookError
from booktools.release import check_tag, version, zip_tree


def test_the_tag_must_name_the_package_version():
    check_tag(f"v{version()}")
    with pytest.raises(BookError, match="the version in pyproject.toml"):
        check_tag("v999.0.0")
    with pytest.raises(BookError):
        check_tag(version())  # without the v


def test_a_zip_is_the_same_bytes_from_the_same_files(tmp_path):
    folder = tmp_path / "site"
    (folder / "book").mkdir(parents=True)
    (folder / "index.html").write_text("home")
    (folder / "book" / "a.html").write_text("a")
    (folder / ".buildinfo").write_text("config hash")
    zip_tree(folder, tmp_path / "one.zip", "site")
    (folder / "index.html").touch()  # a later file date changes nothing
    zip_tree(folder, tmp_path / "two.zip", "site")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    names = zipfile.ZipFile(tmp_path / "one.zip").namelist()
    assert names == ["site/book/a.html", "site/index.html"]
