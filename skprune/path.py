"""Regularization paths: train, prune and fine-tune at a decreasing sequence of
penalties, each training warm-started from the last."""

from dataclasses import dataclass, replace
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import Bunch, check_random_state

from ._threads import solver_threads
from ._warnings import warn_user
from .core import (
    Problem,
    Pruning,
    StageResult,
    fine_tune,
    prune,
    start_model,
    train,
)
from .gram import EVALUATIONS_PER_ALPHA


def alpha_grid(n_alphas: int = 20, eps: float = 1e-2) -> np.ndarray:
    """``n_alphas`` relative strengths spaced evenly on a log scale from ``1``
    (where no column can grow) down to ``eps``."""
    return np.geomspace(1.0, eps, n_alphas)


def check_alphas(alphas, eps) -> np.ndarray:
    """The decreasing sequence of relative strengths that ``alphas`` asks for.

    ``alphas`` is a number of points of :func:`alpha_grid` or the strengths
    themselves (any order; they are sorted from strong to weak, as a warm
    start needs).
    """
    if isinstance(alphas, Integral) and not isinstance(alphas, bool):
        if alphas < 1:
            raise ValueError(f"alphas must be at least 1 when an int, got {alphas}.")
        return alpha_grid(alphas, eps)
    alphas = np.asarray(alphas, dtype=float)
    if alphas.ndim != 1 or alphas.size == 0:
        raise ValueError(
            "alphas must be an int or a non-empty 1-D array of relative "
            f"strengths, got an array of shape {alphas.shape}."
        )
    if not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
        raise ValueError(
            f"alphas must be finite and non-negative, got {alphas.tolist()}."
        )
    return np.sort(alphas)[::-1]


@dataclass
class PathPoint:
    """The three stages at one relative strength ``alpha`` of a path.

    ``pruning`` and ``tuned`` are ``None`` on a path that only trains.
    """

    alpha: float
    trained: StageResult
    pruning: Pruning | None = None
    tuned: StageResult | None = None


def run_path(
    estimator, problem: Problem, alphas: np.ndarray, *, evaluate: bool = True
) -> list:
    """Run the stages of ``estimator`` on ``problem`` at each of ``alphas``.

    The first training starts from ``estimator.init`` at the strongest penalty
    (at ``alpha >= 1`` the spectral start sets no column: every column starts at
    zero), each later one from the previous trained model; the directions that
    the weaker penalty lets grow leave zero together through a saddle escape,
    tested before the training starts (``escape_first`` of
    :func:`~skprune.core.train`) with the eigendecomposition of the residual
    correlation that the previous training's last test computed at that same
    model (``start_spectrum``). With ``evaluate``, every trained model is
    also pruned with ``estimator.prune_threshold`` and fine-tuned; pruning
    reads the trained norms only, so it never retrains. Fine-tuning minimizes
    the unpenalized loss over the kept columns, a problem that does not depend
    on ``alpha``: where as many columns of each sign are kept as at the
    previous point, that point's converged answer is reused without an
    iteration (its fine-tuned model, hence equal fold errors along such a
    plateau, among which the CV rules take the strongest penalty), or, if it
    stopped unconverged, continued. Trainings or fine-tunings that stop at
    their iteration limit are reported in one ``ConvergenceWarning``.

    Returns
    -------
    points : list of PathPoint
    """
    random_state = check_random_state(estimator.random_state)
    model, inverse_curvature = start_model(
        problem,
        estimator.init,
        alphas[0],
        estimator.init_scale,
        random_state,
        max_iter=estimator.max_iter,
        tol=estimator.tol,
    )
    points, tuned, all_converged = [], None, True
    for alpha in alphas:
        trained = train(
            problem,
            alpha * problem.lambda_max,
            model,
            max_iter=estimator.max_iter,
            tol=estimator.tol,
            escape_first=bool(points),
            start_spectrum=points[-1].trained.residual_spectrum if points else None,
            inverse_curvature=inverse_curvature,
            modulo_rotations=estimator.modulo_rotations,
            verbose=estimator.verbose,
        )
        point = PathPoint(float(alpha), trained)
        if evaluate:
            point.pruning = prune(
                trained.model, estimator.prune_threshold, problem.penalty
            )
            # Fine-tuning minimizes L over the kept columns, which does not
            # depend on alpha: when as many columns of each sign are kept as
            # at the previous point, that point's answer is this point's too
            # (a fine-tuning that stopped unconverged continues from it).
            start = point.pruning.model
            same = tuned is not None and _same_signature(tuned.model, start)
            if same and tuned.converged:
                tuned = point.tuned = _answered(tuned)
            else:
                tuned = point.tuned = fine_tune(
                    problem.datafit,
                    tuned.model if same else start,
                    problem.scale,
                    solver=estimator.refit_solver,
                    max_iter=estimator.refit_max_iter,
                    tol=estimator.tol,
                    verbose=estimator.verbose,
                )
        all_converged &= trained.converged and (
            point.tuned is None or point.tuned.converged
        )
        if estimator.verbose:
            kept = f", kept {point.pruning.support.sum()}" if evaluate else ""
            print(f"[path] alpha={alpha:.3g}: {trained.n_iter} iterations{kept}")
        points.append(point)
        model, inverse_curvature = trained.model, trained.inverse_curvature
    if not all_converged:
        warn_user(
            "Some points of the path stopped before converging (training or "
            "fine-tuning): at their iteration limit, or with L-BFGS making no "
            "progress on a poorly conditioned objective. Increase max_iter or "
            "refit_max_iter, or loosen tol." + estimator._convergence_advice(),
            ConvergenceWarning,
        )
    return points


