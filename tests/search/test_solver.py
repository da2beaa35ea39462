"""solve(): answers agree with brute force; limits, cancel, minimise, IIS."""

from __future__ import annotations

import itertools
import random
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import brute_force_feasible, brute_force_min_height
from reference_data import BENCHMARKS, CAPACITY, needs_shared

from minimalloc import (
    Buffer,
    Gap,
    Problem,
    ProblemError,
    Solver,
    SolverParams,
    Status,
    iis,
    read_csv,
    solve,
    validate,
)
from minimalloc.model import MAX_TOTAL, MAX_VALUE
from minimalloc.params import TECHNIQUES
from minimalloc.search import kernel as _search


@st.composite
def small_problems(draw, gaps: bool = False):
    """Up to five buffers with alignment, fixed offsets and (optionally) gaps."""
    buffers = []
    for index in range(draw(st.integers(1, 5))):
        lower = draw(st.integers(0, 6))
        upper = lower + draw(st.integers(1, 6))
        size = draw(st.sampled_from([0, 1, 2, 3, 4, 1, 2, 3, 4]))
        alignment = draw(st.sampled_from([1, 1, 2, 3]))
        offset = None
        if draw(st.integers(0, 4)) == 0:
            offset = alignment * draw(st.integers(0, 3))
        buffer_gaps = ()
        if gaps and upper - lower >= 3 and draw(st.booleans()):
            glo = draw(st.integers(lower + 1, upper - 2))
            ghi = draw(st.integers(glo + 1, upper - 1))
            buffer_gaps = (Gap(glo, ghi),)
        buffers.append(Buffer(f"b{index}", lower, upper, size, alignment,
                              gaps=buffer_gaps, offset=offset))
    capacity = draw(st.integers(1, sum(b.size for b in buffers) + 4))
    return Problem(buffers, capacity)


@settings(max_examples=300, deadline=None)
@given(small_problems())
def test_feasibility_agrees_with_brute_force(problem):
    result = solve(problem)
    assert result.status in (Status.OK, Status.INFEASIBLE)
    assert (result.status is Status.OK) == brute_force_feasible(problem, problem.capacity)
    if result.ok:
        assert validate(problem, result.solution).ok


@settings(max_examples=150, deadline=None)
@given(small_problems(gaps=True))
def test_gaps_without_windows_agree_with_brute_force(problem):
    # Gaps that start strictly inside the lifespan: the sweep then removes the
    # buffer from the sections inside the gap, and search is complete.
    result = solve(problem)
    assert (result.status is Status.OK) == brute_force_feasible(problem, problem.capacity)
    if result.ok:
        assert validate(problem, result.solution).ok


def _sample_problems(count: int, seed: int) -> list[Problem]:
    rng = random.Random(seed)
    problems = []
    while len(problems) < count:
        buffers = []
        for index in range(rng.randint(3, 5)):
            lower = rng.randint(0, 5)
            buffers.append(Buffer(f"b{index}", lower, lower + rng.randint(1, 6),
                                  rng.randint(1, 4), rng.choice([1, 1, 2])))
        total = sum(b.size for b in buffers)
        problems.append(Problem(buffers, rng.randint(max(b.size for b in buffers), total)))
    return problems


def test_every_combination_of_switches_agrees_with_brute_force():
    problems = _sample_problems(8, seed=11)
    expected = [brute_force_feasible(p, p.capacity) for p in problems]
    assert any(expected) and not all(expected)  # the sample has both answers
    names = list(TECHNIQUES)
    for values in itertools.product([True, False], repeat=len(names)):
        params = SolverParams(**dict(zip(names, values)))
        for problem, feasible in zip(problems, expected):
            result = solve(problem, params)
            assert (result.status is Status.OK) == feasible, (params, problem)
            if result.ok:
                assert validate(problem, result.solution).ok


@settings(max_examples=100, deadline=None)
@given(small_problems(), st.integers(0, 4))
def test_removing_a_buffer_never_makes_a_feasible_problem_infeasible(problem, which):
    if solve(problem).status is not Status.OK or len(problem.buffers) < 2:
        return
    smaller = problem.subset(i for i in range(len(problem.buffers))
                             if i != which % len(problem.buffers))
    assert solve(smaller).status is Status.OK


@settings(max_examples=60, deadline=None)
@given(small_problems())
def test_minimize_capacity_finds_the_brute_force_optimum(problem):
    free = problem.without_fixed_offsets().with_capacity(
        max(1, sum(b.size for b in problem.buffers) * 3))
    result = solve(free, SolverParams(minimize_capacity=True))
    assert result.ok
    assert result.solution.height == brute_force_min_height(free)


def test_fixed_offsets_and_alignment_are_honoured():
    problem = Problem([Buffer("fixed", 0, 10, 4, offset=6), Buffer("a", 2, 5, 3, 4),
                       Buffer("b", 3, 8, 2)], capacity=10)
    result = solve(problem)
    assert result.ok
    assert result.solution.offsets[0] == 6
    assert result.solution.offsets[1] % 4 == 0
    assert validate(problem, result.solution).ok


