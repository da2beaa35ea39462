"""Shared test set-up: the repository root on the import path, so tests can
import the app's modules as ``app.charts``."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

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
    from minimalloc.search.solver import warmup

    warmup()
