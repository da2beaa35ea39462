"""``minimalloc compare P.csv Q.csv``: two plans of one problem side by side
(:func:`minimalloc.analysis.compare.compare`): the two heights, the buffers
that moved, those in one plan only, and the moments where one plan reaches
higher than the other.  ``--json`` prints it as one JSON object,
``--output=page.html`` writes a standalone page with both charts."""

from __future__ import annotations

import json

from absl import flags

from minimalloc.analysis.compare import MATCHES, Comparison, compare, read_plan
from minimalloc.cli.command import EXIT_OK, PROG, Command
from minimalloc.cli.flags import UsageError, define_choice, define_switch
from minimalloc.cli.report import line
from minimalloc.cli.writing import OUTPUT, check_output, define_output
from minimalloc.extras import require
from minimalloc.formats.output import write_text
from minimalloc.tables import format_table

__all__ = ["COMMAND", "LISTED"]

USAGE = f"""\
usage: {PROG} compare A.csv B.csv [--match=id|label] [--json] [--output=page.html]

Compares two plans of one problem: files whose every buffer has an offset,
in any format {PROG} --output writes (CSV, Chrome trace JSON, text plan).
Buffers are matched by id, or by label.
Prints both heights and their difference, the buffers that moved, those in
one plan only, and the stretches of time where one plan reaches higher.
"""

#: Rows of each list printed as text (--json gives them all).
LISTED = 20
COMPARE = "comparison"


def define(values: flags.FlagValues) -> None:
    define_choice(values, COMPARE, "match", "id", MATCHES, "How buffers of the two "
                  "plans are paired: by id, or by label (the k-th buffer with a label, "
                  "in time order, with the k-th with that label in the other plan).")
    define_switch(values, COMPARE, "json", False, "Print the comparison as one JSON "
                  "object (height_a, height_b, difference, moved, moves, only_a, "
                  "only_b, changed, higher).")
    define_output(values, formats=False, help="Also write a standalone HTML page: both "
                  "packings on one time axis (exact hover), both plans' curves, and the "
                  "tables.")


def run(values: flags.FlagValues, rest: list[str]) -> int:
    if len(rest) != 2:
        raise UsageError(f"expected two plan files, got {len(rest)}; usage: {PROG} "
                         "compare A.csv B.csv")
    output = check_output(values.output)
    comparison = compare(read_plan(rest[0]), read_plan(rest[1]), match=values.match)
    if values.json:
        print(json.dumps(comparison.to_dict()))
    else:
        print_comparison(comparison)
    if output is not None:
        # The page needs plotly (the app extra), which comparing does not.
        pages = require("app.reports", "app", "writing an HTML page")
        write_text(output, pages.comparison_page(comparison))
        if not values.json:
            line("output", output)
    return EXIT_OK


def print_comparison(c: Comparison) -> None:
    """The comparison as result lines and short tables."""
    line("plan A", f"{c.a.name} ({len(c.a.problem):,} buffers)")
    line("plan B", f"{c.b.name} ({len(c.b.problem):,} buffers)")
    line("height A", f"{c.height_a:,}")
    line("height B", f"{c.height_b:,}")
    line("difference", f"{c.difference:+,} (B - A)")
    line("matched", f"{len(c.pairs):,} buffers by {c.match}")
    line("moved", f"{len(c.moves):,}")
    _listed(("buffer", "size", "offset A", "offset B"),
            [(m.key, f"{m.size:,}", f"{m.offset_a:,}", f"{m.offset_b:,}")
             for m in c.moves], "<>>>")
    line("only in A", _names(c.only_a))
    line("only in B", _names(c.only_b))
    if c.changed:
        line("changed", f"{_names(c.changed)} (lifetime or size differs)")
    line("higher", f"{len(c.stretches):,} stretches of time where the tops differ"
                   + (", largest first" if len(c.stretches) > 1 else ""))
    largest = sorted(c.stretches, key=lambda s: (-abs(s.difference), s.start))
    _listed(("from", "to", "top A", "top B", "B - A"),
            [(f"{s.start:,}", f"{s.end:,}", f"{s.top_a:,}", f"{s.top_b:,}",
              f"{s.difference:+,}") for s in largest], ">>>>>")


def _listed(header: tuple[str, ...], rows: list[tuple[str, ...]], align: str) -> None:
    if not rows:
        return
    print(format_table(header, rows[:LISTED], align=align, indent="  "))
    if len(rows) > LISTED:
        print(f"  ... and {len(rows) - LISTED:,} more (--json lists all)")


def _names(keys: tuple[str, ...]) -> str:
    if not keys:
        return "none"
    shown = ", ".join(keys[:LISTED])
    more = f", ... and {len(keys) - LISTED:,} more" if len(keys) > LISTED else ""
    return f"{len(keys):,}: {shown}{more}"


COMMAND = Command("compare", "two plans side by side", USAGE, (COMPARE, OUTPUT), define,
                  run)
