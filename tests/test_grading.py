"""Every exercise grader passes a right answer and fails, in plain words, the
skeleton and typical mistakes."""

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from nnbook import grading
from nnbook.data import make_inverse_data, make_linear_data, make_moons_data
from nnbook.grading import ExerciseFailed
from nnbook.metrics import evaluate_r2
from nnbook.seed import set_seed
from nnbook.train import fit_model


def fails(match, grader, *args):
    with pytest.raises(ExerciseFailed, match=match):
        grader(*args)


def test_ones_tensor(capsys):
    grading.grade_ones_tensor(torch.tensor(np.ones((3, 4), dtype=np.float32)))
    assert "Correct!" in capsys.readouterr().out
    grading.grade_ones_tensor(torch.from_numpy(np.ones((3, 4), dtype=np.float32)))
    # the review's false passes: NumPy's default float64, and integers
    fails(
        "holds float64 numbers",
        grading.grade_ones_tensor,
        torch.tensor(np.ones((3, 4))),
    )
    fails(
        "dtype=np.float32",
        grading.grade_ones_tensor,
        torch.ones(3, 4, dtype=torch.int64),
    )
    placeholder = r"`t` is still `\.\.\.`: replace the `\.\.\.` with your answer"
    fails(placeholder, grading.grade_ones_tensor, ...)
    fails("should be a torch tensor", grading.grade_ones_tensor, np.ones((3, 4)))
    fails(
        r"shape \(3, 4\), but it has shape \(4, 3\)",
        grading.grade_ones_tensor,
        torch.ones(4, 3),
    )
    fails("only ones", grading.grade_ones_tensor, torch.zeros(3, 4))


def test_numpy_array():
    grading.grade_numpy_array(torch.tensor([[3, 4], [1, 2]]).numpy())
    fails("still a tensor", grading.grade_numpy_array, torch.tensor([[3, 4], [1, 2]]))
    # `.numpy` without its brackets: the method, not an array
    fails(r"call it, with brackets", grading.grade_numpy_array, torch.ones(2).numpy)
    fails(
        r"\[\[1, 2\], \[3, 4\]\]", grading.grade_numpy_array, np.array([[1, 2], [3, 4]])
    )


def test_linear_without_bias():
    grading.grade_linear_without_bias(nn.Linear(3, 2, bias=False))
    fails("bias=False", grading.grade_linear_without_bias, nn.Linear(3, 2))
    with pytest.raises(ExerciseFailed) as swapped:
        grading.grade_linear_without_bias(nn.Linear(2, 3, bias=False))
    assert "take 3 inputs and have 2 neurons, but it takes 2 inputs" in str(
        swapped.value
    )
    assert "nn.Linear(3, 2" not in str(swapped.value)  # not the answer itself


def create_model():
    set_seed(0)
    return nn.Linear(1, 1)


def predict(model, X):
    return model(X)


def test_create_model_and_predict():
    grading.grade_create_model_and_predict(create_model, predict)

    def unseeded():
        return nn.Linear(1, 1)

    def raises(model, X):
        raise NotImplementedError

    def detached(model, X):
        return model(X).detach()

    fails("set_seed", grading.grade_create_model_and_predict, unseeded, predict)
    fails(
        "not written yet", grading.grade_create_model_and_predict, create_model, raises
    )
    fails(
        "no gradient history",
        grading.grade_create_model_and_predict,
        create_model,
        detached,
    )


def readers_fit_model(model, optim, loss_op, X, y, n_iter):
    """The training loop as a reader writes it."""
    losses = []
    for _ in range(n_iter):
        optim.zero_grad()
        loss = loss_op(model(X), y)
        loss.backward()
        optim.step()
        losses.append(loss.item())
    return losses


