"""Low-rank matrix sensing with a pruned, overparameterized PSD factor."""

import numpy as np

from ._base import BaseGroupLassoPruner
from ._validation import validate_sensing_data
from .datafit import QuadraticLeastSquares
from .sensing import make_sensing_operator


class GroupLassoMatrixSensing(BaseGroupLassoPruner):
    r"""Matrix sensing by an overparameterized factor, group Lasso, pruning.

    Estimates a low-rank PSD matrix ``M = U U^T`` from measurements
    ``y_i ~ <A_i, M>``, choosing the rank by itself, in three stages:

    1. **Train** an overparameterized factor ``U`` of shape ``(d, k)``,
       ``k = n_components``, from a small random start, minimizing

       .. math::

           F(U) = \frac{1}{2n}\sum_{i=1}^{n}\big(\langle A_i, U U^\top\rangle
                  - y_i\big)^2
                  + \lambda \sum_{j=1}^{k}
                    \frac{\|u_j\|_2^2}{\sqrt{\|u_j\|_2^2 + \beta_{\mathrm{abs}}}}

       with L-BFGS to an approximate second-order stationary point: whenever
       L-BFGS stops, a column near zero that could still grow (negative
       curvature of ``F`` along it) is pushed along that direction and
       L-BFGS restarts.
    2. **Prune** every column ``u_j`` whose norm is at most the threshold.
    3. **Fine-tune** the kept columns on the unpenalized loss (the first term
       of ``F``).

    Only the symmetric part of ``A_i`` matters. The penalty is scale-aware:
    ``beta_abs = beta * sigma`` and ``lambda = alpha * alpha_max_``, where

    - ``sigma`` is the size of the best rank-one fit ``t v v^T`` along the top
      eigenvector ``v`` of ``C = (1/n) sum_i y_i sym(A_i)``: an estimate of the
      largest eigenvalue of ``M`` (``beta`` is thus relative to the squared
      norm of the largest column);
    - ``alpha_max_ = sqrt(beta_abs) * lambda_max(C)`` is the smallest penalty at
      which ``U = 0`` is a local minimum, as ``alpha_max`` is for the Lasso.
      With ``alpha`` in ``(0, 1)``, a direction of ``M`` can be picked up only
      if its eigenvalue in ``C`` exceeds ``alpha * lambda_max(C)``: ``alpha`` is
      the smallest relative eigenvalue treated as signal.

    Parameters
    ----------
    n_components : int, default=None
        Width ``k`` of the overparameterized factor: an upper bound on the rank.
        ``None`` uses ``d``.
    alpha : float, default=0.1
        Penalty strength as a fraction of ``alpha_max_`` (see above). ``0``
        trains without the penalty; for ``alpha >= 1`` ``U = 0`` is a local
        minimum, so training from the small start keeps no column.
    beta : float, default=0.05
        Smoothing of the penalty relative to ``sigma`` (see above).
    prune_threshold : "auto" or float, default="auto"
        ``"auto"`` prunes columns of norm at most ``sqrt(beta_abs)``, where the
        penalty turns from quadratic to linear (the order of threshold the
        theory gives). A float ``t`` in ``[0, 1)`` prunes columns of norm at
        most ``t`` times the largest column norm.
    max_iter : int, default=1000
        Iteration limit of the training stage, over all its L-BFGS runs.
    tol : float, default=1e-7
        The solvers work on the objective divided by the loss of ``U = 0``
        (so it starts near one) in rescaled variables. A stage has converged
        when no gradient entry exceeds ``tol``, or when an iteration lowers
        the scaled objective by at most ``tol * max(objective, 1)`` and no
        gradient entry exceeds ``sqrt(tol)`` (see :func:`skprune.solvers.lbfgs`).
    refit_max_iter : int, default=1000
        Iteration limit of the fine-tuning stage; ``0`` skips it.
    refit_solver : {"lbfgs", "gd"}, default="lbfgs"
        Solver of the fine-tuning stage: L-BFGS, or gradient descent with an
        Armijo backtracking step (whose linear rate the theory describes).
    init_scale : float, default=1e-3
        Column norms of the random start, relative to ``sqrt(sigma)``.
    random_state : int, RandomState instance or None, default=None
        Seed of the random start.
    verbose : int, default=0
        ``1`` prints a line per stage, ``2`` also every solver iteration.

    Attributes
    ----------
    components_ : ndarray of shape (n_features_in_, n_components_)
        The final factor ``U``; the model is ``M = components_ @ components_.T``.
    n_components_ : int
        The number of columns kept: the estimated rank.
    support_ : ndarray of shape (k,), dtype=bool
        Which columns of the trained factor were kept.
    column_norms_ : ndarray of shape (k,)
        Column norms of the trained factor, before pruning.
    trained_components_ : ndarray of shape (n_features_in_, k)
        The trained factor, before pruning.
    alpha_ : float
        The absolute penalty strength ``lambda``.
    alpha_max_ : float
        The smallest penalty at which ``U = 0`` is a local minimum.
    beta_ : float
        The absolute smoothing ``beta_abs``.
    prune_threshold_ : float
        The absolute column-norm threshold of the last pruning.
    n_iter_ : int
        Iterations of the training stage.
    n_saddle_escapes_ : int
        Times training pushed a column out of a saddle.
    objective_curve_ : ndarray
        ``F`` at the start and after every training iteration (each L-BFGS run
        after a saddle escape records its start too).
    refit_n_iter_ : int
        Iterations of the last fine-tuning.
    refit_loss_curve_ : ndarray
        The unpenalized loss at the start and after every fine-tuning iteration.
    stage_times_ : dict
        Wall-clock seconds of the ``"train"``, ``"prune"`` and ``"refit"``
        stages of :meth:`fit`.
    n_features_in_ : int
        ``d``.

    See Also
    --------
    QuadraticNetPruner : The same pipeline for two-layer networks with
        quadratic activations.

    Notes
    -----
    ``X`` is either a 3-D array of shape ``(n_samples, d, d)`` holding the
    matrices ``A_i``, or a 2-D array (dense or CSR) of shape
    ``(n_samples, d)`` holding vectors ``x_i`` of rank-one measurements
    ``A_i = x_i x_i^T``. A model fitted on one form predicts on the other for
    the same ``d``. One evaluation of ``F`` and its gradient costs
    ``O(n d^2 + d^2 k)`` for matrices and ``O(n d k)`` for vectors.

    At a good stationary point the trained column norms split into a cluster
    near zero and ``r`` columns of the size of the planted ones, so any
    threshold in the gap keeps exactly ``r``; inspect ``column_norms_`` and
    call :meth:`prune` then :meth:`refit` to choose again without retraining.

    References
    ----------
    N. Rajaraman, Devvrit, A. Mokhtari, K. Ramchandran. "Greedy Pruning with
    Group Lasso Provably Generalizes for Matrix Sensing and Neural Networks
    with Quadratic Activations", NeurIPS 2023.

    Examples
    --------
    >>> from skprune import GroupLassoMatrixSensing
    >>> from skprune.datasets import make_matrix_sensing
    >>> X, y = make_matrix_sensing(600, 10, rank=2, noise=0.01, random_state=0)
    >>> model = GroupLassoMatrixSensing(random_state=0).fit(X, y)
    >>> model.n_components_
    2
    >>> model.components_.shape
    (10, 2)
    """

    def _validate_X(self, X, *, y="no_validation", reset):
        return validate_sensing_data(self, X, y, reset=reset)

    def _make_datafit(self, X, y):
        return QuadraticLeastSquares(make_sensing_operator(X), y)

    def _column_signs(self, n_components):
        return np.ones(n_components)

    def _publish(self, model):
        self.components_ = model.factor

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.three_d_array = True
        tags.regressor_tags.poor_score = True
        return tags
