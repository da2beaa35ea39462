"""Links and bundles that reopen a view.

The page's state lives in its URL's query string, so that a link reopens it:
``?sample=transformer&capacity=1500000`` opens that sample at that
capacity, solved; ``&tab=search-view&step=120`` goes on to that step of the
search.  Every run of the page writes the current state back (:func:`sync`),
so the address bar always holds a link to what is on screen.

An uploaded problem cannot travel in a URL: :func:`bundle` writes it with
the same parameters into one JSON file, which the upload box opens
(:func:`open_bundle`) to the same view.

A malformed parameter is named in a message and ignored; the rest of the
link still applies.

The parameters (all optional):

==============  ==========================================================
``sample``      a sample's name
``generator``   a generator's name; ``seed`` and ``g.<parameter>`` its
                settings
``capacity``    a whole number of bytes, at least 1
``mode``        ``solve`` or ``minimize``
``timeout``     seconds, 0 for none
``heuristics``  e.g. ``WAT,TAW``
``off``         the search techniques switched off, comma-separated
``fallback``    ``0`` or ``1``
``baselines``   comma-separated baseline names (``none`` for none)
``tab``         the open tab, e.g. ``search-view``
``step``        the search view's step
``window``      the packing chart's time window, ``lo-hi``
==============  ==========================================================
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from app import state
from app.services import generators, loading
from app.services.jobs import MINIMIZE, SOLVE
from app.services.loading import Loaded
from minimalloc.baselines.allocators import available_allocators
from minimalloc.errors import ProblemError
from minimalloc.formats.csv import dumps_csv
from minimalloc.params import TECHNIQUES

#: The page's tabs (their labels; set by the page, which owns them).
TAB_LABELS: list[str] = ["Packing"]
#: Session keys: the search step and window a link asks for (the views take
#: them when they are drawn), and the link's messages.
LINKED_STEP = "search_linked_step"
LINK_ERRORS = "link_errors"
#: What a bundle file says it is.
BUNDLE_KIND = "minimalloc-bundle"
BUNDLE_VERSION = 1
#: Default values left out of a URL.
DEFAULTS = {"mode": SOLVE, "timeout": "10", "heuristics": "WAT,TAW,TWA", "fallback": "1"}
#: Parameters of the view (the rest are settings): a bundle keeps them apart.
VIEW_PARAMS = ("tab", "step", "window")


def tab_slug(label: str) -> str:
    """``Search view`` -> ``search-view``."""
    return label.lower().replace(" ", "-")


@dataclass
class Link:
    """A link read: session values to set, and what is applied after the
    problem is loaded."""

    widgets: dict[str, Any] = field(default_factory=dict)
    sample: str | None = None
    generator: str | None = None
    capacity: int | None = None
    step: int | None = None
    window: tuple[int, int] | None = None
    errors: list[str] = field(default_factory=list)


def _whole(text: str, name: str, link: Link, minimum: int = 0) -> int | None:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        value = None
    if value is None or value < minimum:
        link.errors.append(f"{name}={text!r} is not a whole number ≥ {minimum}")
        return None
    return value


def parse(params: Mapping[str, str], samples: list[str] | None = None) -> Link:
    """What a query string asks for; malformed parameters are listed in
    ``errors`` and left out."""
    link = Link()
    w = link.widgets
    samples = samples if samples is not None else [n for n, _ in loading.sample_entries()]
    specs = generators.generator_params()
    known = {"sample", "generator", "seed", "capacity", "mode", "timeout", "heuristics",
             "off", "fallback", "baselines", "tab", "step", "window"}
    for name in params:
        if name not in known and not name.startswith("g."):
            link.errors.append(f"{name!r} is not a parameter of this page")
    if "sample" in params:
        if params["sample"] in samples:
            link.sample = params["sample"]
            w[state.SOURCE], w[state.SAMPLE] = "Sample", link.sample
        else:
            link.errors.append(f"sample={params['sample']!r} is not a sample "
                               f"(samples: {', '.join(samples)})")
    elif "generator" in params:
        _parse_generator(params, specs, link)
    if "capacity" in params:
        link.capacity = _whole(params["capacity"], "capacity", link, minimum=1)
    if "mode" in params:
        mode = params["mode"].lower()
        if mode in (SOLVE, MINIMIZE):
            w[state.MODE] = mode
        else:
            link.errors.append(f"mode={params['mode']!r} is neither {SOLVE!r} nor "
                               f"{MINIMIZE!r}")
    if "timeout" in params:
        try:
            seconds = float(params["timeout"])
        except ValueError:
            seconds = -1.0
        if seconds >= 0 and seconds == seconds:
            w[state.TIMEOUT] = seconds
        else:
            link.errors.append(f"timeout={params['timeout']!r} is not a number of "
                               "seconds ≥ 0")
    if "heuristics" in params:
        w[state.HEURISTICS] = params["heuristics"]  # checked where the solver reads it
    if "off" in params:
        off = [s for s in params["off"].split(",") if s]
        unknown = [s for s in off if s not in TECHNIQUES]
        if unknown:
            link.errors.append(f"off: {', '.join(map(repr, unknown))} not known "
                               f"(techniques: {', '.join(TECHNIQUES)})")
        else:
            for name in TECHNIQUES:
                w[state.switch_key(name)] = name not in off
    if "fallback" in params:
        if params["fallback"] in ("0", "1"):
            w[state.FALLBACK] = params["fallback"] == "1"
        else:
            link.errors.append(f"fallback={params['fallback']!r} is neither 0 nor 1")
    if "baselines" in params:
        chosen = [] if params["baselines"] == "none" else \
            [s for s in params["baselines"].split(",") if s]
        unknown = [s for s in chosen if s not in available_allocators()]
        if unknown:
            link.errors.append(f"baselines: {', '.join(map(repr, unknown))} unknown "
                               f"(baselines: {', '.join(available_allocators())})")
        else:
            w[state.BASELINES] = chosen
    if "tab" in params:
        tabs = {tab_slug(label): label for label in TAB_LABELS}
        if params["tab"] in tabs:
            w[state.TABS] = tabs[params["tab"]]
        else:
            link.errors.append(f"tab={params['tab']!r} is not a tab "
                               f"(tabs: {', '.join(tabs)})")
    if "step" in params:
        link.step = _whole(params["step"], "step", link)
    if "window" in params:
        lo, _, hi = params["window"].partition("-")
        a = _whole(lo, "window start", link)
        b = _whole(hi, "window end", link) if a is not None else None
        if a is not None and b is not None:
            if a < b:
                link.window = (a, b)
            else:
                link.errors.append(f"window={params['window']!r}: the start must come "
                                   "before the end")
    return link


def _parse_generator(params: Mapping[str, str], specs: dict, link: Link) -> None:
    name = params["generator"]
    if name not in specs:
        link.errors.append(f"generator={name!r} is not a generator "
                           f"(generators: {', '.join(specs)})")
        return
    w = link.widgets
    link.generator = name
    w[state.SOURCE], w[state.GENERATOR] = "Generate", name
    if "seed" in params:
        seed = _whole(params["seed"], "seed", link)
        if seed is not None:
            w[state.GENERATOR_SEED] = seed
    for p in specs[name]:
        text = params.get(f"g.{p.name}")
        if text is None:
            continue
        try:
            if p.kind in ("int", "optional int"):
                value: Any = int(text)
            elif p.kind in ("float", "optional float", "probability"):
                value = float(text)
            elif p.kind == "choice":
                if text not in p.choices:
                    raise ValueError
                value = text
            else:
                value = text
        except ValueError:
            what = p.name.replace("_", " ")
            link.errors.append(f"g.{p.name}={text!r} is not a valid {what}")
            continue
        w[state.generator_key(name, p.name)] = value


def values() -> dict[str, str]:
    """The page's state now, as query parameters (defaults left out)."""
    ss = st.session_state
    out: dict[str, str] = {}
    source = ss.get(state.SOURCE)
    if source == "Sample":
        out["sample"] = str(ss.get(state.SAMPLE))
    elif source == "Generate" and ss.get(state.GENERATOR):
        name = ss[state.GENERATOR]
        out["generator"] = name
        out["seed"] = str(ss.get(state.GENERATOR_SEED, 0))
        for p in generators.generator_params().get(name, ()):
            value = ss.get(state.generator_key(name, p.name))
            if value is not None:
                out[f"g.{p.name}"] = _text(value)
    out.update(settings_values())
    out.update(view_values())
    return out


