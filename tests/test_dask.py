"""Work sent to a dask cluster of worker processes through joblib gives the
same result as the same work run in this process.

The cluster runs two worker *processes* (``processes=True``): estimators, data
and results are pickled and shipped between processes, as on a real cluster.
"""

import numpy as np
import pytest
from joblib import parallel_backend
from numpy.testing import assert_array_equal
from sklearn.model_selection import GridSearchCV, KFold

from skprune import GroupLassoMatrixSensingCV, QuadraticNetPruner, QuadraticNetPrunerCV
from skprune.datasets import make_matrix_sensing

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster_client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def problem():
    return make_matrix_sensing(
        400, 6, 2, noise=0.05, sensing="rank_one", random_state=0
    )


def test_grid_search_on_a_dask_cluster_matches_the_sequential_search(cluster_client):
    """Reference: the same GridSearchCV with n_jobs=1. Every candidate is
    deterministic given random_state, so the scores must agree to rounding."""
    X, y = problem()
    grid = {"alpha": [0.05, 0.15, 0.5], "prune_threshold": ["auto", 0.3]}
    folds = KFold(3, shuffle=True, random_state=0)
    sequential = GridSearchCV(
        QuadraticNetPruner(random_state=0), grid, cv=folds, n_jobs=1
    ).fit(X, y)
    with parallel_backend("dask"):
        on_cluster = GridSearchCV(
            QuadraticNetPruner(random_state=0), grid, cv=folds, n_jobs=-1
        ).fit(X, y)
    np.testing.assert_allclose(
        on_cluster.cv_results_["mean_test_score"],
        sequential.cv_results_["mean_test_score"],
        rtol=1e-10,
    )
    assert on_cluster.best_params_ == sequential.best_params_
    assert on_cluster.best_estimator_.n_components_ == 2


@pytest.mark.parametrize("Estimator", [GroupLassoMatrixSensingCV, QuadraticNetPrunerCV])
def test_cv_estimator_on_a_dask_cluster_matches_the_serial_fit(
    cluster_client, Estimator
):
    """The folds and the path on all the data run on the workers; with a fixed
    random_state the result is bit-identical to n_jobs=1 in this process."""
    X, y = problem()
    params = dict(alphas=5, cv=3, random_state=0)
    serial = Estimator(n_jobs=1, **params).fit(X, y)
    with parallel_backend("dask"):
        on_cluster = Estimator(n_jobs=-1, **params).fit(X, y)
    assert_array_equal(on_cluster.mse_path_, serial.mse_path_)
    assert_array_equal(on_cluster.components_.T, serial.components_.T)
    assert on_cluster.alpha_ == serial.alpha_
    assert serial.n_components_ == 2
