"""Warnings point at the user's line, say only what applies, and repeat
identically (so Python's default filter shows each cause once); prune and
refit validate parameters as fit does."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from skprune import (
    GroupLassoMatrixSensing,
    GroupLassoMatrixSensingCV,
    QuadraticNetPruner,
    QuadraticNetPrunerCV,
)


def data():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((150, 5))
    y = (X[:, 0] + X[:, 1]) ** 2 - X[:, 2] ** 2 + 0.1 * rng.standard_normal(150)
    return X, y


def convergence_warnings(fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return [w for w in caught if issubclass(w.category, ConvergenceWarning)]


@pytest.mark.parametrize(
    "estimator",
    [
        GroupLassoMatrixSensing(max_iter=2, random_state=0),
        QuadraticNetPruner(max_iter=2, random_state=0),
        GroupLassoMatrixSensingCV(alphas=3, cv=2, max_iter=2, random_state=0),
        QuadraticNetPrunerCV(alphas=3, cv=2, max_iter=2, random_state=0),
    ],
    ids=lambda estimator: type(estimator).__name__,
)
def test_a_convergence_warning_points_at_the_users_line(estimator):
    X, y = data()
    caught = convergence_warnings(lambda: estimator.fit(X, y))
    assert caught
    assert {w.filename for w in caught} == {__file__}


def test_the_advice_to_standardize_appears_only_when_it_applies():
    X, y = data()
    X = X * np.array([1e-3, 1.0, 1e3, 1.0, 1.0])
    standardized = convergence_warnings(
        lambda: QuadraticNetPruner(max_iter=2, random_state=0).fit(X, y)
    )
    raw = convergence_warnings(
        lambda: QuadraticNetPruner(max_iter=2, standardize=False, random_state=0).fit(
            X, y
        )
    )
    assert standardized and raw
    assert not any("standardize" in str(w.message) for w in standardized)
    assert all("standardize=True" in str(w.message) for w in raw)


def test_a_grid_search_repeats_one_identical_warning():
    """Every candidate stops at max_iter for the same cause: the warnings are
    identical in text and location (the user's line). (scikit-learn's Parallel
    enters a fresh warnings context for every job, which resets Python's
    once-per-location registry, so a terminal may still show one per job.)"""
    X, y = data()
    search = GridSearchCV(
        QuadraticNetPruner(max_iter=2, random_state=0),
        {"alpha": [0.1, 0.2, 0.3]},
        cv=3,
    )
    caught = convergence_warnings(lambda: search.fit(X, y))
    training = [w for w in caught if str(w.message).startswith("Training")]
    assert len(training) >= 9
    assert len({(str(w.message), w.filename, w.lineno) for w in training}) == 1


@pytest.mark.parametrize("Estimator", [GroupLassoMatrixSensing, QuadraticNetPruner])
def test_prune_and_refit_validate_parameters(Estimator):
    X, y = data()
    model = Estimator(random_state=0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="refit_solver"):
        model.set_params(refit_solver="newton").refit(X, y)
    with pytest.raises(InvalidParameterError, match="prune_threshold"):
        model.set_params(refit_solver="lbfgs", prune_threshold=2.0).prune()
