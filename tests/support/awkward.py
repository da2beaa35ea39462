"""Random problems with every feature that makes placement awkward, for the
tests of the optimiser's pieces (starts, moves)."""

from __future__ import annotations

from minimalloc.generate.problems import random_problem
from minimalloc.model import Problem


def awkward_problem(n: int, seed: int, *, gaps: bool, fixed: bool,
                    mean_lifetime: float = 12, alignment=(1, 4)) -> Problem:
    """``n`` buffers with mixed alignments, and (as asked) gaps with windows
    and fixed offsets; no capacity."""
    return random_problem(n, seed=seed, mean_lifetime=mean_lifetime, alignment=alignment,
                          gap_probability=0.4 if gaps else 0.0, window_probability=0.5,
                          fixed_probability=0.1 if fixed else 0.0).with_capacity(None)
