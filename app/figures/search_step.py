"""The packing chart at one step of the search: what is placed on the
current path, what is being tried, and each section's floor and what is
still to place above it."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.figures.rects import Rects, polygon_xy, rectangles
from app.figures.style import CAPACITY_COLOR, NEUTRAL_COLOR, rgba, title_and_legend
from minimalloc.model import Problem
from minimalloc.search.trace import Snapshot

SETTLED_COLOR = "#b9c6d6"
PLACED_COLOR = "#4c78a8"
CANDIDATE_COLOR = "#ff7f0e"
LOWEST_COLOR = "#6b6b6b"
FLOOR_COLOR = "#2ca02c"
PRUNE_COLOR = "#d62728"
#: Sections get boundary lines up to this many, numbers up to SECTION_LABELS.
SECTION_LINES = 400
SECTION_LABELS = 40
#: Above this many unplaced buffers the step chart shades them rather than
#: drawing each one's dotted outline (one SVG path instead of thousands).
OUTLINE_LIMIT = 1000
# No plot_bgcolor anywhere: the figures take the page's theme (light or dark).
MARGIN = dict(l=10, r=10, t=40, b=10)


def _polygons(rects: Rects, mask: np.ndarray, *, name: str, color: str, alpha: float,
              role: str, legend: bool = True) -> go.Scatter:
    x, y = polygon_xy(rects, mask)
    return go.Scatter(
        x=x, y=y, mode="lines", fill="toself", fillcolor=rgba(color, alpha), name=name,
        line=dict(width=0, simplify=False), hoverinfo="skip", showlegend=legend,
        meta={"role": role, "rects": int(np.count_nonzero(mask))})


def _outlines(rects: Rects, mask: np.ndarray, *, name: str, color: str, dash: str,
              width: float, role: str, legend: bool = True) -> go.Scatter:
    x, y = polygon_xy(rects, mask, joined=False)
    return go.Scatter(
        x=x, y=y, mode="lines", line=dict(color=color, width=width, dash=dash),
        name=name, hoverinfo="skip", showlegend=legend,
        meta={"role": role, "joined": False})


def step_figure(problem: Problem, snap: Snapshot, section_start: np.ndarray,
                section_end: np.ndarray, *, monotonic_floor: bool = True,
                title: str | None = None, label_limit: int = 60) -> go.Figure:
    """The packing chart at one step of the search.

    Buffers placed on the current path are filled blue, the one being tried
    (``snap.candidate``) orange; buffers of pieces already solved are grey;
    every other buffer is a dotted outline at its current lowest offset.  The
    green steps are the section floors of the piece being searched, with what
    is still to place in each section stacked above as a light band; for a
    prune the blamed section's stack is red, reaching over the capacity.

    Parameters
    ----------
    problem : Problem
    snap : Snapshot
        From :class:`minimalloc.search.trace.TraceReplay`.
    section_start, section_end : numpy.ndarray
        Each section's time range (:func:`minimalloc.search.trace.section_times`).
    monotonic_floor : bool
        Whether the solve used the monotonic floor (the prune's stack then
        starts at least at the candidate's offset).
    title : str, optional
    label_limit : int
        Label placed buffers with their id up to this many buffers.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    fig = go.Figure()
    n = len(problem.buffers)
    capacity = snap.capacity
    t_min = float(min((b.lower for b in problem.buffers), default=0))
    t_max = float(max((b.upper for b in problem.buffers), default=1))
    top = float(capacity)
    placed = snap.offsets >= 0
    settled = (snap.settled >= 0) & ~placed
    cand = snap.candidate if snap.candidate is not None else -1
    shown = np.where(placed, snap.offsets, np.where(settled, snap.settled, snap.min_offset))
    if n:
        rects = rectangles(problem, shown.tolist())
        buf = rects.buffer
        top = max(top, float(rects.y1.max()))
        is_cand = buf == cand
        m_settled = settled[buf]
        m_placed = placed[buf] & ~is_cand
        m_lowest = ~placed[buf] & ~settled[buf] & ~is_cand
        fig.add_trace(_polygons(rects, m_settled, name="solved pieces (kept)",
                                color=SETTLED_COLOR, alpha=0.9, role="settled"))
        fig.add_trace(_polygons(rects, m_placed, name="placed on this path",
                                color=PLACED_COLOR, alpha=0.85, role="placed"))
        fig.add_trace(_outlines(rects, m_placed | m_settled, name="outlines", color="white",
                                dash="solid", width=1, role="outlines", legend=False))
        if np.count_nonzero(m_lowest) <= OUTLINE_LIMIT:
            fig.add_trace(_outlines(rects, m_lowest, name="unplaced, at its lowest offset",
                                    color=LOWEST_COLOR, dash="dot", width=1.2,
                                    role="lowest"))
        else:  # one faint filled path: thousands of dotted outlines draw slowly
            fig.add_trace(_polygons(rects, m_lowest, name="unplaced, at its lowest offset",
                                    color=LOWEST_COLOR, alpha=0.18, role="lowest"))
        if 0 <= cand < n:
            offset = snap.candidate_offset
            if offset is None:
                offset = int(shown[cand])
            crect = rectangles(problem.subset([cand]), [offset])
            crect = Rects(np.full(len(crect.buffer), cand), *crect[1:])
            every = np.ones(len(crect.buffer), dtype=bool)
            if placed[cand]:
                fig.add_trace(_polygons(crect, every, name="being tried",
                                        color=CANDIDATE_COLOR, alpha=0.9, role="candidate"))
            else:
                fig.add_trace(_outlines(crect, every, name="being tried",
                                        color=CANDIDATE_COLOR, dash="dash", width=2.5,
                                        role="candidate"))
            top = max(top, float(crect.y1.max()))
        _hover(fig, problem, snap, shown, placed, settled, label_limit)
    top = max(top, _sections(fig, snap, section_start, section_end, monotonic_floor))
    _section_marks(fig, section_start, section_end, top * 1.06 + 1)
    fig.add_trace(go.Scatter(
        x=[t_min, t_max], y=[capacity, capacity], mode="lines",
        line=dict(color=CAPACITY_COLOR, width=2), name=f"capacity {capacity:,}",
        hovertemplate=f"capacity {capacity:,}<extra></extra>", meta={"role": "capacity"}))
    title_and_legend(fig, title, 440)
    fig.update_layout(
        margin=dict(MARGIN, t=fig.layout.margin.t),
        xaxis=dict(title="time", range=[t_min, t_max]),
        yaxis=dict(title="offset", range=[0, top * 1.06 + 1], rangemode="tozero"),
        hovermode="closest")
    return fig


def _hover(fig: go.Figure, problem: Problem, snap: Snapshot, shown: np.ndarray,
           placed: np.ndarray, settled: np.ndarray, label_limit: int) -> None:
    """Invisible points at the middle of each buffer carrying its hover text,
    and id labels on placed buffers."""
    x, y, text = [], [], []
    for i, b in enumerate(problem.buffers):
        o = int(shown[i])
        if placed[i]:
            state = f"placed at {o}"
        elif settled[i]:
            state = f"kept at {o} (its piece is solved)"
        else:
            state = f"unplaced, lowest offset {int(snap.min_offset[i])}"
        if i == snap.candidate:
            state += " — being tried"
        x.append((b.lower + b.upper) / 2)
        y.append(o + b.size / 2)
        text.append(f"<b>{b.id}</b><br>[{b.lower}, {b.upper}) size {b.size}<br>{state}")
    fig.add_trace(go.Scatter(
        x=x, y=y, mode="markers", marker=dict(size=12, opacity=0), text=text,
        hovertemplate="%{text}<extra></extra>", showlegend=False, meta={"role": "hover"}))
    if len(problem.buffers) <= label_limit:
        ids = [i for i in range(len(problem.buffers)) if placed[i] or settled[i]]
        fig.add_trace(go.Scatter(
            x=[x[i] for i in ids], y=[y[i] for i in ids], mode="text",
            text=[problem.buffers[i].id for i in ids],
            textfont=dict(color="white", size=11),
            hoverinfo="skip", showlegend=False, meta={"role": "labels"}))


def _section_marks(fig: go.Figure, start: np.ndarray, end: np.ndarray,
                   height: float) -> None:
    """Where each section begins and ends (faint vertical lines) and its
    number above the chart (``s0``, ``s1``, ...): the steps speak of
    sections by number.  Numbers up to :data:`SECTION_LABELS` sections."""
    if not len(start) or len(start) > SECTION_LINES:
        return
    edges = sorted({float(t) for t in (*start, *end)})
    fig.add_trace(go.Scatter(
        x=[v for t in edges for v in (t, t, None)],
        y=[v for _ in edges for v in (0.0, height, None)], mode="lines",
        line=dict(color=NEUTRAL_COLOR, width=1, dash="dot"), hoverinfo="skip",
        showlegend=False, name="section bounds", meta={"role": "section bounds"}))
    if len(start) <= SECTION_LABELS:
        for k, (t0, t1) in enumerate(zip(start, end)):
            fig.add_annotation(x=(float(t0) + float(t1)) / 2, y=1, yref="paper",
                               yanchor="bottom", text=f"s{k}", showarrow=False,
                               font=dict(size=10, color=NEUTRAL_COLOR), name="section")


def _sections(fig: go.Figure, snap: Snapshot, start: np.ndarray, end: np.ndarray,
              monotonic: bool) -> float:
    """Floors (steps) and what is still to place (bands) of the current piece's
    sections; the pruned section in red.  Returns the highest point drawn."""
    if snap.section_range is not None:
        lo, hi = snap.section_range
    else:
        lo, hi = 0, len(snap.floor)
    hi = min(hi, len(start))
    top = 0.0
    fx, fy, ftext = [], [], []
    bands_x, bands_y = [], []
    for s in range(lo, hi):
        f, t = int(snap.floor[s]), int(snap.total[s])
        t0, t1 = float(start[s]), float(end[s])
        fx += [t0, t1, None]
        fy += [f, f, None]
        ftext += [f"section {s}: floor {f:,}, {t:,} still to place"] * 2 + [None]
        if t > 0 and s != snap.prune_section:
            bands_x += [t0, t1, t1, t0, t0, None]
            bands_y += [f, f, f + t, f + t, f, None]
            top = max(top, f + t)
    if bands_x:
        fig.add_trace(go.Scatter(
            x=bands_x, y=bands_y, mode="lines", fill="toself",
            fillcolor=rgba(FLOOR_COLOR, 0.12), line=dict(width=0), hoverinfo="skip",
            name="still to place above the floor", meta={"role": "to place"}))
    if fx:
        fig.add_trace(go.Scatter(
            x=fx, y=fy, mode="lines", line=dict(color=FLOOR_COLOR, width=2.5),
            name="section floors", text=ftext, hovertemplate="%{text}<extra></extra>",
            meta={"role": "floors"}))
    s = snap.prune_section
    if s is not None and 0 <= s < len(start):
        f, t = int(snap.floor[s]), int(snap.total[s])
        base = max(f, snap.candidate_offset or 0) if monotonic else f
        t0, t1 = float(start[s]), float(end[s])
        fig.add_trace(go.Scatter(
            x=[t0, t1, t1, t0, t0], y=[base, base, base + t, base + t, base], mode="lines",
            fill="toself", fillcolor=rgba(PRUNE_COLOR, 0.3),
            line=dict(color=PRUNE_COLOR, width=2),
            name=f"section {s}: {base:,} + {t:,} = {base + t:,} > {snap.capacity:,}",
            hovertemplate=(f"section {s}: floor {base:,} + {t:,} still to place = "
                           f"{base + t:,}<extra></extra>"),
            meta={"role": "prune", "section": s}))
        top = max(top, base + t)
    return top


