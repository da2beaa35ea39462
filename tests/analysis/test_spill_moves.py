"""The spill's cuts of an allocation: what stays is valid within the
capacity, keeps what must stay, and is never worse than the best window
alone."""

from __future__ import annotations

from awkward import awkward_problem
from hypothesis import given, settings
from hypothesis import strategies as st

from minimalloc.analysis.spill_moves import best_band, best_window, cut_to_fit
from minimalloc.baselines.allocators import allocate
from minimalloc.model import Buffer, Problem, Solution
from minimalloc.validate import validate


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 60), seed=st.integers(0, 10**6), share=st.floats(0.3, 1.0),
       fixed=st.booleans())
def test_a_cut_allocation_is_valid_within_the_capacity(n, seed, share, fixed):
    problem = awkward_problem(n, seed, gaps=False, fixed=fixed, alignment=(1, 2, 8))
    start = allocate(problem, "first_fit")
    if not validate(problem, start).ok:
        return  # fixed buffers that collide: nothing valid to cut
    capacity = max(1, int(start.height * share))
    weights = [b.size for b in problem.buffers]
    offsets = dict(enumerate(start.offsets))
    keep = {k for k, b in enumerate(problem.buffers)
            if b.offset is None and start.offsets[k] + b.size <= capacity // 2}
    kept = cut_to_fit(problem, capacity, offsets, weights, keep, frozenset())
    if kept is None:
        return  # no window nor band keeps every buffer of keep
    assert keep <= set(kept)
    members = sorted(kept)
    sub = problem.subset(members).with_capacity(capacity)
    assert validate(sub, Solution.from_offsets(sub, [kept[k] for k in members])).ok
    sizes = [b.size for b in problem.buffers]
    alignments = [b.alignment for b in problem.buffers]
    fixed_ones = {k for k, b in enumerate(problem.buffers) if b.offset is not None}
    window = best_window(offsets, sizes, alignments, capacity, keep, fixed_ones)
    if window is not None:
        assert sum(sizes[k] for k in kept) >= sum(sizes[k] for k in window)


def test_the_band_cuts_the_middle_where_the_window_cuts_the_ends():
    # Two long buffers at the bottom and the top, and short ones between:
    # at capacity 8 a window loses a long one, the band only short ones.
    problem = Problem((Buffer("low", 0, 10, 4), Buffer("high", 0, 10, 4),
                       Buffer("mid1", 0, 5, 1), Buffer("mid2", 5, 10, 1)))
    offsets = {0: 0, 1: 5, 2: 4, 3: 4}
    sizes, alignments = [b.size for b in problem.buffers], [1, 1, 1, 1]
    assert best_band(offsets, sizes, alignments, 8, set(), set()) == {0: 0, 1: 4}
    window = best_window(offsets, sizes, alignments, 8, set(), set())
    assert sum(sizes[k] for k in window) == 6
    assert cut_to_fit(problem, 8, offsets, sizes, set(), frozenset()) == {0: 0, 1: 4}
