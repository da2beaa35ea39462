"""The search state at any step of a traced solve, replayed from its events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from minimalloc.model import Problem
from minimalloc.params import SolverParams
from minimalloc.search.sweep import sweep
from minimalloc.search.trace.events import Events, trace_of
from minimalloc.search.trace.machine import ReplayMachine
from minimalloc.search.trace.path import restore
from minimalloc.search.trace.snapshot import Snapshot

if TYPE_CHECKING:
    from minimalloc.search.solver import SolveResult


#: The least a jump walks forward instead of rebuilding, by default.
_WALK = 64
#: About how many open nodes a rebuild re-applies in the time a walk takes
#: for one event (measured on the 6,000-buffer sample: 60 us against 170 us).
_WALK_COST = 3


class TraceReplay:
    """The search state at any step of a traced solve.

    Walking forward one step applies one event, following the search of
    docs/algorithm.md literally (the state updates compiled, the rest in
    Python).  A jump (backwards, or more than ``walk_limit`` steps ahead)
    rebuilds the state from the path of search nodes open at the target
    step (:mod:`.path`: a compiled walk over the raw events, then the few
    events that built that path): on a trace of a million events, or at
    the depth of the 6,000-buffer sample, it takes a fraction of a second,
    and memory does not grow with the trace.  :meth:`check` replays every
    event.

    Parameters
    ----------
    problem : Problem
        The problem that was solved.
    result : SolveResult
        Its traced result (``solve(problem, params, trace=N)``).
    params : SolverParams, optional
        The parameters it was solved with (the defaults if omitted): the
        switches decide how floors are updated and checked.
    walk_limit : int, optional
        The farthest forward a jump walks event by event from the current
        step instead of rebuilding.  By default it is chosen by cost: a
        rebuild re-applies one placement per open node, a walk applies
        every event, about three times the work each, so a jump walks up to
        a third as many steps as the current path is deep (at least 64).

    Examples
    --------
    >>> from minimalloc import Buffer, Problem, solve
    >>> problem = Problem([Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 4)], capacity=8)
    >>> run = TraceReplay(problem, solve(problem, trace=100))
    >>> run.snapshot(len(run)).settled.tolist()
    [0, 4]
    """

    def __init__(self, problem: Problem, result: SolveResult,
                 params: SolverParams | None = None, *,
                 walk_limit: int | None = None) -> None:
        self.problem = problem
        self.result = result
        self.params = params if params is not None else SolverParams()
        self.events = Events(trace_of(result))
        self.sweep = sweep(problem)
        capacity = result.capacity if result.capacity is not None else problem.capacity
        self.capacity = int(capacity) if capacity is not None else 0
        self.walk_limit = None if walk_limit is None else max(0, int(walk_limit))
        self._start = ReplayMachine(problem, self.params, self.sweep, self.capacity, False)
        self._cursor: tuple[int, ReplayMachine] = (0, self._start.copy())

    def __len__(self) -> int:
        return len(self.events)

    @property
    def truncated(self) -> bool:
        """Whether the search produced more events than were recorded."""
        return bool(self.result.trace_truncated)

    @property
    def mismatches(self) -> list[str]:
        """Disagreements found so far between the kernel's events and the replay
        (empty when they agree)."""
        return self._start.mismatches

    def _advance(self, machine: ReplayMachine, frm: int, to: int) -> None:
        for k in range(frm, to):
            machine.apply(self.events[k])

    def _machine_at(self, step: int) -> ReplayMachine:
        if not 0 <= step <= len(self.events):
            raise IndexError(f"step {step} is outside 0..{len(self.events)}")
        at, machine = self._cursor
        limit = self.walk_limit
        if limit is None:
            limit = max(_WALK, len(machine.frames) // _WALK_COST)
        if not at <= step <= at + limit:
            # Rebuild the state before the step, then apply the step itself
            # so that its explanation and checks are those of a walk.
            at = max(step - 1, 0)
            rebuilt = restore(self._start, self.events.rows, at)
            if rebuilt is None:  # not a path: walk from the start, reporting why
                at, rebuilt = 0, self._start.copy()
            machine = rebuilt
        self._advance(machine, at, step)
        self._cursor = (step, machine)
        return machine

    def snapshot(self, step: int) -> Snapshot:
        """The state right after ``step`` events (0 <= step <= len(self))."""
        machine = self._machine_at(step)
        event = self.events[step - 1] if step > 0 else None
        return machine.snapshot(step, event)

    def snapshots(self, start: int = 0, stop: int | None = None) -> Iterator[Snapshot]:
        """Snapshots at steps ``start, start + 1, ..., stop`` (default: the last),
        computed one event at a time."""
        stop = len(self.events) if stop is None else stop
        machine = self._machine_at(start).copy()
        yield machine.snapshot(start, self.events[start - 1] if start else None)
        for k in range(start, stop):
            self._advance(machine, k, k + 1)
            yield machine.snapshot(k + 1, self.events[k])

    def check(self) -> list[str]:
        """Replay every event from the start and return :attr:`mismatches`
        (empty: the kernel and the replay agree on every step)."""
        machine = self._start.copy()
        self._advance(machine, 0, len(self.events))
        return self.mismatches


def replay(problem: Problem, result: SolveResult, step: int,
           params: SolverParams | None = None) -> Snapshot:
    """The search state right after ``step`` events of a traced solve.

    For many steps of one run, build a :class:`TraceReplay` once instead.

    Parameters
    ----------
    problem : Problem
        The problem that was solved.
    result : SolveResult
        Its traced result.
    step : int
        Events to apply, ``0 <= step <= len(result.trace)``.
    params : SolverParams, optional
        The parameters of the solve (the defaults if omitted).

    Returns
    -------
    Snapshot
    """
    return TraceReplay(problem, result, params).snapshot(step)
