"""Long work on the command line: a live progress line on a terminal, and
Ctrl-C that stops the work at once.

On a terminal, runs that take more than a moment show a status line on
stderr (elapsed time; nodes, or the best height, lower bound and gap); it is
cleared before the results are printed, and never written when stderr is
not a terminal.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

from tqdm import tqdm

from minimalloc.deadline import Background
from minimalloc.tuning import PROGRESS_DELAY, PROGRESS_INTERVAL

__all__ = ["PROGRESS_DELAY", "PROGRESS_INTERVAL", "Progress", "interruptible"]



class Progress:
    """A live status line on stderr while long work runs (only on a
    terminal: tqdm disables itself on anything else).

    The work's thread sets :attr:`details` (a string, or a callable that
    returns one); the waiting main thread calls :meth:`tick`, which shows
    ``label, elapsed seconds, details`` once the work has run for
    :data:`PROGRESS_DELAY` seconds.  :meth:`close` clears the line.
    """

    def __init__(self, label: str, stream=None) -> None:
        self.label = label
        self.details: str | Callable[[], str] = ""
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.perf_counter()
        self._bar = None

    def tick(self) -> None:
        elapsed = time.perf_counter() - self.started
        if elapsed < PROGRESS_DELAY:
            return  # short runs print nothing at all
        if self._bar is None:
            self._bar = tqdm(total=None, bar_format="{desc}", file=self.stream,
                             leave=False, disable=None, dynamic_ncols=True)
        details = self.details() if callable(self.details) else self.details
        self._bar.set_description_str(f"{self.label} {elapsed:7.1f} s  {details}")

    def report_bounds(self, elapsed: float, height: int, lower_bound: int) -> None:
        """An ``on_progress`` for :func:`minimalloc.analysis.minimize.minimize`."""
        gap = height - lower_bound
        share = f" ({100.0 * gap / lower_bound:.2f} %)" if lower_bound else ""
        self.details = (f"best height {height:,}  lower bound {lower_bound:,}  "
                        f"gap {gap:,}{share}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def interruptible(work: Callable[[], object],
                  cancel: Callable[[], object] | None = None, *,
                  progress: Progress | None = None, finish_on_cancel: bool = False):
    """Run ``work`` in a thread so that Ctrl-C is seen at once (the search
    kernel holds the main thread otherwise), refreshing ``progress`` while
    waiting.  On Ctrl-C ``cancel`` is called; then with ``finish_on_cancel``
    the work's own answer (its best so far) is awaited and returned (a second
    Ctrl-C gives up on it), otherwise the work gets a moment to stop and
    KeyboardInterrupt is raised."""
    helper = Background(work, "minimalloc-work")
    done = helper.done
    try:
        try:
            _wait(done, progress)
        except KeyboardInterrupt:
            if cancel is not None:
                cancel()
            if not finish_on_cancel:
                done.wait(2.0)
                raise
            if progress is not None:
                progress.label += " (stopping)"
            _wait(done, progress)
    finally:
        if progress is not None:
            progress.close()
    return helper.result()


def _wait(done: threading.Event, progress: Progress | None) -> None:
    while not done.wait(PROGRESS_INTERVAL):
        if progress is not None:
            progress.tick()
