"""The main job, ``python -m skprune demo``, on a small planted problem."""

import subprocess
import sys

import numpy as np
import pytest

from skprune._oracles import rank_r_least_squares, relative_error
from skprune.cli import main
from skprune.datasets import make_matrix_sensing
from skprune.demo import run_demo

SMALL = [
    "--n-samples",
    "400",
    "--n-features",
    "8",
    "--rank",
    "2",
    "--n-components",
    "8",
]


def test_demo_report_against_the_planted_rank_and_an_independent_oracle():
    """References: the planted rank, and a rank-r least-squares fit written in
    skprune/_oracles.py (scipy's L-BFGS on explicit matrices, not skprune's
    estimators) on the same data. The demo's error is within 5% of it, and the
    oracle error the demo prints (its own rank-r fit) agrees with it to 1%."""
    report = run_demo(400, 8, 2, 8, noise=0.1, sensing="rank_one", random_state=0)
    assert report["true rank"] == 2
    assert report["columns kept"] == "2 of 8"
    norms = report["column norms before pruning"]
    assert np.all(np.diff(norms) <= 0) and norms.size == 8
    X, y, U_star = make_matrix_sensing(
        400, 8, 2, noise=0.1, sensing="rank_one", random_state=0, return_factor=True
    )
    V, _ = rank_r_least_squares(X, y, 2)
    independent = relative_error(V, U_star)
    assert report["relative error after fine-tuning"] <= 1.05 * independent + 1e-4
    assert report["oracle relative error (rank known)"] == pytest.approx(
        independent, rel=0.01
    )
    assert len(report["seconds train / prune / fine-tune"]) == 3


def test_demo_prints_every_line(capsys):
    main(["demo", *SMALL])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[0] == "problem"
    assert any(line.startswith("columns kept") and "2 of 8" in line for line in lines)


def test_python_dash_m_runs_the_command_line():
    """The entry point itself: a missing command exits 2 with the usage."""
    completed = subprocess.run(
        [sys.executable, "-m", "skprune"], capture_output=True, text=True
    )
    assert completed.returncode == 2
    assert "usage" in completed.stderr


@pytest.mark.parametrize("argv", [["bogus"], ["demo", "--rank", "x"]])
def test_command_line_rejects_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "usage" in capsys.readouterr().err


def test_demo_help_explains_every_option_with_its_default(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option, default in [
        ("--n-samples", "1500"),
        ("--n-features", "30"),
        ("--rank", "3"),
        ("--n-components", "30"),
        ("--noise", "0.1"),
        ("--sensing", "gaussian"),
        ("--seed", "0"),
    ]:
        assert option in text
        assert f"(default: {default})" in text
    assert text.count("(default:") == 7
