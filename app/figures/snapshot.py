"""What a PyTorch caching allocator reserved, beside a static plan of the
same allocations."""

from __future__ import annotations

import heapq

import plotly.graph_objects as go

from app.figures.style import (
    HEIGHT_COLOR,
    LOAD_COLOR,
    RESERVED_COLOR,
    rgba,
    title_and_legend,
)
from minimalloc.bounds import load_profile
from minimalloc.formats.torch_snapshot import SnapshotReport
from minimalloc.model import Problem, Solution


def reserved_figure(report: SnapshotReport, problem: Problem,
                    solution: Solution | None = None,
                    title: str | None = "what the caching allocator reserved, beside "
                                        "a static plan") -> go.Figure:
    """A snapshot's reserved memory over time (steps) beside the live bytes,
    and a static plan's memory: the top of the buffers alive at each moment
    and its height.

    ``report`` is a :class:`~minimalloc.formats.torch_snapshot.SnapshotReport`.
    """
    end = max(report.entries, 1)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=[*report.times, end], y=[*report.reserved, report.reserved[-1]], mode="lines",
        line=dict(shape="hv", color=RESERVED_COLOR, width=2), name="allocator reserved",
        hovertemplate="entry %{x}<br>reserved %{y:,} bytes<extra></extra>",
        meta={"role": "reserved"}))
    times, live = load_profile(problem)
    if len(times):
        fig.add_trace(go.Scatter(
            x=times, y=live, mode="lines", line=dict(shape="hv", color=LOAD_COLOR),
            fill="tozeroy", fillcolor=rgba(LOAD_COLOR, 0.2), name="live bytes",
            hovertemplate="entry %{x}<br>live %{y:,} bytes<extra></extra>",
            meta={"role": "load"}))
    if solution is not None:
        x, top = plan_top(problem, solution)
        fig.add_trace(go.Scatter(
            x=x, y=top, mode="lines", line=dict(shape="hv", color=HEIGHT_COLOR, width=1.5),
            name="static plan: top of live buffers",
            hovertemplate="entry %{x}<br>plan reaches %{y:,}<extra></extra>",
            meta={"role": "plan top"}))
        fig.add_trace(go.Scatter(
            x=[0, end], y=[solution.height] * 2, mode="lines",
            line=dict(color=HEIGHT_COLOR, dash="dash"), name="static plan height",
            hovertemplate=f"plan height {solution.height:,}<extra></extra>",
            meta={"role": "height"}))
    fig.update_layout(margin=dict(l=10, r=10, b=10), hovermode="x unified")
    title_and_legend(fig, title, 380)
    fig.update_xaxes(title_text="trace entry (time)")
    fig.update_yaxes(title_text="bytes", rangemode="tozero")
    return fig


def plan_top(problem: Problem, solution: Solution) -> tuple[list[int], list[int]]:
    """A step function: the highest address a plan uses at each moment (the
    top of the buffers alive then), at every time it may change."""
    order = sorted(range(len(problem.buffers)), key=lambda i: problem.buffers[i].lower)
    points = sorted({t for b in problem.buffers for t in (b.lower, b.upper)})
    live: list[tuple[int, int]] = []  # (-top, upper): a max-heap, stale entries popped late
    tops, cursor = [], 0
    for t in points:  # O(n log n): one push and at most one pop per buffer
        while cursor < len(order) and problem.buffers[order[cursor]].lower <= t:
            i = order[cursor]
            heapq.heappush(live, (-(solution.offsets[i] + problem.buffers[i].size),
                                  problem.buffers[i].upper))
            cursor += 1
        while live and live[0][1] <= t:
            heapq.heappop(live)
        tops.append(-live[0][0] if live else 0)
    return points, tops
