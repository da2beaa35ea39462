"""The data model: construction rules and their errors."""

from __future__ import annotations

import numpy as np
import pytest

from minimalloc.errors import ProblemError
from minimalloc.model import (
    MAX_TOTAL,
    MAX_VALUE,
    Buffer,
    Gap,
    Problem,
    Solution,
    check_capacity,
)


def test_a_plain_buffer() -> None:
    b = Buffer("b1", 0, 3, 4)
    assert (b.alignment, b.gaps, b.offset, b.hint) == (1, (), None, None)
    assert (b.width, b.area) == (3, 12)


def test_numpy_integers_are_accepted_as_ints() -> None:
    b = Buffer("b", np.int64(0), np.int32(3), np.int64(4), offset=np.int64(8))
    assert type(b.size) is int and type(b.offset) is int
    assert Buffer(7, 0, 1, 1).id == "7"


@pytest.mark.parametrize(
    ("kwargs", "column", "words"),
    [
        ({"size": -4}, "size", "size >= 0"),
        ({"lower": 3, "upper": 3}, "upper", "lower < upper"),
        ({"lower": 5, "upper": 3}, "upper", "lower < upper"),
        ({"alignment": 0}, "alignment", "alignment >= 1"),
        ({"alignment": -2}, "alignment", "alignment >= 1"),
        ({"offset": -1}, "offset", "offset >= 0"),
        ({"alignment": 4, "offset": 6}, "offset", "multiple of the alignment"),
        ({"size": 2.5}, "size", "expected an integer"),
        ({"lower": "0"}, "lower", "expected an integer"),
        ({"upper": True}, "upper", "expected an integer"),
        ({"alignment": 1.0}, "alignment", "expected an integer"),
        ({"offset": 4.0}, "offset", "expected an integer"),
        ({"hint": "x"}, "hint", "expected an integer"),
        ({"gaps": (Gap(0, 2), Gap(1, 3))}, "gaps", "overlap"),
        ({"gaps": (Gap(-1, 2),)}, "gaps", "outside the lifespan"),
        ({"gaps": (Gap(5, 10),)}, "gaps", "outside the lifespan"),
        ({"gaps": (Gap(1, 2, (0, 5)),)}, "gaps", "window"),
        ({"gaps": (Gap(1, 2, (2, 2)),)}, "gaps", "window"),
        ({"gaps": ((1, 2),)}, "gaps", "Gap objects"),
    ],
)
def test_buffer_errors_name_the_column(kwargs: dict, column: str, words: str) -> None:
    fields = {"id": "b", "lower": 0, "upper": 9, "size": 4} | kwargs
    with pytest.raises(ProblemError) as info:
        Buffer(**fields)
    assert info.value.column == column
    assert words in str(info.value)
    assert str(info.value).startswith(f"column '{column}': ")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((3, 3), "lower < upper"),
        ((4, 2), "lower < upper"),
        ((0, 2, (0, 1, 2)), "pair"),
        (("0", 2), "expected an integer"),
        ((0, 2, (0, 1.5)), "expected an integer"),
    ],
)
def test_gap_errors_name_the_gaps_column(args: tuple, words: str) -> None:
    with pytest.raises(ProblemError) as info:
        Gap(*args)
    assert info.value.column == "gaps"
    assert words in str(info.value)


def test_gap_window_becomes_a_tuple() -> None:
    assert Gap(1, 2, [0, 3]).window == (0, 3)


def test_problem_rules() -> None:
    a, b = Buffer("a", 0, 3, 4), Buffer("b", 0, 3, 4)
    with pytest.raises(ProblemError, match="capacity >= 1"):
        Problem((a,), 0)
    with pytest.raises(ProblemError, match="expected an integer"):
        Problem((a,), 12.5)
    with pytest.raises(ProblemError) as info:
        Problem((a, b, Buffer("a", 1, 2, 1)))
    assert info.value.column == "id" and "duplicate id 'a'" in str(info.value)
    with pytest.raises(ProblemError, match="not a Buffer"):
        Problem((a, "b"))  # type: ignore[arg-type]
    assert Problem([a, b], None).buffers == (a, b)


def test_problem_helpers() -> None:
    a = Buffer("a", 0, 3, 4, offset=4)
    b = Buffer("b", 1, 5, 2)
    problem = Problem((a, b), 8)
    assert len(problem) == 2
    assert problem.with_capacity(16).capacity == 16
    assert problem.subset([1]).buffers == (b,)
    assert problem.without_fixed_offsets().buffers[0].offset is None


def test_buffers_are_frozen() -> None:
    b = Buffer("a", 0, 3, 4)
    with pytest.raises(AttributeError):
        b.size = 5  # type: ignore[misc]


def test_solution() -> None:
    problem = Problem((Buffer("a", 0, 3, 4), Buffer("b", 0, 3, 2)))
    s = Solution.from_offsets(problem, [np.int64(2), 6])
    assert s.offsets == (2, 6) and s.height == 8
    assert Solution.from_offsets(Problem(()), []).height == 0


