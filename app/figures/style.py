"""Colours shared by the app's figures, chosen to read on a light and on a
dark page alike (no figure sets a background: they take the page's theme)."""

from __future__ import annotations

from collections.abc import Mapping

from plotly.colors import qualitative

CAPACITY_COLOR = "#d62728"
#: Mid-tones: legible on a light and on a dark background.
HEIGHT_COLOR = "#7b6cf6"
LOAD_COLOR = "#4c78a8"
HIGHLIGHT_COLOR = "#e4002b"
MISSING_COLOR = "#b0b0b0"
RESERVED_COLOR = "#ff7f0e"
LOWER_BOUND_COLOR = "#2ca02c"
#: Faint line colour that reads on light and dark backgrounds.
NEUTRAL_COLOR = "#8c8c8c"
PALETTE = tuple(qualitative.Plotly)

#: The colour of each outcome of a round-robin run.
OUTCOME_COLORS: Mapping[str, str] = {
    "solved": "#2ca02c",
    "infeasible": "#9467bd",
    "node limit": "#ff7f0e",
    "timeout": "#d62728",
    "cancelled": "#7f7f7f",
}


def rgba(color: str, alpha: float) -> str:
    """``color`` (``#rrggbb`` or ``rgb(...)``) with an alpha channel.

    >>> rgba("#ff0000", 0.5)
    'rgba(255,0,0,0.5)'
    """
    r, g, b = rgb(color)
    return f"rgba({r},{g},{b},{alpha})"


def rgb(color: str) -> tuple[int, int, int]:
    """The red, green and blue of ``#rrggbb`` or ``rgb(...)``/``rgba(...)``."""
    if color.startswith("#"):
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (int(float(v)) for v in color[color.index("(") + 1 : -1].split(",")[:3])
    return r, g, b


def ink(color: str) -> str:
    """Black or white, whichever reads better on ``color``."""
    r, g, b = rgb(color)
    return "#111" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#fff"
