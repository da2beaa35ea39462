"""The batch's results file against damaged and hostile content: every case
is one line naming the file and the line, exit 2, nothing computed twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from minimalloc import batch
from minimalloc.batch.results import COLUMNS
from minimalloc.cli import main
from minimalloc.errors import ProblemError

ROOT = Path(__file__).resolve().parents[1]
HEADER = ",".join(COLUMNS) + "\n"
ROW = "{name},solve,,5,12,12,ok,12,true,0,search,8,0,0.01,local,\n"
EXAMPLE = "id,lower,upper,size\nb1,0,3,4\nb2,3,9,4\nb3,0,9,4\nb4,9,21,4\nb5,0,21,4\n"


def one_line(capsys, *fragments: str) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def damaged(tmp_path: Path, line: bytes) -> Path:
    """A results file whose second row is ``line``, between two good rows."""
    output = tmp_path / "results.csv"
    output.write_bytes(HEADER.encode() + ROW.format(name="a.csv").encode() + line
                       + ROW.format(name="c.csv").encode())
    return output


@pytest.mark.parametrize(("line", "words"), [
    (b"b.csv,solve,\xff\xfe,5\n", "not UTF-8"),
    (b'"b.csv,solve,,5,12,12,ok,12,true,0,search,8,0,0.01,local,\n', "malformed CSV"),
    (b"b.csv,solve,,5\n", "expected 16 cells, got 4"),
])
def test_a_damaged_line_is_named_not_skipped_or_swallowed(tmp_path, capsys, line, words):
    output = damaged(tmp_path, line)
    before = output.read_bytes()
    with pytest.raises(ProblemError, match=words) as caught:
        batch.ResultsFile(output)
    assert (caught.value.file, caught.value.line) == (str(output), 3)
    with pytest.raises(ProblemError, match=words):
        batch.read_results(output)
    problem = tmp_path / "b.csv"
    problem.write_text(EXAMPLE)
    code = main(["batch", str(problem), f"--output={output}", "--capacity=12"])
    assert code == 2
    one_line(capsys, f"{output}:3:", words, "fix or remove the line")
    assert output.read_bytes() == before  # nothing appended, nothing computed


def test_read_results_names_a_bad_number(tmp_path):
    output = tmp_path / "results.csv"
    output.write_text(HEADER + ROW.format(name="a.csv").replace(",8,0,", ",eight,0,"))
    with pytest.raises(ProblemError, match="column 'nodes': expected numbers"):
        batch.read_results(output)


def test_a_name_with_a_line_break_is_found_again_on_a_rerun(tmp_path):
    problem = tmp_path / "odd\nname.12.csv"
    problem.write_text(EXAMPLE)
    output = tmp_path / "results.csv"
    (task,) = batch.make_tasks([problem], "solve", timeout=10)
    row, _ = batch.run_task(task)
    with batch.ResultsFile(output) as results:
        results.append(row)
    with batch.ResultsFile(output) as results:
        assert task.row_key in results.done()
    # Everything is done already: the rerun starts no cluster and adds no row.
    table = batch.run([problem], "solve", timeout=10, output=output)
    assert len(output.read_text().splitlines()) == 2
    assert list(table["input"]) == [str(problem).replace("\n", " ")]
    assert table.loc[0, "status"] == "ok"


def test_two_inputs_that_would_share_a_row_are_refused(tmp_path):
    with pytest.raises(ProblemError, match="differ only in line breaks"):
        batch.make_tasks([tmp_path / "a\nb.csv", tmp_path / "a b.csv"], "solve")


def test_a_fifo_as_output_is_refused_at_once(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    problem = tmp_path / "p.12.csv"
    problem.write_text(EXAMPLE)
    box: dict[str, int] = {}
    runner = threading.Thread(target=lambda: box.update(code=main(
        ["batch", str(problem), f"--output={fifo}"])), daemon=True)
    runner.start()
    runner.join(60)
    if runner.is_alive():  # unblock the hung reader before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("the batch hangs on a FIFO")
    assert box["code"] == 2
    one_line(capsys, str(fifo), "not a regular file")


def test_dev_null_as_output_names_the_file(tmp_path, capsys):
    problem = tmp_path / "p.12.csv"
    problem.write_text(EXAMPLE)
    assert main(["batch", str(problem), "--output=/dev/null"]) == 2
    one_line(capsys, "/dev/null", "not a regular file")


def test_ctrl_c_while_the_workers_start_prints_one_line(tmp_path):
    """Ctrl-C reaches every process of the terminal's group: the workers
    starting up must not print their tracebacks."""
    problem = tmp_path / "p.64.csv"
    from minimalloc.formats.csv import write_csv
    from minimalloc.generate.problems import perfect_packing

    write_csv(perfect_packing(150, seed=1, width=64, height=64), problem)
    output = tmp_path / "results.csv"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "minimalloc", "batch", str(problem), f"--output={output}",
         "--timeout=60s", "--workers=1"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not output.exists() or output.stat().st_size == 0:  # the cluster starts
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        chunks: list[str] = []
        reader = threading.Thread(target=lambda: chunks.extend(process.stderr), daemon=True)
        reader.start()
        # As a terminal does: the whole group, once during start-up, then again
        # until it says it stopped (Ctrl-C is seen once the workers are up).
        while not any("interrupted" in chunk for chunk in chunks):
            assert time.monotonic() < deadline and process.poll() is None, chunks
            os.killpg(process.pid, signal.SIGINT)
            time.sleep(1.0)
        process.wait(timeout=60)
        reader.join(10)
        stderr = "".join(chunks)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "Exception" not in stderr, stderr
    assert stderr.strip().splitlines() == [
        f"minimalloc batch: interrupted; the finished rows are in {output}: rerun the "
        "same command to do the rest"]
