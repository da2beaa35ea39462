"""What the app does, without the page: loading problems, running the solver
in a background thread, baselines, explanations and comparison rows.

Nothing here imports Streamlit, so it can be tested directly and the page
(``streamlit_app.py``) stays layout and widgets only.
"""

from __future__ import annotations

import csv
import dataclasses
import inspect
import io
import json
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from minimalloc import bounds
from minimalloc.analysis.explain import explain
from minimalloc.analysis.minimize import Minimizer
from minimalloc.baselines import allocators as heuristics
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import read_csv
from minimalloc.generate import problems as generate
from minimalloc.generate import samples
from minimalloc.model import MAX_VALUE, Buffer, Problem, Solution, describe_integer
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import Solver, SolveResult
from minimalloc.validate import ValidationResult, conflicts, validate

ROOT = Path(__file__).resolve().parents[1]
#: Where the sample problems are; MINIMALLOC_SAMPLES_DIR points elsewhere.
SAMPLES_DIR = Path(os.environ.get("MINIMALLOC_SAMPLES_DIR") or ROOT / "sample_problems")

#: The reference's example (ALGORITHM.md), used when no sample files exist.
BUILTIN_EXAMPLE = (
    "id,lower,upper,size\nb1,0,3,4\nb2,3,9,4\nb3,0,9,4\nb4,9,21,4\nb5,0,21,4\n"
)
BUILTIN_NAME = "reference example"
BUILTIN_CAPACITY = 12

#: Solves that finish within this many seconds show their result at once;
#: longer ones continue in the background with a progress display.
QUICK_WAIT = 1.5

#: Time allowed for explaining an infeasible problem when no limit is set.
EXPLAIN_SECONDS = 10.0


# ----------------------------------------------------------------------------
# Loading problems


@dataclass(frozen=True)
class Loaded:
    """A problem as read from a file, a sample or a generator.

    ``allocation`` holds the file's offsets when every buffer had one: the
    file is then a solution to show and check, and ``problem`` has its
    buffers free.  An ``offset`` column filled for only some buffers fixes
    those buffers instead (kept in ``problem``).  ``capacity`` is the
    source's own capacity, if it has one.
    """

    problem: Problem
    name: str
    allocation: Solution | None = None
    capacity: int | None = None
    description: str = ""
    report: Any = None  # a SnapshotReport when read from a PyTorch snapshot


def next_power_of_two(value: int) -> int:
    """The smallest power of two >= ``value`` (1 for 0 or less)."""
    value = int(value)
    return 1 if value <= 1 else 1 << (value - 1).bit_length()


def load_of(problem: Problem) -> int:
    """LOAD: the most bytes live at any moment."""
    return bounds.max_load(problem)


def default_capacity(loaded: Loaded) -> int:
    """The source's capacity, else the smallest power of two >= LOAD (and
    >= the height of a given allocation, so that it can be judged on its
    overlaps rather than on running past an invented limit)."""
    if loaded.capacity is not None:
        return int(loaded.capacity)
    floor = load_of(loaded.problem)
    if loaded.allocation is not None:
        floor = max(floor, loaded.allocation.height)
    return next_power_of_two(max(floor, 1))


