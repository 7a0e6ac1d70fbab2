"""The regularization path, the CV estimators, warm_start and sample_weight.

References are independent of skprune's estimators (see
``skprune/_oracles.py``): planted factors drawn with numpy, a rank-r
least-squares oracle minimized by scipy, closed forms of the null model's
held-out error and of ``lambda_max``, and naive gradients of the (weighted)
objective written with explicit matrices.
"""

import functools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from oracles import ill_conditioned_problem
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_val_score, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from test_gradients import naive_penalty

from skprune import (
    GroupLassoMatrixSensing,
    GroupLassoMatrixSensingCV,
    QuadraticNetPruner,
    QuadraticNetPrunerCV,
    group_lasso_path,
)
from skprune._cv import select_alpha_index
from skprune._oracles import explicit_matrices, rank_r_least_squares, relative_error
from skprune.datafit import QuadraticModel
from skprune.datasets import make_matrix_sensing

#: n per sensing: Gaussian A_i carry d^2 numbers each, rank-one x_i only d.
N_SAMPLES = {"gaussian": 600, "rank_one": 3000}
SENSINGS = ["gaussian", "rank_one"]


@functools.cache
def problem(sensing, seed):
    return ill_conditioned_problem(seed, sensing, n_samples=N_SAMPLES[sensing])


@functools.cache
def oracle(sensing, seed):
    X, y, U_star = problem(sensing, seed)
    return rank_r_least_squares(X, y, U_star.shape[1], seed)


def network_problem(seed, n_samples=600, n_features=6, noise=0.1):
    """y = (x0 + x1)^2 - 2 x2^2 + x3 + 1 + noise: two neurons of signs +1, -1."""
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n_samples, n_features))
    y = (X[:, 0] + X[:, 1]) ** 2 - 2 * X[:, 2] ** 2 + X[:, 3] + 1.0
    return X, y + noise * rng.standard_normal(n_samples)


def naive_objective_gradient(X, y, U, strength, beta, weights=None):
    """Gradient of 1/(2 sum s) sum_i s_i (<A_i, U U^T> - y_i)^2 + strength R_beta(U)
    with explicit symmetric matrices."""
    matrices = explicit_matrices(X)
    weights = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    residual = np.einsum("nab,ab->n", matrices, U @ U.T) - y
    loss_gradient = 2 * np.einsum("n,nab->ab", weights * residual, matrices) @ U
    loss_gradient /= weights.sum()
    squared = np.sum(U**2, axis=0)
    penalty_gradient = U * (squared + 2 * beta) / (squared + beta) ** 1.5
    return loss_gradient, strength * penalty_gradient


# -- the path ----------------------------------------------------------------------


@pytest.mark.parametrize("sensing", SENSINGS)
def test_path_is_monotone_and_ends_at_the_planted_rank(sensing):
    """Theory: at alpha >= 1 (lambda >= lambda_max) no column can grow, and a
    direction enters once alpha falls below its relative eigenvalue in C, so
    the number of columns never shrinks as alpha falls; with eigenvalues 1,
    0.3, 0.1 the weakest penalty keeps exactly the three planted columns."""
    X, y, U_star = problem(sensing, 0)
    alphas = [2.0, 1.0, 0.6, 0.3, 0.1, 0.03, 0.01]
    path = group_lasso_path(
        GroupLassoMatrixSensing(random_state=0), X, y, alphas=alphas
    )
    assert_array_equal(path.alphas, alphas)
    assert path.n_components[0] == path.n_components[1] == 0
    assert np.all(np.diff(path.n_components) >= 0), path.n_components
    assert path.n_components[-1] == U_star.shape[1]
    assert path.column_norms.shape == (len(alphas), X.shape[1])


@pytest.mark.parametrize("sensing", SENSINGS)
def test_a_column_enters_the_path_at_nearly_full_size(sensing):
    """Just below lambda_max the top direction is unstable at zero, and the
    smooth penalty's curvature falls as the column grows: it enters at 90% or
    more of the norm it has at a much weaker penalty (the guide's claim)."""
    X, y, _ = problem(sensing, 0)
    path = group_lasso_path(
        GroupLassoMatrixSensing(random_state=0), X, y, alphas=[0.99, 0.6]
    )
    assert_array_equal(path.n_components, [1, 1])
    first, later = path.column_norms.max(axis=1)
    assert first >= 0.9 * later, (first, later)


def test_path_of_the_network_is_monotone():
    X, y = network_problem(0)
    path = group_lasso_path(QuadraticNetPruner(random_state=0), X, y, n_alphas=8)
    assert path.n_components[0] == 0
    assert np.all(np.diff(path.n_components) >= 0), path.n_components
    assert path.n_components[-1] == 2


@pytest.mark.parametrize("sensing", SENSINGS)
def test_path_loss_at_the_planted_rank_is_the_oracle_loss(sensing):
    """Wherever the path keeps exactly r columns, fine-tuning reaches the
    rank-r least-squares loss of the oracle; lambdas are alphas * lambda_max
    with lambda_max = sqrt(beta sigma) lambda_max(C) in closed form."""
    X, y, U_star = problem(sensing, 1)
    r = U_star.shape[1]
    path = group_lasso_path(GroupLassoMatrixSensing(random_state=1), X, y, n_alphas=10)
    _, oracle_loss = oracle(sensing, 1)
    at_rank = path.n_components == r
    assert at_rank.sum() >= 2
    # 1e-3: fine-tuning stops at tol=1e-7 relative to the loss of U = 0.
    assert_allclose(path.loss[at_rank], oracle_loss, rtol=1e-3)
    assert np.all(path.loss[~at_rank] > oracle_loss * (1 - 1e-6))

    matrices = explicit_matrices(X)
    correlation = np.einsum("n,nab->ab", y, matrices) / len(y)
    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    q = np.einsum("a,nab,b->n", eigenvectors[:, -1], matrices, eigenvectors[:, -1])
    sigma = eigenvalues[-1] * len(y) / (q @ q)
    assert_allclose(path.lambda_max, np.sqrt(0.05 * sigma) * eigenvalues[-1], rtol=1e-8)
    assert_allclose(path.lambdas, path.alphas * path.lambda_max, rtol=1e-12)


