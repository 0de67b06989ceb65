"""Diagrams of neurons and networks, drawn with matplotlib from the model itself.

A network drawn from an ``nn.Sequential`` or ``nn.Module`` takes its layer
sizes from the ``nn.Linear`` layers its forward pass calls, in that order.
All words come from :data:`nnbook.plots.LABELS`.
"""

from collections import deque
from collections.abc import Iterable, Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from torch import nn

from nnbook._layers import linear_layers
from nnbook.plots import label

NODE = {"facecolor": "#dbe9f6", "edgecolor": "#1f4e79", "linewidth": 1.5}
BIAS_NODE = {"facecolor": "#f2f2f2", "edgecolor": "#7f7f7f", "linewidth": 1.2}
HIGHLIGHT = "#c0392b"
RADIUS = 0.22


def layer_sizes(model_or_sizes: nn.Module | Sequence[int]) -> list[int]:
    """``[n_0, n_1, ..., n_L]`` of a model's ``nn.Linear`` layers, or the sizes given.

    The Linear layers are taken in the order the model's forward pass calls
    them (as the exercise grader takes them), whatever order the module
    registered them in.
    """
    if isinstance(model_or_sizes, nn.Module):
        linears = linear_layers(model_or_sizes)
        sizes = [linears[0].in_features]
        for layer in linears:
            if layer.in_features != sizes[-1]:
                raise ValueError(
                    f"consecutive Linear layers do not chain: {sizes[-1]} outputs "
                    f"feed a layer with {layer.in_features} inputs"
                )
            sizes.append(layer.out_features)
        return sizes
    sizes = [int(n) for n in model_or_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"need at least two positive layer sizes, got {sizes}")
    return sizes


def _node_y(n: int, tallest: int) -> list[float]:
    """Vertical positions of n nodes, centred against the tallest layer."""
    top = (tallest - 1) / 2
    offset = (tallest - n) / 2
    return [top - offset - i for i in range(n)]


def draw_network(
    model_or_sizes: nn.Module | Sequence[int],
    ax: Axes | None = None,
    show_bias: bool = False,
    show_shapes: bool = True,
    highlight: Iterable[tuple[int, int, int]] = (),
    pytorch_shapes: bool = False,
) -> Axes:
    """A fully connected network: one circle per neuron (x_i for the inputs,
    a^[l]_j for neuron j of layer l), one arrow per weight.

    Args:
        model_or_sizes: a model with ``nn.Linear`` layers, or ``[n_0, ..., n_L]``.
        show_bias: draw the constant 1 that feeds each layer's bias.
        show_shapes: write each weight matrix's shape (bias row included).
        pytorch_shapes: write the shapes as PyTorch keeps them instead:
            ``nn.Linear``'s ``weight``, (neurons, inputs), without the biases.
        highlight: weights to draw in red, as ``(l, i, j)``: layer l's weight
            from neuron i of layer l - 1 to neuron j of layer l (l from 1).
    """
    sizes = layer_sizes(model_or_sizes)
    highlight = set(highlight)
    tallest = max(sizes) + (1 if show_bias else 0)
    ax = (
        ax
        or plt.figure(
            figsize=(1.9 * len(sizes) + 1, 0.75 * tallest + 1.2)
        ).add_subplot()
    )
    xs = [2.0 * l for l in range(len(sizes))]
    ys = [_node_y(n, tallest) for n in sizes]
    if show_bias:
        ys = [[y - 0.5 for y in layer] for layer in ys]
    bias_y = max(max(layer) for layer in ys) + 1

    for l in range(1, len(sizes)):
        for i, y0 in enumerate(ys[l - 1]):
            for j, y1 in enumerate(ys[l]):
                on = (l, i, j) in highlight
                _connection(
                    ax,
                    (xs[l - 1], y0),
                    (xs[l], y1),
                    color=HIGHLIGHT if on else "#8c8c8c",
                    linewidth=2.5 if on else 0.9,
                )
        if show_bias:
            for y1 in ys[l]:
                _connection(
                    ax,
                    (xs[l - 1], bias_y),
                    (xs[l], y1),
                    color="#a0a0a0",
                    linewidth=0.8,
                    linestyle="--",
                )
            ax.add_patch(Circle((xs[l - 1], bias_y), RADIUS, zorder=2, **BIAS_NODE))
            ax.text(xs[l - 1], bias_y, "1", ha="center", va="center", zorder=3)
        if show_shapes:
            ax.text(
                (xs[l - 1] + xs[l]) / 2,
                min(min(c) for c in ys) - 0.9,
                label("pytorch_weight_shape", l=l, rows=sizes[l], cols=sizes[l - 1])
                if pytorch_shapes
                else label("weights_shape", l=l, rows=sizes[l - 1] + 1, cols=sizes[l]),
                ha="center",
                va="top",
                fontsize=10,
            )

    for l, (x, layer) in enumerate(zip(xs, ys, strict=True)):
        for i, y in enumerate(layer):
            ax.add_patch(Circle((x, y), RADIUS, zorder=2, **NODE))
            # x_i for an input, a^[l]_j for a neuron, as in the formulas
            name = f"$x_{i + 1}$" if l == 0 else f"$a^{{[{l}]}}_{i + 1}$"
            ax.text(x, y, name, ha="center", va="center", fontsize=9, zorder=3)
        if l == 0:
            title = label("input_layer")
        elif l == len(sizes) - 1:
            title = label("output_layer")
        else:
            title = label("hidden_layer", l=l)
        ax.text(
            x,
            max(max(c) for c in ys) + (1.6 if show_bias else 0.7),
            title,
            ha="center",
            va="bottom",
        )

    _tidy(ax, margin=0.08)
    return ax


