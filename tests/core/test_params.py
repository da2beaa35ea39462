"""SolverParams: the time limit is checked and normalised."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from minimalloc.errors import ProblemError
from minimalloc.params import SolverParams, check_timeout


@pytest.mark.parametrize(("given", "stored"), [
    (None, None), (0, 0.0), (2, 2.0), (0.25, 0.25), (np.float32(1.5), 1.5),
    (np.int64(3), 3.0), (float("inf"), None), (1e300, None), (10**400, None),
    (threading.TIMEOUT_MAX + 1, None),
])
def test_time_limits_are_seconds_or_none(given, stored):
    params = SolverParams(timeout=given)
    assert params.timeout == stored
    assert params.timeout is None or type(params.timeout) is float


@pytest.mark.parametrize("given", [True, False, "10", "10s", float("nan"), -1, -0.5,
                                   float("-inf"), [1], np.bool_(True)])
def test_bad_time_limits_are_refused(given):
    with pytest.raises(ProblemError, match="timeout") as info:
        SolverParams(timeout=given)
    assert "\n" not in str(info.value)


def test_check_timeout_names_the_setting():
    with pytest.raises(ProblemError, match="budget must be >= 0"):
        check_timeout(-2, "budget")


@pytest.mark.parametrize("timeout", [True, -1, float("nan"), "10"])
def test_minimize_and_explain_refuse_a_time_limit_that_is_no_duration(timeout):
    from minimalloc import Buffer, Problem, explain, minimize

    problem = Problem([Buffer("a", 0, 2, 4)], capacity=2)
    with pytest.raises(ProblemError, match="timeout"):
        minimize(problem, timeout=timeout)
    with pytest.raises(ProblemError, match="timeout"):
        explain(problem, timeout=timeout)


def test_minimize_and_explain_take_inf_as_no_limit():
    from minimalloc import Buffer, Problem, explain, minimize

    problem = Problem([Buffer("a", 0, 2, 4), Buffer("b", 1, 3, 4)], capacity=6)
    assert minimize(problem, timeout=float("inf")).proven_optimal
    assert explain(problem, timeout=10**400).feasible is False
