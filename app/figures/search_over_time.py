"""The search over time: nodes per depth, backtracks as it goes on, the
round robin's runs, and the ablation study."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.figures.search_step import (
    CANDIDATE_COLOR,
    LOWEST_COLOR,
    MARGIN,
    PLACED_COLOR,
    PRUNE_COLOR,
)
from app.figures.style import (
    CAPACITY_COLOR,
    NEUTRAL_COLOR,
    OUTCOME_COLORS,
    title_and_legend,
)
from minimalloc.analysis.ablation import BASELINE, AblationRow
from minimalloc.search.trace import OverTime


def nodes_per_depth_figure(over: OverTime, title: str | None = "nodes per depth"
                           ) -> go.Figure:
    """How many search nodes the search visited at each depth."""
    depth = np.arange(len(over.nodes_per_depth))
    fig = go.Figure(go.Bar(
        x=depth, y=over.nodes_per_depth, marker_color=PLACED_COLOR,
        hovertemplate="depth %{x}: %{y:,} nodes<extra></extra>",
        meta={"role": "nodes per depth"}))
    fig.update_layout(margin=MARGIN, xaxis_title="depth (buffers placed)",
                      yaxis_title="nodes")
    title_and_legend(fig, title, 300)
    return fig


def _sample(length: int, limit: int = 4000) -> np.ndarray:
    if length <= limit:
        return np.arange(length)
    return np.unique(np.linspace(0, length - 1, limit).astype(np.int64))


def progress_figure(over: OverTime, title: str | None = "backtracks as the search goes on"
                    ) -> go.Figure:
    """Cumulative backtracks and rejected candidates against nodes visited,
    with the round robin's runs shaded."""
    idx = _sample(len(over.step))
    nodes = over.nodes[idx]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=nodes, y=over.backtracks[idx], mode="lines", name="backtracks",
        line=dict(color=PRUNE_COLOR, width=2), meta={"role": "backtracks"},
        hovertemplate="%{x:,} nodes: %{y:,} backtracks<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=nodes, y=over.prunes[idx], mode="lines", name="candidates rejected",
        line=dict(color=LOWEST_COLOR, width=1, dash="dot"), meta={"role": "rejected"},
        hovertemplate="%{x:,} nodes: %{y:,} rejected<extra></extra>"))
    if len(over.runs) > 1 and len(over.nodes):
        span = max(int(over.nodes[-1]), 1)
        for k, run in enumerate(over.runs):
            first = over.nodes[run.first_step - 1] if run.first_step > 0 else 0
            last_step = run.last_step if run.last_step > 0 else len(over.nodes)
            last = over.nodes[last_step - 1] if last_step > 0 else first
            wide = (last - first) / span > 0.06  # room for a label
            fig.add_vrect(x0=first, x1=max(last, first + 0.5),
                          fillcolor="#4c78a8" if k % 2 else "#f58518", opacity=0.08,
                          line_width=0, annotation_text=run.heuristic if wide else None,
                          annotation_position="top left")
    fig.update_layout(margin=MARGIN, xaxis_title="nodes visited", yaxis_title="count")
    title_and_legend(fig, title, 300)
    return fig


def runs_figure(over: OverTime, title: str | None = "round-robin runs") -> go.Figure:
    """Each heuristic's run: nodes used against its budget, coloured by outcome."""
    runs = list(over.runs)
    labels = [f"r{r.round} {r.heuristic}" if r.node_limit >= 0 else r.heuristic
              for r in runs]
    fig = go.Figure()
    for outcome in dict.fromkeys(r.outcome for r in runs):
        idx = [k for k, r in enumerate(runs) if r.outcome == outcome]
        fig.add_trace(go.Bar(
            x=[labels[k] for k in idx], y=[runs[k].nodes for k in idx], name=outcome,
            marker_color=OUTCOME_COLORS.get(outcome, "#17becf"),
            hovertemplate="%{x}<br>%{y:,} nodes<extra>" + outcome + "</extra>",
            meta={"role": "runs"}))
    limits = [(labels[k], r.node_limit) for k, r in enumerate(runs) if r.node_limit >= 0]
    if limits:
        fig.add_trace(go.Scatter(
            x=[a for a, _ in limits], y=[b for _, b in limits], mode="markers",
            marker=dict(symbol="line-ew", size=22, line=dict(width=2, color=NEUTRAL_COLOR)),
            name="node budget", meta={"role": "budget"}))
    fig.update_layout(margin=MARGIN, yaxis_title="nodes",
                      xaxis=dict(categoryorder="array", categoryarray=labels,
                                 tickangle=-45 if len(runs) > 8 else 0),
                      barmode="overlay")
    title_and_legend(fig, title, 320)
    return fig


def ablation_figure(rows: Sequence[AblationRow], timeout: float | None = None,
                    title: str | None = "each technique switched off in turn") -> go.Figure:
    """Nodes and seconds per variant on log scales, as in the paper.

    Variants stopped by the time limit are drawn hatched: their counts are
    only lower bounds.
    """
    labels = [row.label for row in rows]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=("search nodes", "seconds"))
    colors = ["#1f3b73" if row.variant == BASELINE else
              (PLACED_COLOR if row.finished else CANDIDATE_COLOR) for row in rows]
    patterns = ["" if row.finished else "/" for row in rows]
    for col, values, fmt in ((1, [max(r.nodes, 1) for r in rows], "{:,}"),
                             (2, [max(r.seconds, 1e-5) for r in rows], "{:.3g}")):
        text = [("≥ " if not r.finished else "") + fmt.format(v) + f" ({r.status.value})"
                if not r.finished else fmt.format(v) for r, v in zip(rows, values)]
        fig.add_trace(go.Bar(
            x=values, y=labels, orientation="h", marker=dict(
                color=colors, pattern=dict(shape=patterns)),
            text=text, textposition="auto", showlegend=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
            meta={"role": "nodes" if col == 1 else "seconds"}), row=1, col=col)
        low = 0.8 if col == 1 else min(values) / 3
        high = max(values + ([timeout] if col == 2 and timeout else [])) * 1.6
        fig.update_xaxes(type="log", range=[np.log10(low), np.log10(high)], row=1, col=col)
    if timeout is not None:
        fig.add_vline(x=max(timeout, 1e-5), line=dict(color=CAPACITY_COLOR, dash="dash"),
                      row=1, col=2)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_layout(margin=MARGIN)
    title_and_legend(fig, title, 120 + 32 * len(rows))
    return fig
