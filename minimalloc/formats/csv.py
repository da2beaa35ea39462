"""The reference CSV format: reading, writing, and pandas DataFrames.

A problem file is a header row naming the columns, in any order, then one row
per buffer::

    id,lower,upper,size
    b1,0,3,4
    b2,3,9,4

``id``, ``lower``, ``upper`` and ``size`` are required; ``alignment``,
``hint``, ``gaps``, ``label``, ``weight``, ``alias``, ``pool`` and ``offset``
are optional.  As in the reference, ``buffer``
and ``buffer_id`` may stand for ``id``, ``start`` and ``begin`` for ``lower``,
and ``end`` for ``upper``; an ``end`` column holds *inclusive* ends, so one is
added to every end value and to the upper end of every gap (never to a gap's
window).  ``gaps`` is a space-separated list of ``lo-hi`` (the buffer is absent
during ``[lo, hi)``) or ``lo-hi@wlo:whi`` (it occupies only ``[wlo, whi)`` of
its own range then).  An ``offset`` fixes a buffer at that offset.  With
memory pools (:mod:`minimalloc.analysis.spill`), ``pool`` pins a buffer to a
pool (and in a plan, says where it was placed), ``weight`` is what moving
it costs (default: its size) and ``alias`` names the buffer whose memory it
shares.  A file without these columns reads and writes as before, byte for
byte.  A
``label`` is free text saying where a buffer comes from (an importer fills it
with the tensor's op or the allocation's stack frame); the reference has no
such column and ignores it, as it ignores every column it does not know.

Choices made where the reference is silent or looser:

- Header names are matched without surrounding whitespace and ignoring case;
  the spelling used is remembered in a :class:`CsvLayout`, so output can
  repeat it.
- An unknown column is an error naming it (the reference silently ignores
  such columns, which hides typos such as ``alignement``).
- Empty cells in optional columns mean "not given": no gaps, alignment 1, no
  hint, not fixed (the reference cannot express a problem where only some
  buffers are fixed).  A negative hint also means no hint, as in the reference.
- Surrounding whitespace is not part of any value, ids included; an empty id
  is an error.  Blank lines are skipped.
- A header-only file is a valid problem with no buffers; an empty file (no
  header) is an error.
- Integers are bounded so that the search's 64-bit sums cannot overflow
  (times, offsets and hints within ±2^60; sizes, alignments and their total
  within 2^61: see :mod:`minimalloc.model`); a value beyond is an error naming
  its line and column, as is the row where the total passes the limit.
- Output uses ``\\n`` line ends and writes the columns the reference writes,
  so a solution of a benchmark file comes out byte for byte as the
  reference's.  Given a solution, the ``offset`` column holds the solution's
  offsets: an ``offset`` column already in the layout is filled in place,
  otherwise the column is appended last (the reference always appends it and
  never writes fixed offsets; we write fixed offsets when there is no
  solution, leaving cells of free buffers empty).

Bad input raises :class:`~minimalloc.errors.ProblemError` naming the file, the
line, the column and what was expected.  A missing file raises the usual
:class:`OSError`.

>>> problem = read_csv(io.StringIO("id,lower,upper,size\\nb1,0,3,4\\n"), capacity=8)
>>> problem.buffers[0]  # doctest: +NORMALIZE_WHITESPACE
Buffer(id='b1', lower=0, upper=3, size=4, alignment=1, gaps=(), offset=None,
       hint=None, label=None)
>>> print(dumps_csv(problem, Solution((4,), 8)), end="")
id,lower,upper,size,offset
b1,0,3,4,4
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Union

from minimalloc.columns import buffer_columns
from minimalloc.errors import ProblemError, shorten
from minimalloc.formats.csv_fast import read_plain
from minimalloc.formats.output import check_plan, write_output
from minimalloc.groups import group_trouble
from minimalloc.model import (
    Buffer,
    Gap,
    Problem,
    Solution,
    add_to_stack,
    check_capacity,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CANONICAL_COLUMNS",
    "CsvLayout",
    "dumps_csv",
    "problem_from_dataframe",
    "problem_to_dataframe",
    "read_csv",
    "read_csv_with_layout",
    "write_csv",
]

Source = Union[str, "os.PathLike[str]", IO[str], IO[bytes]]
Destination = Union[str, "os.PathLike[str]", IO[str]]

#: Every column the format knows, in the order the reference writes them.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "id", "lower", "upper", "size", "alignment", "hint", "gaps", "label", "weight",
    "alias", "pool", "offset",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("id", "lower", "upper", "size")

#: Header spelling (lower case) -> canonical column.
_ALIASES: dict[str, str] = {name: name for name in CANONICAL_COLUMNS}
_ALIASES.update(
    {"buffer": "id", "buffer_id": "id", "start": "lower", "begin": "lower", "end": "upper"}
)

_INT = re.compile(r"\s*[+-]?[0-9]+\s*", re.ASCII)
_GAP = re.compile(
    r"([+-]?[0-9]+)-([+-]?[0-9]+)(?:@([+-]?[0-9]+):([+-]?[0-9]+))?", re.ASCII
)
_GAP_FORMS = "'lo-hi' or 'lo-hi@wlo:whi', separated by spaces"
#: Longer digit strings are out of range whatever they say (and converting
#: thousands of digits is slow, or refused by Python).
_MAX_DIGITS = 40
#: Columns whose empty cells mean "not given".
_OPTIONAL_INTEGERS = frozenset({"alignment", "hint", "offset", "weight"})
#: Columns of free text whose empty cells mean "not given".
_OPTIONAL_TEXT = ("label", "alias", "pool")


@dataclass(frozen=True)
class CsvLayout:
    """Which columns a file had, in file order, and how their headers were spelt.

    ``columns`` holds canonical names (``id``, ``lower``, ...), ``headers``
    the header text as written (``buffer_id``, ``start``, ``end``, ...).

    >>> layout = CsvLayout.from_headers(["buffer", "start", "end", "size"])
    >>> layout.columns, layout.inclusive_end
    (('id', 'lower', 'upper', 'size'), True)
    """

    columns: tuple[str, ...] = REQUIRED_COLUMNS
    headers: tuple[str, ...] = REQUIRED_COLUMNS

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "headers", tuple(self.headers))
        if len(self.columns) != len(self.headers):
            raise ProblemError("a CsvLayout needs one header per column")
        for column, header in zip(self.columns, self.headers, strict=True):
            if _ALIASES.get(header.strip().lower()) != column:
                raise ProblemError(f"header '{header}' does not name column '{column}'")
        if len(set(self.columns)) != len(self.columns):
            raise ProblemError("a CsvLayout names each column once")
        missing = [c for c in REQUIRED_COLUMNS if c not in self.columns]
        if missing:
            raise ProblemError(f"a CsvLayout needs the columns {', '.join(missing)}")

    @classmethod
    def from_headers(
        cls, headers: Sequence[str], *, file: str | None = None, line: int | None = None
    ) -> CsvLayout:
        """The layout a header row describes; a ProblemError if it is unusable."""
        columns: list[str] = []
        seen: dict[str, str] = {}
        for header in headers:
            name = str(header)
            column = _ALIASES.get(name.strip().lower())
            if column is None:
                known = ", ".join(CANONICAL_COLUMNS)
                raise ProblemError(
                    f"unknown column '{shorten(name.strip())}': expected one of {known} "
                    "(or the aliases buffer, buffer_id, start, begin, end)",
                    file=file, line=line, column=name.strip(),
                )
            if column in seen:
                first = seen[column]
                if first.lower() == name.strip().lower():
                    what = f"duplicate column: '{shorten(first)}' appears twice"
                else:
                    other = shorten(name.strip())
                    what = (f"duplicate column: '{shorten(first)}' and '{other}' both "
                            f"name {column}")
                raise ProblemError(what, file=file, line=line, column=name.strip())
            seen[column] = name.strip()
            columns.append(column)
        missing = [c for c in REQUIRED_COLUMNS if c not in seen]
        if missing:
            also = f" (also missing: {', '.join(missing[1:])})" if missing[1:] else ""
            raise ProblemError(
                "required column not in the header, which must name id, lower, upper "
                f"and size{also}",
                file=file, line=line, column=missing[0],
            )
        return cls(tuple(columns), tuple(seen[c] for c in columns))

    @classmethod
    def default(cls, problem: Problem, *, offset: bool = False,
                pool: bool = False) -> CsvLayout:
        """The reference's columns for ``problem``: the required four, then
        ``alignment``, ``hint``, ``gaps`` (and ours: ``label``, ``weight``,
        ``alias``, ``pool``) only if some buffer needs them, then ``offset``
        if asked for or if some buffer is fixed (``pool`` too if asked for)."""
        needed = _needed_columns(problem)
        if offset:
            needed.add("offset")
        if pool:
            needed.add("pool")
        needed.update(REQUIRED_COLUMNS)
        columns = tuple(c for c in CANONICAL_COLUMNS if c in needed)
        return cls(columns, columns)

    @property
    def inclusive_end(self) -> bool:
        """True if ends are written inclusively (the column is called ``end``)."""
        return self.header("upper").strip().lower() == "end"

    def header(self, column: str) -> str:
        """The header text used for canonical ``column`` (the column's own name
        if the layout does not have it)."""
        try:
            return self.headers[self.columns.index(column)]
        except ValueError:
            return column

    def with_columns(self, extra: Sequence[str]) -> CsvLayout:
        """This layout with the canonical columns in ``extra`` it lacks appended
        (in canonical order, ``offset`` last)."""
        missing = [c for c in CANONICAL_COLUMNS if c in extra and c not in self.columns]
        if not missing:
            return self
        return CsvLayout(self.columns + tuple(missing), self.headers + tuple(missing))


# ----------------------------------------------------------------------------
# Reading


def read_csv(source: Source, capacity: int | None = None) -> Problem:
    """Read a problem from a CSV file.

    Parameters
    ----------
    source
        A path, or an open text or binary file.
    capacity
        The memory capacity to store in the problem (None: no limit).

    Returns
    -------
    Problem
        The buffers in the file's order, with the file's ids, labels, gaps and fixed
        offsets.

    Raises
    ------
    ProblemError
        If the file is not a valid problem; the message names the file (or
        ``<input>`` for an open file), the line and the column.

    Examples
    --------
    >>> text = "buffer,start,end,size,gaps\\nx,0,9,4,2-3@0:2\\n"
    >>> b = read_csv(io.StringIO(text)).buffers[0]
    >>> (b.lower, b.upper, b.gaps)
    (0, 10, (Gap(lower=2, upper=4, window=(0, 2)),))
    """
    return read_csv_with_layout(source, capacity)[0]


def read_csv_with_layout(
    source: Source, capacity: int | None = None
) -> tuple[Problem, CsvLayout]:
    """Like :func:`read_csv`, also returning the file's :class:`CsvLayout`.

    Cost: linear in the file's size.
    """
    if capacity is not None:  # fail before reading a large file
        Problem((), capacity)
    text, file = _read_text(source)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = _numbered_rows(reader, file)
    header = next(rows, None)
    if header is None:
        raise ProblemError(
            "the file is empty: expected a header row naming the columns "
            "id, lower, upper, size",
            file=file, line=1,
        )
    header_line, header_cells = header
    layout = CsvLayout.from_headers(header_cells, file=file, line=header_line)
    if capacity is not None:
        capacity = check_capacity(capacity)
    problem = read_plain(text, layout, capacity)  # None unless plain and valid
    if problem is None:
        problem = _build_problem(rows, layout, capacity, file)
    return problem, layout


def _read_text(source: Source) -> tuple[str, str]:
    """The decoded text of ``source`` and the name errors should use."""
    if isinstance(source, (str, bytes, os.PathLike)):
        name = os.fsdecode(source)
        with open(source, "rb") as handle:
            data: str | bytes = handle.read()
    elif not callable(getattr(source, "read", None)):
        raise ProblemError(
            f"expected a path or an open file to read a problem from, got "
            f"{type(source).__name__} {source!r:.40}"
        )
    else:
        name = "<input>"
        try:
            data = source.read()
        except UnicodeDecodeError as error:
            raise ProblemError(
                f"the file is not valid UTF-8 text ({error.reason})", file=name
            ) from None
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), name
    if not isinstance(data, (bytes, bytearray)):
        raise ProblemError(
            f"reading the file gave {type(data).__name__}, not text or bytes", file=name
        )
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ProblemError(
            f"the file is not valid UTF-8 text: byte 0x{data[error.start]:02x} "
            f"cannot be decoded",
            file=name, line=line,
        ) from None


def _numbered_rows(reader: Any, file: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with the line each one starts on."""
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field limit" in str(error):
                raise ProblemError(f"a cell holds more than {csv.field_size_limit():,} "
                                   "characters, the most a cell may hold", file=file,
                                   line=line) from None
            raise ProblemError(f"malformed CSV: {error}", file=file, line=line) from None
        start = line
        line = reader.line_num + 1
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        yield start, row


