"""Math functions beyond the core arithmetic: trigonometry, exponentials and logs, erf and
friends, rounding, sign, two-operand functions (atan2, hypot, logaddexp, ...), lerp,
addcmul/addcdiv, NaN handling and closeness tests.

Each op is one Function with forward (numpy) and backward (Tensor ops, so create_graph
works) side by side. Integer and bool inputs of float functions are computed in the default
float (float32), as PyTorch does; operands are promoted with ``elementwise._operands``. The
gradient conventions at the edges are PyTorch's (derivatives.yaml), noted where they are
not the plain calculus.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor
from .elementwise import (
    _BOOL,
    DtypeError,
    _bitwise,
    _broadcast_error,
    _cast,
    _const,
    _float,
    _float_operands,
    _need_tensors,
    _operands,
    _recorded,
    _zeros,
    add,
    div,
    exp,
    lift,
    mul,
    pow,
    result_dtype,
    unbroadcast,
    where,
)

__all__ = ["acos", "acosh", "addcdiv", "addcmul", "allclose", "angle", "arccos", "arccosh",
           "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "asin", "asinh", "atan", "atan2",
           "atanh", "ceil", "conj", "copysign", "cos", "cosh", "deg2rad", "digamma", "equal",
           "erfc", "erfinv", "exp2", "expm1", "fix", "float_power", "floor", "fmax", "fmin", "frac",
           "frexp", "gcd", "heaviside", "hypot", "i0", "igamma", "igammac", "isclose", "isfinite",
           "isinf", "isnan", "isneginf", "isposinf", "isreal", "lcm", "ldexp", "lerp", "lgamma",
           "log10", "log1p", "log2", "logaddexp", "logaddexp2", "logit", "mvlgamma", "nan_to_num",
           "nextafter", "polygamma", "rad2deg", "real", "reciprocal", "round", "rsqrt", "sgn",
           "sign", "sin", "sinc", "sinh", "square", "tan", "trunc", "xlogy"]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _np(ufunc: Any, *arrays: np.ndarray) -> np.ndarray:
    """A numpy ufunc without warnings (nan and inf come out as PyTorch's do, silently)."""
    with np.errstate(all="ignore"):
        return ufunc(*arrays)


def _mask(cond: np.ndarray) -> Tensor:
    return _const(np.asarray(cond))


# ---------------------------------------------------------------------------------------
# trigonometric and hyperbolic
# ---------------------------------------------------------------------------------------
class Sin(Function):
    def forward(self, a):
        return _np(np.sin, a)

    def backward(self, g):
        return (g * cos(self.inputs[0]),)


class Cos(Function):
    def forward(self, a):
        return _np(np.cos, a)

    def backward(self, g):
        return (-g * sin(self.inputs[0]),)


class Tan(Function):
    saves_inputs = False
    saves_output = True

    def forward(self, a):
        return _np(np.tan, a)

    def backward(self, g):
        y = self.output
        return (g * (1.0 + y * y),)


class Asin(Function):
    def forward(self, a):
        return _np(np.arcsin, a)

    def backward(self, g):
        x = self.inputs[0]
        return (g * rsqrt(1.0 - x * x),)


class Acos(Function):
    def forward(self, a):
        return _np(np.arccos, a)

    def backward(self, g):
        x = self.inputs[0]
        return (-g * rsqrt(1.0 - x * x),)


class Atan(Function):
    def forward(self, a):
        return _np(np.arctan, a)

    def backward(self, g):
        x = self.inputs[0]
        return (g / (1.0 + x * x),)


class Sinh(Function):
    def forward(self, a):
        return _np(np.sinh, a)

    def backward(self, g):
        return (g * cosh(self.inputs[0]),)


class Cosh(Function):
    def forward(self, a):
        return _np(np.cosh, a)

    def backward(self, g):
        return (g * sinh(self.inputs[0]),)


class Asinh(Function):
    def forward(self, a):
        return _np(np.arcsinh, a)

    def backward(self, g):
        x = self.inputs[0]
        return (g * rsqrt(x * x + 1.0),)


class Acosh(Function):
    def forward(self, a):
        return _np(np.arccosh, a)

    def backward(self, g):
        x = self.inputs[0]
        return (g * rsqrt(x * x - 1.0),)


class Atanh(Function):
    def forward(self, a):
        return _np(np.arctanh, a)

    def backward(self, g):
        x = self.inputs[0]
        return (g / (1.0 - x * x),)


class Atan2(Function):
    """atan2(a, b), the angle of (b, a): d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2)
    (0 where a^2 + b^2 is 0)."""

    def forward(self, a, b):
        return _np(np.arctan2, a, b)

    def backward(self, g):
        a, b = self.inputs
        d = a * a + b * b
        r = where(_mask(d.data == 0), 0.0, reciprocal(d))  # 0 at the origin, as PyTorch
        return (unbroadcast(g * b * r, a.shape) if a.requires_grad else None,
                unbroadcast(g * -a * r, b.shape) if b.requires_grad else None)


# ---------------------------------------------------------------------------------------
# exponentials, logs, powers
# ---------------------------------------------------------------------------------------
class Exp2(Function):
    saves_inputs = False
    saves_output = True

    def forward(self, a):
        return _np(np.exp2, a)

    def backward(self, g):
        return (g * self.output * _LN2,)


class Expm1(Function):
    saves_inputs = False
    saves_output = True

    def forward(self, a):
        return _np(np.expm1, a)

    def backward(self, g):
        return (g * (self.output + 1.0),)


class Log2(Function):
    def forward(self, a):
        return _np(np.log2, a)

    def backward(self, g):
        return (g / (self.inputs[0] * _LN2),)


class Log10(Function):
    def forward(self, a):
        return _np(np.log10, a)

    def backward(self, g):
        return (g / (self.inputs[0] * _LN10),)


class Log1p(Function):
    def forward(self, a):
        return _np(np.log1p, a)

    def backward(self, g):
        return (g / (self.inputs[0] + 1.0),)


class Rsqrt(Function):
    """1 / sqrt(x): d/dx = -y^3 / 2."""

    saves_inputs = False
    saves_output = True

    def forward(self, a):
        return _np(lambda v: 1.0 / np.sqrt(v), a).astype(a.dtype, copy=False)

    def backward(self, g):
        y = self.output
        return (-0.5 * g * (y * y * y),)


class Reciprocal(Function):
    saves_inputs = False
    saves_output = True

    def forward(self, a):
        return _np(np.reciprocal, a)

    def backward(self, g):
        y = self.output
        return (-g * (y * y),)


class Square(Function):
    def forward(self, a):
        return np.square(a)

    def backward(self, g):
        return (g * 2.0 * self.inputs[0],)


class Logaddexp(Function):
    """log(e^a + e^b): d/da = 1 / (1 + e^(b - a))."""

    def forward(self, a, b):
        return _np(np.logaddexp, a, b)

    def backward(self, g):
        a, b = self.inputs
        return (unbroadcast(g / (1.0 + exp(b - a)), a.shape) if a.requires_grad else None,
                unbroadcast(g / (1.0 + exp(a - b)), b.shape) if b.requires_grad else None)


class Logaddexp2(Function):
    """log2(2^a + 2^b): d/da = 1 / (1 + 2^(b - a))."""

    def forward(self, a, b):
        return _np(np.logaddexp2, a, b)

    def backward(self, g):
        a, b = self.inputs
        return (unbroadcast(g / (1.0 + exp2(b - a)), a.shape) if a.requires_grad else None,
                unbroadcast(g / (1.0 + exp2(a - b)), b.shape) if b.requires_grad else None)


class Xlogy(Function):
    """x * log(y), 0 where x == 0 (unless y is nan). d/dx = log(y) (0 where x == 0 and
    y <= 0, as PyTorch), d/dy = x / y."""

    def forward(self, a, b):
        out = _np(np.multiply, a, _np(np.log, b))
        return np.where((a == 0) & ~np.isnan(b), 0, out).astype(out.dtype, copy=False)

    def backward(self, g):
        a, b = self.inputs
        ga = gb = None
        if a.requires_grad:
            skip = _mask((a.data == 0) & (b.data <= 0))
            ga = unbroadcast(where(skip, 0.0, xlogy(g, b)), a.shape)
        if b.requires_grad:
            gb = unbroadcast(g * a / b, b.shape)
        return ga, gb


class Logit(Function):
    """log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given. The gradient
    is 0 outside [eps, 1 - eps]; without eps it is nan outside [0, 1] (PyTorch's rule)."""

    def forward(self, a, eps):
        self.eps = eps
        x = a if eps is None else np.clip(a, a.dtype.type(eps), a.dtype.type(1.0 - eps))
        return _np(np.log, _np(np.divide, x, 1 - x))

    def backward(self, g):
        x = self.inputs[0]
        d = g / (x * (1.0 - x))
        v = x.data
        if self.eps is None:
            return (where(_mask((v < 0) | (v > 1)), float("nan"), d),)
        return (where(_mask((v < self.eps) | (v > 1.0 - self.eps)), 0.0, d),)


# ---------------------------------------------------------------------------------------
# erf family
# ---------------------------------------------------------------------------------------
class Erfc(Function):
    def forward(self, a):
        from ..kernels.elementwise import erfc_ref

        return erfc_ref(a).astype(a.dtype)

    def backward(self, g):
        x = self.inputs[0]
        return (g * -_TWO_OVER_SQRT_PI * exp(-(x * x)),)


def _erfinv(y: np.ndarray) -> np.ndarray:
    """Inverse erf in float64: Giles' single-precision approximation, then Newton steps on
    erf (or on erfc near +-1, where 1 - |y| is exact and erf has no digits left)."""
    from ..kernels.elementwise import erf_ref, erfc_ref

    y = np.asarray(y, dtype=np.float64)
    with np.errstate(all="ignore"):
        w = -np.log((1.0 - y) * (1.0 + y))
        lo = w < 5.0
        wl = w - 2.5
        pl = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
            pl = c + pl * wl
        wh = np.sqrt(w) - 3.0
        ph = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                  -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
            ph = c + ph * wh
        x = np.where(lo, pl, ph) * y
        ay = np.abs(y)
        tail = ay > 0.5
        s = np.sign(y)
        for _ in range(4):
            slope = _TWO_OVER_SQRT_PI * np.exp(-x * x)
            ok = np.isfinite(x) & (slope > 0)
            ax = np.abs(x)
            # near +-1: solve log erfc(|x|) = log(1 - |y|) (1 - |y| is exact, and the log
            # is nearly linear in |x|, so Newton converges from afar); elsewhere erf(x) = y
            ec = erfc_ref(ax)
            step = np.where(tail, -s * (np.log(ec) - np.log1p(-ay)) * ec / slope,
                            (erf_ref(x) - y) / slope)
            x = np.where(ok, x - np.where(ok, step, 0.0), x)
        x = np.where(ay == 1.0, s * np.inf, x)
        return np.where(ay > 1.0, np.nan, x)


class Erfinv(Function):
    """The inverse of erf: d/dy = sqrt(pi)/2 e^(erfinv(y)^2)."""

    saves_inputs = False
    saves_output = True

    def forward(self, a):
        return _erfinv(a).astype(a.dtype)

    def backward(self, g):
        y = self.output
        return (g * (math.sqrt(math.pi) / 2.0) * exp(y * y),)


# ---------------------------------------------------------------------------------------
# sign, rounding (piecewise constant: zero gradients)
# ---------------------------------------------------------------------------------------
class Sign(Function):
    """-1, 0 or 1 (0 for nan, as PyTorch); zero gradient."""

    saves_inputs = False

    def forward(self, a):
        out = np.sign(a)
        return np.where(np.isnan(out), 0, out).astype(a.dtype, copy=False)

    def backward(self, g):
        return (_zeros(self.inputs[0]),)


class Rounding(Function):
    """floor, ceil, trunc and round (half to even, with decimals): zero gradients."""

    saves_inputs = False

    def forward(self, a, how, decimals=0):
        if how == "round":
            return np.round(a, decimals)
        return {"floor": np.floor, "ceil": np.ceil, "trunc": np.trunc}[how](a)

    def backward(self, g):
        return (_zeros(self.inputs[0]),)


class Frac(Function):
    """x - trunc(x) (the sign of x): gradient 1."""

    saves_inputs = False

    def forward(self, a):
        return a - np.trunc(a)

    def backward(self, g):
        return (g,)


class Copysign(Function):
    """|a| with the sign of b: d/da = copysign(1, b) * sign(a), 0 at a == 0; none for b."""

    saves_output = True

    def forward(self, a, b):
        return np.copysign(a, b)

    def backward(self, g):
        a, b = self.inputs
        ga = gb = None
        if a.requires_grad:
            zero = _mask(a.data == 0)
            ratio = where(zero, 0.0, self.output / where(zero, 1.0, a))
            ga = unbroadcast(g * ratio, a.shape)
        if b.requires_grad:
            gb = _zeros(b)
        return ga, gb


class Hypot(Function):
    """sqrt(a^2 + b^2): d/da = a / hypot."""

    saves_output = True

    def forward(self, a, b):
        return np.hypot(a, b)

    def backward(self, g):
        a, b = self.inputs
        y = self.output
        return (unbroadcast(g * a / y, a.shape) if a.requires_grad else None,
                unbroadcast(g * b / y, b.shape) if b.requires_grad else None)


class Fmax(Function):
    """max ignoring nan; ties give the whole gradient to a (PyTorch's rule)."""

    def forward(self, a, b):
        return np.fmax(a, b)

    def backward(self, g):
        a, b = self.inputs
        to_a = (a.data >= b.data) | np.isnan(b.data)
        return (unbroadcast(where(_mask(to_a), g, 0.0), a.shape),
                unbroadcast(where(_mask(to_a), 0.0, g), b.shape))


class Fmin(Function):
    """min ignoring nan; ties give the whole gradient to a."""

    def forward(self, a, b):
        return np.fmin(a, b)

    def backward(self, g):
        a, b = self.inputs
        to_a = (a.data <= b.data) | np.isnan(b.data)
        return (unbroadcast(where(_mask(to_a), g, 0.0), a.shape),
                unbroadcast(where(_mask(to_a), 0.0, g), b.shape))


class Lerp(Function):
    """start + weight (end - start), evaluated as PyTorch does (from end when weight >= 0.5,
    so lerp(a, b, 1) == b exactly)."""

    def forward(self, start, end, weight):
        d = end - start
        return np.where(np.abs(weight) < 0.5, start + weight * d, end - d * (1 - weight))

    def backward(self, g):
        s, e, w = self.inputs
        return (unbroadcast(g * (1.0 - w), s.shape) if s.requires_grad else None,
                unbroadcast(g * w, e.shape) if e.requires_grad else None,
                unbroadcast(g * (e - s), w.shape) if w.requires_grad else None)


class NanToNum(Function):
    """nan, +inf, -inf replaced by numbers: gradient 1 where x was finite, 0 elsewhere."""

    def forward(self, a, nan, posinf, neginf):
        return np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, g):
        x = self.inputs[0].data
        return (g * _const(np.isfinite(x).astype(g.dtype)),)


