"""An independent checker of solutions.

It shares no code with the sweep or the search (it reads only the problem
model), so a bug there cannot hide itself here.  It answers with the first
failure in the reference's order:

1. the number of offsets differs from the number of buffers (``BAD_SOLUTION``);
2. for each buffer in turn: a fixed offset not honoured (``BAD_FIXED``), an
   offset below 0 or an end above the capacity (``BAD_OFFSET``), an end above
   the stated height (``BAD_HEIGHT``), an offset that is not a multiple of the
   alignment (``BAD_ALIGNMENT``);
3. the stated height differs from the highest end (``BAD_HEIGHT``);
4. two buffers collide (``BAD_OVERLAP``).

**Collisions.**  While alive, a buffer occupies ``[offset, offset + size)``,
except during a gap: nothing in a gap without a window, ``[offset + wlo,
offset + whi)`` in a gap with window ``(wlo, whi)``.  So each buffer is a few
rectangles in (time x address), all half-open; two buffers collide if a
rectangle of one meets a rectangle of the other, that is if at some moment both
occupy a common address.  Lifespans that merely touch never collide, nor do
buffers of size 0.  Whenever one buffer lies wholly above the other at every
moment they share, this is exactly the test with the effective sizes of
ALGORITHM.md section 2 in both directions; it also accepts the rare placement
where two windowed buffers interleave (one above the other in one stretch,
below it in the next), which uses no byte twice and is therefore valid.

**Cost.**  With ``n`` buffers and ``g`` gaps there are at most ``n + 2g``
rectangles.  :func:`validate` checks the buffers' offsets with numpy on whole
columns, then sorts the rectangles' start and end times and sweeps through
them keeping the rectangles alive at that moment ordered by address; until a
collision is found they are disjoint, so a new rectangle need only be
compared with its two neighbours: ``O(m log m)`` time and ``O(m)`` memory for
``m`` rectangles, in a compiled kernel of its own (a few seconds for
1,000,000 buffers; offsets beyond 64 bits take a pure Python path).
:func:`conflicts` reports every colliding pair with a similar sweep (in
Python) over a max-tree of rectangle ends indexed by address, in
``O((m + k) log m)`` for ``k`` colliding rectangle pairs.

>>> from minimalloc.model import Buffer, Problem, Solution
>>> p = Problem((Buffer("a", 0, 3, 4), Buffer("b", 2, 5, 4)), capacity=8)
>>> validate(p, Solution((0, 4), 8)).ok
True
>>> result = validate(p, Solution((0, 2), 6))
>>> result.code, result.buffers
(<ValidationCode.BAD_OVERLAP: 'bad overlap'>, (0, 1))
>>> print(result.message)
Buffers 'a' and 'b' collide: at time 2 both occupy addresses 2 to 3.
>>> conflicts(p, Solution((0, 2), 6))
[(0, 1)]
"""

from __future__ import annotations

import enum
import os
import platform
import tempfile
from bisect import bisect_left, insort
from dataclasses import dataclass
from importlib import metadata
from typing import NamedTuple

import numpy as np
from numba import njit

from minimalloc.columns import buffer_columns
from minimalloc.errors import InternalError, ProblemError
from minimalloc.formats.csv import dumps_csv
from minimalloc.model import Buffer, Problem, Solution

__all__ = ["ValidationCode", "ValidationResult", "check_answer", "conflicts", "validate"]


class ValidationCode(enum.Enum):
    """What :func:`validate` found, in the order it checks."""

    GOOD = "good"  #: a valid solution
    BAD_SOLUTION = "bad solution"  #: not one offset per buffer
    BAD_FIXED = "bad fixed"  #: a fixed buffer is not at its fixed offset
    BAD_OFFSET = "bad offset"  #: below 0, or above the capacity
    BAD_HEIGHT = "bad height"  #: the stated height is wrong
    BAD_ALIGNMENT = "bad alignment"  #: an offset is not a multiple of the alignment
    BAD_OVERLAP = "bad overlap"  #: two buffers share an address at some moment


