"""First fit in time order by a sweep: the baseline that always finishes.

The registered allocators (:mod:`minimalloc.baselines.allocators`) honour
gaps and read unions of addresses over stretches of time; on a training
snapshot of 2 x 10^6 buffers each takes seconds to tens of seconds, and
under load several of them may all run out of time.  This one cannot: it
sweeps the buffers in start-time order and keeps only the buffers alive at
the current time, as address intervals in a balanced search tree (a treap,
each node knowing the widest free gap below it), so placing a buffer costs
``O(log n)`` expected whatever the number of pairs of buffers alive
together.  Time ``O(n log n)``, memory ``O(n)``.

Each buffer (in order of ``lower``, then index) takes the lowest offset, a
multiple of its alignment, free among the buffers alive at its start: the
rule of :func:`minimalloc.baselines.allocators.first_fit`, and the same
answer on problems without gaps and fixed offsets.  It is conservative
elsewhere, so always valid:

- a buffer with gaps occupies its whole ``[0, size)`` over its whole life;
- buffers with fixed offsets keep them, and the others are placed above the
  highest of them.

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("a", 0, 4, 2), Buffer("b", 2, 6, 3), Buffer("c", 4, 6, 2)))
>>> sweep_first_fit(p)
(Solution(offsets=(0, 2, 0), height=5), True)
"""

from __future__ import annotations

import numpy as np
from numba import njit

from minimalloc.columns import buffer_columns
from minimalloc.deadline import Deadline, as_deadline, run_cancellable
from minimalloc.model import Problem, Solution

__all__ = ["SWEEP", "sweep_first_fit"]

#: The method name of the sweep's answers.
SWEEP = "first_fit_sweep"

# Columns of the tree's node table (a node is a buffer alive now).
_LEFT, _RIGHT, _PRIORITY, _START, _END, _MIN_START, _MAX_END, _GAP = range(8)


@njit(cache=True, nogil=True)
def _pull(t, i):  # pragma: no cover - numba
    """Node ``i``'s summary from its children's: its leftmost start,
    rightmost end and widest gap between neighbouring intervals below it
    (the intervals are disjoint, so neighbours in key order)."""
    left, right = t[i, _LEFT], t[i, _RIGHT]
    lowest, highest, gap = t[i, _START], t[i, _END], np.int64(0)
    if left >= 0:
        lowest = t[left, _MIN_START]
        gap = max(t[left, _GAP], t[i, _START] - t[left, _MAX_END])
    if right >= 0:
        highest = t[right, _MAX_END]
        gap = max(gap, t[right, _GAP], t[right, _MIN_START] - t[i, _END])
    t[i, _MIN_START], t[i, _MAX_END], t[i, _GAP] = lowest, highest, gap


@njit(cache=True, nogil=True)
def _relink(t, parent, old, new):  # pragma: no cover - numba
    """Make ``parent`` (or the root, -1) point at ``new`` where it pointed at
    ``old``; returns the root if it changed, else -1."""
    if parent < 0:
        return new
    if t[parent, _LEFT] == old:
        t[parent, _LEFT] = new
    else:
        t[parent, _RIGHT] = new
    return -1


@njit(cache=True, nogil=True)
def _insert(t, root, x, path):  # pragma: no cover - numba
    """Insert node ``x`` (its start, end and priority set); returns the root."""
    t[x, _LEFT] = -1
    t[x, _RIGHT] = -1
    _pull(t, x)
    if root < 0:
        return x
    depth = 0
    node = root
    while node >= 0:
        path[depth] = node
        depth += 1
        node = t[node, _LEFT] if t[x, _START] < t[node, _START] else t[node, _RIGHT]
    parent = path[depth - 1]
    if t[x, _START] < t[parent, _START]:
        t[parent, _LEFT] = x
    else:
        t[parent, _RIGHT] = x
    # Rotate x up while its priority beats its parent's.
    while depth > 0 and t[x, _PRIORITY] > t[path[depth - 1], _PRIORITY]:
        parent = path[depth - 1]
        if t[parent, _LEFT] == x:
            t[parent, _LEFT] = t[x, _RIGHT]
            t[x, _RIGHT] = parent
        else:
            t[parent, _RIGHT] = t[x, _LEFT]
            t[x, _LEFT] = parent
        _pull(t, parent)
        _pull(t, x)
        depth -= 1
        changed = _relink(t, path[depth - 1] if depth > 0 else -1, parent, x)
        if changed >= 0:
            root = changed
    for k in range(depth - 1, -1, -1):
        _pull(t, path[k])
    return root


@njit(cache=True, nogil=True)
def _delete(t, root, x, path):  # pragma: no cover - numba
    """Remove node ``x`` (in the tree); returns the root."""
    depth = 0
    node = root
    while node != x:
        path[depth] = node
        depth += 1
        node = t[node, _LEFT] if t[x, _START] < t[node, _START] else t[node, _RIGHT]
    # Rotate x down (the child of higher priority comes up) until a leaf.
    while t[x, _LEFT] >= 0 or t[x, _RIGHT] >= 0:
        left, right = t[x, _LEFT], t[x, _RIGHT]
        if right < 0 or (left >= 0 and t[left, _PRIORITY] > t[right, _PRIORITY]):
            child = left
            t[x, _LEFT] = t[child, _RIGHT]
            t[child, _RIGHT] = x
        else:
            child = right
            t[x, _RIGHT] = t[child, _LEFT]
            t[child, _LEFT] = x
        changed = _relink(t, path[depth - 1] if depth > 0 else -1, x, child)
        if changed >= 0:
            root = changed
        path[depth] = child
        depth += 1
    changed = _relink(t, path[depth - 1] if depth > 0 else -1, x, -1)
    if depth == 0:
        return -1
    for k in range(depth - 1, -1, -1):
        _pull(t, path[k])
    return root


