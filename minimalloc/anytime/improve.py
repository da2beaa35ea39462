"""The anytime optimiser for problems too big for the exact search.

The exact search (:mod:`minimalloc.search.solver`) builds the list of every pair of
buffers alive together; on a graph with 10^4-10^6 buffers that list alone
does not fit in memory, and no complete search would finish anyway.  The
:class:`Improver` starts from a valid allocation (the best baseline) and
lowers its height with the exact engine on *neighbourhoods*, the way large
neighbourhood search does for scheduling:

1. **Target.**  Pick a capacity ``c`` below the current height ``H``.  The
   buffers whose top (``offset + size``) is above ``c`` must all move down.
   *Ruin-and-recreate* moves (:mod:`minimalloc.anytime.ruin`) go first for a fraction
   of a second: a few dozen buffers around one above ``c`` are taken out and
   put back greedily, thousands of times a second, kept when fewer bytes
   stick out above ``c`` and nothing ends above ``H``.  The buffers still
   above ``c`` are grouped into *clusters*, the runs of them that overlap in
   time, for the exact steps.
2. **Neighbourhood.**  For one cluster, take a time window around it and
   *release* the buffers living inside that window or alive during the
   cluster with the highest tops (and every buffer of the window above
   ``c``): from a few dozen to several hundred, more on each retry
   (:data:`LADDER`).  Every other buffer keeps its offset.
3. **Sub-problem.**  The released buffers are re-packed in the *slab* from
   the lowest of their offsets up to ``c``.  Every other buffer alive at the
   same time as one of them and reaching into the slab is held at its
   offset there (a fixed offset, cut to the slab: nothing released may go
   outside it).  Only those can collide with a released buffer, so the
   sub-problem stays small whatever the size of the whole problem.
4. **Re-pack.**  The canonical search solves it at capacity ``c`` within a
   small time budget.  A success is checked with
   :func:`minimalloc.validate.validate` against every buffer alive with the
   released ones (their original sizes) and only then *accepted*: the
   allocation stays valid after every step.
5. **Schedule.**  If every cluster moves below ``c``, the height drops and
   the next target is twice as far down; if one cannot, the target halves
   towards ``H`` and that cluster gets a wider window, more released buffers
   and more time.  The steps that did succeed are kept (they lowered
   buffers without raising anything), so failed targets still make way for
   the next ones.

The optimiser never returns an allocation higher than the one it started
from, and stops at the time limit, on :meth:`Improver.cancel`, or when the
height reaches the lower bound it was given.

The two kinds of step need each other (``make bench --anytime``, random
traces, 60 s from the best baseline): the moves alone stall at 1.03 x LOAD
with 300 buffers alive at once, where dense spots need an exact re-packing;
the exact steps alone stall at 1.02 with 100 alive, where the spots above
the target are too many to fix one search at a time; together they reach
1.000-1.007 on three of the four traces.  :func:`minimalloc.analysis.minimize.minimize`
starts from :func:`minimalloc.anytime.peak_window.peak_window_start` instead, which
does better still.

Costs: each exact step is a few numpy passes over the buffers (``O(n)`` with
a small constant: time-overlap masks) plus a search on the sub-problem; a
move costs about the number of buffers it moves times their neighbours in
time; memory is ``O(n)`` plus the sub-problem's pairs.

>>> from minimalloc.generate.problems import perfect_packing
>>> from minimalloc.baselines.allocators import allocate
>>> problem = perfect_packing(60, seed=1, width=40, height=64).with_capacity(None)
>>> start = allocate(problem, "first_fit")
>>> improver = Improver(problem, start, lower_bound=64)
>>> improver.run(timeout=5).height <= start.height
True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from minimalloc.aliases import fold, refuse_aliases
from minimalloc.anytime.peak_first import peak_first_rank
from minimalloc.anytime.ruin import recreate_moves, scratch, time_index
from minimalloc.columns import buffer_columns
from minimalloc.model import Problem, Solution
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import Solver
from minimalloc.threads import thread_count
from minimalloc.tuning import LADDER as RUNGS
from minimalloc.tuning import MAX_RELEASED, MIN_RELEASED, RECREATE_MOVES, RECREATE_SECONDS
from minimalloc.validate import validate

__all__ = ["Improver", "Neighbourhood", "Runs", "Step", "improve"]


@dataclass(frozen=True)
class Neighbourhood:
    """How hard one attempt tries: how many buffers it releases, as a share
    of the number alive at an average moment; how far the time window
    reaches beyond the cluster on each side, in median lifespans; and the
    seconds the search gets."""

    released: float
    margin: float
    budget: float


#: The attempts on one cluster, from cheap to thorough (see
#: :data:`minimalloc.tuning.LADDER`).
LADDER: tuple[Neighbourhood, ...] = tuple(Neighbourhood(*rung) for rung in RUNGS)


@dataclass(frozen=True)
class Step:
    """One accepted re-packing: the released buffers' indices, their old and
    new offsets, the capacity they were re-packed under, and the whole
    allocation's height after the step."""

    released: tuple[int, ...]
    old_offsets: tuple[int, ...]
    new_offsets: tuple[int, ...]
    capacity: int
    height: int


