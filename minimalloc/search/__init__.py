"""The exact search: the sweep that cuts a problem into sections and
partitions (:mod:`~minimalloc.search.sweep`), the numba kernel that searches
canonical solutions depth first (:mod:`~minimalloc.search.kernel`), the
solver that drives it with time limits, threads and fallbacks
(:mod:`~minimalloc.search.solver`), when a failed search is a proof
(:mod:`~minimalloc.search.completeness`), the statistics it returns
(:mod:`~minimalloc.search.stats`) and the replay of its recorded trace
(:mod:`~minimalloc.search.trace`)."""
