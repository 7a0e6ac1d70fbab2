"""
=========================================================
Pruning a two-layer network with quadratic activations
=========================================================

A network ``f(x) = sum_j (w_j . x)^2`` with ``r = 3`` hidden neurons is
planted, and :class:`~skprune.QuadraticNetPruner` is fitted with five times as
many neurons as it needs. With the group-Lasso penalty the trained neuron
norms split into ``r`` large ones and a cluster near zero, and pruning at the
automatic threshold recovers the planted width; without the penalty there is
no gap and pruning keeps almost every neuron. You will then see the pruned
network's held-out error next to scikit-learn's
:class:`~sklearn.neural_network.MLPRegressor` and a degree-2 polynomial ridge
regression, with the number of parameters of each model.
"""

# %%
# A planted network
# -----------------
# :func:`~skprune.datasets.make_matrix_sensing` with ``sensing="rank_one"``
# draws Gaussian inputs ``x_i`` and the targets
# ``y_i = ||U*^T x_i||^2 + noise``: a network of width ``r`` whose hidden
# weights are the columns of ``U*``. We keep a held-out test set.

from time import perf_counter

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from skprune import QuadraticNetPruner
from skprune.datasets import make_matrix_sensing
from skprune.plotting import plot_column_norms, show_or_save

n_train, n_test, n_features, rank, noise = 1500, 1000, 16, 3, 0.1
X, y, planted_factor = make_matrix_sensing(
    n_train + n_test,
    n_features,
    rank,
    noise=noise,
    sensing="rank_one",
    random_state=0,
    return_factor=True,
)
X_train, X_test = X[:n_train], X[n_train:]
y_train, y_test = y[:n_train], y[n_train:]
print(f"n_train={n_train}, n_test={n_test}, d={n_features}, planted width r={rank}")

# %%
# Train with and without the penalty
# ----------------------------------
# These settings give exactly the network of the paper: all output weights
# ``+1``, no linear term, no intercept, no input scaling, and the small random
# start the theory analyses. The width before
# pruning is ``n_components = d = 16``. The first model uses the default
# penalty (``alpha=0.15``, a fraction of the largest useful penalty); the
# second trains the same network with ``alpha=0``.

paper_network = dict(
    output_signs="positive",
    fit_linear=False,
    fit_intercept=False,
    standardize=False,
    init="random",
)
penalized = QuadraticNetPruner(random_state=0, **paper_network).fit(X_train, y_train)
unpenalized = QuadraticNetPruner(alpha=0.0, random_state=0, **paper_network).fit(
    X_train, y_train
)

for model in [penalized, unpenalized]:
    name = f"alpha={model.alpha:g}"
    norms = np.sort(model.column_norms_)[::-1]
    print(
        f"{name:>10}: kept {model.n_components_} of {norms.size} neurons "
        f"(threshold {model.prune_threshold_:.3f}); largest norms "
        f"{np.array2string(norms[: rank + 2], precision=3)}"
    )

# %%
# The neuron norms before pruning
# -------------------------------
# ``column_norms_`` holds ``||w_j||`` of every trained neuron, before pruning;
# ``prune_threshold_`` is the automatic threshold ``sqrt(beta_)``. With the
# penalty, ``r`` norms sit near the singular values of the planted ``U*`` (the
# crosses: the group Lasso favours orthogonal neurons, whose norms are then
# those singular values) and the others are thousands of times smaller, so any
# threshold in the gap keeps ``r`` neurons. Without it the norms decay
# smoothly and no threshold separates signal from noise.

ax = plot_column_norms(
    [penalized, unpenalized],
    [f"with penalty (alpha={penalized.alpha:g})", "without penalty (alpha=0)"],
    planted_factor=planted_factor,
)
ax.figure.set_size_inches(6.4, 4.2)
ax.set_xlabel("neuron, sorted by norm")
ax.set_ylabel("hidden-weight norm ||w_j|| before pruning")
ax.set_title("Trained neuron norms: a gap appears only with the penalty")
ax.set_xticks(np.arange(1, n_features + 1))

# %%
# The pruned width
# ----------------
# The penalized network keeps exactly the planted number of neurons; the
# unpenalized one keeps most of its ``16``.

pruned_width = penalized.n_components_
print(f"pruned width with the penalty: {pruned_width} (planted: {rank})")
print(f"pruned width without it:       {unpenalized.n_components_}")

# %%
# Held-out error against scikit-learn models
# ------------------------------------------
# We compare on the test set:
#
# - the pruned network of the paper, above;
# - the default :class:`~skprune.QuadraticNetPruner`: it also standardizes the
#   inputs, fits an unpenalized linear term and intercept, and has neurons of
#   both output signs (``2 d = 32`` before pruning);
# - :class:`~sklearn.neural_network.MLPRegressor` with 64 ReLU units behind a
#   :class:`~sklearn.preprocessing.StandardScaler`;
# - a ridge regression on all degree-2 monomials: the full quadratic model
#   that the network is a low-rank special case of. (``include_bias=False``
#   because :class:`~sklearn.linear_model.RidgeCV` fits the intercept.)
#
# Each model is scored on the test set against the noisy targets (test MSE and
# R^2) and against the noiseless planted function.


