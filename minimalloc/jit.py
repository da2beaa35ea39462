"""Compile (or load from numba's on-disk cache) every kernel of the library
before the first real problem, so that no time limit or measured time pays
for compiling: :func:`warmup`.

It lives above the packages whose kernels it runs (the search, the bounds,
the baselines, the anytime optimiser), so none of them imports another to
warm it up.
"""

from __future__ import annotations

import time

from minimalloc.anytime.improve import Improver
from minimalloc.anytime.spill_ruin import reduce_spill
from minimalloc.baselines.allocators import allocate, available_allocators
from minimalloc.baselines.sweep import sweep_first_fit
from minimalloc.bounds import lower_bound, stacking_bound
from minimalloc.model import Buffer, Gap, Problem
from minimalloc.params import SolverParams
from minimalloc.search.solver import solve
from minimalloc.search.trace import TraceReplay

__all__ = ["warmup"]


def warmup(trace: bool = True) -> float:
    """Compile (or load from the on-disk cache) every kernel; returns seconds.

    Solves a tiny problem that goes through every path of the kernel:
    decomposition, backtracking, the round robin and gaps; with ``trace``,
    also the version of the kernel that records events and the replay's
    compiled walk and state updates (a jump and a full check).  Runs the lower
    bound, the baseline allocators and the anytime optimiser's moves on it
    too, and the spill's moves.
    """
    started = time.perf_counter()
    buffers = [Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
               Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4, gaps=(Gap(15, 18, (0, 2)),))]
    problem = Problem(buffers, 12)
    solve(problem)  # the untraced kernel
    solve(problem.with_capacity(11))
    solve(problem, SolverParams(preordering_heuristics=("WAT",)))
    if trace:
        traced = solve(problem, trace=64)  # the traced kernel is a separate compilation
        replay = TraceReplay(problem, traced, walk_limit=0)
        replay.snapshot(len(replay) // 2)  # a jump: the compiled walk, then placements
        replay.check()  # every event: placements taken back too
    lower_bound(problem)
    for name in available_allocators():  # the baselines' placement kernel
        allocate(problem, name)
    sweep_first_fit(problem)  # the answer of last resort
    aligned = Problem([Buffer("a", 0, 2, 3, alignment=4),
                       Buffer("b", 1, 3, 3, alignment=4)])
    stacking_bound(aligned)  # the stacking bound's sweep kernel
    start = allocate(problem, "first_fit")  # the anytime optimiser's moves
    Improver(problem, start).recreate(start.height - 1, 0.0)
    reduce_spill(problem, 8, [b.size for b in buffers], {0: 0, 1: 0}, seconds=0.0)
    return time.perf_counter() - started
