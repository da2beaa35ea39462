"""The independent checker, against hand-made cases and a naive oracle."""

from __future__ import annotations

import random

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from minimalloc.model import Buffer, Gap, Problem, Solution
from minimalloc.validate import ValidationCode, ValidationResult, conflicts, validate

C = ValidationCode


def solution(problem: Problem, offsets: list[int]) -> Solution:
    return Solution.from_offsets(problem, offsets)


# ---------------------------------------------------------------------------
# A slow, obviously correct checker: look at every moment, every pair.


def occupied(buffer: Buffer, offset: int, time: int) -> tuple[int, int] | None:
    """The addresses ``buffer`` uses at ``time``, or None."""
    if not buffer.lower <= time < buffer.upper or buffer.size == 0:
        return None
    for gap in buffer.gaps:
        if gap.lower <= time < gap.upper:
            if gap.window is None:
                return None
            return offset + gap.window[0], offset + gap.window[1]
    return offset, offset + buffer.size


def naive_conflicts(problem: Problem, offsets: tuple[int, ...]) -> list[tuple[int, int]]:
    buffers = problem.buffers
    found = []
    for i in range(len(buffers)):
        for j in range(i + 1, len(buffers)):
            a, b = buffers[i], buffers[j]
            for time in range(max(a.lower, b.lower), min(a.upper, b.upper)):
                x = occupied(a, offsets[i], time)
                y = occupied(b, offsets[j], time)
                if x and y and max(x[0], y[0]) < min(x[1], y[1]):
                    found.append((i, j))
                    break
    return found


def naive_validate(
    problem: Problem, sol: Solution
) -> tuple[ValidationCode, tuple[int, ...]]:
    buffers, offsets = problem.buffers, sol.offsets
    if len(buffers) != len(offsets):
        return C.BAD_SOLUTION, ()
    for i, (b, o) in enumerate(zip(buffers, offsets, strict=True)):
        if b.offset is not None and b.offset != o:
            return C.BAD_FIXED, (i,)
        if o < 0 or (problem.capacity is not None and o + b.size > problem.capacity):
            return C.BAD_OFFSET, (i,)
        if o + b.size > sol.height:
            return C.BAD_HEIGHT, (i,)
        if o % b.alignment:
            return C.BAD_ALIGNMENT, (i,)
    if sol.height != max((o + b.size for b, o in zip(buffers, offsets, strict=True)),
                         default=0):
        return C.BAD_HEIGHT, ()
    pairs = naive_conflicts(problem, offsets)
    if pairs:
        return C.BAD_OVERLAP, pairs[0]
    return C.GOOD, ()


# ---------------------------------------------------------------------------
# Each code on a hand-made case

EXAMPLE = Problem(
    (
        Buffer("b1", 0, 3, 4),
        Buffer("b2", 3, 9, 4),
        Buffer("b3", 0, 9, 4),
        Buffer("b4", 9, 21, 4),
        Buffer("b5", 0, 21, 4),
    ),
    capacity=12,
)
GOOD_OFFSETS = [8, 8, 4, 4, 0]


def test_good() -> None:
    result = validate(EXAMPLE, solution(EXAMPLE, GOOD_OFFSETS))
    assert result.code is C.GOOD
    assert result.ok and bool(result) and result.buffers == ()
    assert "valid" in result.message
    assert conflicts(EXAMPLE, solution(EXAMPLE, GOOD_OFFSETS)) == []


def test_bad_solution() -> None:
    result = validate(EXAMPLE, Solution((0, 4, 8), 12))
    assert result.code is C.BAD_SOLUTION and result.buffers == ()
    assert not result and not result.ok
    assert "3 offsets" in result.message and "5 buffers" in result.message


def test_bad_fixed() -> None:
    problem = Problem((Buffer("a", 0, 3, 4, offset=4), Buffer("b", 0, 3, 4)), capacity=8)
    result = validate(problem, solution(problem, [0, 4]))
    assert result.code is C.BAD_FIXED and result.buffers == (0,)
    assert "'a'" in result.message and "fixed at offset 4" in result.message
    assert validate(problem, solution(problem, [4, 0])).ok


