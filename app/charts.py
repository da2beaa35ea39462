"""Figures for the app: pure functions from problems, solutions and statistics
to plotly figures.  No Streamlit here, so they are easy to test and reuse.

The packing chart draws every buffer as a filled polygon in a handful of
traces (one per colour bucket), not one shape per buffer: a figure with
10,000 buffers then stays a few hundred kilobytes and draws in well under a
second in the browser.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go
from numba import njit
from plotly.colors import qualitative, sample_colorscale
from plotly.subplots import make_subplots

from minimalloc.model import Problem, Solution

#: How buffers can be coloured on the packing chart.
COLOR_MODES: tuple[str, ...] = ("size", "placement order", "partition")

CAPACITY_COLOR = "#d62728"
#: Mid-tones: legible on a light and on a dark background.
HEIGHT_COLOR = "#7b6cf6"
LOAD_COLOR = "#4c78a8"
HIGHLIGHT_COLOR = "#e4002b"
MISSING_COLOR = "#b0b0b0"
MAX_BUCKETS = 10
PALETTE = tuple(qualitative.Plotly)


class Rects(NamedTuple):
    """Axis-aligned rectangles, one row each, as parallel arrays.

    ``buffer`` is the buffer's index in the problem; a buffer without gaps has
    one rectangle, a buffer with gaps one per stretch where it is present
    (its full range, or the window it keeps during a gap).
    """

    buffer: np.ndarray  # int64
    t0: np.ndarray  # time, inclusive
    t1: np.ndarray  # time, exclusive
    y0: np.ndarray  # address, inclusive
    y1: np.ndarray  # address, exclusive


def columns(problem: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every buffer's ``lower, upper, size, alignment`` as int64 arrays (one
    pass over the buffers; remembered for the last few problems, as a chart
    needs them several times and big problems have 10^5 buffers)."""
    key = id(problem)
    hit = _COLUMNS.get(key)
    if hit is not None and hit[0] is problem:
        return hit[1]
    n = len(problem.buffers)
    table = np.array([(b.lower, b.upper, b.size, b.alignment) for b in problem.buffers],
                     dtype=np.int64).reshape(n, 4)
    found = tuple(np.ascontiguousarray(table[:, k]) for k in range(4))
    if len(_COLUMNS) >= 4:
        _COLUMNS.pop(next(iter(_COLUMNS)))
    _COLUMNS[key] = (problem, found)
    return found


_COLUMNS: dict[int, tuple[Problem, tuple]] = {}


def rectangles(problem: Problem, offsets: Sequence[int]) -> Rects:
    """The rectangles that ``problem``'s buffers occupy at ``offsets``.

    >>> from minimalloc.model import Buffer
    >>> p = Problem((Buffer("a", 0, 3, 4),))
    >>> r = rectangles(p, [8])
    >>> int(r.t0[0]), int(r.t1[0]), int(r.y0[0]), int(r.y1[0])
    (0, 3, 8, 12)
    """
    buffers = problem.buffers
    n = len(buffers)
    if len(offsets) != n:
        raise ValueError(f"{len(offsets)} offsets for {n} buffers")
    offs = np.asarray(offsets, dtype=np.int64).reshape(n)
    lower, upper, size, _ = columns(problem)
    gapped = [i for i, b in enumerate(buffers) if b.gaps]
    if not gapped:
        return Rects(np.arange(n, dtype=np.int64), lower, upper, offs, offs + size)
    plain = np.ones(n, dtype=bool)
    plain[gapped] = False
    rows: list[tuple[int, int, int, int, int]] = []
    for i in gapped:
        b = buffers[i]
        o = int(offs[i])
        t = b.lower
        for gap in sorted(b.gaps, key=lambda g: g.lower):
            if gap.lower > t:
                rows.append((i, t, gap.lower, o, o + b.size))
            if gap.window is not None:
                rows.append((i, gap.lower, gap.upper, o + gap.window[0], o + gap.window[1]))
            t = gap.upper
        if t < b.upper:
            rows.append((i, t, b.upper, o, o + b.size))
    extra = np.array(rows, dtype=np.int64).reshape(-1, 5)
    index = np.nonzero(plain)[0]
    rects = Rects(
        np.concatenate([index, extra[:, 0]]),
        np.concatenate([lower[plain], extra[:, 1]]),
        np.concatenate([upper[plain], extra[:, 2]]),
        np.concatenate([offs[plain], extra[:, 3]]),
        np.concatenate([offs[plain] + size[plain], extra[:, 4]]),
    )
    order = np.argsort(rects.buffer, kind="stable")
    return Rects(*(a[order] for a in rects))


