r"""Reproduce the paper's claims: ``python -m skprune reproduce``.

Five claims of Rajaraman et al. (NeurIPS 2023), each measured on planted
problems where the theory says it holds, drawn as a figure and judged against
a criterion stated before the run:

1. ``norms.png``, :func:`~skprune.reproduce.claims.column_norms_claim`: with
   the group-Lasso penalty the trained column norms split into ``r`` large
   ones and a cluster near zero; without it (``alpha=0``, same data, same
   small random start) they spread out and no threshold separates them (the
   paper's negative result);
2. ``rate.png``, :func:`~skprune.reproduce.claims.error_rate_claim`: the
   pruned, fine-tuned model's error ``||U U^T - M*||_F / ||M*||_F`` falls like
   ``n^(-1/2)``, as the rank-aware oracle's and the nuclear-norm estimator's
   do;
3. ``fine_tuning.png``, :func:`~skprune.reproduce.claims.fine_tuning_claim`:
   fine-tuning the pruned factor by gradient descent converges linearly,
   where gradient descent on all ``k`` columns without pruning crawls
   (sublinearly);
4. ``recovery.png``, :func:`~skprune.reproduce.claims.recovery_claim`:
   pruning keeps exactly the planted rank over a grid of ``(d, r, k, noise)``;
5. ``network.png``, :func:`~skprune.reproduce.claims.network_claim`: the same
   for a two-layer network with quadratic activations: the planted width is
   recovered and the test error falls like ``1/n``.

The package is split by job: :mod:`~skprune.reproduce.claims` measures (one
function per claim, returning plain data), :mod:`~skprune.reproduce.verdicts`
judges (one row of the table per claim), :mod:`~skprune.reproduce.figures`
draws, :mod:`~skprune.reproduce.table` writes ``claims.csv`` and
``claims.md``, and :func:`run_reproduction` runs them all.

The matrix-sensing problems are Gaussian (``y_i = <A_i, M*> + noise * e_i``,
standard normal ``A_i`` and ``e_i``) with a planted ``M* = U* U*^T`` whose
eigenvalues are evenly spaced from 1 down to 0.5 (condition number 2 when
``r > 1``; :func:`skprune._oracles.planted_spectrum_problem`), so that the
planted rank is well defined and no direction is too weak for the default
penalty. Every fit starts from the small random start the theory analyses
(``init="random"``). The seeds are ``0, 1, ..., n_seeds - 1``, fixed: a run is
deterministic. The references are independent of skprune
(:mod:`skprune._oracles`): the planted matrix, the rank-``r`` least-squares
oracle, cvxpy's nuclear-norm estimator, and closed forms.
"""

from pathlib import Path
from time import perf_counter

from joblib import effective_n_jobs

from .. import __version__
from .claims import (
    FULL,
    QUICK,
    column_norms_claim,
    cvxpy_available,
    error_rate_claim,
    fine_tuning_claim,
    network_claim,
    recovery_claim,
)
from .figures import (
    plot_column_norms_claim,
    plot_error_rate_claim,
    plot_fine_tuning_claim,
    plot_network_claim,
    plot_recovery_claim,
)
from .table import format_measured, read_table, write_table
from .verdicts import (
    ClaimRow,
    judge_column_norms,
    judge_error_rate,
    judge_fine_tuning,
    judge_network,
    judge_recovery,
)

__all__ = [
    "CLAIMS",
    "FULL",
    "FULL_RUN_SECONDS",
    "OUTPUT_FILES",
    "QUICK",
    "ClaimRow",
    "check_requirements",
    "expected_duration",
    "prepare_output",
    "read_table",
    "run_reproduction",
]

#: The figures and tables a run writes, in this order.
OUTPUT_FILES = (
    "norms.png",
    "rate.png",
    "fine_tuning.png",
    "recovery.png",
    "network.png",
    "claims.csv",
    "claims.md",
)

#: Wall-clock seconds of a full run, by number of worker processes, measured
#: on 2 cores (x86_64) that other jobs used lightly; printed as the expected
#: duration before a full run starts. Busy cores make it up to 3 times longer.
FULL_RUN_SECONDS = {1: 125.0, 2: 65.0}


#: The claims in order: name, compute, judge, plot.
CLAIMS = (
    ("norms", column_norms_claim, judge_column_norms, plot_column_norms_claim),
    ("rate", error_rate_claim, judge_error_rate, plot_error_rate_claim),
    ("fine_tuning", fine_tuning_claim, judge_fine_tuning, plot_fine_tuning_claim),
    ("recovery", recovery_claim, judge_recovery, plot_recovery_claim),
    ("network", network_claim, judge_network, plot_network_claim),
)


