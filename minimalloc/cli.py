"""The command line, compatible with the reference's flags.

::

    minimalloc --capacity=N --input=IN.csv --output=OUT.csv [--timeout=10s]
               [--validate] [--stats] [--canonical_only=false ...]
               [--preordering_heuristics=WAT,TAW,TWA] [--minimize_capacity]
    minimalloc --input=IN.csv --minimize [--capacity=N] [--output=OUT.csv]
    minimalloc --input=IN.csv --allocator=best_fit [--capacity=N]
    minimalloc --input=IN.csv --capacity=N --explain
    minimalloc generate KIND [options]           (see minimalloc generate --help)
    minimalloc import MODEL.onnx|SNAPSHOT.pickle [--output=problem.csv]
               [--alignment=64] [--dim=batch=1] [--include_weights] [--device=0]
    minimalloc ablation --input=IN.csv --capacity=N [--timeout=20s]
    minimalloc batch INPUTS... --output=results.csv [options]  (minimalloc.batch)

Flags are spelt as the reference's (absl) flags are: ``--name=value`` or
``--name value``; a switch is ``--name`` (true), ``--noname`` (false) or
``--name=true|false`` (also ``1/0``, ``yes/no``, ``t/f``, ``y/n``).  A single
leading dash works too, and ``-`` may stand for ``_`` in names.  Durations are
``10s``, ``500ms``, ``1m``, ``1h30m``, ``1.5s``, ``inf``, or a bare number of
seconds.  When a flag is repeated, the last one counts.

Exit status: 0 when an allocation within the capacity was found (and written,
with ``--output``), 1 when none was (infeasible, timed out, or it failed
validation), 2 for bad input or usage (one line on stderr, no traceback), 130
when interrupted.  Output files are written to a temporary name and renamed,
so they are never half-written, and are left untouched on failure; an output
that is a symbolic link has its target written, and a FIFO or a device (such
as ``/dev/null``) is written directly, never replaced by a file (see
:mod:`minimalloc.formats.output`).

On a terminal, runs that take more than a moment (a solve, ``--minimize``,
``--explain``) show a live progress line on stderr (elapsed time; nodes, or
the best height, lower bound and gap); it is cleared before the results are
printed, and never written when stderr is not a terminal.  Ctrl-C stops the
run; ``--minimize`` then still writes the best allocation found so far (and
exits with 130).
"""

from __future__ import annotations

import difflib
import math
import re
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from minimalloc.errors import ProblemError
from minimalloc.model import MAX_TOTAL, describe_integer
from minimalloc.params import TECHNIQUES, SolverParams, Status, check_timeout

if TYPE_CHECKING:
    from minimalloc.formats.csv import CsvLayout
    from minimalloc.model import Problem
    from minimalloc.search.solver import Fallback

__all__ = ["main", "parse_bool", "parse_duration"]

EXIT_OK = 0
EXIT_NOT_SOLVED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

PROG = "minimalloc"
#: The progress line appears only for runs longer than this (seconds).
PROGRESS_DELAY = 0.5
#: How often the waiting main thread refreshes the progress line (seconds).
PROGRESS_INTERVAL = 0.1


class UsageError(Exception):
    """A bad command line: printed as one line, exit status 2."""


class _HelpRequested(Exception):
    pass


# ----------------------------------------------------------------------------
# Flag values


_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
                 "h": 3600.0}


def parse_bool(text: str) -> bool:
    """A switch's value as absl reads it.

    >>> parse_bool("false"), parse_bool("Yes"), parse_bool("1")
    (False, True, True)
    """
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def parse_duration(text: str) -> float | None:
    """Seconds in an absl duration (``10s``, ``500ms``, ``1m30s``, ``1.5s``);
    a bare number is seconds; ``inf``, or a limit longer than a timer can
    wait (about 292 years), is None (no limit).

    >>> parse_duration("1m30s"), parse_duration("500ms"), parse_duration("2")
    (90.0, 0.5, 2.0)
    >>> parse_duration("inf") is None
    True
    """
    word = text.strip().lower()
    if word in ("inf", "+inf", "infinite", "none"):
        return None
    if word.startswith("-"):
        raise ValueError(f"a duration cannot be negative, got {text!r}")
    word = word.removeprefix("+")
    if _NUMBER.fullmatch(word):
        seconds = float(word)
    else:
        seconds = 0.0
        position = 0
        while position < len(word):
            match = _DURATION_PART.match(word, position)
            if match is None:
                raise ValueError(
                    f"expected a duration such as 10s, 500ms, 1m30s or 1.5s, got {text!r}"
                )
            seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
            position = match.end()
        if not word:
            raise ValueError("expected a duration such as 10s, got an empty value")
    # inf, or longer than a timer can wait (about 292 years): no limit.
    return check_timeout(seconds) if math.isfinite(seconds) else None


def _parse_int(text: str) -> int:
    if not _INTEGER.fullmatch(text.strip()):
        raise ValueError(f"expected an integer, got {text!r}")
    digits = len(text.strip().lstrip("+-"))
    if digits > 40:  # far out of range, and slow to convert
        raise ValueError(f"expected an integer of at most 19 digits, got {digits} digits")
    return int(text)


