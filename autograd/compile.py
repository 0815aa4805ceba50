"""``autograd.compile(fn)``: record a training step once, replay it without the eager overhead.

    step = autograd.compile(step)   # or @autograd.compile
    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

How it works. The calls with a new *signature* (shapes, dtypes and requires_grad of the
Tensor and ndarray arguments, the values of the other arguments, grad mode and kernel
backend) run ``fn`` eagerly while a recorder notes every op (its Function class, parameters
and which arrays it read), every ``backward()`` (the order of the nodes, which gradient
accumulates where, which leaves get a ``.grad``), and every ``optimizer.zero_grad()`` /
``optimizer.step()`` / ``module.zero_grad()``. A signature is recorded twice (its first two
calls, both eager); when the two records agree, later calls replay the record: each op's
forward and backward run on their arrays in the recorded order, with no graph, no
topological sort, no version checks and no per-op Tensor or Function objects. The update
is ``optimizer.step()``'s, with the learning rate and other hyper-parameters read from
``param_groups`` (and the state from ``optimizer.state``) at every replay, so a scheduler's
changes and a loaded state dict apply. Parameters and the optimizer state change in place
exactly as in the eager step (same kernels, same order: the numbers are bit-identical,
except in the fused step below); the returned Tensors hold this call's values (without a
graph). The 8 most recently used signatures are kept.

The replay is lowered to array-level calls when the plan is built (``FAST``): the fused
dense layer (``LinearAct``: relu, leaky_relu, sigmoid, tanh or none, with a bias) and
softmax cross-entropy (mean or sum, no class weights) run their kernels directly, with the
size dispatch their eager wrappers would choose resolved once, writing into buffers that
are reused from call to call; every other op runs its Function's forward and backward on
the arrays. ``Adam``, ``AdamW`` and ``SGD`` on the numba backend call their update kernel
per parameter without the optimizer's per-parameter wrapper (``maximize``, scalar
``Value`` parameters and a parameter's first step go through the eager code). A buffer is
reused only while nothing outside the replay holds it: a ``.grad`` or a returned tensor the
caller keeps is never overwritten by a later call. The lowering mirrors the eager dispatch
of ``bias_act``, ``act_backward``, ``softmax_xent``, ``matmul``, ``adam_update`` and
``sgd_update``: a change there must be mirrored here (the bit-identity tests catch it).

The fused step (``fuse=True``, the default; ``autograd._fuse``): a record that is a plain
dense-network step (``zero_grad`` with set_to_none, a chain of ``LinearAct`` layers from
the first Tensor argument, softmax cross-entropy (mean or sum, no class weights; label
smoothing is kept) or MSE (mean or sum) on the last output against a label / target
argument, one ``backward()`` of that loss, one ``Adam`` / ``AdamW`` / ``SGD`` step over
exactly those layers' weights and biases, the loss returned) runs as ONE numba call on the
numba backend: forward, loss, backward and the update in place
(``kernels.fused_step``), float32 or float64, at any size: products above
``kernels.fused_step.MAX_FLOPS`` run through the packed matmul kernel inside that call,
on two threads (and the larger parameters' updates with them) where the matmul's own
cut-off and the busy-core back-off would give a product two. It reads ``param_groups``
and ``optimizer.state`` at every call as the replay does; the gradients are views of one
array per call (last call's again only when nothing outside holds any of its views), the
loss a fresh 0-d Tensor. Its numbers agree with the eager
step within float rounding, not bit for bit (its products sum in another order than
BLAS). A call the kernel does not run (a group with ``maximize`` or ``amsgrad``, a
parameter's first step, an odd layout) takes the replay; the replay's guards and the label
range check run before it either way. ``compiled.fused`` says whether the last call ran
the fused step; ``autograd.compile(fn, fuse=False)`` gives the bit-identical replay.

Dropout (``nn.functional.dropout`` and the modules built on it) draws a fresh mask from
``autograd.rng()`` at every replay, as the eager step does.

What is checked, and what happens:

* reading a tensor's value into Python while recording (``.item()``, ``float(t)``,
  ``int(t)``, ``bool(t)``, ``.tolist()``, ``.numpy()``, ``np.asarray(t)``, formatting or
  printing a tensor): the step may branch on it, so it cannot be replayed. The compiled
  function then **falls back to eager for good**, with a one-time ``CompileWarning`` saying
  why. The same fallback (and warning) follows anything else the recorder cannot replay:
  the two records of a signature differing (ops or constants that depend on the input
  values, random tensors made inside the step), an in-place edit of an input or of an
  intermediate tensor or of any other tensor (BatchNorm's running statistics: a model in
  train mode with BatchNorm runs eagerly), gradients changed between ``backward()`` and
  ``step()`` (``nn.utils.clip_grad_norm_`` / ``clip_grad_value_``, or edits through
  ``.data``), ``autograd.grad`` / ``create_graph`` / tensor hooks /
  ``retain_grad`` inside the step, forward hooks on a module, a custom ``ctx``-style
  Function, or returning a tensor that requires grad from a step without ``backward()``.
  ``compiled.eager_reason`` says why; ``compiled.reset()`` forgets it and records again.
* before each replay: every parameter (and other outside tensor) the step read keeps its
  shape, dtype and requires_grad, and every module it ran keeps its train/eval mode and
  the identity of its tensor attributes (a replaced ``Parameter``); otherwise the call is
  recorded again. Labels for cross-entropy are range-checked; a bad label runs the step
  eagerly (which raises the usual error, or handles ``ignore_index``).
* parameters' ``.data`` and the inputs are read at every replay, so editing them between
  calls (``p.data[...] = ...``, loading a state dict) is seen.

Not seen: Python side effects inside ``fn`` (prints, counters, appending to lists) run only
while recording, and values read through ``.data`` inside the step are not detected unless
the two records differ. Recording is not thread-safe: ops from other threads during a
recording are ignored.
"""

from __future__ import annotations

import functools
import sys
import threading
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from . import function as _F
from . import kernels as K
from ._grads import zero_grads
from .function import Function, _mode, _own, _topo
from .tensor import Tensor

__all__ = ["CompileWarning", "compile"]

CACHE_SIZE = 8
FAST = True  # lower records to direct kernel calls (False: the per-op replay only)


class CompileWarning(UserWarning):
    """autograd.compile could not replay a function and runs it eagerly instead."""


class _Unreplayable(Exception):
    """What the recorder saw that a replay could not reproduce (the message says what)."""


_WRAPPER = "<compiled>"  # the label of the plan's own array holders
_STALE = object()  # a guard failed: record again
_EAGER = object()  # run this one call eagerly (e.g. a label out of range: eager raises)


# ---------------------------------------------------------------------------------------
# dropout as one node, so a replay draws a fresh mask (installed only while recording)
# ---------------------------------------------------------------------------------------
class _Dropout(Function):
    """x * mask with mask = (rng.random(shape) >= p) / (1 - p), drawn in forward: the same
    numbers and the same draws as ``nn.functional.dropout``'s eager ``x * mask``."""

    saves_inputs = False

    def forward(self, x, p):
        from .creation import rng

        keep = rng().random(x.shape) >= p
        self.mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
        return x * self.mask

    def backward(self, g):
        return (g * Tensor._make(self.mask),)


def _make_dropout(original: Callable) -> Callable:
    @functools.wraps(original)
    def dropout(x: Any, p: Any = 0.5, training: Any = True, inplace: Any = False, *args: Any,
                **kwargs: Any) -> Any:
        if (args or kwargs or not isinstance(x, Tensor) or training is not True
                or p.__class__ not in (float, int) or not 0.0 < p < 1.0
                or x.dtype.kind != "f"):
            return original(x, p, training, inplace, *args, **kwargs)
        return _Dropout.apply(x, p=float(p))

    return dropout


# ---------------------------------------------------------------------------------------
# recording
# ---------------------------------------------------------------------------------------
_READS = ("item", "tolist", "numpy", "__float__", "__int__", "__bool__", "__index__",
          "__array__", "__format__", "__repr__", "__str__")


def _reader(name: str, original: Callable) -> Callable:
    @functools.wraps(original)
    def read(*args: Any, **kwargs: Any) -> Any:
        rec = _F._recorder
        if rec is not None and rec.read is None and rec.thread == threading.get_ident():
            rec.read = name
        return original(*args, **kwargs)

    return read


