"""The graph walk and what each node says: roles, labels, value summaries, tooltips.

One iterative walk (inputs before outputs, no recursion) serves both engines. The engines'
own walks (``Value.topo``, ``function._topo``) do the same, but the Tensor one stops at
tensors that do not require grad; a drawing shows those constants and data too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..scalar import Value

__all__ = ["walk"]

#: a tensor with at most this many elements shows its values, a bigger one summary statistics
HANDFUL = 6

# Tensor op (Function.describe()) -> the symbol drawn in its ellipse
_OP_SYMBOL = {"add": "+", "sub": "-", "mul": "*", "div": "/", "matmul": "@", "pow": "**",
              "neg": "neg"}


def inputs_of(node: Any) -> Sequence[Any]:
    if isinstance(node, Value):
        return node._prev
    fn = node._ctx
    return fn.inputs if fn is not None else ()


def walk(root: Any) -> list[Any]:
    """Every node root depends on, each after its inputs; the drawing names the i-th ``v{i}``
    (and the op that made it ``op{i}``)."""
    order: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for inp in reversed(inputs_of(node)):
            if id(inp) not in seen:
                stack.append((inp, False))
    return order


def kept_grad(t: Any) -> Any:
    """The .grad the engine kept (leaves, retain_grad() tensors), else None; asks no other
    tensor, so no "non-leaf .grad" warning fires."""
    return t.grad if t._ctx is None or t._retain else None


# ---------------------------------------------------------------------------------------
# roles
# ---------------------------------------------------------------------------------------
def is_parameter(t: Any) -> bool:
    """An ``nn.Parameter`` (told by class name: autograd never imports nn)."""
    return any(c.__name__ == "Parameter" for c in type(t).__mro__)


def tensor_role(t: Any, is_root: bool) -> str:
    """output / intermediate / parameter (an nn.Parameter) / input (any other leaf that
    requires grad, or data) / constant (an unlabelled one-element leaf: a number in the code)."""
    if is_root:
        return "output"
    if t._ctx is not None:
        return "intermediate"
    if t.requires_grad:
        return "parameter" if is_parameter(t) else "input"
    if not t.label and t.data.size == 1:
        return "constant"
    return "input"


def value_role(v: Value, is_root: bool) -> str:
    if is_root:
        return "output"
    if v._prev:
        return "intermediate"
    return "leaf" if v.label else "constant"


# ---------------------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------------------
def num(x: float) -> str:
    """0.6667, -0.1234, 2.0000; tiny or huge numbers in e-notation so 1e-7 is not 0.0000."""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    a = abs(x)
    if a == 0.0:
        x = 0.0  # no "-0.0000"
    if a == 0.0 or 1e-3 <= a < 1e5:
        return f"{x:.4f}"
    return f"{x:.3e}"


def esc(text: str) -> str:
    """Escape the characters that mean structure inside a Graphviz record label."""
    out = []
    for ch in str(text):
        if ch in "{}|<>\\":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "".join(out)


def shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def array_lines(name: str, arr: np.ndarray, norm: bool) -> list[str]:
    """A handful of values written out, more as mean/std/min/max (and the norm for grads)."""
    if arr.size <= HANDFUL:
        body = np.array2string(np.asarray(arr, dtype=np.float64) if arr.dtype.kind != "b"
                               else arr, separator=", ",
                               formatter={"float_kind": num}).replace("\n", "")
        return [f"{name} {body}"]
    a = np.asarray(arr, dtype=np.float64)
    with np.errstate(all="ignore"):
        lines = [f"{name} mean {num(a.mean())} std {num(a.std())}",
                 f"min {num(a.min())} max {num(a.max())}"]
        if norm:
            lines.insert(0, f"{name} norm {num(np.sqrt(np.sum(a * a)))}")
            lines[1] = lines[1][len(name) + 1:]
    return lines


def summary(name: str, arr: Any) -> str:
    """One line for a tooltip: shape, min/mean/max and norm of an array (or a number)."""
    a = np.asarray(arr, dtype=np.float64)
    if a.size == 0:
        return f"{name}: empty {shape_text(a.shape)}"
    with np.errstate(all="ignore"):
        return (f"{name}: shape {shape_text(a.shape)}, min {num(a.min())}, mean "
                f"{num(a.mean())}, max {num(a.max())}, norm {num(np.sqrt(np.sum(a * a)))}")


def module_label(m: Any) -> str:
    """``Linear(3 -> 4)``, ``ReLU``, ``Block(dim=8)``: never cut short (a long description is
    wrapped onto several lines at its commas instead)."""
    name = type(m).__name__
    fin, fout = getattr(m, "in_features", None), getattr(m, "out_features", None)
    if isinstance(fin, int) and isinstance(fout, int):
        return f"{name}({fin} -> {fout})"
    extra = ""
    if callable(getattr(m, "extra_repr", None)):
        try:
            extra = str(m.extra_repr())
        except Exception:
            extra = ""
    if not extra:
        return name
    lines, line = [], ""
    for part in extra.split(", "):
        if line and len(line) + len(part) > 38:
            lines.append(line + ",")
            line = part
        else:
            line = f"{line}, {part}" if line else part
    lines.append(line)
    return f"{name}(" + "\n".join(lines) + ")"


def op_label(node: Any) -> str:
    """What the op's ellipse shows: the Value's op, or the Function's ``describe()``."""
    if isinstance(node, Value):
        return node._op
    desc = node._ctx.describe()
    return _OP_SYMBOL.get(desc, desc)


def value_auto_label(node: Value, labels: dict[int, str]) -> str:
    """A short name for an unlabelled Value: a number for a constant, else the expression
    (``x*w``, ``tanh(n)``) when it is short, else the op."""
    if not node._prev:
        return f"{node.data:g}"
    op = node._op
    names = [labels.get(id(p), "?") for p in node._prev]
    if len(names) == 2 and op in ("+", "-", "*", "/", "**"):
        a, b = (_paren(n, op, right) for n, right in zip(names, (False, True)))
        text = f"{a}{op}{b}"
    elif len(names) == 1 and op.startswith("**"):
        text = f"{_paren(names[0], '**', False)}{op}"
    elif len(names) == 1 and op == "neg":
        text = f"-{_paren(names[0], '*', True)}"
    else:
        text = f"{op}(" + ", ".join(names) + ")"
    return text if len(text) <= 14 else op


def _paren(text: str, op: str, right: bool) -> str:
    """text in parentheses when, as an operand of op, it would read differently without."""
    weak = set("+-") if op in ("*", "/") or (op == "-" and right) else set()
    if op == "**" or (op == "/" and right):
        weak = set("+-*/")
    inner = text.replace("**", "^")
    depth, bare = 0, set()
    for ch in inner:
        depth += (ch == "(") - (ch == ")")
        if depth == 0:
            bare.add(ch)
    if op == "**" and "^" in bare:
        return f"({text})"
    return f"({text})" if bare & weak and not text.lstrip("-").replace(".", "").isdigit() \
        else text
