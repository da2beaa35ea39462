"""The app in a real browser: serve it with ``streamlit run``, load a sample,
solve, and check that the chart and the statistics are on the page.

Uses the system Chromium (never downloads one).  Leaves a screenshot in
``test-artifacts/app.png``.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from app.figures.hover import hover_ids
from app.figures.packing import DETAIL_LIMIT
from app.figures.rects import unpack

ROOT = Path(__file__).resolve().parents[2]
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

# The packing chart's hover index (hover_index) and the page position
# of its plot area, to aim the pointer at rectangles.
HOVER_INDEX_JS = """(gd) => {
    const t = gd.data.find(t => t.meta && t.meta.role === "hover");
    if (!t) return null;
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    const box = gd.getBoundingClientRect();
    return {meta: t.meta, left: box.left + xa._offset, top: box.top + ya._offset,
            x: xa.range, y: ya.range, width: xa._length, height: ya._length};
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
def server(request):
    port = free_port()
    # One log a module: modules that run at once (pytest -n) write their own.
    log = open(artifacts_log(request.module.__name__), "w")  # noqa: SIM115 - closed in teardown
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


def artifacts_log(module: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"streamlit-{module}.log"


def test_load_solve_see_chart_and_statistics_then_make_it_fit(server):
    """One walk: the sample on arrival, reload and solve, the chart, hover
    and statistics; then a sample that does not fit, made to fit."""
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
            right, _ = hover_hits(page, random.Random(3), 5)
            assert right == 5
            expect(page.locator("#minimalloc-hover")).to_contain_text("offset")

            page.get_by_role("tab", name="Search statistics").click()
            expect(page.get_by_text("Prunes by rule", exact=True)).to_be_visible()
            expect(page.get_by_text("Backtracks").first).to_be_visible()
            expect(page.get_by_text("Round robin", exact=False).first).to_be_visible()
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "app-statistics.png"), full_page=True)
            page.get_by_role("tab", name="Packing").click()
            page.wait_for_timeout(800)
            page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)
            make_it_fit_draws_one_panel_per_memory(page)
        finally:
            browser.close()


def open_app(p, server, width=1500, height=1400):
    """A page on the app, its first packing chart drawn."""
    from playwright.sync_api import expect

    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(STARTUP_SECONDS * 1000)
    page.goto(server)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(
        timeout=STARTUP_SECONDS * 1000)
    page.set_default_timeout(60_000)
    expect.set_options(timeout=60_000)
    return browser, page


def choose_sample(page, name):
    from playwright.sync_api import expect

    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_label("Sample problem").click()
    page.get_by_role("option", name=name, exact=True).click()
    # Generous waits: a loaded machine takes seconds to load and solve.
    expect(page.get_by_text(f"Problem: {name}").first).to_be_visible(timeout=60_000)
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(
        0, timeout=60_000)
    page.wait_for_timeout(800)


def settled_chart_view(page, attempts=5):
    """The first chart's hover view once the page has stopped redrawing it:
    a rerun that ends just after a solve replaces the chart, and a locator
    caught in between finds its element gone."""
    from playwright.sync_api import Error

    for attempt in range(attempts):
        try:
            chart = page.locator(".js-plotly-plot").first
            chart.scroll_into_view_if_needed()
            view = chart.evaluate(HOVER_INDEX_JS)
            break
        except Error:
            if attempt == attempts - 1:
                raise
            page.wait_for_timeout(1000)
    assert view is not None, "the packing chart has no hover index"
    return view


