"""Planted problems with a known low-rank answer."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "rank": [Interval(Integral, 1, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "sensing": [StrOptions({"gaussian", "rank_one"})],
        "random_state": ["random_state"],
        "return_factor": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_matrix_sensing(
    n_samples=500,
    n_features=20,
    rank=3,
    *,
    noise=0.0,
    sensing="gaussian",
    random_state=None,
    return_factor=False,
):
    """Generate a matrix-sensing problem with a planted rank-``rank`` PSD matrix.

    The planted factor ``U*`` has independent ``N(0, 1/d)`` entries, so its
    columns have norm about one and ``M* = U* U*^T`` has ``rank`` eigenvalues
    of order one. The targets are ``y_i = <A_i, M*> + noise * e_i`` with
    ``e_i ~ N(0, 1)``.

    Parameters
    ----------
    n_samples : int, default=500
        Number of measurements ``n``.
    n_features : int, default=20
        Size ``d`` of the ``d x d`` matrix.
    rank : int, default=3
        Rank ``r`` of ``M*``; at most ``n_features``.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise on ``y``.
    sensing : {"gaussian", "rank_one"}, default="gaussian"
        ``"gaussian"``: ``X`` has shape ``(n, d, d)``, the matrices ``A_i`` with
        independent standard normal entries. ``"rank_one"``: ``X`` has shape
        ``(n, d)``, standard normal vectors ``x_i`` with ``A_i = x_i x_i^T``
        (a two-layer network with quadratic activations and width ``r``).
    random_state : int, RandomState instance or None, default=None
        Seed of the generator.
    return_factor : bool, default=False
        Also return ``U*``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features, n_features) or (n_samples, n_features)
        The sensing matrices or vectors.
    y : ndarray of shape (n_samples,)
        The measurements.
    factor : ndarray of shape (n_features, rank)
        ``U*``; only when ``return_factor`` is true.

    Examples
    --------
    >>> from skprune.datasets import make_matrix_sensing
    >>> X, y, U = make_matrix_sensing(100, 5, 2, random_state=0, return_factor=True)
    >>> X.shape, y.shape, U.shape
    ((100, 5, 5), (100,), (5, 2))
    """
    if rank > n_features:
        raise ValueError(
            f"rank={rank} cannot exceed n_features={n_features}: a "
            f"{n_features} x {n_features} matrix has rank at most {n_features}."
        )
    generator = check_random_state(random_state)
    factor = generator.standard_normal((n_features, rank)) / np.sqrt(n_features)
    X, y = measure(factor, n_samples, sensing, noise, generator)
    return (X, y, factor) if return_factor else (X, y)


def measure(factor, n_samples, sensing, noise, generator):
    """Draw ``n_samples`` standard normal measurements of ``M* = U* U*^T``.

    ``y_i = <A_i, M*> + noise * e_i`` with standard normal ``e_i`` and, for
    ``sensing="gaussian"``, standard normal ``d x d`` matrices ``A_i`` (``X``
    of shape ``(n, d, d)``); for ``"rank_one"``, ``A_i = x_i x_i^T`` with
    standard normal ``x_i`` (``X`` of shape ``(n, d)``). ``X`` is drawn from
    ``generator`` first, then the noise.

    Parameters
    ----------
    factor : ndarray of shape (d, r)
        ``U*``.
    n_samples : int
        Number of measurements ``n``.
    sensing : {"gaussian", "rank_one"}
        The kind of measurements.
    noise : float
        Standard deviation of the noise.
    generator : numpy.random.RandomState
        Where the measurements and the noise are drawn from.

    Returns
    -------
    X : ndarray of shape (n_samples, d, d) or (n_samples, d)
        The sensing matrices or vectors.
    y : ndarray of shape (n_samples,)
        The measurements.
    """
    n_features = factor.shape[0]
    if sensing == "gaussian":
        X = generator.standard_normal((n_samples, n_features, n_features))
        y = X.reshape(n_samples, -1) @ (factor @ factor.T).ravel()
    else:
        X = generator.standard_normal((n_samples, n_features))
        y = np.sum((X @ factor) ** 2, axis=1)
    return X, y + noise * generator.standard_normal(n_samples)
