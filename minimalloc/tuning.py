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

# ---------------------------------------------------------------- minimizing the height

#: Share of the time limit given to the first probe, at the lower bound.
LOWER_BOUND_SHARE = 1 / 3
#: Per-probe budget of the first bisection round, as a share of the time left.
FIRST_ROUND_SHARE = 1 / 100
#: No probe is started with less time than this (seconds).
MIN_PROBE_SECONDS = 0.005
#: Above this many buffers the exact search is skipped: anytime optimiser only.
SCALE_THRESHOLD = 5000
#: The anytime optimiser starts again (from the same allocation, with other
#: random choices) after this many seconds without a lower height; the best
#: run counts.  Measured on a 2 x 10^4-buffer random trace, one 60 s run
#: ends between 1.008 and 1.019 x LOAD, usually stalled after 20-30 s.
RESTART_PATIENCE = 15.0
#: Above this many buffers (and up to SCALE_THRESHOLD) the exact search gets
#: EXACT_SHARE of the time, the anytime optimiser the rest if it is needed.
MIXED_THRESHOLD = 1500
EXACT_SHARE = 1 / 2
#: Without a time limit, the exact search on a problem above MIXED_THRESHOLD
#: gets this long first; then the anytime optimiser improves its best until
#: it can reach no lower height, and the exact search resumes from there
#: for the proof.  (It was given no limit at all: the optimiser never
#: started, and a run until Stop stayed at the baseline long after a 10 s
#: run had improved it.)
UNLIMITED_EXACT_SECONDS = 5.0

#: On big problems, the baselines still running after this share of the
#: time limit are stopped once one has finished, so that the optimiser's
#: start has time to be built.  On a training snapshot of 2 x 10^6 buffers
#: the four took 29-64 s of a 60 s limit on a loaded machine (the first
#: done well before), and the peak window's start, which was at the LOAD,
#: was ready only after the limit.
BASELINE_SHARE = 1 / 4

#: Share of the time left after the first probe given to the window bound
#: (:mod:`minimalloc.analysis.window_bound`) when that probe could not settle the
#: lower bound.
MINIMIZE_WINDOW_SHARE = 1 / 10

#: Without a time limit, probes still get budgets (a search at one capacity
#: can run for hours): the lower-bound probe this many seconds, bisection
#: rounds from the next value up, doubling after rounds that learn nothing.
UNLIMITED_FIRST_PROBE = 10.0
UNLIMITED_FIRST_ROUND = 1.0

# ---------------------------------------------------------------- the window bound

#: Time budget of one probe of a window problem (seconds).  Measured on A-K
#: and random problems: a window the search can decide is decided in well
#: under this, and a window it cannot is not decided in ten times as long.
WINDOW_PROBE_SECONDS = 0.5
#: At most this many buffers in a window problem (the exact search lists
#: every pair alive together).
MAX_BOUND_WINDOW_BUFFERS = 1500
#: Start from at most this many of the heaviest moments.
WINDOW_CENTRES = 8

# ---------------------------------------------------------------- the peak window

#: Half-widths of the windows tried, in median lifespans, narrowest first.
WINDOW_WIDTHS = (0.05, 0.1, 0.2, 0.4, 0.8)
#: Seconds the exact search gets for one window.  Measured on a random
#: trace of 2.8 x 10^4 buffers with 750 alive at once: its 973-buffer window
#: takes 2.1-2.7 s, and the optimiser ends at 1.003-1.007 x LOAD from it
#: against 1.011-1.014 from the 893-buffer window that 2 s allow.
WINDOW_SECONDS = 4.0
#: At most this share of the time left goes to the windows (with a deadline).
PEAK_WINDOW_SHARE = 0.25
#: No window is tried with less than this many seconds for its search.
MIN_WINDOW_SECONDS = 0.5
#: Seconds the exact search gets for a window's classes (measured: the
#: 3-61 classes of a dense training step's windows take a few milliseconds).
CLASS_SECONDS = 1.0
#: Windows holding more classes than this are not tried, and their buffers
#: are searched only up to this many (the exact search's list of pairs grows
#: with their square).
MAX_PEAK_WINDOW_BUFFERS = 3000

# ---------------------------------------------------------------- explaining

#: Share of the time for deciding whether the problem fits at all.
DECIDE_SHARE = 0.4
#: Elapsed share of the time by which the subset search stops.
SUBSET_SHARE = 0.8
#: Per-search budget of the first round while deciding (seconds; doubles).
FIRST_BUDGET = 0.01
#: Share of the deciding time left that the first search of a whole
#: partition may take (after one cheap round on its local sets): a proof for
#: the whole partition is often what settles it, and a search restarted with
#: doubling budgets would pay for it several times over.
PARTITION_SHARE = 3 / 4
#: Share of the subset search's time left that one check may take.
CHECK_SHARE = 1 / 6
#: Most buffer ids named in a message before "and N more" (of
#: :mod:`minimalloc.analysis.explain` and :mod:`minimalloc.analysis.spill`).
NAMED = 12
#: Share of the time kept for the way out (the spill plan) when it does not fit.
WAY_OUT_SHARE = 0.2

# ---------------------------------------------------------------- the spill plan

#: Share of a pool's time a cover may take (the packing gets the rest).
COVER_SHARE = 0.3
#: Share of the time left that one packing search may take.
PACK_SHARE = 0.3
#: Share of the time left for mending a cover whose packing ran out of time.
MEND_SHARE = 0.15
#: Shares of the capacity held back, in turn, when the cheapest cover's
#: buffers cannot be packed in time: a cover at the smaller capacity moves a
#: little more but leaves the packing room to spare, which the search often
#: fills quickly where the tight set took it past its limit (measured on
#: A-K at 95% of their LOAD: A packs in 0.1 s at 1% held back).
SLACK_LADDER = (0.005, 0.01, 0.02, 0.04, 0.08)
#: Share of the time left that one packing search of the slack ladder may take.
SLACK_SHARE = 0.06
#: Share of a pool's time for packing every block that may stay as low as
#: possible (:func:`minimalloc.analysis.minimize.minimize`), the start of
#: the cut plan (its best window or band of the capacity's height,
#: :func:`minimalloc.analysis.spill_moves.cut_to_fit`).  Tight packings
#: cut well: on A-K at 95% of their LOAD the cut plans moved 1.2-2x less
#: than the greedy cover's.
CUT_SHARE = 0.2
#: Share of the time left for ruin-and-recreate moves on the cut plan
#: (:mod:`minimalloc.anytime.spill_ruin`), and share of a pool's time kept
#: for them on the best plan at the end.
RUIN_SHARE = 0.15
POLISH_SHARE = 0.5
#: Most seconds for the cut plan's packing and for the moves on it (and for
#: the moves on the best plan when there is no time limit: the covers and
#: packing searches then run until proven).  A-K pack within a few per cent
#: of their LOAD in about a second; a long limit is better spent on covers.
START_SECONDS = 5.0

# ---------------------------------------------------------------- reading pickles

# Limits against hostile input (:mod:`minimalloc.formats.plain_pickle`):
# a real snapshot stays far below each.

#: Deepest nesting accepted (a snapshot's is 6).
MAX_DEPTH = 100
#: Most items a tuple used as a dict key may hold, counted through every
#: level (hashing a key visits them all).
MAX_KEY_ITEMS = 10_000
#: At most one item (on the stack, in the memo, in a container) per this
#: many bytes of pickle, plus 2^20: a real snapshot keeps one per 10 bytes.
BYTES_PER_ITEM = 4
