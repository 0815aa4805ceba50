"""Activation functions beyond the basic ones in elementwise.py (relu, sigmoid, tanh, ...).

Each activation is one ``Function``: ``forward`` is a fused numpy expression and ``deriv``
the derivative d act(x) / dx, written ONCE against a small math namespace ``xp`` so the same
formula runs on ndarrays (plain ``backward()``: numpy speed) and on Tensors
(``create_graph=True``: the gradient is itself differentiable). Masks of piecewise functions
are read from the input's values (``v``) and are constants either way.

The kinks follow PyTorch's kernels: e.g. hardtanh passes the gradient only strictly inside
(min_val, max_val), elu and selu use their exponential branch at x = 0, hardshrink and
softshrink give 0 at +-lambd. The public functions are in ``nn.functional`` (their one home).
"""

from __future__ import annotations

import math

import numpy as np

from ..function import Function, is_grad_enabled
from ..tensor import Tensor
from . import elementwise as E

__all__: list[str] = []  # public forms: nn.functional

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_GELU_K = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def _np_softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(x.dtype.type(0), x)


class _ArrayMath:
    """The ``xp`` of deriv on ndarrays."""

    exp = staticmethod(np.exp)
    tanh = staticmethod(np.tanh)
    abs = staticmethod(np.abs)
    sigmoid = staticmethod(_np_sigmoid)
    softplus = staticmethod(_np_softplus)
    where = staticmethod(np.where)


class _TensorMath:
    """The ``xp`` of deriv on Tensors (differentiable ops)."""

    exp = staticmethod(E.exp)
    tanh = staticmethod(E.tanh)
    abs = staticmethod(E.abs)
    sigmoid = staticmethod(E.sigmoid)
    where = staticmethod(E.where)

    @staticmethod
    def softplus(x: Tensor) -> Tensor:
        return Softplus.apply(x, beta=1.0, threshold=math.inf)


class Pointwise(Function):
    """Base of the activations: y = f(x, **params), dy/dx = deriv(x, v, xp, **params)."""

    __slots__ = ("params",)  # kept after backward releases the graph, for describe()

    def describe(self) -> str:
        params = getattr(self, "params", None) or {}
        shown = ", ".join(f"{k}={v:g}" for k, v in params.items() if isinstance(v, float))
        return f"{self.name}({shown})" if shown else self.name

    def forward(self, a, **params):
        self.params = params
        with np.errstate(over="ignore", under="ignore"):
            return self.f(a, **params).astype(a.dtype, copy=False)

    @staticmethod
    def f(x, **params):
        raise NotImplementedError

    @staticmethod
    def deriv(x, v, xp, **params):
        raise NotImplementedError

    def backward(self, g):
        x = self.inputs[0]
        v = x.data
        if not is_grad_enabled():
            with np.errstate(over="ignore", under="ignore"):
                d = self.deriv(v, v, _ArrayMath, **self.params)
                return (Tensor._make((g.data * d).astype(v.dtype, copy=False)),)
        d = self.deriv(x, v, _TensorMath, **self.params)
        if not isinstance(d, Tensor):
            d = Tensor._make(np.asarray(d, dtype=v.dtype))
        return (g * d,)


class Hardtanh(Function):
    """clamp(x, lo, hi); gradient 1 strictly inside (lo, hi), as torch (relu6 = (0, 6))."""

    def forward(self, a, lo, hi):
        self.lo, self.hi = lo, hi
        return np.clip(a, a.dtype.type(lo), a.dtype.type(hi))

    def backward(self, g):
        v = self.inputs[0].data
        return (g * Tensor._make(((v > self.lo) & (v < self.hi)).astype(g.dtype)),)


class Threshold(Function):
    """y = x where x > threshold, else value; gradient 1 where x > threshold."""

    def forward(self, a, threshold, value):
        self.threshold = threshold
        return np.where(a > threshold, a, np.asarray(value).astype(a.dtype))

    def backward(self, g):
        v = self.inputs[0].data
        return (g * Tensor._make((v > self.threshold).astype(g.dtype)),)


