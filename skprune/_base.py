"""The estimator base shared by every train -> prune -> fine-tune model."""

from abc import ABCMeta, abstractmethod
from numbers import Integral, Real
from time import perf_counter

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._threads import solver_threads
from ._warnings import warn_user
from .core import (
    Problem,
    StageResult,
    estimate_scale,
    fine_tune,
    prune,
    resolve_problem,
    start_model,
    train,
    why_unconverged,
)
from .datafit import QuadraticLeastSquares
from .gram import (
    EVALUATIONS_PER_FINE_TUNE,
    EVALUATIONS_PER_FIT,
    GramLeastSquares,
    GramStatistics,
)
from .solvers import SOLVERS


def _check_weights(sample_weight, X):
    """Non-negative float64 weights, one per sample; ``None`` stays ``None``."""
    if sample_weight is None:
        return None
    return _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )


class BaseGroupLassoPruner(RegressorMixin, BaseEstimator, metaclass=ABCMeta):
    """Train with a smooth group-Lasso penalty, prune weak columns, fine-tune.

    Subclasses say how ``X`` becomes a sensing operator and a linear design
    (:meth:`_make_datafit`), which signs the columns carry
    (:meth:`_column_signs`) and which fitted attributes describe the model
    (:meth:`_publish`); everything else is shared. :meth:`fit` reads as its
    steps: resolve the problem (:meth:`_resolve_problem`), choose the start,
    train (:meth:`_train`), prune (:meth:`prune`) and fine-tune
    (:meth:`_fine_tune`); a regularization path and the CV estimators reuse
    the same steps.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="neither")],
        "prune_threshold": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "refit_max_iter": [Interval(Integral, 0, None, closed="left")],
        "refit_solver": [StrOptions(set(SOLVERS))],
        "init": [StrOptions({"spectral", "random"})],
        "init_scale": [Interval(Real, 0, None, closed="neither")],
        "modulo_rotations": ["boolean"],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_components=None,
        *,
        alpha=0.1,
        beta=0.05,
        prune_threshold="auto",
        max_iter=1000,
        tol=1e-7,
        refit_max_iter=1000,
        refit_solver="lbfgs",
        init="spectral",
        init_scale=1e-3,
        modulo_rotations=True,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.alpha = alpha
        self.beta = beta
        self.prune_threshold = prune_threshold
        self.max_iter = max_iter
        self.tol = tol
        self.refit_max_iter = refit_max_iter
        self.refit_solver = refit_solver
        self.init = init
        self.init_scale = init_scale
        self.modulo_rotations = modulo_rotations
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # -- what subclasses provide -------------------------------------------

    @abstractmethod
    def _validate_X(self, X, *, y="no_validation", reset):
        """Validate ``X`` (and ``y`` unless ``"no_validation"``) as
        ``validate_data`` does."""

    @abstractmethod
    def _make_datafit(self, X, y, sample_weight=None) -> QuadraticLeastSquares:
        """The datafit of validated ``X`` and ``y`` in the space training uses."""

    @abstractmethod
    def _column_signs(self, n_components) -> np.ndarray:
        """The fixed sign of each column."""

    @abstractmethod
    def _publish(self, model):
        """Set the public fitted attributes that describe ``model``."""

    def _gram_statistics(
        self, X, y, sample_weight, n_evaluations, n_builds=1
    ) -> GramStatistics | None:
        """The statistics of the Gram form if training should use it, for
        about ``n_evaluations`` evaluations of the loss against ``n_builds``
        builds of the statistics from all of ``X``; ``None`` (here) for the
        data form. An estimator that returns statistics has no preprocessing
        and no linear part: its datafit is its operator's measurements."""
        return None

    def _default_n_components(self, n_features):
        return n_features

    def _fit_preprocessing(self, X, sample_weight):
        """Learn any input preprocessing from the training ``X`` (none here)."""

    def _convergence_advice(self) -> str:
        """What else may help a solve that stopped at its iteration limit."""
        return ""

    # -- the steps ------------------------------------------------------------

    def _validate_fit_data(self, X, y, sample_weight):
        """Validated ``X``, ``y`` and ``sample_weight`` (``None`` stays ``None``)."""
        X, y = self._validate_X(X, y=y, reset=True)
        return X, y, _check_weights(sample_weight, X)

    def _training_datafit(self, X, y, sample_weight, statistics):
        """The datafit that training and fine-tuning evaluate: the Gram form
        of ``statistics`` when given, else :meth:`_make_datafit`."""
        if statistics is None:
            return self._make_datafit(X, y, sample_weight)
        return GramLeastSquares(statistics)

    def _resolve_problem(self, X, y, sample_weight=None, statistics=None) -> Problem:
        """Learn the preprocessing, build the training datafit (see
        :meth:`_training_datafit`) and resolve the problem: its unpenalized
        part, scales and penalty (see :func:`skprune.core.resolve_problem`)."""
        self._fit_preprocessing(X, sample_weight)
        return self._problem_of(self._training_datafit(X, y, sample_weight, statistics))

    def _problem_of(self, datafit) -> Problem:
        """Resolve the problem of a training datafit."""
        n_components = self.n_components or self._default_n_components(
            datafit.n_features
        )
        return resolve_problem(datafit, self._column_signs(n_components), self.beta)

    def _set_problem(self, problem: Problem, alpha: float):
        """Publish the absolute constants of ``problem`` at relative ``alpha``."""
        self._penalty = problem.penalty
        self.beta_ = problem.penalty.beta
        self.lambda_max_ = problem.lambda_max
        self.lambda_ = alpha * self.lambda_max_

    def _training_start(self, problem: Problem, random_state):
        """The start of training and the scale of its first step: ``init``
        (see :func:`start_model`), or with ``warm_start`` the trained model
        of the previous fit and no scale."""
        if not self._warm:
            return start_model(
                problem,
                self.init,
                self.alpha,
                self.init_scale,
                random_state,
                max_iter=self.max_iter,
                tol=self.tol,
            )
        previous = self._trained_model
        expected = (problem.start.factor.shape[0], problem.signs.shape[0])
        if previous.factor.shape != expected or previous.coef.shape != (
            problem.start.coef.shape
        ):
            raise ValueError(
                "warm_start=True needs a trained factor of the same shape: the "
                f"previous fit has shape {previous.factor.shape} (n_features, "
                f"n_components), this one needs {expected}. Set "
                "warm_start=False to start afresh, or keep n_components and "
                "the features unchanged."
            )
        return previous, None

    @property
    def _warm(self) -> bool:
        """Whether training starts from the previous fit's trained model."""
        return self.warm_start and hasattr(self, "_trained_model")

    def _train(
        self, problem: Problem, start, *, escape_first: bool, inverse_curvature=None
    ) -> StageResult:
        """Train from ``start`` at the penalty ``lambda_`` to ``tol``; time it in
        ``stage_times_``, warn if it stopped unconverged, and return it (the
        caller publishes it with :meth:`_set_trained`). With ``escape_first``
        the start is first tested for columns that can grow at once;
        ``inverse_curvature`` scales the first step (see
        :func:`~skprune.core.train`)."""
        if self.verbose:
            live = int(np.sum(np.any(start.factor != 0, axis=0)))
            print(
                f"[train] start: {live} of {start.factor.shape[1]} columns live, "
                f"lambda_={self.lambda_:.3e}, beta_={self.beta_:.3e}",
                flush=True,
            )
        clock = perf_counter()
        trained = train(
            problem,
            self.lambda_,
            start,
            max_iter=self.max_iter,
            tol=self.tol,
            escape_first=escape_first,
            inverse_curvature=inverse_curvature,
            modulo_rotations=self.modulo_rotations,
            verbose=self.verbose,
        )
        self.stage_times_["train"] = perf_counter() - clock
        if not trained.converged:
            reason = why_unconverged(
                trained, "max_iter", self.max_iter, problem.signs.shape[0]
            )
            warn_user(
                "Training stopped before reaching an approximate second-order "
                f"stationary point: {reason}" + self._convergence_advice(),
                ConvergenceWarning,
            )
        if self.verbose:
            print(
                f"[train] done in {self.stage_times_['train']:.3g} s: "
                f"{trained.n_iter} iterations, {trained.n_escapes} saddle escapes, "
                f"objective {trained.objective_curve[-1]:.6e}",
                flush=True,
            )
        return trained

    def _set_trained(self, trained):
        self._trained_model = trained.model
        self.trained_components_ = trained.model.factor.T
        self.column_norms_ = np.linalg.norm(trained.model.factor, axis=0)
        self.objective_curve_ = trained.objective_curve
        self.n_iter_ = trained.n_iter
        self.n_saddle_escapes_ = trained.n_escapes

    def _prune_and_fine_tune(self, problem: Problem):
        clock = perf_counter()
        self.prune()
        self.stage_times_["prune"] = perf_counter() - clock
        width = self.support_.shape[0]
        if self.support_.all() and self.lambda_ > 0:
            warn_user(
                f"All {width} columns survived pruning, so the rank (or the "
                f"number of neurons) may be larger than n_components={width}: "
                "the upper bound was reached. Raise n_components to let the "
                "penalty choose.",
                UserWarning,
            )
        clock = perf_counter()
        self._fine_tune(problem.datafit, problem.scale)
        self.stage_times_["fine-tune"] = perf_counter() - clock

    # -- the public methods ---------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train with the penalty, prune, then fine-tune without it.

        Parameters
        ----------
        X : array-like or sparse matrix
            Training inputs (see the class docstring for the shapes allowed).
            float32 stays float32 and is computed in float32; any other dtype
            is converted to float64.
        y : array-like of shape (n_samples,)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights ``s_i`` of the loss
            ``1/(2 sum_i s_i) sum_i s_i (f(x_i) - y_i)^2``; ``None`` weighs
            every sample equally. An integer weight acts as that many copies
            of the sample.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight)
        with solver_threads():
            statistics = self._gram_statistics(X, y, sample_weight, EVALUATIONS_PER_FIT)
            problem = self._resolve_problem(X, y, sample_weight, statistics)
            self._set_problem(problem, self.alpha)
            random_state = check_random_state(self.random_state)
            self.stage_times_ = {}
            start, inverse_curvature = self._training_start(problem, random_state)
            trained = self._train(
                problem,
                start,
                escape_first=self._warm,
                inverse_curvature=inverse_curvature,
            )
            self._set_trained(trained)
            self._prune_and_fine_tune(problem)
        return self

    def prune(self, threshold=None):
        """Prune the trained factor again, with ``threshold`` or ``prune_threshold``.

        Keeps the columns of the trained (pre-prune) factor whose norm is
        strictly above the threshold. The result is not fine-tuned: call
        :meth:`refit` for that. A previous fine-tuning is discarded.

        Parameters
        ----------
        threshold : "auto" or float, default=None
            As ``prune_threshold``; ``None`` uses ``prune_threshold``.

        Returns
        -------
        self : object
            The estimator, with the pruned model.
        """
        check_is_fitted(self, "_trained_model")
        self._validate_params()
        threshold = self.prune_threshold if threshold is None else threshold
        pruning = prune(self._trained_model, threshold, self._penalty)
        self.prune_threshold_ = pruning.threshold
        self.support_ = pruning.support
        if not self.support_.any():
            warn_user(
                "Every column's norm is below the prune threshold (see "
                "column_norms_ and prune_threshold_), so the model keeps no "
                "column and predicts with its unpenalized part alone (zero when "
                "it has none). Either the data hold no low-rank structure above "
                "the penalty, or the penalty is too strong for them: lower "
                "alpha, or lower the threshold.",
                UserWarning,
            )
        self._set_model(pruning.model)
        self.refit_loss_curve_ = np.zeros(0)
        self.refit_n_iter_ = 0
        if self.verbose:
            print(
                f"[prune] threshold {self.prune_threshold_:.3e}: kept "
                f"{self.n_components_} of {self.support_.shape[0]} columns"
            )
        return self

    def refit(self, X, y, sample_weight=None):
        """Fine-tune the current pruned model on the unpenalized loss.

        Parameters
        ----------
        X : array-like or sparse matrix
            Inputs, with the number of features seen in :meth:`fit`.
        y : array-like of shape (n_samples,)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the loss, as in :meth:`fit`.

        Returns
        -------
        self : object
            The estimator, fine-tuned.
        """
        check_is_fitted(self, "_trained_model")
        self._validate_params()
        X, y = self._validate_X(X, y=y, reset=False)
        sample_weight = _check_weights(sample_weight, X)
        with solver_threads():
            statistics = self._gram_statistics(
                X, y, sample_weight, EVALUATIONS_PER_FINE_TUNE
            )
            datafit = self._training_datafit(X, y, sample_weight, statistics)
            self._fine_tune(datafit, estimate_scale(datafit, self._model.signs))
        return self

    def _fine_tune(self, datafit, scale):
        """Fine-tune ``self._model`` on ``datafit``, whose scale is ``scale``."""
        if self.verbose:
            print(
                f"[fine-tune] start: {self.n_components_} columns, loss "
                f"{datafit.value(self._model):.6e}",
                flush=True,
            )
        clock = perf_counter()
        tuned = fine_tune(
            datafit,
            self._model,
            scale,
            solver=self.refit_solver,
            max_iter=self.refit_max_iter,
            tol=self.tol,
            verbose=self.verbose,
        )
        if not tuned.converged:
            reason = why_unconverged(tuned, "refit_max_iter", self.refit_max_iter)
            warn_user(
                f"Fine-tuning stopped before converging: {reason}"
                + self._convergence_advice(),
                ConvergenceWarning,
            )
        self._set_model(tuned.model)
        self.refit_loss_curve_ = tuned.objective_curve
        self.refit_n_iter_ = tuned.n_iter
        if self.verbose:
            print(
                f"[fine-tune] done in {perf_counter() - clock:.3g} s: "
                f"{tuned.n_iter} iterations, loss {tuned.objective_curve[-1]:.6e}",
                flush=True,
            )

    def _set_model(self, model):
        self._model = model
        self.n_components_ = model.factor.shape[1]
        self._publish(model)

    def predict(self, X):
        """Predict with the current (pruned, fine-tuned) model.

        Parameters
        ----------
        X : array-like or sparse matrix
            Inputs, with the number of features seen in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions, computed in ``X``'s precision: float32 when ``X`` is
            float32, else float64 (the fitted parameters are float64 either
            way).
        """
        check_is_fitted(self, "_model")
        X = self._validate_X(X, reset=False)
        return self._make_datafit(X, None).predict(self._model)
