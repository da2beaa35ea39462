"""Counters along a traced search: nodes per depth, backtracks and prunes as
the search goes on, and the round robin's runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from minimalloc.search import kernel
from minimalloc.search.trace.events import RUN_OUTCOMES, trace_of

if TYPE_CHECKING:
    from minimalloc.search.solver import SolveResult


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
    rows = trace_of(result)
    k = len(rows)
    code = rows[:, 0] if k else np.zeros(0, np.int64)
    is_node = code == kernel.EV_NODE
    node_depths = rows[is_node, 1] if k else np.zeros(0, np.int64)
    per_depth = np.bincount(node_depths, minlength=1) if len(node_depths) else \
        np.zeros(1, np.int64)
    nodes = np.cumsum(is_node).astype(np.int64)
    backtracks = np.cumsum(code == kernel.EV_BACKTRACK).astype(np.int64)
    rejected = np.isin(code, (kernel.EV_SKIP, kernel.EV_PRUNE, kernel.EV_FIXED_FAIL))
    cut = np.where(code == kernel.EV_HATLESS, rows[:, 3] if k else 0, 0)
    prunes = np.cumsum(rejected.astype(np.int64) + cut).astype(np.int64)
    depth = np.zeros(k, dtype=np.int64)
    current = 0
    for i, (c, a, _, d) in enumerate(rows.tolist()):
        if c == kernel.EV_PLACE:
            current = d
        elif c == kernel.EV_NODE:
            current = a
        elif c == kernel.EV_UNDO:
            current = max(current - 1, 0)
        depth[i] = current
    records = result.stats.rounds
    spans: list[RunSpan] = []
    starts = np.flatnonzero(code == kernel.EV_ROUND).tolist()
    ends = np.flatnonzero(code == kernel.EV_ROUND_END).tolist()
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
