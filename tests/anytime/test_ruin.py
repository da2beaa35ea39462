"""Ruin-and-recreate moves: always valid, never higher than the cap, and
able to lower an allocation that has room below."""

from __future__ import annotations

import numpy as np
from awkward import awkward_problem
from hypothesis import given, settings
from hypothesis import strategies as st

from minimalloc.anytime.improve import Improver
from minimalloc.anytime.ruin import meeting, recreate_moves, scratch, time_index
from minimalloc.baselines.allocators import allocate
from minimalloc.generate.problems import perfect_packing, random_problem
from minimalloc.model import Buffer, Problem, Solution
from minimalloc.validate import validate


def _columns(problem: Problem) -> dict[str, np.ndarray]:
    buffers = problem.buffers
    return {
        "lower": np.array([b.lower for b in buffers], np.int64),
        "upper": np.array([b.upper for b in buffers], np.int64),
        "size": np.array([b.size for b in buffers], np.int64),
        "alignment": np.array([b.alignment for b in buffers], np.int64),
        "movable": np.array([b.offset is None and b.size > 0 for b in buffers]),
    }


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 120), seed=st.integers(0, 10**6),
       width=st.integers(1, 40), lo=st.integers(-50, 250), span=st.integers(1, 120))
def test_the_time_index_finds_exactly_the_buffers_alive_in_a_window(n, seed, width,
                                                                    lo, span):
    problem = random_problem(n, seed=seed, horizon=200, mean_lifetime=15)
    c = _columns(problem)
    index = time_index(c["lower"], c["upper"], width)
    found = np.empty(n, np.int64)
    stamp = np.zeros(n, np.int64)
    m = meeting(lo, lo + span, c["lower"], c["upper"], index.start, index.width,
                index.first, index.items, index.longs, stamp, 1, found)
    expected = np.flatnonzero((c["lower"] < lo + span) & (c["upper"] > lo))
    assert sorted(found[:m].tolist()) == expected.tolist()


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 150), seed=st.integers(0, 10**6),
       cut=st.floats(0.5, 1.0), gaps=st.booleans(), fixed=st.booleans())
def test_moves_keep_the_allocation_valid_and_never_above_the_cap(n, seed, cut, gaps,
                                                                  fixed):
    problem = awkward_problem(n, seed, gaps=gaps, fixed=fixed, alignment=(1, 2, 8))
    start = allocate(problem.with_capacity(None), "first_fit")
    if not validate(problem.with_capacity(None), start).ok:
        return  # fixed buffers that collide: no valid start to improve
    c = _columns(problem)
    offset = np.array(start.offsets, np.int64)
    target = int(start.height * cut)
    index = time_index(c["lower"], c["upper"], 5)
    priority = np.random.default_rng(seed).permutation(n).astype(np.int64)
    recreate_moves(c["lower"], c["upper"], c["size"], c["alignment"], c["movable"],
                   offset, index, scratch(n), target, start.height, 200, seed, priority)
    solution = Solution.from_offsets(problem, offset.tolist())
    check = validate(problem.with_capacity(None), solution)
    assert check.ok, check.message  # also checks alignments and fixed offsets
    assert solution.height <= start.height


def test_a_buffer_with_room_below_sinks():
    # c sits on top of b although the slot below it is free from time 2 on.
    problem = Problem((Buffer("a", 0, 2, 4), Buffer("b", 1, 4, 4), Buffer("c", 2, 4, 4),
                       Buffer("d", 0, 1, 4)))
    improver = Improver(problem, Solution((0, 4, 8, 4), 12))
    assert improver.recreate(8, 5.0)
    assert improver.height == 8
    assert validate(problem, improver.solution()).ok


def test_moves_respect_alignment():
    # b must start at a multiple of 16: on top of a (8 bytes) means 16.
    problem = Problem((Buffer("a", 0, 4, 8), Buffer("b", 0, 4, 4, alignment=16),
                       Buffer("c", 0, 4, 4)))
    improver = Improver(problem, Solution((0, 32, 8), 36))
    assert improver.recreate(20, 5.0)
    solution = improver.solution()
    assert validate(problem, solution).ok
    assert solution.offsets[1] % 16 == 0
    assert solution.height == 20


def test_moves_alone_lower_a_scrambled_perfect_packing():
    problem = perfect_packing(80, seed=2, width=50, height=128).with_capacity(None)
    start = allocate(problem, "first_fit")
    improver = Improver(problem, start, lower_bound=128)
    for _ in range(30):
        improver.recreate(improver.height - 1, 0.2)
    assert improver.height < start.height
    assert validate(problem, improver.solution()).ok


def test_a_fixed_buffer_above_the_target_stops_the_moves():
    problem = Problem((Buffer("a", 0, 2, 4), Buffer("f", 0, 2, 4, offset=4)))
    improver = Improver(problem, Solution((0, 4), 8))
    assert not improver.recreate(6, 1.0)
    assert improver.solution() == Solution((0, 4), 8)
