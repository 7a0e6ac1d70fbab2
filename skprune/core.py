r"""The shared train -> prune -> fine-tune core behind every estimator.

Two halves. :func:`resolve_problem` turns a
:class:`~skprune.datafit.Datafit` and the columns' signs into a
:class:`Problem`: the unpenalized part, the scales read off the data and the
penalty with its absolute smoothing, from which every penalty strength
``lambda = alpha * lambda_max`` follows. The stages then run on that problem:
:func:`train` (from :func:`start_model` or a warm start), :func:`prune` and
:func:`fine_tune`. A single fit runs them once; a regularization path
(:mod:`skprune.path`) runs them at each penalty of a decreasing sequence,
every training warm-started from the last.

Scale. Before solving, the factor is divided by ``sqrt(sigma)``, the linear
weights and the intercept by the root mean square of the residual of the
unpenalized part alone, and the objective by that part's loss (see
:class:`ProblemScale`). The solvers therefore see an objective of order one
whatever the units of ``X`` and ``y``, and ``tol`` means the same thing on
every problem.
"""

from copy import copy
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
from scipy.linalg import eigh
from scipy.optimize import minimize

from .datafit import Datafit, QuadraticModel
from .penalty import SmoothGroupLasso
from .pruning import keep_mask, resolve_threshold
from .solvers import get_solver, lbfgs
from .whitening import Whitening, inverse_times, times, whitening

#: A zero column is considered able to grow when the negative curvature along
#: its best direction exceeds this fraction of ``ProblemScale.correlation``.
SADDLE_TOLERANCE = 1e-3

#: The spectral start sizes its candidate directions in blocks of this many
#: (:func:`_sized_leading_directions`).
SIZING_BLOCK = 8

#: The smallest ``tol`` the solvers are given, in units of the datafit's
#: round-off (the datafit's ``round_off``): see
#: :func:`attainable_tol`.
TOL_FLOOR = 5.0


def attainable_tol(tol: float, datafit: Datafit) -> float:
    """``tol``, raised to ``TOL_FLOOR`` times the round-off of the datafit's
    arithmetic when it is below (``6.0e-7`` in float32, ``1.1e-15`` in
    float64).

    The solvers stop when an iteration lowers the scaled objective (of order
    one) by at most ``tol`` times its value: a decrease within a few times the
    round-off of the loss cannot be told from none, so L-BFGS's line search
    fails before such a ``tol`` is met. float32 fits with the default
    ``tol=1e-7`` (below float32's round-off, ``1.2e-7``) stopped that way on
    a flat problem (diabetes) and warned that they had not converged where
    float64 fits did not. With the floor at 3 to 30 times the round-off none
    did, on planted sensing problems and networks and on diabetes and
    friedman1 with their cross-validation paths; a higher floor stops fits
    earlier (at 10 times, errors against the planted truth grew by up to 3%).
    """
    return max(tol, TOL_FLOOR * datafit.round_off)


@dataclass(frozen=True)
class ProblemScale:
    r"""Scales of a problem, read off the data before training.

    With ``(w0, b0)`` the least-squares fit of the unpenalized part alone and
    ``r0 = y - z . w0 - b0`` its residual, let
    ``C = (1/n) sum_i r0_i S_i`` be the correlation of that residual with the
    measurements.

    Attributes
    ----------
    correlation : float
        ``rho``, the largest eigenvalue of ``a C`` over the signs ``a`` that
        the model's columns take (``lambda_max(C)`` for a PSD model). With
        penalty ``lambda`` and smoothing ``beta_abs``, a zero column can grow
        only along a direction whose eigenvalue exceeds
        ``lambda / sqrt(beta_abs)``, so ``lambda_max = sqrt(beta_abs) * rho`` is
        the smallest penalty at which ``U = 0`` is a local minimum.
    sigma : float
        The size of the best rank-one fit ``t v v^T`` along the top eigenvector
        ``v`` of ``C``: an estimate of the largest eigenvalue of the planted
        matrix, in the units of ``U U^T``.
    loss_at_zero : float
        The loss of the unpenalized part alone (``U = 0``).
    target_scale : float
        Root mean square of ``r0``, the unit of the linear weights and the
        intercept in the solvers. (The root mean square of ``y`` itself would
        make the intercept direction stiff when ``y`` has a large mean.)
    factor_whitening, linear_whitening : Whitening or None
        The change of variables under which the solvers see the inputs of
        rank-one measurements and the rows of the linear design whitened
        (:mod:`skprune.whitening`); ``None`` leaves the variables as they are.
    """

    correlation: float
    sigma: float
    loss_at_zero: float
    target_scale: float
    factor_whitening: Whitening | None = None
    linear_whitening: Whitening | None = None


def unpenalized_model(datafit: Datafit) -> QuadraticModel:
    """The model with no column and the least-squares linear part and constant."""
    coef, intercept = datafit.fit_unpenalized_part()
    d = datafit.n_features
    return QuadraticModel(np.zeros((d, 0)), np.zeros(0), coef, intercept)


def _correlation_eigh(matrix: np.ndarray, round_off: float):
    """Eigenvalues (ascending) and eigenvectors of a symmetric correlation,
    with the eigenvalues at the round-off level of the largest set to zero
    (``d * round_off`` times it, ``round_off`` being the relative round-off
    of the arithmetic that formed ``matrix``): along a direction the
    measurements do not see, round-off would be all there is to tell a column
    to grow, and its size divides by a curvature of about zero."""
    eigenvalues, eigenvectors = eigh(matrix)
    level = matrix.shape[0] * round_off * np.max(np.abs(eigenvalues))
    return np.where(np.abs(eigenvalues) <= level, 0.0, eigenvalues), eigenvectors


def _residual_spectrum(
    datafit: Datafit, model: QuadraticModel, correlation: np.ndarray | None = None
) -> tuple:
    """Eigenvalues (ascending) and eigenvectors of the residual correlation
    ``C`` at ``model`` (:func:`_correlation_eigh`): what the saddle escapes
    read to decide which directions can grow from zero. ``correlation`` is
    ``C`` when already known, else it is formed here."""
    if correlation is None:
        correlation = datafit.residual_correlation(model)
    return _correlation_eigh(correlation, datafit.round_off)


