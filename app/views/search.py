"""The Search view tab: watch the search step by step, see the tree it
explored, its counters over time, and the ablation study.

Entry point: :func:`render_search_view`, to call inside a tab or container of
the page.  It runs its own traced solve (cached on the problem's CSV text
and the parameters), replays the recorded events with
:class:`minimalloc.search.trace.TraceReplay` and draws with the search
figures (:mod:`app.figures.search_step`, :mod:`app.figures.search_tree`,
:mod:`app.figures.search_over_time`).  Every widget's key starts with
``key_prefix``; the view's own state is one :class:`SearchViewState` under
``<key_prefix>_state``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.search_over_time import (
    ablation_figure,
    nodes_per_depth_figure,
    progress_figure,
    runs_figure,
)
from app.figures.search_step import step_figure
from app.figures.search_tree import TREE_STYLE, display_outcomes, tree_figure
from minimalloc.analysis.ablation import ablation_table, run_ablation
from minimalloc.formats.csv import dumps_csv
from minimalloc.model import Problem
from minimalloc.params import TECHNIQUES, SolverParams
from minimalloc.search.kernel import EV_NODE
from minimalloc.search.solver import SolveResult, solve
from minimalloc.search.trace import (
    EVENT_KINDS,
    OverTime,
    Snapshot,
    TraceReplay,
    TreeData,
    over_time,
    search_tree,
    section_times,
)

#: Events recorded by the traced solve at most.
TRACE_CAP = 200_000
#: The tree is drawn for runs up to this many search nodes.
TREE_LIMIT = 5_000
#: Time limit of the traced solve when the parameters set none (seconds).
DEFAULT_SECONDS = 10.0
#: Play speeds: label -> seconds between steps.
PLAY_SPEEDS: dict[str, float] = {"3 s": 3.0, "1.5 s": 1.5, "0.8 s": 0.8, "0.4 s": 0.4,
                                 "0.2 s": 0.2, "0.1 s": 0.1}
DEFAULT_SPEED = "0.8 s"
#: Play measures its pace over this many ticks (the median gap).
PACE_TICKS = 3
#: Play waits at least this many times as long as the server took to draw a
#: step (the browser then draws it too), so that every step gets shown.
DRAW_MARGIN = 2.5
#: Prune rules that leave a candidate out before it is tried (no tree vertex).
UNTRIED = ("canonical", "dominance", "hatless")
#: What the "previous" and "next" buttons can jump to.
JUMP_KINDS: dict[str, tuple[str, ...]] = {
    "any event": tuple(EVENT_KINDS.values()),
    "node": ("node",),
    "placement": ("place",),
    "prune or skip": ("prune", "fixed_fail", "skip", "hatless"),
    "backtrack": ("backtrack",),
    "decomposition": ("decompose", "piece"),
    "leaf": ("leaf",),
    "round": ("round", "round_end"),
}


@dataclass(frozen=True)
class TracedRun:
    """A traced solve and what is derived from it without the problem."""

    result: SolveResult
    params: SolverParams  # as solved: time limit set, no minimisation
    kinds: tuple[str, ...]  # the kind of each recorded event
    nodes: int  # search nodes recorded in the trace
    tree: TreeData | None  # None above TREE_LIMIT nodes
    over: OverTime


@dataclass
class SearchViewState:
    """What the view keeps between runs of the page, besides widget values:
    the replay of the current run (rebuilt when the run changes), whether
    play is on and how often its timer ticks, how long drawing a step took,
    a notice for the next run, and the last ablation study."""

    run_key: tuple | None = None
    replay: TraceReplay | None = None
    section_start: np.ndarray | None = None
    section_end: np.ndarray | None = None
    playing: bool = False
    timer: float | None = None
    draw_seconds: float = 0.0
    last_tick: float | None = None  # when play last advanced (perf_counter)
    tick_gaps: list[float] = field(default_factory=list)  # the last few, seconds
    #: The page runs again only to set the timer to a new pace: the step on
    #: screen stays (no step is taken, no tick measured).
    repacing: bool = False
    notice: str | None = None
    ablation: tuple[tuple, float, list[Any]] | None = None


def view_state(kp: str) -> SearchViewState:
    """The view's state for key prefix ``kp``."""
    return st.session_state.setdefault(f"{kp}_state", SearchViewState())


