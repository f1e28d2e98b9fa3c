"""The BLAS thread pool every command runs with: OMNIREC_BLAS_THREADS (default 1), set before numpy loads.

On the 2-core box the default pool (one thread per core) doubles training time and slows scoring, because
BLAS threads fight the work's own threads and processes (benchmarks/RESULTS.md). This module imports
nothing heavy, so the entry point can call it before numpy is imported.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

BLAS_THREADS_ENV = "OMNIREC_BLAS_THREADS"
BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
DEFAULT_BLAS_THREADS = 1


def blas_threads(environ: MutableMapping[str, str]) -> int:
    """The knob's value; ValueError with a one-line reason when it is not a positive integer."""
    raw = environ.get(BLAS_THREADS_ENV, "").strip()
    if not raw:
        return DEFAULT_BLAS_THREADS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{BLAS_THREADS_ENV}={raw!r}: expected a positive whole number of threads, like 1 or 2")
    return int(raw)


def pin_blas_threads(environ: MutableMapping[str, str] | None = None) -> int:
    """Default OPENBLAS/OMP/MKL_NUM_THREADS to the knob (a variable already set wins); returns the knob.

    When numpy is already loaded (tests driving the CLI in-process) the variables come too late, so the live
    pool is limited with threadpoolctl as well.
    """
    environ = os.environ if environ is None else environ
    threads = blas_threads(environ)
    for name in BLAS_THREAD_VARS:
        environ.setdefault(name, str(threads))
    if "numpy" in sys.modules and environ is os.environ:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # the service install has no threadpoolctl; its workers set the variables first
            return threads
        threadpool_limits(limits=int(environ["OPENBLAS_NUM_THREADS"]), user_api="blas")
    return threads
