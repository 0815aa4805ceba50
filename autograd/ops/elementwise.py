"""Elementwise ops: type promotion, arithmetic, activations, comparisons, bitwise, where.

Each op's forward and backward sit side by side. Binary ops broadcast like numpy and their
backward sums the gradient back to each input's shape (``unbroadcast``). Operands of
different dtypes are promoted as PyTorch does (``result_dtype``): bool < int < float, and a
Python number or a 0-d tensor never widens a dimensioned tensor of its category. Activation
backwards take the fused kernel when no graph is being built (plain ``backward()``) and the
differentiable formula ``g * act_grad(...)`` under ``create_graph=True``. The rest of the
math functions (trigonometry, rounding, erf, ...) are in ``ops/math.py``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import kernels as K
from ..function import Function, is_grad_enabled
from ..tensor import (
    ShapeError,
    Tensor,
    _check_memory_format,
    _copy_in_format,
    preserve_format,
)

# the public functions (autograd re-exports these; helpers and Function classes stay here)
__all__ = ["abs", "absolute", "add", "bitwise_and", "bitwise_left_shift", "bitwise_not",
           "bitwise_or", "bitwise_right_shift", "bitwise_xor", "can_cast", "clamp", "clamp_max",
           "clamp_min", "clip", "clone", "div", "divide", "eq", "erf", "exp", "floor_divide",
           "fmod", "ge", "gelu", "greater", "greater_equal", "gt", "le", "leaky_relu", "less",
           "less_equal", "log", "logical_and", "logical_not", "logical_or", "logical_xor", "lt",
           "maximum", "minimum", "mul", "multiply", "ne", "neg", "negative", "not_equal",
           "positive", "pow", "promote_types", "relu", "remainder", "result_type", "rsub",
           "sigmoid", "signbit", "sqrt", "step", "sub", "subtract", "tanh", "true_divide", "where"]


def _need_tensors(name: str, **args: Any) -> None:
    """torch's TypeError for a Python number (or anything else) where a Tensor is required:
    ``_need_tensors("atan2", input=a, other=b)`` names the argument and its position."""
    for pos, (arg, value) in enumerate(args.items(), 1):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                            f"{type(value).__name__}")


class NoDerivative(Function):
    """An op torch records (its output requires grad when an input does) but has no
    derivative for: ``forward`` is ``fn`` of the arrays; ``backward`` raises ``error``."""

    saves_inputs = False

    def forward(self, *arrays, fn, name, error):
        self.op, self.error = name, error
        return np.asarray(fn(*arrays))

    def backward(self, g):
        raise self.error(f"the derivative for '{self.op}' is not implemented (as in PyTorch)")


class ZeroDerivative(Function):
    """An op torch records with a zero (None) gradient for each input: ``pass_first``, a
    function of the arrays, passes the upstream gradient to the first input where it is
    true instead (nextafter's convention: where input != other)."""

    saves_inputs = False

    def forward(self, *arrays, fn, pass_first=None):
        self.n = len(arrays)
        self.mask = None if pass_first is None else np.asarray(pass_first(*arrays))
        return np.asarray(fn(*arrays))

    def backward(self, g):
        if self.mask is None:
            return (None,) * self.n
        rest = tuple(_zeros(t) for t in self.inputs[1:])  # torch: zeros, not None
        first = g * _const(self.mask.astype(g.data.dtype))
        return (unbroadcast(first, self.inputs[0].shape),) + rest


def _recorded(fn: Any, inputs: Any, name: str | None = None,
              error: type[Exception] = RuntimeError, pass_first: Any = None) -> Tensor:
    """``fn`` of the inputs' arrays as an op on the graph: with ``name``, one whose backward
    raises (torch's "derivative ... is not implemented"), without, one of zero gradient."""
    inputs = tuple(inputs)
    if name is not None:
        return NoDerivative.apply(*inputs, fn=fn, name=name, error=error)
    return ZeroDerivative.apply(*inputs, fn=fn, pass_first=pass_first)


# ---------------------------------------------------------------------------------------
# type promotion (PyTorch's rules)
# ---------------------------------------------------------------------------------------
_BOOL = np.dtype(np.bool_)
_I64 = np.dtype(np.int64)
_F32 = np.dtype(np.float32)  # the default float (autograd.set_default_dtype rebinds it)
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _scalar_dtype(x: Any) -> np.dtype | None:
    """The dtype PyTorch gives a Python (or numpy) number: bool, int64 or the default float."""
    c = x.__class__
    if c is float:
        return _F32
    if c is int:
        return _I64
    if c is bool or c is np.bool_:
        return _BOOL
    if isinstance(x, np.generic):
        kind = x.dtype.kind
        return _F32 if kind == "f" else _I64 if kind in "iu" else _BOOL if kind == "b" else None
    if isinstance(x, bool):
        return _BOOL
    if isinstance(x, int):
        return _I64
    if isinstance(x, float):
        return _F32
    return None


def _promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """torch.promote_types: the higher category wins whole; within one, the wider type."""
    if a == b:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b
    dt = np.promote_types(a, b)
    return _I64 if dt.kind == "f" and ca == 1 else dt  # uint64 with int64: numpy says float


def _combine(hi: np.dtype | None, lo: np.dtype | None) -> np.dtype | None:
    """Merge a higher-priority group's dtype with a lower one's (only a higher category of
    the lower group can change the result)."""
    if hi is None:
        return lo
    if lo is None or hi.kind == "f":
        return hi
    if hi.kind == "b" or lo.kind == "f":
        return _promote(hi, lo)
    return hi


def result_dtype(*operands: Any) -> np.dtype:
    """The dtype of an elementwise op over ``operands``, as torch.result_type.

    Dimensioned tensors decide; 0-d tensors, then Python numbers (bool, int64, float32)
    count only when they are of a higher category (bool < int < float).
    """
    dim = zero = wrapped = None
    for x in operands:
        if isinstance(x, (Tensor, np.ndarray)):
            arr = x.data if isinstance(x, Tensor) else x
            if arr.ndim:
                dim = arr.dtype if dim is None else _promote(dim, arr.dtype)
            else:
                zero = arr.dtype if zero is None else _promote(zero, arr.dtype)
            continue
        dt = _scalar_dtype(x)
        if dt is None:
            arr = Tensor(x).data
            dim = arr.dtype if dim is None else _promote(dim, arr.dtype)
        else:
            wrapped = dt if wrapped is None else _promote(wrapped, dt)
    out = _combine(dim, _combine(zero, wrapped))
    if out is None:
        raise TypeError("result_type: needs at least one operand")
    return out


class DtypeError(NotImplementedError, TypeError):
    """An op that is not implemented for a dtype (an int tensor to ``frac``, floats to ``&``):
    PyTorch raises NotImplementedError (a RuntimeError); it is a TypeError too."""


def can_cast(from_: Any, to: Any) -> bool:
    """torch.can_cast: whether an in-place op may write a ``from_`` result into a ``to`` tensor
    (never float into an integer, nor a number into bool; any width within a category)."""
    return _CATEGORY[np.dtype(from_).kind] <= _CATEGORY[np.dtype(to).kind]


def result_type(tensor: Any, other: Any) -> np.dtype:
    """torch.result_type: the dtype an arithmetic op on the two would give."""
    return result_dtype(tensor, other)


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """torch.promote_types on dtypes (no scalar or 0-d rules)."""
    return _promote(np.dtype(type1), np.dtype(type2))


def lift(x: Any, like: Tensor | None = None) -> Tensor:
    """A Tensor for x. A Python number takes ``like``'s dtype unless it is of a higher
    category (a float with an int tensor gives float32, an int with a bool tensor int64)."""
    if isinstance(x, Tensor):
        return x
    dt = _scalar_dtype(x)
    if dt is None:
        return Tensor(x)
    if like is not None:
        ldt = like.data.dtype
        if _CATEGORY[dt.kind] <= _CATEGORY[ldt.kind]:
            dt = ldt
    try:
        return Tensor._make(np.asarray(x, dtype=dt))
    except OverflowError:  # e.g. -1 for a uint8 tensor: wraps around, as in PyTorch
        return Tensor._make(np.asarray(x).astype(dt))


def _cast(t: Tensor, dtype: np.dtype) -> Tensor:
    return t if t.data.dtype == dtype else astype(t, dtype)


def _operands(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors of the promoted dtype (one comparison when they agree)."""
    if isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            b = lift(b, a)
    else:
        if not isinstance(b, Tensor):
            b = lift(b)
        a = lift(a, b)
    da, db = a.data.dtype, b.data.dtype
    if da is not db and da != db:
        dt = result_dtype(a, b)
        a, b = _cast(a, dt), _cast(b, dt)
    return a, b


def _float_operands(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands of a float-valued op (true division, atan2, ...): the promoted dtype when
    it is floating, else the default float with each operand converted from its own value (a
    uint8 tensor with -3 computes with -3.0, as PyTorch does, not with the wrapped 253)."""
    x, y = _operands(a, b)
    if x.data.dtype.kind == "f":
        return x, y
    return _to_float(a), _to_float(b)


def _to_float(v: Any) -> Tensor:
    if isinstance(v, Tensor):
        return _cast(v, _F32)
    if _scalar_dtype(v) is None:
        return _cast(Tensor(v), _F32)
    return Tensor._make(np.asarray(v, dtype=_F32))


def _is_bool(v: Any) -> bool:
    """A bool tensor or a Python/numpy bool."""
    c = v.__class__
    return c is bool or c is np.bool_ or (isinstance(v, Tensor) and v.data.dtype == _BOOL)


def _no_bool(name: str, *operands: Any) -> None:
    """Arithmetic PyTorch does not implement when every operand is bool (floor division,
    remainder, fmod, pow)."""
    if all(_is_bool(v) for v in operands):
        raise DtypeError(f"{name}: not implemented for bool tensors (convert one with .long())")


def unbroadcast(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum a broadcast gradient back down to ``shape`` (the inverse of broadcasting)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if g.shape != shape else g


def _broadcast_error(name: str, *shapes: tuple[int, ...]) -> None:
    """Re-raise a ValueError as a named shape mismatch if it was one (checked on the error
    path only: the backends word it differently). A ShapeError is a ValueError and, as
    PyTorch raises, a RuntimeError."""
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        listed = ", ".join(str(s) for s in shapes[:-1]) + f" and {shapes[-1]}"
        raise ShapeError(f"{name}: shapes {listed} cannot broadcast") from None



def broadcasts_to(shape: tuple, target: tuple) -> bool:
    """True when an array of ``shape`` broadcasts to exactly ``target``."""
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False

def _binary(fn: type[Function], a: Any, b: Any, name: str, **params: Any) -> Tensor:
    if not (isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.dtype is b.data.dtype):
        a, b = _operands(a, b)  # (the same-dtype pair of Tensors skips the call: hot path)
    try:
        return fn.apply(a, b, **params)
    except ValueError:
        _broadcast_error(name, a.shape, b.shape)
        raise


def _const(arr: np.ndarray) -> Tensor:
    return Tensor._make(arr)


def _zeros(t: Tensor) -> Tensor:
    return _const(np.zeros(t.shape, dtype=t.dtype))


def _check_int_divisor(b: np.ndarray, name: str) -> None:
    if b.dtype.kind in "iub" and not np.all(b):
        raise RuntimeError(f"{name}: ZeroDivisionError (integer division by zero)")


# ---------------------------------------------------------------------------------------
# arithmetic
# ---------------------------------------------------------------------------------------
class Add(Function):
    saves_inputs = False

    def forward(self, a, b):
        return K.active.add(a, b)

    def backward(self, g):
        a, b = self.inputs
        return unbroadcast(g, a.shape), unbroadcast(g, b.shape)


class Sub(Function):
    saves_inputs = False

    def forward(self, a, b):
        return K.active.sub(a, b)

    def backward(self, g):
        a, b = self.inputs
        return unbroadcast(g, a.shape), unbroadcast(-g, b.shape)


class Mul(Function):
    def forward(self, a, b):
        return K.active.mul(a, b)

    def backward(self, g):
        a, b = self.inputs
        return (unbroadcast(g * b, a.shape) if a.requires_grad else None,
                unbroadcast(g * a, b.shape) if b.requires_grad else None)


class Div(Function):
    def forward(self, a, b):  # (div converts integer operands to the default float first)
        return K.active.div(a, b)

    def backward(self, g):
        a, b = self.inputs
        ga = unbroadcast(g / b, a.shape) if a.requires_grad else None
        gb = unbroadcast(-g * a / (b * b), b.shape) if b.requires_grad else None
        return ga, gb


def _floor_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.floor_divide(a, b)


def _trunc_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "f":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.trunc(np.divide(a, b))
    q = np.floor_divide(a, b)
    return q + ((np.remainder(a, b) != 0) & ((a < 0) != (b < 0))).astype(q.dtype)


class DivRounded(Function):
    """div(a, b, rounding_mode='trunc' | 'floor'): piecewise constant, so zero gradients."""

    saves_inputs = False

    def forward(self, a, b, mode, who):
        _check_int_divisor(b, who)
        self.who = who
        if a.dtype == _BOOL:
            a, b = a.astype(_I64), b.astype(_I64)
        return _floor_div(a, b) if mode == "floor" else _trunc_div(a, b)

    def backward(self, g):
        if self.who == "floor_divide":  # torch.div(rounding_mode=...) has zeros, // none
            raise RuntimeError("derivative for floor_divide is not implemented (as in "
                               "PyTorch; div(a, b, rounding_mode='floor') has zero gradients)")
        a, b = self.inputs
        return _zeros(a), _zeros(b)


class Remainder(Function):
    """a - floor(a / b) * b (the sign of b, Python's %): d/db = -floor(a / b)."""

    def forward(self, a, b):
        _check_int_divisor(b, "remainder")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.remainder(a, b)

    def backward(self, g):
        a, b = self.inputs
        gb = None
        if b.requires_grad:
            gb = unbroadcast(-g * _const(_floor_div(a.data, b.data)), b.shape)
        return unbroadcast(g, a.shape), gb


class Fmod(Function):
    """a - trunc(a / b) * b (the sign of a, C's fmod): d/db = -trunc(a / b)."""

    def forward(self, a, b):
        _check_int_divisor(b, "fmod")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.fmod(a, b)

    def backward(self, g):
        a, b = self.inputs
        gb = None
        if b.requires_grad:
            gb = unbroadcast(-g * _const(_trunc_div(a.data, b.data)), b.shape)
        return unbroadcast(g, a.shape), gb


class Neg(Function):
    saves_inputs = False

    def forward(self, a):
        return np.negative(a)

    def backward(self, g):
        return (-g,)


class PowScalar(Function):
    """x ** p for a number p: d/dx = p x^(p-1) (0 for p = 0, as PyTorch)."""

    __slots__ = ("p",)  # kept after backward releases the graph, for describe()

    def describe(self) -> str:
        p = getattr(self, "p", None)
        return f"**{p:g}" if p is not None else "**"

    def forward(self, a, p):
        self.p = p
        return np.power(a, a.dtype.type(p)) if a.dtype.kind == "f" else np.power(a, p)

    def backward(self, g):
        (a,) = self.inputs
        p = self.p
        if p == 0:
            return (_zeros(a),)
        return (g * p * a ** (p - 1) if p != 2 else g * 2.0 * a,)


class Pow(Function):
    """a ** b with both Tensors, PyTorch's conventions at the edges: d/da = b a^(b-1) but 0
    where b == 0; d/db = a^b ln a but 0 where a == 0 and b >= 0 (nan for a < 0)."""

    saves_output = True

    def forward(self, a, b):
        if b.dtype.kind in "iu" and np.any(b < 0):  # integers: 1, +-1 or 0, as PyTorch
            neg = b < 0
            out = np.power(a, np.where(neg, 0, b))
            odd = np.where(b % 2 == 0, 1, -1)
            small = np.where(a == 1, 1, np.where(a == -1, odd, 0))
            return np.where(neg, small, out).astype(out.dtype)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.power(a, b)

    def backward(self, g):
        a, b = self.inputs
        ga = gb = None
        if a.requires_grad:
            ga = where(_const(b.data == 0), 0.0, g * (b * a ** (b - 1.0)))
            ga = unbroadcast(ga, a.shape)
        if b.requires_grad:
            skip = _const((a.data == 0) & (b.data >= 0))
            log_a = where(skip, 1.0, a).log()  # (no 0 * -inf where the result is 0 anyway)
            gb = unbroadcast(g * where(skip, 0.0, self.output * log_a), b.shape)
        return ga, gb


class Clone(Function):
    saves_inputs = False

    def forward(self, a, memory_format=None):
        if memory_format is None:
            return a.copy()
        return _copy_in_format(a, memory_format)

    def backward(self, g):
        return (g,)


class AsType(Function):
    saves_inputs = False

    def forward(self, a, dtype):
        return a.astype(dtype)

    def backward(self, g):
        return (g.astype(self.inputs[0].dtype),)


# ---------------------------------------------------------------------------------------
# unary functions
# ---------------------------------------------------------------------------------------
class Exp(Function):
    saves_inputs = False
    saves_output = True

    def forward(self, a):
        with np.errstate(over="ignore"):
            return np.exp(a)

    def backward(self, g):
        return (g * self.output,)


class Log(Function):
    def forward(self, a):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a)

    def backward(self, g):
        return (g / self.inputs[0],)


class Sqrt(Function):
    saves_inputs = False
    saves_output = True

    def forward(self, a):
        with np.errstate(invalid="ignore"):
            return np.sqrt(a)

    def backward(self, g):
        return (g / (2.0 * self.output),)


class Abs(Function):
    def forward(self, a):
        return np.abs(a)

    def backward(self, g):
        s = np.asarray(np.sign(self.inputs[0].data))
        if s.dtype.kind == "f":
            np.copyto(s, 0, where=s != s)  # sgn(nan) is 0: no gradient at a nan, as torch
        return (g * _const(s),)


class Erf(Function):
    """The error function: d/dx = 2/sqrt(pi) e^(-x^2). Forward: the kernels' series (the one
    numpy erf of the codebase; the numba kernels use its scalar twin in _fastmath)."""

    def forward(self, a):
        from ..kernels.elementwise import erf_ref

        return erf_ref(a).astype(a.dtype)

    def backward(self, g):
        x = self.inputs[0]
        return (g * (2.0 / math.sqrt(math.pi)) * (-(x * x)).exp(),)


def act_grad(name: str, x: Tensor, y: Tensor | None = None, slope: float = 0.01) -> Tensor:
    """d act(x)/dx as a differentiable Tensor: the one definition of each activation's slope.

    ``y`` is act(x) when the caller already has it (sigmoid and tanh reuse it).
    """
    if name == "relu":
        # torch passes the gradient where not (x <= 0): at a nan too
        return _const((~(x.data <= 0)).astype(x.dtype))
    if name == "leaky_relu":
        return _const(np.where(x.data > 0, 1.0, slope).astype(x.dtype))
    if name == "sigmoid":
        s = x.sigmoid() if y is None else y
        return s * (1.0 - s)
    if name == "tanh":
        t = x.tanh() if y is None else y
        return 1.0 - t * t
    if name == "gelu":  # d/dx x Phi(x) = Phi(x) + x phi(x)
        phi_cdf = 0.5 * (1.0 + erf(x * (1.0 / math.sqrt(2.0))))
        return phi_cdf + x * (-0.5 * x * x).exp() * (1.0 / math.sqrt(2.0 * math.pi))
    if name == "step":
        return _const(np.zeros_like(x.data))
    if name == "none":
        return _const(np.ones_like(x.data))
    raise ValueError(f"unknown activation {name!r}")


class Relu(Function):
    def forward(self, a):
        return K.active.relu(a)

    def backward(self, g):
        x = self.inputs[0]
        if not is_grad_enabled():
            return (_const(K.active.relu_backward(x.data, g.data)),)
        return (g * act_grad("relu", x),)


class LeakyRelu(Function):
    def forward(self, a, slope):
        self.slope = slope
        return K.active.leaky_relu(a, slope)

    def backward(self, g):
        x = self.inputs[0]
        if not is_grad_enabled():
            return (_const(K.active.leaky_relu_backward(x.data, g.data, self.slope)),)
        return (g * act_grad("leaky_relu", x, slope=self.slope),)


class Sigmoid(Function):
    saves_inputs = False
    saves_output = True

    def forward(self, a):
        return K.active.sigmoid(a)

    def backward(self, g):
        y = self.output
        if not is_grad_enabled():
            return (_const(K.active.sigmoid_backward(y.data, g.data)),)
        return (g * act_grad("sigmoid", self.inputs[0], y),)


class Tanh(Function):
    saves_inputs = False
    saves_output = True

    def forward(self, a):
        return K.active.tanh(a)

    def backward(self, g):
        y = self.output
        if not is_grad_enabled():
            return (_const(K.active.tanh_backward(y.data, g.data)),)
        return (g * act_grad("tanh", self.inputs[0], y),)


class Gelu(Function):
    """Exact GELU, x * Phi(x) (PyTorch's default, not the tanh approximation)."""

    def forward(self, a):
        return K.active.gelu(a)

    def backward(self, g):
        x = self.inputs[0]
        if not is_grad_enabled():
            return (_const(K.active.gelu_backward(x.data, g.data)),)
        return (g * act_grad("gelu", x),)


class Step(Function):
    """Heaviside step (1 where x > 0): its gradient is zero everywhere it is defined."""

    saves_inputs = False

    def forward(self, a):
        return (a > 0).astype(a.dtype)

    def backward(self, g):
        return (g * 0.0,)


class Clip(Function):
    """clamp(x, lo, hi) with number bounds: gradient 1 where lo <= x <= hi (bounds included,
    as torch.clamp; where lo > hi every element is hi and the gradient is 0)."""

    def forward(self, a, lo, hi):
        self.lo, self.hi = lo, hi
        if lo is None:
            return np.minimum(a, hi)
        if hi is None:
            return np.maximum(a, lo)
        return np.minimum(np.maximum(a, lo), hi)

    def backward(self, g):
        x = self.inputs[0].data
        inside = np.ones(x.shape, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        return (g * _const(inside.astype(x.dtype)),)


class ClampTensor(Function):
    """clamp(x, min, max) with Tensor bounds (PyTorch's gradients: x where min <= x <= max;
    min where x < min (and min < max); max where x > max (or max < min))."""

    def forward(self, x, *bounds, has_min, has_max):
        self.has_min, self.has_max = has_min, has_max
        out = x
        if has_min:
            out = np.maximum(out, bounds[0])
        if has_max:
            out = np.minimum(out, bounds[-1])
        return out

    def backward(self, g):
        x, *bounds = self.inputs
        xv = x.data
        lo = bounds[0].data if self.has_min else None
        hi = bounds[-1].data if self.has_max else None
        keep = np.ones(xv.shape, dtype=bool)
        if lo is not None:
            keep = keep & (xv >= lo)
        if hi is not None:
            keep = keep & (xv <= hi)
        grads = [unbroadcast(g * _const(keep.astype(g.dtype)), x.shape)]
        if lo is not None:
            m = xv < lo if hi is None else (xv < lo) & (lo < hi)
            grads.append(unbroadcast(g * _const(m.astype(g.dtype)), bounds[0].shape))
        if hi is not None:
            m = xv > hi if lo is None else (xv > hi) | (hi < lo)
            grads.append(unbroadcast(g * _const(m.astype(g.dtype)), bounds[-1].shape))
        return tuple(grads)


class Maximum(Function):
    """Elementwise max; where a == b the gradient is split evenly (as torch.maximum)."""

    def forward(self, a, b):
        return np.maximum(a, b)

    def backward(self, g):
        a, b = self.inputs
        return _minmax_grads(g, a, b, a.data < b.data, a.data > b.data)


class Minimum(Function):
    """Elementwise min; ties split the gradient evenly."""

    def forward(self, a, b):
        return np.minimum(a, b)

    def backward(self, g):
        a, b = self.inputs
        return _minmax_grads(g, a, b, a.data > b.data, a.data < b.data)


def _minmax_grads(g: Tensor, a: Tensor, b: Tensor, a_loses: np.ndarray,
                  b_loses: np.ndarray) -> tuple[Tensor, Tensor]:
    """PyTorch's maximum/minimum gradients: g to the winner, g / 2 to each on a tie, and g to
    both where a nan makes neither win (nan compares false both ways)."""
    tie = a.data == b.data
    share_a = np.where(tie, 0.5, np.where(a_loses, 0.0, 1.0)).astype(g.dtype)
    share_b = np.where(tie, 0.5, np.where(b_loses, 0.0, 1.0)).astype(g.dtype)
    return (unbroadcast(g * _const(share_a), a.shape) if a.requires_grad else None,
            unbroadcast(g * _const(share_b), b.shape) if b.requires_grad else None)


class Where(Function):
    """where(cond, a, b): the gradient flows to a where cond holds, to b elsewhere."""

    saves_inputs = False

    def forward(self, a, b, cond):
        self.cond = cond
        return np.where(cond, a, b)

    def backward(self, g):
        a, b = self.inputs
        c = _const(self.cond)
        zero = g * 0.0
        return (unbroadcast(where(c, g, zero), a.shape) if a.requires_grad else None,
                unbroadcast(where(c, zero, g), b.shape) if b.requires_grad else None)


# ---------------------------------------------------------------------------------------
# public functions (Tensor methods call these)
# ---------------------------------------------------------------------------------------
def _scaled(other: Any, alpha: Any, like: Any, name: str) -> Any:
    """alpha * other for add/sub's ``alpha=`` (a float alpha needs a float operand)."""
    if alpha == 1:
        return other
    dt = result_dtype(like, other)
    if dt.kind != "f" and isinstance(alpha, float):
        raise RuntimeError(f"{name}: for integral input tensors, argument alpha must not be a "
                           f"floating point number (got alpha={alpha})")
    return mul(other, alpha)


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """input + alpha * other."""
    return _binary(Add, input, _scaled(other, alpha, input, "add"), "add")


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """input - alpha * other (a bool operand is an error, as in PyTorch: use ^ or ~)."""
    if not (isinstance(input, Tensor) and input.data.dtype.kind == "f" and (
            other.__class__ is float or isinstance(other, Tensor)
            and other.data.dtype.kind == "f")):
        _check_sub_bool(input, other)  # (a float tensor with a float operand skips the check)
    if alpha != 1:
        other = _scaled(other, alpha, input, "sub")
    return _binary(Sub, input, other, "sub")


def _check_sub_bool(a: Any, b: Any) -> None:
    ba, bb = _is_bool(a), _is_bool(b)
    if ba and bb:
        raise RuntimeError("sub: subtraction, the `-` operator, with two bool tensors is not "
                           "supported; use the `^` or logical_xor() operator instead")
    if ba or bb:
        raise RuntimeError("sub: subtraction, the `-` operator, with a bool tensor is not "
                           "supported; to invert a mask use the `~` or logical_not() operator")


subtract = sub


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """other - alpha * input."""
    _need_tensors("rsub", input=input)
    return sub(other, input, alpha=alpha)


def mul(input: Any, other: Any) -> Tensor:
    return _binary(Mul, input, other, "mul")


multiply = mul


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """True division (int / int gives float32); rounding_mode 'trunc' rounds toward zero,
    'floor' down (both keep an integer dtype and have zero gradients)."""
    if rounding_mode is None:
        if not (isinstance(input, Tensor) and input.data.dtype.kind == "f"):
            input, other = _float_operands(input, other)  # (a float tensor: already float)
        return _binary(Div, input, other, "div")
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                         f"{rounding_mode!r}")
    _no_bool(f"div(rounding_mode={rounding_mode!r})", input, other)
    return _binary(DivRounded, input, other, "div", mode=rounding_mode, who="div")


divide = div


def true_divide(dividend: Any, divisor: Any) -> Tensor:
    return div(dividend, divisor)


def floor_divide(input: Any, other: Any) -> Tensor:
    """input // other, rounded down (PyTorch >= 1.13 and Python semantics)."""
    _no_bool("floor_divide", input, other)
    return _binary(DivRounded, input, other, "floor_divide", mode="floor",
                   who="floor_divide")


def remainder(input: Any, other: Any) -> Tensor:
    """Python's %: the result has the sign of the divisor."""
    _no_bool("remainder", input, other)
    return _binary(Remainder, input, other, "remainder")


def fmod(input: Any, other: Any) -> Tensor:
    """C's fmod: the result has the sign of the dividend."""
    _need_tensors("fmod", input=input)
    _no_bool("fmod", input, other)
    return _binary(Fmod, input, other, "fmod")


def pow(input: Any, exponent: Any) -> Tensor:
    """input ** exponent; integer tensors to negative integer powers are an error."""
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        sdt = _scalar_dtype(exponent)
        if sdt is not None:
            kind = input.data.dtype.kind
            p = exponent.item() if isinstance(exponent, np.generic) else exponent
            if kind != "f":
                if sdt.kind == "f":
                    input = _cast(input, _F32)
                else:
                    if p < 0:
                        raise RuntimeError("pow: integers to negative integer powers are not "
                                           f"allowed (got {input.dtype} ** {p})")
                    if kind == "b":
                        if sdt.kind == "b":  # bool ** bool stays bool, as in PyTorch
                            return Tensor._make(input.data.copy() if p else
                                                np.ones(input.shape, dtype=_BOOL))
                        input = _cast(input, _I64)
            return PowScalar.apply(input, p=int(p) if sdt.kind == "b" else p)
    _no_bool("pow", input, exponent)
    a, b = _operands(input, exponent)
    try:
        return Pow.apply(a, b)
    except ValueError:
        _broadcast_error("pow", a.shape, b.shape)
        raise


def neg(input: Tensor) -> Tensor:
    if input.data.dtype == _BOOL:
        raise RuntimeError("neg: negation, the `-` operator, on a bool tensor is not "
                           "supported; to invert a mask use `~` or logical_not()")
    return Neg.apply(input)


negative = neg


def positive(input: Tensor) -> Tensor:
    """input itself (unary +); an error for bool tensors, as in PyTorch."""
    if input.data.dtype == _BOOL:
        raise RuntimeError("positive: the `+` operator on a bool tensor is not supported")
    return input


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy of input's data (differentiable: the gradient flows through unchanged).

    memory_format (autograd.preserve_format by default, as torch) sets the copy's layout:
    preserve_format keeps the strides of a dense source (a transposed tensor's copy is
    transposed too) and orders a strided one's dims as the source does; contiguous_format is
    row-major; channels_last / channels_last_3d need a 4-d / 5-d tensor."""
    fmt = _check_memory_format(memory_format, input.ndim, "clone")
    if fmt is preserve_format and input.data.flags.c_contiguous:
        return Clone.apply(input)
    return Clone.apply(input, memory_format=fmt)


def astype(a: Tensor, dtype: np.dtype) -> Tensor:
    if dtype.kind != "f" or a.dtype.kind != "f":
        return Tensor._make(a.data.astype(dtype))  # leaving float: no gradient to carry
    return AsType.apply(a, dtype=dtype)


def exp(input: Tensor) -> Tensor:
    return Exp.apply(_float(input, "exp"))


def log(input: Tensor) -> Tensor:
    return Log.apply(_float(input, "log"))


def sqrt(input: Tensor) -> Tensor:
    return Sqrt.apply(_float(input, "sqrt"))


def abs(input: Tensor) -> Tensor:
    if input.data.dtype == _BOOL:
        raise DtypeError("abs: not implemented for bool tensors")
    return Abs.apply(input)


absolute = abs


def erf(input: Tensor) -> Tensor:
    return Erf.apply(_float(input, "erf"))


def tanh(input: Tensor) -> Tensor:
    return Tanh.apply(_float(input, "tanh"))


def sigmoid(input: Tensor) -> Tensor:
    return Sigmoid.apply(_float(input, "sigmoid"))


def relu(input: Tensor) -> Tensor:
    if input.data.dtype == np.bool_:
        raise RuntimeError("relu: bool tensors are not supported (as in torch); convert "
                           "first, e.g. x.float()")
    return Relu.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return LeakyRelu.apply(input, slope=float(negative_slope))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """GELU: the exact x Phi(x) (approximate='none', PyTorch's default) or the tanh form."""
    if approximate == "none":
        return Gelu.apply(_float(input, "gelu"))
    if approximate == "tanh":
        from .activation import GeluTanh

        return GeluTanh.apply(_float(input, "gelu"))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def step(input: Tensor) -> Tensor:
    return Step.apply(input)


def _bound(b: Any) -> bool:
    return isinstance(b, (Tensor, np.ndarray))


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Elements limited to [min, max] (numbers or Tensors; min > max gives max everywhere).
    The result dtype is promoted over input and bounds (an int tensor with 0.5 is float32)."""
    return _clamp(input, min, max, "clamp")


def clip(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Alias of clamp."""
    return _clamp(input, min, max, "clip")


def _clamp(input: Tensor, min: Any, max: Any, name: str) -> Tensor:
    if min is None and max is None:
        raise _ArgumentError(f"{name}: give at least one of min and max")
    if not isinstance(input, Tensor):
        input = lift(input)
    if _bound(min) or _bound(max):
        bounds = [lift(v) for v in (min, max) if v is not None]
        dt = result_dtype(input, *bounds)
        x = _cast(input, dt)
        bounds = [_cast(v, dt) for v in bounds]
        try:
            return ClampTensor.apply(x, *bounds, has_min=min is not None,
                                     has_max=max is not None)
        except ValueError:
            _broadcast_error(name, x.shape, *(v.shape for v in bounds))
            raise
    dt = result_dtype(input, *(v for v in (min, max) if v is not None))
    if dt == _BOOL:
        raise DtypeError(f"{name}: not implemented for bool tensors with bool bounds")
    x = _cast(input, dt)
    lo = None if min is None else _bound_value(min, dt, name)
    hi = None if max is None else _bound_value(max, dt, name)
    return Clip.apply(x, lo=lo, hi=hi)


class _ArgumentError(ValueError, RuntimeError):
    """A bad argument combination (PyTorch raises RuntimeError; it is a ValueError too)."""


def _bound_value(v: Any, dt: np.dtype, name: str) -> Any:
    """A number bound in the tensor's dtype, converted as PyTorch does: a negative bound of an
    unsigned tensor wraps around (-3 is 253 for uint8), one out of range is an error."""
    try:
        return dt.type(v)
    except OverflowError:
        top = int(np.iinfo(dt).max)
        if dt.kind == "u" and -top <= v < 0:
            return dt.type(v + top + 1)
        raise RuntimeError(f"{name}: the bound {v} cannot be converted to {dt} without "
                           "overflow") from None

def clamp_min(input: Tensor, min: Any) -> Tensor:
    _need_tensors("clamp_min", input=input)
    return clamp(input, min=min)


def clamp_max(input: Tensor, max: Any) -> Tensor:
    _need_tensors("clamp_max", input=input)
    return clamp(input, max=max)


def maximum(input: Any, other: Any) -> Tensor:
    _need_tensors("maximum", input=input, other=other)
    return _binary(Maximum, input, other, "maximum")


def minimum(input: Any, other: Any) -> Tensor:
    _need_tensors("minimum", input=input, other=other)
    return _binary(Minimum, input, other, "minimum")


def where(condition: Any, input: Any = None, other: Any = None) -> Tensor:
    """Elements of input where condition is true, of other elsewhere (broadcasting; the
    dtype is promoted over input and other). ``where(condition)`` alone is
    ``nonzero(condition, as_tuple=True)``."""
    if input is None and other is None:
        from .index import nonzero

        return nonzero(condition, as_tuple=True)
    c = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if c.dtype != np.bool_:
        raise DtypeError(f"where: the condition must be boolean, got {c.dtype}")
    a, b = _operands(input, other)
    try:
        return Where.apply(a, b, cond=c)
    except ValueError:
        _broadcast_error("where", c.shape, a.shape, b.shape)
        raise


def compare(a: Any, b: Any, ufunc: Any) -> Tensor:
    """Comparisons (in the promoted dtype) give boolean tensors with no gradient."""
    if b.__class__ in (float, int) and isinstance(a, Tensor) and a.data.dtype.kind == "f":
        return Tensor._make(np.asarray(ufunc(a.data, b)))  # numpy takes b in a's dtype too
    x, y = _operands(a, b)
    try:
        return Tensor._make(np.asarray(ufunc(x.data, y.data)))
    except ValueError:
        _broadcast_error(ufunc.__name__, x.shape, y.shape)
        raise


def eq(input: Any, other: Any) -> Tensor:
    """input == other elementwise (a bool tensor; torch.equal is the whole-tensor test)."""
    _need_tensors("eq", input=input)  # other may be a number (the operators take one first)
    return compare(input, other, np.equal)


def ne(input: Any, other: Any) -> Tensor:
    _need_tensors("ne", input=input)
    return compare(input, other, np.not_equal)


def lt(input: Any, other: Any) -> Tensor:
    _need_tensors("lt", input=input)
    return compare(input, other, np.less)


def le(input: Any, other: Any) -> Tensor:
    _need_tensors("le", input=input)
    return compare(input, other, np.less_equal)


def gt(input: Any, other: Any) -> Tensor:
    _need_tensors("gt", input=input)
    return compare(input, other, np.greater)


def ge(input: Any, other: Any) -> Tensor:
    _need_tensors("ge", input=input)
    return compare(input, other, np.greater_equal)


not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge


def signbit(input: Tensor) -> Tensor:
    """True where the sign bit is set (-0.0 and -nan included); False for unsigned and bool."""
    return Tensor._make(np.asarray(np.signbit(input.data)))


# ---------------------------------------------------------------------------------------
# bitwise (integer and bool tensors) and logical (any dtype, bool result)
# ---------------------------------------------------------------------------------------
def _bitwise(ufunc: Any, a: Any, b: Any, name: str, ints_only: bool = False) -> Tensor:
    """An integer (and bool, unless ints_only) op of two promoted operands, no gradient."""
    x, y = _operands(a, b)
    dt = x.data.dtype
    if dt.kind not in "iub" or (ints_only and dt.kind == "b"):
        allowed = "integer" if ints_only else "integer or bool"
        raise DtypeError(f"{name}: expected {allowed} tensors, got {dt}")
    try:
        return Tensor._make(np.asarray(ufunc(x.data, y.data)))
    except ValueError:
        _broadcast_error(name, x.shape, y.shape)
        raise


def bitwise_and(input: Any, other: Any) -> Tensor:
    """input & other: bitwise on integers, logical on bools."""
    return _bitwise(np.bitwise_and, input, other, "bitwise_and")


def bitwise_or(input: Any, other: Any) -> Tensor:
    return _bitwise(np.bitwise_or, input, other, "bitwise_or")


def bitwise_xor(input: Any, other: Any) -> Tensor:
    return _bitwise(np.bitwise_xor, input, other, "bitwise_xor")


def bitwise_left_shift(input: Any, other: Any) -> Tensor:
    return _bitwise(np.left_shift, input, other, "bitwise_left_shift", ints_only=True)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:
    return _bitwise(np.right_shift, input, other, "bitwise_right_shift", ints_only=True)


def bitwise_not(input: Tensor) -> Tensor:
    """~input: bitwise on integers, logical on bools."""
    if input.data.dtype.kind not in "iub":
        raise DtypeError(f"bitwise_not (~): only integer and bool tensors can be inverted, got "
                        f"{input.dtype}")
    return Tensor._make(np.invert(input.data))


def _logical(ufunc: Any, a: Any, b: Any, name: str) -> Tensor:
    x = a.data if isinstance(a, Tensor) else np.asarray(a)
    y = b.data if isinstance(b, Tensor) else np.asarray(b)
    try:
        return Tensor._make(np.asarray(ufunc(x, y)))
    except ValueError:
        _broadcast_error(name, x.shape, y.shape)
        raise


def logical_and(input: Any, other: Any) -> Tensor:
    _need_tensors("logical_and", input=input, other=other)
    return _logical(np.logical_and, input, other, "logical_and")


def logical_or(input: Any, other: Any) -> Tensor:
    _need_tensors("logical_or", input=input, other=other)
    return _logical(np.logical_or, input, other, "logical_or")


def logical_xor(input: Any, other: Any) -> Tensor:
    _need_tensors("logical_xor", input=input, other=other)
    return _logical(np.logical_xor, input, other, "logical_xor")


def logical_not(input: Tensor) -> Tensor:
    return Tensor._make(np.logical_not(input.data))


def _float(a: Tensor, name: str) -> Tensor:
    """Integer and bool inputs of a float function are computed in the default float."""
    try:
        kind = a.data.dtype.kind
    except AttributeError:
        raise TypeError(f"{name}: expected a Tensor, got {type(a).__name__}") from None
    if kind != "f":
        return Tensor._make(a.data.astype(_F32))
    return a


# ops/math.py builds on the helpers above; its names are bound here too so Tensor methods
# reach every elementwise op as E.<name> (autograd exports them from math.py's __all__)
from .math import *  # noqa: E402, F403
