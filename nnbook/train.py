"""Training and prediction loops shared by the pages."""

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from nnbook._validation import (
    as_float_tensor,
    check_features,
    check_model,
    check_same_length,
)

# Losses whose target is a vector of class indices, not an array shaped like
# the prediction.
_CLASS_INDEX_LOSSES = (nn.CrossEntropyLoss, nn.NLLLoss)


def _check_optimizer(optim) -> None:
    if not isinstance(optim, torch.optim.Optimizer):
        raise TypeError(
            "optim must be a torch.optim optimizer such as "
            f"torch.optim.SGD(model.parameters(), lr=0.01), got {type(optim).__name__}"
        )


def _target_for(pred: torch.Tensor, y: torch.Tensor, loss_op) -> torch.Tensor:
    """Return ``y`` shaped like ``pred``, or raise instead of broadcasting.

    Losses such as ``nn.MSELoss`` broadcast a (N,) target against a (N, 1)
    prediction to (N, N) and quietly train on the wrong number.
    """
    if isinstance(loss_op, _CLASS_INDEX_LOSSES):
        if y.shape != pred.shape[:1]:
            raise ValueError(
                f"{type(loss_op).__name__} wants y of shape ({pred.shape[0]},) "
                f"holding class indices; got y of shape {tuple(y.shape)}"
            )
        return y.long()
    if y.shape == pred.shape:
        return y
    if y.ndim == 1 and pred.shape == (y.shape[0], 1):
        return y.view(-1, 1)
    raise ValueError(
        f"the model's output has shape {tuple(pred.shape)} but y has shape "
        f"{tuple(y.shape)}; they must match (a 1-D y is reshaped only for an "
        "(N, 1) output)"
    )


def fit_model(
    model: nn.Module,
    optim: torch.optim.Optimizer,
    loss_op: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    X,
    y,
    n_iter: int,
) -> list[float]:
    """Train ``model`` in place by full-batch gradient descent.

    Each iteration: zero the gradients, predict, compute the loss,
    backpropagate, take an optimiser step.

    Args:
        model: the network; its output has shape (N, 1) or (N, K).
        optim: an optimiser built on ``model.parameters()``.
        loss_op: a loss such as ``nn.MSELoss()`` or ``nn.BCELoss()``.
        X: (N, M) features, NumPy array or tensor.
        y: (N,) or the model's output shape; a (N,) target is reshaped to
            (N, 1) for a (N, 1) output.
        n_iter: number of iterations, at least 1.

    Returns:
        A list of ``n_iter`` floats, the loss before each step.

    Raises:
        ValueError: shapes that do not fit together (both shapes are named).
        FloatingPointError: the loss became NaN or infinite, usually a too
            large learning rate.
    """
    check_model(model)
    _check_optimizer(optim)
    if not callable(loss_op):
        raise TypeError(f"loss_op must be callable, got {type(loss_op).__name__}")
    if isinstance(n_iter, bool) or not isinstance(n_iter, int | np.integer):
        raise TypeError(f"n_iter must be an int, got {type(n_iter).__name__}")
    if n_iter < 1:
        raise ValueError(f"n_iter must be at least 1, got {n_iter}")
    X = check_features(X)
    y = as_float_tensor(y, "y")
    check_same_length(X, y)

    model.train()
    target = None
    losses: list[float] = []
    for i in range(n_iter):
        optim.zero_grad()
        pred = model(X)
        if target is None:
            target = _target_for(pred, y, loss_op)
        loss = loss_op(pred, target)
        value = loss.item()
        if not math.isfinite(value):
            lr = optim.param_groups[0].get("lr")
            raise FloatingPointError(
                f"the loss became {value} at iteration {i} of {n_iter} "
                f"(learning rate {lr}): the steps grew instead of shrinking. "
                "Either the rate is too large for this model, or, where the rate "
                "is given, the model is not the one asked for (a missing "
                "activation can make the loss explode)"
            )
        loss.backward()
        optim.step()
        losses.append(value)
    return losses


def predict(model: nn.Module, X) -> np.ndarray:
    """The model's output as a NumPy array, computed without gradients.

    Args:
        model: the network, in any mode; it is put in evaluation mode for
            the prediction and left as it was.
        X: (N, M) features, NumPy array or tensor.

    Returns:
        (N,) for a one-output model, else (N, K).
    """
    check_model(model)
    X = check_features(X)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(X)
    finally:
        model.train(was_training)
    out = out.numpy()
    return out[:, 0] if out.ndim == 2 and out.shape[1] == 1 else out
