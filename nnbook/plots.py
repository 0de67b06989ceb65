"""Every figure of the book, drawn by one function each.

All text a reader sees in a figure comes from :data:`LABELS`, the one place to
translate for another edition. Each function draws on ``ax`` when given one,
otherwise on a new figure, and returns the axes it drew on.
"""

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import matplotlib.backend_bases
import matplotlib.pyplot as plt
import matplotlib.scale
import matplotlib.text
import matplotlib.ticker
import numpy as np
import torch
from matplotlib.axes import Axes
from torch import nn

from nnbook._validation import as_float_tensor, check_features
from nnbook.activations import get_activation

#: Reader-facing text of the figures, by key (the one place to translate
#: them); :func:`label` fills in a key's fields.
#:
#: :meta hide-value:
LABELS: dict[str, str] = {
    "x": "x",
    "y": "y",
    "data": "data",
    "prediction": "prediction",
    "iteration": "iteration",
    "mse": "mean squared error",
    "loss": "loss",
    "learning_rate": "learning rate {lr:g}",
    "function": "g(z)",
    "derivative": "g'(z)",
    "z": "z",
    "class": "class {k}",
    "feature": "$x_{i}$",
    "probability": "P(class 1)",
    "neuron_output": "neuron output",
    "graph_whole": "two layers",
    "epoch": "epoch",
    "training": "training",
    "validation": "validation",
    "overfitted_boundary": "at the end of training",
    "early_stopping": "early stopping",
    "weight_decay": "weight decay",
    "dropout": "dropout",
    "loss_while_training": "loss while training",
    "network_small": "2-2-1, sigmoid",
    "network_sigmoid": "2-20-20-1, sigmoid",
    "network_tanh": "2-20-20-1, tanh",
    "full_batch": "full batch",
    "mini_batches": "mini-batches of {size}",
    "graph_detached": "two layers, the first one's output detached",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "ReLU",
    "step": "step",
    "identity": "identity",
    # diagrams
    "input_layer": "input",
    "hidden_layer": "hidden {l}",
    "output_layer": "output",
    "weights_shape": "$W^{{[{l}]}}$: {rows}×{cols}",
    "pytorch_weight_shape": "layer {l} weight: {rows}×{cols}",
    "inputs": "inputs",
    "weights": "weights",
    "bias": "bias",
    "weighted_sum": "sum",
    "activation": "activation",
    "output": "output",
    "forward": "forward pass",
    "backward": "backward pass",
    "layer": "layer {l}",
    "gradient_norm": r"size of $\partial J / \partial W^{{[l]}}$ (RMS)",
    "relu_large_weights": "ReLU, weights ×{factor:g}",
    "target": "target",
    "true_line": "true line",
    "best_line": "best straight line",
    "untrained": "before training",
    "after_one_step": "after one step",
    "new_point": "prediction at x = {x:g}",
    "n_hidden": "{n} hidden neurons",
}

#: Figure defaults, readable on the light and the dark page theme alike
#: (an opaque white card with dark text), sized for the page's text column.
#: :func:`use_book_style` applies them: 200 dpi, 13-point text.
#:
#: :meta hide-value:
BOOK_STYLE: dict[str, object] = {
    "figure.figsize": (8, 5),
    # 200 dots per inch: sharp in print (the PDF shrinks an 8-inch figure to
    # the text width, about 250 dpi), and on high-density screens.
    "figure.dpi": 200,
    "savefig.dpi": 200,
    "font.size": 13,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "text.color": "black",
    "axes.labelcolor": "black",
    "xtick.color": "black",
    "ytick.color": "black",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.framealpha": 0.9,
}


def label(key: str, **fields) -> str:
    """The text for ``key`` from :data:`LABELS`, with ``fields`` filled in."""
    if key not in LABELS:
        raise KeyError(f"no label {key!r}; add it to nnbook.plots.LABELS")
    try:
        return LABELS[key].format(**fields)
    except KeyError as missing:
        raise KeyError(
            f"label {key!r} needs the field {missing.args[0]!r}: "
            f"label({key!r}, {missing.args[0]}=...)"
        ) from None


#: The PNG text entry in which :func:`use_book_style` records the height, in
#: the image's pixels, of the figure's smallest text.
SMALLEST_TEXT_KEY = "nnbook smallest text px"


def smallest_text_px(fig: plt.Figure, dpi: float) -> float | None:
    """The font size of the smallest text ``fig`` draws, in pixels at ``dpi``
    (None if it draws no text)."""
    fig.draw_without_rendering()  # tick labels get their text when drawn
    sizes = [
        text.get_fontsize()
        for text in fig.findobj(matplotlib.text.Text)
        if text.get_visible() and text.get_text().strip()
    ]
    return min(sizes) * dpi / 72 if sizes else None


