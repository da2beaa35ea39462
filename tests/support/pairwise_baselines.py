"""The baseline allocators as they were first written, listing every pair of
buffers alive together: memory grows with the number of such pairs.  Kept as
the reference the interval-tree placement of :mod:`minimalloc.baselines.allocators`
must match offset for offset (it is fast enough for thousands of buffers)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from minimalloc.bounds import active_pieces
from minimalloc.model import Problem, Solution

_FIRST_FIT = 0
_BEST_FIT = 1


class _Conflicts(NamedTuple):
    """For each buffer ``x``, what the buffers alive with it forbid (CSR).

    Row ``x`` is ``indptr[x]:indptr[x + 1]``; entry ``j`` says: once
    ``neighbour[j]`` is placed at ``o``, the offsets ``[o + low[j],
    o + high[j])`` are forbidden to ``x``.
    """

    indptr: np.ndarray
    neighbour: np.ndarray
    low: np.ndarray
    high: np.ndarray


def _conflicts(problem: Problem) -> _Conflicts:
    """Every pair of buffers alive together, as forbidden offset intervals."""
    buffers = problem.buffers
    n = len(buffers)
    lower = np.fromiter((b.lower for b in buffers), np.int64, n)
    upper = np.fromiter((b.upper for b in buffers), np.int64, n)
    size = np.fromiter((b.size for b in buffers), np.int64, n)
    gapped = np.fromiter((bool(b.gaps) for b in buffers), np.bool_, n)
    # Sort by start; the buffers starting in [lower_p, upper_p) after p in
    # that order are exactly those whose lifespans meet p's, each pair once.
    by_start = np.lexsort((np.arange(n), lower)).astype(np.int64)
    stop = np.searchsorted(lower[by_start], upper[by_start], side="left").astype(np.int64)
    empty = np.zeros(0, np.int64)
    counts = _pairs(by_start, stop, size, gapped, empty, empty, empty, empty, empty, empty)
    plain = tuple(np.empty(counts[0], np.int64) for _ in range(4))
    first, second = np.empty(counts[1], np.int64), np.empty(counts[1], np.int64)
    _pairs(by_start, stop, size, gapped, *plain, first, second)
    columns = [[part] for part in plain]
    if len(first):
        pieces = active_pieces(problem)
        pptr = np.searchsorted(pieces.owner, np.arange(n + 1)).astype(np.int64)
        rows = _piece_conflicts(first, second, pptr, pieces.t0, pieces.t1, pieces.wlo,
                                pieces.whi)
        for column, part in zip(columns, rows):
            column.append(part)
    return _Conflicts(*_group(n, *(np.concatenate(column) for column in columns)))


@njit(cache=True)
def _pairs(by_start, stop, size, gapped, source, neighbour, low, high, first,
           second):  # pragma: no cover
    """Walk the pairs of buffers alive together.  A pair without gaps (both of
    nonzero size) gives two rows ``(x, neighbour, low, high)``: ``x`` must
    avoid ``(o_n - size_x, o_n + size_n)``.  A pair where either has gaps is
    listed in ``first``/``second`` for the piece-by-piece treatment.  Returns
    both counts; fills the arrays only if they are long enough (call once
    with empty arrays to count)."""
    fill = len(source) > 0 or len(first) > 0
    rows = 0
    mixed = 0
    for p in range(len(by_start)):
        f = by_start[p]
        for q in range(p + 1, stop[p]):
            g = by_start[q]
            if gapped[f] or gapped[g]:
                if fill:
                    first[mixed] = f
                    second[mixed] = g
                mixed += 1
            elif size[f] > 0 and size[g] > 0:
                if fill:
                    source[rows] = g
                    neighbour[rows] = f
                    low[rows] = 1 - size[g]
                    high[rows] = size[f]
                    source[rows + 1] = f
                    neighbour[rows + 1] = g
                    low[rows + 1] = 1 - size[f]
                    high[rows + 1] = size[g]
                rows += 2
    return rows, mixed


@njit(cache=True)
def _group(n, source, neighbour, low, high):  # pragma: no cover
    """Counting sort of the rows by ``source`` into CSR form (``O(n + m)``,
    stable): ``(indptr, neighbour, low, high)``."""
    indptr = np.zeros(n + 1, np.int64)
    for s in source:
        indptr[s + 1] += 1
    for x in range(n):
        indptr[x + 1] += indptr[x]
    fill = indptr[:-1].copy()
    m = len(source)
    out_neighbour = np.empty(m, np.int64)
    out_low = np.empty(m, np.int64)
    out_high = np.empty(m, np.int64)
    for k in range(m):
        at = fill[source[k]]
        out_neighbour[at] = neighbour[k]
        out_low[at] = low[k]
        out_high[at] = high[k]
        fill[source[k]] = at + 1
    return indptr, out_neighbour, out_low, out_high


def _piece_conflicts(
    a: np.ndarray, b: np.ndarray, pptr: np.ndarray, t0: np.ndarray, t1: np.ndarray,
    wlo: np.ndarray, whi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The forbidden intervals between the pieces of each pair ``(a, b)``,
    in both directions, as columns ``(x, neighbour, low, high)``."""
    empty = np.zeros(0, np.int64)
    count = _walk_pairs(a, b, pptr, t0, t1, wlo, whi, empty, empty, empty, empty)
    rows = tuple(np.empty(count, np.int64) for _ in range(4))
    _walk_pairs(a, b, pptr, t0, t1, wlo, whi, *rows)
    return rows


