"""The events a traced search records, decoded into named fields.

``solve(problem, params, trace=N)`` records up to ``N`` events of the search
(see ``minimalloc.search.kernel.EV_*``) as a ``(k, 4)`` int64 array of
``(code, a, b, c)``; :func:`decode` gives one :class:`Event` per row, with
the three values under the names their kind gives them.

>>> decode_rows([[2, 4, 0, 1]])
[Event(step=1, kind='place', buffer=4, offset=0, depth=1)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, overload

import numpy as np

from minimalloc.model import Problem
from minimalloc.search import kernel

if TYPE_CHECKING:
    import pandas as pd

    from minimalloc.search.solver import SolveResult


#: Event codes of the kernel by name, in code order.
EVENT_KINDS: dict[int, str] = {
    kernel.EV_NODE: "node",
    kernel.EV_PLACE: "place",
    kernel.EV_SKIP: "skip",
    kernel.EV_PRUNE: "prune",
    kernel.EV_FIXED_FAIL: "fixed_fail",
    kernel.EV_UNDO: "undo",
    kernel.EV_BACKTRACK: "backtrack",
    kernel.EV_HATLESS: "hatless",
    kernel.EV_DECOMPOSE: "decompose",
    kernel.EV_PIECE: "piece",
    kernel.EV_LEAF: "leaf",
    kernel.EV_ROUND: "round",
    kernel.EV_ROUND_END: "round_end",
}

#: The rule of a skip event, by its code.
SKIP_RULES: tuple[str, ...] = ("canonical", "dominance", "fixed_offset")

#: Outcomes of a search run (round-robin run, partition), by kernel code.
RUN_OUTCOMES: dict[int, str] = {
    kernel.OK: "solved",
    kernel.NOT_FOUND: "infeasible",
    kernel.ABORTED: "node limit",
    kernel.DEADLINE: "timeout",
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


def trace_of(result: SolveResult) -> np.ndarray:
    """The raw ``(k, 4)`` event array of a traced result (a ValueError if none)."""
    if result.trace is None:
        raise ValueError("this result has no trace: solve with trace=N (a run that "
                         "minimises the capacity keeps none)")
    return result.trace


def _event(step: int, code: int, a: int, b: int, c: int) -> Event:
    kind = EVENT_KINDS.get(code)
    if kind is None:
        raise ValueError(f"unknown event code {code} at step {step}")
    values: dict[str, object] = {}
    for name, value in zip(_FIELDS[kind], (a, b, c)):
        if name == "rule":
            values[name] = SKIP_RULES[value]
        elif name == "outcome":
            values[name] = RUN_OUTCOMES.get(value, str(value))
        elif name is not None:
            values[name] = value
    return Event(step, kind, **values)


def decode_rows(rows: np.ndarray) -> list[Event]:
    """Events from a raw ``(k, 4)`` trace array (see :func:`decode`)."""
    return [_event(index + 1, *row)
            for index, row in enumerate(np.asarray(rows, dtype=np.int64).tolist())]


def event_at(rows: np.ndarray, step: int) -> Event:
    """The event at 1-based ``step`` of a raw ``(k, 4)`` trace array."""
    code, a, b, c = rows[step - 1].tolist()
    return _event(step, code, a, b, c)


class Events(Sequence[Event]):
    """The events of a raw trace array, decoded when read: a trace of
    millions of events costs its array, not millions of objects."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = np.asarray(rows, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> list[Event]: ...

    def __getitem__(self, index: int | slice) -> Event | list[Event]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"event {index} is outside 0..{len(self) - 1}")
        return event_at(self.rows, index + 1)


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
    return decode_rows(trace_of(result))


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

