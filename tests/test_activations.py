import numpy as np
import pytest
import torch

from nnbook.activations import ACTIVATIONS, get_activation

TORCH = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}


@pytest.mark.parametrize("name", sorted(TORCH))
def test_matches_torch_and_autograd(name):
    g, dg = get_activation(name)
    z = torch.linspace(-30, 30, 601, dtype=torch.float64, requires_grad=True)
    out = TORCH[name](z)
    (slope,) = torch.autograd.grad(out.sum(), z)
    np.testing.assert_allclose(g(z.detach().numpy()), out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(dg(z.detach().numpy()), slope.numpy(), atol=1e-12)


def test_sigmoid_does_not_overflow():
    g, dg = get_activation("sigmoid")
    with np.errstate(all="raise"):
        assert g(np.array([-1000.0]))[0] == 0.0
        assert g(np.array([1000.0]))[0] == 1.0
        assert dg(np.array([1000.0]))[0] == 0.0


def test_step_is_zero_then_one_with_zero_slope():
    g, dg = get_activation("step")
    z = np.array([-2.0, 0.0, 3.0])
    assert list(g(z)) == [0.0, 0.0, 1.0]
    assert list(dg(z)) == [0.0, 0.0, 0.0]


def test_every_activation_keeps_shape_and_dtype():
    z = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    for g, dg in ACTIVATIONS.values():
        assert g(z).shape == dg(z).shape == (3, 4)
        assert g(z).dtype == dg(z).dtype == np.float32


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(
        ValueError, match="unknown activation 'softsign'; known: identity, relu, "
    ):
        get_activation("softsign")
