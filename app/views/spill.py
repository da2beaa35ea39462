"""Make it fit: after an answer that does not fit, the cheapest set of
buffers to move to a second memory (:func:`minimalloc.analysis.spill.spill`),
its numbers above the tabs and its pools in the Packing tab."""

from __future__ import annotations

import streamlit as st

from app import state
from app.figures.spill import spill_figure
from app.services.jobs import SPILL_SECONDS, Outcome, plan_spill
from app.state import current
from app.text import byte_text
from app.views.common import byte_metric, internal_error
from minimalloc.errors import InternalError, ProblemError
from minimalloc.model import Pool
from minimalloc.params import Status
from minimalloc.pools import parse_pools

#: What the page says of each plan's status.
STATUS_TEXT = {"fits": "fits, nothing to move", "proven": "proven cheapest",
               "found": "not proven cheapest", "infeasible": "no plan fits",
               "not found": "no plan found in time"}


def does_not_fit(outcome: Outcome) -> bool:
    """Whether the run's answer does not fit the capacity set (proven
    infeasible, or the allocation shown runs over it)."""
    if outcome.problem.capacity is None or outcome.error:
        return False
    return outcome.status is Status.INFEASIBLE or outcome.fits() is False


def pools_setting() -> tuple[Pool, ...] | None:
    """The memory pools the sidebar names (None: none, or not readable)."""
    text = str(st.session_state.get(state.POOLS) or "").strip()
    if not text:
        return None
    try:
        return parse_pools(text)
    except ProblemError:
        return None


def pools_error() -> str | None:
    """Why the sidebar's memory pools cannot be read, if they cannot."""
    text = str(st.session_state.get(state.POOLS) or "").strip()
    try:
        parse_pools(text) if text else None
    except ProblemError as error:
        return str(error)
    return None


def offer(outcome: Outcome) -> None:
    """The "Make it fit" button, and the plan once asked for; with memory
    pools set, the plan over them after every run."""
    pools = pools_setting()
    if pools is None and not does_not_fit(outcome):
        return
    app = current()
    if (app.spill_requested or pools is not None) and outcome.spill is None \
            and not outcome.error:
        seconds = outcome.params.timeout or SPILL_SECONDS
        with st.spinner(f"Looking for the cheapest buffers to move out (up to "
                        f"{seconds:g} s)…", show_time=True):
            try:
                outcome.spill = plan_spill(outcome.problem, outcome.params, seconds,
                                           pools)
            except InternalError as bug:
                internal_error(bug)
            except ProblemError as error:
                st.error(f"No plan over those memories: {error}", icon=":material/block:")
    app.spill_requested = False
    if outcome.spill is None:
        if pools is None:
            left, _ = st.columns([1, 3])
            left.button("Make it fit", key="act_spill", icon=":material/move_down:",
                        on_click=request, width="stretch",
                        help="Move the fewest bytes to a second memory (spill) so that "
                        "the rest fit the capacity, with a bound on how few could do.")
        return
    summary(outcome)


def request() -> None:
    current().spill_requested = True


def summary(outcome: Outcome) -> None:
    """The plan's numbers and its sentence."""
    plan = outcome.spill
    cols = st.columns(4)
    cols[0].metric("Spill plan", STATUS_TEXT.get(plan.status, plan.status))
    if plan.solution is not None:
        byte_metric(cols[1], "Bytes moved", plan.spilled_bytes)
        cols[2].metric("Buffers moved", f"{len(plan.spilled):,}")
    byte_metric(cols[3], "Lower bound (bytes moved)", int(plan.lower_bound),
                help=f"No plan moves less: proven by {plan.bound_method}.")
    message = plan.message()
    if plan.solution is None:
        st.error(message, icon=":material/block:")
    elif plan.proven:
        st.success(f"{message} (proven cheapest: the bytes moved equal the lower bound "
                   f"{byte_text(int(plan.lower_bound))})", icon=":material/check_circle:")
    else:
        st.info(message, icon=":material/move_down:")
    st.caption("The Packing tab shows the plan: one panel per memory.")


def chart(outcome: Outcome) -> None:
    """In the Packing tab: the plan's pools, one panel each."""
    plan = outcome.spill
    if plan is None or plan.solution is None:
        return
    st.subheader("The plan that fits")
    shown, label = outcome.shown()
    before = shown if shown is not None and len(shown.offsets) == len(plan.problem) \
        else None
    if before is not None and plan.spilled:
        st.caption(f"Outlined in red in {plan.fast_pool}: the buffers moved out, where "
                   f"{label} had put them.")
    st.plotly_chart(spill_figure(plan, before), key="spill_chart",
                    config={"displaylogo": False})