def _top_pairs(spectrum: tuple) -> dict:
    """For each sign ``a`` in ``{+1, -1}``: the largest eigenvalue of ``a C``
    and its eigenvector, from the ``spectrum`` of ``C``."""
    eigenvalues, eigenvectors = spectrum
    return {
        1.0: (eigenvalues[-1], eigenvectors[:, -1]),
        -1.0: (-eigenvalues[0], eigenvectors[:, 0]),
    }


def estimate_scale(
    datafit: Datafit,
    signs: np.ndarray,
    start: QuadraticModel | None = None,
    spectrum: tuple | None = None,
    second_moments: tuple | None = None,
) -> ProblemScale:
    """Read the :class:`ProblemScale` of a problem off its data.

    ``start`` is :func:`unpenalized_model` of ``datafit``, ``spectrum`` the
    :func:`_residual_spectrum` there and ``second_moments`` the datafit's
    ``input_second_moments()``, each computed here when not given.
    """
    if start is None:
        start = unpenalized_model(datafit)
    if spectrum is None:
        spectrum = _residual_spectrum(datafit, start)
    top = _top_pairs(spectrum)
    rho = max((top[sign][0] for sign in np.unique(signs)), default=0.0)
    eigenvalue, direction = max(top.values(), key=lambda pair: pair[0])
    curvature = datafit.curvature_along(direction)
    sigma = eigenvalue / curvature if curvature > 0 else 0.0
    if not (np.isfinite(sigma) and sigma > 0):
        sigma = 1.0  # nothing to fit: any positive unit will do
    loss = datafit.value(start)
    if second_moments is None:
        second_moments = datafit.input_second_moments()
    vectors, rows = second_moments
    factor_whitening = whitening(vectors, datafit.round_off)
    return ProblemScale(
        correlation=float(max(rho, 0.0)),
        sigma=float(sigma),
        loss_at_zero=float(loss),
        target_scale=float(np.sqrt(2.0 * loss)) or 1.0,
        factor_whitening=factor_whitening,
        linear_whitening=(
            factor_whitening if rows is vectors else whitening(rows, datafit.round_off)
        ),
    )


@dataclass(frozen=True)
class Problem:
    """A problem resolved for training: everything a penalty path shares.

    :func:`resolve_problem` builds it once per data set; every penalty
    strength of a path, and every stage, reuses it.

    Attributes
    ----------
    datafit : Datafit
        The loss on the training data.
    signs : ndarray of shape (k,)
        The fixed sign of each column.
    start : QuadraticModel
        :func:`unpenalized_model`: no column, the least-squares linear part.
    scale : ProblemScale
        The scales read off the data.
    penalty : SmoothGroupLasso
        The penalty with its absolute smoothing ``beta_abs = beta * sigma``.
    start_spectrum : tuple or None
        The eigenvalues (ascending) and eigenvectors of the centered residual
        correlation ``C_c`` at ``start`` (:func:`_correlation_eigh`), whose
        eigenvectors the spectral start sizes (:func:`sized_spectral_model`),
        at every strength of a path; ``None`` for a problem that no start
        reads.
    """

    datafit: Datafit
    signs: np.ndarray
    start: QuadraticModel
    scale: ProblemScale
    penalty: SmoothGroupLasso
    start_spectrum: tuple | None

    @property
    def lambda_max(self) -> float:
        """The smallest penalty at which ``U = 0`` is a local minimum."""
        return self.penalty.lambda_max(self.scale.correlation)


def resolve_problem(datafit: Datafit, signs: np.ndarray, beta: float) -> Problem:
    """Fit the unpenalized part, read the scales and the spectrum of the
    start, and set ``beta_abs``.

    ``beta`` is relative to ``sigma`` (see :class:`ProblemScale`). The start's
    centered correlation is ``C_c = C - mean(r) S``, with ``C`` the residual
    correlation, ``mean(r)`` the weighted mean of the residual ``y - f`` and
    ``S = (1/n) sum_i s_i S_i`` the mean measurement: for rank-one
    measurements the vectors' second moment, which the scales form anyway
    (its own product would cost as much as ``C``'s), else the datafit's
    ``measurement_mean()``, formed in the pass that forms ``C``
    (``residual_correlation_and_measurement_mean``). With an intercept the
    residual of the unpenalized part has mean zero, and one spectrum serves
    both the scales and the start.
    """
    start = unpenalized_model(datafit)
    second_moments = datafit.input_second_moments()
    mean = second_moments[0]
    if datafit.fit_intercept or mean is not None:
        correlation = datafit.residual_correlation(start)
    else:
        correlation, mean = datafit.residual_correlation_and_measurement_mean(start)
    spectrum = _correlation_eigh(correlation, datafit.round_off)
    scale = estimate_scale(datafit, signs, start, spectrum, second_moments)
    if not datafit.fit_intercept:
        centered = correlation - datafit.mean_residual(start) * mean
        spectrum = _correlation_eigh(centered, datafit.round_off)
    penalty = SmoothGroupLasso(beta * scale.sigma)
    return Problem(datafit, signs, start, scale, penalty, spectrum)