# ----------------------------------------------------------------------------
# Flags, absl style


@dataclass(frozen=True)
class _Flag:
    name: str
    kind: str  # "bool", "int", "str", "duration", "multi" (a str; repeats add up)
    default: object
    help: str
    metavar: str = ""


def _switch_flags() -> list[_Flag]:
    flags = [_Flag(name, "bool", True, text) for name, text in TECHNIQUES.items()]
    flags.append(_Flag("minimize_capacity", "bool", False,
                       "The reference's binary search for the smallest capacity that "
                       "still fits (between 0 and --capacity)."))
    flags.append(_Flag("preordering_heuristics", "str", "WAT,TAW,TWA",
                       "Static preordering heuristics to attempt, comma separated "
                       "(letters A C L O T U W Z).", "LIST"))
    return flags


def _input_flags() -> list[_Flag]:
    return [
        _Flag("input", "str", "", "The path to the input: a problem CSV, an ONNX model "
              "(.onnx) or a PyTorch CUDA memory snapshot (.pickle).", "FILE"),
        _Flag("sample", "str", "", "Read a built-in sample problem instead of --input "
              "(--sample=list shows them).", "NAME"),
        _Flag("capacity", "int", None, "The maximum memory capacity.", "N"),
    ]


def _model_flags() -> list[_Flag]:
    """How an ONNX model or a PyTorch snapshot given as input is read."""
    return [
        _Flag("alignment", "int", None, "ONNX input: round every tensor up to, and "
              "align it at, a multiple of this many bytes.", "N"),
        _Flag("dim", "multi", (), "ONNX input: the value of a symbolic dimension, "
              "NAME=N; repeat the flag or separate with commas (batch=1,seq=128).",
              "NAME=N"),
        _Flag("include_weights", "bool", False, "ONNX input: also plan the weights "
              "(initializers), alive the whole run."),
        _Flag("device", "int", 0, "Snapshot input: which CUDA device's trace to read.",
              "N"),
    ]


_SOLVE_FLAGS: list[_Flag] = [
    *_input_flags(),
    *_model_flags(),
    _Flag("format", "str", "", "The output's format: csv, chrome-trace (Perfetto, "
          "chrome://tracing) or text (a TFLM-style plan); default: from the "
          "output's suffix (.json, .txt), else csv.", "FORMAT"),
    _Flag("output", "str", "", "The path to the output CSV file: the input's columns "
          "plus offset.", "FILE"),
    _Flag("timeout", "duration", None, "The time limit, e.g. 10s, 500ms, 1m, or inf; "
          "--minimize and --explain have their own default limits.", "DURATION"),
    _Flag("validate", "bool", False, "Validates the output with the independent "
          "checker; a failure exits 1."),
    _Flag("stats", "bool", False, "Prints the search statistics."),
    _Flag("print_solution", "bool", False, "Prints the solution as a LaTeX (TikZ) "
          "picture, as the reference does."),
    _Flag("fallback", "bool", True, "If the exact search gives no answer in time, "
          "use the best baseline allocation when it fits the capacity."),
    _Flag("minimize", "bool", False, "Find the lowest height it can (capacity "
          "optional), with a lower bound and whether it is proven optimal."),
    _Flag("allocator", "str", "", "Use a baseline allocator instead of the search "
          "(e.g. greedy_by_size, best_fit, first_fit).", "NAME"),
    _Flag("explain", "bool", False, "Explain why the problem does not fit its "
          "capacity: overloaded moments, or a minimal set of buffers that cannot be "
          "packed together, and the capacity that would do."),
    *_switch_flags(),
]

_ABLATION_FLAGS: list[_Flag] = [
    *_input_flags(),
    *_model_flags(),
    _Flag("timeout", "duration", 20.0, "The time limit per variant (default 20s).",
          "DURATION"),
    _Flag("preordering_heuristics", "str", "WAT,TAW,TWA",
          "Static preordering heuristics to attempt.", "LIST"),
]


def _normalise(name: str) -> str:
    return name.replace("-", "_")


def _parse_flags(argv: Sequence[str], flags: Sequence[_Flag]
                 ) -> tuple[dict[str, object], set[str]]:
    """Values of ``flags`` from ``argv`` (defaults where not given) and the
    names given."""
    by_name = {flag.name: flag for flag in flags}
    values: dict[str, object] = {flag.name: flag.default for flag in flags}
    given: set[str] = set()
    index = 0
    while index < len(argv):
        arg = argv[index]
        index += 1
        if arg == "--":
            if index < len(argv):
                raise UsageError(f"unexpected argument '{argv[index]}'")
            break
        if not arg.startswith("-") or arg == "-":
            raise UsageError(
                f"unexpected argument '{arg}' (flags are spelt --name=value)"
            )
        body = arg[2:] if arg.startswith("--") else arg[1:]
        raw_name, has_value, text = body.partition("=")
        name = _normalise(raw_name)
        if name in ("h", "help", "helpfull", "helpshort"):
            raise _HelpRequested
        flag = by_name.get(name)
        negated = False
        if flag is None and name.startswith("no") and name[2:] in by_name:
            candidate = by_name[name[2:]]
            if candidate.kind == "bool":
                if has_value:
                    raise UsageError(
                        f"--{raw_name} takes no value (write --{candidate.name}={text})"
                    )
                flag, negated = candidate, True
        if flag is None:
            raise UsageError(_unknown_flag(raw_name, by_name))
        if flag.kind == "bool":
            if negated:
                value: object = False
            elif not has_value:
                value = True
            else:
                value = _convert(flag, text)
        else:
            if not has_value:
                if index >= len(argv):
                    raise UsageError(f"--{flag.name} needs a value")
                text = argv[index]
                index += 1
            value = _convert(flag, text)
        if flag.kind == "multi":  # repeated flags add up instead
            value = (*values[flag.name], value)  # type: ignore[misc]
        values[flag.name] = value
        given.add(flag.name)
    return values, given


