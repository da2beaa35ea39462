"""Ruin-and-recreate moves of the spill: the plan stays valid within the
capacity, never moves out more than it started with, keeps what must stay
and never keeps what must go."""

from __future__ import annotations

from awkward import awkward_problem
from hypothesis import given, settings
from hypothesis import strategies as st

from minimalloc.analysis.spill_moves import refill
from minimalloc.anytime.spill_ruin import reduce_spill
from minimalloc.baselines.allocators import allocate
from minimalloc.generate.problems import perfect_packing
from minimalloc.model import Problem, Solution
from minimalloc.validate import validate


def _valid(problem: Problem, capacity: int, kept: dict[int, int]) -> bool:
    members = sorted(kept)
    sub = problem.subset(members).with_capacity(capacity)
    return validate(sub, Solution.from_offsets(sub, [kept[k] for k in members])).ok


def _out(weights: list[int], kept: dict[int, int]) -> int:
    return sum(w for k, w in enumerate(weights) if k not in kept)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 120), seed=st.integers(0, 10**6), share=st.floats(0.5, 0.95),
       gaps=st.booleans(), fixed=st.booleans())
def test_moves_keep_the_plan_valid_and_never_move_out_more(n, seed, share, gaps, fixed):
    problem = awkward_problem(n, seed, gaps=gaps, fixed=fixed, alignment=(1, 2, 8))
    start = allocate(problem, "first_fit")
    if not validate(problem, start).ok:
        return  # fixed buffers that collide: no valid plan to start from
    capacity = max(1, int(start.height * share))
    weights = [(b.size * (1 + k % 3)) for k, b in enumerate(problem.buffers)]
    # The plan to start from: the buffers below the capacity (the fixed ones
    # where they are fixed); one in five of those must stay, and one in
    # seven of the others must go.
    kept = {k: o for k, (b, o) in enumerate(zip(problem.buffers, start.offsets))
            if o + b.size <= capacity}
    must = [k for k in kept if k % 5 == 0]
    elsewhere = [k for k in range(n) if k not in kept and k % 7 == 0]
    kept = refill(problem, capacity, kept, weights, frozenset(elsewhere))
    assert _valid(problem, capacity, kept)
    found = reduce_spill(problem, capacity, weights, kept, must=must, elsewhere=elsewhere,
                         seconds=0.05, seed=seed)
    assert _valid(problem, capacity, found)
    assert _out(weights, found) <= _out(weights, kept)
    assert all(k in found for k in must)
    assert not any(k in found for k in elsewhere)
    for k, b in enumerate(problem.buffers):
        if b.offset is not None and k in found:
            assert found[k] == b.offset


def test_moves_make_room_where_putting_back_greedily_does_not() -> None:
    # A perfect packing of 64 bytes: everything fits, but buffers put back
    # heaviest first, each at its lowest offset, leave some out.
    problem = perfect_packing(40, seed=3, width=30, height=64).with_capacity(None)
    weights = [b.size for b in problem.buffers]
    greedy = refill(problem, 64, {}, weights, frozenset())
    assert _out(weights, greedy) > 0
    found = reduce_spill(problem, 64, weights, greedy, seconds=2, seed=1)
    assert _valid(problem, 64, found)
    assert _out(weights, found) < _out(weights, greedy)


def test_the_moves_stop_at_the_goal() -> None:
    problem = perfect_packing(40, seed=3, width=30, height=64).with_capacity(None)
    weights = [b.size for b in problem.buffers]
    greedy = refill(problem, 64, {}, weights, frozenset())
    goal = _out(weights, greedy)  # reached at the start: no move is made
    assert reduce_spill(problem, 64, weights, greedy, seconds=10, goal=goal) == greedy
