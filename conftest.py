"""Plugins for every pytest run in this repository (see tests/pytest_*.py)."""

pytest_plugins = ["tests.pytest_myst_pages", "tests.pytest_ci_guard", "pytester"]
