"""The command line, compatible with the reference's flags: one module per
subcommand, all on one flag parser (:mod:`minimalloc.cli.flags`).

::

    minimalloc --capacity=N --input=IN.csv --output=OUT.csv [--timeout=10s]
               [--validate] [--stats] [--canonical_only=false ...]
    minimalloc --input=IN.csv --minimize | --allocator=NAME | --explain ...
    minimalloc import MODEL.onnx|SNAPSHOT.pickle [--output=problem.csv] ...
    minimalloc generate KIND [flags]
    minimalloc ablation --input=IN.csv --capacity=N [--timeout=20s]
    minimalloc batch INPUTS... --output=results.csv [flags]
    minimalloc compare A.csv B.csv [--match=label] [--json] [--output=page.html]
    minimalloc report IN.csv [--capacity=N] --output=report.html

``minimalloc COMMAND --help`` lists a command's flags.  Exit status: 0 done,
1 not solved, 2 bad input or usage (one line on stderr), 130 interrupted
(see :mod:`minimalloc.cli.command`).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from minimalloc.cli.command import (
    EXIT_INTERRUPTED,
    EXIT_NOT_SOLVED,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    error,
    execute,
)
from minimalloc.cli.flags import parse_bool, parse_duration
from minimalloc.extras import MissingExtra

__all__ = ["EXIT_INTERRUPTED", "EXIT_NOT_SOLVED", "EXIT_OK", "EXIT_USAGE", "main",
           "parse_bool", "parse_duration"]

#: The module of each subcommand (its ``COMMAND``; ``generate`` has a
#: ``main``, one command per KIND); anything else is the default, solving.
#: Imported when used: ``batch`` brings Dask and pandas, ``import`` onnx,
#: which a plain solve should not wait for.
COMMANDS = {
    "import": "minimalloc.cli.import_model",
    "generate": "minimalloc.cli.generate",
    "ablation": "minimalloc.cli.ablation",
    "batch": "minimalloc.cli.batch",
    "compare": "minimalloc.cli.compare",
    "report": "minimalloc.cli.html_report",
}
_DEFAULT = "minimalloc.cli.solve"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    name = args[0] if args and args[0] in COMMANDS else None
    try:
        module = importlib.import_module(COMMANDS[name] if name else _DEFAULT)
    except MissingExtra as missing:  # batch without Dask
        error(str(missing), f"{PROG} {name}" if name else PROG)
        return EXIT_USAGE
    except KeyboardInterrupt:  # while importing (numba, onnx, Dask): seconds
        error("interrupted", f"{PROG} {name}" if name else PROG)
        return EXIT_INTERRUPTED
    if name:
        args = args[1:]
    if hasattr(module, "main"):  # generate: each KIND has its own flags
        return module.main(args)
    return execute(module.COMMAND, args)
