"""The exercise grader (the book's machinery, not what it teaches): each
``grade_*`` function compares the reader's answer with what the exercise asks
for and either prints a short confirmation or raises :class:`ExerciseFailed`
with a message that says what to fix.

Every grader catches errors raised by the reader's code and reports them in
the same plain words, so a reader never has to read a traceback from inside
this module.
"""

import math
import textwrap
import warnings
from collections.abc import Callable
from typing import NoReturn

import numpy as np
import torch
from torch import nn

from nnbook._layers import linear_layers
from nnbook.data import make_linear_data, make_moons_data
from nnbook.errors import readers_line
from nnbook.seed import set_seed


class ExerciseFailed(AssertionError):
    """The reader's answer does not do what the exercise asks; the message says why."""


def _fail(message: str) -> NoReturn:
    raise ExerciseFailed(message)


def _passed(message: str) -> None:
    # Wrapped to fit the page's code column.
    print(textwrap.fill(f"Correct! {message}", width=76))


def _given(value, name: str) -> None:
    """Fail when the reader left the placeholder ``...`` (or None) in place."""
    if value is Ellipsis:
        _fail(f"`{name}` is still `...`: replace the `...` with your answer.")
    if value is None:
        _fail(
            f"`{name}` is None: give it your answer (did a function return nothing?)."
        )


def _not_the_books(fn, name: str, module: str) -> None:
    """Fail when the reader's answer is the package's own function."""
    if getattr(fn, "__module__", None) == module:
        _fail(
            f"`{name}` is the book's own, from {module}: the exercise is to write "
            "it yourself."
        )


def _call(fn: Callable, name: str, *args, **kwargs):
    """Call the reader's function, turning any error into a plain message."""
    if not callable(fn):
        _fail(f"`{name}` should be a function, but it is a {type(fn).__name__}.")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        _fail(f"`{name}` is not written yet: replace its `raise NotImplementedError`.")
    except ExerciseFailed:
        raise
    except Exception as err:  # noqa: BLE001 -- the reader's code may raise anything
        where = readers_line(err)
        if "ellipsis" in str(err).lower():  # Python's name for `...`
            _fail(
                f"`{name}` still uses a `...`"
                + (f" (in your code, {where})" if where else "")
                + ": replace it with your code."
            )
        _fail(
            f"calling `{name}` raised {type(err).__name__}: {err}"
            + (f" (in your code, {where})" if where else "")
        )


def _linear_layers(model: nn.Module, name: str, n_inputs: int) -> list[nn.Linear]:
    """The model's Linear layers in the order its forward pass calls them
    (the order the diagrams use too: :func:`nnbook._layers.linear_layers`)."""
    if not isinstance(model, nn.Module):
        _fail(
            f"`{name}` should be a PyTorch module, but it is a {type(model).__name__}."
        )
    if not any(isinstance(m, nn.Linear) for m in model.modules()):
        if any(
            isinstance(value, list | tuple)
            and any(isinstance(v, nn.Linear) for v in value)
            for value in vars(model).values()
        ):
            _fail(
                f"`{name}` keeps its layers in a plain Python list, where PyTorch "
                "does not see them (model.parameters() misses them): hold them "
                "in an nn.ModuleList([...]) instead."
            )
        return []
    declared = [m for m in model.modules() if isinstance(m, nn.Linear)]
    for first, second in zip(declared, declared[1:], strict=False):
        if first.out_features != second.in_features and first.out_features not in {
            m.in_features for m in declared
        }:
            _fail(
                f"`{name}`'s layers do not fit together: one gives "
                f"{first.out_features} outputs, but no layer takes "
                f"{first.out_features} inputs."
            )
    return _call(linear_layers, f"{name}(x)", model, n_inputs)


def _expect_layers(model: nn.Module, name: str, sizes: list[int]) -> list[nn.Linear]:
    """The model's Linear layers must chain the given sizes, e.g. [1, 2, 1]."""
    layers = _linear_layers(model, name, sizes[0])
    got = (
        [layers[0].in_features] + [lin.out_features for lin in layers] if layers else []
    )
    if got != sizes:
        shape = " -> ".join(map(str, got)) if got else "no nn.Linear layers"
        want = " -> ".join(map(str, sizes))
        _fail(f"`{name}` should have linear layers {want}, but it has {shape}.")
    return layers