def polygon_xy(
    rects: Rects, mask: np.ndarray | None = None, *, joined: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Rectangles as one x and one y array for a ``fill="toself"`` trace.

    ``joined`` (the default): one closed path through all of them, so the
    browser draws a single SVG path however many there are.  Each rectangle
    is five points (its corners, then back to the first), and after the last
    the path walks back through every rectangle's first corner: each link is
    traversed once forward and once back, encloses no area and is not filled.
    (Separating the rectangles by NaN instead makes plotly draw one SVG path
    per rectangle: several times slower at 10,000 buffers.)  Draw a joined
    trace with ``line.width=0``, or the links show.

    ``joined=False``: rectangles separated by NaN, for outlines.
    """
    if mask is not None:
        rects = Rects(*(a[mask] for a in rects))
    t0 = rects.t0.astype(float)
    t1 = rects.t1.astype(float)
    y0 = rects.y0.astype(float)
    y1 = rects.y1.astype(float)
    if joined:
        x = np.concatenate([np.stack([t0, t1, t1, t0, t0], axis=1).ravel(), t0[-2::-1]])
        y = np.concatenate([np.stack([y0, y0, y1, y1, y0], axis=1).ravel(), y0[-2::-1]])
        return x, y
    gap = np.full_like(t0, np.nan)
    x = np.stack([t0, t1, t1, t0, t0, gap], axis=1).ravel()
    y = np.stack([y0, y0, y1, y1, y0, gap], axis=1).ravel()
    return x, y


def array_values(value: object) -> list:
    """A trace's data array as a list, whether a sequence, a numpy array or
    plotly's JSON typed-array form ``{"dtype": ..., "bdata": base64}``."""
    if isinstance(value, dict) and "bdata" in value:
        raw = base64.b64decode(value["bdata"])
        data = np.frombuffer(raw, dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            shape = value["shape"]
            dims = shape if isinstance(shape, list) else str(shape).split(",")
            data = data.reshape([int(d) for d in dims])
        return data.tolist()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return list(value) if value is not None else []


def trace_rectangles(trace: object) -> list[tuple[float, float, float, float]]:
    """The rectangles ``(t0, t1, y0, y1)`` drawn by a polygon trace of this
    module (a plotly trace or its JSON dict), in drawing order: the inverse of
    :func:`polygon_xy`.  Its ``meta`` holds the count."""
    get = trace.get if isinstance(trace, dict) else lambda k: getattr(trace, k)
    meta = get("meta") or {}
    xs = [None if v is None else float(v) for v in array_values(get("x"))]
    ys = [None if v is None else float(v) for v in array_values(get("y"))]
    out = []
    if meta.get("joined", True):
        count = int(meta["rects"])
        for k in range(count):
            px = xs[5 * k : 5 * k + 4]
            py = ys[5 * k : 5 * k + 4]
            out.append((min(px), max(px), min(py), max(py)))
        return out
    current: list[tuple[float, float]] = []
    for xv, yv in [*zip(xs, ys, strict=True), (None, None)]:
        if xv is None or yv is None or math.isnan(xv):
            if current:
                px, py = zip(*current, strict=True)
                out.append((min(px), max(px), min(py), max(py)))
            current = []
        else:
            current.append((xv, yv))
    return out


def load_profile(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Live bytes over time as a step function: ``live[k]`` holds from
    ``times[k]`` until ``times[k + 1]``; the last entry is 0.  Gaps count
    with their window's width (nothing without a window)."""
    events: dict[int, int] = {}
    for b in problem.buffers:
        t = b.lower
        for gap in sorted(b.gaps, key=lambda g: g.lower):
            _add(events, t, gap.lower, b.size)
            if gap.window is not None:
                _add(events, gap.lower, gap.upper, gap.window[1] - gap.window[0])
            t = gap.upper
        _add(events, t, b.upper, b.size)
    if not events:
        return np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64)
    times = np.array(sorted(events), dtype=np.int64)
    deltas = np.array([events[t] for t in times], dtype=np.int64)
    return times, np.cumsum(deltas)


def _add(events: dict[int, int], lo: int, hi: int, amount: int) -> None:
    if hi > lo and amount:
        events[lo] = events.get(lo, 0) + amount
        events[hi] = events.get(hi, 0) - amount


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
        return columns(problem)[2].astype(float)
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


def _buckets(values: np.ndarray, color_by: str) -> tuple[np.ndarray, list[str], list[str]]:
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
    labels = []
    noun = "size" if color_by == "size" else "placed"
    shift = 1 if noun == "placed" else 0  # placement order counts from 1
    known_values = values[known]
    known_bucket = bucket[known]
    for k in range(count):
        members = known_values[known_bucket == k]
        lo = members.min() if len(members) else edges[k]
        hi = members.max() if len(members) else edges[k]
        text = _num(lo + shift) if lo == hi else f"{_num(lo + shift)}–{_num(hi + shift)}"
        labels.append(f"{noun} {text}")
    return bucket, colors, labels


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.3g}"


def _fill(color: str, alpha: float) -> str:
    """``color`` (hex or rgb()) with an alpha channel."""
    if color.startswith("#"):
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (int(float(v)) for v in color[color.index("(") + 1 : -1].split(",")[:3])
    return f"rgba({r},{g},{b},{alpha})"


def _ink(color: str) -> str:
    """Black or white, whichever reads better on ``color``."""
    rgba = _fill(color, 1.0)
    r, g, b = (int(v) for v in rgba[5:-1].split(",")[:3])
    return "#111" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#fff"


def _gap_text(buffer) -> str:
    if not buffer.gaps:
        return "none"
    parts = []
    for gap in buffer.gaps:
        text = f"{gap.lower}-{gap.upper}"
        if gap.window is not None:
            text += f"@{gap.window[0]}:{gap.window[1]}"
        parts.append(text)
    return " ".join(parts)


#: Above this many rectangles the packing is drawn as an image (one colour per
#: pixel) instead of polygons: SVG paths of 60,000 rectangles take ten seconds
#: or more to draw, the image a fraction of one.  Hover stays exact either way
#: (it looks rectangles up, it does not depend on what is drawn).
DETAIL_LIMIT = 15_000
#: Pixels of the aggregated image (about a wide chart's plot area).
RASTER_SHAPE = (560, 1400)  # rows (address), columns (time)


def _packed(values: np.ndarray) -> dict:
    """A numeric array in plotly's typed-array form (int32 when it fits):
    a fraction of the size of a JSON list, decoded by the page's script."""
    values = np.asarray(values)
    small = values.size == 0 or (
        np.issubdtype(values.dtype, np.integer)
        and -(2**31) <= int(values.min()) and int(values.max()) < 2**31
    )
    data = values.astype("<i4" if small else "<f8")
    return {"dtype": "i4" if small else "f8",
            "bdata": base64.b64encode(data.tobytes()).decode("ascii")}


def unpack(value: object) -> np.ndarray:
    """The inverse of :func:`_packed` (also accepts plain lists)."""
    return np.asarray(array_values(value))


def hover_index(problem: Problem, rects: Rects, offsets: Sequence[int],
                fixed: Sequence[bool] | None = None) -> dict:
    """What the page's hover script needs to name the buffer under the
    pointer exactly: every rectangle (``t0, t1, y0, y1`` and its buffer) and
    every buffer's details.  Sent as the ``meta`` of an empty trace whose
    role is ``"hover"``; ``hover.js`` builds a lookup grid over time from it.
    """
    buffers = problem.buffers
    n = len(buffers)
    if fixed is None:
        fixed = [b.offset is not None for b in buffers]
    lower, upper, size, alignment = columns(problem)
    ids = [b.id for b in buffers]
    return {
        "role": "hover",
        "t0": _packed(rects.t0), "t1": _packed(rects.t1),
        "y0": _packed(rects.y0), "y1": _packed(rects.y1),
        # Rectangle k is buffer k unless some buffer has gaps.
        "buffer": None if np.array_equal(rects.buffer, np.arange(n)) else _packed(
            rects.buffer),
        # One string, not a list: plotly deep-copies a trace's meta, and
        # copying 10^5 strings takes a large part of a second.
        "id": "\n".join(ids) if not any("\n" in i for i in ids) else ids,
        "lower": _packed(lower),
        "upper": _packed(upper),
        "size": _packed(size),
        "offset": _packed(np.asarray(offsets, dtype=np.int64).reshape(n)),
        "alignment": _packed(alignment),
        "fixed": np.nonzero(np.asarray(fixed, dtype=bool))[0].tolist(),
        "gaps": {str(i): _gap_text(b) for i, b in enumerate(buffers) if b.gaps},
        # Where a buffer comes from: an imported tensor's op and readers, an
        # allocation's stack frame.
        "label": {str(i): b.label for i, b in enumerate(buffers) if b.label},
    }


@cache
def hover_script() -> str:
    """The page script that shows the exact hover of packing charts (a page
    runs it once; see ``hover.js``)."""
    return "<script>" + (Path(__file__).with_name("hover.js")).read_text() + "</script>"


def standalone_html(fig: go.Figure) -> str:
    """``fig`` as one HTML file that works offline (plotly.js inlined) with
    the exact hover."""
    html = fig.to_html(include_plotlyjs=True, full_html=True)
    return html.replace("</body>", hover_script() + "</body>", 1)


def hover_ids(index: dict) -> list[str]:
    """The buffer ids of a :func:`hover_index`, in buffer order."""
    ids = index["id"]
    return ids.split("\n") if isinstance(ids, str) else list(ids)


def lookup(index: dict, t: float, address: float) -> int | None:
    """The buffer whose rectangle holds the point ``(t, address)`` according to
    a :func:`hover_index` (the script does the same in the browser)."""
    t0, t1, y0, y1 = (unpack(index[k]) for k in ("t0", "t1", "y0", "y1"))
    inside = (t0 <= t) & (t < t1) & (y0 <= address) & (address < y1)
    hits = np.nonzero(inside)[0]
    if not len(hits):
        return None
    k = int(hits[-1])
    return k if index["buffer"] is None else int(unpack(index["buffer"])[k])


def raster(rects: Rects, value: np.ndarray, x_range: tuple[float, float],
           y_range: tuple[float, float], shape: tuple[int, int] = RASTER_SHAPE
           ) -> np.ndarray:
    """The rectangles painted on a ``shape`` grid of cells (rows: address
    upwards, columns: time): each cell holds the ``value`` of the last
    rectangle that touches it, NaN where none does.  A rectangle narrower
    than a cell still gets one, so thin buffers stay visible."""
    rows, cols = shape
    grid = np.full(shape, np.nan)
    if not len(rects.t0):
        return grid
    dx = max((x_range[1] - x_range[0]) / cols, 1e-12)
    dy = max((y_range[1] - y_range[0]) / rows, 1e-12)
    c0 = np.clip(np.floor((rects.t0 - x_range[0]) / dx), 0, cols - 1).astype(np.int64)
    c1 = np.clip(np.ceil((rects.t1 - x_range[0]) / dx), 0, cols).astype(np.int64)
    r0 = np.clip(np.floor((rects.y0 - y_range[0]) / dy), 0, rows - 1).astype(np.int64)
    r1 = np.clip(np.ceil((rects.y1 - y_range[0]) / dy), 0, rows).astype(np.int64)
    c1 = np.maximum(c1, c0 + 1)
    r1 = np.maximum(r1, r0 + 1)
    _paint(grid, r0, r1, c0, c1, np.asarray(value, dtype=float))
    return grid


@njit(cache=True)
def _paint(grid, r0, r1, c0, c1, value):  # pragma: no cover - compiled
    for k in range(len(r0)):
        grid[r0[k]:r1[k], c0[k]:c1[k]] = value[k]


def _polygon_trace(rects: Rects, mask, *, name, fillcolor, role, **extra) -> go.Scatter:
    x, y = polygon_xy(rects, mask)
    count = len(rects.t0) if mask is None else int(np.count_nonzero(mask))
    return go.Scatter(
        x=x, y=y, mode="lines", fill="toself", fillcolor=fillcolor, name=name,
        line=dict(width=0, simplify=False), hoverinfo="skip",
        meta={"role": role, "rects": count}, **extra,
    )


def _outline_trace(rects: Rects, mask, *, color, width, role) -> go.Scatter:
    x, y = polygon_xy(rects, mask, joined=False)
    return go.Scatter(
        x=x, y=y, mode="lines", line=dict(color=color, width=width), hoverinfo="skip",
        showlegend=False, name=role, meta={"role": role, "joined": False},
    )


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
    moment (their maximum is the LOAD lower bound, drawn exactly however
    many buffers there are) against the capacity and the height, red where
    they exceed the capacity.  Stretches in ``overloaded`` ``(start, end,
    peak)``, where memory runs over, are shaded.

    ``window`` ``(t0, t1)`` shows only that stretch of time.  When more than
    ``detail_limit`` rectangles are in view they are painted as an image
    (:func:`raster`); fewer are polygons.  Rectangles get outlines up to
    ``outline_limit`` of them and id labels up to ``label_limit`` buffers.
    ``focus`` (a buffer index) is highlighted and the view centred on it.
    Hover is the page script's (``hover.js``), from the trace with role
    ``"hover"``: exact whatever is drawn.  ``stats`` is accepted for a
    uniform signature and not used.  Every trace's ``meta["role"]`` says what
    it is.
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
    t_min = float(min((b.lower for b in problem.buffers), default=0))
    t_max = float(max((b.upper for b in problem.buffers), default=1))
    if window is not None:
        t_min, t_max = max(t_min, float(window[0])), min(t_max, float(window[1]))
        t_max = max(t_max, t_min + 1)
    top = float(capacity or 0)
    highlight = {int(i) for i in highlight if 0 <= int(i) < n}
    if focus is not None and 0 <= focus < n:
        highlight.add(int(focus))
    highlight = sorted(highlight)
    aggregated = False
    if solution is not None and n:
        offsets = solution.offsets
        rects = rectangles(problem, offsets)
        top = max(top, float(rects.y1.max()))
        if window is not None:
            keep = (rects.t1 > t_min) & (rects.t0 < t_max)
            rects = Rects(*(a[keep] for a in rects))
        values = color_values(
            problem, color_by, placement_order=placement_order, partition_of=partition_of
        )
        bucket, colors, labels = _buckets(values, color_by)
        rect_bucket = bucket[rects.buffer]
        marked = np.zeros(n, dtype=bool)
        marked[highlight] = True
        alpha = 0.3 if highlight else 0.85
        groups = [(k, colors[k], labels[k]) for k in range(len(colors))]
        if (rect_bucket == -1).any():
            groups.append((-1, MISSING_COLOR, f"{color_by} unknown"))
        aggregated = len(rects.t0) > detail_limit
        if aggregated:
            _raster_traces(fig, rects, rect_bucket, groups, alpha, (t_min, t_max),
                           (0.0, top * 1.02 or 1.0))
        else:
            for k, color, label in groups:
                mask = rect_bucket == k
                if mask.any():
                    fig.add_trace(
                        _polygon_trace(rects, mask, name=label,
                                       fillcolor=_fill(color, alpha), role="buffers",
                                       legendgroup="buffers"),
                        row=1, col=1,
                    )
            if len(rects.buffer) <= outline_limit:
                fig.add_trace(
                    _outline_trace(rects, None, color="rgba(20,20,40,0.55)", width=0.8,
                                   role="outline"),
                    row=1, col=1,
                )
        fixed = np.array([b.offset is not None for b in problem.buffers], dtype=bool)
        _mark(fig, rects, fixed[rects.buffer], name="fixed offset (pinned)",
              fillcolor="rgba(0,0,0,0)", role="fixed",
              fillpattern=dict(shape="x", fgcolor="#888", bgcolor="rgba(0,0,0,0)",
                               size=7, solidity=0.3))
        if capacity is not None and (rects.y1 > capacity).any():
            above = rects.y1 > capacity
            part = Rects(rects.buffer, rects.t0, rects.t1,
                         np.maximum(rects.y0, capacity), rects.y1)
            _mark(fig, part, above, name="above the capacity",
                  fillcolor=_fill(HIGHLIGHT_COLOR, 0.75), role="above capacity")
        if highlight:
            mask = marked[rects.buffer]
            _mark(fig, rects, mask, name=highlight_label,
                  fillcolor=_fill(HIGHLIGHT_COLOR, 0.6), role="highlight")
            if mask.any():
                fig.add_trace(
                    _outline_trace(rects, mask, color=HIGHLIGHT_COLOR, width=2.5,
                                   role="highlight outline"),
                    row=1, col=1,
                )
        # Hover: an empty trace carrying the lookup data for hover.js.
        fig.add_trace(
            # Hidden: plotly then leaves its (large) meta alone.
            go.Scatter(x=[], y=[], visible=False, showlegend=False, name="hover",
                       meta=hover_index(problem, rects, offsets, fixed)),
            row=1, col=1,
        )
        if n <= label_limit and not aggregated:
            cx = (rects.t0 + rects.t1) / 2.0
            cy = (rects.y0 + rects.y1) / 2.0
            first = np.unique(rects.buffer, return_index=True)[1]
            shade = [_ink(colors[k]) if k >= 0 else "#111"
                     for k in rect_bucket[first]]
            fig.add_trace(
                go.Scatter(
                    x=cx[first], y=cy[first], mode="text",
                    text=[problem.buffers[i].id for i in rects.buffer[first]],
                    textfont=dict(size=11, color=shade), hoverinfo="skip",
                    showlegend=False, meta={"role": "labels"},
                ),
                row=1, col=1,
            )
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
        y_top = max(top, float(live.max()) if len(live) else 0.0)
        count = len(overloaded)
        band = Rects(
            np.zeros(count, dtype=np.int64),
            np.array([o[0] for o in overloaded], dtype=float),
            np.array([o[1] for o in overloaded], dtype=float),
            np.zeros(count), np.full(count, y_top),
        )
        fig.add_trace(
            _polygon_trace(band, None, name="memory runs over",
                           fillcolor="rgba(228,0,43,0.10)", role="overloaded",
                           fillpattern=dict(shape="/", fgcolor=HIGHLIGHT_COLOR,
                                            bgcolor="rgba(0,0,0,0)", size=10,
                                            solidity=0.15)),
            row=1, col=1,
        )
    _load_panel(fig, times, live, capacity, solution, t_min, t_max)
    peak = float(live.max()) if len(live) else 0.0
    y_max = max(top, peak, 1.0) * 1.05
    fig.update_layout(
        title=title,
        height=660,
        margin=dict(l=10, r=10, t=110 if title else 80, b=10),
        hovermode="closest",
        dragmode="zoom",
        # Above the chart, in rows: on a phone a legend at the side took
        # half the chart's width.
        legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0.0,
                    title=dict(text=f"colour: {color_by}"), font=dict(size=11)),
        uirevision=revision,
        meta={"aggregated": aggregated, "window": [t_min, t_max]},
    )
    # Zooming out stops at the data (and at address 0).
    fig.update_xaxes(minallowed=t_min, maxallowed=t_max)
    fig.update_xaxes(title_text="time", row=2, col=1)
    fig.update_yaxes(title_text="address", rangemode="tozero", minallowed=0,
                     maxallowed=y_max, row=1, col=1)
    fig.update_yaxes(title_text="live bytes", rangemode="tozero", minallowed=0,
                     maxallowed=y_max, row=2, col=1)
    if focus is not None and solution is not None and 0 <= focus < n:
        b = problem.buffers[focus]
        reach = max(b.upper - b.lower, (t_max - t_min) / 20)
        fig.update_xaxes(range=[max(t_min, b.lower - reach), min(t_max, b.upper + reach)])
    fig.add_annotation(
        text=f"live bytes over time; peak (LOAD lower bound) {peak:,.0f}",
        xref="x2 domain", yref="y2 domain", x=0.0, y=1.0, xanchor="left",
        yanchor="bottom", showarrow=False, font=dict(size=12),
    )
    return fig


