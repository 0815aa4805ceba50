"""Shape ops: reshape, transpose/permute, broadcast/expand, cat/stack/split, flips and rolls,
triangles and diagonals, repeats, and basic indexing (``x[...]``).

Semantics are PyTorch's (``transpose(dim0, dim1)``, ``split(split_size_or_sections, dim)``,
``squeeze(dim)`` a no-op on a dim whose size is not 1 ...); numpy's ``axis`` spelling is
accepted as an alias of ``dim``. Backwards move the gradient back into the input's layout:
reshape back, permute by the inverse, sum what broadcasting copied, scatter-add what
indexing gathered. Ops that are views in PyTorch (reshape, transpose, expand, slicing,
diagonal, unfold) are views here too and share the version counter with their base.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..function import Function
from ..tensor import (
    ShapeError,
    Tensor,
    _check_memory_format,
    _index,
    _is_contiguous_as,
    contiguous_format,
    preserve_format,
)
from .elementwise import clone, promote_types, unbroadcast

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "block_diag", "broadcast_shapes",
           "broadcast_tensors", "broadcast_to", "cartesian_prod", "cat", "chunk", "column_stack",
           "combinations", "concat", "concatenate", "contiguous", "diag", "diag_embed", "diagflat",
           "diagonal", "diff", "dsplit", "dstack", "expand", "expand_as", "expand_dims", "flatten",
           "flip", "fliplr", "flipud", "gradient", "hsplit", "hstack", "meshgrid", "moveaxis",
           "movedim", "narrow", "pad", "permute", "ravel", "repeat", "repeat_interleave", "reshape",
           "reshape_as", "roll", "rot90", "row_stack", "select", "split", "squeeze", "stack",
           "swapaxes", "swapdims", "t", "tensor_split", "tile", "transpose", "tril", "triu",
           "unbind", "unflatten", "unfold", "unsqueeze", "vander", "view_as", "vsplit", "vstack"]


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
def dim_index(dim: Any, ndim: int, who: str) -> int:
    """One dim (negative counts from the end) -> a non-negative int, as PyTorch checks it:
    a 0-d tensor accepts 0 and -1; out of range is an IndexError naming the valid range."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{who}: dim must be an int, got {dim!r}")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{who}: dim {dim} is out of range for a tensor with {ndim} "
                         f"dimension{'s' if ndim != 1 else ''} (expected -{n} to {n - 1})")
    return int(dim) % n


def _dims(dims: Any, ndim: int, who: str) -> tuple[int, ...]:
    """An int or a sequence of ints -> a tuple of distinct non-negative dims (order kept)."""
    if isinstance(dims, (int, np.integer)):
        dims = (dims,)
    try:
        dims = tuple(dims)
    except TypeError:
        raise TypeError(f"{who}: dims must be an int or a sequence of ints, got {dims!r}"
                        ) from None
    out = tuple(dim_index(d, ndim, who) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{who}: dim {dims} has a repeated dim")
    return out


def _alias(dim: Any, axis: Any, default: Any = None) -> Any:
    """PyTorch's ``dim`` with numpy's ``axis`` accepted as the same argument."""
    if axis is not None:
        if dim is not None and dim != default:
            raise TypeError("give dim or axis (its numpy spelling), not both")
        return axis
    return default if dim is None else dim


def _sizes(args: tuple, who: str) -> tuple:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all mean the sizes (2, 3)."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        args = args[0]
        if isinstance(args, Tensor):
            args = args.data.tolist()
        if isinstance(args, (int, np.integer)):
            args = (args,)
    try:
        sizes = tuple(args)
    except TypeError:
        raise TypeError(f"{who}: expected ints or a sequence of ints, got {args!r}") from None
    for n in sizes:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"{who}: sizes must be ints, got {sizes!r}")
    return tuple(int(n) for n in sizes)


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _tensors(tensors: Any, who: str) -> list[Tensor]:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{who}: expected a sequence of tensors, got a single Tensor")
    ts = [_tensor(t) for t in tensors]
    if not ts:
        raise ShapeError(f"{who}: expected a non-empty list of tensors")
    return ts


def _common_dtype(ts: Sequence[Tensor]) -> np.dtype:
    """The dtype cat/stack give: PyTorch's promotion over all the tensors (float32 with
    int64 is float32, not numpy's float64)."""
    first = ts[0].data.dtype
    if all(t.data.dtype == first for t in ts):
        return first
    return functools.reduce(promote_types, [t.data.dtype for t in ts])


def _as(ts: list[Tensor], dtype: np.dtype) -> list[Tensor]:
    return [t if t.data.dtype == dtype else t.astype(dtype) for t in ts]


def _slice_at(ndim: int, dim: int, sl: Any) -> tuple:
    return (slice(None),) * dim + (sl,) + (slice(None),) * (ndim - dim - 1)


# ---------------------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------------------
class Reshape(Function):
    saves_inputs = False
    view = True

    def forward(self, a, shape):
        return a.reshape(shape)

    def backward(self, g):
        return (g.reshape(self.inputs[0].shape),)


class Transpose(Function):
    """A permutation of the dims (transpose, permute, movedim, .T, .mT all come here)."""

    saves_inputs = False
    view = True

    def forward(self, a, axes):
        self.axes = axes
        return a.transpose(axes)

    def backward(self, g):
        return (_permute(g, tuple(int(i) for i in np.argsort(self.axes))),)


class BroadcastTo(Function):
    saves_inputs = False
    view = True

    def forward(self, a, shape):
        return np.broadcast_to(a, shape)

    def backward(self, g):
        return (unbroadcast(g, self.inputs[0].shape),)


class Concatenate(Function):
    saves_inputs = False

    def forward(self, *arrays, axis):
        self.axis = axis
        return np.concatenate(arrays, axis=axis)

    def backward(self, g):
        return split(g, [t.shape[self.axis] for t in self.inputs], self.axis)


class GetItem(Function):
    """x[index]. Backward scatters the gradient back, adding where an index repeats."""

    saves_inputs = False
    view = True

    def forward(self, a, index):
        self.index = index
        return a[index]

    def backward(self, g):
        return (ScatterAdd.apply(g, shape=self.inputs[0].shape, index=self.index),)


