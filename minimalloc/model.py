"""The problem and its solution: buffers with lifespans, gaps and windows.

All intervals are half-open: a buffer with ``lower=3, upper=9`` is alive at
times 3..8, and a window ``(wlo, whi)`` covers addresses ``offset + wlo`` to
``offset + whi - 1``.  Everything here is immutable; a ``Problem`` is checked
when it is built, so the solver never sees a malformed one.

The search works in 64-bit integers, so every value is bounded to keep
every sum it forms in range (beyond the bounds: :class:`ProblemError`).
Times, fixed offsets and hints lie within ``±MAX_VALUE`` (2^60); sizes and
alignments are at most ``MAX_TOTAL`` (2^61) and, over all the buffers of a
problem, ``sum(size + alignment - 1) <= MAX_TOTAL``; the capacity is at most
``MAX_TOTAL``.  Why that suffices: any offset an algorithm computes is the
top of a chain of buffers stacked on a fixed one, each padded to its
alignment, so it is at most ``MAX_VALUE + MAX_TOTAL`` (3 * 2^60), below the
search's 2^62 "infinity"; adding one more size, alignment, section total or
capacity stays below 5 * 2^60 < 2^63.  Time differences stay below 2^61.

>>> b = Buffer("b1", lower=0, upper=3, size=4)
>>> Problem((b,), capacity=12).buffers[0].area
12
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from minimalloc.errors import ProblemError
from minimalloc.groups import check_pool_name, group_trouble

#: What ends a line for ``str.splitlines``: never inside an id.
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")

# What an integer means, as in the reference (names, not new types).
TimeValue = int
Offset = int
BufferIdx = int

#: The largest magnitude of a time, a fixed offset or a hint.
MAX_VALUE = 2**60
#: The largest size, alignment or capacity, and the most that
#: ``size + alignment - 1`` may add up to over the buffers of a problem.
MAX_TOTAL = 2**61


@dataclass(frozen=True)
class Gap:
    """A stretch ``[lower, upper)`` of a buffer's lifespan where it is
    inactive (``window`` is None) or occupies only ``window = (wlo, whi)`` of
    its own ``[0, size)`` range."""

    lower: TimeValue
    upper: TimeValue
    window: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lower", _as_int(self.lower, "gaps"))
        object.__setattr__(self, "upper", _as_int(self.upper, "gaps"))
        if self.lower >= self.upper:
            raise ProblemError(
                f"a gap needs lower < upper, got {self.lower}-{self.upper}",
                column="gaps",
            )
        if self.window is not None:
            window = _pair(self.window)
            window = (_as_int(window[0], "gaps", MAX_TOTAL),
                      _as_int(window[1], "gaps", MAX_TOTAL))
            object.__setattr__(self, "window", window)


@dataclass(frozen=True)
class Buffer:
    """A block of ``size`` bytes alive during ``[lower, upper)``.

    ``alignment``: its offset must be a multiple of this.  ``gaps``: stretches
    of the lifespan where it is inactive or only partly present.  ``offset``:
    if set, the solver must place it exactly there.  ``hint``: carried through
    files, ignored by the search.  ``label``: free text saying where the buffer
    comes from (a tensor's op, an allocation's stack frame), for people only.
    """

    id: str
    lower: TimeValue
    upper: TimeValue
    size: int
    alignment: int = 1
    gaps: tuple[Gap, ...] = ()
    offset: Offset | None = None
    hint: int | None = None
    label: str | None = None
    pool: str | None = None
    weight: int | None = None
    alias: str | None = None

    def __post_init__(self) -> None:
        if self.id is None:
            raise ProblemError("expected an id, got None", column="id")
        object.__setattr__(self, "id", str(self.id))
        trouble = id_problem(self.id)
        if trouble is not None:
            raise ProblemError(trouble, column="id")
        object.__setattr__(self, "gaps", _gap_tuple(self.gaps))
        for name in ("lower", "upper"):
            object.__setattr__(self, name, _as_int(getattr(self, name), name))
        for name in ("size", "alignment"):
            object.__setattr__(self, name, _as_int(getattr(self, name), name, MAX_TOTAL))
        if self.size < 0:
            raise ProblemError(f"expected a size >= 0, got {self.size}", column="size")
        if self.lower >= self.upper:
            raise ProblemError(
                f"expected lower < upper, got lower={self.lower}, upper={self.upper}",
                column="upper",
            )
        if self.alignment < 1:
            raise ProblemError(
                f"expected an alignment >= 1, got {self.alignment}", column="alignment"
            )
        self._check_gaps()
        if self.offset is not None:
            object.__setattr__(self, "offset", _as_int(self.offset, "offset"))
            if self.offset < 0:
                raise ProblemError(
                    f"expected a fixed offset >= 0, got {self.offset}", column="offset"
                )
            if self.offset % self.alignment:
                raise ProblemError(
                    f"fixed offset {self.offset} is not a multiple of the "
                    f"alignment {self.alignment}",
                    column="offset",
                )
        if self.hint is not None:
            object.__setattr__(self, "hint", _as_int(self.hint, "hint"))
        if self.label is not None:
            object.__setattr__(self, "label", str(self.label))
        if self.pool is not None or self.weight is not None or self.alias is not None:
            self._check_pool_fields()

    def _check_pool_fields(self) -> None:
        if self.pool is not None:
            object.__setattr__(self, "pool", check_pool_name(self.pool, column="pool"))
        if self.weight is not None:
            object.__setattr__(self, "weight", _as_int(self.weight, "weight", MAX_TOTAL))
            if self.weight < 0:
                raise ProblemError(f"expected a weight >= 0, got {self.weight}",
                                   column="weight")
        if self.alias is not None:
            alias = str(self.alias)
            trouble = id_problem(alias)
            if trouble is not None:
                raise ProblemError(trouble.replace("an id", "an alias (a buffer id)", 1),
                                   column="alias")
            object.__setattr__(self, "alias", alias)

    def __repr__(self) -> str:
        # The pool fields only when set: a plain buffer reads as it always did.
        names = ["id", "lower", "upper", "size", "alignment", "gaps", "offset", "hint",
                 "label"]
        names += [n for n in ("pool", "weight", "alias") if getattr(self, n) is not None]
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
        return f"Buffer({fields})"

    def _check_gaps(self) -> None:
        for gap in self.gaps:
            if not isinstance(gap, Gap):
                raise ProblemError("gaps must be Gap objects", column="gaps")
            if gap.lower < self.lower or gap.upper > self.upper:
                raise ProblemError(
                    f"gap {gap.lower}-{gap.upper} lies outside the lifespan "
                    f"[{self.lower}, {self.upper})",
                    column="gaps",
                )
            if gap.window is not None:
                lo, hi = gap.window
                if not 0 <= lo < hi <= self.size:
                    raise ProblemError(
                        f"gap window {lo}:{hi} must satisfy 0 <= lo < hi <= size "
                        f"({self.size})",
                        column="gaps",
                    )
        ordered = sorted(self.gaps, key=lambda g: g.lower)
        for before, after in zip(ordered, ordered[1:]):
            if after.lower < before.upper:
                raise ProblemError(
                    f"gaps {before.lower}-{before.upper} and {after.lower}-{after.upper} "
                    "overlap",
                    column="gaps",
                )

    @classmethod
    def _from_checked(
        cls,
        ids: Sequence[str],
        lower: Sequence[int],
        upper: Sequence[int],
        size: Sequence[int],
        alignment: Sequence[int],
        offset: Sequence[int | None],
        hint: Sequence[int | None],
        label: Sequence[str | None],
    ) -> list[Buffer]:
        """Gapless buffers from columns of values already checked as
        ``__post_init__`` would (Python ints and strs, every range and
        relation above, hints already None where negative).

        Internal: for readers that validate whole columns at once (a million
        rows in a fraction of the time the per-buffer checks take).  Nothing
        is checked here, so a caller that skips a check builds a buffer that
        ``Buffer(...)`` would have refused.
        """
        new = object.__new__
        assign = object.__setattr__
        buffers = []
        append = buffers.append
        gc_was_enabled = gc.isenabled()
        gc.disable()  # a million new objects would trigger full collections
        try:
            rows = zip(ids, lower, upper, size, alignment, offset, hint, label)
            for i, lo, hi, sz, al, off, hn, lb in rows:
                buffer = new(cls)
                assign(buffer, "__dict__", {  # a literal: twice as fast as dict(zip())
                    "id": i, "lower": lo, "upper": hi, "size": sz, "alignment": al,
                    "gaps": (), "offset": off, "hint": hn, "label": lb,
                    "pool": None, "weight": None, "alias": None,
                })
                append(buffer)
        finally:
            if gc_was_enabled:
                gc.enable()
        return buffers

    @property
    def width(self) -> int:
        """Length of the lifespan, ``upper - lower``."""
        return self.upper - self.lower

    @property
    def area(self) -> int:
        """``size * width``: the reference's area (gaps not subtracted)."""
        return self.size * (self.upper - self.lower)

    @property
    def spill_weight(self) -> int:
        """What placing this buffer costs per unit of a pool's cost: its
        ``weight`` if given, else its size in bytes."""
        return self.size if self.weight is None else self.weight


