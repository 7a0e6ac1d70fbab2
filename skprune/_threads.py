"""How many BLAS threads a solve uses.

A solve is a long sequence of small dense products (``X @ U`` and its adjoint,
a ``d x d`` eigendecomposition), where a multithreaded BLAS spends more on
synchronising its threads than it gains, and far more when another process
holds a core (``benchmarks/bench_blas_threads.py`` measures both). So every
solve runs with one BLAS thread, as scikit-learn's ``KMeans`` limits BLAS
inside its iterations, unless the user chose a number: an environment variable
such as ``OMP_NUM_THREADS`` or ``OPENBLAS_NUM_THREADS`` is set (joblib's
worker processes set them too), or a ``threadpoolctl.threadpool_limits``
context changed the count from what it was when skprune was imported.
"""

import os
from contextlib import nullcontext

import scipy.linalg  # noqa: F401  (load every BLAS the solvers use before looking)
from threadpoolctl import ThreadpoolController

#: Environment variables through which users (and joblib) set thread counts.
USER_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)

_BLAS = ThreadpoolController().select(user_api="blas")
_THREADS_AT_IMPORT = [library.num_threads for library in _BLAS.lib_controllers]


def user_chose_threads() -> bool:
    """Whether the user set the number of BLAS threads (see the module)."""
    if any(os.environ.get(name) for name in USER_THREAD_VARIABLES):
        return True
    return [library.num_threads for library in _BLAS.lib_controllers] != (
        _THREADS_AT_IMPORT
    )


def solver_threads():
    """A context in which a solve runs: one BLAS thread unless the user chose."""
    return nullcontext() if user_chose_threads() else _BLAS.limit(limits=1)
