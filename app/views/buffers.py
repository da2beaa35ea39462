"""The Buffers tab: the problem as a table to edit (or, for big problems, to
page through), and the problem the rest of the page works on."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import state
from app.state import current
from app.text import as_table_row
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import problem_from_dataframe
from minimalloc.model import MAX_TOTAL, MAX_VALUE, Problem


def current_problem(tab) -> Problem:
    """The loaded problem with the table's edits and the capacity applied;
    on a bad edit, the message and the last good problem."""
    app = current()
    capacity = int(st.session_state[state.CAPACITY])
    if len(app.table) > state.EDIT_LIMIT:
        with tab:
            paged_table(app.table)
        problem = app.loaded.problem.with_capacity(capacity)
        if problem != app.problem:
            app.problem = problem
        return app.problem
    with tab:
        edited = editor(app.table)
    edits = st.session_state.get(state.EDITOR) or {}
    changed = any(edits.get(k) for k in ("edited_rows", "added_rows", "deleted_rows"))
    if not changed:
        problem = app.loaded.problem.with_capacity(capacity)
        app.edit_error = None
    else:
        try:
            problem = problem_from_dataframe(edited, capacity)
            app.edit_error = None
        except ProblemError as error:
            row = None if error.line is None else error.line - 2  # 0-based, as edited
            columns = edits.get("edited_rows", {}).get(row, {})
            app.edit_error = "This edit is not a valid problem: " + as_table_row(
                error, set(columns))
            problem = app.problem.with_capacity(capacity)
    if problem != app.problem:
        app.problem = problem
    return app.problem


def editor(table: pd.DataFrame) -> pd.DataFrame:
    """The editable table of buffers; returns it as edited."""
    st.caption("Edit cells, add rows at the bottom or delete rows; the chart and "
               "the next solve use the edited problem.  `gaps`: `lo-hi` or "
               "`lo-hi@wlo:whi`, separated by spaces.  `offset` fixes a buffer.")
    number = st.column_config.NumberColumn
    # The bounds keep typed values where 64-bit sums cannot overflow.
    return st.data_editor(
        table, key=state.EDITOR, num_rows="dynamic", hide_index=True, height=420,
        column_config={
            "id": st.column_config.TextColumn("id", required=True),
            "lower": number("lower", step=1, required=True, min_value=-MAX_VALUE,
                            max_value=MAX_VALUE),
            "upper": number("upper", step=1, required=True, min_value=-MAX_VALUE,
                            max_value=MAX_VALUE),
            "size": number("size", min_value=0, max_value=MAX_TOTAL, step=1,
                           required=True),
            "alignment": number("alignment", min_value=1, max_value=MAX_TOTAL, step=1,
                                default=1),
            "hint": number("hint", step=1, min_value=-MAX_VALUE, max_value=MAX_VALUE),
            "gaps": st.column_config.TextColumn("gaps"),
            "offset": number("offset (fixed)", min_value=0, max_value=MAX_VALUE, step=1),
        },
    )


def paged_table(table: pd.DataFrame) -> None:
    """A big problem's buffers a page at a time (sending every row to the
    browser at once takes seconds and megabytes), read-only."""
    pages = -(-len(table) // state.TABLE_PAGE)
    page = st.number_input(f"Page (of {pages:,})", key="table_page", min_value=1,
                           max_value=pages, step=1)
    start = (int(page) - 1) * state.TABLE_PAGE
    rows = table.iloc[start:start + state.TABLE_PAGE].copy()
    rows.index = range(start + 1, start + 1 + len(rows))  # row numbers from 1
    st.caption(f"Rows {start + 1:,}–{start + len(rows):,} of {len(table):,}.  Problems "
               f"of more than {state.EDIT_LIMIT:,} buffers are shown read-only: edit the "
               "file and load it again.")
    st.dataframe(rows, key="buffers_page", height=420)
