"""Lower bounds on the height of any solution, and the live-bytes profile.

Everything here works on *pieces*: a buffer is cut along its gaps into the
stretches of time where it occupies memory, each with the window of its own
``[0, size)`` range that it occupies then (the whole range outside gaps, the
gap's window inside a windowed gap, nothing inside a gap without a window)::

    b: lower=0, upper=10, size=8, gaps=(2-4, 6-8@2:5)

    time    0   2   4   6   8   10
    window  [0:8)   .   [0:8)  [2:5)  [0:8)
    pieces  (0, 2, 0, 8)  (4, 6, 0, 8)  (6, 8, 2, 5)  (8, 10, 0, 8)

The *live bytes* at a moment are the total width of the pieces active then;
their maximum over time is the LOAD, the classic lower bound on the height.
All functions sort once (``O(n log n)``) and are vectorised with numpy; a
100,000-buffer problem takes a fraction of a second.

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("a", 0, 3, 4), Buffer("b", 2, 5, 4), Buffer("c", 4, 6, 2)))
>>> max_load(p), peak_times(p)
(8, [(2, 3)])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from minimalloc.columns import buffer_columns, derived
from minimalloc.deadline import Deadline, as_deadline
from minimalloc.errors import ProblemError
from minimalloc.model import Buffer, Problem
from minimalloc.tuning import ALWAYS_MOMENTS, STACK_LIMIT

__all__ = [
    "Pieces",
    "active_pieces",
    "load_profile",
    "lower_bound",
    "max_load",
    "moments",
    "overloaded",
    "peak_times",
    "stacking_bound",
]


class Pieces(NamedTuple):
    """The stretches where buffers occupy memory, one row per stretch.

    Rows are grouped by ``owner`` (ascending) and, within a buffer, ordered by
    time.  A piece of buffer ``owner`` placed at offset ``o`` occupies the
    addresses ``[o + wlo, o + whi)`` during the times ``[t0, t1)``.
    """

    owner: np.ndarray  #: index of the buffer in the problem
    t0: np.ndarray  #: start of the stretch (inclusive)
    t1: np.ndarray  #: end of the stretch (exclusive)
    wlo: np.ndarray  #: bottom of the occupied window, relative to the offset
    whi: np.ndarray  #: top of the occupied window, relative to the offset


def active_pieces(problem: Problem) -> Pieces:
    """Cut every buffer along its gaps into the stretches where it is active.

    Parameters
    ----------
    problem : Problem
        Any problem; capacity is not used.

    Returns
    -------
    Pieces
        int64 arrays.  A buffer without gaps is one piece
        ``(lower, upper, 0, size)``; a gap without a window removes its
        stretch; a windowed gap becomes a piece with that window.  Buffers of
        size 0 still get their pieces (of width 0).

    Notes
    -----
    Cost ``O(n + g)`` for ``g`` gaps; buffers without gaps are handled as
    whole arrays.  The result is computed once per problem's buffers and
    shared: its arrays are read-only.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Gap, Problem
    >>> b = Buffer("b", 0, 10, 8, gaps=(Gap(2, 4), Gap(6, 8, (2, 5))))
    >>> [tuple(int(v) for v in row) for row in zip(*active_pieces(Problem((b,)))[1:])]
    [(0, 2, 0, 8), (4, 6, 0, 8), (6, 8, 2, 5), (8, 10, 0, 8)]
    """
    return derived(problem.buffers, "pieces", lambda: _pieces(problem.buffers))


def _pieces(buffers: tuple[Buffer, ...]) -> Pieces:
    n = len(buffers)
    columns = buffer_columns(buffers)
    lower, upper, size = columns.lower, columns.upper, columns.size
    gapped = np.flatnonzero(columns.gap_count > 0).tolist()
    if not gapped:
        return _read_only(Pieces(np.arange(n, dtype=np.int64), lower, upper,
                                 np.zeros(n, np.int64), size))
    rows: list[tuple[int, int, int, int, int]] = []
    for i in gapped:
        b = buffers[i]
        time = b.lower
        for gap in sorted(b.gaps, key=lambda g: g.lower):
            if gap.lower > time:
                rows.append((i, time, gap.lower, 0, b.size))
            if gap.window is not None:
                rows.append((i, gap.lower, gap.upper, gap.window[0], gap.window[1]))
            time = gap.upper
        if time < b.upper:
            rows.append((i, time, b.upper, 0, b.size))
    plain = np.ones(n, dtype=bool)
    plain[gapped] = False
    extra = np.array(rows, dtype=np.int64).reshape(-1, 5)
    owner = np.concatenate([np.flatnonzero(plain).astype(np.int64), extra[:, 0]])
    t0 = np.concatenate([lower[plain], extra[:, 1]])
    t1 = np.concatenate([upper[plain], extra[:, 2]])
    wlo = np.concatenate([np.zeros(int(plain.sum()), np.int64), extra[:, 3]])
    whi = np.concatenate([size[plain], extra[:, 4]])
    order = np.lexsort((t0, owner))
    return _read_only(Pieces(owner[order], t0[order], t1[order], wlo[order], whi[order]))


def _read_only(pieces: Pieces) -> Pieces:
    """``pieces`` with every array read-only: they are shared (cached)."""
    for array in pieces:
        array.flags.writeable = False
    return pieces


def load_profile(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """The live bytes over time, as a step function.

    Parameters
    ----------
    problem : Problem
        Any problem.  Gaps count as in :func:`active_pieces`.

    Returns
    -------
    times : np.ndarray
        Sorted distinct int64 times where the live bytes may change (every
        start and end of a piece).
    live : np.ndarray
        ``live[i]`` is the number of bytes live during
        ``[times[i], times[i + 1])``; the last entry is 0 (nothing is live
        after the last end).  Both arrays are empty when no buffer is ever
        active (no buffers, or only ones lying wholly in gaps).

    Notes
    -----
    One sort: ``O(n log n)``.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> t, v = load_profile(Problem((Buffer("a", 0, 3, 4), Buffer("b", 2, 5, 4))))
    >>> t.tolist(), v.tolist()
    ([0, 2, 3, 5], [4, 8, 4, 0])
    """
    pieces = active_pieces(problem)
    return _profile(pieces)


def _profile(pieces: Pieces) -> tuple[np.ndarray, np.ndarray]:
    width = pieces.whi - pieces.wlo
    points = np.concatenate([pieces.t0, pieces.t1])
    times, where = np.unique(points, return_inverse=True)
    delta = np.zeros(len(times), dtype=np.int64)
    np.add.at(delta, where, np.concatenate([width, -width]))
    return times, np.cumsum(delta)


def max_load(problem: Problem) -> int:
    """LOAD: the largest number of bytes live at any one moment.

    Parameters
    ----------
    problem : Problem
        Any problem.  A buffer inside a gap without a window contributes 0,
        inside a windowed gap the width of the window.

    Returns
    -------
    int
        0 for a problem without buffers.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> max_load(Problem((Buffer("a", 0, 3, 4), Buffer("b", 3, 5, 6))))
    6
    """
    _, live = load_profile(problem)
    return int(live.max()) if len(live) else 0


def lower_bound(problem: Problem, deadline: Deadline | float | None = None) -> int:
    """A lower bound on the height of every solution: LOAD, raised where sound.

    The bound is the largest of

    * the LOAD (:func:`max_load`);
    * the largest buffer size (a buffer's height counts its whole size even
      where a windowed gap keeps it narrower);
    * ``offset + size`` of every buffer with a fixed offset;
    * an alignment bound per moment.  Take the pieces occupying memory at
      one moment, with total width ``W``.  In any solution one of them, ``k``,
      occupies the highest window, so every other piece lies wholly below the
      bottom ``offset_k + wlo_k`` of that window: ``offset_k >= W - w_k -
      wlo_k``.  As ``offset_k`` is a multiple of ``alignment_k`` the height is
      at least ``align_up(max(0, W - w_k - wlo_k), alignment_k) + size_k``.
      We do not know which piece is on top, so the moment's bound is the
      *smallest* of these over ``k``.  Without alignments and windows every
      term equals ``W`` and this is the LOAD again.  Two buffers of size 1
      and alignment 4 alive together give 5 instead of 2.

    The alignment bound ignores how alignment wastes room *between* the lower
    pieces (a sound account of that needs the order of the pieces, i.e. a
    search), so it is weaker than the optimum in general.

    Parameters
    ----------
    problem : Problem
        Any problem; capacity is not used.
    deadline : Deadline or float, optional
        A time limit (seconds, or a shared
        :class:`~minimalloc.deadline.Deadline`); when it passes, the moments
        not visited yet are left out of the alignment bound (the answer is
        still a lower bound).

    Returns
    -------
    int
        A value no solution's height can be below; 0 for no buffers.

    Notes
    -----
    Cost: a sort, then one sweep that visits only the moments whose live
    bytes are within the largest alignment slack of the LOAD (none at all
    without alignment or windows).

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> lower_bound(Problem((Buffer("a", 0, 2, 1, alignment=4),
    ...                      Buffer("b", 1, 3, 1, alignment=4))))
    5
    """
    buffers = problem.buffers
    if not buffers:
        return 0
    pieces = active_pieces(problem)
    _, live = _profile(pieces)
    columns = buffer_columns(buffers)
    size, align, fixed = columns.size, columns.alignment, columns.fixed
    best = int(live.max()) if len(live) else 0
    best = max(best, int(size.max()))
    if (fixed >= 0).any():
        best = max(best, int((fixed + size)[fixed >= 0].max()))
    width = pieces.whi - pieces.wlo
    keep = width > 0
    if not keep.any():
        return best
    owner = pieces.owner[keep]
    slack = align[owner] - 1 + size[owner] - width[keep]
    if int(slack.max()) <= 0:  # every term equals the live bytes: LOAD is it
        return best
    limit = as_deadline(deadline)
    with limit:
        return int(_alignment_bound(
            pieces.t0[keep], pieces.t1[keep], pieces.wlo[keep], width[keep],
            size[owner], align[owner], int(slack.max()), best, limit.flag,
        ))


@njit(cache=True, nogil=True)
def _alignment_bound(t0, t1, wlo, width, size, align, slack, best,
                     flag):  # pragma: no cover
    """Sweep the pieces; at each moment whose live bytes plus ``slack`` beat
    ``best``, take the smallest per-piece bound over the active pieces.
    Stops early (with the best so far) when ``flag[0]`` is set."""
    m = len(t0)
    times = np.empty(2 * m, np.int64)
    kinds = np.empty(2 * m, np.int64)  # 0 = end, 1 = start: ends first
    which = np.empty(2 * m, np.int64)
    for i in range(m):
        times[i] = t0[i]
        kinds[i] = 1
        which[i] = i
        times[m + i] = t1[i]
        kinds[m + i] = 0
        which[m + i] = i
    order = np.argsort(times * 2 + kinds, kind="mergesort")
    active = np.empty(m, np.int64)
    position = np.full(m, -1, np.int64)
    count = 0
    live = 0
    e = 0
    moments = 0
    while e < 2 * m:
        moments += 1
        if moments > ALWAYS_MOMENTS and flag[0] != 0:
            break
        now = times[order[e]]
        while e < 2 * m and times[order[e]] == now:
            p = which[order[e]]
            if kinds[order[e]] == 1:
                active[count] = p
                position[p] = count
                count += 1
                live += width[p]
            else:
                last = active[count - 1]
                active[position[p]] = last
                position[last] = position[p]
                count -= 1
                live -= width[p]
            e += 1
        if count == 0 or live + slack <= best:
            continue
        low = -1
        for j in range(count):
            p = active[j]
            below = live - width[p] - wlo[p]
            if below < 0:
                below = 0
            bound = (below + align[p] - 1) // align[p] * align[p] + size[p]
            if low < 0 or bound < low:
                low = bound
                if low <= best:
                    break
        if low > best:
            best = low
    return best


def _segments(times: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of consecutive profile steps where ``mask`` holds."""
    if not mask.any():
        return []
    step = mask[:-1]  # the last step runs to infinity with 0 live bytes
    edges = np.diff(np.concatenate([[0], step.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return [(int(times[s]), int(times[e])) for s, e in zip(starts, ends)]


def peak_times(problem: Problem) -> list[tuple[int, int]]:
    """The half-open time intervals where the live bytes reach the LOAD.

    Parameters
    ----------
    problem : Problem
        Any problem.

    Returns
    -------
    list of (int, int)
        Maximal intervals ``[start, end)`` in time order; consecutive steps at
        the LOAD are merged.  Empty when the LOAD is 0 (no buffers, or only
        empty ones).

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> peak_times(Problem((Buffer("a", 0, 2, 4), Buffer("b", 2, 4, 4),
    ...                     Buffer("c", 5, 6, 1))))
    [(0, 4)]
    """
    times, live = load_profile(problem)
    if not len(live) or live.max() <= 0:
        return []
    return _segments(times, live == live.max())


def overloaded(
    problem: Problem, capacity: int | None = None
) -> list[tuple[int, int, list[int]]]:
    """Where the live bytes exceed a capacity, and which buffers are there.

    Parameters
    ----------
    problem : Problem
        Any problem.
    capacity : int, optional
        The limit; defaults to ``problem.capacity``.

    Returns
    -------
    list of (int, int, list of int)
        Maximal intervals ``[start, end)`` where more than ``capacity`` bytes
        are live, in time order, each with the sorted indices of the buffers
        that occupy memory (a piece of nonzero width) at some moment of it.
        No packing fits the capacity if this is not empty.

    Raises
    ------
    ProblemError
        If neither ``capacity`` nor ``problem.capacity`` is given.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> p = Problem((Buffer("a", 0, 3, 4), Buffer("b", 2, 5, 4), Buffer("c", 4, 6, 2)))
    >>> overloaded(p, 5)
    [(2, 3, [0, 1]), (4, 5, [1, 2])]
    """
    if capacity is None:
        capacity = problem.capacity
    if capacity is None:
        raise ProblemError("overloaded: give a capacity (the problem has none)")
    pieces = active_pieces(problem)
    times, live = _profile(pieces)
    intervals = _segments(times, live > capacity)
    if not intervals:
        return []
    starts = np.array([s for s, _ in intervals], dtype=np.int64)
    ends = np.array([e for _, e in intervals], dtype=np.int64)
    keep = pieces.whi > pieces.wlo
    owner, t0, t1 = pieces.owner[keep], pieces.t0[keep], pieces.t1[keep]
    # A piece meets interval k when t0 < ends[k] and t1 > starts[k]; the
    # intervals are disjoint and sorted, so these k form a contiguous range.
    first = np.searchsorted(ends, t0, side="right")
    last = np.searchsorted(starts, t1, side="left")
    count = np.maximum(last - first, 0)
    which = np.repeat(first, count) + _ramp(count)
    members = [set() for _ in intervals]
    for k, b in zip(which.tolist(), np.repeat(owner, count).tolist()):
        members[k].add(b)
    return [(s, e, sorted(m)) for (s, e), m in zip(intervals, members)]


def _ramp(count: np.ndarray) -> np.ndarray:
    """``concatenate([arange(c) for c in count])`` without a Python loop."""
    total = int(count.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.cumsum(count) - count
    return np.arange(total, dtype=np.int64) - np.repeat(starts, count)


def moments(problem: Problem, deadline: Deadline | None = None) -> list[list[int]]:
    """The maximal sets of buffers that occupy memory at one same moment.

    From the stretches where buffers are active (gaps cut them,
    :func:`active_pieces`): the set of active buffers is
    recorded after a time where some stretch starts, unless the next time
    again only starts stretches (then that set is larger).  Memory grows with
    the total size of the moments; when ``deadline`` expires, the moments
    found so far are returned.
    """
    pieces = active_pieces(problem)
    keep = pieces.whi > pieces.wlo
    owner, t0, t1 = pieces.owner[keep], pieces.t0[keep], pieces.t1[keep]
    times = np.concatenate([t0, t1])
    starts = np.concatenate([np.ones(len(t0), bool), np.zeros(len(t1), bool)])
    owners = np.concatenate([owner, owner])
    order = np.lexsort((starts, times))  # at equal times, ends first
    times, starts, owners = (times[order].tolist(), starts[order].tolist(),
                             owners[order].tolist())
    active: dict[int, int] = {}
    found: list[list[int]] = []
    pending: list[int] | None = None
    k = 0
    steps = 0
    while k < len(times):
        steps += 1
        if deadline is not None and steps % 1024 == 0 and deadline.expired():
            return found
        now, started, ended = times[k], False, False
        while k < len(times) and times[k] == now:
            b = owners[k]
            if starts[k]:
                active[b] = active.get(b, 0) + 1
                started = True
            else:
                active[b] -= 1
                if not active[b]:
                    del active[b]
                ended = True
            k += 1
        if ended and pending is not None:
            found.append(pending)
        if started or ended:
            pending = sorted(active) if started else None
    if pending:
        found.append(pending)
    return found


def stacking_bound(problem: Problem,
                   deadline: Deadline | float | None = None) -> tuple[int, list[int]]:
    """A lower bound from alignment: the buffers live at one moment, stacked.

    At any moment the live buffers occupy disjoint address ranges, one above
    the other, each at a multiple of its alignment.  For one order the
    lowest stack is built by putting each buffer as low as it goes; the best
    order over all subsets follows from ``best(S) = min over b in S of
    align_up(best(S - b), alignment_b) + size_b`` (``align_up`` never
    decreases, so a lower stack below is never worse).  This is exact for the
    moment, where :func:`lower_bound` looks only at the buffer on top.
    Buffers with a fixed offset, windowed gaps or size 0 are left out (a bound
    on fewer buffers is still a bound), and at most :data:`STACK_LIMIT` of the
    largest per moment are used.

    The moments are the maximal sets of buffers occupying memory at one same
    time (gaps cut buffers into pieces, :func:`active_pieces`).

    Parameters
    ----------
    problem : Problem
        Any problem; capacity is not used.
    deadline : Deadline or float, optional
        As for :func:`lower_bound`, but when it passes the best moment so
        far gives the answer (still a lower bound).

    Returns
    -------
    (int, list of int)
        The bound (0 if no moment has a buffer with alignment above 1) and
        the buffers of the moment that gives it.

    Notes
    -----
    One sweep over time in a numba kernel, memory ``O(n)``: ``O(live)`` per
    moment to pick its largest buffers, and the subset search (about a
    million steps) only where stacking them in one fixed order (by
    decreasing alignment) would beat the best bound so far.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> p = Problem((Buffer("a", 0, 2, 3, 4), Buffer("b", 0, 2, 3, 4),
    ...              Buffer("c", 0, 2, 3, 4)))
    >>> stacking_bound(p)
    (11, [0, 1, 2])
    """
    limit = as_deadline(deadline)
    buffers = problem.buffers
    columns = buffer_columns(buffers)
    size, align = columns.size, columns.alignment
    usable = (columns.fixed < 0) & (size > 0)
    for i in np.flatnonzero(columns.gap_count > 0).tolist():
        if any(g.window is not None for g in buffers[i].gaps):
            usable[i] = False
    free = usable & (align > 1)
    if not free.any():
        return 0, []
    pieces = active_pieces(problem)
    keep = pieces.whi > pieces.wlo
    owner, t0, t1 = pieces.owner[keep], pieces.t0[keep], pieces.t1[keep]
    times = np.concatenate([t0, t1])
    starts = np.concatenate([np.ones(len(t0), np.int64), np.zeros(len(t1), np.int64)])
    owners = np.concatenate([owner, owner])
    order = np.lexsort((starts, times))  # at equal times, ends first
    with limit:
        best, where = _stacking_sweep(times[order], starts[order], owners[order], usable,
                                      free, size, align, STACK_LIMIT, limit.flag)
    return int(best), sorted(where.tolist())


@njit(cache=True, nogil=True)
def _stacking_sweep(times, starts, owners, usable, free, size, align, limit,
                    flag):  # pragma: no cover
    """Sweep the piece starts and ends; each time a group of events at one time
    starts something and the next group ends something, the active set in
    between is a maximal moment: stack its largest usable buffers."""
    n = len(size)
    count = np.zeros(n, np.int64)  # active pieces per buffer
    members = np.empty(n, np.int64)
    position = np.full(n, -1, np.int64)
    active = 0
    table = np.empty(1 << limit, np.int64)
    top = np.empty(limit, np.int64)
    best = 0
    where = np.empty(0, np.int64)
    pending = False
    e = 0
    groups = 0
    total = len(times)
    while e <= total:
        ended = False
        started = False
        stop = e
        if e < total:
            now = times[e]
            while stop < total and times[stop] == now:
                if starts[stop]:
                    started = True
                else:
                    ended = True
                stop += 1
        if pending and (ended or e == total) and active > 0:
            chosen = _largest(members, active, usable, free, size, top)
            if chosen > 0 and (groups < ALWAYS_MOMENTS or flag[0] == 0):
                if _in_order(top, chosen, size, align) > best:
                    value = _stack(top, chosen, size, align, table)
                    if value > best:
                        best = value
                        where = top[:chosen].copy()
        if e == total:
            break
        for k in range(e, stop):
            b = owners[k]
            if starts[k]:
                if count[b] == 0:
                    members[active] = b
                    position[b] = active
                    active += 1
                count[b] += 1
            else:
                count[b] -= 1
                if count[b] == 0:
                    last = members[active - 1]
                    members[position[b]] = last
                    position[last] = position[b]
                    position[b] = -1
                    active -= 1
        pending = started
        e = stop
        groups += 1
        if groups >= ALWAYS_MOMENTS and flag[0] != 0:
            break
    return best, where


@njit(cache=True, nogil=True)
def _largest(members, active, usable, free, size, top):  # pragma: no cover
    """Fill ``top`` with the (at most ``len(top)``) largest usable active
    buffers, ties by index; 0 if no usable active buffer is free (aligned)."""
    limit = len(top)
    chosen = 0
    any_free = False
    for j in range(active):
        b = members[j]
        if not usable[b]:
            continue
        any_free = any_free or free[b]
        # Insert b in top[:chosen], ordered by (-size, index).
        k = chosen
        while k > 0 and (size[top[k - 1]] < size[b]
                         or (size[top[k - 1]] == size[b] and top[k - 1] > b)):
            k -= 1
        if k >= limit:
            continue
        last = min(chosen, limit - 1)
        for i in range(last, k, -1):
            top[i] = top[i - 1]
        top[k] = b
        chosen = min(chosen + 1, limit)
    if not any_free:
        return 0
    top[:chosen].sort()
    return chosen


@njit(cache=True, nogil=True)
def _in_order(top, chosen, size, align):  # pragma: no cover
    """The stack of ``top[:chosen]`` in one order (decreasing alignment, then
    size): an upper bound on the lowest stack."""
    keys = np.empty(chosen, np.int64)
    for i in range(chosen):
        keys[i] = i
    for i in range(1, chosen):  # insertion sort: at most 16 items
        j = i
        while j > 0:
            a, b = top[keys[j - 1]], top[keys[j]]
            if align[a] > align[b] or (align[a] == align[b] and size[a] >= size[b]):
                break
            keys[j - 1], keys[j] = keys[j], keys[j - 1]
            j -= 1
    height = 0
    for i in range(chosen):
        b = top[keys[i]]
        height = (height + align[b] - 1) // align[b] * align[b] + size[b]
    return height


@njit(cache=True, nogil=True)
def _stack(top, chosen, size, align, table):  # pragma: no cover
    """The lowest stack of ``top[:chosen]``, by dynamic programming over
    subsets."""
    full = (1 << chosen) - 1
    table[0] = 0
    for subset in range(1, full + 1):
        low = -1
        for i in range(chosen):
            if subset >> i & 1:
                b = top[i]
                below = table[subset ^ (1 << i)]
                height = (below + align[b] - 1) // align[b] * align[b] + size[b]
                if low < 0 or height < low:
                    low = height
        table[subset] = low
    return table[full]
