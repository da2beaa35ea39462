"""Dense training steps (:func:`dense_training`): the generator for the
hard case of the anytime optimiser, a compiled training graph with thousands
of tensors alive at once, odd sizes over eight orders of magnitude and a few
long-lived giants."""

from __future__ import annotations

import numpy as np

from minimalloc.errors import ProblemError
from minimalloc.generate.checks import (
    MAX_BUFFERS,
    checked_count,
    checked_probability,
    checked_seed,
)
from minimalloc.model import Buffer, Problem

__all__ = ["DENSE_MAX_EXPONENT", "dense_training"]


#: The largest size exponent of :func:`dense_training`: sizes run from
#: ``2**0 + 1`` (2 bytes) to ``2**28 + 1`` (256 MiB and a byte).
DENSE_MAX_EXPONENT = 28
#: Exponents of the giants' sizes (64 to 256 MiB, plus one byte).
_GIANT_EXPONENTS = (26, 27, 28)


def _odd_sizes(rng: np.random.Generator, n: int, low: int, high: int,
               small_share: float) -> np.ndarray:
    """``n`` sizes ``2**k + 1``: with chance ``small_share`` ``k`` is drawn
    from 0-10 (scalars, shapes, norms' statistics), else from ``low`` to
    ``high`` (tensors)."""
    small = rng.random(n) < small_share
    k = np.where(small, rng.integers(0, 11, n), rng.integers(low, high + 1, n))
    return (np.int64(1) << k.astype(np.int64)) + 1


def dense_training(
    n: int = 28_500,
    *,
    seed: int,
    saved_per_layer: int = 7,
    giant_share: float = 0.17,
    micro_batches: int = 2,
    capacity: int | None = None,
) -> Problem:
    """One step of a compiled training graph: dense, odd-sized, with giants.

    Made to resemble what compilers hand a memory planner for a training
    step, the hard case for the anytime optimiser: thousands of tensors
    alive at once, sizes ``2**k + 1`` from 2 bytes to 256 MiB (so no common
    granularity), and a few long-lived giants (parameters, optimiser state)
    holding ``giant_share`` of the peak.

    The graph has ``L`` layers (as many as it takes to make about ``n``
    buffers), run forward then backward once per micro-batch, one operator
    per time step:

    * each layer's forward pass saves ``saved_per_layer`` tensors (most
      2 KiB to 8 MiB, a quarter tiny) until its backward pass, a few layers
      off the mirror image (fused, reordered kernels): at each turn from
      forward to backward about ``L * saved_per_layer`` are alive;
    * each operator makes about four temporaries, most dead after one step,
      a few alive for up to 16 (half tiny, half 4 KiB to 16 MiB);
    * each layer's backward pass of the first micro-batch makes two weight
      gradients, accumulated until the optimiser step at the end;
    * the giants (parameters, optimiser state) each live through a third to
      two thirds of the step, at random; their sizes (``2**k + 1``, ``k``
      from 26 to 28) are drawn until they hold ``giant_share`` of the
      others' peak over the whole (so a little more of the new peak when
      they all meet there, less when they do not).

    Sizes are ``2**k + 1``: a tiny tensor has ``k`` from 0 to 10.

    Parameters
    ----------
    n : int
        About this many buffers (at least a few hundred make sense).
    seed : int
        Seed of the random generator.
    saved_per_layer : int
        Tensors each layer saves for its backward pass.
    giant_share : float
        The giants' bytes over the peak of all the buffers, in [0, 0.9].
    micro_batches : int
        Forward and backward passes before the optimiser step.
    capacity : int, optional
        Stored in the problem as given.

    Returns
    -------
    Problem
        Buffer ids say what each tensor is (``mb0.L3.saved2``,
        ``mb1.L3.bwd5.tmp1``, ``L3.dW1``, ``giant0``).

    Raises
    ------
    ProblemError
        For an argument out of range.

    Examples
    --------
    >>> p = dense_training(2000, seed=0)
    >>> sizes = {b.size for b in p.buffers}
    >>> all(s > 1 and (s - 1) & (s - 2) == 0 for s in sizes)
    True
    """
    n = checked_count(n, "n", 1, maximum=MAX_BUFFERS)
    saved = checked_count(saved_per_layer, "saved_per_layer", 0, maximum=10_000)
    share = checked_probability(giant_share, "giant_share")
    micro = checked_count(micro_batches, "micro_batches", 1, maximum=1000)
    if share > 0.9:
        raise ProblemError(f"giant_share must be <= 0.9, got {share}")
    rng = np.random.default_rng(checked_seed(seed))
    rows, kinds, end = _step_rows(rng, n, saved, micro)
    size = _sizes(rng, kinds)
    out = [(name, lower, upper, s)
           for (name, lower, upper), s in zip(rows, size.tolist())]
    if share > 0:
        out += _giants(rng, rows, size, share, end)
    return Problem(tuple(Buffer(name, lower, upper, s) for name, lower, upper, s in out),
                   capacity)


