"""Behaviour every estimator shares, written once and run on each of them
(the fixtures are in ``conftest.py``): bad input, parameter validation,
calls before fit, prune and refit, determinism, pickling and grid search."""

import pickle

import numpy as np
import pytest
from conftest import PLANTED_WIDTH
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.utils._param_validation import InvalidParameterError

#: Invalid values of the parameters every estimator has.
SHARED_INVALID = [
    {"beta": 0},
    {"beta": -1.0},
    {"prune_threshold": 1.5},
    {"prune_threshold": -0.5},
    {"prune_threshold": "bogus"},
    {"refit_solver": "newton"},
    {"max_iter": 0},
    {"n_components": 0},
    {"init": "bogus"},
]
#: Invalid values of the parameters only some estimators have.
OWN_INVALID = {
    "GroupLassoMatrixSensing": [
        {"alpha": -1},
        {"warm_start": "yes"},
        {"precompute": "bogus"},
    ],
    "QuadraticNetPruner": [
        {"alpha": -1},
        {"output_signs": "bogus"},
        {"fit_linear": "yes"},
        {"fit_intercept": None},
        {"standardize": 2},
    ],
    "GroupLassoMatrixSensingCV": [
        {"alphas": 0},
        {"eps": 0.0},
        {"selection_rule": "best"},
        {"precompute": 1},
    ],
    "QuadraticNetPrunerCV": [{"alphas": 0}, {"eps": 1.5}, {"selection_rule": "min2"}],
}


@pytest.mark.parametrize("where", ["X", "y"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_input_raises(make_estimator, planted_problem, where, value):
    X, y = planted_problem
    if where == "X":
        X.reshape(len(X), -1)[3, 1] = value
    else:
        y[3] = value
    with pytest.raises(ValueError, match="NaN|infinity"):
        make_estimator().fit(X, y)


def test_wrong_shapes_raise(make_estimator, planted_problem):
    X, y = planted_problem
    with pytest.raises(ValueError):
        make_estimator().fit(X[:, 0, 0] if X.ndim == 3 else X[:, 0], y)  # 1-D
    with pytest.raises(ValueError):
        make_estimator().fit(np.stack([X, X], axis=-1), y)  # one dimension too many
    with pytest.raises(ValueError):
        make_estimator().fit(X, y[:-1])


def test_predict_and_refit_with_another_number_of_features_raise(
    make_estimator, planted_problem
):
    X, y = planted_problem
    model = make_estimator().fit(X, y)
    d = X.shape[1]
    X_new = np.random.RandomState(0).standard_normal((5, d + 1))
    with pytest.raises(ValueError, match=f"expecting {d} features"):
        model.predict(X_new)
    with pytest.raises(ValueError, match=f"expecting {d} features"):
        model.refit(X_new, np.ones(5))


def test_invalid_hyperparameters_raise(make_estimator, planted_problem, estimator_name):
    X, y = planted_problem
    for params in SHARED_INVALID + OWN_INVALID[estimator_name]:
        with pytest.raises(InvalidParameterError):
            make_estimator(**params).fit(X, y)
    assert issubclass(InvalidParameterError, ValueError)


def test_predict_prune_and_refit_before_fit_raise(make_estimator, planted_problem):
    X, y = planted_problem
    for call in (
        lambda model: model.predict(X),
        lambda model: model.prune(),
        lambda model: model.refit(X, y),
    ):
        with pytest.raises(NotFittedError):
            call(make_estimator())


def test_prune_without_argument_then_refit_reproduces_fit(
    make_estimator, planted_problem
):
    """prune() re-applies prune_threshold to the trained factor (a pruning at
    another threshold in between changes nothing for good), without
    fine-tuning; refit then reproduces fit's model (same columns, same
    deterministic fine-tuning) to round-off."""
    X, y = planted_problem
    reference = make_estimator().fit(X, y)
    model = make_estimator().fit(X, y).prune(0.0).prune()
    assert_array_equal(model.support_, reference.support_)
    assert model.refit_n_iter_ == 0 and model.refit_loss_curve_.size == 0
    assert model.refit(X, y) is model
    assert_allclose(model.predict(X), reference.predict(X), rtol=1e-10, atol=1e-12)
    assert model.n_components_ == PLANTED_WIDTH


def test_same_random_state_gives_the_same_model_bit_for_bit(
    make_estimator, planted_problem
):
    X, y = planted_problem
    first, second = make_estimator(random_state=3), make_estimator(random_state=3)
    first.fit(X, y)
    second.fit(X, y)
    assert_array_equal(first.trained_components_, second.trained_components_)
    assert_array_equal(first.components_, second.components_)
    assert_array_equal(first.predict(X), second.predict(X))


def test_pickle_round_trip_predicts_bit_for_bit(make_estimator, planted_problem):
    X, y = planted_problem
    model = make_estimator().fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict(X[:20]), model.predict(X[:20]))
    assert_array_equal(restored.components_, model.components_)


def test_grid_search_in_parallel_matches_the_sequential_scores(
    make_estimator, planted_problem
):
    """GridSearchCV(n_jobs=2) over the prune threshold: the best model keeps
    the planted width, and its best_score_ equals scikit-learn's sequential
    cross_val_score of the same parameters to round-off."""
    X, y = planted_problem
    folds = KFold(3)
    search = GridSearchCV(
        make_estimator(), {"prune_threshold": ["auto", 0.3]}, cv=folds, n_jobs=2
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    assert search.best_estimator_.n_components_ == PLANTED_WIDTH
    sequential = cross_val_score(make_estimator(**search.best_params_), X, y, cv=folds)
    assert_allclose(search.best_score_, sequential.mean(), rtol=1e-10)


def test_float32_input_is_fitted_and_predicted_in_float32(
    make_estimator, planted_problem
):
    """Documented (predict): float32 X is predicted in float32, any other X in
    float64; the fitted parameters are float64 whatever the dtype of the
    training X. Reference: the same model's predictions on the same numbers
    in float64, to float32 precision."""
    X, y = planted_problem
    X32 = X.astype(np.float32)
    model = make_estimator().fit(X32, y)
    assert model.components_.dtype == np.float64
    assert model.n_components_ == PLANTED_WIDTH
    on32, on64 = model.predict(X32), model.predict(X32.astype(np.float64))
    assert on32.dtype == np.float32 and on64.dtype == np.float64
    assert_allclose(on32, on64, rtol=0, atol=1e-5 * np.abs(on64).max())
