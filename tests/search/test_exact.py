"""The exact model (:func:`minimalloc.search.completeness.decide`) against brute force.

It must be complete where the canonical search is not: whatever it finds is
valid, and "none" holds only where brute force finds nothing either.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import brute_force_solution, tiny_problem, valid

from minimalloc import Buffer, Gap, Problem, Solver, SolverParams, Status
from minimalloc.search.completeness import ExactAnswer, decide

pytest.importorskip("ortools", reason="the exact model needs the 'exact' extra")

SETTINGS = dict(deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def tiny_problems(draw) -> Problem:
    return tiny_problem(lambda lo, hi: draw(st.integers(lo, hi)))


@settings(max_examples=150, **SETTINGS)
@given(tiny_problems(), st.integers(-2, 2))
def test_the_exact_model_agrees_with_brute_force(problem, shift):
    capacity = max(1, problem.capacity + shift)
    answer = decide(problem, capacity)
    expected = brute_force_solution(problem, capacity)
    if expected is None:
        assert answer.outcome == "none"
    else:
        assert answer.outcome == "found"
        assert valid(problem, answer.offsets, capacity)


def test_it_nests_a_buffer_under_a_raised_window():
    # b fits only below a's raised window at time 1, at the same offset.
    problem = Problem((Buffer("a", 0, 3, 4, alignment=2, gaps=(Gap(1, 2, (2, 4)),)),
                       Buffer("b", 1, 2, 2, alignment=2)))
    assert decide(problem, 4).offsets == (0, 0)
    assert decide(problem, 3).outcome == "none"


def test_it_interleaves_two_windowed_buffers():
    # a is low then high, b high then low: they swap places half way.
    a = Buffer("a", 0, 4, 4, gaps=(Gap(0, 2, (0, 2)), Gap(2, 4, (2, 4))))
    b = Buffer("b", 0, 4, 4, gaps=(Gap(0, 2, (2, 4)), Gap(2, 4, (0, 2))))
    answer = decide(Problem((a, b)), 4)
    assert answer.outcome == "found" and answer.offsets == (0, 0)


def test_a_set_stop_flag_stops_it():
    problem = Problem((Buffer("a", 0, 3, 4, gaps=(Gap(1, 2, (2, 4)),)),
                       Buffer("b", 1, 2, 1)))
    assert decide(problem, 4, np.ones(1, np.int64)).outcome == "stopped"


def test_a_solve_whose_exact_model_runs_out_of_time_says_so():
    problem = Problem((Buffer("a", 0, 3, 4, gaps=(Gap(1, 2, (2, 4)),)),
                       Buffer("b", 1, 2, 1)), 4)
    out_of_time = ExactAnswer("stopped", reason="the exact model ran out of time "
                              "after 1.0 s")
    with mock.patch("minimalloc.search.solver.decide", lambda *args: out_of_time):
        result = Solver(SolverParams(timeout=5)).solve(problem)
    assert result.status is Status.TIMEOUT
    assert "'b' can sit inside the window of 'a'" in result.reason
    assert "ran out of time" in result.reason


def test_a_long_search_leaves_the_exact_model_its_share_of_the_time(monkeypatch):
    import time

    import minimalloc.search.solver as solver_module
    from minimalloc.search import kernel as _search

    def endless_search(prepared, capacity, params, control, trace):
        while control[_search.CONTROL_STOP] == 0:  # as the kernel: until stopped
            time.sleep(0.01)
        n = len(prepared.arrays.size)
        return (_search.DEADLINE, np.full(n, -1, np.int64),
                np.zeros(_search.NUM_STATS, np.int64), np.zeros((0, 5), np.int64), None)

    monkeypatch.setattr(solver_module, "_run_kernel", endless_search)
    problem = Problem((Buffer("a", 0, 3, 4, gaps=(Gap(1, 2, (2, 4)),)),
                       Buffer("b", 1, 2, 1)), 4)
    started = time.perf_counter()
    result = Solver(SolverParams(timeout=4)).solve(problem)
    assert result.status is Status.OK and result.solution.offsets == (0, 0)
    assert time.perf_counter() - started < 4
    # Without windowed gaps the search is complete and keeps the whole limit.
    plain = Problem((Buffer("a", 0, 3, 4), Buffer("b", 1, 2, 1)), 5)
    assert Solver(SolverParams(timeout=0.5)).solve(plain).status is Status.TIMEOUT
