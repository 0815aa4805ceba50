"""Export a model to ONNX: ``nn.export_onnx(model, example_input, "m.onnx")``.

The model runs once in eval mode on the example input with grad recording on; the recorded
graph is walked back from the output and each op becomes ONNX nodes (the Function's class
name says which op it is; parameters and buffers become initializers under their
``state_dict`` names). Layers that ONNX has as one op (Conv, BatchNormalization,
LayerNormalization, pooling, Gather for Embedding, LSTM/GRU/RNN, Flatten) are exported whole:
a forward hook records each call, and the walk jumps from the layer's output straight to its
input. The batch dimension (``batch_dim``, 0 by default) stays dynamic: reshapes get -1
where the batch is. Needs the ``onnx`` package (``pip install numbagrad[onnx]``); run the
file with onnxruntime.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from autograd._files import write_atomic

from .module import Module

__all__ = ["export_onnx"]

_INT_MAX = 2**63 - 1
Info = tuple[int, int, int] | None  # batch axis a, with shape[a] == left * batch * right


class _Call:
    """One recorded call of a layer exported as a whole."""

    def __init__(self, module: Module, args: tuple, kwargs: dict, outs: list[Tensor]) -> None:
        self.module, self.args, self.kwargs, self.outs = module, args, kwargs, outs
        self.inputs = [a for a in _flat(list(args) + list(kwargs.values()))
                       if isinstance(a, Tensor)]

    def arg(self, i: int, *names: str) -> Any:
        """Argument i of the call, whether passed by position or by one of its names."""
        if len(self.args) > i:
            return self.args[i]
        return next((self.kwargs[n] for n in names if n in self.kwargs), None)


def _flat(obj: Any) -> list[Any]:
    if isinstance(obj, (tuple, list)):
        return [x for o in obj for x in _flat(o)]
    return [obj]


def _tup(v: Any, n: int) -> list[int]:
    return [int(i) for i in v] if isinstance(v, (tuple, list)) else [int(v)] * n


class _Exporter:
    def __init__(self, onnx: Any, opset: int, batch: int, dynamic: bool,
                 names: dict[int, str]) -> None:
        self.onnx, self.h, self.opset = onnx, onnx.helper, opset
        self.batch, self.dynamic = batch, dynamic
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.name: dict[int, str] = {}  # id(Tensor) -> value name
        self.info: dict[str, Info] = {}
        self.param_names = names  # id(Parameter or buffer) -> state_dict name
        self.calls: dict[int, tuple[_Call, int]] = {}
        self.done_calls: set[int] = set()
        self.input_arrays: dict[int, str] = {}
        self.used: set[str] = set()
        self.n = 0

    # -- building blocks --------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        self.n += 1
        return f"{hint}_{self.n}"

    def const(self, arr: Any, hint: str = "const", name: str | None = None) -> str:
        from onnx import numpy_helper

        name = name or self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.array(arr, order="C"), name))
        self.info[name] = None
        return name

    def ints(self, values: Any) -> str:
        return self.const(np.asarray(values, dtype=np.int64).reshape(-1), "ints")

    def node(self, op: str, inputs: list[str], n_out: int = 1, info: Info = None,
             **attrs: Any) -> Any:
        outs = [self.fresh(op.lower()) for _ in range(n_out)]
        self.nodes.append(self.h.make_node(op, inputs, outs, name=self.fresh(op), **attrs))
        for o in outs:
            self.info[o] = info
        return outs[0] if n_out == 1 else outs

    def reduce(self, op: str, x: str, axes: list[int], keepdims: bool, info: Info) -> str:
        if op == "ReduceSum" or self.opset >= 18:
            return self.node(op, [x, self.ints(axes)], info=info, keepdims=int(keepdims))
        return self.node(op, [x], info=info, axes=axes, keepdims=int(keepdims))

    def name_param(self, p: Tensor) -> str:
        """The initializer holding a layer's parameter or buffer (made on first use)."""
        if id(p) not in self.name:
            self.emit(p)
        return self.name[id(p)]

    def squeeze(self, x: str, axes: list[int], info: Info = None) -> str:
        return self.node("Squeeze", [x, self.ints(axes)], info=info)

    def unsqueeze(self, x: str, axes: list[int], info: Info = None) -> str:
        return self.node("Unsqueeze", [x, self.ints(axes)], info=info)

    def scalar(self, v: float, dtype: np.dtype) -> str:
        return self.const(np.asarray(v, dtype=dtype), "c")

    # -- batch-axis bookkeeping -------------------------------------------------------------
    def follow(self, name: str, in_ndim: int, out_ndim: int) -> Info:
        """The batch axis of an elementwise result (broadcast aligns dims on the right)."""
        inf = self.info.get(name)
        if inf is None:
            return None
        return (inf[0] + out_ndim - in_ndim, inf[1], inf[2])

    def reshape_target(self, x: str, in_shape: tuple, out_shape: tuple) -> tuple[list, Info]:
        inf = self.info.get(x)
        target = list(out_shape)
        if inf is None or not self.dynamic:
            return target, None
        a, left, right = inf
        pre = math.prod(in_shape[:a]) * left
        post = right * math.prod(in_shape[a + 1:])
        for k in range(len(out_shape)):
            p, q = math.prod(out_shape[:k]), math.prod(out_shape[k + 1:])
            if p and q and pre % p == 0 and post % q == 0 and \
                    out_shape[k] == (pre // p) * self.batch * (post // q):
                target[k] = -1
                return target, (k, pre // p, post // q)
        raise ValueError(f"export_onnx: a reshape from {in_shape} to {out_shape} splits the "
                         f"batch dimension (size {self.batch}), so the batch cannot stay "
                         "dynamic; pass dynamic_batch=False")

    # -- the walk ---------------------------------------------------------------------------
    def deps(self, t: Tensor) -> list[Tensor]:
        call = self.calls.get(id(t))
        if call is not None:
            return call[0].inputs
        return list(t._ctx.inputs) if t._ctx is not None else []

    def walk(self, roots: list[Tensor]) -> None:
        stack: list[tuple[Tensor, bool]] = [(r, False) for r in reversed(roots)]
        while stack:
            t, ready = stack.pop()
            if id(t) in self.name:
                continue
            if not ready:
                stack.append((t, True))
                stack.extend((d, False) for d in reversed(self.deps(t)) if id(d) not in self.name)
            else:
                self.emit(t)

    def emit(self, t: Tensor) -> None:
        call = self.calls.get(id(t))
        if call is not None:
            rec = call[0]
            names = _MODULES[type(rec.module).__name__](self, rec)
            for o, n in zip(rec.outs, names):
                self.name[id(o)] = n
            return
        fn = t._ctx
        if fn is None:
            hint = self.param_names.get(id(t))
            if hint is not None and hint not in self.used:
                self.used.add(hint)
                self.name[id(t)] = self.const(t.data, name=hint)
            else:
                self.name[id(t)] = self.const(t.data, "const")
            return
        cls = type(fn).__name__
        handler = _OPS.get(cls)
        if handler is None:
            raise NotImplementedError(f"export_onnx: no ONNX mapping for op {fn.name!r} "
                                      f"(Function {cls})")
        ins = [self.name[id(i)] for i in fn.inputs]
        out = handler(self, fn, t, ins)
        if out not in self.info or self.info[out] is None and not _OWN_INFO.get(cls):
            self.info[out] = next((self.follow(n, i.ndim, t.ndim) for n, i in
                                   zip(ins, fn.inputs) if self.info.get(n) is not None), None)
        self.name[id(t)] = out


# ---------------------------------------------------------------------------------------
# op Functions -> ONNX nodes: handler(exporter, fn, output tensor, input names) -> name
# ---------------------------------------------------------------------------------------
Handler = Callable[[_Exporter, Any, Tensor, list[str]], str]
_OPS: dict[str, Handler] = {}
_OWN_INFO: dict[str, bool] = {}  # handlers that set the batch info themselves


def _op(*names: str, own_info: bool = False) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for n in names:
            _OPS[n] = fn
            _OWN_INFO[n] = own_info
        return fn
    return register


def _same(onnx_op: str) -> Handler:
    return lambda g, fn, t, ins: g.node(onnx_op, ins)


for _name, _onnx in {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow",
                     "Neg": "Neg", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt", "Abs": "Abs",
                     "Erf": "Erf", "Relu": "Relu", "Sigmoid": "Sigmoid", "Tanh": "Tanh",
                     "Sin": "Sin", "Cos": "Cos", "Tan": "Tan", "Asin": "Asin", "Acos": "Acos",
                     "Atan": "Atan", "Sinh": "Sinh", "Cosh": "Cosh", "Asinh": "Asinh",
                     "Acosh": "Acosh", "Atanh": "Atanh", "Reciprocal": "Reciprocal",
                     "Clone": "Identity", "MatMul": "MatMul", "Softsign": "Softsign",
                     "Maximum": "Max", "Minimum": "Min"}.items():
    _OPS[_name] = _same(_onnx)


def _gelu(g: _Exporter, x: str, dtype: np.dtype, tanh: bool = False) -> str:
    if g.opset >= 20:
        return g.node("Gelu", [x], approximate="tanh" if tanh else "none")
    if tanh:  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        x3 = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Add", [x, g.node("Mul", [x3, g.scalar(0.044715, dtype)])])
        th = g.node("Tanh", [g.node("Mul", [inner, g.scalar(math.sqrt(2 / math.pi), dtype)])])
        one_plus = g.node("Add", [th, g.scalar(1.0, dtype)])
    else:  # 0.5 x (1 + erf(x / sqrt 2))
        e = g.node("Erf", [g.node("Mul", [x, g.scalar(1 / math.sqrt(2), dtype)])])
        one_plus = g.node("Add", [e, g.scalar(1.0, dtype)])
    return g.node("Mul", [g.node("Mul", [x, g.scalar(0.5, dtype)]), one_plus])


def _activation(g: _Exporter, act: str, z: str, slope: float, dtype: np.dtype) -> str:
    if act == "none":
        return z
    if act == "relu":
        return g.node("Relu", [z])
    if act == "leaky_relu":
        return g.node("LeakyRelu", [z], alpha=float(slope))
    if act == "sigmoid":
        return g.node("Sigmoid", [z])
    if act == "tanh":
        return g.node("Tanh", [z])
    if act == "gelu":
        return _gelu(g, z, dtype)
    raise NotImplementedError(f"export_onnx: no ONNX mapping for the fused activation {act!r}")


@_op("LinearAct")
def _linear(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    x = fn.inputs[0]
    if x.ndim == 2:
        z = g.node("Gemm", ins, transB=1)
    else:
        z = g.node("MatMul", [ins[0], g.node("Transpose", [ins[1]], perm=[1, 0])])
        if len(ins) == 3:
            z = g.node("Add", [z, ins[2]])
    g.info[z] = g.follow(ins[0], x.ndim, t.ndim)
    out = _activation(g, getattr(fn, "act", "none"), z, getattr(fn, "slope", 0.01), t.dtype)
    return out


@_op("Gelu")
def _gelu_op(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    return _gelu(g, ins[0], t.dtype)


@_op("GeluTanh")
def _gelu_tanh(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    return _gelu(g, ins[0], t.dtype, tanh=True)


@_op("LeakyRelu")
def _leaky(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    return g.node("LeakyRelu", ins, alpha=float(fn.slope))


@_op("Softmax", "LogSoftmax")
def _softmax(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    return g.node(type(fn).__name__, ins, axis=int(fn.axis))


@_op("PowScalar")
def _pow_scalar(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    if fn.p == 2:
        return g.node("Mul", [ins[0], ins[0]])
    return g.node("Pow", [ins[0], g.scalar(fn.p, t.dtype)])


@_op("Square")
def _square(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    return g.node("Mul", [ins[0], ins[0]])


@_op("Rsqrt")
def _rsqrt(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    return g.node("Reciprocal", [g.node("Sqrt", ins)])


@_op("Clip", "Hardtanh")
def _clip(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    lo = "" if fn.lo is None else g.scalar(fn.lo, t.dtype)
    hi = "" if fn.hi is None else g.scalar(fn.hi, t.dtype)
    return g.node("Clip", [ins[0], lo, hi])


@_op("AsType")
def _cast(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    return g.node("Cast", ins, to=g.h.np_dtype_to_tensor_dtype(t.dtype))


def _params(fn: Any) -> dict[str, Any]:
    return getattr(fn, "params", None) or {}


@_op("Elu")
def _elu(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    p = _params(fn)
    alpha, scale, in_scale = p.get("alpha", 1.0), p.get("scale", 1.0), p.get("input_scale", 1.0)
    if in_scale != 1.0:  # celu: alpha (exp(x / alpha) - 1)
        return g.node("Celu", ins, alpha=float(alpha))
    if scale == 1.0:
        return g.node("Elu", ins, alpha=float(alpha))
    return g.node("Selu", ins, alpha=float(alpha), gamma=float(scale))


@_op("Silu")
def _silu(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    return g.node("Mul", [ins[0], g.node("Sigmoid", ins)])


@_op("Softplus")
def _softplus(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    beta = float(_params(fn).get("beta", 1.0))
    if beta == 1.0:
        return g.node("Softplus", ins)
    b = g.scalar(beta, t.dtype)
    return g.node("Div", [g.node("Softplus", [g.node("Mul", [ins[0], b])]), b])


@_op("Mish")
def _mish(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    if g.opset >= 18:
        return g.node("Mish", ins)
    return g.node("Mul", [ins[0], g.node("Tanh", [g.node("Softplus", ins)])])


@_op("Hardsigmoid")
def _hardsigmoid(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    return g.node("HardSigmoid", ins, alpha=1 / 6, beta=0.5)


@_op("Hardswish")
def _hardswish(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    return g.node("HardSwish", ins)


@_op("LogSigmoid")
def _logsigmoid(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    return g.node("Neg", [g.node("Softplus", [g.node("Neg", ins)])])


@_op("Tanhshrink")
def _tanhshrink(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    return g.node("Sub", [ins[0], g.node("Tanh", ins)])


@_op("Sum", "Mean", "Amax", "Amin", "Max", "Min")
def _reduce(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    x = fn.inputs[0]
    op = {"Sum": "ReduceSum", "Mean": "ReduceMean", "Amax": "ReduceMax", "Max": "ReduceMax",
          "Amin": "ReduceMin", "Min": "ReduceMin"}[type(fn).__name__]
    axes = list(range(x.ndim)) if fn.axes is None else [int(a) % max(x.ndim, 1)
                                                          for a in np.atleast_1d(fn.axes)]
    inf = g.info.get(ins[0])
    out_inf = None
    if inf is not None and inf[0] not in axes:
        out_inf = inf if fn.keepdims else (inf[0] - sum(a < inf[0] for a in axes),) + inf[1:]
    return g.reduce(op, ins[0], axes, bool(fn.keepdims), out_inf)


_OWN_INFO.update(Sum=True, Mean=True, Amax=True, Amin=True, Max=True, Min=True)


@_op("Transpose", own_info=True)
def _transpose(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    perm = [int(a) for a in fn.axes]
    inf = g.info.get(ins[0])
    return g.node("Transpose", ins, perm=perm,
                  info=None if inf is None else (perm.index(inf[0]),) + inf[1:])


@_op("Reshape", own_info=True)
def _reshape(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    target, inf = g.reshape_target(ins[0], fn.inputs[0].shape, t.shape)
    return g.node("Reshape", [ins[0], g.ints(target)], info=inf)


@_op("Concatenate")
def _concat(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    return g.node("Concat", ins, axis=int(fn.axis))


@_op("BroadcastTo")
def _expand(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    shape = list(t.shape)
    inf = g.follow(ins[0], fn.inputs[0].ndim, t.ndim)
    if inf is not None and g.dynamic:
        shape[inf[0]] = 1  # Expand broadcasts both ways: the batch comes from the input
    return g.node("Expand", [ins[0], g.ints(shape)])


@_op("GetItem", own_info=True)
def _getitem(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    x = fn.inputs[0]
    index = fn.index if isinstance(fn.index, tuple) else (fn.index,)
    index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    n_real = sum(1 for i in index if i is not None and i is not Ellipsis)
    if any(i is Ellipsis for i in index):
        k = next(j for j, i in enumerate(index) if i is Ellipsis)
        index = index[:k] + (slice(None),) * (x.ndim - n_real) + index[k + 1:]
    index = index + (slice(None),) * (x.ndim - sum(1 for i in index if i is not None))
    slices, picks, news = [], [], []  # (axis, slice) / (axis, int or array) / out position
    ax = pos = 0
    axis_pos: dict[int, int | None] = {}
    for i in index:
        if i is None:
            news.append(pos)
            pos += 1
            continue
        if isinstance(i, slice):
            if i != slice(None):
                slices.append((ax, i))
            axis_pos[ax] = pos
            pos += 1
        elif isinstance(i, (int, np.integer)) and not isinstance(i, bool):
            picks.append((ax, int(i)))
            axis_pos[ax] = None
        else:
            arr = i if isinstance(i, np.ndarray) else np.asarray(i)
            if arr.dtype.kind not in "iu":
                raise NotImplementedError(f"export_onnx: no ONNX mapping for indexing with a "
                                          f"{arr.dtype} array (Function GetItem)")
            picks.append((ax, arr))
            axis_pos[ax] = None
            pos += arr.ndim
        ax += 1
    if sum(1 for _, p in picks if isinstance(p, np.ndarray)) and len(picks) > 1:
        raise NotImplementedError("export_onnx: no ONNX mapping for indexing with an array "
                                  "together with other integer or array indices (Function "
                                  "GetItem)")
    y = ins[0]
    if slices:
        starts, ends, axes, steps = [], [], [], []
        for a, s in slices:
            step = 1 if s.step is None else int(s.step)
            starts.append((0 if step > 0 else -1) if s.start is None else int(s.start))
            ends.append((_INT_MAX if step > 0 else -_INT_MAX - 1) if s.stop is None
                        else int(s.stop))
            axes.append(a)
            steps.append(step)
        y = g.node("Slice", [y, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    for a, p in sorted(picks, key=lambda ap: -ap[0]):
        if isinstance(p, np.ndarray):  # the model's own (integer) input, or a constant
            idx = g.input_arrays.get(id(p)) or g.const(p.astype(np.int64), "index")
        else:
            idx = g.const(np.asarray(p, dtype=np.int64), "index")
        y = g.node("Gather", [y, idx], axis=a)
    if news:
        y = g.unsqueeze(y, news)
    inf = g.info.get(ins[0])
    out_inf = None
    if inf is not None and axis_pos.get(inf[0]) is not None and \
            all(a != inf[0] for a, _ in slices):
        out_inf = (axis_pos[inf[0]],) + inf[1:]
    g.info[y] = out_inf
    return y


@_op("MaxPick", "MinPick", own_info=True)
def _max_dim(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    """The values of max(dim)/min(dim): a reduction over the dim whose result they are."""
    x, op = fn.inputs[0].data, type(fn).__name__[:3]
    reduce = np.max if op == "Max" else np.min
    for d in range(x.ndim):
        for keep in (False, True):
            r = reduce(x, axis=d, keepdims=keep)
            if r.shape == t.shape and np.array_equal(r, t.data, equal_nan=True):
                inf = g.info.get(ins[0])
                out_inf = None
                if inf is not None and inf[0] != d:
                    out_inf = inf if keep or inf[0] < d else (inf[0] - 1,) + inf[1:]
                return g.reduce(f"Reduce{op}", ins[0], [d], keep, out_inf)
    raise NotImplementedError(f"export_onnx: no ONNX mapping for op {fn.name!r} (Function "
                              f"{type(fn).__name__}): not a max/min over one dim")


@_op("Shrink")
def _shrink(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    p = _params(fn)
    lambd = float(p["lambd"])
    return g.node("Shrink", ins, lambd=lambd, bias=lambd if p["soft"] else 0.0)


@_op("AvgPool2d")
def _avg_pool_fn(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    kh, kw, sh, sw, ph, pw = fn.geom[:6]
    h, w = fn.inputs[0].shape[2:]
    if ph or pw or t.shape[2:] != ((h - kh) // sh + 1, (w - kw) // sw + 1):
        raise NotImplementedError("export_onnx: no ONNX mapping for op 'avgpool2d' (Function "
                                  "AvgPool2d) with padding or ceil_mode outside an "
                                  "nn.AvgPool2d layer")
    return g.node("AveragePool", ins, kernel_shape=[kh, kw], strides=[sh, sw])


@_op("ScaledDotProductAttention")
def _sdpa(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    """softmax(q k^T * scale + mask, masked by allowed/causal) v."""
    q, k = fn.inputs[0], fn.inputs[1]
    dt = t.dtype
    perm = list(range(k.ndim - 2)) + [k.ndim - 1, k.ndim - 2]
    s = g.node("MatMul", [ins[0], g.node("Transpose", [ins[1]], perm=perm)])
    s = g.node("Mul", [s, g.scalar(fn.scale, dt)])
    if len(ins) == 4:
        s = g.node("Add", [s, ins[3]])
    if fn.allowed is not None:
        s = g.node("Where", [g.const(np.asarray(fn.allowed, dtype=bool), "allowed"), s,
                             g.scalar(-np.inf, dt)])
    if fn.causal:
        tri = np.tri(q.shape[-2], k.shape[-2], dtype=bool)
        s = g.node("Where", [g.const(tri, "causal"), s, g.scalar(-np.inf, dt)])
    return g.node("MatMul", [g.node("Softmax", [s], axis=-1), ins[2]])


@_op("Conv2d")
def _conv_fn(g: _Exporter, fn: Any, t: Tensor, ins: list[str]) -> str:
    kh, kw, sh, sw, ph, pw, dh, dw = fn.geom
    return g.node("Conv", ins, kernel_shape=[kh, kw], strides=[sh, sw],
                  pads=[ph, pw, ph, pw], dilations=[dh, dw])


# ---------------------------------------------------------------------------------------
# layers exported whole: handler(exporter, call) -> names of the call's outputs
# ---------------------------------------------------------------------------------------
def _in(g: _Exporter, rec: _Call) -> str:
    return g.name[id(rec.args[0])]


def _conv(g: _Exporter, rec: _Call) -> list[str]:
    m, x = rec.module, rec.args[0]
    nd = x.ndim - 2
    k = list(m.kernel_size)
    dil = _tup(m.dilation, nd)
    if isinstance(m.padding, str):
        if m.padding == "valid":
            pads = [0] * (2 * nd)
        else:  # "same": torch puts the odd extra padding at the end
            total = [d * (kk - 1) for d, kk in zip(dil, k)]
            pads = [tt // 2 for tt in total] + [tt - tt // 2 for tt in total]
    else:
        p = _tup(m.padding, nd)
        pads = p + p
    ins = [_in(g, rec), g.name_param(m.weight)]
    if m.bias is not None:
        ins.append(g.name_param(m.bias))
    return [g.node("Conv", ins, info=g.info.get(ins[0]), kernel_shape=k,
                   strides=_tup(m.stride, nd), pads=pads, dilations=dil, group=int(m.groups))]


def _batchnorm(g: _Exporter, rec: _Call) -> list[str]:
    m = rec.module
    c, dt = m.num_features, m.running_mean.dtype
    scale = g.name_param(m.weight) if m.weight is not None else g.const(np.ones(c, dt))
    bias = g.name_param(m.bias) if m.bias is not None else g.const(np.zeros(c, dt))
    x = _in(g, rec)
    return [g.node("BatchNormalization", [x, scale, bias, g.name_param(m.running_mean),
                                          g.name_param(m.running_var)],
                   info=g.info.get(x), epsilon=float(m.eps))]


def _layernorm(g: _Exporter, rec: _Call) -> list[str]:
    m = rec.module
    x = _in(g, rec)
    dt = rec.args[0].dtype
    scale = g.name_param(m.weight) if m.weight is not None else \
        g.const(np.ones(m.normalized_shape, dt))
    ins = [x, scale] + ([g.name_param(m.bias)] if m.bias is not None else [])
    return [g.node("LayerNormalization", ins, info=g.info.get(x),
                   axis=-len(m.normalized_shape), epsilon=float(m.eps))]


def _embedding(g: _Exporter, rec: _Call) -> list[str]:
    m = rec.module
    ids = _in(g, rec)
    if rec.args[0].dtype not in (np.int32, np.int64):
        ids = g.node("Cast", [ids], info=g.info.get(ids), to=g.onnx.TensorProto.INT64)
    return [g.node("Gather", [g.name_param(m.weight), ids], info=g.info.get(ids), axis=0)]


def _pool(g: _Exporter, rec: _Call) -> list[str]:
    m, x = rec.module, rec.args[0]
    nd = 1 if type(m).__name__.endswith("1d") else 2
    k, p = _tup(m.kernel_size, nd), _tup(m.padding, nd)
    attrs: dict[str, Any] = dict(kernel_shape=k, strides=_tup(m.stride, nd), pads=p + p,
                                 ceil_mode=int(m.ceil_mode))
    name = _in(g, rec)
    unbatched = x.ndim == nd + 1
    if unbatched:
        name = g.unsqueeze(name, [0])
    if type(m).__name__.startswith("Max"):
        out = g.node("MaxPool", [name], dilations=_tup(getattr(m, "dilation", 1), nd), **attrs)
    else:
        out = g.node("AveragePool", [name], count_include_pad=int(m.count_include_pad),
                     **attrs)
    if unbatched:
        out = g.squeeze(out, [0])
    g.info[out] = g.info.get(_in(g, rec))
    return [out]


def _global_pool(g: _Exporter, rec: _Call) -> list[str]:
    x = _in(g, rec)
    op = "GlobalMaxPool" if "Max" in type(rec.module).__name__ else "GlobalAveragePool"
    return [g.node(op, [x], info=g.info.get(x))]


def _conv_transpose(g: _Exporter, rec: _Call) -> list[str]:
    m, x, y = rec.module, rec.args[0], rec.outs[0]
    nd = x.ndim - 2
    k, s, d = list(m.kernel_size), _tup(m.stride, nd), _tup(m.dilation, nd)
    p = _tup(m.padding, nd)
    # output_padding from the traced sizes (it may come from forward's output_size)
    op = [int(y.shape[2 + i]) - ((x.shape[2 + i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1)
          for i in range(nd)]
    ins = [_in(g, rec), g.name_param(m.weight)]
    if m.bias is not None:
        ins.append(g.name_param(m.bias))
    return [g.node("ConvTranspose", ins, info=g.info.get(ins[0]), kernel_shape=k, strides=s,
                   pads=p + p, dilations=d, group=int(m.groups), output_padding=op)]


def _prelu(g: _Exporter, rec: _Call) -> list[str]:
    m, x = rec.module, rec.args[0]
    w = m.weight.data
    if w.size > 1 and x.ndim > 2:
        w = w.reshape((w.size,) + (1,) * (x.ndim - 2))  # one slope per channel (dim 1)
    xn = _in(g, rec)
    return [g.node("PRelu", [xn, g.const(w, "slope")], info=g.info.get(xn))]


def _flatten(g: _Exporter, rec: _Call) -> list[str]:
    x = _in(g, rec)
    inf = g.info.get(x)
    return [g.node("Flatten", [x], info=None if inf is None else (0, 1, 1), axis=1)]


def _rnn_layer(g: _Exporter, kind: str, m: Module, x: str, suffix: str, states: list[str]
               ) -> list[str]:
    """ONNX's LSTM/GRU/RNN over x (T, B, I) with the weights ``weight_ih{suffix}``... of m
    (PyTorch's gate order rearranged into ONNX's); returns [Y (T, 1, B, H), Y_h[, Y_c]]."""
    hsz = m.hidden_size
    order = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN": [0]}[kind]  # torch -> ONNX gates

    def reorder(a: np.ndarray) -> np.ndarray:
        return np.concatenate([a[i * hsz:(i + 1) * hsz] for i in order])

    w_ih = getattr(m, f"weight_ih{suffix}").data
    w_hh = getattr(m, f"weight_hh{suffix}").data
    b_ih = getattr(m, f"bias_ih{suffix}", None)
    b_hh = getattr(m, f"bias_hh{suffix}", None)
    bias = np.zeros(2 * len(order) * hsz, w_ih.dtype) if b_ih is None else \
        np.concatenate([reorder(b_ih.data), reorder(b_hh.data)])
    ins = [x, g.const(reorder(w_ih)[None], "W"), g.const(reorder(w_hh)[None], "R"),
           g.const(bias[None], "B"), ""] + states
    attrs: dict[str, Any] = {"hidden_size": hsz}
    if kind == "GRU":
        attrs["linear_before_reset"] = 1
    if kind == "RNN":
        attrs["activations"] = ["Tanh" if m.nonlinearity == "tanh" else "Relu"]
    return g.node(kind, ins, n_out=3 if kind == "LSTM" else 2, **attrs)


def _cell(g: _Exporter, rec: _Call) -> list[str]:
    """LSTMCell/GRUCell/RNNCell: one step of ONNX's recurrent op (no state given: zeros)."""
    m, x = rec.module, rec.args[0]
    kind = type(m).__name__[:-4]
    lead = [0] if x.ndim == 2 else [0, 1]  # to (1, B, I), or (1, 1, I) for one sample
    hx = rec.arg(1, "hx", "h")
    states = [] if hx is None else (list(hx) if kind == "LSTM" else [hx])
    outs = _rnn_layer(g, kind, m, g.unsqueeze(_in(g, rec), lead), "",
                      [g.unsqueeze(g.name[id(s)], lead) for s in states])
    inf = (0, 1, 1) if x.ndim == 2 and g.dynamic else None
    return [g.squeeze(o, lead, info=inf) for o in outs[1:]]


def _recurrent(g: _Exporter, rec: _Call) -> list[str]:
    m, x = rec.module, rec.args[0]
    kind = type(m).__name__
    if getattr(m, "bidirectional", False):
        raise NotImplementedError(f"export_onnx: no ONNX mapping for a bidirectional {kind} "
                                  "yet (only one direction would be exported)")
    single = x.ndim == 2
    y = _in(g, rec)
    if single:
        y = g.unsqueeze(y, [1])
    elif m.batch_first:
        y = g.node("Transpose", [y], perm=[1, 0, 2])
    hx = rec.arg(1, "hx")
    states = [] if hx is None else (list(hx) if kind == "LSTM" else [hx])
    state_names = [g.name[id(s)] for s in states]
    hs, cs = [], []
    for k in range(m.num_layers):
        layer_states = []
        for s in state_names:  # layer k of h0 (and c0): (1, B, H)
            sk = g.node("Slice", [s, g.ints([k]), g.ints([k + 1]), g.ints([0])])
            layer_states.append(g.unsqueeze(sk, [1]) if single else sk)
        outs = _rnn_layer(g, kind, m, y, f"_l{k}", layer_states)
        y = g.squeeze(outs[0], [1])
        hs.append(outs[1])
        if kind == "LSTM":
            cs.append(outs[2])
    b_axis = None if single or not g.dynamic else (0 if m.batch_first else 1, 1, 1)
    if single:
        y = g.squeeze(y, [1])
    elif m.batch_first:
        y = g.node("Transpose", [y], perm=[1, 0, 2])
    g.info[y] = b_axis
    finals = []
    for group in (hs, cs):
        if not group:
            continue
        s = g.node("Concat", group, axis=0) if len(group) > 1 else group[0]
        if single:
            s = g.squeeze(s, [1])
        g.info[s] = None if single or not g.dynamic else (1, 1, 1)
        finals.append(s)
    return [y] + finals


_MODULES: dict[str, Callable[[_Exporter, _Call], list[str]]] = {
    "Conv1d": _conv, "Conv2d": _conv, "BatchNorm1d": _batchnorm, "BatchNorm2d": _batchnorm,
    "LayerNorm": _layernorm, "Embedding": _embedding, "MaxPool1d": _pool, "MaxPool2d": _pool,
    "AvgPool1d": _pool, "AvgPool2d": _pool, "AdaptiveAvgPool1d": _global_pool,
    "AdaptiveAvgPool2d": _global_pool, "AdaptiveMaxPool1d": _global_pool,
    "AdaptiveMaxPool2d": _global_pool, "Flatten": _flatten, "LSTM": _recurrent,
    "GRU": _recurrent, "RNN": _recurrent, "LSTMCell": _cell, "GRUCell": _cell,
    "RNNCell": _cell, "ConvTranspose1d": _conv_transpose, "ConvTranspose2d": _conv_transpose,
    "PReLU": _prelu}


def _whole(m: Module, opset: int, batch_dim: int) -> bool:
    """Is this layer exported as one ONNX op (else: through its recorded graph)?"""
    kind = type(m).__name__
    if kind not in _MODULES or type(m).__module__.split(".")[0] != "nn":
        return False
    if kind.startswith("Conv"):
        return getattr(m, "padding_mode", "zeros") == "zeros" and \
            (not kind.startswith("ConvTranspose") or isinstance(m.padding, (int, tuple, list)))
    if kind.startswith("BatchNorm"):
        return m.running_mean is not None
    if kind == "LayerNorm":
        return opset >= 17
    if kind == "Embedding":
        return m.max_norm is None
    if kind.startswith("MaxPool"):
        return not m.return_indices
    if kind.startswith("AvgPool"):
        return getattr(m, "divisor_override", None) is None
    if kind.startswith("Adaptive"):
        return all(s == 1 for s in _tup(m.output_size, 2)) and \
            not getattr(m, "return_indices", False)
    if kind == "Flatten":
        return m.start_dim == 1 and m.end_dim == -1 and batch_dim == 0
    return True


def _np_input(x: Any, who: str) -> Tensor:
    if isinstance(x, Tensor):
        arr = x.data
    elif isinstance(x, np.ndarray):
        arr = x
    else:
        raise TypeError(f"{who}: example_input must be a Tensor or ndarray (or a tuple of "
                        f"them), got {type(x).__name__}")
    t = Tensor(arr.copy())
    if arr.dtype.kind == "f":
        t.requires_grad_(True)
    return t


def export_onnx(model: Module, example_input: Any, path: str | os.PathLike,
                dynamic_batch: bool = True, opset: int = 17, *, batch_dim: int = 0,
                input_names: list[str] | None = None, output_names: list[str] | None = None
                ) -> Any:
    """Write ``model`` as an ONNX file at ``path`` and return the ``onnx.ModelProto``.

    ``example_input`` (a Tensor or ndarray, or a tuple for several inputs) is run through the
    model once in eval mode (the training flag is restored after). ``dynamic_batch`` keeps
    dim ``batch_dim`` of every input (and what it flows into) a named dynamic dimension
    ``batch``, so the file runs on any batch size. An op without an ONNX mapping is a
    NotImplementedError naming it. The file is checked with ``onnx.checker`` and written
    atomically.
    """
    who = "export_onnx"
    try:
        import onnx
    except ImportError:
        raise ImportError(f"{who}: needs the 'onnx' package (pip install onnx onnxruntime, or "
                          "pip install numbagrad[onnx])") from None
    if not isinstance(model, Module):
        raise TypeError(f"{who}: model must be an nn.Module, got {type(model).__name__}")
    latest = onnx.defs.onnx_opset_version()
    if isinstance(opset, bool) or not isinstance(opset, int) or not 13 <= opset <= latest:
        raise ValueError(f"{who}: opset must be an int from 13 to {latest}, got {opset!r}")
    raw = list(example_input) if isinstance(example_input, (tuple, list)) else [example_input]
    inputs = [_np_input(x, who) for x in raw]
    for t in inputs:
        if dynamic_batch and not -t.ndim <= batch_dim < t.ndim:
            raise ValueError(f"{who}: batch_dim {batch_dim} is out of range for an input of "
                             f"shape {t.shape}")
    bd = batch_dim % inputs[0].ndim if inputs[0].ndim else 0
    batch = inputs[0].shape[bd] if inputs[0].ndim else 1

    calls: list[_Call] = []
    handles = []
    for m in model.modules():
        if _whole(m, opset, bd):
            handles.append(m.register_forward_hook(
                lambda mod, args, kwargs, out: calls.append(_Call(mod, args, kwargs,
                                                                  _flat(out))),
                with_kwargs=True))
    was_training = model.training
    model.eval()
    try:
        with autograd.enable_grad():
            result = model(*inputs)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    outputs = _flat(result)
    if not outputs or not all(isinstance(o, Tensor) for o in outputs):
        raise TypeError(f"{who}: the model must return a Tensor or a tuple of Tensors, got "
                        f"{type(result).__name__}")

    names = {id(p): n for n, p in model.named_parameters()}
    names.update({id(b): n for n, b in model.named_buffers()})
    g = _Exporter(onnx, opset, batch, dynamic_batch, names)
    for rec in calls:
        for i, o in enumerate(rec.outs):
            if isinstance(o, Tensor):
                g.calls.setdefault(id(o), (rec, i))
    in_names = input_names or (["input"] if len(inputs) == 1 else
                               [f"input_{i}" for i in range(len(inputs))])
    out_names = output_names or (["output"] if len(outputs) == 1 else
                                 [f"output_{i}" for i in range(len(outputs))])
    if len(in_names) != len(inputs) or len(out_names) != len(outputs):
        raise ValueError(f"{who}: got {len(in_names)} input_names for {len(inputs)} inputs and "
                         f"{len(out_names)} output_names for {len(outputs)} outputs")
    graph_inputs = []
    for t, n in zip(inputs, in_names):
        g.name[id(t)] = n
        g.input_arrays[id(t.data)] = n
        g.info[n] = (bd, 1, 1) if dynamic_batch and t.ndim else None
        graph_inputs.append(_value_info(g, n, t))
    g.walk(outputs)
    used = {i for n in g.nodes for i in n.input} | set(g.name[id(t)] for t in outputs)
    for n in in_names:
        if n not in used:
            raise ValueError(f"{who}: the outputs do not depend on the input {n!r} in the "
                             "recorded graph (ops on an integer input before any parameter, "
                             "or on .data, are not recorded); start the model with a layer "
                             "such as Embedding, or pass a float input")
    graph_outputs = []
    for t, n in zip(outputs, out_names):
        src = g.name[id(t)]
        g.nodes.append(g.h.make_node("Identity", [src], [n], name=g.fresh("Identity")))
        g.info[n] = g.info.get(src)
        graph_outputs.append(_value_info(g, n, t))
    graph = g.h.make_graph(g.nodes, type(model).__name__, graph_inputs, graph_outputs,
                           initializer=g.inits)
    proto = g.h.make_model(graph, producer_name="numbagrad",
                           producer_version=autograd.__version__,
                           opset_imports=[g.h.make_opsetid("", opset)])
    proto.ir_version = min(proto.ir_version, 10)  # readable by onnxruntime >= 1.20
    onnx.checker.check_model(proto, full_check=True)
    write_atomic(path, proto.SerializeToString(), who=who)
    return proto


def _value_info(g: _Exporter, name: str, t: Tensor) -> Any:
    inf = g.info.get(name)
    shape: list[Any] = list(t.shape)
    if inf is not None and g.dynamic:
        shape[inf[0]] = "batch" if inf[1:] == (1, 1) else None
    return g.h.make_tensor_value_info(name, g.h.np_dtype_to_tensor_dtype(t.dtype), shape)