class Elu(Pointwise):
    """scale * (x if x > 0 else alpha (exp(x * input_scale) - 1)): elu, celu and selu."""

    @staticmethod
    def f(x, alpha, scale, input_scale):
        neg = alpha * np.expm1(np.minimum(x, 0) * input_scale)
        return scale * np.where(x > 0, x, neg)

    @staticmethod
    def deriv(x, v, xp, alpha, scale, input_scale):
        neg = (v <= 0).astype(v.dtype)
        neg_x = x * (neg if xp is _ArrayMath else Tensor._make(neg))  # exp never overflows
        return xp.where(v > 0, scale, (scale * alpha * input_scale) * xp.exp(neg_x * input_scale))


class Silu(Pointwise):
    """x * sigmoid(x)."""

    @staticmethod
    def f(x):
        return x * _np_sigmoid(x)

    @staticmethod
    def deriv(x, v, xp):
        s = xp.sigmoid(x)
        return s * (1.0 + x * (1.0 - s))


class Mish(Pointwise):
    """x * tanh(softplus(x))."""

    @staticmethod
    def f(x):
        return x * np.tanh(_np_softplus(x))

    @staticmethod
    def deriv(x, v, xp):
        t = xp.tanh(xp.softplus(x))
        return t + x * (1.0 - t * t) * xp.sigmoid(x)


class Softplus(Pointwise):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as torch)."""

    @staticmethod
    def f(x, beta, threshold):
        bx = x * beta
        return np.where(bx > threshold, x, _np_softplus(bx) / beta)

    @staticmethod
    def deriv(x, v, xp, beta, threshold):
        return xp.where(v * beta > threshold, 1.0, xp.sigmoid(x * beta))


class Softsign(Pointwise):
    """x / (1 + |x|)."""

    @staticmethod
    def f(x):
        return x / (1 + np.abs(x))

    @staticmethod
    def deriv(x, v, xp):
        d = 1.0 + xp.abs(x)
        return 1.0 / (d * d)


class Hardsigmoid(Pointwise):
    """relu6(x + 3) / 6; gradient 1/6 strictly inside (-3, 3)."""

    @staticmethod
    def f(x):
        return np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def deriv(x, v, xp):
        return ((v > -3) & (v < 3)) / 6.0


class Hardswish(Pointwise):
    """x * relu6(x + 3) / 6; gradient 0 for x <= -3, x / 3 + 1/2 inside, 1 for x >= 3."""

    @staticmethod
    def f(x):
        return x * np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def deriv(x, v, xp):
        mid = ((v > -3) & (v < 3)).astype(v.dtype)
        high = (v >= 3).astype(v.dtype)
        slope = mid / 3.0
        if xp is _TensorMath:
            slope = Tensor._make(slope)
        return x * slope + (0.5 * mid + high)


class LogSigmoid(Pointwise):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), stable for any x."""

    @staticmethod
    def f(x):
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def deriv(x, v, xp):
        return xp.sigmoid(-x)


class Tanhshrink(Pointwise):
    """x - tanh(x)."""

    @staticmethod
    def f(x):
        return x - np.tanh(x)

    @staticmethod
    def deriv(x, v, xp):
        t = xp.tanh(x)
        return t * t


class Shrink(Pointwise):
    """hardshrink (x where |x| > lambd, else 0) and softshrink (x -+ lambd outside, else 0);
    the gradient is 1 where |x| > lambd, 0 on [-lambd, lambd] (as torch)."""

    @staticmethod
    def f(x, lambd, soft):
        out = np.where((x > lambd) | (x < -lambd), x, 0)
        return out - np.sign(out) * lambd if soft else out

    @staticmethod
    def deriv(x, v, xp, lambd, soft):
        return (v > lambd) | (v < -lambd)


class GeluTanh(Pointwise):
    """The tanh approximation of GELU: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""

    @staticmethod
    def f(x):
        return 0.5 * x * (1.0 + np.tanh(_GELU_K * (x + _GELU_C * x * x * x)))

    @staticmethod
    def deriv(x, v, xp):
        x2 = x * x
        t = xp.tanh((x + _GELU_C * x2 * x) * _GELU_K)
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * (_GELU_K * (1.0 + 3 * _GELU_C * x2))


def float_input(x: object, who: str) -> Tensor:
    """x as a floating Tensor; integer tensors are refused as torch does for these kernels."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(x).__name__}")
    if x.data.dtype.kind != "f":
        raise NotImplementedError(f"{who}: not implemented for integer/bool tensors (got "
                                  f"{x.dtype}); convert with .float() first")
    return x
