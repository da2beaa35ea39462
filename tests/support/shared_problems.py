"""Problems several test modules draw: small random ones for hypothesis, and
big ones with a chosen number of pairs alive together for memory checks."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from minimalloc.model import Buffer, Gap, Problem


@st.composite
def small_buffers(draw, max_buffers=5, horizon=8, max_size=6, gaps=True, fixed=False):
    n = draw(st.integers(1, max_buffers))
    buffers = []
    for i in range(n):
        lower = draw(st.integers(0, horizon - 1))
        upper = draw(st.integers(lower + 1, horizon))
        size = draw(st.integers(0, max_size))
        alignment = draw(st.sampled_from([1, 1, 2, 3, 4]))
        gap_list = ()
        if gaps and upper - lower >= 2 and draw(st.booleans()):
            glo = draw(st.integers(lower, upper - 1))
            ghi = draw(st.integers(glo + 1, upper))
            window = None
            if size >= 1 and draw(st.booleans()):
                wlo = draw(st.integers(0, size - 1))
                window = (wlo, draw(st.integers(wlo + 1, size)))
            gap_list = (Gap(glo, ghi, window),)
        offset = None
        if fixed and draw(st.integers(0, 3)) == 0:
            offset = alignment * draw(st.integers(0, 3))
        buffers.append(Buffer(f"b{i}", lower, upper, size, alignment, gap_list, offset))
    return Problem(tuple(buffers))


def overlapping(n: int, alive: int, seed: int = 0) -> Problem:
    """``n`` buffers, each alive for about ``alive`` of the ``n`` steps: about
    ``n * alive`` pairs alive together."""
    rng = np.random.default_rng(seed)
    lower = rng.integers(0, n, n)
    width = rng.integers(alive // 2, 3 * alive // 2 + 1, n)
    size = rng.integers(1, 100, n) * 8
    return Problem(tuple(Buffer(f"b{i}", int(lo), int(lo + w), int(s), alignment=8)
                         for i, (lo, w, s) in enumerate(zip(lower, width, size))))