def test_points_keeping_the_same_columns_share_one_fine_tuned_model():
    """Fine-tuning minimizes L over the kept columns whatever alpha is, so
    where a point keeps as many columns of each sign as the previous one, whose
    fine-tuning converged, the path reuses that answer without an iteration
    (test_path_loss_at_the_planted_rank_is_the_oracle_loss checks the answer
    against the oracle). The folds' errors are then exactly equal along such a
    plateau, and "min" takes its strongest penalty."""
    from skprune.path import run_path

    X, y, U_star = problem("gaussian", 0)
    estimator = GroupLassoMatrixSensing(random_state=0)
    problem_ = estimator._resolve_problem(*estimator._validate_fit_data(X, y, None))
    points = run_path(estimator, problem_, np.geomspace(1.0, 0.01, 8))
    shared = 0
    for previous, point in zip(points[:-1], points[1:], strict=True):
        if previous.tuned.converged and np.array_equal(
            np.sort(previous.tuned.model.signs), np.sort(point.tuned.model.signs)
        ):
            shared += 1
            assert point.tuned.n_iter == 0
            assert point.tuned.model is previous.tuned.model
    assert shared >= 3

    model = GroupLassoMatrixSensingCV(alphas=8, cv=3, random_state=0).fit(X, y)
    at_rank = np.all(model.n_components_path_ == U_star.shape[1], axis=1)
    plateau = model.mse_path_[at_rank]
    assert len(plateau) >= 3
    assert np.array_equal(plateau, np.broadcast_to(plateau[0], plateau.shape))
    # The planted rank has the smallest error here; "min" takes the plateau's
    # first (strongest) alpha. (Its rows are equal bit for bit, so are their
    # means; the mean of the whole block would be summed in another order.)
    means = model.mse_path_.mean(axis=1)
    first = np.flatnonzero(at_rank)[0]
    assert means[first] == means.min()
    assert model.alpha_ == model.alphas_[first]
    assert model.alpha_ == model.alphas_[at_rank][0]


def test_path_sorts_alphas_and_rejects_bad_ones():
    X, y, _ = problem("gaussian", 0)
    estimator = GroupLassoMatrixSensing(random_state=0)
    path = group_lasso_path(estimator, X, y, alphas=[0.1, 0.9, 0.3])
    assert_array_equal(path.alphas, [0.9, 0.3, 0.1])
    assert not hasattr(estimator, "n_features_in_")  # the estimator is not fitted
    for alphas, message in [
        ([], "non-empty"),
        ([0.5, -1.0], "non-negative"),
        ([[0.5]], "1-D"),
        ([np.nan], "finite"),
    ]:
        with pytest.raises(ValueError, match=message):
            group_lasso_path(estimator, X, y, alphas=alphas)


# -- the CV estimators ---------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("sensing", SENSINGS)
def test_cv_keeps_the_planted_rank_of_an_ill_conditioned_problem(sensing, seed):
    """Eigenvalues 1, 0.3 and 0.1: the CV estimator keeps exactly rank 3 with
    an error within 5% (+1e-4) of the oracle that knows the rank."""
    X, y, U_star = problem(sensing, seed)
    model = GroupLassoMatrixSensingCV(random_state=seed).fit(X, y)
    V_oracle, _ = oracle(sensing, seed)
    assert model.n_components_ == U_star.shape[1]
    error, error_oracle = (
        relative_error(model.components_.T, U_star),
        relative_error(V_oracle, U_star),
    )
    assert error <= 1.05 * error_oracle + 1e-4, (error, error_oracle)


@pytest.mark.parametrize("sensing", SENSINGS)
def test_fold_errors_at_the_planted_rank_are_the_oracle_held_out_errors(sensing):
    """The folds' paths run to path_tol (1e-5 by default), not tol: wherever a
    fold keeps exactly r columns, its held-out error is that of the rank-r
    least-squares oracle fitted on the fold's training rows, to 1e-3
    relative. Measured on seeds 0 and 1: at most 4e-4, where the folds'
    errors spread by 2 to 9%; with path_tol=1e-2, 9e-3 to 2e-2."""
    X, y, U_star = problem(sensing, 0)
    r = U_star.shape[1]
    folds = KFold(3, shuffle=True, random_state=0)
    model = GroupLassoMatrixSensingCV(alphas=8, cv=folds, random_state=0).fit(X, y)
    for fold, (train, test) in enumerate(folds.split(X)):
        V, _ = rank_r_least_squares(X[train], y[train], r, 0)
        held_out = np.einsum("nab,ab->n", explicit_matrices(X[test]), V @ V.T)
        expected = np.mean((held_out - y[test]) ** 2)
        at_rank = model.n_components_path_[:, fold] == r
        assert at_rank.sum() >= 2
        assert_allclose(model.mse_path_[at_rank, fold], expected, rtol=1e-3)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_direction_below_beta_is_pruned_unless_beta_is_lowered(seed):
    """The documented limit of the automatic threshold: a planted eigenvalue
    below beta * sigma (0.05 < 0.05 * 1 here, beta the default) gives a
    column of norm below sqrt(beta_abs), pruned whatever alpha; with
    beta=0.01 the CV estimator keeps all three, as well as the oracle."""
    X, y, U_star = ill_conditioned_problem(
        seed, "gaussian", n_samples=600, eigenvalues=(1.0, 0.3, 0.04)
    )
    assert GroupLassoMatrixSensingCV(random_state=0).fit(X, y).n_components_ == 2
    model = GroupLassoMatrixSensingCV(beta=0.01, random_state=0).fit(X, y)
    assert model.n_components_ == 3
    V_oracle, _ = rank_r_least_squares(X, y, 3, seed)
    error, error_oracle = (
        relative_error(model.components_.T, U_star),
        relative_error(V_oracle, U_star),
    )
    assert error <= 1.05 * error_oracle + 1e-4, (error, error_oracle)


@pytest.mark.parametrize("path_tol", [None, 1e-2])
def test_cv_attributes_and_the_final_model(path_tol):
    """Shapes of the path attributes; the final model is a first-order
    stationary point of F at lambda_ = alpha_ * lambda_max_ (naive gradient,
    within 10% of the penalty's gradient) before pruning: the path's point
    itself when the path ran to tol (path_tol=None), else that point trained
    on to tol (here from a path run to a tolerance 10^5 times looser, whose
    point is not stationary to that precision)."""
    X, y, _ = problem("gaussian", 0)
    model = GroupLassoMatrixSensingCV(
        alphas=7, cv=4, path_tol=path_tol, random_state=0
    ).fit(X, y)
    d = X.shape[1]
    assert model.alphas_.shape == (7,) and np.all(np.diff(model.alphas_) < 0)
    assert model.alpha_ in model.alphas_
    assert model.mse_path_.shape == model.n_components_path_.shape == (7, 4)
    assert model.column_norms_path_.shape == (7, d)
    assert_allclose(model.lambda_, model.alpha_ * model.lambda_max_, rtol=1e-12)
    if path_tol is None:
        chosen = np.flatnonzero(model.alphas_ == model.alpha_)[0]
        assert_allclose(
            model.column_norms_path_[chosen], model.column_norms_, rtol=1e-12
        )

    U = model.trained_components_.T
    grad_loss, grad_penalty = naive_objective_gradient(
        X, y, U, model.lambda_, model.beta_
    )
    assert np.linalg.norm(grad_loss + grad_penalty) <= 0.1 * np.linalg.norm(
        grad_penalty
    )


