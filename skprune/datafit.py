"""The least-squares datafit of a factored quadratic model."""

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import lsqr


@dataclass(frozen=True)
class QuadraticModel:
    """Parameters of ``f_i = <A_i, U D U^T> + z_i . coef + intercept``.

    Attributes
    ----------
    factor : ndarray of shape (d, k)
        The factor ``U``; its columns are the penalized groups.
    signs : ndarray of shape (k,)
        The fixed diagonal ``D`` of ``+1`` and ``-1``.
    coef : ndarray of shape (p,)
        Weights of the unpenalized linear term (``p = 0`` when there is none).
    intercept : float
        The unpenalized constant (zero when it is not fitted).
    """

    factor: np.ndarray
    signs: np.ndarray
    coef: np.ndarray
    intercept: float

    def select_columns(self, mask: np.ndarray) -> "QuadraticModel":
        """Return the model restricted to the columns where ``mask`` holds."""
        return replace(self, factor=self.factor[:, mask], signs=self.signs[mask])


class QuadraticLeastSquares:
    r"""Mean squared error of a :class:`QuadraticModel`, halved.

    .. math::

        L(U, w, b) = \frac{1}{2n} \sum_{i=1}^n
            \big(\langle A_i, U D U^\top\rangle + z_i^\top w + b - y_i\big)^2

    Parameters
    ----------
    operator : DenseSensing or RankOneSensing
        The sensing operator of the ``A_i`` (see :mod:`skprune.sensing`).
    y : ndarray of shape (n_samples,)
        Targets.
    linear_design : ndarray or sparse matrix of shape (n_samples, p), default=None
        Rows ``z_i`` of the linear term; ``None`` for no linear term.
    fit_intercept : bool, default=False
        Whether the model has the constant ``b``.
    """

    def __init__(self, operator, y, linear_design=None, fit_intercept=False):
        self.operator = operator
        self.y = y
        self.linear_design = linear_design
        self.fit_intercept = fit_intercept

    @property
    def n_linear(self) -> int:
        return 0 if self.linear_design is None else self.linear_design.shape[1]

    def _unpenalized_part(self, model):
        value = model.intercept
        if self.linear_design is not None:
            value = value + np.asarray(self.linear_design @ model.coef)
        return value

    def predict(self, model: QuadraticModel) -> np.ndarray:
        quadratic, _ = self.operator.forward(model.factor, model.signs)
        return quadratic + self._unpenalized_part(model)

    def residual(self, model: QuadraticModel) -> np.ndarray:
        """Predictions minus targets."""
        return self.predict(model) - self.y

    def value(self, model: QuadraticModel) -> float:
        return 0.5 * float(np.mean(self.residual(model) ** 2))

    def value_and_gradient(self, model: QuadraticModel):
        """Return ``L`` and its gradients ``(dL/dU, dL/dw, dL/db)``.

        ``dL/dU = (2/n) sum_i r_i S_i U D``, ``dL/dw = Z^T r / n`` and
        ``dL/db = mean(r)``, with ``r`` the residual.
        """
        n_samples = self.y.shape[0]
        quadratic, cache = self.operator.forward(model.factor, model.signs)
        residual = quadratic + self._unpenalized_part(model) - self.y
        grad_factor = (
            (2.0 / n_samples)
            * self.operator.adjoint_times(residual, model.factor, cache)
            * model.signs
        )
        if self.linear_design is None:
            grad_coef = np.zeros(0)
        else:
            grad_coef = np.asarray(self.linear_design.T @ residual) / n_samples
        grad_intercept = float(np.mean(residual)) if self.fit_intercept else 0.0
        value = 0.5 * float(residual @ residual) / n_samples
        return value, (grad_factor, grad_coef, grad_intercept)

    def fit_unpenalized_part(self) -> tuple[np.ndarray, float]:
        """Least-squares ``(w, b)`` of the linear term and constant alone (U = 0)."""
        columns = [] if self.linear_design is None else [self.linear_design]
        if self.fit_intercept:
            columns.append(np.ones((self.y.shape[0], 1)))
        if not columns:
            return np.zeros(0), 0.0
        if sp.issparse(self.linear_design):
            design = sp.hstack(columns, format="csr")
            solution = lsqr(design, self.y, atol=1e-12, btol=1e-12)[0]
        else:
            solution = np.linalg.lstsq(np.hstack(columns), self.y, rcond=None)[0]
        intercept = float(solution[-1]) if self.fit_intercept else 0.0
        return solution[: self.n_linear], intercept
