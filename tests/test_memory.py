"""What a fit allocates besides X, and that computing without copies changes
nothing.

Memory is the peak of the allocations ``tracemalloc`` traces during ``fit``
(numpy's included; ``X`` is allocated before tracing starts), against
``X.nbytes``: deterministic, unlike time. A copy of ``X`` in its own dtype
alone would reach ``X.nbytes``, a float64 copy of float32 ``X`` twice that;
the network used to keep a standardized copy and reach about 2 ``X.nbytes``.
The target is a quarter of a dense ``X`` at ``d = 50``, the problems of
``benchmarks/bench_peers.py`` (section 5). What a fit holds per row besides
``X`` (``y``, the residual, the projections of the ``k`` live columns, the
float64 columns of the spectral start's least squares) is a fixed number of
bytes, so its share of ``X`` grows as ``d`` falls: at ``d = 20`` float32
rank-one vectors take half of ``X``. The fixed blocks of rows and of the
Gram build weigh more against a small ``X``.

Results: the network standardizes its features on the fly, and what it
reports must equal the explicit computation written here with the formula
of the docstring.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from skprune import GroupLassoMatrixSensing, QuadraticNetPruner
from skprune.datasets import make_matrix_sensing
from skprune.gram import BLOCK_FLOATS, GramStatistics
from skprune.sensing import make_sensing_operator


def peak_during(function, *args):
    """Peak traced bytes allocated during ``function(*args)``, and its result."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            result = function(*args)
        return tracemalloc.get_traced_memory()[1] - before, result
    finally:
        tracemalloc.stop()


def peak_during_fit(estimator, X, y):
    """Peak traced bytes allocated during ``estimator.fit(X, y)``."""
    return peak_during(estimator.fit, X, y)[0]


