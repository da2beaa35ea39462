"""The best baseline: the lowest valid allocation of the registered
allocators, and the check of the fixed buffers it relies on."""

from __future__ import annotations

import pytest

import minimalloc.baselines.best as best_module
from minimalloc.baselines.allocators import (
    ALLOCATORS,
    allocate,
    available_allocators,
    register_allocator,
)
from minimalloc.baselines.best import best_baseline, fixed_collision
from minimalloc.generate.problems import random_problem
from minimalloc.model import Buffer, Problem, Solution
from minimalloc.threads import THREADS_VARIABLE
from minimalloc.validate import ValidationCode, validate

FIVE = Problem((Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
                Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)))


def test_best_baseline_is_the_lowest_valid_one():
    fallback = best_baseline(FIVE, 11)
    heights = {name: allocate(FIVE, name).height for name in available_allocators()}
    assert fallback.solution.height == min(heights.values()) == 12
    assert not fallback.fits
    assert best_baseline(FIVE, None).fits and best_baseline(FIVE, 12).fits
    # ties go to the allocator registered first
    assert fallback.method == next(n for n, h in heights.items() if h == 12)


def test_an_invalid_registered_allocator_is_never_the_best(monkeypatch):
    monkeypatch.setattr("minimalloc.baselines.allocators.ALLOCATORS", dict(ALLOCATORS))

    def everything_at_zero(problem: Problem) -> Solution:
        return Solution.from_offsets(problem, [0] * len(problem.buffers))

    register_allocator("everything_at_zero", everything_at_zero)
    fallback = best_baseline(FIVE, None)
    assert fallback.method != "everything_at_zero"
    assert fallback.solution.height == 12


def test_fixed_buffers_that_collide_leave_no_baseline():
    apart = Problem((Buffer("a", 0, 2, 4, offset=0), Buffer("b", 1, 3, 4, offset=4),
                     Buffer("c", 0, 3, 4)))
    assert fixed_collision(apart).ok
    assert best_baseline(apart, None).solution.offsets[:2] == (0, 4)
    clash = Problem((Buffer("a", 0, 2, 4, offset=0), Buffer("b", 1, 3, 4, offset=2),
                     Buffer("c", 0, 3, 4)))
    verdict = fixed_collision(clash)
    assert verdict.code is ValidationCode.BAD_OVERLAP and verdict.buffers == (0, 1)
    assert best_baseline(clash, None) is None


def test_one_fixed_buffer_cannot_collide():
    alone = Problem((Buffer("a", 0, 2, 4, offset=8), Buffer("b", 0, 2, 4)))
    assert fixed_collision(alone).ok


@pytest.mark.parametrize("threads", ["1", "2"])
def test_with_no_time_for_more_the_first_complete_answer_is_enough(monkeypatch, threads):
    # enough=0: once one allocator has finished the others are stopped (or
    # not started); the answer is complete and valid, and says who stopped.
    monkeypatch.setattr(best_module, "PARALLEL_BASELINES", 0)
    monkeypatch.setenv(THREADS_VARIABLE, threads)
    problem = random_problem(3000, seed=3, mean_lifetime=80)
    found = best_baseline(problem, None, enough=0.0)
    assert found.complete
    assert validate(problem, found.solution).ok
    assert found.method not in found.unfinished
    everyone = best_baseline(problem, None)
    assert everyone.unfinished == ()
    assert found.solution.height >= everyone.solution.height
    if threads == "1":  # one at a time: the first one registered is enough
        assert found.method == available_allocators()[0]
        assert set(found.unfinished) == set(available_allocators()[1:])
