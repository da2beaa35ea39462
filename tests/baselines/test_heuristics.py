"""Baseline allocators: always valid, and equal to a slow obvious version."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import occupied
from pairwise_baselines import pairwise_allocate
from reference_data import BENCHMARKS, needs_shared
from shared_problems import overlapping, small_buffers

from minimalloc.baselines.allocators import (
    ALLOCATORS,
    allocate,
    allocate_within,
    available_allocators,
    best_fit,
    first_fit,
    greedy_by_size,
    register_allocator,
)
from minimalloc.baselines.sweep import SWEEP, sweep_first_fit
from minimalloc.columns import clear_cache
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import read_csv
from minimalloc.generate.problems import perfect_packing, random_problem
from minimalloc.model import Buffer, Gap, Problem, Solution
from minimalloc.validate import validate

FIVE = Problem((Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
                Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)), capacity=12)


# ----------------------------------------------------------------------------
# A slow allocator that follows the definitions literally


def _clash(a: Buffer, oa: int, b: Buffer, ob: int) -> bool:
    for t in range(max(a.lower, b.lower), min(a.upper, b.upper)):
        wa, wb = occupied(a, t), occupied(b, t)
        if wa and wb and oa + wa[0] < ob + wb[1] and ob + wb[0] < oa + wa[1]:
            return True
    return False


def naive_allocate(problem: Problem, name: str) -> Solution:
    buffers = problem.buffers
    n = len(buffers)
    keys = {
        "greedy_by_size": lambda i: (-buffers[i].size, i),
        "best_fit": lambda i: (-buffers[i].size, -buffers[i].width, i),
        "best_fit_duration": lambda i: (-buffers[i].width, -buffers[i].size, i),
        "first_fit": lambda i: (buffers[i].lower, i),
    }
    offsets: list[int | None] = [b.offset for b in buffers]
    for x in sorted(range(n), key=keys[name]):
        if offsets[x] is not None:
            continue
        bx = buffers[x]
        placed = [j for j in range(n) if offsets[j] is not None]
        top = max((offsets[j] + buffers[j].size for j in placed), default=0)
        free = [not any(_clash(bx, o, buffers[j], offsets[j]) for j in placed)
                for o in range(top + 1)]
        assert free[top]  # nothing reaches above the highest placed buffer
        start = top
        while start > 0 and free[start - 1]:
            start -= 1  # the unbounded run of free offsets begins here
        a = bx.alignment
        holes = []  # bounded runs [s, e) of free offsets holding an aligned one
        s = 0
        while s < start:
            if not free[s]:
                s += 1
                continue
            e = s
            while free[e]:
                e += 1
            first = -(-s // a) * a
            if first < e:
                holes.append((e - s, s, first))
            s = e
        if not holes:
            offsets[x] = -(-start // a) * a
        elif name == "first_fit":
            offsets[x] = holes[0][2]
        else:
            offsets[x] = min(holes)[2]
    return Solution.from_offsets(problem, offsets)


# ----------------------------------------------------------------------------
# Registry


def test_registry():
    assert available_allocators() == (
        "greedy_by_size", "best_fit", "best_fit_duration", "first_fit")
    assert allocate(FIVE, "Best-Fit") == best_fit(FIVE)
    with pytest.raises(ProblemError, match="unknown allocator 'tetris'.*greedy_by_size"):
        allocate(FIVE, "tetris")


def test_register_allocator():
    def everything_at_zero(problem: Problem) -> Solution:
        return Solution.from_offsets(problem, [0] * len(problem.buffers))

    register_allocator("zero", everything_at_zero)
    try:
        assert "zero" in available_allocators()
        assert allocate(FIVE, "zero").offsets == (0,) * 5
    finally:
        del ALLOCATORS["zero"]


# ----------------------------------------------------------------------------
# Known answers


def test_five_buffer_example():
    for name in available_allocators():
        solution = allocate(FIVE, name)
        assert validate(FIVE, solution).ok
        assert solution.height == 12
    # Equal sizes: TFLite keeps the input order, XLA takes the longest first.
    assert greedy_by_size(FIVE).offsets == (0, 0, 4, 0, 8)
    assert best_fit(FIVE).offsets == (8, 8, 4, 4, 0)


def test_no_buffers():
    for name in available_allocators():
        assert allocate(Problem(()), name) == Solution((), 0)


def test_best_fit_takes_the_smallest_hole_first_fit_the_lowest():
    pins = (Buffer("f1", 0, 10, 2, offset=0), Buffer("f2", 0, 10, 1, offset=5),
            Buffer("f3", 0, 10, 2, offset=8))
    p = Problem((*pins, Buffer("x", 0, 10, 2)))
    assert greedy_by_size(p).offsets == (0, 5, 8, 6)
    assert best_fit(p).offsets == (0, 5, 8, 6)
    assert first_fit(p).offsets == (0, 5, 8, 2)
    # Nothing fits in a hole: on top of everything, aligned.
    q = Problem((*pins, Buffer("y", 0, 10, 4, alignment=8)))
    assert greedy_by_size(q).offsets[-1] == 16


def test_alignment_skips_holes_without_an_aligned_offset():
    pins = (Buffer("f1", 0, 4, 1, offset=0), Buffer("f2", 0, 4, 1, offset=3),
            Buffer("f3", 0, 4, 4, offset=12))
    p = Problem((*pins, Buffer("x", 0, 4, 2, alignment=4)))
    # The hole [1, 3) has no multiple of 4; [4, 12) does.
    assert first_fit(p).offsets[-1] == 4
    assert greedy_by_size(p).offsets[-1] == 4


def test_gaps_let_buffers_share_room():
    hole = Buffer("h", 0, 6, 4, gaps=(Gap(2, 4),))
    middle = Buffer("m", 2, 4, 4)
    p = Problem((hole, middle))
    for name in available_allocators():
        assert allocate(p, name).offsets == (0, 0)
    window = Buffer("w", 0, 6, 4, gaps=(Gap(2, 4, (0, 1)),))
    q = Problem((window, Buffer("m", 2, 4, 3)))
    for name in available_allocators():
        assert allocate(q, name).offsets == (0, 1)


def test_empty_buffers_occupy_nothing():
    p = Problem((Buffer("a", 0, 4, 8), Buffer("z", 1, 3, 0),
                 Buffer("y", 0, 2, 0, offset=3)))
    for name in available_allocators():
        solution = allocate(p, name)
        assert solution.offsets == (0, 0, 3) and solution.height == 8
        assert validate(p, solution).ok


# ----------------------------------------------------------------------------
# Against the slow version, and always valid


@st.composite
def problems_with_pins(draw):
    """Small problems, some buffers pinned where a naive first fit put them."""
    problem = draw(small_buffers(max_buffers=6, horizon=8, max_size=5))
    offsets = naive_allocate(problem, "first_fit").offsets
    pins = draw(st.lists(st.booleans(), min_size=len(problem), max_size=len(problem)))
    return Problem(tuple(
        Buffer(b.id, b.lower, b.upper, b.size, b.alignment, b.gaps, o if pin else None)
        for b, o, pin in zip(problem.buffers, offsets, pins)
    ))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems_with_pins())
def test_matches_the_naive_allocator(problem):
    for name in available_allocators():
        expected = naive_allocate(problem, name)
        solution = allocate(problem, name)
        assert solution == expected, name
        assert validate(problem, solution).ok, (name, validate(problem, solution).message)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 120),
       st.sampled_from([1, (1, 4, 16), (8, 64)]),
       st.floats(0, 1), st.floats(0, 1), st.floats(0, 0.5))
def test_random_problems_validate(seed, n, alignment, gaps, windows, fixed):
    problem = random_problem(n, seed=seed, alignment=alignment, gap_probability=gaps,
                             window_probability=windows, fixed_probability=fixed)
    for name in available_allocators():
        solution = allocate(problem, name)
        result = validate(problem, solution)
        assert result.ok, (name, result.message)


@pytest.mark.parametrize("seed", range(5))
def test_perfect_packings_validate(seed):
    problem = perfect_packing(60, seed=seed, width=40, height=80)
    for name in available_allocators():
        solution = allocate(problem, name)
        assert solution.height >= problem.capacity
        assert validate(problem.with_capacity(None), solution).ok


def test_large_problem():
    problem = random_problem(100_000, seed=11, alignment=(1, 8, 64), gap_probability=0.1,
                             window_probability=0.5, fixed_probability=0.01)
    for name in available_allocators():
        solution = allocate(problem, name)
        assert len(solution.offsets) == len(problem)
        assert validate(problem, solution).ok
        sizes = np.array([b.size for b in problem.buffers])
        assert solution.height == int((np.array(solution.offsets) + sizes).max())


# ----------------------------------------------------------------------------
# Against the first, pair-listing version; memory and time limits at scale


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 400),
       st.sampled_from([1, (1, 4, 16), (8, 64)]),
       st.floats(0, 1), st.floats(0, 1), st.floats(0, 0.3))
def test_identical_to_the_pair_listing_version(seed, n, alignment, gaps, windows, fixed):
    problem = random_problem(n, seed=seed, alignment=alignment, gap_probability=gaps,
                             window_probability=windows, fixed_probability=fixed,
                             mean_lifetime=40)
    for name in available_allocators():
        assert allocate(problem, name) == pairwise_allocate(problem, name), name


@needs_shared
@pytest.mark.parametrize("name", ["A", "K"])
def test_identical_to_the_pair_listing_version_on_benchmarks(name):
    path = BENCHMARKS / "challenging" / f"{name}.1048576.csv"
    problem = read_csv(path)
    for allocator in available_allocators():
        assert allocate(problem, allocator) == pairwise_allocate(problem, allocator)


def _peak_bytes(function, *args) -> int:
    clear_cache()  # what is kept from an earlier call would not be counted
    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_pairs():
    # The same number of buffers, ten times the pairs: the peak of what is
    # allocated must stay about the same (it is O(n), not O(pairs)).
    few, many = overlapping(4000, 20), overlapping(4000, 200)
    for name in available_allocators():
        allocate(few, name)  # compile outside the measurement
        small = _peak_bytes(allocate, few, name)
        large = _peak_bytes(allocate, many, name)
        assert large < 2 * small, (name, small, large)


def test_a_passed_deadline_stacks_the_rest_validly():
    problem = random_problem(3000, seed=5, alignment=(1, 8), gap_probability=0.1,
                             window_probability=0.5, fixed_probability=0.02)
    for name in available_allocators():
        solution, complete = allocate_within(problem, name, 0.0)
        assert not complete
        assert validate(problem.with_capacity(None), solution).ok
        full, complete = allocate_within(problem, name, None)
        assert complete and full == allocate(problem, name)


# ----------------------------------------------------------------------------
# Aliases: a group is one block, wherever the allocator puts it


@st.composite
def aliased_problems(draw) -> Problem:
    """Up to six buffers, some living in the memory of an earlier one (no
    alias larger than its root)."""
    buffers: list[Buffer] = []
    for i in range(draw(st.integers(2, 6))):
        lower = draw(st.integers(0, 8))
        upper = draw(st.integers(lower + 1, 10))
        alias, size = None, draw(st.integers(1, 5))
        if buffers and draw(st.booleans()):
            target = draw(st.sampled_from(buffers))
            root = target
            while root.alias is not None:
                root = next(b for b in buffers if b.id == root.alias)
            alias, size = target.id, draw(st.integers(1, root.size))
        buffers.append(Buffer(f"b{i}", lower, upper, size,
                              alignment=draw(st.sampled_from([1, 2])), alias=alias))
    return Problem(tuple(buffers))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=aliased_problems())
def test_every_allocator_keeps_alias_groups_together(problem):
    for name in available_allocators():
        solution = allocate(problem, name)  # checked inside: an invalid one raises
        assert validate(problem.with_capacity(None), solution).ok
        by_id = {b.id: i for i, b in enumerate(problem.buffers)}
        for i, b in enumerate(problem.buffers):
            if b.alias is not None:
                assert solution.offsets[i] == solution.offsets[by_id[b.alias]]


def test_an_alias_shares_its_roots_memory_instead_of_taking_its_own():
    # y writes over x in place: together they are one 4-byte block from 0 to 6,
    # so z and the block stack to 8 bytes (apart, the three would need 12).
    problem = Problem((Buffer("x", 0, 4, 4), Buffer("y", 3, 6, 4, alias="x"),
                       Buffer("z", 0, 6, 4)))
    for name in available_allocators():
        solution, complete = allocate_within(problem, name)
        assert complete and solution.offsets[0] == solution.offsets[1]
        assert solution.height == 8


def test_the_best_baseline_says_which_allocators_the_limit_stopped():
    from minimalloc.baselines.best import best_baseline as _best_baseline

    problem = random_problem(2000, seed=3, alignment=(1, 8))
    names = available_allocators()
    rushed = _best_baseline(problem, None, 0.0)  # none starts: the sweep answers
    assert rushed.complete and rushed.unfinished == names
    assert rushed.method == SWEEP
    assert rushed.solution == sweep_first_fit(problem)[0]
    assert validate(problem.with_capacity(None), rushed.solution).ok
    calm = _best_baseline(problem, None, None)
    assert calm.complete and calm.unfinished == ()
    assert calm.solution.height == min(allocate(problem, n).height for n in names)
    assert calm.solution.height <= rushed.solution.height


def test_the_best_baseline_stops_at_a_proven_bound():
    """Once an allocator reaches the bound nothing lower exists: the rest are
    skipped and none is reported as stopped by the limit."""
    from minimalloc.baselines.best import best_baseline as _best_baseline

    first = available_allocators()[0]
    height = allocate(FIVE, first).height
    found = _best_baseline(FIVE, None, None, height)
    assert found.method == first and found.complete and found.unfinished == ()
