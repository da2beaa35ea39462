"""Baselines: what a compiler would use instead of an exact search.  The
allocators (TFLite's greedy by size, XLA's best-fit orders, first fit) and
their registry by name live in :mod:`~minimalloc.baselines.allocators`; the
search starts from, and is compared with, the best of them."""
