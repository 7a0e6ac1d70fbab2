"""Measuring the claims: one function per claim, returning plain data.

Each ``*_claim(settings, n_jobs=..., log=...)`` function draws its planted
problems, runs its configurations in parallel (:func:`run_configurations`)
and returns dicts, lists and numbers only, which
:mod:`skprune.reproduce.verdicts` judges and :mod:`skprune.reproduce.figures`
draws. :data:`QUICK` and :data:`FULL` hold the sizes of the two runs.
"""

import math

import numpy as np

from .._oracles import (
    nuclear_norm_least_squares,
    nuclear_norm_strength,
    planted_spectrum_problem,
    rank_r_least_squares,
    relative_error,
)
from .._threads import solver_threads
from ..core import fine_tune, random_model, resolve_problem
from ..datafit import QuadraticLeastSquares
from ..datasets import make_matrix_sensing
from ..matrix_sensing import GroupLassoMatrixSensing
from ..quadratic_net import QuadraticNetPruner
from ..sensing import make_sensing_operator
from .parallel import run_configurations

#: The theory's training: from the small random start, on the penalized
#: objective itself (not minimized over rotations of the columns, which
#: reaches the same minimizers along another trajectory; see the estimators'
#: ``modulo_rotations``). Every fit below uses it.
THEORY = {"init": "random", "modulo_rotations": False}

# Every configuration is in the regime where the theory says its claim holds:
# n at least 10 d r, noise 0.1 (its correlation with the measurements,
# noise * sqrt(2 d / n), at most half the default alpha; see
# in_theory_regime), planted eigenvalues within a factor of 2. The recovery
# grid also reaches noisier problems, to show where pruning stops working.

#: Sizes of the quick run (``--quick``): about 10 s on one core. The error
#: rate uses 6 seeds and n from 10 d r to 320 d r, so that the fitted slope
#: varies by about 0.03 from one set of seeds to another.
QUICK = {
    "norms": {
        "n_features": 10,
        "rank": 2,
        "sample_factor": 10,
        "noise": 0.1,
        "n_seeds": 4,
    },
    "rate": {
        "n_features": 10,
        "rank": 2,
        "sample_factors": (10, 20, 40, 80, 160, 320),
        "noise": 0.1,
        "n_seeds": 6,
    },
    "fine_tuning": {"n_features": 10, "rank": 2, "sample_factor": 10, "n_seeds": 3},
    "recovery": {
        "n_features": (8, 12),
        "ranks": (1, 2, 3),
        "width_factors": (1, 2),
        "noises": (0.01, 0.1, 0.3, 1.0),
        "sample_factor": 10,
        "n_seeds": 3,
    },
    "network": {
        "n_features": 8,
        "rank": 2,
        "sample_factors": (10, 20, 40, 80, 160),
        "noise": 0.1,
        "n_test": 2000,
        "n_seeds": 3,
    },
}

#: Sizes of the full run: a few minutes on 2 cores (see
#: :data:`skprune.reproduce.FULL_RUN_SECONDS`).
FULL = {
    "norms": {
        "n_features": 20,
        "rank": 3,
        "sample_factor": 10,
        "noise": 0.1,
        "n_seeds": 10,
    },
    "rate": {
        "n_features": 20,
        "rank": 3,
        "sample_factors": (10, 20, 40, 80, 160, 320),
        "noise": 0.1,
        "n_seeds": 10,
    },
    "fine_tuning": {"n_features": 20, "rank": 3, "sample_factor": 10, "n_seeds": 10},
    "recovery": {
        "n_features": (10, 20, 30),
        "ranks": (1, 2, 3, 4),
        "width_factors": (1, 2),
        "noises": (0.01, 0.1, 0.3, 1.0),
        "sample_factor": 10,
        "n_seeds": 10,
    },
    "network": {
        "n_features": 20,
        "rank": 3,
        "sample_factors": (10, 20, 40, 80, 160, 320),
        "noise": 0.1,
        "n_test": 4000,
        "n_seeds": 10,
    },
}

