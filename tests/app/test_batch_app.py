"""The app opens a results table of ``minimalloc batch`` and jumps to a row."""

from __future__ import annotations

import pytest
from app_helpers import EXAMPLE_CSV, app_state, new_app, settle, warm_kernel  # noqa: F401 - fixture

from app.services.batch_results import (
    batch_row_label,
    batch_settings,
    load_batch_row,
    read_batch_results,
)
from minimalloc import batch
from minimalloc.errors import ProblemError

pytestmark = pytest.mark.usefixtures("warm_kernel")


@pytest.fixture
def results(tmp_path):
    """A results file with a solve row, an ablation row and a row whose input
    is gone, written as the batch writes them (its tasks run in-process)."""
    problem = tmp_path / "five.12.csv"
    problem.write_text(EXAMPLE_CSV)
    tasks = [*batch.make_tasks([problem], "solve", timeout=10),
             batch.make_tasks([problem], "ablation", timeout=10)[2],
             *batch.make_tasks([tmp_path / "gone.csv"], "solve")]
    output = tmp_path / "results.csv"
    with batch.ResultsFile(output) as file:
        for task in tasks:
            file.append(batch.run_task(task)[0])
    return output


def test_a_row_opens_its_problem_at_its_capacity_with_its_switches(results):
    table = read_batch_results(results)
    assert [batch_row_label(r, i) for i, r in
            enumerate(table.to_dict("records"))] == [
        "1. five.12.csv · ok · height 12",
        "2. five.12.csv · without section_inference · ok · height 12",
        "3. gone.csv · error"]
    loaded = load_batch_row(table, 1)
    assert (loaded.name, loaded.capacity, len(loaded.problem.buffers)) == (
        "five.12.csv", 12, 5)
    minimise, switches = batch_settings(table, 1)
    assert not minimise and not switches["section_inference"]
    assert sum(switches.values()) == len(switches) - 1
    with pytest.raises(ProblemError, match="row 3: its input .*gone.csv"):
        load_batch_row(table, 2)
    with pytest.raises(ProblemError, match="not a results table"):
        read_batch_results(EXAMPLE_CSV.encode(), "five.csv")


def test_the_page_opens_a_results_file_and_solves_the_chosen_row(results):
    at = new_app()
    at = settle(at)
    at.sidebar.radio(key="source").set_value("Batch results").run()
    at.sidebar.text_input(key="batch_path").input(str(results)).run()
    assert app_state(at).batch_table is not None
    at.sidebar.selectbox(key="batch_row").set_value(1).run()
    at.sidebar.button(key="batch_open").click().run()
    at = settle(at)
    assert not at.exception
    assert app_state(at).loaded.name == "five.12.csv"
    assert at.session_state["capacity"] == 12
    assert at.session_state["sw_section_inference"] is False
    outcome = app_state(at).outcome
    assert outcome is not None and outcome.result.solution.height == 12
    at.sidebar.selectbox(key="batch_row").set_value(2).run()
    at.sidebar.button(key="batch_open").click().run()
    assert "gone.csv" in app_state(at).load_error
    assert app_state(at).loaded.name == "five.12.csv"  # the last good one stays
