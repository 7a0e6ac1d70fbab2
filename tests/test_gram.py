"""The Gram form of the loss (``precompute``) against direct computations.

Every reference below forms the explicit symmetric matrices ``S_i`` (``sym(A_i)``
or ``x_i x_i^T``) and sums over samples with ``einsum``, independently of the
symmetric-basis coordinates and the precomputed statistics of
:mod:`skprune.gram`. Quantities are sums of at most a few hundred O(1) terms,
so ``rtol = 1e-10`` leaves orders of magnitude over round-off while catching
any wrong factor, transpose or weight.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.model_selection import KFold
from sklearn.utils._param_validation import InvalidParameterError
from test_gradients import check_gradient

from skprune import GroupLassoMatrixSensing, GroupLassoMatrixSensingCV
from skprune.datafit import QuadraticModel
from skprune.datasets import make_matrix_sensing
from skprune.gram import (
    CACHE_BYTES,
    EVALUATIONS_PER_CV_ALPHA,
    EVALUATIONS_PER_FIT,
    MAX_GRAM_BYTES,
    MAX_GRAM_FRACTION_OF_X,
    OUT_OF_CACHE_FACTOR,
    SECONDS_PER_UNIT,
    GramLeastSquares,
    GramStatistics,
    precompute_pays,
)
from skprune.path import group_lasso_path
from skprune.penalty import SmoothGroupLasso
from skprune.sensing import make_sensing_operator

N, D, K = 60, 5, 3
MIXED = np.array([1.0, -1.0, 1.0])
RTOL = 1e-10


def random_data(kind, seed=0, n=N):
    """Non-symmetric Gaussian matrices or Gaussian vectors, targets, weights."""
    rng = np.random.default_rng(seed)
    shape = (n, D, D) if kind == "matrices" else (n, D)
    return (
        rng.standard_normal(shape),
        rng.standard_normal(n),
        rng.uniform(0.2, 3.0, n),
    )


def explicit_matrices(X):
    """The symmetric ``S_i``: ``(A_i + A_i^T) / 2`` or ``x_i x_i^T``."""
    if X.ndim == 3:
        return 0.5 * (X + X.transpose(0, 2, 1))
    return np.einsum("na,nb->nab", X, X)


def direct_residual(X, y, U, signs):
    """``<S_i, U D U^T> - y_i`` for every sample."""
    return np.einsum("nab,ab->n", explicit_matrices(X), (U * signs) @ U.T) - y


def direct_loss_gradient_and_correlation(X, y, U, signs, weights):
    """``1/(2 sum s) sum_i s_i r_i^2``, ``(2 / sum s) sum_i s_i r_i S_i U D``
    and ``C = -(1 / sum s) sum_i s_i r_i S_i``."""
    residual = direct_residual(X, y, U, signs)
    total = np.sum(weights)
    loss = 0.5 * np.sum(weights * residual**2) / total
    correlation = np.einsum("n,nab->ab", weights * residual, explicit_matrices(X))
    return loss, 2.0 * correlation @ U * signs / total, -correlation / total


def gram_datafit(X, y, weights=None):
    return GramLeastSquares(
        GramStatistics.compute(make_sensing_operator(X), y, weights)
    )


@pytest.mark.parametrize("kind", ["matrices", "vectors"])
@pytest.mark.parametrize("weighted", [False, True])
def test_gram_loss_and_gradient_equal_the_direct_ones(kind, weighted):
    """value_gradient_and_correlation of the Gram form equals the loss,
    gradient and residual correlation summed over explicit S_i, for mixed
    signs; the gradient matches central differences of the Gram form's
    value."""
    X, y, weights = random_data(kind)
    if not weighted:
        weights = np.ones(N)
    datafit = gram_datafit(X, y, weights if weighted else None)
    rng = np.random.default_rng(1)
    U = rng.standard_normal((D, K))
    model = QuadraticModel(U, MIXED, np.zeros(0), 0.0)
    value, (grad_U, grad_coef, grad_intercept), correlation = (
        datafit.value_gradient_and_correlation(model)
    )
    expected_value, expected_gradient, expected_correlation = (
        direct_loss_gradient_and_correlation(X, y, U, MIXED, weights)
    )
    assert_allclose(value, expected_value, rtol=RTOL)
    assert_allclose(correlation, expected_correlation, rtol=RTOL, atol=RTOL)
    assert_allclose(datafit.value(model), expected_value, rtol=RTOL)
    assert_allclose(grad_U, expected_gradient, rtol=RTOL, atol=RTOL)
    assert grad_coef.shape == (0,) and grad_intercept == 0.0

    def value_at(u):
        return datafit.value(QuadraticModel(u.reshape(D, K), MIXED, np.zeros(0), 0.0))

    check_gradient(value_at, grad_U.ravel(), U.ravel(), rng)


@pytest.mark.parametrize("kind", ["matrices", "vectors"])
def test_gram_correlation_curvature_and_regression_equal_the_direct_ones(kind):
    """The residual correlation, the mean measurement and residual, the
    curvature along a direction and the least squares along directions,
    against sums over explicit S_i with weights."""
    X, y, weights = random_data(kind, seed=2)
    datafit = gram_datafit(X, y, weights)
    rng = np.random.default_rng(3)
    U = rng.standard_normal((D, K))
    model = QuadraticModel(U, MIXED, np.zeros(0), 0.0)
    S, total = explicit_matrices(X), np.sum(weights)
    minus_residual = -direct_residual(X, y, U, MIXED)

    def correlation(values):
        return np.einsum("n,nab->ab", weights * values, S) / total

    assert_allclose(
        datafit.residual_correlation(model), correlation(minus_residual), rtol=RTOL
    )
    assert_allclose(datafit.measurement_mean(), correlation(np.ones(len(y))), rtol=RTOL)
    both = datafit.residual_correlation_and_measurement_mean(model)
    assert_allclose(both[0], correlation(minus_residual), rtol=RTOL)
    assert_allclose(both[1], correlation(np.ones(len(y))), rtol=RTOL)
    assert_allclose(
        datafit.mean_residual(model),
        np.average(minus_residual, weights=weights),
        rtol=RTOL,
    )

    v = rng.standard_normal(D)
    along = np.einsum("a,nab,b->n", v, S, v)
    assert_allclose(
        datafit.curvature_along(v), np.sum(weights * along**2) / total, rtol=RTOL
    )

    directions = rng.standard_normal((D, 2))
    signs = np.array([1.0, -1.0])
    design = np.column_stack(
        [
            sign * np.einsum("a,nab,b->n", w, S, w)
            for w, sign in zip(directions.T, signs, strict=True)
        ]
    )
    root = np.sqrt(weights)
    expected = np.linalg.lstsq(
        root[:, None] * design, root * minus_residual, rcond=None
    )[0]
    coefficients, curvature, means = datafit.regress_along(model, directions, signs)
    assert_allclose(coefficients, expected, rtol=1e-8)
    gram = design.T @ (weights[:, None] * design) / weights.sum()
    assert_allclose(curvature, gram, rtol=RTOL)
    assert_allclose(means, np.average(design, axis=0, weights=weights), rtol=RTOL)


def explicit_gram(X, y, weights):
    """``sum_i s_i phi_i phi_i^T`` and ``sum_i s_i y_i phi_i`` with ``phi_i``
    read off the explicit ``S_i`` entry by entry: ``S_aa``, then ``2 S_ab``
    for ``a < b``, in row-major order above the diagonal."""
    rows = []
    for S in explicit_matrices(X):
        rows.append(
            [S[a, b] * (1.0 if a == b else 2.0) for a in range(D) for b in range(a, D)]
        )
    phi = np.array(rows)
    return phi.T @ (weights[:, None] * phi), phi.T @ (weights * y)


@pytest.mark.parametrize("kind", ["matrices", "vectors"])
def test_integer_weights_give_the_statistics_of_repeated_rows(kind):
    """Weights 0..3: the weighted statistics equal the Gram built entry by
    entry in the test and the statistics of the rows repeated that often."""
    X, y, _ = random_data(kind, seed=4)
    weights = np.random.RandomState(0).randint(0, 4, size=N).astype(float)
    statistics = GramStatistics.compute(make_sensing_operator(X), y, weights)
    gram, moment = explicit_gram(X, y, weights)
    assert_allclose(statistics.gram, gram, rtol=RTOL, atol=RTOL)
    assert_allclose(statistics.target_moment, moment, rtol=RTOL, atol=RTOL)
    repeated = np.repeat(np.arange(N), weights.astype(int))
    copies = GramStatistics.compute(make_sensing_operator(X[repeated]), y[repeated])
    assert_allclose(statistics.gram, copies.gram, rtol=RTOL, atol=RTOL)
    for name in ("feature_sum", "target_sum", "target_square_sum", "weight_sum"):
        assert_allclose(getattr(statistics, name), getattr(copies, name), rtol=RTOL)


def test_statistics_are_built_in_blocks(monkeypatch):
    """With blocks of a few rows (and a partial last one) the statistics are
    those of one block."""
    X, y, weights = random_data("matrices", seed=5)
    whole = GramStatistics.compute(make_sensing_operator(X), y, weights)
    monkeypatch.setattr("skprune.gram.BLOCK_FLOATS", 7 * 15)  # 7 rows, p = 15
    blocks = GramStatistics.compute(make_sensing_operator(X), y, weights)
    assert_allclose(blocks.gram, whole.gram, rtol=RTOL, atol=RTOL)
    assert_allclose(blocks.target_moment, whole.target_moment, rtol=RTOL)


@pytest.mark.parametrize("block_floats", [4 * 15, 2**16])
@pytest.mark.parametrize("kind", ["matrices", "vectors"])
def test_gram_is_symmetrized_in_place_block_by_block(monkeypatch, kind, block_floats):
    """The lower triangle of G is copied from the upper one in place, in
    blocks of 4 columns (4, 4, 4 and a partial 3 for p = 15) or in one: G
    equals the weighted sum of phi_i phi_i^T built entry by entry here, in
    both triangles, and is exactly symmetric."""
    monkeypatch.setattr("skprune.gram.BLOCK_FLOATS", block_floats)
    X, y, weights = random_data(kind, seed=6)
    statistics = GramStatistics.compute(make_sensing_operator(X), y, weights)
    gram, _ = explicit_gram(X, y, weights)
    assert statistics.gram.flags.f_contiguous
    assert_allclose(statistics.gram, gram, rtol=RTOL, atol=RTOL)
    assert np.array_equal(statistics.gram, statistics.gram.T)


@pytest.mark.parametrize("kind", ["matrices", "vectors"])
def test_a_fold_is_all_the_data_minus_its_held_out_part(kind):
    """statistics(all).without(statistics(test)) equals statistics(train)."""
    X, y, weights = random_data(kind, seed=6)
    train, test = next(KFold(4, shuffle=True, random_state=0).split(X))

    def stats(rows):
        return GramStatistics.compute(
            make_sensing_operator(X[rows]), y[rows], weights[rows]
        )

    fold = stats(np.arange(N)).without(stats(test))
    expected = stats(train)
    assert fold.n_samples == train.size
    assert_allclose(fold.gram, expected.gram, rtol=1e-12, atol=1e-12 * N)
    for name in ("target_moment", "feature_sum"):
        assert_allclose(getattr(fold, name), getattr(expected, name), atol=1e-12 * N)
    for name in ("target_sum", "target_square_sum", "weight_sum"):
        assert_allclose(getattr(fold, name), getattr(expected, name), rtol=1e-12)


def planted(sensing, n=300, d=6, seed=0):
    return make_matrix_sensing(n, d, 2, noise=0.05, sensing=sensing, random_state=seed)


@pytest.mark.parametrize("sensing", ["gaussian", "rank_one"])
@pytest.mark.parametrize("weighted", [False, True])
def test_a_fit_in_gram_form_reaches_the_direct_objective(sensing, weighted):
    """With precompute=True: the trained objective L + lambda R and the
    fine-tuned loss that the fit reports equal those evaluated directly from
    X at its factors; the fine-tuned model is stationary for the direct loss
    (its gradient is 1e-2 of the one at the trained factor, which carries the
    penalty's shrinkage); the data-form fit ends at the same loss."""
    X, y = planted(sensing)
    weights = np.random.RandomState(1).uniform(0.5, 2.0, len(y)) if weighted else None
    direct_weights = np.ones(len(y)) if weights is None else weights
    gram = GroupLassoMatrixSensing(random_state=0, precompute=True)
    gram.fit(X, y, sample_weight=weights)
    data = GroupLassoMatrixSensing(random_state=0, precompute=False)
    data.fit(X, y, sample_weight=weights)
    assert gram.n_components_ == data.n_components_ == 2

    trained = gram.trained_components_.T
    signs = np.ones(trained.shape[1])
    loss, trained_gradient, _ = direct_loss_gradient_and_correlation(
        X, y, trained, signs, direct_weights
    )
    penalty = SmoothGroupLasso(gram.beta_).value(trained)
    assert_allclose(gram.objective_curve_[-1], loss + gram.lambda_ * penalty, rtol=1e-9)

    U = gram.components_.T
    loss, gradient, _ = direct_loss_gradient_and_correlation(
        X, y, U, np.ones(2), direct_weights
    )
    assert_allclose(gram.refit_loss_curve_[-1], loss, rtol=1e-9)
    assert np.linalg.norm(gradient) <= 1e-2 * np.linalg.norm(trained_gradient)
    assert_allclose(data.refit_loss_curve_[-1], loss, rtol=1e-6)


def test_cv_and_path_in_gram_form_match_the_data_form():
    """GroupLassoMatrixSensingCV (folds from all the data minus the held-out
    part, weights) and group_lasso_path give the data form's errors, ranks
    and losses."""
    X, y = planted("gaussian")
    weights = np.random.RandomState(2).uniform(0.5, 2.0, len(y))
    params = dict(alphas=4, cv=3, random_state=0)
    fits = {
        precompute: GroupLassoMatrixSensingCV(precompute=precompute, **params).fit(
            X, y, sample_weight=weights
        )
        for precompute in (False, True)
    }
    assert_allclose(fits[True].mse_path_, fits[False].mse_path_, rtol=1e-6)
    assert (fits[True].n_components_path_ == fits[False].n_components_path_).all()
    assert fits[True].alpha_ == fits[False].alpha_
    assert_allclose(
        fits[True].components_, fits[False].components_, rtol=1e-5, atol=1e-7
    )

    paths = {
        precompute: group_lasso_path(
            GroupLassoMatrixSensing(precompute=precompute, random_state=0),
            X,
            y,
            n_alphas=4,
        )
        for precompute in (False, True)
    }
    assert (paths[True].n_components == paths[False].n_components).all()
    assert_allclose(paths[True].loss, paths[False].loss, rtol=1e-6)


def test_refit_in_gram_form_is_stationary_for_the_direct_loss():
    """refit with precompute=True on other data fine-tunes to their stationary
    point (direct gradient 1e-2 of the one at the start of the refit)."""
    X, y = planted("gaussian")
    model = GroupLassoMatrixSensing(random_state=0, precompute=True).fit(X, y)
    X_new, y_new = planted("gaussian", seed=1)
    start = model.components_.T
    model.refit(X_new, y_new)
    ones = np.ones(len(y_new))
    _, before, _ = direct_loss_gradient_and_correlation(
        X_new, y_new, start, np.ones(2), ones
    )
    _, after, _ = direct_loss_gradient_and_correlation(
        X_new, y_new, model.components_.T, np.ones(2), ones
    )
    assert np.linalg.norm(after) <= 1e-2 * np.linalg.norm(before)


def test_sparse_vectors_in_gram_form_fit_as_dense_ones():
    """CSR rows build the same statistics as their dense copy."""
    X, y = planted("rank_one")
    X[np.abs(X) < 0.5] = 0.0
    dense = GramStatistics.compute(make_sensing_operator(X), y)
    sparse = GramStatistics.compute(make_sensing_operator(sp.csr_matrix(X)), y)
    assert_allclose(sparse.gram, dense.gram, rtol=RTOL)
    assert_allclose(sparse.target_moment, dense.target_moment, rtol=RTOL)


@pytest.mark.parametrize("value", ["yes", 1, None, "Auto"])
def test_bad_precompute_is_rejected(value):
    X, y = planted("gaussian", n=50)
    for Estimator in (GroupLassoMatrixSensing, GroupLassoMatrixSensingCV):
        with pytest.raises(InvalidParameterError, match="'precompute' parameter"):
            Estimator(precompute=value).fit(X, y)


# -- the rule of precompute="auto" -----------------------------------------------


@pytest.mark.parametrize("itemsize", [8, 4])
@pytest.mark.parametrize(
    "n, d, sensing, evaluations, builds",
    [
        (6400, 20, "matrices", 40, 1),
        (750, 50, "matrices", 40, 1),
        (750, 50, "matrices", 1200, 2),
        (40000, 50, "vectors", 40, 1),
        (14400, 30, "vectors", 1200, 2),
        (60, 20, "matrices", 40, 1),
        (10000, 50, "matrices", 40, 1),
        (150000, 20, "vectors", 40, 1),
        (50000, 30, "vectors", 1200, 2),
    ],
)
def test_auto_weighs_the_build_against_the_evaluations(
    n, d, sensing, evaluations, builds, itemsize
):
    """precompute_pays is the documented inequality between the build plus E
    Gram evaluations and E data evaluations, with the measured costs (the
    data form's higher once X, of itemsize bytes per number, leaves the
    cache), for a G of at most a quarter of X's bytes."""
    cost, p = SECONDS_PER_UNIT, d * (d + 1) // 2
    size = d * d if sensing == "matrices" else d
    data = evaluations * cost[sensing] * n * size
    if itemsize * n * size > CACHE_BYTES:
        data *= OUT_OF_CACHE_FACTOR
    gram = builds * n * (cost["features"] * p + cost["build"] * p * p)
    gram += evaluations * cost["gram"] * p * p
    small = 8 * p * p <= itemsize * n * size / 4
    decision = precompute_pays(
        n,
        d,
        sensing=sensing,
        n_evaluations=evaluations,
        n_builds=builds,
        itemsize=itemsize,
    )
    assert decision == (small and gram < data)


@pytest.mark.parametrize(
    "sensing, d, float64_from",
    # 8 p^2 <= itemsize n s / 4, p = d (d + 1) / 2, s = d^2 or d:
    # 8 * 1275^2 = 13005000 <= 5000 n at d = 50; 8 * 210^2 = 352800 <= 40 n
    # at d = 20; 8 * 55^2 = 24200 <= 20 n at d = 10.
    [("matrices", 50, 2601), ("vectors", 20, 8820), ("vectors", 10, 1210)],
)
def test_auto_never_builds_a_gram_larger_than_a_quarter_of_X(sensing, d, float64_from):
    """With evaluations enough for any build to pay, "auto" takes the Gram
    form exactly from the n at which G's 8 p^2 bytes are at most a quarter
    of X's (numbers worked out by hand above), twice that n for float32."""
    assert MAX_GRAM_FRACTION_OF_X == 0.25

    def pays(n, itemsize):
        return precompute_pays(
            n, d, sensing=sensing, n_evaluations=1e6, itemsize=itemsize
        )

    assert not pays(float64_from - 1, 8) and pays(float64_from, 8)
    assert not pays(2 * float64_from - 1, 4) and pays(2 * float64_from, 4)


def test_auto_weighs_memory_with_the_dtype_of_X():
    """The estimator passes X's itemsize: rank-one vectors with d = 10 and
    n = 2000 take the Gram form in float64 (G, 24200 bytes, against 160000
    bytes of X) but not in float32 (80000 bytes: a quarter is 20000); True
    builds it for either."""
    X, y = planted("rank_one", n=2000, d=10)
    auto = GroupLassoMatrixSensing(precompute="auto")
    assert isinstance(auto._gram_statistics(X, y, None, 10**6), GramStatistics)
    X32 = X.astype(np.float32)
    assert auto._gram_statistics(X32, y, None, 10**6) is None
    forced = GroupLassoMatrixSensing(precompute=True)
    assert isinstance(forced._gram_statistics(X32, y, None, 1), GramStatistics)


def test_auto_decides_as_the_guide_says():
    """The clear-cut cases of the measurements in docs/guide.md (the form
    chosen was at least 1.5 times faster), where G takes at most a quarter
    of X's bytes (from n = d^2 matrices, or about d^3 vectors, in float64):
    fits of Gaussian matrices with n >> d^2 and CV runs from n = d^2 use the
    Gram form; a fit with n <= d^2 at d = 50, CV runs at n = d r, rank-one
    fits and a rank-one CV run at d = 50, n = d^2 do not. The faster Gram
    form of CV runs at n = 5 d r (d = 20 to 50) and of a rank-one CV run at
    d = 30, n = 16 d^2 is given up for memory. The cap (d <= 90) holds
    whatever the evaluations."""
    fit, cv = EVALUATIONS_PER_FIT, EVALUATIONS_PER_CV_ALPHA * 12 * 5

    def pays(n, d, sensing, evaluations, builds=1):
        return precompute_pays(
            n, d, sensing=sensing, n_evaluations=evaluations, n_builds=builds
        )

    assert pays(6400, 20, "matrices", fit)
    assert pays(3600, 30, "matrices", fit)
    assert pays(10000, 50, "matrices", fit)
    assert not pays(750, 50, "matrices", fit)
    assert pays(1600, 20, "matrices", cv, 2)
    assert pays(3600, 30, "matrices", cv, 2)
    assert not pays(150, 50, "matrices", cv, 2)
    for n, d in [(6400, 20), (14400, 30), (40000, 50)]:
        assert not pays(n, d, "vectors", fit)
    assert not pays(2500, 50, "vectors", cv, 2)
    # Faster in Gram form, but G would exceed a quarter of X:
    assert not pays(2500, 50, "matrices", fit)
    assert not pays(750, 50, "matrices", cv, 2)
    assert not pays(300, 20, "matrices", cv, 2)
    assert not pays(14400, 30, "vectors", cv, 2)
    assert pays(10**6, 90, "matrices", 10**6)
    assert not pays(10**6, 91, "matrices", 10**6)
    assert 8 * (91 * 92 // 2) ** 2 > MAX_GRAM_BYTES >= 8 * (90 * 91 // 2) ** 2


def test_auto_skips_sparse_input_and_true_does_not():
    """'auto' keeps the data form for CSR X whatever the evaluations; True and
    dense X (large enough for G, 3528 bytes, to take a quarter of its 48000)
    build the statistics."""
    X, y = planted("rank_one", n=1000)
    auto = GroupLassoMatrixSensing(precompute="auto")
    assert auto._gram_statistics(sp.csr_matrix(X), y, None, 10**9) is None
    assert isinstance(auto._gram_statistics(X, y, None, 10**9), GramStatistics)
    forced = GroupLassoMatrixSensing(precompute=True)
    assert isinstance(
        forced._gram_statistics(sp.csr_matrix(X), y, None, 1), GramStatistics
    )
    never = GroupLassoMatrixSensing(precompute=False)
    assert never._gram_statistics(X, y, None, 10**9) is None


def test_noiseless_data_in_gram_form_are_fit_to_the_resolution_of_the_loss():
    """Noiseless Gaussian sensing: the Gram form recovers U U^T to a relative
    error below 1e-7 (its loss is resolved to about 1e-16 E[y^2]) and never
    reports a negative loss."""
    X, y, U = make_matrix_sensing(
        300, 10, 2, noise=0.0, random_state=0, return_factor=True
    )
    model = GroupLassoMatrixSensing(random_state=0, precompute=True).fit(X, y)
    V = model.components_.T
    error = np.linalg.norm(V @ V.T - U @ U.T) / np.linalg.norm(U @ U.T)
    assert error < 1e-7
    assert np.all(model.refit_loss_curve_ >= 0.0)
