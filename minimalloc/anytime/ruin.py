"""Ruin and recreate: cheap greedy moves for the anytime optimiser.

The exact neighbourhood steps of :mod:`minimalloc.anytime.improve` re-pack a window
optimally, but each costs a search; once the allocation is within a few per
cent of its lower bound the buffers that stick out above a target are
spread over many places, and fixing them one search at a time is too slow.
A *ruin and recreate* move (Schrimpf et al., 2000) is a thousand times
cheaper, so the optimiser interleaves the two (measured from the best
baseline on random traces of 10^4-6 x 10^4 buffers, ``make bench
--anytime``: the exact steps alone stop at 1.006-1.020 x LOAD in 60 s, with
these moves first 1.000-1.007 on three of the four):

1. **Pick** a buffer ``b`` whose top is above the target ``c``.
2. **Ruin**: take ``b`` out together with a few dozen of its neighbours in
   time (:data:`RUINED`), chosen one of three ways at random: the highest
   ones alive around ``b``, the ones nearest a random level below it, or
   the ones living inside a short window in ``b``'s lifespan.
3. **Recreate**: put them back one at a time, in one of two orders at
   random: largest first (sizes jittered so that a rejected order is not
   tried again), or the order of :func:`minimalloc.anytime.peak_first.peak_first`
   (those alive at the heaviest moments first); each at the lowest aligned
   offset where it meets none of the buffers in place during its lifespan.
4. **Accept** the move if the *overflow* (the bytes above ``c``, summed over
   the buffers) did not grow, and when it stays the same only if the sum of
   the moved buffers' tops did not grow either (so that buffers sink and
   make room); and never if a buffer ends above ``cap``, the height of the
   allocation, which therefore never rises.  Otherwise everything goes back.

Moves are sound by construction: a buffer is placed clear of every buffer
whose lifespan meets its own, its whole life long (gaps and their windows
are ignored, which can only forbid more), so the allocation stays valid.
The caller still checks the moved buffers against their neighbours.

Neighbours are found through a static time index: time is cut into buckets
one typical lifespan wide and each buffer is listed in the buckets its
lifespan meets (buffers living more than :data:`LONG_LIFESPANS` buckets are
kept in one list that every lookup scans).  Memory ``O(n)``; a move costs
about ``k * m`` for ``k`` buffers moved and ``m`` neighbours in the span
they cover.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from minimalloc.tuning import LONG_LIFESPANS, PEAK_SHARE, RUINED

__all__ = ["RUINED", "TimeIndex", "lowest_fit", "meeting", "recreate_moves", "scratch",
           "time_index"]



class TimeIndex(NamedTuple):
    """Buffers by the time buckets their lifespans meet: bucket ``k`` covers
    ``[start + k * width, start + (k + 1) * width)`` and lists
    ``items[first[k]:first[k + 1]]``; ``longs`` are scanned by every lookup."""

    start: int
    width: int
    first: np.ndarray
    items: np.ndarray
    longs: np.ndarray


def time_index(lower: np.ndarray, upper: np.ndarray, width: int) -> TimeIndex:
    """The index of lifespans ``[lower, upper)`` in buckets ``width`` wide
    (``O(n)`` time and memory for buckets about one typical lifespan)."""
    width = max(1, int(width))
    start, first, items, longs = _build_index(lower, upper, width,
                                              LONG_LIFESPANS * width)
    return TimeIndex(int(start), width, first, items, longs)


@njit(cache=True, nogil=True)
def _build_index(lower, upper, width, long_cut):  # pragma: no cover - numba
    start = lower.min()
    buckets = (upper.max() - start) // width + 1
    first = np.zeros(buckets + 1, np.int64)
    longs = 0
    for i in range(len(lower)):
        if upper[i] - lower[i] > long_cut:
            longs += 1
        else:
            last = (upper[i] - 1 - start) // width
            for k in range((lower[i] - start) // width, last + 1):
                first[k + 1] += 1
    for k in range(buckets):
        first[k + 1] += first[k]
    items = np.empty(first[buckets], np.int64)
    fill = first[:-1].copy()
    long_list = np.empty(longs, np.int64)
    m = 0
    for i in range(len(lower)):
        if upper[i] - lower[i] > long_cut:
            long_list[m] = i
            m += 1
        else:
            last = (upper[i] - 1 - start) // width
            for k in range((lower[i] - start) // width, last + 1):
                items[fill[k]] = i
                fill[k] += 1
    return start, first, items, long_list


class _Scratch(NamedTuple):
    """Work arrays of one kernel call, kept between calls (``O(n)``)."""

    stamp: np.ndarray
    out: np.ndarray
    found: np.ndarray
    keys: np.ndarray
    ruined: np.ndarray
    old: np.ndarray
    placed: np.ndarray  # the buffers in place, sorted by offset: 5 columns


def scratch(n: int) -> _Scratch:
    """Work arrays for :func:`recreate_moves` on ``n`` buffers."""
    return _Scratch(np.zeros(n, np.int64), np.zeros(n, np.bool_), np.empty(n, np.int64),
                    np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64),
                    np.empty((5, n), np.int64))


def recreate_moves(lower: np.ndarray, upper: np.ndarray, size: np.ndarray,
                   alignment: np.ndarray, movable: np.ndarray, offset: np.ndarray,
                   index: TimeIndex, work: _Scratch, target: int, cap: int,
                   moves: int, seed: int, priority: np.ndarray) -> int:
    """Try ``moves`` ruin-and-recreate moves towards ``target``, changing
    ``offset`` in place; no buffer ends above ``cap``.  ``priority`` ranks
    the buffers for the moves that put them back in a given order (lowest
    first).  Returns how many buffers are still above ``target`` (0: the
    target is reached)."""
    return _moves(lower, upper, size, alignment, movable, offset, index.start,
                  index.width, index.first, index.items, index.longs, *work,
                  target, cap, moves, seed, RUINED[0], RUINED[1], priority)


@njit(cache=True, nogil=True)
def meeting(lo, hi, lower, upper, start, width, first, items, longs, stamp, tick,
            found):  # pragma: no cover - numba
    """The buffers whose lifespans meet ``[lo, hi)`` into ``found``; returns
    their number.  ``stamp`` marks those already listed (with ``tick``)."""
    m = 0
    buckets = len(first) - 1
    for k in range(max(0, (lo - start) // width),
                   min(buckets - 1, (hi - 1 - start) // width) + 1):
        for p in range(first[k], first[k + 1]):
            j = items[p]
            if stamp[j] != tick and lower[j] < hi and upper[j] > lo:
                stamp[j] = tick
                found[m] = j
                m += 1
    for j in longs:
        if lower[j] < hi and upper[j] > lo:
            found[m] = j
            m += 1
    return m


@njit(cache=True, nogil=True)
def _moves(lower, upper, size, alignment, movable, offset, start, width, first,
           items, longs, stamp, out, found, keys, ruined, old, placed,
           target, cap, moves, seed, fewest, most,
           priority):  # pragma: no cover - numba
    np.random.seed(seed)
    n = len(lower)
    # The buffers above the target, as a list with positions (O(1) updates).
    where = np.full(n, -1, np.int64)
    above = np.empty(n, np.int64)
    count = 0
    for i in range(n):
        if offset[i] + size[i] > target:
            where[i] = count
            above[count] = i
            count += 1
    tick = stamp.max()
    for _ in range(moves):
        if count == 0:
            break
        b = above[np.random.randint(count)]
        if not movable[b]:
            break  # fixed by the problem: no move can lower it
        tick += 1
        r = _ruin(b, lower, upper, size, movable, offset, start, width, first,
                  items, longs, stamp, tick, found, keys, ruined,
                  fewest + np.random.randint(most - fewest + 1))
        before_over = 0.0
        before_sum = 0.0
        for q in range(r):
            j = ruined[q]
            old[q] = offset[j]
            top = offset[j] + size[j]
            before_over += max(0, top - target)
            before_sum += top
            out[j] = True
        tick += 1
        after_over, after_sum = _recreate(
            ruined[:r], lower, upper, size, alignment, offset, start, width, first,
            items, longs, stamp, tick, found, keys, out, placed, target, cap,
            priority)
        if after_over < before_over or (after_over == before_over
                                        and after_sum <= before_sum):
            for q in range(r):
                j = ruined[q]
                high = offset[j] + size[j] > target
                if high and where[j] < 0:
                    where[j] = count
                    above[count] = j
                    count += 1
                elif not high and where[j] >= 0:
                    last = above[count - 1]
                    above[where[j]] = last
                    where[last] = where[j]
                    where[j] = -1
                    count -= 1
        else:
            for q in range(r):
                offset[ruined[q]] = old[q]
    return count


@njit(cache=True, nogil=True)
def ruin_around(b, lower, upper, size, movable, start, width, first, items, longs,
                stamp, tick, found, ruined, want):  # pragma: no cover - numba
    """The start of every ruin: a stretch of time around ``b`` (``how`` 2: a
    short window in its life; else its life, stretched by up to two typical
    lifespans) and the movable buffers meeting it, in ``found[:k]``.
    ``ruined`` gets ``b`` and, with ``how`` 2, those living inside the window
    (at most three times ``want``).  Returns ``(how, k, r)``, ``r`` the
    buffers in ``ruined``; for ``how`` 0 and 1 the caller picks the rest
    from ``found`` by its own measure of height."""
    span = upper[b] - lower[b]
    how = np.random.randint(3)
    if how == 2:  # a short window somewhere in b's life
        t = lower[b] + np.random.randint(span)
        reach = np.random.randint(width) + 1
        lo, hi = t - reach, t + reach
    else:  # b's life, stretched by up to two typical lifespans
        reach = np.random.randint(2 * width + 1) if np.random.randint(2) else 0
        lo, hi = lower[b] - reach, upper[b] + reach
    m = meeting(lo, hi, lower, upper, start, width, first, items, longs, stamp,
                tick, found)
    k = 0
    for p in range(m):
        j = found[p]
        if j != b and movable[j] and size[j] > 0:
            found[k] = j
            k += 1
    ruined[0] = b
    r = 1
    if how == 2:  # those living inside the window (cut to three times want)
        for p in range(k):
            j = found[p]
            if lower[j] >= lo and upper[j] <= hi and r < 3 * want:
                ruined[r] = j
                r += 1
    return how, k, r


@njit(cache=True, nogil=True)
def set_placed(placed, p, at, j, size, lower, upper):  # pragma: no cover - numba
    """Column ``p`` of ``placed`` (rows: offset, top, lower, upper, id) is
    buffer ``j`` at offset ``at``."""
    placed[0, p] = at
    placed[1, p] = at + size[j]
    placed[2, p] = lower[j]
    placed[3, p] = upper[j]
    placed[4, p] = j


@njit(cache=True, nogil=True)
def insert_placed(placed, u, at, j, size, lower, upper):  # pragma: no cover - numba
    """Insert buffer ``j`` at offset ``at`` into the first ``u`` columns of
    ``placed``, kept sorted by offset."""
    p = u
    while p > 0 and placed[0, p - 1] > at:
        placed[:, p] = placed[:, p - 1]
        p -= 1
    set_placed(placed, p, at, j, size, lower, upper)


@njit(cache=True, nogil=True)
def _ruin(b, lower, upper, size, movable, offset, start, width, first, items, longs,
          stamp, tick, found, keys, ruined, want):  # pragma: no cover - numba
    """Choose the buffers to take out with ``b`` into ``ruined``; returns
    how many (``b`` first)."""
    how, k, r = ruin_around(b, lower, upper, size, movable, start, width, first,
                            items, longs, stamp, tick, found, ruined, want)
    if how == 2:
        return r
    if how == 0:  # the highest
        for p in range(k):
            keys[p] = -(offset[found[p]] + size[found[p]])
    else:  # the nearest a random level below b's top
        level = np.random.randint(offset[b] + size[b] + 1)
        for p in range(k):
            keys[p] = abs(offset[found[p]] + size[found[p]] // 2 - level)
    order = np.argsort(keys[:k])
    for q in range(min(k, want - 1)):
        ruined[r] = found[order[q]]
        r += 1
    return r


@njit(cache=True, nogil=True)
def _recreate(ruined, lower, upper, size, alignment, offset, start, width, first,
              items, longs, stamp, tick, found, keys, out, placed, target,
              cap, priority):  # pragma: no cover - numba
    """Put the ``ruined`` buffers (flagged in ``out``) back, by
    ``priority`` or largest first, each at its lowest free aligned offset;
    returns the overflow above ``target`` and the sum of their tops (an
    infinite overflow if one ends above ``cap``)."""
    r = len(ruined)
    if np.random.random() < PEAK_SHARE:
        for q in range(r):
            keys[q] = priority[ruined[q]]
    else:
        for q in range(r):
            keys[q] = -int(size[ruined[q]] * (0.8 + 0.4 * np.random.random()) * 1024)
    order = np.argsort(keys[:r])
    lo = lower[ruined].min()
    hi = upper[ruined].max()
    m = meeting(lo, hi, lower, upper, start, width, first, items, longs, stamp,
                tick, found)
    # The buffers in place around them, sorted by offset: one sort per move;
    # each buffer put back is inserted into it.
    u = 0
    for p in range(m):
        j = found[p]
        if not out[j] and size[j] > 0:
            found[u] = j
            keys[u] = offset[j]
            u += 1
    by_offset = np.argsort(keys[:u])
    for p in range(u):
        j = found[by_offset[p]]
        set_placed(placed, p, offset[j], j, size, lower, upper)
    # Sums in float64: an int64 sum of many tops near the value limit could
    # wrap; they only rank moves, the cap is checked exactly.
    over = 0.0
    tops = 0.0
    beyond = False
    for q in range(r):
        j = ruined[order[q]]
        at = lowest_fit(placed, u, lower[j], upper[j], size[j], alignment[j])
        offset[j] = at
        out[j] = False
        insert_placed(placed, u, at, j, size, lower, upper)
        u += 1
        top = at + size[j]
        over += max(0, top - target)
        tops += top
        beyond |= top > cap
    return (np.inf if beyond else over), tops


@njit(cache=True, nogil=True)
def lowest_fit(placed, u, lo, hi, size, alignment):  # pragma: no cover - numba
    """The lowest multiple of ``alignment`` where ``size`` bytes meet none of
    the first ``u`` placed buffers (sorted by offset) alive in ``[lo, hi)``.

    Scanning by offset, a candidate below a neighbour's offset minus
    ``size`` is free (every later one starts higher); otherwise the
    candidate moves above that neighbour."""
    at = 0
    for p in range(u):
        if placed[3, p] <= lo or placed[2, p] >= hi:
            continue
        if placed[0, p] >= at + size:
            break
        if placed[1, p] > at:
            at = (placed[1, p] + alignment - 1) // alignment * alignment
    return at