def hover_hits(page, rng, points):
    """Hover ``points`` random points, each inside a random buffer's rectangle
    (at least a pixel from its edges); how many the tooltip named right."""
    import numpy as np


    view = settled_chart_view(page)
    index = view["meta"]
    t0, t1, y0, y1 = (np.asarray(unpack(index[k]), dtype=float)
                      for k in ("t0", "t1", "y0", "y1"))
    owner = (np.arange(len(t0)) if index["buffer"] is None
             else np.asarray(unpack(index["buffer"])))
    (xlo, xhi), (ylo, yhi) = view["x"], view["y"]
    ids = hover_ids(index)

    def px(t):
        return view["left"] + (t - xlo) / (xhi - xlo) * view["width"]

    def py(a):
        return view["top"] + (yhi - a) / (yhi - ylo) * view["height"]

    # Rectangles in view, at least 4 x 4 pixels: smaller ones have no inside
    # to aim at (pointer positions are whole pixels).
    left, right_edge = view["left"], view["left"] + view["width"]
    top, bottom = view["top"], view["top"] + view["height"]
    big = [k for k in range(len(t0))
           if px(t1[k]) - px(t0[k]) >= 4 and py(y0[k]) - py(y1[k]) >= 4
           and left <= px(t0[k]) and px(t1[k]) <= right_edge
           and top <= py(y1[k]) and py(y0[k]) <= bottom]
    assert big
    right = 0
    misses = []
    tip = page.locator("#minimalloc-hover")
    for _ in range(points):
        k = rng.choice(big)
        x = rng.uniform(px(t0[k]) + 1, px(t1[k]) - 1)
        y = rng.uniform(py(y1[k]) + 1, py(y0[k]) - 1)
        page.mouse.move(x, y)
        expected = ids[int(owner[k])]
        shown = tip.get_attribute("data-buffer") if tip.is_visible() else None
        if shown == expected:
            right += 1
        else:
            misses.append((expected, shown))
    return right, misses


def test_hover_names_the_buffer_under_the_pointer(server):
    """Random points inside buffers of two samples: the tooltip names the
    buffer under the pointer (and outlines it)."""
    import random

    from playwright.sync_api import expect, sync_playwright

    rng = random.Random(11)
    with sync_playwright() as p:
        browser, page = open_app(p, server)
        try:
            for sample in ("transformer", "fixed_offsets"):
                choose_sample(page, sample)
                right, misses = hover_hits(page, rng, 100)
                assert right >= 98, f"{sample}: wrong buffer named {misses}"
                expect(page.locator("#minimalloc-outline")).to_be_visible()
                if sample == "fixed_offsets":
                    expect(page.locator("#minimalloc-hover")).to_contain_text("offset")
            page.screenshot(path=str(ARTIFACTS / "app-hover.png"))
        finally:
            browser.close()


CHART_DRAWN_JS = """() => {
    const gd = document.querySelector('.js-plotly-plot');
    return !!(gd && gd._fullLayout && gd.data &&
              gd.data.some(t => t.meta && t.meta.role === 'hover'));
}"""


def test_more_buffers_than_the_chart_draws_one_by_one(server, tmp_path):
    """Upload a CSV of more buffers than the chart draws as shapes
    (DETAIL_LIMIT), minimise it with progress; the chart draws
    within 3 s of the answer (scaled by how overloaded the machine is), the
    hover stays exact after zooming in, the live bytes are every step of the
    profile and the buffers table pages."""
    import numpy as np
    from playwright.sync_api import expect, sync_playwright

    from minimalloc import bounds
    from minimalloc.formats.csv import dumps_csv
    from minimalloc.generate import problems as generate

    # About 8 buffers alive at once: the baselines take seconds, not minutes.
    # Aligned, so that the optimiser cannot prove its answer and runs for the
    # whole time limit: long enough to see its progress.
    n = DETAIL_LIMIT + 5_000  # painted as an image (the bench times 10^5-10^6)
    problem = generate.generate("random", n=n, seed=1, mean_lifetime=8.0, alignment=64)
    path = tmp_path / "big.csv"
    path.write_text(dumps_csv(problem))
    with sync_playwright() as p:
        browser, page = open_app(p, server)
        try:
            sidebar = page.locator('[data-testid="stSidebar"]')
            sidebar.get_by_text("Upload or paste").click()
            sidebar.locator('input[type="file"]').set_input_files(str(path))
            expect(page.get_by_text("Problem: big.csv").first).to_be_visible()
            expect(page.get_by_text(f"{n:,}", exact=True).first).to_be_visible()
            sidebar.get_by_text("Minimise the capacity").click()
            limit = sidebar.get_by_label("Time limit (seconds, 0 = none)")
            limit.fill("5")
            limit.press("Enter")
            page.wait_for_timeout(500)
            sidebar.get_by_role("button", name="Solve", exact=True).click()
            # Progress while it runs.
            expect(page.get_by_text("Minimising the capacity").first).to_be_visible()
            expect(page.get_by_text("Lower bound").first).to_be_visible()
            answer = page.get_by_text("Smallest capacity").first
            expect(answer).to_be_visible(timeout=240_000)
            answered = time.monotonic()
            page.wait_for_function(CHART_DRAWN_JS, polling=50, timeout=60_000)
            seconds = time.monotonic() - answered
            load = os.getloadavg()[0] / (os.cpu_count() or 1)
            assert seconds <= 3.0 * max(1.0, load), (seconds, load)
            chart = page.locator(".js-plotly-plot").first
            spec = chart.evaluate("""(gd) => ({
                load: gd.data.find(t => t.meta && t.meta.role === 'load'),
                aggregated: gd.layout.meta.aggregated})""")
            assert spec["aggregated"]
            times, live = bounds.load_profile(problem)
            assert np.array_equal(unpack(spec["load"]["y"]), live)
            assert np.array_equal(unpack(spec["load"]["x"]), times)
            # Zoom into a narrow stretch of time, then hover: still exact.
            view = chart.evaluate(HOVER_INDEX_JS)
            x0 = view["left"] + view["width"] * 0.4
            page.mouse.move(x0, view["top"] + 5)
            page.mouse.down()
            # Wider than 20 px, or plotly zooms the address axis only.
            page.mouse.move(x0 + 30, view["top"] + view["height"] - 5, steps=4)
            page.mouse.up()
            page.wait_for_timeout(800)
            right, misses = hover_hits(page, random.Random(5), 40)
            assert right >= 39, misses
            page.screenshot(path=str(ARTIFACTS / "app-many-buffers.png"))
            # The buffers table shows a page, not every row.
            page.get_by_role("tab", name="Buffers").click()
            expect(page.get_by_text(f"Rows 1–500 of {n:,}").first).to_be_visible()
        finally:
            browser.close()


