"""The scale section of the benchmark: model-like traces of 10^4 to 10^6 buffers.

``python -m minimalloc.bench --only scale`` runs it alone.  For each size a
training trace of a transformer (:func:`minimalloc.generate.problems.model_trace`,
kind ``training``: forward activations alive until the backward pass, weight
gradients until the optimiser step, so hundreds to thousands of buffers alive
at once, alignment 8) is generated and written as CSV by one process; then a
fresh process reads it and times, one after the other: the LOAD, the lower
bound, every baseline, ``validate`` of the first baseline's answer, and
``minimize`` with a time limit.  It prints seconds, peak memory (resident set
of the measuring process) and heights as multiples of the LOAD, and checks
the targets:

* read + LOAD + one baseline + validate within :data:`CORE_LIMIT_SECONDS`
  at 10^6 buffers;
* ``minimize(timeout=T)`` returns within ``T + 10`` s;
* peak memory at most 2 GiB up to 10^5 buffers, 4 GiB above;
* at 10^6 buffers, read + ``minimize`` within :data:`MODEL_SECONDS` and
  :data:`MODEL_MIB`, at the LOAD.

Then a seeded synthetic training snapshot of :data:`SNAPSHOT_ALLOCATIONS`
allocations (:mod:`minimalloc.generate.snapshot`: 6 x 10^6 entries, half a
gigabyte of pickle, 8% of the tensors saved activations) is written by one
process and read + minimized by a fresh one (the reader's kernels loaded
first, on a tiny snapshot; the CPU time of all its threads is shown beside
the wall time, for a shared machine): the targets are
:data:`SNAPSHOT_SECONDS`, :data:`SNAPSHOT_MIB` and at most
:data:`SNAPSHOT_LOAD_RATIO` times the LOAD.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from minimalloc.analysis.minimize import minimize
from minimalloc.baselines.allocators import allocate, available_allocators
from minimalloc.bounds import lower_bound, max_load
from minimalloc.columns import buffer_columns
from minimalloc.formats.csv import read_csv, write_csv
from minimalloc.formats.torch_snapshot import read_torch_snapshot
from minimalloc.generate.problems import model_trace
from minimalloc.generate.snapshot_pickle import write_training_snapshot
from minimalloc.jit import warmup
from minimalloc.model import Problem
from minimalloc.tables import format_table
from minimalloc.validate import validate

__all__ = ["SIZES", "report_scale", "scale_trace"]

#: Buffers of the traces measured by default.
SIZES = (10_000, 100_000, 1_000_000)
#: Read + LOAD + one baseline + validate must take at most this at 10^6.
CORE_LIMIT_SECONDS = 30.0
#: ``minimize`` may overrun its time limit by at most this.
MINIMIZE_SLACK_SECONDS = 10.0
#: The measuring process may reserve this much address space above the
#: memory target (numba and LLVM reserve some without using it).
ADDRESS_SPACE_MARGIN_MIB = 3072
#: 10^6 model buffers: read + minimize within this many seconds and MiB.
MODEL_SECONDS = 20.0
MODEL_MIB = 1024
#: Allocations of the synthetic snapshot, and its targets (read + minimize).
SNAPSHOT_ALLOCATIONS = 2_000_000
SNAPSHOT_SECONDS = 120.0
SNAPSHOT_MIB = 4096
SNAPSHOT_LOAD_RATIO = 1.01
#: Buffers per transformer block and micro-batch in a training trace.
_PER_BLOCK = 20.3


def default_blocks(buffers: int) -> int:
    """Transformer blocks of the trace: 192 (about 1,900 buffers alive at
    once, 10^8 pairs at 10^5 buffers) up to 10^5 buffers, 64 (about 650
    alive, a few 10^8 pairs) above."""
    return 192 if buffers <= 100_000 else 64


def memory_limit_mib(buffers: int) -> int:
    """The peak memory allowed for a problem of ``buffers`` buffers."""
    return 2048 if buffers <= 100_000 else 4096


def scale_trace(buffers: int, blocks: int = 192, seed: int = 0) -> Problem:
    """A training trace of about ``buffers`` buffers (``blocks`` transformer
    blocks, as many micro-batches as it takes; alignment 8)."""
    micro_batches = max(1, round(buffers / (_PER_BLOCK * blocks)))
    return model_trace(blocks, seed=seed, kind="training", micro_batches=micro_batches,
                       alignment=8)


def _peak_mib() -> float:
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss * (1 if sys.platform == "darwin" else 1024) / 2**20


def _generate(buffers: int, blocks: int, path: str) -> dict[str, float]:
    """Worker: make the trace, write it; time both."""
    started = time.perf_counter()
    problem = scale_trace(buffers, blocks)
    generated = time.perf_counter() - started
    write_csv(problem, path)
    return {"buffers": len(problem.buffers), "generate": generated,
            "write": time.perf_counter() - started - generated}


def _pairs(problem: Problem) -> tuple[int, int]:
    """Pairs of lifespans that meet, and the most buffers alive at once
    (gaps ignored), in ``O(n log n)`` time and ``O(n)`` memory."""
    columns = buffer_columns(problem.buffers)
    lower = np.sort(columns.lower)
    upper = np.sort(columns.upper)
    # For each buffer, those starting strictly inside its lifespan.
    pairs = int((np.searchsorted(lower, columns.upper, "left")
                 - np.searchsorted(lower, columns.lower, "right")).sum())
    # Buffers starting at the same time meet too: count each such pair once.
    _, same = np.unique(lower, return_counts=True)
    pairs += int((same * (same - 1) // 2).sum())
    alive = np.arange(1, len(lower) + 1) - np.searchsorted(upper, lower, "right")
    return pairs, int(alive.max()) if len(alive) else 0


def _measure(path: str, timeout: float) -> dict[str, object]:
    """Worker: every phase on the problem in ``path``, one after the other."""
    warmup()  # compiled kernels come from the cache; not part of any phase
    row: dict[str, object] = {}

    def timed(name: str, function, *args):
        started = time.perf_counter()
        value = function(*args)
        row[name] = time.perf_counter() - started
        return value

    problem = timed("read", read_csv, path)
    row["pairs"], row["alive"] = _pairs(problem)
    load = timed("load", max_load, problem)
    row["load_value"] = load
    row["lower_bound_value"] = timed("lower_bound", lower_bound, problem)
    heights = {}
    first = None
    for name in available_allocators():
        solution = timed(name, allocate, problem, name)
        heights[name] = solution.height
        first = first or solution
    row["heights"] = heights
    verdict = timed("validate", validate, problem, first)
    row["valid"] = verdict.ok
    row["core"] = sum(row[k] for k in ("read", "load", available_allocators()[0],
                                       "validate"))
    row["core_peak_mib"] = _peak_mib()
    result = timed("minimize", minimize, problem, timeout)
    row["minimize_height"] = result.height
    row["minimize_bound"] = result.lower_bound
    row["minimize_method"] = result.method
    row["minimize_valid"] = validate(problem.with_capacity(None), result.solution).ok
    row["peak_mib"] = _peak_mib()
    return row


def _generate_snapshot(allocations: int, path: str) -> dict[str, float]:
    """Worker: write the seeded training snapshot; time it."""
    started = time.perf_counter()
    size = write_training_snapshot(path, allocations=allocations, seed=0)
    return {"bytes": size, "generate": time.perf_counter() - started}


def _warm_reader(folder: str) -> None:
    """Read a tiny snapshot first, so that the reader's kernels come from
    the cache (or are compiled) before the timed read, as ``warmup`` does
    for the others."""
    tiny = str(Path(folder) / "tiny.pickle")
    write_training_snapshot(tiny, allocations=200, seed=1)
    read_torch_snapshot(tiny)
    Path(tiny).unlink()


def _measure_snapshot(path: str, timeout: float) -> dict[str, object]:
    """Worker: read the snapshot and minimize it, as a user would."""
    warmup()
    _warm_reader(str(Path(path).parent))
    started, cpu = time.perf_counter(), time.process_time()
    problem = read_torch_snapshot(path)
    read = time.perf_counter() - started
    result = minimize(problem, timeout)
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu  # every thread's: the machine may be shared
    peak = _peak_mib()
    alive = _pairs(problem)[1]
    return {"buffers": len(problem.buffers), "alive": alive, "read": read,
            "total": total, "cpu": cpu, "peak_mib": peak, "height": result.height,
            "load": max_load(problem), "method": result.method,
            "valid": validate(problem.with_capacity(None), result.solution).ok}


def _worker(argv: Sequence[str]) -> int:
    """``python -m minimalloc.bench.scale generate N BLOCKS PATH``,
    ``... measure PATH TIMEOUT MIB``, ``... snapshot N PATH`` or
    ``... read-snapshot PATH TIMEOUT``: prints one JSON line."""
    if argv[0] == "generate":
        print(json.dumps(_generate(int(argv[1]), int(argv[2]), argv[3])))
    elif argv[0] == "snapshot":
        print(json.dumps(_generate_snapshot(int(argv[1]), argv[2])))
    elif argv[0] == "read-snapshot":
        print(json.dumps(_measure_snapshot(argv[1], float(argv[2]))))
    else:
        # A phase that needs far more than the target fails with MemoryError
        # here instead of starving the machine.
        cap = (int(argv[3]) + ADDRESS_SPACE_MARGIN_MIB) * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        print(json.dumps(_measure(argv[1], float(argv[2]))))
    return 0


def _run(args: list[str], limit: float) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-m", "minimalloc.bench.scale", *args],
                          capture_output=True, text=True, timeout=limit, check=False)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise RuntimeError(tail[0])
    return json.loads(done.stdout.strip().splitlines()[-1])


def report_scale(sizes: Sequence[int] = SIZES, timeout: float = 60.0,
                 blocks: int | None = None,
                 snapshot_allocations: int = SNAPSHOT_ALLOCATIONS) -> bool:
    """Print the scale section (the snapshot row unless
    ``snapshot_allocations`` is 0); returns whether every target was met."""
    shown = "192 blocks up to 10^5 buffers, 64 above" if blocks is None else blocks
    print(f"Scale: training traces of a transformer ({shown}; alignment 8), "
          f"each measured in a fresh process; minimize(timeout={timeout:g})")
    print()
    rows, checks = [], []
    met = True
    with tempfile.TemporaryDirectory(prefix="minimalloc-scale-") as folder:
        for size in sizes:
            path = str(Path(folder) / f"trace{size}.csv")
            try:
                layers = default_blocks(size) if blocks is None else blocks
                made = _run(["generate", str(size), str(layers), path], 3600)
                row = _run(["measure", path, str(timeout),
                            str(memory_limit_mib(made["buffers"]))], 3600)
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                print(f"{size} buffers: failed: {error}")
                met = False
                continue
            Path(path).unlink()
            load = row["load_value"] or 1
            print(f"{made['buffers']:,} buffers done: core {row['core']:.1f} s, "
                  f"minimize {row['minimize']:.1f} s, peak {row['peak_mib']:.0f} MiB",
                  flush=True)
            heights = row["heights"]
            best = min(heights.values())
            rows.append((
                f"{made['buffers']:,}", str(layers), f"{row['alive']:,}",
                f"{row['pairs']:.2e}",
                f"{made['generate']:.1f}", f"{row['read']:.1f}", f"{row['load']:.2f}",
                f"{row['lower_bound']:.2f}",
                *(f"{row[name]:.1f}" for name in heights),
                f"{row['validate']:.1f}", f"{row['core']:.1f}",
                f"{row['minimize']:.1f}", f"{best / load:.4f}",
                f"{row['minimize_height'] / load:.4f}",
                f"{row['peak_mib']:.0f}",
            ))
            # The core target is set for 10^6 buffers (traces come out near it).
            core_ok = made["buffers"] < 500_000 or row["core"] <= CORE_LIMIT_SECONDS
            time_ok = row["minimize"] <= timeout + MINIMIZE_SLACK_SECONDS
            memory_ok = row["peak_mib"] <= memory_limit_mib(made["buffers"])
            valid = row["valid"] and row["minimize_valid"]
            not_worse = row["minimize_height"] <= best
            if made["buffers"] >= 500_000:  # the 10^6 target: read, then minimize
                model_s = row["read"] + row["minimize"]
                print(f"{made['buffers']:,} model buffers: read + minimize {model_s:.1f} s "
                      f"(target {MODEL_SECONDS:g}), peak {row['peak_mib']:.0f} MiB "
                      f"(target {MODEL_MIB}), minimize/LOAD "
                      f"{row['minimize_height'] / load:.4f} (target 1)")
                met = met and model_s <= MODEL_SECONDS and \
                    row["peak_mib"] <= MODEL_MIB and row["minimize_height"] <= load
            checks.append((f"{made['buffers']:,}", _yes(core_ok), _yes(time_ok),
                           _yes(memory_ok), _yes(valid), _yes(not_worse)))
            met = met and core_ok and time_ok and memory_ok and valid and not_worse
            names = list(heights)
    if rows:
        header = ("buffers", "blocks", "max alive", "pairs", "generate s", "read s",
                  "LOAD s", "bound s", *(f"{n} s" for n in names), "validate s",
                  "read+LOAD+1st+validate s", "minimize s", "best baseline/LOAD",
                  "minimize/LOAD", "peak MiB")
        print(format_table(header, rows, align=">" * len(header)))
        print()
        print(format_table(
            ("buffers", f"core <= {CORE_LIMIT_SECONDS:g} s (10^6)",
             f"minimize <= {timeout + MINIMIZE_SLACK_SECONDS:g} s", "memory limit",
             "answers valid", "minimize <= best baseline"),
            checks, align=">^^^^^"))
        print("memory limit: 2048 MiB up to 10^5 buffers, 4096 MiB above")
    if not snapshot_allocations:
        return met
    print()
    return _report_snapshot(snapshot_allocations, timeout) and met


def _report_snapshot(allocations: int, timeout: float) -> bool:
    """Print the snapshot row; returns whether its targets were met."""
    with tempfile.TemporaryDirectory(prefix="minimalloc-snapshot-") as folder:
        path = str(Path(folder) / "snapshot.pickle")
        try:
            made = _run(["snapshot", str(allocations), path], 3600)
            row = _run(["read-snapshot", path, str(timeout)], 3600)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            print(f"snapshot of {allocations:,} allocations: failed: {error}")
            return False
    ratio = row["height"] / max(row["load"], 1)
    checks = (row["total"] <= SNAPSHOT_SECONDS, row["peak_mib"] <= SNAPSHOT_MIB,
              ratio <= SNAPSHOT_LOAD_RATIO, row["valid"])
    print(f"Snapshot: seeded training run, {allocations:,} allocations "
          f"({made['bytes'] / 1e6:.0f} MB of pickle, generated in "
          f"{made['generate']:.0f} s), read_torch_snapshot + minimize(timeout={timeout:g})")
    print(format_table(
        ("buffers", "max alive", "read s", "read+minimize s", "CPU s", "peak MiB",
         "minimize/LOAD", "method", f"<= {SNAPSHOT_SECONDS:g} s", f"<= {SNAPSHOT_MIB} MiB",
         f"<= {SNAPSHOT_LOAD_RATIO:g} x LOAD", "valid"),
        [(f"{row['buffers']:,}", f"{row['alive']:,}", f"{row['read']:.1f}",
          f"{row['total']:.1f}", f"{row['cpu']:.1f}", f"{row['peak_mib']:.0f}",
          f"{ratio:.4f}", str(row["method"]), *(_yes(c) for c in checks))],
        align=">" * 12))
    return all(checks)


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


if __name__ == "__main__":
    sys.exit(_worker(sys.argv[1:]))
