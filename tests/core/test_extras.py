"""A missing extra is said in one line that names it and the command to
install it; simulated here by hiding the module (``sys.modules[name] = None``
makes its import fail, as if it were not installed)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from minimalloc.extras import EXTRAS, MissingExtra, missing, require
from minimalloc.formats.onnx import read_onnx

ROOT = Path(__file__).resolve().parents[2]
FIVE = ROOT / "sample_problems" / "five_buffers.csv"


def test_the_message_names_the_extra_and_how_to_install_it():
    assert str(missing("dask", "running a batch")) == (
        "running a batch needs the dask extra: pip install 'minimalloc[dask]'")
    with pytest.raises(ValueError, match="unknown extra 'gpu'"):
        missing("gpu", "nothing")


def test_require_gives_the_module_or_the_error(monkeypatch):
    assert require("json", "onnx", "x").dumps(1) == "1"
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(MissingExtra) as caught:
        require("onnx", "onnx", "reading ONNX")
    assert isinstance(caught.value, ImportError)  # `except ImportError` still works
    assert isinstance(caught.value.__cause__, ImportError)


def test_reading_onnx_without_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(MissingExtra, match=r"^reading ONNX needs the onnx extra: "
                       r"pip install 'minimalloc\[onnx\]'$"):
        read_onnx(b"\x08\x07")


def test_the_extras_are_those_of_pyproject():
    """Each extra the code names is declared; ``all`` brings them all, ``test``
    brings ``all``; the core brings none of their packages."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    extras = project["optional-dependencies"]
    assert set(EXTRAS) <= set(extras)
    (everything,) = extras["all"]
    assert set(everything.removeprefix("minimalloc[").removesuffix("]").split(",")) == \
        set(EXTRAS)
    assert "minimalloc[all]" in extras["test"]
    core = {re.split(r"[<>=!~\[ ;]", d)[0].lower() for d in project["dependencies"]}
    assert core == {"numpy", "numba", "pandas", "tqdm", "absl-py"}


def run_without(hidden: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line in a fresh interpreter where ``hidden`` cannot be imported."""
    code = (f"import sys; sys.modules[{hidden!r}] = None\n"
            "from minimalloc.cli import main\n"
            f"sys.exit(main({list(args)!r}))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, cwd=ROOT)


def test_the_command_line_without_onnx(tmp_path):
    model = tmp_path / "net.onnx"
    model.write_bytes(b"\x08\x07")
    done = run_without("onnx", "import", str(model), f"--output={tmp_path / 'p.csv'}")
    assert done.returncode == 2
    assert done.stderr == ("minimalloc: error: reading ONNX needs the onnx extra: "
                           "pip install 'minimalloc[onnx]'\n")
    assert not (tmp_path / "p.csv").exists()


def test_the_command_line_without_dask(tmp_path):
    done = run_without("distributed", "batch", str(FIVE),
                       f"--output={tmp_path / 'r.csv'}")
    assert done.returncode == 2
    assert done.stderr == ("minimalloc batch: error: running a batch needs the dask "
                           "extra: pip install 'minimalloc[dask]'\n")


def test_a_plain_solve_needs_no_extra(tmp_path):
    """What a core install runs: no onnx, Dask, Streamlit or plotly imported."""
    code = ("import sys\n"
            "for name in ('onnx', 'distributed', 'dask', 'streamlit', 'plotly', 'PIL'):\n"
            "    sys.modules[name] = None\n"
            "from minimalloc.cli import main\n"
            f"sys.exit(main(['--input={FIVE}', '--capacity=12', "
            f"'--output={tmp_path / 'out.csv'}']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.csv").read_text().splitlines()[1:] == [
        "b1,0,3,4,8", "b2,3,9,4,8", "b3,0,9,4,4", "b4,9,21,4,4", "b5,0,21,4,0"]
