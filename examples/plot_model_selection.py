"""
==========================================================
Choosing the penalty by cross-validation: "min" or "1se"
==========================================================

The group-Lasso penalty decides how many columns survive pruning: too strong
and a weak direction of the planted matrix is lost, too weak and the model
fits noise. :class:`~skprune.GroupLassoMatrixSensingCV` and
:class:`~skprune.QuadraticNetPrunerCV` choose its relative strength ``alpha``
by cross-validation along a warm-started path, as
:class:`~sklearn.linear_model.LassoCV` does for the Lasso. You will see, on a
matrix-sensing problem whose planted eigenvalues span a factor of ``10``, how
the columns enter one by one as ``alpha`` falls, where the default
``alpha=0.1`` loses the weakest one, and which ``alpha`` the two selection
rules pick; then the same selection on real tabular data, the diabetes data
set, with a network of quadratic neurons compared with a polynomial ridge
regression.
"""

# %%
# An ill-conditioned planted matrix
# ---------------------------------
# ``M* = U* U*^T`` is a ``10 x 10`` PSD matrix with eigenvalues ``1``, ``0.3``
# and ``0.1`` (orthonormal eigenvectors from a QR factorization), observed
# through ``n = 600`` Gaussian measurements ``y_i = <A_i, M*> + noise`` with
# noise level ``0.05``. The weakest direction carries a tenth of the
# strongest one's energy: a penalty tuned for the strong directions can miss
# it.

import warnings
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, RidgeCV
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from skprune import (
    GroupLassoMatrixSensing,
    GroupLassoMatrixSensingCV,
    QuadraticNetPrunerCV,
)
from skprune.plotting import show_or_save

n_samples, n_features, noise = 600, 10, 0.05
eigenvalues = np.array([1.0, 0.3, 0.1])
rank = eigenvalues.size

rng = np.random.RandomState(1)
basis, _ = np.linalg.qr(rng.standard_normal((n_features, rank)))
planted_factor = basis * np.sqrt(eigenvalues)
planted = planted_factor @ planted_factor.T
X = rng.standard_normal((n_samples, n_features, n_features))
y = np.einsum("nab,ab->n", X, planted) + noise * rng.standard_normal(n_samples)


def relative_error(factor):
    """``||U U^T - M*||_F / ||M*||_F``."""
    return np.linalg.norm(factor @ factor.T - planted) / np.linalg.norm(planted)


print(f"d={n_features}, n={n_samples}, noise={noise}, eigenvalues of M*: {eigenvalues}")

# %%
# The default penalty against cross-validation
# --------------------------------------------
# We fit the default :class:`~skprune.GroupLassoMatrixSensing` (``alpha=0.1``
# of ``lambda_max``, the penalty at which no column can grow), the CV
# estimator with each selection rule on a grid of 20 strengths from ``1`` down
# to ``0.01``, and an oracle that knows the rank (``n_components=3`` and no
# penalty: the rank-3 least-squares fit).
#
# - ``selection_rule="min"`` takes the ``alpha`` of the smallest mean
#   held-out error;
# - ``selection_rule="1se"`` takes the strongest penalty whose mean error is
#   within one standard error (over the folds) of that minimum.

default = GroupLassoMatrixSensing(random_state=0).fit(X, y)
cv_models = {}
for rule in ["min", "1se"]:
    cv_models[rule] = GroupLassoMatrixSensingCV(
        alphas=20, selection_rule=rule, random_state=0
    ).fit(X, y)
oracle = GroupLassoMatrixSensing(rank, alpha=0.0, random_state=0).fit(X, y)

