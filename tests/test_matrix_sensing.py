"""GroupLassoMatrixSensing against independent references.

References used throughout:

- the planted factor ``U*`` returned by ``make_matrix_sensing`` (the true rank
  and the true matrix ``M* = U* U*^T``);
- a naive loss ``1/(2n) sum_i (<A_i, V V^T> - y_i)^2`` written with the
  explicit symmetrized ``A_i`` (or explicit ``x_i x_i^T``) and minimized over
  ``V`` of shape ``(d, r)`` by scipy's L-BFGS from a spectral start and three
  random starts: the ORACLE that knows the rank (``rank_r_least_squares`` of
  ``skprune/_oracles.py``, shared with the other tests and the benchmarks);
- naive formulas for the documented meaning of every fitted attribute.

Problems are small (d = 10 or 12, n = 500 or 1200) and fits are cached per
problem so that the whole module runs in well under a minute.
"""

import copy
import functools
import re

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skprune import GroupLassoMatrixSensing
from skprune._oracles import rank_r_least_squares, relative_error
from skprune.datasets import make_matrix_sensing

SEEDS = [0, 1, 2]
SENSINGS = ["gaussian", "rank_one"]
NOISE = 0.1
PROBLEMS = {
    # Gaussian A_i: O(n d^2) memory, so a smaller n is enough (n / (r d) = 25).
    "gaussian": dict(n_samples=500, n_features=10, rank=2),
    # Rank-one x_i x_i^T needs more samples per parameter (n / (r d) = 33).
    "rank_one": dict(n_samples=1200, n_features=12, rank=3),
}


# -- independent references ---------------------------------------------------


@functools.cache
def problem(sensing, seed):
    """X, y, U* of a planted problem (cached; do not modify the arrays)."""
    return make_matrix_sensing(
        **PROBLEMS[sensing],
        noise=NOISE,
        sensing=sensing,
        random_state=seed,
        return_factor=True,
    )


