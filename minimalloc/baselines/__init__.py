"""Baselines: what a compiler would use instead of an exact search.  The
allocators (TFLite's greedy by size, XLA's best-fit orders, first fit) and
their registry by name live in :mod:`~minimalloc.baselines.allocators`; the
best of them (:mod:`~minimalloc.baselines.best`) is the search's fallback and
the optimisers' starting point; first fit by a sweep
(:mod:`~minimalloc.baselines.sweep`) is the answer that always finishes."""