#: ``tol`` of the fine-tuning of the fits whose error is compared with the
#: oracle's (claims 2 and 5): they are fitted with the defaults, then
#: fine-tuned again (``refit``) with this ``tol``. At the largest sizes the
#: statistical error is so small that the default ``tol=1e-7``, whose unit is
#: the loss at ``U = 0``, stops fine-tuning while its optimization error is
#: still comparable: on the network at ``n = 19200`` (``d = 20``, ``r = 3``)
#: the training loss was 1.2e-4 above the least-squares minimum and the test
#: error 7% above the oracle's. The claims are about the minimizer of the
#: fine-tuning loss, so these fits converge further.
ACCURATE_TOL = 1e-10

#: Gradient descent without pruning runs this many times as many steps as
#: fine-tuning took (claim 3).
OVERPARAMETERIZED_LENGTH = 20


def planted_eigenvalues(rank):
    """The eigenvalues of the planted ``M*``: ``rank`` values evenly spaced
    from 1 down to 0.5 (just ``[1.0]`` for rank one).

    Parameters
    ----------
    rank : int
        The planted rank ``r``.

    Returns
    -------
    eigenvalues : ndarray of shape (rank,)
    """
    return np.linspace(1.0, 0.5, rank)


def noise_correlation_norm(n_samples, n_features, noise):
    """``noise * sqrt(2 d / n)``: the spectral norm of the noise's correlation
    ``(1/n) sum_i e_i sym(A_i)`` with the measurements (a symmetric Gaussian
    matrix with off-diagonal variance ``noise^2 / (2n)``).

    Parameters
    ----------
    n_samples, n_features : int
        ``n`` and ``d``.
    noise : float
        Standard deviation of the noise.

    Returns
    -------
    norm : float
    """
    return noise * math.sqrt(2.0 * n_features / n_samples)


def in_theory_regime(n_samples, n_features, noise, alpha=None):
    """Whether a Gaussian problem of :func:`planted_eigenvalues` is in the
    regime where the theory says pruning finds the rank.

    The penalty at relative strength ``alpha`` lets a direction grow from zero
    when its eigenvalue in the residual correlation exceeds ``alpha`` times
    the largest (about ``lambda_1(M*) = 1``; see the user guide, section 3).
    At a fit of ``M*`` the residual is the noise, so no spurious column can
    grow while :func:`noise_correlation_norm` is below ``alpha``; we ask for
    half of it, a margin for its fluctuations. (The planted eigenvalues, at
    least half the largest, are all well above ``alpha`` times it.)

    Parameters
    ----------
    n_samples, n_features : int
        ``n`` and ``d``.
    noise : float
        Standard deviation of the noise.
    alpha : float, default=None
        The relative penalty; ``None`` is :class:`GroupLassoMatrixSensing`'s
        default.

    Returns
    -------
    regime : bool
    """
    if alpha is None:
        alpha = GroupLassoMatrixSensing().alpha
    return noise_correlation_norm(n_samples, n_features, noise) <= 0.5 * alpha


def _seeds(settings):
    return list(range(settings["n_seeds"]))


def log_log_slope(x, y):
    """The least-squares slope of ``log(y)`` against ``log(x)``.

    Parameters
    ----------
    x, y : array-like of shape (m,)
        Positive values.

    Returns
    -------
    slope : float
    """
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def geometric_mean(values, axis=0):
    """``exp(mean(log(values)))`` along ``axis``: the average of errors that
    vary by factors (over seeds).

    Parameters
    ----------
    values : array-like
        Positive values.
    axis : int, default=0
        The axis to average over.

    Returns
    -------
    mean : ndarray
    """
    return np.exp(np.mean(np.log(values), axis=axis))


# -- claim 1: column norms with and without the penalty -------------------------------


