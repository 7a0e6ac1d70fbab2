"""Low-rank matrix sensing with a pruned, overparameterized PSD factor."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import StrOptions

from ._base import BaseGroupLassoPruner
from ._cv import PrunerCVMixin, cv_constraints
from ._validation import validate_sensing_data
from .datafit import QuadraticLeastSquares
from .gram import GramStatistics, precompute_pays
from .sensing import make_sensing_operator


class GroupLassoMatrixSensing(BaseGroupLassoPruner):
    r"""Matrix sensing by an overparameterized factor, group Lasso, pruning.

    Estimates a low-rank PSD matrix ``M = U U^T`` from measurements
    ``y_i ~ <A_i, M>``, choosing the rank by itself, in three stages:

    1. **Train** an overparameterized factor ``U`` of shape ``(d, k)``,
       ``k = n_components``, from a spectral or small random start (``init``),
       minimizing

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

    Only the symmetric part of ``A_i`` matters. With ``sample_weight`` the
    first term of ``F`` becomes
    ``1/(2 sum_i s_i) sum_i s_i (<A_i, U U^T> - y_i)^2``. The penalty is
    scale-aware: ``beta_abs = beta * sigma`` and
    ``lambda = alpha * lambda_max_``, where

    - ``sigma`` is the size of the best rank-one fit ``t v v^T`` along the top
      eigenvector ``v`` of ``C = (1/n) sum_i y_i sym(A_i)``: an estimate of the
      largest eigenvalue of ``M`` (``beta`` is thus relative to the squared
      norm of the largest column);
    - ``lambda_max_ = sqrt(beta_abs) * lambda_max(C)`` is the smallest penalty
      at which ``U = 0`` is a local minimum, as ``alpha_max`` is for the Lasso.
      With ``alpha`` in ``(0, 1)``, a direction of ``M`` can be picked up only
      if its eigenvalue in ``C`` exceeds ``alpha * lambda_max(C)``: ``alpha`` is
      the smallest relative eigenvalue treated as signal.

    Parameters
    ----------
    n_components : int, default=None
        Width ``k`` of the overparameterized factor: an upper bound on the rank.
        ``None`` uses ``d``.
    alpha : float, default=0.1
        Penalty strength as a fraction of ``lambda_max_`` (see above). ``0``
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
        A ``tol`` below 5 times the machine epsilon of ``X``'s dtype (float32:
        ``6.0e-7``; float64: ``1.1e-15``) is raised to it: a smaller decrease
        is lost in the round-off of the loss.
    refit_max_iter : int, default=1000
        Iteration limit of the fine-tuning stage; ``0`` skips it.
    refit_solver : {"lbfgs", "gd"}, default="lbfgs"
        Solver of the fine-tuning stage: L-BFGS, or gradient descent with an
        Armijo backtracking step (whose linear rate the theory describes).
    init : {"spectral", "random"}, default="spectral"
        Start of training. ``"spectral"``: the directions of the residual
        correlation that the penalty lets grow, at the sizes that minimize
        the penalized objective along them (zero for those the penalty does
        not support), then, for matrices that are not rank-one, trained within
        the span of those kept, on the data restricted to it
        (:func:`skprune.core.spectral_model`); every other column
        exactly zero and out of training's arithmetic until a saddle escape
        lets it grow; it needs 3 to 7 times fewer training iterations than
        ``"random"`` on planted problems, with the same rank and error.
        ``"random"``: every column small and random, the start the theory
        analyses.
    init_scale : float, default=1e-3
        Column norms of the random start (``init="random"``), relative to
        ``sqrt(sigma)``.
    modulo_rotations : bool, default=True
        Whether training minimizes the objective over rotations of each
        sign's columns, which the loss cannot tell apart: the same minimizers
        (rotated to orthogonal columns at the end), with the directions that
        only rotate the columns exactly flat, so that training takes 3 to 5
        times fewer iterations from ``init="random"`` and about 30% fewer
        from ``"spectral"``. ``False`` trains on the objective itself, along
        the trajectory of the theory's gradient descent (the reproduction of
        the paper's claims does).
    warm_start : bool, default=False
        Whether :meth:`fit` trains from the trained factor of the previous fit
        (same ``n_components`` and ``d``) instead of the start ``init``.
        A user's own loop over decreasing ``alpha`` is then cheap; see also
        :func:`skprune.path.group_lasso_path`.
    random_state : int, RandomState instance or None, default=None
        Seed of the random start.
    verbose : int, default=0
        ``1`` prints a line as each stage starts and ends (with its time),
        ``2`` also every solver iteration, in the units of the loss.
    precompute : "auto" or bool, default="auto"
        Whether training and fine-tuning evaluate the loss in Gram form
        (:mod:`skprune.gram`): ``L = m^T G m / 2 - h^T m + E[y^2] / 2`` with
        ``m`` the ``p = d (d + 1) / 2`` entries of ``U U^T`` on and above the
        diagonal, ``G = E[phi phi^T]``, ``h = E[y phi]`` and ``phi_i`` the
        matching coordinates of ``sym(A_i)``, weighted means over the samples.
        Building ``G`` costs ``O(n p^2)``; a fit then holds ``G``, ``8 p^2``
        bytes (12.4 MiB at ``d = 50``, 0.22 times a float64 ``X`` of 3000
        matrices), and its build about 1 MiB more. An evaluation then costs
        ``O(p^2)`` instead of ``O(n d^2)`` (matrices) or ``O(n d k)``
        (vectors). ``True`` builds it whatever its size, ``False`` never
        does. ``"auto"`` builds it for dense ``X`` when ``G`` takes at most a
        quarter of ``X``'s bytes and at most 128 MiB (``d <= 90``), and the
        build plus ``E`` evaluations in Gram form are expected to cost less
        than ``E`` evaluations in data form, with ``E = 38`` for
        :meth:`fit`, ``9`` for :meth:`refit`, and costs per unit of work
        measured by ``benchmarks/bench_precompute.py``
        (:func:`skprune.gram.precompute_pays` states the inequalities). The
        memory bound asks for ``n`` of about ``d^2`` float64 matrices or
        ``d^3`` float64 vectors (twice as many in float32). On the machine
        measured, fits then use it for Gaussian matrices from there up to
        ``d = 55``, and for rank-one vectors only up to ``d = 15``, or
        ``d <= 22`` with ``n > 10^5`` (docs/guide.md, section 8, has the
        measurements).
        Predictions always use ``X``. The Gram form resolves the loss to
        about ``1e-16 E[y^2]``, so noiseless data fit to a relative error
        near ``1e-8`` rather than to round-off: use ``False`` for them.

    Attributes
    ----------
    components_ : ndarray of shape (``n_components_``, ``n_features_in_``)
        The kept columns ``u_j`` of the fine-tuned factor ``U``, one per row
        (the orientation of :class:`~sklearn.decomposition.PCA`): ``U`` is
        ``components_.T`` and the model is ``M = components_.T @ components_``.
    n_components_ : int
        The number of columns kept: the estimated rank.
    support_ : ndarray of shape (k,), dtype=bool
        Which columns of the trained factor were kept.
    column_norms_ : ndarray of shape (k,)
        Column norms of the trained factor, before pruning.
    trained_components_ : ndarray of shape (k, ``n_features_in_``)
        The columns of the trained factor, one per row, before pruning.
    lambda_ : float
        The absolute penalty strength ``lambda = alpha * lambda_max_``.
    lambda_max_ : float
        The smallest penalty at which ``U = 0`` is a local minimum.
    beta_ : float
        The absolute smoothing ``beta_abs``.
    prune_threshold_ : float
        The absolute column-norm threshold of the last pruning.
    n_iter_ : int
        Iterations of the training stage.
    n_saddle_escapes_ : int
        Saddle escapes of training: columns pushed out of zero (an escape
        grows every direction that can leave zero at once, each counted),
        and, with ``modulo_rotations=False``, rotations of the columns.
    objective_curve_ : ndarray
        ``F`` minimized over rotations of each sign's columns (see the user
        guide, section 4; never above ``F``, and equal to it at the trained
        model, whose columns are rotated to be orthogonal) at the start and
        after every training iteration (each L-BFGS run
        after a saddle escape records its start too).
    refit_n_iter_ : int
        Iterations of the last fine-tuning.
    refit_loss_curve_ : ndarray
        The unpenalized loss at the start and after every fine-tuning iteration.
    stage_times_ : dict
        Wall-clock seconds of the ``"train"``, ``"prune"`` and ``"fine-tune"``
        stages of :meth:`fit`.
    n_features_in_ : int
        ``d``.

    See Also
    --------
    GroupLassoMatrixSensingCV : Chooses ``alpha`` by cross-validation.
    QuadraticNetPruner : The same pipeline for two-layer networks with
        quadratic activations.

    Notes
    -----
    ``X`` is either a 3-D array of shape ``(n_samples, d, d)`` holding the
    matrices ``A_i``, or a 2-D array (dense or CSR) of shape
    ``(n_samples, d)`` holding vectors ``x_i`` of rank-one measurements
    ``A_i = x_i x_i^T``. A model fitted on one form predicts on the other for
    the same ``d``. One evaluation of ``F`` and its gradient costs
    ``O(n d^2 + d^2 k)`` for matrices and ``O(n d k)`` for vectors, or
    ``O(d^4 / 4 + d^2 k)`` in Gram form (``precompute``).

    float32 ``X`` is used as it is (no float64 copy) and computed in float32:
    the predictions, residuals and the products with ``X`` are float32, the
    parameters float64. It halves the memory and about halves the time, at
    float32's round-off (``1.2e-7``): with noise the error against the
    planted matrix is within 1% of the float64 fit's; without noise it stops
    near ``1e-7`` (float64: ``1e-9`` or less). See the user guide, section 8.

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
    (2, 10)
    """

    _parameter_constraints: dict = {
        **BaseGroupLassoPruner._parameter_constraints,
        "precompute": [StrOptions({"auto"}), "boolean"],
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
        precompute="auto",
    ):
        super().__init__(
            n_components,
            alpha=alpha,
            beta=beta,
            prune_threshold=prune_threshold,
            max_iter=max_iter,
            tol=tol,
            refit_max_iter=refit_max_iter,
            refit_solver=refit_solver,
            init=init,
            init_scale=init_scale,
            modulo_rotations=modulo_rotations,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
        )
        self.precompute = precompute

    def _validate_X(self, X, *, y="no_validation", reset):
        return validate_sensing_data(self, X, y, reset=reset)

    def _make_datafit(self, X, y, sample_weight=None):
        return QuadraticLeastSquares(
            make_sensing_operator(X), y, sample_weight=sample_weight
        )

    def _gram_statistics(self, X, y, sample_weight, n_evaluations, n_builds=1):
        """:class:`~skprune.gram.GramStatistics` of ``X`` if ``precompute`` is
        ``True``, or ``"auto"`` and :func:`~skprune.gram.precompute_pays` for
        dense ``X``; else ``None``."""
        use = self.precompute
        if use == "auto":
            use = not sp.issparse(X) and precompute_pays(
                X.shape[0],
                X.shape[1],
                sensing="matrices" if X.ndim == 3 else "vectors",
                n_evaluations=n_evaluations,
                n_builds=n_builds,
                itemsize=X.dtype.itemsize,
            )
        if not use:
            return None
        return GramStatistics.compute(make_sensing_operator(X), y, sample_weight)

    def _column_signs(self, n_components):
        return np.ones(n_components)

    def _publish(self, model):
        self.components_ = model.factor.T

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.three_d_array = True
        tags.regressor_tags.poor_score = True
        return tags


class GroupLassoMatrixSensingCV(PrunerCVMixin, GroupLassoMatrixSensing):
    r"""Matrix sensing by group Lasso and pruning, ``alpha`` chosen by CV.

    Fits :class:`GroupLassoMatrixSensing` (same objective ``F``, same scaling,
    same three stages) along a decreasing sequence of relative strengths
    ``alpha`` (``lambda = alpha * lambda_max_``) and keeps the one that
    predicts held-out measurements best. In each fold the path is
    warm-started: each training starts from the solution at the previous,
    stronger penalty; each point is pruned and fine-tuned on the training
    part and scored by the mean squared error on the held-out part. The same
    path runs on all the data (in parallel with the folds). The paths stop at
    ``path_tol``, enough to rank the strengths; the model at the chosen
    ``alpha_`` is then trained on to ``tol``, pruned and fine-tuned on all
    the data.

    Parameters
    ----------
    n_components : int, default=None
        Width ``k`` of the overparameterized factor; ``None`` uses ``d``.
    alphas : int or array-like, default=12
        The relative strengths to try: a number of points evenly spaced on a
        log scale from ``1`` (where no column can grow) down to ``eps``, or
        the strengths themselves (sorted from strong to weak).
    eps : float, default=1e-2
        The weakest strength of the grid when ``alphas`` is an int.
    cv : int, cross-validation generator or iterable, default=None
        As in :class:`~sklearn.linear_model.LassoCV`: ``None`` is 5-fold
        ``KFold``, an int that many folds.
    selection_rule : {"min", "1se"}, default="min"
        ``"min"`` picks the strength of the smallest mean held-out error: best
        for prediction (strengths that keep the same columns in every fold
        share one converged fine-tuned model per fold, hence one error: among
        such ties the strongest is taken). ``"1se"`` picks the strongest
        penalty, hence the smallest rank, whose mean error is within one
        standard error of that minimum (glmnet's ``lambda.1se``): use it when
        the rank itself is what you want and a direction that barely improves
        the fit should not count.
    n_jobs : int, default=None
        Folds (and the path on all the data) run in parallel with joblib;
        ``None`` means 1 unless in a ``joblib.parallel_backend`` context.
    path_tol : float or None, default=1e-5
        The ``tol`` of training and fine-tuning along the paths, the folds'
        and the one on all the data. The folds only rank the strengths: their
        held-out errors need a precision well below the standard error of
        their mean over the folds, not the final model's (see the user
        guide's section 9). The model at ``alpha_`` is then trained on to
        ``tol`` from where its path stopped, and pruned and fine-tuned to
        ``tol``. ``None`` runs the paths to ``tol``.
    beta, prune_threshold, max_iter, tol, refit_max_iter, refit_solver
        As in :class:`GroupLassoMatrixSensing`.
    init, init_scale, modulo_rotations, random_state, verbose
        As in :class:`GroupLassoMatrixSensing`. Every path uses the same seed
        (drawn once from ``random_state`` when it is not an int), so results do
        not depend on ``n_jobs`` or the joblib backend. ``verbose`` also sets
        joblib's verbosity; ``verbose >= 2`` prints the path's progress.
    precompute : "auto" or bool, default="auto"
        As in :class:`GroupLassoMatrixSensing`. The Gram statistics are built
        once from all the data; each fold's are those minus its held-out
        part's, so every path, and the final fine-tuning, evaluates in Gram
        form. ``"auto"`` weighs these two builds against
        ``E = 6 * n_alphas * n_folds`` evaluations (the folds' paths and the
        one on all the data, at ``path_tol``; 14 per strength with
        ``path_tol=None``), for a ``G`` of at most a quarter of ``X``'s
        bytes: on the machine measured, from ``n`` of about ``d^2`` for
        Gaussian matrices (``d <= 90``) and of about ``d^3`` for rank-one
        vectors (``d <= 40``), in float64, twice that in float32. A running
        fold holds its own ``G`` as well (and briefly its held-out part's).

    Attributes
    ----------
    alpha_ : float
        The chosen relative strength, on the scale of ``alphas``.
    alphas_ : ndarray of shape (n_alphas,)
        The strengths tried, decreasing.
    mse_path_ : ndarray of shape (n_alphas, n_folds)
        Held-out mean squared error at each strength in each fold.
    n_components_path_ : ndarray of shape (n_alphas, n_folds)
        Columns kept at each strength in each fold.
    column_norms_path_ : ndarray of shape (n_alphas, k)
        Trained column norms at each strength on all the data (trained to
        ``path_tol``).
    lambda_ : float
        ``alpha_ * lambda_max_``, the absolute penalty of the final model.
    n_iter_ : int
        Training iterations of the path on all the data, over every strength,
        and of training the chosen point on to ``tol``.
    components_, n_components_, support_, column_norms_, trained_components_
        As in :class:`GroupLassoMatrixSensing`, for the model on all the data
        at ``alpha_``.
    lambda_max_, beta_, prune_threshold_, n_saddle_escapes_
        As in :class:`GroupLassoMatrixSensing`.
    objective_curve_, refit_n_iter_, refit_loss_curve_, n_features_in_
        As in :class:`GroupLassoMatrixSensing`.
    stage_times_ : dict
        Wall-clock seconds of the ``"path"`` (every fold and the path on all
        the data, and the Gram statistics when built), ``"train"`` (the chosen
        point trained on to ``tol``, when ``path_tol`` is looser), ``"prune"``
        and ``"fine-tune"`` stages.

    See Also
    --------
    GroupLassoMatrixSensing : The model at one ``alpha``.
    skprune.path.group_lasso_path : The path on its own.
    sklearn.linear_model.LassoCV : The same idea for the Lasso.

    References
    ----------
    N. Rajaraman, Devvrit, A. Mokhtari, K. Ramchandran. "Greedy Pruning with
    Group Lasso Provably Generalizes for Matrix Sensing and Neural Networks
    with Quadratic Activations", NeurIPS 2023.

    J. Friedman, T. Hastie, R. Tibshirani. "Regularization Paths for
    Generalized Linear Models via Coordinate Descent", Journal of Statistical
    Software 33(1), 2010 (warm-started paths and the one-standard-error rule).

    Examples
    --------
    >>> from skprune import GroupLassoMatrixSensingCV
    >>> from skprune.datasets import make_matrix_sensing
    >>> X, y = make_matrix_sensing(600, 10, rank=2, noise=0.05, random_state=0)
    >>> model = GroupLassoMatrixSensingCV(alphas=6, cv=3, random_state=0).fit(X, y)
    >>> model.n_components_
    2
    >>> model.mse_path_.shape
    (6, 3)
    """

    _parameter_constraints: dict = cv_constraints(
        GroupLassoMatrixSensing._parameter_constraints
    )

    def __init__(
        self,
        n_components=None,
        *,
        alphas=12,
        eps=1e-2,
        cv=None,
        selection_rule="min",
        n_jobs=None,
        path_tol=1e-5,
        beta=0.05,
        prune_threshold="auto",
        max_iter=1000,
        tol=1e-7,
        refit_max_iter=1000,
        refit_solver="lbfgs",
        init="spectral",
        init_scale=1e-3,
        modulo_rotations=True,
        random_state=None,
        verbose=0,
        precompute="auto",
    ):
        self.n_components = n_components
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.selection_rule = selection_rule
        self.n_jobs = n_jobs
        self.path_tol = path_tol
        self.beta = beta
        self.prune_threshold = prune_threshold
        self.max_iter = max_iter
        self.tol = tol
        self.refit_max_iter = refit_max_iter
        self.refit_solver = refit_solver
        self.init = init
        self.init_scale = init_scale
        self.modulo_rotations = modulo_rotations
        self.random_state = random_state
        self.verbose = verbose
        self.precompute = precompute
