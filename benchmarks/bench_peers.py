"""skprune against its peers: speed, accuracy and size, side by side.

Five sections, one markdown table each; every contender runs once per repeat,
in turn, on the same data, and the tables show medians over ``--repeats``
(accuracy is deterministic: the data and every seed are fixed).

1. **Gaussian sensing** (``d = 20, 30, 50, 80``, rank 3, ``n = 5 d r``,
   noise 0.1): ``GroupLassoMatrixSensing`` (``k = d`` columns) against

   - the *oracle*: scipy's L-BFGS-B on the factored least squares
     ``1/(2n) sum_i (<A_i, V V^T> - y_i)^2`` with ``V`` of shape ``(d, r)``,
     told the true rank, started from the top ``r`` eigenpairs of
     ``C = (1/n) sum_i y_i sym(A_i)`` (vectors scaled by the square root of
     their eigenvalues), with the symmetric parts flattened once to
     ``(n, d * d)`` so that a value and gradient cost two matrix-vector
     products, as skprune's do. Its tolerances (``ftol=1e-12``, ``gtol=1e-9``)
     are tighter than scipy's defaults, which stop a few iterations earlier
     with the same error to four digits;
   - *nuclear norm*: cvxpy, ``min 1/(2n) ||A vec(M) - y||^2 + lam tr(M)``
     over PSD ``M``, solver SCS at its default accuracy (tighter ``eps`` moves
     the error in the fifth digit). ``lam = 2 * noise * sqrt(2 d / n)``: twice
     the spectral norm of the noise term ``(1/n) sum_i e_i sym(A_i)`` (a
     symmetric Gaussian matrix with off-diagonal variance
     ``noise^2 / (2n)``, whose norm is about ``noise * sqrt(2 d / n)``), the
     choice of Negahban & Wainwright (2011) and Candes & Plan (2011). It is
     told the noise level as the oracle is told the rank. A size is skipped
     when one solve, extrapolated as ``d^4`` from the previous size, would
     exceed ``--cvxpy-max-seconds``; most of its time is cvxpy compiling the
     problem, the SCS solve itself is in the details column;
   - *overparameterized L-BFGS*: the oracle's loss and solver with ``V`` of
     shape ``(d, d)``, no penalty and no pruning, from a small random start
     like skprune's ``init="random"`` (entries of standard deviation
     ``1e-3 sqrt(lambda_max(C) / d)``).

   Columns: wall time, ratio to skprune's, relative error
   ``||M - M*||_F / ||M*||_F``, rank (``n_components_`` for skprune, else the
   number of eigenvalues above ``1e-3`` times the largest).
2. **Rank-one sensing** (``A_i = x_i x_i^T``; ``d = 50`` at ``n = 5000,
   20000, 80000`` and ``d = 200`` at ``n = 20000``): skprune against the
   oracle, whose predictions are ``sum((X @ V)**2, axis=1)`` and whose start
   uses ``(C - mean(y) I) / 2`` since ``E[y x x^T] = 2 M + tr(M) I``. Then the
   slope of ``log(time)`` against ``log(n)`` at ``d = 50``.
3. **One objective evaluation**: skprune's scaled objective (value and
   gradient, penalty included, as its solvers call it) against the two plain
   numpy passes over the same data that any such evaluation needs
   (``X_flat @ v`` and ``r @ X_flat`` for Gaussian matrices; ``X @ U`` and
   ``X.T @ (r[:, None] * Z)`` for rank-one vectors).
4. **Networks**: ``QuadraticNetPruner`` against ``MLPRegressor``,
   ``PolynomialFeatures(2) + RidgeCV`` and ``HistGradientBoostingRegressor``
   on a planted quadratic network (``n = 20000``, ``d = 50``, three neurons of
   output weights 1, 1, -1 plus a linear term) and on ``make_friedman1``,
   80/20 split: fit time, test R^2 and number of parameters.
5. **Memory and float32**: for ``GroupLassoMatrixSensing`` (Gaussian
   matrices, rank-one vectors with and without noise) and
   ``QuadraticNetPruner`` (the planted network on shifted features, dense
   and CSR with 10% of the entries), with ``X`` in float64 and in float32
   (the same numbers: the data are drawn, rounded to float32, and the
   targets computed from them): the peak of the Python and numpy allocations
   traced by ``tracemalloc`` during one ``fit`` (``X`` itself is allocated
   before tracing starts; BLAS-internal buffers are not traced; one fit,
   since it is deterministic), against the bytes of ``X`` (data, indices and
   pointers for CSR); the fit time; and the relative error against the
   planted truth.

Threads: skprune runs its solves with one BLAS thread (``skprune/_threads.py``),
and so do the hand-written scipy contenders here (inside
``threadpool_limits(1)``), so that their ratios compare algorithms rather than
thread counts (``benchmarks/bench_blas_threads.py`` measures the latter).
cvxpy/SCS and the scikit-learn estimators run as a user gets them, with the
libraries' default threads. Section 3 times both sides with one BLAS thread.
One untimed run of every contender on a small problem comes first, so that no
one pays for imports or first-call set-up.

Run: ``python benchmarks/bench_peers.py [--repeats 3] [--quick]
[--sections 1 2 3 4 5]`` (a few minutes on 2 cores; ``--quick`` runs tiny
sizes in seconds; ``--sections`` runs only the sections listed, e.g.
``--sections 5`` for memory, in about 10 s). cvxpy is optional
(``pip install -e ".[benchmark]"``); without it that contender prints "cvxpy
not installed: skipped".
"""

