"""One call that makes a page's randomness repeatable."""

import random

import numpy as np
import torch


def set_seed(seed: int = 0) -> None:
    """Fix the seed of ``random``, NumPy and PyTorch, and make PyTorch deterministic.

    Call it at the top of a page and again right before building each model, so
    that the model's initial weights do not depend on what ran before.

    Args:
        seed: a whole number in ``[0, 2**32)``.

    Raises:
        TypeError: ``seed`` is not an ``int``.
        ValueError: ``seed`` is out of range.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 -- the global generator that np.random.* uses
    torch.manual_seed(seed)
    # Refuse nondeterministic kernels rather than print numbers that drift.
    torch.use_deterministic_algorithms(True)
