"""Plain data out of a pickle, as columns, by a machine that runs nothing.

A PyTorch memory snapshot is a pickle of plain data: dicts, lists, strings
and numbers, millions of them.  Unpickling it builds a Python object for
every one (gigabytes, minutes), and a pickle can run code when loaded.
:func:`read_plain_pickle` runs the pickle's opcodes itself, in a numba
kernel, without building any Python object:

- every value is a *handle*, one int64: a kind (:data:`NONE`, :data:`BOOL`,
  :data:`INT`, :data:`STR`, :data:`LIST`, :data:`DICT`, ...) in the low 4
  bits and a payload above it (the integer itself, or the index of a
  string, list, dict or tuple);
- a list keeps its items as rows ``(list, item handle)``; a dict keeps the
  values of a few *known keys* (:data:`KEYS`, those of a snapshot) and
  forgets the others; a string is a slice of the pickle's bytes, decoded
  only when asked for;
- the memo (values saved for later reference) holds handles, so shared
  objects stay shared and a structure that refers to itself costs nothing.

**What is refused** (a :class:`~minimalloc.errors.ProblemError`, one line):
any opcode that names a global, a class, a function, a persistent id or an
extension code (nothing is ever looked up, so nothing can run); sets,
bytes, bytearrays, Python 2 strings and out-of-band buffers (not plain
data); an item nested deeper than :data:`MAX_DEPTH` levels; a container
changed after it was put in another one (only a cyclic structure does
that; a container holding itself is accepted); a dict key that is a list
or a dict, or a tuple of more than :data:`MAX_KEY_ITEMS` items counted
through every level; and a pickle that would make the machine keep more
than one item per :data:`BYTES_PER_ITEM` bytes of input (plus 2^20).  So
time is linear in the input and memory proportional to it, whatever it
holds: shared lists nested twelve deep are a dozen rows, not 8^12 items.

>>> import pickle
>>> data = pickle.dumps({"device_traces": [[{"action": "alloc", "addr": 16}]]})
>>> plain = read_plain_pickle(data)
>>> traces = plain.field(plain.root, "device_traces")
>>> entry = plain.items(plain.items(traces)[0])[0]
>>> plain.text(plain.field(entry, "action")), plain.integer(plain.field(entry, "addr"))
('alloc', 16)
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence

import numpy as np

from minimalloc.deadline import Deadline, run_cancellable
from minimalloc.errors import ProblemError
from minimalloc.formats.pickle_machine import (
    BIG,
    BOOL,
    COLUMN_KEYS,
    DICT,
    FLOAT,
    INT,
    KEYS,
    KIND_NAMES,
    LIST,
    NONE,
    NOT_PLAIN_NAMES,
    STATUS_BAD_OPCODE,
    STATUS_BAD_TEXT,
    STATUS_BUDGET,
    STATUS_CANCELLED,
    STATUS_CYCLE,
    STATUS_DEPTH,
    STATUS_EXTENSION,
    STATUS_GLOBAL,
    STATUS_KEY_ITEMS,
    STATUS_MEMO,
    STATUS_NEGATIVE,
    STATUS_NOT_PLAIN,
    STATUS_ODD,
    STATUS_OK,
    STATUS_PERSISTENT,
    STATUS_PROTOCOL,
    STATUS_STACK_GLOBAL,
    STATUS_TARGET,
    STATUS_TRUNCATED,
    STATUS_UNDERFLOW,
    STATUS_UNHASHABLE,
    STR,
    UNSET,
    WIDE,
    run_machine,
)
from minimalloc.tuning import BYTES_PER_ITEM, MAX_DEPTH, MAX_KEY_ITEMS

__all__ = [
    "BOOL",
    "BYTES_PER_ITEM",
    "DICT",
    "FLOAT",
    "INT",
    "KEYS",
    "LIST",
    "MAX_DEPTH",
    "MAX_KEY_ITEMS",
    "NONE",
    "PlainPickle",
    "STR",
    "UNSET",
    "WIDE",
    "loads_checked",
    "read_plain_pickle",
]

class PlainPickle:
    """The plain data of a pickle, as :func:`read_plain_pickle` found it.

    Values are handles (see the module documentation): ``kind(h)`` gives
    the kind, ``integer``, ``text``, ``items`` and ``field`` read them.
    Vectorised readers use the arrays: the items of list ``i`` are
    ``list_items[run_start[r]:run_end[r]]`` for the runs ``r`` in
    ``run_order[run_ptr[i]:run_ptr[i + 1]]`` (one run for a list pickled in
    one batch: a slice, no copy), and ``dict_columns`` holds the handles of
    the first four :data:`KEYS` per dict (0 where absent).
    """

    def __init__(self, data: np.ndarray, tables: tuple) -> None:
        (self.root, self.wide, self.strings, lists, self.dict_columns, self.tuples,
         run_list, self.run_start, self.list_items, row_dict, row_key, row_value,
         early_dict, early_key) = tables
        self.root = int(self.root)
        self.data = data
        self.run_end = np.append(self.run_start[1:], len(self.list_items))
        self.run_order = np.argsort(run_list, kind="stable")
        self.run_ptr = np.zeros(int(lists) + 1, np.int64)
        np.cumsum(np.bincount(run_list, minlength=int(lists)), out=self.run_ptr[1:])
        # The other keys' values, sorted by (dict, key); the last one set wins.
        order = np.argsort(row_dict.astype(np.int64) * 16 + row_key, kind="stable")
        self._row_keys = (row_dict.astype(np.int64) * 16 + row_key)[order]
        self._row_values = row_value[order]
        self._early = [(int(d), int(s)) for d, s in zip(early_dict.tolist(),
                                                        early_key.tolist())]
        self._texts: dict[int, str] = {}

    @staticmethod
    def kind(handle: int) -> int:
        """The kind of a handle (:data:`INT`, :data:`STR`, ...)."""
        return int(handle) & 15

    @staticmethod
    def kind_name(handle: int) -> str:
        """The Python type name of a handle's value (``'list'``, ``'str'``, ...)."""
        return KIND_NAMES[int(handle) & 15]

    def integer(self, handle: int) -> int | None:
        """The value of an int handle (None for any other kind, or an int
        beyond 64 bits)."""
        kind = int(handle) & 15
        if kind == INT:
            return int(handle) >> 4
        if kind == WIDE:
            return int(self.wide[int(handle) >> 4])
        return None

    def text(self, handle: int) -> str | None:
        """The value of a str handle (None for any other kind)."""
        if int(handle) & 15 != STR:
            return None
        return self.string(int(handle) >> 4)

    def string(self, index: int) -> str:
        """String number ``index``, decoded (and kept)."""
        if index not in self._texts:
            start, length, escaped, _ = self.strings[index].tolist()
            raw = self.data[start:start + length].tobytes()
            self._texts[index] = (raw.decode("raw-unicode-escape") if escaped
                                  else raw.decode("utf-8", "surrogatepass"))
        return self._texts[index]

    def items(self, handle: int) -> np.ndarray:
        """The handles in a list (empty for any other kind)."""
        if int(handle) & 15 != LIST:
            return self.list_items[:0]
        i = int(handle) >> 4
        runs = self.run_order[self.run_ptr[i]:self.run_ptr[i + 1]]
        if len(runs) == 1:
            return self.list_items[self.run_start[runs[0]]:self.run_end[runs[0]]]
        return np.concatenate([self.list_items[self.run_start[r]:self.run_end[r]]
                               for r in runs.tolist()] or [self.list_items[:0]])

    def field(self, handle: int, key: str) -> int:
        """The handle of ``d[key]`` for a dict handle ``d`` and one of
        :data:`KEYS` (0, :data:`UNSET`, if absent or not a dict)."""
        if int(handle) & 15 != DICT:
            return UNSET
        return int(self.fields(np.array([int(handle) >> 4]), key)[0])

    def fields(self, dicts: np.ndarray, key: str) -> np.ndarray:
        """The handles of ``key`` in the dicts numbered ``dicts`` (UNSET where
        absent), in ``O(len(dicts) log rows)``."""
        code = KEYS.index(key)
        dicts = np.asarray(dicts, np.int64)
        if code < COLUMN_KEYS:
            return self.dict_columns[dicts, code]
        wanted = dicts * 16 + code
        if not len(self._row_keys):
            return np.zeros(len(dicts), np.int64)
        at = np.searchsorted(self._row_keys, wanted, side="right") - 1
        found = (at >= 0) & (self._row_keys[np.maximum(at, 0)] == wanted)
        return np.where(found, self._row_values[np.maximum(at, 0)], UNSET)

    def some_keys(self, handle: int) -> list[str]:
        """The keys of the top-level dict that are not in :data:`KEYS`
        (only for the first dicts of the pickle: for messages)."""
        i = int(handle) >> 4
        return [self.string(s) for d, s in self._early if d == i]

    def describe(self, handle: int) -> str:
        """A short, bounded description of a value for a message."""
        kind = int(handle) & 15
        if kind in (NONE, BOOL):
            return repr(None if kind == NONE else bool(int(handle) >> 4))
        if kind in (INT, WIDE):
            return str(self.integer(handle))
        if kind == BIG:
            return "an integer of more than 64 bits"
        if kind == STR:
            text = self.text(handle)
            return repr(text if len(text) <= 40 else text[:40] + "...")
        if kind == UNSET:
            return "nothing"
        return f"a {KIND_NAMES[kind]}"