def _connection(ax: Axes, start, end, linestyle: str = "-", **style) -> None:
    """A line from one circle's centre to the edge of the next, with an arrowhead."""
    (x0, y0), (x1, y1) = start, end
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    shorten = (RADIUS + 0.02) / length
    ax.add_patch(
        FancyArrowPatch(
            (x0, y0),
            (x1 - (x1 - x0) * shorten, y1 - (y1 - y0) * shorten),
            arrowstyle="-|>",
            mutation_scale=9,
            shrinkA=0,
            shrinkB=0,
            linestyle=linestyle,
            zorder=1,
            **style,
        )
    )


def _tidy(ax: Axes, margin: float) -> None:
    """Equal scales on both axes, fitted to what was drawn, and no frame."""
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.margins(margin)
    ax.axis("off")


def _box(ax: Axes, x: float, y: float, text: str, color: str = "#dbe9f6") -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x - 0.4, y - 0.3),
            0.8,
            0.6,
            boxstyle="round,pad=0.05",
            facecolor=color,
            edgecolor="#1f4e79",
            linewidth=1.3,
            zorder=2,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=12, zorder=3)


def _arrow(ax: Axes, start, end, color="black", rad=0.0, text="", text_y=0.0):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=14,
            color=color,
            linewidth=1.4,
            connectionstyle=f"arc3,rad={rad}",
            zorder=1,
        )
    )
    if text:
        ax.text(
            (start[0] + end[0]) / 2,
            text_y,
            text,
            ha="center",
            va="center",
            color=color,
            fontsize=11,
        )


def draw_neuron(n_inputs: int = 3, ax: Axes | None = None) -> Axes:
    """One neuron: inputs x_i, weights w_i, a bias b, the sum z and the activation g."""
    if n_inputs < 1:
        raise ValueError(f"a neuron needs at least one input, got {n_inputs}")
    ax = ax or plt.figure(figsize=(8, 1.0 + 0.9 * n_inputs)).add_subplot()
    ys = _node_y(n_inputs, n_inputs)
    for i, y in enumerate(ys):
        ax.add_patch(Circle((0, y), RADIUS + 0.05, zorder=2, **NODE))
        ax.text(0, y, f"$x_{i + 1}$", ha="center", va="center", zorder=3)
        _arrow(ax, (0.3, y), (2.45, 0.0))
        ax.text(
            1.0,
            y + (0.5 - i / max(n_inputs - 1, 1)) * 0.5 + 0.12,
            f"$w_{i + 1}$",
            ha="center",
            fontsize=11,
        )
    ax.add_patch(Circle((2.7, 0), 0.3, zorder=2, **NODE))
    ax.text(2.7, 0, r"$\Sigma$", ha="center", va="center", fontsize=14, zorder=3)
    bias_y = max(ys) + 0.9
    ax.text(2.7, bias_y, "$b$", ha="center", va="center", fontsize=12)
    _arrow(ax, (2.7, bias_y - 0.2), (2.7, 0.3))
    _arrow(ax, (3.0, 0), (3.85, 0), text="$z$", text_y=0.25)
    _box(ax, 4.4, 0, "$g$")
    _arrow(ax, (4.95, 0), (6.0, 0), text="$a = g(z)$", text_y=0.3)
    bottom = min(ys) - 0.8
    for x, key in [
        (0, "inputs"),
        (1.1, "weights"),
        (2.7, "weighted_sum"),
        (4.4, "activation"),
        (5.6, "output"),
    ]:
        ax.text(
            x, bottom, label(key), ha="center", va="top", fontsize=10, color="#404040"
        )
    ax.text(
        2.7,
        bias_y + 0.3,
        label("bias"),
        ha="center",
        va="bottom",
        fontsize=10,
        color="#404040",
    )
    _tidy(ax, margin=0.05)
    return ax