sensing_results = {
    "default, alpha=0.1": (default.alpha, default),
    'CV, rule "min"': (cv_models["min"].alpha_, cv_models["min"]),
    'CV, rule "1se"': (cv_models["1se"].alpha_, cv_models["1se"]),
    "oracle (rank known)": (None, oracle),
}
print(f"\n{'model':<22}{'alpha':>8}{'rank kept':>11}{'relative error':>16}")
for name, (alpha, model) in sensing_results.items():
    shown_alpha = "-" if alpha is None else f"{alpha:.3f}"
    print(
        f"{name:<22}{shown_alpha:>8}{model.n_components_:>11}"
        f"{relative_error(model.components_.T):>16.4f}"
    )

# %%
# The default penalty keeps two columns: the direction of eigenvalue ``0.1``
# is lost, and the error is about ten times that of the oracle. Both CV rules
# keep all three and match the oracle.
#
# The path and the cross-validation error
# ---------------------------------------
# The CV estimators store what they saw. ``column_norms_path_`` holds the
# trained column norms at every ``alpha`` of the path on all the data (before
# pruning), ``mse_path_`` the held-out mean squared error in every fold and
# ``n_components_path_`` the columns kept in every fold.
#
# In the top panel each line is one of the ``k = 10`` columns. As ``alpha``
# falls, the columns cross the prune threshold ``sqrt(beta_)`` (dashed) one at
# a time, in the order of the eigenvalues, and settle at the norms
# ``sqrt(eigenvalue)`` of the planted columns (crosses); the seven others stay
# many orders of magnitude below. The default ``alpha=0.1`` (dotted) falls
# just before the third column crosses.
#
# In the bottom panel the CV error drops by up to an order of magnitude each
# time a direction enters, then lies flat just above the noise level
# ``noise^2`` (dotted): once the three directions are in, a weaker penalty
# changes nothing: every fold keeps the same columns there, and their
# fine-tuned model does not depend on ``alpha``, so the plateau's errors are
# equal and both rules pick its strongest end. The steps are the number of
# columns kept on all the data (right axis).


def mean_and_standard_error(cv_model):
    """Mean over the folds of ``mse_path_`` and its standard error."""
    mse_path = cv_model.mse_path_
    n_folds = mse_path.shape[1]
    return mse_path.mean(axis=1), mse_path.std(axis=1, ddof=1) / np.sqrt(n_folds)


def plot_cv_error(cv_model, chosen, ax, kept_label):
    """CV error with one-standard-error bars, a vertical line at each chosen
    ``alpha``, and the number of columns kept on all the data on a twin axis."""
    alphas = cv_model.alphas_
    mean, standard_error = mean_and_standard_error(cv_model)
    ax.errorbar(
        alphas,
        mean,
        yerr=standard_error,
        fmt="o-",
        color="C0",
        markersize=4,
        capsize=3,
        label="mean CV error +- 1 standard error",
    )
    for (label, alpha), color in zip(chosen.items(), ["C3", "C2"], strict=True):
        ax.axvline(alpha, color=color, linewidth=2, label=f"{label}: {alpha:.3g}")
    ax.set_xscale("log")
    ax.set_xlabel("relative penalty strength alpha (fraction of lambda_max)")
    ax.set_ylabel("held-out mean squared error")
    kept = np.sum(cv_model.column_norms_path_ > cv_model.prune_threshold_, axis=1)
    twin = ax.twinx()
    twin.step(alphas, kept, where="mid", color="0.4", linestyle="-", alpha=0.7)
    twin.set_ylabel(kept_label, color="0.3")
    # leave the upper part of the panel to the legend
    twin.set_ylim(-0.3, 1.6 * max(kept.max(), 1) + 0.5)
    twin.yaxis.set_major_locator(MaxNLocator(integer=True))
    return kept


