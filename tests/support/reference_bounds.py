"""The stacking bound as first written (the moments listed in Python, the
subset search on every one): the reference the sweep kernel of
:func:`minimalloc.bounds.stacking_bound` must match."""

from __future__ import annotations

import numpy as np
from numba import njit

from minimalloc.bounds import active_pieces
from minimalloc.model import Problem

STACK_LIMIT = 16


def _moments(problem: Problem) -> list[list[int]]:
    """The maximal sets of buffers that occupy memory at one same moment.

    From the stretches where buffers are active (gaps cut them,
    :func:`minimalloc.bounds.active_pieces`): the set of active buffers is
    recorded after a time where some stretch starts, unless the next time
    again only starts stretches (then that set is larger).
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
    while k < len(times):
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


def stacking_bound(problem: Problem) -> tuple[int, list[int]]:
    """A lower bound from alignment: the buffers live at one moment, stacked.

    At any moment the live buffers occupy disjoint address ranges, one above
    the other, each at a multiple of its alignment.  For one order the
    lowest stack is built by putting each buffer as low as it goes; the best
    order over all subsets follows from ``best(S) = min over b in S of
    align_up(best(S - b), alignment_b) + size_b`` (``align_up`` never
    decreases, so a lower stack below is never worse).  This is exact for the
    moment, where :func:`minimalloc.bounds.lower_bound` looks only at the
    buffer on top.  Buffers with a fixed offset, windowed gaps or size 0 are
    left out (a bound on fewer buffers is still a bound), and at most
    :data:`STACK_LIMIT` of the largest per moment are used.

    Returns
    -------
    (int, list of int)
        The bound (0 if no moment has a buffer with alignment above 1) and
        the buffers of the moment that gives it.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> p = Problem((Buffer("a", 0, 2, 3, 4), Buffer("b", 0, 2, 3, 4),
    ...              Buffer("c", 0, 2, 3, 4)))
    >>> stacking_bound(p)
    (11, [0, 1, 2])
    """
    free = [b.alignment > 1 and b.offset is None and b.size > 0
            and all(g.window is None for g in b.gaps) for b in problem.buffers]
    if not any(free):
        return 0, []
    usable = [b.offset is None and b.size > 0 and all(g.window is None for g in b.gaps)
              for b in problem.buffers]
    best, where = 0, []
    for members in _moments(problem):
        chosen = [i for i in members if usable[i]]
        if not any(free[i] for i in chosen):
            continue
        chosen.sort(key=lambda i: (-problem.buffers[i].size, i))
        chosen = sorted(chosen[:STACK_LIMIT])
        sizes = np.array([problem.buffers[i].size for i in chosen], dtype=np.int64)
        aligns = np.array([problem.buffers[i].alignment for i in chosen], dtype=np.int64)
        value = int(_stack(sizes, aligns))
        if value > best:
            best, where = value, chosen
    return best, where


@njit(cache=True)
def _stack(sizes, aligns):  # pragma: no cover - compiled
    """The lowest stack of all the given buffers, by dynamic programming over
    subsets."""
    k = len(sizes)
    full = (1 << k) - 1
    best = np.empty(full + 1, np.int64)
    best[0] = 0
    for subset in range(1, full + 1):
        low = -1
        for b in range(k):
            if subset >> b & 1:
                below = best[subset ^ (1 << b)]
                top = (below + aligns[b] - 1) // aligns[b] * aligns[b] + sizes[b]
                if low < 0 or top < low:
                    low = top
        best[subset] = low
    return best[full]
