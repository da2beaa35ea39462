"""``minimalloc [flags]``, the default command: solve a problem (or find its
lowest height, run a baseline allocator, or explain why it does not fit).

Output files are written to a temporary name and renamed, so they are never
half-written, and are left untouched on failure.  Ctrl-C stops the run;
``--minimize`` then still writes the best allocation found so far (and
exits with 130).
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from absl import flags

from minimalloc.analysis.explain import explain
from minimalloc.analysis.minimize import Minimizer
from minimalloc.baselines.allocators import allocate, available_allocators
from minimalloc.baselines.best import Fallback, best_baseline
from minimalloc.cli import inputs, writing
from minimalloc.cli.command import (
    EXIT_INTERRUPTED,
    EXIT_NOT_SOLVED,
    EXIT_OK,
    PROG,
    Command,
)
from minimalloc.cli.flags import (
    UsageError,
    define_duration,
    define_string,
    define_switch,
    given,
)
from minimalloc.cli.progress import Progress, interruptible
from minimalloc.cli.report import format_stats, latex_picture, line
from minimalloc.cli.search_flags import SEARCH, define_search, solver_params
from minimalloc.cli.spill import define_spill, pools_flag, run_spill
from minimalloc.deadline import Deadline
from minimalloc.formats.detect import Reading
from minimalloc.jit import warmup
from minimalloc.model import Problem, Solution
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import Solver
from minimalloc.tables import format_table
from minimalloc.validate import validate

__all__ = ["COMMAND"]

RUN = "what to do"

USAGE = f"""\
usage: {PROG} --capacity=N --input=IN.csv [--output=OUT.csv] [--timeout=10s]
                  [--validate] [--stats] [--canonical_only=false ...]
                  [--preordering_heuristics=WAT,TAW,TWA] [--minimize_capacity]
       {PROG} --input=IN.csv --minimize [--capacity=N] [--output=OUT.csv]
       {PROG} --input=IN.csv --allocator=NAME [--capacity=N] [--output=OUT.csv]
       {PROG} --input=IN.csv --capacity=N --explain
       {PROG} --input=IN.csv --capacity=N --spill [--output=OUT.csv]
       {PROG} --input=IN.csv --pools=sram:1MiB,dram:64MiB [--output=OUT.csv]
       {PROG} COMMAND [flags]      (see {PROG} COMMAND --help)

commands:
  import    turn an ONNX model or a PyTorch snapshot into a problem CSV
  generate  write a generated problem (random, perfect packing, model) as CSV
  ablation  solve with each search technique switched off in turn
  batch     solve many problems in parallel, on local processes or Dask
  compare   two plans side by side: heights, moved buffers, where one is higher
  report    a standalone HTML page about a problem (chart, statistics, baselines)

Solves a static memory allocation problem with MiniMalloc: gives every buffer
of IN.csv an offset so that buffers alive at the same time never share an
address and all fit in N bytes.  Exit status: 0 an allocation within the
capacity was found, 1 none was (infeasible, timed out, failed validation),
2 bad input or usage, 130 interrupted.

