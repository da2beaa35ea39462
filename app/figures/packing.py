"""The packing chart: every buffer at its offset over time, above the live
bytes on the same time axis.

Buffers are drawn as filled polygons in a handful of traces (one per colour
bucket), or as an image when there are too many to outline
(:data:`DETAIL_LIMIT`); hover is exact either way (:mod:`app.figures.hover`).
Every trace's ``meta["role"]`` says what it is.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from io import BytesIO

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from app.figures.hover import hover_trace
from app.figures.rects import Rects, block_rectangles, polygon_xy, raster
from app.figures.style import (
    CAPACITY_COLOR,
    FOUND_COLOR,
    HEIGHT_COLOR,
    HIGHLIGHT_COLOR,
    LOAD_COLOR,
    MISSING_COLOR,
    PALETTE,
    ink,
    rgb,
    rgba,
    title_and_legend,
    with_automargin,
)
from minimalloc.bounds import load_profile
from minimalloc.columns import buffer_columns
from minimalloc.groups import alias_roots
from minimalloc.model import Problem, Solution

#: How buffers can be coloured on the packing chart.
COLOR_MODES: tuple[str, ...] = ("size", "placement order", "partition")
#: Most colour buckets of a packing chart.
MAX_BUCKETS = 10
#: Above this many rectangles the packing is drawn as an image (one colour per
#: pixel) instead of polygons: SVG paths of 60,000 rectangles take ten seconds
#: or more to draw, the image a fraction of one.  Hover stays exact either way
#: (it looks rectangles up, it does not depend on what is drawn).
DETAIL_LIMIT = 15_000
#: Pixels of the packing chart.
HEIGHT = 660


def overloaded_intervals(
    times: Sequence[int], live: Sequence[int], capacity: int | None
) -> list[tuple[int, int, int]]:
    """Stretches ``(start, end, peak)`` where the live bytes exceed ``capacity``."""
    if capacity is None:
        return []
    out: list[tuple[int, int, int]] = []
    times = [int(t) for t in times]
    live = [int(v) for v in live]
    for k, value in enumerate(live):
        if value <= capacity:
            continue
        end = times[k + 1] if k + 1 < len(times) else times[k] + 1
        if out and out[-1][1] == times[k]:
            start, _, peak = out[-1]
            out[-1] = (start, end, max(peak, value))
        else:
            out.append((times[k], end, value))
    return out


def color_values(
    problem: Problem,
    color_by: str,
    *,
    placement_order: Sequence[int] | None = None,
    partition_of: Sequence[int] | None = None,
) -> np.ndarray:
    """The number each buffer is coloured by (NaN: unknown, drawn grey)."""
    n = len(problem.buffers)
    if color_by == "size":
        return buffer_columns(problem.buffers).size.astype(float)
    if color_by == "placement order":
        values = np.full(n, np.nan)
        if placement_order is not None:
            values[np.asarray(placement_order, dtype=np.int64)] = np.arange(
                len(placement_order), dtype=float
            )
        return values
    if color_by == "partition":
        if partition_of is None:
            return np.full(n, np.nan)
        return np.asarray(partition_of, dtype=float)
    raise ValueError(f"unknown colour mode {color_by!r}: use one of {COLOR_MODES}")


def color_buckets(values: np.ndarray, color_by: str
                  ) -> tuple[np.ndarray, list[str], list[str]]:
    """Bucket index per buffer (-1: unknown), a colour and a legend label per
    bucket."""
    known = ~np.isnan(values)
    bucket = np.full(values.shape, -1, dtype=np.int64)
    if not known.any():
        return bucket, [], []
    if color_by == "partition":
        parts = values[known].astype(np.int64)
        count = int(parts.max()) + 1
        buckets = min(count, len(PALETTE))
        bucket[known] = parts % buckets
        if count <= len(PALETTE):
            labels = [f"partition {k}" for k in range(buckets)]
        else:
            labels = [f"partitions {k}, {k + buckets}, …" for k in range(buckets)]
        return bucket, list(PALETTE[:buckets]), labels
    distinct = np.unique(values[known])
    if len(distinct) <= MAX_BUCKETS:
        edges = np.append(distinct, distinct[-1] + 1)
    else:
        # Quantile edges so that each colour holds about as many buffers.
        edges = np.unique(np.quantile(values[known], np.linspace(0, 1, MAX_BUCKETS + 1)))
        edges[-1] = np.nextafter(edges[-1], np.inf)
    count = len(edges) - 1
    bucket[known] = np.clip(np.searchsorted(edges, values[known], side="right") - 1, 0,
                            count - 1)
    # Viridis from 0.25: its darkest purples vanish on a dark background.
    colors = sample_colorscale(
        "Viridis", [0.25 + 0.75 * k / max(count - 1, 1) for k in range(count)])
    noun = "size" if color_by == "size" else "placed"
    shift = 1 if noun == "placed" else 0  # placement order counts from 1
    known_values = values[known]
    known_bucket = bucket[known]
    labels = []
    for k in range(count):
        members = known_values[known_bucket == k]
        lo = members.min() if len(members) else edges[k]
        hi = members.max() if len(members) else edges[k]
        text = _num(lo + shift) if lo == hi else f"{_num(lo + shift)}–{_num(hi + shift)}"
        labels.append(f"{noun} {text}")
    return bucket, colors, labels


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.3g}"


def packing_figure(
    problem: Problem,
    solution: Solution | None,
    stats: object | None = None,
    *,
    color_by: str = "size",
    placement_order: Sequence[int] | None = None,
    partition_of: Sequence[int] | None = None,
    highlight: Iterable[int] = (),
    highlight_label: str = "highlighted",
    profile: tuple[Sequence[int], Sequence[int]] | None = None,
    overloaded: Sequence[tuple[int, int, int]] | None = None,
    title: str | None = None,
    label_limit: int = 60,
    outline_limit: int = 2000,
    detail_limit: int = DETAIL_LIMIT,
    window: tuple[float, float] | None = None,
    focus: int | None = None,
    revision: object = None,
) -> go.Figure:
    """The packing chart over the live-bytes chart, on one time axis.

    Top: one rectangle per buffer (and per window it keeps during a gap),
    time on x and address on y, coloured by ``color_by`` (one of
    :data:`COLOR_MODES`) in at most ten buckets, one trace each; the capacity
    and the solution's height as lines; the buffers in ``highlight`` (indices)
    drawn in red on top; buffers with a fixed offset cross-hatched; the part
    of any buffer above the capacity in red.  Bottom: the live bytes at each
    moment (:func:`minimalloc.bounds.load_profile`, or ``profile``; their
    maximum is the LOAD lower bound, drawn exactly however many buffers
    there are) against the capacity and the height, red where they exceed
    the capacity.  Stretches in ``overloaded`` ``(start, end, peak)``, where
    memory runs over, are shaded.

    ``window`` ``(t0, t1)`` shows only that stretch of time.  When more than
    ``detail_limit`` rectangles are in view they are painted as an image
    (:func:`app.figures.rects.raster`); fewer are polygons.  Rectangles get
    outlines up to ``outline_limit`` of them and id labels up to
    ``label_limit`` buffers.  ``focus`` (a buffer index) is highlighted and
    the view centred on it, named in the legend as found (not as one of the
    ``highlight``).  ``stats`` is accepted for a uniform signature
    and not used.
    """
    del stats
    capacity = problem.capacity
    times, live = profile if profile is not None else load_profile(problem)
    times = np.asarray(times, dtype=float)
    live = np.asarray(live, dtype=float)
    if overloaded is None:
        overloaded = overloaded_intervals(times, live, capacity)
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.74, 0.26]
    )
    n = len(problem.buffers)
    t_min, t_max = _time_range(problem, window)
    found = int(focus) if focus is not None and 0 <= focus < n else None
    if found is not None and problem.has_aliases:
        found = alias_roots(problem.buffers)[found]  # drawn as its group's block
    marked = sorted({int(i) for i in highlight if 0 <= int(i) < n} - {found})
    top = float(capacity or 0)
    aggregated = False
    if solution is not None and n:
        rects = block_rectangles(problem, solution.offsets)
        top = max(top, float(rects.y1.max()))
        if window is not None:
            rects = rects.select((rects.t1 > t_min) & (rects.t0 < t_max))
        values = color_values(problem, color_by, placement_order=placement_order,
                              partition_of=partition_of)
        aggregated = len(rects.t0) > detail_limit
        fills = _buffers(fig, rects, values, color_by,
                         highlighted=bool(marked) or found is not None,
                         aggregated=aggregated, outline_limit=outline_limit,
                         extent=(t_min, t_max, top))
        _marks(fig, problem, rects, marked, highlight_label)
        if found is not None:
            _found(fig, problem, rects, found)
        fig.add_trace(hover_trace(problem, rects, solution.offsets), row=1, col=1)
        if n <= label_limit and not aggregated:
            _labels(fig, problem, rects, fills)
        if solution.height:
            _hline(fig, solution.height, f"height {solution.height:,}", HEIGHT_COLOR,
                   "dash", 1, t_min, t_max, "height")
    else:
        fig.add_annotation(
            text="no allocation to show", xref="x domain", yref="y domain", x=0.5, y=0.5,
            showarrow=False, font=dict(size=16), row=1, col=1,
        )
    if capacity is not None:
        _hline(fig, capacity, f"capacity {capacity:,}", CAPACITY_COLOR, "solid", 1,
               t_min, t_max, "capacity")
    if overloaded:
        _overloaded_band(fig, overloaded, max(top, float(live.max()) if len(live) else 0.0))
    _load_panel(fig, times, live, capacity, solution, t_min, t_max)
    peak = float(live.max()) if len(live) else 0.0
    _layout(fig, title=title, color_by=color_by, revision=revision, aggregated=aggregated,
            x_range=(t_min, t_max), y_max=max(top, peak, 1.0) * 1.05, peak=peak)
    if found is not None and solution is not None:
        b = problem.buffers[found]
        reach = max(b.upper - b.lower, (t_max - t_min) / 20)
        fig.update_xaxes(range=[max(t_min, b.lower - reach), min(t_max, b.upper + reach)])
    return fig


def _time_range(problem: Problem, window: tuple[float, float] | None
                ) -> tuple[float, float]:
    """The stretch of time shown: the problem's, cut to ``window``."""
    t_min = float(min((b.lower for b in problem.buffers), default=0))
    t_max = float(max((b.upper for b in problem.buffers), default=1))
    if window is not None:
        t_min, t_max = max(t_min, float(window[0])), min(t_max, float(window[1]))
        t_max = max(t_max, t_min + 1)
    return t_min, t_max


