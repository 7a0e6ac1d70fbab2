"""Sensing operators against naive per-sample implementations.

Every reference below is written with explicit ``A_i`` (or explicit
``x_i x_i^T``) and a Python loop or an ``einsum``, independently of the
flattened / factored products the operators use. All quantities are sums of
at most a few hundred O(1) terms, so ``rtol = atol = 1e-10`` leaves several
orders of magnitude of margin over float64 round-off (~1e-14 relative) while
still catching any wrong factor of 2, transpose or sign.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from skprune import sensing
from skprune.sensing import DenseSensing, RankOneSensing, make_sensing_operator

N_SAMPLES, D, K = 40, 6, 4
RTOL, ATOL = 1e-10, 1e-10
SIGNS = {
    "positive": np.ones(K),
    "negative": -np.ones(K),
    "mixed": np.array([1.0, -1.0, 1.0, -1.0]),
}


def assert_close(actual, expected):
    assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def naive_forward(matrices, U, signs):
    """<A_i, U D U^T> with the explicit, possibly non-symmetric A_i."""
    gram = np.einsum("aj,j,bj->ab", U, signs, U)
    return np.array([np.sum(A * gram) for A in matrices])


def naive_adjoint_matrix(matrices, residual):
    """sum_i r_i (A_i + A_i^T) / 2, one sample at a time."""
    out = np.zeros(matrices.shape[1:])
    for r, A in zip(residual, matrices, strict=True):
        out += r * 0.5 * (A + A.T)
    return out


@pytest.mark.parametrize("fused", [False, True], ids=["two passes", "one pass"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_dense_residual_and_adjoint_matches_naive(rng, monkeypatch, fused, weighted):
    """residual_and_adjoint gives r_i = <A_i, U D U^T> + offset_i,
    sum_i w_i r_i S_i U and sum_i w_i r_i S_i (explicit loops), in two passes
    and in the one pass of data larger than the cache (forced here by a zero
    cache size, with blocks of 7 rows so that the last block of the 40 is
    short)."""
    if fused:
        monkeypatch.setattr("skprune.sensing.CACHE_BYTES", 0)
        monkeypatch.setattr("skprune.sensing.FUSED_BLOCK_BYTES", 7 * D * D * 8)
    A = rng.standard_normal((N_SAMPLES, D, D))
    U = rng.standard_normal((D, K))
    offset = rng.standard_normal(N_SAMPLES)
    weights = rng.uniform(0.5, 2.0, N_SAMPLES) if weighted else None
    residual, adjoint, correlation = DenseSensing(A).residual_and_adjoint(
        U, SIGNS["mixed"], offset, weights
    )
    expected = naive_forward(A, U, SIGNS["mixed"]) + offset
    assert_close(residual, expected)
    scaled = expected if weights is None else weights * expected
    assert_close(correlation, naive_adjoint_matrix(A, scaled))
    assert_close(adjoint, naive_adjoint_matrix(A, scaled) @ U)


def test_rank_one_residual_and_adjoint_matches_naive(rng):
    """For x_i x_i^T: r_i = <x_i x_i^T, U D U^T> + offset_i and
    sum_i w_i r_i x_i x_i^T U, against the explicit matrices."""
    X = rng.standard_normal((N_SAMPLES, D))
    U = rng.standard_normal((D, K))
    offset = rng.standard_normal(N_SAMPLES)
    weights = rng.uniform(0.5, 2.0, N_SAMPLES)
    residual, adjoint, correlation = RankOneSensing(X).residual_and_adjoint(
        U, SIGNS["mixed"], offset, weights
    )
    assert correlation is None
    expected = naive_forward(outer_stack(X), U, SIGNS["mixed"]) + offset
    assert_close(residual, expected)
    assert_close(adjoint, naive_adjoint_matrix(outer_stack(X), weights * expected) @ U)


@pytest.mark.parametrize("blocked", [False, True], ids=["one block", "blocks"])
@pytest.mark.parametrize("n_directions", [1, 3, 11])
@pytest.mark.parametrize("kind", ["dense", "rank_one"])
def test_measure_each_matches_naive(rng, monkeypatch, kind, n_directions, blocked):
    """measure_each gives v_j^T A_i v_j for each column v_j apart (explicit
    A_i, and explicit x_i x_i^T for rank-one sensing); one direction and
    several take different products, and more than PRODUCT_COLUMNS
    directions are measured a chunk of columns at a time. ``blocks`` forces
    blocks of 7 rows (the last of the 40 short) for dense data."""
    if blocked:
        monkeypatch.setattr(
            "skprune.sensing.PRODUCT_SIZE",
            7 * D * D * min(n_directions, sensing.PRODUCT_COLUMNS),
        )
    V = rng.standard_normal((D, n_directions))
    matrices, operator = random_operator(rng, kind)
    expected = np.column_stack([[v @ A @ v for A in matrices] for v in V.T])
    measured = np.empty((N_SAMPLES, n_directions))
    operator.measure_each(V, measured)
    assert_close(measured, expected)


@pytest.mark.parametrize("blocked", [False, True], ids=["one block", "blocks"])
@pytest.mark.parametrize("p", [2, 5])
def test_dense_in_subspace_matches_naive(rng, monkeypatch, p, blocked):
    """in_subspace(B) senses with the p x p matrices B^T S_i B (explicit
    products), for p (p + 1) / 2 = 3 and 15 pairs of columns (more than
    PRODUCT_COLUMNS), in one block of rows or in blocks of 7."""
    if blocked:
        monkeypatch.setattr("skprune.sensing.PRODUCT_SIZE", 7 * D * D * 3)
    matrices = rng.standard_normal((N_SAMPLES, D, D))
    basis, _ = np.linalg.qr(rng.standard_normal((D, p)))
    restricted = DenseSensing(matrices).in_subspace(basis)
    symmetric = 0.5 * (matrices + matrices.transpose(0, 2, 1))
    expected = np.einsum("ap,iab,bq->ipq", basis, symmetric, basis)
    assert restricted.n_features == p
    assert_close(restricted._flat.reshape(N_SAMPLES, p, p), expected)


@pytest.mark.parametrize("blocked", [False, True], ids=["two products", "blocks"])
@pytest.mark.parametrize("kind", ["dense", "rank_one"])
def test_adjoint_matrices_match_naive(rng, monkeypatch, kind, blocked):
    """adjoint_matrices gives sum_i w_ki sym(A_i) for each row w_k of the
    weights (explicit A_i, explicit x_i x_i^T); dense data larger than the
    cache (forced by a zero cache size) are read in blocks of 7 rows."""
    if blocked:
        monkeypatch.setattr("skprune.sensing.CACHE_BYTES", 0)
        monkeypatch.setattr("skprune.sensing.ADJOINT_BLOCK_ROWS", 7)
    matrices, operator = random_operator(rng, kind)
    weights = rng.standard_normal((2, N_SAMPLES))
    expected = [naive_adjoint_matrix(matrices, row) for row in weights]
    assert_close(operator.adjoint_matrices(weights), np.stack(expected))


def random_operator(rng, kind):
    """Random explicit matrices and their operator: dense ``A_i``, or the
    ``x_i x_i^T`` of random vectors."""
    if kind == "dense":
        matrices = rng.standard_normal((N_SAMPLES, D, D))
        return matrices, DenseSensing(matrices)
    X = rng.standard_normal((N_SAMPLES, D))
    return outer_stack(X), RankOneSensing(X)


def outer_stack(X):
    """The explicit rank-one matrices x_i x_i^T."""
    return np.stack([np.outer(x, x) for x in X])


@pytest.mark.parametrize("signs", SIGNS.values(), ids=SIGNS.keys())
def test_dense_forward_matches_naive(rng, signs):
    """forward equals <A_i, U D U^T> for non-symmetric A_i (explicit loop)."""
    A = rng.standard_normal((N_SAMPLES, D, D))
    U = rng.standard_normal((D, K))
    pred, _ = DenseSensing(A).forward(U, signs)
    assert pred.shape == (N_SAMPLES,)
    assert_close(pred, naive_forward(A, U, signs))


def test_dense_adjoint_matches_naive(rng):
    """adjoint_matrix is sum_i r_i S_i and adjoint_times is that times U (loop)."""
    A = rng.standard_normal((N_SAMPLES, D, D))
    U = rng.standard_normal((D, K))
    residual = rng.standard_normal(N_SAMPLES)
    operator = DenseSensing(A)
    expected = naive_adjoint_matrix(A, residual)
    assert_close(operator.adjoint_matrix(residual), expected)
    _, cache = operator.forward(U, SIGNS["mixed"])
    assert_close(
        operator.adjoint_times(residual, U, cache),
        expected @ U,
    )
    assert_close(operator.adjoint_times(residual, U), expected @ U)


def test_dense_adjoint_is_adjoint_of_forward(rng):
    """<r, forward(u u^T)> == u^T adjoint_matrix(r) u (definition of the adjoint)."""
    A = rng.standard_normal((N_SAMPLES, D, D))
    u = rng.standard_normal((D, 1))
    residual = rng.standard_normal(N_SAMPLES)
    operator = DenseSensing(A)
    lhs = residual @ operator.forward(u, np.ones(1))[0]
    rhs = float(u[:, 0] @ operator.adjoint_matrix(residual) @ u[:, 0])
    assert_close(lhs, rhs)


def test_dense_only_symmetric_part_matters(rng):
    """A, A^T and (A + A^T)/2 give the same products; an antisymmetric A gives 0."""
    A = rng.standard_normal((N_SAMPLES, D, D))
    U = rng.standard_normal((D, K))
    residual = rng.standard_normal(N_SAMPLES)
    signs = SIGNS["mixed"]
    reference = DenseSensing(0.5 * (A + A.transpose(0, 2, 1)))
    for variant in (A, A.transpose(0, 2, 1)):
        operator = DenseSensing(variant)
        assert_close(
            operator.forward(U, signs)[0],
            reference.forward(U, signs)[0],
        )
        assert_close(
            operator.adjoint_matrix(residual), reference.adjoint_matrix(residual)
        )
    antisymmetric = DenseSensing(A - A.transpose(0, 2, 1))
    # Exactly zero up to round-off of O(1) entries.
    assert_allclose(antisymmetric.forward(U, signs)[0], 0.0, atol=1e-12)
    assert_allclose(antisymmetric.adjoint_matrix(residual), 0.0, atol=1e-12)


def test_dense_does_not_modify_input(rng):
    """The operator keeps its own symmetrized copy; the caller's A is untouched."""
    A = rng.standard_normal((N_SAMPLES, D, D))
    A_copy = A.copy()
    DenseSensing(A).forward(rng.standard_normal((D, K)), SIGNS["mixed"])
    assert np.array_equal(A, A_copy)


