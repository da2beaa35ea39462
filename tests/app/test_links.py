"""Links (the page's state in its URL) and bundles, driven through AppTest."""

from __future__ import annotations

import json

import pytest
from app_helpers import (
    APP,
    TIMEOUT,
    app_state,
    metrics,
    settle,
    texts,
    uploader,
    warm_kernel,  # noqa: F401 - fixture
)
from streamlit.testing.v1 import AppTest

from app.services import links
from minimalloc.formats.csv import dumps_csv

pytestmark = pytest.mark.usefixtures("warm_kernel")


def open_link(**params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(params)
    return settle(at.run())


def test_a_link_opens_a_sample_at_its_capacity_solved():
    at = open_link(sample="transformer", capacity="1500000")
    assert not at.exception
    app = app_state(at)
    assert app.loaded.name.startswith("transformer")
    assert app.problem.capacity == 1_500_000 and at.number_input(key="capacity").value \
        == 1_500_000
    assert app.outcome is not None and app.outcome.problem.capacity == 1_500_000
    assert metrics(at)["Status"] == "solved"


def test_the_url_follows_every_control():
    at = open_link(sample="five_buffers")
    assert at.query_params["sample"] == ["five_buffers"] or \
        at.query_params["sample"] == "five_buffers"
    at.number_input(key="capacity").set_value(20).run()
    at.radio(key="mode").set_value("minimize").run()
    at.checkbox(key="sw_canonical_only").uncheck().run()
    at.text_input(key="heuristics").input("WAT").run()
    shown = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert shown["capacity"] == "20" and shown["mode"] == "minimize"
    assert shown["off"] == "canonical_only" and shown["heuristics"] == "WAT"
    # ... and that URL opens the same settings in a new session.
    again = open_link(**shown)
    assert again.number_input(key="capacity").value == 20
    assert again.radio(key="mode").value == "minimize"
    assert again.checkbox(key="sw_canonical_only").value is False
    assert again.text_input(key="heuristics").value == "WAT"


def test_a_link_to_a_step_of_the_search():
    at = open_link(sample="five_buffers", tab="search-view", step="7")
    assert not at.exception
    assert at.session_state["main_tabs"] == "Search view"
    assert at.slider(key="search_step").value == 7
    assert "Place" in "\n".join(m.value for m in at.markdown)


def test_a_malformed_link_says_what_and_keeps_the_rest():
    at = open_link(sample="five_buffers", capacity="lots", mode="fast", off="speed",
                   tab="nowhere", colour="red", timeout="3")
    assert not at.exception
    warning = texts(at, "warning")
    for name in ("capacity='lots'", "mode='fast'", "'speed'", "tab='nowhere'",
                 "'colour'"):
        assert name in warning
    assert metrics(at)["Status"] == "solved"  # at the sample's own capacity
    assert app_state(at).problem.capacity == 12
    assert at.number_input(key="timeout").value == 3.0  # the good part applied
    unknown = open_link(sample="no_such_sample")
    assert "no_such_sample" in texts(unknown, "warning")
    assert metrics(unknown)["Status"] == "solved"
    unknown.button(key="link_dismiss").click().run()
    assert "no_such_sample" not in texts(unknown, "warning")


def test_parse_reads_each_parameter():
    link = links.parse({"sample": "a", "capacity": "1,024", "window": "5-9", "step": "3",
                        "fallback": "0", "baselines": "none"}, samples=["a"])
    assert link.errors == []
    assert (link.sample, link.capacity, link.window, link.step) == ("a", 1024, (5, 9), 3)
    assert link.widgets["fallback"] is False and link.widgets["baselines"] == []
    bad = links.parse({"window": "9-5", "step": "-1", "capacity": "0"}, samples=[])
    assert len(bad.errors) == 3 and bad.window is None and bad.capacity is None


def test_a_bundle_reopens_an_uploaded_problem_with_its_view():
    problem_csv = ("id,lower,upper,size\nb1,0,3,4\nb2,3,9,4\nb3,0,9,4\nb4,9,21,4\n"
                   "b5,0,21,4\n")
    bundle = json.dumps({"kind": links.BUNDLE_KIND, "version": links.BUNDLE_VERSION,
                         "name": "mine.csv", "problem_csv": problem_csv,
                         "settings": {"capacity": "13", "off": "check_dominance"},
                         "view": {"tab": "search-view", "step": "4"}})
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.radio(key="source").set_value("Upload or paste").run()
    uploader(at).set_value(("view.json", bundle.encode(), "application/json"))
    settle(at.run())
    assert not at.exception
    app = app_state(at)
    assert app.problem.capacity == 13 and len(app.problem) == 5
    assert at.checkbox(key="sw_check_dominance").value is False
    assert at.session_state["main_tabs"] == "Search view"
    assert at.slider(key="search_step").value == 4
    assert any(b.key == "download_bundle" for b in at.download_button)
    # What the page saves as a bundle reads back to the same problem and view.
    loaded, link = links.read_bundle(bundle.encode(), "view.json")
    assert dumps_csv(loaded.problem) == dumps_csv(app.loaded.problem)
    assert link.capacity == 13 and link.step == 4 and link.errors == []


def test_a_broken_bundle_is_refused_and_the_page_keeps_working():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    settle(at)
    before = len(app_state(at).problem)
    at.radio(key="source").set_value("Upload or paste").run()
    broken = json.dumps({"kind": links.BUNDLE_KIND, "version": 1, "problem_csv": 5})
    uploader(at).set_value(("bad.json", broken.encode(), "application/json"))
    at.run()
    assert "bad.json" in texts(at, "error") and "problem_csv" in texts(at, "error")
    assert len(app_state(at).problem) == before
