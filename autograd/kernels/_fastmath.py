"""A vectorisable exp (and erfc for float32), and a NaN-keeping max, for numba kernels.

PyPI's llvmlite ships no SVML, so ``math.exp`` inside a numba loop becomes a scalar libm
call and blocks vectorisation (measured: fused sigmoid 3.1 ms per 1e6 floats vs 0.12 ms
with this exp). ``fexp`` is range reduction x = n ln2 + r (Cody-Waite split of ln2),
a Taylor polynomial for e^r on |r| <= ln2/2, and 2^n built from exponent bits (split in
two factors so gradual underflow / overflow to inf come out right). Max relative error:
~2 ulp in float32 (degree 7), ~2 ulp in float64 (degree 12).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload


@intrinsic
def _bits_to_f32(typingctx, i):
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.FloatType())

    return types.float32(types.int32), codegen


@intrinsic
def _bits_to_f64(typingctx, i):
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


def fexp(x):
    """exp(x); the Python body is only used when the JIT is disabled."""
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(x)


def ferfc(x):
    """erfc(x); the Python body is only used when the JIT is disabled."""
    return type(x)(math.erfc(x))


_F32 = np.float32
_E32 = tuple(_F32(1.0 / math.factorial(k)) for k in range(8))
_E64 = tuple(1.0 / math.factorial(k) for k in range(13))


@overload(fexp, fastmath=True)
def _fexp_ov(x):
    if x == types.float32:
        lo, hi = _F32(-104.0), _F32(89.0)
        log2e, half = _F32(1.4426950408889634), _F32(0.5)
        ln2hi, ln2lo = _F32(0.693359375), _F32(-2.12194440e-4)
        c0, c1, c2, c3, c4, c5, c6, c7 = _E32

        def impl32(x):
            xc = min(max(x, lo), hi)
            n = np.floor(xc * log2e + half)
            r = xc - n * ln2hi
            r = r - n * ln2lo
            p = c7
            p = p * r + c6
            p = p * r + c5
            p = p * r + c4
            p = p * r + c3
            p = p * r + c2
            p = p * r + c1
            p = p * r + c0
            ni = np.int32(n)
            h = np.int32(ni >> 1)
            s1 = _bits_to_f32(np.int32((h + 127) << 23))
            s2 = _bits_to_f32(np.int32((ni - h + 127) << 23))
            res = p * s1 * s2
            return x if x != x else res

        return impl32
    if x == types.float64:
        e = _E64

        def impl64(x):
            xc = min(max(x, -746.0), 710.0)
            n = np.floor(xc * 1.4426950408889634 + 0.5)
            r = xc - n * 6.93147180369123816490e-01
            r = r - n * 1.90821492927058770002e-10
            p = e[12]
            p = p * r + e[11]
            p = p * r + e[10]
            p = p * r + e[9]
            p = p * r + e[8]
            p = p * r + e[7]
            p = p * r + e[6]
            p = p * r + e[5]
            p = p * r + e[4]
            p = p * r + e[3]
            p = p * r + e[2]
            p = p * r + e[1]
            p = p * r + e[0]
            ni = np.int64(n)
            h = ni >> 1
            s1 = _bits_to_f64(np.int64((h + 1023) << 52))
            s2 = _bits_to_f64(np.int64((ni - h + 1023) << 52))
            res = p * s1 * s2
            return x if x != x else res

        return impl64
    return None


# Numerical Recipes' erfcc (Chebyshev-fitted, fractional error < 1.2e-7 everywhere): fine
# for float32. float64 uses libm's erfc (exact, scalar).
_NR = tuple(
    _F32(c)
    for c in (
        -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
        0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277,
    )
)


@overload(ferfc, fastmath=True)
def _ferfc_ov(x):
    if x == types.float32:
        a0, a1, a2, a3, a4, a5, a6, a7, a8, a9 = _NR
        one, half, two = _F32(1.0), _F32(0.5), _F32(2.0)

        def impl32(x):
            z = abs(x)
            t = one / (one + half * z)
            p = a9
            p = p * t + a8
            p = p * t + a7
            p = p * t + a6
            p = p * t + a5
            p = p * t + a4
            p = p * t + a3
            p = p * t + a2
            p = p * t + a1
            p = p * t + a0
            ans = t * fexp(-z * z + p)
            return ans if x >= 0 else two - ans

        return impl32
    if x == types.float64:

        def impl64(x):
            return math.erfc(x)

        return impl64
    return None


def fmaximum(a, b):
    """max(a, b) propagating NaN, like np.maximum (Python body: JIT disabled only)."""
    return a if a != a or a > b else b


@intrinsic
def _fmaximum_ir(typingctx, a, b):
    """LLVM's llvm.maximum: numba's max / comparisons carry no fast-math flags, so a
    ``acc = v if v > acc else acc`` row max stayed scalar (0.52 ms per 1e6 float32 vs
    numpy's 0.11); a reduction over llvm.maximum vectorises (0.05 ms) and keeps NaN."""
    if not (isinstance(a, types.Float) and a == b):
        return None

    def codegen(context, builder, sig, args):
        t = context.get_value_type(sig.args[0])
        name = "llvm.maximum.f32" if sig.args[0] == types.float32 else "llvm.maximum.f64"
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(t, [t, t]), name)
        return builder.call(fn, args)

    return a(a, b), codegen


@overload(fmaximum, inline="always")
def _fmaximum_ov(a, b):
    if isinstance(a, types.Float) and a == b:
        return lambda a, b: _fmaximum_ir(a, b)
    return None


JIT_DISABLED = bool(numba.config.DISABLE_JIT)