import argparse
import dataclasses
import itertools
import os
import platform
import sys
import tracemalloc
import warnings
from functools import partial
from statistics import median
from time import perf_counter

import numpy as np
import scipy
import sklearn
from scipy.optimize import minimize
from sklearn.datasets import make_friedman1
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import RidgeCV
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

from skprune import GroupLassoMatrixSensing, QuadraticNetPruner
from skprune._oracles import nuclear_norm_least_squares, nuclear_norm_strength
from skprune.core import _ScaledObjective
from skprune.datasets import make_matrix_sensing

try:
    import cvxpy as cp
except ImportError:  # optional: the "benchmark" extra
    cp = None

RANK = 3
NOISE = 0.1
#: L-BFGS-B options of the hand-written scipy contenders.
LBFGS_OPTIONS = {"maxiter": 5000, "ftol": 1e-12, "gtol": 1e-9}
#: Eigenvalues above this fraction of the largest count towards the rank.
RANK_TOLERANCE = 1e-3

FULL = {
    "gaussian_d": [20, 30, 50, 80],
    "rank_one": [(50, 5000), (50, 20000), (50, 80000), (200, 20000)],
    "slope_d": 50,
    "objective": [("gaussian", 3000, 50), ("rank_one", 80000, 50)],
    "planted_net": (20000, 50),
    "friedman": 2000,
    "memory": {
        "sensing": [
            ("gaussian", 3000, 50, 0.1),
            ("rank_one", 80000, 50, 0.1),
            ("rank_one", 20000, 50, 0.0),
        ],
        "network": [(20000, 50, 1.0), (20000, 50, 0.1)],
    },
}
QUICK = {
    "gaussian_d": [8, 12],
    "rank_one": [(10, 500), (10, 1000), (10, 2000), (20, 1000)],
    "slope_d": 10,
    "objective": [("gaussian", 300, 10), ("rank_one", 2000, 10)],
    "planted_net": (1000, 8),
    "friedman": 300,
    "memory": {
        "sensing": [("gaussian", 300, 10, 0.1), ("rank_one", 2000, 10, 0.0)],
        "network": [(2000, 10, 1.0), (2000, 10, 0.3)],
    },
}


# -- helpers ------------------------------------------------------------------


def relative_error(matrix, planted):
    return float(np.linalg.norm(matrix - planted) / np.linalg.norm(planted))


def numerical_rank(matrix):
    eigenvalues = np.abs(np.linalg.eigvalsh(matrix))
    return int(np.sum(eigenvalues > RANK_TOLERANCE * eigenvalues.max()))


def timed(function, *args, **kwargs):
    start = perf_counter()
    result = function(*args, **kwargs)
    return perf_counter() - start, result


