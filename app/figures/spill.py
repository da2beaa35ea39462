"""The spill plan: one panel per memory pool on one time axis.

Each panel draws the buffers the plan placed in that pool at their offsets,
with the pool's capacity.  In the fast pool's panel, the buffers moved out
are outlined where the answer that did not fit had put them, so the eye
sees what left and the room it made.  Every trace's ``meta["role"]`` says
what it is and ``meta["pool"]`` which pool it belongs to.

Hover is exact, as on the packing chart (:mod:`app.figures.hover`): each
panel carries the hover index of its buffers (role ``"hover"``, its pool
named), and the outlines of the buffers moved out one of their own, so the
page's script names whatever lies under the pointer, in any panel, both
when a buffer moved out was where another now is.
"""

from __future__ import annotations

from dataclasses import replace

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.figures.hover import hover_trace
from app.figures.packing import block_name, outline_trace, polygon_trace
from app.figures.rects import block_rectangles, rectangles
from app.figures.style import (
    CAPACITY_COLOR,
    HIGHLIGHT_COLOR,
    PALETTE,
    rgba,
    title_and_legend,
    with_automargin,
)
from minimalloc.analysis.spill import SpillPlan
from minimalloc.model import Buffer, Problem, Solution
from minimalloc.pools import format_bytes

#: Pixels of one pool's panel.
PANEL_HEIGHT = 300
#: Panels name their buffers up to this many rectangles.
LABEL_LIMIT = 60


def spill_figure(plan: SpillPlan, before: Solution | None = None,
                 title: str | None = None) -> go.Figure:
    """One panel per pool of ``plan``, in the plan's order, sharing the time
    axis; ``before`` (one offset per buffer of the plan's problem, e.g. the
    answer that did not fit) places the spilled buffers' outlines in the
    fast pool's panel."""
    pools = plan.pools
    heights = plan.heights()
    titles = [_panel_title(plan, pool.name, pool.capacity, heights[pool.name])
              for pool in pools]
    fig = make_subplots(rows=len(pools), cols=1, shared_xaxes=True,
                        vertical_spacing=0.12, subplot_titles=titles)
    buffers = plan.problem.buffers
    span = (min((b.lower for b in buffers), default=0),
            max((b.upper for b in buffers), default=1))
    for row, pool in enumerate(pools, start=1):
        _pool_panel(fig, plan, pool.name, pool.capacity, row, span,
                    PALETTE[(row - 1) % len(PALETTE)])
    if before is not None and plan.spilled:
        fast = next(k for k, p in enumerate(pools, start=1) if p.name == plan.fast_pool)
        _where_they_were(fig, plan, before, fast)
    fig.update_layout(hovermode="closest", margin=dict(l=10, r=10, b=10))
    title_and_legend(fig, title, PANEL_HEIGHT * len(pools) + 80, font=dict(size=11))
    with_automargin(fig)
    fig.update_xaxes(title_text="time", row=len(pools), col=1)
    fig.update_yaxes(title_text="address", rangemode="tozero")
    return fig


def _panel_title(plan: SpillPlan, name: str, capacity: int | None, height: int) -> str:
    members = len(plan.pool_members(name))
    limit = "unbounded" if capacity is None else f"capacity {capacity:,}"
    return (f"{name}: {members:,} buffer{'' if members == 1 else 's'}, height "
            f"{height:,} ({format_bytes(height)}), {limit}")


def _pool_panel(fig: go.Figure, plan: SpillPlan, name: str, capacity: int | None,
                row: int, span: tuple[int, int], color: str) -> None:
    """The buffers placed in pool ``name``, their ids on hover, and its capacity."""
    members = plan.pool_members(name)
    if members:
        sub, offsets = _pool_problem(plan, members)
        rects = block_rectangles(sub, offsets)
        fig.add_trace(polygon_trace(rects, None, name=f"in {name}",
                                    fillcolor=rgba(color, 0.55), role="pool buffers",
                                    legendgroup=name), row=row, col=1)
        fig.add_trace(outline_trace(rects, None, color=color, width=1,
                                    role="pool outlines"), row=row, col=1)
        hover = hover_trace(sub, rects, offsets, pool=name)
        hover.meta["ids"] = [block_name(sub, int(i)) for i in rects.buffer]
        fig.add_trace(hover, row=row, col=1)
        if len(rects.buffer) <= LABEL_LIMIT:  # names at the middles, no hover
            fig.add_trace(go.Scatter(
                x=(rects.t0 + rects.t1) / 2, y=(rects.y0 + rects.y1) / 2, mode="text",
                text=hover.meta["ids"], textfont=dict(size=10), showlegend=False,
                hoverinfo="skip", name=name, meta={"role": "labels", "pool": name}),
                row=row, col=1)
    if capacity is not None:
        fig.add_trace(go.Scatter(
            x=list(span), y=[capacity, capacity], mode="lines",
            line=dict(color=CAPACITY_COLOR, width=2), name=f"{name} capacity",
            showlegend=False, hovertemplate=f"{name} capacity {capacity:,}<extra></extra>",
            meta={"role": "capacity", "pool": name}), row=row, col=1)
    fig.layout.annotations[row - 1].update(x=0, xanchor="left", font=dict(size=12))


def _pool_problem(plan: SpillPlan, members: list[int]) -> tuple[Problem, list[int]]:
    """The buffers of one pool as a problem of their own, buffers that share
    memory kept together (a group always moves as one), and their offsets."""
    buffers = plan.problem.buffers
    sub = Problem(tuple(replace(buffers[i], pool=None) for i in members))
    return sub, [plan.solution.offsets[i] for i in members]


def _where_they_were(fig: go.Figure, plan: SpillPlan, before: Solution, row: int) -> None:
    """The spilled buffers, outlined in the fast pool's panel at the offsets
    ``before`` gave them."""
    buffers = plan.problem.buffers
    moved = Problem(tuple(_plain(buffers[i]) for i in plan.spilled))
    offsets = [before.offsets[i] for i in plan.spilled]
    rects = rectangles(moved, offsets)
    fig.add_trace(polygon_trace(rects, None, name="moved out (where they were)",
                                fillcolor=rgba(HIGHLIGHT_COLOR, 0.12),
                                role="spilled", fillpattern=dict(
                                    shape="/", fgcolor=HIGHLIGHT_COLOR, size=8,
                                    solidity=0.2)), row=row, col=1)
    fig.add_trace(outline_trace(rects, None, color=HIGHLIGHT_COLOR, width=2,
                                role="spilled outlines"), row=row, col=1)
    fig.add_trace(hover_trace(moved, rects, offsets, note=(
        f"moved out to {_pool_names(plan)}: here in the answer that did not fit")),
        row=row, col=1)
    ids = [moved.buffers[int(i)].id for i in rects.buffer]
    fig.add_trace(go.Scatter(
        x=(rects.t0 + rects.t1) / 2, y=(rects.y0 + rects.y1) / 2, mode="text",
        text=ids, textfont=dict(size=10, color=HIGHLIGHT_COLOR), showlegend=False,
        hoverinfo="skip", meta={"role": "spilled labels", "ids": ids}), row=row, col=1)


def _pool_names(plan: SpillPlan) -> str:
    """The pools the buffers moved out went to, in words."""
    names = dict.fromkeys(plan.solution.pools[i] for i in plan.spilled)
    return " and ".join(names)


def _plain(buffer: Buffer) -> Buffer:
    """The buffer alone (no pool, no alias): drawn where it was, by itself."""
    return Buffer(buffer.id, buffer.lower, buffer.upper, buffer.size,
                  alignment=buffer.alignment, gaps=buffer.gaps)