def traced_params(params: SolverParams) -> SolverParams:
    """The parameters of the view's traced solve: the given switches and
    heuristics, a time limit (theirs, or :data:`DEFAULT_SECONDS`), and no
    capacity minimisation (a sequence of searches, not one)."""
    timeout = params.timeout if params.timeout is not None else DEFAULT_SECONDS
    return replace(params, timeout=timeout, minimize_capacity=False)


def _params_key(params: SolverParams) -> tuple:
    return tuple((f.name, getattr(params, f.name)) for f in fields(params))


@st.cache_data(show_spinner="Solving with every search event recorded…", max_entries=16)
def _traced_run(csv_text: str, capacity: int, params_key: tuple, trace_cap: int,
                tree_limit: int, _problem: Problem) -> TracedRun:
    """Solve with a trace; cached on the CSV text, capacity, parameters and
    limits (``_problem`` is the problem of that CSV text, not hashed)."""
    del csv_text
    params = SolverParams(**dict(params_key))
    result = solve(_problem.with_capacity(capacity), params, trace=trace_cap)
    codes = result.trace[:, 0]
    kinds = tuple(EVENT_KINDS[c] for c in codes.tolist())
    nodes = int(np.count_nonzero(codes == EV_NODE))
    tree = search_tree(result, params) if nodes <= tree_limit else None
    return TracedRun(result, params, kinds, nodes, tree, over_time(result))


def render_search_view(problem: Problem, params: SolverParams,
                       key_prefix: str = "search") -> None:
    """Draw the Search view for ``problem`` solved with ``params``.

    Parameters
    ----------
    problem : Problem
        The current problem (with a capacity).
    params : SolverParams
        The solver settings; the view's traced solve uses its switches and
        heuristics (with its time limit, or :data:`DEFAULT_SECONDS`).
    key_prefix : str
        Prefix of every widget key and session-state entry of the view, so
        that it can appear more than once on a page.
    """
    kp = key_prefix
    st.caption(
        "Watch MiniMalloc search: each step is one event of the depth-first search "
        "(a node, a placement, a pruned candidate, a backtrack, a decomposition). "
        "The view solves the problem again with every event recorded.")
    if problem.capacity is None:
        st.info("Set a capacity to watch the search: it decides what fits.")
        return
    if not problem.buffers:
        st.info("The problem has no buffers: there is nothing to search.")
        return
    solve_params = traced_params(params)
    csv_text = dumps_csv(problem)
    params_key = _params_key(solve_params)
    run = _traced_run(csv_text, int(problem.capacity), params_key, TRACE_CAP, TREE_LIMIT,
                      problem)
    run_key = (csv_text, int(problem.capacity), params_key)
    _summary(run, params)
    st.subheader("Step through the search")
    _play_button(kp, run)
    replay, start, end = _replay(kp, run_key, problem, run)
    view = view_state(kp)
    interval = play_interval(kp) if view.playing else None
    view.timer = interval  # how often the fragment below ticks
    stepper = st.fragment(_stepper, run_every=interval,
                          key=f"{kp}_stepper")
    stepper(kp, problem, run, replay, start, end)
    st.subheader("Over time")
    _over_time_panel(kp, run)
    st.subheader("Ablation: each technique switched off in turn")
    _ablation_panel(kp, problem, params, run_key)


