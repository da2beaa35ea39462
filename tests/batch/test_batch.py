"""The batch runner: a real Dask scheduler and workers on localhost (separate
processes), a worker killed mid-batch, resuming, the local default, bad inputs.

Slow tasks are a perfect packing the search cannot finish in its time limit,
so each takes the limit (SLOW seconds) and a worker can be caught mid-task.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from minimalloc import batch
from minimalloc.bounds import lower_bound
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import read_csv, write_csv
from minimalloc.generate.problems import perfect_packing, random_problem
from minimalloc.jit import warmup
from minimalloc.model import Solution
from minimalloc.validate import validate

ROOT = Path(__file__).resolve().parents[2]
SLOW = 1.5  # seconds: the time limit of the slow tasks
EXAMPLE = "id,lower,upper,size\nb1,0,3,4\nb2,3,9,4\nb3,0,9,4\nb4,9,21,4\nb5,0,21,4\n"
STARTUP = 180  # seconds a worker may take to start and load the kernels


@pytest.fixture(scope="session", autouse=True)
def warm_cache() -> None:
    """Workers load the kernels from this worktree's numba cache: fill it first."""
    warmup(trace=False)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _start(args: list[str], log: Path) -> subprocess.Popen:
    handle = open(log, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=ROOT, env=_env(),
                            stdout=handle, stderr=subprocess.STDOUT)


