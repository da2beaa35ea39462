"""Problems into the app: samples, pasted or uploaded files (CSV, ONNX
models, PyTorch snapshots), with the capacity a problem starts at.

No Streamlit here: the page calls these from its callbacks.  Errors are
:class:`~minimalloc.errors.ProblemError` naming the file, the line and the
column; the page shows them and keeps the last good problem.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
from dataclasses import dataclass
from pathlib import Path

from minimalloc import bounds
from minimalloc.errors import ProblemError
from minimalloc.formats import ReadOptions, read_any
from minimalloc.formats.csv import read_csv
from minimalloc.formats.detect import detect, parse_dims
from minimalloc.formats.torch_snapshot import SnapshotReport
from minimalloc.generate import samples
from minimalloc.model import MAX_VALUE, Problem, Solution, describe_integer

ROOT = Path(__file__).resolve().parents[2]
#: Where the sample problems are; MINIMALLOC_SAMPLES_DIR points elsewhere.
SAMPLES_DIR = Path(os.environ.get("MINIMALLOC_SAMPLES_DIR") or ROOT / "sample_problems")

#: The five-buffer example of the original MiniMalloc paper, used when no
#: sample files exist.
BUILTIN_EXAMPLE = (
    "id,lower,upper,size\nb1,0,3,4\nb2,3,9,4\nb3,0,9,4\nb4,9,21,4\nb5,0,21,4\n"
)
BUILTIN_NAME = "reference example"
BUILTIN_CAPACITY = 12


@dataclass(frozen=True)
class Loaded:
    """A problem as read from a file, a sample or a generator.

    ``allocation`` holds the file's offsets when every buffer had one: the
    file is then a solution to show and check, and ``problem`` has its
    buffers free.  An ``offset`` column filled for only some buffers fixes
    those buffers instead (kept in ``problem``).  ``capacity`` is the
    source's own capacity, if it has one.
    """

    problem: Problem
    name: str
    allocation: Solution | None = None
    capacity: int | None = None
    description: str = ""
    report: SnapshotReport | None = None  # when read from a PyTorch snapshot


def next_power_of_two(value: int) -> int:
    """The smallest power of two >= ``value`` (1 for 0 or less)."""
    value = int(value)
    return 1 if value <= 1 else 1 << (value - 1).bit_length()


def load_of(problem: Problem) -> int:
    """LOAD: the most bytes live at any moment."""
    return bounds.max_load(problem)


def default_capacity(loaded: Loaded) -> int:
    """The source's capacity, else the smallest power of two >= LOAD (and
    >= the height of a given allocation, so that it can be judged on its
    overlaps rather than on running past an invented limit)."""
    if loaded.capacity is not None:
        return int(loaded.capacity)
    floor = load_of(loaded.problem)
    if loaded.allocation is not None:
        floor = max(floor, loaded.allocation.height)
    return next_power_of_two(max(floor, 1))


def parse_csv_text(text: str | bytes, name: str = "pasted CSV") -> Loaded:
    """Read a problem (or a problem with an allocation) from CSV text.

    The one parser behind both the file upload and the paste box.  Errors
    are :class:`ProblemError` naming ``name``, the line and the column; a
    file with a header but no buffers is one too (the page keeps the last
    good problem rather than showing an empty one).
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = text.count(b"\n", 0, error.start) + 1
            raise ProblemError(
                f"the file is not valid UTF-8 text: byte 0x{text[error.start]:02x} "
                "cannot be decoded", file=name, line=line,
            ) from None
    text = text.removeprefix("\ufeff")
    text, note = _comma_separated(text)
    stripped, offsets = _split_allocation(text, name)
    try:
        problem = read_csv(io.StringIO(stripped))
    except ProblemError as error:
        raise _renamed(error, name) from None
    if not problem.buffers:  # the library reads it as an empty problem: nothing to show
        raise ProblemError(
            "holds no buffers: only a header row (add one row per buffer: "
            "id,lower,upper,size,...)", file=name,
        )
    allocation = None
    if offsets is not None:
        allocation = Solution.from_offsets(problem, offsets)
    return Loaded(problem, name, allocation, description=note)


_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "bar"}


def _comma_separated(text: str) -> tuple[str, str]:
    """``text`` with commas between fields, and a note when it had another
    delimiter (a header such as ``id;lower;upper;size`` or tab-separated, as
    spreadsheets export): the reference format wants commas, but the
    meaning is plain."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    if "," in header:
        return text, ""
    found = [d for d in _DELIMITERS if d in header]
    if len(found) != 1:
        return text, ""
    delimiter = found[0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        writer.writerow(row)
    return out.getvalue(), f"read as {_DELIMITERS[delimiter]}-separated values"


def _renamed(error: ProblemError, name: str) -> ProblemError:
    if error.file in (None, "<input>"):
        return ProblemError(error.message, file=name, line=error.line, column=error.column)
    return error


def _split_allocation(text: str, name: str) -> tuple[str, list[int] | None]:
    """If every row has an ``offset``, take the offsets out (they are an
    allocation to check, which may well be wrong: misaligned, negative...)
    and return the text without them.  Otherwise return the text as is."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header_at = next((k for k, row in enumerate(rows) if any(c.strip() for c in row)), None)
    if header_at is None:
        return text, None
    header = [c.strip().lower() for c in rows[header_at]]
    if "offset" not in header:
        return text, None
    column = header.index("offset")
    body = [(k, row) for k, row in enumerate(rows) if k > header_at and any(
        c.strip() for c in row)]
    if not body or any(column >= len(row) or not row[column].strip() for _, row in body):
        return text, None
    # Line numbers: count the physical lines of each row as csv reads them.
    lines = _row_lines(text)
    offsets = []
    for k, row in body:
        cell = row[column].strip()
        line = lines[k] if k < len(lines) else None
        try:
            offset = int(cell) if len(cell) <= 40 else None  # long ones: out of range
        except ValueError:
            raise ProblemError(
                f"expected an integer offset, got '{cell:.40}'", file=name,
                line=line, column="offset",
            ) from None
        if offset is None or abs(offset) > MAX_VALUE:
            got = f"{len(cell)} digits" if offset is None else describe_integer(offset)
            raise ProblemError(
                f"expected an offset within ±2^60, got {got}: larger values could "
                "overflow the search's 64-bit arithmetic",
                file=name, line=line, column="offset",
            )
        offsets.append(offset)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for k, row in enumerate(rows):
        if k >= header_at and column < len(row):
            row = row[:column] + row[column + 1 :]
        writer.writerow(row)
    return out.getvalue(), offsets


