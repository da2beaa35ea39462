"""The benchmark runner: the paper's challenging problems A-K against the reference.

``python -m minimalloc.bench`` (``make bench``) solves each of A-K at capacity
1048576 and prints, per instance, the buffers, the median solve time of a few
runs, the nodes and backtracks, whether the answer is identical to the
reference's (the same offsets as its output file *and* the same backtrack
count as its published results, :data:`REFERENCE_RESULTS`) and the ratio of
our time to the reference's.
Then the costs of a process: JIT compilation with a cold cache, the start of
a whole ``minimalloc`` command with a warm cache, and peak memory.  Then
the minimiser (:mod:`minimalloc.analysis.minimize`) on A-K with no
capacity, against the reference's solve times and the heights of other
allocators.  Then the spill section (:mod:`minimalloc.bench.spill`): A-K
at 95% of their LOAD, the bytes moved against the covering bound
(``--only spill`` for just that, ``--no-spill`` to skip).  With
``--ablation`` (``make bench`` gives it), the paper's ablation table (each
technique switched off in turn, 20 s per variant) over A-K, run by
:mod:`minimalloc.batch` on every local core (``--only ablation`` for just
that).  ``--trace-overhead`` also compares solves with and without the
search trace.  ``--dense`` adds the dense section
(:mod:`minimalloc.bench.dense`: the minimiser on training steps with
thousands of tensors alive at once; ``--only dense`` runs it alone).  Last,
the scale section (:mod:`minimalloc.bench.scale`):
training traces of 10^4 to 10^6 buffers, bounds, baselines, validation and
the minimiser in fresh processes, with their time and memory (``--only
scale`` runs it alone, ``--no-scale`` skips it).

Our times are of :meth:`Solver.solve` in a warm process (the problem already
read); the reference's are medians of whole-process runs, so they include
reading the file and starting the program (a few milliseconds).

The data is read from ``benchmarks/`` in the shared folder next to the
repository (``--shared DIR`` to point elsewhere).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy

from minimalloc.analysis.ablation import BASELINE, variants
from minimalloc.analysis.minimize import minimize
from minimalloc.bench.dense import report_dense
from minimalloc.bench.open_instances import OPEN_INSTANCES, report_open
from minimalloc.bench.replay import report_replay
from minimalloc.bench.scale import report_scale
from minimalloc.bench.spill import report_spill
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import read_csv
from minimalloc.jit import warmup
from minimalloc.search.solver import Solver
from minimalloc.tables import format_table

__all__ = ["main"]

CAPACITY = 1048576
INSTANCES = tuple("ABCDEFGHIJK")
DEFAULT_SHARED = Path(__file__).resolve().parents[2].parent / "shared"
#: The warm-cache start of a whole command must stay below this.
START_LIMIT_SECONDS = 2.0
TRACE_EVENTS = 100_000
#: The reference's published results (backtrack counts, times, heights of
#: other allocators, the ablation table), kept with the benchmarks in the
#: shared folder, outside this repository; parsed by their table headers.
REFERENCE_RESULTS = Path("benchmarks") / "reference" / "REFERENCE.md"


class BenchError(Exception):
    """Missing or unreadable benchmark data: one line, exit status 2."""


# ----------------------------------------------------------------------------
# The reference's published results


@dataclass(frozen=True)
class Reference:
    """What the reference's results say about each instance."""

    buffers: dict[str, int] = field(default_factory=dict)
    load: dict[str, int] = field(default_factory=dict)
    height: dict[str, int] = field(default_factory=dict)
    backtracks: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    minimize: dict[str, str] = field(default_factory=dict)  # the result cell
    minimize_seconds: dict[str, float] = field(default_factory=dict)
    others: dict[str, dict[str, float]] = field(default_factory=dict)  # heights / CAPACITY

    def optimum_is_load(self, name: str) -> bool:
        """True if the optimum height is known to equal the LOAD: the reference
        reached it, or its minimiser proved it."""
        if name not in self.load:
            return False
        if self.height.get(name) == self.load[name]:
            return True
        return "= LOAD" in self.minimize.get(name, "") and "optimal" in self.minimize[name]


