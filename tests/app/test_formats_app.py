"""The app with models and snapshots: upload, hover labels, the peak table, the
reserved-memory chart, and bad uploads that leave the last good problem loaded."""

from __future__ import annotations

import pickle
from pathlib import Path

import onnx
import pytest
from app_helpers import (
    chart,
    chart_traces,
    metrics,
    new_app,
    settle,
    table,
    texts,
    uploader,
    warm_kernel,  # noqa: F401 - fixture
)

from app.figures.packing import packing_figure
from app.figures.snapshot import plan_top, reserved_figure
from app.services.loading import parse_upload, read_options
from app.services.tables import peak_rows
from minimalloc.baselines.allocators import allocate
from minimalloc.errors import ProblemError
from minimalloc.formats import ReadOptions
from minimalloc.formats.chrome_trace import dumps_chrome_trace
from minimalloc.formats.text_plan import dumps_text_plan
from minimalloc.model import Buffer, Gap, Problem, Solution

pytestmark = pytest.mark.usefixtures("warm_kernel")

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
SQUEEZENET = LIGHT / "light_squeezenet.onnx"
TRACE = [
    {"action": "segment_alloc", "addr": 0, "size": 8192, "frames": []},
    {"action": "alloc", "addr": 0, "size": 4096,
     "frames": [{"filename": "train.py", "line": 3, "name": "main"}]},
    {"action": "alloc", "addr": 4096, "size": 2048, "frames": []},
    {"action": "free_completed", "addr": 0, "size": 4096, "frames": []},
    {"action": "alloc", "addr": 0, "size": 1024, "frames": []},
]
SNAPSHOT = pickle.dumps({"segments": [], "device_traces": [TRACE]})


def upload(at, name: str, data: bytes):
    at.radio(key="source").set_value("Upload or paste").run()
    uploader(at).set_value((name, data, "application/octet-stream"))
    at.run()
    return settle(at)


# ----------------------------------------------------------------------------
# Workflow and charts, without the page


def test_parse_upload_reads_each_format():
    model = parse_upload(SQUEEZENET.read_bytes(), "squeeze.onnx",
                         read_options(64, "", False, 0))
    assert len(model.problem) == 106 and model.report is None
    assert all(b.alignment == 64 for b in model.problem.buffers)
    snap = parse_upload(SNAPSHOT, "snap.pickle")
    assert snap.report.reserved_peak == 8192 and len(snap.problem) == 3
    text = parse_upload(b"id,lower,upper,size\na,0,1,4\n", "p.csv")
    assert text.problem.buffers[0].size == 4
    with pytest.raises(ProblemError, match=r"^evil\.pickle: .*nothing in it was run"):
        parse_upload(b"cos\nsystem\n(S'true'\ntR.", "evil.pickle")


def test_an_uploaded_chrome_trace_or_text_plan_is_a_plan_to_show():
    problem = Problem((Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 8)))
    plan = Solution((8, 0), 12)
    for name, text in (("plan.json", dumps_chrome_trace(problem, plan)),
                       ("plan.txt", dumps_text_plan(problem, plan))):
        loaded = parse_upload(text.encode(), name)
        assert loaded.allocation is not None and loaded.allocation.offsets == (8, 0)
        assert all(b.offset is None for b in loaded.problem.buffers)  # free to re-plan
        assert "plan: 2 buffers" in loaded.description


def test_read_options_from_the_widgets():
    assert read_options(1, "batch=1, seq=128", False, 0).dims == {"batch": 1, "seq": 128}
    assert read_options(8, " ", True, 1) == ReadOptions(8, None, True, 1)
    with pytest.raises(ProblemError, match="NAME=N"):
        read_options(1, "batch", False, 0)


