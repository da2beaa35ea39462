"""Reading back the plans the package writes: Chrome trace JSON and the text
plan, through the one dispatch (read_any), and ``minimalloc compare`` on
them."""

from __future__ import annotations

import json

import pytest

from minimalloc.cli import main
from minimalloc.errors import ProblemError
from minimalloc.formats import read_any
from minimalloc.formats.chrome_trace import dumps_chrome_trace, read_chrome_trace
from minimalloc.formats.text_plan import dumps_text_plan, read_text_plan
from minimalloc.model import Buffer, Gap, Pool, Problem, Solution

PLAN = Problem((Buffer("conv 1", 0, 3, 4, label="Conv c1"),
                Buffer("b2", 3, 9, 4, gaps=(Gap(4, 6), Gap(6, 7, (0, 2)))),
                Buffer("b3", 0, 9, 4), Buffer("view", 0, 9, 4, alias="b3", label="View"),
                Buffer("b5", 0, 21, 4)))
OFFSETS = (8, 8, 4, 4, 0)


def fixed(problem: Problem, offsets, keep_gaps: bool = True) -> list[tuple]:
    """What a read plan must hold: each buffer with its offset."""
    return [(b.id, b.lower, b.upper, b.size, b.gaps if keep_gaps else (), b.label,
             b.alias, b.pool, o) for b, o in zip(problem.buffers, offsets)]


def held(problem: Problem, keep_gaps: bool = True) -> list[tuple]:
    return fixed(problem, [b.offset for b in problem.buffers], keep_gaps)


def test_a_chrome_trace_reads_back_the_plan_it_was_written_from(tmp_path):
    text = dumps_chrome_trace(PLAN, Solution(OFFSETS, 12))
    path = tmp_path / "plan.json"
    path.write_text(text)
    for source in (path, text.encode()):
        problem = read_chrome_trace(source)
        assert held(problem) == fixed(PLAN, OFFSETS)  # gaps, labels, aliases too
    reading = read_any(path)
    assert reading.kind == "chrome_trace" and held(reading.problem) == fixed(PLAN, OFFSETS)


def test_a_text_plan_reads_back_its_table(tmp_path):
    text = dumps_text_plan(PLAN, Solution(OFFSETS, 12))
    path = tmp_path / "plan.txt"  # a suffix CSVs use too: found by its first line
    path.write_text(text)
    reading = read_any(path)
    assert reading.kind == "text_plan"
    # The table has no gaps: the rest comes back, ids with spaces included.
    assert held(reading.problem, False) == fixed(PLAN, OFFSETS, False)
    assert held(read_text_plan(text.encode()), False) == fixed(PLAN, OFFSETS, False)


def test_plans_over_pools_read_back_with_their_pools():
    problem = Problem((Buffer("a", 0, 2, 4, pool="sram"), Buffer("b", 0, 2, 4, pool="sram"),
                       Buffer("c", 1, 3, 8, pool="dram")),
                      pools=(Pool("sram", 8), Pool("dram")))
    solution = Solution((0, 4, 0), 8, pools=("sram", "sram", "dram"))
    for problem_read in (read_chrome_trace(dumps_chrome_trace(problem, solution).encode()),
                         read_text_plan(dumps_text_plan(problem, solution).encode())):
        placed = {b.id: (b.pool, b.offset) for b in problem_read.buffers}
        assert placed == {"a": ("sram", 0), "b": ("sram", 4), "c": ("dram", 0)}
        assert [(p.name, p.capacity) for p in problem_read.pools] == [("sram", 8),
                                                                       ("dram", None)]


def test_compare_reads_a_chrome_trace_against_a_text_plan(tmp_path, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.txt"
    a.write_text(dumps_chrome_trace(PLAN, Solution(OFFSETS, 12)))
    b.write_text(dumps_text_plan(PLAN, Solution((0, 0, 4, 4, 8), 12)))
    code = main(["compare", str(a), str(b), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (data["height_a"], data["height_b"]) == (12, 12)
    assert data["moved"] == ["conv 1", "b2", "b5"]
    assert data["only_a"] == [] and data["only_b"] == []


def test_broken_plans_are_refused_naming_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"traceEvents": [{"ph": "X", "cat": "buffer", "name": "a", "ts": 0}]}')
    with pytest.raises(ProblemError, match=r"^.*bad\.json: trace event 0: expected"):
        read_any(bad)
    with pytest.raises(ProblemError, match=r"not JSON"):
        read_any(b"{not json", name="x.json")
    row = "memory plan: 1 buffers, height 4 bytes\n\nsym  id  size  offset  first  last" \
          "  label\n  0  a     four  0  0  1\n"
    with pytest.raises(ProblemError, match=r"^t\.txt:4: expected a row"):
        read_any(row.encode(), name="t.txt")
