"""MiniMalloc in the browser: load or generate a problem, solve it, look at
the packing and at what the search did.

Layout and widgets only: loading, solving and checking live in
``workflow.py``, figures in ``charts.py``.  Run with ``make run``.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

st.set_page_config(page_title="MiniMalloc", page_icon=":material/memory:", layout="wide")

import pandas as pd  # noqa: E402

from app import charts, model_view, search_view, workflow  # noqa: E402
from minimalloc.baselines import allocators as heuristics  # noqa: E402
from minimalloc.errors import ProblemError  # noqa: E402
from minimalloc.formats.csv import dumps_csv, problem_from_dataframe, problem_to_dataframe  # noqa: E402
from minimalloc.model import MAX_TOTAL, MAX_VALUE  # noqa: E402
from minimalloc.params import HEURISTIC_KEYS, TECHNIQUES, Status  # noqa: E402
from minimalloc.search import solver  # noqa: E402

ss = st.session_state
#: Numbers in tables as elsewhere on the page: 8,732, not 8732.
LOCALIZED = st.column_config.NumberColumn(format="localized")
SEARCH_TAB = "Search view"

#: The search techniques, grouped as the page shows them.
TECHNIQUE_GROUPS: dict[str, tuple[str, ...]] = {
    "Pruning": ("canonical_only", "check_dominance", "hatless_pruning"),
    "Spatial inference": ("section_inference", "unallocated_floor", "monotonic_floor"),
    "Ordering": ("static_preordering", "dynamic_ordering"),
    "Decomposition": ("dynamic_decomposition",),
}
SOURCES = ("Sample", "Upload or paste", "Generate", "Batch results")
#: Problems up to this many buffers get an editable table; bigger ones a
#: read-only one, TABLE_PAGE rows at a time.
EDIT_LIMIT = 5_000
#: Problems up to this many buffers are solved as soon as they are loaded.
AUTO_SOLVE_LIMIT = 10_000
#: Problems up to this many buffers solve again when the capacity changes.
RESOLVE_LIMIT = 1_000
TABLE_PAGE = 500
MODES = ("Solve at this capacity", "Minimise the capacity")
STATUS_TEXT = {
    Status.OK: "solved",
    Status.INFEASIBLE: "does not fit",
    Status.TIMEOUT: "timed out",
    Status.CANCELLED: "stopped",
    Status.UNDECIDED: "undecided",
}


@st.cache_resource(show_spinner="Compiling the search kernel (once per server)…")
def warm_kernel() -> float:
    """Compile the numba kernel once per server process; seconds taken."""
    return solver.warmup()


# ----------------------------------------------------------------------------
# State and loading (callbacks run before the page is drawn)


def init_state() -> None:
    entries = workflow.sample_entries()
    ss.setdefault("source", SOURCES[0])
    ss.setdefault("sample", _default_sample(entries))
    ss.setdefault("mode", MODES[0])
    ss.setdefault("timeout", 10.0)
    ss.setdefault("heuristics", "WAT,TAW,TWA")
    ss.setdefault("fallback", True)
    ss.setdefault("baselines", list(heuristics.available_allocators()))
    ss.setdefault("color_by", charts.COLOR_MODES[0])
    ss.setdefault("paste", "")
    ss.setdefault("gen_seed", 0)
    for name in TECHNIQUES:
        ss.setdefault(f"sw_{name}", True)
    if "loaded" not in ss:
        try:
            install(workflow.load_sample(ss.sample))
        except (ProblemError, OSError) as error:
            ss.load_error = str(error)
            install(workflow.load_sample(workflow.BUILTIN_NAME))


def _default_sample(entries: list[tuple[str, str]]) -> str:
    names = [name for name, _ in entries]
    for preferred in ("transformer", "five_buffers", workflow.BUILTIN_NAME):
        if preferred in names:
            return preferred
    return names[0]


def install(loaded: workflow.Loaded) -> None:
    """Make ``loaded`` the current problem; solve it unless it came with an
    allocation to inspect."""
    stop_job()
    ss.loaded = loaded
    ss.loaded_table = problem_to_dataframe(loaded.problem)  # slow for big problems: once
    ss.capacity = workflow.default_capacity(loaded)
    ss.problem = loaded.problem.with_capacity(ss.capacity)
    ss.load_error = None
    ss.edit_error = None
    ss.outcome = None
    ss.pop("buffers_editor", None)
    ss.view = "uploaded allocation" if loaded.allocation is not None else "solver"
    # Big problems wait for Solve: their search and baselines take a while,
    # and the user may want to minimise instead.
    ss.solve_requested = (loaded.allocation is None
                          and len(loaded.problem) <= AUTO_SOLVE_LIMIT)


def load_guarded(make) -> None:
    try:
        install(make())
    except (ProblemError, OSError) as error:
        ss.load_error = str(error)  # the last good problem stays loaded


def on_sample() -> None:
    load_guarded(lambda: workflow.load_sample(ss.sample))


def on_upload() -> None:
    file = ss.get("upload")
    if file is not None:
        load_guarded(lambda: model_view.parse_upload(ss, file.getvalue(), file.name))


def on_paste() -> None:
    if not ss.get("paste", "").strip():
        ss.load_error = "Paste a CSV first: a header row (id,lower,upper,size,…) and rows."
        return
    load_guarded(lambda: workflow.parse_csv_text(ss.paste, "pasted CSV"))


def on_generate() -> None:
    name = ss.generator
    values = {}
    for p in workflow.generator_params()[name]:
        value = ss.get(f"gen_{name}_{p.name}")
        if p.kind.startswith("optional") and not value:
            value = None
        values[p.name] = value
    load_guarded(lambda: workflow.generate_problem(name, ss.gen_seed, values))


def on_capacity() -> None:
    """Small problems solve again at once when the capacity changes."""
    if len(ss.loaded.problem) <= RESOLVE_LIMIT and ss.loaded.allocation is None:
        on_solve()


def on_solve() -> None:
    ss.solve_requested = True
    ss.view = "solver"


def stop_job() -> None:
    job = ss.get("job")
    if job is not None:
        job.cancel(wait=2.0)
        ss.job = None


# ----------------------------------------------------------------------------
# Sidebar


def sidebar() -> None:
    sb = st.sidebar
    sb.header("Problem")
    sb.radio("Source", SOURCES, key="source")
    if ss.source == "Sample":
        entries = workflow.sample_entries()
        names = [n for n, _ in entries]
        if ss.sample not in names:
            ss.sample = names[0]
        sb.selectbox("Sample problem", names, key="sample", on_change=on_sample)
        description = dict(entries).get(ss.sample)
        if description:
            sb.caption(description)
        sb.button("Reload sample", key="reload_sample", on_click=on_sample)
    elif ss.source == "Upload or paste":
        sb.file_uploader(
            "CSV file (reference format; an offset column is checked as an allocation), "
            "ONNX model or PyTorch memory snapshot (.pickle)",
            type=workflow.UPLOAD_TYPES, key="upload", on_change=on_upload,
        )
        model_view.import_widgets(sb)
        sb.text_area("…or paste CSV", key="paste", height=140,
                     placeholder="id,lower,upper,size\nb1,0,3,4\nb2,3,9,4")
        sb.button("Load pasted CSV", key="load_paste", on_click=on_paste)
    elif ss.source == "Batch results":
        batch_widgets(sb)
    else:
        generator_widgets(sb)
    problem = ss.problem
    load = workflow.load_of(problem)
    sb.number_input("Capacity", key="capacity", min_value=1, step=1,
                    on_change=on_capacity,
                    help="Default: the source's capacity, else the smallest power of "
                    "two ≥ LOAD.")
    sb.caption(f"LOAD (peak live bytes) = **{load:,}** · smallest power of two ≥ LOAD = "
               f"{workflow.next_power_of_two(max(load, 1)):,}")

    sb.header("Solver")
    sb.radio("Mode", MODES, key="mode",
             help="Minimise: the smallest capacity the buffers fit in, proven optimal "
             "when time allows; Stop keeps the best found so far.")
    sb.number_input("Time limit (seconds, 0 = none)", key="timeout", min_value=0.0,
                    step=1.0)
    keys = ", ".join(f"{k} {v.split(':')[0]}" for k, v in HEURISTIC_KEYS.items())
    sb.text_input("Preordering heuristics", key="heuristics",
                  help="Comma-separated strings of letters, each a key compared in "
                  f"descending order: {keys}. Several run as a round robin.")
    with sb.expander("Search techniques", expanded=False):
        for group, names in TECHNIQUE_GROUPS.items():
            st.markdown(f"**{group}**")
            for name in names:
                st.checkbox(name.replace("_", " "), key=f"sw_{name}")
                st.caption(TECHNIQUES[name])
        grouped = {n for names in TECHNIQUE_GROUPS.values() for n in names}
        extra = [n for n in TECHNIQUES if n not in grouped]
        for name in extra:
            st.checkbox(name.replace("_", " "), key=f"sw_{name}")
            st.caption(TECHNIQUES[name])
    sb.checkbox("Show a baseline allocation if the search gives no answer",
                key="fallback")
    sb.multiselect("Baselines to compare", heuristics.available_allocators(),
                   key="baselines")
    sb.button("Solve", key="solve", type="primary", on_click=on_solve,
              width="stretch")
    sb.caption(f"Search kernel ready (compiled in {ss.warm_seconds:.1f} s at server "
               "start).")


def on_batch_upload() -> None:
    file = ss.get("batch_upload")
    if file is not None:
        _read_batch(lambda: workflow.read_batch_results(file.getvalue(), file.name))


def on_batch_path() -> None:
    path = ss.get("batch_path", "").strip()
    if path:
        _read_batch(lambda: workflow.read_batch_results(path))


def _read_batch(read) -> None:
    try:
        ss.batch_table = read()
        ss.batch_row = 0
        ss.load_error = None
    except (ProblemError, OSError) as error:
        ss.load_error = str(error)


def on_batch_open() -> None:
    """Load the chosen row's problem with the row's capacity, mode and switches."""
    table, index = ss.batch_table, ss.batch_row
    minimise, switches = workflow.batch_settings(table, index)
    ss.mode = MODES[1] if minimise else MODES[0]
    for name, on in switches.items():
        ss[f"sw_{name}"] = on
    load_guarded(lambda: workflow.load_batch_row(table, index))


def batch_widgets(sb) -> None:
    """Open a table written by ``minimalloc batch`` and jump to any row's problem."""
    sb.file_uploader("Results CSV of minimalloc batch", type=["csv"], key="batch_upload",
                     on_change=on_batch_upload)
    sb.text_input("…or its path on this machine", key="batch_path",
                  on_change=on_batch_path)
    table = ss.get("batch_table")
    if table is None:
        sb.caption("Rows name their input files; opening a row reads its file again.")
        return
    sb.dataframe(table[["input", "variant", "status", "height", "proven", "seconds"]],
                 key="batch_rows", height=180)
    labels = [workflow.batch_row_label(row, i) for i, row in
              enumerate(table.to_dict("records"))]
    sb.selectbox("Row", range(len(table)), format_func=labels.__getitem__,
                 key="batch_row")
    sb.button("Open this row's problem", key="batch_open", on_click=on_batch_open)


