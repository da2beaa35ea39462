"""The replay section of the benchmark: how long a fresh replay of a traced
search takes to open a step.

Two traces: the built-in 6,000-buffer sample (``large``, solved at its
capacity), and a small problem whose search, with section inference
switched off, backtracks for a long time: its first ``events`` events are
recorded (a million in ``make bench``).  For the first step, the first
backtrack, the middle and the end of each, a *fresh*
:class:`~minimalloc.search.trace.TraceReplay` (nothing computed before)
opens the step; the table gives the seconds taken (wall clock and CPU) and
the depth of the search path at that step (what a jump rebuilds).  The
targets: 1 s on the sample, 2 s on the long trace.  (The compiled code is
loaded before, by :func:`minimalloc.jit.warmup`, as the app does.)  A last line replays
every event of the sample, the replay's full check on the kernel.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import numpy as np

from minimalloc.generate.samples import load_sample
from minimalloc.model import Buffer, Problem
from minimalloc.params import SolverParams
from minimalloc.search import kernel
from minimalloc.search.solver import SolveResult, solve
from minimalloc.search.trace import TraceReplay
from minimalloc.tables import format_table

__all__ = ["ReplayRow", "landmarks", "long_trace", "measure_replay", "report_replay"]

#: Targets: seconds to open any step of the sample, of the long trace.
SAMPLE_TARGET = 1.0
LONG_TARGET = 2.0
#: Buffers of the long trace's problem: enough for a search of millions of
#: events, few enough that a node costs little.
LONG_BUFFERS = 24


@dataclass(frozen=True)
class ReplayRow:
    """One fresh replay opening one step."""

    trace: str
    events: int
    label: str  # which step: first, first backtrack, middle, end
    step: int
    depth: int
    seconds: float  # wall clock, setup included
    cpu_seconds: float  # CPU time of this process, setup included
    setup_seconds: float  # building the TraceReplay (sweep, machine)
    agrees: bool  # no mismatch reported on the way


def landmarks(result: SolveResult) -> dict[str, int]:
    """The steps a student jumps to: the first, the first backtrack (if
    any), the middle and the end of the trace."""
    trace = result.trace if result.trace is not None else np.zeros((0, 4), np.int64)
    n = len(trace)
    steps = {"first": min(1, n)}
    backtracks = np.flatnonzero(trace[:, 0] == kernel.EV_BACKTRACK)
    if len(backtracks):
        steps["first backtrack"] = int(backtracks[0]) + 1
    steps["middle"] = n // 2
    steps["end"] = n
    return steps


def measure_replay(name: str, problem: Problem, result: SolveResult,
                   params: SolverParams, steps: dict[str, int]) -> list[ReplayRow]:
    """Open each step with a fresh replay; one row each."""
    rows = []
    for label, step in steps.items():
        started, cpu = time.perf_counter(), time.process_time()
        run = TraceReplay(problem, result, params)
        built = time.perf_counter()
        snap = run.snapshot(step)
        done = time.perf_counter()
        rows.append(ReplayRow(name, len(run), label, step, snap.depth, done - started,
                              time.process_time() - cpu, built - started,
                              not run.mismatches))
    return rows


def long_trace(events: int, seed: int = 0) -> tuple[Problem, SolverParams, SolveResult]:
    """A small random problem whose search (section inference off, no
    decomposition) records ``events`` events, or the longest of a few tries.

    The search goes on after the trace is full, until its time limit: the
    limit leaves time to record the events on a loaded machine.
    """
    params = SolverParams(section_inference=False, dynamic_decomposition=False,
                          preordering_heuristics=("WAT",), timeout=1 + events / 200_000,
                          minimize_capacity=False)
    best = None
    for attempt in range(20):
        rng = random.Random(seed + attempt)
        buffers = []
        for i in range(LONG_BUFFERS):
            lower = rng.randrange(0, 10)
            buffers.append(Buffer(f"b{i}", lower, lower + 1 + rng.randrange(8),
                                  1 + rng.randrange(9)))
        load = max(sum(b.size for b in buffers if b.lower <= t < b.upper)
                   for t in range(20))
        problem = Problem(buffers, load)
        result = solve(problem, params, trace=events)
        if best is None or len(result.trace) > len(best[2].trace):
            best = (problem, params, result)
        if len(result.trace) >= events:
            break
    assert best is not None
    return best


def _full_check(name: str, problem: Problem, result: SolveResult,
                params: SolverParams) -> str:
    run = TraceReplay(problem, result, params)
    cpu = time.process_time()
    mismatches = run.check()
    seconds = time.process_time() - cpu
    verdict = "no mismatch" if not mismatches else f"{len(mismatches)} mismatches"
    return (f"Full check of '{name}': {len(run):,} events replayed one by one in "
            f"{seconds:.2f} s of CPU, {verdict}.")


def report_replay(events: int = 1_000_000, sample: str = "large") -> list[ReplayRow]:
    """Print the replay table; returns its rows."""
    print(f"Replay: a fresh replay opens a step (targets: {SAMPLE_TARGET:g} s on the "
          f"sample '{sample}', {LONG_TARGET:g} s on a {events:,}-event trace)")
    print()
    rows: list[ReplayRow] = []
    problem = load_sample(sample)
    params = SolverParams(timeout=600, minimize_capacity=False)
    result = solve(problem, params, trace=10 * events)
    rows += measure_replay(sample, problem, result, params, landmarks(result))
    check = _full_check(sample, problem, result, params)
    problem, params, result = long_trace(events)
    rows += measure_replay("long search", problem, result, params, landmarks(result))
    table = [(r.trace, f"{r.events:,}", r.label, f"{r.step:,}", f"{r.depth:,}",
              f"{r.setup_seconds:.2f}", f"{r.seconds:.2f}", f"{r.cpu_seconds:.2f}",
              "yes" if r.agrees else "NO")
             for r in rows]
    print(format_table(("trace", "events", "step", "at", "path depth", "setup s",
                        "open s (with setup)", "CPU s", "agrees"), table))
    print()
    print(check)
    return rows
