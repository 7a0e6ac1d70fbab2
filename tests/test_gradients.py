"""Values and gradients of the penalty, the datafit and the scaled objective,
and the two solvers.

Gradients are checked against central finite differences along random unit
directions ``v``: ``(f(x + h v) - f(x - h v)) / (2 h)`` vs ``<grad f(x), v>``.
With ``h = 1e-5`` and O(1) parameters the truncation error is
``O(h^2 f''') ~ 1e-9`` and the round-off ``O(eps |f| / h) ~ 1e-10``, so the
error, measured relative to ``||grad f||``, is below ``1e-8`` for a correct
gradient; we assert ``< 1e-5`` (three orders of margin), while any wrong
factor, sign or missing term gives an error of order one.

Values are checked against naive formulas written with explicit ``A_i``.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from skprune import solvers
from skprune.core import _ScaledObjective, estimate_scale
from skprune.datafit import QuadraticLeastSquares, QuadraticModel
from skprune.design import BLOCK_ROWS, RowDesign
from skprune.penalty import SmoothGroupLasso
from skprune.sensing import DenseSensing, RankOneSensing
from skprune.solvers import gradient_descent, lbfgs

FD_STEP = 1e-5
FD_RTOL = 1e-5
N_DIRECTIONS = 6
N_SAMPLES, D, K, P = 60, 5, 4, 3
MIXED_SIGNS = np.array([1.0, -1.0, 1.0, -1.0])


def check_gradient(func, grad, x, rng):
    """Central differences along random unit directions vs ``<grad, v>``."""
    gradient_norm = np.linalg.norm(grad)
    assert gradient_norm > 0, "a zero gradient would make the check vacuous"
    for _ in range(N_DIRECTIONS):
        v = rng.standard_normal(x.shape)
        v /= np.linalg.norm(v)
        finite_difference = (func(x + FD_STEP * v) - func(x - FD_STEP * v)) / (
            2 * FD_STEP
        )
        error = abs(finite_difference - float(np.sum(grad * v))) / gradient_norm
        assert error < FD_RTOL, f"relative gradient error {error:.2e}"


# -- the smooth group Lasso ---------------------------------------------------


def naive_penalty(U, beta):
    return sum(
        float(u @ u) / np.sqrt(float(u @ u) + beta) for u in U.T
    )  # one column at a time


def naive_penalty_over_rotations(U, signs, beta):
    """The penalty of each sign's columns rotated to be orthogonal: U_a Q with
    Q the right singular vectors of U_a (numpy's SVD), whose columns have the
    squared singular values of U_a as squared norms."""
    total = 0.0
    for sign in np.unique(signs):
        block = U[:, signs == sign]
        _, _, right = np.linalg.svd(block, full_matrices=False)
        total += naive_penalty(block @ right.T, beta)
    return total


@pytest.mark.parametrize("beta", [1e-4, 1e-2, 1.0])
def test_penalty_value_matches_column_loop(beta):
    """value is sum_j ||u_j||^2 / sqrt(||u_j||^2 + beta), columns looped."""
    rng = np.random.default_rng(0)
    U = rng.standard_normal((D, K)) * np.array([1e-3, 0.1, 1.0, 3.0])
    assert_allclose(SmoothGroupLasso(beta).value(U), naive_penalty(U, beta), rtol=1e-12)


@pytest.mark.parametrize("beta", [1e-4, 1e-2, 1.0])
def test_penalty_gradient_finite_differences(beta):
    """value_and_gradient: the naive value, and a gradient that matches
    central differences of value (columns of mixed scale)."""
    rng = np.random.default_rng(1)
    U = rng.standard_normal((D, K)) * np.array([1e-2, 0.1, 1.0, 3.0])
    penalty = SmoothGroupLasso(beta)
    value, gradient = penalty.value_and_gradient(U)
    assert_allclose(value, naive_penalty(U, beta), rtol=1e-12)
    check_gradient(penalty.value, gradient, U, rng)


@pytest.mark.parametrize("beta", [1e-4, 1e-2, 1.0])
def test_penalty_least_over_rotations(beta):
    """least_over_rotations, for columns of both signs (more columns of one
    sign than rows, so that its Gram matrix is singular): the naive penalty
    of each sign's columns rotated to be orthogonal by numpy's SVD; no more
    than the penalty of the columns as they are or of 100 random rotations
    of each sign's columns; the plain penalty where the columns are already
    orthogonal; a gradient that matches central differences; and columns of
    one sign only, one of them zero, give that zero column a zero
    gradient."""
    rng = np.random.default_rng(5)
    d = 3
    signs = np.array([1.0, -1.0, 1.0, 1.0, -1.0, 1.0])
    U = rng.standard_normal((d, signs.size)) * np.array([1e-2, 0.1, 1, 3, 1, 0.5])
    blocks = [np.flatnonzero(signs == sign) for sign in (-1.0, 1.0)]
    penalty = SmoothGroupLasso(beta)
    value, gradient = penalty.least_over_rotations(U, signs)
    assert_allclose(value, naive_penalty_over_rotations(U, signs, beta), rtol=1e-10)
    assert value <= naive_penalty(U, beta) + 1e-12
    for _ in range(100):
        rotated = U.copy()
        for columns in blocks:
            q, _ = np.linalg.qr(rng.standard_normal((columns.size,) * 2))
            rotated[:, columns] = U[:, columns] @ q
        assert value <= naive_penalty(rotated, beta) + 1e-12
    check_gradient(
        lambda V: penalty.least_over_rotations(V, signs)[0], gradient, U, rng
    )

    orthogonal, _ = np.linalg.qr(rng.standard_normal((d, d)))
    orthogonal *= np.array([0.2, 1.0, 2.5])
    one_sign = np.ones(d)
    assert_allclose(
        penalty.least_over_rotations(orthogonal, one_sign)[0],
        naive_penalty(orthogonal, beta),
        rtol=1e-12,
    )
    with_zero = np.column_stack([orthogonal[:, :2], np.zeros(d)])
    _, gradient = penalty.least_over_rotations(with_zero, one_sign)
    assert_allclose(gradient[:, 2], 0.0, atol=1e-14)


def test_penalty_near_zero_is_quadratic():
    """For ||u||^2 = s << beta: R ~ s / sqrt(beta) and grad ~ 2 u / sqrt(beta).

    Exact relative deviations are 1 - (1 + x)^(-1/2) <= x / 2 for the value and
    about x for the gradient, x = s / beta; we allow x and 2 x.
    """
    beta = 1.0
    rng = np.random.default_rng(2)
    U = 1e-3 * rng.standard_normal((D, K))
    s = np.sum(U**2, axis=0)
    x = np.max(s) / beta
    penalty = SmoothGroupLasso(beta)
    assert_allclose(penalty.value(U), np.sum(s) / np.sqrt(beta), rtol=x)
    assert_allclose(penalty.value_and_gradient(U)[1], 2 * U / np.sqrt(beta), rtol=2 * x)
    assert_allclose(penalty.column_curvature(np.zeros(3)), 2 / np.sqrt(beta))


def test_penalty_far_from_zero_is_group_lasso():
    """For ||u||^2 = s >> beta: R ~ sum ||u_j|| and grad ~ u_j / ||u_j||.

    Exact relative deviations are about x / 2 for both, x = beta / s; we allow x.
    """
    beta = 1e-6
    rng = np.random.default_rng(3)
    U = rng.standard_normal((D, K)) + 1.0
    norms = np.linalg.norm(U, axis=0)
    x = beta / np.min(norms) ** 2
    penalty = SmoothGroupLasso(beta)
    assert_allclose(penalty.value(U), np.sum(norms), rtol=x)
    assert_allclose(penalty.value_and_gradient(U)[1], U / norms, rtol=x)


@pytest.mark.parametrize("beta", [0.0, -1.0])
def test_penalty_rejects_nonpositive_beta(beta):
    """beta must be positive: the penalty is not smooth at zero otherwise."""
    with pytest.raises(ValueError, match="beta"):
        SmoothGroupLasso(beta)


# -- the least-squares datafit ------------------------------------------------


def make_problem(kind, linear, fit_intercept, seed=0):
    """A datafit, its explicit sensing matrices and linear design."""
    rng = np.random.default_rng(seed)
    if kind == "dense":
        X = rng.standard_normal((N_SAMPLES, D, D))  # non-symmetric on purpose
        matrices, operator = X, DenseSensing(X)
    else:
        X = rng.standard_normal((N_SAMPLES, D))
        X[rng.random(X.shape) < 0.3] = 0.0
        matrices = np.einsum("na,nb->nab", X, X)
        operator = RankOneSensing(sp.csr_matrix(X) if kind == "rank_one_csr" else X)
    Z = None
    if linear != "none":
        Z = rng.standard_normal((N_SAMPLES, P))
        Z[rng.random(Z.shape) < 0.3] = 0.0
    design = sp.csr_matrix(Z) if linear == "csr" else Z
    y = rng.standard_normal(N_SAMPLES) * 3.0
    datafit = QuadraticLeastSquares(operator, y, design, fit_intercept=fit_intercept)
    return datafit, matrices, Z, y


def naive_predictions(matrices, Z, U, signs, coef, intercept):
    """<A_i, U D U^T> + z_i . w + b, with explicit A_i, one sample at a time."""
    gram = sum(s * np.outer(u, u) for s, u in zip(signs, U.T, strict=True))
    linear = np.zeros(len(matrices)) if Z is None else Z @ coef
    return np.array([np.sum(A * gram) for A in matrices]) + linear + intercept


def naive_loss(matrices, Z, y, U, signs, coef, intercept):
    residual = naive_predictions(matrices, Z, U, signs, coef, intercept) - y
    return sum(r**2 for r in residual) / (2 * len(y))


DATAFIT_CASES = [
    ("dense", "none", False),
    ("rank_one", "none", False),
    ("rank_one_csr", "none", False),
    ("dense", "dense", True),
    ("rank_one", "dense", True),
    ("rank_one", "csr", True),
    ("rank_one_csr", "csr", False),
    ("rank_one_csr", "none", True),
]


@pytest.mark.parametrize("kind, linear, fit_intercept", DATAFIT_CASES)
def test_datafit_value_and_predictions_match_naive(kind, linear, fit_intercept):
    """predict/residual/mean_residual/value/value_gradient_and_correlation
    equal the explicit-A_i formula; the correlation
    ``C = (1/n) sum_i (y_i - f_i) S_i`` comes with dense measurements only."""
    datafit, matrices, Z, y = make_problem(kind, linear, fit_intercept)
    rng = np.random.default_rng(10)
    coef = rng.standard_normal(datafit.n_linear)
    intercept = 0.7 if fit_intercept else 0.0
    model = QuadraticModel(rng.standard_normal((D, K)), MIXED_SIGNS, coef, intercept)
    naive = naive_predictions(matrices, Z, model.factor, MIXED_SIGNS, coef, intercept)
    assert_allclose(datafit.predict(model), naive, rtol=1e-10, atol=1e-10)
    assert_allclose(datafit.residual(model), naive - y, rtol=1e-10, atol=1e-10)
    assert_allclose(datafit.mean_residual(model), np.mean(y - naive), rtol=1e-10)
    expected = naive_loss(matrices, Z, y, model.factor, MIXED_SIGNS, coef, intercept)
    assert_allclose(datafit.value(model), expected, rtol=1e-12)
    value, _, correlation = datafit.value_gradient_and_correlation(model)
    assert_allclose(value, expected, rtol=1e-12)
    if kind != "dense":
        assert correlation is None
        return
    symmetric = 0.5 * (matrices + matrices.transpose(0, 2, 1))
    expected_correlation = np.einsum("i,iab->ab", y - naive, symmetric) / len(y)
    assert_allclose(correlation, expected_correlation, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kind", ["dense", "rank_one", "rank_one_csr"])
@pytest.mark.parametrize("weighted", [False, True])
def test_residual_correlation_and_measurement_mean_are_weighted_sums(kind, weighted):
    """The pair that starts a fit, formed in one pass over dense data:
    (1/n) sum_i s_i (y_i - f_i) sym(A_i) and (1/n) sum_i s_i sym(A_i), with
    the weights normalized to mean one, against explicit A_i (x_i x_i^T for
    rank-one vectors)."""
    datafit, matrices, _, y = make_problem(kind, "none", False, seed=5)
    weights = np.random.default_rng(14).uniform(0.2, 3.0, N_SAMPLES)
    datafit = QuadraticLeastSquares(
        datafit.operator, y, sample_weight=weights if weighted else None
    )
    weights = weights if weighted else np.ones(N_SAMPLES)
    rng = np.random.default_rng(15)
    model = QuadraticModel(rng.standard_normal((D, K)), MIXED_SIGNS, np.zeros(0), 0.0)
    naive = naive_predictions(matrices, None, model.factor, MIXED_SIGNS, None, 0.0)
    symmetric = 0.5 * (matrices + matrices.transpose(0, 2, 1))
    correlation, mean = datafit.residual_correlation_and_measurement_mean(model)
    expected = np.einsum("i,iab->ab", weights * (y - naive), symmetric)
    assert_allclose(correlation, expected / weights.sum(), rtol=1e-10, atol=1e-10)
    expected = np.einsum("i,iab->ab", weights, symmetric) / weights.sum()
    assert_allclose(mean, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["dense", "rank_one", "rank_one_csr"])
@pytest.mark.parametrize("weighted", [False, True])
def test_measurement_mean_is_the_weighted_mean_of_the_matrices(kind, weighted):
    """measurement_mean() = (1/sum s) sum_i s_i sym(A_i) with explicit A_i
    (x_i x_i^T for rank-one vectors); for those it is also the vectors'
    second moment that input_second_moments gives."""
    datafit, matrices, _, y = make_problem(kind, "none", False, seed=4)
    weights = np.random.default_rng(13).uniform(0.2, 3.0, N_SAMPLES)
    datafit = QuadraticLeastSquares(
        datafit.operator, y, sample_weight=weights if weighted else None
    )
    weights = weights if weighted else np.ones(N_SAMPLES)
    symmetric = 0.5 * (matrices + matrices.transpose(0, 2, 1))
    expected = np.einsum("i,iab->ab", weights, symmetric) / weights.sum()
    assert_allclose(datafit.measurement_mean(), expected, rtol=1e-12, atol=1e-12)
    vectors, _ = datafit.input_second_moments()
    if kind == "dense":
        assert vectors is None
    else:
        assert_allclose(vectors, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind, linear, fit_intercept", DATAFIT_CASES)
def test_datafit_gradient_finite_differences(kind, linear, fit_intercept):
    """(dL/dU, dL/dw, dL/db) match central differences of the naive loss."""
    datafit, matrices, Z, y = make_problem(kind, linear, fit_intercept)
    rng = np.random.default_rng(11)
    n_factor, n_linear = D * K, datafit.n_linear

    def unpack(theta):
        U = theta[:n_factor].reshape(D, K)
        coef = theta[n_factor : n_factor + n_linear]
        intercept = theta[-1] if fit_intercept else 0.0
        return U, coef, intercept

    def func(theta):
        return naive_loss(matrices, Z, y, *_with_signs(unpack(theta)))

    theta = rng.standard_normal(n_factor + n_linear + int(fit_intercept))
    U, coef, intercept = unpack(theta)
    _, (grad_U, grad_coef, grad_intercept), _ = datafit.value_gradient_and_correlation(
        QuadraticModel(U, MIXED_SIGNS, coef, intercept)
    )
    assert grad_U.shape == (D, K) and grad_coef.shape == (n_linear,)
    if not fit_intercept:
        assert grad_intercept == 0.0
    gradient = np.concatenate(
        [grad_U.ravel(), grad_coef, [grad_intercept] if fit_intercept else []]
    )
    check_gradient(func, gradient, theta, rng)


def _with_signs(unpacked):
    U, coef, intercept = unpacked
    return U, MIXED_SIGNS, coef, intercept


@pytest.mark.parametrize("linear", ["dense", "csr"])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_fit_unpenalized_part_is_least_squares(linear, fit_intercept):
    """(w, b) equal numpy lstsq on the explicit design [Z, 1].

    The CSR path uses lsqr with atol = btol = 1e-12 on a well-conditioned
    Gaussian design, accurate to ~1e-10; rtol=1e-7 leaves margin.
    """
    datafit, _, Z, y = make_problem("rank_one", linear, fit_intercept)
    design = np.hstack([Z, np.ones((N_SAMPLES, 1))]) if fit_intercept else Z
    expected = np.linalg.lstsq(design, y, rcond=None)[0]
    coef, intercept = datafit.fit_unpenalized_part()
    assert_allclose(coef, expected[:P], rtol=1e-7, atol=1e-9)
    assert_allclose(intercept, expected[P] if fit_intercept else 0.0, atol=1e-9)


@pytest.mark.parametrize("kind", ["dense", "csr"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("duplicate", [False, True])
def test_unpenalized_part_of_standardized_rows_is_least_squares(
    kind, weighted, duplicate
):
    """With rows standardized on the fly (RowDesign: features with means up to
    3, scales from 0.1 to 10) over several blocks of rows, (w, b) equal numpy
    lstsq on the explicit design sqrt(s) [Z, 1], Z = (X - m) / s formed here,
    including its minimum-norm answer when a feature is repeated.

    Dense rows are reduced by a blocked QR factorization: the same problem
    as lstsq's to round-off (1e-10). CSR rows go to lsqr (atol = btol =
    1e-12): 1e-7 as above.
    """
    rng = np.random.default_rng(5)
    n, d = 2 * BLOCK_ROWS + 77, 4
    X = rng.uniform(-3, 3, d) + np.logspace(-1, 1, d) * rng.standard_normal((n, d))
    if duplicate:
        X = np.hstack([X, X[:, :1]])
    if kind == "csr":
        X = sp.csr_matrix(X * (rng.random(X.shape) < 0.5))
    dense = X.toarray() if sp.issparse(X) else X
    offset, scale = dense.mean(axis=0), dense.std(axis=0)
    y = dense @ rng.standard_normal(dense.shape[1]) + rng.standard_normal(n)
    weights = rng.uniform(0.1, 2.0, n) if weighted else None
    rows = RowDesign(X, offset, scale)
    datafit = QuadraticLeastSquares(
        RankOneSensing(rows), y, rows, fit_intercept=True, sample_weight=weights
    )
    root = np.ones(n) if weights is None else np.sqrt(weights)
    design = np.hstack([(dense - offset) / scale, np.ones((n, 1))]) * root[:, None]
    expected = np.linalg.lstsq(design, root * y, rcond=None)[0]
    coef, intercept = datafit.fit_unpenalized_part()
    rtol = 1e-7 if kind == "csr" else 1e-10
    assert_allclose(np.append(coef, intercept), expected, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("kind", ["dense", "rank_one", "rank_one_csr"])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_regress_along_is_weighted_least_squares(kind, fit_intercept, weighted):
    """The spectral start's sizes (regress_along, which overwrites its own
    float64 copies in place) equal numpy lstsq of y - f on the columns
    a_j v_j^T A_i v_j formed here from the explicit A_i, with a column of
    ones when there is an intercept (which is what centering by weighted
    means does), rows scaled by sqrt(s_i); the third direction repeats the
    first, so the answer is the minimum-norm one. The means are the
    columns' weighted means, and the curvature is the weighted Gram matrix
    (1/sum s) sum_i s_i q_i q_i^T of the columns (centered by those means
    with an intercept): the Hessian of the loss in the coefficients."""
    linear = "dense" if fit_intercept else "none"
    datafit, matrices, Z, y = make_problem(kind, linear, fit_intercept, seed=3)
    rng = np.random.default_rng(12)
    weights = rng.uniform(0.2, 3.0, N_SAMPLES) if weighted else np.ones(N_SAMPLES)
    datafit = QuadraticLeastSquares(
        datafit.operator,
        y,
        datafit.linear_design,
        fit_intercept=fit_intercept,
        sample_weight=weights if weighted else None,
    )
    coef = rng.standard_normal(datafit.n_linear)
    intercept = 0.7 if fit_intercept else 0.0
    model = QuadraticModel(rng.standard_normal((D, K)), MIXED_SIGNS, coef, intercept)
    directions = rng.standard_normal((D, 3))
    directions[:, 2] = directions[:, 0]
    signs = np.array([1.0, -1.0, 1.0])

    coefficients, curvature, means = datafit.regress_along(model, directions, signs)

    columns = np.column_stack(
        [
            sign * np.einsum("a,nab,b->n", v, matrices, v)
            for v, sign in zip(directions.T, signs, strict=True)
        ]
    )
    target = y - naive_predictions(
        matrices, Z, model.factor, MIXED_SIGNS, coef, intercept
    )
    design = np.hstack([columns, np.ones((N_SAMPLES, 1))]) if fit_intercept else columns
    root = np.sqrt(weights)
    expected = np.linalg.lstsq(root[:, None] * design, root * target, rcond=None)[0]
    assert_allclose(coefficients, expected[:3], rtol=1e-10, atol=1e-10)
    assert_allclose(coefficients[0], coefficients[2], rtol=1e-10)
    assert_allclose(means, np.average(columns, axis=0, weights=weights), rtol=1e-12)
    centered = columns - (means if fit_intercept else 0.0)
    gram = centered.T @ (weights[:, None] * centered) / weights.sum()
    assert_allclose(curvature, gram, rtol=1e-10, atol=1e-12 * np.abs(gram).max())


# -- the scaled penalized objective that the solvers minimize -----------------


@pytest.mark.parametrize(
    "kind, linear, fit_intercept",
    [
        ("dense", "none", False),
        ("rank_one", "none", False),
        ("rank_one", "dense", True),
        ("rank_one_csr", "csr", True),
    ],
)
@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.parametrize("modulo_rotations", [True, False])
def test_scaled_objective(kind, linear, fit_intercept, alpha, modulo_rotations):
    """_ScaledObjective: value * objective_scale == L + alpha * R~ (naive
    formulas; R~ the penalty after rotating each sign's columns to be
    orthogonal), or L + alpha * R with modulo_rotations=False, at the decoded
    model, flatten/model round-trip, and its gradient in the scaled variables
    matches central differences."""
    datafit, matrices, Z, y = make_problem(kind, linear, fit_intercept, seed=4)
    beta = 0.05
    penalty = SmoothGroupLasso(beta)
    scale = estimate_scale(datafit, MIXED_SIGNS)
    objective = _ScaledObjective(
        datafit, penalty, alpha, MIXED_SIGNS, scale, modulo_rotations=modulo_rotations
    )
    rng = np.random.default_rng(12)

    def unscaled(x):
        model = objective.model(x)
        if modulo_rotations:
            penalty_value = naive_penalty_over_rotations(
                model.factor, MIXED_SIGNS, beta
            )
        else:
            penalty_value = naive_penalty(model.factor, beta)
        return (
            naive_loss(
                matrices, Z, y, model.factor, MIXED_SIGNS, model.coef, model.intercept
            )
            + alpha * penalty_value
        )

    x = rng.standard_normal(D * K + datafit.n_linear + int(fit_intercept))
    model = objective.model(x)
    assert_allclose(objective.flatten(model), x, rtol=1e-13)
    value, gradient = objective(x)
    assert scale.loss_at_zero > 0
    # The objective is divided by the loss of the unpenalized part alone.
    assert_allclose(value * scale.loss_at_zero, unscaled(x), rtol=1e-10)
    assert gradient.shape == x.shape
    check_gradient(lambda z: objective(z)[0], gradient, x, rng)


@pytest.mark.parametrize("kind", ["dense", "rank_one"])
def test_scaled_objective_evaluates_a_point_once_in_any_unit(kind, monkeypatch):
    """Evaluated again at the point last evaluated, _ScaledObjective returns
    the same value and gradient without another datafit evaluation, and so
    does the objective in another unit (in_unit), its values then in that
    unit: value * unit and gradient * unit are those of the first. A new
    point is evaluated."""
    datafit, *_ = make_problem(kind, "none", False, seed=6)
    scale = estimate_scale(datafit, MIXED_SIGNS)
    objective = _ScaledObjective(datafit, None, 0.0, MIXED_SIGNS, scale)
    evaluated = []
    original = type(datafit).value_gradient_and_correlation
    monkeypatch.setattr(
        type(datafit),
        "value_gradient_and_correlation",
        lambda self, model: evaluated.append(model) or original(self, model),
    )
    x = np.random.default_rng(16).standard_normal(D * K)
    value, gradient = objective(x)
    again_value, again_gradient = objective(x.copy())
    assert len(evaluated) == 1
    assert again_value == value and np.array_equal(again_gradient, gradient)
    unit = 1e-3 * objective.objective_scale
    refined = objective.in_unit(unit)
    refined_value, refined_gradient = refined(x)
    assert len(evaluated) == 1
    ratio = objective.objective_scale / unit
    assert_allclose(refined_value, value * ratio, rtol=1e-15)
    assert_allclose(refined_gradient, gradient * ratio, rtol=1e-15)
    refined(x + 1e-3)
    assert len(evaluated) == 2


# -- solvers ------------------------------------------------------------------


def strongly_convex_quadratic(d=8, seed=0):
    """f(x) = x^T Q x / 2 - b^T x with Q = G G^T / d + I (eigenvalues in [1, ~6])."""
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((d, d))
    Q = G @ G.T / d + np.eye(d)
    b = rng.standard_normal(d)

    def objective(x):
        return 0.5 * float(x @ Q @ x) - float(b @ x), Q @ x - b

    return objective, np.linalg.solve(Q, b), rng.standard_normal(d)


@pytest.mark.parametrize("solver", [lbfgs, gradient_descent])
def test_solver_reaches_closed_form_minimizer(solver):
    """Minimizer of a strongly convex quadratic equals Q^{-1} b (np.linalg.solve).

    With tol=1e-14 both stopping rules leave f - f* <~ 1e-13 |f*|, hence
    ||x - x*|| <~ sqrt(2 (f - f*) / mu) ~ 1e-6 with mu >= 1; we allow 1e-5.
    """
    objective, x_star, x0 = strongly_convex_quadratic()
    result = solver(objective, x0, max_iter=2000, tol=1e-14)
    assert result.converged
    assert 0 < result.n_iter < 2000
    assert_allclose(result.x, x_star, atol=1e-5 * np.linalg.norm(x_star))
    curve = np.asarray(result.objective_curve)
    assert_allclose(curve[0], objective(x0)[0], rtol=1e-14)
    assert_allclose(curve[-1], objective(result.x)[0], rtol=1e-12)
    assert_allclose(curve[-1], objective(x_star)[0], rtol=1e-9)
    # Both solvers decrease the objective at every iteration (Armijo / Wolfe).
    assert np.all(np.diff(curve) <= 0)


def test_gradient_descent_records_every_iteration():
    """The curve has the start plus one value per iteration."""
    objective, _, x0 = strongly_convex_quadratic(seed=1)
    result = gradient_descent(objective, x0, max_iter=5, tol=0.0)
    assert not result.converged
    assert result.n_iter == 5 and len(result.objective_curve) == 6


@pytest.mark.parametrize("solver", [lbfgs, gradient_descent])
def test_solver_reports_non_convergence(solver):
    """A two-iteration budget is not enough on this quadratic (d=8, cond ~6)."""
    objective, x_star, x0 = strongly_convex_quadratic(seed=2)
    result = solver(objective, x0, max_iter=2, tol=1e-14)
    assert not result.converged
    assert result.n_iter == 2
    assert np.linalg.norm(result.x - x_star) > 1e-3


def counted_runs(monkeypatch) -> list:
    """A list that gets an entry for every run of scipy's L-BFGS-B that
    lbfgs starts from now on."""
    runs, run = [], solvers.minimize
    monkeypatch.setattr(
        solvers,
        "minimize",
        lambda *args, **kwargs: runs.append(1) or run(*args, **kwargs),
    )
    return runs


def test_lbfgs_restarts_without_evaluating_their_start_again(monkeypatch):
    """With tol = 0.5 L-BFGS stops after an iteration that lowers
    f = ||x - c||^2 / 2 (f near 100 at the start) by less than half of f,
    while the gradient is far above sqrt(tol): it restarts from where it
    stopped, up to max_restarts = 3 times. Every restart starts at a point
    already evaluated, so no point is evaluated twice: the objective is
    called at distinct points only, in more than one run of scipy's
    L-BFGS-B."""
    center = np.arange(1.0, 5.0)
    points, runs = [], counted_runs(monkeypatch)

    def objective(x):
        points.append(x.copy())
        return 0.5 * float((x - center) @ (x - center)), x - center

    result = lbfgs(objective, np.zeros(4), max_iter=100, tol=0.5)
    distinct = {tuple(point) for point in points}
    assert len(distinct) == len(points)
    assert len(runs) >= 2 and result.n_iter >= len(runs)


def test_lbfgs_stops_restarting_at_the_round_off_of_f(monkeypatch):
    """f = ||x||^2 / 2 whose gradient carries an error of norm 1e-2 that
    changes with x (the round-off of a gradient that the values do not
    share): the gradient test fails wherever L-BFGS goes, and each restart
    lowers f less. A restart that lowers f by at most round_off * |f| is the
    last: with round_off just above the first restart's relative decrease
    (read off a run with round_off = 0, which restarts until a restart lowers
    f by nothing or rises by round-off), 2 runs of scipy's L-BFGS-B; just
    below it, more. None converges."""
    ends = []
    run = solvers.minimize

    def spy(*args, **kwargs):
        result = run(*args, **kwargs)
        ends.append(result.fun)
        return result

    monkeypatch.setattr(solvers, "minimize", spy)
    phase = np.arange(1.0, 5.0)

    def objective(x):
        error = np.sin(1e4 * x + phase)
        return 0.5 * float(x @ x), x + 1e-2 * error / np.linalg.norm(error)

    x0 = np.arange(1.0, 5.0)
    assert not lbfgs(objective, x0, max_iter=1000, tol=1e-8).converged
    assert len(ends) >= 3 and ends[-1] >= ends[-2]  # the last lowered nothing
    relative_decrease = (ends[0] - ends[1]) / ends[1]
    for factor, n_runs in [(1.01, 2), (0.99, 3)]:
        ends.clear()
        result = lbfgs(
            objective,
            x0,
            max_iter=1000,
            tol=1e-8,
            round_off=factor * relative_decrease,
        )
        assert not result.converged
        assert len(ends) == 2 if n_runs == 2 else len(ends) >= 3


def test_lbfgs_first_step_is_the_given_inverse_curvature_times_the_gradient():
    """On f = lam ||x - c||^2 / 2 (curvature lam = 7 in every direction) the
    first trial step is -g / ||g|| without a scale (L-BFGS-B's unit step) and
    -g / lam with inverse_curvature = 1 / lam, which lands on c (closed
    form): then two evaluations in all, one iteration, converged, and the
    scale returned is s^T y / y^T y = 1 / lam."""
    lam, center, x0 = 7.0, np.arange(1.0, 5.0), np.zeros(4)

    def objective(x):
        points.append(x.copy())
        return 0.5 * lam * float((x - center) @ (x - center)), lam * (x - center)

    points = []
    lbfgs(objective, x0, max_iter=100, tol=1e-10)
    gradient = lam * (x0 - center)
    assert_allclose(points[1], x0 - gradient / np.linalg.norm(gradient), rtol=1e-14)

    points = []
    result = lbfgs(objective, x0, max_iter=100, tol=1e-10, inverse_curvature=1 / lam)
    assert len(points) == 2 and result.n_iter == 1 and result.converged
    assert_allclose(points[1], center, rtol=1e-14)
    assert_allclose(result.inverse_curvature, 1 / lam, rtol=1e-12)


def test_lbfgs_restart_starts_from_the_scale_of_the_run_before(monkeypatch):
    """On f = lam ||x - c||^2 / 2 (lam = 7) from ||x0 - c|| = 5.5 with
    tol = 0.5: the unit first step lowers f by a third, less than half, with
    a gradient far above sqrt(tol), so the run stops and L-BFGS restarts.
    The restart's first step is -g / lam (the first run's s^T y / y^T y is
    1 / lam), which lands on c: three points evaluated in two runs
    (closed form)."""
    lam, center, x0 = 7.0, np.arange(1.0, 5.0), np.zeros(4)
    points, runs = [], counted_runs(monkeypatch)

    def objective(x):
        points.append(x.copy())
        return 0.5 * lam * float((x - center) @ (x - center)), lam * (x - center)

    result = lbfgs(objective, x0, max_iter=100, tol=0.5)
    direction = (center - x0) / np.linalg.norm(center - x0)
    assert len(runs) == 2 and result.converged
    assert_allclose(np.array(points), [x0, x0 + direction, center], rtol=1e-14)


def test_lbfgs_inverse_curvature_is_that_of_the_last_step():
    """On f = x^T Q x / 2 - b^T x the scale returned after k + 1 iterations is
    s^T Q s / s^T Q^2 s (y = Q s) for the step s between the iterates after k
    and k + 1 iterations, from runs that stop there (closed form)."""
    objective, _, x0 = strongly_convex_quadratic(seed=3)
    Q = np.array([objective(e)[1] - objective(np.zeros(8))[1] for e in np.eye(8)])
    for k in (1, 3):
        before = lbfgs(objective, x0, max_iter=k, tol=1e-14)
        after = lbfgs(objective, x0, max_iter=k + 1, tol=1e-14)
        step = after.x - before.x
        expected = (step @ Q @ step) / (step @ Q @ Q @ step)
        assert_allclose(after.inverse_curvature, expected, rtol=1e-10)


@pytest.mark.parametrize("inverse_curvature", [1e-8, 0.3, 1e3])
def test_lbfgs_with_a_first_step_scale_keeps_its_stopping_rule(
    monkeypatch, inverse_curvature
):
    """From a first step far too short, about right, or far too long, one
    run of L-BFGS-B reaches the closed-form minimizer Q^{-1} b of a strongly
    convex quadratic, its gradient below sqrt(tol) (the rule of lbfgs): the
    gradient test applies to grad f itself. Had it been left on the
    gradient in the scaled variables, c grad f with c = 1e-8 ||g||, the run
    would stop early with a gradient above sqrt(tol), and restart."""
    runs = counted_runs(monkeypatch)
    objective, x_star, x0 = strongly_convex_quadratic(seed=4)
    result = lbfgs(
        objective, x0, max_iter=2000, tol=1e-10, inverse_curvature=inverse_curvature
    )
    assert result.converged and len(runs) == 1
    assert np.max(np.abs(objective(result.x)[1])) <= np.sqrt(1e-10)
    assert_allclose(result.x, x_star, atol=1e-5 * np.linalg.norm(x_star))


def test_gradient_descent_stops_at_a_stationary_start():
    """Started at the closed-form minimizer of a quadratic with zero gradient."""

    def objective(x):
        return float(x @ x), 2 * x

    result = gradient_descent(objective, np.zeros(3), max_iter=10, tol=1e-8)
    assert result.converged and result.n_iter == 0
    assert np.array_equal(result.x, np.zeros(3))


@pytest.mark.parametrize("solver", [lbfgs, gradient_descent])
@pytest.mark.parametrize("where", ["value", "gradient"])
def test_solver_raises_on_nan(solver, where):
    """A NaN objective value or gradient raises FloatingPointError."""

    def objective(x):
        value, gradient = float(x @ x), 2 * x
        if where == "value":
            return np.nan, gradient
        return value, np.full_like(x, np.nan)

    with pytest.raises(FloatingPointError, match="not finite"):
        solver(objective, np.ones(3), max_iter=10, tol=1e-8)


def test_lbfgs_raises_when_iterates_diverge():
    """The objective turns NaN away from the start: L-BFGS must not return it.

    f(x) = -||x||^2 is unbounded below; we return NaN once ||x|| > 10, as an
    overflowing model would.
    """

    def objective(x):
        if np.linalg.norm(x) > 10:
            return np.nan, np.full_like(x, np.nan)
        return -float(x @ x), -2 * x

    with pytest.raises(FloatingPointError):
        lbfgs(objective, np.ones(3), max_iter=100, tol=1e-8)
