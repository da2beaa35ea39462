"""The numba kernel: MiniMalloc's depth-first search over canonical solutions.

Everything the search runs is in this file, compiled with ``cache=True``.
The public side (:mod:`minimalloc.search.solver`) sweeps the problem, packs it into
int64 arrays and calls :func:`run`; nothing here allocates per node except
when a pool has to grow.

Take the five-buffer example at capacity 12 (sizes all 4)::

    b1 [0, 3)   b2 [3, 9)   b3 [0, 9)   b4 [9, 21)   b5 [0, 21)

    12 +--------+-----------------+
       |   b1   |       b2        |            (offsets 8, 8)
     8 +--------+-----------------+------------------------------+
       |          b3              |              b4              |
     4 +--------------------------+------------------------------+
       |                           b5                            |
     0 +---------------------------------------------------------+
       0        3                 9                              21

Sections: ``{b1, b3, b5}`` until 3, ``{b2, b3, b5}`` until 9, ``{b4, b5}``
until 21; one partition; cuts ``[2, 1]`` (b3 and b5 cross the first
boundary, b5 the second).  Heuristic ``WAT`` sorts by width: b5, b4, b3, b2,
b1.  The root sees every buffer at offset 0 and tries them in that order:

1. b5 at 0 raises the others to 4; both cuts drop, the second to zero, so
   the rest splits into sections 0-1 ``{b3, b2, b1}`` and section 2 ``{b4}``.
2. Left piece (fresh preorder b3, b2, b1): b3 at 4 raises b2 and b1 to 8 and
   zeroes the first cut: pieces ``{b1}`` and ``{b2}``, each placed at 8.
3. Right piece: b4 at 4.

Eight nodes (the root, four roots of pieces, three leaves), no backtrack,
offsets ``8, 8, 4, 4, 0``: ``tests/search/test_trace.py`` checks every event
of this walk (docs/algorithm.md tells it with the search state).

What :func:`run` receives for this example, as :mod:`minimalloc.search.solver`
builds it (buffers b1..b5 are indices 0..4; ``|`` separates CSR rows)::

    capacity   = 12
    flags      = [1, 1, 1, 1, 1, 1, 1, 1, 1]     # every technique on
    heuristics = [[6, 0, 4], [4, 0, 6], [4, 6, 0]], heuristic_lengths = [3, 3, 3]
                                                 # WAT TAW TWA as columns of buf_keys
    round_robin = True
    buf        = (size [4, 4, 4, 4, 4], alignment [1, 1, 1, 1, 1],
                  fixed [-1, -1, -1, -1, -1])
    buf_keys   =  A   C  L  O  T   U   W  Z      # T (column 4) is filled per context
             b1 [12,  1, 0, 2, 0,  3,  3, 4]
             b2 [24,  1, 3, 2, 0,  9,  6, 4]
             b3 [36,  2, 0, 3, 0,  9,  9, 4]
             b4 [48,  1, 9, 1, 0, 21, 12, 4]
             b5 [84,  3, 0, 4, 0, 21, 21, 4]
    sw         = section_ptr [0, 3, 6, 8], section_buffers [0, 2, 4 | 4, 2, 1 | 4, 3],
                 span_ptr [0, 1, 2, 3, 4, 5], span_lo [0, 1, 0, 2, 0],
                 span_hi [1, 2, 2, 3, 3], span_wlo [0] * 5, span_whi [4] * 5,
                 first_section [0, 1, 0, 2, 0], last_section [1, 2, 2, 3, 3],
                 overlap_ptr [0, 2, 4, 7, 8, 12],
                 overlap_buffer [2, 4 | 2, 4 | 0, 1, 4 | 4 | 0, 1, 2, 3],
                 overlap_size [4] * 12
    partitions = ptr [0, 5], buffers [0, 2, 4, 1, 3], lo [0], hi [3]
    state      = min_offset [0] * 5, offset [-1] * 5, solution [-1] * 5,
                 floor [0, 0, 0], total [12, 12, 8], cuts [2, 1]

``stats``, ``control``, ``rounds`` and ``trace`` are outputs: here the stats
count 8 nodes and 0 backtracks, ``rounds`` gets one row ``(1, 0, 10, 8, OK)``
(round 1, heuristic WAT, a budget of 10 nodes, 8 used) and ``state``'s
solution becomes ``[8, 8, 4, 4, 0]``.

The recursion of the reference (search -> decompose -> sub-solve -> search)
runs here as a loop over an explicit stack of frames, so that the depth of a
search is bounded by memory, not by a thread's stack:

* a NODE frame is one search node: its candidate ordering (in the ordering
  pool), the candidate it is trying, and the trail marks to undo it;
* a SPLIT frame is a dynamic decomposition: the cut points and the piece
  being solved; each piece gets a fresh *context* (its buffers in preorder
  and its section range) and a root NODE.

Undo is exact: raised lowest offsets and changed floors go on trails
(index, old value) and are replayed in reverse; section totals and cuts are
restored by adding back what was subtracted.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from minimalloc.search.scratch import grow

# Outcomes of a search, as the reference's status codes.
OK = 0  # a solution was found
NOT_FOUND = 1  # proven: no solution below this node
ABORTED = 2  # the round robin's node budget ran out
DEADLINE = 3  # the time limit passed or a cancel was requested

# The switches, as indices into the flags array.
CANONICAL_ONLY = 0
SECTION_INFERENCE = 1
DYNAMIC_ORDERING = 2
CHECK_DOMINANCE = 3
UNALLOCATED_FLOOR = 4
STATIC_PREORDERING = 5
DYNAMIC_DECOMPOSITION = 6
MONOTONIC_FLOOR = 7
HATLESS_PRUNING = 8
# Not a technique: set when no buffer has gaps and both monotonic floor and
# section inference are on; the check is then decided once per node (see
# _offset_limit) instead of once per placement.
QUICK_CHECK = 9
NUM_FLAGS = 10

# Counters, as indices into the stats array.
NODES = 0
BACKTRACKS = 1
PRUNE_CANONICAL = 2
PRUNE_DOMINANCE = 3
PRUNE_FIXED = 4
PRUNE_INFERENCE = 5
PRUNE_HATLESS = 6
DECOMPOSITIONS = 7
MAX_DEPTH = 8
PLACEMENTS = 9
TRACE_WANTED = 10  # events the search produced (more than recorded: trace cut)
NUM_STATS = 11

# Preordering keys, as columns of the keys matrix ("T" is filled per context).
KEY_LETTERS = "ACLOTUWZ"
KEY_T = 4

# The control array, shared with other threads while the kernel runs.
CONTROL_STOP = 0  # set non-zero (by a timer or a cancel) to stop the search
CONTROL_NODES = 1  # nodes visited so far, for progress displays

# Trace events: (event, a, b, c).
EV_NODE = 1  # depth, number of candidates, -
EV_PLACE = 2  # buffer, offset, depth
EV_SKIP = 3  # buffer, offset, rule (0 canonical, 1 dominance, 2 fixed offset)
EV_PRUNE = 4  # buffer, offset, section whose floor + total exceeded capacity
#   (-1: the buffer's own top, offset + size, exceeded it)
EV_FIXED_FAIL = 5  # buffer, offset, fixed buffer pushed above its offset
EV_UNDO = 6  # buffer, offset, -
EV_BACKTRACK = 7  # depth, -, -
EV_HATLESS = 8  # buffer, offset, candidates left untried
EV_DECOMPOSE = 9  # buffer, number of pieces, first cut section
EV_PIECE = 10  # first section, end section, number of buffers
EV_LEAF = 11  # depth, -, -
EV_ROUND = 12  # heuristic index, node limit, round
EV_ROUND_END = 13  # heuristic index, outcome, nodes used

_NODE = 0
_SPLIT = 1
_INF = np.int64(2**62)


@nb.njit(cache=True)
def _emit(trace, stats, event, a, b, c):
    n = stats[TRACE_WANTED]
    if n < trace.shape[0]:
        trace[n, 0] = event
        trace[n, 1] = a
        trace[n, 2] = b
        trace[n, 3] = c
    stats[TRACE_WANTED] = n + 1


# ---------------------------------------------------------------- preordering


@nb.njit(cache=True)
def _pre_less(a, b, keys, tkey, letters, num_letters):
    """Whether buffer ``a`` comes before ``b``: each letter's key descending,
    ties to the next letter, last by index ascending."""
    for i in range(num_letters):
        column = letters[i]
        if column == KEY_T:
            ka, kb = tkey[a], tkey[b]
        else:
            ka, kb = keys[a, column], keys[b, column]
        if ka != kb:
            return ka > kb
    return a < b


@nb.njit(cache=True)
def _sort_preorder(items, count, scratch, keys, tkey, letters, num_letters):
    """Bottom-up merge sort of ``items[:count]`` by :func:`_pre_less`."""
    width = 1
    src, dst = items, scratch
    while width < count:
        for lo in range(0, count, 2 * width):
            mid = min(lo + width, count)
            hi = min(lo + 2 * width, count)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if _pre_less(src[j], src[i], keys, tkey, letters, num_letters):
                    dst[k] = src[j]
                    j += 1
                else:
                    dst[k] = src[i]
                    i += 1
                k += 1
            while i < mid:
                dst[k] = src[i]
                i += 1
                k += 1
            while j < hi:
                dst[k] = src[j]
                j += 1
                k += 1
        src, dst = dst, src
        width *= 2
    if src is not items:
        items[:count] = src[:count]


@nb.njit(cache=True)
def _largest_total(b, span_ptr, span_lo, span_hi, total):
    """The ``T`` key: the largest section total among the sections ``b`` spans."""
    best = 0
    for k in range(span_ptr[b], span_ptr[b + 1]):
        for s in range(span_lo[k], span_hi[k]):
            if total[s] > best:
                best = total[s]
    return best


# ---------------------------------------------------------------- ordering


@nb.njit(cache=True)
def _key_less(off_a, pre_a, off_b, pre_b):
    return off_a < off_b or (off_a == off_b and pre_a < pre_b)


@nb.njit(cache=True)
def _merge_pairs(a_off, a_pre, i, a_end, b_off, b_pre, j, b_end, out_off, out_pre, k):
    """Merge the sorted runs ``a[i:a_end]`` and ``b[j:b_end]`` of (offset,
    preorder) pairs into ``out`` from ``k``; on equal keys ``a`` goes first
    (keys are unique where the search merges, so the order is the same)."""
    while i < a_end and j < b_end:
        if _key_less(b_off[j], b_pre[j], a_off[i], a_pre[i]):
            out_off[k], out_pre[k] = b_off[j], b_pre[j]
            j += 1
        else:
            out_off[k], out_pre[k] = a_off[i], a_pre[i]
            i += 1
        k += 1
    while i < a_end:
        out_off[k], out_pre[k] = a_off[i], a_pre[i]
        i += 1
        k += 1
    while j < b_end:
        out_off[k], out_pre[k] = b_off[j], b_pre[j]
        j += 1
        k += 1


@nb.njit(cache=True)
def _sort_pairs(off, pre, count, tmp_off, tmp_pre):
    """Merge sort of ``(off, pre)[:count]`` by (offset, preorder)."""
    if count < 24:  # insertion sort: the common case is a handful of moves
        for i in range(1, count):
            o, p = off[i], pre[i]
            j = i
            while j > 0 and _key_less(o, p, off[j - 1], pre[j - 1]):
                off[j] = off[j - 1]
                pre[j] = pre[j - 1]
                j -= 1
            off[j] = o
            pre[j] = p
        return
    width = 1
    while width < count:
        for lo in range(0, count, 2 * width):
            mid = min(lo + width, count)
            hi = min(lo + 2 * width, count)
            _merge_pairs(off, pre, lo, mid, off, pre, mid, hi, tmp_off, tmp_pre, lo)
        off[:count] = tmp_off[:count]
        pre[:count] = tmp_pre[:count]
        width *= 2


@nb.njit(cache=True)
def _compute_ordering(ord_off, ord_pre, parent, parent_len, child, fresh, ctx_start,
                      ctx_buf, offset, min_offset, dynamic, tmp):
    """The unplaced buffers of a context sorted by (lowest offset, preorder),
    written at ``child`` in the ordering pool; returns how many.

    A child's ordering is the parent's with the placed buffer gone and some
    lowest offsets raised.  The unraised ones keep their relative order, so
    only the raised ones need sorting, then one merge: O(n + k log k) instead
    of the reference's full sort, with the same result (keys are unique).
    """
    a_off, a_pre, b_off, b_pre, s_off, s_pre = tmp
    num_a = 0
    num_b = 0
    for i in range(parent_len):
        pre = ord_pre[parent + i]
        buf = ctx_buf[ctx_start + pre]
        if offset[buf] >= 0:
            continue
        now = min_offset[buf]
        if not dynamic:
            ord_off[child + num_a] = now
            ord_pre[child + num_a] = pre
            num_a += 1
        elif not fresh and now == ord_off[parent + i]:
            a_off[num_a] = now
            a_pre[num_a] = pre
            num_a += 1
        else:
            b_off[num_b] = now
            b_pre[num_b] = pre
            num_b += 1
    if not dynamic:
        return num_a
    _sort_pairs(b_off, b_pre, num_b, s_off, s_pre)
    _merge_pairs(a_off, a_pre, 0, num_a, b_off, b_pre, 0, num_b, ord_off, ord_pre, child)
    return num_a + num_b


# ---------------------------------------------------------------- placement


@nb.njit(cache=True)
def _undone(trace, stats, b, o, hatless_cut, untried):
    """Count and record that placing ``b`` at ``o`` failed and was undone;
    True when the hatless rule then cuts the ``untried`` candidates left."""
    if trace is not None:
        _emit(trace, stats, EV_UNDO, b, o, 0)
    if hatless_cut:
        stats[PRUNE_HATLESS] += 1
        if trace is not None:
            _emit(trace, stats, EV_HATLESS, b, o, untried)
    return hatless_cut


@nb.njit(cache=True)
def _raise_min_offsets(b, o, sw, buf, state, off_trail, off_top):
    """Place ``b`` at ``o`` and raise the lowest offsets of unplaced buffers
    that overlap it (each raise goes on the trail).  Returns (new trail top,
    hatless, a fixed buffer pushed above its offset or -1)."""
    size, alignment, fixed = buf
    overlap_ptr, overlap_buffer, overlap_size = sw[9], sw[10], sw[11]
    min_offset, offset = state[0], state[1]
    trail_buf, trail_val = off_trail
    offset[b] = o
    hatless = True
    fixed_fail = -1
    for k in range(overlap_ptr[b], overlap_ptr[b + 1]):
        x = overlap_buffer[k]
        if offset[x] >= 0:
            continue
        hatless = False
        height = o + overlap_size[k]
        if min_offset[x] >= height:
            continue
        trail_buf[off_top] = x
        trail_val[off_top] = min_offset[x]
        off_top += 1
        rest = height % alignment[x]
        if rest > 0:
            height += alignment[x] - rest
        min_offset[x] = height
        if fixed[x] >= 0 and height > fixed[x]:
            fixed_fail = x
    return off_top, hatless, fixed_fail


@nb.njit(cache=True)
def _update_sections(b, o, sw, state, sec_trail_s, sec_trail_v, sec_top):
    """After placing ``b`` at ``o``, its sections' floors go to its top and
    their totals drop by its extent."""
    span_ptr, span_lo, span_hi, span_wlo, span_whi = sw[2], sw[3], sw[4], sw[5], sw[6]
    floor, total = state[3], state[4]
    for q in range(span_ptr[b], span_ptr[b + 1]):
        top = o + span_whi[q]
        width = span_whi[q] - span_wlo[q]
        for s in range(span_lo[q], span_hi[q]):
            sec_trail_s[sec_top] = s
            sec_trail_v[sec_top] = floor[s]
            sec_top += 1
            floor[s] = top
            total[s] -= width
    return sec_top


@nb.njit(cache=True)
def _raise_floors(o, sw, state, off_trail, off_from, off_top, stamp, mark, witness,
                  sec_trail_s, sec_trail_v, sec_top, capacity, monotonic, inference):
    """Unallocated floor: every section spanned by a buffer whose lowest
    offset was just raised (trail entries ``off_from:off_top``) gets its
    floor raised to the lowest offset of its unplaced buffers.

    Floors only rise here, so the caller checks every section before this
    step, and this step re-checks only the sections it raises: a placement
    fails exactly when the reference's check after the full update fails.
    Most sections need no raise: one unplaced buffer at or below the floor
    settles it, so the scan stops there, and ``witness[s]`` remembers that
    buffer to try first next time (a hint only: it is checked before use).
    Returns (new trail top, first failing section or -1).
    """
    section_ptr, section_buffers = sw[0], sw[1]
    span_ptr, span_lo, span_hi = sw[2], sw[3], sw[4]
    min_offset, offset, floor, total = state[0], state[1], state[3], state[4]
    trail_buf = off_trail[0]
    bad = -1
    for i in range(off_from, off_top):
        x = trail_buf[i]
        for q in range(span_ptr[x], span_ptr[x + 1]):
            for s in range(span_lo[q], span_hi[q]):
                if stamp[s] == mark:
                    continue
                stamp[s] = mark
                current = floor[s]
                w = witness[s]
                if offset[w] < 0 and min_offset[w] <= current:
                    continue
                lowest = _INF
                for k in range(section_ptr[s], section_ptr[s + 1]):
                    y = section_buffers[k]
                    if offset[y] < 0 and min_offset[y] < lowest:
                        lowest = min_offset[y]
                        if lowest <= current:
                            witness[s] = y
                            break
                if lowest == _INF or current >= lowest:
                    continue
                sec_trail_s[sec_top] = s
                sec_trail_v[sec_top] = floor[s]
                sec_top += 1
                floor[s] = lowest
                f = lowest
                if monotonic and f < o:
                    f = o
                if inference:
                    f += total[s]
                if bad < 0 and capacity < f:
                    bad = s
    return sec_top, bad


@nb.njit(cache=True)
def _undo(b, sw, state, off_trail, off_from, off_top, sec_trail_s, sec_trail_v,
          sec_from, sec_top):
    """Exactly reverse a placement of ``b``."""
    span_ptr, span_lo, span_hi, span_wlo, span_whi = sw[2], sw[3], sw[4], sw[5], sw[6]
    min_offset, offset, floor, total = state[0], state[1], state[3], state[4]
    for i in range(sec_top - 1, sec_from - 1, -1):
        floor[sec_trail_s[i]] = sec_trail_v[i]
    for q in range(span_ptr[b], span_ptr[b + 1]):
        width = span_whi[q] - span_wlo[q]
        for s in range(span_lo[q], span_hi[q]):
            total[s] += width
    trail_buf, trail_val = off_trail
    for i in range(off_top - 1, off_from - 1, -1):
        min_offset[trail_buf[i]] = trail_val[i]
    offset[b] = -1


@nb.njit(cache=True)
def _check(sec_lo, sec_hi, o, floor, total, capacity, monotonic, inference):
    """Spatial inference: the first section whose floor (at least ``o``) plus
    what is still to place there exceeds the capacity, or -1."""
    for s in range(sec_lo, sec_hi):
        f = floor[s]
        if monotonic and f < o:
            f = o
        if inference:
            f += total[s]
        if capacity < f:
            return s
    return -1


@nb.njit(cache=True)
def _offset_limit(sec_lo, sec_hi, floor, total, capacity):
    """The highest offset at which a placement passes the check, or -1.

    With monotonic floor and section inference, the check after placing
    ``b`` at ``o`` fails exactly when some section ``s`` of the context has
    ``max(floor[s], o) + total[s] > capacity`` *before* the placement, when
    no buffer has gaps: a section ``b`` does not span is unchanged, and one
    it spans gets floor ``o + size[b]`` and total ``total[s] - size[b]``, the
    same sum ``o + total[s]``, while its old floor is at most ``o`` (every
    buffer placed there overlaps ``b`` and pushed it above its top, and a
    floor raised to the lowest offset of a section's unplaced buffers is at
    most ``b``'s).  So the check fails exactly when ``o`` exceeds
    ``capacity - max(total)``, or always when ``max(floor + total)`` does.
    Computed once per node: most placements fail this way, and then cost
    nothing but this comparison.
    """
    worst = 0
    most = 0
    for s in range(sec_lo, sec_hi):
        t = total[s]
        if floor[s] + t > worst:
            worst = floor[s] + t
        if t > most:
            most = t
    if worst > capacity:
        return np.int64(-1)
    return capacity - most


@nb.njit(cache=True)
def _quick_reject(b, o, sw, buf, state, has_fixed):
    """What placing ``b`` at ``o`` would have reported, for a placement that
    fails the check: (a fixed buffer pushed above its offset or -1, hatless),
    without changing anything."""
    alignment, fixed = buf[1], buf[2]
    overlap_ptr, overlap_buffer, overlap_size = sw[9], sw[10], sw[11]
    min_offset, offset = state[0], state[1]
    hatless = True
    fixed_fail = -1
    for k in range(overlap_ptr[b], overlap_ptr[b + 1]):
        x = overlap_buffer[k]
        if offset[x] >= 0:
            continue
        hatless = False
        if not has_fixed:
            break
        height = o + overlap_size[k]
        if fixed[x] < 0 or min_offset[x] >= height:
            continue
        rest = height % alignment[x]
        if rest > 0:
            height += alignment[x] - rest
        if height > fixed[x]:
            fixed_fail = x
    return fixed_fail, hatless


@nb.njit(cache=True)
def _canonical_start(ord_off, ord_pre, start, count, min_off, min_pre):
    """How many candidates of a sorted ordering come before ``(min_off,
    min_pre)``: those the canonical rule skips."""
    lo, hi = 0, count
    while lo < hi:
        mid = (lo + hi) // 2
        if _key_less(ord_off[start + mid], ord_pre[start + mid], min_off, min_pre):
            lo = mid + 1
        else:
            hi = mid
    return lo


# ---------------------------------------------------------------- the search


@nb.njit(cache=True)
def _new_context(members, count, sec_lo, sec_hi, ctx, pools, buf_keys, sw, state,
                 letters, num_letters, static_preordering, tkey, scratch):
    """Push a context: ``members[:count]`` in preorder, over ``[sec_lo, sec_hi)``."""
    ctx_start, ctx_len, ctx_lo, ctx_hi, ctx_top = ctx
    ctx_buf = pools[2]
    start = 0
    if ctx_top[0] > 0:
        start = ctx_start[ctx_top[0] - 1] + ctx_len[ctx_top[0] - 1]
    ctx_buf = grow(ctx_buf, start + count)
    for i in range(count):
        x = members[i]
        ctx_buf[start + i] = x
        tkey[x] = _largest_total(x, sw[2], sw[3], sw[4], state[4])
    if static_preordering:
        _sort_preorder(ctx_buf[start:start + count], count, scratch, buf_keys, tkey,
                       letters, num_letters)
    c = ctx_top[0]
    ctx_start[c] = start
    ctx_len[c] = count
    ctx_lo[c] = sec_lo
    ctx_hi[c] = sec_hi
    ctx_top[0] = c + 1
    return (pools[0], pools[1], ctx_buf, pools[3], pools[4])


@nb.njit(cache=True)
def search_partition(members, count, sec_lo, sec_hi, capacity, flags, letters,
                     num_letters, node_budget, buf, buf_keys, sw, state, work, pools,
                     stats, control, trace):
    """Solve one partition from scratch (the reference's SubSolve), iteratively.

    Returns (outcome, nodes left in the budget, pools): the pools may have
    been reallocated larger.
    """
    size, alignment, fixed = buf
    first_section, last_section = sw[7], sw[8]
    min_offset, offset, solution, floor, total, cuts = state
    (f_kind, f_ctx, f_start, f_len, f_pos, f_height, f_min_off, f_min_pre, f_buf,
     f_off_from, f_sec_from, f_hatless, f_decomp, f_cut_start, f_cut_len,
     f_limit) = work[0]
    off_trail = work[1]
    ctx = work[2]
    stamp, mark, members_tmp, tkey, scratch, cut_pool, witness = work[3]
    order_tmp = work[4]
    canonical = flags[CANONICAL_ONLY] != 0
    inference = flags[SECTION_INFERENCE] != 0
    dynamic = flags[DYNAMIC_ORDERING] != 0
    dominance = flags[CHECK_DOMINANCE] != 0
    unallocated_floor = flags[UNALLOCATED_FLOOR] != 0
    static_preordering = flags[STATIC_PREORDERING] != 0
    decomposition = flags[DYNAMIC_DECOMPOSITION] != 0
    monotonic = flags[MONOTONIC_FLOOR] != 0
    # Hatless pruning cuts the candidates after a failed hatless one, which
    # is sound only when those come later in (offset, preorder) order: with
    # dynamic ordering.  Without it a later candidate may sit lower, and the
    # reference's cut there can lose every solution.
    hatless_pruning = flags[HATLESS_PRUNING] != 0 and dynamic
    quick = flags[QUICK_CHECK] != 0 and monotonic and inference
    has_fixed = False
    for i in range(count):
        if fixed[members[i]] >= 0:
            has_fixed = True
    ctx_start, ctx_len, ctx_lo, ctx_hi, ctx_top = ctx

    ctx_top[0] = 0
    pools = _new_context(members, count, sec_lo, sec_hi, ctx, pools, buf_keys, sw,
                         state, letters, num_letters, static_preordering, tkey, scratch)
    ord_off, ord_pre, ctx_buf, sec_trail_s, sec_trail_v = pools
    nodes_left = node_budget
    off_top = 0
    sec_top = 0
    cut_top = 0
    depth = 0  # buffers placed in this partition so far
    top = 0  # frames on the stack
    f_kind[0] = _NODE
    f_ctx[0] = 0
    f_start[0] = 0
    f_len[0] = -1  # -1: a context's root, ordering not computed yet
    f_min_off[0] = 0
    f_min_pre[0] = 0
    top = 1
    ret = -1  # -1 while entering a frame; else the outcome of the frame just left
    while top > 0:
        f = top - 1
        if f_kind[f] == _NODE:
            c = f_ctx[f]
            cstart = ctx_start[c]
            if ret == -1:
                # ---- entering a node
                if nodes_left <= 0:
                    ret = ABORTED
                    top -= 1
                    continue
                nodes_left -= 1
                stats[NODES] += 1
                control[CONTROL_NODES] = stats[NODES]
                if control[CONTROL_STOP] != 0:
                    ret = DEADLINE
                    top -= 1
                    continue
                if depth > stats[MAX_DEPTH]:
                    stats[MAX_DEPTH] = depth
                fresh = f_len[f] < 0
                if fresh:  # a context's root: its ordering is the preorder
                    parent = f_start[f]
                    parent_len = ctx_len[c]
                    ord_off = grow(ord_off, parent + 2 * parent_len)
                    ord_pre = grow(ord_pre, parent + 2 * parent_len)
                    for i in range(parent_len):
                        ord_pre[parent + i] = i
                        ord_off[parent + i] = 0
                    child = parent + parent_len
                else:
                    parent = f_start[f - 1] if f_kind[f - 1] == _NODE else 0
                    parent_len = f_len[f - 1] if f_kind[f - 1] == _NODE else 0
                    child = f_start[f]
                    ord_off = grow(ord_off, child + ctx_len[c])
                    ord_pre = grow(ord_pre, child + ctx_len[c])
                n_cand = _compute_ordering(ord_off, ord_pre, parent, parent_len, child,
                                           fresh, cstart, ctx_buf, offset, min_offset,
                                           dynamic, order_tmp)
                if fresh:
                    # Move the sorted ordering down over the preorder scratch.
                    for i in range(n_cand):
                        ord_off[parent + i] = ord_off[child + i]
                        ord_pre[parent + i] = ord_pre[child + i]
                    child = parent
                f_start[f] = child
                f_len[f] = n_cand
                if trace is not None:
                    _emit(trace, stats, EV_NODE, depth, n_cand, 0)
                if n_cand == 0:  # a leaf: every buffer of this context is placed
                    for i in range(ctx_len[c]):
                        x = ctx_buf[cstart + i]
                        solution[x] = offset[x]
                    if trace is not None:
                        _emit(trace, stats, EV_LEAF, depth, 0, 0)
                    ret = OK
                    top -= 1
                    continue
                height = _INF
                for i in range(n_cand):
                    if dynamic and ord_off[child + i] >= height:
                        break  # sorted by offset: no later candidate is lower
                    x = ctx_buf[cstart + ord_pre[child + i]]
                    h = ord_off[child + i] + size[x]
                    if h < height:
                        height = h
                f_height[f] = height
                f_limit[f] = _INF
                if quick:
                    f_limit[f] = _offset_limit(ctx_lo[c], ctx_hi[c], floor, total,
                                               capacity)
                f_pos[f] = 0
                if canonical and dynamic and trace is None:
                    # Sorted by (offset, preorder): the canonically skipped
                    # candidates are a prefix, found by bisection.
                    skipped = _canonical_start(ord_off, ord_pre, child, n_cand,
                                               f_min_off[f], f_min_pre[f])
                    stats[PRUNE_CANONICAL] += skipped
                    f_pos[f] = skipped
            else:
                # ---- back from the child of the current candidate
                b = f_buf[f]
                o = offset[b]
                if f_decomp[f]:
                    for s in range(first_section[b], last_section[b] - 1):
                        cuts[s] += 1
                _undo(b, sw, state, off_trail, f_off_from[f], off_top, sec_trail_s,
                      sec_trail_v, f_sec_from[f], sec_top)
                off_top = f_off_from[f]
                sec_top = f_sec_from[f]
                depth -= 1
                if trace is not None:
                    _emit(trace, stats, EV_UNDO, b, o, 0)
                if ret != NOT_FOUND:
                    top -= 1
                    continue
                ret = -1
                if f_hatless[f] and hatless_pruning:
                    stats[PRUNE_HATLESS] += 1
                    if trace is not None:
                        _emit(trace, stats, EV_HATLESS, b, o, f_len[f] - f_pos[f] - 1)
                    f_pos[f] = f_len[f]
                else:
                    f_pos[f] += 1
            # ---- try candidates from f_pos[f] on
            descended = False
            start = f_start[f]
            while f_pos[f] < f_len[f]:
                i = f_pos[f]
                o = ord_off[start + i]
                pre = ord_pre[start + i]
                b = ctx_buf[cstart + pre]
                if canonical and (o < f_min_off[f] or (o == f_min_off[f]
                                                       and pre < f_min_pre[f])):
                    stats[PRUNE_CANONICAL] += 1
                    if trace is not None:
                        _emit(trace, stats, EV_SKIP, b, o, 0)
                    f_pos[f] += 1
                    continue
                if dominance and o >= f_height[f]:
                    if trace is None and dynamic:
                        # Sorted by (offset, preorder) and this one not
                        # canonically skipped: neither is any after it, and
                        # all of them are at least as high.
                        stats[PRUNE_DOMINANCE] += f_len[f] - i
                        f_pos[f] = f_len[f]
                        break
                    stats[PRUNE_DOMINANCE] += 1
                    if trace is not None:
                        _emit(trace, stats, EV_SKIP, b, o, 1)
                    f_pos[f] += 1
                    continue
                if fixed[b] >= 0 and o > fixed[b]:
                    stats[PRUNE_FIXED] += 1
                    if trace is not None:
                        _emit(trace, stats, EV_SKIP, b, o, 2)
                    f_pos[f] += 1
                    continue
                stats[PLACEMENTS] += 1
                if o > f_limit[f]:
                    # The check would fail (see _offset_limit): report what
                    # the placement would, without making it.
                    fixed_fail = -1
                    hatless = False
                    if has_fixed or hatless_pruning:
                        fixed_fail, hatless = _quick_reject(b, o, sw, buf, state,
                                                            has_fixed)
                    if trace is not None:
                        _emit(trace, stats, EV_PLACE, b, o, depth + 1)
                    if fixed_fail >= 0:
                        stats[PRUNE_FIXED] += 1
                        if trace is not None:
                            _emit(trace, stats, EV_FIXED_FAIL, b, o, fixed_fail)
                    else:
                        stats[PRUNE_INFERENCE] += 1
                        if trace is not None:
                            bad = _check(ctx_lo[c], ctx_hi[c], o, floor, total,
                                         capacity, monotonic, inference)
                            _emit(trace, stats, EV_PRUNE, b, o, bad)
                    if _undone(trace, stats, b, o, hatless and hatless_pruning,
                               f_len[f] - i - 1):
                        break
                    f_pos[f] += 1
                    continue
                # Place b at o.
                span_count = 0
                for q in range(sw[2][b], sw[2][b + 1]):
                    span_count += sw[4][q] - sw[3][q]
                need = sec_top + span_count + (ctx_hi[0] - ctx_lo[0]) + 1
                if need > len(sec_trail_s):
                    sec_trail_s = grow(sec_trail_s, need)
                    sec_trail_v = grow(sec_trail_v, need)
                mark[0] += 1
                f_buf[f] = b
                f_off_from[f] = off_top
                f_sec_from[f] = sec_top
                off_top, hatless, fixed_fail = _raise_min_offsets(
                    b, o, sw, buf, state, off_trail, off_top)
                sec_top = _update_sections(b, o, sw, state, sec_trail_s, sec_trail_v,
                                           sec_top)
                depth += 1
                if trace is not None:
                    _emit(trace, stats, EV_PLACE, b, o, depth)
                f_hatless[f] = hatless
                f_decomp[f] = False
                failed = True
                if fixed_fail >= 0:
                    stats[PRUNE_FIXED] += 1
                    if trace is not None:
                        _emit(trace, stats, EV_FIXED_FAIL, b, o, fixed_fail)
                else:
                    bad = -1  # quick: known to pass (see _offset_limit)
                    if not quick:
                        bad = _check(ctx_lo[c], ctx_hi[c], o, floor, total, capacity,
                                     monotonic, inference)
                    if bad < 0 and unallocated_floor:
                        sec_top, bad = _raise_floors(
                            o, sw, state, off_trail, f_off_from[f], off_top, stamp,
                            mark[0], witness, sec_trail_s, sec_trail_v, sec_top,
                            capacity, monotonic, inference)
                    if bad >= 0:
                        stats[PRUNE_INFERENCE] += 1
                        if trace is not None:
                            _emit(trace, stats, EV_PRUNE, b, o, bad)
                    elif o + size[b] > capacity:
                        # Its top is above the capacity although no section
                        # says so: a windowed gap covers its whole lifespan,
                        # so no section sees more than the window.
                        stats[PRUNE_INFERENCE] += 1
                        if trace is not None:
                            _emit(trace, stats, EV_PRUNE, b, o, -1)
                    else:
                        failed = False
                if failed:
                    _undo(b, sw, state, off_trail, f_off_from[f], off_top, sec_trail_s,
                          sec_trail_v, f_sec_from[f], sec_top)
                    off_top = f_off_from[f]
                    sec_top = f_sec_from[f]
                    depth -= 1
                    if _undone(trace, stats, b, o, hatless and hatless_pruning,
                               f_len[f] - i - 1):
                        break
                    f_pos[f] += 1
                    continue
                # Descend: through dynamic decomposition, or straight to a child.
                child_start = start + f_len[f]
                num_cuts = 0
                if decomposition:
                    solution[b] = o
                    f_decomp[f] = True
                    cut_pool[cut_top] = ctx_lo[c]
                    num_cuts = 1
                    for s in range(first_section[b], last_section[b] - 1):
                        cuts[s] -= 1
                        if cuts[s] == 0:
                            cut_pool[cut_top + num_cuts] = s + 1
                            num_cuts += 1
                g = top
                if num_cuts > 1:
                    stats[DECOMPOSITIONS] += 1
                    cut_pool[cut_top + num_cuts] = ctx_hi[c]
                    num_cuts += 1
                    if trace is not None:
                        _emit(trace, stats, EV_DECOMPOSE, b, num_cuts - 1,
                              cut_pool[cut_top + 1])
                    f_kind[g] = _SPLIT
                    f_ctx[g] = c
                    f_cut_start[g] = cut_top
                    f_cut_len[g] = num_cuts
                    f_pos[g] = 0  # the piece being solved: none yet
                    f_start[g] = child_start
                    cut_top += num_cuts
                else:
                    f_kind[g] = _NODE
                    f_ctx[g] = c
                    f_start[g] = child_start
                    f_len[g] = 0
                    f_min_off[g] = o
                    f_min_pre[g] = pre
                top += 1
                ret = -1
                descended = True
                break
            if not descended:
                stats[BACKTRACKS] += 1
                if trace is not None:
                    _emit(trace, stats, EV_BACKTRACK, depth, 0, 0)
                ret = NOT_FOUND
                top -= 1
            continue
        # ---- a SPLIT frame: solve the pieces one after another
        c = f_ctx[f]
        if ret != -1:  # back from a piece: drop its context
            ctx_top[0] -= 1
            if ret != OK:
                cut_top = f_cut_start[f]
                top -= 1
                continue
        ret = -1
        pushed = False
        while f_pos[f] + 1 < f_cut_len[f]:
            piece = f_pos[f]
            f_pos[f] += 1
            lo = cut_pool[f_cut_start[f] + piece]
            hi = cut_pool[f_cut_start[f] + piece + 1]
            n_members = 0
            cstart = ctx_start[c]
            for i in range(ctx_len[c]):
                x = ctx_buf[cstart + i]
                if offset[x] >= 0:
                    continue
                if not (last_section[x] <= lo or hi <= first_section[x]):
                    members_tmp[n_members] = x
                    n_members += 1
            if n_members == 0:
                continue
            if trace is not None:
                _emit(trace, stats, EV_PIECE, lo, hi, n_members)
            pools = (ord_off, ord_pre, ctx_buf, sec_trail_s, sec_trail_v)
            pools = _new_context(members_tmp, n_members, lo, hi, ctx, pools, buf_keys,
                                 sw, state, letters, num_letters, static_preordering,
                                 tkey, scratch)
            ord_off, ord_pre, ctx_buf, sec_trail_s, sec_trail_v = pools
            g = top
            f_kind[g] = _NODE
            f_ctx[g] = ctx_top[0] - 1
            f_start[g] = f_start[f]
            f_len[g] = -1
            f_min_off[g] = 0
            f_min_pre[g] = 0
            top += 1
            pushed = True
            break
        if not pushed:  # every piece solved
            cut_top = f_cut_start[f]
            ret = OK
            top -= 1
    return ret, nodes_left, (ord_off, ord_pre, ctx_buf, sec_trail_s, sec_trail_v)


@nb.njit(cache=True)
def _first_members(section_ptr, section_buffers):
    """A buffer of each section (0 for an empty one): the unallocated floor's
    first witnesses."""
    first = np.zeros(len(section_ptr), np.int64)
    for s in range(len(section_ptr) - 1):
        if section_ptr[s + 1] > section_ptr[s]:
            first[s] = section_buffers[section_ptr[s]]
    return first


@nb.njit(cache=True, nogil=True)
def run(capacity, flags, heuristics, heuristic_lengths, round_robin, buf, buf_keys, sw,
        partitions, state, stats, control, rounds, trace):
    """The driver: every partition in order, with one heuristic or a round robin.

    ``rounds`` receives one row per heuristic run: (round, heuristic, node
    limit, nodes used, outcome); returns (outcome, number of rows).  ``trace``
    is an (N, 4) array for the events, or None: numba then compiles a version
    with every tracing branch removed, so an untraced search pays nothing.
    """
    size = buf[0]
    n = len(size)
    partition_ptr, partition_buffers, partition_lo, partition_hi = partitions
    num_sections = len(sw[0]) - 1
    frames = 3 * n + 8
    work = (
        (np.zeros(frames, np.int64), np.zeros(frames, np.int64),
         np.zeros(frames, np.int64), np.zeros(frames, np.int64),
         np.zeros(frames, np.int64), np.zeros(frames, np.int64),
         np.zeros(frames, np.int64), np.zeros(frames, np.int64),
         np.zeros(frames, np.int64), np.zeros(frames, np.int64),
         np.zeros(frames, np.int64), np.zeros(frames, np.bool_),
         np.zeros(frames, np.bool_), np.zeros(frames, np.int64),
         np.zeros(frames, np.int64), np.zeros(frames, np.int64)),
        (np.zeros(len(sw[10]) + 1, np.int64), np.zeros(len(sw[10]) + 1, np.int64)),
        (np.zeros(n + 1, np.int64), np.zeros(n + 1, np.int64),
         np.zeros(n + 1, np.int64), np.zeros(n + 1, np.int64), np.zeros(1, np.int64)),
        (np.zeros(num_sections + 1, np.int64),
         np.zeros(1, np.int64), np.zeros(n + 1, np.int64), np.zeros(n + 1, np.int64),
         np.zeros(n + 1, np.int64),
         np.zeros(int(np.sum(sw[8] - sw[7])) + 2 * n + 8, np.int64),
         _first_members(sw[0], sw[1])),
        (np.zeros(n + 1, np.int64), np.zeros(n + 1, np.int64),
         np.zeros(n + 1, np.int64), np.zeros(n + 1, np.int64),
         np.zeros(n + 1, np.int64), np.zeros(n + 1, np.int64)),
    )
    pools = (np.zeros(4 * n + 16, np.int64), np.zeros(4 * n + 16, np.int64),
             np.zeros(2 * n + 16, np.int64), np.zeros(4 * num_sections + 16, np.int64),
             np.zeros(4 * num_sections + 16, np.int64))
    num_partitions = len(partition_ptr) - 1
    num_heuristics = heuristics.shape[0]
    rows = 0
    unlimited = np.int64(2**62)
    if not round_robin:
        letters = heuristics[num_heuristics - 1]
        num_letters = heuristic_lengths[num_heuristics - 1]
        outcome = OK
        nodes_left = unlimited
        for p in range(num_partitions):
            lo, hi = partition_ptr[p], partition_ptr[p + 1]
            outcome, nodes_left, pools = search_partition(
                partition_buffers[lo:hi], hi - lo, partition_lo[p], partition_hi[p],
                capacity, flags, letters, num_letters, nodes_left, buf, buf_keys, sw,
                state, work, pools, stats, control, trace)
            if outcome != OK:
                break
        rounds[0, 0] = 1
        rounds[0, 1] = num_heuristics - 1
        rounds[0, 2] = -1
        rounds[0, 3] = unlimited - nodes_left
        rounds[0, 4] = outcome
        return outcome, 1
    node_limit = np.int64(n)
    round_number = 0
    while True:
        node_limit *= 2
        round_number += 1
        outcome = OK
        for h in range(num_heuristics):
            letters = heuristics[h]
            num_letters = heuristic_lengths[h]
            nodes_left = node_limit
            outcome = OK
            if trace is not None:
                _emit(trace, stats, EV_ROUND, h, node_limit, round_number)
            for p in range(num_partitions):
                lo, hi = partition_ptr[p], partition_ptr[p + 1]
                outcome, nodes_left, pools = search_partition(
                    partition_buffers[lo:hi], hi - lo, partition_lo[p], partition_hi[p],
                    capacity, flags, letters, num_letters, nodes_left, buf, buf_keys,
                    sw, state, work, pools, stats, control, trace)
                if outcome != OK:
                    break
            if trace is not None:
                _emit(trace, stats, EV_ROUND_END, h, outcome, node_limit - nodes_left)
            if rows < rounds.shape[0]:
                rounds[rows, 0] = round_number
                rounds[rows, 1] = h
                rounds[rows, 2] = node_limit
                rounds[rows, 3] = node_limit - nodes_left
                rounds[rows, 4] = outcome
                rows += 1
            if outcome != ABORTED:
                return outcome, rows
