"""Plain-text tables for the terminal, shared by the command line and the
benchmarks.

A small function rather than a library: ``tabulate``'s plain format pads
every header by a module-wide minimum (four spaces between columns), and
matching these two-space columns would mean changing that global.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["format_table"]


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                 align: str | None = None, indent: str = "") -> str:
    """Plain-text columns two spaces apart; ``align`` has one ``<``, ``^``
    or ``>`` per column (default: first column left, the rest right).

    >>> print(format_table(("a", "b"), [("x", "10"), ("yy", "2")]))
    a    b
    x   10
    yy   2
    """
    if align is None:
        align = "<" + ">" * (len(headers) - 1)
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = []
    for row in (headers, *rows):
        cells = [f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths)]
        lines.append((indent + "  ".join(cells)).rstrip())
    return "\n".join(lines)
