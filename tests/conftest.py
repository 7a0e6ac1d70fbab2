"""Fixtures shared by the tests that hold for every estimator.

``estimator_name`` runs a test once per public estimator; ``make_estimator``
builds it (seeded, the CV estimators on a small grid) with extra parameters;
``planted_problem`` gives its kind of planted data, whose width is known, as
fresh copies of a cached draw. Independent references (a rank-r least-squares
oracle, the nuclear-norm estimator) live in ``skprune/_oracles.py``,
ill-conditioned problems in ``oracles.py``.
"""

import functools

import numpy as np
import pytest

from skprune import (
    GroupLassoMatrixSensing,
    GroupLassoMatrixSensingCV,
    QuadraticNetPruner,
    QuadraticNetPrunerCV,
)

ESTIMATORS = {
    "GroupLassoMatrixSensing": (GroupLassoMatrixSensing, {}),
    "QuadraticNetPruner": (QuadraticNetPruner, {}),
    "GroupLassoMatrixSensingCV": (GroupLassoMatrixSensingCV, {"alphas": 4, "cv": 3}),
    "QuadraticNetPrunerCV": (QuadraticNetPrunerCV, {"alphas": 4, "cv": 3}),
}

#: Planted width of the problems of ``planted_problem``.
PLANTED_WIDTH = 2


@functools.cache
def _planted(kind):
    """Matrix sensing: y = <A_i, U U^T> with Gaussian 6 x 6 matrices and U of
    rank 2. Network: y = (x0 + x1)^2 - x2^2 + x3 + 1 with 6 features (two
    neurons of signs +1 and -1). n = 300, noise 0.05."""
    rng = np.random.RandomState(7)
    n, d = 300, 6
    if kind == "sensing":
        U = rng.standard_normal((d, PLANTED_WIDTH)) / np.sqrt(d)
        X = rng.standard_normal((n, d, d))
        y = np.einsum("nab,ab->n", X, U @ U.T)
    else:
        X = rng.standard_normal((n, d))
        y = (X[:, 0] + X[:, 1]) ** 2 - X[:, 2] ** 2 + X[:, 3] + 1.0
    return X, y + 0.05 * rng.standard_normal(n)


@pytest.fixture(params=list(ESTIMATORS))
def estimator_name(request):
    return request.param


@pytest.fixture
def make_estimator(estimator_name):
    Estimator, defaults = ESTIMATORS[estimator_name]

    def make(**params):
        return Estimator(**{"random_state": 0, **defaults, **params})

    return make


@pytest.fixture
def planted_problem(estimator_name):
    kind = "sensing" if "MatrixSensing" in estimator_name else "network"
    X, y = _planted(kind)
    return X.copy(), y.copy()
