"""Moves on one pool's packing that the spill planner makes: keep the best
window of addresses of an allocation, or cut out its best band, put moved
buffers back where they fit, split buffers into stretches of time that
never meet.

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 4), Buffer("c", 5, 6, 2)))
>>> best_band({0: 0, 1: 4, 2: 2}, [4, 4, 2], [1, 1, 1], 6, set(), set())
{1: 2, 2: 0}
>>> stretches(p, [0, 1, 2])
[[0, 1], [2]]
>>> refill(p, 4, {0: 0}, [4, 4, 2], frozenset())
{0: 0, 2: 0}
"""

from __future__ import annotations

from minimalloc.model import Problem

__all__ = ["best_band", "best_window", "cut_to_fit", "refill", "stretches"]


def best_window(offsets: dict[int, int], sizes: list[int], alignments: list[int],
            capacity: int, keep: set[int], fixed: set[int]) -> dict[int, int] | None:
    """The blocks of ``offsets`` that lie within the window of ``capacity``
    addresses that keeps the most bytes, moved down to start at 0 (a start
    that every kept block's alignment divides; ``fixed`` blocks stay only in
    the window at 0); None if a block that must stay falls outside every
    window tried."""
    starts = {0} | {o for o in offsets.values()} | {
        o + sizes[k] - capacity for k, o in offsets.items()}
    best = None
    for start in sorted(s for s in starts if s >= 0):
        inside = {k: o - start for k, o in offsets.items()
                  if o >= start and o + sizes[k] <= start + capacity
                  and (start == 0 or k not in fixed)}
        if any(k not in inside for k in keep) or any(
                (o % alignments[k]) for k, o in inside.items()):
            continue
        kept_bytes = sum(sizes[k] for k in inside)
        if best is None or kept_bytes > best[0]:
            best = (kept_bytes, inside)
    return None if best is None else best[1]


def best_band(offsets: dict[int, int], sizes: list[int], alignments: list[int],
              capacity: int, keep: set[int], fixed: set[int]) -> dict[int, int] | None:
    """The blocks of ``offsets`` left when the band of addresses whose
    removal keeps the most bytes is cut out: the blocks below it stay, those
    above move down by its height (when every such block's alignment divides
    it, and none is ``fixed``), those meeting it move out.  The band is as
    high as the allocation is above ``capacity``, and starts at the top of a
    block (or 0).  Where :func:`best_window` cuts the bottom and the top, this
    cuts the middle: in a tight packing the best cut is often inside.  None
    if a block of ``keep`` meets every band tried."""
    height = max((o + sizes[k] for k, o in offsets.items()), default=0)
    cut = height - capacity
    if cut <= 0:
        return dict(offsets)
    best = None
    for low in sorted({0} | {o + sizes[k] for k, o in offsets.items()}):
        if low + cut > height:
            break
        inside = {}
        for k, o in offsets.items():
            if o + sizes[k] <= low:
                inside[k] = o
            elif o >= low + cut and k not in fixed and (o - cut) % alignments[k] == 0:
                inside[k] = o - cut
        if any(k not in inside for k in keep):
            continue
        kept_bytes = sum(sizes[k] for k in inside)
        if best is None or kept_bytes > best[0]:
            best = (kept_bytes, inside)
    return None if best is None else best[1]


def cut_to_fit(problem: Problem, capacity: int, offsets: dict[int, int],
               weights: list[int], keep: set[int],
               pinned_out: frozenset[int]) -> dict[int, int] | None:
    """What stays of the allocation ``offsets`` within ``capacity``: the
    better (less weight out) of its best window and its best band, moved
    blocks put back where they fit (:func:`refill`); None if neither keeps
    every block of ``keep``."""
    buffers = problem.buffers
    sizes = [b.size for b in buffers]
    alignments = [b.alignment for b in buffers]
    fixed = {k for k, b in enumerate(buffers) if b.offset is not None}
    best = None
    for cut in (best_window, best_band):
        inside = cut(offsets, sizes, alignments, capacity, keep, fixed)
        if inside is None:
            continue
        inside = refill(problem, capacity, inside, weights, pinned_out)
        out = sum(w for k, w in enumerate(weights) if k not in inside)
        if best is None or out < best[0]:
            best = (out, inside)
    return None if best is None else best[1]


def refill(problem: Problem, capacity: int, offsets: dict[int, int],
            weights: list[int], pinned_out: frozenset[int]) -> dict[int, int]:
    """``offsets`` with moved blocks (not ``pinned_out``, pinned to another
    pool) put back where they fit, heaviest first:
    each at the lowest aligned offset where it meets no placed block during
    its lifespan (gaps ignored: a little cautious, never wrong)."""
    buffers = problem.buffers
    placed = dict(offsets)
    for k in sorted((k for k in range(len(buffers))
                     if k not in placed and k not in pinned_out),
                    key=lambda k: (-weights[k], k)):
        b = buffers[k]
        if b.offset is not None:
            continue  # a fixed block goes where it is fixed or not at all
        busy = sorted((placed[j], placed[j] + buffers[j].size) for j in placed
                      if buffers[j].lower < b.upper and b.lower < buffers[j].upper
                      and buffers[j].size)
        at = 0
        for low, high in busy:
            if at + b.size <= low:
                break
            at = max(at, -(-high // b.alignment) * b.alignment)
        if at + b.size <= capacity:
            placed[k] = at
    return placed


def stretches(problem: Problem, indices: list[int]) -> list[list[int]]:
    """``indices`` split into groups that never live at the same time as
    another group (the lifespans of one group chain together)."""
    order = sorted(indices, key=lambda i: problem.buffers[i].lower)
    groups: list[list[int]] = []
    reach = None
    for i in order:
        b = problem.buffers[i]
        if reach is None or b.lower >= reach:
            groups.append([])
            reach = b.upper
        groups[-1].append(i)
        reach = max(reach, b.upper)
    return groups
