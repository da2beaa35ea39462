"""Plans -> Chrome trace event JSON, for Perfetto (ui.perfetto.dev) and
chrome://tracing.

Each buffer is one complete event (``"ph": "X"``) from ``lower`` to
``upper`` (one time step is shown as one microsecond), with its id as the
name and its offset, size, end address, lifetime, gaps and label in
``args``.  So that the picture is the packing, events are laid out on one
track per distinct offset, the tracks sorted by address (offset 0 at the
top): buffers that share a start address never live at the same time, so
each track is a clean row of events, and reading down the tracks is reading
up through memory.  A counter track, ``bytes live``, draws the load over
time, and the metadata names the plan's height.  A plan over several memory
pools (``solution.pools``) gets one process per pool, as ExecuTorch's
memory trace has one per memory, each with its own tracks and counter.

:func:`read_chrome_trace` reads such a file back: one buffer per complete
event, at the offset its ``args`` give (a problem whose every buffer has a
fixed offset: a plan, as ``minimalloc compare`` reads it).

>>> from minimalloc.model import Buffer, Problem, Solution
>>> p = Problem((Buffer("a", 0, 2, 4, label="Conv c1"), Buffer("b", 2, 3, 4)))
>>> events = json.loads(dumps_chrome_trace(p, Solution((0, 0), 4)))["traceEvents"]
>>> [(e["name"], e["ts"], e["dur"], e["args"]["offset"]) for e in events if e["ph"] == "X"]
[('a', 0, 2, 0), ('b', 2, 1, 0)]
>>> [(b.id, b.offset, b.label) for b in read_chrome_trace(
...     dumps_chrome_trace(p, Solution((0, 0), 4)).encode()).buffers]
[('a', 0, 'Conv c1'), ('b', 0, None)]
"""

from __future__ import annotations

import json
import re
from typing import Any

from minimalloc.bounds import load_profile
from minimalloc.errors import ProblemError
from minimalloc.formats.output import (
    Destination,
    Source,
    check_plan,
    read_source_text,
    send_text,
)
from minimalloc.model import Buffer, Gap, Pool, Problem, Solution
from minimalloc.pools import pool_parts

__all__ = ["FORMAT", "SUFFIXES", "dumps", "dumps_chrome_trace", "looks_like", "read",
           "read_chrome_trace", "write_chrome_trace"]

#: File suffixes the reader claims (the only JSON plan this package writes).
SUFFIXES = (".json",)
_POOL = re.compile(r"pool (.*): height ")

#: The name ``--format`` uses for this writer, and its usual file suffix.
FORMAT = "chrome-trace"
SUFFIX = ".json"

_PID = 1


def dumps_chrome_trace(problem: Problem, solution: Solution) -> str:
    """The plan as Chrome trace event JSON text (see the module doc)."""
    check_plan(problem, solution, "a Chrome trace")
    events: list[dict[str, Any]] = []
    for pid, part in enumerate(pool_parts(problem, solution), start=_PID):
        name = f"memory plan: height {part.solution.height:,} bytes"
        if part.name:
            limit = "" if part.capacity is None else f" of {part.capacity:,}"
            name = f"pool {part.name}: height {part.solution.height:,}{limit} bytes"
        events += _process(part.problem, part.solution, pid, name)
    other = {"height": solution.height, "buffers": len(problem.buffers),
             "capacity": problem.capacity,
             "time unit": "one time step is one microsecond"}
    if solution.pools is not None:
        other["pools"] = {p.name: p.capacity for p in problem.pools}
    document = {"traceEvents": events, "displayTimeUnit": "ns", "otherData": other}
    return json.dumps(document, indent=None, separators=(",", ":")) + "\n"


def _process(problem: Problem, solution: Solution, pid: int,
             name: str) -> list[dict[str, Any]]:
    """One process: its tracks (one per distinct offset), buffers and counter."""
    offsets = solution.offsets
    tracks = {offset: rank for rank, offset in enumerate(sorted(set(offsets)))}
    events: list[dict[str, Any]] = [
        {"ph": "M", "pid": pid, "name": "process_name", "args": {"name": name}},
        {"ph": "M", "pid": pid, "name": "process_sort_index",
         "args": {"sort_index": pid}},
    ]
    for offset, rank in tracks.items():
        events.append({"ph": "M", "pid": pid, "tid": rank + 1, "name": "thread_name",
                       "args": {"name": f"offset {offset:,}"}})
        events.append({"ph": "M", "pid": pid, "tid": rank + 1,
                       "name": "thread_sort_index", "args": {"sort_index": rank}})
    for buffer, offset in zip(problem.buffers, offsets):
        args: dict[str, Any] = {
            "offset": offset, "size": buffer.size, "end address": offset + buffer.size,
            "lifetime": f"[{buffer.lower}, {buffer.upper})",
        }
        if buffer.gaps:
            args["gaps"] = [[g.lower, g.upper, *(g.window or ())] for g in buffer.gaps]
        if buffer.label:
            args["label"] = buffer.label
        if buffer.alias is not None:
            args["shares memory with"] = buffer.alias
        events.append({"ph": "X", "pid": pid, "tid": tracks[offset] + 1,
                       "name": buffer.id, "cat": "buffer", "ts": buffer.lower,
                       "dur": buffer.upper - buffer.lower, "args": args})
    events.extend(_load_counter(problem, pid))
    return events