def test_fit_model():
    grading.grade_fit_model(readers_fit_model)
    # the review: `fit_model = nnbook.train.fit_model` passed
    fails("the book's own", grading.grade_fit_model, fit_model)

    def half_written(model, optim, loss_op, X, y, n_iter):
        losses = ...
        for _ in range(n_iter):
            losses.append(1.0)
        return losses

    fails(
        r"`fit_model` still uses a `...` \(in your code, line \d+: losses.append",
        grading.grade_fit_model,
        half_written,
    )

    def returns_none(model, optim, loss_op, X, y, n_iter):
        for _ in range(n_iter):
            optim.zero_grad()
            loss_op(model(X), y).backward()
            optim.step()

    def never_steps(model, optim, loss_op, X, y, n_iter):
        return [loss_op(model(X), y).item() for _ in range(n_iter)]

    def never_zeroes(model, optim, loss_op, X, y, n_iter):
        losses = []
        for _ in range(n_iter):
            loss = loss_op(model(X), y)
            loss.backward()
            optim.step()
            losses.append(loss.item())
        return losses

    fails(
        "returned None; it should return the list of loss values",
        grading.grade_fit_model,
        returns_none,
    )
    fails(
        "weights did not change: call optim.step()",
        grading.grade_fit_model,
        never_steps,
    )
    fails("zero", grading.grade_fit_model, never_zeroes)

    def zeroes_after_backward(model, optim, loss_op, X, y, n_iter):
        losses = []
        for _ in range(n_iter):
            loss = loss_op(model(X), y)
            loss.backward()
            optim.zero_grad()
            optim.step()
            losses.append(loss.item())
        return losses

    def no_backward(model, optim, loss_op, X, y, n_iter):
        losses = []
        for _ in range(n_iter):
            optim.zero_grad()
            loss = loss_op(model(X), y)
            optim.step()
            losses.append(loss.item())
        return losses

    # the review: "call optim.step()" when step was called
    for wrong in (zeroes_after_backward, no_backward):
        fails("step found no gradient", grading.grade_fit_model, wrong)


def lr_histories(rates=(0.05, 0.01, 0.001)):
    X, y = make_linear_data()
    result = {}
    for lr in rates:
        model = create_model()
        optim = torch.optim.SGD(model.parameters(), lr=lr)
        result[lr] = fit_model(model, optim, nn.MSELoss(), X, y, 100)
    return result


def test_learning_rates():
    grading.grade_learning_rates(lr_histories())
    fails("should have the keys", grading.grade_learning_rates, lr_histories((0.01,)))
    wrong = lr_histories()
    X, y = make_linear_data()
    model = nn.Linear(1, 1)  # not from create_model: another start
    wrong[0.01] = fit_model(
        model, torch.optim.SGD(model.parameters(), lr=0.01), nn.MSELoss(), X, y, 100
    )
    fails("start from different losses", grading.grade_learning_rates, wrong)
    y_t = torch.from_numpy(y).view(-1, 1)
    y_flat = torch.from_numpy(y)  # the broadcast trap: (100,) against (100, 1)
    with pytest.warns(UserWarning, match="broadcasting"):
        flat = {
            lr: unchecked_fit(create_model(), X, y_flat, lr)
            for lr in (0.05, 0.01, 0.001)
        }
    fails(r"targets have shape \(100,\)", grading.grade_learning_rates, flat)
    # the review: one fixed rate, Adam, L1Loss all got "train on X_t and y_t"
    fixed = {
        lr: unchecked_fit(create_model(), X, y_t, 0.01) for lr in (0.05, 0.01, 0.001)
    }
    fails("the final loss at the rate 0.01", grading.grade_learning_rates, fixed)
    adam = {
        lr: unchecked_fit(create_model(), X, y_t, lr, torch.optim.Adam)
        for lr in (0.05, 0.01, 0.001)
    }
    fails("use torch.optim.SGD", grading.grade_learning_rates, adam)
    l1 = {
        lr: unchecked_fit(create_model(), X, y_t, lr, loss_op=nn.L1Loss())
        for lr in (0.05, 0.01, 0.001)
    }
    fails(r"use nn.MSELoss\(\)", grading.grade_learning_rates, l1)


def unchecked_fit(model, X, y, lr, optimizer=torch.optim.SGD, loss_op=None):
    """A plain training loop with no shape checks, like a reader's fit_model."""
    optim = optimizer(model.parameters(), lr=lr)
    return readers_fit_model(
        model, optim, loss_op or nn.MSELoss(), torch.from_numpy(X), y, 100
    )


def trained(model, X, y, lr, n, loss_op=None):
    optim = torch.optim.SGD(model.parameters(), lr=lr)
    return fit_model(model, optim, loss_op or nn.MSELoss(), X, y, n)


