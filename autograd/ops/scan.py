"""Scans and order statistics with PyTorch's meanings: cumsum cumprod cummax cummin
logcumsumexp, sort argsort topk kthvalue median nanmedian mode, unique bincount.

The ops that choose elements (sort, topk, cummax, median(dim)...) return torch's named tuples
``(values, indices)``; their values are a gather of the input (``reduce.Pick``), so the
gradient goes back to exactly the chosen elements. Sorting is always stable here (torch's
``stable=False`` leaves the order of ties unspecified, so a stable order is one of its
answers); nan sorts as the largest value, as in torch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..function import Function, is_grad_enabled
from ..tensor import Tensor
from .elementwise import where
from .reduce import Median, NanMedian, _cast, _need_float, _one_axis, _pick, _ret, _to_int64

__all__ = ["argsort", "bincount", "cummax", "cummin", "cumprod", "cumsum", "cumulative_trapezoid",
           "histc", "histogram", "kthvalue", "logcumsumexp", "median", "mode", "msort", "nanmedian",
           "nanquantile", "quantile", "sort", "topk", "unique", "unique_consecutive"]


def _dim(who: str, x: Tensor, dim: Any, axis: Any = None) -> int | None:
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{who}: got both dim={dim!r} and its alias axis={axis!r}; "
                            "pass one")
        dim = axis
    if dim is None:
        raise TypeError(f"{who}: missing the required argument dim")
    return _one_axis(dim, x.ndim, who)


def _rev(d: int) -> tuple:
    """The index reversing dim d."""
    return (slice(None),) * d + (slice(None, None, -1),)


# ---------------------------------------------------------------------------------------
# cumulative ops
# ---------------------------------------------------------------------------------------
def _accumulate(scan: Any, a: np.ndarray, dim: int) -> np.ndarray:
    """np.cumsum / np.cumprod along dim; float32 runs in float64, each partial result rounded
    back, as torch's CPU scans accumulate (a float32 running sum drifts otherwise)."""
    if a.dtype == np.float32:
        return scan(a, axis=dim, dtype=np.float64).astype(np.float32)
    return scan(a, axis=dim)


class Cumsum(Function):
    saves_inputs = False

    def forward(self, a, dim):
        self.dim = dim
        return _accumulate(np.cumsum, a, dim)

    def backward(self, g):
        r = _rev(self.dim)
        if not is_grad_enabled():
            return (Tensor._make(_accumulate(np.cumsum, g.data[r], self.dim)[r]),)
        return (cumsum(g.flip(self.dim), self.dim).flip(self.dim),)


class Cumprod(Function):
    """Running product. Backward: sum_{k>=i} g_k prod_{j<=k, j!=i} x_j, exact with zeros."""

    saves_output = True

    def forward(self, a, dim):
        self.dim = dim
        return _accumulate(np.cumprod, a, dim)

    def backward(self, g):
        x, d = self.inputs[0], self.dim
        zeros = not np.all(x.data)
        if not is_grad_enabled():
            return (Tensor._make(_cumprod_grad(x.data, self.output.data, g.data, d)),)
        if not zeros:
            return (cumsum((g * self.output).flip(d), d).flip(d) / x,)
        # with zeros, differentiably: row i of an n x n matrix is x with x_i replaced by 1;
        # its running product at k >= i is prod_{j<=k, j!=i} x_j
        n = x.shape[d]
        xl = x.movedim(d, -1)
        lead = xl.shape[:-1]
        eye = Tensor._make(np.eye(n, dtype=bool))
        rows = cumprod(where(eye, 1.0, xl.unsqueeze(-2).broadcast_to(lead + (n, n))), -1)
        upper = Tensor._make(np.triu(np.ones((n, n), dtype=x.dtype)))  # k >= i
        gi = (rows * upper * g.movedim(d, -1).unsqueeze(-2)).sum(-1)
        return (gi.movedim(-1, d),)