def settings_values() -> dict[str, str]:
    """Capacity and solver settings as query parameters."""
    ss = st.session_state
    out: dict[str, str] = {}
    if ss.get(state.CAPACITY) is not None:
        out["capacity"] = str(int(ss[state.CAPACITY]))
    given = {"mode": str(ss.get(state.MODE, SOLVE)),
             "timeout": _text(float(ss.get(state.TIMEOUT, 10.0))),
             "heuristics": str(ss.get(state.HEURISTICS, DEFAULTS["heuristics"])),
             "fallback": "1" if ss.get(state.FALLBACK, True) else "0"}
    out.update({k: v for k, v in given.items() if v != DEFAULTS[k]})
    off = [n for n in TECHNIQUES if not ss.get(state.switch_key(n), True)]
    if off:
        out["off"] = ",".join(off)
    chosen = list(ss.get(state.BASELINES, available_allocators()))
    if chosen != list(available_allocators()):
        out["baselines"] = ",".join(chosen) or "none"
    return out


def view_values() -> dict[str, str]:
    """The open tab, the search step and the time window as query parameters."""
    ss = st.session_state
    out: dict[str, str] = {}
    tab = ss.get(state.TABS)
    if tab and tab != TAB_LABELS[0]:
        out["tab"] = tab_slug(str(tab))
    if tab == "Search view" and ss.get("search_step"):
        out["step"] = str(int(ss["search_step"]))
    window = ss.get(state.TIME_WINDOW)
    if window is not None and ss.get("time_window_full") != tuple(window):
        out["window"] = f"{int(window[0])}-{int(window[1])}"
    return out


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ----------------------------------------------------------------------------
# The page