def test_linear_network():
    X, y = make_linear_data()
    set_seed(0)
    model = nn.Sequential(nn.Linear(1, 2), nn.Linear(2, 1))
    losses = trained(model, X, y, 0.01, 100)
    grading.grade_linear_network(model, losses)
    set_seed(0)
    curved = nn.Sequential(nn.Linear(1, 2), nn.Sigmoid(), nn.Linear(2, 1))
    fails(  # the review: "should apply Identity after every layer" was jargon
        "has an activation between its layers, but this network has none",
        grading.grade_linear_network,
        curved,
        trained(curved, X, y, 0.1, 100),
    )
    fails(
        "linear layers 1 -> 2 -> 1, but it has 1 -> 1",
        grading.grade_linear_network,
        nn.Linear(1, 1),
        losses,
    )

    class TwoLayers(nn.Module):
        def __init__(self):
            super().__init__()
            self.first, self.second = nn.Linear(1, 2), nn.Linear(2, 1)

        def forward(self, x):
            return self.second(self.first(x))

    unseeded = nn.Sequential(nn.Linear(1, 2), nn.Linear(2, 1))  # the review: unchecked
    fails(
        "call set_seed",
        grading.grade_linear_network,
        unseeded,
        trained(unseeded, X, y, 0.01, 100),
    )
    set_seed(0)
    other = nn.Sequential(nn.Linear(1, 2), nn.Linear(2, 1))
    # the review's false pass: another instance trained, `model` left as built
    fails(
        "`model` is not the model that `losses` trained",
        grading.grade_linear_network,
        other,
        trained(nn.Sequential(nn.Linear(1, 2), nn.Linear(2, 1)), X, y, 0.01, 100),
    )
    set_seed(0)
    as_class = TwoLayers()
    fails(
        "build it with nn.Sequential",
        grading.grade_linear_network,
        as_class,
        trained(as_class, X, y, 0.01, 100),
    )


def readers_evaluate_r2(model, X, y):
    from sklearn.metrics import r2_score

    with torch.no_grad():
        return r2_score(y.numpy(), model(X)[:, 0].numpy())


def test_evaluate_r2():
    grading.grade_evaluate_r2(readers_evaluate_r2)
    fails("the book's own", grading.grade_evaluate_r2, evaluate_r2)

    def as_tensor(model, X, y):  # right, as a 0-d tensor: the review saw it refused
        with torch.no_grad():
            pred = model(X)[:, 0]
        return 1 - ((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum()

    grading.grade_evaluate_r2(as_tensor)

    def on_broadcast(model, X, y):  # compares (N, 1) predictions with ... wrongly
        pred = model(X).detach().numpy()
        return float(1 - ((y.numpy() - pred) ** 2).mean() / y.numpy().var())

    fails("R² is", grading.grade_evaluate_r2, on_broadcast)
    fails("should return a number", grading.grade_evaluate_r2, lambda m, X, y: "0.8")


class Nonlinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(1, 2)
        self.output = nn.Linear(2, 1)

    def forward(self, x):
        return self.output(torch.sigmoid(self.hidden(x)))


class Forgets(Nonlinear):
    def forward(self, x):
        return self.output(self.hidden(x))


def test_nonlinear_network():
    X, y = make_inverse_data()
    set_seed(0)
    model = Nonlinear()
    grading.grade_nonlinear_network(
        Nonlinear, model, trained(model, X, y, 0.1, 1000), X, y
    )
    fails(
        "should apply sigmoid",
        grading.grade_nonlinear_network,
        Forgets,
        model,
        [1.0],
        X,
        y,
    )
    set_seed(0)
    losses = trained(Nonlinear(), X, y, 0.1, 1000)
    set_seed(0)
    rebuilt = Nonlinear()  # the review's false pass: built again after training
    fails(
        "do not build it again",
        grading.grade_nonlinear_network,
        Nonlinear,
        rebuilt,
        losses,
        X,
        y,
    )
    set_seed(0)
    with_l1 = Nonlinear()  # the review: L1Loss was told "train with lr=0.1"
    l1_losses = trained(with_l1, X, y, 0.1, 1000, nn.L1Loss())
    fails(
        r"train `model` with nn.MSELoss\(\)",
        grading.grade_nonlinear_network,
        Nonlinear,
        with_l1,
        l1_losses,
        X,
        y,
    )
    set_seed(0)
    slow = Nonlinear()
    fails(
        "no better than the best straight line",
        grading.grade_nonlinear_network,
        Nonlinear,
        slow,
        trained(slow, X, y, 0.001, 1000),
        X,
        y,
    )


class Classifier(nn.Module):
    def __init__(self, act=torch.sigmoid, sizes=(2, 2, 1)):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self.act = act

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return torch.sigmoid(self.layers[-1](x))


def test_classifier_training():
    X, y = make_moons_data()
    set_seed(0)
    model = Classifier()
    losses = trained(model, X, y, 0.5, 1000, nn.BCELoss())
    grading.grade_classifier_training(model, losses, X, y)
    set_seed(0)
    untrained = Classifier()
    fails(
        r"`losses` is empty: append loss.item\(\) in every iteration",
        grading.grade_classifier_training,
        untrained,
        [],
        X,
        y,
    )
    set_seed(0)
    with_mse = Classifier()
    mse_losses = trained(with_mse, X, y, 0.5, 1000)
    fails(
        r"train `model` with nn.BCELoss\(\)",
        grading.grade_classifier_training,
        with_mse,
        mse_losses,
        X,
        y,
    )
    fails(
        "should be a list of numbers",
        grading.grade_classifier_training,
        model,
        np.array(losses),
        X,
        y,
    )
    set_seed(0)
    slow = Classifier()  # the review's false pass: the rate 0.05, not 0.5
    slow_losses = trained(slow, X, y, 0.05, 1000, nn.BCELoss())
    fails("at lr=0.5", grading.grade_classifier_training, slow, slow_losses, X, y)
    set_seed(0)
    fails(  # built again after training: not "train with nn.BCELoss()"
        "do not build it again",
        grading.grade_classifier_training,
        Classifier(),
        losses,
        X,
        y,
    )


def test_deep_networks():
    grading.grade_deep_sigmoid_network(lambda: Classifier(sizes=(2, 20, 20, 1)))
    grading.grade_tanh_network(lambda: Classifier(torch.tanh, (2, 20, 20, 1)))
    fails(
        "should apply tanh",
        grading.grade_tanh_network,
        lambda: Classifier(sizes=(2, 20, 20, 1)),
    )
    fails(
        "2 -> 20 -> 20 -> 1, but it has 2 -> 2 -> 1",
        grading.grade_deep_sigmoid_network,
        Classifier,
    )
    fails("is still `...`", grading.grade_tanh_network, ...)

    class InAList(nn.Module):  # the review: "has no nn.Linear layers"
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 20), nn.Linear(20, 20), nn.Linear(20, 1)]

        def forward(self, x):
            for layer in self.layers[:-1]:
                x = torch.sigmoid(layer(x))
            return torch.sigmoid(self.layers[-1](x))

    fails("nn.ModuleList", grading.grade_deep_sigmoid_network, InAList)
    # the review: 20 -> 21 then 20 -> 1 gave torch's "(3x21 and 20x1)"
    fails(
        "one gives 21 outputs, but no layer takes 21 inputs",
        grading.grade_deep_sigmoid_network,
        MisFit,
    )


