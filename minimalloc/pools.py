"""Memory pools as people write them: sizes with units, lists of pools.

>>> parse_size("1MiB"), parse_size("64 KB"), parse_size("4096")
(1048576, 64000, 4096)
>>> parse_pools("sram:1MiB,dram:64MiB")
(Pool(name='sram', capacity=1048576, cost=0), Pool(name='dram', capacity=67108864, cost=1))
>>> parse_pools("sram:256KiB:0,hbm:16MiB:2,dram:inf:5")[2]
Pool(name='dram', capacity=None, cost=5)
>>> format_bytes(98304), format_bytes(1000), format_bytes(3 << 30)
('96 KiB', '1,000 bytes', '3 GiB')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from minimalloc.errors import ProblemError, shorten
from minimalloc.model import Pool, Problem, Solution

__all__ = ["MAIN", "SPILL", "PoolPart", "default_pools", "format_bytes", "parse_pools",
           "parse_size", "pool_parts"]

#: The names of the two pools of a plain spill: the given memory, and where
#: the buffers that do not fit go.
MAIN = "main"
SPILL = "spill"

_UNITS = {
    "": 1, "b": 1,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*")
_UNBOUNDED = ("inf", "unbounded", "")


def parse_size(text: str) -> int:
    """A number of bytes written with an optional unit: ``B``, ``KB``/``MB``/
    ``GB``/``TB`` (powers of 1000), ``KiB``/``MiB``/``GiB``/``TiB`` or
    ``K``/``M``/``G``/``T`` (powers of 1024); case is ignored.  A fraction
    must come to whole bytes (``1.5KiB`` is 1536)."""
    match = _SIZE.fullmatch(str(text))
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS:
        raise ProblemError(f"expected a size such as 4096, 64KiB or 1MiB, got "
                           f"{shorten(str(text))!r}")
    number = match.group(1)
    whole, _, fraction = number.partition(".")
    scale = _UNITS[unit]
    numerator = int(whole + fraction) * scale
    denominator = 10 ** len(fraction)
    if numerator % denominator:
        raise ProblemError(f"{shorten(str(text))!r} is not a whole number of bytes")
    return numerator // denominator


def format_bytes(count: int) -> str:
    """``count`` bytes for people: in KiB, MiB, GiB when it is a whole number
    of them, else in bytes with thousands separators."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count and count % scale == 0:
            return f"{count // scale:,} {unit}"
    return f"{count:,} byte{'' if count == 1 else 's'}"


def parse_pools(text: str) -> tuple[Pool, ...]:
    """Pools from ``name:size[:cost],...``, cheapest first: a pool without a
    cost costs its position in the list (0, 1, 2...); a size of ``inf`` (or
    none, ``dram:``) is unbounded."""
    pools = []
    for position, part in enumerate(p for p in str(text).split(",") if p.strip()):
        fields = [f.strip() for f in part.split(":")]
        if len(fields) not in (2, 3):
            raise ProblemError(f"expected pools as name:size[:cost], separated by "
                               f"commas (sram:1MiB,dram:64MiB), got {shorten(part)!r}")
        name, size = fields[0], fields[1]
        capacity = None if size.lower() in _UNBOUNDED else parse_size(size)
        cost: int | float = position
        if len(fields) == 3:
            try:
                cost = float(fields[2])
            except ValueError:
                raise ProblemError(f"pool '{shorten(name)}': expected a cost (a number "
                                   f">= 0), got {shorten(fields[2])!r}") from None
            cost = int(cost) if cost.is_integer() else cost
        pools.append(Pool(name, capacity, cost))
    if not pools:
        raise ProblemError("expected at least one pool, as name:size (sram:1MiB)")
    names = [p.name for p in pools]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise ProblemError(f"pool '{twice}' is named twice")
    return tuple(pools)


def default_pools(capacity: int | None) -> tuple[Pool, Pool]:
    """The two pools of a plain spill: ``main`` with ``capacity`` at cost 0,
    and an unbounded ``spill`` at cost 1 (so the cost is the weight moved)."""
    return Pool(MAIN, capacity, 0), Pool(SPILL, None, 1)


@dataclass(frozen=True)
class PoolPart:
    """The buffers a plan places in one pool, as a problem of their own.

    ``indices`` are their positions in the whole problem; ``problem`` holds
    them (without pins; aliases kept where the buffer aliased is there too)
    at the pool's ``capacity``; ``solution`` their offsets there.
    """

    name: str
    capacity: int | None
    indices: tuple[int, ...]
    problem: Problem
    solution: Solution


def pool_parts(problem: Problem, solution: Solution) -> list[PoolPart]:
    """A plan split by pool, in the problem's order of pools (then any other
    pool in the order first used); one part, named by nothing (``""``), for
    a plan without pools.  Empty pools of the problem are included."""
    if solution.pools is None:
        return [PoolPart("", problem.capacity, tuple(range(len(problem.buffers))),
                         problem, solution)]
    names = [p.name for p in problem.pools]
    names += [n for n in dict.fromkeys(solution.pools) if n not in names]
    capacity = {p.name: p.capacity for p in problem.pools}
    parts = []
    for name in names:
        indices = tuple(i for i, p in enumerate(solution.pools) if p == name)
        here = {problem.buffers[i].id for i in indices}
        buffers = tuple(replace(b, pool=None, alias=b.alias if b.alias in here else None)
                        for b in (problem.buffers[i] for i in indices))
        sub = Problem(buffers, capacity.get(name))
        parts.append(PoolPart(name, capacity.get(name), indices, sub,
                              Solution.from_offsets(sub, [solution.offsets[i]
                                                          for i in indices])))
    return parts