def _markdown_tables(text: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """Every table as (the heading above it, header cells, body rows)."""
    tables: list[tuple[str, list[str], list[list[str]]]] = []
    heading = ""
    current: list[list[str]] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            heading = stripped.lstrip("#").strip()
        if not stripped.startswith("|"):
            current = None
            continue
        cells = [c.strip() for c in stripped.strip("|").split("|")]
        if all(re.fullmatch(r":?-+:?", c) for c in cells if c):
            continue
        if current is None:
            current = []
            tables.append((heading, cells, current))
        else:
            current.append(cells)
    return tables


def _number(text: str) -> float | None:
    match = re.match(r"\s*([0-9]+(?:\.[0-9]+)?)", text)
    return float(match.group(1)) if match else None


def parse_reference(text: str) -> Reference:
    """The numbers of the reference's results (tables found by their headers)."""
    reference = Reference()
    for heading, header, rows in _markdown_tables(text):
        lowered = [h.lower() for h in header]
        if "backtracks" in lowered and "instance" in lowered:
            column = {name: lowered.index(name) for name in lowered}
            load = next(i for i, h in enumerate(lowered) if h.startswith("load"))
            seconds = next(i for i, h in enumerate(lowered) if h.startswith("seconds"))
            for row in rows:
                name = row[0]
                if name not in INSTANCES:
                    continue
                reference.buffers[name] = int(row[column["buffers"]])
                reference.load[name] = int(row[load])
                reference.height[name] = int(row[column["height"]])
                reference.backtracks[name] = int(row[column["backtracks"]])
                reference.seconds[name] = float(row[seconds])
        elif "minimis" in heading.lower() or "minimiz" in heading.lower():
            for row in rows:
                if row and row[0] in INSTANCES and len(row) >= 3:
                    reference.minimize[row[0]] = row[1]
                    value = _number(row[2])
                    if value is not None:
                        reference.minimize_seconds[row[0]] = value
        elif "allocator" in heading.lower() and "instance" in lowered:
            for row in rows:
                if row and row[0] in INSTANCES:
                    reference.others[row[0]] = {
                        header[i]: float(cell) for i, cell in enumerate(row)
                        if i > 0 and _number(cell) is not None
                    }
    if not reference.backtracks:
        raise BenchError(f"{REFERENCE_RESULTS.name} has no table with instance and "
                         "backtracks columns")
    return reference


# ----------------------------------------------------------------------------
# Measurements


@dataclass(frozen=True)
class SolveRow:
    name: str
    buffers: int
    seconds: float
    nodes: int
    backtracks: int
    status: str
    same_offsets: bool
    same_backtracks: bool

    @property
    def identical(self) -> bool:
        return self.same_offsets and self.same_backtracks


def _paths(shared: Path, name: str) -> tuple[Path, Path]:
    bench = shared / "benchmarks"
    return (bench / "challenging" / f"{name}.{CAPACITY}.csv",
            bench / "reference" / f"{name}.{CAPACITY}.out.csv")


def _timed_solve(problem, trace: int = 0):
    started = time.perf_counter()
    result = Solver().solve(problem, trace=trace)
    return time.perf_counter() - started, result


def solve_instance(shared: Path, name: str, runs: int, reference: Reference) -> SolveRow:
    """Solve one instance ``runs`` times; compare with the reference."""
    source, expected = _paths(shared, name)
    problem = read_csv(source, CAPACITY)
    times = []
    result = None
    for _ in range(runs):
        seconds, result = _timed_solve(problem)
        times.append(seconds)
    assert result is not None
    reference_offsets = tuple(b.offset for b in read_csv(expected).buffers)
    same_offsets = (result.solution is not None
                    and tuple(result.solution.offsets) == reference_offsets)
    return SolveRow(
        name=name, buffers=len(problem.buffers), seconds=statistics.median(times),
        nodes=result.stats.nodes, backtracks=result.stats.backtracks,
        status=result.status.value,
        same_offsets=same_offsets,
        same_backtracks=result.stats.backtracks == reference.backtracks.get(name),
    )


def _ratio(ours: float, theirs: float | None) -> str:
    if not theirs:
        return "-"
    return f"{ours / theirs:.2f}"


def report_solves(rows: list[SolveRow], reference: Reference, runs: int) -> None:
    print(f"Solving at capacity {CAPACITY} (median of {runs} run{'s' * (runs != 1)}; "
          "identical = same offsets and backtracks as the reference)")
    print()
    table = []
    for row in rows:
        ref_seconds = reference.seconds.get(row.name)
        table.append((
            row.name, str(row.buffers), f"{row.seconds:.3f}", str(row.nodes),
            str(row.backtracks), str(reference.backtracks.get(row.name, "-")),
            "yes" if row.identical else "NO", _fmt(ref_seconds),
            _ratio(row.seconds, ref_seconds),
        ))
    ours = sum(r.seconds for r in rows)
    theirs = sum(reference.seconds.get(r.name, 0.0) for r in rows)
    table.append(("total", "", f"{ours:.3f}", "", "", "", "", f"{theirs:.3f}",
                  _ratio(ours, theirs)))
    print(format_table(
        ("instance", "buffers", "seconds", "nodes", "backtracks", "ref backtracks",
         "identical", "ref seconds", "ratio"),
        table, align="<>>>>>^>>"))
    print()
    same = sum(r.identical for r in rows)
    verdict = "yes" if same == len(rows) else "NO"
    print(f"identical: {verdict} ({same}/{len(rows)} instances with the reference's "
          "offsets and backtracks)")
    for row in rows:
        if not row.identical:
            what = []
            if not row.same_offsets:
                what.append("offsets differ" if row.status == "ok" else
                            f"status {row.status}")
            if not row.same_backtracks:
                what.append(f"backtracks {row.backtracks} vs "
                            f"{reference.backtracks.get(row.name)}")
            print(f"  {row.name}: {', '.join(what)}")
    ratios = [(r.seconds / reference.seconds[r.name], r.name) for r in rows
              if reference.seconds.get(r.name)]
    if ratios:
        worst, which = max(ratios)
        print(f"total ratio: {_ratio(ours, theirs)}   max per-instance ratio: "
              f"{worst:.2f} ({which})")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def report_trace_overhead(shared: Path, names: list[str], runs: int) -> None:
    """Solve with trace off and with a trace of TRACE_EVENTS events,
    alternating, and print both medians."""
    runs = max(runs, 3)
    print(f"Trace overhead (median of {runs} runs each, alternating; trace = "
          f"{TRACE_EVENTS} events)")
    print()
    table = []
    for name in names:
        problem = read_csv(_paths(shared, name)[0], CAPACITY)
        plain, traced = [], []
        recorded = 0
        for _ in range(runs):
            plain.append(_timed_solve(problem)[0])
            seconds, result = _timed_solve(problem, TRACE_EVENTS)
            traced.append(seconds)
            recorded = 0 if result.trace is None else len(result.trace)
        a, b = statistics.median(plain), statistics.median(traced)
        table.append((name, f"{a:.3f}", f"{b:.3f}", f"{100.0 * (b - a) / a:+.1f} %",
                      str(recorded)))
    print(format_table(("instance", "no trace", "with trace", "difference",
                        "events kept"), table))


def _run_python(code: str, env: dict[str, str] | None = None,
                timeout: float = 900) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=timeout)
    return time.perf_counter() - started, done


