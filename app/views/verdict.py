"""Above the tabs, after a run: its numbers, what it means (fits, optimal,
does not fit, timed out), the next steps in one click, and why the buffers
do not fit when asked; or the verdict on an allocation a file came with."""

from __future__ import annotations

import streamlit as st

from app import state
from app.services.checking import Check, check_allocation
from app.services.jobs import EXPLAIN_SECONDS, MINIMIZE, Outcome, explain_infeasible
from app.services.tables import percent_above
from app.state import current
from app.text import buffer_ids, byte_text, plural, with_separators
from app.views import spill
from app.views.common import byte_metric, internal_error
from app.views.packing import NO_MARKS, Marks
from minimalloc.bounds import max_load
from minimalloc.errors import InternalError
from minimalloc.model import Problem, Solution
from minimalloc.params import Status


def view_choice(problem: Problem) -> str:
    """Which allocation the page shows: the solver's or the uploaded one."""
    app = current()
    ss = st.session_state
    allocation = app.loaded.allocation
    has_upload = allocation is not None and len(allocation.offsets) == len(problem.buffers)
    if has_upload and app.outcome is not None:
        options = [state.SOLVER_VIEW, state.UPLOADED_VIEW]
        if ss.get(state.VIEW) not in options:
            ss[state.VIEW] = options[0]
        st.radio("Show", options, key=state.VIEW, horizontal=True,
                 format_func=lambda v: "Solver's result" if v == state.SOLVER_VIEW else
                 "Uploaded allocation")
        return ss[state.VIEW]
    return state.UPLOADED_VIEW if has_upload else state.SOLVER_VIEW


def uploaded_verdict(problem: Problem, solution: Solution) -> Check:
    """The validator's verdict on the uploaded allocation."""
    check = check_allocation(problem, solution)
    cols = st.columns(4)
    cols[0].metric("Allocation", "valid" if check.validation.ok else "invalid")
    byte_metric(cols[1], "Height", solution.height)
    cols[2].metric("Conflicting pairs", f"{check.pairs:,}")
    cols[3].metric("Buffers at fault", f"{len(check.culprits):,}")
    message = with_separators(check.validation.message)
    if check.validation.ok:
        st.success(f"Uploaded allocation: {message}")
    else:
        st.error(f"Uploaded allocation is invalid ({check.validation.code.value}): "
                 f"{message}")
        if check.culprits:
            ids = buffer_ids(problem, check.culprits[:40])
            more = len(check.culprits) - len(ids)
            st.caption("Highlighted in red: " + ", ".join(ids)
                       + (f" and {more} more" if more > 0 else ""))
    return check


def outcome_verdict(outcome: Outcome) -> Marks:
    """The run's numbers and verdict; what to mark on the chart."""
    if outcome.internal_error is not None:
        internal_error(outcome.internal_error)
    elif outcome.error:
        st.error(f"The run failed: {outcome.error}")
    outcome_metrics(outcome)
    status = outcome.status
    solution = outcome.solution
    shown, shown_label = outcome.shown()
    if outcome.mode == MINIMIZE and solution is not None:
        minimised(outcome)
    elif status is Status.OK:
        st.success(f"All {len(outcome.problem):,} buffers fit: height "
                   f"{solution.height:,} within capacity {outcome.problem.capacity:,}.")
        beaten_by_a_baseline(outcome)
    elif status is Status.UNDECIDED:
        reason = outcome.result.reason if outcome.result is not None else None
        st.warning(f"No allocation found, and none proven impossible: {reason}; "
                   "the search does not try such placements.")
    elif status in (Status.TIMEOUT, Status.CANCELLED) and solution is None:
        fallback_verdict(outcome, shown, shown_label)
    app = current()
    if app.explain_requested and outcome.explanation is None:
        with st.spinner("Explaining why the buffers do not fit…"):
            try:
                outcome.explanation = explain_infeasible(
                    outcome.problem, outcome.params,
                    outcome.params.timeout or EXPLAIN_SECONDS)
            except InternalError as bug:
                internal_error(bug)
    app.explain_requested = False
    marks = NO_MARKS
    if outcome.explanation is not None and status is not Status.OK:
        marks = explanation_box(outcome, shown_label)
    spill.offer(outcome)
    return marks


