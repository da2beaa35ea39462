"""Lower bounds and the live-bytes profile against slow, obvious versions."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import reference_bounds
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import brute_force_min_height, occupied
from shared_problems import overlapping, small_buffers

from minimalloc.bounds import (
    active_pieces,
    load_profile,
    lower_bound,
    max_load,
    moments,
    overloaded,
    peak_times,
    stacking_bound,
)
from minimalloc.columns import clear_cache
from minimalloc.deadline import Deadline
from minimalloc.errors import ProblemError
from minimalloc.generate.problems import random_problem
from minimalloc.model import Buffer, Gap, Problem


def _live(problem: Problem, time: int) -> int:
    total = 0
    for b in problem.buffers:
        window = occupied(b, time)
        if window is not None:
            total += window[1] - window[0]
    return total


def _naive_profile(problem: Problem) -> dict[int, int]:
    end = max((b.upper for b in problem.buffers), default=0)
    return {t: _live(problem, t) for t in range(end + 1)}


def test_empty_problem():
    empty = Problem(())
    times, live = load_profile(empty)
    assert len(times) == 0 and len(live) == 0
    assert max_load(empty) == 0 and lower_bound(empty) == 0
    assert peak_times(empty) == [] and overloaded(empty, 1) == []


def test_five_buffer_example():
    p = Problem((Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
                 Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)), capacity=12)
    times, live = load_profile(p)
    assert times.tolist() == [0, 3, 9, 21]
    assert live.tolist() == [12, 12, 8, 0]
    assert max_load(p) == lower_bound(p) == 12
    assert peak_times(p) == [(0, 9)]
    assert overloaded(p) == []
    assert overloaded(p, 11) == [(0, 9, [0, 1, 2, 4])]


def test_gaps_and_windows_count_what_is_occupied():
    b = Buffer("b", 0, 10, 8, gaps=(Gap(2, 4), Gap(6, 8, (2, 5))))
    pieces = active_pieces(Problem((b,)))
    assert list(zip(pieces.t0.tolist(), pieces.t1.tolist(), pieces.wlo.tolist(),
                    pieces.whi.tolist())) == [(0, 2, 0, 8), (4, 6, 0, 8), (6, 8, 2, 5),
                                              (8, 10, 0, 8)]
    other = Buffer("c", 2, 8, 5)
    p = Problem((b, other))
    times, live = load_profile(p)
    profile = dict(zip(times.tolist(), live.tolist()))
    assert profile == {0: 8, 2: 5, 4: 13, 6: 8, 8: 8, 10: 0}
    assert max_load(p) == 13
    assert peak_times(p) == [(4, 6)]
    # A window narrower than the buffer: LOAD counts the window, the bound the size.
    only_window = Problem((Buffer("w", 0, 4, 10, gaps=(Gap(0, 4, (3, 5)),)),))
    assert max_load(only_window) == 2
    assert lower_bound(only_window) == 10


def test_alignment_raises_the_bound_soundly():
    p = Problem((Buffer("a", 0, 2, 1, alignment=4), Buffer("b", 1, 3, 1, alignment=4)))
    assert max_load(p) == 2
    assert lower_bound(p) == 5 == brute_force_min_height(p)
    # One unaligned buffer alive at the peak could go on top: no rise.
    q = Problem((Buffer("a", 0, 2, 1, alignment=4), Buffer("b", 1, 3, 1)))
    assert lower_bound(q) == 2 == brute_force_min_height(q)


def test_fixed_offsets_raise_the_bound():
    p = Problem((Buffer("a", 0, 2, 3, offset=10), Buffer("b", 1, 3, 4)))
    assert max_load(p) == 7
    assert lower_bound(p) == 13


def test_peak_times_merge_adjacent_steps_and_split_apart_ones():
    p = Problem((Buffer("a", 0, 2, 4), Buffer("b", 2, 4, 4), Buffer("c", 6, 7, 4),
                 Buffer("d", 4, 6, 1)))
    assert peak_times(p) == [(0, 4), (6, 7)]
    assert peak_times(Problem((Buffer("z", 0, 3, 0),))) == []
    hidden = Problem((Buffer("h", 0, 2, 5, gaps=(Gap(0, 2),)),))
    assert len(load_profile(hidden)[0]) == 0
    assert max_load(hidden) == 0 and peak_times(hidden) == []
    assert lower_bound(hidden) == 5  # its offset + size still counts in the height


def test_overloaded_needs_a_capacity():
    with pytest.raises(ProblemError, match="capacity"):
        overloaded(Problem((Buffer("a", 0, 1, 1),)))


@settings(max_examples=200, deadline=None)
@given(small_buffers(max_buffers=8, horizon=12))
def test_profile_matches_a_moment_by_moment_count(problem):
    times, live = load_profile(problem)
    assert np.all(np.diff(times) > 0)
    assert len(live) == 0 or live[-1] == 0
    naive = _naive_profile(problem)
    for t, expected in naive.items():
        k = np.searchsorted(times, t, side="right") - 1
        assert (int(live[k]) if k >= 0 else 0) == expected
    assert max_load(problem) == max(naive.values())


@settings(max_examples=200, deadline=None)
@given(small_buffers(max_buffers=8, horizon=12), st.integers(0, 12))
def test_peaks_and_overloads_match_a_moment_by_moment_count(problem, capacity):
    naive = _naive_profile(problem)
    load = max(naive.values())
    at_peak = sorted(t for t, v in naive.items() if v == load and load > 0)
    assert [t for s, e in peak_times(problem) for t in range(s, e)] == at_peak
    over = overloaded(problem, capacity)
    assert [t for s, e, _ in over for t in range(s, e)] == sorted(
        t for t, v in naive.items() if v > capacity)
    for start, end, members in over:
        expected = sorted(
            i for i, b in enumerate(problem.buffers)
            if any(occupied(b, t) is not None for t in range(start, end))
        )
        assert members == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_buffers(max_buffers=4, horizon=6, max_size=4, fixed=True))
def test_lower_bound_never_exceeds_the_optimum(problem):
    try:
        optimum = brute_force_min_height(problem)
    except ValueError:  # fixed buffers collide: no solution at all
        assume(False)
    assert max_load(problem) <= lower_bound(problem) <= optimum


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_buffers(max_buffers=5, horizon=5, max_size=3, gaps=False))
def test_lower_bound_with_alignment_only(problem):
    assert lower_bound(problem) <= brute_force_min_height(problem)


def test_large_problem():
    rng = np.random.default_rng(0)
    n = 100_000
    lower = rng.integers(0, n, n)
    upper = lower + 1 + rng.integers(0, 40, n)
    size = rng.integers(1, 1000, n)
    p = Problem(tuple(Buffer(f"b{i}", int(lo), int(hi), int(s))
                      for i, (lo, hi, s) in enumerate(zip(lower, upper, size))))
    times, live = load_profile(p)
    # The same profile from a dense count over all times.
    delta = np.zeros(int(upper.max()) + 1, np.int64)
    np.add.at(delta, lower, size)
    np.add.at(delta, upper, -size)
    dense = np.cumsum(delta)
    assert np.array_equal(live, dense[times])
    assert max_load(p) == lower_bound(p) == int(dense.max())
    assert peak_times(p)
    aligned = Problem(tuple(Buffer(b.id, b.lower, b.upper, b.size, alignment=64)
                            for b in p.buffers))
    assert lower_bound(aligned) >= max_load(aligned)


# ----------------------------------------------------------------------------
# The stacking bound: the same as the first version; memory and time limits


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 300),
       st.sampled_from([1, (1, 4, 16), (8, 64), (3, 5, 7)]),
       st.floats(0, 1), st.floats(0, 1), st.floats(0, 0.3))
def test_stacking_bound_matches_the_first_version(seed, n, alignment, gaps, windows,
                                                  fixed):
    problem = random_problem(n, seed=seed, alignment=alignment, gap_probability=gaps,
                             window_probability=windows, fixed_probability=fixed,
                             mean_lifetime=30)
    assert stacking_bound(problem) == reference_bounds.stacking_bound(problem)


def test_stacking_bound_on_a_crowded_moment_uses_the_largest():
    # 20 buffers at once: the 16 largest are stacked; alignment 8 wastes room.
    buffers = tuple(Buffer(f"b{i}", 0, 2, 1 + i, alignment=8) for i in range(20))
    p = Problem(buffers)
    assert stacking_bound(p) == reference_bounds.stacking_bound(p)
    assert stacking_bound(p)[1] == list(range(4, 20))


def _peak_bytes(function, *args) -> int:
    clear_cache()  # what is kept from an earlier call would not be counted
    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_bounds_memory_does_not_grow_with_the_pairs():
    few, many = overlapping(4000, 20), overlapping(4000, 200)
    for function in (lower_bound, stacking_bound, max_load):
        function(few)  # compile outside the measurement
        small = _peak_bytes(function, few)
        large = _peak_bytes(function, many)
        assert large < 2 * small, (function.__name__, small, large)


def test_passed_deadline_still_gives_a_bound():
    problem = random_problem(5000, seed=3, alignment=(8, 64), mean_lifetime=200)
    value, where = stacking_bound(problem, 0.0)
    full, _ = stacking_bound(problem)
    assert 0 <= value <= full
    assert lower_bound(problem, 0.0) <= lower_bound(problem)


@pytest.mark.parametrize("seed", range(8))
def test_moments_are_the_largest_sets_of_buffers_alive_together(seed):
    problem = random_problem(30, seed=seed, horizon=40, gap_probability=0.4,
                             window_probability=0.5)
    end = max(b.upper for b in problem.buffers)
    alive = [frozenset(i for i, b in enumerate(problem.buffers)
                       if occupied(b, time) is not None) for time in range(end)]
    found = moments(problem)
    assert all(members == sorted(members) for members in found)
    # each moment is the set of buffers alive at some time...
    assert all(frozenset(members) in alive for members in found)
    # ...and whatever is alive at one time lies within one of them
    assert all(any(now <= set(members) for members in found) for now in alive if now)


def test_moments_stop_at_the_deadline_with_what_they_found():
    problem = random_problem(5000, seed=3, mean_lifetime=50)
    everything = moments(problem)
    expired = Deadline(0.0)
    some = moments(problem, expired)
    assert len(some) < len(everything)
    assert some == everything[:len(some)]
