"""The Compare plans tab in a real browser: two plans side by side, a listed
buffer found in both, the overlay, and an unrelated plan uploaded (one
message, the tab keeps working).

Shares the server and browser set-up of ``test_browser.py``; leaves a
screenshot in ``test-artifacts/compare.png``.
"""

from __future__ import annotations

import pytest
from test_browser import (  # noqa: F401 - server is a fixture
    ARTIFACTS,
    CHROMIUM,
    choose_sample,
    open_app,
    server,
)

from minimalloc.baselines.allocators import allocate, available_allocators
from minimalloc.generate.samples import load_sample
from minimalloc.search.solver import solve

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists()
                                 and not __import__("os").environ.get("CI"),
                                 reason="needs /usr/bin/chromium")]

#: Each chart's title, trace roles and the legend names of its traces.
CHARTS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => ({
    title: (gd.querySelector('.gtitle') || {}).textContent || '',
    roles: gd.data.map(t => (t.meta && t.meta.role) || ''),
    visible: gd.getBoundingClientRect().width > 0}))"""


def a_baseline_that_differs() -> tuple[str, list[str]]:
    """A baseline whose plan of five_buffers differs from the search's, and
    the ids of the buffers it places elsewhere."""
    problem = load_sample("five_buffers")
    answer = solve(problem).solution.offsets
    for name in available_allocators():
        offsets = allocate(problem, name).offsets
        moved = [b.id for b, x, y in zip(problem.buffers, answer, offsets) if x != y]
        if moved:
            return name, moved
    raise AssertionError("every baseline packs five_buffers as the search does")


def charts(page) -> list[dict]:
    return [c for c in page.evaluate(CHARTS_JS) if c["visible"]]


def wait_for_chart(page, prefix: str) -> None:
    """Wait until a chart whose title starts with ``prefix`` is drawn."""
    page.wait_for_function(
        "(prefix) => Array.from(document.querySelectorAll('.js-plotly-plot')).some("
        "gd => ((gd.querySelector('.gtitle') || {}).textContent || '').startsWith(prefix))",
        arg=prefix)


def pick(page, label: str, option: str) -> None:
    page.get_by_label(label).click()
    page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_timeout(500)


def test_compare_two_plans_find_a_buffer_and_survive_a_bad_upload(server, tmp_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    method, moved = a_baseline_that_differs()
    with sync_playwright() as p:
        browser, page = open_app(p, server, height=1800)
        try:
            choose_sample(page, "five_buffers")
            page.get_by_role("tab", name="Compare plans").click()
            expect(page.get_by_label("Plan A")).to_be_visible()
            pick(page, "Plan A", "current answer")
            pick(page, "Plan B", f"baseline {method}")
            wait_for_chart(page, f"B · baseline {method}")
            shown = charts(page)
            a = next(c for c in shown if c["title"].startswith("A · current answer"))
            b = next(c for c in shown if c["title"].startswith(f"B · baseline {method}"))
            # Both packings have the exact hover and the moved buffers marked;
            # the curves chart has each plan's live bytes and top.
            for chart in (a, b):
                assert "hover" in chart["roles"] and "highlight" in chart["roles"]
            curves = next(c for c in shown if c["title"].startswith("live bytes"))
            assert sorted(r for r in curves["roles"]) == ["live", "live", "top", "top"]
            metric = page.locator('[data-testid="stMetric"]', has_text="Moved")
            expect(metric).to_contain_text(str(len(moved)))

            # Choosing a listed buffer finds it in both plans.
            pick(page, "Find a listed buffer in both plans", moved[0])
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('.js-plotly-plot')).filter("
                "gd => gd.data.some(t => t.meta && t.meta.role === 'found')).length == 2")
            found = [c for c in charts(page) if c["title"][:3] in ("A ·", "B ·")]
            assert len(found) == 2 and all("found" in c["roles"] for c in found)
            page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)

            # Overlaid: B's moved buffers outlined over A.
            page.get_by_text("overlaid", exact=True).click()
            wait_for_chart(page, "A · current answer (")
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('.js-plotly-plot')).some("
                "gd => ((gd.querySelector('.gtitle') || {}).textContent || '')"
                ".includes('outlined'))")
            overlay = next(c for c in charts(page) if "outlined" in c["title"])
            assert "moved in b" in overlay["roles"] and "found in b" in overlay["roles"]

            # A plan of another problem: one clear message, the tab keeps working.
            unrelated = tmp_path / "unrelated.csv"
            unrelated.write_text("id,lower,upper,size,offset\nq,0,5,3,0\n")
            pick(page, "Plan B", "uploaded plan or snapshot")
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
                str(unrelated))
            expect(page.get_by_text("plan unrelated problems").first).to_be_visible()
            pick(page, "Plan B", f"baseline {method}")
            expect(page.get_by_text("plan unrelated problems")).to_have_count(0)
            assert any(c["title"].startswith("A · current answer") for c in charts(page))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "compare-failed.png"), full_page=True)
            raise
        finally:
            browser.close()
