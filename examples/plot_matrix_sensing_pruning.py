"""
==============================================================
Matrix sensing: group Lasso, greedy pruning and fine-tuning
==============================================================

A rank-3 PSD matrix ``M* = U* U*^T`` of size ``25 x 25`` is observed through
noisy Gaussian measurements ``y_i = <A_i, M*> + noise``, and
:class:`~skprune.GroupLassoMatrixSensing` fits a factor ``U`` with ``k = 25``
columns. You will see three things: the trained column norms split into ``r``
large ones and a cluster near zero only when the group-Lasso penalty is on, so
that pruning recovers the rank; fine-tuning the pruned factor by gradient
descent converges linearly (a straight line on a log scale); and the error of
the pruned, fine-tuned model follows the statistical rate ``sqrt(r d / n)``
as the number of measurements ``n`` grows, like an oracle that knows the rank.
"""

# %%
# A planted low-rank matrix
# -------------------------
# :func:`~skprune.datasets.make_matrix_sensing` draws ``U*`` with ``N(0, 1/d)``
# entries and sensing matrices ``A_i`` with standard normal entries. We draw
# the largest sample once; smaller experiments below use its first ``n``
# measurements, so every fit estimates the same ``M*``.

import matplotlib.pyplot as plt
import numpy as np

from skprune import GroupLassoMatrixSensing
from skprune.datasets import make_matrix_sensing
from skprune.plotting import plot_column_norms, show_or_save

n_features, rank, noise = 25, 3, 0.1
sample_sizes = [250, 500, 1000, 2000, 4000]
X_all, y_all, planted_factor = make_matrix_sensing(
    max(sample_sizes),
    n_features,
    rank,
    noise=noise,
    random_state=0,
    return_factor=True,
)
planted = planted_factor @ planted_factor.T


def relative_error(factor):
    """``||U U^T - M*||_F / ||M*||_F``."""
    return np.linalg.norm(factor @ factor.T - planted) / np.linalg.norm(planted)


n_samples = 1000
X, y = X_all[:n_samples], y_all[:n_samples]
print(f"d={n_features}, planted rank r={rank}, n={n_samples}, noise={noise}")

# %%
# Train with and without the penalty
# ----------------------------------
# Both models start from the same small random factor with ``k = d = 25``
# columns (``init="random"``, the start the theory analyses; the default
# spectral start would set the planted directions before training). The first
# uses the default penalty ``alpha=0.1`` (a fraction of the smallest penalty
# at which ``U = 0`` is a local minimum); the second has ``alpha=0``. The
# penalized model fine-tunes with gradient descent (``refit_solver="gd"``) and
# a tight ``tol`` so that we can watch its rate below; ``tol`` also applies to
# training, which only makes it more accurate.

penalized = GroupLassoMatrixSensing(
    refit_solver="gd", tol=1e-12, init="random", random_state=0
)
penalized.fit(X, y)
unpenalized = GroupLassoMatrixSensing(alpha=0.0, init="random", random_state=0)
unpenalized.fit(X, y)

for model in [penalized, unpenalized]:
    name = f"alpha={model.alpha:g}"
    norms = np.sort(model.column_norms_)[::-1]
    print(
        f"{name:>9}: kept {model.n_components_} of {norms.size} columns "
        f"(threshold {model.prune_threshold_:.3f}), relative error "
        f"{relative_error(model.components_.T):.4f}; largest norms "
        f"{np.array2string(norms[: rank + 2], precision=3)}"
    )

# %%
# Column norms before pruning
# ---------------------------
# With the penalty the ``r`` large column norms match the singular values of
# ``U*`` (crosses) and the rest collapse far below the automatic threshold
# ``prune_threshold_ = sqrt(beta_)``. Without the penalty, gradient-based
# training from a small start spreads ``M*`` over many columns of comparable
# norm: greedy pruning cannot tell which ones matter.

ax = plot_column_norms(
    [penalized, unpenalized],
    [f"with penalty (alpha={penalized.alpha:g})", "without penalty (alpha=0)"],
    planted_factor=planted_factor,
)
ax.figure.set_size_inches(6.4, 4.2)
ax.set_xlabel("column, sorted by norm")
ax.set_ylabel("column norm ||u_j|| before pruning")
ax.set_title(f"Trained column norms, Gaussian sensing, n={n_samples}, d={n_features}")

