"""solve(), the reference's minimise-capacity and IIS, and results.

The public functions check and convert, then call the numba kernel in
:mod:`minimalloc.search.kernel` on plain int64 arrays.  Time limits and
cancellation reach the running kernel through a one-element flag: a timer
thread sets it at the deadline, :meth:`Solver.cancel` sets it from anywhere.
The kernel releases the GIL, so both can run while it searches.

>>> from minimalloc import Buffer, Problem
>>> problem = Problem([Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 4)], capacity=8)
>>> result = solve(problem)
>>> result.status.name, result.solution.offsets
('OK', (0, 4))
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from minimalloc.aliases import fold
from minimalloc.baselines.best import Fallback, best_baseline
from minimalloc.deadline import Deadline
from minimalloc.errors import ProblemError
from minimalloc.model import Problem, Solution, check_capacity
from minimalloc.params import SolverParams, Status
from minimalloc.search import kernel as _search
from minimalloc.search.completeness import decide, incomplete_reason
from minimalloc.search.stats import PRUNE_RULES, RoundRecord, SearchStats, sum_stats
from minimalloc.search.sweep import (
    NO_WINDOW,
    BufferArrays,
    SweepResult,
    SweepStopped,
    count_overlaps,
    sweep,
)
from minimalloc.tuning import MAX_OVERLAP_PAIRS
from minimalloc.validate import check_answer

_STOP_CANCEL = 1
_STOP_TIMEOUT = 2
_STOP_SEARCH_SHARE = 3  # the search's share of the time is spent (see below)
#: Where the canonical search cannot prove "not found" (windowed gaps that
#: let buffers nest), it gets this share of the time left; the exact model
#: that decides such problems gets the rest.
SEARCH_SHARE = 0.5
_OUTCOME_NAMES = {
    _search.OK: "solved",
    _search.NOT_FOUND: "infeasible",
    _search.ABORTED: "node limit",
    _search.DEADLINE: "timeout",
}
_PRUNE_COUNTERS = dict(zip(PRUNE_RULES, (
    _search.PRUNE_CANONICAL, _search.PRUNE_DOMINANCE, _search.PRUNE_FIXED,
    _search.PRUNE_INFERENCE, _search.PRUNE_HATLESS,
)))


@dataclass(frozen=True)
class SolveResult:
    """The outcome of :func:`solve`.

    ``status`` says what the exact search concluded; ``solution`` is its answer
    (None unless OK).  ``stats`` counts what it did.  ``partition_of`` gives each
    buffer's partition (for colouring), ``placement_order`` the buffers in the
    order the search placed them in the solution (ascending offset, ties by
    the order they were placed).  ``trace`` holds recorded events when asked.
    """

    status: Status
    solution: Solution | None
    stats: SearchStats
    capacity: int | None = None
    fallback: Fallback | None = None
    partition_of: tuple[int, ...] | None = None
    placement_order: tuple[int, ...] | None = None
    trace: np.ndarray | None = field(default=None, repr=False)
    trace_truncated: bool = False
    #: Why a search that found nothing is no proof (with ``Status.UNDECIDED``),
    #: or why the exact search was not run at all (a problem too large for
    #: its memory: the answer, if any, is then the best baseline's).
    reason: str | None = None
    #: False when the exact search was not run (too large: ``reason`` says
    #: why, and a solution is the baseline's in ``fallback``).
    searched: bool = True

    @property
    def ok(self) -> bool:
        return self.status is Status.OK


class Solver:
    """A solver that can be cancelled and watched from another thread.

    >>> solver = Solver(SolverParams(timeout=5))
    >>> # in a worker thread: result = solver.solve(problem)
    >>> # elsewhere: solver.nodes_so_far, solver.elapsed, solver.cancel()
    """

    def __init__(self, params: SolverParams | None = None) -> None:
        self.params = params if params is not None else SolverParams()
        if not isinstance(self.params, SolverParams):
            raise ProblemError(
                f"expected SolverParams, got {type(self.params).__name__}"
            )
        self._control = np.zeros(2, dtype=np.int64)
        self._started: float | None = None
        # The deadlines handed to this solve's preparatory work (see
        # :meth:`_stop_flag`), cancelled with it.
        self._limits: list[Deadline] = []
        self._finished: float | None = None
        # Guards the stop flag against the races between cancel(), the timer
        # and the start and end of a solve.
        self._lock = threading.Lock()
        self._running = False
        self._solves = 0  # solves started so far
        self._pending_cancel = False  # cancelled before its first solve
        self._generation = 0  # which solve a timer belongs to

    def cancel(self) -> None:
        """Stop the solve in progress: it returns CANCELLED (with the best
        answer it has, for ``minimize_capacity``).

        A cancel applies only to the solve in progress; every later solve
        starts uncancelled.  A solve is in progress from the moment
        :meth:`solve` is called (its checks, the baselines and the sweep
        included) until it returns.  Between two solves a cancel does
        nothing: it cannot be told from a late cancel of the solve that just
        ended, and carrying it over would stop a solve nobody meant to stop.
        The one exception is a solver that has not solved anything yet: a
        cancel then stops its first solve at once, so a worker can hand out
        a fresh solver to be cancelled before it starts, without a race.
        Safe to call from any thread.
        """
        with self._lock:
            limits = list(self._limits) if self._running else []
            if self._running:
                self._control[_search.CONTROL_STOP] = _STOP_CANCEL
            elif self._solves == 0:
                self._pending_cancel = True
        for limit in limits:
            # The baselines' threads and the sweep of last resort watch
            # deadlines of their own: setting the shared flag alone does
            # not reach them, a cancel does.
            limit.cancel()

    @property
    def nodes_so_far(self) -> int:
        """Search nodes visited by the current solve (safe from any thread)."""
        return int(self._control[_search.CONTROL_NODES])

    @property
    def elapsed(self) -> float:
        """Seconds since the current solve started (0 before it starts)."""
        if self._started is None:
            return 0.0
        end = self._finished if self._finished is not None else time.perf_counter()
        return end - self._started

    #: The baseline computed for the current solve when ``fallback`` was
    #: asked for; set before the search starts (None until then).
    baseline: Fallback | None = None

    def solve(self, problem: Problem, *,
              fallback: bool | Callable[[Fallback], object] = False, trace: int = 0,
              capacity: int | None = None) -> SolveResult:
        """Solve ``problem`` (at ``capacity`` if given, else the problem's).

        Never raises for an infeasible problem or a timeout: the status says.

        Parameters
        ----------
        problem : Problem
            The buffers (and the capacity, unless ``capacity`` is given).
        fallback : bool or callable
            Compute the best baseline allocation too (see Notes).  A callable
            is called with it, as a :class:`Fallback`, before the search.
        trace : int
            Record up to this many search events (see ``_search.EV_*``).
        capacity : int, optional
            Solve at this capacity instead of the problem's: an integer
            (numpy integers too) from 1 to 2^61; anything else raises
            :class:`ProblemError`.

        Returns
        -------
        SolveResult

        Notes
        -----
        With ``fallback`` (True, or a callable), the lowest valid baseline
        allocation (every allocator of :mod:`minimalloc.baselines.allocators`) is
        computed *before* the search starts, within the time limit:

        * it is stored in :attr:`baseline` at once, so another thread can see
          ``solver.baseline.fits`` while the search runs;
        * if ``fallback`` is callable it is called with it before the search;
          a caller content with a baseline that fits can call :meth:`cancel`
          from there to skip the search (the status is then CANCELLED: the
          status always says what the exact search did);
        * it is attached to the result as ``result.fallback`` whatever the
          search did: after a timeout or a cancel it is the best answer there
          is; after a success ``result.fallback.fits`` says whether a baseline
          would have done.  ``Fallback.method`` names the allocator,
          ``Fallback.solution.height`` is its height.

        ``result.fallback`` stays None if no baseline is valid (fixed buffers
        that collide with each other).

        >>> from minimalloc import Buffer, Problem
        >>> p = Problem([Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 4)], capacity=8)
        >>> solver = Solver()
        >>> result = solver.solve(p, fallback=lambda baseline: solver.cancel())
        >>> result.status.name, result.fallback.method, result.fallback.fits
        ('CANCELLED', 'greedy_by_size', True)
        """
        if not isinstance(problem, Problem):
            raise ProblemError(f"expected a Problem, got {type(problem).__name__}")
        capacity = problem.capacity if capacity is None else check_capacity(capacity)
        if capacity is None:
            raise ProblemError("solve needs a capacity: give the problem one")
        if problem.has_aliases:  # each alias group is placed as one block
            folded = fold(problem)
            return folded.unfold_result(self.solve(
                folded.problem, fallback=fallback, trace=trace, capacity=capacity))
        timer = self._begin()
        try:
            if fallback:
                # Within the time limit: the timer and cancel() set this flag.
                self.baseline = best_baseline(problem, capacity, self._baseline_limit())
                if callable(fallback) and self.baseline is not None:
                    fallback(self.baseline)
            pairs = count_overlaps(problem)
            if pairs > MAX_OVERLAP_PAIRS:
                result = self._too_large(problem, capacity, pairs)
            elif self.params.minimize_capacity:
                result = self._minimize_capacity(problem, capacity, trace)
            else:
                result = self._solve_once(problem, capacity, trace)
        except SweepStopped:  # stopped before the search could start
            result = SolveResult(status=self._stop_status(), solution=None,
                                 stats=SearchStats(), capacity=capacity)
        finally:
            self._end(timer)
        if fallback:
            result = _with_fallback(result, self.baseline)
        return result

    def _too_large(self, problem: Problem, capacity: int, pairs: int) -> SolveResult:
        """The answer without the exact search, whose preparation lists every
        pair of buffers alive together: with more than
        :data:`~minimalloc.tuning.MAX_OVERLAP_PAIRS` it would need more memory
        than the buffers by far.  The best baseline (within the time limit)
        is the answer when it fits: OK, since it is a valid allocation within
        the capacity, though no proof of optimality; otherwise UNDECIDED
        (INFEASIBLE when buffers with fixed offsets collide, TIMEOUT or
        CANCELLED when the baselines were stopped).  ``reason`` says why."""
        if self.baseline is None:
            self.baseline = best_baseline(problem, capacity, self._baseline_limit())
        baseline = self.baseline
        reason = (f"{pairs:,} pairs of buffers are alive together, more than the "
                  f"exact search can hold in memory ({MAX_OVERLAP_PAIRS:,}): "
                  "it was not run")
        if baseline is not None and baseline.fits and baseline.complete:
            return SolveResult(Status.OK, baseline.solution, SearchStats(), capacity,
                               fallback=baseline, searched=False,
                               reason=f"{reason}; the answer is the {baseline.method} "
                                      "baseline's")
        status = Status.UNDECIDED
        if baseline is None:  # only when fixed buffers collide: none exists
            status = Status.INFEASIBLE
        elif self._control[_search.CONTROL_STOP]:
            # That deadline's timer sets the flag as a cancel would.
            timed_out = self.params.timeout is not None and \
                time.perf_counter() - self._started >= self.params.timeout
            status = Status.TIMEOUT if timed_out else self._stop_status()
        return SolveResult(status, None, SearchStats(), capacity, fallback=baseline,
                           reason=reason, searched=False)

    def _begin(self) -> threading.Timer | None:
        """Mark a solve as in progress, uncancelled unless a cancel came
        before this solver's first solve; start its timer."""
        with self._lock:
            self._running = True
            self._solves += 1
            self._generation += 1
            stop = _STOP_CANCEL if self._pending_cancel else 0
            self._pending_cancel = False
            self._control[_search.CONTROL_STOP] = stop
            self._control[_search.CONTROL_NODES] = 0
            self._started = time.perf_counter()
            self._finished = None
            self.baseline = None
            self._limits = []
            generation = self._generation
        timer = None
        if self.params.timeout is not None:  # None also for inf and huge limits
            timer = threading.Timer(self.params.timeout, self._time_out, (generation,))
            timer.daemon = True
            timer.start()
        return timer

    def _end(self, timer: threading.Timer | None) -> None:
        if timer is not None:
            timer.cancel()
        with self._lock:
            self._running = False
            self._finished = time.perf_counter()

    def _time_out(self, generation: int) -> None:
        # A timer that fires just as its solve ends must not stop the next one.
        with self._lock:
            if (self._running and generation == self._generation
                    and self._control[_search.CONTROL_STOP] == 0):
                self._control[_search.CONTROL_STOP] = _STOP_TIMEOUT

    def _stop_flag(self) -> Deadline:
        """The solver's stop flag (set by its timer and by :meth:`cancel`) as
        a :class:`Deadline` for the preparatory work."""
        stop = _search.CONTROL_STOP
        return Deadline(None, flag=self._control[stop:stop + 1])

    def _baseline_limit(self) -> Deadline:
        """The baselines' limit: the solve's time limit, cancelled with the
        solve.  Its flag is its own: a deadline that expires sets its flag
        to 1, which in the solver's control would read as a cancel; and the
        allocators racing on threads each watch a child deadline set from
        its time, which the solver's flag alone would not reach."""
        limit = Deadline(None)
        if self.params.timeout is not None and self._started is not None:
            limit.at = self._started + self.params.timeout
        with self._lock:
            self._limits.append(limit)
            stopped = self._control[_search.CONTROL_STOP]
        if stopped == _STOP_CANCEL:
            limit.cancel()
        elif stopped == _STOP_TIMEOUT:
            limit.flag[0] = 1  # the time is up already
        return limit

    def _stop_status(self) -> Status:
        stop = self._control[_search.CONTROL_STOP]
        return Status.CANCELLED if stop == _STOP_CANCEL else Status.TIMEOUT

    def _solve_once(self, problem: Problem, capacity: int, trace: int,
                    prepared: _Prepared | None = None) -> SolveResult:
        if prepared is None:
            prepared = _Prepared.build(problem, self._stop_flag().flag)
        started = time.perf_counter()
        share = self._search_share_timer(prepared)
        try:
            run = _run_kernel(prepared, capacity, self.params, self._control, trace)
        finally:
            if share is not None:
                share.cancel()
        search_seconds = time.perf_counter() - started
        outcome, offsets, counters, rounds, events = run
        status = {
            _search.OK: Status.OK,
            _search.NOT_FOUND: Status.INFEASIBLE,
        }.get(outcome, None)
        if status is None and self._resume_after_share():
            status = Status.INFEASIBLE  # nothing found in the search's share
        status = status or self._stop_status()
        reason = None
        if status is Status.INFEASIBLE and prepared.incomplete is not None:
            status, reason, offsets = self._decide(problem, capacity, prepared.incomplete)
        solution = None
        order = None
        if status is Status.OK:
            solution = Solution.from_offsets(problem, offsets.tolist())
            check_answer(problem, solution, capacity, source="solve", params=self.params)
            order = tuple(np.lexsort((np.arange(len(offsets)), offsets)).tolist())
        stats = _stats(counters, rounds, self.params, prepared, search_seconds)
        trace_array = None
        truncated = False
        if trace:
            wanted = int(counters[_search.TRACE_WANTED])
            trace_array = events[: min(wanted, trace)].copy()
            truncated = wanted > trace
        return SolveResult(
            status=status, solution=solution, stats=stats, capacity=capacity,
            partition_of=tuple(prepared.sweep.partition_of_buffers().tolist()),
            placement_order=order, trace=trace_array, trace_truncated=truncated,
            reason=reason,
        )

    def _search_share_timer(self, prepared: _Prepared) -> threading.Timer | None:
        """With a time limit, on a problem whose failed search proves
        nothing: a timer that stops the search after its share of the time
        left, so that the exact model has the rest."""
        if self.params.timeout is None or not prepared.windowed:
            return None
        left = self.params.timeout - (time.perf_counter() - self._started)
        generation = self._generation

        def stop_search() -> None:
            # Whether the search is incomplete is worked out only now, while
            # it runs (the kernel releases the GIL): a search that ends
            # sooner never pays for it.
            if prepared.incomplete is None:
                return
            with self._lock:
                if (self._running and generation == self._generation
                        and self._control[_search.CONTROL_STOP] == 0):
                    self._control[_search.CONTROL_STOP] = _STOP_SEARCH_SHARE

        timer = threading.Timer(max(left, 0.0) * SEARCH_SHARE, stop_search)
        timer.daemon = True
        timer.start()
        return timer

    def _resume_after_share(self) -> bool:
        """Whether the search stopped only because its share of the time was
        spent (the stop flag is then cleared for what follows)."""
        with self._lock:
            if self._control[_search.CONTROL_STOP] != _STOP_SEARCH_SHARE:
                return False
            self._control[_search.CONTROL_STOP] = 0
            return True

    def _decide(self, problem: Problem, capacity: int, incomplete: str
                ) -> tuple[Status, str | None, np.ndarray | None]:
        """The canonical search found nothing but cannot see every placement
        (``incomplete`` says why): decide with the exact model, within the
        time left.  Returns (status, reason, offsets)."""
        left = None
        if self.params.timeout is not None:
            left = self.params.timeout - (time.perf_counter() - self._started)
        stop = _search.CONTROL_STOP
        answer = decide(problem, capacity, self._control[stop:stop + 1], left)
        if answer.outcome == "found":
            return Status.OK, None, np.array(answer.offsets, dtype=np.int64)
        if answer.outcome == "none":
            return Status.INFEASIBLE, None, None
        if answer.outcome == "stopped":
            status = self._stop_status() if self._control[stop] else Status.TIMEOUT
            return status, f"{incomplete}; {answer.reason}", None
        return Status.UNDECIDED, f"{incomplete}; {answer.reason}", None

    def _minimize_capacity(self, problem: Problem, capacity: int,
                           trace: int) -> SolveResult:
        """The reference's binary search on the capacity between 0 and
        ``capacity``: after a success at ``mid``, the next upper bound is the
        height found minus one.  Counters add up over all probes."""
        prepared = _Prepared.build(problem, self._stop_flag().flag)
        lo, hi = 0, capacity
        best: SolveResult | None = None
        last: SolveResult | None = None
        totals: list[SolveResult] = []
        while lo <= hi:
            mid = (lo + hi) // 2
            last = self._solve_once(problem, mid, trace, prepared)
            totals.append(last)
            if last.status is Status.OK:
                best = last
                hi = last.solution.height - 1
            else:
                lo = mid + 1
        stats = sum_stats([r.stats for r in totals])
        if best is not None:
            return SolveResult(Status.OK, best.solution, stats, best.capacity,
                               partition_of=best.partition_of,
                               placement_order=best.placement_order)
        status = Status.INFEASIBLE
        if last is not None and last.status in (Status.TIMEOUT, Status.CANCELLED,
                                                Status.UNDECIDED):
            status = last.status
        return SolveResult(status, None, stats, capacity,
                           partition_of=last.partition_of if last else None,
                           reason=last.reason if last else None)


