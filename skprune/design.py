"""The rows ``x~_i = (x_i - offset) / scale`` of a data matrix, never formed.

:class:`QuadraticNetPruner <skprune.QuadraticNetPruner>` standardizes its
features, and a standardized copy of ``X`` would double the memory of a fit.
A :class:`RowDesign` keeps ``X`` as it was given (dense or CSR, float32 or
float64, no copy) and folds the offset ``m`` and the scale ``s`` into every
product:

``times(V)``
    ``X~ V = X (V / s) - 1 (m . (V / s))^T``: one product with ``X`` and a
    rank-one correction;
``transpose_times(R)``
    ``X~^T R = (X^T R - m (1^T R)) / s``;
``weighted_gram(w)``
    ``sum_i w_i x~_i x~_i^T``, in blocks of :data:`BLOCK_ROWS` rows, dense
    blocks centered explicitly (a correction there would square the offset),
    CSR blocks kept sparse, and the ``d x d`` result divided by ``s s^T``;
``fill_block(rows, out)``
    a block of rows of ``X~``, explicit, in a float64 array.

Arithmetic and dtypes. The products with ``X`` run in ``X``'s dtype: what
``times`` returns has ``n`` rows and ``X``'s dtype, what ``transpose_times``
and ``weighted_gram`` return has ``d`` rows and is float64. The rank-one
corrections lose no more than the rounding of ``X`` itself: an entry of
size ``|m|`` stored with relative round-off ``eps`` is off by ``eps |m|``,
the error the correction makes too.

Without an offset and a scale (``None``, or zeros and ones) every product is
the plain product with ``X``.

Small data. A dense ``X`` of at most :data:`BLOCK_ROWS` rows is standardized
once into a copy: the copy is no larger than a block that ``weighted_gram``
forms anyway, and products with it skip the corrections, whose handful of
extra array operations per product are most of an evaluation's cost at that
size (a fifth of the time of ``QuadraticNetPrunerCV`` on ``load_diabetes``).
"""

import numpy as np
import scipy.sparse as sp

#: Rows per block where a product is formed block by block: bounds the
#: temporary copies (``BLOCK_ROWS x d`` numbers) whatever ``n``.
BLOCK_ROWS = 1024


def _columns(vector, values):
    """``vector`` shaped to scale the rows of ``values`` (1-D or 2-D)."""
    return vector if values.ndim == 1 else vector[:, None]


