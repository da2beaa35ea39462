"""The sweep: sections, partitions, overlaps, cuts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import occupied

from minimalloc.model import Buffer, Gap, Problem
from minimalloc.search.sweep import effective_size, sweep


def _sections(result):
    return [sorted(result.section(s).tolist()) for s in range(result.num_sections)]


def test_four_buffer_example_from_the_module_docstring():
    problem = Problem([Buffer("b0", 1, 2, 1), Buffer("b1", 2, 4, 1),
                       Buffer("b2", 0, 5, 1), Buffer("b3", 5, 9, 1)])
    result = sweep(problem)
    assert _sections(result) == [[0, 2], [1, 2], [2], [3]]
    assert result.partition(0).tolist() == [2, 0, 1]
    assert result.partition(1).tolist() == [3]
    assert result.partition_lo.tolist() == [0, 3]
    assert result.partition_hi.tolist() == [3, 4]
    assert result.first_section.tolist() == [0, 1, 0, 3]
    assert result.last_section.tolist() == [1, 2, 3, 4]
    assert [result.overlaps(b) for b in range(4)] == [{2: 1}, {2: 1}, {0: 1, 1: 1}, {}]
    assert result.cuts.tolist() == [1, 1, 0]


def test_touching_lifespans_do_not_coexist():
    result = sweep(Problem([Buffer("a", 0, 3, 4), Buffer("b", 3, 9, 4)]))
    assert result.overlaps(0) == {}
    assert result.num_partitions == 2


def test_windowed_and_plain_gaps_split_the_spans():
    a = Buffer("a", 0, 10, 8, gaps=(Gap(2, 5, (0, 2)), Gap(6, 8)))
    b = Buffer("b", 3, 7, 3)
    result = sweep(Problem([a, b]))
    spans = [(int(lo), int(hi), int(wlo), int(whi)) for lo, hi, wlo, whi in zip(
        result.span_lo, result.span_hi, result.span_wlo, result.span_whi)]
    # a: full until 2, its window (0, 2) until 5, full until 6, absent until 8.
    assert spans[:4] == [(0, 1, 0, 8), (1, 2, 0, 2), (2, 3, 0, 8), (4, 5, 0, 8)]
    assert _sections(result) == [[0], [0, 1], [0, 1], [1], [0]]
    assert result.overlaps(0) == {1: 8} and result.overlaps(1) == {0: 3}


def test_effective_size_with_windows():
    low = Buffer("low", 0, 10, 8, gaps=(Gap(0, 10, (0, 2)),))
    assert effective_size(low, Buffer("x", 3, 5, 4)) == 2
    assert effective_size(Buffer("x", 3, 5, 4), low) == 4
    absent = Buffer("absent", 0, 10, 8, gaps=(Gap(2, 6),))
    assert effective_size(absent, Buffer("x", 3, 5, 4)) is None


def _brute_effective_size(a: Buffer, x: Buffer) -> int | None:
    best = None
    for t in range(max(a.lower, x.lower), min(a.upper, x.upper)):
        wa, wx = occupied(a, t), occupied(x, t)
        if wa is not None and wx is not None:
            diff = wa[1] - wx[0]
            best = diff if best is None else max(best, diff)
    return best


@st.composite
def gapped_buffers(draw):
    buffers = []
    for index in range(draw(st.integers(1, 7))):
        lower = draw(st.integers(0, 12))
        upper = lower + draw(st.integers(1, 10))
        size = draw(st.integers(1, 6))
        gaps = []
        t = lower
        while t < upper - 1 and draw(st.booleans()):
            glo = draw(st.integers(t, upper - 1))
            ghi = draw(st.integers(glo + 1, upper))
            window = None
            if draw(st.booleans()) and size > 1:
                wlo = draw(st.integers(0, size - 1))
                window = (wlo, draw(st.integers(wlo + 1, size)))
            gaps.append(Gap(glo, ghi, window))
            t = ghi
        buffers.append(Buffer(f"b{index}", lower, upper, size, gaps=tuple(gaps)))
    return buffers


@settings(max_examples=150, deadline=None)
@given(gapped_buffers())
def test_overlaps_match_a_moment_by_moment_scan(buffers):
    result = sweep(Problem(buffers))
    for i, a in enumerate(buffers):
        expected = {}
        for j, x in enumerate(buffers):
            if i != j and a.lower < x.upper and x.lower < a.upper:
                size = _brute_effective_size(a, x)
                if size is not None:
                    expected[j] = size
        assert result.overlaps(i) == expected


@settings(max_examples=150, deadline=None)
@given(gapped_buffers())
def test_partitions_cover_every_buffer_once_and_never_meet_in_time(buffers):
    result = sweep(Problem(buffers))
    seen = np.sort(result.partition_buffers)
    assert seen.tolist() == list(range(len(buffers)))
    spans = []
    for p in range(result.num_partitions):
        members = [buffers[i] for i in result.partition(p)]
        spans.append((min(b.lower for b in members), max(b.upper for b in members)))
        assert result.partition_lo[p] < result.partition_hi[p]
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert end <= start
    # Every buffer's sections lie inside its partition's section range.
    for p in range(result.num_partitions):
        for b in result.partition(p):
            assert result.partition_lo[p] <= result.first_section[b]
            assert result.last_section[b] <= result.partition_hi[p]


@settings(max_examples=100, deadline=None)
@given(gapped_buffers())
def test_cuts_count_buffers_spanning_each_boundary(buffers):
    result = sweep(Problem(buffers))
    for s, cut in enumerate(result.cuts):
        spanning = sum(1 for b in range(len(buffers))
                       if result.first_section[b] <= s and s + 1 < result.last_section[b])
        assert cut == spanning


def test_sweep_of_a_long_trace_keeps_every_buffer_and_overlap():
    # Scale is the bench's (10^4 to 10^6 buffers); this checks the structure.
    rng = np.random.default_rng(7)
    n = 20_000
    lower = np.sort(rng.integers(0, 10 * n, n))
    upper = lower + rng.integers(1, 200, n)
    problem = Problem([Buffer(str(i), int(lo), int(hi), 1)
                       for i, (lo, hi) in enumerate(zip(lower, upper))])
    result = sweep(problem)
    assert result.partition_buffers.size == n
    # Each overlap is recorded in both directions.
    assert len(result.overlap_buffer) % 2 == 0
    assert result.overlap_ptr[-1] == len(result.overlap_buffer)
