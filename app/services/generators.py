"""The library's problem generators as the page offers them: each one's
parameters with a kind (what widget), a default and a minimum."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.services.loading import Loaded
from minimalloc.errors import ProblemError
from minimalloc.generate import problems as generate

#: What a generator's optional parameter defaults to (the page says it).
DEFAULT_TEXT = {
    "horizon": "max(n, 8)",
    "mean_lifetime": "min(horizon / 4, 32)",
}



@dataclass(frozen=True)
class GeneratorParam:
    """One parameter of a generator, as the page should offer it."""

    name: str
    kind: str  # "int", "float", "probability", "choice", "alignment", "optional int",
    #            "optional float"
    default: Any
    choices: tuple[str, ...] = ()
    minimum: float | None = None


#: Defaults for the generators' required arguments (they have none).
_REQUIRED_DEFAULTS = {"n": 40, "layers": 12, "width": 32, "height": 64}
#: Smallest allowed value of integer arguments.
_MINIMUMS = {"n": 1, "layers": 1, "width": 1, "height": 1, "dtype_bytes": 1, "horizon": 1}


def generator_params() -> dict[str, list[GeneratorParam]]:
    """The generators of :mod:`minimalloc.generate.problems` and their parameters
    (``seed`` and ``capacity`` excluded: the page has its own)."""

    choices = {
        "size_distribution": tuple(getattr(generate, "SIZE_DISTRIBUTIONS", ())),
        "lifetime_distribution": tuple(getattr(generate, "LIFETIME_DISTRIBUTIONS", ())),
        "kind": tuple(getattr(generate, "MODEL_KINDS", ())),
    }
    out: dict[str, list[GeneratorParam]] = {}
    for name, function in generate.GENERATORS.items():
        params = []
        for p in inspect.signature(function).parameters.values():
            if p.name in ("seed", "capacity"):
                continue
            if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                continue
            default = p.default if p.default is not p.empty else _REQUIRED_DEFAULTS.get(
                p.name, 1)
            minimum = _MINIMUMS.get(p.name)
            if p.name in choices and choices[p.name]:
                params.append(GeneratorParam(p.name, "choice", default, choices[p.name]))
            elif p.name == "alignment":
                params.append(GeneratorParam(p.name, "alignment", default))
            elif p.name.endswith("probability"):
                params.append(GeneratorParam(p.name, "probability", float(default)))
            elif default is None:
                kind = "optional float" if "mean" in p.name else "optional int"
                params.append(GeneratorParam(p.name, kind, None, minimum=minimum))
            elif isinstance(default, bool):
                continue
            elif isinstance(default, int):
                params.append(GeneratorParam(p.name, "int", default, minimum=minimum))
            elif isinstance(default, float):
                params.append(GeneratorParam(p.name, "float", default, minimum=minimum))
            elif isinstance(default, str):
                params.append(GeneratorParam(p.name, "choice", default, (default,)))
        out[name] = params
    return out


def parse_alignment(text: str) -> int | tuple[int, ...]:
    """``"8"`` -> 8, ``"1, 8, 64"`` -> (1, 8, 64)."""
    parts = [p for p in str(text).replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise ProblemError(
            f"alignment: expected whole numbers separated by commas, got '{text}'"
        ) from None
    if not values:
        raise ProblemError("alignment: give at least one value")
    return values[0] if len(values) == 1 else values


def generate_problem(name: str, seed: int, values: Mapping[str, Any]) -> Loaded:
    """Run generator ``name`` with ``values`` (None: its default) and ``seed``."""

    params = {k: v for k, v in values.items() if v is not None}
    if "alignment" in params and isinstance(params["alignment"], str):
        params["alignment"] = parse_alignment(params["alignment"])
    problem = generate.generate(name, seed=int(seed), **params)
    text = ", ".join(f"{k}={v}" for k, v in params.items())
    label = f"{name}({text}, seed={seed})"
    return Loaded(problem, label, None, problem.capacity)
