"""``minimalloc import MODEL``: an ONNX model or a PyTorch snapshot as a
problem CSV with a label column saying where each buffer comes from."""

from __future__ import annotations

import sys

from absl import flags

from minimalloc.bounds import max_load
from minimalloc.cli import inputs, writing
from minimalloc.cli.command import EXIT_OK, PROG, Command
from minimalloc.cli.flags import UsageError
from minimalloc.cli.report import line
from minimalloc.formats.csv import dumps_csv, write_csv
from minimalloc.formats.detect import detect, read_any

__all__ = ["COMMAND"]

USAGE = f"""\
usage: {PROG} import MODEL.onnx|SNAPSHOT.pickle [--output=problem.csv]
                  [--alignment=64] [--dim=batch=1] [--include_weights] [--device=0]

Turns an ONNX model (its activations, with lifetimes by node order) or a
PyTorch CUDA memory snapshot (its allocations, in trace order) into a problem
CSV with a label column saying where each buffer comes from.  The solving
commands also take a model or a snapshot directly as --input.
"""


def define(values: flags.FlagValues) -> None:
    writing.define_output(values, formats=False,
                          help="The problem CSV to write (default: print it).")
    inputs.define_model(values)


def run(values: flags.FlagValues, rest: list[str]) -> int:
    if not rest:
        raise UsageError(f"give the model or snapshot to import first: {PROG} import "
                         "MODEL.onnx|SNAPSHOT.pickle [flags]")
    if len(rest) > 1:
        raise UsageError(f"unexpected argument '{rest[1]}': import one model at a time")
    path = rest[0]
    output = writing.check_output(values.output)
    options = inputs.read_options(values)
    if detect(path) == "csv":
        raise UsageError(f"'{path}' is neither an ONNX model (.onnx) nor a PyTorch "
                         "snapshot (.pickle): nothing to import")
    reading = read_any(path, options=options)
    problem = reading.problem
    steps = max((b.upper for b in problem.buffers), default=0)
    summary = (f"{len(problem.buffers)} buffers over {steps} time steps, LOAD "
               f"{max_load(problem):,} bytes")
    if output is None:
        print(dumps_csv(problem, None, reading.layout), end="")
        print(f"{path}: {summary}", file=sys.stderr)
        return EXIT_OK
    write_csv(problem, output, None, reading.layout)
    line("input", path)
    line("buffers", summary)
    if reading.report is not None:
        line("allocator", reading.report.summary())
    line("output", output)
    return EXIT_OK


COMMAND = Command("import", "turn an ONNX model or a PyTorch snapshot into a problem CSV",
                  USAGE, (writing.OUTPUT, inputs.MODEL), define, run)
