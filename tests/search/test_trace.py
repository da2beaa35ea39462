"""The search trace of the five-buffer example, event by event.

Worked out by hand from docs/algorithm.md ("Worked example: five buffers";
see also the docstring of ``minimalloc.search.kernel``).  Buffer indices:
b1=0, b2=1, b3=2, b4=3, b5=4.
"""

from __future__ import annotations

from minimalloc import Buffer, Problem, SolverParams, solve
from minimalloc.search import kernel as s

EXAMPLE = Problem([Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4), Buffer("b3", 0, 9, 4),
                   Buffer("b4", 9, 21, 4), Buffer("b5", 0, 21, 4)], capacity=12)

B1, B2, B3, B4, B5 = range(5)

EXPECTED = [
    (s.EV_ROUND, 0, 10, 1),  # heuristic WAT, node limit 2 x 5 buffers, round 1
    (s.EV_NODE, 0, 5, 0),  # root: five candidates, all at offset 0
    (s.EV_PLACE, B5, 0, 1),  # widest first
    (s.EV_DECOMPOSE, B5, 2, 2),  # the cut between sections 1 and 2 reaches zero
    (s.EV_PIECE, 0, 2, 3),  # sections [0, 2): b3, b2, b1
    (s.EV_NODE, 1, 3, 0),
    (s.EV_PLACE, B3, 4, 2),  # raises b1 and b2 to 8
    (s.EV_DECOMPOSE, B3, 2, 1),  # the cut between sections 0 and 1 reaches zero
    (s.EV_PIECE, 0, 1, 1),  # b1 alone
    (s.EV_NODE, 2, 1, 0),
    (s.EV_PLACE, B1, 8, 3),
    (s.EV_NODE, 3, 0, 0),
    (s.EV_LEAF, 3, 0, 0),
    (s.EV_UNDO, B1, 8, 0),  # the solution is kept; the search state unwinds
    (s.EV_PIECE, 1, 2, 1),  # b2 alone
    (s.EV_NODE, 2, 1, 0),
    (s.EV_PLACE, B2, 8, 3),
    (s.EV_NODE, 3, 0, 0),
    (s.EV_LEAF, 3, 0, 0),
    (s.EV_UNDO, B2, 8, 0),
    (s.EV_UNDO, B3, 4, 0),
    (s.EV_PIECE, 2, 3, 1),  # section 2: b4
    (s.EV_NODE, 1, 1, 0),
    (s.EV_PLACE, B4, 4, 2),
    (s.EV_NODE, 2, 0, 0),
    (s.EV_LEAF, 2, 0, 0),
    (s.EV_UNDO, B4, 4, 0),
    (s.EV_UNDO, B5, 0, 0),
    (s.EV_ROUND_END, 0, s.OK, 8),  # eight nodes used
]


def test_example_trace_matches_the_hand_worked_search():
    result = solve(EXAMPLE, trace=1000)
    assert [tuple(int(v) for v in event) for event in result.trace] == EXPECTED
    assert result.solution.offsets == (8, 8, 4, 4, 0)
    assert result.stats.nodes == 8 and result.stats.backtracks == 0
    assert result.stats.decompositions == 2 and result.stats.max_depth == 3


def test_without_decomposition_the_search_is_one_path():
    params = SolverParams(dynamic_decomposition=False)
    result = solve(EXAMPLE, params, trace=1000)
    places = [tuple(int(v) for v in e[1:3]) for e in result.trace if e[0] == s.EV_PLACE]
    # b5, then b4 and b3 at 4 (b4 first: same offset, earlier in the preorder),
    # then b2 and b1 at 8.
    assert places == [(B5, 0), (B4, 4), (B3, 4), (B2, 8), (B1, 8)]
    assert result.stats.nodes == 6 and result.stats.backtracks == 0


def test_a_trace_cut_at_n_events_says_so():
    result = solve(EXAMPLE, trace=5)
    assert len(result.trace) == 5 and result.trace_truncated
    assert [int(e[0]) for e in result.trace] == [e[0] for e in EXPECTED[:5]]


def test_the_kernel_runs_as_plain_python_with_the_jit_disabled():
    # NUMBA_DISABLE_JIT=1 runs the same code uncompiled (for debugging and
    # coverage); it must take exactly the same path.
    import os
    import subprocess
    import sys

    script = (
        "from tests.search.test_trace import EXAMPLE\n"
        "from minimalloc import solve\n"
        "print([tuple(int(v) for v in e) for e in solve(EXAMPLE, trace=1000).trace])\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", PYTHONPATH=root)
    output = subprocess.run([sys.executable, "-c", script], env=env, cwd=root,
                            capture_output=True, text=True, check=True).stdout
    assert output.strip() == str(EXPECTED)
