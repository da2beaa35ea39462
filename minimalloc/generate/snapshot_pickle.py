"""A training snapshot's pickle, streamed without building its objects.

:func:`write_training_snapshot` lays out the bytes that
``pickle.dumps(snapshot_objects(plan), protocol=4)`` would give for a
:class:`~minimalloc.generate.snapshot.SnapshotPlan`, in numba kernels and
a buffer of a few MiB, so a snapshot of half a gigabyte is written without
the gigabytes its objects would take.

>>> import pickle
>>> data = training_snapshot(allocations=400, seed=1, layers=2, ops=8)
>>> snapshot = pickle.loads(data)
>>> sorted(snapshot)
['allocator_settings', 'device_traces', 'segments']
>>> sorted(snapshot["device_traces"][0][0])
['action', 'addr', 'frames', 'size', 'stream', 'time_us']
"""

from __future__ import annotations

import io
import os
import struct
from typing import IO, Any

import numpy as np
from numba import njit

from minimalloc.generate.snapshot import (
    ACTIONS,
    SMALL_SEGMENT,
    STATES,
    SnapshotPlan,
    snapshot_plan,
)

__all__ = ["training_snapshot", "write_training_snapshot"]


# ----------------------------------------------------------------------------
# The pickle, written as Python's C pickler writes the objects (protocol 4)
#
# The writers below lay out the bytes ``pickle.dumps(snapshot_objects(plan),
# protocol=4)`` would give, without building the objects: every str, dict
# and list is memoized on its first save (MEMOIZE) and fetched by index
# afterwards (BINGET, LONG_BINGET); lists and dicts are saved in batches of
# 1,000 items (MARK ... APPENDS / SETITEMS; a container of one item takes
# APPEND / SETITEM); integers take the shortest of BININT1, BININT2, BININT
# and LONG1; a frame (FRAME and its length) is closed at the start of the
# first save after it reaches 64 KiB.  Tests compare the bytes with
# pickle.dumps on small plans.

_FRAME_TARGET = 64 * 1024
_FRAME_MIN = 4
_BATCH = 1000
_MARK, _STOP, _EMPTY_DICT, _EMPTY_LIST, _MEMOIZE = 0x28, 0x2E, 0x7D, 0x5D, 0x94
_BINGET, _LONG_BINGET, _SHORT_BINUNICODE, _BINUNICODE = 0x68, 0x6A, 0x8C, 0x58
_BININT1, _BININT2, _BININT, _LONG1 = 0x4B, 0x4D, 0x4A, 0x8A
_APPEND, _APPENDS, _SETITEM, _SETITEMS = 0x61, 0x65, 0x73, 0x75
_NEWTRUE, _NEWFALSE, _BINFLOAT, _TUPLE2 = 0x88, 0x89, 0x47, 0x86
#: Positions in the writer's state array: where ``out[0]`` is in the whole
#: stream of opcodes, where the open frame starts, the next memo index and
#: the number of frame starts recorded in ``cuts``.
_BASE, _FRAME_START, _NEXT_MEMO, _CUTS = 0, 1, 2, 3
#: Keys and values the entries use, as indices into the writer's ``keys``.
_K_ACTION, _K_ADDR, _K_SIZE, _K_STREAM, _K_TIME, _K_FRAMES = 0, 1, 2, 3, 4, 5
_K_NAME, _K_FILENAME, _K_LINE = 6, 7, 8
_ENTRY_KEYS = ("action", "addr", "size", "stream", "time_us", "frames", "name",
               "filename", "line")


@njit(cache=True)
def _boundary(st, cuts, p):  # pragma: no cover - numba
    """A save starts at ``out[p]``: close the open frame if it is full."""
    here = st[_BASE] + p
    if here - st[_FRAME_START] >= _FRAME_TARGET:
        cuts[st[_CUTS]] = here
        st[_CUTS] += 1
        st[_FRAME_START] = here


@njit(cache=True)
def _put_le(out, p, value, count):  # pragma: no cover - numba
    for k in range(count):
        out[p + k] = (value >> (8 * k)) & 0xFF
    return p + count


