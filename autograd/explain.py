"""explain(root): the chain rule as a ledger, one line per node, with the numbers.

Backpropagation is one rule applied node by node, last node first: a node's gradient is the
sum, over every node that used it, of (that user's local derivative with respect to it) x
(that user's gradient). ``explain`` prints that sum for every node of a small graph:

    >>> from autograd import Value, explain
    >>> x, w = Value(0.5, label="x"), Value(0.7, label="w")
    >>> y = w * x; y.label = "y"
    >>> ledger = explain(y)
    y.grad = 1 (the start: d(y)/d(y) = 1)
    w.grad = d(y)/d(w) x y.grad = x.data x y.grad = 0.5 x 1 = 0.5
    x.grad = d(y)/d(x) x y.grad = w.data x y.grad = 0.7 x 1 = 0.7

The gradients are computed here, fresh, from the graph: for a ``Value`` from the local
derivatives each op stored at forward time (the same numbers ``backward()`` uses), for a
``Tensor`` from the inputs' values with the formulas printed. So the ledger reads the same
before and after ``backward()`` and does not depend on gradients accumulated in ``.grad``.
Tensor graphs may use elementwise arithmetic, activations, matmul, sum/mean, reshape and
transpose at any time, and any other op while its buffers are alive (before backward, or
after ``backward(retain_graph=True)``: then the op's own backward gives the numbers), with at
most ``max_elements`` numbers per tensor; bigger graphs are refused. Unlabelled Value
constants (the 1.0 in ``z - 1.0``) get no line of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .scalar import Value
from .tensor import Tensor

__all__ = ["explain", "Entry", "Ledger"]


@dataclass
class Entry:
    """One node's line: its name, its gradient, and the terms of the chain rule that sum to it.

    Each term is ``(user, local_formula, local_value, user_grad)``: the node that used this
    one, the formula of d(user)/d(this), its value, and the user's own gradient.
    """

    name: str
    grad: Any
    terms: list[tuple[str, str, Any, Any]] = field(default_factory=list)
    text: str = ""

    def __str__(self) -> str:
        return self.text


class Ledger(list):
    """The entries of ``explain``, in backward order (root first); ``str()`` gives the text."""

    def __str__(self) -> str:
        return "\n".join(e.text for e in self)

    def grad_of(self, name: str) -> Any:
        """The gradient the ledger computed for the node called ``name``."""
        for e in self:
            if e.name == name:
                return e.grad
        raise KeyError(f"explain: no node called {name!r} in the ledger; the names are "
                       f"{', '.join(e.name for e in self)}")


def explain(root: Value | Tensor, show: bool = True, max_nodes: int = 60,
            max_elements: int = 16) -> Ledger:
    """The chain-rule ledger of ``root``'s graph: one line per node, in backward order.

    Each line reads ``node.grad = d(user)/d(node) x user.grad (+ ...) = formula x number =
    numbers = result``. Printed unless ``show=False``; returned either way as a ``Ledger``.
    Refuses graphs of more than ``max_nodes`` nodes (and tensors of more than
    ``max_elements`` numbers): a ledger that long explains nothing.
    """
    if isinstance(root, Value):
        ledger = _explain_value(root, max_nodes)
    elif isinstance(root, Tensor):
        ledger = _explain_tensor(root, max_nodes, max_elements)
    else:
        raise TypeError(f"explain: expected a Value or a Tensor, got {type(root).__name__}")
    if show:
        print(ledger)
    return ledger


# ---------------------------------------------------------------------------------------
# text helpers
# ---------------------------------------------------------------------------------------
def _num(x: Any) -> str:
    if isinstance(x, np.ndarray) and x.ndim > 0:
        text = np.array2string(np.asarray(x, dtype=np.float64), separator=", ",
                               formatter={"float_kind": _num})
        return " ".join(text.split())
    x = float(x)
    if x == 0.0:
        return "0"  # no "-0"
    return f"{x:.4g}"


def _line(name: str, terms: list[tuple[str, str, Any, Any]], grad: Any, formulas: list[str],
          products: list[str]) -> str:
    """name.grad = d(u)/d(name) x u.grad + ... = formula x u.grad + ... = numbers = result."""
    stages = [" + ".join(f"d({u})/d({name}) x {u}.grad" for u, _, _, _ in terms),
              " + ".join(formulas),
              " + ".join(products),
              _num(grad)]
    out: list[str] = []
    for s in stages:
        if not out or s != out[-1]:
            out.append(s)
    return f"{name}.grad = " + " = ".join(out)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _unique(names: list[str]) -> list[str]:
    """Make repeated names distinct (x, x -> x, x#2) so every line names one node."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0) + 1
        seen[n] = k
        out.append(n if k == 1 else f"{n}#{k}")
    return out


def _too_big(n: int, max_nodes: int) -> None:
    if n > max_nodes:
        raise ValueError(
            f"explain: the graph has {n} nodes, more than max_nodes={max_nodes}; a ledger that "
            "long explains nothing. Explain a smaller graph (one neuron, one example) or pass "
            "a larger max_nodes.")


# ---------------------------------------------------------------------------------------
# Value graphs: the local derivatives are the floats each op stored (node._local)
# ---------------------------------------------------------------------------------------
def _value_names(order: list[Value]) -> list[str]:
    names: list[str] = []
    index = {id(v): i for i, v in enumerate(order)}
    for v in order:
        if v.label:
            names.append(v.label)
        elif not v._prev:
            names.append(_num(v.data))  # an unlabelled leaf is a constant: name it by value
        else:
            expr = _value_expr(v, [names[index[id(c)]] for c in v._prev])
            names.append(expr if len(expr) <= 12 else f"v{len(names) + 1}")
    return _unique(names)


def _value_expr(v: Value, args: list[str]) -> str:
    op = v._op
    if op in ("+", "-", "*", "/", "**") and len(args) == 2:
        return f"({args[0]} {op} {args[1]})"
    if op.startswith("**"):
        return f"{args[0]}{op}"
    if op == "neg":
        return f"-{args[0]}"
    if op == "dot":
        return f"dot({', '.join(args)})"
    return f"{op}({', '.join(args)})"


def _value_local(v: Value, k: int, names: list[str], index: dict[int, int]) -> str:
    """The formula of d(v)/d(v._prev[k]), in the inputs' names."""
    op, prev = v._op, v._prev
    nm = [names[index[id(c)]] for c in prev]

    def data(i: int) -> str:
        if (not prev[i].label and not prev[i]._prev) or _is_number(nm[i]):
            return nm[i]  # a constant: its name is its value
        return f"{nm[i]}.data"

    me = names[index[id(v)]]
    if op == "+":
        return "1"
    if op == "-":
        return "1" if k == 0 else "-1"
    if op == "*":
        return data(1 - k)
    if op == "/":
        return f"1/{data(1)}" if k == 0 else f"-{data(0)}/{data(1)}^2"
    if op == "**":
        return f"{data(1)} x {data(0)}^({data(1)}-1)" if k == 0 else f"{me}.data x ln {data(0)}"
    if op.startswith("**"):
        p = float(op[2:])
        return f"{_num(p)} x {data(0)}^{_num(p - 1)}" if p != 2 else f"2 x {data(0)}"
    if op == "neg":
        return "-1"
    if op == "exp":
        return f"exp({data(0)}) = {me}.data"
    if op == "log":
        return f"1/{data(0)}"
    if op == "tanh":
        return f"1 - {me}.data^2"
    if op == "sigmoid":
        return f"{me}.data x (1 - {me}.data)"
    if op == "relu":
        return f"(1 as {data(0)} > 0)" if prev[0].data > 0 else f"(0 as {data(0)} <= 0)"
    if op == "step":
        return "0 (a step is flat)"
    if op == "abs":
        return f"sign({data(0)})"
    if op == "dot":  # prev = w1, x1, w2, x2, ..., [bias]
        if len(prev) % 2 == 1 and k == len(prev) - 1:
            return "1"
        return data(k + 1) if k % 2 == 0 else data(k - 1)
    return f"d{op}"


def _explain_value(root: Value, max_nodes: int) -> Ledger:
    order = root.topo()
    _too_big(len(order), max_nodes)
    index = {id(v): i for i, v in enumerate(order)}
    names = _value_names(order)
    grads = [0.0] * len(order)
    grads[-1] = 1.0
    terms: list[list[tuple[str, str, Any, Any]]] = [[] for _ in order]
    formulas: list[list[str]] = [[] for _ in order]
    products: list[list[str]] = [[] for _ in order]
    ledger = Ledger()
    for i in range(len(order) - 1, -1, -1):
        v, g = order[i], grads[i]
        if i == len(order) - 1:
            text = f"{names[i]}.grad = 1 (the start: d({names[i]})/d({names[i]}) = 1)"
        else:
            text = _line(names[i], terms[i], g, formulas[i], products[i])
        if v._prev or v.label or i == len(order) - 1:  # unlabelled constants get no line
            ledger.append(Entry(names[i], g, terms[i], text))
        for k, (child, local) in enumerate(zip(v._prev, v._local)):
            j = index[id(child)]
            sym = _value_local(v, k, names, index)
            terms[j].append((names[i], sym, local, g))
            formulas[j].append(f"{sym} x {names[i]}.grad")
            products[j].append(f"{_num(local)} x {_num(g)}")
            grads[j] += local * g
    return ledger


# ---------------------------------------------------------------------------------------
# Tensor graphs: each supported op's local derivative, as a formula and as numbers
# ---------------------------------------------------------------------------------------
def _sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A broadcast gradient summed back to ``shape`` (numpy twin of ops.unbroadcast)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape)