best = cv_models["min"]
chosen_sensing = {f'"{rule}"': model.alpha_ for rule, model in cv_models.items()}
fig, (ax_norms, ax_error) = plt.subplots(
    2, 1, figsize=(7.0, 8.0), sharex=True, layout="constrained"
)
ax_norms.plot(best.alphas_, best.column_norms_path_, "-", color="C0", alpha=0.8)
ax_norms.plot(
    np.full(rank, best.alphas_[-1]),
    np.sqrt(eigenvalues),
    "kx",
    markersize=10,
    label="planted column norms sqrt(eigenvalues)",
)
ax_norms.axhline(
    best.prune_threshold_,
    color="k",
    linestyle="--",
    label=f"prune threshold {best.prune_threshold_:.3f}",
)
for ax in (ax_norms, ax_error):
    ax.axvline(default.alpha, color="0.5", linestyle=":", linewidth=2)
ax_norms.annotate(
    " default alpha=0.1",
    (default.alpha, 0.5),
    xycoords=("data", "axes fraction"),
    color="0.4",
    fontsize="small",
)
ax_norms.set_yscale("log")
ax_norms.set_ylabel("trained column norm ||u_j|| (log scale)")
ax_norms.set_title(f"Column norms along the path (d = k = {n_features})")
ax_norms.legend(loc="lower left", fontsize="small")

sensing_kept = plot_cv_error(
    best, chosen_sensing, ax_error, "columns kept on all the data"
)
ax_error.axhline(noise**2, color="k", linestyle=":", label=f"noise^2 = {noise**2:g}")
ax_error.set_yscale("log")
ax_error.set_title("5-fold CV error of the pruned, fine-tuned model")
ax_error.legend(loc="upper right", fontsize="small")
ax_error.invert_xaxis()  # strong penalty on the left, as the path runs

# %%
# Real data: a quadratic network on the diabetes data
# ---------------------------------------------------
# :class:`~skprune.QuadraticNetPrunerCV` chooses the width of a network
# ``f(x) = sum_j s_j (w_j . x)^2 + b . x + c`` with ``2 d = 20`` neurons before
# pruning, on standardized inputs. On the 442 patients of
# :func:`~sklearn.datasets.load_diabetes` the path has a different shape: the
# error is smallest with one neuron and grows as more neurons enter.
#
# To keep the example fast, the grid has 8 strengths from ``1`` down to
# ``eps=0.1`` instead of the default 12 down to ``0.01``: on these data the
# weaker penalties only add neurons that fit noise, and skipping them saves
# about 40% of the time. (With the default grid every outer fold below keeps
# the same number of neurons, and the mean R^2 changes by less than 1e-4.)
#
# Two kinds of warnings are silenced here: at the weakest penalty, where many
# neurons are kept, the training of a fold can stop at its iteration limit
# (that point is far from the chosen one), and a fit that keeps no neuron
# says so (here a plain linear model is a legitimate answer).

X_diabetes, y_diabetes = load_diabetes(return_X_y=True)


