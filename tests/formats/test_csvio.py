"""Reading and writing the reference CSV format, and DataFrames."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_data import BENCHMARKS, needs_shared

from minimalloc.errors import ProblemError
from minimalloc.formats import csv as csvio
from minimalloc.formats.csv import (
    CsvLayout,
    dumps_csv,
    problem_from_dataframe,
    problem_to_dataframe,
    read_csv,
    read_csv_with_layout,
    write_csv,
)
from minimalloc.model import Buffer, Gap, Problem, Solution

EXAMPLE = "id,lower,upper,size\nb1,0,3,4\nb2,3,9,4\nb3,0,9,4\nb4,9,21,4\nb5,0,21,4\n"


def read_text(text: str, capacity: int | None = None) -> Problem:
    return read_csv(io.StringIO(text), capacity)


# ---------------------------------------------------------------------------
# Reading


def test_reads_the_example() -> None:
    problem = read_text(EXAMPLE, 12)
    assert problem.capacity == 12
    assert [b.id for b in problem.buffers] == ["b1", "b2", "b3", "b4", "b5"]
    assert problem.buffers[1] == Buffer("b2", 3, 9, 4)


def test_columns_in_any_order_with_all_optional_columns() -> None:
    text = "size,offset,gaps,hint,alignment,upper,lower,id\n8,4,2-3 5-6@0:4,7,2,9,0,x\n"
    problem, layout = read_csv_with_layout(io.StringIO(text))
    assert problem.buffers[0] == Buffer(
        "x", 0, 9, 8, alignment=2, gaps=(Gap(2, 3), Gap(5, 6, (0, 4))), offset=4, hint=7
    )
    assert layout.columns == (
        "size", "offset", "gaps", "hint", "alignment", "upper", "lower", "id",
    )
    assert dumps_csv(problem, layout=layout) == text


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        ("buffer,lower,upper,size", ("id", "lower", "upper", "size")),
        ("buffer_id,start,upper,size", ("id", "lower", "upper", "size")),
        ("id,begin,upper,size", ("id", "lower", "upper", "size")),
        (" ID , Lower ,UPPER,Size", ("id", "lower", "upper", "size")),
    ],
)
def test_aliases(header: str, columns: tuple[str, ...]) -> None:
    problem, layout = read_csv_with_layout(io.StringIO(f"{header}\na,0,3,4\n"))
    assert layout.columns == columns
    assert problem.buffers[0] == Buffer("a", 0, 3, 4)
    assert not layout.inclusive_end
    # Written back with the file's own spelling.
    assert dumps_csv(problem, layout=layout).splitlines()[0] == ",".join(layout.headers)


def test_end_column_is_inclusive_for_lifespans_and_gap_ends_only() -> None:
    text = "buffer_id,start,end,size,gaps\na,0,9,4,2-3 5-6@1:3\nb,10,10,1,\n"
    problem, layout = read_csv_with_layout(io.StringIO(text))
    assert layout.inclusive_end
    a, b = problem.buffers
    assert (a.lower, a.upper) == (0, 10)
    assert a.gaps == (Gap(2, 4), Gap(5, 7, (1, 3)))  # windows unchanged
    assert (b.lower, b.upper) == (10, 11)  # a one-step lifespan
    assert dumps_csv(problem, layout=layout) == text  # written back inclusively
    # Without the layout, the reference's exclusive columns.
    assert dumps_csv(problem).splitlines()[1] == "a,0,10,4,2-4 5-7@1:3"


def test_gap_syntax() -> None:
    text = "id,lower,upper,size,gaps\na,0,20,4,  1-2   3-5@0:1 8-9@2:4 \nb,0,5,4,\n"
    a, b = read_text(text).buffers
    assert a.gaps == (Gap(1, 2), Gap(3, 5, (0, 1)), Gap(8, 9, (2, 4)))
    assert b.gaps == ()


def test_negative_times_with_gaps_round_trip() -> None:
    problem = Problem((Buffer("a", -9, -1, 2, gaps=(Gap(-5, -3, (0, 1)),)),))
    text = dumps_csv(problem)
    assert "-5--3@0:1" in text
    assert read_text(text) == problem


def test_empty_optional_cells_mean_not_given() -> None:
    text = "id,lower,upper,size,alignment,hint,offset\na,0,3,4,,,\nb,0,3,4,2,5,8\n"
    problem, layout = read_csv_with_layout(io.StringIO(text))
    a, b = problem.buffers
    assert (a.alignment, a.hint, a.offset) == (1, None, None)
    assert (b.alignment, b.hint, b.offset) == (2, 5, 8)
    # Written back: no hint is -1, as the reference writes it; free offsets empty.
    assert dumps_csv(problem, layout=layout).splitlines()[1] == "a,0,3,4,1,-1,"


def test_negative_hint_means_no_hint() -> None:
    problem = read_text("id,lower,upper,size,hint\na,0,3,4,-1\n")
    assert problem.buffers[0].hint is None


def test_header_only_file_is_an_empty_problem() -> None:
    problem = read_text("id,lower,upper,size\n", 10)
    assert len(problem) == 0 and problem.capacity == 10


def test_blank_lines_crlf_bom_and_whitespace() -> None:
    data = "\ufeffid, lower ,upper,size\r\n\r\n a ,0, 3 ,4\r\n\r\n".encode()
    problem = read_csv(io.BytesIO(data))
    assert problem.buffers == (Buffer("a", 0, 3, 4),)


def test_quoted_ids() -> None:
    problem = Problem((Buffer("a,b", 0, 3, 4), Buffer('say "hi"', 0, 3, 4)))
    text = dumps_csv(problem)
    assert read_text(text) == problem


def test_reads_paths_text_and_binary_files(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(EXAMPLE)
    expected = read_text(EXAMPLE, 12)
    assert read_csv(path, 12) == expected
    assert read_csv(str(path), 12) == expected
    with open(path, encoding="utf-8") as handle:
        assert read_csv(handle, 12) == expected
    with open(path, "rb") as handle:
        assert read_csv(handle, 12) == expected


def test_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_csv(tmp_path / "nope.csv")


# ---------------------------------------------------------------------------
# Bad input: every message names the file, the line and (where there is one)
# the column.

H = "id,lower,upper,size"


@pytest.mark.parametrize(
    ("text", "line", "column", "expected"),
    [
        # header problems
        ("id,lower,upper\n", 1, "size", "required column"),
        ("id,lower,size\n", 1, "upper", "required column"),
        ("id,lower,upper,size,size\n", 1, "size", "duplicate column"),
        ("id,buffer,lower,upper,size\n", 1, "buffer", "duplicate column"),
        ("id,lower,start,upper,size\n", 1, "start", "duplicate column"),
        ("id,lower,upper,end,size\n", 1, "end", "duplicate column"),
        ("id,lower,upper,size,colour\n", 1, "colour", "unknown column"),
        # row shape
        (f"{H}\na,0,3\n", 2, None, "expected 4 fields"),
        (f"{H}\na,0,3,4\nb,0,3,4,5\n", 3, None, "expected 4 fields"),
        # values
        (f"{H}\na,x,3,4\n", 2, "lower", "expected an integer, got 'x'"),
        (f"{H}\na,0,3.5,4\n", 2, "upper", "expected an integer, got '3.5'"),
        (f"{H}\na,0,3,\n", 2, "size", "expected an integer, got ''"),
        (f"{H}\na,0,3,1_0\n", 2, "size", "expected an integer"),
        (f"{H}\na,0,3,4\n\nb,0,3,-4\n", 4, "size", "size >= 0, got -4"),
        (f"{H}\na,3,3,4\n", 2, "upper", "lower < upper"),
        (f"{H}\na,5,3,4\n", 2, "upper", "lower < upper"),
        ("id,start,end,size\na,3,2,4\n", 2, "end", "inclusive"),
        (f"{H}\n,0,3,4\n", 2, "id", "non-empty id"),
        (f"{H}\na,0,3,4\nb,0,3,4\na,1,2,3\n", 4, "id", "duplicate id 'a'"),
        (f"{H},alignment\na,0,3,4,0\n", 2, "alignment", "alignment >= 1"),
        (f"{H},alignment\na,0,3,4,-2\n", 2, "alignment", "alignment >= 1"),
        (f"{H},alignment\na,0,3,4,two\n", 2, "alignment", "expected an integer"),
        (f"{H},offset\na,0,3,4,-4\n", 2, "offset", "offset >= 0"),
        (f"{H},alignment,offset\na,0,3,4,4,6\n", 2, "offset", "multiple of the alignment"),
        (f"{H},hint\na,0,3,4,h\n", 2, "hint", "expected an integer"),
        # gaps
        (f"{H},gaps\na,0,9,4,3\n", 2, "gaps", "'lo-hi' or 'lo-hi@wlo:whi'"),
        (f"{H},gaps\na,0,9,4,3-4@1\n", 2, "gaps", "got '3-4@1'"),
        (f"{H},gaps\na,0,9,4,3-4@1:2:3\n", 2, "gaps", "got '3-4@1:2:3'"),
        (f"{H},gaps\na,0,9,4,3-x\n", 2, "gaps", "got '3-x'"),
        (f"{H},gaps\na,0,9,4,3-4;5-6\n", 2, "gaps", "got '3-4;5-6'"),
        (f"{H},gaps\na,0,9,4,4-4\n", 2, "gaps", "lower < upper"),
        (f"{H},gaps\na,2,9,4,1-3\n", 2, "gaps", "outside the lifespan"),
        (f"{H},gaps\na,0,9,4,5-10\n", 2, "gaps", "outside the lifespan"),
        ("id,lower,end,size,gaps\na,0,9,4,5-10\n", 2, "gaps", "inclusive"),
        (f"{H},gaps\na,0,9,4,1-4 3-5\n", 2, "gaps", "overlap"),
        (f"{H},gaps\na,0,9,4,1-4@0:5\n", 2, "gaps", "window"),
        (f"{H},gaps\na,0,9,4,1-4@2:2\n", 2, "gaps", "window"),
        (f"{H},gaps\na,0,9,4,1-4@-1:2\n", 2, "gaps", "window"),
        # CSV syntax
        (f'{H}\n"a,0,3,4\n', 2, None, "malformed CSV"),
        # integers that could overflow 64-bit sums
        (f"{H}\na,0,3,{2**63}\n", 2, "size", "overflow"),
        (f"{H}\na,0,{10**30},4\n", 2, "upper", "a 100-bit integer"),
        (f"{H}\na,{-(10**30)},3,4\n", 2, "lower", "overflow"),
        (f"{H},offset\na,0,3,4,{2**64}\n", 2, "offset", "overflow"),
        (f"{H},offset\na,0,3,4,{2**60 + 1}\n", 2, "offset", "2^60"),
        (f"{H},alignment\na,0,3,4,{2**62}\n", 2, "alignment", "overflow"),
        (f"{H},hint\na,0,3,4,{2**70}\n", 2, "hint", "overflow"),
        (f"{H}\na,0,3,{'9' * 5000}\n", 2, "size", "5000 digits"),
        (f"{H},gaps\na,0,9,4,1-{10**30}\n", 2, "gaps", "overflow"),
        (f"{H},gaps\na,0,9,4,1-2@0:{'1' * 60}\n", 2, "gaps", "60 digits"),
        ("id,start,end,size\na,0,1152921504606846976,4\n", 2, "end", "inclusive"),
        (f"{H}\na,0,3,{2**60}\nb,0,3,{2**60 + 1}\n", 3, "size", "over the limit"),
        (f"{H},alignment\na,0,3,{2**60},1\nb,0,3,1,{2**60 + 2}\n", 3, "size",
         "sizes plus alignments"),
    ],
)
def test_bad_input_names_line_and_column(
    tmp_path: Path, text: str, line: int, column: str | None, expected: str
) -> None:
    path = tmp_path / "problem.csv"
    path.write_text(text)
    with pytest.raises(ProblemError) as info:
        read_csv(path)
    error = info.value
    assert error.file == str(path)
    assert error.line == line
    assert error.column == column
    assert expected in str(error)
    prefix = f"{path}:{line}: " + (f"column '{column}': " if column else "")
    assert str(error).startswith(prefix)


def test_file_likes_are_called_input() -> None:
    with pytest.raises(ProblemError, match=r"^<input>:2: column 'size': "):
        read_text(f"{H}\na,0,3,-4\n")


def test_message_format_example(tmp_path: Path) -> None:
    path = tmp_path / "problem.csv"
    path.write_text(f"{H}\n" + "".join(f"b{i},0,3,4\n" for i in range(5)) + "x,0,3,-4\n")
    with pytest.raises(ProblemError) as info:
        read_csv(path)
    assert str(info.value) == f"{path}:7: column 'size': expected a size >= 0, got -4"


@pytest.mark.parametrize("text", ["", "\n", "\n\n  \n"])
def test_empty_file_is_an_error(text: str) -> None:
    with pytest.raises(ProblemError, match="empty") as info:
        read_text(text)
    assert info.value.line == 1


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"id,lower,upper,size\na,0,3,4\n\xe9t\xe9,0,3,4\n")
    with pytest.raises(ProblemError, match="UTF-8") as info:
        read_csv(path)
    assert info.value.file == str(path)
    assert info.value.line == 3
    with pytest.raises(ProblemError, match="UTF-8"):
        read_csv(io.BytesIO(path.read_bytes()))


@pytest.mark.parametrize("capacity", [0, -5])
def test_capacity_below_one(capacity: int) -> None:
    with pytest.raises(ProblemError, match="capacity >= 1"):
        read_text(EXAMPLE, capacity)


@pytest.mark.parametrize("capacity", [2**61 + 1, 10**30, 7.5, "12", True])
def test_capacity_out_of_range_or_not_an_integer(capacity: object) -> None:
    with pytest.raises(ProblemError, match="capacity"):
        read_text(EXAMPLE, capacity)  # type: ignore[arg-type]


def test_the_largest_values_are_read_exactly() -> None:
    text = f"{H},offset\na,{-(2**60)},{2**60},{2**60},0\nb,0,3,{2**60},\n"
    a, b = read_text(text, 2**61).buffers
    assert (a.lower, a.upper, a.size, a.offset, b.size) == (
        -(2**60), 2**60, 2**60, 0, 2**60)


class _Reads:
    def __init__(self, value: object) -> None:
        self.value = value

    def read(self) -> object:
        return self.value


@pytest.mark.parametrize("source", [123, None, 4.5, ["id,lower,upper,size"], _Reads(7)])
def test_what_is_not_a_file_is_a_problem_error(source: object) -> None:
    with pytest.raises(ProblemError) as info:
        read_csv(source)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


def test_bytes_paths_are_paths(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(EXAMPLE)
    assert len(read_csv(os.fsencode(path))) == 5


# ---------------------------------------------------------------------------
# Writing


def test_writes_the_reference_layout_by_default() -> None:
    problem = Problem(
        (
            Buffer("a", 0, 3, 4),
            Buffer("b", 1, 5, 2, alignment=2, hint=3, gaps=(Gap(2, 3),), offset=6),
        )
    )
    assert dumps_csv(problem) == (
        "id,lower,upper,size,alignment,hint,gaps,offset\n"
        "a,0,3,4,1,-1,,\n"
        "b,1,5,2,2,3,2-3,6\n"
    )
    assert dumps_csv(Problem((Buffer("a", 0, 3, 4),))) == "id,lower,upper,size\na,0,3,4\n"


def test_solution_offsets_replace_an_offset_column_in_place() -> None:
    text = "id,offset,lower,upper,size\na,,0,3,4\nb,4,0,3,4\n"
    problem, layout = read_csv_with_layout(io.StringIO(text))
    solution = Solution((0, 4), 8)
    assert dumps_csv(problem, solution, layout) == (
        "id,offset,lower,upper,size\na,0,0,3,4\nb,4,0,3,4\n"
    )
    # Without the layout, one offset column, last, as the reference writes it.
    assert dumps_csv(problem, solution) == (
        "id,lower,upper,size,offset\na,0,3,4,0\nb,0,3,4,4\n"
    )


def test_layout_gains_the_columns_the_problem_needs() -> None:
    problem = Problem((Buffer("a", 0, 3, 4, alignment=2, gaps=(Gap(1, 2),)),))
    layout = CsvLayout(
        ("size", "id", "lower", "upper"), ("size", "buffer", "start", "upper")
    )
    assert dumps_csv(problem, Solution((2,), 6), layout) == (
        "size,buffer,start,upper,alignment,gaps,offset\n4,a,0,3,2,1-2,2\n"
    )


def test_layout_checks_itself() -> None:
    with pytest.raises(ProblemError):
        CsvLayout(("id", "lower", "upper"), ("id", "lower", "upper"))
    with pytest.raises(ProblemError):
        CsvLayout(("id", "lower", "upper", "size"), ("id", "lower", "upper", "offset"))
    with pytest.raises(ProblemError):
        CsvLayout(("id", "lower", "upper", "size"), ("id", "lower", "upper"))


def test_solution_of_the_wrong_length_is_refused(tmp_path: Path) -> None:
    problem = read_text(EXAMPLE)
    with pytest.raises(ProblemError, match="5 buffers"):
        dumps_csv(problem, Solution((1, 2), 4))
    with pytest.raises(ProblemError):
        write_csv(problem, tmp_path / "out.csv", Solution((1, 2), 4))
    assert list(tmp_path.iterdir()) == []


def test_write_to_path_and_text_file(tmp_path: Path) -> None:
    problem = read_text(EXAMPLE, 12)
    path = tmp_path / "out.csv"
    write_csv(problem, path)
    assert path.read_bytes() == EXAMPLE.encode()
    write_csv(problem, str(path), Solution((8, 8, 4, 4, 0), 12))
    assert path.read_text().splitlines()[1] == "b1,0,3,4,8"
    out = io.StringIO()
    write_csv(problem, out)
    assert out.getvalue() == EXAMPLE
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_write_keeps_the_permissions_of_the_file_it_replaces(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old")
    os.chmod(path, 0o640)
    write_csv(read_text(EXAMPLE), path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.csv"
    path.write_text("the old contents\n")

    def broken(stream: io.StringIO, *args: object) -> None:
        stream.write("id,lower,up")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(csvio, "_write_rows", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_csv(read_text(EXAMPLE), path)
    assert path.read_text() == "the old contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    # A new file is not created at all.
    with pytest.raises(RuntimeError):
        write_csv(read_text(EXAMPLE), tmp_path / "new.csv")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


# ---------------------------------------------------------------------------
# Byte for byte with the reference's outputs


def _benchmark_pairs() -> list[tuple[str, str]]:
    names = [f"{letter}.1048576" for letter in "ABCDEFGHIJK"]
    pairs = [(f"challenging/{n}.csv", f"reference/{n}.out.csv") for n in names]
    return pairs + [("examples/input.12.csv", "reference/input.12.out.csv")]


@needs_shared
@pytest.mark.parametrize(("input_name", "output_name"), _benchmark_pairs())
def test_output_is_byte_identical_to_the_reference(
    input_name: str, output_name: str
) -> None:
    problem, layout = read_csv_with_layout(BENCHMARKS / input_name, 1048576)
    expected = (BENCHMARKS / output_name).read_bytes()
    offsets = [b.offset for b in read_csv(BENCHMARKS / output_name).buffers]
    solution = Solution.from_offsets(problem, offsets)
    assert dumps_csv(problem, solution, layout).encode() == expected
    assert dumps_csv(problem, solution).encode() == expected
    # The reference output read back (its offsets become fixed) writes itself.
    again, again_layout = read_csv_with_layout(BENCHMARKS / output_name)
    assert dumps_csv(again, layout=again_layout).encode() == expected
    assert dumps_csv(again, solution, again_layout).encode() == expected


# ---------------------------------------------------------------------------
# DataFrames


def test_dataframe_round_trip() -> None:
    problem = Problem(
        (
            Buffer("a", 0, 3, 4),
            Buffer("b", 1, 9, 4, alignment=2, gaps=(Gap(2, 3), Gap(4, 6, (0, 2))),
                   offset=4, hint=1),
        ),
        capacity=16,
    )
    df = problem_to_dataframe(problem)
    assert list(df.columns) == list(csvio.CANONICAL_COLUMNS)
    assert str(df["offset"].dtype) == "Int64" and str(df["hint"].dtype) == "Int64"
    assert df["gaps"].tolist() == ["", "2-3 4-6@0:2"]
    assert problem_from_dataframe(df, 16) == problem
    assert problem_from_dataframe(problem_to_dataframe(Problem(())), None) == Problem(())


def test_dataframe_with_floats_nans_and_aliases() -> None:
    df = pd.DataFrame(
        {
            "buffer": ["a", "b"],
            "start": [0.0, 1.0],
            "end": [2, 3],
            "size": [4, 4],
            "offset": [float("nan"), 8.0],
            "gaps": [None, "2-2"],
        }
    )
    a, b = problem_from_dataframe(df, None).buffers
    assert a == Buffer("a", 0, 3, 4)
    assert b == Buffer("b", 1, 4, 4, offset=8, gaps=(Gap(2, 3),))


def test_dataframe_with_huge_numbers_names_row_and_column() -> None:
    df = pd.DataFrame({"id": ["a", "b"], "lower": [0, 0], "upper": [3, 3],
                       "size": [4.0, 1e30]})
    with pytest.raises(ProblemError, match="overflow") as info:
        problem_from_dataframe(df)
    assert (info.value.line, info.value.column) == (3, "size")
    df["size"] = [4.0, float("inf")]
    with pytest.raises(ProblemError, match="expected an integer, got 'inf'"):
        problem_from_dataframe(df)


@pytest.mark.parametrize("frame", [None, [1, 2], {"id": ["a"]}])
def test_dataframe_of_the_wrong_type(frame: object) -> None:
    with pytest.raises(ProblemError, match="DataFrame"):
        problem_from_dataframe(frame)  # type: ignore[arg-type]


def test_writing_to_what_is_not_a_file_is_a_problem_error() -> None:
    with pytest.raises(ProblemError, match="path or an open text file"):
        write_csv(read_text(EXAMPLE), 123)  # type: ignore[arg-type]


def test_dataframe_errors_name_the_row_as_a_csv_line() -> None:
    df = pd.DataFrame({"id": ["a", "b", "c"], "lower": [0, 0, 0], "upper": [3, 3, 3],
                       "size": [4, 4, -4]}, index=[10, 20, 30])
    with pytest.raises(ProblemError) as info:
        problem_from_dataframe(df, None)
    assert info.value.line == 4  # row position 2
    assert info.value.column == "size"
    df = pd.DataFrame({"id": ["a"], "lower": [0], "upper": [3], "size": [2.5]})
    with pytest.raises(ProblemError, match="column 'size': expected an integer, got '2.5'"):
        problem_from_dataframe(df, None)
    with pytest.raises(ProblemError, match="required column"):
        problem_from_dataframe(pd.DataFrame({"id": ["a"]}), None)
    with pytest.raises(ProblemError, match="capacity"):
        problem_from_dataframe(problem_to_dataframe(Problem(())), 0)


# ---------------------------------------------------------------------------
# Round trips of random problems


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    count = draw(st.integers(0, 6))
    buffers = []
    for index in range(count):
        lower = draw(st.integers(-5, 20))
        upper = lower + draw(st.integers(1, 12))
        size = draw(st.integers(0, 9))
        alignment = draw(st.integers(1, 4))
        cuts = sorted(draw(st.sets(st.integers(lower, upper), max_size=4)))
        gaps = []
        for lo, hi in zip(cuts[::2], cuts[1::2], strict=False):
            window = None
            if size >= 1 and draw(st.booleans()):
                wlo = draw(st.integers(0, size - 1))
                window = (wlo, draw(st.integers(wlo + 1, size)))
            gaps.append(Gap(lo, hi, window))
        offset = draw(st.none() | st.integers(0, 5).map(lambda k, a=alignment: k * a))
        hint = draw(st.none() | st.integers(0, 50))
        ident = draw(st.text("abc xyz,\"'é_-", min_size=1, max_size=6).filter(
            lambda s: s.strip() == s))
        buffers.append(Buffer(f"{ident}{index}", lower, upper, size, alignment,
                              tuple(gaps), offset, hint))
    return Problem(tuple(buffers), draw(st.none() | st.integers(1, 100)))


@settings(max_examples=200, deadline=None)
@given(problems(), st.booleans())
def test_random_round_trips(problem: Problem, inclusive: bool) -> None:
    layout = None
    if inclusive:
        layout = CsvLayout(
            ("id", "lower", "upper", "size"), ("buffer", "start", "end", "size")
        )
    text = dumps_csv(problem, layout=layout)
    again, again_layout = read_csv_with_layout(io.StringIO(text), problem.capacity)
    assert again == problem
    assert dumps_csv(again, layout=again_layout) == text
    df = problem_to_dataframe(problem)
    assert problem_from_dataframe(df, problem.capacity) == problem
