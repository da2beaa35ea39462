"""The Search view's figures as a student reads them: where the search is,
which run is which, which leaves are real solutions, readable axes."""

from __future__ import annotations

import numpy as np
import pytest

from app.figures.search_tree import display_outcomes, tree_figure, tree_layout
from minimalloc import SolverParams, solve
from minimalloc.generate.samples import load_sample
from minimalloc.search.trace import TraceReplay, over_time, search_tree

GIVEN_UP = "piece solved, later given up"


@pytest.fixture(scope="module")
def alignment():
    """40 buffers: five round-robin runs run out of budget, the sixth solves."""
    problem = load_sample("alignment")
    params = SolverParams(timeout=30)
    result = solve(problem, params, trace=200_000)
    assert not result.trace_truncated
    return problem, result, search_tree(result, params), over_time(result)


def _roles(fig, role):
    return [t for t in fig.data if (t.meta or {}).get("role") == role]


def test_the_current_vertex_is_marked_you_are_here(alignment):
    problem, result, tree, over = alignment
    replay = TraceReplay(problem, result, SolverParams(timeout=30))
    snap = replay.snapshot(len(replay) // 2)
    assert snap.node is not None
    fig = tree_figure(tree, problem, current=snap.node, runs=over.runs)
    (marker,) = _roles(fig, "current")
    assert marker.meta["vertex"] == snap.node
    (label,) = [a for a in fig.layout.annotations if a.name == "current"]
    assert label.text == "you are here" and label.showarrow
    assert (label.x, label.y) == (marker.x[0], marker.y[0])
    x, y, _ = tree_layout(tree)
    assert (marker.x[0], marker.y[0]) == (x[snap.node], y[snap.node])
    # The replay's node is the tree's vertex: same depth.
    assert tree.depth[snap.node] == snap.node_depth


def test_clicking_does_not_fade_the_tree(alignment):
    problem, _, tree, over = alignment
    fig = tree_figure(tree, problem, runs=over.runs)
    for trace in _roles(fig, "vertices"):
        assert trace.unselected.marker.opacity == 1


def test_round_robin_runs_are_labelled_and_separated(alignment):
    problem, _, tree, over = alignment
    fig = tree_figure(tree, problem, runs=over.runs)
    labels = list(fig.layout.xaxis.ticktext)
    assert fig.layout.xaxis.visible
    assert len(labels) == len(over.runs) == 6
    assert labels[0] == f"round 1<br>{over.runs[0].heuristic}<br>node limit"
    assert labels[-1].endswith("solved")
    # The labels sit under their runs, left to right, with a line between runs.
    x, _, drawn = tree_layout(tree)
    ticks = list(fig.layout.xaxis.tickvals)
    assert ticks == sorted(ticks)
    for run, tick in zip(range(1, 7), ticks):
        xs = x[drawn & (tree.run == run)]
        assert xs.min() <= tick <= xs.max()
    assert len(fig.layout.shapes) == 5


def test_depth_axis_has_about_ten_labels_within_the_tree(alignment):
    problem, _, tree, over = alignment
    fig = tree_figure(tree, problem, runs=over.runs)
    deepest = int(tree.depth.max())
    assert deepest == 37
    axis = fig.layout.yaxis
    assert tuple(axis.range) == (deepest + 0.6, -0.6)  # reversed, no -2 or 38
    assert axis.dtick == 5  # 0, 5, ..., 35
    small = tree_figure(search_tree(solve(load_sample("five_buffers"), trace=1000)))
    assert small.layout.yaxis.dtick == 1


def test_no_solution_star_inside_an_aborted_run(alignment):
    problem, result, tree, over = alignment
    shown = display_outcomes(tree)
    raw = np.array(tree.outcome, dtype=object)
    assert np.count_nonzero(raw == "solution") == 4  # leaves of solved pieces
    stars = np.flatnonzero(shown == "solution")
    assert len(stars) == 1
    solved_run = next(r.run for r in over.runs if r.outcome == "solved")
    assert all(tree.run[v] == solved_run for v in stars)
    given_up = np.flatnonzero(shown == GIVEN_UP)
    assert len(given_up) == 3 and all(tree.run[v] != solved_run for v in given_up)
    fig = tree_figure(tree, problem, runs=over.runs)
    by_outcome = {t.meta["outcome"]: t for t in _roles(fig, "vertices")}
    assert by_outcome["solution"].meta["count"] == 1
    assert by_outcome[GIVEN_UP].marker.symbol == "star-open"
    assert all(GIVEN_UP in text for text in by_outcome[GIVEN_UP].text)


def test_an_infeasible_search_draws_no_solution():
    problem = load_sample("load_not_enough")
    result = solve(problem, trace=10_000)
    assert result.status.value == "infeasible"
    shown = display_outcomes(search_tree(result))
    assert not np.any(shown == "solution")
    assert np.any(shown == GIVEN_UP)


def test_jumps_land_on_the_next_event_of_their_kind(alignment):
    from app.views.search import JUMP_KINDS, next_step
    from minimalloc.search.trace import EVENT_KINDS

    _, result, _, _ = alignment
    kinds = tuple(EVENT_KINDS[c] for c in result.trace[:, 0].tolist())
    for choice in ("node", "backtrack", "decomposition", "round", "leaf"):
        wanted = JUMP_KINDS[choice]
        steps = [k for k, kind in enumerate(kinds, start=1) if kind in wanted]
        assert len(steps) >= 2, choice
        here = 0
        for expected in steps:
            here = next_step(kinds, here, wanted, +1)
            assert here == expected
        assert next_step(kinds, here, wanted, +1) is None  # nothing later: None
        assert next_step(kinds, steps[-1], wanted, -1) == steps[-2]


def test_landmarks_reach_the_interesting_parts(alignment):
    from app.views.search import landmarks
    from minimalloc.search.trace import EVENT_KINDS

    _, result, _, over = alignment
    kinds = tuple(EVENT_KINDS[c] for c in result.trace[:, 0].tolist())
    marks = landmarks(kinds, over)
    steps = list(marks.values())
    assert steps == sorted(steps)
    assert marks[f"step {kinds.index('backtrack') + 1:,}: first backtrack"] > 0
    for span in over.runs:  # every run's start and end
        assert span.first_step in steps and span.last_step in steps
    split = [s for label, s in marks.items() if "decomposition" in label]
    assert split and all(kinds[s - 1] == "decompose" for s in split)
    assert steps[-1] == len(kinds)


def test_figures_leave_the_background_to_the_theme(alignment):
    """No white plot area in dark mode: no figure fixes its backgrounds."""
    from app.figures import search_over_time, search_step
    from minimalloc.analysis.ablation import BASELINE, AblationRow
    from minimalloc.params import Status
    from minimalloc.search.trace import section_times

    problem, result, tree, over = alignment
    replay = TraceReplay(problem, result, SolverParams(timeout=30))
    start, end = section_times(problem, replay.sweep)
    figures = [
        search_step.step_figure(problem, replay.snapshot(100), start, end),
        tree_figure(tree, problem, current=3, runs=over.runs),
        search_over_time.nodes_per_depth_figure(over),
        search_over_time.progress_figure(over),
        search_over_time.runs_figure(over),
        search_over_time.ablation_figure([AblationRow(BASELINE, Status.OK, 0.01, 10, 0)]),
    ]
    for fig in figures:
        assert fig.layout.plot_bgcolor is None and fig.layout.paper_bgcolor is None


def test_many_unplaced_buffers_are_shaded_not_outlined(monkeypatch):
    """Thousands of dotted outlines draw slowly: above the limit, one path."""
    from app.figures import search_step
    from minimalloc.search.trace import section_times

    problem = load_sample("five_buffers")
    result = solve(problem, trace=1000)
    replay = TraceReplay(problem, result)
    start, end = section_times(problem, replay.sweep)
    snap = replay.snapshot(2)  # the root node: all five unplaced
    (outline,) = _roles(search_step.step_figure(problem, snap, start, end), "lowest")
    assert outline.fill is None and outline.line.dash == "dot"
    monkeypatch.setattr(search_step, "OUTLINE_LIMIT", 3)
    (shade,) = _roles(search_step.step_figure(problem, snap, start, end), "lowest")
    assert shade.fill == "toself" and shade.meta["rects"] == 5  # the five buffers
