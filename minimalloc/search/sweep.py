"""Preprocessing: sections, partitions, overlaps and cuts, by a sweep over time.

Consider four buffers (half-open lifespans, one address unit each)::

    b0 = [1, 2)   b1 = [2, 4)   b2 = [0, 5)   b3 = [5, 9)

             t=0    t=1    t=2    t=3    t=4    t=5    t=6    t=7    t=8    t=9
              |======|======|======|======|======|======|======|======|======|
    offset=3  |      |  b0  |      |      |      |      |      |      |      |
    offset=2  |      |      |      b1     |      |      |      |      |      |
    offset=1  |                b2                |      |      |      |      |
    offset=0  |      |      |      |      |      |             b3            |
              |======|======|======|======|======|======|======|======|======|
    sections: |     sec0    |     sec1    | sec2 |            sec3           |
  partitions: |                p0                |             p1            |

The sweep visits every start and end in time order (ends before starts at
equal times, then by buffer index).  Each time a buffer ends later than the
previous cut, the buffers active at that moment become a *section*:
``sec0 = {b0, b2}``, ``sec1 = {b1, b2}``, ``sec2 = {b2}``, ``sec3 = {b3}``.
When nothing is alive, the buffers seen since the last empty moment form a
*partition*: ``p0 = {b2, b0, b1}`` over sections ``[0, 3)`` and
``p1 = {b3}`` over ``[3, 4)``.  The data this module builds for it::

    section_ptr      = [0, 2, 4, 5, 6]      section_buffers = [2, 0, 2, 1, 2, 3]
    span (per buffer): b0 [0,1)  b1 [1,2)  b2 [0,3)  b3 [3,4), window (0, size)
    overlaps:          b0: b2   b1: b2   b2: b0, b1   b3: -  (effective size 1)
    cuts             = [1, 1, 0]  # buffers spanning sections i and i+1

A cut of zero means the two sides can be solved independently; the search
keeps these counts up to date as buffers are placed (dynamic decomposition).

Gaps split a buffer's span in several pieces (``span_*`` arrays, CSR by
buffer): a non-windowed gap removes the buffer from the sections inside it; a
windowed gap keeps it there with the window as its extent.  The points are
created as the reference does, harmless quirks included, so that the sections
(and hence the search tree) are the same; but a span is made only for a
stretch where the buffer is active (the reference repeats one after a gap
without a window that reaches the lifespan's end), and gaps that touch each
other or cover the whole lifespan get points made from the active stretches
(the reference keeps the buffer active inside them).  Both of the reference's
versions count bytes that are not there, so section inference proves false
infeasibility.

Cost: O(n log n) for the sort, plus O(overlapping pairs + total section
size) for the sweep itself, which runs in a numba kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from minimalloc.columns import buffer_columns
from minimalloc.model import Buffer, Problem
from minimalloc.search.scratch import grow

RIGHT = 0  # ends sort before starts at equal times
LEFT = 1
NO_WINDOW = -1


@dataclass(frozen=True)
class SweepResult:
    """Sections, partitions, overlaps and cuts of a problem, as flat arrays.

    CSR layout: the items of row ``i`` of ``X`` are ``X_values[X_ptr[i]:X_ptr[i+1]]``.

    Attributes
    ----------
    section_ptr, section_buffers
        The buffers active in each section.
    span_ptr, span_lo, span_hi, span_wlo, span_whi
        Per buffer, its spans: section ranges ``[span_lo, span_hi)`` with the
        window ``[span_wlo, span_whi)`` it occupies there.
    first_section, last_section
        Per buffer, ``[first_section, last_section)`` covers all its spans.
    overlap_ptr, overlap_buffer, overlap_size
        Per buffer, the buffers alive with it (ascending index) and the
        effective size: how far above this buffer's offset the other must start.
    partition_ptr, partition_buffers, partition_lo, partition_hi
        Per partition, its buffers (in order of start) and section range.
    cuts
        ``cuts[i]``: number of buffers spanning sections ``i`` and ``i + 1``.
    """

    section_ptr: np.ndarray
    section_buffers: np.ndarray
    span_ptr: np.ndarray
    span_lo: np.ndarray
    span_hi: np.ndarray
    span_wlo: np.ndarray
    span_whi: np.ndarray
    first_section: np.ndarray
    last_section: np.ndarray
    overlap_ptr: np.ndarray
    overlap_buffer: np.ndarray
    overlap_size: np.ndarray
    partition_ptr: np.ndarray
    partition_buffers: np.ndarray
    partition_lo: np.ndarray
    partition_hi: np.ndarray
    cuts: np.ndarray

    @property
    def num_sections(self) -> int:
        return len(self.section_ptr) - 1

    @property
    def num_partitions(self) -> int:
        return len(self.partition_ptr) - 1

    def section(self, s: int) -> np.ndarray:
        """Indices of the buffers active in section ``s``."""
        return self.section_buffers[self.section_ptr[s] : self.section_ptr[s + 1]]

    def partition(self, p: int) -> np.ndarray:
        """Indices of the buffers of partition ``p``, in order of start."""
        return self.partition_buffers[self.partition_ptr[p] : self.partition_ptr[p + 1]]

    def overlaps(self, b: int) -> dict[int, int]:
        """``{other buffer: effective size}`` for buffer ``b``."""
        lo, hi = self.overlap_ptr[b], self.overlap_ptr[b + 1]
        others = self.overlap_buffer[lo:hi].tolist()
        return dict(zip(others, self.overlap_size[lo:hi].tolist()))

    def partition_of_buffers(self) -> np.ndarray:
        """The partition index of every buffer."""
        result = np.empty(len(self.first_section), dtype=np.int64)
        for p in range(self.num_partitions):
            result[self.partition(p)] = p
        return result


class BufferArrays:
    """The problem's buffers as contiguous int64 arrays (the kernels' input).

    Gaps are kept CSR by buffer, sorted by start: ``gap_lo``, ``gap_hi`` and the
    window ``gap_wlo``/``gap_whi`` (``NO_WINDOW`` where the buffer is inactive).
    """

    def __init__(self, buffers: tuple[Buffer, ...]) -> None:
        n = len(buffers)
        columns = buffer_columns(buffers)  # read once per problem, shared
        self.lower, self.upper, self.size = columns.lower, columns.upper, columns.size
        self.alignment, self.fixed = columns.alignment, columns.fixed
        counts = columns.gap_count
        self.gap_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=self.gap_ptr[1:])
        gaps = [g for i in np.flatnonzero(counts).tolist()
                for g in sorted(buffers[i].gaps, key=lambda g: g.lower)]
        self.gap_lo = np.array([g.lower for g in gaps], dtype=np.int64)
        self.gap_hi = np.array([g.upper for g in gaps], dtype=np.int64)
        self.gap_wlo = np.array(
            [NO_WINDOW if g.window is None else g.window[0] for g in gaps], dtype=np.int64
        )
        self.gap_whi = np.array(
            [NO_WINDOW if g.window is None else g.window[1] for g in gaps], dtype=np.int64
        )


def effective_size(upper: Buffer, other: Buffer) -> int | None:
    """How far above ``upper``'s offset ``other`` must start if placed on top.

    None if the two are never active at the same moment.

    >>> effective_size(Buffer("a", 0, 4, 8), Buffer("b", 2, 6, 3))
    8
    >>> effective_size(Buffer("a", 0, 4, 8), Buffer("b", 4, 6, 3)) is None
    True
    """
    arrays = BufferArrays((upper, other))
    size = _effective_size(0, 1, arrays.lower, arrays.upper, arrays.size, arrays.gap_ptr,
                           arrays.gap_lo, arrays.gap_hi, arrays.gap_wlo, arrays.gap_whi)
    return None if size == NO_OVERLAP else int(size)


def count_overlaps(problem: Problem) -> int:
    """How many pairs of buffers are alive at the same time, gaps ignored
    (so at least as many as the sweep lists), in ``O(n log n)`` without
    listing them: every pair overlaps but those where one ends before the
    other starts.

    >>> count_overlaps(Problem([Buffer("a", 0, 2, 1), Buffer("b", 1, 3, 1),
    ...                         Buffer("c", 2, 4, 1)]))
    2
    """
    n = len(problem.buffers)
    if n < 2:
        return 0
    columns = buffer_columns(problem.buffers)
    ends = np.sort(columns.upper)
    # lower < upper for every buffer, so each pair that does not overlap is
    # counted once, by the buffer that starts later.
    apart = int(np.searchsorted(ends, columns.lower, side="right").sum())
    return n * (n - 1) // 2 - apart


class SweepStopped(Exception):
    """The sweep was stopped by its flag (a time limit or a cancel)."""


def sweep(problem: Problem, arrays: BufferArrays | None = None,
          flag: np.ndarray | None = None) -> SweepResult:
    """Sections, partitions, overlaps and cuts of ``problem`` (see module doc).

    ``flag`` is a one-element int64 array (see :mod:`minimalloc.deadline`):
    when another thread sets it, the sweep stops and raises
    :class:`SweepStopped` (listing the overlaps of a big problem takes long).
    """
    if arrays is None:
        arrays = BufferArrays(problem.buffers)
    if flag is None:
        flag = np.zeros(1, np.int64)
    n = len(problem.buffers)
    points = create_points(problem, arrays)
    (sec_ptr, sec_buf, sp_buf, sp_lo, sp_hi, sp_wlo, sp_whi, ov_a, ov_b, ov_size,
     part_ptr, part_buf, part_lo, part_hi) = _sweep_kernel(
        n, *points, arrays.lower, arrays.upper, arrays.size, arrays.gap_ptr,
        arrays.gap_lo, arrays.gap_hi, arrays.gap_wlo, arrays.gap_whi, flag)
    if flag[0] != 0:
        raise SweepStopped("the sweep was stopped")
    # Spans were emitted in time order; a stable sort by buffer keeps that order.
    order = np.argsort(sp_buf, kind="stable")
    span_ptr = _csr_pointers(sp_buf, n)
    span_lo, span_hi = sp_lo[order], sp_hi[order]
    first = np.zeros(n, dtype=np.int64)
    last = np.zeros(n, dtype=np.int64)
    # A buffer whose gaps cover its whole lifespan has no span: it occupies
    # nothing, and gets the empty range at the start of its partition.
    spanned = np.diff(span_ptr) > 0
    first[spanned] = span_lo[span_ptr[:-1][spanned]]
    last[spanned] = span_hi[span_ptr[1:][spanned] - 1]
    if not spanned.all():
        starts = np.repeat(part_lo, np.diff(part_ptr))
        first[part_buf] = np.where(spanned[part_buf], first[part_buf], starts)
        last[part_buf] = np.where(spanned[part_buf], last[part_buf], starts)
    order_ov = _order_by_pair(ov_a, ov_b, n)
    num_sections = len(sec_ptr) - 1
    cuts = _cuts(first, last, max(num_sections - 1, 0))
    return SweepResult(
        section_ptr=sec_ptr, section_buffers=sec_buf,
        span_ptr=span_ptr, span_lo=span_lo, span_hi=span_hi,
        span_wlo=sp_wlo[order], span_whi=sp_whi[order],
        first_section=first, last_section=last,
        overlap_ptr=_csr_pointers(ov_a, n), overlap_buffer=ov_b[order_ov],
        overlap_size=ov_size[order_ov],
        partition_ptr=part_ptr, partition_buffers=part_buf,
        partition_lo=part_lo, partition_hi=part_hi, cuts=cuts,
    )


@nb.njit(cache=True)
def _order_by_pair(major, minor, n):
    """The permutation sorting pairs by (major, minor), both in ``[0, n)``:
    two stable counting sorts, O(len + n) (a lexsort of millions of overlap
    pairs takes far longer)."""
    count = len(major)
    by_minor = np.empty(count, np.int64)
    start = np.zeros(n + 1, np.int64)
    for i in range(count):
        start[minor[i] + 1] += 1
    for k in range(n):
        start[k + 1] += start[k]
    for i in range(count):
        by_minor[start[minor[i]]] = i
        start[minor[i]] += 1
    order = np.empty(count, np.int64)
    start[:] = 0
    for i in range(count):
        start[major[i] + 1] += 1
    for k in range(n):
        start[k + 1] += start[k]
    for i in by_minor:
        order[start[major[i]]] = i
        start[major[i]] += 1
    return order


def _csr_pointers(rows: np.ndarray, n: int) -> np.ndarray:
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=ptr[1:])
    return ptr


def _cuts(first: np.ndarray, last: np.ndarray, length: int) -> np.ndarray:
    # A buffer over sections [f, l) crosses the boundaries f .. l-2: add 1 on
    # that range with a difference array.
    diff = np.zeros(length + 1, dtype=np.int64)
    crossing = last - first >= 2
    np.add.at(diff, first[crossing], 1)
    np.add.at(diff, last[crossing] - 1, -1)
    return np.cumsum(diff)[:length]


def create_points(problem: Problem, arrays: BufferArrays) -> tuple[np.ndarray, ...]:
    """The sweep points sorted by (time, type, buffer), as parallel arrays.

    A buffer without gaps has two: its start and its end.  With gaps there are
    up to six per gap::

        A        BC       DE        F
                  |-------|
        |--------||  gap  ||--------|
                  |-------|

    made in the reference's order, so that its quirks (a non-windowed gap at
    the very start of a lifespan does not remove the buffer from the sections
    inside it) are reproduced.
    """
    n = len(problem.buffers)
    plain = np.flatnonzero(np.diff(arrays.gap_ptr) == 0)
    times = [arrays.lower[plain], arrays.upper[plain]]
    types = [np.full(len(plain), LEFT), np.full(len(plain), RIGHT)]
    bufs = [plain, plain]
    wlos = [np.zeros(len(plain), dtype=np.int64)] * 2
    whis = [arrays.size[plain]] * 2
    ends = [np.ones(len(plain), dtype=np.bool_)] * 2
    extra: list[tuple[int, int, int, int, int, bool]] = []
    for index in np.flatnonzero(np.diff(arrays.gap_ptr) > 0):
        extra.extend(_gapped_points(int(index), problem.buffers[index]))
    if extra:
        columns = list(zip(*extra))
        bufs.append(np.array(columns[0], dtype=np.int64))
        times.append(np.array(columns[1], dtype=np.int64))
        types.append(np.array(columns[2], dtype=np.int64))
        wlos.append(np.array(columns[3], dtype=np.int64))
        whis.append(np.array(columns[4], dtype=np.int64))
        ends.append(np.array(columns[5], dtype=np.bool_))
    time = np.concatenate(times) if n else np.zeros(0, np.int64)
    kind = np.concatenate(types).astype(np.int64) if n else np.zeros(0, np.int64)
    buf = np.concatenate(bufs).astype(np.int64) if n else np.zeros(0, np.int64)
    order = np.lexsort((buf, kind, time))
    return (time[order], kind[order], buf[order],
            np.concatenate(wlos)[order] if n else np.zeros(0, np.int64),
            np.concatenate(whis)[order] if n else np.zeros(0, np.int64),
            np.concatenate(ends)[order] if n else np.zeros(0, np.bool_))


Point = tuple[int, int, int, int, int, bool]  # buffer, time, type, wlo, whi, endpoint


def _gapped_points(index: int, buffer: Buffer) -> list[Point]:
    """Points (buffer, time, type, wlo, whi, endpoint) of a buffer with gaps.

    The reference's points where they describe the buffer's active stretches
    exactly (every common case: gaps apart from each other, at the start or
    the end of the lifespan); otherwise, for gaps that cover the whole
    lifespan or touch each other, where the reference's points keep the
    buffer active inside a gap without a window (so section inference counts
    bytes that are not there), points made from the stretches themselves.
    """
    points = _reference_points(index, buffer)
    if _stretches_of(points) == stretches(buffer):
        return points
    return _exact_points(index, buffer)


def stretches(buffer: Buffer) -> list[tuple[int, int, int, int]]:
    """The stretches ``(t0, t1, wlo, whi)`` where the buffer occupies memory,
    neighbours with the same window merged."""
    pieces: list[list[int]] = []
    time = buffer.lower
    for gap in sorted(buffer.gaps, key=lambda g: g.lower):
        if gap.lower > time:
            pieces.append([time, gap.lower, 0, buffer.size])
        if gap.window is not None:
            pieces.append([gap.lower, gap.upper, *gap.window])
        time = gap.upper
    if time < buffer.upper:
        pieces.append([time, buffer.upper, 0, buffer.size])
    merged: list[list[int]] = []
    for piece in pieces:
        if merged and merged[-1][1] == piece[0] and merged[-1][2:] == piece[2:]:
            merged[-1][1] = piece[1]
        else:
            merged.append(piece)
    return [tuple(p) for p in merged]


def _stretches_of(points: list[Point]) -> list[tuple[int, int, int, int]]:
    """The spans the sweep kernel makes of one buffer's points, as stretches
    (a stop while inactive makes none), neighbours with the same window
    merged."""
    active_since = None
    found: list[list[int]] = []
    for _, time, kind, wlo, whi, _ in sorted(points, key=lambda p: (p[1], p[2])):
        if kind == LEFT:
            if wlo != NO_WINDOW:
                active_since = time
        elif active_since is not None:
            if active_since < time:
                if found and found[-1][1] == active_since and found[-1][2:] == [wlo, whi]:
                    found[-1][1] = time
                else:
                    found.append([active_since, time, wlo, whi])
            active_since = None
    return [tuple(p) for p in found]


def _exact_points(index: int, buffer: Buffer) -> list[Point]:
    """A start and a stop per stretch; where the lifespan's own ends are not
    those of a stretch, an end point with ``NO_WINDOW`` marks them (the
    kernel then updates the buffers alive, not the active ones)."""
    points: list[list] = []
    for t0, t1, wlo, whi in stretches(buffer):
        points.append([index, t0, LEFT, wlo, whi, t0 == buffer.lower])
        points.append([index, t1, RIGHT, wlo, whi, t1 == buffer.upper])
    if not points or points[0][1] != buffer.lower:
        points.append([index, buffer.lower, LEFT, NO_WINDOW, NO_WINDOW, True])
    if not any(p[5] and p[2] == RIGHT for p in points):
        points.append([index, buffer.upper, RIGHT, NO_WINDOW, NO_WINDOW, True])
    return [tuple(p) for p in points]


def _reference_points(index: int, buffer: Buffer) -> list[Point]:
    """The points the reference makes for a buffer with gaps."""
    gaps = sorted(buffer.gaps, key=lambda g: g.lower)
    full = (0, buffer.size)
    points: list[list] = []
    left_times: set[int] = set()
    right_times: set[int] = set()
    for gap in gaps:  # windowed gaps first: the buffer is active there, narrower
        if gap.window is None:
            continue
        points.append([index, gap.lower, LEFT, *gap.window, False])
        points.append([index, gap.upper, RIGHT, *gap.window, False])
        left_times.add(gap.lower)
        right_times.add(gap.upper)
    if not points or points[0][1] != buffer.lower:
        points.insert(0, [index, buffer.lower, LEFT, *full, False])
    if points[-1][1] != buffer.upper:
        points.append([index, buffer.upper, RIGHT, *full, False])
    points[0][5] = points[-1][5] = True  # the lifespan's own ends
    right_times.add(buffer.lower)
    left_times.add(buffer.upper)
    for gap in gaps:  # non-windowed gaps: close before, reopen after
        if gap.window is not None:
            continue
        if gap.lower not in right_times:
            points.append([index, gap.lower, RIGHT, *full, False])
            right_times.add(gap.lower)
        if gap.upper not in left_times:
            points.append([index, gap.upper, LEFT, *full, False])
            left_times.add(gap.upper)
        left_times.add(gap.lower)
        right_times.add(gap.upper)
    for gap in gaps:  # full-width stretches between gaps
        if gap.lower not in right_times:
            points.append([index, gap.lower, RIGHT, *full, False])
        if gap.upper not in left_times:
            points.append([index, gap.upper, LEFT, *full, False])
    return [tuple(p) for p in points]


NO_OVERLAP = np.int64(-(2**62))

# Point kinds of the pairwise effective-size scan, in the order they sort at
# equal times: a start, a gap's end, a gap's start, an end.
_START, _GAP_END, _GAP_START, _END = 0, 1, 2, 3


@nb.njit(cache=True)
def _effective_size(a, x, lower, upper, size, gap_ptr, gap_lo, gap_hi, gap_wlo, gap_whi):
    """Effective size of ``x`` placed on top of ``a`` (``NO_OVERLAP`` if never
    active together): scan the moments where either changes window, and for
    each stretch where both are active take ``a.window.hi - x.window.lo``."""
    if upper[a] <= lower[x] or upper[x] <= lower[a]:
        return NO_OVERLAP
    if gap_ptr[a + 1] == gap_ptr[a] and gap_ptr[x + 1] == gap_ptr[x]:
        return size[a]
    count = 4 + 2 * (gap_ptr[a + 1] - gap_ptr[a] + gap_ptr[x + 1] - gap_ptr[x])
    time = np.empty(count, np.int64)
    kind = np.empty(count, np.int64)
    who = np.empty(count, np.int64)
    wlo = np.empty(count, np.int64)
    whi = np.empty(count, np.int64)
    k = 0
    for side in range(2):
        b = a if side == 0 else x
        k = _put(time, kind, who, wlo, whi, k, lower[b], _START, side, 0, size[b])
        k = _put(time, kind, who, wlo, whi, k, upper[b], _END, side, NO_WINDOW, NO_WINDOW)
        for g in range(gap_ptr[b], gap_ptr[b + 1]):
            k = _put(time, kind, who, wlo, whi, k, gap_lo[g], _GAP_START, side,
                     gap_wlo[g], gap_whi[g])
            k = _put(time, kind, who, wlo, whi, k, gap_hi[g], _GAP_END, side, 0, size[b])
    # Insertion sort by (time, kind, side): a handful of points.
    order = np.arange(count)
    for i in range(1, count):
        j = i
        while j > 0 and _before(order[j], order[j - 1], time, kind, who):
            order[j], order[j - 1] = order[j - 1], order[j]
            j -= 1
    cur_lo = np.full(2, NO_WINDOW, np.int64)
    cur_hi = np.full(2, NO_WINDOW, np.int64)
    best = NO_OVERLAP
    last_time = 0
    started = False
    for i in order:
        if started and time[i] > last_time:
            if cur_lo[0] != NO_WINDOW and cur_lo[1] != NO_WINDOW:
                diff = cur_hi[0] - cur_lo[1]
                if best == NO_OVERLAP or best < diff:
                    best = diff
        started = True
        last_time = time[i]
        cur_lo[who[i]] = wlo[i]
        cur_hi[who[i]] = whi[i]
    return best


@nb.njit(cache=True)
def _put(time, kind, who, wlo, whi, k, t, kd, side, lo, hi):
    time[k], kind[k], who[k], wlo[k], whi[k] = t, kd, side, lo, hi
    return k + 1


@nb.njit(cache=True)
def _before(i, j, time, kind, who):
    if time[i] != time[j]:
        return time[i] < time[j]
    if kind[i] != kind[j]:
        return kind[i] < kind[j]
    return who[i] < who[j]


@nb.njit(cache=True)
def _insert(members, position, count, b):
    """Add ``b`` to the set ``members[:count]`` (``position[b]`` is its slot,
    -1 when absent); returns the new count."""
    if position[b] < 0:
        position[b] = count
        members[count] = b
        count += 1
    return count


@nb.njit(cache=True)
def _erase(members, position, count, b):
    """Remove ``b`` from the set ``members[:count]`` in O(1): the last member
    takes its slot.  Returns the new count."""
    if position[b] >= 0:
        last = members[count - 1]
        members[position[b]] = last
        position[last] = position[b]
        position[b] = -1
        count -= 1
    return count


@nb.njit(cache=True, nogil=True)
def _sweep_kernel(n, pt_time, pt_type, pt_buf, pt_wlo, pt_whi, pt_end,
                  lower, upper, size, gap_ptr, gap_lo, gap_hi, gap_wlo, gap_whi, flag):
    # Sets with O(1) insert/erase and O(k) listing: members + position.
    active = np.empty(n, np.int64)
    active_pos = np.full(n, -1, np.int64)
    num_active = 0
    alive = np.empty(n, np.int64)
    alive_pos = np.full(n, -1, np.int64)
    num_alive = 0

    sec_ptr = np.zeros(16, np.int64)
    num_sec = 0
    sec_buf = np.empty(max(16, 2 * n), np.int64)
    sp_n = 0
    cap = max(16, len(pt_time))
    sp_buf = np.empty(cap, np.int64)
    sp_lo = np.empty(cap, np.int64)
    sp_hi = np.empty(cap, np.int64)
    sp_wlo = np.empty(cap, np.int64)
    sp_whi = np.empty(cap, np.int64)
    ov_n = 0
    ov_a = np.empty(max(16, 4 * n), np.int64)
    ov_b = np.empty(max(16, 4 * n), np.int64)
    ov_size = np.empty(max(16, 4 * n), np.int64)
    part_ptr = np.zeros(n + 1, np.int64)
    num_part = 0
    part_buf = np.empty(n, np.int64)
    part_n = 0
    part_lo = np.zeros(n, np.int64)
    part_hi = np.zeros(n, np.int64)
    section_start = np.full(n, -1, np.int64)
    last_section_time = 0
    have_time = False
    last_section_idx = 0

    for p in range(len(pt_time)):
        if (p & 255) == 0 and flag[0] != 0:  # stopped: the caller raises
            break
        b = pt_buf[p]
        t = pt_time[p]
        if not have_time:
            last_section_time = t
            have_time = True
        if pt_type[p] == RIGHT:
            if last_section_time < t:  # a new cross section of the actives
                last_section_time = t
                sec_ptr = grow(sec_ptr, num_sec + 2)
                start = sec_ptr[num_sec]
                sec_buf = grow(sec_buf, start + num_active)
                sec_buf[start:start + num_active] = active[:num_active]
                num_sec += 1
                sec_ptr[num_sec] = start + num_active
            was_active = active_pos[b] >= 0
            num_active = _erase(active, active_pos, num_active, b)
            if pt_end[p]:
                num_alive = _erase(alive, alive_pos, num_alive, b)
            if was_active:
                # Only an active stretch makes a span.  The reference also
                # emits one at the lifespan's end after a gap without a window
                # that reaches it, so the buffer's span repeats sections it
                # already closed and section inference counts it twice there.
                sp_buf[sp_n] = b
                sp_lo[sp_n] = section_start[b]
                sp_hi[sp_n] = num_sec
                sp_wlo[sp_n] = pt_wlo[p]
                sp_whi[sp_n] = pt_whi[p]
                sp_n += 1
            if num_alive == 0:  # the current partition is complete
                part_lo[num_part - 1] = last_section_idx
                part_hi[num_part - 1] = num_sec
                last_section_idx = num_sec
        else:
            if num_alive == 0:  # a new partition starts
                num_part += 1
                part_ptr[num_part] = part_ptr[num_part - 1]
            if pt_end[p]:
                part_buf[part_n] = b
                part_n += 1
                part_ptr[num_part] = part_n
                for k in range(num_alive):
                    o = alive[k]
                    up = _effective_size(o, b, lower, upper, size, gap_ptr, gap_lo,
                                         gap_hi, gap_wlo, gap_whi)
                    down = _effective_size(b, o, lower, upper, size, gap_ptr, gap_lo,
                                           gap_hi, gap_wlo, gap_whi)
                    if ov_n + 2 > len(ov_a):
                        ov_a = grow(ov_a, ov_n + 2)
                        ov_b = grow(ov_b, ov_n + 2)
                        ov_size = grow(ov_size, ov_n + 2)
                    if up != NO_OVERLAP:
                        ov_a[ov_n], ov_b[ov_n], ov_size[ov_n] = o, b, up
                        ov_n += 1
                    if down != NO_OVERLAP:
                        ov_a[ov_n], ov_b[ov_n], ov_size[ov_n] = b, o, down
                        ov_n += 1
            if pt_wlo[p] != NO_WINDOW:  # else only the lifespan's start
                num_active = _insert(active, active_pos, num_active, b)
                section_start[b] = num_sec
            if pt_end[p]:
                num_alive = _insert(alive, alive_pos, num_alive, b)
    return (sec_ptr[:num_sec + 1].copy(), sec_buf[:sec_ptr[num_sec]].copy(),
            sp_buf[:sp_n].copy(), sp_lo[:sp_n].copy(), sp_hi[:sp_n].copy(),
            sp_wlo[:sp_n].copy(), sp_whi[:sp_n].copy(),
            ov_a[:ov_n].copy(), ov_b[:ov_n].copy(), ov_size[:ov_n].copy(),
            part_ptr[:num_part + 1].copy(), part_buf[:part_n].copy(),
            part_lo[:num_part].copy(), part_hi[:num_part].copy())
