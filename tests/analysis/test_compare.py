"""Two plans compared: moved buffers, buffers in one plan only, and the
stretches where one plan reaches higher, checked against a slow,
obviously correct version; bad plans refused with one clear message."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minimalloc.analysis.compare import (
    Plan,
    compare,
    plan_from,
    read_plan,
    snapshot_plan,
    top_profile,
)
from minimalloc.analysis.report import build_report
from minimalloc.baselines.allocators import allocate, available_allocators
from minimalloc.errors import ProblemError
from minimalloc.model import Buffer, Gap, Problem, Solution
from minimalloc.validate import validate


def plan(problem: Problem, offsets, name: str) -> Plan:
    return Plan(problem, Solution.from_offsets(problem, offsets), name)


def naive_top(problem: Problem, offsets, t: int) -> int:
    """The top of the buffers active at time ``t``, window by window."""
    top = 0
    for b, o in zip(problem.buffers, offsets):
        if not b.lower <= t < b.upper:
            continue
        gap = next((g for g in b.gaps if g.lower <= t < g.upper), None)
        if gap is None:
            top = max(top, o + b.size)
        elif gap.window is not None:
            top = max(top, o + gap.window[1])
    return top


def test_moved_only_and_higher_on_a_small_example():
    p = Problem((Buffer("x", 0, 4, 2), Buffer("y", 2, 6, 3), Buffer("z", 5, 8, 1)))
    q = Problem((Buffer("x", 0, 4, 2), Buffer("y", 2, 6, 3), Buffer("w", 5, 8, 1)))
    c = compare(plan(p, [0, 2, 0], "a"), plan(q, [3, 0, 4], "b"))
    assert (c.height_a, c.height_b, c.difference) == (5, 5, 0)
    assert c.moved == ("x", "y") and c.only_a == ("z",) and c.only_b == ("w",)
    assert [(m.offset_a, m.offset_b) for m in c.moves] == [(0, 3), (2, 0)]
    assert [(s.start, s.end, s.top_a, s.top_b, s.difference) for s in c.stretches] == [
        (0, 2, 2, 5, 3), (4, 5, 5, 3, -2), (6, 8, 1, 5, 4)]
    data = c.to_dict()
    assert {"height_a", "height_b", "moved", "only_a", "only_b"} <= set(data)
    assert data["moved"] == ["x", "y"] and data["only_b"] == ["w"]
    assert c.find("y") == (1, 1) and c.find("w") == (None, 2)


def test_identical_plans_differ_nowhere():
    p = Problem((Buffer("x", 0, 4, 2), Buffer("y", 2, 6, 3)))
    c = compare(plan(p, [0, 2], "a"), plan(p, [0, 2], "b"))
    assert c.moves == () and c.stretches == () and c.only_a == c.only_b == ()


@st.composite
def problems(draw):
    n = draw(st.integers(1, 9))
    buffers = []
    for i in range(n):
        lower = draw(st.integers(0, 12))
        upper = lower + draw(st.integers(1, 8))
        gaps = ()
        if upper - lower >= 3 and draw(st.booleans()):
            size = draw(st.integers(2, 6))
            gaps = (Gap(lower + 1, upper - 1, (0, 1) if draw(st.booleans()) else None),)
        else:
            size = draw(st.integers(1, 6))
        buffers.append(Buffer(f"b{i}", lower, upper, size, gaps=gaps))
    return Problem(tuple(buffers))


@given(problems(), st.sampled_from(available_allocators()),
       st.sampled_from(available_allocators()))
def test_against_a_slow_comparison(problem, first, second):
    a = plan(problem, allocate(problem, first).offsets, first)
    b = plan(problem, allocate(problem, second).offsets, second)
    c = compare(a, b)
    assert list(c.moved) == [buf.id for buf, x, y in zip(
        problem.buffers, a.solution.offsets, b.solution.offsets) if x != y]
    # Every moment inside a listed stretch differs as listed; every other
    # moment is the same in both.
    for t in range(0, 25):
        ta = naive_top(problem, a.solution.offsets, t)
        tb = naive_top(problem, b.solution.offsets, t)
        inside = [s for s in c.stretches if s.start <= t < s.end]
        if ta == tb:
            assert not inside, t
        else:
            assert [(s.top_a, s.top_b) for s in inside] == [(ta, tb)], t
    times, tops = top_profile(problem, a.solution)
    assert max(tops) == a.height


def test_match_by_label_pairs_the_kth_with_the_kth():
    p = Problem((Buffer("1", 0, 2, 4, label="conv"), Buffer("2", 3, 5, 4, label="conv"),
                 Buffer("3", 0, 5, 2, label="bias")))
    q = Problem((Buffer("b", 3, 5, 4, label="conv"), Buffer("a", 0, 2, 4, label="conv"),
                 Buffer("c", 0, 5, 2, label="bias")))
    with pytest.raises(ProblemError, match="unrelated problems.*try --match=label"):
        compare(plan(p, [0, 0, 4], "a"), plan(q, [2, 0, 4], "b"))
    c = compare(plan(p, [0, 0, 4], "a"), plan(q, [2, 0, 4], "b"), match="label")
    assert c.moved == ("conv #2",) and c.only_a == c.only_b == ()
    assert [m.offset_b for m in c.moves] == [2]


def test_changed_buffers_are_named():
    p = Problem((Buffer("x", 0, 4, 2), Buffer("y", 2, 6, 3)))
    q = Problem((Buffer("x", 0, 4, 2), Buffer("y", 2, 6, 5)))
    c = compare(plan(p, [0, 2], "a"), plan(q, [0, 2], "b"))
    assert c.changed == ("y",) and c.moved == ()


def test_unrelated_problems_are_refused():
    p = Problem((Buffer("0", 0, 4, 2), Buffer("1", 2, 6, 3)))
    q = Problem((Buffer("0", 1, 3, 7), Buffer("1", 5, 9, 1)))
    with pytest.raises(ProblemError, match="'a' and 'b' plan unrelated problems: 2 "
                                           "buffers matched by id, but none"):
        compare(plan(p, [0, 2], "a"), plan(q, [0, 0], "b"))
    r = Problem((Buffer("other", 0, 4, 2),))
    with pytest.raises(ProblemError, match="no buffer in common"):
        compare(plan(p, [0, 2], "a"), plan(r, [0], "c"))


def test_a_file_that_is_not_a_valid_plan_is_refused_naming_it():
    with pytest.raises(ProblemError, match=r"p.csv: is not a plan: 1 of 2 buffers have "
                                           r"no offset \(first: 'y'\)"):
        read_plan(b"id,lower,upper,size,offset\nx,0,4,2,0\ny,2,6,3,\n", name="p.csv")
    with pytest.raises(ProblemError, match=r"q.csv: its offsets are not a valid plan: "
                                           r"Buffers 'x' and 'y' collide"):
        read_plan(b"id,lower,upper,size,offset\nx,0,4,2,0\ny,2,6,3,1\n", name="q.csv")
    good = read_plan(b"id,lower,upper,size,offset\nx,0,4,2,0\ny,2,6,3,2\n", name="g.csv")
    assert good.solution.offsets == (0, 2) and good.height == 5
    assert all(b.offset is None for b in good.problem.buffers)


def test_a_snapshots_addresses_are_a_plan_with_the_unused_ranges_squeezed_out():
    base, far = 0x7F0000000000, 0x7F4000000000
    trace = [
        {"action": "alloc", "addr": base, "size": 512, "frames": []},
        {"action": "alloc", "addr": base + 512, "size": 256, "frames": []},
        {"action": "alloc", "addr": far, "size": 1024, "frames": []},
        {"action": "free_completed", "addr": base, "size": 512, "frames": []},
        {"action": "alloc", "addr": base, "size": 128, "frames": []},
    ]
    data = pickle.dumps({"segments": [], "device_traces": [trace]})
    snapshot = read_plan(data, name="run.pickle")
    by_id = dict(zip((b.id for b in snapshot.problem.buffers), snapshot.solution.offsets))
    assert by_id == {f"{base:#x}@0": 0, f"{base + 512:#x}@1": 512, f"{far:#x}@2": 768,
                     f"{base:#x}@4": 0}
    assert snapshot.height == 1792
    assert validate(snapshot.problem, snapshot.solution).ok
    with pytest.raises(ProblemError, match="expected every buffer id to start with"):
        snapshot_plan(Problem((Buffer("x", 0, 1, 1),)), "s")


def test_report_of_a_problem_that_fits_and_of_one_that_does_not():
    tight = Problem((Buffer("a", 0, 2, 5, alignment=8), Buffer("b", 0, 2, 1, alignment=8),
                     Buffer("c", 1, 3, 1, alignment=8), Buffer("d", 3, 5, 6)), capacity=16)
    fits = build_report(tight.with_capacity(24), "t", timeout=5)
    assert fits.status == "fits" and validate(fits.problem, fits.solution).ok
    assert fits.solution.height <= 24 and fits.explanation is None
    assert {row.method for row in fits.baselines} == set(available_allocators())
    assert dict(fits.statistics)["nodes"] != "0"
    over = build_report(tight, "t", timeout=5)
    assert over.status == "does not fit" and over.explanation is not None
    assert over.explanation.subset == (0, 1, 2)
    lowest = build_report(tight.with_capacity(None), "t", timeout=5)
    assert lowest.status == "minimised" and lowest.solution.height == 17


def test_report_of_a_plan_shows_that_plan():
    problem = Problem((Buffer("x", 0, 4, 2, offset=3), Buffer("y", 2, 6, 3, offset=0)))
    report = build_report(problem, "p")
    assert report.status == "plan" and report.solution.offsets == (3, 0)
    with pytest.raises(ProblemError, match="not a valid plan"):
        build_report(Problem((Buffer("x", 0, 4, 2, offset=0),
                              Buffer("y", 2, 6, 3, offset=1))), "bad")
    assert plan_from(problem, "p").height == 5
