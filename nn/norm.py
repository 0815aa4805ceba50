"""Normalisation layers (BatchNorm1d/2d, InstanceNorm1d/2d, LayerNorm, GroupNorm) and the
Embedding lookup table, as PyTorch's (names, defaults, state_dict). Their arithmetic is the
functional forms in ``nn/functional.py``.

BatchNorm follows PyTorch exactly: in training it normalises with the batch's mean and
biased variance and updates the running estimates with momentum 0.1 (the running variance
is the unbiased one); in eval it normalises with the running estimates. All written with
Tensor ops, so gradients (and second derivatives) flow through the batch statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.tensor import ShapeError

from . import functional as F
from . import init
from .conv import factory_dtype
from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "Embedding", "EmbeddingBag",
           "GroupNorm",
           "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LayerNorm", "RMSNorm"]


def _padding_idx(padding_idx: Any, n: int, who: str) -> int | None:
    """padding_idx within [-n, n), as a non-negative index (None stays None)."""
    if padding_idx is None:
        return None
    if not -n <= padding_idx < n:
        raise ValueError(f"{who}: padding_idx must be within num_embeddings ({n}), got "
                         f"{padding_idx}")
    return int(padding_idx) % n


def _positive(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)


def _ones_zeros(weight: Tensor | None, bias: Tensor | None) -> None:
    if weight is not None:
        init.ones_(weight)
    if bias is not None:
        init.zeros_(bias)


class _BatchNorm(Module):
    ndims: tuple[int, ...] = ()
    layout = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        who = type(self).__name__
        self.num_features = _positive(num_features, f"{who}: num_features")
        self.eps, self.momentum = float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        dt = factory_dtype(device, dtype)
        self.weight = Parameter(np.ones(num_features, dtype=dt)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype=dt)) if affine and bias else None
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

    def reset_parameters(self) -> None:
        """The running statistics reset, weight ones, bias zeros (as torch)."""
        self.reset_running_stats()
        _ones_zeros(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        who = type(self).__name__
        if not isinstance(x, Tensor) or x.ndim not in self.ndims or \
                x.shape[1] != self.num_features:
            raise ShapeError(f"{who}: input must be {self.layout} with C = {self.num_features},"
                             f" got {getattr(x, 'shape', type(x).__name__)}")
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data[...] += 1
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          self.training, self.momentum, self.eps,
                          int(self.num_batches_tracked.data) if self.track_running_stats else 1)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) features or (N, C, L) sequences, per channel C."""

    ndims = (2, 3)
    layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images, per channel C."""

    ndims = (4,)
    layout = "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) volumes, per channel C."""

    ndims = (5,)
    layout = "(N, C, D, H, W)"


class _InstanceNorm(_BatchNorm):
    """Per (sample, channel) normalisation over the spatial dims (PyTorch's defaults:
    affine=False, track_running_stats=False)."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        who = type(self).__name__
        unbatched = isinstance(x, Tensor) and x.ndim == self.ndims[0] - 1
        if unbatched:
            x = x.reshape(1, *x.shape)
        if not isinstance(x, Tensor) or x.ndim not in self.ndims or \
                x.shape[1] != self.num_features:
            raise ShapeError(f"{who}: input must be {self.layout} with C = {self.num_features},"
                             f" got {getattr(x, 'shape', type(x).__name__)}")
        use_input = self.training or not self.track_running_stats
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            use_input, 0.1 if self.momentum is None else self.momentum,
                            self.eps)
        return y.reshape(y.shape[1:]) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) sequences."""

    ndims = (3,)
    layout = "(N, C, L) or (C, L)"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) images."""

    ndims = (4,)
    layout = "(N, C, H, W) or (C, H, W)"


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) volumes."""

    ndims = (5,)
    layout = "(N, C, D, H, W) or (C, D, H, W)"


class LayerNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the trailing normalized_shape
    (``bias=False`` keeps the weight only, as torch >= 2.1)."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) \
            else tuple(normalized_shape)
        self.normalized_shape = tuple(_positive(n, "LayerNorm: normalized_shape")
                                      for n in shape)
        self.eps = float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        dt = factory_dtype(device, dtype)
        self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt)) \
            if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dt)) \
            if elementwise_affine and bias else None

    def reset_parameters(self) -> None:
        _ones_zeros(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, " \
               f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"


class RMSNorm(Module):
    """y = x / sqrt(mean(x**2) + eps) * weight over the trailing normalized_shape (eps None:
    the input dtype's machine epsilon), as torch.nn.RMSNorm."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) \
            else tuple(normalized_shape)
        self.normalized_shape = tuple(_positive(n, "RMSNorm: normalized_shape")
                                      for n in shape)
        self.eps = eps
        self.elementwise_affine = bool(elementwise_affine)
        dt = factory_dtype(device, dtype)
        self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt)) \
            if elementwise_affine else None

    def reset_parameters(self) -> None:
        _ones_zeros(self.weight, None)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, " \
               f"elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Normalise each of num_groups channel groups per sample; weight/bias per channel."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        self.num_groups = _positive(num_groups, "GroupNorm: num_groups")
        self.num_channels = _positive(num_channels, "GroupNorm: num_channels")
        if self.num_channels % self.num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.eps, self.affine = float(eps), bool(affine)
        dt = factory_dtype(device, dtype)
        self.weight = Parameter(np.ones(self.num_channels, dtype=dt)) if affine else None
        self.bias = Parameter(np.zeros(self.num_channels, dtype=dt)) if affine and bias else None

    def reset_parameters(self) -> None:
        _ones_zeros(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
                f", bias={self.bias is not None}")


class Embedding(Module):
    """A lookup table: integer ids (any shape) -> rows of ``weight`` (num_embeddings, dim),
    initialised N(0, 1) as PyTorch; the ``padding_idx`` row starts at zero and gets no
    gradient; ``max_norm`` renormalises looked-up rows in place."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False, _weight: Any = None,
                 _freeze: bool = False, device: Any = None, dtype: Any = None) -> None:
        self.num_embeddings = _positive(num_embeddings, "Embedding: num_embeddings")
        self.embedding_dim = _positive(embedding_dim, "Embedding: embedding_dim")
        padding_idx = _padding_idx(padding_idx, self.num_embeddings, "Embedding")
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            self.weight = Parameter(np.empty(shape, dtype=factory_dtype(device, dtype)),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            w = _weight.data if isinstance(_weight, Tensor) else np.asarray(_weight)
            if w.shape != shape:
                raise ValueError(f"Embedding: _weight has shape {w.shape}, expected {shape}")
            self.weight = Parameter(w.copy(), requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding holding a copy of ``embeddings`` (2-D); frozen unless freeze=False."""
        w = embeddings.data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if w.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                             f"{w.shape}")
        return cls(w.shape[0], w.shape[1], padding_idx, max_norm, norm_type,
                   scale_grad_by_freq, sparse, _weight=w, _freeze=freeze, dtype=w.dtype)

    def forward(self, indices: Any) -> Tensor:
        return F.embedding(indices, self.weight, self.padding_idx, self.max_norm,
                           self.norm_type, self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        return s


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embeddings without building the (bags, N, dim)
    lookup, as torch.nn.EmbeddingBag: ``bag(input, offsets=None, per_sample_weights=None)``
    with input (B, N), or 1-D with offsets (see ``F.embedding_bag``). ``weight``
    (num_embeddings, embedding_dim) is initialised N(0, 1), the ``padding_idx`` row zero."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Any = None, include_last_offset: bool = False,
                 padding_idx: int | None = None, device: Any = None, dtype: Any = None
                 ) -> None:
        self.num_embeddings = _positive(num_embeddings, "EmbeddingBag: num_embeddings")
        self.embedding_dim = _positive(embedding_dim, "EmbeddingBag: embedding_dim")
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode must be one of 'sum', 'mean', 'max', got "
                             f"{mode!r}")
        if scale_grad_by_freq or sparse:
            raise NotImplementedError("EmbeddingBag: scale_grad_by_freq and sparse are not "
                                      "supported")
        padding_idx = _padding_idx(padding_idx, self.num_embeddings, "EmbeddingBag")
        self.max_norm, self.norm_type, self.mode = max_norm, norm_type, mode
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        self.include_last_offset, self.padding_idx = bool(include_last_offset), padding_idx
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            self.weight = Parameter(np.empty(shape, dtype=factory_dtype(device, dtype)))
            self.reset_parameters()
        else:
            w = _weight.data if isinstance(_weight, Tensor) else np.asarray(_weight)
            if w.shape != shape:
                raise ValueError(f"EmbeddingBag: _weight has shape {w.shape}, expected "
                                 f"{shape}")
            self.weight = Parameter(w.copy())

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag holding a copy of ``embeddings`` (2-D); frozen unless
        freeze=False."""
        w = embeddings.data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if w.ndim != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: embeddings must be 2-D, got "
                             f"shape {w.shape}")
        bag = cls(w.shape[0], w.shape[1], max_norm, norm_type, scale_grad_by_freq, mode,
                  sparse, _weight=w, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag

    def forward(self, input: Any, offsets: Any = None, per_sample_weights: Any = None
                ) -> Tensor:
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, self.sparse,
                               per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        s += f", mode={self.mode!r}"
        if self.include_last_offset:
            s += ", include_last_offset=True"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
