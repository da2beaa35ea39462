"""Many problems at once: a local pool of processes, or a Dask cluster.

::

    minimalloc batch INPUTS... --output=results.csv
                     [--mode=solve|minimize|ablation|allocate] [--capacity=N]
                     [--timeout=60s] [--workers=N] [--scheduler=tcp://host:8786]
                     [--solutions=DIR]

Each input (a file, a folder of them, or a glob) becomes one task; in
ablation mode one task per variant.  The tasks run on a
:mod:`dask.distributed` cluster: without ``--scheduler`` a local one of
processes, one per core (or ``--workers``), bound to 127.0.0.1; with it, the
workers of that scheduler (they need minimalloc installed and the inputs
readable at the same paths).  Every worker compiles or loads the numba
kernels once, when it joins (:class:`WarmupPlugin`), not once per task.

**The results file.**  One CSV row per task (:data:`COLUMNS`), appended by
this process alone as each task finishes: one ``write`` of the whole line,
then ``fsync``.  A crash or Ctrl-C therefore loses nothing finished, and at
worst leaves a last line without its newline, which the next run drops.
Rerunning with the same ``--output`` skips the rows already there (rows are
keyed by input, mode and variant) and computes the rest.

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

from __future__ import annotations

import argparse
import asyncio
import csv
import fcntl
import glob
import hashlib
import io
import logging
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from distributed import WorkerPlugin

from minimalloc.errors import ProblemError
from minimalloc.formats import read_problem as read_any
from minimalloc.formats import readers
from minimalloc.formats.csv import dumps_csv, read_csv_with_layout
from minimalloc.formats.output import write_text
from minimalloc.model import Problem, Solution
from minimalloc.params import SolverParams, Status

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["COLUMNS", "MODES", "Task", "WarmupPlugin", "expand_inputs", "main",
           "make_tasks", "read_problem", "read_results", "run", "run_task"]

#: What a task can do with its problem.
MODES = ("solve", "minimize", "ablation", "allocate")

#: The columns of the results table, in file order.
COLUMNS = ("input", "mode", "variant", "buffers", "LOAD", "capacity", "status",
           "height", "proven", "gap", "method", "nodes", "backtracks", "seconds",
           "worker", "message")

#: The status of a row whose task could not run (bad input, worker lost).
ERROR = "error"
#: The status of a row whose allocation is higher than the capacity.
OVER_CAPACITY = "over capacity"

#: File suffixes an input folder is searched for: problem CSVs, then every
#: format reader's (ONNX models, PyTorch snapshots).
SUFFIXES = (".csv", *(suffix for module in readers().values()
                      for suffix in module.SUFFIXES))

#: A benchmark file name that carries its capacity: ``A.1048576.csv``.
_CAPACITY_IN_NAME = re.compile(r"\.([0-9]+)\.[A-Za-z]+$")


# ----------------------------------------------------------------------------
# Inputs


def read_problem(path: str | os.PathLike, capacity: int | None = None
                 ) -> tuple[Problem, Any]:
    """The problem in the file ``path``, read by the reader for its suffix.

    The one place the batch reads an input, so a new format needs only a
    new entry here.  Returns the problem (at ``capacity``) and the layout to
    write its solution with (None: the default layout).

    Raises
    ------
    ProblemError
        For an unknown suffix, or a file that is not a valid problem.
    OSError
        For a file that cannot be read.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return read_csv_with_layout(path, capacity)
    if suffix in SUFFIXES:
        problem, _ = read_any(path, capacity=capacity)
        return problem, None
    raise ProblemError(f"cannot read '{os.fspath(path)}': expected one of "
                       f"{', '.join(SUFFIXES)} files", file=os.fspath(path))


def capacity_from_name(path: str) -> int | None:
    """The capacity a benchmark file's name carries (``A.1048576.csv``), if any.

    >>> capacity_from_name("challenging/A.1048576.csv"), capacity_from_name("x.csv")
    (1048576, None)
    """
    match = _CAPACITY_IN_NAME.search(os.path.basename(path))
    return int(match.group(1)) if match else None


