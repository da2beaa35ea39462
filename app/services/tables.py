"""The rows of the page's tables, built from what the library returned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from app.services.jobs import MINIMIZE, Outcome
from minimalloc import bounds
from minimalloc.model import Buffer, Problem, Solution


def percent_above(height: int | None, lower_bound: int) -> float | None:
    if height is None or lower_bound <= 0:
        return None
    return 100.0 * (height - lower_bound) / lower_bound


def comparison_rows(outcome: Outcome, capacity: int | None) -> list[dict[str, Any]]:
    """Exact against the baselines: height, % above the lower bound, fits the
    capacity, time."""
    rows = []
    exact_name = "MiniMalloc (minimise)" if outcome.mode == MINIMIZE else "MiniMalloc"
    status = outcome.status.value if outcome.status is not None else "error"
    height = outcome.solution.height if outcome.solution is not None else None
    rows.append({
        "method": exact_name,
        "height": height,
        "above lower bound %": percent_above(height, outcome.lower_bound),
        "fits capacity": None if height is None or capacity is None else height <= capacity,
        "time (ms)": 1000.0 * (outcome.stats.seconds if outcome.stats is not None else 0.0),
        "note": status,
        "exact": True,
    })
    for b in outcome.baselines:
        h = b.solution.height if b.solution is not None else None
        rows.append({
            "method": b.method,
            "height": h,
            "above lower bound %": percent_above(h, outcome.lower_bound),
            "fits capacity": None if h is None or capacity is None else h <= capacity,
            "time (ms)": 1000.0 * b.seconds,
            "note": b.error,
            "exact": False,
        })
    return rows


def comparison_table(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """:func:`comparison_rows` as the page shows them: numbers with
    separators, and a dash (not 'None') where a method has no height."""
    def text(value: Any, form: str) -> str:
        return "—" if value is None else form.format(value)

    return pd.DataFrame({
        "method": [r["method"] for r in rows],
        "height": [text(r["height"], "{:,}") for r in rows],
        "above lower bound %": [text(r["above lower bound %"], "{:.1f}%") for r in rows],
        "fits capacity": ["—" if r["fits capacity"] is None else
                          "yes" if r["fits capacity"] else "no" for r in rows],
        "time (ms)": [r["time (ms)"] for r in rows],
        "note": [r["note"] or ("no allocation" if r["height"] is None else "")
                 for r in rows],
    })


def probe_rows(probes: Sequence[Any]) -> list[dict[str, Any]]:
    """The minimiser's probes, one row per capacity in the order first
    probed: the last verdict, how many searches, the largest budget and the
    total time."""
    rows: dict[int, dict[str, Any]] = {}
    for p in probes:
        row = rows.setdefault(p.capacity, {"capacity": p.capacity, "outcome": "",
                                           "searches": 0, "largest budget (s)": None,
                                           "seconds": 0.0})
        row["outcome"] = p.status.value
        row["searches"] += 1
        row["seconds"] += p.seconds
        budget = getattr(p, "budget", None)
        if budget is not None:
            row["largest budget (s)"] = max(row["largest budget (s)"] or 0.0, budget)
    return list(rows.values())


def rounds_rows(stats) -> list[dict[str, Any]]:
    return [
        {"round": r.round, "heuristic": r.heuristic,
         "node limit": None if r.node_limit < 0 else r.node_limit,
         "nodes": r.nodes, "outcome": r.outcome}
        for r in stats.rounds
    ]


def peak_rows(problem: Problem, solution: Solution | None = None
              ) -> tuple[int | None, list[dict[str, Any]]]:
    """The first moment the live bytes reach LOAD, and the buffers alive then,
    largest first (with their offsets when a solution is given)."""
    peaks = bounds.peak_times(problem)
    if not peaks:
        return None, []
    moment = peaks[0][0]
    rows = []
    for index, buffer in enumerate(problem.buffers):
        width = _width_at(buffer, moment)
        if not width:
            continue
        row: dict[str, Any] = {"id": buffer.id, "size": width,
                               "lifespan": f"[{buffer.lower:,}, {buffer.upper:,})"}
        if solution is not None:
            row["offset"] = solution.offsets[index]
        row["label"] = buffer.label or ""
        rows.append(row)
    rows.sort(key=lambda r: (-r["size"], r["id"]))
    return moment, rows


def _width_at(buffer: Buffer, moment: int) -> int:
    """Bytes ``buffer`` occupies at ``moment`` (gaps and windows counted)."""
    if not buffer.lower <= moment < buffer.upper:
        return 0
    for gap in buffer.gaps:
        if gap.lower <= moment < gap.upper:
            return 0 if gap.window is None else gap.window[1] - gap.window[0]
    return buffer.size