def _buffers(fig: go.Figure, rects: Rects, values: np.ndarray, color_by: str, *,
             highlighted: bool, aggregated: bool, outline_limit: int,
             extent: tuple[float, float, float]) -> list[str]:
    """The buffers in their colours: polygons with outlines, or an image when
    ``aggregated``.  Returns each rectangle's colour."""
    bucket, colors, labels = color_buckets(values, color_by)
    rect_bucket = bucket[rects.buffer]
    alpha = 0.3 if highlighted else 0.85
    groups = [(k, colors[k], labels[k]) for k in range(len(colors))]
    if (rect_bucket == -1).any():
        groups.append((-1, MISSING_COLOR, f"{color_by} unknown"))
    fills = [colors[k] if k >= 0 else MISSING_COLOR for k in rect_bucket.tolist()]
    t_min, t_max, top = extent
    if aggregated:
        _raster_traces(fig, rects, rect_bucket, groups, alpha, (t_min, t_max),
                       (0.0, top * 1.02 or 1.0))
        return fills
    for k, color, label in groups:
        mask = rect_bucket == k
        if mask.any():
            fig.add_trace(
                polygon_trace(rects, mask, name=label, fillcolor=rgba(color, alpha),
                              role="buffers", legendgroup="buffers"),
                row=1, col=1,
            )
    if len(rects.buffer) <= outline_limit:
        fig.add_trace(
            outline_trace(rects, None, color="rgba(20,20,40,0.55)", width=0.8,
                          role="outline"),
            row=1, col=1,
        )
    return fills


