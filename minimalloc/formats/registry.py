"""Which formats exist: the reader and writer modules of this package.

A module of :mod:`minimalloc.formats` is a **reader** if it defines
``SUFFIXES`` (file suffixes it claims), ``looks_like(head: bytes) -> bool``
(a guess from the first bytes, for files whose suffix says nothing) and
``read(source, **options) -> Problem`` (a path or bytes; options it does not
know are ignored).  It is a **writer** if it defines ``FORMAT`` (its
``--format`` name), ``SUFFIX`` and ``dumps(problem, solution) -> str``.
Modules are found by looking in the package's folder, so adding a format is
adding one file.  The reference CSV (:mod:`minimalloc.formats.csv`) is the
default for both.

>>> sorted(readers()), sorted(writers())
(['chrome_trace', 'onnx', 'text_plan', 'torch_snapshot'], ['chrome-trace', 'csv', 'text'])
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType

from minimalloc.errors import ProblemError
from minimalloc.formats.csv import dumps_csv
from minimalloc.model import Problem, Solution

__all__ = ["format_modules", "reader_suffixes", "readers", "writer_for", "writers"]

#: Modules of the package that are machinery, not formats.
_NOT_FORMATS = frozenset({"registry", "detect"})


@cache
def format_modules() -> tuple[ModuleType, ...]:
    """Every format module of :mod:`minimalloc.formats`, imported."""
    folder = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(folder)])
                   if not m.name.startswith("_") and m.name not in _NOT_FORMATS)
    package = __name__.rsplit(".", 1)[0]
    return tuple(importlib.import_module(f"{package}.{name}") for name in names)


def readers() -> dict[str, ModuleType]:
    """Reader modules other than CSV, by short name (``onnx``, ``torch_snapshot``,
    and the plans this package writes: ``chrome_trace``, ``text_plan``)."""
    return {m.__name__.rsplit(".", 1)[1]: m for m in format_modules()
            if hasattr(m, "SUFFIXES") and hasattr(m, "read") and hasattr(m, "looks_like")}


def reader_suffixes() -> tuple[str, ...]:
    """Every suffix some reader claims, ``.csv`` first."""
    return (".csv", *(suffix for module in readers().values()
                      for suffix in module.SUFFIXES))


def writers() -> dict[str, Callable[[Problem, Solution], str]]:
    """``--format`` name -> function giving a plan's text; ``csv`` included."""
    found: dict[str, Callable[[Problem, Solution], str]] = {"csv": dumps_csv}
    for module in format_modules():
        if hasattr(module, "FORMAT") and hasattr(module, "dumps"):
            found[module.FORMAT] = module.dumps
    return found


def writer_for(name: str | None, path: str | os.PathLike[str] | None = None) -> str:
    """The writer's ``--format`` name: ``name`` if given (checked), else the
    one whose suffix ``path`` has, else ``csv``."""
    known = writers()
    if name:
        if name not in known:
            raise ProblemError(f"unknown output format '{name}': expected one of "
                               f"{', '.join(sorted(known))}")
        return name
    suffix = Path(path).suffix.lower() if path is not None else ""
    for module in format_modules():
        if hasattr(module, "FORMAT") and getattr(module, "SUFFIX", None) == suffix:
            return module.FORMAT
    return "csv"
