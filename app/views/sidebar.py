"""The sidebar: where the problem comes from (a sample, a file or pasted CSV,
a generator, a row of a batch's results), its capacity, and the solver's
settings.  Loading happens in the widgets' callbacks, before the page is
drawn; a bad file is reported and the last good problem stays."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from app import state
from app.services import batch_results, generators, links, loading
from app.services.jobs import MINIMIZE, MODES, SOLVE
from app.services.loading import Loaded
from app.state import current
from app.views import spill
from minimalloc.baselines.allocators import available_allocators
from minimalloc.bounds import max_load
from minimalloc.errors import ProblemError
from minimalloc.params import HEURISTIC_KEYS, TECHNIQUES

#: The search techniques, grouped as the page shows them.
TECHNIQUE_GROUPS: dict[str, tuple[str, ...]] = {
    "Pruning": ("canonical_only", "check_dominance", "hatless_pruning"),
    "Spatial inference": ("section_inference", "unallocated_floor", "monotonic_floor"),
    "Ordering": ("static_preordering", "dynamic_ordering"),
    "Decomposition": ("dynamic_decomposition",),
}


def render() -> None:
    """The whole sidebar."""
    sb = st.sidebar
    sb.header("Problem")
    sb.radio("Source", state.SOURCES, key=state.SOURCE)
    source = st.session_state[state.SOURCE]
    if source == "Sample":
        sample_widgets(sb)
    elif source == "Upload or paste":
        upload_widgets(sb)
    elif source == "Batch results":
        batch_widgets(sb)
    else:
        generator_widgets(sb)
    capacity_widgets(sb)
    solver_widgets(sb)


# ----------------------------------------------------------------------------
# Loading (callbacks)


def load_guarded(make: Callable[[], Loaded]) -> None:
    """Install what ``make`` reads; on a bad file, say why and keep the last
    good problem."""
    try:
        state.install(make())
    except (ProblemError, OSError) as error:
        current().load_error = str(error)


def on_sample() -> None:
    load_guarded(lambda: loading.load_sample(st.session_state[state.SAMPLE]))


def on_upload() -> None:
    app = current()
    file = st.session_state.get(app.upload_key)
    if file is not None and links.is_bundle(file.getvalue()):
        try:  # a bundle: its problem, settings and view
            links.open_bundle(file.getvalue(), file.name)
        except ProblemError as error:
            app.load_error = str(error)
            app.upload_version += 1
    elif file is not None:
        load_guarded(lambda: parse_upload(file.getvalue(), file.name))
        if app.load_error:  # rejected: the box should not go on naming it
            app.upload_version += 1


def on_paste() -> None:
    text = st.session_state.get(state.PASTE, "")
    if not text.strip():
        current().load_error = ("Paste a CSV first: a header row (id,lower,upper,size,…) "
                                "and rows.")
        return
    load_guarded(lambda: loading.parse_csv_text(text, "pasted CSV"))


def on_generate() -> None:
    ss = st.session_state
    name = ss[state.GENERATOR]
    values = {}
    for p in generators.generator_params()[name]:
        value = ss.get(state.generator_key(name, p.name))
        if p.kind.startswith("optional") and not value:
            value = None
        values[p.name] = value
    load_guarded(lambda: generators.generate_problem(name, ss[state.GENERATOR_SEED],
                                                     values))


def on_capacity() -> None:
    """Small problems solve again at once when the capacity changes."""
    app = current()
    if len(app.loaded.problem) <= state.RESOLVE_LIMIT and app.loaded.allocation is None:
        on_solve()


def on_solve() -> None:
    app = current()
    app.solve_requested = True
    app.load_error = None  # about an earlier action: the kept problem is solved now
    st.session_state[state.VIEW] = state.SOLVER_VIEW


# ----------------------------------------------------------------------------
# Sources


def sample_widgets(sb) -> None:
    entries = loading.sample_entries()
    names = [n for n, _ in entries]
    if st.session_state[state.SAMPLE] not in names:
        st.session_state[state.SAMPLE] = names[0]
    sb.selectbox("Sample problem", names, key=state.SAMPLE, on_change=on_sample)
    description = dict(entries).get(st.session_state[state.SAMPLE])
    if description:
        sb.caption(description)
    sb.button("Reload sample", key="reload_sample", on_click=on_sample)


def upload_widgets(sb) -> None:
    sb.file_uploader(
        "CSV file (reference format; an offset column is checked as an allocation), "
        "ONNX model, PyTorch memory snapshot (.pickle) or a bundle saved from the "
        "Export tab (.json)",
        type=loading.UPLOAD_TYPES, key=current().upload_key, on_change=on_upload,
    )
    import_widgets(sb)
    sb.text_area("…or paste CSV", key=state.PASTE, height=140,
                 placeholder="id,lower,upper,size\nb1,0,3,4\nb2,3,9,4")
    sb.button("Load pasted CSV", key="load_paste", on_click=on_paste)


def import_widgets(container) -> None:
    """Options for reading an ONNX model or a snapshot (read at upload)."""
    with container.expander("Model and snapshot options", expanded=False):
        st.number_input("Alignment (bytes; ONNX)", key=state.IMPORT_ALIGNMENT,
                        min_value=1, value=1, step=1,
                        help="Every tensor is rounded up to, and placed at, a multiple "
                        "of this.")
        st.text_input("Symbolic dimensions (ONNX)", key=state.IMPORT_DIMS,
                      placeholder="batch=1, seq=128")
        st.checkbox("Include weights (ONNX)", key=state.IMPORT_WEIGHTS,
                    help="Also plan the initializers, alive the whole run.")
        st.number_input("CUDA device (snapshot)", key=state.IMPORT_DEVICE, min_value=0,
                        value=0, step=1)
        st.caption("Upload the model or snapshot again after changing these.")


def parse_upload(data: bytes, name: str) -> Loaded:
    """Read an upload of any format with the options the widgets hold."""
    ss = st.session_state
    try:
        options = loading.read_options(
            int(ss.get(state.IMPORT_ALIGNMENT) or 1), str(ss.get(state.IMPORT_DIMS) or ""),
            bool(ss.get(state.IMPORT_WEIGHTS)), int(ss.get(state.IMPORT_DEVICE) or 0))
    except ProblemError as error:
        raise ProblemError(f"symbolic dimensions: {error.message}", file=name) from None
    return loading.parse_upload(data, name, options)


def generator_widgets(sb) -> None:
    ss = st.session_state
    specs = generators.generator_params()
    ss.setdefault(state.GENERATOR, next(iter(specs)))
    sb.selectbox("Generator", list(specs), key=state.GENERATOR)
    name = ss[state.GENERATOR]
    for p in specs[name]:
        generator_widget(sb, name, p)
    sb.number_input("Seed", key=state.GENERATOR_SEED, min_value=0, step=1)
    sb.button("Generate", key="generate", on_click=on_generate)


def generator_widget(sb, name: str, p: generators.GeneratorParam) -> None:
    """The widget for one parameter of generator ``name``."""
    ss = st.session_state
    key = state.generator_key(name, p.name)
    label = p.name.replace("_", " ")
    default_text = generators.DEFAULT_TEXT.get(p.name, "default")
    if p.kind == "int":
        ss.setdefault(key, int(p.default))
        sb.number_input(label, key=key, min_value=int(p.minimum or 0), step=1)
    elif p.kind == "float":
        ss.setdefault(key, float(p.default))
        sb.number_input(label, key=key, step=0.5)
    elif p.kind == "optional int":
        ss.setdefault(key, 0)
        sb.number_input(f"{label} (0 = {default_text})", key=key, min_value=0, step=1)
    elif p.kind == "optional float":
        ss.setdefault(key, 0.0)
        sb.number_input(f"{label} (0 = {default_text})", key=key, min_value=0.0, step=1.0)
    elif p.kind == "probability":
        ss.setdefault(key, float(p.default))
        sb.slider(label, key=key, min_value=0.0, max_value=1.0, step=0.05)
    elif p.kind == "choice":
        ss.setdefault(key, p.default)
        sb.selectbox(label, list(p.choices), key=key)
    elif p.kind == "alignment":
        ss.setdefault(key, str(p.default))
        sb.text_input(f"{label} (one value, or choices like 1,8,64)", key=key)


def on_batch_upload() -> None:
    file = st.session_state.get(state.BATCH_UPLOAD)
    if file is not None:
        read_batch(lambda: batch_results.read_batch_results(file.getvalue(), file.name))


def on_batch_path() -> None:
    path = st.session_state.get(state.BATCH_PATH, "").strip()
    if path:
        read_batch(lambda: batch_results.read_batch_results(path))


def read_batch(read) -> None:
    app = current()
    try:
        app.batch_table = read()
        st.session_state[state.BATCH_ROW] = 0
        app.load_error = app.batch_error = None
    except (ProblemError, OSError) as error:
        app.batch_error = str(error)


def on_batch_open() -> None:
    """Load the chosen row's problem with the row's capacity, mode and switches."""
    table, index = current().batch_table, st.session_state[state.BATCH_ROW]
    minimise, switches = batch_results.batch_settings(table, index)
    st.session_state[state.MODE] = MINIMIZE if minimise else SOLVE
    for name, on in switches.items():
        st.session_state[state.switch_key(name)] = on
    load_guarded(lambda: batch_results.load_batch_row(table, index))


def batch_widgets(sb) -> None:
    """Open a table written by ``minimalloc batch`` and jump to any row's problem."""
    sb.file_uploader("Results CSV of minimalloc batch", type=["csv"],
                     key=state.BATCH_UPLOAD, on_change=on_batch_upload)
    sb.text_input("…or its path on this machine", key=state.BATCH_PATH,
                  on_change=on_batch_path)
    table = current().batch_table
    if table is None:
        if current().batch_error:
            sb.error(f"Could not read those batch results: {current().batch_error}",
                     icon=":material/error:")
        sb.caption("Rows name their input files; opening a row reads its file again.")
        return
    if current().batch_error:
        sb.error(f"Could not read those batch results: {current().batch_error}",
                 icon=":material/error:")
    shown = table[["input", "variant", "status", "height", "proven", "seconds"]].copy()
    shown["input"] = [Path(str(name)).name for name in shown["input"]]
    shown.index = range(1, len(shown) + 1)  # as the row picker counts
    sb.dataframe(shown, key="batch_rows", height=180,
                 column_config={"height": st.column_config.NumberColumn(
                     format="localized"), "seconds": st.column_config.NumberColumn(
                     format="%.2f")})
    labels = [batch_results.batch_row_label(row, i) for i, row in
              enumerate(table.to_dict("records"))]
    sb.selectbox("Row", range(len(table)), format_func=labels.__getitem__,
                 key=state.BATCH_ROW)
    sb.button("Open this row's problem", key="batch_open", on_click=on_batch_open)