def _labels(fig: go.Figure, problem: Problem, rects: Rects, fills: list[str]) -> None:
    """Each buffer's id at the middle of its first rectangle, in black or
    white to read on its colour."""
    cx = (rects.t0 + rects.t1) / 2.0
    cy = (rects.y0 + rects.y1) / 2.0
    first = np.unique(rects.buffer, return_index=True)[1]
    fig.add_trace(
        go.Scatter(
            x=cx[first], y=cy[first], mode="text",
            text=[block_name(problem, i) for i in rects.buffer[first].tolist()],
            textfont=dict(size=11, color=[ink(fills[k]) for k in first]),
            hoverinfo="skip", showlegend=False, meta={"role": "labels"},
        ),
        row=1, col=1,
    )


def block_name(problem: Problem, index: int) -> str:
    """A buffer's id on the chart; a block of buffers that share memory
    names those that share it too ('x = y = z')."""
    if not problem.has_aliases:
        return problem.buffers[index].id
    roots = alias_roots(problem.buffers)
    return " = ".join(b.id for i, b in enumerate(problem.buffers) if roots[i] == index)


def _marks(fig: go.Figure, problem: Problem, rects: Rects, marked: list[int],
           highlight_label: str) -> None:
    """Over the buffers: fixed ones hatched, the parts above the capacity and
    the ``marked`` buffers in red."""
    capacity = problem.capacity
    fixed = buffer_columns(problem.buffers).fixed >= 0
    _mark(fig, rects, fixed[rects.buffer], name="fixed offset (pinned)",
          fillcolor="rgba(0,0,0,0)", role="fixed",
          fillpattern=dict(shape="x", fgcolor="#888", bgcolor="rgba(0,0,0,0)",
                           size=7, solidity=0.3))
    if capacity is not None and (rects.y1 > capacity).any():
        above = rects.y1 > capacity
        part = Rects(rects.buffer, rects.t0, rects.t1, np.maximum(rects.y0, capacity),
                     rects.y1)
        _mark(fig, part, above, name="above the capacity",
              fillcolor=rgba(HIGHLIGHT_COLOR, 0.75), role="above capacity")
    if marked:
        chosen = np.zeros(len(problem.buffers), dtype=bool)
        chosen[marked] = True
        mask = chosen[rects.buffer]
        _mark(fig, rects, mask, name=highlight_label,
              fillcolor=rgba(HIGHLIGHT_COLOR, 0.6), role="highlight")
        if mask.any():
            fig.add_trace(outline_trace(rects, mask, color=HIGHLIGHT_COLOR, width=2.5,
                                        role="highlight outline"), row=1, col=1)