class Sinc(Function):
    """sin(pi x) / (pi x), 1 at 0: d/dx = (cos(pi x) - sinc(x)) / x, 0 at 0."""

    saves_output = True

    def forward(self, a):
        return _np(np.sinc, a).astype(a.dtype, copy=False)

    def backward(self, g):
        x = self.inputs[0]
        zero = _mask(x.data == 0)
        safe = where(zero, 1.0, x)
        return (g * where(zero, 0.0, (cos(safe * math.pi) - self.output) / safe),)


class Angle(Function):
    """The argument of a real number: 0 for x >= 0, pi for x < 0 (nan stays nan); zero
    gradient, as PyTorch for real inputs."""

    saves_inputs = False

    def forward(self, a):
        return np.where(a < 0, a.dtype.type(math.pi), np.where(np.isnan(a), a, 0)).astype(
            a.dtype, copy=False)

    def backward(self, g):
        return (_zeros(self.inputs[0]),)


class Lgamma(Function):
    """log |Gamma(x)| (inf at 0 and the negative integers): d/dx = digamma(x)."""

    def forward(self, a):
        return _LGAMMA(a.astype(np.float64)).astype(a.dtype)

    def backward(self, g):
        return (g * digamma(self.inputs[0]),)


def _lgamma1(v: float) -> float:
    try:
        return math.lgamma(v)
    except ValueError:  # a pole (0, -1, -2, ...)
        return math.inf