def _norms_fit(n_features, rank, n_samples, noise, seed):
    X, y, factor = planted_spectrum_problem(
        seed,
        "gaussian",
        n_samples=n_samples,
        n_features=n_features,
        eigenvalues=planted_eigenvalues(rank),
        noise=noise,
    )
    out = {"singular_values": np.linalg.svd(factor, compute_uv=False).tolist()}
    for name, params in [("penalized", {}), ("unpenalized", {"alpha": 0.0})]:
        model = GroupLassoMatrixSensing(
            n_features, random_state=seed, **THEORY, **params
        ).fit(X, y)
        out[name] = {
            "alpha": model.alpha,
            "norms": np.sort(model.column_norms_)[::-1].tolist(),
            "threshold": model.prune_threshold_,
            "kept": int(model.n_components_),
        }
    return out


def gap_ratio(sorted_norms, rank):
    """The largest pruned-away norm over the smallest kept norm when pruning
    keeps the ``rank`` largest columns: the best any threshold that keeps
    exactly ``rank`` columns can separate them.

    Parameters
    ----------
    sorted_norms : sequence of float
        Column norms in decreasing order.
    rank : int
        The number of columns to keep.

    Returns
    -------
    ratio : float
        ``norm[rank] / norm[rank - 1]`` (zero-based), in ``[0, 1]``.
    """
    return float(sorted_norms[rank] / sorted_norms[rank - 1])


def column_norms_claim(settings, *, n_jobs=1, log=print):
    """Claim 1, the negative result: column norms with and without the penalty.

    On each seed's Gaussian problem (``d = n_features``, planted rank
    ``r = rank``, ``n = sample_factor * d * r``, noise ``noise``: the regime
    of :func:`in_theory_regime`), fits :class:`GroupLassoMatrixSensing` with
    ``k = d`` columns twice from the same small random start
    (``init="random"``, same ``random_state``, hence the same factor, since
    the start depends only on the data and the seed): with the default
    penalty, and with ``alpha=0``.

    Parameters
    ----------
    settings : dict
        ``n_features``, ``rank``, ``sample_factor``, ``noise``, ``n_seeds``
        (see :data:`QUICK` and :data:`FULL`).
    n_jobs : int, default=1
        Seeds run in parallel with joblib.
    log : callable, default=print
        Receives the progress lines.

    Returns
    -------
    data : dict
        ``settings``, ``n_samples`` and ``fits``: per seed, the planted
        singular values and, for ``"penalized"`` and ``"unpenalized"``, the
        sorted norms, the threshold of ``prune_threshold="auto"`` and the
        number of columns it keeps.
    """
    d, r = settings["n_features"], settings["rank"]
    n = settings["sample_factor"] * d * r
    configurations = [
        {
            "n_features": d,
            "rank": r,
            "n_samples": n,
            "noise": settings["noise"],
            "seed": seed,
        }
        for seed in _seeds(settings)
    ]
    fits = run_configurations(
        _norms_fit,
        configurations,
        n_jobs=n_jobs,
        label="norms",
        describe=lambda c, f: (
            f"d={d} r={r} n={n} seed={c['seed']}: kept "
            f"{f['penalized']['kept']} with the penalty, "
            f"{f['unpenalized']['kept']} without"
        ),
        log=log,
    )
    return {"settings": dict(settings), "n_samples": n, "fits": fits}


# -- claim 2: error against n ---------------------------------------------------------


def _rate_fit(n_features, rank, n_samples, noise, seed, with_cvxpy):
    X, y, factor = planted_spectrum_problem(
        seed,
        "gaussian",
        n_samples=n_samples,
        n_features=n_features,
        eigenvalues=planted_eigenvalues(rank),
        noise=noise,
    )
    model = GroupLassoMatrixSensing(n_features, random_state=seed, **THEORY)
    model.fit(X, y).set_params(tol=ACCURATE_TOL).refit(X, y)
    oracle, _ = rank_r_least_squares(X, y, rank, seed)
    out = {
        "kept": int(model.n_components_),
        "error": relative_error(model.components_.T, factor),
        "oracle_error": relative_error(oracle, factor),
        "nuclear_norm_error": None,
    }
    if with_cvxpy:
        strength = nuclear_norm_strength(n_samples, n_features, noise)
        estimate, _ = nuclear_norm_least_squares(X, y, strength)
        planted = factor @ factor.T
        out["nuclear_norm_error"] = float(
            np.linalg.norm(estimate - planted) / np.linalg.norm(planted)
        )
    return out


