"""PyTorch CUDA memory snapshots -> a :class:`~minimalloc.model.Problem`.

``torch.cuda.memory._dump_snapshot()`` pickles a dict of plain data:
``segments`` (what the caching allocator holds from ``cudaMalloc`` now, each
with ``device``, ``total_size`` and its ``blocks``) and ``device_traces``, one
list per device of the allocator's actions in order, each a dict with
``action`` (``alloc``, ``free_requested``, ``free_completed``,
``segment_alloc``, ``segment_free``, ``oom``, ``snapshot``, ...), ``addr``,
``size``, ``stream`` and ``frames`` (``filename``, ``line``, ``name``,
innermost first).  The trace is recorded only after
``torch.cuda.memory._record_memory_history()``.

Each allocation becomes one buffer:

- time is the position of an entry in the device's trace; an allocation
  lives from its ``alloc`` entry to the entry that frees it: ``[i, j)``;
  never freed, it lives to the end, ``len(trace)``;
- the entry that frees it is ``free_completed`` (the block can be reused only
  then: with several streams it waits for them after ``free_requested``); a
  trace recorded without ``free_completed`` entries uses ``free_requested``;
- ``id`` is its address and the entry that allocated it, ``0x7f3a00000@12``;
  ``size`` is the block's size; ``label`` is the innermost user frame,
  ``train.py:42 forward`` (frames inside ``torch/`` and C++ frames skipped).

Allocations made before the trace began (the history was switched on late,
or its ring buffer dropped the oldest entries) are not lost:

- a block freed that was never seen allocated was allocated before the first
  entry: it lives ``[0, j)``, its id ends in ``@before``;
- a block that the snapshot's ``segments`` list as active and that the trace
  never allocated lives the whole trace, ``[0, len(trace))``.

Beside the problem, :class:`SnapshotReport` gives what the caching
allocator actually reserved over time (``segment_alloc`` adds a segment's
size, ``segment_free`` removes it; the level before the first entry is what
``segments`` holds at the end minus the changes the trace records), so that
a static plan can be set against it.

**Safety.**  A snapshot is a pickle, and a pickle can run code when loaded.
This module never uses :func:`pickle.load`: its unpickler looks up no global
at all (no class, no function), so nothing can run, and then checks that
what it built is plain data: dicts, lists, tuples (real snapshots use them
for pool ids), strings, integers, floats, booleans and None.  Anything else
is a :class:`ProblemError`.  This is the "restricting globals" pattern of
Python's own pickle documentation, written out rather than taken from a
scanning library (fickling, picklescan): those judge which globals look
dangerous, while admitting none leaves nothing to judge.

>>> import pickle
>>> snapshot = {"segments": [], "device_traces": [[
...     {"action": "segment_alloc", "addr": 0, "size": 1024, "frames": []},
...     {"action": "alloc", "addr": 0, "size": 512,
...      "frames": [{"filename": "train.py", "line": 7, "name": "step"}]},
...     {"action": "free_completed", "addr": 0, "size": 512, "frames": []}]]}
>>> problem, report = read_torch_snapshot_with_report(pickle.dumps(snapshot))
>>> [(b.id, b.lower, b.upper, b.size, b.label) for b in problem.buffers]
[('0x0@1', 1, 2, 512, 'train.py:7 step')]
>>> report.reserved_peak
1024
"""

from __future__ import annotations

import io
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any, Union

from minimalloc.errors import ProblemError
from minimalloc.model import Buffer, Problem

__all__ = [
    "SUFFIXES",
    "SnapshotReport",
    "load_snapshot",
    "looks_like",
    "read",
    "read_torch_snapshot",
    "read_torch_snapshot_with_report",
]

Source = Union[str, "os.PathLike[str]", bytes, IO[bytes]]

#: File suffixes this reader claims.
SUFFIXES = (".pickle", ".pkl")

