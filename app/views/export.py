"""The Export tab: the problem and the allocation shown as files (CSV, JSON,
the Chrome trace and the text plan the command line writes), and the chart
as a standalone page.  Each file is made only when its button is pressed."""

from __future__ import annotations

import streamlit as st

from app.figures.hover import standalone_html
from app.services import links
from app.services.checking import check_allocation
from app.services.exports import plan_file, plan_formats, problem_json, result_json
from app.services.jobs import Plan
from app.state import current
from minimalloc.formats.csv import dumps_csv
from minimalloc.model import Problem

#: The download buttons of the library's plan formats: key, label, MIME type.
PLAN_BUTTONS = {
    "chrome-trace": ("download_chrome_trace", "Chrome trace (Perfetto, chrome://tracing)",
                     "application/json"),
    "text": ("download_text_plan", "text plan (TFLM style)", "text/plain"),
}


def render(problem: Problem) -> None:
    left, right = st.columns(2)
    left.download_button("Download the problem (CSV)", lambda: dumps_csv(problem),
                         file_name="problem.csv", mime="text/csv",
                         key="download_problem", on_click="ignore")
    right.download_button("Download the problem (JSON)", lambda: problem_json(problem),
                          file_name="problem.json", mime="application/json",
                          key="download_problem_json", on_click="ignore")
    st.download_button("Download a bundle (problem, settings and view in one JSON file; "
                       "upload it to reopen this view)", links.current_bundle,
                       file_name="minimalloc-bundle.json", mime="application/json",
                       key="download_bundle", on_click="ignore")
    plan = shown_plan(problem)
    if plan is None:
        st.caption("Solve the current problem to download a solution.")
    else:
        solution, label = plan.solution, plan.method
        left.download_button(f"Download the solution (CSV with offsets; {label})",
                             lambda: dumps_csv(problem, solution),
                             file_name="solution.csv", mime="text/csv",
                             key="download_solution", on_click="ignore")
        right.download_button(f"Download the result (JSON; {label})",
                              lambda: result_json(problem, plan),
                              file_name="result.json", mime="application/json",
                              key="download_result_json", on_click="ignore")
        columns = iter((left, right) * 2)
        for name, suffix in plan_formats().items():
            key, what, mime = PLAN_BUTTONS.get(name, (f"download_{name}", name,
                                                      "text/plain"))
            next(columns).download_button(
                f"Download the plan as a {what}",
                lambda name=name: plan_file(problem, solution, name),
                file_name=f"plan{suffix}", mime=mime, key=key, on_click="ignore")
    fig = current().packing_figure
    if fig is not None:
        st.download_button("Download the packing chart (standalone HTML, works "
                           "offline, with hover)", lambda: standalone_html(fig),
                           file_name="packing.html", mime="text/html",
                           key="download_chart_html", on_click="ignore")
        st.caption("For SVG, use the camera button at the chart's top right.")


def shown_plan(problem: Problem) -> Plan | None:
    """The allocation the page shows for ``problem``, as the files say it."""
    app = current()
    outcome = app.outcome
    if outcome is not None and outcome.problem == problem:
        return outcome.plan()
    allocation = app.loaded.allocation
    if allocation is not None and len(allocation.offsets) == len(problem):
        check = check_allocation(problem, allocation)
        fits = problem.capacity is None or allocation.height <= problem.capacity
        return Plan(allocation, "uploaded allocation",
                    "valid" if check.validation.ok else "invalid", fits)
    return None