def solve(problem: Problem, params: SolverParams | None = None, *,
          fallback: bool = False, trace: int = 0) -> SolveResult:
    """Find offsets for every buffer within the problem's capacity.

    Explores exactly the reference MiniMalloc's search tree: same offsets,
    same backtrack count.  Returns a :class:`SolveResult`; never raises for
    an infeasible problem or a timeout.  To cancel from another thread, use a
    :class:`Solver` and call its ``cancel()``.

    Parameters
    ----------
    problem : Problem
        Buffers and the capacity (required here).
    params : SolverParams, optional
        Switches, heuristics, time limit; the reference's defaults if omitted.
    fallback : bool
        If the search gives no solution in time, attach the best baseline.
    trace : int
        Record up to this many search events in ``result.trace``.
    """
    return Solver(params).solve(problem, fallback=fallback, trace=trace)


def iis(problem: Problem, params: SolverParams | None = None) -> list[int]:
    """The reference's irreducible infeasible subset, by deletion filter.

    Drops each buffer in turn and keeps it out if the rest is still
    infeasible; returns the indices that remain (empty if the problem is
    feasible).  Raises :class:`TimeoutError` if ``params.timeout`` runs out.
    A rest the search leaves undecided (``Status.UNDECIDED``: windowed gaps)
    keeps the buffer in: the subset returned is always proven infeasible,
    though then perhaps not minimal.  Raises :class:`ProblemError` if the
    whole problem is undecided.
    """
    params = params if params is not None else SolverParams()
    deadline = None if params.timeout is None else time.perf_counter() + params.timeout
    include = [True] * len(problem.buffers)
    subset: list[int] = []
    whole = _probe(problem, params, deadline)
    if whole is Status.OK:
        return []
    if whole is Status.UNDECIDED:
        raise ProblemError("the search cannot decide whether this problem fits "
                           "(windowed gaps): no subset to give")
    if whole in (Status.TIMEOUT, Status.CANCELLED):
        raise TimeoutError("the time limit ran out while computing the subset")
    for index in range(len(problem.buffers)):
        include[index] = False
        kept = [i for i, keep in enumerate(include) if keep]
        status = _probe(problem.subset(kept), params, deadline)
        if status in (Status.TIMEOUT, Status.CANCELLED):
            raise TimeoutError("the time limit ran out while computing the subset")
        if status in (Status.OK, Status.UNDECIDED):
            include[index] = True
            subset.append(index)
    return subset


