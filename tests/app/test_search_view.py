"""The Search view driven headless with AppTest, by its widget keys."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from minimalloc.jit import warmup

TIMEOUT = 180  # the first solve in a fresh process may compile the kernel


@pytest.fixture(scope="module", autouse=True)
def compiled():
    warmup()


def example_script():
    """Five buffers at capacity 11: the root's five candidates are all pruned."""
    import app.views.search as view
    from app.views.search import render_search_view
    from minimalloc import Buffer, Problem, SolverParams

    # Play at exactly the chosen speed, however loaded the machine is (the
    # module is shared by every script of this file).
    view.DRAW_MARGIN = 0.0

    problem = Problem([Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4),
                       Buffer("b3", 0, 9, 4), Buffer("b4", 9, 21, 4),
                       Buffer("b5", 0, 21, 4)], capacity=11)
    render_search_view(problem, SolverParams(), key_prefix="sv")


def limits_script():
    """The same at capacity 12 with tiny limits: a cut trace, no tree."""
    import app.views.search as view
    from minimalloc import Buffer, Problem, SolverParams

    view.TRACE_CAP = 10
    view.TREE_LIMIT = 2
    problem = Problem([Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4),
                       Buffer("b3", 0, 9, 4), Buffer("b4", 9, 21, 4),
                       Buffer("b5", 0, 21, 4)], capacity=12)
    view.render_search_view(problem, SolverParams(), key_prefix="lim")


def no_capacity_script():
    from app.views.search import render_search_view
    from minimalloc import Buffer, Problem, SolverParams

    render_search_view(Problem([Buffer("a", 0, 2, 4)]), SolverParams())