def _unknown_flag(name: str, by_name: dict[str, _Flag]) -> str:
    names = list(by_name) + [f"no{n}" for n, f in by_name.items() if f.kind == "bool"]
    close = difflib.get_close_matches(_normalise(name), names, n=1)
    hint = f" (did you mean --{close[0]}?)" if close else ""
    return f"unknown flag --{name}{hint}; see {PROG} --help"


def _convert(flag: _Flag, text: str) -> object:
    try:
        if flag.kind == "bool":
            return parse_bool(text)
        if flag.kind == "int":
            return _parse_int(text)
        if flag.kind == "duration":
            return parse_duration(text)
    except ValueError as error:
        raise UsageError(f"--{flag.name}: {error}") from None
    return text


def _help_text(usage: str, flags: Sequence[_Flag]) -> str:
    lines = [usage.rstrip(), "", "flags:"]
    for flag in flags:
        if flag.kind == "bool":
            spelling = f"--{flag.name}[=true|false]"
            default = "true" if flag.default else "false"
        else:
            spelling = f"--{flag.name}={flag.metavar or 'VALUE'}"
            default = "none" if flag.default in (None, "", ()) else str(flag.default)
            if flag.kind == "duration" and flag.default is not None:
                default = f"{flag.default:g}s"
        lines.append(f"  {spelling}")
        lines.append(textwrap.fill(f"{flag.help} (default: {default})", width=88,
                                   initial_indent=" " * 6, subsequent_indent=" " * 6))
    return "\n".join(lines)


_SOLVE_USAGE = f"""\
usage: {PROG} --capacity=N --input=IN.csv [--output=OUT.csv] [--timeout=10s]
                  [--validate] [--stats] [--canonical_only=false ...]
                  [--preordering_heuristics=WAT,TAW,TWA] [--minimize_capacity]
       {PROG} --input=IN.csv --minimize [--capacity=N] [--output=OUT.csv]
       {PROG} --input=IN.csv --allocator=NAME [--capacity=N] [--output=OUT.csv]
       {PROG} --input=IN.csv --capacity=N --explain
       {PROG} generate KIND [options]      (see {PROG} generate --help)
       {PROG} import MODEL.onnx|SNAPSHOT.pickle --output=problem.csv
                  (see {PROG} import --help)
       {PROG} ablation --input=IN.csv --capacity=N [--timeout=20s]
       {PROG} batch INPUTS... --output=results.csv [options]  (see {PROG} batch --help)

Solves a static memory allocation problem with MiniMalloc: gives every buffer
of IN.csv an offset so that buffers alive at the same time never share an
address and all fit in N bytes.  Exit status: 0 an allocation within the
capacity was found, 1 none was (infeasible, timed out, failed validation),
2 bad input or usage.
"""

_ABLATION_USAGE = f"""\
usage: {PROG} ablation --input=IN.csv --capacity=N [--timeout=20s]

Solves the problem with each search technique switched off in turn (and with
nothing switched off), as in the paper's ablation study, and prints a table.
"""


# ----------------------------------------------------------------------------
# Entry point


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (see the module doc)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "generate":
        return _generate(args[1:])
    if args and args[0] == "import":
        return _guarded(_import_command, args[1:], _IMPORT_USAGE, _IMPORT_FLAGS)
    if args and args[0] == "ablation":
        return _guarded(_ablation, args[1:], _ABLATION_USAGE, _ABLATION_FLAGS)
    if args and args[0] == "batch":  # its own argparse parser: it takes INPUTS...
        from minimalloc.batch import main as batch_main

        return batch_main(args[1:])
    return _guarded(_solve_command, args, _SOLVE_USAGE, _SOLVE_FLAGS)


def _guarded(command: Callable[[Sequence[str]], int], args: Sequence[str],
             usage: str, flags: Sequence[_Flag]) -> int:
    """Run ``command``, turning bad input into one line on stderr."""
    try:
        return command(args)
    except _HelpRequested:
        print(_help_text(usage, flags))
        return EXIT_OK
    except UsageError as error:
        _error(str(error))
        return EXIT_USAGE
    except ProblemError as error:
        _error(str(error))
        return EXIT_USAGE
    except OSError as error:
        _error(_os_message(error))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED


def _error(message: str) -> None:
    text = " ".join(message.split("\n"))
    print(f"{PROG}: error: {text}", file=sys.stderr)


