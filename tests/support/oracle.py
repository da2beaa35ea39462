"""Slow, obviously correct answers for tiny problems, to test the fast code.

Nothing here imports the library's algorithms: only the problem model.
Collisions are judged moment by moment, one integer time at a time: at time
``t`` a buffer occupies ``[offset, offset + size)`` outside its gaps,
``[offset + wlo, offset + whi)`` in a gap with window ``(wlo, whi)``, and
nothing in a gap without a window; two buffers collide if at some moment both
occupy a common address (so buffers of size 0 never collide).  This is the
validator's definition (``minimalloc.validate``).

Meant for at most five buffers with small sizes and times: the search tries
every offset that is a multiple of the alignment.

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("a", 0, 2, 1, alignment=4), Buffer("b", 1, 3, 1, alignment=4)))
>>> brute_force_min_height(p), brute_force_feasible(p, 4), brute_force_feasible(p, 5)
(5, False, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from minimalloc.model import Buffer, Gap, Problem

__all__ = [
    "alias_groups",
    "brute_force_alias_min_height",
    "brute_force_alias_solution",
    "brute_force_feasible",
    "brute_force_min_height",
    "brute_force_solution",
    "brute_force_stacked_solution",
    "cheapest_pool_assignment",
    "cheapest_spill",
    "collisions",
    "occupied",
    "group_valid",
    "tiny_problem",
    "valid",
]


def occupied(buffer: Buffer, time: int) -> tuple[int, int] | None:
    """The window ``(lo, hi)`` of ``[0, size)`` that ``buffer`` occupies at
    ``time``, relative to its offset; None when it occupies nothing then."""
    if not buffer.lower <= time < buffer.upper:
        return None
    window: tuple[int, int] = (0, buffer.size)
    for gap in buffer.gaps:
        if gap.lower <= time < gap.upper:
            if gap.window is None:
                return None
            window = gap.window
    if window[1] <= window[0]:
        return None
    return window


def _contacts(a: Buffer, b: Buffer) -> list[tuple[int, int, int, int]]:
    """The distinct pairs of windows the two buffers occupy at common moments."""
    seen: set[tuple[int, int, int, int]] = set()
    for time in range(max(a.lower, b.lower), min(a.upper, b.upper)):
        wa, wb = occupied(a, time), occupied(b, time)
        if wa is not None and wb is not None:
            seen.add((wa[0], wa[1], wb[0], wb[1]))
    return sorted(seen)


def _clash(contacts: list[tuple[int, int, int, int]], oa: int, ob: int) -> bool:
    return any(oa + alo < ob + bhi and ob + blo < oa + ahi
               for alo, ahi, blo, bhi in contacts)


def collisions(problem: Problem, offsets: Sequence[int]) -> list[tuple[int, int]]:
    """Every pair ``(i, j)``, ``i < j``, of buffers that share an address at
    some moment when placed at ``offsets``."""
    buffers = problem.buffers
    found = []
    for i in range(len(buffers)):
        for j in range(i + 1, len(buffers)):
            if _clash(_contacts(buffers[i], buffers[j]), offsets[i], offsets[j]):
                found.append((i, j))
    return found


def valid(problem: Problem, offsets: Sequence[int], capacity: int) -> bool:
    """Whether ``offsets`` place every buffer within ``capacity``: inside
    ``[0, capacity)`` with its whole size, aligned, at its fixed offset if it
    has one, and colliding with no other buffer."""
    if len(offsets) != len(problem.buffers):
        return False
    for b, o in zip(problem.buffers, offsets):
        if o < 0 or o + b.size > capacity or o % b.alignment:
            return False
        if b.offset is not None and o != b.offset:
            return False
    return not collisions(problem, offsets)


def _above(contacts: list[tuple[int, int, int, int]], oa: int, ob: int) -> bool:
    """Whether ``b`` at ``ob`` lies wholly above ``a`` at ``oa`` at every
    common moment, strictly higher: ``ob > oa``, and ``b``'s window starts at
    or above the top of ``a``'s window, whatever the moment."""
    return ob > oa and all(ob + blo >= oa + ahi for alo, ahi, blo, bhi in contacts)