_LGAMMA = np.vectorize(_lgamma1, otypes=[np.float64])


def _polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """psi^(n)(x) in float64: digamma for n = 0, else (-1)^(n+1) n! sum_k 1 / (x + k)^(n+1).
    Recurrence up to x >= 12, then the asymptotic series; reflection for x < 0 (n <= 2)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        neg = x < 0
        z = np.where(neg, 1.0 - x, x)
        acc = np.zeros_like(z)
        sign = -1.0 if n % 2 == 0 else 1.0  # (-1)^(n+1)
        fact = math.factorial(n)
        for _ in range(12):  # psi^(n)(z) = psi^(n)(z + 1) + (-1)^(n+1) n! / z^(n+1)
            small = z < 12.0
            if not small.any():
                break
            if n == 0:
                acc = acc - np.where(small, 1.0 / z, 0.0)
            else:
                acc = acc + np.where(small, sign * fact / z ** (n + 1), 0.0)
            z = np.where(small, z + 1.0, z)
        inv = 1.0 / z
        bern = (1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6)
        if n == 0:
            series = np.log(z) - 0.5 * inv
            for k, b in enumerate(bern, start=1):
                series = series - b / (2 * k) * inv ** (2 * k)
        else:
            series = math.factorial(n - 1) * inv ** n + 0.5 * fact * inv ** (n + 1)
            for k, b in enumerate(bern, start=1):
                series = series + b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) * (
                    inv ** (2 * k + n))
            series = sign * series
        out = acc + series
        if n == 0:  # psi(x) = psi(1 - x) - pi / tan(pi x)
            out = np.where(neg, out - math.pi / np.tan(math.pi * x), out)
            out = np.where(neg & (x == np.floor(x)), np.nan, out)
            out = np.where(x == 0, np.where(np.signbit(x), np.inf, -np.inf), out)
        elif n == 1:  # psi'(x) = pi^2 / sin^2(pi x) - psi'(1 - x)
            out = np.where(neg, (math.pi / np.sin(math.pi * x)) ** 2 - out, out)
            out = np.where((x <= 0) & (x == np.floor(x)), np.inf, out)
        elif n == 2:  # psi''(x) = psi''(1 - x) - 2 pi^3 cot(pi x) / sin^2(pi x)
            t = math.pi * x
            out = np.where(neg, out - 2 * math.pi ** 3 / (np.tan(t) * np.sin(t) ** 2), out)
            out = np.where((x <= 0) & (x == np.floor(x)), -np.inf, out)
        else:
            out = np.where(x <= 0, np.nan, out)  # (negative arguments: not implemented)
            out = np.where((x <= 0) & (x == np.floor(x)), sign * np.inf, out)
        out = np.where(np.isposinf(x), 0.0 if n else np.inf, out)
        return np.where(np.isnan(x) | np.isneginf(x), np.nan, out)


class Polygamma(Function):
    """psi^(n)(x), the n-th derivative of digamma (n = 0: digamma itself): d/dx is
    psi^(n+1)(x)."""

    def forward(self, a, n):
        self.n = n
        return _polygamma(n, a).astype(a.dtype)

    def backward(self, g):
        return (g * Polygamma.apply(self.inputs[0], n=self.n + 1),)


# ---------------------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------------------
def _bessel_i(nu: int, x: np.ndarray, scaled: bool) -> np.ndarray:
    """The modified Bessel function I_nu(x) (nu 0 or 1) in float64, times exp(-|x|) when
    scaled: the power series sum_k (x/2)^(2k+nu) / (k! (k+nu)!) (all terms of one sign, so
    no cancellation) for |x| <= 30, else the asymptotic series
    e^|x| / sqrt(2 pi |x|) sum_k (-1)^k a_k(nu) / |x|^k, I_1 odd and I_0 even."""
    x = np.asarray(x, dtype=np.float64)
    ax = np.abs(x)
    out = np.empty_like(ax)
    small = ax <= 30.0
    with np.errstate(all="ignore"):
        if small.any():
            v = ax[small]
            q = 0.25 * v * v
            term = (0.5 * v) ** nu
            total = term.copy()
            for k in range(1, 80):
                term = term * q / (k * (k + nu))
                total += term
            out[small] = total * np.exp(-v) if scaled else total
        big = ~small
        if big.any():
            v = ax[big]
            mu = 4.0 * nu * nu
            term = np.ones_like(v)
            total = term.copy()
            for k in range(1, 30):
                term = -term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * v)
                total += term
            total /= np.sqrt(2.0 * math.pi * v)
            out[big] = total if scaled else total * np.exp(v)
    out[np.isnan(x)] = np.nan
    return np.where(x < 0, -out, out) if nu == 1 else out


class BesselI(Function):
    """i0, i1 and their exponentially scaled i0e, i1e (torch.special's), with gradients:
    i0' = i1, i1' = i0 - i1 / x (1/2 at 0), i0e' = i1e - sgn(x) i0e,
    i1e' = i0e - i1e (sgn(x) + 1 / x) (1/2 at 0)."""

    def forward(self, a, nu, scaled):
        self.nu, self.scaled = nu, scaled
        with np.errstate(over="ignore"):
            return _bessel_i(nu, a, scaled).astype(a.dtype)

    def backward(self, g):
        x = self.inputs[0]
        if self.nu == 0:
            d = BesselI.apply(x, nu=1, scaled=self.scaled)
            if self.scaled:
                d = d - sign(x) * BesselI.apply(x, nu=0, scaled=True)
            return (g * d,)
        at0 = _mask(x.data == 0)
        safe = where(at0, 1.0, x)
        i0v = BesselI.apply(x, nu=0, scaled=self.scaled)
        i1v = BesselI.apply(x, nu=1, scaled=self.scaled)
        d = i0v - i1v / safe
        if self.scaled:
            d = d - sign(x) * i1v
        return (g * where(at0, 0.5, d),)


def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0 (torch.i0)."""
    return BesselI.apply(_float(input, "i0"), nu=0, scaled=False)


def nextafter(input: Any, other: Any) -> Tensor:
    """The next floating-point value after input toward other; both operands promoted to one
    float dtype. As torch, the gradient passes unchanged to input, and other has none."""
    _need_tensors("nextafter", input=input, other=other)
    a, b = _operands(input, other)
    if a.data.dtype.kind != "f":
        raise DtypeError(f"nextafter: not implemented for {a.dtype} tensors (use float "
                         "tensors)")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        _broadcast_error("nextafter", a.shape, b.shape)
        raise
    return _recorded(np.nextafter, (a, b), pass_first=np.not_equal)


def _unary(fn: type[Function], input: Tensor, name: str) -> Tensor:
    return fn.apply(_float(input, name))


def _fbinary(fn: type[Function], a: Any, b: Any, name: str, ints: bool = True) -> Tensor:
    """A float function of two operands: promoted, ints and bools computed in float32 (an
    error with ``ints=False``, where PyTorch has no integer kernel)."""
    a, b = _float_operands(a, b) if ints else _operands(a, b)
    if a.data.dtype.kind != "f":
        raise DtypeError(f"{name}: not implemented for {a.dtype} tensors (use float tensors)")
    try:
        return fn.apply(a, b)
    except ValueError:
        _broadcast_error(name, a.shape, b.shape)
        raise


def sin(input: Tensor) -> Tensor:
    return _unary(Sin, input, "sin")


def cos(input: Tensor) -> Tensor:
    return _unary(Cos, input, "cos")


def tan(input: Tensor) -> Tensor:
    return _unary(Tan, input, "tan")


def asin(input: Tensor) -> Tensor:
    return _unary(Asin, input, "asin")


def acos(input: Tensor) -> Tensor:
    return _unary(Acos, input, "acos")


def atan(input: Tensor) -> Tensor:
    return _unary(Atan, input, "atan")


def sinh(input: Tensor) -> Tensor:
    return _unary(Sinh, input, "sinh")


def cosh(input: Tensor) -> Tensor:
    return _unary(Cosh, input, "cosh")


def asinh(input: Tensor) -> Tensor:
    return _unary(Asinh, input, "asinh")


def acosh(input: Tensor) -> Tensor:
    return _unary(Acosh, input, "acosh")


def atanh(input: Tensor) -> Tensor:
    return _unary(Atanh, input, "atanh")


def atan2(input: Any, other: Any) -> Tensor:
    _need_tensors("atan2", input=input, other=other)
    return _fbinary(Atan2, input, other, "atan2")


arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh


def exp2(input: Tensor) -> Tensor:
    return _unary(Exp2, input, "exp2")


def expm1(input: Tensor) -> Tensor:
    return _unary(Expm1, input, "expm1")


def log2(input: Tensor) -> Tensor:
    return _unary(Log2, input, "log2")


def log10(input: Tensor) -> Tensor:
    return _unary(Log10, input, "log10")


def log1p(input: Tensor) -> Tensor:
    return _unary(Log1p, input, "log1p")


def rsqrt(input: Tensor) -> Tensor:
    return _unary(Rsqrt, input, "rsqrt")


def reciprocal(input: Tensor) -> Tensor:
    return _unary(Reciprocal, input, "reciprocal")


def square(input: Tensor) -> Tensor:
    """input * input (an int tensor stays int; bool gives int64, as PyTorch)."""
    if input.data.dtype == _BOOL:
        input = _cast(input, np.dtype(np.int64))
    return Square.apply(input)


def sinc(input: Tensor) -> Tensor:
    """The normalized sinc, sin(pi x) / (pi x) (1 at 0)."""
    return _unary(Sinc, input, "sinc")


def deg2rad(input: Tensor) -> Tensor:
    return mul(_float(input, "deg2rad"), math.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:
    return mul(_float(input, "rad2deg"), 180.0 / math.pi)


def angle(input: Tensor) -> Tensor:
    """The argument of each (real) element: 0 or pi."""
    return _unary(Angle, input, "angle")


def lgamma(input: Tensor) -> Tensor:
    """log |Gamma(x)|."""
    return _unary(Lgamma, input, "lgamma")


def digamma(input: Tensor) -> Tensor:
    """psi(x) = d/dx lgamma(x) (-inf at +0, +inf at -0, nan at negative integers)."""
    return Polygamma.apply(_float(input, "digamma"), n=0)


def polygamma(n: int, input: Tensor) -> Tensor:
    """The n-th derivative of digamma (n >= 0), as torch.polygamma(n, input)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise RuntimeError(f"polygamma: n must be a non-negative integer, got {n!r}")
    return Polygamma.apply(_float(input, "polygamma"), n=int(n))


def heaviside(input: Tensor, values: Any) -> Tensor:
    """0 where input < 0, values where input == 0, 1 where input > 0 (nan gives 0); both
    tensors of one dtype, as in PyTorch. No derivative: as torch, the result requires grad
    when an input does, and backward raises."""
    _need_tensors("heaviside", input=input, values=values)
    x, v = input.data, values.data
    if x.dtype != v.dtype:
        raise RuntimeError(f"heaviside: input and values must have the same dtype, got "
                           f"{x.dtype} and {v.dtype}")
    try:
        np.broadcast_shapes(x.shape, v.shape)
        return _recorded(lambda a, b: np.where(a == 0, b, a > 0).astype(a.dtype),
                         (input, values), name="heaviside")
    except ValueError:
        _broadcast_error("heaviside", x.shape, v.shape)
        raise


def real(input: Tensor) -> Tensor:
    """The real part: a real tensor itself (numbagrad has no complex dtypes)."""
    return input


def isreal(input: Tensor) -> Tensor:
    """True everywhere: every numbagrad dtype is real (torch's answer for a real tensor)."""
    return Tensor._make(np.ones(input.shape, dtype=np.bool_))


def conj(input: Tensor) -> Tensor:
    """The complex conjugate: a real tensor itself."""
    return input


def logaddexp(input: Any, other: Any) -> Tensor:
    _need_tensors("logaddexp", input=input, other=other)
    return _fbinary(Logaddexp, input, other, "logaddexp", ints=False)


def logaddexp2(input: Any, other: Any) -> Tensor:
    _need_tensors("logaddexp2", input=input, other=other)
    return _fbinary(Logaddexp2, input, other, "logaddexp2", ints=False)


def xlogy(input: Any, other: Any) -> Tensor:
    return _fbinary(Xlogy, input, other, "xlogy")


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)); with eps, p is clamped to [eps, 1 - eps] first."""
    x = _float(input, "logit")
    return Logit.apply(x, eps=None if eps is None or eps < 0 else float(eps))


def float_power(input: Any, exponent: Any) -> Tensor:
    """pow computed in float64 (the result is float64 whatever the inputs)."""
    f64 = np.dtype(np.float64)
    if isinstance(exponent, Tensor) or not isinstance(input, Tensor):
        base = _cast(lift(input), f64)
        return pow(base, _cast(lift(exponent), f64))
    return pow(_cast(input, f64), float(exponent))


def erfc(input: Tensor) -> Tensor:
    return _unary(Erfc, input, "erfc")


def erfinv(input: Tensor) -> Tensor:
    return _unary(Erfinv, input, "erfinv")


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 in input's dtype (bool stays bool)."""
    if input.data.dtype == _BOOL:
        return Tensor._make(input.data.copy())
    return Sign.apply(input)