def seconds(value):
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def skprune_details(model, total):
    """Iterations and stage times of a fit of ``total`` seconds: what its time
    was spent on ("setup" is validation, the datafit and the scales)."""
    stages = model.stage_times_
    setup = f", setup {total - sum(stages.values()):.3f}"
    return (
        f"iters {model.n_iter_} train / {model.refit_n_iter_} fine-tune, "
        f"{model.n_saddle_escapes_} escapes; s: train {stages['train']:.3f}, "
        f"fine-tune {stages['fine-tune']:.3f}{setup}"
    )


# -- contenders for matrix sensing -----------------------------------------------


def spectral_start(correlation, rank):
    """Top ``rank`` eigenvectors scaled by the square root of their eigenvalues."""
    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    top = np.maximum(eigenvalues[-rank:], 0.0)
    return eigenvectors[:, -rank:] * np.sqrt(top)


class GaussianLoss:
    """``1/(2n) sum_i (<S_i, V V^T> - y_i)^2`` and its gradient, vectorized."""

    def __init__(self, X, y):
        n, d, _ = X.shape
        self.n, self.d, self.y = n, d, y
        self.flat = (0.5 * (X + X.transpose(0, 2, 1))).reshape(n, d * d)

    def correlation(self):
        return (self.y @ self.flat).reshape(self.d, self.d) / self.n

    def __call__(self, v):
        V = v.reshape(self.d, -1)
        residual = self.flat @ (V @ V.T).ravel() - self.y
        gradient = (2.0 / self.n) * (residual @ self.flat).reshape(self.d, self.d) @ V
        return 0.5 * float(residual @ residual) / self.n, gradient.ravel()


class RankOneLoss:
    """``1/(2n) sum_i (||V^T x_i||^2 - y_i)^2`` and its gradient."""

    def __init__(self, X, y):
        self.X, self.y = X, y
        self.n, self.d = X.shape

    def correlation(self):
        """``(C - mean(y) I) / 2``, whose expectation is ``M``."""
        C = self.X.T @ (self.y[:, None] * self.X) / self.n
        return 0.5 * (C - np.mean(self.y) * np.eye(self.d))

    def __call__(self, v):
        V = v.reshape(self.d, -1)
        Z = self.X @ V
        residual = np.sum(Z**2, axis=1) - self.y
        gradient = (2.0 / self.n) * (self.X.T @ (residual[:, None] * Z))
        return 0.5 * float(residual @ residual) / self.n, gradient.ravel()


def loss_for(X, y):
    return GaussianLoss(X, y) if X.ndim == 3 else RankOneLoss(X, y)


def run_skprune(X, y):
    start = perf_counter()
    model = GroupLassoMatrixSensing(random_state=0).fit(X, y)
    details = skprune_details(model, perf_counter() - start)
    U = model.components_.T
    return U @ U.T, model.n_components_, details


def run_oracle(X, y):
    with threadpool_limits(1, user_api="blas"):
        loss = loss_for(X, y)
        start = spectral_start(loss.correlation(), RANK)
        result = minimize(
            loss, start.ravel(), jac=True, method="L-BFGS-B", options=LBFGS_OPTIONS
        )
    V = result.x.reshape(loss.d, RANK)
    return V @ V.T, numerical_rank(V @ V.T), f"{result.nit} iters"


def run_overparameterized(X, y):
    with threadpool_limits(1, user_api="blas"):
        loss = loss_for(X, y)
        top = max(np.linalg.eigvalsh(loss.correlation())[-1], 1e-12)
        rng = np.random.RandomState(0)
        start = rng.standard_normal((loss.d, loss.d)) * 1e-3 * np.sqrt(top / loss.d)
        result = minimize(
            loss, start.ravel(), jac=True, method="L-BFGS-B", options=LBFGS_OPTIONS
        )
    V = result.x.reshape(loss.d, loss.d)
    return V @ V.T, numerical_rank(V @ V.T), f"{result.nit} iters"


def run_nuclear_norm(X, y):
    n, d, _ = X.shape
    strength = nuclear_norm_strength(n, d, NOISE)
    estimate, info = nuclear_norm_least_squares(X, y, strength, solver="SCS")
    return (
        estimate,
        numerical_rank(estimate),
        f"{info['status']}, SCS {info['iterations']} iters in "
        f"{info['solve_time']:.3f} s",
    )


