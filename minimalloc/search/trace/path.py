"""Jumping to any step of a trace: the path of search nodes open at that
step, found by a compiled walk, and the replay machine rebuilt from it.

Replaying every event in Python costs milliseconds an event on a large
problem, so a first jump to the end of a long trace would take minutes.
But the search state at a step depends only on the placements still on the
current path (every placement is undone before the search leaves its node),
plus a few counters and the offsets kept for solved pieces.  So a jump:

1. walks the raw events up to the step with :func:`_walk` (compiled with
   numba, constant work an event), keeping only the stack of open nodes,
   the counters and the log of kept offsets;
2. re-applies, in Python, the few events that built that stack (each open
   node's NODE, its active PLACE, the PIECE that opened it) to a fresh
   machine, which recomputes the candidates, floors and totals itself;
3. sets the counters and the kept offsets found in step 1.

Memory is the stack (at most one node per buffer) and the log of kept
offsets, whatever the trace's length.  The walk reads the events' order
only; every quantity that the replay checks against the kernel (lowest
offsets, prunes, candidate counts) is still recomputed by the machine, and
:meth:`TraceReplay.check <minimalloc.search.trace.TraceReplay.check>`
replays every event to compare all of them.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from minimalloc.search import kernel
from minimalloc.search.trace.events import event_at
from minimalloc.search.trace.machine import ReplayMachine

# Columns of the node stack returned by _walk.
_NODE_STEP, _VERTEX, _PLACE_STEP, _ACTIVE, _PRUNED, _DECOMPOSITION, _PIECES, \
    _HATLESS, _PENDING_PIECE, _FROM_PIECE, _MARKER = range(11)
_COLUMNS = 11
# Entries of the counters returned by _walk.
_OPEN, _RET, _VERTICES, _DECOMPOSITIONS, _PARTITION, _RUN, _HEURISTIC, _DEPTH, \
    _LOGGED, _OVERFLOW = range(10)
_NO_RET = -1  # the machine's ``ret is None``


@nb.njit(cache=True)
def _walk(trace: np.ndarray, stop: int, num_buffers: int):  # pragma: no cover - compiled
    """The open nodes, counters and kept-offset log after ``stop`` events.

    Mirrors the bookkeeping of ``ReplayMachine.apply`` (which frames are
    open, what each placed and whether it is still placed), not its state
    arrays.  Returns ``(stack, counters, settled, log_buffer, log_previous)``.
    """
    cap = num_buffers + 2  # a child node needs a placement of its parent's
    stack = np.full((cap, _COLUMNS), -1, np.int64)
    counters = np.zeros(10, np.int64)
    top = 0
    ret = _NO_RET
    vertices = decompositions = partition = run = depth = 0
    heuristic = -1
    settled = np.full(num_buffers, -1, np.int64)
    log_b = np.empty(64, np.int64)
    log_p = np.empty(64, np.int64)
    logged = 0
    for i in range(stop):
        code, a, b, c = trace[i, 0], trace[i, 1], trace[i, 2], trace[i, 3]
        step = i + 1
        f = top - 1
        if code == kernel.EV_ROUND or (code == kernel.EV_ROUND_END and b != kernel.OK):
            for j in range(logged):
                settled[log_b[j]] = -1
            logged = 0
        if code == kernel.EV_ROUND:
            run += 1
            partition = 0
            heuristic = a
        elif code == kernel.EV_ROUND_END:
            top = 0
        elif code == kernel.EV_NODE:
            if top == cap:
                counters[_OVERFLOW] = 1
                break
            stack[top, :] = -1
            stack[top, _NODE_STEP] = step
            stack[top, _VERTEX] = vertices
            stack[top, _ACTIVE] = stack[top, _PRUNED] = 0
            stack[top, _PIECES] = stack[top, _HATLESS] = 0
            vertices += 1
            if top > 0 and stack[f, _PENDING_PIECE] >= 0:
                stack[top, _FROM_PIECE] = stack[f, _PENDING_PIECE]
                stack[f, _PENDING_PIECE] = -1
                stack[f, _PIECES] += 1
            top += 1
            depth = a
            ret = _NO_RET
        elif code == kernel.EV_LEAF:
            ret = kernel.OK
            if top > 0:
                top -= 1
                if top == 0:
                    partition += 1
        elif code == kernel.EV_PLACE:
            ret = _NO_RET
            depth = c
            if top > 0:
                stack[f, _PLACE_STEP] = step
                stack[f, _PRUNED] = 0
                stack[f, _ACTIVE] = 1
                stack[f, _MARKER] = logged
        elif code == kernel.EV_PRUNE or code == kernel.EV_FIXED_FAIL:
            ret = kernel.NOT_FOUND
            if top > 0:
                stack[f, _PRUNED] = 1
                vertices += 1
        elif code == kernel.EV_UNDO and top > 0:
            active = stack[f, _ACTIVE]
            stack[f, _ACTIVE] = 0
            depth = max(depth - 1, 0)
            if stack[f, _PRUNED]:
                stack[f, _PRUNED] = 0
                continue
            outcome = ret if ret != _NO_RET else kernel.ABORTED
            ret = outcome
            stack[f, _DECOMPOSITION] = -1
            if active and outcome == kernel.OK:  # keep the offset
                if logged == len(log_b):
                    log_b = np.concatenate((log_b, np.empty(logged, np.int64)))
                    log_p = np.concatenate((log_p, np.empty(logged, np.int64)))
                log_b[logged] = a
                log_p[logged] = settled[a]
                logged += 1
                settled[a] = b
            elif active:  # forget what was kept below this placement
                while logged > stack[f, _MARKER]:
                    logged -= 1
                    settled[log_b[logged]] = log_p[logged]
            if outcome == kernel.OK:
                top -= 1
                if top == 0:
                    partition += 1
            elif outcome != kernel.NOT_FOUND:
                top -= 1
        elif code == kernel.EV_BACKTRACK:
            ret = kernel.NOT_FOUND
            if top > 0:
                top -= 1
        elif code == kernel.EV_HATLESS:
            if top > 0:
                stack[f, _HATLESS] += c
        elif code == kernel.EV_DECOMPOSE:
            ret = kernel.OK
            if top > 0:
                stack[f, _DECOMPOSITION] = decompositions
                stack[f, _PIECES] = 0
            decompositions += 1
        elif code == kernel.EV_PIECE:
            ret = _NO_RET
            if top > 0:
                stack[f, _PENDING_PIECE] = step
    counters[_OPEN] = top
    counters[_RET] = ret
    counters[_VERTICES] = vertices
    counters[_DECOMPOSITIONS] = decompositions
    counters[_PARTITION] = partition
    counters[_RUN] = run
    counters[_HEURISTIC] = heuristic
    counters[_DEPTH] = depth
    counters[_LOGGED] = logged
    return stack[:top].copy(), counters, settled, log_b[:logged].copy(), \
        log_p[:logged].copy()


def restore(start: ReplayMachine, trace: np.ndarray, stop: int) -> ReplayMachine | None:
    """A machine in the state ``start`` reaches after ``stop`` events of
    ``trace``, rebuilt from the open path (None if the events do not form
    a path: replay them one by one instead, which reports why)."""
    machine = start.copy()
    if stop == 0:
        return machine
    rows = np.ascontiguousarray(trace, dtype=np.int64)
    stack, counters, settled, log_b, log_p = _walk(rows, stop, len(start.search.offset))
    if counters[_OVERFLOW]:
        return None
    params = machine.params
    machine.run = int(counters[_RUN])
    machine.partition = int(counters[_PARTITION])
    if counters[_HEURISTIC] >= 0:
        machine.heuristic = params.preordering_heuristics[int(counters[_HEURISTIC])]
    open_nodes = stack.tolist()
    machine.rebuilding = True
    for row in open_nodes:
        if row[_FROM_PIECE] >= 0:
            machine._on_piece(event_at(trace, row[_FROM_PIECE]))
        machine.vertices = row[_VERTEX]
        machine._on_node(event_at(trace, row[_NODE_STEP]))
        if row[_ACTIVE]:
            machine._on_place(event_at(trace, row[_PLACE_STEP]))
            machine.frames[-1].marker = row[_MARKER]
    for frame, row in zip(machine.frames, open_nodes):
        if row[_PLACE_STEP] >= 0:
            placed = event_at(trace, row[_PLACE_STEP])
            pre = frame.ctx.pre.get(placed.buffer, 0) if frame.ctx is not None else 0
            frame.placed = (placed.buffer, placed.offset, pre)
        frame.pruned = bool(row[_PRUNED])
        frame.decomposition = row[_DECOMPOSITION]
        frame.pieces = row[_PIECES]
        frame.hatless_cut = row[_HATLESS]
    if open_nodes and open_nodes[-1][_PENDING_PIECE] >= 0:
        machine._on_piece(event_at(trace, open_nodes[-1][_PENDING_PIECE]))
    machine.rebuilding = False
    machine.vertices = int(counters[_VERTICES])
    machine.decompositions = int(counters[_DECOMPOSITIONS])
    machine.depth = int(counters[_DEPTH])
    machine.ret = None if counters[_RET] == _NO_RET else int(counters[_RET])
    machine.settle_log = [(b, None if p < 0 else p)
                          for b, p in zip(log_b.tolist(), log_p.tolist())]
    machine.settled = {int(b): int(settled[b]) for b in np.flatnonzero(settled >= 0)}
    last = event_at(trace, stop)
    machine.pending_check = (last.buffer, last.offset) \
        if last.kind == "place" and machine.frames else None
    return machine
