"""The one way a book is built: ``python -m booktools.build [--pdf] [BOOK_DIR]``.

`make book`, `make pdf`, the benchmark and the fault-injection tests all use
it. It builds the site (or, with --pdf, the PDF through Jupyter Book's LaTeX
builder) with Sphinx's -W -n --keep-going: a warning, a broken reference or a
failing cell fails the build, after every problem has been reported.

Before Sphinx runs, the pages whose code is not in the execution cache yet are
executed, one per core, each in its own kernel, by jupyter-cache's
``single_nb_execution``: the function myst-nb itself calls when the build
executes a page, with the same settings (_config.yml's execute section). The
results go into the cache as myst-nb stores them, so the serial Sphinx build
that follows finds every page executed. Jupyter Book cannot build in parallel
itself (some extensions are not parallel-safe, and the cache's SQLite
database takes one writer), so only the execution is spread over the cores.

A build whose inputs (site_inputs) are those of the last successful one, with
its output still there, stops before any of this: `make book` twice costs
the second time a digest of the book's files, not a Sphinx start (4 s).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from booktools.book import ROOT, Book, BookError, Page

# One thread per kernel: the pages' tensors are small, so more threads do not
# help, kernels side by side would fight over the cores, and torch's sums over
# several threads can round differently (and change a printed number).
THREADS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# What every page depends on besides its own code: the cache matches a page by
# its code only, so when these change every page runs again.
PAGE_INPUTS = (ROOT / "nnbook", ROOT / "constraints.txt")


def log(message: str) -> None:
    print(f"build: {message}", flush=True)


def cores() -> int:
    """Usable cores (os.sched_getaffinity: nproc without its OMP_NUM_THREADS
    limit, so that one thread per kernel still gives one kernel per core)."""
    return len(os.sched_getaffinity(0))


def digest(paths: list[Path]) -> str:
    files = sorted(
        f
        for path in paths
        for f in ([path] if path.is_file() else path.rglob("*"))
        if f.is_file() and "__pycache__" not in f.parts
    )
    h = hashlib.sha256()
    for f in files:
        h.update(str(f).encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


# The wheel's sources, and a fixed date for the files in it (1980-01-01, the
# earliest a zip can hold): the same sources give a byte-identical wheel on
# every machine, so the student notebooks can pin it by its sha256.
WHEEL_SOURCES = ("pyproject.toml", "nnbook")
WHEEL_DATE = "315532800"


def build_wheel(book: Book) -> Path:
    """Build the nnbook wheel (:attr:`Book.wheel_path`) unless its sources are
    unchanged since the last time."""
    target = book.wheel_path
    stamp = target.with_name(target.name + ".sources")
    sources = digest([ROOT / name for name in WHEEL_SOURCES])
    if target.is_file() and stamp.is_file() and stamp.read_text() == sources:
        return target
    log(f"building {target.name}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # From a copy: pip builds in the source folder, and would leave
        # build/ and nnbook.egg-info/ in the checkout.
        source = Path(tmp) / "source"
        source.mkdir()
        for name in WHEEL_SOURCES:
            if (ROOT / name).is_dir():
                shutil.copytree(
                    ROOT / name,
                    source / name,
                    ignore=shutil.ignore_patterns("__pycache__"),
                )
            else:
                shutil.copy(ROOT / name, source / name)
        for f in source.rglob("*"):  # modes as a git checkout has them
            f.chmod(0o755 if f.is_dir() else 0o644)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "-q",
                "-w",
                Path(tmp) / "out",
                source,
            ],
            env={**os.environ, "SOURCE_DATE_EPOCH": WHEEL_DATE},
            check=True,
        )
        os.replace(Path(tmp) / "out" / target.name, target)
    stamp.write_text(sources)
    return target


def drop_stale_cache(book: Book, inputs: list[Path]) -> None:
    """Drop the cache and Sphinx's saved environment when the page inputs
    changed since the cache was started; record the inputs of the new one."""
    stamp = book.cache_dir / "page-inputs.sha256"
    now = digest(inputs)
    if stamp.is_file() and stamp.read_text().strip() == now:
        return
    if book.cache_dir.is_dir():
        log(
            f"{', '.join(map(str, inputs))} changed since the last build: "
            "re-executing every page"
        )
        shutil.rmtree(book.cache_dir)
        shutil.rmtree(book.doctrees_dir, ignore_errors=True)
    book.cache_dir.mkdir(parents=True)
    stamp.write_text(now + "\n")


def structure_changed(book: Book, builder: str) -> tuple[bool, Path, str]:
    """Whether _toc.yml, the local extension or a static file (the book's
    CSS) changed since this builder's last build: Sphinx rewrites only pages
    whose source changed, so a page added to the TOC would leave stale
    navigation on every other page, and with no page to write it does not
    copy the static files either."""
    stamp = book.build_dir / f".toc-{builder}.sha256"
    static = book.config.get("sphinx", {}).get("config", {}).get("html_static_path", [])
    static_files = [
        f for d in static for f in (book.root / d).rglob("*") if f.is_file()
    ]
    now = digest(
        [
            book.root / "_toc.yml",
            *sorted((book.root / "_ext").glob("*.py")),
            *sorted(static_files),
        ]
    )
    changed = stamp.is_file() and stamp.read_text().strip() != now
    return changed, stamp, now


# Folders under the book that are not its inputs: outputs, environments,
# downloaded tools (their lock files, which are inputs, are outside them).
NOT_INPUTS = {
    "_build",
    ".git",
    ".venv",
    ".venv-latest",
    "node_modules",
    "_vendor",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "build",
}


def site_inputs(book: Book, inputs: list[Path]) -> str:
    """A digest of everything a build is made from: the book's files, the
    page inputs, the build's own code and extensions, and the installed
    packages (their names carry their versions)."""
    files: list[Path] = list(inputs)
    for top in {book.root, ROOT / "booktools", ROOT / "_ext"}:
        for folder, subfolders, names in os.walk(top):
            subfolders[:] = sorted(d for d in subfolders if d not in NOT_INPUTS)
            files += [Path(folder, name) for name in names]
    h = hashlib.sha256(digest(files).encode())
    for folder in sorted({Path(p) for p in sys.path if p.endswith("site-packages")}):
        if folder.is_dir():
            h.update("\0".join(sorted(os.listdir(folder))).encode())
    return h.hexdigest()


def unchanged_since_last_build(
    book: Book, builder: str, inputs: list[Path]
) -> tuple[bool, Path, str]:
    """Whether nothing a build is made from changed since this builder's last
    successful build, whose output is still there; and the stamp to write
    after a successful build."""
    stamp = book.build_dir / f".inputs-{builder}.sha256"
    now = site_inputs(book, inputs)
    try:
        output = book.html_dir / "index.html" if builder == "html" else book.pdf_path
    except BookError:  # no PDF yet
        return False, stamp, now
    same = stamp.is_file() and stamp.read_text().strip() == now and output.is_file()
    return same, stamp, now


def known_seconds() -> dict[str, float]:
    """Each page's execution time as `make bench` last measured it."""
    results = ROOT / "bench" / "results.json"
    if not results.is_file():
        return {}
    return json.loads(results.read_text()).get("page_execution_s", {})