class RowDesign:
    """The ``n x d`` matrix ``X~`` with rows ``x~_i = (x_i - offset) / scale``.

    Parameters
    ----------
    X : {ndarray, CSR matrix} of shape (n_samples, d)
        The data, float32 or float64; kept as it is (but for small dense data,
        see the module), and the products with it run in its dtype.
    offset : ndarray of shape (d,), default=None
        Subtracted from every row; ``None`` (or all zeros) subtracts nothing.
    scale : ndarray of shape (d,), default=None
        Divides every row after the offset; ``None`` (or all ones) divides by
        nothing. Must be nonzero.

    Attributes
    ----------
    shape : tuple of int
        ``(n_samples, d)``.
    dtype : numpy dtype
        The dtype of ``X``, in which the products with it run.
    """

    def __init__(self, X, offset=None, scale=None):
        offset = None if offset is None or not np.any(offset) else offset
        scale = None if scale is None or np.all(scale == 1.0) else scale
        standardize = offset is not None or scale is not None
        if standardize and not sp.issparse(X) and X.shape[0] <= BLOCK_ROWS:
            X = X.astype(X.dtype, copy=True)  # small: see the module
            _standardize(
                X,
                None if offset is None else offset.astype(X.dtype),
                None if scale is None else scale.astype(X.dtype),
            )
            offset = scale = None
        self.X = X
        self.shape = X.shape
        self.dtype = X.dtype
        self.offset = offset
        self.scale = scale

    def times(self, V: np.ndarray) -> np.ndarray:
        """``X~ V`` for ``V`` of shape ``(d,)`` or ``(d, m)``, in ``X``'s dtype."""
        if self.scale is not None:
            V = V / _columns(self.scale, V)
        product = np.asarray(self.X @ V.astype(self.dtype, copy=False))
        if self.offset is not None:
            product -= (self.offset @ V).astype(self.dtype)
        return product

    def transpose_times(self, R: np.ndarray) -> np.ndarray:
        """``X~^T R`` for ``R`` of shape ``(n,)`` or ``(n, m)``, in float64."""
        R = R.astype(self.dtype, copy=False)
        if R.ndim == 2 and not sp.issparse(self.X):
            # (R^T X)^T: BLAS is 1.1 to 2.2 times faster this way round than
            # X^T R for a narrow R (measured, n = 20000 and 80000, d = 50).
            product = np.asarray((R.T @ self.X).T, dtype=np.float64)
        else:
            product = np.asarray(self.X.T @ R, dtype=np.float64)
        if self.offset is not None:
            # 1^T R as a product: numpy's sum over the rows of a narrow R is
            # twenty times slower or more.
            sums = np.ones(self.shape[0], self.dtype) @ R
            product -= np.multiply.outer(self.offset, sums)
        if self.scale is not None:
            product /= _columns(self.scale, product)
        return product

    def weighted_gram(self, weights: np.ndarray) -> np.ndarray:
        """``sum_i weights_i x~_i x~_i^T`` as a float64 ``d x d`` array.

        Formed in blocks of :data:`BLOCK_ROWS` rows in ``X``'s dtype, so the
        weighted copy never exceeds one block. A dense block is centered
        before the product; for CSR ``X`` (kept sparse) the offset enters
        through the exact identity
        ``sum_i w_i (x_i - m)(x_i - m)^T = G - m g^T - g m^T + (sum_i w_i) m m^T``
        with ``G = sum_i w_i x_i x_i^T`` and ``g = sum_i w_i x_i``, which
        loses about ``(m / s)^2`` times the round-off of ``X``'s dtype.
        """
        d = self.shape[1]
        weights = weights.astype(self.dtype, copy=False)
        gram = np.zeros((d, d))
        sparse = sp.issparse(self.X)
        offset = None if self.offset is None else self.offset.astype(self.dtype)
        for rows in row_blocks(self.shape[0]):
            block = self.X[rows]
            if sparse:
                gram += (block.T @ (sp.diags(weights[rows]) @ block)).toarray()
                continue
            if offset is not None:
                block = block - offset
            gram += block.T @ (weights[rows, None] * block)
        if sparse and self.offset is not None:
            moment = np.asarray(self.X.T @ weights, dtype=np.float64)
            total = np.sum(weights, dtype=np.float64)
            shift = np.outer(self.offset, moment)
            gram += total * np.outer(self.offset, self.offset) - shift - shift.T
        if self.scale is not None:
            gram /= np.outer(self.scale, self.scale)
        return gram

    def fill_block(self, rows: slice, out: np.ndarray):
        """Write ``X~[rows]`` into ``out``, a float64 array of shape
        ``(rows, d)``: converted and standardized in place, no other copy."""
        block = self.X[rows]
        out[...] = block.toarray() if sp.issparse(block) else block
        _standardize(out, self.offset, self.scale)


def _standardize(values: np.ndarray, offset, scale):
    """``(values - offset) / scale`` in place, row by row (``None``: no offset
    or no scale)."""
    if offset is not None:
        values -= offset
    if scale is not None:
        values /= scale


def row_blocks(n_rows: int):
    """Consecutive slices of at most :data:`BLOCK_ROWS` rows covering ``n_rows``."""
    for start in range(0, n_rows, BLOCK_ROWS):
        yield slice(start, min(start + BLOCK_ROWS, n_rows))
