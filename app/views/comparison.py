"""The Comparison tab: the run's answer against the baselines, and any
method's packing on a click."""

from __future__ import annotations

import streamlit as st

from app.figures.packing import packing_figure
from app.figures.statistics import comparison_figure
from app.services.jobs import Outcome
from app.services.tables import comparison_rows, comparison_table
from app.views.packing import CHART_CONFIG


def render(outcome: Outcome) -> None:
    capacity = outcome.problem.capacity
    rows = comparison_rows(outcome, capacity)
    st.markdown(f"Lower bound: **{outcome.lower_bound:,}** · capacity {capacity:,}")
    event = st.dataframe(comparison_table(rows), hide_index=True, key="comparison_table",
                         on_select="rerun", selection_mode="single-row",
                         column_config={
                             "time (ms)": st.column_config.NumberColumn(format="%.2f"),
                         })
    chosen = event.selection.rows if event is not None else []
    if not chosen:
        st.caption("Click a row to see that method's packing.")
    else:
        row = rows[chosen[0]]
        method = row["method"]
        solution = (outcome.solution if row["exact"] else next(
            (b.solution for b in outcome.baselines if b.method == method), None))
        if solution is None:
            st.info(f"{method} has no allocation to show.")
        else:
            fig = packing_figure(outcome.problem, solution,
                                 title=f"{method}: height {solution.height:,}",
                                 revision=("comparison", method))
            st.plotly_chart(fig, key="comparison_packing_chart", config=CHART_CONFIG)
    st.plotly_chart(comparison_figure(rows, outcome.lower_bound, capacity,
                                      title="Height by method"),
                    key="comparison_chart")