def _raster_traces(fig, rects: Rects, rect_bucket: np.ndarray, groups, alpha: float,
                   x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
    """The aggregated view: the rectangles painted into a PNG (the browser
    decodes it natively: a heatmap of as many cells takes seconds to draw)
    placed under the data, and an empty trace per colour for the legend."""
    order = {k: j + 1 for j, (k, _, _) in enumerate(groups)}
    value = np.array([order.get(int(k), 0) for k in rect_bucket], dtype=float)
    cells = np.nan_to_num(raster(rects, value, x_range, y_range)).astype(np.uint8)
    palette = np.zeros((len(groups) + 1, 4), dtype=np.uint8)  # 0: empty, transparent
    for j, (_, color, _) in enumerate(groups, start=1):
        r, g, b = (int(float(v)) for v in _fill(color, 1)[5:-1].split(",")[:3])
        palette[j] = (r, g, b, round(255 * alpha))
    fig.add_layout_image(
        source=_png(palette[cells[::-1]]), xref="x", yref="y", x=x_range[0],
        y=y_range[1], sizex=x_range[1] - x_range[0], sizey=y_range[1] - y_range[0],
        sizing="stretch", layer="below", name="aggregated",
    )
    for _, color, label in groups:
        fig.add_trace(
            go.Scatter(x=[None], y=[None], mode="markers", name=label,
                       marker=dict(symbol="square", size=10, color=_fill(color, alpha)),
                       hoverinfo="skip", legendgroup="buffers",
                       meta={"role": "aggregated", "rects": int(len(rects.t0))}),
            row=1, col=1,
        )


def _png(rgba: np.ndarray) -> str:
    """An RGBA array as a PNG data URI."""
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba), "RGBA").save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _mark(fig, rects: Rects, mask: np.ndarray, *, name: str, fillcolor: str, role: str,
          **extra) -> None:
    """A polygon overlay of the rectangles in ``mask`` (if any)."""
    if mask.any():
        fig.add_trace(_polygon_trace(rects, mask, name=name, fillcolor=fillcolor,
                                     role=role, **extra), row=1, col=1)