class _ScaledObjective:
    """The objective ``L + strength * R~`` as a function of one scaled flat vector.

    ``R~`` is the penalty at its best rotation of each sign's columns
    (:meth:`SmoothGroupLasso.least_over_rotations`): ``L`` depends on the
    columns of sign ``a`` only through ``U_a U_a^T``, so ``L + strength * R~``
    is ``L + strength * R`` minimized over those rotations, and it equals it
    where each sign's columns are orthogonal (:func:`_orthogonal_columns`
    rotates them so). Training minimizes it: the directions in which only the
    rotation changes, along which ``F`` itself curves as little as the
    penalty's strength, are exactly flat, and the solver no longer has to
    travel them. With ``modulo_rotations=False`` the objective is
    ``L + strength * R`` itself, as the theory's gradient descent sees it.

    The vector holds ``V``, ``v`` and ``c`` with ``U = sqrt(sigma) W_x V``,
    ``coef = t W_z v`` and ``intercept = t c`` (``t`` the ``target_scale``,
    ``W_x`` and ``W_z`` the whitenings of :class:`ProblemScale`, the identity
    where ``None``), and the objective is divided by ``unit`` (the loss of the
    unpenalized part alone by default).

    It keeps its last evaluation, in the units of the loss: evaluated at
    that point again, it returns it without a pass over the data, and so
    does the same objective in another unit (:meth:`in_unit`); and it keeps
    the residual correlation the datafit formed there, if it did
    (:meth:`residual_correlation_at`): where the solver stops, a saddle
    escape reads it instead of another pass over the data.
    """

    def __init__(
        self,
        datafit,
        penalty,
        strength,
        signs,
        scale: ProblemScale,
        unit=None,
        modulo_rotations=True,
    ):
        self.datafit = datafit
        self.penalty = penalty
        self.strength = strength
        self.signs = signs
        self.modulo_rotations = modulo_rotations
        self.factor_scale = np.sqrt(scale.sigma)
        self.linear_scale = scale.target_scale
        if unit is None:
            unit = scale.loss_at_zero
        self.objective_scale = unit if unit > 0 else 1.0
        self.shape = (datafit.n_features, signs.shape[0])
        self.factor_whitening = scale.factor_whitening
        self.linear_whitening = scale.linear_whitening if datafit.n_linear else None
        self._last = None  # (x, value, gradient, C or None) in units of the loss

    def in_unit(self, unit: float) -> "_ScaledObjective":
        """The same objective divided by ``unit`` instead, which knows the
        last evaluation of this one (fine-tuning's refining rounds)."""
        other = copy(self)
        other.objective_scale = unit if unit > 0 else 1.0
        return other

    def _pack(self, factor, coef, intercept) -> np.ndarray:
        """Concatenate the blocks; the intercept only when it is fitted."""
        blocks = [factor.ravel(), coef]
        if self.datafit.fit_intercept:
            blocks.append([intercept])
        return np.concatenate(blocks)

    def flatten(self, model: QuadraticModel) -> np.ndarray:
        return self._pack(
            inverse_times(self.factor_whitening, model.factor) / self.factor_scale,
            inverse_times(self.linear_whitening, model.coef) / self.linear_scale,
            model.intercept / self.linear_scale,
        )

    def model(self, x: np.ndarray) -> QuadraticModel:
        n_factor = self.shape[0] * self.shape[1]
        n_linear = self.datafit.n_linear
        factor = x[:n_factor].reshape(self.shape) * self.factor_scale
        factor = times(self.factor_whitening, factor)
        coef = x[n_factor : n_factor + n_linear] * self.linear_scale
        coef = times(self.linear_whitening, coef)
        intercept = x[-1] * self.linear_scale if self.datafit.fit_intercept else 0.0
        return QuadraticModel(factor, self.signs, coef, float(intercept))

    def residual_correlation_at(self, x: np.ndarray) -> np.ndarray | None:
        """The residual correlation ``C`` at ``self.model(x)`` if ``x`` is the
        point last evaluated and the datafit formed ``C`` there, else ``None``.
        ``C`` depends on ``U`` only through ``U D U^T``, so it holds as well
        for the columns rotated (:func:`_orthogonal_columns`) or padded with
        zero columns."""
        return self._last[3] if self._evaluated_last(x) else None

    def _evaluated_last(self, x: np.ndarray) -> bool:
        """Whether ``x`` is the point last evaluated."""
        return self._last is not None and np.array_equal(x, self._last[0])

    def __call__(self, x: np.ndarray):
        if not self._evaluated_last(x):
            self._last = (x.copy(), *self._evaluate(x))
        _, value, gradient, _ = self._last
        return value / self.objective_scale, gradient / self.objective_scale

    def _evaluate(self, x: np.ndarray):
        """``F`` at ``x``, its gradient in ``x`` (both in the units of the
        loss) and the residual correlation if the datafit formed it."""
        model = self.model(x)
        value, (grad_factor, grad_coef, grad_intercept), correlation = (
            self.datafit.value_gradient_and_correlation(model)
        )
        if self.strength > 0:
            if self.modulo_rotations:
                penalty, grad_penalty = self.penalty.least_over_rotations(
                    model.factor, self.signs
                )
            else:
                penalty, grad_penalty = self.penalty.value_and_gradient(model.factor)
            value += self.strength * penalty
            grad_factor = grad_factor + self.strength * grad_penalty
        # W is symmetric: the chain rule multiplies the gradients by W too.
        gradient = self._pack(
            times(self.factor_whitening, grad_factor) * self.factor_scale,
            times(self.linear_whitening, grad_coef) * self.linear_scale,
            grad_intercept * self.linear_scale,
        )
        return value, gradient, correlation


@dataclass
class StageResult:
    """Outcome of :func:`train` or :func:`fine_tune`.

    Attributes
    ----------
    model : QuadraticModel
        Final parameters.
    objective_curve : ndarray
        The stage's objective (in the units of the loss) at the start and after
        every solver iteration; a saddle escape starts a new run, whose start
        is recorded too.
    n_iter : int
        Solver iterations, over all runs of the stage.
    converged : bool
        Whether the stage met its stopping rule within its iteration limit.
    n_escapes : int
        Columns grown by saddle escapes (always 0 for fine-tuning).
    residual_spectrum : tuple or None
        When training ended where no column can grow: the eigenvalues and
        eigenvectors of the residual correlation at ``model``
        (:func:`_residual_spectrum`), which depend on the model alone, so a
        path hands them to the next point's first saddle escape; ``None``
        otherwise.
    inverse_curvature : float or None
        The solver's scale at the end of training
        (:attr:`~skprune.solvers.SolverResult.inverse_curvature`), in the
        units of the objective that :class:`_ScaledObjective` gives training:
        a later training of the same problem takes its first step with it.
        ``None`` for fine-tuning.
    """

    model: QuadraticModel
    objective_curve: np.ndarray
    n_iter: int
    converged: bool
    n_escapes: int = 0
    residual_spectrum: tuple | None = None
    inverse_curvature: float | None = None


def continued(first: StageResult, then: StageResult) -> StageResult:
    """``then``, a run of the same stage that started where ``first`` ended,
    counted together with ``first``: one objective curve (the point where one
    ends and the other starts once), the iterations and escapes of both."""
    return replace(
        then,
        objective_curve=np.concatenate(
            [first.objective_curve, then.objective_curve[1:]]
        ),
        n_iter=first.n_iter + then.n_iter,
        n_escapes=first.n_escapes + then.n_escapes,
    )


