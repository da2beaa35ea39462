"""The Packing tab as its users read it: what the legend calls each mark,
and the controls beside the chart."""

from __future__ import annotations

import pytest
from app_helpers import (
    chart,
    chart_traces,
    drawn,
    new_app,
    settle,
    warm_kernel,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.usefixtures("warm_kernel")


def test_a_buffer_found_by_id_is_called_what_it_is():
    at = settle(new_app())
    at.selectbox(key="sample").set_value("transformer").run()
    settle(at)
    at.text_input(key="find_buffer").input("embed").run()
    names = [t["name"] for t in chart(at)["data"] if t.get("showlegend", True)
             and (t.get("meta") or {}).get("role") not in ("hover", "labels")]
    assert "found: embed" in names
    assert not any("infeasible" in name for name in names), names
    (found,) = chart_traces(at, "found")
    problem = at.session_state["app"].outcome.problem
    index = [b.id for b in problem.buffers].index("embed")
    offset = at.session_state["app"].outcome.solution.offsets[index]
    buffer = problem.buffers[index]
    assert drawn(at, "found") == [(buffer.lower, buffer.upper, offset,
                                   offset + buffer.size)]
    assert found["name"] == "found: embed"


def test_colour_by_is_offered_only_with_a_choice():
    """After a minimise only 'size' is known: no radio group of one option."""
    from app_helpers import EXAMPLE_CSV, paste, solve

    at = paste(new_app(), EXAMPLE_CSV)
    assert at.radio(key="color_by").options == ["size", "placement order", "partition"]
    at.radio(key="mode").set_value("minimize")
    solve(at)
    assert not [r for r in at.radio if r.key == "color_by"]
    assert any("coloured by size" in c.value for c in at.caption)


def test_an_edit_names_the_column_that_was_edited():
    """lower set above upper named column 'upper'."""
    from app_helpers import EXAMPLE_CSV, paste, texts

    at = paste(new_app(), EXAMPLE_CSV)
    at.session_state["buffers_editor"] = {
        "edited_rows": {1: {"lower": 12}}, "added_rows": [], "deleted_rows": []}
    at.run()
    errors = texts(at, "error")
    assert "row 2, column 'lower'" in errors and "column 'upper'" not in errors


def test_batch_results_read_as_a_table_of_files_counted_from_one(tmp_path):
    """Full paths, rows from 0 while the picker counts from 1, and a bad
    path said 'Could not load that problem'."""
    from app_helpers import EXAMPLE_CSV, texts

    from minimalloc.batch import ResultsFile, make_tasks, run_task

    problem = tmp_path / "deep" / "folder" / "five.12.csv"
    problem.parent.mkdir(parents=True)
    problem.write_text(EXAMPLE_CSV)
    output = tmp_path / "results.csv"
    with ResultsFile(output) as file:
        for task in make_tasks([problem], "solve", timeout=10):
            file.append(run_task(task)[0])
    at = settle(new_app())
    at.sidebar.radio(key="source").set_value("Batch results").run()
    at.sidebar.text_input(key="batch_path").input(str(output)).run()
    (rows,) = [d.value for d in at.sidebar.dataframe]
    assert rows.index.tolist() == [1] and rows["input"].tolist() == ["five.12.csv"]
    at.sidebar.text_input(key="batch_path").input(str(tmp_path / "nope.csv")).run()
    errors = texts(at, "error")
    assert "Could not read those batch results" in errors
    assert "Could not load that problem" not in errors


ALIAS_CSV = ("id,lower,upper,size,alias\nx,0,3,8,\ny,2,5,8,x\nz,7,9,8,y\n"
             "w,3,7,8,\n")


def test_buffers_that_share_memory_are_one_block_named_on_the_chart_and_in_the_hover():
    """y is a view of x, z an in-place result over y: one block of memory,
    drawn once (not three rectangles on each other), labelled with all
    three, and the hover of each says whom it shares memory with."""
    from app_helpers import paste

    from app.figures.hover import lookup

    at = paste(new_app(), ALIAS_CSV)
    at.number_input(key="capacity").set_value(16).run()
    settle(at)
    solution = at.session_state["app"].outcome.solution
    assert solution.offsets[0] == solution.offsets[1] == solution.offsets[2]
    base, other = solution.offsets[0], solution.offsets[3]
    # The block lives from 0 to 9, idle (free for others) during [5, 7).
    assert drawn(at) == sorted(
        [(0, 5, base, base + 8), (7, 9, base, base + 8), (3, 7, other, other + 8)])
    (labels,) = chart_traces(at, "labels")
    assert sorted(labels["text"]) == ["w", "x = y = z"]
    (hover,) = chart_traces(at, "hover")
    meta = hover["meta"]
    assert meta["alias"] == {"0": "shares memory with y, z",
                             "1": "shares memory with x, z",
                             "2": "shares memory with x, y"}
    assert lookup(meta, 8, base + 1) == 0  # z's stretch is the block's: its root
    assert lookup(meta, 6, base + 1) is None  # the idle stretch holds nothing
