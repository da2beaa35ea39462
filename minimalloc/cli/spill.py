"""``minimalloc --spill`` and ``--pools``: when the buffers do not fit, the
cheapest plan that does, over two or more memories
(:func:`minimalloc.analysis.spill.spill`).

Prints where the buffers went, the bytes moved, the lower bound and whether
the plan is proven cheapest; ``--output`` gets every buffer with its
``offset`` and its ``pool``.  On a terminal a progress line shows the best
plan and the bound so far; Ctrl-C stops the planning with the best valid
plan found until then (reported and written as any other), and exits 130.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from absl import flags

from minimalloc.analysis.spill import Spiller, SpillPlan, SpillProgress
from minimalloc.cli import writing
from minimalloc.cli.command import EXIT_INTERRUPTED, EXIT_NOT_SOLVED, EXIT_OK
from minimalloc.cli.flags import UsageError, define_string, define_switch, given
from minimalloc.cli.progress import Progress, interruptible
from minimalloc.cli.report import line
from minimalloc.errors import ProblemError
from minimalloc.formats.detect import Reading
from minimalloc.jit import warmup
from minimalloc.model import Pool
from minimalloc.params import SolverParams
from minimalloc.pools import format_bytes, parse_pools
from minimalloc.validate import validate

__all__ = ["DEFAULT_TIMEOUT", "define_spill", "pools_flag", "run_spill"]

#: Seconds the spill planner takes without --timeout.
DEFAULT_TIMEOUT = 10.0


def define_spill(values: flags.FlagValues, group: str) -> None:
    define_switch(values, group, "spill", False, "If the buffers do not fit --capacity, "
                  "move the cheapest set to a second memory (pool 'spill') so the rest "
                  "fits; the output gets a pool column (main or spill).  Prints the bytes "
                  "moved, the lower bound and whether no plan moves less.")
    define_string(values, group, "pools", "", "Plan over these memories instead, "
                  "cheapest first: name:size[:cost],... e.g. sram:1MiB,dram:64MiB "
                  "(sizes with units; inf for unbounded; costs 0, 1, 2... by default).")


def pools_flag(values: flags.FlagValues) -> tuple[Pool, ...] | None:
    """The pools ``--pools`` names (None if not given)."""
    if not values.pools:
        return None
    try:
        return parse_pools(values.pools)
    except ProblemError as error:
        raise UsageError(f"--pools: {error}") from None


def run_spill(reading: Reading, values: flags.FlagValues, params: SolverParams,
              output: Path | None) -> int:
    """Plan, report, validate if asked, write."""
    pools = pools_flag(values)
    problem = reading.problem
    warmup(trace=False)
    timeout = values.timeout if given(values, "timeout") else DEFAULT_TIMEOUT
    started = time.perf_counter()
    progress = Progress("spill")
    spiller = Spiller(params)

    def show(now: SpillProgress) -> None:
        progress.details = progress_details(now)

    plan = interruptible(
        lambda: spiller.spill(problem, pools=pools, timeout=timeout, on_progress=show),
        spiller.cancel, progress=progress, finish_on_cancel=True)
    line("time", f"{time.perf_counter() - started:.3f} s")
    if plan.cancelled:
        line("interrupted", "stopped early: the best plan found so far")
    report(plan)
    stopped = EXIT_INTERRUPTED if plan.cancelled else EXIT_NOT_SOLVED
    if plan.solution is None:
        return stopped
    if values.validate:
        verdict = validate(plan.problem, plan.solution)
        line("validation", "PASS" if verdict.ok else
             f"FAIL ({verdict.code.value}): {verdict.message}")
        if not verdict.ok:
            return EXIT_NOT_SOLVED
    if output is not None:
        planned = dataclasses.replace(reading, problem=plan.problem)
        writing.write_plan(planned, values, plan.solution, output)
        line("output", f"{output} (offsets and pools from the spill plan)")
    return EXIT_INTERRUPTED if plan.cancelled else EXIT_OK


def progress_details(now: SpillProgress) -> str:
    """The progress line's text: the pool being filled, the least weight a
    plan moves out of it so far, the bound, the gap."""
    if now.moved is None:
        best = "no plan yet"
    else:
        gap = now.moved - now.bound
        share = f" ({100 * gap / now.bound:.1f} %)" if now.bound else ""
        best = f"best moves {now.moved:,}  bound {now.bound:,}  gap {gap:,}{share}"
    return f"{now.pool}: {best}  covers {now.covers}  searches {now.searches}"


def report(plan: SpillPlan) -> None:
    """The plan's result lines."""
    status = {"fits": "fits, nothing to move", "proven": "proven cheapest",
              "found": "a plan, not proven cheapest", "infeasible": "no plan fits",
              "not found": "no plan found in time"}[plan.status]
    line("status", status)
    heights = plan.heights()
    for pool in plan.pools:
        members = len(plan.pool_members(pool.name))
        limit = "" if pool.capacity is None else f" (capacity {pool.capacity})"
        line(pool.name, f"height {heights[pool.name]}{limit}, {members} buffer"
                        f"{'' if members == 1 else 's'}, cost {pool.cost:g} per unit")
    if plan.solution is not None:
        count = len(plan.spilled)
        line("spilled", f"{count} buffer{'' if count == 1 else 's'}, "
                        f"{plan.spilled_bytes:,} bytes ({format_bytes(plan.spilled_bytes)})"
                        f"; cost {plan.cost:,}")
    line("lower bound", f"{plan.lower_bound:,} ({plan.bound_method})")
    if plan.solution is not None:
        if plan.proven:
            line("cheapest", "yes (proven: the cost equals the lower bound)")
        else:
            gap = plan.gap
            share = f", {100 * gap / plan.lower_bound:.2f} %" if plan.lower_bound else ""
            line("cheapest", f"not proven (gap {gap:,}{share} above the lower bound)")
    print()
    print(plan.message())
    print()