def outcome_metrics(outcome: Outcome) -> None:
    solution = outcome.solution
    shown, _ = outcome.shown()
    cols = st.columns(5)
    cols[0].metric("Status", outcome.status_text())
    drawn = solution if solution is not None else shown
    if drawn is not None:
        label = "Height" if solution is not None else "Height (baseline)"
        above = percent_above(drawn.height, outcome.lower_bound)
        if above is None:
            byte_metric(cols[1], label, drawn.height)
        elif above <= 0:
            byte_metric(cols[1], label, drawn.height, delta="= lower bound: optimal",
                        delta_color="normal", delta_arrow="off")
        else:
            # In bytes: a percentage rounds a small gap to '+0.0%'.  Grey, not
            # red: above the bound is not known to be worse than the optimum.
            gap = drawn.height - outcome.lower_bound
            byte_metric(cols[1], label, drawn.height,
                        delta=f"+{byte_text(gap)} above the lower bound",
                        delta_color="off", help=f"{above:.3g}% above the lower bound "
                        f"{outcome.lower_bound:,}.")
    else:
        cols[1].metric("Height", "—")
    stats = outcome.stats
    cols[2].metric("Wall time", f"{outcome.seconds:.3f} s",
                   help="The whole run: bounds, search, baselines and explanation.")
    cols[3].metric("Nodes", f"{stats.nodes:,}" if stats else "—")
    cols[4].metric("Backtracks", f"{stats.backtracks:,}" if stats else "—")


def minimised(outcome: Outcome) -> None:
    """What the minimiser found, how, and whether it is proven."""
    solution = outcome.solution
    found = outcome.minimize
    how = ""
    if found is not None:
        by = outcome.method()
        if found.method == "improve":
            by += " (re-packing neighbourhoods of the best baseline exactly)"
        elif found.method == "exact":
            by += f" after {plural(len(found.probes), 'probe')}"
        how = f" Found by the {by}; the best baseline reached {found.baseline_height:,}."
    if outcome.status is Status.CANCELLED:
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
        st.warning(f"That is {solution.height - capacity:,} more than the capacity set "
                   f"({capacity:,}): these buffers need more than the capacity.")


def beaten_by_a_baseline(outcome: Outcome) -> None:
    """When a baseline packs lower than the search's answer (the search stops
    at the first packing within the capacity): say so, and offer to show it."""
    best = outcome.best_baseline()
    solution = outcome.solution
    if best is None or solution is None or best.solution.height >= solution.height:
        return
    height = best.solution.height
    optimal = (", the lower bound, so it is optimal" if height <= outcome.lower_bound
               else "")
    st.info(f"Baseline {best.method} packs these buffers lower: height {height:,}"
            f"{optimal}, {solution.height - height:,} below the search's "
            f"{solution.height:,}.  The search stops at the first packing within the "
            "capacity; minimise the capacity for the lowest.", icon=":material/info:")
    left, _ = st.columns([1, 3])
    if outcome.chosen is None:
        left.button(f"Show {best.method}'s packing", key="act_show_baseline",
                    icon=":material/visibility:", on_click=choose,
                    args=(outcome, f"baseline {best.method}", best.solution),
                    width="stretch")
    else:
        left.button("Show the search's packing", key="act_show_own",
                    icon=":material/undo:", on_click=choose, args=(outcome, None, None),
                    width="stretch")


def choose(outcome: Outcome, label: str | None, solution: Solution | None) -> None:
    """Show ``solution`` instead of the run's answer (None: the answer)."""
    outcome.chosen = None if solution is None else (label, solution)


def fallback_verdict(outcome: Outcome, shown: Solution | None, shown_label: str) -> None:
    """After a time-out or Stop: whether the allocation shown instead fits,
    and the next steps in one click."""
    how = "was stopped" if outcome.status is Status.CANCELLED else "ran out of time"
    nodes = outcome.stats.nodes if outcome.stats is not None else 0
    text = f"The search {how} after {plural(nodes, 'node')} without an answer."
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
    st.session_state[state.MODE] = MINIMIZE
    current().solve_requested = True
    st.session_state[state.VIEW] = state.SOLVER_VIEW


def on_explain_now() -> None:
    current().explain_requested = True