def _expect_forward(
    model: nn.Module, name: str, layers: list[nn.Linear], hidden, output=None
) -> None:
    """model(x) must equal the layers applied in order with ``hidden`` between them."""
    x = torch.linspace(-2, 2, 7 * layers[0].in_features).reshape(7, -1)
    with torch.no_grad():
        expected = x
        for i, layer in enumerate(layers):
            expected = layer(expected)
            if i < len(layers) - 1:
                expected = hidden(expected)
        if output is not None:
            expected = output(expected)
        got = _call(model, f"{name}(x)", x)
    if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
        _fail(
            f"`{name}` should return a tensor of shape {tuple(expected.shape)} for "
            f"{tuple(x.shape)} inputs, but returned {_describe(got)}."
        )
    if not torch.allclose(got, expected, atol=1e-6):
        if isinstance(hidden, nn.Identity):
            _fail(
                f"`{name}` has an activation between its layers, but this network "
                "has none: its layers follow each other directly."
            )
        hidden_name = getattr(hidden, "__name__", type(hidden).__name__)
        _fail(
            f"`{name}` computes something else: its forward should apply "
            f"{hidden_name} after every layer but the last"
            + (f", and {output.__name__} at the end." if output is not None else ".")
        )


def _describe(value) -> str:
    if value is Ellipsis:
        return "`...`, the placeholder"
    if isinstance(value, torch.Tensor | np.ndarray):
        return f"a {type(value).__name__} of shape {tuple(value.shape)}"
    return f"{value!r}" if value is None else f"a {type(value).__name__}"


def _expect_losses(losses, name: str, n: int | None = None) -> list[float]:
    """``losses`` must be a non-empty list of finite plain numbers (``n`` of them)."""
    _given(losses, name)
    if not isinstance(losses, list | tuple):
        _fail(
            f"`{name}` should be a list of numbers (use loss.item() for each "
            f"iteration), but it is {_describe(losses)}."
        )
    if not losses:
        _fail(f"`{name}` is empty: append loss.item() in every iteration.")
    odd = next((v for v in losses if not isinstance(v, int | float)), None)
    if odd is not None:
        _fail(
            f"`{name}` should hold plain numbers (use loss.item()), but it holds "
            f"{_describe(odd)}."
        )
    if n is not None and len(losses) != n:
        _fail(
            f"`{name}` should hold one loss per iteration, {n}, "
            f"but it has {len(losses)}."
        )
    if not all(math.isfinite(v) for v in losses):
        _fail(f"`{name}` contains NaN or infinite losses: the training diverged.")
    return list(losses)


def _expect_trained(
    model: nn.Module, losses: list[float], loss_now: float, loss_op: str
) -> None:
    """``model`` must be the model that ``losses`` trained with ``loss_op``: its
    loss now (``loss_now``) is the last one, give or take the last step."""
    last_step = abs(losses[-2] - losses[-1]) if len(losses) > 1 else 0.0
    if abs(loss_now - losses[-1]) <= 2 * last_step + 0.01 * abs(losses[-1]) + 1e-4:
        return
    if all(p.grad is None for p in model.parameters()):
        _fail(
            f"`model` is not the model that `losses` trained: it has never been "
            f"trained (its loss is {loss_now:.4f}; the last in `losses` is "
            f"{losses[-1]:.4f}). Train `model` itself, and do not build it again "
            "after training."
        )
    _fail(
        f"the last loss in `losses` is {losses[-1]:.4f}, but `model`'s loss "
        f"measured with {loss_op} is {loss_now:.4f}: train `model` with {loss_op}."
    )


def _expect_seeded(first_loss: float, build: Callable, loss_now: Callable) -> None:
    """The first recorded loss must be that of a model built right after
    set_seed(0): ``build()`` makes one, ``loss_now(model)`` measures it."""
    set_seed(0)
    expected = loss_now(build())
    if not math.isclose(first_loss, expected, rel_tol=1e-4, abs_tol=1e-6):
        _fail(
            f"the first loss is {first_loss:.4f}, but a model built right after "
            f"set_seed(0) starts at {expected:.4f}: call set_seed(0) right "
            "before building `model`."
        )


def _linear_data_tensors() -> tuple[torch.Tensor, torch.Tensor]:
    """The first network's data as tensors: X (100, 1), y (100, 1)."""
    X, y = make_linear_data()
    return torch.from_numpy(X), torch.from_numpy(y).view(-1, 1)


# --- Tensors and modules ---------------------------------------------------


def grade_ones_tensor(t) -> None:
    """Exercise: a (3, 4) NumPy array of ones, turned into a tensor ``t``."""
    _given(t, "t")
    if not isinstance(t, torch.Tensor):
        _fail(f"`t` should be a torch tensor, but it is {_describe(t)}.")
    if tuple(t.shape) != (3, 4):
        _fail(f"`t` should have shape (3, 4), but it has shape {tuple(t.shape)}.")
    if not bool((t == 1).all()):
        _fail("`t` should hold only ones.")
    if t.dtype != torch.float32:
        _fail(
            f"`t` holds {str(t.dtype).removeprefix('torch.')} numbers, but the "
            "exercise asks for np.float32: make the array with dtype=np.float32."
        )
    _passed("t is a float32 tensor of ones with shape (3, 4).")


