"""One pool of a spill plan filled: which blocks stay, where, and the proof.

:mod:`minimalloc.analysis.spill` fills the pools cheapest first; for each
bounded one a :class:`PoolStep` chooses the blocks that stay and their
offsets, at the least weight moved out it can find, and the proven bound on
that weight.  In turn:

0. the cheapest cover's bound (the moves below stop when a plan meets it);
1. the *fallback plan*: the greedy cover's blocks, their lowest baseline
   allocation cut to the capacity, moved blocks put back where they fit;
2. the *cut plan*: every block that may stay packed as low as it goes
   (:func:`~minimalloc.analysis.minimize.minimize`), then its best window or
   band of the capacity's height (:func:`~minimalloc.analysis.spill_moves.cut_to_fit`),
   improved by ruin-and-recreate moves (:mod:`minimalloc.anytime.spill_ruin`);
3. the *covers*: the cheapest cover's blocks packed exactly, a stretch of
   time at a time; a stretch proven not to pack becomes a cut for the next
   cover (logic-based Benders decomposition), one that ran out of time
   tries covers at a capacity a little below (:data:`SLACK_LADDER`) and is
   mended with :func:`minimize`;
4. the moves again on the best plan, with the time kept for them
   (:data:`POLISH_SHARE`), unless it is proven cheapest.
"""

from __future__ import annotations

import time
from typing import Protocol

from minimalloc.analysis.covering import Covering
from minimalloc.analysis.minimize import Minimizer
from minimalloc.analysis.spill_moves import best_window, cut_to_fit, refill, stretches
from minimalloc.anytime.spill_ruin import reduce_spill
from minimalloc.baselines.best import best_baseline
from minimalloc.model import Problem
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import SolveResult
from minimalloc.tuning import (
    COVER_SHARE,
    CUT_SHARE,
    MEND_SHARE,
    PACK_SHARE,
    POLISH_SHARE,
    RUIN_SHARE,
    SLACK_LADDER,
    SLACK_SHARE,
    START_SECONDS,
)

__all__ = ["COVER_SHARE", "Planner", "PoolStep"]


class Planner(Protocol):
    """What a step needs of the planner running it."""

    params: SolverParams
    covers: int
    searches: int

    def stopped(self) -> bool: ...

    def running(self, work: object | None) -> None: ...

    def search(self, problem: Problem, seconds: float | None) -> SolveResult: ...

    def report(self, pool: str, moved: int | None, bound: int) -> None: ...


