"""The machine that runs a pickle's opcodes into columns of handles.

:func:`run_machine` is the numba kernel behind
:func:`minimalloc.formats.plain_pickle.read_plain_pickle` (whose
documentation says what a handle is and what is refused): it reads the
opcodes front to back, looks up no global, and stops with a status code
(``STATUS_*``) at the first thing that is not plain data or passes a limit.
It is written out rather than built on :mod:`pickle` or :mod:`pickletools`:
the C unpickler builds a Python object per value (gigabytes for a large
snapshot) and ``pickletools.genops`` is pure Python (a microsecond per
opcode, minutes for a half-gigabyte snapshot).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from minimalloc.tuning import MAX_KEY_ITEMS

#: Handle kinds (the low 4 bits of a handle).
UNSET, NONE, BOOL, INT, WIDE, BIG, FLOAT, STR, LIST, DICT, TUPLE = range(11)
KIND_NAMES = ("nothing", "None", "bool", "int", "int", "int", "float", "str", "list",
               "dict", "tuple")
#: The dict keys whose values are kept: a snapshot's.  The first four are
#: kept in columns (every trace entry has them), the others as rows.
KEYS = ("action", "addr", "size", "frames", "device", "total_size", "blocks", "address",
        "state", "filename", "line", "name", "device_traces", "segments")
COLUMN_KEYS = 4
#: The flag is read once per this many opcodes (a power of two).
_CHECK_EVERY = 1 << 16
_PAYLOAD_LIMIT = 1 << 59  # |payload| below this fits in a handle

# What the machine reports (its status).
(
    STATUS_OK,
    STATUS_TRUNCATED,
    STATUS_BAD_OPCODE,
    STATUS_GLOBAL,
    STATUS_STACK_GLOBAL,
    STATUS_PERSISTENT,
    STATUS_EXTENSION,
) = range(7)
(
    STATUS_NOT_PLAIN,
    STATUS_UNDERFLOW,
    STATUS_MEMO,
    STATUS_TARGET,
    STATUS_DEPTH,
    STATUS_BUDGET,
    STATUS_CYCLE,
    STATUS_BAD_TEXT,
) = range(7, 15)
(
    STATUS_UNHASHABLE,
    STATUS_KEY_ITEMS,
    STATUS_PROTOCOL,
    STATUS_CANCELLED,
    STATUS_ODD,
    STATUS_NEGATIVE,
) = range(15, 21)
NOT_PLAIN_NAMES = ("set", "frozenset", "bytes", "bytearray",
                    "Python 2 str (not written by Python 3)", "out-of-band buffer")


@njit(cache=True, nogil=True)
def _grown(array, needed):  # pragma: no cover - numba
    """``array`` with room for row ``needed`` (doubling)."""
    if needed < len(array):
        return array
    size = max(2 * len(array), needed + 1)
    shape = (size,) + array.shape[1:]
    bigger = np.zeros(shape, array.dtype)
    bigger[:len(array)] = array
    return bigger


@njit(cache=True, nogil=True)
def _le(data, p, count):  # pragma: no cover - numba
    """Unsigned little-endian integer of ``count`` <= 8 bytes (-1 if it is
    2^63 or more)."""
    if count == 8 and data[p + 7] >= 0x80:
        return -1
    value = 0
    for k in range(count):
        value |= np.int64(data[p + k]) << (8 * k)
    return value


@njit(cache=True, nogil=True)
def _line_end(data, p):  # pragma: no cover - numba
    """The position of the newline that ends the text argument at ``p``, or -1."""
    n = len(data)
    while p < n:
        if data[p] == 10:
            return p
        p += 1
    return -1


@njit(cache=True, nogil=True)
def _decimal(data, start, end):  # pragma: no cover - numba
    """A decimal integer in ``data[start:end]`` (optional sign, digits,
    optional trailing ``L``): (ok, fits int64, value)."""
    p = start
    while p < end and data[p] == 32:
        p += 1
    negative = False
    if p < end and (data[p] == 45 or data[p] == 43):
        negative = data[p] == 45
        p += 1
    if end > p and data[end - 1] == 76:  # 'L'
        end -= 1
    if p >= end:
        return False, False, 0
    value = 0
    fits = True
    for k in range(p, end):
        digit = np.int64(data[k]) - 48
        if digit < 0 or digit > 9:
            return False, False, 0
        if value > (2**62 - digit) // 10:
            fits = False
        elif fits:
            value = value * 10 + digit
    return True, fits, -value if negative else value


@njit(cache=True, nogil=True)
def _utf8_ok(data, start, end):  # pragma: no cover - numba
    """Whether ``data[start:end]`` is UTF-8 (surrogates allowed, as the
    unpickler's ``surrogatepass`` decoding does)."""
    p = start
    while p < end:
        b = data[p]
        if b < 0x80:
            p += 1
            continue
        if 0xC2 <= b <= 0xDF:
            count, low = 1, 0x80
        elif 0xE0 <= b <= 0xEF:
            count, low = 2, (0xA0 if b == 0xE0 else 0x80)
        elif 0xF0 <= b <= 0xF4:
            count, low = 3, (0x90 if b == 0xF0 else 0x80)
        else:
            return False
        high = 0x8F if b == 0xF4 else 0xBF
        if p + count >= end + 1:
            return False
        if not low <= data[p + 1] <= high:
            return False
        for k in range(2, count + 1):
            if not 0x80 <= data[p + k] <= 0xBF:
                return False
        p += count + 1
    return True


@njit(cache=True, nogil=True)
def _escaped_char(data, p, end):  # pragma: no cover - numba
    """At ``p``: (code point, next position) of raw-unicode-escape text;
    (-1, _) if an escape is malformed."""
    b = np.int64(data[p])
    if b != 92:
        return b, p + 1
    run = 0  # backslashes in a row: an escape only after an odd number
    while p + run < end and data[p + run] == 92:
        run += 1
    if run % 2 == 0 or p + run >= end or (data[p + run] != 117 and data[p + run] != 85):
        return b, p + 1
    if run > 1:
        return b, p + 1  # the backslashes before the escaping one are literal
    digits = 4 if data[p + 1] == 117 else 8
    if p + 2 + digits > end:
        return -1, end
    code = 0
    for k in range(p + 2, p + 2 + digits):
        c = np.int64(data[k])
        if 48 <= c <= 57:
            code = code * 16 + c - 48
        elif 97 <= c <= 102:
            code = code * 16 + c - 87
        elif 65 <= c <= 70:
            code = code * 16 + c - 55
        else:
            return -1, end
    if code > 0x10FFFF:
        return -1, end
    return code, p + 2 + digits


@njit(cache=True, nogil=True)
def _escaped_ok(data, start, end):  # pragma: no cover - numba
    p = start
    while p < end:
        code, p = _escaped_char(data, p, end)
        if code < 0:
            return False
    return True


@njit(cache=True, nogil=True)
def _key_code(data, start, length, escaped, names, offsets):  # pragma: no cover
    """Which of :data:`KEYS` the string is (-1: none)."""
    for k in range(len(offsets) - 1):
        a, b = offsets[k], offsets[k + 1]
        if not escaped:
            if b - a != length:
                continue
            same = True
            for j in range(length):
                if data[start + j] != names[a + j]:
                    same = False
                    break
            if same:
                return k
            continue
        p, j, end = start, a, start + length
        same = True
        while p < end and j < b:
            code, p = _escaped_char(data, p, end)
            if code != names[j]:
                same = False
                break
            j += 1
        if same and p == end and j == b:
            return k
    return -1


@njit(cache=True, nogil=True)
def _not_plain(op):  # pragma: no cover - numba
    """Which of NOT_PLAIN_NAMES an opcode makes (-1: none)."""
    if op == 0x8F or op == 0x90:  # EMPTY_SET, ADDITEMS
        return 0
    if op == 0x91:  # FROZENSET
        return 1
    if op == 0x42 or op == 0x43 or op == 0x8E:  # BINBYTES, SHORT_BINBYTES, BINBYTES8
        return 2
    if op == 0x96:  # BYTEARRAY8
        return 3
    if op == 0x53 or op == 0x54 or op == 0x55:  # STRING, BINSTRING, SHORT_BINSTRING
        return 4
    if op == 0x97 or op == 0x98:  # NEXT_BUFFER, READONLY_BUFFER
        return 5
    return -1


@njit(cache=True, nogil=True)
def _operands(stack, sp, marks, nm, single, width, onto,
              kind):  # pragma: no cover - numba
    """The operands of an opcode that adds items to a container of ``kind``:
    where its items start on the stack, the marks left, its target, a status
    and its detail.  ``single`` (SETITEM, APPEND): the last ``width`` items,
    after the target; else the items above the last mark (pairs if
    ``width`` is 2), after the target if ``onto`` (SETITEMS, APPENDS), else
    for a new container (DICT, LIST: target -1, made by the caller).  A
    target of another kind is refused only when there are items to add (the
    unpickler does not look at it otherwise)."""
    none = np.int64(-1)
    if single:
        first = sp - width
        if first <= (marks[nm - 1] if nm > 0 else 0):
            return first, nm, none, STATUS_UNDERFLOW, 0
    else:
        if nm == 0:
            return sp, nm, none, STATUS_UNDERFLOW, 0
        nm -= 1
        first = marks[nm]
        if width == 2 and (sp - first) % 2:
            return first, nm, none, STATUS_ODD, 0
        if not onto:
            return first, nm, none, STATUS_OK, 0
        if first == 0:
            return first, nm, none, STATUS_UNDERFLOW, 0
    target = stack[first - 1]
    if first < sp and target & 15 != kind:
        return first, nm, target, STATUS_TARGET, target & 15
    return first, nm, target, STATUS_OK, 0


@njit(cache=True, nogil=True)
def _use(h, lmeta, dmeta, tmeta):  # pragma: no cover - numba
    """Mark the container ``h`` (if it is one) as put somewhere; returns its
    depth (0 for a scalar)."""
    kind = h & 15
    i = h >> 4
    if kind == LIST:
        lmeta[i] |= 1
        return lmeta[i] >> 1
    if kind == DICT:
        dmeta[i] |= 1
        return dmeta[i] >> 1
    if kind == TUPLE:
        tmeta[i, 0] |= 1
        return tmeta[i, 0] >> 1
    return 0


@njit(cache=True, nogil=True)
def run_machine(data, flag, names, offsets, max_depth, budget):  # pragma: no cover
    """Run the pickle in ``data``; see the module documentation.

    Returns ``(status, position, aux, aux2, root, tables...)``: ``position``
    is where the opcode that failed starts, ``aux`` and ``aux2`` say more
    (the opcode, a string, a kind).  Every table grows by doubling, checked
    inline (a call that returns an array costs reference counting).
    """
    n = len(data)
    stack = np.zeros(1024, np.int64)
    sp = 0
    marks = np.zeros(64, np.int64)
    nm = 0
    memo = np.zeros(1024, np.int64)
    memo_count = 0
    wide = np.zeros(16, np.int64)
    nw = 0
    strs = np.zeros((256, 4), np.int64)  # start, length, escaped, key code (-2: not yet)
    ns = 0
    lmeta = np.zeros(256, np.int32)  # per container: depth * 2 + (put somewhere)
    nl = 0
    dmeta = np.zeros(256, np.int32)
    dcol = np.zeros((256, COLUMN_KEYS), np.int64)  # the column keys' values
    nd = 0
    tmeta = np.zeros((64, 3), np.int64)  # depth * 2 + put, items, hashable
    nt = 0
    run_list = np.zeros(256, np.int32)  # list items: runs appended by one opcode
    run_start = np.zeros(256, np.int64)
    nr = 0
    items = np.zeros(1024, np.int64)
    ni = 0
    row_dict = np.zeros(64, np.int32)  # dict values of the other keys
    row_key = np.zeros(64, np.int8)
    row_value = np.zeros(64, np.int64)
    nrow = 0
    early_dict = np.zeros(64, np.int32)  # the other keys of the first dicts
    early_key = np.zeros(64, np.int64)
    nu = 0
    p = 0
    root = np.int64(0)
    status = STATUS_OK
    aux = np.int64(0)
    aux2 = np.int64(0)
    start = 0
    steps = 0
    while True:
        steps += 1
        if (steps & (_CHECK_EVERY - 1)) == 0:
            if flag[0] != 0:
                status = STATUS_CANCELLED
                break
            if sp + memo_count + nw + ns + nl + nd + nt + ni + nrow > budget:
                status = STATUS_BUDGET
                break
        start = p
        if p >= n:
            status = STATUS_TRUNCATED
            break
        op = data[p]
        p += 1
        pushed = np.int64(0)  # the handle this opcode pushes (0: none)
        # The most frequent opcodes of a snapshot first.
        if op == 0x6A or op == 0x68:  # LONG_BINGET, BINGET
            width = 4 if op == 0x6A else 1
            if p + width > n:
                status = STATUS_TRUNCATED
                break
            index = _le(data, p, width)
            p += width
            if index >= len(memo) or memo[index] == UNSET:
                status, aux = STATUS_MEMO, index
                break
            pushed = memo[index]
        elif op == 0x94 or op == 0x71 or op == 0x72 or op == 0x70:
            # MEMOIZE, BINPUT, LONG_BINPUT, PUT
            if sp <= (marks[nm - 1] if nm > 0 else 0):
                status = STATUS_UNDERFLOW
                break
            if op == 0x94:
                index = np.int64(memo_count)
            elif op == 0x70:
                end = _line_end(data, p)
                if end < 0:
                    status = STATUS_TRUNCATED
                    break
                ok, fits, index = _decimal(data, p, end)
                if not ok or not fits or index < 0:
                    status, aux = STATUS_BAD_TEXT, np.int64(op)
                    break
                p = end + 1
            else:
                width = 1 if op == 0x71 else 4
                if p + width > n:
                    status = STATUS_TRUNCATED
                    break
                index = _le(data, p, width)
                if width == 4 and index >= 2**31:
                    status = STATUS_NEGATIVE
                    break
                p += width
            # A pickler numbers its memo from 0 on: an index far beyond the
            # entries set so far would only make the memo huge.
            if index > 2 * memo_count + 1024:
                status, aux = STATUS_MEMO, index
                break
            if index >= len(memo):
                memo = _grown(memo, index)
            if memo[index] == UNSET:
                memo_count += 1
            memo[index] = stack[sp - 1]
            continue
        elif op == 0x28:  # MARK
            if nm >= len(marks):
                marks = _grown(marks, nm)
            marks[nm] = sp
            nm += 1
            continue
        elif op == 0x7D:  # EMPTY_DICT
            if nd >= len(dmeta):
                dmeta = _grown(dmeta, nd)
                dcol = _grown(dcol, nd)
            pushed = (np.int64(nd) << 4) | DICT
            nd += 1
        elif op == 0x8A or op == 0x4B or op == 0x4D or op == 0x4A or op == 0x8B:
            # LONG1, BININT1, BININT2, BININT, LONG4
            if op == 0x8A or op == 0x8B:
                width = 1 if op == 0x8A else 4
                if p + width > n:
                    status = STATUS_TRUNCATED
                    break
                count = _le(data, p, width)
                if width == 4 and count >= 2**31:
                    status = STATUS_NEGATIVE
                    break
                p += width
                if p + count > n:
                    status = STATUS_TRUNCATED
                    break
                negative = count > 0 and data[p + count - 1] >= 0x80
                fits = True  # the bytes beyond the eighth only extend the sign
                for k in range(8, count):
                    if data[p + k] != (0xFF if negative else 0):
                        fits = False
                        break
                if fits and count > 8 and (data[p + 7] >= 0x80) != negative:
                    fits = False
                value = np.int64(0)
                if fits:
                    for k in range(min(count, 8)):
                        value |= np.int64(data[p + k]) << (8 * k)
                    if negative and count < 8:
                        value -= np.int64(1) << (8 * count)
                p += count
                if not fits:
                    pushed = BIG
                    value = _PAYLOAD_LIMIT  # not used
            else:
                count = 1 if op == 0x4B else (2 if op == 0x4D else 4)
                if p + count > n:
                    status = STATUS_TRUNCATED
                    break
                value = _le(data, p, count)
                if count == 4 and value >= 2**31:
                    value -= 2**32
                p += count
            if pushed == 0:
                if -_PAYLOAD_LIMIT <= value < _PAYLOAD_LIMIT:
                    pushed = (value << 4) | INT
                else:
                    if nw >= len(wide):
                        wide = _grown(wide, nw)
                    wide[nw] = value
                    pushed = (np.int64(nw) << 4) | WIDE
                    nw += 1
        elif op == 0x75 or op == 0x73 or op == 0x64:  # SETITEMS, SETITEM, DICT
            first, nm, target, status, aux = _operands(stack, sp, marks, nm, op == 0x73,
                                                       2, op == 0x75, DICT)
            if status != STATUS_OK:
                break
            if op == 0x64:
                if nd >= len(dmeta):
                    dmeta = _grown(dmeta, nd)
                    dcol = _grown(dcol, nd)
                target = (np.int64(nd) << 4) | DICT
                nd += 1
            elif first == sp:
                continue  # nothing to add (the unpickler does not look at the target)
            own = target >> 4
            if dmeta[own] & 1:
                status = STATUS_CYCLE
                break
            depth = dmeta[own] >> 1
            for k in range(first, sp, 2):
                key = stack[k]
                value = stack[k + 1]
                kind = key & 15
                if kind == LIST or kind == DICT or (
                        kind == TUPLE and tmeta[key >> 4, 2] == 0):
                    status, aux = STATUS_UNHASHABLE, np.int64(kind)
                    break
                if kind == TUPLE and tmeta[key >> 4, 1] > MAX_KEY_ITEMS:
                    status = STATUS_KEY_ITEMS
                    break
                if key != target:
                    depth = max(depth, _use(key, lmeta, dmeta, tmeta) + 1)
                if value != target:  # a dict may hold itself
                    depth = max(depth, _use(value, lmeta, dmeta, tmeta) + 1)
                if kind != STR:
                    continue
                s = key >> 4
                if strs[s, 3] == -2:
                    strs[s, 3] = _key_code(data, strs[s, 0], strs[s, 1], strs[s, 2] != 0,
                                           names, offsets)
                code = strs[s, 3]
                if 0 <= code < COLUMN_KEYS:
                    dcol[own, code] = value
                elif code >= 0:
                    if nrow >= len(row_dict):
                        row_dict = _grown(row_dict, nrow)
                        row_key = _grown(row_key, nrow)
                        row_value = _grown(row_value, nrow)
                    row_dict[nrow] = own
                    row_key[nrow] = code
                    row_value[nrow] = value
                    nrow += 1
                elif own < 16 and nu < 64:  # for messages about the top dict
                    early_dict[nu] = own
                    early_key[nu] = s
                    nu += 1
            if status != STATUS_OK:
                break
            if depth > max_depth:
                status = STATUS_DEPTH
                break
            dmeta[own] = depth << 1
            sp = first
            if op != 0x64:
                continue
            pushed = target
        elif op == 0x65 or op == 0x61 or op == 0x6C:  # APPENDS, APPEND, LIST
            first, nm, target, status, aux = _operands(stack, sp, marks, nm, op == 0x61,
                                                       1, op == 0x65, LIST)
            if status != STATUS_OK:
                break
            if op == 0x6C:
                if nl >= len(lmeta):
                    lmeta = _grown(lmeta, nl)
                target = (np.int64(nl) << 4) | LIST
                nl += 1
            elif first == sp:
                continue  # nothing to add (the unpickler does not look at the target)
            own = target >> 4
            if first < sp:
                if lmeta[own] & 1:
                    status = STATUS_CYCLE
                    break
                depth = lmeta[own] >> 1
                if ni + sp - first >= len(items):
                    items = _grown(items, ni + sp - first)
                for k in range(first, sp):
                    h = stack[k]
                    if h != target:  # a list may hold itself
                        depth = max(depth, _use(h, lmeta, dmeta, tmeta) + 1)
                    items[ni + k - first] = h
                if depth > max_depth:
                    status = STATUS_DEPTH
                    break
                lmeta[own] = depth << 1
                # A run of items per opcode, joined to the last one if it
                # continues the same list.
                if nr == 0 or run_list[nr - 1] != own:
                    if nr >= len(run_list):
                        run_list = _grown(run_list, nr)
                        run_start = _grown(run_start, nr)
                    run_list[nr] = own
                    run_start[nr] = ni
                    nr += 1
                ni += sp - first
            sp = first
            if op != 0x6C:
                continue
            pushed = target
        elif op == 0x5D:  # EMPTY_LIST
            if nl >= len(lmeta):
                lmeta = _grown(lmeta, nl)
            pushed = (np.int64(nl) << 4) | LIST
            nl += 1
        elif op == 0x8C or op == 0x58 or op == 0x8D or op == 0x56:
            # SHORT_BINUNICODE, BINUNICODE, BINUNICODE8, UNICODE
            escaped = 0
            if op == 0x56:  # raw-unicode-escape text up to a newline
                end = _line_end(data, p)
                if end < 0:
                    status = STATUS_TRUNCATED
                    break
                first, length = p, end - p
                p = end + 1
                escaped = 1
                if not _escaped_ok(data, first, first + length):
                    status, aux = STATUS_BAD_TEXT, np.int64(op)
                    break
            else:
                width = 1 if op == 0x8C else (4 if op == 0x58 else 8)
                if p + width > n:
                    status = STATUS_TRUNCATED
                    break
                length = _le(data, p, width)
                p += width
                if length < 0 or p + length > n:
                    status = STATUS_TRUNCATED
                    break
                first = p
                p += length
                if not _utf8_ok(data, first, first + length):
                    status, aux = STATUS_BAD_TEXT, np.int64(op)
                    break
            if ns >= len(strs):
                strs = _grown(strs, ns)
            strs[ns, 0] = first
            strs[ns, 1] = length
            strs[ns, 2] = escaped
            strs[ns, 3] = -2
            pushed = (np.int64(ns) << 4) | STR
            ns += 1
        elif op == 0x95:  # FRAME: its contents follow, read as they come
            if p + 8 > n:
                status = STATUS_TRUNCATED
                break
            length = _le(data, p, 8)
            p += 8
            if length < 0 or p + length > n:
                status = STATUS_TRUNCATED
                break
            continue
        elif op == 0x80:  # PROTO
            if p >= n:
                status = STATUS_TRUNCATED
                break
            if data[p] > 5:
                status, aux = STATUS_PROTOCOL, np.int64(data[p])
                break
            p += 1
            continue
        elif op == 0x2E:  # STOP
            if sp <= (marks[nm - 1] if nm > 0 else 0):
                status = STATUS_UNDERFLOW
                break
            root = stack[sp - 1]
            break
        elif op == 0x4E:  # NONE
            pushed = NONE
        elif op == 0x88 or op == 0x89:  # NEWTRUE, NEWFALSE
            pushed = ((1 if op == 0x88 else 0) << 4) | BOOL
        elif op == 0x47:  # BINFLOAT
            if p + 8 > n:
                status = STATUS_TRUNCATED
                break
            p += 8
            pushed = FLOAT
        elif op == 0x29 or op == 0x74 or op == 0x85 or op == 0x86 or op == 0x87:
            # EMPTY_TUPLE, TUPLE, TUPLE1-3
            if op == 0x74:
                if nm == 0:
                    status = STATUS_UNDERFLOW
                    break
                nm -= 1
                first = marks[nm]
            else:
                first = sp - (0 if op == 0x29 else op - 0x84)
                if first < (marks[nm - 1] if nm > 0 else 0):
                    status = STATUS_UNDERFLOW
                    break
            if nt >= len(tmeta):
                tmeta = _grown(tmeta, nt)
            depth, count, hashable = np.int64(0), np.int64(0), np.int64(1)
            for k in range(first, sp):
                h = stack[k]
                kind = h & 15
                if kind == LIST or kind == DICT:
                    hashable = 0
                elif kind == TUPLE:
                    count = min(count + tmeta[h >> 4, 1], 2**40)
                    hashable &= tmeta[h >> 4, 2]
                depth = max(depth, _use(h, lmeta, dmeta, tmeta) + 1)
                count = min(count + 1, 2**40)
            if depth > max_depth:
                status = STATUS_DEPTH
                break
            tmeta[nt, 0] = depth << 1
            tmeta[nt, 1] = count
            tmeta[nt, 2] = hashable
            sp = first
            pushed = (np.int64(nt) << 4) | TUPLE
            nt += 1
        elif op == 0x30:  # POP
            if nm > 0 and marks[nm - 1] == sp:
                nm -= 1
            elif sp <= (marks[nm - 1] if nm > 0 else 0):
                status = STATUS_UNDERFLOW
                break
            else:
                sp -= 1
            continue
        elif op == 0x31:  # POP_MARK
            if nm == 0:
                status = STATUS_UNDERFLOW
                break
            nm -= 1
            sp = marks[nm]
            continue
        elif op == 0x32:  # DUP
            if sp <= (marks[nm - 1] if nm > 0 else 0):
                status = STATUS_UNDERFLOW
                break
            pushed = stack[sp - 1]
        elif op == 0x49 or op == 0x4C:  # INT, LONG (text)
            end = _line_end(data, p)
            if end < 0:
                status = STATUS_TRUNCATED
                break
            if op == 0x49 and end - p == 2 and data[p] == 48 and (data[p + 1] == 48
                                                                  or data[p + 1] == 49):
                pushed = (np.int64(data[p + 1] - 48) << 4) | BOOL  # "00", "01"
            else:
                ok, fits, value = _decimal(data, p, end)
                if not ok:
                    status, aux = STATUS_BAD_TEXT, np.int64(op)
                    break
                if not fits:
                    pushed = BIG
                elif -_PAYLOAD_LIMIT <= value < _PAYLOAD_LIMIT:
                    pushed = (value << 4) | INT
                else:
                    if nw >= len(wide):
                        wide = _grown(wide, nw)
                    wide[nw] = value
                    pushed = (np.int64(nw) << 4) | WIDE
                    nw += 1
            p = end + 1
        elif op == 0x46:  # FLOAT (text)
            end = _line_end(data, p)
            if end < 0:
                status = STATUS_TRUNCATED
                break
            p = end + 1
            pushed = FLOAT
        elif op == 0x67:  # GET (text)
            end = _line_end(data, p)
            if end < 0:
                status = STATUS_TRUNCATED
                break
            ok, fits, index = _decimal(data, p, end)
            if not ok or not fits:
                status, aux = STATUS_BAD_TEXT, np.int64(op)
                break
            p = end + 1
            if index < 0 or index >= len(memo) or memo[index] == UNSET:
                status, aux = STATUS_MEMO, index
                break
            pushed = memo[index]
        # ---- everything that is not plain data --------------------------------
        elif op == 0x63 or op == 0x69:  # GLOBAL, INST: "module\nname\n"
            end = _line_end(data, p)
            if end < 0 or _line_end(data, end + 1) < 0:
                status = STATUS_TRUNCATED
            else:
                status, aux = STATUS_GLOBAL, np.int64(p)
            break
        elif op == 0x93:  # STACK_GLOBAL
            status = STATUS_STACK_GLOBAL
            aux = stack[sp - 2] if sp >= 2 else 0
            aux2 = stack[sp - 1] if sp >= 1 else 0
            break
        elif op == 0x50 or op == 0x51:  # PERSID, BINPERSID
            status = STATUS_PERSISTENT
            break
        elif op == 0x82 or op == 0x83 or op == 0x84:  # EXT1, EXT2, EXT4
            status = STATUS_EXTENSION
            break
        elif _not_plain(op) >= 0:
            status, aux = STATUS_NOT_PLAIN, _not_plain(op)
            break
        else:  # REDUCE, BUILD, OBJ, NEWOBJ, NEWOBJ_EX and unknown opcodes
            status, aux = STATUS_BAD_OPCODE, np.int64(op)
            break
        if sp >= len(stack):
            stack = _grown(stack, sp)
        stack[sp] = pushed
        sp += 1
    return (status, start, aux, aux2, root, wide[:nw], strs[:ns], nl, dcol[:nd],
            tmeta[:nt], run_list[:nr], run_start[:nr], items[:ni], row_dict[:nrow],
            row_key[:nrow], row_value[:nrow], early_dict[:nu], early_key[:nu])