@dataclass(frozen=True)
class Pool:
    """A memory a plan may use: ``capacity`` bytes (None: unbounded) at
    ``cost`` per unit of a buffer's weight placed there.

    >>> Pool("sram", 1 << 20), Pool("dram", cost=1).capacity
    (Pool(name='sram', capacity=1048576, cost=0), None)
    """

    name: str
    capacity: int | None = None
    cost: int | float = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", check_pool_name(self.name))
        if self.capacity is not None:
            object.__setattr__(self, "capacity", check_capacity(self.capacity))
        cost = self.cost
        if isinstance(cost, bool) or not isinstance(cost, (int, float)):
            import numpy as np  # numpy numbers come from arrays and pandas

            if not isinstance(cost, (np.integer, np.floating)):
                raise ProblemError(f"pool '{self.name}': expected a cost, got "
                                   f"{cost!r:.40}", column="cost")
            cost = cost.item()
        if not 0 <= cost < float("inf"):
            raise ProblemError(f"pool '{self.name}': expected a finite cost >= 0, got "
                               f"{cost!r}", column="cost")
        object.__setattr__(self, "cost", cost)


@dataclass(frozen=True)
class Problem:
    """Buffers to place and the memory ``capacity`` they must fit in.

    ``capacity`` may be None where no limit is set (lower bounds, baseline
    allocators, minimisation).  Buffer ids are unique.

    ``pools`` names the memories a plan may use (see
    :mod:`minimalloc.analysis.spill`); empty, the problem is one memory of
    ``capacity`` bytes, as it always was.  A buffer's ``pool``, if set, must
    then name one of them; aliases must resolve to a buffer of the problem,
    without cycles, no larger than it and in the same pool.
    """

    buffers: tuple[Buffer, ...]
    capacity: int | None = None
    pools: tuple[Pool, ...] = ()

    def __post_init__(self) -> None:
        if type(self.buffers) not in (tuple, list) and (
            isinstance(self.buffers, (str, bytes, Buffer))
            or not isinstance(self.buffers, Iterable)
        ):
            raise ProblemError(
                f"expected a sequence of Buffer objects, got {self.buffers!r:.60}"
            )
        object.__setattr__(self, "buffers", tuple(self.buffers))
        if self.capacity is not None:
            object.__setattr__(self, "capacity", check_capacity(self.capacity))
        seen: dict[str, int] = {}
        stacked = 0
        for index, buffer in enumerate(self.buffers):
            if not isinstance(buffer, Buffer):
                raise ProblemError(
                    f"buffer {index} is not a Buffer, got {type(buffer).__name__}"
                )
            stacked += buffer.size + buffer.alignment - 1  # inline: a hot loop
            if stacked > MAX_TOTAL:
                add_to_stack(stacked - buffer.size - buffer.alignment + 1, buffer)
            if buffer.id in seen:
                raise ProblemError(
                    f"duplicate id '{buffer.id}' (buffers {seen[buffer.id]} and {index})",
                    column="id",
                )
            seen[buffer.id] = index
        self._check_pools()

    def _check_pools(self) -> None:
        """Pools well formed; pinned pools and aliases consistent (a second
        pass, taken only by problems that use them)."""
        if not isinstance(self.pools, tuple):
            if isinstance(self.pools, (str, Pool)) or not isinstance(self.pools, Iterable):
                raise ProblemError(f"expected a sequence of Pool objects, got "
                                   f"{self.pools!r:.60}")
            object.__setattr__(self, "pools", tuple(self.pools))
        if not self.pools and not any(
                b.pool is not None or b.alias is not None for b in self.buffers):
            return
        trouble = group_trouble(self.buffers, self.pools)
        if trouble is not None:
            raise ProblemError(trouble[2], column=trouble[1])

    @classmethod
    def _from_checked(cls, buffers: tuple[Buffer, ...], capacity: int | None) -> Problem:
        """A problem whose buffers and capacity are already known to pass
        ``__post_init__`` (distinct ids, stacked sizes within
        :data:`MAX_TOTAL`, a checked capacity).  Internal: see
        :meth:`Buffer._from_checked`."""
        problem = object.__new__(cls)
        object.__setattr__(problem, "buffers", buffers)
        object.__setattr__(problem, "capacity", capacity)
        object.__setattr__(problem, "pools", ())
        return problem

    def __len__(self) -> int:
        return len(self.buffers)

    def with_capacity(self, capacity: int | None) -> Problem:
        """The same buffers with another capacity."""
        return Problem(self.buffers, capacity, self.pools)

    def with_pools(self, pools: Iterable[Pool]) -> Problem:
        """The same buffers with other memory pools."""
        return Problem(self.buffers, self.capacity, tuple(pools))

    def subset(self, indices: Iterable[int]) -> Problem:
        """The problem restricted to the buffers at ``indices`` (in that order)."""
        return Problem(tuple(self.buffers[i] for i in indices), self.capacity, self.pools)

    def without_fixed_offsets(self) -> Problem:
        """The same problem with every buffer free to move."""
        return Problem(
            tuple(_replace(b, offset=None) for b in self.buffers), self.capacity,
            self.pools,
        )

    @cached_property
    def has_aliases(self) -> bool:
        """Whether some buffer lives in another's memory (kept: asked
        several times per solve, a second each at 2 x 10^6 buffers)."""
        return any(b.alias is not None for b in self.buffers)


