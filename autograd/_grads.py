"""Clearing gradients: the one implementation behind ``Module.zero_grad`` and
``Optimizer.zero_grad`` (torch's behaviour for both)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from . import function as _function
from .scalar import Value
from .tensor import Tensor


def zero_grads(params: Iterable[Any], set_to_none: bool = True) -> None:
    """Reset the gradient of every parameter.

    ``set_to_none=True`` (torch's default): a Tensor's ``.grad`` becomes None (the next
    backward allocates a fresh one). ``False``: the existing ``.grad`` is zeroed in place
    (the same array; one that carries a graph from ``create_graph`` is replaced by plain
    zeros, as torch detaches it first). A scalar ``Value``'s grad is 0.0 either way.
    """
    if _function._recorder is not None:  # autograd.compile replays this call
        params = list(params)
        _function._recorder.zero_grad(params, set_to_none)
    for p in params:
        if isinstance(p, Value):
            p.grad = 0.0
            continue
        g = p.grad
        if g is None:
            continue
        if set_to_none:
            p.grad = None
        elif g.requires_grad or g._ctx is not None:
            p.grad = Tensor._make(np.zeros_like(g.data))
        else:
            g.data[...] = 0
