"""The open-instances section of the benchmark: D and J with their bounds."""

from __future__ import annotations

from reference_data import BENCHMARKS, needs_shared

from minimalloc.analysis.minimize import BOUND_METHODS
from minimalloc.bench import suite as bench

pytestmark = needs_shared


def test_open_section_alone(capsys):
    code = bench.main(["--only", "open", "--open-timeout", "2",
                       "--shared", str(BENCHMARKS.parent)])
    out = capsys.readouterr().out
    assert code == 0
    assert "Open instances" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines()
            if line[:2] in ("D ", "J ")}
    assert set(rows) == {"D", "J"}
    for name, load in (("D", 986112), ("J", 989184)):
        cells = rows[name]
        assert int(cells[1]) == load
        assert load <= int(cells[2]) <= int(cells[4])  # LOAD <= bound <= height
        assert cells[3] in BOUND_METHODS
