"""The best baseline: the lowest valid allocation of the registered
allocators, and the check of the fixed buffers it relies on."""

from __future__ import annotations

from minimalloc.baselines.allocators import (
    ALLOCATORS,
    allocate,
    available_allocators,
    register_allocator,
)
from minimalloc.baselines.best import best_baseline, fixed_collision
from minimalloc.model import Buffer, Problem, Solution
from minimalloc.validate import ValidationCode

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