class PoolStep:
    """One pool filled from a set of blocks: covers, packing, cuts."""

    def __init__(self, planner: Planner, problem: Problem, capacity: int,
                 weights: list[int], keep: list[int], remove: list[int],
                 until: float | None) -> None:
        self.planner = planner
        self.problem = problem
        self.capacity = capacity
        self.weights = weights
        self.keep = set(keep)
        self.until = until
        self.cover = Covering(problem, capacity, weights, keep, remove)
        self._covering_args = (keep, remove)
        self.slack_tried = False
        self.bound = 0
        self.method = ""
        self.proven_infeasible = False
        self.undecided = False  # the last packing ran out of time
        self.packed: dict[frozenset[int], list[int] | None | bool] = {}
        self.pool = ""  # the pool's name, for progress

    def _left(self) -> float | None:
        if self.planner.stopped():
            return 0.0
        return None if self.until is None else max(self.until - time.perf_counter(), 0.0)

    def _report(self, best: tuple | None) -> None:
        self.planner.report(self.pool, None if best is None else best[0], self.bound)

    def run(self) -> tuple[list[int], list[int]] | None:
        """The kept blocks and their offsets (None if nothing fits)."""
        best = self._fallback_plan(self.cover._solve_greedy().removed)
        self._report(best)
        self._first_bound()
        best = self._cut_plan(best)
        self._report(best)
        best = self._polish(best, RUIN_SHARE, START_SECONDS)
        self._report(best)
        final = self.until
        if final is not None:  # time kept for the moves on the best plan
            self.until = final - (final - time.perf_counter()) * POLISH_SHARE
        best = self._covers(best)
        self.until = final
        if not self._proven(best):
            best = self._polish(best, 1.0, None)
        if best is not None and self.cover.all_cuts_proven and self.bound > best[0]:
            self.bound = best[0]  # pragma: no cover - a proven bound never passes a plan
        return None if best is None else (best[1], best[2])

    def _covers(self, best: tuple | None) -> tuple | None:
        """``best``, or a cheaper plan from the cheapest covers, their
        packings and cuts, until proven or out of time."""
        while True:
            left = self._left()
            if left is not None and left <= 0:
                break
            self.planner.running(self.cover)
            try:
                answer = self.cover.solve(None if left is None else
                                          left * COVER_SHARE * 2)
            finally:
                self.planner.running(None)
            self.planner.covers += 1
            if self.cover.all_cuts_proven and answer.bound >= self.bound:
                self.bound, self.method = answer.bound, answer.method
            if answer.removed is None:
                if self.cover.all_cuts_proven and best is None and not self.cover.cuts:
                    self.proven_infeasible = True
                break
            if best is not None and answer.value >= best[0]:
                break
            self._report(best)
            kept = [k for k in range(len(self.weights)) if k not in answer.removed]
            offsets = self._pack(kept)
            if offsets is None:
                if self.undecided and not self.slack_tried:
                    best = self._slack(best)
                if self.undecided:  # no proof: mend this cover instead
                    best = self._better(best, kept)
            else:
                best = (answer.value, kept, offsets)
                if answer.optimal and self.cover.all_cuts_proven:
                    break
            self._report(best)
        return best

    def _first_bound(self) -> None:
        """The cheapest cover's proven bound, for the moves to stop at."""
        left = self._left()
        self.planner.running(self.cover)
        try:
            answer = self.cover.solve(None if left is None else left * COVER_SHARE)
        finally:
            self.planner.running(None)
        self.planner.covers += 1
        self.bound, self.method = answer.bound, answer.method

    def _proven(self, best: tuple | None) -> bool:
        return (best is not None and self.cover.all_cuts_proven
                and best[0] <= self.bound)

    def _seconds(self, share: float, most: float | None = START_SECONDS) -> float:
        """``share`` of the step's time left, at most ``most`` seconds (those
        without a limit)."""
        left = self._left()
        if left is None:
            return START_SECONDS
        return left * share if most is None else min(left * share, most)

    def _cut_plan(self, best: tuple | None) -> tuple | None:
        """``best``, or the plan cut from the lowest packing of every block
        that may stay (:func:`cut_to_fit`), if cheaper."""
        free = [k for k in range(len(self.weights)) if k not in self.cover.remove]
        if not free or self._proven(best):
            return best
        sub = self.problem.subset(free).with_capacity(None)
        minimizer = Minimizer(self.planner.params)
        self.planner.running(minimizer)
        try:
            placed = minimizer.minimize(sub, max(self._seconds(CUT_SHARE), 0.01))
        finally:
            self.planner.running(None)
        offsets = cut_to_fit(self.problem, self.capacity,
                             dict(zip(free, placed.solution.offsets)), self.weights,
                             self.keep, self.cover.remove)
        if offsets is None:
            return best
        found = self._as_plan(offsets)
        return found if best is None or found[0] < best[0] else best

    def _polish(self, best: tuple | None, share: float,
                most: float | None) -> tuple | None:
        """``best`` after ruin-and-recreate moves for ``share`` of the time
        left, at most ``most`` seconds (:func:`reduce_spill`), until it
        reaches the proven bound."""
        seconds = self._seconds(share, most)
        if best is None or seconds <= 0 or self._proven(best):
            return best
        goal = self.bound if self.cover.all_cuts_proven else 0
        offsets = reduce_spill(self.problem, self.capacity, self.weights,
                               dict(zip(best[1], best[2])), must=self.keep,
                               elsewhere=self.cover.remove, seconds=seconds, goal=goal,
                               stop=self.planner.stopped)
        found = self._as_plan(offsets)
        return found if found[0] < best[0] else best

    def _as_plan(self, offsets: dict[int, int]) -> tuple:
        """A plan as the step keeps it: (weight out, kept blocks, offsets)."""
        stays = sorted(offsets)
        value = sum(w for k, w in enumerate(self.weights) if k not in offsets)
        return value, stays, [offsets[k] for k in stays]

    def _pack(self, kept: list[int]) -> list[int] | None:
        """Offsets for ``kept`` within the capacity, one independent stretch
        of time at a time; a stretch that does not pack becomes a cut."""
        offsets = {}
        for part in stretches(self.problem, kept):
            key = frozenset(part)
            if key not in self.packed:
                self.packed[key] = self._pack_part(part)
            found = self.packed[key]
            if not isinstance(found, list):
                self.undecided = found is None
                self.cover.add_cut(part, proven=not self.undecided)
                return None
            offsets.update(zip(part, found))
        return [offsets[k] for k in kept]

    def _pack_part(self, part: list[int]) -> list[int] | None | bool:
        """Offsets for one stretch; False if proven not to pack, None if the
        search ran out of time."""
        sub = self.problem.subset(part).with_capacity(self.capacity)
        baseline = best_baseline(sub.with_capacity(None), self.capacity)
        if baseline is not None and baseline.fits:
            return list(baseline.solution.offsets)
        left = self._left()
        seconds = None if left is None else max(left * PACK_SHARE, 0.01)
        result = self.planner.search(sub, seconds)
        self.planner.searches += 1
        if result.solution is not None:
            return list(result.solution.offsets)
        return False if result.status is Status.INFEASIBLE else None

    def _fallback_plan(self, removed: frozenset[int] | None,
                       seconds: float | None = 0.0) -> tuple | None:
        """A plan that always fits: an allocation of the blocks ``removed``
        leaves (the lowest baseline, or :func:`minimize`'s within ``seconds``
        when that is more than 0), cut to the best window of ``capacity``
        addresses (those outside move out too, unless they must stay: then
        None), then as many moved blocks put back into holes as fit."""
        if removed is None:
            return None
        kept = [k for k in range(len(self.weights)) if k not in removed]
        sizes = [b.size for b in self.problem.buffers]
        offsets: dict[int, int] = {}
        if kept:
            sub = self.problem.subset(kept).with_capacity(self.capacity)
            if seconds == 0:
                found = best_baseline(sub.with_capacity(None), None)
                placed = None if found is None else found.solution.offsets
            else:
                minimizer = Minimizer(self.planner.params)
                self.planner.running(minimizer)
                try:
                    placed = minimizer.minimize(sub, seconds).solution.offsets
                finally:
                    self.planner.running(None)
            if placed is None:
                return None
            buffers = self.problem.buffers
            offsets = best_window(dict(zip(kept, placed)), sizes,
                              [b.alignment for b in buffers], self.capacity, self.keep,
                              {k for k, b in enumerate(buffers) if b.offset is not None})
            if offsets is None:
                return None
        return self._as_plan(refill(self.problem, self.capacity, offsets, self.weights,
                                    self.cover.remove))

    def _slack(self, best: tuple | None) -> tuple | None:
        """``best``, or a plan from a cover at a capacity a little below the
        pool's (:data:`SLACK_LADDER`, the first that packs in time), if
        cheaper.  Plans only: the bound stays the tight cover's."""
        self.slack_tried = True
        keep, remove = self._covering_args
        for share in SLACK_LADDER:
            left = self._left()
            if left is not None and left <= 0:
                break
            cover = Covering(self.problem, int(self.capacity * (1 - share)),
                             self.weights, keep, remove)
            self.planner.running(cover)
            try:
                answer = cover.solve(None if left is None else left * SLACK_SHARE)
            finally:
                self.planner.running(None)
            self.planner.covers += 1
            if answer.removed is None or (best is not None and answer.value >= best[0]):
                break  # more held back moves more: no cheaper plan up the ladder
            kept = [k for k in range(len(self.weights)) if k not in answer.removed]
            left = self._left()
            found = self._search_pack(kept, None if left is None else left * SLACK_SHARE)
            if found is not None:
                plan = self._as_plan(refill(self.problem, self.capacity,
                                            dict(zip(kept, found)), self.weights,
                                            self.cover.remove))
                self._report(plan)
                return plan
        return best

    def _search_pack(self, kept: list[int], seconds: float | None) -> list[int] | None:
        """Offsets for ``kept`` within the capacity (None if not found in
        ``seconds``), one stretch at a time; no cut is learnt."""
        offsets = {}
        for part in stretches(self.problem, kept):
            sub = self.problem.subset(part).with_capacity(self.capacity)
            baseline = best_baseline(sub.with_capacity(None), self.capacity)
            if baseline is not None and baseline.fits:
                offsets.update(zip(part, baseline.solution.offsets))
                continue
            result = self.planner.search(sub, None if seconds is None
                                         else max(seconds, 0.01))
            self.planner.searches += 1
            if result.solution is None:
                return None
            offsets.update(zip(part, result.solution.offsets))
        return [offsets[k] for k in kept]

    def _better(self, best: tuple | None, kept: list[int]) -> tuple | None:
        """``best``, or the fallback plan built from ``kept`` if cheaper."""
        removed = frozenset(range(len(self.weights))) - set(kept)
        left = self._left()
        found = self._fallback_plan(removed, None if left is None else left * MEND_SHARE)
        if found is not None and (best is None or found[0] < best[0]):
            return found
        return best