@pytest.mark.parametrize(("offsets", "index"), [([-4, 0], 0), ([0, 6], 1)])
def test_bad_offset(offsets: list[int], index: int) -> None:
    problem = Problem((Buffer("a", 0, 3, 4), Buffer("b", 3, 6, 4)), capacity=8)
    result = validate(problem, Solution(tuple(offsets), 10))
    assert result.code is C.BAD_OFFSET and result.buffers == (index,)
    assert f"'{problem.buffers[index].id}'" in result.message


def test_no_capacity_means_no_upper_limit() -> None:
    problem = Problem((Buffer("a", 0, 3, 4),))
    assert validate(problem, Solution((1000,), 1004)).ok
    assert validate(problem, Solution((-1,), 3)).code is C.BAD_OFFSET


def test_bad_height_per_buffer() -> None:
    problem = Problem((Buffer("a", 0, 3, 4), Buffer("b", 3, 6, 4)), capacity=100)
    result = validate(problem, Solution((0, 8), 10))
    assert result.code is C.BAD_HEIGHT and result.buffers == (1,)
    assert "stated height 10" in result.message


def test_bad_height_overall() -> None:
    problem = Problem((Buffer("a", 0, 3, 4), Buffer("b", 3, 6, 4)), capacity=100)
    result = validate(problem, Solution((0, 8), 20))
    assert result.code is C.BAD_HEIGHT and result.buffers == (1,)
    assert "reach only 12" in result.message
    # Height of nothing is 0.
    assert validate(Problem(()), Solution((), 0)).ok
    assert validate(Problem(()), Solution((), 3)).code is C.BAD_HEIGHT
    assert validate(Problem(()), Solution((), 3)).buffers == ()


def test_bad_alignment() -> None:
    problem = Problem((Buffer("a", 0, 3, 4, alignment=4),), capacity=16)
    result = validate(problem, solution(problem, [6]))
    assert result.code is C.BAD_ALIGNMENT and result.buffers == (0,)
    assert "alignment 4" in result.message


def test_bad_overlap_names_both_buffers_and_a_witness() -> None:
    offsets = [8, 8, 4, 4, 2]  # b5 at 2..5 meets b3 at 4..7 during [0, 9)
    result = validate(EXAMPLE, Solution(tuple(offsets), 12))
    assert result.code is C.BAD_OVERLAP
    assert result.buffers == (2, 4)
    assert result.message == (
        "Buffers 'b3' and 'b5' collide: at time 0 both occupy addresses 4 to 5."
    )
    assert conflicts(EXAMPLE, Solution(tuple(offsets), 12)) == [(2, 4), (3, 4)]


# ---------------------------------------------------------------------------
# The reference's order: the first failing check is the one reported


def test_fixed_before_offset() -> None:
    problem = Problem((Buffer("a", 0, 3, 4, offset=0),), capacity=8)
    assert validate(problem, Solution((-8,), 0)).code is C.BAD_FIXED


def test_offset_before_height_and_alignment() -> None:
    problem = Problem((Buffer("a", 0, 3, 4, alignment=4),), capacity=8)
    assert validate(problem, Solution((6,), 4)).code is C.BAD_OFFSET


def test_height_before_alignment() -> None:
    problem = Problem((Buffer("a", 0, 3, 4, alignment=4),), capacity=16)
    assert validate(problem, Solution((6,), 8)).code is C.BAD_HEIGHT


def test_per_buffer_checks_go_buffer_by_buffer() -> None:
    problem = Problem(
        (Buffer("a", 0, 3, 4, alignment=2), Buffer("b", 0, 3, 4, offset=0)), capacity=16
    )
    # Buffer 0's alignment is reported before buffer 1's fixed offset.
    result = validate(problem, Solution((1, 8), 12))
    assert result.code is C.BAD_ALIGNMENT and result.buffers == (0,)