class ScatterAdd(Function):
    """zeros(shape) with g added at ``index`` (the adjoint of GetItem; duplicates accumulate)."""

    saves_inputs = False

    def forward(self, g, shape, index):
        self.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if _is_basic(index) or index.__class__ is np.ndarray and index.dtype == np.bool_:
            out[index] = g  # basic indexing and masks never repeat an element
        elif index.__class__ is np.ndarray and index.dtype.kind in "iu" and out.ndim:
            idx = index.reshape(-1)  # x[int_tensor], e.g. an embedding lookup
            accumulate_rows(out, np.where(idx < 0, idx + shape[0], idx),
                            g.reshape((idx.size,) + shape[1:]))
        else:
            np.add.at(out, index, g)
        return out

    def backward(self, gg):
        return (GetItem.apply(gg, index=self.index),)


class Pad(Function):
    saves_inputs = False

    def forward(self, a, width, value):
        self.width = width
        return np.pad(a, width, mode="constant", constant_values=value)

    def backward(self, g):
        inner = tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(self.width))
        return (g[inner],)


class Flip(Function):
    """A reversed copy along dims (PyTorch's flip copies; it is not a view)."""

    saves_inputs = False

    def forward(self, a, dims):
        self.dims = dims
        return np.flip(a, dims).copy()

    def backward(self, g):
        return (Flip.apply(g, dims=self.dims),)


class Roll(Function):
    saves_inputs = False

    def forward(self, a, shifts, dims):
        self.shifts, self.dims = shifts, dims
        return np.roll(a, shifts, dims)

    def backward(self, g):
        return (Roll.apply(g, shifts=tuple(-s for s in self.shifts), dims=self.dims),)


class Triangle(Function):
    """tril/triu of the last two dims: the gradient keeps the same triangle."""

    saves_inputs = False

    def forward(self, a, k, upper):
        self.k, self.upper = k, upper
        return np.triu(a, k) if upper else np.tril(a, k)

    def backward(self, g):
        return (Triangle.apply(g, k=self.k, upper=self.upper),)


def _diag_rc(shape: tuple, offset: int, d1: int, d2: int) -> tuple[np.ndarray, np.ndarray]:
    n = max(0, min(shape[d1] + min(offset, 0), shape[d2] - max(offset, 0)))
    rows = np.arange(n) + max(-offset, 0)
    return rows, rows + offset


class Diagonal(Function):
    """The diagonal of dims (d1, d2) with an offset, as a last dim (a view, as in PyTorch)."""

    saves_inputs = False
    view = True

    def forward(self, a, offset, d1, d2):
        self.geom = (offset, d1, d2)
        d = np.diagonal(a, offset, d1, d2)
        if a.flags.writeable:
            d.flags.writeable = True  # a writable view, as torch's (x.diagonal().add_(1))
        return d

    def backward(self, g):
        return (DiagonalScatter.apply(g, shape=self.inputs[0].shape, geom=self.geom),)


class DiagonalScatter(Function):
    """zeros(shape) with g's last dim written on the (offset, d1, d2) diagonal; the adjoint of
    Diagonal (and diag_embed itself)."""

    saves_inputs = False

    def forward(self, g, shape, geom):
        self.geom = geom
        offset, d1, d2 = geom
        out = np.zeros(shape, dtype=g.dtype)
        rows, cols = _diag_rc(shape, offset, d1, d2)
        np.moveaxis(out, (d1, d2), (-2, -1))[..., rows, cols] = g
        return out

    def backward(self, gg):
        return (Diagonal.apply(gg, offset=self.geom[0], d1=self.geom[1],
                               d2=self.geom[2]),)


class Repeat(Function):
    """np.tile of an input already reshaped to len(reps) dims; backward sums the copies."""

    saves_inputs = False

    def forward(self, a, reps):
        self.reps = reps
        return np.tile(a, reps)

    def backward(self, g):
        shape = self.inputs[0].shape
        inter = tuple(n for pair in zip(self.reps, shape) for n in pair)
        g = g.reshape(inter).sum(tuple(range(0, 2 * len(shape), 2)))
        return (g,)


class Unfold(Function):
    """Tensor.unfold: windows of ``size`` every ``step`` along dim, as a new last dim (a view)."""

    saves_inputs = False
    view = True

    def forward(self, a, dim, size, step):
        self.geom = (dim, size, step)
        # writable (as torch's view) unless windows overlap, where torch refuses writes too
        win = np.lib.stride_tricks.sliding_window_view(
            a, size, axis=dim, writeable=bool(a.flags.writeable and step >= size))
        return win[_slice_at(win.ndim, dim, slice(None, None, step))]

    def backward(self, g):
        return (UnfoldBackward.apply(g, shape=self.inputs[0].shape, geom=self.geom),)


class UnfoldBackward(Function):
    """The adjoint of Unfold: every window's gradient added back where it was read."""

    saves_inputs = False

    def forward(self, g, shape, geom):
        self.geom = geom
        dim, size, step = geom
        out = np.zeros(shape, dtype=g.dtype)
        n = g.shape[dim]
        for j in range(size):
            dst = out[_slice_at(out.ndim, dim, slice(j, j + step * (n - 1) + 1, step))]
            dst += g[..., j]
        return out

    def backward(self, gg):
        dim, size, step = self.geom
        return (Unfold.apply(gg, dim=dim, size=size, step=step),)


def accumulate_rows(out: np.ndarray, idx: np.ndarray, src: np.ndarray) -> None:
    """out[idx[i]] += src[i] for a 1-d index of non-negative ints, repeats accumulating.
    Large indices are sorted and summed per run (np.add.reduceat), ~2x np.add.at."""
    if idx.size < 64:
        np.add.at(out, idx, src)
        return
    order = np.argsort(idx, kind="stable")
    s = idx[order]
    starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
    if starts.size == s.size:
        out[s] += src[order]  # no repeats
    else:
        out[s[starts]] += np.add.reduceat(src[order], starts, axis=0)


def _is_basic(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice))
               for i in items)


# ---------------------------------------------------------------------------------------
# reshape and views
# ---------------------------------------------------------------------------------------
def reshape(x: Tensor, shape: Any) -> Tensor:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if (all(type(n) is int and n >= 0 for n in shape) and math.prod(shape) == x.size):
        out_shape = tuple(int(n) for n in shape)  # the common case, checked cheaply
    else:
        out_shape = _resolve_shape(x, shape)
    if out_shape == x.shape:
        return x
    return Reshape.apply(x, shape=out_shape)