# %%
# Fine-tuning converges linearly
# ------------------------------
# After pruning, the ``r`` kept columns are fine-tuned on the unpenalized loss
# ``L(U) = 1/(2n) sum_i (<A_i, U U^T> - y_i)^2``. ``refit_loss_curve_`` holds
# ``L`` at the start and after every gradient step. Its distance to the final
# value falls on a straight line on a log scale: the linear convergence that
# the theory gives once the factor has exactly ``r`` columns. The dashed line
# is a least-squares fit of ``log(gap)`` against the step, over the steps
# whose gap is above ``1e-10`` times the final loss (the last steps change the
# loss by its round-off, and a gap can come out zero); its slope gives the
# factor by which the gap shrinks per step. (Gradient descent here picks its
# step by backtracking, hence the small zigzag around the line.)

curve = penalized.refit_loss_curve_
gap = curve[:-1] - curve[-1]
steps = np.flatnonzero(gap > 1e-10 * curve[-1])
gap = gap[steps]
slope, intercept = np.polyfit(steps, np.log(gap), 1)
rate = np.exp(slope)
print(
    f"fine-tuning: {penalized.refit_n_iter_} gradient steps, loss "
    f"{curve[0]:.6f} -> {curve[-1]:.6f}; the gap shrinks by a factor "
    f"{rate:.3f} per step"
)

fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
ax.semilogy(steps, gap, "o-", label="L(U_t) - L(U_final)")
ax.semilogy(
    steps,
    np.exp(intercept + slope * steps),
    "k--",
    label=f"linear rate: factor {rate:.2f} per step",
)
ax.set_xlabel("gradient-descent step t of the fine-tuning")
ax.set_ylabel("loss gap (log scale)")
ax.set_title(f"Fine-tuning the {penalized.n_components_} kept columns")
ax.legend()

# %%
# Error against the number of measurements
# ----------------------------------------
# For growing ``n`` we fit the pruned model, the unpenalized one, and an oracle
# that knows the rank: ``GroupLassoMatrixSensing(n_components=r, alpha=0.0)``,
# the rank-``r`` least-squares fit. The unpenalized model starts small and
# random (``init="random"``), as in the theory's negative result. The reference line is
# ``noise * sqrt(r d / n) / ||M*||_F``: the error of least squares with ``r d``
# parameters and Gaussian measurements, relative to ``M*``. The pruned model
# finds the rank at every ``n`` and then coincides with the oracle, which
# follows the rate up to lower-order terms at the smallest ``n`` (there
# ``r d`` is not small against ``n``); the unpenalized model keeps many more
# columns and pays for it.

sweep = {"pruned + fine-tuned": [], "oracle (rank known)": [], "no penalty": []}
kept = []
for n in sample_sizes:
    X_n, y_n = X_all[:n], y_all[:n]
    model = GroupLassoMatrixSensing(random_state=0).fit(X_n, y_n)
    oracle = GroupLassoMatrixSensing(rank, alpha=0.0, random_state=0).fit(X_n, y_n)
    plain = GroupLassoMatrixSensing(alpha=0.0, init="random", random_state=0)
    plain.fit(X_n, y_n)
    sweep["pruned + fine-tuned"].append(relative_error(model.components_.T))
    sweep["oracle (rank known)"].append(relative_error(oracle.components_.T))
    sweep["no penalty"].append(relative_error(plain.components_.T))
    kept.append((model.n_components_, plain.n_components_))

reference = noise * np.sqrt(rank * n_features / np.array(sample_sizes))
reference /= np.linalg.norm(planted)

print("\nrelative errors; 'kept' is the number of columns after pruning")
print("    n | kept  pruned |  oracle | kept  no penalty | reference rate")
for i, n in enumerate(sample_sizes):
    print(
        f"{n:>5} | {kept[i][0]:>4} {sweep['pruned + fine-tuned'][i]:>7.4f} | "
        f"{sweep['oracle (rank known)'][i]:>7.4f} | {kept[i][1]:>4} "
        f"{sweep['no penalty'][i]:>10.4f} | {reference[i]:>14.4f}"
    )

fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
styles = [
    dict(marker="o", markersize=11, fillstyle="none", linewidth=2.5),
    dict(marker="s", markersize=4),
    dict(marker="^"),
]
for (name, errors), style in zip(sweep.items(), styles, strict=True):
    ax.loglog(sample_sizes, errors, linestyle="-", label=name, **style)
ax.loglog(sample_sizes, reference, "k--", label="noise * sqrt(r d / n) / ||M*||_F")
ax.set_xticks(sample_sizes, labels=[str(n) for n in sample_sizes])
ax.minorticks_off()
ax.set_xlabel("number of measurements n")
ax.set_ylabel("relative error ||U U^T - M*||_F / ||M*||_F")
ax.set_title(f"Error against n (d={n_features}, r={rank}, noise={noise})")
ax.legend(fontsize="small")

# Run as ``python examples/plot_matrix_sensing_pruning.py --save DIR`` on a
# machine without a screen to write the figures to ``DIR`` instead of showing
# them.
show_or_save("plot_matrix_sensing_pruning")
