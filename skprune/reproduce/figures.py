"""The figures of the claims (matplotlib, imported when drawing).

Each ``plot_*`` function draws the data of one ``*_claim`` function of
:mod:`skprune.reproduce.claims` into a PNG file. Figures are built with
:class:`matplotlib.figure.Figure` rather than pyplot, so no backend or screen
is involved and nothing is left open.
"""

import numpy as np

from .claims import gap_ratio, geometric_mean, linear_rate, log_log_slope
from .verdicts import GAP_WITH_PENALTY, GAP_WITHOUT_PENALTY

#: Line styles of the two estimates every error-against-n panel draws.
SKPRUNE_STYLE = dict(marker="o", markersize=9, fillstyle="none", lw=2)
ORACLE_STYLE = dict(marker="s", markersize=4)


def _draw_mean_with_slope(ax, sizes, values, label, style):
    """Draw the geometric mean over seeds of ``values`` (seeds x sizes)
    against ``sizes`` on log-log axes, its fitted slope in the label; return
    the line."""
    mean = geometric_mean(values)
    label = f"{label}: slope {log_log_slope(sizes, mean):.3f}"
    (line,) = ax.loglog(sizes, mean, label=label, **style)
    return line


def _label_sample_sizes(ax, sizes, xlabel):
    """Tick each sample size ``n`` by its value, without minor ticks."""
    ax.set_xticks(sizes, labels=[str(n) for n in sizes])
    ax.minorticks_off()
    ax.set_xlabel(xlabel)


