"""The one reader dispatch: which format a file is in, and reading it.

:func:`read_any` is what the command line, the batch runner and the app
call to turn a file into a :class:`~minimalloc.model.Problem`: a path, or
the file's bytes and its name (what an upload gives).  It decides by name
first (a suffix a reader claims: ``.onnx``, ``.pickle``; ``.csv``), then by
content (the first bytes), and reads anything else as the reference CSV.

>>> reading = read_any(b"id,lower,upper,size\\nx,0,2,4\\n", name="tiny.csv", capacity=8)
>>> reading.kind, reading.problem.capacity, reading.layout.columns
('csv', 8, ('id', 'lower', 'upper', 'size'))
>>> reader_name("model.onnx", b""), reader_name("trace.pickle", b"")
('onnx', 'torch_snapshot')
>>> parse_dims("batch=1, seq=128")
{'batch': 1, 'seq': 128}
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from minimalloc.errors import ProblemError, shorten
from minimalloc.formats.csv import CsvLayout, read_csv_with_layout
from minimalloc.formats.registry import reader_suffixes, readers
from minimalloc.formats.torch_snapshot import (
    SnapshotReport,
    read_torch_snapshot_with_report,
)
from minimalloc.model import Problem

__all__ = ["ReadOptions", "Reading", "Source", "detect", "parse_dims", "read_any",
           "reader_name"]

#: A file to read: its path, or its bytes (then give its name too).
Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]

#: How many leading bytes a reader's ``looks_like`` sees.
HEAD = 16
#: The largest value of a symbolic dimension: sizes are 64-bit.
MAX_DIM = 2**62
#: Names that stand for "no file name" in errors raised on bytes.
_PLACEHOLDERS = (None, "<input>", "<model>", "<snapshot>")
_DIM = re.compile(r"\s*([^=,\s][^=,]*?)\s*=\s*([+]?[0-9]+)\s*")


@dataclass(frozen=True)
class ReadOptions:
    """How a model or a snapshot is turned into a problem (a CSV ignores them).

    Attributes
    ----------
    alignment
        ONNX: round every tensor up to, and align it at, a multiple of this
        (None: 1).
    dims
        ONNX: values of symbolic dimensions, such as ``{"batch": 1}``.
    include_weights
        ONNX: also plan the initializers.
    aliases
        ONNX: views and in-place element-wise results share their input's memory.
    device
        Snapshot: which CUDA device's trace to read.
    """

    alignment: int | None = None
    dims: Mapping[str, int] | None = None
    include_weights: bool = False
    device: int = 0
    aliases: bool = False

    def __post_init__(self) -> None:
        if self.alignment is not None and self.alignment < 1:
            raise ProblemError(f"the alignment must be at least 1, got {self.alignment}")
        if self.device < 0:
            raise ProblemError(f"the device must be at least 0, got {self.device}")


@dataclass(frozen=True)
class Reading:
    """What :func:`read_any` read.

    Attributes
    ----------
    problem
        The problem, at the capacity asked for.
    layout
        The CSV layout to write its plan (or the problem) with: a CSV's own
        columns, else the reference's columns plus ``label``.
    kind
        The reader's short name: ``csv``, ``onnx``, ``torch_snapshot``,
        ``chrome_trace`` or ``text_plan``.
    name
        The file's name, as errors give it.
    report
        For a snapshot, what its allocator reserved; else None.
    """

    problem: Problem
    layout: CsvLayout
    kind: str
    name: str
    report: SnapshotReport | None = None


def reader_name(name: str | os.PathLike[str] | None, head: bytes) -> str:
    """Which reader takes a file called ``name`` starting with ``head``: a
    reader claiming its suffix, else ``csv`` for ``.csv``, else the first
    reader that recognises the content, else ``csv``."""
    suffix = Path(name).suffix.lower() if name is not None else ""
    found = readers()
    for short, module in found.items():
        if suffix in module.SUFFIXES:
            return short
    if suffix == ".csv":
        return "csv"
    for short, module in found.items():
        if module.looks_like(head[:HEAD]):
            return short
    return "csv"


def read_any(source: Source, *, name: str | os.PathLike[str] | None = None,
             capacity: int | None = None, options: ReadOptions | None = None
             ) -> Reading:
    """Read a problem from a file in whatever format it is.

    Parameters
    ----------
    source
        A path, or the file's bytes.
    name
        The file's name: how errors name it, and (its suffix) which reader
        takes it.  Default: the path; ``<input>`` for bytes.
    capacity
        The capacity to give the problem (None: none).
    options
        How to read a model or a snapshot.

    Returns
    -------
    Reading
        The problem, the layout to write it with, the reader that read it.

    Raises
    ------
    ProblemError
        If the file is not a valid problem, model or snapshot; the message
        names the file (and line and column where there are some).
    OSError
        If the file cannot be read.
    """
    options = options if options is not None else ReadOptions()
    if capacity is not None:  # fail before reading a large file
        Problem((), capacity)
    data = bytes(source) if isinstance(source, (bytes, bytearray, memoryview)) else None
    label = _label(source, name)
    kind = detect(data if data is not None else source, name=label)
    try:
        if kind == "csv":
            problem, layout = read_csv_with_layout(
                io.BytesIO(data) if data is not None else source, capacity)
            return Reading(problem, layout, kind, label)
        return _read_model(kind, data if data is not None else source, label, capacity,
                           options)
    except ProblemError as error:
        raise _named(error, label, kind) from None


def detect(source: Source, *, name: str | os.PathLike[str] | None = None) -> str:
    """Which reader :func:`read_any` would use for ``source`` (reading only
    its first bytes): ``csv`` or a reader's short name (``onnx``,
    ``torch_snapshot``, ``chrome_trace``, ``text_plan``)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        head = bytes(source[:HEAD])
    else:
        head = _head(source)
    return reader_name(_label(source, name), head)


