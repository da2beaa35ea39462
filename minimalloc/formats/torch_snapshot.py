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
This module never uses :func:`pickle.load` on its own: the pickle is run by
:func:`minimalloc.formats.plain_pickle.read_plain_pickle`, a machine that looks up
no global at all (no class, no function), so nothing can run, and admits
plain data only: dicts, lists, tuples (real snapshots use them for pool
ids), strings, integers, floats, booleans and None.  Anything else is a
:class:`ProblemError`, and so is a pickle that nests too deep, shares
structure to blow up, or would take memory out of proportion to its size:
one line, in time linear in the file.  This is the "restricting globals"
pattern of Python's own pickle documentation taken one step further (no
unpickler at all), rather than a scanning library (fickling, picklescan):
those judge which globals look dangerous, while admitting none leaves
nothing to judge.

**Scale.**  No Python object is built per entry: the machine keeps each
entry's ``action``, ``addr``, ``size`` and ``frames`` in columns, a numba
kernel pairs allocations with their frees, and labels are made once per
distinct frame.  A file is mapped, not read into memory.  A training
snapshot of 2 x 10^6 allocations (6 x 10^6 entries, 480 MB,
:mod:`minimalloc.generate.snapshot`) reads in seconds; the result's
``Buffer`` objects are most of the memory.

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

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Union

import numpy as np
from numba import njit, types
from numba.typed import Dict

from minimalloc.arrays import distinct
from minimalloc.bounds import max_load
from minimalloc.columns import Columns, seed
from minimalloc.errors import ProblemError
from minimalloc.formats.plain_pickle import (
    BOOL,
    DICT,
    FLOAT,
    INT,
    KEYS,
    LIST,
    NONE,
    STR,
    UNSET,
    WIDE,
    PlainPickle,
    loads_checked,
    read_plain_pickle,
)
from minimalloc.model import MAX_TOTAL, MAX_VALUE, Buffer, Problem

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
    source: Source, *, device: int = 0, flag: np.ndarray | None = None
) -> tuple[Problem, SnapshotReport]:
    """Like :func:`read_torch_snapshot`, also returning a :class:`SnapshotReport`.

    ``flag`` (a one-element int64 array, :mod:`minimalloc.deadline`) stops
    the reading when it is set (a :class:`ProblemError` says so).
    """
    name = _source_name(source)
    try:
        with _mapped(source) as data:
            plain = read_plain_pickle(data, flag)
            found = _extract(plain, device)
            del plain, data  # the machine's tables and the mapping go first
        return _assemble(found)
    except ProblemError as error:
        raise error.located(file=name) from None


def load_snapshot(source: Source) -> dict:
    """The snapshot's dict, unpickled without running anything.

    The pickle is first run by :func:`minimalloc.formats.plain_pickle.read_plain_pickle`
    (plain data only, bounded depth and keys), then unpickled with every
    object built: for looking into small snapshots (the readers above never
    build the objects).

    Raises
    ------
    ProblemError
        If the data is not a pickle, asks for any class or function, or holds
        anything but plain data, or is not a dict.
    """
    name = _source_name(source)
    try:
        with _mapped(source) as data:
            value = loads_checked(data)
    except ProblemError as error:
        raise error.located(file=name) from None
    except Exception as error:  # noqa: BLE001 - a bad pickle raises many kinds
        text = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise ProblemError(f"not a readable pickle ({text})", file=name) from None
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


@contextmanager
def _mapped(source: Source) -> Iterator[np.ndarray]:
    """The bytes of ``source`` as a uint8 array: a file is mapped (read from
    disk as the machine goes, never copied), bytes are used in place."""
    if isinstance(source, (str, os.PathLike)):
        if os.path.getsize(source) == 0:
            yield np.zeros(0, np.uint8)
        else:  # unmapped when the last array over it goes
            yield np.memmap(source, np.uint8, mode="r")
        return
    if isinstance(source, (bytes, bytearray, memoryview)):
        yield np.frombuffer(source, np.uint8)
        return
    data = source.read()
    if isinstance(data, str):
        raise ProblemError("a snapshot is binary: open it in binary mode ('rb')",
                           file=_source_name(source))
    yield np.frombuffer(data, np.uint8)