def _os_message(error: OSError) -> str:
    reason = error.strerror or str(error)
    if error.filename is not None:
        return f"cannot open '{error.filename}': {reason}"
    return reason


def _generate(args: Sequence[str]) -> int:
    try:
        from minimalloc.generate.problems import main_generate
    except ImportError:
        _error("the generate subcommand is not available in this installation")
        return EXIT_USAGE
    return main_generate(list(args))


# ----------------------------------------------------------------------------
# Reading the problem


@dataclass(frozen=True)
class _Input:
    problem: Problem
    layout: CsvLayout
    name: str
    report: object = None  # a SnapshotReport when the input was a snapshot


def _read_input(values: dict[str, object], capacity: int | None) -> _Input:
    from minimalloc.formats.csv import read_csv_with_layout

    path = str(values["input"])
    sample = str(values["sample"])
    if path and sample:
        raise UsageError("give either --input or --sample, not both")
    if sample:
        return _read_sample(sample, capacity)
    if not path:
        raise UsageError(f"--input=FILE is required (or --sample=NAME); see {PROG} --help")
    if _input_kind(path) != "csv":
        return _read_model(path, values, capacity)
    problem, layout = read_csv_with_layout(path, capacity)
    return _Input(problem, layout, path)


def _sample_names() -> list[str]:
    try:
        from minimalloc.generate.samples import list_samples
    except ImportError:
        return []
    try:
        return list_samples()
    except (OSError, ProblemError):
        return []


def _list_samples() -> int:
    names = _sample_names()
    if not names:
        print("no sample problems in this installation")
        return EXIT_OK
    from minimalloc.generate.samples import sample_info

    rows = []
    for name in names:
        info = sample_info(name)
        rows.append((name, info.get("buffers", ""), info.get("capacity", ""),
                     info.get("teaches", "").split(".")[0]))
    print(format_table(("sample", "buffers", "capacity", "what it teaches"), rows,
                       align="<>><"))
    return EXIT_OK


def _read_sample(name: str, capacity: int | None) -> _Input:
    """A built-in sample, at its own capacity unless ``--capacity`` is given."""
    from minimalloc.formats.csv import read_csv_with_layout

    names = _sample_names()
    known = ", ".join(names) if names else "none in this installation"
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise UsageError(f"--sample: unknown sample '{name}'{hint}; known: {known}")
    from minimalloc.generate.samples import SAMPLES_DIR, sample_info

    info = sample_info(name)
    if capacity is None and info.get("capacity"):
        capacity = int(info["capacity"])
    problem, layout = read_csv_with_layout(SAMPLES_DIR / info["file"], capacity)
    return _Input(problem, layout, f"sample {name}")


def _capacity(values: dict[str, object], required: bool) -> int | None:
    capacity = values["capacity"]
    if capacity is None:
        if required:
            raise UsageError(
                "--capacity=N is required (the memory size to fit in); only "
                "--minimize and --allocator work without it"
            )
        return None
    assert isinstance(capacity, int)
    if capacity < 1:
        raise UsageError(f"--capacity must be at least 1, got {capacity}")
    if capacity > MAX_TOTAL:
        raise UsageError(f"--capacity must be at most 2^61 ({MAX_TOTAL}), got "
                         f"{describe_integer(capacity)}")
    return capacity


def _params(values: dict[str, object], **changes: object) -> SolverParams:
    switches = {name: bool(values[name]) for name in TECHNIQUES if name in values}
    settings: dict[str, object] = {
        "timeout": values["timeout"],
        "preordering_heuristics": str(values["preordering_heuristics"]),
        **switches,
    }
    if "minimize_capacity" in values:
        settings["minimize_capacity"] = bool(values["minimize_capacity"])
    settings.update(changes)
    try:
        return SolverParams(**settings)  # type: ignore[arg-type]
    except ProblemError as error:
        raise UsageError(f"--preordering_heuristics: {error}") from None


def _check_output(values: dict[str, object]) -> Path | None:
    """The output path, checked before any work is done."""
    text = str(values.get("output") or "")
    if not text:
        return None
    path = Path(text)
    if path.is_dir():  # also a link to a folder
        raise UsageError(f"--output: '{text}' is a folder, not a file")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"--output: the folder '{folder}' does not exist")
    return path


# ----------------------------------------------------------------------------
# The solve command and its variants


def _solve_command(args: Sequence[str]) -> int:
    values, given = _parse_flags(args, _SOLVE_FLAGS)
    values["timeout_given"] = "timeout" in given
    modes = [name for name in ("minimize", "allocator", "explain", "minimize_capacity")
             if values[name]]
    if len(modes) > 1:
        raise UsageError(
            "choose one of " + ", ".join(f"--{m}" for m in modes) + ", not several"
        )
    mode = modes[0] if modes else "solve"
    if values["sample"] == "list":
        return _list_samples()
    needs_capacity = mode in ("solve", "minimize_capacity", "explain")
    # A sample brings its own capacity.
    capacity = _capacity(values, required=needs_capacity and not values["sample"])
    params = _params(values)  # checks the heuristics before reading anything
    output = _check_output(values)
    if output is not None:
        _output_format(values, output)  # a bad --format fails before any work
    data = _read_input(values, capacity)
    if needs_capacity and data.problem.capacity is None:
        raise UsageError(f"--capacity=N is required: {data.name} does not give one")
    if mode == "minimize":
        return _minimize(data, values, params, output)
    if mode == "allocator":
        return _allocator(data, values, output)
    if mode == "explain":
        return _explain(data, values, params, output)
    return _solve(data, values, params, output)


