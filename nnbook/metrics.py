"""Scoring a trained network with the metrics used for any other model."""

# scikit-learn is imported by the functions that use it, not here: it takes
# about a second to import, which every page and the API reference would pay.

import numpy as np
from torch import nn

from nnbook._validation import as_float_tensor, check_same_length
from nnbook.train import predict


def evaluate_r2(model: nn.Module, X, y) -> float:
    """R² of a one-output regression model.

    Args:
        model: returns (N, 1) for ``X``.
        X: (N, M) features.
        y: (N,) true values.

    Returns:
        The coefficient of determination, 1 for a perfect fit and 0 for a
        model no better than predicting the mean.
    """
    y_t = as_float_tensor(y, "y")
    pred = predict(model, X)
    check_same_length(as_float_tensor(pred, "prediction"), y_t)
    if pred.ndim != 1:
        raise ValueError(
            f"evaluate_r2 needs a one-output model; got output {pred.shape}"
        )
    from sklearn.metrics import r2_score

    return float(r2_score(y_t.numpy().reshape(-1), pred))


def classification_labels(model: nn.Module, X, threshold: float = 0.5) -> np.ndarray:
    """Class labels from a model whose output is a probability.

    Args:
        model: outputs the probability of class 1, shape (N, 1).
        X: (N, M) features.
        threshold: probability from which a record is called class 1.

    Returns:
        (N,) integer labels, 1 where the probability is at least
        ``threshold``, else 0.
    """
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    proba = predict(model, X)
    if proba.ndim != 1:
        raise ValueError(
            f"expected one probability per record, got output shape {proba.shape}"
        )
    return (proba >= threshold).astype(int)


def show_classification_report(model: nn.Module, X, y, threshold: float = 0.5) -> None:
    """Print precision, recall and F1 per class, and the accuracy.

    The scores are computed by scikit-learn's
    ``precision_recall_fscore_support``.

    Args:
        model: outputs the probability of class 1, shape (N, 1).
        X: (N, M) features.
        y: (N,) true labels, 0 or 1.
        threshold: probability from which a record is called class 1.
    """
    labels = classification_labels(model, X, threshold)
    y_true = as_float_tensor(y, "y").numpy().reshape(-1).astype(int)
    if y_true.shape != labels.shape:
        raise ValueError(
            f"y has {y_true.shape[0]} labels but X has {labels.shape[0]} records"
        )
    from sklearn.metrics import precision_recall_fscore_support

    # Our own table, not scikit-learn's classification_report: 37 characters
    # wide, it fits a phone's screen, where the report (54 wide, with two rows
    # of averages) wraps.
    classes = [0, 1]
    precision, recall, f1, count = precision_recall_fscore_support(
        y_true, labels, labels=classes, zero_division=0
    )
    print(f"{'class':<5}{'precision':>10}{'recall':>8}{'F1':>7}{'points':>7}")
    for row in zip(classes, precision, recall, f1, count, strict=True):
        print(f"{row[0]:<5}{row[1]:>10.3f}{row[2]:>8.3f}{row[3]:>7.3f}{row[4]:>7}")
    accuracy = float(np.mean(labels == y_true))
    print(f"accuracy {accuracy:.3f} on {len(y_true)} points")