# -- tables -----------------------------------------------------------------------


def run_interleaved(contenders, repeats, data):
    """Run every contender once per repeat, in turn; return the median time and
    the last result of each."""
    times = {name: [] for name in contenders}
    results = {}
    for _ in range(repeats):
        for name, function in contenders.items():
            elapsed, results[name] = timed(function, *data)
            times[name].append(elapsed)
    return {name: median(values) for name, values in times.items()}, results


def print_sensing_rows(d, n, times, results, planted, skipped):
    base = times["skprune"]
    for name in ("skprune", "oracle", "nuclear norm (cvxpy)", "overparam. L-BFGS"):
        if name in skipped:
            print(f"| {d} | {n} | {name} | {skipped[name]} | | | | |")
        elif name in times:
            matrix, rank, details = results[name]
            print(
                f"| {d} | {n} | {name} | {seconds(times[name])} "
                f"| {times[name] / base:.2f} | {relative_error(matrix, planted):.4f} "
                f"| {rank} | {details} |"
            )


SENSING_HEADER = (
    "| d | n | contender | time | time / skprune | rel. error | rank | details |\n"
    "|---|---|---|---|---|---|---|---|"
)


def gaussian_section(sizes, repeats, max_cvxpy_seconds):
    print(
        f"\n## 1. Gaussian sensing, rank {RANK}, n = 5 d r, noise {NOISE} "
        f"(medians of {repeats})\n"
    )
    print(SENSING_HEADER)
    last_cvxpy = None  # (d, seconds) of the last nuclear-norm solve
    for d in sizes:
        n = 5 * d * RANK
        X, y, factor = make_matrix_sensing(
            n,
            d,
            RANK,
            noise=NOISE,
            sensing="gaussian",
            random_state=0,
            return_factor=True,
        )
        contenders = {"skprune": run_skprune, "oracle": run_oracle}
        skipped = {}
        if cp is None:
            skipped["nuclear norm (cvxpy)"] = "cvxpy not installed: skipped"
        elif last_cvxpy and last_cvxpy[1] * (d / last_cvxpy[0]) ** 4 > (
            max_cvxpy_seconds
        ):
            skipped["nuclear norm (cvxpy)"] = (
                f"skipped (one solve > ~{max_cvxpy_seconds:.0f} s)"
            )
        else:
            contenders["nuclear norm (cvxpy)"] = run_nuclear_norm
        contenders["overparam. L-BFGS"] = run_overparameterized
        times, results = run_interleaved(contenders, repeats, (X, y))
        if "nuclear norm (cvxpy)" in times:
            last_cvxpy = (d, times["nuclear norm (cvxpy)"])
        print_sensing_rows(d, n, times, results, factor @ factor.T, skipped)


def rank_one_section(sizes, slope_d, repeats):
    print(
        f"\n## 2. Rank-one sensing, rank {RANK}, noise {NOISE} (medians of {repeats})\n"
    )
    print(SENSING_HEADER)
    contenders = {"skprune": run_skprune, "oracle": run_oracle}
    scaling = {name: [] for name in contenders}
    for d, n in sizes:
        X, y, factor = make_matrix_sensing(
            n,
            d,
            RANK,
            noise=NOISE,
            sensing="rank_one",
            random_state=0,
            return_factor=True,
        )
        times, results = run_interleaved(contenders, repeats, (X, y))
        print_sensing_rows(d, n, times, results, factor @ factor.T, {})
        if d == slope_d:
            for name in contenders:
                scaling[name].append((n, times[name]))
    slopes = {
        name: np.polyfit(
            np.log([n for n, _ in points]), np.log([t for _, t in points]), 1
        )[0]
        for name, points in scaling.items()
    }
    print(
        f"\nSlope of log(time) against log(n) at d = {slope_d}: "
        + ", ".join(f"{name} {slope:.2f}" for name, slope in slopes.items())
    )