def open_link(tabs: tuple[str, ...]) -> Link:
    """On a session's first run: read the URL and set the widgets it names
    (before they are drawn).  Later runs: an empty link.  ``tabs`` are the
    page's tab labels."""
    TAB_LABELS[:] = tabs
    if state.SESSION_KEY in st.session_state:
        return Link()
    link = parse(st.query_params.to_dict())
    st.session_state.update(link.widgets)
    st.session_state[LINK_ERRORS] = link.errors
    return link


def first_problem(link: Link, sample: str) -> Loaded:
    """The problem a link opens: its generator's, else its sample (or the
    page's first sample)."""
    if link.generator is not None:
        ss = st.session_state
        name = link.generator
        values_ = {}
        for p in generators.generator_params()[name]:
            value = ss.get(state.generator_key(name, p.name), p.default)
            values_[p.name] = None if p.kind.startswith("optional") and not value else value
        return generators.generate_problem(name, int(ss.get(state.GENERATOR_SEED, 0)),
                                           values_)
    return loading.load_sample(link.sample or sample)


def apply_after_load(link: Link) -> None:
    """What needs the problem: its capacity, the search step, the window."""
    ss = st.session_state
    app = state.current()
    if link.capacity is not None and link.capacity != ss.get(state.CAPACITY):
        ss[state.CAPACITY] = link.capacity
        app.problem = app.problem.with_capacity(link.capacity)
    if link.step is not None:
        ss[LINKED_STEP] = link.step
    if link.window is not None:
        ss[state.TIME_WINDOW] = link.window


def messages() -> None:
    """Say what a link or bundle got wrong, until dismissed."""
    errors = st.session_state.get(LINK_ERRORS)
    if errors:
        st.warning("Some of this link's settings were not understood and are left as "
                   "they were: " + "; ".join(errors) + ".", icon=":material/link_off:")
        st.button("Dismiss", key="link_dismiss",
                  on_click=lambda: st.session_state.pop(LINK_ERRORS, None))


def sync() -> None:
    """Write the page's state to the URL (when it changed)."""
    wanted = values()
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


# ----------------------------------------------------------------------------
# Bundles


def bundle(problem_csv: str, name: str) -> str:
    """The current view as one JSON file: the problem (as CSV text), the
    settings and the view, as the URL would hold them."""
    return json.dumps({
        "kind": BUNDLE_KIND, "version": BUNDLE_VERSION, "name": name,
        "problem_csv": problem_csv, "settings": settings_values(), "view": view_values(),
    }, indent=1)


def current_bundle() -> str:
    """:func:`bundle` of the page's problem."""
    app = state.current()
    return bundle(dumps_csv(app.problem), app.loaded.name)


def is_bundle(data: bytes) -> bool:
    """Whether an upload is a bundle (JSON naming :data:`BUNDLE_KIND`)."""
    head = data[:200].lstrip()
    return head.startswith(b"{") and BUNDLE_KIND.encode() in data[:400]


def read_bundle(data: bytes, file: str) -> tuple[Loaded, Link]:
    """The problem and the link of a bundle (a ProblemError naming what is
    wrong)."""
    try:
        content = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProblemError(f"not a readable JSON bundle: {error}", file=file) from None
    if not isinstance(content, dict) or content.get("kind") != BUNDLE_KIND:
        raise ProblemError(f"not a bundle: expected a JSON object with \"kind\": "
                           f"\"{BUNDLE_KIND}\"", file=file)
    if content.get("version") != BUNDLE_VERSION:
        raise ProblemError(f"bundle version {content.get('version')!r} is not "
                           f"{BUNDLE_VERSION}", file=file)
    text = content.get("problem_csv")
    params: dict[str, str] = {}
    for part in ("settings", "view"):
        entry = content.get(part, {})
        if not isinstance(entry, dict):
            raise ProblemError(f"bundle: \"{part}\" must be an object", file=file)
        params.update({str(k): str(v) for k, v in entry.items()})
    if not isinstance(text, str):
        raise ProblemError("bundle: \"problem_csv\" must hold the problem as CSV text",
                           file=file)
    loaded = loading.parse_csv_text(text, str(content.get("name") or file))
    return loaded, parse(params)


def open_bundle(data: bytes, file: str) -> None:
    """Install a bundle's problem with its settings and view (a ProblemError
    leaves the page as it was)."""
    loaded, link = read_bundle(data, file)
    st.session_state.update(link.widgets)
    state.install(loaded)
    apply_after_load(link)
    st.session_state[LINK_ERRORS] = link.errors
