"""The Functions behind convolution and pooling on NCHW tensors (their public, checked
forms are in ``nn/functional.py``, the ``[spatial]`` block).

A convolution is im2col + one batched matmul: every receptive field of the input becomes a
column (``kernels/conv.py``), and ``W.reshape(O, C*kh*kw) @ cols`` gives the output
already in NCHW order. Its backward is two more matmuls and col2im (the adjoint of im2col).
We measured a direct numba loop kernel against this (benchmarks/bench_conv_rnn.py): im2col
+ matmul won, by far for multi-channel inputs.

Each backward has a fast array path and, under ``create_graph``, a path built from
differentiable ops (Im2Col/Col2Im and the pooling adjoints below are each other's backward),
so second derivatives through conv and pooling work. Grouped and transposed convolutions
are compositions of Im2Col/Col2Im with (batched) matmuls, so their gradients of any order
come from those ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels as K
from ..function import Function, is_grad_enabled
from ..kernels.windows import out_size
from ..tensor import ShapeError, Tensor

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
        out = K.active.conv_output(w.reshape(o, -1), self.cols, bias[0] if bias else None, n)
        return out.reshape(n, o, oh, ow)

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        b = self.inputs[2] if len(self.inputs) == 3 else None
        o = w.shape[0]
        gx = gw = gb = None
        if not is_grad_enabled():
            need_b = b is not None and b.requires_grad
            # g laid out (O, N*OH*OW): the input gradient's product needs it
            g2 = (np.ascontiguousarray(g.data.transpose(1, 0, 2, 3)).reshape(o, -1)
                  if x.requires_grad else None)
            if w.requires_grad or need_b:
                gw2, gb2 = K.active.conv_grad_wb(g.data.reshape(g.shape[0], o, -1), self.cols,
                                                 need_b, g2)
                gw = _const(gw2.reshape(w.shape)) if w.requires_grad else None
                gb = _const(gb2) if need_b else None
            if x.requires_grad:
                w2t = np.ascontiguousarray(w.data.reshape(o, -1).T)
                gx = _const(K.active.col2im(K.active.matmul(w2t, g2), x.shape, self.geom))
        else:
            g2 = g.permute(1, 0, 2, 3).reshape(o, -1)
            if w.requires_grad:
                cols = Im2Col.apply(x, geom=self.geom)
                gw = (g2 @ cols.T).reshape(w.shape)
            if x.requires_grad:
                gx = Col2Im.apply(w.reshape(o, -1).T @ g2, x_shape=x.shape, geom=self.geom)
            if b is not None and b.requires_grad:
                gb = g2.sum(axis=1)
        return (gx, gw) if b is None else (gx, gw, gb)


def pair(v: Any, what: str, who: str, lo: int, n: int = 2) -> tuple[int, ...]:
    """v as n ints >= lo (an int is repeated), or a ValueError naming what was wrong."""
    items = tuple(v) if isinstance(v, (tuple, list)) else (v,) * n
    if len(items) != n or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool)
                                  for i in items):
        raise ValueError(f"{who}: {what} must be an int or a tuple of {n} ints, got {v!r}")
    if any(i < lo for i in items):
        raise ValueError(f"{who}: {what} must be >= {lo}, got {v!r}")
    return tuple(int(i) for i in items)


def check_input(x: Any, ndim: int, who: str, layout: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim != ndim:
        raise ShapeError(f"{who}: input must be {ndim}-D {layout}, got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: input must be a float tensor, got {x.dtype}")
    return x


def geometry(x_hw: tuple[int, ...], k: tuple[int, ...], stride: Any, padding: Any,
             dilation: Any, who: str) -> Geom:
    """The window geometry, checked: the dilated kernel must fit the padded input."""
    sh, sw = pair(stride, "stride", who, 1)
    ph, pw = pair(padding, "padding", who, 0)
    dh, dw = pair(dilation, "dilation", who, 1)
    eh, ew = dh * (k[0] - 1) + 1, dw * (k[1] - 1) + 1
    hp, wp = x_hw[0] + 2 * ph, x_hw[1] + 2 * pw
    if eh > hp or ew > wp:
        raise ShapeError(f"{who}: kernel {k[0]}x{k[1]} (dilated to {eh}x{ew}) is larger than "
                         f"the padded input {hp}x{wp} (input {x_hw[0]}x{x_hw[1]}, padding "
                         f"{ph},{pw})")
    return (k[0], k[1], sh, sw, ph, pw, dh, dw)


def conv2d(x: Tensor, w: Tensor, b: Tensor | None, geom: Geom, groups: int = 1) -> Tensor:
    """Checked-free core of F.conv2d: x (N, C, H, W), w (O, C/groups, kh, kw), b (O,)."""
    if groups == 1:
        return Conv2d.apply(x, w, geom=geom) if b is None else Conv2d.apply(x, w, b, geom=geom)
    n, o = x.shape[0], w.shape[0]
    oh, ow = out_size(x.shape[2], x.shape[3], geom)
    cols = Im2Col.apply(x, geom=geom)                       # (C*kh*kw, N*OH*OW), c-major
    cols = cols.reshape(groups, cols.shape[0] // groups, cols.shape[1])
    out = w.reshape(groups, o // groups, -1) @ cols          # (G, O/G, N*OH*OW)
    out = out.reshape(o, n, oh, ow).permute(1, 0, 2, 3)
    return out if b is None else out + b.reshape(1, o, 1, 1)


def conv_transpose2d(x: Tensor, w: Tensor, b: Tensor | None, geom: Geom, groups: int,
                     out_hw: tuple[int, int]) -> Tensor:
    """The adjoint of conv2d in x: x (N, Cin, H, W), w (Cin, Cout/groups, kh, kw) ->
    (N, Cout, *out_hw), + b (Cout,). Every input pixel scatters a weighted kernel (col2im)."""
    n, cin, h, wd = x.shape
    cog = w.shape[1]
    x2 = x.permute(1, 0, 2, 3).reshape(groups, cin // groups, n * h * wd)
    w2 = w.reshape(groups, cin // groups, -1).permute(0, 2, 1)  # (G, Cout/G*kh*kw, Cin/G)
    cols = (w2 @ x2).reshape(groups * w2.shape[1], n * h * wd)
    out = Col2Im.apply(cols, x_shape=(n, groups * cog, *out_hw), geom=geom)
    return out if b is None else out + b.reshape(1, groups * cog, 1, 1)


# ---------------------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------------------
class MaxPool2d(Function):
    """Maximum of each window. Backward: each window's gradient goes to its winner.

    ``out_hw`` is the output size (larger than the floor one under ceil_mode); ``self.arg``
    holds the winners' flat indices h * W + w in their plane (return_indices).
    """

    saves_inputs = False

    def forward(self, x, geom, out_hw):
        self.x_shape = x.shape
        out, self.arg = K.active.max_pool2d(x, geom, out_hw)
        return out

    def backward(self, g):
        if not is_grad_enabled():
            return (_const(K.active.max_pool2d_backward(g.data, self.arg, self.x_shape)),)
        return (MaxPool2dBackward.apply(g, arg=self.arg, x_shape=self.x_shape),)


class MaxPool2dBackward(Function):
    """Scatter g onto the winners (linear in g); its own backward gathers at the winners.
    Also max_unpool2d: the pooled values put back where they came from."""

    saves_inputs = False

    def forward(self, g, arg, x_shape):
        self.arg, self.x_shape = arg, x_shape
        return K.active.max_pool2d_backward(g, arg, x_shape)

    def backward(self, gg):
        n, c, h, w = self.x_shape
        flat = np.arange(n * c).reshape(n, c, 1, 1) * (h * w) + self.arg
        return (gg.reshape(-1)[flat],)


class AvgPool2d(Function):
    """Window sums / (kh * kw), zero padding counted (PyTorch's count_include_pad=True);
    other divisors rescale this (``avg_divisor``)."""

    saves_inputs = False

    def forward(self, x, geom, out_hw):
        self.x_shape, self.geom = x.shape, geom
        return K.active.avg_pool2d(x, geom, out_hw)

    def backward(self, g):
        if not is_grad_enabled():
            return (_const(K.active.avg_pool2d_backward(g.data, self.x_shape, self.geom)),)
        return (AvgPool2dBackward.apply(g, x_shape=self.x_shape, geom=self.geom),)


class AvgPool2dBackward(Function):
    """Spread g evenly over each window (the adjoint of AvgPool2d, whose forward is its
    backward)."""

    saves_inputs = False

    def forward(self, g, x_shape, geom):
        self.geom, self.out_hw = geom, g.shape[2:]
        return K.active.avg_pool2d_backward(g, x_shape, geom)

    def backward(self, gg):
        return (AvgPool2d.apply(gg, geom=self.geom, out_hw=self.out_hw),)


def pool_out(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooled length: floor or ceil of the window count; under ceil_mode the last
    window must start inside the input or its left padding."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def avg_divisor(x_hw: tuple[int, int], geom: Geom, out_hw: tuple[int, int],
                count_include_pad: bool, divisor_override: int | None) -> np.ndarray | None:
    """(OH, OW) divisors of each window as PyTorch's avg_pool2d, or None when every one is
    kh * kw (the kernel's own)."""
    kh, kw, sh, sw, ph, pw = geom[:6]
    if divisor_override is not None:
        return np.full(out_hw, float(divisor_override))
    sizes = []
    for n, k, s, p, o in ((x_hw[0], kh, sh, ph, out_hw[0]), (x_hw[1], kw, sw, pw, out_hw[1])):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        sizes.append(end - start)
    div = np.outer(sizes[0], sizes[1]).astype(np.float64)
    return None if (div == kh * kw).all() else div
