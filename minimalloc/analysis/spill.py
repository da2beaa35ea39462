"""Make it fit: the cheapest plan over several memory pools, with a proof or a gap.

When the buffers do not fit the fast memory, some must go to a slower one.
:func:`spill` gives every buffer a pool and an offset so that every pool
fits its capacity, at the least total ``weight x pool cost`` it can find,
and says how close to the cheapest that is.

**Two pools** (the fast one, ``main``; an unbounded ``spill``).  Any plan
moves a set of buffers out of the fast pool that covers the excess of every
moment (:mod:`minimalloc.analysis.covering`): the cheapest such set is a
lower bound on every plan's cost.  Each pool is filled by
:class:`~minimalloc.analysis.spill_step.PoolStep`: first plans that need
no proof (every buffer packed as low as it goes, then its best window or
band of the capacity's height kept, improved by ruin-and-recreate moves,
:mod:`minimalloc.anytime.spill_ruin`), then the covers.  It takes the
cheapest cover (HiGHS, or a greedy one), packs the buffers it keeps into
the fast pool with the exact search (:mod:`minimalloc.search.solver`, one
independent stretch of time at a time), and:

- if they pack, the plan is found; if the cover was proven cheapest (and
  every set excluded so far was proven not to pack), it is proven cheapest;
- if some stretch is proven not to pack, that set of buffers cannot all
  stay: a *cut* says so, and the next cover respects it (logic-based Benders
  decomposition); the bound still holds, and rises;
- if the search runs out of time on a stretch, the set is excluded all the
  same to move on, but the bound is no longer raised (nothing was proven);
  the first time, covers at a capacity a little below the pool's are tried
  (:data:`~minimalloc.analysis.spill_step.SLACK_LADDER`): they move a
  little more, and leave the search room to pack the rest quickly.

A plan that always fits is kept from the start: the best baseline
allocation of the greedy cover's buffers, the ones it places above the
capacity moved out too.  So there is an answer at any time limit.

**More pools**, cheapest first: the fast pool is filled as above with the
rest costing the next pool's cost, then the next pool from what is left,
and so on; the last takes the rest.  The bound adds, for each pool ``j``,
the cheapest cover of all the buffers at the capacities of the pools
cheaper than ``j`` combined, times the step in cost: every plan pays at
least that.

Pinned buffers (``Buffer(pool=...)``) stay in their pool; aliases are folded
into blocks first (:mod:`minimalloc.aliases`), so a group moves as one.  A
plan is "proven cheapest" only when its cost equals a proven bound.

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("a", 0, 4, 4), Buffer("b", 1, 3, 2), Buffer("c", 2, 6, 3)))
>>> plan = spill(p, capacity=6, timeout=10)
>>> [p.buffers[i].id for i in plan.spilled], plan.cost, plan.lower_bound, plan.proven
(['c'], 3, 3, True)
>>> plan.solution.pools
('main', 'main', 'spill')
>>> print(plan.message())
To fit, move 1 buffer (3 bytes) to spill: 'c'; no plan moves less.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from minimalloc.aliases import Folded, fold
from minimalloc.analysis.covering import Covering
from minimalloc.analysis.spill_step import COVER_SHARE, PoolStep
from minimalloc.baselines.best import best_baseline
from minimalloc.deadline import Deadline
from minimalloc.errors import ProblemError
from minimalloc.groups import alias_roots
from minimalloc.model import Buffer, Pool, Problem, Solution
from minimalloc.params import SolverParams, Status, check_timeout
from minimalloc.pools import default_pools, format_bytes
from minimalloc.search.solver import Solver
from minimalloc.tuning import NAMED
from minimalloc.validate import validate

__all__ = ["SpillPlan", "Spiller", "SpillProgress", "spill"]


@dataclass(frozen=True)
class SpillPlan:
    """What :func:`spill` found.

    Attributes
    ----------
    problem
        The problem with the pools used (as given otherwise, aliases too).
    solution
        The pool and offset of every buffer (``solution.pools``), or None if
        no plan was found.
    cost
        ``sum(weight x pool cost)`` of the plan (alias groups counted once).
    lower_bound
        No plan costs less (proven).
    proven
        True when the plan's cost equals the bound: proven cheapest.
    spilled
        Indices of the buffers placed outside the cheapest pool.
    spilled_bytes
        Their total size (the memory of an alias group counted once).
    status
        ``fits`` (nothing moves), ``proven`` (proven cheapest), ``found`` (a
        plan, not proven cheapest), ``infeasible`` (proven: no plan fits),
        ``not found`` (none found in time).
    bound_method
        How the bound was proven.
    seconds, covers, searches
        Time taken, covers tried, exact packing searches run.
    cancelled
        True when :meth:`Spiller.cancel` stopped the planning early: the
        plan is the best found until then (still valid, its bound proven).
    """

    problem: Problem
    solution: Solution | None
    cost: int | float | None
    lower_bound: int | float
    proven: bool
    spilled: tuple[int, ...]
    spilled_bytes: int
    status: str
    bound_method: str
    seconds: float
    covers: int = 0
    searches: int = 0
    cancelled: bool = False

    @property
    def pools(self) -> tuple[Pool, ...]:
        return self.problem.pools

    @property
    def fast_pool(self) -> str:
        """The cheapest pool (the first listed of the cheapest)."""
        return min(self.pools, key=lambda p: p.cost).name

    @property
    def gap(self) -> int | float | None:
        """How much the plan may cost above the cheapest (None without a plan)."""
        return None if self.cost is None else self.cost - self.lower_bound

    def pool_solution(self, name: str) -> tuple[Problem, Solution]:
        """The buffers placed in pool ``name`` (a problem at that pool's
        capacity, aliases kept where their root is with them) and their
        offsets; indices into the plan's problem are ``pool_members(name)``."""
        indices = self.pool_members(name)
        capacity = next(p.capacity for p in self.pools if p.name == name)
        buffers = tuple(_plain(self.problem.buffers[i]) for i in indices)
        sub = Problem(buffers, capacity)
        return sub, Solution.from_offsets(sub, [self.solution.offsets[i] for i in indices])

    def pool_members(self, name: str) -> list[int]:
        """Indices of the buffers placed in pool ``name``."""
        if self.solution is None:
            return []
        return [i for i, p in enumerate(self.solution.pools) if p == name]

    def heights(self) -> dict[str, int]:
        """The height each pool's buffers reach (0 for an empty pool)."""
        found = {p.name: 0 for p in self.pools}
        if self.solution is not None:
            for b, o, p in zip(self.problem.buffers, self.solution.offsets,
                               self.solution.pools):
                found[p] = max(found[p], o + b.size)
        return found

    def message(self) -> str:
        """The way out, in a sentence: what to move where, and whether any
        plan moves less."""
        if self.solution is None:
            if self.status == "infeasible":
                return ("No plan fits: even with every free buffer moved, some pool is "
                        "over its capacity.")
            return "No plan was found in time."
        if not self.spilled:
            return f"It fits in {self.fast_pool}: nothing to move."
        by_pool: dict[str, list[int]] = {}
        for i in self.spilled:
            by_pool.setdefault(self.solution.pools[i], []).append(i)
        moves = "; ".join(self._move(pool, members) for pool, members in by_pool.items())
        plain = all(b.weight is None for b in self.problem.buffers) and self._unit_costs()
        less = "moves less" if plain else "costs less"
        if self.proven:
            return f"To fit, {moves}; no plan {less}."
        gap = self.gap or 0
        share = f", {100 * gap / self.lower_bound:.1f} %" if self.lower_bound else ""
        bound = format_bytes(int(self.lower_bound)) if plain else f"{self.lower_bound:,}"
        return (f"To fit, {moves}; a plan might move less, but every plan moves at "
                f"least {bound} (gap {gap:,}{share})." if plain else
                f"To fit, {moves} (cost {self.cost:,}); every plan costs at least "
                f"{bound} (gap {gap:,}{share}).")

    def _move(self, pool: str, members: list[int]) -> str:
        buffers = self.problem.buffers
        roots = alias_roots(buffers)
        blocks = {roots[i]: buffers[roots[i]].size for i in members}  # a group once
        names = ", ".join(f"'{buffers[i].id}'" for i in members[:NAMED])
        if len(members) > NAMED:
            names += f" and {len(members) - NAMED} more"
        count = len(members)
        return (f"move {count} buffer{'' if count == 1 else 's'} "
                f"({format_bytes(sum(blocks.values()))}) to {pool}: {names}")

    def _unit_costs(self) -> bool:
        costs = sorted(p.cost for p in self.pools)
        return len(costs) == 2 and costs[0] == 0 and costs[1] == 1