def _line(label: str, value: object) -> None:
    print(f"{label + ':':<14}{value}")


def _solve(data: _Input, values: dict[str, object], params: SolverParams,
           output: Path | None) -> int:
    from minimalloc.search.solver import Solver, warmup

    problem = data.problem
    capacity = problem.capacity
    warmup(trace=False)  # compile or load the kernels now, so the time below is the solve's
    solver = Solver(params)
    started = time.perf_counter()
    progress = Progress("search")
    progress.details = lambda: f"{solver.nodes_so_far:,} nodes"
    result = _interruptible(lambda: solver.solve(problem), solver.cancel,
                            progress=progress)
    elapsed = time.perf_counter() - started
    _line("time", f"{elapsed:.3f} s")
    solution = result.solution
    method = "minimalloc"
    if result.status is Status.OK:
        _line("status", "solved")
        if params.minimize_capacity:
            _line("height", f"{solution.height} (smallest capacity found; given "
                            f"{capacity})")
        else:
            _line("height", f"{solution.height} (capacity {capacity})")
    else:
        _line("status", _status_text(result.status, capacity, params.timeout))
        if result.status is Status.UNDECIDED:
            _line("reason", f"{result.reason}; MiniMalloc's search does not try such "
                            "placements, so finding none proves nothing")
    if values["stats"]:
        print()
        print(format_stats(result.stats))
        print()
    if result.status is Status.CANCELLED:
        return EXIT_INTERRUPTED
    if result.status is Status.TIMEOUT and values["fallback"]:
        # The baselines run only now, so the search had the whole time limit.
        started = time.perf_counter()
        fallback = best_baseline(problem, capacity)
        seconds = time.perf_counter() - started
        if fallback is None:
            _line("fallback", "no baseline gives a valid allocation: nothing to write")
        elif fallback.fits:
            _line("fallback", f"the {fallback.method} baseline fits: height "
                              f"{fallback.solution.height} <= capacity {capacity} "
                              f"({seconds:.3f} s; a heuristic answer, not "
                              "MiniMalloc's search)")
            solution = fallback.solution
            method = f"the {fallback.method} baseline"
        else:
            _line("fallback", f"the best baseline ({fallback.method}) needs height "
                              f"{fallback.solution.height} > capacity {capacity}: "
                              "nothing to write")
    if solution is None:
        return EXIT_NOT_SOLVED
    return _finish(data, values, solution, output, method, capacity)


def best_baseline(problem: Problem, capacity: int | None) -> Fallback | None:
    """The lowest valid allocation among the baseline allocators (ties: the
    one registered first), or None if none is valid."""
    from minimalloc.baselines.allocators import allocate, available_allocators
    from minimalloc.search.solver import Fallback
    from minimalloc.validate import validate

    unlimited = problem.with_capacity(None)
    best: Fallback | None = None
    for name in available_allocators():
        solution = allocate(problem, name)
        if best is not None and solution.height >= best.solution.height:
            continue
        if validate(unlimited, solution).ok:
            fits = capacity is None or solution.height <= capacity
            best = Fallback(name, solution, fits)
    return best


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


def _finish(data: _Input, values: dict[str, object], solution, output: Path | None,
            method: str, capacity: int | None) -> int:
    """Validate (if asked), print the picture (if asked), write the output."""
    problem = data.problem
    if values.get("validate"):
        from minimalloc.validate import validate

        verdict = validate(problem, solution)
        if verdict.ok:
            _line("validation", "PASS")
        else:
            _line("validation", f"FAIL ({verdict.code.value}): {verdict.message}")
            if output is not None:
                _line("output", "not written: the allocation failed validation")
            return EXIT_NOT_SOLVED
    if values.get("print_solution"):
        print(latex_picture(problem, solution, capacity))
    if data.report is not None:
        _line("allocator", data.report.summary(solution.height))
    if output is not None:
        _write_output(data, values, solution, output)
        _line("output", f"{output} (offsets from {method})")
    return EXIT_OK


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
            from tqdm import tqdm

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


def _interruptible(work: Callable[[], object],
                   cancel: Callable[[], object] | None = None, *,
                   progress: Progress | None = None, finish_on_cancel: bool = False):
    """Run ``work`` in a thread so that Ctrl-C is seen at once (the search
    kernel holds the main thread otherwise), refreshing ``progress`` while
    waiting.  On Ctrl-C ``cancel`` is called; then with ``finish_on_cancel``
    the work's own answer (its best so far) is awaited and returned (a second
    Ctrl-C gives up on it), otherwise the work gets a moment to stop and
    KeyboardInterrupt is raised."""
    box: dict[str, object] = {}
    # An Event rather than Thread.join: a join interrupted by Ctrl-C can
    # leave the thread looking finished while it still runs.
    done = threading.Event()

    def target() -> None:
        try:
            box["result"] = work()
        except BaseException as error:  # noqa: BLE001 - re-raised below
            box["error"] = error
        finally:
            done.set()

    thread = threading.Thread(target=target, name="minimalloc-work", daemon=True)
    thread.start()
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
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]


