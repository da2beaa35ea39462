"""solve(..., fallback=True): a baseline allocation, labelled, known before the search."""

from __future__ import annotations

import threading
import time

import pytest
from reference_data import BENCHMARKS, CAPACITY, needs_shared

from minimalloc.baselines.allocators import allocate, available_allocators
from minimalloc.formats.csv import read_csv
from minimalloc.model import Buffer, Problem
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import Fallback, Solver, solve
from minimalloc.validate import validate

EXAMPLE = Problem((Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
                   Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)), capacity=12)


def _check_fallback(problem: Problem, fallback: Fallback | None, capacity: int) -> None:
    assert fallback is not None
    assert fallback.method in available_allocators()
    assert validate(problem.with_capacity(None), fallback.solution).ok
    assert fallback.fits == (fallback.solution.height <= capacity)
    lowest = min(allocate(problem, name).height for name in available_allocators())
    assert fallback.solution.height == lowest


@pytest.fixture(scope="module")
def benchmark_a() -> Problem:
    return read_csv(BENCHMARKS / "challenging" / f"A.{CAPACITY}.csv", capacity=CAPACITY)


@needs_shared
@needs_shared
def test_timeout_on_a_hard_instance_carries_a_valid_baseline(benchmark_a):
    solver = Solver(SolverParams(timeout=0.05))
    result = solver.solve(benchmark_a, fallback=True)
    assert result.status is Status.TIMEOUT and result.solution is None
    _check_fallback(benchmark_a, result.fallback, CAPACITY)
    assert not result.fallback.fits  # the baselines need about 1.3 x the LOAD
    assert solver.baseline is result.fallback


@needs_shared
@needs_shared
def test_without_fallback_there_is_none(benchmark_a):
    result = solve(benchmark_a, SolverParams(timeout=0.05))
    assert result.status is Status.TIMEOUT and result.fallback is None


@needs_shared
@needs_shared
def test_another_thread_sees_the_baseline_and_stops_the_search(benchmark_a):
    solver = Solver(SolverParams(timeout=60))
    box = {}
    worker = threading.Thread(
        target=lambda: box.setdefault("result", solver.solve(benchmark_a, fallback=True)))
    worker.start()
    waited = time.perf_counter()
    while solver.baseline is None and time.perf_counter() - waited < 30:
        time.sleep(0.005)
    assert solver.baseline is not None
    solver.cancel()
    worker.join(30)
    result = box["result"]
    assert result.status is Status.CANCELLED
    assert result.fallback is solver.baseline
    _check_fallback(benchmark_a, result.fallback, CAPACITY)


def test_success_reports_whether_the_baseline_fits():
    result = solve(EXAMPLE, fallback=True)
    assert result.status is Status.OK
    _check_fallback(EXAMPLE, result.fallback, 12)
    assert result.fallback.fits


def test_infeasible_capacity_still_gets_the_baseline_that_does_not_fit():
    problem = EXAMPLE.with_capacity(11)
    result = solve(problem, fallback=True)
    assert result.status is Status.INFEASIBLE and result.solution is None
    _check_fallback(problem, result.fallback, 11)
    assert not result.fallback.fits


def test_callback_sees_the_baseline_before_the_search():
    solver = Solver()
    seen = []

    def callback(baseline: Fallback) -> None:
        seen.append((baseline, solver.baseline, solver.nodes_so_far))

    result = solver.solve(EXAMPLE, fallback=callback)
    assert result.status is Status.OK
    (baseline, stored, nodes), = seen
    assert baseline is stored is result.fallback
    assert nodes == 0  # the search had not started


def test_callback_can_skip_the_search_when_the_baseline_fits():
    solver = Solver()

    def stop_if_it_fits(baseline: Fallback) -> None:
        if baseline.fits:
            solver.cancel()

    result = solver.solve(EXAMPLE, fallback=stop_if_it_fits)
    assert result.status is Status.CANCELLED  # the status says what the search did
    assert result.fallback.fits
    assert validate(EXAMPLE, result.fallback.solution).ok
    assert result.stats.nodes <= 1


def test_capacity_argument_is_what_fits_is_judged_against():
    result = Solver().solve(EXAMPLE, fallback=True, capacity=11)
    assert result.status is Status.INFEASIBLE
    assert not result.fallback.fits


def test_no_valid_baseline_when_fixed_buffers_collide():
    problem = Problem((Buffer("a", 0, 2, 4, offset=0), Buffer("b", 1, 3, 4, offset=2)), 8)
    solver = Solver()
    result = solver.solve(problem, fallback=True)
    assert result.status is Status.INFEASIBLE
    assert result.fallback is None and solver.baseline is None


def test_minimize_capacity_mode_keeps_the_fallback():
    result = solve(EXAMPLE.with_capacity(40), SolverParams(minimize_capacity=True),
                   fallback=True)
    assert result.status is Status.OK and result.solution.height == 12
    assert result.fallback is not None and result.fallback.fits


def test_the_fallback_baselines_get_the_solve_time_limit(monkeypatch):
    """The baselines race on threads, each watching a deadline of its own:
    the solve must hand them its time limit, not only its stop flag, or
    they run past ``--timeout`` on big problems."""
    from minimalloc.search import solver as solver_module

    seen = []
    real = solver_module.best_baseline

    def spy(problem, capacity, deadline=None, **options):
        seen.append(deadline)
        return real(problem, capacity, deadline, **options)

    monkeypatch.setattr(solver_module, "best_baseline", spy)
    started = time.perf_counter()
    result = solve(EXAMPLE, SolverParams(timeout=7.0), fallback=True)
    assert result.status is Status.OK
    (limit,) = seen
    assert limit.at is not None and started <= limit.at - 7.0 <= time.perf_counter()
