"""``python -m skprune reproduce``: the quick run's numbers, files and CLI.

The quick reproduction runs once for the module (through the command line,
into a temporary directory); the tests read back what it wrote. The
references are the theory's closed forms (the slope -1/2 of the error, -1 of
the network's squared test error, the zero optimal loss of noiseless data,
the planted rank and width) and the independent oracles of
``skprune/_oracles.py`` (the rank-r least squares, the nuclear norm), never
the estimators run with other settings.
"""

import contextlib
import io
import math

import numpy as np
import pytest

from skprune._oracles import (
    explicit_matrices,
    nuclear_norm_least_squares,
    planted_spectrum_problem,
)
from skprune.cli import main
from skprune.reproduce import OUTPUT_FILES, QUICK, expected_duration, read_table
from skprune.reproduce.claims import (
    gap_ratio,
    in_theory_regime,
    linear_rate,
    log_log_slope,
    noise_correlation_norm,
)
from skprune.reproduce.table import format_measured, parse_measured

image = pytest.importorskip("matplotlib.image")

CLAIMS = ["norms", "rate", "fine_tuning", "recovery", "network"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """Run ``python -m skprune reproduce --quick --n-jobs 2`` once; return the
    output directory, the claims table read back, and the printed lines. Two
    workers: the configurations then go through joblib as in the full run
    (and take half the time once earlier tests have started the workers)."""
    out = tmp_path_factory.mktemp("reproduce") / "out"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        main(["reproduce", "--quick", "--out", str(out), "--n-jobs", "2"])
    return out, read_table(out / "claims.csv"), printed.getvalue().splitlines()


def measured(quick_run, claim):
    return quick_run[1][claim]["measured"]


# -- the files --------------------------------------------------------------------


def test_every_figure_is_a_valid_modest_png(quick_run):
    out = quick_run[0]
    assert sorted(path.name for path in out.iterdir()) == sorted(OUTPUT_FILES)
    for name in OUTPUT_FILES:
        if not name.endswith(".png"):
            continue
        data = (out / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE), name
        assert 10_000 < len(data) < 200_000, (name, len(data))
        pixels = image.imread(out / name)
        height, width = pixels.shape[:2]
        assert height >= 300 and width >= 500, (name, pixels.shape)
        assert np.ptp(pixels[..., :3]) > 0.5, f"{name} is blank"


def test_the_table_has_one_passing_row_per_claim(quick_run):
    out, table, _ = quick_run
    assert list(table) == CLAIMS
    for claim, row in table.items():
        assert row["figure"] == f"{claim}.png"
        assert row["passed"], (claim, row["measured"])
        # Only the nuclear-norm slope may be missing (no cvxpy in a quick run).
        numbers = {
            k: v for k, v in row["measured"].items() if k != "nuclear_norm_slope"
        }
        assert not any(math.isnan(value) for value in numbers.values()), (
            claim,
            numbers,
        )
    markdown = (out / "claims.md").read_text().splitlines()
    rows = [line for line in markdown if line.startswith("| ") and "[" in line]
    assert [row.split(" | ")[0] for row in rows] == [f"| {c}" for c in CLAIMS]
    # every row has its six cells: no pipe of ||M||_F broke the table
    assert all(row.count(" | ") == 5 for row in rows)
    assert "quick run" in markdown[-1]


def test_progress_line_per_configuration_and_the_expected_duration(quick_run):
    lines = quick_run[2]
    assert lines[0].startswith("skprune reproduce: quick run: about")
    full = expected_duration(quick=False, n_jobs=-1)
    assert "minutes with 2 worker(s)" in full and "--n-jobs 1" in full
    settings = QUICK
    expected = {
        "norms": settings["norms"]["n_seeds"],
        "rate": settings["rate"]["n_seeds"] * len(settings["rate"]["sample_factors"]),
        "fine-tuning": settings["fine_tuning"]["n_seeds"],
        "recovery": len(settings["recovery"]["n_features"])
        * len(settings["recovery"]["ranks"])
        * len(settings["recovery"]["width_factors"])
        * len(settings["recovery"]["noises"]),
        "network": settings["network"]["n_seeds"]
        * len(settings["network"]["sample_factors"]),
    }
    for label, count in expected.items():
        progress = [line for line in lines if line.startswith(f"[{label} ")]
        assert len(progress) == count, label
        assert progress[-1].startswith(f"[{label} {count}/{count}]")
    assert lines[-1].startswith("5 of 5 claims pass")


# -- the claims, against closed forms and oracles -----------------------------------


def test_negative_result_the_penalty_separates_the_norms_and_alpha_zero_does_not(
    quick_run,
):
    """Reference: the planted rank r. With the penalty the r-th and (r+1)-th
    largest norms differ by more than 100 times and pruning keeps r; without
    it they are within a factor of 10 on every seed, and pruning keeps more."""
    numbers = measured(quick_run, "norms")
    assert numbers["kept_with_penalty_all_r"] == 1
    assert numbers["gap_ratio_with_penalty_max"] <= 1e-2
    assert numbers["gap_ratio_without_penalty_min"] >= 0.1
    assert numbers["kept_without_penalty_median"] > QUICK["norms"]["rank"]
    assert numbers["seeds"] == QUICK["norms"]["n_seeds"]


def test_error_falls_like_one_over_sqrt_n_as_the_oracle(quick_run):
    """References: the theory's slope -1/2, and the rank-r least-squares oracle
    and the nuclear-norm estimator on the same data."""
    numbers = measured(quick_run, "rate")
    assert numbers["target_slope"] == -0.5
    assert abs(numbers["slope"] + 0.5) <= 0.15
    assert abs(numbers["oracle_slope"] + 0.5) <= 0.15
    assert numbers["rank_recovered_rate"] == 1
    assert numbers["error_over_oracle_max"] <= 1.05
    if quick_run[1]["rate"]["note"]:
        assert "cvxpy not installed" in quick_run[1]["rate"]["note"]
        assert math.isnan(numbers["nuclear_norm_slope"])
    else:
        assert abs(numbers["nuclear_norm_slope"] + 0.5) <= 0.2


def test_fine_tuning_is_linear_where_gradient_descent_without_pruning_crawls(
    quick_run,
):
    """Reference: the optimal loss of noiseless data, exactly zero. In as many
    steps as fine-tuning takes, its gap falls at least a million times (a
    constant factor per step); without pruning it falls less than 10 times."""
    numbers = measured(quick_run, "fine_tuning")
    assert numbers["kept_all_r"] == 1
    assert numbers["fine_tuning_reduction_min"] >= 1e6
    assert numbers["rate_per_step_max"] <= 0.9
    assert numbers["no_pruning_reduction_last_T_max"] < 10
    # a power of t, not a constant factor: the tail is a line on log-log axes
    assert numbers["no_pruning_tail_loglog_slope_median"] < 0


def test_rank_recovery_in_the_theory_regime(quick_run):
    """Reference: the planted rank. At least 95% of the fits in the regime
    keep it; the grid also reaches noise levels where pruning breaks down."""
    numbers = measured(quick_run, "recovery")
    assert numbers["recovery_rate_in_regime"] >= 0.95
    assert numbers["fits_in_regime"] >= 50
    assert numbers["recovery_rate_outside"] < 0.9


def test_network_width_and_test_error(quick_run):
    """References: the planted width, the slope -1 of a squared error, and
    the rank-r least-squares oracle on the same samples."""
    numbers = measured(quick_run, "network")
    assert numbers["width_recovered_rate"] == 1
    assert abs(numbers["test_error_slope"] + 1) <= 0.3
    assert numbers["test_error_over_oracle_max"] <= 1.05


# -- the command line ------------------------------------------------------------------


def test_reproduce_help_lists_its_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["reproduce", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for option in ["--quick", "--out", "--n-jobs", "(default: reproduce)"]:
        assert option in text
    for name in OUTPUT_FILES:
        assert name in text


def test_an_existing_file_as_out_is_refused_before_any_work(tmp_path, capsys):
    path = tmp_path / "taken.txt"
    path.write_text("keep me")
    with pytest.raises(SystemExit) as exit_info:
        main(["reproduce", "--quick", "--out", str(path)])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert "is an existing file, not a directory" in captured.err
    assert "usage" in captured.err
    assert captured.out == ""  # nothing ran
    assert path.read_text() == "keep me"


def test_out_under_a_file_and_zero_jobs_are_refused(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    for argv, message in [
        (["--out", str(tmp_path / "file" / "sub")], "cannot create or write"),
        (["--n-jobs", "0", "--out", str(tmp_path / "ok")], "--n-jobs"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main(["reproduce", "--quick", *argv])
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err


# -- the pieces, against closed forms ------------------------------------------------


def test_measures_on_closed_forms():
    assert gap_ratio([4.0, 2.0, 0.02, 0.01], 2) == pytest.approx(0.01)
    steps = np.arange(30)
    assert linear_rate(3.0 * 0.7**steps) == pytest.approx(0.7)
    # A curve that reaches exactly zero is fitted up to its first zero.
    reaching_zero = np.append(3.0 * 0.7**steps, [0.0, 0.0])
    assert linear_rate(reaching_zero) == pytest.approx(0.7)
    assert linear_rate([1.0, 0.0, 0.0]) == 0.0
    n = np.array([100, 400, 1600])
    assert log_log_slope(n, 2.0 / np.sqrt(n)) == pytest.approx(-0.5)
    # noise * sqrt(2 d / n) against alpha / 2 = 0.05 (the default alpha=0.1)
    assert noise_correlation_norm(200, 10, 0.1) == pytest.approx(0.1 * np.sqrt(0.1))
    assert in_theory_regime(200, 10, 0.15)  # 0.047
    assert not in_theory_regime(200, 10, 0.17)  # 0.054
    measured = {"slope": -0.512345678, "seeds": 4.0, "rate": 3.0876e20}
    parsed = parse_measured(format_measured(measured))
    assert parsed == pytest.approx(measured, rel=1e-6)


def test_nuclear_norm_by_qr_reduction_solves_the_original_problem():
    """Reference: the nuclear-norm problem written here with all n rows; the
    package reduces the rows to d^2 by a QR decomposition when n > d^2."""
    cp = pytest.importorskip("cvxpy")
    solver = "CLARABEL" if "CLARABEL" in cp.installed_solvers() else "SCS"
    n, d, strength = 60, 4, 0.05
    X, y, _ = planted_spectrum_problem(
        0, "gaussian", n_samples=n, n_features=d, eigenvalues=[1.0, 0.5], noise=0.1
    )
    reduced, info = nuclear_norm_least_squares(X, y, strength, solver=solver)
    assert info["status"] == "optimal"

    flat = explicit_matrices(X).reshape(n, d * d)
    M = cp.Variable((d, d), PSD=True)
    objective = cp.sum_squares(flat @ cp.vec(M, order="C") - y) / (2 * n)
    cp.Problem(cp.Minimize(objective + strength * cp.trace(M))).solve(solver=solver)
    tolerance = 1e-5 if solver == "CLARABEL" else 1e-3
    np.testing.assert_allclose(reduced, M.value, atol=tolerance)
