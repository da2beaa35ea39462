"""Running the solver for the page: the exact search (or the minimiser), the
baselines to compare with and, when the buffers do not fit, an explanation,
in a background thread that the page polls and can stop.

No Streamlit here.  What a run produced is an :class:`Outcome`: the
library's own results (:class:`~minimalloc.search.solver.SolveResult`,
:class:`~minimalloc.analysis.minimize.MinimizeResult`,
:class:`~minimalloc.analysis.explain.Explanation`) and the baselines'
answers.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from app.text import byte_text, exact_bytes
from minimalloc import bounds
from minimalloc.analysis.explain import Explanation, explain
from minimalloc.analysis.minimize import Minimizer, MinimizeResult, Probe, Progress
from minimalloc.analysis.spill import SpillPlan, spill
from minimalloc.baselines import allocators
from minimalloc.errors import InternalError
from minimalloc.model import Pool, Problem, Solution
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import Solver, SolveResult
from minimalloc.search.stats import SearchStats

#: The two things a run can do, as the batch runner names them.
SOLVE = "solve"
MINIMIZE = "minimize"
MODES = (SOLVE, MINIMIZE)

#: Solves that finish within this many seconds show their result at once;
#: longer ones continue in the background with a progress display.
QUICK_WAIT = 1.5
#: Time allowed for explaining an infeasible problem when no limit is set.
EXPLAIN_SECONDS = 10.0
#: Time allowed for the spill plan ("Make it fit") when no limit is set.
SPILL_SECONDS = 10.0


#: The status of a result higher than the capacity (the batch runner's word).
OVER_CAPACITY = "over capacity"
#: A run's status as the page says it.
STATUS_TEXT = {
    Status.OK: "solved",
    Status.INFEASIBLE: "does not fit",
    Status.TIMEOUT: "timed out",
    Status.CANCELLED: "stopped",
    Status.UNDECIDED: "undecided",
}
OVER_CAPACITY_TEXT = "needs more than the capacity"
#: What produced an allocation, by the minimiser's name for it.
METHOD_TEXT = {"exact": "exact search", "improve": "anytime optimiser"}


class Plan(NamedTuple):
    """An allocation with what the page knows about it, as the files say it."""

    solution: Solution
    method: str  # what produced it, in words
    status: str  # the run's status (the batch runner's words), or the validator's
    fits: bool | None  # whether its height is within the capacity
    mode: str | None = None  # SOLVE or MINIMIZE; None for an uploaded allocation
    lower_bound: int | None = None
    proven_optimal: bool | None = None


@dataclass
class Baseline:
    """One baseline allocator's answer."""

    method: str
    solution: Solution | None
    seconds: float
    error: str = ""


@dataclass
class Outcome:
    """Everything a finished run produced, for the page to show."""

    problem: Problem
    mode: str  # SOLVE or MINIMIZE
    params: SolverParams
    result: SolveResult | None = None
    solution: Solution | None = None  # the search's (or the minimiser's) answer
    lower_bound: int = 0
    proven_optimal: bool | None = None  # minimise mode
    explanation: Explanation | None = None
    baselines: list[Baseline] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False
    error: str = ""
    minimize: MinimizeResult | None = None  # the library's answer, in minimise mode
    #: An allocation the user chose to see instead (what it is, the allocation).
    chosen: tuple[str, Solution] | None = None
    #: The cheapest plan over two pools found when asked to make it fit.
    spill: SpillPlan | None = None
    #: minimalloc caught itself about to hand out a wrong answer (a bug).
    internal_error: InternalError | None = None

    @property
    def status(self) -> Status | None:
        return None if self.result is None else self.result.status

    def copy(self) -> Outcome:
        """A shallow copy (the page keeps one that a late thread cannot change)."""
        return dataclasses.replace(self)

    @property
    def stats(self) -> SearchStats | None:
        return None if self.result is None else self.result.stats

    def method(self) -> str:
        """What produced :attr:`solution`, in words: the exact search, the
        anytime optimiser or a baseline (the library's own account)."""
        if self.minimize is not None:
            name = self.minimize.method
            return METHOD_TEXT.get(name, f"baseline {name}")
        return METHOD_TEXT["exact"]

    def fits(self) -> bool | None:
        """Whether the allocation shown is within the capacity (None if there
        is no allocation or no capacity)."""
        shown, _ = self.shown()
        capacity = self.problem.capacity
        return None if shown is None or capacity is None else shown.height <= capacity

    def status_text(self) -> str:
        """The run's status as the page says it: an answer above the capacity
        needs more than the capacity, even when the run itself succeeded."""
        if self.status is None:
            return "error"
        if self.status is Status.OK and self.fits() is False:
            return OVER_CAPACITY_TEXT
        return STATUS_TEXT.get(self.status, self.status.value)

    def plan(self) -> Plan | None:
        """The allocation shown, with the run's status, for the files."""
        shown, label = self.shown()
        if shown is None:
            return None
        fits = self.fits()
        status = self.status.value if self.status is not None else "error"
        if self.status is Status.OK and fits is False:
            status = OVER_CAPACITY
        own = self.chosen is None and shown is self.solution
        return Plan(shown, label, status, fits, self.mode, int(self.lower_bound),
                    bool(self.proven_optimal) if own and self.mode == MINIMIZE
                    else shown.height <= self.lower_bound)

    def shows_own_answer(self) -> bool:
        """Whether the allocation shown is the run's own answer (not a
        baseline instead, nor one the user chose)."""
        return self.chosen is None and self.solution is not None

    def best_baseline(self) -> Baseline | None:
        done = [b for b in self.baselines if b.solution is not None]
        return min(done, key=lambda b: b.solution.height, default=None)

    def shown(self) -> tuple[Solution | None, str]:
        """The allocation to draw and what it is."""
        if self.chosen is not None:
            return self.chosen[1], self.chosen[0]
        if self.solution is not None:
            return self.solution, self.method()
        if self.result is not None and self.result.fallback is not None:
            fb = self.result.fallback
            return fb.solution, f"baseline {fb.method} (fallback)"
        best = self.best_baseline()
        if best is not None:
            return best.solution, f"baseline {best.method}"
        return None, ""


