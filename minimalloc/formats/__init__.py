"""File formats: one module per format, each reading and/or writing problems
and plans, with clear errors (:class:`~minimalloc.errors.ProblemError`)."""
