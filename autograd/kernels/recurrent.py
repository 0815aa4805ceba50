"""LSTM cell kernels: one time step forward and backward, numba with the numpy reference beside.

Gates are laid out [i, f, g, o] along the last axis (PyTorch's order), each H wide. ``act``
holds the activated gates sigmoid(i), sigmoid(f), tanh(g), sigmoid(o) for the backward.
Each step comes twice: ``name`` (numba) and ``name_ref`` (numpy); tests check the two
agree. The loops run over 1-D row slices so they vectorise (2-D indexing did not).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._fastmath import fexp


def _sig(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def lstm_cell_forward_ref(z: np.ndarray, c_prev: np.ndarray,
                          out: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(h, c, act) of one LSTM step from the pre-activations z = x W_ih^T + h W_hh^T + b,
    written into ``out`` when given."""
    hsz = c_prev.shape[1]
    i, f, o = _sig(z[:, :hsz]), _sig(z[:, hsz:2 * hsz]), _sig(z[:, 3 * hsz:])
    g = np.tanh(z[:, 2 * hsz:3 * hsz])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    dt = z.dtype
    r = h.astype(dt), c.astype(dt), np.concatenate([i, f, g, o], axis=1).astype(dt)
    if out is None:
        return r
    for dst, src in zip(out, r):
        dst[...] = src
    return out


@njit(cache=True, fastmath=True, inline="always", error_model="numpy")
def _fsig(v, T):
    """sigmoid via the vectorisable fexp, evaluating only exp(-|v|) (never overflows)."""
    e = fexp(-abs(v))
    r = T(1) / (T(1) + e)
    return r if v >= 0 else e * r


@njit(cache=True, fastmath=True, inline="always", error_model="numpy")
def _ftanh(v, T):
    e = fexp(-(abs(v) + abs(v)))
    t = (T(1) - e) / (T(1) + e)
    return t if v >= 0 else -t


# The loops below run over 1-D row slices: indexing a 2-D array as z[b, H + k] makes numba
# emit negative-index wraparound code that blocks vectorisation (measured 150 us -> 15 us
# for a (64, 512) step).
@njit(cache=True, fastmath=True, error_model="numpy", nogil=True)
def _lstm_cell_forward_nb(z, c_prev, h, c, act):
    T = z.dtype.type
    b_n, hsz = c_prev.shape
    for b in range(b_n):
        zi, zf = z[b, :hsz], z[b, hsz:2 * hsz]
        zg, zo = z[b, 2 * hsz:3 * hsz], z[b, 3 * hsz:]
        ai, af = act[b, :hsz], act[b, hsz:2 * hsz]
        ag, ao = act[b, 2 * hsz:3 * hsz], act[b, 3 * hsz:]
        cp, hb, cb = c_prev[b], h[b], c[b]
        for k in range(hsz):
            i = _fsig(zi[k], T)
            f = _fsig(zf[k], T)
            g = _ftanh(zg[k], T)
            o = _fsig(zo[k], T)
            cc = f * cp[k] + i * g
            cb[k] = cc
            hb[k] = o * _ftanh(cc, T)
            ai[k] = i
            af[k] = f
            ag[k] = g
            ao[k] = o


def lstm_cell_forward(z: np.ndarray, c_prev: np.ndarray,
                      out: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One LSTM step: returns (h, c, act), written into ``out`` when given (contiguous)."""
    h, c, act = out if out is not None else (np.empty_like(c_prev), np.empty_like(c_prev),
                                            np.empty_like(z))
    _lstm_cell_forward_nb(np.ascontiguousarray(z), np.ascontiguousarray(c_prev), h, c, act)
    return h, c, act


def lstm_cell_backward_ref(act: np.ndarray, c: np.ndarray, c_prev: np.ndarray, dh: np.ndarray,
                           dc: np.ndarray, dz: np.ndarray | None = None
                           ) -> tuple[np.ndarray, np.ndarray]:
    """(dz, dc_prev) of one LSTM step, given the gradients reaching its h and c; dz may be a
    preallocated output row."""
    hsz = c.shape[1]
    i, f, g, o = act[:, :hsz], act[:, hsz:2 * hsz], act[:, 2 * hsz:3 * hsz], act[:, 3 * hsz:]
    tc = np.tanh(c)
    dct = dc + dh * o * (1 - tc * tc)
    grad = np.concatenate([dct * g * i * (1 - i), dct * c_prev * f * (1 - f),
                           dct * i * (1 - g * g), dh * tc * o * (1 - o)], axis=1)
    dc_prev = (dct * f).astype(c.dtype)
    if dz is None:
        return grad.astype(c.dtype), dc_prev
    dz[...] = grad
    return dz, dc_prev


@njit(cache=True, fastmath=True, error_model="numpy", nogil=True)
def _lstm_cell_backward_nb(act, c, c_prev, dh, dc, dz, dc_prev):
    T = c.dtype.type
    one = T(1)
    b_n, hsz = c.shape
    for b in range(b_n):
        ai, af = act[b, :hsz], act[b, hsz:2 * hsz]
        ag, ao = act[b, 2 * hsz:3 * hsz], act[b, 3 * hsz:]
        di, df = dz[b, :hsz], dz[b, hsz:2 * hsz]
        dg, do = dz[b, 2 * hsz:3 * hsz], dz[b, 3 * hsz:]
        cb, cp, dhb, dcb, dcp = c[b], c_prev[b], dh[b], dc[b], dc_prev[b]
        for k in range(hsz):
            i = ai[k]
            f = af[k]
            g = ag[k]
            o = ao[k]
            tc = _ftanh(cb[k], T)
            dct = dcb[k] + dhb[k] * o * (one - tc * tc)
            di[k] = dct * g * i * (one - i)
            df[k] = dct * cp[k] * f * (one - f)
            dg[k] = dct * i * (one - g * g)
            do[k] = dhb[k] * tc * o * (one - o)
            dcp[k] = dct * f


def lstm_cell_backward(act: np.ndarray, c: np.ndarray, c_prev: np.ndarray, dh: np.ndarray,
                       dc: np.ndarray, dz: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Backward of one LSTM step: (dz, dc_prev); dz may be a preallocated output row."""
    if dz is None:
        dz = np.empty_like(act)
    dc_prev = np.empty_like(c)
    _lstm_cell_backward_nb(act, np.ascontiguousarray(c), np.ascontiguousarray(c_prev),
                           np.ascontiguousarray(dh), np.ascontiguousarray(dc), dz, dc_prev)
    return dz, dc_prev