def _recording_text_size(print_figure: Callable) -> Callable:
    """``FigureCanvasBase.print_figure`` that writes the smallest text's size
    into each PNG, where the site's browser check reads it to see the text as
    shown (tests/test_browser.py)."""

    @functools.wraps(print_figure)
    def recording(self, filename, *args, **kwargs):
        fmt = kwargs.get("format") or (
            Path(filename).suffix[1:] if isinstance(filename, str | Path) else None
        )
        if fmt == "png":
            dpi = kwargs.get("dpi") or plt.rcParams["savefig.dpi"]
            dpi = self.figure.dpi if dpi == "figure" else dpi
            px = smallest_text_px(self.figure, dpi)
            if px is not None:
                metadata = dict(kwargs.get("metadata") or {})
                metadata[SMALLEST_TEXT_KEY] = f"{px:.1f}"
                kwargs["metadata"] = metadata
        return print_figure(self, filename, *args, **kwargs)

    recording.nnbook_recording = True
    return recording


def use_book_style() -> None:
    """Apply :data:`BOOK_STYLE` to all figures that follow, and record in
    each PNG the size of its smallest text (:data:`SMALLEST_TEXT_KEY`)."""
    plt.rcParams.update(BOOK_STYLE)
    canvas = matplotlib.backend_bases.FigureCanvasBase
    if not getattr(canvas.print_figure, "nnbook_recording", False):
        canvas.print_figure = _recording_text_size(canvas.print_figure)
    log = matplotlib.scale.LogScale
    if not getattr(log.set_default_locators_and_formatters, "nnbook_plain", False):
        log.set_default_locators_and_formatters = _plain_log_labels(
            log.set_default_locators_and_formatters
        )


class PlainLogFormatter(matplotlib.ticker.Formatter):
    """Log-axis labels as plain numbers (0.05, 0.1, 0.2), not 5 × 10⁻²; on an
    axis that reaches below 0.001 or above 10 000, as powers of ten (10⁶, not
    1e+06), all of them.

    matplotlib's default labels some minor ticks in scientific notation when
    an axis spans one or two decades, and the labels crowd into each other.
    Here every power of ten is labelled and, on an axis of under three
    decades, 2 and 5 times it too.
    """

    def __call__(self, x: float, pos: int | None = None) -> str:
        if x <= 0:
            return ""
        low, high = sorted(self.axis.get_view_interval())
        decades = np.log10(high / low) if low > 0 else np.inf
        mantissa = x / 10 ** np.floor(np.log10(x) + 1e-9)
        shown = {1, 2, 5} if decades < 3 else {1}
        nearest = round(mantissa)
        if nearest not in shown or abs(mantissa - nearest) >= 1e-6:
            return ""
        # plain numbers while the whole axis stays within 0.001 to 10 000
        if low >= 1e-3 * (1 - 1e-9) and high < 1e4:
            return f"{x:g}"
        # far from 1, a power of ten: 10⁻⁶, not 1e-06 or 0.000001
        exponent = int(np.floor(np.log10(x) + 1e-9))
        power = f"10^{{{exponent}}}"
        return f"${power}$" if nearest == 1 else f"${nearest}\\times{power}$"


def _plain_log_labels(set_defaults: Callable) -> Callable:
    """Wrap LogScale's defaults so that its axes use :class:`PlainLogFormatter`."""

    @functools.wraps(set_defaults)
    def wrapper(self, axis):
        set_defaults(self, axis)
        if self.base == 10:
            axis.set_major_formatter(PlainLogFormatter())
            axis.set_minor_formatter(PlainLogFormatter())

    wrapper.nnbook_plain = True
    return wrapper


def _axes(ax: Axes | None) -> Axes:
    return plt.figure().add_subplot() if ax is None else ax


def _as_column(a, name: str) -> np.ndarray:
    """A (N,) or (N, 1) array-like as a flat (N,) NumPy array."""
    arr = as_float_tensor(a, name).numpy()
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must have shape (N,) or (N, 1), got {arr.shape}")
    return arr


