"""The replay section of the benchmark: how long a fresh replay of a traced
search takes to open a step.

Two traces: the built-in 6,000-buffer sample (``large``, solved at its
capacity), and a small problem whose search, with section inference
switched off, backtracks for a long time and records ``events`` events (a
million in ``make bench``).  For each of a few steps, a *fresh*
:class:`~minimalloc.search.trace.TraceReplay` (nothing computed before)
opens the step; the table gives the seconds taken and the depth of the
search path at that step (what a jump rebuilds).  The targets: 1 s on the
sample, 2 s on the long trace.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from minimalloc.generate.samples import load_sample
from minimalloc.model import Buffer, Problem
from minimalloc.params import SolverParams
from minimalloc.search.solver import SolveResult, solve
from minimalloc.search.trace import TraceReplay
from minimalloc.tables import format_table

__all__ = ["ReplayRow", "long_trace", "measure_replay", "report_replay"]

#: Targets: seconds to open any step of the sample, of the long trace.
SAMPLE_TARGET = 1.0
LONG_TARGET = 2.0


@dataclass(frozen=True)
class ReplayRow:
    """One fresh replay opening one step."""

    trace: str
    events: int
    step: int
    depth: int
    seconds: float
    setup_seconds: float  # building the TraceReplay (sweep, machine)
    agrees: bool  # no mismatch reported on the way


def measure_replay(name: str, problem: Problem, result: SolveResult,
                   params: SolverParams, steps: list[int]) -> list[ReplayRow]:
    """Open each step with a fresh replay; one row each."""
    rows = []
    for step in steps:
        started = time.perf_counter()
        run = TraceReplay(problem, result, params)
        built = time.perf_counter()
        snap = run.snapshot(step)
        done = time.perf_counter()
        rows.append(ReplayRow(name, len(run), step, snap.depth, done - started,
                              built - started, not run.mismatches))
    return rows


def long_trace(events: int, seed: int = 3) -> tuple[Problem, SolverParams, SolveResult]:
    """A small random problem whose search (section inference off, no
    decomposition) records at least ``events`` events, or the longest of a
    few tries."""
    params = SolverParams(section_inference=False, dynamic_decomposition=False,
                          preordering_heuristics=("WAT",), timeout=600,
                          minimize_capacity=False)
    rng = random.Random(seed)
    best = None
    for _ in range(20):
        n = 14 + rng.randrange(6)
        buffers = []
        for i in range(n):
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


def report_replay(events: int = 1_000_000, sample: str = "large") -> list[ReplayRow]:
    """Print the replay table; returns its rows."""
    print(f"Replay: a fresh replay opens a step (targets: {SAMPLE_TARGET:g} s on the "
          f"sample '{sample}', {LONG_TARGET:g} s on a {events:,}-event trace)")
    print()
    rows: list[ReplayRow] = []
    problem = load_sample(sample)
    params = SolverParams(timeout=600, minimize_capacity=False)
    result = solve(problem, params, trace=10 * events)
    n = len(result.trace)
    steps = sorted({1, n // 4, n // 2, 3 * n // 4, n})
    rows += measure_replay(sample, problem, result, params, steps)
    problem, params, result = long_trace(events)
    n = len(result.trace)
    rows += measure_replay("long search", problem, params=params, result=result,
                           steps=sorted({1, n // 2, n - 1, n}))
    table = [(r.trace, f"{r.events:,}", f"{r.step:,}", f"{r.depth:,}",
              f"{r.setup_seconds:.2f}", f"{r.seconds:.2f}", "yes" if r.agrees else "NO")
             for r in rows]
    print(format_table(("trace", "events", "step", "path depth", "setup s",
                        "open s (with setup)", "agrees"), table))
    return rows
