"""Checking hand-written gradients against PyTorch's autograd and finite differences."""

from collections.abc import Callable

import numpy as np
import torch

from nnbook import scratch


class GradientMismatch(AssertionError):
    """A gradient differs from its reference by more than the tolerance."""


def autograd_gradients(
    weights: list[np.ndarray],
    activations: list[str],
    X: np.ndarray,
    y: np.ndarray,
    loss_kind: str = "mse",
) -> list[np.ndarray]:
    """The gradient of every weight matrix, computed by PyTorch's autograd.

    The forward pass of :mod:`nnbook.scratch` is written again with torch
    operations on float64 tensors, so autograd records it.

    Args:
        weights, activations, X: the network and its input, as given to
            :func:`nnbook.scratch.forward`.
        y: (N, n_L) targets.
        loss_kind: ``"mse"`` or ``"bce"``.

    Returns:
        One array per layer, shaped like ``weights[l]``.
    """
    unknown = [a for a in activations if a not in scratch.TORCH_ACTIVATIONS]
    if unknown:
        raise ValueError(f"autograd has no derivative for activations {unknown}")
    Ws = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in weights]
    a = torch.as_tensor(np.asarray(X, dtype=np.float64))
    for W, name in zip(Ws, activations, strict=True):
        ones = torch.ones(a.shape[0], 1, dtype=torch.float64)
        g = scratch.TORCH_ACTIVATIONS[name]()
        a = g(torch.cat([ones, a], dim=1) @ W)
    target = torch.as_tensor(np.asarray(y, dtype=np.float64))
    if a.shape != target.shape:
        raise ValueError(f"predictions {tuple(a.shape)} vs y {tuple(target.shape)}")
    if loss_kind == "mse":
        J = torch.nn.functional.mse_loss(a, target)
    elif loss_kind == "bce":
        J = torch.nn.functional.binary_cross_entropy(a, target)
    else:
        raise ValueError(f"unknown loss {loss_kind!r}; known: mse, bce")
    J.backward()
    return [W.grad.numpy() for W in Ws]


def numerical_gradients(
    loss_of: Callable[[list[np.ndarray]], float],
    weights: list[np.ndarray],
    eps: float = 1e-5,
) -> list[np.ndarray]:
    r"""The gradient by central differences, entry by entry:
    :math:`\bigl(J(w + \varepsilon) - J(w - \varepsilon)\bigr) / 2\varepsilon`
    for each weight :math:`w`.

    Args:
        loss_of: maps a list of weight matrices to the loss.
        weights: where to take the gradient.
        eps: the step; about 1e-5 balances truncation and rounding error in
            float64.

    Returns:
        One array per layer, shaped like ``weights[l]``.
    """
    grads = []
    for l, W in enumerate(weights):
        grad = np.zeros_like(W, dtype=np.float64)
        for idx in np.ndindex(W.shape):
            shifted = [w.astype(np.float64, copy=True) for w in weights]
            shifted[l][idx] = W[idx] + eps
            up = loss_of(shifted)
            shifted[l][idx] = W[idx] - eps
            down = loss_of(shifted)
            grad[idx] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads


def assert_gradients_close(
    computed: list[np.ndarray],
    reference: list[np.ndarray],
    reference_name: str = "autograd",
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> float:
    """Raise :class:`GradientMismatch` unless every gradient matches its reference.

    The message names the first parameter that fails (``dJ/dW[l]``, counted
    from 1 as on the pages), the entry, both values and the worst relative
    error.

    Each entry must satisfy ``abs(c - r) <= atol + rtol * abs(r)``.

    Args:
        computed: the gradients to check, one array per layer.
        reference: the gradients they should equal, in the same order.
        reference_name: what the reference is, for the message.
        rtol, atol: the relative and absolute tolerances.

    Returns:
        The largest relative error of a whole gradient over all parameters,
        ``norm(computed - reference) / norm(reference)`` (Frobenius norms):
        a summary that is not thrown off by entries that are nearly zero.
    """
    if len(computed) != len(reference):
        raise GradientMismatch(
            f"{len(computed)} gradients but {len(reference)} from {reference_name}"
        )
    worst = 0.0
    for l, (c, r) in enumerate(zip(computed, reference, strict=True), start=1):
        if np.shape(c) != np.shape(r):
            raise GradientMismatch(
                f"dJ/dW[{l}] has shape {np.shape(c)}, {reference_name}'s {np.shape(r)}"
            )
        if not np.allclose(c, r, rtol=rtol, atol=atol):
            rel = np.abs(c - r) / np.maximum(np.abs(r), atol)
            idx = np.unravel_index(np.argmax(rel), rel.shape)
            raise GradientMismatch(
                f"dJ/dW[{l}] differs from {reference_name}: worst relative error "
                f"{rel[idx]:.2e} at entry {tuple(int(i) for i in idx)}: "
                f"{c[idx]:.6g} vs {r[idx]:.6g}"
            )
        norm = float(np.linalg.norm(r))
        worst = max(worst, float(np.linalg.norm(c - r)) / max(norm, atol))
    return worst


def check_backward(
    weights: list[np.ndarray],
    activations: list[str],
    X: np.ndarray,
    y: np.ndarray,
    loss_kind: str = "mse",
) -> dict[str, float]:
    """Check :func:`nnbook.scratch.backward` against autograd and finite differences.

    Args:
        weights, activations, X, y, loss_kind: as for
            :func:`autograd_gradients`.

    Returns:
        The worst relative error against each reference, by name.

    Raises:
        GradientMismatch: naming the parameter and the worst error.
    """
    fp = scratch.forward(weights, activations, X)
    y = np.asarray(y, dtype=np.float64)
    hand = scratch.backward(weights, activations, fp, y, loss_kind)

    def loss_of(ws):
        return scratch.loss(loss_kind, scratch.forward(ws, activations, X).output, y)

    return {
        "autograd": assert_gradients_close(
            hand, autograd_gradients(weights, activations, X, y, loss_kind)
        ),
        "finite differences": assert_gradients_close(
            hand,
            numerical_gradients(loss_of, weights),
            "finite differences",
            rtol=1e-5,
            atol=1e-7,
        ),
    }
