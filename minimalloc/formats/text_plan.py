"""Plans -> a TFLM-style text plan, readable in a terminal or a bug report.

As TensorFlow Lite Micro's memory planner prints its plan: first one line
per buffer (its symbol in the map, id, size, offset, first and last use:
the last time step it is alive, inclusive, as TFLM counts), then a map of
memory with one line per time step: each character stands for an equal
slice of the plan's height, drawn with the symbol of the buffer that
occupies it then (``0-9``, ``a-z``, ``A-Z``, then ``*`` for the rest) or
``.`` where the slice is free, followed by the share of memory in use.
A plan over several memory pools (``solution.pools``) gets one such section
per pool.

:func:`read_text_plan` reads the table back (the map is only a picture):
ids, sizes, offsets, lifetimes, labels and aliases, and pools; not gaps or
alignment, which the table does not show.

>>> from minimalloc.model import Buffer, Problem, Solution
>>> p = Problem((Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
...              Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)))
>>> text = dumps_text_plan(p, Solution((8, 8, 4, 4, 0), 12), width=12)
>>> print("\\n".join(text.splitlines()[:8]))
memory plan: 5 buffers, height 12 bytes
<BLANKLINE>
sym  id  size  offset  first  last  label
  0  b1     4       8      0     2
  1  b2     4       8      3     8
  2  b3     4       4      0     8
  3  b4     4       4      9    20
  4  b5     4       0      0    20
>>> print("\\n".join(text.splitlines()[10:12]))
 0 |444422220000| 100%
 1 |444422220000| 100%
>>> [(b.id, b.lower, b.upper, b.offset) for b in read_text_plan(text.encode()).buffers][:2]
[('b1', 0, 3, 8), ('b2', 3, 9, 8)]
"""

from __future__ import annotations

import re
import string
from typing import Any

from minimalloc.errors import ProblemError
from minimalloc.formats.output import (
    Destination,
    Source,
    check_plan,
    read_source_text,
    send_text,
)
from minimalloc.model import Buffer, Pool, Problem, Solution
from minimalloc.pools import pool_parts

__all__ = ["FORMAT", "SUFFIXES", "dumps", "dumps_text_plan", "looks_like", "read",
           "read_text_plan", "write_text_plan"]

#: File suffixes the reader claims: none (``.txt`` is also a CSV's), it
#: goes by the first line.
SUFFIXES: tuple[str, ...] = ()
_TITLE = "memory plan: "
_POOL = re.compile(r"=== pool (.*): [0-9,]+ buffers(?:, capacity ([0-9,]+))? ===")
_SHARED = "in the memory of "

#: The name ``--format`` uses for this writer, and its usual file suffix.
FORMAT = "text"
SUFFIX = ".txt"

_SYMBOLS = string.digits + string.ascii_lowercase + string.ascii_uppercase
_FREE = "."
_MORE = "*"


def dumps_text_plan(problem: Problem, solution: Solution, *, width: int = 64) -> str:
    """The plan as text: a table of buffers, then a map of memory per time
    step ``width`` characters wide.  Cost: ``O(steps x (width + live buffers))``."""
    check_plan(problem, solution, "a text plan")
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    if solution.pools is not None:  # one section per pool
        sections = []
        for part in pool_parts(problem, solution):
            limit = "" if part.capacity is None else f", capacity {part.capacity:,}"
            sections.append(f"=== pool {part.name}: {len(part.indices)} buffers{limit} "
                            "===\n\n" + dumps_text_plan(part.problem, part.solution,
                                                         width=width))
        return "\n".join(sections)
    lines = [f"memory plan: {len(problem.buffers)} buffers, height {solution.height:,} "
             "bytes", ""]
    lines += _table(problem, solution)
    if problem.buffers:
        lines += ["", f"memory map: one line per time step, one character = "
                      f"{solution.height / width:,.4g} bytes, '.' = free"]
        lines += _map(problem, solution, width)
    return "\n".join(lines) + "\n"


def write_text_plan(problem: Problem, solution: Solution, destination: Destination,
                    *, width: int = 64) -> None:
    """Write :func:`dumps_text_plan` to a path (never half-written) or an
    open text file."""
    send_text(dumps_text_plan(problem, solution, width=width), destination)


def dumps(problem: Problem, solution: Solution) -> str:
    """The dispatcher's entry point: :func:`dumps_text_plan`."""
    return dumps_text_plan(problem, solution)


