"""Tensor: an ndarray, its gradient, and the Function that made it.

Every method here is a thin wrapper: the arithmetic of each op (forward and backward side
by side) lives in ``autograd/ops/``. Follow ``loss.backward()`` -> ``function.run_backward``
-> the op's ``backward`` to see any gradient being computed.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import function as engine
from .function import Function

_FLOAT_DEFAULT = np.dtype(np.float32)
_SUPPORTED_KINDS = "fiub"  # float, signed int, unsigned int, bool


def _as_dtype(dtype: Any) -> np.dtype | None:
    if dtype is None:
        return None
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"Tensor: {dtype!r} is not a dtype (expected e.g. 'float32', "
                        "np.float64, 'int64')") from None
    if dt.kind not in _SUPPORTED_KINDS:
        raise TypeError(f"Tensor: dtype {dt} is not supported (expected a float, int or bool "
                        "dtype)")
    return dt


def _to_array(data: Any, dtype: np.dtype | None) -> np.ndarray:
    if isinstance(data, Tensor):
        arr = data.data
    elif isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, np.generic):  # a numpy scalar keeps its dtype, as an array would
        arr = np.asarray(data)
    else:
        try:
            arr = np.asarray(data)
        except (ValueError, TypeError) as e:
            raise TypeError(f"Tensor: cannot make a tensor from {type(data).__name__}: {e}"
                            ) from None
        if arr.dtype.kind == "f" and dtype is None:
            arr = arr.astype(_FLOAT_DEFAULT)  # Python floats -> float32, as PyTorch
    if arr.dtype.kind not in _SUPPORTED_KINDS:
        raise TypeError(f"Tensor: data of dtype {arr.dtype} is not supported (expected numbers:"
                        " a float, int or bool array)")
    if arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return arr


class Tensor:
    """An n-dimensional array that can record the ops applied to it and differentiate them."""

    # _aliases (set only by detach) is a WeakSet of tensors sharing this one's memory and
    # version counter; left unset on the hot path
    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_version", "_retain", "label",
                 "_aliases", "__weakref__")
    __array_priority__ = 1000  # so ndarray <op> Tensor defers to Tensor's reflected op

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 label: str = "") -> None:
        self.data = _to_array(data, _as_dtype(dtype))
        self.grad: Tensor | None = None
        self.requires_grad = False
        self._ctx: Function | None = None
        self._version = 0
        self._retain = False
        self.label = label
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool = False,
              ctx: Function | None = None) -> Tensor:
        """Wrap an ndarray an op produced (no checks: the hot path)."""
        t = object.__new__(cls)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t._ctx = ctx
        t._version = 0
        t._retain = False
        t.label = ""
        return t

    # -- attributes -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> Function | None:
        return self._ctx

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise ValueError(f"item: only a one-element tensor can be converted to a Python "
                             f"number, this one has shape {self.shape}")
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data  # np.array(t) copies, np.asarray not

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous;"
                             " use .any() or .all()")
        return bool(self.data)

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(", precision=4)
        extra = ""
        if self.data.dtype not in (np.float32, np.int64, np.bool_):
            extra += f", dtype={self.data.dtype}"
        if self.requires_grad:
            extra += ", requires_grad=True" if self.is_leaf else f", grad_fn={self._ctx.name}"
        return f"Tensor({body}{extra})"

    # -- autograd ---------------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"requires_grad: only floating-point tensors can require "
                            f"gradients, this one is {self.data.dtype}")
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("requires_grad_: cannot turn off requires_grad on a non-leaf "
                               "tensor; use .detach()")
        self.requires_grad = requires_grad
        return self

    def detach(self) -> Tensor:
        """The same data, cut off from the graph (shares memory and, like PyTorch, the version
        counter: an in-place edit of either is caught if the other is needed by backward)."""
        d = Tensor._make(self.data)
        self._share_version(d)
        return d

    def _share_version(self, other: Tensor) -> None:
        """other aliases this tensor's memory (a detached copy or a view): from now on an
        in-place edit of any tensor in the group bumps every member's version."""
        aliases = getattr(self, "_aliases", None)
        if aliases is None:
            aliases = self._aliases = weakref.WeakSet([self])
        theirs = getattr(other, "_aliases", None)
        if theirs is not None and theirs is not aliases:
            aliases.update(theirs)
            for t in theirs:
                t._aliases = aliases
        aliases.add(other)
        other._aliases = aliases

    def clone(self) -> Tensor:
        from .ops.elementwise import clone

        return clone(self)

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        self._retain = True
        return self

    def backward(self, grad: Any = None, retain_graph: bool = False,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        if not self.requires_grad:
            if self.data.dtype.kind != "f":
                raise RuntimeError(f"backward: this tensor has dtype {self.dtype}; only "
                                   "floating-point tensors have gradients")
            raise RuntimeError("backward: this tensor does not require grad (nothing it was "
                               "computed from has requires_grad=True)")
        g = engine._root_grad(self, grad, "backward")
        engine.run_backward([self], [g], retain_graph or create_graph, create_graph)

    def zero_grad(self) -> None:
        self.grad = None

    def draw(self, **kwargs: Any):
        """Render this tensor's computation graph (see ``autograd.draw``)."""
        from .viz import draw

        return draw(self, **kwargs)

    # -- in-place (only outside the graph: under no_grad or on tensors without grad) ------
    def _inplace(self, what: str, other: Any = None) -> None:
        if engine.is_grad_enabled():
            if self.requires_grad:
                raise RuntimeError(f"{what}: in-place modification of a tensor that requires "
                                   "grad; wrap it in `with autograd.no_grad():` or use an "
                                   "out-of-place op")
            if isinstance(other, Tensor) and other.requires_grad:
                raise RuntimeError(f"{what}: the operand requires grad but an in-place op "
                                   "records no graph, so its gradient would be lost; write "
                                   "`x = x + y` (out of place) instead")
        self._bump_version()

    def _bump_version(self) -> None:
        """Record an in-place edit of the data (on this tensor and its detached aliases)."""
        self._version += 1
        aliases = getattr(self, "_aliases", None)
        if aliases is not None:
            for t in aliases:
                if t is not self:
                    t._version += 1

    def _inplace_binary(self, other: Any, ufunc: Any, what: str) -> Tensor:
        self._inplace(what, other)
        o = other.data if isinstance(other, Tensor) else other
        ufunc(self.data, o, out=self.data, casting="same_kind")
        return self

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace_binary(other, np.add, "+=")

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace_binary(other, np.subtract, "-=")

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace_binary(other, np.multiply, "*=")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace_binary(other, np.divide, "/=")

    def __setitem__(self, index: Any, value: Any) -> None:
        self._inplace("__setitem__", value)
        self.data[_index(index)] = value.data if isinstance(value, Tensor) else value

    def zero_(self) -> Tensor:
        self._inplace("zero_")
        self.data[...] = 0
        return self

    def fill_(self, value: float) -> Tensor:
        self._inplace("fill_")
        self.data[...] = value
        return self

    def copy_(self, src: Any) -> Tensor:
        self._inplace("copy_", src)
        src = src.data if isinstance(src, Tensor) else np.asarray(src)
        if src.shape != self.shape:
            raise ValueError(f"copy_: source has shape {src.shape}, expected {self.shape}")
        self.data[...] = src
        return self

    # -- conversions ------------------------------------------------------------------------
    def astype(self, dtype: Any) -> Tensor:
        from .ops.elementwise import astype

        return astype(self, _as_dtype(dtype))

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def long(self) -> Tensor:
        return self.astype(np.int64)

    # -- arithmetic (ops/elementwise.py) ----------------------------------------------------
    def __add__(self, o: Any) -> Tensor:
        return E.add(self, o)

    def __radd__(self, o: Any) -> Tensor:
        return E.add(o, self)

    def __sub__(self, o: Any) -> Tensor:
        return E.sub(self, o)

    def __rsub__(self, o: Any) -> Tensor:
        return E.sub(o, self)

    def __mul__(self, o: Any) -> Tensor:
        return E.mul(self, o)

    def __rmul__(self, o: Any) -> Tensor:
        return E.mul(o, self)

    def __truediv__(self, o: Any) -> Tensor:
        return E.div(self, o)

    def __rtruediv__(self, o: Any) -> Tensor:
        return E.div(o, self)

    def __pow__(self, o: Any) -> Tensor:
        return E.pow(self, o)

    def __rpow__(self, o: Any) -> Tensor:
        return E.pow(o, self)

    def __neg__(self) -> Tensor:
        return E.neg(self)

    def __abs__(self) -> Tensor:
        return E.abs(self)

    def __matmul__(self, o: Any) -> Tensor:
        return L.matmul(self, o)

    def __rmatmul__(self, o: Any) -> Tensor:
        return L.matmul(o, self)

    def __lt__(self, o: Any) -> Tensor:
        return E.compare(self, o, np.less)

    def __le__(self, o: Any) -> Tensor:
        return E.compare(self, o, np.less_equal)

    def __gt__(self, o: Any) -> Tensor:
        return E.compare(self, o, np.greater)

    def __ge__(self, o: Any) -> Tensor:
        return E.compare(self, o, np.greater_equal)

    def __eq__(self, o: Any) -> Tensor:  # type: ignore[override]
        return E.compare(self, o, np.equal)

    def __ne__(self, o: Any) -> Tensor:  # type: ignore[override]
        return E.compare(self, o, np.not_equal)

    def __invert__(self) -> Tensor:
        if self.dtype != np.bool_:
            raise TypeError(f"~: only boolean tensors can be inverted, got {self.dtype}")
        return Tensor._make(~self.data)

    def __and__(self, o: Any) -> Tensor:
        return E.compare(self, o, np.logical_and)

    def __or__(self, o: Any) -> Tensor:
        return E.compare(self, o, np.logical_or)

    def exp(self) -> Tensor:
        return E.exp(self)

    def log(self) -> Tensor:
        return E.log(self)

    def sqrt(self) -> Tensor:
        return E.sqrt(self)

    def abs(self) -> Tensor:
        return E.abs(self)

    def tanh(self) -> Tensor:
        return E.tanh(self)

    def sigmoid(self) -> Tensor:
        return E.sigmoid(self)

    def relu(self) -> Tensor:
        return E.relu(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return E.leaky_relu(self, negative_slope)

    def gelu(self) -> Tensor:
        return E.gelu(self)

    def step(self) -> Tensor:
        return E.step(self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        return E.clip(self, min, max)

    clamp = clip

    def maximum(self, o: Any) -> Tensor:
        return E.maximum(self, o)

    def minimum(self, o: Any) -> Tensor:
        return E.minimum(self, o)

    # -- reductions (ops/reduce.py) ---------------------------------------------------------
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return R.sum(self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return R.mean(self, axis, keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return R.max(self, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return R.min(self, axis, keepdims)

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return R.var(self, axis, keepdims, ddof)

    def std(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return R.std(self, axis, keepdims, ddof)

    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return R.logsumexp(self, axis, keepdims)

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return R.argmax(self, axis, keepdims)

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return R.argmin(self, axis, keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        return R.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return R.log_softmax(self, axis)

    def any(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return Tensor._make(np.any(self.data, axis=axis, keepdims=keepdims))

    def all(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return Tensor._make(np.all(self.data, axis=axis, keepdims=keepdims))

    # -- shape (ops/shape.py) ---------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        return S.reshape(self, shape[0] if len(shape) == 1 and not isinstance(shape[0], int)
                         else shape)

    view = reshape

    def transpose(self, *axes: Any) -> Tensor:
        return S.transpose(self, axes[0] if len(axes) == 1 and not isinstance(axes[0], int)
                           else (axes or None))

    def permute(self, *axes: Any) -> Tensor:
        return self.transpose(*axes)

    def swapaxes(self, a: int, b: int) -> Tensor:
        return S.swapaxes(self, a, b)

    def squeeze(self, axis: Any = None) -> Tensor:
        return S.squeeze(self, axis)

    def unsqueeze(self, axis: int) -> Tensor:
        return S.expand_dims(self, axis)

    expand_dims = unsqueeze

    def flatten(self, start_axis: int = 0, end_axis: int = -1) -> Tensor:
        return S.flatten(self, start_axis, end_axis)

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        return S.broadcast_to(self, tuple(shape))

    def pad(self, pad_width: Any, value: float = 0.0) -> Tensor:
        return S.pad(self, pad_width, value)

    def split(self, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
        return S.split(self, indices_or_sections, axis)

    def __getitem__(self, index: Any) -> Tensor:
        return S.getitem(self, index)

    # Each block below is one family's new methods (one-line wrappers over autograd/ops/).
    # -- [elementwise] math functions, rounding, bitwise/logical, promotion -------------------

    # -- [reduce] reductions, scans, sorting ------------------------------------------------

    # -- [shape] shape, views, indexing, gather/scatter -------------------------------------

    # -- [linalg+misc] linear algebra, size()/dim()/numel(), in-place methods, new_* --------

    # -- [engine] hooks and autograd helpers ------------------------------------------------


def _index(index: Any) -> Any:
    """Turn Tensors inside an index into ndarrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


engine._Tensor = Tensor  # the engine's isinstance checks, without an import per backward call

# the op modules import Tensor, so they are bound after the class exists
from .ops import elementwise as E  # noqa: E402
from .ops import linalg as L  # noqa: E402
from .ops import reduce as R  # noqa: E402
from .ops import shape as S  # noqa: E402