def _bumper(original: Callable) -> Callable:
    """Tensor._bump_version while recording: an in-place edit other than the optimizer's
    own update of its parameters would not be replayed."""

    @functools.wraps(original)
    def bump(self: Tensor) -> None:
        rec = _F._recorder
        if rec is not None and rec.thread == threading.get_ident():
            left = rec.pending.get(id(self), 0)
            if left:
                rec.pending[id(self)] = left - 1
            elif rec.fail is None:
                rec.fail = (f"a tensor of shape {self.shape} was modified in place inside the "
                            "step (in-place edits, e.g. BatchNorm's running statistics, are "
                            "not replayed)")
        return original(self)

    return bump


class _Const:
    """An array parameter the recorder could not trace to an input: baked into the record
    (and compared between the two records of a signature)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class _Slot:
    """A parameter that is one of the record's arrays (read again at every replay)."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Slot) and other.index == self.index

    __hash__ = None  # type: ignore[assignment]


class _Node:
    __slots__ = ("cls", "ins", "params", "out", "scope", "info")

    def __init__(self, cls: type, ins: list[int], params: dict, out: int, scope: Any,
                 info: Any) -> None:
        self.cls, self.ins, self.params, self.out, self.scope, self.info = (
            cls, ins, params, out, scope, info)


class _Recorder:
    """Notes what one eager call does (set as ``function._recorder`` during the call)."""

    def __init__(self, flat: list[Any]) -> None:
        self.thread = threading.get_ident()
        self.slots: list[tuple] = []  # ('arg', i) ('node', k) ('leaf', t) ('extern', t)
        self.slot_rg: list[bool] = []  # ('conv', src slot, dtype)
        self.meta: list[Any] = []  # (shape, dtype) of each slot's array when recorded
        self.nodes: list[_Node] = []
        self.events: list[tuple] = []
        self.t2slot: dict[int, int] = {}
        self.a2slot: dict[int, int] = {}
        self.keep: list[Any] = []  # everything whose id() is a key above stays alive
        self.seen: list[tuple[Tensor, int, int]] = []  # (tensor, version, its bumps then)
        self.bumps: dict[int, int] = {}  # optimizer steps' version bumps, per tensor id
        self.pending: dict[int, int] = {}  # bumps step() is about to make, per param id
        self.modules: dict[int, Any] = {}
        self.grad_snap: dict[int, tuple[Tensor, np.ndarray]] = {}
        self.read: str | None = None
        self.fail: str | None = None
        self.mode: bool | None = None
        self.backwards = 0
        self.arg_arrays: list[tuple[int, np.ndarray]] = []
        self.conv_cache: dict[tuple[int, str], int] = {}
        self.flat = flat
        for i, a in enumerate(flat):
            if isinstance(a, Tensor):
                s = self._new_slot(("arg", i), a.requires_grad, a, a.data)
            else:
                s = self._new_slot(("arg", i), False, None, a)
            self.arg_arrays.append((s, a.data if isinstance(a, Tensor) else a))

    # -- slots ---------------------------------------------------------------------------
    def _new_slot(self, desc: tuple, rg: bool, t: Tensor | None, arr: Any) -> int:
        s = len(self.slots)
        self.slots.append(desc)
        self.slot_rg.append(bool(rg))
        self.meta.append((arr.shape, arr.dtype) if isinstance(arr, np.ndarray) else None)
        if t is not None:
            self.t2slot[id(t)] = s
            self.keep.append(t)
            self.seen.append((t, t._version, self.bumps.get(id(t), 0)))
        if isinstance(arr, np.ndarray):
            self.a2slot.setdefault(id(arr), s)
            self.keep.append(arr)
        return s

    def _conversion(self, arr: np.ndarray) -> int | None:
        """The slot of an argument that ``arr`` is a converted copy of (labels given as
        int32 and made int64, a float64 array made float32...), if any."""
        for s, src in self.arg_arrays:
            if (isinstance(src, np.ndarray) and src.shape == arr.shape and src is not arr
                    and arr.flags.c_contiguous and np.can_cast(src.dtype, arr.dtype, "unsafe")
                    and np.array_equal(src.astype(arr.dtype), arr)):
                key = (s, arr.dtype.str)
                c = self.conv_cache.get(key)
                if c is None:
                    c = self.conv_cache[key] = self._new_slot(("conv", s, arr.dtype), False,
                                                              None, arr)
                return c
        return None

    def ref(self, t: Tensor) -> int:
        s = self.t2slot.get(id(t))
        if s is not None:
            return s
        if t.requires_grad and t._ctx is None:
            return self._new_slot(("leaf", t), True, t, t.data)
        s = self.a2slot.get(id(t.data))
        if s is not None and not t.requires_grad:  # an alias (detach) of a known array
            self.t2slot[id(t)] = s
            self.keep.append(t)
            self.seen.append((t, t._version, self.bumps.get(id(t), 0)))
            return s
        if t._ctx is not None:
            raise _Unreplayable(f"a tensor of shape {t.shape} was made by {t._ctx.name}, an op "
                                "the recorder did not see (a ctx-style custom Function, or "
                                "a graph built before the call)")
        c = self._conversion(t.data)
        if c is not None:
            self.t2slot[id(t)] = c
            self.keep.append(t)
            return c
        return self._new_slot(("extern", t), False, t, t.data)

    def _param(self, v: Any) -> Any:
        if isinstance(v, np.ndarray):
            s = self.a2slot.get(id(v))
            if s is None:
                s = self._conversion(v)
            return _Const(v) if s is None else _Slot(s)
        if isinstance(v, Tensor):
            return _Slot(self.ref(v))
        if isinstance(v, (list, tuple)) and any(isinstance(x, (np.ndarray, Tensor))
                                                for x in v):
            return _Const(v)
        return v

    # -- hooks (called by function.py, _grads.py, optim/optimizer.py) -------------------
    def op(self, cls: type, inputs: tuple, params: dict, result: Tensor) -> None:
        if self.fail is not None or self.thread != threading.get_ident():
            return
        try:
            ins = [self.ref(t) for t in inputs]
            ps = {k: self._param(v) for k, v in params.items()}
        except _Unreplayable as e:
            self.fail = str(e)
            return
        scopes = _mode.scopes
        for m in scopes:
            self.modules[id(m)] = m
        k = len(self.nodes)
        out = self._new_slot(("node", k), result.requires_grad, result, result.data)
        info = None
        lab = ps.get("labels")
        if (cls.__name__ == "CrossEntropy" and isinstance(lab, _Slot)
                and self.slots[lab.index][0] in ("arg", "conv")):
            info = inputs[0].shape[1]  # the class count, for the labels' range check
        self.nodes.append(_Node(cls, ins, ps, out, scopes[-1] if scopes else None, info))
        mode = _mode.enabled
        if mode != self.mode:
            self.events.append(("mode", mode))
            self.mode = mode
        self.events.append(("fwd", k))

    def backward(self, roots: Any, root_grads: Any, retain_graph: bool, create_graph: bool,
                 capture: Any) -> Any:
        mine = self.thread == threading.get_ident()
        leaves: list[Tensor] = []
        if mine and self.fail is None:
            try:
                leaves = self._plan_backward(roots, root_grads, retain_graph, create_graph,
                                             capture)
            except _Unreplayable as e:
                self.fail = str(e)
        _F._recorder = None
        try:
            result = _F.run_backward(roots, root_grads, retain_graph, create_graph, capture)
        finally:
            _F._recorder = self
        for t in leaves:
            g = t._grad
            if g is not None:
                self.grad_snap[id(t)] = (g, g.data.copy())
        self.mode = None  # the engine changed the grad mode meanwhile: restate it
        return result

    def _plan_backward(self, roots: Any, root_grads: Any, retain_graph: bool,
                       create_graph: bool, capture: Any) -> list[Tensor]:
        if create_graph or capture is not None:
            raise _Unreplayable("autograd.grad / backward(create_graph=True) or inputs= "
                                "inside the step cannot be replayed")
        order = _topo(roots)
        gid = {id(t): i for i, t in enumerate(order)}
        root_info = []
        for r, g in zip(roots, root_grads):
            if id(r) not in gid or id(r) not in self.t2slot and r._ctx is not None:
                raise _Unreplayable("backward() of a tensor the recorder did not see made")
            s = self.a2slot.get(id(g.data))
            if s is not None:
                src: Any = _Slot(s)
            elif g.data.shape == r.data.shape and np.all(g.data == 1):
                src = "ones"
            else:
                src = _Const(g.data)
            root_info.append((gid[id(r)], self.ref(r), src))
        instrs = []
        leaves = []
        for t in reversed(order):
            if _F._hooks_used and getattr(t, "_hooks", None):
                raise _Unreplayable("a tensor hook (register_hook) runs inside the step")
            fn = t._ctx
            acc = None
            if fn is None or t._retain:
                if fn is not None:
                    raise _Unreplayable("retain_grad() on an intermediate tensor inside "
                                        "the step")
                acc = self.ref(t)
                leaves.append(t)
            node = None
            targets: list[tuple[int, int]] = []
            if fn is not None:
                s = self.t2slot.get(id(t))
                if s is None or self.slots[s][0] != "node":
                    raise _Unreplayable(f"backward through {fn.name}, an op the recorder did "
                                        "not see")
                node = self.slots[s][1]
                targets = [(j, gid[id(inp)]) for j, inp in enumerate(fn.inputs)
                           if inp.requires_grad]
            instrs.append((gid[id(t)], acc, node, targets))
        self.events.append(("bwd", len(order), root_info, instrs, bool(retain_graph)))
        self.backwards += 1
        return leaves

    def zero_grad(self, params: list, set_to_none: bool) -> None:
        if self.thread != threading.get_ident():
            return
        self.events.append(("zero", params, bool(set_to_none)))
        for p in params:
            self.grad_snap.pop(id(p), None)

    def optimizer_step(self, opt: Any) -> None:
        if self.thread != threading.get_ident():
            return
        for group in opt.param_groups:
            for p in group["params"]:
                g = getattr(p, "_grad", None)
                if not isinstance(p, Tensor) or g is None:
                    continue
                snap = self.grad_snap.get(id(p))
                if snap is not None and (g is not snap[0] or not np.array_equal(
                        g.data, snap[1], equal_nan=True)) and self.fail is None:
                    self.fail = ("a gradient was changed between backward() and step() "
                                 "outside autograd ops (e.g. clipping through .data)")
                for t in getattr(p, "_aliases", None) or (p,):
                    self.bumps[id(t)] = self.bumps.get(id(t), 0) + 1
                self.pending[id(p)] = self.pending.get(id(p), 0) + 1
        self.events.append(("step", opt))

    # -- the end of the recording ---------------------------------------------------------
    def finish(self, out: Any) -> Any:
        if self.read is not None:
            what = self.read.strip("_") if self.read.startswith("__") else self.read
            raise _Unreplayable(f"the step reads a tensor's value into Python ({what}), so "
                                "its control flow may depend on the values")
        if self.fail is not None:
            raise _Unreplayable(self.fail)
        for t, v, b in self.seen:
            if t._version != v + self.bumps.get(id(t), 0) - b:
                raise _Unreplayable(f"a tensor of shape {t.shape} was modified in place inside "
                                    "the step (in-place edits are not replayed)")
        for m in self.modules.values():
            if getattr(m, "_forward_hooks", None) or getattr(m, "_forward_pre_hooks", None):
                raise _Unreplayable(f"{type(m).__name__} has forward hooks (their Python code "
                                    "would not run in a replay)")
        tmpl = self._template(out)
        return tmpl

    def _template(self, o: Any) -> Any:
        if isinstance(o, Tensor):
            if any(t is o for t, _ in self.grad_snap.values()):
                for s, d in enumerate(self.slots):  # a leaf's .grad: read again at replay
                    if d[0] in ("leaf", "arg") and getattr(self._tensor_of(s), "_grad",
                                                           None) is o:
                        return ("grad", s)
            s = self.ref(o)
            if o.requires_grad and not self.backwards:
                raise _Unreplayable("the step returns a tensor that requires grad but calls "
                                    "no backward(); compile whole training steps, or run the "
                                    "function under no_grad")
            return _Slot(s)
        if isinstance(o, tuple) and type(o) is tuple:
            return ("tuple", [self._template(x) for x in o])
        if isinstance(o, list):
            return ("list", [self._template(x) for x in o])
        if isinstance(o, dict):
            return ("dict", [(k, self._template(v)) for k, v in o.items()])
        if o is None or isinstance(o, (bool, int, float, str)):
            return ("const", o)
        raise _Unreplayable(f"the step returns a {type(o).__name__}; return Tensors, "
                            "tuples, lists or dicts of them")

    def _tensor_of(self, s: int) -> Any:
        d = self.slots[s]
        if d[0] == "leaf":
            return d[1]
        if d[0] == "arg":
            return self.flat[d[1]]
        return None

    def fingerprint(self, tmpl: Any) -> list:
        slots = []
        for d in self.slots:
            if d[0] == "leaf":
                slots.append(("leaf", id(d[1])))
            elif d[0] == "extern":
                slots.append(("extern", d[1]))
            else:
                slots.append(d)
        nodes = [(n.cls, n.ins, n.params, n.out) for n in self.nodes]
        events = []
        for e in self.events:
            if e[0] == "zero":
                events.append(("zero", [id(p) for p in e[1]], e[2]))
            elif e[0] == "step":
                events.append(("step", id(e[1])))
            else:
                events.append(e)
        return [slots, self.slot_rg, nodes, events, tmpl]