def n_parameters(model):
    """Number of fitted weights of each kind of model."""
    if isinstance(model, QuadraticNetPruner):
        # the output weights are fixed to +-1: they are not parameters
        return (
            model.components_.T.size
            + model.fit_linear * model.coef_.size
            + model.fit_intercept
        )
    last = model[-1]
    if isinstance(last, MLPRegressor):
        return sum(w.size for w in last.coefs_) + sum(b.size for b in last.intercepts_)
    return last.coef_.size + 1  # ridge weights and intercept


def width(model):
    if isinstance(model, QuadraticNetPruner):
        return model.n_components_
    if isinstance(model[-1], MLPRegressor):
        return model[-1].hidden_layer_sizes[0]
    return None


models = {
    "pruned net (paper)": QuadraticNetPruner(random_state=0, **paper_network),
    "pruned net (default)": QuadraticNetPruner(random_state=0),
    "MLPRegressor(64)": make_pipeline(
        StandardScaler(),
        MLPRegressor(hidden_layer_sizes=(64,), max_iter=1000, random_state=0),
    ),
    "quadratic ridge": make_pipeline(
        StandardScaler(),
        PolynomialFeatures(2, include_bias=False),
        RidgeCV(alphas=np.logspace(-3, 3, 13)),
    ),
}
planted_test = np.sum((X_test @ planted_factor) ** 2, axis=1)  # f*(x), no noise
results = {}
for name, model in models.items():
    start = perf_counter()
    model.fit(X_train, y_train)
    seconds = perf_counter() - start
    prediction = model.predict(X_test)
    results[name] = {
        "width": width(model),
        "parameters": n_parameters(model),
        "test MSE": mean_squared_error(y_test, prediction),
        "test R2": r2_score(y_test, prediction),
        "error vs f*": mean_squared_error(planted_test, prediction),
        "seconds": seconds,
    }

noise_floor = mean_squared_error(y_test, planted_test)

header = ["model", "width", "params", "test MSE", "test R2", "MSE vs f*", "fit s"]
print(f"\n{header[0]:<22}" + "".join(f"{h:>10}" for h in header[1:]))
for name, row in results.items():
    shown_width = "-" if row["width"] is None else row["width"]
    print(
        f"{name:<22}{shown_width:>10}{row['parameters']:>10}{row['test MSE']:>10.4f}"
        f"{row['test R2']:>10.4f}{row['error vs f*']:>10.2e}{row['seconds']:>10.2f}"
    )
planted_r2 = r2_score(y_test, planted_test)
print(
    f"{'planted network':<22}{rank:>10}{planted_factor.size:>10}{noise_floor:>10.4f}"
    f"{planted_r2:>10.4f}{0.0:>10.2e}"
)

# %%
# The left panel is the test MSE, whose floor is the noise; the right panel
# removes the noise by comparing each prediction with the noiseless planted
# function ``f*(x) = ||U*^T x||^2``, which shows how far each model is from
# the truth. The pruned networks get closest with the fewest weights: ``3 d``
# for the network of the paper, ``d + 1`` more for the default one. The full
# quadratic ridge model has ``d (d + 3) / 2`` weights to estimate, and the
# ReLU network has to approximate a quadratic with piecewise-linear units.

names = list(results)
colors = ["C0", "C2", "C1", "C4"]
fig, axes = plt.subplots(1, 2, figsize=(10, 4.4), layout="constrained")
for ax, key, title in [
    (axes[0], "test MSE", "Test MSE (noisy targets)"),
    (axes[1], "error vs f*", "MSE against the noiseless f*(x)"),
]:
    values = [results[name][key] for name in names]
    bars = ax.bar(names, values, color=colors)
    ax.bar_label(
        bars,
        labels=[
            f"{value:.2g}\n{results[name]['parameters']} params"
            for name, value in zip(names, values, strict=True)
        ],
        padding=2,
        fontsize="small",
    )
    ax.set_yscale("log")
    ax.set_ylim(top=max(values) * 8)
    ax.set_title(title)
    ax.tick_params(axis="x", labelrotation=20)
axes[0].axhline(
    noise_floor,
    color="k",
    linestyle=":",
    label=f"planted network = noise level ({noise_floor:.2g})",
)
axes[0].legend(loc="upper left", fontsize="small")
axes[0].set_ylabel("mean squared error on the test set (log scale)")
fig.suptitle(f"Held-out comparison: n_train={n_train}, n_test={n_test}, d={n_features}")

# Run as ``python examples/plot_quadratic_net_pruning.py --save DIR`` on a
# machine without a screen to write the figures to ``DIR`` instead of showing
# them.
show_or_save("plot_quadratic_net_pruning")