@dataclass(frozen=True)
class Solution:
    """An offset per buffer (in the problem's order) and the stated height.

    With memory pools, ``pools`` names the pool of each buffer and each
    offset is within that pool; ``height`` is still the highest end of any
    buffer.  None: one memory, as without pools (``repr`` then omits it).

    Holds whatever it is given: judging it is :func:`minimalloc.validate`'s job.
    """

    offsets: tuple[int, ...]
    height: int = field(default=0)
    pools: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        # Any integer is held (judging the values is validate's job), but
        # nothing is truncated: 2.5 is not an offset.
        if isinstance(self.offsets, (str, bytes)) or not isinstance(self.offsets, Iterable):
            raise ProblemError(
                f"expected a sequence of offsets, got {self.offsets!r:.60}", column="offset"
            )
        limit = 10**4000  # larger ones cannot even be printed in an error
        offsets = tuple(self.offsets)
        # Plain ints in range (the usual case, a million of them from a
        # baseline) need no conversion: check them in C-speed passes.
        if offsets and not (set(map(type, offsets)) == {int}
                            and -limit <= min(offsets) and max(offsets) <= limit):
            offsets = tuple(_as_int(o, "offset", limit) for o in offsets)
        object.__setattr__(self, "offsets", offsets)
        object.__setattr__(self, "height", _as_int(self.height, "height", limit))
        if self.pools is not None:
            if isinstance(self.pools, (str, bytes)) or not isinstance(self.pools, Iterable):
                raise ProblemError(f"expected a sequence of pool names, got "
                                   f"{self.pools!r:.60}", column="pool")
            object.__setattr__(self, "pools", tuple(str(p) for p in self.pools))

    def __repr__(self) -> str:
        pools = "" if self.pools is None else f", pools={self.pools!r}"
        return f"Solution(offsets={self.offsets!r}, height={self.height!r}{pools})"

    @classmethod
    def from_offsets(cls, problem: Problem, offsets: Sequence[int],
                     pools: Sequence[str] | None = None) -> Solution:
        """A solution whose height is computed from the offsets."""
        height = max(
            (int(o) + b.size for o, b in zip(offsets, problem.buffers)), default=0
        )
        return cls(tuple(offsets), height, None if pools is None else tuple(pools))