def generator_widgets(sb) -> None:
    specs = workflow.generator_params()
    names = list(specs)
    ss.setdefault("generator", names[0])
    sb.selectbox("Generator", names, key="generator")
    name = ss.generator
    for p in specs[name]:
        key = f"gen_{name}_{p.name}"
        label = p.name.replace("_", " ")
        if p.kind == "int":
            ss.setdefault(key, int(p.default))
            sb.number_input(label, key=key, min_value=int(p.minimum or 0), step=1)
        elif p.kind == "float":
            ss.setdefault(key, float(p.default))
            sb.number_input(label, key=key, step=0.5)
        elif p.kind == "optional int":
            ss.setdefault(key, 0)
            sb.number_input(f"{label} (0 = {workflow.DEFAULT_TEXT.get(p.name, 'default')})",
                            key=key, min_value=0, step=1)
        elif p.kind == "optional float":
            ss.setdefault(key, 0.0)
            sb.number_input(f"{label} (0 = {workflow.DEFAULT_TEXT.get(p.name, 'default')})",
                            key=key, min_value=0.0, step=1.0)
        elif p.kind == "probability":
            ss.setdefault(key, float(p.default))
            sb.slider(label, key=key, min_value=0.0, max_value=1.0, step=0.05)
        elif p.kind == "choice":
            ss.setdefault(key, p.default)
            sb.selectbox(label, list(p.choices), key=key)
        elif p.kind == "alignment":
            ss.setdefault(key, str(p.default))
            sb.text_input(f"{label} (one value, or choices like 1,8,64)", key=key)
    sb.number_input("Seed", key="gen_seed", min_value=0, step=1)
    sb.button("Generate", key="generate", on_click=on_generate)


