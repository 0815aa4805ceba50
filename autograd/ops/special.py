"""``autograd.special``: torch.special's functions. Most are other names of autograd's own
(expit is sigmoid, gammaln lgamma, psi digamma, ...); the rest (the Bessel functions i0e, i1,
i1e, the normal distribution's ndtr, ndtri, log_ndtr, entr, xlog1py, multigammaln) are here,
each a Function with its gradient, as torch.special's. Float inputs keep their dtype; ints
and bools are computed in the default float.

This module has no ``__all__``, so its names stay under ``autograd.special`` (torch has no
``torch.ndtr``); ``from autograd.special import *`` gives every public name.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor
from .elementwise import _const, _float, erf, exp, log, log1p, sigmoid
from .math import (
    BesselI,
    _fbinary,
    digamma,
    erfc,
    erfinv,
    exp2,
    expm1,
    i0,
    igamma,
    igammac,
    lgamma,
    logit,
    polygamma,
    round,
    sinc,
    xlogy,
)
from .reduce import log_softmax, logsumexp, softmax

_SQRT1_2 = 1.0 / math.sqrt(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)

expit = sigmoid
gammaln = lgamma
psi = digamma
_reexported = (digamma, erf, erfc, erfinv, exp2, expm1, i0, log1p, logit, logsumexp,
               log_softmax, polygamma, round, sinc, softmax, xlogy)


def i0e(input: Tensor) -> Tensor:
    """exp(-|x|) i0(x), finite where i0 overflows."""
    return BesselI.apply(_float(input, "special.i0e"), nu=0, scaled=True)


def i1(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 1."""
    return BesselI.apply(_float(input, "special.i1"), nu=1, scaled=False)