# ----------------------------------------------------------------------------
# Capacity and solver


def capacity_widgets(sb) -> None:
    load = max_load(current().problem)
    sb.number_input("Capacity", key=state.CAPACITY, min_value=1, step=1,
                    on_change=on_capacity,
                    help="Default: the source's capacity, else the smallest power of "
                    "two ≥ LOAD.")
    sb.caption(f"LOAD (peak live bytes) = **{load:,}** · smallest power of two ≥ LOAD = "
               f"{loading.next_power_of_two(max(load, 1)):,}")
    sb.text_input("Memory pools (optional)", key=state.POOLS, on_change=on_pools,
                  placeholder="e.g. sram:1MiB,dram:inf",
                  help="Plan over several memories, cheapest first: name:size[:cost], "
                  "separated by commas (sizes with units; inf for unbounded). After "
                  "each run the page shows the cheapest plan, one panel per memory.")
    trouble = spill.pools_error()
    if trouble:
        sb.error(f"Memory pools: {trouble}", icon=":material/error:")


def on_pools() -> None:
    """New pools: the plan over the old ones goes."""
    outcome = current().outcome
    if outcome is not None:
        outcome.spill = None


def solver_widgets(sb) -> None:
    sb.header("Solver")
    sb.radio("Mode", MODES, key=state.MODE, format_func=state.MODE_LABELS.__getitem__,
             help="Minimise: the smallest capacity the buffers fit in, proven optimal "
             "when time allows; Stop keeps the best found so far.")
    sb.number_input("Time limit (seconds, 0 = none)", key=state.TIMEOUT, min_value=0.0,
                    step=1.0)
    keys = ", ".join(f"{k} {v.split(':')[0]}" for k, v in HEURISTIC_KEYS.items())
    sb.text_input("Preordering heuristics", key=state.HEURISTICS,
                  help="Comma-separated strings of letters, each a key compared in "
                  f"descending order: {keys}. Several run as a round robin.")
    with sb.expander("Search techniques", expanded=False):
        grouped = {n for names in TECHNIQUE_GROUPS.values() for n in names}
        groups = {**TECHNIQUE_GROUPS, "": tuple(n for n in TECHNIQUES if n not in grouped)}
        for group, names in groups.items():
            if group and names:
                st.markdown(f"**{group}**")
            for name in names:
                st.checkbox(name.replace("_", " "), key=state.switch_key(name))
                st.caption(TECHNIQUES[name])
    sb.checkbox("Show a baseline allocation if the search gives no answer",
                key=state.FALLBACK)
    sb.multiselect("Baselines to compare", available_allocators(), key=state.BASELINES)
    sb.button("Solve", key="solve", type="primary", on_click=on_solve, width="stretch")
    sb.caption(f"Search kernel ready (compiled in {current().warm_seconds:.1f} s at "
               "server start).")
