"""No invalid allocation leaves the library: faults injected into the search,
the baselines and the assembly of answers end in an InternalError with a
report file, never in a wrong answer."""

from __future__ import annotations

import importlib
import io
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest

import minimalloc.baselines.allocators as heuristics
import minimalloc.search.solver as solver_module
from minimalloc import (
    Buffer,
    Problem,
    ProblemError,
    Solution,
    SolverParams,
    allocate,
    explain,
    minimize,
    read_csv,
    solve,
)
from minimalloc.baselines.best import Fallback
from minimalloc.errors import InternalError

# The package exports functions under these modules' names.
minimize_module = importlib.import_module("minimalloc.analysis.minimize")
explain_module = importlib.import_module("minimalloc.analysis.explain")

EXAMPLE = Problem((Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
                   Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)), 12)


@pytest.fixture
def broken_kernel(monkeypatch):
    """The search reports success with every buffer at offset 0."""
    real = solver_module._run_kernel

    def run(*args, **kwargs):
        outcome, offsets, *rest = real(*args, **kwargs)
        return (outcome, np.zeros_like(offsets), *rest)

    monkeypatch.setattr(solver_module, "_run_kernel", run)


def report_of(error: InternalError) -> str:
    assert error.report is not None
    path = Path(error.report)
    assert path.is_file() and path.name.startswith("minimalloc-report-")
    text = path.read_text(encoding="utf-8")
    path.unlink()
    return text


def test_solve_refuses_an_invalid_answer_and_writes_a_report(broken_kernel):
    params = SolverParams(timeout=30, canonical_only=False)
    with pytest.raises(InternalError) as caught:
        solve(EXAMPLE, params)
    message = str(caught.value)
    assert message.startswith("internal error: solve produced an allocation that fails "
                              "validation (Buffers 'b1' and 'b3' collide")
    assert "this is a bug in minimalloc, please report it with the file " in message
    assert caught.value.report in message
    text = report_of(caught.value)
    assert "# capacity: 12" in text and "canonical_only=False" in text
    assert "# offsets: 0 0 0 0 0" in text
    # The problem reads back from the report once its comment lines are gone.
    body = "".join(line for line in io.StringIO(text) if not line.startswith("#"))
    assert read_csv(io.StringIO(body), capacity=12) == EXAMPLE


def test_minimize_refuses_it_too(broken_kernel, monkeypatch):
    # With a baseline above the bound, minimize must search.
    stacked = Solution.from_offsets(EXAMPLE, [0, 4, 8, 12, 16])
    monkeypatch.setattr(minimize_module, "best_baseline",
                        lambda *args: Fallback("greedy_by_size", stacked, True))
    with pytest.raises(InternalError, match="solve produced") as caught:
        minimize(EXAMPLE.with_capacity(None), timeout=30)
    report_of(caught.value)


def test_an_invalid_minimize_result_is_caught_on_the_way_out(monkeypatch):
    bad = Solution.from_offsets(EXAMPLE, [0, 0, 0, 0, 0])
    monkeypatch.setattr(minimize_module, "best_baseline",
                        lambda *args: Fallback("greedy_by_size", bad, True))
    with pytest.raises(InternalError, match="minimize produced") as caught:
        minimize(EXAMPLE.with_capacity(None), timeout=30)
    report_of(caught.value)


def test_explain_refuses_an_invalid_assembled_answer(monkeypatch):
    bad = Solution.from_offsets(EXAMPLE, [0, 0, 0, 0, 0])
    monkeypatch.setattr(explain_module, "best_baseline",
                        lambda *args: Fallback("greedy_by_size", bad, True))
    with pytest.raises(InternalError, match="explain produced") as caught:
        explain(EXAMPLE, timeout=30)
    report_of(caught.value)


def test_a_built_in_allocator_is_checked(monkeypatch):
    def broken(problem, deadline=None):
        return Solution.from_offsets(problem, [0] * len(problem.buffers))

    monkeypatch.setitem(heuristics.ALLOCATORS, "first_fit", broken)
    monkeypatch.setitem(heuristics._PUBLIC, "first_fit", broken)
    with pytest.raises(InternalError, match="the baseline allocator first_fit") as caught:
        allocate(EXAMPLE, "first_fit")
    report_of(caught.value)


def test_colliding_fixed_offsets_are_the_input_s_fault_not_a_bug():
    problem = Problem((Buffer("a", 0, 2, 4, offset=0), Buffer("b", 1, 3, 4, offset=2)))
    with pytest.raises(ProblemError, match="no allocation exists at any height: "
                       "Buffers 'a' and 'b' collide"):
        allocate(problem, "greedy_by_size")


def test_the_error_is_raised_even_when_no_report_can_be_written(broken_kernel,
                                                                monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(InternalError, match=re.escape(
            "the report file could not be written")) as caught:
        solve(EXAMPLE)
    assert caught.value.report is None


def test_the_command_line_says_it_in_one_line_and_exits_3(broken_kernel, tmp_path, capsys):
    from minimalloc.cli import main
    from minimalloc.formats.csv import write_csv

    source = tmp_path / "in.csv"
    write_csv(EXAMPLE, source)
    output = tmp_path / "out.csv"
    assert main([f"--input={source}", "--capacity=12", f"--output={output}"]) == 3
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("minimalloc: error: internal error: ")
    assert "please report it with the file " in lines[0]
    assert not output.exists()  # nothing half-written
    report = lines[0].split("with the file ")[1].split()[0].rstrip(".,;:)")
    Path(report).unlink()
