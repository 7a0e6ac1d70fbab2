"""The solvers' change of variables for correlated inputs (skprune.whitening).

References: the second moment of inputs built here from a known mixing, the
closed-form effect of the floor on its eigenvalues, central finite
differences of the objective in the whitened variables (test_gradients), and
the iteration limit a flat real problem reached without the change.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from test_gradients import check_gradient, naive_loss, naive_penalty_over_rotations

from skprune import QuadraticNetPruner
from skprune.core import _ScaledObjective, estimate_scale
from skprune.datafit import QuadraticLeastSquares
from skprune.design import RowDesign
from skprune.gram import GramLeastSquares, GramStatistics
from skprune.penalty import SmoothGroupLasso
from skprune.sensing import DenseSensing, RankOneSensing
from skprune.whitening import WHITENING_FLOOR, whitening

D = 6
EPS = np.finfo(float).eps


def correlated_inputs(n_samples, spectrum, seed=0):
    """Rows whose second moment is exactly ``Q diag(spectrum) Q^T``, with ``Q``
    a random rotation: standardized Gaussian rows, made exactly white, then
    mixed."""
    rng = np.random.default_rng(seed)
    rows = rng.standard_normal((n_samples, len(spectrum)))
    moment = rows.T @ rows / n_samples
    eigenvalues, eigenvectors = np.linalg.eigh(moment)
    rows = rows @ eigenvectors / np.sqrt(eigenvalues) @ eigenvectors.T
    rotation, _ = np.linalg.qr(rng.standard_normal((len(spectrum),) * 2))
    return rows @ (rotation * np.sqrt(spectrum)) @ rotation.T, rotation


def test_whitened_inputs_have_a_scaled_identity_second_moment():
    """Above the floor, W x has second moment mean(mu) * I, whatever the
    mixing; W and its inverse are symmetric and inverse to each other."""
    spectrum = np.array([0.05, 0.3, 1.0, 2.0, 4.0, 9.0])
    X, _ = correlated_inputs(500, spectrum)
    result = whitening(X.T @ X / len(X), EPS)
    whitened = X @ result.matrix
    assert_allclose(
        whitened.T @ whitened / len(X), np.mean(spectrum) * np.eye(D), atol=1e-10
    )
    assert_allclose(result.matrix, result.matrix.T, atol=1e-12)
    assert_allclose(result.matrix @ result.inverse, np.eye(D), atol=1e-10)


def test_the_floor_caps_the_stretch():
    """An eigenvalue below WHITENING_FLOOR times the mean is whitened as if it
    were at the floor: along its eigenvector W stretches by exactly
    1 / sqrt(WHITENING_FLOOR), and the whitened moment there is
    mu / WHITENING_FLOOR, not the mean."""
    spectrum = np.array([1e-5, 1.0, 1.0, 2.0, 3.0, 5.0])
    X, rotation = correlated_inputs(400, spectrum, seed=1)
    result = whitening(X.T @ X / len(X), EPS)
    mean = np.mean(spectrum)
    weak = rotation[:, 0]
    assert_allclose(
        np.linalg.norm(result.matrix @ weak),
        np.sqrt(mean) / np.sqrt(WHITENING_FLOOR * mean),
        rtol=1e-8,
    )
    whitened = X @ result.matrix
    assert_allclose(
        weak @ (whitened.T @ whitened / len(X)) @ weak,
        spectrum[0] / WHITENING_FLOOR,
        rtol=1e-6,
    )


def test_directions_the_inputs_do_not_span_are_left_alone():
    """With fewer samples than features, W is the identity on the orthogonal
    complement of the rows (no loss there, only the penalty) and whitens
    within their span."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((4, D)) @ np.diag([1.0, 3.0, 10.0, 1.0, 0.3, 2.0])
    result = whitening(X.T @ X / len(X), EPS)
    _, _, rows = np.linalg.svd(X)
    complement = rows[len(X) :].T
    assert_allclose(result.matrix @ complement, complement, atol=1e-10)
    whitened = X @ result.matrix
    moment = whitened.T @ whitened / len(X)
    span = rows[: len(X)].T
    spanned = np.linalg.eigvalsh(X.T @ X / len(X))[-len(X) :]
    mean = np.sum(spanned) / D
    # Along the span: mean where mu >= floor * mean, mu / floor below.
    expected = spanned / np.maximum(spanned / mean, WHITENING_FLOOR)
    assert_allclose(
        np.linalg.eigvalsh(span.T @ moment @ span), np.sort(expected), rtol=1e-8
    )


