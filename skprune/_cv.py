"""Choosing ``alpha`` by cross-validation along a warm-started path."""

from itertools import chain
from numbers import Integral, Real
from time import perf_counter

import numpy as np
import scipy.sparse as sp
from sklearn.base import _fit_context, clone
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.parallel import Parallel, delayed

from ._threads import solver_threads
from .core import continued
from .gram import (
    EVALUATIONS_PER_ALPHA,
    EVALUATIONS_PER_CV_ALPHA,
    GramLeastSquares,
    GramStatistics,
)
from .path import check_alphas, run_path

#: The parameters a CV estimator adds to its base estimator's.
CV_PARAMETER_CONSTRAINTS = {
    "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
    "eps": [Interval(Real, 0, 1, closed="neither")],
    "cv": ["cv_object"],
    "selection_rule": [StrOptions({"min", "1se"})],
    "n_jobs": [Integral, None],
    "path_tol": [Interval(Real, 0, None, closed="neither"), None],
}


def cv_constraints(base_constraints: dict) -> dict:
    """The base estimator's constraints without ``alpha`` and ``warm_start``
    (the CV estimator chooses the one and always warm-starts), plus the CV's."""
    dropped = {"alpha", "warm_start"}
    kept = {
        name: rule for name, rule in base_constraints.items() if name not in dropped
    }
    return {**kept, **CV_PARAMETER_CONSTRAINTS}


def _take(array, indices):
    return None if array is None else _safe_indexing(array, indices)


def _aligned(array):
    """``array``, copied if its data are not aligned for their dtype (a
    worker process of a dask cluster can receive such views of a message
    buffer; BLAS rounds differently on them, so a path would not reproduce the
    serial one bit for bit)."""
    if array is None:
        return None
    data = array.data if sp.issparse(array) else array
    return array if data.flags.aligned else array.copy()


def _fold_data(X, y, sample_weight, train, test, statistics) -> tuple:
    """What a fold's job receives: ``X``, ``y``, ``sample_weight`` and the
    fold's indices into them. In Gram form the statistics stand for the
    training rows, so only the held-out rows go, all of them held out
    (``train`` is then ``None``): a fifth of ``X`` for five folds, sent with
    the job, where an ``X`` above a megabyte is memory-mapped by joblib for
    every ``Parallel`` call, which cost up to 0.1 s each time (measured with
    two worker processes)."""
    if statistics is None:
        return X, y, sample_weight, train, test
    return (
        _take(X, test),
        _take(y, test),
        _take(sample_weight, test),
        None,
        slice(None),
    )


def _fold_path(estimator, X, y, sample_weight, train, test, alphas, statistics):
    """Run the path on the training part of a fold (see :func:`_fold_data`);
    return the held-out mean squared error (weighted when ``sample_weight``
    is given) and the number of columns kept at each strength.

    The problem on the training part is resolved from the training rows, or,
    with the Gram statistics of all the data, has those minus the held-out
    part's (an estimator with a Gram form has no preprocessing, so its
    held-out datafit, made before any problem is resolved, holds the held-out
    measurements as they are).
    """
    X, y, sample_weight = _aligned(X), _aligned(y), _aligned(sample_weight)
    statistics = None if statistics is None else statistics.aligned()
    estimator = clone(estimator)  # its preprocessing is this fold's alone
    if statistics is None:
        problem = estimator._resolve_problem(
            _take(X, train), _take(y, train), _take(sample_weight, train)
        )
    held_out_weights = _take(sample_weight, test)
    held_out = estimator._make_datafit(_take(X, test), _take(y, test), held_out_weights)
    if statistics is not None:
        held_out_statistics = GramStatistics.compute(
            held_out.operator, held_out.y, held_out_weights
        )
        training = GramLeastSquares(statistics.without(held_out_statistics))
        problem = estimator._problem_of(training)
    points = run_path(estimator, problem, alphas)
    mse = [2.0 * held_out.value(point.tuned.model) for point in points]
    n_components = [int(point.pruning.support.sum()) for point in points]
    return np.array(mse), np.array(n_components)


def _full_path(estimator, X, y, sample_weight, alphas, statistics):
    """The trained models of the path on all the data (no pruning yet), in
    the Gram form of ``statistics`` when given (``X``, ``y`` and
    ``sample_weight`` are then ``None``: an estimator with a Gram form learns
    no preprocessing from them)."""
    X, y, sample_weight = _aligned(X), _aligned(y), _aligned(sample_weight)
    statistics = None if statistics is None else statistics.aligned()
    estimator = clone(estimator)  # jobs may share it under a threading backend
    problem = estimator._resolve_problem(X, y, sample_weight, statistics)
    return [
        point.trained for point in run_path(estimator, problem, alphas, evaluate=False)
    ]