def _probe(problem: Problem, params: SolverParams, deadline: float | None) -> Status:
    if deadline is not None:
        left = max(deadline - time.perf_counter(), 0.0)
        params = _replace_params(params, timeout=left)
    return Solver(params).solve(problem).status


def _replace_params(params: SolverParams, **changes: object) -> SolverParams:
    from dataclasses import replace

    return replace(params, **changes)


# ---------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Prepared:
    """A problem packed for the kernel: sweep and per-buffer arrays."""

    arrays: BufferArrays
    sweep: SweepResult
    keys: np.ndarray
    sweep_seconds: float
    problem: Problem | None = None
    _reason: list = field(default_factory=list)  # the cached incomplete reason

    @classmethod
    def build(cls, problem: Problem, flag: np.ndarray | None = None) -> _Prepared:
        """Sweep ``problem``; raises :class:`SweepStopped` if ``flag`` is set
        meanwhile."""
        started = time.perf_counter()
        arrays = BufferArrays(problem.buffers)
        result = sweep(problem, arrays, flag)
        keys = _static_keys(arrays, result)
        return cls(arrays, result, keys, time.perf_counter() - started, problem)

    @property
    def windowed(self) -> bool:
        """Whether some gap has a window (only then can the search be
        incomplete)."""
        return bool(np.any(self.arrays.gap_wlo != NO_WINDOW))

    @property
    def incomplete(self) -> str | None:
        """Why the search cannot see every placement (None: "not found" is a
        proof).  Computed when first asked: only a search that found nothing
        needs it."""
        if not self._reason:
            self._reason.append(incomplete_reason(self.problem, self.sweep))
        return self._reason[0]


