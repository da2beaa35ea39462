"""Standalone HTML pages: a problem's report (``minimalloc report``) and two
plans compared (``minimalloc compare --output``).

One file each that works offline: plotly.js is inlined once, every packing
chart has the exact hover (:mod:`app.figures.hover`), tables are plain HTML.
The page is returned as text; the command line writes it through
:func:`minimalloc.formats.output.write_text` (a temporary name, then a
rename), so a page is never half-written.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from app.figures.compare import curves_figure, plan_figure
from app.figures.hover import hover_script
from app.figures.packing import packing_figure
from app.figures.style import with_automargin
from minimalloc.analysis.compare import Comparison
from minimalloc.analysis.report import Report

__all__ = ["MAX_ROWS", "comparison_page", "report_page"]

#: Rows of a table on a page; the rest are counted (``--json`` lists all).
MAX_ROWS = 500

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.75rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.pair { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 1rem; }
@media (max-width: 60rem) { .pair { grid-template-columns: minmax(0, 1fr); } }
.pair > div { min-width: 0; }
p.note { color: #666; font-size: 0.9rem; }
"""


def comparison_page(comparison: Comparison) -> str:
    """Two plans compared: the summary, both packings side by side on one
    time axis (moved buffers in red), both plans' curves, and the tables of
    moved buffers, buffers in one plan only and moments where one is higher."""
    c = comparison
    a, b = c.a.name, c.b.name
    summary = [("plan A", a), ("plan B", b), ("height A", f"{c.height_a:,}"),
               ("height B", f"{c.height_b:,}"),
               ("difference (B - A)", f"{c.difference:+,}"),
               (f"buffers matched by {c.match}", f"{len(c.pairs):,}"),
               ("moved", f"{len(c.moves):,}"), ("only in A", f"{len(c.only_a):,}"),
               ("only in B", f"{len(c.only_b):,}"),
               ("changed lifetime or size", f"{len(c.changed):,}")]
    parts = [f"<h1>{_e(a)} against {_e(b)}</h1>", _table(("", ""), summary),
             "<h2>Both plans on one time axis</h2>",
             '<div class="pair"><div>', _figure(plan_figure(c, "a")), "</div><div>",
             _figure(plan_figure(c, "b")), "</div></div>",
             _figure(curves_figure(c)),
             "<h2>Buffers that moved</h2>",
             _table(("buffer", "size", "offset in A", "offset in B", "B - A"),
                    [(m.key, f"{m.size:,}", f"{m.offset_a:,}", f"{m.offset_b:,}",
                      f"{m.offset_b - m.offset_a:+,}") for m in c.moves]),
             "<h2>Where one plan reaches higher</h2>",
             _table(("from", "to", "top in A", "top in B", "B - A"),
                    [(f"{s.start:,}", f"{s.end:,}", f"{s.top_a:,}", f"{s.top_b:,}",
                      f"{s.difference:+,}") for s in c.stretches]),
             "<h2>Buffers in one plan only</h2>",
             _table(("buffer", "only in"), [(k, "A") for k in c.only_a]
                    + [(k, "B") for k in c.only_b])]
    if c.changed:
        parts += ["<h2>Matched buffers whose lifetime or size changed</h2>",
                  _table(("buffer",), [(k,) for k in c.changed])]
    return _page(f"{a} against {b}", parts)


def report_page(report: Report) -> str:
    """A problem's report: the verdict, the packing chart (with the live
    bytes below it), the statistics, the baselines and, when it does not
    fit, the explanation."""
    r = report
    problem = r.problem
    capacity = "none" if problem.capacity is None else f"{problem.capacity:,}"
    height = "no allocation" if r.solution is None else f"{r.solution.height:,}"
    summary = [("problem", r.name), ("buffers", f"{len(problem):,}"),
               ("capacity", capacity), ("status", r.status), ("height", height),
               ("allocation from", r.method), ("LOAD (most bytes live at once)",
                                               f"{r.load:,}"),
               ("lower bound", f"{r.lower_bound:,}")]
    marked: Sequence[int] = ()
    if r.explanation is not None and r.explanation.subset:
        marked = r.explanation.subset
    fig = packing_figure(problem, r.solution, highlight=marked,
                         highlight_label="cannot be packed together",
                         title=f"{r.name}: {r.status}")
    parts = [f"<h1>{_e(r.name)}</h1>", _table(("", ""), summary),
             "<h2>Packing and live bytes</h2>", _figure(fig)]
    if r.explanation is not None:
        parts += ["<h2>Why it does not fit</h2>",
                  *(f"<p>{_e(paragraph)}</p>" for paragraph in
                    r.explanation.message().split("\n\n"))]
    parts += ["<h2>Statistics</h2>", _table(("counter", "value"), r.statistics),
              "<h2>Baselines</h2>",
              _table(("method", "height", "fits", "time (ms)"),
                     [(row.method, "failed" if row.height is None else f"{row.height:,}",
                       {None: "", True: "yes", False: "no"}[row.fits],
                       f"{1000 * row.seconds:.2f}") for row in r.baselines])]
    return _page(f"minimalloc report: {r.name}", parts)


def _page(title: str, parts: Sequence[str]) -> str:
    """The whole document: plotly.js once, inline (the page works offline),
    then the parts, then the hover script."""
    plotly_js = f'<script type="text/javascript">{get_plotlyjs()}</script>'
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>{_STYLE}</style>{plotly_js}</head>"
            f"<body>{''.join(parts)}{hover_script()}</body></html>\n")


def _figure(fig: go.Figure) -> str:
    """A figure's div (plotly.js is already on the page), in plotly's own
    template: the app's is Streamlit's, which only its front end fills in."""
    fig = go.Figure(fig)
    fig.update_layout(template=pio.templates["plotly"])
    with_automargin(fig)
    return fig.to_html(include_plotlyjs=False, full_html=False,
                       config={"displaylogo": False, "responsive": True})


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    if not rows:
        return '<p class="note">none</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(_cell(value) for value in row) + "</tr>"
        for row in rows[:MAX_ROWS])
    more = "" if len(rows) <= MAX_ROWS else (
        f'<p class="note">and {len(rows) - MAX_ROWS:,} more (not listed here)</p>')
    return f"<table><tr>{head}</tr>{body}</table>{more}"


def _cell(value: object) -> str:
    text = str(value)
    numeric = text.replace(",", "").lstrip("+-").replace(".", "", 1).isdigit()
    return f'<td class="n">{_e(text)}</td>' if numeric else f"<td>{_e(text)}</td>"


def _e(text: object) -> str:
    return html.escape(str(text))