def _summary(run: TracedRun, params: SolverParams) -> None:
    result = run.result
    stats = result.stats
    recorded = len(run.kinds)
    st.markdown(
        f"Traced solve: **{result.status.value}** after **{stats.nodes:,}** nodes and "
        f"**{stats.backtracks:,}** backtracks; **{recorded:,}** events recorded "
        f"(time limit {run.params.timeout:g} s).")
    if params.minimize_capacity:
        st.info("Minimising the capacity runs one search per probe; this view shows "
                f"the search at the capacity {result.capacity:,}.")
    if result.trace_truncated:
        st.warning(
            f"The trace was cut: the search produced more than {recorded:,} events and "
            "only those were kept. The step-through, the tree and the counters cover "
            "the beginning of the search.", icon=":material/content_cut:")


def _replay(kp: str, run_key: tuple, problem: Problem,
            run: TracedRun) -> tuple[TraceReplay, np.ndarray, np.ndarray]:
    """The session's replay of this run (rebuilt when the run changes)."""
    view = view_state(kp)
    if view.replay is None or view.run_key != run_key:
        view.replay = TraceReplay(problem.with_capacity(run.result.capacity), run.result,
                                  run.params)
        view.section_start, view.section_end = section_times(problem, view.replay.sweep)
        view.run_key = run_key
        # A link may name the step to open at (app.services.links).
        linked = st.session_state.pop(f"{kp}_linked_step", 0)
        st.session_state[f"{kp}_step"] = min(max(int(linked), 0), len(run.kinds))
        view.playing = False
    return view.replay, view.section_start, view.section_end


def _play_button(kp: str, run: TracedRun) -> None:
    view = view_state(kp)
    playing = view.playing

    def toggle() -> None:
        view.playing = not view.playing

    left, right = st.columns([1, 3], vertical_alignment="bottom")
    left.button("Pause" if playing else "Play", key=f"{kp}_play", on_click=toggle,
                icon=":material/pause:" if playing else ":material/play_arrow:",
                disabled=not run.kinds, width="stretch",
                help="Advance one step of the kind chosen below at the chosen speed.")
    right.select_slider("Speed (seconds per step while playing)", list(PLAY_SPEEDS),
                        value=DEFAULT_SPEED, key=f"{kp}_speed",
                        help="Large problems take longer to draw than the fastest "
                             "speeds allow: play by round or backtrack instead, or jump "
                             "to a landmark.")


def play_interval(kp: str) -> float:
    """Seconds between steps while playing: the chosen speed, slowed down to
    what drawing a step takes here, and to the pace the ticks really come
    at (the browser draws each step too: the page's timer fires on time only
    when it is free).  Ticks faster than the page can show queue up: the
    steps run ahead of what is on screen, and Pause stops later than asked."""
    chosen = PLAY_SPEEDS.get(st.session_state.get(f"{kp}_speed", DEFAULT_SPEED),
                             PLAY_SPEEDS[DEFAULT_SPEED])
    view = view_state(kp)
    pace = sorted(view.tick_gaps)[len(view.tick_gaps) // 2] if len(
        view.tick_gaps) >= PACE_TICKS else 0.0
    return max(chosen, round(DRAW_MARGIN * view.draw_seconds, 1), round(pace, 1))


def next_step(kinds: tuple[str, ...], step: int, wanted: tuple[str, ...],
               direction: int) -> int | None:
    """The step of the next (or previous) event of a wanted kind after (before)
    ``step``; None if there is none."""
    k = step + direction
    while 1 <= k <= len(kinds):
        if kinds[k - 1] in wanted:
            return k
        k += direction
    if direction < 0 and step > 0:
        return 0
    return None


