"""Convolution and pooling layers on NCHW tensors (PyTorch's names, weight layout and init).

The arithmetic lives in ``autograd/ops/conv.py``; these modules hold the weights and the
hyper-parameters.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.ops import conv as C

from . import init
from .module import Module, Parameter

__all__ = ["AdaptiveAvgPool2d", "AvgPool2d", "Conv1d", "Conv2d", "MaxPool2d"]


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
    """Shared by Conv1d and Conv2d: weight (out, in, *kernel), PyTorch's default init."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: tuple[int, ...],
                 bias: bool, dtype: Any, who: str) -> None:
        self.in_channels = _positive(in_channels, f"{who}: in_channels")
        self.out_channels = _positive(out_channels, f"{who}: out_channels")
        dt = np.dtype(dtype)
        shape = (self.out_channels, self.in_channels, *kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dt))
        self.bias = Parameter(np.empty(self.out_channels, dtype=dt)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels * kernel area."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_channels * int(np.prod(self.weight.shape[2:]))
            bound = 1.0 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)


class Conv2d(_ConvNd):
    """2-D convolution: (N, in_channels, H, W) -> (N, out_channels, OH, OW)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, bias: bool = True,
                 dtype: Any = np.float32) -> None:
        self.kernel_size = _size(kernel_size, 2, "Conv2d: kernel_size", 1)
        self.stride = _size(stride, 2, "Conv2d: stride", 1)
        self.padding = _size(padding, 2, "Conv2d: padding", 0)
        self.dilation = _size(dilation, 2, "Conv2d: dilation", 1)
        super().__init__(in_channels, out_channels, self.kernel_size, bias, dtype, "Conv2d")

    def forward(self, x: Tensor) -> Tensor:
        return C.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        return s + ("" if self.bias is not None else ", bias=False")


class Conv1d(_ConvNd):
    """1-D convolution over sequences: (N, in_channels, L) -> (N, out_channels, OL)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, dilation: int = 1, bias: bool = True,
                 dtype: Any = np.float32) -> None:
        (self.kernel_size,) = _size(kernel_size, 1, "Conv1d: kernel_size", 1)
        (self.stride,) = _size(stride, 1, "Conv1d: stride", 1)
        (self.padding,) = _size(padding, 1, "Conv1d: padding", 0)
        (self.dilation,) = _size(dilation, 1, "Conv1d: dilation", 1)
        super().__init__(in_channels, out_channels, (self.kernel_size,), bias, dtype, "Conv1d")

    def forward(self, x: Tensor) -> Tensor:
        return C.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding:
            s += f", padding={self.padding}"
        if self.dilation != 1:
            s += f", dilation={self.dilation}"
        return s + ("" if self.bias is not None else ", bias=False")


class MaxPool2d(Module):
    """Maximum over each kernel_size window (stride defaults to kernel_size)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1) -> None:
        self.kernel_size = _size(kernel_size, 2, "MaxPool2d: kernel_size", 1)
        self.stride = self.kernel_size if stride is None else _size(stride, 2,
                                                                    "MaxPool2d: stride", 1)
        self.padding = _size(padding, 2, "MaxPool2d: padding", 0)
        self.dilation = _size(dilation, 2, "MaxPool2d: dilation", 1)

    def forward(self, x: Tensor) -> Tensor:
        return C.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """Mean over each kernel_size window (zero padding counted in the mean, as PyTorch)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        self.kernel_size = _size(kernel_size, 2, "AvgPool2d: kernel_size", 1)
        self.stride = self.kernel_size if stride is None else _size(stride, 2,
                                                                    "AvgPool2d: stride", 1)
        self.padding = _size(padding, 2, "AvgPool2d: padding", 0)

    def forward(self, x: Tensor) -> Tensor:
        return C.avg_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average each channel down to a fixed output_size, whatever the input's size."""

    def __init__(self, output_size: Any) -> None:
        self.output_size = _size(output_size, 2, "AdaptiveAvgPool2d: output_size", 1)

    def forward(self, x: Tensor) -> Tensor:
        return C.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