def read_plain_pickle(data: bytes | bytearray | memoryview | np.ndarray,
                      flag: np.ndarray | None = None) -> PlainPickle:
    """Run the pickle ``data`` (see the module documentation).

    Parameters
    ----------
    data
        The pickle's bytes (a ``numpy.memmap`` of a file works: it is read
        once, front to back).
    flag
        A one-element int64 array (:mod:`minimalloc.deadline`); when it is
        set the machine stops and :class:`ProblemError` says so.

    Raises
    ------
    ProblemError
        For a pickle that is not plain data, is malformed, or passes a limit
        (one line, naming what).
    """
    array = np.frombuffer(data, np.uint8) if not isinstance(data, np.ndarray) else data
    names = np.frombuffer("".join(KEYS).encode(), np.uint8)
    offsets = np.zeros(len(KEYS) + 1, np.int64)
    offsets[1:] = np.cumsum([len(k) for k in KEYS])
    budget = (1 << 20) + len(array) // BYTES_PER_ITEM
    stop = Deadline(None, flag)  # Ctrl-C on the main thread sets the flag
    result = run_cancellable(lambda: run_machine(array, stop.flag, names, offsets,
                                              MAX_DEPTH, budget), stop)
    status, position, aux, aux2 = (int(v) for v in result[:4])
    if status != STATUS_OK:
        raise ProblemError(_message(array, result, status, position, aux, aux2))
    return PlainPickle(array, result[4:])


