"""Judging an allocation that came with the problem (a CSV with offsets):
the validator's verdict and every buffer at fault."""

from __future__ import annotations

from dataclasses import dataclass

from minimalloc.model import Problem, Solution
from minimalloc.validate import ValidationResult, conflicts, validate


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
