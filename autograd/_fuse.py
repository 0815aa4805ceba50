"""``autograd.compile``'s fused step: a record that is a plain dense-network training step
run as ONE numba call (``kernels.fused_step.fused_step``) instead of the replay's list.

``build(rec, plan)`` matches the record against the pattern

    zero_grad (set_to_none) of the parameters          (before the backward)
    L x LinearAct(h, W_l, b_l, act)                    h: the first Tensor argument, then
                                                       the previous layer's output
    CrossEntropy(h, labels) | MSE(h, target)           mean or sum, no class weights
    backward() of that loss
    optimizer.step()                                   Adam / AdamW / SGD over exactly the
                                                       W_l and b_l
    return loss

and returns ``fused(A)``: one step on the fast replay's array list ``A`` (its arguments
already in place and range-checked), returning the loss Tensor, or None when this call
must take the replay instead (a group with ``maximize`` or ``amsgrad``, a parameter without
optimizer state yet, an odd layout). Anything else gives ``build`` None: the replay runs.

Each call reads the parameters' ``.data``, ``param_groups`` (lr, betas, ... : schedulers
apply) and ``optimizer.state`` (Adam's step counts are incremented as eager does; exp_avg,
exp_avg_sq and momentum_buffer change in place); the gradients go into one array per call,
handed out as the parameters' ``.grad`` (views of it): last call's array again when nothing
outside holds any of its views (its reference count), a fresh one otherwise, so a ``.grad``
the caller kept from an earlier call is never written. Products above the kernel's
``MAX_FLOPS`` run through the packed matmul inside the call, on two threads when the
matmul itself would take two (its cut-off, the busy-core back-off, which also times this
call). The numbers agree with eager within float rounding
(the products sum in another order than BLAS), not bit for bit.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from threading import get_ident as _ident
from typing import Any

import numpy as np

from . import kernels as K
from .compile import _Const, _Node, _Recorder, _Slot
from .kernels import parallel as _par
from .kernels import tuning
from .kernels.matmul import aligned_empty as _aligned
from .tensor import Tensor


def _layers(rec: _Recorder) -> tuple[list[tuple[_Node, str, float, int]], _Node] | None:
    """The dense layers as (LinearAct node, activation, slope, output slot) and the loss
    node. An activation op right after a LinearAct without one (``nn.Sequential(nn.Linear,
    nn.ReLU, ...)`` records them apart) folds into that layer when nothing else reads the
    pre-activation."""
    from .ops.elementwise import LeakyRelu, Relu, Sigmoid, Tanh
    from .ops.fused import MSE, CrossEntropy, LinearAct

    acts = {Relu: "relu", Tanh: "tanh", Sigmoid: "sigmoid", LeakyRelu: "leaky_relu"}
    nodes = rec.nodes
    if len(nodes) < 2 or nodes[-1].cls not in (CrossEntropy, MSE):
        return None
    reads: dict[int, int] = {}
    for n in nodes:
        for s in n.ins:
            reads[s] = reads.get(s, 0) + 1
    layers: list[tuple[_Node, str, float, int]] = []
    i = 0
    while i < len(nodes) - 1:
        node = nodes[i]
        if node.cls is not LinearAct:
            return None
        act, slope, out = node.params.get("act"), node.params.get("slope"), node.out
        nxt = nodes[i + 1] if i + 1 < len(nodes) - 1 else None
        if (act == "none" and nxt is not None and nxt.cls in acts
                and list(nxt.ins) == [out] and reads.get(out) == 1):
            act = acts[nxt.cls]
            if act == "leaky_relu":
                slope = nxt.params.get("slope")
                slope = slope.value if isinstance(slope, _Const) else slope
                if isinstance(slope, bool) or not isinstance(slope, (int, float)):
                    return None
            out = nxt.out
            i += 1
        layers.append((node, act, slope, out))
        i += 1
    return layers, nodes[-1]


def _events_ok(rec: _Recorder, n_nodes: int) -> tuple[list, Any, tuple] | None:
    """The events: zero_grads (set_to_none) before the one backward, the forwards in
    order, one optimizer step after the backward. Returns (zero params, optimizer, bwd)."""
    zeros: list = []
    fwd = 0
    bwd = None
    opt = None
    for e in rec.events:
        kind = e[0]
        if kind == "mode":
            if e[1] is not True:
                return None
        elif kind == "zero":
            if bwd is not None or not e[2] or not all(isinstance(p, Tensor) for p in e[1]):
                return None
            zeros.extend(e[1])
        elif kind == "fwd":
            if bwd is not None or e[1] != fwd:
                return None
            fwd += 1
        elif kind == "bwd":
            if bwd is not None or fwd != n_nodes:
                return None
            bwd = e
        elif kind == "step":
            if bwd is None or opt is not None:
                return None
            opt = e[1]
        else:
            return None
    if bwd is None or opt is None or not zeros:
        return None
    return zeros, opt, bwd


def build(rec: _Recorder, plan: Any) -> Callable[[list], Any] | None:
    """The fused step for this record, or None when it does not match (see above)."""
    if K.active is not K.numba_backend:
        return None
    found = _layers(rec)
    if found is None:
        return None
    layers, loss = found
    ev = _events_ok(rec, len(rec.nodes))
    if ev is None:
        return None
    zeros, opt, bwd = ev
    from .kernels import fused_step as fk

    slots, meta = rec.slots, rec.meta
    xs = layers[0][0].ins[0] if len(layers[0][0].ins) == 3 else None
    if xs is None or slots[xs][0] != "arg" or rec.slot_rg[xs] or meta[xs] is None:
        return None
    shape, dt = meta[xs]
    if len(shape) != 2 or dt not in (np.float32, np.float64) or shape[0] == 0:
        return None
    m = shape[0]
    h = xs
    params: list[Tensor] = []
    dims: list[tuple[int, int]] = []
    codes, slopes = [], []
    for node, act, slope, out in layers:
        if len(node.ins) != 3 or node.ins[0] != h:
            return None
        if act not in fk.ACT_CODES or act == "leaky_relu" and not slope > 0:
            return None
        iw, ib = node.ins[1], node.ins[2]
        if slots[iw][0] != "leaf" or slots[ib][0] != "leaf":
            return None
        (ws_, wdt), (bs_, bdt) = meta[iw], meta[ib]
        if wdt != dt or bdt != dt or len(ws_) != 2 or bs_ != (ws_[0],):
            return None
        n, k = ws_
        if meta[h][0] != (m, k):
            return None
        params += [slots[iw][1], slots[ib][1]]
        dims.append((k, n))
        codes.append(fk.ACT_CODES[act])
        slopes.append(float(slope) if act == "leaky_relu" else 0.0)
        h = out
    if len({id(p) for p in params}) != len(params):
        return None  # a parameter used twice (tied weights)
    c = dims[-1][1]
    # -- the loss
    lp = loss.params
    red = lp.get("reduction")
    if red not in ("mean", "sum") or loss.ins[0] != h:
        return None
    smoothing = 0.0
    if loss.cls.__name__ == "CrossEntropy":
        lab = lp.get("labels")
        if (len(loss.ins) != 1 or lp.get("row_w", 0) is not None or not isinstance(lab, _Slot)
                or loss.info != c or meta[lab.index] is None
                or meta[lab.index] != ((m,), np.dtype(np.int64))):
            return None
        smoothing = float(lp["smoothing"])
        lab_slot, tgt_slot, loss_kind = lab.index, None, fk.LOSS_XENT
    else:
        if len(loss.ins) != 2:
            return None
        ts = loss.ins[1]
        if (slots[ts][0] not in ("arg", "extern", "conv") or rec.slot_rg[ts]
                or meta[ts] != ((m, c), dt)):
            return None
        lab_slot, tgt_slot, loss_kind = None, ts, fk.LOSS_MSE
    # -- the backward: from the loss, gradients into exactly the parameters
    _, _, root_info, instrs, _ = bwd
    if len(root_info) != 1 or root_info[0][1] != loss.out or root_info[0][2] != "ones":
        return None
    accs = [slots[acc][1] for _, acc, _, _ in instrs if acc is not None]
    want = {id(p) for p in params}
    if len(accs) != len(params) or {id(p) for p in accs} != want:
        return None
    # -- the optimizer and zero_grad
    adam, sgd = sys.modules.get("optim.adam"), sys.modules.get("optim.sgd")
    if adam is not None and type(opt) in (adam.Adam, adam.AdamW):
        opt_kind = fk.OPT_ADAM
    elif sgd is not None and type(opt) is sgd.SGD:
        opt_kind = fk.OPT_SGD
    else:
        return None
    ids = [id(p) for g in opt.param_groups for p in g["params"]]
    if len(ids) != len(params) or set(ids) != want:
        return None
    if not want <= {id(p) for p in zeros}:
        return None
    tmpl = plan.tmpl
    if not (isinstance(tmpl, _Slot) and tmpl.index == loss.out):
        return None
    return _Fused(opt, opt_kind, params, dims, codes, slopes, zeros, xs, lab_slot, tgt_slot,
                  loss_kind, 0 if red == "mean" else 1, smoothing, m, np.dtype(dt))


class _Fused:
    """One fused step per call (see the module docstring)."""

    def __init__(self, opt: Any, opt_kind: int, params: list[Tensor], dims: list, codes: list,
                 slopes: list, zeros: list, xs: int, lab_slot: int | None,
                 tgt_slot: int | None, loss_kind: int, red: int, smoothing: float, m: int,
                 dt: np.dtype) -> None:
        from .kernels import fused_step as fk

        self.kernel = fk.fused_step
        self.opt, self.params = opt, params
        self.adam = opt_kind == fk.OPT_ADAM
        self.zeros = [p for p in zeros if all(p is not q for q in params)]
        self.xs, self.lab_slot, self.tgt_slot = xs, lab_slot, tgt_slot
        self.dt = dt
        size, offs, self.woff = fk.workspace(m, dims)
        self.ws = _aligned(size, dt)  # the layers' outputs: whole-line tile stores
        self.ws[...] = 0
        packed = fk.packed_layers(m, dims)
        self.ltab = np.array([(k, n, code, offs[i], int(pk)) for i, ((k, n), code, pk)
                              in enumerate(zip(dims, codes, packed))], dtype=np.int64)
        self.m, self.dims = m, dims
        # the packed products' work (forward, gw, gh): two threads from the matmul's cut-off
        self.flops = sum(2 * m * k * n * (2 + (i > 0))
                         for i, ((k, n), pk) in enumerate(zip(dims, packed)) if pk)
        self.largest = max([2 * m * k * n for (k, n), pk in zip(dims, packed) if pk], default=0)
        self.pack = fk.pack_buffers
        # (threads, calling thread) -> the packed kernel's buffers: the matmul's workspaces
        # are per calling thread, so another thread's call never shares them
        self.packs: dict[tuple[int, int], tuple] = {}
        self.slopes = np.array(slopes, dtype=np.float64)
        self.kinds = np.array([loss_kind, red, opt_kind, tuning.thresholds().par_min_opt],
                              dtype=np.int64)
        self.smoothing = smoothing
        n_params = len(params)
        self.ptab = np.zeros((n_params, 3), dtype=np.int64)
        self.hyper = np.zeros((n_params, 6), dtype=np.float64)
        self.steps = np.zeros(n_params, dtype=np.int64)
        shapes: list[tuple] = []
        for k, n in dims:
            shapes += [(n, k), (n,)]
        self.shapes = shapes
        self.total = sum(int(np.prod(sh)) for sh in shapes)
        self.cuts: list[tuple[Tensor, slice, tuple]] = []  # (param, its slice of grads, shape)
        o = 0
        for p, sh in zip(params, shapes):
            size_ = int(np.prod(sh))
            self.cuts.append((p, slice(o, o + size_), sh))
            o += size_
        self.grads: np.ndarray | None = None
        self.index = {id(p): j for j, p in enumerate(params)}
        # per parameter: [state dict, data, state array 1, state array 2] behind its ptab row
        self.held: list[list] = [[None, None, None, None] for _ in params]
        self.groups: list[tuple] = []  # (group, its params list, [(param, row)], hyper key)
        self.no_labels = np.zeros(0, np.int64)
        self.no_target = np.zeros((0, 0), dt)

    def _packs(self, key: tuple[int, int]) -> tuple:
        bufs = self.packs[key] = self.pack(self.m, self.dims, key[0], self.dt)
        return bufs

    def _row(self, j: int, st: Any, d: Any, s1: Any, s2: Any) -> bool:
        """Point ptab row j at (d, s1, s2) after checking their layout; False if odd."""
        shape, dt = self.shapes[j], self.dt
        for a in (d, s1, s2):
            if a is not None and (a.__class__ is not np.ndarray or a.dtype != dt
                                  or a.shape != shape or not a.flags.c_contiguous
                                  or not a.flags.writeable):
                return False
        held = self.held[j]
        held[0], held[1], held[2], held[3] = st, d, s1, s2
        pt = self.ptab[j]
        pt[0] = d.ctypes.data
        pt[1] = s1.ctypes.data if s1 is not None else 0
        pt[2] = s2.ctypes.data if s2 is not None else 0
        return True

    def _hyper(self, group: dict) -> tuple | None:
        """A group's row of ``hyper`` (None: a setting the kernel does not run)."""
        if group.get("maximize", False):
            return None
        if self.adam:
            if group["amsgrad"]:
                return None
            b1, b2 = group["betas"]
            dec = group.get("decoupled_weight_decay", self.opt.decoupled)
            return (float(group["lr"]), float(b1), float(b2), float(group["eps"]),
                    float(group["weight_decay"]), 1.0 if dec else 0.0)
        return (float(group["lr"]), float(group["momentum"]), float(group["dampening"]),
                1.0 if group["nesterov"] else 0.0, float(group["weight_decay"]), 0.0)

    def _groups(self) -> list[tuple]:
        """The optimizer's groups with their members' rows (rebuilt when a group or its
        params list is another object than last time)."""
        pg = self.opt.param_groups
        gs = self.groups
        if len(gs) == len(pg) and all(a[0] is g and a[1] is g["params"] for a, g in zip(gs, pg)):
            return gs
        index = self.index
        self.groups = gs = [[g, g["params"], [(p, index[id(p)]) for p in g["params"]], None]
                            for g in pg]
        return gs

    def __call__(self, A: list) -> Any:
        state = self.opt.state
        held, steps, hyper = self.held, self.steps, self.hyper
        adam = self.adam
        for entry in self._groups():
            group = entry[0]
            betas = group.get("betas")  # (a list edited in place must read as a change)
            key = (group["lr"], betas and tuple(betas), group.get("eps"), group["weight_decay"],
                   group.get("amsgrad"), group.get("maximize"), group.get("momentum"),
                   group.get("dampening"), group.get("nesterov"),
                   group.get("decoupled_weight_decay"))
            if key != entry[3]:
                row = self._hyper(group)
                if row is None:
                    return None
                for _, j in entry[2]:
                    hyper[j] = row
                entry[3] = key
            mom = adam or group["momentum"] != 0
            for p, j in entry[2]:
                st = state.get(id(p))
                h = held[j]
                d = p.data
                if adam:
                    if not st:
                        return None  # a first step: the replay (eager's code) sets it up
                    m_, v_ = st["exp_avg"], st["exp_avg_sq"]
                    if (h[0] is not st or h[1] is not d or h[2] is not m_ or h[3] is not v_
                            ) and not self._row(j, st, d, m_, v_):
                        return None
                else:
                    buf = None
                    if mom:
                        buf = st.get("momentum_buffer") if st is not None else None
                        if buf is None:
                            return None  # the first step: the replay sets the buffer up
                    if (h[1] is not d or h[2] is not buf) and not self._row(j, st, d, buf,
                                                                             None):
                        return None
        if adam:  # every state checked: count this step (the kernel reads the counts)
            for j in range(len(held)):
                st = held[j][0]
                t = st["step"] = st["step"] + 1
                steps[j] = t
        # the kernel's one signature wants C-contiguous, aligned, writeable arrays (a
        # read-only input would compile a second one): anything else is copied first
        x = A[self.xs]
        if x.__class__ is not np.ndarray or not x.flags.carray:
            x = np.array(x, order="C")
        labels = self.no_labels
        target = self.no_target
        if self.lab_slot is not None:
            labels = A[self.lab_slot]
            if labels.__class__ is not np.ndarray or not labels.flags.carray:
                labels = np.array(labels, order="C")
        else:
            target = A[self.tgt_slot]
            if target.__class__ is not np.ndarray or not target.flags.carray:
                target = np.array(target, order="C")
        # the gradients: last call's array again when nothing outside holds it any more
        # (a .grad, or its array, kept by the caller gets a fresh one; an 800 KB fresh
        # array costs its page faults at every step)
        for p, _, _ in self.cuts:
            p._grad = None
        grads = self.grads  # (64-byte aligned: a view of a byte buffer, which every
        if grads is None or sys.getrefcount(grads.base) > _FREE_RC:  # .grad view holds)
            grads = self.grads = _aligned(self.total, self.dt)
        flops = self.flops
        par = 1
        if flops and self.largest >= _mm_parallel_min() and _par.worth_it(flops):
            par = _par.threads()
        args = (x, labels, target, self.ws, grads, self.ltab, self.slopes, self.ptab, hyper,
                steps, self.woff, self.kinds, self.smoothing,
                *(self.packs.get((par, _ident())) or self._packs((par, _ident()))), par)
        if par > 1:  # the busy-core back-off watches this call as it does the matmul's
            t0 = time.perf_counter()
            value = self.kernel(*args)
            _par.done(self.kernel, flops, time.perf_counter() - t0)
        else:
            value = self.kernel(*args)
        for p in self.zeros:
            p._grad = None
        make = Tensor._make
        for p, sl, shape in self.cuts:
            p._grad = make(grads[sl].reshape(shape))
            p._bump_version()  # as optimizer.step() does
        return make(np.asarray(value, dtype=self.dt))


def _free_rc() -> int:
    """The reference count ``__call__`` sees for the byte buffer under a gradient array
    nobody else holds (the array's base pointer, getrefcount's argument), measured the
    same way."""
    holder = _Fused.__new__(_Fused)
    holder.grads = _aligned(1, np.float32)
    grads = holder.grads
    return sys.getrefcount(grads.base)


_FREE_RC = _free_rc()


def _mm_parallel_min() -> int:
    return tuning.thresholds().mm_parallel_min_flops
