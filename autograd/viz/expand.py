"""Expanding a composite op into the steps a learner would write by hand.

``draw(root, expand=True)`` draws a composite op (mean, var, std, softmax, log_softmax,
logsumexp, mse, cross-entropy, a fused linear layer; for Values tanh, sigmoid and the
neuron's ``dot``) as a dashed box of small steps - mean = sum then * 1/n, softmax = exp, sum,
divide - with the numbers of that run. The steps are recomputed here with plain numpy (in
float64) from what the graph keeps in public - the op's inputs (``fn.inputs``), its output
(``fn.output``) and ``fn.describe()`` - so nothing private of an op is read. The parameters
an op was called with (the dims, ``keepdim``, the correction, the reduction) are told from
the shapes and checked against the values; an expansion whose result does not reproduce the
op's own output (in-place edits, label smoothing, class weights...) is not drawn, and the op
says why.

The gradients of the steps are the gradient at the op's output (when the drawing knows it)
taken back through the steps with numpy.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..scalar import Value

__all__ = ["Expansion", "Step", "expand_tensor_op", "expand_value_op", "expandable"]

Vjp = Callable[[np.ndarray], Sequence[np.ndarray | None]]


@dataclass
class Step:
    """One hand-written step: ``op`` (the ellipse's text) applied to ``args`` (references:
    ``0..n_inputs-1`` the op's inputs, then the steps' results in order) gives ``value``,
    named ``name``; ``grad`` is d root / d value when known."""

    op: str
    name: str
    args: tuple[int, ...]
    value: np.ndarray
    vjp: Vjp
    grad: np.ndarray | None = None


@dataclass
class Expansion:
    title: str
    n_inputs: int
    steps: list[Step] = field(default_factory=list)

    def ref(self, r: int) -> int:
        """The index in ``steps`` of reference r (r >= n_inputs)."""
        return r - self.n_inputs


class NotExpanded(Exception):
    """The op cannot be expanded faithfully; the message says why."""


# ---------------------------------------------------------------------------------------
# a tiny numpy tape: each primitive's value and its vector-Jacobian product
# ---------------------------------------------------------------------------------------
def _unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    from ..ops.elementwise import unbroadcast
    from ..tensor import Tensor

    return unbroadcast(Tensor._make(np.asarray(g)), tuple(shape)).data


class Tape:
    def __init__(self, title: str, inputs: Sequence[Any]) -> None:
        self.vals: list[np.ndarray] = [np.asarray(a, dtype=np.float64) for a in inputs]
        self.expansion = Expansion(title, len(inputs))

    def val(self, r: int) -> np.ndarray:
        return self.vals[r]

    def step(self, op: str, name: str, args: Sequence[int], value: Any, vjp: Vjp) -> int:
        self.vals.append(np.asarray(value, dtype=np.float64))
        self.expansion.steps.append(Step(op, name, tuple(args), self.vals[-1], vjp))
        return len(self.vals) - 1

    # primitives -------------------------------------------------------------------------
    def sum(self, a: int, axes: tuple[int, ...], keepdims: bool, name: str,
            op: str | None = None) -> int:
        x = self.val(a)
        shape = x.shape

        def vjp(g: np.ndarray) -> tuple[np.ndarray]:
            if not keepdims:
                g = np.expand_dims(g, axes) if axes else g
            return (np.broadcast_to(g, shape).copy(),)

        return self.step(op or reduction_label("sum", axes, keepdims, x.ndim), name, (a,),
                         np.sum(x, axis=axes, keepdims=keepdims), vjp)

    def mean(self, a: int, axes: tuple[int, ...], keepdims: bool, name: str) -> int:
        x = self.val(a)
        n = count(x.shape, axes)
        shape = x.shape

        def vjp(g: np.ndarray) -> tuple[np.ndarray]:
            if not keepdims:
                g = np.expand_dims(g, axes) if axes else g
            return (np.broadcast_to(g / n if n else g, shape).copy(),)

        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.sum(x, axis=axes, keepdims=keepdims) / n if n else np.full(
                np.sum(x, axis=axes, keepdims=keepdims).shape, np.nan)
        return self.step(reduction_label("mean", axes, keepdims, x.ndim), name, (a,), value,
                         vjp)

    def scale(self, a: int, c: float, text: str, name: str) -> int:
        return self.step(f"* {text}", name, (a,), self.val(a) * c, lambda g: (g * c,))

    def add_const(self, a: int, c: float, name: str) -> int:
        op = f"+ {c:g}" if c >= 0 else f"- {-c:g}"
        return self.step(op, name, (a,), self.val(a) + c, lambda g: (g,))

    def sub(self, a: int, b: int, name: str) -> int:
        x, y = self.val(a), self.val(b)
        return self.step("-", name, (a, b), x - y,
                         lambda g: (_unbroadcast(g, x.shape), _unbroadcast(-g, y.shape)))

    def mul(self, a: int, b: int, name: str) -> int:
        x, y = self.val(a), self.val(b)
        return self.step("*", name, (a, b), x * y,
                         lambda g: (_unbroadcast(g * y, x.shape), _unbroadcast(g * x, y.shape)))

    def div(self, a: int, b: int, name: str) -> int:
        x, y = self.val(a), self.val(b)
        with np.errstate(all="ignore"):
            return self.step("/", name, (a, b), x / y, lambda g: (
                _unbroadcast(g / y, x.shape), _unbroadcast(-g * x / (y * y), y.shape)))

    def reciprocal(self, a: int, name: str) -> int:
        x = self.val(a)
        with np.errstate(all="ignore"):
            return self.step("1 /", name, (a,), 1.0 / x, lambda g: (-g / (x * x),))

    def add_n(self, args: Sequence[int], name: str) -> int:
        total = np.sum([self.val(r) for r in args], axis=0)
        return self.step("+", name, args, total, lambda g: tuple(g for _ in args))

    def square(self, a: int, name: str) -> int:
        x = self.val(a)
        return self.step("square", name, (a,), x * x, lambda g: (2.0 * x * g,))

    def exp(self, a: int, name: str) -> int:
        with np.errstate(over="ignore"):
            e = np.exp(self.val(a))
        return self.step("exp", name, (a,), e, lambda g: (g * e,))

    def log(self, a: int, name: str) -> int:
        x = self.val(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.step("log", name, (a,), np.log(x), lambda g: (g / x,))

    def sqrt(self, a: int, name: str) -> int:
        s = np.sqrt(self.val(a))
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.step("sqrt", name, (a,), s, lambda g: (
                np.where(s == 0, 0.0, g / (2.0 * np.where(s == 0, 1.0, s))),))

    def neg(self, a: int, name: str) -> int:
        return self.step("neg", name, (a,), -self.val(a), lambda g: (-g,))

    def relu(self, a: int, name: str) -> int:
        x = self.val(a)
        return self.step("relu", name, (a,), np.maximum(x, 0.0), lambda g: (g * (x > 0),))

    def tanh(self, a: int, name: str) -> int:
        t = np.tanh(self.val(a))
        return self.step("tanh", name, (a,), t, lambda g: (g * (1.0 - t * t),))

    def sigmoid(self, a: int, name: str) -> int:
        with np.errstate(over="ignore"):
            s = 1.0 / (1.0 + np.exp(-self.val(a)))
        return self.step("sigmoid", name, (a,), s, lambda g: (g * s * (1.0 - s),))

    def matmul_t(self, a: int, w: int, name: str) -> int:
        x, W = self.val(a), self.val(w)
        return self.step("@ W.T", name, (a, w), x @ W.T, lambda g: (g @ W, g.T @ x))

    def log_softmax(self, a: int, axis: int, name: str) -> int:
        x = self.val(a)
        m = np.max(x, axis=axis, keepdims=True)
        y = x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
        return self.step(f"log_softmax(dim={axis})", name, (a,), y, lambda g: (
            g - np.exp(y) * np.sum(g, axis=axis, keepdims=True),))

    def pick(self, a: int, labels: np.ndarray, name: str) -> int:
        x = self.val(a)
        rows = np.arange(x.shape[0])

        def vjp(g: np.ndarray) -> tuple[np.ndarray]:
            out = np.zeros_like(x)
            out[rows, labels] = g
            return (out,)

        shown = (" = " + "[" + ", ".join(str(int(v)) for v in labels) + "]"
                 if labels.size <= 8 else "")
        return self.step(f"pick [i, label_i]\\nlabels{shown}", name, (a,), x[rows, labels],
                         vjp)

    def backward(self, g_out: np.ndarray) -> None:
        """d root / d step for every step, from the gradient at the last step."""
        grads: dict[int, np.ndarray] = {len(self.vals) - 1: np.asarray(g_out, np.float64)}
        n_in = self.expansion.n_inputs
        for k in range(len(self.expansion.steps) - 1, -1, -1):
            step = self.expansion.steps[k]
            r = n_in + k
            g = grads.get(r)
            if g is None:
                g = np.zeros_like(step.value)
            step.grad = g
            with np.errstate(all="ignore"):
                parts = step.vjp(g)
            for arg, part in zip(step.args, parts):
                if arg < n_in or part is None:
                    continue
                grads[arg] = part if arg not in grads else grads[arg] + part


# ---------------------------------------------------------------------------------------
# telling an op's parameters from shapes and values
# ---------------------------------------------------------------------------------------
def count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    return int(np.prod([shape[i] for i in axes], dtype=np.int64)) if axes else 1


def reduction_label(what: str, axes: tuple[int, ...], keepdims: bool, ndim: int) -> str:
    if len(axes) == ndim and not keepdims:
        return what
    dims = str(axes[0]) if len(axes) == 1 else str(axes)
    return f"{what}(dim={dims}" + (", keepdim" if keepdims else "") + ")"


def axes_candidates(ishape: tuple[int, ...], oshape: tuple[int, ...]
                    ) -> list[tuple[tuple[int, ...], bool]]:
    """(axes, keepdim) choices that turn an input of ishape into oshape by a reduction."""
    nd = len(ishape)
    if len(oshape) == nd:
        if any(o not in (1, i) for i, o in zip(ishape, oshape)):
            return []
        return [(tuple(i for i in range(nd) if oshape[i] == 1 and ishape[i] != 1), True)]
    if len(oshape) > nd:
        return []
    out = []
    for axes in itertools.combinations(range(nd), nd - len(oshape)):
        if tuple(n for i, n in enumerate(ishape) if i not in axes) == tuple(oshape):
            out.append((axes, False))
    return out


def close(a: Any, b: Any, dtype: Any) -> bool:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    rtol = 1e-6 if np.dtype(dtype) == np.float64 else 2e-3
    scale = float(np.max(np.abs(b[np.isfinite(b)]), initial=1.0))
    return bool(np.allclose(a, b, rtol=rtol, atol=rtol * max(1.0, scale), equal_nan=True))


def _pick_axes(x: np.ndarray, out: np.ndarray, dtype: Any,
               compute: Callable[[tuple[int, ...], bool], np.ndarray]
               ) -> tuple[tuple[int, ...], bool]:
    cands = axes_candidates(x.shape, out.shape)
    if not cands:
        raise NotExpanded(f"cannot tell the reduced dims from the shapes {x.shape} -> "
                          f"{out.shape}")
    for axes, keep in cands:
        with np.errstate(all="ignore"):
            if close(compute(axes, keep), out, dtype):
                return axes, keep
    return cands[0]


def _pick_axis(x: np.ndarray, out: np.ndarray, dtype: Any,
               compute: Callable[[int], np.ndarray]) -> int:
    if x.ndim == 0:
        raise NotExpanded("a 0-d input has no dim to run along")
    for axis in range(x.ndim):
        with np.errstate(all="ignore"):
            if close(compute(axis), out, dtype):
                return axis
    return x.ndim - 1


def _logsoftmax(x: np.ndarray, axis: int) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


# ---------------------------------------------------------------------------------------
# the expansions, keyed by Function class name
# ---------------------------------------------------------------------------------------
def _mean(t: Tape, x: np.ndarray, out: np.ndarray, dtype: Any) -> None:
    axes, keep = _pick_axes(x, out, dtype, lambda a, k: np.mean(x, axis=a, keepdims=k))
    n = count(x.shape, axes)
    s = t.sum(0, axes, keep, "sum")
    t.scale(s, 1.0 / n if n else np.nan, f"1/{n}", "mean")


def _var_steps(t: Tape, x: np.ndarray, out: np.ndarray, dtype: Any, is_std: bool) -> None:
    def var(axes: tuple[int, ...], keep: bool, c: float) -> np.ndarray:
        d = x - np.mean(x, axis=axes, keepdims=True)
        return np.sum(d * d, axis=axes, keepdims=keep) / (count(x.shape, axes) - c)

    target = out * out if is_std else out
    cands = axes_candidates(x.shape, target.shape)
    if not cands:
        raise NotExpanded(f"cannot tell the reduced dims from the shapes {x.shape} -> "
                          f"{out.shape}")
    found = next(((a, k, c) for c in (1.0, 0.0) for a, k in cands
                  if close(var(a, k, c), target, dtype)), None)
    if found is None:  # another correction: told from the values
        axes, keep = cands[0]
        d = x - np.mean(x, axis=axes, keepdims=True)
        ss = np.sum(d * d, axis=axes, keepdims=keep)
        ok = np.isfinite(target) & (target != 0)
        c = float(np.round(count(x.shape, axes) - (ss[ok] / target[ok]).mean(), 6)) \
            if ok.any() else 1.0
    else:
        axes, keep, c = found
    n = count(x.shape, axes)
    m = t.mean(0, axes, True, "mean")
    d = t.sub(0, m, "d")
    sq = t.square(d, "d²")
    ss = t.sum(sq, axes, keep, "sum d²")
    denom = n - c
    text = f"1/{denom:g}" + (f" (n - {c:g})" if c else "")
    v = t.scale(ss, 1.0 / denom if denom > 0 else np.inf, text, "var")
    if is_std:
        t.sqrt(v, "std")


def _softmax(t: Tape, x: np.ndarray, out: np.ndarray, dtype: Any) -> None:
    def sm(axis: int) -> np.ndarray:
        return np.exp(_logsoftmax(x, axis))

    axis = _pick_axis(x, out, dtype, sm)
    e = t.exp(0, "e")
    s = t.sum(e, (axis,), True, "s")
    t.div(e, s, "softmax")


def _log_softmax(t: Tape, x: np.ndarray, out: np.ndarray, dtype: Any) -> None:
    axis = _pick_axis(x, out, dtype, lambda a: _logsoftmax(x, a))
    e = t.exp(0, "e")
    s = t.sum(e, (axis,), True, "s")
    lg = t.log(s, "log s")
    t.sub(0, lg, "log_softmax")


def _logsumexp(t: Tape, x: np.ndarray, out: np.ndarray, dtype: Any) -> None:
    axes, keep = _pick_axes(x, out, dtype, lambda a, k: np.log(np.sum(np.exp(x), axis=a,
                                                                        keepdims=k)))
    e = t.exp(0, "e")
    s = t.sum(e, axes, keep, "s")
    t.log(s, "logsumexp")


def _reduce_last(t: Tape, r: int, out: np.ndarray, dtype: Any, name: str) -> None:
    """'mean' or 'sum' over everything, or nothing ('none'), whichever gives out."""
    v = t.val(r)
    if out.shape == v.shape:  # reduction="none": the last step is the result
        return
    if out.ndim != 0:
        raise NotExpanded(f"cannot tell the reduction from the shapes {v.shape} -> "
                          f"{out.shape}")
    axes = tuple(range(v.ndim))
    if close(np.sum(v), out, dtype) and not close(np.mean(v), out, dtype):
        t.sum(r, axes, False, name)
    else:
        t.mean(r, axes, False, name)


def _mse(t: Tape, x: np.ndarray, target: np.ndarray, out: np.ndarray, dtype: Any) -> None:
    d = t.sub(0, 1, "d")
    sq = t.square(d, "d²")
    _reduce_last(t, sq, out, dtype, "mse")


def _cross_entropy(t: Tape, z: np.ndarray, labels: np.ndarray, out: np.ndarray,
                   dtype: Any) -> None:
    lp = t.log_softmax(0, 1, "log p")
    pk = t.pick(lp, labels, "log p[label]")
    nl = t.neg(pk, "loss per row")
    _reduce_last(t, nl, out, dtype, "cross-entropy")


def _linear(t: Tape, act: str, with_bias: bool) -> None:
    z = t.matmul_t(0, 1, "x @ W.T")
    if with_bias:
        z = t.step("+ b", "z", (z, 2), t.val(z) + t.val(2),
                   lambda g: (g, _unbroadcast(g, t.val(2).shape)))
    if act == "relu":
        t.relu(z, "relu")
    elif act == "tanh":
        t.tanh(z, "tanh")
    elif act == "sigmoid":
        t.sigmoid(z, "sigmoid")
    elif act != "none":
        raise NotExpanded(f"the activation {act!r} has no expansion")


TENSOR_OPS = ("Mean", "Var", "Std", "Softmax", "LogSoftmax", "LogSumExp", "MSE",
              "CrossEntropy", "LinearAct")
VALUE_OPS = ("tanh", "sigmoid", "dot")


def expandable(node: Any) -> bool:
    """Has the op that made node an expansion here?"""
    if isinstance(node, Value):
        return node._op in VALUE_OPS
    fn = node._ctx
    return fn is not None and type(fn).__name__ in TENSOR_OPS


def expand_tensor_op(t_out: Any, g_out: np.ndarray | None, labels: np.ndarray | None = None
                     ) -> Expansion:
    """The steps of the op that made the Tensor t_out; ``g_out`` is d root / d t_out when
    known; ``labels`` the class labels of a cross-entropy (see ``cross_entropy_labels``).
    Raises NotExpanded (with the reason) when the steps would not reproduce t_out."""
    fn = t_out._ctx
    kind = type(fn).__name__
    desc = fn.describe()
    arrays = [inp.data for inp in fn.inputs]
    out = t_out.data
    dtype = out.dtype
    if dtype.kind != "f":
        raise NotExpanded(f"a {dtype} result has no expansion")
    tape = Tape(desc, arrays)
    x = tape.val(0)
    with np.errstate(all="ignore"):
        if kind == "Mean":
            _mean(tape, x, out, dtype)
        elif kind in ("Var", "Std"):
            _var_steps(tape, x, np.asarray(out, np.float64), dtype, kind == "Std")
        elif kind == "Softmax":
            _softmax(tape, x, out, dtype)
        elif kind == "LogSoftmax":
            _log_softmax(tape, x, out, dtype)
        elif kind == "LogSumExp":
            _logsumexp(tape, x, out, dtype)
        elif kind == "MSE":
            _mse(tape, x, tape.val(1), out, dtype)
        elif kind == "CrossEntropy":
            if labels is None:
                raise NotExpanded("its class labels are freed by backward(); draw before "
                                  "backward, or after backward(retain_graph=True)")
            _cross_entropy(tape, x, labels, out, dtype)
        elif kind == "LinearAct":
            act = desc.partition("+")[2] or "none"
            _linear(tape, act, len(arrays) == 3)
        else:
            raise NotExpanded(f"{desc} has no expansion")
    return _finish(tape, out, dtype, g_out)


def cross_entropy_labels(t_out: Any) -> np.ndarray | None:
    """The labels of the cross-entropy that made t_out, told by the engine's own backward
    through that one op (its gradient is below zero only at each row's label); None once
    backward() has freed the op's buffers, or when a row counts for nothing (ignored)."""
    from ..function import grad
    from ..tensor import Tensor

    fn = t_out._ctx
    if fn is None or fn.released:
        return None
    try:
        (g,) = grad(t_out, [fn.inputs[0]], grad_outputs=Tensor._make(np.ones_like(t_out.data)),
                    retain_graph=True, allow_unused=True)
    except RuntimeError:
        return None
    if g is None:
        return None
    gz = np.asarray(g.data, np.float64)
    if gz.ndim != 2 or not (gz.min(axis=1) < 0).all():
        return None
    return np.argmin(gz, axis=1)


def expand_value_op(v: Value, names: Sequence[str]) -> Expansion:
    """The steps of a Value's tanh, sigmoid or dot; ``names`` are its inputs' labels."""
    op = v._op
    tape = Tape(op, [p.data for p in v._prev])
    with np.errstate(all="ignore"):
        if op == "tanh":
            a = tape.scale(0, 2.0, "2", f"2*{names[0]}" if len(names[0]) < 8 else "2x")
            e = tape.exp(a, "e")
            num = tape.add_const(e, -1.0, "e - 1")
            den = tape.add_const(e, 1.0, "e + 1")
            tape.div(num, den, "tanh")
        elif op == "sigmoid":
            n = tape.neg(0, "-" + names[0] if len(names[0]) < 8 else "-x")
            e = tape.exp(n, "e")
            d = tape.add_const(e, 1.0, "1 + e")
            tape.reciprocal(d, "sigmoid")
        elif op == "dot":
            k = len(v._prev)
            prods = [tape.mul(j, j + 1, f"{names[j]}*{names[j + 1]}") for j in range(0, k - 1,
                                                                                     2)]
            terms = prods + ([k - 1] if k % 2 else [])
            tape.add_n(terms, "dot")
        else:
            raise NotExpanded(f"{op} has no expansion")
    return _finish(tape, np.asarray(v.data), np.dtype(np.float64), np.asarray(v.grad))


def _finish(tape: Tape, out: np.ndarray, dtype: Any, g_out: np.ndarray | None) -> Expansion:
    exp = tape.expansion
    if not exp.steps:
        raise NotExpanded("nothing to expand")
    last = exp.steps[-1].value
    if not close(last, out, dtype):
        raise NotExpanded("the hand-written steps do not reproduce its result (label "
                          "smoothing, class weights, an input edited in place, or overflow)")
    if g_out is not None:
        tape.backward(np.broadcast_to(np.asarray(g_out, np.float64), last.shape))
    return exp