def _resolve_shape(x: Tensor, shape: tuple) -> tuple[int, ...]:
    """Fill in a -1 and check the element count, with a clear message."""
    bad = ShapeError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} "
                     f"elements) into shape {shape}")
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in shape):
        raise TypeError(f"reshape: sizes must be ints, got {shape!r}")  # as torch: TypeError
    free = [i for i, n in enumerate(shape) if n == -1]
    if len(free) > 1 or any(n < -1 for n in shape):
        raise bad
    known = int(np.prod([n for n in shape if n != -1]))
    if free:
        if known == 0 or x.size % known:
            raise bad
        shape = shape[:free[0]] + (x.size // known,) + shape[free[0] + 1:]
    elif known != x.size:
        raise bad
    return tuple(int(n) for n in shape)


def view(x: Tensor, *shape: Any, **kw: Any) -> Tensor:
    """Tensor.view: ``view(2, -1)``, ``view((2, -1))``, ``view(x.size())``; ``view(dtype)``
    reinterprets the bytes (no gradient). As in PyTorch the new shape must be reachable
    without a copy: a transposed or strided tensor that cannot be viewed so is an error
    (use reshape, or contiguous() first)."""
    if kw:
        if shape or set(kw) not in ({"size"}, {"dtype"}):
            raise TypeError(f"view: takes a shape (positionally or as size=) or dtype=, got "
                            f"{sorted(kw)}" + (" and a positional shape" if shape else ""))
        shape = tuple(kw.values())
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = shape[0]
        if not isinstance(shape, (tuple, list)):
            return _view_dtype(x, shape)
    out = reshape(x, shape)
    if out is x:  # a new tensor viewing the same memory, as torch's view always gives
        return Reshape.apply(x, shape=x.shape)
    if (not x.data.flags.c_contiguous and x.data.size
            and not np.may_share_memory(out.data, x.data)):
        raise ShapeError(f"view: a tensor of shape {x.shape} and strides {x.stride()} cannot "
                         f"be viewed as shape {out.shape} without a copy (it is not "
                         "contiguous); use .reshape(...) or .contiguous().view(...)")
    return out


def _view_dtype(x: Tensor, dtype: Any) -> Tensor:
    from ..tensor import _as_dtype

    try:
        dt = _as_dtype(dtype)
    except TypeError:
        raise TypeError(f"view: expected a shape (ints) or a dtype, got {dtype!r}") from None
    if dt == x.dtype:
        return Reshape.apply(x, shape=x.shape)  # a new view, as torch
    if x.ndim == 0 and dt.itemsize != x.data.itemsize:
        raise ShapeError(f"view: a 0-d tensor cannot be viewed as {dt} (a different "
                         "element size)")
    try:
        return Tensor._make(x.data.view(dt))
    except ValueError as e:
        raise ShapeError(f"view: cannot view a tensor of {x.dtype} and shape {x.shape} as "
                         f"{dt}: {e}") from None


def view_as(x: Tensor, other: Tensor) -> Tensor:
    return view(x, other.shape)


def reshape_as(x: Tensor, other: Tensor) -> Tensor:
    return reshape(x, other.shape)


def contiguous(x: Tensor, memory_format: Any = None) -> Tensor:
    """x itself when its memory is laid out as memory_format asks (C-contiguous by default),
    else a copy that is (as PyTorch; channels_last needs a 4-d tensor)."""
    fmt = contiguous_format if memory_format is None else memory_format
    if fmt is preserve_format and not x.data.flags.c_contiguous:
        raise RuntimeError("contiguous: preserve_format is not a layout contiguous() can make; "
                           "use contiguous_format, channels_last or channels_last_3d")
    fmt = _check_memory_format(fmt, x.ndim, "contiguous")
    return x if _is_contiguous_as(x.data, fmt) else clone(x, memory_format=fmt)


def _permute(x: Tensor, axes: tuple[int, ...]) -> Tensor:
    if axes == tuple(range(x.ndim)):
        return x
    return Transpose.apply(x, axes=axes)


def permute(x: Tensor, *dims: Any, **kw: Any) -> Tensor:
    """Reorder all dims: ``permute(x, (2, 0, 1))``, ``x.permute(2, 0, 1)``, ``dims=``."""
    if kw:
        if dims or set(kw) != {"dims"}:
            raise TypeError(f"permute: takes dims (positionally or as dims=), got "
                            f"{sorted(kw)}" + (" and positional dims" if dims else ""))
        dims = (kw["dims"],)
    dims = _sizes(dims, "permute")
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute: got {len(dims)} dims {dims} for a tensor with {x.ndim} "
                           "dimensions; give each dim once")
    return _permute(x, _dims(dims, x.ndim, "permute"))


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (PyTorch's meaning; numpy's whole-permutation transpose is ``permute``)."""
    if x.ndim == 0:
        dim_index(dim0, 0, "transpose"), dim_index(dim1, 0, "transpose")
        return x
    a, b = dim_index(dim0, x.ndim, "transpose"), dim_index(dim1, x.ndim, "transpose")
    axes = list(range(x.ndim))
    axes[a], axes[b] = b, a
    return _permute(x, tuple(axes))


def swapaxes(x: Tensor, axis0: int, axis1: int) -> Tensor:
    return transpose(x, axis0, axis1)


swapdims = swapaxes


def t(x: Tensor) -> Tensor:
    """Transpose of a matrix; 0-d and 1-d tensors are returned as they are."""
    if x.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, got {x.ndim} (shape "
                           f"{x.shape}); use .mT or transpose(dim0, dim1)")
    return transpose(x, 0, 1) if x.ndim == 2 else x


def _reversed_dims(x: Tensor) -> Tensor:
    return _permute(x, tuple(range(x.ndim))[::-1])


def _matrix_transpose(x: Tensor) -> Tensor:
    if x.ndim < 2:
        raise RuntimeError(f"mT: only matrices or batches of matrices have a matrix "
                           f"transpose, got a {x.ndim}-d tensor")
    return transpose(x, -2, -1)


def movedim(x: Tensor, source: Any, destination: Any) -> Tensor:
    src = _dims(source, x.ndim, "movedim")
    dst = _dims(destination, x.ndim, "movedim")
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: source {source} and destination {destination} must "
                           "have the same number of dims")
    if x.ndim == 0:
        return _permute(x, ())  # a 0-d tensor takes dim 0 or -1 (as torch)
    order = [None] * x.ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(x.ndim) if i not in src)
    return _permute(x, tuple(o if o is not None else next(rest) for o in order))


moveaxis = movedim


def squeeze(x: Tensor, dim: Any = None, *, axis: Any = None) -> Tensor:
    """Drop size-1 dims: all of them, or those of dim (an int or tuple) that have size 1."""
    dim = _alias(dim, axis)
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        dims = _dims(dim, x.ndim, "squeeze")
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1))
    return reshape(x, shape)


def unsqueeze(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    dim = _alias(dim, axis)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"unsqueeze: dim must be an int, got {dim!r}")
    nd = x.ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a result with {nd} "
                         f"dimensions (expected -{nd} to {nd - 1})")
    dim = int(dim) % nd
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


expand_dims = unsqueeze


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if x.ndim == 0:
        return reshape(x, (1,))
    s = dim_index(start_dim, x.ndim, "flatten")
    e = dim_index(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError(f"flatten: start_dim {start_dim} cannot come after end_dim "
                           f"{end_dim}")
    return reshape(x, x.shape[:s] + (math.prod(x.shape[s:e + 1]),) + x.shape[e + 1:])


def ravel(x: Tensor) -> Tensor:
    return reshape(x, (-1,))


def unflatten(x: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    d = dim_index(dim, x.ndim, "unflatten")
    sizes = _sizes((sizes,), "unflatten")
    n = x.shape[d]
    known = math.prod(s for s in sizes if s != -1)
    free = sizes.count(-1)
    if free > 1 or (free and (known == 0 or n % known)) or (not free and known != n):
        raise RuntimeError(f"unflatten: sizes {list(sizes)} don't multiply up to the size of "
                           f"dim {dim} ({n}) of a tensor of shape {x.shape}")
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    return reshape(x, x.shape[:d] + sizes + x.shape[d + 1:])


def atleast_1d(*tensors: Any) -> Any:
    return _atleast(tensors, 1)


def atleast_2d(*tensors: Any) -> Any:
    return _atleast(tensors, 2)


def atleast_3d(*tensors: Any) -> Any:
    return _atleast(tensors, 3)


def _atleast(tensors: tuple, n: int) -> Any:
    single = len(tensors) == 1 and not isinstance(tensors[0], (list, tuple))
    ts = [tensors[0]] if single else list(tensors[0] if len(tensors) == 1 else tensors)
    out = []
    for x in ts:
        x = _tensor(x)
        if x.ndim < n:
            shape = {0: (1,) * n, 1: (1,) + x.shape + (1,) * (n - 2)}.get(x.ndim, x.shape + (1,))
            x = reshape(x, shape[:n] if x.ndim else shape)
        out.append(x)
    return out[0] if single else tuple(out)


# ---------------------------------------------------------------------------------------
# broadcasting
# ---------------------------------------------------------------------------------------
def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    shape = _sizes((shape,), "broadcast_to")
    return expand(x, shape)


def expand(x: Tensor, *sizes: Any) -> Tensor:
    """A broadcast view with the given sizes; -1 keeps a dim's size, new dims go in front."""
    sizes = _sizes(sizes, "expand")
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes given ({len(sizes)}) must be at "
                           f"least the number of dimensions of the tensor ({x.ndim})")
    shape = []
    for i, n in enumerate(sizes):
        have = x.shape[i - lead] if i >= lead else None
        if n == -1:
            if have is None:
                raise RuntimeError(f"expand: size -1 is not allowed in a new leading dim "
                                   f"({i}); sizes {sizes}")
            n = have
        elif n < 0 or (have is not None and have != 1 and have != n):
            raise RuntimeError(f"expand: the expanded size {n} must match the existing size "
                               f"{have} at non-singleton dim {i}; tensor shape {x.shape}, "
                               f"sizes {sizes}")
        shape.append(n)
    shape = tuple(shape)
    if shape == x.shape:
        return x
    return BroadcastTo.apply(x, shape=shape)


