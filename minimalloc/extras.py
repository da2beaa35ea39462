"""Optional dependencies: which extra brings what, and one clear line when
one is missing.

``pip install minimalloc`` brings the allocator, its formats and its command
line (numpy, numba, pandas, tqdm, absl-py).  The rest comes with extras:

========  ==========================  ===========================================
extra     brings                      needed for
========  ==========================  ===========================================
``onnx``  onnx                        reading ONNX models (``minimalloc import``)
``dask``  distributed                 ``minimalloc batch`` and
                                      :mod:`minimalloc.batch`
``app``   streamlit, plotly, pillow   the Streamlit app (``make run``)
``exact`` ortools                     the exact model of problems the
                                      canonical search cannot decide, and
                                      checking a window bound's certificate
``all``   every extra above
``test``  ``all`` and the test tools  ``make test``
========  ==========================  ===========================================

A module that needs an extra imports it at its top through :func:`require`
(or catches the ImportError and raises :func:`missing`), so what is missing
is said once, in one line that names the extra to install:

>>> print(missing("onnx", "reading ONNX"))
reading ONNX needs the onnx extra: pip install 'minimalloc[onnx]'
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["EXTRAS", "MissingExtra", "install_command", "missing", "require"]

#: The extras and the modules each brings (import names).
EXTRAS: dict[str, tuple[str, ...]] = {
    "onnx": ("onnx",),
    "dask": ("distributed",),
    "app": ("streamlit", "plotly", "PIL"),
    "exact": ("ortools",),
}


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message names the extra
    that brings it and the command that installs it."""


def install_command(extra: str) -> str:
    """The command that installs ``extra``: ``pip install 'minimalloc[onnx]'``."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra '{extra}': expected one of {', '.join(EXTRAS)}")
    return f"pip install 'minimalloc[{extra}]'"


def missing(extra: str, purpose: str) -> MissingExtra:
    """The error to raise when ``purpose`` needs ``extra`` and it is absent."""
    return MissingExtra(f"{purpose} needs the {extra} extra: {install_command(extra)}")


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` (brought by ``extra``), or raise :class:`MissingExtra`
    saying that ``purpose`` needs ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise missing(extra, purpose) from error