@dataclass(frozen=True)
class SpillProgress:
    """Where a running spill stands, for a progress line: filling ``pool``,
    the least weight a plan found so far moves out of it (None before the
    first), the proven bound on that weight, and covers and packing
    searches run so far."""

    pool: str
    moved: int | None
    bound: int
    covers: int
    searches: int


def spill(problem: Problem, capacity: int | None = None, *,
          pools: Sequence[Pool] | None = None, timeout: float | None = 10.0,
          params: SolverParams | None = None,
          on_progress: Callable[[SpillProgress], object] | None = None) -> SpillPlan:
    """The cheapest plan over memory pools found within ``timeout`` seconds.

    Parameters
    ----------
    problem
        The buffers (pins, weights and aliases as they say).
    capacity
        The fast memory's size, for the two default pools ``main`` (this
        capacity, cost 0) and ``spill`` (unbounded, cost 1); default the
        problem's capacity.  Ignored when the problem or ``pools`` names pools.
    pools
        The pools to plan over (default: the problem's, else the two above).
    timeout
        Seconds for the whole plan (None: until proven).  There is a plan at
        any limit, unless pinned buffers alone overload a pool.
    params
        Parameters of the exact packing search (its own time limit is set here).
    on_progress
        Called (on the planning thread) with a :class:`SpillProgress` each
        time a cheaper plan or a higher bound is found.

    Returns
    -------
    SpillPlan
        Always valid by :func:`minimalloc.validate` (checked here).
    """
    return Spiller(params).spill(problem, capacity, pools=pools, timeout=timeout,
                                 on_progress=on_progress)