@njit(cache=True, nogil=True)
def _aligned(at, a):  # pragma: no cover - numba
    return (at + a - 1) // a * a


@njit(cache=True, nogil=True)
def _lowest(t, root, size, a, floor, stack):  # pragma: no cover - numba
    """The lowest multiple of ``a`` at or above ``floor`` where ``size``
    bytes meet no interval of the tree: an in-order walk that skips every
    subtree whose gaps (and the one before it) are all narrower than
    ``size``."""
    before = floor  # the end of the last interval passed (or the floor)
    top = 0
    if root >= 0:
        stack[0] = root
        top = 1
    while top > 0:
        node = stack[top - 1]
        if node >= 0:  # entering a subtree
            if t[node, _MIN_START] - before < size and t[node, _GAP] < size:
                before = max(before, t[node, _MAX_END])
                top -= 1
                continue
            stack[top - 1] = -node - 1  # come back after the left subtree
            if t[node, _LEFT] >= 0:
                stack[top] = t[node, _LEFT]
                top += 1
            continue
        node = -node - 1  # the left subtree is done: the gap before node
        at = _aligned(before, a)
        if at + size <= t[node, _START]:
            return at
        before = max(before, t[node, _END])
        top -= 1
        if t[node, _RIGHT] >= 0:
            stack[top] = t[node, _RIGHT]
            top += 1
    return _aligned(before, a)


@njit(cache=True, nogil=True)
def _sweep(lower, upper, size, align, fixed, priority, flag,
           progress):  # pragma: no cover - numba
    """Offsets by first fit in time order (see the module documentation),
    and whether every buffer was placed by the rule (a set ``flag[0]``
    stacks the rest on top instead)."""
    n = len(size)
    offset = np.zeros(n, np.int64)
    floor = np.int64(0)
    for x in range(n):
        if fixed[x] >= 0:
            offset[x] = fixed[x]
            floor = max(floor, fixed[x] + size[x])
    by_start = np.argsort(lower, kind="mergesort")
    by_end = np.argsort(upper, kind="mergesort")
    t = np.empty((n, 8), np.int64)
    t[:, _PRIORITY] = priority
    path = np.empty(n + 1, np.int64)
    stack = np.empty(n + 1, np.int64)
    inside = np.zeros(n, np.bool_)
    root = -1
    ended = 0
    height = floor
    complete = True
    for step in range(n):
        x = by_start[step]
        if (step & 4095) == 0:
            progress[0] = step
            if flag[0] != 0:
                complete = False
        while ended < n and upper[by_end[ended]] <= lower[x]:
            if inside[by_end[ended]]:
                root = _delete(t, root, by_end[ended], path)
            ended += 1
        if fixed[x] >= 0:
            continue
        if not complete:
            offset[x] = _aligned(height, align[x])
        else:
            offset[x] = _lowest(t, root, size[x], align[x], floor, stack)
            if size[x] > 0:
                t[x, _START] = offset[x]
                t[x, _END] = offset[x] + size[x]
                root = _insert(t, root, x, path)
                inside[x] = True
        height = max(height, offset[x] + size[x])
    return offset, complete


def _priorities(n: int) -> np.ndarray:
    """The treap's priorities: a fixed hash of each index (splitmix64), so
    the same problem always gives the same tree and answer."""
    z = np.arange(n, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return ((z ^ (z >> np.uint64(31))) >> np.uint64(1)).astype(np.int64)


def sweep_first_fit(problem: Problem,
                    deadline: Deadline | float | None = None) -> tuple[Solution, bool]:
    """First fit in time order, in ``O(n log n)``.

    Parameters
    ----------
    problem : Problem
        The buffers; capacity is ignored.  Aliases are not folded here (see
        :func:`minimalloc.baselines.allocators.folded_placement`).
    deadline : Deadline or float, optional
        When it passes (or its cancel is set), the buffers not placed yet
        are stacked on top: still valid.

    Returns
    -------
    (Solution, bool)
        A valid allocation (unless buffers with fixed offsets collide with
        each other) and whether every buffer was placed by the rule.
    """
    n = len(problem.buffers)
    if n == 0:
        return Solution((), 0), True
    columns = buffer_columns(problem.buffers)
    limit = as_deadline(deadline)
    with limit:
        offset, complete = run_cancellable(
            lambda: _sweep(columns.lower, columns.upper, columns.size, columns.alignment,
                           columns.fixed, _priorities(n), limit.flag, limit.progress),
            limit)
    height = int((offset + columns.size).max())
    return Solution(tuple(offset.tolist()), height), bool(complete)