def _tensor_names(order: list[Tensor]) -> list[str]:
    names, counts = [], {"leaf": 0, "const": 0}
    for t in order:
        if t.label:
            names.append(t.label)
        elif t._ctx is None:
            if not t.requires_grad and t.size == 1:
                names.append(_num(t.data))
            else:
                kind = "leaf" if t.requires_grad else "const"
                counts[kind] += 1
                names.append(f"{kind}{counts[kind]}")
        else:
            op = t._ctx.name
            counts[op] = counts.get(op, 0) + 1
            names.append(f"{op}{counts[op]}")
    return _unique(names)


def _tensor_rule(t: Tensor, k: int, g: np.ndarray, nm: list[str], me: str,
                 ) -> tuple[str, Any, str, np.ndarray]:
    """For input k of op t, given t's gradient g: (formula, local value, product text,
    gradient contribution). The product text shows how the numbers combine."""
    fn = t._ctx
    op = fn.name
    ins = fn.inputs
    a = ins[k].data
    shape = a.shape
    other = ins[1 - k].data if len(ins) == 2 else None

    def elementwise(sym: str, local: np.ndarray) -> tuple[str, Any, str, np.ndarray]:
        contrib = _sum_to(g * local, shape)
        summed = " (summed to its shape)" if contrib.shape != np.broadcast(g, local).shape else ""
        return sym, local, f"{_num(local)} * {_num(g)}{summed}", contrib

    if op == "add":
        return elementwise("1", np.ones_like(g))
    if op == "sub":
        return elementwise("1" if k == 0 else "-1", np.full_like(g, 1.0 if k == 0 else -1.0))
    if op == "mul":
        return elementwise(f"{nm[1 - k]}", np.broadcast_to(other, g.shape))
    if op == "div":
        b = ins[1].data
        if k == 0:
            return elementwise(f"1/{nm[1]}", np.broadcast_to(1.0 / b, g.shape))
        return elementwise(f"-{nm[0]}/{nm[1]}^2",
                           np.broadcast_to(-ins[0].data / (b * b), g.shape))
    if op == "neg":
        return elementwise("-1", np.full_like(g, -1.0))
    if op == "powscalar":
        if "p" not in fn.__dict__:
            raise RuntimeError(f"explain: the buffers of {me} (x ** p) were freed by "
                               "backward(); call explain before backward, or pass "
                               "retain_graph=True to backward")
        p = fn.p
        return elementwise(f"{_num(p)} x {nm[0]}^{_num(p - 1)}", p * a ** (p - 1))
    y = t.data
    if op == "exp":
        return elementwise(f"{me}", y)
    if op == "log":
        return elementwise(f"1/{nm[0]}", 1.0 / a)
    if op == "tanh":
        return elementwise(f"1 - {me}^2", 1.0 - y * y)
    if op == "sigmoid":
        return elementwise(f"{me} * (1 - {me})", y * (1.0 - y))
    if op == "relu":
        return elementwise(f"({nm[0]} > 0)", (a > 0).astype(g.dtype))
    if op == "step":
        return elementwise("0 (a step is flat)", np.zeros_like(g))
    if op == "reshape":
        return "{g} reshaped back", None, f"{_num(g)} reshaped to {shape}", g.reshape(shape)
    if op == "transpose":
        axes = fn.__dict__.get("axes")
        if axes is None and a.ndim > 2:
            raise RuntimeError(f"explain: the buffers of {me} (a transpose) were freed by "
                               "backward(); call explain before backward")
        back = np.argsort(axes) if axes is not None else None
        return "{g} transposed back", None, f"{_num(g)} transposed", np.transpose(g, back)
    if op == "sum":
        return ("{g} spread over the summed input", None, f"{_num(g)} spread over shape {shape}",
                np.broadcast_to(_kept(g, shape, fn), shape).copy())
    if op == "mean":
        n = a.size // max(g.size, 1)
        return (f"{{g}} / {n} spread over the averaged input", 1.0 / n,
                f"{_num(g)} / {n} spread over shape {shape}",
                np.broadcast_to(_kept(g, shape, fn) / n, shape).copy())
    if op == "matmul":
        return _matmul_rule(ins[0].data, ins[1].data, k, g, nm)
    if not fn.released:  # an op without a formula here: its own backward gives the numbers
        from .function import no_grad

        with no_grad():
            ig = fn.backward(Tensor._make(g.astype(t.dtype)))[k]
        contrib = np.asarray(ig.data if isinstance(ig, Tensor) else ig, dtype=np.float64)
        return (f"{op}'s backward of {{g}}", None, f"{op}'s backward of {_num(g)}",
                contrib.reshape(shape))
    raise ValueError(f"explain: cannot explain the op {op!r} ({me}) after backward() freed its "
                     "buffers; explain knows elementwise arithmetic, exp/log/tanh/sigmoid/relu/"
                     "step, matmul, sum/mean, reshape and transpose at any time, other ops "
                     "before backward (or after backward(retain_graph=True))")


