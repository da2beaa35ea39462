"""A problem with more overlapping pairs than the exact search can hold in
memory: the search is skipped and the best baseline answers, honestly
labelled (``MAX_OVERLAP_PAIRS`` is made small here)."""

from __future__ import annotations

import pytest

from minimalloc.generate.problems import random_problem
from minimalloc.model import Buffer, Problem
from minimalloc.params import SolverParams, Status
from minimalloc.search import solver as solver_module
from minimalloc.search.solver import Solver, solve
from minimalloc.search.sweep import count_overlaps, sweep
from minimalloc.validate import validate


@pytest.fixture
def small_budget(monkeypatch):
    monkeypatch.setattr(solver_module, "MAX_OVERLAP_PAIRS", 50)


@pytest.mark.parametrize("seed", range(5))
def test_the_count_is_the_pairs_the_sweep_lists(seed):
    problem = random_problem(300, seed=seed, capacity=10**9)
    listed = len(sweep(problem).overlap_buffer)  # each pair both ways
    assert count_overlaps(problem) * 2 == listed


def test_touching_lifespans_do_not_overlap():
    problem = Problem([Buffer("a", 0, 2, 1), Buffer("b", 2, 4, 1), Buffer("c", 1, 3, 1),
                       Buffer("d", 0, 4, 1)])
    assert count_overlaps(problem) == 5  # all but a-b
    assert count_overlaps(Problem([Buffer("a", 0, 2, 1)])) == 0


def test_too_many_pairs_gives_a_valid_baseline_marked_unsearched(small_budget):
    problem = random_problem(200, seed=3, capacity=10**9)
    result = solve(problem)
    assert result.status is Status.OK and not result.searched
    assert validate(problem, result.solution).ok
    assert result.solution is result.fallback.solution
    pairs = count_overlaps(problem)
    assert f"{pairs:,} pairs" in result.reason and "not run" in result.reason
    assert result.stats.nodes == 0


def test_a_baseline_that_does_not_fit_is_undecided_not_infeasible(small_budget):
    problem = random_problem(200, seed=3, capacity=100)
    result = Solver(SolverParams(minimize_capacity=True)).solve(problem)
    assert result.status is Status.UNDECIDED and result.solution is None
    assert not result.searched and not result.fallback.fits
    assert validate(problem.with_capacity(None), result.fallback.solution).ok


def test_colliding_fixed_buffers_are_still_infeasible(small_budget):
    buffers = [Buffer(f"b{i}", 0, 4, 1) for i in range(12)]
    buffers += [Buffer("x", 0, 2, 4, offset=0), Buffer("y", 1, 3, 4, offset=2)]
    result = solve(Problem(buffers, capacity=100))
    assert result.status is Status.INFEASIBLE and not result.searched


def test_within_the_budget_the_search_runs():
    problem = random_problem(200, seed=3, capacity=10**9)
    result = solve(problem)
    assert result.status is Status.OK and result.searched and result.reason is None
    assert result.stats.nodes > 0 and validate(problem, result.solution).ok


def test_a_cancel_reaches_the_baselines_deadline(small_budget, monkeypatch):
    """The baselines race on threads under deadlines of their own, linked to
    the one the solver hands them: Solver.cancel() must cancel that one (the
    shared stop flag alone does not reach them), and the solve then ends."""
    import threading

    handed = []
    started = threading.Event()

    def waiting_baseline(problem, capacity, deadline=None, **options):
        handed.append(deadline)
        started.set()
        for _ in range(1000):  # at most 10 s, then the test fails below
            if deadline.cancelled:
                break
            threading.Event().wait(0.01)
        return None

    monkeypatch.setattr(solver_module, "best_baseline", waiting_baseline)
    solver = Solver(SolverParams(timeout=None))
    box = {}
    worker = threading.Thread(target=lambda: box.update(result=solver.solve(
        random_problem(200, seed=3, capacity=10**9))))
    worker.start()
    assert started.wait(60)
    solver.cancel()
    worker.join(60)
    assert not worker.is_alive()
    assert handed[0].cancelled and "result" in box