#: The only types a snapshot may be built of.
_PLAIN = (dict, list, tuple, str, int, float, bool, type(None))
_FREE_ACTIONS = ("free_completed", "free_requested")


@dataclass(frozen=True)
class SnapshotReport:
    """What the caching allocator did, to set beside a static plan.

    ``times`` and ``reserved`` are a step function: from trace entry
    ``times[k]`` on, ``reserved[k]`` bytes were held from CUDA (the first
    step starts at 0).  ``allocated_peak`` is the most bytes allocated at
    once (the problem's LOAD).  ``before_trace`` counts the allocations made
    before the trace began.
    """

    device: int
    entries: int
    times: tuple[int, ...]
    reserved: tuple[int, ...]
    reserved_peak: int
    allocated_peak: int
    before_trace: int

    def summary(self, plan_height: int | None = None) -> str:
        """One line: what a static plan needs against what was reserved.

        >>> print(SnapshotReport(0, 9, (0,), (512,), 512, 300, 0).summary(384))
        a static plan needs 384 bytes, the allocator reserved 512 at its peak (LOAD 300)
        """
        reserved = f"the allocator reserved {self.reserved_peak:,} at its peak"
        load = f"LOAD {self.allocated_peak:,}"
        if plan_height is None:
            return f"{reserved} ({load}: no static plan can need less)"
        return f"a static plan needs {plan_height:,} bytes, {reserved} ({load})"


def read_torch_snapshot(source: Source, *, device: int = 0) -> Problem:
    """One buffer per allocation of a PyTorch CUDA memory snapshot.

    Parameters
    ----------
    source
        A path to the pickle ``torch.cuda.memory._dump_snapshot()`` wrote,
        its bytes, or an open binary file.
    device
        Which device's trace to read.

    Returns
    -------
    Problem
        Buffers as the module documentation describes, no capacity.

    Raises
    ------
    ProblemError
        If the file is not a pickle of plain data (nothing in it is run), is
        not a snapshot, has no trace for ``device``, or has a malformed entry.
    """
    return read_torch_snapshot_with_report(source, device=device)[0]


def read(source: Source, **options: Any) -> Problem:
    """The dispatcher's entry point: :func:`read_torch_snapshot` with the
    options it understands (``device``)."""
    device = options.get("device")
    return read_torch_snapshot(source, device=0 if device is None else device)


def looks_like(head: bytes) -> bool:
    """Whether the first bytes could start a pickle (protocol 2 or later)."""
    return head[:1] == b"\x80"


def read_torch_snapshot_with_report(
    source: Source, *, device: int = 0
) -> tuple[Problem, SnapshotReport]:
    """Like :func:`read_torch_snapshot`, also returning a :class:`SnapshotReport`."""
    name = _source_name(source)
    snapshot = load_snapshot(source)
    try:
        trace, segments = _device_data(snapshot, device)
        return _build(trace, segments, device)
    except ProblemError as error:
        raise error.located(file=name) from None


# ----------------------------------------------------------------------------
# Loading plain data only


class _PlainDataUnpickler(pickle.Unpickler):
    """An unpickler that refuses every global: no class is built and no
    function is called, whatever the pickle asks for."""

    def find_class(self, module: str, name: str) -> Any:
        raise ProblemError(
            f"the pickle asks for {module}.{name}; only plain data (dict, list, str, "
            "int, float, bool, None) is admitted, so it was not loaded and nothing "
            "in it was run")

    def persistent_load(self, pid: Any) -> Any:
        raise ProblemError("the pickle refers to persistent objects; only plain data "
                           "is admitted, so it was not loaded")


def load_snapshot(source: Source) -> dict:
    """The snapshot's dict, unpickled without running anything.

    Raises
    ------
    ProblemError
        If the data is not a pickle, asks for any class or function, or holds
        anything but plain data, or is not a dict.
    """
    name = _source_name(source)
    data = _read_bytes(source)
    try:
        value = _PlainDataUnpickler(io.BytesIO(data)).load()
    except ProblemError as error:
        raise error.located(file=name) from None
    except Exception as error:  # noqa: BLE001 - a bad pickle raises many kinds
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ProblemError(f"not a readable pickle ({text})", file=name) from None
    _check_plain(value, name)
    if not isinstance(value, dict):
        raise ProblemError(f"not a PyTorch memory snapshot: the pickle holds a "
                           f"{type(value).__name__}, not a dict", file=name)
    return value


