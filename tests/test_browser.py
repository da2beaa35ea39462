"""The app in a real browser: serve it with ``streamlit run``, load a sample,
solve, and check that the chart and the statistics are on the page.

Uses the system Chromium (never downloads one).  Leaves a screenshot in
``test-artifacts/app.png``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The first page load compiles the search kernel unless numba's cache has it.
STARTUP_SECONDS = 240

# Page coordinates of the first hover point of the packing chart.
HOVER_POINT_JS = """(gd) => {
    const i = gd.data.findIndex(t => t.meta && t.meta.role === "hover");
    if (i < 0) return null;
    const c = gd.calcdata[i][0];
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    const box = gd.getBoundingClientRect();
    return [box.left + xa._offset + xa.c2p(c.x), box.top + ya._offset + ya.c2p(c.y)];
}"""

# CI installs Chromium (.ci/run), so there a missing browser is a failure, not a skip.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                       reason="needs /usr/bin/chromium (apt-get install chromium)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    log = open(ARTIFACTS_LOG(), "w")  # noqa: SIM115 - closed in teardown
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "streamlit_app.py"),
         "--server.headless=true", f"--server.port={port}",
         "--server.address=127.0.0.1", "--browser.gatherUsageStats=false",
         "--server.fileWatcherType=none"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with {process.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("streamlit did not answer within 60 s")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def ARTIFACTS_LOG() -> Path:  # noqa: N802 - reads as a constant
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / "streamlit.log"


def test_load_solve_and_see_chart_and_statistics(server):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 2000})
            page.set_default_timeout(STARTUP_SECONDS * 1000)
            page.goto(server)
            # A sample is loaded and solved on arrival.
            expect(page.locator(".js-plotly-plot").first).to_be_visible(
                timeout=STARTUP_SECONDS * 1000)
            expect(page.get_by_text("Status", exact=True).first).to_be_visible()
            page.set_default_timeout(60_000)
            expect.set_options(timeout=60_000)

            # Load a sample from the sidebar, then solve it.
            sidebar = page.locator('[data-testid="stSidebar"]')
            sidebar.get_by_role("button", name="Reload sample").click()
            page.wait_for_timeout(500)
            sidebar.get_by_role("button", name="Solve", exact=True).click()
            page.wait_for_timeout(500)
            expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0)
            expect(page.get_by_text("solved", exact=True).first).to_be_visible()
            chart = page.locator(".js-plotly-plot").first
            expect(chart).to_be_visible()
            # The packing polygons were drawn: filled paths in the chart.
            assert chart.locator(".scatterlayer .js-fill").count() >= 1
            # Hovering a buffer names it, with its offset.
            point = chart.evaluate(HOVER_POINT_JS)
            assert point is not None
            page.mouse.move(point[0], point[1])
            expect(chart.locator(".hovertext").first).to_contain_text("offset")

            page.get_by_role("tab", name="Search statistics").click()
            expect(page.get_by_text("Prunes by rule", exact=True)).to_be_visible()
            expect(page.get_by_text("Backtracks").first).to_be_visible()
            expect(page.get_by_text("Round robin", exact=False).first).to_be_visible()
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "app-statistics.png"), full_page=True)
            page.get_by_role("tab", name="Packing").click()
            page.wait_for_timeout(800)
            page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)
        finally:
            browser.close()