def why_unconverged(
    result: StageResult, limit_name: str, max_iter: int, n_columns: int = 0
) -> str:
    """Why a stage that did not converge stopped, for its warning: it used
    its ``max_iter`` iterations (the parameter ``limit_name``), or, in
    training, all ``n_columns`` saddle escapes; else L-BFGS stalled, which
    only a poorly conditioned objective makes it do."""
    if result.n_iter >= max_iter:
        return (
            f"it used all {limit_name}={max_iter} iterations. Increase "
            f"{limit_name}, or loosen tol."
        )
    if n_columns and result.n_escapes >= n_columns:
        return (
            f"it used all {n_columns} saddle escapes (one per column). Increase "
            "max_iter, or loosen tol."
        )
    return (
        f"after {result.n_iter} iterations L-BFGS stopped making progress, even "
        "from fresh restarts, while the gradient was still above sqrt(tol): the "
        "objective is poorly conditioned. Loosen tol, or rescale the inputs."
    )


def _escape_step(
    problem: Problem,
    strength: float,
    model: QuadraticModel,
    spectrum: tuple | None = None,
):
    """A column near zero, and a step along which ``F`` curves down.

    Adding ``t v`` to column ``j`` of sign ``a`` changes ``F`` by
    ``-gap t^2 + kappa t^4 / 2`` up to the terms in the column's current
    value, where ``gap = a v^T C v - lambda phi(s_j) / 2`` (``C`` the residual
    correlation, ``phi`` the penalty's
    :meth:`~SmoothGroupLasso.column_curvature`) and ``kappa`` the curvature of
    the loss along ``v v^T`` (the datafit's ``curvature_along``).
    For the smallest column of each sign, if the penalty counts it as near
    zero (:meth:`~SmoothGroupLasso.near_zero`), and the top eigenvector ``v``
    of ``a C``, take the largest ``gap``; if it exceeds
    ``SADDLE_TOLERANCE * rho``, return ``(j, t v)`` with the ``t`` that
    minimizes that quartic, ``t^2 = gap / kappa``. Return ``None`` when no
    column can grow: the point is then an approximate second-order stationary
    point for the columns that are near zero (with ``lambda = 0`` the penalty
    still sets which columns count as near zero). ``spectrum`` is
    :func:`_residual_spectrum` at ``model``, computed here when not given.
    """
    if model.factor.shape[1] == 0 or not problem.scale.correlation > 0:
        return None  # rho = 0: no direction correlates with the residual
    datafit, penalty = problem.datafit, problem.penalty
    if spectrum is None:
        spectrum = _residual_spectrum(datafit, model)
    top = _top_pairs(spectrum)
    squared_norms = np.sum(model.factor**2, axis=0)
    threshold = 0.5 * strength * penalty.column_curvature(squared_norms)
    best = None
    for sign in np.unique(model.signs):
        # Only columns the penalty treats as near zero are candidates: for
        # larger ones the expansion above leaves out terms of the same order.
        columns = np.flatnonzero(
            (model.signs == sign) & penalty.near_zero(squared_norms)
        )
        if columns.size == 0:
            continue
        column = columns[np.argmin(squared_norms[columns])]
        eigenvalue, direction = top[sign]
        gap = eigenvalue - threshold[column]
        if gap > SADDLE_TOLERANCE * problem.scale.correlation and (
            best is None or gap > best[0]
        ):
            best = (gap, column, direction)
    if best is None:
        return None
    gap, column, direction = best
    return column, np.sqrt(gap / datafit.curvature_along(direction)) * direction


def _grown(problem: Problem, strength: float, model: QuadraticModel, spectrum):
    """``model`` with every direction that can grow from a zero column grown at
    once, and the number of columns grown; ``None`` when there is none.

    The candidates of sign ``a`` are the eigenvectors ``v`` of ``a C`` (``C``
    the residual correlation, ``spectrum`` its eigendecomposition at
    ``model``) whose eigenvalue exceeds ``lambda phi(0) / 2 = lambda /
    sqrt(beta_abs)`` by more than ``SADDLE_TOLERANCE * rho``, largest first,
    as many as the sign has columns that are exactly zero: the test of
    :func:`_escape_step`, exact for a zero column, each of which could grow
    alone. Rather than one column per escape, they are sized together as the
    spectral start sizes its directions (:func:`_with_sized_directions`), the
    other columns held fixed. Returns ``None`` also when that sizing does not
    lower ``F``, or sets every candidate to zero; the escape is then
    :func:`_escape_step`'s.
    """
    if not problem.scale.correlation > 0:
        return None
    threshold = 0.5 * strength * problem.penalty.column_curvature(np.zeros(1))[0]
    margin = SADDLE_TOLERANCE * problem.scale.correlation
    picks = _directions_for_zero_columns(model, spectrum, threshold + margin)
    if not picks:
        return None
    grown, sizes, lowered = _with_sized_directions(problem, model, picks, strength)
    if not (lowered > 0 and np.any(sizes > 0)):
        return None
    return grown, int(np.count_nonzero(sizes))


def _escape(problem: Problem, strength: float, model: QuadraticModel, spectrum):
    """The saddle escape at ``model``: the model after it and the number of
    columns it grew, or ``None`` when no column can grow. Directions that can
    grow from columns at zero grow together (:func:`_grown`); otherwise the
    smallest near-zero column takes one step (:func:`_escape_step`)."""
    if (grown := _grown(problem, strength, model, spectrum)) is not None:
        return grown
    if (step := _escape_step(problem, strength, model, spectrum)) is not None:
        return _escaped(model, *step), 1
    return None


