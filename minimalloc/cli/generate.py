"""``minimalloc generate KIND``: a generated problem as CSV (the capacity,
if any, is reported on stderr); ``minimalloc generate --regenerate_samples``
rebuilds the sample problems.

Each KIND has its own flags: those of its generator in
:mod:`minimalloc.generate.problems`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from absl import flags

from minimalloc.cli import writing
from minimalloc.cli.command import EXIT_OK, PROG, Command, execute
from minimalloc.cli.flags import (
    UsageError,
    define_choice,
    define_float,
    define_integer,
    define_string,
    define_switch,
    parse_integer,
)
from minimalloc.formats.csv import write_csv
from minimalloc.generate.problems import (
    GENERATORS,
    LIFETIME_DISTRIBUTIONS,
    MODEL_KINDS,
    SIZE_DISTRIBUTIONS,
    generate,
)
from minimalloc.generate.samples import regenerate

__all__ = ["COMMAND", "main"]

PROGRAM = f"{PROG} generate"
GENERATOR = "generator"
DECORATIONS = "alignment, gaps, windows, fixed offsets"

USAGE = f"""\
usage: {PROGRAM} KIND [--seed=N] [--output=FILE] [flags of KIND]
       {PROGRAM} --regenerate_samples [DIR]

Writes a generated problem as CSV (the capacity, if any, is reported on
stderr).  KIND is one of:
  random   random lifespans and sizes       ({PROGRAM} random --help)
  perfect  a rectangle cut into pieces      ({PROGRAM} perfect --help)
  model    a neural network's tensors       ({PROGRAM} model --help)
  dense    a dense training step            ({PROGRAM} dense --help)
