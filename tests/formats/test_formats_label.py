"""The optional ``label`` column: provenance text carried through CSV and DataFrames."""

from __future__ import annotations

import io

from minimalloc.formats.csv import (
    dumps_csv,
    problem_from_dataframe,
    problem_to_dataframe,
    read_csv,
    read_csv_with_layout,
)
from minimalloc.model import Buffer, Problem, Solution


def test_label_round_trips_through_csv_with_commas_and_quotes():
    label = 'Conv "conv1", read by Relu relu1'
    problem = Problem((Buffer("a", 0, 3, 4, label=label), Buffer("b", 3, 9, 4)))
    text = dumps_csv(problem, Solution((0, 0), 4))
    assert text.splitlines()[0] == "id,lower,upper,size,label,offset"
    again = read_csv(io.StringIO(text))
    assert again.buffers[0].label == label
    assert again.buffers[1].label is None  # an empty cell means no label


def test_label_column_is_written_only_when_some_buffer_has_one():
    problem = Problem((Buffer("a", 0, 3, 4),))
    assert dumps_csv(problem) == "id,lower,upper,size\na,0,3,4\n"


def test_label_column_is_kept_from_the_input_layout():
    text = "id,label,lower,upper,size\nx, Add add_1 ,0,2,8\n"
    problem, layout = read_csv_with_layout(io.StringIO(text))
    assert problem.buffers[0].label == "Add add_1"  # surrounding spaces are not the label
    expected = "id,label,lower,upper,size\nx,Add add_1,0,2,8\n"
    assert dumps_csv(problem, None, layout) == expected


def test_label_survives_a_dataframe_round_trip():
    problem = Problem((Buffer("a", 0, 3, 4, label="op a"), Buffer("b", 1, 2, 1)))
    df = problem_to_dataframe(problem)
    assert list(df["label"]) == ["op a", None]
    assert problem_from_dataframe(df) == problem
