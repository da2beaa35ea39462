"""explain(): overloaded moments, minimal infeasible subsets, what would fit."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from oracle import brute_force_feasible, brute_force_min_height

from minimalloc.analysis.explain import Explanation, explain
from minimalloc.bounds import load_profile, lower_bound, max_load
from minimalloc.errors import ProblemError
from minimalloc.generate.problems import perfect_packing, random_problem
from minimalloc.model import Buffer, Gap, Problem
from minimalloc.params import Status
from minimalloc.search.solver import solve
from minimalloc.validate import validate

ALIGNED = Problem((Buffer("a", 0, 2, 5, alignment=8), Buffer("b", 0, 2, 1, alignment=8),
                   Buffer("c", 1, 3, 1, alignment=8), Buffer("d", 3, 5, 6)), capacity=16)


def _fits(problem: Problem, indices, capacity: int) -> bool:
    """The solver's verdict (complete without windowed gaps), for sets too
    large for brute force."""
    status = solve(problem.subset(sorted(indices)).with_capacity(capacity)).status
    assert status in (Status.OK, Status.INFEASIBLE)
    return status is Status.OK


def _check_subset(problem: Problem, e: Explanation, fits=None) -> None:
    """The subset does not fit, and removing any one buffer makes it fit."""
    fits = fits or (lambda idx, cap: brute_force_feasible(problem.subset(sorted(idx)), cap))
    assert e.subset, e
    assert e.subset_minimal
    assert not fits(e.subset, e.capacity)
    for i in e.subset:
        assert fits([j for j in e.subset if j != i], e.capacity), i


def test_alignment_subset():
    e = explain(ALIGNED, timeout=10)
    assert (e.feasible, e.load, e.overloaded) == (False, 7, ())
    assert e.subset == (0, 1, 2) and e.together == (1, 2)
    _check_subset(ALIGNED, e)
    assert e.subset_min_capacity == 17 and e.min_capacity == 17 and e.proven
    text = str(e)
    assert "'a', 'b', 'c'" in text and "Removing any one" in text and "17" in text
    assert "alignments leave holes" in text


def test_overloaded_moments():
    problem = perfect_packing(20, seed=3, width=10, height=64).with_capacity(60)
    e = explain(problem, timeout=10)
    assert e.feasible is False and e.subset is None
    assert e.load == max_load(problem) == 64
    assert e.overloaded
    times, live = load_profile(problem)
    for t0, t1, members in e.overloaded:
        assert t0 < t1
        inside = [v for t, v in zip(times.tolist(), live.tolist()) if t0 <= t < t1]
        assert inside and min(inside) > 60
        alive = {i for i, b in enumerate(problem.buffers) if b.lower < t1 and t0 < b.upper}
        assert set(members) == alive
    assert e.min_capacity == 64  # a perfect packing: the LOAD is the optimum
    text = e.message()
    assert "4 more than the capacity 60" in text and "64" in text


def test_feasible_problem_says_so():
    e = explain(ALIGNED.with_capacity(20), timeout=10)
    assert e.feasible is True and e.subset is None and e.overloaded == ()
    assert validate(ALIGNED.with_capacity(20), e.solution).ok
    assert e.min_capacity == 17
    assert e.message().startswith("The 4 buffers fit in capacity 20")


def test_a_fixed_buffer_too_high_is_the_subset():
    problem = Problem((Buffer("a", 0, 4, 2), Buffer("b", 1, 3, 2, offset=8),
                       Buffer("c", 2, 6, 3)), capacity=9)
    e = explain(problem, timeout=10)
    assert e.feasible is False and e.overloaded == ()
    assert e.subset == (1,) and e.subset_minimal
    assert e.subset_min_capacity == 10 and e.min_capacity == 10


def test_colliding_fixed_buffers():
    problem = Problem((Buffer("a", 0, 4, 2, offset=0), Buffer("b", 1, 3, 2, offset=1),
                       Buffer("c", 2, 6, 3)), capacity=9)
    e = explain(problem, timeout=10)
    assert e.feasible is False and e.subset == (0, 1) and e.subset_minimal
    assert e.min_capacity is None and e.min_capacity_upper is None
    assert "'a', 'b'" in e.message()


def test_buffers_of_size_zero_are_never_blamed():
    problem = Problem(ALIGNED.buffers + (Buffer("z", 0, 5, 0, alignment=64),), 16)
    e = explain(problem, timeout=10)
    assert e.subset == (0, 1, 2)


def test_windowed_gaps_that_cannot_nest_still_give_proofs():
    problem = Problem(ALIGNED.buffers + (Buffer("w", 3, 9, 4, gaps=(Gap(4, 6, (0, 2)),)),),
                      16)
    e = explain(problem, timeout=10)
    assert e.feasible is False and e.subset == (0, 1, 2) and e.subset_minimal


def test_nested_windows_are_never_called_unfixable():
    # b fits below a's raised window: (0, 0) is valid, though the search
    # cannot place b there (its answer is UNDECIDED, not a proof).
    problem = Problem((Buffer("a", 0, 3, 4, gaps=(Gap(1, 2, (2, 4)),)),
                       Buffer("b", 1, 2, 1)), 4)
    assert brute_force_feasible(problem, 4)
    e = explain(problem, timeout=10)
    assert e.feasible is not False and e.subset is None


def test_capacity_argument_and_errors():
    e = explain(ALIGNED.with_capacity(None), timeout=10, capacity=16)
    assert e.capacity == 16 and e.feasible is False
    with pytest.raises(ProblemError, match="capacity"):
        explain(ALIGNED.with_capacity(None))
    with pytest.raises(ProblemError, match="timeout"):
        explain(ALIGNED, timeout=-1)


@pytest.mark.parametrize("timeout", [0.0, 0.001])
def test_no_time_still_explains_what_bounds_show(timeout):
    e = explain(ALIGNED, timeout=timeout)
    assert e.feasible is False  # the stacking bound needs no search
    assert e.subset is not None and e.message()
    e = explain(perfect_packing(20, seed=3, width=10, height=64).with_capacity(60),
                timeout=timeout)
    assert e.overloaded and e.message()


@st.composite
def small_infeasible(draw):
    """Up to six buffers with alignment, fixed offsets and gaps, with a
    capacity between the LOAD and the optimum (so nothing is overloaded)."""
    buffers = []
    for index in range(draw(st.integers(2, 6))):
        lower = draw(st.integers(0, 5))
        upper = lower + draw(st.integers(1, 5))
        size = draw(st.integers(0, 4))
        alignment = draw(st.sampled_from([1, 1, 2, 4]))
        offset = None
        if draw(st.integers(0, 5)) == 0:
            offset = alignment * draw(st.integers(0, 3))
        gaps = ()
        if upper - lower >= 3 and draw(st.booleans()):
            glo = draw(st.integers(lower + 1, upper - 2))
            gaps = (Gap(glo, draw(st.integers(glo + 1, upper - 1))),)
        buffers.append(Buffer(f"b{index}", lower, upper, size, alignment, gaps=gaps,
                              offset=offset))
    problem = Problem(buffers)
    try:
        optimum = brute_force_min_height(problem)
    except ValueError:  # fixed buffers collide
        return problem.with_capacity(20), None
    low = max(1, max_load(problem))
    assume(low <= optimum - 1)
    return problem.with_capacity(draw(st.integers(low, optimum - 1))), optimum


@settings(max_examples=150, deadline=None)
@given(small_infeasible())
def test_subsets_are_minimal_by_brute_force(case):
    problem, optimum = case
    e = explain(problem, timeout=None)
    assert e.feasible is False and e.overloaded == ()
    _check_subset(problem, e)
    assert all(problem.buffers[i].size > 0 or problem.buffers[i].offset is not None
               for i in e.subset)
    assert e.min_capacity == optimum
    sub = problem.subset(e.subset)
    if optimum is not None:
        assert e.subset_min_capacity == brute_force_min_height(sub)
    assert e.message()


def _thirty(seed: int, **kind) -> Problem:
    """30 random buffers at the capacity of their lower bound."""
    from minimalloc.bounds import lower_bound

    problem = random_problem(30, seed=seed, **kind)
    return problem.with_capacity(lower_bound(problem))


@pytest.mark.parametrize(("seed", "kind", "timeout"), [
    (0, {"alignment": (1, 64, 256), "gap_probability": 0.3}, 3),
    (9, {"alignment": (1, 64, 256), "gap_probability": 0.3}, 3),
    (26, {"fixed_probability": 0.3}, 10),  # needs searches on partial sets
    (7, {"fixed_probability": 0.2, "alignment": (1, 64), "gap_probability": 0.3}, 3),
])
def test_thirty_buffers(seed, kind, timeout):
    problem = _thirty(seed, **kind)
    e = explain(problem, timeout=timeout)
    assert e.feasible is False and e.overloaded == ()
    _check_subset(problem, e, fits=lambda idx, cap: _fits(problem, idx, cap))
    if e.min_capacity is not None:
        assert e.min_capacity > problem.capacity
    assert e.min_capacity_upper is not None and e.min_capacity_upper > problem.capacity


# Nine buffers that cannot be packed at their LOAD of 16 (alignment leaves
# holes across several moments, no single moment shows it): found by a seeded
# search over random problems.
GADGET = ((6, 9, 4, 1), (6, 11, 1, 1), (5, 6, 1, 4), (7, 8, 4, 1), (3, 7, 3, 1),
          (5, 6, 3, 2), (2, 7, 2, 4), (4, 8, 6, 1), (7, 11, 1, 2))


def fragmented_problem() -> Problem:
    """23 buffers, LOAD 16 at capacity 16, infeasible by fragmentation only:
    the gadget, overlapped in time by a perfect packing of the room it
    leaves, so that refuting the whole problem takes an exact search of
    hundreds of thousands of nodes (seconds), while the gadget alone takes
    a few."""
    gadget = [Buffer(f"g{i}", lo, hi, size, align)
              for i, (lo, hi, size, align) in enumerate(GADGET)]
    capacity = max_load(Problem(gadget))
    room = capacity - max(sum(b.size for b in gadget if b.lower <= t < b.upper)
                          for t in (2, 3, 4))
    packing = perfect_packing(14, seed=0, width=6, height=room)
    packed = [Buffer(f"p{i}", b.lower - 1, b.upper - 1, b.size)
              for i, b in enumerate(packing.buffers)]
    shift = min(b.lower for b in packed)
    buffers = [replace(b, lower=b.lower - shift, upper=b.upper - shift)
               for b in gadget + packed]
    return Problem(tuple(buffers), capacity)


def test_fragmentation_subset_within_the_limit():
    problem = fragmented_problem()
    assert len(problem.buffers) == 23
    assert max_load(problem) == lower_bound(problem) == problem.capacity == 16
    e = explain(problem, timeout=4)
    assert e.feasible is False and not e.overloaded
    assert e.subset == tuple(range(9)) and e.subset_minimal  # the gadget
    assert e.seconds < 5
    _check_subset(problem, e, lambda indices, capacity: _fits(problem, indices, capacity))


def test_partitions_without_listing_overlaps_match_the_sweep():
    # explain finds the partitions by sorting lifespans (O(n) memory); they
    # must be the sweep's, gaps and all.
    from minimalloc.analysis.explain import _Explainer
    from minimalloc.generate.problems import random_problem
    from minimalloc.search.sweep import sweep

    for seed in range(60):
        problem = random_problem(60, seed=seed, horizon=200, mean_lifetime=8,
                                 gap_probability=0.3, window_probability=0.3,
                                 fixed_probability=0.1).with_capacity(10**6)
        result = sweep(problem)
        expected = [sorted(result.partition(k).tolist())
                    for k in range(result.num_partitions)]
        assert _Explainer(problem, None, None)._partitions() == expected


def test_the_capacity_that_would_suffice_comes_with_its_allocation():
    e = explain(ALIGNED, timeout=10)
    solution = e.min_capacity_solution
    assert solution is not None and solution.height == e.min_capacity_upper == 17
    assert validate(ALIGNED.with_capacity(17), solution).ok


def test_an_undecided_explanation_says_only_what_is_known():
    """Not decided in time: it says the live bytes fit (the trouble could
    only be fragmentation) without claiming that the buffers do not fit."""
    problem = Problem((Buffer("a", 0, 4, 30_000_000), Buffer("b", 2, 6, 9_875_744)))
    e = Explanation(feasible=None, capacity=40_000_000, load=39_875_744,
                    lower_bound=39_875_744, min_capacity_upper=40_280_736,
                    min_capacity_lower=39_875_744, problem=problem)
    text = e.message()
    assert text.startswith("It could not be decided in time whether the 2 buffers fit "
                           "in capacity 40000000.")
    assert ("at most 39875744 bytes are live at any moment, so only fragmentation "
            "could keep them out") in text
    assert "does not fit" not in text and "cannot be" not in text
    assert "fits in capacity 40280736" in text
    one = replace(e, problem=problem.subset([0]))
    assert "whether the buffer fits" in one.message()