def _source_name(source: Source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<snapshot>"
    return str(getattr(source, "name", "<snapshot>"))


def _read_bytes(source: Source) -> bytes:
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            return handle.read()
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    data = source.read()
    if isinstance(data, str):
        raise ProblemError("a snapshot is binary: open it in binary mode ('rb')",
                           file=_source_name(source))
    return data


def _check_plain(value: Any, name: str) -> None:
    """Raise unless ``value`` is made of plain data only (iteratively: a deep
    or self-referencing structure does not exhaust the stack)."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) not in _PLAIN:
            raise ProblemError(
                f"the pickle holds a {type(item).__name__}; only plain data (dict, "
                "list, str, int, float, bool, None) is admitted", file=name)
        if isinstance(item, (dict, list, tuple)):
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            else:
                stack.extend(item)


# ----------------------------------------------------------------------------
# From entries to buffers


def _device_data(snapshot: dict, device: int) -> tuple[list[dict], list[dict]]:
    traces = snapshot.get("device_traces")
    if not isinstance(traces, list):
        keys = ", ".join(sorted(str(k) for k in snapshot)[:6]) or "none"
        raise ProblemError(
            "not a PyTorch memory snapshot: it has no 'device_traces' list (its keys: "
            f"{keys}); record one with torch.cuda.memory._record_memory_history() "
            "before torch.cuda.memory._dump_snapshot()")
    if isinstance(device, bool) or not isinstance(device, int) or not \
            0 <= device < len(traces):
        raise ProblemError(f"no trace for device {device!r}: the snapshot has traces "
                           f"for devices 0 to {len(traces) - 1}" if traces else
                           "the snapshot has no device traces")
    trace = traces[device]
    if not isinstance(trace, list):
        raise ProblemError(f"device_traces[{device}]: expected a list of entries")
    if not any(isinstance(e, dict) and e.get("action") == "alloc" for e in trace):
        raise ProblemError(
            f"device_traces[{device}] records no allocation: record the history with "
            "torch.cuda.memory._record_memory_history() while the model runs")
    segments = snapshot.get("segments", [])
    if not isinstance(segments, list):
        raise ProblemError("'segments': expected a list")
    mine = [s for s in segments
            if isinstance(s, dict) and s.get("device", device) == device]
    return trace, mine


def _integer(entry: dict, key: str, where: str) -> int:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProblemError(f"{where}: expected '{key}' to be an integer >= 0, got "
                           f"{value!r}")
    return value


def _build(trace: list[dict], segments: list[dict], device: int
           ) -> tuple[Problem, SnapshotReport]:
    end = len(trace)
    has_completed = any(isinstance(e, dict) and e.get("action") == "free_completed"
                        for e in trace)
    free_action = _FREE_ACTIONS[0] if has_completed else _FREE_ACTIONS[1]
    open_blocks: dict[int, tuple[int, int, str]] = {}  # addr -> (start, size, label)
    buffers: list[Buffer] = []
    changes: list[tuple[int, int]] = []  # (entry, reserved bytes added)
    before = 0
    for index, entry in enumerate(trace):
        where = f"device_traces[{device}][{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("action"), str):
            raise ProblemError(f"{where}: expected a dict with an 'action'")
        action = entry["action"]
        if action == "alloc":
            addr = _integer(entry, "addr", where)
            size = _integer(entry, "size", where)
            if addr in open_blocks:  # its free was not recorded: it ends here at least
                buffers.append(_closed(addr, *open_blocks.pop(addr), index))
            open_blocks[addr] = (index, size, _user_frame(entry.get("frames"), where))
        elif action == free_action:
            addr = _integer(entry, "addr", where)
            if addr in open_blocks:
                buffers.append(_closed(addr, *open_blocks.pop(addr), index))
            else:
                before += 1
                label = _user_frame(entry.get("frames"), where)
                buffers.append(Buffer(f"{addr:#x}@before", 0, max(index, 1),
                                      _integer(entry, "size", where),
                                      label=_joined(label, "allocated before the trace")))
        elif action in ("segment_alloc", "segment_free"):
            size = _integer(entry, "size", where)
            changes.append((index, size if action == "segment_alloc" else -size))
    for addr, (start, size, label) in open_blocks.items():
        buffers.append(Buffer(f"{addr:#x}@{start}", start, end, size, label=label))
    before += _blocks_before_trace(segments, open_blocks, buffers, end)
    problem = Problem(tuple(sorted(buffers, key=lambda b: (b.lower, b.id))))
    return problem, _report(problem, segments, changes, device, end, before)


def _closed(addr: int, start: int, size: int, label: str, index: int) -> Buffer:
    return Buffer(f"{addr:#x}@{start}", start, max(index, start + 1), size, label=label)


def _blocks_before_trace(segments: list[dict], open_blocks: dict, buffers: list[Buffer],
                         end: int) -> int:
    """Add the blocks the segments hold active that the trace never
    allocated (allocated before it began, never freed); returns how many."""
    added = 0
    for s, segment in enumerate(segments):
        blocks = segment.get("blocks", [])
        if not isinstance(blocks, list):
            raise ProblemError(f"segments[{s}]: expected 'blocks' to be a list")
        for b, block in enumerate(blocks):
            where = f"segments[{s}].blocks[{b}]"
            if not isinstance(block, dict):
                raise ProblemError(f"{where}: expected a dict")
            if not str(block.get("state", "")).startswith("active"):
                continue
            addr = _integer(block, "address", where)
            if addr in open_blocks:
                continue
            label = _user_frame(block.get("frames"), where)
            buffers.append(Buffer(f"{addr:#x}@before", 0, max(end, 1),
                                  _integer(block, "size", where),
                                  label=_joined(label, "allocated before the trace, "
                                                       "never freed")))
            added += 1
    return added


def _joined(label: str, note: str) -> str:
    return f"{label} ({note})" if label else note


def _user_frame(frames: Any, where: str) -> str:
    """``file:line name`` of the innermost frame of the user's own Python
    code (not inside torch, not C++); failing that the innermost Python
    frame, then the innermost frame; empty if there are none."""
    if frames is None:
        return ""
    if not isinstance(frames, list) or not all(isinstance(f, dict) for f in frames):
        raise ProblemError(f"{where}: expected 'frames' to be a list of dicts")
    python = [f for f in frames if str(f.get("filename", "")).endswith(".py")]
    user = [f for f in python if "/torch/" not in
            "/" + str(f.get("filename", "")).replace("\\", "/")]
    for choice in (user, python, frames):
        if choice:
            frame = choice[0]
            return f"{frame.get('filename', '?')}:{frame.get('line', '?')} " \
                   f"{frame.get('name', '?')}".strip()
    return ""


def _report(problem: Problem, segments: list[dict], changes: Sequence[tuple[int, int]],
            device: int, end: int, before: int) -> SnapshotReport:
    from minimalloc.bounds import max_load

    held_now = 0
    for s, segment in enumerate(segments):
        held_now += _integer(segment, "total_size", f"segments[{s}]")
    level = max(held_now - sum(delta for _, delta in changes), 0)
    times, reserved = [0], [level]
    for index, delta in changes:
        level = max(level + delta, 0)
        if times[-1] == index:
            reserved[-1] = level
        else:
            times.append(index)
            reserved.append(level)
    return SnapshotReport(device, end, tuple(times), tuple(reserved), max(reserved),
                          max_load(problem), before)
