"""A fast path for reading the common CSV file: whole columns at once.

The row-by-row reader in :mod:`minimalloc.formats.csv` spends about 100 µs
per row (the csv module, a regular expression per cell, then ``Buffer``'s
checks), so a million buffers take minutes.  Most files are plain: no
quotes, one value per cell, no gaps.  For those, :func:`read_plain` parses
with pandas' C engine and checks every rule of the format and the model
with numpy on whole columns, then builds the buffers without checking them
again.

It never reports an error itself: whenever a file is unusual (quotes,
carriage returns, a ``gaps`` cell with content, a whitespace-only line, a
line longer than the csv module's field limit) or any row breaks a rule, it
returns None and the caller reads the file row by row, which finds the same
problem or names the file, line and column of the first error exactly as
before.  So the fast path only changes how long a
valid file takes, never what it reads as (tests compare both paths).
"""

from __future__ import annotations

import csv
import io
import warnings
from typing import TYPE_CHECKING

import numpy as np

from minimalloc.columns import Columns, seed
from minimalloc.model import MAX_TOTAL, MAX_VALUE, Buffer, Problem

if TYPE_CHECKING:
    from minimalloc.formats.csv import CsvLayout

__all__ = ["MIN_CHARS", "read_plain"]

_INTEGER_COLUMNS = ("lower", "upper", "size", "alignment", "hint", "offset")
_OPTIONAL = frozenset({"alignment", "hint", "offset"})
_TEXT_COLUMNS = ("id", "label", "gaps")
#: Bytes an integer cell may hold: what ``\\s*[+-]?[0-9]+\\s*`` allows, minus
#: the rarer whitespace (form feed, vertical tab) pandas may read differently.
_INTEGER_BYTES = np.zeros(256, dtype=bool)
_INTEGER_BYTES[list(b"0123456789+- \t,\n")] = True
#: Shorter files are read row by row: the fast path's first use imports
#: pandas (most of a second), more than a few thousand rows take that way.
MIN_CHARS = 100_000
#: Below this total of sizes plus alignments, the float64 sum cannot hide a
#: total above :data:`MAX_TOTAL` (its relative error is far below 1%).
_SAFE_TOTAL = 0.99 * MAX_TOTAL


def read_plain(text: str, layout: CsvLayout, capacity: int | None) -> Problem | None:
    """The problem a plain file's ``text`` (header included) describes, or
    None if the file is not plain or breaks any rule (then read it row by
    row).  ``capacity`` must already be checked."""
    if len(text) < MIN_CHARS:
        return None
    if '"' in text or "\r" in text or "\x00" in text:
        return None
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if not _cells_are_plain(data, layout):
        return None
    frame = _parse(data, layout)
    if frame is None:
        return None
    return _checked_problem(frame, layout, capacity)


def _cells_are_plain(data: np.ndarray, layout: CsvLayout) -> bool:
    """Every non-empty line has one cell per column, and every cell of an
    integer column holds only digits, signs, spaces and tabs."""
    width = len(layout.columns)
    ends = np.flatnonzero(data == ord("\n"))
    newlines = len(ends)
    if data[-1] != ord("\n"):
        ends = np.append(ends, len(data))  # the last line has no line end
    starts = np.concatenate(([0], ends[:-1] + 1))
    if np.max(ends - starts) > csv.field_size_limit():
        return False  # maybe a cell longer than the row reader takes: let it say so
    comma = (data == ord(",")).view(np.int8)
    per_line = np.add.reduceat(comma, starts, dtype=np.int32)
    nonempty = ends > starts
    if not np.all((per_line == width - 1) | ~nonempty):
        return False
    integer_columns = [i for i, c in enumerate(layout.columns) if c in _INTEGER_COLUMNS]
    header = int(np.argmax(nonempty))  # the first non-empty line
    body = int(ends[header]) + 1
    if not integer_columns or body >= len(data):
        return True
    # The column of each byte: +1 at each comma, back to 0 at each line end
    # (a running sum that never leaves 0..width-1, so int8 holds it).
    step = comma.copy()
    step[ends[:newlines]] = -per_line[:newlines]
    column = np.cumsum(step[body:], dtype=np.int8)
    numeric = np.zeros(width, dtype=bool)
    numeric[integer_columns] = True
    return not np.any(numeric[column] & ~_INTEGER_BYTES[data[body:]])