def parse_csv_text(text: str | bytes, name: str = "pasted CSV") -> Loaded:
    """Read a problem (or a problem with an allocation) from CSV text.

    The one parser behind both the file upload and the paste box.  Errors
    are :class:`ProblemError` naming ``name``, the line and the column; a
    file with a header but no buffers is one too (the page keeps the last
    good problem rather than showing an empty one).
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = text.count(b"\n", 0, error.start) + 1
            raise ProblemError(
                f"the file is not valid UTF-8 text: byte 0x{text[error.start]:02x} "
                "cannot be decoded", file=name, line=line,
            ) from None
    text = text.removeprefix("\ufeff")
    text, note = _comma_separated(text)
    stripped, offsets = _split_allocation(text, name)
    try:
        problem = read_csv(io.StringIO(stripped))
    except ProblemError as error:
        raise _renamed(error, name) from None
    if not problem.buffers:  # the library reads it as an empty problem: nothing to show
        raise ProblemError(
            "holds no buffers: only a header row (add one row per buffer: "
            "id,lower,upper,size,...)", file=name,
        )
    allocation = None
    if offsets is not None:
        allocation = Solution.from_offsets(problem, offsets)
    return Loaded(problem, name, allocation, description=note)


_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "bar"}


def _comma_separated(text: str) -> tuple[str, str]:
    """``text`` with commas between fields, and a note when it had another
    delimiter (a header such as ``id;lower;upper;size`` or tab-separated, as
    spreadsheets export): the reference format wants commas, but the
    meaning is plain."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    if "," in header:
        return text, ""
    found = [d for d in _DELIMITERS if d in header]
    if len(found) != 1:
        return text, ""
    delimiter = found[0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        writer.writerow(row)
    return out.getvalue(), f"read as {_DELIMITERS[delimiter]}-separated values"


def _renamed(error: ProblemError, name: str) -> ProblemError:
    if error.file in (None, "<input>"):
        return ProblemError(error.message, file=name, line=error.line, column=error.column)
    return error


def _split_allocation(text: str, name: str) -> tuple[str, list[int] | None]:
    """If every row has an ``offset``, take the offsets out (they are an
    allocation to check, which may well be wrong: misaligned, negative...)
    and return the text without them.  Otherwise return the text as is."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header_at = next((k for k, row in enumerate(rows) if any(c.strip() for c in row)), None)
    if header_at is None:
        return text, None
    header = [c.strip().lower() for c in rows[header_at]]
    if "offset" not in header:
        return text, None
    column = header.index("offset")
    body = [(k, row) for k, row in enumerate(rows) if k > header_at and any(
        c.strip() for c in row)]
    if not body or any(column >= len(row) or not row[column].strip() for _, row in body):
        return text, None
    # Line numbers: count the physical lines of each row as csv reads them.
    lines = _row_lines(text)
    offsets = []
    for k, row in body:
        cell = row[column].strip()
        line = lines[k] if k < len(lines) else None
        try:
            offset = int(cell) if len(cell) <= 40 else None  # long ones: out of range
        except ValueError:
            raise ProblemError(
                f"expected an integer offset, got '{cell:.40}'", file=name,
                line=line, column="offset",
            ) from None
        if offset is None or abs(offset) > MAX_VALUE:
            got = f"{len(cell)} digits" if offset is None else describe_integer(offset)
            raise ProblemError(
                f"expected an offset within ±2^60, got {got}: larger values could "
                "overflow the search's 64-bit arithmetic",
                file=name, line=line, column="offset",
            )
        offsets.append(offset)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for k, row in enumerate(rows):
        if k >= header_at and column < len(row):
            row = row[:column] + row[column + 1 :]
        writer.writerow(row)
    return out.getvalue(), offsets


def _row_lines(text: str) -> list[int]:
    """The line each csv row starts on (1-based)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    starts = []
    previous_end = 0
    for _ in reader:
        starts.append(previous_end + 1)
        previous_end = reader.line_num
    return starts


def sample_entries(folder: Path | None = None) -> list[tuple[str, str]]:
    """``(name, what it teaches)`` of each sample problem: the library's
    catalogue when its files are there, else the CSV files in
    ``sample_problems/``, else the built-in five-buffer example."""
    folder = folder or SAMPLES_DIR
    if (folder / "index.csv").exists():
        try:
            names = samples.list_samples(folder)
            return [(n, samples.sample_info(n, folder).get("teaches", "")) for n in names]
        except (ProblemError, OSError):
            pass
    files = sorted(folder.glob("*.csv"))
    files = [f for f in files if f.name != "index.csv"]
    if files:
        return [(f.stem, "") for f in files]
    return [(BUILTIN_NAME, "The reference's five-buffer example: the optimum equals "
             "LOAD (12).")]


def load_sample(name: str, folder: Path | None = None) -> Loaded:
    """A sample problem by name, with its capacity when the catalogue has one."""
    base = folder or SAMPLES_DIR
    description = dict(sample_entries(base)).get(name, "")
    if name == BUILTIN_NAME and not (base / f"{name}.csv").exists():
        loaded = parse_csv_text(BUILTIN_EXAMPLE, name)
        return dataclasses.replace(loaded, capacity=BUILTIN_CAPACITY,
                                   description=description)
    if (base / "index.csv").exists():
        problem = samples.load_sample(name, base)
        allocation = None
        if problem.buffers and all(b.offset is not None for b in problem.buffers):
            offsets = [b.offset for b in problem.buffers]
            allocation = Solution.from_offsets(problem, offsets)
            problem = problem.without_fixed_offsets()
        return Loaded(problem.with_capacity(None), name, allocation, problem.capacity,
                      description)
    path = base / f"{name}.csv"
    loaded = parse_csv_text(path.read_bytes(), path.name)
    return dataclasses.replace(loaded, name=name, description=description)


# ----------------------------------------------------------------------------
# Generators


@dataclass(frozen=True)
class GeneratorParam:
    """One parameter of a generator, as the page should offer it."""

    name: str
    kind: str  # "int", "float", "probability", "choice", "alignment", "optional int",
    #            "optional float"
    default: Any
    choices: tuple[str, ...] = ()
    minimum: float | None = None


#: Defaults for the generators' required arguments (they have none).
_REQUIRED_DEFAULTS = {"n": 40, "layers": 12, "width": 32, "height": 64}
#: Smallest allowed value of integer arguments.
_MINIMUMS = {"n": 1, "layers": 1, "width": 1, "height": 1, "dtype_bytes": 1, "horizon": 1}


def generator_params() -> dict[str, list[GeneratorParam]]:
    """The generators of :mod:`minimalloc.generate.problems` and their parameters
    (``seed`` and ``capacity`` excluded: the page has its own)."""

    choices = {
        "size_distribution": tuple(getattr(generate, "SIZE_DISTRIBUTIONS", ())),
        "lifetime_distribution": tuple(getattr(generate, "LIFETIME_DISTRIBUTIONS", ())),
        "kind": tuple(getattr(generate, "MODEL_KINDS", ())),
    }
    out: dict[str, list[GeneratorParam]] = {}
    for name, function in generate.GENERATORS.items():
        params = []
        for p in inspect.signature(function).parameters.values():
            if p.name in ("seed", "capacity"):
                continue
            if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                continue
            default = p.default if p.default is not p.empty else _REQUIRED_DEFAULTS.get(
                p.name, 1)
            minimum = _MINIMUMS.get(p.name)
            if p.name in choices and choices[p.name]:
                params.append(GeneratorParam(p.name, "choice", default, choices[p.name]))
            elif p.name == "alignment":
                params.append(GeneratorParam(p.name, "alignment", default))
            elif p.name.endswith("probability"):
                params.append(GeneratorParam(p.name, "probability", float(default)))
            elif default is None:
                kind = "optional float" if "mean" in p.name else "optional int"
                params.append(GeneratorParam(p.name, kind, None, minimum=minimum))
            elif isinstance(default, bool):
                continue
            elif isinstance(default, int):
                params.append(GeneratorParam(p.name, "int", default, minimum=minimum))
            elif isinstance(default, float):
                params.append(GeneratorParam(p.name, "float", default, minimum=minimum))
            elif isinstance(default, str):
                params.append(GeneratorParam(p.name, "choice", default, (default,)))
        out[name] = params
    return out


def parse_alignment(text: str) -> int | tuple[int, ...]:
    """``"8"`` -> 8, ``"1, 8, 64"`` -> (1, 8, 64)."""
    parts = [p for p in str(text).replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise ProblemError(
            f"alignment: expected whole numbers separated by commas, got '{text}'"
        ) from None
    if not values:
        raise ProblemError("alignment: give at least one value")
    return values[0] if len(values) == 1 else values


def generate_problem(name: str, seed: int, values: Mapping[str, Any]) -> Loaded:
    """Run generator ``name`` with ``values`` (None: its default) and ``seed``."""

    params = {k: v for k, v in values.items() if v is not None}
    if "alignment" in params and isinstance(params["alignment"], str):
        params["alignment"] = parse_alignment(params["alignment"])
    problem = generate.generate(name, seed=int(seed), **params)
    text = ", ".join(f"{k}={v}" for k, v in params.items())
    label = f"{name}({text}, seed={seed})"
    return Loaded(problem, label, None, problem.capacity)


# ----------------------------------------------------------------------------
# Solving


@dataclass
class Baseline:
    """One baseline allocator's answer."""

    method: str
    solution: Solution | None
    seconds: float
    error: str = ""


@dataclass
class Explanation:
    """Why a problem does not fit: where memory runs over (``overloaded``:
    ``(start, end, buffers)``), a set of buffers that cannot be packed
    together (``subset``, None if none was found in time; ``subset_minimal``:
    whether removing any one was proven to make the rest fit), the capacity
    that subset needs, and the capacity that would suffice for the whole
    problem (``min_capacity``; ``proven``: whether it is known to be the
    smallest; ``min_capacity_lower``: a proven lower bound when not).
    ``message`` is the library's own wording, when it has one."""

    overloaded: list[tuple[int, int, list[int]]] = field(default_factory=list)
    subset: list[int] | None = None
    subset_minimal: bool = True
    subset_min_capacity: int | None = None
    min_capacity: int | None = None
    min_capacity_lower: int | None = None
    proven: bool = False
    note: str = ""
    message: str = ""
    feasible: bool | None = False  # None: not decided in time


@dataclass
class Outcome:
    """Everything a finished run produced, for the page to show."""

    problem: Problem
    mode: str  # "solve" or "minimise"
    params: SolverParams
    result: SolveResult | None = None
    solution: Solution | None = None  # the exact answer, if any
    lower_bound: int = 0
    proven_optimal: bool | None = None  # minimise mode
    explanation: Explanation | None = None
    baselines: list[Baseline] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False
    error: str = ""
    minimize: Any = None  # the library's MinimizeResult, in minimise mode

    @property
    def status(self) -> Status | None:
        return None if self.result is None else self.result.status

    @property
    def stats(self):
        return None if self.result is None else self.result.stats

    def best_baseline(self) -> Baseline | None:
        done = [b for b in self.baselines if b.solution is not None]
        return min(done, key=lambda b: b.solution.height, default=None)

    def shown(self) -> tuple[Solution | None, str]:
        """The allocation to draw and what it is."""
        if self.solution is not None:
            return self.solution, "exact"
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
    minimise: bool = False,
) -> SolverParams:
    """SolverParams from the page's widgets (raises ProblemError if bad)."""
    parts = [p.strip() for p in str(heuristics_text).replace(" ", ",").split(",")]
    heuristic_list = tuple(p for p in parts if p)
    return SolverParams(
        timeout=timeout if timeout else None,
        minimize_capacity=minimise,
        preordering_heuristics=heuristic_list,
        **dict(switches),
    )


def run_baselines(problem: Problem, names: Sequence[str]) -> list[Baseline]:
    """Each named baseline allocator, timed."""
    out = []
    for name in names:
        started = time.perf_counter()
        try:
            solution = heuristics.allocate(problem, name)
            out.append(Baseline(name, solution, time.perf_counter() - started))
        except Exception as error:  # a broken allocator must not break the page
            out.append(Baseline(name, None, time.perf_counter() - started, str(error)))
    return out


def explain_infeasible(
    problem: Problem, params: SolverParams, seconds: float
) -> Explanation:
    """Why ``problem`` does not fit its capacity
    (:func:`minimalloc.analysis.explain.explain`), within ``seconds``, in the
    page's terms."""
    found = explain(problem, timeout=seconds, params=params)
    proven = found.min_capacity is not None
    return Explanation(
        overloaded=[_interval(o) for o in found.overloaded or ()],
        subset=_maybe_list(found.subset),
        subset_minimal=bool(found.subset_minimal),
        subset_min_capacity=found.subset_min_capacity,
        min_capacity=found.min_capacity if proven else found.min_capacity_upper,
        min_capacity_lower=found.min_capacity_lower,
        proven=proven,
        message=found.message(),
        feasible=getattr(found, "feasible", False),
    )


def _interval(item: Any) -> tuple[int, int, list[int]]:
    seq = tuple(item)
    members = list(seq[2]) if len(seq) > 2 and isinstance(seq[2], Sequence) else []
    return int(seq[0]), int(seq[1]), members


def _maybe_list(value: Any) -> list[int] | None:
    return None if value is None else [int(v) for v in value]


class Job:
    """One run of the app's Solve button, in a background thread.

    Exact search (or minimisation), then, if the problem does not fit, an
    explanation, then the baselines.  ``solver`` exposes progress
    (``nodes_so_far``, ``elapsed``); :meth:`cancel` stops the search.
    """

    def __init__(
        self,
        problem: Problem,
        params: SolverParams,
        *,
        mode: str = "solve",
        baselines: Sequence[str] = (),
        fallback: bool = True,
        after: Callable[[Outcome], object] | None = None,
    ) -> None:
        self.problem = problem
        self.after = after  # run in the thread on the finished outcome (charts)
        self.params = params
        self.mode = mode
        self.baseline_names = tuple(baselines)
        self.fallback = fallback
        self.phase = "starting"
        if mode == "minimise" and not params.minimize_capacity:
            params = dataclasses.replace(params, minimize_capacity=True)
            self.params = params
        self.solver = Solver(params)
        self.outcome = Outcome(problem, mode, params)
        self._cancelled = False
        self.probes: list | None = None  # the minimiser's probes, as they finish
        self.minimizer = None  # the library's Minimizer, in minimise mode
        self._thread = threading.Thread(target=self._work, name="minimalloc-solve",
                                        daemon=True)
        self._started = time.perf_counter()

    def start(self, wait: float = QUICK_WAIT) -> Job:
        self._thread.start()
        self._thread.join(wait)
        return self

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._started

    def cancel(self, wait: float = 3.0) -> None:
        """Stop the search; wait up to ``wait`` seconds for the thread."""
        self._cancelled = True
        self.outcome.cancelled = True
        self.solver.cancel()
        if self.minimizer is not None:
            self.minimizer.cancel()
        self._thread.join(wait)

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return self.done

    def _work(self) -> None:
        outcome = self.outcome
        problem = self.problem
        try:
            outcome.lower_bound = bounds.lower_bound(problem)
            if self.mode == "minimise":
                self._minimise()
            else:
                self.phase = "searching"
                outcome.result = self.solver.solve(problem, fallback=self.fallback)
                outcome.solution = outcome.result.solution
            if self.baseline_names and not self._cancelled:
                self.phase = "running the baselines"
                outcome.baselines = run_baselines(problem, self.baseline_names)
            if (outcome.status is Status.INFEASIBLE and self.mode == "solve"
                    and not self._cancelled):
                self.phase = "explaining why it does not fit"
                seconds = self.params.timeout or EXPLAIN_SECONDS
                outcome.explanation = explain_infeasible(problem, self.params, seconds)
        except Exception as error:  # shown on the page, never lost in a thread
            outcome.error = f"{type(error).__name__}: {error}"
        finally:
            outcome.seconds = time.perf_counter() - self._started
            if self.after is not None and not outcome.error:
                self.phase = "drawing"
                try:
                    self.after(outcome)
                except Exception:  # noqa: BLE001 - a head start only; the page redraws
                    pass
            self.phase = "done"

    def progress(self) -> dict[str, str]:
        """What to show while the job runs: label -> value."""
        shown = {"Elapsed": f"{self.elapsed:.1f} s"}
        if self.probes is None:
            shown["Nodes so far"] = f"{self.solver.nodes_so_far:,}"
            return shown
        state = self.minimizer_progress()
        if state is not None and state.probing is not None:
            budget = "" if state.budget is None else f" ({state.budget:,.1f} s budget)"
            shown["Probing capacity"] = f"{state.probing:,}{budget}"
        if state is not None and state.best is not None:
            shown["Best so far"] = f"{state.best.height:,}"
        if state is not None and state.lower_bound is not None:
            shown["Lower bound"] = f"{state.lower_bound:,}"
        shown["Probes done"] = f"{len(self.probes):,}"
        return shown

    def minimizer_progress(self):
        """The minimiser's :class:`minimalloc.analysis.minimize.Progress` (None before
        and after it runs, or with a library that does not report it)."""
        return getattr(self.minimizer, "progress", None)

    def _minimise(self) -> None:
        """Smallest capacity with :class:`minimalloc.analysis.minimize.Minimizer`: bounds,
        a baseline to start from, probes with growing budgets; Stop keeps the
        best found so far."""
        outcome = self.outcome
        problem = self.problem
        self.phase = "minimising the capacity"
        self.probes = []
        self.minimizer = Minimizer(self.params)
        if self._cancelled:
            self.minimizer.cancel()
        found = self.minimizer.minimize(problem, self.params.timeout,
                                        on_probe=self.probes.append)
        outcome.solution = found.solution
        outcome.lower_bound = max(outcome.lower_bound, int(found.lower_bound))
        outcome.proven_optimal = bool(found.proven_optimal)
        outcome.minimize = found
        outcome.result = SolveResult(Status.CANCELLED if found.cancelled else Status.OK,
                                     found.solution, found.stats, problem.capacity)


# ----------------------------------------------------------------------------
# Checking a given allocation


@dataclass(frozen=True)
class Check:
    """The validator's verdict on an allocation and the buffers at fault."""

    validation: ValidationResult
    culprits: tuple[int, ...]
    pairs: int


def check_allocation(problem: Problem, solution: Solution) -> Check:
    """Validate ``solution``; the culprits are every buffer in a collision
    (all pairs, not only the first) plus the one the validator names."""
    result = validate(problem, solution)
    culprits = set(result.buffers)
    pairs = 0
    if len(solution.offsets) == len(problem.buffers):
        found = conflicts(problem, solution)
        pairs = len(found)
        for a, b in found:
            culprits.update((a, b))
    return Check(result, tuple(sorted(culprits)), pairs)


# ----------------------------------------------------------------------------
# Tables


def percent_above(height: int | None, lower_bound: int) -> float | None:
    if height is None or lower_bound <= 0:
        return None
    return 100.0 * (height - lower_bound) / lower_bound


def comparison_rows(outcome: Outcome, capacity: int | None) -> list[dict[str, Any]]:
    """Exact against the baselines: height, % above the lower bound, fits the
    capacity, time."""
    rows = []
    exact_name = "MiniMalloc (minimise)" if outcome.mode == "minimise" else "MiniMalloc"
    status = outcome.status.value if outcome.status is not None else "error"
    height = outcome.solution.height if outcome.solution is not None else None
    rows.append({
        "method": exact_name,
        "height": height,
        "above lower bound %": percent_above(height, outcome.lower_bound),
        "fits capacity": None if height is None or capacity is None else height <= capacity,
        "time (ms)": 1000.0 * (outcome.stats.seconds if outcome.stats is not None else 0.0),
        "note": status,
        "exact": True,
    })
    for b in outcome.baselines:
        h = b.solution.height if b.solution is not None else None
        rows.append({
            "method": b.method,
            "height": h,
            "above lower bound %": percent_above(h, outcome.lower_bound),
            "fits capacity": None if h is None or capacity is None else h <= capacity,
            "time (ms)": 1000.0 * b.seconds,
            "note": b.error,
            "exact": False,
        })
    return rows


def probe_rows(probes: Sequence[Any]) -> list[dict[str, Any]]:
    """The minimiser's probes, one row per capacity in the order first
    probed: the last verdict, how many searches, the largest budget and the
    total time."""
    rows: dict[int, dict[str, Any]] = {}
    for p in probes:
        row = rows.setdefault(p.capacity, {"capacity": p.capacity, "outcome": "",
                                           "searches": 0, "largest budget (s)": None,
                                           "seconds": 0.0})
        row["outcome"] = p.status.value
        row["searches"] += 1
        row["seconds"] += p.seconds
        budget = getattr(p, "budget", None)
        if budget is not None:
            row["largest budget (s)"] = max(row["largest budget (s)"] or 0.0, budget)
    return list(rows.values())


def rounds_rows(stats) -> list[dict[str, Any]]:
    return [
        {"round": r.round, "heuristic": r.heuristic,
         "node limit": None if r.node_limit < 0 else r.node_limit,
         "nodes": r.nodes, "outcome": r.outcome}
        for r in stats.rounds
    ]


def to_json(problem: Problem, solution: Solution | None = None, label: str = "",
            outcome: Outcome | None = None) -> str:
    """The problem (and an allocation of it) as JSON: ``capacity`` and
    ``buffers`` (``id, lower, upper, size, alignment``, and ``gaps``,
    ``offset``, ``hint`` when set); with a solution, ``height``, ``offsets``
    by id, what the allocation is (``method``) and the run's ``status`` and
    lower bound."""
    buffers = []
    for b in problem.buffers:
        item: dict[str, Any] = {"id": b.id, "lower": b.lower, "upper": b.upper,
                                "size": b.size, "alignment": b.alignment}
        if b.gaps:
            item["gaps"] = [{"lower": g.lower, "upper": g.upper,
                             **({"window": list(g.window)} if g.window else {})}
                            for g in b.gaps]
        if b.offset is not None:
            item["offset"] = b.offset
        if b.hint is not None:
            item["hint"] = b.hint
        buffers.append(item)
    data: dict[str, Any] = {"capacity": problem.capacity, "buffers": buffers}
    if solution is not None:
        data["solution"] = {
            "method": label, "height": solution.height,
            "offsets": {b.id: int(o) for b, o in zip(problem.buffers, solution.offsets,
                                                      strict=True)},
        }
        if outcome is not None:
            data["solution"]["status"] = (outcome.status.value if outcome.status
                                          else None)
            data["solution"]["lower_bound"] = int(outcome.lower_bound)
    return json.dumps(data, indent=1)


#: What a generator's optional parameter defaults to (the page says it).
DEFAULT_TEXT = {
    "horizon": "max(n, 8)",
    "mean_lifetime": "min(horizon / 4, 32)",
}


def as_table_row(error: ProblemError) -> str:
    """An error about the buffers table in the table's terms: ``row 2`` (the
    second row the user sees) where the CSV reader says ``line 3`` (the
    header is line 1)."""
    parts = []
    if error.line is not None:
        parts.append(f"row {error.line - 1}")
    if error.column is not None:
        parts.append(f"column '{error.column}'")
    return (", ".join(parts) + ": " if parts else "") + error.message


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``"1 probe"``, ``"2 probes"``, ``"1,024 nodes"``."""
    return f"{count:,} {noun if count == 1 else (many or noun + 's')}"


def buffer_index(problem: Problem, buffer_id: str) -> int | None:
    """The index of the buffer with ``buffer_id`` (exact, else the only one
    whose id matches ignoring case), or None."""
    for i, b in enumerate(problem.buffers):
        if b.id == buffer_id:
            return i
    folded = [i for i, b in enumerate(problem.buffers)
              if b.id.casefold() == buffer_id.casefold()]
    return folded[0] if len(folded) == 1 else None


def buffer_ids(problem: Problem, indices: Sequence[int]) -> list[str]:
    return [problem.buffers[i].id for i in indices]


def describe(buffer: Buffer) -> str:
    return f"{buffer.id} [{buffer.lower}, {buffer.upper}) size {buffer.size}"


# ----------------------------------------------------------------------------
# Models and snapshots

#: File types the upload accepts: problem CSVs, ONNX models, PyTorch snapshots.
UPLOAD_TYPES = ["csv", "txt", "onnx", "pickle", "pkl"]


def parse_upload(data: bytes, name: str, *, alignment: int = 1,
                 dims: Mapping[str, int] | None = None, include_weights: bool = False,
                 device: int = 0) -> Loaded:
    """Read an uploaded file: a problem CSV, an ONNX model or a PyTorch CUDA
    memory snapshot (picked by its suffix, then its first bytes).

    A snapshot is unpickled without running anything in it (see
    :mod:`minimalloc.formats.torch_snapshot`).  Errors are
    :class:`ProblemError` naming ``name``.
    """
    from minimalloc.formats import read_problem, reader_name
    from minimalloc.formats.torch_snapshot import read_torch_snapshot_with_report

    kind = reader_name(name, bytes(data[:16]))
    if kind == "csv":
        return parse_csv_text(data, name)
    if kind == "torch_snapshot":
        try:
            problem, report = read_torch_snapshot_with_report(bytes(data), device=device)
        except ProblemError as error:
            raise _renamed_upload(error, name) from None
        return Loaded(problem, name, description=report.summary(), report=report)
    problem, _ = read_problem(bytes(data), name=name, alignment=alignment, dims=dims,
                              include_weights=include_weights)
    steps = max((b.upper for b in problem.buffers), default=0)
    return Loaded(problem, name, description=f"ONNX model: {len(problem)} tensors over "
                                             f"{steps} nodes")


def _renamed_upload(error: ProblemError, name: str) -> ProblemError:
    if error.file in (None, "<input>", "<model>", "<snapshot>"):
        return ProblemError(error.message, file=name, line=error.line, column=error.column)
    return error


def parse_dims(text: str) -> dict[str, int]:
    """``"batch=1, seq=128"`` as ``{"batch": 1, "seq": 128}``; a ProblemError
    for anything else."""
    dims: dict[str, int] = {}
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        key, equals, value = part.partition("=")
        if not equals or not key.strip() or not value.strip().isdigit():
            raise ProblemError(f"symbolic dimensions: expected NAME=N such as batch=1, "
                               f"got {part.strip()!r}")
        dims[key.strip()] = int(value)
    return dims


def peak_rows(problem: Problem, solution: Solution | None = None
              ) -> tuple[int | None, list[dict[str, Any]]]:
    """The first moment the live bytes reach LOAD, and the buffers alive then,
    largest first (with their offsets when a solution is given)."""
    peaks = bounds.peak_times(problem)
    if not peaks:
        return None, []
    moment = peaks[0][0]
    rows = []
    for index, buffer in enumerate(problem.buffers):
        width = _width_at(buffer, moment)
        if not width:
            continue
        row: dict[str, Any] = {"id": buffer.id, "size": width,
                               "lifespan": f"[{buffer.lower}, {buffer.upper})"}
        if solution is not None:
            row["offset"] = solution.offsets[index]
        row["label"] = buffer.label or ""
        rows.append(row)
    rows.sort(key=lambda r: (-r["size"], r["id"]))
    return moment, rows


def _width_at(buffer: Buffer, moment: int) -> int:
    """Bytes ``buffer`` occupies at ``moment`` (gaps and windows counted)."""
    if not buffer.lower <= moment < buffer.upper:
        return 0
    for gap in buffer.gaps:
        if gap.lower <= moment < gap.upper:
            return 0 if gap.window is None else gap.window[1] - gap.window[0]
    return buffer.size


# ----------------------------------------------------------------------------
# Batch results (``minimalloc batch``): open a results table, jump to a row


def read_batch_results(source: str | bytes | os.PathLike, name: str = "results"):
    """The table written by ``minimalloc batch`` (a path, or the file's bytes),
    typed as :func:`minimalloc.batch.read_results` types it.

    Raises
    ------
    ProblemError
        If it is not a results table (the message names ``name``).
    """
    from minimalloc import batch

    if isinstance(source, bytes):
        source = io.BytesIO(source)
        source.name = name
    return batch.read_results(source)


def batch_row_label(row: Mapping[str, Any], index: int) -> str:
    """One line per row for a picker: number, file, variant, status, height."""
    parts = [f"{index + 1}. {Path(str(row['input'])).name}"]
    if row.get("variant"):
        parts.append(f"without {row['variant']}" if row["variant"] != "all on"
                     else "all on")
    parts.append(str(row["status"]))
    height = row.get("height")
    if height is not None and not pd.isna(height):
        parts.append(f"height {height}")
    return " · ".join(parts)


def load_batch_row(table, index: int) -> Loaded:
    """The problem of row ``index``, read again from its input file, at the
    row's capacity.

    Raises
    ------
    ProblemError
        If the row's input is not a readable problem file on this machine
        (an in-memory problem, or a file moved since the batch ran).
    """
    from minimalloc.formats import read_any

    row = table.iloc[index]
    path = str(row["input"])
    if not os.path.isfile(path):
        raise ProblemError(f"row {index + 1}: its input '{path}' is not a file on this "
                           "machine (moved, or a problem given in memory)")
    problem = read_any(path).problem
    capacity = row["capacity"]
    capacity = None if pd.isna(capacity) else int(capacity)
    mode = f"{row['mode']}, {row['variant']}" if row["variant"] else str(row["mode"])
    summary = f"Batch row {index + 1} ({mode}): {row['status']}"
    if not pd.isna(row["height"]):
        summary += f", height {row['height']}"
    if row["message"]:
        summary += f": {row['message']}"
    return Loaded(problem, Path(path).name, None, capacity, summary)


def batch_settings(table, index: int) -> tuple[bool, dict[str, bool]]:
    """How the row was run, for the solver's widgets: whether it minimised,
    and the switches (an ablation row has its technique off)."""
    from minimalloc.params import TECHNIQUES

    row = table.iloc[index]
    switches = {name: name != row["variant"] for name in TECHNIQUES}
    return row["mode"] == "minimize", switches