def prepare_output(directory):
    """Create the output directory, or explain why it cannot be used.

    Parameters
    ----------
    directory : str or pathlib.Path
        Where the files go; created with its parents when missing.

    Returns
    -------
    directory : pathlib.Path

    Raises
    ------
    ValueError
        When ``directory`` is an existing file, or cannot be created or
        written to.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ValueError(
            f"--out {directory}: this is an existing file, not a directory; "
            "give a directory (it is created if missing)."
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".skprune-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise ValueError(
            f"--out {directory}: cannot create or write to it ({error.strerror})."
        ) from None
    return directory


def check_requirements():
    """Raise, with what to install, when matplotlib (the figures) is missing.

    cvxpy is optional: without it the nuclear-norm curve is skipped.

    Raises
    ------
    ImportError
        When matplotlib cannot be imported.
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError(
            "python -m skprune reproduce draws its figures with matplotlib, which "
            'is not installed: pip install "skprune[docs]" (or matplotlib).'
        ) from None


def expected_duration(quick, n_jobs):
    """What the run is expected to take, as a sentence.

    Parameters
    ----------
    quick : bool
        The quick run (seconds) or the full one (:data:`FULL_RUN_SECONDS`).
    n_jobs : int
        The ``n_jobs`` of joblib (``-1``: every core).

    Returns
    -------
    sentence : str
    """
    if quick:
        return "quick run: about 10 s on one core"
    workers = min(effective_n_jobs(n_jobs), 2)
    return (
        f"full run: expect about {FULL_RUN_SECONDS[workers] / 60:.1f} minutes with "
        f"{workers} worker(s) on 2 cores (measured: "
        f"{FULL_RUN_SECONDS[1] / 60:.1f} min with --n-jobs 1, "
        f"{FULL_RUN_SECONDS[2] / 60:.1f} min with 2; longer on busy cores)"
    )


def run_reproduction(out="reproduce", *, quick=False, n_jobs=None, log=print):
    """Measure every claim, draw every figure and write the table.

    Parameters
    ----------
    out : str or pathlib.Path, default="reproduce"
        Output directory (created if missing).
    quick : bool, default=False
        Small sizes and few seeds (:data:`QUICK`, seconds) instead of
        :data:`FULL` (minutes).
    n_jobs : int, default=None
        The ``n_jobs`` of joblib for the configurations of each claim: ``-1`` uses
        every core, ``1`` runs in this process. ``None`` is ``-1`` for the
        full run and ``1`` for the quick one, whose configurations take
        milliseconds: starting worker processes would cost more than they
        save.
    log : callable, default=print
        Receives the progress lines and the final table.

    Returns
    -------
    rows : list of ClaimRow
        One per claim, in the order of :data:`OUTPUT_FILES`.
    """
    check_requirements()
    directory = prepare_output(out)
    settings = QUICK if quick else FULL
    if n_jobs is None:
        n_jobs = 1 if quick else -1
    log(
        f"skprune reproduce: {expected_duration(quick, n_jobs)}; writing to "
        f"{directory}/"
    )
    if not cvxpy_available():
        log(
            "cvxpy not installed: the nuclear-norm curve is skipped "
            '(pip install "skprune[benchmark]")'
        )
    clock = perf_counter()
    rows = []
    for name, compute, judge, plot in CLAIMS:
        started = perf_counter()
        data = compute(settings[name], n_jobs=n_jobs, log=log)
        row = judge(data)
        plot(data, directory / f"{name}.png")
        rows.append(row)
        log(
            f"== {name}: {'pass' if row.passed else 'FAIL'} "
            f"({perf_counter() - started:.1f} s): {format_measured(row.measured)}"
        )
    seconds = perf_counter() - clock
    run = "quick run (--quick)" if quick else "full run"
    write_table(
        rows,
        directory,
        caption=f"*{run} of `python -m skprune reproduce`, skprune {__version__}, "
        f"{seconds:.0f} s with n_jobs={n_jobs}.*",
    )
    passed = sum(row.passed for row in rows)
    log(
        f"{passed} of {len(rows)} claims pass; wrote {', '.join(OUTPUT_FILES)} to "
        f"{directory}/ in {seconds:.1f} s"
    )
    return rows
