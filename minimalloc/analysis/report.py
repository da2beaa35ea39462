"""Everything a one-page report of a problem holds (``minimalloc report``):
the allocation shown, how it was found, the search statistics, the
baselines' heights, and why the problem does not fit when it does not.

:func:`build_report` does the work; turning it into a page is the app's
(:mod:`app.reports`), so that the library needs no plotting package.

* A file whose every buffer has an offset is a plan: the report shows that
  plan (checked, see :func:`minimalloc.analysis.compare.plan_from`).
* With a capacity, the exact search runs (the best baseline stands in if it
  runs out of time); when the problem does not fit,
  :func:`minimalloc.analysis.explain.explain` says why.
* Without one, :func:`minimalloc.analysis.minimize.minimize` finds the
  lowest height it can, with a proof or the gap left.

>>> from minimalloc.model import Buffer, Problem
>>> r = build_report(Problem((Buffer("x", 0, 2, 4), Buffer("y", 1, 3, 4)), 8), "tiny")
>>> r.status, r.solution.height, [row.method for row in r.baselines][:1]
('fits', 8, ['greedy_by_size'])
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from minimalloc.analysis.compare import plan_from
from minimalloc.analysis.explain import Explanation, explain
from minimalloc.analysis.minimize import minimize
from minimalloc.baselines.allocators import allocate, available_allocators
from minimalloc.bounds import lower_bound, max_load
from minimalloc.model import Problem, Solution
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import solve

__all__ = ["BaselineRow", "Report", "build_report"]


@dataclass(frozen=True)
class BaselineRow:
    """One baseline allocator's answer: its height (None: it failed) and
    whether that fits the capacity (None: no capacity)."""

    method: str
    height: int | None
    fits: bool | None
    seconds: float


@dataclass(frozen=True)
class Report:
    """What a report shows.

    ``problem`` has its buffers free (a plan's offsets are in ``solution``);
    ``status`` is ``fits``, ``does not fit``, ``unknown`` (the search ran out
    of time and no baseline fits), ``minimised`` or ``plan``; ``method``
    says where ``solution`` came from; ``statistics`` are ``(counter,
    value)`` rows.
    """

    name: str
    problem: Problem
    solution: Solution | None
    status: str
    method: str
    load: int
    lower_bound: int
    statistics: tuple[tuple[str, str], ...]
    baselines: tuple[BaselineRow, ...]
    explanation: Explanation | None = None
    note: str = ""


def build_report(problem: Problem, name: str, *, timeout: float | None = 10.0,
                 params: SolverParams | None = None) -> Report:
    """Solve (or minimise, or check the plan of) ``problem`` and gather what
    its report shows; ``timeout`` bounds each of the search and the
    explanation."""
    started = time.perf_counter()
    if problem.buffers and all(b.offset is not None for b in problem.buffers):
        plan = plan_from(problem, name)
        free = plan.problem.with_capacity(problem.capacity)
        return _report(name, free, plan.solution, "plan", "the file's offsets",
                       (("seconds", f"{time.perf_counter() - started:.3f}"),))
    params = params if params is not None else SolverParams()
    if problem.capacity is None:
        result = minimize(problem, timeout, params)
        proof = "proven optimal" if result.proven_optimal else (
            f"not proven optimal: at most {result.gap:,} above the lower bound")
        return _report(name, problem, result.solution, "minimised",
                       f"{result.method} ({proof})", _counters(result.stats),
                       lower=result.lower_bound)
    result = solve(problem, dataclasses.replace(params, timeout=timeout), fallback=True)
    if result.status is Status.OK:
        return _report(name, problem, result.solution, "fits", "the exact search",
                       _counters(result.stats))
    fallback = result.fallback
    if fallback is not None and fallback.fits:
        return _report(name, problem, fallback.solution, "fits",
                       f"baseline {fallback.method} (the exact search: "
                       f"{result.status.value})", _counters(result.stats))
    explanation = explain(problem, timeout=timeout, params=params)
    status = {True: "fits", False: "does not fit"}.get(explanation.feasible, "unknown")
    shown = fallback.solution if fallback is not None else None
    method = f"baseline {fallback.method}, over the capacity" if shown else "none"
    return _report(name, problem, shown, status, method, _counters(result.stats),
                   explanation=explanation)


def _report(name: str, problem: Problem, solution: Solution | None, status: str,
            method: str, statistics: tuple[tuple[str, str], ...], *,
            lower: int | None = None, explanation: Explanation | None = None) -> Report:
    return Report(name, problem, solution, status, method, max_load(problem),
                  lower if lower is not None else lower_bound(problem), statistics,
                  _baselines(problem), explanation)


def _baselines(problem: Problem) -> tuple[BaselineRow, ...]:
    rows = []
    for method in available_allocators():
        started = time.perf_counter()
        try:
            height: int | None = allocate(problem, method).height
        except Exception:  # noqa: BLE001 - a failing baseline is a row, not the end
            height = None
        fits = None if problem.capacity is None or height is None else (
            height <= problem.capacity)
        rows.append(BaselineRow(method, height, fits, time.perf_counter() - started))
    return tuple(rows)


def _counters(stats) -> tuple[tuple[str, str], ...]:
    rows = [("nodes", f"{stats.nodes:,}"), ("backtracks", f"{stats.backtracks:,}"),
            ("placements", f"{stats.placements:,}")]
    rows += [(f"pruned: {rule.replace('_', ' ')}", f"{count:,}")
             for rule, count in stats.prunes.items()]
    rows += [("partitions", f"{stats.partitions:,}"), ("sections", f"{stats.sections:,}"),
             ("max depth", f"{stats.max_depth:,}"),
             ("search seconds", f"{stats.search_seconds:.3f}")]
    return tuple(rows)
