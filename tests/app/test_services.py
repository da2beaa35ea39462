"""The app's services (app/services/), without Streamlit."""

from __future__ import annotations

import pytest
from app_helpers import EXAMPLE_CSV, warm_kernel  # noqa: F401 - fixture

from app.services.checking import check_allocation
from app.services.exports import problem_json, result_json
from app.services.generators import generate_problem, generator_params, parse_alignment
from app.services.jobs import Job, Plan, make_params
from app.services.loading import (
    BUILTIN_NAME,
    default_capacity,
    load_sample,
    next_power_of_two,
    parse_csv_text,
    sample_entries,
)
from app.services.tables import comparison_rows, probe_rows, rounds_rows
from app.text import buffer_index, plural
from minimalloc.errors import ProblemError
from minimalloc.params import Status


def test_parse_plain_problem():
    loaded = parse_csv_text(EXAMPLE_CSV, "five.csv")
    assert len(loaded.problem) == 5 and loaded.allocation is None
    assert loaded.name == "five.csv"
    assert default_capacity(loaded) == 16  # LOAD 12 -> 16


def test_parse_bytes_with_bom_and_aliases():
    text = "\ufeffbuffer,start,end,size\nx,0,2,4\n".encode()
    loaded = parse_csv_text(text, "alias.csv")
    assert loaded.problem.buffers[0].upper == 3  # an "end" column is inclusive


def test_every_row_with_an_offset_is_an_allocation():
    text = "id,lower,upper,size,offset\na,0,3,4,0\nb,1,4,4,2\n"
    loaded = parse_csv_text(text, "alloc.csv")
    assert loaded.allocation.offsets == (0, 2)
    assert all(b.offset is None for b in loaded.problem.buffers)
    # Its default capacity leaves room for the allocation's height.
    assert default_capacity(loaded) >= loaded.allocation.height
    check = check_allocation(loaded.problem.with_capacity(8), loaded.allocation)
    assert not check.validation.ok and check.culprits == (0, 1) and check.pairs == 1


def test_some_offsets_fix_those_buffers():
    text = "id,lower,upper,size,offset\na,0,3,4,4\nb,1,4,4,\n"
    loaded = parse_csv_text(text, "fixed.csv")
    assert loaded.allocation is None
    assert [b.offset for b in loaded.problem.buffers] == [4, None]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("id,lower,upper,size\na,0,3,x\n", ("bad.csv:2", "size")),
        ("id,lower,upper,size,offset\na,0,3,4,1\nb,0,3,4,zz\n", ("bad.csv:3", "offset")),
        ("id,lower,upper\na,0,3\n", ("bad.csv", "size")),
        ("", ("bad.csv", "empty")),
    ],
)
def test_errors_name_file_line_and_column(text, where):
    with pytest.raises(ProblemError) as caught:
        parse_csv_text(text, "bad.csv")
    message = str(caught.value)
    for part in where:
        assert part in message


def test_not_utf8():
    with pytest.raises(ProblemError, match="UTF-8"):
        parse_csv_text(b"id,lower\n\xff\n", "bin.csv")


def test_next_power_of_two():
    assert [next_power_of_two(v) for v in (0, 1, 2, 3, 12, 16, 17)] == [
        1, 1, 2, 4, 16, 16, 32]


def test_samples_are_listed_and_load():
    entries = sample_entries()
    assert entries
    name = entries[0][0]
    loaded = load_sample(name)
    assert len(loaded.problem) >= 1
    assert default_capacity(loaded) >= 1


def test_builtin_example_when_there_are_no_samples(tmp_path):
    entries = sample_entries(tmp_path)
    assert entries == [(BUILTIN_NAME, entries[0][1])]
    loaded = load_sample(BUILTIN_NAME, tmp_path)
    assert loaded.capacity == 12 and len(loaded.problem) == 5


def test_generator_parameters_and_generation():
    specs = generator_params()
    assert {"random", "perfect", "model"} <= set(specs)
    names = {p.name for p in specs["random"]}
    assert "n" in names and "seed" not in names and "capacity" not in names
    values = {p.name: p.default for p in specs["random"]}
    values["n"] = 12
    loaded = generate_problem("random", 5, values)
    assert len(loaded.problem) == 12 and "seed=5" in loaded.name
    assert parse_alignment("1, 8,64") == (1, 8, 64)
    assert parse_alignment("4") == 4
    with pytest.raises(ProblemError):
        parse_alignment("x")


def test_make_params():
    params = make_params({"canonical_only": False}, "WAT, TAW", 0, True)
    assert params.canonical_only is False and params.timeout is None
    assert params.preordering_heuristics == ("WAT", "TAW") and params.minimize_capacity
    with pytest.raises(ProblemError):
        make_params({}, "WQ", 1)


