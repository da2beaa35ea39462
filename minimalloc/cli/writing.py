"""Where a command's result goes: ``--output`` (checked before any work is
done) in the ``--format`` chosen, never half-written (see
:mod:`minimalloc.formats.output`)."""

from __future__ import annotations

import os
from pathlib import Path

from absl import flags

from minimalloc.cli.flags import UsageError, define_string
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import write_csv
from minimalloc.formats.detect import Reading
from minimalloc.formats.output import write_text
from minimalloc.formats.registry import writer_for, writers
from minimalloc.model import Solution

__all__ = ["OUTPUT", "check_output", "define_output", "output_format", "write_plan"]

#: Help heading.
OUTPUT = "output"


def define_output(values: flags.FlagValues, *, formats: bool = True,
                  help: str = "The path to the output CSV file: the input's columns plus "
                              "offset.") -> None:
    define_string(values, OUTPUT, "output", "", help)
    if formats:
        define_string(values, OUTPUT, "format", "", "The output's format: csv, "
                      "chrome-trace (Perfetto, chrome://tracing) or text (a TFLM-style "
                      "plan); default: from the output's suffix (.json, .txt), else csv.")


def check_output(text: str, flag: str = "--output") -> Path | None:
    """The output path ``text`` (None if empty), checked before any work is
    done: its folder exists, it is not a folder, its name is not too long."""
    if not text:
        return None
    path = Path(text)
    folder = path.parent
    longest = _longest_name(folder)
    if len(os.fsencode(path.name)) > longest:
        raise UsageError(f"{flag}: the file name is too long ({len(os.fsencode(path.name))}"
                         f" bytes; this file system takes at most {longest})")
    if path.is_dir():  # also a link to a folder
        raise UsageError(f"{flag}: '{text}' is a folder, not a file")
    if text.endswith(("/", os.sep)):
        raise UsageError(f"{flag}: '{text}' ends in '/', so it names a folder, but "
                         "a file is needed")
    if not folder.is_dir():
        raise UsageError(f"{flag}: cannot write '{text}': the folder '{folder}' does not "
                         "exist")
    return path


def output_format(values: flags.FlagValues, output: Path | None) -> str:
    """The writer ``--format`` names, or the output's suffix implies."""
    try:
        return writer_for(values.format or None, output)
    except ProblemError as error:
        raise UsageError(f"--format: {error}") from None


def write_plan(reading: Reading, values: flags.FlagValues, solution: Solution,
               output: Path) -> None:
    """Write the plan in the chosen format, never half-written."""
    kind = output_format(values, output)
    if kind == "csv":
        write_csv(reading.problem, output, solution, reading.layout)
    else:
        write_text(output, writers()[kind](reading.problem, solution))


def _longest_name(folder: Path) -> int:
    """The longest file name ``folder`` takes (255 where it cannot say)."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255
