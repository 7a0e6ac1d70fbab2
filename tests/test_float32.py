"""float32 input is computed in float32, end to end.

What the guide (section 8, "Memory and float32") promises, against
independent references:

- ``X`` given as float32 is used as it is: the operators hold the caller's
  array (no float64 copy), and their products run in float32;
- gradients computed in float32 equal a float64 closed form (explicit
  ``A_i``) on the same numbers, to float32 precision;
- on planted problems the float32 fit is as close to the planted truth as a
  float64 oracle that knows the rank (or the width and signature) fitted to
  the same numbers: within 5%, as the float64 fits of
  ``tests/test_matrix_sensing.py`` and ``tests/test_quadratic_net.py``; on
  noiseless data its error is set by float32's round-off;
- the stopping tolerance is raised to what float32 can measure, so flat
  problems stop without a ConvergenceWarning.

The dtype of the predictions is tested for every estimator in
``tests/test_common.py``.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.optimize import minimize
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold

from skprune import GroupLassoMatrixSensing, QuadraticNetPruner
from skprune._oracles import explicit_matrices, rank_r_least_squares, relative_error
from skprune.core import TOL_FLOOR, attainable_tol
from skprune.datafit import QuadraticLeastSquares, QuadraticModel
from skprune.datasets import make_matrix_sensing
from skprune.design import RowDesign
from skprune.sensing import RankOneSensing, make_sensing_operator

EPS32 = float(np.finfo(np.float32).eps)


def sensing_problem(sensing, noise, seed=0):
    """A planted problem whose float32 inputs hold the numbers the targets
    are computed from: ``X32``, ``y`` and ``U*`` (``y`` exact in float64)."""
    sizes = {"gaussian": (500, 10, 2), "rank_one": (1200, 12, 3)}[sensing]
    X, _, U_star = make_matrix_sensing(
        *sizes, sensing=sensing, random_state=seed, return_factor=True
    )
    X32 = X.astype(np.float32)
    matrices = explicit_matrices(X32.astype(np.float64))
    y = np.einsum("nab,ab->n", matrices, U_star @ U_star.T)
    rng = np.random.default_rng(seed)
    return X32, y + noise * rng.standard_normal(len(y)), U_star


def network_problem(form, seed=0, n=2000, d=8, noise=0.1):
    """The general network on shifted features (means in [-3, 3], scales
    from 0.1 to 10; for CSR 60% of the entries are zero): ``X32``, ``y`` and
    the planted ``(W, signs, c, b)`` of ``f*(x) = sum_j a_j (w_j . x)^2 +
    c . x + b``, computed from the float32 numbers."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, d) + np.logspace(-1, 1, d) * rng.standard_normal((n, d))
    if form == "csr":
        X *= rng.random((n, d)) < 0.4
    X32 = X.astype(np.float32)
    X = X32.astype(np.float64)
    sd = X.std(axis=0)
    directions, _ = np.linalg.qr(rng.standard_normal((d, 3)))
    W = directions * rng.uniform(0.8, 1.2, 3) / sd[:, None]
    signs, c, b = np.array([1.0, 1.0, -1.0]), rng.standard_normal(d) / sd, 2.0
    truth = ((X @ W) ** 2) @ signs + X @ c + b
    y = truth + noise * rng.standard_normal(n)
    return (sp.csr_matrix(X32) if form == "csr" else X32), y, (W, signs, c, b)


