"""Where the sweep's sections lie in time, to draw them under a packing."""

from __future__ import annotations

import numpy as np

from minimalloc.columns import buffer_columns
from minimalloc.model import Problem
from minimalloc.search.sweep import BufferArrays, SweepResult, create_points, sweep


def section_times(problem: Problem, sw: SweepResult | None = None) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """The time range ``[start, end)`` each section stands for.

    A section is recorded by the sweep at the first end after the previous
    one; it covers the time since that previous end (or since its partition
    began).  Useful to draw floors and totals under a packing chart.

    >>> from minimalloc import Buffer, Problem
    >>> p = Problem([Buffer("a", 0, 3, 4), Buffer("b", 0, 9, 4), Buffer("c", 9, 21, 4)])
    >>> [t.tolist() for t in section_times(p)]
    [[0, 3, 9], [3, 9, 21]]
    """
    sw = sw if sw is not None else sweep(problem)
    arrays = BufferArrays(problem.buffers)
    time, kind, _, _, _, _ = create_points(problem, arrays)
    ends: list[int] = []
    last = None
    for t, kd in zip(time.tolist(), kind.tolist()):
        if last is None:
            last = t
        if kd == 0 and last < t:  # an end later than the previous section's
            ends.append(t)
            last = t
    end = np.array(ends[: sw.num_sections], dtype=np.int64)
    start = np.empty_like(end)
    if len(end):
        start[1:] = end[:-1]
    lower = buffer_columns(problem.buffers).lower
    for p in range(sw.num_partitions):
        lo = int(sw.partition_lo[p])
        if lo < len(start):
            start[lo] = int(lower[sw.partition(p)].min())
    return start, end
