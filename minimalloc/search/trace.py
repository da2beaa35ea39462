"""What the search did, step by step: decoded events, a replay of the search
state, the explored tree and counters over time.

``solve(problem, params, trace=N)`` records up to ``N`` events of the search
(see ``minimalloc.search.kernel.EV_*``) as an ``(k, 4)`` int64 array.  This module
turns that array into something people can read and draw:

* :func:`decode` gives one :class:`Event` per row, with named fields;
* :class:`TraceReplay` (and :func:`replay`) re-simulates the search state from
  the PLACE and UNDO events, in plain Python, following ALGORITHM.md section 5
  literally: lowest offsets, section floors and totals, the current node's
  candidates, and a one-line explanation of the rule that fired at each step;
* :func:`search_tree` rebuilds the explored tree (one vertex per search node,
  plus one per placement rejected by a check) with each node's outcome;
* :func:`over_time` counts nodes per depth, backtracks as the search goes on
  and the round robin's runs.

Steps are 1-based: ``Event.step == k`` is the k-th event, and a snapshot at
step ``k`` is the state right after it (step 0 is the state before the first).

The replay shares no state-update code with the kernel, so it doubles as a
check on it: every PLACE must be at the replayed lowest offset of its buffer,
every prune must be justified by the replayed floors and totals, every node
must have as many candidates as the replay counts; any disagreement is listed
in :attr:`TraceReplay.mismatches`.

>>> from minimalloc import Buffer, Problem, solve
>>> problem = Problem([Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4),
...                    Buffer("b3", 0, 9, 4), Buffer("b4", 9, 21, 4),
...                    Buffer("b5", 0, 21, 4)], capacity=12)
>>> result = solve(problem, trace=100)
>>> decode(result)[2]
Event(step=3, kind='place', buffer=4, offset=0, depth=1)
>>> snap = replay(problem, result, 7)
>>> snap.explanation
'Place b3 at offset 4, its lowest offset; it pushes b1 up to 8, b2 up to 8.'
>>> snap.offsets.tolist(), snap.min_offset.tolist()
([-1, -1, 4, -1, 0], [8, 8, 4, 4, 0])
>>> search_tree(result).num_nodes == result.stats.nodes
True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np

from minimalloc.model import Problem
from minimalloc.params import TECHNIQUES, SolverParams
from minimalloc.search import kernel as _search
from minimalloc.search.sweep import BufferArrays, SweepResult, _create_points, sweep

if TYPE_CHECKING:
    import pandas as pd

    from minimalloc.search.solver import SolveResult

#: Event codes of the kernel by name, in code order.
EVENT_KINDS: dict[int, str] = {
    _search.EV_NODE: "node",
    _search.EV_PLACE: "place",
    _search.EV_SKIP: "skip",
    _search.EV_PRUNE: "prune",
    _search.EV_FIXED_FAIL: "fixed_fail",
    _search.EV_UNDO: "undo",
    _search.EV_BACKTRACK: "backtrack",
    _search.EV_HATLESS: "hatless",
    _search.EV_DECOMPOSE: "decompose",
    _search.EV_PIECE: "piece",
    _search.EV_LEAF: "leaf",
    _search.EV_ROUND: "round",
    _search.EV_ROUND_END: "round_end",
}

#: The rule of a skip event, by its code.
SKIP_RULES: tuple[str, ...] = ("canonical", "dominance", "fixed_offset")

#: Outcomes of a search run (round-robin run, partition), by kernel code.
RUN_OUTCOMES: dict[int, str] = {
    _search.OK: "solved",
    _search.NOT_FOUND: "infeasible",
    _search.ABORTED: "node limit",
    _search.DEADLINE: "timeout",
}

# What the three fields (a, b, c) of each event mean.
_FIELDS: dict[str, tuple[str | None, str | None, str | None]] = {
    "node": ("depth", "candidates", None),
    "place": ("buffer", "offset", "depth"),
    "skip": ("buffer", "offset", "rule"),
    "prune": ("buffer", "offset", "section"),
    "fixed_fail": ("buffer", "offset", "pushed"),
    "undo": ("buffer", "offset", None),
    "backtrack": ("depth", None, None),
    "hatless": ("buffer", "offset", "untried"),
    "decompose": ("buffer", "pieces", "section"),
    "piece": ("section", "section_end", "num_buffers"),
    "leaf": ("depth", None, None),
    "round": ("heuristic", "node_limit", "round"),
    "round_end": ("heuristic", "outcome", "nodes"),
}

#: Outcomes of the vertices of :func:`search_tree`.
TREE_OUTCOMES: dict[str, str] = {
    "solution": "leaf: every buffer of its piece is placed",
    "solved": "on the way to a solution",
    "backtracked": "no candidate worked below it",
    "hatless": "backtracked after hatless pruning cut its other candidates",
    "aborted": "stopped by the node budget or the time limit",
    "open": "still open where the trace was cut",
    "inference": "placement rejected: a section's floor plus what is left exceeds "
    "the capacity",
    "fixed offset": "placement rejected: it pushed a fixed buffer above its offset",
}


@dataclass(frozen=True, slots=True)
class Event:
    """One search event with named fields (None where the kind has no such field).

    Attributes
    ----------
    step : int
        1-based position in the trace.
    kind : str
        One of :data:`EVENT_KINDS`' values.
    buffer, offset : int or None
        The buffer concerned and the offset it is tried at (place, skip, prune,
        fixed_fail, undo, hatless; decompose has only the buffer).
    depth : int or None
        Buffers placed in the current partition (node, place, backtrack, leaf).
    candidates : int or None
        A node's number of unplaced buffers.
    rule : str or None
        A skip's rule, one of :data:`SKIP_RULES`.
    section, section_end : int or None
        The section a prune blames, a decomposition's first cut, a piece's
        section range ``[section, section_end)``.
    pushed : int or None
        fixed_fail: the fixed buffer pushed above its offset.
    untried : int or None
        hatless: candidates of the node left untried.
    pieces, num_buffers : int or None
        decompose: pieces; piece: buffers in the piece.
    heuristic, node_limit, round, outcome, nodes : int, str or None
        round / round_end: heuristic index, node budget, round number, the
        run's outcome (one of :data:`RUN_OUTCOMES`' values) and nodes used.
    """

    step: int
    kind: str
    buffer: int | None = None
    offset: int | None = None
    depth: int | None = None
    candidates: int | None = None
    rule: str | None = None
    section: int | None = None
    section_end: int | None = None
    pushed: int | None = None
    untried: int | None = None
    pieces: int | None = None
    num_buffers: int | None = None
    heuristic: int | None = None
    node_limit: int | None = None
    round: int | None = None
    outcome: str | None = None
    nodes: int | None = None

    def __repr__(self) -> str:
        parts = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                 if getattr(self, f.name) is not None]
        return f"Event({', '.join(parts)})"

    def as_dict(self) -> dict[str, object]:
        """All fields by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _trace_of(result: SolveResult) -> np.ndarray:
    if result.trace is None:
        raise ValueError("this result has no trace: solve with trace=N (a run that "
                         "minimises the capacity keeps none)")
    return result.trace


