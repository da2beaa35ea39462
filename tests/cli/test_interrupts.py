"""Ctrl-C (SIGINT) while the command line starts: one line, exit 130, nothing
written."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="reads from a FIFO")


def _interrupted(process: subprocess.Popen) -> tuple[int, str]:
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    return process.returncode, err.decode()


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "minimalloc", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_ctrl_c_while_reading_the_input_is_one_line_and_130(tmp_path):
    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)
    process = _start("--minimize", f"--input={fifo}", f"--output={tmp_path / 'out.csv'}")
    writer = None
    while writer is None:  # opening the writing end succeeds once it reads
        try:
            writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            assert error.errno == errno.ENXIO
            assert process.poll() is None
            time.sleep(0.01)
    try:
        os.write(writer, b"id,lower,upper,size\n")  # then nothing more: it waits
        code, err = _interrupted(process)
    finally:
        os.close(writer)
    assert code == 130
    assert err.strip().splitlines() == ["minimalloc: error: interrupted"]
    assert not (tmp_path / "out.csv").exists()
