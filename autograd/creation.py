"""Tensor factories, the dtype names, and the library-wide random number generator.

The factories behave as PyTorch's: ``tensor`` copies its data (``as_tensor`` and
``from_numpy`` share memory), the dtype is inferred as torch infers it (Python floats give
float32, ints int64, bools bool: ``full((2, 2), 4)`` is int64, ``arange(0, 1, 0.25)``
float32), sizes are given as ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``.
Tensors are always on the CPU; ``device="cpu"`` is accepted, any other device refused.
"""

from __future__ import annotations

import builtins as _b
import math
from typing import Any

import numpy as np

from . import tensor as _tensor_mod
from .tensor import (
    ShapeError,
    Size,
    Tensor,
    _as_dtype,
    _check_memory_format,
    _device_check,
    _empty_in_format,
    _to_array,
    channels_last,
    channels_last_3d,
    contiguous_format,
    device,
    memory_format,
    preserve_format,
    set_printoptions,
)

__all__ = ["Generator", "Size", "arange", "as_tensor", "asarray", "bartlett_window", "bernoulli",
           "blackman_window", "bool", "channels_last", "channels_last_3d", "contiguous_format",
           "device", "double", "empty", "empty_like", "eye", "finfo", "float", "float16",
           "float32", "float64", "from_numpy", "full", "full_like", "get_default_dtype",
           "get_rng_state", "half", "hamming_window", "hann_window", "iinfo", "initial_seed",
           "int", "int16", "int32", "int64", "int8", "is_floating_point", "is_nonzero",
           "is_tensor", "kaiser_window", "linspace", "logspace", "long", "manual_seed",
           "memory_format", "multinomial", "normal", "numel", "ones", "ones_like", "poisson",
           "preserve_format", "rand", "rand_like", "randint", "randint_like", "randn",
           "randn_like", "randperm", "range", "rng", "scalar_tensor", "seed", "set_default_dtype",
           "set_printoptions", "set_rng_state", "short", "tensor", "tril_indices", "triu_indices",
           "uint8", "zeros", "zeros_like"]

# PyTorch's dtype names, as numpy dtype objects: ``x.dtype == autograd.float32`` and, as in
# torch, ``x.dtype is autograd.float32`` hold (numpy keeps one dtype object per builtin type).
# float16 exists so that code naming it gets a clear "not supported" instead of a NameError.
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int8, int16, int32, int64, uint8 = (np.dtype(t) for t in (np.int8, np.int16, np.int32,
                                                            np.int64, np.uint8))
bool = np.dtype(np.bool_)  # noqa: A001 - torch.bool
float = float32  # noqa: A001 - torch.float is float32
double = float64
half = float16
int = int32  # noqa: A001 - torch.int is int32
long = int64
short = int16

_INTS = (_b.int, np.integer)
_NUMBER = (_b.int, _b.float, _b.bool, np.number, np.bool_)

# made on first use: importing numpy.random costs ~10 ms of a ~70 ms `import autograd`
_rng: Any = None
_initial_seed: Any = None


def _check_seed(seed: Any, who: str) -> _b.int:
    if isinstance(seed, _b.bool) or not isinstance(seed, _INTS) or seed < 0:
        raise ValueError(f"{who}: expected a non-negative int, got {seed!r}")
    return _b.int(seed)


def _fresh_seed() -> _b.int:
    """A nondeterministic 63-bit seed (what torch.seed() draws)."""
    import os

    return _b.int.from_bytes(os.urandom(8), "little") >> 1


def manual_seed(seed: Any) -> None:
    """Seed every random draw in numbagrad (init, dropout, rand/randn, shuffling)."""
    global _rng, _initial_seed
    _initial_seed = _check_seed(seed, "manual_seed")
    _rng = np.random.default_rng(_initial_seed)


def rng() -> np.random.Generator:
    """The generator behind all of numbagrad's randomness."""
    global _rng, _initial_seed
    if _rng is None:
        _initial_seed = _fresh_seed()
        _rng = np.random.default_rng(_initial_seed)
    return _rng


def seed() -> _b.int:
    """Reseed the global generator from a nondeterministic source; returns the seed."""
    s = _fresh_seed()
    manual_seed(s)
    return s


def initial_seed() -> _b.int:
    """The seed the global generator was last seeded with."""
    rng()
    return _initial_seed


def _copy_state(state: Any) -> Any:
    import copy

    return copy.deepcopy(state)


def _set_state(g: np.random.Generator, state: Any, who: str) -> None:
    if not isinstance(state, dict) or "bit_generator" not in state:
        raise TypeError(f"{who}: expected a state returned by get_rng_state()/get_state() (a "
                        f"dict of the numpy bit generator's state), got {type(state).__name__}")
    if state["bit_generator"] != type(g.bit_generator).__name__:
        raise ValueError(f"{who}: the state is of a {state['bit_generator']} bit generator, "
                         f"this generator uses {type(g.bit_generator).__name__}")
    g.bit_generator.state = _copy_state(state)


