"""The covering problem behind every spill: which buffers must leave a memory.

If a memory holds ``capacity`` bytes, then at every moment the buffers kept
in it must be live within ``capacity``: the buffers moved out must cover the
*excess* ``live(t) - capacity`` of every moment ``t``.  The least total
weight of such a set bounds the cost of every plan from below (packing the
rest may need more to move, never less)::

    minimise    sum_b weight[b] * y[b]
    subject to  sum_{b live at t} width[b](t) * y[b] >= live(t) - capacity
                for every moment t where live(t) > capacity
                y[b] in {0, 1}

Only the moments where the live set is largest need a row (just after some
buffers start and just before some end); no alignment is counted, so the
bound holds for every plan.  Buffers may be forced in (``keep``) or out
(``remove``), and *cuts* ``sum_{b in S} y[b] >= 1`` say that a set ``S`` of
buffers was proven not to pack together, so not all of it may stay.

:class:`Covering` solves this with HiGHS (``highspy``, the ``exact`` extra)
as an integer program within a time limit: its optimum, or its proven dual
bound when the limit comes first.  Without HiGHS, a greedy cover gives the
candidate sets and a combinatorial bound gives the proof: for each moment,
the cheapest fractional removal covering its excess (a fractional knapsack);
the sum over moments whose live sets share no buffer (chosen greedily,
largest first) bounds the optimum, since those rows constrain disjoint
variables.

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("a", 0, 4, 4), Buffer("b", 1, 3, 2), Buffer("c", 2, 6, 3)))
>>> cover = Covering(p, capacity=6, weights=[4, 2, 3])
>>> answer = cover.solve(time_limit=10)
>>> sorted(answer.removed), answer.value, answer.bound
([2], 3, 3)
"""

from __future__ import annotations

import heapq
import math
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from minimalloc.bounds import active_pieces
from minimalloc.errors import ProblemError
from minimalloc.model import Problem

try:  # the exact covering; optional (the ``exact`` extra)
    import highspy
except ImportError:  # pragma: no cover - depends on the installation
    highspy = None

__all__ = ["HAVE_HIGHS", "CoverAnswer", "Covering"]

#: Whether HiGHS is installed (the ``exact`` extra).
HAVE_HIGHS = highspy is not None
#: Beyond this many non-zeros the integer program is not built: the greedy
#: cover and the combinatorial bound answer instead (memory and time).
MAX_NONZEROS = 5_000_000


@dataclass(frozen=True)
class CoverAnswer:
    """A set of buffers to move out and what is proven about the cheapest.

    ``removed`` covers every row and cut (None if no set can: even moving
    every free buffer leaves a moment over the capacity, or the cuts exclude
    every set); ``value`` is its weight; ``bound`` a proven lower bound on
    the weight of every set that covers the rows and the proven cuts;
    ``optimal`` says ``value == bound`` was proven; ``method`` how.
    """

    removed: frozenset[int] | None
    value: int | None
    bound: int
    optimal: bool
    method: str


