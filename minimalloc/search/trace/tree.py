"""The explored search tree of a traced solve: one vertex per node and one per
placement a check rejected, with each vertex's outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from minimalloc.params import SolverParams
from minimalloc.search.trace.events import decode
from minimalloc.search.trace.machine import ReplayMachine

if TYPE_CHECKING:
    from minimalloc.search.solver import SolveResult

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
    machine = ReplayMachine(None, params, None, 0, True)
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