def _wait(done: threading.Event, progress: Progress | None) -> None:
    while not done.wait(PROGRESS_INTERVAL):
        if progress is not None:
            progress.tick()


def _timed_run(function: Callable, problem: Problem, params: SolverParams,
               values: dict[str, object], *, progress: Progress | None = None,
               cancel: Callable[[], object] | None = None,
               finish_on_cancel: bool = False):
    """Run ``minimize`` or ``explain`` (Ctrl-C stops it) with --timeout if
    given, else the function's own default, and print the time it took."""
    from minimalloc.search.solver import warmup

    warmup(trace=False)  # compile or load the kernels first: not part of the time
    kwargs = {"timeout": values["timeout"]} if values["timeout_given"] else {}
    started = time.perf_counter()
    if progress is not None:
        progress.started = started
    result = _interruptible(lambda: function(problem, params=params, **kwargs), cancel,
                            progress=progress, finish_on_cancel=finish_on_cancel)
    _line("time", f"{time.perf_counter() - started:.3f} s")
    return result


def _minimize(data: _Input, values: dict[str, object], params: SolverParams,
              output: Path | None) -> int:
    problem = data.problem
    capacity = problem.capacity
    # Without --timeout the minimiser's own default limit applies; --timeout=inf
    # lifts it (then the answer is always proven optimal).
    from minimalloc.analysis.minimize import Minimizer

    minimizer = Minimizer(params)
    progress = Progress("minimise")
    progress.details = "baselines and lower bound"

    def run(problem: Problem, params: SolverParams, **kwargs: object):
        return minimizer.minimize(problem, on_progress=progress.report_bounds,
                                  **kwargs)

    result = _timed_run(run, problem, params, values, progress=progress,
                        cancel=minimizer.cancel, finish_on_cancel=True)
    solution = result.solution
    bound = result.lower_bound
    found_by = {"exact": "minimalloc's search",
                "improve": "minimalloc's search on neighbourhoods"}.get(
                    result.method, f"the {result.method} baseline")
    if result.cancelled:
        _line("interrupted", "stopped early: the best allocation found so far")
    _line("height", f"{solution.height} (found by {found_by})")
    _line("lower bound", bound)
    if result.proven_optimal:
        _line("optimal", "yes (proven)")
    else:
        gap = solution.height - bound
        share = f", {100.0 * gap / bound:.2f} %" if bound else ""
        _line("optimal", f"not proven (gap {gap}{share} above the lower bound)")
    if values["stats"]:
        print()
        print(format_stats(result.stats))
        probes = [(str(i + 1), str(p.capacity), p.status.value, f"{p.seconds:.3f}")
                  for i, p in enumerate(result.probes)]
        if probes:
            print("probes\n" + format_table(("probe", "capacity", "status", "seconds"),
                                            probes, indent="  "))
        print()
    if capacity is not None and solution.height > capacity:
        _line("capacity", f"{capacity}: the height found does not fit; nothing written")
        return EXIT_INTERRUPTED if result.cancelled else EXIT_NOT_SOLVED
    code = _finish(data, values, solution, output, found_by, capacity)
    return EXIT_INTERRUPTED if result.cancelled else code


def _allocator(data: _Input, values: dict[str, object], output: Path | None) -> int:
    from minimalloc.baselines.allocators import allocate

    problem = data.problem
    capacity = problem.capacity
    name = str(values["allocator"])
    started = time.perf_counter()
    solution = allocate(problem, name)
    elapsed = time.perf_counter() - started
    _line("time", f"{elapsed:.3f} s")
    _line("allocator", name)
    if capacity is None:
        _line("height", solution.height)
    elif solution.height <= capacity:
        _line("height", f"{solution.height} (fits capacity {capacity})")
    else:
        _line("height", f"{solution.height} (does not fit capacity {capacity})")
        return EXIT_NOT_SOLVED
    return _finish(data, values, solution, output, f"the {name} allocator", capacity)


def _explain(data: _Input, values: dict[str, object], params: SolverParams,
             output: Path | None) -> int:
    problem = data.problem
    # Without --timeout, explain's own default limit applies.
    from minimalloc.analysis.explain import explain

    progress = Progress("explain")
    if values["timeout_given"] and values["timeout"] is not None:
        progress.details = f"time limit {values['timeout']:g} s"
    explanation = _timed_run(explain, problem, params, values, progress=progress)
    verdict = {True: "yes", False: "no, proven", None: "not decided in time"}
    _line("fits", f"{verdict[explanation.feasible]} (capacity {explanation.capacity}, "
                  f"LOAD {explanation.load}, lower bound {explanation.lower_bound})")
    if explanation.subset is not None:
        ids = ", ".join(problem.buffers[i].id for i in explanation.subset)
        minimal = "minimal" if explanation.subset_minimal else "not proven minimal"
        _line("subset", f"{len(explanation.subset)} buffers ({minimal}): {ids}")
    print()
    print(textwrap.fill(explanation.message(), width=88))
    print()
    if explanation.feasible is None:
        return EXIT_NOT_SOLVED
    if explanation.feasible and explanation.solution is not None:
        return _finish(data, values, explanation.solution, output, "the explanation",
                       problem.capacity)
    return EXIT_OK


