"""Activation functions and their derivatives, written out by hand in NumPy.

Each function takes ``z``, the weighted sums, as a NumPy array of any shape,
and returns an array of the same shape, computed elementwise. Each
derivative is the formula from the page "Activation functions"; the page
checks every one against PyTorch's autograd.
"""

from collections.abc import Callable

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""The sigmoid, :math:`g(z) = 1 / (1 + e^{-z})`."""
    # Written via tanh so that large |z| neither overflows nor loses precision.
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    r"""The sigmoid's derivative, :math:`g'(z) = g(z)\,(1 - g(z))`."""
    g = sigmoid(z)
    return g * (1.0 - g)


def tanh(z: np.ndarray) -> np.ndarray:
    r"""The hyperbolic tangent, :math:`g(z) = (e^z - e^{-z}) / (e^z + e^{-z})`."""
    return np.tanh(z)


def tanh_derivative(z: np.ndarray) -> np.ndarray:
    r"""The derivative of tanh, :math:`g'(z) = 1 - \tanh^2 z`."""
    return 1.0 - np.tanh(z) ** 2


def relu(z: np.ndarray) -> np.ndarray:
    r"""The ReLU, :math:`g(z) = \max(z, 0)`."""
    return np.maximum(z, 0.0)


def relu_derivative(z: np.ndarray) -> np.ndarray:
    r"""The ReLU's derivative: 1 for :math:`z > 0`, else 0 (as PyTorch)."""
    return (z > 0).astype(np.asarray(z).dtype)


def step(z: np.ndarray) -> np.ndarray:
    r"""The step: 1 for :math:`z > 0`, else 0 (the first perceptrons' threshold)."""
    return (z > 0).astype(np.asarray(z).dtype)


def step_derivative(z: np.ndarray) -> np.ndarray:
    r"""The step's derivative: 0 wherever it exists (everywhere but :math:`z = 0`)."""
    return np.zeros_like(z)


def identity(z: np.ndarray) -> np.ndarray:
    r"""The identity, :math:`g(z) = z`: no activation (a regression output)."""
    return np.asarray(z)


def identity_derivative(z: np.ndarray) -> np.ndarray:
    r"""The identity's derivative, :math:`g'(z) = 1`."""
    return np.ones_like(z)


#: Each activation by name. ``ACTIVATIONS[name]`` is the pair (function,
#: derivative), NumPy functions of an array ``z``. The names are
#: ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"step"`` and ``"identity"``.
#:
#: :meta hide-value:
ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "identity": (identity, identity_derivative),
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "step": (step, step_derivative),
}


def get_activation(name: str) -> tuple[Callable, Callable]:
    """An activation and its derivative, looked up by name.

    Args:
        name: one of the names of :data:`ACTIVATIONS`, such as ``"relu"``.

    Returns:
        The pair (function, derivative) of NumPy functions.

    Raises:
        ValueError: an unknown name (the known ones are listed).
    """
    try:
        return ACTIVATIONS[name]
    except KeyError:
        known = ", ".join(sorted(ACTIVATIONS))
        raise ValueError(f"unknown activation {name!r}; known: {known}") from None
