"""File formats: one module per format, each reading and/or writing problems
and plans, with clear errors (:class:`~minimalloc.errors.ProblemError`).

:mod:`~minimalloc.formats.registry` finds the format modules (a reader
defines ``SUFFIXES``, ``looks_like`` and ``read``; a writer ``FORMAT``,
``SUFFIX`` and ``dumps``), so adding a format is adding one file;
:mod:`~minimalloc.formats.detect` holds :func:`read_any`, the one place
that decides how a file is read.  The reference CSV
(:mod:`minimalloc.formats.csv`) is the default for both.

>>> reader_name("model.onnx", b""), reader_name("trace.pickle", b"")
('onnx', 'torch_snapshot')
>>> reader_name("problem.csv", b"id,lower"), sorted(writers())
('csv', ['chrome-trace', 'csv', 'text'])
"""

from __future__ import annotations

from typing import Any

from minimalloc.formats.detect import Reading, ReadOptions, Source, read_any, reader_name
from minimalloc.formats.registry import readers, writer_for, writers
from minimalloc.model import Problem

__all__ = ["ReadOptions", "Reading", "read_any", "read_problem", "reader_name", "readers",
           "writer_for", "writers"]


def read_problem(source: Source, *, name: str | None = None, capacity: int | None = None,
                 **options: Any) -> tuple[Problem, str]:
    """Read a problem in whatever format ``source`` is, and say which: the
    short form of :func:`read_any`.

    Parameters
    ----------
    source
        A path, or the file's bytes (an upload).
    name
        The file's name when ``source`` is bytes (its suffix picks the reader).
    capacity
        The capacity to give the problem.
    **options
        The fields of :class:`ReadOptions`: ``alignment``, ``dims``,
        ``include_weights`` (ONNX), ``device`` (snapshots); None means the
        default.

    Returns
    -------
    (Problem, str)
        The problem and the reader's short name.
    """
    given = {key: value for key, value in options.items() if value is not None}
    reading = read_any(source, name=name, capacity=capacity, options=ReadOptions(**given))
    return reading.problem, reading.kind
