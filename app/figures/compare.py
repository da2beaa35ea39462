"""Figures of two plans compared (:mod:`minimalloc.analysis.compare`): each
plan's packing on one shared time axis with the moved buffers marked, both
overlaid, and the two plans' live bytes and tops over time.

Pure functions: a :class:`~minimalloc.analysis.compare.Comparison` in, a
plotly figure out.  The packing charts are :func:`app.figures.packing.packing_figure`'s,
so hover is exact on them too.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.figures.packing import outline_trace, packing_figure
from app.figures.rects import rectangles
from app.figures.style import FOUND_COLOR, LOAD_COLOR, title_and_legend
from minimalloc.analysis.compare import Comparison, Plan, top_profile
from minimalloc.bounds import load_profile

#: Plan B's colour where both plans are drawn together (A keeps the app's).
B_COLOR = "#e377c2"
#: Pixels of the curves chart.
CURVES_HEIGHT = 380


def shared_time(comparison: Comparison) -> tuple[float, float]:
    """The time axis both plans are drawn on: from the earliest start to the
    latest end in either."""
    buffers = comparison.a.problem.buffers + comparison.b.problem.buffers
    return (float(min((b.lower for b in buffers), default=0)),
            float(max((b.upper for b in buffers), default=1)))


def plan_figure(comparison: Comparison, which: str, *, focus: str | None = None,
                revision: object = None) -> go.Figure:
    """Plan ``which`` (``"a"`` or ``"b"``): its packing with the moved
    buffers in red, the buffer called ``focus`` found, on the shared time
    axis and the two plans' common address range."""
    plan = comparison.a if which == "a" else comparison.b
    moved_a, moved_b = comparison.moved_indices()
    index = comparison.find(focus)[0 if which == "a" else 1] if focus else None
    fig = packing_figure(plan.problem, plan.solution,
                         highlight=moved_a if which == "a" else moved_b,
                         highlight_label="moved", focus=index,
                         title=f"{which.upper()} · {plan.name} · height {plan.height:,}",
                         revision=revision)
    _share_axes(fig, comparison, keep_focus=index is not None)
    return fig


def overlay_figure(comparison: Comparison, *, focus: str | None = None,
                   revision: object = None) -> go.Figure:
    """Plan A's packing with plan B's moved buffers outlined where B puts
    them (and B's height): one chart, one time axis."""
    a, b = comparison.a, comparison.b
    moved_a, moved_b = comparison.moved_indices()
    index = comparison.find(focus)[0] if focus else None
    fig = packing_figure(a.problem, a.solution, highlight=moved_a,
                         highlight_label=f"moved (where {_short(a)} puts them)",
                         focus=index, revision=revision,
                         title=f"A · {a.name} ({a.height:,}) with B · {b.name} "
                               f"({b.height:,}) outlined")
    rects_b = rectangles(b.problem, b.solution.offsets)
    mask = np.isin(rects_b.buffer, np.asarray(moved_b, dtype=np.int64))
    if mask.any():
        trace = outline_trace(rects_b, mask, color=B_COLOR, width=2, role="moved in b")
        trace.update(name=f"moved (where {_short(b)} puts them)", showlegend=True)
        fig.add_trace(trace, row=1, col=1)
    found_b = comparison.find(focus)[1] if focus else None
    if found_b is not None:
        mask = rects_b.buffer == found_b
        trace = outline_trace(rects_b, mask, color=FOUND_COLOR, width=3, role="found in b")
        trace.update(name=f"{focus} in {_short(b)}", showlegend=True, line_dash="dot")
        fig.add_trace(trace, row=1, col=1)
    t0, t1 = shared_time(comparison)
    fig.add_trace(go.Scatter(x=[t0, t1], y=[b.height, b.height], mode="lines",
                             line=dict(color=B_COLOR, dash="dot", width=2),
                             name=f"height of {_short(b)} {b.height:,}",
                             hoverinfo="skip", meta={"role": "height b"}), row=1, col=1)
    _share_axes(fig, comparison, keep_focus=index is not None)
    return fig


def curves_figure(comparison: Comparison, *, title: str | None = None) -> go.Figure:
    """Both plans over time: the live bytes (solid) and the highest address
    in use (dotted), with plan A in the app's colour and plan B in pink."""
    fig = go.Figure()
    for plan, color in ((comparison.a, LOAD_COLOR), (comparison.b, B_COLOR)):
        times, live = load_profile(plan.problem)
        tops = top_profile(plan.problem, plan.solution)
        name = _short(plan)
        fig.add_trace(go.Scatter(
            x=times, y=live, mode="lines", line=dict(shape="hv", color=color, width=2),
            name=f"live bytes: {name}", meta={"role": "live", "plan": name},
            hovertemplate=f"{name}<br>t=%{{x:,}}<br>live %{{y:,}} bytes<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=tops[0], y=tops[1], mode="lines",
            line=dict(shape="hv", color=color, width=1.5, dash="dot"),
            name=f"top address: {name}", meta={"role": "top", "plan": name},
            hovertemplate=f"{name}<br>t=%{{x:,}}<br>top %{{y:,}}<extra></extra>"))
    title_and_legend(fig, title or "live bytes and top address over time",
                     CURVES_HEIGHT, font=dict(size=11))
    fig.update_layout(hovermode="x unified", margin=dict(l=10, r=10, b=10))
    fig.update_xaxes(title_text="time", range=list(shared_time(comparison)))
    fig.update_yaxes(title_text="bytes", rangemode="tozero")
    return fig


def _share_axes(fig: go.Figure, comparison: Comparison, *, keep_focus: bool) -> None:
    """The shared time axis and the higher plan's address range, so that
    two charts side by side line up."""
    t0, t1 = shared_time(comparison)
    fig.update_xaxes(minallowed=t0, maxallowed=t1)
    if not keep_focus:
        fig.update_xaxes(range=[t0, t1])
    top = max(comparison.height_a, comparison.height_b, 1) * 1.05
    fig.update_yaxes(range=[0, top], maxallowed=top, row=1, col=1)


def _short(plan: Plan) -> str:
    return plan.name if len(plan.name) <= 40 else plan.name[:39] + "…"