def brute_force_stacked_solution(problem: Problem,
                                 capacity: int) -> tuple[int, ...] | None:
    """Offsets as :func:`brute_force_solution`, restricted to *stacked*
    allocations: of any two buffers that occupy memory at a common moment,
    the one with the higher offset lies wholly above the other at every such
    moment, by a positive effective size (pushed down onto the other, it
    would still have the higher offset).  These are the allocations a
    canonical search builds by placing buffers in order of offset, each on
    top of those below it; without windowed gaps every valid allocation is
    one.
    """
    return brute_force_solution(problem, capacity, stacked=True)


def brute_force_solution(problem: Problem, capacity: int, *,
                         stacked: bool = False) -> tuple[int, ...] | None:
    """Offsets that fit every buffer below ``capacity``, or None if none do.

    Tries every multiple of each buffer's alignment (the fixed offset for a
    fixed buffer), depth first, checking each new placement against the
    buffers placed before it.  With ``stacked``, only stacked allocations
    count (see :func:`brute_force_stacked_solution`).
    """
    buffers = problem.buffers
    n = len(buffers)
    # Fixed buffers first, then the largest: early failures prune more.
    order = sorted(range(n), key=lambda i: (buffers[i].offset is None, -buffers[i].size, i))
    contacts = {
        (i, j): _contacts(buffers[i], buffers[j])
        for i in range(n) for j in range(n) if i != j
    }
    offsets = [0] * n

    def choices(i: int) -> range:
        b = buffers[i]
        if b.offset is not None:
            fits = b.offset + b.size <= capacity
            return range(b.offset, b.offset + 1 if fits else b.offset)
        return range(0, capacity - b.size + 1, b.alignment)

    def fits(i: int, o: int, j: int) -> bool:
        if not stacked or not contacts[(i, j)]:
            return not _clash(contacts[(i, j)], o, offsets[j])
        # One strictly above the other, with a positive effective size.
        above = _above(contacts[(j, i)], offsets[j], o) and _gap_free(contacts[(j, i)])
        below = _above(contacts[(i, j)], o, offsets[j]) and _gap_free(contacts[(i, j)])
        return above or below

    def place(depth: int) -> bool:
        if depth == n:
            return True
        i = order[depth]
        for o in choices(i):
            if all(fits(i, o, j) for j in order[:depth]):
                offsets[i] = o
                if place(depth + 1):
                    return True
        return False

    return tuple(offsets) if place(0) else None


def _gap_free(contacts: list[tuple[int, int, int, int]]) -> bool:
    """Whether the upper buffer (the second window of each contact) must sit
    at a strictly higher offset to lie above the lower one at every common
    moment: its effective size ``max(ahi - blo)`` is positive."""
    return max(ahi - blo for alo, ahi, blo, bhi in contacts) > 0


def brute_force_feasible(problem: Problem, capacity: int) -> bool:
    """Whether every buffer fits below ``capacity`` (exhaustive search)."""
    return brute_force_solution(problem, capacity) is not None


def brute_force_min_height(problem: Problem) -> int:
    """The smallest height of any valid solution (the problem's capacity is
    ignored).

    Tries heights upwards from the largest size.  Stacking the free buffers
    (each aligned) on top of the fixed ones always works, so the answer is at
    most ``max(fixed offset + size) + sum(size + alignment - 1)``.

    Raises
    ------
    ValueError
        If no height works: fixed buffers collide with each other.
    """
    buffers = problem.buffers
    if not buffers:
        return 0
    top = max([0] + [b.offset + b.size for b in buffers if b.offset is not None])
    stack = top + sum(b.size + b.alignment - 1 for b in buffers if b.offset is None)
    for height in range(max(b.size for b in buffers), stack + 1):
        if brute_force_feasible(problem, height):
            return height
    raise ValueError("no solution at any height: fixed buffers collide")


#: ``pick(lo, hi)``: an integer from ``lo`` to ``hi``, both included.
Pick = Callable[[int, int], int]