def cvxpy_available():
    """Whether cvxpy (the ``benchmark`` extra) can be imported.

    Returns
    -------
    available : bool
    """
    try:
        import cvxpy  # noqa: F401
    except ImportError:
        return False
    return True


def error_rate_claim(settings, *, n_jobs=1, log=print, with_cvxpy=None):
    """Claim 2: the error of the pruned, fine-tuned model against ``n``.

    For each seed and each ``n = factor * d * r`` (``factor`` in
    ``sample_factors``, from 10: a few times ``d r`` and more, where the
    theory's rate ``sqrt(r d / n)`` applies), a Gaussian problem with the
    seed's planted ``M*`` is drawn, and three estimators are fitted on it:
    :class:`GroupLassoMatrixSensing` (``k = d``, ``init="random"``, fine-tuned
    to ``tol=ACCURATE_TOL``), the
    rank-``r`` least-squares oracle
    (:func:`~skprune._oracles.rank_r_least_squares`, told the rank) and the
    nuclear-norm estimator (:func:`~skprune._oracles.nuclear_norm_least_squares`,
    told the noise level; skipped without cvxpy).

    Parameters
    ----------
    settings : dict
        ``n_features``, ``rank``, ``sample_factors``, ``noise``, ``n_seeds``.
    n_jobs : int, default=1
        Configurations ``(seed, n)`` run in parallel with joblib.
    log : callable, default=print
        Receives the progress lines.
    with_cvxpy : bool, default=None
        Whether to fit the nuclear-norm estimator; ``None`` fits it when
        cvxpy is installed.

    Returns
    -------
    data : dict
        ``settings``, ``n_samples`` (the sizes), ``with_cvxpy``, the planted
        ``frobenius_norm`` of ``M*``, and arrays of shape ``(n_seeds, n_sizes)``
        as nested lists: ``kept``, ``error``, ``oracle_error`` and
        ``nuclear_norm_error`` (``None`` without cvxpy).
    """
    if with_cvxpy is None:
        with_cvxpy = cvxpy_available()
    d, r = settings["n_features"], settings["rank"]
    sizes = [factor * d * r for factor in settings["sample_factors"]]
    configurations = [
        {
            "n_features": d,
            "rank": r,
            "n_samples": n,
            "noise": settings["noise"],
            "seed": seed,
            "with_cvxpy": with_cvxpy,
        }
        for seed in _seeds(settings)
        for n in sizes
    ]
    fits = run_configurations(
        _rate_fit,
        configurations,
        n_jobs=n_jobs,
        label="rate",
        describe=lambda c, f: (
            f"d={d} r={r} n={c['n_samples']} seed={c['seed']}: rank {f['kept']}, "
            f"error {f['error']:.4f}, oracle {f['oracle_error']:.4f}"
            + (
                f", nuclear norm {f['nuclear_norm_error']:.4f}"
                if f["nuclear_norm_error"] is not None
                else ""
            )
        ),
        log=log,
    )
    shape = (settings["n_seeds"], len(sizes))

    def table(key):
        values = [fit[key] for fit in fits]
        return None if values[0] is None else np.reshape(values, shape).tolist()

    return {
        "settings": dict(settings),
        "n_samples": sizes,
        "with_cvxpy": with_cvxpy,
        "frobenius_norm": float(np.linalg.norm(planted_eigenvalues(r))),
        "kept": table("kept"),
        "error": table("error"),
        "oracle_error": table("oracle_error"),
        "nuclear_norm_error": table("nuclear_norm_error"),
    }


