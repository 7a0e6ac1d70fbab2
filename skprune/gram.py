r"""The least-squares loss of matrix sensing in precomputed Gram form.

For a symmetric ``M``, ``<S_i, M> = phi_i . m`` with ``m = M[triu_indices(d)]``
the ``p = d (d + 1) / 2`` coordinates of ``M`` on and above the diagonal and
``phi_i`` the matching coordinates of the measurement (``S_i[a, a]`` on the
diagonal, ``2 S_i[a, b]`` above it; see ``features`` in
:mod:`skprune.sensing`). With weights ``s_i`` normalized to mean one and
``E[.] = (1/n) sum_i s_i (.)``, the halved weighted mean squared error of
:class:`~skprune.datafit.QuadraticLeastSquares` is therefore

.. math::

    L(m) = \tfrac12\, m^\top G m - h^\top m + \tfrac12 E[y^2],
    \qquad G = E[\phi\phi^\top],\quad h = E[y\,\phi],

a quadratic in ``m`` whose coefficients do not depend on ``U``. Once ``G``
(``p x p``) and ``h`` are built, an evaluation never touches the data: it
costs ``O(p^2)`` for ``G m`` plus ``O(d^2 k)`` for ``M = U U^T``, whatever
``n``. Building ``G`` costs ``O(n p^2)``, and a training fold's statistics
are those of all the data minus those of the held-out part
(:meth:`GramStatistics.without`).

:func:`precompute_pays` is the rule by which ``precompute="auto"`` decides.
"""

from dataclasses import dataclass, fields, replace

import numpy as np
from scipy.linalg.blas import dsymv, dsyrk

from .datafit import QuadraticModel
from .sensing import CACHE_BYTES, symmetric_pairs

#: Floats of one block of features ``phi_i`` while building the statistics
#: (512 KiB): the temporaries are bounded whatever ``n`` and stay in cache
#: (2 to 3 times faster than 8 MiB blocks for ``d <= 20``, measured).
BLOCK_FLOATS = 2**16