# ----------------------------------------------------------------------------
# Main area


def current_problem(editor_tab):
    """The loaded problem with the table's edits and the capacity applied;
    on a bad edit, the message and the last good problem."""
    loaded: workflow.Loaded = ss.loaded
    if len(ss.loaded_table) > EDIT_LIMIT:
        with editor_tab:
            paged_table(ss.loaded_table)
        problem = loaded.problem.with_capacity(int(ss.capacity))
        if problem != ss.problem:
            ss.problem = problem
        return ss.problem
    with editor_tab:
        st.caption("Edit cells, add rows at the bottom or delete rows; the chart and "
                   "the next solve use the edited problem.  `gaps`: `lo-hi` or "
                   "`lo-hi@wlo:whi`, separated by spaces.  `offset` fixes a buffer.")
        edited = st.data_editor(
            ss.loaded_table, key="buffers_editor",
            num_rows="dynamic", hide_index=True, height=420,
            column_config={
                "id": st.column_config.TextColumn("id", required=True),
                # The bounds keep typed values where 64-bit sums cannot overflow.
                "lower": st.column_config.NumberColumn(
                    "lower", step=1, required=True, min_value=-MAX_VALUE,
                    max_value=MAX_VALUE),
                "upper": st.column_config.NumberColumn(
                    "upper", step=1, required=True, min_value=-MAX_VALUE,
                    max_value=MAX_VALUE),
                "size": st.column_config.NumberColumn(
                    "size", min_value=0, max_value=MAX_TOTAL, step=1, required=True),
                "alignment": st.column_config.NumberColumn(
                    "alignment", min_value=1, max_value=MAX_TOTAL, step=1, default=1),
                "hint": st.column_config.NumberColumn(
                    "hint", step=1, min_value=-MAX_VALUE, max_value=MAX_VALUE),
                "gaps": st.column_config.TextColumn("gaps"),
                "offset": st.column_config.NumberColumn(
                    "offset (fixed)", min_value=0, max_value=MAX_VALUE, step=1),
            },
        )
    capacity = int(ss.capacity)
    state = ss.get("buffers_editor") or {}
    changed = any(state.get(k) for k in ("edited_rows", "added_rows", "deleted_rows"))
    if not changed:
        problem = loaded.problem.with_capacity(capacity)
        ss.edit_error = None
    else:
        try:
            problem = problem_from_dataframe(edited, capacity)
            ss.edit_error = None
        except ProblemError as error:
            ss.edit_error = "This edit is not a valid problem: " + workflow.as_table_row(
                error)
            problem = ss.problem.with_capacity(capacity)
    if problem != ss.problem:
        ss.problem = problem
    return ss.problem