def grade_numpy_array(a) -> None:
    """Exercise: the tensor [[3, 4], [1, 2]] turned into a NumPy array ``a``."""
    _given(a, "a")
    if isinstance(a, torch.Tensor):
        _fail("`a` is still a tensor: convert it with .numpy().")
    if callable(a):
        _fail(
            "`a` is the method .numpy itself, not what it gives: call it, with "
            "brackets, as tensor.numpy()."
        )
    if not isinstance(a, np.ndarray):
        _fail(f"`a` should be a NumPy array, but it is {_describe(a)}.")
    if not np.array_equal(a, [[3, 4], [1, 2]]):
        _fail(f"`a` should hold [[3, 4], [1, 2]], but it holds {a.tolist()}.")
    _passed("a is a NumPy ndarray with the tensor's numbers.")


def grade_linear_without_bias(layer) -> None:
    """Exercise: a layer of 2 neurons with 3 inputs and no bias."""
    _given(layer, "layer")
    if not isinstance(layer, nn.Linear):
        _fail(f"`layer` should be an nn.Linear, but it is {_describe(layer)}.")
    if (layer.in_features, layer.out_features) != (3, 2):
        _fail(
            "`layer` should take 3 inputs and have 2 neurons, but it takes "
            f"{layer.in_features} inputs and has {layer.out_features} neurons: "
            "which of nn.Linear's two numbers is which?"
        )
    if layer.bias is not None:
        _fail("`layer` still has a bias: create it with bias=False.")
    _passed("layer has 3 inputs, 2 neurons and no bias (layer.bias is None).")


# --- The first network ------------------------------------------------------


def grade_create_model_and_predict(create_model, predict) -> None:
    """Exercise: ``create_model()`` builds a seeded nn.Linear(1, 1);
    ``predict(model, X)`` returns its predictions; one step of gradient
    descent lowers the loss."""
    model = _call(create_model, "create_model")
    if not isinstance(model, nn.Linear) or (model.in_features, model.out_features) != (
        1,
        1,
    ):
        _fail(
            "`create_model()` should return nn.Linear(1, 1), "
            f"but it returned {model!r}."
        )
    again = _call(create_model, "create_model")
    if not isinstance(again, nn.Linear) or not torch.equal(model.weight, again.weight):
        _fail(
            "two calls of `create_model()` give different weights: call "
            "set_seed(0) inside it, before creating the layer."
        )
    X, y = _linear_data_tensors()
    pred = _call(predict, "predict", model, X)
    if not isinstance(pred, torch.Tensor) or pred.shape != (100, 1):
        _fail(
            "`predict(model, X)` should return a tensor of shape (100, 1) for 100 "
            f"records, but returned {_describe(pred)}."
        )
    with torch.no_grad():
        if not torch.allclose(pred, model(X)):
            _fail("`predict(model, X)` should return model(X).")
    if pred.grad_fn is None:
        _fail(
            "the predictions carry no gradient history (grad_fn is None): do not "
            "detach them or use torch.no_grad() inside `predict`, or training "
            "cannot use them."
        )
    loss_op = nn.MSELoss()
    optim = torch.optim.SGD(model.parameters(), lr=0.01)
    before = loss_op(pred, y)
    optim.zero_grad()
    before.backward()
    optim.step()
    after = loss_op(_call(predict, "predict", model, X), y)
    if not after.item() < before.item():
        _fail(
            "one step of gradient descent on your predictions did not lower the loss."
        )
    _passed(
        f"the model is seeded, predict works, and one step lowers the loss from "
        f"{before.item():.3f} to {after.item():.3f}."
    )


def grade_fit_model(fit_model) -> None:
    """Exercise: ``fit_model(model, optim, loss_op, X, y, n_iter)`` returns the
    loss of every iteration and trains the model in place."""
    _not_the_books(fit_model, "fit_model", "nnbook.train")
    X, y = _linear_data_tensors()
    set_seed(0)
    model = nn.Linear(1, 1)
    start = model.weight.detach().clone()
    optim = torch.optim.SGD(model.parameters(), lr=0.01)
    calls = _counting(optim)
    losses = _call(fit_model, "fit_model", model, optim, nn.MSELoss(), X, y, 100)
    if losses is None:
        _fail(
            "`fit_model` returned None; it should return the list of loss values, "
            "one per iteration."
        )
    losses = _expect_losses(losses, "the list fit_model returned", 100)
    if torch.equal(start, model.weight):
        if calls["step"] == 0:
            _fail(
                "the model's weights did not change: call optim.step() in every "
                "iteration."
            )
        _fail(
            f"optim.step() ran {calls['step']} times, but the weights did not "
            "change: each step found no gradient. In every iteration call "
            "optim.zero_grad() first, then loss.backward(), then optim.step()."
        )
    if not losses[-1] < losses[0]:
        _fail(
            f"the loss did not fall ({losses[0]:.3f} at first, {losses[-1]:.3f} at "
            "the end): are you calling optim.zero_grad(), loss.backward() and "
            "optim.step() in every iteration?"
        )
    if len(set(losses)) == 1:
        _fail(
            "every loss in the list is the same: compute a new loss in every iteration."
        )
    if not losses[-1] < 0.22:
        _fail(
            f"after 100 iterations with lr=0.01 the loss should be below 0.22, but it "
            f"is {losses[-1]:.3f}: check that each iteration zeroes the gradients "
            "before loss.backward()."
        )
    _passed(
        f"the loss falls from {losses[0]:.2f} to {losses[-1]:.3f} in 100 iterations."
    )