def test_buffers_of_size_zero_occupy_nothing():
    problem = Problem([Buffer("empty", 0, 5, 0), Buffer("a", 0, 5, 4),
                       Buffer("pinned", 2, 3, 0, offset=4), Buffer("b", 1, 4, 4)],
                      capacity=8)
    result = solve(problem, trace=1000)
    assert result.ok
    assert result.solution.offsets[0] == 0 and result.solution.offsets[2] == 4
    assert validate(problem, result.solution).ok
    from minimalloc.search.trace import TraceReplay

    assert TraceReplay(problem, result).check() == []
    beyond = Problem([Buffer("pinned", 0, 1, 0, offset=9), Buffer("a", 0, 1, 1)],
                     capacity=8)
    assert solve(beyond).status is Status.INFEASIBLE


def test_an_empty_problem_is_solved_with_height_zero():
    result = solve(Problem((), capacity=1))
    assert result.ok and result.solution.offsets == () and result.solution.height == 0


def test_a_capacity_is_required():
    with pytest.raises(ProblemError, match="capacity"):
        solve(Problem([Buffer("a", 0, 1, 1)]))


def test_an_unknown_heuristic_letter_is_a_clear_error():
    with pytest.raises(ProblemError, match="unknown preordering heuristic 'WXQ'"):
        SolverParams(preordering_heuristics=("WAT", "WXQ"))


def _benchmark(name: str) -> Problem:
    path = BENCHMARKS / "challenging" / f"{name}.{CAPACITY}.csv"
    return read_csv(path, capacity=CAPACITY)


@needs_shared
def test_a_time_limit_stops_the_search_with_timeout():
    result = solve(_benchmark("A"), SolverParams(timeout=0.2))  # takes seconds in full
    assert result.status is Status.TIMEOUT
    assert result.solution is None
    assert result.stats.nodes > 0


@needs_shared
def test_a_solve_can_be_cancelled_from_another_thread():
    solver = Solver()
    problem = _benchmark("A")
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(r=solver.solve(problem)))
    worker.start()
    while solver.nodes_so_far == 0 and worker.is_alive():
        pass
    solver.cancel()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert outcome["r"].status is Status.CANCELLED
    assert solver.nodes_so_far > 0


def test_minimize_capacity_on_the_example_reaches_the_optimum():
    buffers = [Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
               Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)]
    result = solve(Problem(buffers, 100), SolverParams(minimize_capacity=True))
    assert result.ok and result.solution.height == 12


def test_iis_is_infeasible_and_minimal():
    buffers = [Buffer("a", 0, 4, 3), Buffer("b", 1, 5, 3), Buffer("c", 2, 6, 3),
               Buffer("far", 10, 12, 1), Buffer("d", 0, 2, 1)]
    problem = Problem(buffers, capacity=8)
    subset = iis(problem)
    assert subset == [0, 1, 2]
    assert solve(problem.subset(subset)).status is Status.INFEASIBLE
    for dropped in subset:
        rest = [i for i in subset if i != dropped]
        assert solve(problem.subset(rest)).ok


def test_iis_of_a_feasible_problem_is_empty():
    assert iis(Problem([Buffer("a", 0, 1, 1)], capacity=1)) == []


def test_trace_counts_equal_the_statistics():
    problem = _sample_problems(1, seed=5)[0].with_capacity(6)
    result = solve(problem, trace=100_000)
    events = result.trace[:, 0]
    assert not result.trace_truncated
    assert (events == _search.EV_NODE).sum() == result.stats.nodes
    assert (events == _search.EV_BACKTRACK).sum() == result.stats.backtracks
    assert (events == _search.EV_PLACE).sum() == result.stats.placements
    assert (events == _search.EV_PRUNE).sum() == result.stats.prunes["inference"]
    assert (events == _search.EV_HATLESS).sum() == result.stats.prunes["hatless"]
    skips = result.trace[events == _search.EV_SKIP, 3]
    assert (skips == 0).sum() == result.stats.prunes["canonical"]
    assert (skips == 1).sum() == result.stats.prunes["dominance"]


@needs_shared
def test_trace_on_and_off_give_identical_results():
    problem = _benchmark("C")
    plain = solve(problem)
    traced = solve(problem, trace=50)
    assert plain.status == traced.status
    assert plain.solution == traced.solution
    assert plain.stats.backtracks == traced.stats.backtracks
    assert traced.trace_truncated and len(traced.trace) == 50


# ---------------------------------------------------------------- the largest values


HALF = MAX_TOTAL // 2  # 2^60: two of them fill the largest total allowed