def parse_dims(text: str) -> dict[str, int]:
    """Symbolic dimensions written ``NAME=N`` and separated by commas.

    Raises
    ------
    ProblemError
        For a part that is not ``NAME=N`` with N a whole number up to 2^62.
    """
    dims: dict[str, int] = {}
    for part in text.split(","):
        match = _DIM.fullmatch(part)
        if match is None:
            raise ProblemError(f"expected NAME=N (such as batch=1), got {shorten(part)!r}")
        digits = match.group(2).lstrip("+")
        if len(digits) > 19 or int(digits) > MAX_DIM:
            raise ProblemError(f"dimension '{shorten(match.group(1))}': expected a value "
                               f"of at most 2^62, got a number of {len(digits)} digits")
        dims[match.group(1)] = int(digits)
    return dims


def _label(source: Source, name: str | os.PathLike[str] | None) -> str:
    if name is not None:
        return os.fspath(name)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<input>"
    return os.fspath(source)


def _head(path: str | os.PathLike[str]) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(HEAD)
    except OSError:
        return b""  # the reader says what is wrong with it


def _read_model(kind: str, source: str | os.PathLike[str] | bytes, label: str,
                capacity: int | None, options: ReadOptions) -> Reading:
    report = None
    if kind == "torch_snapshot":  # read once, with what the allocator reserved
        problem, report = read_torch_snapshot_with_report(source, device=options.device)
    else:
        problem = readers()[kind].read(source, alignment=options.alignment,
                                       dims=options.dims,
                                       include_weights=options.include_weights,
                                       aliases=options.aliases)
    problem = problem.with_capacity(capacity)
    return Reading(problem, CsvLayout.default(problem), kind, label, report)


def _named(error: ProblemError, name: str, kind: str) -> ProblemError:
    """``error`` naming the file ``name`` where it names none or a
    placeholder; a file read as CSV only because nothing else claimed it
    says so."""
    message = error.message
    suffix = Path(name).suffix.lower()
    if kind == "csv" and suffix not in reader_suffixes() and error.line in (None, 1):
        message += (f" (read as a problem CSV: its suffix is none of "
                    f"{', '.join(reader_suffixes())})")
    file = name if error.file in _PLACEHOLDERS else error.file
    return ProblemError(message, file=file, line=error.line, column=error.column)
