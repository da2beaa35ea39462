"""The best baseline: the lowest valid allocation among the registered
allocators (:mod:`minimalloc.baselines.allocators`).

It is the answer there is before any search: the solver's fallback when the
search runs out of time, the upper bound and starting point of
:func:`minimalloc.analysis.minimize.minimize`, the cheap "it fits" check of
:func:`minimalloc.analysis.explain.explain` and of the spill loop.  An
allocation exists at some height exactly when the buffers with fixed offsets
do not collide with each other (the allocators place every other buffer
around them): :func:`fixed_collision` says whether they do.

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 4)), capacity=8)
>>> best_baseline(p, p.capacity)
Fallback(method='greedy_by_size', solution=Solution(offsets=(0, 4), height=8), fits=True)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from minimalloc.baselines.allocators import (
    allocate_within,
    available_allocators,
    built_in,
    prepare,
)
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
    """A baseline allocation offered when the exact search gave no answer."""

    method: str
    solution: Solution
    fits: bool  # whether its height is within the capacity


def best_baseline(problem: Problem, capacity: int | None,
                  deadline: Deadline | float | None = None) -> Fallback | None:
    """The lowest valid allocation among the registered baseline allocators.

    Ties go to the allocator registered first.  ``fits`` says whether its
    height is within ``capacity`` (None: no capacity, it always fits).  With
    a ``deadline`` (seconds or a :class:`Deadline`), allocators not started
    when it passes are skipped and a running one stacks its remaining
    buffers on top (see
    :func:`minimalloc.baselines.allocators.allocate_within`); the first
    allocator always runs, so there is an answer.  The built-in allocators
    are valid by construction unless buffers with fixed offsets collide with
    each other (checked once, on those buffers alone); the answers of
    registered functions are validated.  None if no answer is valid.
    """
    limit = as_deadline(deadline)
    names = list(enumerate(available_allocators()))
    with limit:
        if len(problem) >= PARALLEL_BASELINES and thread_count() > 1:
            prepare(problem)  # shared by the threads, built once
            # The built-in allocators release the GIL: on threads; functions
            # registered by users run here, one at a time (they may not be
            # thread-safe).
            with ThreadPoolExecutor(thread_count()) as pool:
                futures = [pool.submit(_run_baseline, problem, rank, name, limit)
                           for rank, name in names if built_in(name)]
                others = [_run_baseline(problem, rank, name, limit)
                          for rank, name in names if not built_in(name)]
                found = [future.result() for future in futures] + others
        else:
            found = [_run_baseline(problem, rank, name, limit) for rank, name in names]
    candidates = [c for c in found if c is not None]
    fixed_ok: bool | None = None
    for height, _, name, solution in sorted(candidates, key=lambda c: c[:2]):
        if built_in(name):
            if fixed_ok is None:
                fixed_ok = fixed_collision(problem).ok
            valid = fixed_ok
        else:
            valid = validate(problem.with_capacity(None), solution).ok
        if valid:
            check_answer(problem, solution, None, source=f"the baseline allocator {name}")
            return Fallback(name, solution, capacity is None or height <= capacity)
    return None


def _run_baseline(problem: Problem, rank: int, name: str,
                  limit: Deadline) -> tuple[int, int, str, Solution] | None:
    """One allocator's answer as ``(height, rank, name, solution)``; None
    if the limit passed before it started (the first one always runs)."""
    if rank and limit.expired():
        return None
    solution, _ = allocate_within(problem, name, limit)
    return solution.height, rank, name, solution


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
