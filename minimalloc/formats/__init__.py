"""File formats: one module per format, each reading and/or writing problems
and plans, with clear errors (:class:`~minimalloc.errors.ProblemError`).

A module here is a **reader** if it defines ``SUFFIXES`` (file suffixes it
claims), ``looks_like(head: bytes) -> bool`` (a guess from the first bytes,
for files whose suffix says nothing) and ``read(source, **options) ->
Problem`` (a path or bytes; options it does not know are ignored).  It is a
**writer** if it defines ``FORMAT`` (its ``--format`` name), ``SUFFIX`` and
``dumps(problem, solution) -> str``.  Modules are found by looking in this
folder, so adding a format is adding one file.  The reference CSV
(:mod:`minimalloc.formats.csv`) is the default for both.

>>> reader_name("model.onnx", b""), reader_name("trace.pickle", b"")
('onnx', 'torch_snapshot')
>>> reader_name("problem.csv", b"id,lower"), sorted(writers())
('csv', ['chrome-trace', 'csv', 'text'])
"""

from __future__ import annotations

import importlib
import io
import os
import pkgutil
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, Union

from minimalloc.errors import ProblemError
from minimalloc.model import Problem, Solution

__all__ = ["read_problem", "reader_name", "readers", "writer_for", "writers"]

Source = Union[str, "os.PathLike[str]", bytes]

#: How many leading bytes a reader's ``looks_like`` sees.
_HEAD = 16


@cache
def _modules() -> tuple[ModuleType, ...]:
    names = sorted(m.name for m in pkgutil.iter_modules(__path__)
                   if not m.name.startswith("_"))
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in names)


def readers() -> dict[str, ModuleType]:
    """Reader modules other than CSV, by short name (``onnx``, ``torch_snapshot``)."""
    return {m.__name__.rsplit(".", 1)[1]: m for m in _modules()
            if hasattr(m, "SUFFIXES") and hasattr(m, "read") and hasattr(m, "looks_like")}


def writers() -> dict[str, Callable[[Problem, Solution], str]]:
    """``--format`` name -> function giving a plan's text; ``csv`` included."""
    from minimalloc.formats.csv import dumps_csv

    found: dict[str, Callable[[Problem, Solution], str]] = {"csv": dumps_csv}
    for module in _modules():
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
    for module in _modules():
        if hasattr(module, "FORMAT") and getattr(module, "SUFFIX", None) == suffix:
            return module.FORMAT
    return "csv"


def reader_name(name: str | os.PathLike[str] | None, head: bytes) -> str:
    """Which reader takes a file called ``name`` starting with ``head``: by
    suffix first, then by content; ``csv`` when none claims it."""
    suffix = Path(name).suffix.lower() if name is not None else ""
    found = readers()
    for short, module in found.items():
        if suffix in module.SUFFIXES:
            return short
    if suffix in ("", ".bin", ".dat", ".pb"):
        for short, module in found.items():
            if module.looks_like(head[:_HEAD]):
                return short
    return "csv"


def read_problem(source: Source, *, name: str | None = None, capacity: int | None = None,
                 **options: Any) -> tuple[Problem, str]:
    """Read a problem in whatever format ``source`` is, and say which.

    Parameters
    ----------
    source
        A path, or the file's bytes (an upload).
    name
        The file's name when ``source`` is bytes (its suffix picks the reader).
    capacity
        The capacity to give the problem.
    **options
        Passed to the reader: ``alignment``, ``dims``, ``include_weights``
        (ONNX), ``device`` (snapshots).

    Returns
    -------
    (Problem, str)
        The problem and the reader's short name.
    """
    if isinstance(source, (bytes, bytearray)):
        head, label = bytes(source[:_HEAD]), name
    else:
        label = name if name is not None else os.fspath(source)
        with open(source, "rb") as handle:
            head = handle.read(_HEAD)
    kind = reader_name(label, head)
    if kind == "csv":
        from minimalloc.formats.csv import read_csv

        data = io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray)) \
            else source
        try:
            return read_csv(data, capacity), kind
        except ProblemError as error:
            raise _named(error, label) from None
    try:
        problem = readers()[kind].read(bytes(source) if isinstance(source, bytearray)
                                       else source, **options)
    except ProblemError as error:
        raise _named(error, label) from None
    return problem.with_capacity(capacity), kind


def _named(error: ProblemError, name: str | None) -> ProblemError:
    """``error`` naming the file ``name`` where it names none or a placeholder."""
    if name is None or error.file not in (None, "<input>", "<model>", "<snapshot>"):
        return error
    return ProblemError(error.message, file=name, line=error.line, column=error.column)
