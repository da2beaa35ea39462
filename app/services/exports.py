"""Files to download: the problem and a plan of it as JSON, and the plan in
the library's other formats (the Chrome trace and the text plan the command
line writes)."""

from __future__ import annotations

import json
from typing import Any

from app.services.jobs import Plan
from minimalloc.formats.registry import format_modules
from minimalloc.model import Problem, Solution


def problem_json(problem: Problem) -> str:
    """The problem as JSON: ``capacity`` and ``buffers`` (``id, lower,
    upper, size, alignment``, and ``gaps``, ``offset``, ``hint``, ``label``
    when set)."""
    return json.dumps(_problem_data(problem), indent=1)


def result_json(problem: Problem, plan: Plan) -> str:
    """The problem and a plan of it as JSON: the problem as
    :func:`problem_json` writes it, and ``solution``: what produced it
    (``method``), the ``mode`` and ``status`` of the run, whether it
    ``fits_capacity``, its ``height``, the ``lower_bound``, whether it is
    ``proven_optimal``, and the ``offsets`` by id."""
    data = _problem_data(problem)
    solution = plan.solution
    data["solution"] = {
        "method": plan.method, "mode": plan.mode, "status": plan.status,
        "fits_capacity": plan.fits, "height": solution.height,
        "lower_bound": plan.lower_bound, "proven_optimal": plan.proven_optimal,
        "offsets": {b.id: int(o) for b, o in zip(problem.buffers, solution.offsets,
                                                  strict=True)},
    }
    return json.dumps(data, indent=1)


def _problem_data(problem: Problem) -> dict[str, Any]:
    buffers = []
    for b in problem.buffers:
        item: dict[str, Any] = {"id": b.id, "lower": b.lower, "upper": b.upper,
                                "size": b.size, "alignment": b.alignment}
        if b.gaps:
            item["gaps"] = [{"lower": g.lower, "upper": g.upper,
                             **({"window": list(g.window)} if g.window else {})}
                            for g in b.gaps]
        if b.offset is not None:
            item["offset"] = b.offset
        if b.hint is not None:
            item["hint"] = b.hint
        if b.label:
            item["label"] = b.label
        buffers.append(item)
    return {"capacity": problem.capacity, "buffers": buffers}


def plan_formats() -> dict[str, str]:
    """The library's plan writers other than CSV: format name -> file suffix."""
    return {m.FORMAT: m.SUFFIX for m in format_modules()
            if hasattr(m, "FORMAT") and hasattr(m, "dumps") and m.FORMAT != "csv"}


def plan_file(problem: Problem, solution: Solution, name: str) -> str:
    """The plan in format ``name`` (one of :func:`plan_formats`), as text."""
    modules = {m.FORMAT: m for m in format_modules() if hasattr(m, "FORMAT")}
    return modules[name].dumps(problem, solution)


def plan_files(problem: Problem, solution: Solution) -> dict[str, str]:
    """The plan in each format of :func:`plan_formats`, as text."""
    return {name: plan_file(problem, solution, name) for name in plan_formats()}