def _message(data: np.ndarray, result: Sequence, status: int, position: int, aux: int,
             aux2: int) -> str:
    """The one line that says why the machine stopped."""
    plain = "only plain data (dict, list, str, int, float, bool, None) is admitted"
    where = f" at byte {position}"
    if status in (STATUS_GLOBAL, STATUS_STACK_GLOBAL):
        module, name = _global_name(data, result, status, aux, aux2)
        return (f"the pickle asks for {module}.{name}; {plain}, so it was not loaded and "
                "nothing in it was run")
    if status == STATUS_PERSISTENT:
        return ("the pickle refers to persistent objects; only plain data is admitted, "
                "so it was not loaded")
    if status == STATUS_EXTENSION:
        return (f"the pickle asks for a registered extension (a class or function){where}; "
                f"{plain}, so it was not loaded and nothing in it was run")
    if status == STATUS_NOT_PLAIN:
        return f"the pickle holds a {NOT_PLAIN_NAMES[aux]}{where}; {plain}"
    if status == STATUS_DEPTH:
        return f"the pickle nests containers more than {MAX_DEPTH} deep{where}: not a " \
               "snapshot, refused"
    if status == STATUS_BUDGET:
        return (f"the pickle would need more than one stored item per {BYTES_PER_ITEM} "
                f"bytes of its size (passed{where}): not a snapshot, refused to keep "
                "memory bounded")
    if status == STATUS_CYCLE:
        return (f"the pickle changes a container after putting it in another one (a "
                f"cyclic structure){where}: not a snapshot, refused")
    if status == STATUS_KEY_ITEMS:
        return (f"a dict key of the pickle is a tuple of more than {MAX_KEY_ITEMS:,} "
                f"items counted through its levels{where}: not a snapshot, refused")
    if status == STATUS_CANCELLED:
        return "reading the pickle was stopped (cancelled)"
    reasons = {
        STATUS_TRUNCATED: "pickle data was truncated",
        STATUS_BAD_OPCODE: f"invalid or unsupported opcode {aux:#04x}{where}",
        STATUS_UNDERFLOW: f"unpickling stack underflow{where}",
        STATUS_MEMO: f"memo value not found at index {aux}{where}",
        STATUS_TARGET: f"an item added to a {KIND_NAMES[aux] if 0 <= aux < 11 else '?'}"
                 f"{where}",
        STATUS_BAD_TEXT: f"a malformed argument of opcode {aux:#04x}{where}",
        STATUS_UNHASHABLE: f"unhashable dict key of type "
                     f"'{KIND_NAMES[aux] if 0 <= aux < 11 else '?'}'{where}",
        STATUS_PROTOCOL: f"unsupported pickle protocol: {aux}",
        STATUS_ODD: f"odd number of items for DICT{where}",
        STATUS_NEGATIVE: f"negative length or index{where}",
    }
    return f"not a readable pickle ({reasons.get(status, 'unknown error')})"


def _global_name(data: np.ndarray, result: Sequence, status: int, aux: int,
                 aux2: int) -> tuple[str, str]:
    """The module and name a GLOBAL, INST or STACK_GLOBAL asks for."""
    if status == STATUS_GLOBAL:
        text = data[aux:aux + 512].tobytes().split(b"\n")
        module = text[0].decode("utf-8", "replace")[:100] if text else "?"
        name = text[1].decode("utf-8", "replace")[:100] if len(text) > 1 else "?"
        return module, name
    strings = result[6]
    parts = []
    for handle in (aux, aux2):
        if handle & 15 != STR:
            parts.append("?")
            continue
        start, length, escaped, _ = strings[handle >> 4].tolist()
        raw = data[start:start + min(length, 100)].tobytes()
        parts.append(raw.decode("raw-unicode-escape" if escaped else "utf-8", "replace"))
    return parts[0], parts[1]


def loads_checked(data: bytes) -> object:
    """``pickle.loads`` of a pickle that :func:`read_plain_pickle` accepts
    (so nothing runs and nothing in it can exhaust the unpickler: no global,
    a bounded depth, small hashable keys).  Builds every object: for small
    pickles."""
    read_plain_pickle(data)
    return pickle.loads(data)  # noqa: S301 - checked above: plain data only
