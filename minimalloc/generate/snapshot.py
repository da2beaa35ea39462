"""A seeded synthetic PyTorch CUDA memory snapshot of a training run.

PyTorch's memory viewer runs in a browser and gives up on snapshots of a
gigabyte or so; this module makes snapshots of that kind, laid out as
``torch.cuda.memory._dump_snapshot()`` writes them, to measure the reader
(:mod:`minimalloc.formats.torch_snapshot`) and the allocators on them
without a GPU.

**The run.**  A transformer of ``layers`` layers trains with gradient
accumulation (``micro_batches`` per optimiser step) until ``allocations``
traced allocations are reached.  Each layer runs ``ops`` operators forward:
each allocates its output (freed once the next operator has read it) and
sometimes a workspace (freed at once); ``saved_share`` of all allocations
are *saved activations*, outputs kept alive until the backward pass of
their layer reads them (the long-lived tensors that make a snapshot's
allocations overlap in billions of pairs).  The backward pass allocates a
gradient per operator in reverse and each layer's weight gradient, which
lives until the optimiser step.  The weights and the optimiser's state were
allocated before the history was recorded: they appear only in the
snapshot's ``segments``, as active blocks.

**The allocator.**  A caching allocator reuses a freed block for the next
request of the same rounded size (a multiple of 512 bytes); otherwise it
carves the request out of the current segment of its pool (2 MiB segments
for requests up to 1 MiB, 20 MiB ones up to 10 MiB, one segment per larger
request), reserving a new segment (a ``segment_alloc`` entry) when that one
is full.  A free is ``free_requested`` then ``free_completed``; for a
few blocks used on a second stream the completion comes some entries
later, and the block is reused only then.

**The file.**  As torch writes it: a dict of ``segments`` (each with its
``blocks``), ``device_traces`` (one list of entries, each a dict of
``action``, ``addr``, ``size``, ``stream``, ``time_us`` and ``frames``) and
``allocator_settings``.  ``frames`` are innermost first (C++ frames of the
allocator, torch's Python frames, then the model's and the training
script's); like torch, one list per allocation is shared by the entries
that allocate and free it, and the frame dicts and strings are shared
objects.  :func:`snapshot_objects` builds the same snapshot as Python
objects, and ``pickle.dumps(snapshot_objects(...), protocol=4)`` gives
exactly the bytes
:func:`minimalloc.generate.snapshot_pickle.write_training_snapshot` streams to a file (for
small sizes: in memory, the objects take gigabytes at full size).

The pickle itself is written by :mod:`minimalloc.generate.snapshot_pickle`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from minimalloc.errors import ProblemError

__all__ = [
    "SnapshotPlan",
    "snapshot_objects",
    "snapshot_plan",
    "iter_entries",
]

#: The trace's actions, by code.
ACTIONS = ("alloc", "free_requested", "free_completed", "segment_alloc", "segment_free")
_ALLOC, _FREE_REQUESTED, _FREE_COMPLETED, _SEGMENT_ALLOC = 0, 1, 2, 3
#: Block states, by code.
STATES = ("active_allocated", "inactive")
#: The first address handed out (a plausible device address).
BASE_ADDRESS = 0x7F4A_0000_0000
#: Sizes the caching allocator rounds to.
_ROUND = 512
_SMALL_REQUEST = 1 << 20
#: The size of a segment of the small pool (a "small" segment in a snapshot).
SMALL_SEGMENT = 2 << 20
_LARGE_REQUEST, _LARGE_SEGMENT = 10 << 20, 20 << 20
#: Share of frees whose completion waits for a second stream.
_DELAYED_FREE_SHARE = 0.01
#: Share of the forward and backward operators that also take a workspace.
_WORKSPACE_SHARE = 0.3


@dataclass(frozen=True)
class SnapshotPlan:
    """Everything a snapshot holds, as flat arrays (what :func:`snapshot_plan`
    simulates and the writers lay out).

    Allocations ``0..n-1`` are the traced ones, each with its own frames
    list (list id = allocation index); the list with id ``n`` is the one
    shared empty list.  ``site_ptr``/``site_frames`` give each call site's
    frames (frame ids, innermost first); frame ``f`` is the dict
    ``{name: strings[frame_name[f]], filename: strings[frame_file[f]],
    line: frame_line[f]}``.
    """

    strings: tuple[str, ...]
    frame_name: np.ndarray
    frame_file: np.ndarray
    frame_line: np.ndarray
    site_ptr: np.ndarray
    site_frames: np.ndarray
    alloc_site: np.ndarray  #: per traced allocation, its call site
    event_action: np.ndarray  #: per trace entry, an index into ACTIONS
    event_addr: np.ndarray
    event_size: np.ndarray
    event_stream: np.ndarray
    event_time: np.ndarray
    event_list: np.ndarray  #: per trace entry, its frames list
    segment_address: np.ndarray
    segment_size: np.ndarray
    segment_list: np.ndarray  #: the frames list of the allocation that made it
    block_ptr: np.ndarray  #: per segment, its blocks (CSR)
    block_size: np.ndarray
    block_state: np.ndarray  #: an index into STATES

    @property
    def allocations(self) -> int:
        """Traced allocations."""
        return len(self.alloc_site)

    @property
    def entries(self) -> int:
        """Trace entries."""
        return len(self.event_action)

    @property
    def empty_list(self) -> int:
        """The id of the shared empty frames list."""
        return len(self.alloc_site)

    def list_frames(self, list_id: int) -> np.ndarray:
        """The frame ids of a frames list."""
        if list_id == self.empty_list:
            return self.site_frames[:0]
        site = self.alloc_site[list_id]
        return self.site_frames[self.site_ptr[site]:self.site_ptr[site + 1]]


# ----------------------------------------------------------------------------
# The run and the allocator


class _Strings:
    """Distinct strings by id (shared objects, as in a real snapshot)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.ids: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if text not in self.ids:
            self.ids[text] = len(self.items)
            self.items.append(text)
        return self.ids[text]