@dataclass(frozen=True)
class ValidationResult:
    """The verdict on one solution.

    ``buffers`` holds the indices of the buffers at fault: one for a
    per-buffer failure (and for a wrong stated height, the buffer reaching
    highest), two for a collision, none when the solution is good or has the
    wrong number of offsets.  ``message`` says what is wrong in words, naming
    buffer ids.  A result is truthy exactly when it is good.
    """

    code: ValidationCode
    buffers: tuple[int, ...] = ()
    message: str = ""

    @property
    def ok(self) -> bool:
        """True if the solution is valid."""
        return self.code is ValidationCode.GOOD

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.message


def validate(problem: Problem, solution: Solution) -> ValidationResult:
    """Check ``solution`` against ``problem``; report the first failure.

    Parameters
    ----------
    problem
        The buffers and capacity (a capacity of None sets no upper limit).
    solution
        One offset per buffer, in the problem's order, and the stated height.

    Returns
    -------
    ValidationResult
        ``GOOD``, or the first failure in the reference's order (see the module
        docstring).  When several pairs collide, the one reported is the first
        the time sweep meets.

    Notes
    -----
    Cost ``O(m log m)`` for ``m`` rectangles (buffers plus twice the gaps);
    1,000,000 buffers take a few seconds.
    """
    return _verdict(problem.buffers, problem.capacity, solution)


def check_answer(problem: Problem, solution: Solution, capacity: int | None, *,
                 source: str, params: object = None) -> Solution:
    """``solution``, once :func:`validate` has found it valid at ``capacity``
    (None: no limit); else an :class:`~minimalloc.errors.InternalError`.

    Every allocation the library hands out goes through here first, so an
    invalid one can never be returned as an answer.  A failure is a bug:
    the problem (CSV), ``capacity``, ``params`` and the verdict are written
    to a file in the temporary directory, and the error asks for a report
    with it.  ``source`` names what produced the allocation.

    Cost: that of :func:`validate`, ``O(m log m)`` for ``m`` rectangles; the
    buffers' columns are those the search read (kept per problem), so about
    a second or two for 10^6 buffers.
    """
    verdict = _verdict(problem.buffers, capacity, solution)
    if verdict.ok:
        return solution
    clash = _fixed_collision(problem)
    if clash is not None:  # the input's fault: nothing could be valid
        raise ProblemError(f"no allocation exists at any height: {clash}")
    report = _write_report(problem, solution, capacity, source, params, verdict)
    where = (f"please report it with the file {report}, which holds the problem "
             "and the parameters" if report is not None else
             "please report it with the problem and the parameters (the report "
             "file could not be written)")
    raise InternalError(f"internal error: {source} produced an allocation that fails "
                        f"validation ({verdict.message}); this is a bug in minimalloc, "
                        f"{where}", report)


def _fixed_collision(problem: Problem) -> str | None:
    """How buffers with fixed offsets collide with each other, if they do."""
    fixed = [i for i, b in enumerate(problem.buffers) if b.offset is not None]
    sub = Problem._from_checked(tuple(problem.buffers[i] for i in fixed), None)
    offsets = [b.offset for b in sub.buffers]
    verdict = validate(sub, Solution.from_offsets(sub, offsets))
    return verdict.message if verdict.code is ValidationCode.BAD_OVERLAP else None


def _write_report(problem: Problem, solution: Solution, capacity: int | None,
                  source: str, params: object, verdict: ValidationResult) -> str | None:
    """A file in the temporary directory that reproduces a failed check."""
    try:
        version = metadata.version("minimalloc")
    except metadata.PackageNotFoundError:  # pragma: no cover - not installed
        version = "unknown"
    lines = [
        "# minimalloc internal error: an allocation failed validation",
        f"# minimalloc {version}, Python {platform.python_version()}",
        f"# produced by: {source}",
        f"# verdict: {verdict.message}",
        f"# capacity: {capacity}",
        f"# parameters: {params!r}",
        f"# offsets: {' '.join(map(str, solution.offsets))}",
        f"# stated height: {solution.height}",
        "# the problem follows as CSV (delete these lines to read it back)",
    ]
    try:
        text = "\n".join(lines) + "\n" + dumps_csv(problem)
        handle, path = tempfile.mkstemp(prefix="minimalloc-report-", suffix=".csv")
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    except Exception:  # noqa: BLE001 - the error itself must still be raised
        return None
    return path


