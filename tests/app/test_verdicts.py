"""What the page says a run found, and the next steps it offers: nothing
said that the library did not establish, nothing left over from an earlier
problem or run."""

from __future__ import annotations

import dataclasses

import pytest
from app_helpers import (
    app_state,
    chart,
    chart_traces,
    hard_app,
    metrics,
    settle,
    solve,
    texts,
    warm_kernel,  # noqa: F401 - fixture
)

from app.figures.rects import unpack
from app.services import jobs
from minimalloc.baselines.allocators import allocate
from minimalloc.bounds import lower_bound, max_load

pytestmark = pytest.mark.usefixtures("warm_kernel")


def test_an_undecided_explanation_says_what_is_known_and_offers_what_would_suffice(
        monkeypatch):
    """Solve times out, Explain is not decided either: the page neither
    claims that the buffers do not fit nor that they cannot be arranged; it
    shows the allocation that would suffice, or uses its capacity, in a click."""
    at = hard_app()
    at.number_input(key="timeout").set_value(1.0)
    solve(at)
    assert metrics(at)["Status"] == "timed out"
    problem = app_state(at).problem
    suffices = allocate(problem, "greedy_by_size")
    real = jobs.explain

    def undecided(problem, timeout, params):
        found = real(problem, timeout=0.0, params=params)
        return dataclasses.replace(
            found, feasible=None, overloaded=(), subset=None, min_capacity=None,
            min_capacity_upper=suffices.height, min_capacity_lower=lower_bound(problem),
            min_capacity_solution=suffices)

    monkeypatch.setattr(jobs, "explain", undecided)
    at.button(key="act_explain").click().run()
    said = texts(at, "error") + texts(at, "warning")
    assert "Not decided in time" in said
    assert "never exceed" not in said and "cannot be arranged" not in said
    assert f"at most {max_load(problem):,} bytes are live" in said
    assert f"{suffices.height:,}" in said
    at.button(key="act_show_suffice").click().run()
    hover = chart_traces(at, "hover")[0]
    assert unpack(hover["meta"]["offset"]).tolist() == list(suffices.offsets)
    assert "would suffice" in chart(at)["layout"]["title"]["text"]
    at.button(key="act_use_capacity").click().run()
    settle(at)
    assert at.number_input(key="capacity").value == suffices.height
    assert app_state(at).outcome.problem.capacity == suffices.height