def _same(a: Any, b: Any) -> bool:
    """Do two records' pieces agree (arrays by value, tensors by identity or value)?"""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
            return False
        return a is b or _same(a.data, b.data)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        return (a.shape == b.shape and a.dtype == b.dtype
                and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, _Const) or isinstance(b, _Const):
        return isinstance(a, _Const) and isinstance(b, _Const) and _same(a.value, b.value)
    if isinstance(a, (list, tuple)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b)))
    if isinstance(a, dict):
        return (isinstance(b, dict) and a.keys() == b.keys()
                and all(_same(a[k], b[k]) for k in a))
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b) or (a != a and b != b)  # nan == nan here
    except Exception:
        return False


# ---------------------------------------------------------------------------------------
# replay
# ---------------------------------------------------------------------------------------
class _Guards:
    """What a record relies on beyond its signature: the outside tensors it read keep their
    shape, dtype and requires_grad; the modules it ran keep their mode and tensors."""

    def __init__(self, rec: _Recorder) -> None:
        self.leaves = [(d[1], d[1].data.shape, d[1].data.dtype, d[1].requires_grad)
                       for d in rec.slots if d[0] in ("leaf", "extern")]
        self.modules = [(m, m.training, *_module_state(m)) for m in rec.modules.values()]
        self.opts = []
        for e in rec.events:
            if e[0] == "step" and all(o is not e[1] for o, _ in self.opts):
                self.opts.append((e[1], _opt_params(e[1])))

    def ok(self) -> bool:
        for t, shape, dtype, rg in self.leaves:
            d = t.data
            if d.shape != shape or d.dtype != dtype or t.requires_grad is not rg:
                return False
        for m, training, same, equal, held in self.modules:
            if m.training != training:
                return False
            dd = m.__dict__
            for k, v in same:
                if dd.get(k, _STALE) is not v:
                    return False
            for k, v in equal:
                if dd.get(k, _STALE) != v:
                    return False
            if held is not None:
                now = dd.get("_modules")
                if len(now) != len(held) or any(a is not b for a, b in zip(now.values(), held)):
                    return False
        for opt, params in self.opts:
            if _opt_params(opt) != params:
                return False
        return True


def _module_state(m: Any) -> tuple[tuple, tuple, tuple | None]:
    """A module's attributes a replay relies on: tensors and sub-modules (by identity), plain
    settings such as Dropout's p (by value), and the modules a container holds."""
    same, equal = [], []
    for k, v in vars(m).items():
        if k == "training" or k.startswith("__"):
            continue
        if isinstance(v, Tensor) or hasattr(type(v), "parameters"):
            same.append((k, v))
        elif v is None or type(v) in (bool, int, float, str):
            equal.append((k, v))
    held = m.__dict__.get("_modules")
    return tuple(same), tuple(equal), (tuple(held.values()) if isinstance(held, dict)
                                       else None)


def _opt_params(opt: Any) -> list[int]:
    return [id(p) for g in opt.param_groups for p in g["params"]]