def landmarks(kinds: tuple[str, ...], over: OverTime,
              decompositions: int = 20) -> dict[str, int]:
    """The interesting steps of a trace, label -> step, in step order: the
    first prune and backtrack, each round-robin run's start and end, the first
    ``decompositions`` decompositions, the first and last leaf and the end."""
    found: list[tuple[int, str]] = []
    firsts = {"prune": "first prune (section inference)", "backtrack": "first backtrack",
              "hatless": "first hatless cut", "leaf": "first leaf (a piece solved)"}
    seen: set[str] = set()
    split = 0
    for step, kind in enumerate(kinds, start=1):
        if kind in firsts and kind not in seen:
            seen.add(kind)
            found.append((step, firsts[kind]))
        if kind == "decompose" and split < decompositions:
            split += 1
            found.append((step, f"decomposition {split}"))
    for span in over.runs:
        if span.node_limit < 0:
            continue
        name = f"round {span.round} · {span.heuristic}"
        found.append((span.first_step, f"{name} starts"))
        if span.last_step > 0:
            found.append((span.last_step, f"{name} ends: {span.outcome}"))
    leaves = [k for k, kind in enumerate(kinds, start=1) if kind == "leaf"]
    if len(leaves) > 1:
        found.append((leaves[-1], "last leaf"))
    found.append((len(kinds), "the end"))
    found.sort()
    return {f"step {step:,}: {label}": step for step, label in found}


def _nothing_more(choice: str, step: int, direction: int) -> str:
    """What to tell when there is no event of the chosen kind to jump to."""
    what = "event" if choice == "any event" else choice
    if direction > 0:
        return (f"No {what} after step {step:,}: this is the last one. Choose another "
                "kind to jump to, or a landmark.")
    # Going back always stops at step 0, so this is the start.
    return "This is the start of the search: there is nothing before step 0."


def _stepper(kp: str, problem: Problem, run: TracedRun, replay: TraceReplay,
             start: np.ndarray, end: np.ndarray) -> None:
    began = time.perf_counter()
    view = view_state(kp)
    repacing, view.repacing = view.repacing, False
    if not view.playing:
        view.last_tick, view.tick_gaps = None, []
    elif not repacing:
        if view.last_tick is not None:
            view.tick_gaps = [*view.tick_gaps, began - view.last_tick][-PACE_TICKS:]
        view.last_tick = began
    _draw_step(kp, problem, run, replay, start, end, advance=not repacing)
    view.draw_seconds = time.perf_counter() - began
    timer = view.timer
    if timer and view.playing and play_interval(kp) > 1.3 * timer:
        # Drawing is slower than the timer: run the page again to slow the
        # timer down, showing the same step (a step taken here would flash
        # by unseen, and Pause would stop ahead of the screen).
        view.repacing = True
        st.rerun(scope="app")


def _draw_step(kp: str, problem: Problem, run: TracedRun, replay: TraceReplay,
               start: np.ndarray, end: np.ndarray, advance: bool = True) -> None:
    ss = st.session_state
    view = view_state(kp)
    step_key = f"{kp}_step"
    total = len(run.kinds)
    if total == 0:
        st.info("No events were recorded.")
        return
    ss[step_key] = min(max(int(ss.get(step_key, 0)), 0), total)
    if view.timer and not view.playing:
        st.rerun(scope="app")  # paused from inside the fragment: stop its timer
    if view.playing and advance:
        _advance(kp, run)
    _navigation(kp, run)
    if view.notice:
        st.info(view.notice, icon=":material/block:")
        view.notice = None
    chosen = PLAY_SPEEDS.get(ss.get(f"{kp}_speed", DEFAULT_SPEED), 0.0)
    # The pace promised is the timer's, the one kept: not a fresher estimate
    # the timer has not taken up yet.
    if view.playing and view.timer and view.timer > chosen:
        st.caption(f"Showing a step of this problem here takes about "
                   f"{view.timer:g} s (drawing it takes {view.draw_seconds:.1f} s "
                   f"on the server, then the browser draws it), so play shows one step "
                   f"every {view.timer:g} s. To cover more ground, play by "
                   "round, backtrack or decomposition, or jump to a landmark.")
    step = st.slider("Step (events applied)", min_value=0, max_value=total,
                     key=step_key)
    # A jump rebuilds the search path at the step (a deep path on a large
    # problem takes a while): say so.
    with st.spinner(f"Replaying the search up to step {step:,}…", show_time=True):
        snap = replay.snapshot(step)
    _step_text(snap, step, total)
    fig = step_figure(problem.with_capacity(replay.capacity), snap, start, end,
                      monotonic_floor=run.params.monotonic_floor)
    st.plotly_chart(fig, key=f"{kp}_step_chart")
    _step_details(kp, problem, snap)
    # The tree lives in the stepper's fragment so that its "you are here"
    # marker follows the steps while playing.
    st.subheader("The search tree")
    _tree_panel(kp, problem, run, current_vertex(run.tree, snap, step))


