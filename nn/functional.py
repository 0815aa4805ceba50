"""Function forms of the layers, activations and losses (``import nn.functional as F``).

The modules in ``nn`` are thin wrappers over these; use whichever reads better.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from autograd.ops import activation as A
from autograd.ops.fused import REDUCTIONS, check_labels, linear, mse
from autograd.ops.fused import binary_cross_entropy as _bce_rows
from autograd.ops.fused import cross_entropy as cross_entropy_fused

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "celu",
    "cosine_embedding_loss",
    "cosine_similarity",
    "cross_entropy",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "multi_margin_loss",
    "multilabel_soft_margin_loss",
    "poisson_nll_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "elu",
    "flatten",
    "gelu",
    "glu",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hinge_loss",
    "huber_loss",
    "identity",
    "kl_div",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "margin_ranking_loss",
    "mish",
    "mse_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pairwise_distance",
    "prelu",
    "relu",
    "relu6",
    "rrelu",
    "selu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "step",
    "tanh",
    "tanhshrink",
    "threshold",
]


# ----------------------------------------------------------------------------- activations
# `inplace=` is accepted wherever torch takes it; the result is computed out of place (the
# same values; autograd records no in-place ops).
def _dim_arg(dim: Any, axis: Any, who: str) -> Any:
    """``dim`` with numpy's ``axis`` accepted as an alias (not both)."""
    if axis is not None:
        if dim is not None and dim != axis:
            raise TypeError(f"{who}: got both dim={dim!r} and axis={axis!r}; pass one")
        return axis
    return dim


def _softmax_dim(x: Tensor, dim: Any, axis: Any, who: str) -> int:
    x = _tensor(x, who)
    dim = _dim_arg(dim, axis, who)
    if dim is None:  # torch's legacy implicit choice (with its deprecation warning)
        warnings.warn(f"Implicit dimension choice for {who} has been deprecated. Change the "
                      "call to include dim=X as an argument.", UserWarning, stacklevel=3)
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return dim


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return autograd.relu(input)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6); gradient 1 strictly inside (0, 6)."""
    return hardtanh(input, 0.0, 6.0)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return autograd.leaky_relu(input, negative_slope)


def sigmoid(input: Tensor) -> Tensor:
    return autograd.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return autograd.tanh(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """GELU: exact x * Phi(x) (approximate='none', PyTorch's default) or its tanh form."""
    return autograd.gelu(A.float_input(input, "gelu"), approximate)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha (exp(x) - 1) otherwise."""
    return A.Elu.apply(A.float_input(input, "elu"), alpha=float(alpha), scale=1.0,
                       input_scale=1.0)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (ZeroDivisionError in exp(x / alpha))")
    return A.Elu.apply(A.float_input(input, "celu"), alpha=float(alpha), scale=1.0,
                       input_scale=1.0 / float(alpha))


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    return A.Elu.apply(A.float_input(input, "selu"), alpha=A.SELU_ALPHA, scale=A.SELU_SCALE,
                       input_scale=1.0)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (swish)."""
    return A.Silu.apply(A.float_input(input, "silu"))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    return A.Mish.apply(A.float_input(input, "mish"))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta; x itself where beta x > threshold (as torch)."""
    return A.Softplus.apply(A.float_input(input, "softplus"), beta=float(beta),
                            threshold=float(threshold))


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return A.Softsign.apply(_as_float(input))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val); gradient 1 strictly inside (min_val, max_val)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    return A.Hardtanh.apply(_tensor(input, "hardtanh"), lo=min_val, hi=max_val)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6."""
    return A.Hardsigmoid.apply(A.float_input(input, "hardsigmoid"))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6."""
    return A.Hardswish.apply(A.float_input(input, "hardswish"))


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), stable for any x."""
    return A.LogSigmoid.apply(A.float_input(input, "logsigmoid"))


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return A.Tanhshrink.apply(_as_float(input))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    return A.Shrink.apply(A.float_input(input, "hardshrink"), lambd=float(lambd), soft=False)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd where x > lambd, x + lambd where x < -lambd, else 0."""
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be >= 0, got {lambd}")
    return A.Shrink.apply(A.float_input(input, "softshrink"), lambd=float(lambd), soft=True)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    return A.Threshold.apply(_tensor(input, "threshold"), threshold=threshold, value=value)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: while training each negative element gets its own slope drawn
    uniformly from [lower, upper] (from ``autograd.rng()``); in eval the slope is their mean."""
    x = A.float_input(input, "rrelu")
    if not 0 <= lower <= upper:
        raise ValueError(f"rrelu: expected 0 <= lower <= upper, got lower={lower}, "
                         f"upper={upper}")
    if not training:
        return autograd.leaky_relu(x, (lower + upper) / 2.0)
    slopes = autograd.rng().uniform(lower, upper, size=x.shape)
    noise = np.where(x.data > 0, 1.0, slopes).astype(x.dtype)  # x <= 0 draws, as torch
    return x * Tensor._make(noise)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, weight * x elsewhere; weight has 1 entry or one per channel (dim 1)."""
    x = A.float_input(input, "prelu")
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu: weight must be a Tensor, got {type(weight).__name__}")
    n = weight.size
    channels = x.shape[1] if x.ndim >= 2 else 1
    if n != 1 and (weight.ndim != 1 or n != channels):
        raise RuntimeError(f"prelu: mismatch of parameter numbers and input channel size: "
                           f"found {n} parameters and channel size {channels}")
    w = weight.reshape(()) if n == 1 else weight.reshape((n,) + (1,) * (x.ndim - 2))
    return autograd.where(x.data > 0, x, x * w)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b) where a, b are the two halves of input along dim."""
    x = A.float_input(input, "glu")
    if x.ndim == 0:
        raise RuntimeError("glu: does not support scalars because the halving size must be even")
    d = dim + x.ndim if dim < 0 else dim
    if not 0 <= d < x.ndim:
        raise IndexError(f"glu: dim {dim} is out of range for a tensor with {x.ndim} dims")
    n = x.shape[d]
    if n % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {dim} is size "
                           f"{n}")
    lead = (slice(None),) * d
    return x[lead + (slice(0, n // 2),)] * x[lead + (slice(n // 2, n),)].sigmoid()


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None,
            *, axis: int | None = None) -> Tensor:
    return autograd.softmax(input, _softmax_dim(input, dim, axis, "softmax"), dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None, *, axis: int | None = None) -> Tensor:
    return autograd.log_softmax(input, _softmax_dim(input, dim, axis, "log_softmax"), dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None,
            *, axis: int | None = None) -> Tensor:
    """softmax(-x) along dim."""
    return autograd.softmin(input, _softmax_dim(input, dim, axis, "softmin"), dtype)


def step(x: Tensor) -> Tensor:
    """Heaviside step, 1 where x > 0 else 0. Its gradient is zero everywhere: nothing
    upstream of a step can learn by gradient descent (hence the perceptron learning rule)."""
    return autograd.step(x)


def identity(x: Tensor) -> Tensor:
    return x


def _tensor(x: Any, who: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(x).__name__}")
    return x


def _as_float(x: Any) -> Tensor:
    """Integer tensors promote to the default float (as torch does for softsign etc.)."""
    x = _tensor(x, "activation")
    return x if x.dtype.kind == "f" else Tensor._make(x.data.astype(np.float32))


# ----------------------------------------------------------------------------- layers
def dropout(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
            ) -> Tensor:
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


# torch's alpha dropout constant: SELU's scale * alpha, the value SELU tends to at -inf
_SELU_NEG = 1.7580993408473766


def _noise_dropout(x: Any, p: float, training: bool, who: str, noise: str,
                   alpha: bool = False) -> Tensor:
    """The dropout variants: one Bernoulli(1-p) keep draw per element (``noise`` "element"),
    per channel of a batch (N, C, ...) ("batched"), or per channel of an unbatched (C, ...)
    input ("unbatched"). Plain dropout scales the kept values by 1/(1-p); alpha dropout
    keeps SELU's mean and variance instead: a * (x * keep + (keep - 1) * alpha') + alpha' a p
    with a = 1/sqrt((alpha'^2 p + 1)(1 - p)), as torch."""
    x = _tensor(x, who)
    _check_p(p, who)
    if not training or p == 0.0 or x.data.size == 0:
        return x
    if x.dtype.kind != "f":
        raise RuntimeError(f"{who}: expected a floating point input, got {x.dtype}")
    if p == 1.0:
        return x * 0.0
    if noise == "element":
        shape = x.shape
    else:
        lead = 2 if noise == "batched" else 1
        if x.ndim < lead:
            raise RuntimeError(f"{who}: feature dropout requires at least {lead} dimensions "
                               f"in the input, got shape {x.shape}")
        shape = x.shape[:lead] + (1,) * (x.ndim - lead)
    # keep / (1 - p), drawn by ``dropout`` itself so autograd.compile replays a fresh draw
    mask = dropout(Tensor._make(np.ones(shape, dtype=x.dtype)), p, True)
    if not alpha:
        return x * mask
    a = 1.0 / float(np.sqrt((_SELU_NEG * _SELU_NEG * p + 1.0) * (1.0 - p)))
    shift = mask * (_SELU_NEG * a * (1.0 - p)) + _SELU_NEG * a * (p - 1.0)
    return x * (mask * (a * (1.0 - p))) + shift


def _check_p(p: float, who: str) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{who}: dropout probability has to be between 0 and 1, but got {p}")


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
              ) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) with probability p, scaling the rest by
    1/(1-p) (the mask comes from ``autograd.rng()``)."""
    x = _tensor(input, "dropout1d")
    _check_p(p, "dropout1d")
    if x.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {x.ndim}D "
                           "input (channel-wise dropout of (N, C, L) or (C, L))")
    return _noise_dropout(x, p, training, "dropout1d", "batched" if x.ndim == 3 else "unbatched")


def _spatial_warning(who: str, ndim: int, want: str) -> None:
    warnings.warn(f"{who}: Received a {ndim}-D input to {who}, which is deprecated and will "
                  f"result in an error in a future release. To retain the behavior and silence "
                  f"this warning, please use dropout instead. Note that {who} exists to provide "
                  f"channel-wise dropout on inputs with {want}.", stacklevel=3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
              ) -> Tensor:
    """Zero whole channels of (N, C, H, W) with probability p, scaling the rest by 1/(1-p).
    A 3-D input is taken as (N, C, L), as torch does (with its warning)."""
    x = _tensor(input, "dropout2d")
    _check_p(p, "dropout2d")
    if x.ndim not in (3, 4):
        _spatial_warning("dropout2d", x.ndim, "2 spatial dimensions, a channel dimension, and "
                         "an optional batch dimension (i.e. 3D or 4D inputs)")
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=2)
    return _noise_dropout(x, p, training, "dropout2d", "batched")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
              ) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p, scaling
    the rest by 1/(1-p)."""
    x = _tensor(input, "dropout3d")
    _check_p(p, "dropout3d")
    if x.ndim not in (4, 5):
        _spatial_warning("dropout3d", x.ndim, "3 spatial dimensions, a channel dimension, and "
                         "an optional batch dimension (i.e. 4D or 5D inputs)")
    return _noise_dropout(x, p, training, "dropout3d", "batched" if x.ndim == 5 else "unbatched")


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
                  ) -> Tensor:
    """Dropout for SELU networks: dropped elements take SELU's negative saturation value and
    the result is rescaled so mean and variance are kept. Note torch's default
    ``training=False`` (the identity unless asked)."""
    return _noise_dropout(input, p, training, "alpha_dropout", "element", alpha=True)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels of (N, C, ...) (default ``training=False``, as torch)."""
    return _noise_dropout(input, p, training, "feature_alpha_dropout", "batched", alpha=True)


def flatten(x: Tensor, start_dim: int = 1, end_dim: int = -1) -> Tensor:
    """Flatten dims start_dim..end_dim into one (by default all but the batch dim; what
    nn.Flatten does)."""
    return x.flatten(start_dim, end_dim)


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Integer class indices of any shape (*) -> int64 one-hot rows (*, num_classes), as
    torch; ``num_classes=-1`` takes max(index) + 1. Use ``.float()`` for float rows."""
    arr = np.asarray(tensor.data if isinstance(tensor, Tensor) else tensor)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"one_hot: is only applicable to index tensors (integer dtype), got "
                        f"{arr.dtype}")
    if num_classes == -1:
        if arr.size == 0:
            raise RuntimeError("one_hot: can not infer the total number of classes from an "
                               "empty tensor; pass num_classes")
        num_classes = int(arr.max()) + 1
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or \
            num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be a positive int or -1, got "
                         f"{num_classes!r}")
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        bad = int(arr.min()) if arr.min() < 0 else int(arr.max())
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}) (got {bad})")
    out = np.zeros(arr.shape + (int(num_classes),), dtype=np.int64)
    np.put_along_axis(out, arr.astype(np.int64)[..., None], 1, axis=-1)
    return Tensor._make(out)


