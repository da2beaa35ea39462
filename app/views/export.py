"""The Export tab: the problem and the shown allocation as files, and the
chart as a standalone page.  Each file is made only when its button is
pressed."""

from __future__ import annotations

import streamlit as st

from app.figures.hover import standalone_html
from app.services.exports import to_json
from app.state import current
from minimalloc.formats.csv import dumps_csv
from minimalloc.model import Problem


def render(problem: Problem) -> None:
    app = current()
    outcome = app.outcome
    left, right = st.columns(2)
    left.download_button("Download the problem (CSV)", lambda: dumps_csv(problem),
                         file_name="problem.csv", mime="text/csv",
                         key="download_problem", on_click="ignore")
    right.download_button("Download the problem (JSON)", lambda: to_json(problem),
                          file_name="problem.json", mime="application/json",
                          key="download_problem_json", on_click="ignore")
    solution, label = (None, "")
    allocation = app.loaded.allocation
    if outcome is not None and outcome.problem == problem:
        solution, label = outcome.shown()
    elif allocation is not None and len(allocation.offsets) == len(problem):
        solution, label = allocation, "uploaded allocation"
    if solution is not None:
        left.download_button(f"Download the solution (CSV with offsets; {label})",
                             lambda: dumps_csv(problem, solution),
                             file_name="solution.csv", mime="text/csv",
                             key="download_solution", on_click="ignore")
        right.download_button(f"Download the result (JSON; {label})",
                              lambda: to_json(problem, solution, label, outcome),
                              file_name="result.json", mime="application/json",
                              key="download_result_json", on_click="ignore")
    else:
        st.caption("Solve the current problem to download a solution.")
    fig = app.packing_figure
    if fig is not None:
        st.download_button("Download the packing chart (standalone HTML, works "
                           "offline, with hover)", lambda: standalone_html(fig),
                           file_name="packing.html", mime="text/html",
                           key="download_chart_html", on_click="ignore")
        st.caption("For SVG, use the camera button at the chart's top right.")
