"""minimalloc: static memory allocation for ML accelerators.

A faithful, fast MiniMalloc (Moffitt, ASPLOS 2023) on numba, with the
reference's CSV format, an independent validator, and more.

>>> from minimalloc import Buffer, Problem, solve
>>> problem = Problem([Buffer("x", 0, 4, 8), Buffer("y", 2, 6, 8)], capacity=16)
>>> solve(problem).solution.offsets
(0, 8)
"""

from minimalloc.bounds import load_profile, lower_bound, overloaded, peak_times
from minimalloc.errors import ProblemError
from minimalloc.explain import Explanation, explain
from minimalloc.formats.csv import (
    CsvLayout,
    dumps_csv,
    read_csv,
    read_csv_with_layout,
    write_csv,
)
from minimalloc.generate import model_trace, perfect_packing, random_problem
from minimalloc.heuristics import allocate, available_allocators
from minimalloc.minimize import Minimizer, MinimizeResult, Probe, minimize
from minimalloc.model import Buffer, Gap, Problem, Solution
from minimalloc.params import SolverParams, Status
from minimalloc.samples import list_samples, load_sample
from minimalloc.solver import Fallback, Solver, SolveResult, iis, solve, warmup
from minimalloc.stats import RoundRecord, SearchStats
from minimalloc.validate import ValidationCode, ValidationResult, conflicts, validate

__all__ = [
    "Buffer",
    "CsvLayout",
    "Explanation",
    "Fallback",
    "Gap",
    "MinimizeResult",
    "Minimizer",
    "Probe",
    "Problem",
    "ProblemError",
    "RoundRecord",
    "SearchStats",
    "Solution",
    "SolveResult",
    "Solver",
    "SolverParams",
    "Status",
    "ValidationCode",
    "ValidationResult",
    "allocate",
    "available_allocators",
    "conflicts",
    "dumps_csv",
    "explain",
    "iis",
    "list_samples",
    "load_profile",
    "load_sample",
    "lower_bound",
    "minimize",
    "model_trace",
    "overloaded",
    "peak_times",
    "perfect_packing",
    "random_problem",
    "read_csv",
    "read_csv_with_layout",
    "solve",
    "validate",
    "warmup",
    "write_csv",
]
