"""The page's state: one typed object in the session (the problem, the last
run, the messages to show), the keys of the widgets (Streamlit keeps each
widget's value in the session under its key), and the settings those
widgets hold, read as one typed value.

Nothing else on the page reads or writes ``st.session_state`` by a bare
string: views go through :func:`current`, the key constants and
:func:`settings`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.figures.packing import COLOR_MODES
from app.services.jobs import MINIMIZE, MODES, SOLVE, Job, Outcome, make_params
from app.services.loading import Loaded, default_capacity
from minimalloc.baselines.allocators import available_allocators
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import problem_to_dataframe
from minimalloc.model import Problem
from minimalloc.params import TECHNIQUES, SolverParams

#: Where the :class:`AppState` lives in the session.
SESSION_KEY = "app"

# The widgets' keys (tests drive the page by them: keep them stable).
SOURCE = "source"
SAMPLE = "sample"
UPLOAD = "upload"
PASTE = "paste"
GENERATOR = "generator"
GENERATOR_SEED = "gen_seed"
BATCH_UPLOAD = "batch_upload"
BATCH_PATH = "batch_path"
BATCH_ROW = "batch_row"
CAPACITY = "capacity"
MODE = "mode"
TIMEOUT = "timeout"
HEURISTICS = "heuristics"
FALLBACK = "fallback"
BASELINES = "baselines"
COLOR_BY = "color_by"
VIEW = "view"
EDITOR = "buffers_editor"
FIND_BUFFER = "find_buffer"
TIME_WINDOW = "time_window"
TABS = "main_tabs"
IMPORT_ALIGNMENT = "import_alignment"
IMPORT_DIMS = "import_dims"
IMPORT_WEIGHTS = "import_weights"
IMPORT_DEVICE = "import_device"
POOLS = "pools"
# The Compare plans tab.
COMPARE_A = "compare_a"
COMPARE_B = "compare_b"
COMPARE_MATCH = "compare_match"
COMPARE_LAYOUT = "compare_layout"
COMPARE_FIND = "compare_find"
COMPARE_TABLE = "compare_table"
COMPARE_CLICKED = "compare_clicked"  # the table rows last clicked, applied once

#: Problems up to this many buffers get an editable table; bigger ones a
#: read-only one, TABLE_PAGE rows at a time.
EDIT_LIMIT = 5_000
TABLE_PAGE = 500
#: Problems up to this many buffers are solved as soon as they are loaded.
AUTO_SOLVE_LIMIT = 10_000
#: Problems up to this many buffers solve again when the capacity changes.
RESOLVE_LIMIT = 1_000

#: Where a problem comes from (the Source radio's options).
SOURCES = ("Sample", "Upload or paste", "Generate", "Batch results")
#: How the page labels each mode (the identifiers are the batch runner's).
MODE_LABELS = {SOLVE: "Solve at this capacity", MINIMIZE: "Minimise the capacity"}
#: What the page shows: the solver's result, or the allocation a file came with.
SOLVER_VIEW = "solver"
UPLOADED_VIEW = "uploaded allocation"


def switch_key(technique: str) -> str:
    """The key of a search technique's checkbox."""
    return f"sw_{technique}"


def compare_capacity_key(side: str) -> str:
    """The key of plan ``side``'s (a or b) capacity box in the Compare tab."""
    return f"compare_capacity_{side}"


def compare_upload_key(side: str) -> str:
    """The key of plan ``side``'s (a or b) upload box in the Compare tab."""
    return f"compare_upload_{side}"


def generator_key(generator: str, parameter: str) -> str:
    """The key of a generator parameter's widget."""
    return f"gen_{generator}_{parameter}"


