"""Questions asked of a problem with the search as the tool: the smallest
capacity it fits in (:mod:`~minimalloc.analysis.minimize`), why it does not fit
(:mod:`~minimalloc.analysis.explain`), and what each of the search's
techniques is worth (:mod:`~minimalloc.analysis.ablation`)."""