# ----------------------------------------------------------------------------
# From entries to buffers


#: Action codes of the pairing kernel.
_ALLOC, _FREE, _SEGMENT_ALLOC, _SEGMENT_FREE, _OTHER = range(5)
#: Which field of an entry was wrong (the kernel's error codes).
_BAD_ADDR, _BAD_SIZE = 1, 2


def _device_data(plain: PlainPickle, device: int) -> tuple[int, list[int]]:
    """The handle of the device's trace and those of its segments."""
    root = plain.root
    if plain.kind(root) != DICT:
        raise ProblemError("not a PyTorch memory snapshot: the pickle holds a "
                           f"{plain.kind_name(root)}, not a dict")
    traces_handle = plain.field(root, "device_traces")
    if plain.kind(traces_handle) != LIST:
        known = [k for k in KEYS if plain.field(root, k) != UNSET]
        keys = ", ".join(sorted(known + plain.some_keys(root))[:6]) or "none"
        raise ProblemError(
            "not a PyTorch memory snapshot: it has no 'device_traces' list (its keys: "
            f"{keys}); record one with torch.cuda.memory._record_memory_history() "
            "before torch.cuda.memory._dump_snapshot()")
    traces = plain.items(traces_handle)
    if isinstance(device, bool) or not isinstance(device, int) or not \
            0 <= device < len(traces):
        raise ProblemError(f"no trace for device {device!r}: the snapshot has traces "
                           f"for devices 0 to {len(traces) - 1}" if len(traces) else
                           "the snapshot has no device traces")
    trace = int(traces[device])
    if plain.kind(trace) != LIST:
        raise ProblemError(f"device_traces[{device}]: expected a list of entries")
    segments_handle = plain.field(root, "segments")
    if segments_handle == UNSET:
        return trace, []
    if plain.kind(segments_handle) != LIST:
        raise ProblemError("'segments': expected a list")
    mine = []
    for segment in plain.items(segments_handle).tolist():
        if plain.kind(segment) != DICT:
            continue
        own = plain.field(segment, "device")
        if own == UNSET or plain.integer(own) == device and plain.kind(own) == INT:
            mine.append(segment)
    return trace, mine


def _actions(plain: PlainPickle, entries: np.ndarray, device: int
             ) -> tuple[np.ndarray, int]:
    """Each entry's action code, checked up to the first entry that is not a
    dict with a string ``action``; returns the codes and that entry's index
    (``len(entries)`` if none)."""
    ok = (entries & 15) == DICT
    ids = np.where(ok, entries >> 4, 0)
    action = plain.dict_columns[ids, 0] if len(ids) else np.zeros(0, np.int64)
    ok &= (action & 15) == STR
    first_bad = int(np.argmin(ok)) if not ok.all() else len(entries)
    string = np.where(ok, action >> 4, -1)
    codes = np.full(len(entries), _OTHER, np.int8)
    names = {"alloc": _ALLOC, "segment_alloc": _SEGMENT_ALLOC,
             "segment_free": _SEGMENT_FREE}
    used = distinct(string[string >= 0])
    texts = {int(s): plain.string(int(s)) for s in used.tolist()}
    completed = "free_completed" in texts.values()
    names["free_completed" if completed else "free_requested"] = _FREE
    for s, text in texts.items():
        if text in names:
            codes[string == s] = names[text]
    if not (codes[:first_bad] == _ALLOC).any():
        if first_bad < len(entries):
            raise ProblemError(f"device_traces[{device}][{first_bad}]: expected a dict "
                               "with an 'action'")
        raise ProblemError(
            f"device_traces[{device}] records no allocation: record the history with "
            "torch.cuda.memory._record_memory_history() while the model runs")
    return codes, first_bad


