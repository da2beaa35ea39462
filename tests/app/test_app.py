"""The Streamlit page, driven through AppTest by widget keys."""

from __future__ import annotations

import time

import pytest
from app_helpers import (
    EXAMPLE_CSV,
    app_state,
    chart,
    chart_traces,
    drawn,
    hard_app,
    metric_values,
    metrics,
    new_app,
    paste,
    settle,
    solve,
    table,
    texts,
    uploader,
    warm_kernel,  # noqa: F401 - fixture
)
from reference_data import BENCHMARKS, needs_shared

from app.figures.rects import unpack
from app.services.loading import parse_csv_text, sample_entries
from app.services.tables import comparison_rows
from minimalloc.formats.csv import dumps_csv
from minimalloc.params import TECHNIQUES

pytestmark = pytest.mark.usefixtures("warm_kernel")


@pytest.fixture
def at():
    return new_app()


def example_app():
    """The page with the reference example (capacity 12) loaded and solved."""
    at = new_app()
    return paste(at, EXAMPLE_CSV)


def test_opens_with_a_solved_sample(at):
    settle(at)
    assert not at.exception
    shown = metrics(at)
    assert shown["Status"] == "solved"
    assert int(shown["Buffers"].replace(",", "")) >= 1
    rects = drawn(at)
    assert len(rects) >= int(shown["Buffers"].replace(",", ""))
    assert chart_traces(at, "load") and chart_traces(at, "capacity")
    assert "fit" in texts(at, "success")


def test_every_sample_loads_and_solves(at):
    names = [name for name, _ in sample_entries()]
    for name in names:
        at.selectbox(key="sample").set_value(name).run()
        settle(at)
        assert not at.exception, name
        status = metrics(at)["Status"]
        assert status in ("solved", "timed out", "does not fit"), name
        if status != "does not fit":
            assert not at.error, (name, texts(at, "error"))
        else:
            assert "No packing fits" in texts(at, "error")


def test_pasted_problem_is_solved_and_drawn():
    at = example_app()
    assert not at.exception
    shown = metrics(at)
    assert shown["Buffers"] == "5" and shown["LOAD"] == "12"
    # No capacity in the file: the smallest power of two >= LOAD.
    assert at.number_input(key="capacity").value == 16
    assert shown["Status"] == "solved"
    assert len(drawn(at)) == 5
    outcome = app_state(at).outcome
    expected = sorted(
        (b.lower, b.upper, o, o + b.size)
        for b, o in zip(outcome.problem.buffers, outcome.solution.offsets, strict=True)
    )
    assert drawn(at) == expected


def test_reference_answer_at_capacity_12():
    at = example_app()
    at.number_input(key="capacity").set_value(12).run()
    settle(at)  # a small problem solves again on its own
    assert metrics(at)["Height"] == "12"
    assert app_state(at).outcome.solution.offsets == (8, 8, 4, 4, 0)
    assert not at.warning


def test_uploaded_file_goes_through_the_same_parser(at):
    at.radio(key="source").set_value("Upload or paste").run()
    uploader(at).set_value(("five.csv", EXAMPLE_CSV.encode(), "text/csv"))
    at.run()
    settle(at)
    assert not at.exception
    assert "five.csv" in at.markdown[0].value or any(
        "five.csv" in m.value for m in at.markdown)
    assert metrics(at)["Buffers"] == "5"


def test_bad_file_shows_line_and_column_and_keeps_last_problem():
    at = example_app()
    paste(at, "id,lower,upper,size\nb1,0,3,4\nb2,3,9,-4\n")
    errors = texts(at, "error")
    assert "pasted CSV:3" in errors and "column 'size'" in errors
    assert "last good problem stays loaded" in errors
    assert metrics(at)["Buffers"] == "5"
    assert metrics(at)["Status"] == "solved"
    # A file that cannot be read at all.
    at.radio(key="source").set_value("Upload or paste").run()
    uploader(at).set_value(("bin.csv", b"\xff\xfe\x00", "text/csv"))
    at.run()
    assert "bin.csv" in texts(at, "error") and "UTF-8" in texts(at, "error")
    assert metrics(at)["Buffers"] == "5"


