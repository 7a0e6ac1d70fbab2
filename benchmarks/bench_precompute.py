"""The Gram form (``precompute``) against the data form, side by side.

For Gaussian sensing (``X`` of shape ``(n, d, d)``) and rank-one sensing
(``X`` of shape ``(n, d)``), rank 3, noise 0.1, ``d = 10, 20, 30, 50`` and ``n``
from ``d r`` to multiples of ``d^2`` (sizes whose ``X`` exceeds
``--max-x-mib`` are left out), one table with, per row:

- **one evaluation** of skprune's scaled objective (value and gradient, as the
  solvers call it) at a factor with 3 live columns, in data form and in Gram
  form, and the Gram's **build** (:meth:`skprune.gram.GramStatistics.compute`),
  also in data-form evaluations: how many evaluations the build must save;
- **a fit** of ``GroupLassoMatrixSensing`` with ``precompute=False`` and
  ``True`` (build included), the evaluations it made (value and gradient,
  counted in the data form) and the relative difference of the two final
  training losses;
- **a CV run** of ``GroupLassoMatrixSensingCV`` (12 alphas, 5 folds,
  ``n_jobs=1``), both ways, and the evaluations per strength per path, for
  the rows whose ``X`` holds at most ``CV_MAX_FLOATS`` numbers (larger ones
  take minutes in data form);
- **a fold's statistics**: built from its training rows against all the
  data's minus its held-out rows' (what the CV estimator does);
- what ``precompute="auto"`` chooses for the fit and the CV run.

Everything runs with one BLAS thread (the fits limit themselves, see
``skprune/_threads.py``; the evaluations and builds here run inside
``threadpool_limits(1)``). Times are medians of ``--repeats``, the two forms
alternating. Below the table, what the rule of ``"auto"``
(:func:`skprune.gram.precompute_pays`) is made of: the median numbers of
evaluations of a fit, of a fine-tuning (``prune().refit``) and per strength
of a CV run's paths, which are ``EVALUATIONS_PER_FIT``,
``EVALUATIONS_PER_FINE_TUNE`` and ``EVALUATIONS_PER_CV_ALPHA`` (the paths
stop at ``path_tol``; ``EVALUATIONS_PER_ALPHA``, for a path run to ``tol``,
was measured the same way before the CV estimators had ``path_tol``), and the
costs per unit of work read off the evaluation and build columns (see
:func:`unit_costs`), which are ``SECONDS_PER_UNIT`` and
``OUT_OF_CACHE_FACTOR``.

The latest table, and what it shows, are in docs/guide.md (section 8).

Run: ``python benchmarks/bench_precompute.py [--repeats 3] [--quick]`` (about
7 minutes on 2 cores; ``--quick`` runs tiny sizes in a minute).
"""

import argparse
import dataclasses
import os
import platform
import warnings
from contextlib import contextmanager
from functools import partial
from statistics import median
from time import perf_counter

import numpy as np
from bench_peers import (  # benchmarks/ is on sys.path when run
    fresh_evaluations,
    per_call,
)
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

from skprune import GroupLassoMatrixSensing, GroupLassoMatrixSensingCV
from skprune.core import _ScaledObjective
from skprune.datafit import QuadraticLeastSquares
from skprune.datasets import make_matrix_sensing
from skprune.gram import (
    BLOCK_FLOATS,
    CACHE_BYTES,
    EVALUATIONS_PER_CV_ALPHA,
    EVALUATIONS_PER_FIT,
    GramLeastSquares,
    GramStatistics,
    precompute_pays,
)
from skprune.sensing import make_sensing_operator

RANK = 3
NOISE = 0.1
N_ALPHAS = 12
N_FOLDS = 5
LIVE_COLUMNS = 3
#: CV runs for the rows whose X holds at most this many numbers.
CV_MAX_FLOATS = 8e6


def sample_sizes(d):
    """``n`` from ``d r`` to ``16 d^2``, increasing."""
    return sorted({d * RANK, 5 * d * RANK, d * d, 4 * d * d, 16 * d * d})