def write_chrome_trace(problem: Problem, solution: Solution,
                       destination: Destination) -> None:
    """Write :func:`dumps_chrome_trace` to a path (never half-written) or an
    open text file."""
    send_text(dumps_chrome_trace(problem, solution), destination)


def dumps(problem: Problem, solution: Solution) -> str:
    """The dispatcher's entry point: :func:`dumps_chrome_trace`."""
    return dumps_chrome_trace(problem, solution)




def read_chrome_trace(source: Source) -> Problem:
    """The plan in a Chrome trace this module wrote (a path or its bytes):
    one buffer per complete event of category ``buffer``, with the offset,
    size, gaps, label and alias of its ``args``, in the pool its process
    names; the capacity and pools of ``otherData``.

    Raises
    ------
    ProblemError
        If the file is not JSON, has no ``traceEvents`` list or no buffer
        event, or an event lacks its time, duration, offset or size.
    """
    try:
        document = json.loads(read_source_text(source))
    except ValueError as error:
        raise ProblemError(f"is not JSON: {error}") from None
    events = document.get("traceEvents") if isinstance(document, dict) else None
    if not isinstance(events, list):
        raise ProblemError("is not a Chrome trace: expected a JSON object with a "
                           "'traceEvents' list")
    pool_of = {}  # process id -> pool name, for a plan over several pools
    for event in events:
        if isinstance(event, dict) and event.get("name") == "process_name":
            match = _POOL.match(str((event.get("args") or {}).get("name", "")))
            if match:
                pool_of[event.get("pid")] = match.group(1)
    buffers = [_buffer(event, pool_of.get(event.get("pid")), index)
               for index, event in enumerate(events)
               if isinstance(event, dict) and event.get("ph") == "X"
               and event.get("cat") == "buffer"]
    if not buffers:
        raise ProblemError("is not a plan: its Chrome trace has no buffer events")
    other = document.get("otherData") or {}
    pools = tuple(Pool(str(name), capacity)
                  for name, capacity in (other.get("pools") or {}).items())
    return Problem(tuple(buffers), other.get("capacity"), pools)


def _buffer(event: dict[str, Any], pool: str | None, index: int) -> Buffer:
    args = event.get("args") or {}
    try:
        lower = int(event["ts"])
        gaps = tuple(Gap(int(g[0]), int(g[1]), (int(g[2]), int(g[3])) if len(g) > 3
                         else None) for g in args.get("gaps", ()))
        return Buffer(str(event["name"]), lower, lower + int(event["dur"]),
                      int(args["size"]), gaps=gaps, offset=int(args["offset"]),
                      label=args.get("label"), pool=pool,
                      alias=args.get("shares memory with"))
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise ProblemError(f"trace event {index}: expected a buffer event with ts, dur, "
                           f"name and args holding its offset and size ({error!r})"
                           ) from None


def read(source: Source, **options: Any) -> Problem:
    """The dispatcher's entry point: :func:`read_chrome_trace` (no options)."""
    return read_chrome_trace(source)


def looks_like(head: bytes) -> bool:
    """Whether the first bytes could start a Chrome trace: a JSON object
    whose first key is ``traceEvents`` (as this module writes it)."""
    rest = head.lstrip()
    if rest[:1] != b"{":
        return False
    rest = rest[1:].lstrip()
    key = b'"traceEvents"'
    return len(rest) >= 4 and (key.startswith(rest) or rest.startswith(key))


def _load_counter(problem: Problem, pid: int = _PID) -> list[dict[str, Any]]:
    """A counter event at every time the live bytes change."""
    times, loads = load_profile(problem)
    return [{"ph": "C", "pid": pid, "name": "bytes live", "ts": int(t),
             "args": {"bytes": int(v)}} for t, v in zip(times, loads)]
