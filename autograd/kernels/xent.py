"""Softmax + cross entropy fused (one pass per row), forward and backward: the numba kernels
beside the numpy references (``*_ref``), with PyTorch's label smoothing."""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from . import tuning
from ._fastmath import fexp, fmaximum
from ._jit import driver, kernel, rows_per_chunk, run

_th = tuning.thresholds


# ----------------------------------------------------------------------------- softmax + xent


def softmax_xent_ref(
    logits: np.ndarray, labels: np.ndarray, smoothing: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row cross entropy (PyTorch's label smoothing) and the softmax probabilities.

    loss_i = -sum_c t_ic log p_ic with t = (1 - s) * onehot + s / C; log p is the
    max-shifted log-softmax, so logits of +-1e4 are fine.
    """
    n, c = logits.shape
    s = float(smoothing)
    z = logits - logits.max(axis=1, keepdims=True)
    with np.errstate(under="ignore"):
        lse = np.log(np.exp(z).sum(axis=1, keepdims=True))
        logp = z - lse
        probs = np.exp(logp)
    picked = logp[np.arange(n), labels]
    loss = -((1 - s) * picked + (s / c) * logp.sum(axis=1))
    return loss.astype(logits.dtype, copy=False), probs


def softmax_xent_backward_ref(
    probs: np.ndarray, labels: np.ndarray, g: np.ndarray, smoothing: float = 0.0
) -> np.ndarray:
    """d loss / d logits = (probs - target) * g[:, None]."""
    n, c = probs.shape
    s = float(smoothing)
    d = probs - s / c
    d[np.arange(n), labels] -= 1 - s
    d *= g[:, None]
    return d



# ----------------------------------------------------------------------------- softmax + xent


@kernel
def _xent_k(z, labels, loss, probs, s, r0, r1):
    c = z.shape[1]
    T = z.dtype.type
    for i in range(r0, r1):
        mx = z[i, 0]
        for j in range(1, c):
            mx = fmaximum(mx, z[i, j])
        zsum = T(0)
        for j in range(c):
            sh = z[i, j] - mx
            probs[i, j] = sh
            zsum += sh
        # read the shifted logit back from memory: fastmath may not re-associate it with mx
        picked = probs[i, labels[i]]
        tot = T(0)
        for j in range(c):
            e = fexp(probs[i, j])
            probs[i, j] = e
            tot += e
        lse = T(math.log(tot))
        inv = T(1) / tot
        for j in range(c):
            probs[i, j] *= inv
        picked = picked - lse
        loss[i] = -((T(1) - T(s)) * picked + (T(s) / c) * (zsum - c * lse))


@driver
def _xent_p(z, labels, loss, probs, s, rows):
    m = z.shape[0]
    for c in prange((m + rows - 1) // rows):
        _xent_k(z, labels, loss, probs, s, c * rows, min(m, (c + 1) * rows))


def softmax_xent(logits: np.ndarray, labels: np.ndarray, smoothing: float = 0.0):
    """Per-row cross entropy with PyTorch's label smoothing, and softmax probs (one pass/row)."""
    z = np.ascontiguousarray(logits)
    lab = np.ascontiguousarray(labels, dtype=np.int64)
    n, c = z.shape
    loss = np.empty(n, dtype=z.dtype)
    probs = np.empty_like(z)
    run(_xent_k, _xent_p, (z, lab, loss, probs, float(smoothing)), n, z.size,
        _th().par_min_exp, rows_per_chunk(c))
    return loss, probs


@kernel
def _xent_bwd_k(probs, labels, g, out, s, r0, r1):
    c = probs.shape[1]
    T = probs.dtype.type
    off = T(s) / c
    for i in range(r0, r1):
        gi = g[i]
        for j in range(c):
            out[i, j] = (probs[i, j] - off) * gi
        out[i, labels[i]] -= (T(1) - T(s)) * gi


@driver
def _xent_bwd_p(probs, labels, g, out, s, rows):
    m = probs.shape[0]
    for c in prange((m + rows - 1) // rows):
        _xent_bwd_k(probs, labels, g, out, s, c * rows, min(m, (c + 1) * rows))


def softmax_xent_backward(probs, labels, g, smoothing: float = 0.0) -> np.ndarray:
    """dlogits = (probs - target) * g[:, None], target = (1 - s) onehot + s / C."""
    p = np.ascontiguousarray(probs)
    lab = np.ascontiguousarray(labels, dtype=np.int64)
    gg = np.ascontiguousarray(g, dtype=p.dtype)
    out = np.empty_like(p)
    n, c = p.shape
    run(_xent_bwd_k, _xent_bwd_p, (p, lab, gg, out, float(smoothing)), n, p.size,
        _th().par_min, rows_per_chunk(c))
    return out