def objective_and_point(X, y):
    """skprune's scaled objective on ``(X, y)`` as ``fit`` builds it, and a point
    with ``k = d`` columns of the planted size (the cost does not depend on it)."""
    estimator = GroupLassoMatrixSensing(random_state=0)
    X, y, sample_weight = estimator._validate_fit_data(X, y, None)
    problem = estimator._resolve_problem(X, y, sample_weight)
    strength = estimator.alpha * problem.lambda_max
    objective = _ScaledObjective(
        problem.datafit, problem.penalty, strength, problem.signs, problem.scale
    )
    d, k = problem.start.factor.shape[0], problem.signs.shape[0]
    factor = np.random.RandomState(0).standard_normal((d, k))
    factor *= np.sqrt(problem.scale.sigma / d)
    point = dataclasses.replace(problem.start, factor=factor, signs=problem.signs)
    return objective, objective.flatten(point)


def fresh_evaluations(objective, x):
    """A call that evaluates ``objective`` afresh each time: the objective keeps
    its last evaluation (at a point evaluated again it costs nothing), so the
    calls alternate between ``x`` and ``x`` moved by a relative 1e-9."""
    points = itertools.cycle([x, x * (1 + 1e-9)])
    return lambda: objective(next(points))


def per_call(function, budget=0.2):
    """Seconds per call of ``function``, looping for about ``budget`` seconds."""
    loops, elapsed = 1, 0.0
    while True:
        start = perf_counter()
        for _ in range(loops):
            function()
        elapsed = perf_counter() - start
        if elapsed >= budget:
            return elapsed / loops
        loops *= 2 if elapsed == 0 else max(2, int(1.2 * budget / elapsed))


def gaussian_passes(X_flat, v):
    r = X_flat @ v
    return r @ X_flat


def rank_one_passes(X, U):
    Z = X @ U
    r = np.sum(Z**2, axis=1)
    return X.T @ (r[:, None] * Z)


def objective_section(sizes, repeats):
    print(
        f"\n## 3. One evaluation of skprune's objective (value and gradient, k = d) "
        f"against two numpy passes over X, one BLAS thread (medians of {repeats})\n"
    )
    print("| sensing | n | d | skprune objective | numpy passes | ratio |")
    print("|---|---|---|---|---|---|")
    rng = np.random.RandomState(0)
    for sensing, n, d in sizes:
        X, y = make_matrix_sensing(
            n, d, RANK, noise=NOISE, sensing=sensing, random_state=0
        )
        objective, x = objective_and_point(X, y)
        if sensing == "gaussian":
            passes = partial(gaussian_passes, X.reshape(n, d * d), rng.randn(d * d))
        else:
            passes = partial(rank_one_passes, X, rng.standard_normal((d, d)))
        evaluate = fresh_evaluations(objective, x)
        mine, plain = [], []
        with threadpool_limits(1, user_api="blas"):
            for _ in range(repeats):
                mine.append(per_call(evaluate))
                plain.append(per_call(passes))
        print(
            f"| {sensing} | {n} | {d} | {median(mine) * 1e3:.3f} ms "
            f"| {median(plain) * 1e3:.3f} ms | {median(mine) / median(plain):.2f} |"
        )


# -- networks ------------------------------------------------------------------------


def planted_network(n_samples, n_features, seed=0):
    """``y = sum_j a_j (w_j . x)^2 + v . x + noise``, ``a = [1, 1, -1]``."""
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n_samples, n_features))
    W = rng.standard_normal((n_features, 3)) / np.sqrt(n_features)
    v = rng.standard_normal(n_features) / np.sqrt(n_features)
    y = (X @ W) ** 2 @ np.array([1.0, 1.0, -1.0]) + X @ v
    return X, y + NOISE * rng.standard_normal(n_samples)


def network_contenders():
    return {
        "QuadraticNetPruner": lambda: QuadraticNetPruner(random_state=0),
        "MLPRegressor (64,)": lambda: make_pipeline(
            StandardScaler(),
            MLPRegressor(hidden_layer_sizes=(64,), early_stopping=True, random_state=0),
        ),
        "PolynomialFeatures(2) + RidgeCV": lambda: make_pipeline(
            StandardScaler(),
            PolynomialFeatures(2),
            RidgeCV(alphas=np.logspace(-3, 3, 13)),
        ),
        "HistGradientBoosting": lambda: HistGradientBoostingRegressor(random_state=0),
    }