# -- claim 3: fine-tuning converges linearly ------------------------------------------


def _fine_tuning_fit(n_features, rank, n_samples, seed):
    X, y, _ = planted_spectrum_problem(
        seed,
        "gaussian",
        n_samples=n_samples,
        n_features=n_features,
        eigenvalues=planted_eigenvalues(rank),
        noise=0.0,
    )
    loss_at_zero = 0.5 * float(np.mean(y**2))
    model = GroupLassoMatrixSensing(
        n_features, refit_solver="gd", tol=1e-12, random_state=seed, **THEORY
    ).fit(X, y)
    fine_tuning = model.refit_loss_curve_ / loss_at_zero
    # Gradient descent on the same loss with all k columns and no penalty, from
    # the start the model's training used (same seed, same scales), for
    # OVERPARAMETERIZED_LENGTH times as many steps as fine-tuning took.
    datafit = QuadraticLeastSquares(make_sensing_operator(X), y)
    with solver_threads():
        problem = resolve_problem(datafit, np.ones(n_features), model.beta)
        start = random_model(problem, model.init_scale, np.random.RandomState(seed))
        plain = fine_tune(
            datafit,
            start,
            problem.scale,
            solver="gd",
            max_iter=OVERPARAMETERIZED_LENGTH * model.refit_n_iter_,
            tol=0.0,
        )
    return {
        "kept": int(model.n_components_),
        "fine_tuning": fine_tuning.tolist(),
        "overparameterized": (plain.objective_curve / loss_at_zero).tolist(),
    }


def linear_rate(curve):
    """The per-iteration factor of a least-squares fit of ``log(curve)``
    against the iteration: ``curve[t] ~ c q^t`` gives ``q``.

    Parameters
    ----------
    curve : sequence of float
        Non-negative values, one per iteration. A curve that reaches exactly
        zero (the loss of noiseless data can) has converged there: only the
        values before its first zero are fitted, and a curve with fewer than
        two of them gives ``0``.

    Returns
    -------
    factor : float
    """
    curve = np.asarray(curve, dtype=float)
    zeros = np.flatnonzero(curve <= 0)
    if zeros.size:
        curve = curve[: zeros[0]]
    if curve.size < 2:
        return 0.0
    return float(np.exp(np.polyfit(np.arange(curve.size), np.log(curve), 1)[0]))


def fine_tuning_claim(settings, *, n_jobs=1, log=print):
    """Claim 3: fine-tuning converges linearly, gradient descent without pruning
    does not.

    Noiseless Gaussian problems (``n = sample_factor * d * r``), so that the
    optimal loss is exactly zero for both methods (``M*`` itself fits the
    data and has rank ``r <= k``): the gap is the loss, in units of the loss
    at ``U = 0``, and needs no estimate of the optimum.

    - *fine-tuning*: :class:`GroupLassoMatrixSensing` with ``k = d``,
      ``init="random"``, ``refit_solver="gd"`` (gradient descent with
      Armijo backtracking) and ``tol=1e-12``; its ``refit_loss_curve_`` from
      the trained, pruned factor;
    - *overparameterized gradient descent*: the same solver on the same loss
      with all ``k`` columns and no penalty (``alpha = 0``, no pruning), from
      the same small random start as that model's training, for
      ``OVERPARAMETERIZED_LENGTH`` (20) times as many iterations as
      fine-tuning took.

    Parameters
    ----------
    settings : dict
        ``n_features``, ``rank``, ``sample_factor``, ``n_seeds``.
    n_jobs : int, default=1
        Seeds run in parallel with joblib.
    log : callable, default=print
        Receives the progress lines.

    Returns
    -------
    data : dict
        ``settings``, ``n_samples`` and ``fits``: per seed, ``kept`` and the
        two loss curves ``fine_tuning`` and ``overparameterized`` (relative
        to the loss at ``U = 0``).
    """
    d, r = settings["n_features"], settings["rank"]
    n = settings["sample_factor"] * d * r
    configurations = [
        {"n_features": d, "rank": r, "n_samples": n, "seed": seed}
        for seed in _seeds(settings)
    ]
    fits = run_configurations(
        _fine_tuning_fit,
        configurations,
        n_jobs=n_jobs,
        label="fine-tuning",
        describe=lambda c, f: (
            f"d={d} r={r} n={n} seed={c['seed']}: fine-tuning "
            f"{len(f['fine_tuning']) - 1} steps to gap {f['fine_tuning'][-1]:.1e}, "
            f"no pruning {len(f['overparameterized']) - 1} steps to "
            f"{f['overparameterized'][-1]:.1e}"
        ),
        log=log,
    )
    return {"settings": dict(settings), "n_samples": n, "fits": fits}