def _build_problem(
    rows: Iterator[tuple[int, list[str]]],
    layout: CsvLayout,
    capacity: int | None,
    file: str | None,
) -> Problem:
    """Buffers from numbered rows of cells in ``layout``'s order."""
    width = len(layout.columns)
    index = {column: i for i, column in enumerate(layout.columns)}
    first_line: dict[str, int] = {}
    buffers: list[Buffer] = []
    lines: list[int] = []
    stacked = 0  # sizes plus alignments so far, bounded against overflow
    for line, cells in rows:
        if len(cells) != width:
            raise ProblemError(
                f"expected {width} fields (one per header column), got {len(cells)}",
                file=file, line=line,
            )
        buffer = _row_to_buffer(cells, index, layout, file, line)
        if buffer.id in first_line:
            raise ProblemError(
                f"duplicate id '{shorten(buffer.id)}': already used on line "
                f"{first_line[buffer.id]}",
                file=file, line=line, column=layout.header("id"),
            )
        first_line[buffer.id] = line
        try:
            stacked = add_to_stack(stacked, buffer)
        except ProblemError as error:
            raise error.located(
                file=file, line=line, column=layout.header("size")
            ) from None
        buffers.append(buffer)
        lines.append(line)
    if "alias" in index or "pool" in index:
        trouble = group_trouble(buffers, ())
        if trouble is not None:
            at, column, message = trouble
            raise ProblemError(message, file=file, line=lines[at],
                               column=layout.header(column))
    try:
        return Problem(tuple(buffers), capacity)
    except ProblemError as error:  # pragma: no cover - rows are checked above
        raise error.located(file=file) from None