def make_params(
    switches: Mapping[str, bool],
    heuristics_text: str,
    timeout: float | None,
    minimize: bool = False,
) -> SolverParams:
    """SolverParams from the page's widgets (raises ProblemError if bad)."""
    parts = [p.strip() for p in str(heuristics_text).replace(" ", ",").split(",")]
    heuristic_list = tuple(p for p in parts if p)
    return SolverParams(
        timeout=timeout if timeout else None,
        minimize_capacity=minimize,
        preordering_heuristics=heuristic_list,
        **dict(switches),
    )


def run_baselines(problem: Problem, names: Sequence[str]) -> list[Baseline]:
    """Each named baseline allocator, timed."""
    out = []
    for name in names:
        started = time.perf_counter()
        try:
            solution = allocators.allocate(problem, name)
            out.append(Baseline(name, solution, time.perf_counter() - started))
        except Exception as error:  # a broken allocator must not break the page
            out.append(Baseline(name, None, time.perf_counter() - started, str(error)))
    return out


def explain_infeasible(problem: Problem, params: SolverParams,
                       seconds: float) -> Explanation:
    """Why ``problem`` does not fit its capacity, within ``seconds``
    (:func:`minimalloc.analysis.explain.explain`)."""
    return explain(problem, timeout=seconds, params=params)


def plan_spill(problem: Problem, params: SolverParams, seconds: float,
               pools: Sequence[Pool] | None = None) -> SpillPlan:
    """The cheapest set of buffers to move to a second memory so that the
    rest fit ``problem``'s capacity (:func:`minimalloc.analysis.spill.spill`
    over ``pools``, else those the problem names, else ``main`` and
    ``spill``)."""
    return spill(problem, pools=pools, timeout=seconds, params=dataclasses.replace(
        params, minimize_capacity=False))


