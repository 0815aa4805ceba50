"""Reductions with PyTorch's meanings: sum mean prod, max/min, amax/amin, var/std, norms,
logsumexp, any/all, count_nonzero, nansum/nanmean, and softmax / log_softmax / softmin.

``dim`` is an int, a tuple/list of ints or None (all dims; for the multi-dim reductions an
empty tuple means all dims too, as in torch); negative counts from the end; ``keepdim``
keeps the reduced dims with size 1. numpy's ``axis`` / ``keepdims`` / ``ddof`` are accepted
as aliases meaning the same. Where numpy and torch disagree torch wins: ``x.max(dim)``
returns ``(values, indices)``, ``var``/``std`` default to ``correction=1``, the sum of an
integer tensor is int64 and the mean of one is an error.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple
from typing import Any

import numpy as np

from .. import kernels as K
from ..function import Function, is_grad_enabled
from ..tensor import ShapeError, Tensor, _as_dtype

__all__ = ["amax", "amin", "aminmax", "all", "any", "argmax", "argmin", "corrcoef",
           "count_nonzero", "cov", "log_softmax", "logsumexp", "max", "mean", "min", "nanmean",
           "nansum", "norm", "prod", "renorm", "softmax", "softmin", "std", "std_mean", "sum",
           "trapezoid", "trapz", "var", "var_mean", "vector_norm"]


class DimError(IndexError, ValueError, RuntimeError):
    """A dim out of range (or no dim where one is needed): an IndexError as torch raises, a
    ValueError as numpy does, and a RuntimeError as numbagrad's older messages were."""


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
            raise DimError(f"{who}: axis {a} is out of range for a tensor with {ndim} "
                           f"dimension{'s' if ndim != 1 else ''}")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"{who}: repeated axis in {axis!r} (each dim may appear once)")
    return tuple(sorted(out))


def _alias(who: str, dim: Any, axis: Any, keepdim: bool, keepdims: Any) -> tuple[Any, bool]:
    """(dim, keepdim) from torch's names or numpy's aliases (``axis``, ``keepdims``)."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{who}: got both dim={dim!r} and its alias axis={axis!r}; "
                            "pass one")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)


def _dims(who: str, x: Tensor, dim: Any) -> tuple[int, ...]:
    """The dims a multi-dim reduction reduces: None and () mean all of them (as torch)."""
    if dim is None or (dim.__class__ in (tuple, list) and not dim):
        return tuple(range(x.ndim))
    return normalize_axis(dim, x.ndim, who)


def _one_axis(axis: Any, ndim: int, who: str) -> int | None:
    """A single dim, normalized; None for a 0-d tensor (its one trivial dim)."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{who}: axis must be an int, got {axis!r}")
    axes = normalize_axis(axis, ndim, who)
    return axes[0] if axes else None


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    return math.prod(shape[a] for a in axes)


def _cast(x: Tensor, dtype: Any) -> Tensor:
    """``dtype=``: the input is cast before the op, as torch does."""
    if dtype is None:
        return x
    dt = _as_dtype(dtype)
    return x if dt == x.data.dtype else x.astype(dt)


def _need_float(x: Tensor, who: str) -> None:
    if x.data.dtype.kind != "f":
        raise RuntimeError(f"{who}: expected a floating point tensor, got {x.dtype}; pass "
                           "dtype=autograd.float32 or call .float() first")


def _to_int64(x: Tensor) -> Tensor:
    """Integer and bool tensors sum (and multiply) in int64, as torch."""
    if x.data.dtype.kind in "biu" and x.data.dtype != np.int64:
        return Tensor._make(x.data.astype(np.int64))
    return x


def _return_type(name: str, fields: str = "values indices") -> type:
    """A named tuple like torch.return_types.<name>: ``.values``, ``.indices``, unpackable."""
    cls = namedtuple(name, fields)
    cls.__module__ = "autograd.return_types"
    return cls


_ret = {n: _return_type(n) for n in ("max", "min", "sort", "topk", "kthvalue", "median",
                                     "nanmedian", "mode", "cummax", "cummin")}
_ret["aminmax"] = _return_type("aminmax", "min max")


# ---------------------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------------------
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


