"""make_matrix_sensing against closed forms and simple statistics."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.utils._param_validation import InvalidParameterError

from skprune.datasets import make_matrix_sensing


def clean_targets(X, U):
    """<A_i, U U^T> written directly: a loop over explicit A_i or x_i x_i^T."""
    M = U @ U.T
    if X.ndim == 3:
        return np.array([np.sum(A * M) for A in X])
    return np.array([x @ M @ x for x in X])


@pytest.mark.parametrize(
    "sensing, x_shape", [("gaussian", (50, 7, 7)), ("rank_one", (50, 7))]
)
def test_shapes(sensing, x_shape):
    X, y, U = make_matrix_sensing(
        50, 7, 3, sensing=sensing, random_state=0, return_factor=True
    )
    assert X.shape == x_shape and y.shape == (50,) and U.shape == (7, 3)
    assert len(make_matrix_sensing(50, 7, 3, sensing=sensing, random_state=0)) == 2


@pytest.mark.parametrize("sensing", ["gaussian", "rank_one"])
def test_deterministic_given_random_state(sensing):
    first = make_matrix_sensing(40, 5, 2, noise=0.3, sensing=sensing, random_state=3)
    second = make_matrix_sensing(40, 5, 2, noise=0.3, sensing=sensing, random_state=3)
    other = make_matrix_sensing(40, 5, 2, noise=0.3, sensing=sensing, random_state=4)
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a, b)
    assert not np.array_equal(first[1], other[1])


@pytest.mark.parametrize("sensing", ["gaussian", "rank_one"])
def test_noiseless_targets_equal_closed_form(sensing):
    """noise=0: y_i = <A_i, U* U*^T> exactly (up to round-off, rtol=1e-12)."""
    X, y, U = make_matrix_sensing(
        200, 6, 2, noise=0.0, sensing=sensing, random_state=1, return_factor=True
    )
    assert_allclose(y, clean_targets(X, U), rtol=1e-12, atol=1e-12)
    if sensing == "rank_one":
        assert np.all(y >= 0)  # a PSD quadratic form


@pytest.mark.parametrize("sensing", ["gaussian", "rank_one"])
def test_noise_level(sensing):
    """std(y - clean) is the requested noise, mean about 0.

    With n = 4000 draws the sample std has relative standard error
    1 / sqrt(2 n) ~ 1.1% and the mean a standard error noise / sqrt(n) ~ 0.016
    * noise; we allow 5% and 0.08 * noise (about 4.5 and 5 standard errors).
    """
    noise = 0.7
    X, y, U = make_matrix_sensing(
        4000, 4, 2, noise=noise, sensing=sensing, random_state=2, return_factor=True
    )
    residual = y - clean_targets(X, U)
    assert_allclose(np.std(residual), noise, rtol=0.05)
    assert abs(np.mean(residual)) < 0.08 * noise


def test_planted_factor_scale():
    """Entries of U* are N(0, 1/d): the sample variance over d * r = 1000 entries
    is 1/d within 20% (relative standard error sqrt(2/1000) ~ 4.5%)."""
    d, r = 200, 5
    _, _, U = make_matrix_sensing(10, d, r, random_state=0, return_factor=True)
    assert_allclose(np.var(U) * d, 1.0, rtol=0.2)
    assert np.linalg.matrix_rank(U @ U.T) == r


def test_rank_above_n_features_raises():
    with pytest.raises(ValueError, match="cannot exceed"):
        make_matrix_sensing(10, 4, 5)


@pytest.mark.parametrize(
    "params",
    [{"sensing": "laplace"}, {"noise": -1.0}, {"rank": 0}, {"n_samples": 0}],
)
def test_invalid_parameters_raise(params):
    with pytest.raises(InvalidParameterError):
        make_matrix_sensing(**{"n_samples": 10, "n_features": 4, "rank": 2, **params})
