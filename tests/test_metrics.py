import numpy as np
import pytest
import torch
from torch import nn

from nnbook.data import make_linear_data
from nnbook.metrics import (
    classification_labels,
    evaluate_r2,
    show_classification_report,
)
from nnbook.seed import set_seed


def line_model(slope, intercept):
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(slope)
        model.bias.fill_(intercept)
    return model


def test_r2_of_the_true_line_is_high_and_of_a_constant_is_about_zero():
    X, y = make_linear_data(n=500)
    assert evaluate_r2(line_model(0.7, 2.0), X, y) > 0.85
    assert evaluate_r2(line_model(0.0, float(y.mean())), X, y) == pytest.approx(
        0, abs=1e-6
    )


def test_r2_matches_the_formula():
    X, y = make_linear_data(n=50)
    model = line_model(0.5, 2.5)
    pred = 0.5 * X[:, 0] + 2.5
    expected = 1 - ((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert evaluate_r2(model, X, y) == pytest.approx(expected, rel=1e-5)


def test_r2_refuses_mismatched_lengths():
    X, y = make_linear_data(n=50)
    with pytest.raises(ValueError, match="disagree"):
        evaluate_r2(line_model(1, 0), X, y[:10])


def test_r2_refuses_multi_output_models():
    set_seed(0)
    with pytest.raises(ValueError, match="one-output"):
        evaluate_r2(nn.Linear(1, 2), np.ones((4, 1)), np.ones(4))


class Threshold(nn.Module):
    """P(class 1) rises through 0.5 at x0 = 0."""

    def forward(self, X):
        return torch.sigmoid(10 * X[:, :1])


def test_labels_use_the_threshold():
    X = np.array([[-1.0, 0], [-0.01, 0], [0.01, 0], [1.0, 0]], np.float32)
    assert list(classification_labels(Threshold(), X)) == [0, 0, 1, 1]
    assert list(classification_labels(Threshold(), X, threshold=0.99)) == [0, 0, 0, 1]
    with pytest.raises(ValueError, match="between 0 and 1"):
        classification_labels(Threshold(), X, threshold=1.5)


def test_report_prints_per_class_precision(capsys):
    X = np.array([[-1.0, 0], [-0.5, 0], [0.5, 0], [1.0, 0]], np.float32)
    y = np.array([0, 1, 1, 1])
    show_classification_report(Threshold(), X, y)
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out
    # predicted [0, 0, 1, 1]: class 0 precision 1/2, class 1 recall 2/3
    rows = {
        line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()
    }
    assert rows["0"][0] == "0.500"
    assert rows["1"][1] == "0.667"
    assert "accuracy 0.750 on 4 points" in out
    # the width of a code output at 390 px
    assert max(len(line) for line in out.splitlines()) <= 38


def test_report_refuses_wrong_label_count():
    X = np.zeros((4, 2), np.float32)
    with pytest.raises(ValueError, match="3 labels but X has 4"):
        show_classification_report(Threshold(), X, np.array([0, 1, 1]))