sgn = sign


def _rounding(input: Tensor, how: str, decimals: int = 0) -> Tensor:
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise TypeError(f"{how}: decimals must be an int, got {decimals!r}")
    kind = input.data.dtype.kind
    if kind == "b":
        raise DtypeError(f"{how}: not implemented for bool tensors")
    if kind != "f":
        if decimals:
            raise DtypeError(f"{how}: decimals={decimals} is not implemented for {input.dtype} "
                             "tensors (as in PyTorch; convert to float first)")
        return Tensor._make(input.data.copy())  # integers are already whole
    return Rounding.apply(input, how=how, decimals=int(decimals))


def floor(input: Tensor) -> Tensor:
    return _rounding(input, "floor")


def ceil(input: Tensor) -> Tensor:
    return _rounding(input, "ceil")


def trunc(input: Tensor) -> Tensor:
    return _rounding(input, "trunc")


fix = trunc


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even (as PyTorch and numpy), to ``decimals`` places."""
    return _rounding(input, "round", decimals)


def frac(input: Tensor) -> Tensor:
    if input.data.dtype.kind != "f":
        raise DtypeError(f"frac: expected a floating-point tensor, got {input.dtype}")
    return Frac.apply(input)


def copysign(input: Any, other: Any) -> Tensor:
    _need_tensors("copysign", input=input)  # other may be a number, as in torch
    return _fbinary(Copysign, input, other, "copysign")


def hypot(input: Any, other: Any) -> Tensor:
    _need_tensors("hypot", input=input, other=other)
    return _fbinary(Hypot, input, other, "hypot", ints=False)


def _binary_keep(fn: type[Function], a: Any, b: Any, name: str) -> Tensor:
    a, b = _operands(a, b)
    try:
        return fn.apply(a, b)
    except ValueError:
        _broadcast_error(name, a.shape, b.shape)
        raise


def fmax(input: Any, other: Any) -> Tensor:
    """Elementwise max where a nan loses to a number."""
    _need_tensors("fmax", input=input, other=other)
    return _binary_keep(Fmax, input, other, "fmax")


def fmin(input: Any, other: Any) -> Tensor:
    _need_tensors("fmin", input=input, other=other)
    return _binary_keep(Fmin, input, other, "fmin")


def lerp(input: Tensor, end: Any, weight: Any) -> Tensor:
    """input + weight * (end - input) (weight a number or a Tensor)."""
    _need_tensors("lerp", input=input, end=end)
    for what, v in (("end", end), ("weight", weight)):
        if (isinstance(v, Tensor) and isinstance(input, Tensor)
                and v.data.dtype != input.data.dtype
                and (what == "end" or v.ndim)):
            raise RuntimeError(f"lerp: expected dtype {input.dtype} for `{what}` but got dtype "
                               f"{v.dtype} (as in PyTorch, no promotion)")
    s, e = _operands(input, end)
    if s.data.dtype.kind != "f":
        raise DtypeError(f"lerp: expected floating-point tensors, got {s.dtype}")
    w = _cast(lift(weight, s), s.data.dtype)
    try:
        return Lerp.apply(s, e, w)
    except ValueError:
        _broadcast_error("lerp", s.shape, e.shape, w.shape)
        raise


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 * tensor2 (a float value with integer tensors is truncated to
    an integer, as PyTorch converts it to the tensors' dtype)."""
    prod = mul(tensor1, tensor2)
    if isinstance(value, float) and result_dtype(input, prod).kind != "f":
        value = int(value)
    return add(input, prod if value == 1 else mul(prod, value))


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 / tensor2 (integer tensor1 and tensor2 are an error)."""
    t1, t2 = _operands(tensor1, tensor2)
    if t1.data.dtype.kind != "f":
        raise RuntimeError("addcdiv: integer division with addcdiv is not supported; use "
                           "input + value * tensor1 / tensor2 with float tensors")
    q = div(t1, t2)
    return add(input, q if value == 1 else mul(q, value))


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """nan -> nan, +inf -> posinf, -inf -> neginf (default: the dtype's largest/smallest)."""
    if input.data.dtype.kind != "f":
        return Tensor._make(input.data.copy())
    return NanToNum.apply(input, nan=nan, posinf=posinf, neginf=neginf)


def _test(fn: Any, input: Tensor) -> Tensor:
    return Tensor._make(np.asarray(fn(input.data)))


def isnan(input: Tensor) -> Tensor:
    return _test(np.isnan, input)


def isinf(input: Tensor) -> Tensor:
    return _test(np.isinf, input)


def isfinite(input: Tensor) -> Tensor:
    return _test(np.isfinite, input)


def isposinf(input: Tensor) -> Tensor:
    return _test(np.isposinf, input)


def isneginf(input: Tensor) -> Tensor:
    return _test(np.isneginf, input)


def isclose(input: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol |other| elementwise (both of one dtype, as PyTorch)."""
    _need_tensors("isclose", input=input, other=other)
    a = lift(input)
    b = lift(other, a)
    if a.dtype != b.dtype:
        raise RuntimeError(f"isclose: both tensors must have the same dtype, got {a.dtype} "
                           f"and {b.dtype}")
    try:
        return Tensor._make(np.asarray(np.isclose(a.data, b.data, rtol=rtol, atol=atol,
                                                  equal_nan=equal_nan)))
    except ValueError:
        _broadcast_error("isclose", a.shape, b.shape)
        raise


def allclose(input: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True when isclose holds everywhere."""
    _need_tensors("allclose", input=input, other=other)
    return bool(isclose(input, other, rtol, atol, equal_nan).data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both have the same shape and the same values (nan is never equal)."""
    _need_tensors("equal", input=input, other=other)
    a, b = lift(input), lift(other)
    return a.shape == b.shape and bool(np.array_equal(a.data, b.data))



# ---------------------------------------------------------------------------------------
# integer number theory (gcd, lcm) and ldexp
# ---------------------------------------------------------------------------------------
def gcd(input: Any, other: Any) -> Tensor:
    """The elementwise greatest common divisor (non-negative; gcd(0, 0) = 0)."""
    _need_tensors("gcd", input=input, other=other)
    return _bitwise(np.gcd, input, other, "gcd", ints_only=True)


def lcm(input: Any, other: Any) -> Tensor:
    """The elementwise least common multiple (non-negative; 0 when either is 0)."""
    _need_tensors("lcm", input=input, other=other)
    return _bitwise(np.lcm, input, other, "lcm", ints_only=True)


def ldexp(input: Any, other: Any) -> Tensor:
    """input * 2 ** other (a float result; differentiable in both, as PyTorch's)."""
    _need_tensors("ldexp", input=input, other=other)
    return mul(input, pow(2.0, other))



# ---------------------------------------------------------------------------------------
# the regularized incomplete gamma functions, frexp, mvlgamma
# ---------------------------------------------------------------------------------------
def _igamma64(a: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    """P(a, x) (or Q = 1 - P with ``upper``) in float64: the power series where x < a + 1,
    the continued fraction (modified Lentz) elsewhere, each to convergence."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.full(a.shape, np.nan)
    with np.errstate(all="ignore"):
        ok = (a >= 0) & (x >= 0) & ~np.isnan(a) & ~np.isnan(x)
        zero_x = ok & (x == 0) & (a > 0)
        out[zero_x] = 1.0 if upper else 0.0
        zero_a = ok & (a == 0) & (x > 0)
        out[zero_a] = 0.0 if upper else 1.0
        inf_x = ok & np.isinf(x) & (a > 0) & np.isfinite(a)
        out[inf_x] = 0.0 if upper else 1.0
        inf_a = ok & np.isinf(a) & np.isfinite(x)
        out[inf_a] = 1.0 if upper else 0.0
        live = ok & (x > 0) & (a > 0) & np.isfinite(x) & np.isfinite(a)
        ser = live & (x < a + 1)
        cfr = live & ~ser
        if ser.any():
            av, xv = a[ser], x[ser]
            term = np.ones_like(av) / av
            total = term.copy()
            ap = av.copy()
            for _ in range(2000):
                ap += 1
                term *= xv / ap
                total += term
                if np.all(np.abs(term) <= np.abs(total) * 1e-17):
                    break
            p = total * np.exp(-xv + av * np.log(xv) - _LGAMMA(av))
            out[ser] = 1.0 - p if upper else p
        if cfr.any():
            av, xv = a[cfr], x[cfr]
            tiny = 1e-300
            b = xv + 1.0 - av
            c = np.full_like(av, 1.0 / tiny)
            d = 1.0 / b
            h = d.copy()
            for i in range(1, 2000):
                an = -i * (i - av)
                b = b + 2.0
                d = an * d + b
                d = np.where(np.abs(d) < tiny, tiny, d)
                c = b + an / c
                c = np.where(np.abs(c) < tiny, tiny, c)
                d = 1.0 / d
                delta = d * c
                h = h * delta
                if np.all(np.abs(delta - 1.0) <= 1e-16):
                    break
            q = np.exp(-xv + av * np.log(xv) - _LGAMMA(av)) * h
            out[cfr] = q if upper else 1.0 - q
    return out


class Igamma(Function):
    """The regularized lower (upper with ``upper``) incomplete gamma function of (a, x).
    d/dx = +- exp(-x) x^(a-1) / Gamma(a); as torch, no derivative in a (backward raises
    when a requires grad)."""

    def forward(self, a, x, upper):
        self.upper = upper
        return _igamma64(a, x, upper).astype(np.result_type(a, x))

    def backward(self, g):
        a, x = self.inputs
        if a.requires_grad:
            name = "igammac" if self.upper else "igamma"
            raise NotImplementedError(f"the derivative for '{name}: input' is not implemented "
                                      "(as in PyTorch)")
        with np.errstate(all="ignore"):
            dens = exp(-x + (a - 1.0) * _log(x) - lgamma(a))
        gx = unbroadcast(g * (-dens if self.upper else dens), x.shape)
        return None, gx


def _log(t: Tensor) -> Tensor:
    from .elementwise import log

    return log(t)


def igamma(input: Any, other: Any) -> Tensor:
    """torch.igamma (special.gammainc): the regularized lower incomplete gamma function
    P(input, other); differentiable in other."""
    _need_tensors("igamma", input=input, other=other)
    a, x = _igamma_operands(input, other, "igamma")
    return _igamma_apply(a, x, False, "igamma")


def igammac(input: Any, other: Any) -> Tensor:
    """torch.igammac (special.gammaincc): Q(input, other) = 1 - P(input, other)."""
    _need_tensors("igammac", input=input, other=other)
    a, x = _igamma_operands(input, other, "igammac")
    return _igamma_apply(a, x, True, "igammac")


def _igamma_operands(input: Tensor, other: Tensor, name: str) -> tuple[Tensor, Tensor]:
    """Promoted operands: integers are an error (torch has no integer kernel), bools are
    computed in the default float."""
    if _operands(input, other)[0].data.dtype.kind in "iu":
        raise DtypeError(f"{name}: not implemented for integer tensors (use float tensors)")
    return _float_operands(input, other)


def _igamma_apply(a: Tensor, x: Tensor, upper: bool, name: str) -> Tensor:
    try:
        np.broadcast_shapes(a.shape, x.shape)
    except ValueError:
        _broadcast_error(name, a.shape, x.shape)
        raise
    return Igamma.apply(a, x, upper=upper)


class Frexp(Function):
    """The mantissa of frexp (in [0.5, 1) in magnitude): d/dx = 2^-exponent."""

    saves_inputs = False

    def forward(self, a):
        m, e = np.frexp(a)
        self.exponent = e.astype(np.int32)
        return m.astype(a.dtype)

    def backward(self, g):
        with np.errstate(over="ignore"):  # a subnormal's 2^-exponent overflows, as in torch
            scale = np.ldexp(np.ones((), g.data.dtype), -self.exponent).astype(g.data.dtype)
        return (g * _const(scale),)


def frexp(input: Tensor) -> Any:
    """torch.frexp: the named tuple (mantissa, exponent) with input = mantissa *
    2^exponent, the exponent int32; floating inputs only."""
    from collections import namedtuple

    if not isinstance(input, Tensor):
        raise TypeError(f"frexp(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.data.dtype.kind != "f":
        raise RuntimeError(f"frexp: only supports floating-point dtypes, got {input.dtype}")
    mant = Frexp.apply(input)
    ctx = mant._ctx
    e = ctx.exponent if ctx is not None else np.frexp(input.data)[1].astype(np.int32)
    return namedtuple("frexp", ["mantissa", "exponent"])(mant, Tensor._make(np.asarray(e)))


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """torch.mvlgamma (special.multigammaln): the log of the multivariate gamma function."""
    from .special import multigammaln

    return multigammaln(input, p)