def decode_rows(rows: np.ndarray) -> list[Event]:
    """Events from a raw ``(k, 4)`` trace array (see :func:`decode`)."""
    events = []
    for index, (code, a, b, c) in enumerate(np.asarray(rows, dtype=np.int64).tolist()):
        kind = EVENT_KINDS.get(code)
        if kind is None:
            raise ValueError(f"unknown event code {code} at step {index + 1}")
        values: dict[str, object] = {}
        for name, value in zip(_FIELDS[kind], (a, b, c)):
            if name == "rule":
                values[name] = SKIP_RULES[value]
            elif name == "outcome":
                values[name] = RUN_OUTCOMES.get(value, str(value))
            elif name is not None:
                values[name] = value
        events.append(Event(index + 1, kind, **values))
    return events


def decode(result: SolveResult) -> list[Event]:
    """The recorded events of a traced solve, in order.

    Parameters
    ----------
    result : SolveResult
        From ``solve(problem, params, trace=N)``.

    Returns
    -------
    list of Event
        One per recorded event; ``result.trace_truncated`` says whether the
        search produced more than were kept.

    Raises
    ------
    ValueError
        If the result carries no trace.
    """
    return decode_rows(_trace_of(result))


def to_dataframe(result: SolveResult, problem: Problem | None = None) -> pd.DataFrame:
    """The events as a table: one row per event, one column per field.

    Integer columns are pandas' nullable ``Int64`` (missing where an event
    kind has no such field).  With ``problem``, a ``buffer_id`` column names
    the buffers.
    """
    import pandas as pd

    events = decode(result)
    names = [f.name for f in fields(Event)]
    columns = {name: [getattr(e, name) for e in events] for name in names}
    df = pd.DataFrame(columns, columns=names)
    for name in names:
        if name not in ("kind", "rule", "outcome"):
            df[name] = df[name].astype("Int64")
    if problem is not None:
        ids = [b.id for b in problem.buffers]
        names = [None if b is None else ids[b] for b in columns["buffer"]]
        df.insert(3, "buffer_id", names)
    return df


# ---------------------------------------------------------------- replay


