"""Decoding the trace, replaying the search state, the tree and the counters.

The replay re-simulates the search of docs/algorithm.md in plain Python from the
PLACE and UNDO events; these tests hold it against the kernel's own
decisions: every placement at the replayed lowest offset, every prune
justified by the replayed floors and totals, the tree's nodes equal to the
kernel's count, the kept offsets equal to the solution.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import fields, replace

import numpy as np
import pytest

from minimalloc import Buffer, Gap, Problem, SolverParams, Status, solve
from minimalloc.params import TECHNIQUES
from minimalloc.search import kernel
from minimalloc.search.trace import (
    TREE_OUTCOMES,
    Event,
    Snapshot,
    TraceReplay,
    decode,
    over_time,
    replay,
    search_tree,
    section_times,
    to_dataframe,
)

EXAMPLE = Problem([Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
                   Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)], capacity=12)
B1, B2, B3, B4, B5 = range(5)


def test_decode_the_five_buffer_example():
    events = decode(solve(EXAMPLE, trace=1000))
    assert events[:7] == [
        Event(1, "round", heuristic=0, node_limit=10, round=1),
        Event(2, "node", depth=0, candidates=5),
        Event(3, "place", buffer=B5, offset=0, depth=1),
        Event(4, "decompose", buffer=B5, pieces=2, section=2),
        Event(5, "piece", section=0, section_end=2, num_buffers=3),
        Event(6, "node", depth=1, candidates=3),
        Event(7, "place", buffer=B3, offset=4, depth=2),
    ]
    assert events[12] == Event(13, "leaf", depth=3)
    assert events[13] == Event(14, "undo", buffer=B1, offset=8)
    assert events[-1] == Event(29, "round_end", heuristic=0, outcome="solved", nodes=8)
    assert [e.step for e in events] == list(range(1, 30))
    assert repr(events[2]) == "Event(step=3, kind='place', buffer=4, offset=0, depth=1)"


def test_decode_skip_rules_and_fixed_failures():
    problem = Problem([Buffer("a", 0, 4, 4), Buffer("b", 2, 6, 4, offset=0),
                       Buffer("c", 0, 6, 2)], capacity=10)
    events = decode(solve(problem, trace=1000))
    assert {e.rule for e in events if e.kind == "skip"} <= {"canonical", "dominance",
                                                            "fixed_offset"}
    fails = [e for e in events if e.kind == "fixed_fail"]
    assert all(e.pushed == 1 for e in fails)


def test_to_dataframe():
    result = solve(EXAMPLE, trace=1000)
    df = to_dataframe(result, EXAMPLE)
    assert len(df) == 29
    assert list(df.columns[:4]) == ["step", "kind", "buffer", "buffer_id"]
    place = df[df.kind == "place"].iloc[0]
    assert (place.buffer, place.buffer_id, place.offset) == (B5, "b5", 0)
    assert df.dtypes["offset"] == "Int64" and df.offset.isna().sum() > 0


def test_decode_needs_a_trace():
    with pytest.raises(ValueError, match="trace=N"):
        decode(solve(EXAMPLE))


def test_replay_the_example_step_by_step():
    result = solve(EXAMPLE, trace=1000)
    run = TraceReplay(EXAMPLE, result)
    start = run.snapshot(0)
    assert start.event is None and start.total.tolist() == [12, 12, 8]
    assert start.min_offset.tolist() == [0] * 5

    after_b5 = run.snapshot(3)
    assert after_b5.placed == {B5: 0}
    assert after_b5.candidate == B5 and after_b5.candidate_offset == 0
    assert after_b5.min_offset.tolist() == [4, 4, 4, 4, 0]
    assert after_b5.floor.tolist() == [4, 4, 4]
    assert after_b5.total.tolist() == [8, 8, 4]
    assert after_b5.explanation == ("Place b5 at offset 0, its lowest offset; it pushes "
                                    "b1 up to 4, b2 up to 4, b3 up to 4, b4 up to 4.")

    split = run.snapshot(4)
    assert split.rule == "dynamic_decomposition"
    assert "2 independent pieces" in split.explanation
    assert split.rule_text == TECHNIQUES["dynamic_decomposition"]

    piece_root = run.snapshot(6)
    assert piece_root.section_range == (0, 2)
    assert piece_root.context == (B3, B2, B1)  # fresh preorder WAT: widest first
    assert piece_root.candidates == ((B3, 4), (B2, 4), (B1, 4))

    after_b3 = run.snapshot(7)
    assert after_b3.offsets.tolist() == [-1, -1, 4, -1, 0]
    assert after_b3.min_offset.tolist() == [8, 8, 4, 4, 0]

    # b1's piece is solved and unwound: its offset is kept while b2's is searched.
    b2_piece = run.snapshot(15)
    assert b2_piece.event.kind == "piece"
    assert b2_piece.settled.tolist() == [8, -1, -1, -1, -1]
    assert b2_piece.placed == {B3: 4, B5: 0}

    end = run.snapshot(len(run))
    assert end.settled.tolist() == list(result.solution.offsets) == [8, 8, 4, 4, 0]
    assert end.placed == {} and end.min_offset.tolist() == [0] * 5
    assert end.total.tolist() == [12, 12, 8] and end.floor.tolist() == [0, 0, 0]
    assert run.check() == []


def test_replay_explains_a_prune_with_the_numbers():
    problem = EXAMPLE.with_capacity(11)
    result = solve(problem, trace=1000)
    snap = replay(problem, result, 4)
    assert snap.event.kind == "prune" and snap.prune_section == 0
    assert snap.explanation == ("Section 0: floor 4 + 8 bytes still to place = 12 > "
                                "capacity 11: prune (section inference).")
    assert snap.rule == "section_inference"
    assert snap.floor[0] + snap.total[0] > snap.capacity


def test_replay_explains_the_monotonic_floor():
    problem = EXAMPLE.with_capacity(11)
    params = SolverParams(section_inference=False)
    result = solve(problem, params, trace=100_000)
    run = TraceReplay(problem, result, params)
    assert run.check() == []
    texts = [s.explanation for s in run.snapshots() if s.event and s.event.kind == "prune"]
    assert texts and all("> capacity 11: prune" in t for t in texts)


def test_replay_explains_skips_and_hatless_cuts():
    found = set()
    for seed in range(60):
        # Without section inference the search goes deep enough for the others.
        params = SolverParams(section_inference=False, timeout=10)
        problem = random_problem(random.Random(seed), 8, horizon=5)
        result = solve(problem, params, trace=100_000)
        for snap in TraceReplay(problem, result, params).snapshots():
            if snap.event is None:
                continue
            if snap.event.kind == "skip":
                found.add(snap.event.rule)
                name = problem.buffers[snap.candidate].id
                assert snap.explanation.startswith(f"Skip {name}")
            if snap.event.kind == "hatless":
                found.add("hatless")
                assert snap.rule == "hatless_pruning" and "hatless" in snap.explanation
        if found >= {"canonical", "dominance", "hatless"}:
            break
    assert found >= {"canonical", "dominance", "hatless"}


def random_problem(rng: random.Random, n: int, *, gaps: bool = False,
                   fixed: bool = False, align: bool = False, horizon: int = 12) -> Problem:
    """Small random problems at a capacity near the max load: tight enough to
    backtrack, prune and sometimes be infeasible."""
    buffers = []
    for i in range(n):
        lower = rng.randrange(0, horizon)
        upper = lower + rng.randrange(1, max(2, 2 * horizon // 3))
        size = rng.randrange(1, 6)
        alignment = rng.choice([1, 1, 2, 4]) if align else 1
        gap: tuple[Gap, ...] = ()
        if gaps and upper - lower >= 3 and rng.random() < 0.4:
            glo = rng.randrange(lower + 1, upper - 1)
            ghi = rng.randrange(glo + 1, upper)
            window = None
            if size >= 2 and rng.random() < 0.5:
                wlo = rng.randrange(0, size - 1)
                window = (wlo, rng.randrange(wlo + 1, size + 1))
            gap = (Gap(glo, ghi, window),)
        offset = rng.randrange(0, 6) * alignment if fixed and rng.random() < 0.15 else None
        buffers.append(Buffer(f"x{i}", lower, upper, size, alignment=alignment, gaps=gap,
                              offset=offset))
    load = max(sum(b.size for b in buffers if b.lower <= t < b.upper) for t in range(25))
    return Problem(buffers, max(1, load + rng.randrange(-1, 4)))


# Long enough for every search but the one or two a switched-off technique
# blows up; those are cut here, which tests the replay of a cut trace too
# (walking and jumping cost grows with every recorded step).
TRACE_LIMIT = 20_000
JUMP_TRACE_LIMIT = 1_000


def check_consistent(problem: Problem, params: SolverParams) -> tuple[int, int]:
    """Replay a traced solve and hold every step against the kernel's events;
    returns (events, prunes) checked.  A search longer than the trace is
    replayed as far as it was recorded."""
    result = solve(problem, params, trace=TRACE_LIMIT)
    assert result.trace_truncated == (len(result.trace) == TRACE_LIMIT
                                      and result.stats.nodes > 0)
    run = TraceReplay(problem, result, params, walk_limit=16)
    assert run.truncated == result.trace_truncated
    previous: Snapshot | None = None
    prunes = 0
    for snap in run.snapshots():
        event = snap.event
        if event is not None and event.kind == "place":
            assert previous.offsets[event.buffer] == -1
            assert previous.min_offset[event.buffer] == event.offset, event
        if event is not None and event.kind == "prune":
            prunes += 1
            s, o = event.section, event.offset
            floor = int(snap.floor[s])
            if params.monotonic_floor:
                floor = max(floor, o)
            if params.section_inference:
                floor += int(snap.total[s])
            assert floor > snap.capacity, (event, snap.floor, snap.total)
            assert snap.prune_section == s and snap.explanation
        if event is not None and event.kind == "node":
            assert len(snap.candidates) == event.candidates
        previous = snap
    assert run.mismatches == []
    tree = search_tree(result, params)
    assert tree.truncated == result.trace_truncated
    if result.status in (Status.OK, Status.INFEASIBLE) and not result.trace_truncated:
        assert tree.num_nodes == result.stats.nodes
        assert previous.placed == {}  # everything unwound
    if result.ok and not result.trace_truncated:
        assert previous.settled.tolist() == list(result.solution.offsets)
    # Jumping anywhere gives what walking there gave.
    fresh = TraceReplay(problem, result, params, walk_limit=7)
    for step in sorted({0, 1, len(run) // 3, len(run) // 2, len(run)}, reverse=True):
        a, b = run.snapshot(step), fresh.snapshot(step)
        for name in ("offsets", "settled", "min_offset", "floor", "total"):
            assert getattr(a, name).tolist() == getattr(b, name).tolist()
        assert a.explanation == b.explanation and a.node == b.node
    return len(run), prunes


@pytest.mark.parametrize("off", [None, *TECHNIQUES])
def test_replay_agrees_with_the_kernel_on_random_problems(off):
    # A fixed seed per switch: hash() of a string changes with PYTHONHASHSEED.
    rng = random.Random(zlib.crc32(off.encode()) % 1000 if off else 7)
    events = prunes = 0
    for trial in range(25):
        problem = random_problem(rng, rng.randrange(3, 10), gaps=trial % 3 == 0,
                                 fixed=trial % 4 == 1, align=trial % 5 == 2)
        heuristics = ("WAT",) if trial % 2 else ("WAT", "TAW", "TWA")
        params = SolverParams(timeout=10, preordering_heuristics=heuristics)
        if off is not None:
            params = replace(params, **{off: False})
        e, p = check_consistent(problem, params)
        events += e
        prunes += p
    assert events > 200
    if off != "section_inference":
        assert prunes > 0


def same_snapshot(a: Snapshot, b: Snapshot) -> bool:
    """Every field equal (arrays by value)."""
    for f in fields(Snapshot):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            if x.tolist() != y.tolist():
                return False
        elif x != y:
            return False
    return True


@pytest.mark.parametrize("off", [None, *TECHNIQUES])
def test_a_jump_rebuilds_exactly_the_walked_state(off):
    """Jumping to a step (rebuilt from the open path) gives the very snapshot
    that walking there event by event gives, at every step, with every
    technique switched off in turn, round robins, gaps, fixed offsets and
    alignment."""
    rng = random.Random(zlib.crc32(f"jump {off}".encode()) % 1000)
    compared = 0
    for trial in range(12):
        problem = random_problem(rng, rng.randrange(3, 10), gaps=trial % 3 == 0,
                                 fixed=trial % 4 == 1, align=trial % 5 == 2)
        heuristics = ("WAT",) if trial % 2 else ("WAT", "TAW", "TWA")
        params = SolverParams(timeout=10, preordering_heuristics=heuristics)
        if off is not None:
            params = replace(params, **{off: False})
        result = solve(problem, params, trace=JUMP_TRACE_LIMIT)
        walked = list(TraceReplay(problem, result, params).snapshots())
        jumper = TraceReplay(problem, result, params, walk_limit=0)
        # Every step of a short trace, a few hundred of a long one (each jump
        # rebuilds the path: comparing all steps of a long search takes minutes).
        steps = rng.sample(range(len(walked)), min(len(walked), 300))
        for step in steps:
            assert same_snapshot(jumper.snapshot(step), walked[step]), (trial, step)
        compared += len(steps)
        assert jumper.mismatches == []
    assert compared > 200


def test_a_jump_into_a_cut_trace():
    result = solve(EXAMPLE, trace=10)
    walked = list(TraceReplay(EXAMPLE, result).snapshots())
    jumper = TraceReplay(EXAMPLE, result, walk_limit=0)
    assert all(same_snapshot(jumper.snapshot(k), walked[k]) for k in (10, 3, 7, 0))


def test_the_check_still_replays_every_event():
    """A jump rebuilds from the path, but check() walks all events: wrong
    parameters are caught even when no jump lands on the bad step."""
    for seed in range(40):
        problem = random_problem(random.Random(seed), 8)
        result = solve(problem, trace=100_000)
        wrong = SolverParams(section_inference=False, unallocated_floor=False)
        run = TraceReplay(problem, result, wrong)
        run.snapshot(len(run))
        if run.check():
            assert all(m.startswith("step ") for m in run.mismatches)
            return
    raise AssertionError("no wrong parameters were detected")


def test_a_tampered_placement_is_reported_by_the_check_and_by_a_jump():
    """The replay recomputes each lowest offset itself: a trace whose
    placement is moved disagrees, whether walked or rebuilt by a jump."""
    result = solve(EXAMPLE, trace=1000)
    trace = result.trace.copy()
    place = np.flatnonzero(trace[:, 0] == kernel.EV_PLACE)[1]
    trace[place, 2] += 1  # one byte higher than the search put it
    tampered = replace(result, trace=trace)
    expected = f"step {place + 1} (place): placed at {trace[place, 2]}, but its replayed " \
        f"lowest offset is {trace[place, 2] - 1}"
    assert expected in TraceReplay(EXAMPLE, tampered).check()
    jumper = TraceReplay(EXAMPLE, tampered, walk_limit=0)
    jumper.snapshot(int(place) + 2)  # the tampered placement is on the open path
    assert expected in jumper.mismatches


def test_replay_agrees_on_the_example():
    for capacity in (12, 11, 16):
        check_consistent(EXAMPLE.with_capacity(capacity), SolverParams())


def test_replay_detects_the_wrong_parameters():
    detected = 0
    for seed in range(40):
        problem = random_problem(random.Random(seed), 8)
        result = solve(problem, trace=100_000)
        wrong = SolverParams(section_inference=False, unallocated_floor=False)
        detected += bool(TraceReplay(problem, result, wrong).check())
    assert detected > 0


def test_tree_of_the_example():
    result = solve(EXAMPLE, trace=1000)
    tree = search_tree(result)
    assert tree.num_nodes == result.stats.nodes == len(tree) == 8
    assert tree.parent.tolist() == [-1, 0, 1, 2, 1, 4, 0, 6]
    assert tree.depth.tolist() == [0, 1, 2, 3, 2, 3, 1, 2]
    # Two decompositions: b5's (pieces 1 and 6), b3's (pieces 2 and 4).
    assert tree.group.tolist() == [-1, 0, 1, -1, 1, -1, 0, -1]
    assert tree.piece.tolist() == [-1, 0, 0, -1, 1, -1, 1, -1]
    assert tree.buffer.tolist() == [-1, B5, B3, B1, B3, B2, B5, B4]
    assert (tree.piece_lo[1], tree.piece_hi[1]) == (0, 2)
    assert tree.outcome.count("solution") == 3
    assert set(tree.outcome) <= set(TREE_OUTCOMES)
    assert tree.runs == ("WAT",) and not tree.truncated


def test_tree_outcomes_of_an_infeasible_run():
    result = solve(EXAMPLE.with_capacity(11), trace=1000)
    tree = search_tree(result)
    assert tree.num_nodes == 1 and len(tree) == 6
    assert tree.outcome == ("backtracked",) + ("inference",) * 5
    assert tree.kind[1:] == ("prune",) * 5 and tree.section[1:].tolist() == [0] * 5


def long_search(min_backtracks: int = 3) -> tuple[Problem, SolverParams, object]:
    """A random problem whose search needs several round-robin runs."""
    params = SolverParams(section_inference=False, timeout=10)
    for seed in range(200):
        problem = random_problem(random.Random(seed), 9, horizon=5)
        result = solve(problem, params, trace=200_000)
        if len(result.stats.rounds) > 1 and result.stats.backtracks >= min_backtracks \
                and not result.trace_truncated:
            return problem, params, result
    raise AssertionError("no random problem needed a second run")


def test_tree_marks_aborted_runs_in_the_round_robin():
    problem, params, result = long_search()
    tree = search_tree(result, params)
    assert "aborted" in tree.outcome
    assert tree.num_nodes == result.stats.nodes
    assert tree.run.max() == len(result.stats.rounds)
    assert tree.runs == tuple(r.heuristic for r in result.stats.rounds)


def test_over_time():
    _, _, result = long_search()
    over = over_time(result)
    assert over.nodes_per_depth.sum() == result.stats.nodes
    assert over.backtracks[-1] == result.stats.backtracks
    assert over.nodes[-1] == result.stats.nodes
    assert len(over.step) == len(result.trace) == len(over.depth)
    assert np.all(np.diff(over.backtracks) >= 0)
    assert [(r.heuristic, r.nodes, r.outcome) for r in over.runs] == [
        (r.heuristic, r.nodes, r.outcome) for r in result.stats.rounds]
    single = over_time(solve(EXAMPLE, SolverParams(preordering_heuristics=("WAT",)),
                             trace=1000))
    assert len(single.runs) == 1 and single.runs[0].node_limit == -1


def test_a_cut_trace_says_so():
    result = solve(EXAMPLE, trace=10)
    assert result.trace_truncated and len(result.trace) == 10
    run = TraceReplay(EXAMPLE, result)
    assert run.truncated and len(run) == 10
    assert run.snapshot(10).placed == {B3: 4, B5: 0} and run.check() == []
    tree = search_tree(result)
    assert tree.truncated and "open" in tree.outcome
    assert over_time(result).truncated


def test_section_times():
    start, end = section_times(EXAMPLE)
    assert start.tolist() == [0, 3, 9] and end.tolist() == [3, 9, 21]
    two = Problem([Buffer("a", 0, 2, 1), Buffer("b", 5, 9, 1), Buffer("c", 6, 8, 1)])
    start, end = section_times(two)
    assert start.tolist() == [0, 5, 8] and end.tolist() == [2, 8, 9]


def test_step_zero_names_the_heuristic_of_round_one():
    """Before the first event the replay already names the heuristic the
    round robin starts with (the first), not the last."""
    params = SolverParams(preordering_heuristics=("WAT", "TAW", "TWA"))
    result = solve(EXAMPLE, params, trace=10_000)
    run = TraceReplay(EXAMPLE, result, params)
    assert run.snapshot(0).heuristic == "WAT"
