"""Independent references: planted problems, a rank-aware oracle, a convex peer.

Nothing here calls skprune's estimators, datafits, solvers or penalty: the
planted problems are drawn with numpy, the oracle is a rank-``r`` least-squares
fit written with explicit sensing matrices and minimized by scipy's L-BFGS, and
the convex relaxation is solved by cvxpy. The test suite and
:mod:`skprune.reproduce` compare the estimators with them, so they must stay
independent of the code they check.
"""

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from .datasets import measure


def planted_spectrum_problem(
    seed, sensing, *, n_samples, n_features, eigenvalues, noise
):
    """A planted PSD matrix with exactly the given nonzero eigenvalues.

    ``M* = U* U*^T`` with ``U* = Q diag(sqrt(eigenvalues))``, ``Q`` the
    orthonormal factor of the QR decomposition of a standard normal
    ``d x r`` matrix; ``y_i = <A_i, M*> + noise * e_i`` with standard normal
    ``A_i`` (``sensing="gaussian"``, ``X`` of shape ``(n, d, d)``) or
    ``A_i = x_i x_i^T`` with standard normal ``x_i`` (``"rank_one"``, ``X`` of
    shape ``(n, d)``), and standard normal ``e_i``.

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.RandomState``.
    sensing : {"gaussian", "rank_one"}
        The kind of measurements.
    n_samples : int
        Number of measurements ``n``.
    n_features : int
        Size ``d`` of the matrix.
    eigenvalues : sequence of float
        The nonzero eigenvalues of ``M*``; their number is the rank ``r``.
    noise : float
        Standard deviation of the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, d, d) or (n_samples, d)
        The sensing matrices or vectors.
    y : ndarray of shape (n_samples,)
        The measurements.
    factor : ndarray of shape (d, r)
        ``U*``.
    """
    rng = np.random.RandomState(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((n_features, len(eigenvalues))))
    factor = basis * np.sqrt(np.asarray(eigenvalues, dtype=float))
    X, y = measure(factor, n_samples, sensing, noise, rng)
    return X, y, factor


def explicit_matrices(X):
    """The symmetric parts of the ``d x d`` sensing matrices.

    Parameters
    ----------
    X : ndarray of shape (n, d, d) or (n, d)
        Matrices ``A_i``, or vectors ``x_i`` meaning ``A_i = x_i x_i^T``.

    Returns
    -------
    S : ndarray of shape (n, d, d)
        ``(A_i + A_i^T) / 2``.
    """
    X = np.asarray(X)
    matrices = X if X.ndim == 3 else np.einsum("na,nb->nab", X, X)
    return 0.5 * (matrices + matrices.transpose(0, 2, 1))


def rank_r_least_squares(X, y, rank, seed=0):
    """The oracle that knows the rank: the best rank-``r`` PSD least-squares fit.

    Minimizes ``1/(2n) sum_i (<A_i, V V^T> - y_i)^2`` over ``V`` of shape
    ``(d, r)`` by scipy's L-BFGS-B from a spectral start (the top ``r``
    eigenvectors of ``(1/n) sum_i y_i sym(A_i)``, scaled by the square roots
    of their eigenvalues) and three small random starts, and keeps the best.
    It runs with one BLAS thread, as skprune does: its products are small.

    Parameters
    ----------
    X : ndarray of shape (n, d, d) or (n, d)
        Matrices ``A_i``, or vectors ``x_i`` meaning ``A_i = x_i x_i^T``.
    y : ndarray of shape (n,)
        Measurements.
    rank : int
        The rank ``r`` of the fit.
    seed : int, default=0
        Seed of the random starts.

    Returns
    -------
    V : ndarray of shape (d, rank)
        The fitted factor.
    loss : float
        Its loss ``1/(2n) sum_i (<A_i, V V^T> - y_i)^2``.
    """
    with threadpool_limits(1, user_api="blas"):
        return _rank_r_least_squares(X, y, rank, seed)


