"""The problem a command works on: ``--input`` (a CSV, an ONNX model or a
PyTorch snapshot, read by :func:`minimalloc.formats.read_any`), or a
built-in ``--sample``, at ``--capacity``."""

from __future__ import annotations

import difflib

from absl import flags

from minimalloc.cli.command import PROG
from minimalloc.cli.flags import (
    UsageError,
    define_dims,
    define_integer,
    define_string,
    define_switch,
)
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import read_csv_with_layout
from minimalloc.formats.detect import Reading, ReadOptions, read_any
from minimalloc.generate.samples import SAMPLES_DIR, list_samples, sample_info
from minimalloc.model import MAX_TOTAL, describe_integer
from minimalloc.tables import format_table

__all__ = ["INPUT", "MODEL", "capacity", "define_input", "define_model",
           "list_samples_table", "read_input", "read_options", "sample_names"]

#: Help headings.
INPUT = "input"
MODEL = "models and snapshots"


def define_input(values: flags.FlagValues) -> None:
    """``--input``, ``--sample`` and ``--capacity``, and the model flags."""
    define_string(values, INPUT, "input", "", "The path to the input: a problem CSV, an "
                  "ONNX model (.onnx) or a PyTorch CUDA memory snapshot (.pickle).")
    define_string(values, INPUT, "sample", "", "Read a built-in sample problem instead "
                  "of --input (--sample=list shows them).")
    define_integer(values, INPUT, "capacity", None, "The maximum memory capacity.")
    define_model(values)


def define_model(values: flags.FlagValues) -> None:
    """How an ONNX model or a PyTorch snapshot given as input is read."""
    define_integer(values, MODEL, "alignment", None, "ONNX input: round every tensor up "
                   "to, and align it at, a multiple of this many bytes.")
    define_dims(values, MODEL, "dim", "ONNX input: the value of a symbolic dimension, "
                "NAME=N; repeat the flag or separate with commas (batch=1,seq=128)")
    define_switch(values, MODEL, "include_weights", False, "ONNX input: also plan the "
                  "weights (initializers), alive the whole run.")
    define_integer(values, MODEL, "device", 0, "Snapshot input: which CUDA device's "
                   "trace to read.")


def read_options(values: flags.FlagValues) -> ReadOptions:
    """The reader options the model flags give."""
    dims: dict[str, int] = {}
    for part in values.dim:
        dims.update(part)
    if values.alignment is not None and values.alignment < 1:
        raise UsageError(f"--alignment must be at least 1, got {values.alignment}")
    if values.device < 0:
        raise UsageError(f"--device must be at least 0, got {values.device}")
    return ReadOptions(alignment=values.alignment, dims=dims or None,
                       include_weights=values.include_weights, device=values.device)


def capacity(values: flags.FlagValues, required: bool) -> int | None:
    """``--capacity``, checked; None if not given (an error if ``required``)."""
    given = values.capacity
    if given is None:
        if required:
            raise UsageError(
                "--capacity=N is required (the memory size to fit in); only "
                "--minimize and --allocator work without it"
            )
        return None
    if given < 1:
        raise UsageError(f"--capacity must be at least 1, got {given}")
    if given > MAX_TOTAL:
        raise UsageError(f"--capacity must be at most 2^61 ({MAX_TOTAL}), got "
                         f"{describe_integer(given)}")
    return given


def read_input(values: flags.FlagValues, capacity: int | None) -> Reading:
    """The problem ``--input`` or ``--sample`` names, at ``capacity``."""
    path, sample = values.input, values.sample
    if path and sample:
        raise UsageError("give either --input or --sample, not both")
    if sample:
        return _read_sample(sample, capacity)
    if not path:
        raise UsageError(f"--input=FILE is required (or --sample=NAME); see {PROG} --help")
    return read_any(path, capacity=capacity, options=read_options(values))


def sample_names() -> list[str]:
    """The built-in samples (none when the installation has no sample folder)."""
    try:
        return list_samples()
    except (OSError, ProblemError):
        return []


def list_samples_table() -> str:
    """The samples as a table: name, buffers, capacity, what it teaches."""
    names = sample_names()
    if not names:
        return "no sample problems in this installation"
    rows = []
    for name in names:
        info = sample_info(name)
        rows.append((name, info.get("buffers", ""), info.get("capacity", ""),
                     info.get("teaches", "").split(".")[0]))
    return format_table(("sample", "buffers", "capacity", "what it teaches"), rows,
                        align="<>><")


def _read_sample(name: str, capacity: int | None) -> Reading:
    """A built-in sample, at its own capacity unless ``--capacity`` is given."""
    names = sample_names()
    known = ", ".join(names) if names else "none in this installation"
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise UsageError(f"--sample: unknown sample '{name}'{hint}; known: {known}")
    info = sample_info(name)
    if capacity is None and info.get("capacity"):
        capacity = int(info["capacity"])
    problem, layout = read_csv_with_layout(SAMPLES_DIR / info["file"], capacity)
    return Reading(problem, layout, "csv", f"sample {name}")
