"""Figures of the search's statistics: prunes by rule, the round robin, and
the heights each method reached."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from app.figures.style import (
    CAPACITY_COLOR,
    HEIGHT_COLOR,
    LOAD_COLOR,
    LOWER_BOUND_COLOR,
    OUTCOME_COLORS,
    title_and_legend,
)
from minimalloc.search.stats import SearchStats


def prunes_figure(stats: SearchStats, title: str | None = "prunes by rule") -> go.Figure:
    """How often each pruning rule fired (a horizontal bar per rule)."""
    rules = list(stats.prunes)
    counts = [stats.prunes[r] for r in rules]
    fig = go.Figure(
        go.Bar(x=counts, y=[r.replace("_", " ") for r in rules], orientation="h",
               marker_color=LOAD_COLOR, text=[f"{c:,}" for c in counts],
               textposition="auto", meta={"role": "prunes"})
    )
    fig.update_layout(margin=dict(l=10, r=10, b=10), xaxis_title="times fired")
    title_and_legend(fig, title, 260)
    return fig


def rounds_figure(stats: SearchStats, title: str | None = "round robin") -> go.Figure:
    """The round robin: nodes each heuristic visited per round against its
    node limit, coloured by outcome."""
    rounds = list(stats.rounds)
    labels = [f"r{r.round} {r.heuristic}" for r in rounds]
    fig = go.Figure()
    for outcome in dict.fromkeys(r.outcome for r in rounds):
        idx = [k for k, r in enumerate(rounds) if r.outcome == outcome]
        fig.add_trace(
            go.Bar(
                x=[labels[k] for k in idx], y=[rounds[k].nodes for k in idx], name=outcome,
                marker_color=OUTCOME_COLORS.get(outcome, "#17becf"),
                hovertemplate="%{x}<br>%{y:,} nodes<extra>" + outcome + "</extra>",
                meta={"role": "rounds"},
            )
        )
    limits = [(labels[k], r.node_limit) for k, r in enumerate(rounds) if r.node_limit >= 0]
    if limits:
        fig.add_trace(
            go.Scatter(
                x=[a for a, _ in limits], y=[b for _, b in limits], mode="markers",
                marker=dict(symbol="line-ew", size=18, line=dict(width=2, color="#888")),
                name="node limit", meta={"role": "node limit"},
            )
        )
    counts = [max(r.nodes, 1) for r in rounds] + [b for _, b in limits if b > 0]
    spread = max(counts, default=1) / min(counts, default=1)
    title_and_legend(fig, title, 300)
    fig.update_layout(
        margin=dict(l=10, r=10, b=10),
        # Log ticks at powers of ten only, written 10, 100, 1k: plotly's
        # default labels 2 and 5 between them too ("5 2 1 100k 5 2").
        yaxis=dict(title="nodes", type="log", dtick=1, tickformat="~s")
        if spread > 100 else dict(title="nodes", tickformat=",d"),
        xaxis=dict(categoryorder="array", categoryarray=labels), barmode="overlay",
    )
    return fig


def comparison_figure(
    rows: Sequence[Mapping[str, object]],
    lower_bound: int | None = None,
    capacity: int | None = None,
    title: str | None = "height by method",
) -> go.Figure:
    """Heights reached by each method (rows with ``method`` and ``height``),
    against the lower bound and the capacity."""
    rows = [r for r in rows if r.get("height") is not None]
    methods = [str(r["method"]) for r in rows]
    heights = [int(r["height"]) for r in rows]
    colors = [HEIGHT_COLOR if r.get("exact") else LOAD_COLOR for r in rows]
    fig = go.Figure(
        go.Bar(x=methods, y=heights, marker_color=colors, text=[f"{h:,}" for h in heights],
               textposition="auto", name="height", meta={"role": "heights"})
    )
    for value, name, color, dash in (
        (lower_bound, "lower bound", LOWER_BOUND_COLOR, "dot"),
        (capacity, "capacity", CAPACITY_COLOR, "solid"),
    ):
        if value is not None and methods:
            fig.add_trace(
                go.Scatter(x=[methods[0], methods[-1]], y=[value, value], mode="lines",
                           line=dict(color=color, dash=dash), name=f"{name} {value:,}",
                           meta={"role": name})
            )
    fig.update_layout(margin=dict(l=10, r=10, b=10), yaxis_title="height")
    title_and_legend(fig, title, 300)
    return fig