class _Sites:
    """Call sites: each a stack of frames, innermost first."""

    def __init__(self, strings: _Strings) -> None:
        self.strings = strings
        self.frame_ids: dict[tuple[str, str, int], int] = {}
        self.frames: list[tuple[int, int, int]] = []
        self.stacks: list[list[int]] = []

    def frame(self, name: str, filename: str, line: int) -> int:
        key = (name, filename, line)
        if key not in self.frame_ids:
            self.frame_ids[key] = len(self.frames)
            self.frames.append((self.strings(name), self.strings(filename), line))
        return self.frame_ids[key]

    def site(self, stack: list[tuple[str, str, int]]) -> int:
        self.stacks.append([self.frame(*f) for f in stack])
        return len(self.stacks) - 1


_TORCH = "/usr/lib/python3/site-packages/torch"
_CPP = [
    ("c10::cuda::CUDACachingAllocator::Native::DeviceCachingAllocator::malloc",
     "c10/cuda/CUDACachingAllocator.cpp", 1153),
    ("c10::cuda::CUDACachingAllocator::Native::NativeCachingAllocator::malloc",
     "c10/cuda/CUDACachingAllocator.cpp", 3080),
    ("at::detail::empty_generic", "aten/src/ATen/EmptyTensor.cpp", 183),
]
_OPERATORS = ("linear", "layer_norm", "softmax", "gelu", "matmul", "dropout",
              "scaled_dot_product_attention", "add", "mul", "transpose", "view",
              "cat", "split", "rms_norm", "silu", "embedding")


def _stack(rng: np.random.Generator, operator: str, user: tuple[str, str, int],
           backward: bool, layer_depth: int) -> list[tuple[str, str, int]]:
    """A call stack, innermost first: the allocator's C++ frames, torch's
    Python frames, the model's and the training script's."""
    line = int(rng.integers(20, 900))
    stack = list(_CPP)
    stack.append((f"at::native::{operator}", f"aten/src/ATen/native/{operator}.cpp", line))
    if backward:
        stack += [("backward", f"{_TORCH}/autograd/function.py", 306),
                  ("_engine_run_backward", f"{_TORCH}/autograd/graph.py", 825),
                  ("backward", f"{_TORCH}/autograd/__init__.py", 347),
                  ("backward", f"{_TORCH}/_tensor.py", 581),
                  ("train_step", "/home/user/project/train.py", 118)]
    else:
        stack.append((operator, f"{_TORCH}/nn/functional.py", line))
        stack.append(user)
        for depth in range(layer_depth):
            stack += [("_call_impl", f"{_TORCH}/nn/modules/module.py", 1747),
                      ("_wrapped_call_impl", f"{_TORCH}/nn/modules/module.py", 1736),
                      ("forward", "/home/user/project/model.py", 300 + 17 * depth)]
        stack.append(("train_step", "/home/user/project/train.py", 112))
    stack += [("train", "/home/user/project/train.py", 164),
              ("main", "/home/user/project/train.py", 201),
              ("<module>", "/home/user/project/train.py", 207)]
    return stack


