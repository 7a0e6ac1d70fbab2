"""Solvers that minimize a smooth objective given as ``x -> (f(x), grad f(x))``.

They know nothing of factors or penalties: the caller flattens its parameters
into a vector. Both return a :class:`SolverResult` with the objective after
every iteration.
"""

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass
class SolverResult:
    """Outcome of a solver run.

    Attributes
    ----------
    x : ndarray
        Final iterate.
    objective_curve : list of float
        Objective at the start and after every iteration.
    n_iter : int
        Iterations run.
    converged : bool
        Whether the stopping rule was met before ``max_iter``.
    inverse_curvature : float or None
        ``s^T y / y^T y`` of the last iteration (``s`` the step, ``y`` the
        change of the gradient): the scale that L-BFGS gives its next step,
        about the inverse of the objective's curvature along the last
        steps; ``None`` when the solver does not keep it or no iteration
        gave a positive one.
    """

    x: np.ndarray
    objective_curve: list
    n_iter: int
    converged: bool
    inverse_curvature: float | None = None


def _check_finite(value, gradient):
    if not (math.isfinite(value) and np.isfinite(gradient).all()):
        raise FloatingPointError(
            "the objective or its gradient is not finite: the iterates diverged. "
            "Check the scale of X and y, or lower the initialization scale."
        )


def _inverse_curvature(previous, current) -> float | None:
    """``s^T y / y^T y`` between two iterates ``(x, grad f(x))``, or ``None``
    where it is not positive."""
    if previous is None or current is None:
        return None
    step, change = current[0] - previous[0], current[1] - previous[1]
    along, squared = float(step @ change), float(change @ change)
    return along / squared if along > 0 and squared > 0 else None


def lbfgs(
    objective: Objective,
    x0: np.ndarray,
    *,
    max_iter: int,
    tol: float,
    report: Callable[[int, float], None] | None = None,
    max_restarts: int = 3,
    round_off: float = 0.0,
    inverse_curvature: float | None = None,
) -> SolverResult:
    """Minimize with scipy's L-BFGS-B (no bounds).

    Converged means: no gradient entry exceeds ``tol``, or an iteration lowered
    ``f`` by at most ``tol * max(|f|, 1)`` and no gradient entry exceeds
    ``sqrt(tol)``. A stop on the decrease alone with a larger gradient (one
    poor iteration) restarts L-BFGS from there with fresh memory, at most
    ``max_restarts`` times, within ``max_iter`` iterations in all; a restart
    reuses the value and gradient at its start rather than evaluating them
    again (at ``d = 80`` an evaluation is a pass over 61 MB). A restart that
    lowers ``f`` by at most ``round_off * |f|`` (the relative round-off of
    the objective's values) is the last: the gradient left is round-off that
    fresh memory cannot remove, and each further restart spent about 20
    evaluations in failed line searches (fine-tuning float32 matrices,
    whose gradient's round-off exceeds ``sqrt(tol)`` once the objective is
    measured in units of a small loss).
    ``report(iteration, f)``, when given, is called after every iteration.

    First steps. Without memory, L-BFGS-B's first step has unit length
    along ``-grad f``, whatever the objective's curvature, and when that is
    too long its line search spends an evaluation to come back.
    ``inverse_curvature`` (a previous run's
    :attr:`SolverResult.inverse_curvature`, on an objective of the same
    units) makes it ``-inverse_curvature * grad f`` instead: L-BFGS-B then
    runs on ``x = x0 + c z`` from ``z = 0``, with ``c = inverse_curvature
    * ||grad f(x0)||``, a change of variables to which every later step and
    the stopping rule are invariant. A restart starts from the scale of the
    run before it in the same way.
    """
    curve = []

    def checked(x):
        value, gradient = objective(x)
        _check_finite(value, gradient)
        if not curve:
            curve.append(value)
        return value, gradient

    known = None  # (x, f(x), grad f(x)) where a run stopped: a restart's start
    last = None  # (x, grad f(x)) of the last evaluation: the iterate, after one
    # (x, grad f(x)) at the last two of: a run's start and its iterations
    iterates = deque(maxlen=2)

    def evaluate(x):
        nonlocal last
        if known is not None and np.array_equal(x, known[0]):
            value, gradient = known[1], known[2].copy()
        else:
            value, gradient = checked(x)
        last = (x.copy(), gradient.copy())
        if not iterates:
            iterates.append(last)
        return value, gradient

    def record(intermediate_result):
        curve.append(float(intermediate_result.fun))
        iterates.append(last)
        if report is not None:
            report(len(curve) - 1, curve[-1])

    def run(start, scale, remaining):
        """One L-BFGS-B run on ``x = start + scale * z`` (``x`` itself for
        ``scale=None``): its final ``x``, ``f``, ``grad f`` and iterations."""
        options = {"maxiter": remaining, "ftol": tol, "gtol": tol}
        if scale is None:
            result = minimize(
                evaluate,
                start,
                jac=True,
                method="L-BFGS-B",
                callback=record,
                options=options,
            )
            return result.x, result.fun, result.jac, int(result.nit)

        def scaled(z):
            value, gradient = evaluate(start + scale * z)
            return value, scale * gradient

        options["gtol"] = tol * scale  # the same test on grad f
        result = minimize(
            scaled,
            np.zeros_like(start),
            jac=True,
            method="L-BFGS-B",
            callback=record,
            options=options,
        )
        return start + scale * result.x, result.fun, result.jac / scale, int(result.nit)

    x, n_iter = np.asarray(x0, dtype=float), 0
    for restart in range(max_restarts + 1):
        iterates.clear()
        scale = None
        if inverse_curvature is not None:
            value, gradient = evaluate(x)
            known = (x, value, gradient)
            scale = inverse_curvature * float(np.linalg.norm(gradient))
            if not (math.isfinite(scale) and scale > 0):
                scale = None
        x, value, gradient, iterations = run(x, scale, max_iter - n_iter)
        lowered = np.inf if restart == 0 else known[1] - value
        n_iter += iterations
        known = (x, value, gradient)
        if len(iterates) >= 2:
            inverse_curvature = (
                _inverse_curvature(iterates[-2], iterates[-1]) or inverse_curvature
            )
        if np.max(np.abs(gradient), initial=0.0) <= np.sqrt(tol):
            return SolverResult(x, curve, n_iter, True, inverse_curvature)
        if n_iter >= max_iter or lowered <= round_off * abs(value):
            break
    return SolverResult(x, curve, n_iter, False, inverse_curvature)


