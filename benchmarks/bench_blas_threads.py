"""Fit time with one BLAS thread against the default number, side by side.

Each estimator's loss and gradient are a few small dense products per
iteration (``X @ U`` and ``X^T (r * X U)`` for vectors, one matrix-vector
product each way for matrices), where a multithreaded BLAS may spend more on
synchronising than on arithmetic. This script fits the same problems under
``threadpoolctl.threadpool_limits(1)`` and under the default, alternating the
two, and prints the median times and their ratio.

Run: ``python benchmarks/bench_blas_threads.py [--repeats 5]``.
"""

import argparse
from statistics import median
from time import perf_counter

from threadpoolctl import threadpool_info, threadpool_limits

from skprune import GroupLassoMatrixSensing, QuadraticNetPruner
from skprune.datasets import make_matrix_sensing

PROBLEMS = [
    # (estimator, n_samples, n_features, sensing)
    (GroupLassoMatrixSensing, 1500, 30, "gaussian"),
    (GroupLassoMatrixSensing, 1500, 16, "rank_one"),
    (GroupLassoMatrixSensing, 20000, 50, "rank_one"),
    (QuadraticNetPruner, 20000, 50, "rank_one"),
]


def fit_seconds(estimator_class, X, y):
    start = perf_counter()
    estimator_class(random_state=0).fit(X, y)
    return perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    default_threads = max(info["num_threads"] for info in threadpool_info())
    print(
        f"BLAS: {[info['internal_api'] for info in threadpool_info()]}, "
        f"default threads {default_threads}; medians of {args.repeats} fits"
    )
    header = f"{'estimator':<26}{'n':>7}{'d':>5} {'sensing':<9}"
    print(f"{header}{'1 thread s':>12}{'default s':>12}{'default/1':>11}")
    for estimator_class, n_samples, n_features, sensing in PROBLEMS:
        X, y = make_matrix_sensing(
            n_samples, n_features, 3, noise=0.05, sensing=sensing, random_state=0
        )
        single, default = [], []
        for _ in range(args.repeats):
            with threadpool_limits(1, user_api="blas"):
                single.append(fit_seconds(estimator_class, X, y))
            default.append(fit_seconds(estimator_class, X, y))
        print(
            f"{estimator_class.__name__:<26}{n_samples:>7}{n_features:>5} "
            f"{sensing:<9}{median(single):>12.3f}{median(default):>12.3f}"
            f"{median(default) / median(single):>11.2f}"
        )


if __name__ == "__main__":
    main()
