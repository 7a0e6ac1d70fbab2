"""The estimator base shared by every train -> prune -> fine-tune model."""

import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real
from time import perf_counter

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .core import estimate_scale, fine_tune, initial_model, train, unpenalized_model
from .datafit import QuadraticLeastSquares
from .penalty import SmoothGroupLasso
from .pruning import keep_mask, resolve_threshold


class BaseGroupLassoPruner(RegressorMixin, BaseEstimator, metaclass=ABCMeta):
    """Train with a smooth group-Lasso penalty, prune weak columns, fine-tune.

    Subclasses say how ``X`` becomes a sensing operator and a linear design
    (:meth:`_make_datafit`), which signs the columns carry
    (:meth:`_column_signs`) and which fitted attributes describe the model
    (:meth:`_publish`); everything else is shared.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="neither")],
        "prune_threshold": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "refit_max_iter": [Interval(Integral, 0, None, closed="left")],
        "refit_solver": [StrOptions({"lbfgs", "gd"})],
        "init_scale": [Interval(Real, 0, None, closed="neither")],
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
        init_scale=1e-3,
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
        self.init_scale = init_scale
        self.random_state = random_state
        self.verbose = verbose

    # -- what subclasses provide -------------------------------------------

    @abstractmethod
    def _validate_X(self, X, *, y="no_validation", reset):
        """Validate ``X`` (and ``y`` unless ``"no_validation"``) as
        ``validate_data`` does."""

    @abstractmethod
    def _make_datafit(self, X, y) -> QuadraticLeastSquares:
        """The datafit of validated ``X`` and ``y`` in the space training uses."""

    @abstractmethod
    def _column_signs(self, n_components) -> np.ndarray:
        """The fixed sign of each column."""

    @abstractmethod
    def _publish(self, model):
        """Set the public fitted attributes that describe ``model``."""

    def _default_n_components(self, n_features):
        return n_features

    def _fit_preprocessing(self, X):
        """Learn any input preprocessing from the training ``X`` (none here)."""

    # -- the shared pipeline ------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train with the penalty, prune, then fine-tune without it.

        Parameters
        ----------
        X : array-like or sparse matrix
            Training inputs (see the class docstring for the shapes allowed).
        y : array-like of shape (n_samples,)
            Targets.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y = self._validate_X(X, y=y, reset=True)
        random_state = check_random_state(self.random_state)
        self._fit_preprocessing(X)
        datafit = self._make_datafit(X, y)
        n_components = self.n_components or self._default_n_components(
            datafit.operator.n_features
        )
        signs = self._column_signs(n_components)
        unpenalized = unpenalized_model(datafit)
        scale = estimate_scale(datafit, signs, unpenalized)
        self.beta_ = self.beta * scale.sigma
        self.alpha_max_ = np.sqrt(self.beta_) * scale.correlation
        self.alpha_ = self.alpha * self.alpha_max_

        clock = perf_counter()
        trained = train(
            datafit,
            SmoothGroupLasso(self.beta_),
            self.alpha_,
            initial_model(unpenalized, signs, scale, self.init_scale, random_state),
            scale,
            max_iter=self.max_iter,
            tol=self.tol,
            verbose=self.verbose,
        )
        self.stage_times_ = {"train": perf_counter() - clock}
        if not trained.converged:
            warnings.warn(
                "Training stopped before reaching an approximate second-order "
                f"stationary point, after {trained.n_iter} of max_iter="
                f"{self.max_iter} iterations and {trained.n_escapes} of at most "
                f"{n_components} saddle escapes (stopping rule: see tol). "
                "Increase max_iter, loosen tol, or standardize the features.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self._trained_model = trained.model
        self.trained_components_ = trained.model.factor
        self.column_norms_ = np.linalg.norm(trained.model.factor, axis=0)
        self.objective_curve_ = trained.objective_curve
        self.n_iter_ = trained.n_iter
        self.n_saddle_escapes_ = trained.n_escapes
        if self.verbose:
            print(
                f"[train] {trained.n_iter} iterations, objective "
                f"{trained.objective_curve[-1]:.6e}, alpha_={self.alpha_:.3e}, "
                f"beta_={self.beta_:.3e}"
            )

        clock = perf_counter()
        self.prune()
        self.stage_times_["prune"] = perf_counter() - clock
        clock = perf_counter()
        self._fine_tune(datafit, scale)
        self.stage_times_["refit"] = perf_counter() - clock
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
        threshold = self.prune_threshold if threshold is None else threshold
        self.prune_threshold_ = resolve_threshold(
            threshold, self.column_norms_, self.beta_
        )
        self.support_ = keep_mask(self.column_norms_, self.prune_threshold_)
        if not self.support_.any():
            warnings.warn(
                "Every column's norm is below the prune threshold "
                f"{self.prune_threshold_:.3e} (largest norm "
                f"{np.max(self.column_norms_, initial=0.0):.3e}), so the model "
                "keeps no column and predicts with its unpenalized part alone "
                "(zero when it has none). Either the data hold no low-rank "
                "structure above the penalty, or the penalty is too strong for "
                "them: lower alpha, or lower the threshold.",
                UserWarning,
                stacklevel=2,
            )
        self._set_model(self._trained_model.select_columns(self.support_))
        self.refit_loss_curve_ = np.zeros(0)
        self.refit_n_iter_ = 0
        if self.verbose:
            print(
                f"[prune] threshold {self.prune_threshold_:.3e}: kept "
                f"{self.n_components_} of {self.support_.shape[0]} columns"
            )
        return self

    def refit(self, X, y):
        """Fine-tune the current pruned model on the unpenalized loss.

        Parameters
        ----------
        X : array-like or sparse matrix
            Inputs, with the number of features seen in :meth:`fit`.
        y : array-like of shape (n_samples,)
            Targets.

        Returns
        -------
        self : object
            The estimator, fine-tuned.
        """
        check_is_fitted(self, "_trained_model")
        X, y = self._validate_X(X, y=y, reset=False)
        datafit = self._make_datafit(X, y)
        self._fine_tune(datafit, estimate_scale(datafit, self._model.signs))
        return self

    def _fine_tune(self, datafit, scale):
        """Fine-tune ``self._model`` on ``datafit``, whose scale is ``scale``."""
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
            warnings.warn(
                "Fine-tuning did not converge within "
                f"refit_max_iter={self.refit_max_iter} iterations (stopping rule: "
                "see tol); increase refit_max_iter, or loosen tol.",
                ConvergenceWarning,
                stacklevel=3,
            )
        self._set_model(tuned.model)
        self.refit_loss_curve_ = tuned.objective_curve
        self.refit_n_iter_ = tuned.n_iter
        if self.verbose:
            print(
                f"[refit] {tuned.n_iter} iterations, loss "
                f"{tuned.objective_curve[-1]:.6e}"
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
            Predictions.
        """
        check_is_fitted(self, "_model")
        X = self._validate_X(X, reset=False)
        return self._make_datafit(X, None).predict(self._model)