Flags are spelt as the reference's: --name=value or --name value; a switch is
--name, --noname or --name=true|false; durations are 10s, 500ms, 1m30s or inf.
"""


#: The switches of what to do, in the order the help lists them.
_SWITCHES = (
    ("validate", False, "Validates the output with the independent checker; a failure "
     "exits 1."),
    ("stats", False, "Prints the search statistics."),
    ("print_solution", False, "Prints the solution as a LaTeX (TikZ) picture, as the "
     "reference does."),
    ("fallback", True, "If the exact search gives no answer in time, use the best "
     "baseline allocation when it fits the capacity."),
    ("minimize", False, "Find the lowest height it can (capacity optional), with a lower "
     "bound and whether it is proven optimal."),
)


def define(values: flags.FlagValues) -> None:
    inputs.define_input(values)
    writing.define_output(values)
    define_duration(values, RUN, "timeout", None, "The time limit, e.g. 10s, 500ms, 1m, "
                    "or inf; --minimize and --explain have their own default limits.")
    for name, default, text in _SWITCHES:
        define_switch(values, RUN, name, default, text)
    define_string(values, RUN, "allocator", "", "Use a baseline allocator instead of the "
                  "search (e.g. greedy_by_size, best_fit, first_fit).")
    define_switch(values, RUN, "explain", False, "Explain why the problem does not fit "
                  "its capacity: overloaded moments, or a minimal set of buffers that "
                  "cannot be packed together, and the capacity that would do.")
    define_spill(values, RUN)
    define_search(values)


def run(values: flags.FlagValues, rest: list[str]) -> int:
    if rest:
        raise UsageError(f"unexpected argument '{rest[0]}' (flags are spelt --name=value)")
    modes = [name for name in ("minimize", "allocator", "explain", "minimize_capacity",
                               "spill") if values[name].value]
    if values.pools and "spill" not in modes:
        modes.append("spill")
    if len(modes) > 1:
        raise UsageError("choose one of " + ", ".join(f"--{m}" for m in modes) +
                         ", not several")
    mode = modes[0] if modes else "solve"
    if values.sample == "list":
        print(inputs.list_samples_table())
        return EXIT_OK
    needs_capacity = mode in ("solve", "minimize_capacity", "explain") or (
        mode == "spill" and pools_flag(values) is None)
    # A sample brings its own capacity.
    capacity = inputs.capacity(values, required=needs_capacity and not values.sample)
    params = solver_params(values)  # checks the heuristics before reading anything
    output = writing.check_output(values.output)
    if output is not None:
        writing.output_format(values, output)  # a bad --format fails before any work
    if mode == "allocator":
        _check_allocator(values.allocator)
    reading = inputs.read_input(values, capacity)
    if needs_capacity and reading.problem.capacity is None and not reading.problem.pools:
        raise UsageError(f"--capacity=N is required: {reading.name} does not give one")
    if mode == "minimize":
        return _minimize(reading, values, params, output)
    if mode == "allocator":
        return _allocator(reading, values, output)
    if mode == "explain":
        return _explain(reading, values, params, output)
    if mode == "spill":
        return run_spill(reading, values, params, output)
    return _solve(reading, values, params, output)


COMMAND = Command("", "solve a problem (the default command)", USAGE,
                  (inputs.INPUT, writing.OUTPUT, RUN, SEARCH, inputs.MODEL), define, run)


def _solve(reading: Reading, values: flags.FlagValues, params: SolverParams,
           output: Path | None) -> int:
    problem = reading.problem
    capacity = problem.capacity
    warmup(trace=False)  # compile or load the kernels now, so the time below is the solve's
    solver = Solver(params)
    started = time.perf_counter()
    progress = Progress("search")
    progress.details = lambda: f"{solver.nodes_so_far:,} nodes"
    interrupted: list[bool] = []

    def cancel() -> None:
        interrupted.append(True)
        solver.cancel()

    # A Ctrl-C stops the solve, whose answer so far (a too-large problem's
    # baseline, the smallest capacity found) is then still written.
    result = interruptible(lambda: solver.solve(problem), cancel, progress=progress,
                           finish_on_cancel=True)
    line("time", f"{time.perf_counter() - started:.3f} s")
    solution = result.solution
    method = "minimalloc"
    if result.status is Status.OK:
        line("status", "solved")
        if not result.searched:  # too large: the answer is a baseline's
            line("reason", result.reason)
            method = f"the {result.fallback.method} baseline"
            line("height", f"{solution.height} (capacity {capacity}; a heuristic "
                           "answer, not proven smallest)")
            if not values.fallback:
                line("output", "not written: --nofallback refuses a baseline's answer")
                return EXIT_NOT_SOLVED
        elif params.minimize_capacity:
            line("height", f"{solution.height} (smallest capacity found; given "
                           f"{capacity})")
        else:
            line("height", f"{solution.height} (capacity {capacity})")
    else:
        line("status", _status_text(result.status, capacity, params.timeout))
        if not result.searched:  # too large: the baselines ran instead
            line("reason", result.reason)
            _report_fallback(result.fallback, capacity, None)
        elif result.status is Status.UNDECIDED:
            line("reason", f"{result.reason}; MiniMalloc's search does not try such "
                           "placements, so finding none proves nothing")
    if values.stats:
        print()
        print(format_stats(result.stats))
        print()
    if interrupted or result.status is Status.CANCELLED:
        if solution is not None:
            _finish(reading, values, solution, output, method, capacity)
        return EXIT_INTERRUPTED
    if result.status is Status.TIMEOUT and values.fallback:
        limit = _fallback_deadline(started, params.timeout)
        fallback = _fallback(problem, capacity, limit) if result.searched \
            else result.fallback
        if fallback is not None and fallback.fits:
            solution = fallback.solution
            method = f"the {fallback.method} baseline"
        if limit.cancelled:  # Ctrl-C: what was found is still written
            if solution is not None:
                _finish(reading, values, solution, output, method, capacity)
            return EXIT_INTERRUPTED
    if solution is None:
        return EXIT_NOT_SOLVED
    return _finish(reading, values, solution, output, method, capacity)


#: After a timeout the baselines may run this share of the time limit beyond
#: it (at most :data:`FALLBACK_GRACE_SECONDS`): on small problems they take
#: milliseconds, and the sweep's answer is there in any case.
FALLBACK_GRACE_SHARE = 0.1
FALLBACK_GRACE_SECONDS = 1.0


def _fallback_deadline(started: float, timeout: float | None) -> Deadline:
    """The baselines' limit after the search timed out: the time limit of
    the whole run, with a small grace."""
    if timeout is None:
        return Deadline(None)
    grace = min(FALLBACK_GRACE_SECONDS, FALLBACK_GRACE_SHARE * timeout)
    return Deadline.until(started + timeout + grace)


def _fallback(problem: Problem, capacity: int | None,
              deadline: Deadline) -> Fallback | None:
    """The best baseline after a timeout, within ``deadline`` (a Ctrl-C
    stops it too), reported with the allocators that did not finish (the
    baselines run only now, so the search had the whole time limit)."""
    started = time.perf_counter()
    fallback = interruptible(lambda: best_baseline(problem, capacity, deadline),
                             deadline.cancel, finish_on_cancel=True)
    _report_fallback(fallback, capacity, time.perf_counter() - started)
    return fallback


def _report_fallback(fallback: Fallback | None, capacity: int | None,
                     seconds: float | None) -> None:
    """Print what the best baseline gave (``seconds``: how long it took, if
    it ran apart from the solve)."""
    took = "" if seconds is None else f"{seconds:.3f} s; "
    if fallback is not None and fallback.unfinished:
        line("fallback", f"not finished within the time limit: "
                         f"{', '.join(fallback.unfinished)} (not candidates)")
    if fallback is None:
        line("fallback", "no baseline gives a valid allocation: nothing to write")
    elif fallback.fits:
        line("fallback", f"the {fallback.method} baseline fits: height "
                         f"{fallback.solution.height} <= capacity {capacity} "
                         f"({took}a heuristic answer, not MiniMalloc's search)")
    else:
        line("fallback", f"the best baseline ({fallback.method}) needs height "
                         f"{fallback.solution.height} > capacity {capacity}: "
                         "nothing to write")


def _status_text(status: Status, capacity: int | None, timeout: float | None) -> str:
    if status is Status.INFEASIBLE:
        return f"infeasible (no allocation fits in capacity {capacity})"
    if status is Status.TIMEOUT:
        limit = f"{timeout:g} s" if timeout is not None else "the time limit"
        return f"timeout (no answer within {limit})"
    if status is Status.UNDECIDED:
        return f"undecided (no allocation found in capacity {capacity}, none proven " \
            "impossible)"
    return "cancelled"


def _finish(reading: Reading, values: flags.FlagValues, solution: Solution,
            output: Path | None, method: str, capacity: int | None) -> int:
    """Validate (if asked), print the picture (if asked), write the output."""
    problem = reading.problem
    if values.validate:
        verdict = validate(problem, solution)
        if verdict.ok:
            line("validation", "PASS")
        else:
            line("validation", f"FAIL ({verdict.code.value}): {verdict.message}")
            if output is not None:
                line("output", "not written: the allocation failed validation")
            return EXIT_NOT_SOLVED
    if values.print_solution:
        print(latex_picture(problem, solution, capacity))
    if reading.report is not None:
        line("allocator", reading.report.summary(solution.height))
    if output is not None:
        writing.write_plan(reading, values, solution, output)
        line("output", f"{output} (offsets from {method})")
    return EXIT_OK


def _timed_run(function: Callable, problem: Problem, params: SolverParams,
               values: flags.FlagValues, *, progress: Progress | None = None,
               cancel: Callable[[], object] | None = None,
               finish_on_cancel: bool = False):
    """Run ``minimize`` or ``explain`` (Ctrl-C stops it) with --timeout if
    given, else the function's own default, and print the time it took."""
    warmup(trace=False)  # compile or load the kernels first: not part of the time
    kwargs = {"timeout": values.timeout} if given(values, "timeout") else {}
    started = time.perf_counter()
    if progress is not None:
        progress.started = started
    result = interruptible(lambda: function(problem, params=params, **kwargs), cancel,
                           progress=progress, finish_on_cancel=finish_on_cancel)
    line("time", f"{time.perf_counter() - started:.3f} s")
    return result