def _row_to_buffer(
    cells: list[str],
    index: dict[str, int],
    layout: CsvLayout,
    file: str | None,
    line: int,
) -> Buffer:
    """One buffer from one row; errors say where."""
    addend = 1 if layout.inclusive_end else 0

    def fail(column: str, message: str) -> ProblemError:
        return ProblemError(message, file=file, line=line, column=layout.header(column))

    def integer(column: str, default: int | None = None) -> int | None:
        i = index.get(column)
        if i is None:
            return default
        text = cells[i]
        if _INT.fullmatch(text):
            return _to_int(text, lambda message: fail(column, message))
        if column in _OPTIONAL_INTEGERS and not text.strip():
            return default
        raise fail(column, f"expected an integer, got {shorten(text)!r}")

    ident = cells[index["id"]].strip()
    if not ident:
        raise fail("id", "expected a non-empty id, got an empty cell")
    lower = integer("lower")
    upper = integer("upper")
    size = integer("size")
    alignment = integer("alignment", 1)
    hint = integer("hint")
    if hint is not None and hint < 0:
        hint = None  # the reference's convention for "no hint"
    offset = integer("offset")
    gaps: tuple[Gap, ...] = ()
    if "gaps" in index:
        gaps = _parse_gaps(cells[index["gaps"]], addend, fail)
    text = {c: cells[index[c]].strip() if c in index else "" for c in _OPTIONAL_TEXT}
    try:
        return Buffer(
            ident,
            lower=lower,
            upper=upper + addend,  # type: ignore[operator]
            size=size,  # type: ignore[arg-type]
            alignment=alignment,  # type: ignore[arg-type]
            gaps=gaps,
            offset=offset,
            hint=hint,
            label=text["label"] or None,
            pool=text["pool"] or None,
            weight=integer("weight"),
            alias=text["alias"] or None,
        )
    except ProblemError as error:
        message = error.message
        column = error.column or "id"
        if addend and column in ("upper", "gaps"):
            end = layout.header("upper")
            message += f" (the '{end}' column is inclusive: one was added to each end)"
        raise ProblemError(
            message, file=file, line=line, column=layout.header(column)
        ) from None


