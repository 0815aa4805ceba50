"""Matrix multiplication with numpy's semantics: 1-D, 2-D and batched N-D with broadcasting."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels as K
from ..function import Function
from ..tensor import Tensor
from .elementwise import lift, unbroadcast

__all__ = ["matmul"]


class MatMul(Function):
    """a @ b. Backward: dA = g @ B^T, dB = A^T @ g (batch dims summed back by unbroadcast).

    1-D operands are promoted to a row (a) or a column (b) for the backward, as numpy does
    for the forward, then the added axis is dropped again.
    """

    def forward(self, a, b):
        return K.active.matmul(a, b)

    def backward(self, g):
        a, b = self.inputs
        a2 = a if a.ndim > 1 else a.reshape(1, -1)
        b2 = b if b.ndim > 1 else b.reshape(-1, 1)
        out_shape = g.shape
        if a.ndim == 1:
            out_shape = out_shape[:-1] + (1,) + out_shape[-1:] if b.ndim > 1 else (1,) + out_shape
        if b.ndim == 1:
            out_shape = out_shape + (1,)
        g2 = g.reshape(out_shape)
        ga = gb = None
        if a.requires_grad:
            ga = unbroadcast(g2 @ b2.swapaxes(-1, -2), a2.shape).reshape(a.shape)
        if b.requires_grad:
            gb = unbroadcast(a2.swapaxes(-1, -2) @ g2, b2.shape).reshape(b.shape)
        return ga, gb


def matmul(a: Any, b: Any) -> Tensor:
    a = lift(a, b if isinstance(b, Tensor) else None)
    b = lift(b, a)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes "
                         f"{a.shape} and {b.shape}")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not line up "
                         f"({ka} != {kb})")
    try:
        return MatMul.apply(a, b)
    except ValueError:
        try:  # only on the error path: was it the batch dimensions?
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul: batch dimensions of {a.shape} and {b.shape} cannot "
                             "broadcast") from None
        raise