def get_rng_state() -> dict:
    """A copy of the global generator's state (give it to set_rng_state to replay draws)."""
    return _copy_state(rng().bit_generator.state)


def set_rng_state(new_state: Any) -> None:
    """Restore the global generator's state from get_rng_state()."""
    _set_state(rng(), new_state, "set_rng_state")


class Generator:
    """torch.Generator: a random number generator of its own (a numpy Generator inside, as
    ``.np_generator``) for the ``generator=`` argument of the drawing functions."""

    def __init__(self, device: Any = "cpu") -> None:
        _device_check(device)
        self.device = "cpu"
        self._seed = _fresh_seed()
        self.np_generator = np.random.default_rng(self._seed)

    def manual_seed(self, seed: Any) -> Generator:
        self._seed = _check_seed(seed, "Generator.manual_seed")
        self.np_generator = np.random.default_rng(self._seed)
        return self

    def seed(self) -> _b.int:
        self.manual_seed(_fresh_seed())
        return self._seed

    def initial_seed(self) -> _b.int:
        return self._seed

    def get_state(self) -> dict:
        return _copy_state(self.np_generator.bit_generator.state)

    def set_state(self, new_state: Any) -> Generator:
        _set_state(self.np_generator, new_state, "Generator.set_state")
        return self

    def __repr__(self) -> str:
        return f"<autograd.Generator seed={self._seed}>"


def _gen(generator: Any, who: str) -> np.random.Generator:
    """The numpy Generator to draw from: the global one, a Generator's, or a numpy one."""
    if generator is None:
        return rng()
    if isinstance(generator, Generator):
        return generator.np_generator
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"{who}: generator must be an autograd.Generator (or a numpy Generator), "
                    f"got {type(generator).__name__}")


_DEFAULT_FLOAT = np.dtype(np.float32)


def set_default_dtype(d: Any) -> None:
    """The dtype Python floats and the float factories give: float32 or float64."""
    global _DEFAULT_FLOAT
    try:
        dt = np.dtype(d)
    except TypeError:
        dt = None
    if dt not in (np.float32, np.float64):
        raise TypeError(f"set_default_dtype: only float32 and float64 are supported as the "
                        f"default dtype, got {d!r}")
    _DEFAULT_FLOAT = np.dtype(dt)
    _tensor_mod._FLOAT_DEFAULT = _DEFAULT_FLOAT  # Python floats in tensor() / Tensor()
    from .ops import elementwise

    elementwise._F32 = _DEFAULT_FLOAT  # Python floats and int -> float promotion in the ops


def get_default_dtype() -> np.dtype:
    """The dtype Python floats become (float32 unless set_default_dtype changed it)."""
    return _DEFAULT_FLOAT


# ---------------------------------------------------------------------------------------
# argument helpers
# ---------------------------------------------------------------------------------------
def _shape(args: tuple, name: str, size: Any = None) -> tuple[_b.int, ...]:
    """The size of ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(size=(2, 3))``."""
    if size is not None:
        if args:
            raise TypeError(f"{name}: give the size positionally or as size=, not both")
        args = (size,)
    if len(args) == 1 and not isinstance(args[0], _INTS):
        if not isinstance(args[0], (tuple, list)):
            raise TypeError(f"{name}: size must be a tuple of ints, got "
                            f"{type(args[0]).__name__} {args[0]!r}")
        args = tuple(args[0])
    for n in args:
        if isinstance(n, _b.bool) or not isinstance(n, _INTS):
            raise TypeError(f"{name}: size must be a tuple of ints, but {n!r} "
                            f"({type(n).__name__}) in {args!r} is not an int")
        if n < 0:
            raise ShapeError(f"{name}: size must be non-negative ints, got {args!r}")
    return tuple(_b.int(n) for n in args)


def _dtype_or(dtype: Any, default: Any) -> np.dtype:
    dt = _as_dtype(dtype)
    return dt if dt is not None else np.dtype(default)


def _float_dtype(dtype: Any, name: str) -> np.dtype:
    dt = _dtype_or(dtype, _DEFAULT_FLOAT)
    if dt.kind != "f":
        raise RuntimeError(f"{name}: draws floating-point numbers; dtype {dt} is not a "
                           "floating-point dtype")
    return dt