def _final_loss(
    lr: float, optimizer=torch.optim.SGD, loss_fn=nn.functional.mse_loss, flat=False
) -> float:
    """The loss after 100 iterations of the seeded line at rate ``lr``; the
    keywords make the mistakes a reader may make (``flat``: targets of shape
    (100,), broadcast against outputs of shape (100, 1))."""
    X, y = _linear_data_tensors()
    if flat:
        y = y.view(-1)
    set_seed(0)
    model = nn.Linear(1, 1)
    optim = optimizer(model.parameters(), lr=lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the broadcast warning, expected here
        for _ in range(100):
            optim.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()
            optim.step()
    return loss.item()


def _what_differs(lr: float, final: float) -> str:
    """Which mistake gives this final loss at this rate, in the reader's terms."""
    mistakes = [
        (
            _final_loss(lr, flat=True),
            "the targets have shape (100,) where the model's outputs have shape "
            "(100, 1), so the loss compares every output with every target "
            "(PyTorch warns about it): train on y_t, of shape (100, 1).",
        ),
        (
            _final_loss(lr, loss_fn=nn.functional.l1_loss),
            "that is the mean absolute error: use nn.MSELoss().",
        ),
        (
            _final_loss(lr, optimizer=torch.optim.Adam),
            "that is what Adam gives: use torch.optim.SGD, as in the exercise.",
        ),
        *(
            (
                _final_loss(other),
                f"that is the final loss at the rate {other}: give each "
                "optimiser its own rate, lr=lr.",
            )
            for other in (0.05, 0.01, 0.001)
            if other != lr
        ),
    ]
    for loss, message in mistakes:
        if math.isclose(final, loss, rel_tol=1e-3):
            return message
    return (
        "train each model from create_model() on X_t and y_t with SGD and "
        "nn.MSELoss() for 100 iterations."
    )


def grade_learning_rates(histories) -> None:
    """Exercise: ``histories`` maps each learning rate to its list of losses."""
    _given(histories, "histories")
    if not isinstance(histories, dict):
        _fail(
            "`histories` should be a dict {rate: losses}, "
            f"but it is {_describe(histories)}."
        )
    rates = [0.05, 0.01, 0.001]
    if sorted(histories) != sorted(rates):
        _fail(f"`histories` should have the keys {rates}, but has {list(histories)}.")
    runs = {lr: _expect_losses(histories[lr], f"histories[{lr}]", 100) for lr in rates}
    firsts = {round(run[0], 6) for run in runs.values()}
    if len(firsts) != 1:
        _fail(
            "the runs start from different losses: build every model with "
            "create_model(), so that all start from the same weights."
        )
    for lr in rates:
        expected = _final_loss(lr)
        if math.isclose(runs[lr][-1], expected, rel_tol=1e-3):
            continue
        _fail(
            f"at the rate {lr} the final loss should be {expected:.4f}, but it is "
            f"{runs[lr][-1]:.4f}: {_what_differs(lr, runs[lr][-1])}"
        )
    _passed(
        "three runs from the same start; the larger the rate, the lower the final loss."
    )


def _counting(optim: torch.optim.Optimizer) -> dict[str, int]:
    """Count the calls of ``optim.step`` and ``optim.zero_grad`` (wrapped in place)."""
    calls = {"step": 0, "zero_grad": 0}
    for method in calls:
        original = getattr(optim, method)

        def counted(*args, _method=method, _original=original, **kwargs):
            calls[_method] += 1
            return _original(*args, **kwargs)

        setattr(optim, method, counted)
    return calls


def _minibatch_run(fit_minibatches, batch_size: int, n_epochs: int):
    """Run the reader's ``fit_minibatches`` on the linear data from a fixed start."""
    X, y = _linear_data_tensors()
    set_seed(0)
    model = nn.Linear(1, 1)
    optim = torch.optim.SGD(model.parameters(), lr=0.01)
    calls = _counting(optim)
    losses = _call(
        fit_minibatches,
        "fit_minibatches",
        model,
        optim,
        nn.MSELoss(),
        X,
        y,
        batch_size,
        n_epochs,
    )
    return model, losses, calls, X, y


def grade_fit_minibatches(fit_minibatches) -> None:
    """Exercise: ``fit_minibatches(model, optim, loss_op, X, y, batch_size,
    n_epochs)`` trains on shuffled mini-batches from a ``DataLoader`` and
    returns the loss on all of ``X`` and ``y`` after each epoch."""
    n_epochs, batch_size = 3, 10
    model, losses, calls, X, y = _minibatch_run(fit_minibatches, batch_size, n_epochs)
    if losses is None:
        _fail(
            "`fit_minibatches` returned None; it should return the list of losses, "
            "one per epoch."
        )
    losses = _expect_losses(losses, "the list fit_minibatches returned")
    if len(losses) == n_epochs * len(X) // batch_size:
        _fail(
            f"the list holds {len(losses)} losses, one per batch: record one loss "
            "per epoch, after the loop over the batches."
        )
    if len(losses) != n_epochs:
        _fail(
            f"for {n_epochs} epochs the list should hold {n_epochs} losses, one per "
            f"epoch, but it has {len(losses)}."
        )
    steps_per_epoch = math.ceil(len(X) / batch_size)
    if calls["step"] == n_epochs:
        _fail(
            "the optimiser took one step per epoch: call optim.step() once per "
            "batch, inside the loop over the loader."
        )
    if calls["step"] != n_epochs * steps_per_epoch:
        _fail(
            f"with batches of {batch_size} out of {len(X)} records, {n_epochs} epochs "
            f"take {n_epochs * steps_per_epoch} steps, but the optimiser took "
            f"{calls['step']}: loop over the DataLoader once per epoch and step "
            "once per batch."
        )
    if calls["zero_grad"] < calls["step"]:
        _fail(
            f"optim.zero_grad() ran {calls['zero_grad']} times for {calls['step']} "
            "steps: call it before every batch's backward(), or each batch's "
            "gradient is added to the ones before."
        )
    with torch.no_grad():
        final = nn.functional.mse_loss(model(X), y).item()
    if not math.isclose(losses[-1], final, rel_tol=1e-4):
        _fail(
            f"the last loss in your list is {losses[-1]:.4f}, but the model's loss on "
            f"all the data is {final:.4f}: after each epoch, record "
            "loss_op(model(X), y), not the loss of the last batch."
        )
    # The same run with the batches in a fixed order: shuffling changes the weights.
    X_fixed, y_fixed = X, y
    set_seed(0)
    fixed = nn.Linear(1, 1)
    optim = torch.optim.SGD(fixed.parameters(), lr=0.01)
    for _ in range(n_epochs):
        for start in range(0, len(X_fixed), batch_size):
            optim.zero_grad()
            xb, yb = (
                X_fixed[start : start + batch_size],
                y_fixed[start : start + batch_size],
            )
            nn.functional.mse_loss(fixed(xb), yb).backward()
            optim.step()
    if torch.allclose(fixed.weight, model.weight) and torch.allclose(
        fixed.bias, model.bias
    ):
        _fail(
            "the batches come in the same order in every epoch: make the "
            "DataLoader with shuffle=True."
        )
    _passed(
        f"{steps_per_epoch} steps per epoch on shuffled batches of {batch_size}; the "
        f"loss on all the data is {losses[-1]:.3f} after {n_epochs} epochs."
    )


def grade_standardised_prediction(model_std, x_new, y_new, X) -> None:
    """Exercise: ``model_std`` is trained on the standardised feature
    ``(X - X.mean()) / X.std()``; ``y_new`` are its predictions for the raw
    inputs ``x_new``, (n, 1)."""
    _given(model_std, "model_std")
    _given(y_new, "y_new")
    layers = _expect_layers(model_std, "model_std", [1, 1])
    X_train = torch.as_tensor(np.asarray(X, dtype=np.float32))
    mean, std = X_train.mean(), X_train.std(correction=0)
    _, y = _linear_data_tensors()
    with torch.no_grad():
        train_loss = nn.functional.mse_loss(model_std((X_train - mean) / std), y).item()
        raw_loss = nn.functional.mse_loss(model_std(X_train), y).item()
    best = _least_squares_loss(X_train, y)
    if raw_loss < train_loss:
        _fail(
            "`model_std` fits the raw feature, not the standardised one: train it "
            "on X_std_t, the feature minus its mean, divided by its standard "
            "deviation."
        )
    if train_loss > 1.01 * best:
        _fail(
            f"`model_std`'s loss on the standardised training data is "
            f"{train_loss:.4f}, but the least-squares line has {best:.4f}: train it "
            "on X_std_t at the rate 0.1 for 100 iterations."
        )
    if not isinstance(y_new, torch.Tensor) or y_new.shape != x_new.shape:
        _fail(
            f"`y_new` should be a tensor of shape {tuple(x_new.shape)}, one "
            f"prediction per new input, but it is {_describe(y_new)}."
        )
    with torch.no_grad():
        expected = model_std((x_new - mean) / std)
        candidates = {
            "raw": model_std(x_new),
            "own": model_std((x_new - x_new.mean()) / x_new.std(correction=0)),
            "own_sample": model_std((x_new - x_new.mean()) / x_new.std()),
            "sample": model_std((x_new - mean) / X_train.std()),
        }
    y_new = y_new.detach()
    if torch.allclose(y_new, expected, atol=1e-4):
        line = layers[0]
        slope = line.weight.item() / std.item()
        intercept = line.bias.item() - slope * mean.item()
        _passed(
            f"standardised with the training data's mean {mean.item():.2f} and "
            f"standard deviation {std.item():.2f}, the model is the line "
            f"y = {intercept:.3f} + {slope:.3f} x in the raw feature."
        )
        return
    if torch.allclose(y_new, candidates["raw"], atol=1e-4):
        _fail(
            "you gave the raw x_new to a model trained on standardised inputs: "
            "subtract the training mean and divide by the training standard "
            "deviation first."
        )
    if torch.allclose(y_new, candidates["own"], atol=1e-4) or torch.allclose(
        y_new, candidates["own_sample"], atol=1e-4
    ):
        _fail(
            "you standardised x_new with its own mean and standard deviation; use "
            "the training data's (X.mean() and X.std()), the scale the model "
            "learned on."
        )
    if torch.allclose(y_new, candidates["sample"], atol=1e-4):
        _fail(
            "close, but the standard deviation differs from the one the model was "
            "trained with: torch's .std() divides by N - 1, NumPy's by N. Use the "
            "same X.std() as X_std."
        )
    _fail(
        "`y_new` is not what model_std predicts for x_new: compute "
        "(x_new - X.mean()) / X.std() and call model_std on that."
    )


def _least_squares_loss(X: torch.Tensor, y: torch.Tensor) -> float:
    """The mean squared error of the least-squares line; X, y: (N, 1)."""
    A = torch.cat([torch.ones_like(X), X], dim=1).double()
    coef = torch.linalg.lstsq(A, y.double()).solution
    return nn.functional.mse_loss(A @ coef, y.double()).item()


# --- Networks ------------------------------------------------------------


def grade_linear_network(model, losses) -> None:
    """Exercise: a 1-2-1 network of two linear layers, trained; it stays a line."""
    _given(model, "model")
    layers = _expect_layers(model, "model", [1, 2, 1])
    _expect_forward(model, "model", layers, hidden=nn.Identity())
    if not isinstance(model, nn.Sequential):
        _fail(
            f"`model` is a {type(model).__name__}; build it with nn.Sequential, as "
            "the exercise asks: the cells after it take its layers as model[0] "
            "and model[1]."
        )
    losses = _expect_losses(losses, "losses")
    if not losses[-1] < losses[0]:
        _fail("the loss did not fall: did you train `model` with fit_model?")
    X, y = _linear_data_tensors()
    with torch.no_grad():
        loss_now = nn.functional.mse_loss(model(X), y).item()
    _expect_trained(model, losses, loss_now, "nn.MSELoss()")

    def initial_loss(fresh: nn.Module) -> float:
        with torch.no_grad():
            return nn.functional.mse_loss(fresh(X), y).item()

    _expect_seeded(
        losses[0],
        lambda: nn.Sequential(nn.Linear(1, 2), nn.Linear(2, 1)),
        initial_loss,
    )
    x = torch.linspace(0, 6, 13).reshape(-1, 1)
    with torch.no_grad():
        out = model(x)[:, 0].numpy()
    if not np.allclose(np.diff(out, 2), 0, atol=1e-4):
        _fail(
            "the predictions are not on a straight line: the model has an activation."
        )
    _passed(
        "two linear layers, trained, and the predictions still lie on a straight line."
    )


def grade_evaluate_r2(evaluate_r2) -> None:
    """Exercise: ``evaluate_r2(model, X, y)``, the R² of the model's predictions."""
    _not_the_books(evaluate_r2, "evaluate_r2", "nnbook.metrics")
    X, y = make_linear_data()
    for slope, intercept in [(0.7, 2.0), (0.0, 4.0), (1.5, -1.0)]:
        model = nn.Linear(1, 1)
        with torch.no_grad():
            model.weight.fill_(slope)
            model.bias.fill_(intercept)
        got = _call(
            evaluate_r2, "evaluate_r2", model, torch.from_numpy(X), torch.from_numpy(y)
        )
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = got.item()  # a 0-d tensor is a number too
        elif isinstance(got, np.ndarray) and got.size == 1:
            got = got.item()
        if not isinstance(got, float | int | np.floating):
            _fail(
                f"`evaluate_r2` should return a number, but returned {_describe(got)}."
            )
        # Imported here: scikit-learn takes about a second to import, and
        # only this grader needs it.
        from sklearn.metrics import r2_score

        expected = r2_score(y, slope * X[:, 0] + intercept)
        if not math.isclose(got, expected, rel_tol=1e-4, abs_tol=1e-4):
            _fail(
                f"for the line y = {slope} x + {intercept}, `evaluate_r2` returned "
                f"{got:.4f}, but R² is {expected:.4f}: compare "
                "r2_score(y_true, y_pred) with the detached predictions as a "
                "1-D array."
            )
    _passed("evaluate_r2 agrees with scikit-learn's r2_score on three models.")


def grade_nonlinear_network(model_class, model, losses, X, y) -> None:
    """Exercise: ``NonlinearNeuralNetwork``, one hidden layer of 2 sigmoid neurons
    and a linear output, trained on the curve y = 5/x + 2 (the training points
    ``X``: (N, 1), ``y``: (N,))."""
    _given(model_class, "NonlinearNeuralNetwork")
    fresh = _call(model_class, "NonlinearNeuralNetwork")
    layers = _expect_layers(fresh, "NonlinearNeuralNetwork()", [1, 2, 1])
    _expect_forward(fresh, "NonlinearNeuralNetwork()", layers, hidden=torch.sigmoid)
    if not isinstance(model, model_class):
        _fail("`model` should be a NonlinearNeuralNetwork.")
    losses = _expect_losses(losses, "losses", 1000)
    X, y = np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.float32)
    with torch.no_grad():
        mse = nn.functional.mse_loss(
            _call(model, "model", torch.from_numpy(X)), torch.from_numpy(y).view(-1, 1)
        )
    _expect_trained(model, losses, mse.item(), "nn.MSELoss()")
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y).view(-1, 1)

    def initial_loss(fresh: nn.Module) -> float:
        with torch.no_grad():
            return nn.functional.mse_loss(fresh(X_t), y_t).item()

    _expect_seeded(losses[0], model_class, initial_loss)
    A = np.c_[np.ones(len(X)), X]
    line = A @ np.linalg.lstsq(A, y, rcond=None)[0]
    best_line = float(np.mean((line - y) ** 2))
    if not losses[-1] < best_line:
        _fail(
            f"the final loss {losses[-1]:.4f} is no better than the best straight "
            f"line's ({best_line:.4f}): train with lr=0.1 for 1000 iterations."
        )
    _passed(
        f"the network's loss {losses[-1]:.4f} beats the best straight line's "
        f"{best_line:.4f}: the fit is curved."
    )