def test_mse_path_at_alpha_max_is_the_held_out_error_of_the_null_model():
    """At alpha = 1 no column grows: matrix sensing predicts 0, so each fold's
    error is mean(y_test^2); the network keeps its linear part, so each fold's
    error is that of least squares with intercept fitted on the training part."""
    folds = KFold(3, shuffle=True, random_state=0)
    X, y, _ = problem("rank_one", 0)
    model = GroupLassoMatrixSensingCV(alphas=[1.0, 0.1], cv=folds, random_state=0)
    model.fit(X, y)
    expected = [np.mean(y[test] ** 2) for _, test in folds.split(X)]
    assert_allclose(model.mse_path_[0], expected, rtol=1e-6)

    X, y = network_problem(1)
    net = QuadraticNetPrunerCV(alphas=[1.0, 0.1], cv=folds, random_state=0).fit(X, y)
    expected = []
    for train, test in folds.split(X):
        design = np.column_stack([X[train], np.ones(len(train))])
        weights = np.linalg.lstsq(design, y[train], rcond=None)[0]
        prediction = np.column_stack([X[test], np.ones(len(test))]) @ weights
        expected.append(np.mean((prediction - y[test]) ** 2))
    assert_allclose(net.mse_path_[0], expected, rtol=1e-6)
    assert np.all(net.mse_path_[1] < 0.1 * net.mse_path_[0])


def test_selection_rules_on_a_given_path():
    """By hand: mean errors [9, 4, 2.2, 2.0, 2.1]; at the minimum (index 3) the
    folds are 1, 3 (sd sqrt(2), standard error 1), so "1se" takes the
    strongest penalty with mean error <= 3.0: index 2."""
    mse_path = np.array([[9, 9], [4, 4], [2.2, 2.2], [1.0, 3.0], [2.1, 2.1]])
    assert select_alpha_index(mse_path, "min") == 3
    assert select_alpha_index(mse_path, "1se") == 2


def test_one_standard_error_rule_keeps_a_smaller_or_equal_model():
    X, y = network_problem(2, noise=1.0)
    kwargs = dict(alphas=8, cv=KFold(4, shuffle=True, random_state=0), random_state=0)
    best = QuadraticNetPrunerCV(selection_rule="min", **kwargs).fit(X, y)
    small = QuadraticNetPrunerCV(selection_rule="1se", **kwargs).fit(X, y)
    assert small.alpha_ >= best.alpha_
    assert small.n_components_ <= best.n_components_
    mean = best.mse_path_.mean(axis=1)
    assert mean[best.alphas_ == small.alpha_][0] >= mean.min()


def test_cv_estimators_work_in_a_pipeline_and_cross_val_score():
    X, y = network_problem(3)
    pipeline = make_pipeline(
        StandardScaler(), QuadraticNetPrunerCV(alphas=5, cv=3, random_state=0)
    )
    scores = cross_val_score(pipeline, X, y, cv=3)
    assert np.all(scores > 0.99), scores
    fitted = pipeline.fit(X, y)[-1]
    assert fitted.n_components_ == 2


@pytest.mark.parametrize("Estimator", [GroupLassoMatrixSensingCV, QuadraticNetPrunerCV])
def test_cv_results_do_not_depend_on_n_jobs(Estimator):
    X, y, _ = problem("rank_one", 2)
    X, y = X[:800], y[:800]
    models = [
        Estimator(alphas=5, cv=3, n_jobs=n_jobs, random_state=0).fit(X, y)
        for n_jobs in (1, 2)
    ]
    assert_array_equal(models[0].mse_path_, models[1].mse_path_)
    assert_array_equal(models[0].components_.T, models[1].components_.T)
    assert_array_equal(models[0].predict(X), models[1].predict(X))


# -- warm_start --------------------------------------------------------------------


def test_warm_start_continues_from_the_previous_trained_factor():
    """A user's loop over decreasing alphas with warm_start: the strong
    penalty finds the top direction only; each fit continues from the
    previous trained factor, the weakest finds all three, as well as the
    oracle, and the loop trains in fewer iterations in all than the same fits
    from scratch (46 against 67 when this was written)."""
    X, y, U_star = problem("gaussian", 1)
    alphas = [0.5, 0.3, 0.2, 0.1, 0.05, 0.03]
    model = GroupLassoMatrixSensing(warm_start=True, random_state=0)
    warm_iterations = cold_iterations = 0
    for alpha in alphas:
        model.set_params(alpha=alpha).fit(X, y)
        if alpha == alphas[0]:
            assert model.n_components_ == 1
        warm_iterations += model.n_iter_
        cold = GroupLassoMatrixSensing(alpha=alpha, random_state=0).fit(X, y)
        cold_iterations += cold.n_iter_
    assert model.n_components_ == 3
    assert warm_iterations < cold_iterations
    V_oracle, _ = oracle("gaussian", 1)
    assert (
        relative_error(model.components_.T, U_star)
        <= 1.05 * relative_error(V_oracle, U_star) + 1e-4
    )


def test_warm_start_with_another_width_raises():
    X, y, _ = problem("gaussian", 0)
    model = GroupLassoMatrixSensing(5, warm_start=True, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="warm_start=True needs a trained factor"):
        model.set_params(n_components=6).fit(X, y)


# -- sample_weight -----------------------------------------------------------------


def _weighted_inputs(kind):
    if kind == "network":
        X, y = network_problem(4, n_samples=300)
        return QuadraticNetPruner(random_state=0), X, y
    if kind == "network_csr":
        X, y = network_problem(4, n_samples=300)
        X[np.abs(X) < 0.5] = 0.0
        return QuadraticNetPruner(random_state=0), sp.csr_matrix(X), y
    X, y, _ = problem(kind, 3)
    return GroupLassoMatrixSensing(random_state=0), X[:300], y[:300]


@pytest.mark.parametrize("kind", ["gaussian", "rank_one", "network", "network_csr"])
def test_integer_weights_act_as_repeated_samples(kind):
    """Weights 0, 1, 2, 3 against the data with those repetitions: the same
    objective, so the same model up to the solvers' tolerance."""
    estimator, X, y = _weighted_inputs(kind)
    weights = np.random.RandomState(0).randint(0, 4, size=len(y))
    repeated = np.repeat(np.arange(len(y)), weights)
    weighted = estimator.fit(X, y, sample_weight=weights).predict(X)
    copies = estimator.fit(X[repeated], y[repeated]).predict(X)
    assert_allclose(weighted, copies, rtol=0, atol=1e-5 * np.std(y))
    rescaled = estimator.fit(X, y, sample_weight=7.5 * weights).predict(X)
    assert_allclose(weighted, rescaled, rtol=0, atol=1e-6 * np.std(y))


