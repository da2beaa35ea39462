"""What the search state is at one step of a replay."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minimalloc.params import TECHNIQUES
from minimalloc.search.trace.events import Event


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
