"""The browser every check of the site uses: Debian's Chromium, driven by
Playwright, with no network beyond the loopback server (see book.served)."""

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach
# Google's hosts, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def have_chromium() -> bool:
    return Path(CHROMIUM).is_file()


def launch(playwright):
    """A headless Chromium with the settings above."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
