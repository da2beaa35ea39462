"""What the page says a run found, and the next steps it offers: nothing
said that the library did not establish, nothing left over from an earlier
problem or run."""

from __future__ import annotations

import dataclasses
import importlib

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


def test_a_new_run_replaces_the_old_verdict_at_once():
    """While a run goes on, the previous run's verdict and metrics are gone
    (they showed under the progress panel, as if they were its result)."""
    at = hard_app()  # 200 buffers solved, then the capacity set tight: solving again
    at.number_input(key="timeout").set_value(0.0)
    at.button(key="solve").click().run()
    assert app_state(at).job is not None
    assert app_state(at).outcome is None
    shown = metrics(at)
    assert "Status" not in shown and "Height" not in shown and "Nodes so far" in shown
    assert "buffers fit" not in texts(at, "success")
    at.button(key="stop").click().run()
    settle(at)
    assert metrics(at)["Status"] == "stopped"


def test_a_load_error_goes_with_the_next_action_and_the_upload_box_empties():
    """'Could not load that problem: evil.pickle…' stayed on screen after a
    successful Solve of the kept problem, and the upload box kept the
    rejected file's name."""
    from app_helpers import new_app, uploader

    at = settle(new_app())
    at.radio(key="source").set_value("Upload or paste").run()
    uploader(at).set_value(("evil.pickle", b"cos\nsystem\n(S'true'\ntR.",
                            "application/octet-stream"))
    at.run()
    assert "evil.pickle" in texts(at, "error")
    assert uploader(at).value is None  # emptied: nothing rejected stays named
    solve(at)
    assert metrics(at)["Status"] == "solved"
    assert "Could not load" not in texts(at, "error")


#: The search (solve mode) stops at 2,141, within the capacity 4,096;
#: greedy_by_size packs these buffers at their lower bound, 2,096 (as
#: greedy_by_size does resnet50 while the search stops 3,072 above).
BEATEN = ("id,lower,upper,size\nb0,4,7,268\nb1,3,4,112\nb2,9,12,396\nb3,4,10,67\n"
          "b4,9,12,414\nb5,6,8,44\nb6,1,5,767\nb7,6,7,337\nb8,4,7,994\nb9,6,11,126\n"
          "b10,6,7,32\nb11,6,8,66\n")


def test_a_baseline_that_beats_the_search_is_said_and_shown():
    """resnet50: '+0.0% vs lower bound' in red while greedy_by_size reached
    the bound: the page says which baseline packs lower, and shows it."""
    from app_helpers import new_app, paste

    at = paste(new_app(), BEATEN)
    outcome = app_state(at).outcome
    assert outcome.solution.height == 2_141 and outcome.lower_bound == 2_096
    (height,) = [m for m in at.metric if m.label == "Height"]
    assert height.proto.delta == "+45 above the lower bound"
    said = texts(at, "info")
    assert "greedy_by_size packs these buffers lower: height 2,096" in said
    assert "the lower bound, so it is optimal" in said
    at.button(key="act_show_baseline").click().run()
    hover = chart_traces(at, "hover")[0]
    best = next(b for b in app_state(at).outcome.baselines
                if b.method == "greedy_by_size")
    assert unpack(hover["meta"]["offset"]).tolist() == list(best.solution.offsets)
    assert chart(at)["layout"]["title"]["text"].startswith(
        "Showing baseline greedy_by_size")
    at.button(key="act_show_own").click().run()
    hover = chart_traces(at, "hover")[0]
    assert unpack(hover["meta"]["offset"]).tolist() == list(outcome.solution.offsets)


def test_a_wrong_answer_caught_by_the_library_asks_for_a_report_and_the_page_goes_on(
        monkeypatch):
    """The validator rejects the search's answer (a bug in minimalloc): the
    page says so in plain words, names the report file the library wrote,
    shows no answer, and the next solve works."""
    from pathlib import Path

    from app_helpers import EXAMPLE_CSV, new_app, paste

    # The module, not the function minimalloc exports under the same name.
    validate = importlib.import_module("minimalloc.validate")

    at = paste(new_app(), EXAMPLE_CSV)
    at.number_input(key="capacity").set_value(12).run()
    settle(at)
    assert metrics(at)["Status"] == "solved"
    real = validate._verdict

    def rejects(buffers, capacity, solution):
        return validate.ValidationResult(validate.ValidationCode.BAD_OFFSET, (0,),
                                         "buffer 'b1' is placed where it must not be")

    monkeypatch.setattr(validate, "_verdict", rejects)
    solve(at)
    said = texts(at, "error")
    assert "caught itself about to give a wrong answer" in said
    assert "Please report it with the file" in said
    report = app_state(at).outcome.internal_error.report
    assert report and f"`{report}`" in said and Path(report).is_file()
    assert "id,lower,upper,size" in Path(report).read_text()
    assert "The run failed" not in said and not texts(at, "success")
    assert metrics(at)["Height"] == "—"
    Path(report).unlink()

    monkeypatch.setattr(validate, "_verdict", real)
    solve(at)
    assert metrics(at)["Status"] == "solved"
    assert "wrong answer" not in texts(at, "error")
