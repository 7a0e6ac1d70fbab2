"""The main job: the whole pipeline on a planted matrix-sensing problem.

Run it with ``python -m skprune demo`` (``--help`` lists the options).
"""

import argparse
from time import perf_counter

import numpy as np

from .datasets import make_matrix_sensing
from .matrix_sensing import GroupLassoMatrixSensing


def relative_error(factor, planted_factor):
    """``||U U^T - M*||_F / ||M*||_F``."""
    planted = planted_factor @ planted_factor.T
    return float(np.linalg.norm(factor @ factor.T - planted) / np.linalg.norm(planted))


def run_demo(
    n_samples=1500,
    n_features=30,
    rank=3,
    n_components=30,
    noise=0.1,
    sensing="gaussian",
    random_state=0,
):
    """Fit, prune and fine-tune on a planted problem; compare with an oracle.

    The oracle knows the rank: it is the same estimator with
    ``n_components=rank`` and no penalty, i.e. the rank-``r`` least-squares fit.

    Returns
    -------
    report : dict
        What :func:`main` prints.
    """
    X, y, planted = make_matrix_sensing(
        n_samples,
        n_features,
        rank,
        noise=noise,
        sensing=sensing,
        random_state=random_state,
        return_factor=True,
    )
    model = GroupLassoMatrixSensing(n_components, random_state=random_state)
    model.fit(X, y)
    pruned = model.trained_components_.T[:, model.support_]

    start = perf_counter()
    oracle = GroupLassoMatrixSensing(rank, alpha=0.0, random_state=random_state)
    oracle.fit(X, y)
    oracle_time = perf_counter() - start
    return {
        "problem": f"{sensing} sensing, n={n_samples}, d={n_features}, noise={noise}",
        "true rank": rank,
        "columns kept": f"{model.n_components_} of {n_components}",
        "column norms before pruning": np.sort(model.column_norms_)[::-1],
        "prune threshold": model.prune_threshold_,
        "relative error before fine-tuning": relative_error(pruned, planted),
        "relative error after fine-tuning": relative_error(
            model.components_.T, planted
        ),
        "oracle relative error (rank known)": relative_error(
            oracle.components_.T, planted
        ),
        "rate noise * sqrt(r d / n) / ||M*||_F": noise
        * np.sqrt(rank * n_features / n_samples)
        / np.linalg.norm(planted.T @ planted),
        "seconds train / prune / fine-tune": tuple(model.stage_times_.values()),
        "oracle seconds": oracle_time,
    }


def _format(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, tuple):
        return " / ".join(_format(item) for item in value)
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=3, max_line_width=78, separator=" ")
    return str(value)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m skprune")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="train, prune and fine-tune on a planted problem",
        description="Train, prune and fine-tune GroupLassoMatrixSensing on a "
        "planted low-rank problem, and compare it with a least-squares fit that "
        "knows the rank.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    demo.add_argument(
        "--n-samples", type=int, default=1500, help="number of measurements n"
    )
    demo.add_argument(
        "--n-features", type=int, default=30, help="size d of the d x d matrix"
    )
    demo.add_argument("--rank", type=int, default=3, help="planted rank r")
    demo.add_argument(
        "--n-components",
        type=int,
        default=30,
        help="columns k of the overparameterized factor (an upper bound on r)",
    )
    demo.add_argument(
        "--noise", type=float, default=0.1, help="standard deviation of the noise"
    )
    demo.add_argument(
        "--sensing",
        choices=["gaussian", "rank_one"],
        default="gaussian",
        help="Gaussian matrices A_i, or rank-one x_i x_i^T",
    )
    demo.add_argument("--seed", type=int, default=0, help="seed of data and start")
    args = parser.parse_args(argv)
    report = run_demo(
        args.n_samples,
        args.n_features,
        args.rank,
        args.n_components,
        args.noise,
        args.sensing,
        args.seed,
    )
    width = max(len(key) for key in report)
    for key, value in report.items():
        print(f"{key:<{width}}  {_format(value)}")