def _kept(g: np.ndarray, shape: tuple[int, ...], fn: Any) -> np.ndarray:
    """The gradient of a sum reshaped so it broadcasts over the summed input."""
    if g.ndim == len(shape):
        return g
    axes = fn.__dict__.get("axes")
    if axes is None:
        if g.size != 1:
            raise RuntimeError("explain: the buffers of a sum over some axes were freed by "
                               "backward(); call explain before backward")
        return g.reshape((1,) * len(shape))
    return g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _matmul_rule(a: np.ndarray, b: np.ndarray, k: int, g: np.ndarray, nm: list[str],
                 ) -> tuple[str, Any, str, np.ndarray]:
    if a.ndim > 2 or b.ndim > 2:
        raise ValueError("explain: only 1-D and 2-D matmul are explained (batched matmul "
                         "is not)")
    a2 = a if a.ndim == 2 else a[None, :]
    b2 = b if b.ndim == 2 else b[:, None]
    g2 = g.reshape(a2.shape[0], b2.shape[1])
    if k == 0:
        contrib = (g2 @ b2.T).reshape(a.shape)
        return (f"{{g}} @ {nm[1]}^T", b2.T, f"{_num(g2)} @ {_num(b2.T)}", contrib)
    contrib = (a2.T @ g2).reshape(b.shape)
    return (f"{nm[0]}^T @ {{g}}", a2.T, f"{_num(a2.T)} @ {_num(g2)}", contrib)


