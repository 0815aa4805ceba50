"""Reductions: sum and max, the numba kernels beside the numpy references (``*_ref``).

Reducing the last axis of an array (per-row sums / maxes: softmax, the losses) runs a
kernel over rows with a local accumulator per row; everything else goes to numpy, whose
pairwise/SIMD reductions are as fast as a hand-written loop there.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from . import tuning
from ._fastmath import fmaximum
from ._jit import FLOATS, driver, kernel, rows_per_chunk, run

_th = tuning.thresholds


def sum_ref(x: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:  # noqa: A001
    return np.sum(x, axis=axis, keepdims=keepdims)


def max_ref(x: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:  # noqa: A001
    return np.max(x, axis=axis, keepdims=keepdims)


# ----------------------------------------------------------------------------- reductions
# Reducing the last axis of a C-contiguous array (the common case: per-row sums / maxes)
# runs a parallel-over-rows kernel with a local accumulator per row. Everything else
# (axis=None, leading axes, tuples) goes to numpy, whose pairwise/SIMD reductions are as
# fast as a hand-written loop there.


@kernel
def _rowsum_k(x, out, r0, r1):
    n = x.shape[1]
    for i in range(r0, r1):
        acc = x.dtype.type(0)
        for j in range(n):
            acc += x[i, j]
        out[i] = acc


@driver
def _rowsum_p(x, out, rows):
    m = x.shape[0]
    for c in prange((m + rows - 1) // rows):
        _rowsum_k(x, out, c * rows, min(m, (c + 1) * rows))


@kernel
def _rowmax_k(x, out, r0, r1):
    n = x.shape[1]
    for i in range(r0, r1):
        acc = x[i, 0]
        for j in range(1, n):
            acc = fmaximum(acc, x[i, j])  # vectorises; NaN propagates as in np.max
        out[i] = acc


@driver
def _rowmax_p(x, out, rows):
    m = x.shape[0]
    for c in prange((m + rows - 1) // rows):
        _rowmax_k(x, out, c * rows, min(m, (c + 1) * rows))


def _last_axis(x: np.ndarray, axis) -> bool:
    if isinstance(axis, tuple):
        if len(axis) != 1:
            return False
        axis = axis[0]
    if not isinstance(axis, (int, np.integer)) or x.ndim < 2 or axis not in (-1, x.ndim - 1):
        return False
    return x.shape[-1] != 0 and x.dtype in FLOATS


def _reduce_rows(x, keepdims, ser, par):
    x2 = np.ascontiguousarray(x).reshape(-1, x.shape[-1])
    out = np.empty(x2.shape[0], dtype=x.dtype)
    run(ser, par, (x2, out), x2.shape[0], x2.size, _th().par_min_reduce,
        rows_per_chunk(x2.shape[1]))
    shape = x.shape[:-1] + ((1,) if keepdims else ())
    return out.reshape(shape)


def sum(x: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:  # noqa: A001
    if _last_axis(x, axis):
        return _reduce_rows(x, keepdims, _rowsum_k, _rowsum_p)
    return np.sum(x, axis=axis, keepdims=keepdims)


def max(x: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:  # noqa: A001
    if _last_axis(x, axis):
        return _reduce_rows(x, keepdims, _rowmax_k, _rowmax_p)
    return np.max(x, axis=axis, keepdims=keepdims)

