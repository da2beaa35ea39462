"""Every tunable number of the library, in one place, each with why it is
what it is.

These are choices, not rules of the problem: time shares, thresholds where
one method gives way to another, caps on threads and caches.  Changing one
changes how fast or how well things run, never whether an answer is right.
The modules that use a number import it from here (and keep its name, so
``module.NAME`` still reads it); measurements quoted were taken on two
cores.
"""

from __future__ import annotations

# ---------------------------------------------------------------- threads

#: Without ``MINIMALLOC_THREADS``, never more threads than this however many
#: cores (:func:`minimalloc.threads.thread_count`): measured on 2 cores only.
MAX_THREADS = 4

# ---------------------------------------------------------------- reading

#: The buffer tuples whose int64 columns :mod:`minimalloc.columns` keeps:
#: the problem being solved and one more (an edited copy, a subset).
CACHE_SIZE = 2
#: CSV files shorter than this (characters) are read row by row: the fast
#: path's first use imports pandas (most of a second), more than a few
#: thousand rows take that way (:mod:`minimalloc.formats.csv_fast`).
MIN_CHARS = 100_000

# ---------------------------------------------------------------- lower bounds

#: The sweeps of the bounds (:mod:`minimalloc.bounds`) visit at least this
#: many moments before they heed a time limit: a passed limit still gets the
#: bounds of a small problem (a subset search takes a millisecond or two).
ALWAYS_MOMENTS = 64
#: The stacking bound looks at most this many buffers of one moment (the
#: largest): it tries every subset of them, ``2 ** STACK_LIMIT`` states.
STACK_LIMIT = 16

# ---------------------------------------------------------------- the exact search

#: The exact search is not run on a problem with more pairs of buffers
#: alive at the same time than this (its answer is then the best
#: baseline's): its preparation keeps every such pair, about 140 bytes each
#: with the kernel's copies (measured: 640 MB for the sweep of 6.2 x 10^6
#: pairs, 2 x 10^5 random buffers), so this keeps it near 1 GiB.  Random
#: traces of 2 x 10^6 buffers have about 6 x 10^7 pairs.
MAX_OVERLAP_PAIRS = 8_000_000

# ---------------------------------------------------------------- the anytime optimiser

#: The attempts of :class:`minimalloc.anytime.improve.Improver` on one
#: cluster, from cheap to thorough, as (released, margin, budget): a cluster
#: that the first cannot lower gets the next one, and so on.  Measured on
#: random traces with 100 and 300 buffers alive at once: releasing a fixed
#: number suits only one of them, a share of the live buffers suits both.
LADDER: tuple[tuple[float, float, float], ...] = (
    (0.2, 0.5, 0.05),
    (0.4, 1.0, 0.1),
    (0.8, 2.0, 0.25),
    (1.6, 3.0, 0.5),
    (3.2, 3.0, 1.0),
)
#: Bounds on the number of buffers one attempt releases: at least
#: ``MIN_RELEASED * 2 ** rung`` (so that the top rungs of a problem with few
#: buffers alive at once take in all of a small problem), at most
#: ``MAX_RELEASED``.
MIN_RELEASED, MAX_RELEASED = 16, 1500
#: Seconds of ruin-and-recreate moves (:mod:`minimalloc.anytime.ruin`) before
#: the exact steps on each target, in calls of :data:`RECREATE_MOVES` moves.
#: Measured on random traces of 2 x 10^4 buffers: 0.3 s does better than
#: 0.1 s (too few moves to spread over the many spots above the target) and
#: than 1 or 3 s (the exact steps it crowds out are what lower dense spots).
RECREATE_SECONDS = 0.3
RECREATE_MOVES = 100
#: How many buffers one ruin-and-recreate move takes out, drawn uniformly
#: from this range.  Measured on random traces with 100 and 300 buffers alive
#: at once: 8-53 does better than 30-177 on both (larger moves are rejected
#: more often), and much better than a few.
RUINED = (8, 56)
#: Buffers living longer than this many time buckets are not bucketed by the
#: ruin moves' time index (they are checked against every move instead).
LONG_LIFESPANS = 64
#: The share of ruin moves that put buffers back in the optimiser's given
#: order (peak first) rather than largest first.  Measured on random traces
#: of 10^4-2 x 10^4 buffers with 300 alive at once: half and half reaches
#: 1.0079 and 1.0015 x LOAD in 60 s, sizes only 1.0121 and 1.0016, the given
#: order only 1.0103 and 1.0008.
PEAK_SHARE = 0.5
#: Ruin-and-recreate moves of the spill (:mod:`minimalloc.anytime.spill_ruin`)
#: per kernel call: the time limit and the stop flag are checked between
#: calls (a call takes a few milliseconds on A-K).
SPILL_MOVES = 200
#: The spill's moves stop after this many moves per pair of buffers without
#: a better plan: a small problem has tried its neighbourhoods by then, and
#: the time goes to the covers; on A-K at 95% of their LOAD (200-450
#: buffers) plans still improved after 10^5 idle moves, so these only stop
#: at their time limit.
SPILL_IDLE = 20

# ---------------------------------------------------------------- command line, batch

#: The progress line appears only for runs longer than this (seconds).
PROGRESS_DELAY = 0.5
#: How often the waiting main thread refreshes the progress line (seconds).
PROGRESS_INTERVAL = 0.1
#: How long ``minimalloc batch --scheduler=...`` waits for the scheduler to
#: answer before giving up (a Dask duration).
CONNECT_TIMEOUT = "30s"
