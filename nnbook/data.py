"""The book's data sets, each a function of its size and seed.

Every function returns ``X: (N, M) float32`` and ``y: (N,) float32`` NumPy
arrays (``y`` holds 0/1 class labels for classification data).
"""

import numpy as np

#: Intercept of the true line y = 2 + 0.7 x behind :func:`make_linear_data`.
LINEAR_INTERCEPT = 2.0
#: Slope of the true line y = 2 + 0.7 x behind :func:`make_linear_data`.
LINEAR_SLOPE = 0.7


def _check_size(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")


def make_linear_data(n: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points around a straight line, for the first one-neuron regression.

    x is uniform on [1, 5) and sorted (so a line through the points plots
    cleanly); :math:`y = 2 + 0.7 x` + noise, with noise uniform on [-0.5, 0.5).

    Args:
        n: the number of points, at least 1.
        seed: the seed of the random draws; the same seed, the same points.

    Returns:
        The pair ``(X, y)``, X of shape (n, 1) and y of shape (n,), both float32.
    """
    _check_size(n)
    rng = np.random.default_rng(seed)
    x = 4 * np.sort(rng.random(n)) + 1
    noise = rng.random(n) - 0.5
    y = LINEAR_INTERCEPT + LINEAR_SLOPE * x + noise
    return x.reshape(-1, 1).astype(np.float32), y.astype(np.float32)


def make_inverse_data(n: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points around the curve y = 5 / x + 2, which no straight line fits.

    x is evenly spaced on [2, 10]; the noise is normal with standard
    deviation 1/7.

    Args:
        n: the number of points, at least 1.
        seed: the seed of the random draws; the same seed, the same points.

    Returns:
        The pair ``(X, y)``, X of shape (n, 1) and y of shape (n,), both float32.
    """
    _check_size(n)
    rng = np.random.default_rng(seed)
    x = np.linspace(2, 10, n)
    y = 5 / x + rng.standard_normal(n) / 7 + 2
    return x.reshape(-1, 1).astype(np.float32), y.astype(np.float32)


def make_moons_data(
    n: int = 1000, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half-circles: scikit-learn's ``make_moons``.

    Args:
        n: the number of points, at least 1, split evenly between the moons.
        noise: the standard deviation of the normal noise added to each
            coordinate; 0 puts every point on its half-circle.
        seed: the seed of the random draws; the same seed, the same points.

    Returns:
        The pair ``(X, y)``, X of shape (n, 2) holding the coordinates and y
        of shape (n,) holding the labels 0 or 1, both float32.
    """
    _check_size(n)
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    # Imported here: scikit-learn takes about a second to import, and most
    # pages that use this module never need it.
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    return X.astype(np.float32), y.astype(np.float32)
