"""Buffers that share memory: each alias group becomes one block, and back.

A buffer with ``alias="x"`` lives in the memory of buffer ``x`` (a view, an
operator that writes its result over its input): both get the same offset
and the same pool.  Chains resolve to their root (:mod:`minimalloc.groups`),
and a root with its aliases is one *group*.  :func:`fold` turns each group
into one block the planners know how to place:

- it lives from the first member's start to the last member's end; the
  stretches in between where no member is active become gaps (without a
  window), so another buffer may use the block's memory then;
- it is as large as the root (no alias is larger), aligned to every
  member's alignment, fixed where a member is fixed, pinned where a member
  is pinned;
- its weight is the sum of the members' given weights, or the root's size
  when none gives one (the bytes that move if the block moves).

Where a member is in a windowed gap, the block still holds its whole size:
placing the block is then a little cautious, never wrong.

:meth:`Folded.unfold` gives every member its block's offset (and pool).

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("x", 0, 3, 8), Buffer("y", 2, 5, 8, alias="x"),
...              Buffer("z", 7, 9, 8, alias="y"), Buffer("w", 3, 7, 8)))
>>> folded = fold(p)
>>> [(b.id, b.lower, b.upper, [(g.lower, g.upper) for g in b.gaps])
...  for b in folded.problem.buffers]
[('x', 0, 9, [(5, 7)]), ('w', 3, 7, [])]
>>> folded.unfold(Solution((0, 8), 16)).offsets
(0, 0, 0, 8)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from minimalloc.errors import ProblemError
from minimalloc.groups import alias_roots
from minimalloc.model import MAX_TOTAL, Buffer, Gap, Problem, Solution

if TYPE_CHECKING:
    from minimalloc.search.solver import SolveResult

__all__ = ["Folded", "fold", "groups"]

#: Trace events whose first value is a buffer index (see the search kernel).
_BUFFER_EVENTS = (2, 3, 4, 5, 6, 8, 9)
#: How many members a block's label names.
_NAMED = 4


def groups(problem: Problem) -> list[list[int]]:
    """The alias groups of ``problem``: lists of buffer indices, the root
    first, in the order of the roots; a buffer without aliases is a group
    of one."""
    roots = alias_roots(problem.buffers)
    members: dict[int, list[int]] = {}
    for i, r in enumerate(roots):
        members.setdefault(r, [r])
        if i != r:
            members[r].append(i)
    return [members[r] for r in sorted(members)]


@dataclass(frozen=True)
class Folded:
    """A problem with each alias group folded into one block.

    Attributes
    ----------
    original
        The problem as given.
    problem
        One buffer per group, in the order of the roots (with the original's
        capacity and pools).
    block_of
        The block (index into ``problem.buffers``) of each original buffer.
    members
        The original buffers of each block, root first.
    """

    original: Problem
    problem: Problem
    block_of: tuple[int, ...]
    members: tuple[tuple[int, ...], ...]

    def unfold(self, solution: Solution) -> Solution:
        """The blocks' solution as one for the original buffers: every
        member at its block's offset, in its block's pool."""
        offsets = [solution.offsets[b] for b in self.block_of]
        pools = (None if solution.pools is None
                 else [solution.pools[b] for b in self.block_of])
        return Solution.from_offsets(self.original, offsets, pools)

    def unfold_result(self, result: SolveResult) -> SolveResult:
        """A search result on the blocks as one on the original buffers: the
        solution unfolded, partitions per member, the placement order with
        each block's members together, and the trace naming each block by
        its root."""
        solution = None if result.solution is None else self.unfold(result.solution)
        partition_of = None
        if result.partition_of is not None:
            partition_of = tuple(result.partition_of[b] for b in self.block_of)
        order = None
        if result.placement_order is not None:
            order = tuple(i for b in result.placement_order for i in self.members[b])
        fallback = result.fallback
        if fallback is not None:
            fallback = replace(fallback, solution=self.unfold(fallback.solution))
        trace = result.trace
        if trace is not None and len(trace):
            roots = np.array([m[0] for m in self.members], dtype=np.int64)
            trace = trace.copy()
            rows = np.isin(trace[:, 0], _BUFFER_EVENTS)
            trace[rows, 1] = roots[trace[rows, 1]]
        return replace(result, solution=solution, partition_of=partition_of,
                       placement_order=order, fallback=fallback, trace=trace)


def fold(problem: Problem) -> Folded:
    """Fold each alias group of ``problem`` into one block (see the module
    documentation).  Cost ``O(n + g log g)`` for ``g`` gaps."""
    found = groups(problem)
    buffers = problem.buffers
    block_of = [0] * len(buffers)
    blocks = []
    for index, members in enumerate(found):
        for i in members:
            block_of[i] = index
        blocks.append(buffers[members[0]] if len(members) == 1
                      else _block([buffers[i] for i in members]))
    folded = Problem(tuple(blocks), problem.capacity, problem.pools)
    return Folded(problem, folded, tuple(block_of), tuple(tuple(m) for m in found))


def _block(members: list[Buffer]) -> Buffer:
    """One buffer standing for a root (first) and its aliases."""
    root = members[0]
    lower = min(b.lower for b in members)
    upper = max(b.upper for b in members)
    alignment = math.lcm(*(b.alignment for b in members))
    if alignment > MAX_TOTAL:
        raise ProblemError(f"the buffers sharing the memory of '{root.id}' need an "
                           f"alignment of {alignment}, over the limit of 2^61",
                           column="alignment")
    weights = [b.weight for b in members if b.weight is not None]
    names = ", ".join(f"'{b.id}'" for b in members[1:_NAMED + 1])
    more = len(members) - 1 - _NAMED
    names += f" and {more} more" if more > 0 else ""
    label = f"shares memory with {names}"
    if root.label:
        label = f"{root.label}; {label}"
    return Buffer(
        root.id, lower, upper, root.size, alignment=alignment,
        gaps=_idle(members, lower, upper),
        offset=next((b.offset for b in members if b.offset is not None), None),
        hint=root.hint, label=label,
        pool=next((b.pool for b in members if b.pool is not None), None),
        weight=sum(weights) if weights else None,
    )


def _idle(members: list[Buffer], lower: int, upper: int) -> tuple[Gap, ...]:
    """The stretches of ``[lower, upper)`` where no member is active (a
    member in a windowed gap counts as active)."""
    active: list[tuple[int, int]] = []
    for b in members:
        start = b.lower
        for gap in sorted(b.gaps, key=lambda g: g.lower):
            if gap.window is None:
                if start < gap.lower:
                    active.append((start, gap.lower))
                start = gap.upper
        if start < b.upper:
            active.append((start, b.upper))
    active.sort()
    idle = []
    reached = lower
    for start, stop in active:
        if start > reached:
            idle.append(Gap(reached, start))
        reached = max(reached, stop)
    if reached < upper:  # pragma: no cover - some member ends at ``upper``
        idle.append(Gap(reached, upper))
    return tuple(idle)
