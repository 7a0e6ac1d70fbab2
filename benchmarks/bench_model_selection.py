"""Choosing alpha: the CV estimators against GridSearchCV over the same alphas.

Both search the same decreasing grid of relative strengths with the same
folds, the same ``n_jobs`` and the estimators' defaults (``init`` as chosen,
``precompute="auto"``). ``GridSearchCV`` trains every (alpha, fold) pair from
``init`` and refits the best on all the data; the CV estimator resolves each
fold's problem once (in Gram form, each fold's statistics are all the data's
minus its held-out part's), runs one warm-started path per fold (and one on
all the data, in parallel with the folds) to its default ``path_tol``, and
trains the chosen point on to ``tol``, prunes and fine-tunes it at the end.
The script alternates the two, prints the median wall time of each, their
ratio, the alpha each chose, the number of columns (or neurons) its
final model keeps, and how far apart the two final models' predictions on
the training data are, ``||f_cv - f_grid|| / ||f_grid - mean(f_grid)||``:
on a plateau of alphas that keep the same columns, the two may choose
different alphas and still end at the same fine-tuned model.
One untimed run of each contender comes first, so that neither pays for
starting joblib's worker processes.

The problems: Gaussian sensing of a rank-3 matrix with eigenvalues 1, 0.3
and 0.1 (the weakest direction is the one a default fit loses) at two sizes,
and the quadratic network on two tabular data sets, ``load_diabetes`` and
``make_friedman1``.

Run: ``python benchmarks/bench_model_selection.py [--repeats 3] [--init random]``.
"""

import argparse
import os
import platform
import warnings
from statistics import median
from time import perf_counter

import numpy as np
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.model_selection import GridSearchCV, KFold

from skprune import (
    GroupLassoMatrixSensing,
    GroupLassoMatrixSensingCV,
    QuadraticNetPruner,
    QuadraticNetPrunerCV,
)


def ill_conditioned_sensing(n_samples=1000, n_features=20, seed=0):
    """Gaussian sensing of a rank-3 PSD matrix with eigenvalues 1, 0.3, 0.1."""
    rng = np.random.RandomState(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((n_features, 3)))
    planted = basis @ np.diag([1.0, 0.3, 0.1]) @ basis.T
    X = rng.standard_normal((n_samples, n_features, n_features))
    y = np.einsum("nab,ab->n", X, planted) + 0.05 * rng.standard_normal(n_samples)
    return X, y


PROBLEMS = [
    (
        "matrix sensing, Gaussian, n=1000, d=20, rank 3",
        GroupLassoMatrixSensing,
        GroupLassoMatrixSensingCV,
        ill_conditioned_sensing,
    ),
    (
        "matrix sensing, Gaussian, n=3000, d=40, rank 3",
        GroupLassoMatrixSensing,
        GroupLassoMatrixSensingCV,
        lambda: ill_conditioned_sensing(3000, 40),
    ),
    (
        "QuadraticNetPruner, load_diabetes (n=442, d=10)",
        QuadraticNetPruner,
        QuadraticNetPrunerCV,
        lambda: load_diabetes(return_X_y=True),
    ),
    (
        "QuadraticNetPruner, make_friedman1 (n=1000, d=10, noise 1)",
        QuadraticNetPruner,
        QuadraticNetPrunerCV,
        lambda: make_friedman1(1000, noise=1.0, random_state=0),
    ),
]


def prediction_gap(model, reference, X):
    """How far ``model``'s predictions on ``X`` lie from ``reference``'s,
    relative to the spread of the latter."""
    predicted, expected = model.predict(X), reference.predict(X)
    spread = np.linalg.norm(expected - expected.mean())
    return np.linalg.norm(predicted - expected) / spread


def run_cv(estimator_cv, X, y, folds, n_jobs, init):
    start = perf_counter()
    model = estimator_cv(cv=folds, n_jobs=n_jobs, init=init, random_state=0)
    model.fit(X, y)
    return perf_counter() - start, model, model.alphas_


def run_grid(estimator, alphas, X, y, folds, n_jobs, init):
    search = GridSearchCV(
        estimator(init=init, random_state=0),
        {"alpha": list(alphas)},
        cv=folds,
        n_jobs=n_jobs,
        scoring="neg_mean_squared_error",
    )
    start = perf_counter()
    search.fit(X, y)
    return perf_counter() - start, search.best_estimator_


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="fits per contender")
    parser.add_argument(
        "--init",
        choices=["spectral", "random"],
        default="spectral",
        help="start of training of both contenders",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(
        f"# {platform.machine()}, {os.cpu_count()} cores, 5 shuffled folds, "
        f"12 alphas, init={args.init!r}, medians of {args.repeats}"
    )
    print(
        "| problem | n_jobs | CV estimator | GridSearchCV | ratio "
        "| alpha chosen (CV / grid) | columns kept (CV / grid) "
        "| final models apart |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, estimator, estimator_cv, load in PROBLEMS:
        X, y = load()
        folds = KFold(5, shuffle=True, random_state=0)
        for n_jobs in (1, 2):
            _, _, alphas = run_cv(
                estimator_cv, X, y, folds, n_jobs, args.init
            )  # warm-up
            run_grid(estimator, alphas, X, y, folds, n_jobs, args.init)
            cv_times, grid_times = [], []
            for _ in range(args.repeats):
                seconds, cv_model, _ = run_cv(
                    estimator_cv, X, y, folds, n_jobs, args.init
                )
                cv_times.append(seconds)
                seconds, grid_model = run_grid(
                    estimator, alphas, X, y, folds, n_jobs, args.init
                )
                grid_times.append(seconds)
            cv_time, grid_time = median(cv_times), median(grid_times)
            print(
                f"| {name} | {n_jobs} | {cv_time:.2f} s | {grid_time:.2f} s | "
                f"{grid_time / cv_time:.1f}x | {cv_model.alpha_:.3g} / "
                f"{grid_model.alpha:.3g} | {cv_model.n_components_} / "
                f"{grid_model.n_components_} | "
                f"{prediction_gap(cv_model, grid_model, X):.1e} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