@contextmanager
def quiet():
    """Silence the two warnings discussed above, inside a ``with`` block."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        warnings.filterwarnings("ignore", message="Every column", category=UserWarning)
        yield


with quiet():
    net = QuadraticNetPrunerCV(alphas=8, eps=0.1, random_state=0)
    net.fit(X_diabetes, y_diabetes)
net_mean, net_standard_error = mean_and_standard_error(net)
best_index = int(np.argmin(net_mean))
within = net_mean <= net_mean[best_index] + net_standard_error[best_index]
net_alpha_1se = net.alphas_[np.flatnonzero(within)[0]]
print(
    f"\ndiabetes: alpha_={net.alpha_:.3f} keeps {net.n_components_} of "
    f"{net.column_norms_.size} neurons; the 1se rule would take "
    f"alpha={net_alpha_1se:.3f}"
)

# %%
# The mean CV error barely moves between ``alpha = 1`` (no neuron: the linear
# part alone) and the chosen ``alpha_`` (one neuron), compared with its
# standard error, so "1se" (computed here from the same ``mse_path_``,
# without refitting) would settle for the linear model. Weaker penalties let
# more neurons in and the error rises: the extra neurons fit noise.

fig, ax = plt.subplots(figsize=(7.0, 4.2), layout="constrained")
net_kept = plot_cv_error(
    net,
    {'"min" (alpha_)': net.alpha_, '"1se"': net_alpha_1se},
    ax,
    "neurons kept on all the data",
)
ax.plot(net.alpha_, net_mean[best_index], "r*", markersize=14)
ax.set_title("QuadraticNetPrunerCV on the diabetes data: 5-fold CV error")
ax.legend(loc="upper left", fontsize="small")
ax.invert_xaxis()

# %%
# Held-out R^2 against a polynomial ridge regression
# --------------------------------------------------
# Nested cross-validation: 5 shuffled outer folds; in each, the network's
# ``alpha`` is chosen by its own inner 5-fold CV on the training part. The
# reference is a ridge regression on all degree-2 monomials of the
# standardized inputs (which chooses its penalty by internal CV too), and an
# ordinary least-squares linear model. ``params`` counts fitted weights:
# ``n_components_ * d`` hidden weights plus the linear part and intercept for
# the network (in the worst outer fold), the ``66`` polynomial features plus an
# intercept for the ridge.

outer_folds = KFold(5, shuffle=True, random_state=0)
n_diabetes_features = X_diabetes.shape[1]
comparison = {
    "QuadraticNetPrunerCV": clone(net),  # the same settings, unfitted
    "polynomial ridge": make_pipeline(
        StandardScaler(), PolynomialFeatures(2), RidgeCV(alphas=np.logspace(-3, 3, 13))
    ),
    "linear regression": LinearRegression(),
}
scores, parameters = {}, {}
for name, model in comparison.items():
    with quiet():
        result = cross_validate(
            model,
            X_diabetes,
            y_diabetes,
            cv=outer_folds,
            n_jobs=2,
            return_estimator=True,
        )
    scores[name] = result["test_score"]
    fitted = result["estimator"]
    if name == "QuadraticNetPrunerCV":
        outer_widths = [estimator.n_components_ for estimator in fitted]
        outer_alphas = [estimator.alpha_ for estimator in fitted]
        parameters[name] = max(outer_widths) * n_diabetes_features
        parameters[name] += n_diabetes_features + 1
    elif name == "polynomial ridge":
        parameters[name] = fitted[0][1].n_output_features_ + 1
    else:
        parameters[name] = n_diabetes_features + 1

print(f"\n{'model':<22}{'R^2 mean':>10}{'std':>8}{'params':>8}")
for name, score in scores.items():
    print(f"{name:<22}{score.mean():>10.4f}{score.std():>8.4f}{parameters[name]:>8}")
print(
    f"network, per outer fold: alpha_ {np.round(outer_alphas, 3).tolist()}, "
    f"neurons {outer_widths}"
)

# %%
# The pruned network predicts at least as well as the polynomial ridge with a
# fraction of its weights. The comparison with the linear model shows why:
# cross-validation keeps at most one neuron, so the diabetes targets hold
# little quadratic structure, and the network's advantage over the ridge is
# that it does not pay for ``55`` quadratic coefficients it does not need.
#
# When to use which rule
# ----------------------
# - ``selection_rule="min"`` (the default) when the goal is prediction: it
#   takes the ``alpha`` of the smallest estimated error, and the strongest
#   penalty of a plateau where the kept columns, hence the fine-tuned models
#   and their errors, do not change (the matrix-sensing problem above).
# - ``selection_rule="1se"`` when the rank or width itself is what you want,
#   or a smaller model is worth a little accuracy: it takes the smallest model
#   whose error is within the noise of the best one, so a direction (or a
#   neuron) that improves the fit by less than the spread between folds does
#   not count. On the diabetes data it settles for the linear model.
#
# In both cases the chosen model keeps only columns that cross the prune
# threshold; the path plots above show how far from it they are, which is
# worth a look before trusting the rank.

# Run as ``python examples/plot_model_selection.py --save DIR`` on a
# machine without a screen to write the figures to ``DIR`` instead of showing
# them.
show_or_save("plot_model_selection")