@njit(cache=True, nogil=True)
def _integer_values(handles, wide):  # pragma: no cover - numba
    """Values of int handles; ``ok`` says which are integers >= 0 (not bool,
    not beyond 64 bits)."""
    values = np.zeros(len(handles), np.int64)
    ok = np.zeros(len(handles), np.bool_)
    for k in range(len(handles)):
        h = handles[k]
        kind = h & 15
        if kind == INT:
            values[k] = h >> 4
        elif kind == WIDE:
            values[k] = wide[h >> 4]
        else:
            continue
        ok[k] = values[k] >= 0
    return values, ok


@njit(cache=True, nogil=True)
def _pair(codes, addr, addr_ok, size, size_ok, frames, stop):  # pragma: no cover
    """Pair each allocation with the entry that frees it, in trace order
    (see the module documentation), up to entry ``stop``.

    Returns the buffers (start, end, size, addr, whether allocated before the
    trace, the frames handle of the entry that labels it), the reserved
    memory's changes (entry, bytes added), the addresses still open at the
    end, and the first bad entry with what was wrong (-1, 0 if none).
    """
    n = stop
    count = 0
    for e in range(n):
        if codes[e] == 0 or codes[e] == 1:
            count += 1
    start = np.empty(count, np.int64)
    end = np.empty(count, np.int64)
    sizes = np.empty(count, np.int64)
    addrs = np.empty(count, np.int64)
    before = np.zeros(count, np.bool_)
    label = np.empty(count, np.int64)
    change_at = np.empty(n, np.int64)
    change = np.empty(n, np.int64)
    nc = 0
    m = 0
    open_blocks = Dict.empty(key_type=types.int64, value_type=types.int64)
    bad, what = -1, 0
    for e in range(n):
        code = codes[e]
        if code == 0 or code == 1:
            if not addr_ok[e]:
                bad, what = e, 1
                break
            a = addr[e]
            if code == 0:
                if not size_ok[e]:
                    bad, what = e, 2
                    break
                if a in open_blocks:  # its free was not recorded: it ends here
                    earlier = open_blocks[a]
                    end[earlier] = max(e, start[earlier] + 1)
                open_blocks[a] = m
                start[m], sizes[m], addrs[m], label[m] = e, size[e], a, frames[e]
                m += 1
            elif a in open_blocks:
                earlier = open_blocks[a]
                del open_blocks[a]
                end[earlier] = max(e, start[earlier] + 1)
            else:  # freed, never seen allocated: allocated before the trace
                if not size_ok[e]:
                    bad, what = e, 2
                    break
                start[m], end[m], sizes[m], addrs[m] = 0, max(e, 1), size[e], a
                before[m], label[m] = True, frames[e]
                m += 1
        elif code == 2 or code == 3:
            if not size_ok[e]:
                bad, what = e, 2
                break
            change_at[nc] = e
            change[nc] = size[e] if code == 2 else -size[e]
            nc += 1
    still_open = np.empty(len(open_blocks), np.int64)
    count = 0
    for a, b in open_blocks.items():
        end[b] = max(len(codes), start[b] + 1)
        still_open[count] = a
        count += 1
    return (start[:m], end[:m], sizes[:m], addrs[:m], before[:m], label[:m],
            change_at[:nc], change[:nc], still_open, bad, what)


@dataclass
class _Found:
    """What a snapshot holds, out of the machine's tables (plain arrays and
    strings: the tables can go before the buffers are built)."""

    device: int
    entries: int
    start: np.ndarray
    end: np.ndarray
    sizes: np.ndarray
    addrs: np.ndarray
    before: np.ndarray
    labels: list[str]
    extra: list[Buffer]
    held_now: int
    change_at: np.ndarray
    change: np.ndarray


