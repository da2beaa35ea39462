"""A long campaign of tiny random problems against brute force (``make oracle``).

The suite's oracle tests (``tests/search/test_oracle.py``) run a fast slice; this
runs as many problems as asked, by default 100,000, each from its own seed so
that any one can be rerun alone.  Every problem comes from
:func:`oracle.tiny_problem` (gaps on most buffers, several each, touching,
raised windows, covering the lifespan, fixed offsets, alignment) and is

* solved with the default parameters and with ``--modes`` random ones (any
  of the 512 switch combinations, one to three random heuristics): a
  solution must be valid, INFEASIBLE must be true (brute force finds
  nothing), UNDECIDED must not hide an allocation;
* every tenth one, minimised with random parameters: the answer valid, the
  lower bound at most the optimum, "proven optimal" only at the optimum;
* every fiftieth one, explained: a problem that fits is never called
  unfixable, a subset blamed never fits, the capacity that would do is the
  optimum.

Prints one line per disagreement (the seed, what was wrong, the problem as
CSV, the parameters) and a summary; exits 1 if there was any.

    python tests/search/oracle_campaign.py --problems=100000 --workers=2
    python tests/search/oracle_campaign.py --seed=4711 --problems=1   # one problem again
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from oracle import (  # noqa: E402
    brute_force_min_height,
    brute_force_solution,
    tiny_problem,
    valid,
)

from minimalloc import Problem, SolverParams, Status, dumps_csv, solve  # noqa: E402
from minimalloc.analysis.explain import explain  # noqa: E402
from minimalloc.analysis.minimize import minimize  # noqa: E402
from minimalloc.params import HEURISTIC_KEYS, TECHNIQUES  # noqa: E402

#: Seconds any one call may take (tiny problems take milliseconds).
CALL_TIMEOUT = 20.0


def random_params(rng: random.Random) -> SolverParams:
    """Any of the 512 switch combinations, one to three random heuristics."""
    switches = {name: bool(rng.getrandbits(1)) for name in TECHNIQUES}
    letters = "".join(HEURISTIC_KEYS)
    heuristics = tuple("".join(rng.choice(letters) for _ in range(rng.randint(1, 3)))
                       for _ in range(rng.randint(1, 3)))
    return SolverParams(timeout=CALL_TIMEOUT, preordering_heuristics=heuristics,
                        **switches)


def check_problem(seed: int, modes: int) -> tuple[Counter, list[str]]:
    """Every check on the problem of ``seed``: (counts, disagreements)."""
    rng = random.Random(seed)
    problem = tiny_problem(rng.randint)
    counts: Counter = Counter(problems=1)
    found: list[str] = []
    feasible: list[bool] = []  # brute force, computed when first needed

    def fits() -> bool:
        if not feasible:
            feasible.append(brute_force_solution(problem, problem.capacity) is not None)
        return feasible[0]

    def disagree(what: str, params: SolverParams | None) -> None:
        found.append(f"seed {seed}: {what}\n{_csv(problem)}capacity {problem.capacity}; "
                     f"params {_describe(params)}")

    runs = [SolverParams(timeout=CALL_TIMEOUT)] + [random_params(rng) for _ in range(modes)]
    for params in runs:
        counts["solves"] += 1
        try:
            result = solve(problem, params)
        except Exception as error:  # noqa: BLE001 - every failure is a finding
            disagree(f"solve raised {type(error).__name__}: {error}", params)
            continue
        counts[result.status.name] += 1
        if result.status is Status.OK:
            if not valid(problem, result.solution.offsets, problem.capacity):
                disagree(f"invalid solution {result.solution.offsets}", params)
        elif result.status is Status.INFEASIBLE:
            if fits():
                disagree("INFEASIBLE, but an allocation exists", params)
        elif result.status is Status.UNDECIDED:
            if fits():
                disagree(f"UNDECIDED ({result.reason}) where an allocation exists",
                         params)
        else:
            disagree(f"status {result.status.name} on a tiny problem", params)
    if seed % 10 == 0:
        _check_minimize(problem, random_params(rng), counts, disagree)
    if seed % 50 == 0:
        _check_explain(problem, random_params(rng), fits, counts, disagree)
    return counts, found


def _check_minimize(problem: Problem, params: SolverParams, counts: Counter,
                    disagree) -> None:
    try:
        optimum = brute_force_min_height(problem)
    except ValueError:  # fixed buffers collide: nothing to minimise
        return
    counts["minimize"] += 1
    try:
        result = minimize(problem.with_capacity(None), timeout=CALL_TIMEOUT, params=params)
    except Exception as error:  # noqa: BLE001
        disagree(f"minimize raised {type(error).__name__}: {error}", params)
        return
    if not valid(problem, result.solution.offsets, result.height):
        disagree(f"minimize: invalid solution {result.solution.offsets}", params)
    if result.lower_bound > optimum:
        disagree(f"minimize: lower bound {result.lower_bound} > optimum {optimum}",
                 params)
    if result.proven_optimal and result.height != optimum:
        disagree(f"minimize: height {result.height} 'proven optimal', optimum "
                 f"{optimum}", params)
    counts["minimize proven"] += result.proven_optimal


def _check_explain(problem: Problem, params: SolverParams, fits, counts: Counter,
                   disagree) -> None:
    counts["explain"] += 1
    try:
        e = explain(problem, timeout=CALL_TIMEOUT, params=params)
    except Exception as error:  # noqa: BLE001
        disagree(f"explain raised {type(error).__name__}: {error}", params)
        return
    if fits() and (e.feasible is False or e.overloaded or e.subset is not None):
        disagree("explain calls a problem that fits unfixable", params)
    if e.solution is not None and not valid(problem, e.solution.offsets, problem.capacity):
        disagree(f"explain: invalid solution {e.solution.offsets}", params)
    if e.subset is not None and brute_force_solution(
            problem.subset(e.subset), problem.capacity) is not None:
        disagree(f"explain: the subset {e.subset} blamed fits", params)
    if e.min_capacity is not None:
        try:
            optimum = brute_force_min_height(problem)
        except ValueError:
            return
        if e.min_capacity != optimum:
            disagree(f"explain: min capacity {e.min_capacity}, optimum {optimum}",
                     params)


def _csv(problem: Problem) -> str:
    out = io.StringIO()
    out.write(dumps_csv(problem))
    return out.getvalue()


def _describe(params: SolverParams | None) -> str:
    if params is None:
        return "-"
    off = [name for name, on in params.switches().items() if not on]
    return (f"heuristics={','.join(params.preordering_heuristics)} "
            f"off={','.join(off) or 'none'}")


def _batch(seeds: range, modes: int) -> tuple[Counter, list[str]]:
    counts: Counter = Counter()
    found: list[str] = []
    for seed in seeds:
        c, f = check_problem(seed, modes)
        counts.update(c)
        found.extend(f)
    return counts, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0, help="the first problem's seed")
    parser.add_argument("--modes", type=int, default=4,
                        help="random parameter sets per problem, besides the default")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    chunk = 500
    starts = range(args.seed, args.seed + args.problems, chunk)
    batches = [range(s, min(s + chunk, args.seed + args.problems)) for s in starts]
    counts: Counter = Counter()
    findings: list[str] = []
    with ProcessPoolExecutor(max(1, args.workers)) as pool:
        results = pool.map(_batch, batches, [args.modes] * len(batches))
        for done, (c, f) in enumerate(results, 1):
            counts.update(c)
            findings.extend(f)
            for text in f:
                print(text, flush=True)
            if done % 20 == 0 or done == len(batches):
                print(f"[{time.perf_counter() - started:7.0f} s] {counts['problems']} "
                      f"problems, {len(findings)} disagreements", file=sys.stderr,
                      flush=True)
    summary = ", ".join(f"{key} {value}" for key, value in sorted(counts.items()))
    print(f"{counts['problems']} problems in {time.perf_counter() - started:.0f} s: "
          f"{summary}; disagreements: {len(findings)}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