def _scalar_dtype(value: Any) -> np.dtype:
    """The dtype torch infers for a Python number: bool, int64 or the default float."""
    if isinstance(value, Tensor):
        return value.dtype
    if isinstance(value, (_b.bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, _INTS):
        return np.dtype(np.int64)
    if isinstance(value, (_b.float, np.floating)):
        return _DEFAULT_FLOAT
    raise TypeError(f"expected a number, got {type(value).__name__} {value!r}")


def _number(value: Any, what: str, allow_bool: _b.bool = False) -> Any:
    if isinstance(value, Tensor):
        if value.data.size != 1:
            raise ShapeError(f"{what} must be a number or a one-element tensor, got shape "
                             f"{value.shape}")
        return value.data.item()
    if (isinstance(value, _b.bool) and not allow_bool) or not isinstance(value, _NUMBER):
        raise TypeError(f"{what} must be a number, got {type(value).__name__} {value!r}")
    return value


_GradDtypeError = _tensor_mod._GradDtypeError


class _IntOverflowError(OverflowError, RuntimeError):
    """A Python int outside an integer dtype's range: torch raises RuntimeError."""


def _check_fits(value: Any, dt: np.dtype, who: str) -> None:
    """Refuse a Python number that an integer dtype cannot hold, as torch (which lets an
    unsigned dtype take -max..max, negatives wrapping around)."""
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo = -_b.int(info.max) if dt.kind == "u" else _b.int(info.min)
        if not lo <= value <= info.max:
            raise _IntOverflowError(f"{who}: value {value} cannot be converted to {dt} without "
                                    f"overflow (the range it takes is {lo} to {info.max})")


class _BoundsError(ValueError, RuntimeError):
    """randint's low >= high: torch raises RuntimeError (a ValueError too, as before)."""


def _new(arr: np.ndarray, requires_grad: _b.bool, device: Any) -> Tensor:
    if device is not None:
        _device_check(device)
    if requires_grad and arr.dtype.kind != "f":
        raise _GradDtypeError(f"requires_grad: only floating-point tensors can require "
                              f"gradients, this one is {arr.dtype}")
    return Tensor(arr, requires_grad=requires_grad)


# ---------------------------------------------------------------------------------------
# from data
# ---------------------------------------------------------------------------------------
def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: _b.bool = False,
           pin_memory: _b.bool = False) -> Tensor:
    """A new tensor holding a copy of data (a number, nested lists, an ndarray, a Tensor)."""
    src = data.data if isinstance(data, Tensor) else data
    if isinstance(src, (list, tuple, _b.int)) and not isinstance(src, _b.bool):
        dt = _as_dtype(dtype)
        if dt is not None and dt.kind in "iu":
            raw = np.asarray(src)
            if raw.dtype.kind in "iuf" and raw.size and np.isfinite(raw).all():
                _check_fits(raw.min(), dt, "tensor")
                _check_fits(raw.max(), dt, "tensor")
    try:
        arr = _to_array(src, _as_dtype(dtype))
    except TypeError as e:
        if isinstance(src, (list, tuple)) and "inhomogeneous" in str(e):
            raise _RaggedError(f"tensor: the nested lists are ragged (every list at one depth "
                               f"must have the same length): {e}") from None
        raise
    if isinstance(src, np.ndarray) and np.may_share_memory(arr, src):
        arr = arr.copy()
    return _new(arr, requires_grad, device)


class _RaggedError(ValueError, TypeError):
    """Nested lists of unequal lengths: a ValueError as torch raises (and a TypeError, as
    numbagrad's other unconvertible data)."""


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """data as a tensor, sharing memory with it when it already is one (or an ndarray) of
    the wanted dtype; otherwise converted (a copy)."""
    if isinstance(data, Tensor):
        dt = _as_dtype(dtype)
        return data if dt is None or dt == data.dtype else data.to(dt)
    return _new(_to_array(data, _as_dtype(dtype)), False, device)


def asarray(obj: Any, *, dtype: Any = None, device: Any = None, copy: _b.bool | None = None,
            requires_grad: _b.bool = False) -> Tensor:
    """obj as a tensor: sharing memory with a Tensor or ndarray of the wanted dtype unless
    copy=True (copy=False refuses a conversion that would copy); other data is converted."""
    dt = _as_dtype(dtype)
    if isinstance(obj, (Tensor, np.ndarray)):
        arr = obj.data if isinstance(obj, Tensor) else obj
        shares = dt is None or dt == arr.dtype
        if copy is False and not shares:
            raise ValueError(f"asarray: copy=False, but converting {arr.dtype} to {dt} needs "
                             "a copy")
        if shares and not copy:
            out = obj if isinstance(obj, Tensor) else from_numpy(arr)
            return out.requires_grad_(True) if requires_grad else out
    elif copy is False:
        raise ValueError(f"asarray: copy=False, but a {type(obj).__name__} must be copied")
    return tensor(obj, dtype=dt, device=device, requires_grad=requires_grad)


