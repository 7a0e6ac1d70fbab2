"""Run the gallery examples and check the key number each one computes."""

import os
import runpy
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression, RidgeCV
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from skprune._oracles import rank_r_least_squares, relative_error

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
os.environ["MPLBACKEND"] = "Agg"

import matplotlib.pyplot as plt  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name):
    """Run ``examples/<name>`` as a newcomer would (the package chooses its BLAS
    threads) and return its module namespace."""
    plt.close("all")
    namespace = runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    n_figures = len(plt.get_fignums())
    plt.close("all")
    assert n_figures >= 1, f"{name} produced no figure"
    return namespace


def test_every_example_is_tested():
    tested = {
        "plot_quadratic_net_pruning.py",
        "plot_matrix_sensing_pruning.py",
        "plot_model_selection.py",
    }
    assert {path.name for path in EXAMPLES.glob("plot_*.py")} == tested


def test_plot_quadratic_net_pruning():
    ns = run_example("plot_quadratic_net_pruning.py")
    planted_factor = ns["planted_factor"]
    planted_width = planted_factor.shape[1]
    n_features = planted_factor.shape[0]

    # the pruned width is the planted one; without the penalty it is larger
    assert ns["pruned_width"] == planted_width
    assert ns["penalized"].n_components_ == planted_width
    assert ns["unpenalized"].n_components_ > planted_width
    # the kept neurons have the size of the planted ones. The trained factor
    # is U* R up to the noise and the penalty's shrinkage, for some rotation R
    # the penalty only weakly pins down, so compare what is rotation-invariant:
    # sum_j ||u_j||^2 = ||U*||_F^2, and (Schur-Horn) every ||u_j||^2 lies
    # between the smallest and largest squared singular values of U*.
    kept_norms = np.sort(ns["penalized"].column_norms_)[::-1][:planted_width]
    singular_values = np.linalg.svd(planted_factor, compute_uv=False)
    np.testing.assert_allclose(
        np.sum(kept_norms**2), np.sum(singular_values**2), rtol=0.05
    )
    assert singular_values.min() * 0.95 <= kept_norms.min()
    assert kept_norms.max() <= singular_values.max() * 1.05

    results = ns["results"]
    paper = results["pruned net (paper)"]
    assert paper["parameters"] == n_features * planted_width
    # the pruned network is within 10% of the noise level on the test set
    assert paper["test MSE"] <= 1.1 * ns["noise_floor"]
    # and its test MSE matches a direct evaluation of its fitted weights
    X_test, y_test = ns["X_test"], ns["y_test"]
    weights = ns["models"]["pruned net (paper)"].components_.T
    direct = np.mean((np.sum((X_test @ weights) ** 2, axis=1) - y_test) ** 2)
    assert paper["test MSE"] == pytest.approx(direct)


def test_plot_matrix_sensing_pruning():
    ns = run_example("plot_matrix_sensing_pruning.py")
    planted_factor = ns["planted_factor"]
    rank = planted_factor.shape[1]

    # the penalty recovers the rank; without it pruning keeps more columns
    assert ns["penalized"].n_components_ == rank
    assert ns["unpenalized"].n_components_ > rank
    assert all(pruned == rank for pruned, _ in ns["kept"])
    assert all(plain > rank for _, plain in ns["kept"])

    # fine-tuning by gradient descent converged linearly
    assert ns["rate"] < 0.9
    assert np.all(np.diff(ns["penalized"].refit_loss_curve_) <= 0)

    # with the rank found, the pruned model matches a rank-r least-squares fit
    # computed here independently of skprune's estimators (skprune/_oracles.py),
    # as does the example's own oracle; that error shrinks with n like
    # sqrt(r d / n)
    pruned = np.array(ns["sweep"]["pruned + fine-tuned"])
    oracle = []
    for n in ns["sample_sizes"]:
        V, _ = rank_r_least_squares(ns["X_all"][:n], ns["y_all"][:n], rank)
        oracle.append(relative_error(V, planted_factor))
    oracle = np.array(oracle)
    np.testing.assert_allclose(pruned, oracle, rtol=0.02)
    np.testing.assert_allclose(ns["sweep"]["oracle (rank known)"], oracle, rtol=0.02)
    reference = ns["noise"] * np.sqrt(
        rank * planted_factor.shape[0] / np.array(ns["sample_sizes"])
    )
    reference /= np.linalg.norm(planted_factor @ planted_factor.T)
    np.testing.assert_allclose(oracle, reference, rtol=0.3)


