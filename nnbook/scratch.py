r"""A multi-layer network in NumPy, written like the formulas of the theory pages.

Layer :math:`l` takes the activations :math:`a^{[l-1]}` of the layer before
(:math:`a^{[0]} = X`), puts a column of ones in front of them for the bias,
and computes

.. math::

    z^{[l]} = [1, a^{[l-1]}]\, W^{[l]}, \qquad a^{[l]} = g_l\bigl(z^{[l]}\bigr).

So :math:`W^{[l]}` has a row for each input of layer :math:`l`, plus row 0
for the biases, and a column for each neuron: its shape is
:math:`(n_{l-1} + 1, n_l)`. Python counts from 0, so ``weights[0]`` is the
book's :math:`W^{[1]}`.

Backpropagation (:numref:`chapter %s <backprop>`), with :math:`\tilde W`
the weights without their bias row:

.. math::

    \begin{aligned}
    \delta^{[L]} &= \frac{\partial J}{\partial a^{[L]}}
        \odot g_L'\bigl(z^{[L]}\bigr), \\
    \delta^{[l]} &= \bigl(\delta^{[l+1]}\, (\tilde W^{[l+1]})^{\mathsf T}\bigr)
        \odot g_l'\bigl(z^{[l]}\bigr), \\
    \frac{\partial J}{\partial W^{[l]}} &= [1, a^{[l-1]}]^{\mathsf T}\, \delta^{[l]}.
    \end{aligned}
"""

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from nnbook.activations import ACTIVATIONS, get_activation

LOSSES = ("mse", "bce")


@dataclass
class ForwardPass:
    """What the forward pass keeps for the backward pass.

    Attributes:
        a: the activations of every layer, ``a[0]`` being the input X;
            ``a[l]`` has shape (N, n_l).
        z: the weighted sums, ``z[l-1]`` belonging to layer l (N, n_l).
    """

    a: list[np.ndarray]
    z: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        """The network's prediction a[L], shape (N, n_L)."""
        return self.a[-1]


def with_ones_column(A: np.ndarray) -> np.ndarray:
    """Prepend a column of ones, so that ``A @ W`` adds the bias row of ``W``.

    Args:
        A: (N, n) activations of a layer, or the input X.

    Returns:
        An (N, n + 1) array, a column of ones followed by ``A``.
    """
    A = np.asarray(A)
    if A.ndim != 2:
        raise ValueError(f"expected a 2-D array (N, n), got shape {A.shape}")
    return np.hstack([np.ones((A.shape[0], 1), dtype=A.dtype), A])


def _check_layers(layer_sizes, activations) -> None:
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(f"need at least an input and an output size, got {sizes}")
    if any(not isinstance(n, int | np.integer) or n < 1 for n in sizes):
        raise ValueError(f"layer sizes must be positive integers, got {sizes}")
    if len(activations) != len(sizes) - 1:
        raise ValueError(
            f"{len(sizes) - 1} weight layers need {len(sizes) - 1} activations, "
            f"got {len(activations)}: {list(activations)}"
        )
    for name in activations:
        get_activation(name)


def init_weights(
    layer_sizes: list[int], seed: int = 0, scale: float | None = None
) -> list[np.ndarray]:
    """Random weights and zero biases for a network with the given layer sizes.

    Args:
        layer_sizes: ``[n_0, n_1, ..., n_L]``, the input size first.
        seed: seed of the NumPy generator that draws the weights.
        scale: standard deviation of the weights; by default
            ``1 / sqrt(n_{l-1})``, which keeps z of a similar size in every layer.

    Returns:
        One float64 array per weight layer, shape ``(n_{l-1} + 1, n_l)``,
        whose bias row (row 0) is zero.
    """
    _check_layers(layer_sizes, ["identity"] * (len(layer_sizes) - 1))
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True):
        std = 1 / np.sqrt(n_in) if scale is None else scale
        W = rng.normal(0.0, std, size=(n_in + 1, n_out))
        W[0] = 0.0
        weights.append(W)
    return weights


def _check_weights(weights, activations, X) -> None:
    if len(weights) != len(activations):
        raise ValueError(
            f"{len(weights)} weight matrices but {len(activations)} activations"
        )
    for name in activations:
        get_activation(name)
    n_in = X.shape[1]
    for l, W in enumerate(weights, start=1):
        if W.ndim != 2 or W.shape[0] != n_in + 1:
            raise ValueError(
                f"W[{l}] has shape {W.shape}; after a layer of {n_in} outputs it "
                f"must have {n_in + 1} rows ({n_in} inputs + 1 bias row)"
            )
        n_in = W.shape[1]