def _verdict(buffers: tuple[Buffer, ...], capacity: int | None,
             solution: Solution) -> ValidationResult:
    """:func:`validate` of ``buffers`` at ``capacity``."""
    offsets = solution.offsets
    if len(offsets) != len(buffers):
        return ValidationResult(
            ValidationCode.BAD_SOLUTION,
            (),
            f"The solution has {len(offsets)} offset{_s(len(offsets))} but the problem "
            f"has {len(buffers)} buffer{_s(len(buffers))}.",
        )
    height = solution.height
    columns = _columns(buffers, offsets)
    if columns is None:  # offsets beyond 64 bits: check one buffer at a time
        for index, (buffer, offset) in enumerate(zip(buffers, offsets, strict=True)):
            failure = _check_buffer(index, buffer, offset, capacity, height)
            if failure is not None:
                return failure
        top = max(range(len(buffers)), key=lambda i: offsets[i] + buffers[i].size,
                  default=None)
    else:
        index = _first_bad_buffer(columns, capacity, height)
        if index is not None:
            failure = _check_buffer(index, buffers[index], offsets[index], capacity, height)
            assert failure is not None, "the whole-column checks disagree"
            return failure
        ends = columns.offset + columns.size
        top = int(np.argmax(ends)) if len(ends) else None  # the first highest
    reached = 0 if top is None else offsets[top] + buffers[top].size
    if height != reached:
        if top is None:
            text = f"The stated height is {height}, but there are no buffers (height 0)."
        else:
            text = (
                f"The stated height is {height}, but the buffers reach only {reached} "
                f"(buffer '{buffers[top].id}' is highest)."
            )
        return ValidationResult(
            ValidationCode.BAD_HEIGHT, () if top is None else (top,), text
        )
    collision = _first_collision(buffers, offsets, columns)
    if collision is not None:
        first, second, time, low, high = collision
        return ValidationResult(
            ValidationCode.BAD_OVERLAP,
            (first, second),
            f"Buffers '{buffers[first].id}' and '{buffers[second].id}' collide: at time "
            f"{time} both occupy addresses {low} to {high - 1}.",
        )
    return ValidationResult(
        ValidationCode.GOOD,
        (),
        f"The solution is valid: {len(buffers)} buffer{_s(len(buffers))} fit in "
        f"height {height}"
        + ("." if capacity is None else f" (capacity {capacity})."),
    )


def conflicts(problem: Problem, solution: Solution) -> list[tuple[int, int]]:
    """Every pair of buffers that collide, as sorted ``(i, j)`` with ``i < j``.

    Only collisions are judged (not bounds, alignment or height).  Cost
    ``O((m + k) log m)`` for ``m`` rectangles and ``k`` colliding rectangle
    pairs.

    Raises
    ------
    ValueError
        If the solution does not have one offset per buffer.
    """
    buffers = problem.buffers
    offsets = solution.offsets
    if len(offsets) != len(buffers):
        raise ValueError(
            f"the solution has {len(offsets)} offsets for {len(buffers)} buffers"
        )
    rects = _rectangles(buffers, offsets)
    if not rects:
        return []
    # Each rectangle gets a leaf of the tree, leaves ordered by address start.
    by_address = sorted(range(len(rects)), key=lambda r: rects[r][2])
    slot = [0] * len(rects)
    for position, r in enumerate(by_address):
        slot[r] = position
    starts = [rects[r][2] for r in by_address]
    tree = _MaxTree(len(rects))
    found: set[tuple[int, int]] = set()
    for _, kind, r in _events(rects):
        _, _, low, high, owner = rects[r]
        if kind == _END:
            tree.assign(slot[r], _NONE)
            continue
        # Live rectangles that start below `high` and end above `low`.
        for hit in tree.above(bisect_left(starts, high), low):
            other = rects[by_address[hit]][4]
            found.add((other, owner) if other < owner else (owner, other))
        tree.assign(slot[r], high)
    return sorted(found)