class Mean(Function):
    saves_inputs = False

    def forward(self, a, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims
        self.n = n = _count(a.shape, axes)
        s = K.active.sum(a, axes, keepdims)
        if n:
            return np.asarray(s / a.dtype.type(n))
        return np.full(np.shape(s), np.nan, dtype=a.dtype)  # the mean of nothing is nan

    def backward(self, g):
        shape = self.inputs[0].shape
        if not self.keepdims:
            g = g.reshape(_kept_shape(shape, self.axes))
        g = g * (1.0 / self.n) if self.n else g
        return (g if g.shape == shape else BroadcastTo.apply(g, shape=shape),)


class Amax(Function):
    """amax over dims. Ties share the gradient evenly (as torch.amax/amin document); its
    subclasses differ only in their direction and in the name a graph shows."""

    saves_output = True
    smallest = False
    #: where the result is nan, do the input's nans share the gradient (torch's full max,
    #: min and median), or is it nan (torch's amax/amin: no element equals a nan result)?
    nan_shares = False

    def forward(self, a, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims
        if self.smallest:
            return np.asarray(np.min(a, axis=axes, keepdims=keepdims))
        return np.asarray(K.active.max(a, axes, keepdims))

    def backward(self, g):
        x = self.inputs[0]
        kept = _kept_shape(x.shape, self.axes)
        out = self.output.data.reshape(kept)
        mask = x.data == out
        if self.nan_shares and x.data.dtype.kind == "f":
            mask |= np.isnan(x.data) & np.isnan(out)  # a nan result: the nans share it
        with np.errstate(invalid="ignore", divide="ignore"):
            share = (mask / mask.sum(axis=self.axes, keepdims=True)).astype(x.dtype)
        if not self.keepdims:
            g = g.reshape(kept)
        return (g * Tensor._make(share),)


class Amin(Amax):
    smallest = True


class Max(Amax):
    """x.max() over everything (torch's full max: ties share the gradient too)."""

    nan_shares = True


class Min(Amax):
    smallest = True
    nan_shares = True


class Median(Amax):
    """The lower median of all elements (nan if any is nan); ties share the gradient."""

    ignore_nan = False
    nan_shares = True

    def forward(self, a, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims
        flat = np.sort(a.reshape(-1))  # nans sort last
        n = flat.size
        if self.ignore_nan and a.dtype.kind == "f":
            n -= int(np.isnan(flat).sum())
        elif a.dtype.kind == "f" and n and np.isnan(flat[-1]):
            return np.asarray(flat[-1])
        if n == 0:
            if a.dtype.kind != "f":
                raise RuntimeError(f"{self.name}: an empty {a.dtype} tensor has no median")
            return np.asarray(np.nan, dtype=a.dtype)
        return np.asarray(flat[(n - 1) // 2])


class NanMedian(Median):
    ignore_nan = True


class Prod(Function):
    """The product over dims. Its gradient is the product of the *other* elements, exact
    where the input has zeros (one zero: only it gets a gradient; two: nobody does)."""

    saves_output = True

    def forward(self, a, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims
        return np.asarray(np.prod(a, axis=axes, keepdims=keepdims))

    def backward(self, g):
        x = self.inputs[0]
        kept = _kept_shape(x.shape, self.axes)
        if not self.keepdims:
            g = g.reshape(kept)
        zeros = not np.all(x.data)
        if not is_grad_enabled():
            if zeros:
                others = _prod_others(x.data, self.axes)
            else:
                others = self.output.data.reshape(kept) / x.data
            return (Tensor._make((g.data * others).astype(x.dtype, copy=False)),)
        if not zeros:
            return (g * self.output.reshape(kept) / x,)
        return (g * _prod_others_graph(x, self.axes),)


def _to_last(a: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, list[int]]:
    """a with the dims in axes moved to the end and flattened into one; and the order used."""
    rest = [i for i in range(a.ndim) if i not in axes]
    order = rest + list(axes)
    return a.transpose(order).reshape(tuple(a.shape[i] for i in rest) + (-1,)), order


def _from_last(b: np.ndarray, shape: tuple[int, ...], order: list[int]) -> np.ndarray:
    return b.reshape(tuple(shape[i] for i in order)).transpose(np.argsort(order))


def _prod_others(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """For each element, the product of the others in its group (no division: zeros work)."""
    b, order = _to_last(a, axes)
    one = np.ones(b.shape[:-1] + (1,), dtype=b.dtype)
    left = np.cumprod(np.concatenate([one, b[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([one, b[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return _from_last(left * right, a.shape, order)


def _prod_others_graph(x: Tensor, axes: tuple[int, ...]) -> Tensor:
    """_prod_others written with differentiable ops (create_graph with zeros in the input):
    row i of an n x n matrix holds the group with element i replaced by 1; prod each row."""
    rest = [i for i in range(x.ndim) if i not in axes]
    order = rest + list(axes)
    lead = tuple(x.shape[i] for i in rest)
    n = _count(x.shape, axes)
    b = x.permute(*order).reshape(lead + (1, n)).broadcast_to(lead + (n, n))
    eye = Tensor._make(np.eye(n, dtype=bool))
    others = prod(where(eye, 1.0, b), -1)
    back = tuple(int(i) for i in np.argsort(order))
    return others.reshape(tuple(x.shape[i] for i in order)).permute(*back)


class Var(Function):
    """The variance with ``correction`` (torch's name for numpy's ddof)."""

    def forward(self, a, axes, keepdims, correction):
        self.axes, self.keepdims = axes, keepdims
        self.denom = builtins.max(0.0, _count(a.shape, axes) - correction)
        d = a - a.mean(axis=axes, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(np.sum(d * d, axis=axes, keepdims=keepdims)
                              / a.dtype.type(self.denom))

    def backward(self, g):
        x = self.inputs[0]
        if not self.keepdims:
            g = g.reshape(_kept_shape(x.shape, self.axes))
        if self.denom:
            return (g * (x - mean(x, self.axes, keepdim=True)) * (2.0 / self.denom),)
        with np.errstate(invalid="ignore"):  # no degrees of freedom: nan, as torch
            return (g * (x - mean(x, self.axes, keepdim=True)) * math.inf,)


class Std(Var):
    """sqrt of the variance; where the spread is 0 its gradient is 0 (as torch.std)."""

    saves_output = True

    def forward(self, a, axes, keepdims, correction):
        return np.sqrt(super().forward(a, axes, keepdims, correction))

    def backward(self, g):
        x = self.inputs[0]
        kept = _kept_shape(x.shape, self.axes)
        y = self.output.reshape(kept)
        if not self.keepdims:
            g = g.reshape(kept)
        flat = y.data == 0
        if flat.any():
            y = where(Tensor._make(flat), 1.0, y)
            g = where(Tensor._make(flat), 0.0, g)
        denom = self.denom if self.denom else 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            return (g * (x - mean(x, self.axes, keepdim=True)) / (y * denom),)


class LogSumExp(Function):
    """log(sum(exp(x))), shifted by the max so it never overflows; d/dx = exp(x - out)."""

    saves_output = True

    def forward(self, a, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims
        m = np.max(a, axis=axes, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0.0).astype(a.dtype)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            out = np.log(np.sum(np.exp(a - m), axis=axes, keepdims=True)) + m
        return out if keepdims else out.reshape(tuple(n for i, n in enumerate(a.shape)
                                                      if i not in axes))

    def backward(self, g):
        x = self.inputs[0]
        kept = _kept_shape(x.shape, self.axes)
        out = self.output.reshape(kept)
        if not self.keepdims:
            g = g.reshape(kept)
        if not is_grad_enabled():
            with np.errstate(invalid="ignore", over="ignore"):
                return (Tensor._make(g.data * np.exp(x.data - out.data)),)
        return (g * (x - out).exp(),)


class VectorNorm(Function):
    """The p-norm over dims: p = 2, 1, inf, -inf, 0 (the count of non-zeros) or any number.
    At 0 the gradient is 0; inf/-inf share it among the elements of largest/smallest |x|."""

    saves_output = True
    name = "vector_norm"

    def forward(self, a, p, axes, keepdims):
        self.p, self.axes, self.keepdims = p, axes, keepdims
        m = np.abs(a)
        if p == 2:
            out = np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdims))
        elif p == 1:
            out = np.sum(m, axis=axes, keepdims=keepdims)
        elif p == math.inf:
            out = np.max(m, axis=axes, keepdims=keepdims)
        elif p == -math.inf:
            out = np.min(m, axis=axes, keepdims=keepdims)
        elif p == 0:
            out = np.sum(a != 0, axis=axes, keepdims=keepdims).astype(a.dtype)
        else:
            with np.errstate(divide="ignore", over="ignore"):
                out = np.sum(m ** a.dtype.type(p), axis=axes, keepdims=keepdims) \
                    ** a.dtype.type(1.0 / p)
        return np.asarray(out, dtype=a.dtype)

    def backward(self, g):
        x = self.inputs[0]
        p = self.p
        kept = _kept_shape(x.shape, self.axes)
        if not self.keepdims:
            g = g.reshape(kept)
        out = self.output.reshape(kept)
        sign = Tensor._make(np.sign(x.data))
        if p == 0:
            return (g * Tensor._make(np.zeros_like(x.data)),)
        if p == 1:
            return (g * sign,)
        if p in (math.inf, -math.inf):
            mask = np.abs(x.data) == out.data
            share = (mask / mask.sum(axis=self.axes, keepdims=True)).astype(x.dtype)
            return (g * sign * Tensor._make(share),)
        dead = out.data == 0
        if p == 2:
            safe = where(Tensor._make(dead), 1.0, out) if dead.any() else out
            return (g * x / safe,)
        dead = dead | (x.data == 0)
        xs = where(Tensor._make(dead), 1.0, x)
        ns = where(Tensor._make(out.data == 0), 1.0, out)
        grad = g * xs * xs.abs() ** (p - 2) / ns ** (p - 1)
        return (where(Tensor._make(dead), 0.0, grad),)


class Softmax(Function):
    """softmax along an axis, max-shifted so exp never overflows."""

    saves_inputs = False
    saves_output = True

    def forward(self, a, axis):
        self.axis = axis
        if a.size == 0:
            return a.copy()  # an empty input (no max to shift by): an empty output, as torch
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    def backward(self, g):
        y = self.output
        return (y * (g - (g * y).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    """x - logsumexp(x) along an axis, computed stably."""

    name = "log_softmax"
    saves_inputs = False
    saves_output = True

    def forward(self, a, axis):
        self.axis = axis
        if a.size == 0:
            return a.copy()
        shifted = a - a.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def backward(self, g):
        y = self.output
        if not is_grad_enabled():
            yd, gd = y.data, g.data
            return (Tensor._make(gd - np.exp(yd) * gd.sum(axis=self.axis, keepdims=True)),)
        return (g - y.exp() * g.sum(axis=self.axis, keepdims=True),)


# ---------------------------------------------------------------------------------------
# public functions (Tensor methods call these)
# ---------------------------------------------------------------------------------------
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
        axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Sum over dim (int, tuple, None = all). Integer and bool tensors sum to int64."""
    if axis is not None or keepdims is not None:
        dim, keepdim = _alias("sum", dim, axis, keepdim, keepdims)
    x = _to_int64(_cast(input, dtype))
    return Sum.apply(x, axes=_dims("sum", x, dim), keepdims=keepdim)


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
           axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """sum treating nan as 0 (their gradient is 0)."""
    dim, keepdim = _alias("nansum", dim, axis, keepdim, keepdims)
    x = _cast(input, dtype)
    if x.data.dtype.kind == "f":
        nan = np.isnan(x.data)
        if nan.any():
            x = where(Tensor._make(nan), 0.0, x)
    return sum(x, dim, keepdim)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
         axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """The mean over dim; nan over an empty dim. An integer tensor is an error (as torch):
    pass dtype= or convert it first."""
    if axis is not None or keepdims is not None:
        dim, keepdim = _alias("mean", dim, axis, keepdim, keepdims)
    x = _cast(input, dtype)
    if x.data.dtype.kind != "f":
        raise RuntimeError(f"mean: could not infer the output dtype: the input is {x.dtype}, "
                           "expected a floating point tensor; pass dtype=autograd.float32 "
                           "or call .float() first")
    return Mean.apply(x, axes=_dims("mean", x, dim), keepdims=keepdim)


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
            axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """The mean of the non-nan elements (nan where all are nan)."""
    dim, keepdim = _alias("nanmean", dim, axis, keepdim, keepdims)
    x = _cast(input, dtype)
    _need_float(x, "nanmean")
    axes = _dims("nanmean", x, dim)
    n = np.sum(~np.isnan(x.data), axis=axes, keepdims=keepdim)
    with np.errstate(divide="ignore"):  # nothing but nans: 0 * inf = nan, as torch
        inv = (1.0 / n).astype(x.dtype)
    with np.errstate(invalid="ignore"):
        return nansum(x, axes, keepdim) * Tensor._make(inv)


def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
         axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """The product over dim (an int; None = all). Integer and bool tensors give int64."""
    dim, keepdim = _alias("prod", dim, axis, keepdim, keepdims)
    x = _to_int64(_cast(input, dtype))
    if dim is None:
        return Prod.apply(x, axes=tuple(range(x.ndim)), keepdims=False)
    return Prod.apply(x, axes=normalize_axis(dim, x.ndim, "prod"), keepdims=keepdim)


def _extreme(who: str, x: Tensor, dim: Any, keepdim: bool) -> Any:
    """max / min: over everything (a 0-d value), or along one dim (values, indices)."""
    smallest = who == "min"
    if dim is None:
        if x.data.size == 0:
            raise RuntimeError(f"{who}: cannot reduce an empty tensor (shape {x.shape}) "
                               "without a dim; give dim=")
        fn = Min if smallest else Max
        return fn.apply(x, axes=tuple(range(x.ndim)), keepdims=bool(keepdim))
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{who}: dim must be an int, got {dim!r} (amax/amin reduce several "
                        "dims)")
    d = _one_axis(dim, x.ndim, who)
    if d is None:  # a 0-d tensor: itself, at index 0
        return _ret[who](_pick(who, x, np.zeros((), np.int64), None, True),
                         Tensor._make(np.zeros((), np.int64)))
    if x.shape[d] == 0:
        raise IndexError(f"{who}: cannot reduce dim {dim} of size 0 (shape {x.shape})")
    arg = np.argmin if smallest else np.argmax
    idx = arg(x.data, axis=d, keepdims=True)  # the first extreme; a nan wins, as torch
    return _ret[who](_pick(who, x, idx, d, keepdim),
                     Tensor._make(idx if keepdim else idx.reshape(idx.shape[:d]
                                                                  + idx.shape[d + 1:])))


def max(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: bool | None = None) -> Any:
    """torch.max: ``max(x)`` the largest element (0-d), ``max(x, dim)`` the named tuple
    ``(values, indices)`` along dim (gradient to the chosen index), ``max(x, other)`` the
    elementwise maximum."""
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    dim, keepdim = _alias("max", dim, axis, keepdim, keepdims)
    return _extreme("max", input, dim, keepdim)


def min(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: bool | None = None) -> Any:
    """torch.min: as max (see there)."""
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    dim, keepdim = _alias("min", dim, axis, keepdim, keepdims)
    return _extreme("min", input, dim, keepdim)


def _amax(fn: type[Function], who: str, x: Tensor, dim: Any, keepdim: bool) -> Tensor:
    axes = _dims(who, x, dim)
    if x.data.size == 0 and (dim is None or dim == ()):
        raise RuntimeError(f"{who}: an empty tensor (shape {x.shape}) has no extreme; give "
                           "the dim to reduce")
    for a in axes:
        if x.shape[a] == 0:
            raise IndexError(f"{who}: cannot reduce dim {a} of size 0 (shape {x.shape})")
    return fn.apply(x, axes=axes, keepdims=keepdim)


def amax(input: Tensor, dim: Any = (), keepdim: bool = False, *, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """The largest value over dim (int, tuple; () = all); ties share the gradient evenly."""
    dim, keepdim = _alias("amax", None if dim == () else dim, axis, keepdim, keepdims)
    return _amax(Amax, "amax", input, dim, keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False, *, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """The smallest value over dim (int, tuple; () = all); ties share the gradient evenly."""
    dim, keepdim = _alias("amin", None if dim == () else dim, axis, keepdim, keepdims)
    return _amax(Amin, "amin", input, dim, keepdim)


def aminmax(input: Tensor, *, dim: Any = None, keepdim: bool = False) -> Any:
    """The named tuple ``(min, max)`` over dim (None = all)."""
    if input.data.size == 0 and dim is None:
        raise RuntimeError(f"aminmax: cannot reduce an empty tensor (shape {input.shape}) "
                           "without a dim")
    if dim is not None:
        _one_axis(dim, input.ndim, "aminmax")
    return _ret["aminmax"](amin(input, dim, keepdim), amax(input, dim, keepdim))


def _argext(who: str, x: Tensor, dim: Any, keepdim: bool) -> Tensor:
    arg = np.argmin if who == "argmin" else np.argmax
    if x.data.dtype == np.bool_:
        raise RuntimeError(f"{who}: bool tensors are not supported (as in torch); convert "
                           "first, e.g. x.int()")
    if x.data.size == 0 and dim is None:
        raise DimError(f"{who}: cannot reduce an empty tensor (shape {x.shape}) without "
                       "a dim; give dim=")
    if dim is None:
        i = np.asarray(arg(x.data), dtype=np.int64)
        return Tensor._make(i.reshape((1,) * x.ndim) if keepdim else i)
    d = _one_axis(dim, x.ndim, who)
    if d is None:
        return Tensor._make(np.zeros((), np.int64))
    if x.shape[d] == 0:
        raise IndexError(f"{who}: cannot reduce dim {dim} of size 0 (shape {x.shape})")
    return Tensor._make(np.asarray(arg(x.data, axis=d, keepdims=keepdim), dtype=np.int64))


def argmax(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
           keepdims: bool | None = None) -> Tensor:
    """The index of the (first) largest element: of the flattened tensor, or along dim."""
    dim, keepdim = _alias("argmax", dim, axis, keepdim, keepdims)
    return _argext("argmax", input, dim, keepdim)


def argmin(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
           keepdims: bool | None = None) -> Tensor:
    """The index of the (first) smallest element: of the flattened tensor, or along dim."""
    dim, keepdim = _alias("argmin", dim, axis, keepdim, keepdims)
    return _argext("argmin", input, dim, keepdim)


def _correction(who: str, unbiased: Any, correction: Any, ddof: Any) -> float:
    if ddof is not None:
        if correction is not None:
            raise TypeError(f"{who}: got both correction= and its alias ddof=; pass one")
        correction = ddof
    if unbiased is not None:
        if correction is not None:
            raise TypeError(f"{who}: got both unbiased= and correction=; pass one")
        if not isinstance(unbiased, (bool, np.bool_)):
            raise TypeError(f"{who}: unbiased must be a bool, got {unbiased!r}")
        return 1.0 if unbiased else 0.0
    if correction is None:
        return 1.0
    if isinstance(correction, bool) or not isinstance(correction, (int, float, np.number)):
        raise TypeError(f"{who}: correction must be a number, got {correction!r}")
    return float(correction)


def _var_args(who: str, x: Tensor, dim: Any, unbiased: Any, keepdim: bool, correction: Any,
              axis: Any, keepdims: Any, ddof: Any) -> tuple[tuple[int, ...], bool, float]:
    if isinstance(dim, (bool, np.bool_)):  # torch's var(x, unbiased) overload
        dim, unbiased = None, dim
    dim, keepdim = _alias(who, dim, axis, keepdim, keepdims)
    c = _correction(who, unbiased, correction, ddof)
    if x.data.dtype.kind != "f":
        raise RuntimeError(f"{who}: std and var need a floating point tensor, got {x.dtype};"
                           " call .float() first")
    return _dims(who, x, dim), keepdim, c


def var(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
        *, correction: float | None = None, axis: Any = None, keepdims: bool | None = None,
        ddof: float | None = None) -> Tensor:
    """The variance over dim, dividing by n - correction; ``correction=1`` (unbiased) by
    default as torch (numpy's default is ddof=0). n <= correction gives nan/inf, as torch."""
    axes, keepdim, c = _var_args("var", input, dim, unbiased, keepdim, correction, axis,
                                 keepdims, ddof)
    return Var.apply(input, axes=axes, keepdims=keepdim, correction=c)


def std(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
        *, correction: float | None = None, axis: Any = None, keepdims: bool | None = None,
        ddof: float | None = None) -> Tensor:
    """The standard deviation (arguments as var, ``correction=1`` by default); at zero
    spread its gradient is 0, as torch's."""
    axes, keepdim, c = _var_args("std", input, dim, unbiased, keepdim, correction, axis,
                                 keepdims, ddof)
    return Std.apply(input, axes=axes, keepdims=keepdim, correction=c)


def var_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: float | None = None, axis: Any = None,
             keepdims: bool | None = None, ddof: float | None = None) -> tuple[Tensor, Tensor]:
    """(var, mean) over dim, arguments as var."""
    axes, keepdim, c = _var_args("var_mean", input, dim, unbiased, keepdim, correction, axis,
                                 keepdims, ddof)
    return (Var.apply(input, axes=axes, keepdims=keepdim, correction=c),
            Mean.apply(input, axes=axes, keepdims=keepdim))


def std_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: float | None = None, axis: Any = None,
             keepdims: bool | None = None, ddof: float | None = None) -> tuple[Tensor, Tensor]:
    """(std, mean) over dim, arguments as var."""
    axes, keepdim, c = _var_args("std_mean", input, dim, unbiased, keepdim, correction, axis,
                                 keepdims, ddof)
    return (Std.apply(input, axes=axes, keepdims=keepdim, correction=c),
            Mean.apply(input, axes=axes, keepdims=keepdim))


def logsumexp(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
              keepdims: bool | None = None) -> Tensor:
    """log(sum(exp(x))) over dim, computed stably (torch requires dim; None = all here).
    Integer tensors give the default float."""
    dim, keepdim = _alias("logsumexp", dim, axis, keepdim, keepdims)
    x = input if input.data.dtype.kind == "f" else input.astype(np.float32)
    return LogSumExp.apply(x, axes=_dims("logsumexp", x, dim), keepdims=keepdim)


def _norm_order(who: str, p: Any) -> float:
    if isinstance(p, str) or isinstance(p, bool) or not isinstance(p, (int, float, np.number)):
        raise ValueError(f"{who}: order {p!r} is not supported (expected a number, inf, -inf"
                         + (" or 'fro')" if who == "norm" else ")"))
    return float(p)


def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """torch.linalg.vector_norm: the ord-norm of the elements over dim (None = all)."""
    dim, keepdim = _alias("vector_norm", dim, axis, keepdim, keepdims)
    x = _cast(x, dtype)
    _need_float(x, "vector_norm")
    p = _norm_order("vector_norm", ord)
    axes = _dims("vector_norm", x, dim)
    if p < 0 or math.isinf(p):
        for a in axes:
            if x.shape[a] == 0:
                raise IndexError(f"vector_norm: cannot take the {ord}-norm over dim {a} of "
                                 f"size 0 (shape {x.shape})")
    return VectorNorm.apply(x, p=p, axes=axes, keepdims=keepdim)


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
         dtype: Any = None, *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """torch.norm: the p-norm of the elements over dim ('fro' = 2); 'nuc' is not supported."""
    if p == "fro" or p is None:
        p = 2
    elif p == "nuc":  # the nuclear norm of a matrix (over dim, two dims, or all of a 2-D x)
        from .linalg import matrix_norm

        dim, keepdim = _alias("norm", dim, axis, keepdim, keepdims)
        return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim,
                           dtype=dtype)
    elif isinstance(p, str):
        raise ValueError(f"norm: p={p!r} is not supported (expected a number, inf, -inf, "
                         "'fro' or 'nuc')")
    dim, keepdim = _alias("norm", dim, axis, keepdim, keepdims)
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


def count_nonzero(input: Tensor, dim: Any = None, *, axis: Any = None) -> Tensor:
    """The number of non-zero elements over dim (int, tuple, None = all), as int64."""
    dim, _ = _alias("count_nonzero", dim, axis, False, None)
    axes = _dims("count_nonzero", input, dim)
    return Tensor._make(np.asarray(np.count_nonzero(input.data, axis=axes), dtype=np.int64))


def _logical(who: str, fn: Any, x: Tensor, dim: Any, keepdim: bool) -> Tensor:
    axes = _dims(who, x, dim)
    out = np.asarray(fn(x.data, axis=axes, keepdims=keepdim))
    return Tensor._make(out.astype(np.uint8) if x.data.dtype == np.uint8 else out)


def any(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: bool | None = None) -> Tensor:
    """Is any element over dim non-zero? bool (uint8 for a uint8 input, as torch)."""
    dim, keepdim = _alias("any", dim, axis, keepdim, keepdims)
    return _logical("any", np.any, input, dim, keepdim)


def all(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: bool | None = None) -> Tensor:
    """Is every element over dim non-zero? bool (uint8 for a uint8 input, as torch)."""
    dim, keepdim = _alias("all", dim, axis, keepdim, keepdims)
    return _logical("all", np.all, input, dim, keepdim)


def _softmax_args(who: str, x: Tensor, dim: Any, dtype: Any, axis: Any) -> tuple[Tensor, Any]:
    dim, _ = _alias(who, dim, axis, False, None)
    x = _cast(x, dtype)
    if x.data.dtype.kind != "f":  # NotImplementedError (a RuntimeError), as torch
        raise NotImplementedError(f"{who}: expected a floating point tensor, got {x.dtype} "
                                  "(not implemented for integers); pass "
                                  "dtype=autograd.float32 or call .float() first")
    return x, _one_axis(-1 if dim is None else dim, x.ndim, who)


def softmax(input: Tensor, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along dim (torch requires dim; -1 when omitted here)."""
    x, d = _softmax_args("softmax", input, dim, dtype, axis)
    return Softmax.apply(x, axis=d)


def log_softmax(input: Tensor, dim: Any = None, dtype: Any = None, *,
                axis: Any = None) -> Tensor:
    """x - logsumexp(x) along dim (torch requires dim; -1 when omitted here)."""
    x, d = _softmax_args("log_softmax", input, dim, dtype, axis)
    return LogSoftmax.apply(x, axis=d)


def softmin(input: Tensor, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Tensor:
    """softmax(-x) along dim."""
    x, d = _softmax_args("softmin", input, dim, dtype, axis)
    return Softmax.apply(-x, axis=d)


# shape.py and elementwise.py import this module (normalize_axis), so these come last
from .elementwise import maximum, minimum, where  # noqa: E402
from .shape import BroadcastTo, GetItem  # noqa: E402


class Pick(GetItem):
    """Elements of x chosen by indices along one dim (max(dim), sort, topk, cummax...): a
    gather whose gradient goes back to exactly the chosen elements (added where one is
    chosen twice). Each user subclasses it only for the name its graph node shows."""

    view = False


def _along(idx: np.ndarray, d: int | None, keepdim: bool) -> Any:
    """The numpy index picking idx (the shape of x, with any size at dim d) along d; without
    keepdim idx has size 1 at d and that dim is dropped."""
    if d is None:
        return ()
    if not keepdim:
        idx = idx.reshape(idx.shape[:d] + idx.shape[d + 1:])
    nd = idx.ndim
    index: list[Any] = []
    for i in range(nd + (0 if keepdim else 1)):
        if i == d:
            index.append(idx)
            continue
        j = i if keepdim or i < d else i - 1
        n = idx.shape[j]
        index.append(np.arange(n).reshape((1,) * j + (n,) + (1,) * (nd - j - 1)))
    return tuple(index)


_pickers: dict[str, type[Function]] = {}


def _pick(who: str, x: Tensor, idx: np.ndarray, d: int | None, keepdim: bool) -> Tensor:
    """x at idx along d, as a graph node named who."""
    cls = _pickers.get(who)
    if cls is None:
        cls = _pickers[who] = type(who.capitalize() + "Pick", (Pick,),
                                   {"name": who, "__module__": __name__})
    return cls.apply(x, index=_along(idx, d, keepdim))


# ---------------------------------------------------------------------------------------
# cov, corrcoef, trapezoid (compositions of differentiable ops)
# ---------------------------------------------------------------------------------------
def cov(input: Tensor, *, correction: int = 1, fweights: Any = None,
        aweights: Any = None) -> Tensor:
    """The covariance matrix of the variables in input's rows (observations in columns; a
    1-D input is one variable, giving a 0-d result), with frequency and/or importance
    weights per observation, as torch.cov."""
    if not isinstance(input, Tensor):
        raise TypeError(f"cov: expected a Tensor, got {type(input).__name__}")
    if input.ndim > 2:
        raise RuntimeError(f"cov: expected input to have two or fewer dimensions, got shape "
                           f"{input.shape}")
    if input.data.dtype == np.bool_:
        raise RuntimeError("cov: bool tensors are not supported (convert with .float())")
    x = input if input.data.dtype.kind == "f" else input.astype(np.float32)
    x = x.reshape(1, -1) if x.ndim < 2 else x
    n = x.shape[1]
    w = None
    for name, wt in (("fweights", fweights), ("aweights", aweights)):
        if wt is None:
            continue
        wt = wt if isinstance(wt, Tensor) else Tensor(wt)
        if wt.ndim > 1 or wt.data.size != n:
            raise RuntimeError(f"cov: {name} must be a 1-D tensor of {n} weights (one per "
                               f"observation), got shape {wt.shape}")
        if name == "fweights" and wt.data.dtype.kind not in "iu":
            raise RuntimeError(f"cov: fweights must be integers, got {wt.dtype}")
        if (wt.data < 0).any():
            raise RuntimeError(f"cov: {name} cannot be negative")
        wt = wt.reshape(-1).astype(x.dtype)
        w = wt if w is None else w * wt
    if w is None:
        avg = x.mean(1, keepdim=True)
        xm = x - avg
        with np.errstate(divide="ignore", invalid="ignore"):  # too few observations: inf/nan
            c = (xm @ xm.mT) / Tensor._make(np.asarray(builtins.max(n - correction, 0), x.dtype))
    else:
        w_sum = w.sum()
        avg = (x * w).sum(1, keepdim=True) / w_sum
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = w_sum - correction
        else:
            aw = aweights if isinstance(aweights, Tensor) else Tensor(aweights)
            norm = w_sum - correction * (w * aw.reshape(-1).astype(x.dtype)).sum() / w_sum
        xm = x - avg
        with np.errstate(divide="ignore", invalid="ignore"):
            c = ((xm * w) @ xm.mT) / norm.clamp(min=0)
    return c.squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the rows' variables (clipped to [-1, 1])."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    sd = c.diagonal().sqrt()
    c = c / sd.unsqueeze(1) / sd.unsqueeze(0)
    return c.clamp(-1, 1)


def _trapezoid_terms(who: str, y: Tensor, x: Any, dx: Any, dim: int) -> Tensor:
    """(y[i+1] + y[i]) / 2 * (x[i+1] - x[i]) along dim (dx: a constant spacing)."""
    from .shape import dim_index, narrow

    if not isinstance(y, Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(y).__name__}")
    if x is not None and dx is not None:
        raise TypeError(f"{who}: pass x or dx, not both")
    if y.data.dtype == np.bool_:
        raise RuntimeError(f"{who}: bool tensors are not supported for y (convert with "
                           ".float())")
    d = dim_index(dim, y.ndim, who)
    n = y.shape[d]
    yf = y if y.data.dtype.kind == "f" else y.astype(np.float32)
    if n == 0:
        return yf.sum(d, keepdim=True)[(slice(None),) * d + (slice(0, 0),)]
    mid = (narrow(yf, d, 1, n - 1) + narrow(yf, d, 0, n - 1)) * 0.5
    if x is None:
        return mid * (1 if dx is None else dx)
    xt = x if isinstance(x, Tensor) else Tensor(x)
    if xt.ndim == 1:
        if xt.shape[0] != n:
            raise RuntimeError(f"{who}: x has {xt.shape[0]} points but y has {n} along dim "
                               f"{dim}")
        spacing = xt[1:] - xt[:-1]
        spacing = spacing.reshape((-1,) + (1,) * (y.ndim - 1 - d))
    else:
        spacing = narrow(xt, d, 1, n - 1) - narrow(xt, d, 0, n - 1)
    return mid * spacing


def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The trapezoid-rule integral of y along dim, at points x (or a constant spacing dx,
    default 1)."""
    from .shape import dim_index

    terms = _trapezoid_terms("trapezoid", y, x, dx, dim)
    return terms.sum(dim_index(dim, y.ndim, "trapezoid"))


trapz = trapezoid  # torch.trapz: an alias of trapezoid


def renorm(input: Tensor, p: Any, dim: int, maxnorm: Any) -> Tensor:
    """Each slice ``input.select(dim, i)`` whose p-norm exceeds maxnorm scaled down to norm
    maxnorm (by maxnorm / (norm + 1e-7), as PyTorch); the others kept."""
    from .shape import dim_index

    if not isinstance(input, Tensor):
        raise TypeError(f"renorm: expected a Tensor, got {type(input).__name__}")
    _need_float(input, "renorm")
    if input.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} "
                           "dimensions")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.number)) or not p > 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported (p must be > 0, got "
                           f"{p!r})")
    if isinstance(maxnorm, bool) or not isinstance(maxnorm, (int, float, np.number)) \
            or not maxnorm >= 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm!r}")
    d = dim_index(dim, input.ndim, "renorm")
    others = tuple(a for a in range(input.ndim) if a != d)
    norm = vector_norm(input, p, others, keepdim=True)
    big = norm.data > maxnorm
    factor = where(Tensor._make(big), float(maxnorm) / (norm + 1e-7),
                   Tensor._make(np.ones(norm.shape, input.data.dtype)))
    return input * factor