def i1e(input: Tensor) -> Tensor:
    """exp(-|x|) i1(x)."""
    return BesselI.apply(_float(input, "special.i1e"), nu=1, scaled=True)


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF, (1 + erf(x / sqrt 2)) / 2, as erfc(-x / sqrt 2) / 2."""
    return 0.5 * erfc(_float(input, "special.ndtr") * -_SQRT1_2)


def ndtri(input: Tensor) -> Tensor:
    """The inverse of ndtr: sqrt 2 erfinv(2 p - 1) (-inf at 0, inf at 1, nan outside)."""
    return math.sqrt(2.0) * erfinv(2.0 * _float(input, "special.ndtri") - 1.0)


def _log_ndtr64(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    far = x < -20.0
    with np.errstate(all="ignore"):
        near = ~far
        out[near] = np.log(0.5 * np.vectorize(math.erfc, otypes=[np.float64])(
            -x[near] * _SQRT1_2)) if near.any() else 0.0
        if far.any():  # log Phi(x) ~ -x^2/2 - log(-x) - log sqrt(2 pi) + log(series)
            v = x[far]
            z = 1.0 / (v * v)
            series = np.ones_like(v)
            term = np.ones_like(v)
            for k in range(1, 8):
                term = -term * (2 * k - 1) * z
                series += term
            out[far] = -0.5 * v * v - np.log(-v) - _LOG_SQRT_2PI + np.log(series)
    return out


class LogNdtr(Function):
    """log ndtr(x), accurate far into the left tail: d/dx = phi(x) / Phi(x)."""

    saves_output = True

    def forward(self, a):
        return _log_ndtr64(a).astype(a.dtype)

    def backward(self, g):
        x, y = self.inputs[0], self.output
        return (g * exp(-0.5 * x * x - y - _LOG_SQRT_2PI),)


def log_ndtr(input: Tensor) -> Tensor:
    return LogNdtr.apply(_float(input, "special.log_ndtr"))


class Entr(Function):
    """-x log x (0 at 0, -inf for x < 0): d/dx = -(log x + 1)."""

    def forward(self, a):
        with np.errstate(all="ignore"):
            out = np.where(a > 0, -a * np.log(np.where(a > 0, a, 1)), 0).astype(a.dtype)
        out[a < 0] = -np.inf
        out[np.isnan(a)] = np.nan
        return out

    def backward(self, g):
        x = self.inputs[0]
        return (g * -(log(x) + 1.0),)


def entr(input: Tensor) -> Tensor:
    return Entr.apply(_float(input, "special.entr"))


class Xlog1py(Function):
    """x log1p(y), 0 where x is 0 (unless y is nan): d/dx = log1p(y), d/dy = x / (1 + y)."""

    def forward(self, a, b):
        with np.errstate(all="ignore"):
            out = a * np.log1p(b)
        out = np.where((a == 0) & ~np.isnan(b), 0, out).astype(out.dtype)
        return out

    def backward(self, g):
        from .elementwise import unbroadcast

        a, b = self.inputs
        ga = gb = None
        if a.requires_grad:
            ga = unbroadcast(g * log1p(b), a.shape)
        if b.requires_grad:
            gb = unbroadcast(g * a / (b + 1.0), b.shape)
        return ga, gb


def xlog1py(input: Any, other: Any) -> Tensor:
    return _fbinary(Xlog1py, input, other, "special.xlog1py")


def multigammaln(input: Tensor, p: int) -> Tensor:
    """The log of the multivariate gamma function of dimension p:
    p (p - 1) / 4 log pi + sum_{i < p} lgamma(x - i / 2) (defined for x > (p - 1) / 2; torch
    does not check that, nor does this)."""
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise RuntimeError(f"special.multigammaln: p must be an int >= 1, got {p!r}")
    x = _float(input, "special.multigammaln")
    offsets = _const(-np.arange(p, dtype=x.data.dtype) / 2)
    total = lgamma(x.unsqueeze(-1) + offsets).sum(-1)
    return total + p * (p - 1) / 4 * math.log(math.pi)


gammainc = igamma
gammaincc = igammac

# B_{2j} / (2j)! for the Euler-Maclaurin tail of the Hurwitz zeta function (as Cephes' zeta)
_ZETA_A = np.array([12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
                    7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
                    -4.5979787224074726105e15, 1.8152105401943546773e17,
                    -7.1661652561756670113e18])


def _zeta64(s: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The Hurwitz zeta function sum_k (k + q)^-s with Cephes' conventions: inf at s = 1,
    nan for s < 1; for q <= 0 inf at an integer q and nan unless s is an integer."""
    s, q = np.broadcast_arrays(np.asarray(s, np.float64), np.asarray(q, np.float64))
    out = np.zeros(s.shape)
    with np.errstate(all="ignore"):
        total = q ** -s
        a = q.copy()
        i = 0
        big = np.zeros(s.shape, dtype=bool)
        while i < 9 or np.any((a <= 9.0) & ~big):
            i += 1
            a = a + 1.0
            b = a ** -s
            total = total + np.where(big, 0.0, b)
            big = big | (np.abs(b / total) < 1e-17)
            if i > 10000:
                break
        w = a
        total = total + b * w / (s - 1.0) - 0.5 * b
        fac = np.ones(s.shape)
        k = np.zeros(s.shape)
        tail = np.zeros(s.shape)
        bb = b.copy()
        for j in range(12):
            fac = fac * (s + k)
            bb = bb / w
            t = fac * bb / _ZETA_A[j]
            tail = tail + np.where(big, 0.0, t)
            k = k + 1.0
            fac = fac * (s + k)
            bb = bb / w
            k = k + 1.0
        out = total + tail
        out = np.where(s == 1, np.inf, out)
        out = np.where(s < 1, np.nan, out)
        nonpos = q <= 0
        out = np.where(nonpos & (q == np.floor(q)), np.inf, out)
        out = np.where(nonpos & (q != np.floor(q)) & (s != np.floor(s)), np.nan, out)
        out = np.where(np.isnan(s) | np.isnan(q), np.nan, out)
    return out