def explicit_matrices(X):
    """The explicit d x d sensing matrices: A_i itself, or x_i x_i^T."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    return X if X.ndim == 3 else np.einsum("na,nb->nab", X, X)


def naive_predict(X, U):
    """<A_i, U U^T> with the explicit, possibly non-symmetric, A_i."""
    return np.einsum("nab,ab->n", explicit_matrices(X), U @ U.T)


def naive_loss(X, y, U):
    residual = naive_predict(X, U) - y
    return float(residual @ residual) / (2 * len(y))


def naive_loss_gradient(X, y, U):
    """dL/dU = (2/n) sum_i r_i sym(A_i) U, with explicit matrices."""
    matrices = explicit_matrices(X)
    symmetric = 0.5 * (matrices + matrices.transpose(0, 2, 1))
    residual = naive_predict(X, U) - y
    return (2 / len(y)) * np.einsum("n,nab->ab", residual, symmetric) @ U


def naive_penalty(U, beta):
    squared = np.sum(U**2, axis=0)
    return float(np.sum(squared / np.sqrt(squared + beta)))


def least_squares_fit(X, y, V0, max_iter=5000):
    """Minimize the naive loss over V (d x k) from V0 with scipy L-BFGS."""
    matrices = explicit_matrices(X)
    flat = 0.5 * (matrices + matrices.transpose(0, 2, 1)).reshape(len(y), -1)
    n, d, k = len(y), V0.shape[0], V0.shape[1]

    def loss_and_gradient(v):
        V = v.reshape(d, k)
        residual = flat @ (V @ V.T).ravel() - y
        gradient = (2 / n) * (residual @ flat).reshape(d, d) @ V
        return 0.5 * float(residual @ residual) / n, gradient.ravel()

    result = minimize(
        loss_and_gradient,
        V0.ravel(),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "ftol": 0.0, "gtol": 1e-13},
    )
    return result.x.reshape(d, k), float(result.fun)


@functools.cache
def oracle(sensing, seed):
    """Best rank-r least-squares fit: spectral start plus three random starts
    (the shared oracle of ``skprune/_oracles.py``, cached per problem)."""
    X, y, U_star = problem(sensing, seed)
    return rank_r_least_squares(X, y, U_star.shape[1], seed)


@functools.cache
def _cached_fit(sensing, seed, params):
    X, y, _ = problem(sensing, seed)
    return GroupLassoMatrixSensing(random_state=seed, **dict(params)).fit(X, y)


def fitted(sensing, seed, **params):
    """A fitted model (a private copy of a cached fit, safe to modify)."""
    return copy.deepcopy(_cached_fit(sensing, seed, tuple(sorted(params.items()))))


def sorted_norms(model):
    return np.sort(model.column_norms_)[::-1]


# -- the method's claims --------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sensing", SENSINGS)
def test_default_fit_finds_rank_and_matches_oracle(sensing, seed):
    """Defaults keep exactly the planted rank and fit as well as the oracle.

    - error within 5% (+1e-4 absolute, the optimization error of tol=1e-7) of
      the error of the oracle rank-r least-squares fit;
    - training loss not above the loss of the truth M*, and below it by at most
      4x the expected drop sigma^2 dof / (2n) (dof = rd - r(r-1)/2; the drop is
      a chi-square with dof degrees of freedom, 4x its mean is far in the tail).
    """
    X, y, U_star = problem(sensing, seed)
    model = fitted(sensing, seed)
    d, r = U_star.shape
    assert model.n_components_ == r
    assert model.components_.T.shape == (d, r)

    V_oracle, loss_oracle = oracle(sensing, seed)
    error, error_oracle = (
        relative_error(model.components_.T, U_star),
        relative_error(V_oracle, U_star),
    )
    assert error <= 1.05 * error_oracle + 1e-4, (error, error_oracle)

    loss_model, loss_truth = (
        naive_loss(X, y, model.components_.T),
        naive_loss(X, y, U_star),
    )
    dof = r * d - r * (r - 1) / 2
    assert loss_model <= loss_truth
    assert loss_truth - loss_model <= 4 * NOISE**2 * dof / (2 * len(y))
    assert loss_model <= loss_oracle * (1 + 1e-3)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sensing", SENSINGS)
def test_default_fine_tuning_meets_documented_stopping_rule(sensing, seed):
    """The docstring of ``tol``: the solvers work on the objective divided by
    the loss of U = 0, with the factor divided by sqrt(sigma); a stage has
    converged when no gradient entry exceeds tol, or when an iteration lowered
    the scaled objective by at most tol * max(objective, 1) and no gradient
    entry exceeds sqrt(tol).

    Reference: the last decrease of refit_loss_curve_ and the naive gradient of
    L at components_, both put in the documented scaled units (loss of U = 0
    is mean(y^2) / 2; sigma = beta_ / beta). The 10% slack on the gradient
    bounds covers the different summation order of the naive gradient.
    """
    X, y, _ = problem(sensing, seed)
    model = fitted(sensing, seed)
    loss_at_zero = 0.5 * np.mean(y**2)
    curve = model.refit_loss_curve_ / loss_at_zero
    scaled_decrease = curve[-2] - curve[-1]

    gradient = naive_loss_gradient(X, y, model.components_.T)
    sigma = model.beta_ / model.beta
    largest_entry = np.max(np.abs(gradient * np.sqrt(sigma) / loss_at_zero))
    tol = model.tol
    assert largest_entry <= 1.1 * tol or (
        scaled_decrease <= tol * max(curve[-1], 1.0)
        and largest_entry <= 1.1 * np.sqrt(tol)
    ), (
        f"stopped with scaled decrease {scaled_decrease:.1e} and largest "
        f"scaled gradient entry {largest_entry:.1e} (tol={tol:.0e})"
    )


@pytest.mark.parametrize(
    "sensing, d, n_samples, noise, seed, slack",
    [
        ("gaussian", 10, 300, 0.01, 0, 1.01),
        ("gaussian", 10, 300, 0.01, 1, 1.01),
        ("gaussian", 10, 300, 0.01, 2, 1.01),
        ("rank_one", 10, 3000, 0.01, 0, 1.01),
        ("gaussian", 30, 450, 0.1, 0, 1.005),
        ("gaussian", 30, 450, 0.1, 1, 1.005),
        ("gaussian", 10, 150, 0.1, 1, 1.005),
        ("rank_one", 20, 600, 0.3, 0, 1.005),
    ],
)
def test_fine_tuning_stops_below_the_statistical_error(
    sensing, d, n_samples, noise, seed, slack
):
    """Rank 3: the default fit's error against M* is within ``slack`` of the
    rank-r oracle's (skprune/_oracles.py), so fine-tuning's optimization error
    is far below the statistical one.

    Low noise (0.01, d = 10): these four fits stopped 1.2% to 11% above the
    oracle's error when fine-tuning refined only after a round that itself
    lowered the loss 100 times (a pruned start is already far below the loss
    of U = 0, so it ran a single round, in units of that loss); with the
    statistical stop at a tenth instead of a thousandth of the statistical
    excess loss, three of them end more than 1% above it. Few samples per
    parameter (n = 5 d r, noise 0.1 and 0.3): fine-tuning stops after one
    round, its resolution a thousandth of the statistical excess, within 0.5%
    (two rounds moved these errors by at most 0.11%)."""
    X, y, U_star = make_matrix_sensing(
        n_samples,
        d,
        3,
        noise=noise,
        sensing=sensing,
        random_state=seed,
        return_factor=True,
    )
    V_oracle, _ = rank_r_least_squares(X, y, 3, seed)
    model = GroupLassoMatrixSensing(random_state=0).fit(X, y)
    assert model.n_components_ == 3
    error = relative_error(model.components_.T, U_star)
    assert error <= slack * relative_error(V_oracle, U_star)


@pytest.mark.parametrize("sensing", SENSINGS)
def test_refining_rounds_do_not_evaluate_their_start_again(sensing, monkeypatch):
    """Noiseless data, fine-tuning a pruned model again: it refines in more
    than one round (the objective is put in another unit at least once), and
    every round after the first starts where the round before stopped, whose
    value and gradient it already has: no two evaluations of the loss (the
    data form) at the same model (factors equal to 1e-14)."""
    from skprune.core import _ScaledObjective
    from skprune.datafit import QuadraticLeastSquares

    X, y = make_matrix_sensing(
        **PROBLEMS[sensing], noise=0.0, sensing=sensing, random_state=0
    )
    model = GroupLassoMatrixSensing(precompute=False, random_state=0)
    model.fit(X, y).prune()
    factors, units = [], []
    evaluate = QuadraticLeastSquares.value_gradient_and_correlation
    monkeypatch.setattr(
        QuadraticLeastSquares,
        "value_gradient_and_correlation",
        lambda self, m: factors.append(m.factor.copy()) or evaluate(self, m),
    )
    in_unit = _ScaledObjective.in_unit
    monkeypatch.setattr(
        _ScaledObjective,
        "in_unit",
        lambda self, unit: units.append(unit) or in_unit(self, unit),
    )
    model.refit(X, y)
    assert units
    for earlier, later in zip(factors[:-1], factors[1:], strict=True):
        assert not np.allclose(earlier, later, rtol=1e-14, atol=0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sensing", SENSINGS)
def test_negative_result_without_penalty(sensing, seed):
    """alpha=0 from the small random start (the theory's negative result):
    column norms do not separate, so greedy pruning misses the rank.

    Reference: the planted rank r. Without the penalty at least half of the
    columns have norm > 0.1 * max and the r-th / (r+1)-th sorted norm ratio is
    below 3; with the default penalty that ratio exceeds 10 (a clear gap).
    """
    r = PROBLEMS[sensing]["rank"]
    unpenalized = fitted(sensing, seed, alpha=0.0, init="random")
    norms = sorted_norms(unpenalized)
    assert np.sum(norms > 0.1 * norms[0]) >= len(norms) / 2
    assert norms[r - 1] / norms[r] < 3
    assert unpenalized.n_components_ > r

    penalized = sorted_norms(fitted(sensing, seed))
    assert penalized[r - 1] > 10 * penalized[r]  # the (r+1)-th may be exactly 0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sensing", SENSINGS)
def test_fine_tuning_converges_linearly(sensing, seed):
    """Gradient-descent fine-tuning on r columns converges geometrically.

    f* is computed independently: scipy L-BFGS (gtol=1e-13) on the naive loss
    from the final point. Over the iterations whose gap is above 1e-10 * f*
    (well above the 1e-15 round-off floor), log(gap) decreases with a fitted
    slope whose per-iteration factor is < 0.95, and every window of 10
    iterations shrinks the gap at least 2x (a sublinear 1/t tail would give
    t / (t + 10), close to 1).
    """
    X, y, _ = problem(sensing, seed)
    model = GroupLassoMatrixSensing(
        refit_solver="gd", tol=0.0, refit_max_iter=300, random_state=seed
    ).fit(X, y)
    assert model.n_components_ == PROBLEMS[sensing]["rank"]
    curve = model.refit_loss_curve_
    assert_allclose(curve[-1], naive_loss(X, y, model.components_.T), rtol=1e-10)

    _, polished = least_squares_fit(X, y, model.components_.T)
    f_star = min(polished, curve.min())
    gap = (curve - f_star) / f_star
    above_floor = np.flatnonzero(gap > 1e-10)
    last = above_floor.max()
    assert np.all(gap[: last + 1] > 1e-10), "the gap must not dip then rise"
    assert last >= 10, "too few iterations to measure a rate"
    slope = np.polyfit(np.arange(last + 1), np.log(gap[: last + 1]), 1)[0]
    assert np.exp(slope) < 0.95
    windows = gap[10 : last + 1] / gap[: last - 9]
    assert np.all(windows <= 0.5), windows.max()


# -- lambda_max_ and the meaning of alpha -----------------------------------------


def test_alpha_above_one_prunes_everything():
    """alpha = 1.2 > 1: U = 0 is a local minimum, every column is pruned.

    Reference: the prediction of an empty model is exactly zero.
    """
    X, y, U_star = problem("gaussian", 0)
    model = GroupLassoMatrixSensing(alpha=1.2, random_state=0)
    with pytest.warns(UserWarning, match="Every column"):
        model.fit(X, y)
    d = U_star.shape[0]
    assert model.n_components_ == 0
    assert model.components_.T.shape == (d, 0)
    assert not model.support_.any()
    prediction = model.predict(X)
    assert np.all(np.isfinite(prediction))
    assert np.array_equal(prediction, np.zeros(len(y)))


@pytest.mark.parametrize("alpha", [0.5, 0.9])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sensing", SENSINGS)
def test_alpha_below_one_keeps_signal_only(sensing, seed, alpha):
    """alpha < 1: the model is nonempty, keeps at most the planted rank, and
    training ends at a first-order stationary point of F = L + lambda_ R.

    References: the planted rank r (alpha is documented as the smallest
    relative eigenvalue treated as signal, so no more than r directions can be
    picked up), and the naive gradient of F at trained_components_: at a
    stationary point grad L = -lambda_ grad R, and we require
    ||grad F|| <= 0.1 ||lambda_ grad R|| (correct fits here reach < 0.005).
    """
    X, y, U_star = problem(sensing, seed)
    model = fitted(sensing, seed, alpha=alpha)
    r = U_star.shape[1]
    assert 1 <= model.n_components_ <= r

    U = model.trained_components_.T
    grad_loss = naive_loss_gradient(X, y, U)
    squared = np.sum(U**2, axis=0)
    beta = model.beta_
    grad_penalty = model.lambda_ * U * (squared + 2 * beta) / (squared + beta) ** 1.5
    stationarity = np.linalg.norm(grad_loss + grad_penalty) / np.linalg.norm(
        grad_penalty
    )
    assert stationarity <= 0.1, f"||grad F|| / ||alpha grad R|| = {stationarity:.2f}"


# -- fitted attributes ----------------------------------------------------------


@pytest.mark.parametrize("sensing", SENSINGS)
def test_fitted_attributes_have_documented_meaning(sensing):
    """Shapes, and values recomputed with the naive formulas of the docstring."""
    X, y, U_star = problem(sensing, 0)
    model = fitted(sensing, 0)
    d = U_star.shape[0]
    k = d  # n_components=None uses d
    n = len(y)

    assert model.n_features_in_ == d
    assert model.trained_components_.T.shape == (d, k)
    assert model.column_norms_.shape == (k,)
    assert_allclose(
        model.column_norms_, np.linalg.norm(model.trained_components_.T, axis=0)
    )
    assert model.support_.dtype == bool and model.support_.shape == (k,)
    assert model.n_components_ == model.support_.sum()
    assert model.components_.T.shape == (d, model.n_components_)
    assert model.n_iter_ > 0 and model.refit_n_iter_ > 0

    # beta_ = beta * sigma, lambda_max_ = sqrt(beta_) lambda_max(C), with
    # C = (1/n) sum_i y_i sym(A_i) and sigma the size of the best rank-one fit
    # t v v^T along the top eigenvector v of C.
    matrices = explicit_matrices(X)
    C = np.einsum("n,nab->ab", y, 0.5 * (matrices + matrices.transpose(0, 2, 1))) / n
    eigenvalues, eigenvectors = np.linalg.eigh(C)
    v = eigenvectors[:, -1]
    along = naive_predict(X, v[:, None])  # <A_i, v v^T>
    sigma = float(along @ y) / float(along @ along)  # least-squares t
    assert_allclose(model.beta_, model.beta * sigma, rtol=1e-8)
    assert_allclose(
        model.lambda_max_, np.sqrt(model.beta_) * eigenvalues[-1], rtol=1e-8
    )
    assert_allclose(model.lambda_, model.alpha * model.lambda_max_, rtol=1e-12)
    assert_allclose(model.prune_threshold_, np.sqrt(model.beta_), rtol=1e-12)

    # The curves are in the units of the loss: their ends are F and L at the
    # trained, pruned and fine-tuned factors.
    trained = model.trained_components_.T
    objective = naive_loss(X, y, trained) + model.lambda_ * naive_penalty(
        trained, model.beta_
    )
    assert_allclose(model.objective_curve_[-1], objective, rtol=1e-8)
    assert model.objective_curve_[-1] <= model.objective_curve_[0]
    # L-BFGS decreases F at every iteration; only a saddle escape may raise it.
    n_increases = np.sum(np.diff(model.objective_curve_) > 0)
    assert n_increases <= model.n_saddle_escapes_
    assert_allclose(
        model.refit_loss_curve_[0],
        naive_loss(X, y, trained[:, model.support_]),
        rtol=1e-8,
    )
    assert_allclose(
        model.refit_loss_curve_[-1], naive_loss(X, y, model.components_.T), rtol=1e-8
    )
    assert len(model.refit_loss_curve_) >= 2
    assert model.refit_loss_curve_[-1] <= model.refit_loss_curve_[0]


@pytest.mark.parametrize("sensing", SENSINGS)
def test_predict_matches_naive_einsum(sensing):
    """predict(X) == <A_i, U U^T> with the raw (non-symmetric) A_i, on new data."""
    model = fitted(sensing, 0)
    X_new, _, _ = problem(sensing, 1)
    X_new = X_new[:50]
    assert_allclose(
        model.predict(X_new),
        naive_predict(X_new, model.components_.T),
        rtol=1e-10,
        atol=1e-10,
    )


def test_rank_one_and_matrix_inputs_predict_consistently():
    """A model fit on 3-D X predicts on vectors x_i (dense and CSR) exactly as
    on the explicit matrices x_i x_i^T, and a model fit on vectors predicts on
    matrices (reference: naive einsum)."""
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((40, PROBLEMS["gaussian"]["n_features"]))
    matrices = explicit_matrices(vectors)
    model = fitted("gaussian", 0)
    expected = naive_predict(matrices, model.components_.T)
    for X in (vectors, matrices, sp.csr_matrix(vectors)):
        assert_allclose(model.predict(X), expected, rtol=1e-10, atol=1e-10)

    model = fitted("rank_one", 0)
    X_gauss = rng.standard_normal((30, 12, 12))
    assert_allclose(
        model.predict(X_gauss),
        naive_predict(X_gauss, model.components_.T),
        rtol=1e-10,
        atol=1e-10,
    )


def test_sparse_and_matrix_inputs_fit_the_same_model():
    """Fitting on CSR vectors, dense vectors and the explicit matrices
    x_i x_i^T gives the same M (they define the same loss); 1e-3 relative
    allows for the optimization error of tol=1e-7 on different round-off
    paths (observed differences are ~1e-5)."""
    X, y, U_star = problem("rank_one", 0)
    X, y = X[:600].copy(), y[:600]
    X[np.abs(X) < 0.3] = 0.0  # about 24% zeros, so CSR is genuinely sparse
    y = naive_predict(X, U_star) + NOISE * np.random.default_rng(0).standard_normal(
        len(y)
    )
    models = [
        GroupLassoMatrixSensing(random_state=0).fit(data, y)
        for data in (X, sp.csr_matrix(X), explicit_matrices(X))
    ]
    assert all(m.n_components_ == U_star.shape[1] for m in models)
    grams = [m.components_.T @ m.components_ for m in models]
    scale = np.linalg.norm(U_star @ U_star.T)
    for gram in grams[1:]:
        assert np.linalg.norm(gram - grams[0]) / scale <= 1e-3


# -- prune / refit API -----------------------------------------------------------


@pytest.mark.parametrize("sensing", SENSINGS)
def test_prune_zero_keeps_every_nonzero_column(sensing):
    """prune(0.0) keeps exactly the columns of norm > 0 and returns self."""
    model = fitted(sensing, 0)
    assert model.prune(0.0) is model
    assert np.array_equal(model.support_, model.column_norms_ > 0)
    assert_allclose(model.prune_threshold_, 0.0)
    assert np.array_equal(
        model.components_.T, model.trained_components_.T[:, model.support_]
    )
    # Pruning discards the previous fine-tuning.
    assert model.refit_loss_curve_.size == 0 and model.refit_n_iter_ == 0


@pytest.mark.parametrize("sensing", SENSINGS)
def test_prune_in_gap_then_refit_matches_fit(sensing):
    """A relative threshold between the r-th and (r+1)-th sorted norm keeps r
    columns (reference: the planted rank); refit then reaches fit's model."""
    X, y, U_star = problem(sensing, 0)
    reference = fitted(sensing, 0)
    model = fitted(sensing, 0)
    r = U_star.shape[1]
    norms = sorted_norms(model)
    threshold = np.sqrt(norms[r - 1] * norms[r]) / norms[0]  # geometric middle
    model.prune(threshold).prune(0.0).prune(threshold)  # re-prunes from scratch
    assert model.n_components_ == r
    assert_allclose(model.prune_threshold_, threshold * norms[0])
    assert np.array_equal(
        model.components_.T, model.trained_components_.T[:, model.support_]
    )
    assert model.refit(X, y) is model
    # Same columns, same deterministic fine-tuning: the same model as fit.
    assert_allclose(
        model.components_.T, reference.components_.T, rtol=1e-10, atol=1e-12
    )
    assert_allclose(
        relative_error(model.components_.T, U_star),
        relative_error(reference.components_.T, U_star),
        rtol=1e-8,
    )


@pytest.mark.parametrize("threshold", [2.0, 1.0, -0.1, float("nan"), "bogus"])
def test_prune_rejects_invalid_threshold(threshold):
    """Thresholds outside "auto" or [0, 1) raise ValueError; unknown strings
    must not be silently taken as "auto"."""
    model = fitted("gaussian", 0)
    with pytest.raises(ValueError, match="prune_threshold"):
        model.prune(threshold)


# -- warnings and verbosity -------------------------------------------------------


@pytest.mark.parametrize(
    "params, match",
    [({"max_iter": 2}, "max_iter=2"), ({"refit_max_iter": 2}, "refit_max_iter=2")],
)
def test_convergence_warning_on_tiny_budget(params, match):
    """Two iterations cannot converge from a 1e-3 initialization."""
    X, y, _ = problem("gaussian", 0)
    with pytest.warns(ConvergenceWarning, match=match):
        GroupLassoMatrixSensing(random_state=0, **params).fit(X, y)


def test_convergence_warnings_name_the_cause():
    """The warning says which limit stopped a stage, as n_iter_ and
    n_saddle_escapes_ show it: the iteration limit, the saddle escapes, or
    L-BFGS stalling below both (written here for synthetic outcomes)."""
    from skprune.core import StageResult, why_unconverged

    def outcome(n_iter, n_escapes):
        return StageResult(None, np.zeros(1), n_iter, False, n_escapes)

    assert "all max_iter=50 iterations" in why_unconverged(
        outcome(50, 1), "max_iter", 50, 4
    )
    assert "all 4 saddle escapes" in why_unconverged(outcome(20, 4), "max_iter", 50, 4)
    stalled = why_unconverged(outcome(7, 0), "refit_max_iter", 50)
    assert "after 7 iterations L-BFGS stopped making progress" in stalled
    assert "refit_max_iter" not in stalled


def test_default_fit_raises_no_warning(recwarn):
    """A default fit on a well-posed problem converges silently (no
    ConvergenceWarning or other UserWarning)."""
    X, y, _ = problem("rank_one", 1)
    GroupLassoMatrixSensing(random_state=1).fit(X, y)
    messages = [str(w.message) for w in recwarn if issubclass(w.category, UserWarning)]
    assert messages == []


def test_verbose_reports_each_stage_as_it_starts_and_ends(capsys):
    """verbose=0: nothing. verbose=1: a start and an end line for training and
    fine-tuning (the end with its time), one for pruning, a line per saddle
    escape, no per-iteration lines. verbose=2 adds a line per iteration whose
    objective is in the units of the summary: the last iteration's value is
    the one the end line reports."""
    X, y, _ = problem("gaussian", 0)
    GroupLassoMatrixSensing(random_state=0, verbose=0).fit(X, y)
    assert capsys.readouterr().out == ""
    model = GroupLassoMatrixSensing(random_state=0, verbose=1).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    stage_lines = [line for line in lines if "saddle escape " not in line]
    assert [" ".join(line.split()[:2]) for line in stage_lines] == [
        "[train] start:",
        "[train] done",
        "[prune] threshold",
        "[fine-tune] start:",
        "[fine-tune] done",
    ]
    assert len(lines) == 5 + model.n_saddle_escapes_
    assert f"kept {model.n_components_} of" in stage_lines[2]
    assert re.search(r"done in [0-9.e-]+ s", stage_lines[1])

    model = GroupLassoMatrixSensing(random_state=0, verbose=2).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    for stage, curve, n_iter in (
        ("train", model.objective_curve_, model.n_iter_),
        ("fine-tune", model.refit_loss_curve_, model.refit_n_iter_),
    ):
        iterations = [line for line in lines if line.startswith(f"[{stage}] iteration")]
        assert len(iterations) == n_iter
        last = float(iterations[-1].split()[-1])
        assert last == pytest.approx(curve[-1], rel=1e-6)
        done = next(line for line in lines if line.startswith(f"[{stage}] done"))
        assert float(done.split()[-1]) == pytest.approx(curve[-1], rel=1e-6)


# -- bad input --------------------------------------------------------------------
# (What every estimator shares is tested once in tests/test_common.py.)


def _small_problem():
    X, y, _ = problem("gaussian", 0)
    return X[:100], y[:100]


def test_non_square_matrices_raise():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="square"):
        GroupLassoMatrixSensing().fit(rng.standard_normal((30, 4, 5)), np.ones(30))


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 7), (5, 11), (5, 11, 11)])
def test_predict_with_other_d_raises(shape):
    """The model was fitted with d=10: other d (2-D or 3-D) must be refused."""
    model = fitted("gaussian", 0)
    X_new = np.random.default_rng(0).standard_normal(shape)
    with pytest.raises(ValueError, match="expecting 10 features"):
        model.predict(X_new)
    with pytest.raises(ValueError, match="expecting 10 features"):
        model.refit(X_new, np.ones(shape[0]))


