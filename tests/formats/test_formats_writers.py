"""Plans out: Chrome trace JSON, the TFLM-style text plan, and the format dispatcher."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import onnx
import pytest

from minimalloc.baselines.allocators import allocate
from minimalloc.errors import ProblemError
from minimalloc.formats import read_problem, reader_name, writer_for, writers
from minimalloc.formats.chrome_trace import dumps_chrome_trace, write_chrome_trace
from minimalloc.formats.onnx import read_onnx
from minimalloc.formats.text_plan import dumps_text_plan, write_text_plan
from minimalloc.model import Buffer, Gap, Problem, Solution
from minimalloc.validate import validate

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
EXAMPLE = Problem((Buffer("b1", 0, 3, 4, label="Conv c1"), Buffer("b2", 3, 9, 4),
                   Buffer("b3", 0, 9, 4), Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)))
EXAMPLE_PLAN = Solution((8, 8, 4, 4, 0), 12)


def _complete_events(text):
    return [e for e in json.loads(text)["traceEvents"] if e["ph"] == "X"]


def test_chrome_trace_has_one_complete_event_per_buffer_with_its_placement():
    events = _complete_events(dumps_chrome_trace(EXAMPLE, EXAMPLE_PLAN))
    assert [e["name"] for e in events] == ["b1", "b2", "b3", "b4", "b5"]
    for event, buffer, offset in zip(events, EXAMPLE.buffers, EXAMPLE_PLAN.offsets):
        assert (event["ts"], event["dur"]) == (buffer.lower, buffer.upper - buffer.lower)
        assert event["args"]["offset"] == offset
        assert event["args"]["size"] == buffer.size
        assert event["args"]["end address"] == offset + buffer.size
    assert events[0]["args"]["label"] == "Conv c1"


def test_chrome_trace_tracks_are_addresses_so_the_picture_is_the_packing():
    problem = read_onnx(LIGHT / "light_inception_v1.onnx")
    solution = allocate(problem, "greedy_by_size")
    document = json.loads(dumps_chrome_trace(problem, solution))
    events = [e for e in document["traceEvents"] if e["ph"] == "X"]
    names = {e["tid"]: e["args"]["name"] for e in document["traceEvents"]
             if e["ph"] == "M" and e["name"] == "thread_name"}
    order = {e["tid"]: e["args"]["sort_index"] for e in document["traceEvents"]
             if e["ph"] == "M" and e["name"] == "thread_sort_index"}
    by_track: dict[int, list] = {}
    for event in events:
        by_track.setdefault(event["tid"], []).append(event)
        assert names[event["tid"]] == f"offset {event['args']['offset']:,}"
    # a track is one row: its events never overlap in time
    for track in by_track.values():
        track.sort(key=lambda e: e["ts"])
        for before, after in zip(track, track[1:]):
            assert before["ts"] + before["dur"] <= after["ts"]
    # tracks sorted by address
    offsets = [by_track[tid][0]["args"]["offset"] for tid in sorted(order, key=order.get)]
    assert offsets == sorted(offsets)
    counters = [e for e in document["traceEvents"] if e["ph"] == "C"]
    assert max(c["args"]["bytes"] for c in counters) <= solution.height


def test_text_plan_lists_buffers_and_draws_memory_per_time_step():
    text = dumps_text_plan(EXAMPLE, EXAMPLE_PLAN, width=12)
    lines = text.splitlines()
    assert lines[0] == "memory plan: 5 buffers, height 12 bytes"
    assert lines[3].split() == ["0", "b1", "4", "8", "0", "2", "Conv", "c1"]
    steps = [line for line in lines if "|" in line]
    assert len(steps) == 21  # one line per time step 0..20
    assert steps[0] == " 0 |444422220000| 100%"
    assert steps[3] == " 3 |444422221111| 100%"
    assert steps[9] == " 9 |44443333....|  67%"
    assert steps[20] == "20 |44443333....|  67%"


def test_text_plan_shows_gaps_and_scales_its_map():
    problem = Problem((Buffer("a", 0, 4, 8, gaps=(Gap(1, 2), Gap(2, 3, (0, 4)))),
                       Buffer("b", 0, 4, 8)))
    text = dumps_text_plan(problem, Solution((0, 8), 16), width=4)
    steps = [line for line in text.splitlines() if "|" in line]
    assert steps == ["0 |0011| 100%", "1 |..11|  50%", "2 |0.11|  75%", "3 |0011| 100%"]


def test_writers_write_whole_files_and_refuse_a_missing_plan(tmp_path):
    out = tmp_path / "plan.json"
    write_chrome_trace(EXAMPLE, EXAMPLE_PLAN, out)
    assert len(_complete_events(out.read_text())) == 5
    text_out = tmp_path / "plan.txt"
    write_text_plan(EXAMPLE, EXAMPLE_PLAN, text_out)
    assert text_out.read_text() == dumps_text_plan(EXAMPLE, EXAMPLE_PLAN)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json", "plan.txt"]
    stream = io.StringIO()
    write_text_plan(EXAMPLE, EXAMPLE_PLAN, stream)
    assert stream.getvalue() == text_out.read_text()
    with pytest.raises(ProblemError, match="needs a solution"):
        dumps_chrome_trace(EXAMPLE, None)
    with pytest.raises(ProblemError, match="4 offsets for 5 buffers"):
        dumps_text_plan(EXAMPLE, Solution((0, 0, 0, 0), 4))


def test_an_imported_model_plan_validates_and_writes_in_every_format():
    problem = read_onnx(LIGHT / "light_squeezenet.onnx", alignment=64)
    solution = allocate(problem, "best_fit")
    assert validate(problem, solution).ok
    for name, dumps in writers().items():
        text = dumps(problem, solution)
        assert problem.buffers[-1].id in text, name


# ----------------------------------------------------------------------------
# Dispatcher


def test_readers_are_picked_by_suffix_then_by_content():
    assert reader_name("m.onnx", b"") == "onnx"
    assert reader_name("snap.pickle", b"") == "torch_snapshot"
    assert reader_name("snap.PKL", b"") == "torch_snapshot"
    assert reader_name("upload", b"\x80\x04\x95") == "torch_snapshot"
    assert reader_name("upload.bin", b"\x08\x07\x12") == "onnx"
    assert reader_name("p.csv", b"\x80") == "csv"
    assert reader_name(None, b"id,lower,upper,size") == "csv"


def test_read_problem_reads_every_format_from_a_path_or_bytes(tmp_path):
    model = (LIGHT / "light_squeezenet.onnx").read_bytes()
    problem, kind = read_problem(model, name="squeeze.onnx", capacity=1 << 30,
                                 alignment=64, dims=None)
    assert kind == "onnx" and problem.capacity == 1 << 30
    assert all(b.alignment == 64 for b in problem.buffers)
    snap = {"segments": [], "device_traces": [[{"action": "alloc", "addr": 0, "size": 8}]]}
    path = tmp_path / "s.pickle"
    path.write_bytes(pickle.dumps(snap))
    problem, kind = read_problem(path, device=0)
    assert kind == "torch_snapshot" and problem.buffers[0].size == 8
    problem, kind = read_problem(b"id,lower,upper,size\na,0,1,4\n", name="p.csv")
    assert kind == "csv" and problem.buffers[0].size == 4


def test_read_problem_errors_name_the_upload():
    with pytest.raises(ProblemError, match=r"^up\.onnx: not a readable ONNX model"):
        read_problem(b"\xff\xff", name="up.onnx")
    with pytest.raises(ProblemError, match=r"^evil\.pickle: .*nothing in it was run"):
        read_problem(b"cos\nsystem\n(S'true'\ntR.", name="evil.pickle")
    with pytest.raises(ProblemError, match=r"^p\.csv:1: "):
        read_problem(b"nonsense\n", name="p.csv")


def test_writer_for_by_name_or_suffix():
    assert writer_for(None, "plan.json") == "chrome-trace"
    assert writer_for(None, "plan.txt") == "text"
    assert writer_for(None, "plan.csv") == "csv"
    assert writer_for("text", "plan.csv") == "text"
    with pytest.raises(ProblemError, match="unknown output format 'svg'"):
        writer_for("svg")
