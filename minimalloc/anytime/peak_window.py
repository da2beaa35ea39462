"""The anytime optimiser's start: the heaviest moment's window packed exactly.

Where the live bytes peak, every byte of an allocation at the lower bound is
taken, and what is packed there decides how much the rest wastes.
:func:`minimalloc.anytime.peak_first.peak_first` stacks the buffers alive at that
one moment without a hole; :func:`peak_window_start` goes further: it asks
the exact search to pack every buffer alive in a *window* of time around
the moment within the lower bound, then places the others around them in
peak-first order (the window's buffers stay where the search put them only
for that; the optimiser may move them afterwards).

Most of a window's buffers often live through the whole window, and cut
to it many have the same lifespan: those are stacked into one block (a
*class*) and each window is also packed as classes, a few dozen where
there were thousands of buffers.  The start around the widest window
whose buffers were packed is kept (peak-first's if there is none) unless
one around another window, or a window packed as classes, is at the
bound.

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
``O(n)``; the window holds at most :data:`MAX_WINDOW_BUFFERS` classes.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from minimalloc.aliases import refuse_aliases
from minimalloc.anytime.peak_first import peak_first
from minimalloc.columns import buffer_columns
from minimalloc.deadline import Deadline
from minimalloc.model import Buffer, Problem, Solution
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import Solver
from minimalloc.tuning import (
    CLASS_SECONDS,
    MIN_WINDOW_SECONDS,
    WINDOW_SECONDS,
    WINDOW_WIDTHS,
)
from minimalloc.tuning import MAX_PEAK_WINDOW_BUFFERS as MAX_WINDOW_BUFFERS
from minimalloc.tuning import PEAK_WINDOW_SHARE as WINDOW_SHARE
from minimalloc.validate import validate

__all__ = ["CLASS_SECONDS", "MAX_WINDOW_BUFFERS", "MIN_WINDOW_SECONDS", "WINDOW_SECONDS",
           "WINDOW_SHARE", "WINDOW_WIDTHS", "heaviest_moment", "peak_window_start"]


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
    order (which window: see above; peak-first's allocation where only
    classes were packed and none of their starts is at ``bound``); None if
    no window could be packed in time (or a deadline passed before the
    rest was placed)."""
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
    packed: list[tuple[np.ndarray, tuple[int, ...], bool]] = []  # narrowest first
    searched = 0  # buffers of the last window searched
    for width in WINDOW_WIDTHS:
        reach = max(1, int(round(width * median)))
        window = (moment - reach, moment + reach)
        inside = np.flatnonzero(free & (lower < window[1]) & (upper > window[0]))
        if min(len(inside), _class_count(columns, inside, window)) > MAX_WINDOW_BUFFERS:
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
        found = _pack_window(problem, inside, bound, budget, deadline)
        if found is not None:
            packed.append((inside, found, False))
        found = _pack_classes(problem, inside, window, bound, deadline)
        if found is not None:
            packed.append((inside, found, True))
        if len(inside) == np.count_nonzero(free):
            break  # a wider window holds the same buffers
    if not packed:
        return None
    if not packed:
        return None
    # The start around the widest window whose buffers were packed (else
    # peak-first's), as before; another only where it reaches the bound: a
    # lower start short of it is often worse for the optimiser (random
    # trace of 28,000 buffers, 750 alive at once: 1.017-1.020 x LOAD after
    # 60 s from the lowest start, 1.008-1.012 from the widest window's).
    # On a dense training step (seed 2) the widest window's start is 0.32 %
    # above the LOAD, the narrower window's packed as classes at the LOAD.
    searched = [(inside, offsets) for inside, offsets, classes in packed if not classes]
    if searched:
        best = _around(problem, *searched[-1], deadline)
    else:
        best, finished = peak_first(problem, deadline)
        best = best if finished else None
    for inside, offsets, _ in reversed(packed):
        if best is not None and (best.height <= bound or (
                phase_end is not None and time.perf_counter() > phase_end)):
            break
        if searched and inside is searched[-1][0] and offsets is searched[-1][1]:
            continue  # the start already built
        start = _around(problem, inside, offsets, deadline)
        if start is not None and (best is None or start.height <= bound):
            best = start
    return best