# ----------------------------------------------------------------------------- losses
def _check_reduction(reduction: str, who: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{who}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(rows: Tensor, reduction: str, who: str) -> Tensor:
    if reduction == "mean":
        return rows.mean()
    if reduction == "sum":
        return rows.sum()
    if reduction == "none":
        return rows
    raise ValueError(f"{who}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _const_like(target: Any, input: Tensor) -> Tensor:
    """target as a Tensor of input's dtype (a differentiable cast if it requires grad)."""
    t = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    if t.dtype != input.dtype:
        t = t.astype(input.dtype) if t.requires_grad else Tensor._make(
            t.data.astype(input.dtype))
    return t


def _pair(input: Tensor, target: Any, who: str, strict: bool = False, dtypes: str = "promote"
          ) -> tuple[Tensor, Tensor]:
    """Input and target of a pointwise loss, both of the loss's dtype.

    Floating dtypes as torch, by ``dtypes``: "promote" (mse, l1, smooth_l1, kl_div: a
    float32 input and a float64 target give a float64 loss), "input" (huber: the input's),
    "target" (bce_with_logits: the target's), "same" (bce: a mismatch is an error). Other
    targets (ints, bools, arrays) take the input's dtype.
    Shapes as torch: the regression losses broadcast a differently shaped target with a
    UserWarning (``(N, 1)`` against ``(N,)`` gives an (N, N) loss!); ``strict`` losses (the
    BCE family) refuse it.
    """
    if (type(target) is Tensor and type(input) is Tensor and target.data.shape == input.data.shape
            and target.data.dtype == input.data.dtype and input.data.dtype.kind == "f"):
        return input, target  # the common case, checked in one line
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{who}: input must be floating point, got {input.dtype}")
    if (isinstance(target, Tensor) and target.dtype.kind == "f"
            and target.dtype != input.dtype and dtypes != "input"):
        if dtypes == "same":
            raise RuntimeError(f"{who}: found dtype {target.dtype} for the target but expected "
                               f"{input.dtype} (the input's); cast one of them")
        dt = np.result_type(input.dtype, target.dtype) if dtypes == "promote" else target.dtype
        input = _const_like(input, target if dt == target.dtype else input)
    t = _const_like(target, input)
    if t.shape != input.shape:
        if strict:
            raise ValueError(f"{who}: using a target size ({t.shape}) that is different to "
                             f"the input size ({input.shape}) is not supported; please ensure "
                             "they have the same size")
        try:
            np.broadcast_shapes(t.shape, input.shape)
        except ValueError:
            raise ValueError(f"{who}: the size of the target {t.shape} does not match and "
                             f"cannot broadcast with the input size {input.shape}") from None
        warnings.warn(f"{who}: using a target size ({t.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.",
                      UserWarning, stacklevel=3)
    return input, t


def mse_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean") -> Tensor:
    """Mean squared error, (input - target)^2 averaged."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, t = _pair(input, target, "mse_loss")
    if x.shape != t.shape:
        shape = np.broadcast_shapes(x.shape, t.shape)
        x, t = x.broadcast_to(shape), t.broadcast_to(shape)
    return mse(x, t, reduction)


def l1_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
            reduction: str = "mean") -> Tensor:
    """Mean absolute error, |input - target| averaged."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, t = _pair(input, target, "l1_loss")
    return _reduce((x - t).abs(), reduction, "l1_loss")


def smooth_l1_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target);
    beta = 0 is the L1 loss."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    x, t = _pair(input, target, "smooth_l1_loss")
    d = x - t
    a = d.abs()
    if beta == 0:
        return _reduce(a, reduction, "smooth_l1_loss")
    rows = autograd.where(a.data < beta, d * d * (0.5 / beta), a - 0.5 * beta)
    return _reduce(rows, reduction, "smooth_l1_loss")


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0
               ) -> Tensor:
    """0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere (= delta * smooth_l1
    with beta = delta)."""
    if delta <= 0:
        raise RuntimeError(f"huber_loss: delta must be > 0, got {delta}")
    x, t = _pair(input, target, "huber_loss", dtypes="input")
    d = x - t
    a = d.abs()
    rows = autograd.where(a.data < delta, d * d * 0.5, (a - 0.5 * delta) * delta)
    return _reduce(rows, reduction, "huber_loss")


def _legacy_reduction(size_average: Any, reduce: Any, reduction: str) -> str:
    """torch's deprecated size_average/reduce flags, mapped to a reduction."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  "reduction='...' instead.", UserWarning, stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "none" if not reduce else ("mean" if size_average else "sum")


def _weight(weight: Any, like: Tensor, who: str) -> Tensor | None:
    if weight is None:
        return None
    w = _const_like(weight, like)
    try:
        np.broadcast_shapes(w.shape, like.shape)
    except ValueError:
        raise ValueError(f"{who}: weight of shape {w.shape} does not broadcast to the input "
                         f"shape {like.shape}") from None
    return w


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None,
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """-w [t log p + (1 - t) log(1 - p)] for probabilities p in [0, 1]. The logs are clamped
    at -100 as PyTorch does, so p = 0 or 1 gives a large finite loss, not inf."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "binary_cross_entropy")
    p, t = _pair(input, target, "binary_cross_entropy", strict=True, dtypes="same")
    if p.size and (p.data.min() < 0 or p.data.max() > 1):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 "
                           "and 1; for raw scores use binary_cross_entropy_with_logits")
    rows = _bce_rows(p, t)
    w = _weight(weight, p, "binary_cross_entropy")
    return _reduce(rows if w is None else rows * w, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Any = None,
                                     size_average: Any = None, reduce: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None
                                     ) -> Tensor:
    """BCE on logits z, stable for any z: w [pw t softplus(-z) + (1 - t) softplus(z)], with
    ``pos_weight`` pw (broadcast along the last, class, dim) weighting the positives."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    who = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, who)
    z, t = _pair(input, target, who, strict=True, dtypes="target")
    # through log sigmoid (one op, gradient 1 - sigmoid(z)), not relu/abs, whose kinks at
    # z = 0 would give the wrong gradient there (e.g. for a zero-initialised output layer)
    log_sig = A.LogSigmoid.apply(z)  # log sigmoid(z); log(1 - sigmoid(z)) = it - z
    pos = t * log_sig if pos_weight is None else _weight(pos_weight, z, who) * t * log_sig
    rows = -(pos + (1.0 - t) * (log_sig - z))
    w = _weight(weight, z, who)
    return _reduce(rows if w is None else rows * w, reduction, who)


def _class_last(input: Tensor, who: str) -> tuple[Tensor, tuple[int, ...]]:
    """(N, C, d1, ...) -> (N*d1*..., C) rows, and the shape (N, d1, ...) of per-row results;
    (C,) -> (1, C) with shape ()."""
    if input.ndim == 1:
        return input.reshape(1, -1), ()
    if input.ndim == 2:
        return input, (input.shape[0],)
    c = input.shape[1]
    perm = (0,) + tuple(range(2, input.ndim)) + (1,)
    rest = (input.shape[0],) + input.shape[2:]
    return input.permute(*perm).reshape(-1, c), rest


def _class_targets(target: Any, rest: tuple[int, ...], c: int, who: str,
                   ignore_index: int) -> np.ndarray:
    y = target.data if isinstance(target, Tensor) else np.asarray(target)
    if y.dtype.kind in "iu" and y.shape != rest:
        raise ValueError(f"{who}: expected target of shape {rest} (one class index per "
                         f"input row), got {y.shape}")
    return check_labels(y.reshape(-1) if y.dtype.kind in "iu" else y, int(np.prod(rest)), c,
                        who, ignore_index)


def cross_entropy(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of logits, as torch.nn.functional.cross_entropy.

    ``input`` is (N, C), (C,) or (N, C, d1, ...); ``target`` class indices of shape (N,),
    () or (N, d1, ...), or class probabilities of the input's shape (float). ``weight`` (C,)
    weights each class, ``ignore_index`` rows count for nothing, ``label_smoothing`` s mixes
    the target with the uniform one; "mean" divides by the total weight of the counted rows
    (index targets) or by the number of rows (probability targets), as torch. The common case
    (2-D, index targets) is one fused graph node.
    """
    who = "cross_entropy"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, who)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{who}: label_smoothing must be in [0, 1], got {label_smoothing}")
    if not isinstance(input, Tensor):
        input = Tensor(input)
    if input.dtype.kind != "f":
        raise TypeError(f"{who}: input (logits) must be floating point, got {input.dtype}")
    if input.ndim == 0:
        raise ValueError(f"{who}: input must have a class dim: (C,), (N, C) or (N, C, d1, ...),"
                         " got a 0-d tensor")
    t_arr = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t_arr.dtype.kind == "f" and t_arr.shape == input.shape:
        if ignore_index != -100:  # as torch: rows of probabilities have no class to ignore
            raise RuntimeError(f"{who}: ignore_index ({ignore_index}) is not supported for "
                               "class-probability (floating point) targets")
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    if t_arr.dtype.kind == "f":
        raise TypeError(f"{who}: target must be integer class indices of shape "
                        f"{_class_last(input, who)[1]} or float class probabilities of the "
                        f"input's shape {input.shape}; got {t_arr.dtype} of shape "
                        f"{t_arr.shape}")
    if input.ndim == 2 and (weight is None or not label_smoothing):  # the fused path
        return cross_entropy_fused(input, target, label_smoothing, reduction, weight,
                                   ignore_index)
    x2, rest = _class_last(input, who)
    if x2.shape[0] == 0:
        raise ValueError(f"{who}: empty batch")
    y = _class_targets(t_arr, rest, x2.shape[1], who, ignore_index)
    if weight is None or not label_smoothing:
        out = cross_entropy_fused(x2, y, label_smoothing, reduction, weight, ignore_index)
        return out.reshape(rest) if reduction == "none" else out
    # class weights with label smoothing: torch's formula, composed
    c = x2.shape[1]
    w = _const_like(weight, x2)
    logp = x2.log_softmax(1)
    nll = nll_loss(logp, y, w, ignore_index=ignore_index, reduction=reduction)
    kept = (y != ignore_index)
    smooth = -(logp * w).sum(1) * Tensor._make(kept.astype(x2.dtype))
    if reduction == "mean":
        y_safe = np.where(kept, y, 0)
        smooth = smooth.sum() / float(w.data[y_safe][kept].sum())
    elif reduction == "sum":
        smooth = smooth.sum()
    else:
        smooth = smooth.reshape(rest)
        nll = nll.reshape(rest)
    return nll * (1.0 - label_smoothing) + smooth * (label_smoothing / c)


def _cross_entropy_probs(input: Tensor, target: Any, weight: Any, reduction: str,
                         label_smoothing: float) -> Tensor:
    """Cross-entropy with class-probability targets: -sum_c w_c t_c log softmax(x)_c."""
    c = input.shape[0] if input.ndim == 1 else input.shape[1]
    t = _const_like(target, input)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + label_smoothing / c
    cdim = 0 if input.ndim == 1 else 1
    logp = input.log_softmax(cdim)
    prod = logp * t
    if weight is not None:
        w = _const_like(weight, input)
        if w.shape != (c,):
            raise ValueError(f"cross_entropy: weight must have one entry per class, shape "
                             f"({c},), got {w.shape}")
        prod = prod * (w if cdim == input.ndim - 1 else w.reshape((c,) + (1,) * (
            input.ndim - 2)))
    rows = -prod.sum(cdim)
    return _reduce(rows, reduction, "cross_entropy")


def nll_loss(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
             ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood -w[y] input[i, y_i] for log-probabilities: input (N, C), (C,)
    or (N, C, d1, ...), target class indices (N,), () or (N, d1, ...). "mean" divides by the
    total weight of the rows not labelled ``ignore_index`` (nan if there are none), as
    torch."""
    who = "nll_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, who)
    if not isinstance(input, Tensor) or input.ndim == 0:
        raise ValueError(f"{who}: input must be a Tensor of log-probabilities (N, C), (C,) or "
                         f"(N, C, d1, ...), got {getattr(input, 'shape', type(input).__name__)}")
    x2, rest = _class_last(input, who)
    n, c = x2.shape
    y = _class_targets(target, rest, c, who, ignore_index)
    kept = y != ignore_index
    y_safe = np.where(kept, y, 0)
    row_w = kept.astype(x2.dtype)
    if weight is not None:
        w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=x2.dtype)
        if w.shape != (c,):
            raise ValueError(f"{who}: weight must have one entry per class, shape ({c},), got "
                             f"{w.shape}")
        row_w = row_w * w[y_safe]
    rows = -x2[np.arange(n), y_safe] * Tensor._make(row_w)
    if reduction == "none":
        return rows.reshape(rest)
    total = rows.sum()
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / x2.dtype.type(row_w.sum())


def kl_div(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence, input log-probabilities q, target probabilities p (or
    log p with ``log_target``): p (log p - q) pointwise (0 where p = 0). ``batchmean``
    divides the sum by the batch size (the true KL divergence); "mean" by the element count
    (with torch's warning)."""
    who = "kl_div"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in REDUCTIONS + ("batchmean",):
        raise ValueError(f"{who}: reduction must be one of {REDUCTIONS + ('batchmean',)}, got "
                         f"{reduction!r}")
    x, t = _pair(input, target, who)
    if log_target:
        rows = t.exp() * (t - x)
    else:
        pos = t.data > 0
        safe = autograd.where(pos, t, 1.0)
        rows = autograd.where(pos, t * safe.log(), 0.0) - t * x
    if reduction == "batchmean":
        return rows.sum() / float(x.shape[0] if x.ndim else 1)
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size. 'batchmean' divides only by the batch size, and aligns "
                      "with the KL div math definition.", UserWarning, stacklevel=2)
    return _reduce(rows, reduction, who)


def hinge_loss(input: Tensor, target: Any, margin: float = 1.0, reduction: str = "mean"
               ) -> Tensor:
    """Max-margin loss max(0, margin - t * score) for labels t in {-1, +1}."""
    x, t = _pair(input, target, "hinge_loss", strict=True)
    if t.size and not np.all(np.abs(t.data) == 1):
        raise ValueError("hinge_loss: labels must be -1 or +1 (got other values); map 0/1 "
                         "labels with 2 * y - 1")
    return _reduce((margin - x * t).relu(), reduction, "hinge_loss")


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0,
                        reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin) for y in {1, -1}."""
    y = _const_like(target, input1)
    # clamp, not relu: at the hinge the gradient passes, as torch's clamp_min
    return _reduce((-y * (input1 - input2) + margin).clamp(min=0.0), reduction,
                   "margin_ranking_loss")


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1."""
    cos = cosine_similarity(input1, input2, dim=-1)
    y = target.data if isinstance(target, Tensor) else np.asarray(target)
    rows = autograd.where(y == 1, 1.0 - cos, (cos - margin).clamp(min=0.0))  # as torch
    rows = autograd.where((y == 1) | (y == -1), rows, 0.0)
    return _reduce(rows, reduction, "cosine_embedding_loss")