def _luminance(color: str) -> float:
    """0 (black) to 1 (white) for a CSS ``rgb()``/``rgba()``/hex colour."""
    color = color.strip()
    if color.startswith("#"):
        r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (float(v) for v in color[color.index("(") + 1:-1].split(",")[:3])
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255


def test_dark_mode_and_a_phone_screen(server):
    """Dark mode: plot areas follow the theme (no white boxes).  390 px wide:
    the legend sits above the chart, metrics two to a row.  Leaves the
    screenshots that docs/ shows."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1300},
                                    color_scheme="dark")
            page.goto(server)
            chart = page.locator(".js-plotly-plot").first
            expect(chart).to_be_visible(timeout=STARTUP_SECONDS * 1000)
            page.wait_for_timeout(1500)
            colors = chart.evaluate("(gd) => [gd._fullLayout.plot_bgcolor, "
                                    "gd._fullLayout.paper_bgcolor, "
                                    "gd._fullLayout.font.color]")
            assert _luminance(colors[0]) < 0.3 and _luminance(colors[1]) < 0.3, colors
            assert _luminance(colors[2]) > 0.6, colors  # light text on it
            page.screenshot(path=str(ARTIFACTS / "app-dark.png"))
            # A fallback baseline's packing has a title: it does not cover the
            # legend ("above the capacity", "minimal infeasible subset").
            choose_sample(page, "load_not_enough")
            chart = page.locator(".js-plotly-plot").first
            expect(chart.locator(".gtitle")).to_contain_text("fallback")
            assert_title_clear_of_legend(chart)
            # The search view's inputs show their whole placeholders, on a
            # laptop's width too.
            page.set_viewport_size({"width": 1024, "height": 1300})
            page.get_by_role("tab", name="Search view").click()
            expect(page.get_by_text("Step through the search")).to_be_visible()
            page.wait_for_timeout(800)
            cut = page.evaluate(PLACEHOLDERS_CUT_JS)
            assert not cut, cut

            page = browser.new_page(viewport={"width": 390, "height": 1400},
                                    device_scale_factor=2)
            page.goto(server)
            chart = page.locator(".js-plotly-plot").first
            expect(chart).to_be_visible(timeout=60_000)
            page.wait_for_timeout(1500)
            assert chart.evaluate("(gd) => gd._fullLayout.legend.orientation") == "h"
            plot_width = chart.evaluate("(gd) => gd._fullLayout.xaxis._length")
            assert plot_width > 250  # the legend no longer takes half of it
            tops = page.locator('[data-testid="stMetric"]').evaluate_all(
                "(ms) => ms.slice(0, 2).map("
                "m => Math.round(m.getBoundingClientRect().top))")
            assert tops[0] == tops[1]  # two metrics side by side
            assert chart.evaluate("(gd) => gd.getBoundingClientRect().top") < 1300
            page.screenshot(path=str(ARTIFACTS / "app-narrow.png"))
            # The open tab stays in sight (it was scrolled out of the strip).
            page.get_by_role("tab", name="Search view").click()
            expect(page.get_by_text("Step through the search")).to_be_visible()
            tab = page.get_by_role("tab", name="Search view").bounding_box()
            assert tab["x"] >= 0 and tab["x"] + tab["width"] <= 390, tab
        finally:
            browser.close()


#: Inputs whose placeholder is wider than the box shows ("step numb").
PLACEHOLDERS_CUT_JS = """() => {
    const canvas = document.createElement("canvas").getContext("2d");
    const cut = [];
    for (const input of document.querySelectorAll("input[placeholder]")) {
        if (!input.placeholder || !input.offsetWidth
            || input.closest('[data-testid="stSidebar"]')) continue;
        const style = getComputedStyle(input);
        canvas.font = `${style.fontSize} ${style.fontFamily}`;
        const room = input.clientWidth - parseFloat(style.paddingLeft)
                     - parseFloat(style.paddingRight);
        if (canvas.measureText(input.placeholder).width > room + 1) {
            cut.push([input.placeholder, room]);
        }
    }
    return cut;
}"""
#: Metric values cut off with an ellipsis ("111,730,…").
METRICS_CUT_JS = """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
    .filter(m => m.offsetWidth && m.scrollWidth > m.clientWidth + 1)
    .map(m => m.textContent)"""


def assert_title_clear_of_legend(chart) -> None:
    """The chart's title covers no legend entry."""
    boxes = chart.evaluate("""(gd) => {
        const box = e => { const b = e.getBoundingClientRect();
                           return [b.left, b.top, b.right, b.bottom]; };
        return {title: [...gd.querySelectorAll('.gtitle')].map(box),
                items: [...gd.querySelectorAll('.legend .traces')].map(box)};
    }""")
    assert boxes["title"] and boxes["items"], boxes
    for title in boxes["title"]:
        for item in boxes["items"]:
            assert not _overlap(title, item), (title, item)


