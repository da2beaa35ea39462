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
"""

from __future__ import annotations

from minimalloc.model import Buffer, Problem
from minimalloc.search.sweep import SweepResult, stretches, sweep

__all__ = ["incomplete_reason"]


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