def test_peak_rows_are_the_buffers_alive_at_the_peak_largest_first():
    problem = Problem((Buffer("a", 0, 4, 8, label="A op"), Buffer("b", 1, 3, 16),
                       Buffer("c", 1, 2, 2, gaps=(Gap(1, 2, (0, 1)),)),
                       Buffer("d", 3, 5, 100)))
    moment, rows = peak_rows(problem, Solution((0, 8, 24, 0), 100))
    assert moment == 3  # 8 + 100 at time 3 beats 8 + 16 + 1 at time 1
    assert [(r["id"], r["size"], r["offset"]) for r in rows] == [("d", 100, 0), ("a", 8, 0)]
    moment, rows = peak_rows(Problem((Buffer("a", 0, 2, 4),
                                               Buffer("b", 1, 2, 4,
                                                      gaps=(Gap(1, 2, (0, 1)),)))))
    assert moment == 1 and [r["size"] for r in rows] == [4, 1]


def test_hover_shows_the_label_and_the_reserved_chart_draws_the_plan():
    problem = parse_upload(SNAPSHOT, "snap.pickle").problem
    solution = allocate(problem, "best_fit")
    fig = packing_figure(problem, solution)
    hover = [t for t in fig.data if (t.meta or {}).get("role") == "hover"][0]
    labels = hover.meta["label"]
    assert "train.py:3 main" in labels.values()
    assert all(labels[str(i)] == b.label for i, b in enumerate(problem.buffers) if b.label)
    report = parse_upload(SNAPSHOT, "snap.pickle").report
    fig = reserved_figure(report, problem, solution)
    roles = {t.meta["role"]: t for t in fig.data}
    assert max(roles["reserved"].y) == 8192
    assert max(roles["plan top"].y) == solution.height == 6144
    # 0x0@1 [1, 3) 4096 at 2048; 0x1000@2 [2, 5) 2048 at 0; 0x0@4 [4, 5) 1024 at 2048
    x, top = plan_top(problem, Solution((2048, 0, 2048), 6144))
    assert (x, top) == ([1, 2, 3, 4, 5], [6144, 6144, 2048, 3072, 0])


# ----------------------------------------------------------------------------
# The page


def test_uploading_a_model_shows_its_tensors_and_the_peak():
    at = upload(new_app(), "squeezenet.onnx", SQUEEZENET.read_bytes())
    assert not at.exception
    assert metrics(at)["Buffers"] == "106"
    hover = chart_traces(at, "hover")[0]
    labels = hover["meta"]["label"]  # shown by the page's hover script
    assert len(labels) == 106
    assert any(" -> " in text for text in labels.values())  # an op, then its readers
    peak = table(at, "label")
    assert list(peak["size"]) == sorted(peak["size"], reverse=True)
    assert peak["size"].sum() == 11240864  # squeezenet's LOAD


def test_uploading_a_snapshot_draws_what_the_allocator_reserved():
    at = upload(new_app(), "snap.pickle", SNAPSHOT)
    assert not at.exception
    assert metrics(at)["Buffers"] == "3"
    assert "the allocator reserved 8,192 at its peak" in texts(at, "info")
    reserved = [t for t in chart(at, "reserved_chart")["data"]
                if t["meta"]["role"] == "reserved"]
    assert max(reserved[0]["y"]) == 8192


def test_bad_uploads_keep_the_last_good_problem(tmp_path):
    at = upload(new_app(), "snap.pickle", SNAPSHOT)
    assert metrics(at)["Buffers"] == "3"
    marker = tmp_path / "ran"
    evil = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
    for name, data, words in [
        ("evil.pickle", evil, "nothing in it was run"),
        ("broken.onnx", b"\xff\x00 not a model", "not a readable ONNX model"),
        ("weights.pickle", pickle.dumps({"w": [1.0]}), "not a PyTorch memory snapshot"),
    ]:
        uploader(at).set_value((name, data, "application/octet-stream"))
        at.run()
        errors = texts(at, "error")
        assert name in errors and words in errors and "last good problem" in errors
        assert metrics(at)["Buffers"] == "3"
    assert not marker.exists()
