"""When a failed search is a proof: the canonical search and windowed gaps.

The search places buffers in non-decreasing offset, each on top of those
placed before it (:mod:`minimalloc.search.kernel`).  Every solution can be pushed
down into such a *canonical* one when, for every two buffers alive together,
one lies wholly above the other: then "not found" proves that no solution
exists.  Windowed gaps can break this.  For two buffers ``a`` and ``x``, at
each stretch of time where both occupy memory (``a`` the window
``[alo, ahi)``, ``x`` the window ``[xlo, xhi)``), the offsets must keep the
windows apart: ``d = offset_x - offset_a`` must lie outside the open interval
``(alo - xhi, ahi - xlo)``.  The search knows only ``d >= e(a, x)`` (x on top,
the effective size) or ``d <= -e(x, a)`` (a on top), so it misses

* **nesting**: ``x`` on top of ``a`` at an offset not above ``a``'s (the
  union of the intervals does not contain 0: ``e(a, x) <= 0`` or
  ``e(x, a) <= 0``), for example a buffer below another's raised window;
* **interleaving**: ``x`` above ``a`` in one stretch and below it in another
  (the union of the intervals has a hole).

:func:`incomplete_reason` says whether a problem has such a pair; the solver
then answers ``Status.UNDECIDED`` instead of ``INFEASIBLE`` when its search
finds nothing.

>>> from minimalloc.model import Buffer, Gap, Problem
>>> nested = Problem((Buffer("a", 0, 3, 4, gaps=(Gap(1, 2, (2, 4)),)),
...                   Buffer("b", 1, 2, 1)))
>>> incomplete_reason(nested)
"'b' can sit inside the window of 'a' (below its raised window at time 1)"
>>> incomplete_reason(Problem((Buffer("a", 0, 3, 4, gaps=(Gap(1, 2, (0, 2)),)),
...                            Buffer("b", 1, 2, 1))))

When the search finds nothing on such a problem, :func:`decide` settles it
with an exact model for OR-Tools' CP-SAT (the ``exact`` extra): every
stretch of every buffer is a rectangle with a fixed time extent and an
address extent that moves with the buffer's offset, and no two rectangles
may overlap (``NoOverlap2D``).  The model is complete, unlike the canonical
search, and a proof either way; without OR-Tools the answer stays
``Status.UNDECIDED``, with a reason that says how to get it.

>>> decide(nested, 4).offsets  # doctest: +SKIP (needs the exact extra)
(0, 0)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from time import perf_counter

import numpy as np

from minimalloc.model import Buffer, Problem
from minimalloc.search.sweep import SweepResult, stretches, sweep
from minimalloc.threads import thread_count

__all__ = ["EXACT_INSTALL", "ExactAnswer", "decide", "exact_available",
           "incomplete_reason"]

#: How to install what :func:`decide` needs.
EXACT_INSTALL = "pip install 'minimalloc[exact]'"
#: How often (seconds) a running model looks at the stop flag.
_POLL_SECONDS = 0.02


def incomplete_reason(problem: Problem, swept: SweepResult | None = None) -> str | None:
    """Why the canonical search cannot see every placement of ``problem``,
    or None when a search that finds nothing proves that nothing fits.

    Only pairs alive together where one has a windowed gap are examined
    (others always have one buffer wholly above the other).  Cost: the
    stretches of those pairs, nothing without windowed gaps.
    """
    windowed = [i for i, b in enumerate(problem.buffers)
                if b.size > 0 and any(g.window is not None for g in b.gaps)]
    if not windowed:
        return None
    swept = swept if swept is not None else sweep(problem)
    buffers = problem.buffers
    cache: dict[int, list[tuple[int, int, int, int]]] = {}
    for a in windowed:
        for x in swept.overlaps(a):
            reason = _pair_reason(buffers[a], buffers[x],
                                  cache.setdefault(a, stretches(buffers[a])),
                                  cache.setdefault(x, stretches(buffers[x])))
            if reason is not None:
                return reason
    return None


def _pair_reason(a: Buffer, x: Buffer, a_pieces, x_pieces) -> str | None:
    """Why ``x`` can be placed relative to ``a`` in a way the search cannot
    see, or None."""
    forbidden = []  # open intervals of d = offset_x - offset_a, with the time
    for t0, t1, alo, ahi in a_pieces:
        for u0, u1, xlo, xhi in x_pieces:
            if max(t0, u0) < min(t1, u1) and alo < ahi and xlo < xhi:
                forbidden.append((alo - xhi, ahi - xlo, max(t0, u0)))
    if not forbidden:
        return None
    forbidden.sort()
    low, high, _ = forbidden[0]
    for left, right, time in forbidden[1:]:
        if left >= high:  # d = high .. left is free: x between a's windows
            return (f"'{x.id}' and '{a.id}' can interleave (one above the other "
                    f"before time {time}, below it from then)")
        high = max(high, right)
    if high <= 0 or low >= 0:
        inner, outer = (a, x) if high <= 0 else (x, a)
        when = min(time for left, right, time in forbidden
                   if (right == high if high <= 0 else left == low))
        return (f"'{inner.id}' can sit inside the window of '{outer.id}' (below its "
                f"raised window at time {when})")
    return None


# ---------------------------------------------------------------- the exact model


@dataclass(frozen=True)
class ExactAnswer:
    """What :func:`decide` concluded.

    ``outcome`` is ``"found"`` (``offsets`` fit), ``"none"`` (proven: no
    allocation fits), ``"stopped"`` (the stop flag was set, or the time
    limit passed, before an answer) or ``"unavailable"`` (OR-Tools is not
    installed, or cannot take the model: ``reason`` says which).
    """

    outcome: str
    offsets: tuple[int, ...] | None = None
    reason: str | None = None
    seconds: float = 0.0


def exact_available() -> bool:
    """Whether OR-Tools' CP-SAT, which :func:`decide` needs, is installed."""
    try:
        from ortools.sat.python import cp_model  # noqa: F401
    except ImportError:
        return False
    return True