def _advance(kp: str, run: TracedRun) -> None:
    """While playing: one step of the chosen kind forward, or stop at the end."""
    ss = st.session_state
    view = view_state(kp)
    step_key = f"{kp}_step"
    choice = ss.get(f"{kp}_jump", "any event")
    following = next_step(run.kinds, ss[step_key], JUMP_KINDS.get(
        choice, JUMP_KINDS["any event"]), +1)
    if following is None:  # the end: stop the timer
        view.playing = False
        view.notice = _nothing_more(choice, ss[step_key], +1)
        st.rerun(scope="app")
    else:
        ss[step_key] = following


def _navigation(kp: str, run: TracedRun) -> None:
    """Previous / next of a kind, landmarks, and going to a step or a node."""
    ss = st.session_state
    view = view_state(kp)
    step_key = f"{kp}_step"
    total = len(run.kinds)
    marks = landmarks(run.kinds, run.over)

    def move(direction: int) -> None:
        choice = ss.get(f"{kp}_jump", "any event")
        kind = JUMP_KINDS.get(choice, JUMP_KINDS["any event"])
        here = int(ss.get(step_key, 0))
        target = next_step(run.kinds, here, kind, direction)
        if target is None:
            view.notice = _nothing_more(choice, here, direction)
        else:
            ss[step_key] = target

    def go_to(step: int | None) -> None:
        if step is not None:
            ss[step_key] = min(max(int(step), 0), total)
            view.playing = False

    def go_to_landmark() -> None:
        go_to(marks.get(ss.get(f"{kp}_landmark")))
        ss[f"{kp}_landmark"] = None  # choosing the same landmark again works too

    def go_to_node() -> None:
        tree, vertex = run.tree, ss.get(f"{kp}_goto_node")
        if tree is not None and vertex is not None and 0 <= int(vertex) < len(tree):
            go_to(int(tree.step[int(vertex)]))

    back, choose, forward = st.columns([1, 2, 1], vertical_alignment="bottom")
    back.button("Previous", key=f"{kp}_prev", on_click=move, args=(-1,),
                icon=":material/skip_previous:", width="stretch")
    choose.selectbox("Jump to the previous / next", list(JUMP_KINDS), key=f"{kp}_jump")
    forward.button("Next", key=f"{kp}_next", on_click=move, args=(+1,),
                   icon=":material/skip_next:", width="stretch")
    # The landmarks on a row of their own, the numbers side by side: in
    # three columns the placeholders were cut ("step numb").
    st.selectbox("Go to a landmark: the first backtrack, each round, decompositions, "
                 "leaves…", list(marks), index=None, key=f"{kp}_landmark",
                 placeholder=f"{len(marks):,} landmarks", on_change=go_to_landmark)
    goto, node = st.columns(2, vertical_alignment="bottom")
    goto.number_input("Go to step", min_value=0, max_value=total, value=None, step=1,
                      key=f"{kp}_goto", placeholder="a step number",
                      on_change=lambda: go_to(ss.get(f"{kp}_goto") or 0))
    vertices = len(run.tree) if run.tree is not None else 0
    node.number_input("Go to tree node", min_value=0, max_value=max(vertices - 1, 0),
                      value=None, step=1, key=f"{kp}_goto_node", on_change=go_to_node,
                      placeholder="a node number", disabled=run.tree is None,
                      help="The step at which the search reached this node of the tree "
                           "below (its number is in its tooltip)." if run.tree is not None
                      else "The tree is not drawn for this run.")


