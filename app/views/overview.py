"""Above the tabs: the problem in numbers, starting a requested run, and a
running job's progress with its Stop button."""

from __future__ import annotations

import functools

import streamlit as st

from app import state
from app.figures.packing import packing_figure
from app.services.jobs import QUICK_WAIT, Job
from app.state import current
from app.views import packing
from app.views.common import byte_metric, metric_row
from minimalloc import bounds
from minimalloc.errors import ProblemError
from minimalloc.model import Problem

#: How often the progress panel refreshes (seconds).
PROGRESS_INTERVAL = 0.5


def messages() -> None:
    """The load, edit and settings errors of the last actions."""
    app = current()
    if app.load_error:
        st.error(f"Could not load that problem: {app.load_error}  \nThe last good "
                 "problem stays loaded.", icon=":material/error:")
    if app.edit_error:
        st.error(app.edit_error, icon=":material/edit_off:")


def problem_summary(problem: Problem) -> None:
    loaded = current().loaded
    st.markdown(f"**Problem:** {loaded.name}"
                + (f" — {loaded.description}" if loaded.description else ""))
    cols = st.columns(5)
    cols[0].metric("Buffers", f"{len(problem):,}")
    byte_metric(cols[1], "LOAD", bounds.max_load(problem),
                help="The most bytes live at any one moment: no packing is lower.")
    byte_metric(cols[2], "Lower bound", best_lower_bound(problem),
                help="No packing is lower: LOAD raised by the largest buffers, fixed "
                "offsets and alignment (and by the minimiser's proofs once it ran).")
    byte_metric(cols[3], "Capacity", problem.capacity)
    cols[4].metric("Time span", time_span(problem))


@st.cache_data(show_spinner=False, max_entries=32,
               hash_funcs={"minimalloc.model.Problem": lambda p: hash(p)})
def library_lower_bound(problem: Problem) -> int:
    return int(bounds.lower_bound(problem))


def best_lower_bound(problem: Problem) -> int:
    """The best lower bound known for ``problem``: the minimiser's when it
    ran on this very problem (it proves more), else the library's bound."""
    lower = library_lower_bound(problem)
    outcome = current().outcome
    if outcome is not None and outcome.problem == problem:
        lower = max(lower, int(outcome.lower_bound))
    return lower


def time_span(problem: Problem) -> str:
    if not problem.buffers:
        return "empty"
    lo = min(b.lower for b in problem.buffers)
    hi = max(b.upper for b in problem.buffers)
    return f"[{lo:,}, {hi:,})"


def start_job_if_requested(problem: Problem) -> None:
    """Start the run the Solve button (or a change) asked for."""
    app = current()
    if not app.solve_requested:
        return
    app.solve_requested = False
    app.stop_job()
    chosen = state.settings()
    try:
        params = chosen.params()
    except ProblemError as error:
        app.param_error = str(error)
        return
    app.param_error = None
    colour = st.session_state[state.COLOR_BY]
    job = Job(problem, params, mode=chosen.mode, baselines=chosen.baselines,
              fallback=chosen.fallback,
              after=functools.partial(packing.build_ahead, color_by=colour,
                                      revision=id(app.loaded)))
    # The last run's verdict goes now: under the progress panel it read as
    # this run's result.  The page waits for a quick run at its end
    # (settle_quick_job), when everything above already shows this run.
    app.outcome = None
    app.job = job.start(wait=0.0)
    app.job_started_here = True


def settle_quick_job() -> None:
    """At the end of the script: give a job started in this run a moment to
    finish, and show its result at once if it does (a long one goes on in
    the background with its progress panel)."""
    app = current()
    if app.job is None or not app.job_started_here:
        return
    app.job_started_here = False
    if app.job.wait(QUICK_WAIT):
        app.finish_job()
        st.rerun()


@st.fragment(run_every=PROGRESS_INTERVAL)
def progress_panel() -> None:
    """Live progress of a long solve, with a Stop button; while minimising,
    the best packing so far on request."""
    app = current()
    job = app.job
    if job is None:
        return
    if job.done:
        app.finish_job()
        st.rerun()
    shown = job.progress()
    with st.container(border=True):
        head, stop = st.columns([6, 1])
        head.markdown(f":material/hourglass_top: **{job.phase.capitalize()}…**")
        if stop.button("Stop", key="stop", type="primary", icon=":material/stop:"):
            job.cancel(wait=3.0)
            app.finish_job()
            st.rerun()
        metric_row(shown)
        progress = job.minimizer_progress()
        if progress is not None and progress.best is not None:
            if st.toggle("Show the best packing so far", key="show_best"):
                best = progress.best
                fig = packing_figure(job.problem, best,
                                     title=f"Best so far: height {best.height:,}")
                st.plotly_chart(fig, key="best_so_far_chart", config=packing.CHART_CONFIG)
