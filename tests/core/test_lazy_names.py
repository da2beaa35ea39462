"""The package's public names are imported when first used: ``import
minimalloc`` is quick (a Ctrl-C during ``python -m minimalloc``'s start is
caught), and every name still imports as before."""

from __future__ import annotations

import importlib
import subprocess
import sys

import minimalloc
from minimalloc.validate import validate


def test_every_public_name_imports_from_its_module():
    for name in minimalloc.__all__:
        value = getattr(minimalloc, name)
        module = importlib.import_module(value.__module__)
        assert getattr(module, name) is value, name
    assert set(minimalloc.__all__) <= set(dir(minimalloc))


def test_a_submodule_does_not_hide_the_function_of_its_name():
    importlib.import_module("minimalloc.validate")
    from minimalloc import validate as public

    assert public is validate and callable(public)


def test_importing_the_package_loads_neither_numpy_nor_numba():
    code = ("import sys, minimalloc; print('numpy' in sys.modules, 'numba' in sys.modules);"
            "from minimalloc import Buffer, solve; print(callable(solve))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False", "True"]


def test_an_unknown_name_is_an_attribute_error():
    try:
        minimalloc.no_such_name  # noqa: B018
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:
        raise AssertionError("expected an AttributeError")