def forward(
    weights: list[np.ndarray], activations: list[str], X: np.ndarray
) -> ForwardPass:
    """Forward propagation: compute the layers one after the other.

    Args:
        weights: ``W[l]`` of shape ``(n_{l-1} + 1, n_l)``.
        activations: one name per layer, a key of
            ``nnbook.activations.ACTIVATIONS``.
        X: (N, n_0) inputs.

    Returns:
        The activations and weighted sums of every layer.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, n_0), got {X.shape}")
    _check_weights(weights, activations, X)
    a, z = [X], []
    for W, name in zip(weights, activations, strict=True):
        g, _ = ACTIVATIONS[name]
        z.append(with_ones_column(a[-1]) @ W)
        a.append(g(z[-1]))
    return ForwardPass(a=a, z=z)


def loss(kind: str, a_out: np.ndarray, y: np.ndarray) -> float:
    r"""The loss J of the predictions against the targets.

    ``"mse"``: the mean of :math:`(a - y)^2` over all entries, as
    ``nn.MSELoss``. ``"bce"``: the mean of
    :math:`-\bigl(y \log a + (1 - y) \log(1 - a)\bigr)`, as ``nn.BCELoss``.

    Args:
        kind: ``"mse"`` or ``"bce"``.
        a_out: (N, n_L) predictions, the output layer's activations.
        y: (N, n_L) targets.
    """
    _check_loss(kind, a_out, y)
    if kind == "mse":
        return float(np.mean((a_out - y) ** 2))
    return float(-np.mean(y * np.log(a_out) + (1 - y) * np.log(1 - a_out)))


def loss_gradient(kind: str, a_out: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""The derivative of the loss with respect to the output layer's activations.

    For ``"mse"``: :math:`2 (a - y) / K`, with :math:`K = N n_L` entries (the
    2 comes from the square). For ``"bce"``: :math:`(a - y) / \bigl(a (1 - a) K\bigr)`.

    Args:
        kind: ``"mse"`` or ``"bce"``.
        a_out: (N, n_L) predictions.
        y: (N, n_L) targets.

    Returns:
        (N, n_L) array, :math:`\partial J / \partial a^{[L]}`.
    """
    _check_loss(kind, a_out, y)
    k = a_out.size
    if kind == "mse":
        return 2 * (a_out - y) / k
    return (a_out - y) / (a_out * (1 - a_out)) / k


def _check_loss(kind, a_out, y) -> None:
    if kind not in LOSSES:
        raise ValueError(f"unknown loss {kind!r}; known: {', '.join(LOSSES)}")
    if np.shape(a_out) != np.shape(y):
        raise ValueError(
            f"predictions have shape {np.shape(a_out)} but y has shape "
            f"{np.shape(y)}; reshape y to match (e.g. y.reshape(-1, 1))"
        )


def backward(
    weights: list[np.ndarray],
    activations: list[str],
    fp: ForwardPass,
    y: np.ndarray,
    loss_kind: str = "mse",
) -> list[np.ndarray]:
    """Backpropagation: the gradient dJ/dW[l] of every weight matrix.

    Args:
        weights, activations: as given to :func:`forward`.
        fp: the result of :func:`forward` on the same weights.
        y: (N, n_L) targets.
        loss_kind: ``"mse"`` or ``"bce"``.

    Returns:
        One array per weight matrix, of the same shape.
    """
    y = np.asarray(y, dtype=np.float64)
    n_layers = len(weights)
    _, g_prime = ACTIVATIONS[activations[-1]]
    delta = loss_gradient(loss_kind, fp.output, y) * g_prime(fp.z[-1])
    grads: list[np.ndarray] = [np.empty(0)] * n_layers
    for l in reversed(range(n_layers)):
        # dJ/dW = (the layer's input, with its ones column)^T @ its error
        grads[l] = with_ones_column(fp.a[l]).T @ delta
        if l > 0:
            # The error flows back through the weights (not the bias row)
            # and the previous layer's slope.
            _, g_prime = ACTIVATIONS[activations[l - 1]]
            delta = (delta @ weights[l][1:].T) * g_prime(fp.z[l - 1])
    return grads


def train_step(
    weights: list[np.ndarray],
    activations: list[str],
    X: np.ndarray,
    y: np.ndarray,
    learning_rate: float,
    loss_kind: str = "mse",
) -> tuple[list[np.ndarray], float]:
    r"""One step of gradient descent:
    :math:`W \leftarrow W - \alpha\, \partial J / \partial W` for every layer.

    Args:
        weights, activations: the network, as given to :func:`forward`.
        X: (N, n_0) inputs.
        y: (N, n_L) targets.
        learning_rate: the step size :math:`\alpha`, positive.
        loss_kind: ``"mse"`` or ``"bce"``.

    Returns:
        The new weights (the old ones are left as they were) and the loss
        before the step.
    """
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate}")
    fp = forward(weights, activations, X)
    y = np.asarray(y, dtype=np.float64)
    value = loss(loss_kind, fp.output, y)
    grads = backward(weights, activations, fp, y, loss_kind)
    return [W - learning_rate * dW for W, dW in zip(weights, grads, strict=True)], value


#: The PyTorch module for each activation name of
#: :data:`nnbook.activations.ACTIVATIONS` (``"sigmoid"`` -> ``nn.Sigmoid``).
#:
#: :meta hide-value:
TORCH_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "identity": nn.Identity,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
}


def as_sequential(weights: list[np.ndarray], activations: list[str]) -> nn.Sequential:
    """The same network as a float64 ``nn.Sequential`` of Linear and activation layers.

    ``nn.Linear`` stores its weight as (out, in) and its bias separately, so
    a layer gets ``weight = W[1:].T`` and ``bias = W[0]``.

    Args:
        weights: ``W[l]`` of shape ``(n_{l-1} + 1, n_l)``, biases in row 0.
        activations: one name per layer, each a key of
            :data:`TORCH_ACTIVATIONS`.
    """
    layers: list[nn.Module] = []
    for W, name in zip(weights, activations, strict=True):
        if name not in TORCH_ACTIVATIONS:
            raise ValueError(f"no PyTorch module for activation {name!r}")
        linear = nn.Linear(W.shape[0] - 1, W.shape[1], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W[1:].T.copy()))
            linear.bias.copy_(torch.from_numpy(W[0].copy()))
        layers += [linear, TORCH_ACTIVATIONS[name]()]
    return nn.Sequential(*layers)