class _Plan:
    """A record turned into a flat list of calls on arrays."""

    def __init__(self, rec: _Recorder, tmpl: Any) -> None:
        n = len(rec.slots)
        wr: list[Any] = [None] * n
        self.args: list[tuple[Tensor, int]] = []
        self.convs: list[tuple[Tensor, Tensor, np.dtype]] = []
        for s, d in enumerate(rec.slots):
            kind = d[0]
            if kind in ("leaf", "extern"):
                t = d[1]
                wr[s] = t
            else:
                w = Tensor._make(None, rec.slot_rg[s])
                w.label = _WRAPPER
                wr[s] = w
                if kind == "arg":
                    self.args.append((w, d[1]))
                elif kind == "conv":
                    self.convs.append((w, wr[d[1]], d[2]))
        self.guards = _Guards(rec)
        self.holders = [w for w in wr if w.label == _WRAPPER]
        self.label_guards = [(wr[n_.params["labels"].index], n_.info)
                             for n_ in rec.nodes if n_.info is not None]
        self.wr = wr
        self.cur: list[Any] | None = None
        self.fns: list[Function] = []
        self.fwd_arrays: list[Callable[[], np.ndarray]] = []
        forwards = [self._forward(node) for node in rec.nodes]
        steps: list[Callable[[], None]] = []
        for e in rec.events:
            kind = e[0]
            if kind == "fwd":
                steps.append(forwards[e[1]])
            elif kind == "mode":
                steps.append(functools.partial(_set_mode, e[1]))
            elif kind == "bwd":
                steps.append(self._backward(*e[1:]))
            elif kind == "zero":
                steps.append(functools.partial(zero_grads, e[1], e[2]))
            elif kind == "step":
                steps.append(e[1].step)
        self.steps = steps
        self.tmpl = tmpl
        self.fast: _FastReplay | None = _FastReplay(self, rec) if FAST else None

    def _forward(self, node: _Node) -> Callable[[], None]:
        wr = self.wr
        fn = node.cls()
        ins = tuple(wr[s] for s in node.ins)
        out = wr[node.out]
        fn.inputs = ins
        fn.versions = None
        fn.scope = node.scope
        fn.released = False
        fn._out = weakref.ref(out)
        self.fns.append(fn)
        fwd = fn.forward
        static = {k: (v.value if isinstance(v, _Const) else v) for k, v in node.params.items()
                  if not isinstance(v, _Slot)}
        dyn = [(k, wr[v.index]) for k, v in node.params.items() if isinstance(v, _Slot)]
        nd = np.ndarray

        if not dyn:
            def compute() -> np.ndarray:
                o = fwd(*[t.data for t in ins], **static)
                return o if o.__class__ is nd else np.asarray(o)
        else:
            def compute() -> np.ndarray:
                kw = dict(static)
                for k, w in dyn:
                    kw[k] = w.data
                o = fwd(*[t.data for t in ins], **kw)
                return o if o.__class__ is nd else np.asarray(o)
        self.fwd_arrays.append(compute)

        def run() -> None:
            out.data = compute()
        return run

    def _backward(self, n: int, root_info: list, instrs: list, retain: bool
                  ) -> Callable[[], None]:
        wr = self.wr
        arg_of = {id(w): i for w, i in self.args}
        roots = []
        for gi, s, src in root_info:
            roots.append((gi, wr[s], src if not isinstance(src, _Slot) else wr[src.index]))
        prog = []
        for gi, acc, node, targets in instrs:
            a: Any = None
            if acc is not None:  # a leaf: a parameter, or an argument that requires grad
                i = arg_of.get(id(wr[acc]))
                a = ("arg", i) if i is not None else wr[acc]
            prog.append((gi, a, self.fns[node] if node is not None else None, targets))
        plan = self

        def run() -> None:
            prev = _mode.enabled
            _mode.enabled = False
            try:
                g: list[Any] = [None] * n
                handed: set[int] = set()
                for gi, r, src in roots:
                    if src == "ones":
                        gt = Tensor._make(np.ones_like(r.data))
                    elif isinstance(src, _Const):
                        gt = Tensor._make(src.value)
                    else:
                        gt = Tensor._make(src.data)
                    handed.add(id(gt.data))
                    g[gi] = gt if g[gi] is None else g[gi] + gt
                for gi, acc, fn, targets in prog:
                    gg = g[gi]
                    if gg is None:
                        continue
                    g[gi] = None
                    if acc is not None:
                        t = plan.cur[acc[1]] if acc.__class__ is tuple else acc
                        g_t = _own(gg, t, handed, False)
                        t._grad = g_t if t._grad is None else t._grad + g_t
                    if fn is None:
                        continue
                    in_grads = fn.backward(gg)
                    for j, tgt in targets:
                        ig = in_grads[j]
                        if ig is None:
                            continue
                        p = g[tgt]
                        g[tgt] = ig if p is None else p + ig
                    if not retain:
                        fn.__dict__.clear()
            finally:
                _mode.enabled = prev

        return run

    def run(self, flat: list[Any]) -> Any:
        if self.fast is not None:
            return self.fast.run(flat)
        if not self.guards.ok():
            return _STALE
        for w, i in self.args:
            a = flat[i]
            w.data = a.data if isinstance(a, Tensor) else a
        for w, src, dtype in self.convs:
            w.data = np.ascontiguousarray(src.data, dtype=dtype)
        for w, c in self.label_guards:
            lab = w.data
            if lab.size and (lab.min() < 0 or lab.max() >= c):
                return _EAGER
        self.cur = flat
        prev = _mode.enabled
        try:
            for step in self.steps:
                step()
            return self._build(self.tmpl, flat)
        finally:
            _mode.enabled = prev
            self.cur = None
            for w in self.holders:  # hold no arrays between calls (eager frees them too)
                w.data = None
            for fn in self.fns:
                fn.__dict__.clear()

    def _build(self, t: Any, flat: list[Any]) -> Any:
        if isinstance(t, _Slot):
            w = self.wr[t.index]
            for aw, i in self.args:
                if aw is w:
                    return flat[i]
            return Tensor._make(w.data) if w.label == _WRAPPER else w
        kind, body = t
        if kind == "const":
            return body
        if kind == "grad":
            w = self.wr[body]
            for aw, i in self.args:
                if aw is w:
                    return flat[i]._grad
            return w._grad
        if kind == "tuple":
            return tuple(self._build(x, flat) for x in body)
        if kind == "list":
            return [self._build(x, flat) for x in body]
        return {k: self._build(v, flat) for k, v in body}


def _set_mode(value: bool) -> None:
    _mode.enabled = value


# ---------------------------------------------------------------------------------------
# the fast replay: the record lowered to direct array-level calls
# ---------------------------------------------------------------------------------------
# Every slot's array lives in one list while a replay runs. The common nodes (LinearAct,
# CrossEntropy) become closures that call their kernels directly (resolved once, here) into
# preallocated buffers; any other node runs its Function's forward/backward on the arrays as
# in the per-op replay above. Adam / AdamW steps call the update kernel per parameter with
# cached flat views. Each call below is the one the eager op makes, with the same arguments
# and the same size dispatch, so the numbers stay bit-identical.
#
# A buffer is reused only while nothing outside the plan holds it (its reference count):
# a ``.grad`` or a returned tensor the caller kept gets a fresh array at the next replay.

_getrc = sys.getrefcount


def _free_rc() -> int:
    """The reference count ``take`` below sees for a buffer nobody else holds (3 on
    CPython 3.11: the list, the local name, getrefcount's argument), measured the same way."""
    arrs = [np.empty(1)]
    b = arrs[0]
    return _getrc(b)


_FREE_RC = _free_rc()


class _Bufs:
    __slots__ = ("arrs",)

    def __init__(self) -> None:
        self.arrs: list[Any] = []

    def new(self) -> int:
        self.arrs.append(None)
        return len(self.arrs) - 1


def _taker(bufs: _Bufs, i: int, shape: tuple, dtype: Any) -> Callable[[], np.ndarray]:
    arrs = bufs.arrs

    def take() -> np.ndarray:
        b = arrs[i]
        if b is None or _getrc(b) > _FREE_RC:
            b = arrs[i] = np.empty(shape, dtype)
        return b

    return take


def _mm_into(m: int, k: int, n: int, dtype: Any) -> Callable:
    """``out[...] = a @ b`` exactly as ``K.active.matmul(a, b)`` computes it: the numba
    backend's products below its small-product cut-off go straight to BLAS, the rest
    through ``matmul_into``, the backend's one dispatch (decided at every call)."""
    from .kernels import matmul as mk
    from .kernels import tuning

    mm = np.matmul
    if (K.active is not K.numba_backend or dtype not in (np.float32, np.float64)
            or 2 * m * k * n < tuning.thresholds().mm_min_flops):
        return lambda a, b, out: mm(a, b, out=out)
    into = mk.matmul_into
    return lambda a, b, out: into(a, b, out)