# The stages of the 1-1-1 chain (then the operation between them, and the
# local derivative of each stage with respect to the one before).
_CHAIN_STAGES = ["$x$", "$z_1$", "$a_1$", "$z_2$", "$a_2$", "$J$"]
_CHAIN_FORWARD = ["", r"$\sigma$", "", r"$\sigma$", r"$\frac{1}{2}(a_2 - y)^2$"]
_CHAIN_BACKWARD = ["", r"$\sigma'(z_1)$", r"$w_2$", r"$\sigma'(z_2)$", r"$a_2 - y$"]
# Which stage each weight feeds, and its local derivative dz/dw.
_CHAIN_WEIGHTS = [(1, "$w_1$", "$x$"), (3, "$w_2$", "$a_1$")]


def draw_backprop_chain(ax: Axes | None = None) -> Axes:
    """The 1-1-1 sigmoid chain: forward in black, local derivatives back in red.

    dJ/dw_1 is the product of the red labels on the way from J back to w_1;
    dJ/dw_2 the product of those from J back to w_2.
    """
    ax = ax or plt.figure(figsize=(7.5, 3.0)).add_subplot()
    # the last step's label, the loss formula, needs a wider gap
    xs = [1.8 * i for i in range(len(_CHAIN_STAGES))]
    xs[-1] += 1.1
    for x, text in zip(xs, _CHAIN_STAGES, strict=True):
        _box(ax, x, 0, text, color="#f9e0dc" if text == "$J$" else "#dbe9f6")
    for i, text in enumerate(_CHAIN_FORWARD):
        _arrow(
            ax, (xs[i] + 0.45, 0.05), (xs[i + 1] - 0.45, 0.05), text=text, text_y=0.45
        )
    for i, text in enumerate(_CHAIN_BACKWARD):
        if text:
            _arrow(
                ax,
                (xs[i + 1] - 0.3, -0.35),
                (xs[i] + 0.3, -0.35),
                color=HIGHLIGHT,
                rad=-0.4,
                text=text,
                text_y=-1.05,
            )
    for stage, name, slope in _CHAIN_WEIGHTS:
        x = xs[stage]
        _box(ax, x, 1.6, name, color="#fff2cc")
        _arrow(ax, (x - 0.12, 1.25), (x - 0.12, 0.35))
        _arrow(ax, (x + 0.12, 0.35), (x + 0.12, 1.25), color=HIGHLIGHT)
        ax.text(
            x + 0.25, 0.8, slope, ha="left", va="center", color=HIGHLIGHT, fontsize=11
        )
    ax.text(xs[0] - 0.6, 0.45, label("forward"), ha="right", va="center", fontsize=10)
    ax.text(
        xs[0] - 0.6,
        -1.05,
        label("backward"),
        ha="right",
        va="center",
        fontsize=10,
        color=HIGHLIGHT,
    )
    ax.set_aspect("equal")
    ax.set_xlim(xs[0] - 2.7, xs[-1] + 0.6)
    ax.set_ylim(-1.4, 2.1)
    ax.axis("off")
    return ax


