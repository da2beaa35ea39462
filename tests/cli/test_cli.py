"""The command line: the reference's flags, exit codes, messages, files."""

from __future__ import annotations

import dataclasses
import fcntl
import importlib
import io
import os
import pty
import re
import select
import signal
import stat
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pandas
import pytest
from reference_data import BENCHMARKS, needs_shared

from minimalloc import cli
from minimalloc.cli import main, parse_bool, parse_duration, progress
from minimalloc.cli import solve as solve_command
from minimalloc.cli.inputs import sample_names
from minimalloc.params import TECHNIQUES

ROOT = Path(__file__).resolve().parents[2]
SHARED = BENCHMARKS
EXAMPLE = SHARED / "examples" / "input.12.csv"
EXAMPLE_OUT = SHARED / "reference" / "input.12.out.csv"
HARD = SHARED / "challenging" / "A.1048576.csv"

pytestmark = needs_shared


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def solve_example(capsys, tmp_path, *extra: str, capacity: int = 12):
    out = tmp_path / "out.csv"
    code, stdout, stderr = run(capsys, f"--capacity={capacity}", f"--input={EXAMPLE}",
                               f"--output={out}", *extra)
    return code, stdout, stderr, out


def assert_usage_error(code: int, stdout: str, stderr: str, *fragments: str) -> None:
    assert code == 2, (stdout, stderr)
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("minimalloc: error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# ---------------------------------------------------------------- solving


def test_example_matches_reference_byte_for_byte(capsys, tmp_path):
    code, stdout, stderr, out = solve_example(capsys, tmp_path)
    assert code == 0, stderr
    assert out.read_bytes() == EXAMPLE_OUT.read_bytes()
    assert "status:       solved" in stdout
    assert "height:       12 (capacity 12)" in stdout
    assert stdout.splitlines()[0].startswith("time:")
    assert stderr == ""


def test_without_output_nothing_is_written(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = run(capsys, "--capacity=12", f"--input={EXAMPLE}")
    assert code == 0
    assert "output:" not in stdout
    assert list(tmp_path.iterdir()) == []


def test_infeasible_exits_1_and_writes_nothing(capsys, tmp_path):
    code, stdout, stderr, out = solve_example(capsys, tmp_path, capacity=11)
    assert code == 1
    assert "status:       infeasible (no allocation fits in capacity 11)" in stdout
    assert not out.exists()
    assert stderr == ""


def test_undecided_exits_1_with_the_reason(capsys, tmp_path, monkeypatch):
    # b fits below a's raised window, where the search cannot place it; the
    # exact model would decide it, but its extra is not installed.
    monkeypatch.setitem(sys.modules, "ortools.sat.python", None)
    nested = tmp_path / "nested.csv"
    nested.write_text("id,lower,upper,size,gaps\na,0,3,4,1-2@2:4\nb,1,2,1,\n")
    out = tmp_path / "out.csv"
    code, stdout, stderr = run(capsys, "--capacity=4", f"--input={nested}",
                               f"--output={out}")
    assert code == 1 and stderr == "" and not out.exists()
    assert "status:       undecided" in stdout
    assert "'b' can sit inside the window of 'a'" in stdout
    assert "pip install 'minimalloc[exact]'" in stdout


def test_the_exact_model_places_a_buffer_under_a_raised_window(capsys, tmp_path):
    pytest.importorskip("ortools", reason="the exact model needs the 'exact' extra")
    nested = tmp_path / "nested.csv"
    nested.write_text("id,lower,upper,size,gaps\na,0,3,4,1-2@2:4\nb,1,2,1,\n")
    out = tmp_path / "out.csv"
    code, stdout, stderr = run(capsys, "--capacity=4", f"--input={nested}",
                               f"--output={out}", "--validate")
    assert code == 0 and stderr == ""
    assert "status:       solved" in stdout and "validation:   PASS" in stdout
    assert out.read_text().splitlines()[1:] == ["a,0,3,4,1-2@2:4,0", "b,1,2,1,,0"]


def test_a_gap_reaching_the_end_is_not_counted_twice(capsys, tmp_path):
    problem = tmp_path / "gap.csv"
    problem.write_text("id,lower,upper,size,gaps\nb0,0,2,1,1-2\nb1,1,2,1,\n")
    out = tmp_path / "out.csv"
    code, stdout, _ = run(capsys, "--capacity=1", f"--input={problem}", f"--output={out}")
    assert code == 0 and "status:       solved" in stdout
    assert out.read_text().splitlines()[1:] == ["b0,0,2,1,1-2,0", "b1,1,2,1,,0"]


def test_timeout_without_fallback(capsys, tmp_path):
    out = tmp_path / "out.csv"
    code, stdout, _ = run(capsys, "--capacity=1048576", f"--input={HARD}",
                          "--timeout=0.05s", "--fallback=false", f"--output={out}")
    assert code == 1
    assert "status:       timeout (no answer within 0.05 s)" in stdout
    assert "fallback" not in stdout
    assert not out.exists()


def test_timeout_with_fallback_that_does_not_fit(capsys, tmp_path):
    out = tmp_path / "out.csv"
    code, stdout, _ = run(capsys, "--capacity=1048576", f"--input={HARD}",
                          "--timeout=0.05s", f"--output={out}")
    assert code == 1
    assert "timeout" in stdout
    assert "fallback:" in stdout and "nothing to write" in stdout
    assert not out.exists()


def test_timeout_with_fallback_that_fits(capsys, tmp_path, monkeypatch):
    """When the search times out but a baseline fits, the baseline is written,
    clearly labelled, and the exit status is 0."""
    solver_module = importlib.import_module("minimalloc.search.solver")
    from minimalloc.params import Status
    from minimalloc.search.solver import SolveResult
    from minimalloc.search.stats import SearchStats

    def timed_out(self, problem, *, fallback=False, trace=0, capacity=None):
        return SolveResult(Status.TIMEOUT, None, SearchStats(), problem.capacity)

    monkeypatch.setattr(solver_module.Solver, "solve", timed_out)
    code, stdout, _, out = solve_example(capsys, tmp_path, "--timeout=1s", "--validate")
    assert code == 0
    assert "status:       timeout (no answer within 1 s)" in stdout
    assert "the greedy_by_size baseline fits: height 12 <= capacity 12" in stdout
    assert "not MiniMalloc's search" in stdout
    assert "validation:   PASS" in stdout
    assert "offsets from the greedy_by_size baseline" in stdout
    assert out.read_text().splitlines()[0] == "id,lower,upper,size,offset"
    out.unlink()
    code, stdout, _, out = solve_example(capsys, tmp_path, "--timeout=1s", "--nofallback")
    assert code == 1
    assert "fallback" not in stdout
    assert not out.exists()


def test_too_many_pairs_for_the_search_writes_a_labelled_baseline(
        capsys, tmp_path, monkeypatch):
    """A problem too large for the exact search's memory gets the best
    baseline, with the reason; --nofallback refuses it."""
    solver_module = importlib.import_module("minimalloc.search.solver")
    monkeypatch.setattr(solver_module, "MAX_OVERLAP_PAIRS", 2)
    code, stdout, _, out = solve_example(capsys, tmp_path, "--validate")
    assert code == 0, stdout
    assert "status:       solved" in stdout
    assert "pairs of buffers are alive together, more than the exact search can " \
        "hold in memory (2): it was not run" in stdout
    assert "not proven smallest" in stdout and "validation:   PASS" in stdout
    assert "offsets from the greedy_by_size baseline" in stdout
    out.unlink()
    code, stdout, _, out = solve_example(capsys, tmp_path, "--nofallback")
    assert code == 1 and not out.exists()
    code, stdout, _, out = solve_example(capsys, tmp_path, capacity=11)
    assert code == 1 and not out.exists()
    assert "status:       undecided" in stdout and "not run" in stdout
    assert "nothing to write" in stdout


def test_the_fallback_stays_within_the_time_limit_and_says_what_it_cut(
        capsys, tmp_path, monkeypatch):
    """A search that used the whole limit leaves the baselines none of it:
    the registered allocators are named as not finished and the sweep's
    answer, which always finishes, is written."""
    solver_module = importlib.import_module("minimalloc.search.solver")
    from minimalloc.params import Status
    from minimalloc.search.solver import SolveResult
    from minimalloc.search.stats import SearchStats

    def slow_timeout(self, problem, *, fallback=False, trace=0, capacity=None):
        time.sleep(0.3)  # past --timeout=0.2s and its grace
        return SolveResult(Status.TIMEOUT, None, SearchStats(), problem.capacity)

    monkeypatch.setattr(solver_module.Solver, "solve", slow_timeout)
    code, stdout, _, out = solve_example(capsys, tmp_path, "--timeout=0.2s", "--validate")
    assert code == 0
    assert ("fallback:     not finished within the time limit: greedy_by_size, best_fit, "
            "best_fit_duration, first_fit (not candidates)") in stdout
    assert "the first_fit_sweep baseline fits" in stdout
    assert "validation:   PASS" in stdout and out.exists()


def test_minimize_capacity(capsys, tmp_path):
    code, stdout, _, out = solve_example(capsys, tmp_path, "--minimize_capacity",
                                         capacity=40)
    assert code == 0
    assert "height:       12 (smallest capacity found; given 40)" in stdout
    assert out.exists()


def test_print_solution(capsys, tmp_path):
    code, stdout, _, _ = solve_example(capsys, tmp_path, "--print_solution")
    assert code == 0
    assert r"\begin{tikzpicture}" in stdout
    assert stdout.count(r"\fill[lightgray") == 5


# ---------------------------------------------------------------- flags


@pytest.mark.parametrize("spelling", [
    ["--capacity", "12", f"--input={EXAMPLE}"],
    ["-capacity=12", f"-input={EXAMPLE}"],
    ["--capacity=+12", "--input", str(EXAMPLE)],
    ["--capacity=12", f"--input={EXAMPLE}", "--timeout=10s"],
    ["--capacity=12", f"--input={EXAMPLE}", "--timeout", "500ms"],
    ["--capacity=12", f"--input={EXAMPLE}", "--timeout=1m"],
    ["--capacity=12", f"--input={EXAMPLE}", "--timeout=1.5s"],
    ["--capacity=12", f"--input={EXAMPLE}", "--timeout=3"],
    ["--capacity=12", f"--input={EXAMPLE}", "--timeout=inf"],
    ["--capacity=12", f"--input={EXAMPLE}", "--timeout=1h30m"],
    ["--capacity=12", f"--input={EXAMPLE}", "--validate"],
    ["--capacity=12", f"--input={EXAMPLE}", "--validate=true"],
    ["--capacity=12", f"--input={EXAMPLE}", "--validate=1"],
    ["--capacity=12", f"--input={EXAMPLE}", "--validate=yes"],
    ["--capacity=12", f"--input={EXAMPLE}", "--novalidate"],
    ["--capacity=12", f"--input={EXAMPLE}", "--validate=false", "--validate"],
    ["--capacity=12", f"--input={EXAMPLE}", "--preordering_heuristics=WAT"],
    ["--capacity=12", f"--input={EXAMPLE}", "--preordering_heuristics=wat,ZLU"],
    ["--capacity=12", f"--input={EXAMPLE}", "--canonical-only=true"],
    ["--capacity=12", f"--input={EXAMPLE}", "--stats=false"],
    ["--capacity=12", f"--input={EXAMPLE}", "--", ],
])
def test_flag_spellings_solve_the_example(capsys, spelling):
    code, stdout, stderr = run(capsys, *spelling)
    assert code == 0, stderr
    assert "status:       solved" in stdout


@pytest.mark.parametrize("name", list(TECHNIQUES))
@pytest.mark.parametrize("form", ["--{}=false", "--no{}", "--{}=0", "--{}=f", "--{}"])
def test_every_switch(capsys, tmp_path, name, form):
    code, stdout, stderr, out = solve_example(capsys, tmp_path, form.format(name),
                                              "--validate")
    assert code == 0, stderr
    assert "validation:   PASS" in stdout
    assert out.exists()


def test_switches_reach_the_solver(capsys, monkeypatch):
    seen = []
    original = solve_command.solver_params

    def spy(values, **changes):
        params = original(values, **changes)
        seen.append(params)
        return params

    monkeypatch.setattr(solve_command, "solver_params", spy)
    run(capsys, "--capacity=12", f"--input={EXAMPLE}", "--nocanonical_only",
        "--hatless_pruning=false", "--timeout=250ms", "--preordering_heuristics=TWA")
    params = seen[-1]
    assert params.canonical_only is False and params.hatless_pruning is False
    assert params.section_inference is True
    assert params.timeout == pytest.approx(0.25)
    assert params.preordering_heuristics == ("TWA",)


@pytest.mark.parametrize(("text", "seconds"), [
    ("10s", 10.0), ("500ms", 0.5), ("1m", 60.0), ("1.5s", 1.5), ("2", 2.0),
    ("0", 0.0), ("1h30m", 5400.0), ("250us", 250e-6), ("1m0.5s", 60.5), (".5s", 0.5),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "s", "10x", "-1s", "ten", "1.5.2s", "5 s"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_parse_bool():
    assert [parse_bool(t) for t in ("true", "T", "yes", "y", "1")] == [True] * 5
    assert [parse_bool(t) for t in ("false", "F", "no", "n", "0")] == [False] * 5
    with pytest.raises(ValueError):
        parse_bool("maybe")


def test_help(capsys):
    code, stdout, _ = run(capsys, "--help")
    assert code == 0
    assert "usage: minimalloc --capacity=N" in stdout
    for name in ("capacity", "input", "output", "timeout", "preordering_heuristics"):
        assert f"--{name}:" in stdout
    for name in ("validate", "stats", "minimize_capacity", *TECHNIQUES):  # switches
        assert f"--[no]{name}:" in stdout


# ---------------------------------------------------------------- output


def test_stats_output(capsys, tmp_path):
    code, stdout, _, _ = solve_example(capsys, tmp_path, "--stats")
    assert code == 0
    for label in ("search statistics", "nodes", "backtracks", "pruned: canonical",
                  "pruned: dominance", "pruned: inference", "pruned: hatless",
                  "decompositions", "max depth", "partitions", "sections",
                  "sweep seconds", "search seconds", "round robin", "heuristic",
                  "node limit", "outcome"):
        assert label in stdout, label
    rows = {line.split()[0]: line.split()[-1] for line in stdout.splitlines()
            if line.startswith("  ") and len(line.split()) == 2}
    assert rows["nodes"] == "8"
    assert rows["backtracks"] == "0"
    assert rows["partitions"] == "1"
    assert rows["sections"] == "3"


def test_stats_counts_backtracks_when_infeasible(capsys, tmp_path):
    code, stdout, _, _ = solve_example(capsys, tmp_path, "--stats", capacity=11)
    assert code == 1
    assert "backtracks" in stdout and "infeasible" in stdout


def test_validate_pass(capsys, tmp_path):
    code, stdout, _, _ = solve_example(capsys, tmp_path, "--validate")
    assert code == 0
    assert "validation:   PASS" in stdout


def test_validate_failure_exits_1_and_writes_nothing(capsys, tmp_path, monkeypatch):
    from minimalloc.validate import ValidationCode, ValidationResult

    def broken(problem, solution):
        return ValidationResult(ValidationCode.BAD_OVERLAP, (0, 1), "made up")

    monkeypatch.setattr(solve_command, "validate", broken)
    out = tmp_path / "out.csv"
    out.write_text("old\n")
    code, stdout, _, _ = solve_example(capsys, tmp_path, "--validate")
    assert code == 1
    assert "validation:   FAIL (bad overlap): made up" in stdout
    assert out.read_text() == "old\n"


def test_output_keeps_the_input_layout(capsys, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("buffer,start,end,size,hint\nx,0,2,4,-1\ny,1,3,4,5\n")
    out = tmp_path / "out.csv"
    code, _, stderr = run(capsys, "--capacity=8", f"--input={source}", f"--output={out}")
    assert code == 0, stderr
    assert out.read_text().splitlines()[0] == "buffer,start,end,size,hint,offset"


# ---------------------------------------------------------------- bad input


def test_missing_file(capsys, tmp_path):
    missing = tmp_path / "nope.csv"
    code, stdout, stderr = run(capsys, "--capacity=12", f"--input={missing}")
    assert_usage_error(code, stdout, stderr, "nope.csv", "No such file")


def test_bad_csv_cell_names_line_and_column(capsys, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("id,lower,upper,size\nb1,0,3,4\nb2,3,nine,4\n")
    out = tmp_path / "out.csv"
    code, stdout, stderr = run(capsys, "--capacity=12", f"--input={source}",
                               f"--output={out}")
    assert_usage_error(code, stdout, stderr, "bad.csv:3", "column 'upper'", "'nine'")
    assert not out.exists()


@pytest.mark.parametrize(("args", "fragments"), [
    (["--capacity=abc"], ["--capacity", "expected an integer"]),
    (["--capacity=1.5"], ["--capacity", "expected an integer"]),
    (["--validate=maybe"], ["--validate", "true or false"]),
    (["--timeout=10parsecs"], ["--timeout", "duration"]),
    (["--timeout=-1s"], ["--timeout", "negative"]),
    (["--capacityy=12"], ["unknown flag --capacityy", "did you mean --capacity"]),
    (["--frobnicate"], ["unknown flag --frobnicate"]),
    (["--novalidate=true"], ["--novalidate takes no value"]),
    (["--nocapacity"], ["unknown flag --nocapacity"]),
    (["--preordering_heuristics=WAX"], ["--preordering_heuristics", "X"]),
    (["--preordering_heuristics=,"], ["--preordering_heuristics"]),
    (["--capacity=0"], ["--capacity must be at least 1, got 0"]),
    (["--capacity=-5"], ["--capacity must be at least 1, got -5"]),
    (["--capacity=99999999999999999999999"], ["--capacity must be at most"]),
    (["stray"], ["unexpected argument 'stray'"]),
    (["--", "stray"], ["unexpected argument 'stray'"]),
    (["--minimize", "--explain"], ["choose one of"]),
    (["--minimize_capacity", "--allocator=best_fit"], ["choose one of"]),
])
def test_bad_flags(capsys, tmp_path, args, fragments):
    out = tmp_path / "out.csv"
    base = ["--capacity=12", f"--input={EXAMPLE}", f"--output={out}"]
    code, stdout, stderr = run(capsys, *base, *args)
    assert_usage_error(code, stdout, stderr, *fragments)
    assert stdout == ""
    assert not out.exists()


def test_flag_without_value(capsys):
    code, stdout, stderr = run(capsys, f"--input={EXAMPLE}", "--capacity")
    assert_usage_error(code, stdout, stderr, "--capacity needs a value")


def test_missing_capacity(capsys):
    code, stdout, stderr = run(capsys, f"--input={EXAMPLE}")
    assert_usage_error(code, stdout, stderr, "--capacity=N is required")


def test_missing_input(capsys):
    code, stdout, stderr = run(capsys, "--capacity=12")
    assert_usage_error(code, stdout, stderr, "--input=FILE is required")


def test_missing_output_folder(capsys, tmp_path):
    code, stdout, stderr = run(capsys, "--capacity=12", f"--input={EXAMPLE}",
                               f"--output={tmp_path / 'no' / 'out.csv'}")
    assert_usage_error(code, stdout, stderr, "does not exist")


def test_failed_write_names_the_output(capsys, tmp_path, monkeypatch):
    outputs = importlib.import_module("minimalloc.formats.output")

    def refuse(target, write, encoding, mode):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".out.csv.x.tmp"))

    monkeypatch.setattr(outputs, "_write_replacing", refuse)
    out = tmp_path / "out.csv"
    for extra in ([], ["--format=text"]):
        code, stdout, stderr = run(capsys, "--capacity=12", f"--input={EXAMPLE}",
                                   f"--output={out}", *extra)
        assert_usage_error(code, "", stderr, f"cannot open '{out}'", "Permission denied")
        assert not out.exists()


def test_output_unchanged_on_failure(capsys, tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("precious\n")
    for args in (["--capacity=11"], ["--capacity=abc"], ["--capacity=12", "--bogus"]):
        code = main([f"--input={EXAMPLE}", f"--output={out}", *args])
        assert code in (1, 2)
        assert out.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    capsys.readouterr()


def test_output_replaced_whole_on_success(capsys, tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("old contents that are longer than the new ones " * 20)
    code, _, _, _ = solve_example(capsys, tmp_path)
    assert code == 0
    assert out.read_bytes() == EXAMPLE_OUT.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


# ---------------------------------------------------------------- other modes


def test_allocator(capsys, tmp_path):
    out = tmp_path / "out.csv"
    code, stdout, stderr = run(capsys, f"--input={EXAMPLE}", "--allocator=greedy_by_size",
                               f"--output={out}", "--validate")
    assert code == 0, stderr
    assert "allocator:    greedy_by_size" in stdout
    assert "height:       12" in stdout
    assert out.exists()


def test_allocator_that_does_not_fit(capsys, tmp_path):
    out = tmp_path / "out.csv"
    code, stdout, _ = run(capsys, f"--input={EXAMPLE}", "--allocator=first_fit",
                          "--capacity=11", f"--output={out}")
    assert code == 1
    assert "does not fit capacity 11" in stdout
    assert not out.exists()


def test_unknown_allocator(capsys):
    code, stdout, stderr = run(capsys, f"--input={EXAMPLE}", "--allocator=magic")
    assert_usage_error(code, stdout, stderr, "unknown allocator 'magic'")


def test_minimize(capsys, tmp_path):
    out = tmp_path / "out.csv"
    code, stdout, stderr = run(capsys, f"--input={EXAMPLE}", "--minimize",
                               f"--output={out}", "--timeout=10s", "--validate",
                               "--stats")
    assert code == 0, stderr
    assert "height:       12 (found by " in stdout
    assert "lower bound:  12" in stdout
    assert "optimal:      yes (proven)" in stdout
    assert "validation:   PASS" in stdout
    assert "search statistics" in stdout
    assert out.exists()


def test_minimize_reports_the_gap_or_proof(capsys):
    code, stdout, stderr = run(capsys, "--sample=load_not_enough", "--minimize",
                               "--capacity=100", "--timeout=inf", "--stats")
    assert code == 0, stderr
    assert "height:       6" in stdout
    assert "lower bound:  6" in stdout  # the search proved 5 infeasible
    assert "probes" in stdout


def test_minimize_above_the_capacity(capsys, tmp_path):
    out = tmp_path / "out.csv"
    code, stdout, _ = run(capsys, "--sample=load_not_enough", "--minimize",
                          "--timeout=10s", f"--output={out}")
    assert code == 1
    assert "does not fit" in stdout
    assert not out.exists()


def test_minimize_passes_the_time_limit(capsys, monkeypatch):
    minimize_module = importlib.import_module("minimalloc.analysis.minimize")
    seen = []
    real = minimize_module.Minimizer.minimize

    def spy(self, problem, **kwargs):
        seen.append(kwargs)
        return real(self, problem, **kwargs)

    monkeypatch.setattr(minimize_module.Minimizer, "minimize", spy)
    for flag in ([], ["--timeout=2s"], ["--timeout=inf"]):
        assert main([f"--input={EXAMPLE}", "--minimize", *flag]) == 0
    capsys.readouterr()
    assert "timeout" not in seen[0]  # the minimiser's own default
    assert seen[1]["timeout"] == 2.0
    assert seen[2]["timeout"] is None


def test_explain_overloaded(capsys):
    code, stdout, stderr = run(capsys, f"--input={EXAMPLE}", "--capacity=11", "--explain",
                               "--timeout=10s")
    assert code == 0, stderr
    assert "fits:         no, proven (capacity 11, LOAD 12, lower bound 12)" in stdout
    assert "12 bytes are live" in stdout
    assert "smallest capacity the whole problem fits in is 12" in " ".join(stdout.split())


def test_explain_fragmentation_names_the_subset(capsys):
    code, stdout, stderr = run(capsys, "--sample=load_not_enough", "--explain")
    assert code == 0, stderr
    assert "subset:       7 buffers (minimal): A, B, C, D, E, F, G" in stdout
    assert "fragmentation" in stdout
    assert all(len(line) <= 88 for line in stdout.splitlines())


def test_explain_feasible_writes_the_allocation(capsys, tmp_path):
    out = tmp_path / "out.csv"
    code, stdout, _ = run(capsys, f"--input={EXAMPLE}", "--capacity=13", "--explain",
                          f"--output={out}", "--validate")
    assert code == 0
    assert "fits:         yes" in stdout
    assert "validation:   PASS" in stdout
    assert out.exists()


def test_explain_needs_a_capacity(capsys):
    code, stdout, stderr = run(capsys, f"--input={EXAMPLE}", "--explain")
    assert_usage_error(code, stdout, stderr, "--capacity=N is required")


def test_sample(capsys, tmp_path):
    out = tmp_path / "out.csv"
    code, stdout, stderr = run(capsys, "--sample=five_buffers", f"--output={out}")
    assert code == 0, stderr  # the sample's own capacity, 12
    assert "height:       12 (capacity 12)" in stdout
    assert out.read_bytes() == EXAMPLE_OUT.read_bytes()
    code, stdout, _ = run(capsys, "--sample=five_buffers", "--capacity=11")
    assert code == 1
    assert "infeasible (no allocation fits in capacity 11)" in stdout


def test_sample_list(capsys):
    code, stdout, _ = run(capsys, "--sample=list")
    assert code == 0
    assert stdout.splitlines()[0].split()[:3] == ["sample", "buffers", "capacity"]
    assert "five_buffers" in stdout


def test_every_sample_solves_or_falls_back(capsys):
    names = sample_names()
    assert names  # the repository ships sample_problems/
    for name in names:
        code, stdout, stderr = run(capsys, f"--sample={name}", "--timeout=2s",
                                   "--validate")
        assert code in (0, 1), (name, stderr)
        if code == 0:
            assert "validation:   PASS" in stdout, name


def test_unknown_sample(capsys):
    code, stdout, stderr = run(capsys, "--sample=no_such_sample", "--capacity=12")
    assert_usage_error(code, stdout, stderr, "unknown sample 'no_such_sample'")


def test_input_and_sample_together(capsys):
    code, stdout, stderr = run(capsys, f"--input={EXAMPLE}", "--sample=x", "--capacity=12")
    assert_usage_error(code, stdout, stderr, "either --input or --sample")


# ---------------------------------------------------------------- subcommands


def test_generate_subcommand(capsys, tmp_path):
    out = tmp_path / "gen.csv"
    code = main(["generate", "random", "--n", "6", "--seed", "3", "--output", str(out)])
    capsys.readouterr()
    assert code == 0
    assert out.read_text().startswith("id,lower,upper,size")
    code, stdout, stderr = run(capsys, f"--input={out}", "--allocator=first_fit")
    assert code == 0, stderr


def test_generate_subcommand_bad_arguments(capsys):
    code = main(["generate", "random", "--n", "minus"])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err


def test_ablation_subcommand(capsys):
    code, stdout, stderr = run(capsys, "ablation", f"--input={EXAMPLE}", "--capacity=12",
                               "--timeout=20s")
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert lines[0].startswith("ablation: ") and "capacity 12, 20 s limit" in lines[0]
    header = next(i for i, line in enumerate(lines) if line.startswith("variant"))
    assert lines[header].split()[:5] == ["variant", "status", "seconds", "nodes",
                                         "backtracks"]
    rows = lines[header + 1: header + 11]
    assert rows[0].startswith("all techniques on")
    for row, name in zip(rows[1:], TECHNIQUES):
        assert row.startswith(f"without {name.replace('_', ' ')} ")
    assert all(" ok " in row for row in rows)
    assert rows[0].split()[5:7] == ["8", "0"]  # nodes, backtracks
    assert "finished: 10 of 10 variants" in stdout


def test_ablation_on_an_infeasible_problem(capsys):
    code, stdout, _ = run(capsys, "ablation", f"--input={EXAMPLE}", "--capacity=11",
                          "--timeout=5s", "--preordering_heuristics=WAT")
    assert code == 0
    assert "infeasible" in stdout


def test_ablation_needs_capacity(capsys):
    code, stdout, stderr = run(capsys, "ablation", f"--input={EXAMPLE}")
    assert_usage_error(code, stdout, stderr, "--capacity=N is required")


def test_ablation_rejects_solver_only_flags(capsys):
    code, stdout, stderr = run(capsys, "ablation", f"--input={EXAMPLE}", "--capacity=12",
                               "--output=x.csv")
    assert_usage_error(code, stdout, stderr, "unknown flag --output")


# ---------------------------------------------------------------- processes


def _console_command() -> list[str]:
    script = Path(sys.executable).with_name("minimalloc")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "minimalloc"]


@pytest.mark.parametrize("command", ["console", "module"])
def test_entry_points_in_a_subprocess(tmp_path, command):
    prefix = _console_command() if command == "console" else [sys.executable, "-m",
                                                              "minimalloc"]
    out = tmp_path / "out.csv"
    done = subprocess.run(
        [*prefix, "--capacity=12", f"--input={EXAMPLE}", f"--output={out}", "--validate"],
        capture_output=True, text=True, timeout=300, env={**os.environ},
    )
    assert done.returncode == 0, done.stderr
    assert "validation:   PASS" in done.stdout
    assert out.read_bytes() == EXAMPLE_OUT.read_bytes()
    bad = subprocess.run([*prefix, "--capacity=12", f"--input={tmp_path / 'x.csv'}"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1


# ---------------------------------------------------------------- malformed input


H = "id,lower,upper,size"
#: (file contents, line, column, words): every one exits 2 with one line that
#: names the file, the line and (where there is one) the column.
MALFORMED_FILES = [
    (f"{H}\nb1,0,3,{2**63}\n", 2, "size", "overflow"),
    (f"{H}\nb1,0,{10**30},4\n", 2, "upper", "overflow"),
    (f"{H},offset\nb1,0,3,4,{2**64}\n", 2, "offset", "overflow"),
    (f"{H}\nb1,{-(10**30)},3,4\n", 2, "lower", "overflow"),
    (f"{H},hint\nb1,0,3,4,{2**70}\n", 2, "hint", "overflow"),
    (f"{H}\nb1,0,3,{'9' * 5000}\n", 2, "size", "5000 digits"),
    (f"{H}\nb1,0,3,{2**60}\nb2,0,3,{2**60 + 1}\n", 3, "size", "over the limit"),
    ("id,start,end,size\nb1,0,1152921504606846976,4\n", 2, "end", "inclusive"),
    (f"{H}\nb1,0,3,-4\n", 2, "size", "size >= 0"),
    (f"{H}\nb1,3,3,4\n", 2, "upper", "lower < upper"),
    (f"{H}\nb1,5,3,4\n", 2, "upper", "lower < upper"),
    (f"{H}\nb1,0,3,4.5\n", 2, "size", "expected an integer, got '4.5'"),
    (f"{H}\nb1,0,3,\n", 2, "size", "expected an integer"),
    (f"{H}\nb1,x,3,4\n", 2, "lower", "expected an integer, got 'x'"),
    (f"{H}\nb1,0,3,1e3\n", 2, "size", "expected an integer"),
    (f"{H},gaps\nb1,0,9,4,3\n", 2, "gaps", "'lo-hi'"),
    (f"{H},gaps\nb1,0,9,4,4-4\n", 2, "gaps", "lower < upper"),
    (f"{H},gaps\nb1,2,9,4,1-3\n", 2, "gaps", "outside the lifespan"),
    (f"{H},gaps\nb1,0,9,4,1-4 3-5\n", 2, "gaps", "overlap"),
    (f"{H},gaps\nb1,0,9,4,1-4@0:5\n", 2, "gaps", "window"),
    (f"{H},gaps\nb1,0,9,4,1-{10**30}\n", 2, "gaps", "overflow"),
    (f"{H},alignment\nb1,0,3,4,0\n", 2, "alignment", "alignment >= 1"),
    (f"{H},alignment\nb1,0,3,4,two\n", 2, "alignment", "expected an integer"),
    (f"{H},alignment\nb1,0,3,4,{2**62}\n", 2, "alignment", "overflow"),
    (f"{H},alignment,offset\nb1,0,3,4,4,6\n", 2, "offset", "multiple of the alignment"),
    (f"{H},offset\nb1,0,3,4,-4\n", 2, "offset", "offset >= 0"),
    (f"{H}\nb1,0,3,4\nb2,0,3,4\nb1,1,2,3\n", 4, "id", "duplicate id 'b1'"),
    (f"{H}\n,0,3,4\n", 2, "id", "non-empty id"),
    (f"{H}\nb1,0,3\n", 2, None, "expected 4 fields"),
    (f"{H},colour\nb1,0,3,4,red\n", 1, "colour", "unknown column"),
    ("id,lower,size\nb1,0,4\n", 1, "upper", "required column"),
    (f'{H}\n"b1,0,3,4\n', 2, None, "malformed CSV"),
    ("", 1, None, "empty"),
    (b"id,lower,upper,size\nb1,0,3,4\n\xe9,0,3,4\n", 3, None, "UTF-8"),
]


@pytest.mark.parametrize(("contents", "line", "column", "words"), MALFORMED_FILES)
def test_every_malformed_file_exits_2_with_one_line(capsys, tmp_path, contents, line,
                                                     column, words):
    source = tmp_path / "bad.csv"
    if isinstance(contents, bytes):
        source.write_bytes(contents)
    else:
        source.write_text(contents)
    out = tmp_path / "out.csv"
    code, stdout, stderr = run(capsys, "--capacity=12", f"--input={source}",
                               f"--output={out}")
    where = [f"bad.csv:{line}: "] + ([f"column '{column}'"] if column else [])
    assert_usage_error(code, stdout, stderr, *where, words)
    assert stdout == "" and not out.exists()
    assert len(stderr) < 400  # a huge number is described, not printed


@pytest.mark.parametrize(("flags", "words"), [
    (["--capacity=7.5"], ["--capacity", "expected an integer"]),
    ([f"--capacity={2**62}"], ["--capacity must be at most 2^61"]),
    (["--capacity=" + "9" * 5000], ["--capacity", "5000 digits"]),
    (["--capacity=0"], ["--capacity must be at least 1"]),
    (["--timeout=abc"], ["--timeout", "duration"]),
    (["--timeout=-1s"], ["--timeout", "negative"]),
    (["--timeout=nan"], ["--timeout", "duration"]),
    (["--timeout=1e3"], ["--timeout", "duration"]),
    (["--timeout="], ["--timeout", "empty"]),
])
def test_malformed_flags_exit_2_with_one_line(capsys, tmp_path, flags, words):
    source = tmp_path / "ok.csv"
    source.write_text(f"{H}\nb1,0,3,4\n")
    code, stdout, stderr = run(capsys, "--capacity=12", f"--input={source}", *flags)
    assert_usage_error(code, stdout, stderr, *words)


def test_a_folder_as_input_or_output_exits_2(capsys, tmp_path):
    code, stdout, stderr = run(capsys, "--capacity=12", f"--input={tmp_path}")
    assert_usage_error(code, stdout, stderr, str(tmp_path))
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    code, stdout, stderr = run(capsys, "--capacity=12", f"--input={EXAMPLE}",
                               f"--output={link}")
    assert_usage_error(code, stdout, stderr, "is a folder")


def test_a_huge_integer_exits_2_in_a_subprocess(tmp_path):
    source = tmp_path / "big.csv"
    source.write_text(f"{H}\nb1,0,3,{2**63}\nb2,0,3,4\n")
    done = subprocess.run(
        [sys.executable, "-m", "minimalloc", "--capacity=12", f"--input={source}"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"minimalloc: error: {source}:2: column 'size': expected an integer within "
        f"±2^61 ({2**61}), got {2**63}: larger values could overflow the search's "
        "64-bit arithmetic"
    ]


@pytest.mark.parametrize("limit", ["inf", "1" + "0" * 300, "99999999999h"])
def test_a_huge_time_limit_means_no_limit(capsys, tmp_path, limit):
    code, stdout, stderr, out = solve_example(capsys, tmp_path, f"--timeout={limit}")
    assert code == 0 and stderr == ""  # no timer thread traceback
    assert "status:       solved" in stdout
    assert parse_duration(limit) is None


# ---------------------------------------------------------------- output files


def test_output_through_a_symlink_writes_its_target(capsys, tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to("real.csv")
    code, _, stderr = run(capsys, "--capacity=12", f"--input={EXAMPLE}",
                          f"--output={link}")
    assert code == 0, stderr
    assert link.is_symlink()
    assert target.read_bytes() == EXAMPLE_OUT.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]


def test_output_into_a_fifo_is_written_not_replaced(capsys, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    code, _, stderr = run(capsys, "--capacity=12", f"--input={EXAMPLE}",
                          f"--output={fifo}")
    reader.join(30)
    assert code == 0, stderr
    assert received == [EXAMPLE_OUT.read_bytes()]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_output_onto_a_device_keeps_the_device(capsys, tmp_path):
    # A private /dev/null: a regression replaces the copy, not the real one.
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError:
        pytest.skip("creating a device node needs privileges")
    code, _, stderr = run(capsys, "--capacity=12", f"--input={EXAMPLE}",
                          f"--output={device}")
    assert code == 0, stderr
    assert stat.S_ISCHR(device.stat().st_mode)


def test_generate_output_through_a_symlink(capsys, tmp_path):
    target = tmp_path / "real.csv"
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert main(["generate", "random", "--n", "7", "--output", str(link)]) == 0
    assert link.is_symlink()
    assert target.read_text().startswith("id,lower,upper,size")
    assert len(target.read_text().splitlines()) == 8
    capsys.readouterr()


# ---------------------------------------------------------------- progress


class _Stream(io.StringIO):
    def __init__(self, terminal: bool) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


@pytest.mark.parametrize("terminal", [True, False])
def test_progress_line_only_on_a_terminal(monkeypatch, terminal):
    monkeypatch.setattr(progress, "PROGRESS_DELAY", 0.0)
    stream = _Stream(terminal)
    line = progress.Progress("minimise", stream=stream)
    line.report_bounds(1.0, 1100, 1000)
    line.tick()
    line.close()
    text = stream.getvalue()
    if terminal:
        assert "minimise" in text
        assert "best height 1,100" in text and "lower bound 1,000" in text
        assert "gap 100 (10.00 %)" in text
    else:
        assert text == ""


def test_short_runs_show_no_progress(monkeypatch):
    stream = _Stream(True)
    line = progress.Progress("search", stream=stream)
    line.details = "12 nodes"
    line.tick()  # well within PROGRESS_DELAY
    line.close()
    assert stream.getvalue() == ""


def test_minimize_prints_no_progress_when_not_on_a_terminal(capsys):
    code, stdout, stderr = run(capsys, f"--input={HARD}", "--minimize", "--timeout=1.5s")
    assert code == 0
    assert stderr == ""
    assert "minimise" not in stdout and "\r" not in stdout


def _in_a_terminal(args: list[str], interrupt_when: bytes | None = None,
                   timeout: float = 120) -> tuple[int, str]:
    """Run the command line in a pseudo-terminal; send Ctrl-C (SIGINT) once
    ``interrupt_when`` has appeared in its output.  Returns the exit status
    and everything it wrote."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "minimalloc", *args],
                               stdin=slave, stdout=slave, stderr=slave,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(slave)
    output = b""
    deadline = time.monotonic() + timeout
    interrupted = False
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the terminal closed: the process is done
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
            if interrupt_when is not None and not interrupted and interrupt_when in output:
                process.send_signal(signal.SIGINT)
                interrupted = True
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    return code, output.decode(errors="replace")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_minimize_shows_progress_in_a_terminal(tmp_path):
    code, text = _in_a_terminal([f"--input={HARD}", "--minimize", "--timeout=2s"])
    assert code == 0, text
    assert "minimise" in text and "best height" in text and "lower bound" in text
    assert "height:" in text  # the results follow the cleared progress line


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_ctrl_c_writes_the_best_allocation_so_far(tmp_path):
    from minimalloc.formats.csv import read_csv
    from minimalloc.model import Solution
    from minimalloc.validate import validate

    hard = SHARED / "challenging" / "D.1048576.csv"  # not proven in a minute
    out = tmp_path / "out.csv"
    started = time.monotonic()
    code, text = _in_a_terminal(
        [f"--input={hard}", "--minimize", "--timeout=60s", f"--output={out}"],
        interrupt_when=b"best height")
    assert time.monotonic() - started < 50
    assert code == cli.EXIT_INTERRUPTED, text
    assert "interrupted:" in text and "Traceback" not in text
    assert out.exists()
    problem = read_csv(hard)
    frame = pandas.read_csv(out)
    solution = Solution.from_offsets(problem, frame["offset"].tolist())
    assert validate(problem.with_capacity(None), solution).ok
    height = int(re.search(r"height:\s+(\d+)", text).group(1))
    assert solution.height == height


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_slow_solve_shows_its_nodes_in_a_terminal():
    hard = SHARED / "challenging" / "D.1048576.csv"  # does not fit 1000000: slow
    code, text = _in_a_terminal([f"--input={hard}", "--capacity=1000000",
                                 "--timeout=2s", "--nofallback"])
    assert code == 1, text
    assert re.search(r"search +[0-9.]+ s +[0-9,]+ nodes", text), text
    assert "status:       timeout" in text


def test_generate_into_a_missing_folder_exits_2_with_one_line(capsys, tmp_path):
    out = tmp_path / "missing" / "model.csv"
    assert main(["generate", "random", "--n", "7", "--output", str(out)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and str(out) in lines[0] and "Traceback" not in lines[0]
    assert not out.exists()


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_ctrl_c_ends_the_spill_with_its_best_plan_written(tmp_path):
    from minimalloc.formats.csv import read_csv
    from minimalloc.model import Problem, Solution
    from minimalloc.validate import validate

    hard = SHARED / "challenging" / "D.1048576.csv"  # not proven in a minute at 936,806
    out = tmp_path / "plan.csv"
    started = time.monotonic()
    code, text = _in_a_terminal(
        [f"--input={hard}", "--capacity=936806", "--spill", "--timeout=90s",
         f"--output={out}"], interrupt_when=b"best moves")
    assert time.monotonic() - started < 60
    assert code == cli.EXIT_INTERRUPTED, text
    assert "bound" in text  # the progress line showed the bound while it ran
    assert "interrupted:" in text and "Traceback" not in text
    assert "spilled:" in text and "lower bound:" in text
    plan = read_csv(out)  # each buffer pinned to the pool it went to, at its offset
    main_pool = [b for b in plan.buffers if b.pool == "main"]
    assert main_pool and max(b.offset + b.size for b in main_pool) <= 936806
    spilled = int(re.search(r"spilled: +\d+ buffers?, ([\d,]+) bytes", text)
                  .group(1).replace(",", ""))
    assert sum(b.size for b in plan.buffers if b.pool == "spill") == spilled
    sub = Problem(tuple(dataclasses.replace(b, offset=None, pool=None)
                        for b in main_pool), 936806)
    assert validate(sub, Solution.from_offsets(sub, [b.offset for b in main_pool])).ok