def _cumprod_grad(x: np.ndarray, out: np.ndarray, g: np.ndarray, d: int) -> np.ndarray:
    """Cumprod's backward in numpy. Before the first zero z of a row the gradient is
    revcumsum(g * out) / x; at z it is out[z-1] * sum_{k>=z} g_k prod_{z<j<=k} x_j; after
    z it is 0."""
    xl, ol, gl = (np.moveaxis(a, d, -1) for a in (x, out, g))
    n = xl.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        res = np.cumsum((gl * ol)[..., ::-1], axis=-1)[..., ::-1] / xl
    is0 = xl == 0
    if is0.any():
        pos = np.arange(n)
        z = np.where(is0.any(-1), is0.argmax(-1), n)[..., None]  # first zero (n: none)
        prev = np.take_along_axis(ol, np.maximum(z - 1, 0), -1)
        prev = np.where(z == 0, 1, prev)
        tail = np.cumprod(np.where(pos <= z, 1, xl), axis=-1)  # prod_{z<j<=k} x_j
        at_z = prev * np.sum(np.where(pos >= z, gl * tail, 0), axis=-1, keepdims=True)
        res = np.where(pos < z, res, np.where(pos == z, at_z, 0))
    return np.moveaxis(res.astype(x.dtype, copy=False), -1, d)


class Logcumsumexp(Function):
    """log(cumsum(exp(x))) computed stably (np.logaddexp.accumulate)."""

    saves_output = True

    def forward(self, a, dim):
        self.dim = dim
        return np.logaddexp.accumulate(a, axis=dim)

    def backward(self, g):
        # grad_i = sum_{k>=i} g_k exp(x_i - out_k), summed in log space for the positive
        # and the negative part of g separately so nothing overflows
        x, out, d = self.inputs[0], self.output, self.dim
        grad = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for sign, part in ((1.0, g.data > 0), (-1.0, g.data < 0)):
                if not part.any():
                    continue
                m = Tensor._make(part)
                # log|g_k| - out_k where g_k has this sign, -inf (adds nothing) elsewhere
                logs = where(m, where(m, g * sign, 1.0).log() - out, -math.inf)
                term = (x + logcumsumexp(logs.flip(d), d).flip(d)).exp()
                grad = term * sign if grad is None else grad + term * sign
        return (g * 0.0 if grad is None else grad,)