def headline(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Step "))


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly specs by chart key."""
    found = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        roles = [(t.get("meta") or {}).get("role") for t in spec["data"]]
        found[element.proto.id] = {"spec": spec, "roles": roles}
    return found


def chart(at: AppTest, key: str) -> dict:
    matches = [c for cid, c in charts(at).items() if key in cid]
    assert matches, f"no chart with key {key}: {list(charts(at))}"
    return matches[0]


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_stepping_changes_the_step_and_the_explanation():
    at = run(AppTest.from_function(example_script, default_timeout=TIMEOUT))
    assert any("Traced solve: **infeasible**" in m.value for m in at.markdown)
    assert headline(at).startswith("**Step 0 of 19 · start**")
    slider = at.slider(key="sv_step")
    assert (slider.min, slider.max, slider.value) == (0, 19, 0)

    slider.set_value(4)
    run(at)
    assert headline(at) == ("**Step 4 of 19 · prune** — Section 0: floor 4 + 8 bytes "
                            "still to place = 12 > capacity 11: prune (section inference).")
    assert any("section inference" in c.value for c in at.caption)
    step = chart(at, "sv_step_chart")
    assert "prune" in step["roles"] and "candidate" in step["roles"]
    assert "floors" in step["roles"] and "capacity" in step["roles"]

    at.button(key="sv_next").click()
    run(at)
    assert at.slider(key="sv_step").value == 5
    assert headline(at).startswith("**Step 5 of 19 · undo** — Undo b5 at 0")
    assert "prune" not in chart(at, "sv_step_chart")["roles"]

    at.selectbox(key="sv_jump").set_value("backtrack")
    at.button(key="sv_next").click()
    run(at)
    assert at.slider(key="sv_step").value == 18
    assert "backtrack" in headline(at)
    at.selectbox(key="sv_jump").set_value("placement")
    at.button(key="sv_prev").click()
    run(at)
    assert at.slider(key="sv_step").value == 15
    assert headline(at).startswith("**Step 15 of 19 · place** — Place b1 at offset 0")


def test_play_advances_and_stops():
    at = run(AppTest.from_function(example_script, default_timeout=TIMEOUT))
    at.button(key="sv_play").click()
    run(at)
    assert at.session_state["sv_state"].playing
    assert at.slider(key="sv_step").value == 1  # one step per run while playing
    assert at.button(key="sv_play").label == "Pause"
    assert at.session_state["sv_state"].timer == 0.8  # the default speed
    at.button(key="sv_play").click()
    run(at)
    assert not at.session_state["sv_state"].playing
    assert at.slider(key="sv_step").value == 1


def test_next_with_nothing_later_says_so():
    at = run(AppTest.from_function(example_script, default_timeout=TIMEOUT))
    at.selectbox(key="sv_jump").set_value("backtrack")
    at.button(key="sv_next").click()
    run(at)
    assert at.slider(key="sv_step").value == 18
    assert not at.info
    at.button(key="sv_next").click()
    run(at)
    assert at.slider(key="sv_step").value == 18  # stays, and says why
    assert any("No backtrack after step 18: this is the last one" in i.value
               for i in at.info)
    at.button(key="sv_prev").click()  # the message goes with the next action
    run(at)
    assert not any("No backtrack" in i.value for i in at.info)
    at.slider(key="sv_step").set_value(0)
    run(at)
    at.button(key="sv_prev").click()
    run(at)
    assert any("nothing before step 0" in i.value for i in at.info)


def test_step_zero_names_the_heuristic_round_one_uses():
    at = run(AppTest.from_function(example_script, default_timeout=TIMEOUT))
    assert any("heuristic WAT" in c.value for c in at.caption)
    at.slider(key="sv_step").set_value(1)
    run(at)
    assert "Round 1: heuristic WAT" in headline(at)
    assert any("heuristic WAT" in c.value for c in at.caption)


def test_the_caption_gives_the_node_depth_not_the_path_length():
    at = run(AppTest.from_function(example_script, default_timeout=TIMEOUT))
    at.slider(key="sv_step").set_value(3)  # the root node has placed b5
    run(at)
    assert "Place b5" in headline(at)
    assert any("at node 0 of the tree (depth 0)" in c.value for c in at.caption)


def test_speed_landmarks_and_go_to_step():
    at = run(AppTest.from_function(example_script, default_timeout=TIMEOUT))
    at.select_slider(key="sv_speed").set_value("0.4 s")
    at.button(key="sv_play").click()
    run(at)
    assert at.session_state["sv_state"].timer == 0.4
    at.select_slider(key="sv_speed").set_value("3 s")
    run(at)
    assert at.session_state["sv_state"].timer == 3.0
    at.button(key="sv_play").click()
    run(at)
    assert at.session_state["sv_state"].timer is None

    marks = at.selectbox(key="sv_landmark")
    labels = list(marks.options)
    assert labels[0] == "step 1: round 1 · WAT starts"
    assert "step 4: first prune (section inference)" in labels
    assert "step 18: first backtrack" in labels
    assert labels[-1] == "step 19: round 1 · WAT ends: infeasible" or \
        labels[-1] == "step 19: the end"
    marks.set_value("step 18: first backtrack")
    run(at)
    assert at.slider(key="sv_step").value == 18 and "backtrack" in headline(at)
    assert at.selectbox(key="sv_landmark").value is None  # ready for the next one

    at.number_input(key="sv_goto").set_value(7)
    run(at)
    assert at.slider(key="sv_step").value == 7
    assert headline(at).startswith("**Step 7 of 19")

    at.number_input(key="sv_goto_node").set_value(1)  # the first rejected placement
    run(at)
    assert at.slider(key="sv_step").value == 4
    assert headline(at).startswith("**Step 4 of 19 · prune**")


def slow_drawing_script():
    """The example, pretending that drawing a step is slow."""
    import app.views.search as view
    from minimalloc import Buffer, Problem, SolverParams

    view.DRAW_MARGIN = 200.0
    problem = Problem([Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4),
                       Buffer("b3", 0, 9, 4), Buffer("b4", 9, 21, 4),
                       Buffer("b5", 0, 21, 4)], capacity=11)
    view.render_search_view(problem, SolverParams(), key_prefix="sv")


def test_play_slows_down_to_the_drawing_time_and_says_so():
    at = run(AppTest.from_function(slow_drawing_script, default_timeout=TIMEOUT))
    at.select_slider(key="sv_speed").set_value("0.1 s")
    at.button(key="sv_play").click()
    run(at)
    drawing = at.session_state["sv_state"].draw_seconds
    assert drawing > 0
    assert at.session_state["sv_state"].timer >= 0.1
    run(at)  # the next tick uses the measured drawing time
    assert at.session_state["sv_state"].timer > 0.1
    assert any("so play shows one step every" in c.value for c in at.caption)


def test_the_tree_marks_where_the_stepper_is():
    at = run(AppTest.from_function(example_script, default_timeout=TIMEOUT))
    tree = chart(at, "sv_tree_chart")
    assert "current" not in tree["roles"]  # step 0: no node yet
    at.slider(key="sv_step").set_value(4)  # a prune at the root node
    run(at)
    tree = chart(at, "sv_tree_chart")
    (current,) = [t for t in tree["spec"]["data"] if t["meta"]["role"] == "current"]
    assert current["meta"]["vertex"] == 0
    labels = [a["text"] for a in tree["spec"]["layout"]["annotations"]]
    assert "you are here" in labels


def test_tree_and_counters_are_drawn():
    at = run(AppTest.from_function(example_script, default_timeout=TIMEOUT))
    tree = chart(at, "sv_tree_chart")
    assert "vertices" in tree["roles"] and "edges" in tree["roles"]
    outcomes = {(t.get("meta") or {}).get("outcome") for t in tree["spec"]["data"]}
    assert {"backtracked", "inference"} <= outcomes
    assert any("1 search nodes" in c.value or "1 search node" in c.value
               for c in at.caption)
    for key in ("sv_depth_chart", "sv_progress_chart", "sv_runs_chart"):
        assert chart(at, key)["spec"]["data"]


def test_the_ablation_panel_runs_and_shows_chart_and_table():
    at = run(AppTest.from_function(example_script, default_timeout=TIMEOUT))
    assert not [c for c in charts(at) if "ablation" in c]
    at.number_input(key="sv_ablation_limit").set_value(1.0)
    at.button(key="sv_ablation_run").click()
    run(at)
    ablation = chart(at, "sv_ablation_chart")
    assert {"nodes", "seconds"} <= set(ablation["roles"])
    table = next(df.value for df in at.dataframe if "variant" in df.value.columns)
    assert len(table) == 10 and table.status.eq("infeasible").all()
    assert table.variant.iloc[0] == "all techniques on"
    # The rows stay on the page while the user steps.
    at.slider(key="sv_step").set_value(2)
    run(at)
    assert [c for c in charts(at) if "sv_ablation_chart" in c]


def test_a_cut_trace_and_a_large_tree_are_said(monkeypatch):
    import app.views.search as view

    # The script lowers the limits on the module, shared with later tests.
    monkeypatch.setattr(view, "TRACE_CAP", view.TRACE_CAP)
    monkeypatch.setattr(view, "TREE_LIMIT", view.TREE_LIMIT)
    at = run(AppTest.from_function(limits_script, default_timeout=TIMEOUT))
    assert any("The trace was cut" in w.value for w in at.warning)
    assert any("the tree is drawn for runs up to 2 nodes" in i.value for i in at.info)
    assert at.slider(key="lim_step").max == 10
    assert not [c for c in charts(at) if "lim_tree_chart" in c]


def test_without_a_capacity():
    at = run(AppTest.from_function(no_capacity_script, default_timeout=TIMEOUT))
    assert any("Set a capacity" in i.value for i in at.info)


# ---------------------------------------------------------------- the figures


def example_run(capacity: int):
    from minimalloc import Buffer, Problem, solve
    from minimalloc.search.trace import TraceReplay, section_times

    problem = Problem([Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4),
                       Buffer("b3", 0, 9, 4), Buffer("b4", 9, 21, 4),
                       Buffer("b5", 0, 21, 4)], capacity=capacity)
    result = solve(problem, trace=1000)
    replay = TraceReplay(problem, result)
    return problem, result, replay, *section_times(problem, replay.sweep)


def rects_of(fig, role):
    from app.figures.rects import trace_rectangles

    return sorted(r for t in fig.data if (t.meta or {}).get("role") == role
                  for r in trace_rectangles(t))


def test_step_figure_draws_the_snapshot():
    from app.figures.search_step import step_figure

    problem, _, replay, start, end = example_run(12)
    fig = step_figure(problem, replay.snapshot(15), start, end)  # b2's piece starts
    assert rects_of(fig, "placed") == [(0, 9, 4, 8), (0, 21, 0, 4)]  # b3, b5
    assert rects_of(fig, "settled") == [(0, 3, 8, 12)]  # b1, its piece solved
    # b2 and b4 unplaced: dotted at their lowest offsets (8 and 4).
    assert rects_of(fig, "lowest") == [(3, 9, 8, 12), (9, 21, 4, 8)]
    floors = next(t for t in fig.data if t.meta["role"] == "floors")
    assert [v for v in floors.y if v is not None] == [8, 8, 8, 8]  # sections 0 and 1

    problem, _, replay, start, end = example_run(11)
    fig = step_figure(problem, replay.snapshot(4), start, end)  # the first prune
    prune = next(t for t in fig.data if t.meta["role"] == "prune")
    assert prune.meta["section"] == 0
    assert (min(prune.y), max(prune.y), min(prune.x), max(prune.x)) == (4, 12, 0, 3)
    assert rects_of(fig, "candidate") == [(0, 21, 0, 4)]  # b5, being tried


def test_tree_layout_centres_parents_over_children():
    from app.figures.search_tree import tree_figure, tree_layout
    from minimalloc.search.trace import search_tree

    _, result, _, _, _ = example_run(12)
    tree = search_tree(result)
    x, y, drawn = tree_layout(tree)
    assert drawn.all() and y.tolist() == tree.depth.tolist()
    for v in range(len(tree)):
        kids = [c for c in range(len(tree)) if tree.parent[c] == v]
        if kids:
            assert x[v] == (x[kids[0]] + x[kids[-1]]) / 2
    fig = tree_figure(tree, current=3)
    roles = [t.meta["role"] for t in fig.data]
    assert {"edges", "piece edges", "vertices", "current", "edge labels"} <= set(roles)
    vertices = [t for t in fig.data if t.meta["role"] == "vertices"]
    assert sum(t.meta["count"] for t in vertices) == 8


def test_ablation_figure_uses_log_scales():
    from app.figures.search_over_time import ablation_figure
    from minimalloc.analysis.ablation import BASELINE, AblationRow
    from minimalloc.params import Status

    rows = [AblationRow(BASELINE, Status.OK, 0.01, 10, 0),
            AblationRow("section_inference", Status.TIMEOUT, 2.0, 50_000, 900)]
    fig = ablation_figure(rows, timeout=2.0)
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis2.type == "log"
    nodes = next(t for t in fig.data if t.meta["role"] == "nodes")
    assert list(nodes.x) == [10, 50_000] and nodes.text[1].startswith("≥ 50,000")
    assert list(nodes.marker.pattern.shape) == ["", "/"]


# ---------------------------------------------------------------- as a student


def decomposing_script():
    """The example at capacity 12: the search decomposes into pieces."""
    from app.views.search import render_search_view
    from minimalloc import Buffer, Problem, SolverParams

    problem = Problem([Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4),
                       Buffer("b3", 0, 9, 4), Buffer("b4", 9, 21, 4),
                       Buffer("b5", 0, 21, 4)], capacity=12)
    render_search_view(problem, SolverParams(), key_prefix="sv")


def test_a_student_can_see_the_sections_the_steps_speak_of():
    """'boundary after section 1', 'piece over sections 0-2': the step chart
    marks and numbers every section."""
    from app.figures.search_step import step_figure

    problem, _, replay, start, end = example_run(12)
    fig = step_figure(problem, replay.snapshot(4), start, end)  # the decomposition
    (bounds,) = [t for t in fig.data if t.meta["role"] == "section bounds"]
    edges = sorted({float(x) for x in bounds.x if x is not None})
    assert edges == sorted({float(t) for t in (*start, *end)})
    labels = [a for a in fig.layout.annotations if (a.name or "") == "section"]
    assert [a.text for a in labels] == [f"s{k}" for k in range(len(start))]
    assert [a.x for a in labels] == [(s + e) / 2 for s, e in zip(start, end)]


def test_a_student_reads_the_tree_as_the_steps_tell_it():
    """The dashed edges into the pieces say which piece (both read 'b5@0');
    at a leaf the ring is on the solved node (a star), not on its parent;
    the caption says why the tree has fewer rejected placements than the
    statistics have prunes; one buffer is 'buffer'."""
    at = run(AppTest.from_function(decomposing_script, default_timeout=TIMEOUT))
    tree = chart(at, "sv_tree_chart")["spec"]
    labels = next(t for t in tree["data"] if t["meta"]["role"] == "piece labels")["text"]
    assert labels == ["piece 1 · sections 0–1", "piece 1 · section 0",
                      "piece 2 · section 1", "piece 2 · section 2"]
    edge_labels = next(t for t in tree["data"] if t["meta"]["role"] == "edge labels")
    assert "b5@0" not in edge_labels["text"]
    at.slider(key="sv_step").set_value(13)  # a leaf: b1's piece is solved
    run(at)
    assert "leaf" in headline(at)
    tree = chart(at, "sv_tree_chart")["spec"]
    (current,) = [t for t in tree["data"] if t["meta"]["role"] == "current"]
    assert current["meta"]["vertex"] == 3  # the star of b1's piece
    at.slider(key="sv_step").set_value(10)
    run(at)
    assert "1 buffer to place" in headline(at) and "1 buffers" not in headline(at)


def load_not_enough_script():
    from app.views.search import render_search_view
    from minimalloc import SolverParams
    from minimalloc.generate.samples import load_sample

    render_search_view(load_sample("load_not_enough"), SolverParams(), key_prefix="sv")


def test_the_tree_says_why_it_has_fewer_rejections_than_the_statistics_have_prunes():
    """'88 placements rejected' against 204 prunes in the statistics."""
    at = run(AppTest.from_function(load_not_enough_script, default_timeout=TIMEOUT))
    caption = next(c.value for c in at.caption if "placements rejected" in c.value)
    assert "88 placements rejected" in caption
    assert ("The statistics count 204 prunes: 116 of them (36 canonical, 80 dominance) "
            "leave out a candidate that is never tried") in caption


def test_play_promises_the_pace_it_keeps_and_does_not_run_ahead():
    """Play at 0.1 s promised 'one step every 0.2 s' and advanced one step
    every 0.77 s (the browser took that long to draw one); the server ran
    ahead of what the browser showed, so Pause stopped three steps later.
    Ticks that come slower than the timer slow the timer to their pace, the
    page says the pace the timer keeps (not a fresher estimate it has not
    taken up), and the run that only slows the timer takes no step.

    The ticks come from a browser that needs half a second or more for each
    step, unevenly; a loaded machine only makes them slower, which changes
    the pace but none of what is asserted."""
    import time

    at = run(AppTest.from_function(example_script, default_timeout=TIMEOUT))
    at.select_slider(key="sv_speed").set_value("0.1 s")
    at.button(key="sv_play").click()
    run(at)
    assert at.slider(key="sv_step").value == 1
    for pause in (0.5, 0.5, 0.5, 0.65, 0.65):
        time.sleep(pause)
        run(at)
        state = at.session_state["sv_state"]
        caption = [c.value for c in at.caption if "play shows one step every" in c.value]
        if state.timer > 0.1:
            assert caption and f"one step every {state.timer:g} s" in caption[0]
    assert at.session_state["sv_state"].timer >= 0.45
    step = at.slider(key="sv_step").value
    assert step == 6  # one step a tick: none taken unseen while slowing down
    at.button(key="sv_play").click()  # Pause
    run(at)
    assert not at.session_state["sv_state"].playing
    assert at.slider(key="sv_step").value == step