def scalar_tensor(s: Any, *, dtype: Any = None, device: Any = None,
                  requires_grad: _b.bool = False) -> Tensor:
    """A 0-d tensor of the number s, of the default float dtype unless dtype is given."""
    return _new(np.asarray(_number(s, "scalar_tensor: s", allow_bool=True),
                           dtype=_dtype_or(dtype, _DEFAULT_FLOAT)), requires_grad, device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor sharing memory with ``array`` (its dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an ndarray, got {type(array).__name__}")
    return Tensor(array)


# ---------------------------------------------------------------------------------------
# filled
# ---------------------------------------------------------------------------------------
def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: _b.bool = False,
          **kw: Any) -> Tensor:
    shape = _shape(size, "zeros", kw.pop("size", None))
    _no_more(kw, "zeros")
    return _new(np.zeros(shape, _dtype_or(dtype, _DEFAULT_FLOAT)), requires_grad, device)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: _b.bool = False,
         **kw: Any) -> Tensor:
    shape = _shape(size, "ones", kw.pop("size", None))
    _no_more(kw, "ones")
    return _new(np.ones(shape, _dtype_or(dtype, _DEFAULT_FLOAT)), requires_grad, device)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: _b.bool = False,
          **kw: Any) -> Tensor:
    """An uninitialised tensor in PyTorch; here its content is zeros."""
    shape = _shape(size, "empty", kw.pop("size", None))
    _no_more(kw, "empty")
    return _new(np.zeros(shape, _dtype_or(dtype, _DEFAULT_FLOAT)), requires_grad, device)


def full(size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
         requires_grad: _b.bool = False) -> Tensor:
    """A tensor of ``size`` filled with fill_value; the dtype follows the value (bool, int64
    or float32) unless given."""
    shape = _shape((size,), "full")
    value = _number(fill_value, "full: fill_value", True)
    dt = _as_dtype(dtype) or _scalar_dtype(fill_value)
    if isinstance(value, _INTS) and not isinstance(value, _b.bool):
        _check_fits(value, dt, "full")
        if dt.kind in "iu":
            value = np.asarray(value, dtype=np.int64).astype(dt)  # (wraps -1 into uint8)
    return _new(np.full(shape, value, dt), requires_grad, device)


def eye(n: Any, m: Any = None, *, dtype: Any = None, device: Any = None,
        requires_grad: _b.bool = False) -> Tensor:
    """The n x m identity (m = n by default)."""
    for label, v in (("n", n), ("m", m)):
        if v is not None and (isinstance(v, _b.bool) or not isinstance(v, _INTS)):
            raise TypeError(f"eye: {label} must be a non-negative int, got {v!r}")
        if v is not None and v < 0:  # torch: RuntimeError
            raise RuntimeError(f"eye: {label} must be a non-negative int, got {v!r}")
    return _new(np.eye(n, m, dtype=_dtype_or(dtype, _DEFAULT_FLOAT)), requires_grad, device)


def _like(input: Any, name: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}")
    return input


def _like_array(x: Tensor, dtype: Any, memory_format: Any, name: str) -> np.ndarray:
    """An uninitialised array of x's shape, in dtype (x's by default), laid out as
    memory_format says (preserve_format: as x is, as torch's *_like do)."""
    fmt = _check_memory_format(memory_format, x.ndim, name)
    return _empty_in_format(x.data, fmt, _dtype_or(dtype, x.dtype))


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: _b.bool = False, memory_format: Any = None) -> Tensor:
    x = _like(input, "zeros_like")
    out = _like_array(x, dtype, memory_format, "zeros_like")
    out[...] = 0
    return _new(out, requires_grad, device)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None,
              requires_grad: _b.bool = False, memory_format: Any = None) -> Tensor:
    x = _like(input, "ones_like")
    out = _like_array(x, dtype, memory_format, "ones_like")
    out[...] = 1
    return _new(out, requires_grad, device)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: _b.bool = False, memory_format: Any = None) -> Tensor:
    x = _like(input, "empty_like")
    out = _like_array(x, dtype, memory_format, "empty_like")
    out[...] = 0
    return _new(out, requires_grad, device)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: _b.bool = False, memory_format: Any = None) -> Tensor:
    x = _like(input, "full_like")
    value = _number(fill_value, "full_like: fill_value", True)
    out = _like_array(x, dtype, memory_format, "full_like")
    out[...] = value
    return _new(out, requires_grad, device)


# ---------------------------------------------------------------------------------------
# ranges
# ---------------------------------------------------------------------------------------
def arange(start: Any = 0, end: Any = None, step: Any = 1, *, dtype: Any = None,
           device: Any = None, requires_grad: _b.bool = False) -> Tensor:
    """[start, end) in steps of step; ``arange(5)``, ``arange(end=5)``, ``arange(1, 4, 0.5)``.
    int64 when every bound is an int, else float32 (unless dtype is given)."""
    if end is None:
        start, end = 0, start
    start = _number(start, "arange: start")
    end = _number(end, "arange: end")
    step = _number(step, "arange: step")
    if not all(math.isfinite(v) for v in (start, end, step)):
        raise RuntimeError(f"arange: start, end and step must be finite, got ({start}, {end}, "
                           f"{step})")
    if step == 0:
        raise ShapeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise ShapeError(f"arange: the bounds ({start}, {end}) and step {step} are "
                         "inconsistent (the step points away from end)")
    ints = all(isinstance(v, _INTS) for v in (start, end, step))
    dt = _as_dtype(dtype) or (np.dtype(np.int64) if ints else _DEFAULT_FLOAT)
    n = math.ceil((end - start) / step)
    if not ints and dt.kind in "iu":
        # an integer dtype with non-integer bounds: torch truncates start, end and step to
        # ints; int64 counts the elements from the truncated bounds, narrower dtypes from
        # the given ones
        start, end, step = _b.int(start), _b.int(end), _b.int(step)
        if dt == np.int64:
            if step == 0:
                raise ShapeError("arange: step must be nonzero (int64 truncates it to 0)")
            n = (end - start + step - (1 if step > 0 else -1)) // step
        arr = start + np.arange(n, dtype=np.int64) * step
        return _new(arr.astype(dt), requires_grad, device)
    arr = start + np.arange(n, dtype=np.int64 if ints else np.float64) * step
    return _new(arr.astype(dt), requires_grad, device)


