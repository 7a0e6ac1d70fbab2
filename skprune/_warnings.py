"""Warnings that point at the user's line."""

import sys
import warnings

#: Packages whose frames a warning skips on its way to the user's code.
_INTERNAL = ("skprune", "sklearn", "joblib")


def warn_user(message: str, category: type[Warning]) -> None:
    """Issue ``message`` attributed to the first caller outside skprune,
    scikit-learn and joblib (``fit`` runs inside scikit-learn's ``_fit_context``
    wrapper, and inside ``GridSearchCV``, ``cross_val_score`` or the CV
    estimators' joblib loop), so that the warning shows the user's line and
    Python's default filter shows it once per line and message."""
    frame, level = sys._getframe(0), 1
    while frame is not None and (
        frame.f_globals.get("__name__", "").split(".")[0] in _INTERNAL
    ):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
