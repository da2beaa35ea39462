"""Buffers as rectangles (time across, address up) and the ways the figures
draw many of them cheaply: one joined polygon path per colour, or an image.

A figure with 10,000 buffers drawn as one filled path per colour stays a few
hundred kilobytes and draws in well under a second in the browser; one shape
per buffer would not.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numba import njit

from minimalloc.aliases import fold
from minimalloc.columns import buffer_columns
from minimalloc.model import Problem

#: Pixels of an aggregated packing image (about a wide chart's plot area).
RASTER_SHAPE = (560, 1400)  # rows (address), columns (time)


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

    def select(self, mask: np.ndarray) -> Rects:
        """The rectangles where ``mask`` is true."""
        return Rects(*(a[mask] for a in self))


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
    columns = buffer_columns(buffers)
    lower, upper, size = columns.lower, columns.upper, columns.size
    gapped = np.flatnonzero(columns.gap_count).tolist()
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
    return rects.select(np.argsort(rects.buffer, kind="stable"))


def block_rectangles(problem: Problem, offsets: Sequence[int]) -> Rects:
    """:func:`rectangles`, with each alias group (a buffer and those that
    share its memory) drawn as one block: its rectangles span the group's
    lifetime (idle stretches between members are gaps) and name the root.

    >>> from minimalloc.model import Buffer
    >>> p = Problem((Buffer("x", 0, 3, 8), Buffer("y", 2, 5, 8, alias="x")))
    >>> r = block_rectangles(p, [0, 0])
    >>> r.buffer.tolist(), r.t0.tolist(), r.t1.tolist()
    ([0], [0], [5])
    """
    if not problem.has_aliases:
        return rectangles(problem, offsets)
    folded = fold(problem)
    roots = np.array([members[0] for members in folded.members], dtype=np.int64)
    rects = rectangles(folded.problem, [offsets[r] for r in roots.tolist()])
    return rects._replace(buffer=roots[rects.buffer])


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
        rects = rects.select(mask)
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
    """The rectangles ``(t0, t1, y0, y1)`` drawn by a polygon trace of the
    figures (a plotly trace or its JSON dict), in drawing order: the inverse
    of :func:`polygon_xy`.  Its ``meta`` holds the count."""
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


def packed(values: np.ndarray) -> dict:
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
    """The inverse of :func:`packed` (also accepts plain lists)."""
    return np.asarray(array_values(value))


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
