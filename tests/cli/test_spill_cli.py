"""The spill from every door of the command line: --spill, --pools, explain's
way out, batch --mode=spill, and the writers' pool sections."""

from __future__ import annotations

import json
from pathlib import Path

from minimalloc import read_csv, validate
from minimalloc.cli import main
from minimalloc.model import Pool, Problem, Solution

FIVE = "id,lower,upper,size\nb1,0,3,4\nb2,3,9,4\nb3,0,9,4\nb4,9,21,4\nb5,0,21,4\n"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_spill_writes_pools_and_says_whether_it_is_cheapest(capsys, tmp_path) -> None:
    source = tmp_path / "five.csv"
    source.write_text(FIVE)
    out = tmp_path / "plan.csv"
    code, stdout, _ = run(capsys, f"--input={source}", "--capacity=8", "--spill",
                          f"--output={out}", "--validate")
    assert code == 0
    assert "spilled:      1 buffer, 4 bytes" in stdout
    assert "lower bound:  4" in stdout and "cheapest:     yes" in stdout
    assert "no plan moves less" in stdout and "validation:   PASS" in stdout
    lines = out.read_text().splitlines()
    assert lines[0] == "id,lower,upper,size,pool,offset"
    assert sorted(line.split(",")[4] for line in lines[1:]) == ["main"] * 4 + ["spill"]
    plan = read_csv(out)  # the plan reads back: each buffer pinned where it went
    main_pool = [b for b in plan.buffers if b.pool == "main"]
    assert max(b.offset + b.size for b in main_pool) <= 8


def test_pools_with_units_and_formats(capsys, tmp_path) -> None:
    source = tmp_path / "five.csv"
    source.write_text(FIVE)
    trace, text = tmp_path / "plan.json", tmp_path / "plan.txt"
    code, stdout, _ = run(capsys, f"--input={source}", "--pools=sram:8B,dram:1KiB",
                          f"--output={trace}")
    assert code == 0 and "sram:" in stdout and "dram:" in stdout
    names = [e["args"]["name"] for e in json.loads(trace.read_text())["traceEvents"]
             if e.get("name") == "process_name"]
    assert names == ["pool sram: height 8 of 8 bytes", "pool dram: height 4 of 1,024 bytes"]
    assert run(capsys, f"--input={source}", "--pools=sram:8,dram:inf",
               f"--output={text}")[0] == 0
    sections = [line for line in text.read_text().splitlines() if line.startswith("===")]
    assert sections == ["=== pool sram: 4 buffers, capacity 8 ===",
                        "=== pool dram: 1 buffers ==="]


def test_bad_pools_are_one_line(capsys, tmp_path) -> None:
    source = tmp_path / "five.csv"
    source.write_text(FIVE)
    code, _, stderr = run(capsys, f"--input={source}", "--pools=sram:lots")
    assert code == 2 and stderr.count("\n") == 1 and "--pools" in stderr


def test_explain_gives_the_way_out(capsys, tmp_path) -> None:
    source = tmp_path / "five.csv"
    source.write_text(FIVE)
    code, stdout, _ = run(capsys, f"--input={source}", "--capacity=8", "--explain",
                          "--timeout=10s")
    assert code == 0
    assert "To fit, move 1 buffer (4 bytes) to spill: 'b3'" in " ".join(stdout.split())


def test_batch_spill_mode(capsys, tmp_path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "five.8.csv").write_text(FIVE)
    results, solutions = tmp_path / "results.csv", tmp_path / "plans"
    code, _, _ = run(capsys, "batch", str(folder), "--mode=spill", f"--output={results}",
                     f"--solutions={solutions}", "--workers=1", "--timeout=10s")
    assert code == 0
    row = results.read_text().splitlines()[1].split(",")
    assert row[1] == "spill" and row[6] == "ok" and row[8] == "true"
    plan = read_csv(solutions / "five.8.out.csv")
    pools = (Pool("main", 8), Pool("spill", None, 1))
    placed = Problem(tuple(b for b in plan.buffers), None, pools)
    solution = Solution.from_offsets(placed, [b.offset for b in placed.buffers],
                                     [b.pool for b in placed.buffers])
    assert validate(placed.without_fixed_offsets(), solution).ok


def test_import_with_aliases(capsys, tmp_path) -> None:
    import onnx

    model = (Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
             / "light_squeezenet.onnx")
    out = tmp_path / "squeezenet.csv"
    code, _, _ = run(capsys, "import", str(model), "--aliases", f"--output={out}")
    assert code == 0
    problem = read_csv(out)
    assert out.read_text().splitlines()[0].split(",")[-1] == "alias"
    assert sum(b.alias is not None for b in problem.buffers) > 10