def test_predict_with_non_square_matrices_raises():
    model = fitted("gaussian", 0)
    with pytest.raises(ValueError, match="square"):
        model.predict(np.random.default_rng(0).standard_normal((5, 10, 9)))


@pytest.mark.filterwarnings("ignore:Every column:UserWarning")
@pytest.mark.parametrize(
    "params", [{}, {"alpha": 0.0}, {"alpha": 1.2}, {"n_components": 1}]
)
def test_never_nan(params):
    """Components and predictions stay finite, even in degenerate settings."""
    X, y = _small_problem()
    model = GroupLassoMatrixSensing(random_state=0, **params).fit(X, y)
    assert np.all(np.isfinite(model.components_.T))
    assert np.all(np.isfinite(model.predict(X)))


# -- scikit-learn tooling ----------------------------------------------------------


@functools.cache
def small_problem():
    """n=300, d=6, r=2 rank-one problem for the cross-validation tools."""
    return make_matrix_sensing(
        300, 6, 2, noise=NOISE, sensing="rank_one", random_state=0, return_factor=True
    )


def test_cross_val_score_matches_truth():
    """Each fold's R^2 is within 2e-3 of the R^2 of the true M* on that fold
    (the expected shortfall sigma^2 dof / n_train / var(y) is ~1e-4)."""
    X, y, U_star = small_problem()
    truth = naive_predict(X, U_star)
    folds = KFold(3)
    scores = cross_val_score(GroupLassoMatrixSensing(random_state=0), X, y, cv=folds)
    truth_scores = [r2_score(y[test], truth[test]) for _, test in folds.split(X)]
    assert np.all(scores >= np.array(truth_scores) - 2e-3), (scores, truth_scores)


