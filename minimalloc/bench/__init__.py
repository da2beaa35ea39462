"""The benchmarks behind ``make bench``: speed and search trees on the
reference's benchmarks, the minimiser, the ablation study and the anytime
optimiser (:mod:`~minimalloc.bench.suite`), and runs at the scale of real
models, each in a fresh process (:mod:`~minimalloc.bench.scale`).  ``python -m
minimalloc.bench`` runs the suite."""
