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
import itertools
import os
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast, overload

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor


# AUTOGRAD_CHECK_BACKWARD=1 checks every op's backward results, the library's own included
# (the test suite sets it).
_CHECK_ALL = os.environ.get("AUTOGRAD_CHECK_BACKWARD", "") == "1"


class _GradMode(threading.local):
    """Per-thread state, as in PyTorch: grad mode, and the nn Modules running forward."""

    def __init__(self) -> None:
        self.enabled = True
        self.inference = False
        self.scopes: list[Any] = []  # innermost last (for graph drawing: module boxes)


_mode = _GradMode()


class _ScopeStack:
    """The current thread's stack of running nn Modules (``Module.__call__`` pushes/pops)."""

    def append(self, module: Any) -> None:
        _mode.scopes.append(module)

    def pop(self) -> Any:
        return _mode.scopes.pop()

    def __len__(self) -> int:
        return len(_mode.scopes)

    def __getitem__(self, i: int) -> Any:
        return _mode.scopes[i]


scope_stack = _ScopeStack()

# Tensor.register_hook sets this once, so the backward loop looks for hooks only then.
_hooks_used = False
# autograd.compile's recorder while it records a call (else None: one global load and
# compare in Function.apply and run_backward)
_recorder: Any = None


def is_grad_enabled() -> bool:
    return _mode.enabled


def is_inference_mode_enabled() -> bool:
    return _mode.inference


class _SetGrad:
    """Context manager and decorator setting grad mode; restores the previous mode on exit."""

    _value = True

    def __enter__(self) -> None:
        self._prev = _mode.enabled
        _mode.enabled = self._value

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._prev

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
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


class set_grad_enabled(_SetGrad):
    """``set_grad_enabled(False)`` turns graph recording off for this thread at once (as a
    call) or for a block (``with set_grad_enabled(mode): ...``), as in PyTorch."""

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"set_grad_enabled: mode must be a bool, got {mode!r}")
        self._value = bool(mode)
        self._prev = _mode.enabled
        _mode.enabled = self._value  # takes effect now; __exit__ restores the previous mode

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        _mode.enabled = self._prev  # as a decorator it only applies inside fn
        return super().__call__(fn)


class inference_mode(_SetGrad):
    """Like ``no_grad`` (no graph is recorded); ``inference_mode(False)`` changes nothing.

    PyTorch's inference mode also forbids using its tensors in autograd later; here the
    tensors made inside are ordinary tensors without a graph, as under ``no_grad``.
    """

    def __init__(self, mode: bool = True) -> None:
        self._on = bool(mode)

    def __enter__(self) -> None:
        self._prev = _mode.enabled
        self._prev_inf = _mode.inference
        if self._on:
            _mode.enabled = False
            _mode.inference = True

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._prev
        _mode.inference = self._prev_inf

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(self._on):
                return fn(*args, **kwargs)

        return wrapper


class RemovableHandle:
    """What every ``register_*hook`` returns (a tensor's, a module's, an optimizer's), as
    torch.utils.hooks.RemovableHandle: ``remove()`` takes the hook off its table again; also
    a context manager that removes it on exit."""

    _ids = itertools.count(1)

    def __init__(self, hooks: dict[int, Any]) -> None:
        self.hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        self.hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class Function:
    """Base class of every differentiable Tensor op."""

    __slots__ = ("inputs", "versions", "_out", "scope", "released", "__dict__")
    # set by apply only when a graph is recorded (the op's node in it)
    inputs: tuple[Tensor, ...]
    versions: tuple[int, ...] | None  # the inputs' versions, when saves_inputs
    _out: weakref.ref[Tensor]
    scope: Any  # the innermost nn Module running when the op ran (for drawings), or None
    released: bool  # backward freed __dict__ (without retain_graph)
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
        if isinstance(cls.__dict__.get("forward"), staticmethod):
            _make_ctx_style(cls)

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
                    scopes = _mode.scopes
                    fn.scope = scopes[-1] if scopes else None
                    fn.released = False
                    fn._out = weakref.ref(result)
                    break
            else:
                result = _make(out)
        else:
            result = _make(out)
        # a view shares its base's version counter whether or not a graph is recorded, so
        # an in-place edit through a view taken under no_grad is still caught
        if cls.view and np.may_share_memory(out, inputs[0].data):
            inputs[0]._share_version(result)
        if _recorder is not None:
            _recorder.op(cls, inputs, params, result)
        return result

    @property
    def name(self) -> str:
        return type(self).__name__.lower()

    def describe(self) -> str:
        """This node's label in a drawing: the op's name plus its key parameters. An op that
        overrides it keeps those parameters in ``__slots__`` (they outlive the release of
        ``__dict__`` after backward), so the drawing reads the same before and after."""
        return self.name

    @property
    def output(self) -> Tensor:
        """The Tensor this op produced (held weakly: no reference cycle). It is alive whenever
        backward runs (the engine holds it), which is where ops read it."""
        return cast("Tensor", self._out())

    def forward(self, *arrays: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: Tensor) -> Sequence[Tensor | None]:
        raise NotImplementedError