def measure_cold_compile() -> tuple[float, float, float]:
    """(process wall seconds, import seconds, warmup seconds) with an empty
    numba cache."""
    code = (
        "import time\n"
        "t0 = time.perf_counter()\n"
        "import minimalloc\n"
        "t1 = time.perf_counter()\n"
        "s = minimalloc.warmup()\n"
        "print(t1 - t0, s)\n"
    )
    with tempfile.TemporaryDirectory(prefix="minimalloc-numba-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        wall, done = _run_python(code, env)
    if done.returncode != 0:
        raise BenchError(f"the cold-cache warm-up failed: {done.stderr.strip()[-300:]}")
    imported, warmed = (float(x) for x in done.stdout.split()[-2:])
    return wall, imported, warmed


def measure_warm_start(shared: Path, runs: int) -> tuple[float, bool]:
    """Median wall seconds of a whole ``python -m minimalloc`` solving the
    five-buffer example, and whether its output was the reference's."""
    example = shared / "benchmarks" / "examples" / "input.12.csv"
    expected = shared / "benchmarks" / "reference" / "input.12.out.csv"
    times = []
    correct = True
    with tempfile.TemporaryDirectory(prefix="minimalloc-bench-") as folder:
        out = Path(folder) / "out.csv"
        command = [sys.executable, "-m", "minimalloc", "--capacity=12",
                   f"--input={example}", f"--output={out}"]
        for attempt in range(runs + 1):
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, timeout=900)
            seconds = time.perf_counter() - started
            if done.returncode != 0:
                raise BenchError(f"the example command failed: {done.stderr.strip()}")
            correct = correct and out.read_bytes() == expected.read_bytes()
            if attempt:  # the first run fills the cache if it was empty
                times.append(seconds)
    return statistics.median(times), correct


