"""Seeded problem generators: random, perfect packings and model-like traces.

Every generator takes a ``seed`` and draws everything from one
``numpy.random.Generator`` built from it, so the same arguments always give
the identical problem (with the same numpy: its generators are stable across
releases and platforms), and different seeds differ.

============  ================================================================
name          what it makes
============  ================================================================
``random``    :func:`random_problem`: random lifespans and sizes, optionally
              with alignments, gaps, windows and fixed offsets
``perfect``   :func:`perfect_packing`: a rectangle cut into pieces, so the
              optimum is known (it equals the LOAD)
``model``     :func:`model_trace`: the activations and workspaces of a chain,
              residual network, U-Net or transformer run layer by layer
``dense``     :func:`dense_training`: a compiled training step with thousands
              of tensors alive at once, odd sizes over eight orders of
              magnitude and a few long-lived giants
============  ================================================================

The command ``minimalloc generate KIND ...`` writes one as CSV;
``minimalloc generate --regenerate_samples`` rebuilds the files in
``sample_problems/`` (see :mod:`minimalloc.generate.samples`).

>>> p = random_problem(5, seed=1)
>>> p == random_problem(5, seed=1), p == random_problem(5, seed=2)
(True, False)
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from minimalloc.baselines.allocators import greedy_by_size
from minimalloc.errors import ProblemError
from minimalloc.generate.checks import (
    MAX_BUFFERS,
    Alignment,
    checked_alignments,
    checked_choice,
    checked_count,
    checked_probability,
    checked_seed,
)
from minimalloc.generate.dense import dense_training
from minimalloc.model import Buffer, Gap, Problem, Solution

__all__ = [
    "GENERATORS",
    "MODEL_KINDS",
    "dense_training",
    "generate",
    "model_trace",
    "perfect_packing",
    "perfect_packing_with_solution",
    "random_problem",
]

SIZE_DISTRIBUTIONS = ("lognormal", "uniform", "pow2")
LIFETIME_DISTRIBUTIONS = ("exponential", "uniform")
MODEL_KINDS = ("chain", "residual", "unet", "transformer", "training")
#: The most layers a model trace has (each makes up to a few dozen buffers).
MAX_LAYERS = 100_000

# ----------------------------------------------------------------------------
# Decorations: alignment, gaps and windows, fixed offsets


def _decorate(
    rng: np.random.Generator,
    rows: list[tuple[str, int, int, int]],
    *,
    alignment: Alignment,
    gap_probability: float,
    window_probability: float,
    fixed_probability: float,
    capacity: int | None,
) -> Problem:
    """Buffers from ``(id, lower, upper, size)`` rows, with alignments, gaps
    (with windows) and fixed offsets added.

    Alignments are drawn uniformly from the choices.  A buffer gets a gap with
    probability ``gap_probability`` if its lifespan has room for one strictly
    inside it (width >= 3); the gap gets a window with probability
    ``window_probability`` (if the buffer has a size).  Fixed offsets are
    taken from a ``greedy_by_size`` allocation of the finished problem, so the
    problem stays feasible at any capacity >= that allocation's height.
    """
    gap_probability = checked_probability(gap_probability, "gap_probability")
    window_probability = checked_probability(window_probability, "window_probability")
    fixed_probability = checked_probability(fixed_probability, "fixed_probability")
    choices = checked_alignments(alignment)
    n = len(rows)
    if len(choices) > 1:
        aligns = [choices[k] for k in rng.integers(0, len(choices), n).tolist()]
    else:
        aligns = [choices[0]] * n
    gaps: list[tuple[Gap, ...]] = [()] * n
    if gap_probability > 0:
        draws = rng.random((n, 6)).tolist()
        for i, ((_, lower, upper, size), draw) in enumerate(zip(rows, draws)):
            p, u1, u2, p_window, u3, u4 = draw
            if p < gap_probability and upper - lower >= 3:
                glo = lower + 1 + int(u1 * (upper - lower - 2))  # in [lower + 1, upper - 2]
                ghi = glo + 1 + int(u2 * (upper - 1 - glo))  # in [glo + 1, upper - 1]
                window = None
                if p_window < window_probability and size >= 1:
                    wlo = int(u3 * size)
                    window = (wlo, wlo + 1 + int(u4 * (size - wlo)))
                gaps[i] = (Gap(glo, ghi, window),)
    buffers = tuple(
        Buffer(name, lower, upper, size, align, gap)
        for (name, lower, upper, size), align, gap in zip(rows, aligns, gaps)
    )
    if fixed_probability > 0:
        fixed = (rng.random(n) < fixed_probability).tolist()
        if any(fixed):
            offsets = greedy_by_size(Problem(buffers)).offsets
            buffers = tuple(
                replace(b, offset=o) if f else b
                for b, o, f in zip(buffers, offsets, fixed)
            )
    return Problem(buffers, capacity)


# ----------------------------------------------------------------------------
# Random problems


def random_problem(
    n: int,
    *,
    seed: int,
    horizon: int | None = None,
    mean_lifetime: float | None = None,
    size_distribution: str = "lognormal",
    lifetime_distribution: str = "exponential",
    alignment: Alignment = 1,
    gap_probability: float = 0.0,
    window_probability: float = 0.0,
    fixed_probability: float = 0.0,
    capacity: int | None = None,
) -> Problem:
    """``n`` buffers with random lifespans and sizes.

    Parameters
    ----------
    n : int
        Number of buffers (ids ``b0``, ``b1``, ...).
    seed : int
        Seed of the random generator; the same arguments give the same problem.
    horizon : int, optional
        Lifespans lie in ``[0, horizon)``; default ``max(n, 8)``.
    mean_lifetime : float, optional
        Mean lifespan; default ``min(horizon / 4, 32)``, so about that many
        buffers are alive at a time whatever ``n`` is.
    size_distribution : {"lognormal", "uniform", "pow2"}
        ``lognormal``: median 256, most between 40 and 1,700;
        ``uniform``: 1 to 1,024; ``pow2``: a power of two from 1 to 4,096.
    lifetime_distribution : {"exponential", "uniform"}
        ``exponential``: 1 plus an exponential draw rounded down;
        ``uniform``: 1 to ``2 * mean - 1``.  Lifespans are cut at the horizon.
    alignment : int or sequence of int
        Every buffer's alignment, or choices drawn uniformly per buffer.
    gap_probability : float
        Chance that a buffer (of width >= 3) gets a gap strictly inside its
        lifespan.
    window_probability : float
        Chance that such a gap has a window (a random part of the buffer).
    fixed_probability : float
        Chance that a buffer gets a fixed offset.  The offsets come from a
        ``greedy_by_size`` allocation of the problem, so the problem is
        feasible whenever ``capacity`` is at least that allocation's height
        (always, when ``capacity`` is None).
    capacity : int, optional
        Stored in the problem as given.

    Returns
    -------
    Problem
        The buffers in the order drawn, ids ``b0``, ``b1``, ...; the same for the same
        arguments and seed.

    Raises
    ------
    ProblemError
        For an argument out of range or an unknown distribution.

    Examples
    --------
    >>> p = random_problem(100, seed=7, alignment=(1, 8), gap_probability=0.5)
    >>> len(p), {b.alignment for b in p.buffers} == {1, 8}
    (100, True)
    """
    n = checked_count(n, "n", maximum=MAX_BUFFERS)
    rng = np.random.default_rng(checked_seed(seed))
    horizon = max(n, 8) if horizon is None else checked_count(horizon, "horizon", 1)
    if mean_lifetime is None:
        mean_lifetime = min(horizon / 4, 32.0)
    if not mean_lifetime >= 1:
        raise ProblemError(f"mean_lifetime must be >= 1, got {mean_lifetime}")
    checked_choice(size_distribution, "size_distribution", SIZE_DISTRIBUTIONS)
    checked_choice(lifetime_distribution, "lifetime_distribution", LIFETIME_DISTRIBUTIONS)

    lower = rng.integers(0, horizon, n)
    if lifetime_distribution == "exponential":
        life = 1 + np.floor(rng.exponential(mean_lifetime - 1, n)).astype(np.int64) \
            if mean_lifetime > 1 else np.ones(n, np.int64)
    else:
        life = rng.integers(1, max(2, round(2 * mean_lifetime)), n)
    upper = np.minimum(lower + life, horizon)
    if size_distribution == "lognormal":
        size = np.ceil(rng.lognormal(math.log(256), 1.0, n)).astype(np.int64)
    elif size_distribution == "uniform":
        size = rng.integers(1, 1025, n)
    else:
        size = 2 ** rng.integers(0, 13, n)
    rows = [
        (f"b{i}", lo, hi, s)
        for i, (lo, hi, s) in enumerate(zip(lower.tolist(), upper.tolist(), size.tolist()))
    ]
    return _decorate(
        rng, rows, alignment=alignment, gap_probability=gap_probability,
        window_probability=window_probability, fixed_probability=fixed_probability,
        capacity=capacity,
    )


# ----------------------------------------------------------------------------
# Perfect packings


def perfect_packing_with_solution(
    n: int, *, seed: int, width: int, height: int
) -> tuple[Problem, Solution]:
    """A perfect packing and the solution it was cut from.

    See :func:`perfect_packing`; the solution puts every piece back where it
    was cut, so its height is ``height`` and it validates at that capacity.

    Examples
    --------
    >>> problem, solution = perfect_packing_with_solution(6, seed=0, width=5, height=8)
    >>> problem.capacity, solution.height
    (8, 8)
    """
    n = checked_count(n, "n", 1, maximum=MAX_BUFFERS)
    width = checked_count(width, "width", 1)
    height = checked_count(height, "height", 1)
    if n > width * height:
        raise ProblemError(
            f"cannot cut a {width} x {height} rectangle into {n} pieces with integer "
            f"sides (at most {width * height})"
        )
    rng = np.random.default_rng(checked_seed(seed))
    # Cut the largest piece (by area, jittered) each time: a heap keyed on
    # -area * jitter with a counter to break ties deterministically.
    import heapq

    counter = 0
    heap: list[tuple[float, int, tuple[int, int, int, int]]] = []
    done: list[tuple[int, int, int, int]] = []

    def push(piece: tuple[int, int, int, int]) -> None:
        nonlocal counter
        t0, t1, a0, a1 = piece
        if t1 - t0 < 2 and a1 - a0 < 2:
            done.append(piece)
            return
        key = -(t1 - t0) * (a1 - a0) * (0.5 + rng.random())
        heapq.heappush(heap, (key, counter, piece))
        counter += 1

    push((0, width, 0, height))
    while len(heap) + len(done) < n:
        _, _, (t0, t1, a0, a1) = heapq.heappop(heap)
        dt, da = t1 - t0, a1 - a0
        # Cut across the relatively longer side more often.
        along_time = dt >= 2 and (da < 2 or rng.random() < (dt / width) / (dt / width
                                                                          + da / height))
        if along_time:
            cut = t0 + int(rng.integers(1, dt))
            push((t0, cut, a0, a1))
            push((cut, t1, a0, a1))
        else:
            cut = a0 + int(rng.integers(1, da))
            push((t0, t1, a0, cut))
            push((t0, t1, cut, a1))
    pieces = done + [item[2] for item in heap]
    pieces.sort()
    shuffled = [pieces[k] for k in rng.permutation(len(pieces)).tolist()]
    buffers = tuple(
        Buffer(f"b{i}", t0, t1, a1 - a0) for i, (t0, t1, a0, a1) in enumerate(shuffled)
    )
    offsets = tuple(a0 for _, _, a0, _ in shuffled)
    return Problem(buffers, height), Solution(offsets, height)


def perfect_packing(n: int, *, seed: int, width: int, height: int) -> Problem:
    """A ``width x height`` rectangle cut into ``n`` buffers by guillotine cuts.

    Parameters
    ----------
    n : int
        Number of pieces, at most ``width * height``.
    seed : int
        Seed of the random generator.
    width : int
        Time span: lifespans lie in ``[0, width)``.
    height : int
        Address span, also the capacity.

    Returns
    -------
    Problem
        Each piece ``[t0, t1) x [a0, a1)`` becomes a buffer alive during
        ``[t0, t1)`` of size ``a1 - a0`` (integer sides >= 1), in random
        order, with ``capacity = height``.  The pieces tile the rectangle, so
        exactly ``height`` bytes are live at every moment: the LOAD is
        ``height`` and the pieces' own offsets reach it, so the optimum is
        exactly ``height`` (:func:`perfect_packing_with_solution` returns
        those offsets).

    Notes
    -----
    Each step cuts the largest remaining piece (area with a random jitter)
    across time or across addresses at a random integer position: pieces of
    varied but comparable size.  Cost ``O(n log n)``.

    Examples
    --------
    >>> from minimalloc.bounds import max_load
    >>> p = perfect_packing(20, seed=3, width=30, height=50)
    >>> len(p), p.capacity, max_load(p)
    (20, 50, 50)
    """
    return perfect_packing_with_solution(n, seed=seed, width=width, height=height)[0]


# ----------------------------------------------------------------------------
# Model-like traces


class _Trace:
    """Builds the buffers of a model run one step (one operator) at a time.

    A tensor lives from the step that produces it to the last step that reads
    it (inclusive), i.e. ``[producer, last reader + 1)``.
    """

    def __init__(self, rng: np.random.Generator, workspace_probability: float) -> None:
        self.rng = rng
        self.workspace_probability = workspace_probability
        self.step = 0
        self.order: list[str] = []
        self.span: dict[str, list[int]] = {}
        self.size: dict[str, int] = {}

    def op(self, name: str, reads: Sequence[str], size: int, *,
           workspace: int | None = None) -> str:
        """Run an operator: read ``reads``, write ``name`` of ``size`` bytes,
        maybe with a temporary workspace; return ``name``."""
        for tensor in reads:
            self.span[tensor][1] = max(self.span[tensor][1], self.step + 1)
        self.order.append(name)
        self.span[name] = [self.step, self.step + 1]
        self.size[name] = size
        if workspace is not None and self.rng.random() < self.workspace_probability:
            self.order.append(f"{name}.ws")
            self.span[f"{name}.ws"] = [self.step, self.step + 1]
            self.size[f"{name}.ws"] = workspace
        self.step += 1
        return name

    def rows(self) -> list[tuple[str, int, int, int]]:
        return [(t, *self.span[t], self.size[t]) for t in self.order]


def _bytes(elements: int, dtype_bytes: int) -> int:
    """Round a tensor's byte size up to a multiple of 512."""
    return max(512, -(-elements * dtype_bytes // 512) * 512)


def _workspace(rng: np.random.Generator, size: int) -> int:
    """A scratch area of a quarter to twice ``size``, in 512-byte units."""
    return _bytes(int(size * (0.25 + 1.75 * rng.random())), 1)


def _conv_net(trace: _Trace, layers: int, kind: str, dtype_bytes: int) -> None:
    rng = trace.rng
    spatial = int(rng.choice([32, 56, 64, 112]))
    channels = int(rng.choice([16, 32, 64]))
    x = trace.op("input", [], _bytes(3 * spatial * spatial, dtype_bytes))

    def conv(name: str, reads: list[str], ch: int, sp: int) -> str:
        size = _bytes(ch * sp * sp, dtype_bytes)
        return trace.op(name, reads, size, workspace=_workspace(rng, size))

    if kind == "unet":
        depth = max(1, (layers - 1) // 2)
        skips: list[tuple[str, int, int]] = []
        for level in range(depth):
            x = conv(f"enc{level}", [x], channels, spatial)
            skips.append((x, channels, spatial))
            if spatial >= 2:
                spatial //= 2
            channels = min(channels * 2, 1024)
        x = conv("bottleneck", [x], channels, spatial)
        for level in reversed(range(depth)):
            skip, channels, spatial = skips[level]
            x = conv(f"dec{level}", [x, skip], channels, spatial)
        trace.op("output", [x], _bytes(spatial * spatial, dtype_bytes))
        return
    index = 0
    while index < layers:
        if index and index % 4 == 0 and spatial >= 8:  # downsample now and then
            spatial //= 2
            channels = min(channels * 2, 1024)
        if kind == "residual" and index + 3 <= layers:
            block_in = x
            x = conv(f"L{index}.conv", [x], channels, spatial)
            x = conv(f"L{index + 1}.conv", [x], channels, spatial)
            x = trace.op(f"L{index + 2}.add", [x, block_in],
                         _bytes(channels * spatial * spatial, dtype_bytes))
            index += 3
        else:
            x = conv(f"L{index}.conv", [x], channels, spatial)
            index += 1
    trace.op("output", [x], _bytes(channels, dtype_bytes))


def _block(trace: _Trace, p: str, x: str, act: int, square: int, ws: int, *,
           softmax_workspace: int | None = None,
           out_workspace: int | None = None) -> tuple[str, list[str]]:
    """One transformer block's forward pass from ``x``, its tensors named
    ``p.*``: attention then the MLP, each added back to ``x``.  ``ws`` is the
    workspace of the q, k, v projections, ``out_workspace`` that of the
    attention's and the MLP's output projections (inference kernels use
    them; training's do not).  Returns the block's output and the tensors
    the backward pass reads again."""
    h = trace.op(f"{p}.ln1", [x], act)
    q = trace.op(f"{p}.q", [h], act, workspace=ws)
    k = trace.op(f"{p}.k", [h], act, workspace=ws)
    v = trace.op(f"{p}.v", [h], act, workspace=ws)
    scores = trace.op(f"{p}.scores", [q, k], square)
    probs = trace.op(f"{p}.softmax", [scores], square, workspace=softmax_workspace)
    attn = trace.op(f"{p}.attn", [probs, v], act)
    proj = trace.op(f"{p}.proj", [attn], act, workspace=out_workspace)
    x = trace.op(f"{p}.add1", [x, proj], act)
    h2 = trace.op(f"{p}.ln2", [x], act)
    up = trace.op(f"{p}.mlp_up", [h2], 4 * act,
                  workspace=_workspace(trace.rng, 4 * act))
    g = trace.op(f"{p}.gelu", [up], 4 * act)
    down = trace.op(f"{p}.mlp_down", [g], act, workspace=out_workspace)
    x = trace.op(f"{p}.add2", [x, down], act)
    return x, [h, q, k, v, probs, attn, h2, up, g]


def _transformer(trace: _Trace, blocks: int, dtype_bytes: int) -> None:
    rng = trace.rng
    seq = int(rng.choice([64, 128, 256]))
    d_model = int(rng.choice([256, 512, 768]))
    heads = d_model // 64
    act = _bytes(seq * d_model, dtype_bytes)
    x = trace.op("embed", [], act)
    square = _bytes(heads * seq * seq, dtype_bytes)
    for i in range(blocks):
        ws = _workspace(rng, act)
        x, _ = _block(trace, f"blk{i}", x, act, square, ws,
                      softmax_workspace=_bytes(heads * seq * 4, 1), out_workspace=ws)
    trace.op("logits", [x], _bytes(seq * int(rng.choice([1000, 4096])), dtype_bytes))


def _training(trace: _Trace, blocks: int, dtype_bytes: int, micro_batches: int) -> None:
    """Training steps of a transformer with gradient accumulation.

    Per micro-batch: the forward pass of :func:`_transformer`, whose
    activations stay alive until the backward pass reads them again (block by
    block, in reverse), then three backward operators per block.  Each
    block's weight gradient is accumulated from the first backward pass to the
    optimiser step at the end.  So about ten buffers per block are alive at
    once: hundreds to thousands, as in real training graphs.
    """
    rng = trace.rng
    seq = int(rng.choice([64, 128, 256]))
    d_model = int(rng.choice([256, 512, 768]))
    heads = d_model // 64
    act = _bytes(seq * d_model, dtype_bytes)
    square = _bytes(heads * seq * seq, dtype_bytes)
    weights = _bytes(12 * d_model * d_model, dtype_bytes)
    accumulators: list[str] = []
    for m in range(micro_batches):
        x = trace.op(f"mb{m}.embed", [], act)
        saved: list[tuple[str, list[str]]] = []
        for i in range(blocks):
            p = f"mb{m}.blk{i}"
            x, kept = _block(trace, p, x, act, square, _workspace(rng, act))
            saved.append((p, kept))
        grad = trace.op(f"mb{m}.loss", [x], act)
        for i in reversed(range(blocks)):
            p, kept = saved[i]
            if m == 0:
                accumulators.append(trace.op(f"blk{i}.dW", [], weights))
            dw = f"blk{i}.dW"
            d_mlp = trace.op(f"{p}.d_mlp", [grad, *kept[6:], dw], act,
                             workspace=_workspace(rng, 4 * act))
            d_attn = trace.op(f"{p}.d_attn", [d_mlp, *kept[:6], dw], act,
                              workspace=_workspace(rng, act))
            grad = trace.op(f"{p}.d_x", [d_attn, d_mlp], act)
        trace.op(f"mb{m}.done", [grad], 512)
    trace.op("optimizer", accumulators, 512)


def model_trace(
    layers: int,
    *,
    seed: int,
    kind: str = "chain",
    dtype_bytes: int = 2,
    workspace_probability: float = 0.5,
    alignment: Alignment = 1,
    gap_probability: float = 0.0,
    window_probability: float = 0.0,
    fixed_probability: float = 0.0,
    capacity: int | None = None,
    micro_batches: int = 1,
) -> Problem:
    """The tensors of a neural network run one operator per time step.

    Each operator's output lives from the step that produces it to the last
    step that reads it; an operator may also have a temporary workspace alive
    during its own step only.  Sizes are those of real tensors (channels x
    height x width or sequence x features, times ``dtype_bytes``) rounded up
    to a multiple of 512 bytes.

    Parameters
    ----------
    layers : int
        For ``chain``, ``residual``: the number of layers; ``unet``: about
        that many (an encoder and a decoder of ``(layers - 1) // 2`` levels
        each, plus the bottleneck); ``transformer``: the number of blocks
        (14 operators each).
    seed : int
        Seed of the random generator (input shape, workspaces).
    kind : {"chain", "residual", "unet", "transformer", "training"}
        ``chain``: each layer reads the previous one's output, downsampling
        every 4 layers.  ``residual``: blocks of two convolutions and an add
        that also reads the block's input, which stays alive across the block
        (below, ``input`` lives until the add at step 3).
        ``unet``: encoder outputs stay alive until the matching decoder layer
        reads them.  ``transformer``: per block layer norm, Q, K, V, scores,
        softmax, attention output, projection, residual add, MLP up, GELU, MLP
        down, residual add; the block input stays alive until its add.
        ``training``: that transformer trained with gradient accumulation over
        ``micro_batches``: the forward activations live until the backward
        pass reads them, weight gradients until the optimiser step, so about
        ten buffers per block are alive at once (about
        ``micro_batches * 22 * layers`` buffers in all).
    dtype_bytes : int
        Bytes per element.
    workspace_probability : float
        Chance that an operator that may need a workspace gets one.
    alignment, gap_probability, window_probability, fixed_probability, capacity
        As in :func:`random_problem`.
    micro_batches : int
        For ``training``: forward and backward passes before the optimiser
        step.

    Returns
    -------
    Problem
        Buffer ids name the tensors (``L3.conv``, ``enc1``, ``blk0.scores``,
        workspaces end in ``.ws``).

    Examples
    --------
    >>> p = model_trace(3, seed=0, kind="residual", workspace_probability=0)
    >>> [(b.id, b.lower, b.upper) for b in p.buffers]  # doctest: +NORMALIZE_WHITESPACE
    [('input', 0, 4), ('L0.conv', 1, 3), ('L1.conv', 2, 4), ('L2.add', 3, 5),
     ('output', 4, 5)]
    """
    layers = checked_count(layers, "layers", 1, maximum=MAX_LAYERS)
    dtype_bytes = checked_count(dtype_bytes, "dtype_bytes", 1)
    checked_choice(kind, "kind", MODEL_KINDS)
    rng = np.random.default_rng(checked_seed(seed))
    trace = _Trace(rng, checked_probability(workspace_probability, "workspace_probability"))
    if kind == "transformer":
        _transformer(trace, layers, dtype_bytes)
    elif kind == "training":
        micro = checked_count(micro_batches, "micro_batches", 1)
        _training(trace, layers, dtype_bytes, micro)
    else:
        _conv_net(trace, layers, kind, dtype_bytes)
    return _decorate(
        rng, trace.rows(), alignment=alignment, gap_probability=gap_probability,
        window_probability=window_probability, fixed_probability=fixed_probability,
        capacity=capacity,
    )


# ----------------------------------------------------------------------------
# Registry


#: The generators by name, for :func:`generate` and the command line.
GENERATORS: dict[str, Callable[..., Problem]] = {
    "random": random_problem,
    "perfect": perfect_packing,
    "model": model_trace,
    "dense": dense_training,
}


def generate(name: str, **params: object) -> Problem:
    """Run the generator registered as ``name`` with ``params``.

    Parameters
    ----------
    name : str
        A key of :data:`GENERATORS`.
    **params
        The generator's keyword arguments (its first argument too, by name:
        ``n`` or ``layers``).

    Returns
    -------
    Problem
        What the generator returns for these parameters.

    Raises
    ------
    ProblemError
        For an unknown name (listing the known ones), an unknown or missing
        parameter, or a value out of range.

    Examples
    --------
    >>> len(generate("perfect", n=4, seed=0, width=4, height=4))
    4
    """
    function = GENERATORS.get(name)
    if function is None:
        raise ProblemError(
            f"unknown generator '{name}': choose one of {', '.join(GENERATORS)}"
        )
    try:
        inspect.signature(function).bind(**params)
    except TypeError as error:
        raise ProblemError(f"generator '{name}': {error}") from None
    return function(**params)
