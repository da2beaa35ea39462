"""Room that grows: the one helper the search kernel (kernel.py) and the
sweep (sweep.py) share for their scratch arrays.

numba's on-disk cache checks only the file of the function it caches, not
the files of the functions it calls: after a change here, delete the
``__pycache__`` folders of this package so that both kernels compile again.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["grow"]


@nb.njit(cache=True)
def grow(array, needed):
    """``array`` if it holds ``needed`` items, else a copy at least twice as
    long (amortised O(1) appends)."""
    if needed <= len(array):
        return array
    bigger = np.empty(max(needed, 2 * len(array)), array.dtype)
    bigger[: len(array)] = array
    return bigger
