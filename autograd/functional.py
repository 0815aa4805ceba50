"""Higher-order derivatives of whole functions, as ``torch.autograd.functional``:
``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``, ``vhp``; and DeZero's ``sum_to``.

Each is built on ``autograd.grad``: a Jacobian is one vector-Jacobian product per output
element (a row at a time), a Jacobian-vector product is the derivative of a vjp with respect
to its vector (the "double-vjp" trick), a Hessian is the Jacobian of the gradient.
``inputs`` is a Tensor or a tuple of Tensors; results keep that structure, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .function import enable_grad, grad
from .ops.shape import stack
from .tensor import ShapeError, Tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "sum_to", "vhp", "vjp"]


def _as_tuple(x: Any, what: str, who: str) -> tuple[bool, tuple[Tensor, ...]]:
    """(was it a tuple?, the Tensors)"""
    if isinstance(x, Tensor):
        return False, (x,)
    if isinstance(x, (tuple, list)) and all(isinstance(t, Tensor) for t in x):
        return True, tuple(x)
    raise TypeError(f"{who}: {what} must be a Tensor or a tuple of Tensors, got "
                    f"{type(x).__name__}")


def _prepare(inputs: tuple[Tensor, ...], create_graph: bool) -> tuple[Tensor, ...]:
    """Inputs that require grad: the caller's tensors themselves when building a graph
    through them (create_graph), detached copies otherwise."""
    out = []
    for t in inputs:
        if t.dtype.kind != "f":
            raise TypeError(f"inputs must be floating point, got {t.dtype}")
        if create_graph and t.requires_grad:
            out.append(t)
        else:
            out.append(Tensor._make(t.data).requires_grad_(True))
    return tuple(out)


def _grads(outs: tuple[Tensor, ...], ins: tuple[Tensor, ...], gos: Any, create_graph: bool,
           strict: bool, who: str) -> tuple[Tensor, ...]:
    live = [o for o in outs if o.requires_grad]
    live_g = [g for o, g in zip(outs, gos) if o.requires_grad]
    if not live:
        if strict:
            raise RuntimeError(f"{who}: the output does not depend on the inputs (strict=True)")
        return tuple(Tensor._make(np.zeros_like(t.data)) for t in ins)
    got = grad(live, list(ins), live_g, retain_graph=True, create_graph=create_graph,
               allow_unused=True)
    res = []
    for t, g in zip(ins, got):
        if g is None:
            if strict:
                raise RuntimeError(f"{who}: an output is independent of an input of shape "
                                   f"{t.shape} (strict=True)")
            g = Tensor._make(np.zeros_like(t.data))
        res.append(g)
    return tuple(res)


def _call(func: Callable, ins: tuple[Tensor, ...], who: str) -> tuple[bool, tuple[Tensor, ...]]:
    with enable_grad():
        out = func(*ins)
    return _as_tuple(out, "the function's output", who)


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), v^T J): the vector-Jacobian product at ``inputs``."""
    in_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
    ins = _prepare(ins, create_graph)
    out_tuple, outs = _call(func, ins, "vjp")
    if v is None:
        if len(outs) != 1 or outs[0].data.size != 1:
            raise RuntimeError("vjp: v can be omitted only for a single one-element output")
        vs: tuple[Any, ...] = (Tensor._make(np.ones_like(outs[0].data)),)
    else:
        _, vs = _as_tuple(v, "v", "vjp")
        if len(vs) != len(outs) or any(a.shape != b.shape for a, b in zip(vs, outs)):
            raise RuntimeError("vjp: v must have the shape of the function's output(s): "
                               f"{[o.shape for o in outs]}, got {[x.shape for x in vs]}")
    g = _grads(outs, ins, list(vs), create_graph, strict, "vjp")
    out_val = tuple(o if create_graph else o.detach() for o in outs)
    return (out_val if out_tuple else out_val[0]), (g if in_tuple else g[0])


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), J v): the Jacobian-vector product, by differentiating a vjp with
    respect to its (dummy) vector."""
    in_tuple, ins = _as_tuple(inputs, "inputs", "jvp")
    if v is None:
        if len(ins) != 1 or ins[0].data.size != 1:
            raise RuntimeError("jvp: v can be omitted only for a single one-element input")
        vs: tuple[Tensor, ...] = (Tensor._make(np.ones_like(ins[0].data)),)
    else:
        _, vs = _as_tuple(v, "v", "jvp")
        if len(vs) != len(ins) or any(a.shape != b.shape for a, b in zip(vs, ins)):
            raise RuntimeError("jvp: v must have the shape of the input(s)")
    ins = _prepare(ins, create_graph)
    out_tuple, outs = _call(func, ins, "jvp")
    with enable_grad():
        dummies = tuple(Tensor._make(np.zeros_like(o.data)).requires_grad_(True)
                        for o in outs)
        g = _grads(outs, ins, list(dummies), True, strict, "jvp")
        live = [(gi, vi) for gi, vi in zip(g, vs) if gi.requires_grad]
        if not live:
            jv = tuple(Tensor._make(np.zeros_like(o.data)) for o in outs)
        else:
            got = grad([gi for gi, _ in live], list(dummies), [vi for _, vi in live],
                       retain_graph=True, create_graph=create_graph, allow_unused=True)
            jv = tuple(Tensor._make(np.zeros_like(o.data)) if x is None else x
                       for o, x in zip(outs, got))
    out_val = tuple(o if create_graph else o.detach() for o in outs)
    return (out_val if out_tuple else out_val[0]), (jv if out_tuple else jv[0])


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """d func / d inputs, of shape ``output.shape + input.shape`` (nested tuples for tuple
    outputs and inputs, as in PyTorch). ``vectorize`` is accepted and has no effect."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got "
                         f"{strategy!r}")
    in_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
    ins = _prepare(ins, create_graph)
    out_tuple, outs = _call(func, ins, "jacobian")
    rows: list[tuple[Any, ...]] = []
    for o in outs:
        per_in: list[list[Tensor]] = [[] for _ in ins]
        n = o.data.size
        for j in range(n):
            e = np.zeros(n, dtype=o.dtype)
            e[j] = 1
            g = _grads((o,), ins, [Tensor._make(e.reshape(o.shape))], create_graph, strict,
                       "jacobian")
            for k, gk in enumerate(g):
                per_in[k].append(gk)
        blocks = []
        for k, t in enumerate(ins):
            if per_in[k]:
                blk = stack(per_in[k], 0).reshape(o.shape + t.shape)
            else:
                blk = Tensor._make(np.zeros(o.shape + t.shape, dtype=t.dtype))
            blocks.append(blk if create_graph else blk.detach())
        rows.append(tuple(blocks))
    if not out_tuple and not in_tuple:
        return rows[0][0]
    if not out_tuple:
        return rows[0]
    if not in_tuple:
        return tuple(r[0] for r in rows)
    return tuple(rows)


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar function: the Jacobian of its gradient."""
    in_tuple, ins = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs: Tensor) -> Any:
        out = func(*xs)
        if not isinstance(out, Tensor) or out.data.size != 1:
            raise RuntimeError("hessian: the function must return a single one-element Tensor")
        g = _grads((out,), xs, [Tensor._make(np.ones_like(out.data))], True, strict,
                   "hessian")
        return g if in_tuple else g[0]

    return jacobian(gradient, ins if in_tuple else ins[0], create_graph, strict)


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), v^T H) for a scalar function."""
    in_tuple, ins = _as_tuple(inputs, "inputs", "vhp")
    if v is None:
        if len(ins) != 1 or ins[0].data.size != 1:
            raise RuntimeError("vhp: v can be omitted only for a single one-element input")
        vs: tuple[Tensor, ...] = (Tensor._make(np.ones_like(ins[0].data)),)
    else:
        _, vs = _as_tuple(v, "v", "vhp")
    ins = _prepare(ins, create_graph)
    with enable_grad():
        out = func(*ins)
        if not isinstance(out, Tensor) or out.data.size != 1:
            raise RuntimeError("vhp: the function must return a single one-element Tensor")
        g = _grads((out,), ins, [Tensor._make(np.ones_like(out.data))], True, strict, "vhp")
        live = [(gi, vi) for gi, vi in zip(g, vs) if gi.requires_grad]
        if live:
            h = _grads(tuple(gi for gi, _ in live), ins, [vi for _, vi in live],
                       create_graph, strict, "vhp")
        else:
            h = tuple(Tensor._make(np.zeros_like(t.data)) for t in ins)
    out_val = out if create_graph else out.detach()
    return out_val, (h if in_tuple else h[0])


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), H v) for a scalar function (H is symmetric, so this equals vhp)."""
    return vhp(func, inputs, v, create_graph, strict)


def sum_to(x: Tensor, shape: Any) -> Tensor:
    """Sum ``x`` down to ``shape`` (the inverse of broadcasting ``shape`` up to ``x.shape``),
    differentiably: DeZero's ``sum_to``."""
    from .ops.elementwise import unbroadcast

    if not isinstance(x, Tensor):
        raise TypeError(f"sum_to: expected a Tensor, got {type(x).__name__}")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    try:
        ok = np.broadcast_shapes(shape, x.shape) == x.shape
    except ValueError:
        ok = False
    if not ok:
        raise ShapeError(f"sum_to: shape {shape} does not broadcast to the tensor's shape "
                         f"{x.shape}, so the tensor cannot be summed down to it")
    return unbroadcast(x, shape)
