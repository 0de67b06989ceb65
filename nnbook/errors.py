"""How errors reach the reader in Jupyter, Colab and the book's pages (the
book's machinery, not what it teaches).

Importing ``nnbook`` inside IPython (a notebook's kernel) installs
:func:`show_error` for every exception a cell raises:

- an exercise's verdict (:class:`nnbook.grading.ExerciseFailed`) is shown as
  its message alone, with no traceback;
- any other error shows the reader's own lines only: frames inside nnbook,
  PyTorch, NumPy or Python's library are left out, and so is the error an
  exception was raised while handling. A message about an ``ellipsis`` (an
  exercise's ``...`` still in place) becomes one line saying so, with the
  reader's line; a name not defined gets one more line saying which cell to
  run first, and an optimiser given a model without parameters (an
  exercise's class not written yet) one line saying so.

Outside IPython importing nnbook changes nothing.
"""

import linecache
import sys
import sysconfig
from pathlib import Path

# Code that is not the reader's: the nnbook package and every installed or
# standard-library module (PyTorch, NumPy, IPython itself).
_LIBRARY = tuple(
    str(Path(p).resolve())
    for p in {
        str(Path(__file__).parent),
        *(sysconfig.get_paths()[key] for key in ("stdlib", "purelib", "platlib")),
    }
)

_PLACEHOLDER = (
    "A `...` is still in place{where}: replace it with your answer, or finish "
    "the exercise above and run its cell, then run this one again."
)
_NAME_HINT = (
    "If this name is defined by an exercise or a cell above, run that cell first."
)
# PyTorch's words when an optimiser is given a model without parameters: a
# model class whose __init__ is still the exercise's `...`.
_NO_PARAMETERS = "optimizer got an empty parameter list"
_NO_PARAMETERS_HINT = (
    "The model has no parameters: if its class comes from an exercise, its "
    "`__init__` may still hold `...`. Finish that exercise and run its cell, "
    "then run this one again."
)


def install() -> None:
    """Show errors as described above in the running IPython, if any."""
    if "IPython" not in sys.modules:  # plain Python: nothing to install
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None and not getattr(shell, "nnbook_errors", False):
        shell.set_custom_exc((Exception,), show_error)
        shell.nnbook_errors = True


def _is_readers(tb) -> bool:
    filename = tb.tb_frame.f_code.co_filename
    if filename.startswith("<"):  # a cell, as plain IPython names it
        return True
    return not str(Path(filename).resolve()).startswith(_LIBRARY)


def readers_frames(tb):
    """The traceback ``tb`` with only the frames of the reader's own code
    (the notebook's cells and files of their own); ``tb`` itself if none."""
    kept = []
    while tb is not None:
        if _is_readers(tb):
            kept.append(tb)
        tb = tb.tb_next
    if not kept:
        return None
    for frame, after in zip(kept, kept[1:] + [None], strict=True):
        frame.tb_next = after
    return kept[0]


def readers_line(error: BaseException) -> str | None:
    """The last line of the reader's own code that ``error`` passed through,
    as "line 3: return model(X)", or None."""
    tb, found = error.__traceback__, None
    while tb is not None:
        if _is_readers(tb):
            found = tb
        tb = tb.tb_next
    if found is None:
        return None
    code = linecache.getline(found.tb_frame.f_code.co_filename, found.tb_lineno)
    return f"line {found.tb_lineno}: {code.strip()}" if code else None


def show_error(shell, etype, evalue, tb, tb_offset=None) -> list[str]:
    """IPython's custom exception handler (see the module's docstring)."""
    from nnbook.grading import ExerciseFailed

    if isinstance(evalue, ExerciseFailed):
        stb = [str(evalue)]
    elif "ellipsis" in str(evalue).lower():  # Python's name for `...`
        where = readers_line(evalue)
        stb = [_PLACEHOLDER.format(where=f" ({where})" if where else "")]
    else:
        evalue.__suppress_context__ = True  # not "during handling of ..."
        tb = readers_frames(tb) or tb
        stb = shell.InteractiveTB.structured_traceback(etype, evalue, tb, tb_offset=0)
        if isinstance(evalue, NameError):
            stb = [*stb, _NAME_HINT]
        elif _NO_PARAMETERS in str(evalue):
            stb = [*stb, _NO_PARAMETERS_HINT]
    shell._showtraceback(etype, evalue, stb)
    return stb
