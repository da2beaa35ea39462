"""A lower bound above LOAD: a time window that cannot be packed, with its proof.

Cut every buffer to a time window ``[start, end)`` (a buffer alive at
``start - 1`` and ``start`` becomes one born at ``start``; one alive past
``end`` dies at ``end``) and drop the buffers that are not alive inside it.
Every allocation of the whole problem, read inside the window, is an
allocation of this *window problem* of the same height: cutting lifespans
only removes collisions, dropping buffers removes more.  So if the exact
search proves that the window problem does not fit in a capacity ``c``, no
allocation of the whole problem has a height ``<= c``: ``c + 1`` is a lower
bound.  A window of one moment gives the LOAD back; wider windows see how the
buffers alive at the peak are tied to their neighbours in time, which is what
makes the optimum exceed the LOAD.  The smallest example is a fixed
offset: ``f`` sits at 1 (size 1) during ``[0, 2)`` and ``a`` (size 2) lives
during ``[0, 1)``; the LOAD is 3, but ``a`` fits neither below ``f`` nor
within 3 above it, and the window ``[0, 1)`` proves a height of at least 4.

Buffers with windowed gaps inside the window are left out (the search cannot
see every placement of those, so a failed search would prove nothing); a
bound from fewer buffers is still a bound.  Fixed offsets are kept.

The search for a bound (:func:`window_bound`) starts at the heaviest moments
and doubles each window (in profile steps, alternately on each side) while
the window problem fits; each probe gets a small time budget, and a window
whose probe runs out of time is not widened further (wider ones are harder).

**The certificate.**  A :class:`WindowCertificate` names the window, the
buffers of the window problem and the capacity it does not fit in; anyone
can rebuild that problem (:func:`window_problem`) and check the claim with
any exact solver: :func:`check_certificate` runs this package's search or,
independently, OR-Tools' CP-SAT (``pip install 'minimalloc[exact]'``), and
:func:`minimalloc.formats.csv.write_csv` writes it for the reference C++
solver (``--capacity`` = the certificate's capacity must answer
infeasible).

>>> from minimalloc.model import Buffer, Problem
>>> p = Problem((Buffer("f", 0, 2, 1, offset=1), Buffer("a", 0, 1, 2)))
>>> result = window_bound(p, start_bound=3)
>>> result.bound, result.certificate
(4, WindowCertificate(start=0, end=1, buffers=(0, 1), capacity=3, engine='minimalloc'))
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from minimalloc.bounds import active_pieces, load_profile
from minimalloc.deadline import Deadline, as_deadline
from minimalloc.extras import missing
from minimalloc.model import Buffer, Gap, Problem
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import Solver
from minimalloc.tuning import MAX_BOUND_WINDOW_BUFFERS as MAX_WINDOW_BUFFERS
from minimalloc.tuning import WINDOW_CENTRES as CENTRES
from minimalloc.tuning import WINDOW_PROBE_SECONDS as PROBE_SECONDS

__all__ = [
    "WindowBound",
    "WindowCertificate",
    "check_certificate",
    "window_bound",
    "window_problem",
]


class WindowCertificate(NamedTuple):
    """The proof of a window bound: the buffers ``buffers`` (indices into the
    problem), cut to the time window ``[start, end)``, do not fit in
    ``capacity``; so every allocation of the problem is higher than
    ``capacity``.  ``engine`` names the exact search that proved it."""

    start: int
    end: int
    buffers: tuple[int, ...]
    capacity: int
    engine: str = "minimalloc"


class WindowBound(NamedTuple):
    """What :func:`window_bound` proved: ``bound`` (every allocation is at
    least this high) and its certificate (None when no window beat the
    bound it started from); ``probes`` counts the window problems searched,
    ``seconds`` the time spent."""

    bound: int
    certificate: WindowCertificate | None
    probes: int
    seconds: float


def window_problem(problem: Problem, start: int, end: int,
                   buffers: tuple[int, ...] | None = None) -> tuple[Problem, list[int]]:
    """The buffers of ``problem`` cut to the time window ``[start, end)``.

    Parameters
    ----------
    problem : Problem
        Any problem.
    start, end : int
        The window, ``start < end``.
    buffers : tuple of int, optional
        Keep only these buffers (indices), as a certificate lists them.

    Returns
    -------
    (Problem, list of int)
        The window problem (no capacity) and, for each of its buffers, its
        index in ``problem``.  A buffer is kept if it occupies memory at some
        moment of the window and has no windowed gap there; its lifespan and
        gaps are cut to the window; id, size, alignment and fixed offset are
        kept.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> p = Problem((Buffer("a", 0, 4, 2), Buffer("b", 3, 9, 1), Buffer("c", 6, 9, 1)))
    >>> sub, index = window_problem(p, 2, 5)
    >>> [(b.id, b.lower, b.upper) for b in sub.buffers], index
    ([('a', 2, 4), ('b', 3, 5)], [0, 1])
    """
    if start >= end:
        raise ValueError(f"a window needs start < end, got {start}-{end}")
    wanted = None if buffers is None else set(buffers)
    pieces = active_pieces(problem)
    live = ((pieces.t0 < end) & (pieces.t1 > start) & (pieces.whi > pieces.wlo))
    candidates = np.unique(pieces.owner[live]).tolist()
    kept: list[Buffer] = []
    index: list[int] = []
    for i in candidates:
        if wanted is not None and i not in wanted:
            continue
        cut = _cut(problem.buffers[i], start, end)
        if cut is not None:
            kept.append(cut)
            index.append(i)
    return Problem(tuple(kept)), index


def _cut(buffer: Buffer, start: int, end: int) -> Buffer | None:
    """``buffer`` with its lifespan and gaps cut to ``[start, end)``; None if
    a windowed gap remains (the search is not complete with those)."""
    lower, upper = max(buffer.lower, start), min(buffer.upper, end)
    gaps = []
    for gap in buffer.gaps:
        glo, ghi = max(gap.lower, lower), min(gap.upper, upper)
        if glo < ghi:
            if gap.window is not None:
                return None
            gaps.append(Gap(glo, ghi))
    return Buffer(buffer.id, lower, upper, buffer.size, buffer.alignment,
                  tuple(gaps), buffer.offset)


def window_bound(problem: Problem, deadline: Deadline | float | None = None, *,
                 start_bound: int = 0, granularity: int = 1,
                 probe_seconds: float = PROBE_SECONDS,
                 params: SolverParams | None = None) -> WindowBound:
    """The best lower bound from window problems that cannot be packed.

    Parameters
    ----------
    problem : Problem
        Any problem; capacity is not used.
    deadline : Deadline or float, optional
        Time limit for the whole search (seconds, or a shared
        :class:`~minimalloc.deadline.Deadline`); None: until every centre
        has been widened as far as it goes.
    start_bound : int
        A bound already proven (the LOAD, say): only capacities at or above
        it are probed, so the answer is at least ``start_bound``.
    granularity : int
        Every height an allocation of the problem can be pushed down to is a
        multiple of this (:func:`minimalloc.analysis.minimize.granularity`): a window
        that does not fit in ``c`` then proves the next multiple above ``c``.
    probe_seconds : float
        Time budget of each window probe.
    params : SolverParams, optional
        Switches and heuristics of the exact search (its ``timeout`` is
        ignored).

    Returns
    -------
    WindowBound

    Notes
    -----
    Each probe sweeps the window problem and searches it: memory grows with
    the pairs of buffers alive together inside the window, at most
    :data:`MAX_WINDOW_BUFFERS` buffers.  Windows come from the profile of
    live bytes: the :data:`CENTRES` heaviest steps, widened by doubling.
    """
    started = time.perf_counter()
    limit = as_deadline(deadline)
    g = max(1, granularity)
    bound = -(-max(start_bound, 0) // g) * g
    best: WindowCertificate | None = None
    probes = 0
    base = params if params is not None else SolverParams()
    times, live = load_profile(problem)
    if len(times) < 2:
        return WindowBound(bound, None, 0, time.perf_counter() - started)
    _load_kernels()
    steps = len(times) - 1  # step k is [times[k], times[k + 1])
    order = np.argsort(-live[:steps], kind="stable")[:CENTRES].tolist()
    seen: set[tuple[int, int]] = set()
    for centre in order:
        left = right = centre
        widen_left = True
        while not limit.expired():
            window = (int(times[left]), int(times[right + 1]))
            verdict = None
            if window not in seen:
                seen.add(window)
                sub, index = window_problem(problem, *window)
                if len(sub) > MAX_WINDOW_BUFFERS:
                    break
                settled = _settle(sub, bound, g, limit, _with_timeout(base, probe_seconds))
                probes += settled.probes
                if settled.capacity is not None:
                    best = WindowCertificate(*window, tuple(index), settled.capacity)
                bound = settled.bound
                verdict = Status.OK if settled.decided else Status.TIMEOUT
            if verdict in (Status.TIMEOUT, Status.CANCELLED, Status.UNDECIDED):
                break  # wider windows are harder still
            if left == 0 and right == steps - 1:
                break
            # Double the window: as many steps again, on one side then the other.
            width = right - left + 1
            if (widen_left and left > 0) or right == steps - 1:
                left = max(0, left - width)
            else:
                right = min(steps - 1, right + width)
            widen_left = not widen_left
        if limit.expired():
            break
    return WindowBound(bound, best, probes, time.perf_counter() - started)


class _Settled(NamedTuple):
    bound: int  # proven for the window problem (at least the one it started from)
    capacity: int | None  # the highest capacity proven infeasible, if any
    decided: bool  # every probe ended with an answer
    probes: int


def _settle(sub: Problem, bound: int, g: int, limit: Deadline,
            params: SolverParams) -> _Settled:
    """The smallest height of ``sub`` from ``bound`` up, as far as the probes
    decide: the bound first (most windows fit there), then steps that double
    while they fail, then bisection below the lowest height found.

    A capacity that fails proves every one below it fails too, so only the
    highest needs a certificate.  A probe that runs out of time ends the
    climb: the bisection goes on below it.
    """
    # Every free buffer stacked (aligned) above the fixed ones fits in
    # ``most``: past it only colliding fixed offsets could fail.
    most = (sum(b.size + b.alignment - 1 for b in sub.buffers)
            + max((b.offset + b.size for b in sub.buffers if b.offset is not None),
                  default=0))
    low, high = max(bound, g), -(-most // g) * g + g
    capacity = None
    decided = True
    probes = 0
    step = 0  # 0: probe the bound itself; then g, 2g, 4g, ... while failing
    climbing = True
    while low < high and not limit.expired():
        if climbing:
            probe = min(low + step, high - g)
        else:
            probe = low + (high - low) // g // 2 * g
        solver = Solver(replace(params, timeout=_budget(params.timeout, limit)))
        result = solver.solve(sub, capacity=probe)
        probes += 1
        if result.status is Status.INFEASIBLE:
            capacity = probe
            low = -(-(probe + 1) // g) * g
            step = max(g, 2 * step)
        elif result.status is Status.OK:
            high = min(high, result.solution.height)
            climbing = False
        else:
            decided = False
            high = probe  # nothing known at or above it: look below
            climbing = False
    return _Settled(max(bound, low) if capacity is not None else bound, capacity,
                    decided and low >= high, probes)


_loaded: list[bool] = []


def _load_kernels() -> None:
    """Compile or load the search's kernels once per process, untimed: the
    first search of a process would otherwise spend a short probe's budget
    loading them and report a time-out."""
    if not _loaded:
        Solver().solve(Problem((Buffer("a", 0, 2, 1), Buffer("b", 1, 3, 1))), capacity=1)
        _loaded.append(True)


def _budget(probe_seconds: float, limit: Deadline) -> float:
    """A probe's budget: ``probe_seconds``, within the time left."""
    left = limit.left()
    return probe_seconds if left is None else max(min(probe_seconds, left), 1e-3)