@pytest.mark.parametrize("signs", SIGNS.values(), ids=SIGNS.keys())
def test_rank_one_forward_matches_explicit_outer_products(rng, signs):
    """forward equals <x_i x_i^T, U D U^T> with explicit outer products."""
    X = rng.standard_normal((N_SAMPLES, D))
    U = rng.standard_normal((D, K))
    pred, cache = RankOneSensing(X).forward(U, signs)
    assert_close(pred, naive_forward(outer_stack(X), U, signs))
    # The documented cache is the projections X U.
    assert_close(cache, np.einsum("na,ak->nk", X, U))


def test_rank_one_adjoint_matches_explicit_outer_products(rng):
    """adjoint_matrix/times equal sum_i r_i x_i x_i^T (times U), explicit loop."""
    X = rng.standard_normal((N_SAMPLES, D))
    U = rng.standard_normal((D, K))
    residual = rng.standard_normal(N_SAMPLES)
    operator = RankOneSensing(X)
    expected = naive_adjoint_matrix(outer_stack(X), residual)
    assert_close(operator.adjoint_matrix(residual), expected)
    _, cache = operator.forward(U, SIGNS["mixed"])
    assert_close(operator.adjoint_times(residual, U, cache), expected @ U)
    assert_close(operator.adjoint_times(residual, U), expected @ U)