def train(
    problem: Problem,
    strength: float,
    model: QuadraticModel,
    *,
    max_iter: int,
    tol: float,
    escape_first: bool = False,
    start_spectrum: tuple | None = None,
    inverse_curvature: float | None = None,
    modulo_rotations: bool = True,
    verbose: int = 0,
) -> StageResult:
    """Minimize ``F = L + strength * R_beta`` from ``model`` to a second-order
    point.

    ``strength`` is the absolute penalty ``lambda``. Runs L-BFGS on ``F``
    minimized over rotations of each sign's columns (:class:`_ScaledObjective`)
    and rotates the result to orthogonal columns (:func:`_orthogonal_columns`),
    where the two objectives agree; a direction split over two parallel
    columns is thereby merged into one. Without a penalty (``strength = 0``)
    every rotation is as good and the columns are left as L-BFGS leaves them:
    how their norms spread is the theory's negative result. When L-BFGS stops
    before ``max_iter`` (converged, or stalled after its restarts), it escapes
    the saddle that gradient steps leave slowly (:func:`_escape`): every
    direction that can grow from a column at zero grows at once, sized
    jointly (:func:`_grown`), or else the smallest near-zero column of some
    sign takes a step along which ``F`` curves down (:func:`_escape_step`);
    L-BFGS runs again from there, within ``max_iter`` iterations and ``k``
    columns grown by escapes in all (running out of either is reported as not
    converged).

    ``modulo_rotations=False`` runs L-BFGS on ``F`` itself, the trajectory of
    the theory's gradient descent; the rotation to orthogonal columns is then
    a saddle escape of its own, taken when it lowers ``F`` by more than
    ``sqrt(tol)`` relative (the precision to which L-BFGS counts a point as
    stationary).

    ``escape_first`` checks before the first run too: for a start that was
    trained at a stronger penalty, whose columns at zero may already be able
    to grow at this one. The test is exact for a column at zero (the gradient
    of ``F`` with respect to it vanishes wherever the others are), so it
    needs no stationary point, and it saves converging once without the
    columns that grow. ``start_spectrum``, when given, is
    :func:`_residual_spectrum` at ``model`` (the previous path point's
    ``residual_spectrum``): the escape then reuses it.

    ``inverse_curvature``, when given, scales L-BFGS's first step (see
    :func:`~skprune.solvers.lbfgs`): a start trained within a subspace
    (:func:`spectral_model`) hands over the scale its training ended with.
    Each later run (after a saddle escape) starts from the scale of the run
    before.

    Columns that are exactly zero stay out of the arithmetic (a working set):
    the gradient of ``F`` with respect to a zero column is zero (both the loss
    term ``C u_j`` and the penalty's vanish), so gradient-based steps would
    leave it at zero anyway, and an evaluation costs in the number of live
    columns rather than ``k``. Such a column enters only through a saddle
    escape, whose test (the top eigenvalue of the residual correlation
    against the penalty's curvature at zero) is exactly whether it could grow.
    """
    tol = attainable_tol(tol, problem.datafit)
    curve, n_iter, n_escapes, converged = [], 0, 0, False
    objective_scale = final_spectrum = None
    if escape_first:
        if start_spectrum is None:
            start_spectrum = _residual_spectrum(problem.datafit, model)
        if escape := _escape(problem, strength, model, start_spectrum):
            model, n_escapes = escape
            if verbose:
                print(f"[train] saddle escape: {n_escapes} columns can grow at once")
    while n_iter < max_iter:
        live = np.any(model.factor != 0, axis=0)
        objective = _ScaledObjective(
            problem.datafit,
            problem.penalty,
            strength,
            model.signs[live],
            problem.scale,
            modulo_rotations=modulo_rotations,
        )
        objective_scale = objective.objective_scale
        x = objective.flatten(model.select_columns(live))
        if x.size:
            result = lbfgs(
                objective,
                x,
                max_iter=max_iter - n_iter,
                tol=tol,
                report=_iteration_printer("train", objective, n_iter, verbose),
                round_off=problem.datafit.round_off,
                inverse_curvature=inverse_curvature,
            )
            x, inverse_curvature = result.x, result.inverse_curvature
            model = _with_live_columns(model, live, objective.model(x))
            if modulo_rotations and strength > 0:  # where F and F~ agree
                model = _orthogonal_columns(model)
            curve.extend(result.objective_curve)
            n_iter += result.n_iter
            run_converged = result.converged
        else:  # nothing to optimize until a column can grow
            curve.append(objective(x)[0])
            run_converged = True
        if n_iter >= max_iter:
            break
        if not modulo_rotations:
            rotated = _orthogonal_columns(model)
            lowered = strength * (
                problem.penalty.value(model.factor)
                - problem.penalty.value(rotated.factor)
            )
            if lowered > np.sqrt(tol) * max(abs(curve[-1]), 1.0) * objective_scale:
                if n_escapes >= model.factor.shape[1]:
                    break
                model = rotated  # the same U D U^T at a lower penalty: train on
                n_escapes += 1
                if verbose:
                    print(f"[train] saddle escape {n_escapes}: columns rotated")
                continue
        spectrum = _residual_spectrum(
            problem.datafit, model, objective.residual_correlation_at(x)
        )
        escape = _escape(problem, strength, model, spectrum)
        if escape is None:
            converged, final_spectrum = run_converged, spectrum
            break
        if n_escapes >= model.factor.shape[1]:
            break
        model, n_grown = escape
        n_escapes += n_grown
        if verbose:
            print(f"[train] saddle escape: {n_grown} columns can grow")
    curve = np.asarray(curve) * (objective_scale or 1.0)
    return StageResult(
        model, curve, n_iter, converged, n_escapes, final_spectrum, inverse_curvature
    )


def _orthogonal_columns(model: QuadraticModel) -> QuadraticModel:
    """``model`` with the live columns of each sign rotated to be orthogonal.

    ``U_a -> U_a Q`` with ``U_a^T U_a = Q diag(s) Q^T`` (``U_a`` the live
    columns of sign ``a``) leaves ``U D U^T``, hence the loss, unchanged, and
    makes the squared column norms ``s``. Any other rotation's squared norms
    are the diagonal of ``Q'^T diag(s) Q'``, majorized by ``s`` (Schur-Horn),
    and the penalty is a sum of one concave function of each squared norm, so
    among all rotations this one has the smallest penalty. A direction split
    over parallel columns (a saddle that gradient steps leave only slowly) is
    merged into one column; columns left with ``s`` at round-off become
    exactly zero.
    """
    factor = model.factor.copy()
    for sign in np.unique(model.signs):
        columns = np.flatnonzero((model.signs == sign) & np.any(factor != 0, axis=0))
        if columns.size < 2:
            continue
        block = factor[:, columns]
        squared, rotation = np.linalg.eigh(block.T @ block)
        rotated = block @ rotation[:, ::-1]
        negligible = squared[::-1] <= columns.size * np.finfo(float).eps * squared[-1]
        rotated[:, negligible] = 0.0
        factor[:, columns] = rotated
    return replace(model, factor=factor)


def _escaped(model: QuadraticModel, column: int, step: np.ndarray) -> QuadraticModel:
    """``model`` with ``step`` added to ``column`` (a saddle escape)."""
    factor = model.factor.copy()
    factor[:, column] += step
    return replace(model, factor=factor)


def _iteration_printer(stage, objective, done, verbose):
    """At ``verbose >= 2``, a report that prints each iteration's objective in
    the units of the loss (as the stage summaries do), counting from ``done``
    iterations already run in the stage."""
    if verbose < 2:
        return None

    def report(iteration, value):
        print(
            f"[{stage}] iteration {done + iteration}: objective "
            f"{value * objective.objective_scale:.6e}"
        )

    return report