def n_parameters(model):
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    if isinstance(final, QuadraticNetPruner):
        d = final.n_features_in_
        return f"{final.n_components_ * d + d + 1} ({final.n_components_} neurons)"
    if isinstance(final, MLPRegressor):
        sizes = [array.size for array in final.coefs_ + final.intercepts_]
        return str(sum(sizes))
    if isinstance(final, RidgeCV):
        return str(model.named_steps["polynomialfeatures"].n_output_features_ + 1)
    try:  # private attribute: fall back to "n/a" if it moves
        nodes = sum(len(tree.nodes) for trees in final._predictors for tree in trees)
        return f"{nodes} tree nodes"
    except AttributeError:
        return "n/a"


def network_section(planted_size, friedman_size, repeats):
    print(f"\n## 4. Networks, 80/20 split (medians of {repeats})\n")
    print("| data | model | fit time | time / skprune | test R^2 | parameters |")
    print("|---|---|---|---|---|---|")
    n, d = planted_size
    datasets = {
        f"planted quadratic net, n={n}, d={d}": planted_network(n, d),
        f"friedman1, n={friedman_size}, d=20": make_friedman1(
            n_samples=friedman_size, n_features=20, noise=1.0, random_state=0
        ),
    }
    for name, (X, y) in datasets.items():
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.2, random_state=0
        )
        factories = network_contenders()
        times = {model: [] for model in factories}
        fitted = {}
        for _ in range(repeats):
            for model, factory in factories.items():
                elapsed, fitted[model] = timed(factory().fit, X_train, y_train)
                times[model].append(elapsed)
        base = median(times["QuadraticNetPruner"])
        for model, estimator in fitted.items():
            score = r2_score(y_test, estimator.predict(X_test))
            print(
                f"| {name} | {model} | {seconds(median(times[model]))} "
                f"| {median(times[model]) / base:.2f} | {score:.4f} "
                f"| {n_parameters(estimator)} |"
            )


# -- memory and float32 ---------------------------------------------------------------


def shifted_network(n_samples, n_features, *, density=1.0, seed=0):
    """The planted network of section 4 on features with means in [-3, 3] and
    scales from 0.1 to 10 (``density < 1``: that fraction of the entries
    kept, the others zero, as CSR). Returns ``X``, ``y`` and the noiseless
    ``f*(X)``, all computed from the float32 numbers of ``X``."""
    rng = np.random.RandomState(seed)
    d = n_features
    X = rng.uniform(-3, 3, d) + np.logspace(-1, 1, d) * rng.standard_normal(
        (n_samples, d)
    )
    if density < 1:
        X *= rng.uniform(size=X.shape) < density
    X = X.astype(np.float32).astype(np.float64)
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    W = rng.standard_normal((d, 3)) / np.sqrt(d)
    v = rng.standard_normal(d) / np.sqrt(d)
    truth = (Z @ W) ** 2 @ np.array([1.0, 1.0, -1.0]) + Z @ v
    y = truth + NOISE * rng.standard_normal(n_samples)
    return (scipy.sparse.csr_matrix(X) if density < 1 else X), y, truth


def memory_problems(sizes):
    """``(estimator, label, n, d, X, y, error)``: ``error(model, X)`` is the
    relative error against the planted truth, ``||M - M*||_F / ||M*||_F`` for
    matrix sensing and ``||f(X) - f*(X)|| / ||f*(X) - mean||`` for the
    network."""
    for sensing, n, d, noise in sizes["sensing"]:
        X, y, U = make_matrix_sensing(
            n, d, RANK, noise=0.0, sensing=sensing, random_state=0, return_factor=True
        )
        X = X.astype(np.float32).astype(np.float64)  # the numbers both dtypes hold
        planted = U @ U.T
        y = (
            X.reshape(n, -1) @ planted.ravel()
            if sensing == "gaussian"
            else np.sum((X @ U) ** 2, axis=1)
        )
        y = y + noise * np.random.RandomState(1).standard_normal(n)

        def error(model, X, planted=planted):
            V = model.components_.T
            return relative_error(V @ V.T, planted)

        label = f"{sensing}, noise {noise}"
        yield GroupLassoMatrixSensing, label, n, d, X, y, error
    for n, d, density in sizes["network"]:
        X, y, truth = shifted_network(n, d, density=density)

        def error(model, X, truth=truth):
            return float(
                np.linalg.norm(model.predict(X) - truth)
                / np.linalg.norm(truth - truth.mean())
            )

        label = "planted net, " + ("dense" if density == 1 else f"CSR {density:.0%}")
        yield QuadraticNetPruner, label, n, d, X, y, error


