"""The gradient-flow scale: how big a gradient each node and edge carries, and its colour.

Magnitudes come from the engines themselves, never from a copy of their backward loops:
a Value graph runs ``Value.backward`` (the ``.grad`` it changes are put back afterwards), a
Tensor graph calls ``autograd.grad`` with ``retain_graph=True`` (which touches no ``.grad``
and keeps the engine's version and release checks). Colours follow ``PALETTE`` on a log
scale: magnitude m sits at ``(log10 m - log10 lo) / (log10 hi - log10 lo)`` (clamped to
0..1) between the palette's first colour (``lo``, vanishing) and its last (``hi``, exploding),
interpolated linearly in RGB between equally spaced anchors.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..scalar import Value
from .walk import inputs_of, kept_grad

__all__ = ["GRAD_DECADES", "PALETTE"]

#: default colour scale: log10 of the smallest and largest magnitude told apart
GRAD_DECADES = (-6, 2)
#: the flow palette (samples of the "turbo" map), small to large: dark blue (vanishing) ->
#: green -> orange -> dark red (exploding); every step stays visible as a line on white
PALETTE = ("#30123b", "#4662d7", "#36aaf9", "#1ae4b6", "#72fe5e", "#c7ef34", "#fbb938",
           "#f56918", "#7a0403")
NO_GRAD_FILL = "#f7f7f7"
ZERO_COLOUR = "#d9d9d9"
#: the largest number of extra backward passes spent on edges from inputs used several times
EDGE_PASSES = 64

Mags = list[float | None]
EdgeMags = dict[tuple[int, int], float | None]


def rms(a: Any) -> float:
    a = np.asarray(a, dtype=np.float64)
    return float(np.sqrt(np.mean(a * a))) if a.size else 0.0


def flow_scale(grad_flow: Any) -> tuple[float, float]:
    """(log10 lo, log10 hi) from ``True`` or a (smallest, largest) magnitude range."""
    if grad_flow is True:
        return float(GRAD_DECADES[0]), float(GRAD_DECADES[1])
    try:
        lo, hi = (float(v) for v in grad_flow)
    except (TypeError, ValueError):
        raise TypeError(f"draw: grad_flow must be True/False or a (smallest, largest) range of "
                        f"gradient magnitudes such as (1e-6, 1e2), got {grad_flow!r}") from None
    if not 0 < lo < hi:
        raise ValueError(f"draw: grad_flow range must satisfy 0 < smallest < largest, got "
                         f"({lo:g}, {hi:g})")
    return math.log10(lo), math.log10(hi)


def position(mag: float, scale: tuple[float, float]) -> float:
    """Where mag sits on the colour scale, 0 (smallest) .. 1 (largest), clamped."""
    lo, hi = scale
    return min(1.0, max(0.0, (math.log10(mag) - lo) / (hi - lo)))


def colour(t: float) -> str:
    x = t * (len(PALETTE) - 1)
    k = min(int(x), len(PALETTE) - 2)
    f = x - k
    a, b = PALETTE[k], PALETTE[k + 1]
    rgb = [round(int(a[j:j + 2], 16) * (1 - f) + int(b[j:j + 2], 16) * f) for j in (1, 3, 5)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def mag_colour(mag: float | None, scale: tuple[float, float]) -> str | None:
    """The fill for a magnitude: None when unknown, grey for 0, the top colour for inf/nan."""
    if mag is None:
        return None
    if mag == 0.0:
        return ZERO_COLOUR
    if not math.isfinite(mag):
        return PALETTE[-1]
    return colour(position(mag, scale))


def text_colour(fill: str) -> str:
    r, g, b = (int(fill[j:j + 2], 16) / 255 for j in (1, 3, 5))
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"


# ---------------------------------------------------------------------------------------
# magnitudes, from the engines
# ---------------------------------------------------------------------------------------
def value_flow(order: list[Value], index: dict[int, int]) -> tuple[Mags, EdgeMags]:
    """|d root / d node| for every node and |local * d root / d node| along each edge.

    Runs the engine's own ``backward`` from the root (which leaves each node's d root/d node
    in ``_g``) and then restores every ``.grad``, which may hold gradients accumulated over
    several backward calls.
    """
    saved = [v.grad for v in order]
    root = order[-1]
    try:
        root.backward()
        g = [v._g for v in order]
    finally:
        for v, old in zip(order, saved):
            v.grad = old
    edges: EdgeMags = {}
    for i, node in enumerate(order):
        for k, local in enumerate(node._local):
            edges[(i, k)] = abs(local * g[i])
    return [abs(x) for x in g], edges


def tensor_flow(order: list[Any], index: dict[int, int]) -> tuple[Mags, EdgeMags, bool]:
    """RMS of the gradient of root (of root.sum() for a non-scalar root) at each tensor and
    along each edge, and whether it was computed.

    While the graph's buffers are alive (before backward, or after backward(retain_graph=True))
    ``autograd.grad`` computes them, touching no ``.grad``. After a plain backward() the buffers
    are gone: then only the ``.grad`` the engine kept (leaves, retain_grad() tensors) is known.
    """
    root = order[-1]
    alive = all(t._ctx is None or not t._ctx.released for t in order)
    if alive and root.requires_grad:
        try:
            return (*_computed(order, index), True)
        except RuntimeError:  # e.g. a tensor modified in place: show what .grad holds
            pass
    kept = [kept_grad(t) for t in order]
    mags: Mags = [rms(g.data) if g is not None else None for g in kept]
    edges: EdgeMags = {}
    for i, t in enumerate(order):
        for k, inp in enumerate(inputs_of(t)):
            edges[(i, k)] = mags[index[id(inp)]] if inp.requires_grad else None
    return mags, edges, False


def _computed(order: list[Any], index: dict[int, int]) -> tuple[Mags, EdgeMags]:
    from ..function import grad
    from ..tensor import Tensor

    root = order[-1]
    wanted = [i for i, t in enumerate(order) if t.requires_grad]
    ones = Tensor._make(np.ones_like(root.data))
    got = grad(root, [order[i] for i in wanted], grad_outputs=ones, retain_graph=True,
               allow_unused=True)
    grads: dict[int, Any] = {i: g for i, g in zip(wanted, got)}
    mags: Mags = [None] * len(order)
    for i in wanted:
        mags[i] = rms(grads[i].data) if grads[i] is not None else 0.0
    # an edge carries its input's whole gradient, unless the input feeds several ops: then
    # each op's share is the gradient through that op alone (one more pass per such op)
    uses: dict[int, int] = {}
    for t in order:
        for inp in inputs_of(t):
            uses[id(inp)] = uses.get(id(inp), 0) + 1
    edges: EdgeMags = {}
    passes = 0
    for i, t in enumerate(order):
        shared = []
        for k, inp in enumerate(inputs_of(t)):
            if not inp.requires_grad:
                continue
            if uses[id(inp)] == 1:
                edges[(i, k)] = mags[index[id(inp)]]
            else:
                shared.append(k)
        if not shared:
            continue
        g_out = grads.get(i)
        if g_out is None or passes >= EDGE_PASSES:
            for k in shared:
                edges[(i, k)] = 0.0 if g_out is None else None
            continue
        passes += 1
        ins = [inputs_of(t)[k] for k in shared]
        part = grad(t, ins, grad_outputs=g_out, retain_graph=True, allow_unused=True)
        for k, g in zip(shared, part):
            edges[(i, k)] = rms(g.data) if g is not None else 0.0
    return mags, edges