def _with_live_columns(model: QuadraticModel, live: np.ndarray, sub: QuadraticModel):
    """``model`` with its ``live`` columns, linear part and constant from ``sub``."""
    factor = model.factor.copy()
    factor[:, live] = sub.factor
    return QuadraticModel(factor, model.signs, sub.coef, sub.intercept)


@dataclass(frozen=True)
class Pruning:
    """Outcome of :func:`prune`.

    Attributes
    ----------
    column_norms : ndarray of shape (k,)
        Column norms of the trained factor.
    threshold : float
        The absolute norm threshold.
    support : ndarray of shape (k,), dtype=bool
        The columns kept: those of norm strictly above ``threshold``.
    model : QuadraticModel
        The trained model restricted to ``support``.
    """

    column_norms: np.ndarray
    threshold: float
    support: np.ndarray
    model: QuadraticModel


def prune(model: QuadraticModel, prune_threshold, penalty: SmoothGroupLasso) -> Pruning:
    """Keep the columns of ``model`` whose norm clears ``prune_threshold``
    (``"auto"`` or a fraction of the largest norm, see
    :func:`~skprune.pruning.resolve_threshold`)."""
    column_norms = np.linalg.norm(model.factor, axis=0)
    threshold = resolve_threshold(prune_threshold, column_norms, penalty)
    support = keep_mask(column_norms, threshold)
    return Pruning(column_norms, threshold, support, model.select_columns(support))


#: Fine-tuning starts another round, with the objective measured in units of
#: the loss reached, while a round ends below this fraction of its unit.
REFINE_FACTOR = 1e-2

#: ... unless the round's resolution, ``tol`` times its unit, is already below
#: this fraction of the statistical excess loss (:func:`_statistical_excess`).
STATISTICAL_FRACTION = 1e-3


def _statistical_excess(loss: float, model: QuadraticModel, datafit: Datafit):
    """About how far the loss of the truth lies above that of a least-squares
    fit of the ``p`` parameters of ``model`` to ``n`` noisy samples, given the
    fit's ``loss``: ``loss * p / (n - p)`` (for noise of variance ``v`` the
    fit's loss is about ``v (n - p) / (2 n)`` and the excess ``v p / (2 n)``);
    zero when ``p >= n``, where no noise level can be read off the loss."""
    n_parameters = model.factor.size + model.coef.size + int(datafit.fit_intercept)
    n_samples = datafit.n_samples
    if n_samples <= n_parameters:
        return 0.0
    return loss * n_parameters / (n_samples - n_parameters)


def fine_tune(
    datafit: Datafit,
    model: QuadraticModel,
    scale: ProblemScale,
    *,
    solver: str,
    max_iter: int,
    tol: float,
    verbose: int = 0,
) -> StageResult:
    """Minimize the unpenalized loss ``L`` from ``model`` (its columns are kept).

    ``solver`` is a name of :data:`skprune.solvers.SOLVERS`: ``"lbfgs"``, or
    ``"gd"`` (gradient descent with Armijo backtracking, whose linear rate the
    theory describes).

    The solvers stop relative to the objective's unit, first the loss of
    ``U = 0``. A round that ends with the loss below ``REFINE_FACTOR`` times
    its unit shows that the data are fit far below that unit, so another
    round runs with the loss it reached as the unit (the start does not count:
    pruning a trained model often starts far below the loss of ``U = 0``
    already), until a round ends above that fraction of its unit, the loss
    is below ``tol^2`` times the loss of ``U = 0`` (a relative residual below
    ``tol``), ``max_iter`` iterations are spent, or the round's resolution,
    ``tol`` times its unit, is below ``STATISTICAL_FRACTION`` times the
    statistical excess loss that the loss reached implies
    (:func:`_statistical_excess`): the optimization error is then far below
    the statistical one. Noisy data that the model fits well stop after one
    round when the samples are few for the parameters, as at ``n = 5 d r``,
    and after two when they are many; data fit loosely (a loss above a
    hundredth of that of ``U = 0``) stop after one; noiseless data converge to
    the planted matrix, at the linear rate. A refining round starts where the
    round before stopped, whose value and gradient the objective in its new
    unit knows (:meth:`_ScaledObjective.in_unit`): no pass over the data.
    Its L-BFGS starts without a scale for its first step: the previous
    round's, tried over 27 planted fits, saved 0 to 6 evaluations but moved
    the noiseless errors both ways by up to 1.7 times.
    """
    run = get_solver(solver)
    if run is lbfgs:
        run = partial(lbfgs, round_off=datafit.round_off)
    tol = attainable_tol(tol, datafit)
    unit = floor = scale.loss_at_zero
    floor *= tol**2
    curve, n_iter, converged, refining = [], 0, True, False
    objective = _ScaledObjective(datafit, None, 0.0, model.signs, scale, unit)
    x = objective.flatten(model)
    while True:
        if max_iter - n_iter <= 0 or x.size == 0:
            if not curve:
                curve = [datafit.value(model)]
            break
        result = run(
            objective,
            x,
            max_iter=max_iter - n_iter,
            tol=tol,
            report=_iteration_printer("fine-tune", objective, n_iter, verbose),
        )
        x, model = result.x, objective.model(result.x)
        round_curve = np.asarray(result.objective_curve) * objective.objective_scale
        curve.extend(round_curve if not curve else round_curve[1:])
        n_iter += result.n_iter
        # A refining round stops on its decrease in its own small unit; only
        # running out of iterations makes it unconverged.
        converged = result.converged or (refining and n_iter < max_iter)
        reached = float(round_curve[-1])
        if (
            reached <= floor
            or not 0 < reached <= REFINE_FACTOR * unit
            or tol * unit
            <= STATISTICAL_FRACTION * _statistical_excess(reached, model, datafit)
        ):
            break
        objective, unit, refining = objective.in_unit(reached), reached, True
    return StageResult(model, np.asarray(curve), n_iter, converged)


def random_model(
    problem: Problem, init_scale: float, random_state: np.random.RandomState
) -> QuadraticModel:
    """The small random start of the theory: a factor with independent
    ``N(0, init_scale^2 sigma / d)`` entries (column norms about
    ``init_scale * sqrt(sigma)``) next to the unpenalized part of
    ``problem.start``."""
    d, k = problem.start.factor.shape[0], problem.signs.shape[0]
    factor = random_state.standard_normal((d, k))
    factor *= init_scale * np.sqrt(problem.scale.sigma / d)
    return QuadraticModel(
        factor, problem.signs, problem.start.coef, problem.start.intercept
    )


