"""The sample problems: present, as documented, and rebuilt byte for byte."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
from oracle import brute_force_feasible, brute_force_min_height

from minimalloc.baselines.allocators import allocate, available_allocators
from minimalloc.bounds import lower_bound, max_load
from minimalloc.errors import ProblemError
from minimalloc.generate.problems import perfect_packing_with_solution
from minimalloc.generate.samples import (
    SAMPLES,
    SAMPLES_DIR,
    list_samples,
    load_sample,
    regenerate,
    sample_info,
)
from minimalloc.model import Buffer, Problem
from minimalloc.validate import validate

NAMES = [sample.name for sample in SAMPLES]


def test_catalogue_and_index_agree():
    assert list_samples() == NAMES
    for sample in SAMPLES:
        info = sample_info(sample.name)
        assert info["file"] == sample.file
        assert (SAMPLES_DIR / sample.file).is_file()
        problem = load_sample(sample.name)
        assert len(problem) == int(info["buffers"])
        assert problem.capacity == int(info["capacity"])
        assert lower_bound(problem) == int(info["lower_bound"])


def test_readme_table_matches_the_index():
    readme = (SAMPLES_DIR / "README.md").read_text(encoding="utf-8")
    with open(SAMPLES_DIR / "index.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        line = next(line for line in readme.splitlines() if f"`{row['file']}`" in line)
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[1:4] == [row["buffers"], row["capacity"], row["lower_bound"]]
        assert cells[4] == row["teaches"]


def test_unknown_sample():
    with pytest.raises(ProblemError, match="unknown sample 'nope'.*five_buffers"):
        load_sample("nope")


def test_missing_folder(tmp_path):
    with pytest.raises(ProblemError, match="regenerate_samples"):
        list_samples(tmp_path)


def test_regenerate_is_byte_identical(tmp_path):
    written = regenerate(tmp_path)
    names = sorted(path.name for path in written)
    assert names == sorted([s.file for s in SAMPLES] + ["index.csv", "README.md"])
    for name in names:
        assert (tmp_path / name).read_bytes() == (SAMPLES_DIR / name).read_bytes(), name
    # Nothing else lives in sample_problems/ that regeneration would not make.
    assert sorted(p.name for p in SAMPLES_DIR.iterdir() if p.is_file()) == names
    assert list_samples(tmp_path) == NAMES


def test_regenerate_from_the_command_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "minimalloc", "generate", "--regenerate-samples",
         str(tmp_path)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "five_buffers.csv").read_bytes() == (
        SAMPLES_DIR / "five_buffers.csv").read_bytes()


def test_five_buffers():
    problem = load_sample("five_buffers")
    assert [(b.id, b.lower, b.upper, b.size) for b in problem.buffers] == [
        ("b1", 0, 3, 4), ("b2", 3, 9, 4), ("b3", 0, 9, 4), ("b4", 9, 21, 4),
        ("b5", 0, 21, 4)]
    assert problem.capacity == 12 == max_load(problem) == brute_force_min_height(problem)


def test_load_not_enough_needs_more_than_load():
    problem = load_sample("load_not_enough")
    assert max_load(problem) == problem.capacity == 5
    assert not brute_force_feasible(problem, 5)
    assert brute_force_min_height(problem) == 6


def test_perfect_packing_sample_has_a_known_optimum():
    problem = load_sample("perfect_packing")
    built, solution = perfect_packing_with_solution(40, seed=1, width=48, height=96)
    assert problem == built
    assert max_load(problem) == problem.capacity
    assert validate(problem, solution).ok


@pytest.mark.parametrize("name", [n for n in NAMES if n not in ("load_not_enough",)])
def test_samples_are_feasible_at_their_capacity(name):
    problem = load_sample(name)
    assert lower_bound(problem) <= problem.capacity
    if name == "perfect_packing":
        return  # feasible by construction (previous test)
    best = min((allocate(problem, a) for a in available_allocators()),
               key=lambda s: s.height)
    assert best.height <= problem.capacity
    assert validate(problem, best).ok


def test_samples_show_what_they_teach():
    gaps = load_sample("gaps")
    assert any(b.gaps for b in gaps.buffers)
    assert any(g.window is not None for b in gaps.buffers for g in b.gaps)
    no_gaps = Problem(tuple(Buffer(b.id, b.lower, b.upper, b.size) for b in gaps.buffers))
    assert gaps.capacity < max_load(no_gaps)
    alignment = load_sample("alignment")
    assert lower_bound(alignment) > max_load(alignment)
    fixed = load_sample("fixed_offsets")
    assert any(b.offset is not None for b in fixed.buffers)
    assert len(load_sample("large")) >= 5000
    assert 100 <= len(load_sample("transformer")) <= 1000
