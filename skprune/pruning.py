"""The greedy pruning rule: keep the columns whose norm clears a threshold."""

import numbers

import numpy as np

from .penalty import SmoothGroupLasso


def resolve_threshold(
    prune_threshold, column_norms: np.ndarray, penalty: SmoothGroupLasso
) -> float:
    """Return the absolute column-norm threshold that ``prune_threshold`` means.

    Parameters
    ----------
    prune_threshold : "auto" or float
        ``"auto"`` is the penalty's :meth:`~SmoothGroupLasso.auto_threshold`,
        ``sqrt(beta_abs)``. A float ``t`` in ``[0, 1)`` is relative to the
        largest column: the threshold is ``t * max_j ||u_j||``.
    column_norms : ndarray of shape (k,)
        Column norms of the trained factor.
    penalty : SmoothGroupLasso
        The penalty the factor was trained with.
    """
    if isinstance(prune_threshold, str) and prune_threshold == "auto":
        return penalty.auto_threshold()
    if (
        isinstance(prune_threshold, str)
        or not isinstance(prune_threshold, numbers.Real)
        or not 0 <= prune_threshold < 1
    ):
        raise ValueError(
            "prune_threshold must be 'auto' or a float in [0, 1) giving the "
            "threshold as a fraction of the largest column norm; got "
            f"{prune_threshold!r}."
        )
    return float(prune_threshold * np.max(column_norms, initial=0.0))


def keep_mask(column_norms: np.ndarray, threshold: float) -> np.ndarray:
    """Boolean mask of the columns whose norm is strictly above ``threshold``."""
    return column_norms > threshold