@dataclass(frozen=True)
class Snapshot:
    """The search state right after ``step`` events.

    Arrays are indexed by buffer (``offsets``, ``settled``, ``min_offset``) or
    by section (``floor``, ``total``); ``-1`` marks "none".

    Attributes
    ----------
    step : int
        Events applied (0: before the first).
    event : Event or None
        The event just applied.
    offsets : numpy.ndarray
        Offsets of the buffers placed on the current path, -1 if unplaced.
    settled : numpy.ndarray
        Offsets of buffers whose piece (or partition) is solved and kept while
        the search works elsewhere, -1 otherwise.  At the end of a successful
        search this is the solution.
    min_offset : numpy.ndarray
        Every buffer's current lowest possible offset.
    floor, total : numpy.ndarray
        Per section: nothing unplaced can go below the floor; the total is
        what is still to place there.
    capacity : int
    depth : int
        Buffers placed on the current path within the partition.
    candidate, candidate_offset : int or None
        The buffer tried by a place, skip, prune, fixed_fail, undo or hatless
        event, at that offset.
    prune_section : int or None
        For a prune: the section whose floor plus total exceeded the capacity.
    section_range : tuple of int or None
        ``[lo, hi)``: the sections of the piece being searched.
    context : tuple of int
        The buffers of that piece, in preorder.
    candidates : tuple of (int, int)
        The current node's candidates (buffer, lowest offset) in the order it
        tries them.
    node : int or None
        The current node's vertex in :func:`search_tree` (None outside a node).
    node_depth : int or None
        That node's depth (:attr:`depth` is one more while its candidate is
        placed).
    heuristic : str or None
        The preordering heuristic of the current run.
    rule : str or None
        The technique (a key of :data:`minimalloc.params.TECHNIQUES`) that
        fired at this step, if any.
    explanation : str
        One line saying what happened, with the numbers.
    """

    step: int
    event: Event | None
    offsets: np.ndarray
    settled: np.ndarray
    min_offset: np.ndarray
    floor: np.ndarray
    total: np.ndarray
    capacity: int
    depth: int = 0
    candidate: int | None = None
    candidate_offset: int | None = None
    prune_section: int | None = None
    section_range: tuple[int, int] | None = None
    context: tuple[int, ...] = ()
    candidates: tuple[tuple[int, int], ...] = ()
    node: int | None = None
    node_depth: int | None = None
    heuristic: str | None = None
    rule: str | None = None
    explanation: str = ""

    @property
    def rule_text(self) -> str:
        """The general statement of :attr:`rule` (empty if none fired)."""
        return TECHNIQUES.get(self.rule, "") if self.rule else ""

    @property
    def placed(self) -> dict[int, int]:
        """``{buffer: offset}`` of the buffers placed on the current path."""
        return {int(b): int(self.offsets[b]) for b in np.flatnonzero(self.offsets >= 0)}


@dataclass(frozen=True)
class _Context:
    """A partition or a decomposition piece being searched."""

    members: tuple[int, ...]  # in preorder
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
    candidates: tuple[tuple[int, int], ...] = ()
    min_height: int = 0
    height_buffer: int = -1
    placed: tuple[int, int, int] | None = None  # buffer, offset, preorder
    record: tuple | None = None  # undo record of the placement
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