def gradient_descent(
    objective: Objective,
    x0: np.ndarray,
    *,
    max_iter: int,
    tol: float,
    report: Callable[[int, float], None] | None = None,
) -> SolverResult:
    """Gradient descent with an Armijo backtracking step.

    Each iteration starts from twice the previous accepted step and halves it
    until ``f(x - t g) <= f(x) - t ||g||^2 / 2``. Converged means: an
    iteration lowered ``f`` by at most ``tol * max(|f|, 1)`` (the rule of
    :func:`lbfgs`), or no step lowers ``f`` any more. ``report`` as for
    :func:`lbfgs`.
    """
    x = np.array(x0, dtype=float)
    value, gradient = objective(x)
    _check_finite(value, gradient)
    curve = [value]
    step = 1.0
    for iteration in range(1, max_iter + 1):
        squared_gradient = float(gradient @ gradient)
        if squared_gradient == 0.0:
            return SolverResult(x, curve, iteration - 1, True)
        step *= 2.0
        while True:
            candidate = x - step * gradient
            new_value, new_gradient = objective(candidate)
            if np.isfinite(new_value) and (
                new_value <= value - 0.5 * step * squared_gradient
            ):
                break
            step *= 0.5
            if step < 1e-20:
                return SolverResult(x, curve, iteration - 1, True)
        _check_finite(new_value, new_gradient)
        decrease = value - new_value
        x, value, gradient = candidate, new_value, new_gradient
        curve.append(value)
        if report is not None:
            report(iteration, value)
        if decrease <= tol * max(abs(value), 1.0):
            return SolverResult(x, curve, iteration, True)
    return SolverResult(x, curve, max_iter, False)


#: The solvers by name; :func:`get_solver` looks them up.
SOLVERS = {"lbfgs": lbfgs, "gd": gradient_descent}


def get_solver(name: str):
    """The solver called ``name`` in :data:`SOLVERS`; raises on an unknown name."""
    try:
        return SOLVERS[name]
    except KeyError:
        raise ValueError(
            f"Unknown solver {name!r}; choose one of {sorted(SOLVERS)}."
        ) from None
