"""MiniMalloc in the browser: load or generate a problem, solve it, look at
the packing and at what the search did.  Run with ``make run``.

Wiring only: the state is :mod:`app.state`, each part of the page a module
of :mod:`app.views`, the figures :mod:`app.figures`, the work
:mod:`app.services` over the library.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import state
from app.figures.hover import hover_script
from app.services import links, loading
from app.state import current
from app.views import (
    buffers,
    compare,
    comparison,
    export,
    overview,
    packing,
    search,
    sidebar,
    spill,
    statistics,
    verdict,
)
from app.views.common import internal_error
from minimalloc import jit
from minimalloc.errors import InternalError, ProblemError

st.set_page_config(page_title="MiniMalloc", page_icon=":material/memory:", layout="wide")

TAB_LABELS = ("Packing", "Search statistics", "Comparison", "Buffers", "Export",
              "Search view", "Compare plans")
PACKING, STATISTICS, COMPARISON, BUFFERS, EXPORT, SEARCH, COMPARE = range(len(TAB_LABELS))
#: Samples to open with, the first one present.
FIRST_SAMPLES = ("transformer", "five_buffers", loading.BUILTIN_NAME)


@st.cache_resource(show_spinner="Compiling the search kernel (once per server)…")
def warm_kernel() -> float:
    """Compile the numba kernel once per server process; seconds taken."""
    return jit.warmup()


def first_sample() -> str:
    names = [name for name, _ in loading.sample_entries()]
    return next((name for name in FIRST_SAMPLES if name in names), names[0])


def main() -> None:
    warmed = warm_kernel()
    # Exact hover on packing charts (a page script: plotly's own hover
    # names the nearest point, not the rectangle under the pointer).
    st.html(hover_script(), unsafe_allow_javascript=True, width="content")
    st.html(Path(__file__).with_name("narrow.css"))  # metrics on phones
    sample = first_sample()
    link = links.open_link(TAB_LABELS)  # a session's first run: the URL's settings
    fresh = state.SESSION_KEY not in st.session_state
    app = state.start(lambda: links.first_problem(link, sample),
                      lambda: loading.load_sample(loading.BUILTIN_NAME), sample)
    if fresh:
        links.apply_after_load(link)
    app.warm_seconds = warmed
    if app.job is not None and app.job.done:
        app.finish_job()
    sidebar.render()
    st.title("MiniMalloc")
    st.caption("Static memory allocation for ML accelerators: every buffer gets an "
               "offset so that buffers alive at the same time never share an address.")
    top = st.container()  # messages, summary, progress and verdict, above the tabs
    # Tabs report which one is open, so the search view (which solves again
    # with every event recorded) runs only when someone looks at it.
    tabs = st.tabs(list(TAB_LABELS), key=state.TABS, on_change="rerun")
    problem = buffers.current_problem(tabs[BUFFERS])
    with top:
        links.messages()
        overview.messages()
        overview.problem_summary(problem)
        overview.start_job_if_requested(problem)
        if app.param_error:
            st.error(f"Solver settings: {app.param_error}")
        if app.job is not None:
            overview.progress_panel()
        results(problem, tabs)
    with tabs[PACKING]:
        packing.model_panels(problem, packing.shown_solution(problem))
    with tabs[EXPORT]:
        export.render(problem)
    with tabs[SEARCH]:
        search_tab(problem, tabs[SEARCH].open)
    with tabs[COMPARE]:
        if tabs[COMPARE].open:  # its solves and charts only when someone looks
            compare.render(problem)
        else:
            st.caption("Open this tab to compare two plans.")
    overview.settle_quick_job()
    links.sync()  # the URL holds a link to what is on screen


def results(problem, tabs) -> None:
    """The verdict above the tabs, and the tabs that show a run's results."""
    app = current()
    view = verdict.view_choice(problem)
    outcome = app.outcome
    if view == state.UPLOADED_VIEW or outcome is None:
        for tab in (tabs[STATISTICS], tabs[COMPARISON]):
            tab.caption("Press **Solve** in the sidebar to run the search and the "
                        "baselines.")
    if view == state.UPLOADED_VIEW:
        allocation = app.loaded.allocation
        check = verdict.uploaded_verdict(problem, allocation)
        with tabs[PACKING]:
            packing.packing_chart(problem, allocation, title="Uploaded allocation",
                                  marks=packing.Marks(check.culprits, "at fault"))
        return
    if outcome is None:
        if app.job is None:
            with tabs[PACKING]:
                st.info("Press **Solve** in the sidebar to place the buffers.")
                packing.packing_chart(problem, None)
        return
    if outcome.problem != problem:
        # In the Packing tab, not above the tabs: appearing there mid-edit it
        # moved the buffers table under the pointer.
        tabs[PACKING].warning("The problem changed since this result (an edit or the "
                              "capacity): press **Solve** to update it.",
                              icon=":material/update:")
    marks = verdict.outcome_verdict(outcome)
    shown, _ = outcome.shown()
    with tabs[PACKING]:
        spill.chart(outcome)
        packing.packing_chart(outcome.problem, shown, result=outcome.result, marks=marks,
                              title=packing.outcome_title(outcome))
    with tabs[STATISTICS]:
        statistics.render(outcome)
    with tabs[COMPARISON]:
        comparison.render(outcome)


def search_tab(problem, is_open: bool) -> None:
    if not is_open:
        st.caption("Open this tab to watch the search step by step.")
        return
    try:
        params = state.settings().params()
    except ProblemError as error:
        st.error(f"Solver settings: {error}")
        return
    try:
        search.render_search_view(problem, params, key_prefix="search")
    except InternalError as bug:
        internal_error(bug)


main()
