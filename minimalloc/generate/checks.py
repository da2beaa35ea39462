"""The checks every generator makes of its arguments: each returns the
value as a plain Python number or raises a :class:`ProblemError` that names
the argument and what was expected (``n must be >= 1, got 0``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from minimalloc.errors import ProblemError
from minimalloc.model import MAX_VALUE, describe_integer

__all__ = [
    "MAX_BUFFERS",
    "Alignment",
    "checked_alignments",
    "checked_choice",
    "checked_count",
    "checked_probability",
    "checked_seed",
]

#: The most buffers a generator makes (each takes a few hundred bytes).
MAX_BUFFERS = 10_000_000

Alignment = int | Sequence[int]


def checked_count(value: object, name: str, minimum: int = 0,
           maximum: int | None = MAX_VALUE) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ProblemError(f"{name} must be an integer, got {value!r:.40}")
    if value < minimum:
        raise ProblemError(f"{name} must be >= {minimum}, got {describe_integer(value)}")
    if maximum is not None and value > maximum:
        raise ProblemError(f"{name} must be <= {maximum:,}, got {describe_integer(value)}")
    return int(value)


def checked_probability(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise ProblemError(f"{name} must be a number in [0, 1], got {value!r}")
    if not 0.0 <= float(value) <= 1.0:
        raise ProblemError(f"{name} must be in [0, 1], got {value}")
    return float(value)


def checked_choice(value: str, name: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ProblemError(f"unknown {name} '{value}': choose one of {', '.join(allowed)}")
    return value


def checked_alignments(alignment: Alignment) -> tuple[int, ...]:
    choices = (alignment,) if isinstance(alignment, int | np.integer) else tuple(alignment)
    if not choices:
        raise ProblemError("alignment: give at least one value")
    return tuple(checked_count(a, "alignment", 1) for a in choices)


def checked_seed(seed: object) -> int:
    return checked_count(seed, "seed", 0, maximum=None)  # numpy takes any size
