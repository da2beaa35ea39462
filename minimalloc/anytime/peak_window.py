"""The anytime optimiser's start: the heaviest moment's window packed exactly.

Where the live bytes peak, every byte of an allocation at the lower bound is
taken, and what is packed there decides how much the rest wastes.
:func:`minimalloc.anytime.peak_first.peak_first` stacks the buffers alive at that
one moment without a hole; :func:`peak_window_start` goes further: it asks
the exact search to pack every buffer alive in a *window* of time around
the moment within the lower bound, then places the others around them in
peak-first order (the window's buffers stay where the search put them only
for that; the optimiser may move them afterwards).

The wider the window, the more of the allocation starts perfectly packed,
and the harder the search: windows of growing width are tried
(:data:`WINDOW_WIDTHS`, in median lifespans), each within
:data:`WINDOW_SECONDS` (and all within :data:`WINDOW_SHARE` of the time
left), and the widest one packed at the bound is kept.
The search's difficulty does not grow smoothly with the width (measured: a
window of 507 buffers not packed in 10 s where one of 607 took 1.3 s), so a
failed width does not end the trials; but a width that holds the same
buffers as the last one tried is skipped (where lifespans are a step or two,
several widths round to the same reach: on a dense training step of 2.85 x
10^4 buffers the same 2,675-buffer window was searched three times, 16 s
for nothing).

Measured with :class:`minimalloc.anytime.improve.Runs` on random traces (height /
LOAD): 2.8 x 10^4 buffers with 750 alive at once, 1.003-1.007 in 30 s from
this start against 1.013-1.015 from peak-first alone; 2 x 10^4 buffers with
300 alive, LOAD in under 4 s against 1.008-1.011 in 60 s.

Memory: the window's sub-problem (its pairs, for the exact search) plus
``O(n)``; the window holds at most :data:`MAX_WINDOW_BUFFERS` buffers.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from minimalloc.aliases import refuse_aliases
from minimalloc.anytime.peak_first import peak_first
from minimalloc.columns import buffer_columns
from minimalloc.deadline import Deadline
from minimalloc.model import Problem, Solution
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import Solver
from minimalloc.validate import validate

__all__ = ["MAX_WINDOW_BUFFERS", "MIN_WINDOW_SECONDS", "WINDOW_SECONDS", "WINDOW_SHARE",
           "WINDOW_WIDTHS", "heaviest_moment", "peak_window_start"]

#: Half-widths of the windows tried, in median lifespans, narrowest first.
WINDOW_WIDTHS = (0.05, 0.1, 0.2, 0.4, 0.8)
#: Seconds the exact search gets for one window.  Measured on a random
#: trace of 2.8 x 10^4 buffers with 750 alive at once: its 973-buffer window
#: takes 2.1-2.7 s, and the optimiser ends at 1.003-1.007 x LOAD from it
#: against 1.011-1.014 from the 893-buffer window that 2 s allow.
WINDOW_SECONDS = 4.0
#: At most this share of the time left goes to the windows (with a deadline).
WINDOW_SHARE = 0.25
#: No window is tried with less than this many seconds for its search.
MIN_WINDOW_SECONDS = 0.5
#: Windows holding more buffers than this are not tried (the exact search's
#: list of pairs grows with their square).
MAX_WINDOW_BUFFERS = 3000


def heaviest_moment(lower: np.ndarray, upper: np.ndarray, size: np.ndarray) -> int:
    """The first moment where the most bytes are alive (lifespans
    ``[lower, upper)``, gaps ignored), in ``O(n log n)``."""
    times = np.concatenate((lower, upper))
    change = np.concatenate((size, -size))
    order = np.lexsort((change, times))  # at equal times, ends before starts
    live = np.cumsum(change[order])
    return int(times[order][int(np.argmax(live))])


def peak_window_start(problem: Problem, bound: int,
                      deadline: Deadline | None = None) -> Solution | None:
    """An allocation whose widest window around the heaviest moment that
    the exact search packs within ``bound`` (a proven lower bound on the
    height) is packed so, the other buffers placed around it in peak-first
    order; None if no window could be packed in time (or a deadline passed
    before the rest was placed)."""
    refuse_aliases(problem, "peak_window_start")
    columns = buffer_columns(problem.buffers)
    lower, upper, size = columns.lower, columns.upper, columns.size
    free = (columns.fixed < 0) & (size > 0)
    if not free.any():
        return None
    moment = heaviest_moment(lower, upper, size)
    median = float(np.median((upper - lower)[free]))
    left = None if deadline is None else deadline.left()
    phase_end = None if left is None else time.perf_counter() + WINDOW_SHARE * left
    packed: tuple[np.ndarray, tuple[int, ...]] | None = None
    searched = 0  # buffers of the last window searched
    for width in WINDOW_WIDTHS:
        reach = max(1, int(round(width * median)))
        inside = np.flatnonzero(free & (lower < moment + reach) & (upper > moment - reach))
        if len(inside) > MAX_WINDOW_BUFFERS:
            break
        if len(inside) == searched:
            # The windows nest, so this one holds the same buffers (short
            # lifespans round several widths to one reach): the search would
            # only repeat itself.
            continue
        searched = len(inside)
        budget = WINDOW_SECONDS
        if phase_end is not None:  # the rest must still be placed and improved
            budget = min(budget, phase_end - time.perf_counter())
        if budget < MIN_WINDOW_SECONDS or (deadline is not None and deadline.expired()):
            break
        offsets = _pack_window(problem, inside, bound, budget, deadline)
        if offsets is not None:
            packed = (inside, offsets)
        if len(inside) == np.count_nonzero(free):
            break  # a wider window holds the same buffers
    if packed is None:
        return None
    inside, offsets = packed
    buffers = list(problem.buffers)
    for i, offset in zip(inside.tolist(), offsets):
        buffers[i] = replace(buffers[i], offset=offset)
    start, finished = peak_first(Problem(tuple(buffers)), deadline)
    if not finished:
        return None
    # Valid by construction: the window's buffers were packed with every
    # fixed buffer they meet, the rest placed around them.  Checked anyway,
    # in O(n) memory, since the optimiser trusts its start.
    if not validate(problem.with_capacity(None), start).ok:  # pragma: no cover
        return None
    return start


def _pack_window(problem: Problem, inside: np.ndarray, bound: int, budget: float,
                 deadline: Deadline | None = None) -> tuple[int, ...] | None:
    """The offsets the exact search gives the buffers ``inside`` within
    ``bound``, around the fixed buffers alive with them; None if it finds
    none within ``budget`` seconds (or ``deadline`` is cancelled: the search
    stops at once)."""
    columns = buffer_columns(problem.buffers)
    first, last = int(columns.lower[inside].min()), int(columns.upper[inside].max())
    held = np.flatnonzero((columns.fixed >= 0) & (columns.lower < last)
                          & (columns.upper > first))
    if np.any(columns.fixed[held] + columns.size[held] > bound):
        return None  # a fixed buffer ends above the bound: nothing fits under it
    buffers = problem.buffers
    sub = Problem(tuple(buffers[i] for i in inside.tolist())
                  + tuple(buffers[i] for i in held.tolist()), capacity=bound)
    solver = Solver(SolverParams(timeout=budget))
    if deadline is not None:
        deadline.link(solver.cancel)
    try:
        result = solver.solve(sub)
    finally:
        if deadline is not None:
            deadline.unlink(solver.cancel)
    if result.status is not Status.OK:
        return None
    return tuple(result.solution.offsets[:len(inside)])
