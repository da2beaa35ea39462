"""The replay's search state as numpy arrays, and its two updates, compiled.

The replay machine (:mod:`.machine`) keeps the state of docs/algorithm.md
("The search state"): each buffer's offset and lowest offset, each
section's floor and the total still to place there.  Placing a buffer
raises the lowest offsets of the unplaced buffers alive with it and sets
the floors of its sections (and, with the unallocated floor, lifts the
floors of the sections whose lowest unplaced buffer rose); taking it back
restores all of that.  On a problem with thousands of buffers alive at
once one placement touches hundreds of thousands of entries, which in
plain Python costs tens of milliseconds: here the two updates are compiled.

The code is the replay's own, written from docs/algorithm.md: it shares
nothing with the kernel (:mod:`minimalloc.search.kernel`), so the replay
stays an independent check on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numba as nb
import numpy as np

from minimalloc.columns import buffer_columns
from minimalloc.model import Problem
from minimalloc.search.sweep import SweepResult

_NONE = np.zeros((0, 2), np.int64)
_NONE.flags.writeable = False


@dataclass(frozen=True)
class Layout:
    """What the replay reads of a problem and its sweep, as int64 arrays
    (CSR rows as in :class:`~minimalloc.search.sweep.SweepResult`)."""

    size: np.ndarray
    alignment: np.ndarray
    fixed: np.ndarray  # -1: not fixed
    first: np.ndarray  # per buffer, [first, last) covers its sections
    last: np.ndarray
    overlap_ptr: np.ndarray
    overlap_buffer: np.ndarray
    overlap_size: np.ndarray
    span_ptr: np.ndarray
    span_lo: np.ndarray
    span_hi: np.ndarray
    span_wlo: np.ndarray
    span_whi: np.ndarray
    section_ptr: np.ndarray
    section_buffers: np.ndarray
    #: The preordering keys by letter, per buffer (all but T, which depends
    #: on the totals when a piece starts).
    keys: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, problem: Problem, sw: SweepResult) -> Layout:
        columns = buffer_columns(problem.buffers)
        i64 = np.int64
        lower, upper, size = columns.lower, columns.upper, columns.size
        first = np.asarray(sw.first_section, dtype=i64)
        last = np.asarray(sw.last_section, dtype=i64)
        keys = {"A": size * (upper - lower), "C": last - first, "L": lower,
                "O": np.diff(sw.overlap_ptr).astype(i64), "U": upper, "W": upper - lower,
                "Z": size}
        return cls(size, columns.alignment, columns.fixed, first,
                   last, *(np.ascontiguousarray(a, dtype=i64) for a in (
                       sw.overlap_ptr, sw.overlap_buffer, sw.overlap_size, sw.span_ptr,
                       sw.span_lo, sw.span_hi, sw.span_wlo, sw.span_whi, sw.section_ptr,
                       sw.section_buffers)), keys)

    @property
    def num_sections(self) -> int:
        return len(self.section_ptr) - 1

    def has_spans(self) -> np.ndarray:
        """Per buffer, whether it occupies any section."""
        return np.diff(self.span_ptr) > 0


class Placement(NamedTuple):
    """One placement and what it changed, to take it back.

    ``raised`` lists ``(buffer, lowest offset before)`` for the buffers it
    pushed up, ``floors`` ``(section, floor before)`` in the order they were
    set, ``lifted`` the sections the unallocated floor lifted.  ``pushed``
    is a fixed buffer pushed above its offset (-1: none); ``hatless`` says
    nothing unplaced overlaps the buffer.  Without a state (the tree's
    machine) only the buffer and offset are kept.
    """

    buffer: int
    offset: int
    raised: np.ndarray = _NONE
    floors: np.ndarray = _NONE
    lifted: np.ndarray = _NONE[:, 0]
    pushed: int = -1
    hatless: bool = False


class SearchState:
    """Offsets, lowest offsets, floors and totals, updated by placements."""

    def __init__(self, layout: Layout, unallocated_floor: bool) -> None:
        self.layout = layout
        self.unallocated_floor = unallocated_floor
        given = layout.fixed
        # Buffers that occupy nothing (size 0, or gaps all along) start
        # placed, as in the solver.
        idle = (layout.size == 0) | ~layout.has_spans()
        self.offset = np.where(idle, np.maximum(given, 0), -1)
        self.min_offset = np.maximum(given, 0)
        self.floor = np.zeros(layout.num_sections, np.int64)
        width = layout.span_whi - layout.span_wlo
        steps = np.zeros(layout.num_sections + 1, np.int64)
        np.add.at(steps, layout.span_lo, width)
        np.add.at(steps, layout.span_hi, -width)
        self.total = np.cumsum(steps)[:-1]
        self._seen = np.zeros(layout.num_sections, np.int64)  # scratch of _place
        # Per section, an unplaced buffer last seen at or below its floor: a
        # hint that _place verifies before trusting (-1: none yet).
        self._witness = np.full(layout.num_sections, -1, np.int64)

    def copy(self) -> SearchState:
        other = object.__new__(SearchState)
        other.__dict__.update(self.__dict__)
        for name in ("offset", "min_offset", "floor", "total", "_seen", "_witness"):
            setattr(other, name, getattr(self, name).copy())
        return other

    def place(self, b: int, o: int) -> Placement:
        """Place buffer ``b`` at offset ``o``; what it changed."""
        lay = self.layout
        raised, floors, lifted, pushed, hatless = _place(
            b, o, self.offset, self.min_offset, self.floor, self.total, self._seen,
            self._witness, lay.alignment, lay.fixed, lay.overlap_ptr, lay.overlap_buffer,
            lay.overlap_size, lay.span_ptr, lay.span_lo, lay.span_hi, lay.span_wlo,
            lay.span_whi, lay.section_ptr, lay.section_buffers, self.unallocated_floor)
        return Placement(b, o, raised, floors, lifted, int(pushed), bool(hatless))

    def undo(self, placement: Placement) -> None:
        """Take back ``placement`` (the last one not taken back)."""
        lay = self.layout
        _undo(placement.buffer, placement.raised, placement.floors, self.offset,
              self.min_offset, self.floor, self.total, lay.span_ptr, lay.span_lo,
              lay.span_hi, lay.span_wlo, lay.span_whi)

    def peak_totals(self, members: np.ndarray) -> np.ndarray:
        """Per member, the largest total over its sections (0 if none)."""
        lay = self.layout
        return _peak_totals(members, self.total, lay.span_ptr, lay.span_lo, lay.span_hi)

    def first_failing(self, lo: int, hi: int, o: int, capacity: int,
                      monotonic_floor: bool, section_inference: bool) -> tuple[int, int]:
        """The first section of ``[lo, hi)`` whose floor (raised to ``o`` with
        the monotonic floor, plus the total with section inference) exceeds
        the capacity, and that value; ``(-1, 0)`` if none does."""
        reach = self.floor[lo:hi]
        if monotonic_floor:
            reach = np.maximum(reach, o)
        if section_inference:
            reach = reach + self.total[lo:hi]
        over = np.flatnonzero(reach > capacity)
        return (-1, 0) if not len(over) else (lo + int(over[0]), int(reach[over[0]]))


@nb.njit(cache=True)
def _place(b, o, offset, min_offset, floor, total, seen, witness, alignment, fixed,
           overlap_ptr, overlap_buffer, overlap_size, span_ptr, span_lo, span_hi,
           span_wlo, span_whi, section_ptr, section_buffers,
           unallocated_floor):  # pragma: no cover - compiled
    offset[b] = o
    k0, k1 = overlap_ptr[b], overlap_ptr[b + 1]
    raised = np.empty((k1 - k0, 2), np.int64)
    nr = 0
    hatless = True
    pushed = -1
    for k in range(k0, k1):
        x = overlap_buffer[k]
        if offset[x] >= 0:
            continue
        hatless = False
        height = o + overlap_size[k]
        if min_offset[x] >= height:
            continue
        height = -(-height // alignment[x]) * alignment[x]
        raised[nr, 0] = x
        raised[nr, 1] = min_offset[x]
        nr += 1
        min_offset[x] = height
        if fixed[x] >= 0 and height > fixed[x]:
            pushed = x
    # Sections whose lowest unplaced buffer may have risen, in the order met.
    affected = np.empty(0, np.int64)
    if unallocated_floor:
        count = 0
        for i in range(nr):
            x = raised[i, 0]
            for j in range(span_ptr[x], span_ptr[x + 1]):
                count += span_hi[j] - span_lo[j]
        affected = np.empty(count, np.int64)
        na = 0
        for i in range(nr):
            x = raised[i, 0]
            for j in range(span_ptr[x], span_ptr[x + 1]):
                for s in range(span_lo[j], span_hi[j]):
                    if not seen[s]:  # cleared below for the next placement
                        seen[s] = 1
                        affected[na] = s
                        na += 1
        affected = affected[:na]
        for s in affected:
            seen[s] = 0
    own = 0
    for j in range(span_ptr[b], span_ptr[b + 1]):
        own += span_hi[j] - span_lo[j]
    floors = np.empty((own + len(affected), 2), np.int64)
    nf = 0
    for j in range(span_ptr[b], span_ptr[b + 1]):
        for s in range(span_lo[j], span_hi[j]):
            floors[nf, 0] = s
            floors[nf, 1] = floor[s]
            nf += 1
            floor[s] = o + span_whi[j]
            total[s] -= span_whi[j] - span_wlo[j]
    lifted = np.empty(len(affected), np.int64)
    nl = 0
    for s in affected:
        # The floor rises to the lowest unplaced buffer of the section, if
        # that is above it: any unplaced buffer at or below it settles "no"
        # (the one found last time, if it still does, saves the scan).
        w = witness[s]
        if w >= 0 and offset[w] < 0 and min_offset[w] <= floor[s]:
            continue
        found = False
        lowest = 0
        for k in range(section_ptr[s], section_ptr[s + 1]):
            y = section_buffers[k]
            if offset[y] >= 0:
                continue
            if min_offset[y] <= floor[s]:
                witness[s] = y
                found = False
                break
            if not found or min_offset[y] < lowest:
                lowest = min_offset[y]
                found = True
        if found:
            floors[nf, 0] = s
            floors[nf, 1] = floor[s]
            nf += 1
            floor[s] = lowest
            lifted[nl] = s
            nl += 1
    return raised[:nr].copy(), floors[:nf].copy(), lifted[:nl].copy(), pushed, hatless


@nb.njit(cache=True)
def _undo(b, raised, floors, offset, min_offset, floor, total, span_ptr, span_lo,
          span_hi, span_wlo, span_whi):  # pragma: no cover - compiled
    for i in range(len(floors) - 1, -1, -1):
        floor[floors[i, 0]] = floors[i, 1]
    for j in range(span_ptr[b], span_ptr[b + 1]):
        for s in range(span_lo[j], span_hi[j]):
            total[s] += span_whi[j] - span_wlo[j]
    for i in range(len(raised) - 1, -1, -1):
        min_offset[raised[i, 0]] = raised[i, 1]
    offset[b] = -1


@nb.njit(cache=True)
def _peak_totals(members, total, span_ptr, span_lo, span_hi):  # pragma: no cover
    out = np.zeros(len(members), np.int64)
    for i in range(len(members)):
        x = members[i]
        best = 0
        found = False
        for j in range(span_ptr[x], span_ptr[x + 1]):
            for s in range(span_lo[j], span_hi[j]):
                if not found or total[s] > best:
                    best = total[s]
                    found = True
        out[i] = best
    return out
