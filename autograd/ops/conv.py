"""Convolution and pooling on NCHW tensors: conv2d, conv1d, max/avg/adaptive-avg pooling.

A convolution is im2col + one batched matmul: every receptive field of the input becomes a
column (``kernels/conv.py``), and ``W.reshape(O, C*kh*kw) @ cols`` gives the output
already in NCHW order. Its backward is two more matmuls and col2im (the adjoint of im2col).
We measured a direct numba loop kernel against this (benchmarks/bench_conv_rnn.py): im2col
+ matmul won, by far for multi-channel inputs.

Each backward has a fast array path and, under ``create_graph``, a path built from
differentiable ops (Im2Col/Col2Im and the pooling adjoints below are each other's backward),
so second derivatives through conv and pooling work.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels as K
from ..function import Function, is_grad_enabled
from ..kernels.windows import out_size
from ..tensor import Tensor
from .shape import stack

Geom = tuple[int, int, int, int, int, int, int, int]


def _const(arr: np.ndarray) -> Tensor:
    return Tensor._make(arr)


# ---------------------------------------------------------------------------------------
# im2col and its adjoint, as differentiable ops (used by the create_graph paths)
# ---------------------------------------------------------------------------------------
class Im2Col(Function):
    """(N, C, H, W) -> (C*kh*kw, N*OH*OW). Backward: col2im (scatter-add the columns back)."""

    saves_inputs = False

    def forward(self, x, geom):
        self.geom, self.x_shape = geom, x.shape
        return K.active.im2col(x, geom)

    def backward(self, g):
        return (Col2Im.apply(g, x_shape=self.x_shape, geom=self.geom),)


class Col2Im(Function):
    """The adjoint of Im2Col. Backward: im2col of the gradient."""

    saves_inputs = False

    def forward(self, cols, x_shape, geom):
        self.geom = geom
        return K.active.col2im(cols, x_shape, geom)

    def backward(self, g):
        return (Im2Col.apply(g, geom=self.geom),)


# ---------------------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------------------
class Conv2d(Function):
    """out[n, o] = b[o] + sum_{c,i,j} w[o, c, i, j] * x[n, c, window(i, j)].

    With W2 = w.reshape(O, C*kh*kw), cols = im2col(x) and g2 = the output gradient laid out
    (O, N*OH*OW):
    forward  out = W2 @ cols (+ b), moved from (O, N, ...) to NCHW;
    backward dW = g2 @ cols^T,  dx = col2im(W2^T @ g2),  db = g2 summed over its columns.
    """

    def forward(self, x, w, *bias, geom):
        n, o = x.shape[0], w.shape[0]
        oh, ow = out_size(x.shape[2], x.shape[3], geom)
        self.geom = geom
        self.cols = K.active.im2col(x, geom)
        out = K.active.matmul(np.ascontiguousarray(w.reshape(o, -1)), self.cols)
        if bias:
            out += bias[0].reshape(o, 1)
        return np.ascontiguousarray(out.reshape(o, n, oh, ow).transpose(1, 0, 2, 3))

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        b = self.inputs[2] if len(self.inputs) == 3 else None
        o = w.shape[0]
        gx = gw = gb = None
        if not is_grad_enabled():
            g2 = np.ascontiguousarray(g.data.transpose(1, 0, 2, 3)).reshape(o, -1)
            if w.requires_grad:
                gw = _const(K.active.matmul(g2, self.cols.T).reshape(w.shape))
            if x.requires_grad:
                w2t = np.ascontiguousarray(w.data.reshape(o, -1).T)
                gx = _const(K.active.col2im(K.active.matmul(w2t, g2), x.shape, self.geom))
            if b is not None and b.requires_grad:
                gb = _const(g2.sum(axis=1))
        else:
            g2 = g.transpose(1, 0, 2, 3).reshape(o, -1)
            if w.requires_grad:
                cols = Im2Col.apply(x, geom=self.geom)
                gw = (g2 @ cols.T).reshape(w.shape)
            if x.requires_grad:
                gx = Col2Im.apply(w.reshape(o, -1).T @ g2, x_shape=x.shape, geom=self.geom)
            if b is not None and b.requires_grad:
                gb = g2.sum(axis=1)
        return (gx, gw) if b is None else (gx, gw, gb)


def _pair(v: Any, what: str, who: str, lo: int) -> tuple[int, int]:
    items = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    if len(items) != 2 or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool)
                                  for i in items):
        raise ValueError(f"{who}: {what} must be an int or a pair of ints, got {v!r}")
    if any(i < lo for i in items):
        raise ValueError(f"{who}: {what} must be >= {lo}, got {v!r}")
    return int(items[0]), int(items[1])


def _check_input(x: Any, ndim: int, who: str, layout: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim != ndim:
        raise ValueError(f"{who}: input must be {ndim}-D {layout}, got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: input must be a float tensor, got {x.dtype}")
    return x


def _geometry(x_hw: tuple[int, int], k: tuple[int, int], stride: Any, padding: Any,
              dilation: Any, who: str) -> Geom:
    sh, sw = _pair(stride, "stride", who, 1)
    ph, pw = _pair(padding, "padding", who, 0)
    dh, dw = _pair(dilation, "dilation", who, 1)
    eh, ew = dh * (k[0] - 1) + 1, dw * (k[1] - 1) + 1
    hp, wp = x_hw[0] + 2 * ph, x_hw[1] + 2 * pw
    if eh > hp or ew > wp:
        raise ValueError(f"{who}: kernel {k[0]}x{k[1]} (dilated to {eh}x{ew}) is larger than "
                         f"the padded input {hp}x{wp} (input {x_hw[0]}x{x_hw[1]}, padding "
                         f"{ph},{pw})")
    return (k[0], k[1], sh, sw, ph, pw, dh, dw)


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1) -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch) of x (N, C, H, W) with weight
    (O, C, kh, kw), plus bias (O,): the result is (N, O, OH, OW)."""
    who = "conv2d"
    x = _check_input(x, 4, who, "(N, C, H, W)")
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        raise ValueError(f"{who}: weight must be a 4-D Tensor (out_channels, in_channels, kh, "
                         f"kw), got {getattr(weight, 'shape', type(weight).__name__)}")
    if x.shape[1] != weight.shape[1]:
        raise ValueError(f"{who}: input has {x.shape[1]} channels but the weight "
                         f"{weight.shape} expects {weight.shape[1]}")
    if x.dtype != weight.dtype:
        raise TypeError(f"{who}: input is {x.dtype} but weight is {weight.dtype}; convert one "
                        "(e.g. x.astype(weight.dtype))")
    geom = _geometry(x.shape[2:], weight.shape[2:], stride, padding, dilation, who)
    if bias is None:
        return Conv2d.apply(x, weight, geom=geom)
    if not isinstance(bias, Tensor) or bias.shape != (weight.shape[0],):
        raise ValueError(f"{who}: bias must be a Tensor of shape ({weight.shape[0]},), got "
                         f"{getattr(bias, 'shape', type(bias).__name__)}")
    return Conv2d.apply(x, weight, bias.astype(x.dtype) if bias.dtype != x.dtype else bias,
                        geom=geom)


