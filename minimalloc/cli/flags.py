"""The one flag parser of every subcommand: absl's, as the reference's
command line (built on absl) spells its flags.

``--name=value`` or ``--name value``; a switch is ``--name`` (true),
``--noname`` (false) or ``--name=true|false`` (also ``1/0``, ``yes/no``,
``t/f``, ``y/n``).  A single leading dash works too, ``-`` may stand for
``_`` in names, ``--flagfile=FILE`` reads flags from a file, and when a flag
is repeated the last one counts (``--dim`` adds up).  Durations are ``10s``,
``500ms``, ``1m``, ``1h30m``, ``1.5s``, ``inf``, or a bare number of seconds.

Each subcommand defines its flags on a fresh :class:`absl.flags.FlagValues`
with the ``define_*`` functions here, grouped under headings; :func:`parse`
parses the command line into it and turns absl's errors into one-line
:class:`UsageError` messages; :func:`help_text` renders the help from the
same definitions.  (absl's ``argparse_flags`` is not used: it refuses
``--name=true|false`` and single-dash long flags, which the reference takes.)
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence

from absl import flags

from minimalloc.errors import ProblemError, shorten
from minimalloc.formats.detect import parse_dims
from minimalloc.params import check_timeout

__all__ = ["HelpRequested", "UsageError", "define_choice", "define_dims",
           "define_duration", "define_float", "define_integer", "define_string",
           "define_switch", "given", "help_text", "new_flags", "parse", "parse_bool",
           "parse_duration", "parse_integer"]

_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
                 "h": 3600.0}
#: An integer flag with more digits than this is refused before converting it.
_MAX_DIGITS = 40
_HELP_FLAGS = ("help", "helpfull", "helpshort")


class UsageError(Exception):
    """A bad command line: printed as one line, exit status 2."""


class HelpRequested(Exception):
    """``--help`` (or ``-h``, ``--helpfull``, ``--helpshort``) was given."""


# ----------------------------------------------------------------------------
# Values


def parse_bool(text: str) -> bool:
    """A switch's value as absl reads it (plus yes/no).

    >>> parse_bool("false"), parse_bool("Yes"), parse_bool("1")
    (False, True, True)
    """
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {shorten(text)!r}")


def parse_duration(text: str) -> float | None:
    """Seconds in an absl duration (``10s``, ``500ms``, ``1m30s``, ``1.5s``);
    a bare number is seconds; ``inf``, or a limit longer than a timer can
    wait (about 292 years), is None (no limit).

    >>> parse_duration("1m30s"), parse_duration("500ms"), parse_duration("2")
    (90.0, 0.5, 2.0)
    >>> parse_duration("inf") is None
    True
    """
    word = text.strip().lower()
    if word in ("inf", "+inf", "infinite", "none"):
        return None
    if word.startswith("-"):
        raise ValueError(f"a duration cannot be negative, got {shorten(text)!r}")
    word = word.removeprefix("+")
    if not word:
        raise ValueError("expected a duration such as 10s, got an empty value")
    if _NUMBER.fullmatch(word):
        seconds = float(word)
    else:
        seconds = 0.0
        position = 0
        while position < len(word):
            match = _DURATION_PART.match(word, position)
            if match is None:
                raise ValueError("expected a duration such as 10s, 500ms, 1m30s or "
                                 f"1.5s, got {shorten(text)!r}")
            seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
            position = match.end()
    # inf, or longer than a timer can wait (about 292 years): no limit.
    return check_timeout(seconds) if math.isfinite(seconds) else None


def parse_integer(text: str) -> int:
    """A whole number in decimal; a huge one is refused before converting it.

    >>> parse_integer("+12")
    12
    """
    word = text.strip()
    if not _INTEGER.fullmatch(word):
        raise ValueError(f"expected an integer, got {shorten(text)!r}")
    digits = len(word.lstrip("+-"))
    if digits > _MAX_DIGITS:  # far out of any range, and slow to convert
        raise ValueError(f"expected an integer of at most 19 digits, got {digits} digits")
    return int(word)


class _Parser(flags.ArgumentParser):
    """An absl parser from a conversion function and how help describes it."""

    def __init__(self, convert, kind: str, description: str) -> None:
        self._convert = convert
        self._kind = kind
        self.syntactic_help = description

    def parse(self, argument):
        if not isinstance(argument, str):
            return argument  # a default, already a value
        return self._convert(argument)

    def flag_type(self) -> str:
        return self._kind


def _dims(text: str) -> dict[str, int]:
    try:
        return parse_dims(text)
    except ProblemError as error:
        raise ValueError(error.message) from None


# ----------------------------------------------------------------------------
# Defining flags


def new_flags() -> flags.FlagValues:
    """An empty set of flags with the help switches every command has."""
    values = flags.FlagValues()
    flags.DEFINE_boolean("help", False, "Show this help.", flag_values=values,
                         short_name="h", module_name="help")
    for name in _HELP_FLAGS[1:]:
        flags.DEFINE_boolean(name, False, "Show this help.", flag_values=values,
                             module_name="help")
    return values


def define_switch(values: flags.FlagValues, group: str, name: str, default: bool,
                  help: str) -> None:
    """A switch: ``--name``, ``--noname``, ``--name=true|false``."""
    parser = _Parser(parse_bool, "bool", "")
    flags.DEFINE(parser, name, default, help, values, None, module_name=group,
                 boolean=True)


def define_integer(values: flags.FlagValues, group: str, name: str,
                   default: int | None, help: str, short_name: str | None = None) -> None:
    parser = _Parser(parse_integer, "int", "an integer")
    flags.DEFINE(parser, name, default, help, values, module_name=group,
                 short_name=short_name)


def define_string(values: flags.FlagValues, group: str, name: str, default: str | None,
                  help: str, short_name: str | None = None) -> None:
    """A text flag; an empty default is None (and not shown in the help)."""
    flags.DEFINE_string(name, default or None, help, flag_values=values,
                        module_name=group, short_name=short_name)


def define_float(values: flags.FlagValues, group: str, name: str, default: float | None,
                 help: str) -> None:
    flags.DEFINE_float(name, default, help, flag_values=values, module_name=group)


def define_choice(values: flags.FlagValues, group: str, name: str, default: str,
                  choices: Sequence[str], help: str) -> None:
    flags.DEFINE_enum(name, default, list(choices), help, flag_values=values,
                      module_name=group)


class _DurationSerializer(flags.ArgumentSerializer):
    def serialize(self, value: float | None) -> str:
        return "inf" if value is None else f"{value:g}s"


def define_duration(values: flags.FlagValues, group: str, name: str,
                    default: float | None, help: str) -> None:
    parser = _Parser(parse_duration, "duration",
                     "a duration: 10s, 500ms, 1m30s, 1.5s or inf")
    flags.DEFINE(parser, name, default, help, values, _DurationSerializer(),
                 module_name=group)


def define_dims(values: flags.FlagValues, group: str, name: str, help: str) -> None:
    """NAME=N pairs separated by commas; the flag may be repeated."""
    parser = _Parser(_dims, "dims", "NAME=N[,NAME=N...]")
    flags.DEFINE_multi(parser, flags.ArgumentSerializer(), name, [], help,
                       flag_values=values, module_name=group)


# ----------------------------------------------------------------------------
# Parsing


def parse(values: flags.FlagValues, argv: Sequence[str], program: str) -> list[str]:
    """Parse ``argv`` into ``values``; returns the arguments that are not flags.

    Raises
    ------
    HelpRequested
        For ``--help`` and its kin.
    UsageError
        For an unknown flag, a bad value, or a flag without its value.
    """
    args = _normalised(values, argv)
    try:
        rest = values([program, *args])[1:]
    except flags.UnrecognizedFlagError as error:
        raise UsageError(_unknown(values, error, program)) from None
    except flags.IllegalFlagValueError as error:
        raise UsageError(_bad_value(error)) from None
    except flags.Error as error:
        text = str(error)
        if text.startswith("Missing value for flag "):
            raise UsageError(f"--{text.rsplit(' ', 1)[-1].lstrip('-')} needs a value"
                             ) from None
        raise UsageError(text.removeprefix("ERROR:: ")) from None  # a --flagfile missing
    except ValueError as error:  # absl: "--novalidate=true does not take an argument"
        flag, _, value = str(error).split(" ", 1)[0].partition("=")
        name = flag.lstrip("-").removeprefix("no")
        raise UsageError(f"{flag} takes no value (write --{name}={shorten(value)})"
                         ) from None
    if any(values[name].value for name in _HELP_FLAGS):
        raise HelpRequested
    return rest


def given(values: flags.FlagValues, name: str) -> bool:
    """Whether ``--name`` was on the command line."""
    return bool(values[name].present)


def _normalised(values: flags.FlagValues, argv: Sequence[str]) -> list[str]:
    """``argv`` with ``-`` turned into ``_`` in the names of known flags
    (``--canonical-only`` for ``--canonical_only``), up to ``--``."""
    known = set(values)
    out: list[str] = []
    for index, arg in enumerate(argv):
        if arg == "--":
            return out + list(argv[index:])
        dashes = len(arg) - len(arg.lstrip("-"))
        name, equals, text = arg[dashes:].partition("=")
        spelt = name.replace("-", "_")
        if 0 < dashes <= 2 and spelt != name and (
                spelt in known or spelt.removeprefix("no") in known):
            arg = f"{arg[:dashes]}{spelt}{equals}{text}"
        out.append(arg)
    return out


def _unknown(values: flags.FlagValues, error: flags.UnrecognizedFlagError,
             program: str) -> str:
    names = [name for name in values
             if name not in _HELP_FLAGS and values[name].name == name]
    names += [f"no{name}" for name in names if values[name].boolean]
    close = difflib.get_close_matches(error.flagname.replace("-", "_"), names, n=1)
    hint = f" (did you mean --{close[0]}?)" if close else ""
    return f"unknown flag --{shorten(error.flagname)}{hint}; see {program} --help"


def _bad_value(error: flags.IllegalFlagValueError) -> str:
    """``--name: why``, without repeating a long value."""
    match = re.match(r"flag --([^=]+)=", str(error))
    name = match.group(1) if match else "flag"
    cause = error.__context__
    reason = str(cause) if isinstance(cause, (ValueError, TypeError, OverflowError)) \
        else str(error).split(": ", 1)[-1]
    return f"--{name}: {shorten(reason, 200)}"


# ----------------------------------------------------------------------------
# Help


def help_text(values: flags.FlagValues, usage: str, groups: Sequence[str]) -> str:
    """The usage text followed by the flags of ``groups``, as absl renders
    them (one heading per group)."""
    parts = [usage.rstrip()]
    for group in groups:
        text = values.module_help(group)
        if text:
            parts.append(text.rstrip())
    return "\n".join(parts) + "\n"