def _rounded(size: float) -> int:
    return max(_ROUND, -(-int(size) // _ROUND) * _ROUND)


class _Allocator:
    """The caching allocator (see the module documentation) and the trace
    it records."""

    def __init__(self, rng: np.random.Generator, tracing: bool = True) -> None:
        self.rng = rng
        self.tracing = tracing
        self.pools: dict[int, list[int]] = {}
        self.top = BASE_ADDRESS
        self.current: dict[str, tuple[int, int]] = {}  # pool -> (next free, end)
        self.segments: list[list[Any]] = []  # [address, size, list id, [block sizes]]
        self.segment_of: dict[str, int] = {}
        self.block_segment: dict[int, int] = {}  # block address -> segment
        self.live: dict[int, tuple[int, int]] = {}  # allocation -> (addr, size)
        self.alloc_site: list[int] = []
        # action, addr, size, stream, frames list
        self.events: list[tuple[int, int, int, int, int]] = []
        self.pending: list[tuple[int, int, int, int]] = []  # due, seq, addr, size
        self.before: list[tuple[int, int]] = []  # untraced active blocks: addr, size

    def _carve(self, size: int, list_id: int) -> int:
        pool = "small" if size <= _SMALL_REQUEST else (
            "large" if size <= _LARGE_REQUEST else "huge")
        start, end = self.current.get(pool, (0, 0))
        if pool == "huge" or start + size > end:
            segment = {"small": SMALL_SEGMENT, "large": _LARGE_SEGMENT}.get(
                pool, -(-size // SMALL_SEGMENT) * SMALL_SEGMENT)
            start, end = self.top, self.top + segment
            self.top = end
            self.segments.append([start, segment, list_id, []])
            self.segment_of[pool] = len(self.segments) - 1
            if self.tracing:
                self.events.append((_SEGMENT_ALLOC, start, segment, 0, list_id))
        self.current[pool] = (start + size, end)
        segment_index = self.segment_of[pool]
        self.segments[segment_index][3].append(size)
        self.block_segment[start] = segment_index
        return start

    def alloc(self, size: int, site: int) -> int:
        """A traced allocation of ``size`` bytes (rounded) from ``site``."""
        size = _rounded(size)
        a = len(self.alloc_site)
        self.alloc_site.append(site)
        free = self.pools.get(size)
        addr = free.pop() if free else self._carve(size, a)
        self.live[a] = (addr, size)
        self.events.append((_ALLOC, addr, size, 0, a))
        self._complete_due()
        return a

    def free(self, a: int) -> None:
        addr, size = self.live.pop(a)
        self.events.append((_FREE_REQUESTED, addr, size, 0, a))
        if self.rng.random() < _DELAYED_FREE_SHARE:  # still used on stream 1
            due = len(self.events) + int(self.rng.integers(2, 40))
            heapq.heappush(self.pending, (due, a, addr, size))
        else:
            self._completed(a, addr, size)
        self._complete_due()

    def _completed(self, a: int, addr: int, size: int) -> None:
        self.events.append((_FREE_COMPLETED, addr, size, 0, a))
        self.pools.setdefault(size, []).append(addr)

    def _complete_due(self) -> None:
        while self.pending and self.pending[0][0] <= len(self.events):
            _, a, addr, size = heapq.heappop(self.pending)
            self._completed(a, addr, size)

    def finish(self) -> None:
        while self.pending:
            _, a, addr, size = heapq.heappop(self.pending)
            self._completed(a, addr, size)

    def untraced(self, size: int) -> None:
        """A block allocated before the history was recorded, never freed."""
        size = _rounded(size)
        self.tracing = False
        addr = self._carve(size, -1)
        self.tracing = True
        self.before.append((addr, size))


@dataclass(frozen=True)
class _Operator:
    size: int
    saved: bool
    workspace: int  # 0: none
    forward_site: int
    workspace_site: int
    backward_site: int


def _layer_template(rng: np.random.Generator, sites: _Sites, strings: _Strings,
                    ops: int, saved: int, hidden: int) -> list[_Operator]:
    """The operators of one layer, the same in every layer (as in a real
    model): output sizes from 512 bytes to the attention scores' size."""
    act = 4 * 1024 * hidden * 2  # micro-batch 4, sequence 1024, bf16
    shapes = np.array([act, act, act, 4 * act, act // 2, act // 8,
                       16 * 1024 * 1024 * 2 * 4 // 4, 4 * 1024 * 4, 512, 64 * 1024])
    weights = np.array([6, 6, 6, 3, 2, 1, 1, 2, 1, 1], float)
    kept = set(rng.choice(ops, size=min(saved, ops), replace=False).tolist())
    operators = []
    for k in range(ops):
        operator = _OPERATORS[int(rng.integers(len(_OPERATORS)))]
        size = int(rng.choice(shapes, p=weights / weights.sum()))
        size = _rounded(size * (0.75 + 0.5 * rng.random()) if size > 4096 else size)
        user = ("forward", "/home/user/project/model.py", 40 + 3 * k)
        depth = 1 + int(rng.integers(3))
        forward = sites.site(_stack(rng, operator, user, False, depth))
        backward = sites.site(_stack(rng, operator + "_backward", user, True, depth))
        workspace = 0
        workspace_site = -1
        if rng.random() < _WORKSPACE_SHARE:
            workspace = _rounded(size * (0.25 + 1.75 * rng.random()))
            workspace_site = sites.site(_stack(rng, operator, user, False, depth))
        operators.append(_Operator(size, k in kept, workspace, forward, workspace_site,
                                   backward))
    return operators


def snapshot_plan(allocations: int = 2_000_000, *, seed: int = 0, layers: int = 96,
                  ops: int = 100, saved_share: float = 0.08, micro_batches: int = 4,
                  hidden: int = 512) -> SnapshotPlan:
    """Simulate the run and the allocator (see the module documentation).

    Parameters
    ----------
    allocations
        Traced allocations to reach (the run stops at the end of the micro-batch
        that reaches it, so a few more are made).
    seed
        Everything random comes from ``numpy.random.default_rng(seed)``.
    layers, ops
        Transformer layers and operators per layer.
    saved_share
        The share of all allocations that are activations saved for the
        backward pass.
    micro_batches
        Micro-batches per optimiser step.
    hidden
        The model's width (sets the tensor sizes).
    """
    for name, value, low in (("allocations", allocations, 1), ("layers", layers, 1),
                             ("ops", ops, 2), ("micro_batches", micro_batches, 1),
                             ("hidden", hidden, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ProblemError(f"{name} must be an integer >= {low}, got {value!r}")
    if not 0.0 <= saved_share < 0.5:
        raise ProblemError(f"saved_share must be in [0, 0.5), got {saved_share!r}")
    rng = np.random.default_rng(seed)
    strings = _Strings()
    sites = _Sites(strings)
    # Per micro-batch: forward and backward allocate an output (a gradient)
    # per operator, a workspace for some, and a weight gradient per layer.
    per_micro_batch = layers * (ops * 2 * (1 + _WORKSPACE_SHARE) + 1)
    saved = int(round(saved_share * per_micro_batch / layers))
    template = _layer_template(rng, sites, strings, ops, saved, hidden)
    step_site = sites.site(_stack(rng, "mul", ("step", f"{_TORCH}/optim/adamw.py", 540),
                                  False, 0))
    loss_site = sites.site(_stack(rng, "cross_entropy",
                                  ("loss", "/home/user/project/train.py", 110), False, 0))
    weight_site = [sites.site(_stack(rng, "linear_backward",
                                     ("forward", "/home/user/project/model.py", 30),
                                     True, 1)) for _ in range(layers)]
    weight_size = [_rounded(12 * hidden * hidden * 2 / 4 * (0.5 + rng.random()))
                   for _ in range(layers)]
    allocator = _Allocator(rng)
    for layer in range(layers):  # weights and the optimiser's two moments
        for _ in range(3):
            allocator.untraced(weight_size[layer])
    while len(allocator.alloc_site) < allocations:
        grads = [allocator.alloc(weight_size[layer], weight_site[layer])
                 for layer in range(layers)]
        for _ in range(micro_batches):
            _micro_batch(allocator, template, layers, loss_site, weight_site,
                         weight_size)
            if len(allocator.alloc_site) >= allocations:
                break
        for layer, grad in enumerate(grads):  # the optimiser step
            allocator.free(allocator.alloc(weight_size[layer] // 4, step_site))
            allocator.free(grad)
    allocator.finish()
    return _plan(rng, strings, sites, allocator)


def _micro_batch(allocator: _Allocator, template: list[_Operator], layers: int,
                 loss_site: int, weight_site: list[int], weight_size: list[int]) -> None:
    kept: list[list[int]] = []
    previous = -1
    for _ in range(layers):
        saved = []
        for operator in template:
            out = allocator.alloc(operator.size, operator.forward_site)
            if operator.workspace:
                allocator.free(allocator.alloc(operator.workspace,
                                               operator.workspace_site))
            if previous >= 0:
                allocator.free(previous)  # read by this operator: done
            previous = -1 if operator.saved else out
            saved.append(out if operator.saved else -1)
        kept.append(saved)
    grad = allocator.alloc(template[-1].size, loss_site)
    if previous >= 0:
        allocator.free(previous)
    for layer in reversed(range(layers)):
        for k in reversed(range(len(template))):
            operator = template[k]
            grad_in = allocator.alloc(operator.size, operator.backward_site)
            if operator.workspace:
                allocator.free(allocator.alloc(operator.workspace,
                                               operator.workspace_site))
            allocator.free(grad)
            grad = grad_in
            if kept[layer][k] >= 0:
                allocator.free(kept[layer][k])
        # accumulated into the step's weight gradient, then freed
        allocator.free(allocator.alloc(weight_size[layer], weight_site[layer]))
    allocator.free(grad)


def _plan(rng: np.random.Generator, strings: _Strings, sites: _Sites,
          allocator: _Allocator) -> SnapshotPlan:
    events = np.array(allocator.events, dtype=np.int64).reshape(-1, 5)
    n = len(allocator.alloc_site)
    empty = n
    time = 1_716_000_000_000_000 + np.cumsum(rng.integers(1, 40, len(events)))
    # Every segment lists its blocks; the untraced ones are still active.
    before = {addr for addr, _ in allocator.before}
    block_ptr = [0]
    block_size: list[int] = []
    block_state: list[int] = []
    for address, size, _, blocks in allocator.segments:
        at = address
        for b in blocks:
            block_size.append(b)
            block_state.append(0 if at in before else 1)
            at += b
        if at < address + size:
            block_size.append(address + size - at)
            block_state.append(1)
        block_ptr.append(len(block_size))
    for text in ("device", "address", "total_size", "allocated_size", "active_size",
                 "requested_size", "stream", "segment_type", "segment_pool_id",
                 "is_expandable", "frames", "blocks", "size", "state", "action", "addr",
                 "time_us", "name", "filename", "line", "segments", "device_traces",
                 "allocator_settings", "large", "small", *ACTIONS, *STATES,
                 *_SETTINGS):
        strings(text)
    stacks = sites.stacks
    site_ptr = np.zeros(len(stacks) + 1, np.int64)
    site_ptr[1:] = np.cumsum([len(s) for s in stacks])
    frames = np.array(sites.frames, dtype=np.int64).reshape(-1, 3)
    return SnapshotPlan(
        strings=tuple(strings.items),
        frame_name=frames[:, 0].copy(), frame_file=frames[:, 1].copy(),
        frame_line=frames[:, 2].copy(), site_ptr=site_ptr,
        site_frames=np.array([f for s in stacks for f in s], dtype=np.int64),
        alloc_site=np.array(allocator.alloc_site, dtype=np.int64),
        event_action=events[:, 0].copy(), event_addr=events[:, 1].copy(),
        event_size=events[:, 2].copy(), event_stream=events[:, 3].copy(),
        event_time=time.astype(np.int64),
        event_list=np.where(events[:, 4] >= 0, events[:, 4], empty),
        segment_address=np.array([s[0] for s in allocator.segments], dtype=np.int64),
        segment_size=np.array([s[1] for s in allocator.segments], dtype=np.int64),
        segment_list=np.array([s[2] if s[2] >= 0 else empty
                               for s in allocator.segments], dtype=np.int64),
        block_ptr=np.array(block_ptr, dtype=np.int64),
        block_size=np.array(block_size, dtype=np.int64),
        block_state=np.array(block_state, dtype=np.int64),
    )


_SETTINGS = ("PYTORCH_CUDA_ALLOC_CONF", "max_split_size", "garbage_collection_threshold",
             "expandable_segments", "pinned_num_register_threads",
             "release_lock_on_cudamalloc", "pinned_use_cuda_host_register",
             "roundup_power2_divisions", "")


# ----------------------------------------------------------------------------
# The snapshot as Python objects (small sizes: for tests and examples)


def snapshot_objects(plan: SnapshotPlan) -> dict:
    """The snapshot as the dict ``torch.cuda.memory._snapshot()`` returns,
    every shared object shared as in torch's (strings, frame dicts, frames
    lists): pickled with protocol 4 it gives the bytes of
    :func:`write_training_snapshot`."""
    text = list(plan.strings)
    key = {s: text[i] for i, s in enumerate(text)}  # the one object for each
    frame_dicts = [{key["name"]: text[n], key["filename"]: text[f], key["line"]: int(line)}
                   for n, f, line in zip(plan.frame_name.tolist(), plan.frame_file.tolist(),
                                         plan.frame_line.tolist())]
    lists: dict[int, list] = {}

    def frames(list_id: int) -> list:
        if list_id not in lists:
            lists[list_id] = [frame_dicts[f] for f in plan.list_frames(list_id).tolist()]
        return lists[list_id]

    segments = []
    for s in range(len(plan.segment_address)):
        segment = _segment_head(plan, s, key)
        empty = plan.segment_list[s] == plan.empty_list
        if empty:
            segment[key["frames"]] = frames(plan.empty_list)
        address = int(plan.segment_address[s])
        blocks = []
        for b in range(plan.block_ptr[s], plan.block_ptr[s + 1]):
            size = int(plan.block_size[b])
            blocks.append({key["address"]: address, key["size"]: size,
                           key["requested_size"]: size,
                           key["state"]: key[STATES[plan.block_state[b]]],
                           key["frames"]: frames(plan.empty_list)})
            address += size
        segment[key["blocks"]] = blocks
        if not empty:
            segment[key["frames"]] = frames(int(plan.segment_list[s]))
        segments.append(segment)
    trace = []
    for e in range(plan.entries):
        trace.append({key["action"]: key[ACTIONS[plan.event_action[e]]],
                      key["addr"]: int(plan.event_addr[e]),
                      key["size"]: int(plan.event_size[e]),
                      key["stream"]: int(plan.event_stream[e]),
                      key["time_us"]: int(plan.event_time[e]),
                      key["frames"]: frames(int(plan.event_list[e]))})
    return {key["segments"]: segments, key["device_traces"]: [trace],
            key["allocator_settings"]: _settings(key)}


def _segment_head(plan: SnapshotPlan, s: int, key: dict[str, str]) -> dict:
    size = int(plan.segment_size[s])
    blocks = range(plan.block_ptr[s], plan.block_ptr[s + 1])
    active = sum(int(plan.block_size[b]) for b in blocks if plan.block_state[b] == 0)
    zero = int("0")  # distinct tuples per segment, as torch makes them
    return {key["device"]: 0, key["address"]: int(plan.segment_address[s]),
            key["total_size"]: size, key["allocated_size"]: active,
            key["active_size"]: active, key["requested_size"]: active, key["stream"]: 0,
            key["segment_type"]: key["small" if size == SMALL_SEGMENT else "large"],
            key["segment_pool_id"]: tuple([zero, zero]), key["is_expandable"]: False}


def _settings(key: dict[str, str]) -> dict:
    return {key["PYTORCH_CUDA_ALLOC_CONF"]: key[""], key["max_split_size"]: -1,
            key["garbage_collection_threshold"]: 0.0, key["expandable_segments"]: False,
            key["pinned_num_register_threads"]: 1,
            key["release_lock_on_cudamalloc"]: False,
            key["pinned_use_cuda_host_register"]: False,
            key["roundup_power2_divisions"]: {}}


def iter_entries(plan: SnapshotPlan) -> Iterator[tuple[str, int, int, int]]:
    """The trace as ``(action, addr, size, frames list id)``, in order."""
    for e in range(plan.entries):
        yield (ACTIONS[plan.event_action[e]], int(plan.event_addr[e]),
               int(plan.event_size[e]), int(plan.event_list[e]))
