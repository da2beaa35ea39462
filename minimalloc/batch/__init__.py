"""Many problems at once: a local pool of processes, or a Dask cluster.

::

    minimalloc batch INPUTS... --output=results.csv
                     [--mode=solve|minimize|ablation|allocate] [--capacity=N]
                     [--timeout=60s] [--workers=N] [--scheduler=tcp://host:8786]
                     [--solutions=DIR]

Each input (a file, a folder of them, or a glob) becomes one task
(:mod:`~minimalloc.batch.tasks`); in ablation mode one task per variant.
The tasks run on a :mod:`dask.distributed` cluster
(:mod:`~minimalloc.batch.cluster`): without ``--scheduler`` a local one of
processes, one per core (or ``--workers``), bound to 127.0.0.1; with it, the
workers of that scheduler (they need minimalloc installed and the inputs
readable at the same paths).

**The results file** (:mod:`~minimalloc.batch.results`).  One CSV row per
task (:data:`COLUMNS`), appended by this process alone as each task
finishes: one ``write`` of the whole line, then ``fsync``.  A crash or
Ctrl-C therefore loses nothing finished, and at worst leaves a last line
without its newline, which the next run drops.  Rerunning with the same
``--output`` skips the rows already there (rows are keyed by input, mode and
variant) and computes the rest.

**Faults.**  A task is a pure function of its description (read the input,
solve, return the row), so when a worker dies, Dask reruns its task on
another worker (up to ``distributed.scheduler.allowed-failures`` times);
the client writes the row of each task key once, whichever attempt
finished.  A bad input is reported in its row (status ``error`` and the
message), and the batch goes on.

>>> from minimalloc.model import Buffer, Problem
>>> problem = Problem([Buffer("x", 0, 4, 8), Buffer("y", 2, 6, 8)], capacity=16)
>>> table = run({"two buffers": problem}, workers=1)  # doctest: +SKIP
>>> table[["input", "status", "height", "proven"]].to_dict("records")  # doctest: +SKIP
[{'input': 'two buffers', 'status': 'ok', 'height': 16, 'proven': True}]
"""

from minimalloc.batch.cluster import WarmupPlugin, local_client, run
from minimalloc.batch.results import COLUMNS, ResultsFile, read_results
from minimalloc.batch.tasks import (
    ERROR,
    MODES,
    OVER_CAPACITY,
    SUFFIXES,
    Task,
    capacity_from_name,
    expand_inputs,
    make_tasks,
    run_task,
)

__all__ = ["COLUMNS", "ERROR", "MODES", "OVER_CAPACITY", "SUFFIXES", "ResultsFile", "Task",
           "WarmupPlugin", "capacity_from_name", "expand_inputs", "local_client",
           "make_tasks", "read_results", "run", "run_task"]