class Spiller:
    """:func:`spill` that another thread can stop: :meth:`cancel` ends the
    planning at the next check (a running search or HiGHS solve is stopped
    too) and :meth:`spill` returns the best valid plan found so far, its
    bound still proven, with ``cancelled`` set.

    >>> from minimalloc.model import Buffer, Problem
    >>> spiller = Spiller()
    >>> spiller.cancel()  # before it starts: the first plan at hand is returned
    >>> p = Problem((Buffer("a", 0, 4, 4), Buffer("b", 1, 3, 2), Buffer("c", 2, 6, 3)))
    >>> plan = spiller.spill(p, capacity=6)
    >>> plan.cancelled, plan.solution is not None
    (True, True)
    """

    def __init__(self, params: SolverParams | None = None) -> None:
        self.params = params or SolverParams()
        self._lock = threading.Lock()
        self._cancelled = False
        self._planner: _Planner | None = None

    def cancel(self) -> None:
        """Stop the running (or the next) :meth:`spill` with its best plan."""
        with self._lock:
            self._cancelled = True
            planner = self._planner
        if planner is not None:
            planner.cancel()

    def spill(self, problem: Problem, capacity: int | None = None, *,
              pools: Sequence[Pool] | None = None, timeout: float | None = 10.0,
              on_progress: Callable[[SpillProgress], object] | None = None
              ) -> SpillPlan:
        """See :func:`spill`."""
        started = time.perf_counter()
        pools = _resolve_pools(problem, capacity, pools)
        with_pools = Problem(problem.buffers, problem.capacity, pools)
        folded = fold(with_pools)
        planner = _Planner(folded, check_timeout(timeout), self.params, on_progress)
        with self._lock:
            self._planner = planner
            if self._cancelled:
                planner.cancel()
        try:
            blocks, bound, method = planner.run()
        finally:
            with self._lock:
                self._planner = None
        plan = _plan(folded, blocks, bound, method, planner, started)
        if plan.solution is not None:
            verdict = validate(plan.problem, plan.solution)
            if not verdict.ok:  # pragma: no cover - a bug, never a result
                raise AssertionError(f"the spill plan is not valid: {verdict.message}")
        return plan


def _resolve_pools(problem: Problem, capacity: int | None,
                   pools: Sequence[Pool] | None) -> tuple[Pool, ...]:
    if pools is not None:
        return tuple(pools)
    if problem.pools:
        return problem.pools
    capacity = problem.capacity if capacity is None else capacity
    if capacity is None:
        raise ProblemError("spill needs the fast memory's capacity (or pools)")
    return default_pools(capacity)


def _plain(buffer: Buffer) -> Buffer:
    """``buffer`` without its pin and alias (it stands alone in a pool's problem)."""
    if buffer.pool is None and buffer.alias is None:
        return buffer
    return replace(buffer, pool=None, alias=None)


@dataclass
class _Blocks:
    """Where the planner put each block: pool index and offset (-1: not yet)."""

    pool: list[int]
    offset: list[int]


