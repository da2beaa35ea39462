"""Files to download: the problem and a plan of it as JSON (the CSV, Chrome
trace and text plan writers are the library's)."""

from __future__ import annotations

import json
from typing import Any

from app.services.jobs import Outcome
from minimalloc.model import Problem, Solution


def to_json(problem: Problem, solution: Solution | None = None, label: str = "",
            outcome: Outcome | None = None) -> str:
    """The problem (and an allocation of it) as JSON: ``capacity`` and
    ``buffers`` (``id, lower, upper, size, alignment``, and ``gaps``,
    ``offset``, ``hint`` when set); with a solution, ``height``, ``offsets``
    by id, what the allocation is (``method``) and the run's ``status`` and
    lower bound."""
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
        buffers.append(item)
    data: dict[str, Any] = {"capacity": problem.capacity, "buffers": buffers}
    if solution is not None:
        data["solution"] = {
            "method": label, "height": solution.height,
            "offsets": {b.id: int(o) for b, o in zip(problem.buffers, solution.offsets,
                                                      strict=True)},
        }
        if outcome is not None:
            data["solution"]["status"] = (outcome.status.value if outcome.status
                                          else None)
            data["solution"]["lower_bound"] = int(outcome.lower_bound)
    return json.dumps(data, indent=1)