@dataclass
class AppState:
    """What the page keeps between runs of the script, besides widget values.

    ``loaded`` is the problem as it came (with its file's allocation, if
    any); ``table`` its buffers as the editor shows them; ``problem`` the
    problem the page works on (edits and capacity applied).  ``outcome`` is
    the last finished run, ``job`` the one running.
    """

    loaded: Loaded
    table: pd.DataFrame
    problem: Problem
    outcome: Outcome | None = None
    job: Job | None = None
    job_started_here: bool = False  # by this run of the script
    load_error: str | None = None
    edit_error: str | None = None
    param_error: str | None = None
    solve_requested: bool = False
    explain_requested: bool = False
    spill_requested: bool = False  # "Make it fit" pressed
    packing_figure: go.Figure | None = None
    batch_table: pd.DataFrame | None = None
    batch_error: str | None = None  # why the last batch results could not be read
    #: Bumped to empty the upload box after a rejected file (a widget that
    #: holds a file cannot be set: a new key makes a new, empty one).
    upload_version: int = 0
    warm_seconds: float = 0.0

    @property
    def upload_key(self) -> str:
        """The upload box's key now."""
        return UPLOAD if not self.upload_version else f"{UPLOAD}-{self.upload_version}"

    def stop_job(self) -> None:
        """Stop the running job, if any."""
        if self.job is not None:
            self.job.cancel(wait=2.0)
            self.job = None

    def finish_job(self) -> None:
        """Take the finished (or stopped) job's outcome."""
        self.job_started_here = False
        if self.job is not None:
            # A copy: a thread that did not stop in time must not change it later.
            self.outcome = self.job.outcome.copy()
            self.job = None


@dataclass(frozen=True)
class Settings:
    """The solver settings the sidebar's widgets hold."""

    mode: str
    timeout: float
    heuristics: str
    switches: Mapping[str, bool]
    fallback: bool
    baselines: tuple[str, ...]

    def params(self) -> SolverParams:
        """As :class:`SolverParams` (a ProblemError for bad heuristics)."""
        return make_params(self.switches, self.heuristics, self.timeout,
                           self.mode == MINIMIZE)


def settings() -> Settings:
    """The settings the widgets hold now."""
    ss = st.session_state
    return Settings(
        mode=ss[MODE], timeout=float(ss[TIMEOUT]), heuristics=str(ss[HEURISTICS]),
        switches={name: bool(ss[switch_key(name)]) for name in TECHNIQUES},
        fallback=bool(ss[FALLBACK]), baselines=tuple(ss[BASELINES]),
    )


def current() -> AppState:
    """The session's state (after :func:`start`)."""
    return st.session_state[SESSION_KEY]


def start(first_problem: Callable[[], Loaded], fallback_problem: Callable[[], Loaded],
          default_sample: str) -> AppState:
    """The session's state, made on the first run: widget defaults set and
    ``first_problem`` loaded (``fallback_problem`` if that fails)."""
    ss = st.session_state
    ss.setdefault(SOURCE, SOURCES[0])
    ss.setdefault(SAMPLE, default_sample)
    ss.setdefault(MODE, SOLVE)
    ss.setdefault(TIMEOUT, 10.0)
    ss.setdefault(HEURISTICS, "WAT,TAW,TWA")
    ss.setdefault(FALLBACK, True)
    ss.setdefault(BASELINES, list(available_allocators()))
    ss.setdefault(COLOR_BY, COLOR_MODES[0])
    ss.setdefault(PASTE, "")
    ss.setdefault(GENERATOR_SEED, 0)
    ss.setdefault(POOLS, "")
    ss.setdefault(COMPARE_MATCH, "id")
    ss.setdefault(COMPARE_LAYOUT, "side by side")
    for name in TECHNIQUES:
        ss.setdefault(switch_key(name), True)
    if MODE in ss and ss[MODE] not in MODES:
        ss[MODE] = SOLVE
    if SESSION_KEY not in ss:
        error = None
        try:
            loaded = first_problem()
        except (ProblemError, OSError) as failure:
            error, loaded = str(failure), fallback_problem()
        ss[SESSION_KEY] = AppState(loaded, pd.DataFrame(), loaded.problem)
        install(loaded)
        current().load_error = error
    return current()


def install(loaded: Loaded) -> None:
    """Make ``loaded`` the current problem; solve it unless it came with an
    allocation to inspect (or is too big to solve without being asked)."""
    app = current()
    app.stop_job()
    ss = st.session_state
    app.loaded = loaded
    app.table = problem_to_dataframe(loaded.problem)  # slow for big problems: once
    ss[CAPACITY] = default_capacity(loaded)
    app.problem = loaded.problem.with_capacity(ss[CAPACITY])
    app.load_error = None
    app.edit_error = None
    app.outcome = None
    ss.pop(EDITOR, None)
    ss[VIEW] = UPLOADED_VIEW if loaded.allocation is not None else SOLVER_VIEW
    # Big problems wait for Solve: their search and baselines take a while,
    # and the user may want to minimise instead.
    app.solve_requested = (loaded.allocation is None
                           and len(loaded.problem) <= AUTO_SOLVE_LIMIT)
