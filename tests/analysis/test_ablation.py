"""The ablation study: every technique switched off in turn, time-limited."""

from __future__ import annotations

import pytest

from minimalloc import Buffer, Problem, SolverParams, Status, validate
from minimalloc.analysis.ablation import BASELINE, AblationRow, ablation_table, run_ablation
from minimalloc.errors import ProblemError
from minimalloc.params import TECHNIQUES

EXAMPLE = Problem([Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
                   Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)], capacity=12)


def test_a_row_for_every_technique_and_valid_solutions():
    seen = []
    rows = run_ablation(EXAMPLE, timeout=10, on_row=seen.append)
    assert [r.variant for r in rows] == [BASELINE, *TECHNIQUES]
    assert seen == rows
    for row in rows:
        assert row.status is Status.OK and row.finished
        assert row.nodes >= 1 and row.backtracks >= 0 and row.seconds >= 0
        assert validate(EXAMPLE, row.solution).ok, row
    assert rows[0].nodes == 8 and rows[0].backtracks == 0
    # Without decomposition the search is one path of six nodes.
    assert next(r for r in rows if r.variant == "dynamic_decomposition").nodes == 6


def test_infeasible_and_section_inference_matters():
    rows = {r.variant: r for r in run_ablation(EXAMPLE.with_capacity(11), timeout=10)}
    assert {r.status for r in rows.values()} == {Status.INFEASIBLE}
    assert all(r.solution is None for r in rows.values())
    assert rows["section_inference"].nodes > 10 * rows[BASELINE].nodes


def test_time_limit_and_params():
    started = []
    params = SolverParams(preordering_heuristics=("WAT",), minimize_capacity=True,
                          timeout=999)
    rows = run_ablation(EXAMPLE, timeout=0.0, params=params,
                        techniques=["hatless_pruning"],
                        on_start=lambda variant, solver: started.append(
                            (variant, solver.params)))
    assert [r.variant for r in rows] == [BASELINE, "hatless_pruning"]
    assert all(r.status is Status.TIMEOUT and not r.finished for r in rows)
    base, off = started[0][1], started[1][1]
    assert base.timeout == 0.0 and not base.minimize_capacity
    assert base.preordering_heuristics == ("WAT",) and base.hatless_pruning
    assert not off.hatless_pruning


def test_errors():
    with pytest.raises(ProblemError, match="capacity"):
        run_ablation(EXAMPLE.with_capacity(None))
    with pytest.raises(ProblemError, match="unknown technique"):
        run_ablation(EXAMPLE, techniques=["magic"])


def test_table():
    rows = [AblationRow(BASELINE, Status.OK, 0.5, 100, 3),
            AblationRow("canonical_only", Status.TIMEOUT, 20.0, 90000, 800),
            AblationRow("hatless_pruning", Status.OK, 0.25, 150, 4)]
    lines = ablation_table(rows).splitlines()
    assert lines[0].split() == ["variant", "status", "seconds", "nodes", "backtracks",
                                "x", "nodes", "x", "time"]
    assert lines[1].split() == ["all", "techniques", "on", "ok", "0.5000", "100", "3",
                                "1", "1"]
    assert lines[2].split()[3:] == ["timeout", ">=20.0000", ">=90000", ">=800", ">=900",
                                    ">=40"]
    assert lines[3].split()[-2:] == ["1.5", "0.5"]
    # Without a baseline row there are no ratio columns.
    assert "x nodes" not in ablation_table(rows[1:])