def test_pipeline_equals_manual_steps():
    """Pipeline(StandardScaler(with_mean=False), model) == scaling by hand then
    fitting; diagonal rescaling of x keeps the rank of M."""
    X, y, U_star = small_problem()
    pipeline = Pipeline(
        [
            ("scale", StandardScaler(with_mean=False)),
            ("model", GroupLassoMatrixSensing(random_state=0)),
        ]
    ).fit(X, y)
    scale = X.std(axis=0)
    manual = GroupLassoMatrixSensing(random_state=0).fit(X / scale, y)
    assert_allclose(pipeline.predict(X[:20]), manual.predict(X[:20] / scale), rtol=1e-8)
    assert pipeline[-1].n_components_ == U_star.shape[1]


@pytest.mark.parametrize("x_factor, y_factor", [(1e-3, 1.0), (1.0, 1e6), (1e4, 1e-5)])
def test_fit_is_equivariant_to_the_units_of_X_and_y(x_factor, y_factor):
    """Scale-aware defaults: measuring A_i in units c_x times larger and y in
    units c_y times larger gives the same rank and the matrix
    M * c_y / c_x (the closed form: <c_x A, M c_y / c_x> = c_y <A, M>).

    The tolerance 1e-5 is far above what rounding in the rescaled solver
    produces (about 1e-8 measured) and far below any change of solution.
    """
    X, y, _ = problem("gaussian", 0)
    reference = fitted("gaussian", 0)
    rescaled = GroupLassoMatrixSensing(random_state=0).fit(X * x_factor, y * y_factor)
    assert rescaled.n_components_ == reference.n_components_
    gram = reference.components_.T @ reference.components_
    rescaled_gram = rescaled.components_.T @ rescaled.components_
    error = np.linalg.norm(rescaled_gram * x_factor / y_factor - gram)
    assert error <= 1e-5 * np.linalg.norm(gram)
