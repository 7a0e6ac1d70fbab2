"""The main job: the whole pipeline on a planted matrix-sensing problem.

Run it with ``python -m skprune demo`` (``--help`` lists the options).
"""

from time import perf_counter

import numpy as np

from ._oracles import relative_error
from .datasets import make_matrix_sensing
from .matrix_sensing import GroupLassoMatrixSensing


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

    Parameters
    ----------
    n_samples : int, default=1500
        Number of measurements ``n``.
    n_features : int, default=30
        Size ``d`` of the ``d x d`` matrix.
    rank : int, default=3
        Planted rank ``r``.
    n_components : int, default=30
        Columns ``k`` of the overparameterized factor.
    noise : float, default=0.1
        Standard deviation of the noise.
    sensing : {"gaussian", "rank_one"}, default="gaussian"
        Gaussian matrices ``A_i``, or rank-one ``x_i x_i^T``
        (see :func:`skprune.datasets.make_matrix_sensing`).
    random_state : int, default=0
        Seed of the data and of the start.

    Returns
    -------
    report : dict
        What ``python -m skprune demo`` prints (see :func:`format_report`).
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


def format_report(report):
    """The lines that ``python -m skprune demo`` prints for a :func:`run_demo`
    report: one ``name  value`` line per entry, names aligned.

    Parameters
    ----------
    report : dict
        The output of :func:`run_demo`.

    Returns
    -------
    text : str
    """
    width = max(len(key) for key in report)
    return "\n".join(
        f"{key:<{width}}  {_format(value)}" for key, value in report.items()
    )


def _format(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, tuple):
        return " / ".join(_format(item) for item in value)
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=3, max_line_width=78, separator=" ")
    return str(value)