def conv1d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1,
           padding: int = 0, dilation: int = 1) -> Tensor:
    """1-D convolution of x (N, C, L) with weight (O, C, k): a conv2d over a 1-pixel-high image."""
    who = "conv1d"
    x = _check_input(x, 3, who, "(N, C, L)")
    if not isinstance(weight, Tensor) or weight.ndim != 3:
        raise ValueError(f"{who}: weight must be a 3-D Tensor (out_channels, in_channels, k), "
                         f"got {getattr(weight, 'shape', type(weight).__name__)}")
    for v, what, lo in ((stride, "stride", 1), (padding, "padding", 0), (dilation, "dilation", 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise ValueError(f"{who}: {what} must be an int >= {lo}, got {v!r}")
    n, c, length = x.shape
    o, _, k = weight.shape
    if c != weight.shape[1]:
        raise ValueError(f"{who}: input has {c} channels but the weight {weight.shape} "
                         f"expects {weight.shape[1]}")
    try:
        y = conv2d(x.reshape(n, c, 1, length), weight.reshape(o, weight.shape[1], 1, k), bias,
                   (1, stride), (0, padding), (1, dilation))
    except (ValueError, TypeError) as e:
        raise type(e)(str(e).replace("conv2d", who)) from None
    return y.reshape(n, o, y.shape[3])


# ---------------------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------------------
class MaxPool2d(Function):
    """Maximum of each window. Backward: each window's gradient goes to its winner."""

    saves_inputs = False

    def forward(self, x, geom):
        self.x_shape = x.shape
        out, self.arg = K.active.max_pool2d(x, geom)
        return out

    def backward(self, g):
        if not is_grad_enabled():
            return (_const(K.active.max_pool2d_backward(g.data, self.arg, self.x_shape)),)
        return (MaxPool2dBackward.apply(g, arg=self.arg, x_shape=self.x_shape),)


class MaxPool2dBackward(Function):
    """Scatter g onto the winners (linear in g); its own backward gathers at the winners."""

    saves_inputs = False

    def forward(self, g, arg, x_shape):
        self.arg, self.x_shape = arg, x_shape
        return K.active.max_pool2d_backward(g, arg, x_shape)

    def backward(self, gg):
        n, c, h, w = self.x_shape
        flat = np.arange(n * c).reshape(n, c, 1, 1) * (h * w) + self.arg
        return (gg.reshape(-1)[flat],)


class AvgPool2d(Function):
    """Mean of each window (zero padding counted, as PyTorch's count_include_pad=True)."""

    saves_inputs = False

    def forward(self, x, geom):
        self.x_shape, self.geom = x.shape, geom
        return K.active.avg_pool2d(x, geom)

    def backward(self, g):
        if not is_grad_enabled():
            return (_const(K.active.avg_pool2d_backward(g.data, self.x_shape, self.geom)),)
        return (AvgPool2dBackward.apply(g, x_shape=self.x_shape, geom=self.geom),)


class AvgPool2dBackward(Function):
    """Spread g evenly over each window (the adjoint of AvgPool2d, whose forward is its
    backward)."""

    saves_inputs = False

    def forward(self, g, x_shape, geom):
        self.geom = geom
        return K.active.avg_pool2d_backward(g, x_shape, geom)

    def backward(self, gg):
        return (AvgPool2d.apply(gg, geom=self.geom),)


def _pool_geometry(x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                   who: str) -> Geom:
    k = _pair(kernel_size, "kernel_size", who, 1)
    stride = k if stride is None else stride
    ph, pw = _pair(padding, "padding", who, 0)
    dh, dw = _pair(dilation, "dilation", who, 1)
    if ph > (dh * (k[0] - 1) + 1) // 2 or pw > (dw * (k[1] - 1) + 1) // 2:
        raise ValueError(f"{who}: padding {padding!r} must be at most half the kernel size "
                         f"{kernel_size!r} (a window would see only padding)")
    return _geometry(x.shape[2:], k, stride, (ph, pw), (dh, dw), who)


def max_pool2d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1) -> Tensor:
    """Max over kernel_size windows of x (N, C, H, W); stride defaults to kernel_size."""
    x = _check_input(x, 4, "max_pool2d", "(N, C, H, W)")
    geom = _pool_geometry(x, kernel_size, stride, padding, dilation, "max_pool2d")
    return MaxPool2d.apply(x, geom=geom)


def avg_pool2d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """Mean over kernel_size windows of x (N, C, H, W); stride defaults to kernel_size."""
    x = _check_input(x, 4, "avg_pool2d", "(N, C, H, W)")
    geom = _pool_geometry(x, kernel_size, stride, padding, 1, "avg_pool2d")
    return AvgPool2d.apply(x, geom=geom)


def adaptive_avg_pool2d(x: Tensor, output_size: Any) -> Tensor:
    """Average x (N, C, H, W) down to (N, C, *output_size) with PyTorch's bins:
    output cell i covers rows floor(i*H/OH) .. ceil((i+1)*H/OH)."""
    who = "adaptive_avg_pool2d"
    x = _check_input(x, 4, who, "(N, C, H, W)")
    oh, ow = _pair(output_size, "output_size", who, 1)
    h, w = x.shape[2], x.shape[3]
    if (oh, ow) == (1, 1):
        return x.mean(axis=(2, 3), keepdims=True)
    if h % oh == 0 and w % ow == 0:  # equal bins: a plain average pool
        return avg_pool2d(x, (h // oh, w // ow))
    rows = []
    for i in range(oh):
        h0, h1 = (i * h) // oh, -((-(i + 1) * h) // oh)
        cells = []
        for j in range(ow):
            w0, w1 = (j * w) // ow, -((-(j + 1) * w) // ow)
            cells.append(x[:, :, h0:h1, w0:w1].mean(axis=(2, 3)))
        rows.append(stack(cells, axis=2))
    return stack(rows, axis=2)
