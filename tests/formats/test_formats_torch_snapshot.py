"""PyTorch CUDA memory snapshots in, written here in torch's format (no torch needed)."""

from __future__ import annotations

import os
import pickle
import pickletools

import pytest

from minimalloc.analysis.minimize import minimize
from minimalloc.bounds import max_load
from minimalloc.errors import ProblemError
from minimalloc.formats.torch_snapshot import (
    load_snapshot,
    read_torch_snapshot,
    read_torch_snapshot_with_report,
)
from minimalloc.validate import validate

USER = {"filename": "/home/me/train.py", "line": 42, "name": "forward"}
TORCH = {"filename": "/usr/lib/python3/site-packages/torch/nn/modules/linear.py",
         "line": 125, "name": "forward"}
CPP = {"filename": "??", "line": 0, "name": "c10::cuda::CUDACachingAllocator::malloc"}


def entry(action, addr, size, frames=(), stream=0):
    return {"action": action, "addr": addr, "size": size, "stream": stream,
            "frames": list(frames), "pool_id": (0, 0)}


def snapshot(trace, segments=(), devices=1):
    traces = [[] for _ in range(devices)]
    traces[0] = list(trace)
    return {"segments": list(segments), "device_traces": traces,
            "allocator_settings": {"expandable_segments": False}}


def segment(total, blocks=(), device=0, address=0):
    return {"device": device, "address": address, "total_size": total, "stream": 0,
            "segment_type": "large", "segment_pool_id": (0, 0), "allocated_size": 0,
            "active_size": 0, "blocks": list(blocks)}


TRACE = [
    entry("segment_alloc", 0x1000, 4096),                   # 0
    entry("alloc", 0x1000, 1024, [CPP, TORCH, USER]),       # 1
    entry("alloc", 0x1400, 512, [USER]),                    # 2
    entry("free_requested", 0x1000, 1024),                  # 3
    entry("free_completed", 0x1000, 1024),                  # 4
    entry("alloc", 0x1000, 2048, [USER]),                   # 5
    entry("free_requested", 0x1400, 512),                   # 6
    entry("free_completed", 0x1400, 512),                   # 7
    entry("snapshot", 0, 0),                                 # 8
]


def test_allocations_live_from_alloc_to_free_completed_or_to_the_end():
    problem = read_torch_snapshot(pickle.dumps(snapshot(TRACE, [segment(4096)])))
    spans = {b.id: (b.lower, b.upper, b.size) for b in problem.buffers}
    assert spans == {"0x1000@1": (1, 4, 1024), "0x1400@2": (2, 7, 512),
                     "0x1000@5": (5, 9, 2048)}  # never freed: to the end of the trace
    labels = {b.id: b.label for b in problem.buffers}
    # the innermost frame of the user's code, past C++ and torch's own frames
    assert labels["0x1000@1"] == "/home/me/train.py:42 forward"


def test_without_free_completed_entries_free_requested_ends_a_buffer():
    trace = [e for e in TRACE if e["action"] != "free_completed"]
    problem = read_torch_snapshot(pickle.dumps(snapshot(trace)))
    spans = {b.id: (b.lower, b.upper) for b in problem.buffers}
    assert spans == {"0x1000@1": (1, 3), "0x1400@2": (2, 5), "0x1000@4": (4, 7)}


def test_allocations_from_before_the_trace_are_kept():
    trace = [
        entry("alloc", 0x2000, 256, [USER]),        # 0
        entry("free_completed", 0x9000, 128),       # 1: allocated before the trace
        entry("free_completed", 0x2000, 256),       # 2
    ]
    old_block = {"address": 0x8000, "size": 64, "requested_size": 60,
                 "state": "active_allocated", "frames": [USER]}
    inactive = {"address": 0x8040, "size": 64, "state": "inactive", "frames": []}
    problem, report = read_torch_snapshot_with_report(
        pickle.dumps(snapshot(trace, [segment(1 << 20, [old_block, inactive])])))
    spans = {b.id: (b.lower, b.upper, b.size) for b in problem.buffers}
    assert spans == {"0x2000@0": (0, 2, 256), "0x9000@before": (0, 1, 128),
                     "0x8000@before": (0, 3, 64)}
    assert report.before_trace == 2
    assert "before the trace" in {b.id: b.label for b in problem.buffers}["0x8000@before"]


def test_reserved_memory_over_time_and_the_summary():
    trace = [
        entry("segment_alloc", 0x0, 2048),          # 0
        entry("alloc", 0x0, 2048),                  # 1
        entry("segment_alloc", 0x10000, 4096),      # 2
        entry("alloc", 0x10000, 1024),              # 3
        entry("free_completed", 0x0, 2048),         # 4
        entry("segment_free", 0x0, 2048),           # 5
        entry("alloc", 0x10400, 1024),              # 6
    ]
    # at the end the allocator holds the 4096-byte segment and a 1 MiB one it
    # reserved before the trace began
    segments = [segment(4096, address=0x10000), segment(1 << 20, address=0x900000)]
    data = pickle.dumps(snapshot(trace, segments))
    problem, report = read_torch_snapshot_with_report(data)
    base = 1 << 20
    assert report.times == (0, 2, 5)
    assert report.reserved == (base + 2048, base + 2048 + 4096, base + 4096)
    assert report.reserved_peak == base + 6144
    assert report.allocated_peak == max_load(problem) == 3072
    result = minimize(problem, timeout=5)
    assert validate(problem, result.solution).ok and result.solution.height == 3072
    text = report.summary(result.solution.height)
    assert text.startswith("a static plan needs 3,072 bytes, the allocator reserved "
                           f"{base + 6144:,}")