class MisFit(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden1 = nn.Linear(2, 20)
        self.hidden2 = nn.Linear(20, 21)
        self.output = nn.Linear(20, 1)

    def forward(self, x):
        x = torch.sigmoid(self.hidden1(x))
        x = torch.sigmoid(self.hidden2(x))
        return torch.sigmoid(self.output(x))


class Reordered(nn.Module):
    """Defines its output layer first: the order of use is what counts."""

    def __init__(self):
        super().__init__()
        self.output = nn.Linear(2, 1)
        self.hidden = nn.Linear(1, 2)

    def forward(self, x):
        return self.output(torch.sigmoid(self.hidden(x)))


def test_layers_are_found_in_the_order_forward_uses_them():
    X, y = make_inverse_data()
    set_seed(0)
    model = Reordered()
    grading.grade_nonlinear_network(
        Reordered, model, trained(model, X, y, 0.1, 1000), X, y
    )


def test_losses_that_are_empty_or_hold_tensors_get_a_message():
    """Not an IndexError from inside the grader, and the odd value named."""
    set_seed(0)
    model = nn.Sequential(nn.Linear(1, 2), nn.Linear(2, 1))
    fails("`losses` is empty", grading.grade_linear_network, model, [])
    fails(
        "holds a Tensor",
        grading.grade_linear_network,
        model,
        [1.0, torch.tensor(0.5)],
    )


def early_stopping_solution(model, optim, loss_op, X, y, X_val, y_val, n_iter):
    import copy

    best_loss, best_state, best_iteration = float("inf"), None, None
    for iteration in range(n_iter):
        model.train()
        optim.zero_grad()
        loss_op(model(X), y).backward()
        optim.step()
        model.eval()
        with torch.no_grad():
            val_loss = loss_op(model(X_val), y_val).item()
        if val_loss < best_loss:
            best_loss, best_iteration = val_loss, iteration
            best_state = copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    return best_iteration


def test_early_stopping(capsys):
    grading.grade_early_stopping(early_stopping_solution)
    assert "Correct!" in capsys.readouterr().out

    def variant(off_by_one=0, copy_deeply=True, load=True, watch_training=False):
        def train(model, optim, loss_op, X, y, X_val, y_val, n_iter):
            import copy

            best_loss, best_state, best_iteration = float("inf"), None, None
            for iteration in range(n_iter):
                optim.zero_grad()
                loss_op(model(X), y).backward()
                optim.step()
                with torch.no_grad():
                    X_w, y_w = (X, y) if watch_training else (X_val, y_val)
                    watched = loss_op(model(X_w), y_w).item()
                if watched < best_loss:
                    best_loss, best_iteration = watched, iteration + off_by_one
                    state = model.state_dict()
                    best_state = copy.deepcopy(state) if copy_deeply else state
            if load:
                model.load_state_dict(best_state)
            return best_iteration

        return train

    fails("one more than the best iteration", grading.grade_early_stopping, variant(1))
    fails("without deepcopy", grading.grade_early_stopping, variant(copy_deeply=False))
    fails(
        "ends with the weights of the last",
        grading.grade_early_stopping,
        variant(load=False),
    )
    fails(
        "the \\*training\\* loss",
        grading.grade_early_stopping,
        variant(watch_training=True),
    )
    fails("returned None", grading.grade_early_stopping, lambda *args: None)
    fails("not written yet", grading.grade_early_stopping, _unwritten)


def _unwritten(*args):
    raise NotImplementedError


def minibatch_variant(
    shuffle=True, per_batch=False, zero=True, last_batch=False, per_epoch=False
):
    def fit_minibatches(model, optim, loss_op, X, y, batch_size, n_epochs):
        loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=shuffle)
        losses = []
        for _ in range(n_epochs):
            for X_batch, y_batch in loader:
                if zero:
                    optim.zero_grad()
                loss = loss_op(model(X_batch), y_batch)
                loss.backward()
                if not per_epoch:
                    optim.step()
                if per_batch:
                    losses.append(loss.item())
            if per_epoch:
                optim.step()
            if last_batch:
                losses.append(loss.item())
            elif not per_batch:
                with torch.no_grad():
                    losses.append(loss_op(model(X), y).item())
        return losses

    return fit_minibatches


