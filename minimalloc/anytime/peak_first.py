"""The anytime optimiser's peak-first order: the buffers alive at the
heaviest moment first, then those of the next heaviest, each at its lowest
free offset (:func:`peak_first`).  It is where the optimiser starts when no
window around the heaviest moment could be packed exactly
(:mod:`~minimalloc.anytime.peak_window`), and the order in which the
optimiser's moves put released buffers back
(:mod:`~minimalloc.anytime.improve`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from minimalloc.arrays import distinct
from minimalloc.baselines.allocators import first_fit_in_order, folded_placement
from minimalloc.columns import buffer_columns
from minimalloc.deadline import Deadline
from minimalloc.model import Problem, Solution

__all__ = ["peak_first", "peak_first_rank"]


def peak_first(problem: Problem,
               deadline: Deadline | float | None = None) -> tuple[Solution, bool]:
    """The anytime optimiser's start, not a compiler's baseline: the buffers
    alive at the heaviest moment first, then those whose heaviest moment is
    the next heaviest, and so on (longer lifespans first among those sharing
    one), each at its lowest free offset.

    The height is set where the live bytes peak, and there the first buffers
    placed stack without a hole.  The height itself is often above the
    baselines', but the optimiser lowers it much further: measured with
    ``minimize(timeout=60)`` on random traces of 10^4-3 x 10^4 buffers, from
    1.014-1.031 x LOAD to 1.000-1.015 (``make bench --anytime``).  The
    moment's weight is the buffers' sizes summed over their whole lifespans
    (gaps ignored: it only orders).  Returns the allocation and whether it
    was finished before the deadline, as
    :func:`~minimalloc.baselines.allocators.allocate_within`.

    >>> from minimalloc.model import Buffer, Problem
    >>> p = Problem((Buffer("a", 0, 2, 2), Buffer("b", 1, 4, 3), Buffer("c", 3, 5, 4)))
    >>> peak_first(p)
    (Solution(offsets=(3, 0, 3), height=7), True)
    """
    if problem.has_aliases:
        return folded_placement(problem, lambda blocks: peak_first(blocks, deadline))
    columns = buffer_columns(problem.buffers)
    rank = peak_first_rank(columns.lower, columns.upper, columns.size)
    return first_fit_in_order(problem, rank, deadline)


def peak_first_rank(lower: np.ndarray, upper: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Each buffer's position in the order of :func:`peak_first` (ties by
    index), from its lifespan ``[lower, upper)`` and size."""
    heaviest = _heaviest_moment(lower, upper, size)
    order = np.lexsort((np.arange(len(lower)), -(upper - lower), -heaviest))
    rank = np.empty(len(lower), np.int64)
    rank[order] = np.arange(len(lower), dtype=np.int64)
    return rank


def _heaviest_moment(lower: np.ndarray, upper: np.ndarray, size: np.ndarray) -> np.ndarray:
    """For each buffer, the most bytes alive at one moment of its lifespan
    (``O(n log n)``: a range-maximum tree over the moments between events)."""
    if not len(lower):
        return np.zeros(0, np.int64)
    times = distinct(np.concatenate((lower, upper)))
    first = np.searchsorted(times, lower)
    last = np.searchsorted(times, upper)  # exclusive: moments first..last-1
    live = _live_bytes(first, last, size, len(times))
    return _range_max(live, first, np.maximum(last, first + 1))


@njit(cache=True, nogil=True)
def _live_bytes(first, last, size, moments):  # pragma: no cover - numba
    """The bytes alive at each moment (``np.add.at`` is far slower)."""
    change = np.zeros(moments + 1, np.int64)
    for i in range(len(first)):
        change[first[i]] += size[i]
        change[last[i]] -= size[i]
    return np.cumsum(change)[:moments]


@njit(cache=True, nogil=True)
def _range_max(values, first, last):  # pragma: no cover - numba
    """``max(values[first[i]:last[i]])`` for each ``i`` (a bottom-up segment
    tree: ``O(log m)`` per range, memory ``2m``)."""
    m = len(values)
    tree = np.empty(2 * m, np.int64)
    tree[m:] = values
    for k in range(m - 1, 0, -1):
        tree[k] = max(tree[2 * k], tree[2 * k + 1])
    out = np.empty(len(first), np.int64)
    for i in range(len(first)):
        lo = first[i] + m
        hi = last[i] + m
        best = tree[lo]
        while lo < hi:
            if lo & 1:
                best = max(best, tree[lo])
                lo += 1
            if hi & 1:
                hi -= 1
                best = max(best, tree[hi])
            lo >>= 1
            hi >>= 1
        out[i] = best
    return out
