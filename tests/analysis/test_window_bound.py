"""The window bound against brute force: never above the optimum, equal to it
when the whole problem is one window the search can decide, and every
certificate checks out with two independent engines."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import brute_force_feasible, brute_force_min_height, valid

from minimalloc.analysis.window_bound import (
    WindowCertificate,
    check_certificate,
    window_bound,
    window_problem,
)
from minimalloc.bounds import lower_bound, max_load
from minimalloc.model import Buffer, Gap, Problem


@st.composite
def small_problems(draw, max_buffers=5, horizon=7, max_size=5, windows=True):
    n = draw(st.integers(1, max_buffers))
    buffers = []
    for i in range(n):
        lower = draw(st.integers(0, horizon - 1))
        upper = draw(st.integers(lower + 1, horizon))
        size = draw(st.integers(1, max_size))
        alignment = draw(st.sampled_from([1, 1, 1, 2, 3]))
        gaps = ()
        if upper - lower >= 2 and draw(st.integers(0, 3)) == 0:
            glo = draw(st.integers(lower, upper - 1))
            ghi = draw(st.integers(glo + 1, upper))
            window = None
            if windows and size >= 2 and draw(st.booleans()):
                wlo = draw(st.integers(0, size - 1))
                window = (wlo, draw(st.integers(wlo + 1, size)))
            gaps = (Gap(glo, ghi, window),)
        offset = None
        if draw(st.integers(0, 4)) == 0:
            offset = alignment * draw(st.integers(0, 2))
        buffers.append(Buffer(f"b{i}", lower, upper, size, alignment, gaps, offset))
    return Problem(tuple(buffers))


def _fixed_collide(problem: Problem) -> bool:
    fixed = Problem(tuple(b for b in problem.buffers if b.offset is not None))
    top = max((b.offset + b.size for b in fixed.buffers), default=0)
    return not brute_force_feasible(fixed, top)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_never_above_the_optimum(problem):
    assume(not _fixed_collide(problem))
    optimum = brute_force_min_height(problem)
    result = window_bound(problem, start_bound=max_load(problem))
    assert result.bound <= optimum
    if result.certificate is not None:
        assert result.bound == result.certificate.capacity + 1
        sub, _ = window_problem(problem, result.certificate.start, result.certificate.end,
                                result.certificate.buffers)
        assert not brute_force_feasible(sub, result.certificate.capacity)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(windows=False))
def test_reaches_the_optimum_without_windowed_gaps(problem):
    # The windows grow to the whole problem, which the search decides.
    assume(not _fixed_collide(problem))
    result = window_bound(problem, start_bound=max_load(problem))
    assert result.bound == brute_force_min_height(problem)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(), st.integers(0, 6), st.integers(1, 7))
def test_window_problem_is_a_relaxation(problem, start, length):
    # Any allocation of the whole problem is one of each window problem.
    assume(not _fixed_collide(problem))
    height = brute_force_min_height(problem)
    from oracle import brute_force_solution

    offsets = brute_force_solution(problem, height)
    sub, index = window_problem(problem, start, start + length)
    assert valid(sub, [offsets[i] for i in index], height)
    for b, i in zip(sub.buffers, index):
        original = problem.buffers[i]
        assert (b.id, b.size, b.alignment, b.offset) == (
            original.id, original.size, original.alignment, original.offset)
        assert original.lower <= b.lower < b.upper <= original.upper
        assert start <= b.lower and b.upper <= start + length


def test_fixed_offset_example():
    p = Problem((Buffer("f", 0, 2, 1, offset=1), Buffer("a", 0, 1, 2)))
    assert lower_bound(p) == 3
    result = window_bound(p, start_bound=3)
    assert result.bound == 4
    assert result.certificate == WindowCertificate(0, 1, (0, 1), 3)


def test_granularity_rounds_the_proof_up():
    # Sizes and offsets in steps of 4: failing at 12 already proves 16, the
    # next height an allocation can have; in steps of 1 it takes 15.
    p = Problem((Buffer("f", 0, 2, 4, offset=4), Buffer("a", 0, 1, 8)))
    coarse = window_bound(p, start_bound=12, granularity=4)
    fine = window_bound(p, start_bound=12)
    assert coarse.bound == fine.bound == 16
    assert coarse.certificate.capacity == 12 and fine.certificate.capacity == 15


def test_windowed_gaps_are_left_out():
    # In a windowed gap a buffer could nest inside another: not searched.
    nested = Buffer("n", 0, 4, 4, gaps=(Gap(1, 3, (0, 1)),))
    p = Problem((nested, Buffer("x", 1, 3, 2)))
    sub, index = window_problem(p, 0, 4)
    assert index == [1]
    sub, index = window_problem(p, 0, 1)  # the gap lies outside this window
    assert index == [0] and sub.buffers[0].gaps == ()


def test_unwindowed_gaps_are_cut_to_the_window():
    b = Buffer("b", 0, 10, 2, gaps=(Gap(2, 4), Gap(6, 9)))
    sub, _ = window_problem(Problem((b,)), 3, 8)
    assert sub.buffers[0].lower == 3 and sub.buffers[0].upper == 8
    assert sub.buffers[0].gaps == (Gap(3, 4), Gap(6, 8))


def test_colliding_fixed_offsets_end():
    p = Problem((Buffer("f", 0, 2, 2, offset=0), Buffer("g", 1, 3, 2, offset=1)))
    result = window_bound(p, start_bound=3, deadline=30)
    assert result.seconds < 30  # stopped by the ceiling, not by the clock


def test_deadline_gives_a_sound_bound():
    p = Problem((Buffer("f", 0, 2, 1, offset=1), Buffer("a", 0, 1, 2)))
    assert window_bound(p, deadline=0.0, start_bound=3).bound in (3, 4)


def _random_problem(rng: random.Random) -> Problem:
    buffers = []
    for i in range(rng.randint(2, 5)):
        lower = rng.randint(0, 5)
        upper = rng.randint(lower + 1, 6)
        alignment = rng.choice([1, 1, 2, 3])
        offset = alignment * rng.randint(0, 2) if rng.random() < 0.3 else None
        buffers.append(Buffer(f"b{i}", lower, upper, rng.randint(1, 5), alignment,
                              offset=offset))
    return Problem(tuple(buffers))


def test_certificates_check_with_cp_sat():
    # Every certificate is confirmed by a second, independent engine, and a
    # claim one step looser is refuted by both.
    pytest.importorskip("ortools")
    rng = random.Random(21)
    checked = 0
    for _ in range(400):
        problem = _random_problem(rng)
        if _fixed_collide(problem):
            continue
        result = window_bound(problem, start_bound=max_load(problem))
        if result.certificate is None:
            continue
        assert check_certificate(problem, result.certificate)
        assert check_certificate(problem, result.certificate, timeout=30, engine="cp-sat")
        looser = result.certificate._replace(capacity=result.bound)
        assert not check_certificate(problem, looser)
        assert not check_certificate(problem, looser, timeout=30, engine="cp-sat")
        checked += 1
    assert checked >= 10


def test_unknown_engine():
    p = Problem((Buffer("f", 0, 2, 1, offset=1), Buffer("a", 0, 1, 2)))
    with pytest.raises(ValueError, match="unknown engine"):
        check_certificate(p, WindowCertificate(0, 1, (0, 1), 3), engine="gurobi")
