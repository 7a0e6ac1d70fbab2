"""The smooth group-Lasso penalty on the columns of a factor, and its theory."""

import numpy as np
from scipy.linalg.lapack import dsyevd


class SmoothGroupLasso:
    r"""Smooth group Lasso over the columns ``u_j`` of a factor ``U``.

    .. math::

        R_\beta(U) = \sum_j \frac{\|u_j\|_2^2}{\sqrt{\|u_j\|_2^2 + \beta}}

    Each term behaves like ``||u_j||`` for ``||u_j||^2 >> beta`` and like
    ``||u_j||^2 / sqrt(beta)`` near zero, so ``R_beta`` is smooth everywhere
    and tends to the group Lasso ``sum_j ||u_j||`` as ``beta -> 0``. With
    ``s = ||u_j||^2`` its gradient with respect to ``u_j`` is

    .. math::

        \nabla_{u_j} R_\beta = \frac{s + 2\beta}{(s + \beta)^{3/2}}\, u_j .

    The penalty also owns the three rules that follow from its shape:
    :meth:`lambda_max` (the smallest penalty at which ``U = 0`` is a local
    minimum), :meth:`auto_threshold` (the column norm below which pruning
    drops a column by default) and :meth:`near_zero` (the columns that count
    as zero when training looks for a column that could still grow).

    Parameters
    ----------
    beta : float
        Smoothing, in the units of a squared column norm; must be positive.
    """

    def __init__(self, beta: float):
        if not beta > 0:
            raise ValueError(f"beta must be positive, got {beta!r}.")
        self.beta = beta

    def value(self, U: np.ndarray) -> float:
        return self.of_squared_norms(np.einsum("ij,ij->j", U, U))[0]

    def value_and_gradient(self, U: np.ndarray) -> tuple[float, np.ndarray]:
        """:meth:`value` and the gradient of the class docstring, from one
        computation of the squared column norms (the solvers ask for both at
        every step)."""
        value, slope = self.of_squared_norms(np.einsum("ij,ij->j", U, U))
        return value, U * (2 * slope)

    def least_over_rotations(
        self, U: np.ndarray, signs: np.ndarray
    ) -> tuple[float, np.ndarray]:
        r"""The smallest penalty of ``U`` over rotations of the columns of each
        sign, and its gradient.

        For the columns ``U_a`` of sign ``a``, with
        ``U_a^T U_a = V diag(s) V^T``,

        .. math::

            \tilde R_\beta(U) = \sum_a \sum_i \frac{s_i}{\sqrt{s_i + \beta}}
            = \sum_a \min_{Q_a^T Q_a = I} R_\beta(U_a Q_a),

        the penalty of the orthogonal columns ``U_a V`` (squared norms ``s``):
        the squared norms of any other rotation are majorized by ``s``
        (Schur-Horn) and ``R_beta`` is a sum of one concave function of each, so
        no rotation has a smaller penalty. It is a spectral function of the
        Gram matrix ``G`` of the columns with the entries between columns of
        different signs set to zero (block diagonal, one block per sign),
        differentiable with gradient ``2 U r'(G)`` (``r(s) = s / sqrt(s + beta)``
        applied to the eigenvalues of ``G``), from one symmetric eigensolve;
        it equals ``R_beta(U)`` wherever each sign's columns are orthogonal.
        """
        gram = U.T @ U
        if signs.size and not np.all(signs == signs[0]):
            gram[signs[:, None] != signs[None, :]] = 0.0
        # LAPACK's divide and conquer directly: numpy's eigh costs 3 to 5
        # times as much on the few live columns of a fit (2 to 8).
        squared, rotation, info = dsyevd(gram)
        if info != 0:
            raise np.linalg.LinAlgError(f"dsyevd failed (info={info})")
        value, slope = self.of_squared_norms(np.maximum(squared, 0.0))
        return value, 2.0 * U @ ((rotation * slope) @ rotation.T)

    def of_squared_norms(self, squared_norms: np.ndarray) -> tuple[float, np.ndarray]:
        """``R_beta`` as a function of the squared column norms ``s_j``, and its
        derivative ``(s_j + 2 beta) / (2 (s_j + beta)^{3/2})`` with respect to
        each (half of :meth:`column_curvature`)."""
        shifted = squared_norms + self.beta
        root = np.sqrt(shifted)
        value = float(np.sum(squared_norms / root))
        return value, (squared_norms + 2 * self.beta) / (2 * shifted * root)

    def column_curvature(self, squared_norms: np.ndarray) -> np.ndarray:
        """Factor ``(s + 2 beta) / (s + beta)^{3/2}`` of the gradient per column.

        At ``s = 0`` it equals ``2 / sqrt(beta)``: twice the curvature that a
        zero column feels, which decides whether it can start to grow.
        """
        return 2.0 * self.of_squared_norms(squared_norms)[1]

    def lambda_max(self, correlation: float) -> float:
        """The smallest penalty ``lambda`` at which ``U = 0`` is a local minimum.

        Adding ``t v`` to a zero column changes the loss by ``-t^2 v^T a C v``
        and ``lambda R_beta`` by ``lambda t^2 / sqrt(beta)`` to second order,
        where ``C`` is the residual correlation and ``a`` the column's sign.
        With ``correlation`` the largest eigenvalue ``rho`` of ``a C`` over the
        signs in use, no column can grow exactly when
        ``lambda >= sqrt(beta) * rho``.
        """
        return float(np.sqrt(self.beta) * max(correlation, 0.0))

    def auto_threshold(self) -> float:
        """``sqrt(beta)``: the norm where the penalty turns from quadratic to
        linear, the order of prune threshold the theory prescribes."""
        return float(np.sqrt(self.beta))

    def near_zero(self, squared_norms: np.ndarray) -> np.ndarray:
        """Columns with ``||u_j||^2 <= beta``: those the quadratic expansion of
        the penalty describes, and those :meth:`auto_threshold` prunes."""
        return squared_norms <= self.beta
