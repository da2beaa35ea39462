"""Exact feasibility searches of one problem at any capacity, each with its
own time budget, stopped together by one cancel: the probes of
:func:`minimalloc.analysis.minimize.minimize` and the subset checks of
:func:`minimalloc.analysis.explain.explain`.

>>> from minimalloc.model import Buffer, Problem
>>> searches = FeasibilitySearch(Problem((Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 4))))
>>> status, solution, _ = searches.solve(7, None)
>>> status.name, solution
('INFEASIBLE', None)
>>> searches.solve(8, 1.0)[1].offsets
(0, 4)
"""

from __future__ import annotations

from dataclasses import replace

from minimalloc.model import Problem, Solution
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import Solver
from minimalloc.search.stats import SearchStats

__all__ = ["FeasibilitySearch"]


class FeasibilitySearch:
    """Exact feasibility searches on a problem, at any capacity.

    INFEASIBLE is always a proof; where the search cannot see every
    placement and nothing decides it, the status is UNDECIDED.
    """

    def __init__(self, problem: Problem, params: SolverParams | None = None) -> None:
        base = params if params is not None else SolverParams()
        self.params = replace(base, timeout=None, minimize_capacity=False)
        self.problem = problem
        self.cancelled = False
        self._current: Solver | None = None

    def cancel(self) -> None:
        """Stop the running search (it returns CANCELLED) and every later one."""
        self.cancelled = True
        current = self._current
        if current is not None:
            current.cancel()

    def solve(self, capacity: int, budget: float | None
              ) -> tuple[Status, Solution | None, SearchStats]:
        """Search at ``capacity`` for at most ``budget`` seconds (None: no
        limit).  The solution is in the full problem's buffer order."""
        solver = Solver(replace(self.params, timeout=budget))
        self._current = solver
        if self.cancelled:
            solver.cancel()
        result = solver.solve(self.problem, capacity=capacity)
        self._current = None
        return result.status, result.solution, result.stats
