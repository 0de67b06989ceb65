"""Execute the book's pages in parallel into the build's execution cache.

The Sphinx build executes pages one after the other, and Jupyter Book cannot
build in parallel (some of its extensions are not parallel-safe, and the
cache's SQLite database does not take concurrent writers). But the build
only executes a page whose code is not in the cache yet. This script runs
those pages first, N at a time, each in its own kernel, and stores the
results in the cache from this one process, exactly as the build would;
the build that follows then finds every page executed. Settings (cache
folder, cell timeout, errors) are read from _config.yml.

Usage: python scripts/execute_pages.py [--jobs N] [BOOK_DIR]
"""

import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import jupytext
import nbformat
import yaml
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def toc_pages(book: Path) -> list[Path]:
    toc = yaml.safe_load((book / "_toc.yml").read_text())
    files = (
        [toc["root"]]
        + [c["file"] for part in toc.get("parts", []) for c in part["chapters"]]
        + [c["file"] for c in toc.get("chapters", [])]
    )
    pages = [book / f"{f}.md" for f in files]
    return [p for p in pages if "kernelspec:" in p.read_text().split("\n---\n", 1)[0]]


def known_seconds(book: Path) -> dict[str, float]:
    """Each page's execution time as `make bench` last measured it (file name ->
    seconds). The slowest pages start first, so that no core is left running a
    long page alone at the end; pages not measured yet count as slowest."""
    results = book / "bench" / "results.json"
    if not results.is_file():
        return {}
    return json.loads(results.read_text()).get("page_execution_s", {})


def execute(page: Path, timeout: int, allow_errors: bool) -> tuple[str, float, str]:
    """Run one page in a fresh kernel, in its own folder, as the build does."""
    nb = jupytext.read(page)
    # The cache finds a page by its code and kernelspec; the kernel rewrites
    # the latter while it runs (display name), so keep the page's own.
    kernelspec = dict(nb.metadata["kernelspec"])
    start = time.perf_counter()
    try:
        NotebookClient(
            nb,
            timeout=timeout,
            allow_errors=allow_errors,
            record_timing=False,  # timings in the metadata would change its hash
            resources={"metadata": {"path": str(page.parent)}},
        ).execute()
    except CellExecutionError as err:
        return "", time.perf_counter() - start, str(err)
    seconds = time.perf_counter() - start
    nb.metadata["kernelspec"] = kernelspec
    return nbformat.writes(nb), seconds, ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", nargs="?", default=".", type=Path)
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="pages executed at once (default: the number of cores)",
    )
    args = parser.parse_args()
    book = args.book.resolve()
    config = yaml.safe_load((book / "_config.yml").read_text()).get("execute", {})
    cache = get_cache(book / config.get("cache", "_build/.jupyter_cache"))

    todo = []
    for page in toc_pages(book):
        try:
            cache.match_cache_notebook(jupytext.read(page))
        except KeyError:
            todo.append(page)
    if not todo:
        print("execute_pages: every page is in the cache")
        return 0
    seconds = known_seconds(book)
    todo.sort(key=lambda page: -seconds.get(page.name, math.inf))
    print(f"execute_pages: executing {len(todo)} pages, {args.jobs} at a time")
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = {
            pool.submit(
                execute,
                page,
                config.get("timeout", 120),
                config.get("allow_errors", False),
            ): page
            for page in todo
        }
        for done, future in enumerate(as_completed(futures), start=1):
            page = futures[future]
            text, seconds, error = future.result()
            if error:
                # Not cached: the build runs the page again and reports the
                # error in its usual way, naming the page and the cell.
                print(
                    f"  [{done}/{len(todo)}] {page.relative_to(book)}: failed; "
                    "left to the build"
                )
                continue
            cache.cache_notebook_bundle(
                CacheBundleIn(
                    nbformat.reads(text, as_version=4),
                    str(page),
                    data={"execution_seconds": seconds},
                ),
                check_validity=False,
                overwrite=True,
            )
            print(f"  [{done}/{len(todo)}] {page.relative_to(book)}: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
