"""Index ops: gather/scatter, index_select/index_add/index_copy/index_fill, masked ops,
nonzero/argwhere, take/take_along_dim, searchsorted/bucketize.

Each gathering op's backward scatters (adds) the gradient back to where it was read, and
each scattering op's backward gathers it, so the pairs are each other's adjoints and
``create_graph`` works through them. Semantics, argument names and errors are PyTorch's.
The accumulating scatters use ``np.add.at`` on a view with the indexed dim in front.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor
from .elementwise import unbroadcast
from .shape import _tensor, accumulate_rows, dim_index, expand, getitem, pad, reshape

__all__ = ["argwhere", "bucketize", "diagonal_scatter", "gather", "index_add", "index_copy",
           "index_fill", "index_put", "index_reduce", "index_select", "masked_fill",
           "masked_scatter", "masked_select", "nonzero", "isin", "scatter", "scatter_add",
           "scatter_reduce", "searchsorted", "select_scatter", "slice_scatter", "take",
           "take_along_dim", "unravel_index"]


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
def _int_index(index: Any, who: str) -> np.ndarray:
    arr = index.data if isinstance(index, Tensor) else np.asarray(index)
    if arr.size == 0 and not isinstance(index, Tensor):
        return arr.astype(np.int64)  # [] is an empty index, not a float one
    if arr.dtype.kind not in "iu":
        raise RuntimeError(f"{who}: expected an int64 (or int32) index tensor, got {arr.dtype}")
    return arr


def _along(a: np.ndarray, dim: int) -> np.ndarray:
    """A view of a with dim moved to the front."""
    return np.moveaxis(a, dim, 0) if dim else a


def _coords(idx: np.ndarray, dim: int) -> tuple:
    """Open-mesh coordinates addressing out[..., idx[i, j, k], ...] for every element of idx."""
    nd = idx.ndim
    return tuple(idx if d == dim else
                 np.arange(n).reshape((1,) * d + (n,) + (1,) * (nd - d - 1))
                 for d, n in enumerate(idx.shape))


class IndexBoundsError(IndexError, RuntimeError):
    """An index out of bounds. torch raises IndexError for some ops (index_select, take) and
    RuntimeError for others (gather, scatter, index_add); this is both."""


def _check_bounds(idx: np.ndarray, n: int, who: str, negative: bool = False) -> None:
    if idx.size and (idx.max() >= n or idx.min() < (-n if negative else 0)):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise IndexBoundsError(f"{who}: index {int(bad)} is out of bounds for a dim of size {n}")


def _scatter_geometry(x: Tensor, dim: int, index: Any, src_shape: tuple | None,
                      who: str) -> tuple[int, np.ndarray]:
    """Validate gather/scatter's (dim, index[, src]) the way PyTorch does."""
    idx = _int_index(index, who)
    d = dim_index(dim, x.ndim, who)
    if idx.ndim != max(x.ndim, 1) and not (x.ndim == 0 and idx.ndim == 0):
        raise RuntimeError(f"{who}: index must have the same number of dims as the input "
                           f"({x.ndim}), got shape {idx.shape}")
    if x.ndim == 0:
        idx = idx.reshape(-1)
    xs = x.shape or (1,)
    for k, n in enumerate(idx.shape):
        if k != d and n > xs[k]:
            raise RuntimeError(f"{who}: index {idx.shape} is larger than the input "
                               f"{x.shape} in dim {k}")
        if src_shape is not None and n > (src_shape or (1,))[k]:
            raise RuntimeError(f"{who}: index {idx.shape} is larger than src {src_shape} "
                               f"in dim {k}")
    _check_bounds(idx, xs[d], who)
    return d, idx


def _head(a: np.ndarray, shape: tuple) -> np.ndarray:
    """The leading block of a with the given shape."""
    if a.shape == shape:
        return a
    return a[tuple(slice(0, n) for n in shape)]


def _pad_to(g: Tensor, shape: tuple) -> Tensor:
    """g padded with zeros at the end of each dim up to shape."""
    if g.shape == shape:
        return g
    return pad(g, [(0, n - k) for k, n in zip(g.shape, shape)])


def _scalar(value: Any, who: str) -> Any:
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"{who}: value must be a number or a 0-d tensor, got shape "
                               f"{value.shape}")
        return value.data.item()
    return value