def cumsum(input: Tensor, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor:
    """Running sum along dim (required, as torch). Integer and bool tensors give int64."""
    x = _to_int64(_cast(input, dtype))
    d = _dim("cumsum", x, dim, axis)
    if d is None:
        return x.clone() if x.requires_grad else Tensor._make(x.data.copy())
    return Cumsum.apply(x, dim=d)


def cumprod(input: Tensor, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor:
    """Running product along dim (required). The gradient is exact where x has zeros."""
    x = _to_int64(_cast(input, dtype))
    d = _dim("cumprod", x, dim, axis)
    if d is None:
        return x.clone() if x.requires_grad else Tensor._make(x.data.copy())
    return Cumprod.apply(x, dim=d)


def logcumsumexp(input: Tensor, dim: Any = None, *, axis: Any = None) -> Tensor:
    """log(cumsum(exp(x))) along dim, without overflow (float tensors only: for an integer
    one a NotImplementedError, a RuntimeError, as torch)."""
    if isinstance(input, Tensor) and input.data.dtype.kind != "f":
        raise NotImplementedError(f"logcumsumexp: expected a floating point tensor, got "
                                  f"{input.dtype} (not implemented for it); call .float() "
                                  "first")
    _need_float(input, "logcumsumexp")
    d = _dim("logcumsumexp", input, dim, axis)
    if d is None:
        return input.clone()
    return Logcumsumexp.apply(input, dim=d)


def _cumext(who: str, x: Tensor, dim: Any, axis: Any) -> Any:
    d = _dim(who, x, dim, axis)
    if d is None:
        return _ret[who](_pick(who, x, np.zeros((), np.int64), None, True),
                         Tensor._make(np.zeros((), np.int64)))
    a = np.moveaxis(x.data, d, -1)
    vals = (np.minimum if who == "cummin" else np.maximum).accumulate(a, axis=-1)
    # where a new extreme arrives (ties count: the index moves to the latest equal value);
    # the first nan is the last arrival (the values stay nan from there)
    new = a == vals
    if a.dtype.kind == "f":
        nan = np.isnan(a)
        first_nan = nan & (np.cumsum(nan, axis=-1) == 1)
        new = np.where(np.isnan(vals), first_nan, new)
    if new.size:
        new[..., 0] = True
    idx = np.maximum.accumulate(np.where(new, np.arange(a.shape[-1]), 0), axis=-1)
    idx = np.moveaxis(idx.astype(np.int64), -1, d)
    return _ret[who](_pick(who, x, idx, d, True), Tensor._make(idx))


def cummax(input: Tensor, dim: Any = None, *, axis: Any = None) -> Any:
    """Running max along dim: the named tuple (values, indices); a tie moves the index to
    the later element, as torch."""
    return _cumext("cummax", input, dim, axis)


def cummin(input: Tensor, dim: Any = None, *, axis: Any = None) -> Any:
    """Running min along dim: the named tuple (values, indices), as cummax."""
    return _cumext("cummin", input, dim, axis)


# ---------------------------------------------------------------------------------------
# sorting and order statistics
# ---------------------------------------------------------------------------------------
def _argsort(a: np.ndarray, d: int, descending: bool) -> np.ndarray:
    """Stable argsort along d; descending keeps equal elements in their original order."""
    if not descending:
        return np.argsort(a, axis=d, kind="stable")
    n = a.shape[d]
    r = _rev(d)
    return (n - 1 - np.argsort(a[r], axis=d, kind="stable"))[r]


def _sort_dim(who: str, x: Tensor, dim: Any, axis: Any) -> int | None:
    if axis is not None:
        if dim != -1:
            raise TypeError(f"{who}: got both dim={dim!r} and its alias axis={axis!r}; "
                            "pass one")
        dim = axis
    return _one_axis(dim, x.ndim, who)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False, *,
         axis: Any = None) -> Any:
    """The named tuple (values, indices) of x sorted along dim."""
    d = _sort_dim("sort", input, dim, axis)
    if d is None:
        return _ret["sort"](_pick("sort", input, np.zeros((), np.int64), None, True),
                            Tensor._make(np.zeros((), np.int64)))
    idx = _argsort(input.data, d, descending)
    return _ret["sort"](_pick("sort", input, idx, d, True), Tensor._make(idx))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False, *,
            axis: Any = None) -> Tensor:
    """The indices that sort x along dim (int64)."""
    d = _sort_dim("argsort", input, dim, axis)
    if d is None:
        return Tensor._make(np.zeros((), np.int64))
    return Tensor._make(_argsort(input.data, d, descending))


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *,
         axis: Any = None) -> Any:
    """The k largest (or smallest) elements along dim: the named tuple (values, indices),
    largest first (smallest first for largest=False). sorted=False gives the same order."""
    d = _sort_dim("topk", input, dim, axis)
    n = 1 if d is None else input.shape[d]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk: k must be an int, got {k!r}")
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k={k} is out of range for a dim of size {n}")
    if d is None:
        return _ret["topk"](_pick("topk", input, np.zeros((), np.int64), None, True),
                            Tensor._make(np.zeros((), np.int64)))  # k = 0 too, as torch
    idx = _argsort(input.data, d, largest)
    idx = idx[(slice(None),) * d + (slice(0, k),)]
    return _ret["topk"](_pick("topk", input, idx, d, True), Tensor._make(idx))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *,
             axis: Any = None) -> Any:
    """The k-th smallest element along dim (k counts from 1): (values, indices)."""
    d = _sort_dim("kthvalue", input, dim, axis)
    n = 1 if d is None else input.shape[d]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"kthvalue: k must be an int, got {k!r}")
    if n == 0:
        raise IndexError(f"kthvalue: cannot reduce dim {dim} of size 0 (shape "
                         f"{input.shape})")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue: k={k} is out of range for a dim of size {n} "
                           "(k counts from 1)")
    if d is None:
        return _ret["kthvalue"](_pick("kthvalue", input, np.zeros((), np.int64), None, True),
                                Tensor._make(np.zeros((), np.int64)))
    idx = _argsort(input.data, d, False)[(slice(None),) * d + (slice(k - 1, k),)]
    return _ret["kthvalue"](_pick("kthvalue", input, idx, d, keepdim),
                            Tensor._make(idx if keepdim else np.squeeze(idx, d)))