def _minimize(reading: Reading, values: flags.FlagValues, params: SolverParams,
              output: Path | None) -> int:
    # Without --timeout the minimiser's own default limit applies; --timeout=inf
    # lifts it (then the answer is always proven optimal).
    problem = reading.problem
    capacity = problem.capacity
    minimizer = Minimizer(params)
    progress = Progress("minimise")
    progress.details = "baselines and lower bound"

    def minimize(problem: Problem, params: SolverParams, **kwargs: object):
        return minimizer.minimize(problem, on_progress=progress.report_bounds, **kwargs)

    result = _timed_run(minimize, problem, params, values, progress=progress,
                        cancel=minimizer.cancel, finish_on_cancel=True)
    solution = result.solution
    found_by = {"exact": "minimalloc's search",
                "improve": "minimalloc's search on neighbourhoods"}.get(
                    result.method, f"the {result.method} baseline")
    if result.cancelled:
        line("interrupted", "stopped early: the best allocation found so far")
    _report_minimum(result, found_by)
    if values.stats:
        print()
        print(format_stats(result.stats))
        probes = [(str(i + 1), str(p.capacity), p.status.value, f"{p.seconds:.3f}")
                  for i, p in enumerate(result.probes)]
        if probes:
            print("probes\n" + format_table(("probe", "capacity", "status", "seconds"),
                                            probes, indent="  "))
        print()
    if capacity is not None and solution.height > capacity:
        line("capacity", f"{capacity}: the height found does not fit; nothing written")
        return EXIT_INTERRUPTED if result.cancelled else EXIT_NOT_SOLVED
    code = _finish(reading, values, solution, output, found_by, capacity)
    return EXIT_INTERRUPTED if result.cancelled else code


