"""The Export tab's files say what the page says: the right status, the
method that found the allocation, the capacity it needs, the buffers'
labels; and the plan in the CLI's other formats."""

from __future__ import annotations

import json

import pytest
from app_helpers import (
    app_state,
    metrics,
    new_app,
    paste,
    solve,
    warm_kernel,  # noqa: F401 - fixture
)

from app.services.exports import plan_files, problem_json, result_json
from app.services.jobs import MINIMIZE, Outcome
from minimalloc.analysis.minimize import MinimizeResult
from minimalloc.formats.chrome_trace import dumps_chrome_trace
from minimalloc.formats.text_plan import dumps_text_plan
from minimalloc.model import Buffer, Problem, Solution
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import SolveResult
from minimalloc.search.stats import SearchStats

pytestmark = pytest.mark.usefixtures("warm_kernel")

LABELLED = ("id,lower,upper,size,label\nb1,0,3,4,Conv c1\nb2,3,9,4,Relu r1\n"
            "b3,0,9,4,Add a\nb4,9,21,4,\nb5,0,21,4,Gemm g\n")


def minimised(method: str, height: int, capacity: int) -> Outcome:
    """An outcome of minimising, as the library reports it."""
    problem = Problem((Buffer("a", 0, 2, height, label="Conv c1"),), capacity)
    solution = Solution((0,), height)
    found = MinimizeResult(solution, height, height - 5, False, 5, method, (),
                           SearchStats(), 1.0, capacity, "greedy_by_size", height + 7)
    return Outcome(problem, MINIMIZE, SolverParams(minimize_capacity=True),
                   SolveResult(Status.OK, solution, SearchStats(), capacity), solution,
                   height - 5, False, minimize=found)


@pytest.mark.parametrize(("method", "said"), [
    ("improve", "anytime optimiser"), ("exact", "exact search"),
    ("greedy_by_size", "baseline greedy_by_size")])
def test_a_minimised_result_says_its_method_status_and_capacity(method, said):
    """densenet121 minimised at 40,000,000: the anytime optimiser's
    40,280,736 is over the capacity, not 'ok' found by 'exact'."""
    outcome = minimised(method, 40_280_736, 40_000_000)
    assert outcome.status_text() == "needs more than the capacity"
    solution, label = outcome.shown()
    assert label == said
    data = json.loads(result_json(outcome.problem, outcome.plan()))
    assert data["capacity"] == 40_000_000
    plan = data["solution"]
    assert plan["method"] == said and plan["mode"] == MINIMIZE
    assert plan["status"] == "over capacity" and plan["fits_capacity"] is False
    assert plan["height"] == 40_280_736 and plan["lower_bound"] == 40_280_731
    assert plan["proven_optimal"] is False
    assert data["buffers"][0]["label"] == "Conv c1"
    fits = minimised(method, 40_280_736, 50_000_000)
    assert fits.status_text() == "solved"
    assert json.loads(result_json(fits.problem, fits.plan()))["solution"]["status"] == "ok"


def test_the_page_and_its_files_agree_after_minimising_over_the_capacity():
    at = paste(new_app(), LABELLED)
    at.number_input(key="capacity").set_value(11).run()
    at.radio(key="mode").set_value("minimize")
    solve(at)
    outcome = app_state(at).outcome
    assert metrics(at)["Status"] == "needs more than the capacity"
    _, label = outcome.shown()
    assert label == outcome.method()
    buttons = {b.key: b.label for b in at.download_button}
    assert buttons["download_result_json"].endswith(f"{label})")
    assert {"download_chrome_trace", "download_text_plan"} <= set(buttons)
    problem = app_state(at).problem
    data = json.loads(problem_json(problem))
    assert [b.get("label") for b in data["buffers"]] == [
        "Conv c1", "Relu r1", "Add a", None, "Gemm g"]
    result = json.loads(result_json(problem, outcome.plan()))
    assert result["solution"]["status"] == "over capacity"
    assert result["solution"]["height"] == 12 and result["capacity"] == 11
    files = plan_files(problem, outcome.solution)
    assert files["chrome-trace"] == dumps_chrome_trace(problem, outcome.solution)
    assert files["text"] == dumps_text_plan(problem, outcome.solution)
