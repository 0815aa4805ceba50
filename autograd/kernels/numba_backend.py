"""numba backend: jitted, fused kernels with the same API as ``numpy_backend``.

Conventions: kernels are ``@njit(cache=True)`` and compile lazily (float32 and float64
only: arrays are made 1-D/2-D C-contiguous outside the kernels, so layout never adds
signatures). Element-wise kernels come as a serial chunk kernel ``_k(x, ..., lo, hi)`` and
a ``parallel=True`` driver that runs chunks in ``prange``; arrays smaller than a measured
threshold (``PAR_MIN`` and friends below) run the serial kernel directly (no thread
hand-off). Views are always taken outside parallel functions (numba 0.68.1 lost writes
through views made inside one).
Where numpy is as fast (general broadcasting, reductions other than the last axis), this
backend calls numpy and says so.

Two rules keep the loops vectorised (checked in tests/test_kernels.py by reading the asm):
``error_model="numpy"`` everywhere (numba's default python error model tests every float
division for a zero divisor and raises, a branch that stops LLVM vectorising: fused sigmoid
ran at 4-9 ms per 1e6 float32 instead of 0.24 ms), and 1-D chunk loops index with unsigned
``range(_u(lo), _u(hi))`` (a signed index may be negative, so numba adds a wraparound
select per element and LLVM falls back to gather/scatter: relu 1.3-1.9 ms vs 0.09 ms).
"""

from __future__ import annotations

import builtins
import math

import numba
import numpy as np
from numba import njit, prange

from . import numpy_backend as _ref
from ._fastmath import ferfc, fexp, fmaximum
from ._matmul import MIN_FLOPS, matmul2d, use_kernel

_bmax = builtins.max  # this module defines max() (the reduction)
ACTIVATIONS = _ref.ACTIVATIONS
_FM = {"contract", "arcp", "nsz", "reassoc", "afn"}  # no nnan/ninf: NaN and inf propagate
_u = np.uint64  # unsigned loop bounds: no negative-index wraparound, so loops vectorise
# Serial/parallel thresholds in elements, measured with 2 threads (numba's omp layer) on
# the 2-core test machine: serial kernel vs parallel driver, medians of 5 interleaved
# rounds. A parallel region costs ~1.5-2 us, so the break-even depends on the work per
# element (float32, serial us / parallel us):
#   cheap loops (relu, add, bias+relu):  32768: 3.5/4.0   65536: 3.8/4.4   131072: 17/9
#   optimizer updates (sgd, adam):       32768: 5.8/5.4, 7.7/7.4          131072: 19/12
#   exp/erfc loops (sigmoid, tanh, gelu, softmax-xent): 8192: 10.7/10.1 (gelu bwd)
#                                        16384: 4.7/4.3 (sigmoid)  32768: 27.6/16.9 (gelu bwd)
#   row sums:                            131072: 4.4/4.8   524288: 24.5/13.7
# With one thread the serial kernel always runs.
PAR_MIN = 1 << 17  # cheap element-wise loops
PAR_MIN_EXP = 1 << 14  # loops that evaluate exp/erfc per element
PAR_MIN_OPT = 1 << 16  # fused optimizer updates (3-5 streams per element)
PAR_MIN_REDUCE = 1 << 18  # last-axis reductions
_CHUNK = 1 << 14  # chunk size made no measurable difference between 2^12 and 2^16
_EXP_FWD = (3, 4, 5)  # activation codes whose forward needs exp: sigmoid, tanh, gelu
_EXP_BWD = (5,)  # and whose backward does: gelu