def spectral_model(
    problem: Problem, alpha: float, *, max_iter: int, tol: float
) -> tuple[QuadraticModel, float | None]:
    """The spectral start: the columns of :func:`sized_spectral_model`, trained
    within their span (:func:`_trained_in_span`), and the scale its training
    ended with (``StageResult.inverse_curvature``; ``None`` where it was not
    trained).

    The sizes alone fix each column along an eigenvector of ``C_c``, which
    the planted directions are only near: part of the planted matrix then
    shows along other eigenvectors, whose columns get sizes of their own
    (at ``n = 5 d r`` on Gaussian sensing, one or two columns beside the
    planted three in 5 of 8 fits), and training spent most of its iterations
    shrinking them. Within the span, the columns rotate to take that part up,
    and such a column shrinks to a small fraction of the prune threshold
    (exactly zero, out of the arithmetic, once it reaches round-off) at the
    cost of evaluations on data of ``p^2`` numbers per sample.
    Rank-one measurements (vector sensing, the network) keep the sized
    columns: their starts had no such columns, and on ``load_diabetes`` the
    start trained within its span made training up to 2.3 times longer.
    """
    model = sized_spectral_model(problem, alpha)
    if problem.datafit.rank_one:
        return model, None
    return _trained_in_span(
        problem, model, alpha * problem.lambda_max, max_iter=max_iter, tol=tol
    )


def _trained_in_span(
    problem: Problem, model: QuadraticModel, strength: float, *, max_iter, tol
) -> tuple[QuadraticModel, float | None]:
    """``model`` trained at penalty ``strength`` with its live columns kept
    within their span: :func:`train` on ``U = B W`` (``B`` the live columns,
    which are orthogonal, normalized) with the datafit's ``in_subspace(B)``,
    whose data have ``p^2`` numbers per sample for ``p`` live columns, so
    that an evaluation costs far less than one over the data (the penalty
    sees ``||B w_j|| = ||w_j||``), and the scale its training ended with:
    ``U = B W`` keeps lengths and the objective's units (those of
    :class:`_ScaledObjective` for ``problem``), so a training on all the data
    can take its first step with it. Models with fewer than two live columns
    are returned as they are (no rotation can help them), and so are those
    with more ``p (p + 1) / 2`` than ``d``: restricting dense data is one
    product of ``X`` with that many columns, whose cost grows with them (at
    ``d = 80``, ``n = 1200``, one thread: 10 columns take the time of 1.3
    evaluations, 21 of 2.5)."""
    live = np.any(model.factor != 0, axis=0)
    n_live = np.count_nonzero(live)
    if n_live < 2 or n_live * (n_live + 1) // 2 > model.factor.shape[0]:
        return model, None
    columns = model.factor[:, live]
    basis = columns / np.linalg.norm(columns, axis=0)
    signs = model.signs[live]
    restricted = Problem(
        problem.datafit.in_subspace(basis),
        signs,
        replace(problem.start, factor=np.zeros((basis.shape[1], 0))),
        replace(problem.scale, factor_whitening=None),
        problem.penalty,
        start_spectrum=None,
    )
    start = QuadraticModel(basis.T @ columns, signs, model.coef, model.intercept)
    trained = train(restricted, strength, start, max_iter=max_iter, tol=tol)
    factor = np.zeros_like(model.factor)
    factor[:, live] = basis @ trained.model.factor
    in_span = replace(trained.model, factor=factor, signs=model.signs)
    return in_span, trained.inverse_curvature


def sized_spectral_model(problem: Problem, alpha: float) -> QuadraticModel:
    """The columns of the spectral start, before :func:`spectral_model` trains
    them within their span: for each sign ``a``, columns along the directions
    that the penalty at relative strength ``alpha`` lets grow from zero, sized
    under the penalty; every other column exactly zero.

    With ``r`` the residual of the unpenalized part and ``C_c`` its centered
    correlation ``(1/n) sum_i s_i (r_i - mean(r)) S_i`` (centering removes the
    ``tr(M) I`` that rank-one measurements add to the plain correlation;
    ``problem.start_spectrum`` is its eigendecomposition), the
    candidates are the eigenvectors ``v_j`` of ``a C_c`` whose eigenvalue is
    positive and exceeds ``alpha`` times the largest over the signs in use
    (the rule by which a direction can grow under the penalty), at most as
    many as there are columns of sign ``a``. The column along ``v_j`` is
    ``sqrt(t_j) v_j``, and the sizes ``t_j`` minimize the objective of
    training restricted to these columns (:func:`_penalized_sizes`): the
    loss, which is quadratic in ``t`` (the weighted least squares of ``r`` on
    the columns ``a_j q_j``, ``q_ij = v_j^T S_i v_j``, all centered when the
    model has an intercept, which then absorbs their mean; the datafit's
    ``regress_along``), plus ``lambda R_beta``, which is
    ``lambda sum_j t_j / sqrt(t_j + beta_abs)``, over ``t >= 0``. The
    least-squares sizes alone are exact when the planted matrix has those
    eigenvectors; the penalty then sets to zero the directions whose
    least-squares size it does not support (noise directions that clear the
    threshold only through the planted part's leakage into ``C_c``), which
    training would otherwise spend its iterations shrinking, and shrinks the
    others as training would. At ``alpha >= 1`` every column starts at zero.
    Zero columns stay out of training's arithmetic until a saddle escape
    lets one grow (see :func:`train`).
    """
    start = problem.start
    empty = QuadraticModel(
        np.zeros((start.factor.shape[0], problem.signs.shape[0])),
        problem.signs,
        start.coef,
        start.intercept,
    )
    eigenvalues = problem.start_spectrum[0]
    top = max(float(np.max(sign * eigenvalues)) for sign in np.unique(problem.signs))
    picks = _directions_for_zero_columns(
        empty, problem.start_spectrum, max(alpha * top, 0.0)
    )
    if not picks:
        return empty
    return _sized_leading_directions(problem, empty, picks, alpha * problem.lambda_max)


