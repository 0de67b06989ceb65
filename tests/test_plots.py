import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from nnbook import plots  # noqa: E402
from nnbook.data import make_linear_data, make_moons_data  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_plot_model_draws_points_and_a_dashed_prediction():
    X, y = make_linear_data(n=30)
    ax = plots.plot_model(X, y + 1, y)
    (line,) = ax.get_lines()
    assert line.get_linestyle() == "--"
    np.testing.assert_allclose(line.get_ydata(), y + 1)
    assert len(ax.collections) == 1 and ax.collections[0].get_offsets().shape == (30, 2)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["data", "prediction"]


def test_a_second_line_differs_in_style_and_colour():
    X, y = make_linear_data(n=30)
    ax = plots.plot_model(X, y + 1, y)
    plots.plot_model(X, y - 1, y, ax=ax, show_data=False)
    first, second = ax.get_lines()
    assert first.get_linestyle() != second.get_linestyle()
    assert first.get_color() != second.get_color()


def test_plot_model_accepts_a_detached_column_tensor():
    X, y = make_linear_data(n=10)
    ax = plots.plot_model(torch.from_numpy(X), torch.from_numpy(y).view(-1, 1), y)
    assert len(ax.get_lines()[0].get_ydata()) == 10


def test_plot_model_refuses_different_lengths():
    X, y = make_linear_data(n=10)
    with pytest.raises(ValueError, match="same length"):
        plots.plot_model(X, y[:5], y)


def test_loss_history_and_learning_rates():
    ax = plots.plot_loss_history([3.0, 2.0, 1.0])
    assert list(ax.get_lines()[0].get_ydata()) == [3.0, 2.0, 1.0]
    ax = plots.plot_learning_rates({0.1: [1, 0.5], 0.01: [1, 0.9]})
    assert len(ax.get_lines()) == 2 and ax.get_yscale() == "log"
    assert ax.get_legend().get_texts()[0].get_text() == "learning rate 0.1"
    with pytest.raises(ValueError):
        plots.plot_loss_history([])
    with pytest.raises(ValueError, match="histories is empty"):
        plots.plot_learning_rates({})


def test_decision_boundary_evaluates_a_100_by_100_grid_with_margin():
    X, y = make_moons_data(n=200)
    seen = []

    class Recorder(nn.Module):
        def forward(self, grid):
            seen.append(grid)
            return torch.sigmoid(grid[:, :1])

    ax = plots.plot_2d_decision_boundary(Recorder(), X, y)
    (grid,) = seen
    assert grid.shape == (100 * 100, 2)
    np.testing.assert_allclose(grid.min(0).values.numpy(), X.min(0) - 0.5, rtol=1e-5)
    np.testing.assert_allclose(grid.max(0).values.numpy(), X.max(0) + 0.5, rtol=1e-5)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["class 0", "class 1"]


def test_decision_boundary_takes_a_numpy_function_and_names_its_output():
    X, y = make_moons_data(n=50)
    seen = []

    def neuron(points):
        seen.append(points)
        return 1 / (1 + np.exp(-points[:, 0]))

    ax = plots.plot_2d_decision_boundary(neuron, X, y, output="neuron_output")
    (grid,) = seen
    assert grid.shape == (100 * 100, 2) and grid.dtype == np.float64
    assert ax.figure.axes[-1].get_ylabel() == plots.LABELS["neuron_output"]


def test_decision_boundary_wants_one_output_per_point():
    X, y = make_moons_data(n=50)
    with pytest.raises(ValueError, match="one output per point"):
        plots.plot_2d_decision_boundary(lambda points: points, X, y)


def test_decision_boundary_needs_two_features():
    with pytest.raises(ValueError, match="2 features"):
        plots.plot_2d_decision_boundary(nn.Linear(3, 1), np.zeros((5, 3)), np.zeros(5))


def test_activations_one_panel_each_with_derivative():
    fig = plots.plot_activations(["sigmoid", "relu", "tanh"])
    assert [ax.get_title() for ax in fig.axes] == ["sigmoid", "ReLU", "tanh"]
    assert all(len(ax.get_lines()) == 2 for ax in fig.axes)
    relu_derivative = fig.axes[1].get_lines()[1].get_ydata()
    assert set(relu_derivative[np.isfinite(relu_derivative)]) == {0.0, 1.0}