FULL = {"d": [10, 20, 30, 50]}
QUICK = {"d": [6, 10]}


# -- timing helpers -------------------------------------------------------------


def timed(function):
    start = perf_counter()
    result = function()
    return perf_counter() - start, result


@contextmanager
def counted_evaluations():
    """Count the calls of ``value_gradient_and_correlation`` of both datafits."""
    counts = {"calls": 0}
    originals = {
        cls: cls.value_gradient_and_correlation
        for cls in (QuadraticLeastSquares, GramLeastSquares)
    }

    def counting(original):
        def wrapper(self, model):
            counts["calls"] += 1
            return original(self, model)

        return wrapper

    for cls, original in originals.items():
        cls.value_gradient_and_correlation = counting(original)
    try:
        yield counts
    finally:
        for cls, original in originals.items():
            cls.value_gradient_and_correlation = original


# -- the measurements -----------------------------------------------------------


def objective_and_point(X, y, statistics):
    """skprune's scaled objective as ``fit`` builds it (data form, or Gram form
    of ``statistics``) and a point with ``LIVE_COLUMNS`` columns of the
    planted size."""
    estimator = GroupLassoMatrixSensing(random_state=0)
    problem = estimator._resolve_problem(X, y, None, statistics)
    signs = np.ones(LIVE_COLUMNS)
    objective = _ScaledObjective(
        problem.datafit,
        problem.penalty,
        estimator.alpha * problem.lambda_max,
        signs,
        problem.scale,
    )
    d = X.shape[1]
    factor = np.random.RandomState(0).standard_normal((d, LIVE_COLUMNS))
    factor *= np.sqrt(problem.scale.sigma / d)
    point = dataclasses.replace(problem.start, factor=factor, signs=signs)
    return objective, objective.flatten(point)