class Zeta(Function):
    """The Hurwitz zeta function zeta(x, q): d/dq = -x zeta(x + 1, q); as torch, no
    derivative in x (backward raises when x requires grad)."""

    def forward(self, x, q):
        return _zeta64(x, q).astype(np.result_type(x, q))

    def backward(self, g):
        from .elementwise import unbroadcast

        x, q = self.inputs
        if x.requires_grad:
            raise NotImplementedError("the derivative for 'zeta' is not implemented (as in "
                                      "PyTorch; only q is differentiable)")
        return None, unbroadcast(g * -x * Zeta.apply(x + 1.0, q), q.shape)


def zeta(input: Any, other: Any) -> Tensor:
    """torch.special.zeta: the Hurwitz zeta function sum_{k >= 0} (k + other)^-input
    (either argument may be a number)."""
    return _fbinary(Zeta, input, other, "special.zeta")


# ---------------------------------------------------------------------------------------
# erfcx, and the functions torch.special has no derivative for (their results never require
# grad there, nor here): modified_bessel_i0 / i1, spherical_bessel_j0, the orthogonal
# polynomials of degree n (n elementwise, truncated to an int; 0 for n < 0)
# ---------------------------------------------------------------------------------------
_SQRT_PI = math.sqrt(math.pi)


def _erfcx64(x: np.ndarray) -> np.ndarray:
    """exp(x^2) erfc(x): directly for |x| < 2, by erfc's continued fraction for x >= 2
    (no overflow), and 2 exp(x^2) - erfcx(-x) for x <= -2."""
    x = np.asarray(x, np.float64)
    out = np.empty_like(x)
    with np.errstate(all="ignore"):
        mid = np.abs(x) < 2
        out[mid] = np.exp(x[mid] ** 2) * np.vectorize(math.erfc, otypes=[np.float64])(x[mid])
        far = ~mid & ~np.isnan(x)

        def cf(v: np.ndarray) -> np.ndarray:
            f = v.copy()
            for k in range(120, 0, -1):
                f = v + (k / 2.0) / f
            return np.where(np.isinf(v), 0.0, 1.0 / (_SQRT_PI * f))

        pos = far & (x > 0)
        out[pos] = cf(x[pos])
        neg = far & (x < 0)
        out[neg] = 2.0 * np.exp(x[neg] ** 2) - cf(-x[neg])
        out[np.isnan(x)] = np.nan
    return out


class Erfcx(Function):
    """exp(x^2) erfc(x): d/dx = 2 x erfcx(x) - 2 / sqrt(pi)."""

    saves_output = True

    def forward(self, a):
        return _erfcx64(a).astype(a.dtype)

    def backward(self, g):
        x, y = self.inputs[0], self.output
        return (g * (2.0 * x * y - 2.0 / _SQRT_PI),)


def erfcx(input: Tensor) -> Tensor:
    """The scaled complementary error function exp(x^2) erfc(x)."""
    return Erfcx.apply(_float(input, "special.erfcx"))


def _no_grad(fn: Any, x: Tensor, name: str) -> Tensor:
    x = _float(x, name)
    with np.errstate(all="ignore"):
        return Tensor._make(np.asarray(fn(x.data.astype(np.float64))).astype(x.data.dtype))


def modified_bessel_i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0 (no gradient, as torch)."""
    return _no_grad(np.i0, input, "special.modified_bessel_i0")


def modified_bessel_i1(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 1 (no gradient, as torch)."""
    return Tensor._make(i1(_float(input, "special.modified_bessel_i1")).data)


def spherical_bessel_j0(input: Tensor) -> Tensor:
    """sin(x) / x (1 at 0), the spherical Bessel function of the first kind of order 0."""
    def j0(v: np.ndarray) -> np.ndarray:
        small = np.abs(v) < 1e-4
        safe = np.where(small, 1.0, v)
        series = 1.0 - v * v / 6.0 + v ** 4 / 120.0
        return np.where(small, series, np.where(np.isinf(v), 0.0, np.sin(safe) / safe))
    return _no_grad(j0, input, "special.spherical_bessel_j0")


