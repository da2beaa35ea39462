"""What the search did, for people to read and plot."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Pruning rules counted by the search, in the order they are tried.
PRUNE_RULES: tuple[str, ...] = (
    "canonical",  # candidate skipped: not canonical
    "dominance",  # candidate skipped: would leave a hole below it
    "fixed_offset",  # above its fixed offset, or pushed a fixed buffer above its own
    "inference",  # placement failed the section check (floor + total > capacity)
    "hatless",  # remaining candidates cut after a hatless placement
)


@dataclass(frozen=True)
class RoundRecord:
    """One heuristic's run with one node budget inside the round robin."""

    round: int  # 1-based round number
    heuristic: str
    node_limit: int  # -1: no limit (a single heuristic)
    nodes: int  # nodes this run visited
    outcome: str  # "solved", "infeasible", "node limit", "timeout", "cancelled"


@dataclass(frozen=True)
class SearchStats:
    """Counters of one solve.

    ``prunes`` maps each rule of :data:`PRUNE_RULES` to how often it fired.
    ``rounds`` lists the round robin's runs in order.  Times are wall seconds:
    ``sweep_seconds`` for the preprocessing, ``search_seconds`` for the search.
    """

    nodes: int = 0
    backtracks: int = 0
    prunes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PRUNE_RULES, 0))
    decompositions: int = 0
    max_depth: int = 0
    placements: int = 0
    rounds: tuple[RoundRecord, ...] = ()
    partitions: int = 0
    sections: int = 0
    sweep_seconds: float = 0.0
    search_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        """Total wall seconds, sweep and search."""
        return self.sweep_seconds + self.search_seconds

    def as_dict(self) -> dict[str, object]:
        """A flat dictionary (rounds as a list of dicts) for tables and JSON."""
        return {
            "nodes": self.nodes,
            "backtracks": self.backtracks,
            **{f"prunes_{rule}": count for rule, count in self.prunes.items()},
            "decompositions": self.decompositions,
            "max_depth": self.max_depth,
            "placements": self.placements,
            "partitions": self.partitions,
            "sections": self.sections,
            "sweep_seconds": self.sweep_seconds,
            "search_seconds": self.search_seconds,
            "rounds": [r.__dict__ for r in self.rounds],
        }


def sum_stats(all_stats: list[SearchStats]) -> SearchStats:
    """The counters of several solves of one problem added up (the deepest
    depth, the rounds in order; partitions, sections and the sweep's time
    are the first solve's: they share one sweep)."""
    if not all_stats:
        return SearchStats()
    first = all_stats[0]
    return SearchStats(
        nodes=sum(s.nodes for s in all_stats),
        backtracks=sum(s.backtracks for s in all_stats),
        prunes={rule: sum(s.prunes[rule] for s in all_stats) for rule in PRUNE_RULES},
        decompositions=sum(s.decompositions for s in all_stats),
        max_depth=max(s.max_depth for s in all_stats),
        placements=sum(s.placements for s in all_stats),
        rounds=tuple(r for s in all_stats for r in s.rounds),
        partitions=first.partitions,
        sections=first.sections,
        sweep_seconds=first.sweep_seconds,
        search_seconds=sum(s.search_seconds for s in all_stats),
    )
