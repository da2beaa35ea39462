"""The benchmark section for the open instances: D and J of A-K.

Their optimum is not known: the LOAD is below every height found so far.
``minimize`` runs on each with a longer limit than the other instances get
(:data:`OPEN_TIMEOUT`); the table gives the proven lower bound and what
proved it, the height, the gap between them, and the counts that do not
depend on the machine's speed (exact probes, search nodes, window probes).
"""

from __future__ import annotations

import time
from pathlib import Path

from minimalloc.bounds import max_load

__all__ = ["OPEN_INSTANCES", "OPEN_TIMEOUT", "report_open"]

#: The instances of A-K whose optimum is not known.
OPEN_INSTANCES = ("D", "J")
#: ``minimize``'s time limit on them (seconds).
OPEN_TIMEOUT = 120.0


def report_open(shared: Path, timeout: float = OPEN_TIMEOUT,
                names: tuple[str, ...] = OPEN_INSTANCES) -> list[tuple[str, ...]]:
    """Run ``minimize(timeout)`` on each open instance and print a table.

    Returns the table's rows (strings), for tests.
    """
    from minimalloc.analysis.minimize import minimize
    from minimalloc.formats.csv import read_csv
    from minimalloc.tables import format_table

    print(f"Open instances: minimize(timeout={timeout:g}) where the optimum is unknown "
          "(gap = height over the proven bound)")
    print()
    rows = []
    for name in names:
        problem = read_csv(shared / "benchmarks" / "challenging" / f"{name}.1048576.csv")
        started = time.perf_counter()
        result = minimize(problem, timeout=timeout)
        seconds = time.perf_counter() - started
        rows.append((
            name, str(max_load(problem)), str(result.lower_bound), result.bound_method,
            str(result.height), f"{100 * result.relative_gap:.2f} %",
            f"{seconds:.1f}", str(len(result.probes)), str(result.stats.nodes),
        ))
    print(format_table(("instance", "LOAD", "lower bound", "proved by", "height", "gap",
                        "seconds", "exact probes", "search nodes"), rows,
                       align="<>><>>>>>"))
    return rows
