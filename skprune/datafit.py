"""The least-squares datafit of a factored quadratic model."""

from dataclasses import dataclass, replace
from typing import Protocol

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


class Datafit(Protocol):
    """What training, pruning and fine-tuning (:mod:`skprune.core`) call on a
    datafit: :class:`QuadraticLeastSquares`, which reads the data, or its Gram
    form :class:`~skprune.gram.GramLeastSquares`, which does not."""

    n_features: int
    n_linear: int
    fit_intercept: bool

    def value(self, model: QuadraticModel) -> float: ...

    def value_and_gradient(self, model: QuadraticModel): ...

    def residual_correlation(
        self, model: QuadraticModel, *, centered: bool = False
    ) -> np.ndarray: ...

    def curvature_along(self, direction: np.ndarray) -> float: ...

    def fit_unpenalized_part(self) -> tuple[np.ndarray, float]: ...

    def regress_along(self, model: QuadraticModel, directions, signs): ...


class QuadraticLeastSquares:
    r"""Weighted mean squared error of a :class:`QuadraticModel`, halved.

    .. math::

        L(U, w, b) = \frac{1}{2 \sum_i s_i} \sum_{i=1}^n s_i
            \big(\langle A_i, U D U^\top\rangle + z_i^\top w + b - y_i\big)^2

    with sample weights ``s_i`` (all ones by default, which gives the mean
    squared error halved). Only the relative weights matter: they are stored
    normalized to mean one, so ``L`` is unchanged when every weight is
    multiplied by the same constant, and an integer weight acts exactly as
    that many copies of the sample.

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
    sample_weight : ndarray of shape (n_samples,), default=None
        Non-negative weights with a positive sum; ``None`` weighs every
        sample equally.
    """

    def __init__(
        self, operator, y, linear_design=None, fit_intercept=False, sample_weight=None
    ):
        self.operator = operator
        self.y = y
        self.linear_design = linear_design
        self.fit_intercept = fit_intercept
        self.weights = (
            None
            if sample_weight is None
            else sample_weight * (sample_weight.shape[0] / np.sum(sample_weight))
        )

    def _weighted(self, residual: np.ndarray) -> np.ndarray:
        """``s_i r_i`` with the weights normalized to mean one."""
        return residual if self.weights is None else self.weights * residual

    @property
    def n_features(self) -> int:
        """``d``: the size of the measurement matrices."""
        return self.operator.n_features

    @property
    def n_linear(self) -> int:
        return 0 if self.linear_design is None else self.linear_design.shape[1]

    def _unpenalized_part(self, model):
        value = model.intercept
        if self.linear_design is not None:
            value = value + np.asarray(self.linear_design @ model.coef)
        return value

    def predict(self, model: QuadraticModel) -> np.ndarray:
        live = np.any(model.factor != 0, axis=0)
        if not live.all():  # zero columns add nothing; skip their arithmetic
            model = model.select_columns(live)
        quadratic, _ = self.operator.forward(model.factor, model.signs)
        return quadratic + self._unpenalized_part(model)

    def residual(self, model: QuadraticModel) -> np.ndarray:
        """Predictions minus targets."""
        return self.predict(model) - self.y

    def value(self, model: QuadraticModel) -> float:
        residual = self.residual(model)
        return 0.5 * float(residual @ self._weighted(residual)) / residual.shape[0]

    def residual_correlation(
        self, model: QuadraticModel, *, centered: bool = False
    ) -> np.ndarray:
        """``C = (1/n) sum_i s_i (y_i - f_i) S_i``: minus the gradient of ``L``
        with respect to ``M = U D U^T``. ``centered`` subtracts the weighted
        mean of ``y - f`` first."""
        residual = self.residual(model)
        if centered:
            residual = residual - self.mean(residual)
        return self.operator.adjoint_matrix(-self._weighted(residual)) / len(residual)

    def mean(self, values: np.ndarray) -> np.ndarray:
        """The weighted mean of ``values`` over the samples (axis 0)."""
        return np.average(values, axis=0, weights=self.weights)

    def along(self, direction: np.ndarray) -> np.ndarray:
        """``q_i = v^T S_i v``: the measurements of ``v v^T``."""
        return self.operator.forward(direction[:, None], np.ones(1))[0]

    def curvature_along(self, direction: np.ndarray) -> float:
        """``(1/n) sum_i s_i (v^T S_i v)^2``: the curvature of ``L`` along
        ``M = t v v^T`` (``L`` changes by ``t^2`` times half of it)."""
        along = self.along(direction)
        return float(along @ self._weighted(along)) / along.shape[0]

    def regress_along(self, model, directions, signs):
        """Weighted least squares of ``y - f(model)`` on the measurements
        ``a_j q_ij``, ``q_ij = v_j^T S_i v_j``, of the signed directions
        ``a_j v_j v_j^T`` (the columns ``v_j`` of ``directions``, the ``a_j``
        in ``signs``), all centered when the model has an intercept (which
        then absorbs their means).

        Returns
        -------
        coefficients : ndarray of shape (n_directions,)
            The least-squares coefficients ``t_j``.
        means : ndarray of shape (n_directions,)
            The weighted means of the ``a_j q_j``: with an intercept, a change
            ``t`` of the coefficients moves it by ``-means . t``.
        """
        design = np.column_stack(
            [self.along(v) * sign for v, sign in zip(directions.T, signs, strict=True)]
        )
        target = -self.residual(model)
        means = self.mean(design)
        if self.fit_intercept:
            design, target = design - means, target - self.mean(target)
        return self.least_squares(design, target), means

    def value_and_gradient(self, model: QuadraticModel):
        """Return ``L`` and its gradients ``(dL/dU, dL/dw, dL/db)``.

        ``dL/dU = (2/n) sum_i s_i r_i S_i U D``, ``dL/dw = Z^T (s r) / n`` and
        ``dL/db = mean(s r)``, with ``r`` the residual and ``s`` the weights
        normalized to mean one.
        """
        n_samples = self.y.shape[0]
        quadratic, cache = self.operator.forward(model.factor, model.signs)
        residual = quadratic + self._unpenalized_part(model) - self.y
        weighted = self._weighted(residual)
        grad_factor = (
            (2.0 / n_samples)
            * self.operator.adjoint_times(weighted, model.factor, cache)
            * model.signs
        )
        if self.linear_design is None:
            grad_coef = np.zeros(0)
        else:
            grad_coef = np.asarray(self.linear_design.T @ weighted) / n_samples
        grad_intercept = float(np.mean(weighted)) if self.fit_intercept else 0.0
        value = 0.5 * float(residual @ weighted) / n_samples
        return value, (grad_factor, grad_coef, grad_intercept)

    def fit_unpenalized_part(self) -> tuple[np.ndarray, float]:
        """Weighted least-squares ``(w, b)`` of the linear term and constant
        alone (U = 0)."""
        columns = [] if self.linear_design is None else [self.linear_design]
        if self.fit_intercept:
            columns.append(np.ones((self.y.shape[0], 1)))
        if not columns:
            return np.zeros(0), 0.0
        if sp.issparse(self.linear_design):
            design = sp.hstack(columns, format="csr")
            target = self.y
            if self.weights is not None:
                root = np.sqrt(self.weights)
                design, target = sp.diags(root) @ design, root * target
            solution = lsqr(design, target, atol=1e-12, btol=1e-12)[0]
        else:
            solution = self.least_squares(np.hstack(columns), self.y)
        intercept = float(solution[-1]) if self.fit_intercept else 0.0
        return solution[: self.n_linear], intercept

    def least_squares(self, design: np.ndarray, target: np.ndarray) -> np.ndarray:
        """The coefficients of the weighted least squares of ``target`` on the
        columns of a dense ``design``."""
        if self.weights is None:
            return np.linalg.lstsq(design, target, rcond=None)[0]
        # Rows scaled by sqrt(s_i) turn the weighted problem into a plain one.
        root = np.sqrt(self.weights)
        return np.linalg.lstsq(root[:, None] * design, root * target, rcond=None)[0]
