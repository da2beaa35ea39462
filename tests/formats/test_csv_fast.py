"""The whole-column CSV reader reads exactly what the row-by-row reader reads.

Every file is read twice: as :func:`read_csv` does (the fast path first)
and with the fast path switched off.  Valid files must give equal problems
and layouts (and plain ones must really take the fast path); malformed ones
must give the same error, word for word.
"""

from __future__ import annotations

import io
import random

import numpy as np
import pytest

from minimalloc.columns import buffer_columns, clear_cache
from minimalloc.errors import ProblemError
from minimalloc.formats import csv as csvio
from minimalloc.formats import csv_fast
from minimalloc.formats.csv import CsvLayout, read_csv_with_layout
from minimalloc.formats.csv_fast import read_plain
from minimalloc.model import MAX_TOTAL, MAX_VALUE


@pytest.fixture(autouse=True)
def fast_path_for_small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """These files are small; take the fast path all the same."""
    monkeypatch.setattr(csv_fast, "MIN_CHARS", 0)


def read_both(text: str, monkeypatch: pytest.MonkeyPatch, capacity: int | None = None):
    """(fast result, row-by-row result); each a (problem, layout) or the error text."""

    def attempt():
        try:
            return read_csv_with_layout(io.StringIO(text), capacity)
        except ProblemError as error:
            return f"ProblemError: {error}"

    fast = attempt()
    with monkeypatch.context() as patch:
        patch.setattr(csvio, "read_plain", lambda *args: None)
        slow = attempt()
    return fast, slow


def takes_fast_path(text: str) -> bool:
    header = text.lstrip("\n").split("\n", 1)[0].split(",")
    return read_plain(text, CsvLayout.from_headers(header), None) is not None


OPTIONAL = ("alignment", "hint", "label", "offset")


def random_file(rng: random.Random) -> str:
    """A valid plain file: random optional columns, order, spacing, aliases."""
    columns = ["id", "lower", "upper", "size"]
    columns += [c for c in OPTIONAL if rng.random() < 0.5]
    rng.shuffle(columns)
    inclusive = rng.random() < 0.3
    names = {"id": rng.choice(["id", "buffer", "Buffer_ID"]),
             "lower": rng.choice(["lower", "start", "begin"]),
             "upper": "end" if inclusive else "upper"}
    lines = [",".join(names.get(c, c) for c in columns)]
    for i in range(rng.randint(0, 40)):
        lower = rng.randint(-50, 50)
        upper = lower + rng.randint(1, 20)
        alignment = rng.choice([1, 2, 8])
        values = {
            "id": rng.choice([f"b{i}", f" b{i} ", f"tensor:{i}/ü"]),
            "lower": str(lower),
            "upper": str(upper - 1 if inclusive else upper),
            "size": rng.choice(["0", str(rng.randint(1, 64)), f" +{rng.randint(1, 9)}"]),
            "alignment": rng.choice(["", str(alignment)]),
            "hint": rng.choice(["", "-1", str(rng.randint(0, 99)), "-7"]),
            "label": rng.choice(["", "matmul", " op a "]),
            "offset": rng.choice(["", "", str(alignment * rng.randint(0, 9))]),
        }
        if values["alignment"] == "" and values["offset"]:
            values["offset"] = str(rng.randint(0, 99))
        lines.append(",".join(values[c] for c in columns))
        if rng.random() < 0.05:
            lines.append("")
    return "\n".join(lines) + rng.choice(["\n", ""])


@pytest.mark.parametrize("seed", range(40))
def test_valid_files_read_the_same_by_both_paths(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = random_file(random.Random(seed))
    fast, slow = read_both(text, monkeypatch)
    assert fast == slow
    assert takes_fast_path(text)


BREAKAGES = [
    ("size", "1.0"), ("size", "1e3"), ("size", "True"), ("size", ""), ("size", "-4"),
    ("size", str(MAX_TOTAL + 1)), ("size", "9" * 30), ("lower", str(-MAX_VALUE - 1)),
    ("upper", str(MAX_VALUE + 1)), ("upper", "-100"), ("alignment", "0"),
    ("alignment", " "), ("offset", "3"), ("offset", "-8"), ("offset", "0x10"),
    ("hint", str(MAX_VALUE + 1)), ("id", ""), ("id", "  "), ("id", "b0"),
    ("id", '"quoted"'), ("size", "5\f"), ("upper", "١٢"),
    ("lower", str(-(2**63))), ("size", str(-(2**63))), ("offset", str(-(2**63))),
    ("lower", str(2**63)),
]


@pytest.mark.parametrize("seed", range(len(BREAKAGES)))
def test_malformed_files_give_the_same_error(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    column, bad = BREAKAGES[seed]
    header = ["id", "lower", "upper", "size", "alignment", "hint", "offset"]
    rows = [[f"b{i}", str(i), str(i + 3), "8", "8", "", str(8 * i)] for i in range(30)]
    row = rng.randrange(1, 30)
    rows[row][header.index(column)] = bad
    text = "\n".join(",".join(cells) for cells in [header, *rows]) + "\n"
    fast, slow = read_both(text, monkeypatch)
    assert fast == slow
    assert not takes_fast_path(text)


@pytest.mark.parametrize("text", [
    "\n\nid,lower,upper,size\na,0,3,4\n\nb,1,2,4\n",  # blank lines first
    "id,lower,upper,size\na,0,3,4\nb,1,2\n",  # too few cells
    "id,lower,upper,size\na,0,3,4,5\n",  # too many
    "id,lower,upper,size,gaps\na,0,9,4,1-2\n",  # gaps with content: row by row
    "id,lower,upper,size\r\na,0,3,4\r\n",  # carriage returns: row by row
    "id,lower,upper,size\na,0,3,4\n   \nb,0,3,4\n",  # a whitespace-only line
])
def test_unusual_files_read_the_same(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = read_both(text, monkeypatch)
    assert fast == slow


def test_total_size_limit_gives_the_same_error(monkeypatch: pytest.MonkeyPatch) -> None:
    half = MAX_TOTAL // 2
    text = f"id,lower,upper,size\na,0,3,{half}\nb,0,3,{half}\nc,0,3,1\n"
    fast, slow = read_both(text, monkeypatch)
    assert isinstance(fast, str) and "over the limit" in fast
    assert fast == slow


def test_small_files_are_read_row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_fast, "MIN_CHARS", 100)
    text = "id,lower,upper,size\na,0,3,4\n"
    assert not takes_fast_path(text)
    assert takes_fast_path(text + "".join(f"b{i},0,3,4\n" for i in range(20)))


def test_reader_hands_its_columns_to_the_cache() -> None:
    text = "id,lower,upper,size,alignment,offset\na,0,3,4,2,\nb,1,5,8,4,8\n"
    problem, _ = read_csv_with_layout(io.StringIO(text))
    seeded = buffer_columns(problem.buffers)
    clear_cache()
    rebuilt = buffer_columns(problem.buffers)
    for got, expected in zip(seeded, rebuilt, strict=True):
        assert got.dtype == np.int64 and not got.flags.writeable
        assert got.tolist() == expected.tolist()
    assert seeded.fixed.tolist() == [-1, 8]