def peak_memory_mib(who: int) -> float:
    maxrss = resource.getrusage(who).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return maxrss * scale / 2**20


def report_process(shared: Path, runs: int, jit: bool, start: bool) -> None:
    print("Process costs")
    print()
    rows = []
    if jit:
        wall, imported, warmed = measure_cold_compile()
        rows.append(("JIT compile, cold cache (import + warmup)",
                     f"{imported + warmed:.2f} s",
                     f"import {imported:.2f} s, warmup {warmed:.2f} s, process "
                     f"{wall:.2f} s"))
    if start:
        seconds, correct = measure_warm_start(shared, max(runs, 3))
        verdict = "ok" if seconds < START_LIMIT_SECONDS else "TOO SLOW"
        rows.append(("process start to exit, warm cache (input.12)",
                     f"{seconds:.2f} s",
                     f"limit {START_LIMIT_SECONDS:g} s: {verdict}; output "
                     f"{'identical' if correct else 'DIFFERS'}"))
    own = peak_memory_mib(resource.RUSAGE_SELF)
    rows.append(("peak memory, this process", f"{own:.0f} MiB", "getrusage maxrss"))
    if jit or start:
        rows.append(("peak memory, largest child",
                     f"{peak_memory_mib(resource.RUSAGE_CHILDREN):.0f} MiB",
                     "getrusage maxrss of the subprocesses"))
    print(format_table(("measure", "value", "notes"), rows, align="<><"))


def report_minimize(shared: Path, names: list[str], reference: Reference,
                    timeout: float) -> None:
    print(f"Minimiser with no capacity ({timeout:g} s limit per instance; ratio = "
          "seconds / (2 x the reference's solve time), where the optimum is known to "
          "be the LOAD)")
    print()
    table = []
    heights_vs_others = []
    for name in names:
        problem = read_csv(_paths(shared, name)[0])
        started = time.perf_counter()
        result = minimize(problem, timeout=timeout)
        seconds = time.perf_counter() - started
        height = None if result.solution is None else result.solution.height
        ratio = "-"
        ref_seconds = reference.seconds.get(name)
        if reference.optimum_is_load(name) and ref_seconds:
            ratio = f"{seconds / (2 * ref_seconds):.2f}"
        load = reference.load.get(name)
        method = getattr(result, "method", "")
        table.append((
            name, str(load or "-"), str(height if height is not None else "none"),
            str(result.lower_bound), "yes" if result.proven_optimal else "no",
            "search" if method == "exact" else method, f"{seconds:.2f}", ratio,
            _short(reference.minimize.get(name, "-")),
        ))
        others = reference.others.get(name, {})
        if others and height is not None:
            best_name, best = min(others.items(), key=lambda kv: kv[1])
            heights_vs_others.append((
                name, f"{height / CAPACITY:.3f}", f"{best:.3f}", best_name,
                "yes" if height / CAPACITY <= best + 5e-4 else "no",
            ))
    print(format_table(("instance", "LOAD", "height", "lower bound", "proven optimal",
                        "found by", "seconds", "ratio", "reference --minimize_capacity"),
                       table, align="<>>>^<>><"))
    if heights_vs_others:
        print()
        print(f"Heights as a multiple of {CAPACITY}, against the best of the omnimalloc "
              "allocators in the reference's results")
        print()
        print(format_table(("instance", "ours", "omnimalloc best", "which",
                            "ours at least as low"), heights_vs_others, align="<>><^"))


def parse_reference_ablation(text: str) -> dict[str, dict[str, str]]:
    """The ablation table of the reference's results: per switched-off
    technique (``nothing`` for the baseline), per instance, the seconds or
    ``T`` (timed out)."""
    table: dict[str, dict[str, str]] = {}
    for heading, header, rows in _markdown_tables(text):
        if "ablation" not in heading.lower():
            continue
        for row in rows:
            table[row[0]] = {name: cell for name, cell in zip(header[1:], row[1:])
                             if name in INSTANCES}
    return table


