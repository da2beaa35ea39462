"""What the command line prints: result lines, the search statistics, and
the reference's LaTeX picture of a solution."""

from __future__ import annotations

from minimalloc.tables import format_table

__all__ = ["format_stats", "latex_picture", "line"]


def line(label: str, value: object) -> None:
    """One result line: the label in a column of its own, then the value."""
    print(f"{label + ':':<14}{value}")


def format_stats(stats) -> str:
    """The search statistics as a small table (and the round robin's runs)."""
    rows = [
        ("nodes", f"{stats.nodes}"),
        ("backtracks", f"{stats.backtracks}"),
        ("placements", f"{stats.placements}"),
    ]
    rows += [(f"pruned: {rule.replace('_', ' ')}", f"{count}")
             for rule, count in stats.prunes.items()]
    rows += [
        ("decompositions", f"{stats.decompositions}"),
        ("max depth", f"{stats.max_depth}"),
        ("partitions", f"{stats.partitions}"),
        ("sections", f"{stats.sections}"),
        ("sweep seconds", f"{stats.sweep_seconds:.3f}"),
        ("search seconds", f"{stats.search_seconds:.3f}"),
        ("round-robin runs", f"{len(stats.rounds)}"),
    ]
    text = "search statistics\n" + format_table(("counter", "value"), rows, indent="  ")
    if stats.rounds:
        round_rows = [
            (str(r.round), r.heuristic,
             "none" if r.node_limit < 0 else str(r.node_limit), str(r.nodes), r.outcome)
            for r in stats.rounds
        ]
        text += "\nround robin\n" + format_table(
            ("round", "heuristic", "node limit", "nodes", "outcome"), round_rows,
            align=">^>><", indent="  ")
    return text


def latex_picture(problem, solution, capacity: int | None) -> str:
    """The solution as a TikZ picture, drawn as the reference's
    ``--print_solution`` draws it (a 17 x 8.5 box, one rectangle per active
    stretch of each buffer)."""
    buffers = problem.buffers
    top = capacity if capacity is not None else max(solution.height, 1)
    lo = min((b.lower for b in buffers), default=0)
    hi = max((b.upper for b in buffers), default=1)
    scale_x = 17.0 / max(hi - lo, 1)
    scale_y = 8.5 / max(top, 1)
    lines = ["", r"\documentclass[tikz]{standalone}", r"\usepackage{tikz}",
             r"\usepackage{pgfplots}", r"\begin{document}", r"\begin{tikzpicture}"]
    for buffer, offset in zip(buffers, solution.offsets):
        gaps = sorted(buffer.gaps, key=lambda g: g.lower)
        for i in range(len(gaps) + 1):
            left = buffer.lower if i == 0 else gaps[i - 1].upper
            right = buffer.upper if i == len(gaps) else gaps[i].lower
            if left == right:
                continue
            x = scale_x * (left - lo)
            y = scale_y * offset
            w = scale_x * (right - left)
            h = scale_y * buffer.size
            lines.append(
                rf"\fill[lightgray,draw=darkgray] ({x:g},{y:g}) rectangle "
                rf"({x + w:g},{y + h:g});  % height = {h:g}, ID = {buffer.id}"
            )
    lines.append(rf"\fill[draw=black,fill opacity=0,thick] (0,0) rectangle "
                 rf"({scale_x * (hi - lo):g},{scale_y * top:g});")
    lines += [r"\end{tikzpicture}", r"\end{document}"]
    return "\n".join(lines)
