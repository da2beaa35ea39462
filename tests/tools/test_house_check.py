"""tools/house_check.py: the house figures, measured on small made-up trees."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "house_check.py"

PYPROJECT = """[project]
name = "x"
dependencies = ["numpy>=1", {heavy}]
"""


def run(root: Path) -> tuple[int, str]:
    done = subprocess.run([sys.executable, str(SCRIPT), str(root)],
                          capture_output=True, text=True, check=False)
    return done.returncode, done.stdout


def make_tree(root: Path, files: dict[str, str], heavy: str = '"tqdm"') -> Path:
    (root / "pyproject.toml").write_text(PYPROJECT.format(heavy=heavy))
    for name in ("minimalloc/__init__.py", "app/__init__.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def line_of(output: str, title: str) -> str:
    return next(line for line in output.splitlines() if title in line)


def test_a_clean_tree_passes(tmp_path):
    make_tree(tmp_path, {
        "minimalloc/model.py": "X = 1\n",
        "minimalloc/search/__init__.py": "from minimalloc.search.solver import solve\n",
        "minimalloc/search/solver.py": (
            "from minimalloc.model import X\n\n"
            "def solve():\n"
            "    # imported here: the optimiser's start-up time\n"
            "    from minimalloc import model\n"
            "    return model.X + X\n"),
    })
    code, out = run(tmp_path)
    assert code == 0, out
    assert line_of(out, "circles").startswith("ok")
    assert "imports inside functions: 1 (target 10)" in out


def test_a_circle_through_a_function_import_fails(tmp_path):
    make_tree(tmp_path, {
        "minimalloc/model.py": ("def to_frame():\n"
                                "    from minimalloc.formats.csv import write\n"
                                "    return write\n"),
        "minimalloc/formats/__init__.py": "",
        "minimalloc/formats/csv.py": "from minimalloc.model import to_frame\nwrite = 1\n",
    })
    code, out = run(tmp_path)
    assert code == 1
    assert line_of(out, "circles").startswith("OVER")
    assert "minimalloc.formats.csv -> minimalloc.model" in out
    assert line_of(out, "without a comment").startswith("OVER")
    assert "minimalloc/model.py:2" in out


def test_a_package_importing_its_submodules_is_no_circle(tmp_path):
    make_tree(tmp_path, {
        "minimalloc/trace/__init__.py": "from minimalloc.trace.tree import T\n",
        "minimalloc/trace/tree.py": "import minimalloc.trace\nT = 1\n",
    })
    code, out = run(tmp_path)
    assert code == 0, out


def test_private_names_across_modules_fail_either_way(tmp_path):
    make_tree(tmp_path, {
        "minimalloc/a.py": "_secret = 1\n",
        "minimalloc/b.py": "from minimalloc.a import _secret\n",
        "minimalloc/c.py": "from minimalloc import a\n\nY = a._secret\n",
        "minimalloc/d.py": "from minimalloc.a import __doc__\n",  # dunders are not private
    })
    code, out = run(tmp_path)
    assert code == 1
    assert "private names used across modules: 2 (target 0)" in out
    assert "minimalloc/b.py:1 minimalloc.a._secret" in out
    assert "minimalloc/c.py:3 minimalloc.a._secret" in out


def test_big_files_long_functions_and_heavy_dependencies_fail(tmp_path):
    body = "".join(f"    x{i} = {i}\n" for i in range(125))
    kernel = "@njit(cache=True)\ndef run():\n" + body
    make_tree(tmp_path, {
        "minimalloc/long.py": "def long():\n" + body,
        "minimalloc/search/__init__.py": "",
        "minimalloc/search/kernel.py": kernel + "\n" * 900,  # the kernel is excepted
        "app/big.py": "X = 1\n" * 801,
    }, heavy='"streamlit>=1"')
    code, out = run(tmp_path)
    assert code == 1
    assert "minimalloc/long.py:long 126 lines" in out
    assert "kernel.py" not in out
    assert "app/big.py 801 lines" in out
    assert "streamlit>=1" in out


def test_type_checking_imports_are_not_edges(tmp_path):
    make_tree(tmp_path, {
        "minimalloc/a.py": ("from typing import TYPE_CHECKING\n"
                            "if TYPE_CHECKING:\n    from minimalloc.b import B\n"),
        "minimalloc/b.py": "from minimalloc.a import TYPE_CHECKING\nB = 1\n",
    })
    code, out = run(tmp_path)
    assert code == 0, out