def _extract(plain: PlainPickle, device: int) -> _Found:
    trace, segments = _device_data(plain, device)
    entries = plain.items(trace)
    codes, first_bad = _actions(plain, entries, device)
    ids = np.where((entries & 15) == DICT, entries >> 4, 0)
    columns = plain.dict_columns
    addr, addr_ok = _integer_values(columns[ids, 1] if len(ids) else ids, plain.wide)
    size, size_ok = _integer_values(columns[ids, 2] if len(ids) else ids, plain.wide)
    frames = columns[ids, 3] if len(ids) else ids
    (start, end, sizes, addrs, before, label, change_at, change, still_open, bad,
     what) = _pair(codes, addr, addr_ok, size, size_ok, frames, first_bad)
    if bad >= 0:
        key = "addr" if what == _BAD_ADDR else "size"
        handle = columns[ids[bad], 1 if what == _BAD_ADDR else 2]
        raise ProblemError(f"device_traces[{device}][{bad}]: expected '{key}' to be an "
                           f"integer >= 0, got {plain.describe(handle)}")
    if first_bad < len(entries):
        raise ProblemError(f"device_traces[{device}][{first_bad}]: expected a dict with "
                           "an 'action'")
    classes = _frame_classes(plain)
    made_by = np.where(before, end, start)  # the entry that allocated (freed) it
    labels = _labels(plain, label, device, made_by, classes)
    extra = _blocks_before_trace(plain, segments, set(still_open.tolist()), len(entries),
                                 classes)
    held_now = sum(_integer(plain, segment, "total_size", f"segments[{s}]")
                   for s, segment in enumerate(segments))
    return _Found(device, len(entries), start, end, sizes, addrs, before, labels, extra,
                  held_now, change_at, change)


def _assemble(found: _Found) -> tuple[Problem, SnapshotReport]:
    problem = _problem(found.start, found.end, found.sizes, found.addrs, found.before,
                       found.labels, found.extra)
    return problem, _report(problem, found)


def _labels(plain: PlainPickle, frames: np.ndarray, device: int, entry: np.ndarray,
            classes: np.ndarray) -> list[str]:
    """Each buffer's label: the frame :func:`_user_frame` picks from its
    frames list, made once per distinct frame."""
    kinds = frames & 15
    bad = ~np.isin(kinds, (UNSET, NONE, LIST))
    if bad.any():
        k = int(np.argmax(bad))
        raise ProblemError(f"device_traces[{device}][{int(entry[k])}]: expected "
                           "'frames' to be a list of dicts")
    lists = np.where(kinds == LIST, frames >> 4, -1)
    used, inverse = np.unique(lists, return_inverse=True)
    chosen = _chosen_frames(plain, used, device, entry, inverse, classes)
    texts = {-1: ""}
    for frame in distinct(chosen).tolist():
        if frame >= 0:
            texts[frame] = _frame_text(plain, frame)
    per_list = [texts[f] for f in chosen.tolist()]
    return [per_list[i] for i in inverse.tolist()]


def _chosen_frames(plain: PlainPickle, lists: np.ndarray, device: int,
                   entry: np.ndarray, inverse: np.ndarray,
                   classes: np.ndarray) -> np.ndarray:
    """For each frames list (-1: none), the dict of the frame its label
    names (-1: none)."""
    chosen, bad_list = _choose(lists, plain.run_order, plain.run_ptr, plain.run_start,
                               plain.run_end, plain.list_items, classes)
    if bad_list >= 0:
        k = int(np.argmax(inverse == bad_list))
        raise ProblemError(f"device_traces[{device}][{int(entry[k])}]: expected "
                           "'frames' to be a list of dicts")
    return chosen


