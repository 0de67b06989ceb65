"""What the student notebooks use in place of the book's build machinery.

In the book, ``myst_nb.glue`` hands figures and numbers to the prose. In a
student notebook (Colab, Binder, Jupyter) there is no such prose to fill, so
:func:`glue` shows a figure right away and otherwise does nothing.
"""

from matplotlib.figure import Figure


def glue(name: str, value, display: bool = True) -> None:
    """Show ``value`` if it is a figure (or if ``display``); ``name`` is unused.

    Same signature as ``myst_nb.glue``, so the pages' code runs unchanged.
    """
    if isinstance(value, Figure) or display:
        from IPython.display import display as show

        show(value)