def _found(fig: go.Figure, problem: Problem, rects: Rects, index: int) -> None:
    """The buffer found by its id, named in the legend, outlined."""
    mask = rects.buffer == index
    if mask.any():
        fig.add_trace(polygon_trace(rects, mask, name=f"found: {problem.buffers[index].id}",
                                    fillcolor=rgba(FOUND_COLOR, 0.75), role="found"),
                      row=1, col=1)
        fig.add_trace(outline_trace(rects, mask, color=FOUND_COLOR, width=2.5,
                                    role="found outline"), row=1, col=1)


def _overloaded_band(fig: go.Figure, overloaded: Sequence[tuple[int, int, int]],
                     y_top: float) -> None:
    """Hatching over the stretches of time where memory runs over."""
    count = len(overloaded)
    band = Rects(
        np.zeros(count, dtype=np.int64),
        np.array([o[0] for o in overloaded], dtype=float),
        np.array([o[1] for o in overloaded], dtype=float),
        np.zeros(count), np.full(count, y_top),
    )
    fig.add_trace(
        polygon_trace(band, None, name="memory runs over",
                      fillcolor="rgba(228,0,43,0.10)", role="overloaded",
                      fillpattern=dict(shape="/", fgcolor=HIGHLIGHT_COLOR,
                                       bgcolor="rgba(0,0,0,0)", size=10, solidity=0.15)),
        row=1, col=1,
    )


