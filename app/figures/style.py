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
#: A buffer found by its id: not red, which means trouble.
FOUND_COLOR = "#ff9f1c"
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


#: Pixels of one line of a figure's title (its font and spacing).
TITLE_LINE = 20
#: Titles longer than this are broken after their first colon.
TITLE_WIDTH = 48


def title_and_legend(fig, text: str | None, height: int, **legend) -> None:
    """Lay out ``fig`` (``height`` pixels tall) from the top down: its title at
    the top left, then its legend in rows, then the plot.

    Both are placed in the figure's own coordinates, so plotly pushes the
    plot down by as many legend rows as the width needs (a phone wraps the
    legend onto many): the title never covers the legend, and the legend
    never covers an axis title.  ``legend`` overrides legend settings.
    """
    lines = title_lines(text)
    top = 8 + TITLE_LINE * len(lines) + (6 if lines else 0)
    fig.update_layout(
        height=height,
        title=dict(text="<br>".join(lines), x=0, xanchor="left", xref="container",
                   y=1, yanchor="top", yref="container", pad=dict(t=8, l=10),
                   font=dict(size=15)) if lines else None,
        legend=dict(orientation="h", traceorder="normal", x=0, xanchor="left",
                    y=1 - top / height, yanchor="top", yref="container", **legend),
        margin=dict(t=top + 10),
    )


def title_lines(title: str | None) -> list[str]:
    """A title in lines: broken after its first colon when long."""
    if not title:
        return []
    head, colon, tail = title.partition(": ")
    if len(title) <= TITLE_WIDTH or not colon:
        return [title]
    return [head + ":", tail]


def with_automargin(fig) -> None:
    """Every axis makes room for its tick labels and title."""
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
