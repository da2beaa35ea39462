"""The Packing tab as its users read it: what the legend calls each mark,
and the controls beside the chart."""

from __future__ import annotations

import pytest
from app_helpers import (
    chart,
    chart_traces,
    drawn,
    new_app,
    settle,
    warm_kernel,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.usefixtures("warm_kernel")


def test_a_buffer_found_by_id_is_called_what_it_is():
    at = settle(new_app())
    at.selectbox(key="sample").set_value("transformer").run()
    settle(at)
    at.text_input(key="find_buffer").input("embed").run()
    names = [t["name"] for t in chart(at)["data"] if t.get("showlegend", True)
             and (t.get("meta") or {}).get("role") not in ("hover", "labels")]
    assert "found: embed" in names
    assert not any("infeasible" in name for name in names), names
    (found,) = chart_traces(at, "found")
    problem = at.session_state["app"].outcome.problem
    index = [b.id for b in problem.buffers].index("embed")
    offset = at.session_state["app"].outcome.solution.offsets[index]
    buffer = problem.buffers[index]
    assert drawn(at, "found") == [(buffer.lower, buffer.upper, offset,
                                   offset + buffer.size)]
    assert found["name"] == "found: embed"