def _steps(steps: Any, name: str) -> _b.int:
    if isinstance(steps, _b.bool) or not isinstance(steps, _INTS):
        raise TypeError(f"{name}: steps must be a non-negative int, got {steps!r}")
    if steps < 0:  # torch: RuntimeError
        raise RuntimeError(f"{name}: steps must be a non-negative int, got {steps!r}")
    return _b.int(steps)


def linspace(start: Any, end: Any, steps: Any, *, dtype: Any = None, device: Any = None,
             requires_grad: _b.bool = False) -> Tensor:
    """steps evenly spaced values from start to end, both included (float32 by default)."""
    n = _steps(steps, "linspace")
    arr = np.linspace(_number(start, "linspace: start"), _number(end, "linspace: end"), n)
    return _new(arr.astype(_dtype_or(dtype, _DEFAULT_FLOAT)), requires_grad, device)


def logspace(start: Any, end: Any, steps: Any, base: Any = 10.0, *, dtype: Any = None,
             device: Any = None, requires_grad: _b.bool = False) -> Tensor:
    """base ** linspace(start, end, steps)."""
    n = _steps(steps, "logspace")
    arr = np.logspace(_number(start, "logspace: start"), _number(end, "logspace: end"), n,
                      base=_number(base, "logspace: base"))
    return _new(arr.astype(_dtype_or(dtype, _DEFAULT_FLOAT)), requires_grad, device)


# ---------------------------------------------------------------------------------------
# random
# ---------------------------------------------------------------------------------------
def rand(*size: Any, dtype: Any = None, device: Any = None, requires_grad: _b.bool = False,
         generator: Any = None, **kw: Any) -> Tensor:
    """Uniform on [0, 1)."""
    shape = _shape(size, "rand", kw.pop("size", None))
    _no_more(kw, "rand")
    dt = _float_dtype(dtype, "rand")
    return _new(_gen(generator, "rand").random(shape).astype(dt), requires_grad, device)


def randn(*size: Any, dtype: Any = None, device: Any = None, requires_grad: _b.bool = False,
          generator: Any = None, **kw: Any) -> Tensor:
    """Standard normal."""
    shape = _shape(size, "randn", kw.pop("size", None))
    _no_more(kw, "randn")
    dt = _float_dtype(dtype, "randn")
    return _new(_gen(generator, "randn").standard_normal(shape).astype(dt), requires_grad,
                device)


def _in_layout(t: Tensor, x: Tensor, memory_format: Any, name: str) -> Tensor:
    """t (fresh, C-ordered, of x's shape) moved into the layout memory_format asks."""
    fmt = _check_memory_format(memory_format, x.ndim, name)
    out = _empty_in_format(x.data, fmt, t.data.dtype)
    if out.flags.c_contiguous:
        return t
    out[...] = t.data
    return _new(out, t.requires_grad, None)


def rand_like(input: Tensor, *, dtype: Any = None, device: Any = None,
              requires_grad: _b.bool = False, generator: Any = None,
              memory_format: Any = None) -> Tensor:
    x = _like(input, "rand_like")
    _check_memory_format(memory_format, x.ndim, "rand_like")
    t = rand(x.shape, dtype=x.dtype if dtype is None else dtype,
             requires_grad=requires_grad, device=device, generator=generator)
    return _in_layout(t, x, memory_format, "rand_like")


def randn_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: _b.bool = False, generator: Any = None,
               memory_format: Any = None) -> Tensor:
    x = _like(input, "randn_like")
    _check_memory_format(memory_format, x.ndim, "randn_like")
    t = randn(x.shape, dtype=x.dtype if dtype is None else dtype,
              requires_grad=requires_grad, device=device, generator=generator)
    return _in_layout(t, x, memory_format, "randn_like")


def _draw_ints(low: Any, high: Any, shape: tuple, dt: np.dtype, name: str,
               generator: Any = None) -> np.ndarray:
    low, high = _number(low, f"{name}: low"), _number(high, f"{name}: high")
    if not (isinstance(low, _INTS) and isinstance(high, _INTS)):
        raise TypeError(f"{name}: low and high must be ints, got {low!r} and {high!r}")
    if low >= high:
        raise _BoundsError(f"{name}: low ({low}) must be less than high ({high})")
    return _gen(generator, name).integers(low, high, shape).astype(dt)