# ---------------------------------------------------------------------------------------
# PyTorch-style custom Functions: static forward(ctx, ...) / backward(ctx, grad)
# ---------------------------------------------------------------------------------------
class FunctionCtx:
    """What a PyTorch-style ``forward(ctx, ...)`` may use on ``ctx`` (the Function node
    itself): ``save_for_backward``, ``saved_tensors``, ``needs_input_grad``,
    ``mark_non_differentiable``, ``set_materialize_grads``, and any attribute you set."""

    __slots__ = ()

    def save_for_backward(self, *tensors: Any) -> None:
        for t in tensors:
            if t is not None and not isinstance(t, _Tensor):
                raise TypeError(f"save_for_backward: expected Tensors (or None), got "
                                f"{type(t).__name__}; store other values as ctx attributes")
        # ctx is always a Function node too (its __dict__ holds what backward needs)
        self.__dict__["_saved"] = tensors
        self.__dict__["_saved_versions"] = tuple(None if t is None else t._version
                                                 for t in tensors)

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        if getattr(self, "released", False):
            raise RuntimeError("saved_tensors: the saved tensors were freed after the first "
                               "backward; pass retain_graph=True to go through it again")
        saved: tuple[Any, ...] = self.__dict__.get("_saved", ())
        for t, v in zip(saved, self.__dict__.get("_saved_versions", ())):
            if t is not None and t._version != v:
                raise RuntimeError(
                    f"saved_tensors: a tensor of shape {t.shape} saved for backward was "
                    f"modified in place after it was saved (version {v} -> {t._version})")
        return saved

    def mark_non_differentiable(self, *tensors: Any) -> None:
        self.__dict__["_non_diff"] = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool) -> None:
        self.__dict__["_materialize"] = bool(value)

    def mark_dirty(self, *tensors: Any) -> None:
        raise NotImplementedError("mark_dirty: in-place custom Functions are not supported; "
                                  "return a new tensor from forward")


