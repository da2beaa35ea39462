"""Every mode against brute force: answers are valid, and proofs are true.

Tiny problems of awkward shape (:func:`oracle.tiny_problem`: gaps on most
buffers, several each, touching, raised windows, covering the whole
lifespan, fixed offsets, alignment, size 0) are solved with random technique
switches (any of the 512 combinations) and random preordering heuristics,
and held against :mod:`oracle`, which shares nothing with the library but
the problem model:

* a solution always validates by the oracle's own rules;
* INFEASIBLE only when brute force finds no allocation at all;
* nothing is left UNDECIDED: where the canonical search cannot see every
  placement, the exact model decides;
* the canonical search alone finds every *stacked* allocation (one it can
  build, see :func:`oracle.brute_force_stacked_solution`), and says
  UNDECIDED only where windowed gaps let buffers nest or interleave;
* ``minimize``'s lower bound never exceeds the optimum, and "proven optimal"
  is the optimum; ``explain`` never calls a fitting problem unfixable;
* with alias groups and pins drawn on top, every spill plan is valid (each
  group in one pool at one offset, every pool within its capacity), its
  bound never passes the cheapest plan (:func:`oracle.cheapest_spill`),
  "proven cheapest" and "infeasible" are said only when true, and the
  heights of ``minimize`` hold against brute force with the groups.

This is the suite's fast slice; ``make oracle`` runs the long campaign
(``tests/search/oracle_campaign.py``) on the same generator.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import (
    brute_force_alias_min_height,
    brute_force_min_height,
    brute_force_solution,
    brute_force_stacked_solution,
    cheapest_spill,
    group_valid,
    tiny_problem,
    valid,
)

from minimalloc import (
    Buffer,
    Gap,
    Pool,
    Problem,
    ProblemError,
    SolverParams,
    Status,
    iis,
    solve,
    spill,
)
from minimalloc.analysis.explain import explain
from minimalloc.analysis.minimize import minimize, stacking_bound
from minimalloc.bounds import lower_bound
from minimalloc.params import HEURISTIC_KEYS, TECHNIQUES
from minimalloc.search.completeness import ExactAnswer, incomplete_reason

pytest.importorskip("ortools", reason="the exact model needs the 'exact' extra")

# Derandomized: the same examples on every run and machine.
SETTINGS = dict(deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def tiny_problems(draw, max_buffers: int = 5) -> Problem:
    return tiny_problem(lambda lo, hi: draw(st.integers(lo, hi)), max_buffers)


@st.composite
def any_params(draw) -> SolverParams:
    """Any of the 512 switch combinations, one to three random heuristics."""
    switches = {name: draw(st.booleans()) for name in TECHNIQUES}
    letters = st.text(alphabet="".join(HEURISTIC_KEYS), min_size=1, max_size=3)
    heuristics = tuple(draw(st.lists(letters, min_size=1, max_size=3)))
    return SolverParams(timeout=20, preordering_heuristics=heuristics, **switches)


def without_exact_model():
    """The solver as installed without the ``exact`` extra."""
    missing = ExactAnswer("unavailable", reason="the exact model that would decide "
                          "it needs OR-Tools")
    return mock.patch("minimalloc.search.solver.decide", lambda *args: missing)


def _offsets(solution) -> tuple[int, ...]:
    return tuple(solution.offsets)


@settings(max_examples=400, **SETTINGS)
@given(tiny_problems(), any_params())
def test_every_mode_answers_truly(problem, params):
    capacity = problem.capacity
    result = solve(problem, params)
    assert result.status in (Status.OK, Status.INFEASIBLE)
    if result.status is Status.OK:
        assert valid(problem, _offsets(result.solution), capacity)
    else:
        assert brute_force_solution(problem, capacity) is None


@settings(max_examples=250, **SETTINGS)
@given(tiny_problems(), any_params())
def test_the_search_alone_finds_every_stacked_allocation(problem, params):
    capacity = problem.capacity
    with without_exact_model():
        result = solve(problem, params)
    assert result.status in (Status.OK, Status.INFEASIBLE, Status.UNDECIDED)
    if result.status is Status.OK:
        assert valid(problem, _offsets(result.solution), capacity)
        return
    assert brute_force_stacked_solution(problem, capacity) is None, (
        "a stacked allocation exists, the search must find it")
    if result.status is Status.INFEASIBLE:
        assert brute_force_solution(problem, capacity) is None
    else:
        assert incomplete_reason(problem) is not None and result.reason


@settings(max_examples=150, **SETTINGS)
@given(tiny_problems(), any_params())
def test_minimize_bounds_and_proofs_are_true(problem, params):
    try:
        optimum = brute_force_min_height(problem)
    except ValueError:  # fixed buffers collide: nothing to minimise
        return
    assert lower_bound(problem) <= optimum
    assert stacking_bound(problem)[0] <= optimum
    found = minimize(problem.with_capacity(None), timeout=20, params=params)
    assert valid(problem, _offsets(found.solution), found.height)
    assert found.height == found.solution.height >= optimum
    assert found.lower_bound <= optimum
    if found.proven_optimal:
        assert found.height == optimum


@settings(max_examples=60, **SETTINGS)
@given(tiny_problems(max_buffers=4), any_params())
def test_explain_never_calls_a_fitting_problem_unfixable(problem, params):
    capacity = problem.capacity
    fits = brute_force_solution(problem, capacity) is not None
    e = explain(problem, timeout=20, params=params)
    if fits:
        assert e.feasible is not False and not e.overloaded and e.subset is None
        if e.solution is not None:
            assert valid(problem, _offsets(e.solution), capacity)
    if e.feasible is False:
        assert not fits
    if e.subset is not None:
        subset = problem.subset(e.subset)
        assert brute_force_solution(subset, capacity) is None
    if e.min_capacity is not None:
        assert e.min_capacity == brute_force_min_height(problem)


def test_the_regressions_in_every_mode():
    """The wrong answers once given, held in all 512 switch combinations."""
    import itertools

    from minimalloc import read_csv

    cases = [
        # A gap without a window reaching the end of the lifespan.
        (read_csv(_text("id,lower,upper,size,gaps\nb0,0,2,1,1-2\nb1,1,2,1,\n"),
                  capacity=1), True),
        (read_csv(_text("id,lower,upper,size,alignment,gaps\nb0,1,5,5,1,3-5\n"
                        "b1,1,2,1,2,\n"), capacity=6), True),
        # A windowed gap over the whole lifespan: its size must still fit.
        (read_csv(_text("id,lower,upper,size,gaps\nb0,0,1,2,0-1@0:1\n"), capacity=1),
         False),
        # Fixed offsets with the candidates in preorder.
        (Problem((Buffer("b0", 3, 4, 1), Buffer("b3", 2, 4, 3, alignment=2),
                  Buffer("b5", 1, 3, 1, offset=4)), 5), True),
        (Problem((Buffer("b0", 1, 3, 0), Buffer("b1", 2, 3, 1),
                  Buffer("b2", 1, 2, 1, offset=1)), 2), True),
        # A buffer inactive over its whole lifespan, in the first section:
        # it once took one off every cut count, so pieces shared buffers.
        (read_csv(_text("id,lower,upper,size,gaps\nb0,0,4,3,\nb1,2,5,4,\n"
                        "b2,1,5,4,\ng,0,6,1,0-6\n"), capacity=11), True),
        (read_csv(_text("id,lower,upper,size,alignment,gaps\nb0,1,5,5,2,\n"
                        "b1,2,5,3,1,2-5\nb2,3,6,1,1,3-4 5-6\nb3,3,4,3,1,\n"
                        "b4,1,5,2,2,\n"), capacity=11), True),
        (read_csv(_text("id,lower,upper,size,alignment,gaps,offset\nb0,2,3,3,1,,\n"
                        "b1,0,5,2,1,,2\nb2,2,5,5,1,2-5,\nb3,1,2,4,4,,\n"
                        "b4,1,4,3,2,2-4@2:3,\n"), capacity=11), True),
        (read_csv(_text("id,lower,upper,size,gaps\nb0,0,4,3,\nb1,2,5,4,\n"
                        "b2,1,5,4,\ng,0,6,1,0-6\n"), capacity=10), False),
    ]
    names = list(TECHNIQUES)
    for values in itertools.product([True, False], repeat=len(names)):
        params = SolverParams(**dict(zip(names, values)))
        for problem, feasible in cases:
            result = solve(problem, params)
            expected = Status.OK if feasible else Status.INFEASIBLE
            assert result.status is expected, (values, problem)
            if result.ok:
                assert valid(problem, _offsets(result.solution), problem.capacity)


def test_minimize_with_a_buffer_inactive_over_its_lifespan():
    """Once "proven optimal" with two buffers overlapping."""
    from minimalloc import read_csv

    problem = read_csv(_text(
        "id,lower,upper,size,alignment,gaps,offset\nb0,1,2,1,2,,\nb1,2,4,3,1,,\n"
        "b2,2,4,1,1,2-4,0\nb3,0,3,5,4,,\nb4,0,3,2,2,,\nb5,2,3,3,1,,\n"))
    found = minimize(problem, timeout=20)
    assert valid(problem, _offsets(found.solution), found.height)
    assert found.proven_optimal and found.height == brute_force_min_height(problem)


NESTED = Problem((Buffer("a", 0, 3, 4, gaps=(Gap(1, 2, (2, 4)),)),
                  Buffer("b", 1, 2, 1)), 4)


def test_nested_windows_are_decided_by_the_exact_model():
    problem = NESTED
    assert brute_force_solution(problem, 4) == (0, 0)
    assert incomplete_reason(problem) is not None
    result = solve(problem)
    assert result.status is Status.OK and result.solution.offsets == (0, 0)
    assert solve(problem.with_capacity(3)).status is Status.INFEASIBLE
    assert iis(problem) == []
    assert iis(problem.with_capacity(3)) == [0]
    found = minimize(problem.with_capacity(None), timeout=None)
    assert found.height == 4 and found.proven_optimal


def test_without_the_exact_extra_nested_windows_are_undecided():
    problem = NESTED
    with without_exact_model():
        result = solve(problem)
        assert result.status is Status.UNDECIDED
        assert "'b' can sit inside the window of 'a'" in result.reason
        assert "OR-Tools" in result.reason
        # Not proven either way: no subset to blame; minimize stops, unproven
        # unless its bound is met.
        with pytest.raises(ProblemError, match="cannot decide"):
            iis(problem)
        found = minimize(problem.with_capacity(None), timeout=None)
    assert found.lower_bound <= 4 <= found.height
    assert found.proven_optimal == (found.height == 4)
    # With b's window out of a's way the search is complete again.
    plain = replace(problem, buffers=(problem.buffers[0], Buffer("b", 1, 2, 3)))
    assert incomplete_reason(plain) is None
    with without_exact_model():
        assert solve(plain).status is Status.INFEASIBLE
    assert brute_force_solution(plain, 4) is None


def test_the_exact_extra_missing_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ortools.sat.python", None)
    result = solve(NESTED)
    assert result.status is Status.UNDECIDED
    assert "pip install 'minimalloc[exact]'" in result.reason


def _text(csv: str):
    import io

    return io.StringIO(csv)


# ----------------------------------------------------------------------------
# Spill plans and alias groups


@st.composite
def grouped_problems(draw, pins: bool = True) -> Problem:
    """A tiny awkward problem with some buffers made aliases of earlier ones
    (no larger than their root) and some pinned to a pool; weights
    sometimes given.  Draws that the model refuses (say, two members of a
    group fixed at different offsets) are skipped."""
    base = draw(tiny_problems())
    buffers: list[Buffer] = []
    for b in base.buffers:
        alias = None
        if buffers and draw(st.integers(0, 2)) == 0:
            target = draw(st.sampled_from(buffers))
            root = target
            while root.alias is not None:
                root = next(r for r in buffers if r.id == root.alias)
            if b.size <= root.size:
                alias = target.id
        pool = draw(st.sampled_from([None, None, None, "main", "spill"])) if pins else None
        weight = draw(st.one_of(st.none(), st.integers(0, 6)))
        buffers.append(replace(b, alias=alias, pool=pool, weight=weight))
    try:
        return Problem(tuple(buffers), base.capacity)
    except ProblemError:
        assume(False)


def _check_spill(problem: Problem, plan, optimum: float) -> None:
    if optimum == float("inf"):  # even moving every free group, nothing fits
        assert plan.solution is None
        return
    assert plan.status != "infeasible", "called infeasible, but a plan exists"
    assert plan.solution is not None
    for pool in plan.pools:
        members = plan.pool_members(pool.name)
        sub = Problem(tuple(replace(problem.buffers[i], pool=None) for i in members))
        offsets = [plan.solution.offsets[i] for i in members]
        capacity = pool.capacity if pool.capacity is not None else 10**6
        assert group_valid(sub, offsets, capacity)
    for i, b in enumerate(problem.buffers):
        assert b.pool in (None, plan.solution.pools[i])
    assert plan.lower_bound <= optimum <= plan.cost
    if plan.proven:
        assert plan.cost == optimum


@settings(max_examples=120, **SETTINGS)
@given(grouped_problems())
def test_spill_plans_with_groups_and_pins_are_valid_and_proofs_true(problem):
    pools = (Pool("main", problem.capacity, 0), Pool("spill", None, 1))
    plan = spill(problem, pools=pools, timeout=20)
    _check_spill(problem, plan, cheapest_spill(problem, pools))


@settings(max_examples=60, **SETTINGS)
@given(grouped_problems(pins=False), st.integers(1, 4), st.integers(1, 4))
def test_three_pools_with_groups_against_brute_force(problem, fast, middle):
    pools = (Pool("sram", fast, 0), Pool("dram", middle, 2), Pool("hbm", None, 3))
    plan = spill(problem, pools=pools, timeout=20)
    _check_spill(problem, plan, cheapest_spill(problem, pools))


@settings(max_examples=80, **SETTINGS)
@given(grouped_problems(pins=False))
def test_minimize_with_alias_groups_against_brute_force(problem):
    plain = Problem(tuple(replace(b, pool=None, weight=None) for b in problem.buffers))
    try:
        best = brute_force_alias_min_height(plain)
    except ValueError:  # fixed buffers collide
        return
    found = minimize(plain, timeout=20)
    assert group_valid(plain, _offsets(found.solution), found.height)
    assert found.lower_bound <= best <= found.height
    if found.proven_optimal:
        assert found.height == best