class Job:
    """One run of the page's Solve button, in a background thread.

    Exact search (or minimisation), then the baselines, then, if the problem
    does not fit, an explanation.  :meth:`progress` says where it is;
    :meth:`cancel` stops it with the best answer so far.
    """

    def __init__(
        self,
        problem: Problem,
        params: SolverParams,
        *,
        mode: str = SOLVE,
        baselines: Sequence[str] = (),
        fallback: bool = True,
        after: Callable[[Outcome], object] | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}: expected one of {MODES}")
        if mode == MINIMIZE and not params.minimize_capacity:
            params = dataclasses.replace(params, minimize_capacity=True)
        self.problem = problem
        self.after = after  # run in the thread on the finished outcome (charts)
        self.params = params
        self.mode = mode
        self.baseline_names = tuple(baselines)
        self.fallback = fallback
        self.phase = "starting"
        self.solver = Solver(params)
        self.outcome = Outcome(problem, mode, params)
        self.cancelled = False
        self.probes: list[Probe] | None = None  # the minimiser's, as they finish
        self.minimizer: Minimizer | None = None
        self.thread = threading.Thread(target=self.work, name="minimalloc-solve",
                                       daemon=True)
        self.started = time.perf_counter()

    def start(self, wait: float = QUICK_WAIT) -> Job:
        self.thread.start()
        self.thread.join(wait)
        return self

    @property
    def done(self) -> bool:
        return not self.thread.is_alive()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def cancel(self, wait: float = 3.0) -> None:
        """Stop the search; wait up to ``wait`` seconds for the thread."""
        self.cancelled = True
        self.outcome.cancelled = True
        self.solver.cancel()
        if self.minimizer is not None:
            self.minimizer.cancel()
        self.thread.join(wait)

    def wait(self, timeout: float | None = None) -> bool:
        self.thread.join(timeout)
        return self.done

    def work(self) -> None:
        """The thread's body: every error is kept for the page, never lost."""
        outcome = self.outcome
        problem = self.problem
        try:
            outcome.lower_bound = bounds.lower_bound(problem)
            if self.mode == MINIMIZE:
                self.minimise()
            else:
                self.phase = "searching"
                outcome.result = self.solver.solve(problem, fallback=self.fallback)
                outcome.solution = outcome.result.solution
            if self.baseline_names and not self.cancelled:
                self.phase = "running the baselines"
                outcome.baselines = run_baselines(problem, self.baseline_names)
            if (outcome.status is Status.INFEASIBLE and self.mode == SOLVE
                    and not self.cancelled):
                self.phase = "explaining why it does not fit"
                seconds = self.params.timeout or EXPLAIN_SECONDS
                outcome.explanation = explain_infeasible(problem, self.params, seconds)
        except InternalError as bug:  # a wrong answer stopped: asks for a report
            outcome.internal_error = bug
            outcome.error = str(bug)
        except Exception as error:  # shown on the page, never lost in a thread
            outcome.error = f"{type(error).__name__}: {error}"
        finally:
            outcome.seconds = time.perf_counter() - self.started
            if self.after is not None and not outcome.error:
                self.phase = "drawing"
                try:
                    self.after(outcome)
                except Exception:  # noqa: BLE001 - a head start only; the page redraws
                    pass
            self.phase = "done"

    def minimise(self) -> None:
        """The smallest capacity (:class:`minimalloc.analysis.minimize.Minimizer`):
        bounds, a baseline to start from, probes with growing budgets; Stop
        keeps the best found so far."""
        outcome = self.outcome
        problem = self.problem
        self.phase = "minimising the capacity"
        self.probes = []
        self.minimizer = Minimizer(self.params)
        if self.cancelled:
            self.minimizer.cancel()
        found = self.minimizer.minimize(problem, self.params.timeout,
                                        on_probe=self.probes.append)
        outcome.solution = found.solution
        outcome.lower_bound = max(outcome.lower_bound, int(found.lower_bound))
        outcome.proven_optimal = bool(found.proven_optimal)
        outcome.minimize = found
        outcome.result = SolveResult(Status.CANCELLED if found.cancelled else Status.OK,
                                     found.solution, found.stats, problem.capacity)

    def minimizer_progress(self) -> Progress | None:
        """The minimiser's progress (None before and after it runs)."""
        return None if self.minimizer is None else self.minimizer.progress

    def progress(self) -> dict[str, tuple[str, str | None]]:
        """What to show while the job runs (see :func:`progress_metrics`)."""
        if self.probes is None:
            return progress_metrics(self.elapsed, self.solver.nodes_so_far, None, None)
        return progress_metrics(self.elapsed, None, self.minimizer_progress(),
                                len(self.probes))


def progress_metrics(elapsed: float, nodes: int | None, state: Progress | None,
                     probes: int | None) -> dict[str, tuple[str, str | None]]:
    """A running job's metrics, label -> (value, tooltip): the time so far,
    and the nodes of a search or where a minimisation is (the capacity being
    probed and its budget, the best height so far, the lower bound, the
    probes done).  Byte counts are short, with the exact count as tooltip."""
    shown: dict[str, tuple[str, str | None]] = {"Elapsed": (f"{elapsed:.1f} s", None)}
    if nodes is not None:
        shown["Nodes so far"] = (f"{nodes:,}", None)
    if state is not None and state.probing is not None:
        shown["Probing capacity"] = _bytes(state.probing)
        if state.budget is not None:
            shown["Probe budget"] = (f"{state.budget:,.1f} s", None)
    if state is not None and state.best is not None:
        shown["Best so far"] = _bytes(state.best.height)
    if state is not None and state.lower_bound is not None:
        shown["Lower bound"] = _bytes(state.lower_bound)
    if probes is not None:
        shown["Probes done"] = (f"{probes:,}", None)
    return shown


def _bytes(value: int) -> tuple[str, str | None]:
    text = byte_text(value)
    return text, None if text[-1].isdigit() else f"Exactly {exact_bytes(value)}."