# ---------------------------------------------------------------------------------------
# index_select / index_add / index_copy / index_fill (a 1-d index along one dim)
# ---------------------------------------------------------------------------------------
class IndexSelect(Function):
    saves_inputs = False

    def forward(self, a, dim, idx):
        self.dim, self.idx = dim, idx
        return np.take(a, idx, axis=dim)

    def backward(self, g):
        return (IndexAddInto.apply(g, shape=self.inputs[0].shape, dim=self.dim, idx=self.idx),)


class IndexAddInto(Function):
    """zeros(shape) with g's slices added at idx along dim (the adjoint of IndexSelect)."""

    saves_inputs = False

    def forward(self, g, shape, dim, idx):
        self.dim, self.idx = dim, idx
        out = np.zeros(shape, dtype=g.dtype)
        _add_along(out, dim, idx, g)
        return out

    def backward(self, gg):
        return (IndexSelect.apply(gg, dim=self.dim, idx=self.idx),)


def _add_along(out: np.ndarray, dim: int, idx: np.ndarray, src: np.ndarray) -> None:
    """out[..., idx[i], ...] += src[..., i, ...] along dim, repeats accumulating."""
    accumulate_rows(_along(out, dim), idx, _along(src, dim))


class IndexAdd(Function):
    saves_inputs = False

    def forward(self, a, src, dim, idx, alpha):
        self.dim, self.idx, self.alpha = dim, idx, alpha
        out = a.copy()
        _add_along(out, dim, idx, src if alpha == 1 else src * alpha)
        return out

    def backward(self, g):
        gs = IndexSelect.apply(g, dim=self.dim, idx=self.idx)
        return g, gs if self.alpha == 1 else gs * self.alpha


class IndexFill(Function):
    """input with the slices at idx along dim set to a constant; its own adjoint (fill 0)."""

    saves_inputs = False

    def forward(self, a, dim, idx, value):
        self.dim, self.idx = dim, idx
        out = a.copy()
        _along(out, dim)[idx] = value
        return out

    def backward(self, g):
        return (IndexFill.apply(g, dim=self.dim, idx=self.idx, value=0),)


class IndexCopy(Function):
    saves_inputs = False

    def forward(self, a, src, dim, idx):
        self.dim, self.idx = dim, idx
        out = a.copy()
        _along(out, dim)[idx] = _along(src, dim)
        return out

    def backward(self, g):
        return (IndexFill.apply(g, dim=self.dim, idx=self.idx, value=0),
                IndexSelect.apply(g, dim=self.dim, idx=self.idx))


def _dim_index_arg(x: Tensor, dim: int, index: Any, who: str) -> tuple[int, np.ndarray]:
    idx = _int_index(index, who)
    if idx.ndim > 1:
        raise IndexError(f"{who}: index must be a 1-d (or 0-d) tensor, got shape {idx.shape}")
    d = dim_index(dim, x.ndim, who)
    _check_bounds(idx, x.shape[d] if x.ndim else 1, who)
    return d, idx.reshape(-1).astype(np.int64, copy=False)


def index_select(x: Tensor, dim: int, index: Any) -> Tensor:
    """The slices of x at index (1-d) along dim; repeated indices repeat them."""
    d, idx = _dim_index_arg(x, dim, index, "index_select")
    if x.ndim == 0:
        return reshape(x, (1,))[Tensor._make(idx)].reshape(()) if idx.size == 1 else \
            reshape(x, (1,))[Tensor._make(idx)]
    return IndexSelect.apply(x, dim=d, idx=idx)


def _source(x: Tensor, d: int, idx: np.ndarray, source: Any, who: str) -> Tensor:
    src = _tensor(source)
    want = x.shape[:d] + (idx.size,) + x.shape[d + 1:]
    if src.shape != want and not (x.ndim == 0 and src.size == idx.size):
        raise RuntimeError(f"{who}: source must have shape {want} (the input's, with "
                           f"{idx.size} slices along dim {d}), got {src.shape}")
    if src.dtype != x.dtype:
        raise RuntimeError(f"{who}: source ({src.dtype}) and input ({x.dtype}) must have the "
                           "same dtype")
    return src


