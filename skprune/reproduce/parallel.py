"""Running configurations in parallel with joblib, one progress line each."""

import warnings
from time import perf_counter

from sklearn.utils.parallel import Parallel, delayed


def _run_one(index, function, configuration):
    """Run ``function(**configuration)``; return its index, result, the
    warnings it raised (fits on problems outside the theory's regime may
    warn: the progress line reports them rather than a worker's stderr) and
    its wall-clock seconds."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clock = perf_counter()
        result = function(**configuration)
        seconds = perf_counter() - clock
    messages = sorted({f"{w.category.__name__}: {str(w.message)[:60]}" for w in caught})
    return index, result, messages, seconds


def run_configurations(function, configurations, *, n_jobs, label, describe, log):
    """Run ``function(**configuration)`` for every configuration in parallel.

    One line goes to ``log`` as each configuration finishes (in the order
    they finish): ``[label done/total] description (seconds)``, with the
    first warning the configuration raised, if any.

    Parameters
    ----------
    function : callable
        A module-level function (picklable), returning plain data.
    configurations : list of dict
        Keyword arguments of each call.
    n_jobs : int
        The ``n_jobs`` of joblib: ``1`` runs in this process, ``-1`` on every core.
    label : str
        Prefix of the progress lines.
    describe : callable
        ``describe(configuration, result)`` gives the rest of a progress line.
    log : callable
        Receives one line per finished configuration (for instance ``print``).

    Returns
    -------
    results : list
        The results, in the order of ``configurations``.
    """
    results = [None] * len(configurations)
    calls = (
        delayed(_run_one)(index, function, configuration)
        for index, configuration in enumerate(configurations)
    )
    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    for done, (index, result, messages, seconds) in enumerate(parallel(calls), 1):
        results[index] = result
        warned = f" [{len(messages)} warning(s): {messages[0]}]" if messages else ""
        log(
            f"[{label} {done}/{len(configurations)}] "
            f"{describe(configurations[index], result)} ({seconds:.2f} s){warned}"
        )
    return results