def _make_ctx_style(cls: type[Function]) -> None:
    """Give a Function subclass written PyTorch's way (``@staticmethod forward(ctx, *args)``)
    its own ``apply``; the library's own ops (instance ``forward`` on ndarrays) are untouched.
    """
    user_forward = cls.__dict__["forward"].__func__
    user_backward = cls.__dict__.get("backward")
    if not isinstance(user_backward, staticmethod):
        raise TypeError(f"{cls.__name__}: with a @staticmethod forward(ctx, ...), backward "
                        "must be a @staticmethod backward(ctx, *grad_outputs) too")
    user_backward = user_backward.__func__
    node_cls: Any = type(cls.__name__, (FunctionCtx, cls), {
        "forward": _ctx_forward_unused, "backward": _ctx_backward,
        "_user_backward": staticmethod(user_backward), "__module__": cls.__module__,
        "__qualname__": cls.__qualname__})

    def apply(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError(f"{cls.__name__}.apply: pass arguments positionally (as in "
                            "PyTorch), got keywords " + ", ".join(kwargs))
        ctx = node_cls.__new__(node_cls)
        tensor_pos = [i for i, a in enumerate(args) if isinstance(a, _Tensor)]
        ctx.needs_input_grad = tuple(isinstance(a, _Tensor) and a.requires_grad for a in args)
        ctx._arg_count = len(args)
        ctx._tensor_pos = tensor_pos
        prev = _mode.enabled
        _mode.enabled = False  # forward's own ops are not recorded: backward defines them
        try:
            out = user_forward(ctx, *args)
        finally:
            _mode.enabled = prev
        if isinstance(out, (tuple, list)):
            raise NotImplementedError(f"{cls.__name__}.forward returned {len(out)} outputs; "
                                      "custom Functions here return one Tensor")
        if not isinstance(out, _Tensor):
            out = _Tensor(out)
        inputs = tuple(args[i] for i in tensor_pos)
        track = (prev and any(t.requires_grad for t in inputs)
                 and id(out) not in getattr(ctx, "_non_diff", ()))
        if not track:
            return _make(out.data)
        result = _make(out.data, True, ctx)
        ctx.inputs = inputs
        ctx.versions = None  # saved tensors are checked by saved_tensors instead
        ctx.scope = _mode.scopes[-1] if _mode.scopes else None
        ctx.released = False
        ctx._out = weakref.ref(result)
        return result

    # replacing the inherited classmethod on purpose (mypy forbids assigning to a method)
    cls.apply = staticmethod(apply)  # type: ignore[method-assign]


def _ctx_forward_unused(self: Any, *args: Any) -> Any:
    raise RuntimeError("call a custom Function through .apply(...), not forward")


def _ctx_backward(self: Any, g: Any) -> tuple[Tensor | None, ...]:
    """The engine's backward(g) for a PyTorch-style Function: call the user's static
    backward(ctx, g) and keep the gradients of the Tensor arguments."""
    grads = self._user_backward(self, g)
    if not isinstance(grads, tuple):
        grads = (grads,)
    if len(grads) != self._arg_count:
        raise RuntimeError(f"backward: {type(self).__name__}.backward returned {len(grads)} "
                           f"gradient(s), forward took {self._arg_count} argument(s); return "
                           "one per argument (None for non-Tensors)")
    out: list[Tensor | None] = []
    for i in self._tensor_pos:
        gi = grads[i]
        if gi is not None and not isinstance(gi, _Tensor):
            gi = _Tensor(gi, dtype=self.inputs[len(out)].dtype)
        out.append(gi)
    return tuple(out)


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


@overload
def run_backward(roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool,
                 create_graph: bool, capture: None = None) -> None: ...
@overload
def run_backward(roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool,
                 create_graph: bool, capture: Sequence[Tensor]) -> list[Tensor | None]: ...
def run_backward(roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool,
                 create_graph: bool, capture: Sequence[Tensor] | None = None
                 ) -> list[Tensor | None] | None:
    """Propagate root_grads back through the graph.

    With ``capture`` (autograd.grad) the gradients of those tensors are returned and no
    ``.grad`` is touched; otherwise gradients accumulate into leaves (and retain_grad tensors).
    """
    if _recorder is not None:
        got: list[Tensor | None] | None = _recorder.backward(
            roots, root_grads, retain_graph, create_graph, capture)
        return got
    order = _topo(roots)
    grads: dict[int, Tensor] = {}
    for r, rg in zip(roots, root_grads):
        k = id(r)
        grads[k] = grads[k] + rg if k in grads else rg
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
            if _hooks_used:
                hooks = getattr(t, "_hooks", None)
                if hooks:
                    for hook in list(hooks.values()):
                        r = hook(g)
                        if r is not None:
                            g = r if isinstance(r, _Tensor) else _Tensor(r, dtype=t.dtype)
            fn = t._ctx
            if wanted is not None:
                for i in wanted.get(id(t), ()):
                    captured[i] = _own(g, t, handed, create_graph)
            elif fn is None or t._retain:
                g_t = _own(g, t, handed, create_graph)
                t._grad = g_t if t._grad is None else t._grad + g_t
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


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             inputs: Tensor | Sequence[Tensor] | None = None) -> None:
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad`` (torch.autograd.backward).

    ``grad_tensors`` holds one upstream gradient per tensor (None for a one-element tensor);
    with ``inputs`` only those tensors' ``.grad`` is accumulated.
    """
    from .tensor import Tensor

    outs = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None:
        gos: list[Any] = [None] * len(outs)
    elif isinstance(grad_tensors, (Tensor, np.ndarray)):
        gos = [grad_tensors]
    else:
        gos = list(grad_tensors)
    if len(gos) != len(outs):
        raise ValueError(f"backward: {len(outs)} tensors but {len(gos)} grad_tensors")
    roots, root_grads = [], []
    for o, go in zip(outs, gos):
        if not isinstance(o, Tensor):
            raise TypeError(f"backward: expected Tensors, got {type(o).__name__}")
        if not o.requires_grad:
            raise RuntimeError("backward: a tensor does not require grad (nothing it was "
                               "computed from has requires_grad=True)")
        roots.append(o)
        root_grads.append(_root_grad(o, go, "backward"))
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        run_backward(roots, root_grads, retain or create_graph, create_graph)
        return
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not ins:
        raise ValueError("backward: inputs= must not be empty")
    for t in ins:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise ValueError("backward: every tensor in inputs= must require grad")
    got = run_backward(roots, root_grads, retain or create_graph, create_graph, capture=ins)
    for t, g in zip(ins, got):
        if g is not None:
            t._grad = g if t._grad is None else t._grad + g


def _root_grad(root: Tensor, g: Any, who: str) -> Tensor:
    from .tensor import ShapeError, Tensor

    if g is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"{who}: the output has shape {root.shape}; backward without a gradient "
                "argument needs a single-element output (e.g. a loss). Pass grad= with the "
                "output's shape, or reduce it first (.sum(), .mean()).")
        return Tensor._make(np.ones_like(root.data))
    t = g if isinstance(g, Tensor) else Tensor(g, dtype=root.dtype)
    if t.shape != root.shape:
        raise ShapeError(f"{who}: gradient has shape {t.shape} but the output has shape "
                         f"{root.shape}; they must match")
    return t