def test_per_buffer_before_overall_height_before_overlap() -> None:
    problem = Problem(
        (Buffer("a", 0, 3, 4), Buffer("b", 0, 3, 4, alignment=2)), capacity=16
    )
    assert validate(problem, Solution((0, 1), 20)).code is C.BAD_ALIGNMENT
    assert validate(problem, Solution((0, 2), 20)).code is C.BAD_HEIGHT
    assert validate(problem, Solution((0, 2), 6)).code is C.BAD_OVERLAP


# ---------------------------------------------------------------------------
# Time and space edges, gaps and windows


def test_touching_lifespans_and_addresses_do_not_collide() -> None:
    problem = Problem((Buffer("a", 0, 3, 4), Buffer("b", 3, 6, 4), Buffer("c", 0, 6, 2)))
    assert validate(problem, solution(problem, [0, 0, 4])).ok


def test_size_zero_never_collides() -> None:
    problem = Problem((Buffer("a", 0, 9, 4), Buffer("empty", 0, 9, 0)))
    assert validate(problem, solution(problem, [0, 2])).ok
    assert conflicts(problem, solution(problem, [0, 2])) == []


def test_a_gap_lets_another_buffer_use_the_space() -> None:
    b = Buffer("b", 3, 6, 4)
    without = Problem((Buffer("a", 0, 9, 4), b))
    with_gap = Problem((Buffer("a", 0, 9, 4, gaps=(Gap(3, 6),)), b))
    partial_gap = Problem((Buffer("a", 0, 9, 4, gaps=(Gap(4, 6),)), b))
    assert validate(without, solution(without, [0, 0])).code is C.BAD_OVERLAP
    assert validate(with_gap, solution(with_gap, [0, 0])).ok
    result = validate(partial_gap, solution(partial_gap, [0, 0]))
    assert result.code is C.BAD_OVERLAP
    assert "at time 3" in result.message


def test_windows() -> None:
    # During [3, 6) buffer a only uses its bottom two bytes.
    a = Buffer("a", 0, 9, 4, gaps=(Gap(3, 6, (0, 2)),))
    problem = Problem((a, Buffer("b", 3, 6, 4)))
    assert validate(problem, solution(problem, [0, 2])).ok
    assert validate(problem, solution(problem, [0, 1])).code is C.BAD_OVERLAP
    # b below a: a's window [0, 2) starts at a's offset, so b must end there.
    assert validate(problem, solution(problem, [4, 0])).ok
    assert validate(problem, solution(problem, [3, 0])).code is C.BAD_OVERLAP
    # Windows on both sides.
    c = Buffer("c", 0, 9, 4, gaps=(Gap(2, 7, (3, 4)),))
    both = Problem((a, c))
    assert validate(both, solution(both, [0, 0])).code is C.BAD_OVERLAP  # before 2
    d = Buffer("d", 3, 6, 4, gaps=(Gap(3, 6, (2, 4)),))
    both = Problem((a, d))
    assert validate(both, solution(both, [0, 0])).ok
    assert conflicts(both, solution(both, [0, 0])) == []


def test_interleaved_windows_use_no_byte_twice() -> None:
    # a is low during [0, 2) and high during [2, 4); b is the other way round.
    a = Buffer("a", 0, 4, 4, gaps=(Gap(0, 2, (0, 2)), Gap(2, 4, (2, 4))))
    b = Buffer("b", 0, 4, 4, gaps=(Gap(0, 2, (2, 4)), Gap(2, 4, (0, 2))))
    problem = Problem((a, b))
    assert validate(problem, solution(problem, [0, 0])).ok


def test_a_buffers_own_pieces_never_collide_with_each_other() -> None:
    a = Buffer("a", 0, 9, 4, gaps=(Gap(2, 4, (0, 4)), Gap(4, 6, (1, 3))))
    problem = Problem((a,))
    assert validate(problem, solution(problem, [0])).ok


