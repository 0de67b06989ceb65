"""pytest plugin: under CI=true, a skipped test fails the run.

Locally a test may skip when a tool is missing (say, Chromium); in CI that
would let a check silently stop checking, so the session fails instead.
"""

import os

import pytest


# Outermost, so that it reports after pytest's own summary (and on a line of
# its own, also under pytest-xdist).
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    yield
    if os.environ.get("CI", "").lower() != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if not skipped:
        return
    lines = []
    for report in skipped:
        reason = report.longrepr
        if isinstance(reason, tuple):  # (file, line, message)
            reason = reason[2]
        lines.append(f"  {report.nodeid}: {reason}")
    reporter.write_line(
        f"CI=true: {len(skipped)} test(s) skipped, which CI counts as failure:",
        red=True,
    )
    for line in lines:
        reporter.write_line(line, red=True)
    session.exitstatus = 1