KERNEL_DIED = "Kernel died before replying to kernel_info"


def execute(path: str, notebook_json: str, timeout: int, allow_errors: bool):
    """Run one page in a fresh kernel, in its folder, as myst-nb does."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.reads(notebook_json, as_version=4)
    for attempt in (1, 2):
        try:
            result = single_nb_execution(
                nb,
                cwd=str(Path(path).parent),
                timeout=timeout,
                allow_errors=allow_errors,
                meta_override=True,
            )
            break
        except RuntimeError as error:
            # Two kernels started at once can be given the same free TCP port
            # (jupyter_client picks ports by binding and releasing them), and
            # one dies before it answers: "Address already in use", once in
            # CI (2026-11-29). A second start takes new ports.
            if attempt == 2 or KERNEL_DIED not in str(error):
                raise
    if result.err is not None:
        return None, result.time
    return nbformat.writes(result.nb), result.time


def execute_pages(book: Book, jobs: int) -> None:
    """Execute, ``jobs`` at a time, the notebook pages the cache lacks; store
    them in the cache. A page that fails is left to the build, which runs it
    again and reports the error in its usual way, naming page and cell."""
    import nbformat
    from jupyter_cache.base import CacheBundleIn

    todo: list[Page] = [p for p in book.notebook_pages() if not book.is_cached(p)]
    if not todo:
        log("every page is in the execution cache")
        return
    # Slowest first, so that no core is left running a long page alone at the
    # end; pages not measured yet count as slowest.
    seconds = known_seconds()
    todo.sort(key=lambda page: -seconds.get(page.path.name, math.inf))
    settings = book.config.get("execute", {})
    log(f"executing {len(todo)} pages, {jobs} at a time")
    cache = book.cache()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {
            pool.submit(
                execute,
                str(page.path),
                nbformat.writes(page.notebook()),
                settings.get("timeout", 30),
                settings.get("allow_errors", False),
            ): page
            for page in todo
        }
        for n, future in enumerate(as_completed(futures), start=1):
            page = futures[future]
            text, seconds = future.result()
            if text is None:
                log(f"[{n}/{len(todo)}] {page}: failed; left to the build")
                continue
            cache.cache_notebook_bundle(
                CacheBundleIn(
                    nbformat.reads(text, as_version=4),
                    str(page.path),
                    data={"execution_seconds": seconds},
                ),
                check_validity=False,
                overwrite=True,
            )
            log(f"[{n}/{len(todo)}] {page}: {seconds:.1f} s")


def publish(book: Book, builder: str) -> None:
    """Put in the site what the build's output goes with."""
    if builder == "html":
        # The package the student notebooks install, published with the site.
        wheels = book.html_dir / "wheels"
        wheels.mkdir(exist_ok=True)
        shutil.copy(build_wheel(book), wheels / book.wheel_path.name)
    else:
        # The site links to the PDF edition: serve it too.
        book.html_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(book.pdf_path, book.html_dir / book.pdf_path.name)
        log(f"the PDF: {book.pdf_path} (also in the site)")