def _chunked(serial: Any, parallel: Any, n: int, size: int, limit: int, chunk: int
             ) -> Callable:
    """``_jit.run(serial, parallel, args, n, size, limit, chunk)`` with its static half
    resolved: below ``limit`` a direct call of the serial kernel."""
    if size < limit:
        return lambda *args: serial(*args, 0, n)
    from .kernels._jit import run

    return lambda *args: run(serial, parallel, args, n, size, limit, chunk)


class _Lowered:
    """A node as closures on the plan's array list: ``fwd()`` fills ``A[out]``;
    ``bwd(g)`` returns one gradient array (or None) per input."""

    __slots__ = ("fwd", "bwd")

    def __init__(self, fwd: Callable[[], None], bwd: Callable | None) -> None:
        self.fwd, self.bwd = fwd, bwd


def _lower_linear(node: _Node, A: list, meta: list, bufs: _Bufs, needs: list[bool]
                  ) -> _Lowered | None:
    p = node.params
    act, slope = p.get("act"), p.get("slope")
    if len(node.ins) != 3 or not (act in ("none", "relu", "sigmoid", "tanh")
                                  or act == "leaky_relu" and slope > 0):
        return None
    ix, iw, ib = node.ins
    if any(meta[s] is None for s in node.ins):
        return None
    (xs, dt), (ws, wdt), (_, bdt) = meta[ix], meta[iw], meta[ib]
    if len(xs) != 2 or wdt != dt or bdt != dt or dt not in (np.float32, np.float64):
        return None
    m, k, n = xs[0], xs[1], ws[0]
    out = node.out
    numba = K.active is K.numba_backend
    mm_f = _mm_into(m, k, n, dt)
    take_z = _taker(bufs, bufs.new(), (m, n), dt)
    take_y = _taker(bufs, bufs.new(), (m, n), dt)
    slope_f = float(slope)
    if numba:
        from .kernels import _jit
        from .kernels import elementwise as ek

        code = ek._check_act(act)
        bias = _chunked(*ek._BIAS[code], m, m * n, ek._limit(code, ek._EXP_FWD),
                        ek.rows_per_chunk(n))
        asc = np.ascontiguousarray

        def fwd() -> None:
            z = take_z()
            mm_f(A[ix], A[iw].T, z)
            y = take_y()
            bias(z, asc(A[ib]), y, slope_f)
            A[out] = y
    else:
        bias_act = K.active.bias_act

        def fwd() -> None:
            z = take_z()
            mm_f(A[ix], A[iw].T, z)
            A[out] = bias_act(z, A[ib], act, slope_f)

    need_x, need_w, need_b = needs
    act_bwd = K.active.act_backward
    # relu's backward is a select (g where y > 0, else +0): numpy's np.where below the
    # kernel's size cut-off gives the same bits as the kernel, so the kernel serves all sizes
    if numba and act != "none" and (m * n >= ek._th().small_act or act == "relu"):
        serial_b, par_b = ek._BWD[code]
        bwd_k = _chunked(serial_b, par_b, m * n, m * n, ek._limit(code, ek._EXP_BWD),
                         _jit.CHUNK)
        take_gz = _taker(bufs, bufs.new(), (m, n), dt)

        def act_grad(y: np.ndarray, g: np.ndarray) -> np.ndarray:
            if g.shape != y.shape or g.dtype != dt or not g.flags.c_contiguous:
                return act_bwd(act, y, g, slope_f)
            gz = take_gz()
            bwd_k(y.reshape(-1), g.reshape(-1), gz.reshape(-1), slope_f)
            return gz
    elif numba and act in ("tanh", "sigmoid"):  # below the cut-off eager runs numpy's
        ref = ek.tanh_backward_ref if act == "tanh" else ek.sigmoid_backward_ref

        def act_grad(y: np.ndarray, g: np.ndarray) -> np.ndarray:
            return ref(y, g)
    else:
        def act_grad(y: np.ndarray, g: np.ndarray) -> np.ndarray:
            return act_bwd(act, y, g, slope_f)

    mm_gx = _mm_into(m, n, k, dt)
    mm_gw = _mm_into(n, m, k, dt)
    take_gx = _taker(bufs, bufs.new(), (m, k), dt)
    take_gw = _taker(bufs, bufs.new(), (n, k), dt)
    take_gb = _taker(bufs, bufs.new(), (n,), dt)
    add_reduce = np.add.reduce

    def bwd(g: np.ndarray) -> tuple:
        gz = act_grad(A[out], g)
        gx = gw = gb = None
        if need_x:
            gx = take_gx()
            mm_gx(gz, A[iw], gx)
        if need_w:
            gw = take_gw()
            mm_gw(gz.T, A[ix], gw)
        if need_b:
            gb = take_gb()
            add_reduce(gz, 0, None, gb)
        return gx, gw, gb

    return _Lowered(fwd, bwd)


def _lower_xent(node: _Node, A: list, meta: list, bufs: _Bufs, needs: list[bool]
                ) -> _Lowered | None:
    p = node.params
    lab = p.get("labels")
    red = p.get("reduction")
    if (p.get("row_w", 0) is not None or not isinstance(lab, _Slot) or red not in ("mean", "sum")
            or meta[node.ins[0]] is None or meta[lab.index] is None):
        return None
    il, ilab, out = node.ins[0], lab.index, node.out
    (ls, dt), (_, labdt) = meta[il], meta[lab.index]
    if len(ls) != 2 or dt not in (np.float32, np.float64) or labdt != np.int64:
        return None
    n, c = ls
    s = float(p["smoothing"])
    ksum = K.active.sum
    from .kernels import reduce as rk

    if ksum is rk.sum and not rk._last_axis(np.empty(n, dt), None):
        add_reduce = np.add.reduce  # what reduce.sum's np.sum(rows, None) runs, without the
        ksum = lambda rows, axis, keep: add_reduce(rows, None)  # noqa: E731  # wrapper
    asc, asarray = np.ascontiguousarray, np.asarray
    mean = red == "mean"
    scale = 1.0 / n if mean else 1.0
    A.append(None)  # the probabilities, kept from forward to backward
    ip = len(A) - 1
    if K.active is K.numba_backend:
        from .kernels import xent as xk

        th = xk._th()
        fk = _chunked(xk._xent_k, xk._xent_p, n, n * c, th.par_min_exp, xk.rows_per_chunk(c))
        bk = _chunked(xk._xent_bwd_k, xk._xent_bwd_p, n, n * c, th.par_min,
                      xk.rows_per_chunk(c))
        take_rows = _taker(bufs, bufs.new(), (n,), dt)
        take_probs = _taker(bufs, bufs.new(), (n, c), dt)
        take_grows = _taker(bufs, bufs.new(), (n,), dt)
        take_gl = _taker(bufs, bufs.new(), (n, c), dt)

        def fwd() -> None:
            rows = take_rows()
            probs = A[ip] = take_probs()
            fk(asc(A[il]), asc(A[ilab], dtype=np.int64), rows, probs, s)
            total = ksum(rows, None, False)
            if mean:
                total = total / n
            A[out] = asarray(total, dtype=dt)

        def bwd(g: np.ndarray) -> tuple:
            g_rows = take_grows()
            g_rows.fill(g.item() * scale)
            gl = take_gl()
            bk(A[ip], asc(A[ilab], dtype=np.int64), g_rows, gl, s)
            return (gl,)
    else:
        fwd_f, bwd_f = K.active.softmax_xent, K.active.softmax_xent_backward

        def fwd() -> None:
            rows, A[ip] = fwd_f(asc(A[il]), A[ilab], s)
            total = ksum(rows, None, False)
            if mean:
                total = total / n
            A[out] = asarray(total, dtype=dt)

        def bwd(g: np.ndarray) -> tuple:
            g_rows = np.full(n, g.item() * scale, dtype=dt)
            gl = bwd_f(A[ip], A[ilab], g_rows, s)
            return (gl,)

    return _Lowered(fwd, bwd)


_LOWER = {"LinearAct": _lower_linear, "CrossEntropy": _lower_xent}