def _to_int(text: str, fail: Callable[[str], ProblemError]) -> int:
    """The integer ``text`` spells (it matched ``_INT``); one too long to be
    in range fails at once.  The model checks the range of the others."""
    digits = len(text.strip().lstrip("+-"))
    if digits > _MAX_DIGITS:
        raise fail(
            f"expected an integer no larger than 2^61, got a number of {digits} digits: "
            "larger values could overflow the search's 64-bit arithmetic"
        )
    return int(text)


def _parse_gaps(
    text: str, addend: int, fail: Callable[[str, str], ProblemError]
) -> tuple[Gap, ...]:
    """The gaps a ``gaps`` cell describes (``addend`` added to each upper end)."""
    gaps = []
    for token in text.split():
        match = _GAP.fullmatch(token)
        if match is None:
            raise fail("gaps", f"expected gaps as {_GAP_FORMS}, got {shorten(token)!r}")
        lo, hi, wlo, whi = (
            None if part is None else _to_int(part, lambda m: fail("gaps", m))
            for part in match.groups()
        )
        window = None if wlo is None else (wlo, whi)
        try:
            gaps.append(Gap(lo, hi + addend, window))  # type: ignore[operator]
        except ProblemError as error:
            raise fail("gaps", error.message) from None
    return tuple(gaps)


