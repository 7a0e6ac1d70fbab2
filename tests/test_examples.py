"""Run the gallery examples and check the key number each one computes."""

import os
import runpy
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
os.environ["MPLBACKEND"] = "Agg"

import matplotlib.pyplot as plt  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name):
    """Run ``examples/<name>`` and return its module namespace.

    BLAS is limited to one thread: the examples multiply small matrices, for
    which a second OpenBLAS thread brings nothing and, on a busy machine, can
    make a fit many times slower.
    """
    plt.close("all")
    with threadpool_limits(limits=1, user_api="blas"):
        namespace = runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    n_figures = len(plt.get_fignums())
    plt.close("all")
    assert n_figures >= 1, f"{name} produced no figure"
    return namespace


def test_every_example_is_tested():
    tested = {"plot_quadratic_net_pruning.py", "plot_matrix_sensing_pruning.py"}
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
    # the kept neurons have the size of the planted ones: their norms are the
    # singular values of U*, up to the noise
    kept_norms = np.sort(ns["penalized"].column_norms_)[::-1][:planted_width]
    singular_values = np.linalg.svd(planted_factor, compute_uv=False)
    np.testing.assert_allclose(kept_norms, singular_values, rtol=0.05)

    results = ns["results"]
    paper = results["pruned net (paper)"]
    assert paper["parameters"] == n_features * planted_width
    # the pruned network is within 10% of the noise level on the test set
    assert paper["test MSE"] <= 1.1 * ns["noise_floor"]
    # and its test MSE matches a direct evaluation of its fitted weights
    X_test, y_test = ns["X_test"], ns["y_test"]
    weights = ns["models"]["pruned net (paper)"].components_
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

    # with the rank found, the pruned model matches the oracle that knows it,
    # whose error shrinks with n like sqrt(r d / n)
    pruned = np.array(ns["sweep"]["pruned + fine-tuned"])
    oracle = np.array(ns["sweep"]["oracle (rank known)"])
    np.testing.assert_allclose(pruned, oracle, rtol=0.02)
    reference = ns["noise"] * np.sqrt(
        rank * planted_factor.shape[0] / np.array(ns["sample_sizes"])
    )
    reference /= np.linalg.norm(planted_factor @ planted_factor.T)
    np.testing.assert_allclose(oracle, reference, rtol=0.3)