def test_weighted_fit_is_stationary_for_the_weighted_loss():
    """After fine-tuning, the naive gradient of the weighted loss vanishes
    (relative to the gradient of the unweighted loss at the same point, which
    does not); refit with other weights moves to their stationary point."""
    X, y, _ = problem("gaussian", 4)
    X, y = X[:400], y[:400] + np.where(np.arange(400) < 200, 0.5, 0.0)
    weights = np.where(np.arange(400) < 200, 5.0, 1.0)
    model = GroupLassoMatrixSensing(random_state=0).fit(X, y, sample_weight=weights)
    U = model.components_.T
    weighted, _ = naive_objective_gradient(X, y, U, 0.0, 1.0, weights)
    plain, _ = naive_objective_gradient(X, y, U, 0.0, 1.0)
    assert np.linalg.norm(weighted) <= 1e-2 * np.linalg.norm(plain)

    model.refit(X, y, sample_weight=weights[::-1])
    U = model.components_.T
    weighted, _ = naive_objective_gradient(X, y, U, 0.0, 1.0, weights[::-1])
    plain, _ = naive_objective_gradient(X, y, U, 0.0, 1.0, weights)
    assert np.linalg.norm(weighted) <= 1e-2 * np.linalg.norm(plain)


@pytest.mark.parametrize(
    "weights, message",
    [
        (-np.ones(50), "Negative values"),
        (np.zeros(50), "at least one non-zero"),
        (np.ones(49), "sample_weight.shape"),
    ],
)
def test_bad_sample_weight_raises(weights, message):
    X, y = network_problem(5, n_samples=50)
    for estimator in (QuadraticNetPruner(), QuadraticNetPrunerCV(alphas=2, cv=2)):
        with pytest.raises(ValueError, match=message):
            estimator.fit(X, y, sample_weight=weights)


def test_cv_weights_the_held_out_error():
    """mse_path_ at alpha = 1 (matrix sensing predicts 0) is the weighted
    mean of y_test^2 in each fold."""
    X, y, _ = problem("rank_one", 1)
    X, y = X[:600], y[:600]
    weights = np.random.RandomState(1).uniform(0.5, 2.0, size=len(y))
    folds = KFold(3, shuffle=True, random_state=0)
    model = GroupLassoMatrixSensingCV(alphas=[1.0, 0.1], cv=folds, random_state=0)
    model.fit(X, y, sample_weight=weights)
    expected = [
        np.average(y[test] ** 2, weights=weights[test]) for _, test in folds.split(X)
    ]
    assert_allclose(model.mse_path_[0], expected, rtol=1e-6)


# -- real data -----------------------------------------------------------------------


def real_data(name):
    if name == "diabetes":
        return load_diabetes(return_X_y=True)
    return make_friedman1(n_samples=500, n_features=20, noise=1.0, random_state=0)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Every column:UserWarning")
@pytest.mark.parametrize(
    "name, shuffle", [("diabetes", 0), ("diabetes", 1), ("friedman1", 0)]
)
def test_cv_network_matches_polynomial_ridge_on_real_data(name, shuffle):
    """QuadraticNetPrunerCV with its defaults against StandardScaler +
    PolynomialFeatures(2) + RidgeCV (which also chooses its penalty by
    internal cross-validation), on the same 5 outer shuffled folds (two
    shuffles of diabetes, where the margin is small, and one of friedman1):
    mean R^2 at least as good, with fewer parameters in every fold
    (n_components_ * d hidden weights, d linear weights and an intercept,
    against the polynomial features plus an intercept)."""
    X, y = real_data(name)
    d = X.shape[1]
    folds = KFold(5, shuffle=True, random_state=shuffle)
    net = cross_validate(
        QuadraticNetPrunerCV(random_state=0),
        X,
        y,
        cv=folds,
        n_jobs=2,
        return_estimator=True,
    )
    baseline = cross_validate(
        make_pipeline(
            StandardScaler(),
            PolynomialFeatures(2),
            RidgeCV(alphas=np.logspace(-3, 3, 13)),
        ),
        X,
        y,
        cv=folds,
        return_estimator=True,
    )
    widths = [model.n_components_ for model in net["estimator"]]
    net_parameters = np.array([width * d + d + 1 for width in widths])
    baseline_parameters = baseline["estimator"][0][1].n_output_features_ + 1
    report = (
        f"{name}: net R^2 {net['test_score'].mean():.4f}, alpha_ "
        f"{[round(m.alpha_, 3) for m in net['estimator']]}, neurons {widths}; "
        f"polynomial ridge R^2 {baseline['test_score'].mean():.4f}"
    )
    print(report)
    assert net["test_score"].mean() >= baseline["test_score"].mean(), report
    assert np.all(net_parameters < baseline_parameters), report


# -- input and warnings shared by every estimator ------------------------------------

ALL_ESTIMATORS = [
    GroupLassoMatrixSensing(random_state=0),
    QuadraticNetPruner(random_state=0),
    GroupLassoMatrixSensingCV(alphas=3, cv=2, random_state=0),
    QuadraticNetPrunerCV(alphas=3, cv=2, random_state=0),
]


@pytest.mark.parametrize("estimator", ALL_ESTIMATORS, ids=lambda e: type(e).__name__)
def test_string_targets_are_rejected_with_the_reason(estimator):
    X, _ = network_problem(6, n_samples=60)
    with pytest.raises(ValueError, match="needs numeric targets y.*convert string"):
        estimator.fit(X, np.array(["a", "b"] * 30))


@pytest.mark.parametrize("estimator", ALL_ESTIMATORS, ids=lambda e: type(e).__name__)
def test_strings_of_numbers_are_read_as_numbers(estimator):
    X, y = network_problem(6, n_samples=60)
    as_text = estimator.fit(X, y.astype(str)).predict(X)
    assert_allclose(as_text, estimator.fit(X, y).predict(X), rtol=1e-12)