# ----------------------------------------------------------------------------
# Writing


def write_csv(
    problem: Problem,
    destination: Destination,
    solution: Solution | None = None,
    layout: CsvLayout | None = None,
) -> None:
    """Write ``problem`` (and optionally a solution's offsets) as CSV.

    Parameters
    ----------
    problem
        The buffers to write.
    destination
        A path, or an open text file.  A path is written by
        :func:`minimalloc.formats.output.write_output`: through a temporary file in
        the same folder renamed into place, so it is never left half-written
        (a symbolic link's target is written, a FIFO or device directly).
    solution
        If given, its offsets fill an ``offset`` column.
    layout
        The columns to write, with their spellings (usually the input's, from
        :func:`read_csv_with_layout`); columns the problem needs but the layout
        lacks are appended.  Without it, the reference's layout is used:
        ``id,lower,upper,size`` plus ``alignment``, ``hint``, ``gaps``,
        ``label`` and ``offset`` where needed.  With an ``end`` column, ends are written
        inclusively (one less), as they were read.

    Examples
    --------
    >>> p = Problem((Buffer("a", 0, 3, 4), Buffer("b", 3, 9, 4, alignment=2)))
    >>> out = io.StringIO()
    >>> write_csv(p, out, Solution((0, 2), 6))
    >>> print(out.getvalue(), end="")
    id,lower,upper,size,alignment,offset
    a,0,3,4,1,0
    b,3,9,4,2,2
    """
    if solution is not None:
        check_plan(problem, solution, "a CSV")
    if not isinstance(destination, (str, os.PathLike)):
        if not callable(getattr(destination, "write", None)):
            raise ProblemError(
                f"expected a path or an open text file to write to, got "
                f"{type(destination).__name__}"
            )
        _write_rows(destination, problem, solution, layout)
        return
    write_output(destination, lambda handle: _write_rows(handle, problem, solution, layout))


def dumps_csv(
    problem: Problem, solution: Solution | None = None, layout: CsvLayout | None = None
) -> str:
    """The text :func:`write_csv` would write.

    >>> dumps_csv(Problem((Buffer("a", 0, 3, 4),)))
    'id,lower,upper,size\\na,0,3,4\\n'
    """
    out = io.StringIO(newline="")
    write_csv(problem, out, solution, layout)
    return out.getvalue()


def _write_rows(
    stream: IO[str],
    problem: Problem,
    solution: Solution | None,
    layout: CsvLayout | None,
) -> None:
    """Write the header and one row per buffer to ``stream``."""
    plan_columns = [] if solution is None else ["offset"]
    if solution is not None and solution.pools is not None:
        plan_columns.append("pool")
    if layout is None:
        layout = CsvLayout.default(problem, offset=solution is not None,
                                   pool="pool" in plan_columns)
    else:
        layout = layout.with_columns(sorted(_needed_columns(problem) | set(plan_columns)))
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(layout.headers)
    addend = -1 if layout.inclusive_end else 0
    offsets = solution.offsets if solution is not None else None
    pools = solution.pools if solution is not None else None
    columns = layout.columns
    for i, buffer in enumerate(problem.buffers):
        row = []
        for column in columns:
            if column == "id":
                row.append(buffer.id)
            elif column == "lower":
                row.append(str(buffer.lower))
            elif column == "upper":
                row.append(str(buffer.upper + addend))
            elif column == "size":
                row.append(str(buffer.size))
            elif column == "alignment":
                row.append(str(buffer.alignment))
            elif column == "hint":
                row.append(str(-1 if buffer.hint is None else buffer.hint))
            elif column == "gaps":
                row.append(format_gaps(buffer.gaps, inclusive=bool(addend)))
            elif column == "label":
                row.append(buffer.label or "")
            elif column == "weight":
                row.append("" if buffer.weight is None else str(buffer.weight))
            elif column == "alias":
                row.append(buffer.alias or "")
            elif column == "pool":
                placed = pools[i] if pools is not None else buffer.pool
                row.append(placed or "")
            else:  # offset
                if offsets is not None:
                    row.append(str(offsets[i]))
                else:
                    row.append("" if buffer.offset is None else str(buffer.offset))
        writer.writerow(row)


