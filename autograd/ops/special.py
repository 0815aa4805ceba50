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
