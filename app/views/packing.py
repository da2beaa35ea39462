"""The Packing tab: the packing chart of what the page shows (the run's
answer, a baseline, the uploaded allocation), with a colour choice, a box to
find a buffer and, for big problems, a time window; below it, for imported
models and snapshots, the tensors alive at the peak and what the caching
allocator reserved."""

from __future__ import annotations

from typing import NamedTuple

import plotly.graph_objects as go
import streamlit as st

from app import state
from app.figures.packing import COLOR_MODES, DETAIL_LIMIT, packing_figure
from app.figures.snapshot import reserved_figure
from app.services.jobs import Outcome
from app.services.tables import peak_rows
from app.state import current
from app.text import buffer_index
from minimalloc.bounds import load_profile
from minimalloc.model import Problem, Solution
from minimalloc.search.solver import SolveResult

#: Packing figures built ahead (in the solve's thread, while the page waits):
#: a figure of 60,000 buffers takes a second or two to build.
FIGURE_CACHE_SIZE = 8
#: Problems above this many buffers get their first figure built ahead.
BUILD_AHEAD_FROM = 2_000
CHART_CONFIG = {"scrollZoom": False, "displaylogo": False}
#: The alive-at-peak table's numbers, with thousands separators.
PEAK_COLUMNS = {"size": st.column_config.NumberColumn("size", format="localized"),
                "offset": st.column_config.NumberColumn("offset", format="localized")}


class Marks(NamedTuple):
    """What to mark on the packing chart: buffers in red, what they are, and
    stretches of time where memory runs over (None: where the live bytes
    exceed the capacity)."""

    highlight: tuple[int, ...] = ()
    label: str = "highlighted"
    overloaded: list[tuple[int, int, int]] | None = None


NO_MARKS = Marks()

_figures: dict[tuple, tuple[Problem, Solution, go.Figure]] = {}


def cached_figure(problem: Problem, solution: Solution | None,
                  result: SolveResult | None, **options) -> go.Figure:
    """:func:`app.figures.packing.packing_figure`, taken from the cache when
    a solve built it ahead for the same objects and options."""
    key = (id(problem), id(solution), id(result),
           tuple(sorted((k, repr(v)) for k, v in options.items())))
    hit = _figures.get(key)
    if hit is not None and hit[0] is problem and hit[1] is solution:
        return hit[2]
    fig = packing_figure(
        problem, solution,
        placement_order=None if result is None else result.placement_order,
        partition_of=None if result is None else result.partition_of,
        profile=load_profile(problem), **options)
    while len(_figures) >= FIGURE_CACHE_SIZE:
        _figures.pop(next(iter(_figures)))
    _figures[key] = (problem, solution, fig)
    return fig


def outcome_title(outcome: Outcome) -> str | None:
    """The chart's title when it shows something other than the run's own
    answer (a baseline instead, an allocation the user chose)."""
    shown, label = outcome.shown()
    if shown is not None and not outcome.shows_own_answer():
        return f"Showing {label}: height {shown.height:,}"
    return None


def build_ahead(outcome: Outcome, color_by: str, revision: object) -> None:
    """In the solve's thread: the packing figure the page will show first."""
    if outcome.explanation is not None:
        return  # its highlights are decided while the page is drawn
    shown, _ = outcome.shown()
    if shown is not None and len(outcome.problem) > BUILD_AHEAD_FROM:
        cached_figure(outcome.problem, shown, outcome.result, color_by=color_by,
                      highlight=(), highlight_label=NO_MARKS.label, overloaded=None,
                      title=outcome_title(outcome), window=None, focus=None,
                      revision=(revision, None, None))


