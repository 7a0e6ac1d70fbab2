"""Fit time with skprune's own BLAS-thread choice against the library default.

Each estimator's loss and gradient are a few small dense products per iteration
(``X @ U`` and ``X^T (r * X U)`` for vectors, one matrix-vector product each
way for matrices), where a multithreaded BLAS may spend more on synchronising
than on arithmetic. skprune therefore runs every solve with one BLAS thread
unless the user chose a count (``skprune/_threads.py``). This script fits the
same problems as a newcomer would (no thread variables: the package decides)
and as a user who sets ``OPENBLAS_NUM_THREADS`` to the library's default count
(what a plain BLAS would do), alternating the two, and prints the median times
and their ratio. Run it on an idle machine, and again with a core busy
(``--busy`` starts a process that spins on one core meanwhile).

Run: ``python benchmarks/bench_blas_threads.py [--repeats 5] [--busy]``.
"""

import argparse
import multiprocessing
import os
from contextlib import contextmanager
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
    parser.add_argument(
        "--busy", action="store_true", help="keep one core busy meanwhile"
    )
    args = parser.parse_args()
    default_threads = max(info["num_threads"] for info in threadpool_info())
    spinner = None
    if args.busy:
        spinner = multiprocessing.Process(target=_spin, daemon=True)
        spinner.start()
    print(
        f"BLAS: {[info['internal_api'] for info in threadpool_info()]}, library "
        f"default {default_threads} threads, {os.cpu_count()} cores, "
        f"{'one core busy' if args.busy else 'idle'}; medians of {args.repeats} fits"
    )
    header = f"| estimator | n | d | sensing | skprune's choice | {default_threads}"
    print(f"{header} threads (forced) | forced / skprune |")
    print("|---|---|---|---|---|---|---|")
    for estimator_class, n_samples, n_features, sensing in PROBLEMS:
        X, y = make_matrix_sensing(
            n_samples, n_features, 3, noise=0.05, sensing=sensing, random_state=0
        )
        chosen, forced = [], []
        for _ in range(args.repeats):
            chosen.append(fit_seconds(estimator_class, X, y))
            with forced_threads(default_threads):
                forced.append(fit_seconds(estimator_class, X, y))
        print(
            f"| {estimator_class.__name__} | {n_samples} | {n_features} | {sensing} "
            f"| {median(chosen):.3f} s | {median(forced):.3f} s "
            f"| {median(forced) / median(chosen):.2f} |"
        )
    if spinner is not None:
        spinner.terminate()


@contextmanager
def forced_threads(count):
    """What a user who sets ``OPENBLAS_NUM_THREADS=count`` gets: skprune sees
    the variable and leaves the BLAS at ``count`` threads."""
    os.environ["OPENBLAS_NUM_THREADS"] = str(count)
    try:
        with threadpool_limits(count, user_api="blas"):
            yield
    finally:
        del os.environ["OPENBLAS_NUM_THREADS"]


def _spin():
    while True:
        pass


if __name__ == "__main__":
    main()