def _median(who: str, x: Tensor, dim: Any, keepdim: bool, ignore_nan: bool) -> Any:
    if dim is None:
        return (NanMedian if ignore_nan else Median).apply(
            x, axes=tuple(range(x.ndim)), keepdims=False)
    d = _one_axis(dim, x.ndim, who)
    if d is None:
        return _ret[who](_pick(who, x, np.zeros((), np.int64), None, True),
                         Tensor._make(np.zeros((), np.int64)))
    n = x.shape[d]
    if n == 0:
        raise IndexError(f"{who}: cannot reduce dim {dim} of size 0 (shape {x.shape})")
    order = _argsort(x.data, d, False)  # nans last
    a = x.data
    if a.dtype.kind == "f":
        nan = np.isnan(a)
        count = np.sum(~nan, axis=d, keepdims=True)
        if ignore_nan:
            pos = np.maximum(count - 1, 0) // 2
        else:  # a nan anywhere: the median is nan, at the first nan
            pos = np.where(count < n, count, (n - 1) // 2)
    else:
        pos = np.full(a.shape[:d] + (1,) + a.shape[d + 1:], (n - 1) // 2)
    idx = np.take_along_axis(order, pos, d)
    return _ret[who](_pick(who, x, idx, d, keepdim),
                     Tensor._make(idx if keepdim else np.squeeze(idx, d)))


def median(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Any:
    """torch's lower median (the smaller of the two middle values; nan if any is nan):
    over everything a 0-d value; along dim the named tuple (values, indices)."""
    if axis is not None:
        dim = axis if dim is None else dim
    return _median("median", input, dim, keepdim, False)


def nanmedian(input: Tensor, dim: Any = None, keepdim: bool = False, *,
              axis: Any = None) -> Any:
    """median ignoring nans (nan only where every element is nan)."""
    if axis is not None:
        dim = axis if dim is None else dim
    return _median("nanmedian", input, dim, keepdim, True)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, axis: Any = None) -> Any:
    """The most frequent value along dim (the smallest among equally frequent ones) and the
    index of its last occurrence: the named tuple (values, indices)."""
    d = _sort_dim("mode", input, dim, axis)
    if d is None:
        return _ret["mode"](_pick("mode", input, np.zeros((), np.int64), None, True),
                            Tensor._make(np.zeros((), np.int64)))
    if input.shape[d] == 0:
        raise IndexError(f"mode: cannot reduce dim {dim} of size 0 (shape {input.shape})")
    a = np.moveaxis(input.data, d, -1)
    rows = a.reshape(-1, a.shape[-1])
    best = np.empty(rows.shape[0], dtype=np.int64)
    for i, row in enumerate(rows):
        vals, counts = np.unique(row, return_counts=True)
        v = vals[np.argmax(counts)]  # the first (smallest) of the most frequent
        hits = np.flatnonzero((row == v) | (np.isnan(row) & np.isnan(v)) if row.dtype.kind
                              == "f" else row == v)
        best[i] = hits[-1]
    idx = np.moveaxis(best.reshape(a.shape[:-1] + (1,)), -1, d)
    return _ret["mode"](_pick("mode", input, idx, d, keepdim),
                        Tensor._make(idx if keepdim else np.squeeze(idx, d)))


# ---------------------------------------------------------------------------------------
# counting
# ---------------------------------------------------------------------------------------
def _values_of(input: Tensor, vals: np.ndarray, name: str) -> Tensor:
    """unique's values: recorded when input requires grad (as torch) with no derivative."""
    if not input.requires_grad:
        return Tensor._make(np.asarray(vals))
    from .elementwise import _recorded

    return _recorded(lambda _: vals, (input,), name=name, error=NotImplementedError)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct elements (always sorted, which torch's sorted=False allows), with the
    inverse indices (the input's shape) and counts when asked; with dim the distinct slices
    along dim. No gradient."""
    a = input.data
    if dim is None:
        vals, inv, counts = np.unique(a.reshape(-1), return_inverse=True, return_counts=True)
        inv = inv.reshape(a.shape)
    else:
        d = _one_axis(dim, a.ndim, "unique")
        if d is None:
            vals, inv, counts = a.copy(), np.zeros((), np.int64), np.ones((), np.int64)
        else:
            vals, inv, counts = np.unique(a, return_inverse=True, return_counts=True, axis=d)
            inv = inv.reshape(-1)
    out = [_values_of(input, vals, "unique")]
    if return_inverse:
        out.append(Tensor._make(np.asarray(inv, dtype=np.int64)))
    if return_counts:
        out.append(Tensor._make(np.asarray(counts, dtype=np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input: Tensor, weights: Any = None, minlength: int = 0) -> Tensor:
    """Counts of each value of a 1-d non-negative integer tensor (int64), or the sums of
    weights per value (float32 weights give float32, others float64). No gradient."""
    a = input.data
    if a.ndim != 1 or a.dtype.kind not in "iub" or (a.size and a.min() < 0):
        raise RuntimeError(f"bincount: expected a 1-d tensor of non-negative integers, got "
                           f"shape {input.shape} and dtype {input.dtype}")
    if isinstance(minlength, bool) or not isinstance(minlength, (int, np.integer)) \
            or minlength < 0:
        raise ValueError(f"bincount: minlength must be a non-negative int, got {minlength!r}")
    if weights is None:
        return Tensor._make(np.bincount(a, minlength=minlength).astype(np.int64))
    w = weights.data if isinstance(weights, Tensor) else np.asarray(weights)
    if w.shape != a.shape:
        raise ValueError(f"bincount: weights have shape {w.shape}, expected {a.shape} (one "
                         "per input element)")
    out = np.bincount(a, weights=w, minlength=minlength)
    return Tensor._make(out.astype(np.float32) if w.dtype == np.float32 else out)


# ---------------------------------------------------------------------------------------
# quantiles, msort, unique_consecutive, histc, cumulative_trapezoid
# ---------------------------------------------------------------------------------------
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def msort(input: Tensor) -> Tensor:
    """input sorted along dim 0 (the values of ``sort(input, 0)``)."""
    return sort(input, 0).values


def _quantile(who: str, input: Tensor, q: Any, dim: Any, keepdim: bool, interpolation: str,
              ignore_nan: bool) -> Tensor:
    from .index import take_along_dim
    from .shape import dim_index

    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(input).__name__}")
    if input.data.dtype.kind != "f":
        raise RuntimeError(f"{who}: input must be a float or double tensor, got {input.dtype}")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{who}: q must be a scalar or a 1-D tensor, got shape "
                               f"{q.shape}")
        if q.dtype != input.dtype:
            raise RuntimeError(f"{who}: q must have the input's dtype {input.dtype}, got "
                               f"{q.dtype}")
        scalar_q, qa = q.ndim == 0, q.data.reshape(-1)
    else:
        scalar_q = isinstance(q, (int, float, np.number))
        qa = np.asarray(q, dtype=input.dtype).reshape(-1)
    if ((qa < 0) | (qa > 1)).any() or np.isnan(qa).any():
        raise RuntimeError(f"{who}: q values must be in the range [0, 1], got {qa.tolist()}")
    if input.data.size == 0:
        raise RuntimeError(f"{who}: the input tensor must be non-empty, got shape "
                           f"{input.shape}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{who}: interpolation must be one of {', '.join(_INTERPOLATIONS)}, "
                         f"got {interpolation!r}")
    if dim is None:
        x, d = input.reshape(-1), 0
    else:
        d = dim_index(dim, input.ndim, who)
        x = input.reshape(1) if input.ndim == 0 else input
    n = x.shape[d]
    v = sort(x, d).values.movedim(d, -1)                     # (*batch, n), nans last
    batch = v.shape[:-1]
    nans = np.isnan(v.data)
    count = (n - nans.sum(-1)) if ignore_nan else np.full(batch, n)
    pos = qa.reshape((-1,) + (1,) * len(batch)) * (count - 1)   # (Q, *batch)
    pos = np.maximum(pos, 0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(np.ceil(pos).astype(np.int64), max(n - 1, 0))
    vq = v.unsqueeze(0).expand((qa.size,) + v.shape)

    def at(idx: np.ndarray) -> Tensor:
        return take_along_dim(vq, Tensor._make(idx[..., None]), -1).squeeze(-1)

    if n == 0:
        out = Tensor._make(np.full((qa.size,) + batch, np.nan, dtype=input.dtype))
    elif interpolation == "lower":
        out = at(lo)
    elif interpolation == "higher":
        out = at(hi)
    elif interpolation == "nearest":
        out = at(np.minimum(np.round(pos).astype(np.int64), n - 1))
    else:
        w = (pos - lo) if interpolation == "linear" else np.where(hi > lo, 0.5, 0.0)
        a, b = at(lo), at(hi)
        out = a + (b - a) * Tensor._make(w.astype(input.dtype))
    if n:
        bad = (count == 0) if ignore_nan else nans.any(-1)
        if bad.any():
            out = where(Tensor._make(np.broadcast_to(bad, out.shape)), math.nan, out)
    if keepdim:
        if dim is None:
            out = out.reshape((qa.size,) + (1,) * input.ndim)
        elif input.ndim:
            out = out.unsqueeze(d + 1)
    return out.squeeze(0) if scalar_q else out


def quantile(input: Tensor, q: Any, dim: Any = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The q-th quantiles (q a number or a 1-D tensor in [0, 1]) over dim (None: all), with
    torch's interpolations; a slice holding a nan gives nan. A 1-D q adds a first dim."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input: Tensor, q: Any, dim: Any = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """quantile ignoring nans (an all-nan slice gives nan)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


def unique_consecutive(input: Tensor, return_inverse: bool = False,
                       return_counts: bool = False, dim: int | None = None) -> Any:
    """Each run of equal consecutive elements (slices along dim) collapsed to one, with the
    inverse indices and the run lengths when asked. No gradient."""
    a = input.data
    if dim is None:
        flat = a.reshape(-1)
        new = np.ones(flat.shape, dtype=bool)
        new[1:] = flat[1:] != flat[:-1]
        vals, inv_shape = flat[new], a.shape
    else:
        d = _one_axis(dim, a.ndim, "unique_consecutive")
        d = 0 if d is None else d
        rows = np.moveaxis(a.reshape(1) if a.ndim == 0 else a, d, 0)
        new = np.ones(rows.shape[0], dtype=bool)
        new[1:] = (rows[1:] != rows[:-1]).reshape(rows.shape[0] - 1, -1).any(1) \
            if rows.shape[0] > 1 else new[1:]
        vals, inv_shape = np.moveaxis(rows[new], 0, d), (rows.shape[0],)
    out = [_values_of(input, np.ascontiguousarray(vals), "unique_consecutive")]
    if return_inverse:
        out.append(Tensor._make((np.cumsum(new) - 1).astype(np.int64).reshape(inv_shape)))
    if return_counts:
        starts = np.flatnonzero(new)
        out.append(Tensor._make(np.diff(np.append(starts, new.size)).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """A histogram of bins equal-width bins over [min, max] (both 0: the data's range);
    elements outside are ignored, max itself counts in the last bin. No gradient."""
    a = input.data
    if a.dtype.kind != "f":
        raise NotImplementedError(f"histc: expected a floating point tensor, got "
                                  f"{input.dtype} (not implemented for integers)")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins <= 0:
        raise RuntimeError(f"histc: bins must be a positive int, got {bins!r}")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError(f"histc: max must be larger than min, got min={lo} max={hi}")
    finite = a[np.isfinite(a)]
    if lo == hi and finite.size:
        lo, hi = float(finite.min()), float(finite.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    vals = a.reshape(-1)
    vals = vals[(vals >= lo) & (vals <= hi)]
    pos = ((vals - lo) * bins / (hi - lo)).astype(np.int64)
    pos[pos == bins] = bins - 1
    return Tensor._make(np.bincount(pos, minlength=bins)[:bins].astype(a.dtype))


def cumulative_trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The running trapezoid-rule integral of y along dim (one element shorter)."""
    from .reduce import _trapezoid_terms

    return cumsum(_trapezoid_terms("cumulative_trapezoid", y, x, dx, dim), dim)


def histogram(input: Tensor, bins: Any = 100, *, range: Any = None, weight: Any = None,
              density: bool = False) -> Any:
    """torch.histogram: the named tuple (hist, bin_edges), bins an int (equal widths over
    range, default the data's [min, max]) or a 1-D tensor of increasing edges; the last bin
    includes its right edge. Float inputs only. As torch, hist requires grad when input or
    weight does, with no derivative."""
    from collections import namedtuple

    from .elementwise import _recorded

    if not isinstance(input, Tensor):
        raise TypeError(f"histogram(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    a = input.data
    if a.dtype.kind != "f":
        raise NotImplementedError(f"histogram: not implemented for {input.dtype} tensors "
                                  "(use a floating point tensor)")
    w = None
    if weight is not None:
        if not isinstance(weight, Tensor) or weight.shape != input.shape:
            raise RuntimeError("histogram: weight must be a Tensor of the input's shape")
        w = weight.data
    if isinstance(bins, Tensor):
        edges = bins.data.astype(a.dtype)
        if edges.ndim != 1 or edges.size < 1:
            raise RuntimeError("histogram: bins must be a 1-D tensor of edges")
    else:
        if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
            raise RuntimeError(f"histogram: bins must be a positive int, got {bins!r}")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif a.size:
            lo, hi = float(a.min()), float(a.max())
        else:
            lo, hi = 0.0, 1.0
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(f"histogram: the range [{lo}, {hi}] is not finite")
        if lo > hi:
            raise RuntimeError(f"histogram: max must be larger than min, got [{lo}, {hi}]")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, int(bins) + 1).astype(a.dtype)

    def count(x: np.ndarray, *ws: np.ndarray) -> np.ndarray:
        h, _ = np.histogram(x.reshape(-1), bins=edges,
                            weights=ws[0].reshape(-1) if ws else None, density=False)
        h = h.astype(np.float64)
        if density:
            total = h.sum()
            with np.errstate(all="ignore"):
                h = h / (total * np.diff(edges.astype(np.float64)))
        return h.astype(a.dtype)

    inputs = (input,) if weight is None else (input, weight)
    if any(t.requires_grad for t in inputs):
        hist = _recorded(count, inputs, name="histogram")
    else:
        hist = Tensor._make(count(a, *(() if w is None else (w,))))
    edge_t = (_recorded(lambda *_: edges.copy(), (input,), name="histogram")
              if input.requires_grad else Tensor._make(edges.copy()))
    return namedtuple("histogram", ["hist", "bin_edges"])(hist, edge_t)
