"""Small pieces that several parts of the page draw the same way."""

from __future__ import annotations

import streamlit as st

from app.text import byte_text, exact_bytes
from minimalloc.errors import InternalError


def byte_metric(where, label: str, value: int, help: str = "", **options) -> None:
    """A metric of a byte count: short enough not to be cut off (units above
    a million), with the exact count in its tooltip."""
    text = byte_text(value)
    exact = f"Exactly {exact_bytes(value)}." if not text[-1].isdigit() else ""
    tip = "  \n".join(part for part in (help, exact) if part) or None
    where.metric(label, text, help=tip, **options)


def metric_row(shown: dict[str, str | tuple[str, str]]) -> None:
    """Metrics side by side, wrapping onto new rows of at most four (on a
    narrow screen Streamlit stacks each row's columns).  A value may be a
    ``(text, tooltip)`` pair."""
    items = list(shown.items())
    for start in range(0, len(items), 4):
        cols = st.columns(4)
        for col, (label, value) in zip(cols, items[start:start + 4], strict=False):
            text, tip = value if isinstance(value, tuple) else (value, None)
            col.metric(label, text, help=tip)


def internal_error(bug: InternalError, where=st) -> None:
    """A wrong answer the library caught itself about to hand out: a bug,
    not the user's fault; what to report, and with which file."""
    attach = (f"the file `{bug.report}` (it holds the problem and the settings)"
              if bug.report else "the problem and the settings (the report file could "
              "not be written)")
    where.error(f"**MiniMalloc caught itself about to give a wrong answer.** This is a "
                f"bug in MiniMalloc, not a fault of the problem, and nothing wrong is "
                f"shown. Please report it with {attach}. The page keeps working: change "
                f"the problem or the settings and solve again.\n\nDetails: {bug}",
                icon=":material/bug_report:")
