"""nnbook: the helpers that the pages of "Neural networks with PyTorch" run on.

A module per concern; pages import what they use explicitly, e.g.
``from nnbook.train import fit_model``.
"""

__version__ = "0.1.0"
