"""RowDesign against the explicitly standardized copy it forms only for
small dense data.

Every reference is ``Z = (X - offset) / scale`` written out in float64 from
the numbers ``X`` holds, and plain numpy products with it. In float64 the
quantities are sums of a few hundred O(1) terms, so ``rtol = 1e-10`` leaves
orders of magnitude over round-off (the rank-one corrections add a few
times the round-off of an entry of size ``|offset|``, here at most 3). In
float32 the products run in float32, whose round-off is 6e-8: the same
sums are held to ``1e-5`` relative to their largest entry.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from skprune.design import BLOCK_ROWS, RowDesign

N, D, M = 50, 6, 3
TOLERANCE = {np.float64: 1e-10, np.float32: 1e-5}


def data(kind, dtype, n=N, seed=0):
    """Features with means up to 3 and scales from 0.1 to 10; 60% zeros for CSR."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, D) + np.logspace(-1, 1, D) * rng.standard_normal((n, D))
    if kind == "csr":
        X[rng.random(X.shape) < 0.6] = 0.0
        return sp.csr_matrix(X.astype(dtype))
    return X.astype(dtype)


def explicit(X, offset, scale):
    """The standardized rows, formed: float64 copies of the numbers X holds."""
    X = X.toarray() if sp.issparse(X) else X
    return (X.astype(np.float64) - offset) / scale


STANDARDIZATIONS = {
    "none": (None, None),
    "scale": (None, np.logspace(-1, 1, D)),
    "offset and scale": (np.linspace(-3, 3, D), np.logspace(-1, 1, D)),
}
CASES = [
    (kind, dtype, name)
    for kind in ("dense", "csr")
    for dtype in (np.float64, np.float32)
    for name in STANDARDIZATIONS
]
#: A dense X of at most BLOCK_ROWS rows is standardized into a copy; more rows
#: keep X and fold the standardization into the products.
SIZES = {"copied": N, "folded": BLOCK_ROWS + N}


def assert_close(actual, expected, dtype):
    assert_allclose(
        actual, expected, rtol=0, atol=TOLERANCE[dtype] * np.abs(expected).max()
    )


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind, dtype, name", CASES)
def test_products_match_the_explicit_standardized_copy(kind, dtype, name, size):
    """times, transpose_times and weighted_gram equal Z V, Z^T R and
    Z^T diag(w) Z with the explicit Z; n-sized results keep X's dtype,
    d-sized ones are float64. Small dense X is standardized into a copy,
    larger X is kept and the standardization folded into the products."""
    offset, scale = STANDARDIZATIONS[name]
    n = SIZES[size]
    X = data(kind, dtype, n=n)
    Z = explicit(X, 0.0 if offset is None else offset, 1.0 if scale is None else scale)
    rows = RowDesign(X, offset, scale)
    copied = kind == "dense" and size == "copied" and name != "none"
    assert (rows.X is not X) == copied
    rng = np.random.default_rng(1)
    V, R, weights = (
        rng.standard_normal((D, M)),
        rng.standard_normal((n, M)),
        rng.standard_normal(n),
    )

    product = rows.times(V)
    assert product.dtype == dtype and product.shape == (n, M)
    assert_close(product, Z @ V, dtype)
    assert_close(rows.times(V[:, 0]), Z @ V[:, 0], dtype)

    transposed = rows.transpose_times(R)
    assert transposed.dtype == np.float64 and transposed.shape == (D, M)
    assert_close(transposed, Z.T @ R, dtype)
    assert_close(rows.transpose_times(R[:, 0]), Z.T @ R[:, 0], dtype)

    gram = rows.weighted_gram(weights)
    assert gram.dtype == np.float64 and gram.shape == (D, D)
    assert_close(gram, (Z.T * weights) @ Z, dtype)


@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_blocks_cover_every_row(kind):
    """n spans two full blocks and a partial one: the weighted Gram and the
    filled blocks equal the explicit ones over all rows."""
    offset, scale = STANDARDIZATIONS["offset and scale"]
    n = 2 * BLOCK_ROWS + 123
    X = data(kind, np.float64, n=n)
    Z = explicit(X, offset, scale)
    rows = RowDesign(X, offset, scale)
    weights = np.random.default_rng(2).standard_normal(n)
    assert_close(rows.weighted_gram(weights), (Z.T * weights) @ Z, np.float64)
    filled = np.empty((n, D))
    for start in range(0, n, BLOCK_ROWS):
        block = slice(start, min(start + BLOCK_ROWS, n))
        rows.fill_block(block, filled[block])
    assert_close(filled, Z, np.float64)


@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_the_data_are_used_as_given(kind):
    """No copy: the design holds X itself, in its dtype; zeros and ones as
    offset and scale are no standardization at all."""
    X = data(kind, np.float32)
    rows = RowDesign(X, np.zeros(D), np.ones(D))
    assert rows.X is X and rows.dtype == np.float32
    assert rows.offset is None and rows.scale is None