def test_two_buffers_of_the_largest_size_never_wrap():
    # Two buffers of 2^62 once wrapped to a negative height and "fitted".
    pair = [Buffer("a", 0, 2, HALF), Buffer("b", 1, 3, HALF)]
    fits = solve(Problem(pair, MAX_TOTAL))
    assert fits.ok and sorted(fits.solution.offsets) == [0, HALF]
    assert fits.solution.height == MAX_TOTAL
    assert validate(Problem(pair, MAX_TOTAL), fits.solution).ok
    assert solve(Problem(pair, MAX_TOTAL - 1)).status is Status.INFEASIBLE
    apart = [Buffer("a", 0, 2, HALF), Buffer("b", 2, 3, HALF)]
    assert solve(Problem(apart, HALF)).solution.offsets == (0, 0)


def test_the_largest_values_solve_in_every_mode():
    buffers = [
        Buffer("a", -MAX_VALUE, MAX_VALUE, HALF // 2, alignment=HALF // 4),
        Buffer("b", 0, MAX_VALUE, HALF // 4, offset=HALF, alignment=HALF // 4),
        Buffer("c", -5, 5, HALF // 8, gaps=(Gap(0, 2, (0, HALF // 16)),)),
    ]
    problem = Problem(buffers, MAX_TOTAL)
    for heuristic in ("WAT", "A", "Z", "TAW"):  # A is size x width: beyond 2^63
        result = solve(problem, SolverParams(preordering_heuristics=(heuristic,)),
                       fallback=True)
        assert result.ok and validate(problem, result.solution).ok
        assert result.fallback is not None and result.fallback.fits
    smallest = solve(problem, SolverParams(minimize_capacity=True))
    assert smallest.ok and validate(problem, smallest.solution).ok
    assert smallest.solution.height == HALF + HALF // 4


def test_area_keys_saturate_instead_of_wrapping():
    from minimalloc.search.solver import _saturated_product

    size = np.array([HALF, 3, 0, MAX_TOTAL], dtype=np.int64)
    width = np.array([2 * MAX_VALUE, 4, 2 * MAX_VALUE, 1], dtype=np.int64)
    most = np.iinfo(np.int64).max
    assert _saturated_product(size, width).tolist() == [most, 12, 0, MAX_TOTAL]


# ---------------------------------------------------------------- capacity= and types


@pytest.mark.parametrize("capacity", [7.5, 8.0, "8", True, 0, -3, MAX_TOTAL + 1, 2**64])
def test_solve_refuses_a_capacity_that_is_not_a_small_positive_integer(capacity):
    problem = Problem([Buffer("a", 0, 2, 4)])
    with pytest.raises(ProblemError, match="capacity|integer"):
        Solver().solve(problem, capacity=capacity)


def test_solve_accepts_numpy_integer_capacities():
    problem = Problem([Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 4)])
    for capacity in (np.int64(8), np.int32(8), np.uint64(8)):
        result = Solver().solve(problem, capacity=capacity)
        assert result.ok and result.capacity == 8 and type(result.capacity) is int
    assert Solver().solve(problem, capacity=np.int64(7)).status is Status.INFEASIBLE


def test_solve_refuses_what_is_not_a_problem():
    with pytest.raises(ProblemError, match="expected a Problem"):
        Solver().solve([Buffer("a", 0, 2, 4)])  # type: ignore[arg-type]
    with pytest.raises(ProblemError, match="expected SolverParams"):
        Solver({"timeout": 1})  # type: ignore[arg-type]


# ---------------------------------------------------------------- time limits, cancel


EXAMPLE = Problem([Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
                   Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)], 12)


@pytest.mark.parametrize("timeout",
                         [float("inf"), 1e300, 10**300, threading.TIMEOUT_MAX * 2])
def test_a_huge_time_limit_means_no_limit(timeout, monkeypatch):
    crashes = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    params = SolverParams(timeout=timeout)
    assert params.timeout is None
    assert solve(EXAMPLE, params).ok
    assert crashes == []  # no timer thread died


def test_a_cancel_applies_to_the_solve_in_progress_only():
    solver = Solver()
    cancelled = solver.solve(EXAMPLE, fallback=lambda baseline: solver.cancel())
    assert cancelled.status is Status.CANCELLED
    assert solver.solve(EXAMPLE).ok  # the next solve starts uncancelled
    solver.cancel()  # between solves: a late cancel of the last one, ignored
    assert solver.solve(EXAMPLE).ok
    assert solver.solve(EXAMPLE).ok


def test_a_fresh_solver_cancelled_before_it_starts_stops_its_first_solve():
    solver = Solver()
    solver.cancel()
    assert solver.solve(EXAMPLE).status is Status.CANCELLED
    assert solver.solve(EXAMPLE).ok


def test_a_time_limit_belongs_to_its_own_solve():
    solver = Solver(SolverParams(timeout=0.05))
    assert solver.solve(EXAMPLE).ok
    time.sleep(0.1)  # the first solve's timer would have fired by now
    assert solver.solve(EXAMPLE).ok
    assert solver.solve(EXAMPLE, capacity=11).status is Status.INFEASIBLE
