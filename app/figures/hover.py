"""Exact hover for packing charts.

Plotly names the point nearest the pointer, and a rectangle has no point
everywhere inside it; drawing each buffer as its own shape to hover on does
not scale.  So a packing chart carries every rectangle and every buffer's
details in the ``meta`` of an empty trace (role ``"hover"``), and a page
script (``hover.js``) finds the rectangle under the pointer itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from app.figures.rects import Rects, packed, unpack
from app.figures.style import with_automargin
from minimalloc.columns import buffer_columns
from minimalloc.formats.csv import format_gaps
from minimalloc.groups import alias_roots
from minimalloc.model import Problem


def hover_index(problem: Problem, rects: Rects, offsets: Sequence[int],
                fixed: Sequence[bool] | None = None, *, pool: str | None = None,
                note: str | None = None) -> dict:
    """What the page's hover script needs to name the buffer under the
    pointer exactly: every rectangle (``t0, t1, y0, y1`` and its buffer) and
    every buffer's details.  Sent as the ``meta`` of an empty trace whose
    role is ``"hover"``; ``hover.js`` builds a lookup grid over time from it.
    A chart may have several, one or more per panel (the script reads each
    on its trace's axes): ``pool`` names the memory the offsets are in, and
    ``note`` is a line said of every buffer of the index.
    """
    buffers = problem.buffers
    n = len(buffers)
    columns = buffer_columns(buffers)
    if fixed is None:
        fixed = columns.fixed >= 0
    ids = [b.id for b in buffers]
    return {
        "role": "hover",
        "t0": packed(rects.t0), "t1": packed(rects.t1),
        "y0": packed(rects.y0), "y1": packed(rects.y1),
        # Rectangle k is buffer k unless some buffer has gaps.
        "buffer": None if np.array_equal(rects.buffer, np.arange(n)) else packed(
            rects.buffer),
        # One string, not a list: plotly deep-copies a trace's meta, and
        # copying 10^5 strings takes a large part of a second.
        "id": "\n".join(ids) if not any("\n" in i for i in ids) else ids,
        "lower": packed(columns.lower),
        "upper": packed(columns.upper),
        "size": packed(columns.size),
        "offset": packed(np.asarray(offsets, dtype=np.int64).reshape(n)),
        "alignment": packed(columns.alignment),
        "fixed": np.nonzero(np.asarray(fixed, dtype=bool))[0].tolist(),
        "gaps": {str(i): format_gaps(b.gaps) for i, b in enumerate(buffers) if b.gaps},
        # Where a buffer comes from: an imported tensor's op and readers, an
        # allocation's stack frame.
        "label": {str(i): b.label for i, b in enumerate(buffers) if b.label},
        # Buffers that share memory (aliases): drawn as one block.
        "alias": shared_memory(problem),
        "pool": pool,
        "note": note,
    }


def shared_memory(problem: Problem) -> dict[str, str]:
    """For each buffer of an alias group, whom it shares memory with, in
    words (index -> 'shares memory with x, y')."""
    if not problem.has_aliases:
        return {}
    roots = alias_roots(problem.buffers)
    members: dict[int, list[int]] = {}
    for i, r in enumerate(roots):
        members.setdefault(r, []).append(i)
    return {str(i): "shares memory with " + ", ".join(
                problem.buffers[j].id for j in members[roots[i]] if j != i)
            for i in range(len(roots)) if len(members[roots[i]]) > 1}


def hover_trace(problem: Problem, rects: Rects, offsets: Sequence[int], *,
                pool: str | None = None, note: str | None = None) -> go.Scatter:
    """The empty trace carrying :func:`hover_index` (hidden: plotly then
    leaves its large meta alone)."""
    return go.Scatter(x=[], y=[], visible=False, showlegend=False, name="hover",
                      meta=hover_index(problem, rects, offsets, pool=pool, note=note))


@cache
def hover_script() -> str:
    """The page script that shows the exact hover of packing charts (a page
    runs it once; see ``hover.js``)."""
    return "<script>" + (Path(__file__).with_name("hover.js")).read_text() + "</script>"


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


def standalone_html(fig: go.Figure) -> str:
    """``fig`` as one HTML file that works offline (plotly.js inlined) with
    the exact hover.

    In the page's process the default plotly template is Streamlit's, whose
    placeholders its front end fills in: the file gets plotly's own, and
    every axis makes room for its labels (the page's chart has no room to
    spare at its left, the file's would cut the tick labels off).
    """
    fig = go.Figure(fig)
    fig.update_layout(template=pio.templates["plotly"])
    with_automargin(fig)
    html = fig.to_html(include_plotlyjs=True, full_html=True)
    return html.replace("</body>", hover_script() + "</body>", 1)
