"""The Compare plans tab: any two plans of the problem side by side or
overlaid, on one time axis, with each one's live bytes and top, and the
differences listed (:mod:`minimalloc.analysis.compare`).

A plan is the run's answer, a baseline's, the answer at another capacity,
the allocation the loaded file came with, or a file uploaded here (a plan
CSV, or a PyTorch snapshot: where its caching allocator put each block).
Choosing a listed buffer finds it in both charts.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import state
from app.figures.compare import curves_figure, overlay_figure, plan_figure
from app.state import current
from app.views.common import metric_row
from app.views.packing import CHART_CONFIG
from minimalloc.analysis.compare import MATCHES, Comparison, Plan, compare, read_plan
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import dumps_csv
from minimalloc.model import Problem
from minimalloc.params import SolverParams
from minimalloc.search.solver import solve

#: The choices that need more than a name: another capacity, an upload.
OTHER_CAPACITY = "answer at another capacity"
UPLOADED = "uploaded plan or snapshot"
ANSWER = "current answer"
FILE_ALLOCATION = "the file's allocation"
LAYOUTS = ("side by side", "overlaid")
NOBODY = "(none)"
#: Most buffers the find box offers.
FIND_LIMIT = 1_000
#: Seconds the search takes for the answer at another capacity.
OTHER_TIMEOUT = 10.0


def render(problem: Problem) -> None:
    """The tab: two plan pickers, the charts, the differences."""
    plans = named_plans(problem)
    choices = [*plans, OTHER_CAPACITY, UPLOADED]
    ss = st.session_state
    for key, default in ((state.COMPARE_A, 0), (state.COMPARE_B, 1)):
        if ss.get(key) not in choices:
            ss[key] = choices[min(default, len(choices) - 1)]
    left, right = st.columns(2)
    left.selectbox("Plan A", choices, key=state.COMPARE_A)
    right.selectbox("Plan B", choices, key=state.COMPARE_B)
    try:
        a = chosen_plan(problem, plans, ss[state.COMPARE_A], left, "a")
        b = chosen_plan(problem, plans, ss[state.COMPARE_B], right, "b")
    except ProblemError as error:
        st.error(str(error))
        return
    if a is None or b is None:
        st.info("Choose two plans to compare (press **Solve** for the current answer "
                "and the baselines).")
        return
    left, right = st.columns(2)
    left.radio("Match buffers by", MATCHES, key=state.COMPARE_MATCH, horizontal=True)
    right.radio("Draw", LAYOUTS, key=state.COMPARE_LAYOUT, horizontal=True)
    try:
        comparison = compare(a, b, match=ss[state.COMPARE_MATCH])
    except ProblemError as error:
        st.error(f"Cannot compare: {error}")
        return
    _summary(comparison)
    focus = _finder(comparison)
    _charts(comparison, focus)
    _differences(comparison)


def named_plans(problem: Problem) -> dict[str, Plan]:
    """The plans the page already has, by name: the run's answer, each
    baseline's, the loaded file's own allocation."""
    app = current()
    plans: dict[str, Plan] = {}
    outcome = app.outcome
    if outcome is not None:
        shown, label = outcome.shown()
        if shown is not None:
            plans[ANSWER] = Plan(outcome.problem, shown, f"{ANSWER} ({label})")
        for baseline in outcome.baselines:
            if baseline.solution is not None:
                name = f"baseline {baseline.method}"
                plans[name] = Plan(outcome.problem, baseline.solution, name)
    if app.loaded.allocation is not None:
        plans[FILE_ALLOCATION] = Plan(problem, app.loaded.allocation,
                                      f"{app.loaded.name} (its offsets)")
    return plans


def chosen_plan(problem: Problem, plans: dict[str, Plan], choice: str, where,
                side: str) -> Plan | None:
    """The plan ``choice`` names, asking for what it needs (a capacity, a
    file) in ``where``; a ProblemError when it cannot be had."""
    if choice in plans:
        return plans[choice]
    if choice == OTHER_CAPACITY:
        key = state.compare_capacity_key(side)
        st.session_state.setdefault(key, int(problem.capacity or 1))
        capacity = int(where.number_input("Capacity", min_value=1, step=1, key=key))
        return answer_at(problem, capacity)
    upload = where.file_uploader("Plan CSV (an offset in every row) or PyTorch "
                                 "snapshot", type=["csv", "txt", "pickle", "pkl"],
                                 key=state.compare_upload_key(side))
    if upload is None:
        return None
    return read_plan(upload.getvalue(), name=upload.name)


@st.cache_data(show_spinner="Solving at that capacity…", max_entries=8)
def _solved(csv_text: str, capacity: int, params: SolverParams, _problem: Problem):
    """The search's answer at ``capacity`` and what it is (``csv_text``, the
    problem as text, is the cache's key)."""
    result = solve(_problem.with_capacity(capacity), params, fallback=True)
    if result.solution is not None:
        return result.solution, "the exact search"
    if result.fallback is not None:
        fallback = result.fallback
        verdict = "" if fallback.fits else f"{result.status.value}, "
        return fallback.solution, f"{verdict}baseline {fallback.method}"
    return None, result.status.value