def test_missing_column_is_reported():
    at = example_app()
    paste(at, "id,lower,size\na,0,4\n")
    assert "upper" in texts(at, "error")
    assert metrics(at)["Buffers"] == "5"


@pytest.mark.parametrize("generator", ["random", "perfect", "model"])
def test_generate(at, generator):
    at.radio(key="source").set_value("Generate").run()
    at.selectbox(key="generator").set_value(generator).run()
    if generator == "random":
        at.number_input(key="gen_random_n").set_value(30)
    if generator == "perfect":
        at.number_input(key="gen_perfect_n").set_value(20)
    if generator == "model":
        at.number_input(key="gen_model_layers").set_value(6)
        at.selectbox(key="gen_model_kind").set_value("residual")
    at.number_input(key="gen_seed").set_value(7)
    at.button(key="generate").click().run()
    settle(at)
    assert not at.exception
    assert not at.error, texts(at, "error")
    shown = metrics(at)
    if generator == "random":
        assert shown["Buffers"] == "30"
    if generator == "perfect":
        assert shown["Buffers"] == "20"
        # A perfect packing fits exactly its own height, which equals LOAD.
        assert shown["LOAD"] == f"{at.number_input(key='capacity').value:,}"
    assert shown["Status"] == "solved"
    assert len({r for r in drawn(at)}) >= int(shown["Buffers"])
    assert "seed=7" in "".join(m.value for m in at.markdown)


def test_generator_options_with_gaps_and_alignment(at):
    at.radio(key="source").set_value("Generate").run()
    at.selectbox(key="generator").set_value("random").run()
    at.number_input(key="gen_random_n").set_value(25)
    at.text_input(key="gen_random_alignment").input("1,8")
    at.slider(key="gen_random_gap_probability").set_value(0.5)
    at.slider(key="gen_random_window_probability").set_value(0.5)
    at.button(key="generate").click().run()
    settle(at)
    assert not at.exception and not at.error, texts(at, "error")
    assert metrics(at)["Status"] == "solved"
    problem = app_state(at).outcome.problem
    assert any(b.gaps for b in problem.buffers)
    assert {b.alignment for b in problem.buffers} <= {1, 8}


def test_bad_generator_value_is_reported(at):
    at.radio(key="source").set_value("Generate").run()
    at.selectbox(key="generator").set_value("random").run()
    at.text_input(key="gen_random_alignment").input("eight")
    at.button(key="generate").click().run()
    assert "alignment" in texts(at, "error")


