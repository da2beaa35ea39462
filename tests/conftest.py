"""Shared test set-up: the repository root on the import path, so tests can
import the app's modules as ``app.charts``."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