class _Machine:
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
        self.state = problem is not None
        if problem is None:
            return
        assert sw is not None
        self.problem = problem
        self.sw = sw
        n = len(problem.buffers)
        arrays = BufferArrays(problem.buffers)
        self.size = arrays.size.tolist()
        self.alignment = arrays.alignment.tolist()
        self.fixed = arrays.fixed.tolist()
        self.names = [b.id for b in problem.buffers]
        self.overlaps = [list(zip(sw.overlap_buffer[sw.overlap_ptr[b]:sw.overlap_ptr[b + 1]]
                                  .tolist(),
                                  sw.overlap_size[sw.overlap_ptr[b]:sw.overlap_ptr[b + 1]]
                                  .tolist())) for b in range(n)]
        self.spans = [list(zip(sw.span_lo[sw.span_ptr[b]:sw.span_ptr[b + 1]].tolist(),
                               sw.span_hi[sw.span_ptr[b]:sw.span_ptr[b + 1]].tolist(),
                               sw.span_wlo[sw.span_ptr[b]:sw.span_ptr[b + 1]].tolist(),
                               sw.span_whi[sw.span_ptr[b]:sw.span_ptr[b + 1]].tolist()))
                      for b in range(n)]
        self.sections = [sw.section(s).tolist() for s in range(sw.num_sections)]
        self.first = sw.first_section.tolist()
        self.last = sw.last_section.tolist()
        self.static_keys = _static_keys(problem, sw)
        # The state of ALGORITHM.md section 4.
        # Buffers that occupy nothing (size 0, or gaps all along) start placed,
        # as in the solver.
        self.offset = [(b.offset or 0) if b.size == 0 or not self.spans[i] else -1
                       for i, b in enumerate(problem.buffers)]
        self.min_offset = [b.offset if b.offset is not None else 0 for b in problem.buffers]
        self.floor = [0] * sw.num_sections
        self.total = [0] * sw.num_sections
        for b in range(n):
            for lo, hi, wlo, whi in self.spans[b]:
                for s in range(lo, hi):
                    self.total[s] += whi - wlo
        self.settled: dict[int, int] = {}
        self.settle_log: list[tuple[int, int | None]] = []

    def copy(self) -> _Machine:
        other = object.__new__(_Machine)
        other.__dict__.update(self.__dict__)
        other.frames = [_Frame(**f.__dict__) for f in self.frames]
        other.note = _Note(**self.note.__dict__)
        other.mismatches = self.mismatches  # shared on purpose: found once
        if self.state:
            other.offset = self.offset[:]
            other.min_offset = self.min_offset[:]
            other.floor = self.floor[:]
            other.total = self.total[:]
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
        f = self.floor[s]
        if self.params.monotonic_floor and f < o:
            f = o
        if self.params.section_inference:
            f += self.total[s]
        return f > self.capacity, f

    def _new_context(self, members: list[int], lo: int, hi: int) -> _Context:
        if self.params.static_preordering:
            letters = self.heuristic
            tkey = {x: max((self.total[s] for lo_, hi_, _, _ in self.spans[x]
                            for s in range(lo_, hi_)), default=0) for x in members}

            def key(x: int) -> tuple[int, ...]:
                keys = self.static_keys[x]
                return (*(-(tkey[x] if c == "T" else keys[c]) for c in letters), x)

            members = sorted(members, key=key)
        return _Context(tuple(members), {x: i for i, x in enumerate(members)}, lo, hi)

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

    # ------------------------------------------------------------ state updates

    def _place(self, b: int, o: int) -> tuple:
        """ALGORITHM.md section 5, "Place" and "Section update"; returns the
        undo record (buffer, offset, raised, floors, settle marker, hatless,
        fixed buffer pushed or -1, sections raised by the unallocated floor)."""
        offset, min_offset = self.offset, self.min_offset
        offset[b] = o
        raised: list[tuple[int, int]] = []
        hatless = True
        pushed = -1
        for x, eff in self.overlaps[b]:
            if offset[x] >= 0:
                continue
            hatless = False
            height = o + eff
            if min_offset[x] >= height:
                continue
            height = -(-height // self.alignment[x]) * self.alignment[x]
            raised.append((x, min_offset[x]))
            min_offset[x] = height
            if self.fixed[x] >= 0 and height > self.fixed[x]:
                pushed = x
        floors: list[tuple[int, int]] = []
        for lo, hi, wlo, whi in self.spans[b]:
            for s in range(lo, hi):
                floors.append((s, self.floor[s]))
                self.floor[s] = o + whi
                self.total[s] -= whi - wlo
        lifted: list[int] = []
        if self.params.unallocated_floor:
            affected: dict[int, None] = {}
            for x, _ in raised:
                for lo, hi, _, _ in self.spans[x]:
                    for s in range(lo, hi):
                        affected[s] = None
            for s in affected:
                lowest = min((min_offset[y] for y in self.sections[s] if offset[y] < 0),
                             default=None)
                if lowest is not None and self.floor[s] < lowest:
                    floors.append((s, self.floor[s]))
                    self.floor[s] = lowest
                    lifted.append(s)
        return (b, o, raised, floors, len(self.settle_log), hatless, pushed, lifted)

    def _undo(self, record: tuple) -> None:
        b, o, raised, floors, _, _, _, _ = record
        for s, old in reversed(floors):
            self.floor[s] = old
        for lo, hi, wlo, whi in self.spans[b]:
            for s in range(lo, hi):
                self.total[s] += whi - wlo
        for x, old in reversed(raised):
            self.min_offset[x] = old
        self.offset[b] = -1

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
        for s in range(ctx.lo, ctx.hi):
            fails, f = self._section_fails(s, o)
            if fails:
                self._mismatch(ev, f"{self._name(b)} at {o} was not pruned, but "
                               f"section {s} reaches {f} > {self.capacity}")
                return

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
                ctx = self._new_context(self.sw.partition(p).tolist(),
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
            unplaced = [x for x in ctx.members if self.offset[x] < 0]
            if self.params.dynamic_ordering:
                unplaced.sort(key=lambda x: (self.min_offset[x], ctx.pre[x]))
            frame.candidates = tuple((x, self.min_offset[x]) for x in unplaced)
            if unplaced:
                tops = [(self.min_offset[x] + self.size[x], x) for x in unplaced]
                frame.min_height, frame.height_buffer = min(
                    tops, key=lambda t: t[0])
            if len(unplaced) != ev.candidates:
                self._mismatch(ev, f"the kernel has {ev.candidates} candidates, the "
                               f"replay {len(unplaced)}")
        if ev.candidates == 0:
            self.note.explanation = (
                f"Node at depth {ev.depth}: every buffer of this piece is placed.")
            return
        order = "lowest offset, then preorder" if self.params.dynamic_ordering else \
            "preorder"
        listed = ""
        if self.state:
            shown = ", ".join(f"{self._name(x)}@{o}" for x, o in frame.candidates[:6])
            more = len(frame.candidates) - 6
            listed = f": {shown}" + (f" and {more} more" if more > 0 else "")
        self.note.rule = "dynamic_ordering" if self.params.dynamic_ordering else None
        self.note.explanation = (
            f"Node at depth {ev.depth}: {ev.candidates} "
            f"buffer{'' if ev.candidates == 1 else 's'} to place, tried by "
            f"{order}{listed}.")

    def _on_leaf(self, ev: Event) -> None:
        self.ret = _search.OK
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
            frame.record = (b, o)
            return
        if self.offset[b] >= 0:
            self._mismatch(ev, f"{self._name(b)} is already placed")
        if self.min_offset[b] != o:
            self._mismatch(ev, f"placed at {o}, but its replayed lowest offset is "
                           f"{self.min_offset[b]}")
        if frame.ctx is not None and b not in frame.ctx.pre:
            self._mismatch(ev, f"{self._name(b)} is not in the piece being searched")
        record = self._place(b, o)
        frame.record = record
        _, _, raised, _, _, hatless, _, lifted = record
        text = f"Place {self._name(b)} at offset {o}, its lowest offset"
        if raised:
            shown = ", ".join(f"{self._name(x)} up to {self.min_offset[x]}"
                              for x, _ in raised[:4])
            more = len(raised) - 4
            text += f"; it pushes {shown}" + (f" and {more} more" if more > 0 else "")
        if lifted:
            text += (f"; the unallocated floor lifts section"
                     f"{'s' if len(lifted) > 1 else ''} "
                     f"{', '.join(str(s) for s in lifted[:4])}")
            self.note.rule = "unallocated_floor"
        if hatless:
            text += "; nothing unplaced overlaps it (hatless)"
        self.note.explanation = text + "."

    def _on_skip(self, ev: Event) -> None:
        b, o = ev.buffer, ev.offset
        self.note.candidate, self.note.candidate_offset = b, o
        frame = self.frames[-1] if self.frames else None
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
                text += f" {self.fixed[b]}"
                if not (self.fixed[b] >= 0 and o > self.fixed[b]):
                    self._mismatch(ev, f"offset {o} is not above the fixed offset "
                                   f"{self.fixed[b]}")
            self.note.explanation = text + " (fixed offset)."

    def _on_prune(self, ev: Event) -> None:
        b, o, s = ev.buffer, ev.offset, ev.section
        self.ret = _search.NOT_FOUND
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
        floor, total = self.floor[s], self.total[s]
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
        self.ret = _search.NOT_FOUND
        self.note.candidate, self.note.candidate_offset = b, o
        frame = self.frames[-1] if self.frames else None
        if frame is not None:
            frame.pruned = True
            self._vertex(ev, frame.vertex, self.depth, b, o, "prune", "fixed offset")
        if not self.state:
            self.note.explanation = "A fixed buffer is pushed above its offset: prune."
            return
        if not (self.fixed[x] >= 0 and self.min_offset[x] > self.fixed[x]):
            self._mismatch(ev, f"{self._name(x)} at lowest offset {self.min_offset[x]} "
                           f"is not above its fixed offset {self.fixed[x]}")
        self.note.explanation = (
            f"Placing {self._name(b)} at {o} pushes the fixed buffer {self._name(x)} up "
            f"to {self.min_offset[x]}, above its fixed offset {self.fixed[x]}: prune "
            "(fixed offset).")

    def _on_undo(self, ev: Event) -> None:
        b, o = ev.buffer, ev.offset
        self.note.candidate, self.note.candidate_offset = b, o
        frame = self.frames[-1] if self.frames else None
        if frame is None:
            return
        record = frame.record
        frame.record = None
        if record is None or record[0] != b or record[1] != o:
            self._mismatch(ev, f"undo of {self._name(b)} at {o}, but the node placed "
                           f"{record[:2] if record else 'nothing'}")
        self.depth = max(self.depth - 1, 0)
        if self.state and record is not None and len(record) > 2:
            self._undo(record)
        name = self._name(b)
        if frame.pruned:
            frame.pruned = False
            self.note.explanation = f"Undo {name} at {o}: its placement was rejected."
            return
        outcome = self.ret if self.ret is not None else _search.ABORTED
        self.ret = outcome
        frame.decomposition = -1
        if self.state and record is not None and len(record) > 2:
            if outcome == _search.OK:
                self._settle(b, o)
            else:
                self._rollback(record[4])
        if outcome == _search.OK:
            self.note.explanation = (
                f"Undo {name} at {o} on the way back up: the pieces below it are "
                "solved, their offsets are kept.")
            self._pop(ev, "solved")
        elif outcome == _search.NOT_FOUND:
            self.note.explanation = (
                f"Undo {name} at {o}: nothing worked below it; try the next candidate.")
        else:
            self.note.explanation = (
                f"Undo {name} at {o}: the search below it was stopped (node budget or "
                "time limit).")
            self._pop(ev, "aborted")

    def _on_backtrack(self, ev: Event) -> None:
        self.ret = _search.NOT_FOUND
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
        self.ret = _search.OK  # a split whose pieces are all empty succeeds at once
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
            members = [x for x in frame.ctx.members if self.offset[x] < 0
                       and not (self.last[x] <= lo or hi <= self.first[x])]
            if len(members) != ev.num_buffers:
                self._mismatch(ev, f"the kernel's piece has {ev.num_buffers} buffers, "
                               f"the replay's {len(members)}")
            ctx = self._new_context(members, lo, hi)
            shown = ", ".join(self._name(x) for x in ctx.members[:6])
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
        frame = self.frames[-1] if self.frames else None
        ctx = frame.ctx if frame is not None else None
        settled = [-1] * len(self.offset)
        for b, o in self.settled.items():
            if self.offset[b] < 0:
                settled[b] = o
        return Snapshot(
            step=step,
            event=event,
            offsets=np.array(self.offset, dtype=np.int64),
            settled=np.array(settled, dtype=np.int64),
            min_offset=np.array(self.min_offset, dtype=np.int64),
            floor=np.array(self.floor, dtype=np.int64),
            total=np.array(self.total, dtype=np.int64),
            capacity=self.capacity,
            depth=self.depth,
            candidate=self.note.candidate,
            candidate_offset=self.note.candidate_offset,
            prune_section=self.note.prune_section,
            section_range=(ctx.lo, ctx.hi) if ctx is not None else None,
            context=ctx.members if ctx is not None else (),
            candidates=frame.candidates if frame is not None else (),
            node=frame.vertex if frame is not None else None,
            node_depth=frame.depth if frame is not None else None,
            heuristic=self.heuristic,
            rule=self.note.rule,
            explanation=self.note.explanation,
        )


def _static_keys(problem: Problem, sw: SweepResult) -> list[dict[str, int]]:
    """The preordering keys of every buffer except T (computed per piece)."""
    counts = np.diff(sw.overlap_ptr).tolist()
    keys = []
    for b, buffer in enumerate(problem.buffers):
        keys.append({
            "A": buffer.size * (buffer.upper - buffer.lower),
            "C": int(sw.last_section[b] - sw.first_section[b]),
            "L": buffer.lower,
            "O": counts[b],
            "U": buffer.upper,
            "W": buffer.upper - buffer.lower,
            "Z": buffer.size,
        })
    return keys


class TraceReplay:
    """The search state at any step of a traced solve.

    Replays the events from the start in plain Python (ALGORITHM.md section
    5), keeping a copy of the state every ``checkpoint_every`` steps, so that
    jumping to step ``k`` costs at most ``checkpoint_every`` event updates once
    the replay has passed ``k``; walking forward one step at a time costs one.

    Parameters
    ----------
    problem : Problem
        The problem that was solved.
    result : SolveResult
        Its traced result (``solve(problem, params, trace=N)``).
    params : SolverParams, optional
        The parameters it was solved with (the defaults if omitted): the
        switches decide how floors are updated and checked.
    checkpoint_every : int
        Steps between stored states.

    Examples
    --------
    >>> from minimalloc import Buffer, Problem, solve
    >>> problem = Problem([Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 4)], capacity=8)
    >>> run = TraceReplay(problem, solve(problem, trace=100))
    >>> run.snapshot(len(run)).settled.tolist()
    [0, 4]
    """

    def __init__(self, problem: Problem, result: SolveResult,
                 params: SolverParams | None = None, *,
                 checkpoint_every: int = 128) -> None:
        self.problem = problem
        self.result = result
        self.params = params if params is not None else SolverParams()
        self.events = decode(result)
        self.sweep = sweep(problem)
        capacity = result.capacity if result.capacity is not None else problem.capacity
        self.capacity = int(capacity) if capacity is not None else 0
        self.checkpoint_every = max(1, int(checkpoint_every))
        start = _Machine(problem, self.params, self.sweep, self.capacity, False)
        self._checkpoints: dict[int, _Machine] = {0: start}
        self._furthest = 0
        self._cursor: tuple[int, _Machine] = (0, start.copy())

    def __len__(self) -> int:
        return len(self.events)

    @property
    def truncated(self) -> bool:
        """Whether the search produced more events than were recorded."""
        return bool(self.result.trace_truncated)

    @property
    def mismatches(self) -> list[str]:
        """Disagreements found so far between the kernel's events and the replay
        (empty when they agree)."""
        return self._checkpoints[0].mismatches

    def _advance(self, machine: _Machine, frm: int, to: int) -> None:
        for k in range(frm, to):
            machine.apply(self.events[k])
            done = k + 1
            if done > self._furthest:
                if done % self.checkpoint_every == 0:
                    self._checkpoints[done] = machine.copy()
                self._furthest = done

    def _machine_at(self, step: int) -> _Machine:
        if not 0 <= step <= len(self.events):
            raise IndexError(f"step {step} is outside 0..{len(self.events)}")
        at, machine = self._cursor
        if not at <= step or step - at > self.checkpoint_every:
            base = min(step, self._furthest) // self.checkpoint_every * \
                self.checkpoint_every
            while base not in self._checkpoints:
                base -= self.checkpoint_every
            at, machine = base, self._checkpoints[base].copy()
        self._advance(machine, at, step)
        self._cursor = (step, machine)
        return machine

    def snapshot(self, step: int) -> Snapshot:
        """The state right after ``step`` events (0 <= step <= len(self))."""
        machine = self._machine_at(step)
        event = self.events[step - 1] if step > 0 else None
        return machine.snapshot(step, event)

    def snapshots(self, start: int = 0, stop: int | None = None) -> Iterator[Snapshot]:
        """Snapshots at steps ``start, start + 1, ..., stop`` (default: the last),
        computed one event at a time."""
        stop = len(self.events) if stop is None else stop
        machine = self._machine_at(start).copy()
        yield machine.snapshot(start, self.events[start - 1] if start else None)
        for k in range(start, stop):
            self._advance(machine, k, k + 1)
            yield machine.snapshot(k + 1, self.events[k])

    def check(self) -> list[str]:
        """Replay every event and return :attr:`mismatches` (empty: the kernel
        and the replay agree on every step)."""
        self._machine_at(len(self.events))
        return self.mismatches


def replay(problem: Problem, result: SolveResult, step: int,
           params: SolverParams | None = None) -> Snapshot:
    """The search state right after ``step`` events of a traced solve.

    For many steps of one run, build a :class:`TraceReplay` once instead.

    Parameters
    ----------
    problem : Problem
        The problem that was solved.
    result : SolveResult
        Its traced result.
    step : int
        Events to apply, ``0 <= step <= len(result.trace)``.
    params : SolverParams, optional
        The parameters of the solve (the defaults if omitted).

    Returns
    -------
    Snapshot
    """
    return TraceReplay(problem, result, params).snapshot(step)


# ---------------------------------------------------------------- tree


@dataclass(frozen=True)
class TreeData:
    """The explored search tree, one vertex per search node and one per
    placement a check rejected (``kind == "prune"``).

    Vertex ``i`` is row ``i`` of every array; vertices are numbered in the
    order the search reached them, so a parent always precedes its children.

    Attributes
    ----------
    parent : numpy.ndarray
        The parent vertex, -1 for the root of a partition's search.
    depth : numpy.ndarray
        Buffers placed in the partition on the way to it.
    buffer, offset : numpy.ndarray
        The placement that leads to it from its parent (-1 at a root).  The
        roots of decomposition pieces carry the placement that split.
    kind : tuple of str
        "node" (a search node) or "prune" (a rejected placement).
    outcome : tuple of str
        One of :data:`TREE_OUTCOMES`.
    group, piece : numpy.ndarray
        For the root of a decomposition piece: the decomposition's number and
        the piece's index in it (-1 otherwise).  Pieces of one decomposition
        must all be solved (they are AND-children), unlike the other children
        of a node (alternatives).
    piece_lo, piece_hi : numpy.ndarray
        A piece root's section range, -1 otherwise.
    step, end_step : numpy.ndarray
        The steps at which the vertex was reached and left (-1: never left).
    run, partition : numpy.ndarray
        The round-robin run (1-based; 0 with one heuristic) and partition.
    section : numpy.ndarray
        A prune's section, -1 otherwise.
    skips, hatless_cut : numpy.ndarray
        Candidates a node skipped (canonical, dominance, fixed offset) and
        cut by hatless pruning.
    runs : tuple of str
        The heuristic of each run.
    truncated : bool
        The trace was cut: the tree is only its beginning.
    """

    parent: np.ndarray
    depth: np.ndarray
    buffer: np.ndarray
    offset: np.ndarray
    kind: tuple[str, ...]
    outcome: tuple[str, ...]
    group: np.ndarray
    piece: np.ndarray
    piece_lo: np.ndarray
    piece_hi: np.ndarray
    step: np.ndarray
    end_step: np.ndarray
    run: np.ndarray
    partition: np.ndarray
    section: np.ndarray
    skips: np.ndarray
    hatless_cut: np.ndarray
    runs: tuple[str, ...] = ()
    truncated: bool = False

    def __len__(self) -> int:
        return len(self.parent)

    @property
    def num_nodes(self) -> int:
        """Search nodes (vertices of kind "node")."""
        return sum(1 for k in self.kind if k == "node")

    def outcome_counts(self) -> dict[str, int]:
        """Vertices by outcome."""
        counts = dict.fromkeys(TREE_OUTCOMES, 0)
        for outcome in self.outcome:
            counts[outcome] = counts.get(outcome, 0) + 1
        return counts


def search_tree(result: SolveResult, params: SolverParams | None = None) -> TreeData:
    """The explored search tree of a traced solve.

    Linear in the number of events.  Meant for drawing small runs (a few
    thousand nodes); it works on any trace.

    Parameters
    ----------
    result : SolveResult
        A traced result.
    params : SolverParams, optional
        The parameters of the solve, for the heuristics' names.

    Returns
    -------
    TreeData
        With ``num_nodes == result.stats.nodes`` unless the trace was cut or
        the time limit stopped the search.
    """
    params = params if params is not None else SolverParams()
    events = decode(result)
    machine = _Machine(None, params, None, 0, True)
    for event in events:
        machine.apply(event)
    t = machine.tree
    assert t is not None
    runs = tuple(r.heuristic for r in result.stats.rounds)

    def arr(values: list[int]) -> np.ndarray:
        return np.array(values, dtype=np.int64)

    return TreeData(
        parent=arr(t.parent), depth=arr(t.depth), buffer=arr(t.buffer),
        offset=arr(t.offset), kind=tuple(t.kind), outcome=tuple(t.outcome),
        group=arr(t.group), piece=arr(t.piece), piece_lo=arr(t.piece_lo),
        piece_hi=arr(t.piece_hi), step=arr(t.step), end_step=arr(t.end_step),
        run=arr(t.run), partition=arr(t.partition), section=arr(t.section),
        skips=arr(t.skips), hatless_cut=arr(t.hatless_cut), runs=runs,
        truncated=bool(result.trace_truncated),
    )


# ---------------------------------------------------------------- over time


@dataclass(frozen=True)
class RunSpan:
    """One heuristic's run in the round robin, located in the trace."""

    run: int  # 1-based
    round: int
    heuristic: str
    node_limit: int  # -1: no limit
    nodes: int
    outcome: str
    first_step: int
    last_step: int  # -1: not finished within the trace


@dataclass(frozen=True)
class OverTime:
    """Counters along the search.

    Attributes
    ----------
    nodes_per_depth : numpy.ndarray
        Search nodes at each depth (index = depth).
    step : numpy.ndarray
        1..k, the event steps.
    nodes, backtracks, prunes : numpy.ndarray
        Cumulative search nodes, backtracks and rejected candidates (skips,
        prunes and hatless cuts) after each step.
    depth : numpy.ndarray
        Buffers placed on the current path after each step.
    runs : tuple of RunSpan
        The round robin's runs (one span for a single heuristic).
    truncated : bool
        The trace was cut.
    """

    nodes_per_depth: np.ndarray
    step: np.ndarray
    nodes: np.ndarray
    backtracks: np.ndarray
    prunes: np.ndarray
    depth: np.ndarray
    runs: tuple[RunSpan, ...]
    truncated: bool = False


def over_time(result: SolveResult) -> OverTime:
    """Nodes per depth, cumulative backtracks over the search, the runs.

    Parameters
    ----------
    result : SolveResult
        A traced result.

    Returns
    -------
    OverTime
    """
    rows = _trace_of(result)
    k = len(rows)
    code = rows[:, 0] if k else np.zeros(0, np.int64)
    is_node = code == _search.EV_NODE
    node_depths = rows[is_node, 1] if k else np.zeros(0, np.int64)
    per_depth = np.bincount(node_depths, minlength=1) if len(node_depths) else \
        np.zeros(1, np.int64)
    nodes = np.cumsum(is_node).astype(np.int64)
    backtracks = np.cumsum(code == _search.EV_BACKTRACK).astype(np.int64)
    rejected = np.isin(code, (_search.EV_SKIP, _search.EV_PRUNE, _search.EV_FIXED_FAIL))
    cut = np.where(code == _search.EV_HATLESS, rows[:, 3] if k else 0, 0)
    prunes = np.cumsum(rejected.astype(np.int64) + cut).astype(np.int64)
    depth = np.zeros(k, dtype=np.int64)
    current = 0
    for i, (c, a, _, d) in enumerate(rows.tolist()):
        if c == _search.EV_PLACE:
            current = d
        elif c == _search.EV_NODE:
            current = a
        elif c == _search.EV_UNDO:
            current = max(current - 1, 0)
        depth[i] = current
    records = result.stats.rounds
    spans: list[RunSpan] = []
    starts = np.flatnonzero(code == _search.EV_ROUND).tolist()
    ends = np.flatnonzero(code == _search.EV_ROUND_END).tolist()
    if not starts and records:
        r = records[0]
        spans.append(RunSpan(1, r.round, r.heuristic, r.node_limit, r.nodes, r.outcome,
                             1 if k else 0, k if not result.trace_truncated else -1))
    for i, start in enumerate(starts):
        _, h, limit, number = rows[start].tolist()
        end = ends[i] if i < len(ends) else -1
        record = records[i] if i < len(records) else None
        used = int(rows[end, 3]) if end >= 0 else int(nodes[-1] - nodes[start])
        outcome = RUN_OUTCOMES.get(int(rows[end, 2]), "?") if end >= 0 else "open"
        spans.append(RunSpan(
            run=i + 1, round=int(number),
            heuristic=record.heuristic if record is not None else str(h),
            node_limit=int(limit), nodes=used, outcome=outcome,
            first_step=start + 1, last_step=end + 1 if end >= 0 else -1))
    return OverTime(
        nodes_per_depth=per_depth.astype(np.int64), step=np.arange(1, k + 1),
        nodes=nodes, backtracks=backtracks, prunes=prunes, depth=depth,
        runs=tuple(spans), truncated=bool(result.trace_truncated))


# ---------------------------------------------------------------- sections in time


def section_times(problem: Problem, sw: SweepResult | None = None) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """The time range ``[start, end)`` each section stands for.

    A section is recorded by the sweep at the first end after the previous
    one; it covers the time since that previous end (or since its partition
    began).  Useful to draw floors and totals under a packing chart.

    >>> from minimalloc import Buffer, Problem
    >>> p = Problem([Buffer("a", 0, 3, 4), Buffer("b", 0, 9, 4), Buffer("c", 9, 21, 4)])
    >>> [t.tolist() for t in section_times(p)]
    [[0, 3, 9], [3, 9, 21]]
    """
    sw = sw if sw is not None else sweep(problem)
    arrays = BufferArrays(problem.buffers)
    time, kind, _, _, _, _ = _create_points(problem, arrays)
    ends: list[int] = []
    last = None
    for t, kd in zip(time.tolist(), kind.tolist()):
        if last is None:
            last = t
        if kd == 0 and last < t:  # an end later than the previous section's
            ends.append(t)
            last = t
    end = np.array(ends[: sw.num_sections], dtype=np.int64)
    start = np.empty_like(end)
    if len(end):
        start[1:] = end[:-1]
    lower = np.array([b.lower for b in problem.buffers], dtype=np.int64)
    for p in range(sw.num_partitions):
        lo = int(sw.partition_lo[p])
        if lo < len(start):
            start[lo] = int(lower[sw.partition(p)].min())
    return start, end
