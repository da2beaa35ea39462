"""The command line with models and snapshots: import, --input=model, --format."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from minimalloc.cli import main
from minimalloc.formats.csv import read_csv
from minimalloc.validate import validate

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
SQUEEZENET = LIGHT / "light_squeezenet.onnx"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(code, stderr, *fragments):
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("minimalloc: error: "), stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture
def symbolic_model(tmp_path):
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    path = tmp_path / "symbolic.onnx"
    path.write_bytes(helper.make_model(graph).SerializeToString())
    return path


@pytest.fixture
def snapshot_file(tmp_path):
    trace = [
        {"action": "segment_alloc", "addr": 0, "size": 8192, "frames": []},
        {"action": "alloc", "addr": 0, "size": 4096,
         "frames": [{"filename": "train.py", "line": 3, "name": "main"}]},
        {"action": "alloc", "addr": 4096, "size": 2048, "frames": []},
        {"action": "free_completed", "addr": 0, "size": 4096, "frames": []},
        {"action": "alloc", "addr": 0, "size": 1024, "frames": []},
    ]
    path = tmp_path / "snap.pickle"
    path.write_bytes(pickle.dumps({"segments": [], "device_traces": [trace]}))
    return path


def test_import_writes_a_problem_csv_with_labels(capsys, tmp_path):
    out = tmp_path / "problem.csv"
    code, stdout, stderr = run(capsys, "import", str(SQUEEZENET), f"--output={out}",
                               "--alignment=64")
    assert code == 0, stderr
    problem = read_csv(out)
    assert len(problem.buffers) == 106
    assert all(b.size % 64 == 0 and b.alignment == 64 and b.label for b in problem.buffers)
    assert "106 buffers over 105 time steps" in stdout


def test_import_dims_repeat_or_comma_separate(capsys, tmp_path, symbolic_model):
    for flags in (["--dim=batch=2", "--dim=seq=3"], ["--dim=batch=2,seq=3"]):
        code, stdout, stderr = run(capsys, "import", str(symbolic_model), *flags)
        assert code == 0, stderr
        problem = read_csv(io.StringIO(stdout))
        assert [b.size for b in problem.buffers] == [24, 24]


def test_import_a_snapshot_reports_what_the_allocator_reserved(capsys, tmp_path,
                                                               snapshot_file):
    out = tmp_path / "p.csv"
    code, stdout, stderr = run(capsys, "import", str(snapshot_file), f"--output={out}")
    assert code == 0, stderr
    assert "the allocator reserved 8,192 at its peak (LOAD 6,144" in stdout
    assert read_csv(out).buffers[0].label == "train.py:3 main"


def test_solving_commands_take_a_model_or_snapshot_and_write_any_format(
        capsys, tmp_path, snapshot_file):
    trace_out = tmp_path / "plan.json"
    code, stdout, stderr = run(capsys, f"--input={SQUEEZENET}", "--minimize",
                               "--timeout=10s", f"--output={trace_out}")
    assert code == 0, stderr
    events = json.loads(trace_out.read_text())["traceEvents"]
    assert sum(e["ph"] == "X" for e in events) == 106
    text_out = tmp_path / "plan.out"
    code, stdout, stderr = run(capsys, f"--input={snapshot_file}", "--capacity=8192",
                               f"--output={text_out}", "--format=text")
    assert code == 0, stderr
    assert "a static plan needs 6,144 bytes, the allocator reserved 8,192" in stdout
    assert text_out.read_text().startswith("memory plan: 3 buffers, height 6,144 bytes")
    csv_out = tmp_path / "plan.csv"
    code, _, stderr = run(capsys, f"--input={snapshot_file}", "--allocator=best_fit",
                          f"--output={csv_out}")
    assert code == 0, stderr
    solved = read_csv(csv_out)
    assert validate(solved.without_fixed_offsets(),
                    _offsets(solved)).ok


def _offsets(problem):
    from minimalloc.model import Solution

    return Solution.from_offsets(problem, [b.offset for b in problem.buffers])


def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, symbolic_model):
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\xff\x00 not a model")
    code, _, stderr = run(capsys, "import", str(corrupt))
    one_line_error(code, stderr, "corrupt.onnx", "not a readable ONNX model")
    code, _, stderr = run(capsys, "import", str(symbolic_model), "--dim=batch=1")
    one_line_error(code, stderr, "symbolic.onnx", "'x'", "'seq'")
    not_snapshot = tmp_path / "other.pickle"
    not_snapshot.write_bytes(pickle.dumps({"weights": [1.0, 2.0]}))
    code, _, stderr = run(capsys, f"--input={not_snapshot}", "--minimize")
    one_line_error(code, stderr, "other.pickle", "not a PyTorch memory snapshot")
    evil = tmp_path / "evil.pickle"
    evil.write_bytes(b"cos\nsystem\n(S'touch " + str(tmp_path / "ran").encode()
                     + b"'\ntR.")
    code, _, stderr = run(capsys, "import", str(evil))
    one_line_error(code, stderr, "evil.pickle", "nothing in it was run")
    assert not (tmp_path / "ran").exists()
    code, _, stderr = run(capsys, "import", str(symbolic_model), "--dim=batch")
    one_line_error(code, stderr, "--dim", "NAME=N")
    code, _, stderr = run(capsys, f"--input={SQUEEZENET}", "--minimize",
                          f"--output={tmp_path / 'x.svg'}", "--format=svg")
    one_line_error(code, stderr, "--format", "unknown output format 'svg'")
    code, _, stderr = run(capsys, "import", "--output=x.csv")
    one_line_error(code, stderr, "give the model or snapshot to import first")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "corrupt.onnx", "evil.pickle", "other.pickle", "symbolic.onnx"]