def _step_text(snap: Snapshot, step: int, total: int) -> None:
    """What the step did, in words, and where the search is."""
    kind = snap.event.kind.replace("_", " ") if snap.event else "start"
    st.markdown(f"**Step {step:,} of {total:,} · {kind}** — "
                f"{snap.explanation or 'Nothing placed yet.'}")
    if snap.rule:
        st.caption(f"*{snap.rule.replace('_', ' ')}*: {snap.rule_text}")
    where = []
    if snap.node is not None:
        where.append(f"at node {snap.node} of the tree (depth {snap.node_depth})")
    if snap.section_range is not None:
        lo, hi = snap.section_range
        span = f"section {lo}" if hi - lo == 1 else f"sections {lo}–{hi - 1}"
        count = len(snap.context)
        where.append(f"piece over {span} ({count} buffer{'s' if count != 1 else ''})")
    if snap.heuristic:
        where.append(f"heuristic {snap.heuristic}")
    if where:
        st.caption(" · ".join(where))


def _step_details(kp: str, problem: Problem, snap: Snapshot) -> None:
    # A toggle rather than an expander: a collapsed expander still sends its
    # tables (thousands of rows on large problems) at every step.
    if st.toggle("Show the candidates and sections at this step", key=f"{kp}_details"):
        names = [b.id for b in problem.buffers]
        left, right = st.columns(2)
        left.dataframe(pd.DataFrame(
            [(names[b], o, problem.buffers[b].size) for b, o in snap.candidates],
            columns=["candidate", "lowest offset", "size"]),
            hide_index=True, key=f"{kp}_candidates")
        lo, hi = snap.section_range or (0, len(snap.floor))
        right.dataframe(pd.DataFrame(
            [(s, int(snap.floor[s]), int(snap.total[s]), int(snap.floor[s] + snap.total[s]))
             for s in range(lo, hi)],
            columns=["section", "floor", "still to place", "floor + still to place"]),
            hide_index=True, key=f"{kp}_sections")


def current_vertex(tree: TreeData | None, snap: Snapshot, step: int) -> int | None:
    """The tree vertex of the step: the snapshot's node, except at a leaf,
    where it is the node just reached with every buffer of its piece placed
    (the star), not the node the search returns to."""
    if tree is None or snap.event is None or snap.event.kind != "leaf":
        return snap.node
    reached = np.flatnonzero((tree.step <= step) & (np.array(tree.kind) == "node"))
    return int(reached[-1]) if len(reached) else snap.node


def _tree_panel(kp: str, problem: Problem, run: TracedRun, current: int | None) -> None:
    tree = run.tree
    if tree is None:
        st.info(f"The recorded search visited {run.nodes:,} nodes; the tree is drawn for "
                f"runs up to {TREE_LIMIT:,} nodes. Try a smaller problem, a larger "
                "capacity, or look at the counters below.", icon=":material/account_tree:")
        return
    # Counted as drawn: a leaf under a run that was given up is no solution.
    outcomes = display_outcomes(tree).tolist()
    shown = ", ".join(f"{outcomes.count(o):,} {o}" for o in TREE_STYLE
                      if o in outcomes)
    st.caption(f"{tree.num_nodes:,} search nodes and {len(tree) - tree.num_nodes:,} "
               f"placements rejected by a check: {shown}. {untried_text(run)}Dashed "
               "edges lead into the pieces of a decomposition (all must be solved); "
               "solid edges are alternatives. The pink ring marks the current step's "
               "node; click a vertex to step to it.")
    if tree.truncated:
        st.caption("The trace was cut: this is the beginning of the tree.")
    show = st.checkbox("Show rejected placements", value=len(tree) <= 600,
                       key=f"{kp}_tree_prunes")
    steps = tree.step

    def jump() -> None:
        state = st.session_state.get(f"{kp}_tree_chart")
        points = state["selection"]["points"] if state else []
        for point in points:
            data = point.get("customdata")
            vertex = data[0] if isinstance(data, list) else data
            if vertex is not None and 0 <= int(vertex) < len(steps):
                st.session_state[f"{kp}_step"] = int(steps[int(vertex)])
                view_state(kp).playing = False
                return

    fig = tree_figure(tree, problem, show_prunes=show, current=current,
                                   runs=run.over.runs)
    st.plotly_chart(fig, key=f"{kp}_tree_chart", on_select=jump, selection_mode="points")


