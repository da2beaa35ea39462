"""The curated sample problems in ``sample_problems/``, by name.

The CSV format has no capacity, so each sample's capacity is kept in
``sample_problems/index.csv`` (columns ``name,file,buffers,capacity,
lower_bound,teaches``), which :func:`load_sample` reads; ``sample_problems/README.md``
shows the same table for people, with the exact call that made each file.

All of those files are written by :func:`regenerate` from the catalogue
below (hand-written rows, or a seeded generator call), so they can be rebuilt
byte for byte: ``minimalloc generate --regenerate_samples``.  The
capacities of generated samples are computed when they are rebuilt: the
lowest height any baseline allocator reaches
(:func:`minimalloc.baselines.best.best_baseline`), so those samples are
known to be feasible, or the known optimum where there is one.

>>> "five_buffers" in list_samples()
True
>>> load_sample("five_buffers").capacity
12
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from minimalloc.baselines.best import best_baseline
from minimalloc.bounds import lower_bound
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import read_csv, write_csv
from minimalloc.formats.output import write_output
from minimalloc.generate import problems as generate
from minimalloc.model import Buffer, Problem

__all__ = [
    "SAMPLES",
    "SAMPLES_DIR",
    "Sample",
    "list_samples",
    "load_sample",
    "regenerate",
    "sample_info",
]

#: Where the sample files live (next to the package, in the source tree).
SAMPLES_DIR = Path(__file__).resolve().parents[2] / "sample_problems"


@dataclass(frozen=True)
class Sample:
    """One entry of the catalogue.

    ``recipe`` is the exact Python call (or ``"by hand"``) that makes the
    buffers; ``build`` performs it; ``capacity`` computes the capacity from
    the buffers.
    """

    name: str
    teaches: str
    recipe: str
    build: Callable[[], Problem]
    capacity: Callable[[Problem], int]

    @property
    def file(self) -> str:
        """The CSV file's name inside ``sample_problems/``."""
        return f"{self.name}.csv"


def _hand(rows: list[tuple[str, int, int, int]]) -> Callable[[], Problem]:
    return lambda: Problem(tuple(Buffer(*row) for row in rows))


def _baseline_height(problem: Problem) -> int:
    """The lowest height a baseline allocator reaches: a capacity the
    sample is known to fit in."""
    return best_baseline(problem, None).solution.height


def _call(
    function: str, *args: object, **kwargs: object
) -> tuple[str, Callable[[], Problem]]:
    """A generator call: its text for the README, and a function making it."""
    text = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])

    def build() -> Problem:
        return getattr(generate, function)(*args, **kwargs)

    return f"{function}({text})", build


_FIVE = [("b1", 0, 3, 4), ("b2", 3, 9, 4), ("b3", 0, 9, 4), ("b4", 9, 21, 4),
         ("b5", 0, 21, 4)]

# LOAD 5 at times 0, 2, 4 and 5, yet no packing fits in 5 (the optimum is 6):
# at time 5, F (2) shares [0, 5) with G (3), so F sits at 0 or 3; at time 4,
# F, E (2) and D (1) fill [0, 5) exactly; at time 0, B (3) shares it with
# A (2), so B sits at 0 or 2, and at time 2 C and D fill what B leaves.  F at
# 0 forces D = 4, E = 2, B = 0, C = 3, but then C and E collide at time 3;
# F at 3 forces D = 0, E = 1, B = 2, C = 1, and again C and E collide.
_LOAD_NOT_ENOUGH = [("A", 0, 1, 2), ("B", 0, 3, 3), ("C", 1, 4, 1), ("D", 2, 5, 1),
                    ("E", 3, 5, 2), ("F", 4, 6, 2), ("G", 5, 6, 3)]


def _samples() -> tuple[Sample, ...]:
    def fixed(value: int) -> Callable[[Problem], int]:
        return lambda problem: value

    def given(problem: Problem) -> int:
        assert problem.capacity is not None
        return problem.capacity

    generated = [
        ("perfect_packing",
         "A rectangle cut into pieces: LOAD equals the capacity, so only a perfect "
         "tiling fits; baselines usually overshoot.",
         _call("perfect_packing", 40, seed=1, width=48, height=96), given),
        ("gaps",
         "Gaps and windows: buffers absent or only partly present for a while.  The "
         "baselines go below the LOAD the buffers would have without their gaps.",
         _call("random_problem", 40, seed=7, horizon=48, size_distribution="uniform",
               gap_probability=0.5, window_probability=0.5), _baseline_height),
        ("alignment",
         "Alignment: offsets must be multiples of 128 or 512, so the lower bound "
         "rises above LOAD and the baselines lose room to padding.",
         _call("random_problem", 40, seed=4, horizon=48, size_distribution="uniform",
               alignment=(128, 512)), _baseline_height),
        ("fixed_offsets",
         "Fixed offsets: about a quarter of the buffers are pinned (at a baseline's "
         "offsets) and the rest must work around them.",
         _call("random_problem", 40, seed=5, horizon=48, fixed_probability=0.25),
         _baseline_height),
        ("transformer",
         "A model-like trace: 16 transformer blocks with attention scores, MLP "
         "activations, skip connections and workspaces.",
         _call("model_trace", 16, seed=6, kind="transformer"), _baseline_height),
        ("unet",
         "A U-Net: encoder activations stay alive until the matching decoder layer, "
         "so memory peaks in the middle.",
         _call("model_trace", 41, seed=7, kind="unet"), _baseline_height),
        ("large",
         "Large: 6,000 buffers, about 200 alive at a time.  The exact search still "
         "solves it in a few seconds; the baselines are faster still.",
         _call("random_problem", 6000, seed=8, mean_lifetime=200), _baseline_height),
    ]
    return (
        Sample("five_buffers",
               "The reference's five-buffer example: the optimum equals LOAD (12).",
               "by hand", _hand(_FIVE), fixed(12)),
        Sample("load_not_enough",
               "LOAD (5) fits at every moment but no packing does: the optimum is 6. "
               "Infeasible at its capacity.",
               "by hand", _hand(_LOAD_NOT_ENOUGH), fixed(5)),
        *(Sample(name, teaches, text, build, capacity)
          for name, teaches, (text, build), capacity in generated),
    )