def expand_as(x: Tensor, other: Tensor) -> Tensor:
    return expand(x, other.shape)


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    try:
        return tuple(int(n) for n in np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: shapes {', '.join(map(str, shapes))} cannot "
                           "be broadcast to a single shape") from None


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    ts = [_tensor(x) for x in tensors]
    shape = broadcast_shapes(*[x.shape for x in ts])
    return tuple(expand(x, shape) for x in ts)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d tensors; indexing 'ij' (the default) or 'xy' (Cartesian:
    the first two dims swapped)."""
    indexing = "ij" if indexing is None else indexing
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    ts = [_tensor(x) for x in tensors]
    for x in ts:
        if x.ndim > 1:
            raise RuntimeError(f"meshgrid: expects 0-d or 1-d tensors, got shape {x.shape}")
    ts = [reshape(x, (-1,)) for x in ts]
    pos = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        pos[0], pos[1] = 1, 0
    shape = [0] * len(ts)
    for x, p in zip(ts, pos):
        shape[p] = x.shape[0]
    out = []
    for x, p in zip(ts, pos):
        v = [1] * len(ts)
        v[p] = x.shape[0]
        out.append(expand(reshape(x, tuple(v)), tuple(shape)))
    return tuple(out)


# ---------------------------------------------------------------------------------------
# joining and splitting
# ---------------------------------------------------------------------------------------
def cat(tensors: Sequence[Tensor], dim: int | None = None, *, axis: int | None = None
        ) -> Tensor:
    """Join along an existing dim. Dtypes promote as PyTorch's; legacy empty 1-d tensors of
    shape (0,) are skipped, as PyTorch does."""
    dim = _alias(dim, axis, 0)
    ts = _tensors(tensors, "cat")
    dtype = _common_dtype(ts)
    ts = [x for x in ts if x.shape != (0,)] or ts[:1]
    nd = ts[0].ndim
    for i, x in enumerate(ts):
        if x.ndim == 0:
            raise RuntimeError(f"cat: zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    ax = dim_index(dim, nd, "cat")
    ref = ts[0].shape
    for x in ts:
        if x.ndim != nd or x.shape[:ax] + x.shape[ax + 1:] != ref[:ax] + ref[ax + 1:]:
            raise RuntimeError("cat: shapes " + ", ".join(str(x.shape) for x in ts)
                               + f" must match except in dim {ax}")
    ts = _as(ts, dtype)
    if len(ts) == 1:
        return ts[0]
    return Concatenate.apply(*ts, axis=ax)


concatenate = concat = cat


def stack(tensors: Sequence[Tensor], dim: int | None = None, *, axis: int | None = None
          ) -> Tensor:
    """Join along a new dim; all tensors must have the same shape."""
    dim = _alias(dim, axis, 0)
    ts = _tensors(tensors, "stack")
    if any(x.shape != ts[0].shape for x in ts):
        raise RuntimeError("stack: expects each tensor to be equal size, got "
                           + ", ".join(str(x.shape) for x in ts))
    nd = ts[0].ndim + 1
    if not isinstance(dim, (int, np.integer)) or not -nd <= dim < nd:
        raise IndexError(f"stack: dim {dim} is out of range for a result with {nd} "
                         f"dimensions (expected -{nd} to {nd - 1})")
    d = int(dim) % nd
    ts = _as(ts, _common_dtype(ts))
    return Concatenate.apply(*[unsqueeze(x, d) for x in ts], axis=d)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    ts = atleast_1d(list(_tensors(tensors, "hstack")))
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    return cat(atleast_2d(list(_tensors(tensors, "vstack"))), 0)


row_stack = vstack


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    return cat(atleast_3d(list(_tensors(tensors, "dstack"))), 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    ts = [reshape(x, (x.size, 1)) if x.ndim <= 1 else x
          for x in _tensors(tensors, "column_stack")]
    return cat(ts, 1)


def _pieces(x: Tensor, d: int, edges: list[int]) -> tuple[Tensor, ...]:
    return tuple(getitem(x, _slice_at(x.ndim, d, slice(lo, hi)))
                 for lo, hi in zip(edges[:-1], edges[1:]))


def split(x: Tensor, split_size_or_sections: Any, dim: int | None = None, *,
          axis: int | None = None) -> tuple[Tensor, ...]:
    """PyTorch's split: an int is the size of each chunk (the last may be smaller), a list
    the sizes of the chunks (summing to the dim's size). numpy's cut points: tensor_split."""
    dim = _alias(dim, axis, 0)
    if x.ndim == 0:
        raise RuntimeError("split: a 0-d tensor has no dim to split")
    d = dim_index(dim, x.ndim, "split")
    n = x.shape[d]
    s = split_size_or_sections
    if isinstance(s, Tensor):
        s = s.data.tolist()
    if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
        s = int(s)
        if s < 0 or (s == 0 and n != 0):
            raise RuntimeError(f"split: split_size must be a positive int, got {s} (dim {d} "
                               f"has size {n})")
        edges = list(range(0, n, s)) + [n] if n else [0, 0]
    else:
        try:
            sizes = [int(k) for k in s]
        except TypeError:
            raise TypeError(f"split: split_size_or_sections must be an int or a list of "
                            f"ints, got {s!r}") from None
        if any(k < 0 for k in sizes) or sum(sizes) != n:
            raise RuntimeError(f"split: split sizes {sizes} must be non-negative and sum "
                               f"exactly to {n} (the size of dim {d})")
        edges = [0, *np.cumsum(sizes).tolist()]
    return _pieces(x, d, edges)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into at most ``chunks`` pieces of size ceil(n / chunks) (the last smaller)."""
    if not isinstance(chunks, (int, np.integer)) or isinstance(chunks, bool):
        raise TypeError(f"chunk: chunks must be a positive int, got {chunks!r}")
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be a positive int, got {chunks!r}")
    if x.ndim == 0:
        raise RuntimeError("chunk: a 0-d tensor has no dim to split")
    d = dim_index(dim, x.ndim, "chunk")
    n = x.shape[d]
    if n == 0:  # as PyTorch: `chunks` empty pieces
        return _pieces(x, d, [0] * (int(chunks) + 1))
    return split(x, -(-n // int(chunks)), d)


def tensor_split(x: Tensor, indices_or_sections: Any = None, dim: int = 0, *,
                 sections: Any = None, indices: Any = None) -> tuple[Tensor, ...]:
    """numpy.array_split's meaning: an int n makes n pieces (the first n % size one longer),
    a list of indices cuts before each of them (torch's keywords sections= and indices=)."""
    given = [v for v in (indices_or_sections, sections, indices) if v is not None]
    if len(given) != 1:
        raise TypeError("tensor_split: give one of indices_or_sections, sections= or indices=")
    indices_or_sections = given[0]
    if x.ndim == 0:
        raise RuntimeError("tensor_split: a 0-d tensor has no dim to split")
    d = dim_index(dim, x.ndim, "tensor_split")
    n = x.shape[d]
    s = indices_or_sections
    if isinstance(s, Tensor):
        if s.dtype.kind not in "iu":
            raise TypeError(f"tensor_split: indices_or_sections must be an int tensor, got "
                            f"{s.dtype}")
        s = s.data.item() if s.ndim == 0 else s.data.tolist()
    if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
        k = int(s)
        if k <= 0:
            raise RuntimeError(f"tensor_split: the number of sections must be positive, got "
                               f"{k}")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        edges = [0, *np.cumsum(sizes).tolist()]
    else:
        cuts = [int(c) for c in s]  # python slices: x[:c0], x[c0:c1], ..., x[ck:]
        return tuple(getitem(x, _slice_at(x.ndim, d, slice(lo, hi)))
                     for lo, hi in zip([None, *cuts], [*cuts, None]))
    return _pieces(x, d, edges)


def _nsplit(x: Tensor, sections: Any, dim: int, min_dims: int, who: str
            ) -> tuple[Tensor, ...]:
    if x.ndim < min_dims:
        raise RuntimeError(f"{who}: requires a tensor with at least {min_dims} dims, got "
                           f"shape {x.shape}")
    if isinstance(sections, (int, np.integer)) and sections > 0 and x.shape[dim] % sections:
        raise RuntimeError(f"{who}: the size of dim {dim} ({x.shape[dim]}) is not divisible "
                           f"by the number of sections {sections}")
    return tensor_split(x, sections, dim)


def hsplit(x: Tensor, sections: Any) -> tuple[Tensor, ...]:
    return _nsplit(x, sections, 1 if x.ndim > 1 else 0, 1, "hsplit")


def vsplit(x: Tensor, sections: Any) -> tuple[Tensor, ...]:
    return _nsplit(x, sections, 0, 2, "vsplit")


def dsplit(x: Tensor, sections: Any) -> tuple[Tensor, ...]:
    return _nsplit(x, sections, 2, 3, "dsplit")


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    if x.ndim == 0:
        raise IndexError("unbind: a 0-d tensor has no dim to unbind (dim 0 is out of range)")
    d = dim_index(dim, x.ndim, "unbind")
    return tuple(getitem(x, _slice_at(x.ndim, d, i)) for i in range(x.shape[d]))


def narrow(x: Tensor, dim: int, start: Any, length: int) -> Tensor:
    if x.ndim == 0:
        raise RuntimeError("narrow: cannot be applied to a 0-d tensor")
    d = dim_index(dim, x.ndim, "narrow")
    n = x.shape[d]
    start = int(start.item() if isinstance(start, Tensor) else start)
    if not -n <= start <= n:
        raise IndexError(f"narrow: start {start} is out of range for dim {d} of size {n}")
    start %= n if n else 1
    if length < 0 or start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds the size "
                           f"of dim {d} ({n})")
    return getitem(x, _slice_at(x.ndim, d, slice(start, start + length)))


def _select_at(x: Tensor, dim: int, index: int, who: str) -> tuple[int, int]:
    """(dim, index) of x.select(dim, index), both checked and made non-negative."""
    d = dim_index(dim, max(x.ndim, 1), who)
    if x.ndim == 0:
        raise IndexError(f"{who}: cannot select from a 0-d tensor")
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"{who}: index {index} is out of range for dim {d} of size {n} "
                         f"(tensor shape {x.shape})")
    return d, int(index) % n


def select(x: Tensor, dim: int, index: int) -> Tensor:
    d, i = _select_at(x, dim, index, "select")
    return getitem(x, _slice_at(x.ndim, d, i))


# ---------------------------------------------------------------------------------------
# rearranging
# ---------------------------------------------------------------------------------------
def flip(x: Tensor, *dims: Any, **kw: Any) -> Tensor:
    """Reverse the order along dims (``flip(x, 0, 1)``, ``flip(x, (0, 1))``, ``dims=``)."""
    if kw:
        if dims or set(kw) != {"dims"}:
            raise TypeError(f"flip: takes dims (positionally or as dims=), got {sorted(kw)}"
                            + (" and positional dims" if dims else ""))
        dims = (kw["dims"],)
    dims = _dims(_sizes(dims, "flip"), x.ndim, "flip")
    return Flip.apply(x, dims=dims if x.ndim else ())  # a 0-d tensor takes dim 0 or -1


def fliplr(x: Tensor) -> Tensor:
    if x.ndim < 2:
        raise RuntimeError(f"fliplr: input must be >= 2-d, got shape {x.shape}")
    return flip(x, (1,))


def flipud(x: Tensor) -> Tensor:
    if x.ndim < 1:
        raise RuntimeError("flipud: input must be >= 1-d, got a 0-d tensor")
    return flip(x, (0,))


def roll(x: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    shifts = _sizes((shifts,), "roll")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: without dims shifts must be one int, got {shifts}")
        return reshape(roll(reshape(x, (-1,)), shifts, 0), x.shape)
    dims = _sizes((dims,), "roll")
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dims must align, got {len(shifts)} shift(s) "
                           f"and {len(dims)} dim(s)")
    dims = tuple(dim_index(d, x.ndim, "roll") for d in dims)
    if x.ndim == 0:
        return clone(x)
    return Roll.apply(x, shifts=shifts, dims=dims)


def rot90(x: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by 90 degrees k times in the plane of dims, from the first toward the second."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected two dims, got {dims}")
    if x.ndim < 2:
        raise RuntimeError(f"rot90: expected a tensor with at least 2 dims, got {x.ndim}")
    d0, d1 = dim_index(dims[0], x.ndim, "rot90"), dim_index(dims[1], x.ndim, "rot90")
    if d0 == d1:
        raise RuntimeError(f"rot90: the two dims must differ, got {dims}")
    k %= 4
    if k == 1:
        return transpose(flip(x, (d1,)), d0, d1)
    if k == 2:
        return flip(x, (d0, d1))
    if k == 3:
        return transpose(flip(x, (d0,)), d0, d1)
    return clone(x)


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    if x.ndim < 2:
        raise RuntimeError(f"tril: input must have at least 2 dims, got shape {x.shape}")
    return Triangle.apply(x, k=int(diagonal), upper=False)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    if x.ndim < 2:
        raise RuntimeError(f"triu: input must have at least 2 dims, got shape {x.shape}")
    return Triangle.apply(x, k=int(diagonal), upper=True)


def diagonal(x: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the (dim1, dim2) planes as a new last dim (a view)."""
    d1, d2 = dim_index(dim1, x.ndim, "diagonal"), dim_index(dim2, x.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 must differ, got {dim1} and {dim2}")
    return Diagonal.apply(x, offset=int(offset), d1=d1, d2=d2)


def diag_embed(x: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Tensors whose (dim1, dim2) diagonals are x's last dim; zeros elsewhere."""
    nd = x.ndim + 1
    d1, d2 = dim_index(dim1, nd, "diag_embed"), dim_index(dim2, nd, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: dim1 and dim2 must differ, got {dim1} and {dim2}")
    n = (x.shape[-1] if x.ndim else 1) + abs(int(offset))
    rest = iter(x.shape[:-1])
    shape = tuple(n if i in (d1, d2) else next(rest) for i in range(nd))
    return DiagonalScatter.apply(x if x.ndim else reshape(x, (1,)), shape=shape,
                                 geom=(int(offset), d1, d2))


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """1-d: a square matrix with x on the given diagonal; 2-d: a copy of that diagonal."""
    if x.ndim == 1:
        return diag_embed(x, diagonal, 0, 1)
    if x.ndim == 2:
        return clone(Diagonal.apply(x, offset=int(diagonal), d1=0, d2=1))
    raise RuntimeError(f"diag: supports 1-d or 2-d tensors, got {x.ndim}-d (shape {x.shape})")


def repeat(x: Tensor, *repeats: Any) -> Tensor:
    """Tile x: ``x.repeat(2, 3)`` repeats dim -2 twice and dim -1 three times."""
    reps = _sizes(repeats, "repeat")
    if len(reps) < x.ndim:
        raise RuntimeError(f"repeat: the number of repeats ({len(reps)}) can not be smaller "
                           f"than the number of dims of the tensor ({x.ndim})")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {reps}")
    base = reshape(x, (1,) * (len(reps) - x.ndim) + x.shape)
    return Repeat.apply(base, reps=reps)


def tile(x: Tensor, dims: Any) -> Tensor:
    reps = _sizes((dims,), "tile")
    return repeat(x, (1,) * (x.ndim - len(reps)) + reps)


def repeat_interleave(x: Tensor, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Repeat each element (of dim, or of the flattened tensor) ``repeats`` times.
    ``repeat_interleave(counts)`` alone gives each index repeated counts[i] times."""
    from .index import index_select

    if repeats is None:  # repeat_interleave(repeats_tensor)
        counts = _tensor(x).data
        if counts.ndim != 1 or counts.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave: repeats must be a 1-d int tensor")
        return Tensor._make(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
    if dim is None:
        x, d = reshape(x, (-1,)), 0
    else:
        d = dim_index(dim, x.ndim, "repeat_interleave")
        if x.ndim == 0:
            x = reshape(x, (1,))
    n = x.shape[d]
    r = repeats.data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if r.dtype.kind not in "iu":
        raise TypeError(f"repeat_interleave: repeats must be ints, got {r.dtype}")
    if r.ndim > 1 or (r.size != 1 and r.size != n):
        raise RuntimeError(f"repeat_interleave: repeats must have 1 or {n} elements (the "
                           f"size of dim {d}), got shape {r.shape}")
    if (r < 0).any():
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    idx = np.repeat(np.arange(n, dtype=np.int64), r.reshape(-1) if r.size == n else int(r))
    if output_size is not None and idx.size != output_size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match the "
                           f"{idx.size} elements the repeats give")
    return index_select(x, d, Tensor._make(idx))


def unfold(x: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Tensor.unfold: all windows of ``size`` along dim every ``step``, as a new last dim."""
    if x.ndim == 0:
        dim_index(dimension, 0, "unfold")
        if size > 1:
            raise RuntimeError(f"unfold: maximum size for a 0-d tensor is 1 but size is {size}")
        return reshape(x, (1,))
    d = dim_index(dimension, x.ndim, "unfold")
    if step <= 0:
        raise RuntimeError(f"unfold: step must be > 0, got {step}")
    if size < 0 or size > x.shape[d]:
        raise RuntimeError(f"unfold: maximum size for dim {d} is {x.shape[d]} but size is "
                           f"{size}")
    return Unfold.apply(x, dim=d, size=int(size), step=int(step))


def diff(x: Tensor, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None
         ) -> Tensor:
    """n-th forward difference along dim (logical xor for bool tensors)."""
    if x.ndim == 0:
        raise RuntimeError("diff: expects a tensor with at least one dim")
    d = dim_index(dim, x.ndim, "diff")
    if prepend is not None or append is not None:
        parts = [_tensor(p) for p in (prepend, x, append) if p is not None]
        parts = [expand(p, x.shape[:d] + (1,) + x.shape[d + 1:]) if p.ndim == 0 else p
                 for p in parts]
        x = cat(parts, d)
    for _ in range(n):
        hi = getitem(x, _slice_at(x.ndim, d, slice(1, None)))
        lo = getitem(x, _slice_at(x.ndim, d, slice(None, -1)))
        x = Tensor._make(hi.data != lo.data) if x.dtype == np.bool_ else hi - lo
    return x


def pad(x: Tensor, pad_width: Any, value: float = 0.0) -> Tensor:
    """numpy.pad with a constant: pad_width is an int, a (before, after) pair, or one per axis.
    (``nn.functional.pad`` is PyTorch's spelling, last dim first.)"""
    if x.ndim == 0:
        raise ValueError("pad: a 0-d tensor has no axes to pad")
    try:
        width = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor with {x.ndim} "
                         "dimensions (give an int, a (before, after) pair, or one per axis)"
                         ) from None
    if (width < 0).any():
        raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r}")
    width = tuple((int(a), int(b)) for a, b in width)
    return Pad.apply(x, width=width, value=value)


# ---------------------------------------------------------------------------------------
# x[index]
# ---------------------------------------------------------------------------------------
def getitem(x: Tensor, index: Any) -> Tensor:
    idx = _index(index)
    if isinstance(idx, list):
        idx = _list_index(idx)
    elif isinstance(idx, tuple):
        idx = tuple(_list_index(i) if isinstance(i, list) else i for i in idx)
    items = idx if isinstance(idx, tuple) else (idx,)
    for i in items:
        if isinstance(i, np.ndarray) and i.dtype.kind not in "iub":
            raise IndexError(f"getitem: index arrays must be integers or booleans, got "
                             f"{i.dtype}")
        if isinstance(i, float):
            raise IndexError(f"getitem: index {i!r} is a float; use an int (valid indices: "
                             "ints, slices, None, ..., int or bool tensors)")
    try:
        if isinstance(idx, tuple) and len(idx) > 1:
            pre = _ints_first(idx, x.ndim)
            if pre is not None:  # PyTorch applies ints first (as select), then the arrays
                x, idx = GetItem.apply(x, index=pre[0]), pre[1]
        return GetItem.apply(x, index=idx)
    except IndexError as e:
        raise IndexError(f"getitem: {e} (tensor shape {x.shape})") from None


def _ints_first(idx: tuple, ndim: int) -> tuple[tuple, tuple] | None:
    """For an index mixing ints with index arrays: (the ints as a basic index, the rest).
    numpy counts an int as one more advanced index (which moves the result's dims to the
    front when they are not adjacent); PyTorch selects with it first."""
    ints = [isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in idx]
    arrays = [isinstance(i, np.ndarray) for i in idx]
    if not any(ints) or not any(arrays):
        return None
    used = sum(i.ndim if isinstance(i, np.ndarray) and i.dtype == np.bool_ else
               0 if i is None or i is Ellipsis else 1 for i in idx)
    pre: list = []
    for i, is_int in zip(idx, ints):
        if is_int:
            pre.append(i)
        elif i is Ellipsis:
            pre.extend([slice(None)] * (ndim - used))
        elif isinstance(i, np.ndarray) and i.dtype == np.bool_:
            pre.extend([slice(None)] * i.ndim)
        elif i is not None:
            pre.append(slice(None))
    return tuple(pre), tuple(i for i, is_int in zip(idx, ints) if not is_int)


def _list_index(i: list) -> Any:
    try:
        arr = np.asarray([k.data if isinstance(k, Tensor) else k for k in i])
    except ValueError:
        raise IndexError(f"getitem: the list index {i!r} is ragged") from None
    if arr.dtype == object:
        raise IndexError(f"getitem: the list index {i!r} holds something that is not an int")
    if arr.size == 0 and arr.dtype.kind == "f":
        return arr.astype(np.int64)  # x[[]]: an empty int index, as in torch
    return arr


# ---------------------------------------------------------------------------------------
# block_diag, cartesian_prod, combinations
# ---------------------------------------------------------------------------------------
def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (0-, 1- or 2-D) as the blocks of a block-diagonal matrix."""
    if not tensors:
        return Tensor._make(np.zeros((1, 0), dtype=np.float32))
    ts = []
    for i, t in enumerate(tensors):
        t = _tensor(t)
        if t.ndim > 2:
            raise RuntimeError(f"block_diag: input {i} must have 2 or fewer dims, got shape "
                               f"{t.shape}")
        ts.append(reshape(t, (1, -1)) if t.ndim < 2 else t)
    dt = _common_dtype(ts)
    width = sum(t.shape[1] for t in ts)
    rows, col = [], 0
    for t in ts:
        t = t if t.dtype == dt else t.astype(dt)
        rows.append(pad(t, ((0, 0), (col, width - col - t.shape[1]))))
        col += t.shape[1]
    return cat(rows, 0)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-D tensor, as rows (one tensor: itself)."""
    ts = [_tensor(t) for t in tensors]
    if not ts:
        raise RuntimeError("cartesian_prod: expected at least one tensor")
    for i, t in enumerate(ts):
        if t.ndim != 1:
            raise RuntimeError(f"cartesian_prod: expected 1-D tensors, input {i} has shape "
                               f"{t.shape}")
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The r-length combinations of a 1-D tensor's elements, as rows (itertools' order)."""
    import itertools

    if input.ndim != 1:
        raise RuntimeError(f"combinations: expected a 1-D tensor, got shape {input.shape}")
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 0:
        raise RuntimeError(f"combinations: r must be a non-negative int, got {r!r}")
    if r == 0:
        return Tensor._make(np.zeros((0,), dtype=input.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return getitem(input, idx)


# ---------------------------------------------------------------------------------------
# diagflat, vander (compositions of differentiable ops)
# ---------------------------------------------------------------------------------------
def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A square matrix with the flattened input on the diagonal ``offset``."""
    x = _tensor(input)
    if isinstance(offset, bool) or not isinstance(offset, (int, np.integer)):
        raise TypeError(f"diagflat: offset must be an int, got {offset!r}")
    return diag(reshape(x, (-1,)), int(offset))


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of the 1-D x: column j is x ** (N - 1 - j) (x ** j when
    increasing); N columns (len(x) by default). Integer and bool x give int64."""
    x = _tensor(x)
    if x.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor, got shape {x.shape}")
    n = x.shape[0] if N is None else N
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise RuntimeError(f"vander: N must be a non-negative int, got {N!r}")
    dt = promote_types(x.data.dtype, np.dtype(np.int64))
    xt = x if x.data.dtype == dt else x.astype(dt)
    if n == 0:
        return Tensor._make(np.zeros((x.shape[0], 0), dt))
    cols = [Tensor._make(np.ones(x.shape[0], dt))]
    for _ in range(int(n) - 1):
        cols.append(cols[-1] * xt)
    return stack(cols if increasing else cols[::-1], 1)


def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None, edge_order: int = 1
             ) -> tuple[Tensor, ...]:
    """torch.gradient: the derivative estimated by central differences in the interior and
    one-sided ones (first or second order, ``edge_order``) at the ends, one tensor per dim.
    spacing: a number (the step of every dim), a list of numbers (one step per dim), or a
    list of 1-D coordinate tensors (uneven steps). Differentiable (a linear map of input)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"gradient(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if dim is None:
        dims = list(range(input.ndim))
    else:
        dims = [dim_index(d, input.ndim, "gradient") for d in
                (dim if isinstance(dim, (list, tuple)) else [dim])]
    if isinstance(spacing, Tensor) and spacing.ndim == 0:
        spacing = spacing.item()
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar "
                               f"or a list of length {len(dims)} (one per dim), got a list "
                               f"of length {len(spacing)}")
        steps = list(spacing)
    else:
        steps = [spacing] * len(dims)
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")
    x = input
    if x.data.dtype.kind == "b":
        raise RuntimeError("gradient: subtraction of bool tensors is not supported (as in "
                           "torch); convert the input with .float() or .int()")
    if x.data.dtype.kind != "f":
        from .elementwise import _F32, _cast

        x = _cast(x, _F32)
    return tuple(_gradient1(x, d, s, edge_order) for d, s in zip(dims, steps))