def _around(problem: Problem, inside: np.ndarray, offsets: tuple[int, ...],
            deadline: Deadline | None) -> Solution | None:
    """The buffers ``inside`` at ``offsets``, the others placed around them in
    peak-first order; None if a deadline passed first."""
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
    stops at once), or they are more than :data:`MAX_WINDOW_BUFFERS`."""
    held = _held(problem, inside, bound)
    if held is None or len(inside) > MAX_WINDOW_BUFFERS:
        return None
    buffers = problem.buffers
    sub = Problem(tuple(buffers[i] for i in inside.tolist())
                  + tuple(buffers[i] for i in held.tolist()), capacity=bound)
    found = _search(sub, budget, deadline)
    return None if found is None else found[:len(inside)]


def _held(problem: Problem, inside: np.ndarray, bound: int) -> np.ndarray | None:
    """The fixed buffers alive with those ``inside``; None if one of them
    ends above ``bound`` (then nothing fits under it)."""
    columns = buffer_columns(problem.buffers)
    first, last = int(columns.lower[inside].min()), int(columns.upper[inside].max())
    held = np.flatnonzero((columns.fixed >= 0) & (columns.lower < last)
                          & (columns.upper > first))
    if np.any(columns.fixed[held] + columns.size[held] > bound):
        return None
    return held


def _class_keys(columns, inside: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    """Each buffer of ``inside``'s class: its lifespan cut to ``window`` and
    its alignment as rows ``(lower, upper, alignment)``; a buffer whose size
    is not a multiple of its alignment is a class of its own (its row ends
    in ``-1 - position``)."""
    start, end = window
    keys = np.stack((np.maximum(columns.lower[inside], start),
                     np.minimum(columns.upper[inside], end),
                     columns.alignment[inside]), axis=1)
    alone = columns.size[inside] % columns.alignment[inside] != 0
    keys[alone, 2] = -1 - np.flatnonzero(alone)
    return keys


def _class_count(columns, inside: np.ndarray, window: tuple[int, int]) -> int:
    """How many classes (:func:`_pack_classes`) the buffers ``inside`` form."""
    if not len(inside):
        return 0
    return len(np.unique(_class_keys(columns, inside, window), axis=0))


def _pack_classes(problem: Problem, inside: np.ndarray, window: tuple[int, int],
                  bound: int, deadline: Deadline | None) -> tuple[int, ...] | None:
    """The window's buffers packed within ``bound`` as *classes*: the
    buffers whose lifespans, cut to the window, are the same (and whose
    alignment is the same and divides their sizes) stacked into one block.

    Two buffers alive in one window that are alive together are alive
    together inside it (a lifespan is one stretch of time), so the cut
    buffers collide exactly as the whole ones do; and a block's buffers
    overlap in time, so stacking them wastes nothing.  Near the heaviest
    moment most buffers live through the whole window: on a dense training
    step of 2.85 x 10^4 buffers, the 2,643 alive in three steps around it
    form 3 classes, packed at the LOAD in milliseconds where the search of
    the buffers themselves found nothing in 4 s.  Only for windows without
    gaps or fixed buffers alive with them (None otherwise, or if the search
    finds nothing in :data:`CLASS_SECONDS`, or there are more than
    :data:`MAX_WINDOW_BUFFERS` classes).
    """
    columns = buffer_columns(problem.buffers)
    held = _held(problem, inside, bound)
    # Cut to the window, the buffers would meet only the fixed ones inside
    # it, and buffers with gaps may meet outside it: neither is allowed.
    if held is None or len(held) or columns.gap_count[inside].any() \
            or _class_count(columns, inside, window) > MAX_WINDOW_BUFFERS:
        return None
    unique, of = np.unique(_class_keys(columns, inside, window), axis=0,
                           return_inverse=True)
    of = of.reshape(-1)
    size = columns.size[inside]
    order = np.argsort(of, kind="stable")  # by class, ``inside``'s order within
    firsts = np.searchsorted(of[order], np.arange(len(unique)))
    totals = np.add.reduceat(size[order], firsts)
    alignment = columns.alignment[inside][order[firsts]]
    blocks = tuple(Buffer(f"class{k}", lo, up, total, align) for k, (lo, up, total, align)
                   in enumerate(zip(unique[:, 0].tolist(), unique[:, 1].tolist(),
                                    totals.tolist(), alignment.tolist())))
    found = _search(Problem(blocks, capacity=bound), CLASS_SECONDS, deadline)
    if found is None:
        return None
    # Each block's buffers one above the other, from the block's offset up.
    below = np.empty(len(inside), np.int64)
    stacked = np.cumsum(size[order]) - size[order]
    below[order] = stacked - stacked[firsts][of[order]]
    return tuple((np.array(found, np.int64)[of] + below).tolist())


def _search(sub: Problem, budget: float,
            deadline: Deadline | None) -> tuple[int, ...] | None:
    """The exact search's offsets for ``sub`` within ``budget`` seconds (and
    ``deadline``'s cancel); None if it found none."""
    solver = Solver(SolverParams(timeout=max(budget, 0.0)))
    if deadline is not None:
        deadline.link(solver.cancel)
    try:
        result = solver.solve(sub)
    finally:
        if deadline is not None:
            deadline.unlink(solver.cancel)
    if result.status is not Status.OK:
        return None
    return tuple(result.solution.offsets)
