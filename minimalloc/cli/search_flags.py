"""The search's switches and heuristics as flags, and the
:class:`~minimalloc.params.SolverParams` they give."""

from __future__ import annotations

from absl import flags

from minimalloc.cli.flags import UsageError, define_string, define_switch
from minimalloc.errors import ProblemError
from minimalloc.params import TECHNIQUES, SolverParams

__all__ = ["SEARCH", "define_search", "solver_params"]

#: Help heading.
SEARCH = "search techniques"


def define_search(values: flags.FlagValues, *, switches: bool = True) -> None:
    """``--preordering_heuristics`` and (with ``switches``) one switch per
    search technique and ``--minimize_capacity``."""
    define_string(values, SEARCH, "preordering_heuristics", "WAT,TAW,TWA",
                  "Static preordering heuristics to attempt, comma separated (letters "
                  "A C L O T U W Z).")
    if not switches:
        return
    for name, text in TECHNIQUES.items():
        define_switch(values, SEARCH, name, True, text)
    define_switch(values, SEARCH, "minimize_capacity", False,
                  "The reference's binary search for the smallest capacity that still "
                  "fits (between 0 and --capacity).")


def solver_params(values: flags.FlagValues, **changes: object) -> SolverParams:
    """The parameters the flags give (``changes`` override them)."""
    settings: dict[str, object] = {
        "timeout": values.timeout,
        "preordering_heuristics": values.preordering_heuristics,
    }
    settings.update({name: values[name].value for name in TECHNIQUES if name in values})
    if "minimize_capacity" in values:
        settings["minimize_capacity"] = values.minimize_capacity
    settings.update(changes)
    try:
        return SolverParams(**settings)  # type: ignore[arg-type]
    except ProblemError as error:
        raise UsageError(f"--preordering_heuristics: {error}") from None
