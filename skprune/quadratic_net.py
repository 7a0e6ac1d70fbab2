"""Two-layer networks with quadratic activations, pruned to the right width."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.sparsefuncs import mean_variance_axis

from ._base import BaseGroupLassoPruner
from ._cv import PrunerCVMixin, cv_constraints
from ._validation import validate_X_y
from .datafit import QuadraticLeastSquares
from .design import BLOCK_ROWS, RowDesign, row_blocks
from .sensing import RankOneSensing


class QuadraticNetPruner(BaseGroupLassoPruner):
    r"""Two-layer network with quadratic activations whose width is pruned.

    The network is

    .. math::

        f(x) = \sum_{j=1}^{k} a_j\,(w_j^\top \tilde x)^2 + v^\top \tilde x + b,
        \qquad \tilde x = (x - \mu) / s,

    with hidden weights ``W = [w_1, ..., w_k]``, fixed output signs
    ``a_j`` in ``{+1, -1}``, an unpenalized linear term ``v`` and intercept
    ``b``. Its quadratic part is the form ``x~^T W D W^T x~`` with
    ``D = diag(a)``, so fitting it is matrix sensing with rank-one
    measurements ``x~ x~^T`` (see :class:`GroupLassoMatrixSensing`), and the
    same three stages choose the width:

    1. **Train** ``k = n_components`` neurons from a spectral or small random
       start (``init``), minimizing

       .. math::

           F(W, v, b) = \frac{1}{2n}\sum_{i=1}^{n}\big(f(x_i) - y_i\big)^2
               + \lambda \sum_{j=1}^{k}
                 \frac{\|w_j\|_2^2}{\sqrt{\|w_j\|_2^2 + \beta_{\mathrm{abs}}}}

       with L-BFGS and saddle escapes, to an approximate second-order
       stationary point. With ``sample_weight`` the first term is
       ``1/(2 sum_i s_i) sum_i s_i (f(x_i) - y_i)^2``.
    2. **Prune** every neuron whose hidden-weight norm ``||w_j||`` is at most
       the threshold.
    3. **Fine-tune** the kept neurons, ``v`` and ``b`` on the unpenalized loss.

    **What is penalized.** Each neuron's group is all of its trainable
    weights, its column ``w_j``; ``v`` and ``b`` are not penalized, so linear
    trends cost nothing. The output weights are fixed to ``a_j = +-1``
    rather than learned: a learned ``a_j`` would make
    ``(w_j, a_j) -> (c w_j, a_j / c^2)`` a symmetry of ``f``, along which a
    penalty on ``w_j`` alone could be made as small as one likes. With
    ``|a_j| = 1`` there is no such rescaling, neuron ``j`` contributes exactly
    ``||w_j||^2`` times a unit quadratic form, and its norm is a meaningful
    measure of its importance. Fixing the signs loses nothing: any quadratic
    form with ``p`` positive and ``q`` negative eigenvalues is
    ``W D W^T`` with ``p`` neurons of sign ``+1`` and ``q`` of sign ``-1``.
    With ``standardize=True`` the norms are also unaffected by the units of
    the features.

    The penalty is scale-aware as in :class:`GroupLassoMatrixSensing`:
    ``beta_abs = beta * sigma`` and ``lambda = alpha * lambda_max_``, where
    ``lambda_max_ = sqrt(beta_abs) * rho`` is the smallest penalty at which no
    neuron can grow from zero. Here ``rho`` is the largest eigenvalue of
    ``a C`` over the signs ``a`` in use, ``C = (1/n) sum_i r_i x~_i x~_i^T``
    the correlation of the residual ``r`` of the linear part alone with the
    measurements, and ``sigma`` the size of the best rank-one fit along the
    top eigenvector of ``C``.

    Parameters
    ----------
    n_components : int, default=None
        Number of hidden neurons ``k`` before pruning. ``None`` uses
        ``2 * n_features`` for ``output_signs="mixed"`` (any signature fits)
        and ``n_features`` for ``"positive"``.
    output_signs : {"mixed", "positive"}, default="mixed"
        ``"mixed"``: the first ``ceil(k / 2)`` neurons have ``a_j = +1``, the
        others ``-1``, so indefinite quadratic forms are fit. ``"positive"``:
        every ``a_j = +1``, the network of the paper (a PSD form).
    fit_linear : bool, default=True
        Whether to fit the unpenalized linear term ``v``.
    fit_intercept : bool, default=True
        Whether to fit the unpenalized intercept ``b``.
    standardize : bool, default=True
        Whether to divide each feature by its standard deviation (features of
        zero variance are left unscaled), as the ``StandardScaler`` that
        ``MLPRegressor`` users put in front of a network. This changes what
        the penalty sees: neuron norms are measured in standardized units.
        Independently of this option, features are centered whenever both
        ``fit_linear`` and ``fit_intercept`` hold: centering moves a linear
        term and a constant out of each neuron, which ``v`` and ``b`` absorb,
        so the model and the penalty are unchanged and only the conditioning
        improves. It is skipped otherwise (the model could not absorb the
        shift). Neither the centering nor the scaling copies ``X``: both are
        folded into the products with it (:class:`~skprune.design.RowDesign`),
        so a CSR ``X`` stays sparse. Fitted attributes are in the original
        units.
    alpha : float, default=0.15
        Penalty strength as a fraction of ``lambda_max_``; ``0`` trains without
        the penalty; for ``alpha >= 1`` no neuron can grow from the small start.
    beta : float, default=0.05
        Smoothing of the penalty relative to ``sigma``.
    prune_threshold : "auto" or float, default="auto"
        ``"auto"`` prunes neurons with ``||w_j|| <= sqrt(beta_abs)`` (in
        standardized units). A float ``t`` in ``[0, 1)`` prunes neurons whose
        norm is at most ``t`` times the largest.
    max_iter : int, default=1000
        Iteration limit of the training stage, over all its L-BFGS runs.
    tol : float, default=1e-7
        Stopping rule of both stages, as in :class:`GroupLassoMatrixSensing`.
    refit_max_iter : int, default=1000
        Iteration limit of the fine-tuning stage; ``0`` skips it.
    refit_solver : {"lbfgs", "gd"}, default="lbfgs"
        Solver of the fine-tuning stage.
    init : {"spectral", "random"}, default="spectral"
        Start of training. ``"spectral"``: the directions of the residual
        correlation that the penalty lets grow, at the sizes that minimize
        the penalized objective along them (:func:`skprune.core.spectral_model`;
        zero for those the penalty does not support), every other column
        exactly zero and out of training's arithmetic until a saddle escape
        lets it grow; it needs 3 to 7 times fewer training iterations than
        ``"random"`` on planted problems, with the same rank and error.
        ``"random"``: every column small and random, the start the theory
        analyses.
    init_scale : float, default=1e-3
        Hidden-weight norms of the random start (``init="random"``), relative
        to ``sqrt(sigma)``.
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
        Whether :meth:`fit` trains from the trained neurons of the previous
        fit (same ``n_components`` and features) instead of the start
        ``init``; see also :func:`skprune.path.group_lasso_path`.
    random_state : int, RandomState instance or None, default=None
        Seed of the random start.
    verbose : int, default=0
        ``1`` prints a line as each stage starts and ends (with its time),
        ``2`` also every solver iteration, in the units of the loss.

    Attributes
    ----------
    components_ : ndarray of shape (``n_components_``, ``n_features_in_``)
        Hidden weights of the kept neurons, one neuron per row (the
        orientation of :class:`~sklearn.decomposition.PCA`), in the units of
        the original features: ``f(x) = sum_j output_weights_[j]
        (components_[j] @ x)**2 + x @ coef_ + intercept_``.
    output_weights_ : ndarray of shape (``n_components_``,)
        The signs ``a_j`` of the kept neurons.
    coef_ : ndarray of shape (``n_features_in_``,)
        The linear term in original units (zeros when ``fit_linear=False``);
        it includes the linear part that centering moves out of the neurons.
    intercept_ : float
        The constant in original units.
    n_components_ : int
        Number of neurons kept.
    support_ : ndarray of shape (k,), dtype=bool
        Which trained neurons were kept.
    column_norms_ : ndarray of shape (k,)
        Norms ``||w_j||`` of the trained neurons in standardized units, before
        pruning.
    trained_components_ : ndarray of shape (k, ``n_features_in_``)
        The trained hidden weights in standardized units, one neuron per row,
        before pruning.
    x_offset_ : ndarray of shape (``n_features_in_``,)
        The mean ``mu`` subtracted from the features (zeros when not centering).
    x_scale_ : ndarray of shape (``n_features_in_``,)
        The scale ``s`` dividing the features (ones when not standardizing).
    lambda_, lambda_max_, beta_, prune_threshold_ : float
        The absolute penalty ``alpha * lambda_max_``, its largest useful value,
        the absolute smoothing and the absolute norm threshold of the last
        pruning.
    n_iter_ : int
        Iterations of the training stage.
    n_saddle_escapes_ : int
        Saddle escapes of training: neurons pushed out of zero (an escape
        grows every direction that can leave zero at once, each counted),
        and, with ``modulo_rotations=False``, rotations of the neurons.
    objective_curve_ : ndarray
        ``F`` minimized over rotations of each sign's columns (see the user
        guide, section 4; never above ``F``, and equal to it at the trained
        model, whose columns are rotated to be orthogonal) at the start and
        after every training iteration.
    refit_n_iter_ : int
        Iterations of the last fine-tuning.
    refit_loss_curve_ : ndarray
        The unpenalized loss at the start and after every fine-tuning iteration.
    stage_times_ : dict
        Wall-clock seconds of the ``"train"``, ``"prune"`` and ``"fine-tune"``
        stages of :meth:`fit`.
    n_features_in_ : int
        Number of features.

    See Also
    --------
    QuadraticNetPrunerCV : Chooses ``alpha`` by cross-validation.
    GroupLassoMatrixSensing : The same pipeline for general sensing matrices.
    sklearn.neural_network.MLPRegressor : Networks of fixed width.

    Notes
    -----
    The default ``alpha`` suits planted problems with moderate noise. On noisy
    tabular data, let :class:`QuadraticNetPrunerCV` choose it along a
    warm-started path.

    ``X`` may be dense or CSR, float64 or float32 (computed in float32, as
    for :class:`GroupLassoMatrixSensing`); it is never copied, and the
    standardization is folded into the products with it. One evaluation of
    ``F`` and its gradient costs ``O(n d k)`` (``O(nnz k)`` for sparse ``X``)
    and never forms a ``d x d`` matrix per sample. With
    ``output_signs="positive"``, ``fit_linear=False``, ``fit_intercept=False``
    and ``standardize=False`` this is exactly the network of the reference
    below.

    References
    ----------
    N. Rajaraman, Devvrit, A. Mokhtari, K. Ramchandran. "Greedy Pruning with
    Group Lasso Provably Generalizes for Matrix Sensing and Neural Networks
    with Quadratic Activations", NeurIPS 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from skprune import QuadraticNetPruner
    >>> rng = np.random.RandomState(0)
    >>> X = rng.standard_normal((500, 6))
    >>> y = (X[:, 0] + X[:, 1]) ** 2 - X[:, 2] ** 2 + X[:, 3] + 1.0
    >>> net = QuadraticNetPruner(random_state=0).fit(X, y)
    >>> net.n_components_, net.output_weights_.tolist()
    (2, [1.0, -1.0])
    """

    _parameter_constraints: dict = {
        **BaseGroupLassoPruner._parameter_constraints,
        "output_signs": [StrOptions({"mixed", "positive"})],
        "fit_linear": ["boolean"],
        "fit_intercept": ["boolean"],
        "standardize": ["boolean"],
    }

    def __init__(
        self,
        n_components=None,
        *,
        output_signs="mixed",
        fit_linear=True,
        fit_intercept=True,
        standardize=True,
        alpha=0.15,
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
        self.output_signs = output_signs
        self.fit_linear = fit_linear
        self.fit_intercept = fit_intercept
        self.standardize = standardize

    def _validate_X(self, X, *, y="no_validation", reset):
        return validate_X_y(self, X, y, accept_sparse="csr", reset=reset)

    def _default_n_components(self, n_features):
        return 2 * n_features if self.output_signs == "mixed" else n_features

    def _column_signs(self, n_components):
        signs = np.ones(n_components)
        if self.output_signs == "mixed":
            signs[(n_components + 1) // 2 :] = -1.0
        return signs

    def _fit_preprocessing(self, X, sample_weight):
        mean, variance = _feature_mean_and_variance(X, sample_weight)
        std = np.sqrt(variance)
        self.x_scale_ = (
            np.where(std > 0, std, 1.0) if self.standardize else np.ones_like(std)
        )
        centering = self.fit_linear and self.fit_intercept
        self.x_offset_ = mean if centering else np.zeros_like(mean)

    def _convergence_advice(self):
        if self.standardize:
            return ""
        return " Features of very different scales slow training: try standardize=True."

    def _make_datafit(self, X, y, sample_weight=None):
        # The standardized rows, folded into the products (a copy would double
        # the memory); only a small X is copied (see skprune/design.py).
        rows = RowDesign(X, self.x_offset_, self.x_scale_)
        return QuadraticLeastSquares(
            RankOneSensing(rows),
            y,
            linear_design=rows if self.fit_linear else None,
            fit_intercept=self.fit_intercept,
            sample_weight=sample_weight,
        )

    def _publish(self, model):
        # a_j (w_j . (x - mu) / s)^2 = a_j (W_j . x - c_j)^2 with W_j = w_j / s and
        # c_j = W_j . mu: expand into a quadratic, a linear and a constant part.
        hidden = model.factor / self.x_scale_[:, None]
        shifts = self.x_offset_ @ hidden
        linear = np.zeros(self.x_scale_.shape[0])
        if self.fit_linear:
            linear = model.coef / self.x_scale_
        self.components_ = hidden.T
        self.output_weights_ = model.signs
        self.coef_ = linear - 2.0 * hidden @ (model.signs * shifts)
        self.intercept_ = float(
            model.intercept - linear @ self.x_offset_ + model.signs @ shifts**2
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _feature_mean_and_variance(X, sample_weight=None):
    """Weighted mean and (biased) variance of each feature of dense or CSR
    ``X``, in float64 whatever ``X``'s dtype; ``sample_weight=None`` weighs
    every sample equally.

    Dense ``X`` is read in blocks of rows (:func:`~skprune.design.row_blocks`),
    so the temporaries never exceed a block: one pass for the mean, one for
    the squared deviations from it, formed in one float64 block that every
    block of rows reuses.
    """
    if sp.issparse(X):
        if sample_weight is not None:
            sample_weight = sample_weight.astype(X.dtype)
        mean, variance = mean_variance_axis(X, axis=0, weights=sample_weight)
        return mean.astype(np.float64), variance.astype(np.float64)

    def column_sums(values, rows):
        if sample_weight is None:
            return np.sum(values, axis=0, dtype=np.float64)
        return sample_weight[rows] @ values

    mean, variance = np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for rows in row_blocks(X.shape[0]):
        mean += column_sums(X[rows], rows)
    total = X.shape[0] if sample_weight is None else np.sum(sample_weight)
    mean /= total
    block = np.empty((min(BLOCK_ROWS, X.shape[0]), X.shape[1]))  # float64
    for rows in row_blocks(X.shape[0]):
        deviation = block[: rows.stop - rows.start]
        deviation[...] = X[rows]
        deviation -= mean
        variance += column_sums(np.square(deviation, out=deviation), rows)
    return mean, variance / total


class QuadraticNetPrunerCV(PrunerCVMixin, QuadraticNetPruner):
    r"""Quadratic network pruned to its width, ``alpha`` chosen by CV.

    Fits :class:`QuadraticNetPruner` (same network, objective ``F`` and
    preprocessing) along a decreasing sequence of relative strengths
    ``alpha`` (``lambda = alpha * lambda_max_``) and keeps the one that
    predicts held-out targets best. In each fold the path is warm-started,
    each point is pruned and fine-tuned on the training part (its
    standardization learned there) and scored by the held-out mean squared
    error. The same path runs on all the data, in parallel with the folds.
    The paths stop at ``path_tol``, enough to rank the strengths; the network
    at the chosen ``alpha_`` is then trained on to ``tol``, pruned and
    fine-tuned on all the data.

    Parameters
    ----------
    n_components : int, default=None
        Number of hidden neurons before pruning; ``None`` as in
        :class:`QuadraticNetPruner`.
    alphas : int or array-like, default=12
        The relative strengths to try: a number of points evenly spaced on a
        log scale from ``1`` (where no neuron can grow) down to ``eps``, or
        the strengths themselves (sorted from strong to weak).
    eps : float, default=1e-2
        The weakest strength of the grid when ``alphas`` is an int.
    cv : int, cross-validation generator or iterable, default=None
        ``None`` is 5-fold ``KFold``, an int that many folds.
    selection_rule : {"min", "1se"}, default="min"
        ``"min"`` picks the smallest mean held-out error: best for
        prediction (strengths that keep the same neurons in every fold share
        one converged fine-tuned network per fold, hence one error: among
        such ties the strongest is taken). ``"1se"`` picks the strongest
        penalty, hence the fewest neurons, whose mean error is within one
        standard error of that minimum: a smaller network that predicts about
        as well.
    n_jobs : int, default=None
        Folds (and the path on all the data) run in parallel with joblib.
    path_tol : float or None, default=1e-5
        As in :class:`~skprune.GroupLassoMatrixSensingCV`: the ``tol`` of the
        paths, which only rank the strengths; the network at ``alpha_`` is
        trained on to ``tol``. ``None`` runs the paths to ``tol``.
    output_signs, fit_linear, fit_intercept, standardize, beta, prune_threshold
        As in :class:`QuadraticNetPruner`.
    max_iter, tol, refit_max_iter, refit_solver, init, init_scale
        As in :class:`QuadraticNetPruner`.
    modulo_rotations, random_state
        As in :class:`QuadraticNetPruner`.
    verbose
        As in :class:`QuadraticNetPruner`. Every path uses the same seed, so
        results do not depend on ``n_jobs`` or the joblib backend.

    Attributes
    ----------
    alpha_ : float
        The chosen relative strength, on the scale of ``alphas``.
    alphas_ : ndarray of shape (n_alphas,)
        The strengths tried, decreasing.
    mse_path_ : ndarray of shape (n_alphas, n_folds)
        Held-out mean squared error at each strength in each fold.
    n_components_path_ : ndarray of shape (n_alphas, n_folds)
        Neurons kept at each strength in each fold.
    column_norms_path_ : ndarray of shape (n_alphas, k)
        Trained neuron norms at each strength on all the data (trained to
        ``path_tol``).
    lambda_ : float
        ``alpha_ * lambda_max_``, the absolute penalty of the final network.
    n_iter_ : int
        Training iterations of the path on all the data, over every strength,
        and of training the chosen point on to ``tol``.
    components_, output_weights_, coef_, intercept_, n_components_, support_
        As in :class:`QuadraticNetPruner`, for the network on all the data at
        ``alpha_``.
    column_norms_, trained_components_, x_offset_, x_scale_, lambda_max_, beta_
        As in :class:`QuadraticNetPruner`.
    prune_threshold_, n_saddle_escapes_, objective_curve_
        As in :class:`QuadraticNetPruner`.
    refit_n_iter_, refit_loss_curve_, n_features_in_
        As in :class:`QuadraticNetPruner`.
    stage_times_ : dict
        Wall-clock seconds of the ``"path"``, ``"train"`` (the chosen point
        trained on to ``tol``, when ``path_tol`` is looser), ``"prune"`` and
        ``"fine-tune"`` stages.

    See Also
    --------
    QuadraticNetPruner : The network at one ``alpha``.
    skprune.path.group_lasso_path : The path on its own.

    References
    ----------
    N. Rajaraman, Devvrit, A. Mokhtari, K. Ramchandran. "Greedy Pruning with
    Group Lasso Provably Generalizes for Matrix Sensing and Neural Networks
    with Quadratic Activations", NeurIPS 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from skprune import QuadraticNetPrunerCV
    >>> rng = np.random.RandomState(0)
    >>> X = rng.standard_normal((400, 5))
    >>> y = (X[:, 0] + X[:, 1]) ** 2 - X[:, 2] ** 2 + 0.1 * rng.standard_normal(400)
    >>> net = QuadraticNetPrunerCV(alphas=6, cv=3, random_state=0).fit(X, y)
    >>> net.n_components_, net.output_weights_.tolist()
    (2, [1.0, -1.0])
    """

    _parameter_constraints: dict = cv_constraints(
        QuadraticNetPruner._parameter_constraints
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
        output_signs="mixed",
        fit_linear=True,
        fit_intercept=True,
        standardize=True,
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
    ):
        self.n_components = n_components
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.selection_rule = selection_rule
        self.n_jobs = n_jobs
        self.path_tol = path_tol
        self.output_signs = output_signs
        self.fit_linear = fit_linear
        self.fit_intercept = fit_intercept
        self.standardize = standardize
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
