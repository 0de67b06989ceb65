import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnbook import scratch
from nnbook.gradcheck import (
    GradientMismatch,
    assert_gradients_close,
    autograd_gradients,
    check_backward,
)

HIDDEN = ["identity", "sigmoid", "tanh", "relu"]


@st.composite
def networks(draw):
    """A random architecture, loss, batch and seed."""
    sizes = draw(st.lists(st.integers(1, 5), min_size=2, max_size=5))
    loss_kind = draw(st.sampled_from(["mse", "bce"]))
    hidden = draw(
        st.lists(
            st.sampled_from(HIDDEN), min_size=len(sizes) - 2, max_size=len(sizes) - 2
        )
    )
    # BCE needs probabilities: a sigmoid output.
    out = "sigmoid" if loss_kind == "bce" else draw(st.sampled_from(HIDDEN))
    batch = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    # Random biases too, so the bias rows' gradients are tested on non-zero values.
    weights = [rng.normal(size=W.shape) / 2 for W in scratch.init_weights(sizes)]
    X = rng.normal(size=(batch, sizes[0]))
    y = rng.random((batch, sizes[-1]))
    if loss_kind == "bce":
        y = (y > 0.5).astype(float)
    return weights, hidden + [out], X, y, loss_kind


@settings(max_examples=300, deadline=None)
@given(networks())
def test_backward_equals_autograd(net):
    weights, activations, X, y, loss_kind = net
    fp = scratch.forward(weights, activations, X)
    hand = scratch.backward(weights, activations, fp, y, loss_kind)
    reference = autograd_gradients(weights, activations, X, y, loss_kind)
    assert_gradients_close(hand, reference)


@settings(max_examples=50, deadline=None)
@given(networks())
def test_backward_equals_finite_differences(net):
    weights, activations, X, y, loss_kind = net
    errors = check_backward(weights, activations, X, y, loss_kind)
    assert errors["autograd"] < 1e-6


@settings(max_examples=30, deadline=None)
@given(networks())
def test_forward_equals_nn_sequential(net):
    weights, activations, X, _, _ = net
    model = scratch.as_sequential(weights, activations)
    expected = model(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(
        scratch.forward(weights, activations, X).output,
        expected,
        rtol=1e-12,
        atol=1e-12,
    )


def test_losses_match_pytorch():
    rng = np.random.default_rng(0)
    a, y = rng.random((4, 2)), (rng.random((4, 2)) > 0.5).astype(float)
    ta, ty = torch.from_numpy(a), torch.from_numpy(y)
    assert scratch.loss("mse", a, y) == pytest.approx(
        torch.nn.functional.mse_loss(ta, ty).item()
    )
    assert scratch.loss("bce", a, y) == pytest.approx(
        torch.nn.functional.binary_cross_entropy(ta, ty).item()
    )


def test_weight_shapes_have_a_bias_row_starting_at_zero():
    weights = scratch.init_weights([2, 3, 2])
    assert [W.shape for W in weights] == [(3, 3), (4, 2)]
    assert all((W[0] == 0).all() and (W[1:] != 0).all() for W in weights)
    big = scratch.init_weights([400, 300], scale=0.5)[0]
    assert big[1:].std() == pytest.approx(0.5, rel=0.01)


def test_train_step_lowers_the_loss_and_keeps_old_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    y = (X[:, :1] > 0).astype(float)
    weights = scratch.init_weights([2, 4, 1])
    before = [W.copy() for W in weights]
    losses = []
    for _ in range(50):
        weights, value = scratch.train_step(weights, ["tanh", "sigmoid"], X, y, 0.5)
        losses.append(value)
    assert losses[-1] < losses[0]
    assert all(
        np.array_equal(a, b)
        for a, b in zip(before, scratch.init_weights([2, 4, 1]), strict=True)
    )


def test_a_missing_derivative_is_caught_and_named():
    """Dropping g'(z) of the hidden layer must fail the check, naming W[1]."""
    weights = scratch.init_weights([2, 3, 1])
    X = np.random.default_rng(0).normal(size=(4, 2))
    y = np.ones((4, 1))
    fp = scratch.forward(weights, ["sigmoid", "sigmoid"], X)
    good = scratch.backward(weights, ["sigmoid", "sigmoid"], fp, y)
    # What backward computes if it forgets the hidden layer's slope:
    delta_out = scratch.loss_gradient("mse", fp.output, y) * fp.output * (1 - fp.output)
    wrong_delta = delta_out @ weights[1][1:].T
    wrong = [scratch.with_ones_column(X).T @ wrong_delta, good[1]]
    reference = autograd_gradients(weights, ["sigmoid", "sigmoid"], X, y)
    with pytest.raises(
        GradientMismatch,
        match=r"dJ/dW\[1\] differs from autograd: "
        r"worst relative error .* at entry",
    ):
        assert_gradients_close(wrong, reference)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: scratch.init_weights([3]), "at least an input and an output"),
        (lambda: scratch.init_weights([3, 0]), "positive integers"),
        (
            lambda: scratch.forward(
                scratch.init_weights([2, 1]), ["softsign"], np.ones((1, 2))
            ),
            "unknown activation 'softsign'",
        ),
        (
            lambda: scratch.forward(
                scratch.init_weights([2, 1]), ["relu"], np.ones((1, 3))
            ),
            r"W\[1\] has shape \(3, 1\)",
        ),
        (
            lambda: scratch.forward(
                scratch.init_weights([2, 1]), ["relu", "relu"], np.ones((1, 2))
            ),
            "1 weight matrices but 2",
        ),
        (
            lambda: scratch.forward(scratch.init_weights([2, 1]), ["relu"], np.ones(2)),
            r"shape \(N, n_0\)",
        ),
        (
            lambda: scratch.loss("hinge", np.ones((2, 1)), np.ones((2, 1))),
            "unknown loss 'hinge'",
        ),
        (
            lambda: scratch.loss("mse", np.ones((2, 1)), np.ones(2)),
            r"reshape y to match",
        ),
        (
            lambda: scratch.train_step(
                scratch.init_weights([1, 1]),
                ["identity"],
                np.ones((2, 1)),
                np.ones((2, 1)),
                0.0,
            ),
            "learning_rate must be positive",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()
