"""Figures of the search: a step of the replay, the explored tree, counters
over time and the ablation study.  Pure functions to plotly figures, no
Streamlit, so they are easy to test and reuse.

Every trace's ``meta["role"]`` says what it is (as in :mod:`app.charts`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.charts import CAPACITY_COLOR, OUTCOME_COLORS, Rects, polygon_xy, rectangles
from minimalloc.analysis.ablation import BASELINE, AblationRow
from minimalloc.model import Problem
from minimalloc.search.trace import OverTime, RunSpan, Snapshot, TreeData

SETTLED_COLOR = "#b9c6d6"
PLACED_COLOR = "#4c78a8"
CANDIDATE_COLOR = "#ff7f0e"
LOWEST_COLOR = "#6b6b6b"
FLOOR_COLOR = "#2ca02c"
PRUNE_COLOR = "#d62728"

#: Colour and marker of each vertex outcome of the search tree.
TREE_STYLE: dict[str, tuple[str, str]] = {
    "solution": ("#2ca02c", "star"),
    "piece solved, later given up": ("#2ca02c", "star-open"),
    "solved": ("#98df8a", "circle"),
    "backtracked": ("#7f7f7f", "circle"),
    "hatless": ("#9467bd", "circle"),
    "aborted": ("#ff7f0e", "circle"),
    "open": ("#17becf", "circle-open"),
    "inference": ("#d62728", "x-thin-open"),
    "fixed offset": ("#8c564b", "x-thin-open"),
}

# No plot_bgcolor anywhere: the figures take the page's theme (light or dark).
_MARGIN = dict(l=10, r=10, t=40, b=10)
#: The ring around the stepper's current vertex: a colour no outcome uses, and
#: visible on light and dark backgrounds.
CURRENT_COLOR = "#e377c2"
#: Above this many unplaced buffers the step chart shades them rather than
#: drawing each one's dotted outline (one SVG path instead of thousands).
OUTLINE_LIMIT = 1000
#: Faint line colour that reads on light and dark backgrounds.
NEUTRAL_COLOR = "#8c8c8c"


def _fill(color: str, alpha: float) -> str:
    color = color.lstrip("#")
    r, g, b = (int(color[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _polygons(rects: Rects, mask: np.ndarray, *, name: str, color: str, alpha: float,
              role: str, legend: bool = True) -> go.Scatter:
    x, y = polygon_xy(rects, mask)
    return go.Scatter(
        x=x, y=y, mode="lines", fill="toself", fillcolor=_fill(color, alpha), name=name,
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
    fig.add_trace(go.Scatter(
        x=[t_min, t_max], y=[capacity, capacity], mode="lines",
        line=dict(color=CAPACITY_COLOR, width=2), name=f"capacity {capacity:,}",
        hovertemplate=f"capacity {capacity:,}<extra></extra>", meta={"role": "capacity"}))
    fig.update_layout(
        title=title, height=440, margin=_MARGIN, legend=dict(orientation="h", y=-0.15),
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
            fillcolor=_fill(FLOOR_COLOR, 0.12), line=dict(width=0), hoverinfo="skip",
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
            fill="toself", fillcolor=_fill(PRUNE_COLOR, 0.3),
            line=dict(color=PRUNE_COLOR, width=2),
            name=f"section {s}: {base:,} + {t:,} = {base + t:,} > {snap.capacity:,}",
            hovertemplate=(f"section {s}: floor {base:,} + {t:,} still to place = "
                           f"{base + t:,}<extra></extra>"),
            meta={"role": "prune", "section": s}))
        top = max(top, base + t)
    return top


# ---------------------------------------------------------------- the tree


def tree_layout(tree: TreeData, show_prunes: bool = True) -> tuple[np.ndarray, np.ndarray,
                                                                    np.ndarray]:
    """Positions of the tree's vertices: leaves side by side in the order the
    search reached them, every parent centred over its children, depth down.

    Returns ``(x, y, drawn)``: coordinates per vertex and a mask of the
    vertices drawn (prunes left out unless ``show_prunes``).
    """
    count = len(tree)
    drawn = np.ones(count, dtype=bool)
    if not show_prunes:
        drawn = np.array([k == "node" for k in tree.kind], dtype=bool)
    children: list[list[int]] = [[] for _ in range(count)]
    roots: list[int] = []
    parent = tree.parent.tolist()
    for v in range(count):
        if not drawn[v]:
            continue
        (children[parent[v]] if parent[v] >= 0 else roots).append(v)
    x = np.zeros(count, dtype=float)
    next_x = 0.0
    previous_run = None
    for root in roots:
        run = int(tree.run[root])
        if previous_run is not None and run != previous_run:
            next_x += 1.5  # a gap between round-robin runs
        previous_run = run
        stack = [(root, False)]
        while stack:
            v, done = stack.pop()
            kids = children[v]
            if done:
                x[v] = (x[kids[0]] + x[kids[-1]]) / 2
            elif not kids:
                x[v] = next_x
                next_x += 1.0
            else:
                stack.append((v, True))
                stack.extend((c, False) for c in reversed(kids))
    return x, tree.depth.astype(float), drawn


def display_outcomes(tree: TreeData) -> np.ndarray:
    """Each vertex's outcome as drawn.

    A leaf solves its piece, but that piece belongs to the answer only if
    every vertex above it ends solved.  Leaves under a vertex that was later
    backtracked or stopped (an aborted round-robin run, a sibling piece that
    failed) are drawn as "piece solved, later given up", not as solutions.
    """
    outcome = np.array(tree.outcome, dtype=object)
    parent = tree.parent
    kept: dict[int, bool] = {-1: True}  # vertex -> every vertex up to the root solved

    def on_solved_path(v: int) -> bool:
        chain = []
        while v not in kept:
            chain.append(v)
            v = int(parent[v])
        ok = kept[v]
        for u in reversed(chain):
            ok = ok and outcome[u] == "solved"
            kept[u] = ok
        return ok

    for v in np.flatnonzero(outcome == "solution"):
        if not on_solved_path(int(parent[v])):
            outcome[v] = "piece solved, later given up"
    return outcome


def _depth_ticks(deepest: int) -> int:
    """A tick step giving at most about ten labels on the depth axis."""
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if deepest / step <= 10:
            return step
    return 10_000


def _run_labels(tree: TreeData, x: np.ndarray, drawn: np.ndarray,
                runs: Sequence[RunSpan] | None
                ) -> tuple[list[float], list[str], list[float]]:
    """Centre and label of each round-robin run drawn, and the x positions
    between consecutive runs."""
    spans = {r.run: r for r in runs or ()}
    centres: list[float] = []
    labels: list[str] = []
    bounds: list[tuple[float, float]] = []
    run_ids = tree.run[drawn]
    for run in dict.fromkeys(run_ids.tolist()):
        if run <= 0:
            continue
        xs = x[drawn][run_ids == run]
        lo, hi = float(xs.min()), float(xs.max())
        centres.append((lo + hi) / 2)
        bounds.append((lo, hi))
        span = spans.get(run)
        if span is not None:
            labels.append(f"round {span.round}<br>{span.heuristic}<br>{span.outcome}")
        else:
            name = tree.runs[run - 1] if run - 1 < len(tree.runs) else "?"
            labels.append(f"run {run} · {name}")
    gaps = [(bounds[k][1] + bounds[k + 1][0]) / 2 for k in range(len(bounds) - 1)]
    return centres, labels, gaps


def tree_figure(tree: TreeData, problem: Problem | None = None, *,
                show_prunes: bool = True, current: int | None = None,
                runs: Sequence[RunSpan] | None = None,
                title: str | None = None) -> go.Figure:
    """The explored search tree: one marker per vertex coloured by outcome,
    edges as one line trace (dashed into the pieces of a decomposition).

    Parameters
    ----------
    tree : TreeData
        From :func:`minimalloc.search.trace.search_tree`.
    problem : Problem, optional
        For buffer ids in the hover text.
    show_prunes : bool
        Draw the placements rejected by a check as small crosses.
    current : int, optional
        A vertex to ring and label "you are here" (the stepper's current node).
    runs : sequence of RunSpan, optional
        The round robin's runs (:attr:`minimalloc.search.trace.OverTime.runs`), to
        label each run under the tree with its round, heuristic and outcome.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
    """
    x, y, drawn = tree_layout(tree, show_prunes)
    names = [b.id for b in problem.buffers] if problem is not None else None
    fig = go.Figure()
    parent = tree.parent
    for role, dashed, label in (("edges", False, "alternatives"),
                                ("piece edges", True, "pieces of a decomposition")):
        ex: list[float | None] = []
        ey: list[float | None] = []
        for v in np.flatnonzero(drawn):
            p = parent[v]
            if p < 0 or (tree.group[v] >= 0) != dashed:
                continue
            ex += [x[p], x[v], None]
            ey += [y[p], y[v], None]
        if ex:
            fig.add_trace(go.Scatter(
                x=ex, y=ey, mode="lines", hoverinfo="skip", name=label,
                line=dict(color=NEUTRAL_COLOR if not dashed else "#4c78a8", width=1,
                          dash="dash" if dashed else "solid"),
                meta={"role": role}))
    big = int(np.count_nonzero(drawn)) > 3000
    scatter = go.Scattergl if big else go.Scatter
    outcome = display_outcomes(tree)
    for name, (color, symbol) in TREE_STYLE.items():
        idx = np.flatnonzero(drawn & (outcome == name))
        if not len(idx):
            continue
        prune = name in ("inference", "fixed offset")
        fig.add_trace(scatter(
            x=x[idx], y=y[idx], mode="markers", name=name,
            marker=dict(color=color, symbol=symbol, size=6 if prune else 9,
                        line=dict(width=1, color=color)),
            # A click selects a point; keep the others at full strength rather
            # than fading the whole tree until the selection is cleared.
            unselected=dict(marker=dict(opacity=1)),
            text=[_vertex_text(tree, int(v), names, outcome[v]) for v in idx],
            customdata=idx, hovertemplate="%{text}<extra></extra>",
            meta={"role": "vertices", "outcome": name, "count": int(len(idx))}))
    labelled = np.flatnonzero(drawn & (tree.buffer >= 0))
    if 0 < len(labelled) <= 80:  # small trees: name the placement on each edge
        fig.add_trace(go.Scatter(
            x=[(x[v] + x[parent[v]]) / 2 for v in labelled],
            y=[(y[v] + y[parent[v]]) / 2 for v in labelled], mode="text",
            text=[f"{names[tree.buffer[v]] if names else tree.buffer[v]}@{tree.offset[v]}"
                  for v in labelled],
            textfont=dict(size=10, color=NEUTRAL_COLOR), hoverinfo="skip",
            showlegend=False, meta={"role": "edge labels"}))
    if current is not None and 0 <= current < len(tree) and drawn[current]:
        fig.add_trace(go.Scatter(
            x=[x[current]], y=[y[current]], mode="markers", name="you are here",
            marker=dict(size=20, symbol="circle-open", color=CURRENT_COLOR,
                        line=dict(width=3)),
            hovertemplate=f"you are here: node {current}<extra></extra>",
            meta={"role": "current", "vertex": int(current)}))
        # A label on its own background, so that it reads over a dense tree.
        fig.add_annotation(x=x[current], y=y[current], text="you are here", ax=36, ay=-28,
                           showarrow=True, arrowcolor=CURRENT_COLOR, arrowwidth=2,
                           bgcolor=CURRENT_COLOR, font=dict(color="white", size=12),
                           name="current")
    centres, labels, gaps = _run_labels(tree, x, drawn, runs)
    for gap in gaps:
        fig.add_vline(x=gap, line=dict(color=NEUTRAL_COLOR, width=1, dash="dot"))
    deepest = int(y[drawn].max()) if drawn.any() else 0
    fig.update_layout(
        title=title, height=520 if labels else 460, margin=_MARGIN,
        legend=dict(orientation="h", y=-0.2 if labels else -0.08),
        # Short stacked labels stay upright under a handful of runs; with many
        # runs plotly tilts them as it needs.
        xaxis=dict(visible=bool(labels), tickvals=centres, ticktext=labels,
                   tickangle=0 if len(labels) <= 8 else None, tickfont=dict(size=10),
                   showgrid=False, zeroline=False, title=None),
        yaxis=dict(title="depth (buffers placed)", range=[deepest + 0.6, -0.6],
                   tick0=0, dtick=_depth_ticks(deepest), zeroline=False))
    return fig


def _vertex_text(tree: TreeData, v: int, names: list[str] | None,
                 outcome: str | None = None) -> str:
    b = int(tree.buffer[v])
    label = "root" if b < 0 else (names[b] if names else f"buffer {b}")
    lines = [f"<b>node {v}</b> · depth {int(tree.depth[v])}"]
    if b >= 0:
        lines.append(f"{label} at {int(tree.offset[v])}")
    else:
        lines.append(f"root of partition {int(tree.partition[v])}")
    if tree.group[v] >= 0:
        lines.append(f"piece {int(tree.piece[v]) + 1} of decomposition "
                     f"{int(tree.group[v])}: sections {int(tree.piece_lo[v])}-"
                     f"{int(tree.piece_hi[v]) - 1}")
    outcome = outcome if outcome is not None else tree.outcome[v]
    if outcome == "inference":
        outcome += f" (section {int(tree.section[v])})"
    lines.append(outcome)
    if tree.kind[v] == "node" and (tree.skips[v] or tree.hatless_cut[v]):
        lines.append(f"{int(tree.skips[v])} skipped, {int(tree.hatless_cut[v])} cut "
                     "(hatless)")
    lines.append(f"step {int(tree.step[v])}")
    return "<br>".join(lines)


# ---------------------------------------------------------------- over time


def nodes_per_depth_figure(over: OverTime, title: str | None = "nodes per depth"
                           ) -> go.Figure:
    """How many search nodes the search visited at each depth."""
    depth = np.arange(len(over.nodes_per_depth))
    fig = go.Figure(go.Bar(
        x=depth, y=over.nodes_per_depth, marker_color=PLACED_COLOR,
        hovertemplate="depth %{x}: %{y:,} nodes<extra></extra>",
        meta={"role": "nodes per depth"}))
    fig.update_layout(title=title, height=300, margin=_MARGIN,
                      xaxis_title="depth (buffers placed)", yaxis_title="nodes")
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
    fig.update_layout(title=title, height=300, margin=_MARGIN, xaxis_title="nodes visited",
                      yaxis_title="count", legend=dict(orientation="h", y=-0.2))
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
    fig.update_layout(title=title, height=320, margin=_MARGIN, yaxis_title="nodes",
                      xaxis=dict(categoryorder="array", categoryarray=labels,
                                 tickangle=-45 if len(runs) > 8 else 0),
                      barmode="overlay", legend=dict(orientation="h", y=1.12, x=0.4))
    return fig


# ---------------------------------------------------------------- ablation


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
    fig.update_layout(title=title, height=120 + 32 * len(rows), margin=_MARGIN)
    return fig