def network_problem(n, d, seed=0, density=1.0):
    """Three neurons (+1, +1, -1), a linear term and a constant on features
    with means in [-3, 3] and scales from 0.1 to 10 (for density < 1, that
    fraction of entries kept, the rest zero)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, d) + np.logspace(-1, 1, d) * rng.standard_normal((n, d))
    if density < 1:
        X *= rng.random((n, d)) < density
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    W = np.linalg.qr(rng.standard_normal((d, 3)))[0]
    y = ((Z @ W) ** 2) @ np.array([1.0, 1.0, -1.0]) + Z @ rng.standard_normal(d)
    return X, y / np.sqrt(d) + 2.0 + 0.1 * rng.standard_normal(n)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_network_fit_allocates_a_quarter_of_X(dtype):
    """n = 20000, d = 50: the network's fit allocates at most a quarter of
    X: measured 0.16 for float64 X (it was 2.0 with the standardized copy,
    then 0.20) and 0.22 for float32 X (then 0.36: the spectral start's
    least squares copied its columns three times, the feature variances
    held two blocks of rows, a value and gradient squared and weighted the
    projections into new arrays)."""
    X, y = network_problem(20000, 50)
    X = X.astype(dtype)
    peak = peak_during_fit(QuadraticNetPruner(random_state=0), X, y)
    assert peak <= 0.25 * X.nbytes


@pytest.mark.parametrize(
    "sensing, n, precompute, dtype",
    [
        ("gaussian", 3000, "auto", np.float64),
        ("gaussian", 3000, "auto", np.float32),
        ("gaussian", 3000, True, np.float64),
        ("rank_one", 20000, "auto", np.float64),
        ("rank_one", 20000, "auto", np.float32),
    ],
)
def test_matrix_sensing_fit_allocates_a_quarter_of_X(sensing, n, precompute, dtype):
    """d = 50: at most a quarter of X. Gaussian matrices, by default (a
    single fit at n = 3000 keeps the data form): measured 0.021 for float64
    X and 0.04 for float32 X. In Gram form (precompute=True), for float64 X:
    0.235 (G is 0.217 of X; it was 0.47 when its build copied it); for
    float32 X, G takes 0.43 of it, which is why "auto" never chooses the Gram
    form there (measured 0.46, not tested). Rank-one vectors: 0.139 and 0.214
    (they were 0.19 and 0.27)."""
    X, y = make_matrix_sensing(n, 50, 3, noise=0.1, sensing=sensing, random_state=0)
    X = X.astype(dtype)
    estimator = GroupLassoMatrixSensing(precompute=precompute, random_state=0)
    peak = peak_during_fit(estimator, X, y)
    assert peak <= 0.25 * X.nbytes


@pytest.mark.parametrize(
    "sensing, n, d, bound", [("gaussian", 2000, 20, 0.5), ("rank_one", 20000, 20, 0.75)]
)
def test_float32_matrix_sensing_allocates_no_copy_of_X(sensing, n, d, bound):
    """float32 sensing data are not converted (the float64 copy made 2.0 and
    2.3): at d = 20 matrices allocate less than half of X (measured 0.36: G
    and the fixed blocks of its build, 1.1 MiB, against 3 MiB of X), vectors
    less than three quarters (measured 0.51: per row, 32 bytes of float64
    least squares in the spectral start and 12 of projections against 80
    of X; it was 0.66)."""
    X, y = make_matrix_sensing(n, d, 3, noise=0.1, sensing=sensing, random_state=0)
    X = X.astype(np.float32)
    peak = peak_during_fit(GroupLassoMatrixSensing(random_state=0), X, y)
    assert peak < bound * X.nbytes


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gram_build_holds_G_and_a_few_blocks(dtype):
    """Building the statistics (d = 30, p = 465, G 1.65 MiB) allocates G and
    at most three blocks of BLOCK_FLOATS float64 numbers (1.5 MiB) besides:
    measured 1.02 and 0.76 MiB. Symmetrizing with a full transposed copy
    of G needed 2.0 MiB besides."""
    X, y = make_matrix_sensing(1000, 30, 3, noise=0.1, random_state=0)
    operator = make_sensing_operator(X.astype(dtype))
    peak, statistics = peak_during(GramStatistics.compute, operator, y)
    assert statistics.gram.nbytes == 8 * 465**2
    assert peak - statistics.gram.nbytes <= 3 * 8 * BLOCK_FLOATS


def network_formula(X, components, output_weights, coef, intercept):
    """The docstring's f(x) = sum_j a_j (x . w_j)^2 + x . coef + intercept."""
    X = X.toarray() if sp.issparse(X) else X
    return ((X @ components.T) ** 2) @ output_weights + X @ coef + intercept


@pytest.mark.parametrize("form", ["dense", "csr"])
def test_network_reports_the_explicit_losses(form):
    """The losses a fit reports are the ones the docstring's formula gives
    from its public attributes, computed here on the raw features: the
    fine-tuned loss (refit_loss_curve_) and the trained objective
    F = L + lambda_ R (objective_curve_, with the trained network published
    by prune(0.0) and R from the trained norms), to round-off (1e-10)."""
    X, y = network_problem(1500, 8, seed=1, density=0.4 if form == "csr" else 1.0)
    X = sp.csr_matrix(X) if form == "csr" else X
    model = QuadraticNetPruner(random_state=0).fit(X, y)
    assert model.n_components_ == 3
    attributes = (model.components_, model.output_weights_, model.coef_)
    fitted = network_formula(X, *attributes, model.intercept_)
    assert_allclose(
        model.refit_loss_curve_[-1], 0.5 * np.mean((fitted - y) ** 2), rtol=1e-10
    )

    model.prune(0.0)  # publishes the trained network, unpruned
    attributes = (model.components_, model.output_weights_, model.coef_)
    trained = network_formula(X, *attributes, model.intercept_)
    squared = model.column_norms_**2
    penalty = np.sum(squared / np.sqrt(squared + model.beta_))
    objective = 0.5 * np.mean((trained - y) ** 2) + model.lambda_ * penalty
    assert_allclose(model.objective_curve_[-1], objective, rtol=1e-10)