def _gradient1(x: Tensor, d: int, step: Any, edge_order: int) -> Tensor:
    n, dt = x.shape[d], x.data.dtype

    def part(start: Any, stop: Any) -> Tensor:
        return getitem(x, _slice_at(x.ndim, d, slice(start, stop)))

    def col(v: np.ndarray) -> Tensor:  # coefficients along dim d, broadcasting elsewhere
        shape = [1] * x.ndim
        shape[d] = v.size
        return Tensor._make(np.asarray(v, dtype=dt).reshape(shape))

    if isinstance(step, Tensor) and step.ndim == 1:
        coords = step.data.astype(np.float64)
        if coords.size != n:
            raise RuntimeError(f"torch.gradient expected the coordinates of dim {d} to have "
                               f"{n} elements, got {coords.size}")
        dx = np.diff(coords)
    else:
        h = step.item() if isinstance(step, Tensor) else float(step)
        dx = np.full(n - 1, h)
    dx1, dx2 = dx[:-1], dx[1:]
    a = -dx2 / (dx1 * (dx1 + dx2))
    b = (dx2 - dx1) / (dx1 * dx2)
    c = dx1 / (dx2 * (dx1 + dx2))
    inner = col(a) * part(None, -2) + col(b) * part(1, -1) + col(c) * part(2, None)
    if edge_order == 1:
        first = (part(1, 2) - part(0, 1)) * col(np.array([1.0 / dx[0]]))
        last = (part(-1, None) - part(-2, -1)) * col(np.array([1.0 / dx[-1]]))
    else:
        e1, e2 = dx[0], dx[1]
        first = (part(0, 1) * col(np.array([-(2 * e1 + e2) / (e1 * (e1 + e2))]))
                 + part(1, 2) * col(np.array([(e1 + e2) / (e1 * e2)]))
                 + part(2, 3) * col(np.array([-e1 / (e2 * (e1 + e2))])))
        e1, e2 = dx[-2], dx[-1]
        last = (part(-3, -2) * col(np.array([e2 / (e1 * (e1 + e2))]))
                + part(-2, -1) * col(np.array([-(e2 + e1) / (e1 * e2)]))
                + part(-1, None) * col(np.array([(2 * e2 + e1) / (e2 * (e1 + e2))])))
    return cat([first, inner, last], d)
