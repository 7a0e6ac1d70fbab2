"""The least-squares datafit of a factored quadratic model."""

from copy import copy
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from scipy.linalg.lapack import dgeqrf, dormqr
from scipy.sparse.linalg import LinearOperator, lsqr

from .design import RowDesign, row_blocks


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
    n_samples: int
    fit_intercept: bool
    round_off: float
    rank_one: bool

    def value(self, model: QuadraticModel) -> float: ...

    def value_gradient_and_correlation(self, model: QuadraticModel): ...

    def residual_correlation(self, model: QuadraticModel) -> np.ndarray: ...

    def measurement_mean(self) -> np.ndarray: ...

    def residual_correlation_and_measurement_mean(self, model: QuadraticModel): ...

    def mean_residual(self, model: QuadraticModel) -> float: ...

    def curvature_along(self, direction: np.ndarray) -> float: ...

    def fit_unpenalized_part(self) -> tuple[np.ndarray, float]: ...

    def regress_along(self, model: QuadraticModel, directions, signs): ...

    def input_second_moments(self) -> tuple: ...

    def in_subspace(self, basis: np.ndarray) -> "Datafit": ...


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

    The arithmetic over the samples runs in the operator's dtype (float32 or
    float64): ``y``, the weights, the predictions and the residuals are
    stored in it. Sums over the samples that give one number (``L``, the
    weighted means) are accumulated in float64. The gradients are float64.

    Parameters
    ----------
    operator : DenseSensing or RankOneSensing
        The sensing operator of the ``A_i`` (see :mod:`skprune.sensing`).
    y : ndarray of shape (n_samples,)
        Targets; ``None`` for a datafit that only predicts.
    linear_design : {ndarray, sparse matrix, RowDesign} of shape (n_samples, p), \
            default=None
        Rows ``z_i`` of the linear term (a :class:`~skprune.design.RowDesign`
        for rows standardized on the fly); ``None`` for no linear term. It
        must have the operator's dtype.
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
        dtype = operator.dtype
        self.y = None if y is None else np.asarray(y, dtype=dtype)
        if linear_design is not None and not isinstance(linear_design, RowDesign):
            linear_design = RowDesign(linear_design)
        self.linear_design = linear_design
        self.fit_intercept = fit_intercept
        if sample_weight is not None:
            normalized = sample_weight * (
                sample_weight.shape[0] / np.sum(sample_weight)
            )
            sample_weight = normalized.astype(dtype, copy=False)
        self.weights = sample_weight

    @property
    def round_off(self) -> float:
        """The relative round-off of the arithmetic over the samples: the
        machine epsilon of the operator's dtype."""
        return float(np.finfo(self.operator.dtype).eps)

    def _weights_or_ones(self) -> np.ndarray:
        """The weights normalized to mean one, or ones when there are none."""
        if self.weights is None:
            return np.ones(self.operator.n_samples)
        return self.weights

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

    @property
    def rank_one(self) -> bool:
        """Whether the measurements are rank-one, ``A_i = x_i x_i^T``."""
        return self.operator.rank_one

    @property
    def n_samples(self) -> int:
        """The number of samples (rows), whatever their weights."""
        return self.operator.n_samples

    def _add_unpenalized_part(self, model, values: np.ndarray) -> np.ndarray:
        """Add ``z_i . coef + intercept`` to ``values`` in place; return them."""
        if self.linear_design is not None:
            linear = self.linear_design.times(model.coef)
            linear += model.intercept
            values += linear
        elif model.intercept != 0.0:
            values += model.intercept
        return values

    def predict(self, model: QuadraticModel) -> np.ndarray:
        """The predictions ``f_i``, in the operator's dtype."""
        live = np.any(model.factor != 0, axis=0)
        if not live.any():  # U = 0 (the start of every fit): no pass over X
            quadratic = np.zeros(self.operator.n_samples, dtype=self.operator.dtype)
            return self._add_unpenalized_part(model, quadratic)
        if not live.all():  # zero columns add nothing; skip their arithmetic
            model = model.select_columns(live)
        quadratic, _ = self.operator.forward(model.factor, model.signs)
        return self._add_unpenalized_part(model, quadratic)

    def residual(self, model: QuadraticModel) -> np.ndarray:
        """Predictions minus targets."""
        residual = self.predict(model)
        residual -= self.y
        return residual

    def value(self, model: QuadraticModel) -> float:
        residual = self.residual(model)
        return 0.5 * _dot(residual, self._weighted(residual)) / residual.shape[0]

    def _weighted_target_residual(self, model: QuadraticModel) -> np.ndarray:
        """``s_i (y_i - f_i)``, in the operator's dtype."""
        residual = self.predict(model)
        np.subtract(self.y, residual, out=residual)  # y - f, in place
        if self.weights is not None:
            residual *= self.weights
        return residual

    def residual_correlation(self, model: QuadraticModel) -> np.ndarray:
        """``C = (1/n) sum_i s_i (y_i - f_i) S_i``: minus the gradient of ``L``
        with respect to ``M = U D U^T``."""
        residual = self._weighted_target_residual(model)
        return self.operator.adjoint_matrix(residual) / len(residual)

    def measurement_mean(self) -> np.ndarray:
        """``(1/n) sum_i s_i S_i``, the weighted mean of the measurement
        matrices (for rank-one ones, the second moment of the vectors that
        :meth:`input_second_moments` returns): one pass over the data."""
        weights = self._weights_or_ones()
        return self.operator.adjoint_matrix(weights) / len(weights)

    def residual_correlation_and_measurement_mean(self, model: QuadraticModel):
        """:meth:`residual_correlation` and :meth:`measurement_mean` together,
        in one pass over dense data (:meth:`DenseSensing.adjoint_matrices
        <skprune.sensing.DenseSensing.adjoint_matrices>`)."""
        residual = self._weighted_target_residual(model)
        rows = np.stack([residual, self._weights_or_ones()])
        correlation, mean = self.operator.adjoint_matrices(rows) / len(residual)
        return correlation, mean

    def mean_residual(self, model: QuadraticModel) -> float:
        """The weighted mean of ``y_i - f_i`` (no pass over the data at
        ``U = 0``)."""
        return -float(self.mean(self.residual(model)))

    def mean(self, values: np.ndarray) -> np.ndarray:
        """The weighted mean of ``values`` over the samples (axis 0), in
        float64, without a float64 copy of ``values``."""
        if self.weights is None:
            return np.mean(values, axis=0, dtype=np.float64)
        total = np.einsum("i,i...->...", self.weights, values, dtype=np.float64)
        return total / np.sum(self.weights, dtype=np.float64)

    def along(self, direction: np.ndarray) -> np.ndarray:
        """``q_i = v^T S_i v``: the measurements of ``v v^T``, in float64."""
        along = np.empty((self.operator.n_samples, 1))
        self.operator.measure_each(direction[:, None], along)
        return along[:, 0]

    def curvature_along(self, direction: np.ndarray) -> float:
        """``(1/n) sum_i s_i (v^T S_i v)^2``: the curvature of ``L`` along
        ``M = t v v^T`` (``L`` changes by ``t^2`` times half of it)."""
        along = self.along(direction)
        return _dot(along, self._weighted(along)) / along.shape[0]

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
        curvature : ndarray of shape (n_directions, n_directions)
            The Hessian ``H`` of the loss in ``t``, the weighted Gram matrix
            ``(1/n) sum_i s_i q_i q_i^T`` of those (centered) columns: the
            loss at coefficients ``t`` exceeds its least-squares minimum by
            ``(t - t_ls)^T H (t - t_ls) / 2``.
        means : ndarray of shape (n_directions,)
            The weighted means of the ``a_j q_j``: with an intercept, a change
            ``t`` of the coefficients moves it by ``-means . t``.
        """
        # The columns and the target in float64, filled by the operator,
        # centered and weighted in place and solved without another copy.
        design = np.empty((self.operator.n_samples, directions.shape[1]), order="F")
        self.operator.measure_each(directions, design)
        design *= signs
        target = self.residual(model).astype(np.float64)
        np.negative(target, out=target)
        means = self.mean(design)
        if self.fit_intercept:
            design -= means
            target -= self.mean(target)
        coefficients, triangle = self._least_squares_in_place(design, target)
        curvature = triangle.T @ triangle / self.operator.n_samples
        return coefficients, curvature, means

    def input_second_moments(self) -> tuple:
        """The weighted second moments ``(1/n) sum_i s_i x_i x_i^T`` of the
        vectors of rank-one measurements and ``(1/n) sum_i s_i z_i z_i^T`` of
        the rows of the linear design, float64; ``None`` for measurements that
        are not rank-one and for no linear term. :mod:`skprune.whitening`
        turns them into the solvers' change of variables. The vectors' second
        moment is the mean measurement (:meth:`measurement_mean`)."""
        vectors = self.measurement_mean() if self.operator.rank_one else None
        if self.linear_design is None:
            return vectors, None
        if vectors is not None and self.linear_design is self.operator.rows:
            return vectors, vectors  # the network: the same rows twice
        weights = self._weights_or_ones()
        return vectors, self.linear_design.weighted_gram(weights) / len(weights)

    def in_subspace(self, basis: np.ndarray) -> "QuadraticLeastSquares":
        """The same loss as a function of ``W`` for factors ``U = B W``, ``B``
        the ``d x p`` ``basis`` (orthonormal columns): the measurements
        restricted to its span (:meth:`DenseSensing.in_subspace
        <skprune.sensing.DenseSensing.in_subspace>`; measurements that are
        not rank-one only), the same targets, weights, linear term and
        constant."""
        restricted = copy(self)
        restricted.operator = self.operator.in_subspace(basis)
        return restricted

    def value_gradient_and_correlation(self, model: QuadraticModel):
        """Return ``L``, its gradients ``(dL/dU, dL/dw, dL/db)``, and the
        residual correlation ``C`` (:meth:`residual_correlation`) when the
        evaluation forms it on the way, else ``None``.

        ``dL/dU = (2/n) sum_i s_i r_i S_i U D``, ``dL/dw = Z^T (s r) / n`` and
        ``dL/db = mean(s r)``, with ``r`` the residual and ``s`` the weights
        normalized to mean one. Dense measurements form ``sum_i s_i r_i S_i``
        before multiplying it by ``U``, which is ``-n C``; rank-one ones
        never do.
        """
        n_samples = self.y.shape[0]
        offset = self._add_unpenalized_part(model, np.negative(self.y))
        residual, adjoint, correlation = self.operator.residual_and_adjoint(
            model.factor, model.signs, offset, self.weights
        )
        del offset  # n numbers: free them before the sums below
        weighted = self._weighted(residual)
        grad_factor = (2.0 / n_samples) * adjoint * model.signs
        if self.linear_design is None:
            grad_coef = np.zeros(0)
        else:
            grad_coef = self.linear_design.transpose_times(weighted) / n_samples
        grad_intercept = (
            float(np.mean(weighted, dtype=np.float64)) if self.fit_intercept else 0.0
        )
        value = 0.5 * _dot(residual, weighted) / n_samples
        if correlation is not None:
            correlation /= -n_samples
        return value, (grad_factor, grad_coef, grad_intercept), correlation

    def fit_unpenalized_part(self) -> tuple[np.ndarray, float]:
        """Weighted least-squares ``(w, b)`` of the linear term and constant
        alone (U = 0).

        The constant alone is the weighted mean of ``y``. With a linear term,
        a dense design is reduced block by block of rows (in float64) to the
        triangular factor ``R`` of the QR decomposition of ``[Z, 1, y]``
        (rows scaled by ``sqrt(s_i)``), which gives the minimum-norm solution
        that ``numpy.linalg.lstsq`` would give on the whole design, to
        round-off; a sparse design goes to ``scipy.sparse.linalg.lsqr``
        through its products, never copied.
        """
        if self.linear_design is None:
            intercept = float(self.mean(self.y)) if self.fit_intercept else 0.0
            return np.zeros(0), intercept
        if sp.issparse(self.linear_design.X):
            solution = self._iterative_least_squares()
        else:
            solution = self._blocked_least_squares()
        intercept = float(solution[-1]) if self.fit_intercept else 0.0
        return solution[: self.n_linear], intercept

    def _blocked_least_squares(self) -> np.ndarray:
        """Least squares of ``y`` on ``[Z, 1]`` from the triangular factor
        ``R`` of the QR decomposition of ``[Z, 1, y]``, updated one block of
        rows at a time (:meth:`_stack_and_factor`)."""
        n_columns = self.n_linear + int(self.fit_intercept)
        triangle = np.zeros((0, n_columns + 1))
        for rows in row_blocks(self.y.shape[0]):
            triangle = self._stack_and_factor(triangle, rows)
        # [Z, 1, y] = Q R: the residual of any (w, b) has the norm of
        # R[:, :-1] (w, b) - R[:, -1], a problem with at most n_columns + 1 rows.
        rcond = np.finfo(float).eps * max(self.y.shape[0], n_columns)
        return np.linalg.lstsq(triangle[:, :-1], triangle[:, -1], rcond=rcond)[0]

    def _stack_and_factor(self, triangle: np.ndarray, rows: slice) -> np.ndarray:
        """The triangular factor of ``triangle`` stacked on the ``rows`` of
        ``[Z, 1, y]`` (scaled by ``sqrt(s_i)``), factored in place: the stack
        is the only copy of those rows."""
        p, top = self.n_linear, triangle.shape[0]
        n_columns = triangle.shape[1]
        stacked = np.empty((top + rows.stop - rows.start, n_columns), order="F")
        stacked[:top] = triangle
        lower = stacked[top:]
        self.linear_design.fill_block(rows, lower[:, :p])
        if self.fit_intercept:
            lower[:, p] = 1.0
        lower[:, -1] = self.y[rows]
        if self.weights is not None:
            lower *= np.sqrt(self.weights[rows], dtype=np.float64)[:, None]
        factored = dgeqrf(stacked, overwrite_a=True)[0]  # R above the diagonal
        return np.triu(factored[:n_columns])

    def _iterative_least_squares(self) -> np.ndarray:
        """Least squares of ``y`` on ``[Z, 1]`` by ``lsqr``, with ``Z`` applied
        through its products."""
        design, n = self.linear_design, self.y.shape[0]
        root = np.ones(n) if self.weights is None else np.sqrt(self.weights)
        root = root.astype(np.float64)

        def matvec(solution):
            value = design.times(solution[: self.n_linear]).astype(np.float64)
            if self.fit_intercept:
                value += solution[-1]
            return root * value

        def rmatvec(residual):
            residual = root * residual
            parts = [design.transpose_times(residual)]
            if self.fit_intercept:
                parts.append([np.sum(residual)])
            return np.concatenate(parts)

        n_columns = self.n_linear + int(self.fit_intercept)
        system = LinearOperator(
            (n, n_columns), matvec=matvec, rmatvec=rmatvec, dtype=np.float64
        )
        tolerance = max(1e-12, self.round_off)
        target = root * self.y
        return lsqr(system, target, atol=tolerance, btol=tolerance)[0]

    def _least_squares_in_place(
        self, design: np.ndarray, target: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The coefficients of the weighted least squares of ``target`` on the
        columns of ``design`` (float64, ``design`` in Fortran order), both
        overwritten, and the triangle ``R`` of ``W^{1/2} design = Q R``
        (``R^T R`` is the weighted Gram matrix of the columns).

        The rows are scaled by ``sqrt(s_i)`` in place, which turns the
        weighted problem into a plain one; ``design = Q R`` is factored in
        place and ``Q^T target`` formed in place, so the solution is the
        minimum-norm least squares of ``R t = (Q^T target)[:m]``, which is
        that of the whole problem (``Q`` is orthogonal), with the cutoff of
        ``numpy.linalg.lstsq`` on the whole design.
        """
        n_rows, n_columns = design.shape
        if self.weights is not None:
            root = np.sqrt(self.weights, dtype=np.float64)
            design *= root[:, None]
            target *= root
        factored, tau, _, info = dgeqrf(design, overwrite_a=True)
        if info != 0:
            raise np.linalg.LinAlgError(f"dgeqrf failed (info={info})")
        top = min(n_rows, n_columns)
        reflectors, rotated = factored[:, :top], target[:, None]
        query = dormqr("L", "T", reflectors, tau, rotated, -1, overwrite_c=True)
        lwork = int(query[1][0])  # a query reads nothing and copies nothing
        rotated, _, info = dormqr(
            "L", "T", reflectors, tau, rotated, max(lwork, 1), overwrite_c=True
        )
        if info != 0:
            raise np.linalg.LinAlgError(f"dormqr failed (info={info})")
        rcond = np.finfo(float).eps * max(n_rows, n_columns)
        triangle = np.triu(factored[:top])
        return np.linalg.lstsq(triangle, rotated[:top, 0], rcond=rcond)[0], triangle


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """``sum_i a_i b_i`` accumulated in float64 (a float32 sum of ``n`` terms
    would carry a relative error up to ``n`` times float32's round-off).
    Float32 vectors are converted in einsum's buffers, not copied whole."""
    if a.dtype == np.float64 and b.dtype == np.float64:
        return float(np.dot(a, b))
    return float(np.einsum("i,i->", a, b, dtype=np.float64))