# ----------------------------------------------------------------------------
# Models and snapshots in, plans out in other formats


_IMPORT_FLAGS: list[_Flag] = [
    _Flag("output", "str", "", "The problem CSV to write (default: print it).", "FILE"),
    *_model_flags(),
]

_IMPORT_USAGE = f"""\
usage: {PROG} import MODEL.onnx|SNAPSHOT.pickle [--output=problem.csv]
                  [--alignment=64] [--dim=batch=1] [--include_weights] [--device=0]

Turns an ONNX model (its activations, with lifetimes by node order) or a
PyTorch CUDA memory snapshot (its allocations, in trace order) into a problem
CSV with a label column saying where each buffer comes from.  The solving
commands also take a model or a snapshot directly as --input.
"""


def _input_kind(path: str) -> str:
    """Which reader takes ``path`` (by suffix, then by its first bytes)."""
    from minimalloc.formats import reader_name

    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError:
        head = b""  # the reader will say what is wrong with it
    return reader_name(path, head)


def _model_options(values: dict[str, object]) -> dict[str, object]:
    """The reader options the flags give: alignment, dims, weights, device."""
    dims: dict[str, int] = {}
    for text in values.get("dim") or ():
        for part in str(text).split(","):
            name, equals, number = part.partition("=")
            if not equals or not name.strip() or not _INTEGER.fullmatch(number.strip()):
                raise UsageError(f"--dim: expected NAME=N (such as batch=1), got {part!r}")
            dims[name.strip()] = int(number)
    alignment = values.get("alignment")
    if alignment is not None and alignment < 1:  # type: ignore[operator]
        raise UsageError(f"--alignment must be at least 1, got {alignment}")
    return {"alignment": alignment, "dims": dims or None,
            "include_weights": bool(values.get("include_weights")),
            "device": values.get("device")}


def _read_model(path: str, values: dict[str, object], capacity: int | None) -> _Input:
    """An ONNX model or a snapshot as a problem (the CSV layout its output
    will have: the reference's columns plus ``label``)."""
    from minimalloc.formats import read_problem
    from minimalloc.formats.csv import CsvLayout

    options = _model_options(values)
    report = None
    if _input_kind(path) == "torch_snapshot":  # read once, with the allocator's report
        from minimalloc.formats.torch_snapshot import read_torch_snapshot_with_report

        problem, report = read_torch_snapshot_with_report(path, device=options["device"])
        problem = problem.with_capacity(capacity)
    else:
        problem, _ = read_problem(path, capacity=capacity, **options)
    return _Input(problem, CsvLayout.default(problem), path, report)


def _output_format(values: dict[str, object], output: Path | None) -> str:
    from minimalloc.formats import writer_for

    try:
        return writer_for(str(values.get("format") or "") or None, output)
    except ProblemError as error:
        raise UsageError(f"--format: {error}") from None


def _write_output(data: _Input, values: dict[str, object], solution,
                  output: Path) -> None:
    """Write the plan in the chosen format, never half-written."""
    from minimalloc.formats import writers
    from minimalloc.formats.csv import write_csv
    from minimalloc.formats.output import write_text

    kind = _output_format(values, output)
    if kind == "csv":
        write_csv(data.problem, output, solution, data.layout)
    else:
        write_text(output, writers()[kind](data.problem, solution))


def _import_command(args: Sequence[str]) -> int:
    from minimalloc.bounds import max_load
    from minimalloc.formats.csv import dumps_csv, write_csv

    path, flags = (args[0], args[1:]) if args and not args[0].startswith("-") else \
        ("", args)
    values, _ = _parse_flags(flags, _IMPORT_FLAGS)
    if not path:
        raise UsageError(f"give the model or snapshot to import first: {PROG} import "
                         "MODEL.onnx|SNAPSHOT.pickle [flags]")
    output = _check_output(values)
    if _input_kind(path) == "csv":
        raise UsageError(f"'{path}' is neither an ONNX model (.onnx) nor a PyTorch "
                         "snapshot (.pickle): nothing to import")
    data = _read_model(path, values, None)
    problem = data.problem
    steps = max((b.upper for b in problem.buffers), default=0)
    summary = (f"{len(problem.buffers)} buffers over {steps} time steps, LOAD "
               f"{max_load(problem):,} bytes")
    if output is None:
        print(dumps_csv(problem, None, data.layout), end="")
        print(f"{path}: {summary}", file=sys.stderr)
        return EXIT_OK
    write_csv(problem, output, None, data.layout)
    _line("input", path)
    _line("buffers", summary)
    if data.report is not None:
        _line("allocator", data.report.summary())
    _line("output", output)
    return EXIT_OK


# ----------------------------------------------------------------------------
# Ablation


