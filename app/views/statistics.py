"""The Search statistics tab: what the search did (nodes, backtracks, prunes
by rule, the round robin) and, after a minimisation, its probes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.figures.statistics import prunes_figure, rounds_figure
from app.services.jobs import Outcome
from app.services.tables import probe_rows, rounds_rows

#: Numbers in tables as elsewhere on the page: 8,732, not 8732.
LOCALIZED = st.column_config.NumberColumn(format="localized")


def render(outcome: Outcome) -> None:
    stats = outcome.stats
    if stats is None:
        st.info("No search statistics: the run did not finish.")
        return
    cols = st.columns(4)
    cols[0].metric("Nodes", f"{stats.nodes:,}")
    cols[1].metric("Backtracks", f"{stats.backtracks:,}")
    cols[2].metric("Sweep", f"{stats.sweep_seconds * 1000:.2f} ms")
    cols[3].metric("Search", f"{stats.search_seconds * 1000:.2f} ms")
    cols = st.columns(4)
    cols[0].metric("Decompositions", f"{stats.decompositions:,}")
    cols[1].metric("Maximum depth", f"{stats.max_depth:,}")
    cols[2].metric("Partitions", f"{stats.partitions:,}")
    cols[3].metric("Sections", f"{stats.sections:,}")
    if outcome.minimize is not None and outcome.minimize.probes:
        st.markdown("**Probes of the minimiser** (exact searches at one capacity, one row "
                    "per capacity)")
        st.dataframe(pd.DataFrame(probe_rows(outcome.minimize.probes)),
                     hide_index=True, key="probes_table",
                     column_config={
                         "capacity": LOCALIZED,
                         "largest budget (s)": st.column_config.NumberColumn(
                             format="%.2f"),
                         "seconds": st.column_config.NumberColumn(format="%.3f"),
                     })
    left, right = st.columns(2)
    with left:
        st.markdown("**Prunes by rule**")
        st.dataframe(
            pd.DataFrame({"rule": [r.replace("_", " ") for r in stats.prunes],
                          "times": list(stats.prunes.values())}),
            hide_index=True, key="prunes_table",
            column_config={"times": LOCALIZED},
        )
        if any(stats.prunes.values()):
            st.plotly_chart(prunes_figure(stats, title=None), key="prunes_chart")
        else:
            st.caption("No rule fired: every placement tried led to the solution.")
    with right:
        st.markdown("**Round robin** (each heuristic with a node budget that doubles "
                    "each round)")
        st.dataframe(pd.DataFrame(rounds_rows(stats), columns=["round", "heuristic",
                                                               "node limit", "nodes",
                                                               "outcome"]),
                     hide_index=True, key="rounds_table",
                     column_config={"node limit": LOCALIZED, "nodes": LOCALIZED})
        st.plotly_chart(rounds_figure(stats, title=None), key="rounds_chart")