@pytest.mark.parametrize("n_columns", [1, 2, 5, 7, 12])
def test_rank_one_products_of_any_width(rng, n_columns):
    """forward equals the explicit <x_i x_i^T, U D U^T> for any number of
    columns (squared one at a time up to SQUARES_BY_COLUMN = 4, beyond in
    blocks of rows, the last one partial for 7 and 12 columns); the
    adjoint, which overwrites the cache, equals the explicit sum and leaves
    X and the residual as they were."""
    X = rng.standard_normal((N_SAMPLES, D))
    U = rng.standard_normal((D, n_columns))
    signs = np.where(np.arange(n_columns) % 3 == 1, -1.0, 1.0)
    residual = rng.standard_normal(N_SAMPLES)
    X_copy, residual_copy = X.copy(), residual.copy()
    operator = RankOneSensing(X)
    pred, cache = operator.forward(U, signs)
    assert_close(pred, naive_forward(outer_stack(X), U, signs))
    expected = naive_adjoint_matrix(outer_stack(X), residual) @ U
    assert_close(operator.adjoint_times(residual, U, cache), expected)
    assert np.array_equal(X, X_copy) and np.array_equal(residual, residual_copy)


def test_rank_one_equals_dense_on_outer_products(rng):
    """RankOneSensing(X) and DenseSensing(x_i x_i^T) are the same operator."""
    X = rng.standard_normal((N_SAMPLES, D))
    U = rng.standard_normal((D, K))
    residual = rng.standard_normal(N_SAMPLES)
    rank_one, dense = RankOneSensing(X), DenseSensing(outer_stack(X))
    signs = SIGNS["mixed"]
    assert_close(rank_one.forward(U, signs)[0], dense.forward(U, signs)[0])
    assert_close(
        rank_one.adjoint_matrix(residual),
        dense.adjoint_matrix(residual),
    )
    assert_close(
        rank_one.adjoint_times(residual, U),
        dense.adjoint_times(residual, U),
    )