def index_add(x: Tensor, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
    """x with alpha * source's slices added at index along dim (repeats accumulate)."""
    d, idx = _dim_index_arg(x, dim, index, "index_add")
    src = _source(x, d, idx, source, "index_add")
    return IndexAdd.apply(x, src, dim=d, idx=idx, alpha=alpha)


def index_copy(x: Tensor, dim: int, index: Any, source: Any) -> Tensor:
    d, idx = _dim_index_arg(x, dim, index, "index_copy")
    src = _source(x, d, idx, source, "index_copy")
    return IndexCopy.apply(x, src, dim=d, idx=idx)


def index_fill(x: Tensor, dim: int, index: Any, value: Any) -> Tensor:
    d, idx = _dim_index_arg(x, dim, index, "index_fill")
    if isinstance(value, Tensor) and value.requires_grad:
        if value.ndim != 0:
            raise RuntimeError(f"index_fill: value must be a number or a 0-d tensor, got "
                               f"shape {value.shape}")
        mask = np.zeros(x.shape[d], dtype=bool)
        mask[idx] = True
        shape = (1,) * d + (x.shape[d],) + (1,) * (x.ndim - d - 1)
        return masked_fill(x, Tensor._make(mask.reshape(shape)), value)
    return IndexFill.apply(x, dim=d, idx=idx, value=_scalar(value, "index_fill"))


# ---------------------------------------------------------------------------------------
# gather / scatter (an index of the input's rank)
# ---------------------------------------------------------------------------------------
class Gather(Function):
    saves_inputs = False

    def forward(self, a, dim, idx):
        self.dim, self.idx = dim, idx
        block = _head(a, tuple(n if k != dim else a.shape[k] for k, n in enumerate(idx.shape)))
        return np.take_along_axis(block, idx, axis=dim)

    def backward(self, g):
        return (ScatterAddInto.apply(g, shape=self.inputs[0].shape, dim=self.dim,
                                     idx=self.idx),)


class ScatterAddInto(Function):
    """zeros(shape) with g added at idx along dim (the adjoint of Gather)."""

    saves_inputs = False

    def forward(self, g, shape, dim, idx):
        self.dim, self.idx = dim, idx
        out = np.zeros(shape, dtype=g.dtype)
        np.add.at(out, _coords(idx, dim), g)
        return out

    def backward(self, gg):
        return (Gather.apply(gg, dim=self.dim, idx=self.idx),)


class Scatter(Function):
    """out = input; out[coords of idx] = src (or value), or combined with reduce."""

    saves_inputs = False

    def forward(self, a, *src, dim, idx, value, reduce):
        self.dim, self.idx = dim, idx
        out = a.copy()
        at = _coords(idx, dim)
        v = _head(src[0], idx.shape) if src else value
        if reduce is None:
            out[at] = v
        elif reduce == "add":
            np.add.at(out, at, v)
        else:
            np.multiply.at(out, at, v)
        return out

    def backward(self, g):
        keep = np.ones(g.shape, dtype=g.dtype)
        keep[_coords(self.idx, self.dim)] = 0
        gi = g * Tensor._make(keep)
        if len(self.inputs) == 1:
            return (gi,)
        gs = _pad_to(Gather.apply(g, dim=self.dim, idx=self.idx), self.inputs[1].shape)
        return gi, gs


class ScatterReduce(Function):
    """scatter_reduce with sum / prod / mean / amax / amin, include_self or not. The
    gradients are PyTorch's: amax/amin share it evenly among the elements equal to the
    result, prod gives each factor the product of the others (zeros handled)."""

    saves_output = True

    def forward(self, a, src, dim, idx, reduce, include_self):
        self.dim, self.idx, self.reduce, self.include_self = dim, idx, reduce, include_self
        at = _coords(idx, dim)
        s = _head(src, idx.shape)
        out = a.copy()
        if reduce in ("sum", "mean"):
            if not include_self:
                out[at] = 0
            np.add.at(out, at, s)
            if reduce == "mean":
                count = np.full(a.shape, 1 if include_self else 0, dtype=np.int64)
                np.add.at(count, at, 1)
                self.count = np.maximum(count, 1)
                if out.dtype.kind == "f":
                    out = out / self.count.astype(out.dtype)
                else:
                    out = np.floor_divide(out, self.count).astype(a.dtype)
        elif reduce == "prod":
            if not include_self:
                out[at] = 1
            np.multiply.at(out, at, s)
        else:
            ufunc = np.maximum if reduce == "amax" else np.minimum
            if not include_self:
                fill = -np.inf if reduce == "amax" else np.inf
                if out.dtype.kind != "f":
                    info = np.iinfo(out.dtype) if out.dtype.kind in "iu" else None
                    fill = (info.min if reduce == "amax" else info.max) if info else fill
                out[at] = fill
            ufunc.at(out, at, s)
        return out

    def backward(self, g):
        a, src = self.inputs
        at = _coords(self.idx, self.dim)
        scattered = np.zeros(a.shape, dtype=bool)
        scattered[at] = True
        red = self.reduce
        if red == "sum":
            gi = g if self.include_self else g * Tensor._make((~scattered).astype(g.dtype))
            gs = Gather.apply(g, dim=self.dim, idx=self.idx)
        elif red == "mean":
            gm = g / Tensor._make(self.count.astype(g.dtype))
            gi = gm if self.include_self else gm * Tensor._make((~scattered).astype(g.dtype))
            gs = Gather.apply(gm, dim=self.dim, idx=self.idx)
        elif red == "prod":
            gi_c, gs_c = _prod_grads(a.data, _head(src.data, self.idx.shape), at,
                                     self.include_self, scattered)
            gi = g * Tensor._make(gi_c)
            gs = Gather.apply(g, dim=self.dim, idx=self.idx) * Tensor._make(gs_c)
        else:  # amax / amin: shared evenly among the elements equal to the result
            out = self.output.data
            # as PyTorch: an input equal to the result takes a share even without
            # include_self, and that share is then dropped
            self_hit = a.data == out
            src_hit = _head(src.data, self.idx.shape) == out[at]
            n = self_hit.astype(np.int64)
            np.add.at(n, at, src_hit.astype(np.int64))
            share = Tensor._make((1.0 / np.maximum(n, 1)).astype(g.dtype))
            gd = g * share
            if not self.include_self:
                self_hit = self_hit & ~scattered
            gi = gd * Tensor._make(self_hit.astype(g.dtype))
            gs = Gather.apply(gd, dim=self.dim, idx=self.idx) * Tensor._make(
                src_hit.astype(g.dtype))
        return gi, _pad_to(gs, src.shape)


def _prod_grads(a: np.ndarray, s: np.ndarray, at: tuple, include_self: bool,
                scattered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d(product)/d(each factor) = the product of the other factors, zeros included: per
    position the product of its non-zero factors and the count of its zero factors."""
    if include_self:
        nz, zc = np.where(a != 0, a, 1).astype(a.dtype), (a == 0).astype(np.int64)
    else:
        nz, zc = np.ones_like(a), np.zeros(a.shape, dtype=np.int64)
    np.multiply.at(nz, at, np.where(s != 0, s, 1).astype(a.dtype))
    np.add.at(zc, at, (s == 0).astype(np.int64))

    def others(v: np.ndarray, p: np.ndarray, z: np.ndarray) -> np.ndarray:
        safe = np.where(v != 0, v, 1)
        return np.where(v != 0, np.where(z == 0, p / safe, 0), np.where(z == 1, p, 0)
                        ).astype(a.dtype)

    gs = others(s, nz[at], zc[at])
    inside = others(a, nz, zc) if include_self else np.zeros_like(a)
    return np.where(scattered, inside, 1).astype(a.dtype), gs


def gather(x: Tensor, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j] = x[index[i][j]][j] for dim 0 (and so on): index has x's rank."""
    d, idx = _scatter_geometry(x, dim, index, None, "gather")
    if x.ndim == 0:
        return reshape(Gather.apply(reshape(x, (1,)), dim=0, idx=idx), ())
    return Gather.apply(x, dim=d, idx=idx)


def scatter(x: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy of x with src (a tensor, or a number as ``value``) written at index along dim.
    Where an index repeats the last write wins (PyTorch leaves the order undefined)."""
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor) and value (a number)")
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
    d, idx = _scatter_geometry(x, dim, index, None if src is None else src.shape, "scatter")
    if reduce is not None and (x.requires_grad or (src is not None and src.requires_grad)):
        raise RuntimeError("scatter: the derivative of scatter with reduce is not "
                           "implemented (as in PyTorch); use scatter_reduce")
    if src is not None and src.dtype != x.dtype:
        raise RuntimeError(f"scatter: src ({src.dtype}) and input ({x.dtype}) must have the "
                           "same dtype")
    ins = (x,) if src is None else (x, src)
    return Scatter.apply(*ins, dim=d, idx=idx, value=_scalar(value, "scatter"), reduce=reduce)


def scatter_add(x: Tensor, dim: int, index: Any, src: Any) -> Tensor:
    """A copy of x with src added at index along dim (repeats accumulate)."""
    return scatter_reduce(x, dim, index, src, "sum")


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(x: Tensor, dim: int, index: Any, src: Any, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"scatter_reduce: reduce must be one of {', '.join(_REDUCTIONS)}; "
                           f"got {reduce!r}")
    src = _tensor(src)
    d, idx = _scatter_geometry(x, dim, index, src.shape, "scatter_reduce")
    if src.dtype != x.dtype:
        raise RuntimeError(f"scatter_reduce: src ({src.dtype}) and input ({x.dtype}) must "
                           "have the same dtype")
    if x.ndim == 0:
        x1, s1 = reshape(x, (1,)), reshape(src, (1,)) if src.ndim == 0 else src
        out = ScatterReduce.apply(x1, s1, dim=0, idx=idx, reduce=reduce,
                                  include_self=include_self)
        return reshape(out, ())
    return ScatterReduce.apply(x, src, dim=d, idx=idx, reduce=reduce,
                               include_self=include_self)


def take_along_dim(x: Tensor, indices: Any, dim: int | None = None) -> Tensor:
    """np.take_along_axis: gather with x and indices broadcast against each other (except
    along dim); without dim both are flattened. Negative indices count from the end."""
    idx = _int_index(indices, "take_along_dim")
    if dim is None:
        flat = reshape(x, (-1,))
        idx = idx.reshape(-1)
        _check_bounds(idx, flat.shape[0], "take_along_dim", negative=True)
        return Gather.apply(flat, dim=0, idx=np.where(idx < 0, idx + flat.shape[0], idx))
    if idx.ndim != x.ndim:
        raise RuntimeError(f"take_along_dim: input and indices should have the same number "
                           f"of dims, got {x.ndim} and {idx.ndim}")
    d = dim_index(dim, x.ndim, "take_along_dim")
    n = x.shape[d]
    _check_bounds(idx, n, "take_along_dim", negative=True)
    try:
        common = np.broadcast_shapes(x.shape[:d] + (1,) + x.shape[d + 1:],
                                     idx.shape[:d] + (1,) + idx.shape[d + 1:])
    except ValueError:
        raise RuntimeError(f"take_along_dim: input {x.shape} and indices {idx.shape} do not "
                           f"broadcast (except in dim {d})") from None
    xb = expand(x, common[:d] + (n,) + common[d + 1:])
    ib = np.broadcast_to(idx, common[:d] + (idx.shape[d],) + common[d + 1:])
    return Gather.apply(xb, dim=d, idx=np.where(ib < 0, ib + n, ib))


def take(x: Tensor, index: Any) -> Tensor:
    """Elements of x seen as 1-d, in index's shape; negative indices count from the end."""
    idx = _int_index(index, "take")
    n = x.size
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise IndexError(f"take: out of range: tried to access index {int(bad)} on a tensor "
                         f"of {n} elements")
    return getitem(reshape(x, (-1,)), Tensor._make(idx))


# ---------------------------------------------------------------------------------------
# masks
# ---------------------------------------------------------------------------------------
def _mask(mask: Any, who: str) -> np.ndarray:
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"{who}: expected a boolean mask, got {m.dtype}")
    return m


class MaskedFill(Function):
    saves_inputs = False

    def forward(self, a, mask, value):
        self.mask = mask
        return np.where(mask, np.asarray(value).astype(a.dtype), a)

    def backward(self, g):
        keep = Tensor._make((~self.mask).astype(g.dtype))
        return (unbroadcast(g * keep, self.inputs[0].shape),)


def masked_fill(x: Tensor, mask: Any, value: Any) -> Tensor:
    """x with value where mask (broadcast with x) is True."""
    m = _mask(mask, "masked_fill")
    try:
        np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_fill: the mask {m.shape} does not broadcast with the "
                           f"input {x.shape}") from None
    if isinstance(value, Tensor) and value.requires_grad:
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill: value must be a 0-d tensor, got {value.shape}")
        from .elementwise import where

        return where(Tensor._make(m), value.astype(x.dtype), x)
    return MaskedFill.apply(x, mask=m, value=_scalar(value, "masked_fill"))


class MaskedScatter(Function):
    saves_inputs = False

    def forward(self, a, src, mask):
        self.mask = mask
        out = np.array(np.broadcast_to(a, np.broadcast_shapes(a.shape, mask.shape)))
        m = np.broadcast_to(mask, out.shape)
        out[m] = src.reshape(-1)[:int(m.sum())]
        return out

    def backward(self, g):
        a, src = self.inputs
        m = np.broadcast_to(self.mask, g.shape)
        gi = unbroadcast(g * Tensor._make((~m).astype(g.dtype)), a.shape)
        picked = g[Tensor._make(m)]
        gs = pad(picked, [(0, src.size - picked.shape[0])]).reshape(src.shape)
        return gi, gs


def masked_scatter(x: Tensor, mask: Any, source: Any) -> Tensor:
    """x with the positions where mask is True filled, in order, from source's elements."""
    m = _mask(mask, "masked_scatter")
    src = _tensor(source)
    try:
        shape = np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_scatter: the mask {m.shape} does not broadcast with the "
                           f"input {x.shape}") from None
    k = int(np.broadcast_to(m, shape).sum())
    if src.size < k:
        raise RuntimeError(f"masked_scatter: source has {src.size} elements but the mask "
                           f"selects {k}")
    if src.dtype != x.dtype:
        raise RuntimeError(f"masked_scatter: source ({src.dtype}) and input ({x.dtype}) must "
                           "have the same dtype")
    return MaskedScatter.apply(x, src, mask=m)


