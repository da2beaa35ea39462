"""The machine that walks a search's events, shared by the replay and the tree.

It keeps the current path of search nodes and, given the problem, the whole
search state of docs/algorithm.md ("The search state") in numpy arrays
(:mod:`.state`, whose two updates are compiled), updated by its own code:
it shares nothing with the kernel, so any disagreement with the kernel's
events is a bug in one of them and is listed in ``mismatches``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from minimalloc.model import Problem
from minimalloc.params import SolverParams
from minimalloc.search import kernel
from minimalloc.search.sweep import SweepResult
from minimalloc.search.trace.events import Event
from minimalloc.search.trace.snapshot import Snapshot
from minimalloc.search.trace.state import Layout, Placement, SearchState


def _no_candidates() -> np.ndarray:
    return np.zeros((0, 2), np.int64)


@dataclass(frozen=True)
class _Context:
    """A partition or a decomposition piece being searched."""

    members: np.ndarray  # in preorder
    pre: dict[int, int]  # preorder index by buffer
    lo: int  # section range [lo, hi)
    hi: int


@dataclass
class _Frame:
    """One search node on the current path."""

    vertex: int
    depth: int
    ctx: _Context | None = None
    bound: tuple[int, int] = (0, 0)  # canonical bound (offset, preorder)
    # (buffer, lowest offset) rows in the order tried; None: not filled yet
    candidates: np.ndarray | None = field(default_factory=_no_candidates)
    min_height: int = 0
    height_buffer: int = -1
    placed: tuple[int, int, int] | None = None  # buffer, offset, preorder
    record: Placement | None = None  # what the placement changed, to undo it
    marker: int = 0  # length of the settle log before the placement
    pruned: bool = False  # the placement was rejected by a check
    decomposition: int = -1
    pieces: int = 0
    pending_piece: tuple[int, int, _Context | None] | None = None
    hatless_cut: int = 0


@dataclass
class _Note:
    """What the last event did, for the snapshot."""

    candidate: int | None = None
    candidate_offset: int | None = None
    prune_section: int | None = None
    rule: str | None = None
    explanation: str = ""


@dataclass
class _TreeRows:
    parent: list[int] = field(default_factory=list)
    depth: list[int] = field(default_factory=list)
    buffer: list[int] = field(default_factory=list)
    offset: list[int] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    outcome: list[str] = field(default_factory=list)
    group: list[int] = field(default_factory=list)
    piece: list[int] = field(default_factory=list)
    piece_lo: list[int] = field(default_factory=list)
    piece_hi: list[int] = field(default_factory=list)
    step: list[int] = field(default_factory=list)
    end_step: list[int] = field(default_factory=list)
    run: list[int] = field(default_factory=list)
    partition: list[int] = field(default_factory=list)
    section: list[int] = field(default_factory=list)
    skips: list[int] = field(default_factory=list)
    hatless_cut: list[int] = field(default_factory=list)


class ReplayMachine:
    """Walks the events, keeping the current path of nodes (and, with a
    problem, the whole search state).  Copyable, for checkpoints."""

    def __init__(self, problem: Problem | None, params: SolverParams,
                 sw: SweepResult | None, capacity: int, record_tree: bool) -> None:
        self.params = params
        self.capacity = capacity
        self.frames: list[_Frame] = []
        self.ret: int | None = None
        self.vertices = 0
        self.decompositions = 0
        self.partition = 0
        self.run = 0  # round-robin runs started (0: a single heuristic)
        # Round 1 runs the first heuristic (a single one is also the first).
        self.heuristic = params.preordering_heuristics[0]
        self.depth = 0
        self.note = _Note()
        self.mismatches: list[str] = []
        self.tree = _TreeRows() if record_tree else None
        self.pending_check: tuple[int, int] | None = None
        # A rebuild (path.restore) replays only the events that built the
        # current path: what they would say is never shown, and a node's
        # candidates are filled only when the node is shown.
        self.rebuilding = False
        self.state = problem is not None
        if problem is None:
            return
        assert sw is not None
        self.problem = problem
        self.sw = sw
        self.layout = Layout.of(problem, sw)
        self.names = [b.id for b in problem.buffers]
        # The search state (docs/algorithm.md, "The search state").
        self.search = SearchState(self.layout, params.unallocated_floor)
        self.settled: dict[int, int] = {}
        self.settle_log: list[tuple[int, int | None]] = []

    def copy(self) -> ReplayMachine:
        other = object.__new__(ReplayMachine)
        other.__dict__.update(self.__dict__)
        other.frames = [_Frame(**f.__dict__) for f in self.frames]
        other.note = _Note(**self.note.__dict__)
        other.mismatches = self.mismatches  # shared on purpose: found once
        if self.state:
            other.search = self.search.copy()
            other.settled = dict(self.settled)
            other.settle_log = self.settle_log[:]
        return other

    # ------------------------------------------------------------ helpers

    def _name(self, b: int) -> str:
        return self.names[b] if self.state else f"#{b}"

    def _mismatch(self, ev: Event, what: str) -> None:
        message = f"step {ev.step} ({ev.kind}): {what}"
        if message not in self.mismatches:  # a step replayed twice reports once
            self.mismatches.append(message)

    def _vertex(self, ev: Event, parent: int, depth: int, buffer: int, offset: int,
                kind: str, outcome: str, section: int = -1) -> int:
        v = self.vertices
        self.vertices += 1
        t = self.tree
        if t is not None:
            t.parent.append(parent)
            t.depth.append(depth)
            t.buffer.append(buffer)
            t.offset.append(offset)
            t.kind.append(kind)
            t.outcome.append(outcome)
            t.group.append(-1)
            t.piece.append(-1)
            t.piece_lo.append(-1)
            t.piece_hi.append(-1)
            t.step.append(ev.step)
            t.end_step.append(ev.step if kind == "prune" else -1)
            t.run.append(self.run)
            t.partition.append(self.partition)
            t.section.append(section)
            t.skips.append(0)
            t.hatless_cut.append(0)
        return v

    def _pop(self, ev: Event, outcome: str) -> _Frame:
        frame = self.frames.pop()
        if self.tree is not None:
            self.tree.outcome[frame.vertex] = outcome
            self.tree.end_step[frame.vertex] = ev.step
            self.tree.hatless_cut[frame.vertex] = frame.hatless_cut
        if not self.frames and outcome in ("solution", "solved"):
            self.partition += 1
        return frame

    def _section_fails(self, s: int, o: int) -> tuple[bool, int]:
        f = int(self.search.floor[s])
        if self.params.monotonic_floor and f < o:
            f = o
        if self.params.section_inference:
            f += int(self.search.total[s])
        return f > self.capacity, f

    def _fill_candidates(self, frame: _Frame) -> None:
        """The node's candidates, lowest top and its buffer, from the state
        now (the state when the node was reached)."""
        members = frame.ctx.members
        unplaced = members[self.search.offset[members] < 0]  # in preorder
        lowest = self.search.min_offset[unplaced]
        if self.params.dynamic_ordering:  # by lowest offset, then preorder
            order = np.argsort(lowest, kind="stable")
            unplaced, lowest = unplaced[order], lowest[order]
        frame.candidates = np.column_stack((unplaced, lowest))
        if len(unplaced):
            tops = lowest + self.layout.size[unplaced]
            first = int(np.argmin(tops))
            frame.min_height, frame.height_buffer = int(tops[first]), int(unplaced[first])

    def top_frame(self) -> _Frame | None:
        """The current node, its candidates filled in if a rebuild left them
        out: only the top node's placement can be taken back to see the
        state it was reached in."""
        frame = self.frames[-1] if self.frames else None
        if frame is None or frame.candidates is not None:
            return frame
        record = frame.record
        if record is not None:
            self.search.undo(record)
        self._fill_candidates(frame)
        if record is not None:
            frame.record = self.search.place(record.buffer, record.offset)
        return frame

    def _new_context(self, members: np.ndarray, lo: int, hi: int) -> _Context:
        members = np.asarray(members, dtype=np.int64)
        if self.params.static_preordering:
            # Larger keys first, letter by letter, then by index (np.lexsort
            # sorts by its last key first).
            keys = [-(self.search.peak_totals(members) if c == "T" else
                      self.layout.keys[c][members]) for c in self.heuristic]
            members = members[np.lexsort((members, *reversed(keys)))]
        return _Context(members, {x: i for i, x in enumerate(members.tolist())}, lo, hi)

    def _settle(self, b: int, o: int) -> None:
        self.settle_log.append((b, self.settled.get(b)))
        self.settled[b] = o

    def _rollback(self, marker: int) -> None:
        while len(self.settle_log) > marker:
            b, previous = self.settle_log.pop()
            if previous is None:
                self.settled.pop(b, None)
            else:
                self.settled[b] = previous

    def _clear_settled(self) -> None:
        self.settled.clear()
        self.settle_log.clear()

    # ------------------------------------------------------------ events

    def apply(self, ev: Event) -> None:
        self.note = _Note()
        if self.pending_check is not None and ev.kind not in ("prune", "fixed_fail"):
            self._check_passed(ev)
        self.pending_check = None
        getattr(self, "_on_" + ev.kind)(ev)

    def _check_passed(self, ev: Event) -> None:
        """The placement before ``ev`` passed the check: verify it."""
        if not self.state or not self.frames or self.frames[-1].ctx is None:
            return
        ctx = self.frames[-1].ctx
        b, o = self.pending_check
        s, f = self.search.first_failing(ctx.lo, ctx.hi, o, self.capacity,
                                         self.params.monotonic_floor,
                                         self.params.section_inference)
        if s >= 0:
            self._mismatch(ev, f"{self._name(b)} at {o} was not pruned, but "
                           f"section {s} reaches {f} > {self.capacity}")

    def _on_round(self, ev: Event) -> None:
        self.run += 1
        self.partition = 0
        self.heuristic = self.params.preordering_heuristics[ev.heuristic]
        if self.state:
            self._clear_settled()
        self.note.explanation = (
            f"Round {ev.round}: heuristic {self.heuristic} with a budget of "
            f"{ev.node_limit:,} nodes.")

    def _on_round_end(self, ev: Event) -> None:
        name = self.params.preordering_heuristics[ev.heuristic]
        if ev.outcome != "solved" and self.state:
            self._clear_settled()
        follow = {
            "solved": "a solution: the search stops here",
            "infeasible": "proven infeasible: the search stops here",
            "node limit": "the budget ran out: the next heuristic takes over",
            "timeout": "the time limit ran out",
        }.get(ev.outcome or "", ev.outcome or "")
        self.note.explanation = (
            f"Heuristic {name} ends after {ev.nodes:,} node{'s' if ev.nodes != 1 else ''}: "
            f"{follow}.")
        self.frames.clear()

    def _on_node(self, ev: Event) -> None:
        parent = self.frames[-1] if self.frames else None
        group, piece, piece_range = -1, -1, (-1, -1)
        bound = (0, 0)
        ctx: _Context | None = None
        if parent is None:
            if self.state:
                p = self.partition
                if p >= self.sw.num_partitions:
                    self._mismatch(ev, f"a root node for partition {p}, but there are "
                                   f"only {self.sw.num_partitions}")
                    p = self.sw.num_partitions - 1
                ctx = self._new_context(self.sw.partition(p),
                                        int(self.sw.partition_lo[p]),
                                        int(self.sw.partition_hi[p]))
            buffer, offset = -1, -1
        else:
            pb, po, ppre = parent.placed if parent.placed else (-1, -1, 0)
            buffer, offset = pb, po
            if parent.pending_piece is not None:
                lo, hi, ctx = parent.pending_piece
                parent.pending_piece = None
                group, piece, piece_range = parent.decomposition, parent.pieces, (lo, hi)
                parent.pieces += 1
            else:
                ctx = parent.ctx
                bound = (po, ppre)
        vertex = self._vertex(ev, parent.vertex if parent else -1, ev.depth, buffer,
                              offset, "node", "open")
        if self.tree is not None and group >= 0:
            self.tree.group[vertex] = group
            self.tree.piece[vertex] = piece
            self.tree.piece_lo[vertex], self.tree.piece_hi[vertex] = piece_range
        frame = _Frame(vertex=vertex, depth=ev.depth, ctx=ctx, bound=bound)
        self.frames.append(frame)
        self.depth = ev.depth
        self.ret = None
        if self.state and ctx is not None:
            if self.rebuilding:  # filled when the node is shown
                frame.candidates = None
                return
            self._fill_candidates(frame)
            if len(frame.candidates) != ev.candidates:
                self._mismatch(ev, f"the kernel has {ev.candidates} candidates, the "
                               f"replay {len(frame.candidates)}")
        if ev.candidates == 0:
            self.note.explanation = (
                f"Node at depth {ev.depth}: every buffer of this piece is placed.")
            return
        order = "lowest offset, then preorder" if self.params.dynamic_ordering else \
            "preorder"
        listed = ""
        if self.state:
            shown = ", ".join(f"{self._name(x)}@{o}"
                              for x, o in frame.candidates[:6].tolist())
            more = len(frame.candidates) - 6
            listed = f": {shown}" + (f" and {more} more" if more > 0 else "")
        self.note.rule = "dynamic_ordering" if self.params.dynamic_ordering else None
        self.note.explanation = (
            f"Node at depth {ev.depth}: {ev.candidates} "
            f"buffer{'' if ev.candidates == 1 else 's'} to place, tried by "
            f"{order}{listed}.")

    def _on_leaf(self, ev: Event) -> None:
        self.ret = kernel.OK
        if self.frames:
            self._pop(ev, "solution")
        self.note.explanation = (
            "Leaf: every buffer of this piece has an offset; the piece is solved.")

    def _on_place(self, ev: Event) -> None:
        b, o = ev.buffer, ev.offset
        frame = self.frames[-1] if self.frames else None
        self.ret = None
        self.depth = ev.depth
        self.note.candidate, self.note.candidate_offset = b, o
        if frame is None:
            return
        pre = frame.ctx.pre.get(b, 0) if frame.ctx is not None else 0
        frame.placed = (b, o, pre)
        frame.pruned = False
        self.pending_check = (b, o)
        if not self.state:
            frame.record = Placement(b, o)
            return
        search = self.search
        if search.offset[b] >= 0:
            self._mismatch(ev, f"{self._name(b)} is already placed")
        if search.min_offset[b] != o:
            self._mismatch(ev, f"placed at {o}, but its replayed lowest offset is "
                           f"{search.min_offset[b]}")
        if frame.ctx is not None and b not in frame.ctx.pre:
            self._mismatch(ev, f"{self._name(b)} is not in the piece being searched")
        record = search.place(b, o)
        frame.record = record
        frame.marker = len(self.settle_log)
        if self.rebuilding:
            return
        text = f"Place {self._name(b)} at offset {o}, its lowest offset"
        raised = record.raised[:, 0]
        if len(raised):
            shown = ", ".join(f"{self._name(x)} up to {search.min_offset[x]}"
                              for x in raised[:4].tolist())
            more = len(raised) - 4
            text += f"; it pushes {shown}" + (f" and {more} more" if more > 0 else "")
        lifted = record.lifted.tolist()
        if lifted:
            text += (f"; the unallocated floor lifts section"
                     f"{'s' if len(lifted) > 1 else ''} "
                     f"{', '.join(str(s) for s in lifted[:4])}")
            self.note.rule = "unallocated_floor"
        if record.hatless:
            text += "; nothing unplaced overlaps it (hatless)"
        self.note.explanation = text + "."

    def _on_skip(self, ev: Event) -> None:
        b, o = ev.buffer, ev.offset
        self.note.candidate, self.note.candidate_offset = b, o
        frame = self.top_frame() if self.state else (self.frames[-1] if self.frames
                                                       else None)
        if self.tree is not None and frame is not None:
            self.tree.skips[frame.vertex] += 1
        name = self._name(b)
        if ev.rule == "canonical":
            self.note.rule = "canonical_only"
            text = f"Skip {name} at {o}: not canonical"
            if self.state and frame is not None and frame.ctx is not None:
                pre = frame.ctx.pre.get(b, -1)
                bo, bp = frame.bound
                text += (f" — (offset {o}, preorder {pre}) comes before (offset {bo}, "
                         f"preorder {bp}) of the buffer placed last")
                if not (o < bo or (o == bo and pre < bp)):
                    self._mismatch(ev, f"({o}, {pre}) is not before the bound ({bo}, {bp})")
            self.note.explanation = text + " (canonical solutions)."
        elif ev.rule == "dominance":
            self.note.rule = "check_dominance"
            text = f"Skip {name} at {o}: dominated"
            if self.state and frame is not None and frame.height_buffer >= 0:
                y = frame.height_buffer
                text += (f" — {self._name(y)} could end at {frame.min_height} <= {o}, "
                         f"so placing {name} at {o} leaves a hole below it that "
                         f"{self._name(y)} could fill")
                if o < frame.min_height:
                    self._mismatch(ev, f"offset {o} is below the lowest top "
                                   f"{frame.min_height}")
            self.note.explanation = text + " (dominance)."
        else:
            text = f"Skip {name}: its lowest offset {o} is above its fixed offset"
            if self.state:
                fixed = int(self.layout.fixed[b])
                text += f" {fixed}"
                if not (fixed >= 0 and o > fixed):
                    self._mismatch(ev, f"offset {o} is not above the fixed offset "
                                   f"{fixed}")
            self.note.explanation = text + " (fixed offset)."

    def _on_prune(self, ev: Event) -> None:
        b, o, s = ev.buffer, ev.offset, ev.section
        self.ret = kernel.NOT_FOUND
        self.note.candidate, self.note.candidate_offset = b, o
        self.note.prune_section = s
        frame = self.frames[-1] if self.frames else None
        if frame is not None:
            frame.pruned = True
            self._vertex(ev, frame.vertex, self.depth, b, o, "prune", "inference", s)
        if s < 0:
            self.note.rule = None
            self.note.explanation = (
                f"{self._name(b)} at {o} would end above the capacity "
                f"{self.capacity}: prune.")
            return
        if not self.state:
            self.note.explanation = f"Section {s} overflows: prune."
            return
        fails, f = self._section_fails(s, o)
        if not fails:
            self._mismatch(ev, f"section {s} reaches only {f} <= {self.capacity}")
        floor, total = int(self.search.floor[s]), int(self.search.total[s])
        raised = self.params.monotonic_floor and floor < o
        base = f"{floor}" if not raised else f"{floor}, raised to the offset {o} " \
            "(monotonic floor),"
        if self.params.section_inference:
            self.note.rule = "section_inference"
            self.note.explanation = (
                f"Section {s}: floor {base} + {total} bytes still to place = {f} > "
                f"capacity {self.capacity}: prune (section inference).")
        else:
            self.note.rule = "monotonic_floor" if raised else None
            self.note.explanation = (
                f"Section {s}: floor {base} gives {f} > capacity {self.capacity}: prune.")

    def _on_fixed_fail(self, ev: Event) -> None:
        b, o, x = ev.buffer, ev.offset, ev.pushed
        self.ret = kernel.NOT_FOUND
        self.note.candidate, self.note.candidate_offset = b, o
        frame = self.frames[-1] if self.frames else None
        if frame is not None:
            frame.pruned = True
            self._vertex(ev, frame.vertex, self.depth, b, o, "prune", "fixed offset")
        if not self.state:
            self.note.explanation = "A fixed buffer is pushed above its offset: prune."
            return
        fixed, lowest = int(self.layout.fixed[x]), int(self.search.min_offset[x])
        if not (fixed >= 0 and lowest > fixed):
            self._mismatch(ev, f"{self._name(x)} at lowest offset {lowest} "
                           f"is not above its fixed offset {fixed}")
        self.note.explanation = (
            f"Placing {self._name(b)} at {o} pushes the fixed buffer {self._name(x)} up "
            f"to {lowest}, above its fixed offset {fixed}: prune (fixed offset).")

    def _on_undo(self, ev: Event) -> None:
        b, o = ev.buffer, ev.offset
        self.note.candidate, self.note.candidate_offset = b, o
        frame = self.frames[-1] if self.frames else None
        if frame is None:
            return
        record = frame.record
        frame.record = None
        if record is None or record.buffer != b or record.offset != o:
            placed = (record.buffer, record.offset) if record else "nothing"
            self._mismatch(ev, f"undo of {self._name(b)} at {o}, but the node placed "
                           f"{placed}")
        self.depth = max(self.depth - 1, 0)
        if self.state and record is not None:
            self.search.undo(record)
        name = self._name(b)
        if frame.pruned:
            frame.pruned = False
            self.note.explanation = f"Undo {name} at {o}: its placement was rejected."
            return
        outcome = self.ret if self.ret is not None else kernel.ABORTED
        self.ret = outcome
        frame.decomposition = -1
        if self.state and record is not None:
            if outcome == kernel.OK:
                self._settle(b, o)
            else:
                self._rollback(frame.marker)
        if outcome == kernel.OK:
            self.note.explanation = (
                f"Undo {name} at {o} on the way back up: the pieces below it are "
                "solved, their offsets are kept.")
            self._pop(ev, "solved")
        elif outcome == kernel.NOT_FOUND:
            self.note.explanation = (
                f"Undo {name} at {o}: nothing worked below it; try the next candidate.")
        else:
            self.note.explanation = (
                f"Undo {name} at {o}: the search below it was stopped (node budget or "
                "time limit).")
            self._pop(ev, "aborted")

    def _on_backtrack(self, ev: Event) -> None:
        self.ret = kernel.NOT_FOUND
        hatless = False
        if self.frames:
            hatless = self.frames[-1].hatless_cut > 0
            self._pop(ev, "hatless" if hatless else "backtracked")
        self.note.explanation = (
            f"No candidate works at depth {ev.depth}: backtrack to the node above.")

    def _on_hatless(self, ev: Event) -> None:
        b, o = ev.buffer, ev.offset
        self.note.candidate, self.note.candidate_offset = b, o
        self.note.rule = "hatless_pruning"
        if self.frames:
            self.frames[-1].hatless_cut += ev.untried
        self.note.explanation = (
            f"{self._name(b)} at {o} had nothing unplaced above it (hatless) and failed: "
            f"the {ev.untried} remaining candidate{'s' if ev.untried != 1 else ''} of this "
            "node cannot do better and are cut (hatless pruning).")

    def _on_decompose(self, ev: Event) -> None:
        self.ret = kernel.OK  # a split whose pieces are all empty succeeds at once
        self.note.candidate = ev.buffer
        self.note.rule = "dynamic_decomposition"
        if self.frames:
            frame = self.frames[-1]
            frame.decomposition = self.decompositions
            frame.pieces = 0
            if frame.placed is not None:
                self.note.candidate_offset = frame.placed[1]
        self.decompositions += 1
        self.note.explanation = (
            f"After {self._name(ev.buffer)}, no unplaced buffer crosses the boundary "
            f"after section {ev.section - 1}: the rest splits into {ev.pieces} "
            "independent pieces, solved one after another (dynamic decomposition).")

    def _on_piece(self, ev: Event) -> None:
        self.ret = None
        self.note.rule = "dynamic_decomposition"
        lo, hi = ev.section, ev.section_end
        frame = self.frames[-1] if self.frames else None
        ctx = None
        names = ""
        if self.state and frame is not None and frame.ctx is not None:
            members = frame.ctx.members
            lay = self.layout
            members = members[(self.search.offset[members] < 0)
                              & (lay.last[members] > lo) & (lay.first[members] < hi)]
            if len(members) != ev.num_buffers:
                self._mismatch(ev, f"the kernel's piece has {ev.num_buffers} buffers, "
                               f"the replay's {len(members)}")
            ctx = self._new_context(members, lo, hi)
            shown = ", ".join(self._name(x) for x in ctx.members[:6].tolist())
            more = len(ctx.members) - 6
            names = f": {shown}" + (f" and {more} more" if more > 0 else "")
        if frame is not None:
            frame.pending_piece = (lo, hi, ctx)
        span = f"section {lo}" if hi - lo == 1 else f"sections {lo}-{hi - 1}"
        self.note.explanation = (
            f"Piece over {span} with {ev.num_buffers} buffer"
            f"{'s' if ev.num_buffers != 1 else ''}{names}, searched on its own with a "
            "fresh preorder.")

    # ------------------------------------------------------------ snapshot

    def snapshot(self, step: int, event: Event | None) -> Snapshot:
        frame = self.top_frame() if self.state else (self.frames[-1] if self.frames
                                                       else None)
        ctx = frame.ctx if frame is not None else None
        search = self.search
        settled = np.full(len(search.offset), -1, np.int64)
        if self.settled:
            kept = np.array(list(self.settled.items()), dtype=np.int64)
            settled[kept[:, 0]] = kept[:, 1]
            settled[search.offset >= 0] = -1  # placed again on the current path
        candidates = frame.candidates if frame is not None else None
        return Snapshot(
            step=step,
            event=event,
            offsets=search.offset.copy(),
            settled=settled,
            min_offset=search.min_offset.copy(),
            floor=search.floor.copy(),
            total=search.total.copy(),
            capacity=self.capacity,
            depth=self.depth,
            candidate=self.note.candidate,
            candidate_offset=self.note.candidate_offset,
            prune_section=self.note.prune_section,
            section_range=(ctx.lo, ctx.hi) if ctx is not None else None,
            context=tuple(ctx.members.tolist()) if ctx is not None else (),
            candidates=tuple(map(tuple, candidates.tolist())) if candidates is not None
            else (),
            node=frame.vertex if frame is not None else None,
            node_depth=frame.depth if frame is not None else None,
            heuristic=self.heuristic,
            rule=self.note.rule,
            explanation=self.note.explanation,
        )

