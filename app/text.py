"""Words and numbers as the page writes them."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from minimalloc.errors import ProblemError
from minimalloc.model import Problem

#: Byte counts below this are written whole ("9,999,999"); larger ones in
#: binary units (a metric on a laptop's page holds about nine characters
#: before it is cut off: "111,730,…").
WHOLE_BYTES = 10_000_000
UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def byte_text(value: int) -> str:
    """A byte count short enough for a metric: whole below ten million, else
    in binary units with at most two decimals.

    >>> byte_text(1_446_400), byte_text(111_730_592), byte_text(134_217_728)
    ('1,446,400', '106.55 MiB', '128 MiB')
    """
    value = int(value)
    if abs(value) < WHOLE_BYTES:
        return f"{value:,}"
    scaled = float(value) / 1024
    power = 0
    while abs(scaled) >= 1024 and power < len(UNITS) - 1:
        scaled /= 1024
        power += 1
    return f"{scaled:,.2f}".rstrip("0").rstrip(".") + f" {UNITS[power]}"


def exact_bytes(value: int) -> str:
    """``"111,730,592 bytes"``: what a shortened byte count stands for."""
    return f"{int(value):,} bytes"


#: Whole numbers of five digits or more in a message, not part of a word or an
#: id in quotes (``'b10000'``) and not a decimal.
_LONG_NUMBER = re.compile(r"(?<![\w'.,])(\d{5,})(?![\w'.,]\d|[\w'])")


def with_separators(message: str) -> str:
    """``message`` with thousands separators in its long numbers (the
    library's messages write them plain, for machines and logs).

    >>> with_separators("at time 12345, offset 2000000 of 'b10000'")
    "at time 12,345, offset 2,000,000 of 'b10000'"
    """
    return _LONG_NUMBER.sub(lambda m: f"{int(m.group(1)):,}", message)


def as_table_row(error: ProblemError, edited: Collection[str] = ()) -> str:
    """An error about the buffers table in the table's terms: ``row 2`` (the
    second row the user sees) where the CSV reader says ``line 3`` (the
    header is line 1).  A complaint about ``lower`` and ``upper`` together
    names the one of them in ``edited`` (the columns the user changed in
    that row), not always ``upper``."""
    parts = []
    if error.line is not None:
        parts.append(f"row {error.line - 1}")
    column = error.column
    if column in ("lower", "upper") and "lower < upper" in error.message:
        changed = [c for c in ("lower", "upper") if c in edited]
        column = changed[0] if len(changed) == 1 else column
    if column is not None:
        parts.append(f"column '{column}'")
    return (", ".join(parts) + ": " if parts else "") + error.message


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``"1 probe"``, ``"2 probes"``, ``"1,024 nodes"``."""
    return f"{count:,} {noun if count == 1 else (many or noun + 's')}"


def buffer_index(problem: Problem, buffer_id: str) -> int | None:
    """The index of the buffer with ``buffer_id`` (exact, else the only one
    whose id matches ignoring case), or None."""
    for i, b in enumerate(problem.buffers):
        if b.id == buffer_id:
            return i
    folded = [i for i, b in enumerate(problem.buffers)
              if b.id.casefold() == buffer_id.casefold()]
    return folded[0] if len(folded) == 1 else None


def buffer_ids(problem: Problem, indices: Sequence[int]) -> list[str]:
    return [problem.buffers[i].id for i in indices]

