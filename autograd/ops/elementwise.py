"""Elementwise ops: arithmetic, unary functions, activations, comparisons, where.

Each op's forward and backward sit side by side. Binary ops broadcast like numpy and their
backward sums the gradient back to each input's shape (``unbroadcast``). Activation
backwards take the fused kernel when no graph is being built (plain ``backward()``) and the
differentiable formula ``g * act_grad(...)`` under ``create_graph=True``.
"""

from __future__ import annotations

import math
from numbers import Number
from typing import Any

import numpy as np

from .. import kernels as K
from ..function import Function, is_grad_enabled
from ..tensor import Tensor

# the public functions (autograd re-exports these; helpers and Function classes stay here)
__all__ = ["abs", "add", "clip", "div", "erf", "exp", "gelu", "leaky_relu", "log", "maximum",
           "minimum", "mul", "neg", "pow", "relu", "sigmoid", "sqrt", "step", "sub", "tanh",
           "where"]


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
def lift(x: Any, like: Tensor | None = None) -> Tensor:
    """A Tensor for x; Python numbers take the float dtype of ``like`` (float32 stays float32)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Number) and not isinstance(x, bool):
        if like is not None and like.data.dtype.kind == "f":
            return Tensor._make(np.asarray(x, dtype=like.data.dtype))
        if isinstance(x, int) and like is not None and like.data.dtype.kind in "iu":
            return Tensor._make(np.asarray(x, dtype=like.data.dtype))
        return Tensor(x)
    return Tensor(x)


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


def _binary(fn: type[Function], a: Any, b: Any, name: str) -> Tensor:
    if not isinstance(a, Tensor):
        a = lift(a, b)
    if not isinstance(b, Tensor):
        b = lift(b, a)
    try:
        return fn.apply(a, b)
    except ValueError:
        try:  # only on the error path: is it a shape mismatch? (backends word it differently)
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise ValueError(f"{name}: shapes {a.shape} and {b.shape} cannot broadcast"
                             ) from None
        raise


def _const(arr: np.ndarray) -> Tensor:
    return Tensor._make(arr)


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
    def forward(self, a, b):
        out = K.active.div(a, b)
        if out.dtype == np.float64 and a.dtype.kind != "f" and b.dtype.kind != "f":
            return out.astype(np.float32)  # int / int: the default float, as in PyTorch
        return out

    def backward(self, g):
        a, b = self.inputs
        ga = unbroadcast(g / b, a.shape) if a.requires_grad else None
        gb = unbroadcast(-g * a / (b * b), b.shape) if b.requires_grad else None
        return ga, gb


class Neg(Function):
    saves_inputs = False

    def forward(self, a):
        return np.negative(a)

    def backward(self, g):
        return (-g,)


class PowScalar(Function):
    """x ** p for a number p: d/dx = p x^(p-1)."""

    def forward(self, a, p):
        self.p = p
        return np.power(a, a.dtype.type(p)) if a.dtype.kind == "f" else np.power(a, p)

    def backward(self, g):
        (a,) = self.inputs
        p = self.p
        if p == 0:
            return (g * 0.0,)
        return (g * p * a ** (p - 1) if p != 2 else g * 2.0 * a,)


class Pow(Function):
    """a ** b with both Tensors: d/da = b a^(b-1), d/db = a^b ln a (taken as 0 where a <= 0)."""

    saves_output = True

    def forward(self, a, b):
        return np.power(a, b)

    def backward(self, g):
        a, b = self.inputs
        ga = unbroadcast(g * b * a ** (b - 1.0), a.shape) if a.requires_grad else None
        gb = None
        if b.requires_grad:
            pos = a.data > 0
            safe_a = where(_const(pos), a, 1.0)  # log(1) = 0 where a <= 0
            gb = unbroadcast(g * self.output * safe_a.log(), b.shape)
        return ga, gb


class Clone(Function):
    saves_inputs = False

    def forward(self, a):
        return a.copy()

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
        return (g * _const(np.sign(self.inputs[0].data)),)


class Erf(Function):
    """The error function (used by gelu's differentiable backward): d/dx = 2/sqrt(pi) e^(-x^2)."""

    _erf = np.vectorize(math.erf, otypes=[np.float64])

    def forward(self, a):
        return Erf._erf(a).astype(a.dtype)

    def backward(self, g):
        x = self.inputs[0]
        return (g * (2.0 / math.sqrt(math.pi)) * (-(x * x)).exp(),)


def act_grad(name: str, x: Tensor, y: Tensor | None = None, slope: float = 0.01) -> Tensor:
    """d act(x)/dx as a differentiable Tensor: the one definition of each activation's slope.

    ``y`` is act(x) when the caller already has it (sigmoid and tanh reuse it).
    """
    if name == "relu":
        return _const((x.data > 0).astype(x.dtype))
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
    """clip(x, lo, hi): gradient 1 where lo <= x <= hi (bounds included, as torch.clamp)."""

    def forward(self, a, lo, hi):
        self.lo, self.hi = lo, hi
        return np.clip(a, lo, hi)

    def backward(self, g):
        x = self.inputs[0].data
        inside = np.ones(x.shape, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        return (g * _const(inside.astype(x.dtype)),)


class Maximum(Function):
    """Elementwise max; where a == b the gradient is split evenly (as torch.maximum)."""

    def forward(self, a, b):
        return np.maximum(a, b)

    def backward(self, g):
        a, b = self.inputs
        share = np.where(a.data > b.data, 1.0, np.where(a.data == b.data, 0.5, 0.0))
        share = share.astype(g.dtype)
        return (unbroadcast(g * _const(share), a.shape),
                unbroadcast(g * _const(1.0 - share), b.shape))


class Minimum(Function):
    """Elementwise min; ties split the gradient evenly."""

    def forward(self, a, b):
        return np.minimum(a, b)

    def backward(self, g):
        a, b = self.inputs
        share = np.where(a.data < b.data, 1.0, np.where(a.data == b.data, 0.5, 0.0))
        share = share.astype(g.dtype)
        return (unbroadcast(g * _const(share), a.shape),
                unbroadcast(g * _const(1.0 - share), b.shape))


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
def add(a: Any, b: Any) -> Tensor:
    return _binary(Add, a, b, "add")


def sub(a: Any, b: Any) -> Tensor:
    return _binary(Sub, a, b, "sub")


def mul(a: Any, b: Any) -> Tensor:
    return _binary(Mul, a, b, "mul")


def div(a: Any, b: Any) -> Tensor:
    return _binary(Div, a, b, "div")


def pow(a: Any, b: Any) -> Tensor:
    if isinstance(a, Tensor) and isinstance(b, Number) and not isinstance(b, bool):
        return PowScalar.apply(a, p=b)
    return _binary(Pow, a, b, "pow")


def neg(a: Tensor) -> Tensor:
    return Neg.apply(a)


def clone(a: Tensor) -> Tensor:
    return Clone.apply(a)


def astype(a: Tensor, dtype: np.dtype) -> Tensor:
    if dtype.kind != "f" or a.dtype.kind != "f":
        return Tensor._make(a.data.astype(dtype))  # leaving float: no gradient to carry
    return AsType.apply(a, dtype=dtype)


def exp(a: Tensor) -> Tensor:
    return Exp.apply(_float(a, "exp"))


def log(a: Tensor) -> Tensor:
    return Log.apply(_float(a, "log"))


def sqrt(a: Tensor) -> Tensor:
    return Sqrt.apply(_float(a, "sqrt"))


def abs(a: Tensor) -> Tensor:
    return Abs.apply(a)


def erf(a: Tensor) -> Tensor:
    return Erf.apply(a)


def tanh(a: Tensor) -> Tensor:
    return Tanh.apply(_float(a, "tanh"))


def sigmoid(a: Tensor) -> Tensor:
    return Sigmoid.apply(_float(a, "sigmoid"))


def relu(a: Tensor) -> Tensor:
    return Relu.apply(a)


def leaky_relu(a: Tensor, negative_slope: float = 0.01) -> Tensor:
    return LeakyRelu.apply(a, slope=float(negative_slope))


def gelu(a: Tensor) -> Tensor:
    return Gelu.apply(_float(a, "gelu"))


def step(a: Tensor) -> Tensor:
    return Step.apply(a)


def clip(a: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    if min is not None and max is not None and min > max:
        raise ValueError(f"clip: min ({min}) is greater than max ({max})")
    return Clip.apply(a, lo=min, hi=max)


def maximum(a: Any, b: Any) -> Tensor:
    return _binary(Maximum, a, b, "maximum")


def minimum(a: Any, b: Any) -> Tensor:
    return _binary(Minimum, a, b, "minimum")


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Elements of a where cond is true, of b elsewhere (numpy broadcasting)."""
    c = cond.data if isinstance(cond, Tensor) else np.asarray(cond)
    if c.dtype != np.bool_:
        raise TypeError(f"where: the condition must be boolean, got {c.dtype}")
    if not isinstance(a, Tensor):
        a = lift(a, b if isinstance(b, Tensor) else None)
    if not isinstance(b, Tensor):
        b = lift(b, a)
    try:
        return Where.apply(a, b, cond=c)
    except ValueError as e:
        if "broadcast" in str(e):
            raise ValueError(f"where: shapes {c.shape}, {a.shape} and {b.shape} cannot "
                             "broadcast") from None
        raise


def compare(a: Any, b: Any, ufunc: Any) -> Tensor:
    """Comparisons give boolean tensors with no gradient."""
    x = a.data if isinstance(a, Tensor) else a
    y = b.data if isinstance(b, Tensor) else b
    try:
        return Tensor._make(np.asarray(ufunc(x, y)))
    except ValueError as e:
        if "broadcast" in str(e):
            raise ValueError(f"{ufunc.__name__}: shapes {np.shape(x)} and {np.shape(y)} cannot"
                             " broadcast") from None
        raise


def _float(a: Tensor, name: str) -> Tensor:
    if a.data.dtype.kind != "f":
        return Tensor._make(a.data.astype(np.float32))
    return a
