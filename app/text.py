"""Words and numbers as the page writes them."""

from __future__ import annotations

from collections.abc import Sequence

from minimalloc.errors import ProblemError
from minimalloc.model import Buffer, Problem


def as_table_row(error: ProblemError) -> str:
    """An error about the buffers table in the table's terms: ``row 2`` (the
    second row the user sees) where the CSV reader says ``line 3`` (the
    header is line 1)."""
    parts = []
    if error.line is not None:
        parts.append(f"row {error.line - 1}")
    if error.column is not None:
        parts.append(f"column '{error.column}'")
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


def describe(buffer: Buffer) -> str:
    return f"{buffer.id} [{buffer.lower}, {buffer.upper}) size {buffer.size}"
