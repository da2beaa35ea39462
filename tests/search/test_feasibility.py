"""Feasibility searches of one problem at any capacity, stopped together."""

from __future__ import annotations

from minimalloc.generate.problems import random_problem
from minimalloc.model import Buffer, Problem
from minimalloc.params import SolverParams, Status
from minimalloc.search.feasibility import FeasibilitySearch
from minimalloc.validate import validate

FIVE = Problem((Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
                Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)))


def test_each_capacity_is_decided_on_the_whole_problem():
    searches = FeasibilitySearch(FIVE)
    status, solution, stats = searches.solve(11, None)
    assert (status, solution) == (Status.INFEASIBLE, None) and stats.nodes > 0
    status, solution, _ = searches.solve(12, 5.0)
    assert status is Status.OK
    assert validate(FIVE.with_capacity(12), solution).ok


def test_the_problem_s_own_limits_give_way_to_each_budget():
    # A time limit and minimize_capacity in the params would change what one
    # search means; each search has its own budget instead.
    searches = FeasibilitySearch(FIVE, SolverParams(timeout=0.0, minimize_capacity=True))
    assert searches.params.timeout is None and not searches.params.minimize_capacity
    status, solution, _ = searches.solve(16, None)
    assert status is Status.OK and solution.height <= 16


def test_a_cancel_stops_this_search_and_every_later_one():
    problem = random_problem(60, seed=2, mean_lifetime=20)
    searches = FeasibilitySearch(problem)
    searches.cancel()
    assert searches.cancelled
    for capacity in (1, 10**9):
        status, solution, _ = searches.solve(capacity, None)
        assert status is Status.CANCELLED and solution is None
