"""The spill section of the benchmark: A-K squeezed to 95% of their LOAD.

Each instance gets a capacity of ``floor(0.95 x LOAD)``, so some buffers
must move to a second memory; :func:`minimalloc.analysis.spill.spill` plans
within ``timeout`` seconds.  The table gives the bytes moved against the
covering bound (no plan moves less), their ratio (the target: within 1.10),
whether the plan is proven cheapest, and that it is valid.
"""

from __future__ import annotations

import time
from pathlib import Path

from minimalloc.analysis.covering import HAVE_HIGHS
from minimalloc.analysis.spill import spill
from minimalloc.bounds import max_load
from minimalloc.formats.csv import read_csv
from minimalloc.tables import format_table
from minimalloc.validate import validate

__all__ = ["SHARE", "TARGET", "report_spill"]

#: The capacity as a share of the LOAD.
SHARE = 0.95
#: Spilled bytes within this factor of the covering bound count as on target.
TARGET = 1.10


def report_spill(shared: Path, names: list[str], timeout: float) -> None:
    """Plan each instance's spill and print the table."""
    print(f"Spill: A-K at {SHARE:.0%} of their LOAD, {timeout:g} s each; target: spilled "
          f"bytes within {TARGET:.2f}x the covering bound"
          + ("" if HAVE_HIGHS else " (HiGHS not installed: greedy covers and "
             "combinatorial bounds)"))
    print()
    rows = []
    on_target = proven = 0
    for name in names:
        problem = read_csv(shared / "benchmarks" / "challenging" / f"{name}.1048576.csv")
        load = max_load(problem)
        capacity = int(SHARE * load)
        started = time.perf_counter()
        plan = spill(problem, capacity, timeout=timeout)
        seconds = time.perf_counter() - started
        ok = plan.solution is not None and validate(plan.problem, plan.solution).ok
        ratio = plan.spilled_bytes / plan.lower_bound if plan.lower_bound else float("inf")
        on_target += ratio <= TARGET
        proven += plan.proven
        rows.append((name, str(len(problem.buffers)), f"{load:,}", f"{capacity:,}",
                     str(len(plan.spilled)), f"{plan.spilled_bytes:,}",
                     f"{plan.lower_bound:,}", f"{ratio:.3f}",
                     "yes" if plan.proven else "no", "yes" if ok else "NO",
                     f"{seconds:.1f}", str(plan.covers), str(plan.searches)))
    headers = ("instance", "buffers", "LOAD", "capacity", "moved", "spilled bytes",
               "bound", "ratio", "proven", "valid", "seconds", "covers", "searches")
    print(format_table(headers, rows))
    print()
    print(f"{on_target} of {len(names)} within {TARGET:.2f}x of the bound; {proven} proven "
          "cheapest")