def test_conflicts_reports_every_pair_once() -> None:
    problem = Problem(tuple(Buffer(f"x{i}", 0, 9, 4, gaps=(Gap(2, 4),)) for i in range(4)))
    assert conflicts(problem, solution(problem, [0, 1, 2, 9])) == [(0, 1), (0, 2), (1, 2)]
    with pytest.raises(ValueError):
        conflicts(problem, Solution((0,), 4))


def test_result_is_a_frozen_value() -> None:
    result = ValidationResult(C.GOOD)
    assert result.ok and str(result) == ""
    with pytest.raises(AttributeError):
        result.code = C.BAD_FIXED  # type: ignore[misc]


# ---------------------------------------------------------------------------
# Against the naive checker on random problems


@st.composite
def cases(draw: st.DrawFn, clean: bool = False) -> tuple[Problem, Solution]:
    """Random problems with gaps and windows, and offsets for them.  With
    ``clean``, only collisions can be wrong (no capacity, nothing fixed,
    aligned offsets, the true height)."""
    count = draw(st.integers(0, 7))
    buffers = []
    for index in range(count):
        lower = draw(st.integers(0, 10))
        upper = lower + draw(st.integers(1, 8))
        size = draw(st.integers(0, 6))
        alignment = draw(st.sampled_from([1, 1, 1, 2, 3]))
        cuts = sorted(draw(st.sets(st.integers(lower, upper), max_size=4)))
        gaps = []
        for lo, hi in zip(cuts[::2], cuts[1::2], strict=False):
            window = None
            if size >= 1 and draw(st.booleans()):
                wlo = draw(st.integers(0, size - 1))
                window = (wlo, draw(st.integers(wlo + 1, size)))
            gaps.append(Gap(lo, hi, window))
        fixed = None
        if not clean:
            fixed = draw(st.none() | st.integers(0, 4).map(lambda k, a=alignment: k * a))
        buffers.append(
            Buffer(f"b{index}", lower, upper, size, alignment, tuple(gaps), fixed)
        )
    capacity = None if clean else draw(st.none() | st.integers(1, 20))
    problem = Problem(tuple(buffers), capacity)
    if clean:
        offsets = [b.alignment * draw(st.integers(0, 6)) for b in buffers]
        return problem, Solution.from_offsets(problem, offsets)
    offsets = [
        b.offset if b.offset is not None and draw(st.integers(0, 4)) else draw(
            st.integers(-1, 14))
        for b in buffers
    ]
    true_height = max(
        (o + b.size for o, b in zip(offsets, buffers, strict=True)), default=0
    )
    height = draw(st.sampled_from([true_height] * 4 + [true_height + 1, true_height - 1]))
    if draw(st.integers(0, 20)) == 20:
        offsets = offsets[:-1]
    return problem, Solution(tuple(offsets), height)


@settings(max_examples=600, deadline=None)
@given(cases() | cases(clean=True))
def test_validate_and_conflicts_agree_with_the_naive_checker(
    case: tuple[Problem, Solution],
) -> None:
    problem, sol = case
    code, buffers = naive_validate(problem, sol)
    result = validate(problem, sol)
    event(result.code.name)
    assert result.code is code
    if len(sol.offsets) != len(problem.buffers):
        return
    pairs = naive_conflicts(problem, sol.offsets)
    assert conflicts(problem, sol) == pairs
    if code is C.BAD_OVERLAP:
        assert result.buffers in pairs
    elif code is C.BAD_HEIGHT and not buffers:
        assert len(result.buffers) <= 1
    else:
        assert result.buffers == buffers
    assert result.message


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_conflicts_on_valid_looking_placements(data: st.DataObject) -> None:
    """Offsets at or beside each other, so most pairs just touch."""
    problem, _ = data.draw(cases())
    offsets = tuple(data.draw(st.sampled_from([0, 2, 4, 6])) for _ in problem.buffers)
    sol = Solution.from_offsets(problem, offsets)
    pairs = naive_conflicts(problem, offsets)
    assert conflicts(problem, sol) == pairs
    free = problem.without_fixed_offsets()
    result = validate(free, sol)
    assert result.code is naive_validate(free, sol)[0]
    if result.code is C.BAD_OVERLAP:
        assert result.buffers in pairs