def soft_margin_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x)) for labels y in {1, -1} (the two-class logistic loss)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, y = _pair(input, target, "soft_margin_loss", strict=True)
    return _reduce(-A.LogSigmoid.apply(x * y), reduction, "soft_margin_loss")


def hinge_embedding_loss(input: Tensor, target: Any, margin: float = 1.0,
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1 (x a distance); both terms for other
    labels, as torch computes it."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, y = _pair(input, target, "hinge_embedding_loss", strict=True)
    yd = y.data
    rows = (autograd.where(yd != 1, (margin - x).clamp(min=0.0), 0.0)  # clamp_min, as torch
            + autograd.where(yd != -1, x, 0.0))
    return _reduce(rows, reduction, "hinge_embedding_loss")


def multilabel_soft_margin_loss(input: Tensor, target: Any, weight: Any = None,
                                size_average: Any = None, reduce: Any = None,
                                reduction: str = "mean") -> Tensor:
    """Per sample the mean over classes of -(y log sigmoid(x) + (1 - y) log sigmoid(-x))
    (times ``weight``), then reduced over the batch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    who = "multilabel_soft_margin_loss"
    x, y = _pair(input, target, who, strict=True)
    log_sig = A.LogSigmoid.apply(x)
    rows = -(y * log_sig + (1.0 - y) * (log_sig - x))  # log sigmoid(-x) = log sigmoid(x) - x
    w = _weight(weight, x, who)
    if w is not None:
        rows = rows * w
    per = rows.sum(-1) / float(x.shape[-1]) if x.ndim else rows
    return _reduce(per, reduction, who)


def multi_margin_loss(input: Tensor, target: Any, p: int = 1, margin: float = 1.0,
                      weight: Any = None, size_average: Any = None, reduce: Any = None,
                      reduction: str = "mean") -> Tensor:
    """The multi-class hinge loss: per sample sum over j != y of
    max(0, margin - x[y] + x[j])^p / C (times weight[y]); p is 1 or 2."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    who = "multi_margin_loss"
    if p not in (1, 2):
        raise ValueError(f"{who}: only p == 1 and p == 2 are supported, got {p!r}")
    x = A.float_input(input, who)
    if x.ndim > 2:
        raise ValueError(f"{who}: expected input of 1 or 2 dims (N, C), got shape {x.shape}")
    rows, rest = _class_last(x, who)
    n, c = rows.shape
    y = _class_targets(target, rest, c, who, None)
    ar = np.arange(n)
    picked = rows[ar, y].reshape(n, 1)
    m = (margin - picked + rows).relu()
    if p == 2:
        m = m * m
    if weight is not None:
        w = _const_like(weight, x)
        m = m * w[y].reshape(n, 1)
    keep = np.ones((n, c), dtype=bool)
    keep[ar, y] = False  # the true class is not a margin violation
    per = autograd.where(keep, m, 0.0).sum(1) / float(c)
    return _reduce(per.reshape(rest), reduction, who)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) with d the pairwise p-distance; ``swap`` uses
    min(d(a, n), d(p, n)) (Balntas et al.)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be > 0, got {margin}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = autograd.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clip(min=0.0), reduction, "triplet_margin_loss")


def gaussian_nll_loss(input: Tensor, target: Any, var: Any, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """0.5 (log var + (input - target)^2 / var) (+ 0.5 log 2 pi with ``full``); var is
    clamped to eps without blocking its gradient (as torch); var may have one dim less
    than input, or a last dim of 1 (one variance for all features)."""
    who = "gaussian_nll_loss"
    _check_reduction(reduction, who)
    x, t = _pair(input, target, who)
    v = _const_like(var, x)
    if v.shape != x.shape:
        if x.shape[:-1] == v.shape:
            v = v.unsqueeze(-1)
        elif not (x.shape[:-1] == v.shape[:-1] and v.shape[-1:] == (1,)):
            raise ValueError(f"{who}: var of shape {v.shape} does not fit the input shape "
                             f"{x.shape} (the same, one dim less, or a last dim of 1)")
    if (v.data < 0).any():
        raise ValueError(f"{who}: var has negative entry/entries")
    # clamp(min=eps) with gradient 1 everywhere: add the (constant) amount clamped away
    lift = np.maximum(eps - v.data, 0.0).astype(v.dtype, copy=False)
    v = v + Tensor._make(lift) if lift.any() else v
    d = x - t
    rows = 0.5 * (v.log() + d * d / v)
    if full:
        rows = rows + 0.5 * float(np.log(2 * np.pi))
    return _reduce(rows, reduction, who)


def poisson_nll_loss(input: Tensor, target: Any, log_input: bool = True, full: bool = False,
                     size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """exp(x) - t x for log-rates x (``log_input``), else x - t log(x + eps); ``full`` adds
    Stirling's t log t - t + 0.5 log(2 pi t) where t > 1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    who = "poisson_nll_loss"
    _check_reduction(reduction, who)
    x, t = _pair(input, target, who)
    rows = x.exp() - t * x if log_input else x - t * (x + eps).log()
    if full:
        big = t.data > 1
        safe = autograd.where(big, t, 2.0)  # differentiable in the target, as torch
        stirling = safe * safe.log() - safe + 0.5 * (safe * (2 * np.pi)).log()
        rows = rows + autograd.where(big, stirling, 0.0)
    return _reduce(rows, reduction, who)


# ----------------------------------------------------------------------------- distances
def _safe_norm(x: Tensor, p: float, dim: int, keepdim: bool) -> Tensor:
    """The p-norm along dim with gradient 0 (not nan) at an all-zero slice, as torch."""
    if p == 2:
        ss = (x * x).sum(dim, keepdim)
    else:
        ss = (x.abs() ** p).sum(dim, keepdim)
    pos = ss.data > 0
    safe = autograd.where(pos, ss, 1.0)
    root = safe.sqrt() if p == 2 else safe ** (1.0 / p)
    return autograd.where(pos, root, 0.0)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Any = None) -> Tensor:
    """input / max(||input||_p, eps) along dim."""
    if out is not None:
        raise TypeError("normalize: out= is not supported; use the returned tensor")
    x = A.float_input(input, "normalize")
    if x.ndim == 0:
        raise IndexError("normalize: a 0-d tensor has no dim to normalize along")
    return x / _safe_norm(x, p, dim, True).clip(min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x1 . x2 / max(||x1|| ||x2||, eps) along dim (the inputs broadcast)."""
    a, b = A.float_input(x1, "cosine_similarity"), A.float_input(x2, "cosine_similarity")
    if a.shape != b.shape:
        shape = np.broadcast_shapes(a.shape, b.shape)
        a, b = a.broadcast_to(shape), b.broadcast_to(shape)
    na, nb = _safe_norm(a, 2, dim, False), _safe_norm(b, 2, dim, False)
    return (a * b).sum(dim) / (na * nb).clip(min=eps)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p along the last dim."""
    a, b = A.float_input(x1, "pairwise_distance"), A.float_input(x2, "pairwise_distance")
    return _safe_norm(a - b + eps, p, -1, keepdim)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None
             ) -> Tensor:
    """y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o], as
    torch: input1 (*, in1), input2 (*, in2) with the same leading dims, weight
    (out, in1, in2), bias (out,) -> (*, out)."""
    who = "bilinear"
    a, b = A.float_input(input1, who), A.float_input(input2, who)
    if not isinstance(weight, Tensor) or weight.ndim != 3:
        raise ValueError(f"{who}: weight must be a 3-D Tensor (out_features, in1_features, "
                         f"in2_features), got {getattr(weight, 'shape', type(weight).__name__)}")
    if a.ndim == 0 or b.ndim == 0 or a.shape[:-1] != b.shape[:-1]:
        raise ShapeError(f"{who}: input1 {a.shape} and input2 {b.shape} must have the same "
                         "leading (batch) dims and at least one dim")
    n_out, n1, n2 = weight.shape
    if a.shape[-1] != n1 or b.shape[-1] != n2:
        raise ShapeError(f"{who}: inputs' last dims ({a.shape[-1]}, {b.shape[-1]}) do not "
                         f"match weight {weight.shape}: expected ({n1}, {n2})")
    if bias is not None and (not isinstance(bias, Tensor) or bias.shape != (n_out,)):
        raise ShapeError(f"{who}: bias must be a Tensor of shape ({n_out},), got "
                         f"{getattr(bias, 'shape', type(bias).__name__)}")
    lead = a.shape[:-1]
    y = autograd.einsum("ni,oij,nj->no", a.reshape(-1, n1), weight, b.reshape(-1, n2))
    if bias is not None:
        y = y + bias
    return y.reshape(lead + (n_out,))


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """softmax((logits + g) / tau) along dim with g = -log(E), E ~ Exponential(1) drawn
    from ``autograd.rng()``, as torch. ``hard``: the one-hot of the argmax in the forward
    pass, the soft sample's gradient in the backward (straight-through):
    y_hard - y_soft.detach() + y_soft. ``eps`` is unused (deprecated in torch too)."""
    who = "gumbel_softmax"
    x = A.float_input(logits, who)
    if isinstance(tau, bool) or not isinstance(tau, (int, float, np.number)) or not tau > 0:
        raise ValueError(f"{who}: tau (the temperature) must be a number > 0, got {tau!r}")
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    if x.ndim == 0:
        raise IndexError(f"{who}: logits must have at least one dim")
    if not -x.ndim <= dim < x.ndim:
        raise IndexError(f"{who}: dim {dim} is out of range for logits with {x.ndim} dims")
    e = autograd.rng().exponential(size=x.shape).astype(x.dtype)
    gumbels = Tensor._make(-np.log(e))
    y_soft = softmax((x + gumbels) / tau, dim=dim)
    if not hard:
        return y_soft
    d = dim % x.ndim
    index = np.expand_dims(np.argmax(y_soft.data, axis=d), d)
    y_hard = np.zeros_like(y_soft.data)
    np.put_along_axis(y_hard, index, 1.0, axis=d)
    return Tensor._make(y_hard) - y_soft.detach() + y_soft


# ==================================================================================== [spatial]
# Convolution, pooling, padding, resampling, normalisation, embedding and attention: the
# checked public forms, as torch.nn.functional's (the Functions are in autograd/ops/conv.py
# and autograd/ops/attention.py; the layers in nn/conv.py, nn/norm.py, nn/attention.py).
import math as _math  # noqa: E402

from autograd.ops import attention as _attention  # noqa: E402
from autograd.ops import conv as _conv  # noqa: E402
from autograd.ops.shape import Pad as _Pad  # noqa: E402
from autograd.tensor import ShapeError  # noqa: E402

__all__ += ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d",
            "adaptive_max_pool2d", "avg_pool1d", "avg_pool2d", "batch_norm", "conv1d", "conv2d",
            "conv_transpose1d", "conv_transpose2d", "embedding", "group_norm", "instance_norm",
            "interpolate", "layer_norm", "max_pool1d", "max_pool2d", "max_unpool1d",
            "max_unpool2d", "pad", "scaled_dot_product_attention"]
__all__ += ["adaptive_avg_pool3d", "adaptive_max_pool3d", "avg_pool3d", "conv3d", "fold",
            "max_pool3d", "pixel_shuffle", "pixel_unshuffle", "rms_norm", "unfold"]
__all__ += ["affine_grid", "grid_sample"]
__all__ += ["bilinear", "embedding_bag", "gumbel_softmax"]


def _batched(x: Any, ndim: int, who: str, layout: str) -> tuple[Tensor, bool]:
    """x as a batched ndim-D float Tensor; an unbatched input (one dim fewer) gains N = 1."""
    if isinstance(x, Tensor) and x.ndim == ndim - 1:
        return _conv.check_input(x.reshape(1, *x.shape), ndim, who, layout), True
    return _conv.check_input(x, ndim, who, layout), False


def _unbatch(y: Any, unbatched: bool) -> Any:
    if not unbatched:
        return y
    if isinstance(y, tuple):
        return tuple(t.reshape(t.shape[1:]) for t in y)
    return y.reshape(y.shape[1:])


def _as_1d(v: Any, what: str, who: str, lo: int) -> int:
    (n,) = _conv.pair(v, what, who, lo, 1)
    return n


def _same_padding(k: tuple[int, ...], dilation: tuple[int, ...]) -> list[int]:
    """F.pad widths (last dim first) for padding='same': total d*(k-1), the extra one right."""
    widths: list[int] = []
    for kk, d in zip(reversed(k), reversed(dilation)):
        total = d * (kk - 1)
        widths += [total // 2, total - total // 2]
    return widths


def _conv_weight(x: Tensor, weight: Any, bias: Any, groups: Any, ndim: int, cin_of_w: int,
                 who: str, transposed: bool) -> tuple[Tensor | None, int]:
    if not isinstance(weight, Tensor) or weight.ndim != ndim:
        lay = "(in_channels, out_channels/groups, k...)" if transposed else \
            "(out_channels, in_channels/groups, k...)"
        raise ValueError(f"{who}: weight must be a {ndim}-D Tensor {lay}, got "
                         f"{getattr(weight, 'shape', type(weight).__name__)}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{who}: groups must be a positive int, got {groups!r}")
    groups = int(groups)
    c = x.shape[1]
    if transposed:
        if c != weight.shape[0] or c % groups:
            raise ShapeError(f"{who}: input has {c} channels but the weight {weight.shape} "
                             f"expects {weight.shape[0]} (divisible by groups={groups})")
        n_out = weight.shape[1] * groups
    else:
        if c != cin_of_w * groups or weight.shape[0] % groups:
            raise ShapeError(f"{who}: input has {c} channels but the weight {weight.shape} "
                             f"with groups={groups} expects {cin_of_w * groups} (and "
                             f"out_channels {weight.shape[0]} divisible by groups)")
        n_out = weight.shape[0]
    if x.dtype != weight.dtype:
        raise TypeError(f"{who}: input is {x.dtype} but weight is {weight.dtype}; convert one "
                        "(e.g. x.astype(weight.dtype))")
    if bias is not None:
        if not isinstance(bias, Tensor) or bias.shape != (n_out,):
            raise ShapeError(f"{who}: bias must be a Tensor of shape ({n_out},), got "
                             f"{getattr(bias, 'shape', type(bias).__name__)}")
        if bias.dtype != x.dtype:
            bias = bias.astype(x.dtype)
    return bias, groups


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) of input (N, C, H, W) with weight
    (O, C/groups, kh, kw) plus bias (O,) -> (N, O, OH, OW), as torch. ``padding`` may be
    'valid' (none) or 'same' (output size = input size; stride must be 1)."""
    who = "conv2d"
    x, unb = _batched(input, 4, who, "(N, C, H, W)")
    bias, groups = _conv_weight(x, weight, bias, groups, 4, weight.shape[1]
                                if isinstance(weight, Tensor) and weight.ndim == 4 else 0,
                                who, False)
    k = weight.shape[2:]
    if isinstance(padding, str):
        dil = _conv.pair(dilation, "dilation", who, 1)
        if padding == "valid":
            padding = 0
        elif padding == "same":
            if _conv.pair(stride, "stride", who, 1) != (1, 1):
                raise ValueError(f"{who}: padding='same' is not supported for strided "
                                 f"convolutions (stride={stride!r})")
            widths = _same_padding(k, dil)
            if widths[0] == widths[1] and widths[2] == widths[3]:
                padding = (widths[2], widths[0])
            else:
                x, padding = pad(x, widths), 0
        else:
            raise ValueError(f"{who}: padding must be 'valid', 'same', an int or a pair, got "
                             f"{padding!r}")
    geom = _conv.geometry(x.shape[2:], k, stride, padding, dilation, who)
    return _unbatch(_conv.conv2d(x, weight, bias, geom, groups), unb)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution of input (N, C, L) with weight (O, C/groups, k): conv2d over a
    1-pixel-high image."""
    who = "conv1d"
    x, unb = _batched(input, 3, who, "(N, C, L)")
    if not isinstance(weight, Tensor) or weight.ndim != 3:
        raise ValueError(f"{who}: weight must be a 3-D Tensor (out_channels, in_channels/"
                         f"groups, k), got {getattr(weight, 'shape', type(weight).__name__)}")
    s = _as_1d(stride, "stride", who, 1)
    d = _as_1d(dilation, "dilation", who, 1)
    p = padding if isinstance(padding, str) else (0, _as_1d(padding, "padding", who, 0))
    n, c, length = x.shape
    try:
        y = conv2d(x.reshape(n, c, 1, length), weight.reshape(*weight.shape[:2], 1,
                                                               weight.shape[2]),
                   bias, (1, s), p, (1, d), groups)
    except (ValueError, TypeError) as e:
        raise type(e)(str(e).replace("conv2d", who)) from None
    return _unbatch(y.reshape(n, y.shape[1], y.shape[3]), unb)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed convolution (the gradient of conv2d with respect to its input) of input
    (N, Cin, H, W) with weight (Cin, Cout/groups, kh, kw) -> (N, Cout, OH, OW),
    OH = (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1."""
    who = "conv_transpose2d"
    x, unb = _batched(input, 4, who, "(N, C, H, W)")
    bias, groups = _conv_weight(x, weight, bias, groups, 4, 0, who, True)
    k = weight.shape[2:]
    s = _conv.pair(stride, "stride", who, 1)
    p = _conv.pair(padding, "padding", who, 0)
    d = _conv.pair(dilation, "dilation", who, 1)
    op = _conv.pair(output_padding, "output_padding", who, 0)
    if any(o >= max(si, di) for o, si, di in zip(op, s, d)):
        raise ValueError(f"{who}: output_padding {output_padding!r} must be smaller than "
                         f"either stride {stride!r} or dilation {dilation!r}")
    out_hw = tuple((x.shape[2 + i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op[i] + 1
                   for i in range(2))
    if min(out_hw) < 1:
        raise ShapeError(f"{who}: the output size {out_hw} would be empty (input "
                         f"{x.shape[2:]}, padding {padding!r})")
    geom = (k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1])
    return _unbatch(_conv.conv_transpose2d(x, weight, bias, geom, groups, out_hw), unb)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 1-D convolution of input (N, Cin, L) with weight (Cin, Cout/groups, k)."""
    who = "conv_transpose1d"
    x, unb = _batched(input, 3, who, "(N, C, L)")
    if not isinstance(weight, Tensor) or weight.ndim != 3:
        raise ValueError(f"{who}: weight must be a 3-D Tensor (in_channels, out_channels/"
                         f"groups, k), got {getattr(weight, 'shape', type(weight).__name__)}")
    args = [(lo, _as_1d(v, what, who, lo)) for v, what, lo in
            ((stride, "stride", 1), (padding, "padding", 0), (output_padding,
                                                               "output_padding", 0),
             (dilation, "dilation", 1))]  # the dummy height dim: stride/dilation 1, pads 0
    n, c, length = x.shape
    try:
        y = conv_transpose2d(x.reshape(n, c, 1, length),
                             weight.reshape(*weight.shape[:2], 1, weight.shape[2]), bias,
                             args[0], args[1], args[2], groups, args[3])
    except (ValueError, TypeError) as e:
        raise type(e)(str(e).replace("conv_transpose2d", who)) from None
    return _unbatch(y.reshape(n, y.shape[1], y.shape[3]), unb)


# ----------------------------------------------------------------------------- padding
_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_index(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """Source index of every position of a dimension of size n padded by (lo, hi)."""
    i = np.arange(-lo, n + hi)
    if mode == "reflect":
        period = 2 * (n - 1)
        i = np.abs(i) % period if period else np.zeros_like(i)
        return np.where(i >= n, period - i, i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    return i % n  # circular


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last len(pad) // 2 dims of input, as torch.nn.functional.pad: ``pad`` lists
    (left, right) of the LAST dim first, then the one before... ``mode`` 'constant' (with
    ``value``, default 0; negative widths crop), 'reflect' (mirror, edge not repeated),
    'replicate' (repeat the edge) or 'circular' (wrap around)."""
    who = "pad"
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(input).__name__}")
    widths = tuple(pad) if isinstance(pad, (tuple, list)) else None
    if widths is None or len(widths) % 2 or not all(
            isinstance(w, (int, np.integer)) and not isinstance(w, bool) for w in widths):
        raise ValueError(f"{who}: pad must be a tuple of ints of even length (left, right of "
                         f"the last dim, then the dim before...), got {pad!r}")
    ndp = len(widths) // 2
    if ndp > input.ndim:
        raise ShapeError(f"{who}: pad {pad!r} covers {ndp} dims but the input has only "
                         f"{input.ndim} (shape {input.shape})")
    if mode not in _PAD_MODES:
        raise ValueError(f"{who}: mode must be one of {_PAD_MODES}, got {mode!r}")
    per_dim = {input.ndim - 1 - i: (int(widths[2 * i]), int(widths[2 * i + 1]))
               for i in range(ndp)}
    if mode == "constant":
        x = input
        lohi = [per_dim.get(d, (0, 0)) for d in range(x.ndim)]
        if any(lo < 0 or hi < 0 for lo, hi in lohi):  # negative widths crop
            x = x[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in
                        zip(lohi, x.shape))]
        width = [(max(lo, 0), max(hi, 0)) for lo, hi in lohi]
        if not any(a or b for a, b in width):
            return x
        return _Pad.apply(x, width=tuple(width), value=0.0 if value is None else value)
    if value not in (None, 0, 0.0):
        raise ValueError(f"{who}: padding mode {mode!r} does not take a value (got {value!r})")
    if input.ndim - ndp not in (1, 2) or ndp > 3:
        raise ValueError(f"{who}: mode {mode!r} pads the last 1-3 dims of a batched or "
                         f"unbatched input; got pad {pad!r} for shape {input.shape}")
    x = input
    for d, (lo, hi) in per_dim.items():
        n = x.shape[d]
        if min(lo, hi) < 0:
            raise ValueError(f"{who}: mode {mode!r} needs non-negative padding, got {pad!r}")
        if mode == "reflect" and max(lo, hi) >= n:
            raise ShapeError(f"{who}: reflect padding ({lo}, {hi}) must be smaller than the "
                             f"dimension it pads (size {n}, dim {d})")
        if mode == "circular" and max(lo, hi) > n:
            raise ShapeError(f"{who}: circular padding ({lo}, {hi}) must not exceed the size "
                             f"of the dimension it pads (size {n}, dim {d})")
        if lo or hi:
            x = x[(slice(None),) * d + (_pad_index(n, lo, hi, mode),)]
    return x


