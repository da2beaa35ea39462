"""Faithfulness: the search explores the reference's tree."""

from __future__ import annotations

import pytest
from reference_data import (
    BENCHMARKS,
    CAPACITY,
    INSTANCES,
    needs_shared,
    reference_backtracks,
)

from minimalloc import SolverParams, Status, solve
from minimalloc.formats.csv import read_csv
from minimalloc.validate import validate


def _reference_offsets(name: str) -> tuple[int, ...]:
    out = read_csv(BENCHMARKS / "reference" / f"{name}.out.csv")
    return tuple(b.offset for b in out.buffers)


@needs_shared
def test_five_buffer_example_matches_the_reference():
    problem = read_csv(BENCHMARKS / "examples" / "input.12.csv", capacity=12)
    result = solve(problem)
    assert result.status is Status.OK
    assert result.solution.offsets == (8, 8, 4, 4, 0) == _reference_offsets("input.12")
    assert result.solution.height == 12
    assert result.stats.backtracks == 0
    assert validate(problem, result.solution).ok


@needs_shared
@pytest.mark.parametrize("name", INSTANCES)
def test_challenging_benchmark_is_identical_to_the_reference(name):
    problem = read_csv(BENCHMARKS / "challenging" / f"{name}.{CAPACITY}.csv",
                       capacity=CAPACITY)
    result = solve(problem)
    assert result.status is Status.OK
    assert result.solution.offsets == _reference_offsets(f"{name}.{CAPACITY}")
    assert result.stats.backtracks == reference_backtracks()[name]
    assert validate(problem, result.solution).ok


@needs_shared
def test_round_robin_records_each_heuristic_run():
    problem = read_csv(BENCHMARKS / "challenging" / f"J.{CAPACITY}.csv", capacity=CAPACITY)
    rounds = solve(problem).stats.rounds
    assert rounds[-1].outcome == "solved"
    assert all(r.outcome == "node limit" for r in rounds[:-1])
    # The budget starts at twice the number of buffers and doubles each round.
    assert rounds[0].node_limit == 2 * len(problem.buffers)
    for earlier, later in zip(rounds, rounds[1:]):
        if later.round == earlier.round + 1:
            assert later.node_limit == 2 * earlier.node_limit
    assert [r.heuristic for r in rounds[:3]] == ["WAT", "TAW", "TWA"]


@needs_shared
def test_single_heuristic_runs_without_a_node_limit():
    problem = read_csv(BENCHMARKS / "examples" / "input.12.csv", capacity=12)
    result = solve(problem, SolverParams(preordering_heuristics=("TWA",)))
    assert result.status is Status.OK
    assert [(r.heuristic, r.node_limit) for r in result.stats.rounds] == [("TWA", -1)]
