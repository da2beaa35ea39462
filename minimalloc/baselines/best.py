"""The best baseline: the lowest valid allocation among the registered
allocators (:mod:`minimalloc.baselines.allocators`).

It is the answer there is before any search: the solver's fallback when the
search runs out of time, the upper bound and starting point of
:func:`minimalloc.analysis.minimize.minimize`, the cheap "it fits" check of
:func:`minimalloc.analysis.explain.explain` and of the spill loop.  First fit
in time order by a sweep (:func:`minimalloc.baselines.sweep.sweep_first_fit`,
``O(n log n)``, a second or two at 2 x 10^6 buffers) runs before the others
and is a candidate too: there is always a complete answer, however many of
the registered allocators the time limit stops.  An
allocation exists at some height exactly when the buffers with fixed offsets
do not collide with each other (the allocators place every other buffer
around them): :func:`fixed_collision` says whether they do.

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 4)), capacity=8)
>>> found = best_baseline(p, p.capacity)
>>> found.method, found.solution, found.fits, found.complete
('greedy_by_size', Solution(offsets=(0, 4), height=8), True, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from minimalloc.baselines.allocators import (
    allocate_within,
    available_allocators,
    built_in,
    folded_placement,
    prepare,
)
from minimalloc.baselines.race import race
from minimalloc.baselines.sweep import SWEEP, sweep_first_fit
from minimalloc.columns import buffer_columns
from minimalloc.deadline import Deadline, as_deadline
from minimalloc.model import Problem, Solution
from minimalloc.threads import thread_count
from minimalloc.validate import ValidationCode, ValidationResult, check_answer, validate

__all__ = ["PARALLEL_BASELINES", "Fallback", "best_baseline", "fixed_collision"]

#: From this many buffers on, the baselines run on several threads
#: (:func:`minimalloc.threads.thread_count`); below, a thread costs more
#: than it saves.
PARALLEL_BASELINES = 2000


@dataclass(frozen=True)
class Fallback:
    """A baseline allocation offered when the exact search gave no answer.

    ``unfinished`` names the registered allocators that the time limit (or
    a cancel) stopped before they had placed every buffer, or that it kept
    from starting: they are not candidates.  ``complete`` is False only when
    no allocator finished, not even the sweep (a cancel during it): then
    ``solution`` is the one that got furthest, its unplaced buffers stacked
    on top (valid, but far from what it would have found).
    """

    method: str
    solution: Solution
    fits: bool  # whether its height is within the capacity
    unfinished: tuple[str, ...] = ()
    complete: bool = True


def best_baseline(problem: Problem, capacity: int | None = None,
                  deadline: Deadline | float | None = None,
                  bound: int | None = None, *,
                  enough: float | None = None) -> Fallback | None:
    """The lowest valid allocation among the registered baseline allocators,
    within a time limit.

    Parameters
    ----------
    problem : Problem
        The buffers (its capacity is not used: see ``capacity``).
    capacity : int, optional
        ``Fallback.fits`` says whether the answer is within it (None: no
        capacity, it always fits).
    deadline : Deadline or float, optional
        Seconds, or a shared :class:`~minimalloc.deadline.Deadline` (whose
        cancel stops the allocators too).  Allocators stopped by it, or not
        started before it, are listed in ``Fallback.unfinished`` and are not
        candidates: an allocator that did finish is never passed over for
        one whose unplaced buffers were stacked on top.  The sweep runs
        first and always (only a cancel stops it), so there is an answer.
    bound : int, optional
        A proven lower bound on the height: once an allocator reaches it, the
        others are stopped (nothing lower exists).
    enough : float, optional
        Seconds after which one complete answer is enough: the allocators
        still running then are stopped as soon as one has finished (listed
        in ``Fallback.unfinished``), so that a caller has time left for
        better than the baselines.

    Returns
    -------
    Fallback or None
        The lowest complete answer (ties: the allocator registered first,
        the sweep last, as ``method`` :data:`~minimalloc.baselines.sweep.SWEEP`);
        if none finished, the lowest of those stopped (``complete`` False);
        None if no answer is valid (fixed buffers that collide).

    Notes
    -----
    From :data:`PARALLEL_BASELINES` buffers on, the built-in allocators race
    on :func:`minimalloc.threads.thread_count` threads
    (:func:`minimalloc.baselines.race.race`), each with its own flag under
    the shared limit.  The built-in allocators are valid by construction
    unless buffers with fixed offsets collide with each other (checked once,
    on those buffers alone); the answers of registered functions are
    validated.
    """
    limit = as_deadline(deadline)
    names = list(enumerate(available_allocators()))
    enough_at = None if enough is None else time.perf_counter() + enough
    with limit:
        swept = _run_sweep(problem, len(names), limit)
        if limit.expired():
            found = []  # none would start: their shared structure is not needed
        elif len(problem) >= PARALLEL_BASELINES and thread_count() > 1:
            prepare(problem)  # shared by the threads, built once
            found = race(problem, names, limit, bound, _run_baseline, enough_at)
        else:
            found = []
            for rank, name in names:
                found.append(_run_baseline(problem, rank, name, limit))
                last = found[-1]
                if bound is not None and last is not None and last[4] \
                        and last[0] <= bound:
                    break  # optimal: the others cannot do better
                if enough_at is not None and time.perf_counter() >= enough_at \
                        and any(r is not None and r[4] for r in found):
                    break  # one complete answer, and the time for them is up
    return _pick(problem, capacity, names, [*found, swept], bound)


def _pick(problem: Problem, capacity: int | None, names: list[tuple[int, str]],
          found: list, bound: int | None) -> Fallback | None:
    """The lowest valid complete answer (else the lowest stopped one), with
    the allocators the limit stopped or kept from starting (none once one
    reached ``bound``: the others were stopped for that)."""
    results = [r for r in found if r is not None]
    finished = {r[1] for r in results if r[4]}
    optimal = bound is not None and any(r[4] and r[0] <= bound for r in results)
    unfinished = () if optimal else tuple(name for rank, name in names
                                          if rank not in finished)
    if finished:
        results = [r for r in results if r[4]]
    fixed_ok: bool | None = None
    for height, _, name, solution, complete in sorted(results, key=lambda r: r[:2]):
        if built_in(name) or name == SWEEP:
            if fixed_ok is None:
                fixed_ok = fixed_collision(problem).ok
            valid = fixed_ok
        else:
            valid = validate(problem.with_capacity(None), solution).ok
        if valid:
            check_answer(problem, solution, None, source=f"the baseline allocator {name}")
            return Fallback(name, solution, capacity is None or height <= capacity,
                            unfinished, complete)
    return None


def _run_baseline(problem: Problem, rank: int, name: str,
                  limit: Deadline) -> tuple[int, int, str, Solution, bool] | None:
    """One allocator's answer as ``(height, rank, name, solution, finished)``;
    None if the limit passed before it started (the sweep has given an
    answer already)."""
    if limit.expired():
        return None
    solution, complete = allocate_within(problem, name, limit)
    return solution.height, rank, name, solution, complete


def _run_sweep(problem: Problem, rank: int,
               limit: Deadline) -> tuple[int, int, str, Solution, bool]:
    """The sweep's answer, as :func:`_run_baseline`'s: it runs past the time
    limit (it is cheap, and the answer of last resort); only a cancel of
    ``limit`` stops it."""
    cancel = Deadline(None)
    limit.link_cancel(cancel.cancel)
    try:
        if problem.has_aliases:
            solution, complete = folded_placement(
                problem, lambda blocks: sweep_first_fit(blocks, cancel))
        else:
            solution, complete = sweep_first_fit(problem, cancel)
    finally:
        limit.unlink(cancel.cancel)
    return solution.height, rank, SWEEP, solution, complete


def fixed_collision(problem: Problem) -> ValidationResult:
    """The validator's verdict on the buffers with fixed offsets alone, at
    those offsets: not ``ok`` when they collide with each other (then no
    allocation exists at any height); ``ok`` when fewer than two are fixed.

    >>> from minimalloc.model import Buffer, Problem
    >>> p = Problem((Buffer("a", 0, 2, 4, offset=0), Buffer("b", 1, 3, 4, offset=2)))
    >>> fixed_collision(p).code.name
    'BAD_OVERLAP'
    """
    fixed = np.flatnonzero(buffer_columns(problem.buffers).fixed >= 0).tolist()
    if len(fixed) < 2:
        return ValidationResult(ValidationCode.GOOD)
    sub = Problem(tuple(problem.buffers[i] for i in fixed))
    offsets = [problem.buffers[i].offset for i in fixed]
    return validate(sub, Solution.from_offsets(sub, offsets))