# ----------------------------------------------------------------------------- pooling
def _pool2d_geometry(x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                     ceil_mode: bool, who: str) -> tuple[_conv.Geom, tuple[int, int]]:
    k = _conv.pair(kernel_size, "kernel_size", who, 1)
    stride = k if stride is None or stride == () or stride == [] else stride
    p = _conv.pair(padding, "padding", who, 0)
    d = _conv.pair(dilation, "dilation", who, 1)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{who}: padding {padding!r} should be at most half of the kernel "
                         f"size {kernel_size!r}")
    geom = _conv.geometry(x.shape[2:], k, stride, p, d, who)
    out = tuple(_conv.pool_out(x.shape[2 + i], k[i], geom[2 + i], p[i], d[i], bool(ceil_mode))
                for i in range(2))
    return geom, out


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False
               ) -> Tensor | tuple[Tensor, Tensor]:
    """Max over kernel_size windows of input (N, C, H, W); stride defaults to kernel_size.
    ``return_indices`` also gives each maximum's flat index h * W + w in its plane (int64),
    for max_unpool2d."""
    who = "max_pool2d"
    x, unb = _batched(input, 4, who, "(N, C, H, W)")
    geom, out_hw = _pool2d_geometry(x, kernel_size, stride, padding, dilation, ceil_mode, who)
    if return_indices and not (x.requires_grad and autograd.is_grad_enabled()):
        out, arg = autograd.kernels.active.max_pool2d(x.data, geom, out_hw)
        return _unbatch((Tensor._make(out), Tensor._make(arg)), unb)
    y = _conv.MaxPool2d.apply(x, geom=geom, out_hw=out_hw)
    if not return_indices:
        return _unbatch(y, unb)
    return _unbatch((y, Tensor._make(y._ctx.arg)), unb)  # the winners the Function kept


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False
               ) -> Tensor | tuple[Tensor, Tensor]:
    """Max over windows of input (N, C, L); indices are positions along L."""
    who = "max_pool1d"
    x, unb = _batched(input, 3, who, "(N, C, L)")
    k = _as_1d(kernel_size, "kernel_size", who, 1)
    s = k if stride is None or stride == () else _as_1d(stride, "stride", who, 1)
    n, c, length = x.shape
    try:
        y = max_pool2d(x.reshape(n, c, 1, length), (1, k), (1, s),
                       (0, _as_1d(padding, "padding", who, 0)),
                       (1, _as_1d(dilation, "dilation", who, 1)), ceil_mode, return_indices)
    except ValueError as e:
        raise type(e)(str(e).replace("max_pool2d", who)) from None
    if return_indices:
        return _unbatch(tuple(t.reshape(n, c, t.shape[3]) for t in y), unb)
    return _unbatch(y.reshape(n, c, y.shape[3]), unb)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over kernel_size windows of input (N, C, H, W); stride defaults to kernel_size.
    With count_include_pad=False the zero padding is left out of each divisor;
    divisor_override replaces every divisor."""
    who = "avg_pool2d"
    x, unb = _batched(input, 4, who, "(N, C, H, W)")
    if divisor_override is not None and (isinstance(divisor_override, bool) or not isinstance(
            divisor_override, (int, np.integer)) or divisor_override == 0):
        raise ValueError(f"{who}: divisor_override must be a non-zero int, got "
                         f"{divisor_override!r}")
    geom, out_hw = _pool2d_geometry(x, kernel_size, stride, padding, 1, ceil_mode, who)
    y = _conv.AvgPool2d.apply(x, geom=geom, out_hw=out_hw)
    div = _conv.avg_divisor(x.shape[2:], geom, out_hw, count_include_pad, divisor_override)
    if div is not None:
        y = y * Tensor._make(((geom[0] * geom[1]) / div).astype(x.dtype))
    return _unbatch(y, unb)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean over windows of input (N, C, L)."""
    who = "avg_pool1d"
    x, unb = _batched(input, 3, who, "(N, C, L)")
    k = _as_1d(kernel_size, "kernel_size", who, 1)
    s = k if stride is None or stride == () else _as_1d(stride, "stride", who, 1)
    n, c, length = x.shape
    try:
        y = avg_pool2d(x.reshape(n, c, 1, length), (1, k), (1, s),
                       (0, _as_1d(padding, "padding", who, 0)), ceil_mode, count_include_pad)
    except ValueError as e:
        raise type(e)(str(e).replace("avg_pool2d", who)) from None
    return _unbatch(y.reshape(n, c, y.shape[3]), unb)


