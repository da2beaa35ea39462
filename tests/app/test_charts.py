"""The app's figure builders: what they draw matches the problem and solution."""

import json
import random
import time

import numpy as np
import pytest

from app.figures.hover import hover_ids, hover_script, lookup
from app.figures.packing import (
    COLOR_MODES,
    MAX_BUCKETS,
    overloaded_intervals,
    packing_figure,
)
from app.figures.rects import (
    Rects,
    polygon_xy,
    raster,
    rectangles,
    trace_rectangles,
    unpack,
)
from app.figures.statistics import comparison_figure, prunes_figure, rounds_figure
from minimalloc.bounds import load_profile
from minimalloc.model import Buffer, Gap, Problem, Solution
from minimalloc.search.stats import RoundRecord, SearchStats


def example() -> tuple[Problem, Solution]:
    buffers = (
        Buffer("b1", 0, 3, 4),
        Buffer("b2", 3, 9, 4),
        Buffer("b3", 0, 9, 4),
        Buffer("b4", 9, 21, 4),
        Buffer("b5", 0, 21, 4),
    )
    problem = Problem(buffers, 12)
    return problem, Solution.from_offsets(problem, (8, 8, 4, 4, 0))


def random_problem(n: int, seed: int = 1) -> tuple[Problem, Solution]:
    rng = random.Random(seed)
    buffers = []
    for i in range(n):
        lower = rng.randrange(0, 5000)
        buffers.append(Buffer(f"x{i}", lower, lower + rng.randrange(1, 200),
                              rng.randrange(1, 1000)))
    problem = Problem(tuple(buffers))
    offsets = [rng.randrange(0, 100_000) for _ in buffers]
    return problem, Solution.from_offsets(problem, offsets)


def traces(fig, role):
    return [t for t in fig.data if (t.meta or {}).get("role") == role]


def drawn(fig, role="buffers"):
    return sorted(r for t in traces(fig, role) for r in trace_rectangles(t))


def test_polygons_match_offsets_and_lifespans():
    problem, solution = example()
    fig = packing_figure(problem, solution)
    expected = sorted(
        (b.lower, b.upper, o, o + b.size)
        for b, o in zip(problem.buffers, solution.offsets, strict=True)
    )
    assert drawn(fig) == expected


def test_polygons_survive_json():
    """Read back from the JSON the browser gets (typed arrays included)."""
    problem, solution = example()
    spec = json.loads(packing_figure(problem, solution).to_json())
    rects = sorted(
        r for t in spec["data"] if (t.get("meta") or {}).get("role") == "buffers"
        for r in trace_rectangles(t)
    )
    assert rects == sorted(
        [(0, 3, 8, 12), (3, 9, 8, 12), (0, 9, 4, 8), (9, 21, 4, 8), (0, 21, 0, 4)]
    )


def test_gaps_draw_windows_and_holes():
    buffers = (
        Buffer("g", 0, 10, 8, gaps=(Gap(2, 4), Gap(6, 8, (2, 5)))),
        Buffer("h", 0, 10, 2),
    )
    problem = Problem(buffers, 16)
    solution = Solution.from_offsets(problem, (2, 0))
    assert drawn(packing_figure(problem, solution)) == sorted([
        (0, 2, 2, 10), (4, 6, 2, 10), (6, 8, 4, 7), (8, 10, 2, 10), (0, 10, 0, 2),
    ])


def test_joined_path_has_no_area_outside_rectangles():
    """The links between rectangles go out and back along the same line."""
    problem, solution = example()
    rects = rectangles(problem, solution.offsets)
    x, y = polygon_xy(rects)
    assert not np.isnan(x).any()
    # Shoelace area of the one closed path equals the rectangles' total area.
    area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    total = sum(b.size * b.width for b in problem.buffers)
    assert area == pytest.approx(total)


def test_hover_carries_buffer_details():
    problem, solution = example()
    (hover,) = traces(packing_figure(problem, solution), "hover")
    index = hover.meta
    assert hover_ids(index) == [b.id for b in problem.buffers]
    k = hover_ids(index).index("b2")
    row = [int(unpack(index[key])[k])
           for key in ("lower", "upper", "size", "offset", "alignment")]
    assert row == [3, 9, 4, 8, 1]
    assert index["fixed"] == [] and index["gaps"] == {}


