"""The smallest height, with a proof of optimality when there is time for one.

The reference's ``--minimize_capacity`` bisects the capacity between 0 and a
given one and returns nothing if its time runs out.  :func:`minimize` always
returns an allocation, says how far from optimal it may be, and proves it
optimal when it can:

1. **Bounds.**  The lower bound ``lo`` is the larger of
   :func:`minimalloc.bounds.lower_bound` (LOAD, sizes, fixed offsets,
   alignment of the top buffer) and :func:`stacking_bound` (the buffers live
   at one moment stacked with their alignments, exactly), rounded up to the
   *granularity* (below).  The upper bound ``hi`` is the height of the
   lowest valid baseline allocation (:mod:`minimalloc.baselines.allocators`): an
   answer exists before any search.
2. **The lower bound first.**  An exact feasibility probe at capacity ``lo``
   gets a large share (a third) of the time.  Most real problems pack at
   their LOAD, and then this one search both finds the allocation and proves
   it optimal.
3. **A window bound.**  If that probe could not settle the bound,
   :func:`minimalloc.analysis.window_bound.window_bound` gets a tenth of the time
   left: a time window around the heaviest moments whose buffers, cut to
   it, provably do not fit raises the lower bound, with a certificate
   (:attr:`MinimizeResult.certificate`) anyone can check.
   :attr:`MinimizeResult.bound_method` says what proved the bound.
4. **Bisection with time-outs.**  In rounds with a per-probe budget that
   doubles, probe the middle of ``[lo, hi)``: a success at ``c`` gives a
   solution of height ``h <= c`` (``hi = h``), a proof that ``c`` is
   infeasible raises ``lo`` above ``c``.  A probe that runs out of time says
   nothing, so the next one goes halfway up towards ``hi`` (capacities
   close to the best height are usually easier to meet); a round ends when
   the probe just below ``hi`` times out too.  Each capacity is tried at most
   once per budget: a capacity that timed out is replaced by the next one
   above it.  The budget doubles only after a round that moved no bound:
   on hard instances the time a probe needs is erratic from one capacity to
   the next (either well under a second or far more), so many short probes
   improve the height faster than a few long ones.  When the problem has a
   capacity that the best allocation does not meet yet, each round probes
   that capacity first.  Without a time limit probes still get budgets
   (:data:`UNLIMITED_FIRST_PROBE`, then rounds from
   :data:`UNLIMITED_FIRST_ROUND`, doubling): one search at one capacity can
   run for hours while a neighbouring one would have moved a bound.

**Big problems.**  The exact search lists every pair of buffers alive
together, which does not fit in memory on graphs of 10^4 buffers and more,
and would not finish anyway.  Above :data:`SCALE_THRESHOLD` buffers the
exact search is skipped: after the baselines,
:class:`minimalloc.anytime.improve.Improver` (greedy moves and the exact engine on
small neighbourhoods) improves the allocation of
:func:`minimalloc.anytime.peak_window.peak_window_start` (or of
:func:`minimalloc.anytime.peak_first.peak_first` if no window around the heaviest
moment could be packed) until the time limit, one run per core
(:class:`minimalloc.anytime.improve.Runs`); the answer is the lower of its result
and the best baseline, and the lower bound is
:func:`minimalloc.bounds.lower_bound` rounded up to the granularity.  Above
:data:`MIXED_THRESHOLD` buffers the exact search gets only
:data:`EXACT_SHARE` of the time; if it has not proven its answer optimal by
then, the improver takes the rest, starting from its best allocation.
Without a time limit the exact search gets :data:`UNLIMITED_EXACT_SECONDS`,
the improver runs until it can reach no lower height, and the exact search
then resumes from the best allocation, for the proof.

**Granularity.**  The search places every buffer at 0, at its fixed offset or
right on top of another one (then rounded up to its alignment), so when
every size, window bound and fixed offset is a multiple of ``g`` (and every
alignment divides ``g`` or is a multiple of it) every height it can find is a
multiple of ``g``: capacities are probed in steps of ``g`` and ``lo`` is
rounded up to one.  For the benchmarks A-K ``g`` is 1024, which halves the
number of bisection steps.

**What counts as a proof.**  A probe that fails proves the capacity
infeasible because the search explores every canonical solution
(ALGORITHM.md, section 5) and every solution can be pushed down into one.
That holds without windowed gaps; with them, a buffer can sit inside
another's window or two can interleave (one above the other in one stretch,
below it in the next), placements the search does not reach
(:mod:`minimalloc.search.completeness`).  Where such a probe finds nothing, an
exact model decides it (the ``exact`` extra); without that extra the probe
answers UNDECIDED, and only the lower bound itself counts as a proof:
``proven_optimal`` then means the height equals it.  Buffers of size 0 occupy
nothing; they are left out of the searches and put at offset 0 (or their
fixed offset).

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
...              Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)))
>>> result = minimize(p, timeout=10)
>>> result.height, result.lower_bound, result.proven_optimal, result.method
(12, 12, True, 'greedy_by_size')
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from minimalloc.aliases import fold
from minimalloc.analysis.window_bound import WindowCertificate, window_bound
from minimalloc.anytime.improve import Runs
from minimalloc.anytime.peak_first import peak_first
from minimalloc.anytime.peak_window import peak_window_start
from minimalloc.baselines.best import best_baseline, fixed_collision
from minimalloc.bounds import STACK_LIMIT, max_load, stacking_bound
from minimalloc.bounds import lower_bound as _lower_bound
from minimalloc.columns import buffer_columns
from minimalloc.deadline import Deadline
from minimalloc.errors import ProblemError
from minimalloc.model import Problem, Solution
from minimalloc.params import SolverParams, Status, check_timeout
from minimalloc.search.feasibility import FeasibilitySearch
from minimalloc.search.stats import SearchStats, sum_stats
from minimalloc.tuning import (
    BASELINE_SHARE,
    EXACT_SHARE,
    FIRST_ROUND_SHARE,
    LOWER_BOUND_SHARE,
    MIN_PROBE_SECONDS,
    MIXED_THRESHOLD,
    RESTART_PATIENCE,
    SCALE_THRESHOLD,
    UNLIMITED_EXACT_SECONDS,
    UNLIMITED_FIRST_PROBE,
    UNLIMITED_FIRST_ROUND,
)
from minimalloc.tuning import MINIMIZE_WINDOW_SHARE as WINDOW_SHARE
from minimalloc.validate import ValidationCode, check_answer

__all__ = ["BOUND_METHODS", "STACK_LIMIT", "MinimizeResult", "Minimizer", "Probe",
           "Progress", "ProgressCallback", "granularity", "minimize", "stacking_bound"]

#: What can prove :attr:`MinimizeResult.lower_bound`: the live bytes at one
#: moment; one moment's buffers with their sizes, fixed offsets or alignments
#: (:func:`minimalloc.bounds.lower_bound`); the buffers of one moment stacked
#: with their alignments (:func:`stacking_bound`); a time window that cannot
#: be packed (:func:`minimalloc.analysis.window_bound.window_bound`, with a
#: certificate); exact searches of the whole problem that found nothing.
BOUND_METHODS = ("load", "moment", "stacking", "window", "search")

#: ``on_progress(elapsed seconds, best height, lower bound)``.
ProgressCallback = Callable[[float, int, int], object]


class Probe(NamedTuple):
    """One exact feasibility search: at ``capacity``, what it concluded
    (OK, INFEASIBLE, TIMEOUT or CANCELLED), how long it took and the time it
    was allowed (``budget``, None: no limit)."""

    capacity: int
    status: Status
    seconds: float
    budget: float | None = None


class Progress(NamedTuple):
    """Where a running :class:`Minimizer` is: the capacity being probed (None
    between probes) and that probe's budget in seconds, the best allocation
    so far and the proven lower bound."""

    probing: int | None
    budget: float | None
    best: Solution | None
    lower_bound: int | None


@dataclass(frozen=True)
class MinimizeResult:
    """What :func:`minimize` found.

    Attributes
    ----------
    solution : Solution
        The lowest allocation found (valid; never None).
    height : int
        ``solution.height``.
    lower_bound : int
        The best proven lower bound: no allocation is lower than this.
    proven_optimal : bool
        ``height == lower_bound``.
    gap : int
        ``height - lower_bound`` (0 when proven optimal).
    method : str
        ``"exact"`` if the search produced the solution, ``"improve"`` if the
        anytime optimiser (:mod:`minimalloc.anytime.improve`) did, else the name of
        the baseline allocator that did.
    probes : tuple of Probe
        Every exact search, in order: ``(capacity, status, seconds)``.
    stats : SearchStats
        The searches' counters, summed over the probes.
    seconds : float
        Wall time of the whole call.
    capacity : int or None
        The problem's capacity (None if it has none).
    baseline_method, baseline_height : str, int
        The best baseline allocation, the starting point.
    cancelled : bool
        Whether :meth:`Minimizer.cancel` stopped it early.
    bound_method : str
        What proved ``lower_bound`` (see :data:`BOUND_METHODS`).
    certificate : WindowCertificate or None
        With ``bound_method == "window"``, the proof: a time window whose
        buffers do not fit below the bound
        (:func:`minimalloc.analysis.window_bound.check_certificate` checks it).
    """

    solution: Solution
    height: int
    lower_bound: int
    proven_optimal: bool
    gap: int
    method: str
    probes: tuple[Probe, ...]
    stats: SearchStats
    seconds: float
    capacity: int | None = None
    baseline_method: str = ""
    baseline_height: int = 0
    cancelled: bool = False
    bound_method: str = "load"
    certificate: WindowCertificate | None = None

    @property
    def fits(self) -> bool | None:
        """Whether the height is within the problem's capacity (None if it has
        none)."""
        return None if self.capacity is None else self.height <= self.capacity

    @property
    def relative_gap(self) -> float:
        """``gap / lower_bound`` (0.0 when the lower bound is 0)."""
        return self.gap / self.lower_bound if self.lower_bound else 0.0

    def summary(self) -> str:
        """One line for people: height, bound, optimality, time."""
        if self.proven_optimal:
            quality = "proven optimal"
        else:
            quality = (f"not proven optimal: at most {self.gap} "
                       f"({100 * self.relative_gap:.2f} %) above the lower bound "
                       f"{self.lower_bound} ({self.bound_method})")
        text = f"height {self.height} ({quality}; {self.method}, {self.seconds:.2f} s)"
        if self.capacity is not None and not self.fits:
            text += f"; does not fit the capacity {self.capacity}"
        return text


def granularity(problem: Problem) -> int:
    """The step ``g`` such that every height the search can produce is a
    multiple of ``g``.

    ``g`` is the greatest common divisor of the sizes, gap window bounds and
    fixed offsets, reduced further by every alignment that neither divides
    it nor is a multiple of it.  Always at least 1.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> granularity(Problem((Buffer("a", 0, 2, 1024), Buffer("b", 1, 3, 3072, 4))))
    1024
    >>> granularity(Problem((Buffer("a", 0, 2, 1024), Buffer("b", 1, 3, 2048, 3))))
    1
    """
    columns = buffer_columns(problem.buffers)  # vectorised: 10^6 buffers at scale
    values = [int(np.gcd.reduce(columns.size)) if len(columns.size) else 0,
              int(np.gcd.reduce(columns.fixed[columns.fixed >= 0]))
              if (columns.fixed >= 0).any() else 0]
    for i in np.flatnonzero(columns.gap_count).tolist():
        for gap in problem.buffers[i].gaps:
            if gap.window is not None:
                values.extend(gap.window)
    g = math.gcd(*values)
    if g == 0:
        return 1
    alignments = set(np.unique(columns.alignment).tolist())
    changed = True
    while changed:
        changed = False
        for a in alignments:
            if g % a and a % g:
                g = math.gcd(g, a)
                changed = True
    return g


def minimize(problem: Problem, timeout: float | None = 60.0,
             params: SolverParams | None = None, *,
             on_probe: Callable[[Probe], object] | None = None,
             on_progress: ProgressCallback | None = None) -> MinimizeResult:
    """The smallest height the buffers fit in, and whether it is proven optimal.

    Never returns without an allocation: the best baseline is the answer
    until the exact search finds a lower one.  See the module docstring for
    the schedule of the searches.

    Parameters
    ----------
    problem : Problem
        The buffers.  Its capacity may be None.  If it has one, a solution
        within it is preferred (each round probes the capacity first while
        the best allocation is above it); :attr:`MinimizeResult.fits` says
        whether the answer fits.
    timeout : float or None
        Seconds for the whole call (bounds, baselines and all searches);
        None for no limit (then the answer is proven optimal, unless the
        problem has windowed gaps: see the module docstring).
    params : SolverParams, optional
        Switches and heuristics for the exact searches; its ``timeout`` and
        ``minimize_capacity`` are ignored.
    on_probe : callable, optional
        Called with each :class:`Probe` as it finishes (for progress displays).
    on_progress : callable, optional
        Called as ``on_progress(elapsed, best_height, lower_bound)`` when the
        baseline is known and after every exact search or lower height found
        (for progress displays; the heights it sees never go up).

    Returns
    -------
    MinimizeResult

    Raises
    ------
    ProblemError
        If buffers with fixed offsets collide with each other (no allocation
        exists at any height), or ``timeout`` is negative.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> p = Problem((Buffer("a", 0, 4, 8), Buffer("b", 2, 6, 8), Buffer("c", 5, 9, 8)))
    >>> r = minimize(p, timeout=5)
    >>> r.height, r.proven_optimal, r.gap
    (16, True, 0)
    """
    return Minimizer(params).minimize(problem, timeout, on_probe=on_probe,
                                      on_progress=on_progress)


class Minimizer:
    """:func:`minimize` that can be cancelled from another thread.

    >>> minimizer = Minimizer()
    >>> # in a worker thread: result = minimizer.minimize(problem, timeout=60)
    >>> # elsewhere: minimizer.cancel()  -> the best so far, cancelled=True
    """

    def __init__(self, params: SolverParams | None = None) -> None:
        self.params = params
        self._cancelled = False
        self._run: _Run | None = None
        self._runs = None  # the running minimalloc.anytime.improve.Runs, if any
        self._limit: Deadline | None = None  # the big-problem path's bounds and baselines

    def cancel(self) -> None:
        """Stop a running (or the next) minimisation: the running search is
        cancelled and the best allocation so far is returned."""
        self._cancelled = True
        run = self._run
        if run is not None:
            run.limit.cancel()
            run.exact.cancel()
            run.window_limit.cancel()  # stops between two window probes
        for work in (self._limit, self._runs):
            if work is not None:
                work.cancel()

    @property
    def progress(self) -> Progress | None:
        """Where the running minimisation is (None when none runs); safe to
        read from another thread."""
        run, runs = self._run, self._runs
        if run is not None:
            return Progress(run.probing, run.budget, getattr(run, "best", None),
                            getattr(run, "lo", None))
        if runs is not None:  # big problems: re-packing neighbourhoods
            return Progress(None, None, runs.best, runs.lower_bound)
        return None

    def minimize(self, problem: Problem, timeout: float | None = 60.0, *,
                 on_probe: Callable[[Probe], object] | None = None,
                 on_progress: ProgressCallback | None = None) -> MinimizeResult:
        """See :func:`minimize`."""
        result = self._minimize(problem, timeout, on_probe, on_progress)
        check_answer(problem, result.solution, None, source="minimize", params=self.params)
        return result

    def _minimize(self, problem: Problem, timeout: float | None,
                  on_probe: Callable[[Probe], object] | None,
                  on_progress: ProgressCallback | None) -> MinimizeResult:
        timeout = check_timeout(timeout)  # inf or huge: none; bools refused
        if problem.has_aliases:  # each alias group is placed as one block
            folded = fold(problem)
            result = self.minimize(folded.problem, timeout, on_probe=on_probe,
                                   on_progress=on_progress)
            return replace(result, solution=folded.unfold(result.solution))
        started = time.perf_counter()
        if len(problem) > SCALE_THRESHOLD:
            return self._anytime(problem, timeout, started, on_progress)
        exact_timeout = timeout
        if len(problem) > MIXED_THRESHOLD:
            exact_timeout = (UNLIMITED_EXACT_SECONDS if timeout is None
                             else timeout * EXACT_SHARE)
        result = self._exact(problem, exact_timeout, on_probe, on_progress)
        if exact_timeout == timeout or result.proven_optimal or self._cancelled:
            return result
        result = self._polish(problem, result, started, timeout, on_progress)
        if timeout is not None or result.proven_optimal or self._cancelled:
            return result
        # No limit: the exact search resumes from the best, for the proof.
        final = self._exact(problem, None, on_probe, on_progress, start=result)
        if result.lower_bound > final.lower_bound:  # stopped before it proved as much
            final = replace(final, lower_bound=result.lower_bound,
                            bound_method=result.bound_method,
                            certificate=result.certificate,
                            proven_optimal=result.lower_bound >= final.height,
                            gap=final.height - result.lower_bound)
        return replace(final, probes=result.probes + final.probes,
                       stats=sum_stats([result.stats, final.stats]),
                       seconds=time.perf_counter() - started, cancelled=self._cancelled)

    def _exact(self, problem: Problem, timeout: float | None,
               on_probe: Callable[[Probe], object] | None,
               on_progress: ProgressCallback | None,
               start: MinimizeResult | None = None) -> MinimizeResult:
        """The exact phase (:class:`_Run`) within ``timeout``, from the best
        allocation of ``start`` if given."""
        run = _Run(problem, timeout, self.params, on_probe, start)
        if on_progress is not None:
            _report_searches(run, on_progress)
        self._run = run
        if self._cancelled:
            run.limit.cancel()
            run.exact.cancel()
        try:
            with run.limit:  # its timer stops the kernels of bounds and baselines
                result = run.run()
        finally:
            self._run = None
        if on_progress is not None:
            on_progress(result.seconds, result.height, result.lower_bound)
        return result

    def _anytime(self, problem: Problem, timeout: float | None, started: float,
                 on_progress: ProgressCallback | None) -> MinimizeResult:
        """Big problems: the best baseline, improved on neighbourhoods."""
        _check_fixed(problem)
        # The bound and the baselines stop at the limit (or a cancel) with a
        # sound bound and a valid, if higher, allocation.
        limit = Deadline.until(None if timeout is None else started + timeout)
        self._limit = limit
        if self._cancelled:
            limit.cancel()
        try:
            with limit:
                g = granularity(problem)
                raw = _lower_bound(problem, limit)
                bound = -(-raw // g) * g
                baseline = best_baseline(
                    problem, problem.capacity, limit, bound,
                    enough=None if timeout is None else BASELINE_SHARE * timeout)
                start = None
                if baseline is not None and baseline.solution.height > bound \
                        and not limit.expired():
                    start = peak_window_start(problem, bound, limit)
                    if start is None and not limit.expired():
                        start, finished = peak_first(problem, limit)
                        start = start if finished else None
        finally:
            self._limit = None
        if baseline is None:  # pragma: no cover - only when fixed buffers collide
            raise ProblemError("no baseline allocation is valid")
        height = baseline.solution.height
        result = MinimizeResult(
            solution=baseline.solution, height=height, lower_bound=min(bound, height),
            proven_optimal=bound >= height, gap=max(0, height - bound),
            method=baseline.method, probes=(), stats=SearchStats(),
            seconds=time.perf_counter() - started, capacity=problem.capacity,
            baseline_method=baseline.method, baseline_height=height,
            bound_method="load" if raw <= max_load(problem) else "moment",
        )
        if on_progress is not None:
            on_progress(result.seconds, height, result.lower_bound)
        return self._polish(problem, result, started, timeout, on_progress, start)

    def _polish(self, problem: Problem, result: MinimizeResult, started: float,
                timeout: float | None, on_progress: ProgressCallback | None,
                start: Solution | None = None) -> MinimizeResult:
        """``result`` improved by the anytime optimiser for the time left,
        from ``start`` (a valid allocation; by default ``result``'s)."""
        if start is not None and start.height < result.height:
            # The start may be the answer itself (on a training snapshot of
            # 2 x 10^6 buffers the peak window's start is at the LOAD and
            # the time is up when it is built).
            result = replace(result, solution=start, height=start.height,
                             proven_optimal=start.height <= result.lower_bound,
                             gap=max(0, start.height - result.lower_bound),
                             method="improve")
            if on_progress is not None:
                on_progress(time.perf_counter() - started, start.height,
                            result.lower_bound)
        left = None if timeout is None else timeout - (time.perf_counter() - started)
        if result.proven_optimal or (left is not None and left <= MIN_PROBE_SECONDS):
            return replace(result, seconds=time.perf_counter() - started,
                           cancelled=self._cancelled)
        # Runs on every thread; each starts again from ``start`` with other
        # random choices after RESTART_PATIENCE seconds without a lower
        # height (only with a time limit: without one, a run ends when no
        # target can be reached).
        runs = Runs(problem, start or result.solution, lower_bound=result.lower_bound,
                    granularity=granularity(problem), params=self.params,
                    best=result.solution,
                    patience=None if left is None else RESTART_PATIENCE)
        self._runs = runs
        if self._cancelled:
            runs.cancel()

        def on_best(solution: Solution) -> None:
            if on_progress is not None:
                on_progress(time.perf_counter() - started, solution.height,
                            result.lower_bound)

        try:
            solution = runs.run(left, on_best=on_best)
        finally:
            self._runs = None
        if solution.height >= result.height:
            return replace(result, seconds=time.perf_counter() - started,
                           cancelled=self._cancelled)
        return replace(
            result, solution=solution, height=solution.height,
            proven_optimal=solution.height <= result.lower_bound,
            gap=solution.height - result.lower_bound, method="improve",
            seconds=time.perf_counter() - started, cancelled=self._cancelled,
        )


def _report_searches(run: _Run, on_progress: ProgressCallback) -> None:
    """Make ``run`` report its bounds before each exact search (the first
    report comes once the baseline is known)."""
    search = run.exact.solve

    def report_and_search(capacity: int, budget: float | None):
        on_progress(time.perf_counter() - run.started, run.hi, min(run.lo, run.hi))
        return search(capacity, budget)

    run.exact.solve = report_and_search


def _check_fixed(problem: Problem) -> None:
    """Raise if buffers with fixed offsets collide: no height would do."""
    verdict = fixed_collision(problem)
    if verdict.code is ValidationCode.BAD_OVERLAP:
        raise ProblemError(f"no allocation exists at any height: {verdict.message}")


class _Run:
    """The state of one :func:`minimize` call."""

    def __init__(self, problem: Problem, timeout: float | None,
                 params: SolverParams | None,
                 on_probe: Callable[[Probe], object] | None,
                 start: MinimizeResult | None = None) -> None:
        self.started = time.perf_counter()
        self.start = start  # an earlier answer to start from (its allocation, method)
        self.deadline = None if timeout is None else self.started + timeout
        # Bounds and baselines watch this (the limit, or a cancel); the
        # searches have their own budgets within it.
        self.limit = Deadline.until(self.deadline)
        self.problem = problem
        self.exact = FeasibilitySearch(problem, params)
        self.on_probe = on_probe
        self.capacity = problem.capacity
        self.probes: list[Probe] = []
        self.stats: list[SearchStats] = []
        self.tried: dict[int, float] = {}  # capacity -> largest budget that timed out
        self.probing: int | None = None  # the capacity under search, for progress
        self.budget: float | None = None
        self.window_limit = Deadline(None)  # the window bound's share of the time

    # -- bounds -----------------------------------------------------------

    def _ceil(self, value: int) -> int:
        return -(-value // self.g) * self.g

    def _top(self) -> int:
        """The largest capacity worth probing: a step below the best height."""
        return (self.hi - 1) // self.g * self.g

    def _mid(self, low: int, high: int) -> int:
        return low + (high - low) // self.g // 2 * self.g

    def _left(self) -> float | None:
        if self.deadline is None:
            return None
        return self.deadline - time.perf_counter()

    def _out_of_time(self) -> bool:
        left = self._left()
        return left is not None and left < MIN_PROBE_SECONDS

    def _done(self) -> bool:
        return self.lo > self._top() or self._out_of_time() or self.exact.cancelled

    # -- probes -----------------------------------------------------------

    def _probe(self, capacity: int, budget: float | None) -> Status:
        """One exact search at ``capacity`` with at most ``budget`` seconds;
        updates the bounds and the best solution."""
        left = self._left()
        if left is not None:
            budget = max(0.0, left if budget is None else min(budget, left))
        started = time.perf_counter()
        self.probing, self.budget = capacity, budget
        status, solution, stats = self.exact.solve(capacity, budget)
        self.probing = self.budget = None
        seconds = time.perf_counter() - started
        probe = Probe(capacity, status, seconds, budget)
        self.probes.append(probe)
        self.stats.append(stats)
        if solution is not None:
            if solution.height < self.hi:
                self.hi = solution.height
                self.best = solution
                self.method = "exact"
        elif status is Status.INFEASIBLE:
            if capacity + self.g > self.lo:
                self.lo, self.lo_method = capacity + self.g, "search"
        elif status is Status.UNDECIDED:  # no budget would make it a proof
            self.tried[capacity] = math.inf
        else:
            budget = math.inf if budget is None else budget
            self.tried[capacity] = max(self.tried.get(capacity, 0.0), budget)
        if self.on_probe is not None:
            self.on_probe(probe)
        return status

    def _fresh(self, capacity: int, budget: float | None) -> bool:
        """Whether ``capacity`` has not timed out yet with ``budget`` or more."""
        limit = math.inf if budget is None else budget
        return self.tried.get(capacity, 0.0) < limit

    def _round(self, budget: float | None) -> bool:
        """Bisection with per-probe ``budget``; time-outs move the probe up.

        A capacity that already timed out with this budget is replaced by the
        next fresh one above it (neighbouring capacities take very different
        times, so another one is as good a try).  Returns whether a bound
        moved.
        """
        before = (self.lo, self.hi)
        if self.capacity is not None and self.hi > self.capacity:
            within = self.capacity // self.g * self.g
            if within >= self.lo and self._fresh(within, budget):
                self._probe(within, budget)
        if not self._done() and self._fresh(self.lo, budget):
            self._probe(self.lo, budget)
        low = self.lo
        while not self._done():
            top = self._top()
            c = self._mid(max(low, self.lo), top)
            while c <= top and not self._fresh(c, budget):
                c += self.g
            if c > top:
                break
            if self._probe(c, budget) in (Status.TIMEOUT, Status.CANCELLED,
                                          Status.UNDECIDED):
                low = c + self.g  # nothing learnt: look higher up
            else:
                low = self.lo  # a bound moved: bisect the new interval
        return (self.lo, self.hi) != before

    def run(self) -> MinimizeResult:
        problem = self.problem
        _check_fixed(problem)
        self.g = granularity(problem)
        bound = _lower_bound(problem, self.limit)
        method = "load" if bound <= max_load(problem) else "moment"
        self.lo = self._ceil(bound)
        baseline = best_baseline(problem, self.capacity, self.limit, self.lo)
        if baseline is None:  # pragma: no cover - only when fixed buffers collide
            raise ProblemError("no baseline allocation is valid")
        self.best = baseline.solution
        self.hi = baseline.solution.height
        self.method = baseline.method
        if self.start is not None and self.start.height < self.hi:
            self.best, self.hi = self.start.solution, self.start.height
            self.method = self.start.method
        stacked = stacking_bound(problem, self.limit)[0]
        if stacked > bound:
            bound, method = stacked, "stacking"
        self.lo = self._ceil(bound)
        self.lo_method = method
        if not self._done():
            left = self._left()
            self._probe(self.lo, UNLIMITED_FIRST_PROBE if left is None
                        else left * LOWER_BOUND_SHARE)
        certificate = None
        if not self._done():
            # The whole problem is too hard to settle at the bound: a time
            # window of it may be small enough to prove a higher one.
            left = self._left()
            self.window_limit = Deadline(UNLIMITED_FIRST_PROBE if left is None
                                         else left * WINDOW_SHARE)
            if self.exact.cancelled:
                self.window_limit.cancel()
            found = window_bound(problem, self.window_limit, start_bound=self.lo,
                                 granularity=self.g, params=self.exact.params)
            certificate = found.certificate
            if certificate is not None and certificate.capacity + 1 > bound:
                bound, method = certificate.capacity + 1, "window"
                if found.bound > self.lo:
                    self.lo, self.lo_method = found.bound, "window"
        budget = UNLIMITED_FIRST_ROUND
        if not self._done() and self.deadline is not None:
            budget = max(self._left() * FIRST_ROUND_SHARE, MIN_PROBE_SECONDS)
        while not self._done():
            count = len(self.probes)
            moved = self._round(budget)
            if len(self.probes) == count and all(
                    seconds == math.inf for seconds in self.tried.values()):
                break  # every capacity left is undecided or out of reach
            if not moved:
                budget *= 2  # a round that learnt nothing: give probes more time
        lo = min(bound, self.hi)  # the bound itself is always a proof
        if self.lo > self._top() or self.lo > lo:
            # Failed searches (INFEASIBLE is a proof, see FeasibilitySearch) and the
            # granularity are proofs too: no multiple
            # of g is left in [self.lo, hi) if self.lo > top, and then the
            # best height is optimal.
            lo = self.hi if self.lo > self._top() else self.lo
            method = self.lo_method
        if method != "window":
            certificate = None
        return MinimizeResult(
            solution=self.best, height=self.hi, lower_bound=lo,
            proven_optimal=lo >= self.hi, gap=self.hi - lo, method=self.method,
            probes=tuple(self.probes), stats=sum_stats(self.stats),
            seconds=time.perf_counter() - self.started, capacity=self.capacity,
            baseline_method=baseline.method, baseline_height=baseline.solution.height,
            cancelled=self.exact.cancelled, bound_method=method, certificate=certificate,
        )
