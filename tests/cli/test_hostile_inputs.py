"""Hostile and broken command lines, files and names: one line on stderr,
exit 2, nothing written, bounded time; or, where the input is fine after
all, an output that reads back."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from onnx import TensorProto, helper

from minimalloc.cli import main
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import dumps_csv, read_csv, write_csv
from minimalloc.formats.detect import read_any
from minimalloc.formats.onnx import read_onnx
from minimalloc.formats.text_plan import dumps_text_plan
from minimalloc.model import Buffer, Problem, Solution

EXAMPLE = "id,lower,upper,size\nb1,0,3,4\nb2,3,9,4\nb3,0,9,4\nb4,9,21,4\nb5,0,21,4\n"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(code: int, err: str, *fragments: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert len(lines[0]) < 500, lines[0]  # a huge value is described, not repeated
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture
def symbolic_model(tmp_path) -> Path:
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    path = tmp_path / "symbolic.onnx"
    path.write_bytes(helper.make_model(graph).SerializeToString())
    return path


# ---------------------------------------------------------------- flags


@pytest.mark.parametrize("value", [str(2**63), str(2**64 + 5), "9" * 5000, "1" * 30])
def test_a_huge_dim_is_one_line(capsys, symbolic_model, value):
    code, out, err = run(capsys, "import", str(symbolic_model), f"--dim=batch={value}")
    one_line(code, err, "--dim", "batch", "at most 2^62")
    assert out == ""


def test_a_dim_in_range_still_works(capsys, symbolic_model):
    code, out, err = run(capsys, "import", str(symbolic_model), "--dim=batch=3")
    assert code == 0, err
    assert [b.size for b in read_csv(io.StringIO(out)).buffers] == [48, 48]


@pytest.mark.parametrize("digits", [11, 30, 45, 5000])
def test_a_huge_generator_count_is_one_line(capsys, digits):
    code, out, err = run(capsys, "generate", "random", f"--n={'9' * digits}")
    one_line(code, err, "minimalloc generate: error:", "n")
    assert out == ""


@pytest.mark.parametrize("flags", [["perfect", f"--width={10**30}"],
                                   ["model", f"--layers={10**12}"],
                                   ["random", "--n=5", f"--horizon={2**70}"]])
def test_other_huge_generator_values_are_one_line(capsys, flags):
    code, out, err = run(capsys, "generate", *flags)
    one_line(code, err, "minimalloc generate: error:")


def test_the_generators_refuse_a_count_beyond_their_limit():
    from minimalloc.generate.problems import MAX_BUFFERS, random_problem

    with pytest.raises(ProblemError, match="n must be <= 10,000,000"):
        random_problem(MAX_BUFFERS + 1, seed=0)


def test_old_argparse_spellings_of_generate_still_work(capsys, tmp_path):
    out = tmp_path / "p.csv"
    code, _, err = run(capsys, "generate", "model", "--layers", "3", "--dtype-bytes",
                       "4", "--gap-probability", "0.5", "-o", str(out))
    assert code == 0, err
    assert len(read_csv(out)) > 3


def test_a_flagfile_is_read_and_a_missing_one_is_one_line(capsys, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(EXAMPLE)
    flagfile = tmp_path / "flags.txt"
    flagfile.write_text(f"--capacity=12\n--input={source}\n--novalidate\n")
    code, out, err = run(capsys, f"--flagfile={flagfile}")
    assert code == 0 and "status:       solved" in out, err
    code, _, err = run(capsys, f"--flagfile={tmp_path / 'none.txt'}")
    one_line(code, err, "none.txt")


@pytest.mark.parametrize("command", [[], ["batch"], ["generate"], ["generate", "random"],
                                     ["import"], ["ablation"]])
def test_every_command_prints_help_generated_from_its_flags(capsys, command):
    code, out, err = run(capsys, *command, "--help")
    assert code == 0 and err == ""
    assert out.startswith("usage: minimalloc")
    assert "\n  --" in out  # the flags, one per entry, under their headings


# ---------------------------------------------------------------- reading


def _solve(capsys, source: Path, *extra: str) -> tuple[int, str, str]:
    return run(capsys, "--capacity=100", f"--input={source}", *extra)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_an_overlong_cell_is_refused_alike_with_either_line_end(capsys, tmp_path,
                                                                newline):
    source = tmp_path / "long.csv"
    rows = ["id,lower,upper,size", f"{'a' * 140_000},0,2,4", "b,1,3,4"]
    source.write_text(newline.join(rows) + newline, newline="")
    code, out, err = _solve(capsys, source)
    one_line(code, err, "long.csv:2:", "more than 131,072 characters")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_long_cell_under_the_limit_reads_alike_with_either_line_end(tmp_path, newline):
    source = tmp_path / "long.csv"
    rows = ["id,lower,upper,size", f"{'a' * 120_000},0,2,4", "b,1,3,4"]
    source.write_text(newline.join(rows) + newline, newline="")
    assert [b.id[:3] for b in read_csv(source).buffers] == ["aaa", "b"]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_huge_bad_cell_is_cut_in_the_message(capsys, tmp_path, newline):
    source = tmp_path / "bad.csv"
    rows = ["id,lower,upper,size", f"a,0,2,{'x' * 130_000}"]
    source.write_text(newline.join(rows) + newline, newline="")
    code, _, err = _solve(capsys, source)
    line = one_line(code, err, "bad.csv:2:", "column 'size'", "130,000 characters")
    assert "x" * 100 not in line


def test_a_huge_header_name_is_cut_in_the_message(capsys, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text(f"id,lower,upper,size,{'c' * 100_000}\na,0,2,4,1\n")
    code, _, err = _solve(capsys, source)
    one_line(code, err, "bad.csv:1:", "unknown column", "100,000 characters")


def test_read_any_takes_an_upload_and_names_it(tmp_path):
    reading = read_any(EXAMPLE.encode(), name="upload.csv", capacity=12)
    assert (reading.kind, reading.name, len(reading.problem)) == ("csv", "upload.csv", 5)
    with pytest.raises(ProblemError, match=r"^upload\.csv:3: column 'upper'"):
        read_any(b"id,lower,upper,size\na,0,2,4\nb,0,x,4\n", name="upload.csv")


def test_a_file_no_reader_claims_says_it_was_read_as_csv(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    with pytest.raises(ProblemError, match=r"notes\.txt:1: .*read as a problem CSV"):
        read_any(notes)


# ---------------------------------------------------------------- writing


def test_an_output_ending_in_a_slash_overwrites_nothing(capsys, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(EXAMPLE)
    existing = tmp_path / "exist.csv"
    existing.write_text("precious\n")
    code, out, err = run(capsys, "--capacity=12", f"--input={source}",
                         f"--output={existing}/")
    one_line(code, err, "exist.csv/", "ends in '/'")
    assert out == "" and existing.read_text() == "precious\n"
    with pytest.raises(NotADirectoryError):  # the library refuses it too
        write_csv(read_csv(source), f"{existing}/")
    assert existing.read_text() == "precious\n"


def test_a_long_output_name_is_written(capsys, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(EXAMPLE)
    out = tmp_path / ("p" * 246 + ".csv")  # 250 characters: the longest names
    code, _, err = run(capsys, "--capacity=12", f"--input={source}", f"--output={out}")
    assert code == 0, err
    assert read_csv(out).buffers[0].offset is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in.csv", out.name])


def test_a_too_long_output_name_fails_before_solving(capsys, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(EXAMPLE)
    out = tmp_path / ("p" * 300 + ".csv")
    code, stdout, err = run(capsys, "--capacity=12", f"--input={source}",
                            f"--output={out}")
    one_line(code, err, "--output", "too long")
    assert stdout == ""  # no "time:" line: nothing was solved


# ---------------------------------------------------------------- ids


def _model(inputs, nodes, outputs) -> bytes:
    graph = helper.make_graph(nodes, "g", inputs, outputs)
    return helper.make_model(graph).SerializeToString()


def _tensor(name: str):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, [4])


@pytest.mark.parametrize("names", [("x", " x"), ("x", "x\t"), ("a\nb",), ("",)])
def test_onnx_names_that_are_no_ids_import_into_a_csv_that_reads_back(names):
    adds = [helper.make_node("Relu", [name], [f"y{i}"]) for i, name in enumerate(names)]
    outputs = [_tensor(f"y{i}") for i in range(len(names))]
    problem = read_onnx(_model([_tensor(n) for n in names], adds, outputs))
    again = read_csv(io.StringIO(dumps_csv(problem, None)))
    assert again == problem
    assert len({b.id for b in problem.buffers}) == len(names) * 2
    renamed = [b for b in problem.buffers if b.id not in names and not b.id[0] == "y"]
    assert all(b.label.startswith("tensor ") for b in renamed)


def test_onnx_with_two_inputs_of_one_name_is_refused(capsys, tmp_path):
    path = tmp_path / "twice.onnx"
    path.write_bytes(_model([_tensor("x"), _tensor("x")],
                            [helper.make_node("Relu", ["x"], ["y"])], [_tensor("y")]))
    code, _, err = run(capsys, "import", str(path))
    one_line(code, err, "twice.onnx", "graph input 'x' is declared twice")


@pytest.mark.parametrize("ident", ["", " x", "x ", "a\nb", "a\rb", "a\u2028b"])
def test_a_buffer_refuses_an_id_a_csv_cannot_carry(ident):
    with pytest.raises(ProblemError, match="column 'id'"):
        Buffer(ident, 0, 1, 1)


def test_what_write_csv_writes_reads_back(tmp_path):
    problem = Problem((Buffer("a b", 0, 2, 4, label="two\nlines"),
                       Buffer('q"uote,comma', 1, 3, 4)))
    path = tmp_path / "p.csv"
    write_csv(problem, path)
    assert read_csv(path) == problem


def test_a_label_with_line_breaks_keeps_the_text_plan_one_line_per_buffer():
    problem = Problem((Buffer("a", 0, 2, 4, label="first\nsecond\rthird"),
                       Buffer("b", 1, 3, 4)))
    text = dumps_text_plan(problem, Solution.from_offsets(problem, [0, 4]))
    table = text.split("\n\n")[1].splitlines()
    assert len(table) == 3 and table[1].endswith("first second third")


def test_a_quoted_id_with_a_line_break_is_refused_with_its_line(capsys, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('id,lower,upper,size\n"a\nb",0,2,4\n')
    code, _, err = _solve(capsys, source)
    one_line(code, err, "in.csv:2:", "column 'id'", "line breaks")
    assert os.path.exists(source)


def test_a_reader_that_stops_early_ends_it_quietly(tmp_path):
    """``minimalloc generate ... | head -1``: the rest is dropped, no traceback."""
    process = subprocess.Popen(
        [sys.executable, "-m", "minimalloc", "generate", "random", "--n=200000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    first = process.stdout.readline()
    process.stdout.close()  # as head does once it has its line
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141
    assert first.startswith(b"id,lower,upper,size")
    assert stderr == ""