def test_fit_minibatches(capsys):
    grading.grade_fit_minibatches(minibatch_variant())
    assert "Correct! 10 steps per epoch" in capsys.readouterr().out
    grader = grading.grade_fit_minibatches
    fails("shuffle=True", grader, minibatch_variant(shuffle=False))
    fails("30 losses, one per batch", grader, minibatch_variant(per_batch=True))
    fails("zero_grad\\(\\) ran 0 times", grader, minibatch_variant(zero=False))
    fails("not the loss of the last batch", grader, minibatch_variant(last_batch=True))
    fails("one step per epoch", grader, minibatch_variant(per_epoch=True))
    fails("returned None", grader, lambda *args: None)
    fails("not written yet", grader, _unwritten)


def test_standardised_prediction(capsys):
    X, y = make_linear_data(n=100, seed=0)
    X_std = torch.from_numpy((X - X.mean()) / X.std())
    set_seed(0)
    model = nn.Linear(1, 1)
    optim = torch.optim.SGD(model.parameters(), lr=0.1)
    fit_model(model, optim, nn.MSELoss(), X_std, y, 100)
    x_new = torch.tensor([[2.0], [5.0], [8.0]])
    X_t = torch.from_numpy(X)
    with torch.no_grad():
        right = model((x_new - X.mean()) / X.std())
        raw = model(x_new)
        own = model((x_new - x_new.mean()) / x_new.std())
        torch_std = model((x_new - X_t.mean()) / X_t.std())
    grader = grading.grade_standardised_prediction
    grader(model, x_new, right, X)
    # The standardised model, undone, is the least-squares line.
    assert "y = 1.960 + 0.722 x" in capsys.readouterr().out
    fails("gave the raw x_new", grader, model, x_new, raw, X)
    fails("its own mean", grader, model, x_new, own, X)
    fails("divides by N - 1", grader, model, x_new, torch_std, X)
    fails("shape \\(3, 1\\)", grader, model, x_new, right.view(-1), X)
    fails("still `...`", grader, model, x_new, ..., X)
    set_seed(0)
    fails("train it on X_std_t", grader, nn.Linear(1, 1), x_new, right, X)
    raw_model = nn.Linear(1, 1)
    optim = torch.optim.SGD(raw_model.parameters(), lr=0.01)
    fit_model(raw_model, optim, nn.MSELoss(), torch.from_numpy(X), y, 100)
    fails("fits the raw feature", grader, raw_model, x_new, right, X)