def _rank_r_least_squares(X, y, rank, seed):
    flat = explicit_matrices(X).reshape(len(y), -1)
    d = int(np.sqrt(flat.shape[1]))
    n = len(y)

    def loss_and_gradient(v):
        V = v.reshape(d, rank)
        residual = flat @ (V @ V.T).ravel() - y
        gradient = (2 / n) * (residual @ flat).reshape(d, d) @ V
        return 0.5 * float(residual @ residual) / n, gradient.ravel()

    correlation = (y @ flat).reshape(d, d) / n
    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    starts = [eigenvectors[:, -rank:] * np.sqrt(np.maximum(eigenvalues[-rank:], 1e-3))]
    rng = np.random.default_rng(seed)
    starts += [rng.standard_normal((d, rank)) / np.sqrt(d) for _ in range(3)]
    fits = [
        minimize(
            loss_and_gradient,
            start.ravel(),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 5000, "ftol": 0.0, "gtol": 1e-12},
        )
        for start in starts
    ]
    best = min(fits, key=lambda fit: fit.fun)
    return best.x.reshape(d, rank), float(best.fun)


def relative_error(U, U_star):
    """``||U U^T - M*||_F / ||M*||_F`` with ``M* = U* U*^T``.

    Parameters
    ----------
    U : ndarray of shape (d, k)
        A fitted factor.
    U_star : ndarray of shape (d, r)
        The planted factor.

    Returns
    -------
    error : float
    """
    planted = U_star @ U_star.T
    return float(np.linalg.norm(U @ U.T - planted) / np.linalg.norm(planted))


def nuclear_norm_strength(n_samples, n_features, noise):
    """The usual penalty of the nuclear-norm estimator for Gaussian sensing.

    ``2 * noise * sqrt(2 d / n)``: twice the spectral norm of the noise term
    ``(1/n) sum_i e_i sym(A_i)`` (a symmetric Gaussian matrix with off-diagonal
    variance ``noise^2 / (2n)``), the choice of Negahban & Wainwright (2011)
    and Candes & Plan (2011). The estimator is told the noise level, as the
    oracle is told the rank.

    Parameters
    ----------
    n_samples : int
        Number of measurements ``n``.
    n_features : int
        Size ``d`` of the matrix.
    noise : float
        Standard deviation of the noise.

    Returns
    -------
    strength : float
    """
    return 2.0 * noise * np.sqrt(2.0 * n_features / n_samples)


def nuclear_norm_least_squares(X, y, strength, *, solver="SCS"):
    """The convex relaxation: nuclear-norm regularized least squares over PSD
    matrices, solved by cvxpy.

    Minimizes ``1/(2n) sum_i (<A_i, M> - y_i)^2 + strength * tr(M)`` over
    PSD ``M`` (on PSD matrices the nuclear norm is the trace). When
    ``n > d^2`` the least-squares term is first reduced to ``d^2`` rows by a
    QR decomposition of the flattened measurements (same minimizer), so that
    cvxpy's compilation does not grow with ``n`` (that decomposition runs
    with one BLAS thread, as :func:`rank_r_least_squares` does).

    Parameters
    ----------
    X : ndarray of shape (n, d, d)
        The sensing matrices ``A_i``.
    y : ndarray of shape (n,)
        Measurements.
    strength : float
        The penalty; see :func:`nuclear_norm_strength`.
    solver : str, default="SCS"
        The cvxpy solver, at its default accuracy.

    Returns
    -------
    M : ndarray of shape (d, d)
        The estimate, symmetrized.
    info : dict
        ``status``, ``iterations`` and ``solve_time`` (seconds in the solver,
        without cvxpy's compilation) as cvxpy reports them.

    Raises
    ------
    ImportError
        When cvxpy is not installed (it is in the ``benchmark`` extra).
    """
    import cvxpy as cp

    n, d, _ = X.shape
    flat = (0.5 * (X + X.transpose(0, 2, 1))).reshape(n, d * d)
    target = np.asarray(y, dtype=float)
    if n > d * d:
        # ||flat m - y||^2 = ||R m - Q^T y||^2 + a constant, with flat = Q R:
        # the same minimizer from d^2 rows instead of n.
        with threadpool_limits(1, user_api="blas"):  # see rank_r_least_squares
            flat, triangular = np.linalg.qr(flat)
            flat, target = triangular, flat.T @ target
    M = cp.Variable((d, d), PSD=True)
    objective = cp.sum_squares(flat @ cp.vec(M, order="C") - target) / (
        2 * n
    ) + strength * cp.trace(M)
    problem = cp.Problem(cp.Minimize(objective))
    problem.solve(solver=solver)
    stats = problem.solver_stats
    info = {
        "status": problem.status,
        "iterations": stats.num_iters,
        "solve_time": stats.solve_time,
    }
    return 0.5 * (M.value + M.value.T), info
