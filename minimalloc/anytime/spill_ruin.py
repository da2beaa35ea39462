"""Ruin and recreate for the spill: fewer bytes moved out of a full memory.

The spill planner (:mod:`minimalloc.analysis.spill`) keeps some buffers in a
pool of ``capacity`` bytes and moves the rest out.  Its covers say which
buffers *could* stay (their live bytes fit at every moment), but packing
exactly those is often a search that does not end: the kept set sits at the
capacity everywhere.  These moves work on a plan instead, the way
:mod:`minimalloc.anytime.ruin` works on a height:

1. **Pick** a buffer that is moved out, at random.
2. **Ruin**: take it out of the plan together with a few dozen buffers
   living around it (:data:`~minimalloc.tuning.RUINED`), kept or moved out,
   chosen one of three ways at random: the highest (moved-out ones count as
   highest), the ones nearest a random level, or the ones living inside a
   short window of its life.
3. **Recreate**: put them back one at a time in one of three orders at
   random: the picked buffer first and then the heaviest, the heaviest first
   (weights jittered), or the peak-first order; each at the lowest aligned
   offset clear of every kept buffer alive with it.  One that would end
   above the capacity moves out instead (one that must stay fails the move).
4. **Accept** the move if the weight moved out did not grow, and when it
   stays the same only if the kept buffers' tops did not rise in sum (they
   sink and leave room higher up).  Otherwise everything goes back.

Moves are sound by construction, like those of :mod:`~minimalloc.anytime.ruin`
(gaps ignored, which can only forbid more): the plan stays valid.  Measured
on A-K at 95% of their LOAD, from the plan of the greedy cover (``python -m
minimalloc.bench --only spill``): see :mod:`minimalloc.bench.spill`.

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("a", 0, 4, 2), Buffer("b", 0, 2, 2), Buffer("c", 2, 4, 2)))
>>> # a is kept at 1, b and c are out: a move makes room for both
>>> sorted(reduce_spill(p, 4, [2, 2, 2], {0: 1}, seconds=1))
[0, 1, 2]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from numba import njit

from minimalloc.anytime.peak_first import peak_first_rank
from minimalloc.anytime.ruin import (
    insert_placed,
    lowest_fit,
    meeting,
    ruin_around,
    set_placed,
    time_index,
)
from minimalloc.columns import buffer_columns
from minimalloc.model import Problem
from minimalloc.tuning import RUINED, SPILL_IDLE, SPILL_MOVES

__all__ = ["reduce_spill"]


def reduce_spill(problem: Problem, capacity: int, weights: Sequence[int],
                 kept: dict[int, int], *, must: Iterable[int] = (),
                 elsewhere: Iterable[int] = (), seconds: float | None = 1.0,
                 goal: float = 0, stop: Callable[[], bool] | None = None,
                 seed: int = 0) -> dict[int, int]:
    """A plan that moves out no more weight than ``kept`` does.

    Parameters
    ----------
    problem
        The buffers (no aliases: blocks).
    capacity
        The bytes of the pool.
    weights
        What moving each buffer out costs.
    kept
        The plan to start from: the offset of each buffer kept in the pool
        (each within ``capacity``, none colliding).
    must
        Buffers that must stay (each in ``kept``).
    elsewhere
        Buffers that must not stay (pinned to another pool).
    seconds
        How long to try at most (None: until ``stop``, ``goal`` or
        :data:`~minimalloc.tuning.SPILL_IDLE` moves per pair of buffers
        without a better plan).
    goal
        Stop once the weight moved out is at most this (a proven bound).
    stop
        Asked between batches of moves: True ends the moves.
    seed
        The moves' random seed.

    Returns
    -------
    dict
        The offset of each buffer kept, by index.
    """
    n = len(problem.buffers)
    if not n:
        return dict(kept)
    columns = buffer_columns(problem.buffers)
    lower, upper, size = columns.lower, columns.upper, columns.size
    offset = np.zeros(n, np.int64)
    in_pool = np.zeros(n, np.bool_)
    for k, o in kept.items():
        offset[k], in_pool[k] = o, True
    movable = columns.fixed < 0
    movable[list(elsewhere)] = False
    must_stay = np.zeros(n, np.bool_)
    must_stay[list(must)] = True
    weight = np.asarray(weights, np.float64)
    rank = peak_first_rank(lower, upper, size)
    widths = upper - lower
    index = time_index(lower, upper, int(np.median(widths)) if n else 1)
    stamp = np.zeros(n, np.int64)
    work = [np.empty(n, np.int64) for _ in range(4)]
    placed = np.empty((5, n), np.int64)
    best_offset, best_in = offset.copy(), in_pool.copy()
    record = np.array([weight[~in_pool].sum()])
    deadline = None if seconds is None else time.perf_counter() + seconds
    idle, last = 0, record[0]
    while True:
        _moves(lower, upper, size, columns.alignment, weight, movable, must_stay,
               offset, in_pool, best_offset, best_in, record, index.start, index.width,
               index.first, index.items, index.longs, stamp, *work, placed, capacity,
               SPILL_MOVES, seed, RUINED[0], RUINED[1], rank, float(goal))
        seed += 1
        idle, last = (0, record[0]) if record[0] < last else (idle + SPILL_MOVES, last)
        if record[0] <= goal or idle >= SPILL_IDLE * n * n or (
                stop is not None and stop()) or (
                deadline is not None and time.perf_counter() >= deadline):
            break
    return {k: int(best_offset[k]) for k in np.flatnonzero(best_in).tolist()}


@njit(cache=True, nogil=True)
def _moves(lower, upper, size, alignment, weight, movable, must, offset, kept,
           best_offset, best_kept, record, start, width, first, items, longs, stamp,
           found, ruined, old, was, placed, capacity, moves, seed, fewest, most,
           priority, goal):  # pragma: no cover - numba
    """Try ``moves`` moves (see the module), changing ``offset`` and
    ``kept`` in place; the best plan seen goes to ``best_offset`` and
    ``best_kept``, its weight out to ``record[0]``."""
    np.random.seed(seed)
    n = len(lower)
    # The movable buffers moved out, as a list with positions (O(1) updates).
    where = np.full(n, -1, np.int64)
    outside = np.empty(n, np.int64)
    count = 0
    moved = 0.0
    for i in range(n):
        if not kept[i]:
            moved += weight[i]
            if movable[i] and size[i] > 0:
                where[i] = count
                outside[count] = i
                count += 1
    tick = stamp.max()
    for _ in range(moves):
        if count == 0 or record[0] <= goal:
            break
        b = outside[np.random.randint(count)]
        tick += 1
        r = _ruin(b, lower, upper, size, movable, offset, kept, capacity, start,
                  width, first, items, longs, stamp, tick, found, ruined,
                  fewest + np.random.randint(most - fewest + 1))
        before_out = 0.0
        before_tops = 0.0
        for q in range(r):
            j = ruined[q]
            old[q] = offset[j]
            was[q] = kept[j]
            if kept[j]:
                before_tops += offset[j] + size[j]
            else:
                before_out += weight[j]
            kept[j] = False
        tick += 1
        after_out, after_tops, failed = _recreate(
            ruined[:r], lower, upper, size, alignment, weight, must, offset, kept,
            start, width, first, items, longs, stamp, tick, found, placed, capacity,
            priority)
        if not failed and (after_out < before_out or (
                after_out == before_out and after_tops <= before_tops)):
            moved += after_out - before_out
            for q in range(r):
                j = ruined[q]
                if kept[j] and where[j] >= 0:
                    last = outside[count - 1]
                    outside[where[j]] = last
                    where[last] = where[j]
                    where[j] = -1
                    count -= 1
                elif not kept[j] and where[j] < 0:
                    where[j] = count
                    outside[count] = j
                    count += 1
            if moved < record[0]:
                record[0] = moved
                best_offset[:] = offset
                best_kept[:] = kept
        else:
            for q in range(r):
                offset[ruined[q]] = old[q]
                kept[ruined[q]] = was[q] != 0


@njit(cache=True, nogil=True)
def _ruin(b, lower, upper, size, movable, offset, kept, capacity, start, width,
          first, items, longs, stamp, tick, found, ruined,
          want):  # pragma: no cover - numba
    """Choose the buffers to take out with ``b`` into ``ruined``; returns
    how many (``b`` first)."""
    how, k, r = ruin_around(b, lower, upper, size, movable, start, width, first,
                            items, longs, stamp, tick, found, ruined, want)
    if how == 2:
        return r
    keys = np.empty(k, np.float64)
    level = np.random.randint(capacity + 1)
    for p in range(k):
        j = found[p]
        top = offset[j] + size[j] if kept[j] else capacity + size[j]
        keys[p] = -top if how == 0 else abs(top - size[j] // 2 - level)
    order = np.argsort(keys)
    for q in range(min(k, want - 1)):
        ruined[r] = found[order[q]]
        r += 1
    return r


@njit(cache=True, nogil=True)
def _recreate(ruined, lower, upper, size, alignment, weight, must, offset, kept,
              start, width, first, items, longs, stamp, tick, found, placed, capacity,
              priority):  # pragma: no cover - numba
    """Put the ``ruined`` buffers back (see the module); returns the weight
    moved out, the sum of the kept ones' tops, and whether one that must
    stay did not fit."""
    r = len(ruined)
    keys = np.empty(r, np.float64)
    how = np.random.randint(3)
    for q in range(r):
        j = ruined[q]
        if how == 0:
            keys[q] = priority[j]
        else:
            keys[q] = -weight[j] * (0.8 + 0.4 * np.random.random())
    if how == 2:
        keys[0] = -np.inf  # the buffer picked goes first
    order = np.argsort(keys)
    lo = lower[ruined].min()
    hi = upper[ruined].max()
    m = meeting(lo, hi, lower, upper, start, width, first, items, longs, stamp,
                tick, found)
    # The kept buffers around them, sorted by offset; each one put back is
    # inserted.
    u = 0
    at_keys = np.empty(m, np.int64)
    for p in range(m):
        j = found[p]
        if kept[j] and size[j] > 0:
            found[u] = j
            at_keys[u] = offset[j]
            u += 1
    by_offset = np.argsort(at_keys[:u])
    for p in range(u):
        j = found[by_offset[p]]
        set_placed(placed, p, offset[j], j, size, lower, upper)
    out = 0.0
    tops = 0.0
    for q in range(r):
        j = ruined[order[q]]
        at = lowest_fit(placed, u, lower[j], upper[j], size[j], alignment[j])
        if at + size[j] > capacity:
            if must[j]:
                return out, tops, True
            out += weight[j]
            continue
        offset[j] = at
        kept[j] = True
        insert_placed(placed, u, at, j, size, lower, upper)
        u += 1
        tops += at + size[j]
    return out, tops, False
