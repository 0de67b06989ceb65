"""Under CI=true a skipped test fails the session; locally it only skips."""

from pathlib import Path

SKIPPING_TEST = """
import pytest

def test_needs_a_browser():
    pytest.skip("Chromium not found")
"""


def test_skip_fails_the_run_under_ci(pytester, monkeypatch):
    pytester.makepyfile(SKIPPING_TEST)
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest("-p", "tests.pytest_ci_guard")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*CI=true: 1 test(s) skipped, which CI counts as failure:*",
            "*test_needs_a_browser: Skipped: Chromium not found*",
        ]
    )


def test_skip_is_only_a_skip_locally(pytester, monkeypatch):
    pytester.makepyfile(SKIPPING_TEST)
    monkeypatch.delenv("CI", raising=False)
    result = pytester.runpytest("-p", "tests.pytest_ci_guard")
    assert result.ret == 0
    result.assert_outcomes(skipped=1)


def test_skip_in_a_worker_fails_the_run_under_ci(pytester, monkeypatch):
    """The heavy checks run under pytest-xdist: a worker's skip counts too."""
    pytester.makepyfile(SKIPPING_TEST)
    monkeypatch.setenv("CI", "true")
    # Worker processes import the plugin by name, from the checkout.
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    result = pytester.runpytest_subprocess("-p", "tests.pytest_ci_guard", "-n", "2")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["CI=true: 1 test(s) skipped, which CI counts as failure:"]
    )