def test_a_compiler_engineer_reads_a_models_plan(server):
    """resnet50 from the onnx wheel: every metric shows its whole value (LOAD
    read '111,730,…'), the page says that greedy_by_size packs lower than
    the search, and its titled packing keeps title and legend apart."""
    import onnx
    from playwright.sync_api import expect, sync_playwright

    model = Path(onnx.__file__).parent / "backend/test/data/light/light_resnet50.onnx"
    with sync_playwright() as p:
        browser, page = open_app(p, server, width=1400, height=1300)
        try:
            sidebar = page.locator('[data-testid="stSidebar"]')
            sidebar.get_by_text("Upload or paste").click()
            sidebar.locator('input[type="file"]').set_input_files(str(model))
            expect(page.get_by_text("Problem: light_resnet50.onnx").first).to_be_visible()
            expect(page.get_by_text("packs these buffers lower").first).to_be_visible(
                timeout=120_000)
            page.wait_for_timeout(800)
            cut = page.evaluate(METRICS_CUT_JS)
            assert not cut, cut
            page.get_by_role("button", name="Show greedy_by_size's packing").click()
            chart = page.locator(".js-plotly-plot").first
            expect(chart.locator(".gtitle")).to_contain_text("greedy_by_size")
            assert_title_clear_of_legend(chart)
            page.screenshot(path=str(ARTIFACTS / "app-resnet50.png"))
        finally:
            browser.close()


# ---------------------------------------------------------------------------
# Figures on their own (no server): what a page or an exported file shows.

BOXES_JS = """(selectors) => {
    const box = e => { const b = e.getBoundingClientRect();
                       return [b.left, b.top, b.right, b.bottom]; };
    const out = {};
    for (const [name, selector] of Object.entries(selectors)) {
        out[name] = [...document.querySelectorAll(selector)]
            .filter(e => e.getBoundingClientRect().width > 0).map(box);
    }
    return out;
}"""
FIGURE_PARTS = {
    "title": ".gtitle",
    "legend_items": ".legend .traces",
    "legend_title": ".legendtitletext",
    "yticks": ".yaxislayer-above .ytick text, .yaxislayer-below .ytick text",
    "ytitles": ".g-ytitle text, .g-y2title text",
    "xtitles": ".g-xtitle text, .g-x2title text",
    "xticks": ".xaxislayer-above .xtick text",
}


