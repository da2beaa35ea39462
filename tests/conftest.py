"""Shared test set-up: the repository root on the import path, so tests
import the app's modules (``app.figures.packing``) from the checkout, and
``tests/support`` too, so the tests in every folder import the shared
helpers by name (``from oracle import ...``)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUPPORT = Path(__file__).resolve().parent / "support"
for folder in (ROOT, SUPPORT):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

# Every property-based test draws the same examples on every run and machine:
# a failure seen once is seen again, and a green run means the same as the
# last one.  (Without this, hypothesis seeds each run at random.)
from hypothesis import settings  # noqa: E402

settings.register_profile("deterministic", derandomize=True)
settings.load_profile("deterministic")

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def compiled_kernels():
    """Compile (or load from the cache) every kernel before the first test,
    as the app and the CLI do: a cold compile takes tens of seconds, which
    must not be charged to the first test that runs under a time limit."""
    from minimalloc.jit import warmup

    warmup()


@pytest.fixture(autouse=True)
def real_main_module():
    """Streamlit's ``AppTest`` installs the page it runs as ``__main__`` and
    leaves it there; a process pool started by a later test (Dask's local
    cluster spawns its workers) would re-run that page in every worker, which
    fails for a page made from a function.  Put the real one back."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main
