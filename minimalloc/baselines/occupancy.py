"""The addresses placed buffers occupy over a stretch of time, kept as unions.

A baseline allocator (:mod:`minimalloc.baselines.allocators`) places buffers one at a
time; to place ``x`` it needs the offsets that the placed buffers alive
during ``x``'s lifetime forbid, that is the *union* of the addresses they
occupy (shifted by ``x``'s size).  Walking those buffers one by one costs,
over a whole run, the number of pairs of buffers alive together: billions
in a training snapshot, where a long-lived activation meets every
temporary of its step.  This module keeps unions instead, so that the cost
follows the buffers alive at once and how fragmented the memory is.

Time is counted in *ranks*: the distinct times where a piece (a stretch
where a buffer is active, :func:`minimalloc.bounds.active_pieces`) starts.
A piece touches the ranks of the starts inside its lifetime, and two pieces
meet in time exactly when they touch a common rank (the later start of the
two lies inside both).  Ranks are grouped in *buckets* of
:data:`BUCKET` consecutive ones, the leaves of a binary tree.  For four
buckets and three placed pieces::

    ranks      0..31    32..63   64..95   96..127
    bucket       0        1        2        3        tree:      1
    p (a..b)   [--------------------]                        2     3
    q              [-]                                      4  5  6  7
    r                       [-------------------]          (leaves 4-7 =
                                                             buckets 0-3)

Each tree node ``N`` keeps two unions of address ranges, each a sorted list
of disjoint intervals (touching ones merged):

- ``cover(N)``: the pieces that cover every rank of ``N``'s buckets and
  were stored at ``N`` (the usual canonical nodes of a segment tree: ``p``
  covers bucket 1 fully, so it is stored at leaf 5; ``r`` at leaf 6);
- ``sub(N)``: every piece that touches a bucket below ``N`` (``p``, ``q``
  and ``r`` are all in ``sub(1)``; ``sub(5)`` holds ``p``, ``q`` and ``r``).

A piece that touches a bucket without covering it (``p`` in buckets 0 and 2,
``q`` in bucket 0) is also listed in that bucket's *partial list*, fixed in
advance.  The pieces that meet a query piece are then exactly: those in
``sub(C)`` for the canonical nodes ``C`` of the buckets it covers fully;
those in ``cover(A)`` for ``A`` on the paths from its first and last buckets
(and fully covered ones) to the root; and those of the partial lists of its
first and last buckets whose ranks meet its own (checked one by one).
Placing a piece adds its address range to ``O(log buckets)`` unions;
querying reads ``O(log buckets)`` unions and two partial lists.

Unions are what the allocators need: the offsets that ``x`` may not take are
those where some piece of ``x`` (window ``[wlo, whi)`` of its size) meets an
occupied range ``[L, H)``, that is ``[L - whi + 1, H - wlo)``, and the union
of these over the placed pieces is the same whether it is formed from the
pieces one by one or from the merged ranges.  So the allocators' answers are
exactly those of listing every pair (tests compare them with a version that
does).

Cost: memory ``O(n)`` for the fixed part and the unions' intervals, which
grow with how fragmented the occupied memory is over a stretch of time,
not with the pairs; time per placed buffer ``O(log n)`` unions of that
size plus two partial lists of about ``2 * BUCKET`` pieces.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from minimalloc.arrays import distinct
from minimalloc.bounds import active_pieces
from minimalloc.model import Problem

__all__ = ["BUCKET", "Occupancy", "forbidden", "new_state", "occupancy", "occupy"]

#: Ranks per bucket (a leaf of the tree).  Smaller buckets mean shorter
#: partial lists to scan and more unions to keep.
BUCKET = 32

# Columns of the per-node union descriptors.
_START, _LENGTH, _CAPACITY = 0, 1, 2
# Positions in the shape array.
_B, _BUCKETS, _LEAVES, _RANKS = 0, 1, 2, 3


class Occupancy(NamedTuple):
    """The fixed part of the structure for a problem (read-only, shared by
    the threads that run allocators on it).

    Buffer ``x``'s pieces are rows ``ptr[x]:ptr[x + 1]`` of ``owner``,
    ``wlo``, ``whi`` (occupied window) and ``r0``, ``r1`` (first and last
    rank touched); bucket ``j``'s partial list is
    ``partial[partial_ptr[j]:partial_ptr[j + 1]]`` (piece rows, with their
    ranks in ``partial_r0``, ``partial_r1``: read in order, no indirection);
    ``partial_of[k]`` gives the (at most two) positions of piece ``k`` in
    the partial lists, -1 for none; ``shape`` holds the bucket size, the
    number of buckets, of tree leaves and of ranks.
    """

    ptr: np.ndarray
    owner: np.ndarray
    wlo: np.ndarray
    whi: np.ndarray
    r0: np.ndarray
    r1: np.ndarray
    partial_ptr: np.ndarray
    partial: np.ndarray
    partial_r0: np.ndarray
    partial_r1: np.ndarray
    partial_of: np.ndarray
    shape: np.ndarray


def occupancy(problem: Problem, bucket: int = BUCKET) -> Occupancy:
    """The fixed part for ``problem``'s pieces of nonzero width
    (``O(m log m)`` for ``m`` pieces)."""
    pieces = active_pieces(problem)
    n = len(problem.buffers)
    keep = pieces.whi > pieces.wlo  # empty pieces (size 0) occupy nothing
    owner, t0, t1 = pieces.owner[keep], pieces.t0[keep], pieces.t1[keep]
    ptr = np.searchsorted(owner, np.arange(n + 1)).astype(np.int64)
    starts = distinct(t0)
    r0 = np.searchsorted(starts, t0).astype(np.int64)
    r1 = (np.searchsorted(starts, t1, side="left") - 1).astype(np.int64)
    ranks = len(starts)
    buckets = max(1, -(-ranks // bucket))
    leaves = 1
    while leaves < buckets:
        leaves *= 2
    b0, b1 = r0 // bucket, r1 // bucket
    last = np.minimum((b1 + 1) * bucket, ranks) - 1
    first_partial = r0 != b0 * bucket
    last_partial = (r1 != last) & ((b1 != b0) | ~first_partial)
    rows = np.arange(len(owner), dtype=np.int64)
    where = np.concatenate((b0[first_partial], b1[last_partial]))
    which = np.concatenate((rows[first_partial], rows[last_partial]))
    order = np.lexsort((which, where))
    partial_ptr = np.searchsorted(where[order], np.arange(buckets + 1)).astype(np.int64)
    partial = which[order]
    partial_of = np.full((len(owner), 2), -1, np.int64)
    by_piece = np.argsort(partial, kind="stable")  # each piece's positions, in order
    pieces_sorted = partial[by_piece]
    second = np.zeros(len(partial), bool)
    second[1:] = pieces_sorted[1:] == pieces_sorted[:-1]
    partial_of[pieces_sorted[~second], 0] = by_piece[~second]
    partial_of[pieces_sorted[second], 1] = by_piece[second]
    shape = np.array([bucket, buckets, leaves, ranks], np.int64)
    return Occupancy(ptr, owner, pieces.wlo[keep], pieces.whi[keep], r0, r1,
                     partial_ptr, partial, r0[partial], r1[partial], partial_of, shape)


# ----------------------------------------------------------------------------
# The unions (numba)
#
# Tuples ``occ`` (an Occupancy) and ``state`` (new_state's) are passed to the
# kernels whole.  The hot helpers return counts, never arrays: a returned
# array costs two atomic reference counts, which add up over billions of
# calls.


@njit(cache=True, nogil=True)
def new_state(occ):  # pragma: no cover - numba
    """Empty unions for every node: descriptors for ``cover`` and ``sub``
    (start, length, capacity of each in the pool), the pool of intervals,
    a stamp per node to visit each once per operation, the pool's top, the
    partial lists' placed address ranges (``hi`` 0: not placed) and scratch
    room for the nodes an operation touches."""
    shape = occ[11]
    nodes = 2 * shape[_LEAVES]
    cover = np.zeros((nodes, 3), np.int64)
    sub = np.zeros((nodes, 3), np.int64)
    pool = np.zeros((max(1024, 8 * nodes), 2), np.int64)
    stamps = np.zeros((nodes, 2), np.int64)
    meta = np.zeros(2, np.int64)  # the pool's top, the last stamp
    part_lo = np.zeros(len(occ[7]), np.int64)
    part_hi = np.zeros(len(occ[7]), np.int64)
    scratch = np.empty(1024, np.int64)
    return cover, sub, pool, stamps, meta, part_lo, part_hi, scratch


@njit(cache=True, nogil=True)
def _compacted(cover, sub, pool, top, needed):  # pragma: no cover - numba
    """A new pool holding every union packed (each with room to double),
    with room for ``needed`` more rows, and its top.  Moved unions leave
    their old place unused, so the pool is rebuilt rather than only grown:
    its size stays about twice what the unions hold."""
    total = np.int64(0)
    for unions in (cover, sub):
        for node in range(len(unions)):
            if unions[node, _LENGTH]:
                total += max(4, 2 * unions[node, _LENGTH])
    fresh = np.zeros((max(1024, 2 * (total + needed)), 2), np.int64)
    top = 0
    for unions in (cover, sub):
        for node in range(len(unions)):
            n = unions[node, _LENGTH]
            if n == 0:
                unions[node, _START] = 0
                unions[node, _CAPACITY] = 0
                continue
            start = unions[node, _START]
            fresh[top:top + n] = pool[start:start + n]
            unions[node, _START] = top
            unions[node, _CAPACITY] = max(4, 2 * n)
            top += max(4, 2 * n)
    return fresh, top


@njit(cache=True, nogil=True)
def _add(unions, node, lo, hi, pool, top):  # pragma: no cover - numba
    """Add ``[lo, hi)`` to the union of ``node`` (merging what it meets or
    touches).  Returns the new top of the pool and 1 if the union already
    held the range (nothing changed), 0 if it changed, -1 if the union must
    move and the pool has no room for twice its length (nothing done)."""
    start = unions[node, _START]
    n = unions[node, _LENGTH]
    a, b = 0, n  # the first interval that ends at or after lo
    while a < b:
        m = (a + b) // 2
        if pool[start + m, 1] < lo:
            a = m + 1
        else:
            b = m
    i = a
    if i < n and pool[start + i, 0] <= lo and hi <= pool[start + i, 1]:
        return top, 1
    j = i
    while j < n and pool[start + j, 0] <= hi:
        j += 1
    if j > i:  # merge intervals i..j-1 with [lo, hi)
        pool[start + i, 0] = min(lo, pool[start + i, 0])
        pool[start + i, 1] = max(hi, pool[start + j - 1, 1])
        gone = j - i - 1
        if gone:
            for k in range(j, n):
                pool[start + k - gone, 0] = pool[start + k, 0]
                pool[start + k - gone, 1] = pool[start + k, 1]
            unions[node, _LENGTH] = n - gone
        return top, 0
    if n == unions[node, _CAPACITY]:  # move to a larger place at the top
        capacity = max(4, 2 * n)
        if top + capacity > len(pool):
            return top, -1
        for k in range(n):
            pool[top + k, 0] = pool[start + k, 0]
            pool[top + k, 1] = pool[start + k, 1]
        start = top
        unions[node, _START] = top
        unions[node, _CAPACITY] = capacity
        top += capacity
    for k in range(n - 1, i - 1, -1):
        pool[start + k + 1, 0] = pool[start + k, 0]
        pool[start + k + 1, 1] = pool[start + k, 1]
    pool[start + i, 0] = lo
    pool[start + i, 1] = hi
    unions[node, _LENGTH] = n + 1
    return top, 0


@njit(cache=True, nogil=True)
def _full_range(first, last, shape):  # pragma: no cover - numba
    """The first and last buckets that ranks ``first..last`` touch, and the
    first and last they cover entirely (none if the third exceeds the fourth)."""
    bucket = shape[_B]
    b0, b1 = first // bucket, last // bucket
    f0 = b0 if first == b0 * bucket else b0 + 1
    f1 = b1 if last == min((b1 + 1) * bucket, shape[_RANKS]) - 1 else b1 - 1
    return b0, b1, f0, f1


@njit(cache=True, nogil=True)
def _added(unions, node, lo, hi, state):  # pragma: no cover - numba
    """``_add``, rebuilding the pool when it is full; returns the pool and
    whether the union already held the range."""
    pool, meta = state[2], state[4]
    while True:
        top, held = _add(unions, node, lo, hi, pool, meta[0])
        if held >= 0:
            meta[0] = top
            return pool, held == 1
        pool, meta[0] = _compacted(state[0], state[1], pool, meta[0],
                                   2 * unions[node, _LENGTH] + 4)


@njit(cache=True, nogil=True)
def occupy(k, base, occ, state):  # pragma: no cover - numba
    """Record piece ``k`` placed at offset ``base``: its address range goes
    into the unions above its buckets and its partial-list entries.
    Returns the pool (it may grow).

    The ``sub`` unions of a node's ancestors hold everything its own does,
    so walking up from a bucket stops at the first ``sub`` that already held
    the range: most placements reuse addresses and stop after a few levels.
    (The walks come before the canonical nodes, which would break that
    rule until their ancestors were reached.)
    """
    cover, sub, pool, stamps, meta = state[0], state[1], state[2], state[3], state[4]
    part_lo, part_hi = state[5], state[6]
    shape = occ[11]
    lo = base + occ[2][k]
    hi = base + occ[3][k]
    for side in range(2):
        position = occ[10][k, side]
        if position >= 0:
            part_lo[position] = lo
            part_hi[position] = hi
    meta[1] += 1
    stamp = meta[1]
    b0, b1, f0, f1 = _full_range(occ[4][k], occ[5][k], shape)
    leaves = shape[_LEAVES]
    # The paths first, while every sub union still holds what its children
    # hold (a canonical node's ancestors are on these paths).
    for leaf in (b0, b1, f0, f1):
        if leaf < b0 or leaf > b1:
            continue
        node = leaf + leaves
        while node >= 1 and stamps[node, 1] != stamp:
            stamps[node, 1] = stamp
            pool, held = _added(sub, node, lo, hi, state)
            state = (cover, sub, pool) + state[3:]
            if held:
                break  # every ancestor holds it too
            node //= 2
    if f0 <= f1:  # canonical nodes of the fully covered buckets
        left, right = f0 + leaves, f1 + leaves + 1
        while left < right:
            if left & 1:
                pool, _ = _added(cover, left, lo, hi, state)
                pool, _ = _added(sub, left, lo, hi, (cover, sub, pool) + state[3:])
                state = (cover, sub, pool) + state[3:]
                left += 1
            if right & 1:
                right -= 1
                pool, _ = _added(cover, right, lo, hi, state)
                pool, _ = _added(sub, right, lo, hi, (cover, sub, pool) + state[3:])
                state = (cover, sub, pool) + state[3:]
            left //= 2
            right //= 2
    return pool


@njit(cache=True, nogil=True)
def _forbid(low, high, qlo, qhi, lo, hi, count):  # pragma: no cover - numba
    """Append the offsets that the occupied range ``[low, high)`` forbids to
    a piece with window ``[qlo, qhi)``, ``[low - qhi + 1, high - qlo)``
    clipped at 0, unless empty; returns the new count."""
    a = max(low - qhi + 1, 0)
    b = high - qlo
    if b > a:
        lo[count] = a
        hi[count] = b
        count += 1
    return count


@njit(cache=True, nogil=True)
def _emit(unions, node, qlo, qhi, pool, lo, hi, count):  # pragma: no cover - numba
    """Append the offsets ``node``'s union forbids to a piece with window
    ``[qlo, qhi)``: ``[L - qhi + 1, H - qlo)`` for each ``[L, H)``, clipped
    at 0; empty ones left out.  Returns the new count, or -1 if ``lo`` is
    too short."""
    start = unions[node, _START]
    n = unions[node, _LENGTH]
    if count + n > len(lo):
        return -1
    for k in range(start, start + n):
        count = _forbid(pool[k, 0], pool[k, 1], qlo, qhi, lo, hi, count)
    return count


@njit(cache=True, nogil=True)
def forbidden(q, occ, state, lo, hi, count):  # pragma: no cover - numba
    """Append to ``lo``/``hi`` (from ``count`` on) the offsets that the
    placed pieces meeting piece ``q`` in time forbid to ``q``'s buffer;
    returns the new count, or -1 if the arrays are too short (grow them and
    ask again for every piece of the buffer)."""
    cover, sub, pool, stamps, meta, part_lo, part_hi, nodes = state
    wlo, whi, r0, r1, partial_ptr, partial_r0, partial_r1, shape = (
        occ[2], occ[3], occ[4], occ[5], occ[6], occ[8], occ[9], occ[11])
    qlo, qhi = wlo[q], whi[q]
    a0, a1 = r0[q], r1[q]
    b0, b1, f0, f1 = _full_range(a0, a1, shape)
    leaves = shape[_LEAVES]
    meta[1] += 1
    stamp = meta[1]
    if f0 <= f1:
        left, right = f0 + leaves, f1 + leaves + 1
        while left < right and count >= 0:
            if left & 1:
                count = _emit(sub, left, qlo, qhi, pool, lo, hi, count)
                left += 1
            if right & 1 and count >= 0:
                right -= 1
                count = _emit(sub, right, qlo, qhi, pool, lo, hi, count)
            left //= 2
            right //= 2
    for leaf in (b0, b1, f0, f1):
        if leaf < b0 or leaf > b1:
            continue
        node = leaf + leaves
        while node >= 1 and stamps[node, 0] != stamp and count >= 0:
            stamps[node, 0] = stamp
            count = _emit(cover, node, qlo, qhi, pool, lo, hi, count)
            node //= 2
    for side in range(2):  # buckets touched but not covered: piece by piece
        leaf = b0 if side == 0 else b1
        if count < 0 or (side == 1 and b1 == b0) or f0 <= leaf <= f1:
            continue
        first, last = partial_ptr[leaf], partial_ptr[leaf + 1]
        if count + last - first > len(lo):
            return -1
        for position in range(first, last):
            if part_hi[position] == 0 or partial_r0[position] > a1 \
                    or partial_r1[position] < a0:
                continue  # not placed, or not alive with q
            count = _forbid(part_lo[position], part_hi[position], qlo, qhi, lo, hi,
                            count)
    return count
