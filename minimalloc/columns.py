"""The buffers of a problem as int64 columns, extracted once and shared.

Reading one attribute of 10^5 ``Buffer`` objects costs tens of milliseconds;
the bounds, each baseline and the sweep all need the same columns, so they
are read once per buffer tuple and kept (read-only) for the last few tuples
seen.  The cache holds the tuple itself, so an entry can never be confused
with a later tuple at the same address.

>>> from minimalloc.model import Buffer
>>> buffers = (Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 8, alignment=4, offset=8))
>>> c = buffer_columns(buffers)
>>> c.size.tolist(), c.fixed.tolist(), c.gap_count.tolist()
([4, 8], [-1, 8], [0, 0])
>>> buffer_columns(buffers) is c
True
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import NamedTuple, TypeVar

import numpy as np

from minimalloc.model import Buffer
from minimalloc.tuning import CACHE_SIZE

__all__ = ["Columns", "buffer_columns", "clear_cache", "derived", "seed"]

T = TypeVar("T")


class Columns(NamedTuple):
    """Per-buffer int64 columns (read-only arrays)."""

    lower: np.ndarray
    upper: np.ndarray
    size: np.ndarray
    alignment: np.ndarray
    fixed: np.ndarray  #: the fixed offset, -1 where there is none
    gap_count: np.ndarray


_cache: list[tuple[tuple[Buffer, ...], Columns, dict[str, object]]] = []


def _entry(buffers: tuple[Buffer, ...]) -> tuple[Columns, dict[str, object]]:
    for held, columns, extra in _cache:
        if held is buffers:
            return columns, extra
    n = len(buffers)

    def column(name: str) -> np.ndarray:
        return np.fromiter(map(attrgetter(name), buffers), np.int64, n)

    offsets = map(attrgetter("offset"), buffers)
    fixed = np.fromiter((-1 if o is None else o for o in offsets), np.int64, n)
    gap_count = np.fromiter(map(len, map(attrgetter("gaps"), buffers)), np.int64, n)
    columns = Columns(column("lower"), column("upper"), column("size"),
                      column("alignment"), fixed, gap_count)
    for array in columns:
        array.flags.writeable = False
    extra: dict[str, object] = {}
    _cache.insert(0, (buffers, columns, extra))  # another thread may insert too:
    del _cache[CACHE_SIZE:]  # keep our own references, not _cache[0]
    return columns, extra


def buffer_columns(buffers: tuple[Buffer, ...]) -> Columns:
    """The columns of ``buffers`` (a problem's ``buffers`` tuple)."""
    return _entry(buffers)[0]


def derived(buffers: tuple[Buffer, ...], key: str, compute: Callable[[], T]) -> T:
    """A value computed from ``buffers`` alone, kept with their columns."""
    _, extra = _entry(buffers)
    if key not in extra:
        extra[key] = compute()
    return extra[key]  # type: ignore[return-value]


def clear_cache() -> None:
    """Forget every kept column (to measure a computation from scratch)."""
    _cache.clear()


def seed(buffers: tuple[Buffer, ...], columns: Columns) -> None:
    """Keep ``columns`` as those of ``buffers`` (a reader that built the
    buffers from these arrays saves reading them back from the objects).

    The caller vouches that ``columns`` hold exactly the buffers' values;
    the arrays are made read-only here.
    """
    for array in columns:
        array.flags.writeable = False
    _cache.insert(0, (buffers, columns, {}))
    del _cache[CACHE_SIZE:]
