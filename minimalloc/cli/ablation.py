"""``minimalloc ablation``: the search with each technique switched off in
turn, as in the paper's ablation study, as a table."""

from __future__ import annotations

import sys

from absl import flags

from minimalloc.analysis.ablation import ablation_table, run_ablation
from minimalloc.cli import inputs
from minimalloc.cli.command import EXIT_OK, PROG, Command
from minimalloc.cli.flags import UsageError, define_duration
from minimalloc.cli.progress import interruptible
from minimalloc.cli.search_flags import SEARCH, define_search, solver_params

__all__ = ["COMMAND"]

USAGE = f"""\
usage: {PROG} ablation --input=IN.csv --capacity=N [--timeout=20s]

Solves the problem with each search technique switched off in turn (and with
nothing switched off), as in the paper's ablation study, and prints a table.
"""


def define(values: flags.FlagValues) -> None:
    inputs.define_input(values)
    define_duration(values, SEARCH, "timeout", 20.0, "The time limit per variant.")
    define_search(values, switches=False)


def run(values: flags.FlagValues, rest: list[str]) -> int:
    if rest:
        raise UsageError(f"unexpected argument '{rest[0]}' (flags are spelt --name=value)")
    capacity = inputs.capacity(values, required=not values.sample)
    params = solver_params(values)
    reading = inputs.read_input(values, capacity)
    problem = reading.problem
    if problem.capacity is None:
        raise UsageError(f"--capacity=N is required: {reading.name} does not give one")
    timeout = values.timeout
    limit = "no limit" if timeout is None else f"{timeout:g} s limit per variant"
    print(f"ablation: {reading.name}, {len(problem.buffers)} buffers, capacity "
          f"{problem.capacity}, {limit}")
    print()
    state: dict[str, object] = {"interrupted": False, "solver": None}

    def on_start(variant: str, solver) -> None:
        state["solver"] = solver
        if state["interrupted"]:
            solver.cancel()

    def on_row(row) -> None:
        if sys.stderr.isatty():
            print(f"  {row.label}: {row.status.value}, {row.seconds:.2f} s",
                  file=sys.stderr)

    def cancel() -> None:
        state["interrupted"] = True
        if state["solver"] is not None:
            state["solver"].cancel()

    rows = interruptible(
        lambda: run_ablation(problem, timeout, params, on_start=on_start, on_row=on_row),
        cancel)
    print(ablation_table(rows))
    print()
    finished = sum(row.finished for row in rows)
    print(f"finished: {finished} of {len(rows)} variants (solved or proven infeasible)")
    return EXIT_OK


COMMAND = Command("ablation", "switch each search technique off in turn", USAGE,
                  (inputs.INPUT, SEARCH, inputs.MODEL), define, run)