def read_text_plan(source: Source) -> Problem:
    """The plan in a text plan this module wrote (a path or its bytes): one
    buffer per row of each table, with its offset fixed.

    Raises
    ------
    ProblemError
        If the text has no buffer table, or a row of it is not
        ``sym id size offset first last [label]``.
    """
    lines = read_source_text(source).splitlines()
    if not lines or not (lines[0].startswith(_TITLE) or _POOL.fullmatch(lines[0])):
        raise ProblemError(f"is not a text plan: expected a first line '{_TITLE}...' "
                           "or '=== pool ...'")
    buffers: list[Buffer] = []
    pools: list[Pool] = []
    columns: tuple[int, int] | None = None  # where the id and the label start
    for number, line in enumerate(lines, start=1):
        pool = _POOL.fullmatch(line)
        if pool:
            capacity = pool.group(2)
            pools.append(Pool(pool.group(1), int(capacity.replace(",", ""))
                              if capacity else None))
        elif line.split()[:2] == ["sym", "id"]:
            columns = (line.index(" id") + 1, line.rindex("label"))
        elif not line.strip():
            columns = None  # the table ends
        elif columns is not None:
            buffers.append(_row(line, columns, pools[-1].name if pools else None, number))
    if not buffers:
        raise ProblemError("is not a plan: its text has no buffer table")
    return Problem(tuple(buffers), None, tuple(pools))


def _row(line: str, columns: tuple[int, int], pool: str | None, number: int) -> Buffer:
    """One row of the table: the id and four numbers, then the label."""
    start, label_at = columns
    cells = line[start:label_at].strip().rsplit(None, 4)
    label, alias = line[label_at:].strip() or None, None
    if label is not None and _SHARED in label:  # see _label
        label, alias = (part.strip() for part in label.rsplit(_SHARED, 1))
        label = label.removesuffix(";") or None
    try:
        name, size, offset, first, last = cells
        return Buffer(name, int(first), int(last) + 1, int(size), offset=int(offset),
                      label=label, pool=pool, alias=alias)
    except ValueError:
        raise ProblemError("expected a row 'sym id size offset first last [label]'",
                           line=number) from None


def read(source: Source, **options: Any) -> Problem:
    """The dispatcher's entry point: :func:`read_text_plan` (no options)."""
    return read_text_plan(source)


def looks_like(head: bytes) -> bool:
    """Whether the first bytes could start a text plan."""
    return head.startswith((_TITLE.encode(), b"=== pool "))


def _symbol(index: int) -> str:
    return _SYMBOLS[index] if index < len(_SYMBOLS) else _MORE


def _table(problem: Problem, solution: Solution) -> list[str]:
    headers = ("sym", "id", "size", "offset", "first", "last", "label")
    rows = [(_symbol(i), b.id, str(b.size), str(o), str(b.lower), str(b.upper - 1),
             " ".join(_label(b).splitlines()))  # one line per buffer
            for i, (b, o) in enumerate(zip(problem.buffers, solution.offsets))]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    align = (">", "<", ">", ">", ">", ">", "<")
    return ["  ".join(f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths)).rstrip()
            for row in (headers, *rows)]


def _label(buffer: Buffer) -> str:
    """The label column: the buffer's label, and whose memory it shares."""
    if buffer.alias is None:
        return buffer.label or ""
    shared = f"in the memory of {buffer.alias}"
    return f"{buffer.label}; {shared}" if buffer.label else shared


def _window_at(buffer: Buffer, time: int) -> tuple[int, int] | None:
    """The part of ``buffer``'s range it occupies at ``time`` (None: absent)."""
    for gap in buffer.gaps:
        if gap.lower <= time < gap.upper:
            return gap.window
    return (0, buffer.size)


def _map(problem: Problem, solution: Solution, width: int) -> list[str]:
    start = min(b.lower for b in problem.buffers)
    stop = max(b.upper for b in problem.buffers)
    height = max(solution.height, 1)
    label_width = len(str(stop - 1))
    # Buffers by start time, so that each step looks only at the live ones.
    order = sorted(range(len(problem.buffers)), key=lambda i: problem.buffers[i].lower)
    live: list[int] = []
    cursor = 0
    lines = []
    for time in range(start, stop):
        while cursor < len(order) and problem.buffers[order[cursor]].lower <= time:
            live.append(order[cursor])
            cursor += 1
        live = [i for i in live if problem.buffers[i].upper > time]
        row = [_FREE] * width
        used = 0
        for i in live:
            window = _window_at(problem.buffers[i], time)
            if window is None or window[0] == window[1]:
                continue
            lo = solution.offsets[i] + window[0]
            hi = solution.offsets[i] + window[1]
            used += hi - lo
            first = lo * width // height
            last = max(first + 1, -(-hi * width // height))
            for column in range(first, min(last, width)):
                row[column] = _symbol(i)
        share = f"{100 * used / height:.0f}%"
        lines.append(f"{time:>{label_width}} |{''.join(row)}| {share:>4}")
    return lines