def _start_worker(scheduler_file: Path, name: str, folder: Path) -> subprocess.Popen:
    # No nanny: killing the process loses the worker for good, as a crashed machine.
    return _start(["worker", "--scheduler-file", str(scheduler_file), "--name", name,
                   "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny",
                   "--no-dashboard", "--memory-limit", "2GiB", "--death-timeout", "60"],
                  folder / f"{name}.log")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and two workers, each its own process, on 127.0.0.1."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("cluster")
    scheduler_file = folder / "scheduler.json"
    processes = [_start(["scheduler", "--host", "127.0.0.1", "--port", "0",
                         "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                        folder / "scheduler.log")]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert time.monotonic() < deadline, (folder / "scheduler.log").read_text()
            time.sleep(0.2)
        processes += [_start_worker(scheduler_file, f"w{i}", folder) for i in (1, 2)]
        address = json.loads(scheduler_file.read_text())["address"]
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=STARTUP)
        yield {"address": address, "scheduler_file": scheduler_file, "folder": folder}
    finally:
        for process in reversed(processes):
            _stop(process)


def _small_files(folder: Path, count: int) -> list[Path]:
    """Quick problems, the capacity in the file name as the benchmarks have it."""
    paths = []
    for seed in range(count):
        problem = random_problem(12, seed=seed)
        capacity = 2 * max(b.size for b in problem.buffers) * 12
        path = folder / f"small{seed}.{capacity}.csv"
        write_csv(problem, path)
        paths.append(path)
    return paths


def _slow_files(folder: Path, count: int) -> list[Path]:
    # 150 buffers: the search does not end within 5 s (100 now solve in
    # about 1.5 s, the slow tasks' time limit).
    problem = perfect_packing(150, seed=1, width=64, height=64)
    paths = []
    for index in range(count):
        path = folder / f"slow{index}.64.csv"
        write_csv(problem, path)
        paths.append(path)
    return paths


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _keys(path: Path) -> list[tuple[str, str, str]]:
    table = batch.read_results(path)
    return list(zip(table["input"], table["mode"], table["variant"]))


# ----------------------------------------------------------------------------
# On a scheduler with two workers


def test_batch_on_a_scheduler_solves_each_problem_and_reports_bad_inputs(
        cluster, tmp_path):
    from distributed import Client

    small = _small_files(tmp_path, 4)
    broken = tmp_path / "broken.csv"
    broken.write_text("id,lower,upper,size\na,0,3,4\nb,0,3,minus\n")
    missing = tmp_path / "missing.csv"
    wrong = tmp_path / "notes.txt"
    wrong.write_text("hello\n")
    output = tmp_path / "results.csv"
    solutions = tmp_path / "solutions"
    inputs = [str(tmp_path / "small*.csv"), broken, missing, wrong]
    with Client(cluster["address"], timeout="60s") as client:
        table = batch.run(inputs, "solve", client, output=output, solutions=solutions,
                          timeout=30)
        workers = set(client.scheduler_info()["workers"])
        warmed = client.run(lambda dask_worker: batch.WarmupPlugin.name in
                            dask_worker.plugins)
    assert set(warmed) == workers and all(warmed.values())  # kernels loaded at setup
    assert list(table.columns) == list(batch.COLUMNS)
    assert len(table) == 7  # the file has the same rows, in the order they finished
    assert sorted(_keys(output)) == sorted(zip(table["input"], table["mode"],
                                               table["variant"]))
    rows = table.set_index("input")
    for path in small:
        row = rows.loc[str(path)]
        problem = read_csv(path, int(path.name.split(".")[1]))
        assert row["status"] == "ok" and row["buffers"] == 12
        assert row["capacity"] == problem.capacity and row["worker"] in workers
        solved = read_csv(solutions / f"{path.stem}.out.csv", problem.capacity)
        offsets = tuple(b.offset for b in solved.buffers)
        assert validate(problem, Solution.from_offsets(problem, offsets)).ok
        assert max(o + b.size for o, b in zip(offsets, problem.buffers)) == row["height"]
        assert row["gap"] == row["height"] - lower_bound(problem)
    errors = {name: rows.loc[str(path)] for name, path in
              (("broken", broken), ("missing", missing), ("wrong", wrong))}
    assert {row["status"] for row in errors.values()} == {"error"}
    assert f"{broken}:3" in errors["broken"]["message"]
    assert "size" in errors["broken"]["message"]
    assert "No such file" in errors["missing"]["message"]
    assert ".csv" in errors["wrong"]["message"]
    assert not (solutions / "broken.out.csv").exists()


def test_a_worker_killed_mid_task_has_its_task_rerun_and_each_row_written_once(
        cluster, tmp_path):
    from distributed import Client

    victim = _start_worker(cluster["scheduler_file"], "victim", tmp_path)
    try:
        with Client(cluster["address"], timeout="60s") as client:
            client.wait_for_workers(3, timeout=STARTUP)
            address = next(a for a, w in client.scheduler_info()["workers"].items()
                           if w["name"] == "victim")
            tasks = batch.make_tasks(_slow_files(tmp_path, 6), "solve", timeout=SLOW)
            output = tmp_path / "results.csv"
            box: dict[str, object] = {}
            runner = threading.Thread(target=lambda: box.update(table=batch.run(
                [t.source for t in tasks], "solve", client, timeout=SLOW,
                output=output)))
            runner.start()
            executing: list[str] = []
            deadline = time.monotonic() + 120
            while not executing:  # a task has been running on the victim a moment
                assert time.monotonic() < deadline and runner.is_alive()
                time.sleep(0.3)
                executing = client.run(
                    lambda dask_worker: [t.key for t in dask_worker.state.executing],
                    workers=[address]).get(address, [])
            victim.kill()  # SIGKILL: no goodbye to the scheduler
            victim.wait()
            runner.join(120)
            assert not runner.is_alive()
        table = box["table"]
    finally:
        _stop(victim)
    keys = _keys(output)
    assert len(keys) == len(set(keys)) == 6
    assert set(table["status"]) == {"timeout"}
    # The keys name the run and a digest of the task; find the tasks by digest.
    digests = {task.dask_key("x").rsplit("-", 1)[1]: task for task in tasks}
    caught = [digests[key.rsplit("-", 1)[1]].input for key in executing]
    rerun = table.set_index("input").loc[caught]
    assert address not in set(rerun["worker"])


def test_an_interrupted_run_resumes_without_redoing_or_repeating_rows(cluster, tmp_path):
    inputs = _slow_files(tmp_path, 6)
    output = tmp_path / "results.csv"
    command = [sys.executable, "-m", "minimalloc", "batch", *map(str, inputs),
               f"--output={output}", f"--timeout={SLOW}s",
               f"--scheduler={cluster['address']}"]
    first = subprocess.Popen(command, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not output.exists() or len(_lines(output)) < 2:  # the header and a row
        assert time.monotonic() < deadline and first.poll() is None, first.stderr.read()
        time.sleep(0.1)
    first.send_signal(signal.SIGINT)
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == 130, stderr
    assert "rerun" in stderr
    before = _lines(output)
    assert 2 <= len(before) < 7
    with open(output, "a", encoding="utf-8") as handle:  # a crash cut a row short
        handle.write(f"{inputs[-1]},solve,,100,64")
    second = subprocess.run(command, cwd=tmp_path, env=_env(), capture_output=True,
                            text=True, timeout=180)
    assert second.returncode == 0, second.stderr
    after = _lines(output)
    assert after[:len(before)] == before  # finished rows kept as they were
    keys = _keys(output)
    assert len(keys) == len(set(keys)) == 6
    assert {key[0] for key in keys} == {str(p) for p in inputs}
    assert "6 rows" in second.stdout


# ----------------------------------------------------------------------------
# The local default, and the pieces


def test_without_a_scheduler_a_local_cluster_runs_the_batch(tmp_path):
    problems = {"example": read_csv(io.StringIO(EXAMPLE), 12)}
    problems.update({f"random {seed}": random_problem(15, seed=seed, capacity=10**6)
                     for seed in range(3)})
    table = batch.run(problems, "minimize", workers=2, timeout=20)
    assert list(table["input"]) == list(problems)
    assert set(table["status"]) == {"ok"}
    example = table.iloc[0]
    assert (example["height"], example["LOAD"], example["proven"]) == (12, 12, True)
    assert table["worker"].str.startswith("tcp://127.0.0.1:").all()


def test_run_task_reports_every_mode_in_process(tmp_path):
    path = tmp_path / "five.12.csv"
    path.write_text(EXAMPLE)
    rows = {}
    for mode in ("solve", "minimize", "allocate"):
        (task,) = batch.make_tasks([path], mode, timeout=10)
        rows[mode], text = batch.run_task(task)
        assert text is not None and text.splitlines()[0].endswith(",offset")
    assert rows["solve"]["status"] == "ok" and rows["solve"]["height"] == 12
    assert rows["solve"]["capacity"] == 12 and rows["solve"]["proven"] is True
    assert rows["minimize"]["height"] == 12 and rows["minimize"]["gap"] == 0
    assert rows["allocate"]["method"] in ("greedy_by_size", "best_fit",
                                          "best_fit_duration", "first_fit")
    tasks = batch.make_tasks([path], "ablation", timeout=10)
    assert [t.variant for t in tasks][:2] == ["all on", "canonical_only"]
    assert len(tasks) == 10 and len({t.solution_name for t in tasks}) == 10
    row, _ = batch.run_task(tasks[0])
    assert (row["status"], row["nodes"], row["backtracks"]) == ("ok", 8, 0)
    (task,) = batch.make_tasks([tmp_path / "five.12.csv"], "solve", capacity=11)
    row, text = batch.run_task(task)
    assert (row["status"], row["proven"], text) == ("infeasible", True, None)


def test_the_results_file_drops_a_cut_row_and_rejects_a_foreign_table(tmp_path):
    output = tmp_path / "results.csv"
    with batch.ResultsFile(output) as results:
        results.append({"input": "a, b", "mode": "solve", "variant": "", "status": "ok",
                        "height": 5, "proven": True, "message": "two\nlines"})
        with pytest.raises(ProblemError, match="another batch"):
            batch.ResultsFile(output)
    with open(output, "ab") as handle:
        handle.write(b"c,solve,,3,4,5,o")
    with batch.ResultsFile(output) as results:
        assert results.done() == {("a, b", "solve", "")}
    assert output.read_bytes().endswith(b"two lines\n")
    table = batch.read_results(output)
    assert table.loc[0, "height"] == 5 and bool(table.loc[0, "proven"])
    assert table["nodes"].isna().all()
    other = tmp_path / "other.csv"
    other.write_text("x,y\n1,2\n")
    with pytest.raises(ProblemError, match="not a results file"):
        batch.ResultsFile(other)


def test_inputs_expand_folders_and_globs_in_order(tmp_path):
    for name in ("b.csv", "a.csv", "c.txt"):
        (tmp_path / name).write_text("id,lower,upper,size\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.csv").write_text("id,lower,upper,size\n")
    found = batch.expand_inputs([tmp_path, str(tmp_path / "**" / "a.csv"),
                                 tmp_path / "none*.csv"])
    assert found == [str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
                     str(tmp_path / "sub" / "a.csv"), str(tmp_path / "none*.csv")]
    names = batch.make_tasks(found[:3] + [tmp_path / "sub" / "a.csv"], "solve")
    assert len({t.solution_name for t in names}) == 3


def test_bad_usage_exits_2(tmp_path, capsys):
    from minimalloc.cli import main

    assert main(["batch", "x.csv"]) == 2
    assert "--output=FILE is required" in capsys.readouterr().err
    assert main(["batch", "x.csv", f"--output={tmp_path}/no/such/r.csv"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_model_in_a_folder_is_an_input_like_a_csv(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["h"]),
                               helper.make_node("Neg", ["h"], ["y"])], "g", [x], [y])
    onnx.save(helper.make_model(graph), tmp_path / "tiny.onnx")
    (task,) = batch.make_tasks(batch.expand_inputs([tmp_path]), "minimize", timeout=10)
    row, text = batch.run_task(task)
    # x, h and y: 16 bytes each, two of them alive at every step.
    assert (row["status"], row["buffers"]) == ("ok", 3)
    assert (row["height"], row["proven"]) == (32, True)
    assert text is not None and "offset" in text.splitlines()[0]