def randint(*args: Any, size: Any = None, dtype: Any = None, device: Any = None,
            requires_grad: _b.bool = False, generator: Any = None, **kw: Any) -> Tensor:
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``
    (int64 by default)."""
    low = kw.pop("low", None)
    high = kw.pop("high", None)
    _no_more(kw, "randint")
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    elif args:
        raise TypeError(f"randint: expected (high, size) or (low, high, size), got {args!r}")
    if high is None or size is None:
        raise TypeError("randint: give high and size, as randint(high, size) or "
                        "randint(low, high, size)")
    shape = _shape((size,), "randint")
    dt = _dtype_or(dtype, np.int64)
    return _new(_draw_ints(0 if low is None else low, high, shape, dt, "randint", generator),
                requires_grad, device)


def randint_like(input: Tensor, low: Any = 0, high: Any = None, *, dtype: Any = None,
                 device: Any = None, requires_grad: _b.bool = False,
                 generator: Any = None) -> Tensor:
    """Integers uniform on [low, high) in input's shape (and dtype): ``randint_like(x, high)``
    or ``randint_like(x, low, high)``."""
    x = _like(input, "randint_like")
    if high is None:
        low, high = 0, low
    dt = _dtype_or(dtype, x.dtype)
    return _new(_draw_ints(low, high, x.shape, dt, "randint_like", generator), requires_grad,
                device)


def randperm(n: Any, *, dtype: Any = None, device: Any = None, requires_grad: _b.bool = False,
             generator: Any = None) -> Tensor:
    """A random permutation of 0 .. n-1 (int64)."""
    if isinstance(n, _b.bool) or not isinstance(n, _INTS) or n < 0:
        raise TypeError(f"randperm: n must be a non-negative int, got {n!r}")
    perm = _gen(generator, "randperm").permutation(_b.int(n))
    return _new(perm.astype(_dtype_or(dtype, np.int64)), requires_grad, device)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, dtype: Any = None,
           device: Any = None, requires_grad: _b.bool = False, generator: Any = None
           ) -> Tensor:
    """Normal draws: ``normal(mean, std, size)`` with numbers, or elementwise with tensors
    ``mean``/``std`` (broadcast together; their float dtype kept)."""
    if size is not None:
        shape = _shape((size,), "normal")
        m, s = _number(mean, "normal: mean"), _number(std, "normal: std")
        dt = _float_dtype(dtype, "normal")
    else:
        if not (isinstance(mean, Tensor) or isinstance(std, Tensor)):
            raise TypeError("normal: give size= when mean and std are numbers")
        m = mean.data if isinstance(mean, Tensor) else mean
        s = std.data if isinstance(std, Tensor) else std
        like = mean if isinstance(mean, Tensor) else std
        if like.dtype.kind != "f":
            raise RuntimeError(f"normal: mean and std must be floating-point, got {like.dtype}")
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        dt = _dtype_or(dtype, like.dtype)
    if np.any(np.asarray(s) < 0):
        raise ValueError("normal: std must be >= 0")
    return _new(_gen(generator, "normal").normal(m, s, shape).astype(dt), requires_grad,
                device)


def bernoulli(input: Tensor, p: Any = None, *, generator: Any = None) -> Tensor:
    """0/1 draws with probability ``input`` (elementwise; or the number p), in input's dtype."""
    x = _like(input, "bernoulli")
    if x.dtype.kind != "f":
        raise RuntimeError(f"bernoulli: needs a floating-point tensor, got {x.dtype}")
    prob = x.data if p is None else _number(p, "bernoulli: p")
    if np.any((np.asarray(prob) < 0) | (np.asarray(prob) > 1)):
        raise ValueError("bernoulli: probabilities must be in [0, 1]")
    return Tensor((_gen(generator, "bernoulli").random(x.shape) < prob).astype(x.dtype))


def poisson(input: Tensor, generator: Any = None) -> Tensor:
    """Poisson draws with the rates ``input`` (elementwise), in input's float dtype."""
    x = _like(input, "poisson")
    if x.dtype.kind != "f":
        raise RuntimeError(f"poisson: needs a floating-point tensor of rates, got {x.dtype}")
    if np.any(~(x.data >= 0)):
        raise ValueError("poisson: the rates must be non-negative numbers (no negative or nan "
                         "rate)")
    return Tensor(_gen(generator, "poisson").poisson(x.data).astype(x.dtype))


