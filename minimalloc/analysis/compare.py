"""Two plans side by side: which buffers moved, which are in only one, and
where in time one plan reaches higher than the other.

A *plan* is a problem whose every buffer has an offset: a file
``minimalloc --output`` writes (a CSV with an ``offset`` column, a Chrome
trace, a text plan), a PyTorch snapshot, or a problem and a
:class:`~minimalloc.model.Solution` in memory.  Buffers of the two plans are
matched by ``id``, or by ``label`` (the k-th buffer with a label, in time
order, matches the k-th with the same label in the other plan; buffers
without a label are matched by id).  Two plans are of unrelated problems
when no matched pair has the same lifetime and size: comparing them says
nothing, so :func:`compare` refuses.

The height of a plan *at a moment* is the top of the highest buffer alive
then (:func:`top_profile`); the stretches where the two differ are what
:attr:`Comparison.stretches` lists.

>>> from minimalloc.model import Buffer, Problem, Solution
>>> p = Problem((Buffer("x", 0, 4, 2), Buffer("y", 2, 6, 3)))
>>> a = Plan(p, Solution.from_offsets(p, [0, 2]), "a")
>>> b = Plan(p, Solution.from_offsets(p, [3, 0]), "b")
>>> c = compare(a, b)
>>> c.height_a, c.height_b, c.moved
(5, 5, ('x', 'y'))
>>> [(s.start, s.end, s.top_a, s.top_b) for s in c.stretches]
[(0, 2, 2, 5), (4, 6, 5, 3)]
"""

from __future__ import annotations

import bisect
import heapq
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from minimalloc.bounds import active_pieces, load_profile
from minimalloc.columns import buffer_columns
from minimalloc.errors import ProblemError
from minimalloc.formats.detect import ReadOptions, Source, read_any
from minimalloc.model import Problem, Solution
from minimalloc.validate import validate

__all__ = ["MATCHES", "Comparison", "Move", "Plan", "Stretch", "compare", "plan_from",
           "read_plan", "snapshot_plan", "top_profile"]

#: How buffers of the two plans are paired.
MATCHES = ("id", "label")


@dataclass(frozen=True)
class Plan:
    """A problem (its buffers free) and the offsets a plan gives them.

    ``name`` is how messages and pages call it (a file name, "greedy"...).
    """

    problem: Problem
    solution: Solution
    name: str

    @property
    def height(self) -> int:
        return self.solution.height


def plan_from(problem: Problem, name: str) -> Plan:
    """The plan a problem read from a file holds in its ``offset`` column.

    Raises
    ------
    ProblemError
        If some buffer has no offset (the file is a problem, not a plan), or
        the offsets are not a valid plan (two buffers share an address at
        some moment, a negative or misaligned offset); the message names
        ``name`` and the first fault.
    """
    missing = [b.id for b in problem.buffers if b.offset is None]
    if not problem.buffers:
        raise ProblemError("holds no buffers: nothing to compare", file=name)
    if missing:
        raise ProblemError(
            f"is not a plan: {len(missing):,} of {len(problem):,} buffers have no offset "
            f"(first: '{missing[0]}'); expected an offset column filled for every buffer",
            file=name)
    free = problem.without_fixed_offsets().with_capacity(None)
    solution = Solution.from_offsets(free, [b.offset for b in problem.buffers])
    verdict = validate(free, solution)
    if not verdict.ok:
        raise ProblemError(f"its offsets are not a valid plan: {verdict.message}",
                           file=name)
    return Plan(free, solution, name)


def read_plan(source: Source, *, name: str | os.PathLike[str] | None = None,
              options: ReadOptions | None = None) -> Plan:
    """Read a plan from a file (any format :func:`~minimalloc.formats.read_any`
    reads), checked as :func:`plan_from` does."""
    reading = read_any(source, name=name, options=options)
    if reading.kind == "torch_snapshot":
        return snapshot_plan(reading.problem, reading.name)
    return plan_from(reading.problem, reading.name)


