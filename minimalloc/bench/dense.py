"""The dense section of the benchmark: training steps with thousands of
tensors alive at once.

``python -m minimalloc.bench --only dense`` runs it alone (``--dense`` adds it
to a full run).  For each seed a trace of
:func:`minimalloc.generate.problems.dense_training` (about 28,500 buffers,
about 2,700 alive at once, sizes ``2**k + 1`` from 2 bytes to 256 MiB,
long-lived giants) is made and ``minimize(timeout)`` runs on it in a fresh
process.  The table gives the best baseline and the answer over the LOAD,
the proven lower bound over the LOAD and what proved it, the gap between
answer and bound ("optimal" when the answer is at the bound), wall seconds
(generating excluded), and whether the answer is valid and within
:data:`TARGET` of its bound.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence

from minimalloc.tables import format_table

__all__ = ["BUFFERS", "SEEDS", "TARGET", "report_dense"]

#: Buffers of each trace, and the seeds measured by default.
BUFFERS = 28_500
SEEDS = (0, 1, 2)
#: An answer within this share above its proven lower bound is on target.
TARGET = 0.01

_CODE = """
import json, sys, time
from minimalloc.analysis.minimize import minimize
from minimalloc.bounds import max_load
from minimalloc.generate.problems import dense_training
from minimalloc.jit import warmup
from minimalloc.validate import validate
n, seed, timeout = {n}, {seed}, {timeout}
warmup(trace=False)
problem = dense_training(n, seed=seed)
started = time.perf_counter()
result = minimize(problem, timeout=timeout)
wall = time.perf_counter() - started
json.dump(dict(buffers=len(problem), load=max_load(problem),
               baseline=result.baseline_height, height=result.height,
               bound=result.lower_bound, bound_method=result.bound_method,
               method=result.method, wall=wall,
               valid=validate(problem.with_capacity(None), result.solution).ok),
          sys.stdout)
"""


def report_dense(timeout: float = 60.0, seeds: Sequence[int] = SEEDS,
                 buffers: int = BUFFERS) -> list[dict[str, object]]:
    """Print the dense section; returns one dict per seed (for tests): the
    measured figures, or ``error`` when the run failed."""
    print(f"Dense training steps: minimize(timeout={timeout:g}) on "
          f"dense_training({buffers:,}) traces, a fresh process each; target: "
          f"within {TARGET:.0%} of the proven bound")
    print()
    results: list[dict[str, object]] = []
    rows = []
    for seed in seeds:
        code = _CODE.format(n=buffers, seed=seed, timeout=timeout)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                              text=True, timeout=timeout * 5 + 300, check=False)
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines()
            error = lines[-1] if lines else f"exit {done.returncode}"
            results.append(dict(seed=seed, error=error))
            rows.append((str(seed), "failed", "", "", "", "", "", "", "", error[:40]))
            continue
        data = json.loads(done.stdout)
        load, bound = data["load"], data["bound"]
        gap = (data["height"] - bound) / bound if bound else 0.0
        data.update(seed=seed, gap=gap, on_target=gap <= TARGET and data["valid"])
        results.append(data)
        rows.append((str(seed), f"{data['buffers']:,}", f"{data['baseline'] / load:.4f}",
                     f"{data['height'] / load:.4f}", f"{bound / load:.4f}",
                     data["bound_method"],
                     "optimal" if data["height"] <= bound else f"{100 * gap:.2f} %",
                     data["method"],
                     f"{data['wall']:.1f}",
                     ("yes" if data["valid"] else "NO") + (
                         "" if data["on_target"] else ", off target")))
    print(format_table(("seed", "buffers", "baseline/LOAD", "height/LOAD", "bound/LOAD",
                        "bound by", "gap", "found by", "wall s", "valid"), rows,
                       align="<>>>><>>>>"))
    met = sum(bool(r.get("on_target")) for r in results)
    print(f"{met} of {len(results)} within {TARGET:.0%} of the proven bound")
    return results
