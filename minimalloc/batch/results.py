"""The results file of a batch: one CSV row per task, appended as each task
finishes, and read back to resume.

Every row is one line: a cell never holds a line break (:func:`cell` turns
them into spaces), so the file can be read line by line, and a line that is
damaged (not UTF-8, an unterminated quote, a wrong number of cells) is
reported with its number instead of hiding the rows after it.  A crash
leaves at worst a last line without its newline, which is dropped.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import re
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from minimalloc.errors import ProblemError

__all__ = ["COLUMNS", "ResultsFile", "cell", "read_results", "typed"]

#: The columns of the results table, in file order.
COLUMNS = ("input", "mode", "variant", "buffers", "LOAD", "capacity", "status",
           "height", "proven", "gap", "method", "nodes", "backtracks", "seconds",
           "worker", "message")

_NUMBERS = ("buffers", "LOAD", "capacity", "height", "gap", "nodes", "backtracks",
            "seconds")
_LINE_BREAKS = re.compile(r"[\r\n]")
#: The longest cell the csv module reads (its field limit); longer ones are cut.
_LONGEST_CELL = 100_000


def cell(value: object) -> str:
    """How ``value`` is written in the file: on one line, ``true``/``false``
    for booleans, empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = _LINE_BREAKS.sub(" ", str(value))
    return text if len(text) <= _LONGEST_CELL else text[:_LONGEST_CELL - 3] + "..."


class ResultsFile:
    """The append-only results CSV: rows already there, and a writer that
    makes each new row durable before returning.

    Opening it takes an exclusive lock (two batches never interleave their
    rows) and drops a last line left without its newline by a crash.

    Raises
    ------
    ProblemError
        If the path is not a regular file (a FIFO or a device cannot be read
        back), another batch holds it, or it is not a results file or is
        damaged; the message names the file (and the line).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        _check_regular(self.path)
        # O_NONBLOCK: should a FIFO appear at the path after the check, the
        # open returns at once, and the check below refuses it.
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND |
                           os.O_NONBLOCK, 0o644)
        try:
            if not stat.S_ISREG(os.fstat(self._fd).st_mode):
                raise _not_regular(self.path)
            os.set_blocking(self._fd, True)
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.close()
            raise ProblemError("another batch is writing to this file",
                               file=str(self.path)) from None
        except BaseException:
            self.close()
            raise
        try:
            self.rows = self._read_existing()
        except BaseException:
            self.close()
            raise

    def _read_existing(self) -> list[dict[str, str]]:
        size = os.fstat(self._fd).st_size
        data = os.pread(self._fd, size, 0)
        complete = data[:data.rfind(b"\n") + 1]
        if len(complete) < len(data):  # a row cut short by a crash: redo it
            os.ftruncate(self._fd, len(complete))
        if not complete:
            self._write_line(COLUMNS)
            return []
        lines = _lines(complete, str(self.path))
        _, header = next(lines)
        if tuple(header) != COLUMNS:
            raise ProblemError(
                f"not a results file of this version: expected the columns "
                f"{','.join(COLUMNS)}; write to a new --output", file=str(self.path),
                line=1)
        return [dict(zip(COLUMNS, cells)) for _, cells in _rows(lines, len(COLUMNS),
                                                                str(self.path))]

    def done(self) -> set[tuple[str, str, str]]:
        """The row keys already written."""
        return {(row["input"], row["mode"], row["variant"]) for row in self.rows}

    def append(self, row: Mapping[str, object]) -> None:
        """Write one row with a single write, and wait until it is on disk."""
        self._write_line([cell(row.get(column)) for column in COLUMNS])
        self.rows.append({column: cell(row.get(column)) for column in COLUMNS})

    def _write_line(self, cells: Sequence[str]) -> None:
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\n").writerow(cells)
        data = buffer.getvalue().encode("utf-8")
        written = os.write(self._fd, data)
        if written != len(data):  # a full disk; the next run drops the part
            raise OSError(f"only {written} of {len(data)} bytes written",
                          str(self.path))
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # also releases the lock
            self._fd = -1

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_results(source: str | os.PathLike | io.IOBase) -> pd.DataFrame:
    """A results file as a table with typed columns (missing numbers are
    ``<NA>``); a partial last line is ignored.

    Raises
    ------
    ProblemError
        If it lacks a column of :data:`COLUMNS`, or a line is damaged; the
        message names the file and the line.
    """
    if isinstance(source, (str, os.PathLike)):
        data = Path(source).read_bytes()
        name = os.fspath(source)
    else:
        data = source.read()
        name = getattr(source, "name", "<results>")
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = data[:data.rfind(b"\n") + 1] if b"\n" in data else data
    lines = _lines(data, name)
    first = next(lines, None)
    header = first[1] if first is not None else []
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise ProblemError(f"not a results table: no column {', '.join(missing)}",
                           file=name, line=1)
    rows = [cells for _, cells in _rows(lines, len(header), name)]
    table = pd.DataFrame(rows, columns=header, dtype=str)
    return typed(table[list(COLUMNS)])


def typed(table: pd.DataFrame) -> pd.DataFrame:
    """A table of text cells with numbers as numbers, ``proven`` as booleans."""
    table = table.copy()
    for column in _NUMBERS:
        cells = table[column]
        try:
            numbers = pd.to_numeric(cells.mask(cells == ""))
        except (ValueError, TypeError):
            raise ProblemError(f"column '{column}': expected numbers, got "
                               f"{_first_bad(cells)!r}") from None
        table[column] = numbers.astype("Float64" if column == "seconds" else "Int64")
    table["proven"] = table["proven"].map({"true": True, "false": False}).astype("boolean")
    return table


def _lines(data: bytes, name: str):
    """``(line number, cells)`` of each complete line of ``data``."""
    for number, raw in enumerate(data.split(b"\n")[:-1], start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProblemError(f"the line is not UTF-8 text (byte 0x{raw[error.start]:02x})"
                               f"; the file is damaged: fix or remove the line",
                               file=name, line=number) from None
        try:
            cells = next(csv.reader([text], strict=True), [])
        except csv.Error as error:
            raise ProblemError(f"malformed CSV ({error}); the file is damaged: fix or "
                               "remove the line", file=name, line=number) from None
        yield number, cells


def _rows(lines, width: int, name: str):
    """The non-blank lines after the header, each of ``width`` cells."""
    for number, cells in lines:
        if not cells:
            continue
        if len(cells) != width:
            raise ProblemError(f"expected {width} cells, got {len(cells)}; the file is "
                               "damaged: fix or remove the line", file=name, line=number)
        yield number, cells


def _check_regular(path: Path) -> None:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise _not_regular(path)


def _not_regular(path: Path) -> ProblemError:
    return ProblemError("not a regular file: the results are read back to resume, so "
                        "they need a file (not a folder, FIFO or device)", file=str(path))


def _first_bad(cells: pd.Series) -> str:
    for text in cells:
        try:
            float(text or 0)
        except ValueError:
            return text[:40]
    return ""