def _answered(tuned: StageResult) -> StageResult:
    """A fine-tuning that starts at its answer: ``tuned``'s model, no
    iteration."""
    return replace(
        tuned, objective_curve=tuned.objective_curve[-1:], n_iter=0, converged=True
    )


def _same_signature(model, other) -> bool:
    """Whether two models have as many columns of each sign."""
    return np.array_equal(np.sort(model.signs), np.sort(other.signs))


def group_lasso_path(
    estimator, X, y, *, alphas=None, n_alphas=20, eps=1e-2, sample_weight=None
) -> Bunch:
    """Fit ``estimator``'s model along a decreasing sequence of penalties.

    For each relative strength ``alpha``, from the largest down, trains the
    penalized objective at ``lambda = alpha * lambda_max`` warm-started from the
    previous solution, prunes with ``estimator.prune_threshold`` and fine-tunes
    the kept columns: the stages of ``estimator.set_params(alpha=alpha).fit``,
    without training from scratch at every ``alpha`` (see :func:`run_path`). The
    result is the picture of how the rank (or width) appears as the penalty
    weakens. At ``alpha >= 1`` no column can grow; the number of columns kept
    grows as ``alpha`` falls.

    Parameters
    ----------
    estimator : GroupLassoMatrixSensing or QuadraticNetPruner
        Supplies the model: every parameter but ``alpha`` (``n_components``,
        ``beta``, ``prune_threshold``, the solver settings, ``random_state``,
        ``precompute`` for matrix sensing (``"auto"`` weighs the Gram's build
        against the evaluations of the whole path), and the network's
        options). It is not modified.
    X : array-like or sparse matrix
        Training inputs, as ``estimator.fit`` takes them.
    y : array-like of shape (n_samples,)
        Targets.
    alphas : array-like, default=None
        Relative strengths (fractions of ``lambda_max``); sorted from strong to
        weak. ``None`` uses ``n_alphas`` points from ``1`` down to ``eps``,
        evenly spaced on a log scale.
    n_alphas : int, default=20
        Number of strengths when ``alphas`` is ``None``.
    eps : float, default=1e-2
        The weakest strength when ``alphas`` is ``None``.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the loss, as in ``estimator.fit``.

    Returns
    -------
    path : Bunch
        With ``m`` strengths and ``k`` columns:

        alphas : ndarray of shape (m,)
            The relative strengths, decreasing.
        lambdas : ndarray of shape (m,)
            The absolute penalties ``alphas * lambda_max``.
        lambda_max : float
            The smallest penalty at which ``U = 0`` is a local minimum.
        column_norms : ndarray of shape (m, k)
            Column norms of the trained factor at each strength.
        prune_thresholds : ndarray of shape (m,)
            The absolute norm threshold of each pruning.
        n_components : ndarray of shape (m,)
            Columns kept at each strength.
        trained_loss : ndarray of shape (m,)
            The unpenalized training loss ``L`` of the trained factor.
        loss : ndarray of shape (m,)
            The training loss ``L`` after pruning and fine-tuning.
        n_iter : ndarray of shape (m,)
            Training iterations at each strength.

    See Also
    --------
    GroupLassoMatrixSensingCV, QuadraticNetPrunerCV : Choose ``alpha`` by
        cross-validation along this path.

    Examples
    --------
    >>> from skprune import GroupLassoMatrixSensing
    >>> from skprune.datasets import make_matrix_sensing
    >>> from skprune.path import group_lasso_path
    >>> X, y = make_matrix_sensing(600, 10, rank=2, noise=0.01, random_state=0)
    >>> path = group_lasso_path(
    ...     GroupLassoMatrixSensing(random_state=0), X, y, n_alphas=5
    ... )
    >>> path.alphas.round(3).tolist()
    [1.0, 0.316, 0.1, 0.032, 0.01]
    >>> path.n_components.tolist()
    [0, 2, 2, 2, 2]
    """
    estimator = clone(estimator)
    estimator._validate_params()
    alphas = check_alphas(n_alphas if alphas is None else alphas, eps)
    X, y, sample_weight = estimator._validate_fit_data(X, y, sample_weight)
    with solver_threads():
        statistics = estimator._gram_statistics(
            X, y, sample_weight, EVALUATIONS_PER_ALPHA * len(alphas)
        )
        problem = estimator._resolve_problem(X, y, sample_weight, statistics)
        points = run_path(estimator, problem, alphas)
    return Bunch(
        alphas=alphas,
        lambdas=alphas * problem.lambda_max,
        lambda_max=problem.lambda_max,
        column_norms=np.array([point.pruning.column_norms for point in points]),
        prune_thresholds=np.array([point.pruning.threshold for point in points]),
        n_components=np.array([point.pruning.support.sum() for point in points]),
        trained_loss=np.array(
            [problem.datafit.value(point.trained.model) for point in points]
        ),
        loss=np.array([problem.datafit.value(point.tuned.model) for point in points]),
        n_iter=np.array([point.trained.n_iter for point in points]),
    )