def test_reaching_the_upper_bound_on_the_rank_warns():
    """Rank 3 planted, n_components=2: every column survives, and the user is
    told to raise n_components; with room to spare there is no such word."""
    X, y, _ = problem("gaussian", 0)
    with pytest.warns(UserWarning, match="All 2 columns survived pruning"):
        GroupLassoMatrixSensing(2, alpha=0.05, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = GroupLassoMatrixSensing(6, alpha=0.05, random_state=0).fit(X, y)
    assert model.n_components_ == 3


# -- the start of training -------------------------------------------------------


@pytest.mark.parametrize("sensing", SENSINGS)
def test_spectral_start_is_close_to_the_planted_matrix(sensing):
    """C_c = (1/n) sum (y_i - mean y) S_i estimates M* (Gaussian A_i) or 2 M*
    (rank-one x_i x_i^T, after centering removes tr(M*) I) with an error of
    order sqrt(r d / n) (the rate of a rank-r estimate from n measurements);
    its top directions, sized under the penalty (see the next test), are
    within twice that of M*, every column off them exactly zero, and the
    random start is tiny."""
    from sklearn.utils import check_random_state

    from skprune.core import random_model, spectral_model

    X, y, U_star = problem(sensing, 2)
    estimator = GroupLassoMatrixSensing(alpha=0.05)
    problem_ = estimator._resolve_problem(*estimator._validate_fit_data(X, y, None))
    start, _ = spectral_model(problem_, 0.05, max_iter=1000, tol=1e-7)
    d, r = U_star.shape
    assert relative_error(start.factor, U_star) < 2 * np.sqrt(r * d / len(y))
    # the rule: the eigenvectors of C_c above alpha times its top eigenvalue
    matrices = explicit_matrices(X)
    centered = np.einsum("n,nab->ab", y - y.mean(), matrices) / len(y)
    eigenvalues = np.linalg.eigvalsh(centered)
    above = np.sum(eigenvalues > 0.05 * eigenvalues[-1])
    nonzero = np.sum(np.linalg.norm(start.factor, axis=0) > 0)
    assert 0 < nonzero <= above  # the rest exactly zero
    tiny = random_model(problem_, 1e-3, check_random_state(0))
    assert np.linalg.norm(tiny.factor) < 1e-2


@pytest.mark.parametrize("sensing", SENSINGS)
def test_spectral_sizes_minimize_the_penalized_objective_along_the_directions(
    sensing,
):
    """The sized spectral columns are sum_j t_j v_j v_j^T over the eigenvectors v_j of
    C_c above alpha times its top eigenvalue (formed here from the explicit
    A_i), with sizes t >= 0 at a stationary point of the naive objective of
    training along them, F(t) = 1/(2n) sum_i (sum_j t_j v_j^T A_i v_j - y_i)^2
    + lambda sum_j t_j / sqrt(t_j + beta_abs): by central differences dF/dt_j
    vanishes where t_j > 0, and by forward differences it is not negative
    where t_j = 0. The penalty acts: it zeroes directions of positive
    least-squares size (numpy lstsq), and F is lower than at the clipped
    least-squares sizes, the start's sizes before it."""
    from skprune.core import sized_spectral_model

    X, y, _ = problem(sensing, 2)
    alpha = 0.1
    estimator = GroupLassoMatrixSensing(alpha=alpha)
    problem_ = estimator._resolve_problem(*estimator._validate_fit_data(X, y, None))
    start = sized_spectral_model(problem_, alpha)
    matrices = explicit_matrices(X)
    eigenvalues, vectors = np.linalg.eigh(
        np.einsum("n,nab->ab", y - y.mean(), matrices) / len(y)
    )
    directions = vectors[:, eigenvalues > alpha * eigenvalues[-1]]
    gram = start.factor @ start.factor.T
    sizes = np.einsum("aj,ab,bj->j", directions, gram, directions)
    assert_allclose(gram, (directions * sizes) @ directions.T, atol=1e-10)
    zero = np.abs(sizes) <= 1e-12 * sizes.max()  # v^T U U^T v to round-off
    assert np.all(sizes[~zero] > 0)
    sizes[zero] = 0.0

    measurements = np.einsum("aj,nab,bj->nj", directions, matrices, directions)
    strength, beta = alpha * problem_.lambda_max, problem_.penalty.beta

    def objective(t):
        loss = 0.5 * np.mean((measurements @ t - y) ** 2)
        return loss + strength * np.sum(t / np.sqrt(t + beta))

    step = 1e-6 * sizes.max()
    slope_unit = objective(np.zeros_like(sizes)) / sizes.max()
    for j in range(sizes.size):
        bump = np.zeros_like(sizes)
        bump[j] = step
        if sizes[j] > 0:
            slope = (objective(sizes + bump) - objective(sizes - bump)) / (2 * step)
            assert abs(slope) <= 1e-5 * slope_unit, (j, slope)
        else:
            slope = (objective(sizes + bump) - objective(sizes)) / step
            assert slope >= -1e-5 * slope_unit, (j, slope)
    least_squares = np.linalg.lstsq(measurements, y, rcond=None)[0]
    assert np.any((least_squares > 0) & (sizes == 0))
    assert objective(sizes) < objective(np.maximum(least_squares, 0.0))


def test_spectral_start_sizes_more_than_a_block_when_the_rank_needs_it():
    """Planted rank 10 (Gaussian sensing, d = 30, n = 5 d r), more than the
    SIZING_BLOCK = 8 candidates sized first: the penalty keeps all 8, so the
    sizes are taken again over more, and the sized start holds at least the
    planted 10 columns, within 2 sqrt(r d / n) of M*."""
    from skprune.core import SIZING_BLOCK, sized_spectral_model

    X, y, U_star = make_matrix_sensing(
        1500, 30, 10, noise=0.1, random_state=0, return_factor=True
    )
    estimator = GroupLassoMatrixSensing()
    problem_ = estimator._resolve_problem(*estimator._validate_fit_data(X, y, None))
    start = sized_spectral_model(problem_, estimator.alpha)
    live = np.count_nonzero(np.linalg.norm(start.factor, axis=0))
    assert SIZING_BLOCK < 10 <= live
    error = np.linalg.norm(start.factor @ start.factor.T - U_star @ U_star.T)
    assert error < 2 * np.sqrt(10 * 30 / 1500) * np.linalg.norm(U_star @ U_star.T)


def test_candidate_directions_are_ranked_over_both_signs():
    """The directions that zero columns could take: the eigenvectors of a C
    above the floor, paired in order with the zero columns of sign a, and
    ranked by a lambda over both signs (blocks of the spectral start take the
    leading ones); written out here for a diagonal C."""
    from skprune.core import _directions_for_zero_columns

    eigenvalues = np.array([-5.0, -1.0, 0.5, 2.0, 3.0])
    eigenvectors = np.eye(5)
    factor = np.zeros((5, 5))
    factor[:, 1] = 1.0  # a live column: not paired
    model = QuadraticModel(factor, np.array([1, 1, 1, -1, -1.0]), np.zeros(0), 0.0)
    picks = _directions_for_zero_columns(model, (eigenvalues, eigenvectors), 0.7)
    expected = [(3, -1, 0), (0, 1, 4), (2, 1, 3), (4, -1, 1)]
    assert [(column, sign) for column, sign, _ in picks] == [
        (column, sign) for column, sign, _ in expected
    ]
    for (_, _, direction), (_, _, index) in zip(picks, expected, strict=True):
        assert_array_equal(direction, eigenvectors[:, index])


@pytest.mark.parametrize("precompute", [False, True])
def test_spectral_start_trained_in_its_span_is_stationary_there(precompute):
    """Gaussian sensing at n = 5 d r (d = 30, seed 0), where the sized columns
    hold a fourth one beside the three planted, of half the prune threshold or
    more. In the start trained within their span B (orthonormal columns) it
    falls below 1e-3 of the threshold while the planted three stay above three
    times it (the planted rank, the oracle's); the start lies in span(B), is a
    stationary point there of the naive objective
    F(W) = 1/(2n) sum_i (<A_i, B W W^T B^T> - y_i)^2
    + lambda sum_j ||w_j||^2 / sqrt(||w_j||^2 + beta_abs) (its gradient,
    written from the explicit A_i, is below 1e-3 of that at the sized columns;
    measured 1.2e-4) and has the lower F. Both the data and the Gram form."""
    from skprune.core import sized_spectral_model, spectral_model

    X, y = make_matrix_sensing(450, 30, 3, noise=0.1, random_state=0)
    estimator = GroupLassoMatrixSensing(precompute=precompute)
    problem_ = estimator._resolve_problem(
        *estimator._validate_fit_data(X, y, None),
        statistics=estimator._gram_statistics(X, y, None, 30) if precompute else None,
    )
    sized = sized_spectral_model(problem_, estimator.alpha)
    start, _ = spectral_model(problem_, estimator.alpha, max_iter=1000, tol=1e-7)
    threshold = problem_.penalty.auto_threshold()
    sized_norms = np.sort(np.linalg.norm(sized.factor, axis=0))[::-1]
    norms = np.sort(np.linalg.norm(start.factor, axis=0))[::-1]
    live = np.linalg.norm(sized.factor, axis=0) > 0
    assert np.count_nonzero(live) == 4 and sized_norms[3] > 0.5 * threshold
    assert np.all(norms[:3] > 3 * threshold) and norms[3] < 1e-3 * threshold
    basis = sized.factor[:, live] / np.linalg.norm(sized.factor[:, live], axis=0)
    assert_allclose(basis @ (basis.T @ start.factor), start.factor, atol=1e-12)

    symmetric = 0.5 * (X + X.transpose(0, 2, 1))
    strength = estimator.alpha * problem_.lambda_max
    beta = problem_.penalty.beta

    def objective_and_gradient(U):
        residual = np.einsum("nab,ab->n", symmetric, U @ U.T) - y
        norms = np.sum(U**2, axis=0)
        value = 0.5 * np.mean(residual**2) + strength * np.sum(
            norms / np.sqrt(norms + beta)
        )
        slope = (norms + 2 * beta) / (2 * (norms + beta) ** 1.5)
        gradient = 2 * np.einsum("n,nab->ab", residual, symmetric) @ U / len(y)
        return value, basis.T @ (gradient + strength * 2 * U * slope)

    value, gradient = objective_and_gradient(start.factor[:, live])
    sized_value, sized_gradient = objective_and_gradient(sized.factor[:, live])
    assert np.abs(gradient).max() <= 1e-3 * np.abs(sized_gradient).max()
    assert value < sized_value


@pytest.mark.parametrize("sensing", SENSINGS)
def test_both_starts_recover_the_rank_and_the_spectral_one_trains_less(sensing):
    X, y, U_star = problem(sensing, 0)
    V_oracle, _ = oracle(sensing, 0)
    fits = {
        init: GroupLassoMatrixSensing(alpha=0.03, init=init, random_state=0).fit(X, y)
        for init in ("spectral", "random")
    }
    for model in fits.values():
        assert model.n_components_ == 3
        error = relative_error(model.components_.T, U_star)
        assert error <= 1.05 * relative_error(V_oracle, U_star) + 1e-4
    assert fits["spectral"].n_iter_ < fits["random"].n_iter_


# -- the precision of fine-tuning ------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noiseless_phase_retrieval_is_exact(seed):
    """Real phase retrieval, y_i = (x_i . u)^2 with no noise, n = 2.5 d: the
    default fit keeps one column and recovers u u^T to better than 1e-6
    relative error (fine-tuning refines while the loss keeps falling by 100x a
    round, down to a relative residual of tol)."""
    rng = np.random.RandomState(seed)
    d = 64
    u = rng.standard_normal(d) / np.sqrt(d)
    X = rng.standard_normal((int(2.5 * d), d))
    y = (X @ u) ** 2
    model = GroupLassoMatrixSensing(random_state=0).fit(X, y)
    assert model.n_components_ == 1
    assert relative_error(model.components_.T, u[:, None]) < 1e-6


def test_statistical_excess_is_that_of_least_squares():
    """_statistical_excess(loss, model, datafit) = loss p / (n - p): for a
    least-squares fit of p parameters to n samples with Gaussian noise (numpy
    lstsq, 400 draws), the loss of the truth exceeds the fit's by that
    fraction of the fit's loss on average (p / (n - p) = 0.25 here), within
    5%; p counts the factor's entries, the linear weights and the intercept,
    and with p >= n the estimate is zero."""
    from types import SimpleNamespace

    from skprune.core import _statistical_excess

    rng = np.random.default_rng(0)
    n, p = 100, 20
    fit_losses = []
    for _ in range(400):
        design = rng.standard_normal((n, p))
        y = design @ rng.standard_normal(p) + rng.standard_normal(n)
        residual = y - design @ np.linalg.lstsq(design, y)[0]
        fit_losses.append(0.5 * np.mean(residual**2))
    model = QuadraticModel(np.zeros((4, 4)), np.ones(4), np.zeros(3), 0.0)
    datafit = SimpleNamespace(n_samples=n, fit_intercept=True)
    # the model has 4 * 4 + 3 + 1 = 20 parameters
    assert _statistical_excess(1.0, model, datafit) == pytest.approx(20 / 80)
    noise_loss = 0.5  # the truth's expected loss: noise of variance one
    mean_fit_loss = np.mean(fit_losses)
    measured = (noise_loss - mean_fit_loss) / mean_fit_loss
    assert measured == pytest.approx(_statistical_excess(1.0, model, datafit), rel=0.05)
    few = SimpleNamespace(n_samples=20, fit_intercept=True)
    assert _statistical_excess(1.0, model, few) == 0.0


def test_noise_stops_fine_tuning_at_the_statistical_error():
    """With noise the refinement stops after a round or two: the error is the
    oracle's (the statistical error), reached in few iterations."""
    X, y, U_star = problem("gaussian", 0)
    model = GroupLassoMatrixSensing(alpha=0.03, random_state=0).fit(X, y)
    V_oracle, _ = oracle("gaussian", 0)
    error = relative_error(model.components_.T, U_star)
    assert error <= 1.05 * relative_error(V_oracle, U_star) + 1e-4
    assert model.refit_n_iter_ <= 50


# -- the saddle escape ---------------------------------------------------------------


def test_escape_step_lowers_the_objective_by_the_predicted_amount():
    """At U = 0 with lambda < lambda_max the top eigenvector v of
    C = (1/n) sum y_i sym(A_i) is a direction of negative curvature of F.
    With gap = mu - lambda / sqrt(beta) and kappa = (1/n) sum (v^T A_i v)^2,
    all computed here from explicit matrices, the quartic model predicts a
    decrease of gap^2 / (2 kappa) at the step t v, t^2 = gap / kappa; the
    penalty's exact value lies below its quadratic model, so the true
    decrease of the naive F is at least that. At lambda >= lambda_max no
    column can grow and there is no step."""
    from skprune.core import _escape_step, train

    X, y, _ = problem("gaussian", 3)
    estimator = GroupLassoMatrixSensing(alpha=0.3)
    problem_ = estimator._resolve_problem(*estimator._validate_fit_data(X, y, None))
    strength = 0.3 * problem_.lambda_max
    beta = problem_.penalty.beta
    d, k = X.shape[1], problem_.signs.shape[0]
    zero = problem_.start.__class__(np.zeros((d, k)), problem_.signs, np.zeros(0), 0.0)

    column, step = _escape_step(problem_, strength, zero)
    matrices = explicit_matrices(X)
    eigenvalues, eigenvectors = np.linalg.eigh(
        np.einsum("n,nab->ab", y, matrices) / len(y)
    )
    v = eigenvectors[:, -1]
    gap = eigenvalues[-1] - strength / np.sqrt(beta)
    kappa = np.mean(np.einsum("a,nab,b->n", v, matrices, v) ** 2)
    assert_allclose(
        np.abs(step), np.sqrt(gap / kappa) * np.abs(v), rtol=1e-8, atol=1e-12
    )

    def naive_objective(U):
        residual = np.einsum("nab,ab->n", matrices, U @ U.T) - y
        squared = np.sum(U**2, axis=0)
        penalty = np.sum(squared / np.sqrt(squared + beta))
        return 0.5 * np.mean(residual**2) + strength * penalty

    U = np.zeros((d, k))
    U[:, column] = step
    decrease = naive_objective(np.zeros((d, k))) - naive_objective(U)
    assert decrease >= gap**2 / (2 * kappa) > 0

    assert _escape_step(problem_, 1.01 * problem_.lambda_max, zero) is None

    # A warm start along a path escapes before training (escape_first); with no
    # iterations allowed, what training returns is the escape itself: from
    # columns at zero, every direction that can grow grows at once (tested
    # below), and F is lower still than after the single step.
    started = train(problem_, strength, zero, max_iter=0, tol=1e-7, escape_first=True)
    grown = np.linalg.norm(started.model.factor, axis=0) > 0
    assert started.n_escapes == np.sum(grown) >= 1
    assert naive_objective(started.model.factor) < naive_objective(U)
    idle = train(problem_, strength, zero, max_iter=0, tol=1e-7, escape_first=False)
    assert not np.any(idle.model.factor) and idle.n_escapes == 0


@pytest.mark.parametrize("sensing", SENSINGS)
def test_escape_grows_every_direction_that_can_grow_at_penalized_sizes(sensing):
    """From a model trained at a strong penalty, the escape at a weaker one
    (_grown) puts into columns at zero the eigenvectors v_j of the residual
    correlation C = (1/n) sum_i (y_i - f_i) sym(A_i) at that model (formed
    here from the explicit A_i) whose eigenvalue exceeds lambda / sqrt(beta)
    (the curvature test of a zero column) by more than SADDLE_TOLERANCE times
    the top eigenvalue at U = 0, as columns sqrt(t_j) v_j, and leaves the
    trained columns alone. The sizes t >= 0 are a stationary point of the
    naive objective F(t) along those directions, the other columns fixed (by
    central differences where t_j > 0, forward ones where t_j = 0), and F
    falls by exactly the amount the sizing reports (F is quadratic in t plus
    the penalty)."""
    from skprune.core import (
        SADDLE_TOLERANCE,
        _grown,
        _residual_spectrum,
        _with_sized_directions,
        train,
    )

    X, y, _ = problem(sensing, 4)
    estimator = GroupLassoMatrixSensing()
    problem_ = estimator._resolve_problem(*estimator._validate_fit_data(X, y, None))
    strong, weak = 0.5 * problem_.lambda_max, 0.05 * problem_.lambda_max
    zero = QuadraticModel(
        np.zeros((X.shape[1], problem_.signs.size)), problem_.signs, np.zeros(0), 0.0
    )
    trained = train(
        problem_, strong, zero, max_iter=1000, tol=1e-7, escape_first=True
    ).model
    live = np.any(trained.factor != 0, axis=0)
    assert 1 <= live.sum() < 3

    matrices = explicit_matrices(X)
    beta = problem_.penalty.beta

    def loss(U):
        return 0.5 * np.mean((np.einsum("nab,ab->n", matrices, U @ U.T) - y) ** 2)

    def naive_objective(U):
        squared = np.sum(U**2, axis=0)
        return loss(U) + weak * np.sum(squared / np.sqrt(squared + beta))

    residual = y - np.einsum("nab,ab->n", matrices, trained.factor @ trained.factor.T)
    eigenvalues, vectors = np.linalg.eigh(
        np.einsum("n,nab->ab", residual, matrices) / len(y)
    )
    rho = np.linalg.eigvalsh(np.einsum("n,nab->ab", y, matrices) / len(y))[-1]
    growing = eigenvalues - weak / np.sqrt(beta) > SADDLE_TOLERANCE * rho
    directions = vectors[:, growing][:, ::-1]  # largest first
    assert directions.shape[1] >= 1

    grown, n_grown = _grown(
        problem_, weak, trained, _residual_spectrum(problem_.datafit, trained)
    )
    assert_array_equal(grown.factor[:, live], trained.factor[:, live])
    new = grown.factor[:, ~live]
    sizes = np.einsum("aj,ab,bj->j", directions, new @ new.T, directions)
    assert_allclose(new @ new.T, (directions * sizes) @ directions.T, atol=1e-10)
    assert np.all(sizes >= -1e-12) and n_grown == np.sum(sizes > 1e-12) >= 1

    def objective(t):
        columns = np.sqrt(np.maximum(t, 0.0)) * directions
        return naive_objective(np.column_stack([trained.factor[:, live], columns]))

    step = 1e-6 * sizes.max()
    unit = abs(objective(np.zeros_like(sizes))) / sizes.max()
    for j in range(sizes.size):
        bump = np.zeros_like(sizes)
        bump[j] = step
        if sizes[j] > 1e-12:
            slope = (objective(sizes + bump) - objective(sizes - bump)) / (2 * step)
            assert abs(slope) <= 1e-5 * unit, (j, slope)
        else:
            slope = (objective(sizes + bump) - objective(sizes)) / step
            assert slope >= -1e-5 * unit, (j, slope)

    zero_columns = np.flatnonzero(~live)  # more of them than directions
    picks = [(j, 1.0, v) for j, v in zip(zero_columns, directions.T, strict=False)]
    _, _, lowered = _with_sized_directions(problem_, trained, picks, weak)
    decrease = naive_objective(trained.factor) - naive_objective(grown.factor)
    assert decrease > 0
    assert_allclose(lowered, decrease, rtol=1e-6)


@pytest.mark.parametrize("precompute", [False, True])
def test_path_hands_each_point_the_eigenpairs_of_its_start(precompute, monkeypatch):
    """run_path passes a point's residual_spectrum to the next point's first
    saddle escape instead of recomputing it: at every point that hands it on
    it is the eigendecomposition of C = (1/n) sum_i (y_i - f_i) sym(A_i) at
    the trained model, written here with explicit matrices (eigenvectors
    compared at the two ends of the spectrum, up to sign). Every saddle
    check where an L-BFGS run stops reads the C that the run's last
    evaluation formed: along the whole path no residual_correlation call
    forms it anew, for the data and the Gram form."""
    from skprune.datafit import QuadraticLeastSquares
    from skprune.gram import GramLeastSquares
    from skprune.path import run_path

    X, y, _ = problem("gaussian", 3)
    estimator = GroupLassoMatrixSensing(precompute=precompute, random_state=0)
    problem_ = estimator._resolve_problem(
        *estimator._validate_fit_data(X, y, None),
        statistics=estimator._gram_statistics(X, y, None, 30) if precompute else None,
    )
    formed = []
    for datafit in (QuadraticLeastSquares, GramLeastSquares):
        original = datafit.residual_correlation

        def spy(self, model, original=original):
            formed.append(model)
            return original(self, model)

        monkeypatch.setattr(datafit, "residual_correlation", spy)
    points = run_path(estimator, problem_, np.geomspace(1.0, 0.01, 6), evaluate=False)
    assert formed == []
    matrices = explicit_matrices(X)
    handed = [p for p in points[:-1] if p.trained.residual_spectrum is not None]
    assert len(handed) >= 4
    for point in handed:
        factor = point.trained.model.factor
        signs = point.trained.model.signs
        residual = y - np.einsum("nab,ab->n", matrices, (factor * signs) @ factor.T)
        correlation = np.einsum("n,nab->ab", residual, matrices) / len(y)
        eigenvalues, eigenvectors = np.linalg.eigh(correlation)
        handed_values, handed_vectors = point.trained.residual_spectrum
        scale = np.max(np.abs(eigenvalues))
        assert_allclose(handed_values, eigenvalues, rtol=0, atol=1e-9 * scale)
        for end in (0, -1):
            assert_allclose(
                np.abs(handed_vectors[:, end]), np.abs(eigenvectors[:, end]), atol=1e-8
            )


def test_each_training_starts_with_the_scale_its_start_ended_with(monkeypatch):
    """The L-BFGS scale (SolverResult.inverse_curvature) is handed on: from
    the spectral start's training within its span to the training on all
    the data, from each run of a training to the next, and along a path
    from each point's training to the next point's. Recorded with a spy on
    every L-BFGS run of training: its x0 size, the scale it was given and
    the one it returned."""
    from skprune import core
    from skprune.path import run_path

    runs = []
    original = core.lbfgs

    def spy(objective, x0, **kwargs):
        result = original(objective, x0, **kwargs)
        runs.append((x0.size, kwargs["inverse_curvature"], result.inverse_curvature))
        return result

    monkeypatch.setattr(core, "lbfgs", spy)
    X, y, U_star = problem("gaussian", 3)
    d = X.shape[1]
    GroupLassoMatrixSensing(random_state=0).fit(X, y)
    in_span = [run for run in runs if run[0] < d]
    on_data = [run for run in runs if run[0] >= d]
    assert in_span and on_data and runs.index(on_data[0]) == len(in_span)
    assert in_span[0][1] is None and in_span[-1][2] is not None
    chain = in_span + on_data
    for before, after in zip(chain[:-1], chain[1:], strict=True):
        assert after[1] == before[2]

    runs.clear()
    estimator = GroupLassoMatrixSensing(init="random", random_state=0)
    problem_ = estimator._resolve_problem(*estimator._validate_fit_data(X, y, None))
    points = run_path(estimator, problem_, np.geomspace(1.0, 0.05, 5), evaluate=False)
    assert runs[0][1] is None  # a random start was not trained
    for before, after in zip(runs[:-1], runs[1:], strict=True):
        assert after[1] == before[2]
    assert points[-1].trained.inverse_curvature == runs[-1][2]


def test_rotating_columns_keeps_the_matrix_and_lowers_the_penalty():
    """For random columns of both signs, the rotation of the saddle escape
    keeps U D U^T (to round-off), makes the columns of each sign orthogonal,
    and has a penalty (written here from its formula) no larger than that of
    any of 200 random rotations of each sign's columns."""
    from skprune.core import _orthogonal_columns

    rng = np.random.default_rng(0)
    d, beta = 6, 0.3
    signs = np.array([1.0, 1.0, 1.0, -1.0, -1.0])
    factor = rng.standard_normal((d, 5))
    model = QuadraticModel(factor, signs, np.zeros(0), 0.0)
    rotated = _orthogonal_columns(model).factor
    assert_allclose(
        (rotated * signs) @ rotated.T, (factor * signs) @ factor.T, atol=1e-12
    )
    for sign in (1.0, -1.0):
        block = rotated[:, signs == sign]
        gram = block.T @ block
        assert_allclose(gram - np.diag(np.diag(gram)), 0.0, atol=1e-12)
    for _ in range(200):
        other = factor.copy()
        for sign in (1.0, -1.0):
            columns = signs == sign
            q, _ = np.linalg.qr(rng.standard_normal((columns.sum(),) * 2))
            other[:, columns] = factor[:, columns] @ q
        assert naive_penalty(rotated, beta) <= naive_penalty(other, beta) + 1e-12


@pytest.mark.parametrize("modulo_rotations", [True, False])
def test_training_merges_a_direction_split_over_two_columns(modulo_rotations):
    """A rank-one planted matrix split evenly over two parallel columns is a
    saddle of F that L-BFGS keeps (both columns pruned in: rank 2). Training
    rotates the columns to be orthogonal, which merges them: after every
    L-BFGS run on F minimized over rotations, or as a saddle escape when it
    trains on F itself; one column is left, and pruning finds rank 1."""
    from skprune.core import prune, train

    X, y, planted = make_matrix_sensing(
        600, 10, 1, noise=0.01, random_state=0, return_factor=True
    )
    estimator = GroupLassoMatrixSensing(alpha=0.1)
    problem_ = estimator._resolve_problem(*estimator._validate_fit_data(X, y, None))
    factor = np.zeros((10, problem_.signs.shape[0]))
    factor[:, 0] = factor[:, 1] = planted[:, 0] / np.sqrt(2)
    start = QuadraticModel(factor, problem_.signs, np.zeros(0), 0.0)
    trained = train(
        problem_,
        0.1 * problem_.lambda_max,
        start,
        max_iter=1000,
        tol=1e-7,
        modulo_rotations=modulo_rotations,
    )
    assert np.sum(np.any(trained.model.factor != 0, axis=0)) == 1
    assert trained.n_escapes == (0 if modulo_rotations else 1)
    assert prune(trained.model, "auto", problem_.penalty).support.sum() == 1