def test_located_errors_render_file_line_and_column() -> None:
    error = ProblemError("expected a size >= 0, got -4", column="size")
    located = error.located(file="problem.csv", line=7)
    assert str(located) == "problem.csv:7: column 'size': expected a size >= 0, got -4"
    assert str(ProblemError("bad", line=3)) == "line 3: bad"


# ---------------------------------------------------------------- integer limits


@pytest.mark.parametrize(
    ("kwargs", "column"),
    [
        ({"size": 2**63}, "size"),
        ({"size": MAX_TOTAL + 1}, "size"),
        ({"upper": 10**30}, "upper"),
        ({"lower": -(10**30)}, "lower"),
        ({"lower": -(2**60) - 1}, "lower"),
        ({"offset": 2**64}, "offset"),
        ({"offset": MAX_VALUE + 1}, "offset"),
        ({"alignment": 2**62}, "alignment"),
        ({"hint": 2**70}, "hint"),
        ({"size": np.uint64(2**63)}, "size"),
        ({"size": 10**5000}, "size"),
    ],
)
def test_integers_beyond_the_limits_are_refused(kwargs: dict, column: str) -> None:
    fields = {"id": "b", "lower": 0, "upper": 9, "size": 4} | kwargs
    with pytest.raises(ProblemError) as info:
        Buffer(**fields)
    assert info.value.column == column
    message = str(info.value)
    assert "overflow" in message and "\n" not in message and len(message) < 200


def test_gap_values_beyond_the_limits_are_refused() -> None:
    with pytest.raises(ProblemError, match="overflow") as info:
        Gap(0, 10**30)
    assert info.value.column == "gaps"
    with pytest.raises(ProblemError, match="overflow"):
        Gap(0, 2, (0, 2**62))


def test_the_largest_values_are_accepted() -> None:
    b = Buffer("b", -MAX_VALUE, MAX_VALUE, MAX_TOTAL, offset=0, hint=MAX_VALUE)
    assert (b.size, b.width) == (MAX_TOTAL, 2 * MAX_VALUE)
    assert Problem((b,), MAX_TOTAL).capacity == MAX_TOTAL


def test_sizes_and_alignments_of_a_problem_are_bounded_together() -> None:
    half = MAX_TOTAL // 2
    assert len(Problem((Buffer("a", 0, 2, half), Buffer("b", 0, 2, half)))) == 2
    with pytest.raises(ProblemError) as info:
        Problem((Buffer("a", 0, 2, half), Buffer("b", 0, 2, half + 1)))
    assert info.value.column == "size" and "'b'" in str(info.value)
    # Padding to an alignment counts: it can push offsets up as much as a size.
    with pytest.raises(ProblemError, match="alignments"):
        Problem((Buffer("a", 0, 2, half), Buffer("b", 0, 2, 1, alignment=half + 1)))


@pytest.mark.parametrize("capacity", [7.5, "8", True, 0, -1, MAX_TOTAL + 1,
                                      2**64, float("inf")])
def test_bad_capacities(capacity: object) -> None:
    with pytest.raises(ProblemError) as info:
        check_capacity(capacity)
    assert info.value.column == "capacity"
    with pytest.raises(ProblemError):
        Problem((), capacity)  # type: ignore[arg-type]


def test_numpy_capacity_is_an_int() -> None:
    assert type(Problem((), np.int32(12)).capacity) is int
    assert check_capacity(np.uint64(MAX_TOTAL)) == MAX_TOTAL


# ---------------------------------------------------------------- wrong types


@pytest.mark.parametrize(
    "make",
    [
        lambda: Problem(None),
        lambda: Problem(5),
        lambda: Problem("ab"),
        lambda: Problem(Buffer("a", 0, 1, 1)),
        lambda: Problem((Buffer("a", 0, 1, 1), None)),
        lambda: Buffer("b", 0, 9, 4, gaps=5),
        lambda: Buffer("b", 0, 9, 4, gaps=Gap(1, 2)),
        lambda: Buffer("b", 0, 9, 4, gaps="1-2"),
        lambda: Buffer("b", 0, 9, 4, gaps=(None,)),
        lambda: Buffer(None, 0, 9, 4),
        lambda: Buffer("b", None, 9, 4),
        lambda: Buffer("b", 0, 9, [4]),
        lambda: Gap(0, 2, 5),
        lambda: Gap(0, 2, (1,)),
        lambda: Gap(None, 2),
    ],
)
def test_wrong_types_raise_problem_error(make) -> None:
    with pytest.raises(ProblemError) as info:
        make()
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("make", [
    lambda: Solution(5),
    lambda: Solution(None),
    lambda: Solution((2.5,)),
    lambda: Solution((None,)),
    lambda: Solution((True,)),
    lambda: Solution((0,), height=1.5),
])
def test_solutions_hold_integers_only(make) -> None:
    with pytest.raises(ProblemError):
        make()


def test_solutions_hold_any_integer_for_the_validator_to_judge() -> None:
    solution = Solution((np.int64(-3), 2**70), height=2**70 + 4)
    assert solution.offsets == (-3, 2**70) and type(solution.offsets[0]) is int