def _report_minimum(result, found_by: str) -> None:
    bound = result.lower_bound
    line("height", f"{result.solution.height} (found by {found_by})")
    line("lower bound", bound)
    if result.proven_optimal:
        line("optimal", "yes (proven)")
    else:
        gap = result.solution.height - bound
        share = f", {100.0 * gap / bound:.2f} %" if bound else ""
        line("optimal", f"not proven (gap {gap}{share} above the lower bound)")


def _check_allocator(name: str) -> None:
    known = available_allocators()
    if name not in known:
        raise UsageError(f"unknown allocator '{name}': use one of {', '.join(known)}")


def _allocator(reading: Reading, values: flags.FlagValues, output: Path | None) -> int:
    problem = reading.problem
    capacity = problem.capacity
    name = values.allocator
    started = time.perf_counter()
    solution = allocate(problem, name)
    line("time", f"{time.perf_counter() - started:.3f} s")
    line("allocator", name)
    if capacity is None:
        line("height", solution.height)
    elif solution.height <= capacity:
        line("height", f"{solution.height} (fits capacity {capacity})")
    else:
        line("height", f"{solution.height} (does not fit capacity {capacity})")
        return EXIT_NOT_SOLVED
    return _finish(reading, values, solution, output, f"the {name} allocator", capacity)


def _explain(reading: Reading, values: flags.FlagValues, params: SolverParams,
             output: Path | None) -> int:
    # Without --timeout, explain's own default limit applies.
    problem = reading.problem
    progress = Progress("explain")
    if given(values, "timeout") and values.timeout is not None:
        progress.details = f"time limit {values.timeout:g} s"
    explanation = _timed_run(explain, problem, params, values, progress=progress)
    verdict = {True: "yes", False: "no, proven", None: "not decided in time"}
    line("fits", f"{verdict[explanation.feasible]} (capacity {explanation.capacity}, "
                 f"LOAD {explanation.load}, lower bound {explanation.lower_bound})")
    if explanation.subset is not None:
        ids = ", ".join(problem.buffers[i].id for i in explanation.subset)
        minimal = "minimal" if explanation.subset_minimal else "not proven minimal"
        line("subset", f"{len(explanation.subset)} buffers ({minimal}): {ids}")
    print()
    print(textwrap.fill(explanation.message(), width=88))
    print()
    if explanation.feasible is None:
        return EXIT_NOT_SOLVED
    if explanation.feasible and explanation.solution is not None:
        return _finish(reading, values, explanation.solution, output, "the explanation",
                       problem.capacity)
    return EXIT_OK