def grade_classifier_training(model, losses, X, y) -> None:
    """Exercise: the 2-2-1 classifier trained with nn.BCELoss through fit_model."""
    _given(model, "model")
    _expect_layers(model, "model", [2, 2, 1])
    losses = _expect_losses(losses, "losses", 1000)
    if not losses[-1] < losses[0]:
        _fail("the loss did not fall during training.")
    X_t = torch.as_tensor(X)
    with torch.no_grad():
        proba = model(X_t)
    if proba.min() < 0 or proba.max() > 1:
        _fail("the model's outputs are not probabilities: end forward with a sigmoid.")
    bce = nn.functional.binary_cross_entropy(proba[:, 0], torch.as_tensor(y)).item()
    _expect_trained(model, losses, bce, "nn.BCELoss()")
    if losses[-1] > 0.3:
        _fail(
            f"after 1000 iterations the loss is {losses[-1]:.3f}; at the rate 0.5 "
            "it gets below 0.3. Train with torch.optim.SGD at lr=0.5."
        )
    accuracy = float(((proba[:, 0] >= 0.5).numpy() == np.asarray(y)).mean())
    if accuracy < 0.8:
        _fail(
            f"the trained model classifies only {accuracy:.0%} of the training "
            "points right."
        )
    _passed(
        f"trained with BCE; {accuracy:.0%} of the training points are "
        "classified right (the test points come next)."
    )


