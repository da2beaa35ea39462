"""The search tree as the search explored it: one marker per vertex
coloured by outcome, the round robin's runs side by side."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.search_step import MARGIN
from app.figures.style import NEUTRAL_COLOR, title_and_legend
from minimalloc.model import Problem
from minimalloc.search.trace import RunSpan, TreeData

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
#: The ring around the stepper's current vertex: a colour no outcome uses, and
#: visible on light and dark backgrounds.
CURRENT_COLOR = "#e377c2"


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
    _edge_labels(fig, tree, x, y, drawn, names)
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
    title_and_legend(fig, title, 520 if labels else 460)
    fig.update_layout(
        margin=dict(MARGIN, t=fig.layout.margin.t),
        # Short stacked labels stay upright under a handful of runs; with many
        # runs plotly tilts them as it needs.
        xaxis=dict(visible=bool(labels), tickvals=centres, ticktext=labels,
                   tickangle=0 if len(labels) <= 8 else None, tickfont=dict(size=10),
                   showgrid=False, zeroline=False, title=None),
        yaxis=dict(title="depth (buffers placed)", range=[deepest + 0.6, -0.6],
                   tick0=0, dtick=_depth_ticks(deepest), zeroline=False))
    return fig


def _edge_labels(fig: go.Figure, tree: TreeData, x: np.ndarray, y: np.ndarray,
                 drawn: np.ndarray, names: list[str] | None) -> None:
    """On small trees, the placement each solid edge makes (``b1@8``) and
    the piece each dashed edge leads into (``piece 2 · section 1``): the
    vertex at the end of a dashed edge has the same placement as its
    parent, what is new there is the piece."""
    parent = tree.parent
    labelled = np.flatnonzero(drawn & (parent >= 0))
    if not 0 < len(labelled) <= 80:
        return
    pieces = [v for v in labelled if tree.group[v] >= 0]
    moves = [v for v in labelled if tree.group[v] < 0 and tree.buffer[v] >= 0]

    def move_text(v: int) -> str:
        buffer = int(tree.buffer[v])
        return f"{names[buffer] if names else buffer}@{int(tree.offset[v])}"

    for role, members, text in (("edge labels", moves, move_text),
                                ("piece labels", pieces, lambda v: piece_text(tree, v))):
        if members:
            fig.add_trace(go.Scatter(
                x=[(x[v] + x[parent[v]]) / 2 for v in members],
                y=[(y[v] + y[parent[v]]) / 2 for v in members], mode="text",
                text=[text(v) for v in members],
                textfont=dict(size=10, color=NEUTRAL_COLOR), hoverinfo="skip",
                showlegend=False, meta={"role": role}))


def piece_text(tree: TreeData, v: int) -> str:
    """``piece 2 · sections 3–5``: which piece of its decomposition vertex
    ``v`` starts, and the sections it covers."""
    lo, hi = int(tree.piece_lo[v]), int(tree.piece_hi[v])
    span = f"section {lo}" if hi - lo == 1 else f"sections {lo}–{hi - 1}"
    return f"piece {int(tree.piece[v]) + 1} · {span}"


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


