"""minimalloc: static memory allocation for ML accelerators.

A faithful, fast MiniMalloc (Moffitt, ASPLOS 2023) on numba, with the
reference's CSV format, an independent validator, and more.

>>> from minimalloc import Buffer, Problem, solve
>>> problem = Problem([Buffer("x", 0, 4, 8), Buffer("y", 2, 6, 8)], capacity=16)
>>> solve(problem).solution.offsets
(0, 8)
"""

import importlib
import sys
import types
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers and editors; at run time see __getattr__
    from minimalloc.analysis.explain import Explanation, explain
    from minimalloc.analysis.minimize import Minimizer, MinimizeResult, Probe, minimize
    from minimalloc.analysis.spill import SpillPlan, spill
    from minimalloc.anytime.improve import Improver, improve
    from minimalloc.baselines.allocators import (
        allocate,
        allocate_within,
        available_allocators,
    )
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

#: Where each public name is defined: imported when first asked for, so that
#: ``import minimalloc`` (and ``python -m minimalloc``, which imports it
#: first) does not load numpy and numba until something needs them.
_WHERE = {
    "Buffer": "minimalloc.model",
    "CsvLayout": "minimalloc.formats.csv",
    "Deadline": "minimalloc.deadline",
    "Explanation": "minimalloc.analysis.explain",
    "Fallback": "minimalloc.baselines.best",
    "Gap": "minimalloc.model",
    "Improver": "minimalloc.anytime.improve",
    "MinimizeResult": "minimalloc.analysis.minimize",
    "Minimizer": "minimalloc.analysis.minimize",
    "Pool": "minimalloc.model",
    "Probe": "minimalloc.analysis.minimize",
    "Problem": "minimalloc.model",
    "ProblemError": "minimalloc.errors",
    "RoundRecord": "minimalloc.search.stats",
    "SearchStats": "minimalloc.search.stats",
    "SnapshotReport": "minimalloc.formats.torch_snapshot",
    "Solution": "minimalloc.model",
    "SolveResult": "minimalloc.search.solver",
    "Solver": "minimalloc.search.solver",
    "SolverParams": "minimalloc.params",
    "SpillPlan": "minimalloc.analysis.spill",
    "Status": "minimalloc.params",
    "ValidationCode": "minimalloc.validate",
    "ValidationResult": "minimalloc.validate",
    "allocate": "minimalloc.baselines.allocators",
    "allocate_within": "minimalloc.baselines.allocators",
    "available_allocators": "minimalloc.baselines.allocators",
    "conflicts": "minimalloc.validate",
    "dumps_chrome_trace": "minimalloc.formats.chrome_trace",
    "dumps_csv": "minimalloc.formats.csv",
    "dumps_text_plan": "minimalloc.formats.text_plan",
    "explain": "minimalloc.analysis.explain",
    "iis": "minimalloc.search.solver",
    "improve": "minimalloc.anytime.improve",
    "list_samples": "minimalloc.generate.samples",
    "load_profile": "minimalloc.bounds",
    "load_sample": "minimalloc.generate.samples",
    "lower_bound": "minimalloc.bounds",
    "minimize": "minimalloc.analysis.minimize",
    "model_trace": "minimalloc.generate.problems",
    "overloaded": "minimalloc.bounds",
    "peak_times": "minimalloc.bounds",
    "perfect_packing": "minimalloc.generate.problems",
    "random_problem": "minimalloc.generate.problems",
    "read_csv": "minimalloc.formats.csv",
    "read_csv_with_layout": "minimalloc.formats.csv",
    "read_onnx": "minimalloc.formats.onnx",
    "read_problem": "minimalloc.formats",
    "read_torch_snapshot": "minimalloc.formats.torch_snapshot",
    "read_torch_snapshot_with_report": "minimalloc.formats.torch_snapshot",
    "solve": "minimalloc.search.solver",
    "spill": "minimalloc.analysis.spill",
    "validate": "minimalloc.validate",
    "warmup": "minimalloc.jit",
    "write_chrome_trace": "minimalloc.formats.chrome_trace",
    "write_csv": "minimalloc.formats.csv",
    "write_text_plan": "minimalloc.formats.text_plan",
}

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


def __getattr__(name: str) -> object:
    """Import a public name's module when the name is first used (PEP 562)."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'minimalloc' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later uses skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """This package, whose public names win over its submodules' names:
    importing the submodule ``minimalloc.validate`` binds it here, and
    without this it would hide the function ``validate`` from then on (the
    eager imports this replaces rebound the name after the submodule)."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _WHERE and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