def _ablation(args: Sequence[str]) -> int:
    from minimalloc.analysis.ablation import ablation_table, run_ablation

    values, _ = _parse_flags(args, _ABLATION_FLAGS)
    capacity = _capacity(values, required=not values["sample"])
    params = _params(values)
    data = _read_input(values, capacity)
    problem = data.problem
    if problem.capacity is None:
        raise UsageError(f"--capacity=N is required: {data.name} does not give one")
    timeout = values["timeout"]
    limit = "no limit" if timeout is None else f"{timeout:g} s limit per variant"
    print(f"ablation: {data.name}, {len(problem.buffers)} buffers, capacity "
          f"{problem.capacity}, {limit}")
    print()
    state: dict[str, object] = {"interrupted": False, "solver": None}

    def on_start(variant: str, solver) -> None:
        state["solver"] = solver
        if state["interrupted"]:
            solver.cancel()

    def on_row(row) -> None:
        if sys.stderr.isatty():
            print(f"  {row.label}: {row.status.value}, {row.seconds:.2f} s",
                  file=sys.stderr)

    def cancel() -> None:
        state["interrupted"] = True
        if state["solver"] is not None:
            state["solver"].cancel()

    rows = _interruptible(
        lambda: run_ablation(problem, timeout, params, on_start=on_start, on_row=on_row),
        cancel)
    print(ablation_table(rows))
    print()
    finished = sum(row.finished for row in rows)
    print(f"finished: {finished} of {len(rows)} variants (solved or proven infeasible)")
    return EXIT_OK


# ----------------------------------------------------------------------------
# Formatting


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                 align: str | None = None, indent: str = "") -> str:
    """Plain-text columns; ``align`` has one ``<`` or ``>`` per column
    (default: first column left, the rest right).

    >>> print(format_table(("a", "b"), [("x", "10"), ("yy", "2")]))
    a    b
    x   10
    yy   2
    """
    if align is None:
        align = "<" + ">" * (len(headers) - 1)
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = []
    for row in (headers, *rows):
        cells = [f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths)]
        lines.append((indent + "  ".join(cells)).rstrip())
    return "\n".join(lines)


def format_stats(stats) -> str:
    """The search statistics as a small table (and the round robin's runs)."""
    rows = [
        ("nodes", f"{stats.nodes}"),
        ("backtracks", f"{stats.backtracks}"),
        ("placements", f"{stats.placements}"),
    ]
    rows += [(f"pruned: {rule.replace('_', ' ')}", f"{count}")
             for rule, count in stats.prunes.items()]
    rows += [
        ("decompositions", f"{stats.decompositions}"),
        ("max depth", f"{stats.max_depth}"),
        ("partitions", f"{stats.partitions}"),
        ("sections", f"{stats.sections}"),
        ("sweep seconds", f"{stats.sweep_seconds:.3f}"),
        ("search seconds", f"{stats.search_seconds:.3f}"),
        ("round-robin runs", f"{len(stats.rounds)}"),
    ]
    text = "search statistics\n" + format_table(("counter", "value"), rows, indent="  ")
    if stats.rounds:
        round_rows = [
            (str(r.round), r.heuristic,
             "none" if r.node_limit < 0 else str(r.node_limit), str(r.nodes), r.outcome)
            for r in stats.rounds
        ]
        text += "\nround robin\n" + format_table(
            ("round", "heuristic", "node limit", "nodes", "outcome"), round_rows,
            align=">^>><", indent="  ")
    return text


def latex_picture(problem, solution, capacity: int | None) -> str:
    """The solution as a TikZ picture, drawn as the reference's
    ``--print_solution`` draws it (a 17 x 8.5 box, one rectangle per active
    stretch of each buffer)."""
    buffers = problem.buffers
    top = capacity if capacity is not None else max(solution.height, 1)
    lo = min((b.lower for b in buffers), default=0)
    hi = max((b.upper for b in buffers), default=1)
    scale_x = 17.0 / max(hi - lo, 1)
    scale_y = 8.5 / max(top, 1)
    lines = ["", r"\documentclass[tikz]{standalone}", r"\usepackage{tikz}",
             r"\usepackage{pgfplots}", r"\begin{document}", r"\begin{tikzpicture}"]
    for buffer, offset in zip(buffers, solution.offsets):
        gaps = sorted(buffer.gaps, key=lambda g: g.lower)
        for i in range(len(gaps) + 1):
            left = buffer.lower if i == 0 else gaps[i - 1].upper
            right = buffer.upper if i == len(gaps) else gaps[i].lower
            if left == right:
                continue
            x = scale_x * (left - lo)
            y = scale_y * offset
            w = scale_x * (right - left)
            h = scale_y * buffer.size
            lines.append(
                rf"\fill[lightgray,draw=darkgray] ({x:g},{y:g}) rectangle "
                rf"({x + w:g},{y + h:g});  % height = {h:g}, ID = {buffer.id}"
            )
    lines.append(rf"\fill[draw=black,fill opacity=0,thick] (0,0) rectangle "
                 rf"({scale_x * (hi - lo):g},{scale_y * top:g});")
    lines += [r"\end{tikzpicture}", r"\end{document}"]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
