"""The paper's ablation study: solve with each technique switched off in turn.

Each variant runs with a time limit; the table shows how much each technique
saves in nodes and time on this problem, as in the paper's ablation table.

>>> from minimalloc import Buffer, Problem
>>> problem = Problem([Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 4)], capacity=8)
>>> rows = run_ablation(problem, timeout=5)
>>> [row.variant for row in rows][:3]
['all on', 'canonical_only', 'section_inference']
>>> {row.status.value for row in rows}
{'ok'}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from minimalloc.errors import ProblemError
from minimalloc.jit import warmup
from minimalloc.model import Problem, Solution
from minimalloc.params import TECHNIQUES, SolverParams, Status
from minimalloc.search.solver import Solver

#: The variant with every technique on.
BASELINE = "all on"


@dataclass(frozen=True)
class AblationRow:
    """One variant of the ablation study.

    Attributes
    ----------
    variant : str
        :data:`BASELINE`, or the name of the technique switched off (a key of
        :data:`minimalloc.params.TECHNIQUES`).
    status : Status
        What the search concluded within the time limit.
    seconds : float
        Wall seconds of the solve (sweep and search).
    nodes, backtracks : int
        Search nodes visited and backtracks, up to the time limit.
    solution : Solution or None
        The answer, if one was found.
    """

    variant: str
    status: Status
    seconds: float
    nodes: int
    backtracks: int
    solution: Solution | None = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        """"all techniques on" or "without <technique>", for tables and charts."""
        if self.variant == BASELINE:
            return "all techniques on"
        return f"without {self.variant.replace('_', ' ')}"

    @property
    def finished(self) -> bool:
        """The search reached a conclusion (solved or proven infeasible)."""
        return self.status in (Status.OK, Status.INFEASIBLE)


def run_ablation(problem: Problem, timeout: float | None = 20.0,
                 params: SolverParams | None = None, *,
                 techniques: Sequence[str] | None = None,
                 on_start: Callable[[str, Solver], object] | None = None,
                 on_row: Callable[[AblationRow], object] | None = None
                 ) -> list[AblationRow]:
    """Solve ``problem`` with nothing switched off, then with each technique
    switched off in turn.

    Runs the variants one after another, each limited to ``timeout`` seconds,
    so the whole study takes at most ``(1 + len(techniques)) * timeout``
    seconds (plus the sweeps and, in a fresh process, the kernels'
    compilation, done before the first variant).  Capacity minimisation is switched off: the
    study is about the search at the problem's capacity.

    Parameters
    ----------
    problem : Problem
        Buffers and capacity.
    timeout : float or None
        Seconds per variant (None: no limit).
    params : SolverParams, optional
        The settings every variant starts from (heuristics, switches); the
        defaults if omitted.  Its own timeout is replaced by ``timeout``.
    techniques : sequence of str, optional
        Which techniques to switch off (default: all of
        :data:`minimalloc.params.TECHNIQUES`, in that order).
    on_start : callable, optional
        Called with ``(variant, solver)`` before each solve, e.g. to keep the
        solver and cancel it from another thread.
    on_row : callable, optional
        Called with each :class:`AblationRow` as soon as it is known (progress).

    Returns
    -------
    list of AblationRow
        The baseline first, then one row per technique.

    Raises
    ------
    ProblemError
        For a problem without a capacity, or an unknown technique.
    """
    _needs_capacity(problem)
    names = list(TECHNIQUES) if techniques is None else list(techniques)
    unknown = [name for name in names if name not in TECHNIQUES]
    if unknown:
        raise ProblemError(f"unknown technique {', '.join(unknown)}: use one of "
                           f"{', '.join(TECHNIQUES)}")
    warmup(trace=False)  # compile or load the kernels: the first variant pays nothing
    rows = []
    for variant in (BASELINE, *names):
        row = run_variant(problem, variant, timeout, params, on_start=on_start)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def _needs_capacity(problem: Problem) -> None:
    if problem.capacity is None:
        raise ProblemError("the ablation study needs a capacity: give the problem one")


def variants() -> tuple[str, ...]:
    """Every variant of the study, in the table's order: :data:`BASELINE`,
    then each technique of :data:`minimalloc.params.TECHNIQUES`."""
    return (BASELINE, *TECHNIQUES)


def run_variant(problem: Problem, variant: str, timeout: float | None = 20.0,
                params: SolverParams | None = None, *,
                on_start: Callable[[str, Solver], object] | None = None
                ) -> AblationRow:
    """One row of the study: solve ``problem`` with ``variant`` switched off.

    The variants are independent, so they can run in separate processes
    (:mod:`minimalloc.batch` does); :func:`run_ablation` runs them in turn.

    Parameters
    ----------
    problem : Problem
        Buffers and capacity.
    variant : str
        :data:`BASELINE` or a key of :data:`minimalloc.params.TECHNIQUES`.
    timeout, params, on_start
        As for :func:`run_ablation`.

    Raises
    ------
    ProblemError
        For a problem without a capacity, or an unknown variant.
    """
    _needs_capacity(problem)
    if variant != BASELINE and variant not in TECHNIQUES:
        raise ProblemError(f"unknown variant {variant}: use {BASELINE!r} or one of "
                           f"{', '.join(TECHNIQUES)}")
    base = params if params is not None else SolverParams()
    changes = {} if variant == BASELINE else {variant: False}
    solver = Solver(replace(base, timeout=timeout, minimize_capacity=False, **changes))
    if on_start is not None:
        on_start(variant, solver)
    result = solver.solve(problem)
    return AblationRow(
        variant=variant, status=result.status, seconds=result.stats.seconds,
        nodes=result.stats.nodes, backtracks=result.stats.backtracks,
        solution=result.solution)


def ablation_table(rows: Sequence[AblationRow]) -> str:
    """The rows as a plain-text table, as in the paper.

    The last two columns compare with the baseline (the row of
    :data:`BASELINE`, if present): how many times more nodes and time the
    variant needed.  A variant stopped by the time limit shows ``>=``: its
    counts are lower bounds.

    >>> rows = [AblationRow("all on", Status.OK, 0.5, 100, 3),
    ...         AblationRow("canonical_only", Status.TIMEOUT, 20.0, 90000, 800)]
    >>> print(ablation_table(rows))
    variant                 status     seconds    nodes  backtracks  x nodes  x time
    all techniques on       ok          0.5000      100           3        1       1
    without canonical only  timeout  >=20.0000  >=90000       >=800    >=900    >=40
    """
    base = next((row for row in rows if row.variant == BASELINE), None)
    table = []
    for row in rows:
        more = "" if row.finished else ">="
        cells = [row.label, row.status.value, f"{more}{row.seconds:.4f}",
                 f"{more}{row.nodes}", f"{more}{row.backtracks}"]
        if base is not None:
            cells.append(more + _ratio(row.nodes, base.nodes))
            cells.append(more + _ratio(row.seconds, base.seconds))
        table.append(cells)
    headers = ["variant", "status", "seconds", "nodes", "backtracks"]
    if base is not None:
        headers += ["x nodes", "x time"]
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *table)]
    lines = []
    for cells in (headers, *table):
        parts = [f"{c:<{w}}" if i < 2 else f"{c:>{w}}"
                 for i, (c, w) in enumerate(zip(cells, widths))]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def _ratio(value: float, base: float) -> str:
    if base <= 0:
        return "-" if value <= 0 else "inf"
    ratio = value / base
    if ratio >= 100:
        return f"{ratio:,.0f}"
    if ratio >= 10:
        return f"{ratio:.0f}"
    return f"{ratio:.2g}"