def fit_without_warnings(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return estimator.fit(X, y)


# -- no copy, and products in float32 ------------------------------------------


@pytest.mark.parametrize(
    "Estimator, form",
    [
        (GroupLassoMatrixSensing, "matrices"),
        (GroupLassoMatrixSensing, "vectors"),
        (GroupLassoMatrixSensing, "csr"),
        (QuadraticNetPruner, "vectors"),
        (QuadraticNetPruner, "csr"),
    ],
)
def test_float32_input_is_used_without_a_copy(Estimator, form):
    """The datafit of a fit holds the caller's float32 array itself (the
    network's linear term the same rows, standardized on the fly), and its
    predictions are float32."""
    if form == "matrices":
        X, y, _ = sensing_problem("gaussian", 0.1)
    else:
        X, y, _ = sensing_problem("rank_one", 0.1)
        X = sp.csr_matrix(X) if form == "csr" else X
    estimator = Estimator(random_state=0)
    X_valid, y_valid = estimator._validate_X(X, y=y, reset=True)
    assert X_valid is X
    datafit = estimator._resolve_problem(X_valid, y_valid).datafit
    operator = datafit.operator
    assert operator.dtype == np.float32
    if form == "matrices":
        assert np.shares_memory(operator._flat, X)
    else:
        assert operator.rows.X is X
    if Estimator is QuadraticNetPruner:
        assert datafit.linear_design is operator.rows
    model = QuadraticModel(
        np.ones((X.shape[1], 1)), np.ones(1), np.zeros(datafit.n_linear), 0.0
    )
    assert datafit.predict(model).dtype == np.float32


# -- gradients in float32 -----------------------------------------------------------


def naive_value_and_gradient(matrices, Z, y, U, signs, coef, intercept):
    """L and (dL/dU, dL/dw, dL/db) in float64 with the explicit A_i and the
    explicit linear design Z (None for none)."""
    n = len(y)
    symmetric = 0.5 * (matrices + matrices.transpose(0, 2, 1))
    linear = np.zeros(n) if Z is None else Z @ coef
    residual = np.einsum("nab,ab->n", symmetric, (U * signs) @ U.T) + linear
    residual += intercept - y
    grad_U = (2 / n) * np.einsum("n,nab->ab", residual, symmetric) @ U * signs
    grad_coef = np.zeros(0) if Z is None else Z.T @ residual / n
    return 0.5 * residual @ residual / n, grad_U, grad_coef, residual.mean()


@pytest.mark.parametrize("kind", ["matrices", "vectors", "csr", "network"])
def test_float32_gradients_match_the_float64_closed_form(kind):
    """value_gradient_and_correlation on float32 data equals the float64 closed form on
    the same numbers to float32 precision.

    Each quantity is a sum of n = 60 products of O(1) numbers: float32
    arithmetic (round-off 6e-8) makes a relative error of a few times
    6e-8 * sqrt(60), about 1e-6, against the float64 sums (measured: 1e-7
    to 6e-7); we allow 2e-5.
    The network's rows are standardized on the fly (offset and scale folded
    into the products), the reference standardizes them explicitly.
    """
    rng = np.random.default_rng(3)
    n, d, k = 60, 5, 4
    signs = np.array([1.0, -1.0, 1.0, -1.0])
    if kind == "matrices":
        X = rng.standard_normal((n, d, d)).astype(np.float32)
        operator, Z = make_sensing_operator(X), None
        matrices = X.astype(np.float64)
        linear_design = None
    else:
        X = (3.0 + rng.standard_normal((n, d))).astype(np.float32)
        X = sp.csr_matrix(X * (rng.random((n, d)) < 0.5)) if kind == "csr" else X
        dense = X.toarray() if sp.issparse(X) else X
        offset, scale = (None, None)
        if kind == "network":
            offset, scale = dense.mean(axis=0, dtype=np.float64), np.linspace(1, 2, d)
        rows = RowDesign(X, offset, scale)
        Z = (dense.astype(np.float64) - (0.0 if offset is None else offset)) / (
            1.0 if scale is None else scale
        )
        matrices = np.einsum("na,nb->nab", Z, Z)
        operator = RankOneSensing(rows)
        linear_design = rows if kind == "network" else None
        Z = Z if kind == "network" else None
    y = rng.standard_normal(n)
    datafit = QuadraticLeastSquares(
        operator, y, linear_design, fit_intercept=kind == "network"
    )
    coef = rng.standard_normal(datafit.n_linear)
    intercept = 0.5 if kind == "network" else 0.0
    U = rng.standard_normal((d, k)) / np.sqrt(d)
    model = QuadraticModel(U, signs, coef, intercept)

    value, (grad_U, grad_coef, grad_b), _ = datafit.value_gradient_and_correlation(
        model
    )
    expected = naive_value_and_gradient(matrices, Z, y, U, signs, coef, intercept)
    assert grad_U.dtype == np.float64 and datafit.residual(model).dtype == np.float32
    assert_allclose(value, expected[0], rtol=2e-5)
    gradient = np.concatenate([grad_U.ravel(), grad_coef, [grad_b]])
    reference = np.concatenate([expected[1].ravel(), expected[2], [expected[3]]])
    if kind != "network":
        gradient, reference = gradient[:-1], reference[:-1]
    assert np.linalg.norm(gradient - reference) <= 2e-5 * np.linalg.norm(reference)


# -- accuracy against the planted truth -----------------------------------------------


@pytest.mark.parametrize("form", ["matrices", "vectors", "csr"])
def test_float32_sensing_is_as_accurate_as_the_oracle(form):
    """Noise 0.1: the rank is found and ||U U^T - M*||_F / ||M*||_F is within
    5% of the float64 oracle's that knows the rank, fitted to the same
    float32 numbers (measured: the same to 4 digits), with no
    ConvergenceWarning."""
    X32, y, U_star = sensing_problem(
        "gaussian" if form == "matrices" else "rank_one", 0.1
    )
    V, _ = rank_r_least_squares(X32.astype(np.float64), y, U_star.shape[1])
    X = sp.csr_matrix(X32) if form == "csr" else X32
    model = fit_without_warnings(GroupLassoMatrixSensing(random_state=0), X, y)
    assert model.n_components_ == U_star.shape[1]
    error = relative_error(model.components_.T, U_star)
    assert error <= 1.05 * relative_error(V, U_star), error


@pytest.mark.parametrize("form", ["matrices", "vectors"])
def test_float32_noiseless_error_is_set_by_round_off(form):
    """Noiseless targets of the float32 numbers: the planted matrix is
    recovered to 1e-5 (measured: 4e-8 for matrices, 9e-8 for vectors, where
    float64 arithmetic reaches 2e-11 and 1e-8), the scale of float32's
    round-off (1.2e-7) times the conditioning of the problem."""
    X, y, U_star = sensing_problem(
        "gaussian" if form == "matrices" else "rank_one", 0.0
    )
    model = fit_without_warnings(GroupLassoMatrixSensing(random_state=0), X, y)
    assert model.n_components_ == U_star.shape[1]
    assert relative_error(model.components_.T, U_star) <= 1e-5


def network_oracle(X, y, planted):
    """Least squares over the width-3, signature-(2, 1) networks with a linear
    term and a constant, in float64 on the explicitly standardized numbers of
    X, by L-BFGS from the planted network: the in-sample predictions."""
    X = (X.toarray() if sp.issparse(X) else X).astype(np.float64)
    m, sd = X.mean(axis=0), X.std(axis=0)
    Z = (X - m) / sd
    W, signs, c, b = planted
    shifts = m @ W
    # The planted network in z = (x - m) / sd: (w . x) = w . m + (w sd) . z.
    start = np.concatenate(
        [
            (W * sd[:, None]).ravel(),
            c * sd + 2 * (W * sd[:, None]) @ (signs * shifts),
            [b + c @ m + signs @ shifts**2],
        ]
    )
    n, d = Z.shape

    def loss_and_gradient(theta):
        V, v, b0 = theta[: 3 * d].reshape(d, 3), theta[3 * d : -1], theta[-1]
        projections = Z @ V
        residual = (projections**2) @ signs + Z @ v + b0 - y
        grad_V = (2 / n) * Z.T @ (residual[:, None] * projections) * signs
        gradient = np.concatenate(
            [grad_V.ravel(), Z.T @ residual / n, [residual.mean()]]
        )
        return 0.5 * residual @ residual / n, gradient

    options = {"maxiter": 5000, "ftol": 0.0, "gtol": 1e-11}
    theta = minimize(
        loss_and_gradient, start, jac=True, method="L-BFGS-B", options=options
    ).x
    V, v, b0 = theta[: 3 * d].reshape(d, 3), theta[3 * d : -1], theta[-1]
    return ((Z @ V) ** 2) @ signs + Z @ v + b0


@pytest.mark.parametrize("form", ["dense", "csr"])
def test_float32_network_is_as_accurate_as_the_oracle(form):
    """Noise 0.1 on shifted features, dense or CSR (both centered and scaled
    on the fly): 3 neurons of signs (+1, +1, -1), and an in-sample squared
    error against the planted network within 5% of the float64 oracle's that
    knows the width and the signature, with no ConvergenceWarning."""
    X, y, planted = network_problem(form)
    W, signs, c, b = planted
    dense = (X.toarray() if sp.issparse(X) else X).astype(np.float64)
    truth = ((dense @ W) ** 2) @ signs + dense @ c + b
    model = fit_without_warnings(QuadraticNetPruner(random_state=0), X, y)
    assert model.n_components_ == 3
    assert sorted(model.output_weights_) == [-1.0, 1.0, 1.0]
    prediction = model.predict(X)
    assert prediction.dtype == np.float32
    error = np.mean((prediction - truth) ** 2)
    oracle_error = np.mean((network_oracle(X, y, planted) - truth) ** 2)
    assert error <= 1.05 * oracle_error, (error, oracle_error)


# -- attainable stopping tolerances ----------------------------------------------------


def test_tolerance_is_raised_to_what_the_dtype_can_measure():
    """attainable_tol: tol below TOL_FLOOR times the dtype's round-off is
    raised to it (float32: 6.0e-7), the float64 default is left alone."""
    X = np.ones((3, 2))
    for dtype, default in [(np.float32, TOL_FLOOR * EPS32), (np.float64, 1e-7)]:
        datafit = QuadraticLeastSquares(
            make_sensing_operator(X.astype(dtype)), np.ones(3)
        )
        assert datafit.round_off == np.finfo(dtype).eps
        assert attainable_tol(1e-7, datafit) == default
        assert attainable_tol(0.0, datafit) == TOL_FLOOR * np.finfo(dtype).eps
        assert attainable_tol(1e-3, datafit) == 1e-3


@pytest.mark.parametrize("alpha", [0.187, 0.12])
def test_float32_fit_on_a_flat_problem_converges(alpha):
    """On diabetes (a flat loss) these float32 fits, with tol=1e-7 below
    float32's round-off, used to stop on a failed line search and warn that
    they had not converged (float64 did not); with the tolerance raised they
    converge, and the loss they report is the float64 loss of the published
    model, computed here with the explicitly standardized features, to
    float32 precision."""
    X, y = load_diabetes(return_X_y=True)
    train, _ = list(KFold(5).split(X))[3]
    X, y = X[train].astype(np.float32), y[train]
    model = fit_without_warnings(QuadraticNetPruner(alpha=alpha, random_state=0), X, y)
    X64 = X.astype(np.float64)
    prediction = (
        ((X64 @ model.components_.T) ** 2) @ model.output_weights_
        + X64 @ model.coef_
        + model.intercept_
    )
    loss = 0.5 * np.mean((prediction - y) ** 2)
    assert_allclose(model.refit_loss_curve_[-1], loss, rtol=1e-5)


@pytest.mark.parametrize(
    "Estimator, where, c",
    [
        (GroupLassoMatrixSensing, "y", 1e13),
        (GroupLassoMatrixSensing, "y", 1e-14),
        (GroupLassoMatrixSensing, "X", 1e9),
        (QuadraticNetPruner, "y", 1e13),
    ],
)
def test_magnitudes_float32_cannot_carry_are_refused(Estimator, where, c):
    """float32 arithmetic carries y within [1e-12, 1e12] and rank-one vectors
    within [1e-8, 1e8] (its products reach n |y|^1.5 |x| and n |y| |x|^2,
    float32 ends at 3e38): beyond, a ValueError names the magnitude and
    suggests float64, before any arithmetic."""
    X, y, _ = sensing_problem("rank_one", 0.1)
    X, y = (c * X, y) if where == "X" else (X, c * y)
    with pytest.raises(ValueError, match=f"{where} has values of magnitude.*float64"):
        Estimator().fit(X, y)