def answer_at(problem: Problem, capacity: int) -> Plan:
    """The search's answer at ``capacity``, else the best baseline's (named
    as such, and as not fitting when it does not); a ProblemError if there
    is none."""
    params = SolverParams(timeout=OTHER_TIMEOUT)
    solution, how = _solved(dumps_csv(problem), capacity, params, problem)
    if solution is None:
        raise ProblemError(f"no answer at capacity {capacity:,} ({how})")
    return Plan(problem.with_capacity(capacity), solution,
                f"capacity {capacity:,} ({how})")


def _summary(c: Comparison) -> None:
    metric_row({
        "Height A": f"{c.height_a:,}",
        "Height B": (f"{c.height_b:,}", f"{c.difference:+,}"),
        "Moved": f"{len(c.moves):,}",
        "Only in A": f"{len(c.only_a):,}",
        "Only in B": f"{len(c.only_b):,}",
    })


def _finder(c: Comparison) -> str | None:
    """A box to find a listed buffer in both plans; its key, or None."""
    listed = [*c.moved, *c.only_a, *c.only_b, *c.changed]
    ss = st.session_state
    table = ss.get(state.COMPARE_TABLE)
    rows = list(table["selection"]["rows"]) if table else []
    table_rows = _rows(c)
    # A new click in the table of differences finds that buffer (the box
    # keeps working after: an old click is not applied again).
    if rows != ss.get(state.COMPARE_CLICKED):
        ss[state.COMPARE_CLICKED] = rows
        if rows and rows[0] < len(table_rows):
            ss[state.COMPARE_FIND] = table_rows[rows[0]]["buffer"]
    # A box of 10^5 options is slow to send and to scroll: the first ones,
    # and the table's click for the rest.
    options = [NOBODY, *list(dict.fromkeys(listed))[:FIND_LIMIT]]
    if ss.get(state.COMPARE_FIND) in listed and ss[state.COMPARE_FIND] not in options:
        options.append(ss[state.COMPARE_FIND])
    if ss.get(state.COMPARE_FIND) not in options:
        ss[state.COMPARE_FIND] = NOBODY
    chosen = st.selectbox("Find a listed buffer in both plans", options,
                          key=state.COMPARE_FIND)
    return None if chosen == NOBODY else chosen


def _charts(c: Comparison, focus: str | None) -> None:
    revision = ("compare", c.a.name, c.b.name, focus)
    if st.session_state[state.COMPARE_LAYOUT] == LAYOUTS[0]:
        left, right = st.columns(2)
        left.plotly_chart(plan_figure(c, "a", focus=focus, revision=revision),
                          key="compare_chart_a", config=CHART_CONFIG)
        right.plotly_chart(plan_figure(c, "b", focus=focus, revision=revision),
                           key="compare_chart_b", config=CHART_CONFIG)
    else:
        st.plotly_chart(overlay_figure(c, focus=focus, revision=revision),
                        key="compare_overlay_chart", config=CHART_CONFIG)
    st.plotly_chart(curves_figure(c), key="compare_curves_chart", config=CHART_CONFIG)


def _rows(c: Comparison) -> list[dict]:
    rows = [{"buffer": m.key, "difference": "moved", "size": m.size,
             "offset A": m.offset_a, "offset B": m.offset_b} for m in c.moves]
    for keys, what in ((c.only_a, "only in A"), (c.only_b, "only in B"),
                       (c.changed, "lifetime or size changed")):
        rows += [{"buffer": k, "difference": what, "size": None, "offset A": None,
                  "offset B": None} for k in keys]
    return rows


def _differences(c: Comparison) -> None:
    rows = _rows(c)
    st.subheader("Differences")
    if rows:
        st.caption("Click a row to find that buffer in both plans.")
        st.dataframe(pd.DataFrame(rows), hide_index=True, key=state.COMPARE_TABLE,
                     on_select="rerun", selection_mode="single-row")
    else:
        st.success("The two plans put every buffer at the same offset.")
    if c.stretches:
        st.caption("Where one plan reaches higher than the other (its top: the "
                   "highest address in use at that moment).")
        st.dataframe(pd.DataFrame(
            [{"from": s.start, "to": s.end, "top A": s.top_a, "top B": s.top_b,
              "B - A": s.difference} for s in c.stretches]),
            hide_index=True, key="compare_stretches")
