"""Shape ops: reshape, transpose, broadcast, concatenate/stack/split, pad, and indexing.

Their backward moves the gradient back into the input's layout: reshape back, transpose by
the inverse permutation, sum what broadcasting copied, scatter-add what indexing gathered.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor, _index
from .elementwise import unbroadcast
from .reduce import normalize_axis

__all__ = ["broadcast_to", "cat", "concatenate", "expand_dims", "flatten", "pad", "permute",
           "reshape", "split", "squeeze", "stack", "swapaxes", "transpose", "unsqueeze"]


class Reshape(Function):
    saves_inputs = False
    view = True

    def forward(self, a, shape):
        return a.reshape(shape)

    def backward(self, g):
        return (g.reshape(self.inputs[0].shape),)


class Transpose(Function):
    saves_inputs = False
    view = True

    def forward(self, a, axes):
        self.axes = axes
        return a.transpose(axes)

    def backward(self, g):
        return (g.transpose(tuple(np.argsort(self.axes))),)


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
        bounds = np.cumsum([t.shape[self.axis] for t in self.inputs])[:-1]
        return tuple(g.split(list(bounds), axis=self.axis))


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
        if _is_basic(index):
            out[index] = g  # basic indexing never repeats an element
        else:
            np.add.at(out, index, g)
        return out

    def backward(self, gg):
        return (gg[self.index],)


class Pad(Function):
    saves_inputs = False

    def forward(self, a, width, value):
        self.width = width
        return np.pad(a, width, mode="constant", constant_values=value)

    def backward(self, g):
        inner = tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(self.width))
        return (g[inner],)


def _is_basic(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice))
               for i in items)


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
    """Fill in a -1 and check the element count, with numpy's rules and a clear message."""
    bad = ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} "
                     f"elements) into shape {shape}")
    if not all(isinstance(n, (int, np.integer)) for n in shape):
        raise bad
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


def transpose(x: Tensor, axes: Sequence[int] | None = None) -> Tensor:
    if axes is None:
        axes = tuple(range(x.ndim))[::-1]
    else:
        axes = tuple(axes)
        nd = x.ndim
        if (not all(isinstance(a, (int, np.integer)) and -nd <= a < nd for a in axes)
                or sorted(int(a) % nd for a in axes) != list(range(nd))):
            raise ValueError(f"transpose: axes {axes} are not a permutation of the "
                             f"{nd} axes of a tensor of shape {x.shape}")
        axes = tuple(int(a) % nd for a in axes)
    if axes == tuple(range(x.ndim)):
        return x
    return Transpose.apply(x, axes=axes)


def swapaxes(x: Tensor, a: int, b: int) -> Tensor:
    for ax in (a, b):
        if not isinstance(ax, (int, np.integer)) or isinstance(ax, bool):
            raise TypeError(f"swapaxes: axes must be ints, got {ax!r}")
    if x.ndim == 0:
        normalize_axis((a, b) if a != b else a, 0, "swapaxes")
        return x
    (a2,) = normalize_axis(a, x.ndim, "swapaxes")
    (b2,) = normalize_axis(b, x.ndim, "swapaxes")
    axes = list(range(x.ndim))
    axes[a2], axes[b2] = axes[b2], axes[a2]
    return transpose(x, axes)


def squeeze(x: Tensor, axis: Any = None) -> Tensor:
    if axis is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        axes = normalize_axis(axis, x.ndim, "squeeze")
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(f"squeeze: axis {a} has size {x.shape[a]}, not 1 "
                                 f"(shape {x.shape})")
        shape = tuple(n for i, n in enumerate(x.shape) if i not in axes)
    return reshape(x, shape)


def expand_dims(x: Tensor, axis: int) -> Tensor:
    nd = x.ndim + 1
    if not -nd <= axis < nd:
        raise ValueError(f"unsqueeze: axis {axis} is out of range for a result with {nd} "
                         "dimensions")
    axis %= nd
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def unsqueeze(x: Tensor, axis: int) -> Tensor:
    return expand_dims(x, axis)


def permute(x: Tensor, *axes: int) -> Tensor:
    return x.permute(*axes)


def flatten(x: Tensor, start_axis: int = 0, end_axis: int = -1) -> Tensor:
    if x.ndim == 0:
        return reshape(x, (1,))
    (s,) = normalize_axis(start_axis, x.ndim, "flatten")
    (e,) = normalize_axis(end_axis, x.ndim, "flatten")
    if s > e:
        raise ValueError(f"flatten: start_axis {start_axis} comes after end_axis {end_axis}")
    return reshape(x, x.shape[:s] + (-1,) + x.shape[e + 1:])


def broadcast_to(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    if x.shape == shape:
        return x
    try:
        np.broadcast_shapes(x.shape, shape)
        if len(shape) < x.ndim or np.broadcast_shapes(x.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"broadcast_to: shape {x.shape} cannot broadcast to {shape}") from None
    return BroadcastTo.apply(x, shape=shape)


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    ts = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not ts:
        raise ValueError("concatenate: needs at least one tensor")
    nd = ts[0].ndim
    if nd == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    (ax,) = normalize_axis(axis, nd, "concatenate")
    for t in ts:
        if t.ndim != nd or t.shape[:ax] + t.shape[ax + 1:] != ts[0].shape[:ax] + \
                ts[0].shape[ax + 1:]:
            raise ValueError("concatenate: shapes " + ", ".join(str(t.shape) for t in ts)
                             + f" do not match except along axis {ax}")
    return Concatenate.apply(*ts, axis=ax)


cat = concatenate


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    ts = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not ts:
        raise ValueError("stack: needs at least one tensor")
    if any(t.shape != ts[0].shape for t in ts):
        raise ValueError("stack: all tensors must have the same shape, got "
                         + ", ".join(str(t.shape) for t in ts))
    return concatenate([expand_dims(t, axis) for t in ts], axis)


def split(x: Tensor, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """numpy.split: a number of equal sections, or the indices to cut at."""
    if x.ndim == 0:
        raise ValueError("split: a 0-d tensor has no axis to split")
    (ax,) = normalize_axis(axis, x.ndim, "split")
    n = x.shape[ax]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise ValueError(f"split: axis {ax} of size {n} cannot be split into {k} equal "
                             "sections")
        cuts = [n // k * i for i in range(1, k)]
    else:
        cuts = [int(c) for c in indices_or_sections]
    edges = [0, *cuts, n]
    pre = (slice(None),) * ax
    return [x[pre + (slice(lo, hi),)] for lo, hi in zip(edges[:-1], edges[1:])]


def pad(x: Tensor, pad_width: Any, value: float = 0.0) -> Tensor:
    """numpy.pad with a constant: pad_width is an int, a (before, after) pair, or one per axis."""
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


def getitem(x: Tensor, index: Any) -> Tensor:
    idx = _index(index)
    if isinstance(idx, list):
        idx = np.asarray(idx)
    elif isinstance(idx, tuple):
        idx = tuple(np.asarray(i) if isinstance(i, list) else i for i in idx)
    items = idx if isinstance(idx, tuple) else (idx,)
    for i in items:
        if isinstance(i, np.ndarray) and i.dtype.kind not in "iub":
            raise IndexError(f"getitem: index arrays must be integers or booleans, got {i.dtype}")
        if isinstance(i, float):
            raise IndexError(f"getitem: index {i!r} is a float; use an int")
    try:
        return GetItem.apply(x, index=idx)
    except IndexError as e:
        raise IndexError(f"getitem: {e} (tensor shape {x.shape})") from None