# ----------------------------------------------------------------------------


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _check_buffer(
    index: int, buffer: Buffer, offset: int, capacity: int | None, height: int
) -> ValidationResult | None:
    """The first per-buffer failure of ``buffer`` at ``offset``, if any."""
    name = f"Buffer '{buffer.id}'"
    end = offset + buffer.size
    if buffer.offset is not None and buffer.offset != offset:
        return ValidationResult(
            ValidationCode.BAD_FIXED,
            (index,),
            f"{name} is fixed at offset {buffer.offset} but was placed at {offset}.",
        )
    if offset < 0:
        return ValidationResult(
            ValidationCode.BAD_OFFSET,
            (index,),
            f"{name} was placed at offset {offset}, below 0.",
        )
    if capacity is not None and end > capacity:
        return ValidationResult(
            ValidationCode.BAD_OFFSET,
            (index,),
            f"{name} (size {buffer.size}) at offset {offset} ends at {end}, above the "
            f"capacity {capacity}.",
        )
    if end > height:
        return ValidationResult(
            ValidationCode.BAD_HEIGHT,
            (index,),
            f"{name} (size {buffer.size}) at offset {offset} ends at {end}, above the "
            f"stated height {height}.",
        )
    if offset % buffer.alignment:
        return ValidationResult(
            ValidationCode.BAD_ALIGNMENT,
            (index,),
            f"{name} was placed at offset {offset}, which is not a multiple of its "
            f"alignment {buffer.alignment}.",
        )
    return None


#: A rectangle: (time from, time to, address from, address to, buffer index),
#: all half-open and non-empty.
_Rect = tuple[int, int, int, int, int]
_END, _START = 0, 1  # at equal times, ends are handled before starts
_NONE = float("-inf")


def _rectangles(buffers: tuple[Buffer, ...], offsets: tuple[int, ...]) -> list[_Rect]:
    """What each buffer occupies, as rectangles in (time x address)."""
    rects: list[_Rect] = []
    for index, (buffer, offset) in enumerate(zip(buffers, offsets, strict=True)):
        if buffer.size <= 0:
            continue
        top = offset + buffer.size
        if not buffer.gaps:
            rects.append((buffer.lower, buffer.upper, offset, top, index))
            continue
        cursor = buffer.lower
        for gap in sorted(buffer.gaps, key=lambda g: g.lower):
            if cursor < gap.lower:
                rects.append((cursor, gap.lower, offset, top, index))
            if gap.window is not None:
                low, high = gap.window
                rects.append((gap.lower, gap.upper, offset + low, offset + high, index))
            cursor = gap.upper
        if cursor < buffer.upper:
            rects.append((cursor, buffer.upper, offset, top, index))
    return rects


def _events(rects: list[_Rect]) -> list[tuple[int, int, int]]:
    """(time, kind, rectangle) for every start and end, in sweep order."""
    events = [(rect[0], _START, r) for r, rect in enumerate(rects)]
    events.extend((rect[1], _END, r) for r, rect in enumerate(rects))
    events.sort()
    return events


def _first_collision(
    buffers: tuple[Buffer, ...], offsets: tuple[int, ...], columns: _Columns | None
) -> tuple[int, int, int, int, int] | None:
    """The first collision the sweep meets, as (buffer, buffer, time, address
    from, address to), the buffers in increasing index order; None if none.

    The sweep handles starts and ends in time order (ends first at equal
    times, then by rectangle).  As long as nothing collides the live
    rectangles are disjoint, so a new one can only meet the live one with the
    lowest start at or above its own start, or the one just below that.  The
    live set is a Fenwick tree of counts over the rectangles ordered by
    address start, which finds both in ``O(log m)``: the sweep costs
    ``O(m log m)`` time and ``O(m)`` memory however many are alive at once.
    """
    try:
        rect_columns = _rectangle_columns(buffers, offsets, columns)
    except OverflowError:
        return _first_collision_exact(buffers, offsets)
    if rect_columns is None:
        return None
    start, stop, low, high, owner = rect_columns
    m = len(start)
    ids = np.arange(m, dtype=np.int64)
    # Events: starts (kind 1) and ends (kind 0), by (time, kind, rectangle).
    times = np.concatenate((start, stop))
    kinds = np.concatenate((np.ones(m, np.int8), np.zeros(m, np.int8)))
    rects = np.concatenate((ids, ids))
    order = np.lexsort((rects, kinds, times))
    by_address = np.lexsort((ids, low))
    rank = np.empty(m, dtype=np.int64)
    rank[by_address] = ids
    # Where a rectangle's start would go among all starts (bisect_left).
    first_at_or_above = np.searchsorted(low[by_address], low, "left")
    event, r, other = _sweep(rects[order], kinds[order], rank, by_address,
                             first_at_or_above, low, high)
    if event < 0:
        return None
    first, second = sorted((int(owner[r]), int(owner[other])))
    time = int(times[order[event]])
    return (first, second, time, int(max(low[r], low[other])),
            int(min(high[r], high[other])))