def plot_model(
    X,
    y_pred,
    y_true,
    ax: Axes | None = None,
    line_label: str | None = None,
    show_data: bool = True,
) -> Axes:
    """The data as points and the model's prediction as a dashed line.

    A second call with ``ax`` adds a black dotted line beside the first.

    Args:
        X: (N, 1) or (N,) inputs, sorted for a clean line.
        y_pred: (N,) or (N, 1) predictions (detached from the graph).
        y_true: (N,) true values.
        ax: draw on these axes, e.g. to add a second line to a plot.
        line_label: the line's legend text (default: "prediction"); make it
            with :func:`label`.
        show_data: draw the data points (turn off when adding a line).
    """
    x = _as_column(X, "X")
    y_pred = _as_column(y_pred, "y_pred")
    y_true = _as_column(y_true, "y_true")
    if not x.shape == y_pred.shape == y_true.shape:
        raise ValueError(
            f"X, y_pred and y_true must have the same length; got {x.shape}, "
            f"{y_pred.shape}, {y_true.shape}"
        )
    ax = _axes(ax)
    if show_data:
        ax.scatter(x, y_true, s=16, alpha=0.7, label=label("data"))
    # A second line on the same axes is black and dotted, so the two lines
    # differ in style as well as colour (red and purple dashes looked alike).
    styles = [("--", "C3"), (":", "black"), ("-.", "C4")]
    style, color = styles[len(ax.get_lines()) % len(styles)]
    ax.plot(
        x,
        y_pred,
        style,
        color=color,
        linewidth=2.5,
        label=line_label or label("prediction"),
    )
    ax.set_xlabel(label("x"))
    ax.set_ylabel(label("y"))
    ax.legend()
    return ax


def mark_prediction(ax: Axes, x: float, y: float) -> Axes:
    """Mark one predicted point (x, y) on a plot, with a legend entry."""
    ax.scatter(
        [x],
        [y],
        s=120,
        marker="*",
        color="black",
        zorder=5,
        label=label("new_point", x=float(x)),
    )
    ax.legend()
    return ax


def plot_loss_history(
    losses: Sequence[float],
    ax: Axes | None = None,
    log: bool = False,
    loss: str = "loss",
    step: str = "iteration",
) -> Axes:
    """The loss after each iteration, as returned by ``fit_model``.

    Args:
        losses: (n_iter,) numbers, one per iteration.
        log: a logarithmic loss axis, for a loss that spans orders of magnitude.
        loss, step: the keys in :data:`LABELS` naming the two axes.
    """
    losses = np.asarray(losses, dtype=float)
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError(f"losses must be a non-empty list of numbers, got {losses!r}")
    ax = _axes(ax)
    ax.plot(np.arange(losses.size), losses)
    ax.set_xlabel(label(step))
    ax.set_ylabel(label(loss))
    if log:
        ax.set_yscale("log")
    return ax


def plot_learning_rates(
    histories: Mapping[float, Sequence[float]], ax: Axes | None = None
) -> Axes:
    """One loss curve per learning rate, on a log scale to show them all."""
    if not histories:
        raise ValueError("histories is empty: pass {learning_rate: losses, ...}")
    ax = _axes(ax)
    for lr, losses in histories.items():
        ax.plot(np.asarray(losses, dtype=float), label=label("learning_rate", lr=lr))
    ax.set_yscale("log")
    ax.set_xlabel(label("iteration"))
    ax.set_ylabel(label("loss"))
    ax.legend()
    return ax


def plot_classes(X, y, ax: Axes | None = None) -> Axes:
    """Points of a two-feature data set, coloured by class, with a legend.

    Args:
        X: (N, 2) features.
        y: (N,) labels.
    """
    X = check_features(X).numpy()
    y = _as_column(y, "y")
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 features to plot, got shape {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} records but y has {y.shape[0]}")
    ax = _axes(ax)
    for k in np.unique(y):
        mask = y == k
        ax.scatter(
            X[mask, 0],
            X[mask, 1],
            s=16,
            edgecolors="black",
            linewidths=0.3,
            label=label("class", k=int(k)),
        )
    ax.set_xlabel(label("feature", i=1))
    ax.set_ylabel(label("feature", i=2))
    ax.legend()
    return ax