def format_gaps(gaps: Sequence[Gap], *, inclusive: bool = False) -> str:
    """The ``gaps`` cell for ``gaps``: ``lo-hi`` or ``lo-hi@wlo:whi``, space
    separated (``hi`` one less if ``inclusive``).

    >>> format_gaps((Gap(2, 4), Gap(5, 7, (0, 1))))
    '2-4 5-7@0:1'
    """
    addend = -1 if inclusive else 0
    parts = []
    for gap in gaps:
        text = f"{gap.lower}-{gap.upper + addend}"
        if gap.window is not None:
            text += f"@{gap.window[0]}:{gap.window[1]}"
        parts.append(text)
    return " ".join(parts)


def _needed_columns(problem: Problem) -> set[str]:
    """The optional columns some buffer of ``problem`` needs."""
    needed: set[str] = set()
    for buffer in problem.buffers:
        if buffer.alignment != 1:
            needed.add("alignment")
        if buffer.hint is not None:
            needed.add("hint")
        if buffer.gaps:
            needed.add("gaps")
        if buffer.label:
            needed.add("label")
        if buffer.offset is not None:
            needed.add("offset")
        if buffer.weight is not None:
            needed.add("weight")
        if buffer.alias is not None:
            needed.add("alias")
        if buffer.pool is not None:
            needed.add("pool")
    return needed


# ----------------------------------------------------------------------------
# pandas


def problem_to_dataframe(problem: Problem) -> pd.DataFrame:
    """One row per buffer with every column of the format.

    ``gaps`` holds the CSV text form (empty if none); ``hint``, ``offset``
    and ``weight`` are nullable ``Int64`` (missing where not given).

    >>> df = problem_to_dataframe(Problem((Buffer("a", 0, 3, 4, offset=8),)))
    >>> df.to_csv(index=False, lineterminator="|")
    'id,lower,upper,size,alignment,hint,gaps,label,weight,alias,pool,offset|a,0,3,4,1,,,,,,,8|'

    """
    import pandas as pd

    buffers = problem.buffers
    columns = buffer_columns(buffers)  # read-only: the frame gets copies
    return pd.DataFrame(
        {
            "id": pd.Series([b.id for b in buffers], dtype=object),
            "lower": pd.Series(columns.lower.copy()),
            "upper": pd.Series(columns.upper.copy()),
            "size": pd.Series(columns.size.copy()),
            "alignment": pd.Series(columns.alignment.copy()),
            "hint": pd.Series([b.hint for b in buffers], dtype="Int64"),
            "gaps": pd.Series([format_gaps(b.gaps) for b in buffers], dtype=object),
            "label": pd.Series([b.label for b in buffers], dtype=object),
            "weight": pd.Series([b.weight for b in buffers], dtype="Int64"),
            "alias": pd.Series([b.alias for b in buffers], dtype=object),
            "pool": pd.Series([b.pool for b in buffers], dtype=object),
            "offset": pd.Series([b.offset for b in buffers], dtype="Int64"),
        }
    )


def problem_from_dataframe(df: pd.DataFrame, capacity: int | None = None) -> Problem:
    """Build a problem from a DataFrame with the CSV format's columns.

    Column names follow the CSV rules (aliases, an inclusive ``end``); missing
    cells (None, NaN, ``pd.NA``, empty strings) in optional columns mean "not
    given".  Errors name the column and ``line = row position + 2``, the line
    the row would have in a CSV file with a header.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["a"], "lower": [0], "upper": [3], "size": [4]})
    >>> problem_from_dataframe(df, 12).buffers[0].upper
    3
    """
    if capacity is not None:
        Problem((), capacity)
    if not hasattr(df, "columns") or not hasattr(df, "iloc"):
        raise ProblemError(f"expected a pandas DataFrame, got {type(df).__name__}")
    layout = CsvLayout.from_headers([str(c) for c in df.columns], line=1)
    columns = [df.iloc[:, i].tolist() for i in range(len(df.columns))]
    rows = (
        (row + 2, [_cell_text(column[row]) for column in columns])
        for row in range(len(df))
    )
    return _build_problem(rows, layout, capacity, None)


def _cell_text(value: object) -> str:
    """A DataFrame cell as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    if isinstance(value, bool):
        return repr(value)
    try:
        import numpy as np

        if isinstance(value, np.integer):
            return str(int(value))
        if isinstance(value, np.floating):
            return _cell_text(float(value))
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    return str(value)
