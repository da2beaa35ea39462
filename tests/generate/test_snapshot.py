"""The synthetic training snapshot, and the columnar reader checked on it
against Python's own unpickler and an obvious pairing of the entries."""

from __future__ import annotations

import pickle

import pytest

from minimalloc.analysis.minimize import minimize
from minimalloc.bounds import max_load
from minimalloc.formats.torch_snapshot import read_torch_snapshot
from minimalloc.generate.snapshot import snapshot_objects, snapshot_plan
from minimalloc.generate.snapshot_pickle import training_snapshot
from minimalloc.validate import validate

SMALL = dict(allocations=3000, seed=2, layers=4, ops=12)


def _obvious_lifetimes(snapshot: dict) -> list[tuple[int, int, int]]:
    """(start, end, size) of each traced allocation, by walking the
    entries: an alloc opens its address, the free (``free_completed`` when
    the trace has them) closes it; what stays open ends with the trace."""
    trace = snapshot["device_traces"][0]
    completed = any(e["action"] == "free_completed" for e in trace)
    free = "free_completed" if completed else "free_requested"
    open_at: dict[int, tuple[int, int]] = {}
    found = []
    for index, entry in enumerate(trace):
        if entry["action"] == "alloc":
            open_at[entry["addr"]] = (index, entry["size"])
        elif entry["action"] == free and entry["addr"] in open_at:
            start, size = open_at.pop(entry["addr"])
            found.append((start, max(index, start + 1), size))
    found += [(start, len(trace), size) for start, size in open_at.values()]
    return sorted(found)


def test_the_bytes_are_what_pickle_writes_of_the_objects():
    plan = snapshot_plan(**SMALL)
    assert training_snapshot(plan) == pickle.dumps(snapshot_objects(plan), protocol=4)


def test_the_reader_agrees_with_the_obvious_pairing():
    data = training_snapshot(**SMALL)
    snapshot = pickle.loads(data)
    problem = read_torch_snapshot(data)
    traced = sorted((b.lower, b.upper, b.size) for b in problem.buffers
                    if not b.id.endswith("@before"))
    assert traced == _obvious_lifetimes(snapshot)
    labelled = [b.label for b in problem.buffers if not b.id.endswith("@before")]
    assert all(label and ".py:" in label for label in labelled)


def test_the_seed_decides_the_snapshot():
    assert training_snapshot(**SMALL) == training_snapshot(**SMALL)
    assert training_snapshot(**SMALL) != training_snapshot(**{**SMALL, "seed": 3})


@pytest.mark.parametrize("seed", [0, 1])
def test_a_small_snapshot_is_packed_at_its_load(seed):
    problem = read_torch_snapshot(training_snapshot(**{**SMALL, "seed": seed}))
    result = minimize(problem, timeout=30)
    assert validate(problem.with_capacity(None), result.solution).ok
    assert result.height <= 1.01 * max_load(problem)