def _generic(plan: _Plan, k: int, node: _Node, A: list) -> _Lowered:
    """Any other node: its Function's forward and backward, as the per-op replay runs them
    (its input holders get this replay's arrays first)."""
    wr = plan.wr
    fn = plan.fns[k]
    fwd_arrays = plan.fwd_arrays[k]
    feed = [(wr[s], s) for s in node.ins if wr[s].label == _WRAPPER]
    feed += [(wr[v.index], v.index) for v in node.params.values()
             if isinstance(v, _Slot) and wr[v.index].label == _WRAPPER]
    out, out_w = node.out, wr[node.out]
    make = Tensor._make

    def fwd() -> None:
        for w, s in feed:
            w.data = A[s]
        A[out] = out_w.data = fwd_arrays()

    def bwd(g: np.ndarray) -> tuple:
        return tuple(None if ig is None else ig.data for ig in fn.backward(make(g)))

    return _Lowered(fwd, bwd)


def _plain_groups(opt: Any, plain: list) -> bool:
    """No group maximizes and every parameter is a Tensor (``plain``: the params lists
    already seen so)."""
    for group in opt.param_groups:
        if group.get("maximize", False):
            return False
        ps = group["params"]
        if not any(ps is q for q in plain):
            if not all(isinstance(p, Tensor) for p in ps):
                return False
            plain.append(ps)
    return True


def _sgd_step(opt: Any) -> Callable[[], None] | None:
    """``opt.step()`` for a plain SGD on the numba backend: ``sgd_update``'s own choice
    (numpy below its size cut-off, else its kernel) per parameter, without the wrapper;
    hyper-parameters and ``opt.state`` read at every call, the rest through eager."""
    sgd = sys.modules.get("optim.sgd")
    if sgd is None or type(opt) is not sgd.SGD or K.active is not K.numba_backend:
        return None
    from .kernels import optim as ok

    kern, par, flat_ok, run, th, ref = ok._sgd_k, ok._sgd_p, ok._flat_inplace, ok.run, ok._th, \
        ok.sgd_update_ref
    cache: dict[int, list] = {}
    step_all = opt.step
    plain: list[list] = []

    def step() -> None:
        if not _plain_groups(opt, plain):
            step_all()
            return
        state = opt.state
        t = th()
        limit = t.par_min_opt
        for group in opt.param_groups:
            lr, mom = group["lr"], group["momentum"]
            damp, nest, wd = group["dampening"], group["nesterov"], group["weight_decay"]
            use_buf = mom != 0
            small = t.small_sgd_momentum if use_buf else t.small_sgd
            args = (float(lr), float(mom), float(damp), bool(nest), float(wd), False)
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                st = state.get(id(p))
                buf = st.get("momentum_buffer") if st is not None else None
                if st is None or use_buf and buf is None:  # a first step: eager sets it up
                    if st is None:
                        st = state[id(p)] = {}
                    opt._update_tensor(p.data, g.data, st, group)
                    p._bump_version()
                    continue
                d, gd = p.data, g.data
                c = cache.get(id(p))
                if c is None or c[0] is not d or c[1] is not buf:
                    bufs = (buf,) if use_buf else ()
                    c = cache[id(p)] = [d, buf, d.size >= small and flat_ok(d, *bufs),
                                        d.reshape(-1), buf.reshape(-1) if use_buf else None,
                                        d.dtype, d.shape, use_buf, small]
                if c[7] is not use_buf or c[8] != small:
                    c[2] = d.size >= small and flat_ok(d, *((buf,) if use_buf else ()))
                    c[4] = buf.reshape(-1) if use_buf else None
                    c[7], c[8] = use_buf, small
                if (c[2] and gd.__class__ is np.ndarray and gd.dtype == c[5]
                        and gd.shape == c[6] and gd.flags.c_contiguous):
                    pf = c[3]
                    n = pf.size
                    a = (pf, gd.reshape(-1), c[4] if use_buf else pf[:0], *args)
                    if n < limit:
                        kern(*a, 0, n)
                    else:
                        run(kern, par, a, n, n, limit)
                else:
                    ref(d, gd, buf, lr, mom, damp, nest, wd, False)
                p._bump_version()

    return step


def _adam_step(opt: Any) -> Callable[[], None] | None:
    """``opt.step()`` for a plain Adam / AdamW on the numba backend, bit-identical to it.

    The parameters below the kernel's threading cut-off are updated in ONE call of the
    multi-tensor kernel (``kernels.optim._adam_multi_k``: a table of addresses, each row
    running the per-parameter kernel with the arguments ``adam_update`` would pass); the
    others (and odd layouts) call the per-parameter kernel or ``adam_update`` directly.
    Hyper-parameters and ``opt.state`` are read at every call (a scheduler's lr, a loaded
    state dict apply); maximize, a scalar Value and a parameter's first step run eagerly.
    """
    adam = sys.modules.get("optim.adam")
    if (adam is None or type(opt) not in (adam.Adam, adam.AdamW)
            or K.active is not K.numba_backend):
        return None
    from .kernels import optim as ok

    kern, par, flat_ok, run, th = ok._adam_k, ok._adam_p, ok._flat_inplace, ok.run, ok._th
    multi = ok._adam_multi_k
    cache: dict[int, list] = {}
    step_all = opt.step
    default_dec = opt.decoupled
    plain: list[list] = []  # params lists seen to hold Tensors only
    tab: list[Any] = [None]  # addrs, sizes, hyper, flags, like, the sizes written, dtype
    ref = weakref.ref

    def table(k: int, dtype: np.dtype) -> list:
        t = tab[0]
        if t is None or t[1].shape[0] != k or t[6] != dtype:
            t = tab[0] = [np.zeros((k, 5), np.int64), np.zeros(k, np.int64),
                          np.zeros((k, 7)), np.zeros((k, 2), np.int64),
                          np.empty(0, dtype), [0] * k, dtype]
            for c in cache.values():
                c[14] = -1  # rows to write again
        return t

    def entry(p: Tensor, st: dict, ams: bool) -> list:
        d, m, v, vm = p.data, st["exp_avg"], st["exp_avg_sq"], st.get("max_exp_avg_sq")
        flat = flat_ok(d, m, v, *((vm,) if ams else ()))
        pf = d.reshape(-1)
        c = [d, st, m, v, vm, ams, flat, pf, m.reshape(-1) if flat else None,
             v.reshape(-1) if flat else None, vm.reshape(-1) if flat and ams else pf[:0],
             pf.size, d.dtype, d.shape, -1, None]  # [14] its table row, [15] its grad's ref
        cache[id(p)] = c
        return c

    def step() -> None:
        if not _plain_groups(opt, plain):
            step_all()  # eager's own loop (maximize negates g, a Value steps alone)
            return
        groups = opt.param_groups
        state = opt.state
        limit = th().par_min_opt
        first = groups[0]["params"]
        t_ = table(sum(len(g["params"]) for g in groups),
                   first[0].data.dtype if first else np.dtype(np.float32))
        addrs, sizes, hyper, flags, like, written, tdt = t_
        j = 0
        active = False
        for group in groups:
            b1, b2 = group["betas"]
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            b1, b2 = float(b1), float(b2)
            dec = bool(group.get("decoupled_weight_decay", default_dec))
            ams = bool(group["amsgrad"])
            row0 = j
            steps: list[tuple[int, int]] = []
            for p in group["params"]:
                row = j
                j += 1
                size = 0
                g = p._grad
                if g is not None:
                    st = state.get(id(p))
                    c = cache.get(id(p))
                    if (c is None or c[1] is not st or c[0] is not p.data or c[5] is not ams
                            or c[2] is not st["exp_avg"] or c[3] is not st["exp_avg_sq"]
                            or c[4] is not st.get("max_exp_avg_sq")):
                        c = None
                        if not st:  # a first step: eager's update sets the state up
                            if st is None:
                                st = state[id(p)] = {}
                            opt._update_tensor(p.data, g.data, st, group)
                            p._bump_version()
                        else:
                            c = entry(p, st, ams)
                    if c is not None:
                        gd = g.data
                        t = st["step"] = st["step"] + 1
                        gr = c[15]
                        if gr is None or gr() is not gd:
                            gr = c[15] = None
                            if (c[6] and gd.__class__ is np.ndarray and gd.dtype == c[12]
                                    and gd.shape == c[13] and gd.flags.c_contiguous):
                                gr = c[15] = ref(gd)
                                if c[12] == tdt:
                                    addrs[row, 1] = gd.ctypes.data
                        n = c[11]
                        if gr is not None and n < limit and c[12] == tdt:
                            if c[14] != row:  # (re)write this parameter's row
                                c[14] = row
                                addrs[row, 0] = c[0].ctypes.data
                                addrs[row, 1] = gd.ctypes.data
                                addrs[row, 2] = c[2].ctypes.data
                                addrs[row, 3] = c[3].ctypes.data
                                addrs[row, 4] = (c[4] if ams else c[0]).ctypes.data
                            size = n
                            steps.append((row, t))
                        elif gr is not None:
                            args = (c[7], gd.reshape(-1), c[8], c[9], c[10], lr, b1, b2, eps,
                                    wd, 1.0 - b1 ** t, 1.0 - b2 ** t, dec, ams)
                            if n < limit:
                                kern(*args, 0, n)
                            else:
                                run(kern, par, args, n, n, limit)
                        else:
                            ok.adam_update(c[0], gd, c[2], c[3], c[4], lr, b1, b2, eps, wd, t,
                                           dec, ams)
                        p._bump_version()
                if written[row] != size:
                    sizes[row] = written[row] = size
            if steps:
                active = True
                t0 = steps[0][1]
                if all(t == t0 for _, t in steps):
                    hyper[row0:j] = (lr, b1, b2, eps, wd, 1.0 - b1 ** t0, 1.0 - b2 ** t0)
                else:
                    for row, t in steps:
                        hyper[row] = (lr, b1, b2, eps, wd, 1.0 - b1 ** t, 1.0 - b2 ** t)
                flags[row0:j] = (dec, ams)
        if active:
            multi(addrs, sizes, hyper, flags, like)

    return step




