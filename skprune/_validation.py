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
    validated = validate_X_y(
        estimator, X, y, accept_sparse="csr", allow_nd=True, reset=reset
    )
    X = validated[0] if isinstance(validated, tuple) else validated
    _check_sensing_shape(X)
    if sp.issparse(X) or X.ndim == 2:
        _check_magnitude(X.data if sp.issparse(X) else X, "X", X.dtype)
    return validated


def validate_X_y(estimator, X, y="no_validation", **check_params):
    """``validate_data`` of ``X`` alone when ``y`` is ``"no_validation"``,
    else of ``X`` and a float64 ``y`` (strings of numbers are converted, other
    strings rejected with the reason).

    ``X`` comes out float32 when it is float32 (the fit then computes in
    float32), else float64; ``y`` must have magnitudes that the arithmetic in
    ``X``'s dtype can carry (:data:`MAGNITUDES`).
    """
    check_params = {"dtype": [np.float64, np.float32], **check_params}
    if isinstance(y, str) and y == "no_validation":
        return validate_data(estimator, X, **check_params)
    y = _numeric_targets(estimator, y)
    X, y = validate_data(estimator, X, y, y_numeric=True, **check_params)
    y = np.asarray(y, dtype=np.float64)  # validate_data checked it is finite
    _check_magnitude(y, "y", X.dtype)
    return X, y


#: For the arithmetic in each dtype, the magnitudes of ``y`` and of the
#: vectors of rank-one measurements it can carry. float64: ``y`` squared must
#: fit, and the loss is quartic in the vectors, so their range is narrower.
#: float32 (largest number 3e38): the products of the gradient and of the
#: residual correlation reach ``n |y|^1.5 |x|`` and ``n |y| |x|^2``.
MAGNITUDES = {
    np.dtype(np.float64): {"y": (1e-152, 1e152), "X": (1e-70, 1e70)},
    np.dtype(np.float32): {"y": (1e-12, 1e12), "X": (1e-8, 1e8)},
}


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


def _check_magnitude(values, name, dtype):
    """Reject data whose largest magnitude is outside the range
    :data:`MAGNITUDES` gives ``name`` for arithmetic in ``dtype`` (zeros pass)."""
    if values.size == 0:
        return
    largest = max(abs(float(np.max(values))), abs(float(np.min(values))))
    low, high = MAGNITUDES[np.dtype(dtype)][name]
    if largest > high or 0 < largest < low:
        advice = " or pass X as float64" if dtype == np.float32 else ""
        raise ValueError(
            f"{name} has values of magnitude up to {largest:.1e}, outside "
            f"[{low:.0e}, {high:.0e}]: the squared residuals skprune minimizes "
            f"would overflow or underflow in {np.dtype(dtype).name}. Divide it "
            f"by a constant (for instance its largest magnitude){advice} and "
            "scale the result back; the fit is equivariant to that."
        )