class _Planner:
    """The cascade over the pools, cheapest first (see the module)."""

    def __init__(self, folded: Folded, timeout: float | None, params: SolverParams,
                 on_progress: Callable[[SpillProgress], object] | None = None) -> None:
        self.problem = folded.problem
        self.pools = self.problem.pools
        self.order = sorted(range(len(self.pools)), key=lambda j: self.pools[j].cost)
        self.deadline = Deadline(timeout)
        self.params = params
        self.weights = [b.spill_weight for b in self.problem.buffers]
        self.pinned = [None if b.pool is None else
                       next(j for j, p in enumerate(self.pools) if p.name == b.pool)
                       for b in self.problem.buffers]
        self.covers = 0
        self.searches = 0
        self.infeasible = False
        self.on_progress = on_progress
        self.cancelled = False
        # What cancel() must reach: the running search or cover (anything
        # with cancel() or interrupt()).
        self._running: object | None = None
        self._lock = threading.Lock()

    def cancel(self) -> None:
        """Stop at the next check; the running search or cover is stopped."""
        with self._lock:
            self.cancelled = True
            running = self._running
        self.deadline.cancel()
        _stop(running)

    def stopped(self) -> bool:
        return self.cancelled or bool(self.deadline.flag[0])

    def running(self, work: object | None) -> None:
        """Note the work now running (None: none), stopped at once if a
        cancel came first."""
        with self._lock:
            self._running = work
            late = self.cancelled
        if late and work is not None:
            _stop(work)

    def search(self, problem: Problem, seconds: float | None):
        """The exact search on ``problem`` within ``seconds``, cancellable."""
        solver = Solver(self._params(0.0 if self.stopped() else seconds))
        self.running(solver)
        try:
            return solver.solve(problem)
        finally:
            self.running(None)

    def report(self, pool: str, moved: int | None, bound: int) -> None:
        if self.on_progress is not None:
            self.on_progress(SpillProgress(pool, moved, bound, self.covers,
                                           self.searches))

    def run(self) -> tuple[_Blocks | None, float, str]:
        """Place every block; returns the placement (None if none found),
        the bound on the cost and how it was proven."""
        n = len(self.problem.buffers)
        blocks = _Blocks([-1] * n, [0] * n)
        remaining = list(range(n))
        cheapest = self.pools[self.order[0]].cost
        bound = cheapest * sum(self.weights)
        methods = []
        for step, j in enumerate(self.order[:-1]):
            rank = {p: r for r, p in enumerate(self.order)}
            later = {p for p in self.order[step + 1:]}
            keep = [b for b in remaining if self.pinned[b] == j]
            remove = [b for b in remaining if self.pinned[b] in later]
            bounded_after = sum(self.pools[p].capacity is not None
                                for p in self.order[step + 1:])
            share = 1.0 / (bounded_after + 1)
            kept, offsets, step_bound, method = self._fill(
                j, remaining, keep, remove, share)
            if kept is None:
                return None, bound, method
            for b, o in zip(kept, offsets):
                blocks.pool[b], blocks.offset[b] = j, o
            step_cost = self.pools[self.order[step + 1]].cost - self.pools[j].cost
            if step == 0:
                cover_bound = step_bound
            else:
                cover_bound = self._cumulative_bound(step, rank)
            bound += step_cost * cover_bound
            methods.append(method)
            kept_set = set(kept)
            remaining = [b for b in remaining if b not in kept_set]
        last = self.order[-1]
        method = methods[0] if methods else "one pool"
        if not self._fill_last(last, remaining, blocks):
            return None, bound, method
        return blocks, bound, method

    # -------------------------------------------------------------- steps

    def _sub(self, indices: Sequence[int], capacity: int | None) -> Problem:
        return Problem(tuple(_plain(self.problem.buffers[i]) for i in indices), capacity)

    def _fill(self, j: int, indices: list[int], keep: list[int], remove: list[int],
              share: float) -> tuple[list[int] | None, list[int], int, str]:
        """Choose the blocks of ``indices`` to keep in pool ``j`` (the rest
        move on): the kept ones and their offsets, the bound on the weight
        moved, and how it was proven."""
        pool = self.pools[j]
        local = {b: k for k, b in enumerate(indices)}
        if pool.capacity is None:
            kept = [b for b in indices if b not in set(remove)]
            offsets = self._baseline(kept, None)
            return kept, offsets, sum(self.weights[b] for b in remove), "unbounded pool"
        until = None if self.deadline.left() is None else \
            time.perf_counter() + self.deadline.left() * share
        step = PoolStep(self, self._sub(indices, pool.capacity), pool.capacity,
                        [self.weights[b] for b in indices],
                        [local[b] for b in keep], [local[b] for b in remove], until)
        step.pool = pool.name
        result = step.run()
        if result is None:
            self.infeasible = step.proven_infeasible
            return None, [], step.bound, step.method
        kept_local, offsets = result
        return [indices[k] for k in kept_local], offsets, step.bound, step.method

    def _fill_last(self, j: int, remaining: list[int], blocks: _Blocks) -> bool:
        """Place every remaining block in the last pool ``j``."""
        capacity = self.pools[j].capacity
        offsets = self._baseline(remaining, capacity)
        if offsets is None:
            sub = self._sub(remaining, capacity)
            result = self.search(sub, self.deadline.left())
            self.searches += 1
            if result.solution is None:
                self.infeasible = result.status is Status.INFEASIBLE
                return False
            offsets = list(result.solution.offsets)
        for b, o in zip(remaining, offsets):
            blocks.pool[b], blocks.offset[b] = j, o
        return True

    def _cumulative_bound(self, step: int, rank: dict[int, int]) -> int:
        """A bound on the weight every plan places beyond the first ``step + 1``
        pools: the cheapest cover at their capacities combined."""
        first = self.order[:step + 1]
        capacities = [self.pools[j].capacity for j in first]
        if any(c is None for c in capacities):
            return sum(self.weights[b] for b, p in enumerate(self.pinned)
                       if p is not None and rank[p] > step)
        n = len(self.problem.buffers)
        keep = [b for b in range(n) if self.pinned[b] is not None and rank[self.pinned[b]]
                <= step]
        remove = [b for b in range(n) if self.pinned[b] is not None
                  and rank[self.pinned[b]] > step]
        cover = Covering(self.problem, sum(capacities), self.weights, keep, remove)
        self.covers += 1
        self.running(cover)
        try:
            return cover.solve(self._left(COVER_SHARE)).bound
        finally:
            self.running(None)

    # ------------------------------------------------------------ packing

    def _left(self, share: float) -> float | None:
        if self.stopped():
            return 0.01
        left = self.deadline.left()
        return None if left is None else max(left * share, 0.01)

    def _params(self, seconds: float | None) -> SolverParams:
        return replace(self.params, timeout=seconds, minimize_capacity=False)

    def _baseline(self, indices: Sequence[int], capacity: int | None) -> list[int] | None:
        """Offsets from the lowest baseline allocation of ``indices``, or None
        if it does not fit ``capacity``."""
        if not indices:
            return []
        sub = self._sub(indices, None)
        found = best_baseline(sub, capacity)
        if found is None or (capacity is not None and found.solution.height > capacity):
            return None
        return list(found.solution.offsets)