def _load_panel(fig, times, live, capacity, solution, t_min, t_max) -> None:
    """Bottom panel: the live bytes, exact (every step of the profile)."""
    fig.add_trace(
        go.Scatter(
            x=times, y=live, mode="lines",
            line=dict(shape="hv", color=LOAD_COLOR, width=1.5),
            fill="tozeroy", fillcolor=_fill(LOAD_COLOR, 0.25), name="live bytes",
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
            _polygon_trace(band, None, name="over capacity", fillcolor="rgba(228,0,43,0.7)",
                           role="over capacity", showlegend=False),
            row=2, col=1,
        )
    if capacity is not None:
        _hline(fig, capacity, None, CAPACITY_COLOR, "solid", 2, t_min, t_max, "capacity")
    if solution is not None and solution.height:
        _hline(fig, solution.height, None, HEIGHT_COLOR, "dash", 2, t_min, t_max, "height")


def _hline(fig, y, label, color, dash, row, t0, t1, role):
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


def prunes_figure(stats, title: str | None = "prunes by rule") -> go.Figure:
    """How often each pruning rule fired (a horizontal bar per rule)."""
    rules = list(stats.prunes)
    counts = [stats.prunes[r] for r in rules]
    fig = go.Figure(
        go.Bar(x=counts, y=[r.replace("_", " ") for r in rules], orientation="h",
               marker_color=LOAD_COLOR, text=[f"{c:,}" for c in counts],
               textposition="auto", meta={"role": "prunes"})
    )
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=30 if title else 10, b=10),
                      title=title, xaxis_title="times fired")
    return fig