class Covering:
    """The covering problem of ``problem`` at ``capacity`` (see the module).

    Parameters
    ----------
    problem
        The buffers (no aliases: fold them first).
    capacity
        The bytes the memory holds.
    weights
        The cost of moving each buffer out (non-negative integers).
    keep, remove
        Indices of buffers that must stay / must move.
    """

    def __init__(self, problem: Problem, capacity: int, weights: Sequence[int],
                 keep: Iterable[int] = (), remove: Iterable[int] = ()) -> None:
        n = len(problem.buffers)
        self.n = n
        self.weights = np.asarray(weights, dtype=np.int64)
        if len(self.weights) != n or (n and self.weights.min() < 0):
            raise ProblemError("expected one weight >= 0 per buffer")
        self.keep = frozenset(keep)
        self.remove = frozenset(remove) - self.keep
        self.free = np.ones(n, dtype=bool)
        self.free[list(self.keep | self.remove)] = False
        self.rows = _rows(problem, capacity, self.free, self.remove)
        self.cuts: list[np.ndarray] = []
        self.proven_cuts = 0  # the first cuts are proofs; later ones may not be
        self.forced_weight = int(self.weights[sorted(self.remove)].sum())
        self._highs = None
        self._interrupted = False

    def interrupt(self) -> None:
        """Stop a running (and every later) HiGHS solve at its next check
        (from any thread): :meth:`solve` returns what it has, its bound
        still proven."""
        self._interrupted = True

    @property
    def nonzeros(self) -> int:
        return sum(len(r[0]) for r in self.rows)

    def add_cut(self, members: Iterable[int], proven: bool = True) -> None:
        """Forbid keeping every buffer of ``members`` (at least one moves).

        Cuts that are not ``proven`` (a set that merely could not be packed
        in time) still steer the search, but bounds are no longer updated
        once one is added.
        """
        cut = np.array(sorted(set(members) - self.keep), dtype=np.int64)
        if proven and self.proven_cuts == len(self.cuts):
            self.proven_cuts += 1
        self.cuts.append(cut)
        if self._highs is not None:
            self._highs.addRow(1.0, highspy.kHighsInf, len(cut), cut,
                               np.ones(len(cut)))

    @property
    def all_cuts_proven(self) -> bool:
        return self.proven_cuts == len(self.cuts)

    def solve(self, time_limit: float | None) -> CoverAnswer:
        """The cheapest cover found within ``time_limit`` seconds (HiGHS), or a
        greedy one, with the best lower bound proven."""
        if any(rhs > 0 and not len(members) for members, _, rhs in self.rows) or any(
                not len(cut) for cut in self.cuts):
            return CoverAnswer(None, None, 0, False, "nothing can cover")
        if HAVE_HIGHS and self.nonzeros <= MAX_NONZEROS:
            return self._solve_highs(time_limit)
        return self._solve_greedy()

    # ------------------------------------------------------------- HiGHS

    def _model(self):
        h = _new_highs()
        h.setOptionValue("threads", 1)
        n = self.n
        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.col_cost_ = self.weights.astype(np.float64)
        lp.col_lower_ = np.where(np.isin(np.arange(n), list(self.remove)), 1.0, 0.0)
        lp.col_upper_ = np.where(np.isin(np.arange(n), list(self.keep)), 0.0, 1.0)
        rows = [(m, w, rhs) for m, w, rhs in self.rows if rhs > 0]
        rows += [(cut, np.ones(len(cut), np.int64), 1) for cut in self.cuts]
        lp.num_row_ = len(rows)
        lp.row_lower_ = np.array([float(r[2]) for r in rows])
        lp.row_upper_ = np.full(len(rows), highspy.kHighsInf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lengths = [len(r[0]) for r in rows]
        lp.a_matrix_.start_ = np.concatenate(([0], np.cumsum(lengths))).astype(np.int32)
        lp.a_matrix_.index_ = (np.concatenate([r[0] for r in rows]).astype(np.int32)
                               if rows else np.zeros(0, np.int32))
        lp.a_matrix_.value_ = (np.concatenate([r[1] for r in rows]).astype(np.float64)
                               if rows else np.zeros(0))
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n
        h.passModel(lp)
        # HiGHS asks these callbacks now and then whether to stop: how an
        # interrupt from another thread reaches a running solve.
        h.cbMipInterrupt += self._interrupt_event
        h.cbSimplexInterrupt += self._interrupt_event
        return h

    def _interrupt_event(self, event) -> None:
        if self._interrupted:
            event.interrupt()

    def _solve_highs(self, time_limit: float | None) -> CoverAnswer:
        if self._highs is None:
            self._highs = self._model()
        h = self._highs
        if self._interrupted:
            time_limit = 1e-3  # at once: the answer and bound of the work so far
        h.setOptionValue("time_limit", float(time_limit) if time_limit else
                         highspy.kHighsInf)
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        if status == highspy.HighsModelStatus.kInfeasible:
            return CoverAnswer(None, None, 0, False, "nothing can cover")
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else 0.0
        bound = max(0, math.ceil(bound - 1e-6))  # integer weights: the optimum is whole
        if not has_solution:
            greedy = self._solve_greedy()
            return CoverAnswer(greedy.removed, greedy.value, max(bound, greedy.bound),
                               False, "integer covering (HiGHS, stopped at the limit)")
        values = np.asarray(h.getSolution().col_value)
        removed = frozenset(np.flatnonzero(values > 0.5).tolist())
        value = int(self.weights[list(removed)].sum()) if removed else 0
        optimal = status == highspy.HighsModelStatus.kOptimal
        if optimal:
            bound = value
        method = "integer covering (HiGHS)" if optimal else \
            "integer covering (HiGHS, stopped at the limit)"
        return CoverAnswer(removed, value, min(bound, value), optimal, method)

    # ------------------------------------------------------------- greedy

    def _solve_greedy(self) -> CoverAnswer:
        """Greedy cover: repeatedly move the buffer that covers the most
        remaining excess per unit of weight (each row's cover capped at its
        excess), then put back, dearest first, what is no longer needed."""
        rows = [(m, w, rhs) for m, w, rhs in self.rows if rhs > 0]
        rows += [(cut, np.ones(len(cut), np.int64), 1) for cut in self.cuts]
        removed = set(self.remove)
        residual = np.array([rhs for _, _, rhs in rows], dtype=np.int64)
        member_rows: dict[int, list[tuple[int, int]]] = {}
        for r, (members, widths, _) in enumerate(rows):
            for b, w in zip(members.tolist(), widths.tolist()):
                member_rows.setdefault(b, []).append((r, w))
        weights = self.weights.astype(np.float64)
        available = self.free.copy()
        while (residual > 0).any():
            gain = np.zeros(self.n)
            for r in np.flatnonzero(residual > 0).tolist():
                members, widths, _ = rows[r]
                np.add.at(gain, members, np.minimum(widths, residual[r]))
            gain[~available] = 0
            if not gain.any():
                return CoverAnswer(None, None, self._combinatorial_bound(), False,
                                   "nothing can cover")
            with np.errstate(divide="ignore", invalid="ignore"):
                score = np.where(gain > 0, gain / weights, -1.0)
            b = int(np.argmax(score))
            removed.add(b)
            available[b] = False
            for row, w in member_rows[b]:
                residual[row] -= w
        for b in sorted(removed - self.remove, key=lambda b: -weights[b]):
            if all(residual[row] + w <= 0 for row, w in member_rows.get(b, ())):
                removed.discard(b)
                for row, w in member_rows.get(b, ()):
                    residual[row] += w
        value = int(self.weights[list(removed)].sum()) if removed else 0
        bound = min(self._combinatorial_bound(), value)
        return CoverAnswer(frozenset(removed), value, bound, bound == value,
                           "greedy cover, combinatorial bound")

    def _combinatorial_bound(self) -> int:
        """Fractional knapsack per row, summed over rows sharing no buffer."""
        rows = [(m, w, rhs) for m, w, rhs in self.rows if rhs > 0]
        rows += [(cut, np.ones(len(cut), np.int64), 1)
                 for cut in self.cuts[:self.proven_cuts]]
        values = []
        for members, widths, rhs in rows:
            ratio = self.weights[members] / np.maximum(widths, 1)
            order = np.argsort(ratio, kind="stable")
            need, cost = float(rhs), 0.0
            for i in order.tolist():
                take = min(need, float(widths[i]))
                cost += take * ratio[i]
                need -= take
                if need <= 0:
                    break
            values.append((cost, members))
        used = np.zeros(self.n, dtype=bool)
        total = 0.0
        for cost, members in sorted(values, key=lambda v: -v[0]):
            if not used[members].any():
                used[members] = True
                total += cost
        return self.forced_weight + math.ceil(total - 1e-9)


def _rows(problem: Problem, capacity: int, free: np.ndarray,
          remove: frozenset[int]) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """One row per moment where the live set is largest and over
    ``capacity``: (free buffers live then, their widths then, the excess
    left after the forced removals)."""
    pieces = active_pieces(problem)
    width = pieces.whi - pieces.wlo
    keep = width > 0
    owner, t0, t1, width = pieces.owner[keep], pieces.t0[keep], pieces.t1[keep], width[keep]
    if not len(owner):
        return []
    times = np.unique(np.concatenate([t0, t1]))
    starts_at = np.zeros(len(times), dtype=bool)
    starts_at[np.searchsorted(times, t0)] = True
    ends_at = np.zeros(len(times), dtype=bool)
    ends_at[np.searchsorted(times, t1)] = True
    # [times[k], times[k+1]) is a peak if something starts at k and ends at k+1.
    peak = np.flatnonzero(starts_at[:-1] & ends_at[1:])
    forced = np.zeros(len(free), dtype=bool)
    forced[list(remove)] = True
    order = np.argsort(t0, kind="stable")
    rows = []
    live: dict[int, int] = {}  # piece -> its index, live at the current time
    cursor = 0
    ends: list[tuple[int, int]] = []
    for k in peak.tolist():
        moment = times[k]
        while cursor < len(order) and t0[order[cursor]] <= moment:
            p = int(order[cursor])
            live[p] = p
            heapq.heappush(ends, (int(t1[p]), p))
            cursor += 1
        while ends and ends[0][0] <= moment:
            live.pop(heapq.heappop(ends)[1], None)
        pieces_now = np.fromiter(live, dtype=np.int64, count=len(live))
        load = int(width[pieces_now].sum())
        if load <= capacity:
            continue
        owners = owner[pieces_now]
        excess = load - capacity - int(width[pieces_now][forced[owners]].sum())
        mask = free[owners]
        rows.append((owners[mask], width[pieces_now][mask], excess))
    return rows


def _new_highs():
    """A silent HiGHS instance.  Its constructor prints a banner straight to
    the process's standard output (file descriptor 1, whatever Python's
    streams are), which would break the command line's output: it is sent
    to the null device for the moment of construction."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h