def _stop(work: object | None) -> None:
    """Stop a running search, minimisation or cover."""
    if work is None:
        return
    stop = getattr(work, "cancel", None) or getattr(work, "interrupt", None)
    stop()


def _plan(folded: Folded, blocks: _Blocks | None, bound: float, method: str,
          planner: _Planner, started: float) -> SpillPlan:
    """The plan for the original buffers, from the blocks' placement."""
    problem = folded.original
    pools = problem.pools
    seconds = time.perf_counter() - started
    if blocks is None:
        status = "infeasible" if planner.infeasible else "not found"
        return SpillPlan(problem, None, None, bound, False, (), 0, status, method,
                         seconds, planner.covers, planner.searches, planner.cancelled)
    names = [pools[j].name for j in blocks.pool]
    solution = folded.unfold(Solution(tuple(blocks.offset), 0, tuple(names)))
    cheapest = planner.order[0]
    cost = sum(w * pools[j].cost for w, j in zip(planner.weights, blocks.pool))
    moved = [k for k, j in enumerate(blocks.pool) if j != cheapest]
    spilled = tuple(i for i, k in enumerate(folded.block_of) if blocks.pool[k] != cheapest)
    spilled_bytes = sum(folded.problem.buffers[k].size for k in moved)
    proven = cost <= bound
    status = ("fits" if not spilled and proven else "proven" if proven else "found")
    return SpillPlan(problem, solution, cost, min(bound, cost), proven, spilled,
                     spilled_bytes, status, method, seconds, planner.covers,
                     planner.searches, planner.cancelled)
