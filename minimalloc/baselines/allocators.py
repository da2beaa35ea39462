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
built.  The placed buffers' addresses are kept as unions of address ranges
over stretches of time (:mod:`minimalloc.baselines.occupancy`), so placing a buffer
reads ``O(log n)`` unions and a few dozen pieces instead of every placed
buffer alive during its lifetime: the cost follows the buffers alive at
once and how fragmented the memory is, not the pairs (a training snapshot
of 2 x 10^6 buffers has 3 x 10^9 pairs and 2,400 buffers alive at once).
The offsets found are exactly those of listing every pair.  The kernel is
numba; a time limit or a cancel stops it.

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
...              Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)))
>>> allocate(p, "best_fit")
Solution(offsets=(8, 8, 4, 4, 0), height=12)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import njit

from minimalloc.aliases import fold
from minimalloc.baselines.occupancy import (
    Occupancy,
    forbidden,
    new_state,
    occupancy,
    occupy,
)
from minimalloc.columns import buffer_columns, derived
from minimalloc.deadline import Deadline, as_deadline, run_cancellable
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


@njit(cache=True, nogil=True)
def _order(values, count, keys):  # pragma: no cover
    """The positions of ``values[:count]`` in ascending order (ties in any
    order), in ``keys[:count]`` when the range of values leaves room to
    pack each value and its position in one int64 and sort those (distinct
    keys: much faster than an argsort on the many equal values found here,
    and no allocation)."""
    if count == 0:
        return keys[:0]
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
    for r in range(count):
        keys[r] = ((values[r] - low) << bits) | r
    keys[:count].sort()
    mask = (1 << bits) - 1
    for r in range(count):
        keys[r] &= mask
    return keys[:count]


@njit(cache=True, nogil=True)
def _choose(lo, hi, count, a, mode, keys):  # pragma: no cover
    """The offset for a buffer of alignment ``a`` given the forbidden
    intervals: ``_FIRST_FIT`` takes the lowest free aligned offset,
    ``_BEST_FIT`` the shortest run of free offsets holding an aligned one
    (lowest first), the unbounded run at the top only if nothing else fits.
    ``keys`` is scratch room for ``count`` values."""
    by_lo = _order(lo, count, keys)
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
def _place(order, fixed, size, align, occ, mode, flag, progress):  # pragma: no cover
    """Place the buffers in ``order`` (fixed ones first, at their offsets).

    The placed pieces' addresses are kept as unions over time
    (:mod:`minimalloc.baselines.occupancy`), so memory is ``O(n + m)`` whatever the
    number of pairs alive together.  When ``flag[0]`` is set (time limit or
    cancel), the buffers not placed yet are stacked above everything
    instead: the answer stays valid.  ``progress[0]`` follows the number of
    buffers taken so far.  Returns the offsets and whether every buffer was
    placed by the rule.
    """
    n = len(size)
    ptr = occ[0]
    state = new_state(occ)
    offset = np.zeros(n, np.int64)
    placed = np.zeros(n, np.bool_)
    height = 0
    for x in range(n):
        if fixed[x] >= 0:
            offset[x] = fixed[x]
            placed[x] = True
            height = max(height, offset[x] + size[x])
            for k in range(ptr[x], ptr[x + 1]):
                pool = occupy(k, offset[x], occ, state)
                state = (state[0], state[1], pool, state[3], state[4], state[5], state[6],
                         state[7])
    lo = np.empty(4096, np.int64)
    hi = np.empty(4096, np.int64)
    keys = np.empty(4096, np.int64)
    complete = True
    for step in range(len(order)):
        x = order[step]
        if placed[x]:
            continue
        a = align[x]
        if (step & 1023) == 0:
            progress[0] = step
            if complete and flag[0] != 0:
                complete = False
        if complete:
            count = -1
            while count < 0:
                count = 0
                for q in range(ptr[x], ptr[x + 1]):
                    count = forbidden(q, occ, state, lo, hi, count)
                    if count < 0:  # too short: twice as long, and again
                        lo = np.empty(2 * len(lo), np.int64)
                        hi = np.empty(2 * len(hi), np.int64)
                        keys = np.empty(2 * len(keys), np.int64)
                        break
            offset[x] = _choose(lo, hi, count, a, mode, keys)
            for k in range(ptr[x], ptr[x + 1]):
                pool = occupy(k, offset[x], occ, state)
                state = (state[0], state[1], pool, state[3], state[4], state[5], state[6],
                         state[7])
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
        occ = tuple(prepare(problem))
        offset, complete = run_cancellable(
            lambda: _place(order, fixed, size, align, occ, mode, limit.flag,
                           limit.progress), limit)
    return Solution(tuple(offset.tolist()), int((offset + size).max())), bool(complete)


def prepare(problem: Problem) -> Occupancy:
    """Build (once) and keep with the buffers what every built-in allocator
    reads: their columns and the fixed part of the unions over time
    (:func:`minimalloc.baselines.occupancy.occupancy`).  Threads that run allocators on
    one problem share it when it is built before they start."""
    buffer_columns(problem.buffers)
    return derived(problem.buffers, "occupancy", lambda: occupancy(problem))


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
    if built_in(key) and problem.has_aliases:
        return folded_placement(
            problem, lambda blocks: allocate_within(blocks, key, deadline))
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
        Alignment, gaps, fixed offsets and aliases (each group placed as one
        block) are honoured; capacity is ignored.
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

    The problem, the deadline and the solution are as in
    :func:`greedy_by_size`.

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

    The problem, the deadline and the solution are as in
    :func:`greedy_by_size`.

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

    The problem, the deadline and the solution are as in
    :func:`greedy_by_size`.

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




def folded_placement(problem: Problem,
                     place: Callable[[Problem], tuple[Solution, bool]]
                     ) -> tuple[Solution, bool]:
    """``place`` run on ``problem`` with each alias group folded into one
    block (:mod:`minimalloc.aliases`), the answer given back per buffer:
    an alias shares its root's offset, which an allocator placing buffers
    one by one would not know."""
    folded = fold(problem)
    solution, complete = place(folded.problem)
    return folded.unfold(solution), complete


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