def multinomial(input: Tensor, num_samples: _b.int, replacement: _b.bool = False, *,
                generator: Any = None) -> Tensor:
    """Category indices drawn with the (unnormalised, non-negative) weights of each row of
    input (1-D: one distribution, 2-D: one per row): num_samples per row, int64. Without
    replacement a category is drawn at most once, so num_samples must not exceed the number
    of categories of nonzero weight."""
    x = _like(input, "multinomial")
    if x.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {x.ndim} dims")
    if x.dtype.kind != "f":
        raise RuntimeError(f"multinomial: expected a floating-point tensor of weights, got "
                           f"{x.dtype}")
    if isinstance(num_samples, _b.bool) or not isinstance(num_samples, _INTS) \
            or num_samples <= 0:
        raise RuntimeError(f"multinomial: num_samples must be a positive int, got "
                           f"{num_samples!r}")
    w = x.data.reshape(-1, x.shape[-1]).astype(np.float64)
    if w.shape[1] == 0:
        raise RuntimeError("multinomial: the distribution has no categories")
    if not replacement and num_samples > w.shape[1]:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) "
                           f"({num_samples} > {w.shape[1]}) samples without replacement")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise RuntimeError("multinomial: probability tensor contains either inf, nan or "
                           "element < 0")
    totals = w.sum(axis=1)
    if np.any(totals <= 0):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                           "probabilities <= 0)")
    if not replacement and np.any((w > 0).sum(axis=1) < num_samples):
        raise RuntimeError(f"multinomial: invalid multinomial distribution (with "
                           f"replacement=False, not enough non-negative category to sample "
                           f"{num_samples})")
    g = _gen(generator, "multinomial")
    n = _b.int(num_samples)
    out = np.empty((w.shape[0], n), np.int64)
    for r in _b.range(w.shape[0]):
        out[r] = g.choice(w.shape[1], size=n, replace=_b.bool(replacement), p=w[r] / totals[r])
    return Tensor(out.reshape(n) if x.ndim == 1 else out)


def _no_more(kw: dict, name: str) -> None:
    if kw:
        raise TypeError(f"{name}: unexpected keyword argument(s) {sorted(kw)}")


_ = (Size, device)  # re-exported


# ---------------------------------------------------------------------------------------
# facts about a tensor, as functions (torch.numel, torch.is_tensor, torch.is_floating_point)
# ---------------------------------------------------------------------------------------
def numel(input: Tensor) -> _b.int:
    """The number of elements of input."""
    if not isinstance(input, Tensor):
        raise TypeError(f"numel: expected a Tensor, got {type(input).__name__}")
    return input.data.size


def is_nonzero(input: Tensor) -> _b.bool:
    """The truth of a one-element tensor (an error for none or more than one element)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_nonzero: expected a Tensor, got {type(input).__name__}")
    if input.data.size == 0:
        raise RuntimeError("is_nonzero: Boolean value of Tensor with no values is ambiguous")
    if input.data.size > 1:
        raise RuntimeError(f"is_nonzero: Boolean value of Tensor with more than one value is "
                           f"ambiguous (this one has shape {input.shape})")
    return _b.bool(input.data.reshape(()).item())


def is_tensor(obj: Any) -> _b.bool:
    """Is obj a Tensor?"""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> _b.bool:
    """Is input's dtype a floating point one?"""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_floating_point: expected a Tensor, got {type(input).__name__}")
    return input.data.dtype.kind == "f"


def finfo(type: Any = None) -> np.finfo:
    """Machine limits of a float dtype (the default float when omitted): ``.eps``, ``.max``,
    ``.min``, ``.tiny``, ``.bits``, ``.resolution``, as torch.finfo."""
    return np.finfo(_DEFAULT_FLOAT if type is None else _as_dtype(type))


def iinfo(type: Any) -> np.iinfo:
    """Limits of an integer dtype: ``.max``, ``.min``, ``.bits``, as torch.iinfo."""
    return np.iinfo(_as_dtype(type))


def _tri_indices(who: str, rows: Any, col: Any, offset: Any, dtype: Any, upper: _b.bool
                 ) -> Tensor:
    for what, v in (("row", rows), ("col", col), ("offset", offset)):
        if isinstance(v, _b.bool) or not isinstance(v, _INTS):
            raise TypeError(f"{who}: {what} must be an int, got {v!r}")
    if rows < 0 or col < 0:
        raise ShapeError(f"{who}: row and col must be non-negative, got {rows} and {col}")
    dt = _dtype_or(dtype, np.int64)
    if dt.kind not in "iu":
        raise NotImplementedError(f"{who}: dtype must be an integer dtype, got {dt}")
    fn = np.triu_indices if upper else np.tril_indices
    return Tensor(np.stack(fn(rows, offset, col)).astype(dt).reshape(2, -1))


