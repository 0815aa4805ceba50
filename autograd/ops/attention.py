"""Scaled dot-product attention as one Function: softmax(q k^T * scale + mask) @ v.

The public, checked form is ``nn.functional.scaled_dot_product_attention``. Forward keeps
the attention probabilities (…, L, S) for backward, as PyTorch's math path does; masks are
applied one at a time with ``np.where`` so that no (B, H, L, S) boolean array is built
beyond what the caller passed (the causal mask is one (L, S) block, broadcast). Rows where
every key is masked give zeros (and zero gradients), as PyTorch's CPU kernel does.

Backward, with P the probabilities, D the dropout keep-mask / (1 - p) and G the output
gradient: dV = (P D)^T G, dPD = G V^T, dP = dPD D, dS = P (dP - rowsum(dP P)),
dQ = dS K * scale, dK = dS^T Q * scale, d(float mask) = dS. Under ``create_graph`` the same
formulas run on Tensors, with P recomputed from differentiable ops.
"""

from __future__ import annotations

import numpy as np

from ..creation import rng
from ..function import Function, is_grad_enabled
from ..tensor import Tensor
from .elementwise import unbroadcast, where
from .reduce import softmax

__all__: list[str] = []


def _const(arr: np.ndarray) -> Tensor:
    return Tensor._make(arr)


def _t(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


class ScaledDotProductAttention(Function):
    """Inputs q (…, L, E), k (…, S, E), v (…, S, Ev) and optionally a float mask (added to
    the scores); ``allowed`` is a boolean mask (True = take part) and ``causal`` adds the
    lower-triangular (L, S) one."""

    def forward(self, q, k, v, *mask, scale, allowed, causal, dropout_p):
        s = np.matmul(q, _t(k))
        s *= s.dtype.type(scale)
        if mask:
            s += mask[0]
        if allowed is not None:
            s = np.where(allowed, s, -np.inf)
        if causal:
            s = np.where(np.tri(q.shape[-2], k.shape[-2], dtype=bool), s, -np.inf)
        m = s.max(axis=-1, keepdims=True)
        m[~np.isfinite(m)] = 0  # a fully masked row: exp(-inf) = 0 everywhere
        p = np.exp(s - m, out=s)
        z = p.sum(axis=-1, keepdims=True)
        z[z == 0] = 1
        p /= z
        self.p, self.scale, self.allowed, self.causal = p, scale, allowed, causal
        self.keep = None
        pd = p
        if dropout_p > 0:
            self.keep = (rng().random(p.shape) >= dropout_p).astype(p.dtype) / (1 - dropout_p)
            pd = p * self.keep
        return np.matmul(pd, v)

    def backward(self, g):
        q, k, v = self.inputs[:3]
        mask = self.inputs[3] if len(self.inputs) == 4 else None
        scale = self.scale
        if not is_grad_enabled():
            p, keep, gd = self.p, self.keep, g.data
            pd = p if keep is None else p * keep
            gp = np.matmul(gd, _t(v.data))
            if keep is not None:
                gp *= keep
            gs = p * (gp - (gp * p).sum(axis=-1, keepdims=True))
            gv = _const(np.matmul(_t(pd), gd))
            gq = _const(np.matmul(gs, k.data) * gs.dtype.type(scale))
            gk = _const(np.matmul(_t(gs), q.data) * gs.dtype.type(scale))
            gm = _const(gs) if mask is not None and mask.requires_grad else None
        else:  # P rebuilt from differentiable ops; masked scores get a huge finite negative
            # (exp gives the same 0) so that fully masked rows stay finite, then are zeroed
            big = -0.5 * np.finfo(q.dtype).max
            s = (q @ k.swapaxes(-1, -2)) * scale
            if mask is not None:
                s = s + where(_const(np.isneginf(mask.data)), big, mask)
            if self.allowed is not None:
                s = where(_const(np.asarray(self.allowed)), s, big)
            if self.causal:
                s = where(_const(np.tri(q.shape[-2], k.shape[-2], dtype=bool)), s, big)
            p = where(_const(self.p.sum(axis=-1, keepdims=True) > 0), softmax(s, -1), 0.0)
            keep = None if self.keep is None else _const(self.keep)
            pd = p if keep is None else p * keep
            gp = g @ v.swapaxes(-1, -2)
            if keep is not None:
                gp = gp * keep
            gs = p * (gp - (gp * p).sum(axis=-1, keepdims=True))
            gv = pd.swapaxes(-1, -2) @ g
            gq = (gs @ k) * scale
            gk = (gs.swapaxes(-1, -2) @ q) * scale
            gm = gs if mask is not None and mask.requires_grad else None
        grads = [unbroadcast(gq, q.shape), unbroadcast(gk, k.shape), unbroadcast(gv, v.shape)]
        if mask is not None:
            grads.append(None if gm is None else unbroadcast(gm, mask.shape))
        return tuple(grads)


def attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None, allowed: np.ndarray | None,
              causal: bool, scale: float, dropout_p: float) -> Tensor:
    """The unchecked core of F.scaled_dot_product_attention (inputs already validated)."""
    ins = (q, k, v) if mask is None else (q, k, v, mask)
    return ScaledDotProductAttention.apply(*ins, scale=scale, allowed=allowed, causal=causal,
                                           dropout_p=dropout_p)