# Below these sizes numpy's own ufuncs beat a call into numba, which costs ~2.5-3.5 us of
# fixed overhead (wrapper + dispatcher); measured 1 thread, float32, us numba / numpy:
#   tanh backward      16: 3.8/2.1    4096: 4.0/3.4    16384: 5.0/6.0
#   add (same shape)   16: 2.7/0.6   65536: 6.4/5.0    (numba wins only in parallel)
#   row-broadcast mul  4096: 3.8/3.1  16384: 6.4/8.3
#   sgd, no momentum   4096: 3.7/2.5  16384: 4.5/3.9   65536: 8.6/11.8
#   sgd, momentum       256: 3.7/3.9   1024: 4.0/4.7
# This is what keeps the tiny nets (2-16-16-1 on 100 points) at numpy's speed. GELU stays
# on numba at every size: numpy has no fast erf.
SMALL_ACT = 1 << 12  # activations forward and backward
SMALL_BINARY = 1 << 13  # binary ops; same-shape ones stay on numpy up to PAR_MIN
SMALL_SGD = 1 << 14  # plain SGD (with momentum: SMALL_SGD_MOMENTUM)
SMALL_SGD_MOMENTUM = 1 << 9


def _serial(size: int, lim: int) -> bool:
    return size < lim or numba.get_num_threads() == 1
_ACT_CODE = {name: i for i, name in enumerate(ACTIVATIONS)}
_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _c(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x).reshape(-1)