def max_unpool2d(input: Tensor, indices: Any, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """The partial inverse of max_pool2d: each value goes back to the position its index
    (from return_indices=True) names, zeros elsewhere."""
    who = "max_unpool2d"
    x, unb = _batched(input, 4, who, "(N, C, H, W)")
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if unb:
        idx = idx.reshape(1, *idx.shape)
    if idx.shape != x.shape or idx.dtype.kind not in "iu":
        raise ShapeError(f"{who}: indices must be integers of the input's shape {x.shape}, "
                         f"got {idx.dtype} {idx.shape}")
    k = _conv.pair(kernel_size, "kernel_size", who, 1)
    s = k if stride is None else _conv.pair(stride, "stride", who, 1)
    p = _conv.pair(padding, "padding", who, 0)
    hw = tuple((x.shape[2 + i] - 1) * s[i] - 2 * p[i] + k[i] for i in range(2))
    if output_size is not None:
        hw = tuple(int(v) for v in tuple(output_size)[-2:])
    if idx.size and (idx.min() < 0 or idx.max() >= hw[0] * hw[1]):
        raise ShapeError(f"{who}: an index ({int(idx.max())}) is out of range for the output "
                         f"size {hw}")
    out = _conv.MaxPool2dBackward.apply(x, arg=np.ascontiguousarray(idx, dtype=np.int64),
                                        x_shape=(*x.shape[:2], *hw))
    return _unbatch(out, unb)


def max_unpool1d(input: Tensor, indices: Any, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """The partial inverse of max_pool1d."""
    who = "max_unpool1d"
    x, unb = _batched(input, 3, who, "(N, C, L)")
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    k = _as_1d(kernel_size, "kernel_size", who, 1)
    s = k if stride is None else _as_1d(stride, "stride", who, 1)
    p = _as_1d(padding, "padding", who, 0)
    length = (x.shape[2] - 1) * s - 2 * p + k if output_size is None else \
        int(tuple(output_size)[-1])
    n, c = x.shape[:2]
    y = max_unpool2d(x.reshape(n, c, 1, x.shape[2]), idx.reshape(n, c, 1, x.shape[2]), (1, k),
                     (1, s), (0, p), (1, length))
    return _unbatch(y.reshape(n, c, length), unb)


def _bins(n: int, o: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive bins: cell i covers floor(i*n/o) .. ceil((i+1)*n/o)."""
    return [((i * n) // o, -((-(i + 1) * n) // o)) for i in range(o)]


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average input (N, C, H, W) down to (N, C, *output_size) with PyTorch's bins (None in
    output_size keeps that dim)."""
    who = "adaptive_avg_pool2d"
    x, unb = _batched(input, 4, who, "(N, C, H, W)")
    h, w = x.shape[2], x.shape[3]
    size = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    oh, ow = _conv.pair(tuple(d if v is None else v for v, d in zip(size, (h, w))),
                        "output_size", who, 1)
    if (oh, ow) == (1, 1):
        return _unbatch(x.mean(axis=(2, 3), keepdims=True), unb)
    if h % oh == 0 and w % ow == 0:  # equal bins: a plain average pool
        return _unbatch(avg_pool2d(x, (h // oh, w // ow)), unb)
    rows = [autograd.stack([x[:, :, h0:h1, w0:w1].mean(axis=(2, 3)) for w0, w1 in _bins(w, ow)],
                           2) for h0, h1 in _bins(h, oh)]
    return _unbatch(autograd.stack(rows, 2), unb)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average input (N, C, L) down to (N, C, output_size)."""
    who = "adaptive_avg_pool1d"
    x, unb = _batched(input, 3, who, "(N, C, L)")
    o = _as_1d(output_size, "output_size", who, 1)
    n, c, length = x.shape
    y = adaptive_avg_pool2d(x.reshape(n, c, 1, length), (1, o))
    return _unbatch(y.reshape(n, c, o), unb)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False
                        ) -> Tensor | tuple[Tensor, Tensor]:
    """Max of each of PyTorch's adaptive bins of input (N, C, H, W); ``return_indices`` also
    gives the flat index h * W + w of each maximum (the first one on ties)."""
    who = "adaptive_max_pool2d"
    x, unb = _batched(input, 4, who, "(N, C, H, W)")
    n, c, h, w = x.shape
    size = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    oh, ow = _conv.pair(tuple(d if v is None else v for v, d in zip(size, (h, w))),
                        "output_size", who, 1)
    plane = x.data.reshape(n, c, h, w)
    arg = np.empty((n, c, oh, ow), dtype=np.int64)
    for i, (h0, h1) in enumerate(_bins(h, oh)):
        for j, (w0, w1) in enumerate(_bins(w, ow)):
            win = plane[:, :, h0:h1, w0:w1].reshape(n, c, -1)
            a = win.argmax(axis=2)
            arg[:, :, i, j] = (h0 + a // (w1 - w0)) * w + w0 + a % (w1 - w0)
    rows = np.arange(n * c).reshape(n * c, 1)
    y = x.reshape(n * c, h * w)[rows, arg.reshape(n * c, oh * ow)].reshape(n, c, oh, ow)
    return _unbatch((y, Tensor._make(arg)) if return_indices else y, unb)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False
                        ) -> Tensor | tuple[Tensor, Tensor]:
    """Max of each adaptive bin of input (N, C, L)."""
    who = "adaptive_max_pool1d"
    x, unb = _batched(input, 3, who, "(N, C, L)")
    o = _as_1d(output_size, "output_size", who, 1)
    n, c, length = x.shape
    y = adaptive_max_pool2d(x.reshape(n, c, 1, length), (1, o), return_indices)
    if return_indices:
        return _unbatch(tuple(t.reshape(n, c, o) for t in y), unb)
    return _unbatch(y.reshape(n, c, o), unb)


# ----------------------------------------------------------------------------- resampling
_INTERP_DIMS = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "linear": (1,),
                "bilinear": (2,), "trilinear": (3,), "bicubic": (2,), "area": (1, 2)}
_CUBIC_A = -0.75  # torch's bicubic convolution coefficient


def _cubic_weights(t: np.ndarray) -> list[np.ndarray]:
    """Keys' cubic convolution weights of the 4 taps floor(src) - 1 .. floor(src) + 2."""
    a = _CUBIC_A

    def near(x: np.ndarray) -> np.ndarray:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: np.ndarray) -> np.ndarray:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims of input (N, C, *spatial), as torch.nn.functional.interpolate:
    ``size`` or ``scale_factor`` (output = floor(in * scale_factor)); mode 'nearest',
    'nearest-exact', 'linear' (3-D), 'bilinear' / 'bicubic' (4-D), 'trilinear' (5-D) or
    'area' (adaptive average pooling, 3-D/4-D); align_corners (linear and cubic modes only,
    default False) maps the corner pixels' centres onto each other."""
    who = "interpolate"
    if not isinstance(input, Tensor) or input.ndim < 3:
        raise ValueError(f"{who}: input must be a Tensor (N, C, *spatial), got "
                         f"{getattr(input, 'shape', type(input).__name__)}")
    if mode not in _INTERP_DIMS:
        raise ValueError(f"{who}: mode must be one of {tuple(_INTERP_DIMS)}, got {mode!r}")
    nsp = input.ndim - 2
    if nsp not in _INTERP_DIMS[mode]:
        raise ValueError(f"{who}: mode {mode!r} expects {_INTERP_DIMS[mode][0] + 2}-D input, "
                         f"got shape {input.shape}")
    linear_mode = mode in ("linear", "bilinear", "trilinear")
    if align_corners is not None and not (linear_mode or mode == "bicubic"):
        raise ValueError(f"{who}: align_corners can only be set with the interpolating modes "
                         f"linear | bilinear | bicubic | trilinear (mode is {mode!r})")
    if antialias:
        if mode not in ("bilinear", "bicubic"):
            raise ValueError(f"{who}: antialias is restricted to the bilinear and bicubic "
                             f"modes (mode is {mode!r})")
        raise NotImplementedError(f"{who}: antialias=True is not supported")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{who}: give exactly one of size and scale_factor")
    in_sz = input.shape[2:]
    if size is not None:
        out_sz = tuple(size) if isinstance(size, (tuple, list)) else (size,) * nsp
        if len(out_sz) != nsp or any(int(v) < 1 for v in out_sz):
            raise ValueError(f"{who}: size must be {nsp} positive ints, got {size!r}")
        out_sz = tuple(int(v) for v in out_sz)
        scales = [i / o for i, o in zip(in_sz, out_sz)]
    else:
        sf = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) \
            else (scale_factor,) * nsp
        if len(sf) != nsp or any(float(v) <= 0 for v in sf):
            raise ValueError(f"{who}: scale_factor must be {nsp} positive numbers, got "
                             f"{scale_factor!r}")
        out_sz = tuple(int(_math.floor(i * float(f))) for i, f in zip(in_sz, sf))
        scales = [i / o for i, o in zip(in_sz, out_sz)] if recompute_scale_factor \
            else [1.0 / float(f) for f in sf]
    if mode == "area":
        pool = adaptive_avg_pool1d if nsp == 1 else adaptive_avg_pool2d
        return pool(input, out_sz)
    x = input
    for ax, (n, o, sc) in enumerate(zip(in_sz, out_sz, scales), start=2):
        if n == o and not linear_mode and size is not None and mode != "bicubic":
            continue
        pre = (slice(None),) * ax
        dst = np.arange(o, dtype=np.float64)
        if mode == "bicubic":  # 4 taps, edge indices clamped; src not clamped at 0
            src = dst * ((n - 1) / (o - 1) if o > 1 else 0.0) if align_corners else \
                (dst + 0.5) * sc - 0.5
            base = np.floor(src)
            shape = (o,) + (1,) * (x.ndim - ax - 1)
            taps = _cubic_weights(src - base)
            y = None
            for j, wj in enumerate(taps):
                idx = np.clip(base.astype(np.int64) - 1 + j, 0, n - 1)
                term = x[pre + (idx,)] * Tensor._make(wj.astype(x.dtype).reshape(shape))
                y = term if y is None else y + term
            x = y
            continue
        if not linear_mode:
            off = 0.5 if mode == "nearest-exact" else 0.0
            src = np.minimum(np.floor((dst + off) * np.float32(sc)), n - 1).astype(np.int64)
            x = x[pre + (src,)]
            continue
        if align_corners:
            src = dst * ((n - 1) / (o - 1) if o > 1 else 0.0)
        else:
            src = np.maximum((dst + 0.5) * sc - 0.5, 0.0)
        lo = np.minimum(np.floor(src).astype(np.int64), n - 1)
        hi = np.minimum(lo + 1, n - 1)
        lam = (src - lo).astype(x.dtype).reshape((o,) + (1,) * (x.ndim - ax - 1))
        x = x[pre + (lo,)] * Tensor._make(1 - lam) + x[pre + (hi,)] * Tensor._make(lam)
    return x


# ----------------------------------------------------------------------------- 3-D (volumes)
# Compositions of the 2-D ops and of differentiable gathers: conv3d sums one conv2d per depth
# tap of the kernel; the 3-D pools gather every window (N, C, OD, OH, OW, kd*kh*kw).
def _triple(v: Any, what: str, who: str, lo: int) -> tuple[int, ...]:
    return _conv.pair(v, what, who, lo, 3)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D convolution of input (N, C, D, H, W) with weight (O, C/groups, kd, kh, kw) plus
    bias (O,) -> (N, O, OD, OH, OW), as torch; ``padding`` may be 'valid' or 'same'."""
    who = "conv3d"
    x, unb = _batched(input, 5, who, "(N, C, D, H, W)")
    bias, groups = _conv_weight(x, weight, bias, groups, 5, weight.shape[1]
                                if isinstance(weight, Tensor) and weight.ndim == 5 else 0,
                                who, False)
    k = weight.shape[2:]
    st = _triple(stride, "stride", who, 1)
    dil = _triple(dilation, "dilation", who, 1)
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"{who}: padding must be 'valid', 'same', an int or a triple, got "
                             f"{padding!r}")
        if padding == "same":
            if st != (1, 1, 1):
                raise ValueError(f"{who}: padding='same' is not supported for strided "
                                 f"convolutions (stride={stride!r})")
            x = pad(x, _same_padding(k, dil))
        pd = (0, 0, 0)
    else:
        pd = _triple(padding, "padding", who, 0)
    if pd[0]:
        x = pad(x, (0, 0, 0, 0, pd[0], pd[0]))
    n, c, depth, h, w = x.shape
    od = (depth - dil[0] * (k[0] - 1) - 1) // st[0] + 1
    if od < 1:
        raise ShapeError(f"{who}: kernel depth {k[0]} (dilated to {dil[0] * (k[0] - 1) + 1}) "
                         f"is larger than the padded input depth {depth}")
    out = None
    for i in range(k[0]):  # one 2-D convolution per depth tap, summed
        a = i * dil[0]
        slab = x[:, :, a:a + st[0] * (od - 1) + 1:st[0]].permute(0, 2, 1, 3, 4)
        y = conv2d(slab.reshape(n * od, c, h, w), weight[:, :, i], None, st[1:], pd[1:],
                   dil[1:], groups)
        out = y if out is None else out + y
    o = weight.shape[0]
    out = out.reshape(n, od, o, out.shape[2], out.shape[3]).permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.reshape(1, o, 1, 1, 1)
    return _unbatch(out, unb)


def _pool3d_geometry(x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                     ceil_mode: bool, who: str) -> tuple[tuple[int, ...], ...]:
    k = _triple(kernel_size, "kernel_size", who, 1)
    s = k if stride is None or stride == () or stride == [] else _triple(stride, "stride",
                                                                          who, 1)
    p = _triple(padding, "padding", who, 0)
    d = _triple(dilation, "dilation", who, 1)
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError(f"{who}: padding {padding!r} should be at most half of the kernel "
                         f"size {kernel_size!r}")
    out = tuple(_conv.pool_out(x.shape[2 + i], k[i], s[i], p[i], d[i], bool(ceil_mode))
                for i in range(3))
    if min(out) < 1:
        raise ShapeError(f"{who}: input {x.shape[2:]} is too small for kernel {k} "
                         f"(dilation {d}, padding {p}): output size {out}")
    return k, s, p, d, out


def _window_index(k: tuple[int, ...], s: tuple[int, ...], d: tuple[int, ...],
                  out: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """Index arrays picking every window of a (padded) volume: (OD, OH, OW, kd, kh, kw)."""
    pos = [np.arange(o)[:, None] * si + np.arange(ki)[None, :] * di
           for o, ki, si, di in zip(out, k, s, d)]
    return (pos[0][:, None, None, :, None, None], pos[1][None, :, None, None, :, None],
            pos[2][None, None, :, None, None, :])


def _padded_extent(n: int, k: int, s: int, p: int, d: int, o: int) -> int:
    return max((o - 1) * s + d * (k - 1) + 1, n + 2 * p)


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False
               ) -> Tensor | tuple[Tensor, Tensor]:
    """Max over kernel_size windows of input (N, C, D, H, W); ``return_indices`` also gives
    each maximum's flat index (d * H + h) * W + w in its volume (int64). NaN propagates."""
    who = "max_pool3d"
    x, unb = _batched(input, 5, who, "(N, C, D, H, W)")
    k, s, p, d, out = _pool3d_geometry(x, kernel_size, stride, padding, dilation, ceil_mode,
                                       who)
    n, c = x.shape[:2]
    size = x.shape[2:]
    ext = tuple(_padded_extent(size[i], k[i], s[i], p[i], d[i], out[i]) for i in range(3))
    where = (slice(p[0], p[0] + size[0]), slice(p[1], p[1] + size[1]),
             slice(p[2], p[2] + size[2]))
    vals = np.full((n, c) + ext, -np.inf, dtype=x.dtype)
    vals[(slice(None), slice(None)) + where] = x.data
    flat = np.full(ext, -1, dtype=np.int64)
    flat[where] = np.arange(int(np.prod(size))).reshape(size)
    win = _window_index(k, s, d, out)
    cand = vals[(slice(None), slice(None)) + win].reshape(n, c, *out, -1)
    pick = cand.argmax(axis=-1)  # the first maximum (a NaN counts as the maximum)
    flat_win = flat[win].reshape(*out, -1)
    arg = np.take_along_axis(np.broadcast_to(flat_win, cand.shape), pick[..., None],
                             axis=-1)[..., 0]
    if (arg < 0).any():  # an all -inf window: its first real cell, not the padding
        first = np.take_along_axis(flat_win, (flat_win >= 0).argmax(-1)[..., None], -1)[..., 0]
        arg = np.where(arg < 0, first, arg)
    rows = np.arange(n * c).reshape(n * c, 1)
    y = x.reshape(n * c, -1)[rows, arg.reshape(n * c, -1)].reshape(n, c, *out)
    return _unbatch((y, Tensor._make(arg)) if return_indices else y, unb)


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over kernel_size windows of input (N, C, D, H, W), torch's divisors (padding
    counted unless count_include_pad=False; divisor_override replaces them)."""
    who = "avg_pool3d"
    x, unb = _batched(input, 5, who, "(N, C, D, H, W)")
    if divisor_override is not None and (isinstance(divisor_override, bool) or not isinstance(
            divisor_override, (int, np.integer)) or divisor_override == 0):
        raise ValueError(f"{who}: divisor_override must be a non-zero int, got "
                         f"{divisor_override!r}")
    k, s, p, d, out = _pool3d_geometry(x, kernel_size, stride, padding, 1, ceil_mode, who)
    size = x.shape[2:]
    ext = [_padded_extent(size[i], k[i], s[i], p[i], 1, out[i]) for i in range(3)]
    widths = []
    for i in (2, 1, 0):  # F.pad order: last dim first
        widths += [p[i], ext[i] - size[i] - p[i]]
    xp = pad(x, widths)
    win = _window_index(k, s, d, out)
    total = xp[(slice(None), slice(None)) + win].sum(axis=(-3, -2, -1))
    if divisor_override is not None:
        div = np.full(out, float(divisor_override))
    else:
        per_dim = []
        for i in range(3):
            start = np.arange(out[i]) * s[i] - p[i]
            end = np.minimum(start + k[i], size[i] + p[i])
            if count_include_pad:
                per_dim.append(end - start)
            else:
                per_dim.append(np.minimum(end, size[i]) - np.maximum(start, 0))
        div = per_dim[0][:, None, None] * per_dim[1][None, :, None] * per_dim[2][None, None, :]
    return _unbatch(total * Tensor._make((1.0 / div).astype(x.dtype)), unb)


def _size3(output_size: Any, shape: tuple[int, ...], who: str) -> tuple[int, ...]:
    size = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 3
    return _triple(tuple(dflt if v is None else v for v, dflt in zip(size, shape)),
                   "output_size", who, 1)


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """Average input (N, C, D, H, W) down to (N, C, *output_size) with PyTorch's bins."""
    who = "adaptive_avg_pool3d"
    x, unb = _batched(input, 5, who, "(N, C, D, H, W)")
    od, oh, ow = _size3(output_size, x.shape[2:], who)
    planes = [adaptive_avg_pool2d(x[:, :, d0:d1].mean(axis=2), (oh, ow))
              for d0, d1 in _bins(x.shape[2], od)]
    return _unbatch(autograd.stack(planes, 2), unb)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False
                        ) -> Tensor | tuple[Tensor, Tensor]:
    """Max of each of PyTorch's adaptive bins of input (N, C, D, H, W); ``return_indices``
    also gives each maximum's flat index in its volume."""
    who = "adaptive_max_pool3d"
    x, unb = _batched(input, 5, who, "(N, C, D, H, W)")
    n, c, dd, h, w = x.shape
    out = _size3(output_size, x.shape[2:], who)
    vol = x.data
    arg = np.empty((n, c) + out, dtype=np.int64)
    for i, (d0, d1) in enumerate(_bins(dd, out[0])):
        for j, (h0, h1) in enumerate(_bins(h, out[1])):
            for q, (w0, w1) in enumerate(_bins(w, out[2])):
                a = vol[:, :, d0:d1, h0:h1, w0:w1].reshape(n, c, -1).argmax(axis=2)
                bh, bw = h1 - h0, w1 - w0
                arg[:, :, i, j, q] = ((d0 + a // (bh * bw)) * h + h0 + a // bw % bh) * w \
                    + w0 + a % bw
    rows = np.arange(n * c).reshape(n * c, 1)
    y = x.reshape(n * c, -1)[rows, arg.reshape(n * c, -1)].reshape(n, c, *out)
    return _unbatch((y, Tensor._make(arg)) if return_indices else y, unb)


# ----------------------------------------------------------------------------- sampling grids
def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, H, W, 2) of the affine maps theta (N, 2, 3) over an output of
    size (N, C, H, W), in [-1, 1] coordinates (x, y), as torch (for grid_sample)."""
    who = "affine_grid"
    if not isinstance(theta, Tensor) or theta.dtype.kind != "f":
        raise TypeError(f"{who}: theta must be a float Tensor, got {type(theta).__name__}")
    size = tuple(int(v) for v in size)
    if len(size) != 4:
        raise NotImplementedError(f"{who}: only 2-D grids (size (N, C, H, W)) are supported, "
                                  f"got size {size}")
    n, _, h, w = size
    if theta.shape != (n, 2, 3):
        raise ShapeError(f"{who}: expected theta of shape ({n}, 2, 3) for size {size}, got "
                         f"{theta.shape}")

    def coords(m: int) -> np.ndarray:
        c = np.linspace(-1.0, 1.0, m) if m > 1 else np.zeros(1)
        return c if align_corners else c * (m - 1) / m

    base = np.empty((h, w, 3), dtype=theta.dtype)
    base[..., 0] = coords(w)[None, :]
    base[..., 1] = coords(h)[:, None]
    base[..., 2] = 1
    grid = Tensor._make(base.reshape(1, h * w, 3)) @ theta.transpose(1, 2)
    return grid.reshape(n, h, w, 2)


def _grid_coord(g: Tensor, n: int, align_corners: bool, padding_mode: str) -> Tensor:
    """Normalised coordinates [-1, 1] as pixel positions of a size-n axis, padded."""
    x = (g + 1) * ((n - 1) / 2) if align_corners else ((g + 1) * n - 1) / 2
    if padding_mode == "border":
        return x.clip(0, n - 1)
    if padding_mode == "reflection":
        lo, span = (0.0, n - 1.0) if align_corners else (-0.5, float(n))
        if span <= 0:
            return x * 0.0
        d = (x - lo).abs()
        flips = np.floor(d.data / span)
        extra = d - Tensor._make((flips * span).astype(d.dtype))
        x = autograd.where(flips % 2 == 0, extra + lo, (span + lo) - extra)
        return x.clip(0, n - 1)
    return x


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """Sample input (N, C, H, W) at the grid's (N, Ho, Wo, 2) normalised (x, y) positions
    -> (N, C, Ho, Wo), as torch: mode 'bilinear' or 'nearest'; padding_mode 'zeros',
    'border' or 'reflection'; align_corners (default False) puts -1 and 1 at the corner
    pixels' centres instead of their outer edges. Differentiable in input and grid."""
    who = "grid_sample"
    x = _conv.check_input(input, 4, who, "(N, C, H, W)")
    if not isinstance(grid, Tensor) or grid.ndim != 4 or grid.shape[-1] != 2 or \
            grid.shape[0] != x.shape[0]:
        raise ShapeError(f"{who}: grid must be a Tensor ({x.shape[0]}, Ho, Wo, 2), got "
                         f"{getattr(grid, 'shape', type(grid).__name__)}")
    if grid.dtype != x.dtype:
        raise TypeError(f"{who}: input is {x.dtype} but grid is {grid.dtype}")
    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"{who}: mode must be 'bilinear' or 'nearest', got {mode!r}")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"{who}: padding_mode must be 'zeros', 'border' or 'reflection', "
                         f"got {padding_mode!r}")
    n, c, h, w = x.shape
    ac = bool(align_corners)
    ix = _grid_coord(grid[..., 0], w, ac, padding_mode)
    iy = _grid_coord(grid[..., 1], h, ac, padding_mode)
    planes = x.permute(0, 2, 3, 1)  # (N, H, W, C): one gather per corner
    batch = np.arange(n).reshape(n, 1, 1)

    def tap(yy: np.ndarray, xx: np.ndarray) -> tuple[Tensor, np.ndarray]:
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        v = planes[batch, np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]
        return v, inside

    if mode == "nearest":
        v, inside = tap(np.round(iy.data).astype(np.int64), np.round(ix.data).astype(np.int64))
        out = v * Tensor._make(inside[..., None].astype(x.dtype))
        return out.permute(0, 3, 1, 2)
    x0, y0 = np.floor(ix.data), np.floor(iy.data)
    wx1 = ix - Tensor._make(x0.astype(x.dtype))
    wy1 = iy - Tensor._make(y0.astype(x.dtype))
    wx0, wy0 = 1 - wx1, 1 - wy1
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
    out = None
    for yy, xx, wt in ((y0, x0, wy0 * wx0), (y0, x0 + 1, wy0 * wx1), (y0 + 1, x0, wy1 * wx0),
                       (y0 + 1, x0 + 1, wy1 * wx1)):
        v, inside = tap(yy, xx)
        term = v * (wt * Tensor._make(inside.astype(x.dtype))).reshape(*wt.shape, 1)
        out = term if out is None else out + term
    return out.permute(0, 3, 1, 2)


# ----------------------------------------------------------------------------- blocks
def _block_geometry(kernel_size: Any, dilation: Any, padding: Any, stride: Any,
                    who: str) -> tuple[tuple[int, int], Any]:
    k = _conv.pair(kernel_size, "kernel_size", who, 1)
    return k, (_conv.pair(stride, "stride", who, 1), _conv.pair(padding, "padding", who, 0),
               _conv.pair(dilation, "dilation", who, 1))


def _blocks(hw: tuple[int, ...], k: tuple[int, int], spd: Any, who: str, what: str) -> int:
    (sh, sw), (ph, pw), (dh, dw) = spd
    n = [(hw[i] + 2 * (ph, pw)[i] - (dh, dw)[i] * (k[i] - 1) - 1) // (sh, sw)[i] + 1
         for i in range(2)]
    if min(n) < 1:
        raise RuntimeError(f"{who}: {what} {tuple(hw)} with kernel_size={k}, padding="
                           f"{(ph, pw)}, dilation={(dh, dw)} gives {tuple(n)} sliding blocks; "
                           "each must be at least one")
    return n[0] * n[1]


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """Every sliding kernel_size block of input (N, C, H, W) as a column: (N, C*kh*kw, L),
    L the number of blocks, rows channel-major as torch (im2col)."""
    who = "unfold"
    x, unb = _batched(input, 4, who, "(N, C, H, W)")
    k, spd = _block_geometry(kernel_size, dilation, padding, stride, who)
    n_blocks = _blocks(x.shape[2:], k, spd, who, "input of spatial size")
    geom = (k[0], k[1], *spd[0], *spd[1], *spd[2])
    cols = _conv.Im2Col.apply(x, geom=geom)  # (C*kh*kw, N*L)
    y = cols.reshape(cols.shape[0], x.shape[0], n_blocks).permute(1, 0, 2)
    return _unbatch(y, unb)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """The adjoint of unfold: sum columns (N, C*kh*kw, L) back into (N, C, *output_size),
    overlapping blocks adding up (col2im)."""
    who = "fold"
    x, unb = _batched(input, 3, who, "(N, C*kh*kw, L)")
    k, spd = _block_geometry(kernel_size, dilation, padding, stride, who)
    out_hw = _conv.pair(output_size, "output_size", who, 1)
    n, ck, length = x.shape
    if ck % (k[0] * k[1]):
        raise RuntimeError(f"{who}: input's dim 1 ({ck}) must be divisible by the product of "
                           f"kernel_size {k}")
    n_blocks = _blocks(out_hw, k, spd, who, "output_size")
    if length != n_blocks:
        raise RuntimeError(f"{who}: input's dim 2 is {length} but output_size={out_hw} with "
                           f"kernel_size={k} has {n_blocks} sliding blocks")
    geom = (k[0], k[1], *spd[0], *spd[1], *spd[2])
    cols = x.permute(1, 0, 2).reshape(ck, n * length)
    y = _conv.Col2Im.apply(cols, x_shape=(n, ck // (k[0] * k[1]), *out_hw), geom=geom)
    return _unbatch(y, unb)


def _shuffle_factor(input: Any, r: Any, who: str, what: str) -> int:
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 3:
        raise RuntimeError(f"{who}: expects input to have at least 3 dimensions (*, C, H, W), "
                           f"got shape {input.shape}")
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 1:
        raise ValueError(f"{who}: {what} must be a positive int, got {r!r}")
    return int(r)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r): channel blocks become r x r pixel blocks."""
    who = "pixel_shuffle"
    r = _shuffle_factor(input, upscale_factor, who, "upscale_factor")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"{who}: the channel dim ({c}) must be divisible by "
                           f"upscale_factor**2 ({r * r})")
    nl = len(lead)
    y = input.reshape(*lead, c // (r * r), r, r, h, w)
    y = y.permute(*range(nl), nl, nl + 3, nl + 1, nl + 4, nl + 2)
    return y.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of pixel_shuffle."""
    who = "pixel_unshuffle"
    r = _shuffle_factor(input, downscale_factor, who, "downscale_factor")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"{who}: height {h} and width {w} must be divisible by "
                           f"downscale_factor {r}")
    nl = len(lead)
    y = input.reshape(*lead, c, h // r, r, w // r, r)
    y = y.permute(*range(nl), nl, nl + 2, nl + 4, nl + 1, nl + 3)
    return y.reshape(*lead, c * r * r, h // r, w // r)


# ----------------------------------------------------------------------------- normalisation
def _norm_param(t: Any, shape: tuple[int, ...], what: str, who: str) -> Tensor | None:
    if t is None:
        return None
    if not isinstance(t, Tensor) or t.shape != shape:
        raise ShapeError(f"{who}: {what} must be a Tensor of shape {shape}, got "
                         f"{getattr(t, 'shape', type(t).__name__)}")
    return t


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float | None = 0.1, eps: float = 1e-5,
               num_batches: int = 1) -> Tensor:
    """Normalise input per channel (dim 1) over every other dim, as torch's batch_norm.

    In training (or without running stats) the batch statistics are used and, when given,
    running_mean/var are updated in place: r = (1 - m) r + m stat with the unbiased batch
    variance (m = 1/num_batches when momentum is None: a cumulative average).
    """
    x = input
    if not isinstance(x, Tensor) or x.ndim < 2:
        raise ShapeError(f"batch_norm: input must be a Tensor (N, C, ...), got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    c = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, c) + (1,) * (x.ndim - 2)
    weight = _norm_param(weight, (c,), "weight", "batch_norm")
    bias = _norm_param(bias, (c,), "bias", "batch_norm")
    if training or running_mean is None or running_var is None:
        count = x.size // c
        if count < 2 and training:
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


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each (sample, channel) plane over its spatial dims, as torch's."""
    x = input
    if not isinstance(x, Tensor) or x.ndim < 3:
        raise ShapeError(f"instance_norm: input must be a Tensor (N, C, *spatial), got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    n, c = x.shape[:2]
    rm = None if running_mean is None else Tensor._make(np.tile(running_mean.data, n))
    rv = None if running_var is None else Tensor._make(np.tile(running_var.data, n))
    y = batch_norm(x.reshape(1, n * c, *x.shape[2:]), rm, rv, None, None,
                   use_input_stats, momentum, eps).reshape(x.shape)
    if use_input_stats and running_mean is not None:
        with autograd.no_grad():
            running_mean.data[...] = rm.data.reshape(n, c).mean(axis=0)
            running_var.data[...] = rv.data.reshape(n, c).mean(axis=0)
            running_mean._bump_version()
            running_var._bump_version()
    shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * _norm_param(weight, (c,), "weight", "instance_norm").reshape(shape)
    if bias is not None:
        y = y + _norm_param(bias, (c,), "bias", "instance_norm").reshape(shape)
    return y


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last len(normalized_shape) dims of each sample (biased variance),
    then scale by weight and shift by bias (both of normalized_shape)."""
    x = input
    shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) \
        else tuple(normalized_shape)
    if not isinstance(x, Tensor) or x.ndim < len(shape) or \
            x.shape[x.ndim - len(shape):] != shape:
        raise ShapeError(f"layer_norm: input's trailing shape must be {shape}, got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    weight = _norm_param(weight, shape, "weight", "layer_norm")
    bias = _norm_param(bias, shape, "bias", "layer_norm")
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


def rms_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x**2) + eps) over the last len(normalized_shape) dims, times weight;
    eps None means the machine epsilon of input's dtype (as torch)."""
    x = input
    shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) \
        else tuple(normalized_shape)
    if not isinstance(x, Tensor) or x.ndim < len(shape) or \
            x.shape[x.ndim - len(shape):] != shape:
        raise ShapeError(f"rms_norm: input's trailing shape must be {shape}, got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    if x.dtype.kind != "f":
        raise TypeError(f"rms_norm: input must be a float tensor, got {x.dtype}")
    weight = _norm_param(weight, shape, "weight", "rms_norm")
    e = float(np.finfo(x.dtype).eps) if eps is None else float(eps)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    y = x / ((x * x).mean(axis=axes, keepdims=True) + e).sqrt()
    return y if weight is None else y * weight


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Split the C channels of input (N, C, *) into num_groups groups and normalise each
    (sample, group) over its channels and positions; weight and bias are per channel."""
    x = input
    if not isinstance(x, Tensor) or x.ndim < 2:
        raise ShapeError(f"group_norm: input must be a Tensor (N, C, *), got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    n, c = x.shape[:2]
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)) or \
            num_groups < 1 or c % num_groups:
        raise ShapeError(f"group_norm: num_groups must be a positive int dividing the "
                         f"{c} channels, got {num_groups!r}")
    weight = _norm_param(weight, (c,), "weight", "group_norm")
    bias = _norm_param(bias, (c,), "bias", "group_norm")
    g = x.reshape(n, int(num_groups), -1)
    mean = g.mean(axis=2, keepdims=True)
    gc = g - mean
    var = (gc * gc).mean(axis=2, keepdims=True)
    y = (gc / (var + eps).sqrt()).reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of weight (num_embeddings, dim) picked by integer indices of any shape.

    ``padding_idx``: that row gets no gradient. ``max_norm``: rows looked up whose
    norm_type-norm exceeds it are rescaled to max_norm IN PLACE in weight first (as torch).
    ``scale_grad_by_freq``: each row's gradient is divided by how often its index occurs in
    ``input``. ``sparse`` (sparse gradients) is not supported.
    """
    who = "embedding"
    idx = input.data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{who}: indices must be integers, got {idx.dtype}")
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(f"{who}: weight must be a 2-D Tensor (num_embeddings, dim), got "
                         f"{getattr(weight, 'shape', type(weight).__name__)}")
    if sparse:
        raise NotImplementedError(f"{who}: sparse=True (sparse gradients) is not supported; "
                                  "use sparse=False")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"{who}: index {int(bad)} is out of range for {n} embeddings "
                         f"(expected 0..{n - 1})")
    idx = idx.astype(np.int64, copy=False)
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"{who}: padding_idx {padding_idx} must be within "
                             f"[-{n}, {n - 1}]")
        padding_idx = int(padding_idx) % n
    if max_norm is not None:
        with autograd.no_grad():
            rows = np.unique(idx)
            norms = np.linalg.norm(weight.data[rows], ord=norm_type, axis=1)
            big = norms > max_norm
            if big.any():
                scale = max_norm / (norms[big] + 1e-7)
                weight.data[rows[big]] *= scale[:, None].astype(weight.dtype)
                weight._bump_version()
    out = weight[idx]
    if padding_idx is not None and weight.requires_grad and autograd.is_grad_enabled():
        pad_rows = (idx == padding_idx)[..., None]
        if pad_rows.any():  # keep the values, drop the gradient of the padding row
            out = autograd.where(pad_rows, Tensor._make(weight.data[idx]), out)
    if scale_grad_by_freq and out.requires_grad:
        _, inverse, counts = np.unique(idx, return_inverse=True, return_counts=True)
        scale = (1.0 / counts)[inverse.reshape(idx.shape)][..., None].astype(weight.dtype)
        const = Tensor._make(weight.data[idx])
        out = const + (out - const) * Tensor._make(scale)  # same values; gradient / count
    return out


def _int_array(x: Any, what: str, who: str) -> np.ndarray:
    a = x.data if isinstance(x, Tensor) else np.asarray(x)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{who}: {what} must be integers, got {a.dtype}")
    return a.astype(np.int64, copy=False)


def embedding_bag(input: Any, weight: Tensor, offsets: Any = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxima of bags of embedding rows, as torch: ``input`` (B, N) is B bags
    of N ids (offsets None); a 1-D ``input`` is cut into bags starting at ``offsets``
    (offsets[0] == 0; ``include_last_offset``: one more entry, the end of the last bag).
    Ids equal to ``padding_idx`` are left out (of the mean's count too); an empty bag gives
    zeros. ``per_sample_weights`` (input's shape, mode "sum" only) scale each row first.
    Returns (B, embedding_dim); gradients flow to weight and per_sample_weights."""
    who = "embedding_bag"
    idx = _int_array(input, "indices (input)", who)
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(f"{who}: weight must be a 2-D Tensor (num_embeddings, dim), got "
                         f"{getattr(weight, 'shape', type(weight).__name__)}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{who}: mode must be one of 'sum', 'mean', 'max', got {mode!r}")
    if sparse:
        raise NotImplementedError(f"{who}: sparse=True (sparse gradients) is not supported; "
                                  "use sparse=False")
    psw = per_sample_weights
    if psw is not None:
        if not isinstance(psw, Tensor):
            psw = Tensor(np.asarray(psw, dtype=weight.dtype))
        if psw.shape != idx.shape:
            raise ValueError(f"{who}: per_sample_weights ({psw.shape}) must have the same "
                             f"shape as the input ({idx.shape})")
        if mode != "sum":
            raise NotImplementedError(f"{who}: per_sample_weights is only supported for "
                                      f"mode='sum' (got mode={mode!r})")
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{who}: if input is 2-D (bags of fixed length), offsets must "
                             f"be None, got {type(offsets).__name__}")
        n_bags, length = idx.shape
        starts = np.arange(n_bags, dtype=np.int64) * length
        ends = starts + length
        idx = idx.reshape(-1)
        if psw is not None:
            psw = psw.reshape(-1)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError(f"{who}: a 1-D input needs offsets (a 1-D Tensor of bag starts)")
        off = _int_array(offsets, "offsets", who)
        if off.ndim != 1:
            raise ValueError(f"{who}: offsets must be 1-D, got shape {off.shape}")
        if include_last_offset:
            if off.size < 1:
                raise ValueError(f"{who}: with include_last_offset, offsets needs at least "
                                 "one entry")
            starts, ends = off[:-1], off[1:]
        else:
            starts, ends = off, np.append(off[1:], idx.size).astype(np.int64)
        if off.size and off[0] != 0:
            raise ValueError(f"{who}: offsets[0] must be 0 (the first bag starts at the "
                             f"first index), got {int(off[0])}")
        if off.size and (np.any(np.diff(off) < 0) or off[-1] > idx.size):
            raise ValueError(f"{who}: offsets must be non-decreasing and at most the input's "
                             f"length {idx.size}, got {off.tolist()}")
        n_bags = starts.size
    else:
        raise ValueError(f"{who}: input must be 1-D or 2-D, got shape {idx.shape}")
    n, dim = weight.shape
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"{who}: index {int(bad)} is out of range for {n} embeddings "
                         f"(expected 0..{n - 1})")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"{who}: padding_idx {padding_idx} must be within "
                             f"[-{n}, {n - 1}]")
        padding_idx = int(padding_idx) % n
    if max_norm is not None:  # the same in-place renormalisation as embedding's
        embedding(idx, weight, max_norm=max_norm, norm_type=norm_type)
    # the bag of each position, and the positions that take part (padding left out)
    lengths = ends - starts
    bag_of = np.repeat(np.arange(n_bags, dtype=np.int64), lengths)
    first_slot = np.repeat(np.cumsum(lengths) - lengths, lengths)
    pos = np.arange(int(lengths.sum()), dtype=np.int64) - first_slot + np.repeat(starts, lengths)
    if padding_idx is not None:
        keep = idx[pos] != padding_idx
        pos, bag_of = pos[keep], bag_of[keep]
    counts = np.bincount(bag_of, minlength=n_bags)
    ids = idx[pos]  # the rows taking part, bag after bag
    if mode != "max":
        rows = weight[ids]
        if psw is not None:
            w = psw[pos].reshape(-1, 1)
            rows = rows * (w if w.dtype == weight.dtype else w.astype(weight.dtype))
        out = autograd.zeros((n_bags, dim), dtype=weight.dtype).index_add(
            0, Tensor(bag_of), rows)
        if mode == "mean":
            out = out / Tensor._make(np.maximum(counts, 1).astype(weight.dtype)[:, None])
        return out
    # max: per bag and column, the first row holding the maximum (torch's choice on ties)
    # is found in numpy; the result gathers those elements of weight (so the gradient goes
    # to them) into the non-empty bags; empty bags stay 0
    out = autograd.zeros((n_bags, dim), dtype=weight.dtype)
    full = np.flatnonzero(counts)
    if not full.size:
        return out + weight[ids].sum() * 0  # still part of the graph, as torch's
    seg = (np.cumsum(counts) - counts)[full]
    data = weight.data[ids]
    top = np.maximum.reduceat(data, seg, axis=0)
    rank = np.repeat(np.arange(full.size), counts[full])
    m = ids.size
    cand = np.where(data == top[rank], np.arange(m)[:, None], m)
    arg = np.minimum.reduceat(cand, seg, axis=0)
    arg = np.where(arg == m, seg[:, None], arg)  # a nan column: keep its first row
    picked = weight[ids[arg], np.arange(dim)[None, :]]
    return out.index_add(0, Tensor(full), picked)


# ----------------------------------------------------------------------------- attention
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Any = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, as torch's: query (..., L, E), key
    (..., S, E), value (..., S, Ev) -> (..., L, Ev). ``attn_mask`` is boolean (True = the key
    takes part) or float (added to the scores), broadcastable to (..., L, S); ``is_causal``
    lets query i see keys 0..i only; scale defaults to 1/sqrt(E); dropout_p drops attention
    weights (pass 0 at eval). Rows whose keys are all masked give zeros."""
    who = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor) or t.ndim < 2 or t.dtype.kind != "f":
            raise TypeError(f"{who}: {name} must be a float Tensor with at least 2 dims, got "
                            f"{getattr(t, 'shape', type(t).__name__)}")
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(f"{who}: query, key and value must share a dtype, got {query.dtype}, "
                        f"{key.dtype}, {value.dtype}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ShapeError(f"{who}: shapes do not fit: query {query.shape} and key {key.shape} "
                         f"need the same last dim, key and value the same number of keys "
                         f"(value {value.shape})")
    if enable_gqa:
        h, hk = query.shape[-3], key.shape[-3]
        if h != hk:
            if h % hk:
                raise ValueError(f"{who}: {h} query heads is not a multiple of {hk} key heads")
            rep = np.repeat(np.arange(hk), h // hk)
            key = key[(Ellipsis, rep, slice(None), slice(None))]
            value = value[(Ellipsis, rep, slice(None), slice(None))]
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"{who}: dropout_p must be in [0, 1), got {dropout_p}")
    lead = np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    L, S = query.shape[-2], key.shape[-2]
    mask, allowed = None, None
    if attn_mask is not None:
        m = attn_mask if isinstance(attn_mask, Tensor) else Tensor(np.asarray(attn_mask))
        try:
            np.broadcast_shapes(m.shape, lead + (L, S))
        except ValueError:
            raise ShapeError(f"{who}: attn_mask of shape {m.shape} does not broadcast to the "
                             f"scores' shape {lead + (L, S)}") from None
        if m.dtype == np.bool_:
            allowed = m.data
        elif m.dtype.kind == "f":
            mask = m if m.dtype == query.dtype or m.requires_grad else m.astype(query.dtype)
        else:
            raise TypeError(f"{who}: attn_mask must be bool or float, got {m.dtype}")
    sc = 1.0 / _math.sqrt(query.shape[-1]) if scale is None else float(scale)
    return _attention.attention(query, key, value, mask, allowed, bool(is_causal), sc,
                                float(dropout_p))


# ----------------------------------------------------------------------------- LP pooling,
# local response normalisation, channel shuffle
__all__ += ["channel_shuffle", "local_response_norm", "lp_pool1d", "lp_pool2d"]


def _lp_finish(avg: Tensor, count: int, norm_type: float) -> Tensor:
    """(count * mean of x^p) ** (1/p), a negative window sum (odd p) clamped to 0 as torch."""
    return (avg.sign() * avg.abs().relu() * float(count)) ** (1.0 / float(norm_type))


def _check_norm_type(norm_type: Any, who: str) -> float:
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float)) or \
            not norm_type > 0:
        raise ValueError(f"{who}: norm_type must be a positive number, got {norm_type!r}")
    return float(norm_type)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over windows of (N, C, H, W): (sum of x^p) ** (1/p); p = inf
    is not supported (use max_pool2d), p = 1 is sum pooling."""
    who = "lp_pool2d"
    p = _check_norm_type(norm_type, who)
    kh, kw = ((kernel_size, kernel_size) if isinstance(kernel_size, (int, np.integer))
              else tuple(kernel_size))
    if not isinstance(input, Tensor):
        input = Tensor(input)
    avg = avg_pool2d(input ** p, kernel_size, stride, 0, ceil_mode)
    return _lp_finish(avg, int(kh) * int(kw), p)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over windows of (N, C, L): (sum of x^p) ** (1/p)."""
    who = "lp_pool1d"
    p = _check_norm_type(norm_type, who)
    k = _as_1d(kernel_size, "kernel_size", who, 1)
    if not isinstance(input, Tensor):
        input = Tensor(input)
    avg = avg_pool1d(input ** p, k, stride, 0, ceil_mode)
    return _lp_finish(avg, k, p)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Normalise each channel by its neighbours (AlexNet's LRN), input (N, C, *):
    ``x_c / (k + alpha / size * sum of x_c'^2 over the size channels c - size//2 ..
    c + (size-1)//2) ** beta``, zeros beyond the edges (torch's definition)."""
    who = "local_response_norm"
    if not isinstance(input, Tensor):
        input = Tensor(input)
    if input.ndim < 3:
        raise ValueError(f"{who}: expected 3D or higher dimensionality input (N, C, *), got "
                         f"{input.ndim} dims")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"{who}: size must be a positive int, got {size!r}")
    if input.size == 0:
        return input
    size = int(size)
    sq = input * input
    c = input.shape[1]
    before, after = size // 2, (size - 1) // 2
    zeros = [Tensor._make(np.zeros((input.shape[0], n) + input.shape[2:], input.dtype))
             for n in (before, after)]
    padded = autograd.cat([zeros[0], sq, zeros[1]], 1)
    window = padded[:, 0:c]
    for j in range(1, size):
        window = window + padded[:, j:j + c]
    return input / (window * (float(alpha) / size) + float(k)) ** float(beta)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, C, *) with the C channels seen as (groups, C // groups) and transposed (the
    ShuffleNet shuffle)."""
    who = "channel_shuffle"
    if not isinstance(input, Tensor):
        input = Tensor(input)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{who}: groups must be a positive int, got {groups!r}")
    if input.ndim < 3:
        raise ValueError(f"{who}: expected an input of 3 or more dims (N, C, *), got "
                         f"{input.ndim}")
    n, c = input.shape[:2]
    if c % groups:
        raise ValueError(f"{who}: the number of channels ({c}) must be divisible by groups "
                         f"({groups})")
    rest = input.shape[2:]
    g = int(groups)
    return input.reshape((n, g, c // g) + rest).transpose(1, 2).reshape((n, c) + rest)


__all__ += ["multilabel_margin_loss", "triplet_margin_with_distance_loss"]


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Any = None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) with any distance ``d`` (a callable of two
    tensors giving one distance per row; default ``pairwise_distance``); ``swap`` uses
    min(d(a, n), d(p, n))."""
    who = "triplet_margin_with_distance_loss"
    _check_reduction(reduction, who)
    if not margin > 0:
        raise ValueError(f"{who}: margin must be > 0, got {margin}")
    if distance_function is not None and not callable(distance_function):
        raise TypeError(f"{who}: distance_function must be callable, got "
                        f"{type(distance_function).__name__}")
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = autograd.minimum(d_neg, dist(positive, negative))
    return _reduce((float(margin) + d_pos - d_neg).clip(min=0.0), reduction, who)


def multilabel_margin_loss(input: Tensor, target: Any, size_average: Any = None,
                           reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Multi-class multi-label hinge loss, input (C,) or (N, C) scores; target the same
    shape of class indices, the labels of a row being its entries before the first -1:
    per row ``sum over labels j, non-labels i of max(0, 1 - (x[j] - x[i])) / C``."""
    who = "multilabel_margin_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, who)
    if not isinstance(input, Tensor):
        input = Tensor(input)
    y = target.data if isinstance(target, Tensor) else np.asarray(target)
    if y.dtype.kind not in "iu":
        raise TypeError(f"{who}: target must hold integer class indices, got {y.dtype}")
    if input.ndim not in (1, 2) or y.shape != input.shape:
        raise ValueError(f"{who}: expected input (C,) or (N, C) and a target of the same "
                         f"shape, got input {input.shape} and target {y.shape}")
    x = input.reshape(1, -1) if input.ndim == 1 else input
    y2 = y.reshape(x.shape)
    n, c = x.shape
    counts = np.zeros((n, c), dtype=x.dtype)
    is_label = np.zeros((n, c), dtype=bool)
    for r in range(n):
        for v in y2[r]:
            if v == -1:
                break
            if not 0 <= v < c:
                raise IndexError(f"{who}: target {int(v)} is out of range for {c} classes "
                                 "(expected 0..C-1, or -1 to end a row's labels)")
            counts[r, v] += 1
            is_label[r, v] = True
    pairs = Tensor._make(counts[:, :, None] * (~is_label)[:, None, :].astype(x.dtype))
    hinge = (1.0 - x.unsqueeze(2) + x.unsqueeze(1)).relu()   # [r, j, i]
    rows = (hinge * pairs).sum((1, 2)) / float(c)
    if input.ndim == 1:
        rows = rows.reshape(())
    return _reduce(rows, reduction, who)


__all__ += ["ctc_loss"]

_CTC_NEG = -1e30  # log(0) of the CTC recursion: finite, so logsumexp keeps finite gradients


def _int_vector(v: Any, n: int, what: str, who: str) -> np.ndarray:
    a = np.asarray(v.data if isinstance(v, Tensor) else v)
    if a.dtype.kind not in "iu" and not (a.dtype.kind == "f" and np.all(a == np.round(a))):
        raise TypeError(f"{who}: {what} must be integers, got {a.dtype}")
    a = a.astype(np.int64).reshape(-1)
    if a.shape != (n,):
        raise ValueError(f"{who}: {what} must have one entry per batch element ({n}), got "
                         f"shape {a.shape}")
    return a


def ctc_loss(log_probs: Tensor, targets: Any, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist Temporal Classification loss, as torch.nn.functional.ctc_loss.

    ``log_probs`` (T, N, C) or (T, C) are log-softmax outputs over C classes (``blank``
    among them); ``targets`` (N, S) padded label rows, or all the label sequences
    concatenated (1-D); ``input_lengths`` / ``target_lengths`` one per batch element. The
    loss of a sample is -log of the summed probability of every alignment of its labels
    (the forward recursion over the blank-extended label sequence, in log space). "mean"
    divides each loss by its target length, then averages; an impossible alignment gives
    inf (0, with no gradient, under ``zero_infinity``).
    """
    who = "ctc_loss"
    _check_reduction(reduction, who)
    if not isinstance(log_probs, Tensor):
        log_probs = Tensor(log_probs)
    if log_probs.dtype.kind != "f" or log_probs.ndim not in (2, 3):
        raise ValueError(f"{who}: log_probs must be floating point (T, N, C) or (T, C), got "
                         f"{log_probs.dtype} of shape {log_probs.shape}")
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    t_max, n, c = lp.shape
    if not 0 <= blank < c:
        raise ValueError(f"{who}: blank ({blank}) must be a class index in 0..{c - 1}")
    il = _int_vector(input_lengths, n, "input_lengths", who)
    tl = _int_vector(target_lengths, n, "target_lengths", who)
    if np.any(il < 1) or np.any(il > t_max):
        raise ValueError(f"{who}: input_lengths must be in 1..{t_max} (the time dim of "
                         f"log_probs), got {il.tolist()}")
    if np.any(tl < 0):
        raise ValueError(f"{who}: target_lengths must be >= 0, got {tl.tolist()}")
    tg = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if tg.dtype.kind not in "iu":
        raise TypeError(f"{who}: targets must hold integer class indices, got {tg.dtype}")
    if unbatched or tg.ndim == 1:  # concatenated label sequences (or the one of (T, C))
        if tg.ndim != 1 or tg.size < tl.sum():
            raise ValueError(f"{who}: concatenated targets must be 1-D with sum("
                             f"target_lengths) = {int(tl.sum())} labels, got shape {tg.shape}")
        ends = np.cumsum(tl)
        rows = [tg[e - k:e] for e, k in zip(ends, tl)]
    else:
        if tg.ndim != 2 or tg.shape[0] != n or tg.shape[1] < tl.max(initial=0):
            raise ValueError(f"{who}: padded targets must be (N, S) with S >= max("
                             f"target_lengths) = {int(tl.max(initial=0))}, got shape "
                             f"{tg.shape}")
        rows = [tg[i, :k] for i, k in enumerate(tl)]
    for r in rows:
        if np.any((r < 0) | (r >= c) | (r == blank)):
            raise ValueError(f"{who}: target labels must be class indices in 0..{c - 1} "
                             f"other than blank ({blank}), got {r.tolist()}")
    width = 2 * int(tl.max(initial=0)) + 1
    ext = np.full((n, width), blank, dtype=np.int64)  # blank, l1, blank, l2, ..., blank
    for i, r in enumerate(rows):
        ext[i, 1:2 * len(r):2] = r
    s_idx = np.arange(width)
    valid = s_idx[None, :] < (2 * tl + 1)[:, None]
    skip = np.zeros((n, width), dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    dt = lp.dtype
    neg = Tensor._make(np.full((n, width), _CTC_NEG, dtype=dt))
    emit = lp[:, np.arange(n)[:, None], ext]                       # (T, N, width)
    alpha = autograd.where(Tensor._make(valid & (s_idx[None, :] <= 1)), emit[0], neg)
    skip_t, valid_t = Tensor._make(skip), Tensor._make(valid)
    pad1 = Tensor._make(np.full((n, 1), _CTC_NEG, dtype=dt))
    pad2 = Tensor._make(np.full((n, 2), _CTC_NEG, dtype=dt))
    for t in range(1, int(il.max())):
        from_left = autograd.cat([pad1, alpha[:, :-1]], 1)
        from_skip = autograd.where(skip_t, autograd.cat([pad2, alpha[:, :-2]], 1), neg) \
            if width > 2 else neg
        new = autograd.stack([alpha, from_left, from_skip]).logsumexp(0) + emit[t]
        new = autograd.where(valid_t, new, neg)
        alpha = autograd.where(Tensor._make((t < il)[:, None]), new, alpha)
    rows_i = np.arange(n)
    last_blank = alpha[rows_i, 2 * tl]
    last_label = autograd.where(Tensor._make(tl >= 1), alpha[rows_i, np.maximum(2 * tl - 1, 0)],
                                Tensor._make(np.full(n, _CTC_NEG, dtype=dt)))
    nll = -autograd.stack([last_blank, last_label]).logsumexp(0)
    impossible = nll.data > -_CTC_NEG / 10
    if impossible.any():
        fill = 0.0 if zero_infinity else np.inf
        nll = autograd.where(Tensor._make(impossible),
                             Tensor._make(np.full(n, fill, dtype=dt)), nll)
    if reduction == "mean":
        out = (nll / Tensor._make(np.maximum(tl, 1).astype(dt))).mean()
    elif reduction == "sum":
        out = nll.sum()
    else:
        out = nll.reshape(()) if unbatched else nll
    return out