@dataclass(frozen=True)
class GramStatistics:
    r"""Weighted sums over the samples that fix the loss of matrix sensing.

    With ``phi_i`` the coordinates of measurement ``i`` (see the module) and
    raw weights ``s_i`` (all ones without ``sample_weight``):

    Attributes
    ----------
    n_features : int
        ``d``.
    gram : ndarray of shape (p, p), Fortran order
        ``sum_i s_i phi_i phi_i^T``, symmetric.
    target_moment : ndarray of shape (p,)
        ``sum_i s_i y_i phi_i``.
    feature_sum : ndarray of shape (p,)
        ``sum_i s_i phi_i``.
    target_sum, target_square_sum : float
        ``sum_i s_i y_i`` and ``sum_i s_i y_i^2``.
    weight_sum : float
        ``sum_i s_i``.
    n_samples : int
        ``n``.
    round_off : float
        The machine epsilon of the measurements' dtype: the relative round-off
        of the numbers the sums were made of (the sums themselves are
        float64).
    rank_one : bool
        Whether the measurements are rank-one, ``S_i = x_i x_i^T``: the mean
        feature is then the second moment of the ``x_i``, which the solvers
        whiten (:meth:`GramLeastSquares.input_second_moments`).
    """

    n_features: int
    gram: np.ndarray
    target_moment: np.ndarray
    feature_sum: np.ndarray
    target_sum: float
    target_square_sum: float
    weight_sum: float
    n_samples: int
    round_off: float
    rank_one: bool = False

    @classmethod
    def compute(cls, operator, y, sample_weight=None) -> "GramStatistics":
        """The statistics of the measurements of a sensing ``operator``.

        Reads the features ``phi_i`` in blocks of ``BLOCK_FLOATS`` floats and
        accumulates the upper triangle of ``G`` with a symmetric rank-``b``
        update per block, then copies it into the lower one in place
        (:func:`_symmetrize`): ``O(n p^2)`` operations; besides ``G``
        (``8 p^2`` bytes), temporaries of a few blocks.

        Parameters
        ----------
        operator : DenseSensing or RankOneSensing
            The measurements (see :mod:`skprune.sensing`).
        y : ndarray of shape (n_samples,)
            Targets.
        sample_weight : ndarray of shape (n_samples,), default=None
            Non-negative weights, as given (not normalized); ``None`` for ones.
        """
        n_samples, d = operator.n_samples, operator.n_features
        p = d * (d + 1) // 2
        weights = np.ones(n_samples) if sample_weight is None else sample_weight
        gram = np.zeros((p, p), order="F")
        # Columns s_i y_i and s_i: one product gives both first moments.
        moments = np.zeros((p, 2))
        rows_per_block = max(1, BLOCK_FLOATS // p)
        for start in range(0, n_samples, rows_per_block):
            rows = slice(start, start + rows_per_block)
            features = operator.features(rows).astype(np.float64, copy=False)
            block_weights = weights[rows]
            moments += features.T @ np.column_stack(
                [block_weights * y[rows], block_weights]
            )
            if sample_weight is not None:
                features *= np.sqrt(block_weights)[:, None]
            # Upper triangle of G += (root phi)^T (root phi), in place.
            gram = dsyrk(1.0, features.T, beta=1.0, c=gram, trans=0, overwrite_c=1)
            del features  # before the next block is formed: one block at a time
        _symmetrize(gram)  # dsyrk wrote the upper triangle only
        return cls(
            n_features=d,
            gram=gram,
            target_moment=moments[:, 0].copy(),
            feature_sum=moments[:, 1].copy(),
            target_sum=float(weights @ y),
            target_square_sum=float(weights @ y**2),
            weight_sum=float(np.sum(weights)),
            n_samples=n_samples,
            round_off=float(np.finfo(operator.dtype).eps),
            rank_one=operator.rank_one,
        )

    def without(self, held_out: "GramStatistics") -> "GramStatistics":
        """The statistics of the samples in ``self`` but not in ``held_out``
        (a subset of them, with the same weights): every sum minus
        ``held_out``'s. A training fold's statistics cost the held-out part's
        ``O(n_test p^2)`` instead of ``O(n_train p^2)``."""
        return GramStatistics(
            n_features=self.n_features,
            gram=np.asfortranarray(self.gram - held_out.gram),
            target_moment=self.target_moment - held_out.target_moment,
            feature_sum=self.feature_sum - held_out.feature_sum,
            target_sum=self.target_sum - held_out.target_sum,
            target_square_sum=self.target_square_sum - held_out.target_square_sum,
            weight_sum=self.weight_sum - held_out.weight_sum,
            n_samples=self.n_samples - held_out.n_samples,
            round_off=self.round_off,
            rank_one=self.rank_one,
        )

    def aligned(self) -> "GramStatistics":
        """The statistics with every array copied if its data are not aligned
        (see ``_aligned`` in :mod:`skprune._cv`)."""
        arrays = {
            field.name: np.array(value, order="F")
            for field in fields(self)
            if isinstance(value := getattr(self, field.name), np.ndarray)
            and not value.flags.aligned
        }
        return replace(self, **arrays)


def _symmetrize(matrix: np.ndarray):
    """Copy the strict upper triangle of the square ``matrix`` into its lower
    one, in place, ``BLOCK_FLOATS / p`` columns at a time: the temporaries
    (the indices and entries of a diagonal block) take about one block of
    ``BLOCK_FLOATS`` floats, where ``matrix += triu(matrix, 1).T`` would make a
    ``p x p`` copy. Also faster at ``d = 50``: 2.4 against 5.8 ms
    (``p = 1275``); 0.04 to 0.2 ms slower for ``p <= 465``."""
    size = matrix.shape[0]
    width = max(1, BLOCK_FLOATS // size)
    for start in range(0, size, width):
        stop = min(start + width, size)
        # Below the block's diagonal part: the transpose of rows start:stop.
        matrix[stop:, start:stop] = matrix[start:stop, stop:].T
        square = matrix[start:stop, start:stop]
        lower = np.tril_indices(stop - start, -1)
        square[lower] = square.T[lower]


class GramLeastSquares:
    r"""The loss of :class:`~skprune.datafit.QuadraticLeastSquares` from
    :class:`GramStatistics`, for matrix sensing (no linear term, no intercept).

    .. math::

        L(U) = \tfrac12\, m^\top G m - h^\top m + \tfrac12 E[y^2],
        \qquad m = (U D U^\top)[\mathrm{upper}],

    with ``G``, ``h`` and ``E`` the weighted means of the module (weights
    normalized to mean one), equal to the data form's
    ``1/(2 sum_i s_i) sum_i s_i (<A_i, U D U^T> - y_i)^2`` up to round-off.
    It is a :class:`~skprune.datafit.Datafit` none of whose methods touches
    the data. The value is a difference of terms of the size of
    ``E[y^2]``, so it is resolved to about ``1e-16 E[y^2]``: fine-tuning of
    noiseless data stops at a relative residual near ``1e-8`` (the data form
    goes further).

    Parameters
    ----------
    statistics : GramStatistics
        The sums over the training samples.
    """

    n_linear = 0
    fit_intercept = False

    def __init__(self, statistics: GramStatistics):
        # G is symmetric: read a C-ordered G as its (Fortran-ordered)
        # transpose, so that BLAS never copies it.
        self._statistics = statistics
        gram = statistics.gram
        self._gram = gram if gram.flags.f_contiguous else gram.T
        self.n_features = d = statistics.n_features
        self.n_samples = statistics.n_samples
        self.round_off = statistics.round_off
        self.rank_one = statistics.rank_one
        first, second = np.triu_indices(d)
        # Positions of m's entries in vec(M), and in vec(M^T) (the same on the
        # diagonal); off the diagonal, K takes half of each entry.
        self._upper, self._lower = first * d + second, second * d + first
        self._halves = np.where(first == second, 1.0, 0.5)
        self._scale = 1.0 / statistics.weight_sum
        self._moment = statistics.target_moment * self._scale
        self._mean_feature = statistics.feature_sum * self._scale
        self._mean_target = statistics.target_sum * self._scale
        self._mean_square = statistics.target_square_sum * self._scale

    def _coordinates(self, factor, signs) -> np.ndarray:
        """``m``: the coordinates of ``U D U^T``."""
        return np.take((factor * signs) @ factor.T, self._upper)

    def _gram_times(self, coordinates) -> np.ndarray:
        """``G m`` (one symmetric matrix-vector product over ``G``'s upper
        triangle)."""
        return dsymv(self._scale, self._gram, coordinates)

    def _matrix(self, coordinates) -> np.ndarray:
        """The symmetric ``K`` with ``<K, M> = coordinates . m``: diagonal
        entries as they are, the others halved."""
        entries = coordinates * self._halves
        matrix = np.empty(self.n_features**2)
        matrix[self._upper] = entries
        matrix[self._lower] = entries
        return matrix.reshape(self.n_features, self.n_features)

    def _value(self, coordinates, gradient) -> float:
        """``L`` from ``m`` and ``G m - h``, at least zero: the loss is, but
        the round-off of the difference can dip below it."""
        value = 0.5 * float(coordinates @ (gradient - self._moment))
        return max(value + 0.5 * self._mean_square, 0.0)

    def value(self, model: QuadraticModel) -> float:
        coordinates = self._coordinates(model.factor, model.signs)
        return self._value(coordinates, self._gram_times(coordinates) - self._moment)

    def value_gradient_and_correlation(self, model: QuadraticModel):
        """Return ``L``, its gradients ``(dL/dU, dL/dw, dL/db)`` and the
        residual correlation ``C`` (:meth:`residual_correlation`).

        ``dL/dU = 2 K U D`` with ``K`` the matrix of ``G m - h``, which is
        ``(1/n) sum_i s_i r_i S_i = -C``; the other two are empty and zero.
        """
        coordinates = self._coordinates(model.factor, model.signs)
        gradient = self._gram_times(coordinates) - self._moment
        matrix = self._matrix(gradient)
        grad_factor = 2.0 * (matrix @ model.factor) * model.signs
        gradients = (grad_factor, np.zeros(0), 0.0)
        return self._value(coordinates, gradient), gradients, -matrix

    def residual_correlation(self, model: QuadraticModel) -> np.ndarray:
        """``C = (1/n) sum_i s_i (y_i - f_i) S_i``, the matrix of ``h - G m``."""
        coordinates = self._coordinates(model.factor, model.signs)
        return self._matrix(self._moment - self._gram_times(coordinates))

    def measurement_mean(self) -> np.ndarray:
        """``(1/n) sum_i s_i S_i``: the matrix of the mean feature ``E[phi]``."""
        return self._matrix(self._mean_feature)

    def residual_correlation_and_measurement_mean(self, model: QuadraticModel):
        """:meth:`residual_correlation` and :meth:`measurement_mean`."""
        return self.residual_correlation(model), self.measurement_mean()

    def mean_residual(self, model: QuadraticModel) -> float:
        """The weighted mean of ``y_i - f_i``: ``E[y] - E[phi] . m``."""
        coordinates = self._coordinates(model.factor, model.signs)
        return float(self._mean_target - self._mean_feature @ coordinates)

    def curvature_along(self, direction: np.ndarray) -> float:
        """``(1/n) sum_i s_i (v^T S_i v)^2 = m_v^T G m_v`` with
        ``m_v`` the coordinates of ``v v^T``."""
        coordinates = self._coordinates(direction[:, None], np.ones(1))
        return float(coordinates @ self._gram_times(coordinates))

    def fit_unpenalized_part(self) -> tuple[np.ndarray, float]:
        """No linear term and no constant: ``(empty, 0.0)``."""
        return np.zeros(0), 0.0

    def input_second_moments(self) -> tuple:
        """As :meth:`QuadraticLeastSquares.input_second_moments`: for rank-one
        measurements the matrix of the mean feature, whose diagonal holds the
        weighted means of ``x_a^2`` and whose other entries those of
        ``2 x_a x_b`` halved, is the second moment of the ``x_i``; ``None``
        otherwise, and for the linear term, which there is not."""
        if not self.rank_one:
            return None, None
        return self.measurement_mean(), None

    def in_subspace(self, basis: np.ndarray) -> "GramLeastSquares":
        """As :meth:`QuadraticLeastSquares.in_subspace`, from the statistics:
        the coordinates of ``B S B^T`` are ``E s`` for the coordinates ``s`` of
        a symmetric ``p x p`` matrix ``S`` (``E``'s columns are those of
        ``B (e_a e_c^T + e_c e_a^T) B^T``, halved for ``a = c``), so ``G``,
        ``h`` and the mean feature become ``E^T G E``, ``E^T h`` and
        ``E^T f``."""
        first, second = np.triu_indices(basis.shape[1])
        # sym(b_a b_c^T) is half of E's column off the diagonal.
        embedding = symmetric_pairs(basis)[self._upper]
        embedding *= np.where(first == second, 1.0, 2.0)
        statistics = self._statistics
        return GramLeastSquares(
            replace(
                statistics,
                n_features=basis.shape[1],
                gram=np.asfortranarray(embedding.T @ (self._gram @ embedding)),
                target_moment=embedding.T @ statistics.target_moment,
                feature_sum=embedding.T @ statistics.feature_sum,
            )
        )

    def regress_along(self, model, directions, signs):
        """As :meth:`QuadraticLeastSquares.regress_along`, from the normal
        equations: with ``m_j`` the coordinates of ``a_j v_j v_j^T``, the
        Gram matrix of the columns is ``m_j^T G m_l`` (the curvature) and their
        correlation with ``y - f`` is ``m_j . (h - G m)``."""
        columns = np.column_stack(
            [
                self._coordinates(direction[:, None], np.array([sign]))
                for direction, sign in zip(directions.T, signs, strict=True)
            ]
        )
        coordinates = self._coordinates(model.factor, model.signs)
        target = self._moment - self._gram_times(coordinates)
        normal = self._scale * (columns.T @ (self._gram @ columns))
        coefficients = np.linalg.lstsq(normal, columns.T @ target, rcond=None)[0]
        return coefficients, normal, columns.T @ self._mean_feature


#: Median evaluations of the loss and gradient
#: (``value_gradient_and_correlation``) that a fit, a fine-tuning alone and
#: each strength of a path make on the planted problems of
#: ``benchmarks/bench_precompute.py``. Ill-posed problems
#: (``n`` near ``d r``) make 3 to 10 times more.
EVALUATIONS_PER_FIT = 32
EVALUATIONS_PER_FINE_TUNE = 16
EVALUATIONS_PER_ALPHA = 14

#: Per strength of the paths of a CV run, which stop at ``path_tol=1e-5``
#: rather than ``tol``: the median of the CV runs of
#: ``benchmarks/bench_precompute.py`` (7 before each point's training took its
#: first step with the scale of the point before; 14 when the paths ran to
#: ``tol``).
EVALUATIONS_PER_CV_ALPHA = 6

#: Seconds per unit of work with one BLAS thread, measured by
#: ``benchmarks/bench_precompute.py`` (x86_64, 2 shared cores): one
#: evaluation in data form per ``n d^2`` (matrices: two passes over ``X``) or
#: per ``n d`` (vectors: ``X U`` and ``X^T (r Z)`` with 3 live columns), for
#: an ``X`` that stays in cache; one evaluation in Gram form per ``p^2``
#: (``G m``); building the statistics per ``n p`` (the features) and per
#: ``n p^2`` (``G += phi^T phi``). The per-call overhead, about the same in
#: both forms, is left out.
SECONDS_PER_UNIT = {
    "matrices": 4.3e-10,
    "vectors": 2.1e-9,
    "gram": 1.5e-10,
    "features": 3.3e-9,
    "build": 3.9e-11,
}

#: An ``X`` larger than :data:`~skprune.sensing.CACHE_BYTES` does not stay in
#: the last-level cache from one evaluation to the next, which then costs
#: ``OUT_OF_CACHE_FACTOR`` times more per number (measured on matrices).
OUT_OF_CACHE_FACTOR = 2.0

#: ``"auto"`` never builds a Gram matrix larger than this: 128 MiB, ``d <= 90``.
MAX_GRAM_BYTES = 2**27

#: ... nor one larger than this fraction of ``X``'s bytes, so that a fit's
#: extra memory stays within a quarter of ``X``'s (``G`` is the largest
#: thing a fit in Gram form holds).
MAX_GRAM_FRACTION_OF_X = 0.25


def precompute_pays(
    n_samples: int,
    n_features: int,
    *,
    sensing: str,
    n_evaluations: float,
    n_builds: float = 1.0,
    itemsize: int = 8,
) -> bool:
    """Whether the Gram form is expected to be faster, and small enough: the
    rule of ``precompute="auto"``.

    With ``p = d (d + 1) / 2``, ``E = n_evaluations``, ``X`` of ``b n s``
    bytes (``b = itemsize``, ``s = d^2`` for matrices and ``d`` for vectors)
    and the costs ``c`` of :data:`SECONDS_PER_UNIT`, the Gram form is chosen
    when ``G`` (``8 p^2`` bytes) takes at most :data:`MAX_GRAM_BYTES` and at
    most :data:`MAX_GRAM_FRACTION_OF_X` of ``X``'s bytes,
    ``8 p^2 <= b n s / 4``, and

    ``n_builds n (c_features p + c_build p^2) + E c_gram p^2 < E c_data n s``

    with ``c_data = c_matrices`` for matrices and ``c_vectors`` for vectors,
    times :data:`OUT_OF_CACHE_FACTOR` when ``X`` exceeds
    :data:`CACHE_BYTES`: building the statistics plus ``E`` evaluations in
    Gram form cost less than ``E`` evaluations in data form. Since the build
    and the data-form evaluations both grow with ``n`` (the Gram evaluations
    do not), the rule asks for enough evaluations to pay for the build, ``E``
    above about ``n_builds c_build p^2 / (c_data s)``, and for ``n`` large
    enough that a Gram evaluation is the cheaper one. The memory bound asks
    for ``n >= 32 p^2 / (b s)``, about ``d^2`` float64 matrices or ``d^3``
    float64 vectors (twice as many in float32): 2601 matrices or 130050
    vectors at ``d = 50``.

    Parameters
    ----------
    n_samples, n_features : int
        ``n`` and ``d``.
    sensing : {"matrices", "vectors"}
        Dense sensing matrices (``X`` of shape ``(n, d, d)``) or vectors of
        rank-one measurements (``X`` of shape ``(n, d)``).
    n_evaluations : float
        The evaluations expected: :data:`EVALUATIONS_PER_FIT` for a fit,
        :data:`EVALUATIONS_PER_FINE_TUNE` for ``refit``,
        :data:`EVALUATIONS_PER_ALPHA` per strength for a path
        (:data:`EVALUATIONS_PER_CV_ALPHA` for the paths of a CV run), times the
        number of folds for a CV run (its ``n_folds`` paths on ``(n_folds - 1)
        / n_folds`` of the samples and one on all of them cost ``n_folds``
        paths on all of them in data form).
    n_builds : float, default=1
        Builds of the statistics from all ``n`` samples: 2 for a CV run, which
        builds them once from all the data and once from each held-out part.
    itemsize : int, default=8
        Bytes per number of ``X``: 8 for float64, 4 for float32.

    Returns
    -------
    bool
    """
    p = n_features * (n_features + 1) // 2
    size = n_features**2 if sensing == "matrices" else n_features
    data_bytes = itemsize * n_samples * size
    if 8 * p**2 > min(MAX_GRAM_BYTES, MAX_GRAM_FRACTION_OF_X * data_bytes):
        return False
    cost = SECONDS_PER_UNIT
    data = n_evaluations * cost[sensing] * n_samples * size
    if data_bytes > CACHE_BYTES:
        data *= OUT_OF_CACHE_FACTOR
    build = n_builds * n_samples * (cost["features"] * p + cost["build"] * p**2)
    return build + n_evaluations * cost["gram"] * p**2 < data