def _parse(data: np.ndarray, layout: CsvLayout):  # -> pd.DataFrame | None
    """The cells by canonical column name (integers as int64, optional ones
    as nullable Int64), or None if pandas refuses a cell."""
    import pandas as pd

    dtypes: dict[str, object] = {}
    na_values: dict[str, list[str]] = {}
    for column in layout.columns:
        if column in _TEXT_COLUMNS:
            dtypes[column] = str
        elif column in _OPTIONAL:
            dtypes[column] = "Int64"
            na_values[column] = [""]
        else:
            dtypes[column] = np.int64
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pd.read_csv(
                io.BytesIO(data.tobytes()), engine="c", header=0,
                names=list(layout.columns), dtype=dtypes, keep_default_na=False,
                na_values=na_values, skip_blank_lines=True, quoting=3,  # QUOTE_NONE
                encoding="utf-8",
            )
    except (ValueError, TypeError, OverflowError):
        return None
    return frame


def _strings(frame, column: str, n: int) -> list[str]:
    if column not in frame:
        return [""] * n
    return [text.strip() for text in frame[column].fillna("").tolist()]


def _integers(frame, column: str, missing: int) -> np.ndarray:
    """``column`` as int64, ``missing`` where empty (or absent)."""
    if column not in frame:
        return np.full(len(frame), missing, dtype=np.int64)
    values = frame[column]
    if values.dtype == np.int64:
        return values.to_numpy()
    return values.to_numpy(dtype=np.int64, na_value=missing)


def _checked_problem(frame, layout: CsvLayout, capacity: int | None) -> Problem | None:
    """The problem, if every row passes the checks of ``Buffer`` and
    ``Problem`` (the reader's own too: non-empty, distinct ids; no gaps)."""
    n = len(frame)
    ids = _strings(frame, "id", n)
    distinct = set(ids)
    if len(distinct) != n or "" in distinct:
        return None
    if "gaps" in frame and set(_strings(frame, "gaps", n)) - {""}:
        return None
    labels = ([None] * n if "label" not in frame
              else [text or None for text in _strings(frame, "label", n)])
    addend = 1 if layout.inclusive_end else 0
    lower = _integers(frame, "lower", 0)
    upper = _integers(frame, "upper", 0)
    size = _integers(frame, "size", 0)
    # An empty optional cell is "not given"; empty required cells were refused.
    alignment = _integers(frame, "alignment", 1)
    fixed = _integers(frame, "offset", -1)
    has_offset = frame["offset"].notna().to_numpy() if "offset" in frame else None
    hint = _integers(frame, "hint", -1)
    # Bounds on both sides, not np.abs: abs(-2^63) overflows to -2^63.
    value_ok = (
        (lower >= -MAX_VALUE) & (lower <= MAX_VALUE)
        & (upper >= -MAX_VALUE) & (upper <= MAX_VALUE - addend)
        & (size >= -MAX_TOTAL) & (size <= MAX_TOTAL)
        & (alignment >= -MAX_TOTAL) & (alignment <= MAX_TOTAL) & (hint <= MAX_VALUE)
    )
    if has_offset is not None:
        value_ok &= ~has_offset | ((fixed >= -MAX_VALUE) & (fixed <= MAX_VALUE))
    if not value_ok.all():  # checked first: the arithmetic below cannot overflow
        return None
    upper = upper + addend
    rules_ok = (size >= 0) & (lower < upper) & (alignment >= 1)
    if has_offset is not None:
        rules_ok &= ~has_offset | ((fixed >= 0) & (fixed % np.maximum(alignment, 1) == 0))
    if not rules_ok.all():
        return None
    if float((size + alignment - 1).sum(dtype=np.float64)) > _SAFE_TOTAL:
        return None  # near or over the limit: let the exact check say where
    offsets = [None] * n if has_offset is None else [
        int(o) if given else None for o, given in zip(fixed.tolist(), has_offset.tolist())
    ]
    hints = [h if h >= 0 else None for h in hint.tolist()]
    buffers = tuple(Buffer._from_checked(
        ids, lower.tolist(), upper.tolist(), size.tolist(), alignment.tolist(),
        offsets, hints, labels,
    ))
    if has_offset is not None:
        fixed = np.where(has_offset, fixed, -1)
    seed(buffers, Columns(
        np.ascontiguousarray(lower, dtype=np.int64), np.ascontiguousarray(upper),
        np.ascontiguousarray(size, dtype=np.int64),
        np.ascontiguousarray(alignment, dtype=np.int64),
        np.ascontiguousarray(fixed, dtype=np.int64), np.zeros(n, dtype=np.int64),
    ))
    return Problem._from_checked(buffers, capacity)
