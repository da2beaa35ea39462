"""Opening the results table of ``minimalloc batch`` and the problem of any
of its rows, with the capacity, mode and switches it was run with."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from app.services.loading import Loaded
from minimalloc.errors import ProblemError
from minimalloc.formats import read_any
from minimalloc.params import TECHNIQUES


def read_batch_results(source: str | bytes | os.PathLike, name: str = "results"):
    """The table written by ``minimalloc batch`` (a path, or the file's bytes),
    typed as :func:`minimalloc.batch.read_results` types it.

    Raises
    ------
    ProblemError
        If it is not a results table (the message names ``name``).
    """
    # Imported here: the batch runner loads Dask, which takes seconds, and
    # only this source of problems needs it.
    from minimalloc import batch

    if isinstance(source, bytes):
        source = io.BytesIO(source)
        source.name = name
    return batch.read_results(source)


def batch_row_label(row: Mapping[str, Any], index: int) -> str:
    """One line per row for a picker: number, file, variant, status, height."""
    parts = [f"{index + 1}. {Path(str(row['input'])).name}"]
    if row.get("variant"):
        parts.append(f"without {row['variant']}" if row["variant"] != "all on"
                     else "all on")
    parts.append(str(row["status"]))
    height = row.get("height")
    if height is not None and not pd.isna(height):
        parts.append(f"height {int(height):,}")
    return " · ".join(parts)


def load_batch_row(table, index: int) -> Loaded:
    """The problem of row ``index``, read again from its input file, at the
    row's capacity.

    Raises
    ------
    ProblemError
        If the row's input is not a readable problem file on this machine
        (an in-memory problem, or a file moved since the batch ran).
    """
    row = table.iloc[index]
    path = str(row["input"])
    if not os.path.isfile(path):
        raise ProblemError(f"row {index + 1}: its input '{path}' is not a file on this "
                           "machine (moved, or a problem given in memory)")
    problem = read_any(path).problem
    capacity = row["capacity"]
    capacity = None if pd.isna(capacity) else int(capacity)
    mode = f"{row['mode']}, {row['variant']}" if row["variant"] else str(row["mode"])
    summary = f"Batch row {index + 1} ({mode}): {row['status']}"
    if not pd.isna(row["height"]):
        summary += f", height {int(row['height']):,}"
    if row["message"]:
        summary += f": {row['message']}"
    return Loaded(problem, Path(path).name, None, capacity, summary)


def batch_settings(table, index: int) -> tuple[bool, dict[str, bool]]:
    """How the row was run, for the solver's widgets: whether it minimised,
    and the switches (an ablation row has its technique off)."""
    row = table.iloc[index]
    switches = {name: name != row["variant"] for name in TECHNIQUES}
    return row["mode"] == "minimize", switches
