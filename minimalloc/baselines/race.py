"""Baseline allocators raced on threads under one time limit.

Each built-in allocator runs on its own thread with its own child of the
shared :class:`~minimalloc.deadline.Deadline`, so that one can be stopped
alone: when one reaches a proven lower bound the others stop (nothing lower
exists), and when none will finish at its pace before the limit, only the
one that will be done first keeps running (under load, several allocators
sharing the cores can each run out of time where one alone finishes: so a
complete answer is found whenever one allocator alone can finish).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from minimalloc.baselines.allocators import built_in
from minimalloc.deadline import Deadline
from minimalloc.model import Problem, Solution
from minimalloc.threads import thread_count

__all__ = ["Answer", "RunOne", "race"]

#: One allocator's answer: ``(height, rank, name, solution, finished)``.
Answer = tuple[int, int, str, Solution, bool]
#: Runs one allocator: ``(problem, rank, name, deadline) -> Answer | None``.
RunOne = Callable[[Problem, int, str, Deadline], "Answer | None"]


def race(problem: Problem, names: list[tuple[int, str]], limit: Deadline,
         bound: int | None, run_one: RunOne,
         enough_at: float | None = None) -> list[Answer | None]:
    """``run_one(problem, rank, name, deadline)`` for each ``(rank, name)``:
    the built-in allocators on threads, each under its own child of
    ``limit`` (stopped together once one reaches ``bound``, or once the
    clock (``time.perf_counter()``) passes ``enough_at`` with one of them
    finished); registered functions run here, one at a time (they may not
    be thread-safe).  Returns the answers in the order of ``names``'
    built-in allocators, then the others."""
    children = {rank: limit.child() for rank, name in names if built_in(name)}
    started: dict[int, float] = {}

    def run(rank: int, name: str):
        started[rank] = time.perf_counter()
        result = run_one(problem, rank, name, children[rank])
        if bound is not None and result is not None and result[4] \
                and result[0] <= bound:
            for other in children.values():
                other.cancel()  # nothing can be lower: stop the others
        return result

    try:
        with ThreadPoolExecutor(thread_count()) as pool:
            futures = {pool.submit(run, rank, name): rank for rank, name in names
                       if built_in(name)}
            others = [run_one(problem, rank, name, limit)
                      for rank, name in names if not built_in(name)]
            _supervise(futures, children, started, limit, len(problem), enough_at)
            return [future.result() for future in futures] + others
    finally:
        for child in children.values():
            limit.unlink(child.cancel)


#: Seconds between two looks at the allocators running on threads.
_SUPERVISE_EVERY = 0.2


def _supervise(futures: dict, children: dict[int, Deadline], started: dict[int, float],
               limit: Deadline, n: int, enough_at: float | None = None) -> None:
    """Wait for the allocators on threads; if none has finished and none
    of those running will at its pace before the limit, keep only the one
    that will be done first (the others share the cores with it: under
    load, several may each run out of time where one alone would finish).
    So a complete answer is found whenever one allocator alone can finish.
    Past ``enough_at``, once one has finished, the others are stopped."""
    concentrated = False
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=_SUPERVISE_EVERY, return_when=FIRST_COMPLETED)
        finished = any(_finished(f.result()) for f in futures
                       if f.done() and f.exception() is None)
        if finished and enough_at is not None and time.perf_counter() >= enough_at:
            for future in pending:
                children[futures[future]].cancel()
            continue
        if concentrated or limit.at is None or finished:
            continue
        now = time.perf_counter()
        finish: dict[int, float] = {}
        for future in pending:
            rank = futures[future]
            placed = int(children[rank].progress[0])
            if rank in started and placed >= max(1024, n // 100):
                finish[rank] = started[rank] + (now - started[rank]) * n / placed
        running = [futures[f] for f in pending if futures[f] in started]
        if finish and len(finish) == len(running) and min(finish.values()) > limit.at:
            leader = min(finish, key=finish.__getitem__)
            for rank, child in children.items():
                if rank != leader:
                    child.cancel()
            concentrated = True


def _finished(answer: Answer | None) -> bool:
    return answer is not None and answer[4]