def test_activation_jumps_are_gaps_not_vertical_lines():
    fig = plots.plot_activations(["relu", "step"])
    for ax in fig.axes:
        for line in ax.get_lines():
            y = np.asarray(line.get_ydata(), dtype=float)
            # between two drawn neighbours the line never jumps
            steps = np.abs(np.diff(y))
            assert np.nanmax(steps) < 0.1, (ax.get_title(), line.get_label())
    # one scale: the derivatives, at most 1, are not squashed by ReLU's range
    assert all(ax.get_ylim()[1] < 2 for ax in fig.axes)


def test_all_text_comes_from_labels(monkeypatch):
    monkeypatch.setitem(plots.LABELS, "prediction", "предсказание")
    X, y = make_linear_data(n=5)
    ax = plots.plot_model(X, y, y)
    assert ax.get_legend().get_texts()[1].get_text() == "предсказание"
    with pytest.raises(KeyError, match="add it to nnbook.plots.LABELS"):
        plots.label("no-such-key")


def test_book_style_is_an_opaque_white_card():
    plots.use_book_style()
    assert plt.rcParams["figure.facecolor"] == "white"
    assert plt.rcParams["savefig.facecolor"] == "white"


def test_function_fits_one_curve_per_network_plus_target():
    x = np.linspace(0, 1, 20)
    ax = plots.plot_function_fits(x, x**2, {4: x, 16: x**2 + 0.01})
    assert len(ax.get_lines()) == 3
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["4 hidden neurons", "16 hidden neurons", "target"]
    with pytest.raises(ValueError, match="has 5 values for 20 points"):
        plots.plot_function_fits(x, x, {4: x[:5]})
    with pytest.raises(ValueError, match="fits is empty"):
        plots.plot_function_fits(x, x, {})


def test_gradient_norms_per_layer_on_a_log_scale():
    ax = plots.plot_gradient_norms(
        {
            plots.label("sigmoid"): [1e-6, 1e-3, 1.0],
            plots.label("relu_large_weights", factor=2): [5, 6, 7],
        }
    )
    (first, second) = ax.get_lines()
    assert list(first.get_xdata()) == [1, 2, 3]
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["sigmoid", "ReLU, weights ×2"]


def test_plot_model_adds_labelled_lines_in_new_colours():
    X, y = make_linear_data(n=10)
    ax = plots.plot_model(X, y, y, line_label=plots.label("untrained"))
    plots.plot_model(
        X, y + 1, y, ax=ax, show_data=False, line_label=plots.label("after_one_step")
    )
    assert len(ax.collections) == 1, "the data is drawn once"
    first, second = ax.get_lines()
    assert first.get_color() != second.get_color()
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["data", "before training", "after one step"]


def test_mark_prediction_adds_a_labelled_point():
    X, y = make_linear_data(n=10)
    ax = plots.mark_prediction(plots.plot_model(X, y, y), 2.0, 3.4)
    assert ax.collections[-1].get_offsets().tolist() == [[2.0, 3.4]]
    assert ax.get_legend().get_texts()[-1].get_text() == "prediction at x = 2"


def test_a_missing_field_is_not_reported_as_a_missing_label():
    key = next(k for k, text in plots.LABELS.items() if "{" in text)
    with pytest.raises(KeyError, match="needs the field"):
        plots.label(key)
    with pytest.raises(KeyError, match="no label 'no such label'"):
        plots.label("no such label")


def test_log_axes_are_labelled_with_plain_numbers():
    plots.use_book_style()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0.04, 0.8])
    ax.set_yscale("log")
    fig.canvas.draw()
    shown = [
        t.get_text()
        for t in ax.get_yticklabels() + ax.get_yticklabels(minor=True)
        if t.get_text() and ax.get_ylim()[0] <= t.get_position()[1] <= ax.get_ylim()[1]
    ]
    assert sorted(shown, key=float) == ["0.05", "0.1", "0.2", "0.5"]


def test_log_axes_far_from_one_are_labelled_with_powers_of_ten():
    plots.use_book_style()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1e-9, 1e5])
    ax.set_yscale("log")
    fig.canvas.draw()
    low, high = ax.get_ylim()
    shown = [
        t.get_text()
        for t in ax.get_yticklabels()
        if t.get_text() and low <= t.get_position()[1] <= high
    ]
    assert "$10^{-9}$" in shown and "$10^{5}$" in shown
    # one notation on the axis: no 1e+05, and no 0.001 beside 10^-5
    assert all(text.startswith("$10^{") for text in shown), shown