def tril_indices(row: _b.int, col: _b.int, offset: _b.int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The (2, N) coordinates of the lower triangle of a row x col matrix (on and below the
    diagonal shifted by offset), row by row."""
    if device is not None:
        _device_check(device)
    return _tri_indices("tril_indices", row, col, offset, dtype, False)


def triu_indices(row: _b.int, col: _b.int, offset: _b.int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The (2, N) coordinates of the upper triangle of a row x col matrix, row by row."""
    if device is not None:
        _device_check(device)
    return _tri_indices("triu_indices", row, col, offset, dtype, True)


# ---------------------------------------------------------------------------------------
# window functions (torch.hann_window, ...): periodic=True computes window_length + 1 points
# of the symmetric window and drops the last, as torch (and scipy's sym=False)
# ---------------------------------------------------------------------------------------
def _window(name: str, window_length: Any, periodic: _b.bool, dtype: Any, requires_grad: Any,
            device: Any, fn: Any) -> Tensor:
    if isinstance(window_length, _b.bool) or not isinstance(window_length, (_b.int,
                                                                           np.integer)):
        raise TypeError(f"{name}(): argument 'window_length' must be int, not "
                        f"{type(window_length).__name__}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={window_length}")
    dt = _dtype_or(dtype, _DEFAULT_FLOAT)
    if dt.kind != "f":
        raise RuntimeError(f"{name} expects floating point dtypes, got {dt}")
    n = _b.int(window_length)
    if n <= 1:
        return _new(np.ones(n, dtype=dt), requires_grad, device)
    m = n + 1 if periodic else n
    k = np.arange(m, dtype=np.float64)
    arr = np.asarray(fn(k, m - 1), dtype=np.float64)[:n]
    return _new(arr.astype(dt), requires_grad, device)


def hann_window(window_length: Any, periodic: _b.bool = True, *, dtype: Any = None,
                device: Any = None, requires_grad: _b.bool = False, **kw: Any) -> Tensor:
    """The Hann window 0.5 - 0.5 cos(2 pi k / (N - 1))."""
    return _window("hann_window", window_length, periodic, dtype, requires_grad, device,
                   lambda k, d: 0.5 - 0.5 * np.cos(2 * np.pi * k / d))


def hamming_window(window_length: Any, periodic: _b.bool = True, alpha: _b.float = 0.54,
                   beta: _b.float = 0.46, *, dtype: Any = None, device: Any = None,
                   requires_grad: _b.bool = False, **kw: Any) -> Tensor:
    """The (generalised) Hamming window alpha - beta cos(2 pi k / (N - 1))."""
    return _window("hamming_window", window_length, periodic, dtype, requires_grad, device,
                   lambda k, d: alpha - beta * np.cos(2 * np.pi * k / d))


def blackman_window(window_length: Any, periodic: _b.bool = True, *, dtype: Any = None,
                    device: Any = None, requires_grad: _b.bool = False, **kw: Any) -> Tensor:
    """The Blackman window 0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1))."""
    return _window("blackman_window", window_length, periodic, dtype, requires_grad, device,
                   lambda k, d: 0.42 - 0.5 * np.cos(2 * np.pi * k / d)
                   + 0.08 * np.cos(4 * np.pi * k / d))


def bartlett_window(window_length: Any, periodic: _b.bool = True, *, dtype: Any = None,
                    device: Any = None, requires_grad: _b.bool = False, **kw: Any) -> Tensor:
    """The Bartlett (triangular) window 1 - |2 k / (N - 1) - 1|."""
    return _window("bartlett_window", window_length, periodic, dtype, requires_grad, device,
                   lambda k, d: 1.0 - np.abs(2.0 * k / d - 1.0))


def kaiser_window(window_length: Any, periodic: _b.bool = True, beta: _b.float = 12.0, *,
                  dtype: Any = None, device: Any = None, requires_grad: _b.bool = False,
                  **kw: Any) -> Tensor:
    """The Kaiser window I0(beta sqrt(1 - (2 k / (N - 1) - 1)^2)) / I0(beta)."""
    return _window("kaiser_window", window_length, periodic, dtype, requires_grad, device,
                   lambda k, d: np.i0(beta * np.sqrt(np.clip(1.0 - (2.0 * k / d - 1.0) ** 2,
                                                             0.0, None))) / np.i0(beta))


def range(start: Any = 0, end: Any = None, step: Any = 1, *, dtype: Any = None,
          device: Any = None, requires_grad: _b.bool = False) -> Tensor:
    """torch.range (deprecated there for arange): start, start + step, ... up to and
    including end, in the default float dtype unless dtype is given."""
    if end is None:
        raise TypeError("range() missing 1 required positional argument: 'end' (torch.range "
                        "takes start and end; arange(end) counts from 0)")
    lo, hi, st = (_number(start, "range: start"), _number(end, "range: end"),
                  _number(step, "range: step"))
    if st == 0:
        raise RuntimeError("range: step must be nonzero")
    if (hi - lo) * st < 0:
        raise RuntimeError(f"range: upper bound and lower bound inconsistent with step sign "
                           f"(start={lo}, end={hi}, step={st})")
    n = _b.int(np.floor((hi - lo) / st)) + 1
    arr = lo + st * np.arange(n, dtype=np.float64)
    return _new(arr.astype(_dtype_or(dtype, _DEFAULT_FLOAT)), requires_grad, device)
