"""The start packed exactly around the heaviest moment: valid, packed within
the bound there, and never late."""

from __future__ import annotations

import numpy as np
import pytest
from awkward import awkward_problem
from hypothesis import given, settings
from hypothesis import strategies as st

import minimalloc.anytime.peak_window as peak_window
from minimalloc.anytime.peak_window import heaviest_moment, peak_window_start
from minimalloc.bounds import lower_bound
from minimalloc.columns import buffer_columns
from minimalloc.deadline import Deadline
from minimalloc.generate.problems import random_problem
from minimalloc.model import Buffer, Problem
from minimalloc.validate import ValidationCode, validate


def _top_at(problem: Problem, offsets, moment: int) -> int:
    columns = buffer_columns(problem.buffers)
    alive = (columns.lower <= moment) & (columns.upper > moment)
    return int((np.array(offsets) + columns.size)[alive].max())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_window_is_packed_within_the_bound(seed):
    problem = random_problem(3000, seed=seed, horizon=3000, mean_lifetime=100)
    bound = lower_bound(problem)
    start = peak_window_start(problem, bound)
    assert start is not None
    assert validate(problem.with_capacity(None), start).ok
    columns = buffer_columns(problem.buffers)
    moment = heaviest_moment(columns.lower, columns.upper, columns.size)
    # Where the live bytes peak, the start wastes nothing.
    assert _top_at(problem, start.offsets, moment) == bound


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 150), seed=st.integers(0, 10**6), gaps=st.booleans(),
       fixed=st.booleans())
def test_the_start_is_valid_with_gaps_alignment_and_fixed_offsets(n, seed, gaps, fixed):
    problem = awkward_problem(n, seed, gaps=gaps, fixed=fixed)
    with pytest.MonkeyPatch.context() as patch:  # searches that fail, briefly
        patch.setattr(peak_window, "WINDOW_SECONDS", 0.1)
        start = peak_window_start(problem, lower_bound(problem))
    if start is None:
        return  # no window packed within the bound: the caller falls back
    check = validate(problem, start)
    # Fixed buffers that collide with each other are the only way to fail.
    assert check.ok or check.code is ValidationCode.BAD_OVERLAP
    for buffer, offset in zip(problem.buffers, start.offsets):
        if buffer.offset is not None:
            assert offset == buffer.offset


def test_no_window_below_a_bound_that_cannot_be_met():
    # Two buffers alive together need 8 bytes: no window packs within 7.
    problem = Problem((Buffer("a", 0, 4, 4), Buffer("b", 1, 5, 4)))
    assert peak_window_start(problem, 7) is None
    start = peak_window_start(problem, 8)
    assert start is not None and start.height == 8


def test_a_fixed_buffer_above_the_bound_leaves_no_window():
    problem = Problem((Buffer("a", 0, 4, 4), Buffer("b", 1, 5, 4, offset=10)))
    assert peak_window_start(problem, 8) is None


def test_a_deadline_that_has_passed_tries_no_window(monkeypatch):
    tried: list[int] = []
    monkeypatch.setattr(peak_window, "_pack_window",
                        lambda *args: tried.append(1))
    problem = random_problem(500, seed=4, mean_lifetime=50)
    assert peak_window_start(problem, lower_bound(problem), Deadline(0.0)) is None
    assert tried == []


def test_a_window_is_searched_once_when_widths_round_to_one_reach(monkeypatch):
    # Lifespans of one or two steps: every width rounds to a reach of one
    # step but the widest, so only two windows are different.
    tried: list[int] = []
    search = peak_window._pack_window

    def count(problem, inside, *rest):
        tried.append(len(inside))
        return search(problem, inside, *rest)

    monkeypatch.setattr(peak_window, "_pack_window", count)
    problem = random_problem(400, seed=5, horizon=200, mean_lifetime=1.5,
                             lifetime_distribution="uniform")
    start = peak_window_start(problem, lower_bound(problem))
    assert start is not None and validate(problem.with_capacity(None), start).ok
    assert tried and len(tried) == len(set(tried))  # no window twice
    assert len(tried) < len(peak_window.WINDOW_WIDTHS)


def test_buffers_alive_through_the_window_are_packed_as_classes(monkeypatch):
    # 60 buffers live through the whole window and a few are born or die in
    # it: too many for the search of the buffers themselves (the limit is
    # lowered to 10 here), but they form a handful of classes.
    monkeypatch.setattr(peak_window, "MAX_WINDOW_BUFFERS", 10)
    rng = np.random.default_rng(7)
    buffers = [Buffer(f"long{i}", int(rng.integers(0, 5)), int(rng.integers(15, 20)),
                      int(rng.integers(1, 50)) * 2 + 1) for i in range(60)]
    buffers += [Buffer("early", 0, 10, 64), Buffer("late", 10, 20, 96),
                Buffer("aligned", 3, 17, 12, alignment=4)]
    problem = Problem(tuple(buffers))
    bound = lower_bound(problem)
    start = peak_window_start(problem, bound)
    assert start is not None
    assert validate(problem, start).ok
    columns = buffer_columns(problem.buffers)
    moment = heaviest_moment(columns.lower, columns.upper, columns.size)
    assert _top_at(problem, start.offsets, moment) == bound
    assert start.offsets[-1] % 4 == 0
