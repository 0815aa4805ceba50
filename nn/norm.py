"""Normalisation layers (BatchNorm1d, BatchNorm2d, LayerNorm) and the Embedding lookup table.

BatchNorm follows PyTorch exactly: in training it normalises with the batch's mean and
biased variance and updates the running estimates with momentum 0.1 (the running variance
is the unbiased one); in eval it normalises with the running estimates. All written with
Tensor ops, so gradients (and second derivatives) flow through the batch statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

from . import init
from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "Embedding", "LayerNorm"]


def _positive(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)


def batch_norm(x: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float | None = 0.1, eps: float = 1e-5, num_batches: int = 1) -> Tensor:
    """Normalise x per channel (axis 1) over every other axis, as torch.nn.functional.batch_norm.

    In training (or without running stats) the batch statistics are used and, when given,
    running_mean/var are updated in place: r = (1 - m) r + m stat (m = 1/num_batches when
    momentum is None: a cumulative average).
    """
    if not isinstance(x, Tensor) or x.ndim < 2:
        raise ValueError(f"batch_norm: input must be a Tensor (N, C, ...), got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    c = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, c) + (1,) * (x.ndim - 2)
    use_batch = training or running_mean is None
    if use_batch:
        count = x.size // c
        if count < 2:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {x.shape}")
        mean = x.mean(axis=axes, keepdims=True)
        xc = x - mean
        var = (xc * xc).mean(axis=axes, keepdims=True)
        if training and running_mean is not None:
            m = 1.0 / num_batches if momentum is None else momentum
            with autograd.no_grad():
                running_mean.data[...] = ((1 - m) * running_mean.data
                                          + m * mean.data.reshape(c))
                running_var.data[...] = ((1 - m) * running_var.data
                                         + m * var.data.reshape(c) * (count / (count - 1)))
                running_mean._bump_version()
                running_var._bump_version()
        y = xc / (var + eps).sqrt()
    else:
        inv = 1.0 / np.sqrt(running_var.data + eps)
        y = (x - Tensor._make(running_mean.data.reshape(shape).astype(x.dtype))) * \
            Tensor._make(inv.reshape(shape).astype(x.dtype))
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


class _BatchNorm(Module):
    ndims: tuple[int, ...] = ()
    layout = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = np.float32) -> None:
        who = type(self).__name__
        self.num_features = _positive(num_features, f"{who}: num_features")
        self.eps, self.momentum = float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        dt = np.dtype(dtype)
        self.weight = Parameter(np.ones(num_features, dtype=dt)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype=dt)) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dt)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        who = type(self).__name__
        if not isinstance(x, Tensor) or x.ndim not in self.ndims or \
                x.shape[1] != self.num_features:
            raise ValueError(f"{who}: input must be {self.layout} with C = {self.num_features},"
                             f" got {getattr(x, 'shape', type(x).__name__)}")
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data[...] += 1
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          self.training, self.momentum, self.eps,
                          int(self.num_batches_tracked.data) if self.track_running_stats else 1)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) features or (N, C, L) sequences, per channel C."""

    ndims = (2, 3)
    layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images, per channel C."""

    ndims = (4,)
    layout = "(N, C, H, W)"


def layer_norm(x: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last len(normalized_shape) axes of each sample (biased variance)."""
    shape = tuple(normalized_shape)
    if not isinstance(x, Tensor) or x.shape[x.ndim - len(shape):] != shape or \
            x.ndim < len(shape):
        raise ValueError(f"layer_norm: input's trailing shape must be {shape}, got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    xc = x - mean
    var = (xc * xc).mean(axis=axes, keepdims=True)
    y = xc / (var + eps).sqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


class LayerNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the trailing normalized_shape."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, dtype: Any = np.float32) -> None:
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) \
            else tuple(normalized_shape)
        self.normalized_shape = tuple(_positive(n, "LayerNorm: normalized_shape")
                                      for n in shape)
        self.eps = float(eps)
        dt = np.dtype(dtype)
        self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt)) \
            if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dt)) \
            if elementwise_affine else None

    def forward(self, x: Tensor) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, " \
               f"elementwise_affine={self.weight is not None}"


def embedding(indices: Any, weight: Tensor) -> Tensor:
    """Rows of weight (num_embeddings, dim) picked by integer indices of any shape."""
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got {idx.dtype}")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"embedding: index {int(bad)} is out of range for {n} embeddings "
                         f"(expected 0..{n - 1})")
    return weight[idx.astype(np.int64, copy=False)]


class Embedding(Module):
    """A lookup table: integer ids (any shape) -> rows of ``weight`` (num_embeddings, dim),
    initialised N(0, 1) as PyTorch."""

    def __init__(self, num_embeddings: int, embedding_dim: int, dtype: Any = np.float32) -> None:
        self.num_embeddings = _positive(num_embeddings, "Embedding: num_embeddings")
        self.embedding_dim = _positive(embedding_dim, "Embedding: embedding_dim")
        self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim),
                                         dtype=np.dtype(dtype)))
        init.normal_(self.weight)

    def forward(self, indices: Any) -> Tensor:
        return embedding(indices, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
