"""What the search did, step by step: decoded events, a replay of the search
state, the explored tree and counters over time.

``solve(problem, params, trace=N)`` records up to ``N`` events of the search
(see ``minimalloc.search.kernel.EV_*``) as an ``(k, 4)`` int64 array.  This module
turns that array into something people can read and draw:

* :func:`decode` gives one :class:`Event` per row, with named fields;
* :class:`TraceReplay` (and :func:`replay`) re-simulates the search state from
  the PLACE and UNDO events with its own code, following the search of
  docs/algorithm.md literally: lowest offsets, section floors and totals, the
  current node's candidates, and a one-line explanation of the rule that
  fired at each step;
* :func:`search_tree` rebuilds the explored tree (one vertex per search node,
  plus one per placement rejected by a check) with each node's outcome;
* :func:`over_time` counts nodes per depth, backtracks as the search goes on
  and the round robin's runs.

Steps are 1-based: ``Event.step == k`` is the k-th event, and a snapshot at
step ``k`` is the state right after it (step 0 is the state before the first).

The replay shares no state-update code with the kernel, so it doubles as a
check on it: every PLACE must be at the replayed lowest offset of its buffer,
every prune must be justified by the replayed floors and totals, every node
must have as many candidates as the replay counts; any disagreement is listed
in :attr:`TraceReplay.mismatches`.

>>> from minimalloc import Buffer, Problem, solve
>>> problem = Problem([Buffer("b1", 0, 3, 4), Buffer("b2", 3, 9, 4),
...                    Buffer("b3", 0, 9, 4), Buffer("b4", 9, 21, 4),
...                    Buffer("b5", 0, 21, 4)], capacity=12)
>>> result = solve(problem, trace=100)
>>> decode(result)[2]
Event(step=3, kind='place', buffer=4, offset=0, depth=1)
>>> snap = replay(problem, result, 7)
>>> snap.explanation
'Place b3 at offset 4, its lowest offset; it pushes b1 up to 8, b2 up to 8.'
>>> snap.offsets.tolist(), snap.min_offset.tolist()
([-1, -1, 4, -1, 0], [8, 8, 4, 4, 0])
>>> search_tree(result).num_nodes == result.stats.nodes
True
"""

from __future__ import annotations

from minimalloc.search.trace.events import (
    EVENT_KINDS,
    RUN_OUTCOMES,
    SKIP_RULES,
    Event,
    decode,
    decode_rows,
    to_dataframe,
)
from minimalloc.search.trace.over_time import OverTime, RunSpan, over_time
from minimalloc.search.trace.replay import TraceReplay, replay
from minimalloc.search.trace.sections import section_times
from minimalloc.search.trace.snapshot import Snapshot
from minimalloc.search.trace.tree import TREE_OUTCOMES, TreeData, search_tree

__all__ = [
    "EVENT_KINDS",
    "RUN_OUTCOMES",
    "SKIP_RULES",
    "TREE_OUTCOMES",
    "Event",
    "OverTime",
    "RunSpan",
    "Snapshot",
    "TraceReplay",
    "TreeData",
    "decode",
    "decode_rows",
    "over_time",
    "replay",
    "search_tree",
    "section_times",
    "to_dataframe",
]