def _frame_classes(plain: PlainPickle) -> np.ndarray:
    """Per dict: 2 if its ``filename`` is the user's Python code, 1 if
    torch's Python code, 0 otherwise (computed for the dicts held in lists)."""
    dicts = np.flatnonzero(_held_dicts(plain.list_items, len(plain.dict_columns)))
    classes = np.zeros(len(plain.dict_columns), np.int8)
    files = plain.fields(dicts, "filename")
    strings = np.where((files & 15) == STR, files >> 4, -1)
    for s in distinct(strings).tolist():
        if s < 0:
            continue
        filename = plain.string(s)
        python = filename.endswith(".py")
        user = python and "/torch/" not in "/" + filename.replace("\\", "/")
        classes[dicts[strings == s]] = 2 if user else (1 if python else 0)
    return classes


@njit(cache=True, nogil=True)
def _held_dicts(items, count):  # pragma: no cover - numba
    """Which dicts some list holds."""
    held = np.zeros(count, np.bool_)
    for h in items:
        if h & 15 == DICT:
            held[h >> 4] = True
    return held


@njit(cache=True, nogil=True)
def _choose(lists, run_order, run_ptr, run_start, run_end, items,
            class_of):  # pragma: no cover - numba
    """The innermost user frame of each list, else its innermost Python
    frame, else its innermost frame (-1 for an empty list or none); and the
    first list holding something that is not a dict (-1 if none)."""
    chosen = np.full(len(lists), -1, np.int64)
    for k in range(len(lists)):
        i = lists[k]
        if i < 0:
            continue
        best, best_class = -1, -1
        for r in run_order[run_ptr[i]:run_ptr[i + 1]]:
            for position in range(run_start[r], run_end[r]):
                h = items[position]
                if h & 15 != DICT:
                    return chosen, k
                c = class_of[h >> 4]
                if c > best_class:
                    best, best_class = h >> 4, c
                    if c == 2:
                        break
            if best_class == 2:
                break
        chosen[k] = best
    return chosen, -1


def _frame_text(plain: PlainPickle, frame: int) -> str:
    """``file:line name`` of a frame dict (``?`` for what is missing)."""
    parts = []
    for key in ("filename", "line", "name"):
        handle = int(plain.fields(np.array([frame]), key)[0])
        kind = plain.kind(handle)
        if kind == UNSET:
            parts.append("?")
        elif kind == STR:
            parts.append(plain.text(handle))
        elif kind in (INT, WIDE, BOOL, NONE, FLOAT):
            parts.append("?" if kind == FLOAT else plain.describe(handle))
        else:
            raise ProblemError(f"a frame's '{key}': expected a string or a number, "
                               f"got {plain.describe(handle)}")
    return f"{parts[0]}:{parts[1]} {parts[2]}".strip()


def _blocks_before_trace(plain: PlainPickle, segments: list[int], still_open: set[int],
                         end: int, classes: np.ndarray) -> list[Buffer]:
    """The blocks the segments hold active that the trace never allocated
    (allocated before it began, never freed)."""
    added = []
    for s, segment in enumerate(segments):
        blocks = plain.field(segment, "blocks")
        if blocks == UNSET:
            continue
        if plain.kind(blocks) != LIST:
            raise ProblemError(f"segments[{s}]: expected 'blocks' to be a list")
        for b, block in enumerate(plain.items(blocks).tolist()):
            where = f"segments[{s}].blocks[{b}]"
            if plain.kind(block) != DICT:
                raise ProblemError(f"{where}: expected a dict")
            state = plain.text(plain.field(block, "state")) or ""
            if not state.startswith("active"):
                continue
            addr = _integer(plain, block, "address", where)
            if addr in still_open:
                continue
            label = _block_label(plain, block, where, classes)
            added.append(Buffer(f"{addr:#x}@before", 0, max(end, 1),
                                _integer(plain, block, "size", where),
                                label=_joined(label, "allocated before the trace, "
                                                     "never freed")))
    return added


