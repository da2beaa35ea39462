"""The search state at any step of a traced solve, replayed from its events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from minimalloc.model import Problem
from minimalloc.params import SolverParams
from minimalloc.search.sweep import sweep
from minimalloc.search.trace.events import decode
from minimalloc.search.trace.machine import ReplayMachine
from minimalloc.search.trace.snapshot import Snapshot

if TYPE_CHECKING:
    from minimalloc.search.solver import SolveResult


class TraceReplay:
    """The search state at any step of a traced solve.

    Replays the events from the start in plain Python (docs/algorithm.md,
    "The search"), keeping a copy of the state every ``checkpoint_every`` steps, so that
    jumping to step ``k`` costs at most ``checkpoint_every`` event updates once
    the replay has passed ``k``; walking forward one step at a time costs one.

    Parameters
    ----------
    problem : Problem
        The problem that was solved.
    result : SolveResult
        Its traced result (``solve(problem, params, trace=N)``).
    params : SolverParams, optional
        The parameters it was solved with (the defaults if omitted): the
        switches decide how floors are updated and checked.
    checkpoint_every : int
        Steps between stored states.

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
                 checkpoint_every: int = 128) -> None:
        self.problem = problem
        self.result = result
        self.params = params if params is not None else SolverParams()
        self.events = decode(result)
        self.sweep = sweep(problem)
        capacity = result.capacity if result.capacity is not None else problem.capacity
        self.capacity = int(capacity) if capacity is not None else 0
        self.checkpoint_every = max(1, int(checkpoint_every))
        start = ReplayMachine(problem, self.params, self.sweep, self.capacity, False)
        self._checkpoints: dict[int, ReplayMachine] = {0: start}
        self._furthest = 0
        self._cursor: tuple[int, ReplayMachine] = (0, start.copy())

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
        return self._checkpoints[0].mismatches

    def _advance(self, machine: ReplayMachine, frm: int, to: int) -> None:
        for k in range(frm, to):
            machine.apply(self.events[k])
            done = k + 1
            if done > self._furthest:
                if done % self.checkpoint_every == 0:
                    self._checkpoints[done] = machine.copy()
                self._furthest = done

    def _machine_at(self, step: int) -> ReplayMachine:
        if not 0 <= step <= len(self.events):
            raise IndexError(f"step {step} is outside 0..{len(self.events)}")
        at, machine = self._cursor
        if not at <= step or step - at > self.checkpoint_every:
            base = min(step, self._furthest) // self.checkpoint_every * \
                self.checkpoint_every
            while base not in self._checkpoints:
                base -= self.checkpoint_every
            at, machine = base, self._checkpoints[base].copy()
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
        """Replay every event and return :attr:`mismatches` (empty: the kernel
        and the replay agree on every step)."""
        self._machine_at(len(self.events))
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
