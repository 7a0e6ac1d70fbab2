"""Input checks for sensing data."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import validate_data

_SHAPES = (
    "Pass an array of shape (n_samples, d, d) of sensing matrices A_i, or of "
    "shape (n_samples, d) of vectors x_i for rank-one measurements A_i = x_i x_i^T."
)


def _check_sensing_shape(X):
    if sp.issparse(X):
        return
    if X.ndim not in (2, 3):
        raise ValueError(
            f"X must have 2 or 3 dimensions, got shape {X.shape}. {_SHAPES}"
        )
    if X.ndim == 3 and X.shape[1] != X.shape[2]:
        raise ValueError(
            f"Sensing matrices must be square, got X of shape {X.shape} "
            f"(matrices of size {X.shape[1]} x {X.shape[2]}). {_SHAPES}"
        )


def validate_sensing_data(estimator, X, y="no_validation", *, reset):
    """Validate sensing inputs ``X`` (and ``y``) with ``validate_data``.

    ``X`` is a 3-D stack of square matrices or a 2-D array
    or CSR matrix of vectors; its ``d`` is ``n_features_in_``. A 2-D ``X`` may
    predict with a model fitted on 3-D ``X`` of the same ``d`` and vice versa,
    since both describe measurement matrices of size ``d x d``.
    """
    shape = getattr(X, "shape", None)
    if not reset and shape is not None and len(shape) >= 2:
        expected = estimator.n_features_in_
        if shape[1] != expected:
            raise ValueError(
                f"X has {shape[1]} features, but {type(estimator).__name__} is "
                f"expecting {expected} features as input: X of shape {shape} "
                f"describes measurements of size d={shape[1]}, the model was "
                f"fitted with d={expected}. Pass vectors or matrices of size "
                f"{expected}."
            )
    check_params = {
        "accept_sparse": "csr",
        "dtype": "float64",
        "allow_nd": True,
        "reset": reset,
    }
    validated = validate_X_y(estimator, X, y, **check_params)
    X = validated[0] if isinstance(validated, tuple) else validated
    _check_sensing_shape(X)
    if sp.issparse(X) or X.ndim == 2:
        _check_magnitude(X.data if sp.issparse(X) else X, "X", VECTOR_RANGE)
    return validated


def validate_X_y(estimator, X, y="no_validation", **check_params):
    """``validate_data`` of ``X`` alone when ``y`` is ``"no_validation"``,
    else of ``X`` and a float64 ``y`` (strings of numbers are converted, other
    strings rejected with the reason)."""
    if isinstance(y, str) and y == "no_validation":
        return validate_data(estimator, X, **check_params)
    y = _numeric_targets(estimator, y)
    X, y = validate_data(estimator, X, y, y_numeric=True, **check_params)
    y = np.asarray(y, dtype=np.float64)  # validate_data checked it is finite
    _check_magnitude(y, "y", TARGET_RANGE)
    return X, y


#: Magnitudes of y that float64 arithmetic on squared residuals can carry.
TARGET_RANGE = (1e-152, 1e152)
#: Magnitudes of the vectors of rank-one measurements: the loss is quartic in
#: them, so their range is narrower.
VECTOR_RANGE = (1e-70, 1e70)


def _numeric_targets(estimator, y):
    """``y`` as float64 when it holds text or objects (strings of numbers are
    read as numbers); a clear error when they are not numbers."""
    if not hasattr(y, "dtype"):
        y = np.asarray(y)  # lists and tuples
    dtype = y.dtype
    if getattr(dtype, "kind", "O") not in "OUS":
        return y
    try:
        return np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{type(estimator).__name__} is a regressor and needs numeric "
            f"targets y, got dtype {dtype} ({error}). Encode labels as "
            "numbers first."
        ) from error


def _check_magnitude(values, name, bounds):
    """Reject data whose largest magnitude is outside ``bounds`` (zeros pass)."""
    if values.size == 0:
        return
    largest = max(abs(float(np.max(values))), abs(float(np.min(values))))
    low, high = bounds
    if largest > high or 0 < largest < low:
        raise ValueError(
            f"{name} has values of magnitude up to {largest:.1e}, outside "
            f"[{low:.0e}, {high:.0e}]: the squared residuals skprune minimizes "
            "would overflow or underflow in float64. Divide it by a constant "
            "(for instance its largest magnitude) and scale the result back; "
            "the fit is equivariant to that."
        )