# ----------------------------------------------------------------------------- matmul


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` with numpy's semantics.

    2-D float32/float64 products (and each slice of a batched product) large enough for
    the packed kernel in ``_matmul.py`` to win run it; the rest go to numpy's BLAS, which
    was faster there in the same process (the measurements are in ``_matmul.py``: below
    ~2 MFLOP or with N < 32, e.g. the 784-256-10 MLP's output layer, BLAS wins).
    """
    if a.ndim == 2 and b.ndim == 2 and 2 * a.shape[0] * a.shape[1] * b.shape[1] < MIN_FLOPS:
        return np.matmul(a, b)  # small: BLAS, without the checks below
    if (
        a.ndim < 2
        or b.ndim < 2
        or a.dtype != b.dtype
        or a.dtype not in (np.float32, np.float64)
        or a.shape[-1] != b.shape[-2]
        or not use_kernel(a.shape[-2], a.shape[-1], b.shape[-1], a.dtype)
    ):
        return np.matmul(a, b)  # also numpy's 1-D rules and its shape-mismatch error
    if a.ndim == 2 and b.ndim == 2:
        return matmul2d(a, b)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    ab = np.broadcast_to(a, batch + a.shape[-2:])
    bb = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.empty(batch + (a.shape[-2], b.shape[-1]), dtype=a.dtype)
    for idx in np.ndindex(*batch):
        matmul2d(ab[idx], bb[idx], out=out[idx])
    return out


# ----------------------------------------------------------------------------- activations
# act codes: 0 none, 1 relu, 2 leaky_relu, 3 sigmoid, 4 tanh, 5 gelu


@njit(fastmath=_FM, cache=True, inline="always", error_model="numpy")
def _act_fwd(v, code, slope, T):
    one = T(1)
    if code == 1:
        return T(0) if v <= 0 else v  # NaN propagates, as np.maximum does
    if code == 2:
        return v * slope if v <= 0 else v
    if code == 3:
        e = fexp(-abs(v))
        r = one / (one + e)
        return r if v >= 0 else e * r
    if code == 4:
        e = fexp(-(abs(v) + abs(v)))
        t = (one - e) / (one + e)
        return t if v >= 0 else -t
    if code == 5:
        return v * (T(0.5) * ferfc(-v * T(_SQRT1_2)))
    return v


@njit(fastmath=_FM, cache=True, inline="always", error_model="numpy")
def _act_bwd(u, gv, code, slope, T):
    """u is the pre-activation for relu/leaky_relu/gelu and the output for sigmoid/tanh."""
    one = T(1)
    if code == 1:
        return gv if u > 0 else T(0)
    if code == 2:
        return gv if u > 0 else gv * slope
    if code == 3:
        return gv * u * (one - u)
    if code == 4:
        return gv * (one - u * u)
    if code == 5:
        cdf = T(0.5) * ferfc(-u * T(_SQRT1_2))
        pdf = fexp(u * u * T(-0.5)) * T(_INV_SQRT_2PI)
        return gv * (cdf + u * pdf)
    return gv


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _fwd_k(x, out, code, slope, lo, hi):
    s = x.dtype.type(slope)
    # one loop per activation, so each loop body is branch-free and vectorises
    if code == 0:
        for i in range(_u(lo), _u(hi)):
            out[i] = _act_fwd(x[i], 0, s, x.dtype.type)
    elif code == 1:
        for i in range(_u(lo), _u(hi)):
            out[i] = _act_fwd(x[i], 1, s, x.dtype.type)
    elif code == 2:
        for i in range(_u(lo), _u(hi)):
            out[i] = _act_fwd(x[i], 2, s, x.dtype.type)
    elif code == 3:
        for i in range(_u(lo), _u(hi)):
            out[i] = _act_fwd(x[i], 3, s, x.dtype.type)
    elif code == 4:
        for i in range(_u(lo), _u(hi)):
            out[i] = _act_fwd(x[i], 4, s, x.dtype.type)
    elif code == 5:
        for i in range(_u(lo), _u(hi)):
            out[i] = _act_fwd(x[i], 5, s, x.dtype.type)


@njit(fastmath=_FM, cache=True, parallel=True, error_model="numpy")
def _fwd_p(x, out, code, slope, chunk):
    n = x.size
    for c in prange((n + chunk - 1) // chunk):
        _fwd_k(x, out, code, slope, c * chunk, min(n, (c + 1) * chunk))


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _bwd_k(u, g, out, code, slope, lo, hi):
    s = u.dtype.type(slope)
    if code == 0:
        for i in range(_u(lo), _u(hi)):
            out[i] = _act_bwd(u[i], g[i], 0, s, u.dtype.type)
    elif code == 1:
        for i in range(_u(lo), _u(hi)):
            out[i] = _act_bwd(u[i], g[i], 1, s, u.dtype.type)
    elif code == 2:
        for i in range(_u(lo), _u(hi)):
            out[i] = _act_bwd(u[i], g[i], 2, s, u.dtype.type)
    elif code == 3:
        for i in range(_u(lo), _u(hi)):
            out[i] = _act_bwd(u[i], g[i], 3, s, u.dtype.type)
    elif code == 4:
        for i in range(_u(lo), _u(hi)):
            out[i] = _act_bwd(u[i], g[i], 4, s, u.dtype.type)
    elif code == 5:
        for i in range(_u(lo), _u(hi)):
            out[i] = _act_bwd(u[i], g[i], 5, s, u.dtype.type)


@njit(fastmath=_FM, cache=True, parallel=True, error_model="numpy")
def _bwd_p(u, g, out, code, slope, chunk):
    n = u.size
    for c in prange((n + chunk - 1) // chunk):
        _bwd_k(u, g, out, code, slope, c * chunk, min(n, (c + 1) * chunk))


def _act(code: int, x: np.ndarray, slope: float = 0.01) -> np.ndarray:
    if x.size < SMALL_ACT and code != 5:
        fn = getattr(_ref, ACTIVATIONS[code])
        return fn(x, slope) if code == 2 else fn(x)
    xf = _c(x)
    out = np.empty_like(xf)
    if _serial(xf.size, PAR_MIN_EXP if code in _EXP_FWD else PAR_MIN):
        _fwd_k(xf, out, code, float(slope), 0, xf.size)
    else:
        _fwd_p(xf, out, code, float(slope), _CHUNK)
    return out.reshape(x.shape)


def _bwd(code: int, u: np.ndarray, g: np.ndarray, slope: float = 0.01) -> np.ndarray:
    if g.size < SMALL_ACT and code != 5:
        return _ref.act_backward(ACTIVATIONS[code], u, g, slope)
    if u.shape != g.shape:
        u, g = np.broadcast_arrays(u, g)
    dt = np.result_type(u.dtype, g.dtype)
    uf = _c(u.astype(dt, copy=False))
    gf = _c(g.astype(dt, copy=False))
    out = np.empty_like(gf)
    if _serial(uf.size, PAR_MIN_EXP if code in _EXP_BWD else PAR_MIN):
        _bwd_k(uf, gf, out, code, float(slope), 0, uf.size)
    else:
        _bwd_p(uf, gf, out, code, float(slope), _CHUNK)
    return out.reshape(u.shape)


def relu(x):
    return _act(1, x)


def relu_backward(x, g):
    """Gradient of relu given the pre-activation ``x``."""
    return _bwd(1, x, g)


def leaky_relu(x, slope=0.01):
    return _act(2, x, slope)


def leaky_relu_backward(x, g, slope=0.01):
    return _bwd(2, x, g, slope)


def sigmoid(x):
    """Stable logistic sigmoid (only exp(-|x|) is evaluated)."""
    return _act(3, x)


def sigmoid_backward(y, g):
    """Gradient of sigmoid given its OUTPUT ``y``."""
    return _bwd(3, y, g)


def tanh(x):
    return _act(4, x)


def tanh_backward(y, g):
    """Gradient of tanh given its OUTPUT ``y``."""
    return _bwd(4, y, g)


def gelu(x):
    """Exact GELU x * Phi(x) (erf form, PyTorch's default)."""
    return _act(5, x)


def gelu_backward(x, g):
    """Gradient of exact GELU given the pre-activation ``x``."""
    return _bwd(5, x, g)


def _check_act(act: str) -> int:
    code = _ACT_CODE.get(act)
    if code is None:
        raise ValueError(f"unknown activation {act!r}; expected one of {ACTIVATIONS}")
    return code


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _bias_act_k(z, b, out, code, slope, r0, r1):
    s = z.dtype.type(slope)
    n = z.shape[1]
    if code == 0:
        for i in range(r0, r1):
            for j in range(n):
                out[i, j] = _act_fwd(z[i, j] + b[j], 0, s, z.dtype.type)
    elif code == 1:
        for i in range(r0, r1):
            for j in range(n):
                out[i, j] = _act_fwd(z[i, j] + b[j], 1, s, z.dtype.type)
    elif code == 2:
        for i in range(r0, r1):
            for j in range(n):
                out[i, j] = _act_fwd(z[i, j] + b[j], 2, s, z.dtype.type)
    elif code == 3:
        for i in range(r0, r1):
            for j in range(n):
                out[i, j] = _act_fwd(z[i, j] + b[j], 3, s, z.dtype.type)
    elif code == 4:
        for i in range(r0, r1):
            for j in range(n):
                out[i, j] = _act_fwd(z[i, j] + b[j], 4, s, z.dtype.type)
    elif code == 5:
        for i in range(r0, r1):
            for j in range(n):
                out[i, j] = _act_fwd(z[i, j] + b[j], 5, s, z.dtype.type)


@njit(fastmath=_FM, cache=True, parallel=True, error_model="numpy")
def _bias_act_p(z, b, out, code, slope, rows):
    m = z.shape[0]
    for c in prange((m + rows - 1) // rows):
        _bias_act_k(z, b, out, code, slope, c * rows, min(m, (c + 1) * rows))


def bias_act(z: np.ndarray, b: np.ndarray, act: str = "none", slope: float = 0.01) -> np.ndarray:
    """``act(z + b)``, b broadcast over the last axis of 2-D z, in one fused pass."""
    code = _check_act(act)
    if z.ndim != 2 or b.shape != (z.shape[1],) or b.dtype != z.dtype:
        return _ref.bias_act(z, b, act, slope)
    zc = np.ascontiguousarray(z)
    bc = np.ascontiguousarray(b)
    out = np.empty_like(zc)
    m, n = zc.shape
    if _serial(zc.size, PAR_MIN_EXP if code in _EXP_FWD else PAR_MIN):
        _bias_act_k(zc, bc, out, code, float(slope), 0, m)
    else:
        _bias_act_p(zc, bc, out, code, float(slope), _bmax(1, _CHUNK // _bmax(n, 1)))
    return out


def act_backward(act: str, x_or_y: np.ndarray, g: np.ndarray, slope: float = 0.01) -> np.ndarray:
    """Backward of the named activation.

    relu / leaky_relu / gelu take the PRE-activation x; sigmoid / tanh take the OUTPUT y;
    "none" returns ``g`` itself (no copy).
    """
    code = _check_act(act)
    if code == 0:
        return g
    return _bwd(code, x_or_y, g, slope)


# ----------------------------------------------------------------------------- binary
# op codes: 0 add, 1 sub, 2 mul, 3 div. Same-shape and row-vector (b over the last axis)
# cases run fused kernels; any other broadcast goes to numpy (equally fast there).


@njit(fastmath=_FM, cache=True, inline="always", error_model="numpy")
def _binop(x, y, op):
    if op == 0:
        return x + y
    if op == 1:
        return x - y
    if op == 2:
        return x * y
    return x / y


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _bin_k(a, b, out, op, lo, hi):
    for i in range(_u(lo), _u(hi)):
        out[i] = _binop(a[i], b[i], op)


@njit(fastmath=_FM, cache=True, parallel=True, error_model="numpy")
def _bin_p(a, b, out, op, chunk):
    n = a.size
    for c in prange((n + chunk - 1) // chunk):
        _bin_k(a, b, out, op, c * chunk, min(n, (c + 1) * chunk))


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _binrow_k(a, b, out, op, r0, r1):
    n = a.shape[1]
    for i in range(r0, r1):
        for j in range(n):
            out[i, j] = _binop(a[i, j], b[j], op)


@njit(fastmath=_FM, cache=True, parallel=True, error_model="numpy")
def _binrow_p(a, b, out, op, rows):
    m = a.shape[0]
    for c in prange((m + rows - 1) // rows):
        _binrow_k(a, b, out, op, c * rows, min(m, (c + 1) * rows))


_NP_BIN = (np.add, np.subtract, np.multiply, np.divide)


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _binsc_k(a, s, out, op, lo, hi):
    v = a.dtype.type(s)
    for i in range(_u(lo), _u(hi)):
        out[i] = _binop(a[i], v, op)


@njit(fastmath=_FM, cache=True, parallel=True, error_model="numpy")
def _binsc_p(a, s, out, op, chunk):
    n = a.size
    for c in prange((n + chunk - 1) // chunk):
        _binsc_k(a, s, out, op, c * chunk, min(n, (c + 1) * chunk))


def _binary(op: int, a0, b0):
    if (a0.size if isinstance(a0, np.ndarray) else 1) < SMALL_BINARY and (
            b0.size if isinstance(b0, np.ndarray) else 1) < SMALL_BINARY:
        return _NP_BIN[op](a0, b0)
    a = np.asarray(a0)
    b = np.asarray(b0)
    if a.dtype not in (np.float32, np.float64) or a.ndim == 0:
        return _NP_BIN[op](a0, b0)  # the original objects: numpy's scalar-promotion rules
    if b.ndim == 0:  # array (op) scalar, e.g. x * 0.7: only when the result keeps a's dtype
        if b.dtype.kind not in "biuf" or np.result_type(a0, b0) != a.dtype:
            return _NP_BIN[op](a0, b0)
        af = _c(a)
        out = np.empty_like(af)
        if _serial(af.size, PAR_MIN):
            _binsc_k(af, float(b), out, op, 0, af.size)
        else:
            _binsc_p(af, float(b), out, op, _CHUNK)
        return out.reshape(a.shape)
    if a.dtype != b.dtype:
        return _NP_BIN[op](a0, b0)
    if a.shape == b.shape:
        if a.size < PAR_MIN:
            return _NP_BIN[op](a0, b0)
        af, bf = _c(a), _c(b)
        out = np.empty_like(af)
        if _serial(af.size, PAR_MIN):
            _bin_k(af, bf, out, op, 0, af.size)
        else:
            _bin_p(af, bf, out, op, _CHUNK)
        return out.reshape(a.shape)
    if b.ndim == 1 and a.ndim >= 2 and b.shape[0] == a.shape[-1]:
        a2 = np.ascontiguousarray(a).reshape(-1, a.shape[-1])
        bc = np.ascontiguousarray(b)
        out = np.empty_like(a2)
        if _serial(a2.size, PAR_MIN):
            _binrow_k(a2, bc, out, op, 0, a2.shape[0])
        else:
            _binrow_p(a2, bc, out, op, _bmax(1, _CHUNK // _bmax(a2.shape[1], 1)))
        return out.reshape(a.shape)
    return _NP_BIN[op](a0, b0)


def add(a, b):
    return _binary(0, a, b)


def sub(a, b):
    return _binary(1, a, b)


def mul(a, b):
    return _binary(2, a, b)


def div(a, b):
    return _binary(3, a, b)


# ----------------------------------------------------------------------------- reductions
# Reducing the last axis of a C-contiguous array (the common case: per-row sums / maxes)
# runs a parallel-over-rows kernel with a local accumulator per row. Everything else
# (axis=None, leading axes, tuples) goes to numpy, whose pairwise/SIMD reductions are as
# fast as a hand-written loop there.


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _rowsum_k(x, out, r0, r1):
    n = x.shape[1]
    for i in range(r0, r1):
        acc = x.dtype.type(0)
        for j in range(n):
            acc += x[i, j]
        out[i] = acc


@njit(fastmath=_FM, cache=True, parallel=True, error_model="numpy")
def _rowsum_p(x, out, rows):
    m = x.shape[0]
    for c in prange((m + rows - 1) // rows):
        _rowsum_k(x, out, c * rows, min(m, (c + 1) * rows))


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _rowmax_k(x, out, r0, r1):
    n = x.shape[1]
    for i in range(r0, r1):
        acc = x[i, 0]
        for j in range(1, n):
            acc = fmaximum(acc, x[i, j])  # vectorises; NaN propagates as in np.max
        out[i] = acc


@njit(fastmath=_FM, cache=True, parallel=True, error_model="numpy")
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
    return x.shape[-1] != 0 and x.dtype in (np.float32, np.float64)


def _reduce_rows(x, keepdims, ser, par):
    x2 = np.ascontiguousarray(x).reshape(-1, x.shape[-1])
    out = np.empty(x2.shape[0], dtype=x.dtype)
    if _serial(x2.size, PAR_MIN_REDUCE):
        ser(x2, out, 0, x2.shape[0])
    else:
        par(x2, out, _bmax(1, _CHUNK // x2.shape[1]))
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


# ----------------------------------------------------------------------------- softmax + xent


@njit(fastmath=_FM, cache=True, error_model="numpy")
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


@njit(fastmath=_FM, cache=True, parallel=True, error_model="numpy")
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
    if _serial(z.size, PAR_MIN_EXP):
        _xent_k(z, lab, loss, probs, float(smoothing), 0, n)
    else:
        _xent_p(z, lab, loss, probs, float(smoothing), _bmax(1, _CHUNK // _bmax(c, 1)))
    return loss, probs


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _xent_bwd_k(probs, labels, g, out, s, r0, r1):
    c = probs.shape[1]
    T = probs.dtype.type
    off = T(s) / c
    for i in range(r0, r1):
        gi = g[i]
        for j in range(c):
            out[i, j] = (probs[i, j] - off) * gi
        out[i, labels[i]] -= (T(1) - T(s)) * gi


@njit(fastmath=_FM, cache=True, parallel=True, error_model="numpy")
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
    if _serial(p.size, PAR_MIN):
        _xent_bwd_k(p, lab, gg, out, float(smoothing), 0, n)
    else:
        _xent_bwd_p(p, lab, gg, out, float(smoothing), _bmax(1, _CHUNK // _bmax(c, 1)))
    return out


# ----------------------------------------------------------------------------- optimizers
# In place on p (and the state arrays). Parameters are usually contiguous; anything else
# (or a mismatched dtype) goes to the numpy reference, which is also in place.


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _sgd_k(p, g, buf, lr, mom, damp, nesterov, wd, first, lo, hi):
    T = p.dtype.type
    lr, mom, damp, wd = T(lr), T(mom), T(damp), T(wd)
    for i in range(_u(lo), _u(hi)):
        d = g[i] + wd * p[i]
        if mom != 0:
            bv = d if first else mom * buf[i] + (T(1) - damp) * d
            buf[i] = bv
            d = d + mom * bv if nesterov else bv
        p[i] -= lr * d


@njit(fastmath=_FM, cache=True, parallel=True, error_model="numpy")
def _sgd_p(p, g, buf, lr, mom, damp, nesterov, wd, first, chunk):
    n = p.size
    for c in prange((n + chunk - 1) // chunk):
        _sgd_k(p, g, buf, lr, mom, damp, nesterov, wd, first, c * chunk, min(n, (c + 1) * chunk))


def _flat_inplace(*arrs) -> bool:
    a0 = arrs[0]
    return all(
        a is not None and a.flags.c_contiguous and a.dtype == a0.dtype and a.shape == a0.shape
        for a in arrs
    ) and a0.dtype in (np.float32, np.float64)


def sgd_update(p, g, buf, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0,
               first=False) -> None:
    """torch.optim.SGD's step for one parameter, fused, in place on p (and buf)."""
    use_buf = momentum != 0
    if p.size < (SMALL_SGD_MOMENTUM if use_buf else SMALL_SGD) or not _flat_inplace(
            p, g, *((buf,) if use_buf else ())):
        return _ref.sgd_update(p, g, buf, lr, momentum, dampening, nesterov, weight_decay, first)
    pf, gf = p.reshape(-1), g.reshape(-1)
    bf = buf.reshape(-1) if use_buf else pf[:0]
    args = (float(lr), float(momentum), float(dampening), bool(nesterov), float(weight_decay),
            bool(first))
    if _serial(pf.size, PAR_MIN_OPT):
        _sgd_k(pf, gf, bf, *args, 0, pf.size)
    else:
        _sgd_p(pf, gf, bf, *args, _CHUNK)


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _adam_k(p, g, m, v, vmax, lr, b1, b2, eps, wd, bc1, bc2, decoupled, amsgrad, lo, hi):
    T = p.dtype.type
    b1, b2, eps, wd = T(b1), T(b2), T(eps), T(wd)
    decay = T(1.0 - lr * wd) if decoupled else T(1)
    gwd = T(0) if decoupled else wd
    step = T(lr / bc1)
    rs = T(1.0 / math.sqrt(bc2))
    for i in range(_u(lo), _u(hi)):
        pv = p[i] * decay
        gv = g[i] + gwd * p[i]
        mv = b1 * m[i] + (T(1) - b1) * gv
        vv = b2 * v[i] + (T(1) - b2) * gv * gv
        m[i] = mv
        v[i] = vv
        if amsgrad:
            vm = vmax[i] if vmax[i] > vv else vv
            vmax[i] = vm
            vv = vm
        p[i] = pv - step * mv / (np.sqrt(vv) * rs + eps)


@njit(fastmath=_FM, cache=True, parallel=True, error_model="numpy")
def _adam_p(p, g, m, v, vmax, lr, b1, b2, eps, wd, bc1, bc2, decoupled, amsgrad, chunk):
    n = p.size
    for c in prange((n + chunk - 1) // chunk):
        _adam_k(p, g, m, v, vmax, lr, b1, b2, eps, wd, bc1, bc2, decoupled, amsgrad,
                c * chunk, min(n, (c + 1) * chunk))


def adam_update(p, g, m, v, vmax, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
                step=1, decoupled=False, amsgrad=False) -> None:
    """torch.optim.Adam / AdamW (decoupled=True) step for one parameter, fused, in place."""
    if not _flat_inplace(p, g, m, v, *((vmax,) if amsgrad else ())):
        return _ref.adam_update(p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, step,
                                decoupled, amsgrad)
    pf = p.reshape(-1)
    vm = vmax.reshape(-1) if amsgrad else pf[:0]
    bc1 = 1.0 - float(beta1) ** step
    bc2 = 1.0 - float(beta2) ** step
    args = (pf, g.reshape(-1), m.reshape(-1), v.reshape(-1), vm, float(lr), float(beta1),
            float(beta2), float(eps), float(weight_decay), bc1, bc2, bool(decoupled),
            bool(amsgrad))
    if _serial(pf.size, PAR_MIN_OPT):
        _adam_k(*args, 0, pf.size)
    else:
        _adam_p(*args, _CHUNK)


__all__ = [
    "matmul", "relu", "relu_backward", "leaky_relu", "leaky_relu_backward", "sigmoid",
    "sigmoid_backward", "tanh", "tanh_backward", "gelu", "gelu_backward", "bias_act",
    "act_backward", "add", "sub", "mul", "div", "sum", "max", "softmax_xent",
    "softmax_xent_backward", "sgd_update", "adam_update", "numba",
]