def paged_table(table: pd.DataFrame) -> None:
    """A big problem's buffers a page at a time (sending every row to the
    browser at once takes seconds and megabytes), read-only."""
    pages = -(-len(table) // TABLE_PAGE)
    page = st.number_input(f"Page (of {pages:,})", key="table_page", min_value=1,
                           max_value=pages, step=1)
    start = (int(page) - 1) * TABLE_PAGE
    rows = table.iloc[start:start + TABLE_PAGE].copy()
    rows.index = range(start + 1, start + 1 + len(rows))  # row numbers from 1
    st.caption(f"Rows {start + 1:,}–{start + len(rows):,} of {len(table):,}.  Problems "
               f"of more than {EDIT_LIMIT:,} buffers are shown read-only: edit the "
               "file and load it again.")
    st.dataframe(rows, key="buffers_page", height=420)


def start_job_if_requested(problem) -> None:
    if not ss.get("solve_requested"):
        return
    ss.solve_requested = False
    stop_job()
    switches = {name: bool(ss[f"sw_{name}"]) for name in TECHNIQUES}
    minimise = ss.mode == MODES[1]
    try:
        params = workflow.make_params(switches, ss.heuristics, ss.timeout, minimise)
    except ProblemError as error:
        ss.param_error = str(error)
        return
    ss.param_error = None
    job = workflow.Job(problem, params, mode="minimise" if minimise else "solve",
                       baselines=ss.baselines, fallback=ss.fallback,
                       after=functools.partial(build_ahead, color_by=ss.color_by,
                                               revision=id(ss.loaded)))
    ss.job = job.start()
    if job.done:
        finish_job()


def finish_job() -> None:
    job = ss.get("job")
    if job is not None:
        # A copy: a thread that did not stop in time must not change it later.
        ss.outcome = dataclasses.replace(job.outcome)
        ss.job = None


@st.fragment(run_every=0.5)
def progress_panel() -> None:
    """Live progress of a long solve, with a Stop button; while minimising,
    the best packing so far on request."""
    job = ss.get("job")
    if job is None:
        return
    if job.done:
        finish_job()
        st.rerun()
    shown = job.progress()
    with st.container(border=True):
        head, stop = st.columns([6, 1])
        head.markdown(f":material/hourglass_top: **{job.phase.capitalize()}…**")
        if stop.button("Stop", key="stop", type="primary", icon=":material/stop:"):
            job.cancel(wait=3.0)
            finish_job()
            st.rerun()
        metric_row(shown)
        state = job.minimizer_progress()
        if state is not None and state.best is not None:
            if st.toggle("Show the best packing so far", key="show_best"):
                fig = charts.packing_figure(job.problem, state.best,
                                            title=f"Best so far: height "
                                            f"{state.best.height:,}")
                st.plotly_chart(fig, key="best_so_far_chart",
                                config={"scrollZoom": False, "displaylogo": False})


def metric_row(shown: dict[str, str]) -> None:
    """Metrics side by side, wrapping onto new rows of at most four (on a
    narrow screen Streamlit stacks each row's columns)."""
    items = list(shown.items())
    for start in range(0, len(items), 4):
        cols = st.columns(4)
        for col, (label, value) in zip(cols, items[start:start + 4], strict=False):
            col.metric(label, value)


def problem_summary(problem) -> None:
    loaded: workflow.Loaded = ss.loaded
    st.markdown(f"**Problem:** {loaded.name}"
                + (f" — {loaded.description}" if loaded.description else ""))
    cols = st.columns(5)
    cols[0].metric("Buffers", f"{len(problem):,}")
    cols[1].metric("LOAD", f"{workflow.load_of(problem):,}",
                   help="The most bytes live at any one moment: no packing is lower.")
    lower = best_lower_bound(problem)
    cols[2].metric("Lower bound", f"{lower:,}",
                   help="No packing is lower: LOAD raised by the largest buffers, fixed "
                   "offsets and alignment (and by the minimiser's proofs once it ran).")
    cols[3].metric("Capacity", f"{problem.capacity:,}")
    cols[4].metric("Time span", f"{_span(problem)}")


@st.cache_data(show_spinner=False, max_entries=32,
               hash_funcs={"minimalloc.model.Problem": lambda p: hash(p)})
def _lower_bound(problem) -> int:
    from minimalloc import bounds

    return int(bounds.lower_bound(problem))


def best_lower_bound(problem) -> int:
    """The best lower bound known for ``problem``: the minimiser's when it
    ran on this very problem (it proves more), else the library's bound."""
    lower = _lower_bound(problem)
    outcome = ss.get("outcome")
    if outcome is not None and outcome.problem == problem:
        lower = max(lower, int(outcome.lower_bound))
    return lower


def _span(problem) -> str:
    if not problem.buffers:
        return "empty"
    lo = min(b.lower for b in problem.buffers)
    hi = max(b.upper for b in problem.buffers)
    return f"[{lo:,}, {hi:,})"


def view_choice(problem) -> str:
    """Which allocation the page shows: the solver's or the uploaded one."""
    loaded: workflow.Loaded = ss.loaded
    has_upload = (loaded.allocation is not None
                  and len(loaded.allocation.offsets) == len(problem.buffers))
    has_outcome = ss.get("outcome") is not None
    if has_upload and has_outcome:
        options = ["solver", "uploaded allocation"]
        if ss.get("view") not in options:
            ss.view = options[0]
        st.radio("Show", options, key="view", horizontal=True,
                 format_func=lambda v: "Solver's result" if v == "solver" else
                 "Uploaded allocation")
        return ss.view
    if has_upload:
        return "uploaded allocation"
    return "solver"


def show_uploaded(problem, chart_tab) -> None:
    loaded: workflow.Loaded = ss.loaded
    solution = loaded.allocation
    check = workflow.check_allocation(problem, solution)
    cols = st.columns(4)
    cols[0].metric("Allocation", "valid" if check.validation.ok else "invalid")
    cols[1].metric("Height", f"{solution.height:,}")
    cols[2].metric("Conflicting pairs", f"{check.pairs:,}")
    cols[3].metric("Buffers at fault", f"{len(check.culprits):,}")
    if check.validation.ok:
        st.success(f"Uploaded allocation: {check.validation.message}")
    else:
        st.error(f"Uploaded allocation is invalid ({check.validation.code.value}): "
                 f"{check.validation.message}")
        if check.culprits:
            ids = workflow.buffer_ids(problem, check.culprits[:40])
            more = len(check.culprits) - len(ids)
            st.caption("Highlighted in red: " + ", ".join(ids)
                       + (f" and {more} more" if more > 0 else ""))
    with chart_tab:
        packing_chart(problem, solution, highlight=check.culprits,
                      highlight_label="at fault", title="Uploaded allocation")


#: Packing figures built ahead (in the solve's thread, while the page waits):
#: a figure of 60,000 buffers takes a second or two to build.
_FIGURES: dict[tuple, tuple] = {}


def packing_figure(problem, solution, result, **options):
    """``charts.packing_figure``, taken from :data:`_FIGURES` when a solve
    built it ahead for the same objects and options."""
    key = (id(problem), id(solution), id(result),
           tuple(sorted((k, repr(v)) for k, v in options.items())))
    hit = _FIGURES.get(key)
    if hit is not None and hit[0] is problem and hit[1] is solution:
        return hit[2]
    from minimalloc import bounds

    fig = charts.packing_figure(
        problem, solution,
        placement_order=None if result is None else result.placement_order,
        partition_of=None if result is None else result.partition_of,
        profile=bounds.load_profile(problem), **options)
    while len(_FIGURES) >= 8:
        _FIGURES.pop(next(iter(_FIGURES)))
    _FIGURES[key] = (problem, solution, fig)
    return fig


def outcome_title(shown, shown_label: str) -> str | None:
    if shown is not None and shown_label != "exact":
        return f"Showing {shown_label}: height {shown.height:,}"
    return None


def build_ahead(outcome: workflow.Outcome, color_by: str, revision) -> None:
    """In the solve's thread: the packing figure the page will show first."""
    if outcome.explanation is not None:
        return  # its highlights are decided while the page is drawn
    shown, label = outcome.shown()
    if shown is not None and len(outcome.problem) > 2_000:
        packing_figure(outcome.problem, shown, outcome.result, color_by=color_by,
                       highlight=(), highlight_label="minimal infeasible subset",
                       overloaded=None, title=outcome_title(shown, label),
                       window=None, focus=None, revision=(revision, None, None))


def packing_chart(problem, solution, *, result=None, highlight=(), highlight_label="",
                  overloaded=None, title=None) -> None:
    modes = list(charts.COLOR_MODES)
    if result is None or result.placement_order is None:
        modes.remove("placement order")
    if result is None or result.partition_of is None:
        modes.remove("partition")
    if ss.color_by not in modes:
        ss.color_by = modes[0]
    left, right = st.columns([3, 2])
    left.radio("Colour by", modes, key="color_by", horizontal=True)
    focus = find_buffer(problem, right) if solution is not None else None
    window = time_window(problem) if solution is not None else None
    fig = packing_figure(
        problem, solution, result, color_by=ss.color_by,
        highlight=tuple(highlight), highlight_label=highlight_label or "highlighted",
        overloaded=overloaded, title=title, window=window, focus=focus,
        revision=(id(ss.loaded), window, focus),
    )
    if fig.layout.meta["aggregated"]:
        st.caption(f"{len(problem):,} buffers: drawn as an image (zooming enlarges its "
                   "pixels); narrow the time window for every buffer's outline.  Hover "
                   "names the exact buffer either way.")
    # The wheel scrolls the page (no scroll zoom); the camera button saves SVG.
    st.plotly_chart(fig, key="packing_chart", config={
        "scrollZoom": False, "displaylogo": False,
        "toImageButtonOptions": {"format": "svg", "filename": "packing"}})
    ss.packing_fig = fig  # for the Export tab


def find_buffer(problem, where) -> int | None:
    """A box to find a buffer by id: it is highlighted and the chart centred
    on it.  Its index, or None."""
    text = where.text_input("Find a buffer by id", key="find_buffer",
                            placeholder="id, e.g. " + (problem.buffers[0].id
                                                       if problem.buffers else "b1"))
    wanted = text.strip()
    if not wanted:
        return None
    index = workflow.buffer_index(problem, wanted)
    if index is None:
        where.caption(f"No buffer has id '{wanted}'.")
    return index


def time_window(problem) -> tuple[int, int] | None:
    """For problems too big to draw every buffer: a slider over time; a
    window holding few enough buffers is drawn in full detail."""
    if len(problem) <= charts.DETAIL_LIMIT or not problem.buffers:
        return None
    lo = min(b.lower for b in problem.buffers)
    hi = max(b.upper for b in problem.buffers)
    window = st.slider("Time window", min_value=lo, max_value=hi, value=(lo, hi),
                       key="time_window",
                       help=f"At most {charts.DETAIL_LIMIT:,} buffers in the window: "
                       "every buffer drawn with its outline.")
    return None if tuple(window) == (lo, hi) else tuple(window)


def show_outcome(outcome: workflow.Outcome, problem, tabs) -> None:
    chart_tab, stats_tab, compare_tab = tabs[:3]
    if outcome.problem != problem:
        # In the Packing tab, not above the tabs: appearing there mid-edit it
        # moved the buffers table under the pointer.
        chart_tab.warning("The problem changed since this result (an edit or the "
                          "capacity): press **Solve** to update it.",
                          icon=":material/update:")
    if outcome.error:
        st.error(f"The run failed: {outcome.error}")
    status = outcome.status
    solution = outcome.solution
    shown, shown_label = outcome.shown()
    cols = st.columns(5)
    cols[0].metric("Status", STATUS_TEXT.get(status, "error") if status else "error")
    drawn = solution if solution is not None else shown
    if drawn is not None:
        label = "Height" if solution is not None else "Height (baseline)"
        above = workflow.percent_above(drawn.height, outcome.lower_bound)
        if above is None:
            cols[1].metric(label, f"{drawn.height:,}")
        elif above <= 0:
            cols[1].metric(label, f"{drawn.height:,}", delta="= lower bound: optimal",
                           delta_color="normal", delta_arrow="off")
        else:
            cols[1].metric(label, f"{drawn.height:,}",
                           delta=f"{above:+.1f}% vs lower bound", delta_color="inverse")
    else:
        cols[1].metric("Height", "—")
    stats = outcome.stats
    cols[2].metric("Wall time", f"{outcome.seconds:.3f} s",
                   help="The whole run: bounds, search, baselines and explanation.")
    cols[3].metric("Nodes", f"{stats.nodes:,}" if stats else "—")
    cols[4].metric("Backtracks", f"{stats.backtracks:,}" if stats else "—")
    if outcome.mode == "minimise" and solution is not None:
        found = outcome.minimize
        how = ""
        if found is not None:
            if found.method == "improve":
                by = "re-packing neighbourhoods of the best baseline exactly"
            elif found.method == "exact":
                by = (f"the exact search after "
                      f"{workflow.plural(len(found.probes), 'probe')}")
            else:
                by = f"baseline {found.method}"
            how = f" Found by {by}; the best baseline reached {found.baseline_height:,}."
        if status is Status.CANCELLED:
            how += " Stopped early: this is the best found so far."
        if outcome.proven_optimal:
            st.success(f"Smallest capacity: **{solution.height:,}** (proven optimal; "
                       f"lower bound {outcome.lower_bound:,}).{how}")
        else:
            gap = solution.height - outcome.lower_bound
            st.info(f"Smallest capacity found: **{solution.height:,}**, not proven "
                    f"optimal: at most {gap:,} above the lower bound "
                    f"{outcome.lower_bound:,}.{how}")
        capacity = outcome.problem.capacity
        if capacity is not None and solution.height > capacity:
            st.warning(f"That is more than the capacity set ({capacity:,}).")
    elif status is Status.OK:
        st.success(f"All {len(outcome.problem):,} buffers fit: height "
                   f"{solution.height:,} within capacity {outcome.problem.capacity:,}.")
    elif status is Status.UNDECIDED:
        reason = outcome.result.reason if outcome.result is not None else None
        st.warning(f"No allocation found, and none proven impossible: {reason}; "
                   "the search does not try such placements.")
    elif status in (Status.TIMEOUT, Status.CANCELLED) and solution is None:
        fallback_verdict(outcome, shown, shown_label)
    highlight = ()
    highlight_label = "minimal infeasible subset"
    overloaded = None
    if ss.pop("explain_requested", False) and outcome.explanation is None:
        with st.spinner("Explaining why the buffers do not fit…"):
            outcome.explanation = workflow.explain_infeasible(
                outcome.problem, outcome.params,
                outcome.params.timeout or workflow.EXPLAIN_SECONDS)
    if outcome.explanation is not None and status is not Status.OK:
        highlight, highlight_label, overloaded = explanation_box(outcome, shown_label)
    with chart_tab:
        title = outcome_title(shown, shown_label)
        packing_chart(outcome.problem, shown, result=outcome.result,
                      highlight=highlight, highlight_label=highlight_label,
                      overloaded=overloaded, title=title)
    with stats_tab:
        statistics(outcome)
    with compare_tab:
        comparison(outcome)


def fallback_verdict(outcome: workflow.Outcome, shown, shown_label: str) -> None:
    """After a time-out or Stop: whether the allocation shown instead fits,
    and the next steps in one click."""
    status = outcome.status
    how = "was stopped" if status is Status.CANCELLED else "ran out of time"
    nodes = outcome.stats.nodes if outcome.stats is not None else 0
    text = f"The search {how} after {workflow.plural(nodes, 'node')} without an answer."
    capacity = outcome.problem.capacity
    fits = shown is not None and (capacity is None or shown.height <= capacity)
    if shown is None:
        st.warning(text, icon=":material/timer_off:")
    elif shown.height <= outcome.lower_bound:
        st.success(f"{text} Showing {shown_label}: height {shown.height:,} equals the "
                   f"lower bound, so it is **optimal** and fits the capacity "
                   f"{capacity:,}.", icon=":material/check_circle:")
    elif fits:
        st.success(f"{text} Showing {shown_label}: height {shown.height:,} **fits** "
                   f"the capacity {capacity:,} (the lower bound is "
                   f"{outcome.lower_bound:,}).", icon=":material/check_circle:")
    else:
        st.error(f"{text} Showing {shown_label}: height {shown.height:,} is **above the "
                 f"capacity** {capacity:,}, so it does not fit; the buffers above the "
                 "red line are marked, and the live-bytes chart is red where memory runs "
                 "over.", icon=":material/error:")
    if shown is None or not fits or shown.height > outcome.lower_bound:
        left, right, _ = st.columns([1, 1, 2])
        left.button("Minimise the capacity", key="act_minimise", icon=":material/compress:",
                    on_click=on_minimise_now, width="stretch",
                    help="The smallest capacity these buffers fit in.")
        right.button("Explain why it does not fit", key="act_explain",
                     icon=":material/help:", on_click=on_explain_now, width="stretch",
                     disabled=fits,
                     help="Where memory runs over or a set of buffers that cannot be "
                     "packed together.")


def on_minimise_now() -> None:
    ss.mode = MODES[1]
    on_solve()


def on_explain_now() -> None:
    ss.explain_requested = True


def explanation_box(outcome: workflow.Outcome, shown_label: str):
    """The reasons a problem does not fit; returns what to highlight on the
    chart (buffer indices and a label) and the overloaded stretches."""
    ex = outcome.explanation
    problem = outcome.problem
    capacity = problem.capacity
    if ex.feasible:
        st.success(f"The explanation found an allocation within capacity {capacity:,}: "
                   "the buffers fit (the search just needed more time).",
                   icon=":material/check_circle:")
        return (), "", None
    lines = [f"**No packing fits capacity {capacity:,}.**" if ex.feasible is False
             else f"**Not decided in time whether the buffers fit capacity "
             f"{capacity:,}.** What is known:"]
    highlight: tuple[int, ...] = ()
    label = "minimal infeasible subset"
    if ex.overloaded:
        parts = [f"[{s:,}, {e:,})" for s, e, _ in ex.overloaded[:8]]
        more = len(ex.overloaded) - len(parts)
        tail = f" and {more} more stretches" if more > 0 else ""
        load = workflow.load_of(problem)
        lines.append(f"Memory runs over: up to {load:,} bytes are live at once, "
                     f"{load - capacity:,} more than the capacity, during "
                     + ", ".join(parts) + tail + " (hatched on the chart).")
        worst = max(ex.overloaded, key=lambda o: len(o[2]))
        if worst[2] and not ex.subset:
            highlight = tuple(worst[2])
            label = f"live during [{worst[0]:,}, {worst[1]:,})"
            lines.append(f"In red: the {len(worst[2])} buffers live during "
                         f"[{worst[0]:,}, {worst[1]:,}).")
    else:
        lines.append("The live bytes never exceed the capacity: the buffers just cannot "
                     "be arranged without fragmentation.")
    if ex.subset:
        highlight = tuple(ex.subset)
        ids = workflow.buffer_ids(problem, ex.subset[:30])
        more = len(ex.subset) - len(ids)
        kind = "A minimal set" if ex.subset_minimal else "A set"
        lines.append(f"{kind} of {len(ex.subset)} buffers that cannot be packed "
                     f"together (red on the chart): " + ", ".join(ids)
                     + (f" and {more} more" if more > 0 else "") + ".")
        if ex.subset_minimal:
            lines.append("Removing any one of them makes the rest fit.")
        else:
            lines.append("Time ran out before each was shown to matter: a smaller set "
                         "may exist.")
            label = "infeasible subset"
        if ex.subset_min_capacity:
            lines.append(f"Those buffers alone need capacity {ex.subset_min_capacity:,}.")
    elif ex.note:
        lines.append(ex.note)
    if ex.min_capacity is not None:
        if ex.proven:
            lines.append(f"Capacity **{ex.min_capacity:,}** is the smallest that fits.")
        else:
            low = (f" (the smallest is at least {ex.min_capacity_lower:,})"
                   if ex.min_capacity_lower else "")
            lines.append(f"Capacity **{ex.min_capacity:,}** would suffice{low}.")
    shown, _ = outcome.shown()
    if shown is not None and shown.height > capacity:
        lines.append(f"The chart shows {shown_label}, which runs past the capacity.")
    st.error("\n\n".join(lines), icon=":material/block:")
    return highlight, label, [(s, e, 0) for s, e, _ in ex.overloaded]


def statistics(outcome: workflow.Outcome) -> None:
    stats = outcome.stats
    if stats is None:
        st.info("No search statistics: the run did not finish.")
        return
    cols = st.columns(4)
    cols[0].metric("Nodes", f"{stats.nodes:,}")
    cols[1].metric("Backtracks", f"{stats.backtracks:,}")
    cols[2].metric("Sweep", f"{stats.sweep_seconds * 1000:.2f} ms")
    cols[3].metric("Search", f"{stats.search_seconds * 1000:.2f} ms")
    cols = st.columns(4)
    cols[0].metric("Decompositions", f"{stats.decompositions:,}")
    cols[1].metric("Maximum depth", f"{stats.max_depth:,}")
    cols[2].metric("Partitions", f"{stats.partitions:,}")
    cols[3].metric("Sections", f"{stats.sections:,}")
    if outcome.minimize is not None and outcome.minimize.probes:
        st.markdown("**Probes of the minimiser** (exact searches at one capacity, one row "
                    "per capacity)")
        st.dataframe(pd.DataFrame(workflow.probe_rows(outcome.minimize.probes)),
                     hide_index=True, key="probes_table",
                     column_config={
                         "capacity": LOCALIZED,
                         "largest budget (s)": st.column_config.NumberColumn(
                             format="%.2f"),
                         "seconds": st.column_config.NumberColumn(format="%.3f"),
                     })
    left, right = st.columns(2)
    with left:
        st.markdown("**Prunes by rule**")
        st.dataframe(
            pd.DataFrame({"rule": [r.replace("_", " ") for r in stats.prunes],
                          "times": list(stats.prunes.values())}),
            hide_index=True, key="prunes_table",
            column_config={"times": LOCALIZED},
        )
        if any(stats.prunes.values()):
            st.plotly_chart(charts.prunes_figure(stats, title=None), key="prunes_chart")
        else:
            st.caption("No rule fired: every placement tried led to the solution.")
    with right:
        st.markdown("**Round robin** (each heuristic with a node budget that doubles "
                    "each round)")
        rows = workflow.rounds_rows(stats)
        st.dataframe(pd.DataFrame(rows, columns=["round", "heuristic", "node limit",
                                                 "nodes", "outcome"]),
                     hide_index=True, key="rounds_table",
                     column_config={"node limit": LOCALIZED, "nodes": LOCALIZED})
        st.plotly_chart(charts.rounds_figure(stats, title=None), key="rounds_chart")


def comparison(outcome: workflow.Outcome) -> None:
    capacity = outcome.problem.capacity
    rows = workflow.comparison_rows(outcome, capacity)
    st.markdown(f"Lower bound: **{outcome.lower_bound:,}** · capacity {capacity:,}")
    df = pd.DataFrame(rows).drop(columns=["exact"])
    event = st.dataframe(df, hide_index=True, key="comparison_table",
                         on_select="rerun", selection_mode="single-row",
                         column_config={
                             "height": LOCALIZED,
                             "above lower bound %": st.column_config.NumberColumn(
                                 format="%.1f%%"),
                             "time (ms)": st.column_config.NumberColumn(format="%.2f"),
                         })
    chosen = event.selection.rows if event is not None else []
    if not chosen:
        st.caption("Click a row to see that method's packing.")
    else:
        method = rows[chosen[0]]["method"]
        solution = (outcome.solution if rows[chosen[0]]["exact"] else next(
            (b.solution for b in outcome.baselines if b.method == method), None))
        if solution is None:
            st.info(f"{method} has no allocation to show.")
        else:
            fig = charts.packing_figure(outcome.problem, solution,
                                        title=f"{method}: height {solution.height:,}",
                                        revision=("comparison", method))
            st.plotly_chart(fig, key="comparison_packing_chart",
                            config={"scrollZoom": False, "displaylogo": False})
    st.plotly_chart(charts.comparison_figure(rows, outcome.lower_bound, capacity,
                                             title="Height by method"),
                    key="comparison_chart")


def export(problem, export_tab) -> None:
    """Downloads: the problem and the shown allocation as CSV and JSON, the
    chart as a standalone HTML page (SVG: the chart's camera button).  Each
    file is made only when its button is pressed."""
    outcome = ss.get("outcome")
    with export_tab:
        left, right = st.columns(2)
        left.download_button("Download the problem (CSV)", lambda: dumps_csv(problem),
                             file_name="problem.csv", mime="text/csv",
                             key="download_problem", on_click="ignore")
        right.download_button("Download the problem (JSON)",
                              lambda: workflow.to_json(problem),
                              file_name="problem.json", mime="application/json",
                              key="download_problem_json", on_click="ignore")
        solution, label = (None, "")
        if outcome is not None and outcome.problem == problem:
            solution, label = outcome.shown()
        elif ss.loaded.allocation is not None and len(ss.loaded.allocation.offsets) == len(
                problem):
            solution, label = ss.loaded.allocation, "uploaded allocation"
        if solution is not None:
            left.download_button(f"Download the solution (CSV with offsets; {label})",
                                 lambda: dumps_csv(problem, solution),
                                 file_name="solution.csv", mime="text/csv",
                                 key="download_solution", on_click="ignore")
            right.download_button(f"Download the result (JSON; {label})",
                                  lambda: workflow.to_json(problem, solution, label,
                                                           outcome),
                                  file_name="result.json", mime="application/json",
                                  key="download_result_json", on_click="ignore")
        else:
            st.caption("Solve the current problem to download a solution.")
        fig = ss.get("packing_fig")
        if fig is not None:
            st.download_button("Download the packing chart (standalone HTML, works "
                               "offline, with hover)", lambda: charts.standalone_html(fig),
                               file_name="packing.html", mime="text/html",
                               key="download_chart_html", on_click="ignore")
            st.caption("For SVG, use the camera button at the chart's top right.")


def main() -> None:
    ss.warm_seconds = warm_kernel()
    # Exact hover on packing charts (a page script: plotly's own hover
    # names the nearest point, not the rectangle under the pointer).
    st.html(charts.hover_script(), unsafe_allow_javascript=True, width="content")
    st.html(Path(__file__).with_name("narrow.css"))  # metrics on phones
    init_state()
    sidebar()
    st.title("MiniMalloc")
    st.caption("Static memory allocation for ML accelerators: every buffer gets an "
               "offset so that buffers alive at the same time never share an address.")
    top = st.container()  # messages, summary, progress and verdict, above the tabs
    labels = ["Packing", "Search statistics", "Comparison", "Buffers", "Export", SEARCH_TAB]
    # Tabs report which one is open, so the search view (which solves again
    # with every event recorded) runs only when someone looks at it.
    tabs = st.tabs(labels, key="main_tabs", on_change="rerun")
    problem = current_problem(tabs[3])
    with top:
        if ss.get("load_error"):
            st.error(f"Could not load that problem: {ss.load_error}  \nThe last good "
                     "problem stays loaded.", icon=":material/error:")
        if ss.get("edit_error"):
            st.error(ss.edit_error, icon=":material/edit_off:")
        problem_summary(problem)
        start_job_if_requested(problem)
        if ss.get("param_error"):
            st.error(f"Solver settings: {ss.param_error}")
        if ss.get("job") is not None:
            progress_panel()
        view = view_choice(problem)
        if view == "uploaded allocation" or ss.get("outcome") is None:
            for tab in tabs[1:3]:
                tab.caption("Press **Solve** in the sidebar to run the search and the "
                            "baselines.")
        if view == "uploaded allocation":
            show_uploaded(problem, tabs[0])
        elif ss.get("outcome") is not None:
            show_outcome(ss.outcome, problem, tabs)
        elif ss.get("job") is None:
            with tabs[0]:
                st.info("Press **Solve** in the sidebar to place the buffers.")
                packing_chart(problem, None)
    model_view.show_model_panels(ss.loaded, problem,
                                 model_view.shown_solution(ss, problem), tabs[0])
    export(problem, tabs[4])
    with tabs[5]:
        show_search_view(problem, tabs[5].open)


def show_search_view(problem, is_open: bool) -> None:
    if not is_open:
        st.caption("Open this tab to watch the search step by step.")
        return
    switches = {name: bool(ss[f"sw_{name}"]) for name in TECHNIQUES}
    try:
        params = workflow.make_params(switches, ss.heuristics, ss.timeout)
    except ProblemError as error:
        st.error(f"Solver settings: {error}")
        return
    search_view.render_search_view(problem, params, key_prefix="search")


main()