def grade_deep_sigmoid_network(model_class) -> None:
    """Exercise: ``ClassificationNNv2``, 2-20-20-1 with sigmoid everywhere."""
    _given(model_class, "ClassificationNNv2")
    model = _call(model_class, "ClassificationNNv2")
    layers = _expect_layers(model, "ClassificationNNv2()", [2, 20, 20, 1])
    _expect_forward(model, "ClassificationNNv2()", layers, torch.sigmoid, torch.sigmoid)
    _passed("2 -> 20 -> 20 -> 1 with sigmoids, and a probability out.")


def grade_tanh_network(model_class) -> None:
    """Exercise: ``ClassificationNNv3``, 2-20-20-1 with tanh hidden layers."""
    _given(model_class, "ClassificationNNv3")
    model = _call(model_class, "ClassificationNNv3")
    layers = _expect_layers(model, "ClassificationNNv3()", [2, 20, 20, 1])
    _expect_forward(model, "ClassificationNNv3()", layers, torch.tanh, torch.sigmoid)
    _passed("2 -> 20 -> 20 -> 1 with tanh in the hidden layers and a sigmoid out.")


def _overfitting_problem():
    """A small noisy moons problem and a network that overfits it quickly:
    (X, y, X_val, y_val) tensors and a fresh 2-16-16-1 tanh network."""
    X_all, y_all = make_moons_data(n=140, noise=0.35, seed=1)
    X, y = torch.from_numpy(X_all[:40]), torch.from_numpy(y_all[:40]).view(-1, 1)
    X_val = torch.from_numpy(X_all[40:])
    y_val = torch.from_numpy(y_all[40:]).view(-1, 1)
    set_seed(0)
    model = nn.Sequential(
        nn.Linear(2, 16),
        nn.Tanh(),
        nn.Linear(16, 16),
        nn.Tanh(),
        nn.Linear(16, 1),
        nn.Sigmoid(),
    )
    return X, y, X_val, y_val, model