def _zero_step(params: list, set_to_none: bool) -> Callable[[], None]:
    """``zero_grads(params, set_to_none)``; for Tensor parameters and set_to_none its
    effect directly (each ``.grad`` becomes None)."""
    if not set_to_none or not all(isinstance(p, Tensor) for p in params):
        return functools.partial(zero_grads, params, set_to_none)

    def zero() -> None:
        for p in params:
            p._grad = None

    return zero


def _acc(p: Any, ig: Any) -> Any:
    """``p + ig`` for two gradient arrays, as the eager engine's Tensor sum."""
    if (p.__class__ is np.ndarray and ig.__class__ is np.ndarray and p.dtype == ig.dtype
            and p.shape == ig.shape):
        return p + ig
    return (Tensor._make(p) + Tensor._make(ig)).data


def _template_slots(t: Any, out: list[int]) -> list[int]:
    if isinstance(t, _Slot):
        out.append(t.index)
    elif isinstance(t, tuple) and t[0] in ("tuple", "list"):
        for x in t[1]:
            _template_slots(x, out)
    elif isinstance(t, tuple) and t[0] == "dict":
        for _, x in t[1]:
            _template_slots(x, out)
    return out


class _FastReplay:
    """A plan's record lowered to closures on one list of arrays (see above)."""

    def __init__(self, plan: _Plan, rec: _Recorder) -> None:
        from .ops.fused import CrossEntropy, LinearAct

        n = len(rec.slots)
        self.plan = plan
        self.n = n
        A: list[Any] = [None] * n
        self.A = A
        self.nones: list[None] = []
        bufs = self.bufs = _Bufs()
        meta = rec.meta
        lowerers = {LinearAct: _lower_linear, CrossEntropy: _lower_xent}
        self.lowered: list[_Lowered] = []
        generic_fns = []
        for k, node in enumerate(rec.nodes):
            f = lowerers.get(node.cls)
            low = None
            if f is not None:
                needs = [rec.slot_rg[s] for s in node.ins]
                low = f(node, A, meta, bufs, needs)
            if low is None:
                low = _generic(plan, k, node, A)
                generic_fns.append(plan.fns[k])
            self.lowered.append(low)
        self.generic_fns = generic_fns
        self.n_lowered = len(rec.nodes) - len(generic_fns)
        self.args = [(s, d[1]) for s, d in enumerate(rec.slots) if d[0] == "arg"]
        self.convs = [(s, d[1], d[2]) for s, d in enumerate(rec.slots) if d[0] == "conv"]
        self.fills = [(s, d[1]) for s, d in enumerate(rec.slots) if d[0] in ("leaf", "extern")]
        # labels in range: one max over the labels seen as unsigned (a negative one is huge)
        self.label_guards = []
        for n_ in rec.nodes:
            if n_.info is not None:
                s = n_.params["labels"].index
                dt = meta[s][1]
                udt = np.dtype(dt.str.replace("i", "u")) if dt.kind == "i" else None
                self.label_guards.append((s, n_.info, udt))
        wr = plan.wr
        self.out_holders = [(wr[s], s) for s in _template_slots(plan.tmpl, [])
                            if wr[s].label == _WRAPPER]
        self.fed = [w for w, _ in self.out_holders]  # the holders a replay gives arrays
        for k, node in enumerate(rec.nodes):
            if plan.fns[k] in generic_fns:
                self.fed += [wr[s] for s in (*node.ins, node.out) if wr[s].label == _WRAPPER]
                self.fed += [wr[v.index] for v in node.params.values()
                             if isinstance(v, _Slot) and wr[v.index].label == _WRAPPER]
        steps: list[Callable[[], None]] = []
        self.fused_steps = 0
        self.fused: Callable[[list], Any] | None = None  # the fused step (_fuse), if any
        self.ran_fused = False
        for e in rec.events:
            kind = e[0]
            if kind == "fwd":
                steps.append(self.lowered[e[1]].fwd)
            elif kind == "mode":
                steps.append(functools.partial(_set_mode, e[1]))
            elif kind == "bwd":
                steps.append(self._backward(*e[1:]))
            elif kind == "zero":
                steps.append(_zero_step(e[1], e[2]))
            elif kind == "step":
                s = _adam_step(e[1]) or _sgd_step(e[1])
                self.fused_steps += s is not None
                steps.append(s if s is not None else e[1].step)
        self.steps = steps
        self.nones = [None] * len(A)  # A's length now includes the lowered nodes' extras

    def _backward(self, n: int, root_info: list, instrs: list, retain: bool
                  ) -> Callable[[], None]:
        A = self.A
        plan = self.plan
        arg_of = {s: i for s, i in self.args}
        roots = [(gi, s, src) for gi, s, src in root_info]
        prog = []
        for gi, acc, node, targets in instrs:
            a: Any = None
            if acc is not None:
                i = arg_of.get(acc)
                a = ("arg", i) if i is not None else plan.wr[acc]
            bwd = self.lowered[node].bwd if node is not None else None
            prog.append((gi, a, bwd, targets))
        make = Tensor._make
        nd = np.ndarray
        ones: dict[int, np.ndarray] = {}  # read-only ones per root (handed: never aliased)
        shared = bool(self.generic_fns)  # a Function's backward gets a fresh array, as eager

        def run() -> None:
            prev = _mode.enabled
            _mode.enabled = False
            try:
                g: list[Any] = [None] * n
                handed: set[int] = set()
                for gi, s, src in roots:
                    if src == "ones":
                        ga = ones.get(s)
                        r = A[s]
                        if ga is None or ga.shape != r.shape or ga.dtype != r.dtype or shared:
                            ga = ones[s] = np.ones_like(r)
                            ga.flags.writeable = False
                    elif isinstance(src, _Const):
                        ga = src.value
                    else:
                        ga = A[src.index]
                    handed.add(id(ga))
                    g[gi] = ga if g[gi] is None else _acc(g[gi], ga)
                for gi, acc, bwd, targets in prog:
                    gg = g[gi]
                    if gg is None:
                        continue
                    g[gi] = None
                    if acc is not None:
                        t = plan.cur[acc[1]] if acc.__class__ is tuple else acc
                        if (gg.__class__ is nd and gg.base is None and t._grad is None
                                and gg.dtype == t.data.dtype and id(gg) not in handed):
                            handed.add(id(gg))  # _own's common case: the array itself
                            t._grad = make(gg)
                        else:
                            g_t = _own(make(gg), t, handed, False)
                            t._grad = g_t if t._grad is None else t._grad + g_t
                    if bwd is None:
                        continue
                    in_grads = bwd(gg)
                    for j, tgt in targets:
                        ig = in_grads[j]
                        if ig is None:
                            continue
                        p = g[tgt]
                        g[tgt] = ig if p is None else _acc(p, ig)
            finally:
                _mode.enabled = prev

        return run

    def run(self, flat: list[Any]) -> Any:
        plan = self.plan
        if not plan.guards.ok():
            return _STALE
        A = self.A
        for s, i in self.args:
            a = flat[i]
            A[s] = a.data if isinstance(a, Tensor) else a
        for s, src, dtype in self.convs:
            A[s] = np.ascontiguousarray(A[src], dtype=dtype)
        for s, c, udt in self.label_guards:
            lab = A[s]
            if lab.size and (lab.view(udt).max() >= c if udt is not None and
                             lab.flags.c_contiguous else lab.min() < 0 or lab.max() >= c):
                for s2, _ in self.args:
                    A[s2] = None
                for s2, _, _ in self.convs:
                    A[s2] = None
                return _EAGER
        for s, t in self.fills:
            A[s] = t.data
        plan.cur = flat
        prev = _mode.enabled
        try:
            self.ran_fused = False
            if self.fused is not None:
                res = self.fused(A)  # None: this call takes the replay (e.g. a first step)
                if res is not None:
                    self.ran_fused = True
                    return res
            for step in self.steps:
                step()
            for w, s in self.out_holders:
                w.data = A[s]
            return plan._build(plan.tmpl, flat)
        finally:
            _mode.enabled = prev
            plan.cur = None
            A[:] = self.nones
            for w in self.fed:  # hold no arrays between calls (eager frees them too)
                w.data = None
            for fn in self.generic_fns:
                fn.__dict__.clear()