def decide(problem: Problem, capacity: int, stop: np.ndarray | None = None,
           time_limit: float | None = None) -> ExactAnswer:
    """Whether ``problem``'s buffers fit in ``capacity``, decided exactly.

    A complete method for what the canonical search cannot prove (windowed
    gaps that let buffers nest or interleave): an OR-Tools CP-SAT model.
    Each buffer's offset is a multiple of its alignment (its fixed offset if
    it has one) with ``offset + size <= capacity``; each stretch where it
    occupies memory (:func:`minimalloc.search.sweep.stretches`) is a rectangle over
    that stretch's time, from ``offset + wlo`` to ``offset + whi``; no two
    rectangles overlap.  ``stop`` is a one-element array: when another
    thread sets it non-zero the model stops (``"stopped"``), as it does
    after ``time_limit`` seconds.

    Cost: the model has one variable per buffer and one rectangle per
    stretch; CP-SAT's time is exponential in the worst case, a fraction of
    a second for tens of buffers.
    """
    started = perf_counter()
    try:
        from ortools.sat.python import cp_model
    except ImportError:
        return ExactAnswer("unavailable", reason="the exact model that would decide "
                           f"it needs OR-Tools: {EXACT_INSTALL}")
    if stop is not None and stop[0] != 0:
        return ExactAnswer("stopped", reason="stopped before the exact model ran")
    model = cp_model.CpModel()
    offsets = []
    xs, ys = [], []
    for index, buffer in enumerate(problem.buffers):
        top = capacity - buffer.size
        if buffer.offset is not None:
            if buffer.offset > top:
                return ExactAnswer("none", seconds=perf_counter() - started)
            offset = model.new_constant(buffer.offset)
        else:
            if top < 0:
                return ExactAnswer("none", seconds=perf_counter() - started)
            steps = model.new_int_var(0, top // buffer.alignment, f"k{index}")
            offset = buffer.alignment * steps
        offsets.append(offset)
        for t0, t1, wlo, whi in stretches(buffer):
            if whi <= wlo:
                continue
            xs.append(model.new_fixed_size_interval_var(t0, t1 - t0, f"t{index}_{t0}"))
            ys.append(model.new_interval_var(offset + wlo, whi - wlo, offset + whi,
                                             f"a{index}_{t0}"))
    model.add_no_overlap_2d(xs, ys)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = min(thread_count(), 8)
    if time_limit is not None:
        solver.parameters.max_time_in_seconds = max(time_limit, 0.0)
    done = threading.Event()
    stopped = []

    def watch() -> None:  # the stop flag is set by a timer or a cancel
        while not done.wait(_POLL_SECONDS):
            if stop[0] != 0:
                stopped.append(True)
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True) if stop is not None else None
    if watcher is not None:
        watcher.start()
    try:
        status = solver.solve(model)
    finally:
        done.set()
        if watcher is not None:
            watcher.join()
    seconds = perf_counter() - started
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ExactAnswer("found", tuple(int(solver.value(o)) for o in offsets),
                           seconds=seconds)
    if status == cp_model.INFEASIBLE:
        return ExactAnswer("none", seconds=seconds)
    if status == cp_model.UNKNOWN:
        return ExactAnswer("stopped", reason="the exact model ran out of time after "
                           f"{seconds:.1f} s", seconds=seconds)
    return ExactAnswer("unavailable", reason="OR-Tools refused the exact model "
                       f"({solver.status_name(status)})", seconds=seconds)