"""


def main(argv: Sequence[str]) -> int:
    """``minimalloc generate ...``: the command of the KIND ``argv`` starts with."""
    if argv and argv[0] in KINDS:
        return execute(KINDS[argv[0]], argv[1:])
    return execute(COMMAND, argv)


def _define_bare(values: flags.FlagValues) -> None:
    define_switch(values, GENERATOR, "regenerate_samples", False, "Rebuild the files of "
                  "sample_problems/ (or of the folder DIR given after it) and exit.")


def _run_bare(values: flags.FlagValues, rest: list[str]) -> int:
    if values.regenerate_samples:
        if len(rest) > 1:
            raise UsageError(f"unexpected argument '{rest[1]}'")
        written = regenerate(rest[0] if rest else None)
        print(f"wrote {len(written)} files to {written[0].parent}", file=sys.stderr)
        return EXIT_OK
    if rest:
        raise UsageError(f"unknown KIND '{rest[0]}': choose one of {', '.join(GENERATORS)}")
    raise UsageError(f"give a KIND: {', '.join(GENERATORS)}")


COMMAND = Command("generate", "write a generated problem as CSV", USAGE, (GENERATOR,),
                  _define_bare, _run_bare, PROGRAM)


# ----------------------------------------------------------------------------
# The kinds


def _common(values: flags.FlagValues) -> None:
    define_integer(values, GENERATOR, "seed", 0, "The random seed.")
    define_string(values, writing.OUTPUT, "output", "", "Write here instead of stdout.",
                  short_name="o")


def _decorations(values: flags.FlagValues) -> None:
    define_integer(values, DECORATIONS, "capacity", None, "The capacity to report.")
    define_string(values, DECORATIONS, "alignment", "1", "The alignment, or choices "
                  "separated by commas (each buffer draws one).")
    for name, what in (("gap", "a gap"), ("window", "a window in its gap"),
                       ("fixed", "a fixed offset")):
        define_float(values, DECORATIONS, f"{name}_probability", 0.0,
                     f"The probability that a buffer has {what}.")


def _define_random(values: flags.FlagValues) -> None:
    _common(values)
    define_integer(values, GENERATOR, "n", 100, "The number of buffers.")
    define_integer(values, GENERATOR, "horizon", None, "Lifespans lie in [0, horizon) "
                   "(default: max(n, 8)).")
    define_float(values, GENERATOR, "mean_lifetime", None, "The mean lifespan (default: "
                 "min(horizon / 4, 32)).")
    define_choice(values, GENERATOR, "size_distribution", "lognormal", SIZE_DISTRIBUTIONS,
                  "How sizes are drawn.")
    define_choice(values, GENERATOR, "lifetime_distribution", "exponential",
                  LIFETIME_DISTRIBUTIONS, "How lifespans are drawn.")
    _decorations(values)


def _define_perfect(values: flags.FlagValues) -> None:
    _common(values)
    define_integer(values, GENERATOR, "n", 20, "The number of pieces.")
    define_integer(values, GENERATOR, "width", 32, "The time span.")
    define_integer(values, GENERATOR, "height", 64, "The capacity (the optimum).")


def _define_model(values: flags.FlagValues) -> None:
    _common(values)
    define_integer(values, GENERATOR, "layers", 12, "The number of layers.")
    define_choice(values, GENERATOR, "kind", "chain", MODEL_KINDS, "The network's shape.")
    define_integer(values, GENERATOR, "dtype_bytes", 2, "Bytes per element.")
    define_float(values, GENERATOR, "workspace_probability", 0.5, "The probability that "
                 "a layer needs a workspace.")
    _decorations(values)


def _define_dense(values: flags.FlagValues) -> None:
    _common(values)
    define_integer(values, GENERATOR, "n", 28_500, "About this many buffers.")
    define_integer(values, GENERATOR, "saved_per_layer", 7, "Tensors each layer saves "
                   "for its backward pass.")
    define_float(values, GENERATOR, "giant_share", 0.17, "The share of the peak the "
                 "long-lived giants hold.")
    define_integer(values, GENERATOR, "micro_batches", 2, "Forward and backward passes "
                   "before the optimiser step.")
    define_integer(values, DECORATIONS, "capacity", None, "The capacity to report.")


def _runner(kind: str) -> Callable[[flags.FlagValues, list[str]], int]:
    def run(values: flags.FlagValues, rest: list[str]) -> int:
        if rest:
            raise UsageError(f"unexpected argument '{rest[0]}'")
        output = writing.check_output(values.output)
        problem = generate(kind, **_params(values))
        write_csv(problem, output if output is not None else sys.stdout)
        where = output or "stdout"
        capacity = "" if problem.capacity is None else f" (capacity {problem.capacity})"
        print(f"wrote {len(problem)} buffers to {where}{capacity}", file=sys.stderr)
        return EXIT_OK

    return run


def _params(values: flags.FlagValues) -> dict[str, object]:
    """The generator's arguments: every flag given a value but the output."""
    skip = {"output", "help", "helpfull", "helpshort"}
    params = {name: values[name].value for name in values  # long names: no "-o"
              if values[name].name == name and name not in skip
              and values[name].value is not None}
    if "alignment" in params:
        params["alignment"] = _alignments(params["alignment"])  # type: ignore[arg-type]
    return params


def _alignments(text: str) -> int | tuple[int, ...]:
    """``64`` or ``64,128``: one alignment, or choices."""
    try:
        values = tuple(parse_integer(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise UsageError(f"--alignment: expected integers separated by commas, got "
                         f"'{text[:60]}'") from None
    if not values or min(values) < 1:
        raise UsageError(f"--alignment: expected alignments >= 1, got '{text[:60]}'")
    return values[0] if len(values) == 1 else values


def _kind(name: str, summary: str, define: Callable[[flags.FlagValues], None]) -> Command:
    usage = f"usage: {PROGRAM} {name} [flags]\n\nWrites {summary} as CSV.\n"
    return Command(f"generate {name}", summary, usage,
                   (GENERATOR, DECORATIONS, writing.OUTPUT), define, _runner(name),
                   PROGRAM)


KINDS = {
    "random": _kind("random", "a problem of random lifespans and sizes", _define_random),
    "perfect": _kind("perfect", "a rectangle cut into pieces (the optimum is known)",
                     _define_perfect),
    "model": _kind("model", "a neural network's tensors, layer by layer", _define_model),
    "dense": _kind("dense", "a training step with thousands of tensors alive at once",
                   _define_dense),
}