@pytest.mark.parametrize("seed", range(40))
def test_bigger_random_problems_against_the_naive_checker(seed: int) -> None:
    rng = random.Random(seed)
    buffers = []
    for index in range(rng.randint(20, 60)):
        lower = rng.randrange(30)
        upper = lower + rng.randint(1, 15)
        size = rng.randint(0, 8)
        gaps = []
        if upper - lower > 3 and rng.random() < 0.5:
            lo = rng.randrange(lower, upper - 1)
            hi = rng.randint(lo + 1, upper)
            window = None
            if size and rng.random() < 0.5:
                wlo = rng.randrange(size)
                window = (wlo, rng.randint(wlo + 1, size))
            gaps.append(Gap(lo, hi, window))
        buffers.append(Buffer(f"r{index}", lower, upper, size, gaps=tuple(gaps)))
    problem = Problem(tuple(buffers))
    spread = rng.choice([8, 40, 200])
    offsets = tuple(rng.randrange(spread) for _ in buffers)
    sol = Solution.from_offsets(problem, offsets)
    pairs = naive_conflicts(problem, offsets)
    assert conflicts(problem, sol) == pairs
    result = validate(problem, sol)
    assert result.code is (C.BAD_OVERLAP if pairs else C.GOOD)
    if pairs:
        assert result.buffers in pairs


# ---------------------------------------------------------------------------
# Scale


def lanes_problem(lanes: int, per_lane: int, seed: int) -> tuple[Problem, list[int]]:
    """Buffers one after another in each lane, lanes stacked: valid by
    construction.  Lanes start at staggered times so the live set changes."""
    rng = random.Random(seed)
    buffers, offsets = [], []
    for lane in range(lanes):
        time = rng.randrange(20)
        for k in range(per_lane):
            width = rng.randint(1, 40)
            size = rng.randint(0, 16)
            gaps: tuple[Gap, ...] = ()
            if width > 4 and size > 1 and rng.random() < 0.2:
                gaps = (Gap(time + 1, time + 3, (0, size // 2)),)
            buffers.append(Buffer(f"l{lane}.{k}", time, time + width, size, gaps=gaps))
            offsets.append(lane * 16)
            time += width + rng.randint(0, 2)
    return Problem(tuple(buffers), capacity=lanes * 16), offsets


def test_a_hundred_thousand_buffers() -> None:
    problem, offsets = lanes_problem(500, 200, seed=7)
    assert len(problem) == 100_000
    assert validate(problem, solution(problem, offsets)).ok
    # Push one buffer half into the lane above: exactly the buffers of that lane
    # alive with it (and big enough to reach) collide with it.
    victim = next(i for i, b in enumerate(problem.buffers) if b.size == 16 and not b.gaps
                  and i // 200 == 250)
    moved = list(offsets)
    moved[victim] += 8
    sol = solution(problem, moved)
    result = validate(problem, sol)
    assert result.code is C.BAD_OVERLAP and victim in result.buffers
    v = problem.buffers[victim]
    expected = sorted(
        (min(i, victim), max(i, victim))
        for i in range(251 * 200, 252 * 200)
        if problem.buffers[i].lower < v.upper and v.lower < problem.buffers[i].upper
        and naive_conflicts(problem.subset([i, victim]), (moved[i], moved[victim]))
    )
    assert expected
    assert conflicts(problem, sol) == expected


def test_memory_does_not_grow_with_the_pairs():
    # The same number of buffers with ten times the pairs alive together: the
    # sweep keeps only the live rectangles, so the peak stays about the same.
    import tracemalloc

    from shared_problems import overlapping

    from minimalloc.baselines.allocators import first_fit

    peaks = []
    for problem in (overlapping(4000, 20), overlapping(4000, 200)):
        solution = first_fit(problem)
        tracemalloc.start()
        try:
            assert validate(problem, solution).ok
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] < 2 * peaks[0], peaks