@pytest.mark.usefixtures("warm_kernel")
def test_job_solves_and_compares():
    problem = parse_csv_text(EXAMPLE_CSV).problem.with_capacity(12)
    params = make_params({}, "WAT,TAW,TWA", 10)
    job = Job(problem, params, baselines=("best_fit", "first_fit")).start(10)
    assert job.done
    outcome = job.outcome
    assert outcome.status is Status.OK and outcome.solution.offsets == (8, 8, 4, 4, 0)
    rows = comparison_rows(outcome, 12)
    assert [r["method"] for r in rows] == ["MiniMalloc", "best_fit", "first_fit"]
    assert rows[0]["above lower bound %"] == 0.0 and rows[0]["fits capacity"]
    assert rounds_rows(outcome.stats)[-1]["outcome"] == "solved"


@pytest.mark.usefixtures("warm_kernel")
def test_job_explains_infeasible():
    problem = parse_csv_text(EXAMPLE_CSV).problem.with_capacity(11)
    job = Job(problem, make_params({}, "WAT", 5)).start(30)
    assert job.wait(30)
    outcome = job.outcome
    assert outcome.status is Status.INFEASIBLE
    assert outcome.explanation.overloaded[0][:2] == (0, 9)
    assert outcome.explanation.min_capacity == 12
    shown, label = outcome.shown()
    assert shown is not None and "baseline" in label


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (f"id,lower,upper,size\na,0,3,{2**63}\n", ("big.csv:2", "column 'size'")),
        (f"id,lower,upper,size\na,0,{10**30},4\n", ("big.csv:2", "column 'upper'")),
        (f"id,lower,upper,size,offset\na,0,3,4,{2**64}\n", ("big.csv:2", "'offset'")),
        (f"id,lower,upper,size,offset\na,0,3,4,{'9' * 5000}\n", ("big.csv:2", "'offset'")),
        (f"id,lower,upper,size,offset\na,0,3,4,1\nb,0,3,4,{-(2**61)}\n",
         ("big.csv:3", "'offset'")),
    ],
)
def test_huge_integers_are_one_line_errors(text, where):
    with pytest.raises(ProblemError, match="overflow") as caught:
        parse_csv_text(text, "big.csv")
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300
    for part in where:
        assert part in message


@pytest.mark.parametrize("text", ["id,lower,upper,size\n", "id,lower,upper,size\n\n \n",
                                  b"\xef\xbb\xbfbuffer,start,end,size\r\n"])
def test_a_header_only_file_holds_no_buffers(text):
    with pytest.raises(ProblemError, match="holds no buffers") as caught:
        parse_csv_text(text, "empty.csv")
    assert str(caught.value).startswith("empty.csv: ")


def test_json_export_round_trips_the_problem_and_offsets():
    import json

    from minimalloc.model import Buffer, Gap, Problem, Solution

    problem = Problem((Buffer("a", 0, 4, 8, alignment=4, gaps=(Gap(1, 2, (0, 4)),)),
                       Buffer("b", 2, 6, 4, offset=8, hint=3)), 16)
    solution = Solution.from_offsets(problem, (0, 8))
    assert json.loads(problem_json(problem)) == {
        k: v for k, v in json.loads(result_json(
            problem, Plan(solution, "exact search", "ok", True))).items()
        if k != "solution"}
    data = json.loads(result_json(problem, Plan(solution, "exact search", "ok", True,
                                                "solve", 12, True)))
    assert data["capacity"] == 16
    a, b = data["buffers"]
    assert a == {"id": "a", "lower": 0, "upper": 4, "size": 8, "alignment": 4,
                 "gaps": [{"lower": 1, "upper": 2, "window": [0, 4]}]}
    assert b["offset"] == 8 and b["hint"] == 3
    assert data["solution"] == {"method": "exact search", "mode": "solve", "status": "ok",
                                "fits_capacity": True, "height": 12, "lower_bound": 12,
                                "proven_optimal": True, "offsets": {"a": 0, "b": 8}}


def test_probe_rows_one_per_capacity_with_budget():
    from minimalloc.analysis.minimize import Probe
    from minimalloc.params import Status

    probes = [Probe(100, Status.TIMEOUT, 0.5, 0.5), Probe(120, Status.OK, 0.1, 0.5),
              Probe(100, Status.INFEASIBLE, 0.9, 1.0)]
    rows = probe_rows(probes)
    assert [r["capacity"] for r in rows] == [100, 120]
    assert rows[0]["outcome"] == Status.INFEASIBLE.value and rows[0]["searches"] == 2
    assert rows[0]["largest budget (s)"] == 1.0
    assert rows[0]["seconds"] == pytest.approx(1.4)


def test_words_and_lookup():
    from minimalloc.model import Buffer, Problem

    assert plural(1, "probe") == "1 probe"
    assert plural(1200, "buffer") == "1,200 buffers"
    problem = Problem((Buffer("Conv1", 0, 2, 4), Buffer("x", 0, 2, 4)))
    assert buffer_index(problem, "x") == 1
    assert buffer_index(problem, "conv1") == 0
    assert buffer_index(problem, "nope") is None


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_files_are_read(delimiter):
    text = EXAMPLE_CSV.replace(",", delimiter)
    loaded = parse_csv_text(text, "spreadsheet.csv")
    assert [b.id for b in loaded.problem.buffers] == ["b1", "b2", "b3", "b4", "b5"]
    assert loaded.problem.buffers[4].upper == 21
    assert "separated" in loaded.description