def masked_select(x: Tensor, mask: Any) -> Tensor:
    """The elements of x where mask (broadcast with x) is True, as a 1-d tensor."""
    m = _mask(mask, "masked_select")
    try:
        shape = tuple(np.broadcast_shapes(x.shape, m.shape))
    except ValueError:
        raise RuntimeError(f"masked_select: the mask {m.shape} does not broadcast with the "
                           f"input {x.shape}") from None
    xb = expand(x, shape)
    return getitem(xb, Tensor._make(np.broadcast_to(m, shape))) if shape else \
        reshape(xb, (1,))[Tensor._make(m.reshape(1))]


def nonzero(x: Tensor, *, as_tuple: bool = False) -> Any:
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-d tensor per
    dim with ``as_tuple=True`` (``where(condition)`` is the latter)."""
    a = _tensor(x).data
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(a)))
    return Tensor._make(np.argwhere(a).astype(np.int64))


def argwhere(x: Tensor) -> Tensor:
    return nonzero(x)


# ---------------------------------------------------------------------------------------
# sorted search (no gradient: the results are indices)
# ---------------------------------------------------------------------------------------
def _no_number(who: str, arg: str, value: Any) -> None:
    if isinstance(value, (bool, int, float, np.number)):
        raise TypeError(f"{who}(): argument '{arg}' must be Tensor, not {type(value).__name__}")


def searchsorted(sorted_sequence: Any, values: Any, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None, sorter: Any = None) -> Tensor:
    """Where values would go in each row (last dim) of sorted_sequence to keep it sorted."""
    _no_number("searchsorted", "sorted_sequence", sorted_sequence)
    seq = _tensor(sorted_sequence).data
    scalar = not isinstance(values, Tensor) and np.ndim(values) == 0
    v = _tensor(values).data
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise RuntimeError("searchsorted: side='left' and right=True contradict")
        right = side == "right"
    how = "right" if right else "left"
    if sorter is not None:
        order = _tensor(sorter).data
        seq = np.take_along_axis(seq, order, axis=-1)
    if seq.ndim == 0:
        raise RuntimeError("searchsorted: sorted_sequence must have at least one dim")
    if seq.ndim == 1:
        out = np.searchsorted(seq, v, side=how)
    else:
        if v.ndim != seq.ndim or v.shape[:-1] != seq.shape[:-1]:
            raise RuntimeError(f"searchsorted: the leading dims of sorted_sequence "
                               f"{seq.shape} and values {v.shape} must match")
        s2, v2 = seq.reshape(-1, seq.shape[-1]), v.reshape(-1, v.shape[-1])
        out = np.stack([np.searchsorted(r, q, side=how) for r, q in zip(s2, v2)])
        out = out.reshape(v.shape)
    out = np.asarray(out).astype(np.int32 if out_int32 else np.int64)
    return Tensor._make(out.reshape(()) if scalar else out)


def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The bucket of each value: i with boundaries[i-1] < x <= boundaries[i] (right=False)
    or boundaries[i-1] <= x < boundaries[i] (right=True)."""
    _no_number("bucketize", "boundaries", boundaries)
    b = _tensor(boundaries)
    if b.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries must be 1-d, got shape {b.shape}")
    return searchsorted(b, input, out_int32=out_int32, right=right)