def build(book: Book, builder: str, jobs: int, inputs: list[Path]) -> int:
    unchanged, inputs_stamp, inputs_digest = unchanged_since_last_build(
        book, builder, inputs
    )
    if unchanged:
        what = "site" if builder == "html" else "PDF"
        log(f"nothing changed since the last build: the {what} is up to date")
        publish(book, builder)
        return 0
    inputs_stamp.unlink(missing_ok=True)
    drop_stale_cache(book, inputs)
    rewrite_all, toc_stamp, toc_digest = structure_changed(book, builder)
    if rewrite_all:
        log(
            "_toc.yml, _ext/ or a static file changed since the last build: "
            "rewriting every page"
        )
    os.environ.update(THREADS)
    if jobs > 1:
        execute_pages(book, jobs)
    command = [
        Path(sys.executable).parent / "jupyter-book",
        "build",
        ".",
        "--builder",
        builder,
        "-W",
        "-n",
        "--keep-going",
        *(["--all"] if rewrite_all else []),
    ]
    # In the book's folder: _config.yml's relative paths are taken from there.
    # The book's extension (_ext) asks booktools what each page teaches.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    status = subprocess.run(command, cwd=book.root, env=env).returncode
    if status == 0:
        toc_stamp.write_text(toc_digest + "\n")
        publish(book, builder)
        inputs_stamp.write_text(inputs_digest + "\n")
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", nargs="?", default=ROOT, type=Path)
    parser.add_argument("--pdf", action="store_true", help="build the PDF instead")
    parser.add_argument(
        "--jobs",
        type=int,
        default=int(os.environ.get("BUILD_JOBS") or cores()),
        help="pages executed at once before the build (default: BUILD_JOBS or "
        "the number of cores; 1: the build executes them itself, in turn)",
    )
    parser.add_argument(
        "--page-inputs",
        nargs="+",
        type=Path,
        default=list(PAGE_INPUTS),
        help="files and folders every page depends on (default: nnbook/ and "
        "constraints.txt): when they change, every page runs again",
    )
    args = parser.parse_args()
    book = Book(args.book.resolve())
    return build(book, "pdflatex" if args.pdf else "html", args.jobs, args.page_inputs)


if __name__ == "__main__":
    sys.exit(main())
