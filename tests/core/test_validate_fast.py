"""validate's whole-column checks and compiled sweep give exactly the verdicts
of its pure Python path (kept for offsets beyond 64 bits)."""

from __future__ import annotations

import importlib
import random

import pytest

from minimalloc.model import Buffer, Gap, Problem, Solution
from minimalloc.validate import ValidationCode, validate

# The package exports the function under the module's name.
validate_module = importlib.import_module("minimalloc.validate")


def exact(problem: Problem, solution: Solution):
    """validate with the whole-column path switched off."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate_module, "_columns", lambda *args: None)
        return validate(problem, solution)


def random_case(rng: random.Random) -> tuple[Problem, Solution]:
    buffers = []
    for i in range(rng.randint(0, 30)):
        lower = rng.randint(0, 20)
        upper = lower + rng.randint(1, 12)
        size = rng.choice([0, 1, 2, 4, 8, 16])
        alignment = rng.choice([1, 1, 2, 4])
        gaps: tuple[Gap, ...] = ()
        if upper - lower >= 3 and size and rng.random() < 0.3:
            start = rng.randint(lower, upper - 2)
            window = None
            if rng.random() < 0.5:
                wlo = rng.randint(0, size - 1)
                window = (wlo, rng.randint(wlo + 1, size))
            gaps = (Gap(start, rng.randint(start + 1, upper), window),)
        fixed = alignment * rng.randint(0, 8) if rng.random() < 0.1 else None
        buffers.append(Buffer(f"b{i}", lower, upper, size, alignment, gaps, fixed))
    capacity = rng.choice([None, 64, 128])
    problem = Problem(tuple(buffers), capacity)
    offsets = []
    for b in buffers:
        offset = b.offset if b.offset is not None and rng.random() < 0.9 else (
            b.alignment * rng.randint(0, 24))
        if rng.random() < 0.03:
            offset = rng.choice([-b.alignment, offset + 1, 10**3])
        offsets.append(offset)
    solution = Solution.from_offsets(problem, offsets)
    if rng.random() < 0.1:
        solution = Solution(solution.offsets, solution.height + rng.choice([-1, 1]))
    return problem, solution


@pytest.mark.parametrize("seed", range(300))
def test_same_verdict_as_the_python_path(seed: int) -> None:
    problem, solution = random_case(random.Random(seed))
    assert validate(problem, solution) == exact(problem, solution)


def test_the_cases_cover_every_verdict() -> None:
    codes = {validate(*random_case(random.Random(seed))).code for seed in range(300)}
    # Pools and aliases have verdicts of their own, judged in test_pools_aliases.
    elsewhere = {ValidationCode.BAD_SOLUTION, ValidationCode.BAD_POOL,
                 ValidationCode.BAD_ALIAS}
    assert codes == set(ValidationCode) - elsewhere


def test_offsets_beyond_64_bits_take_the_python_path() -> None:
    big = 10**30
    problem = Problem((Buffer("a", 0, 3, 4), Buffer("b", 2, 5, 4)))
    assert validate(problem, Solution((big, big + 4), big + 8)).ok
    result = validate(problem, Solution((big, big + 2), big + 6))
    assert result.code is ValidationCode.BAD_OVERLAP
    assert result.message == (f"Buffers 'a' and 'b' collide: at time 2 both occupy "
                              f"addresses {big + 2} to {big + 3}.")


def test_many_alive_at_once() -> None:
    # 2,000 buffers all alive together, stacked; then two made to touch.
    buffers = tuple(Buffer(f"b{i}", 0, 10, 3) for i in range(2000))
    problem = Problem(buffers)
    offsets = [3 * i for i in range(2000)]
    assert validate(problem, Solution.from_offsets(problem, offsets)).ok
    offsets[1500] -= 1
    result = validate(problem, Solution.from_offsets(problem, offsets))
    assert result == exact(problem, Solution.from_offsets(problem, offsets))
    assert result.buffers == (1499, 1500)
