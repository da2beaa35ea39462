"""The Compare plans tab driven headless with AppTest, by its widget keys."""

from __future__ import annotations

from app_helpers import EXAMPLE_CSV, app_state, chart, chart_traces, new_app, paste

from app.figures.rects import unpack

TAB = "Compare plans"


def compare_tab(at):
    at.session_state["main_tabs"] = TAB
    at.run()
    assert not at.exception
    labels = [t.label for t in at.tabs]
    return at.tabs[labels.index(TAB)]


def offsets_drawn(at, key: str) -> list[int]:
    hover = chart_traces(at, "hover", key=key)[0]
    return unpack(hover["meta"]["offset"]).tolist()


def test_closed_tab_costs_nothing():
    at = paste(new_app(), EXAMPLE_CSV)
    labels = [t.label for t in at.tabs]
    tab = at.tabs[labels.index(TAB)]
    assert "Open this tab" in " ".join(c.value for c in tab.caption)


def test_answer_against_a_baseline_side_by_side():
    at = paste(new_app(), EXAMPLE_CSV)
    outcome = app_state(at).outcome
    compare_tab(at)
    at.selectbox(key="compare_a").set_value("current answer")
    baseline = next(b for b in outcome.baselines
                    if b.solution.offsets != outcome.solution.offsets)
    at.selectbox(key="compare_b").set_value(f"baseline {baseline.method}").run()
    assert not at.exception
    # Each chart draws its own plan's offsets, on the same time axis.
    assert offsets_drawn(at, "compare_chart_a") == list(outcome.solution.offsets)
    assert offsets_drawn(at, "compare_chart_b") == list(baseline.solution.offsets)
    ranges = [chart(at, key)["layout"]["xaxis"]["range"]
              for key in ("compare_chart_a", "compare_chart_b")]
    assert ranges[0] == ranges[1] == [0, 21]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Height A"] == f"{outcome.solution.height:,}"
    assert shown["Height B"] == f"{baseline.solution.height:,}"
    moved = [i for i, (x, y) in enumerate(zip(outcome.solution.offsets,
                                              baseline.solution.offsets)) if x != y]
    assert shown["Moved"] == str(len(moved))
    # The moved buffers are listed and marked in red on both charts.
    table = next(d.value for d in at.dataframe if "difference" in d.value.columns)
    ids = [app_state(at).problem.buffers[i].id for i in moved]
    assert sorted(table.buffer) == sorted(ids)
    for key in ("compare_chart_a", "compare_chart_b"):
        marked = chart_traces(at, "highlight", key=key)
        assert marked and marked[0]["name"] == "moved"
    # Both live-bytes curves and both tops on one chart.
    curves = chart(at, "compare_curves_chart")["data"]
    assert sorted(t["meta"]["role"] for t in curves) == ["live", "live", "top", "top"]


def test_choosing_a_listed_buffer_finds_it_in_both():
    at = paste(new_app(), EXAMPLE_CSV)
    outcome = app_state(at).outcome
    baseline = next(b for b in outcome.baselines
                    if b.solution.offsets != outcome.solution.offsets)
    compare_tab(at)
    at.selectbox(key="compare_b").set_value(f"baseline {baseline.method}").run()
    table = next(d.value for d in at.dataframe if "difference" in d.value.columns)
    # A click on the table's first row.
    at.session_state["compare_table"] = {
        "selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    chosen = table.buffer.iloc[0]
    assert at.selectbox(key="compare_find").value == chosen
    index = [b.id for b in app_state(at).problem.buffers].index(chosen)
    for key in ("compare_chart_a", "compare_chart_b"):
        found = [t for t in chart(at, key)["data"]
                 if (t.get("meta") or {}).get("role") == "found"]
        assert found, key
    # Overlaid: A drawn, B's moved buffers outlined, the chosen one in both.
    at.radio(key="compare_layout").set_value("overlaid").run()
    assert not at.exception
    roles = {(t.get("meta") or {}).get("role")
             for t in chart(at, "compare_overlay_chart")["data"]}
    assert {"moved in b", "found in b", "found"} <= roles
    assert index >= 0


def test_answer_at_another_capacity():
    at = paste(new_app(), EXAMPLE_CSV)
    compare_tab(at)
    at.selectbox(key="compare_b").set_value("answer at another capacity").run()
    at.number_input(key="compare_capacity_b").set_value(20).run()
    assert not at.exception
    offsets = offsets_drawn(at, "compare_chart_b")
    problem = app_state(at).problem
    assert max(o + b.size for o, b in zip(offsets, problem.buffers)) <= 20


def test_a_problem_that_does_not_fit_elsewhere_says_so_and_the_page_keeps_working():
    at = paste(new_app(), EXAMPLE_CSV)
    compare_tab(at)
    at.selectbox(key="compare_b").set_value("answer at another capacity").run()
    at.number_input(key="compare_capacity_b").set_value(5).run()
    assert not at.exception
    # Nothing fits in 5 (12 bytes are live at once): the best baseline is
    # shown, and said to be what it is.
    title = chart(at, "compare_chart_b")["layout"]["title"]["text"]
    assert "capacity 5 (infeasible, baseline" in title
    at.number_input(key="compare_capacity_b").set_value(12).run()
    assert not at.exception and not at.error


def test_the_loaded_files_own_allocation_is_a_plan():
    plan = EXAMPLE_CSV.replace("size\n", "size,offset\n")
    plan = "".join(line + f",{o}\n" if k else line + "\n" for k, (line, o) in
                   enumerate(zip(plan.splitlines(), ["", 0, 4, 8, 0, 4])))
    at = paste(new_app(), plan)
    compare_tab(at)
    options = at.selectbox(key="compare_a").options
    assert "the file's allocation" in options
    at.selectbox(key="compare_a").set_value("the file's allocation")
    at.selectbox(key="compare_b").set_value("answer at another capacity").run()
    assert not at.exception
    assert offsets_drawn(at, "compare_chart_a") == [0, 4, 8, 0, 4]
