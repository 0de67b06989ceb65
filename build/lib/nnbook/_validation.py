"""Input checks shared by the helpers, in the spirit of scikit-learn's."""

import numpy as np
import torch
from torch import nn


def as_float_tensor(a, name: str) -> torch.Tensor:
    """Return ``a`` (NumPy array, tensor or nested list) as a float32 tensor."""
    if isinstance(a, torch.Tensor):
        t = a
    else:
        arr = np.asarray(a)
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"{name} must hold numbers (a NumPy array or a torch tensor), "
                f"got {type(a).__name__} of dtype {arr.dtype}"
            )
        t = torch.as_tensor(arr)
    if not (t.is_floating_point() or t.dtype in (torch.int32, torch.int64, torch.bool)):
        raise TypeError(f"{name} must hold numbers, got dtype {t.dtype}")
    return t.to(torch.float32)


def check_features(X, name: str = "X") -> torch.Tensor:
    """``X`` as a float32 tensor of shape (N, M), or a ValueError saying why not."""
    X = as_float_tensor(X, name)
    if X.ndim != 2:
        hint = " (one feature? use X.reshape(-1, 1))" if X.ndim == 1 else ""
        raise ValueError(
            f"{name} must have shape (N, M): N records of M features; "
            f"got shape {tuple(X.shape)}{hint}"
        )
    if X.shape[0] == 0:
        raise ValueError(f"{name} has no records (shape {tuple(X.shape)})")
    return X


def check_model(model) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return model


def check_same_length(X: torch.Tensor, y: torch.Tensor) -> None:
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y disagree on the number of records: X has shape "
            f"{tuple(X.shape)}, y has shape {tuple(y.shape)}"
        )
