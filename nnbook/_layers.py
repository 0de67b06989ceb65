"""The order of a model's layers, shared by the diagrams and the grader."""

import torch
from torch import nn


def linear_layers(model: nn.Module, n_inputs: int | None = None) -> list[nn.Linear]:
    """The model's ``nn.Linear`` layers in the order its forward pass calls them.

    An ``nn.Sequential`` calls them in the order it holds them. Another module
    may register its layers in one order and use them in another, so one
    forward pass on zeros, ``(2, n_inputs)``, is watched. Without
    ``n_inputs``, each layer's input size is tried in turn.

    Raises:
        ValueError: the model has no ``nn.Linear`` layer, or no input size
            tried gets through its forward pass.
    """
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(f"{type(model).__name__} has no nn.Linear layer")
    if isinstance(model, nn.Sequential) and n_inputs is None:
        return linears
    sizes = [n_inputs] if n_inputs else list({m.in_features: 0 for m in linears})
    for size in sizes:
        try:
            return _called_in_forward(model, linears, size)
        except Exception:  # noqa: BLE001 -- the wrong input size, or a bug
            if n_inputs:
                raise
    raise ValueError(
        f"{type(model).__name__}'s forward pass fails on inputs of every size "
        f"its layers take ({', '.join(map(str, sizes))})"
    )


def _called_in_forward(
    model: nn.Module, linears: list[nn.Linear], n_inputs: int
) -> list[nn.Linear]:
    """The layers of ``linears`` that a forward pass on zeros calls, in order."""
    called: list[nn.Linear] = []
    hooks = [
        m.register_forward_hook(lambda m, inputs, output: called.append(m))
        for m in linears
    ]
    try:
        with torch.no_grad():
            model(torch.zeros(2, n_inputs))
    finally:
        for hook in hooks:
            hook.remove()
    return called