def tiny_problem(pick: Pick, max_buffers: int = 5) -> Problem:
    """A tiny problem of awkward shape, drawn with ``pick``.

    One generator for two drivers: hypothesis (``pick`` draws integers, so
    failures shrink) and the campaign of :mod:`oracle_campaign` (``pick`` is a
    seeded random generator).  Most buffers have gaps, often several, which
    may touch each other, sit at either end of the lifespan or cover all of
    it; half the gaps have a window, often raised off the buffer's bottom so
    that another buffer can nest under it.  Some buffers have a fixed offset,
    an alignment above 1 or size 0.  The capacity lies near the largest load
    at one moment, where the answer is hardest to get right.
    """
    buffers = []
    for index in range(pick(1, max_buffers)):
        lower = pick(0, 4)
        upper = lower + pick(1, 5)
        size = (0, 1, 1, 2, 2, 3, 4, 5)[pick(0, 7)]
        alignment = (1, 1, 1, 1, 2, 2, 3, 4)[pick(0, 7)]
        gaps = _tiny_gaps(pick, lower, upper, size) if pick(0, 9) < 7 else ()
        offset = alignment * pick(0, 3) if pick(0, 7) == 0 else None
        buffers.append(Buffer(f"b{index}", lower, upper, size, alignment, gaps=gaps,
                              offset=offset))
    load = max(sum(w[1] - w[0] for b in buffers if (w := occupied(b, t)) is not None)
               for t in range(10))
    capacity = max(1, load + pick(-1, 4))
    return Problem(buffers, capacity)


def _tiny_gaps(pick: Pick, lower: int, upper: int, size: int) -> tuple[Gap, ...]:
    """One to three gaps in ``[lower, upper)``: between distinct cut points,
    each gap either ending where the next starts (touching) or leaving room."""
    points = sorted({pick(lower, upper) for _ in range(pick(2, 6))})
    if pick(0, 3) == 0:  # one gap over the whole lifespan
        points = [lower, upper]
    gaps = []
    i = 0
    while i + 1 < len(points):
        window = None
        if size >= 1 and pick(0, 1):
            wlo = pick(0, size - 1)
            window = (wlo, pick(wlo + 1, size))
        gaps.append(Gap(points[i], points[i + 1], window))
        i += 1 if pick(0, 1) else 2  # touching the next one, or not
    return tuple(gaps)


# ----------------------------------------------------------------------------
# Aliases and pools


def alias_groups(problem: Problem) -> list[list[int]]:
    """The buffers of each alias group (root first): each buffer follows its
    ``alias`` chain to the end."""
    index = {b.id: i for i, b in enumerate(problem.buffers)}
    members: dict[int, list[int]] = {}
    for i in range(len(problem.buffers)):
        root = i
        while problem.buffers[root].alias is not None:
            root = index[problem.buffers[root].alias]
        members.setdefault(root, [root])
        if root != i:
            members[root].append(i)
    return list(members.values())


def brute_force_alias_solution(problem: Problem,
                               capacity: int) -> tuple[int, ...] | None:
    """Offsets below ``capacity`` where every alias shares its root's offset
    (aligned for every member, at a member's fixed offset if one has it)
    and only buffers of different groups must not collide; None if none."""
    buffers = problem.buffers
    groups = alias_groups(problem)
    offsets = [0] * len(buffers)

    def clash(g: list[int], h: list[int]) -> bool:
        return any(_clash(_contacts(buffers[i], buffers[j]), offsets[i], offsets[j])
                   for i in g for j in h)

    def place(depth: int) -> bool:
        if depth == len(groups):
            return True
        group = groups[depth]
        step = 1
        for i in group:
            step = step * buffers[i].alignment // _gcd(step, buffers[i].alignment)
        size = buffers[group[0]].size
        fixed = {buffers[i].offset for i in group if buffers[i].offset is not None}
        if len(fixed) > 1:
            return False
        choices = range(0, capacity - size + 1, step) if not fixed else \
            [o for o in fixed if o % step == 0 and o + size <= capacity]
        for o in choices:
            for i in group:
                offsets[i] = o
            if not any(clash(group, groups[d]) for d in range(depth)) and place(depth + 1):
                return True
        return False

    return tuple(offsets) if place(0) else None


