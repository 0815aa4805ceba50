"""Convolution, pooling and resampling layers on NCHW tensors (PyTorch's names, weight
layout, defaults and init).

The arithmetic is the functional forms in ``nn/functional.py`` (the ``[spatial]`` block);
these modules hold the weights and the hyper-parameters.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.creation import get_default_dtype
from autograd.tensor import _as_dtype, _device_check

from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "CircularPad1d", "CircularPad2d", "ConstantPad1d", "ConstantPad2d", "Conv1d",
           "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ChannelShuffle", "Fold",
           "LPPool1d", "LPPool2d", "LocalResponseNorm", "MaxPool1d",
           "MaxPool2d", "MaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "PixelShuffle",
           "PixelUnshuffle", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d",
           "ReplicationPad2d", "Unfold", "Upsample", "UpsamplingBilinear2d",
           "UpsamplingNearest2d", "ZeroPad1d", "ZeroPad2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def factory_dtype(device: Any, dtype: Any) -> np.dtype:
    """The parameter dtype of a layer built with torch's ``device=``/``dtype=`` arguments:
    the device must be the CPU; dtype None means ``autograd.get_default_dtype()`` (float32
    unless ``autograd.set_default_dtype`` changed it)."""
    if device is not None:
        _device_check(device)
    dt = _as_dtype(dtype)
    return get_default_dtype() if dt is None else dt


def _positive(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)


def _size(v: Any, n: int, what: str, lo: int) -> tuple[int, ...]:
    items = tuple(v) if isinstance(v, (tuple, list)) else (v,) * n
    if len(items) != n or any(isinstance(i, bool) or not isinstance(i, (int, np.integer))
                              or i < lo for i in items):
        raise ValueError(f"{what} must be an int >= {lo} or {n} of them, got {v!r}")
    return tuple(int(i) for i in items)


class _ConvNd(Module):
    """Shared by the convolutions: weight (out, in/groups, *k) — transposed: (in, out/groups,
    *k) — and bias (out,), PyTorch's default init."""

    nd = 2
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                 device: Any, dtype: Any, output_padding: Any = 0) -> None:
        who, nd = type(self).__name__, self.nd
        self.in_channels = _positive(in_channels, f"{who}: in_channels")
        self.out_channels = _positive(out_channels, f"{who}: out_channels")
        self.groups = _positive(groups, f"{who}: groups")
        if self.in_channels % self.groups:
            raise ValueError(f"{who}: in_channels ({in_channels}) must be divisible by groups "
                             f"({groups})")
        if self.out_channels % self.groups:
            raise ValueError(f"{who}: out_channels ({out_channels}) must be divisible by "
                             f"groups ({groups})")
        self.kernel_size = _size(kernel_size, nd, f"{who}: kernel_size", 1)
        self.stride = _size(stride, nd, f"{who}: stride", 1)
        self.dilation = _size(dilation, nd, f"{who}: dilation", 1)
        self.output_padding = _size(output_padding, nd, f"{who}: output_padding", 0)
        if isinstance(padding, str):
            if padding not in ("same", "valid") or self.transposed:
                raise ValueError(f"{who}: padding must be 'valid', 'same' or ints, got "
                                 f"{padding!r}")
            if padding == "same" and self.stride != (1,) * nd:
                raise ValueError(f"{who}: padding='same' is not supported for strided "
                                 "convolutions")
            self.padding = padding
        else:
            self.padding = _size(padding, nd, f"{who}: padding", 0)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{who}: padding_mode must be one of {_PADDING_MODES}, got "
                             f"{padding_mode!r}")
        if self.transposed and padding_mode != "zeros":
            raise ValueError(f"{who}: only 'zeros' padding_mode is supported")
        self.padding_mode = padding_mode
        dt = factory_dtype(device, dtype)
        shape = (self.in_channels, self.out_channels // self.groups) if self.transposed else \
            (self.out_channels, self.in_channels // self.groups)
        self.weight = Parameter(np.empty(shape + self.kernel_size, dtype=dt))
        self.bias = Parameter(np.empty(self.out_channels, dtype=dt)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = weight.shape[1] * kernel
        area (as torch, also for the transposed layout)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * int(np.prod(self.kernel_size))
            bound = 1.0 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def _mode_padded(self, x: Tensor) -> tuple[Tensor, Any]:
        """For padding_mode != 'zeros': x padded by F.pad, and the conv's own padding 0."""
        if self.padding_mode == "zeros" or self.padding == "valid":
            return x, self.padding
        if self.padding == "same":
            widths = F._same_padding(self.kernel_size, self.dilation)
        else:
            widths = [p for p in reversed(self.padding) for _ in range(2)]
        mode = "constant" if self.padding_mode == "zeros" else self.padding_mode
        return F.pad(x, widths, mode), 0

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self.nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self.nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    """Conv1d/2d/3d: PyTorch's signature and defaults; forward is nn.functional.conv{nd}d."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)

    def forward(self, x: Tensor) -> Tensor:
        x, padding = self._mode_padded(x)
        conv = (F.conv1d, F.conv2d, F.conv3d)[self.nd - 1]
        return conv(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv2d(_Conv):
    """2-D convolution: (N, in_channels, H, W) -> (N, out_channels, OH, OW)."""


class Conv1d(_Conv):
    """1-D convolution over sequences: (N, in_channels, L) -> (N, out_channels, OL)."""

    nd = 1


class Conv3d(_Conv):
    """3-D convolution over volumes: (N, in_channels, D, H, W) -> (N, out_channels, OD, OH,
    OW)."""

    nd = 3


class _ConvTransposeNd(_ConvNd):
    transposed = True

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        if output_size is None:
            return self.output_padding
        want = tuple(int(v) for v in tuple(output_size)[-self.nd:])
        op = []
        for i in range(self.nd):
            base = ((x.shape[x.ndim - self.nd + i] - 1) * self.stride[i] - 2 * self.padding[i]
                    + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            extra = want[i] - base
            if not 0 <= extra < max(self.stride[i], self.dilation[i]):
                raise ValueError(f"{type(self).__name__}: output_size {tuple(output_size)} is "
                                 f"not reachable (sizes from {base} to "
                                 f"{base + max(self.stride[i], self.dilation[i]) - 1})")
            op.append(extra)
        return tuple(op)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution: (N, in_channels, H, W) -> (N, out_channels, OH, OW),
    OH = (H - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                 bias: bool = True, dilation: Any = 1, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype, output_padding)

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(x, output_size), self.groups,
                                  self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution: (N, in_channels, L) -> (N, out_channels, OL)."""

    nd = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                 bias: bool = True, dilation: Any = 1, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype, output_padding)

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        return F.conv_transpose1d(x, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(x, output_size), self.groups,
                                  self.dilation)


# ----------------------------------------------------------------------------- pooling
def _tuple(v: Any, n: int) -> Any:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


class _Pool(Module):
    """Holds a pooling call's hyper-parameters (as given, like torch) and its repr."""

    fields: tuple[str, ...] = ()

    def extra_repr(self) -> str:
        return ", ".join(f"{f}={getattr(self, f)}" for f in self.fields)


class MaxPool2d(_Pool):
    """Maximum over each kernel_size window (stride defaults to kernel_size)."""

    fields = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False, ceil_mode: bool = False
                 ) -> None:
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = bool(return_indices), bool(ceil_mode)

    op = "max_pool2d"  # the nn.functional form this layer calls (1d/3d set their own)

    def forward(self, x: Tensor) -> Any:
        return getattr(F, self.op)(x, self.kernel_size, self.stride, self.padding,
                                   self.dilation, self.ceil_mode, self.return_indices)


class MaxPool1d(MaxPool2d):
    """Maximum over each window of (N, C, L)."""

    op = "max_pool1d"


class MaxPool3d(MaxPool2d):
    """Maximum over each window of (N, C, D, H, W)."""

    op = "max_pool3d"


class AvgPool2d(_Pool):
    """Mean over each kernel_size window (zero padding counted unless
    count_include_pad=False)."""

    fields = ("kernel_size", "stride", "padding")

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, bool(ceil_mode)
        self.count_include_pad, self.divisor_override = bool(count_include_pad), divisor_override

    op = "avg_pool2d"

    def forward(self, x: Tensor) -> Tensor:
        return getattr(F, self.op)(x, self.kernel_size, self.stride, self.padding,
                                   self.ceil_mode, self.count_include_pad,
                                   self.divisor_override)


class AvgPool3d(AvgPool2d):
    """Mean over each window of (N, C, D, H, W)."""

    op = "avg_pool3d"


class AvgPool1d(_Pool):
    """Mean over each window of (N, C, L)."""

    fields = ("kernel_size", "stride", "padding")

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        self.kernel_size = _tuple(kernel_size, 1)  # torch stores 1-tuples (its repr shows them)
        self.stride = self.kernel_size if stride is None else _tuple(stride, 1)
        self.padding, self.ceil_mode = _tuple(padding, 1), bool(ceil_mode)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class MaxUnpool2d(_Pool):
    """Put max_pool2d's maxima back at their indices (zeros elsewhere)."""

    fields = ("kernel_size", "stride", "padding")
    nd = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        self.kernel_size = _tuple(kernel_size, self.nd)  # tuples, as torch
        self.stride = self.kernel_size if stride is None else _tuple(stride, self.nd)
        self.padding = _tuple(padding, self.nd)

    def forward(self, x: Tensor, indices: Any, output_size: Any = None) -> Tensor:
        return F.max_unpool2d(x, indices, self.kernel_size, self.stride, self.padding,
                              output_size)


class MaxUnpool1d(MaxUnpool2d):
    """Put max_pool1d's maxima back at their indices."""

    nd = 1

    def forward(self, x: Tensor, indices: Any, output_size: Any = None) -> Tensor:
        return F.max_unpool1d(x, indices, self.kernel_size, self.stride, self.padding,
                              output_size)


class AdaptiveAvgPool2d(_Pool):
    """Average each channel down to a fixed output_size, whatever the input's size."""

    fields = ("output_size",)

    def __init__(self, output_size: Any) -> None:
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(x, self.output_size)


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool3d(x, self.output_size)


class AdaptiveMaxPool2d(_Pool):
    """Max over PyTorch's adaptive bins down to output_size."""

    fields = ("output_size",)

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        self.output_size, self.return_indices = output_size, bool(return_indices)

    def forward(self, x: Tensor) -> Any:
        return F.adaptive_max_pool2d(x, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    def forward(self, x: Tensor) -> Any:
        return F.adaptive_max_pool1d(x, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    def forward(self, x: Tensor) -> Any:
        return F.adaptive_max_pool3d(x, self.output_size, self.return_indices)


class Upsample(_Pool):
    """Resize by ``size`` or ``scale_factor`` (F.interpolate's modes)."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        if isinstance(scale_factor, (tuple, list)):  # stored as floats, as torch
            scale_factor = tuple(float(f) for f in scale_factor)
        elif scale_factor:
            scale_factor = float(scale_factor)
        else:
            scale_factor = None
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self) -> str:
        what = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None \
            else f"size={self.size!r}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Upsample with mode='nearest' (torch's older spelling)."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample with mode='bilinear' and align_corners=True (torch's older spelling)."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


# ----------------------------------------------------------------------------- blocks, shuffles
class Unfold(_Pool):
    """Sliding blocks of (N, C, H, W) as columns (N, C*kh*kw, L): F.unfold."""

    fields = ("kernel_size", "dilation", "padding", "stride")

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        self.kernel_size, self.dilation, self.padding, self.stride = (kernel_size, dilation,
                                                                      padding, stride)

    def forward(self, x: Tensor) -> Tensor:
        return F.unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)


class Fold(_Pool):
    """Columns (N, C*kh*kw, L) summed back into (N, C, *output_size): F.fold."""

    fields = ("output_size", "kernel_size", "dilation", "padding", "stride")

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, x: Tensor) -> Tensor:
        return F.fold(x, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)


class PixelShuffle(_Pool):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""

    fields = ("upscale_factor",)

    def __init__(self, upscale_factor: int) -> None:
        self.upscale_factor = upscale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.pixel_shuffle(x, self.upscale_factor)


class LPPool2d(_Pool):
    """Power-average pooling of (N, C, H, W): (sum over each window of x^p) ** (1/p)."""

    fields = ("norm_type", "kernel_size", "stride", "ceil_mode")
    op = "lp_pool2d"

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode = bool(ceil_mode)

    def forward(self, x: Tensor) -> Tensor:
        return getattr(F, self.op)(x, self.norm_type, self.kernel_size, self.stride,
                                   self.ceil_mode)


class LPPool1d(LPPool2d):
    """Power-average pooling of (N, C, L)."""

    op = "lp_pool1d"


class LocalResponseNorm(Module):
    """Each channel divided by (k + alpha/size * sum of its size neighbours' squares)^beta."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
                 ) -> None:
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x: Tensor) -> Tensor:
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class ChannelShuffle(_Pool):
    """(N, C, *) channels regrouped: groups x (C // groups) transposed."""

    fields = ("groups",)

    def __init__(self, groups: int) -> None:
        self.groups = groups

    def forward(self, x: Tensor) -> Tensor:
        return F.channel_shuffle(x, self.groups)


class PixelUnshuffle(_Pool):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W)."""

    fields = ("downscale_factor",)

    def __init__(self, downscale_factor: int) -> None:
        self.downscale_factor = downscale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.pixel_unshuffle(x, self.downscale_factor)


# ----------------------------------------------------------------------------- padding layers
class _PadNd(Module):
    """F.pad with a fixed ``padding`` (an int pads every side of the last nd dims)."""

    nd = 2
    mode = "constant"

    def __init__(self, padding: Any, value: float = 0.0) -> None:
        n = 2 * self.nd
        self.padding = tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * n
        if len(self.padding) != n:
            raise ValueError(f"{type(self).__name__}: padding must be an int or {n} ints, got "
                             f"{padding!r}")
        self.value = value

    def forward(self, x: Tensor) -> Tensor:
        if self.mode == "constant":
            return F.pad(x, self.padding, "constant", self.value)
        return F.pad(x, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ConstantPad1d(_PadNd):
    nd = 1

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding, value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad2d(ConstantPad1d):
    nd = 2


class ZeroPad1d(_PadNd):
    nd = 1

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)


class ZeroPad2d(ZeroPad1d):
    nd = 2


class ReflectionPad1d(ZeroPad1d):
    mode = "reflect"


class ReflectionPad2d(ZeroPad2d):
    mode = "reflect"


class ReplicationPad1d(ZeroPad1d):
    mode = "replicate"


class ReplicationPad2d(ZeroPad2d):
    mode = "replicate"


class CircularPad1d(ZeroPad1d):
    mode = "circular"


class CircularPad2d(ZeroPad2d):
    mode = "circular"