def grade_early_stopping(train_early_stopping) -> None:
    """Exercise: ``train_early_stopping(model, optim, loss_op, X, y, X_val,
    y_val, n_iter)`` trains for ``n_iter`` iterations, returns the iteration
    (counted from 0) of the lowest validation loss and leaves the model with
    that iteration's weights."""
    n_iter, loss_op = 200, nn.BCELoss()
    # The reference: the same training, every validation loss recorded.
    X, y, X_val, y_val, model = _overfitting_problem()
    optim = torch.optim.SGD(model.parameters(), lr=0.5)
    val_losses, train_losses = [], []
    for _ in range(n_iter):
        optim.zero_grad()
        loss = loss_op(model(X), y)
        loss.backward()
        optim.step()
        with torch.no_grad():
            train_losses.append(loss_op(model(X), y).item())
            val_losses.append(loss_op(model(X_val), y_val).item())
    best = int(np.argmin(val_losses))
    final_val = val_losses[-1]

    X, y, X_val, y_val, model = _overfitting_problem()
    optim = torch.optim.SGD(model.parameters(), lr=0.5)
    got = _call(
        train_early_stopping,
        "train_early_stopping",
        model,
        optim,
        loss_op,
        X,
        y,
        X_val,
        y_val,
        n_iter,
    )
    if got is None:
        _fail("`train_early_stopping` returned None: return the best iteration.")
    if isinstance(got, float) and not float(got).is_integer():
        _fail(
            f"`train_early_stopping` returned {got:.4f}, a loss: return the "
            "iteration (an int, counted from 0) where the validation loss was lowest."
        )
    got = int(got)
    with torch.no_grad():
        model_val = loss_op(model(X_val), y_val).item()
    if got == best + 1:
        _fail(
            f"you returned {got}, one more than the best iteration {best}: count "
            "the iterations from 0, as `range(n_iter)` does."
        )
    if got == int(np.argmin(train_losses)) and got != best:
        _fail(
            f"you returned {got}, where the *training* loss is lowest; early "
            "stopping watches the validation loss."
        )
    if got != best:
        _fail(
            f"the validation loss is lowest at iteration {best}, but you returned "
            f"{got}: compare each validation loss with the lowest so far."
        )
    if math.isclose(model_val, final_val, rel_tol=1e-6):
        _fail(
            "the model ends with the weights of the last iteration. Keep a copy "
            "when the validation loss reaches a new low "
            "(`copy.deepcopy(model.state_dict())`: without deepcopy the copy is "
            "the model's own tensors, which later steps change) and load it back "
            "with `model.load_state_dict` at the end."
        )
    if not math.isclose(model_val, val_losses[best], rel_tol=1e-5):
        _fail(
            f"the model's validation loss is {model_val:.4f}, but at iteration "
            f"{best} it was {val_losses[best]:.4f}: load the weights kept at the "
            "best iteration."
        )
    _passed(
        f"the validation loss is lowest at iteration {best} of {n_iter} "
        f"({val_losses[best]:.3f}, against {final_val:.3f} at the end), and the "
        "model keeps that iteration's weights."
    )
