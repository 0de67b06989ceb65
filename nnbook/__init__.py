"""nnbook: the helpers that the pages of "Neural networks with PyTorch" run on.

A module per concern; pages import what they use explicitly, e.g.
``from nnbook.train import fit_model``.

What the book teaches: ``seed``, ``data``, ``train``, ``metrics``,
``activations``, ``scratch`` (a network in NumPy) and ``gradcheck``.
The book's machinery: ``plots`` and ``diagrams`` (figures), ``text`` (numbers
written for the prose), ``grading`` (the exercise grader) and ``errors``
(how an error is shown in a notebook, installed here).
"""

from nnbook import errors as _errors

__version__ = "0.1.0"

_errors.install()