def nbytes(X):
    if scipy.sparse.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def memory_section(sizes, repeats):
    print(
        "\n## 5. Memory and float32: peak traced memory of one fit, fit time "
        f"(median of {repeats}), error against the planted truth\n"
    )
    print(
        "| estimator | data | n | d | dtype | X | peak extra during fit "
        "| peak / X | fit time | rel. error |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for Estimator, label, n, d, X, y, error in memory_problems(sizes):
        for dtype in (np.float64, np.float32):
            X_dtype = X.astype(dtype)
            tracemalloc.start()
            try:
                before = tracemalloc.get_traced_memory()[0]
                model = Estimator(random_state=0).fit(X_dtype, y)
                peak = tracemalloc.get_traced_memory()[1] - before
            finally:
                tracemalloc.stop()
            times = [
                timed(Estimator(random_state=0).fit, X_dtype, y)[0]
                for _ in range(repeats)
            ]
            print(
                f"| {Estimator.__name__} | {label} | {n} | {d} "
                f"| {np.dtype(dtype).name} | {nbytes(X_dtype) / 2**20:.1f} MiB "
                f"| {peak / 2**20:.1f} MiB | {peak / nbytes(X_dtype):.2f} "
                f"| {seconds(median(times))} | {error(model, X_dtype):.2e} |"
            )


# -- main ------------------------------------------------------------------------------


def warm_up():
    """One untimed run of every contender on a small problem."""
    X, y = make_matrix_sensing(120, 6, RANK, noise=NOISE, random_state=1)
    run_skprune(X, y), run_oracle(X, y), run_overparameterized(X, y)
    if cp is not None:
        run_nuclear_norm(X, y)
    X, y = make_matrix_sensing(300, 6, RANK, sensing="rank_one", random_state=1)
    run_skprune(X, y), run_oracle(X, y)
    for factory in network_contenders().values():
        factory().fit(X, y)


def describe_machine():
    blas = ", ".join(
        f"{info.get('prefix', '?')}: {info['internal_api']} {info.get('version')} "
        f"({info['num_threads']} threads, {info.get('threading_layer', '?')}, "
        f"{info.get('architecture', '?')})"
        for info in threadpool_info()
    )
    versions = (
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
        f"cvxpy {cp.__version__ if cp is not None else 'not installed'}"
    )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"# {platform.machine()}, {os.cpu_count()} cores ({sys.platform}), "
        f"load average {load} at the start"
    )
    print(f"# thread pools: {blas}")
    print(f"# {versions}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per contender")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds")
    parser.add_argument(
        "--cvxpy-max-seconds",
        type=float,
        default=120.0,
        help="skip the nuclear norm where one solve would take longer",
    )
    parser.add_argument(
        "--sections",
        type=int,
        nargs="+",
        choices=range(1, 6),
        default=range(1, 6),
        metavar="N",
        help="run only these sections (1 to 5; default all)",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    sizes = QUICK if args.quick else FULL
    sections = {
        1: lambda: gaussian_section(
            sizes["gaussian_d"], args.repeats, args.cvxpy_max_seconds
        ),
        2: lambda: rank_one_section(sizes["rank_one"], sizes["slope_d"], args.repeats),
        3: lambda: objective_section(sizes["objective"], args.repeats),
        4: lambda: network_section(
            sizes["planted_net"], sizes["friedman"], args.repeats
        ),
        5: lambda: memory_section(sizes["memory"], args.repeats),
    }
    start = perf_counter()
    warm_up()
    describe_machine()
    for number in sorted(set(args.sections)):
        sections[number]()
    print(f"\nTotal {perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
