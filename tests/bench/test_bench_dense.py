"""The dense section of the benchmark: the minimiser on dense training steps."""

from __future__ import annotations

from minimalloc.bench import suite as bench


def test_dense_section_alone(capsys):
    code = bench.main(["--only", "dense", "--dense-seeds", "0,1", "--dense-buffers",
                       "1500", "--minimize-timeout", "5"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Dense training steps" in out
    rows = [line.split() for line in out.splitlines()
            if line[:2] in ("0 ", "1 ") and "within" not in line]
    assert [row[0] for row in rows] == ["0", "1"]
    for cells in rows:
        baseline, height, bound = (float(x) for x in cells[2:5])
        assert bound <= height <= baseline  # never above the best baseline
        assert bound >= 1.0  # a lower bound is at least the LOAD
        # Valid: the last cells (the gap, "0.54 %" or "optimal", takes one or two).
        assert cells[-1].startswith("yes") or cells[-2].startswith("yes")
        assert "optimal" not in cells or height == bound
    assert "of 2 within 1% of the proven bound" in out


def test_dense_section_rejects_bad_seeds(capsys):
    assert bench.main(["--only", "dense", "--dense-seeds", "x"]) == 2
    assert "--dense-seeds" in capsys.readouterr().err
