"""Solves run with one BLAS thread unless the user chose a count."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from skprune import GroupLassoMatrixSensing, QuadraticNetPrunerCV
from skprune._threads import _BLAS, USER_THREAD_VARIABLES, solver_threads
from skprune.datafit import QuadraticLeastSquares


def blas_threads():
    """Thread counts of the BLAS libraries skprune manages: those loaded with
    numpy and scipy when skprune was imported. A library another package
    loads later is not among them (cvxpy's solvers bring a single-threaded
    OpenBLAS, which tests/test_reproduce.py imports into this process)."""
    return sorted({library.num_threads for library in _BLAS.lib_controllers})


@pytest.fixture
def no_thread_variables(monkeypatch):
    for name in USER_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_one_thread_inside_a_solve_by_default(no_thread_variables):
    with solver_threads():
        assert blas_threads() == [1]


def test_a_thread_variable_is_respected(no_thread_variables, monkeypatch):
    before = blas_threads()
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", str(max(before) + 1))
    with solver_threads():
        assert blas_threads() == before


def test_a_threadpool_limit_is_respected(no_thread_variables):
    chosen = max(blas_threads()) + 1
    with threadpool_limits(chosen, user_api="blas"):
        with solver_threads():
            assert blas_threads() == [chosen]


def test_fit_evaluates_the_objective_with_one_thread(no_thread_variables, monkeypatch):
    """Every evaluation of the loss during fit, refit and a CV fit (n_jobs=1)
    sees one BLAS thread; outside them the count is back to what it was."""
    seen = []
    original = QuadraticLeastSquares.value_gradient_and_correlation

    def spy(self, model):
        seen.append(tuple(blas_threads()))
        return original(self, model)

    monkeypatch.setattr(QuadraticLeastSquares, "value_gradient_and_correlation", spy)
    before = blas_threads()
    rng = np.random.RandomState(0)
    X = rng.standard_normal((200, 4))
    y = (X[:, 0] + X[:, 1]) ** 2 + 0.1 * rng.standard_normal(200)
    model = GroupLassoMatrixSensing(random_state=0).fit(X, y)
    model.prune(0.0).refit(X, y)
    QuadraticNetPrunerCV(alphas=3, cv=2, random_state=0).fit(X, y)
    assert seen and set(seen) == {(1,)}
    assert blas_threads() == before