OUTCOME_COLORS: Mapping[str, str] = {
    "solved": "#2ca02c",
    "infeasible": "#9467bd",
    "node limit": "#ff7f0e",
    "timeout": "#d62728",
    "cancelled": "#7f7f7f",
}


def rounds_figure(stats, title: str | None = "round robin") -> go.Figure:
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
    fig.update_layout(
        height=300, margin=dict(l=10, r=10, t=30 if title else 10, b=10), title=title,
        # Log ticks at powers of ten only, written 10, 100, 1k: plotly's
        # default labels 2 and 5 between them too ("5 2 1 100k 5 2").
        yaxis=dict(title="nodes", type="log", dtick=1, tickformat="~s")
        if spread > 100 else dict(title="nodes", tickformat=",d"),
        xaxis=dict(categoryorder="array", categoryarray=labels), barmode="overlay",
        legend=dict(orientation="h"),
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
        (lower_bound, "lower bound", "#2ca02c", "dot"),
        (capacity, "capacity", CAPACITY_COLOR, "solid"),
    ):
        if value is not None and methods:
            fig.add_trace(
                go.Scatter(x=[methods[0], methods[-1]], y=[value, value], mode="lines",
                           line=dict(color=color, dash=dash), name=f"{name} {value:,}",
                           meta={"role": name})
            )
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=30 if title else 10, b=10),
                      title=title, yaxis_title="height",
                      legend=dict(orientation="h"))
    return fig