def _figure(width=10.0, height=4.2, ncols=2):
    """A figure with ``ncols`` axes, without pyplot (no backend, no GUI)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(1, ncols)
    return figure, axes


def _save(figure, path):
    figure.savefig(path, dpi=100)
    return path


def plot_column_norms_claim(data, path):
    """Draw claim 1 into ``path`` (``norms.png``).

    Left: the sorted trained column norms of the first seed with and without
    the penalty, each with its automatic threshold, and the planted singular
    values. Right: for every seed, the ratio
    :func:`~skprune.reproduce.claims.gap_ratio` with and without the penalty,
    with the criterion's bounds.

    Parameters
    ----------
    data : dict
        The output of :func:`~skprune.reproduce.claims.column_norms_claim`.
    path : pathlib.Path
        The PNG file to write.

    Returns
    -------
    path : pathlib.Path
    """
    from matplotlib.ticker import MaxNLocator

    from ..plotting import draw_singular_values, draw_sorted_norms

    settings, fits = data["settings"], data["fits"]
    r, d = settings["rank"], settings["n_features"]
    figure, (left, right) = _figure()
    first = fits[0]
    for name, label in [
        ("penalized", f"with penalty (alpha={first['penalized']['alpha']:g})"),
        ("unpenalized", "without penalty (alpha=0)"),
    ]:
        fit = first[name]
        draw_sorted_norms(
            left, fit["norms"], fit["threshold"], f"{label}: keeps {fit['kept']}"
        )
    draw_singular_values(left, first["singular_values"])
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_xlabel("column, sorted by norm")
    left.set_ylabel("trained column norm ||u_j||")
    left.set_title(
        f"seed 0: d={d}, r={r}, n={data['n_samples']}, k={d}, same random start",
        fontsize="medium",
    )
    left.legend(fontsize="small")
    seeds = np.arange(len(fits))
    for name, marker, label in [
        ("penalized", "o", "with penalty"),
        ("unpenalized", "s", "without penalty (alpha=0)"),
    ]:
        right.semilogy(
            seeds,
            [gap_ratio(fit[name]["norms"], r) for fit in fits],
            marker,
            label=label,
        )
    right.axhline(
        GAP_WITH_PENALTY,
        color="C0",
        linestyle=":",
        label=f"criterion with penalty: <= {GAP_WITH_PENALTY:g}",
    )
    right.axhline(
        GAP_WITHOUT_PENALTY,
        color="C1",
        linestyle=":",
        label=f"criterion without: >= {GAP_WITHOUT_PENALTY:g}",
    )
    right.set_ylim(top=2.0)
    right.set_xticks(seeds)
    right.set_xlabel("seed")
    right.set_ylabel(f"norm {r + 1} / norm {r} (sorted)")
    right.set_title("largest pruned / smallest kept norm, keeping r", fontsize="medium")
    right.legend(fontsize="small")
    return _save(figure, path)


def plot_error_rate_claim(data, path):
    """Draw claim 2 into ``path`` (``rate.png``): the relative error against
    ``n`` on log-log axes, for the pruned and fine-tuned model (each seed a
    faint dot, the geometric mean a line with its fitted slope), the oracle,
    the nuclear-norm estimator (or a note that it was skipped) and the
    reference ``noise * sqrt(r d / n) / ||M*||_F``.

    Parameters
    ----------
    data : dict
        The output of :func:`~skprune.reproduce.claims.error_rate_claim`.
    path : pathlib.Path
        The PNG file to write.

    Returns
    -------
    path : pathlib.Path
    """
    settings = data["settings"]
    d, r, noise = settings["n_features"], settings["rank"], settings["noise"]
    sizes = np.asarray(data["n_samples"])
    figure, ax = _figure(6.6, 4.6, 1)
    curves = [
        ("error", "pruned + fine-tuned (skprune)", SKPRUNE_STYLE),
        ("oracle_error", "oracle: rank-r least squares", ORACLE_STYLE),
        ("nuclear_norm_error", "nuclear norm (cvxpy)", dict(marker="^")),
    ]
    for key, label, style in curves:
        if data[key] is None:
            continue
        values = np.asarray(data[key])
        line = _draw_mean_with_slope(ax, sizes, values, label, style)
        if key == "error":
            for row in values:
                ax.loglog(sizes, row, ".", color=line.get_color(), alpha=0.3)
    reference = noise * np.sqrt(r * d / sizes) / data["frobenius_norm"]
    ax.loglog(sizes, reference, "k--", label="noise sqrt(r d / n) / ||M*||_F: -1/2")
    if data["nuclear_norm_error"] is None:
        ax.text(
            0.02,
            0.02,
            "cvxpy not installed: nuclear-norm curve skipped",
            transform=ax.transAxes,
            fontsize="small",
        )
    _label_sample_sizes(ax, sizes, "number of measurements n")
    ax.set_ylabel("relative error ||UU^T - M*||_F / ||M*||_F")
    ax.set_title(
        f"Gaussian sensing, d={d}, r={r}, noise={noise:g}, "
        f"{settings['n_seeds']} seeds (geometric mean)",
        fontsize="medium",
    )
    ax.legend(fontsize="small")
    return _save(figure, path)


def plot_fine_tuning_claim(data, path):
    """Draw claim 3 into ``path`` (``fine_tuning.png``).

    The loss gap (the loss, whose optimum is zero on these noiseless
    problems, relative to the loss at ``U = 0``) against the gradient step:
    fine-tuning the pruned factor, with its fitted linear rate, and gradient
    descent on all ``k`` columns without pruning, on a log scale (left) and
    on log-log axes (right), where a polynomial (sublinear) decay is a
    straight line. Every seed is drawn; the first one solid.

    Parameters
    ----------
    data : dict
        The output of :func:`~skprune.reproduce.claims.fine_tuning_claim`.
    path : pathlib.Path
        The PNG file to write.

    Returns
    -------
    path : pathlib.Path
    """
    settings = data["settings"]
    d, r = settings["n_features"], settings["rank"]
    figure, (left, right) = _figure()
    for seed, fit in enumerate(data["fits"]):
        tuned = np.asarray(fit["fine_tuning"])
        plain = np.asarray(fit["overparameterized"])
        alpha = 1.0 if seed == 0 else 0.25
        for ax, log_x in [(left, False), (right, True)]:
            offset = 1 if log_x else 0  # step t drawn at t + 1 on a log axis
            draw = ax.loglog if log_x else ax.semilogy
            draw(
                np.arange(tuned.size) + offset,
                tuned,
                color="C0",
                alpha=alpha,
                label=f"fine-tuning, r={r} columns (factor "
                f"{linear_rate(tuned):.2f} per step)"
                if seed == 0
                else None,
            )
            draw(
                np.arange(plain.size) + offset,
                plain,
                color="C1",
                alpha=alpha,
                label=f"no pruning, k={d} columns, alpha=0" if seed == 0 else None,
            )
    for ax in (left, right):
        ax.set_xlabel("gradient step t" + (" + 1" if ax is right else ""))
        ax.set_ylabel("loss gap L(U_t) - L* (relative to L(0))")
        ax.legend(fontsize="small")
    left.set_title(
        f"noiseless Gaussian sensing, d={d}, r={r}, n={data['n_samples']}: log scale",
        fontsize="medium",
    )
    right.set_title("log-log: no pruning decays like a power of t", fontsize="medium")
    return _save(figure, path)


def plot_recovery_claim(data, path):
    """Draw claim 4 into ``path`` (``recovery.png``): one heat map per width
    factor ``k / d``, rows ``(d, r)``, columns the noise level, each cell the
    fraction of seeds that kept exactly ``r`` columns; cells in the theory's
    regime (:func:`~skprune.reproduce.claims.in_theory_regime`) are framed.

    Parameters
    ----------
    data : dict
        The output of :func:`~skprune.reproduce.claims.recovery_claim`.
    path : pathlib.Path
        The PNG file to write.

    Returns
    -------
    path : pathlib.Path
    """
    from matplotlib.patches import Rectangle

    settings, cells = data["settings"], data["cells"]
    rows = [(d, r) for d in settings["n_features"] for r in settings["ranks"]]
    noises = list(settings["noises"])
    widths = list(settings["width_factors"])
    figure, axes = _figure(4.2 * len(widths) + 1.0, 0.42 * len(rows) + 2.2, len(widths))
    axes = np.atleast_1d(axes)
    for ax, width in zip(axes, widths, strict=True):
        rates = np.full((len(rows), len(noises)), np.nan)
        for cell in cells:
            if cell["width_factor"] != width:
                continue
            i = rows.index((cell["n_features"], cell["rank"]))
            j = noises.index(cell["noise"])
            rates[i, j] = np.mean(np.asarray(cell["kept"]) == cell["rank"])
            ax.text(
                j,
                i,
                f"{rates[i, j]:.2f}",
                ha="center",
                va="center",
                fontsize="small",
                color="white" if rates[i, j] < 0.5 else "black",
            )
            if cell["regime"]:
                ax.add_patch(
                    Rectangle(
                        (j - 0.45, i - 0.45),
                        0.9,
                        0.9,
                        fill=False,
                        edgecolor="black",
                        linewidth=1.5,
                    )
                )
        image = ax.imshow(rates, vmin=0, vmax=1, cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(noises)), labels=[f"{v:g}" for v in noises])
        ax.set_yticks(range(len(rows)), labels=[f"d={d}, r={r}" for d, r in rows])
        ax.set_xlabel("noise (framed: in the theory's regime)")
        ax.set_title(f"k = {width} d columns", fontsize="medium")
    figure.colorbar(image, ax=list(axes), label="fraction of seeds keeping r")
    figure.suptitle(
        f"Rank recovered by pruning, n = {settings['sample_factor']} d r, "
        f"{settings['n_seeds']} seeds per cell",
        fontsize="medium",
    )
    return _save(figure, path)


def plot_network_claim(data, path):
    """Draw claim 5 into ``path`` (``network.png``): left, the width kept
    against ``n`` (every seed, the planted width dashed); right, the test
    error against the noiseless network on log-log axes for the pruned
    network and the oracle, with fitted slopes.

    Parameters
    ----------
    data : dict
        The output of :func:`~skprune.reproduce.claims.network_claim`.
    path : pathlib.Path
        The PNG file to write.

    Returns
    -------
    path : pathlib.Path
    """
    from matplotlib.ticker import MaxNLocator

    settings = data["settings"]
    d, r = settings["n_features"], settings["rank"]
    sizes = np.asarray(data["n_samples"])
    figure, (left, right) = _figure()
    widths = np.asarray(data["width"])
    for seed, row in enumerate(widths):
        jitter = 1.0 + 0.02 * (seed - (len(widths) - 1) / 2)
        left.semilogx(
            sizes * jitter,
            row,
            "o",
            alpha=0.6,
            label="pruned width, one dot per seed" if seed == 0 else None,
        )
    left.axhline(r, color="k", linestyle="--", label=f"planted width r={r}")
    left.set_ylim(0, max(int(widths.max()), r) + 1)
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    _label_sample_sizes(left, sizes, "training samples n")
    left.set_ylabel(f"neurons kept (of k={d})")
    left.set_title("Width recovered", fontsize="medium")
    left.legend(fontsize="small")
    for key, label, style in [
        ("test_error", "pruned network (skprune)", SKPRUNE_STYLE),
        ("oracle_test_error", "oracle: rank-r least squares", ORACLE_STYLE),
    ]:
        _draw_mean_with_slope(right, sizes, np.asarray(data[key]), label, style)
    reference = settings["noise"] ** 2 * r * d / sizes
    right.loglog(sizes, reference, "k--", label="noise^2 r d / n: slope -1")
    _label_sample_sizes(right, sizes, "training samples n")
    right.set_ylabel("test error mean (f(x) - f*(x))^2")
    right.set_title(
        f"f*(x) = ||U*^T x||^2, d={d}, r={r}, noise={settings['noise']:g}",
        fontsize="medium",
    )
    right.legend(fontsize="small")
    return _save(figure, path)
