"""Function (one differentiable op) and the backward engine for Tensors.

An op is a ``Function`` subclass: ``forward`` takes ndarrays and returns an ndarray, and
``backward`` takes the output's gradient (a Tensor) and returns one gradient (Tensor or None)
per Tensor input. ``backward`` is written with Tensor ops, so when the engine runs it with
grad mode on (``create_graph=True``) the gradient is itself differentiable; normally it runs
under ``no_grad`` and ops may take a fused kernel shortcut (``if not is_grad_enabled()``).
Whatever ``forward`` stores on ``self`` for backward lives in ``self.__dict__`` and is freed
when the graph is released after backward.
"""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor


# AUTOGRAD_CHECK_BACKWARD=1 checks every op's backward results, the library's own included
# (the test suite sets it).
_CHECK_ALL = os.environ.get("AUTOGRAD_CHECK_BACKWARD", "") == "1"


class _GradMode:
    enabled = True


_mode = _GradMode()
# Stack of labels of the nn Modules currently running forward (for graph drawing).
scope_stack: list[Any] = []


def is_grad_enabled() -> bool:
    return _mode.enabled


class _SetGrad:
    """Context manager and decorator setting grad mode; restores the previous mode on exit."""

    _value = True

    def __enter__(self) -> None:
        self._prev = _mode.enabled
        _mode.enabled = self._value

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._prev

    def __call__(self, fn: Callable) -> Callable:
        value = self._value

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _mode.enabled
            _mode.enabled = value
            try:
                return fn(*args, **kwargs)
            finally:
                _mode.enabled = prev

        return wrapper


class no_grad(_SetGrad):
    """Operations inside do not record a graph: ``with no_grad(): ...`` or ``@no_grad()``."""

    _value = False


class enable_grad(_SetGrad):
    """Turn graph recording back on inside a ``no_grad`` block."""

    _value = True


class Function:
    """Base class of every differentiable Tensor op."""

    __slots__ = ("inputs", "versions", "_out", "scope", "released", "__dict__")
    #: does backward read the *values* of the inputs? (then in-place edits are an error)
    saves_inputs = True
    #: does backward read the value of its own output? (likewise checked before backward)
    saves_output = False
    #: may the output be a view of the first input's memory (reshape, transpose, slicing)?
    #: Then the two share a version counter, so an in-place edit of either is caught.
    view = False
    #: check what backward returns (count, type, shapes)? On for Functions users write;
    #: off for the library's own ops, which the test suite checks instead (hot path).
    check_backward = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "check_backward" not in cls.__dict__:
            cls.check_backward = _CHECK_ALL or not cls.__module__.startswith("autograd.")

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Tensor:
        fn = cls()
        out = fn.forward(*[t.data for t in inputs], **params)
        if out.__class__ is not np.ndarray:  # numpy returns scalars for 0-d results
            out = np.asarray(out)
        if _mode.enabled:
            for t in inputs:
                if t.requires_grad:
                    result = _make(out, True, fn)
                    fn.inputs = inputs
                    fn.versions = (tuple(t._version for t in inputs) if cls.saves_inputs
                                   else None)
                    fn.scope = scope_stack[-1] if scope_stack else None
                    fn.released = False
                    fn._out = weakref.ref(result)
                    break
            else:
                result = _make(out)
            if cls.view and np.may_share_memory(out, inputs[0].data):
                inputs[0]._share_version(result)
            return result
        return _make(out)

    @property
    def name(self) -> str:
        return type(self).__name__.lower()

    @property
    def output(self) -> Tensor:
        """The Tensor this op produced (held weakly: no reference cycle)."""
        return self._out()

    def forward(self, *arrays: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: Tensor) -> Sequence[Tensor | None]:
        raise NotImplementedError


_Tensor: Any = None  # the Tensor class; tensor.py sets it once the class exists


