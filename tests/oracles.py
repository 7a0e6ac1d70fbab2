"""Independent references shared by the model-selection tests.

Nothing here calls skprune: the planted problems are drawn with numpy, and the
oracle is a rank-r least-squares fit written with explicit sensing matrices
and minimized by scipy's L-BFGS.
"""

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits


def ill_conditioned_problem(
    seed, sensing, *, n_samples, n_features=10, eigenvalues=(1.0, 0.3, 0.1), noise=0.05
):
    """A planted PSD matrix whose eigenvalues span a factor of 10.

    Returns ``X``, ``y`` and the planted factor ``U*`` (``M* = U* U*^T`` has
    exactly ``eigenvalues`` as its nonzero eigenvalues).
    """
    rng = np.random.RandomState(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((n_features, len(eigenvalues))))
    factor = basis * np.sqrt(eigenvalues)
    planted = factor @ factor.T
    if sensing == "gaussian":
        X = rng.standard_normal((n_samples, n_features, n_features))
        y = np.einsum("nab,ab->n", X, planted)
    else:
        X = rng.standard_normal((n_samples, n_features))
        y = np.einsum("na,ab,nb->n", X, planted, X)
    return X, y + noise * rng.standard_normal(n_samples), factor


def explicit_matrices(X):
    """The symmetric parts of the d x d sensing matrices: sym(A_i) or x_i x_i^T."""
    X = np.asarray(X)
    matrices = X if X.ndim == 3 else np.einsum("na,nb->nab", X, X)
    return 0.5 * (matrices + matrices.transpose(0, 2, 1))


def rank_r_least_squares(X, y, rank, seed=0):
    """The oracle that knows the rank: min over V (d x r) of
    1/(2n) sum_i (<A_i, V V^T> - y_i)^2, by L-BFGS from a spectral start and
    three random starts; returns the best ``(V, loss)``. (One BLAS thread, as
    skprune uses: its products are small.)"""
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
    """||U U^T - M*||_F / ||M*||_F."""
    planted = U_star @ U_star.T
    return float(np.linalg.norm(U @ U.T - planted) / np.linalg.norm(planted))