def packing_chart(problem: Problem, solution: Solution | None, *,
                  result: SolveResult | None = None, marks: Marks = NO_MARKS,
                  title: str | None = None) -> None:
    """The chart with its controls."""
    ss = st.session_state
    modes = list(COLOR_MODES)
    if result is None or result.placement_order is None:
        modes.remove("placement order")
    if result is None or result.partition_of is None:
        modes.remove("partition")
    if ss[state.COLOR_BY] not in modes:
        ss[state.COLOR_BY] = modes[0]
    left, right = st.columns([3, 2])
    if len(modes) > 1:
        left.radio("Colour by", modes, key=state.COLOR_BY, horizontal=True)
    else:  # nothing to choose (a minimisation records no placement order)
        left.caption(f"Buffers coloured by {modes[0]}.")
    focus = find_buffer(problem, right) if solution is not None else None
    window = time_window(problem) if solution is not None else None
    fig = cached_figure(
        problem, solution, result, color_by=ss[state.COLOR_BY],
        highlight=tuple(marks.highlight), highlight_label=marks.label,
        overloaded=marks.overloaded, title=title, window=window, focus=focus,
        revision=(id(current().loaded), window, focus),
    )
    if fig.layout.meta["aggregated"]:
        st.caption(f"{len(problem):,} buffers: drawn as an image (zooming enlarges its "
                   "pixels); narrow the time window for every buffer's outline.  Hover "
                   "names the exact buffer either way.")
    # The wheel scrolls the page (no scroll zoom); the camera button saves SVG.
    st.plotly_chart(fig, key="packing_chart", config={
        **CHART_CONFIG, "toImageButtonOptions": {"format": "svg", "filename": "packing"}})
    current().packing_figure = fig  # for the Export tab


def find_buffer(problem: Problem, where) -> int | None:
    """A box to find a buffer by id: it is highlighted and the chart centred
    on it.  Its index, or None."""
    text = where.text_input("Find a buffer by id", key=state.FIND_BUFFER,
                            placeholder="id, e.g. " + (problem.buffers[0].id
                                                       if problem.buffers else "b1"))
    wanted = text.strip()
    if not wanted:
        return None
    index = buffer_index(problem, wanted)
    if index is None:
        where.caption(f"No buffer has id '{wanted}'.")
    return index


def time_window(problem: Problem) -> tuple[int, int] | None:
    """For problems too big to draw every buffer: a slider over time; a
    window holding few enough buffers is drawn in full detail."""
    if len(problem) <= DETAIL_LIMIT or not problem.buffers:
        return None
    lo = min(b.lower for b in problem.buffers)
    hi = max(b.upper for b in problem.buffers)
    ss = st.session_state
    wanted = ss.get(state.TIME_WINDOW)  # a link may name a window
    if wanted is None or not lo <= wanted[0] < wanted[1] <= hi:
        ss[state.TIME_WINDOW] = (lo, hi)
    ss["time_window_full"] = (lo, hi)  # a link leaves the full window out
    window = st.slider("Time window", min_value=lo, max_value=hi,
                       key=state.TIME_WINDOW, format="localized",
                       help=f"At most {DETAIL_LIMIT:,} buffers in the window: "
                       "every buffer drawn with its outline.")
    return None if tuple(window) == (lo, hi) else tuple(window)


def model_panels(problem: Problem, solution: Solution | None) -> None:
    """Below the packing chart: for a labelled problem (an imported model
    or snapshot), the tensors alive at the peak; for a snapshot, what the
    caching allocator reserved over time beside the plan."""
    loaded = current().loaded
    if not any(b.label for b in problem.buffers) and loaded.report is None:
        return
    if loaded.report is not None:
        height = None if solution is None else solution.height
        st.info(loaded.report.summary(height), icon=":material/memory:")
        st.plotly_chart(reserved_figure(loaded.report, problem, solution),
                        key="reserved_chart")
    moment, rows = peak_rows(problem, solution)
    if rows:
        total = sum(r["size"] for r in rows)
        st.subheader("Alive at the peak")
        st.caption(f"{len(rows):,} buffers alive at time {moment:,} hold {total:,} bytes "
                   "(the LOAD), largest first.")
        st.dataframe(rows, key="peak_table", hide_index=True, width="stretch",
                     column_config=PEAK_COLUMNS)


def shown_solution(problem: Problem) -> Solution | None:
    """The allocation the page shows for ``problem``, if any."""
    app = current()
    if app.outcome is not None and app.outcome.problem == problem:
        return app.outcome.shown()[0]
    allocation = app.loaded.allocation
    if allocation is not None and len(allocation.offsets) == len(problem):
        return allocation
    return None