def untried_text(run: TracedRun) -> str:
    """Why the statistics count more prunes than the tree has rejected
    placements: some rules leave a candidate out before it is tried."""
    prunes = run.result.stats.prunes
    untried = {rule: count for rule, count in prunes.items() if rule in UNTRIED and count}
    if not untried:
        return ""
    rules = ", ".join(f"{count:,} {rule}" for rule, count in untried.items())
    total = sum(prunes.values())
    return (f"The statistics count {total:,} prunes: {sum(untried.values()):,} of them "
            f"({rules}) leave out a candidate that is never tried, so they are no "
            "vertex here (a node's tooltip counts them). ")


def _over_time_panel(kp: str, run: TracedRun) -> None:
    over = run.over
    left, right = st.columns(2)
    left.plotly_chart(nodes_per_depth_figure(over), key=f"{kp}_depth_chart")
    right.plotly_chart(progress_figure(over), key=f"{kp}_progress_chart")
    st.plotly_chart(runs_figure(over), key=f"{kp}_runs_chart")


def _ablation_panel(kp: str, problem: Problem, params: SolverParams,
                    run_key: tuple) -> None:
    view = view_state(kp)
    st.caption("Solves the problem again with nothing switched off, then with each of "
               f"the {len(TECHNIQUES)} techniques switched off in turn, each within the "
               "time limit: how many nodes and how much time each one saves here.")
    limit = st.number_input("Time limit per variant (seconds)", min_value=0.1,
                            max_value=300.0, value=2.0, step=0.5,
                            key=f"{kp}_ablation_limit")
    if st.button("Run the ablation study", key=f"{kp}_ablation_run"):
        bar = st.progress(0.0, text="Ablation study…")
        count = len(TECHNIQUES) + 1
        done: list[str] = []

        def progress(row) -> None:
            done.append(row.variant)
            bar.progress(len(done) / count, text=f"{row.label}: {row.status.value}")

        rows = run_ablation(problem, timeout=float(limit), params=params, on_row=progress)
        bar.empty()
        view.ablation = (run_key, float(limit), rows)
    stored = view.ablation
    if stored is None or stored[0] != run_key:
        st.caption("Press the button to run it (it may take up to "
                   f"{(len(TECHNIQUES) + 1) * limit:g} s).")
        return
    _, seconds, rows = stored
    st.plotly_chart(ablation_figure(rows, seconds), key=f"{kp}_ablation_chart")
    base = rows[0]
    table = pd.DataFrame({
        "variant": [r.label for r in rows],
        "status": [r.status.value for r in rows],
        "seconds": [r.seconds for r in rows],
        "nodes": [r.nodes for r in rows],
        "backtracks": [r.backtracks for r in rows],
        "x nodes": [r.nodes / base.nodes if base.nodes else None for r in rows],
    })
    st.dataframe(table, hide_index=True, key=f"{kp}_ablation_table",
                 column_config={"seconds": st.column_config.NumberColumn(format="%.4f"),
                                "x nodes": st.column_config.NumberColumn(format="%.3g")})
    with st.expander("As text"):
        st.code(ablation_table(rows), language=None)
