"""Array helpers the library shares.

>>> distinct(np.array([5, 1, 5, 3])).tolist()
[1, 3, 5]
"""

from __future__ import annotations

import numpy as np

__all__ = ["distinct"]


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending: ``np.unique(values)`` by sorting.

    numpy 2.3 and later find the distinct values of an integer array with a
    hash table, which takes seconds for a few million distinct values where
    sorting takes a tenth of a second (measured: 9.6 s against 0.09 s for
    4 x 10^6 int64 values)."""
    ordered = np.sort(np.asarray(values), kind="stable")
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
