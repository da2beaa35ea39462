"""The page's pieces for imported models and snapshots: the import options,
the table of tensors alive at the peak, and a snapshot's reserved memory
beside the plan.  Layout only; the work is in ``workflow`` and ``charts``."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app import charts, workflow
from minimalloc.errors import ProblemError


def import_widgets(container) -> None:
    """Options for reading an ONNX model or a snapshot (read at upload)."""
    with container.expander("Model and snapshot options", expanded=False):
        st.number_input("Alignment (bytes; ONNX)", key="import_alignment", min_value=1,
                        value=1, step=1,
                        help="Every tensor is rounded up to, and placed at, a multiple "
                        "of this.")
        st.text_input("Symbolic dimensions (ONNX)", key="import_dims",
                      placeholder="batch=1, seq=128")
        st.checkbox("Include weights (ONNX)", key="import_weights",
                    help="Also plan the initializers, alive the whole run.")
        st.number_input("CUDA device (snapshot)", key="import_device", min_value=0,
                        value=0, step=1)
        st.caption("Upload the model or snapshot again after changing these.")


def import_options(state) -> dict[str, Any]:
    """The reader options the widgets hold (a ProblemError for bad dims)."""
    return {
        "alignment": int(state.get("import_alignment") or 1),
        "dims": workflow.parse_dims(str(state.get("import_dims") or "")),
        "include_weights": bool(state.get("import_weights")),
        "device": int(state.get("import_device") or 0),
    }


def parse_upload(state, data: bytes, name: str) -> workflow.Loaded:
    """Read an upload of any format with the options the widgets hold."""
    try:
        options = import_options(state)
    except ProblemError as error:
        raise ProblemError(error.message, file=name) from None
    return workflow.parse_upload(data, name, **options)


def shown_solution(state, problem):
    """The allocation the page shows for ``problem``, if any."""
    outcome = state.get("outcome")
    if outcome is not None and outcome.problem == problem:
        return outcome.shown()[0]
    loaded = state.get("loaded")
    if loaded is not None and loaded.allocation is not None and \
            len(loaded.allocation.offsets) == len(problem):
        return loaded.allocation
    return None


def show_model_panels(loaded: workflow.Loaded, problem, solution, tab) -> None:
    """Below the packing chart: for a labelled problem (an imported model
    or snapshot), the tensors alive at the peak; for a snapshot, what the
    caching allocator reserved over time beside the plan."""
    if not any(b.label for b in problem.buffers) and loaded.report is None:
        return
    with tab:
        if loaded.report is not None:
            height = None if solution is None else solution.height
            st.info(loaded.report.summary(height), icon=":material/memory:")
            st.plotly_chart(charts.reserved_figure(loaded.report, problem, solution),
                            key="reserved_chart")
        moment, rows = workflow.peak_rows(problem, solution)
        if rows:
            total = sum(r["size"] for r in rows)
            st.subheader("Alive at the peak")
            st.caption(f"{len(rows)} buffers alive at time {moment} hold {total:,} bytes "
                       "(the LOAD), largest first.")
            st.dataframe(rows, key="peak_table", hide_index=True,
                         use_container_width=True)
