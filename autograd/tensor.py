"""Tensor: an ndarray, its gradient, and the Function that made it.

Every method here is a thin wrapper: the arithmetic of each op (forward and backward side
by side) lives in ``autograd/ops/``. Follow ``loss.backward()`` -> ``function.run_backward``
-> the op's ``backward`` to see any gradient being computed.
"""

from __future__ import annotations

import builtins  # annotations inside Tensor, whose float/int/bool methods shadow the types
import pickle
import sys
import warnings
import weakref
from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np

from . import function as engine
from .function import Function

_FLOAT_DEFAULT = np.dtype(np.float32)  # autograd.set_default_dtype changes it

# Tensor repr's numpy printing options (autograd.set_printoptions), PyTorch's defaults
_PRINT_DEFAULTS: dict[str, Any] = {"precision": 4, "threshold": 1000, "edgeitems": 3,
                                   "linewidth": 80, "sci_mode": None}
_PRINT_PROFILES = {"default": _PRINT_DEFAULTS,
                   "short": {**_PRINT_DEFAULTS, "precision": 2, "edgeitems": 2},
                   "full": {**_PRINT_DEFAULTS, "threshold": sys.maxsize}}
_PRINT: dict[str, Any] = dict(_PRINT_DEFAULTS)


def set_printoptions(precision: int | None = None, threshold: int | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """How Tensor repr prints (torch.set_printoptions): digits after the point, the element
    count above which the middle is summarised, items kept at each edge, the line width;
    profile 'default', 'short' or 'full' resets them first; sci_mode True/False forces
    scientific notation on/off (None: numpy decides)."""
    if profile is not None:
        if profile not in _PRINT_PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of "
                             f"{sorted(_PRINT_PROFILES)}, got {profile!r}")
        _PRINT.update(_PRINT_PROFILES[profile])
    for key, v in (("precision", precision), ("threshold", threshold),
                   ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"set_printoptions: {key} must be a non-negative int, got {v!r}")
        _PRINT[key] = int(v)
    if sci_mode is not None and not isinstance(sci_mode, bool):
        raise ValueError(f"set_printoptions: sci_mode must be True, False or None, got "
                         f"{sci_mode!r}")
    _PRINT["sci_mode"] = sci_mode


def _array_text(a: np.ndarray) -> str:
    o = _PRINT
    kw: dict[str, Any] = {}
    if o["sci_mode"] is True and a.dtype.kind == "f":
        kw["formatter"] = {"float_kind": lambda v: np.format_float_scientific(
            v, precision=o["precision"], unique=False)}
    elif o["sci_mode"] is False:
        kw["suppress_small"] = True
        kw["floatmode"] = "fixed"
    return np.array2string(a, separator=", ", prefix="Tensor(", precision=o["precision"],
                           threshold=o["threshold"], edgeitems=o["edgeitems"],
                           max_line_width=o["linewidth"], **kw)
_SUPPORTED_KINDS = "fiub"  # float, signed int, unsigned int, bool


@overload
def _as_dtype(dtype: None) -> None: ...
@overload
def _as_dtype(dtype: Any) -> np.dtype: ...
def _as_dtype(dtype: Any) -> np.dtype | None:
    """A numpy dtype for a dtype argument (autograd.float32, np.int64, 'float64', float...).

    float16 is refused rather than stored as something else: the kernels have no half
    precision. (float16 *data*, an ndarray, is converted to float32 by ``_to_array``.)
    """
    if dtype is None:
        return None
    try:
        dt: np.dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"Tensor: {dtype!r} is not a dtype (expected e.g. 'float32', "
                        "np.float64, 'int64')") from None
    if dt.kind not in _SUPPORTED_KINDS:
        raise TypeError(f"Tensor: dtype {dt} is not supported (expected a float, int or bool "
                        "dtype)")
    if dt == np.float16:
        raise TypeError("Tensor: dtype float16 is not supported (numbagrad computes in "
                        "float32 or float64; use autograd.float32)")
    return dt


class _NotPlain(Exception):
    """Raised by _PlainScan on the first leaf that is not a list, tuple or Python number."""


class _NullSink:
    __slots__ = ()

    def write(self, b: Any) -> int:
        return len(b)


class _PlainScan(pickle.Pickler):
    """Pickles to nowhere: the C pickler walks lists, tuples and exact ints, floats and bools
    itself, at a few ns each, and calls reducer_override only for any other object (a numpy
    scalar, an ndarray, a Tensor), which stops the walk."""

    def reducer_override(self, obj: Any) -> Any:
        raise _NotPlain


def _only_python_leaves(data: Any) -> bool:
    """Do nested lists/tuples hold only Python numbers (no numpy scalar, array, Tensor)?"""
    try:
        _PlainScan(_NullSink(), protocol=4).dump(data)
    except _NotPlain:
        return False
    except Exception:  # (anything pickle cannot walk: look leaf by leaf instead)
        return False
    return True


def _has_float64_leaf(data: Any, size: int = 0) -> bool:
    """Do nested lists hold a float64 ndarray, numpy scalar or Tensor? torch keeps such
    leaves' dtype (``tensor([np.float64(1.5), 2.0])`` is float64); Python floats alone give
    the default float32."""
    if size > 256 and _only_python_leaves(data):
        return False  # the common case, a big nested list of Python floats, checked in C
    plain = {float, int, bool}
    stack = [data]
    while stack:
        v = stack.pop()
        if isinstance(v, (list, tuple)):
            if not set(map(type, v)) <= plain:  # (a list of Python numbers: nothing to see)
                stack.extend(v)
        elif isinstance(v, (np.ndarray, np.generic, Tensor)) and v.dtype == np.float64:
            return True
    return False


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
        if arr.dtype.kind == "f" and dtype is None and not (
                arr.dtype == np.float64 and _has_float64_leaf(data, arr.size)):
            arr = arr.astype(_FLOAT_DEFAULT)  # Python floats -> float32, as PyTorch
    if arr.dtype.kind not in _SUPPORTED_KINDS:
        raise TypeError(f"Tensor: data of dtype {arr.dtype} is not supported (expected numbers:"
                        " a float, int or bool array)")
    if arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return arr


class _GradDtypeError(TypeError, RuntimeError):
    """requires_grad=True on an integer or bool tensor: torch raises RuntimeError."""


class ShapeError(ValueError, RuntimeError):
    """Operands or values whose shapes do not fit. PyTorch raises RuntimeError for these;
    it is a ValueError too, as numbagrad's shape errors have always been."""


class Size(tuple[int, ...]):
    """A tensor's shape as ``x.size()`` returns it: a tuple (like torch.Size)."""

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n

    def __repr__(self) -> str:
        return f"Size({list(self)})"

    # slicing and concatenation give a Size again, as torch.Size's do
    def __getitem__(self, i: Any) -> Any:
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other: Any) -> Size:
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other: Any) -> Size:
        return Size(tuple(other) + tuple(self))


class device(str):
    """Where a tensor lives: always the CPU (``device("cpu")``; it compares equal to "cpu")."""

    def __new__(cls, type: Any = "cpu", index: int | None = None) -> device:
        name = str(type)
        kind = name.split(":")[0]
        if kind != "cpu":
            raise RuntimeError(f"device: numbagrad runs on the CPU only, got {name!r}")
        return super().__new__(cls, "cpu")

    @property
    def type(self) -> str:
        return "cpu"

    @property
    def index(self) -> None:  # type: ignore[override]  # torch.device.index, not str.index
        return None

    def __repr__(self) -> str:
        return "device(type='cpu')"


_CPU = device("cpu")


class _SizeAttr(int):
    """What ``x.size`` gives: the element count as an int (numpy's meaning, used across the
    library and by numpy-minded users), and callable as PyTorch's method: ``x.size()`` is the
    shape (a Size), ``x.size(d)`` the length of dim d. A callable int keeps both spellings
    working without breaking any ``x.size`` already written."""

    shape: tuple[int, ...]

    def __new__(cls, shape: tuple[int, ...], n: int) -> _SizeAttr:
        obj = super().__new__(cls, n)
        obj.shape = shape
        return obj

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return Size(self.shape)
        nd = len(self.shape)
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"size: dim must be an int, got {type(dim).__name__}")
        if not -max(nd, 1) <= dim < max(nd, 1) or nd == 0:
            raise IndexError(f"size: dimension {dim} is out of range for a tensor of {nd} "
                             f"dimension(s) (expected [{-nd}, {nd - 1}])")
        return self.shape[dim]


_DEVICE_NAMES = {"cpu", "cuda", "mps", "meta", "xpu", "hip"}
_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor",
               "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
               "uint8": "ByteTensor", "bool": "BoolTensor"}


def _device_check(dev: Any) -> None:
    if not isinstance(dev, device):
        device(dev if not isinstance(dev, int) else f"cuda:{dev}")