def snapshot_plan(problem: Problem, name: str) -> Plan:
    """The plan PyTorch's caching allocator made, from a snapshot's problem.

    Each buffer's id starts with its address (``0x7f3a00000@12``, see
    :mod:`minimalloc.formats.torch_snapshot`).  The addresses are spread over
    segments far apart in the address space, so the ranges no buffer ever
    uses are squeezed out: what is left is the memory the allocator's blocks
    occupied, each buffer at its place within it, and the plan's height is
    their total.

    >>> from minimalloc.model import Buffer
    >>> p = Problem((Buffer("0x1000@0", 0, 2, 16), Buffer("0x9000@1", 1, 3, 8)))
    >>> snapshot_plan(p, "s").solution.offsets
    (0, 16)
    """
    addresses = []
    for b in problem.buffers:
        head = b.id.split("@", 1)[0]
        try:
            addresses.append(int(head, 16) if head.startswith("0x") else None)
        except ValueError:
            addresses.append(None)
    if not problem.buffers or None in addresses:
        raise ProblemError("is not a PyTorch snapshot's plan: expected every buffer id "
                           "to start with its address (0x...@entry)", file=name)
    squeezed: dict[int, int] = {}  # start of each used stretch -> its new offset
    starts, used, end = [], 0, -1
    for address, size in sorted((a, b.size) for a, b in zip(addresses, problem.buffers)):
        if address >= end:  # a new stretch of used addresses
            starts.append(address)
            squeezed[address] = used
            end = address
        used += max(address + size, end) - end
        end = max(end, address + size)
    offsets = []
    for address in addresses:
        stretch = starts[bisect.bisect_right(starts, address) - 1]
        offsets.append(squeezed[stretch] + address - stretch)
    free = problem.without_fixed_offsets().with_capacity(None)
    solution = Solution.from_offsets(free, offsets)
    verdict = validate(free, solution)
    if not verdict.ok:
        raise ProblemError(f"the snapshot's addresses are not a valid plan: "
                           f"{verdict.message}", file=name)
    return Plan(free, solution, name)


@dataclass(frozen=True)
class Move:
    """A buffer at a different offset in the two plans."""

    key: str
    offset_a: int
    offset_b: int
    size: int


