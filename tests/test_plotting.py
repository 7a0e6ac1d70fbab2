"""plot_column_norms draws exactly the fitted quantities it promises."""

import numpy as np
import pytest

from skprune import GroupLassoMatrixSensing
from skprune.datasets import make_matrix_sensing
from skprune.plotting import plot_column_norms

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def test_plot_column_norms_draws_sorted_norms_thresholds_and_planted_values():
    """Reference: np.sort of column_norms_, prune_threshold_ and the singular
    values of the planted factor computed here with np.linalg.svd."""
    X, y, planted = make_matrix_sensing(
        300, 6, 2, noise=0.05, random_state=0, return_factor=True
    )
    models = [
        GroupLassoMatrixSensing(random_state=0).fit(X, y),
        GroupLassoMatrixSensing(alpha=0.0, init="random", random_state=0).fit(X, y),
    ]
    ax = plot_column_norms(models, ["penalized", "plain"], planted_factor=planted)
    norm_lines, threshold_lines, crosses = (
        ax.lines[0::2][:2],
        ax.lines[1::2],
        ax.lines[4],
    )
    for model, line in zip(models, norm_lines, strict=True):
        np.testing.assert_array_equal(
            line.get_ydata(), np.sort(model.column_norms_)[::-1]
        )
        assert line.get_label().endswith(f"keeps {model.n_components_}")
    for model, line in zip(models, threshold_lines, strict=True):
        assert line.get_ydata()[0] == model.prune_threshold_
    np.testing.assert_allclose(
        crosses.get_ydata(), np.linalg.svd(planted, compute_uv=False)
    )
    assert ax.get_yscale() == "log"
    matplotlib.pyplot.close(ax.figure)


def test_show_or_save_writes_one_png_per_figure_or_asks_for_a_directory(tmp_path):
    import matplotlib.pyplot as plt

    from skprune.plotting import show_or_save

    plt.close("all")
    plt.figure()
    plt.figure()
    paths = show_or_save("demo", ["--save", str(tmp_path / "out")])
    assert sorted(path.name for path in paths) == ["demo_1.png", "demo_2.png"]
    assert all(path.stat().st_size > 0 for path in paths)
    assert show_or_save("demo", []) == []  # shown (a no-op without a screen)
    with pytest.raises(ValueError, match="--save needs a directory"):
        show_or_save("demo", ["--save"])
    plt.close("all")