def _replace(buffer: Buffer, **changes: object) -> Buffer:
    from dataclasses import replace

    return replace(buffer, **changes)


def check_capacity(value: object) -> int:
    """``value`` as a capacity: an integer from 1 to :data:`MAX_TOTAL`.

    >>> check_capacity(12)
    12
    """
    capacity = _as_int(value, "capacity", MAX_TOTAL)
    if capacity < 1:
        raise ProblemError(f"expected a capacity >= 1, got {capacity}", column="capacity")
    return capacity


def add_to_stack(stacked: int, buffer: Buffer) -> int:
    """``stacked`` plus the room ``buffer`` can take in a stack, padding to its
    alignment included; a :class:`ProblemError` beyond :data:`MAX_TOTAL`."""
    stacked += buffer.size + buffer.alignment - 1
    if stacked > MAX_TOTAL:
        raise ProblemError(
            f"buffer '{buffer.id}' brings the sizes plus alignments of the buffers "
            f"to {stacked}, over the limit of 2^61 = {MAX_TOTAL} (so that 64-bit "
            "sums of sizes and offsets cannot overflow)",
            column="size",
        )
    return stacked


def _as_int(value: object, column: str, limit: int = MAX_VALUE) -> int:
    """``value`` as a Python int within ``±limit``; bools and non-integral
    numbers are refused.

    The range check is only against overflow (64-bit arithmetic in the
    search); the callers check the meaningful ranges (size >= 0...) after.
    """
    if isinstance(value, bool):
        raise ProblemError(f"expected an integer, got {value!r}", column=column)
    if not isinstance(value, int):
        import numpy as np  # a dependency; numpy integers come from arrays and pandas

        if not isinstance(value, np.integer):
            raise ProblemError(f"expected an integer, got {value!r:.60}", column=column)
        value = int(value)
    if not -limit <= value <= limit:
        raise ProblemError(
            f"expected an integer within ±2^{limit.bit_length() - 1} ({limit}), got "
            f"{describe_integer(value)}: larger values could overflow the search's "
            "64-bit arithmetic",
            column=column,
        )
    return int(value)


