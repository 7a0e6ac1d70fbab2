"""The main job, ``python -m skprune demo``, on a small planted problem."""

import subprocess
import sys

import numpy as np
import pytest

from skprune.demo import main, run_demo

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


def test_demo_report_against_the_planted_rank_and_the_oracle():
    """Reference: the planted rank, and the oracle (rank known) the report
    itself computes; 5% mirrors the accuracy criterion of the test suite."""
    report = run_demo(400, 8, 2, 8, noise=0.1, sensing="rank_one", random_state=0)
    assert report["true rank"] == 2
    assert report["columns kept"] == "2 of 8"
    norms = report["column norms before pruning"]
    assert np.all(np.diff(norms) <= 0) and norms.size == 8
    after = report["relative error after fine-tuning"]
    oracle = report["oracle relative error (rank known)"]
    assert after <= 1.05 * oracle + 1e-4
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
