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
is ``optimizer.step()`` itself, so the learning rate and other hyper-parameters are read
from ``param_groups`` at every replay (a scheduler's changes apply). Parameters and the
optimizer state change in place exactly as in the eager step (same kernels, same order:
the numbers are bit-identical); the returned Tensors hold this call's values (without a
graph). The 8 most recently used signatures are kept.

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
  intermediate tensor, gradients changed between ``backward()`` and ``step()`` (e.g.
  clipping through ``.data``), ``autograd.grad`` / ``create_graph`` / tensor hooks /
  ``retain_grad`` inside the step, forward hooks on a module, a custom ``ctx``-style
  Function, or returning a tensor that requires grad from a step without ``backward()``.
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
    def dropout(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
        if (not isinstance(x, Tensor) or not training or not 0.0 < p < 1.0
                or x.dtype.kind != "f"):
            return original(x, p, training, inplace)
        return _Dropout.apply(x, p=float(p))

    return dropout


# ---------------------------------------------------------------------------------------
# recording
# ---------------------------------------------------------------------------------------
_READS = ("item", "tolist", "numpy", "__float__", "__int__", "__bool__", "__index__",
          "__array__", "__format__", "__repr__", "__str__")


def _reader(name: str, original: Callable) -> Callable:
    @functools.wraps(original)
    def read(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        rec = _F._recorder
        if rec is not None and rec.read is None and rec.thread == threading.get_ident():
            rec.read = name
        return original(self, *args, **kwargs)

    return read


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
        self.nodes: list[_Node] = []
        self.events: list[tuple] = []
        self.t2slot: dict[int, int] = {}
        self.a2slot: dict[int, int] = {}
        self.keep: list[Any] = []  # everything whose id() is a key above stays alive
        self.seen: list[tuple[Tensor, int, int]] = []  # (tensor, version, its bumps then)
        self.bumps: dict[int, int] = {}  # optimizer steps' version bumps, per tensor id
        self.modules: dict[int, Any] = {}
        self.grad_snap: dict[int, tuple[Tensor, np.ndarray]] = {}
        self.read: str | None = None
        self.fail: str | None = None
        self.mode: bool | None = None
        self.backwards = 0
        self.arg_arrays: list[tuple[int, np.ndarray]] = []
        self.conv_cache: dict[tuple[int, str], int] = {}
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
        if cls.__name__ == "CrossEntropy" and isinstance(ps.get("labels"), _Slot):
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
        self.events.append(("step", opt))

    # -- the end of the recording ---------------------------------------------------------
    def finish(self, out: Any) -> Any:
        if self.read is not None:
            what = self.read.strip("_")
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
            s = self.ref(o)
            if self.slots[s][0] == "node" and self.slot_rg[s] and not self.backwards:
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
class _Plan:
    """A record turned into a flat list of calls on arrays."""

    def __init__(self, rec: _Recorder, tmpl: Any) -> None:
        n = len(rec.slots)
        wr: list[Any] = [None] * n
        self.args: list[tuple[Tensor, int]] = []
        self.convs: list[tuple[Tensor, Tensor, np.dtype]] = []
        self.leaf_guards: list[tuple[Tensor, tuple, np.dtype, bool]] = []
        for s, d in enumerate(rec.slots):
            kind = d[0]
            if kind in ("leaf", "extern"):
                t = d[1]
                wr[s] = t
                self.leaf_guards.append((t, t.data.shape, t.data.dtype, t.requires_grad))
            else:
                w = Tensor._make(None, rec.slot_rg[s])
                w.label = _WRAPPER
                wr[s] = w
                if kind == "arg":
                    self.args.append((w, d[1]))
                elif kind == "conv":
                    self.convs.append((w, wr[d[1]], d[2]))
        self.module_guards = []
        for m in rec.modules.values():
            items = tuple((k, v) for k, v in vars(m).items() if isinstance(v, Tensor))
            self.module_guards.append((m, m.training, items))
        self.label_guards = [(wr[n_.params["labels"].index], n_.info)
                             for n_ in rec.nodes if n_.info is not None]
        self.wr = wr
        self.cur: list[Any] | None = None
        self.fns: list[Function] = []
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
            def run() -> None:
                o = fwd(*[t.data for t in ins], **static)
                out.data = o if o.__class__ is nd else np.asarray(o)
        else:
            def run() -> None:
                kw = dict(static)
                for k, w in dyn:
                    kw[k] = w.data
                o = fwd(*[t.data for t in ins], **kw)
                out.data = o if o.__class__ is nd else np.asarray(o)
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

    def guard(self) -> Any:
        for t, shape, dtype, rg in self.leaf_guards:
            d = t.data
            if d.shape != shape or d.dtype != dtype or t.requires_grad is not rg:
                return _STALE
        for m, training, items in self.module_guards:
            if m.training != training:
                return _STALE
            dd = m.__dict__
            for k, v in items:
                if dd.get(k) is not v:
                    return _STALE
        return None

    def run(self, flat: list[Any]) -> Any:
        bad = self.guard()
        if bad is not None:
            return bad
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
        finally:
            _mode.enabled = prev
            self.cur = None
        return self._build(self.tmpl, flat)

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
        if kind == "tuple":
            return tuple(self._build(x, flat) for x in body)
        if kind == "list":
            return [self._build(x, flat) for x in body]
        return {k: self._build(v, flat) for k, v in body}


def _set_mode(value: bool) -> None:
    _mode.enabled = value


# ---------------------------------------------------------------------------------------
# the compiled function
# ---------------------------------------------------------------------------------------
class _Entry:
    __slots__ = ("fingerprint", "plan")

    def __init__(self) -> None:
        self.fingerprint: list | None = None
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

    def __init__(self, fn: Callable, cache_size: int = CACHE_SIZE) -> None:
        if not callable(fn):
            raise TypeError(f"compile: expected a function, got {type(fn).__name__}")
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 1:
            raise ValueError(f"compile: cache_size must be a positive int, got {cache_size!r}")
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.cache_size = cache_size
        self._cache: OrderedDict[Any, _Entry] = OrderedDict()
        self.eager_reason: str | None = None  # set once the function falls back to eager
        self.stats = {"records": 0, "replays": 0, "eager": 0}

    def __repr__(self) -> str:
        state = f"eager: {self.eager_reason}" if self.eager_reason else (
            f"{len(self._cache)} signature(s)")
        return f"<compiled {getattr(self.fn, '__qualname__', self.fn)!r} ({state})>"

    def __get__(self, obj: Any, objtype: Any = None) -> Any:  # decorating a method
        return self if obj is None else functools.partial(self, obj)

    def _eager(self, args: tuple, kwargs: dict) -> Any:
        self.stats["eager"] += 1
        return self.fn(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
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
        nnf = _nn_functional()
        dropout = getattr(nnf, "dropout", None) if nnf is not None else None
        if dropout is not None:
            nnf.dropout = _make_dropout(dropout)
        _F._recorder = rec
        try:
            out = self.fn(*args, **kwargs)
        finally:
            _F._recorder = None
            for name, f in originals.items():
                setattr(Tensor, name, f)
            if dropout is not None:
                nnf.dropout = dropout
        try:
            tmpl = rec.finish(out)
            fp = rec.fingerprint(tmpl)
            if entry.fingerprint is None:
                entry.fingerprint = fp
            elif not _same(entry.fingerprint, fp):
                raise _Unreplayable("two calls with the same signature ran different ops or "
                                    "constants (they depend on the input values, or on "
                                    "random numbers drawn outside dropout)")
            else:
                entry.plan = _Plan(rec, tmpl)
                entry.fingerprint = None
        except _Unreplayable as e:
            self._give_up(str(e))
        return out

    def _give_up(self, reason: str) -> None:
        self.eager_reason = reason
        self._cache.clear()
        warnings.warn(f"autograd.compile: {getattr(self.fn, '__qualname__', 'the function')} "
                      f"runs eagerly from now on: {reason}.", CompileWarning, stacklevel=4)


def _nn_functional() -> Any:
    import sys

    return sys.modules.get("nn.functional")


def compile(fn: Callable | None = None, *, cache_size: int = CACHE_SIZE) -> Any:
    """Record ``fn`` (a training step: forward, ``backward()``, ``optimizer.step()``) on its
    first calls per input signature and replay the record on later calls; see the module
    docstring for what is recorded, checked and refused. Usable as ``@autograd.compile`` or
    ``@autograd.compile(cache_size=4)``. ``compiled.eager_reason`` says why a function fell
    back to eager (None while it is compiled)."""
    if fn is None:
        return lambda f: CompiledFunction(f, cache_size)
    return CompiledFunction(fn, cache_size)