@pytest.mark.parametrize("signs", SIGNS.values(), ids=SIGNS.keys())
def test_rank_one_sparse_matches_dense(rng, signs):
    """A CSR X gives the same forward/adjoints as its dense copy (explicit loop)."""
    dense_X = rng.standard_normal((N_SAMPLES, D))
    dense_X[rng.random((N_SAMPLES, D)) < 0.6] = 0.0  # genuinely sparse
    sparse_X = sp.csr_matrix(dense_X)
    U = rng.standard_normal((D, K))
    residual = rng.standard_normal(N_SAMPLES)
    sparse_op = RankOneSensing(sparse_X)
    expected_matrix = naive_adjoint_matrix(outer_stack(dense_X), residual)

    pred, cache = sparse_op.forward(U, signs)
    assert isinstance(pred, np.ndarray) and pred.shape == (N_SAMPLES,)
    assert_close(pred, naive_forward(outer_stack(dense_X), U, signs))

    adjoint = sparse_op.adjoint_matrix(residual)
    assert isinstance(adjoint, np.ndarray) and adjoint.shape == (D, D)
    assert_close(adjoint, expected_matrix)

    times = sparse_op.adjoint_times(residual, U, cache)
    assert isinstance(times, np.ndarray) and times.shape == (D, K)
    assert_close(times, expected_matrix @ U)
    assert_close(sparse_op.adjoint_times(residual, U), expected_matrix @ U)


def test_operators_handle_zero_columns(rng):
    """A factor with no column predicts exactly zero (empty sum)."""
    A = rng.standard_normal((N_SAMPLES, D, D))
    X = rng.standard_normal((N_SAMPLES, D))
    empty = np.zeros((D, 0))
    for operator in (DenseSensing(A), RankOneSensing(X)):
        pred, _ = operator.forward(empty, np.zeros(0))
        assert np.array_equal(pred, np.zeros(N_SAMPLES))
        assert operator.adjoint_times(np.ones(N_SAMPLES), empty).shape == (D, 0)


@pytest.mark.parametrize(
    "make_X, expected_type",
    [
        (lambda rng: rng.standard_normal((5, 3, 3)), DenseSensing),
        (lambda rng: rng.standard_normal((5, 3)), RankOneSensing),
        (lambda rng: sp.csr_matrix(rng.standard_normal((5, 3))), RankOneSensing),
    ],
    ids=["3d-dense", "2d-dense", "2d-csr"],
)
def test_make_sensing_operator_dispatches_on_ndim(rng, make_X, expected_type):
    """3-D arrays are matrix stacks, 2-D arrays and CSR are rank-one vectors."""
    operator = make_sensing_operator(make_X(rng))
    assert type(operator) is expected_type
    assert (operator.n_samples, operator.n_features) == (5, 3)


def test_rank_one_adjoint_matrix_in_blocks_matches_the_direct_sum():
    """n spans several blocks of BLOCK_ROWS (and a partial one): the
    blockwise sum equals X^T diag(r) X formed at once."""
    from skprune.design import BLOCK_ROWS

    rng = np.random.RandomState(0)
    n = 2 * BLOCK_ROWS + 123
    X = rng.standard_normal((n, 4))
    residual = rng.standard_normal(n)
    expected = X.T @ (residual[:, None] * X)
    np.testing.assert_allclose(
        RankOneSensing(X).adjoint_matrix(residual), expected, rtol=1e-12, atol=1e-9
    )


@pytest.mark.parametrize(
    "make_operator",
    [
        lambda X, A: DenseSensing(A),
        lambda X, A: RankOneSensing(X),
        lambda X, A: RankOneSensing(sp.csr_matrix(X)),
    ],
    ids=["dense", "rank-one", "rank-one-csr"],
)
def test_features_are_the_measurements_in_the_upper_triangle(rng, make_operator):
    """features(rows) . M[triu] equals <S_i, M> (explicit loop) for a
    symmetric M, on a slice of rows."""
    A = rng.standard_normal((N_SAMPLES, D, D))
    X = rng.standard_normal((N_SAMPLES, D))
    X[rng.random((N_SAMPLES, D)) < 0.3] = 0.0
    operator = make_operator(X, A)
    explicit = A if isinstance(operator, DenseSensing) else outer_stack(X)
    B = rng.standard_normal((D, D))
    M = B + B.T
    rows = slice(5, 17)
    features = operator.features(rows)
    assert features.shape == (12, D * (D + 1) // 2)
    expected = [np.sum(0.5 * (S + S.T) * M) for S in explicit[rows]]
    assert_close(features @ M[np.triu_indices(D)], expected)
