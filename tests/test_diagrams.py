import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch  # noqa: E402
from torch import nn  # noqa: E402

from nnbook import diagrams  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def circles(ax):
    return [p for p in ax.patches if isinstance(p, Circle)]


def arrows(ax, linestyle="-"):
    """The weights' arrows (solid) or the biases' (dashed)."""
    return [
        p
        for p in ax.patches
        if isinstance(p, FancyArrowPatch) and p.get_linestyle() == linestyle
    ]


def test_network_from_sizes_has_a_circle_per_neuron_and_an_arrow_per_weight():
    ax = diagrams.draw_network([2, 3, 2])
    assert len(circles(ax)) == 7
    assert len(arrows(ax)) == 2 * 3 + 3 * 2
    texts = [t.get_text() for t in ax.texts]
    assert "$W^{[1]}$: 3×3" in texts and "$W^{[2]}$: 4×2" in texts
    assert {"input", "hidden 1", "output"} <= set(texts)
    # every neuron named as in the formulas
    assert {"$x_1$", "$x_2$", "$a^{[1]}_3$", "$a^{[2]}_2$"} <= set(texts)


def test_each_arrow_stops_at_the_edge_of_the_neuron_it_feeds():
    ax = diagrams.draw_network([1, 1])
    (arrow,) = arrows(ax)
    start, end = arrow._posA_posB
    assert start == (0.0, 0.0)
    target = [c.center for c in circles(ax) if c.center[0] > 0][0]
    gap = ((target[0] - end[0]) ** 2 + (target[1] - end[1]) ** 2) ** 0.5
    assert diagrams.RADIUS < gap < diagrams.RADIUS + 0.05


def test_bias_nodes_and_their_weights():
    ax = diagrams.draw_network([2, 3, 2], show_bias=True)
    assert len(circles(ax)) == 7 + 2
    assert len(arrows(ax, "--")) == 3 + 2


def test_network_drawn_from_a_model_matches_its_layers():
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3), nn.Linear(3, 1))
    assert diagrams.layer_sizes(model) == [4, 5, 3, 1]
    ax = diagrams.draw_network(model)
    assert len(circles(ax)) == 4 + 5 + 3 + 1

    class OutputFirst(nn.Module):
        """Registers its output layer first, uses it last."""

        def __init__(self):
            super().__init__()
            self.out = nn.Linear(6, 1)
            self.hidden = nn.Linear(2, 6)

        def forward(self, x):
            return self.out(self.hidden(x).relu())

    assert diagrams.layer_sizes(OutputFirst()) == [2, 6, 1]


def test_a_module_whose_forward_fails_is_refused():
    class NoForward(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(2, 6)

    with pytest.raises(ValueError, match="forward pass fails on inputs of every size"):
        diagrams.layer_sizes(NoForward())


def test_highlighted_weights_are_drawn_thick_and_red():
    ax = diagrams.draw_network([1, 2, 1], highlight=[(1, 0, 1), (2, 1, 0)])
    red = [
        a
        for a in arrows(ax)
        if matplotlib.colors.same_color(a.get_edgecolor(), diagrams.HIGHLIGHT)
    ]
    assert len(red) == 2


@pytest.mark.parametrize(
    "bad, message",
    [
        (nn.Sequential(nn.ReLU()), "has no nn.Linear layer"),
        (nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)), "do not chain: 3 outputs"),
        ([3], "at least two positive layer sizes"),
        ([3, 0], "at least two positive layer sizes"),
    ],
)
def test_bad_networks_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        diagrams.layer_sizes(bad)


def test_neuron_has_its_inputs_and_parts():
    ax = diagrams.draw_neuron(4)
    texts = [t.get_text() for t in ax.texts]
    assert [f"$x_{i}$" in texts for i in range(1, 5)] == [True] * 4
    assert {"inputs", "weights", "sum", "activation", "output", "bias"} <= set(texts)
    with pytest.raises(ValueError, match="at least one input"):
        diagrams.draw_neuron(0)


def test_backprop_chain_labels_every_local_derivative():
    ax = diagrams.draw_backprop_chain()
    texts = {t.get_text() for t in ax.texts}
    for derivative in [
        "$a_2 - y$",
        r"$\sigma'(z_2)$",
        "$w_2$",
        r"$\sigma'(z_1)$",
        "$x$",
        "$a_1$",
    ]:
        assert derivative in texts


def test_autograd_graph_of_a_linear_model_and_its_loss():
    import torch

    model = nn.Linear(1, 1)
    loss = nn.MSELoss()(model(torch.ones(4, 1)), torch.zeros(4, 1))
    nodes, edges = diagrams.autograd_graph(loss, dict(model.named_parameters()))
    labels = sorted(text for text, _ in nodes.values())
    assert labels == [
        "AddmmBackward0",
        "MseLossBackward0",
        "TBackward0",
        "bias",
        "weight",
    ]
    assert len(edges) == 4
    depth = {text: d for text, d in nodes.values()}
    assert depth["MseLossBackward0"] == 0 and depth["weight"] == 3


def test_detach_cuts_the_first_layer_out_of_the_graph():
    import torch

    model = nn.Sequential(nn.Linear(1, 2), nn.Linear(2, 1))
    x = torch.ones(4, 1)
    params = dict(model.named_parameters())
    whole = diagrams.autograd_graph(model(x).sum(), params)[0]
    cut = diagrams.autograd_graph(model[1](model[0](x).detach()).sum(), params)[0]
    assert {"0.weight", "0.bias"} <= {t for t, _ in whole.values()}
    assert not {"0.weight", "0.bias"} & {t for t, _ in cut.values()}
    ax = diagrams.draw_autograd_graph(model(x).sum(), params)
    assert len(ax.patches) >= len(whole)


def test_autograd_graph_needs_a_recorded_tensor():
    import torch

    with pytest.raises(ValueError, match="has no grad_fn"):
        diagrams.autograd_graph(torch.ones(3))


def test_a_tensor_used_at_two_depths_is_drawn_left_of_every_use():
    """In sigmoid(w * x) + w, w feeds the product (depth 2) and the sum
    (depth 1): it belongs left of both, so every arrow points right."""
    import torch

    w = torch.tensor(0.5, requires_grad=True)
    out = torch.sigmoid(w * torch.tensor(2.0)) + w
    nodes, edges = diagrams.autograd_graph(out, {"w": w})
    depth = {node: d for node, (_, d) in nodes.items()}
    assert all(depth[src] > depth[dst] for src, dst in edges)
    (w_node,) = [node for node, (text, _) in nodes.items() if text == "w"]
    assert depth[w_node] == max(depth.values())