def _step_rows(rng: np.random.Generator, n: int, saved: int,
               micro: int) -> tuple[list[tuple[str, int, int]], list[str], int]:
    """The tensors of the step as ``(id, lower, upper)`` rows, the kind of
    each (``saved``, ``tmp``, ``grad``) and the step's last time."""
    # Per layer: 4 forward and 6 backward operators, each with about four
    # temporaries, the saved tensors and two weight gradients.
    forward_ops, backward_ops, per_op, grads = 4, 6, 4.0, 2
    per_layer = (saved + (forward_ops + backward_ops) * per_op) * micro + grads
    layers = max(1, round(n / per_layer))
    turn = layers * forward_ops
    step_length = turn + layers * backward_ops  # one micro-batch
    end = micro * step_length
    rows: list[tuple[str, int, int]] = []  # id, lower, upper; sizes below
    kinds: list[str] = []

    def add(name: str, lower: int, upper: int, kind: str) -> None:
        rows.append((name, lower, max(lower + 1, min(upper, end + 1))))
        kinds.append(kind)

    for m in range(micro):
        counts = rng.poisson(per_op, (layers, forward_ops + backward_ops)).tolist()
        start = m * step_length
        for layer in range(layers):
            first = start + layer * forward_ops
            back = start + turn + (layers - 1 - layer) * backward_ops  # mirror image
            for j in range(saved):
                # Read again a few layers off the mirror image (fused and
                # reordered kernels): lifetimes nest only roughly.
                dies = back + int(rng.integers(-3 * backward_ops, 3 * backward_ops + 1))
                add(f"mb{m}.L{layer}.saved{j}", first + int(rng.integers(forward_ops)),
                    max(dies, start + turn + 1), "saved")
            ops = [(f"mb{m}.L{layer}.fwd{op}", first + op) for op in range(forward_ops)]
            ops += [(f"mb{m}.L{layer}.bwd{op}", back + op) for op in range(backward_ops)]
            for (name, step), count in zip(ops, counts[layer]):
                # Most temporaries die at once, a few live on for a dozen steps.
                lives = np.minimum(rng.geometric(0.4, count), 16).tolist()
                for j, life in enumerate(lives):
                    add(f"{name}.tmp{j}", step, step + life, "tmp")
            if m == 0:  # accumulated over the micro-batches
                for j in range(grads):
                    add(f"L{layer}.dW{j}", back + int(rng.integers(backward_ops)),
                        end + 1, "grad")
    return rows, kinds, end


def _sizes(rng: np.random.Generator, kinds: list[str]) -> np.ndarray:
    """Each tensor's size by its kind (exponent range and tiny share)."""
    role = np.array(kinds)
    size = np.empty(len(kinds), np.int64)
    for kind, low, high, small in (("saved", 11, 23, 0.25), ("tmp", 12, 24, 0.5),
                                   ("grad", 10, 22, 0.3)):
        where = np.flatnonzero(role == kind)
        size[where] = _odd_sizes(rng, len(where), low, high, small)
    return size


def _giants(rng: np.random.Generator, rows: list[tuple[str, int, int]],
            size: np.ndarray, share: float, end: int) -> list[tuple[str, int, int, int]]:
    """The giants, drawn until they hold ``share`` of the new peak."""
    lower = np.array([r[1] for r in rows], np.int64)
    upper = np.array([r[2] for r in rows], np.int64)
    times = np.concatenate([lower, upper])
    change = np.concatenate([size, -size])
    order = np.lexsort((change, times))
    peak = int(np.cumsum(change[order]).max())
    # Sized as if they all met the others' peak: share of the new one.
    want, held, g = share / (1 - share) * peak, 0, 0
    giants = []
    while held < want:
        k = int(rng.choice(_GIANT_EXPONENTS))
        # Each lives through a third to two thirds of the step.
        life = int(end * (1 + rng.random()) / 3)
        born = int(rng.integers(0, max(1, end - life)))
        dies = born + life
        giants.append((f"giant{g}", born, dies, (1 << k) + 1))
        held += (1 << k) + 1
        g += 1
    return giants
