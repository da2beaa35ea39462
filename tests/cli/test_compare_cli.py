"""``minimalloc compare`` and ``minimalloc report``: what they print, the
JSON, the standalone pages, and one line (exit 2) for bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

from minimalloc.cli import main

FIVE = "id,lower,upper,size\nb1,0,3,4\nb2,3,9,4\nb3,0,9,4\nb4,9,21,4\nb5,0,21,4\n"
PLAN_A = "id,lower,upper,size,offset\nx,0,4,2,0\ny,2,6,3,2\nz,5,8,1,0\n"
PLAN_B = "id,lower,upper,size,offset\nx,0,4,2,3\ny,2,6,3,0\nw,5,8,1,4\n"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def plans(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(PLAN_A)
    b.write_text(PLAN_B)
    return a, b


def test_compare_prints_heights_moves_and_where_one_is_higher(capsys, tmp_path):
    a, b = plans(tmp_path)
    code, out, err = run(capsys, "compare", str(a), str(b))
    assert code == 0 and not err
    assert "height A:     5\n" in out and "difference:   +0 (B - A)" in out
    assert "moved:        2\n" in out
    assert re.search(r"^ +x +2 +0 +3$", out, re.M) and re.search(r"^ +y +3 +2 +0$", out,
                                                                  re.M)
    assert "only in A:    1: z\n" in out and "only in B:    1: w\n" in out
    # Largest difference first: from 6 to 8 plan B reaches 4 higher.
    rows = out.split("B - A\n", 1)[1].split()
    assert rows[:5] == ["6", "8", "1", "5", "+4"]


def test_compare_json_is_one_object(capsys, tmp_path):
    a, b = plans(tmp_path)
    code, out, _ = run(capsys, "compare", str(a), str(b), "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["height_a"], data["height_b"]) == (5, 5)
    assert data["moved"] == ["x", "y"]
    assert data["only_a"] == ["z"] and data["only_b"] == ["w"]
    assert data["higher"][0] == {"start": 0, "end": 2, "top_a": 2, "top_b": 5,
                                 "difference": 3}


def test_compare_by_label(capsys, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("id,lower,upper,size,label,offset\n1,0,2,4,conv,0\n2,0,2,2,bias,4\n")
    b.write_text("id,lower,upper,size,label,offset\n7,0,2,4,conv,2\n8,0,2,2,bias,0\n")
    code, _, err = run(capsys, "compare", str(a), str(b))
    assert code == 2 and "no buffer in common" in err and "--match=label" in err
    code, out, _ = run(capsys, "compare", str(a), str(b), "--match=label", "--json")
    assert code == 0 and json.loads(out)["moved"] == ["conv", "bias"]


def test_compare_writes_a_standalone_page(capsys, tmp_path):
    a, b = plans(tmp_path)
    page = tmp_path / "page.html"
    code, out, _ = run(capsys, "compare", str(a), str(b), f"--output={page}")
    assert code == 0 and f"output:       {page}" in out
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    # Works offline: plotly.js is in the page, not fetched.
    assert not re.search(r"<script[^>]*\bsrc=", text) and len(text) > 1_000_000
    assert text.count("Plotly.newPlot") == 3  # both plans and the curves
    assert text.count('"role":"hover"') == 2  # exact hover on both packings
    assert "__minimallocHover" in text  # and the script that shows it
    assert "<td>x</td>" in text and "<td>w</td>" in text
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_bad_plans_get_one_line_and_exit_2(capsys, tmp_path):
    a, _ = plans(tmp_path)
    overlap = tmp_path / "overlap.csv"
    overlap.write_text("id,lower,upper,size,offset\nx,0,4,2,0\ny,2,6,3,1\n")
    problem = tmp_path / "problem.csv"
    problem.write_text(FIVE)
    other = tmp_path / "other.csv"
    other.write_text("id,lower,upper,size,offset\nq,10,20,5,0\n")
    page = tmp_path / "page.html"
    page.write_text("the old page")
    cases = [
        ((str(a), str(overlap)), "overlap.csv: its offsets are not a valid plan: "
                                 "Buffers 'x' and 'y' collide"),
        ((str(a), str(problem)), "problem.csv: is not a plan: 5 of 5 buffers have no "
                                 "offset"),
        ((str(a), str(other)), "plan unrelated problems: no buffer in common"),
        ((str(a),), "expected two plan files, got 1"),
        ((str(a), str(tmp_path / "missing.csv")), "missing.csv"),
    ]
    for args, message in cases:
        code, out, err = run(capsys, "compare", *args, f"--output={page}")
        assert code == 2, args
        assert err.count("\n") == 1 and message in err, err
    assert page.read_text() == "the old page"  # nothing half-written or replaced


def test_report_of_a_problem_that_fits(capsys, tmp_path):
    source = tmp_path / "five.csv"
    source.write_text(FIVE)
    page = tmp_path / "report.html"
    code, out, _ = run(capsys, "report", str(source), "--capacity=12",
                       f"--output={page}")
    assert code == 0 and "status:       fits" in out and "height:       12" in out
    text = page.read_text()
    assert not re.search(r"<script[^>]*\bsrc=", text)
    assert text.count('"role":"hover"') == 1
    assert "<h2>Baselines</h2>" in text and "<td>greedy_by_size</td>" in text
    assert "<td>backtracks</td>" in text and "Why it does not fit" not in text


def test_report_of_a_problem_that_does_not_fit_explains_it(capsys, tmp_path):
    source = tmp_path / "five.csv"
    source.write_text(FIVE)
    page = tmp_path / "report.html"
    code, out, _ = run(capsys, "report", str(source), "--capacity=11", "--timeout=5s",
                       f"--output={page}")
    assert code == 1 and "status:       does not fit" in out
    text = page.read_text()
    assert "<h2>Why it does not fit</h2>" in text and "12 bytes" in text


def test_report_without_capacity_finds_the_lowest_and_of_a_plan_shows_it(capsys,
                                                                         tmp_path):
    source = tmp_path / "five.csv"
    source.write_text(FIVE)
    page = tmp_path / "report.html"
    code, out, _ = run(capsys, "report", str(source), f"--output={page}")
    assert code == 0 and "status:       minimised" in out and "height:       12" in out
    a, _ = plans(tmp_path)
    code, out, _ = run(capsys, "report", str(a), f"--output={page}")
    assert code == 0 and "status:       plan" in out and "height:       5" in out


def test_report_bad_input_is_one_line(capsys, tmp_path):
    source = tmp_path / "five.csv"
    source.write_text(FIVE)
    code, _, err = run(capsys, "report", str(source))
    assert code == 2 and "--output=report.html is required" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("id,lower,upper,size\nx,0,four,2\n")
    page = tmp_path / "report.html"
    code, _, err = run(capsys, "report", str(bad), f"--output={page}")
    assert code == 2 and err.count("\n") == 1 and "bad.csv" in err
    assert not page.exists()