@njit(cache=True, nogil=True)
def _sweep(event_rect, event_kind, rank, by_address, first_at_or_above, low, high):
    """(event, rectangle, live rectangle) of the first collision, or -1s."""
    m = len(rank)
    tree = np.zeros(m + 1, dtype=np.int64)  # Fenwick tree of live counts by rank
    top_step = 1
    while top_step * 2 <= m:
        top_step *= 2
    for event in range(len(event_rect)):
        r = event_rect[event]
        if event_kind[event] == 0:  # an end: r leaves the live set
            i = rank[r] + 1
            while i <= m:
                tree[i] -= 1
                i += i & -i
            continue
        position = first_at_or_above[r]
        below = 0  # live rectangles ranked before `position`
        i = position
        while i > 0:
            below += tree[i]
            i -= i & -i
        live = 0
        i = m
        while i > 0:
            live += tree[i]
            i -= i & -i
        if below < live:  # the lowest live start at or above low[r]
            other = by_address[_kth(tree, below + 1, top_step, m)]
            if low[other] < high[r]:
                return event, r, other
        if below > 0:  # the live rectangle just below
            other = by_address[_kth(tree, below, top_step, m)]
            if high[other] > low[r]:
                return event, r, other
        i = rank[r] + 1
        while i <= m:
            tree[i] += 1
            i += i & -i
    return -1, -1, -1


@njit(cache=True, nogil=True)
def _kth(tree, k, top_step, m):
    """The 0-based rank of the ``k``-th live rectangle (``k >= 1``)."""
    position = 0
    step = top_step
    while step > 0:
        nxt = position + step
        if nxt <= m and tree[nxt] < k:
            position = nxt
            k -= tree[nxt]
        step //= 2
    return position


class _Columns(NamedTuple):
    """What the checks need of each buffer, as int64 arrays."""

    lower: np.ndarray
    upper: np.ndarray
    size: np.ndarray
    alignment: np.ndarray
    fixed: np.ndarray  #: -1 where the buffer is free
    offset: np.ndarray  #: the solution's offsets
    gap_count: np.ndarray  #: how many gaps each buffer has


#: Offsets beyond this are checked one buffer at a time (ends must fit 64 bits).
_OFFSET_LIMIT = 2**62


def _columns(buffers: tuple[Buffer, ...], offsets: tuple[int, ...]) -> _Columns | None:
    """The buffers' values and the offsets as arrays; None if an offset is
    too large for 64-bit arithmetic.

    The values come from the model's one column view
    (:func:`minimalloc.columns.buffer_columns`: the attributes of the
    buffers, read once per problem), which a solve has usually read already;
    how offsets and gaps are judged is this module's own.
    """
    n = len(buffers)
    try:
        offset = np.fromiter(offsets, dtype=np.int64, count=n)
    except (OverflowError, ValueError, TypeError):
        return None
    if n and np.abs(offset).max() > _OFFSET_LIMIT:
        return None
    view = buffer_columns(buffers)
    return _Columns(view.lower, view.upper, view.size, view.alignment, view.fixed,
                    offset, view.gap_count)


def _first_bad_buffer(columns: _Columns, capacity: int | None, height: int) -> int | None:
    """The first buffer :func:`_check_buffer` would refuse, if any."""
    offset, size = columns.offset, columns.size
    end = offset + size
    height = max(min(height, 2**63 - 1), -(2**63))  # any end is within ±2^63
    bad = ((columns.fixed >= 0) & (columns.fixed != offset)) | (offset < 0) | (end > height)
    if capacity is not None:
        bad |= end > capacity
    bad |= offset % columns.alignment != 0
    return int(np.argmax(bad)) if bad.any() else None


