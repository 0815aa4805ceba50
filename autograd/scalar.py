"""Value: the scalar autograd engine. One Python float per node, so you can watch every number.

Each op computes its result *and* its local derivatives at forward time, side by side, and
stores the derivatives as plain floats on the result. Backward is then one tight loop over
the nodes in reverse topological order: ``child.grad += local * node.grad``. There are no
per-node closures, so the graph holds no reference cycles and is freed as soon as you drop it
(micrograd's closures make a cycle per node; collecting them is most of its run time).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real
from typing import Any

__all__ = ["Value"]

_EXP_MAX = 709.782712893384  # math.log(sys.float_info.max)


def _as_float(x: object, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{what}: expected a real number, got {type(x).__name__} {x!r}")
    return float(x)


class Value:
    """A scalar that remembers how it was computed, so it can be differentiated.

    ``data`` is the number, ``grad`` is d(root)/d(this) after ``root.backward()``.
    Gradients *accumulate* across backward calls (as in PyTorch); call ``zero_grad()`` (or set
    ``grad = 0.0``) between steps.
    """

    __slots__ = ("data", "grad", "label", "_prev", "_local", "_op", "_g", "__weakref__")

    def __init__(self, data: float, label: str = "", _prev: tuple[Value, ...] = (),
                 _op: str = "", _local: tuple[float, ...] = ()) -> None:
        if type(data) is not float:
            data = _as_float(data, "Value")
        self.data = data
        self.grad = 0.0
        self.label = label
        self._prev = _prev      # the Values this one was computed from
        self._local = _local    # d(this)/d(prev[i]) for each i, as floats
        self._op = _op          # the op's name, for printing and drawing
        self._g = 0.0           # upstream gradient during one backward pass

    # -- construction helpers -------------------------------------------------------------
    @staticmethod
    def _lift(other: object, op: str) -> Value:
        if isinstance(other, Value):
            return other
        return Value(_as_float(other, op))

    # -- arithmetic: forward value and local derivatives side by side --------------------
    def __add__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value._lift(other, "+")
        return Value(self.data + other.data, "", (self, other), "+", (1.0, 1.0))

    def __mul__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value._lift(other, "*")
        return Value(self.data * other.data, "", (self, other), "*", (other.data, self.data))

    def __pow__(self, other: Value | float) -> Value:
        a = self.data
        if isinstance(other, Value):
            # a ** b with both differentiable: d/da = b a^(b-1), d/db = a^b ln a (a > 0)
            b = other.data
            try:
                out = a**b
            except (OverflowError, ZeroDivisionError) as e:
                raise type(e)(f"pow: {a!r} ** {b!r} is not finite") from None
            if isinstance(out, complex):
                raise ValueError(f"pow: negative base {a!r} with non-integer exponent {b!r}")
            db = out * math.log(a) if a > 0 else 0.0
            da = b * a ** (b - 1) if a != 0 or b >= 1 else 0.0
            return Value(out, "", (self, other), "**", (da, db))
        b = _as_float(other, "pow exponent")
        try:
            out = a**b
            da = b * a ** (b - 1) if b != 0 else 0.0
        except ZeroDivisionError:
            raise ZeroDivisionError(f"pow: 0.0 ** {b!r} is infinite") from None
        except OverflowError:
            raise OverflowError(f"pow: {a!r} ** {b!r} overflows a float") from None
        if isinstance(out, complex):
            raise ValueError(f"pow: negative base {a!r} with non-integer exponent {b!r}")
        return Value(out, "", (self,), f"**{other:g}", (da,))

    def __neg__(self) -> Value:
        return Value(-self.data, "", (self,), "neg", (-1.0,))

    def __sub__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value._lift(other, "-")
        return Value(self.data - other.data, "", (self, other), "-", (1.0, -1.0))

    def __truediv__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value._lift(other, "/")
        b = other.data
        if b == 0.0:
            raise ZeroDivisionError(f"/: division of {self.data!r} by zero")
        return Value(self.data / b, "", (self, other), "/", (1.0 / b, -self.data / (b * b)))

    def __radd__(self, other: float) -> Value:
        return Value._lift(other, "+") + self

    def __rsub__(self, other: float) -> Value:
        return Value._lift(other, "-") - self

    def __rmul__(self, other: float) -> Value:
        return Value._lift(other, "*") * self

    def __rtruediv__(self, other: float) -> Value:
        return Value._lift(other, "/") / self

    def __rpow__(self, other: float) -> Value:
        return Value._lift(other, "pow") ** self

    # -- functions ------------------------------------------------------------------------
    def exp(self) -> Value:
        x = self.data
        if x > _EXP_MAX:
            raise OverflowError(f"exp: exp({x!r}) overflows a float (largest input is ~709.78)")
        e = math.exp(x)
        return Value(e, "", (self,), "exp", (e,))

    def log(self) -> Value:
        x = self.data
        if x <= 0.0:
            raise ValueError(f"log: log({x!r}) is undefined; log needs a positive input")
        return Value(math.log(x), "", (self,), "log", (1.0 / x,))

    def tanh(self) -> Value:
        t = math.tanh(self.data)  # saturates cleanly at +-1, no overflow
        return Value(t, "", (self,), "tanh", (1.0 - t * t,))

    def sigmoid(self) -> Value:
        x = self.data
        # the branch keeps exp's argument <= 0, so neither sigmoid(1000) nor (-1000) overflows
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        return Value(s, "", (self,), "sigmoid", (s * (1.0 - s),))

    def relu(self) -> Value:
        x = self.data
        return Value(x if x > 0.0 else 0.0, "", (self,), "relu", (1.0 if x > 0.0 else 0.0,))

    def step(self) -> Value:
        """Heaviside step: 1 if x > 0 else 0. Its derivative is zero everywhere it exists."""
        return Value(1.0 if self.data > 0.0 else 0.0, "", (self,), "step", (0.0,))

    def abs(self) -> Value:
        x = self.data
        return Value(abs(x), "", (self,), "abs", (1.0 if x > 0 else (-1.0 if x < 0 else 0.0),))

    __abs__ = abs

    @staticmethod
    def dot(ws: Iterable[Value], xs: Iterable[Value | float], bias: Value | None = None) -> Value:
        """sum(w*x) + bias as ONE node: d/dw_i = x_i, d/dx_i = w_i, d/dbias = 1.

        A neuron's weighted sum in one step: the same numbers as the chain of ``*`` and ``+``,
        with far fewer nodes to create and walk (this is what makes nn.scalar fast).
        """
        prev: list[Value] = []
        local: list[float] = []
        total = 0.0
        for w, x in zip(ws, xs):
            if not isinstance(x, Value):
                x = Value(_as_float(x, "dot"))
            total += w.data * x.data
            prev.append(w)
            prev.append(x)
            local.append(x.data)
            local.append(w.data)
        if bias is not None:
            total += bias.data
            prev.append(bias)
            local.append(1.0)
        return Value(total, "", tuple(prev), "dot", tuple(local))

    # -- comparisons are not differentiable, so they are not defined ----------------------
    def _no_compare(self, other: object) -> bool:
        raise TypeError("Value does not support < <= > >=: comparisons are not differentiable;"
                        " compare the numbers instead, e.g. a.data < b.data")

    __lt__ = __le__ = __gt__ = __ge__ = _no_compare
    # == and != stay identity comparisons so Values can live in sets and dicts.

    # -- the backward pass ----------------------------------------------------------------
    def topo(self) -> list[Value]:
        """All nodes this one depends on, each after its inputs (iterative DFS, no recursion)."""
        order: list[Value] = []
        seen: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        push, pop, add = stack.append, stack.pop, seen.add
        while stack:
            node, done = pop()
            if done:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            add(id(node))
            push((node, True))
            for child in node._prev:
                if id(child) not in seen:
                    push((child, False))
        return order

    def backward(self) -> None:
        """Add d(self)/d(node) to ``node.grad`` for every node self depends on (self included)."""
        order = self.topo()
        for node in order:
            node._g = 0.0
        self._g = 1.0
        for node in reversed(order):
            g = node._g
            node.grad += g
            if g != 0.0:
                for child, local in zip(node._prev, node._local):
                    child._g += local * g

    def zero_grad(self) -> None:
        self.grad = 0.0

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"

    def __float__(self) -> float:
        return self.data

    def draw(self, **kwargs: Any) -> Any:
        """Render this value's computation graph (see ``autograd.draw``)."""
        from .viz import draw

        return draw(self, **kwargs)
