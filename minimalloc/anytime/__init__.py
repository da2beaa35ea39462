"""The anytime optimiser for problems too big for the exact search: it starts
from the heaviest moment's window packed exactly
(:mod:`~minimalloc.anytime.peak_window`), or else from the peak-first order
(:mod:`~minimalloc.anytime.peak_first`), then lowers the height with greedy
moves, exact re-packing of neighbourhoods and ruin-and-recreate
(:mod:`~minimalloc.anytime.improve`, :mod:`~minimalloc.anytime.ruin`),
keeping the best valid allocation found so far."""