def _make(*args: Any) -> Tensor:
    """Tensor._make, bound on first use (tensor.py imports this module, not the reverse)."""
    global _make
    from .tensor import Tensor

    _make = Tensor._make
    return _make(*args)


# ---------------------------------------------------------------------------------------
# the engine
# ---------------------------------------------------------------------------------------
def _topo(roots: Iterable[Tensor]) -> list[Tensor]:
    """Tensors reachable from roots through graph edges, inputs before users (no recursion).

    Depth-first with an explicit stack of (tensor, iterator over its inputs); leaves are
    emitted at once without being pushed.
    """
    order: list[Tensor] = []
    seen: set[int] = set()
    for root in roots:
        if id(root) in seen:
            continue
        seen.add(id(root))
        if root._ctx is None:
            order.append(root)
            continue
        stack = [(root, iter(root._ctx.inputs))]
        while stack:
            t, pending = stack[-1]
            for inp in pending:
                if inp.requires_grad and id(inp) not in seen:
                    seen.add(id(inp))
                    fn = inp._ctx
                    if fn is None:
                        order.append(inp)
                    else:
                        stack.append((inp, iter(fn.inputs)))
                        break
            else:
                stack.pop()
                order.append(t)
    return order


def run_backward(roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool,
                 create_graph: bool, capture: Sequence[Tensor] | None = None) -> list | None:
    """Propagate root_grads back through the graph.

    With ``capture`` (autograd.grad) the gradients of those tensors are returned and no
    ``.grad`` is touched; otherwise gradients accumulate into leaves (and retain_grad tensors).
    """
    order = _topo(roots)
    grads: dict[int, Tensor] = {}
    for r, g in zip(roots, root_grads):
        k = id(r)
        grads[k] = grads[k] + g if k in grads else g
    wanted: dict[int, list[int]] | None = None
    if capture is not None:  # tensor id -> its positions in capture (it may be listed twice)
        wanted = {}
        for i, c in enumerate(capture):
            wanted.setdefault(id(c), []).append(i)
    captured: list[Tensor | None] = [None] * (len(capture) if capture is not None else 0)
    # arrays already handed out (as a .grad or a result) or owned by the caller: never alias
    handed: set[int] = {id(g.data) for g in root_grads}

    prev_mode = _mode.enabled
    _mode.enabled = create_graph
    try:
        for t in reversed(order):
            g = grads.pop(id(t), None)
            if g is None:
                continue
            fn = t._ctx
            if wanted is not None:
                for i in wanted.get(id(t), ()):
                    captured[i] = _own(g, t, handed, create_graph)
            elif fn is None or t._retain:
                g_t = _own(g, t, handed, create_graph)
                t.grad = g_t if t.grad is None else t.grad + g_t
            if fn is None:
                continue
            if fn.released:
                raise RuntimeError(
                    f"backward: trying to backward through {fn.name} a second time; its "
                    "buffers were freed after the first backward. Pass retain_graph=True to "
                    "the first backward() if you need to go through the graph again.")
            if fn.versions is not None:
                for inp, v in zip(fn.inputs, fn.versions):
                    if inp._version != v:
                        raise RuntimeError(
                            f"backward: a tensor of shape {inp.shape} needed by {fn.name} was "
                            f"modified in place after it was used (version {v} -> "
                            f"{inp._version}); use an out-of-place op or .clone() first")
            if fn.saves_output and t._version != 0:
                raise RuntimeError(
                    f"backward: the output of {fn.name} (shape {t.shape}) is needed by its "
                    f"backward but was modified in place (version 0 -> {t._version}); use "
                    "an out-of-place op or .clone() first")
            in_grads = fn.backward(g)
            if fn.check_backward:
                _check_grads(fn, in_grads)
            for inp, ig in zip(fn.inputs, in_grads):
                if ig is None or not inp.requires_grad:
                    continue
                k = id(inp)
                prev = grads.get(k)
                grads[k] = ig if prev is None else prev + ig
            if not retain_graph:
                fn.released = True
                fn.__dict__.clear()
    finally:
        _mode.enabled = prev_mode
    return captured if capture is not None else None