def _sized_leading_directions(
    problem: Problem, model: QuadraticModel, picks: list, strength: float
) -> QuadraticModel:
    """``model`` with the leading ``picks`` (ordered by eigenvalue, largest
    first) sized (:func:`_with_sized_directions`): the first
    :data:`SIZING_BLOCK`, then twice as many, and so on while the penalty
    keeps every one of them, or until none is left.

    The measurements of ``m`` directions cost one product of ``X`` with ``m``
    columns, which grows with ``m`` (at ``d = 80``, ``n = 1200``, one thread:
    8 columns take 3.6 ms, 32 take 15 ms), while the penalty keeps few: on
    36 planted Gaussian problems of rank 1 to 6 (``d = 20`` to 80, noise 0
    and 0.3) it kept 1 to 8 of 8 to 33 candidates, and 5 of those kept, in 4
    fits of rank 1 or 3 at noise 0.3, came after the 8th. A direction past
    the block that could still grow is grown by training's saddle escape,
    whose test reads every eigenvector."""
    count = min(SIZING_BLOCK, len(picks))
    while True:
        sized, sizes, _ = _with_sized_directions(
            problem, model, picks[:count], strength
        )
        if count == len(picks) or not np.all(sizes > 0):
            return sized
        count = min(2 * count, len(picks))


def _directions_for_zero_columns(model: QuadraticModel, spectrum, floor) -> list:
    """``(column, sign, direction)`` for each sign ``a`` of ``model``'s
    columns: the eigenvectors of ``a C`` (``spectrum`` the eigendecomposition
    of ``C``) whose eigenvalue exceeds ``floor``, largest first, paired in
    order with the columns of sign ``a`` that are exactly zero (as many as
    there are of those). The picks of both signs together are ordered by
    their eigenvalue ``a lambda_j``, largest first."""
    eigenvalues, eigenvectors = spectrum
    zero = ~np.any(model.factor != 0, axis=0)
    ranked = []
    for sign in np.unique(model.signs):
        columns = np.flatnonzero((model.signs == sign) & zero)
        order = np.argsort(-sign * eigenvalues)
        above = [i for i in order if sign * eigenvalues[i] > floor]
        ranked += [
            (-sign * eigenvalues[index], column, sign, eigenvectors[:, index])
            for column, index in zip(columns, above, strict=False)
        ]
    ranked.sort(key=lambda pick: pick[0])
    return [pick[1:] for pick in ranked]


def _with_sized_directions(
    problem: Problem, model: QuadraticModel, picks: list, strength: float
) -> tuple:
    """``model`` with column ``j`` set to ``sqrt(t_j) v_j`` for each pick
    ``(j, a_j, v_j)`` (columns at zero, unit directions ``v_j`` of signs
    ``a_j``), the sizes ``t``, and how much lower ``F`` is than at ``model``.

    The loss is quadratic in ``t``: the weighted least squares of the residual
    of ``model`` on the measurements ``a_j v_j^T S_i v_j`` (the datafit's
    ``regress_along``, centered when the model has an intercept, which then
    absorbs their means), with least-squares sizes ``t_ls`` and curvature
    ``H``. ``t`` minimizes it plus ``strength * R_beta`` over ``t >= 0``
    (:func:`_penalized_sizes`); ``F`` is then lower by
    ``t_ls^T H t_ls / 2 - (t - t_ls)^T H (t - t_ls) / 2 - strength R(t)``.
    """
    directions = np.column_stack([direction for _, _, direction in picks])
    least_squares, curvature, means = problem.datafit.regress_along(
        model, directions, np.array([sign for _, sign, _ in picks])
    )
    sizes = _penalized_sizes(least_squares, curvature, problem.penalty, strength)
    gap = sizes - least_squares
    lowered = (
        0.5 * (least_squares @ curvature @ least_squares - gap @ curvature @ gap)
        - strength * problem.penalty.of_squared_norms(sizes)[0]
    )
    factor = model.factor.copy()
    factor[:, [column for column, _, _ in picks]] = np.sqrt(sizes) * directions
    intercept = model.intercept - (
        float(means @ sizes) if problem.datafit.fit_intercept else 0.0
    )
    return replace(model, factor=factor, intercept=intercept), sizes, lowered


def _penalized_sizes(
    least_squares: np.ndarray,
    curvature: np.ndarray,
    penalty: SmoothGroupLasso,
    strength: float,
) -> np.ndarray:
    """The sizes ``t >= 0`` that minimize
    ``(t - t_ls)^T H (t - t_ls) / 2 + strength * R(t)``, with ``R`` the
    penalty of columns of squared norms ``t``
    (:meth:`SmoothGroupLasso.of_squared_norms`), ``t_ls`` the
    ``least_squares`` sizes and ``H`` their ``curvature``.

    L-BFGS-B with the bounds ``t >= 0``, from ``max(t_ls, 0)``, in units where
    the largest start is one and the objective is measured against the loss
    that ``t_ls`` removes; ``R`` is concave in ``t``, so, as training, it finds
    a local minimum. With ``strength = 0``, ``max(t_ls, 0)``.
    """
    start = np.maximum(least_squares, 0.0)
    unit = np.max(start, initial=0.0)
    if strength == 0 or unit == 0:
        return start
    objective_unit = max(
        0.5 * least_squares @ curvature @ least_squares, np.finfo(float).tiny
    )

    def objective(scaled):
        sizes = unit * scaled
        gap = sizes - least_squares
        slope = curvature @ gap
        penalty_value, penalty_slope = penalty.of_squared_norms(sizes)
        value = 0.5 * gap @ slope + strength * penalty_value
        gradient = unit * (slope + strength * penalty_slope)
        return value / objective_unit, gradient / objective_unit

    result = minimize(
        objective,
        start / unit,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, None)] * start.size,
        options={"ftol": 1e-10, "gtol": 1e-10},
    )
    return unit * result.x


def start_model(
    problem: Problem,
    init: str,
    alpha: float,
    init_scale: float,
    random_state: np.random.RandomState,
    *,
    max_iter: int,
    tol: float,
) -> tuple[QuadraticModel, float | None]:
    """The start of training: ``"spectral"`` (:func:`spectral_model` at relative
    strength ``alpha``, trained within its span with ``max_iter`` and ``tol``)
    or ``"random"`` (:func:`random_model`, the small random start of the
    theory); and the scale for training's first step (see :func:`train`),
    ``None`` but for a start that was trained."""
    if init == "spectral":
        return spectral_model(problem, alpha, max_iter=max_iter, tol=tol)
    return random_model(problem, init_scale, random_state), None
