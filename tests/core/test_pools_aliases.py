"""Pools and aliases in the model, the CSV format and the validator.

A problem without pools or aliases must read, write and solve as before
(the reference's files byte for byte); bad pins and aliases are one clear
error naming both buffers, with the CSV line; the validator judges plans
pool by pool and lets the members of an alias group share memory, and
nothing else.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from minimalloc import (
    Buffer,
    Pool,
    Problem,
    ProblemError,
    Solution,
    ValidationCode,
    dumps_csv,
    read_csv,
    solve,
    validate,
)
from minimalloc.aliases import fold, groups
from minimalloc.formats.csv import problem_from_dataframe, problem_to_dataframe
from minimalloc.pools import format_bytes, parse_pools, parse_size

SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"


def test_a_plain_buffer_reads_as_before() -> None:
    b = Buffer("a", 0, 3, 4)
    assert (b.pool, b.weight, b.alias, b.spill_weight) == (None, None, None, 4)
    assert "pool" not in repr(b) and "alias" not in repr(b)
    assert Buffer("a", 0, 3, 4, weight=40).spill_weight == 40
    assert repr(Solution((1, 2), 3)) == "Solution(offsets=(1, 2), height=3)"


@pytest.mark.parametrize("name", list("ABCK"))
def test_benchmark_files_write_back_byte_for_byte(name: str) -> None:
    path = SHARED / "reference" / f"{name}.1048576.out.csv"
    text = path.read_text()
    problem = read_csv(io.StringIO(text))
    offsets = [b.offset for b in problem.buffers]
    free = problem.without_fixed_offsets()
    assert dumps_csv(free, Solution.from_offsets(free, offsets)) == text


@pytest.mark.parametrize(("buffers", "pools", "words"), [
    ([Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 8, alias="a")], (),
     ["'b' (size 8)", "'a' (size 4)", "larger"]),
    ([Buffer("a", 0, 2, 4, alias="b"), Buffer("b", 1, 3, 4, alias="a")], (),
     ["cycle", "'a'", "'b'"]),
    ([Buffer("a", 0, 2, 4, alias="a")], (), ["cycle", "'a' -> 'a'"]),
    ([Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 4, alias="q")], (),
     ["'b'", "'q'", "not a buffer"]),
    ([Buffer("a", 0, 2, 4, pool="x"), Buffer("b", 1, 3, 4, alias="a", pool="y")], (),
     ["'b'", "'a'", "pool 'y'", "pool 'x'"]),
    ([Buffer("a", 0, 2, 4, offset=0), Buffer("b", 1, 3, 4, alias="a", offset=4)], (),
     ["'b'", "'a'", "offset"]),
    ([Buffer("a", 0, 2, 4, pool="hbm")], (Pool("sram", 8), Pool("dram")),
     ["'a'", "'hbm'", "sram, dram"]),
    ([Buffer("a", 0, 2, 4)], (Pool("x", 8), Pool("x")), ["'x'", "twice"]),
])
def test_bad_pools_and_aliases_name_both(buffers, pools, words) -> None:
    with pytest.raises(ProblemError) as caught:
        Problem(buffers, 8, pools)
    for word in words:
        assert word in str(caught.value)


def test_csv_errors_give_the_line_of_the_alias() -> None:
    text = "id,lower,upper,size,alias\na,0,2,4,\nb,1,3,8,a\n"
    with pytest.raises(ProblemError) as caught:
        read_csv(io.StringIO(text))
    assert caught.value.line == 3 and caught.value.column == "alias"
    with pytest.raises(ProblemError, match="weight >= 0"):
        read_csv(io.StringIO("id,lower,upper,size,weight\na,0,2,4,-1\n"))
    with pytest.raises(ProblemError, match="pool name cannot hold"):
        read_csv(io.StringIO("id,lower,upper,size,pool\na,0,2,4,x:y\n"))


def test_csv_round_trips_pool_weight_and_alias() -> None:
    text = ("id,lower,upper,size,weight,alias,pool\n"
            "a,0,2,4,,,sram\nb,1,3,4,12,a,\nc,0,3,2,,,\n")
    problem = read_csv(io.StringIO(text))
    assert [(b.pool, b.weight, b.alias) for b in problem.buffers] == [
        ("sram", None, None), (None, 12, "a"), (None, None, None)]
    assert dumps_csv(problem) == text
    plan = Solution((0, 0, 4), 6, ("sram", "sram", "dram"))
    assert dumps_csv(problem, plan).splitlines()[1:] == [
        "a,0,2,4,,,sram,0", "b,1,3,4,12,a,sram,0", "c,0,3,2,,,dram,4"]
    assert problem_from_dataframe(problem_to_dataframe(problem)) == problem


def test_sizes_and_pool_lists() -> None:
    assert parse_size("1.5KiB") == 1536 and parse_size("2 mb") == 2_000_000
    for bad in ("1.5", "12 parsecs", "", "-4"):
        with pytest.raises(ProblemError):
            parse_size(bad)
    sram, dram = parse_pools("sram:1MiB, dram:inf:3.5")
    assert (sram.capacity, sram.cost, dram.capacity, dram.cost) == (2**20, 0, None, 3.5)
    for bad in ("sram", "a:1,a:2", "x:1:cheap", ""):
        with pytest.raises(ProblemError):
            parse_pools(bad)
    assert format_bytes(96 * 1024) == "96 KiB" and format_bytes(1) == "1 byte"


def test_fold_makes_one_block_per_group_with_the_union_lifetime() -> None:
    problem = Problem((Buffer("x", 0, 2, 8, alignment=2), Buffer("y", 1, 5, 4, alias="x"),
                       Buffer("z", 8, 9, 8, alias="y", alignment=4),
                       Buffer("w", 2, 8, 8)))
    assert groups(problem) == [[0, 1, 2], [3]]
    block = fold(problem).problem.buffers[0]
    assert (block.id, block.lower, block.upper, block.size, block.alignment) == (
        "x", 0, 9, 8, 4)
    # Only the smaller alias is alive from 2 to 5, nothing from 5 to 8.
    assert [(g.lower, g.upper, g.window) for g in block.gaps] == [
        (2, 5, (0, 4)), (5, 8, None)]


def test_solve_places_each_alias_group_together() -> None:
    problem = Problem((Buffer("x", 0, 4, 4), Buffer("y", 2, 6, 4, alias="x"),
                       Buffer("z", 0, 6, 4)), capacity=12)
    result = solve(problem)
    offsets = result.solution.offsets
    assert offsets[0] == offsets[1]
    assert validate(problem, result.solution).ok
    assert sorted(result.placement_order) == [0, 1, 2]
    # In place, y needs no room of its own: 8 bytes do; without the alias, 12.
    assert solve(problem.with_capacity(8)).ok
    plain = Problem(tuple(Buffer(b.id, b.lower, b.upper, b.size)
                          for b in problem.buffers), 8)
    assert not solve(plain).ok


def test_validate_judges_aliases_and_pools() -> None:
    problem = Problem((Buffer("x", 0, 3, 4), Buffer("y", 2, 6, 4, alias="x"),
                       Buffer("z", 0, 6, 4)), capacity=8)
    assert validate(problem, Solution((0, 0, 4), 8)).ok
    moved = validate(problem, Solution((0, 4, 4), 8))
    assert moved.code is ValidationCode.BAD_ALIAS and "'y'" in moved.message
    assert validate(problem, Solution((0, 0, 0), 4)).code is ValidationCode.BAD_OVERLAP
    pools = (Pool("sram", 4), Pool("dram", None, 1))
    pooled = Problem(problem.buffers[:1] + (Buffer("z", 0, 6, 4, pool="dram"),),
                     None, pools)
    assert validate(pooled, Solution((0, 0), 4, ("sram", "dram"))).ok
    wrong = validate(pooled, Solution((0, 0), 4, ("sram", "sram")))
    assert wrong.code is ValidationCode.BAD_POOL and "pinned" in wrong.message
    over = validate(pooled, Solution((4, 0), 8, ("sram", "dram")))
    assert over.code is ValidationCode.BAD_OFFSET
    unknown = validate(pooled, Solution((0, 0), 4, ("sram", "hbm")))
    assert unknown.code is ValidationCode.BAD_POOL and "hbm" in unknown.message