def explanation_box(outcome: Outcome, shown_label: str) -> Marks:
    """The reasons a problem does not fit (the library's
    :class:`~minimalloc.analysis.explain.Explanation`), what would suffice
    with buttons to show or use it; returns what to mark on the chart."""
    ex = outcome.explanation
    capacity = outcome.problem.capacity
    if ex.feasible:
        st.success(f"The explanation found an allocation within capacity {capacity:,}: "
                   "the buffers fit (the search just needed more time).",
                   icon=":material/check_circle:")
        return Marks()
    lines, marks = explanation_lines(outcome)
    shown, _ = outcome.shown()
    if shown is not None and shown.height > capacity:
        lines.append(f"The chart shows {shown_label}, which runs past the capacity.")
    if ex.feasible is None:
        st.warning("\n\n".join(lines), icon=":material/help:")
    else:
        st.error("\n\n".join(lines), icon=":material/block:")
    suffices = ex.min_capacity if ex.min_capacity is not None else ex.min_capacity_upper
    if suffices is not None:
        left, right, _ = st.columns([1, 1, 2])
        left.button("Show that allocation", key="act_show_suffice",
                    icon=":material/visibility:", on_click=show_sufficient,
                    args=(outcome,), width="stretch",
                    disabled=ex.min_capacity_solution is None,
                    help=f"The allocation of height {suffices:,} that the explanation "
                    "found, on the chart.")
        right.button(f"Use capacity {suffices:,}", key="act_use_capacity",
                     icon=":material/check:", on_click=use_capacity, args=(suffices,),
                     width="stretch", help="Set the capacity and solve again.")
    return marks


def explanation_lines(outcome: Outcome) -> tuple[list[str], Marks]:
    """The explanation in sentences, and what to mark on the chart: each
    sentence says only what the library established."""
    ex = outcome.explanation
    problem = outcome.problem
    capacity = problem.capacity
    load = max_load(problem)
    if ex.feasible is None:
        lines = [f"**Not decided in time whether the buffers fit capacity {capacity:,}.** "
                 f"What is known: at most {load:,} bytes are live at any moment, within "
                 "the capacity, so only fragmentation could keep them out."]
    else:
        lines = [f"**No packing fits capacity {capacity:,}.**"]
    marks = Marks(label="minimal infeasible subset",
                  overloaded=[(s, e, 0) for s, e, _ in ex.overloaded])
    if ex.overloaded:
        parts = [f"[{s:,}, {e:,})" for s, e, _ in ex.overloaded[:8]]
        more = len(ex.overloaded) - len(parts)
        tail = f" and {more} more stretches" if more > 0 else ""
        lines.append(f"Memory runs over: up to {load:,} bytes are live at once, "
                     f"{load - capacity:,} more than the capacity, during "
                     + ", ".join(parts) + tail + " (hatched on the chart).")
        worst = max(ex.overloaded, key=lambda o: len(o[2]))
        if worst[2] and not ex.subset:
            marks = marks._replace(highlight=tuple(worst[2]),
                                   label=f"live during [{worst[0]:,}, {worst[1]:,})")
            lines.append(f"In red: the {len(worst[2])} buffers live during "
                         f"[{worst[0]:,}, {worst[1]:,}).")
    elif ex.feasible is False:
        lines.append("The live bytes never exceed the capacity: the buffers just cannot "
                     "be arranged without fragmentation.")
    if ex.subset:
        marks = marks._replace(highlight=tuple(ex.subset))
        ids = buffer_ids(problem, ex.subset[:30])
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
            marks = marks._replace(label="infeasible subset")
        if ex.subset_min_capacity:
            lines.append(f"Those buffers alone need capacity {ex.subset_min_capacity:,}.")
    if ex.min_capacity is not None:
        lines.append(f"Capacity **{ex.min_capacity:,}** is the smallest that fits.")
    elif ex.min_capacity_upper is not None:
        low = (f" (the smallest is at least {ex.min_capacity_lower:,})"
               if ex.min_capacity_lower else "")
        lines.append(f"An allocation of height {ex.min_capacity_upper:,} was found: "
                     f"capacity **{ex.min_capacity_upper:,}** would suffice{low}.")
    return lines, marks


def show_sufficient(outcome: Outcome) -> None:
    """Show the explanation's allocation on the chart."""
    ex = outcome.explanation
    if ex is not None and ex.min_capacity_solution is not None:
        height = ex.min_capacity_solution.height
        choose(outcome, f"an allocation that would suffice (capacity {height:,})",
               ex.min_capacity_solution)


def use_capacity(capacity: int) -> None:
    """Set the capacity and solve again."""
    st.session_state[state.CAPACITY] = int(capacity)
    current().solve_requested = True
    st.session_state[state.VIEW] = state.SOLVER_VIEW
