"""Plots of fitted estimators (needs matplotlib, imported when called)."""

import numpy as np
from sklearn.utils.validation import check_is_fitted


def plot_column_norms(estimators, labels, *, planted_factor=None, ax=None):
    """Plot the sorted column norms before pruning, with each prune threshold.

    The picture that shows whether greedy pruning can work: with the
    group-Lasso penalty the norms split into a few large ones and a cluster
    near zero, and the threshold falls in the gap.

    Parameters
    ----------
    estimators : list of fitted GroupLassoMatrixSensing or QuadraticNetPruner
        Their ``column_norms_`` are drawn, sorted, on a log scale; each one's
        ``prune_threshold_`` is a dashed line of the same colour.
    labels : list of str
        A legend label for each estimator; the number of columns it kept is
        appended.
    planted_factor : ndarray of shape (d, r), default=None
        When given, its singular values are drawn as crosses: the norms that
        ``r`` orthogonal columns fitting ``U* U*^T`` would have.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when ``None``.

    Returns
    -------
    ax : matplotlib Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(layout="constrained")
    for estimator, label in zip(estimators, labels, strict=True):
        check_is_fitted(estimator, "column_norms_")
        draw_sorted_norms(
            ax,
            estimator.column_norms_,
            estimator.prune_threshold_,
            f"{label}: keeps {estimator.n_components_}",
        )
    if planted_factor is not None:
        draw_singular_values(ax, np.linalg.svd(planted_factor, compute_uv=False))
    ax.set_xlabel("column, sorted by norm")
    ax.set_ylabel("column norm before pruning")
    ax.legend(fontsize="small")
    return ax


def draw_sorted_norms(ax, column_norms, threshold, label, **style):
    """Draw column norms sorted in decreasing order and a threshold line.

    The building block of :func:`plot_column_norms`, for norms that are not
    held by a fitted estimator (for instance collected over several fits).

    Parameters
    ----------
    ax : matplotlib Axes
        Where to draw, on a log scale.
    column_norms : array-like of shape (k,)
        The norms, in any order.
    threshold : float or None
        Drawn as a dashed horizontal line of the same colour; ``None`` draws
        none.
    label : str
        Legend label of the norms.
    **style
        Passed to ``ax.semilogy`` for the norms.

    Returns
    -------
    line : matplotlib Line2D
        The line of the norms.
    """
    norms = np.sort(np.asarray(column_norms, dtype=float))[::-1]
    (line,) = ax.semilogy(
        np.arange(1, norms.size + 1), norms, "o-", label=label, **style
    )
    if threshold is not None:
        ax.axhline(
            threshold,
            color=line.get_color(),
            linestyle="--",
            label=f"threshold {threshold:.3g}",
        )
    return line


def draw_singular_values(ax, singular_values):
    """Draw the singular values of a planted factor ``U*`` as crosses.

    They are the norms that ``r`` orthogonal columns fitting ``U* U*^T`` would
    have.

    Parameters
    ----------
    ax : matplotlib Axes
        Where to draw.
    singular_values : array-like of shape (r,)
        The singular values of ``U*``, in decreasing order.
    """
    singular_values = np.asarray(singular_values, dtype=float)
    ax.semilogy(
        np.arange(1, singular_values.size + 1),
        singular_values,
        "kx",
        markersize=10,
        label=f"singular values of planted U* (r={singular_values.size})",
    )


def show_or_save(name, argv=None):
    """Show the open figures, or save them when the script was asked to.

    The gallery examples end with this call. Run as ``python <example>.py
    --save DIR`` (for instance on a machine without a screen, where
    ``plt.show()`` does nothing), every open figure is written to
    ``DIR/<name>_<number>.png``; otherwise ``plt.show()`` is called.

    Parameters
    ----------
    name : str
        Prefix of the file names, usually the example's name.
    argv : list of str, default=None
        The command-line arguments to read; ``None`` uses ``sys.argv[1:]``.

    Returns
    -------
    paths : list of pathlib.Path
        The files written (empty when the figures were shown).
    """
    import sys
    from pathlib import Path

    import matplotlib.pyplot as plt

    argv = sys.argv[1:] if argv is None else argv
    if "--save" not in argv:
        plt.show()
        return []
    position = argv.index("--save") + 1
    if position >= len(argv):
        raise ValueError("--save needs a directory: --save DIR.")
    directory = Path(argv[position])
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in plt.get_fignums():
        path = directory / f"{name}_{number}.png"
        plt.figure(number).savefig(path)
        paths.append(path)
    return paths
