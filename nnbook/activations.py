"""Activation functions and their derivatives, written out by hand in NumPy.

Each derivative is the formula from the page "Activation functions"; the page
checks every one against PyTorch's autograd.
"""

from collections.abc import Callable

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """g(z) = 1 / (1 + e^-z), elementwise."""
    # Written via tanh so that large |z| neither overflows nor loses precision.
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    """g'(z) = g(z) (1 - g(z))."""
    g = sigmoid(z)
    return g * (1.0 - g)


def tanh(z: np.ndarray) -> np.ndarray:
    """g(z) = (e^z - e^-z) / (e^z + e^-z)."""
    return np.tanh(z)


def tanh_derivative(z: np.ndarray) -> np.ndarray:
    """g'(z) = 1 - tanh(z)^2."""
    return 1.0 - np.tanh(z) ** 2


def relu(z: np.ndarray) -> np.ndarray:
    """g(z) = max(z, 0)."""
    return np.maximum(z, 0.0)


def relu_derivative(z: np.ndarray) -> np.ndarray:
    """g'(z) = 1 for z > 0, else 0 (PyTorch's choice at z = 0)."""
    return (z > 0).astype(np.asarray(z).dtype)


def step(z: np.ndarray) -> np.ndarray:
    """g(z) = 1 for z > 0, else 0: the threshold of the first perceptrons."""
    return (z > 0).astype(np.asarray(z).dtype)


def step_derivative(z: np.ndarray) -> np.ndarray:
    """g'(z) = 0 wherever it exists (everywhere but z = 0)."""
    return np.zeros_like(z)


def identity(z: np.ndarray) -> np.ndarray:
    """g(z) = z: no activation, as on the output of a regression network."""
    return np.asarray(z)


def identity_derivative(z: np.ndarray) -> np.ndarray:
    """g'(z) = 1."""
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
    """(function, derivative) for ``name``, one of :data:`ACTIVATIONS`."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        known = ", ".join(sorted(ACTIVATIONS))
        raise ValueError(f"unknown activation {name!r}; known: {known}") from None