def report_ablation(shared: Path, names: list[str], reference_text: str,
                    timeout: float, workers: int | None, output: Path | None) -> None:
    """The paper's ablation table over ``names``, run by :mod:`minimalloc.batch`
    on local processes (one variant of one instance per task)."""
    from minimalloc.batch import run  # optional: the dask extra

    count = workers or os.cpu_count() or 1
    print(f"Ablation: each technique switched off in turn, {timeout:g} s limit per "
          f"variant, {len(names)} instances x {len(variants())} variants through "
          f"minimalloc.batch on {count} local processes (seconds, or T = timed out; "
          "ref = instances the reference solved within its 20 s limit)")
    print()
    with tempfile.TemporaryDirectory() as folder:
        results = output if output is not None else Path(folder) / "ablation.csv"
        started = time.perf_counter()
        table = run([_paths(shared, name)[0] for name in names], "ablation",
                    capacity=CAPACITY, timeout=timeout, workers=count, output=results)
        wall = time.perf_counter() - started
    reference = parse_reference_ablation(reference_text)
    by_cell = {(Path(row.input).name.split(".")[0], row.variant): row
               for row in table.itertuples()}
    rows = []
    for variant in variants():
        cells, solved = [], 0
        for name in names:
            row = by_cell[(name, variant)]
            if row.status in ("ok", "infeasible"):
                solved += 1
                cells.append(f"{row.seconds:.2f}")
            else:
                cells.append("T" if row.status == "timeout" else row.status)
        label = "nothing" if variant == BASELINE else variant
        ref = reference.get(label, {})
        ref_solved = sum(1 for n in names if n in ref and ref[n] != "T") if ref else None
        rows.append((label, *cells, str(solved),
                     "-" if ref_solved is None else str(ref_solved)))
    print(format_table(("switched off", *names, "solved", "ref"), rows))
    print()
    busy = float(table["seconds"].sum())
    print(f"wall time {wall:.1f} s for {busy:.1f} s of solving ({busy / wall:.2f} x one "
          f"process; {count} processes)")


#: The anytime optimiser's cases: (buffers, seed, mean lifetime) of
#: :func:`minimalloc.generate.problems.random_problem` with ``horizon = buffers``, so
#: about ``mean lifetime`` buffers are alive at once; their best baselines are
#: 3-7 % above LOAD.  The last has about as many pairs alive together per
#: buffer as the densest graph of the scale issue (28,526 buffers, 4.3 x 10^7
#: pairs).
ANYTIME_CASES = ((10_000, 2, 300.0), (10_000, 1, 100.0), (20_000, 3, 300.0),
                 (20_000, 5, 300.0), (60_000, 4, 150.0), (28_000, 1, 750.0))

_ANYTIME_CODE = """
import json, resource, sys, time
from minimalloc.bounds import lower_bound
from minimalloc.generate.problems import random_problem
from minimalloc.analysis.minimize import minimize
from minimalloc.jit import warmup
from minimalloc.validate import validate
n, seed, life, timeout = {n}, {seed}, {life}, {timeout}
warmup(trace=False)
problem = random_problem(n, seed=seed, horizon=n, mean_lifetime=life)
load = lower_bound(problem)
started = time.perf_counter()
result = minimize(problem, timeout=timeout)
wall = time.perf_counter() - started
valid = validate(problem.with_capacity(None), result.solution).ok
json.dump(dict(load=load, baseline=result.baseline_height, height=result.height,
               method=result.method, wall=wall, valid=valid,
               rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss), sys.stdout)
"""


def report_anytime(timeout: float, cases=ANYTIME_CASES) -> None:
    """The anytime optimiser on generated traces too big for the exact
    search: ``minimize(timeout)`` in a fresh process per case; height and
    best baseline over LOAD, wall seconds, peak memory."""
    print(f"Anytime optimiser: minimize(timeout={timeout:g}) on random traces "
          "(fresh process each)")
    print()
    rows = []
    for n, seed, life in cases:
        code = _ANYTIME_CODE.format(n=n, seed=seed, life=life, timeout=timeout)
        _, done = _run_python(code, timeout=timeout * 5 + 300)
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines()
            rows.append((f"{n:,}", f"{life:g}", "failed", "", "", "", "",
                         _short(lines[-1] if lines else "")))
            continue
        data = json.loads(done.stdout)
        rss = data["rss"] * (1 if sys.platform == "darwin" else 1024) / 2**30
        rows.append((f"{n:,}", f"{life:g}", f"{data['baseline'] / data['load']:.4f}",
                     f"{data['height'] / data['load']:.4f}", data["method"],
                     f"{data['wall']:.1f}", f"{rss:.2f}",
                     "yes" if data["valid"] else "NO"))
    headers = ("buffers", "alive at once", "baseline/LOAD", "height/LOAD", "method",
               "wall s", "peak GiB", "valid")
    print(format_table(headers, rows))


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


