"""What every subcommand shares: its description, the exit codes, and how
bad input becomes one line on stderr.

Exit status: 0 when the work was done (an allocation within the capacity
was found and written), 1 when it was not (infeasible, timed out, failed
validation, a batch row in error), 2 for bad input or usage (one line on
stderr, no traceback), 3 when minimalloc caught itself about to hand out
an invalid allocation (a bug: one line naming the report file to attach),
130 when interrupted, 141 when the output pipe closed early (as ``| head``
does: the rest is dropped quietly).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from absl import flags

from minimalloc.cli.flags import HelpRequested, UsageError, help_text, new_flags, parse
from minimalloc.errors import InternalError, ProblemError

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_NOT_SOLVED",
           "EXIT_OK", "EXIT_USAGE", "PROG",
           "Command", "error", "execute", "os_message"]

EXIT_OK = 0
EXIT_NOT_SOLVED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a program killed by the signal

PROG = "minimalloc"


@dataclass(frozen=True)
class Command:
    """A subcommand: its flags, its help, and what it does.

    Attributes
    ----------
    name
        The word after ``minimalloc`` ("" for the default, solving).
    summary
        One line for the list of commands.
    usage
        The help's text above the flags.
    groups
        The headings the flags are defined under, in the help's order.
    define
        Defines the flags on a fresh :class:`absl.flags.FlagValues`.
    run
        Does the work with the parsed flags and the other arguments;
        returns the exit status.
    program
        How errors and help name the command.
    """

    name: str
    summary: str
    usage: str
    groups: tuple[str, ...]
    define: Callable[[flags.FlagValues], None]
    run: Callable[[flags.FlagValues, list[str]], int]
    program: str = PROG


def execute(command: Command, argv: Sequence[str]) -> int:
    """Parse ``argv`` for ``command`` and run it, turning bad input into one
    line on stderr (exit 2) and Ctrl-C into exit 130."""
    values = new_flags()
    command.define(values)
    try:
        rest = parse(values, argv, command.program)
        return command.run(values, rest)
    except HelpRequested:
        print(help_text(values, command.usage, command.groups), end="")
        return EXIT_OK
    except (UsageError, ProblemError) as problem:
        error(str(problem), command.program)
        return EXIT_USAGE
    except InternalError as bug:
        error(str(bug), command.program)
        return EXIT_INTERNAL
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as problem:
        error(os_message(problem), command.program)
        return EXIT_USAGE
    except KeyboardInterrupt:
        error("interrupted", command.program)
        return EXIT_INTERRUPTED


def _drop_stdout() -> None:
    """Point stdout at /dev/null: the reader has gone, and Python would
    otherwise report the failed flush of what is still buffered at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def error(message: str, program: str = PROG) -> None:
    """``program: error: message`` on stderr, on one line."""
    text = " ".join(message.split("\n"))
    print(f"{program}: error: {text}", file=sys.stderr)


def os_message(problem: OSError) -> str:
    """An OSError as a line that names the file."""
    reason = problem.strerror or str(problem)
    if problem.filename is not None:
        return f"cannot open '{problem.filename}': {reason}"
    return reason
