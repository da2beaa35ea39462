"""Make it fit: after an answer that does not fit, one click gives the
cheapest set of buffers to move to a second memory, drawn one panel per
memory."""

from __future__ import annotations

import pytest
from app_helpers import (
    EXAMPLE_CSV,
    app_state,
    chart,
    metrics,
    paste,
    settle,
    texts,
    warm_kernel,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.usefixtures("warm_kernel")


def test_make_it_fit_moves_the_fewest_bytes_and_draws_one_panel_per_pool():
    """The five buffers at capacity 11: twelve bytes are live at once, so
    one four-byte buffer must go, and no plan moves less."""
    from app_helpers import new_app

    at = paste(new_app(), EXAMPLE_CSV)
    at.number_input(key="capacity").set_value(11).run()
    settle(at)
    assert metrics(at)["Status"] == "does not fit"
    assert not any(e.proto.id.endswith("-spill_chart") for e in at.get("plotly_chart"))
    at.button(key="act_spill").click().run()
    shown = metrics(at)
    assert shown["Spill plan"] == "proven cheapest"
    assert shown["Bytes moved"] == "4" and shown["Buffers moved"] == "1"
    assert shown["Lower bound (bytes moved)"] == "4"
    said = texts(at, "success")
    assert "To fit, move 1 buffer (4 bytes) to spill" in said
    assert "no plan moves less" in said
    plan = app_state(at).outcome.spill
    (moved,) = [app_state(at).problem.buffers[i].id for i in plan.spilled]

    fig = chart(at, "spill_chart")
    panels = [a["text"] for a in fig["layout"]["annotations"]]
    assert panels[0].startswith("main: 4 buffers") and "capacity 11" in panels[0]
    assert panels[1].startswith("spill: 1 buffer,") and "unbounded" in panels[1]
    # Exact hover, as on the packing chart: one index per panel, on its axes.
    hover = {t["meta"]["pool"] or "was": t for t in fig["data"]
             if (t.get("meta") or {}).get("role") == "hover"}
    assert hover["spill"]["meta"]["ids"] == [moved]
    assert moved not in hover["main"]["meta"]["ids"]
    assert hover["main"].get("yaxis", "y") == "y" and hover["spill"]["yaxis"] == "y2"
    # The buffer moved out is marked in the main panel where it was, and
    # named there on hover.
    (labels,) = [t for t in fig["data"]
                 if (t.get("meta") or {}).get("role") == "spilled labels"]
    assert labels["meta"]["ids"] == [moved] and labels.get("yaxis", "y") == "y"
    was = hover["was"]
    assert was.get("yaxis", "y") == "y" and was["meta"]["id"] == moved
    assert "moved out to spill" in was["meta"]["note"]
    # The plan belongs to that run: a new solve clears it.
    at.number_input(key="capacity").set_value(12).run()
    settle(at)
    assert metrics(at)["Status"] == "solved"
    assert "Spill plan" not in metrics(at)
    assert not any(b.key == "act_spill" for b in at.button)  # it fits: nothing to offer
    assert app_state(at).outcome.spill is None


def test_with_memory_pools_every_run_draws_one_panel_per_pool():
    """Pools named in the sidebar: after the run, without a click, the
    cheapest plan over them, one panel per pool; pools that cannot be read
    are said in one line and nothing else changes."""
    from app_helpers import new_app

    at = paste(new_app(), EXAMPLE_CSV)
    at.text_input(key="pools").input("sram").run()
    assert "Memory pools: expected pools as name:size" in texts(at, "error")
    assert metrics(at)["Status"] == "solved"
    at.text_input(key="pools").input("sram:8,dram:inf").run()
    settle(at)
    assert not texts(at, "error")
    fig = chart(at, "spill_chart")
    panels = [a["text"] for a in fig["layout"]["annotations"]]
    assert panels[0].startswith("sram:") and "capacity 8" in panels[0]
    assert panels[1].startswith("dram:") and "unbounded" in panels[1]
    plan = app_state(at).outcome.spill
    assert [p.name for p in plan.pools] == ["sram", "dram"]
    assert plan.proven and metrics(at)["Spill plan"] == "proven cheapest"
    assert metrics(at)["Bytes moved"] == f"{plan.spilled_bytes:,}"
    assert not any(b.key == "act_spill" for b in at.button)  # nothing to ask for


def test_a_spilled_group_of_buffers_that_share_memory_is_one_block_in_its_panel():
    """x, its view y and z written over y move out together: the spill
    panel draws their one block (idle during [5, 7)), named 'x = y = z'."""
    import io

    from app.figures.hover import hover_ids, lookup
    from app.figures.rects import trace_rectangles
    from app.figures.spill import spill_figure
    from minimalloc.analysis.spill import spill
    from minimalloc.formats.csv import read_csv

    problem = read_csv(io.StringIO("id,lower,upper,size,alias\nx,0,3,8,\ny,2,5,8,x\n"
                                   "z,7,9,8,y\nw,3,7,8,\nv,0,9,4,\n"))
    plan = spill(problem, capacity=12, timeout=10)
    assert [problem.buffers[i].id for i in plan.spilled] == ["x", "y", "z"]
    fig = spill_figure(plan)
    spilled = [t for t in fig.data if t.meta["role"] == "pool buffers"
               and t.legendgroup == "spill"]
    assert sorted(r for t in spilled for r in trace_rectangles(t)) == [
        (0, 5, 0, 8), (7, 9, 0, 8)]
    (hover,) = [t for t in fig.data if t.meta["role"] == "hover"
                and t.meta["pool"] == "spill"]
    assert set(hover.meta["ids"]) == {"x = y = z"}
    # Under the pointer anywhere in the block: its root, and whom it shares
    # memory with; nothing in its idle stretch.
    ids = hover_ids(hover.meta)
    for t in (1, 4, 8):
        found = lookup(hover.meta, t, 3)
        assert ids[found] == "x" and "y, z" in hover.meta["alias"][str(found)]
    assert lookup(hover.meta, 6, 3) is None