def autograd_graph(
    output: torch.Tensor, params: Mapping[str, torch.Tensor] | None = None
) -> tuple[dict[int, tuple[str, int]], list[tuple[int, int]]]:
    """The graph PyTorch recorded for ``output``, found by walking ``grad_fn``.

    Args:
        output: a tensor with a ``grad_fn`` (e.g. a loss).
        params: names for leaf tensors, e.g. ``dict(model.named_parameters())``.

    Returns:
        ``nodes``, mapping a node id to ``(label, depth)``, depth being the
        largest number of steps from the node to ``output`` (so every arrow
        points from a deeper node to a shallower one, even for a tensor used
        twice); and ``edges`` as ``(from, to)`` pairs in the direction of the
        forward computation.
    """
    import networkx as nx  # only here: most pages draw no graph

    if not isinstance(output, torch.Tensor) or output.grad_fn is None:
        raise ValueError(
            "output has no grad_fn: it was not computed from tensors that require "
            "gradients (or it was detached)"
        )
    names = {id(t): name for name, t in (params or {}).items()}
    texts: dict[int, str] = {}  # in the order a walk from the output meets them
    edges: list[tuple[int, int]] = []
    queue = deque([output.grad_fn])
    while queue:
        fn = queue.popleft()
        if id(fn) in texts:
            continue
        text = type(fn).__name__
        if hasattr(fn, "variable"):  # AccumulateGrad: a leaf, e.g. a parameter
            text = names.get(id(fn.variable), "leaf tensor")
        texts[id(fn)] = text
        for next_fn, _ in fn.next_functions:
            if next_fn is not None:
                edges.append((id(next_fn), id(fn)))
                queue.append(next_fn)
    # Depth: the generation of each node counted back from the output.
    backward = nx.DiGraph([(dst, src) for src, dst in edges])
    backward.add_nodes_from(texts)
    depth = {
        node: d
        for d, generation in enumerate(nx.topological_generations(backward))
        for node in generation
    }
    return {node: (text, depth[node]) for node, text in texts.items()}, edges


LETTER, PAD = 0.085, 0.25  # an autograd box: width per letter, and padding


def draw_autograd_graph(
    output: torch.Tensor,
    params: Mapping[str, torch.Tensor] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw the recorded computation of ``output``, inputs on the left.

    Parameters are yellow boxes named after ``params``; operations are blue
    boxes named after their backward function, as ``grad_fn`` shows them.
    """
    nodes, edges = autograd_graph(output, params)
    depth = max(d for _, d in nodes.values())
    columns: dict[int, list[int]] = {}
    for node, (_, d) in nodes.items():
        columns.setdefault(d, []).append(node)
    tallest = max(len(c) for c in columns.values())
    # Each column's boxes as wide as its longest name (monospace, about 0.085
    # in a letter), one data unit about an inch; the output on the right.
    widths = {
        d: LETTER * max(len(nodes[n][0]) for n in column) + PAD
        for d, column in columns.items()
    }
    gap = 0.2
    right = {}  # each column's right edge
    x = 0.0
    for d in range(depth, -1, -1):
        x += widths[d]
        right[d] = x
        x += gap
    if ax is None:
        ax = plt.figure(figsize=(x - gap + 0.4, 0.9 * tallest + 0.5)).add_subplot()
    where = {}
    for d, column in columns.items():
        for node, y in zip(column, _node_y(len(column), tallest), strict=True):
            where[node] = (right[d] - widths[d] / 2, 0.9 * y)
    for src, dst in edges:
        (x0, y0), (x1, y1) = where[src], where[dst]
        _arrow(
            ax,
            (x0 + widths[nodes[src][1]] / 2, y0),
            (x1 - widths[nodes[dst][1]] / 2, y1),
        )
    for node, (text, d) in nodes.items():
        x, y = where[node]
        leaf = not text.endswith(("Backward0", "Backward1"))
        box = FancyBboxPatch(
            (x - widths[d] / 2, y - 0.25),
            widths[d],
            0.5,
            boxstyle="round,pad=0.04",
            facecolor="#fff2cc" if leaf else "#dbe9f6",
            edgecolor="#1f4e79",
            linewidth=1.1,
            zorder=2,
        )
        ax.add_patch(box)
    _tidy(ax, margin=0.03)
    # On axes smaller than the default figure, shrink the text with the boxes.
    ax.apply_aspect()
    x_lo, x_hi = ax.get_xlim()
    inches_per_unit = ax.get_position().width * ax.figure.get_figwidth() / (x_hi - x_lo)
    # The text that fits its box, in points (a monospace letter is 0.6 em).
    fontsize = min(
        8.5,
        min(
            0.9 * widths[d] * inches_per_unit * 72 / (0.6 * len(text))
            for text, d in nodes.values()
        ),
    )
    for node, (text, _) in nodes.items():
        ax.text(
            *where[node],
            text,
            ha="center",
            va="center",
            fontsize=fontsize,
            zorder=3,
            family="monospace",
        )
    return ax