@pytest.mark.parametrize(
    "moment",
    [None, np.zeros((D, D)), np.diag([1.0, 1.2, 0.9, 1.1, 1.0, 2.0])],
    ids=["none", "zero", "nearly-isotropic"],
)
def test_no_whitening_where_it_would_not_pay(moment):
    """No second moment, a zero one (nothing to whiten) or a condition number
    below WHITENING_MIN_CONDITION (here 2.2) leave the variables alone."""
    assert whitening(moment, EPS) is None


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_objective_in_whitened_variables(fit_intercept, sparse):
    """With correlated inputs, the objective the solvers see decodes to the
    naive loss plus penalty (of each sign's columns rotated to be
    orthogonal), round-trips through flatten, and its gradient in
    the whitened variables matches central differences; the network's linear
    design (the same rows) gets the same whitening."""
    X, _ = correlated_inputs(80, [0.02, 0.1, 0.5, 1.0, 2.0, 6.0], seed=2)
    rng = np.random.default_rng(3)
    y = rng.standard_normal(len(X)) * 2.0
    rows = RowDesign(sp.csr_matrix(X) if sparse else X)
    datafit = QuadraticLeastSquares(
        RankOneSensing(rows), y, linear_design=rows, fit_intercept=fit_intercept
    )
    signs = np.array([1.0, -1.0, 1.0])
    scale = estimate_scale(datafit, signs)
    assert scale.factor_whitening is not None
    assert scale.linear_whitening is scale.factor_whitening
    beta, strength = 0.05, 0.3
    objective = _ScaledObjective(
        datafit, SmoothGroupLasso(beta), strength, signs, scale
    )
    matrices = np.einsum("na,nb->nab", X, X)
    x = rng.standard_normal(D * len(signs) + D + int(fit_intercept))
    model = objective.model(x)
    assert_allclose(objective.flatten(model), x, rtol=1e-12, atol=1e-12)
    value, gradient = objective(x)
    expected = naive_loss(
        matrices, X, y, model.factor, signs, model.coef, model.intercept
    ) + strength * naive_penalty_over_rotations(model.factor, signs, beta)
    assert_allclose(value * scale.loss_at_zero, expected, rtol=1e-10)
    check_gradient(lambda z: objective(z)[0], gradient, x, rng)


def test_the_gram_form_whitens_as_the_data_form():
    """For weighted rank-one measurements the Gram statistics give the second
    moment sum_i w_i x_i x_i^T / sum_i w_i written here, hence the data
    form's whitening; for dense matrices neither form whitens."""
    X, _ = correlated_inputs(150, [0.02, 0.1, 0.5, 1.0, 2.0, 6.0], seed=5)
    rng = np.random.default_rng(6)
    y = rng.standard_normal(len(X))
    weights = rng.uniform(0.0, 3.0, len(X))
    signs = np.array([1.0, -1.0])
    data = QuadraticLeastSquares(RankOneSensing(X), y, sample_weight=weights)
    gram = GramLeastSquares(GramStatistics.compute(data.operator, y, weights))
    explicit = (X * weights[:, None]).T @ X / weights.sum()
    assert_allclose(gram.input_second_moments()[0], explicit, rtol=1e-12)
    assert_allclose(data.input_second_moments()[0], explicit, rtol=1e-12)
    assert_allclose(
        estimate_scale(gram, signs).factor_whitening.matrix,
        estimate_scale(data, signs).factor_whitening.matrix,
        rtol=1e-10,
    )
    matrices = rng.standard_normal((40, D, D))
    dense = QuadraticLeastSquares(DenseSensing(matrices), y[:40])
    dense_gram = GramLeastSquares(GramStatistics.compute(dense.operator, y[:40]))
    assert estimate_scale(dense, signs).factor_whitening is None
    assert estimate_scale(dense_gram, signs).factor_whitening is None


def test_diabetes_fits_converge_within_the_default_limit():
    """load_diabetes's standardized features are nearly collinear (smallest
    eigenvalue of their correlation 0.009). Without whitening, default fits
    at alpha 0.02 to 0.08 ran into max_iter=1000 and warned; whitened, they
    converge with iterations to spare."""
    X, y = load_diabetes(return_X_y=True)
    for alpha in [0.08, 0.035, 0.02]:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            model = QuadraticNetPruner(alpha=alpha, random_state=0).fit(X, y)
        assert model.n_iter_ < 0.8 * model.max_iter
