"""Where buffers must go together: the checks of pools and aliases.

A buffer may be pinned to a memory pool (``pool``) and may live in another
buffer's memory (``alias``).  Aliases chain (``c -> b -> a``): every buffer
resolves to its *root*, the one at the end of its chain, and a root with its
aliases is one *group*, placed as one block.  This module finds the roots and
says, in one line naming both buffers, what makes a problem unusable:

- an alias naming no buffer of the problem, or a chain that comes back to
  itself (a cycle);
- an alias larger than its root (it would not fit the root's memory);
- two buffers of a group pinned to different pools, or fixed at different
  offsets;
- a buffer pinned to a pool the problem does not name (when it names some).

It reads only the fields (``id``, ``size``, ``pool``, ``alias``, ``offset``),
so the model can call it before anything else exists.

>>> from types import SimpleNamespace as B
>>> bs = [B(id="x", size=4, pool=None, alias=None, offset=None),
...       B(id="y", size=4, pool=None, alias="x", offset=None),
...       B(id="z", size=4, pool=None, alias="y", offset=None)]
>>> alias_roots(bs)
[0, 0, 0]
>>> bs[0].alias = "z"
>>> group_trouble(bs, ())[2]
"aliases form a cycle: 'x' -> 'z' -> 'y' -> 'x'"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minimalloc.errors import ProblemError, shorten

__all__ = ["alias_roots", "check_pool_name", "group_trouble"]

#: Characters a pool name cannot hold: it is written in lists such as
#: ``sram:1MiB,dram:64MiB`` and in CSV cells.
_FORBIDDEN = frozenset(",:=\"'\n\r\t")


def check_pool_name(name: object, column: str | None = None) -> str:
    """``name`` as a pool name: a non-empty string without surrounding
    whitespace, commas, colons, equals signs, quotes or line breaks.

    >>> check_pool_name("sram")
    'sram'
    """
    if not isinstance(name, str):
        raise ProblemError(f"expected a pool name, got {name!r:.40}", column=column)
    if not name or name != name.strip():
        raise ProblemError(f"expected a non-empty pool name without surrounding "
                           f"whitespace, got {shorten(name)!r}", column=column)
    bad = sorted(set(name) & _FORBIDDEN)
    if bad:
        raise ProblemError(f"a pool name cannot hold {bad[0]!r}: got {shorten(name)!r}",
                           column=column)
    return name


def alias_roots(buffers: Sequence[Any]) -> list[int]:
    """The index of each buffer's root (its own index if it is no alias).

    Raises :class:`ProblemError` for an alias naming no buffer or a cycle.
    Cost ``O(n)``: each chain is followed once.
    """
    roots, trouble = _roots(buffers)
    if trouble is not None:
        raise ProblemError(trouble[1], column="alias")
    return roots


def _roots(buffers: Sequence[Any]) -> tuple[list[int], tuple[int, str] | None]:
    """The roots, or the index of a buffer at fault and why."""
    index = {b.id: i for i, b in enumerate(buffers)}
    root = [-1] * len(buffers)
    for start in range(len(buffers)):
        if root[start] >= 0:
            continue
        chain = [start]
        on_chain = {start}
        current = start
        while True:
            alias = buffers[current].alias
            if alias is None:
                found = current
                break
            target = index.get(alias)
            if target is None:
                return root, (current, f"buffer '{shorten(buffers[current].id)}' is an "
                              f"alias of '{shorten(alias)}', which is not a buffer of "
                              "the problem")
            if root[target] >= 0:
                found = root[target]
                break
            if target in on_chain:
                loop = chain[chain.index(target):] + [target]
                names = " -> ".join(f"'{shorten(buffers[i].id)}'" for i in loop)
                return root, (current, f"aliases form a cycle: {names}")
            chain.append(target)
            on_chain.add(target)
            current = target
        for i in chain:
            root[i] = found
    return root, None


def group_trouble(buffers: Sequence[Any],
                  pools: Sequence[Any]) -> tuple[int, str, str] | None:
    """What makes the pools and aliases of ``buffers`` unusable, if anything:
    ``(index of the buffer at fault, column, message)``, the message naming
    both buffers; None if all is well.  ``pools`` are the problem's
    :class:`~minimalloc.model.Pool` objects (empty: any pool name goes)."""
    names = [p.name for p in pools]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        return 0, "pool", f"pool '{twice}' is named twice"
    if names:
        for i, b in enumerate(buffers):
            if b.pool is not None and b.pool not in names:
                return i, "pool", (f"buffer '{shorten(b.id)}' is pinned to pool "
                                   f"'{shorten(b.pool)}', which the problem does not "
                                   f"have (its pools: {', '.join(names)})")
    if not any(b.alias is not None for b in buffers):
        return None
    roots, trouble = _roots(buffers)
    if trouble is not None:
        return trouble[0], "alias", trouble[1]
    # The pin and fixed offset of each group: the first member that sets one.
    pinned: dict[int, int] = {}
    fixed: dict[int, int] = {}
    for i, b in enumerate(buffers):
        r = roots[i]
        root = buffers[r]
        if i != r and b.size > root.size:
            return i, "alias", (f"buffer '{shorten(b.id)}' (size {b.size}) is an alias "
                                f"of '{shorten(root.id)}' (size {root.size}): an alias "
                                "cannot be larger than the buffer whose memory it shares")
        for attribute, seen, column in (("pool", pinned, "pool"),
                                        ("offset", fixed, "offset")):
            value = getattr(b, attribute)
            if value is None:
                continue
            first = seen.setdefault(r, i)
            other = getattr(buffers[first], attribute)
            if other != value:
                what = "pinned to pool" if attribute == "pool" else "fixed at offset"
                return i, column, (
                    f"buffer '{shorten(b.id)}' is {what} {_quoted(value)} but shares "
                    f"memory with '{shorten(buffers[first].id)}', {what} "
                    f"{_quoted(other)}: buffers that share memory share "
                    f"{'a pool' if attribute == 'pool' else 'an offset'}")
    return None


def _quoted(value: object) -> str:
    return f"'{shorten(value)}'" if isinstance(value, str) else str(value)