class Improver:
    """Lowers a valid allocation by re-packing neighbourhoods exactly.

    Parameters
    ----------
    problem : Problem
        The buffers (the capacity is ignored: the improver only ever lowers
        the height).
    solution : Solution
        A valid allocation to start from (not checked here; use
        :func:`minimalloc.validate.validate`).
    lower_bound : int
        A proven lower bound on the height: the improver stops there.
    granularity : int
        Every height probed is a multiple of this (see
        :func:`minimalloc.analysis.minimize.granularity`); 1 is always safe.
    params : SolverParams, optional
        Switches and heuristics for the sub-problem searches (``timeout`` and
        ``minimize_capacity`` are ignored).
    on_step : callable, optional
        Called with each accepted :class:`Step` (after it is applied).
    seed : int
        Seed of the random choices (window jitter): the same arguments give
        the same steps when each search finishes within its budget.
    """

    def __init__(self, problem: Problem, solution: Solution, *, lower_bound: int = 0,
                 granularity: int = 1, params: SolverParams | None = None,
                 on_step: Callable[[Step], object] | None = None,
                 seed: int = 0) -> None:
        refuse_aliases(problem, "the Improver")
        self.problem = problem
        columns = buffer_columns(problem.buffers)  # read-only, shared
        self.lower, self.upper = columns.lower, columns.upper
        self.size, self.alignment = columns.size, columns.alignment
        self.offset = np.array(solution.offsets, dtype=np.int64)
        free = columns.fixed < 0
        # Empty buffers occupy nothing: at 0 they cannot set the height.
        self.offset[free & (self.size == 0)] = 0
        self.top = self.offset + self.size
        # Buffers the improver may move: not fixed by the problem, not empty.
        self.movable = free & (self.size > 0)
        widths = (self.upper - self.lower)[self.movable]
        self.typical_width = float(np.median(widths)) if len(widths) else 1.0
        span = int(self.upper.max() - self.lower.min()) if len(widths) else 1
        #: Buffers alive at an average moment (the sum of lifespans over the span).
        self.alive_at_once = float(widths.sum()) / max(span, 1) if len(widths) else 0.0
        self.g = max(1, int(granularity))
        self.lower_bound = int(lower_bound)
        base = params if params is not None else SolverParams()
        self.params = replace(base, timeout=None, minimize_capacity=False)
        self.on_step = on_step
        self.rng = np.random.default_rng(seed)
        self.steps = 0
        self.attempts = 0
        self._cancelled = False
        self._solver: Solver | None = None
        self._index = None  # the time index of the ruin-and-recreate moves
        self._work = None
        self._rank = None  # their order of re-insertion (peak_first's)

    # -- state ------------------------------------------------------------

    @property
    def height(self) -> int:
        """The current allocation's height."""
        return int(self.top.max()) if len(self.top) else 0

    def solution(self) -> Solution:
        """The current allocation (valid at every moment)."""
        return Solution(tuple(self.offset.tolist()), self.height)

    def cancel(self) -> None:
        """Stop :meth:`run` (from any thread): it returns the best so far."""
        self._cancelled = True
        solver = self._solver
        if solver is not None:
            solver.cancel()

    # -- the schedule -----------------------------------------------------

    def run(self, timeout: float | None = None, *,
            on_height: Callable[[int], object] | None = None,
            patience: float | None = None) -> Solution:
        """Improve until ``timeout`` seconds pass (None: until no target can
        be reached any more), the lower bound is reached, :meth:`cancel`, or
        ``patience`` seconds pass without a lower height.

        ``on_height`` is called with each new, lower height.  Returns the
        current (lowest) allocation.
        """
        deadline = None if timeout is None else time.perf_counter() + timeout
        floor = self._ceil(self.lower_bound)
        step = self._ceil(max(self.g, (self.height - floor) // 8))
        stuck = 0  # failed targets in a row one granule below the height
        lowest, lowered_at = self.height, time.perf_counter()
        while not self._stop(deadline):
            height = self.height
            if height <= floor:
                break
            if patience is not None and time.perf_counter() - lowered_at > patience:
                break
            target = max(floor, (height - step) // self.g * self.g)
            reached = self._lower_to(target, deadline, effort=min(stuck, len(LADDER) - 1))
            if self.height < lowest:  # also when only some clusters came down
                lowest, lowered_at = self.height, time.perf_counter()
                if on_height is not None:
                    on_height(lowest)
            if reached:
                stuck = 0
                step *= 2
            elif step > self.g:
                step = max(self.g, step // 2 // self.g * self.g)
            else:
                stuck += 1
                if deadline is None and stuck > 2 * len(LADDER):
                    break  # without a time limit: give up after the ladder's top
        return self.solution()

    def _ceil(self, value: int) -> int:
        return -(-value // self.g) * self.g

    def _stop(self, deadline: float | None) -> bool:
        return self._cancelled or (deadline is not None
                                   and time.perf_counter() >= deadline)

    def _lower_to(self, target: int, deadline: float | None, effort: int) -> bool:
        """Try to move every buffer above ``target`` below it; True if all
        moved.  Cheap ruin-and-recreate moves go first; then the exact steps
        take the clusters still above, in random order so that a cluster
        that cannot be lowered does not always stop the others."""
        if self.recreate(target, RECREATE_SECONDS, deadline):
            return True
        clusters = self.clusters(target)
        for k in self.rng.permutation(len(clusters)).tolist():
            lo, hi = clusters[k]
            if not np.any((self.top > target) & (self.lower < hi) & (self.upper > lo)):
                continue  # already lowered by a neighbouring cluster's step
            if not self._lower_cluster(lo, hi, target, deadline, effort):
                return False
        return self.height <= target

    def clusters(self, target: int) -> list[tuple[int, int]]:
        """The time spans ``[lo, hi)`` of the runs of buffers above
        ``target`` that overlap in time (in time order)."""
        above = np.flatnonzero(self.top > target)
        order = above[np.argsort(self.lower[above], kind="stable")]
        spans: list[tuple[int, int]] = []
        for lo, hi in zip(self.lower[order].tolist(), self.upper[order].tolist()):
            if spans and lo < spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], hi))
            else:
                spans.append((lo, hi))
        return spans

    def _lower_cluster(self, lo: int, hi: int, target: int,
                       deadline: float | None, effort: int) -> bool:
        """Climb the ladder from rung ``effort`` until the cluster is below
        ``target``."""
        for rank, rung in enumerate(LADDER[effort:], start=effort):
            if self._stop(deadline):
                return False
            # Jitter the window's reach on each side: a failed attempt
            # (often a proof that its sub-problem has no answer) is not
            # repeated as such.
            left, right = (int(np.ceil(rung.margin * (0.75 + 0.75 * self.rng.random())
                                       * self.typical_width)) for _ in range(2))
            budget = rung.budget
            if deadline is not None:
                budget = min(budget, max(0.0, deadline - time.perf_counter()))
            count = int(np.clip(rung.released * self.alive_at_once,
                                MIN_RELEASED << rank, MAX_RELEASED))
            if self.try_window(lo - left, hi + right, count, target, budget,
                               core=(lo, hi)):
                return True
        return False

    # -- ruin and recreate -------------------------------------------------

    def recreate(self, target: int, seconds: float,
                 deadline: float | None = None) -> bool:
        """Ruin-and-recreate moves (:mod:`minimalloc.anytime.ruin`) towards
        ``target`` for up to ``seconds`` (at least one call of
        :data:`RECREATE_MOVES` moves), never raising the height; the moved
        buffers are checked against their neighbours and applied as one
        :class:`Step`.  Returns whether the height is now at most ``target``."""
        if not self.movable.any():
            return False
        if self._index is None:
            self._index = time_index(self.lower, self.upper, int(self.typical_width))
            self._work = scratch(len(self.lower))
            self._rank = peak_first_rank(self.lower, self.upper, self.size)
        if not np.all(self.movable[self.top > target]):
            return False  # a buffer the problem fixes sticks out above target
        cap = self.height
        before = self.offset.copy()
        end = time.perf_counter() + seconds
        if deadline is not None:
            end = min(end, deadline)
        while not self._cancelled:  # at least one call
            seed = int(self.rng.integers(2**31))
            if recreate_moves(self.lower, self.upper, self.size, self.alignment,
                              self.movable, self.offset, self._index, self._work,
                              target, cap, RECREATE_MOVES, seed, self._rank) == 0:
                break
            if time.perf_counter() >= end:
                break
        moved = np.flatnonzero(self.offset != before)
        if not len(moved):
            return False
        new = self.offset[moved].copy()
        self.offset[moved] = before[moved]
        if not self._valid_after(moved, new, self._alive_with(moved)):
            return False  # pragma: no cover - the moves are valid by construction
        self._apply(moved, new, cap)
        return self.height <= target

    # -- one step ---------------------------------------------------------

    def try_window(self, lo: int, hi: int, count: int, capacity: int,
                   budget: float | None, core: tuple[int, int] | None = None) -> bool:
        """One neighbourhood step: release up to ``count`` buffers (every one
        alive in ``[lo, hi)`` above ``capacity``, then by highest top those
        living inside ``[lo, hi)`` or alive during ``core``), re-pack them
        below ``capacity`` around the others with the exact search in at
        most ``budget`` seconds, and apply the result if it validates.
        Returns whether it was applied.

        ``core`` is the span of the buffers to lower: releasing what lives
        across it too lets a long buffer there move (measured: 1.021 instead
        of 1.023 x LOAD on a 2 x 10^4-buffer trace in 50 s).
        """
        self.attempts += 1
        meets = (self.lower < hi) & (self.upper > lo)
        above = meets & (self.top > capacity)
        if not np.all(self.movable[above]):
            return False  # a buffer the problem fixes sticks out above capacity
        # Buffers that live beyond the window are held by the (fixed) buffers
        # out there: release those that live inside it, and those alive
        # during the core, by highest top.
        candidates = (self.lower >= lo) & (self.upper <= hi)
        if core is not None:
            candidates |= (self.lower < core[1]) & (self.upper > core[0])
        inside = np.flatnonzero(self.movable & candidates & ~above)
        ranked = inside[np.argsort(-self.top[inside], kind="stable")]
        must = np.flatnonzero(above)
        released = np.sort(np.concatenate([must, ranked[:max(0, count - len(must))]]))
        if not len(released):
            return False
        return self.repack(released, capacity, budget)

    def repack(self, released: np.ndarray, capacity: int,
               budget: float | None) -> bool:
        """Re-pack the buffers ``released`` (sorted indices) below
        ``capacity``, inside the slab from their lowest offset up, around
        every other buffer held where it is; apply the result if it
        validates.  Returns whether it was applied."""
        if np.any(self.size[released] > capacity):
            return False
        alive = self._alive_with(released)
        base = self._slab_floor(released)
        blocking = alive[(self.offset[alive] < capacity) & (self.top[alive] > base)]
        sub = self._subproblem(released, blocking, base, capacity)
        solver = Solver(replace(self.params, timeout=budget))
        self._solver = solver
        if self._cancelled:
            solver.cancel()
        result = solver.solve(sub, capacity=capacity - base)
        self._solver = None
        if result.status is not Status.OK:
            return False
        new = base + np.array(result.solution.offsets[:len(released)], dtype=np.int64)
        if not self._valid_after(released, new, alive):
            return False  # pragma: no cover - the search's answers validate
        self._apply(released, new, capacity)
        return True

    def _alive_with(self, released: np.ndarray) -> np.ndarray:
        """The buffers other than ``released`` whose lifespans meet one of
        theirs (size 0 buffers occupy nothing and are left out)."""
        lows = self.lower[released]
        highs = self.upper[released]
        order = np.argsort(lows, kind="stable")
        mask = np.zeros(len(self.lower), dtype=bool)
        start, end = int(lows[order[0]]), int(highs[order[0]])
        for k in order[1:].tolist():  # merged spans: a handful of masks
            if lows[k] <= end:
                end = max(end, int(highs[k]))
            else:
                mask |= (self.lower < end) & (self.upper > start)
                start, end = int(lows[k]), int(highs[k])
        mask |= (self.lower < end) & (self.upper > start)
        mask[released] = False
        mask &= self.size > 0
        return np.flatnonzero(mask)

    def _slab_floor(self, released: np.ndarray) -> int:
        """The bottom of the slab the released buffers are re-packed in: the
        lowest of their offsets, rounded down to a multiple of their
        alignments (so that shifting the slab to 0 keeps them aligned)."""
        step = int(np.lcm.reduce([self.problem.buffers[i].alignment
                                  for i in released.tolist()]))
        return int(self.offset[released].min()) // step * step

    def _subproblem(self, released: np.ndarray, blocking: np.ndarray,
                    base: int, capacity: int) -> Problem:
        """The slab ``[base, capacity)`` shifted down to 0: the released
        buffers free (first, in index order), then the blocking ones at
        their offsets, cut to the slab."""
        buffers = self.problem.buffers
        free = [replace(buffers[i], offset=None) for i in released.tolist()]
        held = []
        for i in blocking.tolist():
            b = buffers[i]
            start = max(int(self.offset[i]), base)
            stop = min(int(self.top[i]), capacity)
            if start == self.offset[i] and stop == self.top[i]:
                held.append(replace(b, offset=start - base, alignment=1))
            else:
                # Only the part inside the slab matters; a cut buffer is
                # taken as active all its life (its gaps dropped), which can
                # only forbid more.
                held.append(replace(b, size=stop - start, offset=start - base,
                                    alignment=1, gaps=()))
        return Problem(tuple(free + held))

    def _valid_after(self, released: np.ndarray, new: np.ndarray,
                     alive: np.ndarray) -> bool:
        """Whether the released buffers at ``new`` collide with nothing: a
        validation of them with every buffer alive at the same time, at
        their real sizes (no other pair changes)."""
        indices = np.concatenate([released, alive]).tolist()
        offsets = np.concatenate([new, self.offset[alive]]).tolist()
        buffers = self.problem.buffers
        check = Problem(tuple(buffers[i] for i in indices))
        return validate(check, Solution.from_offsets(check, offsets)).ok

    def _apply(self, released: np.ndarray, new: np.ndarray, capacity: int) -> None:
        old = self.offset[released].copy()
        self.offset[released] = new
        self.top[released] = new + self.size[released]
        self.steps += 1
        if self.on_step is not None:
            self.on_step(Step(tuple(released.tolist()), tuple(old.tolist()),
                              tuple(new.tolist()), capacity, self.height))


class Runs:
    """Runs of the :class:`Improver` from one start on several threads, the
    lowest allocation of all of them kept.

    Each thread starts a run, and when a run has found nothing lower for
    ``patience`` seconds it starts another from the same allocation with
    other random choices (run ``k`` of thread ``w`` has seed
    ``k * threads + w``).  The runs' searches and moves release the GIL, so
    two threads on two cores make about twice the steps of one (measured on
    a 2 x 10^4-buffer random trace: 218 exact steps in 40 s against 117),
    and the best of two runs is lower on average than one run: a single
    run's end varies by up to 1 % of the height on such traces.

    Parameters
    ----------
    problem, start, lower_bound, granularity, params
        As for :class:`Improver`; ``start`` is where every run begins.
    best : Solution, optional
        The allocation to beat (``start`` by default; it may be higher).
    threads : int, optional
        :func:`minimalloc.threads.thread_count` by default.
    patience : float, optional
        Seconds without a lower height before a run is started again
        (None: one run per thread, until no target can be reached).
    """

    def __init__(self, problem: Problem, start: Solution, *, lower_bound: int = 0,
                 granularity: int = 1, params: SolverParams | None = None,
                 best: Solution | None = None, threads: int | None = None,
                 patience: float | None = None) -> None:
        refuse_aliases(problem, "the Improver")
        self.problem = problem
        self.start = start
        self.lower_bound = int(lower_bound)
        self.granularity = granularity
        self.params = params
        self.best = best if best is not None and best.height < start.height else start
        self.threads = max(1, threads if threads is not None else thread_count())
        self.patience = patience
        self.runs = 0  #: runs started so far
        self._lock = threading.Lock()
        self._running: set[Improver] = set()
        self._cancelled = False
        self._error: BaseException | None = None

    def cancel(self) -> None:
        """Stop every run (from any thread): :meth:`run` returns the best so far."""
        with self._lock:
            self._cancelled = True
            running = list(self._running)
        for improver in running:
            improver.cancel()

    def run(self, timeout: float | None = None, *,
            on_best: Callable[[Solution], object] | None = None,
            poll: float = 0.1) -> Solution:
        """Run until ``timeout`` seconds pass, the lower bound is reached, or
        :meth:`cancel`; returns the lowest allocation.  ``on_best`` is called
        on the calling thread (within ``poll`` seconds) with each lower one."""
        deadline = None if timeout is None else time.perf_counter() + timeout
        workers = [threading.Thread(target=self._work, args=(w, deadline),
                                    name=f"minimalloc-improve-{w}", daemon=True)
                   for w in range(self.threads)]
        reported = self.best.height
        try:
            for worker in workers:
                worker.start()
            alive = workers
            while alive:
                alive[0].join(poll)
                alive = [worker for worker in alive if worker.is_alive()]
                reported = self._report(reported, on_best)
        except BaseException:  # Ctrl-C while waiting: stop the threads first
            self.cancel()
            for worker in workers:
                worker.join()
            raise
        self._report(reported, on_best)
        if self._error is not None:
            raise self._error
        return self.best

    def _report(self, reported: int, on_best: Callable[[Solution], object] | None) -> int:
        best = self.best
        if best.height < reported and on_best is not None:
            on_best(best)
        return min(reported, best.height)

    def _work(self, worker: int, deadline: float | None) -> None:
        try:
            seed = worker
            while not self._done(deadline):
                self._one_run(seed, deadline)
                seed += self.threads
                if deadline is None:
                    break  # without a time limit, a run ends when it is stuck
        except BaseException as error:  # pragma: no cover - re-raised by run()
            self._error = error
            self.cancel()

    def _done(self, deadline: float | None) -> bool:
        return (self._cancelled or self.best.height <= self.lower_bound
                or (deadline is not None and time.perf_counter() >= deadline))

    def _one_run(self, seed: int, deadline: float | None) -> None:
        improver = Improver(self.problem, self.start, lower_bound=self.lower_bound,
                            granularity=self.granularity, params=self.params, seed=seed)
        with self._lock:
            if self._cancelled:
                return
            self._running.add(improver)
            self.runs += 1

        def offer(height: int) -> None:
            with self._lock:
                if height < self.best.height:
                    self.best = improver.solution()
                    if height <= self.lower_bound:  # the others cannot beat it
                        for other in self._running:
                            other.cancel()

        try:
            left = None if deadline is None else max(0.0, deadline - time.perf_counter())
            improver.run(left, on_height=offer, patience=self.patience)
        finally:
            with self._lock:
                self._running.discard(improver)


def improve(problem: Problem, solution: Solution, timeout: float | None = 10.0, *,
            lower_bound: int = 0, granularity: int = 1,
            params: SolverParams | None = None) -> Solution:
    """A valid allocation no higher than ``solution``, found within
    ``timeout`` seconds by :class:`Improver`.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem, Solution
    >>> p = Problem((Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 4), Buffer("c", 3, 5, 4)))
    >>> improve(p, Solution((0, 4, 8), 12), timeout=5, lower_bound=8).height
    8
    """
    if problem.has_aliases:  # each alias group moves as one block
        folded = fold(problem)
        roots = [members[0] for members in folded.members]
        start = Solution.from_offsets(folded.problem,
                                      [solution.offsets[r] for r in roots])
        return folded.unfold(improve(folded.problem, start, timeout,
                                     lower_bound=lower_bound, granularity=granularity,
                                     params=params))
    return Improver(problem, solution, lower_bound=lower_bound,
                    granularity=granularity, params=params).run(timeout)