def form_features(operator):
    """Every sample's features, in the blocks that the build uses."""
    p = operator.n_features * (operator.n_features + 1) // 2
    rows = max(1, BLOCK_FLOATS // p)
    for start in range(0, operator.n_samples, rows):
        operator.features(slice(start, start + rows))


def evaluation_times(X, y, repeats):
    """Median seconds of one evaluation in data and Gram form, of a build, and
    of the features alone within it."""
    operator = make_sensing_operator(X)
    build = partial(GramStatistics.compute, operator, y)
    statistics = build()
    data, data_point = objective_and_point(X, y, None)
    gram, gram_point = objective_and_point(X, y, statistics)
    times = {"data": [], "gram": [], "build": [], "features": []}
    with threadpool_limits(1, user_api="blas"):
        for _ in range(repeats):
            times["data"].append(
                per_call(fresh_evaluations(data, data_point), budget=0.1)
            )
            times["gram"].append(
                per_call(fresh_evaluations(gram, gram_point), budget=0.1)
            )
            times["build"].append(per_call(build, budget=0.2))
            times["features"].append(
                per_call(partial(form_features, operator), budget=0.1)
            )
    return {name: median(values) for name, values in times.items()}


def fit_times(X, y, repeats):
    """Median seconds of a fit both ways, the evaluations of the data-form fit
    and of a ``refit`` of its pruned trained factor (a fine-tuning), and the
    relative difference of the final training losses."""
    times = {False: [], True: []}
    losses = {}
    for _ in range(repeats):
        for precompute in (False, True):
            estimator = GroupLassoMatrixSensing(random_state=0, precompute=precompute)
            with counted_evaluations() as counts:
                seconds, model = timed(partial(estimator.fit, X, y))
            times[precompute].append(seconds)
            losses[precompute] = model.refit_loss_curve_[-1]
            if not precompute:
                evaluations = counts["calls"]
    with counted_evaluations() as counts:
        model.set_params(precompute=False).prune().refit(X, y)
    difference = abs(losses[True] - losses[False]) / losses[False]
    return (
        median(times[False]),
        median(times[True]),
        evaluations,
        counts["calls"],
        difference,
    )


def cv_times(X, y, repeats):
    """Median seconds of a CV run both ways, and the evaluations per strength
    per path of the data-form run."""
    folds = KFold(N_FOLDS, shuffle=True, random_state=0)
    times = {False: [], True: []}
    for _ in range(repeats):
        for precompute in (False, True):
            estimator = GroupLassoMatrixSensingCV(
                alphas=N_ALPHAS, cv=folds, random_state=0, precompute=precompute
            )
            with counted_evaluations() as counts:
                seconds, _ = timed(partial(estimator.fit, X, y))
            times[precompute].append(seconds)
            if not precompute:
                per_alpha = counts["calls"] / (N_ALPHAS * (N_FOLDS + 1))
    return median(times[False]), median(times[True]), per_alpha


def fold_statistics_times(X, y, repeats):
    """Median seconds of one fold's statistics: built from its training rows,
    and all the data's minus its held-out rows'."""
    train, test = next(KFold(N_FOLDS, shuffle=True, random_state=0).split(X))
    full = GramStatistics.compute(make_sensing_operator(X), y)

    def own():
        return GramStatistics.compute(make_sensing_operator(X[train]), y[train])

    def subtracted():
        held_out = GramStatistics.compute(make_sensing_operator(X[test]), y[test])
        return full.without(held_out)

    times = {"own": [], "subtracted": []}
    with threadpool_limits(1, user_api="blas"):
        for _ in range(repeats):
            times["own"].append(per_call(own, budget=0.2))
            times["subtracted"].append(per_call(subtracted, budget=0.2))
    return median(times["own"]), median(times["subtracted"])


# -- the cost model -------------------------------------------------------------


def data_size(kind, n, d):
    """Numbers in ``X``."""
    return n * (d * d if kind == "matrices" else d)


def unit_costs(rows):
    """The costs of ``skprune.gram.SECONDS_PER_UNIT`` and
    ``OUT_OF_CACHE_FACTOR`` from the measured rows ``(kind, n, d, times)``,
    and the per-call overhead (the fastest evaluation).

    An evaluation's cost per unit is the median of
    ``(seconds - overhead) / units`` over the rows where it takes at least
    three times the overhead: for the data form, over the rows whose ``X``
    fits in ``CACHE_BYTES``, and the factor is the median cost of the larger
    ones (matrices; rank-one ``X`` stays small here) over that. The features'
    cost per ``n p`` is the median over every row; the update of ``G`` costs
    the build minus the features, per ``n p^2``, median over the rows with
    ``d >= 20`` (below, forming the features dominates)."""
    overhead = min(min(times["data"], times["gram"]) for *_, times in rows)

    def marginal(seconds, units):
        values = [
            (time - overhead) / unit
            for time, unit in zip(seconds, units, strict=True)
            if time >= 3 * overhead
        ]
        return median(values) if values else float("nan")

    def data_cost(kind, in_cache):
        own = [
            (times["data"], data_size(kind, n, d))
            for row_kind, n, d, times in rows
            if row_kind == kind
            and (8 * data_size(kind, n, d) <= CACHE_BYTES) == in_cache
        ]
        return marginal(*zip(*own, strict=True)) if own else float("nan")

    costs = {kind: data_cost(kind, True) for kind in ("matrices", "vectors")}
    costs["out of cache factor"] = data_cost("matrices", False) / costs["matrices"]
    costs["gram"] = marginal(
        [times["gram"] for *_, times in rows],
        [(d * (d + 1) // 2) ** 2 for _, _, d, _ in rows],
    )
    costs["features"] = median(
        times["features"] / (n * d * (d + 1) // 2) for _, n, d, times in rows
    )
    large = [row for row in rows if row[2] >= 20]
    costs["build"] = (
        median(
            (times["build"] - times["features"]) / (n * (d * (d + 1) // 2) ** 2)
            for _, n, d, times in large
        )
        if large
        else float("nan")
    )
    return costs, overhead


# -- the table --------------------------------------------------------------------


def ms(seconds):
    return f"{seconds * 1e3:.3g}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per form")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds")
    parser.add_argument(
        "--max-x-mib", type=float, default=256.0, help="largest X measured (MiB)"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    sizes = QUICK if args.quick else FULL
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"# {platform.machine()}, {os.cpu_count()} cores, load average {load} at "
        f"the start; one BLAS thread; medians of {args.repeats}; rank {RANK}, "
        f"noise {NOISE}; CV: {N_ALPHAS} alphas, {N_FOLDS} folds, n_jobs=1"
    )
    print(
        "| sensing | d | n | eval data (ms) | eval Gram (ms) | ratio | build (ms) "
        "| build / eval data | fit data (s) | fit Gram (s) | ratio | evals per fit "
        "| loss rel. diff | CV data (s) | CV Gram (s) | ratio | evals per alpha "
        "| fold stats own / subtracted (ms) | auto: fit, CV |"
    )
    print("|" + "---|" * 19)
    rows = []
    counts = {"fit": [], "refit": [], "per alpha": []}
    start = perf_counter()
    for sensing, kind in (("gaussian", "matrices"), ("rank_one", "vectors")):
        for d in sizes["d"]:
            for n in sample_sizes(d):
                size = data_size(kind, n, d)
                if 8 * size > args.max_x_mib * 2**20:
                    continue
                X, y = make_matrix_sensing(
                    n, d, RANK, noise=NOISE, sensing=sensing, random_state=0
                )
                evaluation = evaluation_times(X, y, args.repeats)
                rows.append((kind, n, d, evaluation))
                fit_data, fit_gram, evaluations, refit, difference = fit_times(
                    X, y, args.repeats
                )
                counts["fit"].append(evaluations)
                counts["refit"].append(refit)
                if size <= CV_MAX_FLOATS:
                    cv_data, cv_gram, per_alpha = cv_times(X, y, args.repeats)
                    counts["per alpha"].append(per_alpha)
                    cv = f"{cv_data:.3g} | {cv_gram:.3g} | {cv_data / cv_gram:.2f} "
                    cv += f"| {per_alpha:.0f}"
                    own, subtracted = fold_statistics_times(X, y, args.repeats)
                    folds = f"{ms(own)} / {ms(subtracted)}"
                else:
                    cv, folds = "| | |", ""
                auto_fit = precompute_pays(
                    n,
                    d,
                    sensing=kind,
                    n_evaluations=EVALUATIONS_PER_FIT,
                    itemsize=X.dtype.itemsize,
                )
                auto_cv = precompute_pays(
                    n,
                    d,
                    sensing=kind,
                    n_evaluations=EVALUATIONS_PER_CV_ALPHA * N_ALPHAS * N_FOLDS,
                    n_builds=2,
                    itemsize=X.dtype.itemsize,
                )
                auto = ", ".join(
                    "Gram" if use else "data" for use in (auto_fit, auto_cv)
                )
                print(
                    f"| {sensing} | {d} | {n} | {ms(evaluation['data'])} "
                    f"| {ms(evaluation['gram'])} "
                    f"| {evaluation['data'] / evaluation['gram']:.2f} "
                    f"| {ms(evaluation['build'])} "
                    f"| {evaluation['build'] / evaluation['data']:.1f} "
                    f"| {fit_data:.3g} | {fit_gram:.3g} | {fit_data / fit_gram:.2f} "
                    f"| {evaluations} | {difference:.1e} | {cv} | {folds} | {auto} |",
                    flush=True,
                )
    print(
        "\nMedian evaluations: "
        + ", ".join(f"{name} {median(values):.0f}" for name, values in counts.items())
    )
    costs, overhead = unit_costs(rows)
    print(
        f"Seconds per unit (per-call overhead {overhead * 1e6:.0f} us): "
        + ", ".join(f"{name} {value:.2g}" for name, value in costs.items())
    )
    print(f"\nTotal {perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
