"""A release's files: ``python -m booktools.release vX.Y.Z`` (`make release TAG=…`).

A release is a citable snapshot of one tested commit. The live site and the
student notebooks' install source stay on main (README, "Publishing"); a
release adds, under a version tag, the files a reader or a course can keep:
the nnbook wheel the notebooks pin (its sha256 in the notes), the PDF, the
student notebooks and the whole site, zipped. It reads them from the build
(`make test` first), so what is released is what was tested, and writes them
to ``_build/release/files/`` with ``SHA256SUMS`` and the release notes
``_build/release/NOTES.md``, which the release workflow uploads.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from booktools.book import ROOT, Book, BookError

# The site's zip entries dated like the wheel (SOURCE_DATE_EPOCH of
# booktools.build) and the notebooks' zip, so the same build zips to the same
# bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def check_tag(tag: str) -> None:
    """The tag must name the package's version: ``v`` + pyproject's version."""
    if tag != f"v{version()}":
        raise BookError(
            f"tag {tag!r} is not v{version()}, the version in pyproject.toml: "
            f"set the version to the tag's, run `make notebooks`, commit, and "
            f"tag that commit"
        )


def zip_tree(folder: Path, target: Path, prefix: str) -> None:
    """``folder``'s files into ``target`` under ``prefix/``, sorted and dated."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != ".buildinfo":
                name = f"{prefix}/{path.relative_to(folder)}"
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def commit() -> str:
    if os.environ.get("GITHUB_SHA"):
        return os.environ["GITHUB_SHA"]
    result = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return result.stdout.strip() or "(not a git checkout)"


def release(book: Book, tag: str) -> Path:
    """Write the release's files for ``tag``; returns ``_build/release``."""
    check_tag(tag)
    wheel, pdf = book.wheel_path, book.html_dir / book.pdf_path.name
    # The site's own zip of the notebooks (_ext/nnbook_features.py), as tested.
    notebooks = book.html_dir / "notebooks" / "nnbook-notebooks.zip"
    for needed, how in [
        (wheel, "make book"),
        (notebooks, "make book"),
        (pdf, "make pdf"),
    ]:
        if not needed.is_file():
            raise BookError(f"{needed} is missing: run `{how}` (or `make test`)")
    out = book.build_dir / "release"
    shutil.rmtree(out, ignore_errors=True)
    files = out / "files"
    files.mkdir(parents=True)
    shutil.copy2(wheel, files / wheel.name)
    shutil.copy2(pdf, files / f"nnbook-{tag}.pdf")
    zip_tree(
        notebooks, files / f"nnbook-notebooks-{tag}.zip", f"nnbook-notebooks-{tag}"
    )
    zip_tree(book.html_dir, files / f"nnbook-site-{tag}.zip", f"nnbook-site-{tag}")
    sums = [f"{sha256(p)}  {p.name}" for p in sorted(files.iterdir())]
    (files / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    (out / "NOTES.md").write_text(
        f"The book and its package as of commit {commit()}, tested by `make test`.\n\n"
        f"- `{wheel.name}`: the `nnbook` package; sha256 `{sha256(wheel)}`, the "
        f"hash the student notebooks of this commit pin.\n"
        f"- `nnbook-{tag}.pdf`: the PDF edition.\n"
        f"- `nnbook-notebooks-{tag}.zip`: the student notebooks.\n"
        f"- `nnbook-site-{tag}.zip`: the whole site, to read offline "
        f"(open `index.html`).\n"
        f"- `SHA256SUMS`: every file's sha256.\n\n"
        f"The live site and the notebooks opened from it follow main: "
        f"{book.site_url}\n"
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tag", help="the version tag, v + pyproject.toml's version")
    args = parser.parse_args(argv)
    try:
        out = release(Book(), args.tag)
    except BookError as error:
        print(f"release: {error}", file=sys.stderr)
        return 1
    for path in sorted((out / "files").iterdir()):
        print(f"{path.stat().st_size:>12,d}  {path.relative_to(ROOT)}")
    print(f"Release notes: {(out / 'NOTES.md').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