class memory_format:
    """torch.memory_format: how a new tensor lays out its elements (``x.clone(memory_format=
    autograd.contiguous_format)``). preserve_format follows the source's strides,
    contiguous_format is row-major, channels_last (4-d) and channels_last_3d (5-d) keep
    the channel dim innermost."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"autograd.{self._name}"


preserve_format = memory_format("preserve_format")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
_MemoryFormat = memory_format  # (Tensor methods take a memory_format= argument)
_CHANNELS_LAST_RANK = {channels_last: 4, channels_last_3d: 5}


def _check_memory_format(fmt: Any, ndim: int, who: str) -> memory_format:
    if fmt is None:
        return preserve_format
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{who}: memory_format must be an autograd.memory_format "
                        f"(autograd.preserve_format, contiguous_format, channels_last, "
                        f"channels_last_3d), got {type(fmt).__name__}")
    rank = _CHANNELS_LAST_RANK.get(fmt)
    if rank is not None and ndim != rank:
        raise RuntimeError(f"{who}: {fmt._name} needs a tensor of rank {rank}, got one of "
                           f"rank {ndim}")
    return fmt


def _dense_order(shape: tuple[int, ...], strides: tuple[int, ...]) -> list[int]:
    """The dims from innermost to outermost as torch lays out a tensor made like another
    (preserve_format): by increasing stride, a dim of stride 0 keeping its place and equal
    strides ordered by size; a non-overlapping dense source keeps its strides this way."""
    n = len(shape)
    perm = list(range(n - 1, -1, -1))

    def should_swap(d0: int, d1: int) -> int:
        s0, s1 = strides[d0], strides[d1]
        if s0 == 0 or s1 == 0:
            return 0
        if s0 != s1:
            return -1 if s0 < s1 else 1
        return 1 if shape[d0] > shape[d1] else 0

    for i in range(1, n):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    return perm


def _empty_in_format(like: np.ndarray, fmt: memory_format, dtype: Any = None) -> np.ndarray:
    """An uninitialised array of like's shape (and dtype, unless given) laid out per fmt."""
    dt = like.dtype if dtype is None else dtype
    shape = like.shape
    if fmt is contiguous_format or like.ndim < 2 or like.flags.c_contiguous and (
            fmt is preserve_format):
        return np.empty(shape, dt)
    if fmt is preserve_format:
        inner_first = _dense_order(shape, tuple(s // like.itemsize for s in like.strides))
    else:  # channels_last(_3d): C innermost, then W, H (, D), then N
        inner_first = [1] + list(range(like.ndim - 1, 1, -1)) + [0]
    outer_first = inner_first[::-1]
    if outer_first == list(range(like.ndim)):
        return np.empty(shape, dt)
    buf = np.empty(tuple(shape[d] for d in outer_first), dt)
    view: np.ndarray = buf.transpose([int(i) for i in np.argsort(outer_first)])
    return view


def _copy_in_format(a: np.ndarray, fmt: memory_format) -> np.ndarray:
    out = _empty_in_format(a, fmt)
    np.copyto(out, a)
    return out


def _is_contiguous_as(a: np.ndarray, fmt: memory_format) -> bool:
    """torch's is_contiguous(memory_format=): dims of size 1 may have any stride."""
    if fmt is contiguous_format or fmt is preserve_format:
        return bool(a.flags.c_contiguous)
    if a.ndim != _CHANNELS_LAST_RANK[fmt]:
        return False
    if a.size == 0:
        return True
    expected = 1
    for d in [1] + list(range(a.ndim - 1, 1, -1)) + [0]:
        if a.shape[d] == 1:
            continue
        if a.strides[d] != expected * a.itemsize:
            return False
        expected *= a.shape[d]
    return True


_SIZES: dict[tuple[int, ...], _SizeAttr] = {}  # one (immutable) x.size per shape seen


def _fill_value(what: str, value: Any) -> Any:
    """The scalar a fill-style in-place op writes: a number or a 0-d tensor, as in torch."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ShapeError(f"{what}: only a 0-dimensional value tensor can fill, got one of "
                             f"shape {value.shape}")
        return value.data
    if isinstance(value, (int, float, bool, np.number, np.bool_)):
        return value
    raise TypeError(f"{what}: value must be a number or a 0-d tensor, got "
                    f"{type(value).__name__}")


def _generator(generator: Any, who: str) -> Any:
    """The numpy Generator a drawing method uses (creation's rule for generator=)."""
    from .creation import _gen

    return _gen(generator, who)


def _family_op(name: str, fallback: Any) -> Any:
    """An out-of-place op another family may provide (autograd.floor...), else numpy's."""
    def run(x: Tensor) -> Any:
        if x.data.dtype.kind in "iub":
            return x  # rounding an integer tensor changes nothing, as in torch
        import autograd

        fn = getattr(autograd, name, None)
        return fn(x) if fn is not None else fallback(x.data)
    return run


def _inplace_op(name: str) -> Any:
    """Tensor's in-place method ``name_``: the out-of-place op ``name`` (of ops/elementwise),
    its result written into self (whose dtype it must cast to)."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        fn = getattr(E, name)
        return self._inplace_result(f"{name}_", lambda x, *a: fn(x, *a, **kwargs), *args)

    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"In-place {name}: self = {name}(self, ...), in self's dtype."
    return method


class Tensor:
    """An n-dimensional array that can record the ops applied to it and differentiate them."""

    # _aliases (set only by detach) is a WeakSet of tensors sharing this one's memory and
    # version counter; left unset on the hot path
    # _hooks (set only by register_hook) maps handle ids to gradient hooks
    __slots__ = ("data", "_grad", "requires_grad", "_ctx", "_version", "_retain", "label",
                 "_aliases", "_hooks", "__weakref__")
    _aliases: weakref.WeakSet[Tensor]
    _hooks: dict[int, Any]
    __array_priority__ = 1000  # so ndarray <op> Tensor defers to Tensor's reflected op

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 label: str = "") -> None:
        self.data = _to_array(data, _as_dtype(dtype))
        self._grad: Tensor | None = None
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
        t._grad = None
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
    def size(self) -> _SizeAttr:
        """The element count (an int), callable as torch's ``x.size()`` / ``x.size(dim)``."""
        shape = self.data.shape
        s = _SIZES.get(shape)
        if s is None:
            if len(_SIZES) > 4096:
                _SIZES.clear()
            s = _SIZES[shape] = _SizeAttr(shape, self.data.size)
        return s

    @property
    def device(self) -> device:
        return _CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def itemsize(self) -> int:
        return self.data.itemsize

    @property
    def nbytes(self) -> int:
        return self.data.nbytes

    @property
    def grad(self) -> Tensor | None:
        """The gradient backward accumulated here (leaves, and tensors that retain_grad)."""
        g = self._grad
        if g is None and self._ctx is not None and not self._retain:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed: "
                "backward() does not fill it. Call .retain_grad() on this tensor before "
                "backward() to keep its gradient, or read the gradient of a leaf instead.",
                UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: expected a Tensor or None, got {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"grad: assigned a gradient of shape {value.shape} to a "
                                   f"tensor of shape {self.shape}")
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> Function | None:
        return self._ctx

    @property
    def T(self) -> Tensor:
        """All dims reversed (PyTorch deprecates it beyond 2-d; ``mT`` swaps the last two)."""
        return S._reversed_dims(self)

    @property
    def mT(self) -> Tensor:
        return S._matrix_transpose(self)

    @property
    def mH(self) -> Tensor:
        """The conjugate transpose of the last two dims: ``mT`` (the dtypes here are real)."""
        return S._matrix_transpose(self)

    def adjoint(self) -> Tensor:
        """x.adjoint(): a method in torch (mH is the property); a 0-d tensor is its own."""
        if self.ndim == 0:
            return S.reshape(self, ())
        if self.ndim == 1:
            raise RuntimeError("adjoint() is only supported on matrices or batches of "
                               "matrices, got a 1-D tensor")
        return S._matrix_transpose(self)

    @property
    def H(self) -> Tensor:
        """The conjugate transpose of a 2-d tensor (``T`` of a matrix; the dtypes are real)."""
        if self.ndim != 2:
            raise RuntimeError(f"H: expected a 2-d tensor (a matrix), got {self.ndim}-d; use "
                               "mH for the last two dims of a batch")
        return S._matrix_transpose(self)

    # ``.data`` is the ndarray itself (in PyTorch a detached Tensor): the whole library and
    # its users read and write arrays through it, so that difference is kept on purpose.
    # For the same reason numpy() also works on a tensor that requires grad (torch refuses).
    def numpy(self, *, force: bool = False) -> np.ndarray:
        return self.data

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise ShapeError(f"item: only a one-element tensor can be converted to a Python "
                             f"number, this one has shape {self.shape}")
        value: float | int | bool = self.data.item()
        return value

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data  # np.array(t) copies, np.asarray not

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        n: int = self.data.shape[0]
        return n

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __contains__(self, element: Any) -> bool:
        """``v in x``: does any element equal v (a number or a tensor broadcast against x)."""
        if not isinstance(element, (Tensor, int, float, bool, np.number, np.bool_)):
            raise RuntimeError(f"Tensor.__contains__ only supports a Tensor or a number, got "
                               f"{type(element).__name__}")
        other = element.data if isinstance(element, Tensor) else element
        return bool(np.any(self.data == other))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        # 0-d only: with one-element 1-D tensors numpy would index ``arr[t]`` as a scalar
        if self.data.ndim != 0 or self.data.dtype.kind not in "iu":
            raise TypeError(f"only 0-d integer tensors can be converted to an index, this one "
                            f"has dtype {self.dtype} and shape {self.shape}")
        return int(self.data)

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ShapeError(f"the truth value of a tensor of shape {self.shape} is ambiguous;"
                             " use .any() or .all()")
        return bool(self.data)

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"``: a one-element tensor formats as its number (a 0-d one also with
        an empty spec, as in PyTorch); other tensors only with an empty spec (their repr)."""
        if self.data.size == 1 and (spec or self.data.ndim == 0):
            return format(self.data.item(), spec)
        if not spec:
            return str(self)
        raise TypeError(f"unsupported format string {spec!r} passed to Tensor.__format__: "
                        f"only a one-element tensor formats as a number, this one has shape "
                        f"{self.shape} (format x.tolist() or an element instead)")

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        body = _array_text(self.data)
        extra = ""
        if self.data.dtype not in (_FLOAT_DEFAULT, np.int64, np.bool_):
            extra += f", dtype={self.data.dtype}"
        if self.requires_grad:
            extra += (", requires_grad=True" if self._ctx is None
                      else f", grad_fn={self._ctx.name}")
        return f"Tensor({body}{extra})"

    # -- autograd ---------------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self.data.dtype.kind != "f":
            raise _GradDtypeError(f"requires_grad: only floating-point tensors can require "
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

    def clone(self, *, memory_format: Any = None) -> Tensor:
        from .ops.elementwise import clone

        return clone(self, memory_format=memory_format)

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        self._retain = True
        return self

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None, *, grad: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (only into ``inputs``'
        when given). ``gradient`` is the upstream gradient (``grad=`` is an alias)."""
        if not self.requires_grad:
            if self.data.dtype.kind != "f":
                raise RuntimeError(f"backward: this tensor has dtype {self.dtype}; only "
                                   "floating-point tensors have gradients")
            raise RuntimeError("backward: this tensor does not require grad (nothing it was "
                               "computed from has requires_grad=True)")
        if grad is not None:
            if gradient is not None:
                raise TypeError("backward: pass gradient= or its alias grad=, not both")
            gradient = grad
        if inputs is not None:
            engine.backward(self, gradient, retain_graph, create_graph, inputs)
            return
        g = engine._root_grad(self, gradient, "backward")
        engine.run_backward([self], [g], bool(retain_graph) or create_graph, create_graph)

    def zero_grad(self) -> None:
        self.grad = None

    def draw(self, **kwargs: Any) -> Any:
        """Render this tensor's computation graph (see ``autograd.draw``)."""
        from .viz import draw

        return draw(self, **kwargs)

    # -- in-place (only outside the graph: under no_grad or on tensors without grad) ------
    def _inplace(self, what: str, other: Any = None) -> None:
        """Refuse an in-place edit the graph could not follow, else bump the version."""
        self._inplace_check(what, other)
        self._bump_version()

    def _inplace_check(self, what: str, other: Any = None) -> None:
        if not self.data.flags.writeable:
            raise RuntimeError(f"{what}: this tensor's memory cannot be written: it is an "
                               "expanded (broadcast) or overlapping view, where more than one "
                               "element refers to a single memory location, or wraps a "
                               "read-only array; clone() it before the in-place op")
        if engine.is_grad_enabled():
            if self.requires_grad:
                raise RuntimeError(f"{what}: in-place modification of a tensor that requires "
                                   "grad; wrap it in `with autograd.no_grad():` or use an "
                                   "out-of-place op")
            if isinstance(other, Tensor) and other.requires_grad:
                raise RuntimeError(f"{what}: the operand requires grad but an in-place op "
                                   "records no graph, so its gradient would be lost; write "
                                   "`x = x + y` (out of place) instead")

    def _bump_version(self) -> None:
        """Record an in-place edit of the data (on this tensor and its detached aliases)."""
        self._version += 1
        aliases = getattr(self, "_aliases", None)
        if aliases is not None:
            for t in aliases:
                if t is not self:
                    t._version += 1

    def _inplace_binary(self, other: Any, ufunc: Any, what: str, alpha: Any = 1) -> Tensor:
        """self = ufunc(self, alpha * other) in self's memory, as PyTorch computes it: in the
        promoted dtype, which must cast to self's (no float into an int tensor), keeping
        self's shape. A float tensor with a Python number or a tensor of its own dtype takes
        the ufunc directly; anything else goes through the out-of-place op (its promotion,
        wrap-around and bool rules)."""
        dt = self.data.dtype
        if not (other.data.dtype is dt if isinstance(other, Tensor) else
                other.__class__ is float or other.__class__ is int) or dt.kind != "f":
            op = {np.add: E.add, np.subtract: E.sub, np.multiply: E.mul, np.divide: E.div,
                  np.power: E.pow}[ufunc]
            kw = {"alpha": alpha} if alpha != 1 else {}
            return self._inplace_result(what, lambda x, o: op(x, o, **kw), other)
        self._inplace(what, other)
        o = other.data if isinstance(other, Tensor) else other
        if alpha != 1:
            o = np.multiply(o, alpha)
        try:
            ufunc(self.data, o, out=self.data, casting="same_kind")
        except TypeError:
            res = ufunc(self.data.reshape(-1)[:1], np.asarray(o).reshape(-1)[:1]).dtype
            raise RuntimeError(f"{what}: the result type {res} can't be cast to the desired "
                               f"output type {self.dtype} (an in-place op keeps the tensor's "
                               "dtype; use the out-of-place op)") from None
        except ValueError:
            raise ShapeError(f"{what}: an operand of shape {np.shape(o)} does not broadcast "
                             f"to this tensor's shape {self.shape} (an in-place op keeps the "
                             "tensor's shape)") from None
        return self

    def _inplace_result(self, what: str, fn: Any, *args: Any) -> Tensor:
        """self = fn(self, *args) with an out-of-place op, the result copied in (its dtype
        must cast to self's and its shape be self's, as in PyTorch)."""
        self._inplace_check(what, args[0] if args else None)
        with engine.no_grad():
            r = fn(self, *args)
        r = r.data if isinstance(r, Tensor) else np.asarray(r)
        if r.dtype != self.data.dtype and not E.can_cast(r.dtype, self.data.dtype):
            raise RuntimeError(f"{what}: the result type {r.dtype} can't be cast to the "
                               f"desired output type {self.dtype} (an in-place op keeps the "
                               "tensor's dtype; use the out-of-place op)")
        if r.shape != self.shape and not E.broadcasts_to(r.shape, self.shape):
            raise ShapeError(f"{what}: the result has shape {r.shape}, which does not fit "
                             f"this tensor's shape {self.shape} (an in-place op keeps the "
                             "tensor's shape)")
        self._bump_version()
        self.data[...] = r
        return self

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return self._inplace_binary(other, np.add, "add_", alpha)

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return self._inplace_binary(other, np.subtract, "sub_", alpha)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace_binary(other, np.multiply, "mul_")

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        if rounding_mode is None:
            return self._inplace_binary(other, np.divide, "div_")
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(f"div_: rounding_mode must be None, 'trunc' or 'floor', got "
                             f"{rounding_mode!r}")
        return self._inplace_result(
            "div_", lambda x, o: E.div(x, o, rounding_mode=rounding_mode), other)

    def pow_(self, exponent: Any) -> Tensor:
        return self._inplace_binary(exponent, np.power, "pow_")

    def neg_(self) -> Tensor:
        return self._inplace_result("neg_", E.neg)

    def abs_(self) -> Tensor:
        return self._inplace_result("abs_", E.abs)

    def exp_(self) -> Tensor:
        return self._inplace_result("exp_", E.exp)

    def log_(self) -> Tensor:
        return self._inplace_result("log_", E.log)

    def sqrt_(self) -> Tensor:
        return self._inplace_result("sqrt_", E.sqrt)

    def sigmoid_(self) -> Tensor:
        return self._inplace_result("sigmoid_", E.sigmoid)

    def tanh_(self) -> Tensor:
        return self._inplace_result("tanh_", E.tanh)

    def relu_(self) -> Tensor:
        return self._inplace_result("relu_", E.relu)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        return self._inplace_result("clamp_", E.clip, min, max)

    def tril_(self, diagonal: int = 0) -> Tensor:
        return self._inplace_result("tril_", lambda x: S.tril(x, diagonal))

    def triu_(self, diagonal: int = 0) -> Tensor:
        return self._inplace_result("triu_", lambda x: S.triu(x, diagonal))

    clip_ = clamp_

    def floor_(self) -> Tensor:
        return self._inplace_result("floor_", _family_op("floor", np.floor))

    def ceil_(self) -> Tensor:
        return self._inplace_result("ceil_", _family_op("ceil", np.ceil))

    def trunc_(self) -> Tensor:
        return self._inplace_result("trunc_", _family_op("trunc", np.trunc))

    def round_(self, *, decimals: int = 0) -> Tensor:
        if decimals:
            return self._inplace_result("round_", lambda x: np.round(x.data, decimals))
        return self._inplace_result("round_", _family_op("round", np.round))

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        """Set the elements where ``mask`` (bool, broadcasting to self) is True to value."""
        m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
        if m.dtype != np.bool_:
            raise TypeError(f"masked_fill_: the mask must be a bool tensor, got {m.dtype}")
        v = _fill_value("masked_fill_", value)
        try:
            m = np.broadcast_to(m, self.shape)
        except ValueError:
            raise ShapeError(f"masked_fill_: a mask of shape {m.shape} does not broadcast to "
                             f"the tensor's shape {self.shape}") from None
        self._inplace("masked_fill_", value)
        self.data[m] = v
        return self

    def index_fill_(self, dim: int, index: Any, value: Any) -> Tensor:
        """Fill the slices ``index`` (int64 indices) along ``dim`` with value."""
        idx = index.data if isinstance(index, Tensor) else np.asarray(index)
        if idx.dtype.kind not in "iu" or idx.ndim > 1:
            raise TypeError(f"index_fill_: index must be a 0-d or 1-D integer tensor, got "
                            f"dtype {idx.dtype} and shape {idx.shape}")
        nd = max(self.ndim, 1)
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or not (
                -nd <= dim < nd):
            raise IndexError(f"index_fill_: dim {dim!r} is out of range for a tensor of "
                             f"{self.ndim} dimension(s)")
        size = self.shape[dim] if self.ndim else 1
        if idx.size and (idx.min() < -size or idx.max() >= size):
            raise IndexError(f"index_fill_: an index is out of range for dim {dim} of size "
                             f"{size}")
        v = _fill_value("index_fill_", value)
        self._inplace("index_fill_", value)
        if self.ndim == 0:
            self.data[...] = v
        else:
            self.data[(slice(None),) * (dim % nd) + (idx.reshape(-1),)] = v
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0, **kw: Any) -> Tensor:
        """Fill with draws from U(a, b) (``from=``/``to=`` as torch spells them also work)."""
        a, b = kw.pop("from", a), kw.pop("to", b)
        g = _generator(kw.pop("generator", None), "uniform_")
        if kw:
            raise TypeError(f"uniform_: unexpected argument(s) {sorted(kw)}")
        return self._random_fill("uniform_", lambda: g.uniform(a, b, self.shape))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None
                ) -> Tensor:
        if std < 0:
            raise ValueError(f"normal_: std must be >= 0, got {std}")
        g = _generator(generator, "normal_")
        return self._random_fill("normal_", lambda: g.normal(mean, std, self.shape))

    def exponential_(self, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with draws from the exponential distribution of rate lambd."""
        if not lambd > 0:
            raise RuntimeError(f"exponential_: expects lambda > 0.0, but found lambda={lambd}")
        g = _generator(generator, "exponential_")
        return self._random_fill("exponential_", lambda: g.exponential(1.0 / lambd,
                                                                        self.shape))

    def cauchy_(self, median: builtins.float = 0.0, sigma: builtins.float = 1.0, *,
                generator: Any = None) -> Tensor:
        """Fill with draws from the Cauchy distribution median + sigma * tan(pi (u - 1/2))."""
        if not sigma > 0:
            raise RuntimeError(f"cauchy_: expects sigma > 0.0, but found sigma={sigma}")
        g = _generator(generator, "cauchy_")
        return self._random_fill("cauchy_", lambda: median + sigma * g.standard_cauchy(
            self.shape))

    def log_normal_(self, mean: builtins.float = 1.0, std: builtins.float = 2.0, *,
                    generator: Any = None) -> Tensor:
        """Fill with exp(N(mean, std^2)) draws."""
        if not std > 0:
            raise RuntimeError(f"log_normal_: expects std > 0.0, but found std={std}")
        g = _generator(generator, "log_normal_")
        return self._random_fill("log_normal_", lambda: g.lognormal(mean, std, self.shape))

    def hardshrink(self, lambd: builtins.float = 0.5) -> Tensor:
        import nn.functional as F

        return F.hardshrink(self, lambd)

    def prelu(self, weight: Tensor) -> Tensor:
        import nn.functional as F

        return F.prelu(self, weight)

    def geometric_(self, p: float, *, generator: Any = None) -> Tensor:
        """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_: expects p to be in (0, 1), but got p={p}")
        if self.data.dtype == np.bool_:
            raise RuntimeError("geometric_: not implemented for bool tensors")
        g = _generator(generator, "geometric_")
        self._inplace("geometric_")
        self.data[...] = g.geometric(p, self.shape)
        return self

    def random_(self, *args: Any, generator: Any = None, **kw: Any) -> Tensor:
        """Fill with integers uniform on [from, to): ``random_(to)``, ``random_(from, to)``,
        or ``random_()`` for [0, the largest integer the dtype holds exactly] (2**24 for
        float32, 2**53 for float64, the dtype's max for integers)."""
        lo, hi = 0, None
        if len(args) == 1:
            hi = args[0]
        elif len(args) == 2:
            lo, hi = args
        elif args:
            raise TypeError(f"random_: expected (to), (from, to) or (), got {args!r}")
        lo, hi = kw.pop("from", lo), kw.pop("to", hi)
        if kw:
            raise TypeError(f"random_: unexpected argument(s) {sorted(kw)}")
        dt = self.data.dtype
        top = (2 ** (np.finfo(dt).nmant + 1) if dt.kind == "f" else 1 if dt == np.bool_
               else int(np.iinfo(dt).max))
        for what, v in (("from", lo), ("to", hi)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))):
                raise TypeError(f"random_: {what} must be an int, got {v!r}")
        hi = top + 1 if hi is None else int(hi)
        if lo >= hi:
            raise RuntimeError(f"random_: expects 'from' to be less than 'to', but got "
                               f"from={lo} >= to={hi}")
        g = _generator(generator, "random_")
        self._inplace("random_")
        self.data[...] = g.integers(int(lo), hi, self.shape)
        return self

    def bernoulli(self, p: Any = None, *, generator: Any = None) -> Tensor:
        """A 0/1 draw per element with probability self (or the number p), in self's
        dtype; no gradient (as torch)."""
        if p is not None:
            return Tensor._make(np.zeros(self.shape, self.data.dtype)).bernoulli_(
                p, generator=generator)
        if self.data.dtype.kind != "f":
            raise RuntimeError(f"bernoulli: expected a floating point tensor of "
                               f"probabilities, got {self.dtype}")
        if self.data.size and ((self.data < 0) | (self.data > 1)).any():
            raise RuntimeError("bernoulli: expected all probabilities in [0, 1]")
        g = _generator(generator, "bernoulli")
        return Tensor._make((g.random(self.shape) < self.data).astype(self.data.dtype))

    def is_inference(self) -> bool:
        """False: inference_mode here records no graph but makes no special tensors."""
        return False

    def bernoulli_(self, p: float = 0.5, *, generator: Any = None) -> Tensor:
        if not 0 <= p <= 1:
            raise ValueError(f"bernoulli_: p must be in [0, 1], got {p}")
        g = _generator(generator, "bernoulli_")
        self._inplace("bernoulli_")
        self.data[...] = g.random(self.shape) < p
        return self

    def apply_(self, callable: Any) -> Tensor:
        """Replace every element x by callable(x) (a Python function, element by element)."""
        if not builtins.callable(callable):
            raise TypeError(f"apply_: expected a callable, got {type(callable).__name__}")
        self._inplace_check("apply_")
        vals = [callable(v) for v in self.data.reshape(-1).tolist()]
        new = np.asarray(vals).astype(self.data.dtype).reshape(self.shape)
        self._bump_version()
        self.data[...] = new
        return self

    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> Tensor:
        """Fill the main diagonal (all dims equal beyond 2-D); a tall matrix's diagonal
        restarts after every N + 1 rows when wrap=True, as torch and numpy."""
        if self.ndim < 2:
            raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1, this tensor "
                               f"has {self.ndim}")
        if self.ndim > 2 and len(set(self.shape)) != 1:
            raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal "
                               f"length, got shape {self.shape}")
        v = _fill_value("fill_diagonal_", fill_value)
        self._inplace("fill_diagonal_", fill_value)
        np.fill_diagonal(self.data, v, wrap=bool(wrap))
        return self

    def put_(self, index: Any, source: Any, accumulate: bool = False) -> Tensor:
        """Write source into self seen as 1-D at positions index (negative from the end);
        accumulate=True adds (repeated positions add up)."""
        idx = index.data if isinstance(index, Tensor) else np.asarray(index)
        if idx.dtype.kind not in "iu":
            raise TypeError(f"put_: index must be an integer (int64) tensor, got {idx.dtype}")
        src = source.data if isinstance(source, Tensor) else np.asarray(source)
        if src.size != idx.size:
            raise ShapeError(f"put_: source and index must have the same number of elements, "
                             f"got {src.size} and {idx.size}")
        n = self.data.size
        idx = idx.reshape(-1).astype(np.int64)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            bad = idx[(idx < -n) | (idx >= n)][0]
            raise IndexError(f"put_: index {bad} is out of bounds for a tensor of {n} "
                             "elements")
        self._inplace("put_", source)
        flat = self.data.reshape(-1).copy()
        vals = src.reshape(-1).astype(self.data.dtype)
        if accumulate:
            np.add.at(flat, idx, vals)
        else:
            flat[idx] = vals
        self.data[...] = flat.reshape(self.shape)
        return self

    def data_ptr(self) -> int:
        """The address of the first element."""
        return int(self.data.__array_interface__["data"][0])

    def storage_offset(self) -> int:
        """How many elements past the start of the memory it views this tensor begins."""
        base = self.data
        while isinstance(base.base, np.ndarray):
            base = base.base
        delta = self.data_ptr() - int(base.__array_interface__["data"][0])
        return delta // self.data.itemsize

    def detach_(self) -> Tensor:
        """Cut this tensor off the graph in place: it becomes a leaf without grad."""
        self._ctx = None
        self.requires_grad = False
        return self

    def _random_fill(self, what: str, draw: Any) -> Tensor:
        if self.data.dtype.kind != "f":
            raise RuntimeError(f"{what}: needs a floating-point tensor, this one is "
                               f"{self.dtype}")
        self._inplace(what)
        self.data[...] = draw()
        return self

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace_binary(other, np.add, "+=")

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace_binary(other, np.subtract, "-=")

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace_binary(other, np.multiply, "*=")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace_binary(other, np.divide, "/=")

    def __ipow__(self, other: Any) -> Tensor:
        return self._inplace_binary(other, np.power, "**=")

    def __ifloordiv__(self, other: Any) -> Tensor:
        return self._inplace_result("//=", E.floor_divide, other)

    def __imod__(self, other: Any) -> Tensor:
        return self._inplace_result("%=", E.remainder, other)

    def __iand__(self, other: Any) -> Tensor:
        return self._inplace_result("&=", E.bitwise_and, other)

    def __ior__(self, other: Any) -> Tensor:
        return self._inplace_result("|=", E.bitwise_or, other)

    def __ixor__(self, other: Any) -> Tensor:
        return self._inplace_result("^=", E.bitwise_xor, other)

    def __ilshift__(self, other: Any) -> Tensor:
        return self._inplace_result("<<=", E.bitwise_left_shift, other)

    def __irshift__(self, other: Any) -> Tensor:
        return self._inplace_result(">>=", E.bitwise_right_shift, other)

    def __setitem__(self, index: Any, value: Any) -> None:
        """x[index] = value; value (a number or tensor) broadcasts to the selection and is
        cast to x's dtype, as in PyTorch."""
        self._inplace("__setitem__", value)
        v = value.data if isinstance(value, Tensor) else value
        data, idx = self.data, _index(index)
        if isinstance(idx, tuple) and len(idx) > 1:
            pre = S._ints_first(tuple(S._list_index(i) if isinstance(i, list) else i
                                      for i in idx), data.ndim)
            if pre is not None:  # the ints select first, as getitem (and torch) do
                data, idx = data[pre[0]], pre[1]
        try:
            data[idx] = v
        except ValueError as e:
            if "broadcast" not in str(e) and "cannot assign" not in str(e):  # (a bool mask)
                raise
            target = data[idx].shape
            raise ShapeError(f"__setitem__: a value of shape {np.shape(v)} cannot be assigned "
                             f"to a selection of shape {target} (it must broadcast to it)"
                             ) from None

    def zero_(self) -> Tensor:
        self._inplace("zero_")
        self.data[...] = 0
        return self

    def fill_(self, value: Any) -> Tensor:
        v = _fill_value("fill_", value)
        self._inplace("fill_", value)
        self.data[...] = v
        return self

    def copy_(self, src: Any, non_blocking: bool = False) -> Tensor:
        """Copy src into self: src broadcasts to self's shape and is cast to its dtype."""
        s = src.data if isinstance(src, Tensor) else np.asarray(src)
        try:
            ok = np.broadcast_shapes(s.shape, self.shape) == self.shape
        except ValueError:
            ok = False
        if not ok:
            raise ShapeError(f"copy_: source has shape {s.shape}, expected {self.shape} (or "
                             "a shape that broadcasts to it)")
        self._inplace("copy_", src)
        np.copyto(self.data, s, casting="unsafe")
        return self

    # -- conversions ------------------------------------------------------------------------
    def astype(self, dtype: Any) -> Tensor:
        from .ops.elementwise import astype

        return astype(self, _as_dtype(dtype))

    # self itself when the dtype already matches (as torch; astype always copies)
    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def long(self) -> Tensor:
        return self.to(np.int64)

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

    # elementwise, as torch's: a Tensor, not object's bool (except against None)
    @overload  # type: ignore[override]
    def __eq__(self, o: None) -> bool: ...
    @overload
    def __eq__(self, o: Any) -> Tensor: ...
    def __eq__(self, o: Any) -> Tensor | bool:
        if o is None:
            return False  # as torch: a tensor is never None
        return E.compare(self, o, np.equal)

    @overload  # type: ignore[override]
    def __ne__(self, o: None) -> bool: ...
    @overload
    def __ne__(self, o: Any) -> Tensor: ...
    def __ne__(self, o: Any) -> Tensor | bool:
        if o is None:
            return True
        return E.compare(self, o, np.not_equal)

    def __invert__(self) -> Tensor:
        return E.bitwise_not(self)

    def __and__(self, o: Any) -> Tensor:
        return E.bitwise_and(self, o)

    def __rand__(self, o: Any) -> Tensor:
        return E.bitwise_and(o, self)

    def __or__(self, o: Any) -> Tensor:
        return E.bitwise_or(self, o)

    def __ror__(self, o: Any) -> Tensor:
        return E.bitwise_or(o, self)

    def __xor__(self, o: Any) -> Tensor:
        return E.bitwise_xor(self, o)

    def __rxor__(self, o: Any) -> Tensor:
        return E.bitwise_xor(o, self)

    def __lshift__(self, o: Any) -> Tensor:
        return E.bitwise_left_shift(self, o)

    def __rlshift__(self, o: Any) -> Tensor:
        return E.bitwise_left_shift(o, self)

    def __rshift__(self, o: Any) -> Tensor:
        return E.bitwise_right_shift(self, o)

    def __rrshift__(self, o: Any) -> Tensor:
        return E.bitwise_right_shift(o, self)

    def __mod__(self, o: Any) -> Tensor:
        return E.remainder(self, o)

    def __rmod__(self, o: Any) -> Tensor:
        return E.remainder(o, self)

    def __floordiv__(self, o: Any) -> Tensor:
        return E.floor_divide(self, o)

    def __rfloordiv__(self, o: Any) -> Tensor:
        return E.floor_divide(o, self)

    def __pos__(self) -> Tensor:
        return E.positive(self)

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

    def leaky_relu(self, negative_slope: builtins.float = 0.01) -> Tensor:
        return E.leaky_relu(self, negative_slope)

    def gelu(self, approximate: str = "none") -> Tensor:
        return E.gelu(self, approximate)

    def step(self) -> Tensor:
        return E.step(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        return E.clamp(self, min, max)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        return E.clip(self, min, max)

    def maximum(self, o: Any) -> Tensor:
        return E.maximum(self, o)

    def minimum(self, o: Any) -> Tensor:
        return E.minimum(self, o)

    # -- reductions (ops/reduce.py): torch's arguments (dim, keepdim, ...), numpy's aliases ---
    def sum(self, *args: Any, **kwargs: Any) -> Tensor:
        return R.sum(self, *args, **kwargs)

    def mean(self, *args: Any, **kwargs: Any) -> Tensor:
        return R.mean(self, *args, **kwargs)

    def max(self, *args: Any, **kwargs: Any) -> Any:
        return R.max(self, *args, **kwargs)

    def min(self, *args: Any, **kwargs: Any) -> Any:
        return R.min(self, *args, **kwargs)

    def var(self, *args: Any, **kwargs: Any) -> Tensor:
        return R.var(self, *args, **kwargs)

    def std(self, *args: Any, **kwargs: Any) -> Tensor:
        return R.std(self, *args, **kwargs)

    def logsumexp(self, *args: Any, **kwargs: Any) -> Tensor:
        return R.logsumexp(self, *args, **kwargs)

    def argmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return R.argmax(self, *args, **kwargs)

    def argmin(self, *args: Any, **kwargs: Any) -> Tensor:
        return R.argmin(self, *args, **kwargs)

    def softmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return R.softmax(self, *args, **kwargs)

    def log_softmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return R.log_softmax(self, *args, **kwargs)

    def any(self, *args: Any, **kwargs: Any) -> Tensor:
        return R.any(self, *args, **kwargs)

    def all(self, *args: Any, **kwargs: Any) -> Tensor:
        return R.all(self, *args, **kwargs)

    # -- shape (ops/shape.py) ---------------------------------------------------------------
    def reshape(self, *shape: Any, **kw: Any) -> Tensor:
        if kw:  # reshape(shape=(2, -1)), torch's keyword
            if shape or set(kw) != {"shape"}:
                raise TypeError(f"reshape: takes a shape (positionally or as shape=), got "
                                f"{sorted(kw)}" + (" and a positional shape" if shape else ""))
            return S.reshape(self, kw["shape"])
        return S.reshape(self, shape[0] if len(shape) == 1 and not isinstance(shape[0], int)
                         else shape)

    def view(self, *shape: Any, **kw: Any) -> Tensor:
        return S.view(self, *shape, **kw)

    def transpose(self, dim0: int | None = None, dim1: int | None = None, *more: int
                  ) -> Tensor:
        """Swap two dims, as torch.Tensor.transpose (reorder all dims with ``permute``)."""
        if dim0 is None or dim1 is None or more:
            dims = tuple(d for d in (dim0, dim1, *more) if d is not None)
            raise TypeError(f"transpose: takes two dims (dim0, dim1), got {dims}; use "
                            f"permute({', '.join(map(str, dims))}) to reorder all dims")
        return S.transpose(self, dim0, dim1)

    def permute(self, *dims: Any, **kw: Any) -> Tensor:
        return S.permute(self, *dims, **kw)

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        return S.transpose(self, axis0, axis1)

    def squeeze(self, dim: Any = None, *, axis: Any = None) -> Tensor:
        return S.squeeze(self, dim, axis=axis)

    def unsqueeze(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        return S.unsqueeze(self, dim, axis=axis)

    expand_dims = unsqueeze

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return S.flatten(self, start_dim, end_dim)

    def broadcast_to(self, *shape: Any) -> Tensor:
        return S.broadcast_to(self, S._sizes(shape, "broadcast_to"))

    def pad(self, pad_width: Any, value: builtins.float = 0.0) -> Tensor:
        return S.pad(self, pad_width, value)

    def split(self, split_size_or_sections: Any = None, dim: int | None = None, *,
              axis: int | None = None, split_size: Any = None) -> tuple[Tensor, ...]:
        if split_size is not None:  # torch's Tensor.split names it split_size
            if split_size_or_sections is not None:
                raise TypeError("split: got both split_size_or_sections and split_size")
            split_size_or_sections = split_size
        return S.split(self, split_size_or_sections, dim, axis=axis)

    def __getitem__(self, index: Any) -> Tensor:
        return S.getitem(self, index)

    # Each block below is one family's new methods (one-line wrappers over autograd/ops/).
    # -- [elementwise] math functions, rounding, bitwise/logical, promotion -------------------
    def sin(self) -> Tensor:
        return E.sin(self)

    def cos(self) -> Tensor:
        return E.cos(self)

    def tan(self) -> Tensor:
        return E.tan(self)

    def asin(self) -> Tensor:
        return E.asin(self)

    def acos(self) -> Tensor:
        return E.acos(self)

    def atan(self) -> Tensor:
        return E.atan(self)

    def sinh(self) -> Tensor:
        return E.sinh(self)

    def cosh(self) -> Tensor:
        return E.cosh(self)

    def asinh(self) -> Tensor:
        return E.asinh(self)

    def acosh(self) -> Tensor:
        return E.acosh(self)

    def atanh(self) -> Tensor:
        return E.atanh(self)

    def arcsin(self) -> Tensor:
        return E.arcsin(self)

    def arccos(self) -> Tensor:
        return E.arccos(self)

    def arctan(self) -> Tensor:
        return E.arctan(self)

    def arcsinh(self) -> Tensor:
        return E.arcsinh(self)

    def arccosh(self) -> Tensor:
        return E.arccosh(self)

    def arctanh(self) -> Tensor:
        return E.arctanh(self)

    def exp2(self) -> Tensor:
        return E.exp2(self)

    def expm1(self) -> Tensor:
        return E.expm1(self)

    def log2(self) -> Tensor:
        return E.log2(self)

    def log10(self) -> Tensor:
        return E.log10(self)

    def log1p(self) -> Tensor:
        return E.log1p(self)

    def rsqrt(self) -> Tensor:
        return E.rsqrt(self)

    def square(self) -> Tensor:
        return E.square(self)

    def reciprocal(self) -> Tensor:
        return E.reciprocal(self)

    def sign(self) -> Tensor:
        return E.sign(self)

    def sgn(self) -> Tensor:
        return E.sgn(self)

    def erf(self) -> Tensor:
        return E.erf(self)

    def erfc(self) -> Tensor:
        return E.erfc(self)

    def erfinv(self) -> Tensor:
        return E.erfinv(self)

    def floor(self) -> Tensor:
        return E.floor(self)

    def ceil(self) -> Tensor:
        return E.ceil(self)

    def trunc(self) -> Tensor:
        return E.trunc(self)

    def fix(self) -> Tensor:
        return E.fix(self)

    def frac(self) -> Tensor:
        return E.frac(self)

    def neg(self) -> Tensor:
        return E.neg(self)

    def absolute(self) -> Tensor:
        return E.abs(self)

    def negative(self) -> Tensor:
        return E.negative(self)

    def positive(self) -> Tensor:
        return E.positive(self)

    def isnan(self) -> Tensor:
        return E.isnan(self)

    def isinf(self) -> Tensor:
        return E.isinf(self)

    def isfinite(self) -> Tensor:
        return E.isfinite(self)

    def isposinf(self) -> Tensor:
        return E.isposinf(self)

    def isneginf(self) -> Tensor:
        return E.isneginf(self)

    def logical_not(self) -> Tensor:
        return E.logical_not(self)

    def bitwise_not(self) -> Tensor:
        return E.bitwise_not(self)

    def atan2(self, other: Any) -> Tensor:
        return E.atan2(self, other)

    def arctan2(self, other: Any) -> Tensor:
        return E.arctan2(self, other)

    def fmod(self, other: Any) -> Tensor:
        return E.fmod(self, other)

    def remainder(self, other: Any) -> Tensor:
        return E.remainder(self, other)

    def copysign(self, other: Any) -> Tensor:
        return E.copysign(self, other)

    def hypot(self, other: Any) -> Tensor:
        return E.hypot(self, other)

    def logaddexp(self, other: Any) -> Tensor:
        return E.logaddexp(self, other)

    def logaddexp2(self, other: Any) -> Tensor:
        return E.logaddexp2(self, other)

    def xlogy(self, other: Any) -> Tensor:
        return E.xlogy(self, other)

    def fmax(self, other: Any) -> Tensor:
        return E.fmax(self, other)

    def fmin(self, other: Any) -> Tensor:
        return E.fmin(self, other)

    def float_power(self, other: Any) -> Tensor:
        return E.float_power(self, other)

    def bitwise_and(self, other: Any) -> Tensor:
        return E.bitwise_and(self, other)

    def bitwise_or(self, other: Any) -> Tensor:
        return E.bitwise_or(self, other)

    def bitwise_xor(self, other: Any) -> Tensor:
        return E.bitwise_xor(self, other)

    def bitwise_left_shift(self, other: Any) -> Tensor:
        return E.bitwise_left_shift(self, other)

    def bitwise_right_shift(self, other: Any) -> Tensor:
        return E.bitwise_right_shift(self, other)

    def logical_and(self, other: Any) -> Tensor:
        return E.logical_and(self, other)

    def logical_or(self, other: Any) -> Tensor:
        return E.logical_or(self, other)

    def logical_xor(self, other: Any) -> Tensor:
        return E.logical_xor(self, other)

    def true_divide(self, other: Any) -> Tensor:
        return E.true_divide(self, other)

    def floor_divide(self, other: Any) -> Tensor:
        return E.floor_divide(self, other)

    def equal(self, other: Any) -> bool:
        return E.equal(self, other)

    def pow(self, exponent: Any) -> Tensor:
        return E.pow(self, exponent)

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return E.add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return E.sub(self, other, alpha=alpha)

    subtract = sub

    def mul(self, other: Any) -> Tensor:
        return E.mul(self, other)

    multiply = mul

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return E.div(self, other, rounding_mode=rounding_mode)

    divide = div

    def round(self, *, decimals: int = 0) -> Tensor:
        return E.round(self, decimals=decimals)

    def logit(self, eps: builtins.float | None = None) -> Tensor:
        return E.logit(self, eps)

    def lerp(self, end: Any, weight: Any) -> Tensor:
        return E.lerp(self, end, weight)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return E.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return E.addcdiv(self, tensor1, tensor2, value=value)

    def nan_to_num(self, nan: builtins.float = 0.0, posinf: builtins.float | None = None,
                   neginf: builtins.float | None = None) -> Tensor:
        return E.nan_to_num(self, nan, posinf, neginf)

    def isclose(self, other: Any, rtol: builtins.float = 1e-05, atol: builtins.float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        return E.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other: Any, rtol: builtins.float = 1e-05, atol: builtins.float = 1e-08,
                 equal_nan: bool = False) -> bool:
        return E.allclose(self, other, rtol, atol, equal_nan)

    def clamp_min(self, min: Any) -> Tensor:
        return E.clamp_min(self, min)

    def clamp_max(self, max: Any) -> Tensor:
        return E.clamp_max(self, max)

    def where(self, condition: Any, other: Any) -> Tensor:
        return E.where(condition, self, other)

    def eq(self, other: Any) -> Tensor:
        return E.eq(self, other)

    def ne(self, other: Any) -> Tensor:
        return E.ne(self, other)

    def lt(self, other: Any) -> Tensor:
        return E.lt(self, other)

    def le(self, other: Any) -> Tensor:
        return E.le(self, other)

    def gt(self, other: Any) -> Tensor:
        return E.gt(self, other)

    def ge(self, other: Any) -> Tensor:
        return E.ge(self, other)

    not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge

    def signbit(self) -> Tensor:
        return E.signbit(self)

    def sinc(self) -> Tensor:
        return E.sinc(self)

    def deg2rad(self) -> Tensor:
        return E.deg2rad(self)

    def rad2deg(self) -> Tensor:
        return E.rad2deg(self)

    def angle(self) -> Tensor:
        return E.angle(self)

    def lgamma(self) -> Tensor:
        return E.lgamma(self)

    def i0(self) -> Tensor:
        return E.i0(self)

    def nextafter(self, other: Any) -> Tensor:
        return E.nextafter(self, other)

    def digamma(self) -> Tensor:
        return E.digamma(self)

    def polygamma(self, n: int) -> Tensor:
        return E.polygamma(n, self)

    def heaviside(self, values: Any) -> Tensor:
        return E.heaviside(self, values)

    def conj(self) -> Tensor:
        return self  # real tensors only: the conjugate is the tensor itself

    resolve_conj = resolve_neg = conj_physical = conj

    def is_conj(self) -> bool:
        return False

    def is_neg(self) -> bool:
        return False

    def isreal(self) -> Tensor:
        """True everywhere (the dtypes here are real), as torch for a real tensor."""
        return Tensor._make(np.ones(self.shape, dtype=np.bool_))

    @property
    def real(self) -> Tensor:
        return self

    @property
    def imag(self) -> Tensor:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes")

    # in-place forms: the out-of-place op, its result written into self (dtype must cast)
    remainder_, fmod_, floor_divide_ = map(_inplace_op, (
        "remainder", "fmod", "floor_divide"))
    true_divide_ = divide_ = _inplace_op("div")
    subtract_, multiply_ = _inplace_op("sub"), _inplace_op("mul")
    clamp_min_, clamp_max_ = _inplace_op("clamp_min"), _inplace_op("clamp_max")
    bitwise_and_, bitwise_or_, bitwise_xor_, bitwise_not_ = map(_inplace_op, (
        "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not"))
    bitwise_left_shift_ = _inplace_op("bitwise_left_shift")
    bitwise_right_shift_ = _inplace_op("bitwise_right_shift")
    logical_and_, logical_or_, logical_xor_, logical_not_ = map(_inplace_op, (
        "logical_and", "logical_or", "logical_xor", "logical_not"))
    atan2_ = arctan2_ = _inplace_op("atan2")
    copysign_, hypot_, xlogy_, lerp_ = map(_inplace_op, (
        "copysign", "hypot", "xlogy", "lerp"))
    gcd_, lcm_, ldexp_ = _inplace_op("gcd"), _inplace_op("lcm"), _inplace_op("ldexp")
    addcmul_, addcdiv_ = _inplace_op("addcmul"), _inplace_op("addcdiv")
    float_power_, nan_to_num_, logit_ = map(_inplace_op, (
        "float_power", "nan_to_num", "logit"))
    sign_, sgn_, square_, reciprocal_, rsqrt_, frac_ = map(_inplace_op, (
        "sign", "sgn", "square", "reciprocal", "rsqrt", "frac"))
    fix_, negative_, absolute_ = _inplace_op("trunc"), _inplace_op("neg"), _inplace_op("abs")
    sin_, cos_, tan_, sinh_, cosh_ = map(_inplace_op, (
        "sin", "cos", "tan", "sinh", "cosh"))
    asin_ = arcsin_ = _inplace_op("asin")
    acos_ = arccos_ = _inplace_op("acos")
    atan_ = arctan_ = _inplace_op("atan")
    asinh_ = arcsinh_ = _inplace_op("asinh")
    acosh_ = arccosh_ = _inplace_op("acosh")
    atanh_ = arctanh_ = _inplace_op("atanh")
    exp2_, expm1_, log2_, log10_, log1p_ = map(_inplace_op, (
        "exp2", "expm1", "log2", "log10", "log1p"))
    erf_, erfc_, erfinv_ = _inplace_op("erf"), _inplace_op("erfc"), _inplace_op("erfinv")
    eq_, ne_, lt_, le_, gt_, ge_ = map(_inplace_op, ("eq", "ne", "lt", "le", "gt", "ge"))
    not_equal_, less_, less_equal_, greater_, greater_equal_ = ne_, lt_, le_, gt_, ge_
    sinc_, deg2rad_, rad2deg_, lgamma_, digamma_, heaviside_ = map(_inplace_op, (
        "sinc", "deg2rad", "rad2deg", "lgamma", "digamma", "heaviside"))
    i0_, nextafter_ = _inplace_op("i0"), _inplace_op("nextafter")

    def polygamma_(self, n: int) -> Tensor:
        return self._inplace_result("polygamma_", lambda x: E.polygamma(n, x))


    # -- [reduce] reductions, scans, sorting ------------------------------------------------
    def amax(self, *args: Any, **kwargs: Any) -> Any:
        return R.amax(self, *args, **kwargs)

    def amin(self, *args: Any, **kwargs: Any) -> Any:
        return R.amin(self, *args, **kwargs)

    def aminmax(self, *args: Any, **kwargs: Any) -> Any:
        return R.aminmax(self, *args, **kwargs)

    def count_nonzero(self, *args: Any, **kwargs: Any) -> Any:
        return R.count_nonzero(self, *args, **kwargs)

    def nanmean(self, *args: Any, **kwargs: Any) -> Any:
        return R.nanmean(self, *args, **kwargs)

    def nansum(self, *args: Any, **kwargs: Any) -> Any:
        return R.nansum(self, *args, **kwargs)

    def norm(self, *args: Any, **kwargs: Any) -> Any:
        return R.norm(self, *args, **kwargs)

    def prod(self, *args: Any, **kwargs: Any) -> Any:
        return R.prod(self, *args, **kwargs)

    def argsort(self, *args: Any, **kwargs: Any) -> Any:
        return SC.argsort(self, *args, **kwargs)

    def bincount(self, *args: Any, **kwargs: Any) -> Any:
        return SC.bincount(self, *args, **kwargs)

    def cummax(self, *args: Any, **kwargs: Any) -> Any:
        return SC.cummax(self, *args, **kwargs)

    def cummin(self, *args: Any, **kwargs: Any) -> Any:
        return SC.cummin(self, *args, **kwargs)

    def cumprod(self, *args: Any, **kwargs: Any) -> Any:
        return SC.cumprod(self, *args, **kwargs)

    def cumsum(self, *args: Any, **kwargs: Any) -> Any:
        return SC.cumsum(self, *args, **kwargs)

    def kthvalue(self, *args: Any, **kwargs: Any) -> Any:
        return SC.kthvalue(self, *args, **kwargs)

    def logcumsumexp(self, *args: Any, **kwargs: Any) -> Any:
        return SC.logcumsumexp(self, *args, **kwargs)

    def median(self, *args: Any, **kwargs: Any) -> Any:
        return SC.median(self, *args, **kwargs)

    def mode(self, *args: Any, **kwargs: Any) -> Any:
        return SC.mode(self, *args, **kwargs)

    def nanmedian(self, *args: Any, **kwargs: Any) -> Any:
        return SC.nanmedian(self, *args, **kwargs)

    def sort(self, *args: Any, **kwargs: Any) -> Any:
        return SC.sort(self, *args, **kwargs)

    def topk(self, *args: Any, **kwargs: Any) -> Any:
        return SC.topk(self, *args, **kwargs)

    def unique(self, *args: Any, **kwargs: Any) -> Any:
        return SC.unique(self, *args, **kwargs)

    def msort(self) -> Tensor:
        return SC.msort(self)

    def quantile(self, *args: Any, **kwargs: Any) -> Tensor:
        return SC.quantile(self, *args, **kwargs)

    def nanquantile(self, *args: Any, **kwargs: Any) -> Tensor:
        return SC.nanquantile(self, *args, **kwargs)

    def unique_consecutive(self, *args: Any, **kwargs: Any) -> Any:
        return SC.unique_consecutive(self, *args, **kwargs)

    def histc(self, bins: int = 100, min: builtins.float = 0,
              max: builtins.float = 0) -> Tensor:
        return SC.histc(self, bins, min, max)

    def cov(self, **kwargs: Any) -> Tensor:
        return R.cov(self, **kwargs)

    def corrcoef(self) -> Tensor:
        return R.corrcoef(self)

    def sum_to_size(self, *size: Any) -> Tensor:
        from .functional import sum_to

        return sum_to(self, S._sizes(size, "sum_to_size"))

    def cumsum_(self, dim: int, *, dtype: Any = None) -> Tensor:
        return self._inplace_result("cumsum_", lambda x: SC.cumsum(x, dim, dtype=dtype))

    def cumprod_(self, dim: int, *, dtype: Any = None) -> Tensor:
        return self._inplace_result("cumprod_", lambda x: SC.cumprod(x, dim, dtype=dtype))


    # -- [shape] shape, views, indexing, gather/scatter -------------------------------------
    def t(self) -> Tensor:
        return S.t(self)

    def swapdims(self, dim0: int, dim1: int) -> Tensor:
        return S.transpose(self, dim0, dim1)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        return S.movedim(self, source, destination)

    moveaxis = movedim

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        return S.unflatten(self, dim, sizes)

    def ravel(self) -> Tensor:
        return S.ravel(self)

    def expand(self, *sizes: Any) -> Tensor:
        return S.expand(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        return S.expand_as(self, other)

    def view_as(self, other: Tensor) -> Tensor:
        return S.view_as(self, other)

    def reshape_as(self, other: Tensor) -> Tensor:
        return S.reshape_as(self, other)

    def contiguous(self, memory_format: Any = None) -> Tensor:
        return S.contiguous(self, memory_format=memory_format)

    def is_contiguous(self, memory_format: Any = None) -> bool:
        if memory_format is None:
            return bool(self.data.flags.c_contiguous)
        if not isinstance(memory_format, _MemoryFormat):
            _check_memory_format(memory_format, self.ndim, "is_contiguous")  # (raises)
        return _is_contiguous_as(self.data, memory_format)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return S.chunk(self, chunks, dim)

    def tensor_split(self, indices_or_sections: Any = None, dim: int = 0, *,
                     sections: Any = None, indices: Any = None) -> tuple[Tensor, ...]:
        return S.tensor_split(self, indices_or_sections, dim, sections=sections,
                              indices=indices)

    def hsplit(self, sections: Any) -> tuple[Tensor, ...]:
        return S.hsplit(self, sections)

    def vsplit(self, sections: Any) -> tuple[Tensor, ...]:
        return S.vsplit(self, sections)

    def dsplit(self, sections: Any) -> tuple[Tensor, ...]:
        return S.dsplit(self, sections)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        return S.unbind(self, dim)

    def narrow(self, dim: int, start: Any, length: int) -> Tensor:
        return S.narrow(self, dim, start, length)

    def narrow_copy(self, dim: int, start: Any, length: int) -> Tensor:
        return E.clone(S.narrow(self, dim, start, length))

    def split_with_sizes(self, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        return S.split(self, list(split_sizes), dim)


    def unsafe_chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return self.chunk(chunks, dim)

    def unsafe_split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return self.split(split_size, dim)

    def unsafe_split_with_sizes(self, split_sizes: Sequence[int], dim: int = 0
                                ) -> tuple[Tensor, ...]:
        return self.split_with_sizes(split_sizes, dim)
    def select(self, dim: int, index: int) -> Tensor:
        return S.select(self, dim, index)

    def unfold(self, dimension: int, size: int, step: int) -> Tensor:
        return S.unfold(self, dimension, size, step)

    def repeat(self, *repeats: Any) -> Tensor:
        return S.repeat(self, *repeats)

    def tile(self, *dims: Any) -> Tensor:
        return S.tile(self, S._sizes(dims, "tile"))

    def repeat_interleave(self, repeats: Any, dim: int | None = None, *,
                          output_size: int | None = None) -> Tensor:
        return S.repeat_interleave(self, repeats, dim, output_size=output_size)

    def flip(self, *dims: Any, **kw: Any) -> Tensor:
        return S.flip(self, *dims, **kw)

    def fliplr(self) -> Tensor:
        return S.fliplr(self)

    def flipud(self) -> Tensor:
        return S.flipud(self)

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        return S.roll(self, shifts, dims)

    def rot90(self, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
        return S.rot90(self, k, dims)

    def tril(self, diagonal: int = 0) -> Tensor:
        return S.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        return S.triu(self, diagonal)

    def diag(self, diagonal: int = 0) -> Tensor:
        return S.diag(self, diagonal)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        return S.diagonal(self, offset, dim1, dim2)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        return S.diag_embed(self, offset, dim1, dim2)

    def diagflat(self, offset: int = 0) -> Tensor:
        return S.diagflat(self, offset)

    def renorm(self, p: Any, dim: int, maxnorm: Any) -> Tensor:
        return R.renorm(self, p, dim, maxnorm)

    def renorm_(self, p: Any, dim: int, maxnorm: Any) -> Tensor:
        return self._inplace_result("renorm_", lambda x: R.renorm(x, p, dim, maxnorm))

    def multinomial(self, num_samples: int, replacement: bool = False, *,
                    generator: Any = None) -> Tensor:
        from .creation import multinomial

        return multinomial(self, num_samples, replacement, generator=generator)

    def is_nonzero(self) -> bool:
        from .creation import is_nonzero

        return is_nonzero(self)

    def isin(self, test_elements: Any, *, assume_unique: bool = False, invert: bool = False
             ) -> Tensor:
        return IX.isin(self, test_elements, assume_unique=assume_unique, invert=invert)

    def gcd(self, other: Any) -> Tensor:
        return E.gcd(self, other)

    def lcm(self, other: Any) -> Tensor:
        return E.lcm(self, other)

    def ldexp(self, other: Any) -> Tensor:
        return E.ldexp(self, other)

    def diff(self, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None
             ) -> Tensor:
        return S.diff(self, n, dim, prepend, append)

    def index_select(self, dim: int, index: Any) -> Tensor:
        return IX.index_select(self, dim, index)

    def gather(self, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
        return IX.gather(self, dim, index)

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None,
                reduce: str | None = None) -> Tensor:
        return IX.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        return IX.scatter_add(self, dim, index, src)

    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str, *,
                       include_self: bool = True) -> Tensor:
        return IX.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
        return IX.index_add(self, dim, index, source, alpha=alpha)

    def index_copy(self, dim: int, index: Any, source: Any) -> Tensor:
        return IX.index_copy(self, dim, index, source)

    def index_fill(self, dim: int, index: Any, value: Any) -> Tensor:
        return IX.index_fill(self, dim, index, value)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        return IX.masked_fill(self, mask, value)

    def masked_scatter(self, mask: Any, source: Any) -> Tensor:
        return IX.masked_scatter(self, mask, source)

    def masked_select(self, mask: Any) -> Tensor:
        return IX.masked_select(self, mask)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        return IX.nonzero(self, as_tuple=as_tuple)

    def argwhere(self) -> Tensor:
        return IX.argwhere(self)

    def take(self, index: Any) -> Tensor:
        return IX.take(self, index)

    def take_along_dim(self, indices: Any, dim: int | None = None) -> Tensor:
        return IX.take_along_dim(self, indices, dim)

    # in place: the out-of-place op's result copied into self (no graph, as every in-place
    # op here), or for the shape ones a new view of the same memory
    def scatter_(self, dim: int, index: Any, src: Any = None, *, value: Any = None,
                 reduce: str | None = None) -> Tensor:
        return self._inplace_result("scatter_", lambda x: IX.scatter(
            x, dim, index, src, value=value, reduce=reduce))

    def scatter_add_(self, dim: int, index: Any, src: Any) -> Tensor:
        return self._inplace_result("scatter_add_", IX.scatter_add, dim, index, src)

    def scatter_reduce_(self, dim: int, index: Any, src: Any, reduce: str, *,
                        include_self: bool = True) -> Tensor:
        return self._inplace_result("scatter_reduce_", lambda x: IX.scatter_reduce(
            x, dim, index, src, reduce, include_self=include_self))

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
        return self._inplace_result("index_add_", lambda x: IX.index_add(
            x, dim, index, source, alpha=alpha))

    def index_copy_(self, dim: int, index: Any, source: Any) -> Tensor:
        return self._inplace_result("index_copy_", IX.index_copy, dim, index, source)

    def masked_scatter_(self, mask: Any, source: Any) -> Tensor:
        return self._inplace_result("masked_scatter_", IX.masked_scatter, mask, source)

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        return IX.index_put(self, indices, values, accumulate)

    def put(self, index: Any, source: Any, accumulate: bool = False) -> Tensor:
        """put_ out of place: self seen as 1-D with source written (or added) at index;
        differentiable in self and source."""
        idx = index if isinstance(index, Tensor) else Tensor(np.asarray(index))
        if idx.data.dtype.kind not in "iu":
            raise TypeError(f"put: index must be an integer (int64) tensor, got {idx.dtype}")
        src = source if isinstance(source, Tensor) else Tensor(np.asarray(source))
        if src.data.size != idx.data.size:
            raise ShapeError(f"put: source and index must have the same number of elements, "
                             f"got {src.data.size} and {idx.data.size}")
        flat = IX.index_put(S.reshape(self, (-1,)), (S.reshape(idx, (-1,)),),
                            S.reshape(src, (-1,)), accumulate)
        return S.reshape(flat, self.shape)

    def index_put_(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        return self._inplace_result("index_put_", IX.index_put, indices, values, accumulate)

    def _inplace_view(self, what: str, view: Tensor) -> Tensor:
        self._inplace(what)
        self.data = view.data
        return self

    def unsqueeze_(self, dim: int) -> Tensor:
        return self._inplace_view("unsqueeze_", S.unsqueeze(Tensor._make(self.data), dim))

    def squeeze_(self, dim: Any = None) -> Tensor:
        return self._inplace_view("squeeze_", S.squeeze(Tensor._make(self.data), dim))

    def t_(self) -> Tensor:
        return self._inplace_view("t_", S.t(Tensor._make(self.data)))

    def transpose_(self, dim0: int, dim1: int) -> Tensor:
        return self._inplace_view("transpose_", S.transpose(Tensor._make(self.data), dim0, dim1))

    swapdims_ = swapaxes_ = transpose_


    # -- [linalg+misc] linear algebra, size()/dim()/numel(), in-place methods, new_* --------
    def matmul(self, other: Any) -> Tensor:
        return L.matmul(self, other)

    def mm(self, mat2: Any) -> Tensor:
        return L.mm(self, mat2)

    def bmm(self, mat2: Any) -> Tensor:
        return L.bmm(self, mat2)

    def mv(self, vec: Any) -> Tensor:
        return L.mv(self, vec)

    def dot(self, other: Any) -> Tensor:
        return L.dot(self, other)

    def vdot(self, other: Any) -> Tensor:
        return L.vdot(self, other)

    def inner(self, other: Any) -> Tensor:
        return L.inner(self, other)

    def outer(self, vec2: Any) -> Tensor:
        return L.outer(self, vec2)

    ger = outer

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return L.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmv(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return L.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return L.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def addbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return L.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return L.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addmm_(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return self._inplace_result("addmm_", lambda x: L.addmm(x, mat1, mat2, beta=beta,
                                                                alpha=alpha))

    def addmv_(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return self._inplace_result("addmv_", lambda x: L.addmv(x, mat, vec, beta=beta,
                                                                alpha=alpha))

    def addr_(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return self._inplace_result("addr_", lambda x: L.addr(x, vec1, vec2, beta=beta,
                                                              alpha=alpha))

    def addbmm_(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return self._inplace_result("addbmm_", lambda x: L.addbmm(x, batch1, batch2, beta=beta,
                                                                  alpha=alpha))

    def baddbmm_(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return self._inplace_result("baddbmm_", lambda x: L.baddbmm(
            x, batch1, batch2, beta=beta, alpha=alpha))

    def trace(self) -> Tensor:
        return L.trace(self)

    def kron(self, other: Any) -> Tensor:
        return L.kron(self, other)

    def inverse(self) -> Tensor:
        return L.inverse(self)

    def det(self) -> Tensor:
        return L.det(self)

    def logdet(self) -> Tensor:
        return L.logdet(self)

    def slogdet(self) -> Any:
        return L.slogdet(self)

    def matrix_power(self, n: int) -> Tensor:
        return L.matrix_power(self, n)

    def cross(self, other: Any, dim: int | None = None) -> Tensor:
        return L.cross(self, other, dim)

    def dist(self, other: Any, p: builtins.float = 2) -> Tensor:
        return L.dist(self, other, p)

    def svd(self, some: bool = True, compute_uv: bool = True) -> Any:
        return L.svd(self, some, compute_uv)

    def pinverse(self, rcond: builtins.float = 1e-15) -> Tensor:
        return L.pinverse(self, rcond)

    def cholesky(self, upper: bool = False) -> Tensor:
        return L.cholesky_top(self, upper)

    def cholesky_solve(self, input2: Tensor, upper: bool = False) -> Tensor:
        return L.cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper: bool = False) -> Tensor:
        return L.cholesky_inverse(self, upper)

    def qr(self, some: bool = True) -> Any:
        return L.qr_top(self, some)

    def lu(self, pivot: bool = True, get_infos: bool = False) -> Any:
        return L.lu(self, pivot, get_infos)

    def lu_solve(self, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
        return L.lu_solve(self, LU_data, LU_pivots)

    def matrix_exp(self) -> Tensor:
        return L.matrix_exp(self)

    def triangular_solve(self, A: Tensor, upper: bool = True, transpose: bool = False,
                         unitriangular: bool = False) -> Any:
        return L.triangular_solve(self, A, upper, transpose, unitriangular)

    # -- index_reduce, the *_scatter family, histogram, frexp, igamma, mvlgamma ------------
    def index_reduce(self, dim: int, index: Any, source: Any, reduce: str, *,
                     include_self: bool = True) -> Tensor:
        return IX.index_reduce(self, dim, index, source, reduce, include_self=include_self)

    def index_reduce_(self, dim: int, index: Any, source: Any, reduce: str, *,
                      include_self: bool = True) -> Tensor:
        return self._inplace_result("index_reduce_", lambda x: IX.index_reduce(
            x, dim, index, source, reduce, include_self=include_self))

    def select_scatter(self, src: Tensor, dim: int, index: int) -> Tensor:
        return IX.select_scatter(self, src, dim, index)

    def slice_scatter(self, src: Tensor, dim: int = 0, start: Any = None, end: Any = None,
                      step: int = 1) -> Tensor:
        return IX.slice_scatter(self, src, dim, start, end, step)

    def diagonal_scatter(self, src: Tensor, offset: int = 0, dim1: int = 0,
                         dim2: int = 1) -> Tensor:
        return IX.diagonal_scatter(self, src, offset, dim1, dim2)

    def histogram(self, bins: Any = 100, *, range: Any = None, weight: Any = None,
                  density: bool = False) -> Any:
        return SC.histogram(self, bins, range=range, weight=weight, density=density)

    def frexp(self) -> Any:
        return E.frexp(self)

    def igamma(self, other: Any) -> Tensor:
        return E.igamma(self, other)

    def igammac(self, other: Any) -> Tensor:
        return E.igammac(self, other)

    igamma_, igammac_ = _inplace_op("igamma"), _inplace_op("igammac")

    def mvlgamma(self, p: int) -> Tensor:
        return E.mvlgamma(self, p)

    def mvlgamma_(self, p: int) -> Tensor:
        return self._inplace_result("mvlgamma_", lambda x: E.mvlgamma(x, p))

    def dim(self) -> int:
        return self.data.ndim

    ndimension = dim

    def numel(self) -> int:
        return self.data.size

    nelement = numel

    def element_size(self) -> int:
        return self.data.itemsize

    def is_floating_point(self) -> bool:
        return self.data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def is_same_size(self, other: Tensor) -> bool:
        return self.shape == other.shape

    def get_device(self) -> int:
        return -1  # the CPU, as torch numbers it

    @property
    def is_cpu(self) -> bool:
        return True

    @property
    def retains_grad(self) -> bool:
        """True on a non-leaf after retain_grad(), as torch."""
        return bool(self._retain) and self._ctx is not None

    def is_signed(self) -> bool:
        return self.data.dtype.kind in "fi"

    def stride(self, dim: int | None = None) -> Any:
        """Steps between elements along each dim, in elements (not bytes), as torch."""
        st = tuple(s // self.data.itemsize for s in self.data.strides)
        if dim is None:
            return st
        self.size(dim)  # checks dim (an IndexError naming it)
        return st[dim]

    def int(self) -> Tensor:
        return self.to(np.int32)

    def type_as(self, other: Tensor) -> Tensor:
        """self converted to other's dtype (self itself when it already has it)."""
        return self.to(other.dtype)

    def short(self) -> Tensor:
        return self.to(np.int16)

    def char(self) -> Tensor:
        return self.to(np.int8)

    def byte(self) -> Tensor:
        return self.to(np.uint8)

    def bool(self) -> Tensor:
        return self.to(np.bool_)

    def half(self) -> Tensor:
        raise TypeError("half: float16 is not supported (numbagrad computes in float32 or "
                        "float64; use .float())")

    bfloat16 = half

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        raise RuntimeError("cuda: numbagrad runs on the CPU only")

    def to(self, *args: Any, dtype: Any = None, device: Any = None, copy: builtins.bool = False,
           non_blocking: builtins.bool = False) -> Tensor:
        """``to(dtype)``, ``to("cpu")``, ``to(device, dtype)``, ``to(other)`` (other's dtype);
        returns self when nothing changes (unless copy=True). Only the CPU exists here."""
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, str) and a.split(":")[0] in _DEVICE_NAMES:
                device = a
            elif a is not None:
                dtype = a
        if device is not None:
            _device_check(device)
        dt = _as_dtype(dtype)
        if dt is None or dt == self.data.dtype:
            return self.clone() if copy else self
        return self.astype(dt)

    def type(self, dtype: Any = None, non_blocking: builtins.bool = False) -> Any:
        """With no argument torch's type name ('torch.FloatTensor'); else ``to(dtype)``."""
        if dtype is None:
            return f"torch.{_TYPE_NAMES.get(self.data.dtype.name, 'Tensor')}"
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            names = {v: k for k, v in _TYPE_NAMES.items()}
            key = dtype.rsplit(".", 1)[-1]
            if key not in names:
                raise TypeError(f"type: unknown tensor type {dtype!r}")
            dtype = names[key]
        return self.to(dtype)

    def new_tensor(self, data: Any, dtype: Any = None, requires_grad: builtins.bool = False,
                   **kw: Any) -> Tensor:
        """A copy of data as a tensor, of self's dtype unless dtype is given."""
        from .creation import tensor

        return tensor(data, dtype=self.dtype if dtype is None else dtype,
                      requires_grad=requires_grad, **kw)

    def new_zeros(self, *size: Any, dtype: Any = None, requires_grad: builtins.bool = False,
                  **kw: Any) -> Tensor:
        from .creation import zeros

        return zeros(*size, dtype=self.dtype if dtype is None else dtype,
                     requires_grad=requires_grad, **kw)

    def new_ones(self, *size: Any, dtype: Any = None, requires_grad: builtins.bool = False,
                 **kw: Any) -> Tensor:
        from .creation import ones

        return ones(*size, dtype=self.dtype if dtype is None else dtype,
                    requires_grad=requires_grad, **kw)

    def new_empty(self, *size: Any, dtype: Any = None, requires_grad: builtins.bool = False,
                  **kw: Any) -> Tensor:
        from .creation import empty

        return empty(*size, dtype=self.dtype if dtype is None else dtype,
                     requires_grad=requires_grad, **kw)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None,
                 requires_grad: builtins.bool = False, **kw: Any) -> Tensor:
        from .creation import full

        return full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                    requires_grad=requires_grad, **kw)

    def __dlpack__(self, **kwargs: Any) -> Any:
        """DLPack capsule of this tensor's memory (numpy's), for ``torch.from_dlpack(t)``;
        like PyTorch, a tensor that requires grad must be detached first."""
        if self.requires_grad:
            raise BufferError("Can't export tensors that require gradient, use "
                              "tensor.detach()")
        return self.data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[builtins.int, builtins.int]:
        return self.data.__dlpack_device__()

    # -- [engine] hooks and autograd helpers ------------------------------------------------
    def register_hook(self, hook: Any) -> engine.RemovableHandle:
        """Call ``hook(grad)`` whenever backward computes this tensor's gradient; a returned
        Tensor replaces the gradient. Returns a handle whose ``remove()`` unregisters it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that does "
                               "not require grad")
        if not callable(hook):
            raise TypeError(f"register_hook: expected a callable, got {type(hook).__name__}")
        hooks = getattr(self, "_hooks", None)
        if hooks is None:
            hooks = self._hooks = {}
        handle = engine.RemovableHandle(hooks)
        hooks[handle.id] = hook
        engine._hooks_used = True
        return handle


def _index(index: Any) -> Any:
    """Turn Tensors inside an index into ndarrays; refuse negative slice steps (PyTorch does)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list) and 0 < len(index) < 32 and any(
            i is None or i is Ellipsis or isinstance(i, (slice, Tensor, list, tuple, np.ndarray))
            for i in index):
        # PyTorch's reading (numpy's before 1.23): a list holding a tensor, slice, None, ...
        # or a sequence is a tuple of indices, x[[rows, cols]] == x[rows, cols]
        index = tuple(index)
    if isinstance(index, tuple):
        # a 0-d integer tensor among several indices selects like an int, as in torch (numpy
        # would count it as an index array, moving the array dims to the front)
        out = tuple((int(i.data) if i.data.ndim == 0 and i.data.dtype.kind in "iu" else i.data)
                    if isinstance(i, Tensor) else i for i in index)
        for i in out:
            if isinstance(i, slice) and i.step is not None and i.step <= 0:
                raise ValueError(f"index: slice step must be greater than zero, got {i.step}"
                                 " (use flip() to reverse)")
        return out
    if isinstance(index, slice) and index.step is not None and index.step <= 0:
        raise ValueError(f"index: slice step must be greater than zero, got {index.step} "
                         "(use flip() to reverse)")
    return index


engine._Tensor = Tensor  # the engine's isinstance checks, without an import per backward call

# the op modules import Tensor, so they are bound after the class exists
from .ops import elementwise as E  # noqa: E402
from .ops import index as IX  # noqa: E402
from .ops import linalg as L  # noqa: E402
from .ops import reduce as R  # noqa: E402
from .ops import scan as SC  # noqa: E402
from .ops import shape as S  # noqa: E402
