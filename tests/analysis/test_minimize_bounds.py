"""minimize says what proved its lower bound, and uses the window bound where
the search of the whole problem cannot settle it."""

from __future__ import annotations

import sys

import pytest
from oracle import brute_force_min_height, valid

from minimalloc.analysis.minimize import BOUND_METHODS, minimize
from minimalloc.analysis.window_bound import check_certificate
from minimalloc.bounds import lower_bound
from minimalloc.model import Buffer, Gap, Problem
from minimalloc.search.completeness import incomplete_reason

#: ``a`` fits neither below the fixed ``f`` nor within the LOAD (3) above it.
OBSTRUCTION = (Buffer("f", 0, 2, 1, offset=1), Buffer("a", 0, 1, 2))


def test_the_search_proves_it_when_it_can():
    problem = Problem(OBSTRUCTION)
    result = minimize(problem, timeout=10)
    assert lower_bound(problem) == 3
    assert result.height == result.lower_bound == 4 == brute_force_min_height(problem)
    assert result.proven_optimal and result.bound_method == "search"
    assert result.certificate is None


#: ``x`` could sit below the raised window of ``w``: the canonical search of
#: the whole problem is incomplete, and its failure at 3 proves nothing alone.
NESTED = Problem((*OBSTRUCTION, Buffer("w", 1, 4, 2, gaps=(Gap(2, 3, (1, 2)),)),
                  Buffer("x", 2, 3, 1)))


def test_the_exact_model_settles_what_the_canonical_search_cannot():
    pytest.importorskip("ortools", reason="the exact model needs the 'exact' extra")
    assert incomplete_reason(NESTED) is not None
    result = minimize(NESTED, timeout=10)
    assert result.lower_bound == result.height == 4 == brute_force_min_height(NESTED)
    assert result.proven_optimal and result.bound_method == "search"


def test_a_window_proves_it_where_the_search_cannot(monkeypatch):
    # Without the exact model, the window [0, 1), which holds no windowed
    # gap, is searched completely and proves the bound.
    monkeypatch.setitem(sys.modules, "ortools.sat.python", None)
    problem = NESTED
    assert incomplete_reason(problem) is not None
    result = minimize(problem, timeout=10)
    assert valid(problem, result.solution.offsets, result.height)
    assert lower_bound(problem) == 3
    assert result.lower_bound == result.height == 4 == brute_force_min_height(problem)
    assert result.proven_optimal and result.bound_method == "window"
    assert (result.certificate.start, result.certificate.end) == (0, 1)
    assert result.certificate.capacity == 3
    assert check_certificate(problem, result.certificate)
    assert "window" not in result.summary()  # proven: the summary says so plainly


def test_the_bound_method_names_the_proof():
    example = Problem((Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
                       Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)))
    assert minimize(example, timeout=10).bound_method == "load"
    aligned = Problem((Buffer("a", 0, 2, 1, alignment=4),
                       Buffer("b", 1, 3, 1, alignment=4)))
    result = minimize(aligned, timeout=10)
    assert result.lower_bound == result.height == 5
    assert result.bound_method in BOUND_METHODS and result.bound_method != "load"
