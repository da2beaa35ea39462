"""Where the shared benchmarks and the reference's results are."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
BENCHMARKS = SHARED / "benchmarks"
INSTANCES = tuple("ABCDEFGHIJK")
CAPACITY = 1048576

# Outside CI a checkout without ../shared skips these tests; CI always has it
# beside the clone, so there a missing folder must fail, not skip.
needs_shared = pytest.mark.skipif(
    not BENCHMARKS.is_dir() and not os.environ.get("CI"),
    reason=f"the shared benchmarks are not at {BENCHMARKS}",
)


def reference_backtracks() -> dict[str, int]:
    """Backtrack counts per instance, from the reference's REFERENCE.md table."""
    text = (BENCHMARKS / "reference" / "REFERENCE.md").read_text()
    counts = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        # The first table: instance, buffers, LOAD, height, backtracks, ...
        if len(cells) >= 6 and re.fullmatch(r"[A-K]", cells[0]) and cells[4].isdigit():
            counts.setdefault(cells[0], int(cells[4]))
    counts["input.12"] = 0
    return counts