def _rectangle_columns(
    buffers: tuple[Buffer, ...], offsets: tuple[int, ...], columns: _Columns | None
) -> tuple[np.ndarray, ...] | None:
    """The rectangles of :func:`_rectangles` as arrays (time from, time to,
    address from, address to, buffer); None if there are none."""
    if columns is None:
        listed = _rectangles(buffers, offsets)
        if not listed:
            return None
        table = np.array(listed, dtype=object)
        rects = tuple(np.array(table[:, k].tolist(), dtype=np.int64) for k in range(5))
        return rects if len(rects[0]) else None
    # Buffers without gaps are one rectangle each, taken from the columns;
    # only those with gaps are cut into pieces one at a time.
    occupying = columns.size > 0
    owner = np.flatnonzero(occupying & (columns.gap_count == 0))
    low = columns.offset[owner]
    rects = (columns.lower[owner], columns.upper[owner], low, low + columns.size[owner],
             owner.astype(np.int64))
    gapped = np.flatnonzero(occupying & (columns.gap_count > 0)).tolist()
    if gapped:
        listed = _rectangles(tuple(buffers[i] for i in gapped),
                             tuple(offsets[i] for i in gapped))
        pieces = np.array(listed, dtype=np.int64).reshape(-1, 5)
        pieces[:, 4] = np.array(gapped, dtype=np.int64)[pieces[:, 4]]
        rects = tuple(np.concatenate((column, pieces[:, k]))
                      for k, column in enumerate(rects))
        # Back in buffer order, as the sweep breaks ties by rectangle.
        order = np.argsort(rects[4], kind="stable")
        rects = tuple(column[order] for column in rects)
    return rects if len(rects[0]) else None


def _first_collision_exact(
    buffers: tuple[Buffer, ...], offsets: tuple[int, ...]
) -> tuple[int, int, int, int, int] | None:
    """:func:`_first_collision` in Python integers, for offsets beyond 64 bits.

    The live rectangles are kept sorted by address start in ``starts`` (with
    ``live`` mapping a start to its rectangle).  As long as nothing collides
    they are disjoint, so starts are distinct and a new rectangle can only meet
    the live one just below it or the one just above.
    """
    rects = _rectangles(buffers, offsets)
    starts: list[int] = []
    live: dict[int, int] = {}
    for time, kind, r in _events(rects):
        low, high, owner = rects[r][2], rects[r][3], rects[r][4]
        if kind == _END:
            del starts[bisect_left(starts, low)]
            del live[low]
            continue
        position = bisect_left(starts, low)
        other = None
        if position < len(starts) and starts[position] < high:
            other = live[starts[position]]  # starts inside the new one
        elif position > 0 and rects[live[starts[position - 1]]][3] > low:
            other = live[starts[position - 1]]  # reaches into the new one
        if other is not None:
            other_low, other_high, other_owner = rects[other][2:5]
            first, second = sorted((owner, other_owner))
            return first, second, time, max(low, other_low), min(high, other_high)
        insort(starts, low)
        live[low] = r
    return None


class _MaxTree:
    """Values on ``n`` leaves with "which leaves left of ``stop`` hold more than
    ``bound``?" answered in ``O((k + 1) log n)`` for ``k`` answers."""

    def __init__(self, n: int) -> None:
        self.size = 1
        while self.size < n:
            self.size *= 2
        self.values: list[float] = [_NONE] * (2 * self.size)

    def assign(self, leaf: int, value: float) -> None:
        values = self.values
        node = leaf + self.size
        values[node] = value
        node //= 2
        while node:
            best = max(values[2 * node], values[2 * node + 1])
            if values[node] == best:
                break
            values[node] = best
            node //= 2

    def above(self, stop: int, bound: float) -> list[int]:
        values = self.values
        hits = []
        stack = [(1, 0, self.size)]
        while stack:
            node, first, width = stack.pop()
            if first >= stop or values[node] <= bound:
                continue
            if width == 1:
                hits.append(first)
                continue
            half = width // 2
            stack.append((2 * node + 1, first + half, half))
            stack.append((2 * node, first, half))
        return hits