def _block_label(plain: PlainPickle, block: int, where: str, classes: np.ndarray) -> str:
    frames = plain.field(block, "frames")
    if plain.kind(frames) in (UNSET, NONE):
        return ""
    if plain.kind(frames) != LIST:
        raise ProblemError(f"{where}: expected 'frames' to be a list of dicts")
    chosen, bad = _choose(np.array([frames >> 4]), plain.run_order, plain.run_ptr,
                          plain.run_start, plain.run_end, plain.list_items, classes)
    if bad >= 0:
        raise ProblemError(f"{where}: expected 'frames' to be a list of dicts")
    return "" if chosen[0] < 0 else _frame_text(plain, int(chosen[0]))


def _integer(plain: PlainPickle, handle: int, key: str, where: str) -> int:
    value_handle = plain.field(handle, key)
    value = plain.integer(value_handle)
    if value is None or value < 0:
        raise ProblemError(f"{where}: expected '{key}' to be an integer >= 0, got "
                           f"{plain.describe(value_handle)}")
    return value


def _joined(label: str, note: str) -> str:
    return f"{label} ({note})" if label else note


def _problem(start: np.ndarray, end: np.ndarray, sizes: np.ndarray, addrs: np.ndarray,
             before: np.ndarray, labels: list[str], extra: list[Buffer]) -> Problem:
    """The buffers in order of start (ties by id), built from checked columns
    when they pass every check ``Buffer`` and ``Problem`` make."""
    note = "allocated before the trace"
    ids = [f"{a:#x}@before" if b else f"{a:#x}@{s}"
           for a, s, b in zip(addrs.tolist(), start.tolist(), before.tolist())]
    labels = [_joined(t, note) if b else (t or None)
              for t, b in zip(labels, before.tolist())]
    lower = np.concatenate([start, np.zeros(len(extra), np.int64)])
    upper = np.concatenate([end, np.array([b.upper for b in extra], np.int64)])
    size = np.concatenate([sizes, np.array([b.size for b in extra], np.int64)])
    ids += [b.id for b in extra]
    labels += [b.label for b in extra]
    # Ties of start are among the buffers that start at 0: order those by id.
    order = np.argsort(lower, kind="stable")
    at_zero = int(np.count_nonzero(lower == 0))
    order[:at_zero] = sorted(order[:at_zero].tolist(), key=ids.__getitem__)
    ids = [ids[i] for i in order.tolist()]
    labels = [labels[i] for i in order.tolist()]
    lower, upper, size = lower[order], upper[order], size[order]
    checked = (len(set(ids)) == len(ids) and bool((size <= MAX_TOTAL).all())
               and float(size.sum(dtype=np.float64)) < 0.99 * MAX_TOTAL
               and bool((upper <= MAX_VALUE).all()))
    if not checked:  # let the model's own checks say what is wrong
        return Problem(tuple(Buffer(i, lo, hi, sz, label=lb) for i, lo, hi, sz, lb in
                             zip(ids, lower.tolist(), upper.tolist(), size.tolist(),
                                 labels)))
    n = len(ids)
    buffers = tuple(Buffer._from_checked(ids, lower.tolist(), upper.tolist(),
                                         size.tolist(), [1] * n, [None] * n, [None] * n,
                                         labels))
    seed(buffers, Columns(lower, upper, size, np.ones(n, np.int64),
                          np.full(n, -1, np.int64), np.zeros(n, np.int64)))
    return Problem._from_checked(buffers, None)


def _report(problem: Problem, found: _Found) -> SnapshotReport:
    change = found.change
    level = max(found.held_now - int(change.sum()), 0)
    # The level after each change, never below 0: the running sum minus the
    # deepest it went below 0 so far.
    running = level + np.cumsum(change)
    levels = running - np.minimum(np.minimum.accumulate(running), 0)
    times, reserved = [0], [level]
    for index, value in zip(found.change_at.tolist(), levels.tolist()):
        if times[-1] == index:
            reserved[-1] = value
        else:
            times.append(index)
            reserved.append(value)
    before = int(found.before.sum()) + len(found.extra)
    return SnapshotReport(found.device, found.entries, tuple(times), tuple(reserved),
                          max(reserved), max_load(problem), before)
