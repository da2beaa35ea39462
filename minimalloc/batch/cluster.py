"""Running a batch on :mod:`dask.distributed`: a local cluster of processes
(one per core, bound to 127.0.0.1) or the workers of a scheduler.

Every worker compiles or loads the numba kernels once, when it joins
(:class:`WarmupPlugin`), not once per task.  The rows are written by this
process alone, as each task finishes (see :mod:`minimalloc.batch.results`).
When a worker dies, Dask reruns its task on another worker; the client
writes the row of each task key once, whichever attempt finished.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from minimalloc.batch.results import COLUMNS, ResultsFile, cell, typed
from minimalloc.batch.tasks import ERROR, Task, error_text, make_tasks, run_task
from minimalloc.extras import missing
from minimalloc.formats.output import write_text
from minimalloc.jit import warmup
from minimalloc.model import Problem
from minimalloc.params import SolverParams
from minimalloc.tuning import CONNECT_TIMEOUT

try:
    from distributed import Client, LocalCluster, WorkerPlugin, as_completed
    from distributed.scheduler import KilledWorker
except ImportError as error:  # optional: the dask extra
    raise missing("dask", "running a batch") from error

__all__ = ["WarmupPlugin", "connect", "local_client", "run"]


class WarmupPlugin(WorkerPlugin):
    """Compiles (or loads from numba's on-disk cache) every kernel once when a
    worker starts or the plugin is registered, so no task pays for it.

    The compilation runs in a thread, so the worker keeps answering the
    scheduler meanwhile (a cold compilation takes a minute or more).
    """

    name = "minimalloc-warmup"

    async def setup(self, worker: Any) -> None:
        await asyncio.get_running_loop().run_in_executor(None, warmup, False)


def local_client(workers: int | None = None) -> Client:
    """A Dask client on a new local cluster of processes (one per core, one
    thread each: the search holds the interpreter lock), bound to 127.0.0.1
    and without a dashboard.  Closing the client closes the cluster."""
    count = workers or os.cpu_count() or 1
    # Ctrl-C at a terminal goes to every process of the foreground group: a
    # worker process still starting prints a long traceback, and a cluster
    # interrupted while it starts cannot be closed.  So SIGINT is ignored while
    # the workers are spawned: they inherit that (an ignored signal stays
    # ignored across exec; once running, a worker leaves Ctrl-C to this
    # process), and this process sees Ctrl-C again once the cluster is up.
    ignoring = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if ignoring else None
    try:
        # No dashboard; the scheduler's small HTTP server (health checks) on any
        # free port of 127.0.0.1, not 8787, which another cluster may hold.
        # Critical only: closing warns when a worker takes its time to exit, and
        # a worker whose scheduler has just closed logs its failed heartbeat as
        # an error with a traceback.  A task's own failure reaches its row, and
        # a dead worker the client, so nothing the user needs is lost.
        cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                               silence_logs=logging.CRITICAL)
        client = Client(cluster)
    finally:
        if ignoring:
            signal.signal(signal.SIGINT, previous)
    client._minimalloc_cluster = cluster  # closed together in _close
    return client


def connect(scheduler: str) -> Client:
    """A Dask client on the scheduler at ``scheduler`` (``tcp://host:8786``)."""
    return Client(scheduler, timeout=CONNECT_TIMEOUT)


def _close(client: Client) -> None:
    cluster = getattr(client, "_minimalloc_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def run(problems: Iterable[str | os.PathLike | Problem] | Mapping[str, Problem],
        mode: str = "solve", client: Client | None = None, *,
        capacity: int | None = None, timeout: float | None = 60.0,
        params: SolverParams | None = None, allocator: str | None = None,
        output: str | os.PathLike | None = None,
        solutions: str | os.PathLike | None = None, workers: int | None = None,
        progress: bool | None = None,
        on_row: Callable[[Mapping[str, object]], object] | None = None
        ) -> pd.DataFrame:
    """Solve many problems in parallel; one row per problem (per variant in
    ablation mode).

    Parameters
    ----------
    problems : iterable of path or Problem, or mapping of name to Problem
        Files, folders, globs (see :func:`expand_inputs`) or problems.
    mode : {"solve", "minimize", "ablation", "allocate"}
        ``solve``: the exact search at the capacity; ``minimize``: the lowest
        height (:func:`minimalloc.minimize`); ``ablation``: the search with
        each technique switched off in turn, one row per variant;
        ``allocate``: the best baseline allocator (or ``allocator``).
    client : distributed.Client, optional
        Where to run; default a local cluster of ``workers`` processes (one
        per core), closed at the end.  The processes are spawned, so a
        script must call this under ``if __name__ == "__main__":``.
    capacity : int, optional
        For every problem; else the file name's (``A.1048576.csv``), else
        none (then solve and ablation rows report an error).
    timeout : float or None
        Seconds per task (per variant in ablation mode).
    params : SolverParams, optional
        Switches and heuristics for the searches.
    output : path, optional
        The results CSV: rows already in it are not computed again, new
        rows are appended as they finish (see the module docstring).
    solutions : path, optional
        A folder to write each allocation to, as ``<input stem>.out.csv``
        (``<stem>.<variant>.out.csv`` in ablation mode).
    progress : bool, optional
        Show a progress bar on stderr (default: when it is a terminal).
    on_row : callable, optional
        Called with each new row as it is written.

    Returns
    -------
    pandas.DataFrame
        The rows of these problems (:data:`COLUMNS`), in input order,
        including those found in ``output``.

    Raises
    ------
    ProblemError
        For an unknown mode or a bad capacity, or an output that is not a
        results file.  Bad inputs do not raise: their rows say ``error``.
    """
    tasks = make_tasks(problems, mode, capacity=capacity, timeout=timeout,
                       params=params, allocator=allocator)
    folder = Path(solutions) if solutions is not None else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    results = ResultsFile(output) if output is not None else None
    try:
        done = results.done() if results is not None else set()
        pending = [task for task in tasks if task.row_key not in done]
        rows: dict[tuple[str, str, str], Mapping[str, object]] = {}
        if results is not None:
            rows.update({(r["input"], r["mode"], r["variant"]): r for r in results.rows})

        def finished(task: Task, row: dict[str, object], text: str | None) -> None:
            if folder is not None and text is not None:
                write_text(folder / f"{task.solution_name}.out.csv", text)
            if results is not None:
                results.append(row)
            rows[task.row_key] = row
            if on_row is not None:
                on_row(row)

        if pending:
            _run_pending(client, workers, pending, len(tasks), finished, progress)
    finally:
        if results is not None:
            results.close()
    ordered = [{column: cell(rows[t.row_key].get(column)) for column in COLUMNS}
               for t in tasks]
    return typed(pd.DataFrame(ordered, columns=list(COLUMNS), dtype=str))


_Finished = Callable[[Task, dict[str, object], str | None], None]


def _run_pending(client: Client | None, workers: int | None, tasks: list[Task],
                 total: int, finished: _Finished, progress: bool | None) -> None:
    """Run ``tasks`` on ``client`` (or a local cluster of ``workers`` made for
    them), with a progress bar on a terminal."""
    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=total, initial=total - len(tasks), unit="problem", disable=not show,
               file=sys.stderr, dynamic_ncols=True)
    own = client is None
    try:
        bar.set_postfix_str("starting the workers" if own else "connecting")
        if own:
            client = local_client(workers)
        bar.set_postfix_str("loading the kernels on the workers")
        client.register_plugin(WarmupPlugin(), name=WarmupPlugin.name)
        bar.set_postfix_str("")
        _run_on(client, tasks, finished, bar)
    finally:
        bar.close()
        if own and client is not None:
            _close(client)


def _run_on(client: Client, tasks: list[Task], finished: _Finished, bar: Any) -> None:
    """Submit ``tasks``, hand each result to ``finished`` once, in the order
    they finish; on any exception (Ctrl-C) cancel what is left."""
    run_id = secrets.token_hex(4)
    by_key = {task.dask_key(run_id): task for task in tasks}
    futures = [client.submit(run_task, task, key=key, pure=False, retries=0)
               for key, task in by_key.items()]
    written: set[str] = set()
    try:
        for future in as_completed(futures):
            task = by_key[future.key]
            if future.key in written:  # never two rows for one task
                continue
            row, text = _outcome(future, task)
            finished(task, row, text)
            written.add(future.key)
            name = f"{Path(task.input).name} {task.variant}".strip()
            bar.set_postfix_str(f"last: {name}: {row['status']}", refresh=False)
            bar.update(1)
    except BaseException:
        client.cancel(futures)
        raise


def _outcome(future: Any, task: Task) -> tuple[dict[str, object], str | None]:
    """The task's row, or an error row if it could not run at all (its
    workers kept dying, or its result could not be sent back)."""
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 - any failure of the task becomes its row
        if isinstance(error, KilledWorker):
            message = ("the worker running it died every time it was tried (out of "
                       "memory?)")
        else:
            message = error_text(error)
        row = {"input": task.input, "mode": task.mode, "variant": task.variant,
               "status": ERROR, "message": message}
        return row, None