def _with_timeout(params: SolverParams, timeout: float) -> SolverParams:
    return replace(params, timeout=timeout, minimize_capacity=False)


def check_certificate(problem: Problem, certificate: WindowCertificate,
                      timeout: float | None = None, engine: str = "minimalloc") -> bool:
    """Check a window bound's proof: its window problem does not fit.

    Parameters
    ----------
    problem : Problem
        The problem the certificate is about.
    certificate : WindowCertificate
        What to check.
    timeout : float, optional
        Seconds for the check (None: no limit).
    engine : {"minimalloc", "cp-sat"}
        ``"minimalloc"``: this package's exact search; ``"cp-sat"``: OR-Tools'
        CP-SAT on a model written here from the problem alone (rectangles
        with fixed time extents that may not overlap), an independent check.
        CP-SAT needs ``pip install 'minimalloc[exact]'``.

    Returns
    -------
    bool
        True when the engine proved that no allocation of the window problem
        fits in ``certificate.capacity``; False when it found one, or ran out
        of time.

    Raises
    ------
    ImportError
        For ``engine="cp-sat"`` without OR-Tools installed.
    ValueError
        For an unknown engine.

    Examples
    --------
    >>> from minimalloc.model import Buffer, Problem
    >>> p = Problem((Buffer("f", 0, 2, 1, offset=1), Buffer("a", 0, 1, 2)))
    >>> check_certificate(p, window_bound(p, start_bound=3).certificate)
    True
    """
    sub, _ = window_problem(problem, certificate.start, certificate.end,
                            certificate.buffers)
    if engine == "minimalloc":
        params = SolverParams(timeout=timeout)
        return Solver(params).solve(sub, capacity=certificate.capacity).status \
            is Status.INFEASIBLE
    if engine == "cp-sat":
        return _cp_sat_infeasible(sub, certificate.capacity, timeout)
    raise ValueError(f"unknown engine {engine!r}: use 'minimalloc' or 'cp-sat'")