def expand_inputs(patterns: Iterable[str | os.PathLike]) -> list[str]:
    """Absolute paths of the files named by ``patterns``, in order, each once.

    A pattern is a file, a folder (its files with a known suffix, sorted; not
    its subfolders) or a glob (``**`` included).  A pattern that names
    nothing is kept as given, so its task reports the error in its row
    instead of the batch failing.
    """
    paths: list[str] = []
    for pattern in patterns:
        text = os.fspath(pattern)
        if os.path.isdir(text):
            found = sorted(str(p) for p in Path(text).iterdir()
                           if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif glob.has_magic(text):
            found = sorted(p for p in glob.glob(text, recursive=True) if os.path.isfile(p))
        else:
            found = [text]
        paths.extend(found or [text])
    unique = dict.fromkeys(os.path.abspath(p) for p in paths)
    return list(unique)


# ----------------------------------------------------------------------------
# Tasks


@dataclass(frozen=True)
class Task:
    """One row of the batch: what to run, enough to run it anywhere.

    ``source`` is a file path or an in-memory :class:`Problem`; ``input`` is
    the name of the row (the path, or the name given to the problem).
    """

    input: str
    mode: str
    variant: str
    source: str | Problem
    capacity: int | None
    timeout: float | None
    params: SolverParams
    allocator: str | None = None
    solution_name: str = ""

    @property
    def row_key(self) -> tuple[str, str, str]:
        """What identifies the row in the results file."""
        return (self.input, self.mode, self.variant)

    def dask_key(self, run_id: str) -> str:
        """The task's Dask key within the run ``run_id``: one name per task, so
        the client can tell which row a result belongs to, and never the name
        of a task of another run (or client) on the same cluster."""
        text = "\0".join((*self.row_key, str(self.capacity), str(self.timeout)))
        return f"minimalloc-batch-{run_id}-{hashlib.sha1(text.encode()).hexdigest()[:16]}"


def make_tasks(problems: Iterable[str | os.PathLike | Problem] | Mapping[str, Problem],
               mode: str = "solve", *, capacity: int | None = None,
               timeout: float | None = 60.0, params: SolverParams | None = None,
               allocator: str | None = None) -> list[Task]:
    """The tasks of a batch: one per problem, or per problem and variant in
    ablation mode.  Paths are expanded with :func:`expand_inputs`."""
    if mode not in MODES:
        raise ProblemError(f"unknown mode '{mode}': use one of {', '.join(MODES)}")
    if capacity is not None:
        Problem((), capacity)  # checks the value
    params = params if params is not None else SolverParams()
    named: list[tuple[str, str | Problem]] = []
    if isinstance(problems, Mapping):
        named = [(str(name), problem) for name, problem in problems.items()]
    else:
        pending_paths: list[str | os.PathLike] = []
        for item in problems:
            if isinstance(item, Problem):
                named.extend((p, p) for p in expand_inputs(pending_paths))
                pending_paths = []
                named.append((f"problem {len(named)}", item))
            else:
                pending_paths.append(item)
        named.extend((p, p) for p in expand_inputs(pending_paths))
    names = _solution_names([name for name, _ in named])
    if mode == "ablation":
        from minimalloc.analysis.ablation import variants

        kinds = variants()
    else:
        kinds = ("",)
    return [Task(name, mode, variant, source, capacity, timeout, params, allocator,
                 names[name] + (f".{variant.replace(' ', '_')}" if variant else ""))
            for name, source in named for variant in kinds]


def _solution_names(inputs: Sequence[str]) -> dict[str, str]:
    """A file name stem per input, unique within the batch and the same on
    every run: the file's stem, plus a digest of the whole name when two
    inputs share a stem."""
    stems = {name: Path(name).stem or "problem" for name in inputs}
    stems = {name: re.sub(r"[^A-Za-z0-9._-]+", "_", stem) for name, stem in stems.items()}
    counts: dict[str, int] = {}
    for stem in stems.values():
        counts[stem] = counts.get(stem, 0) + 1
    return {name: stem if counts[stem] == 1
            else f"{stem}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
            for name, stem in stems.items()}


def run_task(task: Task) -> tuple[dict[str, object], str | None]:
    """Run one task; returns its row and the solution as CSV text (or None).

    Never raises for a bad input: the row says ``error`` and why.  Runs the
    same way every time, so rerunning it (after a worker died) is harmless.
    """
    row: dict[str, object] = {"input": task.input, "mode": task.mode,
                              "variant": task.variant, "worker": _worker_name()}
    try:
        problem, layout = _load(task)
        row.update(buffers=len(problem.buffers), capacity=problem.capacity)
        from minimalloc.bounds import max_load

        row["LOAD"] = max_load(problem)
        solution = _RUNNERS[task.mode](task, problem, row)
    except (ProblemError, OSError, ValueError) as error:
        row.update(status=ERROR, message=_error_text(error))
        return row, None
    text = None
    if solution is not None:
        text = dumps_csv(problem, solution, layout)
    return row, text


def _load(task: Task) -> tuple[Problem, Any]:
    if isinstance(task.source, Problem):
        problem = task.source
        if task.capacity is not None:
            problem = problem.with_capacity(task.capacity)
        return problem, None
    capacity = task.capacity if task.capacity is not None else capacity_from_name(
        task.source)
    return read_problem(task.source, capacity)


def _error_text(error: BaseException) -> str:
    if isinstance(error, OSError) and error.filename is not None:
        text = f"cannot open '{error.filename}': {error.strerror or error}"
    elif isinstance(error, (ProblemError, OSError)):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
    return " ".join(text.split())  # one line: the results file has one row per line


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "local"


def _need_capacity(problem: Problem, mode: str) -> int:
    if problem.capacity is None:
        raise ProblemError(f"{mode} needs a capacity: give --capacity=N (or a file "
                           "named like A.1048576.csv)")
    return problem.capacity


def _judge(row: dict[str, object], problem: Problem, height: int, bound: int,
           proven: bool) -> None:
    """Fill status, height, gap and proven for an allocation of ``height``."""
    fits = problem.capacity is None or height <= problem.capacity
    row.update(status=Status.OK.value if fits else OVER_CAPACITY, height=height,
               gap=height - bound, proven=proven or height == bound)


def _solve(task: Task, problem: Problem, row: dict[str, object]) -> Solution | None:
    from minimalloc.bounds import lower_bound
    from minimalloc.search.solver import Solver

    _need_capacity(problem, "solve")
    result = Solver(replace(task.params, timeout=task.timeout)).solve(problem)
    row.update(nodes=result.stats.nodes, backtracks=result.stats.backtracks,
               seconds=round(result.stats.seconds, 6), method="search")
    _search_outcome(row, problem, result.status, result.solution, lower_bound(problem))
    return result.solution


def _search_outcome(row: dict[str, object], problem: Problem, status: Status,
                    solution: Solution | None, bound: int) -> None:
    if solution is not None:
        _judge(row, problem, solution.height, bound, False)
    else:  # "infeasible" is a proof; a timeout proves nothing
        row.update(status=status.value, proven=status is Status.INFEASIBLE)


def _minimize(task: Task, problem: Problem, row: dict[str, object]) -> Solution:
    from minimalloc.analysis.minimize import minimize

    result = minimize(problem, task.timeout, task.params)
    row.update(nodes=result.stats.nodes, backtracks=result.stats.backtracks,
               seconds=round(result.seconds, 6),
               method="search" if result.method == "exact" else result.method)
    _judge(row, problem, result.height, result.lower_bound, result.proven_optimal)
    return result.solution


def _ablation(task: Task, problem: Problem, row: dict[str, object]) -> Solution | None:
    from minimalloc.analysis.ablation import run_variant
    from minimalloc.bounds import lower_bound

    _need_capacity(problem, "the ablation study")
    result = run_variant(problem, task.variant, task.timeout, task.params)
    row.update(nodes=result.nodes, backtracks=result.backtracks,
               seconds=round(result.seconds, 6), method="search")
    _search_outcome(row, problem, result.status, result.solution, lower_bound(problem))
    return result.solution


def _allocate(task: Task, problem: Problem, row: dict[str, object]) -> Solution:
    from minimalloc.baselines.allocators import allocate, available_allocators
    from minimalloc.bounds import lower_bound
    from minimalloc.validate import validate

    started = time.perf_counter()
    names = [task.allocator] if task.allocator else list(available_allocators())
    unlimited = problem.with_capacity(None)
    best: tuple[str, Solution] | None = None
    for name in names:  # the lowest valid one; ties to the one registered first
        solution = allocate(problem, name)
        if best is not None and solution.height >= best[1].height:
            continue
        if validate(unlimited, solution).ok:
            best = (name, solution)
    if best is None:
        raise ProblemError("no baseline gives a valid allocation (fixed offsets "
                           "collide)")
    row.update(seconds=round(time.perf_counter() - started, 6), method=best[0])
    _judge(row, problem, best[1].height, lower_bound(problem), False)
    return best[1]


_RUNNERS: dict[str, Callable[[Task, Problem, dict[str, object]], Solution | None]] = {
    "solve": _solve, "minimize": _minimize, "ablation": _ablation, "allocate": _allocate,
}


# ----------------------------------------------------------------------------
# The results file


class ResultsFile:
    """The append-only results CSV: rows already there, and a writer that
    makes each new row durable before returning.

    Opening it takes an exclusive lock (two batches never interleave their
    rows) and drops a last line left without its newline by a crash.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise ProblemError("another batch is writing to this file",
                               file=str(self.path)) from None
        try:
            self.rows = self._read_existing()
        except BaseException:
            self.close()
            raise

    def _read_existing(self) -> list[dict[str, str]]:
        data = self.path.read_bytes()
        complete = data[:data.rfind(b"\n") + 1]
        if len(complete) < len(data):  # a row cut short by a crash: redo it
            os.ftruncate(self._fd, len(complete))
        if not complete:
            self._write_line(COLUMNS)
            return []
        reader = csv.reader(io.StringIO(complete.decode("utf-8"), newline=""))
        header = next(reader)
        if tuple(header) != COLUMNS:
            raise ProblemError(
                f"not a results file of this version: expected the columns "
                f"{','.join(COLUMNS)}; write to a new --output", file=str(self.path),
                line=1)
        return [dict(zip(COLUMNS, cells)) for cells in reader if len(cells) == len(COLUMNS)]

    def done(self) -> set[tuple[str, str, str]]:
        """The row keys already written."""
        return {(row["input"], row["mode"], row["variant"]) for row in self.rows}

    def append(self, row: Mapping[str, object]) -> None:
        """Write one row with a single write, and wait until it is on disk."""
        self._write_line([_cell(row.get(column)) for column in COLUMNS])
        self.rows.append({column: _cell(row.get(column)) for column in COLUMNS})

    def _write_line(self, cells: Sequence[str]) -> None:
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\n").writerow(cells)
        data = buffer.getvalue().encode("utf-8")
        written = os.write(self._fd, data)
        if written != len(data):  # a full disk; the next run drops the part
            raise OSError(f"only {written} of {len(data)} bytes written",
                          str(self.path))
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # also releases the lock
            self._fd = -1

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return " ".join(str(value).split("\n"))


def read_results(source: str | os.PathLike | io.IOBase) -> pd.DataFrame:
    """A results file as a table with typed columns (missing numbers are
    ``<NA>``); a partial last line is ignored.

    Raises
    ------
    ProblemError
        If it lacks a column of :data:`COLUMNS`.
    """
    if isinstance(source, (str, os.PathLike)):
        data = Path(source).read_bytes()
        name = os.fspath(source)
    else:
        data = source.read()
        name = getattr(source, "name", "<results>")
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = data[:data.rfind(b"\n") + 1] if b"\n" in data else data
    try:
        table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ProblemError(f"not a results table: {error}", file=name) from None
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        raise ProblemError(f"not a results table: no column {', '.join(missing)}",
                           file=name, line=1)
    return _typed(table[list(COLUMNS)])


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    for column in ("buffers", "LOAD", "capacity", "height", "gap", "nodes", "backtracks",
                   "seconds"):
        cells = table[column]
        numbers = pd.to_numeric(cells.mask(cells == ""))
        table[column] = numbers.astype("Float64" if column == "seconds" else "Int64")
    table["proven"] = table["proven"].map({"true": True, "false": False}).astype("boolean")
    return table


# ----------------------------------------------------------------------------
# Running on Dask


class WarmupPlugin(WorkerPlugin):
    """Compiles (or loads from numba's on-disk cache) every kernel once when a
    worker starts or the plugin is registered, so no task pays for it.

    The compilation runs in a thread, so the worker keeps answering the
    scheduler meanwhile (a cold compilation takes a minute or more).
    """

    name = "minimalloc-warmup"

    async def setup(self, worker: Any) -> None:
        from minimalloc.search.solver import warmup

        await asyncio.get_running_loop().run_in_executor(None, warmup, False)


def local_client(workers: int | None = None) -> Client:
    """A Dask client on a new local cluster of processes (one per core, one
    thread each: the search holds the interpreter lock), bound to 127.0.0.1
    and without a dashboard.  Closing the client closes the cluster."""
    from distributed import Client, LocalCluster

    count = workers or os.cpu_count() or 1
    # No dashboard; the scheduler's small HTTP server (health checks) on any free
    # port of 127.0.0.1, not 8787, which another cluster may hold.  Errors only:
    # closing the cluster warns when a worker takes its time to exit.
    cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None,
                           scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                           silence_logs=logging.ERROR)
    client = Client(cluster)
    client._minimalloc_cluster = cluster  # closed together in _close
    return client


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
    ordered = [{column: _cell(rows[t.row_key].get(column)) for column in COLUMNS}
               for t in tasks]
    return _typed(pd.DataFrame(ordered, columns=list(COLUMNS), dtype=str))


_Finished = Callable[[Task, dict[str, object], str | None], None]


def _run_pending(client: Client | None, workers: int | None, tasks: list[Task],
                 total: int, finished: _Finished, progress: bool | None) -> None:
    """Run ``tasks`` on ``client`` (or a local cluster of ``workers`` made for
    them), with a progress bar on a terminal."""
    from tqdm import tqdm

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
    from distributed import as_completed

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
        from distributed.scheduler import KilledWorker

        if isinstance(error, KilledWorker):
            message = ("the worker running it died every time it was tried (out of "
                       "memory?)")
        else:
            message = _error_text(error)
        row = {"input": task.input, "mode": task.mode, "variant": task.variant,
               "status": ERROR, "message": message}
        return row, None


# ----------------------------------------------------------------------------
# Command line


def _parser() -> argparse.ArgumentParser:
    from minimalloc.cli import parse_duration

    def duration(text: str) -> float | None:
        try:
            return parse_duration(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    def positive(text: str) -> int:
        if not text.isdigit() or int(text) < 1:
            raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
        return int(text)

    parser = argparse.ArgumentParser(
        prog="minimalloc batch",
        description="Solve many problems in parallel, on local processes or a Dask "
                    "cluster, one CSV row per problem (per variant in ablation mode). "
                    "Rerunning with the same --output skips the rows already there.")
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="problem files, folders of them, or globs")
    parser.add_argument("--output", required=True, metavar="FILE",
                        help="the results CSV (appended to; finished rows are skipped)")
    parser.add_argument("--mode", choices=MODES, default="solve",
                        help="what to do with each problem (default: solve)")
    parser.add_argument("--capacity", type=positive, metavar="N",
                        help="the capacity of every problem (default: the number in "
                             "a file name like A.1048576.csv)")
    parser.add_argument("--timeout", type=duration, default=60.0, metavar="DURATION",
                        help="time limit per problem (per variant), e.g. 60s, 500ms, "
                             "inf (default 60s)")
    parser.add_argument("--allocator", metavar="NAME",
                        help="allocate mode: this baseline instead of the best of all")
    parser.add_argument("--workers", type=positive, metavar="N",
                        help="local worker processes (default: one per core)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on this Dask scheduler's workers, e.g. "
                             "tcp://host:8786, instead of local processes")
    parser.add_argument("--solutions", metavar="DIR",
                        help="write each allocation to DIR/<input>.out.csv")
    return parser


def main(argv: Sequence[str]) -> int:
    """``minimalloc batch``: returns 0 when every row is written and none is
    an error, 1 when some are errors, 2 for bad usage, 130 when interrupted
    (the rows written so far are kept; rerun to finish)."""
    args = _parser().parse_args(list(argv))
    if args.scheduler and args.workers:
        print("minimalloc batch: error: --workers is for local runs; the scheduler's "
              "workers are used as they are", file=sys.stderr)
        return 2
    output = Path(args.output)
    if not output.parent.is_dir():
        print(f"minimalloc batch: error: --output: the folder '{output.parent}' does "
              "not exist", file=sys.stderr)
        return 2
    if args.allocator:
        from minimalloc.baselines.allocators import available_allocators

        if args.allocator not in available_allocators():
            print(f"minimalloc batch: error: --allocator: unknown '{args.allocator}'; "
                  f"use one of {', '.join(available_allocators())}", file=sys.stderr)
            return 2
    client = None
    started = time.perf_counter()
    try:
        if args.scheduler:
            from distributed import Client

            client = Client(args.scheduler, timeout="30s")
        table = run(args.inputs, args.mode, client, capacity=args.capacity,
                    timeout=args.timeout, allocator=args.allocator, output=output,
                    solutions=args.solutions, workers=args.workers)
    except ProblemError as error:
        print(f"minimalloc batch: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"minimalloc batch: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"minimalloc batch: interrupted; the finished rows are in {output}: rerun "
              "the same command to do the rest", file=sys.stderr)
        return 130
    finally:
        if client is not None:
            client.close()
    counts = table["status"].value_counts()
    summary = ", ".join(f"{count} {status}" for status, count in counts.items())
    seconds = time.perf_counter() - started
    print(f"{len(table)} rows in {output} ({summary}); {seconds:.1f} s")
    return 1 if (table["status"] == ERROR).any() else 0
