"""Planted problems shared by the model-selection tests.

The independent references themselves (the rank-r least-squares oracle, the
explicit sensing matrices, the relative error, the nuclear-norm estimator)
live in ``skprune/_oracles.py``, which calls nothing of skprune's estimators,
so that ``python -m skprune reproduce`` can use them too.
"""

from skprune._oracles import planted_spectrum_problem


def ill_conditioned_problem(
    seed, sensing, *, n_samples, n_features=10, eigenvalues=(1.0, 0.3, 0.1), noise=0.05
):
    """A planted PSD matrix whose eigenvalues span a factor of 10.

    Returns ``X``, ``y`` and the planted factor ``U*`` (``M* = U* U*^T`` has
    exactly ``eigenvalues`` as its nonzero eigenvalues).
    """
    return planted_spectrum_problem(
        seed,
        sensing,
        n_samples=n_samples,
        n_features=n_features,
        eigenvalues=eigenvalues,
        noise=noise,
    )
