import numpy as np
import pytest
import torch
from torch import nn

from nnbook.data import make_linear_data
from nnbook.seed import set_seed
from nnbook.train import fit_model, predict


def linear_setup(lr=0.01):
    set_seed(0)
    model = nn.Linear(1, 1)
    return model, torch.optim.SGD(model.parameters(), lr=lr), nn.MSELoss()


def test_the_lessons_check_final_loss_below_0_22():
    X, y = make_linear_data()
    model, optim, loss = linear_setup(lr=0.01)
    losses = fit_model(model, optim, loss, X, y, 100)
    assert len(losses) == 100
    assert all(isinstance(v, float) for v in losses)
    assert losses[-1] < 0.22
    assert losses[-1] < losses[0]


def test_updates_the_model_in_place():
    X, y = make_linear_data()
    model, optim, loss = linear_setup()
    before = model.weight.detach().clone()
    fit_model(model, optim, loss, X, y, 5)
    assert not torch.equal(before, model.weight)


def test_first_loss_is_the_untrained_models_loss():
    X, y = make_linear_data()
    model, optim, loss = linear_setup()
    expected = loss(model(torch.from_numpy(X)), torch.from_numpy(y).view(-1, 1)).item()
    assert fit_model(model, optim, loss, X, y, 1) == [pytest.approx(expected)]


def test_numpy_and_tensor_inputs_train_identically():
    X, y = make_linear_data()
    runs = []
    for X_in, y_in in [(X, y), (torch.from_numpy(X), torch.from_numpy(y))]:
        model, optim, loss = linear_setup()
        runs.append(fit_model(model, optim, loss, X_in, y_in, 10))
    assert runs[0] == runs[1]


def test_flat_target_trains_like_a_column_not_a_broadcast():
    """A (N,) target must not broadcast to (N, N) inside MSELoss."""
    X, y = make_linear_data()
    model, optim, loss = linear_setup()
    flat = fit_model(model, optim, loss, X, y, 10)
    model, optim, loss = linear_setup()
    column = fit_model(model, optim, loss, X, y.reshape(-1, 1), 10)
    assert flat == column
    # What plain MSELoss computes with the flat target is a different number.
    model, _, loss = linear_setup()
    with pytest.warns(UserWarning, match="broadcasting"):
        broadcast = loss(model(torch.from_numpy(X)), torch.from_numpy(y)).item()
    assert broadcast != pytest.approx(flat[0])


def test_other_shape_mismatch_names_both_shapes():
    X, _ = make_linear_data(n=20)
    model, optim, loss = linear_setup()
    with pytest.raises(ValueError, match=r"\(20, 1\).*\(20, 2\)"):
        fit_model(model, optim, loss, X, np.zeros((20, 2), np.float32), 3)


def test_different_record_counts_are_refused():
    X, y = make_linear_data(n=20)
    model, optim, loss = linear_setup()
    with pytest.raises(ValueError, match=r"X has shape \(20, 1\), y has shape \(19,\)"):
        fit_model(model, optim, loss, X, y[:19], 3)


def test_one_dimensional_X_gets_a_hint():
    X, y = make_linear_data(n=20)
    model, optim, loss = linear_setup()
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        fit_model(model, optim, loss, X[:, 0], y, 3)


def test_diverging_loss_names_the_iteration_and_the_remedy():
    X, y = make_linear_data()
    model, optim, loss = linear_setup(lr=10.0)
    with pytest.raises(
        FloatingPointError, match=r"at iteration \d+ .*learning rate 10"
    ):
        fit_model(model, optim, loss, X, y, 200)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"model": "not a model"}, TypeError, "torch.nn.Module"),
        ({"optim": None}, TypeError, "torch.optim optimizer"),
        ({"loss_op": 3}, TypeError, "callable"),
        ({"n_iter": 0}, ValueError, "at least 1"),
        ({"n_iter": 2.5}, TypeError, "n_iter must be an int"),
        ({"X": "abc"}, TypeError, "must hold numbers"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    X, y = make_linear_data(n=10)
    model, optim, loss = linear_setup()
    args = {
        "model": model,
        "optim": optim,
        "loss_op": loss,
        "X": X,
        "y": y,
        "n_iter": 3,
    }
    args.update(kwargs)
    with pytest.raises(error, match=message):
        fit_model(**args)


def test_class_index_loss_takes_integer_labels():
    set_seed(0)
    X = np.random.default_rng(0).random((30, 2), dtype=np.float32)
    y = (X[:, 0] > 0.5).astype(np.int64)
    model = nn.Linear(2, 2)
    optim = torch.optim.SGD(model.parameters(), lr=0.5)
    losses = fit_model(model, optim, nn.CrossEntropyLoss(), X, y, 50)
    assert losses[-1] < losses[0]


def test_predict_returns_flat_numpy_without_graph():
    X, _ = make_linear_data(n=7)
    model, _, _ = linear_setup()
    model.train()
    out = predict(model, X)
    assert isinstance(out, np.ndarray) and out.shape == (7,)
    assert model.training, "predict restores the model's mode"
    expected = model(torch.from_numpy(X)).detach().numpy()[:, 0]
    np.testing.assert_allclose(out, expected)


def test_predict_keeps_several_outputs():
    set_seed(0)
    assert predict(nn.Linear(3, 2), np.ones((4, 3))).shape == (4, 2)