def _layout(fig: go.Figure, *, title: str | None, color_by: str, revision: object,
            aggregated: bool, x_range: tuple[float, float], y_max: float,
            peak: float) -> None:
    t_min, t_max = x_range
    fig.update_layout(
        hovermode="closest",
        dragmode="zoom",
        uirevision=revision,
        meta={"aggregated": aggregated, "window": [t_min, t_max]},
        margin=dict(l=10, r=10, b=10),
    )
    # The legend above the chart, in rows: on a phone a legend at the side
    # took half the chart's width.
    title_and_legend(fig, title, HEIGHT, title=dict(text=f"colour: {color_by}"),
                     font=dict(size=11))
    with_automargin(fig)
    # Zooming out stops at the data (and at address 0).
    fig.update_xaxes(minallowed=t_min, maxallowed=t_max)
    fig.update_xaxes(title_text="time", row=2, col=1)
    fig.update_yaxes(title_text="address", rangemode="tozero", minallowed=0,
                     maxallowed=y_max, row=1, col=1)
    fig.update_yaxes(title_text="live bytes", rangemode="tozero", minallowed=0,
                     maxallowed=y_max, row=2, col=1)
    fig.add_annotation(
        text=f"live bytes over time; peak (LOAD lower bound) {peak:,.0f}",
        xref="x2 domain", yref="y2 domain", x=0.0, y=1.0, xanchor="left",
        yanchor="bottom", showarrow=False, font=dict(size=12),
    )


def _raster_traces(fig: go.Figure, rects: Rects, rect_bucket: np.ndarray, groups,
                   alpha: float, x_range: tuple[float, float],
                   y_range: tuple[float, float]) -> None:
    """The aggregated view: the rectangles painted into a PNG (the browser
    decodes it natively: a heatmap of as many cells takes seconds to draw)
    placed under the data, and an empty trace per colour for the legend."""
    order = {k: j + 1 for j, (k, _, _) in enumerate(groups)}
    value = np.array([order.get(int(k), 0) for k in rect_bucket], dtype=float)
    cells = np.nan_to_num(raster(rects, value, x_range, y_range)).astype(np.uint8)
    palette = np.zeros((len(groups) + 1, 4), dtype=np.uint8)  # 0: empty, transparent
    for j, (_, color, _) in enumerate(groups, start=1):
        palette[j] = (*rgb(color), round(255 * alpha))
    fig.add_layout_image(
        source=_png(palette[cells[::-1]]), xref="x", yref="y", x=x_range[0],
        y=y_range[1], sizex=x_range[1] - x_range[0], sizey=y_range[1] - y_range[0],
        sizing="stretch", layer="below", name="aggregated",
    )
    for _, color, label in groups:
        fig.add_trace(
            go.Scatter(x=[None], y=[None], mode="markers", name=label,
                       marker=dict(symbol="square", size=10, color=rgba(color, alpha)),
                       hoverinfo="skip", legendgroup="buffers",
                       meta={"role": "aggregated", "rects": int(len(rects.t0))}),
            row=1, col=1,
        )