def select_alpha_index(mse_path: np.ndarray, rule: str) -> int:
    """Index of the chosen strength in a path sorted from strong to weak.

    ``"min"``: the smallest mean cross-validated error (the strongest penalty
    among ties). ``"1se"``: the strongest penalty, hence the smallest model,
    whose mean error is within one standard error of that minimum; the
    standard error is the standard deviation of the folds' errors at the
    minimum divided by ``sqrt(n_folds)`` (glmnet's ``lambda.1se``).
    """
    mean = mse_path.mean(axis=1)
    best = int(np.argmin(mean))
    if rule == "min":
        return best
    n_folds = mse_path.shape[1]
    spread = mse_path[best].std(ddof=1) if n_folds > 1 else 0.0
    within = np.flatnonzero(mean <= mean[best] + spread / np.sqrt(n_folds))
    return int(within[0])


class PrunerCVMixin:
    """``fit`` of the CV estimators: every fold runs the warm-started path to
    ``path_tol``, the rule picks ``alpha_``, and the model on all the data at
    ``alpha_`` comes from the same path run on all the data (in parallel with
    the folds), trained on to ``tol``."""

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Choose ``alpha`` by cross-validation, then fit on all the data.

        Parameters
        ----------
        X : array-like or sparse matrix
            Training inputs (see the class docstring for the shapes allowed).
        y : array-like of shape (n_samples,)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the loss, as in the base estimator's ``fit``; the
            held-out errors are weighted by them too.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight)
        alphas = check_alphas(self.alphas, self.eps)
        folds = list(check_cv(self.cv).split(X, y))
        # One seed for every path, so that the folds, the path on all the data
        # and the final model agree whatever n_jobs and backend run them.
        seed = self.random_state
        if not isinstance(seed, Integral):
            seed = check_random_state(seed).randint(np.iinfo(np.int32).max)
        path_tol = self.tol if self.path_tol is None else self.path_tol
        worker = clone(self).set_params(
            random_state=seed, verbose=max(int(self.verbose) - 1, 0), tol=path_tol
        )
        paths_looser = path_tol > self.tol  # then the chosen point trains on
        per_alpha = EVALUATIONS_PER_CV_ALPHA if paths_looser else EVALUATIONS_PER_ALPHA
        clock = perf_counter()
        with solver_threads():
            # Built once from all the data, and each fold subtracts its
            # held-out part: two builds, for paths worth n_folds on all data.
            statistics = self._gram_statistics(
                X, y, sample_weight, per_alpha * len(alphas) * len(folds), n_builds=2
            )
        fold_jobs = (
            delayed(_fold_path)(
                worker,
                *_fold_data(X, y, sample_weight, train, test, statistics),
                alphas,
                statistics,
            )
            for train, test in folds
        )
        all_data = (X, y, sample_weight) if statistics is None else (None,) * 3
        jobs = chain(
            fold_jobs, [delayed(_full_path)(worker, *all_data, alphas, statistics)]
        )
        with solver_threads():
            *fold_results, trained_path = Parallel(
                n_jobs=self.n_jobs, verbose=self.verbose
            )(jobs)
        path_time = perf_counter() - clock

        self.alphas_ = alphas
        self.mse_path_ = np.column_stack([mse for mse, _ in fold_results])
        self.n_components_path_ = np.column_stack([kept for _, kept in fold_results])
        self.column_norms_path_ = np.array(
            [np.linalg.norm(trained.model.factor, axis=0) for trained in trained_path]
        )
        chosen = select_alpha_index(self.mse_path_, self.selection_rule)
        self.alpha_ = float(alphas[chosen])

        with solver_threads():
            problem = self._resolve_problem(X, y, sample_weight, statistics)
            self._set_problem(problem, self.alpha_)
            self.stage_times_ = {"path": path_time}
            trained, n_iter = trained_path[chosen], 0
            if paths_looser:  # train on to tol from where the path stopped
                final = self._train(
                    problem,
                    trained.model,
                    escape_first=False,
                    inverse_curvature=trained.inverse_curvature,
                )
                trained, n_iter = continued(trained, final), final.n_iter
            self._set_trained(trained)
            self.n_iter_ = n_iter + sum(point.n_iter for point in trained_path)
            self._prune_and_fine_tune(problem)
        return self
