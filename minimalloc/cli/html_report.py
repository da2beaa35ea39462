"""``minimalloc report IN.csv --output=report.html``: a standalone page to
attach to a bug report or keep as a CI artefact: the packing chart (exact
hover) over the live bytes, the statistics, the baselines and, when the
problem does not fit, why (:func:`minimalloc.analysis.report.build_report`,
drawn by :mod:`app.reports`)."""

from __future__ import annotations

from absl import flags

from minimalloc.analysis.report import build_report
from minimalloc.cli import inputs
from minimalloc.cli.command import EXIT_NOT_SOLVED, EXIT_OK, PROG, Command
from minimalloc.cli.flags import UsageError, define_duration, define_integer
from minimalloc.cli.progress import interruptible
from minimalloc.cli.report import line
from minimalloc.cli.search_flags import SEARCH, define_search, solver_params
from minimalloc.cli.writing import OUTPUT, check_output, define_output
from minimalloc.extras import require
from minimalloc.formats.detect import read_any
from minimalloc.formats.output import write_text
from minimalloc.jit import warmup

__all__ = ["COMMAND"]

USAGE = f"""\
usage: {PROG} report IN.csv [--capacity=N] [--timeout=10s] --output=report.html

Writes one HTML page about a problem (a CSV, an ONNX model or a PyTorch
snapshot): at --capacity (or the file's), the search's allocation or the
best baseline's, and why it does not fit when it does not; without a
capacity, the lowest height found.  A file whose every buffer has an offset
is a plan: the page shows that plan.  Exit status 1 when it does not fit.
"""


def define(values: flags.FlagValues) -> None:
    inputs.define_model(values)
    define_integer(values, inputs.INPUT, "capacity", None, "The maximum memory capacity "
                   "(default: the file's; none: find the lowest height).")
    define_duration(values, SEARCH, "timeout", 10.0, "The time limit of the search, and "
                    "of the explanation when the problem does not fit.")
    define_search(values, switches=False)
    define_output(values, formats=False, help="The page to write (HTML); required.")


def run(values: flags.FlagValues, rest: list[str]) -> int:
    if len(rest) != 1:
        raise UsageError(f"expected one input file, got {len(rest)}; usage: {PROG} report "
                         "IN.csv --output=report.html")
    output = check_output(values.output)
    if output is None:
        raise UsageError("--output=report.html is required (the page to write)")
    # Before any work: a missing extra should not cost the search's time.
    pages = require("app.reports", "app", "writing an HTML page")
    capacity = inputs.capacity(values, required=False)
    reading = read_any(rest[0], capacity=capacity, options=inputs.read_options(values))
    params = solver_params(values)
    warmup(trace=False)
    report = interruptible(lambda: build_report(reading.problem, reading.name,
                                                timeout=values.timeout, params=params),
                           None)
    write_text(output, pages.report_page(report))
    line("status", report.status)
    line("height", "no allocation" if report.solution is None
         else f"{report.solution.height:,}")
    line("output", output)
    return EXIT_NOT_SOLVED if report.status in ("does not fit", "unknown") else EXIT_OK


COMMAND = Command("report", "a standalone HTML page about a problem", USAGE,
                  (inputs.INPUT, SEARCH, OUTPUT, inputs.MODEL), define, run)
