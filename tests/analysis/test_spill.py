"""The spill planner and alias groups against brute force.

On tiny problems :mod:`oracle` tries every assignment of buffers to pools
(and every offset), sharing nothing with the library but the model.  Every
plan must be valid by the oracle's own rules, its lower bound must not pass
the true optimum, its cost must not be below it, and "proven cheapest" must
mean the optimum.  With aliases, heights are held against a brute force
that lets the members of a group share memory.
"""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import (
    brute_force_alias_min_height,
    brute_force_alias_solution,
    cheapest_pool_assignment,
    valid,
)

from minimalloc import Buffer, Pool, Problem, Status, minimize, solve, spill, validate
from minimalloc.analysis import covering
from minimalloc.analysis.spill import Spiller, SpillProgress
from minimalloc.bounds import max_load
from minimalloc.generate.problems import random_problem

SETTINGS = dict(deadline=None, max_examples=40,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def tiny_problems(draw, pinned: bool = False) -> Problem:
    n = draw(st.integers(1, 5))
    buffers = []
    for i in range(n):
        lower = draw(st.integers(0, 5))
        upper = draw(st.integers(lower + 1, 7))
        size = draw(st.integers(1, 4))
        weight = draw(st.one_of(st.none(), st.integers(0, 6)))
        alignment = draw(st.sampled_from([1, 1, 2]))
        pool = draw(st.sampled_from([None, None, None, "main", "spill"])) if pinned \
            else None
        buffers.append(Buffer(f"b{i}", lower, upper, size, alignment=alignment,
                              weight=weight, pool=pool))
    return Problem(tuple(buffers))


def _check_plan(problem: Problem, plan, optimum: float) -> None:
    assert plan.solution is not None
    assert validate(plan.problem, plan.solution).ok
    for pool in plan.pools:
        members = plan.pool_members(pool.name)
        sub = Problem(tuple(problem.buffers[i] for i in members))
        offsets = [plan.solution.offsets[i] for i in members]
        capacity = pool.capacity if pool.capacity is not None else 10**6
        assert valid(sub, offsets, capacity)
    for i, b in enumerate(problem.buffers):
        assert b.pool in (None, plan.solution.pools[i])
    assert plan.lower_bound <= optimum + 1e-9 <= plan.cost + 2e-9
    if plan.proven:
        assert plan.cost == pytest.approx(optimum)


@settings(**SETTINGS)
@given(problem=tiny_problems(pinned=True), slack=st.integers(0, 4))
def test_two_pools_against_brute_force(problem: Problem, slack: int) -> None:
    capacity = max(max(b.size for b in problem.buffers), max_load(problem) - slack)
    pools = (Pool("main", capacity, 0), Pool("spill", None, 1))
    optimum = cheapest_pool_assignment(problem, pools)
    plan = spill(problem, capacity, timeout=20)
    if optimum == float("inf"):  # the buffers pinned to main cannot fit
        assert plan.solution is None
        return
    _check_plan(problem, plan, optimum)


@settings(**SETTINGS)
@given(problem=tiny_problems(), slack=st.integers(1, 4))
def test_greedy_cover_without_highs_against_brute_force(problem: Problem, slack: int,
                                                       monkeypatch_module) -> None:
    capacity = max(max(b.size for b in problem.buffers), max_load(problem) - slack)
    pools = (Pool("main", capacity, 0), Pool("spill", None, 1))
    optimum = cheapest_pool_assignment(problem, pools)
    plan = spill(problem, capacity, timeout=20)
    _check_plan(problem, plan, optimum)
    assert "greedy" in plan.bound_method or plan.status == "fits"


@pytest.fixture(scope="module")
def monkeypatch_module():
    """HiGHS hidden for a whole module's worth of examples."""
    patch = pytest.MonkeyPatch()
    patch.setattr(covering, "HAVE_HIGHS", False)
    yield patch
    patch.undo()


@settings(**SETTINGS)
@given(problem=tiny_problems(), caps=st.tuples(st.integers(2, 5), st.integers(2, 5)))
def test_three_pools_against_brute_force(problem: Problem, caps) -> None:
    pools = (Pool("sram", caps[0], 0), Pool("dram", caps[1], 2), Pool("hbm", None, 3))
    if max(b.size for b in problem.buffers) > caps[0] + caps[1] + 100:
        return
    optimum = cheapest_pool_assignment(problem, pools)
    plan = spill(problem, pools=pools, timeout=20)
    _check_plan(problem, plan, optimum)


@st.composite
def aliased_problems(draw) -> Problem:
    n = draw(st.integers(2, 5))
    buffers: list[Buffer] = []
    for i in range(n):
        lower = draw(st.integers(0, 5))
        upper = draw(st.integers(lower + 1, 7))
        alias = None
        size = draw(st.integers(1, 4))
        if buffers and draw(st.booleans()):
            target = draw(st.sampled_from(buffers))
            alias = target.id
            root = target
            while root.alias is not None:
                root = next(b for b in buffers if b.id == root.alias)
            size = draw(st.integers(1, root.size))
        buffers.append(Buffer(f"b{i}", lower, upper, size, alias=alias))
    return Problem(tuple(buffers))


@settings(**SETTINGS)
@given(problem=aliased_problems())
def test_alias_groups_against_brute_force(problem: Problem) -> None:
    best = brute_force_alias_min_height(problem)
    result = minimize(problem, timeout=20)
    assert validate(problem.with_capacity(None), result.solution).ok
    assert result.lower_bound <= best <= result.height
    if result.proven_optimal:
        assert result.height == best
    at_best = solve(problem.with_capacity(best))
    assert at_best.status is not Status.INFEASIBLE
    if at_best.solution is not None:
        assert validate(problem.with_capacity(best), at_best.solution).ok
    if best > 1:
        below = solve(problem.with_capacity(best - 1))
        assert below.status is not Status.OK
        assert brute_force_alias_solution(problem, best - 1) is None


def test_the_message_names_what_to_move_and_whether_any_plan_moves_less() -> None:
    problem = Problem((Buffer("a", 0, 4, 4096), Buffer("b", 1, 3, 2048),
                       Buffer("c", 2, 6, 3072)))
    plan = spill(problem, 6144, timeout=20)
    assert plan.proven and plan.status == "proven"
    assert plan.message() == ("To fit, move 1 buffer (3 KiB) to spill: 'c'; no plan "
                              "moves less.")
    fits = spill(problem, 10_000, timeout=20)
    assert fits.status == "fits" and fits.spilled == () and "nothing to move" in \
        fits.message()


def test_aliases_move_together() -> None:
    problem = Problem((Buffer("x", 0, 4, 4), Buffer("y", 3, 6, 4, alias="x"),
                       Buffer("z", 0, 6, 4), Buffer("w", 2, 5, 2)))
    plan = spill(problem, 6, timeout=20)
    pools = plan.solution.pools
    assert pools[0] == pools[1] and validate(plan.problem, plan.solution).ok
    # Moving the pair moves 4 bytes once, not twice.
    if 0 in plan.spilled:
        assert plan.spilled_bytes == 4 + sum(
            problem.buffers[i].size for i in plan.spilled if i > 1)


def test_pinned_buffers_that_cannot_fit_give_no_plan() -> None:
    problem = Problem((Buffer("a", 0, 2, 4, pool="main"), Buffer("b", 1, 3, 4,
                                                                 pool="main")))
    plan = spill(problem, 6, timeout=5)
    assert plan.solution is None and plan.status == "infeasible"
    assert "No plan fits" in plan.message()


def test_a_generated_problem_gets_a_valid_plan_in_a_short_time() -> None:
    problem = random_problem(120, seed=3, horizon=200, mean_lifetime=30)
    capacity = int(0.9 * max_load(problem))
    plan = spill(problem, capacity, timeout=3)
    assert plan.solution is not None and validate(plan.problem, plan.solution).ok
    assert plan.lower_bound <= plan.cost
    assert plan.heights()["main"] <= capacity


def test_cancel_ends_the_spill_with_its_best_valid_plan_and_a_true_bound() -> None:
    problem = random_problem(160, seed=5, horizon=200, mean_lifetime=40)
    capacity = int(0.9 * max_load(problem))
    spiller = Spiller()
    seen: list[SpillProgress] = []

    def watch(now: SpillProgress) -> None:
        seen.append(now)
        if len(seen) == 2:
            threading.Thread(target=spiller.cancel).start()

    started = time.perf_counter()
    plan = spiller.spill(problem, capacity, timeout=120, on_progress=watch)
    assert time.perf_counter() - started < 60  # far from the time limit
    assert plan.cancelled and plan.solution is not None
    assert validate(plan.problem, plan.solution).ok
    assert plan.heights()["main"] <= capacity
    assert plan.lower_bound <= plan.cost
    assert seen[0].pool == "main" and seen[0].moved is not None
    assert all(a.bound <= b.bound for a, b in zip(seen, seen[1:]))  # bounds only rise
    assert all(now.moved is None or now.bound <= now.moved for now in seen)


def test_a_cancel_before_the_start_still_gives_a_plan() -> None:
    problem = Problem((Buffer("a", 0, 4, 4), Buffer("b", 1, 3, 2), Buffer("c", 2, 6, 3)))
    spiller = Spiller()
    spiller.cancel()
    plan = spiller.spill(problem, 6, timeout=None)
    assert plan.cancelled and validate(plan.problem, plan.solution).ok
    assert plan.heights()["main"] <= 6
