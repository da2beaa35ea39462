"""Time limits and cancellation reach every long phase.

The wall-time targets (limit + 0.5 s at 10^5 buffers) are measured by the
benchmark; here a short limit on a problem that takes far longer without one
must come back with its best answer instead of running on.  The bounds on
wall time are loose on purpose (the machine may be busy): before the phases
watched the clock, ``minimize(timeout=1)`` took 52 s on 20,000 buffers.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from minimalloc.analysis.explain import explain
from minimalloc.analysis.minimize import Minimizer, minimize
from minimalloc.bounds import lower_bound, max_load, stacking_bound
from minimalloc.deadline import Deadline, run_cancellable
from minimalloc.generate.problems import random_problem
from minimalloc.jit import warmup
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import Solver
from minimalloc.validate import validate

#: Far above what a phase that watches its limit needs, far below what the
#: same calls took before they did.
GENEROUS = 15.0


@pytest.fixture(scope="module")
def big():
    """20,000 buffers with alignment 8 and 5 % gaps, at capacity LOAD."""
    warmup()
    problem = random_problem(20_000, seed=1, alignment=8, gap_probability=0.05)
    return problem.with_capacity(max_load(problem))


def _timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def test_deadline_object():
    never = Deadline(None)
    assert not never.expired() and never.left() is None
    with never:  # no timer to start
        pass
    passed = Deadline(0.0)
    assert passed.expired() and passed.flag[0] == 1
    forever = Deadline(float("inf"))
    with forever:
        assert not forever.expired()
    soon = Deadline(0.05)
    with soon:
        time.sleep(0.2)
        assert soon.flag[0] == 1  # set by the timer, for kernels that cannot read clocks


def test_minimize_returns_its_best_in_time(big):
    result, seconds = _timed(minimize, big, timeout=0.5)
    assert seconds < GENEROUS
    assert validate(big.with_capacity(None), result.solution).ok
    assert result.lower_bound <= result.height


def test_minimize_cancel_from_another_thread(big):
    minimizer = Minimizer()
    threading.Timer(0.3, minimizer.cancel).start()
    result, seconds = _timed(minimizer.minimize, big, timeout=600)
    assert seconds < GENEROUS
    assert result.cancelled
    assert validate(big.with_capacity(None), result.solution).ok


def test_explain_in_time(big):
    explanation, seconds = _timed(explain, big, timeout=0.5)
    assert seconds < GENEROUS
    assert explanation.load == max_load(big)


def test_solve_with_fallback_in_time(big):
    solver = Solver(SolverParams(timeout=0.1))
    result, seconds = _timed(solver.solve, big, fallback=True)
    assert seconds < GENEROUS
    assert result.status in (Status.TIMEOUT, Status.OK)
    assert result.fallback is not None
    assert validate(big.with_capacity(None), result.fallback.solution).ok


def test_cancel_stops_the_sweep_before_the_search(big):
    solver = Solver(SolverParams(timeout=600))
    solver.cancel()
    result, seconds = _timed(solver.solve, big)
    assert result.status is Status.CANCELLED
    assert seconds < GENEROUS


def test_bounds_with_a_passed_deadline_are_still_bounds(big):
    assert stacking_bound(big, 0.0)[0] <= stacking_bound(big)[0]
    assert max_load(big) <= lower_bound(big, 0.0) <= lower_bound(big)
    flag = np.ones(1, np.int64)  # cancelled before it starts
    assert lower_bound(big, Deadline(None, flag)) <= lower_bound(big)


def test_a_child_is_cancelled_with_its_parent_but_not_the_reverse():
    parent = Deadline(None)
    first, second = parent.child(), parent.child()
    first.cancel()
    assert first.expired() and not second.expired() and not parent.expired()
    parent.cancel()
    assert second.expired()


def test_linked_work_is_stopped_once_even_if_linked_late():
    stopped = []
    deadline = Deadline(None)
    deadline.link(lambda: stopped.append("early"))
    deadline.cancel()
    deadline.link(lambda: stopped.append("late"))  # already cancelled: at once
    assert stopped == ["early", "late"]


def test_run_cancellable_turns_ctrl_c_into_a_cancel_and_waits_for_the_work():
    """A Ctrl-C on the main thread cancels the deadline; the work sees it,
    ends, and the interrupt is raised again (no error from inside a kernel)."""
    deadline = Deadline(None)
    seen = []

    def work():
        while not deadline.expired():
            time.sleep(0.01)
        seen.append("stopped")
        return 1

    import _thread
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        run_cancellable(work, deadline)
    assert seen == ["stopped"]
    assert run_cancellable(lambda: 7, Deadline(None)) == 7


def test_a_cancel_reaches_work_linked_to_it_and_the_timer_does_not():
    limit = Deadline(0.01)
    on_cancel, on_time = threading.Event(), threading.Event()
    limit.link_cancel(on_cancel.set)
    limit.link(on_time.set)
    with limit:
        assert on_time.wait(5.0)
    assert limit.expired() and not on_cancel.is_set()
    limit.cancel()
    assert on_cancel.is_set()