# ----------------------------------------------------------------------------
# Command line


#: The sections that run unless skipped (``--no-NAME``), and what each is.
SKIPPABLE = {
    "jit": "the cold-cache compilation measurement",
    "start": "the warm-cache process start measurement",
    "minimize": "the minimiser section",
    "spill": "the spill section",
    "replay": "the replay section (a fresh replay opening steps)",
    "scale": "the scale section (it takes several minutes)",
}
#: The sections that run only when asked for (``--NAME``).
ON_REQUEST = {
    "dense": "the dense section (minutes: one minimize per seed)",
    "ablation": "the ablation section (make bench does)",
    "anytime": "the anytime optimiser on 10^4-6x10^4-buffer random traces (several "
               "minutes)",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m minimalloc.bench",
        description="Benchmark minimalloc on the paper's problems A-K against the "
                    "reference implementation.")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="the folder holding benchmarks/ (default: %(default)s)")
    parser.add_argument("--instances", default=",".join(INSTANCES),
                        help="comma-separated subset of A-K (default: all)")
    parser.add_argument("--runs", type=int, default=3,
                        help="solves per instance; the median is reported (default 3)")
    parser.add_argument("--quick", action="store_true", help="one run per instance")
    parser.add_argument("--trace-overhead", action="store_true",
                        help="also compare solves without and with the search trace")
    parser.add_argument("--trace-instances", default="C,K",
                        help="instances for --trace-overhead (default C,K)")
    for name, what in SKIPPABLE.items():
        parser.add_argument(f"--no-{name}", action="store_true", help=f"skip {what}")
    for name, what in ON_REQUEST.items():
        parser.add_argument(f"--{name}", action="store_true", help=f"also run {what}")
    parser.add_argument("--minimize-timeout", type=float, default=60.0,
                        help="time limit per instance for the minimiser (default 60 s, "
                             "the reference's)")
    parser.add_argument("--only", choices=("ablation", "scale", "anytime", "open", "spill",
                                           "dense", "replay"),
                        help="run only this section (ablation: the paper's table; "
                             "scale: 10^4-10^6-buffer traces; anytime: the optimiser "
                             "on random traces; open: D and J, whose optimum is unknown; "
                             "spill: A-K at 95%% of their LOAD; dense: training steps "
                             "with thousands of tensors alive at once)")
    parser.add_argument("--open-timeout", type=float, default=120.0,
                        help="minimize's time limit on D and J in the open-instances "
                             "section (default 120 s)")
    parser.add_argument("--spill-timeout", type=float, default=30.0,
                        help="time limit per instance of the spill section (default "
                             "30 s)")
    parser.add_argument("--replay-events", type=int, default=1_000_000,
                        help="events of the replay section's long trace (default "
                             "%(default)s)")
    parser.add_argument("--replay-sample", default="large",
                        help="the sample the replay section traces (default %(default)s)")
    parser.add_argument("--scale-sizes", default="10000,100000,1000000",
                        help="buffers of the scale traces (default %(default)s)")
    parser.add_argument("--scale-blocks", type=int, default=None,
                        help="transformer blocks of the scale traces (default: 192 up "
                             "to 10^5 buffers, 64 above)")
    parser.add_argument("--scale-snapshot", type=int, default=2_000_000,
                        help="allocations of the synthetic training snapshot of the "
                             "scale section, 0 to skip it (default %(default)s)")
    parser.add_argument("--scale-timeout", type=float, default=60.0,
                        help="minimize's time limit in the scale section (default 60 s)")
    parser.add_argument("--dense-seeds", default="0,1,2",
                        help="seeds of the dense traces (default %(default)s)")
    parser.add_argument("--dense-buffers", type=int, default=28_500,
                        help="buffers of each dense trace (default %(default)s)")
    parser.add_argument("--ablation-timeout", type=float, default=20.0,
                        help="time limit per variant in the ablation (default 20 s, as "
                             "in the reference's results)")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes for the ablation (default: one per core)")
    parser.add_argument("--ablation-output", type=Path, default=None,
                        help="keep the ablation's results CSV here; rerunning resumes it")
    return parser