# -- claim 4: rank recovery over a grid -----------------------------------------------


def _recovery_fits(n_features, rank, width_factor, noise, sample_factor, seeds):
    n = sample_factor * n_features * rank
    kept = []
    for seed in seeds:
        X, y, _ = planted_spectrum_problem(
            seed,
            "gaussian",
            n_samples=n,
            n_features=n_features,
            eigenvalues=planted_eigenvalues(rank),
            noise=noise,
        )
        model = GroupLassoMatrixSensing(
            width_factor * n_features, random_state=seed, **THEORY
        ).fit(X, y)
        kept.append(int(model.n_components_))
    return kept


def recovery_claim(settings, *, n_jobs=1, log=print):
    """Claim 4: pruning keeps exactly the planted rank.

    Over the grid of ``d`` (``n_features``), ``r`` (``ranks``),
    ``k = width_factor * d`` and ``noise``, with ``n = sample_factor * d * r``
    Gaussian measurements, fits :class:`GroupLassoMatrixSensing`
    (``init="random"``, default penalty) on every seed and records the number
    of columns kept. Configurations where :func:`in_theory_regime` holds are
    those the claim is about; the noisier ones show where it stops holding.

    Parameters
    ----------
    settings : dict
        ``n_features``, ``ranks``, ``width_factors``, ``noises``,
        ``sample_factor``, ``n_seeds``.
    n_jobs : int, default=1
        Configurations run in parallel with joblib (the seeds of one in turn).
    log : callable, default=print
        Receives the progress lines.

    Returns
    -------
    data : dict
        ``settings`` and ``cells``: one dict per configuration with
        ``n_features``, ``rank``, ``width_factor``, ``noise``, ``n_samples``,
        ``regime`` (:func:`in_theory_regime`) and ``kept`` (one per seed).
    """
    configurations = [
        {
            "n_features": d,
            "rank": r,
            "width_factor": w,
            "noise": noise,
            "sample_factor": settings["sample_factor"],
            "seeds": _seeds(settings),
        }
        for d in settings["n_features"]
        for r in settings["ranks"]
        for w in settings["width_factors"]
        for noise in settings["noises"]
    ]
    kept = run_configurations(
        _recovery_fits,
        configurations,
        n_jobs=n_jobs,
        label="recovery",
        describe=lambda c, k: (
            f"d={c['n_features']} r={c['rank']} k={c['width_factor']}d "
            f"noise={c['noise']:g}: kept {k}"
        ),
        log=log,
    )
    cells = []
    for configuration, columns in zip(configurations, kept, strict=True):
        d, r, noise = (
            configuration["n_features"],
            configuration["rank"],
            (configuration["noise"]),
        )
        n = settings["sample_factor"] * d * r
        cells.append(
            {
                "n_features": d,
                "rank": r,
                "width_factor": configuration["width_factor"],
                "noise": noise,
                "n_samples": n,
                "regime": in_theory_regime(n, d, noise),
                "kept": columns,
            }
        )
    return {"settings": dict(settings), "cells": cells}


# -- claim 5: the quadratic network ---------------------------------------------------

