"""Solver parameters (one switch per search technique) and the status enum."""

from __future__ import annotations

import enum
import math
import numbers
import threading
from dataclasses import dataclass, field

from minimalloc.errors import ProblemError

#: Preordering keys by letter, each compared in descending order.
HEURISTIC_KEYS: dict[str, str] = {
    "A": "area: size x (upper - lower)",
    "C": "number of sections spanned",
    "L": "lower (start time)",
    "O": "number of overlapping buffers",
    "T": "largest section total among the sections it spans",
    "U": "upper (end time)",
    "W": "width: upper - lower",
    "Z": "size",
}

#: The switches of the search, with a one-line explanation of each.
TECHNIQUES: dict[str, str] = {
    "canonical_only": "Explore only canonical solutions: buffers placed in "
    "non-decreasing offset, ties by preorder, so permutations are not revisited.",
    "section_inference": "Prune when a section's floor plus the sizes still to "
    "place in it exceeds the capacity.",
    "dynamic_ordering": "At each node try buffers by their current lowest "
    "possible offset, then by preorder.",
    "check_dominance": "Skip a buffer whose lowest offset is at or above the "
    "top of some other unplaced buffer: that leaves a hole another could fill.",
    "unallocated_floor": "Raise a section's floor to the lowest offset any of "
    "its unplaced buffers can still take.",
    "static_preordering": "Sort buffers once per partition by the heuristic's "
    "keys; without it, buffers keep their input order.",
    "dynamic_decomposition": "When a placement leaves no buffer crossing some "
    "section boundary, solve the two sides independently.",
    "monotonic_floor": "Later placements never go below the current one, so "
    "every section's floor is at least the current offset.",
    "hatless_pruning": "If a placed buffer has nothing unplaced above it, no "
    "other candidate at that node can do better: stop trying them.",
}


def check_timeout(value: object, name: str = "timeout") -> float | None:
    """A time limit in seconds as a float, or None for no limit.

    None, ``inf`` and limits too long for a timer (over
    ``threading.TIMEOUT_MAX``, about 292 years) mean no limit.  Bools,
    strings, NaN and negative numbers are refused with a
    :class:`ProblemError`: ``timeout=True`` is surely not "one second".

    >>> check_timeout(2), check_timeout(float("inf")), check_timeout(1e300)
    (2.0, None, None)
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ProblemError(
            f"{name} must be a number of seconds or None, got {value!r:.40}"
        )
    try:
        seconds = float(value)
    except OverflowError:  # an int beyond float range: longer than any limit
        return None
    if math.isnan(seconds) or seconds < 0:
        raise ProblemError(f"{name} must be >= 0 seconds, got {value!r:.40}")
    if seconds > threading.TIMEOUT_MAX:
        return None
    return seconds


class Status(enum.Enum):
    """What the exact search concluded."""

    OK = "ok"  #: a solution was found
    INFEASIBLE = "infeasible"  #: proven that none exists at this capacity
    TIMEOUT = "timeout"  #: the time limit ran out first
    CANCELLED = "cancelled"  #: cancelled from another thread
    #: the search found no solution, but it cannot see every placement of
    #: this problem (windowed gaps that let buffers nest or interleave; see
    #: :func:`minimalloc.search.completeness.incomplete_reason`): no proof either
    #: way; or the problem is too large for the search, and the best baseline
    #: does not fit (``SolveResult.searched`` is then False)
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class SolverParams:
    """The reference's parameters, with its defaults.

    Every technique is a switch (all on by default); turning them off one at a
    time is the paper's ablation study.  ``timeout`` is in seconds (None: no
    limit).  ``preordering_heuristics`` are strings of letters from
    :data:`HEURISTIC_KEYS`; with more than one they run as a round robin with a
    growing node budget.  A timeout of ``inf``, or longer than a timer can
    wait, is stored as None (see :func:`check_timeout`).
    """

    timeout: float | None = None
    canonical_only: bool = True
    section_inference: bool = True
    dynamic_ordering: bool = True
    check_dominance: bool = True
    unallocated_floor: bool = True
    static_preordering: bool = True
    dynamic_decomposition: bool = True
    monotonic_floor: bool = True
    hatless_pruning: bool = True
    minimize_capacity: bool = False
    preordering_heuristics: tuple[str, ...] = field(default=("WAT", "TAW", "TWA"))

    def __post_init__(self) -> None:
        heuristics = self.preordering_heuristics
        if isinstance(heuristics, str):
            heuristics = tuple(h for h in heuristics.split(",") if h)
        heuristics = tuple(str(h).strip().upper() for h in heuristics)
        if not heuristics:
            raise ProblemError("preordering_heuristics: give at least one heuristic")
        for heuristic in heuristics:
            unknown = sorted(set(heuristic) - set(HEURISTIC_KEYS))
            if not heuristic or unknown:
                raise ProblemError(
                    f"unknown preordering heuristic '{heuristic}': use letters from "
                    f"{''.join(HEURISTIC_KEYS)} ({', '.join(unknown) or 'empty'} not known)"
                )
        object.__setattr__(self, "preordering_heuristics", heuristics)
        object.__setattr__(self, "timeout", check_timeout(self.timeout))

    def switches(self) -> dict[str, bool]:
        """The technique switches by name."""
        return {name: getattr(self, name) for name in TECHNIQUES}