def _row_lines(text: str) -> list[int]:
    """The line each csv row starts on (1-based)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    starts = []
    previous_end = 0
    for _ in reader:
        starts.append(previous_end + 1)
        previous_end = reader.line_num
    return starts


def sample_entries(folder: Path | None = None) -> list[tuple[str, str]]:
    """``(name, what it teaches)`` of each sample problem: the library's
    catalogue when its files are there, else the CSV files in
    ``sample_problems/``, else the built-in five-buffer example."""
    folder = folder or SAMPLES_DIR
    if (folder / "index.csv").exists():
        try:
            names = samples.list_samples(folder)
            return [(n, samples.sample_info(n, folder).get("teaches", "")) for n in names]
        except (ProblemError, OSError):
            pass
    files = sorted(folder.glob("*.csv"))
    files = [f for f in files if f.name != "index.csv"]
    if files:
        return [(f.stem, "") for f in files]
    return [(BUILTIN_NAME, "The reference's five-buffer example: the optimum equals "
             "LOAD (12).")]


def load_sample(name: str, folder: Path | None = None) -> Loaded:
    """A sample problem by name, with its capacity when the catalogue has one."""
    base = folder or SAMPLES_DIR
    description = dict(sample_entries(base)).get(name, "")
    if name == BUILTIN_NAME and not (base / f"{name}.csv").exists():
        loaded = parse_csv_text(BUILTIN_EXAMPLE, name)
        return dataclasses.replace(loaded, capacity=BUILTIN_CAPACITY,
                                   description=description)
    if (base / "index.csv").exists():
        problem = samples.load_sample(name, base)
        allocation = None
        if problem.buffers and all(b.offset is not None for b in problem.buffers):
            offsets = [b.offset for b in problem.buffers]
            allocation = Solution.from_offsets(problem, offsets)
            problem = problem.without_fixed_offsets()
        return Loaded(problem.with_capacity(None), name, allocation, problem.capacity,
                      description)
    path = base / f"{name}.csv"
    loaded = parse_csv_text(path.read_bytes(), path.name)
    return dataclasses.replace(loaded, name=name, description=description)


#: The plans the package writes that an upload may be, by reader.
PLAN_READERS = {"chrome_trace": "Chrome trace plan", "text_plan": "Text plan"}
#: File types the upload accepts: problem CSVs, ONNX models, PyTorch snapshots,
#: plans (a CSV with offsets, a Chrome trace, a text plan).
UPLOAD_TYPES = ["csv", "txt", "onnx", "pickle", "pkl", "json"]


def parse_upload(data: bytes, name: str, options: ReadOptions | None = None) -> Loaded:
    """Read an uploaded file: a problem CSV, an ONNX model, a PyTorch CUDA
    memory snapshot or a plan the package wrote (a Chrome trace, a text
    plan: shown and checked as a CSV with offsets is), as
    :func:`minimalloc.formats.read_any` decides.

    A CSV goes through :func:`parse_csv_text` (an ``offset`` in every row is
    an allocation to judge); a snapshot is unpickled without running
    anything in it (see :mod:`minimalloc.formats.torch_snapshot`).  Errors
    are :class:`ProblemError` naming ``name``.
    """
    if detect(data, name=name) == "csv":
        return parse_csv_text(data, name)
    reading = read_any(data, name=name, options=options)
    problem = reading.problem
    if reading.report is not None:
        return Loaded(problem, name, description=reading.report.summary(),
                      report=reading.report)
    if reading.kind in PLAN_READERS:  # a plan this package wrote: show and check it
        free = problem.without_fixed_offsets()
        allocation = Solution.from_offsets(free, [b.offset for b in problem.buffers])
        return Loaded(free, name, allocation, problem.capacity,
                      description=f"{PLAN_READERS[reading.kind]}: {len(problem):,} buffers")
    steps = max((b.upper for b in problem.buffers), default=0)
    return Loaded(problem, name, description=f"ONNX model: {len(problem):,} tensors over "
                                             f"{steps:,} nodes")


def read_options(alignment: int, dims_text: str, include_weights: bool,
                 device: int) -> ReadOptions:
    """How to read a model or a snapshot, from the page's widgets (a
    ProblemError for symbolic dimensions not written ``NAME=N, ...``)."""
    dims = parse_dims(dims_text) if dims_text.strip() else None
    return ReadOptions(alignment=alignment, dims=dims, include_weights=include_weights,
                       device=device)