def test_edit_cells_add_and_delete_rows():
    at = example_app()
    at.session_state["buffers_editor"] = {
        "edited_rows": {0: {"size": 8}}, "added_rows": [], "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert metrics(at)["LOAD"] == "16"  # b1 (8) + b3 (4) + b5 (4) at time 0
    assert "changed" in texts(at, "warning")
    solve(at)
    assert metrics(at)["Status"] == "solved"
    assert (0, 3, 8, 16) in drawn(at) or any(r[:2] == (0, 3) and r[3] - r[2] == 8
                                             for r in drawn(at))
    at.session_state["buffers_editor"] = {
        "edited_rows": {},
        "added_rows": [{"id": "new", "lower": 2, "upper": 5, "size": 2}],
        "deleted_rows": [4],
    }
    at.run()
    problem = app_state(at).problem
    assert [b.id for b in problem.buffers] == ["b1", "b2", "b3", "b4", "new"]
    solve(at)
    assert len(drawn(at)) == 5


def test_bad_edit_keeps_last_good_problem():
    at = example_app()
    at.session_state["buffers_editor"] = {
        "edited_rows": {1: {"upper": 1}}, "added_rows": [], "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    errors = texts(at, "error")
    assert "not a valid problem" in errors and "upper" in errors
    assert "row 2" in errors  # the second row, as the table shows it
    assert metrics(at)["LOAD"] == "12"
    assert app_state(at).problem.buffers[1].upper == 9


def test_small_problems_solve_again_when_the_capacity_changes():
    at = example_app()
    at.number_input(key="capacity").set_value(16).run()
    settle(at)
    assert not at.exception
    assert app_state(at).outcome.problem.capacity == 16
    assert "changed" not in texts(at, "warning")


def test_generator_defaults_are_stated():
    at = new_app()
    at.radio(key="source").set_value("Generate").run()
    at.selectbox(key="generator").set_value("random").run()
    labels = [n.label for n in at.sidebar.number_input]
    assert any("max(n, 8)" in label for label in labels), labels


def test_capacity_default_and_load_shown():
    at = example_app()
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "LOAD" in captions and "12" in captions


@pytest.mark.parametrize("switch", list(TECHNIQUES))
def test_each_switch_off_still_solves(switch):
    at = example_app()
    at.number_input(key="capacity").set_value(12).run()
    at.checkbox(key=f"sw_{switch}").uncheck()
    solve(at)
    assert not at.exception
    outcome = app_state(at).outcome
    assert getattr(outcome.params, switch) is False
    assert all(getattr(outcome.params, s) for s in TECHNIQUES if s != switch)
    assert metrics(at)["Status"] == "solved"
    assert metric_values(at, "Height")[0] == "12"


def test_switches_change_the_search():
    """Without canonical-only the same problem takes more nodes."""
    at = new_app()
    at.radio(key="source").set_value("Generate").run()
    at.selectbox(key="generator").set_value("random").run()
    at.number_input(key="gen_random_n").set_value(40)
    at.number_input(key="gen_seed").set_value(3)
    at.button(key="generate").click().run()
    settle(at)
    base = app_state(at).outcome.stats
    prunes_on = base.prunes["canonical"]
    at.checkbox(key="sw_canonical_only").uncheck()
    solve(at)
    assert app_state(at).outcome.stats.prunes["canonical"] == 0
    assert prunes_on >= 0


def test_single_heuristic_and_bad_heuristic():
    at = example_app()
    at.text_input(key="heuristics").input("WAT")
    solve(at)
    rounds = table(at, "heuristic")
    assert list(rounds["heuristic"]) == ["WAT"]
    at.text_input(key="heuristics").input("WAT,XQ")
    solve(at)
    assert "Solver settings" in texts(at, "error") and "XQ" in texts(at, "error")


def test_statistics_tables_and_charts():
    at = example_app()
    prunes = table(at, "rule")
    assert list(prunes["rule"]) == ["canonical", "dominance", "fixed offset", "inference",
                                    "hatless"]
    rounds = table(at, "heuristic")
    assert list(rounds.columns) == ["round", "heuristic", "node limit", "nodes", "outcome"]
    assert rounds["outcome"].iloc[-1] == "solved"
    shown = metrics(at)
    for label in ("Nodes", "Backtracks", "Sweep", "Search", "Decompositions",
                  "Maximum depth", "Partitions", "Sections"):
        assert label in shown
    assert chart_traces(at, "rounds", key="rounds_chart")
    # The example is solved without a single prune: said in words, not an empty chart.
    assert "No rule fired" in " ".join(c.value for c in at.caption)


def test_prunes_chart_when_rules_fire():
    at = new_app()
    at.selectbox(key="sample").set_value("load_not_enough").run()
    settle(at)
    assert metrics(at)["Status"] == "does not fit"
    assert chart_traces(at, "prunes", key="prunes_chart")


def test_comparison_with_baselines():
    at = example_app()
    rows = table(at, "method")
    assert rows["method"].iloc[0] == "MiniMalloc"
    assert set(rows["method"].iloc[1:]) == set(at.multiselect(key="baselines").value)
    assert rows["height"].iloc[0] == "12"
    assert rows["above lower bound %"].iloc[0] == "0.0%"
    assert chart_traces(at, "heights", key="comparison_chart")
    at.multiselect(key="baselines").set_value(["first_fit"])
    solve(at)
    rows = table(at, "method")
    assert list(rows["method"]) == ["MiniMalloc", "first_fit"]


def test_minimise_mode():
    at = example_app()
    at.radio(key="mode").set_value("minimize")
    solve(at)
    assert not at.exception
    assert "Smallest capacity: **12**" in texts(at, "success")
    assert "proven optimal" in texts(at, "success")
    assert metric_values(at, "Height")[0] == "12"

    # A problem where the baselines are not optimal: the minimiser probes.
    paste(at, "id,lower,upper,size\nA,0,1,2\nB,0,3,3\nC,1,4,1\nD,2,5,1\nE,3,5,2\n"
              "F,4,6,2\nG,5,6,3\n")
    solve(at)
    assert metric_values(at, "Height")[0] == "6"
    assert "proven optimal" in texts(at, "success")
    # One lower bound everywhere: the header shows the minimiser's.
    assert metrics(at)["Lower bound"] == f"{app_state(at).outcome.lower_bound:,}"
    found = app_state(at).outcome.minimize
    if found is not None and found.probes:
        probes = table(at, "capacity")
        assert list(probes.columns) == ["capacity", "outcome", "searches",
                                        "largest budget (s)", "seconds"]
        # One row per capacity, however often it was probed.
        assert len(probes) == len({p.capacity for p in found.probes})
        assert probes["capacity"].is_unique
        assert probes["searches"].sum() == len(found.probes)


@needs_shared
def test_minimise_shows_progress_and_stops():
    # Benchmark D: its optimum cannot be proven within seconds, so the
    # minimiser is still running when the page first draws.
    at = new_app()
    paste(at, (BENCHMARKS / "challenging" / "D.1048576.csv").read_text())
    at.radio(key="mode").set_value("minimize")
    at.number_input(key="timeout").set_value(5.0)
    at.button(key="solve").click().run()
    assert app_state(at).job is not None
    assert "Elapsed" in metrics(at)
    at.button(key="stop").click().run()
    settle(at)
    assert not at.exception
    assert metrics(at)["Status"] in ("stopped", "solved")


def test_infeasible_explanation():
    at = example_app()
    at.number_input(key="capacity").set_value(11).run()
    solve(at)
    assert not at.exception
    assert metrics(at)["Status"] == "does not fit"
    message = texts(at, "error")
    assert "No packing fits capacity 11" in message
    assert "Memory runs over" in message and "[0, 9)" in message
    assert "Capacity **12**" in message
    explanation = app_state(at).outcome.explanation
    if explanation.subset:
        assert "set of" in message
        red = explanation.subset
    else:  # memory runs over: the buffers live then are in red
        assert "In red: the 4 buffers live during [0, 9)" in message
        red = explanation.overloaded[0][2]
    assert len(drawn(at, "highlight")) == len(red)
    assert chart_traces(at, "overloaded")
    # A baseline allocation is drawn so the subset can be seen in place.
    assert len(drawn(at)) == 5


def test_infeasible_without_overload():
    """LOAD fits at every moment, yet no packing does (the library's
    load_not_enough sample): the page says so, and what would suffice."""
    text = ("id,lower,upper,size\nA,0,1,2\nB,0,3,3\nC,1,4,1\nD,2,5,1\nE,3,5,2\n"
            "F,4,6,2\nG,5,6,3\n")
    at = new_app()
    paste(at, text)
    at.number_input(key="capacity").set_value(5).run()
    solve(at)
    assert not at.exception
    assert metrics(at)["Status"] == "does not fit"
    message = texts(at, "error")
    assert "never exceed the capacity" in message
    assert "Capacity **6**" in message
    assert "minimal set of 7 buffers" in message.lower()
    assert len(drawn(at, "highlight")) == 7
    assert not chart_traces(at, "overloaded")


def test_uploaded_invalid_allocation_is_highlighted():
    csv = ("id,lower,upper,size,offset\nb1,0,3,4,8\nb2,3,9,4,8\nb3,0,9,4,6\n"
           "b4,9,21,4,4\nb5,0,21,4,0\n")
    at = new_app()
    paste(at, csv)
    assert not at.exception
    assert metrics(at)["Allocation"] == "invalid"
    message = texts(at, "error")
    assert "bad overlap" in message and "collide" in message
    assert "b1" in message or "b3" in message
    highlighted = drawn(at, "highlight")
    assert (0, 9, 6, 10) in highlighted  # b3
    assert (0, 3, 8, 12) in highlighted  # b1 collides with b3
    # Solving still works on the same buffers, and the view can switch back.
    solve(at)
    assert metrics(at)["Status"] == "solved"
    at.radio(key="view").set_value("uploaded allocation").run()
    assert metrics(at)["Allocation"] == "invalid"


def test_uploaded_valid_allocation():
    csv = ("id,lower,upper,size,offset\nb1,0,3,4,8\nb2,3,9,4,8\nb3,0,9,4,4\n"
           "b4,9,21,4,4\nb5,0,21,4,0\n")
    at = new_app()
    paste(at, csv)
    assert metrics(at)["Allocation"] == "valid"
    assert "valid" in texts(at, "success")
    assert not chart_traces(at, "highlight")
    assert at.download_button(key="download_solution").label.endswith(
        "uploaded allocation)")


def test_misaligned_allocation_is_judged_not_rejected():
    csv = "id,lower,upper,size,alignment,offset\na,0,3,4,4,2\nb,3,6,4,1,0\n"
    at = new_app()
    paste(at, csv)
    assert not at.exception
    assert "bad alignment" in texts(at, "error")
    assert drawn(at, "highlight") == [(0, 3, 2, 6)]


def test_colour_modes():
    at = example_app()
    for mode in ("placement order", "partition", "size"):
        at.radio(key="color_by").set_value(mode).run()
        names = [t["name"] for t in chart_traces(at, "buffers")]
        assert names, mode
        word = {"placement order": "placed", "partition": "partition", "size": "size"}
        assert all(word[mode] in n for n in names), names


def test_downloads():
    at = example_app()
    labels = {b.key: b.label for b in at.download_button}
    assert set(labels) >= {"download_problem", "download_solution", "download_problem_json",
                           "download_result_json", "download_chart_html"}
    outcome = app_state(at).outcome
    text = dumps_csv(outcome.problem, outcome.solution)
    loaded = parse_csv_text(text, "solution.csv")
    assert loaded.allocation.offsets == outcome.solution.offsets


def test_time_limit_shows_the_fallback():
    at = hard_app()
    at.number_input(key="timeout").set_value(1.0)
    solve(at)
    assert not at.exception
    assert metrics(at)["Status"] == "timed out"
    said = texts(at, "error") + texts(at, "success")
    assert "ran out of time" in said
    assert chart_traces(at, "buffers")
    shown, label = app_state(at).outcome.shown()
    assert "baseline" in label
    capacity = app_state(at).problem.capacity
    # The page says whether the allocation shown fits, and marks what does not.
    if shown.height > capacity:
        assert "does not fit" in texts(at, "error")
        assert chart_traces(at, "above capacity")
    else:
        assert "fits" in texts(at, "success") or "optimal" in texts(at, "success")
    assert metrics(at)["Height (baseline)"] == f"{shown.height:,}"


def test_after_a_time_out_minimise_and_explain_in_one_click():
    at = hard_app()
    at.number_input(key="timeout").set_value(1.0)
    solve(at)
    shown, _ = app_state(at).outcome.shown()
    # Generated at its lower bound, the problem is one no baseline fits.
    assert shown.height > app_state(at).problem.capacity
    at.button(key="act_explain").click().run()
    assert not at.exception
    assert app_state(at).outcome.explanation is not None
    assert "capacity" in texts(at, "error") + texts(at, "success")
    at.button(key="act_minimise").click().run()
    settle(at)
    assert not at.exception
    assert at.session_state["mode"] == "minimize"
    assert app_state(at).outcome.mode == "minimize"


def test_long_solve_shows_progress_and_stops():
    at = hard_app()
    at.number_input(key="timeout").set_value(0.0)
    at.button(key="solve").click().run()
    assert app_state(at).job is not None
    assert "Nodes so far" in metrics(at)
    at.button(key="stop").click().run()
    settle(at)
    assert not at.exception
    assert app_state(at).job is None
    assert metrics(at)["Status"] == "stopped"
    assert "was stopped" in texts(at, "warning") + texts(at, "error") + texts(at, "success")


def test_minimise_without_time_limit_probes_with_budgets():
    """Time limit 0: the panel shows the capacity being probed, with a
    budget, and the best packing so far; Stop keeps it."""
    at = hard_app()
    at.radio(key="mode").set_value("minimize")
    at.number_input(key="timeout").set_value(0.0)
    at.button(key="solve").click().run()
    job = app_state(at).job
    assert job is not None
    # Generous: the optimiser first improves the start, and a loaded machine
    # takes its time to reach the probes (the loop ends as soon as one shows).
    deadline = time.monotonic() + 180
    while ("Probing capacity" not in metrics(at) and app_state(at).job is not None
           and time.monotonic() < deadline):
        time.sleep(0.3)
        at.run()
    shown = metrics(at)
    assert "Probing capacity" in shown, (shown, app_state(at).job)
    assert shown["Probe budget"].endswith(" s")
    assert "Best so far" in shown and "Lower bound" in shown
    at.toggle(key="show_best").set_value(True).run()
    assert chart_traces(at, "hover", key="best_so_far_chart")
    at.button(key="stop").click().run()
    settle(at)
    assert not at.exception
    assert app_state(at).outcome.solution is not None


def test_search_view_tab_runs_only_when_open():
    at = example_app()
    labels = [t.label for t in at.tabs]
    view = at.tabs[labels.index("Search view")]
    assert "Open this tab" in " ".join(c.value for c in view.caption)
    at.session_state["main_tabs"] = "Search view"
    at.run()
    assert not at.exception
    view = at.tabs[labels.index("Search view")]
    assert any("Traced solve" in m.value for m in view.markdown)
    # The other tabs are still drawn.
    assert drawn(at)


def test_size_zero_buffers_fit():
    at = new_app()
    paste(at, "id,lower,upper,size\na,0,3,0\nb,1,2,4\n")
    assert not at.exception
    assert metrics(at)["Status"] != "does not fit"


@pytest.mark.parametrize("value", [2**63, 10**30, "9" * 5000])
def test_a_huge_integer_is_a_one_line_error_and_the_page_keeps_working(value):
    at = example_app()
    paste(at, f"id,lower,upper,size\nb1,0,3,4\nb2,3,9,{value}\n")
    assert not at.exception
    errors = texts(at, "error")
    first = errors.splitlines()[0]
    assert "pasted CSV:3: column 'size'" in first and "overflow" in first
    assert len(first) < 300  # a huge number is described, not printed
    assert metrics(at)["Buffers"] == "5"  # the last good problem stays
    at.run()  # a rerun neither fails nor brings the error back as a crash
    assert not at.exception
    assert metrics(at)["Buffers"] == "5"
    assert solve(at) and metrics(at)["Status"] == "solved"


def test_a_header_only_file_keeps_the_last_problem():
    at = example_app()
    paste(at, "id,lower,upper,size\n")
    assert "holds no buffers" in texts(at, "error")
    assert metrics(at)["Buffers"] == "5"
    at.run()
    assert not at.exception and metrics(at)["Buffers"] == "5"


@pytest.mark.parametrize("edit", [{"size": 2**62}, {"upper": 2**61}, {"offset": -(2**62)},
                                  {"size": 2**61, "alignment": 2**60}])
def test_a_huge_number_in_the_editor_keeps_the_last_good_problem(edit):
    at = example_app()
    at.session_state["buffers_editor"] = {
        "edited_rows": {1: edit}, "added_rows": [], "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    errors = texts(at, "error")
    assert "not a valid problem" in errors and "row 2" in errors
    assert "overflow" in errors or "over the limit" in errors
    assert app_state(at).problem.buffers[1].size == 4
    at.run()
    assert not at.exception
    assert metrics(at)["LOAD"] == "12"


@pytest.mark.parametrize("edit", [{"size": 1e30}, {"upper": 2.0**70}])
def test_a_number_beyond_64_bits_in_the_editor_is_ignored(edit):
    # The editor's int64 columns cannot hold it: Streamlit drops the edit.
    at = example_app()
    at.session_state["buffers_editor"] = {
        "edited_rows": {1: edit}, "added_rows": [], "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert app_state(at).problem.buffers[1].size == 4
    assert metrics(at)["LOAD"] == "12"


def test_clicking_a_comparison_row_shows_that_packing():
    at = example_app()
    at.session_state["main_tabs"] = "Comparison"
    at.run()
    rows = comparison_rows(app_state(at).outcome,
                                    app_state(at).problem.capacity)
    at.session_state["comparison_table"] = {
        "selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    spec = chart(at, "comparison_packing_chart")
    assert spec["layout"]["title"]["text"].startswith(rows[1]["method"])
    baseline = next(b for b in app_state(at).outcome.baselines
                    if b.method == rows[1]["method"])
    hover = chart_traces(at, "hover", key="comparison_packing_chart")[0]
    offsets = unpack(hover["meta"]["offset"]).tolist()
    assert offsets == list(baseline.solution.offsets)