def _polynomial(name: str, x: Any, n: Any, p0: Any, p1: Any, step: Any,
                shift: bool = False) -> Tensor:
    """P_n(x) by the three-term recurrence P_{k+1} = step(k, x, P_k, P_{k-1})."""
    from .elementwise import _float_operands

    a, b = _float_operands(x, n)
    xv = a.data.astype(np.float64)
    nv = np.trunc(b.data.astype(np.float64))
    if shift:
        xv = 2.0 * xv - 1.0
    xv, nv = np.broadcast_arrays(xv, nv)
    top = int(nv.max()) if nv.size and np.isfinite(nv).all() else 0
    with np.errstate(all="ignore"):
        prev, cur = np.ones_like(xv), p1(xv)
        out = np.where(nv == 0, prev, 0.0)
        out = np.where(nv == 1, cur, out)
        for k in range(1, top):
            prev, cur = cur, step(k, xv, cur, prev)
            out = np.where(nv == k + 1, cur, out)
    out = np.where(nv < 0, 0.0, out)
    return Tensor._make(np.asarray(out, dtype=a.data.dtype))


def _CHEB(k: int, x: np.ndarray, c: np.ndarray, p: np.ndarray) -> np.ndarray:
    return 2.0 * x * c - p


def chebyshev_polynomial_t(input: Any, n: Any) -> Tensor:
    return _polynomial("chebyshev_polynomial_t", input, n, 1, lambda x: x, _CHEB)


def chebyshev_polynomial_u(input: Any, n: Any) -> Tensor:
    return _polynomial("chebyshev_polynomial_u", input, n, 1, lambda x: 2 * x, _CHEB)


def chebyshev_polynomial_v(input: Any, n: Any) -> Tensor:
    return _polynomial("chebyshev_polynomial_v", input, n, 1, lambda x: 2 * x - 1,
                       _CHEB)


def chebyshev_polynomial_w(input: Any, n: Any) -> Tensor:
    return _polynomial("chebyshev_polynomial_w", input, n, 1, lambda x: 2 * x + 1,
                       _CHEB)


def shifted_chebyshev_polynomial_t(input: Any, n: Any) -> Tensor:
    return _polynomial("shifted_chebyshev_polynomial_t", input, n, 1, lambda x: x,
                       _CHEB, shift=True)


def shifted_chebyshev_polynomial_u(input: Any, n: Any) -> Tensor:
    return _polynomial("shifted_chebyshev_polynomial_u", input, n, 1, lambda x: 2 * x,
                       _CHEB, shift=True)


def shifted_chebyshev_polynomial_v(input: Any, n: Any) -> Tensor:
    return _polynomial("shifted_chebyshev_polynomial_v", input, n, 1, lambda x: 2 * x - 1,
                       _CHEB, shift=True)


def shifted_chebyshev_polynomial_w(input: Any, n: Any) -> Tensor:
    return _polynomial("shifted_chebyshev_polynomial_w", input, n, 1, lambda x: 2 * x + 1,
                       _CHEB, shift=True)


def hermite_polynomial_h(input: Any, n: Any) -> Tensor:
    """The physicists' Hermite polynomial H_n(x)."""
    return _polynomial("hermite_polynomial_h", input, n, 1, lambda x: 2 * x,
                       lambda k, x, c, p: 2.0 * x * c - 2.0 * k * p)


def hermite_polynomial_he(input: Any, n: Any) -> Tensor:
    """The probabilists' Hermite polynomial He_n(x)."""
    return _polynomial("hermite_polynomial_he", input, n, 1, lambda x: x,
                       lambda k, x, c, p: x * c - k * p)


def laguerre_polynomial_l(input: Any, n: Any) -> Tensor:
    """The Laguerre polynomial L_n(x)."""
    return _polynomial("laguerre_polynomial_l", input, n, 1, lambda x: 1 - x,
                       lambda k, x, c, p: ((2 * k + 1 - x) * c - k * p) / (k + 1))


def legendre_polynomial_p(input: Any, n: Any) -> Tensor:
    """The Legendre polynomial P_n(x)."""
    return _polynomial("legendre_polynomial_p", input, n, 1, lambda x: x,
                       lambda k, x, c, p: ((2 * k + 1) * x * c - k * p) / (k + 1))
