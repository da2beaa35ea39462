"""A time limit and a cancel flag that Python code and numba kernels share.

A numba kernel cannot read the clock, so the limit reaches it through a
one-element int64 array: a timer thread sets it at the deadline, and
:meth:`Deadline.cancel` sets it from anywhere.  Kernels read ``flag[0]``
every so many iterations (:data:`CHECK_EVERY`) and, when it is set, stop with
the best they have; they run with ``nogil=True`` so that the timer thread
can run meanwhile.  Python code asks :meth:`Deadline.expired` between steps.

>>> deadline = Deadline(None)
>>> deadline.expired(), deadline.left()
(False, None)
>>> deadline.cancel(); deadline.expired()
True
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

import numpy as np

__all__ = ["CHECK_EVERY", "Background", "Deadline", "as_deadline", "run_cancellable"]

T = TypeVar("T")

#: Kernels read the flag once per this many steps of their main loop (a
#: power of two minus one, used as a mask).
CHECK_EVERY = 1023
#: Timeouts longer than this (about 115 days) set no timer: they cannot
#: expire in practice, and threading.Timer rejects huge values.
_LONGEST_TIMER = 1e7


class Deadline:
    """A point in time after which long work should stop, or None for none.

    Parameters
    ----------
    timeout : float or None
        Seconds from now; None (or inf) for no limit.
    flag : np.ndarray, optional
        A one-element int64 array to share (for example with a solver, so that
        its cancel reaches this work too); a new one by default.
    """

    def __init__(self, timeout: float | None, flag: np.ndarray | None = None) -> None:
        self.flag = flag if flag is not None else np.zeros(1, np.int64)
        #: How far the kernel working to this deadline has got, in its own
        #: units (a baseline: buffers placed), for whoever watches it.
        self.progress = np.zeros(1, np.int64)
        now = time.perf_counter()
        self.at = (None if timeout is None or not math.isfinite(timeout)
                   else now + max(float(timeout), 0.0))
        self._timer: threading.Timer | None = None
        self._depth = 0  # nested ``with`` blocks share one timer
        # Threads working to one deadline enter and leave it concurrently.
        self._lock = threading.Lock()
        # Each linked stop, and whether the timer calls it too (else only
        # an explicit cancel does).
        self._linked: list[tuple[Callable[[], object], bool]] = []
        self._cancelled = False  # cancel() was called (not only the timer)

    @classmethod
    def until(cls, at: float | None) -> Deadline:
        """A deadline at the :func:`time.perf_counter` value ``at``."""
        deadline = cls(None)
        deadline.at = at
        return deadline

    def cancel(self) -> None:
        """Ask every kernel and step reading this deadline to stop now (and
        every work :meth:`link` ed or :meth:`link_cancel` ed to it)."""
        self._cancelled = True
        self._stop(timer=False)

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called (not only the time run out)."""
        return self._cancelled

    def _stop(self, timer: bool) -> None:
        """Set the flag and call the linked stops (from the timer: only
        those linked with :meth:`link`)."""
        self.flag[0] = 1
        with self._lock:
            linked = [stop for stop, on_time in self._linked if on_time or not timer]
        for stop in linked:
            stop()

    def child(self) -> Deadline:
        """A deadline at the same time with a flag of its own, cancelled
        with this one (a cancel or this one's timer) but cancellable alone:
        for one of several works sharing a limit."""
        child = Deadline.until(self.at)
        self.link(child.cancel)
        return child

    def link(self, stop: Callable[[], object]) -> None:
        """Call ``stop`` when this deadline is cancelled or its timer fires
        (at once if that already happened): for work that has its own way
        to stop, such as :meth:`minimalloc.search.solver.Solver.cancel`."""
        with self._lock:
            self._linked.append((stop, True))
        if self.flag[0]:
            stop()

    def link_cancel(self, stop: Callable[[], object]) -> None:
        """Call ``stop`` when this deadline is cancelled (at once if it
        was), but not when its time runs out: for work that must finish
        after the limit, such as the answer of last resort, yet stop at a
        Ctrl-C."""
        with self._lock:
            self._linked.append((stop, False))
        if self._cancelled:
            stop()

    def unlink(self, stop: Callable[[], object]) -> None:
        """Forget a ``stop`` given to :meth:`link` or :meth:`link_cancel`."""
        with self._lock:
            self._linked = [entry for entry in self._linked if entry[0] != stop]

    def left(self) -> float | None:
        """Seconds left (at least 0), or None without a limit."""
        if self.at is None:
            return None
        return max(self.at - time.perf_counter(), 0.0)

    def expired(self) -> bool:
        """Whether the limit has passed or a cancel was asked for."""
        if self.flag[0]:
            return True
        if self.at is not None and time.perf_counter() >= self.at:
            self.flag[0] = 1
            return True
        return False

    def __enter__(self) -> Deadline:
        """Start the timer that sets the flag at the deadline (for kernels)."""
        with self._lock:
            self._depth += 1
            left = self.left()
            if self._depth == 1 and left is not None and left < _LONGEST_TIMER:
                if left <= 0:
                    self.flag[0] = 1
                else:
                    self._timer = threading.Timer(left, self._stop, (True,))
                    self._timer.daemon = True
                    self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._timer is not None:
                self._timer.cancel()
                self._timer = None


def as_deadline(deadline: Deadline | float | None) -> Deadline:
    """A :class:`Deadline` from one, a timeout in seconds, or None."""
    if isinstance(deadline, Deadline):
        return deadline
    return Deadline(deadline)


def run_cancellable(work: Callable[[], T], deadline: Deadline) -> T:
    """``work()``, which watches ``deadline``, stoppable by Ctrl-C.

    A numba kernel holds the thread that called it until it returns, and a
    Ctrl-C that arrives meanwhile surfaces only afterwards, or as a
    ``SystemError`` from the kernel's dispatcher.  So on the main thread the
    work runs on a helper thread while the main thread waits; a Ctrl-C then
    cancels ``deadline`` (the work stops within its next check), the work's
    end is awaited, and KeyboardInterrupt is raised again.  On any other
    thread ``work()`` is simply called.
    """
    if threading.current_thread() is not threading.main_thread():
        return work()
    helper = Background(work, "minimalloc-kernel")
    try:
        while not helper.done.wait(0.05):
            pass
    except KeyboardInterrupt:
        deadline.cancel()
        helper.done.wait()
        raise
    return helper.result()


class Background(Generic[T]):
    """``work()`` started at once on a daemon thread named ``name``.

    The caller waits on :attr:`done` (an Event rather than Thread.join: a
    join interrupted by Ctrl-C can leave the thread looking finished while it
    still runs), then :meth:`result` returns what the work returned or
    raises what it raised."""

    def __init__(self, work: Callable[[], T], name: str) -> None:
        self.done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._run, args=(work,), name=name, daemon=True).start()

    def _run(self, work: Callable[[], T]) -> None:
        try:
            self._value = work()
        except BaseException as error:  # noqa: BLE001 - raised again by result()
            self._error = error
        finally:
            self.done.set()

    def result(self) -> T:
        """The work's value, or its exception raised again (call once
        :attr:`done` is set)."""
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
