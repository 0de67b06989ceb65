"""The site as a reader's browser gets it: Lighthouse 12 on every page, part
of `make bench`.

Lighthouse (npm, pinned in bench/lighthouse/package.json, installed by
`make bench` only) drives Debian's Chromium against the built site served on
loopback with text gzip-compressed, as a host serves it (book.served). Each
page is measured with the mobile preset (a mid-range phone on slow 4G, CPU
slowed 4x, simulated) and the desktop preset, several times; each figure is
the median of the runs.

Usage: python -m booktools.lighthouse [--runs N] [--site DIR] [PAGE ...]
(make bench runs it; `make bench BENCH_ARGS=--site-only` runs only this.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from booktools.book import ROOT, Book, served
from booktools.browser import CHROMIUM, CHROMIUM_ARGS

BOOK = Book(ROOT)
LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
PRESETS = ("mobile", "desktop")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# Lighthouse audit -> (our name, unit conversion)
METRICS = {
    "largest-contentful-paint": ("lcp_s", 1e-3),
    "first-contentful-paint": ("fcp_s", 1e-3),
    "total-blocking-time": ("tbt_ms", 1),
    "cumulative-layout-shift": ("cls", 1),
    "total-byte-weight": ("kib", 1 / 1024),
}
# Issue 15's targets, every page: (preset, measure, comparison, bound).
TARGETS = [
    ("mobile", "performance", ">=", 95),
    ("desktop", "performance", ">=", 100),
    *[(p, c, ">=", 100) for p in PRESETS for c in CATEGORIES[1:]],
    ("mobile", "lcp_s", "<=", 2.0),
    ("mobile", "tbt_ms", "<=", 50),
    ("mobile", "kib", "<=", 500),
    ("mobile", "cls", "<=", 0),
]


def log(message: str) -> None:
    print(f"lighthouse: {message}", flush=True)


def run_once(url: str, preset: str) -> dict[str, float]:
    """One Lighthouse run of one page: its four category scores (0-100) and
    the metrics above."""
    if not LIGHTHOUSE.is_file():
        sys.exit(f"{LIGHTHOUSE} is missing: run `make bench` (it installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=" + " ".join(["--headless=new", *CHROMIUM_ARGS]),
        ]
        if preset == "desktop":
            command.append("--preset=desktop")
        env = {**os.environ, "CHROME_PATH": CHROMIUM}
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode or not report.is_file():
            sys.exit(f"Lighthouse failed on {url}:\n{result.stderr[-3000:]}")
        data = json.loads(report.read_text())
    if data.get("runtimeError"):
        sys.exit(f"Lighthouse could not measure {url}: {data['runtimeError']}")
    scores = {
        name: round(100 * data["categories"][name]["score"]) for name in CATEGORIES
    }
    for audit, (name, scale) in METRICS.items():
        scores[name] = data["audits"][audit]["numericValue"] * scale
    return scores


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    digits = {"lcp_s": 2, "fcp_s": 2, "cls": 3}
    return {
        key: round(statistics.median(run[key] for run in runs), digits.get(key, 0))
        for key in runs[0]
    }


def measure(pages: list[str], runs: int, site: Path = BOOK.html_dir) -> dict:
    """Every page, both presets, `runs` times; the medians, and every target
    each page misses."""
    results: dict[str, dict] = {}
    with served(site) as base:
        for number, page in enumerate(pages, 1):
            results[page] = {}
            for preset in PRESETS:
                found = [run_once(f"{base}/{page}.html", preset) for _ in range(runs)]
                results[page][preset] = medians(found)
            m, d = results[page]["mobile"], results[page]["desktop"]
            log(
                f"{number}/{len(pages)} {page}: mobile {m['performance']} "
                f"(LCP {m['lcp_s']} s, TBT {m['tbt_ms']:.0f} ms, {m['kib']:.0f} KiB), "
                f"desktop {d['performance']}"
            )
    return {
        "lighthouse": json.loads(
            (LIGHTHOUSE.parents[1] / "lighthouse" / "package.json").read_text()
        )["version"],
        "date": time.strftime("%Y-%m-%d"),
        "runs": runs,
        "pages": results,
        "missed": missed(results),
    }


def missed(results: dict) -> list[str]:
    found = []
    for page, presets in results.items():
        for preset, measure_, comparison, bound in TARGETS:
            value = presets[preset][measure_]
            ok = value >= bound if comparison == ">=" else value <= bound
            if not ok:
                found.append(
                    f"{page} {preset} {measure_} {value} ({comparison} {bound})"
                )
    return found


def table(site: dict) -> list[str]:
    """bench/results.md's section on the site."""
    lines = [
        f"## The site in Lighthouse {site['lighthouse']} ({site['date']}, medians of "
        f"{site['runs']} runs, served with gzip on loopback)",
        "",
        "| page | mobile perf. | LCP | TBT | CLS | KiB | desktop perf. "
        "| access. | best pr. | SEO |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for page, p in site["pages"].items():
        m, d = p["mobile"], p["desktop"]
        worst = {c: min(m[c], d[c]) for c in CATEGORIES[1:]}
        lines.append(
            f"| {page} | {m['performance']} | {m['lcp_s']} s | {m['tbt_ms']:.0f} ms "
            f"| {m['cls']} | {m['kib']:.0f} | {d['performance']} "
            f"| {worst['accessibility']} | {worst['best-practices']} | {worst['seo']} |"
        )
    lines += [
        "",
        "Targets missed: " + ("; ".join(site["missed"]) or "none") + ".",
        "",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--site",
        type=Path,
        default=BOOK.html_dir,
        help="a built site (default: the book's)",
    )
    parser.add_argument("pages", nargs="*", help="docnames (default: every page)")
    args = parser.parse_args()
    pages = args.pages or [page.docname for page in BOOK.pages()]
    site = measure(pages, args.runs, args.site)
    print("\n".join(table(site)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