def _png(pixels: np.ndarray) -> str:
    """An RGBA array as a PNG data URI."""
    out = BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels), "RGBA").save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _mark(fig: go.Figure, rects: Rects, mask: np.ndarray, *, name: str, fillcolor: str,
          role: str, **extra) -> None:
    """A polygon overlay of the rectangles in ``mask`` (if any)."""
    if mask.any():
        fig.add_trace(polygon_trace(rects, mask, name=name, fillcolor=fillcolor,
                                    role=role, **extra), row=1, col=1)


def _load_panel(fig: go.Figure, times: np.ndarray, live: np.ndarray,
                capacity: int | None, solution: Solution | None, t_min: float,
                t_max: float) -> None:
    """Bottom panel: the live bytes, exact (every step of the profile)."""
    fig.add_trace(
        go.Scatter(
            x=times, y=live, mode="lines",
            line=dict(shape="hv", color=LOAD_COLOR, width=1.5),
            fill="tozeroy", fillcolor=rgba(LOAD_COLOR, 0.25), name="live bytes",
            hovertemplate="t=%{x:,}<br>live %{y:,} bytes<extra></extra>",
            meta={"role": "load"},
        ),
        row=2, col=1,
    )
    if capacity is not None and (live > capacity).any():
        over = [
            (times[k], times[k + 1] if k + 1 < len(times) else times[k] + 1,
             capacity, live[k])
            for k in np.nonzero(live > capacity)[0]
        ]
        arr = np.array(over, dtype=float).reshape(-1, 4)
        band = Rects(np.zeros(len(arr)), arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])
        fig.add_trace(
            polygon_trace(band, None, name="over capacity", fillcolor="rgba(228,0,43,0.7)",
                          role="over capacity", showlegend=False),
            row=2, col=1,
        )
    if capacity is not None:
        _hline(fig, capacity, None, CAPACITY_COLOR, "solid", 2, t_min, t_max, "capacity")
    if solution is not None and solution.height:
        _hline(fig, solution.height, None, HEIGHT_COLOR, "dash", 2, t_min, t_max, "height")


def _hline(fig: go.Figure, y: float, label: str | None, color: str, dash: str, row: int,
           t0: float, t1: float, role: str) -> None:
    """A horizontal line as a two-point trace (it zooms with the data)."""
    fig.add_trace(
        go.Scatter(
            x=[t0, t1], y=[y, y], mode="lines", line=dict(color=color, dash=dash, width=2),
            name=label or role, showlegend=label is not None and row == 1,
            hovertemplate=f"{role} {y:,}<extra></extra>", meta={"role": role},
            # On the packing panel the page's hover names buffers instead.
            hoverinfo="skip" if row == 1 else None,
        ),
        row=row, col=1,
    )


def polygon_trace(rects: Rects, mask: np.ndarray | None, *, name: str, fillcolor: str,
                  role: str, **extra) -> go.Scatter:
    """Rectangles as one filled path (:func:`app.figures.rects.polygon_xy`)."""
    x, y = polygon_xy(rects, mask)
    count = len(rects.t0) if mask is None else int(np.count_nonzero(mask))
    return go.Scatter(
        x=x, y=y, mode="lines", fill="toself", fillcolor=fillcolor, name=name,
        line=dict(width=0, simplify=False), hoverinfo="skip",
        meta={"role": role, "rects": count}, **extra,
    )


def outline_trace(rects: Rects, mask: np.ndarray | None, *, color: str, width: float,
                  role: str) -> go.Scatter:
    """The outlines of rectangles (one path, NaN-separated)."""
    x, y = polygon_xy(rects, mask, joined=False)
    return go.Scatter(
        x=x, y=y, mode="lines", line=dict(color=color, width=width), hoverinfo="skip",
        showlegend=False, name=role, meta={"role": role, "joined": False},
    )
