"""minimalloc: static memory allocation for ML accelerators.

A faithful, fast MiniMalloc (Moffitt, ASPLOS 2023) on numba, with the
reference's CSV format, an independent validator, and more.

>>> from minimalloc import Buffer, Problem, solve
>>> problem = Problem([Buffer("x", 0, 4, 8), Buffer("y", 2, 6, 8)], capacity=16)
>>> solve(problem).solution.offsets
(0, 8)
"""

from minimalloc.analysis.explain import Explanation, explain
from minimalloc.analysis.minimize import Minimizer, MinimizeResult, Probe, minimize
from minimalloc.analysis.spill import SpillPlan, spill
from minimalloc.anytime.improve import Improver, improve
from minimalloc.baselines.allocators import allocate, allocate_within, available_allocators
from minimalloc.baselines.best import Fallback
from minimalloc.bounds import load_profile, lower_bound, overloaded, peak_times
from minimalloc.deadline import Deadline
from minimalloc.errors import ProblemError
from minimalloc.formats import read_problem
from minimalloc.formats.chrome_trace import dumps_chrome_trace, write_chrome_trace
from minimalloc.formats.csv import (
    CsvLayout,
    dumps_csv,
    read_csv,
    read_csv_with_layout,
    write_csv,
)
from minimalloc.formats.onnx import read_onnx
from minimalloc.formats.text_plan import dumps_text_plan, write_text_plan
from minimalloc.formats.torch_snapshot import (
    SnapshotReport,
    read_torch_snapshot,
    read_torch_snapshot_with_report,
)
from minimalloc.generate.problems import model_trace, perfect_packing, random_problem
from minimalloc.generate.samples import list_samples, load_sample
from minimalloc.jit import warmup
from minimalloc.model import Buffer, Gap, Pool, Problem, Solution
from minimalloc.params import SolverParams, Status
from minimalloc.search.solver import Solver, SolveResult, iis, solve
from minimalloc.search.stats import RoundRecord, SearchStats
from minimalloc.validate import ValidationCode, ValidationResult, conflicts, validate

__all__ = [
    "Buffer",
    "CsvLayout",
    "Deadline",
    "Explanation",
    "Fallback",
    "Gap",
    "Pool",
    "Improver",
    "MinimizeResult",
    "Minimizer",
    "Probe",
    "Problem",
    "ProblemError",
    "RoundRecord",
    "SearchStats",
    "SnapshotReport",
    "Solution",
    "SolveResult",
    "Solver",
    "SolverParams",
    "SpillPlan",
    "Status",
    "ValidationCode",
    "ValidationResult",
    "allocate",
    "allocate_within",
    "available_allocators",
    "conflicts",
    "dumps_chrome_trace",
    "dumps_csv",
    "dumps_text_plan",
    "explain",
    "iis",
    "improve",
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
    "read_onnx",
    "read_problem",
    "read_torch_snapshot",
    "read_torch_snapshot_with_report",
    "solve",
    "spill",
    "validate",
    "warmup",
    "write_chrome_trace",
    "write_csv",
    "write_text_plan",
]
