"""Baseline allocators: what a compiler would use instead of an exact search.

Each allocator takes the buffers one at a time in its own order and puts each
at a spot that is free among the buffers already placed that live at the
same time; nothing is ever moved again.  They ignore the capacity (compare
``solution.height`` with it) and never fail.

=====================  =================================  ========================
name                   order                              placement
=====================  =================================  ========================
``greedy_by_size``     size desc (stable: input order)    smallest hole that fits
``best_fit``           size desc, then lifespan desc      smallest hole that fits
``best_fit_duration``  lifespan desc, then size desc      smallest hole that fits
``first_fit``          start time asc                     lowest offset that fits
=====================  =================================  ========================

Ties are always broken by buffer index.  ``greedy_by_size`` is TFLite's
greedy-by-size offset calculation; ``best_fit`` and ``best_fit_duration`` are
the spatial and temporal orders of XLA's global decreasing-size best-fit heap
simulator.  ``greedy_by_size`` and ``best_fit`` differ in one tie rule, as
the two compilers do: TFLite sorts on size alone and keeps the input order
among equal sizes, while XLA prefers the longer lifespan.  On problems with
many equal sizes (common in models) that changes the packing.

How "fits" is judged
--------------------
Each buffer is a few *pieces* (:func:`minimalloc.bounds.active_pieces`): the
stretches of time where it occupies memory, each with the window of its own
``[0, size)`` range it occupies then.  A placed buffer ``b`` forbids an
unplaced ``x`` the offsets ``o`` where some piece ``p`` of ``b`` and some
piece ``q`` of ``x`` share a moment and ``[o + q.wlo, o + q.whi)`` meets
``[offset_b + p.wlo, offset_b + p.whi)``: the open interval
``(offset_b + p.wlo - q.whi, offset_b + p.whi - q.wlo)``.  This is exactly
the validator's collision test (buffers of size 0 occupy nothing).  Without
gaps it is the familiar ``(offset_b - size_x, offset_b + size_b)``.  The free
offsets are what is left of ``[0, inf)``.  A *hole* is a maximal run of free
offsets that holds a multiple of ``x``'s alignment; its length is the size
of the gap between the neighbours around it minus ``size_x - 1``, so
"smallest hole" ranks holes as TFLite and XLA do.  The top hole (above every
neighbour) is used only when no other hole fits.

Buffers with a fixed offset are placed first, at that offset; the others
avoid them.  Fixed buffers that collide with each other are left as given
(the validator will say so).

Cost
----
Memory ``O(n)``: no list of the pairs of buffers alive together is ever
built.  As in XLA's heap simulator and TFLite's planner, the placed buffers
sit in a structure indexed by time (their pieces sorted by start time, in
blocks of 32 under a max-tree of the blocks' latest ends), and placing a
buffer walks only the placed pieces alive during its lifetime.  Time
``O(n log n + P log d)`` for ``P`` pairs alive together and ``d`` the most
neighbours of one buffer (each pair is met once, when the second of the two
is placed, and the offsets it forbids are sorted), in a numba kernel that a
time limit or a cancel can stop: about 80 ns per pair, so a second for
10,000 buffers with 1,900 alive at once (10^7 pairs).

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
...              Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)))
>>> allocate(p, "best_fit")
Solution(offsets=(8, 8, 4, 4, 0), height=12)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numba import njit

from minimalloc.bounds import active_pieces
from minimalloc.columns import buffer_columns, derived
from minimalloc.deadline import Deadline, as_deadline
from minimalloc.errors import ProblemError
from minimalloc.model import Problem, Solution
from minimalloc.validate import check_answer

__all__ = [
    "ALLOCATORS",
    "allocate",
    "allocate_within",
    "available_allocators",
    "best_fit",
    "best_fit_duration",
    "first_fit",
    "first_fit_in_order",
    "greedy_by_size",
    "register_allocator",
]

_FIRST_FIT = 0
_BEST_FIT = 1
_NONE = np.iinfo(np.int64).min  # an empty leaf of the tree of placed pieces


#: Pieces per block of the time index: the tree skips whole blocks, a block
#: is scanned in one sequential pass (cheaper than descending to each piece).
_BLOCK = 32


class _Timeline(NamedTuple):
    """The pieces of nonzero width (:func:`minimalloc.bounds.active_pieces`),
    indexed for :func:`_place`.

    Buffer ``x``'s pieces are rows ``ptr[x]:ptr[x + 1]`` of ``t0``, ``t1``,
    ``wlo``, ``whi``.  The index lists the same pieces sorted by start time:
    piece ``k`` is at position ``rank[k]``; ``starts``, ``ends``, ``lows``,
    ``highs`` and ``owners`` are the columns in that order.
    """

    ptr: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    wlo: np.ndarray
    whi: np.ndarray
    rank: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    lows: np.ndarray
    highs: np.ndarray
    owners: np.ndarray


def _timeline(problem: Problem) -> _Timeline:
    """The pieces that occupy memory, ready for :func:`_place` (``O(m log m)``
    for ``m`` pieces)."""
    pieces = active_pieces(problem)
    n = len(problem.buffers)
    keep = pieces.whi > pieces.wlo  # empty pieces (size 0) forbid nothing
    owner, t0, t1 = pieces.owner[keep], pieces.t0[keep], pieces.t1[keep]
    wlo, whi = pieces.wlo[keep], pieces.whi[keep]
    ptr = np.searchsorted(owner, np.arange(n + 1)).astype(np.int64)
    by_start = np.argsort(t0, kind="stable").astype(np.int64)
    rank = np.empty(len(t0), np.int64)
    rank[by_start] = np.arange(len(t0), dtype=np.int64)
    return _Timeline(ptr, t0, t1, wlo, whi, rank, t0[by_start], t1[by_start],
                     wlo[by_start], whi[by_start], owner[by_start])


@njit(cache=True, nogil=True)
def _mark_placed(alive_until, placed_low, placed_high, tree, leaves, x, base,
                 line):  # pragma: no cover
    """Put the pieces of ``x`` (placed at ``base``) in the index: its
    position holds the piece's end time and the addresses it occupies, each
    tree node the largest end in the blocks below it."""
    ptr, t1, wlo, whi, rank = line[0], line[2], line[3], line[4], line[5]
    for k in range(ptr[x], ptr[x + 1]):
        alive_until[rank[k]] = t1[k]
        placed_low[rank[k]] = base + wlo[k]
        placed_high[rank[k]] = base + whi[k]
        node = leaves + rank[k] // _BLOCK
        while node >= 1 and tree[node] < t1[k]:
            tree[node] = t1[k]
            node //= 2


@njit(cache=True, nogil=True)
def _forbidden(x, alive_until, placed_low, placed_high, tree, leaves, line, lo,
               hi):  # pragma: no cover
    """The offsets the placed pieces forbid to ``x``, as ``[lo[r], hi[r])``
    (clipped at 0, empty ones left out).  Returns their number and the
    arrays (grown when too short).

    For each piece ``q`` of ``x``: the placed pieces that share a moment with
    it start before ``q.t1`` (a prefix of the index) and end after ``q.t0``;
    the tree skips every block whose placed pieces all end by then, so the
    cost is ``O(r + (blocks met) log m)`` for ``r`` pieces found.  The
    placed pieces' addresses are read by position, in the order of the scan
    (not through their owners' offsets: a cache miss per piece found).
    """
    ptr, t0, t1, wlo, whi = line[0], line[1], line[2], line[3], line[4]
    starts = line[6]
    count = 0
    stack = np.empty(128, np.int64)
    widths = np.empty(128, np.int64)
    for q in range(ptr[x], ptr[x + 1]):
        stop = np.searchsorted(starts, t1[q])  # positions starting before q ends
        after = t0[q]
        top = 1
        stack[0] = 1
        widths[0] = leaves
        while top > 0:
            top -= 1
            node = stack[top]
            width = widths[top]
            first = (node * width - leaves) * _BLOCK
            if first >= stop or tree[node] <= after:
                continue
            if width > 1:
                half = width // 2
                stack[top] = 2 * node + 1
                widths[top] = half
                stack[top + 1] = 2 * node
                widths[top + 1] = half
                top += 2
                continue
            for position in range(first, min(first + _BLOCK, stop)):
                if alive_until[position] <= after:
                    continue  # not placed, or ended before q starts
                # Placed at o, it forbids (o + wlo_p - whi_q, o + whi_p - wlo_q).
                start = placed_low[position] - whi[q] + 1
                end = placed_high[position] - wlo[q]
                if start < 0:
                    start = 0
                if end <= start:
                    continue
                if count == len(lo):
                    lo = _grown(lo)
                    hi = _grown(hi)
                lo[count] = start
                hi[count] = end
                count += 1
    return count, lo, hi


@njit(cache=True, nogil=True)
def _grown(array):  # pragma: no cover
    bigger = np.empty(2 * len(array), np.int64)
    bigger[:len(array)] = array
    return bigger


@njit(cache=True, nogil=True)
def _order(values, count):  # pragma: no cover
    """The positions of ``values[:count]`` in ascending order (ties in any
    order).  When the range of values leaves room, each value and its
    position are packed in one int64 and sorted as such (distinct keys: much
    faster than an argsort on the many equal values found here)."""
    if count == 0:
        return np.zeros(0, np.int64)
    low = values[0]
    high = values[0]
    for r in range(count):
        low = min(low, values[r])
        high = max(high, values[r])
    bits = 1
    while (1 << bits) < count:
        bits += 1
    if high - low >= (1 << (62 - bits)):
        return np.argsort(values[:count], kind="mergesort")
    keys = np.empty(count, np.int64)
    for r in range(count):
        keys[r] = ((values[r] - low) << bits) | r
    keys.sort()
    mask = (1 << bits) - 1
    for r in range(count):
        keys[r] &= mask
    return keys


@njit(cache=True, nogil=True)
def _choose(lo, hi, count, a, mode):  # pragma: no cover
    """The offset for a buffer of alignment ``a`` given the forbidden
    intervals: ``_FIRST_FIT`` takes the lowest free aligned offset,
    ``_BEST_FIT`` the shortest run of free offsets holding an aligned one
    (lowest first), the unbounded run at the top only if nothing else fits."""
    by_lo = _order(lo, count)
    free = 0  # start of the current run of free offsets
    best = -1
    best_length = 0
    for r in range(count):
        start = lo[by_lo[r]]
        if start > free:
            candidate = (free + a - 1) // a * a
            if candidate < start:
                if mode == 0:
                    return candidate
                if best < 0 or start - free < best_length:
                    best = candidate
                    best_length = start - free
        free = max(free, hi[by_lo[r]])
    if best < 0:
        best = (free + a - 1) // a * a
    return best


@njit(cache=True, nogil=True)
def _place(order, fixed, size, align, line, mode, flag):  # pragma: no cover
    """Place the buffers in ``order`` (fixed ones first, at their offsets).

    Placed pieces live in an index over the pieces sorted by start time (a
    max-tree over blocks of :data:`_BLOCK` positions), so memory is
    ``O(n + m)`` whatever the number of pairs alive together.  When
    ``flag[0]`` is set (time limit or cancel), the buffers not placed yet are
    stacked above everything instead: the answer stays valid.  Returns the
    offsets and whether every buffer was placed by the rule.
    """
    n = len(size)
    m = line[0][n]
    blocks = (m + _BLOCK - 1) // _BLOCK
    leaves = 1
    while leaves < blocks:
        leaves *= 2
    tree = np.full(2 * leaves, _NONE, np.int64)
    alive_until = np.full(max(m, 1), _NONE, np.int64)  # by position; NONE: unplaced
    placed_low = np.zeros(max(m, 1), np.int64)  # by position: the addresses taken
    placed_high = np.zeros(max(m, 1), np.int64)
    offset = np.zeros(n, np.int64)
    placed = np.zeros(n, np.bool_)
    height = 0
    for x in range(n):
        if fixed[x] >= 0:
            offset[x] = fixed[x]
            placed[x] = True
            height = max(height, offset[x] + size[x])
            _mark_placed(alive_until, placed_low, placed_high, tree, leaves, x,
                         offset[x], line)
    lo = np.empty(1024, np.int64)
    hi = np.empty(1024, np.int64)
    complete = True
    for step in range(len(order)):
        x = order[step]
        if placed[x]:
            continue
        a = align[x]
        if complete and (step & 1023) == 0 and flag[0] != 0:
            complete = False
        if complete:
            count, lo, hi = _forbidden(x, alive_until, placed_low, placed_high, tree,
                                       leaves, line, lo, hi)
            offset[x] = _choose(lo, hi, count, a, mode)
            _mark_placed(alive_until, placed_low, placed_high, tree, leaves, x,
                         offset[x], line)
        else:  # out of time: on top of everything placed so far
            offset[x] = (height + a - 1) // a * a
        placed[x] = True
        height = max(height, offset[x] + size[x])
    return offset, complete


def _run_within(problem: Problem, keys: list[np.ndarray], mode: int,
                deadline: Deadline | float | None) -> tuple[Solution, bool]:
    """Order by ``keys`` (``np.lexsort`` convention: last key is primary;
    the buffer index is appended as the final tie-break), then place.  Also
    says whether every buffer was placed before the deadline."""
    buffers = problem.buffers
    n = len(buffers)
    if n == 0:
        return Solution((), 0), True
    columns = buffer_columns(buffers)
    size, align, fixed = columns.size, columns.alignment, columns.fixed
    order = np.lexsort([np.arange(n)] + keys).astype(np.int64)
    limit = as_deadline(deadline)
    with limit:
        line = prepare(problem)
        offset, complete = _place(order, fixed, size, align, tuple(line), mode, limit.flag)
    return Solution(tuple(offset.tolist()), int((offset + size).max())), bool(complete)


def prepare(problem: Problem) -> _Timeline:
    """Build (once) and keep with the buffers what every built-in allocator
    reads: their columns and the pieces indexed by time.  Threads that run
    allocators on one problem share it when it is built before they start."""
    buffer_columns(problem.buffers)
    return derived(problem.buffers, "timeline", lambda: _timeline(problem))


def _order_keys(problem: Problem, name: str) -> tuple[list[np.ndarray], int]:
    """The sort keys (``np.lexsort`` convention) and placement rule of a
    built-in allocator."""
    columns = buffer_columns(problem.buffers)
    size = columns.size
    if name == "first_fit":
        return [columns.lower], _FIRST_FIT
    if name == "greedy_by_size":
        return [-size], _BEST_FIT
    width = columns.upper - columns.lower
    if name == "best_fit":
        return [-width, -size], _BEST_FIT
    return [-size, -width], _BEST_FIT  # best_fit_duration


_BUILT_IN = ("greedy_by_size", "best_fit", "best_fit_duration", "first_fit")


def allocate_within(problem: Problem, name: str,
                    deadline: Deadline | float | None = None) -> tuple[Solution, bool]:
    """Run a baseline allocator within a time limit.

    Parameters
    ----------
    problem : Problem
        The buffers to place; capacity is ignored.
    name : str
        A registered allocator (see :func:`allocate`).
    deadline : Deadline or float, optional
        Seconds, or a shared :class:`~minimalloc.deadline.Deadline` (its
        cancel flag stops the placement too).  Only the built-in allocators
        watch it; a registered function runs to its end.

    Returns
    -------
    (Solution, bool)
        A valid allocation (unless fixed buffers collide with each other), and
        whether the allocator finished: if the deadline passed first, the
        buffers it had not placed yet are stacked above the others.

    Notes
    -----
    Memory ``O(n + m)`` for ``n`` buffers and ``m`` pieces, whatever the
    number of pairs of buffers alive together.
    """
    key = _key(name)
    if built_in(key):
        keys, mode = _order_keys(problem, key)
        return _run_within(problem, keys, mode, deadline)
    return allocate(problem, key), True


def built_in(name: str) -> bool:
    """Whether ``name`` is one of this module's allocators (not replaced by
    :func:`register_allocator`): those are valid by construction whenever the
    fixed buffers do not collide with each other."""
    key = _key(name)
    return key in _BUILT_IN and ALLOCATORS.get(key) is _PUBLIC[key]


def _key(name: str) -> str:
    return str(name).strip().lower().replace("-", "_")


def greedy_by_size(problem: Problem, deadline: Deadline | float | None = None) -> Solution:
    """TFLite's greedy-by-size: largest first, each into the smallest hole.

    Parameters
    ----------
    problem : Problem
        Alignment, gaps and fixed offsets are honoured; capacity is ignored.
    deadline : Deadline or float, optional
        A time limit (seconds, or a shared :class:`~minimalloc.deadline.Deadline`);
        when it passes, the buffers not placed yet are stacked on top (still
        valid).  None: no limit.

    Returns
    -------
    Solution
        Offsets in the problem's buffer order; ``height`` is the largest
        ``offset + size`` (0 without buffers).

    Notes
    -----
    Order: size descending, then index (TFLite's stable sort on size).
    Each buffer goes into the smallest hole left between the
    placed buffers alive at the same time that it fits in (lowest such hole
    on ties), or on top of them all if none fits.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> greedy_by_size(Problem((Buffer("a", 0, 4, 2), Buffer("b", 2, 6, 3))))
    Solution(offsets=(3, 0), height=5)
    """
    return allocate_within(problem, "greedy_by_size", deadline)[0]


def best_fit(problem: Problem, deadline: Deadline | float | None = None) -> Solution:
    """XLA's best fit in decreasing size (its spatial order).

    Parameters
    ----------
    problem : Problem
        Alignment, gaps and fixed offsets are honoured; capacity is ignored.
    deadline : Deadline or float, optional
        A time limit (seconds, or a shared :class:`~minimalloc.deadline.Deadline`);
        when it passes, the buffers not placed yet are stacked on top (still
        valid).  None: no limit.

    Returns
    -------
    Solution
        Offsets in the problem's buffer order and their height.

    Notes
    -----
    Order: size descending, then lifespan descending, then index.  Placement:
    the smallest free hole among the placed buffers alive at the same time
    that fits, else on top of them.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> best_fit(Problem((Buffer("a", 0, 4, 2), Buffer("b", 2, 6, 3)))).height
    5
    """
    return allocate_within(problem, "best_fit", deadline)[0]


def best_fit_duration(problem: Problem,
                      deadline: Deadline | float | None = None) -> Solution:
    """XLA's best fit in decreasing lifespan (its temporal order).

    Parameters
    ----------
    problem : Problem
        Alignment, gaps and fixed offsets are honoured; capacity is ignored.
    deadline : Deadline or float, optional
        A time limit (seconds, or a shared :class:`~minimalloc.deadline.Deadline`);
        when it passes, the buffers not placed yet are stacked on top (still
        valid).  None: no limit.

    Returns
    -------
    Solution
        Offsets in the problem's buffer order and their height.

    Notes
    -----
    Order: lifespan (``upper - lower``) descending, then size descending,
    then index.  Placement as in :func:`best_fit`.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> best_fit_duration(Problem((Buffer("a", 0, 4, 2), Buffer("b", 2, 9, 3))))
    Solution(offsets=(3, 0), height=5)
    """
    return allocate_within(problem, "best_fit_duration", deadline)[0]


def first_fit(problem: Problem, deadline: Deadline | float | None = None) -> Solution:
    """First fit in start-time order: each buffer at the lowest free offset.

    Parameters
    ----------
    problem : Problem
        Alignment, gaps and fixed offsets are honoured; capacity is ignored.
    deadline : Deadline or float, optional
        A time limit (seconds, or a shared :class:`~minimalloc.deadline.Deadline`);
        when it passes, the buffers not placed yet are stacked on top (still
        valid).  None: no limit.

    Returns
    -------
    Solution
        Offsets in the problem's buffer order and their height.

    Notes
    -----
    Order: ``lower`` ascending, then index.  Each buffer takes the lowest
    offset (a multiple of its alignment) where it collides with no placed
    buffer alive at the same time.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> first_fit(Problem((Buffer("a", 0, 4, 2), Buffer("b", 2, 6, 3))))
    Solution(offsets=(0, 2), height=5)
    """
    return allocate_within(problem, "first_fit", deadline)[0]


def first_fit_in_order(problem: Problem, rank: np.ndarray,
                       deadline: Deadline | float | None = None) -> tuple[Solution, bool]:
    """First fit with the buffers taken by ascending ``rank`` (ties by
    index), each at its lowest free offset: the placement of
    :func:`first_fit` in another order (the anytime optimiser's start,
    :func:`minimalloc.anytime.peak_first.peak_first`).  Returns the
    allocation and whether it was finished before the deadline, as
    :func:`allocate_within`."""
    return _run_within(problem, [rank], _FIRST_FIT, deadline)


#: The registered baseline allocators by name.
ALLOCATORS: dict[str, Callable[[Problem], Solution]] = {
    "greedy_by_size": greedy_by_size,
    "best_fit": best_fit,
    "best_fit_duration": best_fit_duration,
    "first_fit": first_fit,
}
_PUBLIC = dict(ALLOCATORS)


def register_allocator(name: str, function: Callable[[Problem], Solution]) -> None:
    """Add an allocator under ``name`` (replacing one of the same name).

    Parameters
    ----------
    name : str
        The name :func:`allocate` will know it by.
    function : callable
        ``function(problem) -> Solution``.
    """
    ALLOCATORS[str(name)] = function


def available_allocators() -> tuple[str, ...]:
    """The names :func:`allocate` accepts, in registration order.

    Examples
    --------
    >>> available_allocators()
    ('greedy_by_size', 'best_fit', 'best_fit_duration', 'first_fit')
    """
    return tuple(ALLOCATORS)


def allocate(problem: Problem, name: str) -> Solution:
    """Run the baseline allocator registered as ``name``.

    Parameters
    ----------
    problem : Problem
        The buffers to place; capacity is ignored.
    name : str
        One of :func:`available_allocators` (hyphens are accepted for
        underscores, case is ignored).

    Returns
    -------
    Solution
        Offsets in the problem's buffer order and their height.

    Raises
    ------
    ProblemError
        For an unknown name; the message lists the known ones.
    """
    function = ALLOCATORS.get(_key(name))
    if function is None:
        raise ProblemError(
            f"unknown allocator '{name}': choose one of {', '.join(ALLOCATORS)}"
        )
    solution = function(problem)
    if built_in(name):  # a registered function's answers are its own affair
        check_answer(problem, solution, None, source=f"the baseline allocator {_key(name)}")
    return solution
