"""Every page starts a kernel and imports what it uses from nnbook, so an
import that a page does not need costs every page that imports the module.
scikit-learn alone takes about a second: only the functions that use it
import it."""

import pkgutil
import subprocess
import sys

import nnbook

# Every module of the package, found rather than listed.
WITHOUT_SKLEARN = [f"nnbook.{m.name}" for m in pkgutil.iter_modules(nnbook.__path__)]

# One fresh interpreter for all of them (each start imports torch); it prints
# the first module after whose import scikit-learn is loaded.
PROBE = """
import importlib, sys
for module in sys.argv[1:]:
    importlib.import_module(module)
    if "sklearn" in sys.modules:
        print(module)
        break
"""


def test_modules_do_not_import_sklearn():
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *WITHOUT_SKLEARN],
        capture_output=True,
        text=True,
        check=True,
    )
    assert not result.stdout, f"importing {result.stdout.strip()} imports sklearn"