def where_nonzero(condition: Any) -> tuple[Tensor, ...]:
    """``where(condition)`` with one argument: ``nonzero(condition, as_tuple=True)``."""
    return nonzero(condition, as_tuple=True)


# ---------------------------------------------------------------------------------------
# index_put: x[indices] = values (or += with accumulate) as a function
# ---------------------------------------------------------------------------------------
def _put_index(indices: Any, who: str) -> tuple:
    if isinstance(indices, Tensor) or not isinstance(indices, (tuple, list)):
        raise TypeError(f"{who}: indices must be a tuple of index tensors, got "
                        f"{type(indices).__name__}")
    out = []
    for i in indices:
        a = i.data if isinstance(i, Tensor) else np.asarray(i)
        if a.dtype.kind not in "iub":
            raise IndexError(f"{who}: index tensors must be integer or bool, got {a.dtype}")
        out.append(a)
    return tuple(out)


def index_put(input: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """A copy of input with ``input[indices] = values`` (``+=`` when accumulate; repeated
    indices then add up), differentiable in input and values. indices is a tuple of integer
    (or bool) tensors, one per leading dim; values broadcasts to the selection."""
    from .elementwise import where
    from .shape import ScatterAdd, broadcast_to

    idx = _put_index(indices, "index_put")
    try:
        sel = input.data[idx]
    except IndexError as e:
        raise IndexBoundsError(f"index_put: {e}") from None
    v = _tensor(values)
    if v.dtype != input.dtype:
        v = v.astype(input.dtype)
    try:
        v = broadcast_to(v, sel.shape)
    except ValueError:
        raise ValueError(f"index_put: values of shape {v.shape} do not broadcast to the "
                         f"selection's shape {sel.shape}") from None
    placed = ScatterAdd.apply(v, shape=input.shape, index=idx)
    if accumulate:
        return input + placed
    count = np.zeros(input.shape, dtype=np.int64)
    np.add.at(count, idx, 1)
    if count.max(initial=0) > 1:  # a repeated index: its values are averaged (torch: any)
        placed = placed / Tensor._make(np.maximum(count, 1).astype(input.dtype))
    return where(Tensor._make(count > 0), placed, input)


# ---------------------------------------------------------------------------------------
# isin, unravel_index (integer results, no gradient)
# ---------------------------------------------------------------------------------------
def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """A bool tensor of elements' shape: is each element among test_elements? (either may
    be a number; invert=True gives the opposite)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin: at least one of elements and test_elements must be a Tensor")
    e = elements.data if isinstance(elements, Tensor) else np.asarray(elements)
    t = test_elements.data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    out = np.isin(e, t, assume_unique=bool(assume_unique), invert=bool(invert))
    return Tensor._make(np.asarray(out, dtype=np.bool_))


def unravel_index(indices: Any, shape: Any) -> tuple[Tensor, ...]:
    """The coordinates, in a tensor of ``shape``, of flat indices (negative ones count from
    the end): a tuple of int64 tensors of indices' shape, one per dimension."""
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected 'indices' to be an integer tensor, got "
                        f"{idx.dtype}")
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0:
            raise TypeError(f"unravel_index: shape must be a sequence of non-negative ints, "
                            f"got {shape!r}")
    n = int(np.prod(dims, dtype=np.int64))
    flat = idx.astype(np.int64)
    if flat.size and (flat.min() < -n or flat.max() > n - 1):
        raise ValueError(f"unravel_index: 'indices' must be in range [{-n}, {n - 1}] for "
                         f"shape {tuple(int(d) for d in dims)}")
    flat = np.where(flat < 0, flat + n, flat)
    coords = np.unravel_index(flat, tuple(int(d) for d in dims)) if dims else ()
    return tuple(Tensor._make(np.asarray(c, dtype=np.int64)) for c in coords)