#: The catalogue, in the order of the README table.
SAMPLES: tuple[Sample, ...] = _samples()

_INDEX_COLUMNS = ("name", "file", "buffers", "capacity", "lower_bound", "teaches")


def _read_index(folder: Path) -> dict[str, dict[str, str]]:
    path = folder / "index.csv"
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return {row["name"]: row for row in csv.DictReader(handle)}
    except FileNotFoundError:
        raise ProblemError(
            "the sample problems are missing: run "
            "'minimalloc generate --regenerate_samples'",
            file=str(path),
        ) from None


def list_samples(folder: str | Path | None = None) -> list[str]:
    """The names of the sample problems, in the README's order.

    Parameters
    ----------
    folder : str or Path, optional
        Where the samples are; default :data:`SAMPLES_DIR`.

    Returns
    -------
    list of str
    """
    return list(_read_index(Path(folder) if folder else SAMPLES_DIR))


def sample_info(name: str, folder: str | Path | None = None) -> dict[str, str]:
    """The sample's row of ``index.csv`` (name, file, buffers, capacity,
    lower_bound, teaches), as strings.

    Raises
    ------
    ProblemError
        For an unknown name; the message lists the known ones.
    """
    index = _read_index(Path(folder) if folder else SAMPLES_DIR)
    if name not in index:
        raise ProblemError(f"unknown sample '{name}': choose one of {', '.join(index)}")
    return dict(index[name])


def load_sample(name: str, folder: str | Path | None = None) -> Problem:
    """Read a sample problem, with its capacity from the index.

    Parameters
    ----------
    name : str
        One of :func:`list_samples`.
    folder : str or Path, optional
        Where the samples are; default :data:`SAMPLES_DIR`.

    Returns
    -------
    Problem
        The sample as its file holds it, with the capacity its index gives.

    Raises
    ------
    ProblemError
        For an unknown name, or a missing or broken file.
    """
    base = Path(folder) if folder else SAMPLES_DIR
    info = sample_info(name, base)
    return read_csv(base / info["file"], capacity=int(info["capacity"]))


def _markdown(rows: list[tuple[Sample, Problem, int]]) -> str:
    lines = [
        "# Sample problems",
        "",
        "Small, curated problems, each teaching one thing.  The CSV format has no",
        "capacity, so it is given here (and in `index.csv`, which",
        "`minimalloc.generate.samples.load_sample(name)` reads).  Every file is",
        "written by `minimalloc generate --regenerate_samples` from the catalogue",
        "in `minimalloc/generate/samples.py`; the last column is the exact call that",
        "made it, with the functions of `minimalloc.generate.problems`.  This file",
        "is generated too.",
        "",
        "The capacity of a generated sample is the lowest height any baseline",
        "allocator reaches (so a solution is known to exist; the exact solver may do",
        "better), except for the perfect packing, whose capacity is its optimum.",
        "",
        "The lower bound is `minimalloc.bounds.lower_bound` (LOAD, raised for",
        "alignment and fixed offsets): no solution is lower.",
        "",
        "| file | buffers | capacity | lower bound | what it teaches | how it was made |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for sample, problem, capacity in rows:
        lines.append(
            f"| `{sample.file}` | {len(problem)} | {capacity} | {lower_bound(problem)} | "
            f"{sample.teaches} | "
            + ("written by hand" if sample.recipe == "by hand" else f"`{sample.recipe}`")
            + " |"
        )
    return "\n".join(lines) + "\n"


def regenerate(folder: str | Path | None = None) -> list[Path]:
    """Write every sample's CSV, ``index.csv`` and ``README.md`` into ``folder``.

    Parameters
    ----------
    folder : str or Path, optional
        Default :data:`SAMPLES_DIR`; created if missing.

    Returns
    -------
    list of Path
        The files written.  Running it twice writes identical bytes.
    """
    base = Path(folder) if folder else SAMPLES_DIR
    base.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    rows: list[tuple[Sample, Problem, int]] = []
    for sample in SAMPLES:
        problem = sample.build()
        capacity = sample.capacity(problem)
        write_csv(problem.with_capacity(None), base / sample.file)
        written.append(base / sample.file)
        rows.append((sample, problem, capacity))
    index = io.StringIO(newline="")
    writer = csv.writer(index, lineterminator="\n")
    writer.writerow(_INDEX_COLUMNS)
    for sample, problem, capacity in rows:
        writer.writerow((sample.name, sample.file, len(problem), capacity,
                         lower_bound(problem), sample.teaches))
    for name, text in (("index.csv", index.getvalue()), ("README.md", _markdown(rows))):
        write_output(base / name, lambda handle, text=text: handle.write(text))
        written.append(base / name)
    return written
