"""The anytime optimiser's start: valid, and built around the heaviest moment."""

from __future__ import annotations

import numpy as np
from awkward import awkward_problem
from hypothesis import given, settings
from hypothesis import strategies as st

from minimalloc.anytime.peak_first import _heaviest_moment, peak_first
from minimalloc.anytime.peak_window import heaviest_moment
from minimalloc.bounds import lower_bound
from minimalloc.generate.problems import random_problem
from minimalloc.model import Buffer, Problem
from minimalloc.validate import validate

lifespans = st.tuples(st.integers(-20, 20), st.integers(1, 15), st.integers(0, 9))


@settings(max_examples=80, deadline=None)
@given(st.lists(lifespans, min_size=1, max_size=25))
def test_each_buffer_gets_the_most_bytes_alive_during_its_life(rows):
    lower, upper, size = _columns(rows)
    expected = [max(_live(lower, upper, size, t) for t in range(lower[i], upper[i]))
                for i in range(len(rows))]
    assert _heaviest_moment(lower, upper, size).tolist() == expected


@settings(max_examples=80, deadline=None)
@given(st.lists(lifespans, min_size=1, max_size=25))
def test_the_window_start_centres_on_the_first_moment_with_the_most_bytes(rows):
    lower, upper, size = _columns(rows)
    moments = range(int(lower.min()), int(upper.max()))
    live = [_live(lower, upper, size, t) for t in moments]
    assert heaviest_moment(lower, upper, size) == moments[int(np.argmax(live))]


def _columns(rows: list[tuple[int, int, int]]) -> tuple[np.ndarray, ...]:
    """Lifespans ``[lower, lower + width)`` and sizes from ``rows``."""
    lower = np.array([lo for lo, _, _ in rows], np.int64)
    upper = np.array([lo + w for lo, w, _ in rows], np.int64)
    size = np.array([s for _, _, s in rows], np.int64)
    return lower, upper, size


def _live(lower: np.ndarray, upper: np.ndarray, size: np.ndarray, moment: int) -> int:
    return int(size[(lower <= moment) & (upper > moment)].sum())


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 120), seed=st.integers(0, 10**6), gaps=st.booleans(),
       fixed=st.booleans())
def test_the_start_is_a_valid_allocation(n, seed, gaps, fixed):
    problem = awkward_problem(n, seed, gaps=gaps, fixed=fixed, mean_lifetime=10)
    solution, finished = peak_first(problem)
    assert finished
    check = validate(problem, solution)
    # Fixed buffers that collide with each other are the only way to fail.
    assert check.ok or fixed, check.message


def test_the_heaviest_moment_is_stacked_without_a_hole():
    # Time 2 is the heaviest (a, b, c: 9 bytes); d and e are alive at lighter
    # moments only and must not push the three apart.
    problem = Problem((Buffer("d", 0, 2, 2), Buffer("a", 1, 3, 3), Buffer("b", 2, 6, 4),
                       Buffer("c", 2, 3, 2), Buffer("e", 3, 8, 3)))
    solution, _ = peak_first(problem)
    assert validate(problem, solution).ok
    at_peak = [solution.offsets[i] + problem.buffers[i].size for i in (1, 2, 3)]
    assert max(at_peak) == 9 == lower_bound(problem) == solution.height


def test_a_deadline_that_has_passed_still_gives_a_valid_allocation():
    problem = random_problem(300, seed=3, mean_lifetime=20).with_capacity(None)
    solution, finished = peak_first(problem, 0.0)
    assert not finished
    assert validate(problem, solution).ok