@njit(cache=True)
def _get(out, p, index):  # pragma: no cover - numba
    if index < 256:
        out[p] = _BINGET
        out[p + 1] = index
        return p + 2
    out[p] = _LONG_BINGET
    return _put_le(out, p + 1, index, 4)


@njit(cache=True)
def _memoize(out, p, st):  # pragma: no cover - numba
    out[p] = _MEMOIZE
    st[_NEXT_MEMO] += 1
    return p + 1


@njit(cache=True)
def _save_int(out, p, st, cuts, value):  # pragma: no cover - numba
    _boundary(st, cuts, p)
    if 0 <= value < 256:
        out[p] = _BININT1
        out[p + 1] = value
        return p + 2
    if 0 <= value < 65536:
        out[p] = _BININT2
        return _put_le(out, p + 1, value, 2)
    if -(2**31) <= value < 2**31:
        out[p] = _BININT
        return _put_le(out, p + 1, value, 4)
    magnitude = -value if value < 0 else value
    bits = 0
    while magnitude >> bits:
        bits += 1
    count = (bits >> 3) + 1
    if value < 0 and count > 1 and (value >> (8 * (count - 1))) & 0xFF == 0xFF \
            and (value >> (8 * (count - 2))) & 0x80:
        count -= 1  # the shortest two's complement, as CPython writes it
    out[p] = _LONG1
    out[p + 1] = count
    return _put_le(out, p + 2, value, count)


@njit(cache=True)
def _save_str(out, p, st, cuts, sid, smemo, sdata, soff):  # pragma: no cover
    _boundary(st, cuts, p)
    if smemo[sid] >= 0:
        return _get(out, p, smemo[sid])
    start, end = soff[sid], soff[sid + 1]
    length = end - start
    if length < 256:
        out[p] = _SHORT_BINUNICODE
        out[p + 1] = length
        p += 2
    else:
        out[p] = _BINUNICODE
        p = _put_le(out, p + 1, length, 4)
    out[p:p + length] = sdata[start:end]
    smemo[sid] = st[_NEXT_MEMO]
    return _memoize(out, p + length, st)


@njit(cache=True)
def _open(out, p, st, cuts, memo, i, empty):  # pragma: no cover - numba
    """Object ``i`` of a kind memoized in ``memo``: a GET of it when it was
    written before (returns the new position and True), else the ``empty``
    opcode that starts it, memoized (the new position and False)."""
    _boundary(st, cuts, p)
    if memo[i] >= 0:
        return _get(out, p, memo[i]), True
    out[p] = empty
    memo[i] = st[_NEXT_MEMO]
    return _memoize(out, p + 1, st), False


@njit(cache=True)
def _save_frame(out, p, st, cuts, f, strs, frames, keys):  # pragma: no cover
    smemo, sdata, soff = strs
    fmemo, fname, ffile, fline = frames[0], frames[1], frames[2], frames[3]
    p, seen = _open(out, p, st, cuts, fmemo, f, _EMPTY_DICT)
    if seen:
        return p
    out[p] = _MARK
    p = _save_str(out, p + 1, st, cuts, keys[_K_NAME], smemo, sdata, soff)
    p = _save_str(out, p, st, cuts, fname[f], smemo, sdata, soff)
    p = _save_str(out, p, st, cuts, keys[_K_FILENAME], smemo, sdata, soff)
    p = _save_str(out, p, st, cuts, ffile[f], smemo, sdata, soff)
    p = _save_str(out, p, st, cuts, keys[_K_LINE], smemo, sdata, soff)
    p = _save_int(out, p, st, cuts, fline[f])
    out[p] = _SETITEMS
    return p + 1