def test_hover_index_names_the_buffer_under_any_point():
    """Any point inside a rectangle looks up that rectangle's buffer, with
    gaps (several rectangles per buffer) and 10,000 buffers alike; points in
    a hole of a gap find nothing."""
    rng = random.Random(7)
    buffers = (
        Buffer("g", 0, 10, 8, gaps=(Gap(2, 4), Gap(6, 8, (2, 5)))),
        Buffer("h", 0, 10, 2),
    )
    gapped = Problem(buffers, 16)
    cases = [(gapped, Solution.from_offsets(gapped, (2, 0)))]
    from minimalloc.baselines import allocators as heuristics
    big, _ = random_problem(10_000, seed=3)
    cases.append((big, heuristics.allocate(big, "greedy_by_size")))
    for problem, solution in cases:
        fig = packing_figure(problem, solution)
        (hover,) = traces(fig, "hover")
        rects = rectangles(problem, solution.offsets)
        for _ in range(300):
            k = rng.randrange(len(rects.t0))
            t = rng.uniform(rects.t0[k], rects.t1[k] - 1e-6)
            y = rng.uniform(rects.y0[k], rects.y1[k] - 1e-6)
            assert lookup(hover.meta, t, y) == rects.buffer[k]
    assert lookup(traces(packing_figure(*cases[0]), "hover")[0].meta,
                         3.0, 5.0) is None  # g's hole during [2, 4)


def test_big_problems_are_aggregated_with_exact_hover_and_load():
    from minimalloc.baselines import allocators as heuristics
    problem, _ = random_problem(3_000, seed=5)
    solution = heuristics.allocate(problem, "best_fit")
    fig = packing_figure(problem, solution, detail_limit=1_000)
    assert fig.layout.meta["aggregated"] is True
    assert not traces(fig, "buffers")
    (image,) = fig.layout.images
    assert image.source.startswith("data:image/png;base64,")
    assert len(hover_ids(traces(fig, "hover")[0].meta)) == 3_000
    times, live = load_profile(problem)
    (load,) = traces(fig, "load")
    assert list(load.y) == list(live.astype(float))  # every step, not a sample
    # A window with few rectangles is drawn in detail.
    narrow = packing_figure(problem, solution, detail_limit=1_000,
                                   window=(1000, 1100))
    assert narrow.layout.meta["aggregated"] is False
    assert traces(narrow, "buffers")
    inside = [b for b in problem.buffers if b.upper > 1000 and b.lower < 1100]
    assert len(drawn(narrow)) == len(inside)


def test_raster_paints_every_rectangle():
    rects = Rects(np.array([0, 1]), np.array([0.0, 5.0]), np.array([5.0, 10.0]),
                         np.array([0.0, 0.0]), np.array([10.0, 1.0]))
    grid = raster(rects, np.array([1.0, 2.0]), (0, 10), (0, 10), shape=(10, 10))
    assert (grid[:, :5] == 1).all()
    assert (grid[0, 5:] == 2).all()  # thin, still one row of cells
    assert np.isnan(grid[1:, 5:]).all()


def test_fixed_buffers_and_parts_above_capacity_are_marked():
    buffers = (Buffer("a", 0, 4, 4, offset=0), Buffer("b", 0, 4, 4), Buffer("c", 4, 8, 2))
    problem = Problem(buffers, 6)
    solution = Solution.from_offsets(problem, (0, 4, 0))
    fig = packing_figure(problem, solution)
    assert drawn(fig, "fixed") == [(0, 4, 0, 4)]
    assert drawn(fig, "above capacity") == [(0, 4, 6, 8)]
    assert traces(fig, "hover")[0].meta["fixed"] == [0]


def test_zoom_stops_at_the_data_and_focus_centres():
    problem, solution = example()
    fig = packing_figure(problem, solution, focus=1)
    assert fig.layout.xaxis.minallowed == 0 and fig.layout.xaxis.maxallowed == 21
    assert fig.layout.yaxis.minallowed == 0
    assert drawn(fig, "found") == [(3, 9, 8, 12)] and not drawn(fig, "highlight")
    lo, hi = fig.layout.xaxis2.range or fig.layout.xaxis.range
    assert lo <= 3 and hi >= 9 and (lo > 0 or hi < 21)


def test_capacity_and_height_lines_on_both_panels():
    problem, solution = example()
    fig = packing_figure(problem, solution)
    caps = traces(fig, "capacity")
    assert {t.yaxis for t in caps} == {"y", "y2"}
    assert all(list(t.y) == [12, 12] for t in caps)
    assert all(list(t.y) == [12, 12] for t in traces(fig, "height"))
    (load,) = traces(fig, "load")
    assert load.yaxis == "y2" and load.xaxis == "x2"
    assert fig.layout.xaxis.matches == "x2" or fig.layout.xaxis2.matches == "x"


