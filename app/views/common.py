"""Small pieces that several parts of the page draw the same way."""

from __future__ import annotations

import streamlit as st

from app.text import byte_text, exact_bytes


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