def _overlap(a, b) -> bool:
    return a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1


def _figure_boxes(page, html: str, width: int) -> dict:
    page.set_viewport_size({"width": width, "height": 1000})
    page.set_content(html)
    page.wait_for_selector(".js-plotly-plot .legend")
    page.wait_for_timeout(300)
    return page.evaluate(BOXES_JS, FIGURE_PARTS)


def test_exported_and_titled_figures_keep_titles_legends_and_axes_apart(tmp_path):
    """A title never covers the legend (a fallback baseline's packing, the
    best so far, a method picked in Comparison), the standalone chart's
    tick labels are whole and its axis titles clear of them (byte counts in
    the tens of millions), and no legend covers an axis title."""
    import streamlit  # noqa: F401 - the page's plotly template, as in the app
    from playwright.sync_api import sync_playwright

    from app.figures.hover import standalone_html
    from app.figures.packing import packing_figure
    from app.figures.search_over_time import progress_figure
    from minimalloc.baselines.allocators import allocate
    from minimalloc.generate import problems as generate
    from minimalloc.search.solver import solve
    from minimalloc.search.trace import over_time

    problem = generate.generate("random", n=120, seed=2)
    big = problem.__class__(tuple(b.__class__(b.id, b.lower, b.upper, b.size * 40_000)
                                  for b in problem.buffers))
    solution = allocate(big, "greedy_by_size")
    big = big.with_capacity(solution.height * 9 // 10)
    titled = packing_figure(big, solution, highlight=[1, 2, 3],
                            highlight_label="minimal infeasible subset",
                            title="Showing baseline greedy_by_size (fallback): height "
                                  f"{solution.height:,}")
    small = generate.generate("random", n=40, seed=3)
    traced = solve(small.with_capacity(allocate(small, "best_fit").height * 9 // 10),
                   trace=20_000)
    figures = {"packing": standalone_html(titled),
               "progress": standalone_html(progress_figure(over_time(traced)))}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            for name, html in figures.items():
                for width in (1400, 390):
                    boxes = _figure_boxes(page, html, width)
                    where = (name, width)
                    for title in boxes["title"] + boxes["legend_title"]:
                        for item in boxes["legend_items"]:
                            assert not _overlap(title, item), (where, title, item)
                    for tick in boxes["yticks"]:
                        assert tick[0] >= 0, (where, "tick label cut off", tick)
                    for axis_title in boxes["ytitles"]:
                        assert axis_title[0] >= 0, (where, axis_title)
                        for tick in boxes["yticks"]:
                            assert not _overlap(axis_title, tick), (where, axis_title)
                    for axis_title in boxes["xtitles"]:
                        for item in boxes["legend_items"] + boxes["xticks"]:
                            assert not _overlap(axis_title, item), (where, axis_title)
        finally:
            browser.close()


#: Each panel of the spill chart: its plot area and its title, on the page.
SPILL_PANELS_JS = """(gd) => {
    const fl = gd._fullLayout, box = gd.getBoundingClientRect();
    const axes = Object.keys(fl).filter(k => /^yaxis\\d*$/.test(k)).sort();
    const titles = [...gd.querySelectorAll('.annotation')].map(a => {
        const b = a.getBoundingClientRect();
        return {text: a.textContent, box: [b.left, b.top, b.right, b.bottom]};
    });
    const plots = axes.map(k => { const a = fl[k];
        return [box.left + fl.xaxis._offset, box.top + a._offset,
                box.left + fl.xaxis._offset + fl.xaxis._length,
                box.top + a._offset + a._length]; });
    const pools = [...new Set(gd.data.filter(t => t.meta && t.meta.pool)
                              .map(t => t.meta.pool))];
    return {plots, titles, pools};
}"""


# Every hover index of a chart and the layout names of its axes; a point
# of an axis pair in page pixels.
HOVER_INDEXES_JS = """(gd) => gd.data.filter(t => t.meta && t.meta.role === "hover").map(
    t => ({meta: t.meta, x: "xaxis" + (t.xaxis || "x").slice(1),
           y: "yaxis" + (t.yaxis || "y").slice(1)}))"""
TO_PAGE_JS = """(gd, [x, y, t, a]) => {
    const fl = gd._fullLayout, box = gd.getBoundingClientRect();
    return [box.left + fl[x]._offset + fl[x].l2p(t),
            box.top + fl[y]._offset + fl[y].l2p(a)];
}"""


def _hover_each_panel(page, chart) -> None:
    """The pointer at the middle of the largest rectangle of every hover
    index of the spill plan: the tooltip names its buffer and its pool (or,
    where a buffer moved out was, says so)."""
    import numpy as np
    from playwright.sync_api import expect

    indexes = chart.evaluate(HOVER_INDEXES_JS)
    assert {i["meta"]["pool"] for i in indexes} == {"main", "spill", None}, indexes
    for index in indexes:
        meta = index["meta"]
        t0, t1, y0, y1 = (np.asarray(unpack(meta[k]), dtype=float)
                          for k in ("t0", "t1", "y0", "y1"))
        k = int(np.argmax((t1 - t0) * (y1 - y0)))
        owner = k if meta["buffer"] is None else int(unpack(meta["buffer"])[k])
        x, y = chart.evaluate(TO_PAGE_JS, [index["x"], index["y"], float(t0[k] + t1[k]) / 2,
                                           float(y0[k] + y1[k]) / 2])
        page.mouse.move(x, y)
        tip = page.locator("#minimalloc-hover")
        expect(tip).to_contain_text(hover_ids(meta)[owner])
        expect(tip).to_contain_text(f"in {meta['pool']}" if meta["pool"]
                                    else "moved out to spill")


def make_it_fit_draws_one_panel_per_memory(page) -> None:
    """A sample that does not fit: Make it fit draws the plan as one panel
    per memory, one above the other on a shared time axis, each titled
    with its pool and clear of the other panels, each with exact hover.
    Leaves the screenshot that docs/ shows."""
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1400, "height": 1600})
    choose_sample(page, "load_not_enough")
    page.get_by_role("button", name="Make it fit").click()
    expect(page.get_by_text("The plan that fits")).to_be_visible(timeout=60_000)
    page.wait_for_timeout(1500)
    chart = page.locator(".js-plotly-plot").first
    chart.scroll_into_view_if_needed()
    found = chart.evaluate(SPILL_PANELS_JS)
    assert found["pools"] == ["main", "spill"], found
    plots, titles = found["plots"], found["titles"]
    assert len(plots) == 2 and plots[0][3] < plots[1][1], plots  # stacked
    assert plots[0][0] == plots[1][0] and plots[0][2] == plots[1][2]  # one axis
    named = {t["text"].split(":")[0]: t["box"] for t in titles
             if t["text"].startswith(("main:", "spill:"))}
    assert set(named) == {"main", "spill"}, titles
    for title in named.values():
        for plot in plots:
            assert not _overlap(title, plot), (title, plot)
    chart.screenshot(path=str(ARTIFACTS / "app-spill.png"))
    _hover_each_panel(page, chart)


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_a_link_opens_its_view_and_the_url_follows_the_controls(server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1400})
            page.set_default_timeout(STARTUP_SECONDS * 1000)
            page.goto(f"{server}/?sample=five_buffers&capacity=16&off=canonical_only")
            expect(page.locator(".js-plotly-plot").first).to_be_visible(
                timeout=STARTUP_SECONDS * 1000)
            page.set_default_timeout(60_000)
            expect.set_options(timeout=60_000)
            expect(page.get_by_text("Problem: five_buffers").first).to_be_visible()
            expect(page.get_by_text("solved", exact=True).first).to_be_visible()
            sidebar = page.locator('[data-testid="stSidebar"]')
            expect(sidebar.get_by_role("spinbutton", name="Capacity")).to_have_value("16")
            assert query(page)["capacity"] == "16"
            assert query(page)["off"] == "canonical_only"
            # A control changes: the URL follows.
            sidebar.get_by_role("spinbutton", name="Capacity").fill("20")
            sidebar.get_by_role("spinbutton", name="Capacity").press("Enter")
            page.wait_for_function("() => location.search.includes('capacity=20')")
            page.get_by_role("tab", name="Search view").click()
            page.wait_for_function("() => location.search.includes('tab=search-view')")
            # A malformed parameter is named; the page still works.
            page.goto(f"{server}/?sample=five_buffers&capacity=lots")
            expect(page.get_by_text("capacity='lots'", exact=False).first).to_be_visible()
            expect(page.get_by_text("solved", exact=True).first).to_be_visible()
        finally:
            browser.close()
