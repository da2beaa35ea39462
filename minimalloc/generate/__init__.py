"""Problems made rather than read: seeded, reproducible generators (random
problems, perfect packings, model training traces) in
:mod:`~minimalloc.generate.problems`, and the curated sample problems of
``sample_problems/`` in :mod:`~minimalloc.generate.samples`.  ``python -m
minimalloc.generate`` is the ``minimalloc generate`` subcommand."""
