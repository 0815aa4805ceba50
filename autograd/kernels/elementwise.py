"""Element-wise kernels: activations (forward, backward, bias + activation) and the four
binary arithmetic ops, each numba kernel beside its numpy reference (``*_ref``).

The numpy references are the specification the numba kernels are tested against; they take
and return plain ndarrays and keep the input dtype (scalars are passed as Python floats,
which numpy treats as "weak" and never upcasts with).

The numba versions fuse what numpy does in several passes (``act(z + b)``, the backward of
each activation) and hand small arrays to the reference: a call into numba costs ~3 us of
fixed overhead (the cut-offs are ``tuning.thresholds().small_*``). GELU stays on numba at
every size: numpy has no fast erf. Same-shape and row-vector (b over the last axis) binary
ops run fused kernels; any other broadcast goes to numpy (equally fast there).
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from . import tuning
from ._fastmath import ferfc, fexp
from ._jit import FLOATS, U, driver, flat, kernel, rows_per_chunk, run

_th = tuning.thresholds


ACTIVATIONS = ("none", "relu", "leaky_relu", "sigmoid", "tanh", "gelu")

# ----------------------------------------------------------------------------- erfc
# numpy has no erf; GELU needs one. Taylor series of erf for |z| < 2 (little cancellation
# there), a continued fraction for erfc in the tails (so Phi(x) keeps its relative accuracy
# far out on the negative side). Worst relative error ~5e-14 in float64.

_ERF_TAYLOR = [(-1) ** k / (math.factorial(k) * (2 * k + 1)) for k in range(40)][::-1]


def _erf_series(zs: np.ndarray) -> np.ndarray:
    """erf by its Taylor series (float64; accurate for |z| < 2)."""
    z2 = zs * zs
    s = np.zeros_like(zs)
    for c in _ERF_TAYLOR:
        s = s * z2 + c
    return (2.0 / math.sqrt(math.pi)) * zs * s


def erf_ref(z: np.ndarray) -> np.ndarray:
    """erf in float64: the series near 0 (full relative accuracy there), 1 - erfc beyond.
    The one numpy erf of the codebase (Tensor erf, erfinv's Newton steps)."""
    z = np.asarray(z, dtype=np.float64)
    small = np.abs(z) < 2.0
    out = np.empty_like(z)
    out[small] = _erf_series(z[small])
    big = ~small
    out[big] = 1.0 - _erfc(z[big])
    return out


def _erfc(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    az = np.abs(z)
    small = az < 2.0
    out[small] = 1.0 - _erf_series(z[small])
    big = ~small
    zb = az[big]
    t = np.zeros_like(zb)
    for k in range(60, 0, -1):
        t = (0.5 * k) / (zb + t)
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        tail = np.exp(-zb * zb) / math.sqrt(math.pi) / (zb + t)
    tail = np.where(np.isinf(zb), 0.0, tail)
    out[big] = np.where(z[big] > 0, tail, 2.0 - tail)
    return out


erfc_ref = _erfc  # erfc in float64, relative accuracy kept far into the right tail


def _phi_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF, Phi(x) = erfc(-x / sqrt 2) / 2, computed in float64."""
    return 0.5 * _erfc(-np.asarray(x, dtype=np.float64) * (1.0 / math.sqrt(2.0)))


# ----------------------------------------------------------------------------- activations: numpy


def relu_ref(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def select(cond: np.ndarray, a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """``np.where(cond, a, b)`` (``b`` None: 0) for a float array ``a`` and ``b`` of a's
    dtype, branch-free: the bits of ``a`` and ``b`` masked by ``cond`` widened to all-ones.

    np.where takes a branch per element, which a random mask mispredicts half the time:
    relu's backward on 32768 float32 took 110-117 us with it and 13 us this way (numpy 2.4,
    Intel Xeon, AVX-512). Other dtypes, 0-d and broadcasting shapes go to np.where.
    """
    a, cond = np.asarray(a), np.asarray(cond)
    if (a.dtype.kind != "f" or a.ndim == 0 or cond.shape != a.shape
            or (b is not None and (np.shape(b) != a.shape or np.asarray(b).dtype != a.dtype))):
        return np.where(cond, a, 0 if b is None else b).astype(a.dtype, copy=False)
    it = np.dtype(f"u{a.dtype.itemsize}")
    m = cond.astype(it)
    np.negative(m, out=m)  # 0 -> 0, 1 -> all bits set
    out = np.bitwise_and(a.view(it), m)
    if b is not None:
        np.invert(m, out=m)
        np.bitwise_and(np.asarray(b).view(it), m, out=m)
        np.bitwise_or(out, m, out=out)
    return out.view(a.dtype)


def relu_backward_ref(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Gradient of relu given the pre-activation ``x`` (subgradient 0 at x == 0; at a NaN
    input the gradient passes, as torch's ``x <= 0 ? 0 : g``)."""
    return select(~(x <= 0), g)


def leaky_relu_ref(x: np.ndarray, slope: float = 0.01) -> np.ndarray:
    return select(x > 0, x, (x * float(slope)).astype(x.dtype, copy=False))


def leaky_relu_backward_ref(x: np.ndarray, g: np.ndarray, slope: float = 0.01) -> np.ndarray:
    return select(x > 0, g, (g * float(slope)).astype(g.dtype, copy=False))


def sigmoid_ref(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid, stable at any magnitude: only exp(-|x|) is ever evaluated."""
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(x))
    r = (1 / (1 + e)).astype(x.dtype, copy=False)
    return select(x >= 0, r, (e * r).astype(x.dtype, copy=False))


def sigmoid_backward_ref(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Gradient of sigmoid given its OUTPUT ``y``."""
    return g * y * (1 - y)


def tanh_ref(x: np.ndarray) -> np.ndarray:
    return np.tanh(x)


def tanh_backward_ref(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Gradient of tanh given its OUTPUT ``y``."""
    return g * (1 - y * y)


def gelu_ref(x: np.ndarray) -> np.ndarray:
    """Exact GELU, x * Phi(x) (PyTorch's default, not the tanh approximation)."""
    return (x * _phi_cdf(x)).astype(x.dtype, copy=False)


def gelu_backward_ref(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Gradient of exact GELU given the pre-activation ``x``: Phi(x) + x * pdf(x)."""
    x64 = np.asarray(x, dtype=np.float64)
    with np.errstate(under="ignore"):
        pdf = np.exp(-0.5 * x64 * x64) * (1.0 / math.sqrt(2.0 * math.pi))
    return (g * (_phi_cdf(x64) + x64 * pdf)).astype(g.dtype, copy=False)


def _check_act(act: str) -> None:
    if act not in ACTIVATIONS:
        raise ValueError(f"unknown activation {act!r}; expected one of {ACTIVATIONS}")


def _apply_act(act: str, z: np.ndarray, slope: float) -> np.ndarray:
    if act == "none":
        return z
    if act == "relu":
        return relu_ref(z)
    if act == "leaky_relu":
        return leaky_relu_ref(z, slope)
    if act == "sigmoid":
        return sigmoid_ref(z)
    if act == "tanh":
        return tanh_ref(z)
    return gelu_ref(z)


def bias_act_ref(z: np.ndarray, b: np.ndarray, act: str = "none",
                 slope: float = 0.01) -> np.ndarray:
    """``act(z + b)`` with ``b`` broadcast over the last axis; a new array (z untouched)."""
    _check_act(act)
    return _apply_act(act, z + b, slope)


def act_backward_ref(act: str, x_or_y: np.ndarray, g: np.ndarray,
                     slope: float = 0.01) -> np.ndarray:
    """Backward of the named activation.

    relu / leaky_relu / gelu take the PRE-activation x; sigmoid / tanh take the OUTPUT y;
    "none" returns ``g`` itself (no copy).
    """
    _check_act(act)
    if act == "none":
        return g
    if act == "relu":
        return relu_backward_ref(x_or_y, g)
    if act == "leaky_relu":
        return leaky_relu_backward_ref(x_or_y, g, slope)
    if act == "sigmoid":
        return sigmoid_backward_ref(x_or_y, g)
    if act == "tanh":
        return tanh_backward_ref(x_or_y, g)
    return gelu_backward_ref(x_or_y, g)


# ----------------------------------------------------------------------------- binary: numpy


def add_ref(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.add(a, b)


def sub_ref(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.subtract(a, b)


def mul_ref(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.multiply(a, b)


def div_ref(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b)



# ----------------------------------------------------------------------------- activations: numba
# One small kernel per activation and pass (forward, backward, bias + activation), each with
# its parallel driver, so a process compiles only the activations it runs: the digits MLP
# needs bias+relu, bias+none and relu's backward, not all six activations behind a runtime
# branch (measured: that 6-way kernel was most of a cold first training step). The math of
# each activation is written once, in an inlined device function ``_<act>_f`` (forward) /
# ``_<act>_b`` (backward) shared by its kernels. Every kernel of a pass has the same
# arguments (``slope`` too, unused but by leaky_relu), so one dispatch table serves them.
# act codes: 0 none, 1 relu, 2 leaky_relu, 3 sigmoid, 4 tanh, 5 gelu
_ACT_CODE = {name: i for i, name in enumerate(ACTIVATIONS)}
_ACT_REF = (None, relu_ref, leaky_relu_ref, sigmoid_ref, tanh_ref, gelu_ref)
_EXP_FWD = (3, 4, 5)  # codes whose forward evaluates exp/erfc per element: sigmoid, tanh, gelu
_EXP_BWD = (5,)  # and whose backward does: gelu
_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# Device functions: v (u) is a scalar of type T, s the slope as a T.


@kernel(inline=True)
def _relu_f(v, s, T):
    return T(0) if v <= 0 else v  # NaN propagates, as np.maximum does


@kernel(inline=True)
def _relu_b(u, gv, s, T):
    return T(0) if u <= 0 else gv  # a NaN input passes the gradient, as torch


@kernel(inline=True)
def _leaky_relu_f(v, s, T):
    return v * s if v <= 0 else v


@kernel(inline=True)
def _leaky_relu_b(u, gv, s, T):
    return gv if u > 0 else gv * s


@kernel(inline=True)
def _sigmoid_f(v, s, T):
    e = fexp(-abs(v))
    r = T(1) / (T(1) + e)
    return r if v >= 0 else e * r


@kernel(inline=True)
def _sigmoid_b(u, gv, s, T):
    """u is sigmoid's output."""
    return gv * u * (T(1) - u)


@kernel(inline=True)
def _tanh_f(v, s, T):
    e = fexp(-(abs(v) + abs(v)))
    t = (T(1) - e) / (T(1) + e)
    return t if v >= 0 else -t


@kernel(inline=True)
def _tanh_b(u, gv, s, T):
    """u is tanh's output."""
    return gv * (T(1) - u * u)


@kernel(inline=True)
def _gelu_f(v, s, T):
    return v * (T(0.5) * ferfc(-v * T(_SQRT1_2)))


@kernel(inline=True)
def _gelu_b(u, gv, s, T):
    cdf = T(0.5) * ferfc(-u * T(_SQRT1_2))
    pdf = fexp(u * u * T(-0.5)) * T(_INV_SQRT_2PI)
    return gv * (cdf + u * pdf)


# Forward: k(x, out, slope, lo, hi) over elements lo..hi of 1-D x; p(x, out, slope, chunk).


@kernel
def _relu_k(x, out, slope, lo, hi):
    s = x.dtype.type(slope)
    for i in range(U(lo), U(hi)):
        out[i] = _relu_f(x[i], s, x.dtype.type)


@driver
def _relu_p(x, out, slope, chunk):
    n = x.size
    for c in prange((n + chunk - 1) // chunk):
        _relu_k(x, out, slope, c * chunk, min(n, (c + 1) * chunk))


@kernel
def _leaky_relu_k(x, out, slope, lo, hi):
    s = x.dtype.type(slope)
    for i in range(U(lo), U(hi)):
        out[i] = _leaky_relu_f(x[i], s, x.dtype.type)


@driver
def _leaky_relu_p(x, out, slope, chunk):
    n = x.size
    for c in prange((n + chunk - 1) // chunk):
        _leaky_relu_k(x, out, slope, c * chunk, min(n, (c + 1) * chunk))


@kernel
def _sigmoid_k(x, out, slope, lo, hi):
    s = x.dtype.type(slope)
    for i in range(U(lo), U(hi)):
        out[i] = _sigmoid_f(x[i], s, x.dtype.type)


@driver
def _sigmoid_p(x, out, slope, chunk):
    n = x.size
    for c in prange((n + chunk - 1) // chunk):
        _sigmoid_k(x, out, slope, c * chunk, min(n, (c + 1) * chunk))


@kernel
def _tanh_k(x, out, slope, lo, hi):
    s = x.dtype.type(slope)
    for i in range(U(lo), U(hi)):
        out[i] = _tanh_f(x[i], s, x.dtype.type)


@driver
def _tanh_p(x, out, slope, chunk):
    n = x.size
    for c in prange((n + chunk - 1) // chunk):
        _tanh_k(x, out, slope, c * chunk, min(n, (c + 1) * chunk))


@kernel
def _gelu_k(x, out, slope, lo, hi):
    s = x.dtype.type(slope)
    for i in range(U(lo), U(hi)):
        out[i] = _gelu_f(x[i], s, x.dtype.type)


@driver
def _gelu_p(x, out, slope, chunk):
    n = x.size
    for c in prange((n + chunk - 1) // chunk):
        _gelu_k(x, out, slope, c * chunk, min(n, (c + 1) * chunk))


# Backward: k(u, g, out, slope, lo, hi); p(u, g, out, slope, chunk). ("none" needs none.)


@kernel
def _relu_bwd_k(u, g, out, slope, lo, hi):
    s = u.dtype.type(slope)
    for i in range(U(lo), U(hi)):
        out[i] = _relu_b(u[i], g[i], s, u.dtype.type)


@driver
def _relu_bwd_p(u, g, out, slope, chunk):
    n = u.size
    for c in prange((n + chunk - 1) // chunk):
        _relu_bwd_k(u, g, out, slope, c * chunk, min(n, (c + 1) * chunk))


@kernel
def _leaky_relu_bwd_k(u, g, out, slope, lo, hi):
    s = u.dtype.type(slope)
    for i in range(U(lo), U(hi)):
        out[i] = _leaky_relu_b(u[i], g[i], s, u.dtype.type)


@driver
def _leaky_relu_bwd_p(u, g, out, slope, chunk):
    n = u.size
    for c in prange((n + chunk - 1) // chunk):
        _leaky_relu_bwd_k(u, g, out, slope, c * chunk, min(n, (c + 1) * chunk))


@kernel
def _sigmoid_bwd_k(u, g, out, slope, lo, hi):
    s = u.dtype.type(slope)
    for i in range(U(lo), U(hi)):
        out[i] = _sigmoid_b(u[i], g[i], s, u.dtype.type)


@driver
def _sigmoid_bwd_p(u, g, out, slope, chunk):
    n = u.size
    for c in prange((n + chunk - 1) // chunk):
        _sigmoid_bwd_k(u, g, out, slope, c * chunk, min(n, (c + 1) * chunk))


@kernel
def _tanh_bwd_k(u, g, out, slope, lo, hi):
    s = u.dtype.type(slope)
    for i in range(U(lo), U(hi)):
        out[i] = _tanh_b(u[i], g[i], s, u.dtype.type)


@driver
def _tanh_bwd_p(u, g, out, slope, chunk):
    n = u.size
    for c in prange((n + chunk - 1) // chunk):
        _tanh_bwd_k(u, g, out, slope, c * chunk, min(n, (c + 1) * chunk))


@kernel
def _gelu_bwd_k(u, g, out, slope, lo, hi):
    s = u.dtype.type(slope)
    for i in range(U(lo), U(hi)):
        out[i] = _gelu_b(u[i], g[i], s, u.dtype.type)


@driver
def _gelu_bwd_p(u, g, out, slope, chunk):
    n = u.size
    for c in prange((n + chunk - 1) // chunk):
        _gelu_bwd_k(u, g, out, slope, c * chunk, min(n, (c + 1) * chunk))


# Bias + activation: k(z, b, out, slope, r0, r1) over rows r0..r1 of 2-D z, b over the last
# axis; p(z, b, out, slope, rows).


@kernel
def _bias_none_k(z, b, out, slope, r0, r1):
    n = z.shape[1]
    for i in range(r0, r1):
        for j in range(n):
            out[i, j] = z[i, j] + b[j]


@driver
def _bias_none_p(z, b, out, slope, rows):
    m = z.shape[0]
    for c in prange((m + rows - 1) // rows):
        _bias_none_k(z, b, out, slope, c * rows, min(m, (c + 1) * rows))


@kernel
def _bias_relu_k(z, b, out, slope, r0, r1):
    s = z.dtype.type(slope)
    n = z.shape[1]
    for i in range(r0, r1):
        for j in range(n):
            out[i, j] = _relu_f(z[i, j] + b[j], s, z.dtype.type)


@driver
def _bias_relu_p(z, b, out, slope, rows):
    m = z.shape[0]
    for c in prange((m + rows - 1) // rows):
        _bias_relu_k(z, b, out, slope, c * rows, min(m, (c + 1) * rows))


@kernel
def _bias_leaky_relu_k(z, b, out, slope, r0, r1):
    s = z.dtype.type(slope)
    n = z.shape[1]
    for i in range(r0, r1):
        for j in range(n):
            out[i, j] = _leaky_relu_f(z[i, j] + b[j], s, z.dtype.type)


@driver
def _bias_leaky_relu_p(z, b, out, slope, rows):
    m = z.shape[0]
    for c in prange((m + rows - 1) // rows):
        _bias_leaky_relu_k(z, b, out, slope, c * rows, min(m, (c + 1) * rows))


@kernel
def _bias_sigmoid_k(z, b, out, slope, r0, r1):
    s = z.dtype.type(slope)
    n = z.shape[1]
    for i in range(r0, r1):
        for j in range(n):
            out[i, j] = _sigmoid_f(z[i, j] + b[j], s, z.dtype.type)


@driver
def _bias_sigmoid_p(z, b, out, slope, rows):
    m = z.shape[0]
    for c in prange((m + rows - 1) // rows):
        _bias_sigmoid_k(z, b, out, slope, c * rows, min(m, (c + 1) * rows))


@kernel
def _bias_tanh_k(z, b, out, slope, r0, r1):
    s = z.dtype.type(slope)
    n = z.shape[1]
    for i in range(r0, r1):
        for j in range(n):
            out[i, j] = _tanh_f(z[i, j] + b[j], s, z.dtype.type)


@driver
def _bias_tanh_p(z, b, out, slope, rows):
    m = z.shape[0]
    for c in prange((m + rows - 1) // rows):
        _bias_tanh_k(z, b, out, slope, c * rows, min(m, (c + 1) * rows))


@kernel
def _bias_gelu_k(z, b, out, slope, r0, r1):
    s = z.dtype.type(slope)
    n = z.shape[1]
    for i in range(r0, r1):
        for j in range(n):
            out[i, j] = _gelu_f(z[i, j] + b[j], s, z.dtype.type)


@driver
def _bias_gelu_p(z, b, out, slope, rows):
    m = z.shape[0]
    for c in prange((m + rows - 1) // rows):
        _bias_gelu_k(z, b, out, slope, c * rows, min(m, (c + 1) * rows))


# (serial, parallel) per act code; None where a pass has no kernel for that code
_FWD = (None, (_relu_k, _relu_p), (_leaky_relu_k, _leaky_relu_p), (_sigmoid_k, _sigmoid_p),
        (_tanh_k, _tanh_p), (_gelu_k, _gelu_p))
_BWD = (None, (_relu_bwd_k, _relu_bwd_p), (_leaky_relu_bwd_k, _leaky_relu_bwd_p),
        (_sigmoid_bwd_k, _sigmoid_bwd_p), (_tanh_bwd_k, _tanh_bwd_p),
        (_gelu_bwd_k, _gelu_bwd_p))
_BIAS = ((_bias_none_k, _bias_none_p), (_bias_relu_k, _bias_relu_p),
         (_bias_leaky_relu_k, _bias_leaky_relu_p), (_bias_sigmoid_k, _bias_sigmoid_p),
         (_bias_tanh_k, _bias_tanh_p), (_bias_gelu_k, _bias_gelu_p))


def _limit(code: int, exp_codes: tuple[int, ...]) -> int:
    th = _th()
    return th.par_min_exp if code in exp_codes else th.par_min


def _act(code: int, x: np.ndarray, slope: float = 0.01) -> np.ndarray:
    th = _th()
    if x.size < (th.tanh_min if code == 4 else th.small_act) and code != 5:
        fn = _ACT_REF[code]
        return fn(x, slope) if code == 2 else fn(x)
    xf = flat(x)
    out = np.empty_like(xf)
    serial, parallel = _FWD[code]
    run(serial, parallel, (xf, out, float(slope)), xf.size, xf.size, _limit(code, _EXP_FWD))
    return out.reshape(x.shape)


def _bwd(code: int, u: np.ndarray, g: np.ndarray, slope: float = 0.01) -> np.ndarray:
    if g.size < _th().small_act and code != 5:
        return act_backward_ref(ACTIVATIONS[code], u, g, slope)
    if u.shape != g.shape:
        u, g = np.broadcast_arrays(u, g)
    dt = np.result_type(u.dtype, g.dtype)
    uf = flat(u.astype(dt, copy=False))
    gf = flat(g.astype(dt, copy=False))
    out = np.empty_like(gf)
    serial, parallel = _BWD[code]
    run(serial, parallel, (uf, gf, out, float(slope)), uf.size, uf.size,
        _limit(code, _EXP_BWD))
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


def bias_act(z: np.ndarray, b: np.ndarray, act: str = "none", slope: float = 0.01) -> np.ndarray:
    """``act(z + b)``, b broadcast over the last axis of 2-D z, in one fused pass."""
    code = _check_act(act)
    if z.ndim != 2 or b.shape != (z.shape[1],) or b.dtype != z.dtype:
        return bias_act_ref(z, b, act, slope)
    zc = np.ascontiguousarray(z)
    bc = np.ascontiguousarray(b)
    out = np.empty_like(zc)
    m, n = zc.shape
    serial, parallel = _BIAS[code]
    run(serial, parallel, (zc, bc, out, float(slope)), m, zc.size, _limit(code, _EXP_FWD),
        rows_per_chunk(n))
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


# ----------------------------------------------------------------------------- binary: numba
# op codes: 0 add, 1 sub, 2 mul, 3 div. Same-shape and row-vector (b over the last axis)
# cases run fused kernels; any other broadcast goes to numpy (equally fast there).


@kernel(inline=True)
def _binop(x, y, op):
    if op == 0:
        return x + y
    if op == 1:
        return x - y
    if op == 2:
        return x * y
    return x / y


@kernel
def _bin_k(a, b, out, op, lo, hi):
    for i in range(U(lo), U(hi)):
        out[i] = _binop(a[i], b[i], op)


@driver
def _bin_p(a, b, out, op, chunk):
    n = a.size
    for c in prange((n + chunk - 1) // chunk):
        _bin_k(a, b, out, op, c * chunk, min(n, (c + 1) * chunk))


@kernel
def _binrow_k(a, b, out, op, r0, r1):
    n = a.shape[1]
    for i in range(r0, r1):
        for j in range(n):
            out[i, j] = _binop(a[i, j], b[j], op)


@driver
def _binrow_p(a, b, out, op, rows):
    m = a.shape[0]
    for c in prange((m + rows - 1) // rows):
        _binrow_k(a, b, out, op, c * rows, min(m, (c + 1) * rows))


_NP_BIN = (np.add, np.subtract, np.multiply, np.divide)


@kernel
def _binsc_k(a, s, out, op, lo, hi):
    v = a.dtype.type(s)
    for i in range(U(lo), U(hi)):
        out[i] = _binop(a[i], v, op)


@driver
def _binsc_p(a, s, out, op, chunk):
    n = a.size
    for c in prange((n + chunk - 1) // chunk):
        _binsc_k(a, s, out, op, c * chunk, min(n, (c + 1) * chunk))


def _binary(op: int, a0, b0):
    th = _th()
    if (a0.size if isinstance(a0, np.ndarray) else 1) < th.small_binary and (
            b0.size if isinstance(b0, np.ndarray) else 1) < th.small_binary:
        return _NP_BIN[op](a0, b0)
    a = np.asarray(a0)
    b = np.asarray(b0)
    if a.dtype not in FLOATS or a.ndim == 0:
        return _NP_BIN[op](a0, b0)  # the original objects: numpy's scalar-promotion rules
    if b.ndim == 0:  # array (op) scalar, e.g. x * 0.7: only when the result keeps a's dtype
        if b.dtype.kind not in "biuf" or np.result_type(a0, b0) != a.dtype:
            return _NP_BIN[op](a0, b0)
        af = flat(a)
        out = np.empty_like(af)
        run(_binsc_k, _binsc_p, (af, float(b), out, op), af.size, af.size, th.par_min)
        return out.reshape(a.shape)
    if a.dtype != b.dtype:
        return _NP_BIN[op](a0, b0)
    if a.shape == b.shape:
        if a.size < th.par_min:  # serially numpy is as fast: numba only wins in parallel
            return _NP_BIN[op](a0, b0)
        af, bf = flat(a), flat(b)
        out = np.empty_like(af)
        run(_bin_k, _bin_p, (af, bf, out, op), af.size, af.size, th.par_min)
        return out.reshape(a.shape)
    if b.ndim == 1 and a.ndim >= 2 and b.shape[0] == a.shape[-1]:
        a2 = np.ascontiguousarray(a).reshape(-1, a.shape[-1])
        bc = np.ascontiguousarray(b)
        out = np.empty_like(a2)
        run(_binrow_k, _binrow_p, (a2, bc, out, op), a2.shape[0], a2.size, th.par_min,
            rows_per_chunk(a2.shape[1]))
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