# ----------------------------------------------------------------------------
# Imported models and snapshots

RESERVED_COLOR = "#ff7f0e"


def reserved_figure(report, problem: Problem, solution: Solution | None = None,
                    title: str | None = "what the caching allocator reserved, beside "
                                        "a static plan") -> go.Figure:
    """A snapshot's reserved memory over time (steps) beside the live bytes,
    and a static plan's memory: the top of the buffers alive at each moment
    and its height.

    ``report`` is a :class:`~minimalloc.formats.torch_snapshot.SnapshotReport`.
    """
    from minimalloc.bounds import load_profile as live_profile

    end = max(report.entries, 1)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=[*report.times, end], y=[*report.reserved, report.reserved[-1]], mode="lines",
        line=dict(shape="hv", color=RESERVED_COLOR, width=2), name="allocator reserved",
        hovertemplate="entry %{x}<br>reserved %{y:,} bytes<extra></extra>",
        meta={"role": "reserved"}))
    times, live = live_profile(problem)
    if len(times):
        fig.add_trace(go.Scatter(
            x=times, y=live, mode="lines", line=dict(shape="hv", color=LOAD_COLOR),
            fill="tozeroy", fillcolor=_fill(LOAD_COLOR, 0.2), name="live bytes",
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
    fig.update_layout(title=title, height=380, margin=dict(l=10, r=10, t=50, b=10),
                      hovermode="x unified",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    fig.update_xaxes(title_text="trace entry (time)")
    fig.update_yaxes(title_text="bytes", rangemode="tozero")
    return fig


def plan_top(problem: Problem, solution: Solution) -> tuple[list[int], list[int]]:
    """A step function: the highest address a plan uses at each moment (the
    top of the buffers alive then), at every time it may change."""
    import heapq

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