def test_plot_model_selection(tmp_path, monkeypatch):
    """References independent of skprune: the planted rank and eigenvalues (by
    construction), the rank-3 least-squares oracle of ``skprune/_oracles.py``, the
    noise level, the selection rules recomputed from ``mse_path_`` with numpy,
    and scikit-learn's polynomial ridge and linear regression scored here."""
    monkeypatch.chdir(tmp_path)
    ns = run_example("plot_model_selection.py")
    assert not any(tmp_path.iterdir()), "the example wrote files"

    # -- matrix sensing: the planted M* has eigenvalues 1, 0.3, 0.1 ------------------
    X, y, U_star = ns["X"], ns["y"], ns["planted_factor"]
    rank = U_star.shape[1]
    assert rank == 3
    assert_allclose(
        np.linalg.eigvalsh(U_star @ U_star.T), [0] * 7 + [0.1, 0.3, 1.0], atol=1e-12
    )
    V_oracle, _ = rank_r_least_squares(X, y, rank)
    oracle_error = relative_error(V_oracle, U_star)

    # the default alpha=0.1 loses the weakest direction and pays for it
    default = ns["default"]
    assert default.alpha == 0.1
    assert default.n_components_ == rank - 1
    assert relative_error(default.components_.T, U_star) > 5 * oracle_error
    # both rules keep the planted rank, within 5% of the oracle's error
    for rule, model in ns["cv_models"].items():
        assert model.selection_rule == rule
        assert model.n_components_ == rank
        error = relative_error(model.components_.T, U_star)
        assert error <= 1.05 * oracle_error + 1e-4, (rule, error, oracle_error)
        # the error the example prints is the same quantity
        assert ns["relative_error"](model.components_.T) == pytest.approx(error)

    # the rules, recomputed from the folds' errors
    best, small = ns["cv_models"]["min"], ns["cv_models"]["1se"]
    assert_array_equal(best.mse_path_, small.mse_path_)
    mean = best.mse_path_.mean(axis=1)
    n_folds = best.mse_path_.shape[1]
    standard_error = best.mse_path_.std(axis=1, ddof=1) / np.sqrt(n_folds)
    i = int(np.argmin(mean))
    j = int(np.flatnonzero(mean <= mean[i] + standard_error[i])[0])
    assert best.alpha_ == best.alphas_[i]
    assert small.alpha_ == best.alphas_[j] >= best.alpha_
    # at the chosen alpha the held-out error is about the noise variance
    assert 0.9 * ns["noise"] ** 2 <= mean[i] <= 1.2 * ns["noise"] ** 2
    # the plotted number of columns grows from 0 to the rank along the path,
    # and is the chosen model's rank at alpha_
    kept = ns["sensing_kept"]
    assert kept[0] == 0 and kept[-1] == rank and np.all(np.diff(kept) >= 0)
    assert kept[i] == best.n_components_
    assert kept[np.argmin(np.abs(np.log(best.alphas_ / 0.1)))] == rank - 1

    # -- diabetes --------------------------------------------------------------------
    X_d, y_d = load_diabetes(return_X_y=True)
    d = X_d.shape[1]
    net = ns["net"]
    net_mean = net.mse_path_.mean(axis=1)
    net_se = net.mse_path_.std(axis=1, ddof=1) / np.sqrt(net.mse_path_.shape[1])
    best_net = int(np.argmin(net_mean))
    assert net.alpha_ == net.alphas_[best_net]
    within = np.flatnonzero(net_mean <= net_mean[best_net] + net_se[best_net])
    assert ns["net_alpha_1se"] == net.alphas_[within[0]]
    assert ns["net_kept"][best_net] == net.n_components_

    folds = KFold(5, shuffle=True, random_state=0)
    ridge = make_pipeline(
        StandardScaler(), PolynomialFeatures(2), RidgeCV(alphas=np.logspace(-3, 3, 13))
    )
    ridge_scores = cross_val_score(ridge, X_d, y_d, cv=folds)
    linear_scores = cross_val_score(LinearRegression(), X_d, y_d, cv=folds)
    scores = ns["scores"]
    assert_allclose(scores["polynomial ridge"], ridge_scores, rtol=1e-10)
    assert_allclose(scores["linear regression"], linear_scores, rtol=1e-10)
    # the network predicts at least as well as the polynomial ridge, with fewer
    # weights: 1 + d + d (d + 1) / 2 polynomial features plus an intercept
    assert scores["QuadraticNetPrunerCV"].mean() >= ridge_scores.mean()
    parameters = ns["parameters"]
    assert parameters["polynomial ridge"] == 1 + d + d * (d + 1) // 2 + 1
    assert parameters["QuadraticNetPrunerCV"] == max(ns["outer_widths"]) * d + d + 1
    assert parameters["QuadraticNetPrunerCV"] < parameters["polynomial ridge"]


def test_every_example_ends_by_showing_or_saving_its_figures():
    """So that ``--save DIR`` works headless (show_or_save itself is tested
    in tests/test_plotting.py)."""
    for path in EXAMPLES.glob("plot_*.py"):
        last = path.read_text().strip().splitlines()[-1]
        assert last == f'show_or_save("{path.stem}")', path.name
