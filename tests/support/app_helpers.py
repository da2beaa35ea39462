"""Helpers for driving the Streamlit app with ``AppTest``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.figures.rects import trace_rectangles

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app" / "streamlit_app.py"
TIMEOUT = 60  # seconds per script run (AppTest's default is 3)

EXAMPLE_CSV = "id,lower,upper,size\nb1,0,3,4\nb2,3,9,4\nb3,0,9,4\nb4,9,21,4\nb5,0,21,4\n"


@pytest.fixture(scope="session")
def warm_kernel() -> float:
    """Compile the numba kernel once for the whole test session."""
    from minimalloc import jit

    return jit.warmup()


def new_app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    return at.run()


def app_state(at: AppTest):
    """The page's :class:`app.state.AppState`."""
    return at.session_state["app"]


def settle(at: AppTest, limit: float = 60.0) -> AppTest:
    """Rerun until no solve is running in the background."""
    deadline = time.monotonic() + limit
    while "app" in at.session_state and app_state(at).job is not None:
        if time.monotonic() > deadline:
            raise AssertionError("the solve did not finish")
        time.sleep(0.2)
        at.run()
    return at


def metrics(at: AppTest) -> dict[str, str]:
    """Metric label -> value (the last one wins for repeated labels)."""
    return {m.label: m.value for m in at.metric}


def metric_values(at: AppTest, label: str) -> list[str]:
    return [m.value for m in at.metric if m.label == label]


def chart(at: AppTest, key: str = "packing_chart") -> dict:
    """The plotly figure (as JSON) of the chart with ``key``."""
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith(f"-{key}"):
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart with key {key!r}")


def chart_traces(at: AppTest, role: str, key: str = "packing_chart") -> list[dict]:
    return [t for t in chart(at, key)["data"] if (t.get("meta") or {}).get("role") == role]


def drawn(at: AppTest, role: str = "buffers") -> list[tuple[float, float, float, float]]:

    return sorted(r for t in chart_traces(at, role) for r in trace_rectangles(t))


def texts(at: AppTest, kind: str) -> str:
    """All messages of one kind (error, warning, success, info) as one string."""
    return "\n".join(e.value for e in getattr(at, kind))


def solve(at: AppTest) -> AppTest:
    at.button(key="solve").click().run()
    return settle(at)


def paste(at: AppTest, text: str) -> AppTest:
    at.radio(key="source").set_value("Upload or paste").run()
    at.text_area(key="paste").input(text)
    at.button(key="load_paste").click().run()
    return settle(at)


def table(at: AppTest, column: str):
    """The first table on the page with a column named ``column`` (read-only
    ``st.dataframe`` elements carry no key)."""
    for element in at.dataframe:
        value = element.value
        if column in value.columns:
            return value
    raise AssertionError(f"no table with a column {column!r}")


def hard_app() -> AppTest:
    """A random problem at a capacity where the search takes many seconds
    (its lower bound: no baseline fits it, and the search does not end
    within 8 s even on a quiet machine; 200 buffers now solve in about 1 s,
    too soon for the tests of progress and Stop)."""
    from minimalloc import bounds

    at = new_app()
    at.radio(key="source").set_value("Generate").run()
    at.selectbox(key="generator").set_value("random").run()
    at.number_input(key="gen_random_n").set_value(250)
    at.number_input(key="gen_seed").set_value(0)
    at.button(key="generate").click().run()
    settle(at)
    tight = bounds.lower_bound(app_state(at).problem)
    at.number_input(key="capacity").set_value(tight).run()
    return at


def uploader(at: AppTest):
    """The sidebar's file box for problems (emptied after a rejected file,
    which gives it a new key)."""
    return next(u for u in at.get("file_uploader") if u.key.startswith("upload"))
