"""The benchmark runner produces its report (no timing assertions)."""

from __future__ import annotations

import re

import pytest
from reference_data import BENCHMARKS, needs_shared

from minimalloc.bench import suite as bench

SHARED = BENCHMARKS.parent
REFERENCE_MD = BENCHMARKS / "reference" / "REFERENCE.md"

pytestmark = needs_shared


def test_bench_on_one_instance(capsys):
    code = bench.main(["--instances", "K", "--runs", "1", "--no-jit", "--no-minimize",
                       "--no-scale", "--no-spill", "--no-replay", "--shared", str(SHARED)])
    out = capsys.readouterr().out
    assert code == 0
    assert "identical: yes (1/1 instances" in out
    row = next(line for line in out.splitlines() if line.startswith("K "))
    cells = row.split()
    assert cells[1] == "454"  # buffers
    assert cells[4] == cells[5] == "7648"  # backtracks, reference backtracks
    assert cells[6] == "yes"
    assert any(line.startswith("total ") for line in out.splitlines())
    assert "max per-instance ratio" in out
    assert "process start to exit, warm cache" in out
    assert "peak memory" in out


def test_minimiser_section(capsys):
    code = bench.main(["--instances", "C", "--runs", "1", "--no-jit", "--no-start",
                       "--minimize-timeout", "30", "--no-scale", "--no-spill",
                       "--no-replay", "--shared", str(SHARED)])
    out = capsys.readouterr().out
    assert code == 0
    assert "Minimiser with no capacity" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("C ")]
    minimiser = rows[1]  # after the solve table's row
    assert minimiser[1:6] == ["1039360", "1039360", "1039360", "yes", "search"]
    assert "omnimalloc" in out


def test_spill_section(capsys):
    code = bench.main(["--only", "spill", "--instances", "B,C", "--spill-timeout", "20",
                       "--shared", str(SHARED)])
    out = capsys.readouterr().out
    assert code == 0 and "A-K at 95% of their LOAD" in out
    row = next(line.split() for line in out.splitlines() if line.startswith("C "))
    # C at floor(0.95 x 1039360): 52,224 bytes move, and no plan moves less.
    assert row[5:10] == ["52,224", "52,224", "1.000", "yes", "yes"]
    assert "2 of 2 within 1.10x of the bound; 2 proven cheapest" in out


def test_reference_tables_are_parsed():
    reference = bench.parse_reference(REFERENCE_MD.read_text(encoding="utf-8"))
    assert set(reference.backtracks) == set(bench.INSTANCES)
    assert reference.backtracks["A"] == 114659
    assert reference.seconds["K"] == pytest.approx(0.565)
    assert reference.buffers["K"] == 454
    assert reference.optimum_is_load("C")  # proven by the reference's minimiser
    assert not reference.optimum_is_load("D")
    assert reference.optimum_is_load("E")  # reached at capacity = LOAD
    assert reference.others["A"]
    assert min(reference.others["A"].values()) == pytest.approx(1.034)


def test_bad_arguments(capsys, tmp_path):
    assert bench.main(["--instances", "Z"]) == 2
    assert "expected letters from A to K" in capsys.readouterr().err
    assert bench.main(["--shared", str(tmp_path)]) == 2
    assert "no reference data" in capsys.readouterr().err


def test_reference_ablation_table_is_parsed():
    table = bench.parse_reference_ablation(REFERENCE_MD.read_text(encoding="utf-8"))
    assert table["nothing"]["A"] == "4.9" and table["canonical_only"]["A"] == "T"
    assert len(table) == 10 and all(len(row) == 11 for row in table.values())


def test_ablation_section_runs_through_the_batch(capsys, tmp_path):
    output = tmp_path / "ablation.csv"
    code = bench.main(["--only", "ablation", "--instances", "K", "--ablation-timeout",
                       "0.5", "--workers", "2", "--ablation-output", str(output),
                       "--shared", str(SHARED)])
    out = capsys.readouterr().out
    assert code == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines()
            if line.split() and line.split()[0] in ("nothing", "section_inference")}
    assert rows["section_inference"][1:] == ["T", "0", "0"]  # K, solved, reference's
    assert rows["nothing"][-1] == "1"
    assert len(output.read_text().splitlines()) == 11  # header and ten variants


def test_scale_section_alone(capsys):
    # A small trace through every phase, each in a fresh process.
    code = bench.main(["--only", "scale", "--scale-sizes", "3000",
                       "--scale-timeout", "2", "--scale-snapshot", "3000"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Scale: training traces" in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("buffers"))
    cells = lines[header + 1].split()
    assert int(cells[0].replace(",", "")) > 2000
    checks = next(line for line in lines[header + 2:] if line.startswith("buffers"))
    row = lines[lines.index(checks) + 1].split()
    assert row[-2:] == ["yes", "yes"]  # answers valid, minimize <= best baseline
    # The snapshot row: read and packed validly, at its LOAD at this size.
    snapshot = next(i for i, line in enumerate(lines) if line.startswith("Snapshot:"))
    named = dict(zip(re.split(r"\s{2,}", lines[snapshot + 1].strip()),
                     lines[snapshot + 2].split()))
    assert int(named["buffers"].replace(",", "")) > 3000
    assert float(named["minimize/LOAD"]) <= 1.01 and named["valid"] == "yes"


def test_replay_section(capsys):
    code = bench.main(["--only", "replay", "--replay-events", "3000",
                       "--replay-sample", "transformer"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Replay: a fresh replay opens a step" in out
    rows = [line.split() for line in out.splitlines()
            if line.startswith(("transformer", "long search"))]
    assert {r[0] for r in rows} == {"transformer", "long"}
    assert all(r[-1] == "yes" for r in rows)  # the replay agrees with the kernel
    long_rows = [r for r in rows if r[0] == "long"]
    assert int(long_rows[0][2].replace(",", "")) >= 3000  # events recorded
    # The first, the first backtrack, the middle and the end of the long trace.
    assert [" ".join(r[3:-6]) for r in long_rows] == ["first", "first backtrack",
                                                       "middle", "end"]
    assert "Full check of 'transformer'" in out and "no mismatch" in out