def _cp_sat_infeasible(problem: Problem, capacity: int, timeout: float | None) -> bool:
    """CP-SAT: no offsets put every active stretch of every buffer below
    ``capacity`` without two overlapping in time and address."""
    try:
        from ortools.sat.python import cp_model
    except ImportError as error:  # optional: the exact extra
        raise missing("exact", "checking with CP-SAT") from error
    pieces = active_pieces(problem)
    model = cp_model.CpModel()
    offsets = []
    for b in problem.buffers:
        if b.size > capacity:
            return True
        if b.offset is not None:
            offsets.append(model.NewConstant(b.offset))
            continue
        steps = model.NewIntVar(0, (capacity - b.size) // b.alignment, f"k_{b.id}")
        offsets.append(steps * b.alignment if b.alignment > 1 else steps)
    times, addresses = [], []
    for owner, t0, t1, wlo, whi in zip(*(a.tolist() for a in pieces)):
        if whi <= wlo:
            continue
        times.append(model.NewFixedSizeIntervalVar(t0, t1 - t0, ""))
        bottom = offsets[owner] + wlo
        addresses.append(model.NewFixedSizeIntervalVar(bottom, whi - wlo, ""))
        model.Add(offsets[owner] + problem.buffers[owner].size <= capacity)
    model.AddNoOverlap2D(times, addresses)
    solver = cp_model.CpSolver()
    if timeout is not None:
        solver.parameters.max_time_in_seconds = timeout
    solver.parameters.num_workers = 2
    return solver.Solve(model) == cp_model.INFEASIBLE