def _instances(text: str) -> list[str]:
    names = [n.strip().upper() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in INSTANCES]
    if unknown or not names:
        raise BenchError(f"--instances: expected letters from A to K, got {text!r}")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 0, or 2 for bad arguments or missing data."""
    args = _parser().parse_args(argv)
    try:
        return _bench(args)
    except (BenchError, ProblemError) as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"bench: error: {error.strerror or error}: {error.filename}", file=sys.stderr)
        return 2


def _integers(text: str) -> list[int]:
    """The whole numbers of a comma-separated list; [] if one is not."""
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        return []


def _scale(args: argparse.Namespace) -> int:
    sizes = _integers(args.scale_sizes)
    if not sizes or min(sizes) < 1:
        raise BenchError(f"--scale-sizes: expected buffer counts, got {args.scale_sizes!r}")
    report_scale(sizes, args.scale_timeout, args.scale_blocks, args.scale_snapshot)
    return 0


def _dense(args: argparse.Namespace) -> int:
    seeds = _integers(args.dense_seeds)
    if not seeds or min(seeds) < 0 or args.dense_buffers < 1:
        raise BenchError(f"--dense-seeds, --dense-buffers: expected seeds >= 0 and a "
                         f"buffer count, got {args.dense_seeds!r}, {args.dense_buffers}")
    report_dense(args.minimize_timeout, seeds, args.dense_buffers)
    return 0


def _bench(args: argparse.Namespace) -> int:
    if args.only == "scale":
        return _scale(args)
    if args.only == "anytime":
        report_anytime(args.minimize_timeout)
        return 0
    if args.only == "open":
        report_open(args.shared, args.open_timeout)
        return 0
    if args.only == "dense":
        return _dense(args)
    if args.only == "replay":
        warmup()
        report_replay(args.replay_events, args.replay_sample)
        return 0

    names = _instances(args.instances)
    runs = 1 if args.quick else args.runs
    if runs < 1:
        raise BenchError("--runs must be at least 1")
    shared: Path = args.shared
    reference_file = shared / REFERENCE_RESULTS
    if not reference_file.exists():
        raise BenchError(f"no reference data at {reference_file} (use --shared DIR)")
    reference = parse_reference(reference_file.read_text(encoding="utf-8"))
    for name in names:
        for path in _paths(shared, name):
            if not path.exists():
                raise BenchError(f"missing benchmark file {path}")

    print(f"minimalloc benchmark: Python {platform.python_version()}, numba "
          f"{numba.__version__}, numpy {numpy.__version__}, {os.cpu_count()} CPUs, "
          f"{platform.machine()}")
    print(f"data: {shared / 'benchmarks'}")
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"load average at start: {load} (other work on the machine skews times)")
    print()
    if args.only == "ablation":
        report_ablation(shared, names, reference_file.read_text(encoding="utf-8"),
                        args.ablation_timeout, args.workers, args.ablation_output)
        return 0
    if args.only == "spill":
        warmup()
        report_spill(shared, names, args.spill_timeout)
        return 0
    warmup()
    rows = [solve_instance(shared, name, runs, reference) for name in names]
    report_solves(rows, reference, runs)
    if args.trace_overhead:
        print()
        report_trace_overhead(shared, _instances(args.trace_instances), runs)
    print()
    report_process(shared, runs, jit=not args.no_jit, start=not args.no_start)
    if not args.no_minimize:
        print()
        report_minimize(shared, names, reference, args.minimize_timeout)
        open_names = tuple(n for n in names if n in OPEN_INSTANCES)
        if open_names:
            print()
            report_open(shared, args.open_timeout, open_names)
    if not args.no_spill:
        print()
        report_spill(shared, names, args.spill_timeout)
    if args.anytime:
        print()
        report_anytime(args.minimize_timeout)
    if args.dense:
        print()
        _dense(args)
    if args.ablation:
        print()
        report_ablation(shared, names, reference_file.read_text(encoding="utf-8"),
                        args.ablation_timeout, args.workers, args.ablation_output)
    if not args.no_replay:
        print()
        report_replay(args.replay_events, args.replay_sample)
    if not args.no_scale:
        print()
        _scale(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