#: The network of the paper: ``f(x) = sum_j (w_j . x)^2``, nothing else.
PAPER_NETWORK = {
    "output_signs": "positive",
    "fit_linear": False,
    "fit_intercept": False,
    "standardize": False,
    **THEORY,
}


def _network_fit(n_features, rank, n_samples, n_test, noise, seed):
    X, y, factor = make_matrix_sensing(
        n_samples + n_test,
        n_features,
        rank,
        noise=noise,
        sensing="rank_one",
        random_state=seed,
        return_factor=True,
    )
    X_train, y_train, X_test = X[:n_samples], y[:n_samples], X[n_samples:]
    planted_test = np.sum((X_test @ factor) ** 2, axis=1)
    net = QuadraticNetPruner(random_state=seed, **PAPER_NETWORK)
    net.fit(X_train, y_train).set_params(tol=ACCURATE_TOL).refit(X_train, y_train)
    oracle, _ = rank_r_least_squares(X_train, y_train, rank, seed)
    return {
        "width": int(net.n_components_),
        "test_error": float(np.mean((net.predict(X_test) - planted_test) ** 2)),
        "oracle_test_error": float(
            np.mean((np.sum((X_test @ oracle) ** 2, axis=1) - planted_test) ** 2)
        ),
    }


def network_claim(settings, *, n_jobs=1, log=print):
    """Claim 5: the pipeline prunes a quadratic network to its planted width.

    A network ``f*(x) = ||U*^T x||^2`` of width ``r`` with standard normal
    inputs (:func:`skprune.datasets.make_matrix_sensing` with
    ``sensing="rank_one"``, ``U*`` with ``N(0, 1/d)`` entries) and noisy
    targets; :class:`QuadraticNetPruner` in the paper's form (all output
    weights ``+1``, no linear term, intercept or scaling, ``init="random"``,
    ``k = d`` neurons, fine-tuned to ``tol=ACCURATE_TOL``) is trained on
    ``n = factor * d * r`` samples and scored on ``n_test`` fresh inputs by
    its test error against the noiseless network, ``mean (f(x) - f*(x))^2``,
    beside the rank-``r`` least-squares oracle's. For Gaussian inputs that error is
    ``2 ||U U^T - M*||_F^2 + tr(U U^T - M*)^2`` in expectation, of order
    ``noise^2 r d / n``.

    Parameters
    ----------
    settings : dict
        ``n_features``, ``rank``, ``sample_factors``, ``noise``, ``n_test``,
        ``n_seeds``.
    n_jobs : int, default=1
        Configurations ``(seed, n)`` run in parallel with joblib.
    log : callable, default=print
        Receives the progress lines.

    Returns
    -------
    data : dict
        ``settings``, ``n_samples`` and nested lists of shape
        ``(n_seeds, n_sizes)``: ``width``, ``test_error``,
        ``oracle_test_error``.
    """
    d, r = settings["n_features"], settings["rank"]
    sizes = [factor * d * r for factor in settings["sample_factors"]]
    configurations = [
        {
            "n_features": d,
            "rank": r,
            "n_samples": n,
            "n_test": settings["n_test"],
            "noise": settings["noise"],
            "seed": seed,
        }
        for seed in _seeds(settings)
        for n in sizes
    ]
    fits = run_configurations(
        _network_fit,
        configurations,
        n_jobs=n_jobs,
        label="network",
        describe=lambda c, f: (
            f"d={d} r={r} n={c['n_samples']} seed={c['seed']}: width {f['width']}, "
            f"test error {f['test_error']:.2e}, oracle {f['oracle_test_error']:.2e}"
        ),
        log=log,
    )
    shape = (settings["n_seeds"], len(sizes))
    return {
        "settings": dict(settings),
        "n_samples": sizes,
        **{
            key: np.reshape([fit[key] for fit in fits], shape).tolist()
            for key in ("width", "test_error", "oracle_test_error")
        },
    }