def id_problem(text: str) -> str | None:
    """Why ``text`` cannot be a buffer id, or None if it can.

    An id is what a CSV row carries back unchanged: not empty, without
    whitespace at either end (a reader strips it) and without line breaks
    (a plan prints one buffer per line).

    >>> id_problem("conv1/out"), id_problem(" x")
    (None, "expected an id without whitespace at either end, got ' x'")
    """
    if not text:
        return "expected a non-empty id, got an empty one"
    if _LINE_BREAK.search(text):
        return f"expected an id without line breaks, got {text[:40]!r}"
    if text != text.strip():
        return f"expected an id without whitespace at either end, got {text[:40]!r}"
    return None


def describe_integer(value: int) -> str:
    """``value`` in full if it is short, else its sign and size in bits (a
    huge number would flood a one-line message).

    >>> describe_integer(12), describe_integer(-(10**40))
    ('12', '-(a 133-bit integer)')
    """
    if abs(value) < 10**30:
        return str(value)
    text = f"a {abs(value).bit_length()}-bit integer"
    return f"-({text})" if value < 0 else text


def _pair(window: object) -> tuple[object, object]:
    """``window`` as a 2-tuple, or a ProblemError."""
    try:
        pair = tuple(window)  # type: ignore[call-overload]
    except TypeError:
        pair = ()
    if len(pair) != 2:
        raise ProblemError(
            f"a gap window is a pair (lo, hi), got {window!r:.60}", column="gaps"
        )
    return pair


def _gap_tuple(gaps: object) -> tuple[Gap, ...]:
    """``gaps`` as a tuple of Gap objects, or a ProblemError."""
    if type(gaps) is tuple:  # the common case, without the slower checks below
        return gaps
    if isinstance(gaps, (str, bytes, Gap)) or not isinstance(gaps, Iterable):
        raise ProblemError(
            f"gaps must be a sequence of Gap objects, got {gaps!r:.60}", column="gaps"
        )
    return tuple(gaps)