def test_load_profile_and_overload():
    problem, solution = example()
    times, live = load_profile(problem)
    assert int(live.max()) == 12
    assert overloaded_intervals(times, live, 10) == [(0, 9, 12)]
    fig = packing_figure(problem.with_capacity(10), solution)
    assert drawn(fig, "overloaded") == [(0, 9, 0, 12)]
    assert drawn(fig, "over capacity") == [(0, 3, 10, 12), (3, 9, 10, 12)]


def test_the_live_bytes_drawn_are_the_librarys_profile():
    """The chart draws :func:`minimalloc.bounds.load_profile`, gaps and
    windows counted, and an empty problem draws without failing."""
    problem, solution = random_problem(300, seed=4)
    gapped = Problem((Buffer("g", 0, 10, 8, gaps=(Gap(2, 4), Gap(6, 8, (2, 5)))),
                      Buffer("h", 0, 10, 2)), 16)
    for p, s in ((problem, solution), (gapped, Solution.from_offsets(gapped, (2, 0)))):
        times, live = load_profile(p)
        (load,) = traces(packing_figure(p, s), "load")
        assert list(load.x) == times.tolist() and list(load.y) == live.tolist()
    empty = packing_figure(Problem(()), None)
    assert traces(empty, "load")


def test_highlight_draws_only_those_buffers():
    problem, solution = example()
    fig = packing_figure(problem, solution, highlight=[1, 3])
    assert drawn(fig, "highlight") == [(3, 9, 8, 12), (9, 21, 4, 8)]
    assert traces(fig, "highlight")[0].name == "highlighted"


@pytest.mark.parametrize("mode", COLOR_MODES)
def test_colour_modes_cover_every_buffer(mode):
    problem, solution = random_problem(500)
    fig = packing_figure(
        problem, solution, color_by=mode,
        placement_order=list(range(len(problem)))[::-1],
        partition_of=[i // 7 for i in range(len(problem))],
    )
    buckets = traces(fig, "buffers")
    assert 1 <= len(buckets) <= MAX_BUCKETS
    assert sum(t.meta["rects"] for t in buckets) == len(problem)
    assert len(drawn(fig)) == len(problem)


def test_unknown_colour_values_are_grey():
    problem, solution = example()
    fig = packing_figure(problem, solution, color_by="placement order")
    (only,) = traces(fig, "buffers")
    assert "unknown" in only.name


def test_ten_thousand_buffers_make_few_traces():
    problem, solution = random_problem(10_000)
    started = time.perf_counter()
    fig = packing_figure(problem, solution)
    built = time.perf_counter() - started
    assert len(fig.data) <= 24
    assert sum(t.meta["rects"] for t in traces(fig, "buffers")) == 10_000
    assert not traces(fig, "outline")  # too many rectangles for outlines
    assert built < 5.0
    assert len(fig.to_json()) < 5_000_000


def test_no_solution_still_shows_the_load():
    problem, _ = example()
    fig = packing_figure(problem, None)
    assert traces(fig, "load") and not traces(fig, "buffers")


def test_statistics_figures():
    stats = SearchStats(
        nodes=40, backtracks=3,
        prunes={"canonical": 5, "dominance": 2, "fixed_offset": 0, "inference": 7,
                "hatless": 1},
        rounds=(
            RoundRecord(1, "WAT", 10, 10, "node limit"),
            RoundRecord(1, "TAW", 10, 4, "solved"),
        ),
    )
    prunes = prunes_figure(stats)
    assert list(prunes.data[0].x) == [5, 2, 0, 7, 1]
    rounds = rounds_figure(stats)
    bars = {t.name: list(t.y) for t in rounds.data if t.type == "bar"}
    assert bars == {"node limit": [10], "solved": [4]}
    rows = [{"method": "MiniMalloc", "height": 12, "exact": True},
            {"method": "best_fit", "height": 16}]
    fig = comparison_figure(rows, lower_bound=12, capacity=16)
    assert list(fig.data[0].y) == [12, 16]


def test_hover_script_survives_the_html_sanitizer():
    """Streamlit's sanitizer drops a script whose text has '<' before a letter
    or '/' (it looks like markup): the hover script must have none."""
    import re

    script = hover_script()
    body = script.removeprefix("<script>").removesuffix("</script>")
    assert "minimallocHover" in body
    assert not re.search(r"<[/\w]", body)