@njit(cache=True)
def _save_frames(out, p, st, cuts, list_id, strs, frames, keys):  # pragma: no cover
    """A frames list: the shared empty one, or an allocation's."""
    lmemo, site_ptr, site_frames, alloc_site = frames[4], frames[5], frames[6], frames[7]
    p, seen = _open(out, p, st, cuts, lmemo, list_id, _EMPTY_LIST)
    if seen:
        return p
    start = end = 0
    if list_id < len(alloc_site):
        site = alloc_site[list_id]
        start, end = site_ptr[site], site_ptr[site + 1]
    if end - start == 1:
        p = _save_frame(out, p, st, cuts, site_frames[start], strs, frames, keys)
        out[p] = _APPEND
        return p + 1
    k = start
    while k < end:
        out[p] = _MARK
        p += 1
        stop = min(k + _BATCH, end)
        while k < stop:
            p = _save_frame(out, p, st, cuts, site_frames[k], strs, frames, keys)
            k += 1
        out[p] = _APPENDS
        p += 1
    return p


@njit(cache=True)
def _save_entries(out, limit, st, cuts, first, events, strs, frames,
                  keys, actions):  # pragma: no cover - numba
    """Save trace entries from ``first`` on (each batch of the trace list
    opened and closed around them) until ``out`` is filled up to ``limit``;
    returns the bytes written and the next entry."""
    smemo, sdata, soff = strs
    action, addr, size, stream, time, lists = events
    n = len(action)
    p = 0
    e = first
    while e < n and p < limit:
        if e % _BATCH == 0 and n > 1:
            out[p] = _MARK
            p += 1
        _boundary(st, cuts, p)
        out[p] = _EMPTY_DICT
        p = _memoize(out, p + 1, st)
        out[p] = _MARK
        p += 1
        p = _save_str(out, p, st, cuts, keys[_K_ACTION], smemo, sdata, soff)
        p = _save_str(out, p, st, cuts, actions[action[e]], smemo, sdata, soff)
        p = _save_str(out, p, st, cuts, keys[_K_ADDR], smemo, sdata, soff)
        p = _save_int(out, p, st, cuts, addr[e])
        p = _save_str(out, p, st, cuts, keys[_K_SIZE], smemo, sdata, soff)
        p = _save_int(out, p, st, cuts, size[e])
        p = _save_str(out, p, st, cuts, keys[_K_STREAM], smemo, sdata, soff)
        p = _save_int(out, p, st, cuts, stream[e])
        p = _save_str(out, p, st, cuts, keys[_K_TIME], smemo, sdata, soff)
        p = _save_int(out, p, st, cuts, time[e])
        p = _save_str(out, p, st, cuts, keys[_K_FRAMES], smemo, sdata, soff)
        p = _save_frames(out, p, st, cuts, lists[e], strs, frames, keys)
        out[p] = _SETITEMS
        p += 1
        e += 1
        if n == 1:
            out[p] = _APPEND
            p += 1
        elif e % _BATCH == 0 or e == n:
            out[p] = _APPENDS
            p += 1
    return p, e