def _check_grads(fn: Function, in_grads: Any) -> None:
    """A user-written backward must return one Tensor (or None) per input, of its shape."""
    if len(in_grads) != len(fn.inputs):
        raise RuntimeError(f"backward: {type(fn).__name__}.backward returned "
                           f"{len(in_grads)} gradient(s) for {len(fn.inputs)} input(s)")
    for inp, ig in zip(fn.inputs, in_grads):
        if ig is None or not inp.requires_grad:
            continue
        if not isinstance(ig, _Tensor) or ig.data.shape != inp.data.shape:
            raise RuntimeError(
                f"backward: {type(fn).__name__}.backward returned a gradient of "
                f"{_describe(ig)} for an input of shape {inp.shape}; expected a Tensor "
                "of the input's shape")


def _describe(x: Any) -> str:
    shape = getattr(x, "shape", None)
    return f"shape {shape} ({type(x).__name__})" if shape is not None else type(x).__name__


def _own(g: Tensor, t: Tensor, handed: set[int], create_graph: bool) -> Tensor:
    """The gradient to hand out for t: in t's dtype, and (without create_graph) an array of
    its own, so later in-place updates of one .grad never touch another or a caller's array."""
    if create_graph:
        return g if g.data.dtype == t.data.dtype else g.astype(t.data.dtype)
    data = g.data
    if data.__class__ is not np.ndarray:  # a 0-d result some backward left as a numpy scalar
        data = np.asarray(data)
        handed.add(id(data))
        return _make(data if data.dtype == t.data.dtype else data.astype(t.data.dtype))
    if data.dtype != t.data.dtype:
        data = data.astype(t.data.dtype)
    elif id(data) in handed or data.base is not None:
        data = data.copy()
    handed.add(id(data))
    return g if data is g.data else _make(data)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
         retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """d(outputs)/d(inputs) as a tuple, without touching any ``.grad`` (like torch.autograd.grad).

    ``create_graph=True`` makes the result differentiable (for second derivatives).
    """
    from .tensor import Tensor

    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for t in ins:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise ValueError("grad: every input must be a Tensor with requires_grad=True")
    if grad_outputs is None:
        gos: list[Tensor | None] = [None] * len(outs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)):
        gos = [grad_outputs]
    else:
        gos = list(grad_outputs)
    if len(gos) != len(outs):
        raise ValueError(f"grad: {len(outs)} outputs but {len(gos)} grad_outputs")
    root_grads = []
    for o, go in zip(outs, gos):
        if not isinstance(o, Tensor) or not o.requires_grad:
            raise ValueError("grad: every output must be a Tensor that requires grad "
                             "(computed from an input with requires_grad=True)")
        root_grads.append(_root_grad(o, go, "grad"))
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(outs, root_grads, retain_graph, create_graph, capture=ins)
    for t, g in zip(ins, result):
        if g is None and not allow_unused:
            raise ValueError(f"grad: an input of shape {t.shape} was not used to compute the "
                             "outputs; pass allow_unused=True to get None for it")
    return tuple(result)


def _root_grad(root: Tensor, g: Any, who: str) -> Tensor:
    from .tensor import Tensor

    if g is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"{who}: the output has shape {root.shape}; backward without a gradient "
                "argument needs a single-element output (e.g. a loss). Pass grad= with the "
                "output's shape, or reduce it first (.sum(), .mean()).")
        return Tensor._make(np.ones_like(root.data))
    g = g if isinstance(g, Tensor) else Tensor(g, dtype=root.dtype)
    if g.shape != root.shape:
        raise ValueError(f"{who}: gradient has shape {g.shape} but the output has shape "
                         f"{root.shape}; they must match")
    return g