def index_reduce(x: Tensor, dim: int, index: Any, source: Any, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """torch.index_reduce: x with source's slices reduced ('prod', 'mean', 'amax', 'amin')
    into the slices at index along dim (without include_self, x's own values at those
    slices are left out). Differentiable in x and source, as scatter_reduce."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce: reduce must be one of prod, mean, amax, amin; got "
                           f"{reduce!r}")
    d, idx = _dim_index_arg(x, dim, index, "index_reduce")
    src = _source(x, d, idx, source, "index_reduce")
    if x.ndim == 0:
        return scatter_reduce(x, 0, Tensor._make(idx.reshape(-1)), src.reshape(-1), reduce,
                              include_self=include_self)
    shape = [1] * src.ndim
    shape[d] = idx.size
    full = np.broadcast_to(idx.reshape(shape), src.shape)
    return scatter_reduce(x, d, Tensor._make(np.ascontiguousarray(full)), src, reduce,
                          include_self=include_self)


class ScatterInto(Function):
    """A copy of a with src written into the region ``where(view)`` of it (a select, slice or
    diagonal). Backward: the gradient with that region zeroed for a, the region for src."""

    saves_inputs = False

    def forward(self, a, src, region, take):
        self.region, self.take = region, take
        out = a.copy()
        region(out)[...] = src
        return out

    def backward(self, g):
        gz = g
        a, src = self.inputs
        ga = gs = None
        if a.requires_grad:
            zeros = Tensor._make(np.zeros(src.shape, dtype=g.data.dtype))
            ga = ScatterInto.apply(gz, zeros, region=self.region, take=self.take)
        if src.requires_grad:
            gs = self.take(g)
        return ga, gs


def _scatter_into(who: str, x: Tensor, src: Any, region: Any, take: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if not isinstance(src, Tensor):
        raise TypeError(f"{who}(): argument 'src' must be Tensor, not {type(src).__name__}")
    want = region(x.data).shape
    if src.shape != want:
        raise RuntimeError(f"{who}: expected src to have a size equal to the slice of self, "
                           f"{want}, got {src.shape}")
    if src.dtype != x.dtype:  # torch casts src to input's dtype (differentiably)
        src = src.to(x.dtype)
    return ScatterInto.apply(x, src, region=region, take=take)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """torch.select_scatter: a copy of input with src written at input.select(dim, index)."""
    from .shape import _select_at, select

    d, i = _select_at(input, dim, index, "select_scatter")
    key = (slice(None),) * d + (i,)
    return _scatter_into("select_scatter", input, src, lambda a: a[key],
                         lambda g: select(g, d, i))


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: Any = None,
                  end: Any = None, step: int = 1) -> Tensor:
    """torch.slice_scatter: a copy of input with src written at input[start:end:step] along
    dim."""
    d = dim_index(dim, max(input.ndim, 1), "slice_scatter")
    if step < 1:
        raise RuntimeError(f"slice_scatter: slice step must be positive, got {step}")
    key = (slice(None),) * d + (slice(start, end, step),)
    return _scatter_into("slice_scatter", input, src, lambda a: a[key], lambda g: g[key])


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0,
                     dim2: int = 1) -> Tensor:
    """torch.diagonal_scatter: a copy of input with src written on input.diagonal(offset,
    dim1, dim2) (src's last dim the diagonal's)."""
    from .shape import diagonal

    d1 = dim_index(dim1, input.ndim, "diagonal_scatter")
    d2 = dim_index(dim2, input.ndim, "diagonal_scatter")
    if d1 == d2:
        raise RuntimeError(f"diagonal_scatter: dim1 and dim2 cannot be the same dim ({d1})")
    n1, n2 = input.shape[d1], input.shape[d2]
    length = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    rows = np.arange(length) + max(-offset, 0)
    cols = np.arange(length) + max(offset, 0)

    def region(a: np.ndarray) -> np.ndarray:
        return _DiagView(np.moveaxis(a, (d1, d2), (-2, -1)), rows, cols)

    out = _scatter_into("diagonal_scatter", input, src, region,
                        lambda g: diagonal(g, offset, d1, d2))
    return out


class _DiagView:
    """A writable stand-in for a diagonal (numpy's are read-only): ``v[...] = src`` writes
    src's last dim onto the (rows, cols) entries of the last two dims of a."""

    def __init__(self, a: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> None:
        self.a, self.rows, self.cols = a, rows, cols

    @property
    def shape(self) -> tuple[int, ...]:
        return self.a.shape[:-2] + (self.rows.size,)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.a[..., self.rows, self.cols] = value