def plot_2d_decision_boundary(
    model: nn.Module | Callable[[np.ndarray], np.ndarray],
    X,
    y,
    ax: Axes | None = None,
    colorbar: bool = True,
    output: str = "probability",
) -> Axes:
    """The model's output over the plane (0 to 1), with the data on top.

    The output is evaluated on a 100 x 100 grid that covers the data with a
    margin of 0.5 on each side. Introduced in chapter 4 (a NumPy function) and
    used with PyTorch models from chapter 14.

    Args:
        model: an ``nn.Module`` mapping (N, 2) float32 to (N, 1) outputs, or a
            NumPy function mapping (N, 2) float64 to (N,) or (N, 1) outputs.
        X: (N, 2) features.
        y: (N,) labels, 0 or 1.
        colorbar: draw the output's scale beside the plot.
        output: the key in :data:`LABELS` that names the output on the scale.
    """
    if not (isinstance(model, nn.Module) or callable(model)):
        raise TypeError(
            f"model must be a torch.nn.Module or a function, got {type(model).__name__}"
        )
    Xn = check_features(X).numpy()
    if Xn.shape[1] != 2:
        raise ValueError(f"X must have 2 features, got shape {Xn.shape}")
    lo, hi = Xn.min(axis=0) - 0.5, Xn.max(axis=0) + 0.5
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], 100), np.linspace(lo[1], hi[1], 100))
    grid = np.c_[g1.ravel(), g2.ravel()]
    if isinstance(model, nn.Module):
        with torch.no_grad():
            values = model(torch.from_numpy(grid.astype(np.float32))).numpy()
    else:
        values = np.asarray(model(grid.astype(np.float64)), dtype=np.float64)
    if values.size != grid.shape[0]:
        raise ValueError(
            f"model must give one output per point: {grid.shape[0]} points, "
            f"got shape {values.shape}"
        )
    ax = _axes(ax)
    filled = ax.contourf(
        g1,
        g2,
        values.reshape(g1.shape),
        levels=np.linspace(0, 1, 11),
        cmap="RdBu_r",
        alpha=0.6,
    )
    if colorbar:
        ax.figure.colorbar(filled, ax=ax, label=label(output))
    plot_classes(Xn, y, ax=ax)
    return ax


def plot_activations(
    names: Sequence[str],
    z_range: tuple[float, float] = (-10.0, 10.0),
) -> plt.Figure:
    """Each activation beside its derivative, one panel per activation, two per row.

    Args:
        names: keys of :data:`nnbook.activations.ACTIVATIONS`, such as
            ``["sigmoid", "tanh", "relu", "step"]``.
        z_range: the range of the weighted sum z on the horizontal axis.
    """
    z = np.linspace(*z_range, 1001)
    rows = (len(names) + 1) // 2
    fig, axes = plt.subplots(rows, 2, figsize=(8, 3.2 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        g, dg = get_activation(name)
        ax.plot(*_break_jumps(z, g(z)), label=label("function"))
        ax.plot(*_break_jumps(z, dg(z)), "--", label=label("derivative"))
        ax.set_title(label(name))
        ax.set_xlabel(label("z"))
        # One scale for all: the derivatives (at most 1) stay readable, and
        # ReLU's line leaves the panel at the top instead of squashing them.
        ax.set_ylim(-1.25, 1.6)
        ax.legend(loc="upper left")
    for ax in axes.flat[len(names) :]:
        ax.remove()
    fig.tight_layout()
    return fig


def _break_jumps(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y (N,) with NaN put in where y jumps (the step at 0), so that a
    line plot shows the jump as a gap, not as a vertical line."""
    jumps = np.flatnonzero(np.abs(np.diff(y)) > 0.5) + 1
    return np.insert(x, jumps, np.nan), np.insert(y.astype(float), jumps, np.nan)


def plot_function_fits(
    x, target, fits: Mapping[int, Sequence[float]], ax: Axes | None = None
) -> Axes:
    """A target curve and its approximations, one per number of hidden neurons.

    Args:
        x: (N,) points.
        target: (N,) values of the function being approximated.
        fits: ``{number of hidden neurons: (N,) network outputs}``.
    """
    x = _as_column(x, "x")
    target = _as_column(target, "target")
    if not fits:
        raise ValueError("fits is empty: pass {n_hidden: outputs, ...}")
    ax = _axes(ax)
    for n, y in fits.items():
        y = _as_column(y, f"fits[{n}]")
        if y.shape != x.shape:
            raise ValueError(
                f"fits[{n}] has {y.shape[0]} values for {x.shape[0]} points"
            )
        ax.plot(x, y, label=label("n_hidden", n=n))
    # On top, dashed, so that a close fit does not hide it.
    ax.plot(x, target, "--", color="black", linewidth=1.5, label=label("target"))
    ax.set_xlabel(label("x"))
    ax.set_ylabel(label("y"))
    ax.legend()
    return ax


def plot_gradient_norms(
    norms: Mapping[str, Sequence[float]], ax: Axes | None = None
) -> Axes:
    """The size of each layer's weight gradient, one curve per network.

    Args:
        norms: ``{legend text: [norm of dJ/dW[1], ..., norm of dJ/dW[L]]}``;
            make the legend text with :func:`label`, e.g. ``label("sigmoid")``.
    """
    if not norms:
        raise ValueError("norms is empty")
    ax = _axes(ax)
    for text, values in norms.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, values.size + 1), values, "o-", label=text)
    ax.set_yscale("log")
    ax.set_xlabel(label("layer", l="$l$"))
    ax.set_ylabel(label("gradient_norm"))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    return ax
