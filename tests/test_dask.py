"""A grid search run on a dask cluster through joblib gives the same result
as the same search run in this process."""

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV, KFold

from skprune import QuadraticNetPruner
from skprune.datasets import make_matrix_sensing

distributed = pytest.importorskip("distributed")


def test_grid_search_on_a_dask_cluster_matches_the_sequential_search():
    """Reference: the same GridSearchCV with n_jobs=1. Every candidate is
    deterministic given random_state, so the scores must agree to rounding."""
    X, y = make_matrix_sensing(
        400, 6, 2, noise=0.05, sensing="rank_one", random_state=0
    )
    grid = {"alpha": [0.05, 0.15, 0.5], "prune_threshold": ["auto", 0.3]}
    folds = KFold(3, shuffle=True, random_state=0)
    sequential = GridSearchCV(
        QuadraticNetPruner(random_state=0), grid, cv=folds, n_jobs=1
    ).fit(X, y)
    with distributed.Client(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ):
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
