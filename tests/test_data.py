import numpy as np
import pytest

from nnbook.data import (
    LINEAR_INTERCEPT,
    LINEAR_SLOPE,
    make_inverse_data,
    make_linear_data,
    make_moons_data,
)

MAKERS = [make_linear_data, make_inverse_data, make_moons_data]


@pytest.mark.parametrize("make", MAKERS)
def test_shapes_and_dtypes(make):
    X, y = make(n=50)
    assert X.ndim == 2 and X.shape[0] == 50
    assert y.shape == (50,)
    assert X.dtype == np.float32 and y.dtype == np.float32


@pytest.mark.parametrize("make", MAKERS)
def test_seed_repeats_and_varies(make):
    X1, y1 = make(n=30, seed=1)
    X2, y2 = make(n=30, seed=1)
    X3, y3 = make(n=30, seed=2)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(y1, y3)


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize(
    "bad, error", [(0, ValueError), (-3, ValueError), (2.0, TypeError)]
)
def test_bad_size(make, bad, error):
    with pytest.raises(error, match="n must"):
        make(n=bad)


def test_linear_data_follows_the_lesson():
    X, y = make_linear_data(n=1000)
    x = X[:, 0]
    assert np.all(np.diff(x) >= 0), "x is sorted"
    assert x.min() >= 1 and x.max() < 5
    noise = y - (LINEAR_INTERCEPT + LINEAR_SLOPE * x)
    assert noise.min() >= -0.5 - 1e-6 and noise.max() < 0.5 + 1e-6
    assert abs(noise.mean()) < 0.05


def test_inverse_data_follows_the_lesson():
    X, y = make_inverse_data(n=2000)
    x = X[:, 0]
    assert x[0] == 2 and x[-1] == 10
    noise = y - (5 / x + 2)
    assert abs(noise.std() - 1 / 7) < 0.01


def test_moons_are_two_balanced_classes():
    X, y = make_moons_data()
    assert X.shape == (1000, 2)
    assert set(np.unique(y)) == {0.0, 1.0}
    assert y.sum() == 500


def test_moons_reject_negative_noise():
    with pytest.raises(ValueError, match="noise"):
        make_moons_data(noise=-0.1)