# ---------------------------------------------------------------------------------------
# the compiled function
# ---------------------------------------------------------------------------------------
class _Entry:
    __slots__ = ("fingerprint", "guards", "plan")

    def __init__(self) -> None:
        self.fingerprint: list | None = None  # of the first record, until the second
        self.guards: _Guards | None = None  # what the first record relied on
        self.plan: _Plan | None = None


def _arg_key(a: Any) -> Any:
    if isinstance(a, Tensor):
        d = a.data
        return ("T", d.shape, d.dtype.str, a.requires_grad, d.flags.c_contiguous)
    if isinstance(a, np.ndarray):
        return ("A", a.shape, a.dtype.str, a.flags.c_contiguous)
    if a is None or isinstance(a, (bool, int, float, str, complex)):
        return (type(a), a)
    if isinstance(a, (list, tuple, dict, set)):
        raise TypeError  # containers: their tensors would not be tracked
    return ("O", id(a))  # modules, optimizers, functions: by identity


class CompiledFunction:
    """What ``autograd.compile(fn)`` returns: call it like ``fn``."""

    def __init__(self, fn: Callable, cache_size: int = CACHE_SIZE, fuse: bool = True) -> None:
        if not callable(fn):
            raise TypeError(f"compile: expected a function, got {type(fn).__name__}")
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 1:
            raise ValueError(f"compile: cache_size must be a positive int, got {cache_size!r}")
        if not isinstance(fuse, bool):
            raise TypeError(f"compile: fuse must be True or False, got {fuse!r}")
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.cache_size = cache_size
        self._cache: OrderedDict[Any, _Entry] = OrderedDict()
        self.eager_reason: str | None = None  # set once the function falls back to eager
        self.stats = {"records": 0, "replays": 0, "eager": 0}
        self.fuse = fuse  # try the fused step (one numba call) for matching records
        self.fused = False  # did the last call run the fused step?

    def __repr__(self) -> str:
        state = f"eager: {self.eager_reason}" if self.eager_reason else (
            f"{len(self._cache)} signature(s)")
        return f"<compiled {getattr(self.fn, '__qualname__', self.fn)!r} ({state})>"

    def reset(self) -> None:
        """Forget every record (and a fallback to eager): the next calls record afresh."""
        self._cache.clear()
        self.eager_reason = None

    def __get__(self, obj: Any, objtype: Any = None) -> Any:  # decorating a method
        return self if obj is None else functools.partial(self, obj)

    def _eager(self, args: tuple, kwargs: dict) -> Any:
        self.stats["eager"] += 1
        return self.fn(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.fused = False
        if self.eager_reason is not None or _F._recorder is not None:
            return self._eager(args, kwargs)  # nested inside another recording: inline
        names = sorted(kwargs)
        flat = list(args) + [kwargs[k] for k in names]
        try:
            key = (tuple(_arg_key(a) for a in flat), tuple(names), _mode.enabled, K.active)
            hash(key)
        except TypeError:
            return self._eager(args, kwargs)
        cache = self._cache
        entry = cache.get(key)
        if entry is not None:
            cache.move_to_end(key)
            if entry.plan is not None:
                res = entry.plan.run(flat)
                if res is _EAGER:
                    return self._eager(args, kwargs)
                if res is not _STALE:
                    self.stats["replays"] += 1
                    fast = entry.plan.fast
                    self.fused = fast is not None and fast.ran_fused
                    return res
                entry = _Entry()  # something the record relied on changed: record again
                cache[key] = entry
        else:
            entry = cache[key] = _Entry()
            while len(cache) > self.cache_size:
                cache.popitem(last=False)
        return self._record(entry, args, kwargs, flat)

    def _record(self, entry: _Entry, args: tuple, kwargs: dict, flat: list[Any]) -> Any:
        rec = _Recorder(flat)
        self.stats["records"] += 1
        originals = {name: Tensor.__dict__[name] for name in _READS if name in Tensor.__dict__}
        for name, f in originals.items():
            setattr(Tensor, name, _reader(name, f))
        bump = Tensor.__dict__["_bump_version"]
        Tensor._bump_version = _bumper(bump)
        patched = []  # (module, name, original)
        nnf = sys.modules.get("nn.functional")
        if getattr(nnf, "dropout", None) is not None:
            patched.append((nnf, "dropout", nnf.dropout))
            nnf.dropout = _make_dropout(nnf.dropout)
        utils = sys.modules.get("nn.utils")
        for name in ("clip_grad_norm_", "clip_grad_value_"):  # they compute through .data
            f = getattr(utils, name, None)
            if f is not None:
                patched.append((utils, name, f))
                setattr(utils, name, _reader(name, f))
        _F._recorder = rec
        try:
            out = self.fn(*args, **kwargs)
        finally:
            _F._recorder = None
            for name, f in originals.items():
                setattr(Tensor, name, f)
            Tensor._bump_version = bump
            for module, name, f in patched:
                setattr(module, name, f)
        try:
            tmpl = rec.finish(out)
            fp = rec.fingerprint(tmpl)
            if entry.fingerprint is None or not entry.guards.ok():
                entry.fingerprint = fp  # the first record (or a parameter changed since)
                entry.guards = _Guards(rec)
            elif not _same(entry.fingerprint, fp):
                raise _Unreplayable("two calls with the same signature ran different ops or "
                                    "constants (they depend on the input values, or on "
                                    "random numbers drawn outside dropout)")
            else:
                entry.plan = _Plan(rec, tmpl)
                if self.fuse and entry.plan.fast is not None:
                    from . import _fuse

                    entry.plan.fast.fused = _fuse.build(rec, entry.plan)
                entry.fingerprint = entry.guards = None
        except _Unreplayable as e:
            self._give_up(str(e))
        return out

    def _give_up(self, reason: str) -> None:
        self.eager_reason = reason
        self._cache.clear()
        warnings.warn(f"autograd.compile: {getattr(self.fn, '__qualname__', 'the function')} "
                      f"runs eagerly from now on: {reason}.", CompileWarning, stacklevel=4)


def compile(fn: Callable | None = None, *, cache_size: int = CACHE_SIZE, fuse: bool = True
            ) -> Any:
    """Record ``fn`` (a training step: forward, ``backward()``, ``optimizer.step()``) on its
    first calls per input signature and replay the record on later calls; see the module
    docstring for what is recorded, checked and refused. Usable as ``@autograd.compile`` or
    ``@autograd.compile(cache_size=4)``. ``compiled.eager_reason`` says why a function fell
    back to eager (None while it is compiled). ``fuse=False`` keeps the replay (bit-identical
    to eager) for steps the fused kernel would run (within float rounding of eager);
    ``compiled.fused`` says whether the last call ran it."""
    if fn is None:
        return lambda f: CompiledFunction(f, cache_size, fuse)
    return CompiledFunction(fn, cache_size, fuse)