def _static_keys(arrays: BufferArrays, result: SweepResult) -> np.ndarray:
    """Preordering keys by column of ``_search.KEY_LETTERS`` (T filled later)."""
    n = len(arrays.size)
    keys = np.zeros((n, len(_search.KEY_LETTERS)), dtype=np.int64)
    width = arrays.upper - arrays.lower
    columns = {
        "A": _saturated_product(arrays.size, width),
        "C": result.last_section - result.first_section,
        "L": arrays.lower,
        "O": np.diff(result.overlap_ptr),
        "U": arrays.upper,
        "W": width,
        "Z": arrays.size,
    }
    for letter, values in columns.items():
        keys[:, _search.KEY_LETTERS.index(letter)] = values
    return keys


def _saturated_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a * b`` for non-negative int64 arrays, capped at the int64 maximum
    instead of wrapping (sizes and widths up to 2^61 multiply to more); only
    the order of the products matters to the preordering."""
    most = np.iinfo(np.int64).max
    fits = a <= most // np.maximum(b, 1)
    with np.errstate(over="ignore"):
        return np.where(fits, a * b, most)


def _encode_heuristics(heuristics: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    longest = max(len(h) for h in heuristics)
    table = np.full((len(heuristics), longest), -1, dtype=np.int64)
    lengths = np.zeros(len(heuristics), dtype=np.int64)
    for row, heuristic in enumerate(heuristics):
        for column, letter in enumerate(heuristic):
            table[row, column] = _search.KEY_LETTERS.index(letter)
        lengths[row] = len(heuristic)
    return table, lengths


def _flags(params: SolverParams, gapless: bool) -> np.ndarray:
    """The kernel's switches; ``QUICK_CHECK`` where the problem allows it
    (no gaps: see ``_search._offset_limit``)."""
    names = ("canonical_only", "section_inference", "dynamic_ordering",
             "check_dominance", "unallocated_floor", "static_preordering",
             "dynamic_decomposition", "monotonic_floor", "hatless_pruning")
    flags = [int(getattr(params, name)) for name in names]
    flags.append(int(gapless))
    return np.array(flags, dtype=np.int64)


def _run_kernel(prepared: _Prepared, capacity: int, params: SolverParams,
                control: np.ndarray, trace: int):
    arrays, result = prepared.arrays, prepared.sweep
    n = len(arrays.size)
    stats = np.zeros(_search.NUM_STATS, dtype=np.int64)
    rounds = np.zeros((64 * len(params.preordering_heuristics), 5), dtype=np.int64)
    events = np.zeros((trace, 4), dtype=np.int64) if trace else None
    if n == 0:
        return _search.OK, np.zeros(0, np.int64), stats, rounds[:0], events
    fixed = arrays.fixed
    min_offset = np.where(fixed >= 0, fixed, 0).astype(np.int64)
    offset, cuts = _place_empty_buffers(arrays, result)
    if np.any((offset >= 0) & (offset + arrays.size > capacity)):
        # a buffer that occupies nothing still has to fit below the capacity
        return _search.NOT_FOUND, offset, stats, rounds[:0], events
    state = (
        min_offset,
        offset,  # offset of each placed buffer, -1 if not
        offset.copy(),  # solution
        np.zeros(result.num_sections, dtype=np.int64),  # floor
        _section_totals(result),
        cuts,
    )
    table, lengths = _encode_heuristics(params.preordering_heuristics)
    sw = (result.section_ptr, result.section_buffers, result.span_ptr, result.span_lo,
          result.span_hi, result.span_wlo, result.span_whi, result.first_section,
          result.last_section, result.overlap_ptr, result.overlap_buffer,
          result.overlap_size)
    partitions = (result.partition_ptr, result.partition_buffers, result.partition_lo,
                  result.partition_hi)
    outcome, rows = _search.run(
        np.int64(capacity), _flags(params, len(arrays.gap_lo) == 0), table, lengths,
        len(params.preordering_heuristics) > 1,
        (arrays.size, arrays.alignment, fixed), prepared.keys, sw, partitions, state,
        stats, control, rounds, events)
    return outcome, state[2], stats, rounds[:rows], events


def _place_empty_buffers(arrays: BufferArrays,
                         result: SweepResult) -> tuple[np.ndarray, np.ndarray]:
    """Buffers of size 0, and those whose gaps cover their whole lifespan,
    occupy nothing: they start placed (at their fixed offset, else 0) and out
    of the cut counts, so the search never considers them.  (Left in, the
    reference's dominance rule would skip every candidate at a node where one
    of size 0 is unplaced: ``offset >= offset + 0``.)  Returns the initial
    offsets (-1: unplaced) and cuts."""
    empty = (arrays.size == 0) | (np.diff(result.span_ptr) == 0)
    offset = np.where(empty, np.maximum(arrays.fixed, 0), -1).astype(np.int64)
    cuts = result.cuts.copy()
    for b in np.flatnonzero(empty):
        first, last = result.first_section[b], result.last_section[b]
        # Only a buffer over two sections or more crosses a boundary: a
        # buffer with no span has ``first == last``, and a plain slice
        # ``cuts[first:last - 1]`` would then count from the end.
        if last - first >= 2:
            cuts[first:last - 1] -= 1
    return offset, cuts


def _section_totals(result: SweepResult) -> np.ndarray:
    """Sum of the extents of all buffers in each section (difference array)."""
    diff = np.zeros(result.num_sections + 1, dtype=np.int64)
    width = result.span_whi - result.span_wlo
    np.add.at(diff, result.span_lo, width)
    np.add.at(diff, result.span_hi, -width)
    return np.cumsum(diff)[:-1]


def _stats(counters: np.ndarray, rounds: np.ndarray, params: SolverParams,
           prepared: _Prepared, search_seconds: float) -> SearchStats:
    heuristics = params.preordering_heuristics
    records = tuple(
        RoundRecord(round=int(r[0]), heuristic=heuristics[int(r[1])],
                    node_limit=int(r[2]), nodes=int(r[3]),
                    outcome=_OUTCOME_NAMES[int(r[4])])
        for r in rounds
    )
    return SearchStats(
        nodes=int(counters[_search.NODES]),
        backtracks=int(counters[_search.BACKTRACKS]),
        prunes={rule: int(counters[i]) for rule, i in _PRUNE_COUNTERS.items()},
        decompositions=int(counters[_search.DECOMPOSITIONS]),
        max_depth=int(counters[_search.MAX_DEPTH]),
        placements=int(counters[_search.PLACEMENTS]),
        rounds=records,
        partitions=prepared.sweep.num_partitions,
        sections=prepared.sweep.num_sections,
        sweep_seconds=prepared.sweep_seconds,
        search_seconds=search_seconds,
    )


def _with_fallback(result: SolveResult, baseline: Fallback | None) -> SolveResult:
    """``result`` with ``baseline`` attached as its fallback (if there is one)."""
    from dataclasses import replace

    return result if baseline is None else replace(result, fallback=baseline)
