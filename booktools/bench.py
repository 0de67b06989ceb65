"""`make bench`: measure the build and the tests, write bench/results.json and
bench/results.md.

Every figure is the median of several runs on this machine; the serial and
parallel clean builds are measured in the same run, alternating, and their
sites are compared file by file.

The site as a reader's browser gets it is measured by Lighthouse, every
page (booktools/lighthouse.py), into the same files.

Usage: python -m booktools.bench [--runs N] [--test-runs N] [--skip-test]
                                 [--site-only] [--site-runs N]
"""

import argparse
import dataclasses
import json
import shutil
import statistics
import subprocess
import sys
import time

from booktools import lighthouse
from booktools.book import ROOT, Book, differing_files, site_files
from booktools.build import cores

BOOK = Book(ROOT)
BUILD = BOOK.build_dir
EDIT_PAGE = BOOK.page("batches").path


def log(message: str) -> None:
    print(f"bench: {message}", flush=True)


def build(jobs: int) -> tuple[float, list[str]]:
    """One build; its wall time and the pages it executed (the cache records
    that are new or renewed)."""
    before = BOOK.execution_records()
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "booktools.build", "--jobs", str(jobs), ROOT],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if result.returncode:
        sys.exit(f"the build failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    after = BOOK.execution_records()
    executed = [page for page, record in after.items() if before.get(page) != record]
    return seconds, sorted(executed)


def clean() -> None:
    for name in ("html", "jupyter_execute", ".doctrees", ".jupyter_cache"):
        shutil.rmtree(BUILD / name, ignore_errors=True)


def site_digests() -> dict[str, str]:
    return site_files(BOOK.html_dir)


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def clean_builds(runs: int) -> dict:
    times = {"serial": [], "parallel": []}
    page_runs = {"serial": [], "parallel": []}
    sites = []
    for run in range(runs):
        for mode, jobs in (("serial", 1), ("parallel", cores())):
            clean()
            seconds, executed = build(jobs)
            everything = sorted(page.name for page in BOOK.notebook_pages())
            assert executed == everything, f"a clean build executed only {executed}"
            times[mode].append(round(seconds, 2))
            page_runs[mode].append(page_times())
            sites.append(site_digests())
            if differing := differing_files(sites):
                log(f"sites differ so far in: {', '.join(differing[:10])}")
            log(f"clean build {run + 1}/{runs}, {mode}: {seconds:.1f} s")
    differing = differing_files(sites)
    return {
        "serial_s": median(times["serial"]),
        "parallel_s": median(times["parallel"]),
        "speedup": round(median(times["serial"]) / median(times["parallel"]), 2),
        "runs": times,
        "identical_sites": not differing,
        "differing_files": differing,
        "site": sites[-1],
        # Per page, the median over the clean builds: serial, one kernel at a
        # time; parallel, one kernel per core side by side.
        "page_s": {mode: page_medians(page_runs[mode]) for mode in page_runs},
    }


def page_medians(runs: list[dict[str, float]]) -> dict[str, float]:
    pages = {page: median([run[page] for run in runs]) for page in runs[0]}
    return dict(sorted(pages.items(), key=lambda kv: -kv[1]))


def no_change(runs: int) -> dict:
    times = []
    for _ in range(runs):
        seconds, executed = build(2)
        assert not executed, f"a no-change rebuild executed {executed}"
        times.append(round(seconds, 2))
    return {"median_s": median(times), "runs": times}


def edited(runs: int, code: bool) -> dict:
    """Rebuild after editing one code cell (or only prose) of one page."""
    original = EDIT_PAGE.read_text()
    times = []
    try:
        for run in range(runs):
            if code:  # a new comment in the page's first code cell
                text = original.replace(
                    "import matplotlib.pyplot as plt\n",
                    f"import matplotlib.pyplot as plt  # {run}\n",
                    1,
                )
            else:
                text = original.replace(
                    "## Check yourself",
                    f"A sentence added for a benchmark ({run}).\n\n## Check yourself",
                    1,
                )
            assert text != original
            EDIT_PAGE.write_text(text)
            seconds, executed = build(2)
            expected = ["batches"] if code else []
            assert executed == expected, f"executed {executed}, expected {expected}"
            times.append(round(seconds, 2))
    finally:
        EDIT_PAGE.write_text(original)
        build(2)
    return {
        "median_s": median(times),
        "runs": times,
        "re_executed": "batches" if code else None,
    }


def page_times() -> dict:
    times = {
        page: round(secs, 2) for page, (_, secs) in BOOK.execution_records().items()
    }
    return dict(sorted(times.items(), key=lambda kv: -kv[1]))


def test_phases(runs: int) -> dict:
    """`make test`, runs times: each phase's median, and every run's times.
    The first run may build the PDF; the later ones find it up to date."""
    times_file = BUILD / "times.txt"
    all_runs = []
    for run in range(runs):
        result = subprocess.run(
            ["make", "--no-print-directory", "test"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            sys.exit(
                f"make test failed:\n{result.stdout[-5000:]}{result.stderr[-3000:]}"
            )
        phases = {
            phase: float(seconds)
            for phase, seconds in (
                line.split() for line in times_file.read_text().splitlines()
            )
        }
        all_runs.append(phases)
        log(f"make test {run + 1}/{runs}: {sum(phases.values()):.0f} s")
    return {
        "median_s": {p: median([r[p] for r in all_runs]) for p in all_runs[0]},
        "runs": all_runs,
    }


def heaviest_page(site: dict) -> tuple[str, float]:
    """The page whose reader transfers the most, from Lighthouse's figures."""
    kib = {page: p["mobile"]["kib"] for page, p in site["pages"].items()}
    heaviest = max(kib, key=kib.get)
    return heaviest, kib[heaviest]


def site(runs: int) -> dict:
    """Lighthouse on every page of the site as it is built now."""
    log(f"Lighthouse, every page, mobile and desktop, {runs} runs each")
    return lighthouse.measure([page.docname for page in BOOK.pages()], runs)


def write(results: dict) -> None:
    out = ROOT / "bench"
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    c, budgets = results["clean_build"], results["budgets"]
    lines = [
        "# Benchmark results",
        "",
        f"Measured by `make bench` on {results['machine']}, {results['date']}; "
        f"medians of {results['runs']} runs.",
        "",
        "| what | result |",
        "|---|---|",
        f"| clean build, serial | {c['serial_s']} s |",
        f"| clean build, parallel ({results['cores']} kernels) | {c['parallel_s']} s "
        f"({c['speedup']}x; sites identical: {c['identical_sites']}) |",
        f"| no-change rebuild | {results['no_change_rebuild']['median_s']} s |",
        f"| rebuild after editing one code cell | "
        f"{results['code_edit_rebuild']['median_s']} s (only that page re-executed) |",
        f"| rebuild after a prose-only edit | "
        f"{results['prose_edit_rebuild']['median_s']} s (nothing re-executed) |",
        f"| site rebuilt after the edits were undone | identical to the clean "
        f"build's: {results['rebuilt_site_identical']} |",
        f"| slowest page to execute | {max(results['page_execution_s'].values())} s |",
    ]
    if results.get("site"):
        page, kib = heaviest_page(results["site"])
        lines.append(
            f"| heaviest page, transferred (Lighthouse, mobile) "
            f"| {page}: {kib:.0f} KiB |"
        )
    if results.get("make_test"):
        medians = results["make_test"]["median_s"]
        phases = ", ".join(f"{k} {v} s" for k, v in medians.items())
        lines.append(
            f"| `make test` phases (medians of {len(results['make_test']['runs'])}) "
            f"| {phases} (total {sum(medians.values()):.0f} s) |"
        )
    lines += ["", "| budget | target | measured | met |", "|---|---|---|---|"]
    lines += [
        f"| {b['what']} | {b['target']} | {b['measured']} | {b['met']} |"
        for b in budgets
    ]
    page_s = results["clean_build"]["page_s"]
    lines += [
        "",
        "Page execution, each page's median over the serial clean builds (s): "
        + ", ".join(f"{k} {v}" for k, v in page_s["serial"].items()),
        "",
        f"The same over the parallel clean builds, {results['cores']} kernels side "
        "by side (s): " + ", ".join(f"{k} {v}" for k, v in page_s["parallel"].items()),
        "",
    ]
    if results.get("site"):
        lines += lighthouse.table(results["site"])
    (out / "results.md").write_text("\n".join(lines))


@dataclasses.dataclass
class Budget:
    what: str
    target: str
    measured: str
    met: bool


def budgets(results: dict) -> list[Budget]:
    c = results["clean_build"]
    rebuild = results["no_change_rebuild"]["median_s"]
    slowest = max(results["page_execution_s"].values())
    found = [
        Budget(
            "parallel clean build vs serial",
            ">= 1.8x",
            f"{c['speedup']}x",
            c["speedup"] >= 1.8,
        ),
        Budget("no-change rebuild", "<= 3 s", f"{rebuild} s", rebuild <= 3),
        Budget("slowest page execution", "<= 15 s", f"{slowest} s", slowest <= 15),
    ]
    if results.get("make_test"):
        after_install = [
            sum(v for k, v in run.items() if k != "install")
            for run in results["make_test"]["runs"]
        ]
        runs = ", ".join(f"{t:.0f}" for t in after_install)
        found.append(
            Budget(
                "make test after installation",
                "<= 300 s",
                f"{median(after_install):.0f} s (runs: {runs})",
                median(after_install) <= 300,
            )
        )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--test-runs", type=int, default=3, help="runs of make test (default 3)"
    )
    parser.add_argument(
        "--skip-test",
        action="store_true",
        help="do not run make test for its phase times",
    )
    parser.add_argument(
        "--site-runs", type=int, default=3, help="Lighthouse runs per page (default 3)"
    )
    parser.add_argument(
        "--skip-site",
        action="store_true",
        help="no Lighthouse: keep the last results' (dated in results.md)",
    )
    parser.add_argument(
        "--site-only",
        action="store_true",
        help="only Lighthouse on the built site, kept beside the last results",
    )
    args = parser.parse_args()
    if args.site_only:
        results = json.loads((ROOT / "bench" / "results.json").read_text())
        results["site"] = site(args.site_runs)
        write(results)
        print("\n".join(lighthouse.table(results["site"])))
        return 0
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{cores()} cores",
        "cores": cores(),
        "runs": args.runs,
    }
    log("clean builds, serial and parallel, alternating")
    results["clean_build"] = clean_builds(args.runs)
    log("no-change rebuilds")
    results["no_change_rebuild"] = no_change(max(args.runs, 5))
    log("rebuilds after a code edit")
    results["code_edit_rebuild"] = edited(args.runs, code=True)
    log("rebuilds after a prose edit")
    results["prose_edit_rebuild"] = edited(args.runs, code=False)
    # Edited and restored, the page must come out as the clean build made it.
    rebuilt = differing_files([results["clean_build"].pop("site"), site_digests()])
    results["rebuilt_site_identical"] = not rebuilt
    results["rebuilt_differing_files"] = rebuilt
    if rebuilt:
        log(f"after the edits were undone, the site differs in: {', '.join(rebuilt)}")
    # Read by booktools/build.py, which starts the slowest pages first.
    results["page_execution_s"] = results["clean_build"]["page_s"]["serial"]
    if not args.skip_test:
        log("make test, phase by phase")
        results["make_test"] = test_phases(args.test_runs)
    if args.skip_site:
        last = ROOT / "bench" / "results.json"
        results["site"] = (
            json.loads(last.read_text()).get("site") if last.is_file() else None
        )
    else:
        results["site"] = site(args.site_runs)
    results["budgets"] = [dataclasses.asdict(b) for b in budgets(results)]
    write(results)
    log("wrote bench/results.json and bench/results.md")
    print((ROOT / "bench" / "results.md").read_text())
    c = results["clean_build"]
    return 0 if c["identical_sites"] and results["rebuilt_site_identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
