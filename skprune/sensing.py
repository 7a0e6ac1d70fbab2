"""Sensing operators: the linear map ``M -> (<A_i, M>)_i`` of matrix sensing.

A sensing operator knows ``n_samples`` measurement matrices ``A_i`` of size
``d x d`` and offers the two products every solver needs for a factored model
``M = U D U^T`` (``D = diag(signs)``, ``signs`` in ``{-1, +1}``):

``forward(U, signs)``
    the predictions ``<A_i, U D U^T>`` for all ``i``, and a cache;
``adjoint_times(residual, U, cache)``
    ``sum_i residual_i S_i U`` with ``S_i = (A_i + A_i^T) / 2``, reusing the
    cache of the ``forward`` call made with the same ``U``. The cache is
    scratch handed from one ``forward`` to one ``adjoint_times``, which may
    overwrite it (no copy of its ``n x k`` numbers);
``adjoint_matrix(residual)``
    the ``d x d`` matrix ``sum_i residual_i S_i``;
``adjoint_matrices(weights)``
    the matrices ``sum_i w_ki S_i`` for a few rows ``w_k`` of ``weights``,
    read off one pass over dense data (the residual correlation and the mean
    measurement at the start of a fit);
``residual_and_adjoint(U, signs, offset, weights)``
    the residual ``r = forward(U) + offset``, ``sum_i w_i r_i S_i U`` and,
    where the product forms it on the way (:class:`DenseSensing`), the
    ``d x d`` matrix ``sum_i w_i r_i S_i`` (``None`` otherwise): what one
    evaluation of a least-squares loss needs, in one pass over large dense
    data, and what a saddle escape at the point evaluated reads;
``measure_each(V, out)``
    the measurements ``v_j^T S_i v_j`` of each column ``v_j`` of ``V`` apart,
    written into a float64 array (the spectral start's least squares);
``in_subspace(basis)`` (:class:`DenseSensing` only)
    the operator of the measurements of ``M = B W D W^T B^T`` as a function of
    ``W``, for a ``d x p`` ``basis`` ``B`` with orthonormal columns: the
    sensing of the ``p x p`` matrices ``B^T S_i B`` (the spectral start
    trains within the span of its columns, :func:`skprune.core.spectral_model`);
``features(rows)``
    for the samples in ``rows``, the coordinates ``phi_i`` of the measurement
    with ``<S_i, M> = phi_i . M[triu_indices(d)]`` for every symmetric ``M``
    (``S_i[a, a]`` on the diagonal, ``2 S_i[a, b]`` above it): the rows of the
    design of the Gram form (:mod:`skprune.gram`).

Only the symmetric part ``S_i`` of ``A_i`` enters, because
``<A_i, M> = <S_i, M>`` for symmetric ``M``.

Dtypes. An operator keeps its data in their dtype, float32 or float64
(``dtype``), and its products with them run in it: the predictions of
``forward`` have that dtype, and a residual is converted to it before a
product. Results with ``d`` rows (``adjoint_times``, ``adjoint_matrix``) are
float64, as the factor is.
"""

import numpy as np
import scipy.sparse as sp

from .design import RowDesign

#: Dense measurements larger than this leave the last-level cache between two
#: passes over them: :meth:`DenseSensing.residual_and_adjoint` then reads
#: them once, in blocks of :data:`FUSED_BLOCK_BYTES`.
CACHE_BYTES = 16 * 2**20

#: Size of the blocks of rows of a fused pass: they stay in cache between
#: their two products.
FUSED_BLOCK_BYTES = 2 * 2**20

#: For dense measurements larger than :data:`CACHE_BYTES`,
#: :meth:`DenseSensing.adjoint_matrices` multiplies a few rows of weights by
#: blocks of this many rows of ``X``. Measured against one vector-matrix
#: product per row of weights (two rows, one thread, ``d = 20`` to 150, ``X``
#: of 40 to 180 MB): 1.1 to 2.6 times faster, where blocks of 4 rows were up
#: to 1.6 times slower, and blocks of 32 rows at ``d = 50`` 1.2 times.
ADJOINT_BLOCK_ROWS = 12

