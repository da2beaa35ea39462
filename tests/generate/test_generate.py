"""Generators: deterministic per seed, well-formed, and feasible where promised."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minimalloc.baselines.allocators import allocate, available_allocators
from minimalloc.bounds import lower_bound, max_load
from minimalloc.cli import main
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import read_csv
from minimalloc.generate.problems import (
    GENERATORS,
    MODEL_KINDS,
    dense_training,
    generate,
    model_trace,
    perfect_packing,
    perfect_packing_with_solution,
    random_problem,
)
from minimalloc.model import Problem
from minimalloc.validate import validate

CALLS = {
    "random": dict(n=60, gap_probability=0.3, window_probability=0.5,
                   fixed_probability=0.2, alignment=(1, 4)),
    "perfect": dict(n=30, width=20, height=40),
    "model": dict(layers=6, kind="transformer"),
    "dense": dict(n=800),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_same_seed_same_problem_other_seed_other_problem(name):
    params = CALLS[name]
    first = generate(name, seed=5, **params)
    assert first == generate(name, seed=5, **params)
    assert first != generate(name, seed=6, **params)


def test_registry_errors():
    known = "unknown generator 'nope'.*random, perfect, model, dense"
    with pytest.raises(ProblemError, match=known):
        generate("nope", n=3, seed=0)
    with pytest.raises(ProblemError, match="generator 'random'"):
        generate("random", n=3, seed=0, colour="red")
    with pytest.raises(ProblemError, match="generator 'perfect'"):
        generate("perfect", n=3, seed=0)  # width and height missing


@pytest.mark.parametrize("bad", [
    dict(n=-1, seed=0), dict(n=3, seed=-1), dict(n=3, seed=0, size_distribution="zipf"),
    dict(n=3, seed=0, lifetime_distribution="x"), dict(n=3, seed=0, gap_probability=2),
    dict(n=3, seed=0, alignment=0), dict(n=3, seed=0, alignment=()),
    dict(n=3, seed=0, mean_lifetime=0.5), dict(n=3.5, seed=0), dict(n=3, seed=0, horizon=0),
])
def test_random_problem_rejects_bad_arguments(bad):
    with pytest.raises(ProblemError):
        random_problem(**bad)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 80),
       st.sampled_from(["lognormal", "uniform", "pow2"]),
       st.sampled_from(["exponential", "uniform"]))
def test_random_problem_shape(seed, n, sizes, lifetimes):
    p = random_problem(n, seed=seed, size_distribution=sizes,
                       lifetime_distribution=lifetimes, horizon=50, capacity=77)
    assert len(p) == n and p.capacity == 77
    for b in p.buffers:
        assert 0 <= b.lower < b.upper <= 50 and b.size >= 1
        assert b.alignment == 1 and not b.gaps and b.offset is None
        if sizes == "pow2":
            assert b.size & (b.size - 1) == 0


def test_random_problem_options():
    p = random_problem(300, seed=1, alignment=(2, 8), gap_probability=1.0,
                       window_probability=0.5, fixed_probability=0.3)
    assert {b.alignment for b in p.buffers} == {2, 8}
    gapped = [b for b in p.buffers if b.gaps]
    assert gapped and all(b.width >= 3 for b in gapped)
    assert len(gapped) == sum(b.width >= 3 for b in p.buffers)
    for b in gapped:
        (gap,) = b.gaps
        assert b.lower < gap.lower < gap.upper < b.upper  # strictly inside
    windows = [b for b in gapped if b.gaps[0].window is not None]
    assert 0 < len(windows) < len(gapped)
    fixed = [b for b in p.buffers if b.offset is not None]
    assert 0 < len(fixed) < len(p)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.05, 1.0))
def test_fixed_offsets_stay_feasible(seed, fixed):
    p = random_problem(50, seed=seed, alignment=(1, 4, 16), gap_probability=0.3,
                       window_probability=0.3, fixed_probability=fixed)
    # The offsets came from greedy_by_size, which respects them when rerun.
    solution = allocate(p, "greedy_by_size")
    assert validate(p, solution).ok
    assert validate(p.with_capacity(solution.height), solution).ok


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(1, 12),
       st.integers(1, 144))
def test_perfect_packing_is_tight(seed, width, height, n):
    if n > width * height:
        with pytest.raises(ProblemError, match="cannot cut"):
            perfect_packing(n, seed=seed, width=width, height=height)
        return
    problem, solution = perfect_packing_with_solution(n, seed=seed, width=width,
                                                      height=height)
    assert problem == perfect_packing(n, seed=seed, width=width, height=height)
    assert len(problem) == n and problem.capacity == height
    assert all(b.size >= 1 and 0 <= b.lower < b.upper <= width for b in problem.buffers)
    assert max_load(problem) == lower_bound(problem) == height
    assert solution.height == height
    assert validate(problem, solution).ok
    # Every moment of [0, width) is covered to the full height.
    assert sum(b.size * b.width for b in problem.buffers) == width * height


def test_perfect_packing_large_and_baselines():
    problem, solution = perfect_packing_with_solution(2000, seed=3, width=500, height=800)
    assert validate(problem, solution).ok
    for name in available_allocators():
        assert allocate(problem, name).height >= 800


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_model_traces(kind):
    p = model_trace(10, seed=2, kind=kind)
    assert len(p) >= 10
    ids = [b.id for b in p.buffers]
    assert len(set(ids)) == len(ids)
    for b in p.buffers:
        assert b.size % 512 == 0 and b.size >= 512
        if b.id.endswith(".ws"):
            assert b.width == 1  # a workspace lives during its own step
    # Each step runs one operator: exactly one non-workspace tensor starts per step.
    starts = sorted(b.lower for b in p.buffers if not b.id.endswith(".ws"))
    assert starts == list(range(len(starts)))
    assert max_load(p) > max(b.size for b in p.buffers) or len(p) < 3


def test_model_trace_lifetimes():
    chain = model_trace(4, seed=0, kind="chain", workspace_probability=0)
    assert [(b.id, b.lower, b.upper) for b in chain.buffers] == [
        ("input", 0, 2), ("L0.conv", 1, 3), ("L1.conv", 2, 4), ("L2.conv", 3, 5),
        ("L3.conv", 4, 6), ("output", 5, 6)]
    unet = {b.id: b for b in model_trace(7, seed=0, kind="unet").buffers}
    # enc0 is read by enc1 and, much later, by dec0.
    assert unet["enc0"].upper == unet["dec0"].lower + 1
    assert unet["enc2"].upper == unet["dec2"].lower + 1
    blocks = {b.id: b for b in model_trace(2, seed=0, kind="transformer").buffers}
    assert blocks["blk0.q"].upper == blocks["blk0.scores"].lower + 1
    assert blocks["blk0.v"].upper == blocks["blk0.attn"].lower + 1
    assert blocks["blk0.add1"].upper == blocks["blk0.add2"].lower + 1
    assert blocks["embed"].upper == blocks["blk0.add1"].lower + 1


def test_model_trace_options():
    p = model_trace(30, seed=4, kind="residual", alignment=256, gap_probability=0.5,
                    fixed_probability=0.2, capacity=10**8)
    assert {b.alignment for b in p.buffers} == {256}
    assert any(b.gaps for b in p.buffers) and any(b.offset is not None for b in p.buffers)
    assert validate(p, allocate(p, "greedy_by_size")).ok
    with pytest.raises(ProblemError, match="unknown kind"):
        model_trace(3, seed=0, kind="lstm")


# ----------------------------------------------------------------------------
# Command line


def _run(capsys, *argv):
    code = main(["generate", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_writes_csv_to_stdout(capsys):
    code, out, err = _run(capsys, "random", "--n", "7", "--seed", "3")
    assert code == 0
    assert read_csv(io.StringIO(out)) == random_problem(7, seed=3).with_capacity(None)
    assert "7 buffers" in err


def test_cli_writes_csv_to_a_file(capsys, tmp_path):
    target = tmp_path / "p.csv"
    code, out, err = _run(capsys, "perfect", "--n", "9", "--width", "6", "--height", "10",
                          "--seed", "2", "--output", str(target))
    assert code == 0 and out == ""
    assert "capacity 10" in err
    assert read_csv(target, capacity=10) == perfect_packing(9, seed=2, width=6, height=10)


def test_cli_model_with_options(capsys):
    code, out, _ = _run(capsys, "model", "--layers", "5", "--kind", "unet",
                        "--alignment", "64,128", "--fixed-probability", "0.5")
    assert code == 0
    expected = model_trace(5, seed=0, kind="unet", alignment=(64, 128),
                           fixed_probability=0.5)
    assert read_csv(io.StringIO(out)) == expected


@pytest.mark.parametrize("argv", [
    [], ["bogus"], ["random", "--n", "x"], ["random", "--alignment", "0"],
    ["random", "--gap-probability", "3"], ["perfect", "--n", "99", "--width", "2",
                                           "--height", "2"],
    ["model", "--kind", "lstm"], ["random", "--width", "3"],
])
def test_cli_bad_arguments_exit_2_with_one_line(capsys, argv):
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "error" in err and "Traceback" not in err


def test_cli_help(capsys):
    code, out, _ = _run(capsys, "--help")
    assert code == 0 and "KIND" in out


def test_generated_problems_are_problems():
    for name, params in CALLS.items():
        assert isinstance(generate(name, seed=0, **params), Problem)


def _alive_at_once(problem: Problem) -> int:
    events = sorted([(b.lower, 1) for b in problem.buffers]
                    + [(b.upper, -1) for b in problem.buffers])
    alive = best = 0
    for _, change in events:
        alive += change
        best = max(best, alive)
    return best


def test_dense_training_is_dense_odd_sized_and_has_giants():
    p = dense_training(6000, seed=3)
    assert 5500 <= len(p) <= 6500
    sizes = [b.size for b in p.buffers]
    # 2**k + 1 for every size, from 2 bytes to at least 64 MiB.
    assert all(s >= 2 and (s - 1) & (s - 2) == 0 for s in sizes)
    assert min(sizes) == 2 and max(sizes) >= 2**26 + 1
    assert _alive_at_once(p) >= 400  # hundreds alive at once at this size
    giants = [b for b in p.buffers if b.id.startswith("giant")]
    assert giants and all(b.size > 2**26 for b in giants)
    # Long-lived: each through at least a third of the step.
    horizon = max(b.upper for b in p.buffers)
    assert all(3 * b.width >= horizon - 3 for b in giants)
    share = sum(b.size for b in giants) / max_load(p)
    assert 0.05 <= share <= 0.6
    assert validate(p, allocate(p, "best_fit")).ok


def test_dense_training_options_and_errors():
    plain = dense_training(2000, seed=1, giant_share=0.0, micro_batches=1)
    assert not any(b.id.startswith("giant") for b in plain.buffers)
    assert not any(b.id.startswith("mb1.") for b in plain.buffers)
    assert any(b.id.startswith("mb1.") for b in dense_training(2000, seed=1).buffers)
    for bad in (dict(giant_share=0.95), dict(micro_batches=0), dict(saved_per_layer=-1),
                dict(n=0)):
        with pytest.raises(ProblemError):
            dense_training(seed=0, **bad)


def test_dense_kind_on_the_command_line(capsys, tmp_path):
    out = tmp_path / "dense.csv"
    assert main(["generate", "dense", "--n=500", "--seed=2", f"--output={out}"]) == 0
    assert read_csv(out) == dense_training(500, seed=2)
