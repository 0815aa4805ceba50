"""Reductions (sum, mean, max, min, var, std, logsumexp, argmax) and softmax / log_softmax.

Axes follow numpy: ``axis`` is an int, a tuple of ints or None (all axes), negative counts
from the end, and ``keepdims`` keeps the reduced axes with size 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels as K
from ..function import Function, is_grad_enabled
from ..tensor import Tensor

__all__ = ["argmax", "argmin", "log_softmax", "logsumexp", "max", "mean", "min", "softmax",
           "std", "sum", "var"]


def normalize_axis(axis: Any, ndim: int, who: str) -> tuple[int, ...]:
    """numpy-style axis (None, int, tuple) -> sorted tuple of non-negative ints, validated."""
    if axis is None:
        return tuple(range(ndim))
    try:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    except TypeError:
        raise TypeError(f"{who}: axis must be an int or a tuple of ints, got {axis!r}") from None
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{who}: axis must be an int or a tuple of ints, got {axis!r}")
        if ndim == 0 and a in (0, -1):  # a 0-d tensor has one (trivial) axis, as in torch
            continue
        if not -ndim <= a < ndim:
            raise ValueError(f"{who}: axis {a} is out of range for a tensor with {ndim} "
                             f"dimension{'s' if ndim != 1 else ''}")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{who}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    saves_inputs = False

    def forward(self, a, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims
        return np.asarray(K.active.sum(a, axes, keepdims))

    def backward(self, g):
        shape = self.inputs[0].shape
        if not self.keepdims:
            g = g.reshape(_kept_shape(shape, self.axes))
        return (g if g.shape == shape else BroadcastTo.apply(g, shape=shape),)


class Max(Function):
    """max/min over axes. Ties share the gradient evenly (as torch.amax/amin document)."""

    saves_output = True

    def forward(self, a, axes, keepdims, smallest):
        self.axes, self.keepdims = axes, keepdims
        if a.size == 0:
            raise ValueError(f"{'min' if smallest else 'max'}: cannot reduce an empty tensor")
        if smallest:
            return np.asarray(np.min(a, axis=axes, keepdims=keepdims))
        return np.asarray(K.active.max(a, axes, keepdims))

    def backward(self, g):
        x = self.inputs[0]
        kept = _kept_shape(x.shape, self.axes)
        out = self.output.data.reshape(kept)
        mask = (x.data == out)
        share = (mask / mask.sum(axis=self.axes, keepdims=True)).astype(x.dtype)
        if not self.keepdims:
            g = g.reshape(kept)
        return (g * Tensor._make(share),)


class Softmax(Function):
    """softmax along an axis, max-shifted so exp never overflows."""

    saves_inputs = False
    saves_output = True

    def forward(self, a, axis):
        self.axis = axis
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    def backward(self, g):
        y = self.output
        return (y * (g - (g * y).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    """x - logsumexp(x) along an axis, computed stably."""

    saves_inputs = False
    saves_output = True

    def forward(self, a, axis):
        self.axis = axis
        shifted = a - a.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def backward(self, g):
        y = self.output
        if not is_grad_enabled():
            yd, gd = y.data, g.data
            return (Tensor._make(gd - np.exp(yd) * gd.sum(axis=self.axis, keepdims=True)),)
        return (g - y.exp() * g.sum(axis=self.axis, keepdims=True),)


def sum(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Sum.apply(x, axes=normalize_axis(axis, x.ndim, "sum"), keepdims=keepdims)


def mean(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    axes = normalize_axis(axis, x.ndim, "mean")
    n = int(np.prod([x.shape[a] for a in axes])) if axes else 1
    if n == 0:
        raise ValueError(f"mean: cannot average over an empty axis (shape {x.shape})")
    if x.data.dtype.kind != "f":
        x = x.astype(np.float32)
    return Sum.apply(x, axes=axes, keepdims=keepdims) * (1.0 / n)


def max(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Max.apply(x, axes=normalize_axis(axis, x.ndim, "max"), keepdims=keepdims,
                     smallest=False)


def min(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Max.apply(x, axes=normalize_axis(axis, x.ndim, "min"), keepdims=keepdims,
                     smallest=True)


def var(x: Tensor, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance, numpy's convention: ddof=0 divides by n (torch.var's default is ddof=1)."""
    axes = normalize_axis(axis, x.ndim, "var")
    n = int(np.prod([x.shape[a] for a in axes])) if axes else 1
    if n - ddof <= 0:
        raise ValueError(f"var: {n} element(s) along the axis is too few for ddof={ddof}")
    d = x - mean(x, axes, keepdims=True)
    return sum(d * d, axes, keepdims) * (1.0 / (n - ddof))


class StdSqrt(Function):
    """sqrt of a variance, with gradient 0 where the spread is 0 (as torch.std) instead of nan."""

    saves_inputs = False
    saves_output = True

    def forward(self, v):
        return np.sqrt(v)

    def backward(self, g):
        y = self.output
        flat = y.data == 0
        safe = Tensor._make(np.where(flat, 1.0, 0.0).astype(y.dtype)) + y  # 1 where y == 0
        return (g * Tensor._make((~flat).astype(y.dtype)) / (2.0 * safe),)


def std(x: Tensor, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Standard deviation (ddof as in var); at zero spread its gradient is 0, as torch's."""
    return StdSqrt.apply(var(x, axis, keepdims, ddof))


def logsumexp(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) shifted by the (constant) max so it never overflows."""
    axes = normalize_axis(axis, x.ndim, "logsumexp")
    m = np.max(x.data, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0).astype(x.dtype)
    mt = Tensor._make(m)
    out = (x - mt).exp().sum(axes, keepdims=True).log() + mt
    return out if keepdims else out.reshape(tuple(n for i, n in enumerate(out.shape)
                                                  if i not in axes))


def argmax(x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    if axis is not None:
        normalize_axis(axis, x.ndim, "argmax")
    return Tensor._make(np.asarray(np.argmax(x.data, axis=axis, keepdims=keepdims)))


def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    if axis is not None:
        normalize_axis(axis, x.ndim, "argmin")
    return Tensor._make(np.asarray(np.argmin(x.data, axis=axis, keepdims=keepdims)))


def _one_axis(axis: Any, ndim: int, who: str) -> int | None:
    """A single axis, normalized; None for a 0-d tensor (its one trivial axis)."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{who}: axis must be an int, got {axis!r}")
    axes = normalize_axis(axis, ndim, who)
    return axes[0] if axes else None


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    return Softmax.apply(x, axis=_one_axis(axis, x.ndim, "softmax"))


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    return LogSoftmax.apply(x, axis=_one_axis(axis, x.ndim, "log_softmax"))


from .shape import BroadcastTo  # noqa: E402  (shape.py imports this module)
