"""Hostile snapshot pickles: one clear line and exit 2, in bounded time and memory.

Each pickle here is a few hundred bytes that crashed, exhausted or hung a
reader that unpickles with Python's own unpickler: a stack of 200,000
nested tuples (a segfault), lists shared twelve levels deep (8^12 items
when walked), and a dict key that is a 60-level tuple of shared pairs
(hashing it visits 2^60 items).
"""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from minimalloc.errors import ProblemError
from minimalloc.formats.plain_pickle import read_plain_pickle
from minimalloc.formats.torch_snapshot import load_snapshot, read_torch_snapshot

#: Hang guard for one run of the command line (a cold numba cache compiles the
#: reader first, minutes on a loaded machine); a hostile pickle used to hang.
_SECONDS = 600
#: The most a child reading one of these pickles may keep resident.
_MAX_RSS_MIB = 1024


def _deep_tuples() -> bytes:
    """A dict whose key is a tuple nested 200,000 deep (TUPLE1 repeated)."""
    return b"\x80\x04}()" + b"\x85" * 200_000 + b"K\x01u."


def _shared_lists(where: str) -> bytes:
    """Lists shared twelve levels deep as an entry's ``addr`` or a frame's
    ``filename``: a few hundred bytes, 8^12 strings when walked."""
    x: object = "a" * 10
    for _ in range(12):
        x = [x] * 8
    entry = {"action": "alloc", "addr": 16, "size": 64, "frames": []}
    if where == "addr":
        entry["addr"] = x
    else:
        entry["frames"] = [{"filename": x, "line": 1, "name": "f"}]
    return pickle.dumps({"segments": [], "device_traces": [[entry]]}, protocol=4)


def _shared_tuple_key() -> bytes:
    """A dict key that is a 60-level tuple of shared pairs.  Python cannot
    build that dict (hashing the key visits 2^60 items), so the opcodes are
    written out: 0, then 60 times (memo it, fetch it again, make a pair)."""
    key = b"K\x00"
    for level in range(60):
        key += b"q" + bytes([100 + level]) + b"h" + bytes([100 + level]) + b"\x86"
    data = pickle.dumps({"segments": [], "device_traces": [[]], "x": {"PLACE": 1}},
                        protocol=2)
    return data.replace(b"X\x05\x00\x00\x00PLACE", key)


def _deep_list() -> bytes:
    """A list nested 200,000 deep as ``addr`` (EMPTY_LIST n times, then
    APPEND n - 1 times, in place of a string)."""
    depth = 200_000
    data = pickle.dumps({"segments": [], "device_traces": [[
        {"action": "alloc", "addr": "PLACE", "size": 8}]]}, protocol=4)
    nested = b"]" * depth + b"a" * (depth - 1)
    return data.replace(b"\x8c\x05PLACE", nested)


HOSTILE = {
    "deep tuples": _deep_tuples,
    "shared lists as addr": lambda: _shared_lists("addr"),
    "shared lists as a filename": lambda: _shared_lists("filename"),
    "a deep shared tuple key": _shared_tuple_key,
    "a deep list as addr": _deep_list,
}


def test_the_hostile_pickles_are_as_small_as_reported():
    assert len(_shared_lists("addr")) < 400
    assert len(_shared_tuple_key()) < 700


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_pickle_is_refused_with_one_line(name):
    data = HOSTILE[name]()
    with pytest.raises(ProblemError) as raised:
        read_torch_snapshot(data)
    message = str(raised.value)
    assert "\n" not in message and len(message) < 400


@pytest.mark.parametrize("name", ["deep tuples", "a deep shared tuple key",
                                  "a deep list as addr"])
def test_loading_the_objects_refuses_them_too(name):
    """Shared lists are harmless as objects (they stay shared); what would
    exhaust the stack or hash forever is refused before it is built."""
    with pytest.raises(ProblemError):
        load_snapshot(HOSTILE[name]())


def test_the_refusals_say_what_was_wrong():
    with pytest.raises(ProblemError, match="deep"):
        read_plain_pickle(_deep_tuples())
    with pytest.raises(ProblemError, match="deep"):
        read_plain_pickle(_deep_list())
    with pytest.raises(ProblemError, match="key"):
        read_plain_pickle(_shared_tuple_key())


def test_a_plain_deep_but_sane_snapshot_still_reads():
    """Sharing is fine when it stays small: torch shares frames lists."""
    frames = [{"filename": "/home/me/train.py", "line": 3, "name": "step"}]
    trace = [{"action": "alloc", "addr": 16 * k, "size": 64, "frames": frames}
             for k in range(50)]
    problem = read_torch_snapshot(pickle.dumps({"segments": [], "device_traces": [trace]}))
    assert len(problem.buffers) == 50
    assert problem.buffers[0].label == "/home/me/train.py:3 step"


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_command_line_exits_2_in_bounded_time_and_memory(tmp_path, name):
    path = tmp_path / "hostile.pickle"
    path.write_bytes(HOSTILE[name]())
    command = [sys.executable, "-m", "minimalloc", f"--input={path}", "--minimize"]
    done = subprocess.run([sys.executable, "-c", _MEASURED, *command], capture_output=True,
                          text=True, timeout=_SECONDS, cwd=tmp_path, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "hostile.pickle" in done.stderr
    rss_mib = int(done.stdout) / 1024
    assert rss_mib < _MAX_RSS_MIB


# Runs the command as its only child and prints that child's peak memory
# (KiB): RUSAGE_CHILDREN in the test process itself would report the largest
# child any earlier test waited for.
_MEASURED = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
"""