#: Products of dense measurements with a few columns
#: (:meth:`DenseSensing._times_columns`) take at most this many columns at a
#: time ...
PRODUCT_COLUMNS = 8

#: ... in blocks of rows with at most this many multiply-adds per product.
#: Measured with OpenBLAS 0.3.31 and one thread, such products of a block of
#: ``X`` with 2 to 8 columns run 1.5 to 2 times faster than one product of
#: all of ``X``, and blocks of more than 10^6 multiply-adds 2 to 3 times
#: slower (at ``d = 80``: blocks of 12 rows against 20).
PRODUCT_SIZE = 640_000


class DenseSensing:
    """Sensing with a dense stack of ``d x d`` matrices.

    Keeps ``X`` as it is, viewed as ``(n_samples, d * d)`` (no copy for a
    C-contiguous array): ``forward`` is one matrix-vector product with
    ``vec(U D U^T)``, which is symmetric, so ``<A_i, U D U^T> = <S_i, U D U^T>``;
    ``adjoint_matrix`` is one vector-matrix product and symmetrizes the
    ``d x d`` result rather than the data. ``O(n d^2)`` each, plus ``O(d^2 k)``
    to form ``U D U^T`` and multiply by ``U``.

    Parameters
    ----------
    matrices : ndarray of shape (n_samples, d, d)
        The sensing matrices ``A_i``.
    """

    #: The measurements are not rank-one (see :class:`RankOneSensing`).
    rank_one = False

    def __init__(self, matrices: np.ndarray):
        n_samples, d, _ = matrices.shape
        self.n_samples, self.n_features = n_samples, d
        self.dtype = matrices.dtype
        self._flat = matrices.reshape(n_samples, d * d)

    def forward(self, U, signs):
        gram = ((U * signs) @ U.T).astype(self.dtype, copy=False)
        return self._flat @ gram.ravel(), None

    def adjoint_matrix(self, residual):
        return self._symmetric(residual.astype(self.dtype, copy=False) @ self._flat)

    def adjoint_matrices(self, weights):
        """The symmetric parts of ``sum_i w_ki A_i`` for the rows ``w_k`` of
        ``weights`` (shape ``(m, n_samples)``), float64 of shape ``(m, d, d)``,
        in one pass over ``X``: for ``X`` larger than :data:`CACHE_BYTES`,
        block by block of :data:`ADJOINT_BLOCK_ROWS` rows (the sums
        accumulated in float64), else one :meth:`adjoint_matrix` per row."""
        if self._flat.nbytes <= CACHE_BYTES:
            return np.stack([self.adjoint_matrix(row) for row in weights])
        weights = weights.astype(self.dtype, copy=False)
        flat = np.zeros((weights.shape[0], self._flat.shape[1]))
        for start in range(0, self.n_samples, ADJOINT_BLOCK_ROWS):
            rows = slice(start, start + ADJOINT_BLOCK_ROWS)
            flat += weights[:, rows] @ self._flat[rows]
        return np.stack([self._symmetric(row) for row in flat])

    def _symmetric(self, correlation):
        """The symmetric part of ``sum_i r_i A_i`` given flat, as float64."""
        d = self.n_features
        correlation = np.asarray(correlation, dtype=np.float64).reshape(d, d)
        return 0.5 * (correlation + correlation.T)

    def adjoint_times(self, residual, U, cache=None):
        return self.adjoint_matrix(residual) @ U

    def measure_each(self, V, out):
        """Write ``v_j^T S_i v_j`` for each column ``v_j`` of ``V`` into
        column ``j`` of ``out``, a float64 array of shape ``(n_samples, m)``:
        one pass over ``X`` that multiplies it by the ``d^2 x m`` matrix of
        the ``vec(v_j v_j^T)`` (:meth:`_times_columns`), where ``m`` separate
        products would read ``X`` ``m`` times."""
        d, m = V.shape
        outer = np.einsum("aj,bj->abj", V, V).reshape(d * d, m)
        self._times_columns(outer.astype(self.dtype, copy=False), out)

    def _times_columns(self, columns, out):
        """Write ``X_flat @ columns`` (``columns`` of shape ``(d^2, m)``) into
        ``out`` of shape ``(n_samples, m)``: one matrix-vector product for
        ``m = 1``, else block by block of rows, :data:`PRODUCT_COLUMNS`
        columns at a time, each block's products of at most
        :data:`PRODUCT_SIZE` multiply-adds formed while it is in cache.
        Measured against one product of ``X`` with all ``m`` columns (one
        thread, ``d = 20`` to 100, ``X`` of 14 to 190 MB, ``m = 2`` to 21): 1.1
        to 2.1 times faster (0.9 times for 6 and 8 columns of a 1 MB ``X``)."""
        n_columns = columns.shape[1]
        if n_columns == 1:
            out[:, 0] = self._flat @ columns[:, 0]
            return
        chunks = [
            (start, np.ascontiguousarray(columns[:, start : start + PRODUCT_COLUMNS]))
            for start in range(0, n_columns, PRODUCT_COLUMNS)
        ]
        width = min(n_columns, PRODUCT_COLUMNS)
        rows_per_block = max(1, PRODUCT_SIZE // (self._flat.shape[1] * width))
        for start in range(0, self.n_samples, rows_per_block):
            block = self._flat[start : start + rows_per_block]
            for first, chunk in chunks:
                out[start : start + rows_per_block, first : first + chunk.shape[1]] = (
                    block @ chunk
                )

    def in_subspace(self, basis):
        """The :class:`DenseSensing` of the ``p x p`` matrices ``B^T S_i B``
        (``B`` the ``d x p`` ``basis``): ``<S_i, B W D W^T B^T> =
        <B^T S_i B, W D W^T>``. Their ``p (p + 1) / 2`` distinct entries
        ``<S_i, sym(b_a b_c^T)>`` are one product of ``X`` with as many
        ``d^2``-vectors, as in :meth:`measure_each`."""
        p = basis.shape[1]
        first, second = np.triu_indices(p)
        pairs = symmetric_pairs(basis).astype(self.dtype, copy=False)
        entries = np.empty((self.n_samples, first.size), dtype=self.dtype)
        self._times_columns(pairs, entries)
        matrices = np.empty((self.n_samples, p, p), dtype=self.dtype)
        matrices[:, first, second] = entries
        matrices[:, second, first] = entries
        return DenseSensing(matrices)

    def residual_and_adjoint(self, U, signs, offset, weights=None):
        """``r = forward(U, signs) + offset``, ``sum_i w_i r_i S_i U`` and the
        matrix ``sum_i w_i r_i S_i`` that it multiplies by ``U``.

        ``w`` are the ``weights`` (ones for ``None``). Two passes over ``X``,
        or, for ``X`` larger than :data:`CACHE_BYTES`, one: block by block of
        rows, each block's residual and its share of the sum are formed while
        the block is in cache (the sum accumulated in float64). Measured at
        ``n = 1200, d = 80`` (61 MB): 1.35 times faster than two passes; on
        data that stay in cache the two passes are faster.
        """
        gram = ((U * signs) @ U.T).astype(self.dtype, copy=False).ravel()
        if self._flat.nbytes <= CACHE_BYTES:
            residual = self._flat @ gram
            residual += offset
            weighted = residual if weights is None else weights * residual
            correlation = self.adjoint_matrix(weighted)
            return residual, correlation @ U, correlation
        residual = np.empty(self.n_samples, dtype=self.dtype)
        flat_correlation = np.zeros(self._flat.shape[1])
        rows_per_block = max(1, FUSED_BLOCK_BYTES // self._flat[0].nbytes)
        for start in range(0, self.n_samples, rows_per_block):
            rows = slice(start, start + rows_per_block)
            block = self._flat[rows]
            residual[rows] = block @ gram + offset[rows]
            weighted = (
                residual[rows] if weights is None else weights[rows] * residual[rows]
            )
            flat_correlation += weighted @ block
        correlation = self._symmetric(flat_correlation)
        return residual, correlation @ U, correlation

    def features(self, rows):
        """``A_i[a, a]`` on the diagonal and ``A_i[a, b] + A_i[b, a]`` above it,
        for the samples in ``rows``: shape ``(n_rows, d (d + 1) / 2)``."""
        d = self.n_features
        first, second = np.triu_indices(d)
        block = self._flat[rows]
        features = np.take(block, first * d + second, axis=1)
        features += np.take(block, second * d + first, axis=1)
        features *= np.where(first == second, 0.5, 1.0)
        return features


def symmetric_pairs(basis: np.ndarray) -> np.ndarray:
    """``vec(sym(b_a b_c^T))`` for the pairs ``a <= c`` of columns of the
    ``d x p`` ``basis``, in the order of ``triu_indices(p)``: shape
    ``(d * d, p (p + 1) / 2)``, float64."""
    d, p = basis.shape
    first, second = np.triu_indices(p)
    pairs = np.einsum("aj,bj->abj", basis[:, first], basis[:, second])
    pairs = 0.5 * (pairs + pairs.transpose(1, 0, 2))
    return pairs.reshape(d * d, first.size)


class RankOneSensing:
    """Sensing with rank-one matrices ``A_i = x_i x_i^T``.

    Never forms a ``d x d`` matrix per sample: ``forward`` computes
    ``Z = X U`` and ``sum_j signs_j Z_ij^2``; ``adjoint_times`` scales its
    cache ``Z`` by the residual in place and returns ``X^T (residual * Z)``.
    Both cost ``O(n d k)`` (``O(nnz k)`` for sparse ``X``), and besides
    ``Z`` and the predictions they allocate at most ``n`` numbers (see
    :func:`_signed_squares`). ``adjoint_matrix`` forms
    ``X^T diag(residual) X`` in blocks of rows
    (:meth:`~skprune.design.RowDesign.weighted_gram`).

    Parameters
    ----------
    X : {ndarray, sparse matrix, RowDesign} of shape (n_samples, d)
        The vectors ``x_i``, used as they are (a sparse matrix stays sparse),
        or a :class:`~skprune.design.RowDesign` whose rows ``x~_i`` (the
        standardized vectors of the network) are the vectors.
    """

    #: The measurements are rank-one: the vectors' second moment exists (see
    #: :mod:`skprune.whitening`).
    rank_one = True

    def __init__(self, X):
        self.rows = X if isinstance(X, RowDesign) else RowDesign(X)
        self.n_samples, self.n_features = self.rows.shape
        self.dtype = self.rows.dtype

    def forward(self, U, signs):
        projections = self.rows.times(U)
        return _signed_squares(projections, signs), projections

    def adjoint_times(self, residual, U, cache=None):
        """``X^T (residual * Z)`` with ``Z = X U``: the cache of ``forward``
        (overwritten) or computed here."""
        projections = self.rows.times(U) if cache is None else cache
        projections *= residual.astype(self.dtype, copy=False)[:, None]
        return self.rows.transpose_times(projections)

    def adjoint_matrix(self, residual):
        return self.rows.weighted_gram(residual)

    def adjoint_matrices(self, weights):
        """``X^T diag(w_k) X`` for each row ``w_k`` of ``weights``, one
        :meth:`adjoint_matrix` after the other (each costs what a product
        with all of them would)."""
        return np.stack([self.adjoint_matrix(row) for row in weights])

    def measure_each(self, V, out):
        """Write ``(x_i . v_j)^2`` for each column ``v_j`` of ``V`` into column
        ``j`` of ``out``, a float64 array of shape ``(n_samples, m)``: one
        product ``X v_j`` at a time (each a pass over ``X``, as cheap as one
        over the ``n x m`` result), so that the only temporary is ``n``
        numbers."""
        for column, direction in zip(out.T, V.T, strict=True):
            column[...] = self.rows.times(direction)
            column **= 2

    def residual_and_adjoint(self, U, signs, offset, weights=None):
        """``r = forward(U, signs) + offset``, ``sum_i w_i r_i x_i x_i^T U``
        (``w`` the ``weights``, ones for ``None``) and ``None``: ``forward`` and
        ``adjoint_times`` sharing ``X U``, never the ``d x d`` matrix
        ``sum_i w_i r_i x_i x_i^T``, which costs ``d / k`` times more."""
        residual, projections = self.forward(U, signs)
        residual += offset
        weighted = residual if weights is None else weights * residual
        return residual, self.adjoint_times(weighted, U, projections), None

    def features(self, rows):
        """``x_ia^2`` on the diagonal and ``2 x_ia x_ib`` above it, for the
        samples in ``rows``: shape ``(n_rows, d (d + 1) / 2)``."""
        indices = range(self.n_samples)[rows]
        block = np.empty((len(indices), self.n_features))
        self.rows.fill_block(rows, block)
        first, second = np.triu_indices(self.n_features)
        features = np.take(block, first, axis=1)
        features *= np.take(block, second, axis=1)
        features *= np.where(first == second, 1.0, 2.0)
        return features


#: Up to this many columns, :func:`_signed_squares` goes column by column.
SQUARES_BY_COLUMN = 4


def _signed_squares(projections: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """``sum_j signs_j Z_ij^2`` for ``Z = projections`` (``n x k``), ``signs``
    in ``{-1, +1}``, in ``Z``'s dtype, without the ``n x k`` temporary of
    ``(Z**2) @ signs``.

    Up to :data:`SQUARES_BY_COLUMN` columns, one column at a time (a
    temporary of ``n`` numbers); beyond, where strided passes over the
    columns cost more, in blocks of ``2 n / k`` rows (a temporary of ``2 n``
    numbers). Measured against ``(Z**2) @ signs`` with one BLAS thread
    (``n = 20000`` and ``80000``, ``d = 50``, float32 and float64): 6 to 25
    times faster for one column, 0.5 to 1.35 times its time for 2 to 50
    columns (at most 0.1 ms more, where the product ``X U`` alone takes 0.3
    to 16 ms).
    """
    n_samples, n_columns = projections.shape
    if n_columns == 0:
        return np.zeros(n_samples, projections.dtype)
    if n_columns <= SQUARES_BY_COLUMN:
        total = np.square(projections[:, 0])
        if signs[0] < 0:
            np.negative(total, out=total)
        square = np.empty_like(total) if n_columns > 1 else None
        for column, sign in zip(projections.T[1:], signs[1:], strict=True):
            np.square(column, out=square)
            if sign > 0:
                total += square
            else:
                total -= square
        return total
    total = np.empty(n_samples, projections.dtype)
    signs = signs.astype(projections.dtype, copy=False)
    rows_per_block = max(1, 2 * n_samples // n_columns)
    squares = np.empty((min(rows_per_block, n_samples), n_columns), projections.dtype)
    for start in range(0, n_samples, rows_per_block):
        block = projections[start : start + rows_per_block]
        square = squares[: block.shape[0]]
        np.square(block, out=square)
        np.dot(square, signs, out=total[start : start + rows_per_block])
    return total


def make_sensing_operator(X):
    """Return the sensing operator for validated ``X``.

    A 3-D array holds sensing matrices (:class:`DenseSensing`); a 2-D array or
    sparse matrix holds vectors of rank-one measurements
    (:class:`RankOneSensing`).
    """
    if not sp.issparse(X) and X.ndim == 3:
        return DenseSensing(X)
    return RankOneSensing(X)