@dataclass(frozen=True)
class Stretch:
    """Times ``[start, end)`` where the plans' tops differ: ``top_a`` and
    ``top_b`` are the highest address each uses then."""

    start: int
    end: int
    top_a: int
    top_b: int

    @property
    def difference(self) -> int:
        """How much higher plan B reaches than plan A (negative: lower)."""
        return self.top_b - self.top_a


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` found.

    Buffers are named by their key: their id, or with ``match="label"`` their
    label (``label #2`` for the second with that label).  ``pairs`` holds
    the matched buffers' indices ``(in a, in b)``; ``changed`` the matched
    buffers whose lifetime or size differs.
    """

    a: Plan
    b: Plan
    match: str
    pairs: tuple[tuple[int, int], ...]
    keys_a: tuple[str, ...]
    keys_b: tuple[str, ...]
    moves: tuple[Move, ...]
    changed: tuple[str, ...]
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    stretches: tuple[Stretch, ...]

    @property
    def height_a(self) -> int:
        return self.a.height

    @property
    def height_b(self) -> int:
        return self.b.height

    @property
    def difference(self) -> int:
        """``height_b - height_a``."""
        return self.height_b - self.height_a

    @property
    def moved(self) -> tuple[str, ...]:
        """The keys of the matched buffers whose offsets differ."""
        return tuple(m.key for m in self.moves)

    def moved_indices(self) -> tuple[list[int], list[int]]:
        """The moved buffers' indices in plan A and in plan B."""
        moved = set(self.moved)
        pairs = [(i, j) for i, j in self.pairs if self.keys_a[i] in moved]
        return [i for i, _ in pairs], [j for _, j in pairs]

    def find(self, key: str) -> tuple[int | None, int | None]:
        """The index of the buffer called ``key`` in each plan (None: absent)."""
        return (_index(self.keys_a, key), _index(self.keys_b, key))

    def to_dict(self) -> dict[str, Any]:
        """As plain data (what ``minimalloc compare --json`` prints)."""
        return {
            "plan_a": self.a.name, "plan_b": self.b.name, "match": self.match,
            "height_a": self.height_a, "height_b": self.height_b,
            "difference": self.difference,
            "matched": len(self.pairs),
            "moved": list(self.moved),
            "moves": [{"buffer": m.key, "offset_a": m.offset_a, "offset_b": m.offset_b,
                       "size": m.size} for m in self.moves],
            "changed": list(self.changed),
            "only_a": list(self.only_a), "only_b": list(self.only_b),
            "higher": [{"start": s.start, "end": s.end, "top_a": s.top_a,
                        "top_b": s.top_b, "difference": s.difference}
                       for s in self.stretches],
        }


def compare(a: Plan, b: Plan, *, match: str = "id") -> Comparison:
    """Compare plan ``a`` with plan ``b``.

    Parameters
    ----------
    a, b
        The two plans.
    match
        ``"id"`` or ``"label"``: how buffers are paired.

    Returns
    -------
    Comparison
        The moved buffers (in plan A's order), those only in one plan, and
        the stretches of time where the plans' tops differ.

    Raises
    ------
    ProblemError
        For an unknown ``match``, or plans of unrelated problems (no matched
        buffer has the same lifetime and size in both).

    Notes
    -----
    ``O(n log n)`` for ``n`` buffers in all.
    """
    if match not in MATCHES:
        raise ProblemError(f"unknown match '{match}': expected one of "
                           f"{', '.join(MATCHES)}")
    keys_a, keys_b = buffer_keys(a.problem, match), buffer_keys(b.problem, match)
    where_b = {key: j for j, key in enumerate(keys_b)}
    ia = np.array([i for i, key in enumerate(keys_a) if key in where_b], dtype=np.int64)
    jb = np.array([where_b[keys_a[i]] for i in ia.tolist()], dtype=np.int64)
    pairs = tuple(zip(ia.tolist(), jb.tolist()))
    # Column arrays: a plan of 10^6 buffers is compared without a loop per pair.
    ca, cb = buffer_columns(a.problem.buffers), buffer_columns(b.problem.buffers)
    same = ((ca.lower[ia] == cb.lower[jb]) & (ca.upper[ia] == cb.upper[jb])
            & (ca.size[ia] == cb.size[jb]))
    if not same.any():
        what = "no buffer in common" if not pairs else (
            f"{len(pairs):,} buffers matched by {match}, but none with the same "
            "lifetime and size")
        raise ProblemError(f"'{a.name}' and '{b.name}' plan unrelated problems: {what} "
                           f"(buffers are matched by {match}; try --match="
                           f"{'label' if match == 'id' else 'id'})")
    offsets_a = np.asarray(a.solution.offsets, dtype=np.int64)[ia]
    offsets_b = np.asarray(b.solution.offsets, dtype=np.int64)[jb]
    moved = offsets_a != offsets_b
    moves = tuple(Move(keys_a[i], x, y, size) for i, x, y, size in zip(
        ia[moved].tolist(), offsets_a[moved].tolist(), offsets_b[moved].tolist(),
        ca.size[ia[moved]].tolist()))
    changed = tuple(keys_a[i] for i in ia[~same].tolist())
    matched_b = set(jb.tolist())
    only_a = tuple(k for k in keys_a if k not in where_b)
    only_b = tuple(k for j, k in enumerate(keys_b) if j not in matched_b)
    stretches = _differing(top_profile(a.problem, a.solution),
                           top_profile(b.problem, b.solution))
    return Comparison(a, b, match, pairs, keys_a, keys_b, moves, changed, only_a,
                      only_b, stretches)


def buffer_keys(problem: Problem, match: str) -> tuple[str, ...]:
    """Each buffer's key: its id, or its label numbered in time order."""
    if match == "id":
        return tuple(b.id for b in problem.buffers)
    order = sorted(range(len(problem)), key=lambda i: (problem.buffers[i].lower,
                                                       problem.buffers[i].upper, i))
    seen: dict[str, int] = defaultdict(int)
    keys = [""] * len(problem)
    for i in order:
        b = problem.buffers[i]
        label = b.label or b.id
        seen[label] += 1
        keys[i] = label if seen[label] == 1 else f"{label} #{seen[label]}"
    return tuple(keys)


def top_profile(problem: Problem, solution: Solution) -> tuple[np.ndarray, np.ndarray]:
    """The highest address a plan uses over time, as a step function.

    Returns ``times`` (every time the top may change, sorted) and ``tops``:
    ``tops[k]`` is the top of the buffers active during
    ``[times[k], times[k + 1])`` (0 when none is; the last entry is 0).
    Gaps count as in :func:`minimalloc.bounds.active_pieces`.  ``O(n log n)``.
    """
    pieces = active_pieces(problem)
    offsets = np.asarray(solution.offsets, dtype=np.int64)
    top = offsets[pieces.owner] + pieces.whi
    times = np.unique(np.concatenate([pieces.t0, pieces.t1]))
    order = np.argsort(pieces.t0, kind="stable")
    t0, t1, top = pieces.t0[order].tolist(), pieces.t1[order].tolist(), top[order].tolist()
    alive: list[tuple[int, int]] = []  # (-top, end): a max-heap, ended ones popped late
    tops, cursor = [], 0
    for t in times.tolist():
        while cursor < len(t0) and t0[cursor] <= t:
            if t1[cursor] > t0[cursor]:
                heapq.heappush(alive, (-top[cursor], t1[cursor]))
            cursor += 1
        while alive and alive[0][1] <= t:
            heapq.heappop(alive)
        tops.append(-alive[0][0] if alive else 0)
    return times, np.asarray(tops, dtype=np.int64)


def live_profiles(comparison: Comparison) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """The live bytes over time of plan A and of plan B."""
    return load_profile(comparison.a.problem), load_profile(comparison.b.problem)


def _differing(profile_a: tuple[np.ndarray, np.ndarray],
               profile_b: tuple[np.ndarray, np.ndarray]) -> tuple[Stretch, ...]:
    """The stretches where two step functions differ, neighbours with the
    same two values joined."""
    times = np.union1d(profile_a[0], profile_b[0])
    if not len(times):
        return ()
    value_a, value_b = _at(profile_a, times), _at(profile_b, times)
    # Past the last time both are 0: only steps with an end can differ.
    k = np.flatnonzero(value_a[:-1] != value_b[:-1])
    if not len(k):
        return ()
    start, end, top_a, top_b = times[k], times[k + 1], value_a[k], value_b[k]
    # Join a step to the one before when they touch and hold the same two values.
    new = np.ones(len(k), dtype=bool)
    new[1:] = ~((end[:-1] == start[1:]) & (top_a[:-1] == top_a[1:])
                & (top_b[:-1] == top_b[1:]))
    first = np.flatnonzero(new)
    last = np.append(first[1:], len(k)) - 1
    return tuple(Stretch(s, e, x, y) for s, e, x, y in zip(
        start[first].tolist(), end[last].tolist(), top_a[first].tolist(),
        top_b[first].tolist()))


def _at(profile: tuple[np.ndarray, np.ndarray], times: np.ndarray) -> np.ndarray:
    """A step function's value at each of ``times`` (0 before its first time)."""
    known, values = profile
    if not len(known):
        return np.zeros(len(times), dtype=np.int64)
    k = np.searchsorted(known, times, side="right") - 1
    return np.where(k >= 0, np.asarray(values)[np.maximum(k, 0)], 0)


def _index(keys: Sequence[str], key: str) -> int | None:
    try:
        return list(keys).index(key)
    except ValueError:
        return None
