"""How many threads the heavy kernels may use at once.

The numba kernels (baselines, moves, searches) release the GIL, so threads
of one process run them on separate cores while sharing the problem's
arrays, with no copy and no pickling.  The baselines and the anytime
optimiser's runs are spread over :func:`thread_count` threads.

>>> 1 <= thread_count() <= MAX_THREADS
True
"""

from __future__ import annotations

import os

from minimalloc.tuning import MAX_THREADS

__all__ = ["MAX_THREADS", "THREADS_VARIABLE", "thread_count"]

#: An environment variable that sets the number of threads (a whole number,
#: at least 1), for a machine shared with other work.
THREADS_VARIABLE = "MINIMALLOC_THREADS"


def thread_count() -> int:
    """The value of :data:`THREADS_VARIABLE` if it is set, else the cores
    this process may run on (at most :data:`MAX_THREADS`).

    Raises ValueError, naming the variable, when it is set to anything but
    a whole number of at least 1.
    """
    wanted = os.environ.get(THREADS_VARIABLE, "").strip()
    if wanted:
        if not wanted.isdigit() or int(wanted) < 1:
            raise ValueError(f"{THREADS_VARIABLE}={wanted!r}: expected a whole "
                             "number of threads, at least 1")
        return int(wanted)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cores))
