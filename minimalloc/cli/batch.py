"""``minimalloc batch INPUTS...``: many problems in parallel, one results
row per problem (see :mod:`minimalloc.batch`)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from absl import flags
from distributed import Client

from minimalloc.baselines.allocators import available_allocators
from minimalloc.batch import ERROR, MODES, run
from minimalloc.cli import writing
from minimalloc.cli.command import EXIT_INTERRUPTED, EXIT_NOT_SOLVED, EXIT_OK, PROG, Command
from minimalloc.cli.flags import (
    UsageError,
    define_choice,
    define_duration,
    define_integer,
    define_string,
)

__all__ = ["COMMAND"]

PROGRAM = f"{PROG} batch"
WHAT = "what to do"
WHERE = "where to run"

USAGE = f"""\
usage: {PROGRAM} INPUT... --output=results.csv
                        [--mode=solve|minimize|ablation|allocate] [--capacity=N]
                        [--timeout=60s] [--workers=N] [--scheduler=tcp://host:8786]
                        [--solutions=DIR]

Solve many problems in parallel, on local processes or a Dask cluster, one CSV
row per problem (per variant in ablation mode).  An INPUT is a problem file, a
folder of them, or a glob.  Rerunning with the same --output skips the rows
already there.  Exit status: 0 every row written and none an error, 1 some
rows are errors, 2 bad usage, 130 interrupted (rerun to finish).
"""


def define(values: flags.FlagValues) -> None:
    define_string(values, writing.OUTPUT, "output", "", "The results CSV (appended to; "
                  "finished rows are skipped).  Required.")
    define_string(values, writing.OUTPUT, "solutions", "", "Write each allocation to "
                  "DIR/<input>.out.csv.")
    define_choice(values, WHAT, "mode", "solve", MODES, "What to do with each problem.")
    define_integer(values, WHAT, "capacity", None, "The capacity of every problem "
                   "(default: the number in a file name like A.1048576.csv).")
    define_duration(values, WHAT, "timeout", 60.0, "The time limit per problem (per "
                    "variant), e.g. 60s, 500ms, inf.")
    define_string(values, WHAT, "allocator", "", "Allocate mode: this baseline instead "
                  "of the best of all.")
    define_integer(values, WHERE, "workers", None, "Local worker processes (default: "
                   "one per core).")
    define_string(values, WHERE, "scheduler", "", "Run on this Dask scheduler's workers, "
                  "e.g. tcp://host:8786, instead of local processes.")


def run_batch(values: flags.FlagValues, inputs: list[str]) -> int:
    """Check the flags, run the batch, print a summary."""
    output = _check(values, inputs)
    client = None
    started = time.perf_counter()
    try:
        if values.scheduler:
            client = Client(values.scheduler, timeout="30s")
        table = run(inputs, values.mode, client, capacity=values.capacity,
                    timeout=values.timeout, allocator=values.allocator or None,
                    output=output, solutions=values.solutions or None,
                    workers=values.workers)
    except KeyboardInterrupt:
        print(f"{PROGRAM}: interrupted; the finished rows are in {output}: rerun the "
              "same command to do the rest", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if client is not None:
            client.close()
    counts = table["status"].value_counts()
    summary = ", ".join(f"{count} {status}" for status, count in counts.items())
    seconds = time.perf_counter() - started
    print(f"{len(table)} rows in {output} ({summary}); {seconds:.1f} s")
    return EXIT_NOT_SOLVED if (table["status"] == ERROR).any() else EXIT_OK


def _check(values: flags.FlagValues, inputs: list[str]) -> Path | None:
    if not inputs:
        raise UsageError("give the problems to solve: files, folders or globs")
    if not values.output:
        raise UsageError("--output=FILE is required: the results CSV")
    output = writing.check_output(values.output)
    if values.solutions and os.path.exists(values.solutions) and not os.path.isdir(
            values.solutions):
        raise UsageError(f"--solutions: '{values.solutions}' is not a folder")
    for name in ("capacity", "workers"):
        if values[name].value is not None and values[name].value < 1:
            raise UsageError(f"--{name} must be at least 1, got {values[name].value}")
    if values.scheduler and values.workers:
        raise UsageError("--workers is for local runs; the scheduler's workers are used "
                         "as they are")
    if values.allocator and values.allocator not in available_allocators():
        raise UsageError(f"--allocator: unknown '{values.allocator}'; use one of "
                         f"{', '.join(available_allocators())}")
    return output


COMMAND = Command("batch", "solve many problems in parallel, on local processes or Dask",
                  USAGE, (writing.OUTPUT, WHAT, WHERE), define, run_batch, PROGRAM)