def test_device_picks_the_trace_and_its_segments():
    data = snapshot(TRACE, [segment(4096), segment(8192, device=1)], devices=2)
    data["device_traces"][1] = [entry("segment_alloc", 0, 8192), entry("alloc", 0, 8192)]
    problem, report = read_torch_snapshot_with_report(pickle.dumps(data), device=1)
    assert [(b.lower, b.upper, b.size) for b in problem.buffers] == [(1, 2, 8192)]
    assert report.reserved_peak == 8192
    with pytest.raises(ProblemError, match="no trace for device 2: .* devices 0 to 1"):
        read_torch_snapshot(pickle.dumps(data), device=2)


def test_a_file_on_disk_reads_and_errors_name_it(tmp_path):
    path = tmp_path / "snap.pickle"
    path.write_bytes(pickle.dumps(snapshot(TRACE)))
    assert len(read_torch_snapshot(path).buffers) == 3
    path.write_bytes(pickle.dumps({"segments": []}))
    with pytest.raises(ProblemError, match=r"snap\.pickle: not a PyTorch memory snapshot"):
        read_torch_snapshot(path)


class _RunsACommand:
    """What a malicious pickle carries: unpickling it would call os.system."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_a_malicious_pickle_is_refused_and_nothing_runs(tmp_path, protocol):
    marker = tmp_path / "pwned"
    data = pickle.dumps({"segments": [], "device_traces": [[_RunsACommand(marker)]]},
                        protocol=protocol)
    assert b"system" in data  # the payload really is in there
    with pytest.raises(ProblemError, match=r"asks for (posix|os|nt)\.system.*nothing in it "
                                           "was run"):
        read_torch_snapshot(data)
    assert not marker.exists()


def test_only_plain_data_is_admitted():
    for value in ({"device_traces": [[{"action": "alloc", "addr": {1, 2}}]]},
                  {"device_traces": b"bytes"}):
        with pytest.raises(ProblemError, match="only plain data"):
            load_snapshot(pickle.dumps(value))
    with pytest.raises(ProblemError, match="holds a list, not a dict"):
        load_snapshot(pickle.dumps([1, 2]))
    # the standard library's own safe types are refused too: no global at all
    import collections
    with pytest.raises(ProblemError, match="asks for collections.OrderedDict"):
        load_snapshot(pickle.dumps(collections.OrderedDict(a=1)))


def test_a_self_referencing_pickle_does_not_loop():
    loop: list = []
    loop.append(loop)
    with pytest.raises(ProblemError, match="no device traces"):
        read_torch_snapshot(pickle.dumps({"device_traces": [], "segments": loop}))


def test_bad_files_get_one_clear_line():
    with pytest.raises(ProblemError, match="not a readable pickle"):
        read_torch_snapshot(b"\x80\x04 truncated")
    with pytest.raises(ProblemError, match="not a readable pickle"):
        read_torch_snapshot(b"id,lower,upper,size\n")
    no_allocs = snapshot([entry("segment_alloc", 0, 64)])
    with pytest.raises(ProblemError, match="records no allocation"):
        read_torch_snapshot(pickle.dumps(no_allocs))
    bad = snapshot([entry("alloc", 0x10, -5)])
    with pytest.raises(ProblemError, match=r"device_traces\[0\]\[0\]: expected 'size'"):
        read_torch_snapshot(pickle.dumps(bad))


def test_the_pickle_really_holds_only_data_opcodes():
    """The test snapshots are what torch writes: no GLOBAL opcode in them."""
    ops = {op.name for op, _, _ in pickletools.genops(pickle.dumps(snapshot(TRACE)))}
    assert not ops & {"GLOBAL", "STACK_GLOBAL", "REDUCE", "INST", "OBJ"}


def test_a_block_awaiting_free_at_the_end_and_a_lost_free_are_handled():
    trace = [
        entry("alloc", 0x10, 64),            # 0
        entry("alloc", 0x80, 32),            # 1
        entry("free_requested", 0x80, 32),   # 2: another stream still uses it...
        entry("free_completed", 0x10, 64),   # 3
        entry("alloc", 0x10, 16),            # 4
        entry("alloc", 0x10, 16),            # 5: the free of the last one was lost
    ]
    problem = read_torch_snapshot(pickle.dumps(snapshot(trace)))
    spans = {b.id: (b.lower, b.upper) for b in problem.buffers}
    # ...and never completes: memory still taken at the end
    assert spans == {"0x10@0": (0, 3), "0x80@1": (1, 6), "0x10@4": (4, 5),
                     "0x10@5": (5, 6)}
