import random

import numpy as np
import pytest
import torch

from nnbook.seed import set_seed


def draw():
    return random.random(), np.random.rand(), torch.rand(1).item()  # noqa: NPY002


def test_same_seed_same_numbers_everywhere():
    set_seed(3)
    first = draw()
    set_seed(3)
    assert draw() == first


def test_other_seed_other_numbers():
    set_seed(3)
    first = draw()
    set_seed(4)
    assert all(a != b for a, b in zip(draw(), first, strict=True))


def test_makes_torch_deterministic():
    torch.use_deterministic_algorithms(False)
    set_seed(0)
    assert torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize("bad", [1.5, "0", None, True])
def test_rejects_non_int(bad):
    with pytest.raises(TypeError, match="seed must be an int"):
        set_seed(bad)


@pytest.mark.parametrize("bad", [-1, 2**32])
def test_rejects_out_of_range(bad):
    with pytest.raises(ValueError, match=r"\[0, 2\*\*32\)"):
        set_seed(bad)
