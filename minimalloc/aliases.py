"""Buffers that share memory: each alias group becomes one block, and back.

A buffer with ``alias="x"`` lives in the memory of buffer ``x`` (a view, an
operator that writes its result over its input): both get the same offset
and the same pool.  Chains resolve to their root (:mod:`minimalloc.groups`),
and a root with its aliases is one *group*.  :func:`fold` turns each group
into one block the planners know how to place:

- it lives from the first member's start to the last member's end; the
  stretches in between where no member is active become gaps (without a
  window), so another buffer may use the block's memory then, and those
  where only smaller members are active become windowed gaps holding just
  what they occupy;
- it is as large as the root (no alias is larger), aligned to every
  member's alignment, fixed where a member is fixed, pinned where a member
  is pinned;
- its weight is the sum of the members' given weights, or the root's size
  when none gives one (the bytes that move if the block moves).

Windows that do not start at the block's base (a member's own windowed
gap) are covered by one window from the lowest to the highest: a little
cautious then, never wrong.

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

__all__ = ["Folded", "fold", "groups", "refuse_aliases"]

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


def refuse_aliases(problem: Problem, who: str) -> None:
    """Raise a :class:`ProblemError` if ``problem`` has aliases: for the
    parts that move buffers one at a time and would part a group.  The
    public entry points (``solve``, ``minimize``, ``spill``, the baseline
    allocators) fold the groups first; ``who`` names the part refusing."""
    if problem.has_aliases:
        aliased = next(b for b in problem.buffers if b.alias is not None)
        raise ProblemError(
            f"{who} moves buffers one at a time and would part buffer '{aliased.id}' "
            f"from '{aliased.alias}', whose memory it shares: fold the alias groups "
            "first (minimalloc.aliases.fold), or call minimize, which does")


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
        gaps=_idle(members, lower, upper, root.size),
        offset=next((b.offset for b in members if b.offset is not None), None),
        hint=root.hint, label=label,
        pool=next((b.pool for b in members if b.pool is not None), None),
        weight=sum(weights) if weights else None,
    )


def _idle(members: list[Buffer], lower: int, upper: int, size: int) -> tuple[Gap, ...]:
    """The block's gaps: where no member is active, a gap without a window;
    where the active members occupy less than the whole block, a gap with
    the window that covers them all (they share the block's offset, so
    that is exactly their union when their windows start at 0)."""
    cuts = sorted({lower, upper} | {t for b in members for t in _times(b)})
    gaps: list[Gap] = []
    for t0, t1 in zip(cuts, cuts[1:]):
        windows = [w for w in (_window(b, t0) for b in members) if w is not None]
        window = (min(w[0] for w in windows), max(w[1] for w in windows)) if windows \
            else None
        if window == (0, size):
            continue
        if gaps and gaps[-1].upper == t0 and gaps[-1].window == window:
            gaps[-1] = Gap(gaps[-1].lower, t1, window)
        else:
            gaps.append(Gap(t0, t1, window))
    return tuple(gaps)


def _times(buffer: Buffer) -> list[int]:
    """The moments where ``buffer``'s occupancy may change."""
    return [buffer.lower, buffer.upper] + [t for g in buffer.gaps
                                           for t in (g.lower, g.upper)]


def _window(buffer: Buffer, time: int) -> tuple[int, int] | None:
    """What ``buffer`` occupies at ``time``, relative to its offset."""
    if not buffer.lower <= time < buffer.upper:
        return None
    for gap in buffer.gaps:
        if gap.lower <= time < gap.upper:
            return gap.window
    return (0, buffer.size) if buffer.size else None
