"""Function forms of the layers, activations and losses (``import nn.functional as F``).

The modules in ``nn`` are thin wrappers over these; use whichever reads better.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from autograd.ops.fused import REDUCTIONS, check_labels, cross_entropy, linear, mse

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "flatten",
    "gelu",
    "hinge_loss",
    "identity",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "relu",
    "sigmoid",
    "softmax",
    "step",
    "tanh",
]


# ----------------------------------------------------------------------------- activations
def relu(x: Tensor) -> Tensor:
    return autograd.relu(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return autograd.leaky_relu(x, negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    return autograd.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    return autograd.tanh(x)


def gelu(x: Tensor) -> Tensor:
    """Exact GELU, x * Phi(x) (PyTorch's default)."""
    return autograd.gelu(x)


def step(x: Tensor) -> Tensor:
    """Heaviside step, 1 where x > 0 else 0. Its gradient is zero everywhere: nothing
    upstream of a step can learn by gradient descent (hence the perceptron learning rule)."""
    return autograd.step(x)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    return autograd.softmax(x, axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    return autograd.log_softmax(x, axis)


def identity(x: Tensor) -> Tensor:
    return x


# ----------------------------------------------------------------------------- layers
def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p) (inverted
    dropout), so nothing changes at eval time. The mask comes from ``autograd.rng()``."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = autograd.rng().random(x.shape) >= p
    mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * Tensor._make(mask)


def flatten(x: Tensor, start_axis: int = 1, end_axis: int = -1) -> Tensor:
    """Flatten axes start..end into one (by default all but the batch axis)."""
    return x.flatten(start_axis, end_axis)


def one_hot(labels: Any, num_classes: int, dtype: Any = np.float32) -> Tensor:
    """(N,) integer labels -> (N, num_classes) one-hot rows."""
    arr = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    y = check_labels(arr, arr.shape[0] if arr.ndim else 1, num_classes, "one_hot")
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return Tensor._make(out)


# ----------------------------------------------------------------------------- losses
def _reduce(rows: Tensor, reduction: str, who: str) -> Tensor:
    if reduction == "mean":
        return rows.mean()
    if reduction == "sum":
        return rows.sum()
    if reduction == "none":
        return rows
    raise ValueError(f"{who}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _pair(input: Tensor, target: Any, who: str) -> tuple[Tensor, Tensor]:
    """Check prediction/target shapes agree; targets become constants of input's dtype."""
    if (type(target) is Tensor and type(input) is Tensor and target.data.shape == input.data.shape
            and target.data.dtype == input.data.dtype and input.data.dtype.kind == "f"):
        return input, target  # the common case, checked in one line
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{who}: input must be floating point, got {input.dtype}")
    t = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    if t.shape != input.shape:
        if t.size == input.size and t.ndim and input.ndim and t.shape[0] == input.shape[0]:
            t = t.reshape(input.shape)  # (N,) vs (N, 1): the usual regression mix-up
        else:
            raise ValueError(f"{who}: batch size mismatch: input has shape {input.shape} but "
                             f"target has shape {t.shape}")
    if t.dtype != input.dtype:
        t = t.astype(input.dtype) if t.requires_grad else Tensor._make(
            t.data.astype(input.dtype))
    return input, t


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error, (input - target)^2 averaged."""
    x, t = _pair(input, target, "mse_loss")
    return mse(x, t, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error, |input - target| averaged."""
    x, t = _pair(input, target, "l1_loss")
    return _reduce((x - t).abs(), reduction, "l1_loss")


def _clamped_log(p: Tensor) -> Tensor:
    """max(log p, -100) with a finite gradient at p = 0 (where it is 0, as the clamp says)."""
    pos = p > 0
    return autograd.where(pos, autograd.where(pos, p, 1.0).log(), -100.0).clip(min=-100.0)


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-[t log p + (1 - t) log(1 - p)] for probabilities p in [0, 1]. The logs are clamped
    at -100 as PyTorch does, so p = 0 or 1 gives a large finite loss, not inf."""
    p, t = _pair(input, target, "binary_cross_entropy")
    if p.size and (p.data.min() < 0 or p.data.max() > 1):
        raise ValueError("binary_cross_entropy: input must be probabilities in [0, 1]; for "
                         "raw scores use binary_cross_entropy_with_logits")
    log_p, log_q = _clamped_log(p), _clamped_log(1.0 - p)
    return _reduce(-(t * log_p + (1.0 - t) * log_q), reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean"
                                     ) -> Tensor:
    """BCE on logits z: max(z, 0) - z t + log(1 + exp(-|z|)), stable for any z."""
    z, t = _pair(input, target, "binary_cross_entropy_with_logits")
    rows = z.relu() - z * t + ((-z.abs()).exp() + 1.0).log()
    return _reduce(rows, reduction, "binary_cross_entropy_with_logits")


def nll_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -input[i, target_i], for log-probabilities (N, C)."""
    if not isinstance(input, Tensor) or input.ndim != 2:
        raise ValueError(f"nll_loss: input must be a 2-D Tensor of log-probabilities (batch, "
                         f"classes), got {getattr(input, 'shape', type(input).__name__)}")
    n, c = input.shape
    y = check_labels(target, n, c, "nll_loss")
    rows = -input[np.arange(n), y]
    return _reduce(rows, reduction, "nll_loss")


def hinge_loss(input: Tensor, target: Any, margin: float = 1.0, reduction: str = "mean"
               ) -> Tensor:
    """Max-margin loss max(0, margin - t * score) for labels t in {-1, +1}."""
    x, t = _pair(input, target, "hinge_loss")
    if t.size and not np.all(np.abs(t.data) == 1):
        raise ValueError("hinge_loss: labels must be -1 or +1 (got other values); map 0/1 "
                         "labels with 2 * y - 1")
    return _reduce((margin - x * t).relu(), reduction, "hinge_loss")


# --- conv / norm / recurrent (nn/conv.py, nn/norm.py, nn/rnn.py) ---
from autograd.ops.conv import (  # noqa: E402
    adaptive_avg_pool2d,
    avg_pool2d,
    conv1d,
    conv2d,
    max_pool2d,
)

from .norm import batch_norm, embedding, layer_norm  # noqa: E402

__all__ += ["adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "conv1d", "conv2d",
            "embedding", "layer_norm", "max_pool2d"]