def _explain_tensor(root: Tensor, max_nodes: int, max_elements: int) -> Ledger:
    if not root.requires_grad:
        raise ValueError("explain: this tensor does not require grad, so it has no graph to "
                         "explain (make a leaf with requires_grad=True first)")
    if root.size != 1:
        raise ValueError(f"explain: the root has shape {root.shape}; explain needs a "
                         "one-element result such as a loss (reduce it with .sum() first)")
    try:  # the drawing's walk: every node, constants included, inputs before users
        from .viz.walk import walk
    except ImportError:
        from .viz import _walk as walk

    order = list(walk(root))
    _too_big(len(order), max_nodes)
    for t in order:
        if t.size > max_elements:
            raise ValueError(f"explain: a tensor of shape {t.shape} has {t.size} numbers, "
                             f"more than max_elements={max_elements}; explain is for small "
                             "graphs whose every number can be read")
    index = {id(t): i for i, t in enumerate(order)}
    names = _tensor_names(order)
    grads: dict[int, np.ndarray] = {len(order) - 1: np.ones_like(root.data, dtype=np.float64)}
    terms: list[list[tuple[str, str, Any, Any]]] = [[] for _ in order]
    formulas: list[list[str]] = [[] for _ in order]
    products: list[list[str]] = [[] for _ in order]
    ledger = Ledger()
    for i in range(len(order) - 1, -1, -1):
        t = order[i]
        if not t.requires_grad:
            continue
        g = grads.get(i, np.zeros(t.shape))
        if i == len(order) - 1:
            text = f"{names[i]}.grad = 1 (the start: d({names[i]})/d({names[i]}) = 1)"
        elif not terms[i]:
            text = f"{names[i]}.grad = 0 (nothing used it)"
        else:
            text = _line(names[i], terms[i], g, formulas[i], products[i])
        ledger.append(Entry(names[i], g.reshape(t.shape) if g.ndim else float(g), terms[i],
                            text))
        fn = t._ctx
        if fn is None:
            continue
        nm = [names[index[id(x)]] for x in fn.inputs]
        for k, inp in enumerate(fn.inputs):
            if not inp.requires_grad:
                continue
            sym, local, product, contrib = _tensor_rule(t, k, g, nm, names[i])
            j = index[id(inp)]
            terms[j].append((names[i], sym, local, g))
            up = f"{names[i]}.grad"
            formulas[j].append(sym.replace("{g}", up) if "{g}" in sym else f"{sym} * {up}")
            products[j].append(product)
            grads[j] = contrib if j not in grads else grads[j] + contrib
    return ledger