class _Writer:
    """Streams the pickle of a plan to a binary file (see above)."""

    def __init__(self, plan: SnapshotPlan, out: IO[bytes]) -> None:
        self.plan = plan
        self.out = out
        encoded = [s.encode("utf-8", "surrogatepass") for s in plan.strings]
        self.sid = {s: i for i, s in enumerate(plan.strings)}
        offsets = np.zeros(len(encoded) + 1, np.int64)
        offsets[1:] = np.cumsum([len(b) for b in encoded])
        self.strs = (np.full(len(encoded), -1, np.int64),
                     np.frombuffer(b"".join(encoded), np.uint8).copy(), offsets)
        self.frames = (np.full(len(plan.frame_name), -1, np.int64), plan.frame_name,
                       plan.frame_file, plan.frame_line,
                       np.full(plan.allocations + 1, -1, np.int64), plan.site_ptr,
                       plan.site_frames, plan.alloc_site)
        self.keys = np.array([self.sid[k] for k in _ENTRY_KEYS], np.int64)
        self.actions = np.array([self.sid[a] for a in ACTIONS], np.int64)
        # The most one save can write: an entry whose frames list (and every
        # frame in it) is saved for the first time.
        lengths = np.diff(offsets)
        per_frame = 64 + lengths[plan.frame_name] + lengths[plan.frame_file]
        per_site = np.add.reduceat(np.append(per_frame[plan.site_frames], 0),
                                   plan.site_ptr[:-1]) if len(plan.site_frames) else [0]
        self.room = int(np.max(per_site, initial=0)) + 16 * len(plan.site_frames) + 4096
        self.room = min(self.room, 1 << 26)
        self.buffer = np.zeros(max(8 << 20, 4 * self.room), np.uint8)
        self.p = 0  # bytes in the buffer
        self.st = np.zeros(4, np.int64)
        self.cuts = np.zeros(len(self.buffer) // _FRAME_TARGET + 16, np.int64)
        self.written = 0

    # -- the buffer and its frames --------------------------------------------

    def _flush(self, final: bool = False) -> None:
        """Write out the frames closed so far (and the open one if ``final``);
        the open frame's bytes move to the start of the buffer."""
        base = int(self.st[_BASE])  # the buffer starts where the open frame did
        begin = base
        for cut in self.cuts[:self.st[_CUTS]].tolist():
            self._frame(self.buffer[begin - base:cut - base])
            begin = cut
        self.st[_CUTS] = 0
        if final:
            self._frame(self.buffer[begin - base:self.p])
            begin = base + self.p
        keep = self.buffer[begin - base:self.p].copy()
        self.buffer[:len(keep)] = keep
        self.st[_BASE] = begin
        self.p = len(keep)

    def _frame(self, data: np.ndarray) -> None:
        if len(data) >= _FRAME_MIN:
            self.out.write(b"\x95" + struct.pack("<Q", len(data)))
            self.written += 9
        self.out.write(data.tobytes())
        self.written += len(data)

    def _room(self) -> None:
        if self.p + self.room > len(self.buffer) // 2:
            self._flush()

    def _byte(self, value: int) -> None:
        self.buffer[self.p] = value
        self.p += 1

    # -- saves from Python (the small parts) -------------------------------------

    def _str(self, text: str) -> None:
        self.p = _save_str(self.buffer, self.p, self.st, self.cuts, self.sid[text],
                           *self.strs)

    def _int(self, value: int) -> None:
        self.p = _save_int(self.buffer, self.p, self.st, self.cuts, value)

    def _value(self, value: Any) -> None:
        """A bool, float, int or str."""
        if isinstance(value, bool):
            _boundary(self.st, self.cuts, self.p)
            self._byte(_NEWTRUE if value else _NEWFALSE)
        elif isinstance(value, float):
            _boundary(self.st, self.cuts, self.p)
            self._byte(_BINFLOAT)
            for b in struct.pack(">d", value):
                self._byte(b)
        elif isinstance(value, int):
            self._int(value)
        else:
            self._str(value)

    def _begin(self, opcode: int) -> None:
        """An empty dict or list, memoized."""
        self._room()
        _boundary(self.st, self.cuts, self.p)
        self._byte(opcode)
        self.p = _memoize(self.buffer, self.p, self.st)

    def _dict(self, items: list[tuple[str, Any]]) -> None:
        """A dict whose values are plain or callables that save themselves."""
        self._begin(_EMPTY_DICT)
        if not items:
            return
        if len(items) > 1:
            self._byte(_MARK)
        for key, value in items:
            self._str(key)
            value() if callable(value) else self._value(value)
        self._byte(_SETITEM if len(items) == 1 else _SETITEMS)

    def _list(self, count: int, save_item) -> None:
        self._begin(_EMPTY_LIST)
        if count == 1:
            save_item(0)
            self._byte(_APPEND)
            return
        for start in range(0, count, _BATCH):
            self._byte(_MARK)
            for i in range(start, min(start + _BATCH, count)):
                self._room()
                save_item(i)
            self._byte(_APPENDS)

    def _frames_list(self, list_id: int) -> None:
        self.p = _save_frames(self.buffer, self.p, self.st, self.cuts, list_id, self.strs,
                              self.frames, self.keys)

    def _tuple_of_zeros(self) -> None:
        self._int(0)
        self._int(0)
        self._byte(_TUPLE2)
        self.p = _memoize(self.buffer, self.p, self.st)

    # -- the snapshot ---------------------------------------------------------------

    def write(self) -> int:
        """Write the whole pickle; returns its length in bytes."""
        self.out.write(b"\x80\x04")
        self.written = 2
        self._dict([("segments", lambda: self._list(len(self.plan.segment_address),
                                                     self._segment)),
                    ("device_traces", lambda: self._list(1, lambda _: self._trace())),
                    ("allocator_settings", lambda: self._dict(self._settings()))])
        self._byte(_STOP)
        self._flush(final=True)
        return self.written

    def _segment(self, s: int) -> None:
        plan = self.plan
        size = int(plan.segment_size[s])
        first, last = int(plan.block_ptr[s]), int(plan.block_ptr[s + 1])
        active = int(plan.block_size[first:last][plan.block_state[first:last] == 0].sum())
        traced = plan.segment_list[s] != plan.empty_list
        frames = ("frames", lambda: self._frames_list(int(plan.segment_list[s])))
        items: list[tuple[str, Any]] = [
            ("device", 0), ("address", int(plan.segment_address[s])),
            ("total_size", size), ("allocated_size", active), ("active_size", active),
            ("requested_size", active), ("stream", 0),
            ("segment_type", "small" if size == SMALL_SEGMENT else "large"),
            ("segment_pool_id", self._tuple_of_zeros), ("is_expandable", False)]
        if not traced:
            items.append(frames)
        items.append(("blocks", lambda: self._list(last - first, lambda b: self._block(
            s, first + b))))
        if traced:
            items.append(frames)
        self._dict(items)

    def _block(self, s: int, b: int) -> None:
        plan = self.plan
        first = int(plan.block_ptr[s])
        address = int(plan.segment_address[s] + plan.block_size[first:b].sum())
        size = int(plan.block_size[b])
        self._dict([("address", address), ("size", size), ("requested_size", size),
                    ("state", STATES[plan.block_state[b]]),
                    ("frames", lambda: self._frames_list(plan.empty_list))])

    def _trace(self) -> None:
        plan = self.plan
        events = (plan.event_action, plan.event_addr, plan.event_size,
                  plan.event_stream, plan.event_time, plan.event_list)
        self._begin(_EMPTY_LIST)
        e = 0
        limit = len(self.buffer) // 2
        while e < plan.entries:
            self._flush()
            # The kernel writes at buffer[p:] and counts positions from there;
            # an entry writes at most ``room`` bytes past the limit.
            self.st[_BASE] += self.p
            written, e = _save_entries(self.buffer[self.p:], limit - self.p, self.st,
                                       self.cuts, e, events, self.strs, self.frames,
                                       self.keys, self.actions)
            self.st[_BASE] -= self.p
            self.p += written

    def _settings(self) -> list[tuple[str, Any]]:
        return [("PYTORCH_CUDA_ALLOC_CONF", ""), ("max_split_size", -1),
                ("garbage_collection_threshold", 0.0), ("expandable_segments", False),
                ("pinned_num_register_threads", 1), ("release_lock_on_cudamalloc", False),
                ("pinned_use_cuda_host_register", False),
                ("roundup_power2_divisions", lambda: self._dict([]))]


def write_training_snapshot(path: str | os.PathLike[str] | IO[bytes],
                            plan: SnapshotPlan | None = None, **params: Any) -> int:
    """Write the pickle of ``plan`` (or of ``snapshot_plan(**params)``) to
    ``path`` (a file name, written under a temporary name and renamed, or a
    binary file); returns its size in bytes.  Memory: the plan's arrays and
    a buffer of a few MiB, whatever the size of the file."""
    plan = plan if plan is not None else snapshot_plan(**params)
    if not isinstance(path, (str, os.PathLike)):
        return _Writer(plan, path).write()
    target = os.fspath(path)
    temporary = f"{target}.part"
    try:
        with open(temporary, "wb") as handle:
            size = _Writer(plan, handle).write()
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return size


def training_snapshot(plan: SnapshotPlan | None = None, **params: Any) -> bytes:
    """The pickle of ``plan`` (or of ``snapshot_plan(**params)``) in memory."""
    out = io.BytesIO()
    write_training_snapshot(out, plan, **params)
    return out.getvalue()


