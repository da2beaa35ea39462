"""minimize(): the optimum agrees with brute force, answers always come back."""

from __future__ import annotations

import importlib
import math
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import brute_force_min_height
from reference_data import BENCHMARKS, CAPACITY, needs_shared

from minimalloc.analysis.minimize import (
    Minimizer,
    MinimizeResult,
    Probe,
    granularity,
    minimize,
    stacking_bound,
)
from minimalloc.baselines.allocators import available_allocators
from minimalloc.baselines.sweep import SWEEP
from minimalloc.bounds import lower_bound
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import read_csv
from minimalloc.model import Buffer, Gap, Problem
from minimalloc.params import SolverParams, Status
from minimalloc.search.feasibility import FeasibilitySearch
from minimalloc.validate import validate

#: The methods a baseline answer may name.
BASELINES = (*available_allocators(), SWEEP)
EXAMPLE = (Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
           Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4))


@st.composite
def small_problems(draw, gaps: bool = False, windows: bool = False, scale: int = 1):
    """Up to five buffers (size 0 included) with alignment, fixed offsets and
    (optionally) gaps; sizes, offsets and windows are multiples of ``scale``."""
    buffers = []
    for index in range(draw(st.integers(1, 5))):
        lower = draw(st.integers(0, 6))
        upper = lower + draw(st.integers(1, 6))
        size = scale * draw(st.integers(0, 4))
        alignment = draw(st.sampled_from([1, 1, 2, 3])) * (scale if scale > 1 else 1)
        offset = None
        if draw(st.integers(0, 4)) == 0:
            offset = alignment * draw(st.integers(0, 3))
        buffer_gaps = ()
        if gaps and upper - lower >= 3 and draw(st.booleans()):
            glo = draw(st.integers(lower + 1, upper - 2))
            ghi = draw(st.integers(glo + 1, upper - 1))
            window = None
            if windows and size and draw(st.booleans()):
                wlo = draw(st.integers(0, size // scale - 1))
                whi = draw(st.integers(wlo + 1, size // scale))
                window = (wlo * scale, whi * scale)
            buffer_gaps = (Gap(glo, ghi, window),)
        buffers.append(Buffer(f"b{index}", lower, upper, size, alignment,
                              gaps=buffer_gaps, offset=offset))
    return Problem(buffers)


def _optimum(problem: Problem) -> int | None:
    """The brute-force optimum; None (and minimize refuses) when fixed buffers
    collide."""
    try:
        return brute_force_min_height(problem)
    except ValueError:
        with pytest.raises(ProblemError, match="collide"):
            minimize(problem, timeout=None)
        return None


def _check_result(problem: Problem, result: MinimizeResult) -> None:
    """Invariants every result satisfies."""
    assert result.solution is not None
    assert validate(problem.with_capacity(None), result.solution).ok
    assert result.height == result.solution.height
    assert result.gap == result.height - result.lower_bound >= 0
    assert result.proven_optimal == (result.gap == 0)
    assert result.lower_bound >= lower_bound(problem) or result.proven_optimal
    assert result.method == "exact" or result.method in BASELINES
    assert result.baseline_method in BASELINES
    assert result.height <= result.baseline_height
    assert all(isinstance(p, Probe) for p in result.probes)


@settings(max_examples=300, deadline=None)
@given(small_problems(gaps=True))
def test_optimum_agrees_with_brute_force(problem):
    optimum = _optimum(problem)
    if optimum is None:
        return
    result = minimize(problem, timeout=None)
    _check_result(problem, result)
    assert result.proven_optimal
    assert result.height == optimum


@settings(max_examples=100, deadline=None)
@given(small_problems(gaps=True, scale=4))
def test_scaled_problems_agree_with_brute_force(problem):
    """Sizes, offsets and alignments in multiples of 4: probes in steps of 4."""
    optimum = _optimum(problem)
    if optimum is None:
        return
    assert granularity(problem) % 4 == 0 or not any(b.size for b in problem.buffers)
    result = minimize(problem, timeout=None)
    _check_result(problem, result)
    assert optimum % granularity(problem) == 0
    assert result.proven_optimal and result.height == optimum


@settings(max_examples=150, deadline=None)
@given(small_problems(gaps=True, windows=True))
def test_windows_never_claim_a_false_optimum(problem):
    """With windowed gaps the search can miss nested placements, so only the
    lower bound counts as a proof: whatever is claimed is true."""
    optimum = _optimum(problem)
    if optimum is None:
        return
    result = minimize(problem, timeout=None)
    _check_result(problem, result)
    assert result.lower_bound <= optimum <= result.height
    if result.proven_optimal:
        assert result.height == optimum


def test_a_nested_window_placement_is_not_claimed_optimal():
    # b4 fits under b2's window at offset 0 (height 15); the search, which
    # cannot nest buffers, finds 16 at best and must not call it optimal.
    problem = Problem((
        Buffer("b0", 4, 5, 4), Buffer("b1", 2, 6, 3, gaps=(Gap(4, 5),)),
        Buffer("b2", 0, 4, 12, gaps=(Gap(2, 3, (9, 11)),)), Buffer("b3", 2, 3, 2, 4),
        Buffer("b4", 2, 6, 4, 3, gaps=(Gap(3, 5),)),
    ))
    assert brute_force_min_height(problem) == 15
    result = minimize(problem, timeout=None)
    _check_result(problem, result)
    assert result.lower_bound <= 15
    assert not result.proven_optimal or result.height == 15


def test_buffers_of_size_zero_do_not_block_the_search():
    problem = Problem((Buffer("z", 0, 5, 0, alignment=4), Buffer("a", 0, 5, 3),
                       Buffer("y", 1, 3, 0, offset=2)))
    result = minimize(problem, timeout=None)
    _check_result(problem, result)
    assert (result.height, result.proven_optimal) == (3, True)
    assert result.solution.offsets == (0, 0, 2)


@settings(max_examples=100, deadline=None)
@given(small_problems(gaps=True), st.sampled_from([0.0, 0.001, 0.01]))
def test_short_limits_prove_only_what_is_true(problem, timeout):
    optimum = _optimum(problem)
    if optimum is None:
        return
    result = minimize(problem, timeout=timeout)
    _check_result(problem, result)
    assert result.lower_bound <= optimum <= result.height
    if result.proven_optimal:
        assert result.height == optimum


@settings(max_examples=100, deadline=None)
@given(small_problems(), st.integers(1, 16))
def test_capacity_is_met_when_it_can_be(problem, capacity):
    optimum = _optimum(problem)
    if optimum is None:
        return
    problem = problem.with_capacity(capacity)
    result = minimize(problem, timeout=None)
    _check_result(problem, result)
    assert result.height == optimum
    assert result.capacity == capacity
    assert result.fits == (optimum <= capacity)


def test_example():
    result = minimize(Problem(EXAMPLE), timeout=10)
    assert (result.height, result.lower_bound, result.proven_optimal) == (12, 12, True)
    assert result.fits is None
    assert "proven optimal" in result.summary()


def test_lower_bound_is_probed_first():
    # The baseline is not optimal here, so the first search is at the LOAD.
    problem = Problem((Buffer("a", 0, 2, 2), Buffer("b", 1, 4, 3), Buffer("c", 3, 6, 2),
                       Buffer("d", 5, 8, 3), Buffer("e", 0, 8, 1), Buffer("f", 2, 7, 1)))
    result = minimize(problem, timeout=10)
    if result.method == "exact":
        assert result.probes[0].capacity == lower_bound(problem)
        assert result.probes[0].status is Status.OK
        assert len(result.probes) == 1
    _check_result(problem, result)


def test_zero_timeout_returns_a_baseline():
    problem = Problem(EXAMPLE + (Buffer("b6", 2, 12, 3, alignment=2),))
    result = minimize(problem, timeout=0)
    _check_result(problem, result)
    assert result.method == SWEEP  # no time for the others: the one that always finishes
    assert result.probes == ()


def test_empty_problem():
    result = minimize(Problem(()), timeout=1)
    assert (result.height, result.proven_optimal, result.solution.offsets) == (0, True, ())


def test_zero_sizes():
    problem = Problem((Buffer("a", 0, 2, 0), Buffer("b", 1, 3, 0)))
    result = minimize(problem, timeout=1)
    assert result.height == 0 and result.proven_optimal


def test_colliding_fixed_offsets_are_refused():
    problem = Problem((Buffer("a", 0, 2, 4, offset=0), Buffer("b", 1, 3, 4, offset=2)))
    with pytest.raises(ProblemError, match="'a' and 'b' collide"):
        minimize(problem, timeout=1)


def test_fixed_offsets_raise_the_height():
    problem = Problem((Buffer("a", 0, 2, 4, offset=8), Buffer("b", 1, 3, 4)))
    result = minimize(problem, timeout=None)
    assert result.height == 12 and result.proven_optimal
    assert result.solution.offsets[0] == 8


def test_negative_timeout_is_refused():
    with pytest.raises(ProblemError, match="timeout"):
        minimize(Problem(EXAMPLE), timeout=-1)


def test_probe_callback_and_params():
    seen = []
    params = SolverParams(preordering_heuristics=("WAT",), timeout=0.0)
    problem = Problem((Buffer("a", 0, 2, 2), Buffer("b", 1, 4, 3), Buffer("c", 3, 6, 2),
                       Buffer("d", 5, 8, 3), Buffer("e", 0, 8, 1), Buffer("f", 2, 7, 1)))
    result = minimize(problem, timeout=None, params=params, on_probe=seen.append)
    assert tuple(seen) == result.probes  # the params' own timeout is ignored
    assert result.proven_optimal
    assert result.stats.nodes >= len(result.probes)


@pytest.mark.parametrize(("sizes", "alignments", "expected"), [
    ((1024, 3072), (1,), 1024),
    ((1024, 3072), (4, 2048), 1024),
    ((1024, 2048), (3,), 1),
    ((12, 24), (4, 6), 12),
    ((8, 24), (4, 6), 2),
    ((0, 0), (1,), 1),
    ((6, 9), (1,), 3),
])
def test_granularity(sizes, alignments, expected):
    buffers = [Buffer(f"b{i}", i, i + 2, s, alignments[i % len(alignments)])
               for i, s in enumerate(sizes)]
    assert granularity(Problem(buffers)) == expected


def test_granularity_counts_windows_and_fixed_offsets():
    windowed = Buffer("a", 0, 9, 8, gaps=(Gap(2, 4, (2, 6)),))
    assert granularity(Problem((windowed,))) == 2
    fixed = Buffer("b", 0, 2, 8, offset=4)
    assert granularity(Problem((fixed,))) == 4


def test_not_proven_result_reports_the_gap():
    result = MinimizeResult(solution=None, height=110, lower_bound=100,  # type: ignore[arg-type]
                            proven_optimal=False, gap=10, method="best_fit", probes=(),
                            stats=None, seconds=1.0, capacity=105)  # type: ignore[arg-type]
    assert math.isclose(result.relative_gap, 0.1)
    assert result.fits is False
    text = result.summary()
    assert "not proven optimal" in text and "10.00 %" in text and "capacity 105" in text


@needs_shared
def test_benchmark_c_is_proven_optimal_at_its_load():
    problem = read_csv(BENCHMARKS / "challenging" / f"C.{CAPACITY}.csv")
    result = minimize(problem, timeout=60)
    _check_result(problem, result)
    assert result.proven_optimal and result.height == lower_bound(problem) == 1039360
    assert result.method == "exact"
    assert result.probes[0].capacity == 1039360


@needs_shared
def test_benchmark_a_with_a_short_limit_still_answers():
    problem = read_csv(BENCHMARKS / "challenging" / f"A.{CAPACITY}.csv")
    result = minimize(problem, timeout=0.2)
    _check_result(problem, result)
    assert result.lower_bound == 1048576


def test_cancel_before_the_start_returns_the_baseline():
    minimizer = Minimizer()
    minimizer.cancel()
    problem = Problem(EXAMPLE)
    result = minimizer.minimize(problem, timeout=10)
    _check_result(problem, result)
    assert result.cancelled and result.method in BASELINES
    assert all(p.status is Status.CANCELLED for p in result.probes)


@needs_shared
def test_cancel_from_another_thread_returns_the_best_so_far():
    problem = read_csv(BENCHMARKS / "challenging" / f"D.{CAPACITY}.csv")
    minimizer = Minimizer()
    timer = threading.Timer(0.3, minimizer.cancel)
    timer.start()
    result = minimizer.minimize(problem, timeout=60)
    timer.cancel()
    _check_result(problem, result)
    assert result.cancelled and not result.proven_optimal
    assert result.probes[-1].status is Status.CANCELLED


@st.composite
def aligned_problems(draw):
    """Up to six buffers with alignments and gaps anywhere in the lifespan."""
    buffers = []
    for index in range(draw(st.integers(1, 6))):
        lower = draw(st.integers(0, 5))
        upper = lower + draw(st.integers(1, 6))
        buffer_gaps = ()
        if draw(st.booleans()):
            glo = draw(st.integers(lower, upper - 1))
            buffer_gaps = (Gap(glo, draw(st.integers(glo + 1, upper))),)
        buffers.append(Buffer(f"b{index}", lower, upper, draw(st.integers(0, 5)),
                              draw(st.sampled_from([1, 2, 3, 4, 8])), gaps=buffer_gaps))
    return Problem(buffers)


@settings(max_examples=300, deadline=None)
@given(aligned_problems())
def test_stacking_bound_is_a_lower_bound(problem):
    bound, moment = stacking_bound(problem)
    assert bound <= brute_force_min_height(problem)
    if bound:
        assert moment and bound >= max(problem.buffers[i].size for i in moment)


def test_stacking_bound_beats_the_load_with_alignment():
    # Sizes 5, 1, 1 aligned to 8 and live together: the best stack is 17
    # high (5 at 0, 1 at 8, 1 at 16); a bound looking at the top one sees 9.
    problem = Problem([Buffer("a", 0, 2, 5, 8), Buffer("b", 0, 2, 1, 8),
                       Buffer("c", 1, 3, 1, 8)])
    assert stacking_bound(problem) == (17, [0, 1, 2])
    assert lower_bound(problem) == 9
    result = minimize(problem, timeout=None)
    assert result.height == 17 and result.proven_optimal and result.probes == ()
    assert stacking_bound(Problem([Buffer("a", 0, 2, 3)])) == (0, [])


def test_probes_have_budgets_without_a_time_limit(monkeypatch):
    """timeout=None: no probe may run unbounded (one hard capacity would
    stall the whole run), and the answer is still proven."""
    minimize_module = importlib.import_module("minimalloc.analysis.minimize")
    from minimalloc.generate import samples
    from minimalloc.params import Status
    from minimalloc.search.stats import SearchStats

    problem = samples.load_sample("load_not_enough")
    budgets = []
    real = FeasibilitySearch.solve

    def record(self, capacity, budget):
        budgets.append(budget)
        if len(budgets) <= 2:  # the first two searches "run out of time"
            return Status.TIMEOUT, None, SearchStats()
        return real(self, capacity, budget)

    monkeypatch.setattr(FeasibilitySearch, "solve", record)
    result = minimize_module.minimize(problem, timeout=None)
    assert budgets and all(b is not None and b > 0 for b in budgets)
    assert budgets[0] == minimize_module.UNLIMITED_FIRST_PROBE
    assert result.height == 6 and result.proven_optimal


def test_progress_names_the_capacity_being_probed():
    import threading

    minimize_module = importlib.import_module("minimalloc.analysis.minimize")
    from minimalloc.generate import samples

    problem = samples.load_sample("load_not_enough")
    minimizer = minimize_module.Minimizer()
    seen = []
    original = FeasibilitySearch.solve

    def spy(self, capacity, budget):
        seen.append(minimizer.progress)
        return original(self, capacity, budget)

    FeasibilitySearch.solve = spy
    try:
        thread = threading.Thread(target=minimizer.minimize, args=(problem, None))
        thread.start()
        thread.join(60)
    finally:
        FeasibilitySearch.solve = original
    assert seen and all(p.probing is not None and p.budget is not None for p in seen)
    assert all(p.best is not None and p.lower_bound is not None for p in seen)
    assert minimizer.progress is None  # nothing runs any more


def test_without_a_limit_a_mixed_problem_is_improved_early_and_still_proven(monkeypatch):
    """Minimising without a time limit: the exact search gets a few seconds,
    the anytime optimiser then improves the best (it did not start until
    the exact search had proven everything, so an unbounded run of
    densenet121 stayed at the baseline while a 10 s run improved it), and
    the exact search then resumes from the best for the proof."""
    import time

    module = importlib.import_module("minimalloc.analysis.minimize")
    monkeypatch.setattr(module, "MIXED_THRESHOLD", 5)
    monkeypatch.setattr(module, "UNLIMITED_EXACT_SECONDS", 0.0)
    polished = []
    real = module.Minimizer._polish

    def polish(self, problem, result, started, timeout, *args):
        polished.append((time.perf_counter() - started, timeout))
        return real(self, problem, result, started, timeout, *args)

    monkeypatch.setattr(module.Minimizer, "_polish", polish)
    # LOAD 5, optimum 6: the bound is no proof, only a search is.
    problem = Problem((Buffer("A", 0, 1, 2), Buffer("B", 0, 3, 3), Buffer("C", 1, 4, 1),
                       Buffer("D", 2, 5, 1), Buffer("E", 3, 5, 2), Buffer("F", 4, 6, 2),
                       Buffer("G", 5, 6, 3)))
    result = minimize(problem, timeout=None)
    assert polished and polished[0][1] is None and polished[0][0] < 5.0
    assert result.height == 6 and result.lower_bound == 6 and result.proven_optimal
    assert validate(problem, result.solution).ok
