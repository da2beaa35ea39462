"""Why a problem does not fit its capacity, in terms a person can act on.

:func:`explain` answers, within a time limit:

* **Overloaded moments.**  If more bytes are live at some moment than the
  capacity holds (the LOAD exceeds it), no allocation can fit: it lists those
  time intervals and the buffers live in each.
* **A minimal infeasible subset.**  Otherwise the trouble is fragmentation,
  and it finds a set of buffers that cannot be packed together although
  every smaller part of it can: removing any one buffer makes the rest fit.
  Those are the buffers to shrink, split or reschedule.
* **The capacity that would do.**  The smallest capacity the whole problem
  fits in (:func:`minimalloc.analysis.minimize.minimize`), and the smallest for the
  subset.
* **The way out.**  The cheapest set of buffers to move to a second memory
  so that the rest fits (:func:`minimalloc.analysis.spill.spill`), and
  whether any plan moves less: ``way_out``, in the last fifth of the time.

Finding the subset faster than the reference's one-by-one deletion filter
(:func:`minimalloc.search.solver.iis`, one search per buffer):

1. **Partitions.**  Buffers that never live at the same time as the rest
   form independent partitions (:mod:`minimalloc.search.sweep`); a problem is
   infeasible exactly when one of its partitions is, so the subset is looked
   for inside one partition that fails on its own.  Partitions whose lower
   bound exceeds the capacity are taken first (no search needed).
2. **Divide and conquer.**  QuickXplain (Junker, AAAI 2004) finds a minimal
   subset of ``n`` candidates with ``O(k log(n / k))`` feasibility checks for
   a subset of ``k`` buffers, instead of ``n``.
3. **Cheap checks first.**  A candidate set whose lower bound
   (:func:`minimalloc.bounds.lower_bound`) exceeds the capacity is
   infeasible without a search; one that a baseline allocation packs within
   the capacity is feasible without a search.  Answers are remembered.

A search that runs out of time counts as "fits" (the safe side: the set
returned is still proven not to fit), and the subset is then re-checked one
buffer at a time with the time left; ``subset_minimal`` says whether every
buffer was proven necessary.

Buffers of size 0 occupy nothing and are never part of a subset.  "Does not
fit" is always proven: where windowed gaps let buffers nest in a way the
search cannot see (:mod:`minimalloc.search.completeness`), a failed search counts
as unknown, never as a proof.

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("a", 0, 2, 5, alignment=8), Buffer("b", 0, 2, 1, alignment=8),
...              Buffer("c", 1, 3, 1, alignment=8), Buffer("d", 3, 5, 6)), capacity=16)
>>> e = explain(p, timeout=10)
>>> e.feasible, e.load, e.overloaded, e.subset, e.subset_minimal, e.min_capacity
(False, 7, (), (0, 1, 2), True, 17)
>>> print(e.message())  # doctest: +NORMALIZE_WHITESPACE
It does not fit, although at most 7 bytes are live at any moment (within the
capacity 16): the buffers cannot be placed without unusable space between them
(fragmentation). These 3 buffers alone cannot be packed in 16 (all alive from
time 1 to 2, where their alignments leave holes between them): 'a', 'b', 'c'. ...
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from minimalloc.analysis.minimize import MinimizeResult, minimize, stacking_bound
from minimalloc.analysis.spill import SpillPlan, spill
from minimalloc.baselines.best import best_baseline, fixed_collision
from minimalloc.bounds import (
    load_profile,
    lower_bound,
    max_load,
    moments,
    overloaded,
    peak_times,
)
from minimalloc.columns import buffer_columns
from minimalloc.deadline import Deadline
from minimalloc.errors import ProblemError
from minimalloc.model import Problem, Solution
from minimalloc.params import SolverParams, Status, check_timeout
from minimalloc.search.feasibility import FeasibilitySearch
from minimalloc.tuning import (
    CHECK_SHARE,
    DECIDE_SHARE,
    FIRST_BUDGET,
    NAMED,
    PARTITION_SHARE,
    SUBSET_SHARE,
    WAY_OUT_SHARE,
)
from minimalloc.validate import ValidationCode, check_answer

__all__ = ["Explanation", "explain"]


@dataclass(frozen=True)
class Explanation:
    """What :func:`explain` found.

    Attributes
    ----------
    feasible : bool or None
        True if the buffers fit the capacity (``solution`` is an allocation
        that does), False if proven not to, None if not decided in time.
    capacity : int
        The capacity explained.
    load : int
        The most bytes live at any one moment (LOAD).
    lower_bound : int
        :func:`minimalloc.bounds.lower_bound` of the problem.
    overloaded : tuple of (int, int, tuple of int)
        When ``load > capacity``: the maximal time intervals ``[t0, t1)``
        where more than ``capacity`` bytes are live, each with the indices of
        the buffers live then.  Empty otherwise.
    subset : tuple of int or None
        Indices of buffers that cannot be packed together within the
        capacity (when the LOAD fits but the problem does not).
    subset_minimal : bool
        Whether removing any one buffer of ``subset`` was proven to make the
        rest fit.
    subset_min_capacity : int or None
        The smallest capacity the subset fits in (None if not proven in time).
    together : tuple of (int, int) or None
        A stretch ``[t0, t1)`` of time when every buffer of ``subset`` is
        alive (gaps aside), if there is one: then they cannot be stacked at
        that moment, typically because of alignment.
    min_capacity : int or None
        The smallest capacity the whole problem fits in, if proven in time.
    min_capacity_upper : int or None
        The lowest height found for the whole problem (for display when
        ``min_capacity`` is not proven).
    min_capacity_lower : int or None
        The best proven lower bound on that height.
    min_capacity_solution : Solution or None
        An allocation of height ``min_capacity_upper``: what to use instead.
    solution : Solution or None
        An allocation within the capacity, when ``feasible``.
    searches : int
        Exact searches run for the subset (bound and baseline checks aside).
    seconds : float
        Wall time of the call.
    way_out : SpillPlan or None
        When it does not fit: the cheapest buffers found to move to a second
        memory (``spill``) so that the rest fits, with whether any plan
        moves less (:class:`minimalloc.analysis.spill.SpillPlan`).
    """

    feasible: bool | None
    capacity: int
    load: int
    lower_bound: int
    overloaded: tuple[tuple[int, int, tuple[int, ...]], ...] = ()
    subset: tuple[int, ...] | None = None
    subset_minimal: bool = False
    subset_min_capacity: int | None = None
    together: tuple[int, int] | None = None
    min_capacity: int | None = None
    min_capacity_upper: int | None = None
    min_capacity_lower: int | None = None
    min_capacity_solution: Solution | None = None
    solution: Solution | None = None
    searches: int = 0
    seconds: float = 0.0
    problem: Problem | None = field(default=None, repr=False, compare=False)
    way_out: SpillPlan | None = field(default=None, repr=False, compare=False)

    @property
    def proven(self) -> bool:
        """Whether ``min_capacity`` is proven (not just the best found)."""
        return self.min_capacity is not None

    def message(self) -> str:
        """A few sentences for people: what is wrong and what would fit."""
        ids = _Names(self.problem)
        n = len(self.problem.buffers) if self.problem is not None else 0
        lines = []
        if self.feasible:
            height = self.solution.height if self.solution is not None else None
            lines.append(f"The {n} buffers fit in capacity {self.capacity}"
                         + (f" (an allocation of height {height} was found)."
                            if height is not None else "."))
        elif self.overloaded:
            worst = self._busiest()
            lines.append(
                f"It cannot fit: at the busiest moment {self.load} bytes are live, "
                f"{self.load - self.capacity} more than the capacity {self.capacity}.")
            count = len(self.overloaded)
            lines.append(
                f"The live bytes exceed the capacity during {count} stretch"
                f"{'es' if count > 1 else ''} of time; during [{worst[0]}, {worst[1]}) "
                f"the buffers live at some moment in it are {ids(worst[2])}.")
        elif self.feasible is None:
            which = "the buffer fits" if n == 1 else f"the {n} buffers fit"
            lines.append(f"It could not be decided in time whether {which} in capacity "
                         f"{self.capacity}.")
            lines.append(f"What is known: at most {self.load} bytes are live at any "
                         "moment, so only fragmentation could keep them out.")
        else:
            lines.append(
                f"It does not fit, although at most {self.load} bytes are live at any "
                f"moment (within the capacity {self.capacity}): the buffers cannot be "
                "placed without unusable space between them (fragmentation).")
            if self.subset is None:
                lines.append("No smaller set of buffers to blame was found in time.")
        if self.subset is not None:
            k = len(self.subset)
            aligned = self.problem is not None and any(
                self.problem.buffers[i].alignment > 1 for i in self.subset)
            where = ""
            if self.together is not None and k > 1:
                where = f" (all alive from time {self.together[0]} to {self.together[1]}"
                where += ", where their alignments leave holes between them)" \
                    if aligned else ")"
            lines.append(f"These {k} buffer{'s' if k > 1 else ''} alone cannot be packed "
                         f"in {self.capacity}{where}: {ids(self.subset)}.")
            if self.subset_minimal:
                lines.append("Removing any one of them makes the rest fit, so shrinking, "
                             "splitting or rescheduling any of them is a place to start.")
            else:
                lines.append("Time ran out before every one of them was shown to matter: "
                             "a smaller set may exist.")
            if self.subset_min_capacity is not None:
                lines.append(f"Together they need a capacity of "
                             f"{self.subset_min_capacity}.")
        if self.min_capacity is not None:
            lines.append(f"The smallest capacity the whole problem fits in is "
                         f"{self.min_capacity}.")
        elif self.min_capacity_upper is not None:
            low = (f" (and at least {self.min_capacity_lower})"
                   if self.min_capacity_lower is not None else "")
            lines.append(f"The whole problem fits in capacity {self.min_capacity_upper}; "
                         f"the smallest was not proven in time{low}.")
        if self.way_out is not None and self.way_out.solution is not None:
            lines.append(self.way_out.message())
        return " ".join(lines)

    def __str__(self) -> str:
        return self.message()

    def _busiest(self) -> tuple[int, int, tuple[int, ...]]:
        """The overloaded stretch holding the first moment of the LOAD."""
        if self.problem is not None:
            for t0, _ in peak_times(self.problem)[:1]:
                for item in self.overloaded:
                    if item[0] <= t0 < item[1]:
                        return item
        return self.overloaded[0]


class _Names:
    """Buffer ids for messages, shortened past :data:`NAMED`."""

    def __init__(self, problem: Problem | None) -> None:
        self.problem = problem

    def __call__(self, indices: Sequence[int]) -> str:
        if self.problem is None:
            names = [str(i) for i in indices]
        else:
            names = [f"'{self.problem.buffers[i].id}'" for i in indices]
        if len(names) > NAMED:
            return ", ".join(names[:NAMED]) + f" and {len(names) - NAMED} more"
        return ", ".join(names)


def explain(problem: Problem, timeout: float | None = 10.0,
            params: SolverParams | None = None, *,
            capacity: int | None = None) -> Explanation:
    """Explain why ``problem`` does not fit its capacity (or say that it does).

    Parameters
    ----------
    problem : Problem
        The buffers and the capacity.
    timeout : float or None
        Seconds for the whole call; None for no limit.  About 40 % goes to
        deciding whether it fits, the subset search stops at 80 %, the rest
        goes to the minimum capacities.
    params : SolverParams, optional
        Switches and heuristics for the exact searches (``timeout`` ignored).
    capacity : int, optional
        Explain this capacity instead of the problem's.

    Returns
    -------
    Explanation
        Its :meth:`~Explanation.message` is a few sentences for people.

    Raises
    ------
    ProblemError
        If there is no capacity, or ``timeout`` is negative.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> p = Problem((Buffer("a", 0, 4, 8), Buffer("b", 2, 6, 8)), capacity=12)
    >>> e = explain(p)
    >>> e.overloaded, e.min_capacity
    (((2, 4, (0, 1)),), 16)
    """
    timeout = check_timeout(timeout)  # inf or huge: none; bools refused
    capacity = problem.capacity if capacity is None else capacity
    if capacity is None:
        raise ProblemError("explain needs a capacity: give the problem one")
    return _Explainer(problem.with_capacity(capacity), timeout, params).run()


class _Explainer:
    """The state of one :func:`explain` call."""

    def __init__(self, problem: Problem, timeout: float | None,
                 params: SolverParams | None) -> None:
        self.started = time.perf_counter()
        self.deadline = None if timeout is None else self.started + timeout
        # Bounds, baselines and the sweep watch this; searches get budgets.
        self.limit = Deadline.until(self.deadline)
        self.timeout = timeout
        self.problem = problem
        self.capacity: int = problem.capacity  # type: ignore[assignment]
        self.params = params
        self.searches = 0
        self.unknown = False
        self.memo: dict[frozenset[int], bool | None] = {}

    def _until(self, share: float) -> float | None:
        """The moment ``share`` of the time has passed (None: no limit)."""
        if self.deadline is None:
            return None
        return self.started + share * self.timeout  # type: ignore[operator]

    @staticmethod
    def _left(until: float | None) -> float | None:
        return None if until is None else max(until - time.perf_counter(), 0.0)

    # -- deciding -------------------------------------------------------

    def _partitions(self) -> list[list[int]] | None:
        """The partitions' buffers (as the sweep forms them: maximal groups of
        lifespans linked in time), in time order; None if the time ran out.

        Sorting by start is enough, in ``O(n)`` memory: listing the overlaps
        as the sweep does would take memory for every pair alive together.
        """
        if self.limit.expired():
            return None
        columns = buffer_columns(self.problem.buffers)
        n = len(columns.lower)
        if n == 0:
            return []
        order = np.lexsort((np.arange(n), columns.lower))
        reach = np.maximum.accumulate(columns.upper[order])
        starts = np.flatnonzero(columns.lower[order][1:] >= reach[:-1]) + 1
        return [sorted(part.tolist()) for part in np.split(order, starts)]

    def _bound(self, indices: Sequence[int]) -> int:
        """The best lower bound on the height of the buffers at ``indices``."""
        sub = self.problem.subset(sorted(indices))
        return max(lower_bound(sub, self.limit), stacking_bound(sub, self.limit)[0])

    def _decide(self) -> tuple[bool | None, list[int] | None, Solution | None]:
        """Whether the problem fits; if not, a set of buffers that does not
        fit on its own (to look for the subset in); an allocation if it fits.

        Cheapest first: bounds (the stacking bound of the buffers live at one
        moment, then each partition's bound), then a baseline.  Then rounds of
        searches with a per-search budget that doubles each round, on local
        sets before whole partitions: the buffers live at one moment, then at
        2, 3, 4, 6, 9, ... consecutive such moments, then the whole partition.  A
        local set that cannot be packed settles it at a fraction of the cost
        of a proof for the whole partition.
        """
        bound, moment = stacking_bound(self.problem, self.limit)
        if bound > self.capacity:
            return False, moment, None
        parts = self._partitions()
        if parts is None:
            return None, None, None
        for part in parts:
            if self._bound(part) > self.capacity:
                return False, part, None
        baseline = best_baseline(self.problem, self.capacity, self.limit)
        if baseline is not None and baseline.fits:
            return True, None, baseline.solution
        until = self._until(DECIDE_SHARE)
        candidates = []
        for part in parts:
            if self.limit.expired():
                return None, None, None
            candidates.append(self._local_sets(part))
        fits: list[frozenset[int]] = []  # sets known to fit: their subsets fit too
        undecided: set[frozenset[int]] = set()  # no budget makes these a proof
        offsets = [b.offset or 0 for b in self.problem.buffers]
        solved = [False] * len(parts)
        budget = FIRST_BUDGET
        first_try = [True] * len(parts)
        while True:
            searched = False
            for p, part in enumerate(parts):
                if solved[p]:
                    continue
                for members in candidates[p] + [part]:
                    key = frozenset(members)
                    if key in undecided or any(key <= known for known in fits):
                        continue
                    searched = True
                    left = self._left(until)
                    if left is not None and left <= 0:
                        return None, None, None
                    give = budget
                    if members is part and first_try[p]:
                        first_try[p] = False
                        give = None if left is None else max(budget,
                                                             left * PARTITION_SHARE)
                    if left is not None:
                        give = min(give, left)
                    search = FeasibilitySearch(self.problem.subset(members), self.params)
                    status, solution, _ = search.solve(self.capacity, give)
                    if status in (Status.OK, Status.INFEASIBLE):
                        self.memo[key] = status is Status.INFEASIBLE
                    if status is Status.INFEASIBLE:
                        return False, members, None
                    if status is Status.UNDECIDED:
                        undecided.add(key)
                    if solution is not None:
                        fits.append(key)
                        if members is part:
                            solved[p] = True
                            for i, offset in zip(part, solution.offsets):
                                offsets[i] = offset
            if all(solved):
                return True, None, Solution.from_offsets(self.problem, offsets)
            if not searched:  # every set left is undecided: no proof to find
                return None, None, None
            budget *= 2

    def _local_sets(self, part: list[int]) -> list[list[int]]:
        """Buffers live at 1, 2, 3, 4, 6, 9, ... consecutive moments of a
        partition (windows overlapping by half, and the last ones), smallest
        first; single moments only
        when they could fail on their own (see :func:`_suspect_moments`)."""
        inside = set(part)
        inside_moments = [m for m in moments(self.problem, self.limit)
                          if inside.issuperset(m)]
        sets: list[list[int]] = []
        seen: set[frozenset[int]] = {frozenset(part)}
        width = 1
        while width < len(inside_moments):
            step = max(1, width // 2)
            starts = list(range(0, len(inside_moments) - width + 1, step))
            if starts[-1] != len(inside_moments) - width:  # the last moments too
                starts.append(len(inside_moments) - width)
            for k in starts:
                members = sorted(set().union(*inside_moments[k:k + width]))
                key = frozenset(members)
                if key in seen or (width == 1 and not _suspect(self.problem, members)):
                    continue
                seen.add(key)
                sets.append(members)
            width = max(width + 1, width * 3 // 2)  # 1, 2, 3, 4, 6, 9, ...
        return sets

    # -- the subset -------------------------------------------------------

    def _infeasible(self, indices: Sequence[int], until: float | None,
                    share: float = 1.0, retry: bool = False) -> bool | None:
        """Whether the buffers at ``indices`` cannot be packed (None: unknown,
        the search ran out of time).

        Bounds first; buffers all alive at one moment (no fixed offsets or
        windows, at most :data:`STACK_LIMIT`) are settled exactly by the
        stacking bound; then a baseline; then a search with ``share`` of the
        time left before ``until``.  Answers are remembered; an unknown one is
        searched again only with ``retry``.
        """
        key = frozenset(indices)
        if key in self.memo and (self.memo[key] is not None or not retry):
            return self.memo[key]
        # A set holding one proven not to fit does not fit; a part of one
        # that fits fits.
        for known, answer in self.memo.items():
            if answer is True and known <= key:
                return True
            if answer is False and key <= known:
                return False
        sub = self.problem.subset(sorted(key))
        answer: bool | None
        stack, moment = stacking_bound(sub, self.limit)
        if lower_bound(sub, self.limit) > self.capacity or stack > self.capacity:
            answer = True
        elif len(moment) == len(key):  # one moment, stacked exactly: it fits
            answer = False
        else:
            baseline = best_baseline(sub, self.capacity, self.limit)
            if baseline is not None and baseline.fits:
                answer = False
            else:
                left = self._left(until)
                self.searches += 1
                status, _, _ = FeasibilitySearch(sub, self.params).solve(
                    self.capacity, None if left is None else left * share)
                answer = {Status.OK: False, Status.INFEASIBLE: True}.get(status)
        if answer is None:
            self.unknown = True
        self.memo[key] = answer
        return answer

    def _quickxplain(self, background: list[int], changed: bool,
                     candidates: list[int], until: float | None) -> list[int]:
        """A minimal subset of ``candidates`` that cannot be packed together
        with ``background``, given that all of them together cannot."""
        if changed and background and self._infeasible(
                background, until, CHECK_SHARE) is True:
            return []
        if len(candidates) == 1:
            return list(candidates)
        half = len(candidates) // 2
        first, second = candidates[:half], candidates[half:]
        found_second = self._quickxplain(background + first, bool(first), second, until)
        found_first = self._quickxplain(background + found_second, bool(found_second),
                                        first, until)
        return found_first + found_second

    def _minimal(self, subset: list[int], until: float | None) -> tuple[list[int], bool]:
        """Drop from ``subset`` every buffer it is proven infeasible without;
        whether every remaining one was proven necessary."""
        proven = True
        kept = list(subset)
        for k, index in enumerate(subset):
            rest = [i for i in kept if i != index]
            answer = self._infeasible(rest, until, 1 / (len(subset) - k), retry=True) \
                if rest else False
            if answer is True:
                kept = rest
            elif answer is None:
                proven = False
        return kept, proven

    def _subset(self, part: Sequence[int]) -> tuple[list[int], bool]:
        until = self._until(SUBSET_SHARE)
        # Buffers of size 0 occupy nothing; fixed ones can still sit too high.
        candidates = [i for i in part if self.problem.buffers[i].size > 0
                      or self.problem.buffers[i].offset is not None]
        # QuickXplain favours the earlier candidates, and its checks are on
        # sets of early ones: buffers living through the most crowded times
        # first (fragmentation happens where the live bytes are near the
        # capacity), larger ones first among equals.  Checks on such sets
        # are then small, and the proofs fast.
        crowding = _crowding(self.problem)
        candidates.sort(key=lambda i: (-crowding[i], -self.problem.buffers[i].size, i))
        found = self._quickxplain([], False, candidates, until)
        if not self.unknown:
            return sorted(found), True
        kept, proven = self._minimal(found, until)
        return sorted(kept), proven

    # -- the whole explanation --------------------------------------------

    def _minimize(self, problem: Problem, until: float | None) -> MinimizeResult | None:
        try:
            return minimize(problem.with_capacity(None), timeout=self._left(until),
                            params=self.params)
        except ProblemError:  # fixed buffers collide: no capacity is enough
            return None

    def _way_out(self) -> SpillPlan | None:
        """The spill plan, in the time left (None if fixed buffers collide)."""
        try:
            return spill(self.problem, timeout=self._left(self.deadline),
                         params=self.params)
        except ProblemError:
            return None

    def run(self) -> Explanation:
        with self.limit:  # its timer stops the kernels at the deadline
            return self._run()

    def _run(self) -> Explanation:
        problem, capacity = self.problem, self.capacity
        load = max_load(problem)
        bound = lower_bound(problem, self.limit)
        facts: dict[str, object] = {"overloaded": ()}
        feasible: bool | None
        solution = None
        if load > capacity:
            feasible = False
            facts["overloaded"] = tuple((t0, t1, tuple(members)) for t0, t1, members
                                        in overloaded(problem, capacity))
        else:
            fixed_collide = fixed_collision(problem).code is ValidationCode.BAD_OVERLAP
            if fixed_collide:
                feasible, failing = False, list(range(len(problem.buffers)))
            else:
                feasible, failing, solution = self._decide()
            if feasible is False and failing is not None:
                subset, minimal = self._subset(failing)
                facts.update(subset=tuple(subset), subset_minimal=minimal,
                             together=_together(problem, subset))
                left = self._left(self.deadline)  # half of what is left
                until = None if left is None else time.perf_counter() + left / 2
                found = self._minimize(problem.subset(subset), until)
                if found is not None and found.proven_optimal:
                    facts["subset_min_capacity"] = found.height
        until = self.deadline if feasible is not False else self._until(1 - WAY_OUT_SHARE)
        whole = self._minimize(problem, until)
        if whole is not None:
            facts.update(min_capacity_upper=whole.height,
                         min_capacity_lower=whole.lower_bound,
                         min_capacity_solution=whole.solution)
            if whole.proven_optimal:
                facts["min_capacity"] = whole.height
            if feasible is None:  # the minimiser may settle it
                if whole.height <= capacity:
                    feasible, solution = True, whole.solution
                elif whole.lower_bound > capacity:
                    feasible = False
        if solution is not None:  # assembled from the partitions' answers
            check_answer(problem, solution, capacity, source="explain",
                         params=self.params)
        if feasible is False:
            facts["way_out"] = self._way_out()
        return Explanation(
            feasible=feasible, capacity=capacity, load=load, lower_bound=bound,
            solution=solution, searches=self.searches,
            seconds=time.perf_counter() - self.started, problem=problem,
            **facts,  # type: ignore[arg-type]
        )


def _crowding(problem: Problem) -> list[float]:
    """Per buffer, the mean live bytes over its lifespan."""
    times, live = load_profile(problem)
    result = []
    for b in problem.buffers:
        total = 0
        for k in range(len(times) - 1):
            lo, hi = max(times[k], b.lower), min(times[k + 1], b.upper)
            if lo < hi:
                total += int(live[k]) * int(hi - lo)
        result.append(total / (b.upper - b.lower))
    return result


def _suspect(problem: Problem, members: Sequence[int]) -> bool:
    """Whether buffers live at one moment could fail on their own: only with
    alignment, fixed offsets or windowed gaps (otherwise stacking them fits in
    their live bytes)."""
    return any(problem.buffers[i].alignment > 1 or problem.buffers[i].offset is not None
               or any(g.window is not None for g in problem.buffers[i].gaps)
               for i in members)


def _together(problem: Problem, indices: Sequence[int]) -> tuple[int, int] | None:
    """The stretch ``[t0, t1)`` of time when all the buffers are alive (gaps
    aside), if there is one."""
    if not indices:
        return None
    t0 = max(problem.buffers[i].lower for i in indices)
    t1 = min(problem.buffers[i].upper for i in indices)
    return (t0, t1) if t0 < t1 else None
