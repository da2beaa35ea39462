"""First fit in time order by a sweep: the baseline that always finishes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from minimalloc.baselines.allocators import allocate_within
from minimalloc.baselines.best import best_baseline
from minimalloc.baselines.sweep import SWEEP, sweep_first_fit
from minimalloc.deadline import Deadline
from minimalloc.generate.problems import random_problem
from minimalloc.model import Buffer, Gap, Problem
from minimalloc.validate import validate


@st.composite
def plain_problems(draw):
    """Buffers without gaps or fixed offsets, many of them alive together."""
    n = draw(st.integers(1, 40))
    buffers = []
    for i in range(n):
        lower = draw(st.integers(0, 20))
        buffers.append(Buffer(f"b{i}", lower, lower + draw(st.integers(1, 12)),
                              draw(st.sampled_from((0, 1, 2, 3, 5, 8, 16))),
                              alignment=draw(st.sampled_from((1, 2, 4)))))
    return Problem(tuple(buffers))


@settings(max_examples=150, deadline=None)
@given(plain_problems())
def test_the_sweep_places_exactly_as_first_fit_does(problem):
    swept, complete = sweep_first_fit(problem)
    assert complete
    assert swept == allocate_within(problem, "first_fit")[0]


def test_the_sweep_is_valid_with_gaps_fixed_offsets_and_aliases():
    problem = Problem((
        Buffer("fixed", 0, 9, 4, offset=6),
        Buffer("holey", 0, 9, 8, gaps=(Gap(2, 5, (0, 2)),)),
        Buffer("x", 1, 4, 4), Buffer("y", 3, 7, 4, alias="x"),
        Buffer("z", 4, 8, 2, alignment=4),
    ))
    found = best_baseline(problem, None, 0.0)  # the sweep alone, aliases folded
    assert found.method == SWEEP and validate(problem, found.solution).ok
    assert found.solution.offsets[2] == found.solution.offsets[3]  # y shares x's memory
    plain = Problem(tuple(b for b in problem.buffers if b.alias is None))
    swept, complete = sweep_first_fit(plain)
    assert complete and validate(plain, swept).ok
    # the fixed buffer keeps its offset; the others go above it
    assert swept.offsets[0] == 6 and min(swept.offsets[1:]) >= 10


def test_the_sweep_answers_when_the_limit_left_no_time_and_stops_at_a_cancel():
    problem = random_problem(3000, seed=5, alignment=(1, 8))
    found = best_baseline(problem, None, 0.0)  # the timer has fired before it starts
    assert found.method == SWEEP and found.complete
    assert found.solution == sweep_first_fit(problem)[0]
    limit = Deadline(None)
    limit.cancel()  # a Ctrl-C: the rest is stacked, still valid
    stopped = best_baseline(problem, None, limit)
    assert not stopped.complete
    assert validate(problem, stopped.solution).ok


def test_the_sweep_is_deterministic():
    problem = random_problem(500, seed=2)
    first, second = sweep_first_fit(problem)[0], sweep_first_fit(problem)[0]
    assert first == second
    assert np.all(np.array(first.offsets) >= 0)