@njit(cache=True)
def _walk_pairs(a, b, pptr, t0, t1, wlo, whi, source, other, low, high):  # pragma: no cover
    """Two pointers over the time-ordered pieces of both buffers of each pair;
    every two pieces sharing a moment (and both of nonzero width) give two
    rows.  Returns the number of rows; fills the arrays if they are long
    enough (call once with empty arrays to count)."""
    fill = len(source) > 0
    k = 0
    for pair in range(len(a)):
        i = pptr[a[pair]]
        i_end = pptr[a[pair] + 1]
        j = pptr[b[pair]]
        j_end = pptr[b[pair] + 1]
        while i < i_end and j < j_end:
            if (max(t0[i], t0[j]) < min(t1[i], t1[j])
                    and whi[i] > wlo[i] and whi[j] > wlo[j]):
                if fill:
                    # b at o_b forbids a: (o_b + wlo_j - whi_i, o_b + whi_j - wlo_i)
                    source[k] = a[pair]
                    other[k] = b[pair]
                    low[k] = wlo[j] - whi[i] + 1
                    high[k] = whi[j] - wlo[i]
                    source[k + 1] = b[pair]
                    other[k + 1] = a[pair]
                    low[k + 1] = wlo[i] - whi[j] + 1
                    high[k + 1] = whi[i] - wlo[j]
                k += 2
            if t1[i] <= t1[j]:
                i += 1
            else:
                j += 1
    return k


@njit(cache=True)
def _place(order, fixed, size, align, indptr, neighbour, low, high,
           mode):  # pragma: no cover
    """Place the buffers in ``order`` (fixed ones first, at their offsets).

    ``mode`` is ``_FIRST_FIT`` (lowest free aligned offset) or ``_BEST_FIT``
    (the shortest run of free offsets holding an aligned one, lowest first;
    the unbounded run at the top only if nothing else fits).
    """
    n = len(size)
    offset = np.zeros(n, np.int64)
    placed = np.zeros(n, np.bool_)
    for x in range(n):
        if fixed[x] >= 0:
            offset[x] = fixed[x]
            placed[x] = True
    widest = 1
    for x in range(n):
        widest = max(widest, indptr[x + 1] - indptr[x])
    lo = np.empty(widest, np.int64)
    hi = np.empty(widest, np.int64)
    for x in order:
        if placed[x]:
            continue
        a = align[x]
        k = 0
        for j in range(indptr[x], indptr[x + 1]):
            b = neighbour[j]
            if not placed[b]:
                continue
            start = offset[b] + low[j]
            stop = offset[b] + high[j]
            if start < 0:
                start = 0
            if stop <= start:
                continue
            lo[k] = start
            hi[k] = stop
            k += 1
        by_lo = np.argsort(lo[:k])
        free = 0  # start of the current run of free offsets
        best = -1
        best_length = 0
        for r in range(k):
            start = lo[by_lo[r]]
            if start > free:
                candidate = (free + a - 1) // a * a
                if candidate < start:
                    if mode == 0:
                        best = candidate
                        break
                    if best < 0 or start - free < best_length:
                        best = candidate
                        best_length = start - free
            free = max(free, hi[by_lo[r]])
        if best < 0:
            best = (free + a - 1) // a * a
        offset[x] = best
        placed[x] = True
    return offset


def _run(problem: Problem, keys: list[np.ndarray], mode: int) -> Solution:
    """Order by ``keys`` (``np.lexsort`` convention: last key is primary;
    the buffer index is appended as the final tie-break), then place."""
    buffers = problem.buffers
    n = len(buffers)
    if n == 0:
        return Solution((), 0)
    size = np.fromiter((b.size for b in buffers), np.int64, n)
    align = np.fromiter((b.alignment for b in buffers), np.int64, n)
    fixed = np.fromiter((-1 if b.offset is None else b.offset for b in buffers),
                        np.int64, n)
    order = np.lexsort([np.arange(n)] + keys).astype(np.int64)
    conflicts = _conflicts(problem)
    offset = _place(order, fixed, size, align, conflicts.indptr, conflicts.neighbour,
                    conflicts.low, conflicts.high, mode)
    return Solution(tuple(offset.tolist()), int((offset + size).max()))


def pairwise_allocate(problem: Problem, name: str) -> Solution:
    """The baseline ``name`` computed with the pair lists."""
    n = len(problem.buffers)
    size = np.fromiter((b.size for b in problem.buffers), np.int64, n)
    lower = np.fromiter((b.lower for b in problem.buffers), np.int64, n)
    width = np.fromiter((b.width for b in problem.buffers), np.int64, n)
    keys, mode = {
        "greedy_by_size": ([-size], _BEST_FIT),
        "best_fit": ([-width, -size], _BEST_FIT),
        "best_fit_duration": ([-size, -width], _BEST_FIT),
        "first_fit": ([lower], _FIRST_FIT),
    }[name]
    return _run(problem, keys, mode)
