"""The tasks of a batch: which files, what to do with each, and doing it.

A task is a pure function of its description (read the input, solve, return
the row), so running it again (after a worker died) is harmless.  A bad
input is reported in its row (status ``error`` and the message), never
raised.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from minimalloc.analysis.ablation import run_variant, variants
from minimalloc.analysis.minimize import minimize
from minimalloc.baselines.allocators import allocate, available_allocators
from minimalloc.batch.results import cell
from minimalloc.bounds import lower_bound, max_load
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import CsvLayout, dumps_csv
from minimalloc.formats.detect import read_any
from minimalloc.formats.registry import reader_suffixes
from minimalloc.model import Problem, Solution
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import Solver
from minimalloc.validate import validate

__all__ = ["ERROR", "MODES", "OVER_CAPACITY", "SUFFIXES", "Task", "capacity_from_name",
           "error_text", "expand_inputs", "make_tasks", "run_task"]

#: What a task can do with its problem.
MODES = ("solve", "minimize", "ablation", "allocate")

#: The status of a row whose task could not run (bad input, worker lost).
ERROR = "error"
#: The status of a row whose allocation is higher than the capacity.
OVER_CAPACITY = "over capacity"

#: File suffixes an input folder is searched for: problem CSVs, then every
#: format reader's (ONNX models, PyTorch snapshots).
SUFFIXES = reader_suffixes()

#: A benchmark file name that carries its capacity: ``A.1048576.csv``.
_CAPACITY_IN_NAME = re.compile(r"\.([0-9]+)\.[A-Za-z]+$")
#: The longest error message a row keeps.
_LONGEST_MESSAGE = 2000


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
        """What identifies the row in the results file (as written there: a
        line break in a name is a space)."""
        return (cell(self.input), self.mode, self.variant)

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
    _check_distinct([name for name, _ in named])
    names = _solution_names([name for name, _ in named])
    kinds = variants() if mode == "ablation" else ("",)
    return [Task(name, mode, variant, source, capacity, timeout, params, allocator,
                 names[name] + (f".{variant.replace(' ', '_')}" if variant else ""))
            for name, source in named for variant in kinds]


def _check_distinct(inputs: Sequence[str]) -> None:
    """Two inputs whose names are written alike would share a row."""
    seen: dict[str, str] = {}
    for name in inputs:
        other = seen.setdefault(cell(name), name)
        if other != name:
            raise ProblemError(f"the inputs {other!r} and {name!r} differ only in line "
                               "breaks, which the results file writes as spaces: rename "
                               "one")


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
        row["LOAD"] = max_load(problem)
        solution = _RUNNERS[task.mode](task, problem, row)
    except (ProblemError, OSError, ValueError) as error:
        row.update(status=ERROR, message=error_text(error))
        return row, None
    text = None
    if solution is not None:
        text = dumps_csv(problem, solution, layout)
    return row, text


def _load(task: Task) -> tuple[Problem, CsvLayout | None]:
    if isinstance(task.source, Problem):
        problem = task.source
        if task.capacity is not None:
            problem = problem.with_capacity(task.capacity)
        return problem, None
    capacity = task.capacity if task.capacity is not None else capacity_from_name(
        task.source)
    reading = read_any(task.source, capacity=capacity)
    return reading.problem, reading.layout


def error_text(error: BaseException) -> str:
    """``error`` as a row's message: one line (the results file has one row
    per line), not too long."""
    if isinstance(error, OSError) and error.filename is not None:
        text = f"cannot open '{error.filename}': {error.strerror or error}"
    elif isinstance(error, (ProblemError, OSError)):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= _LONGEST_MESSAGE else text[:_LONGEST_MESSAGE - 3] + "..."


def _worker_name() -> str:
    try:  # here, not at the top: a task also runs without Dask (run_task)
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
    result = minimize(problem, task.timeout, task.params)
    row.update(nodes=result.stats.nodes, backtracks=result.stats.backtracks,
               seconds=round(result.seconds, 6),
               method="search" if result.method == "exact" else result.method)
    _judge(row, problem, result.height, result.lower_bound, result.proven_optimal)
    return result.solution


def _ablation(task: Task, problem: Problem, row: dict[str, object]) -> Solution | None:
    _need_capacity(problem, "the ablation study")
    result = run_variant(problem, task.variant, task.timeout, task.params)
    row.update(nodes=result.nodes, backtracks=result.backtracks,
               seconds=round(result.seconds, 6), method="search")
    _search_outcome(row, problem, result.status, result.solution, lower_bound(problem))
    return result.solution


def _allocate(task: Task, problem: Problem, row: dict[str, object]) -> Solution:
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