def brute_force_alias_min_height(problem: Problem) -> int:
    """The smallest height with the aliases sharing memory."""
    buffers = problem.buffers
    if not buffers:
        return 0
    stack = sum(b.size + b.alignment - 1 for b in buffers)
    for height in range(max(b.size for b in buffers), stack + 1):
        if brute_force_alias_solution(problem, height) is not None:
            return height
    raise ValueError("no solution at any height")


def cheapest_pool_assignment(problem: Problem, pools: Sequence) -> float:
    """The least ``sum(weight x cost)`` over every assignment of buffers to
    ``pools`` (``Pool`` objects) that respects pins and fits every bounded
    pool (exhaustively, no aliases)."""
    import itertools

    buffers = problem.buffers
    best = float("inf")
    choices = [[k for k, p in enumerate(pools) if b.pool in (None, p.name)]
               for b in buffers]
    for assignment in itertools.product(*choices):
        cost = sum((b.size if b.weight is None else b.weight) * pools[k].cost
                   for b, k in zip(buffers, assignment))
        if cost >= best:
            continue
        fits = True
        for k, pool in enumerate(pools):
            members = [i for i, a in enumerate(assignment) if a == k]
            if pool.capacity is None or not members:
                continue
            sub = Problem(tuple(Buffer(buffers[i].id, buffers[i].lower, buffers[i].upper,
                                       buffers[i].size, buffers[i].alignment,
                                       buffers[i].gaps) for i in members))
            if not brute_force_feasible(sub, pool.capacity):
                fits = False
                break
        if fits:
            best = cost
    return best


def group_valid(problem: Problem, offsets: Sequence[int], capacity: int) -> bool:
    """Whether ``offsets`` place every buffer within ``capacity`` (aligned,
    at its fixed offset if any) with every alias at its root's offset, and
    no two buffers of different alias groups colliding."""
    buffers = problem.buffers
    if len(offsets) != len(buffers):
        return False
    for b, o in zip(buffers, offsets):
        if o < 0 or o + b.size > capacity or o % b.alignment:
            return False
        if b.offset is not None and o != b.offset:
            return False
    group_of = {}
    for number, group in enumerate(alias_groups(problem)):
        for i in group:
            group_of[i] = number
            if offsets[i] != offsets[group[0]]:
                return False
    return all(group_of[i] == group_of[j] for i, j in collisions(problem, offsets))


def cheapest_spill(problem: Problem, pools: Sequence) -> float:
    """The least ``sum(weight x cost)`` over every assignment of alias
    groups to ``pools`` (``Pool`` objects) that respects pins and fits every
    bounded pool, offsets tried exhaustively; inf if none fits.  A group
    moves as one; it weighs the sum of its members' given weights, or its
    root's size when none gives one."""
    import itertools

    buffers = problem.buffers
    groups = alias_groups(problem)
    weights, choices = [], []
    for group in groups:
        given = [buffers[i].weight for i in group if buffers[i].weight is not None]
        weights.append(sum(given) if given else buffers[group[0]].size)
        pins = {buffers[i].pool for i in group} - {None}
        choices.append([k for k, p in enumerate(pools) if pins <= {p.name}])
    best = float("inf")
    for assignment in itertools.product(*choices):
        cost = sum(w * pools[k].cost for w, k in zip(weights, assignment))
        if cost >= best:
            continue
        if all(pool.capacity is None or _fits_with_groups(
                problem, [i for g, k in zip(groups, assignment) if k == number
                          for i in g], pool.capacity)
               for number, pool in enumerate(pools)):
            best = cost
    return best


def _fits_with_groups(problem: Problem, members: list[int], capacity: int) -> bool:
    if not members:
        return True
    kept = tuple(Buffer(b.id, b.lower, b.upper, b.size, b.alignment, b.gaps,
                        offset=b.offset, alias=b.alias)
                 for b in (problem.buffers[i] for i in sorted(members)))
    return brute_force_alias_solution(Problem(kept), capacity) is not None


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a
