"""Reference kernels in plain numpy.

Every function here is the specification the numba backend is tested against. All take and
return plain ndarrays; the output dtype is the input dtype (float32 stays float32: scalars
are passed as Python floats, which numpy treats as "weak" and never upcasts with).
"""

from __future__ import annotations

import math

import numpy as np

ACTIVATIONS = ("none", "relu", "leaky_relu", "sigmoid", "tanh", "gelu")

# ----------------------------------------------------------------------------- matmul


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` with numpy's semantics (1-D, 2-D, batched N-D with broadcasting)."""
    return np.matmul(a, b)


# ----------------------------------------------------------------------------- erfc
# numpy has no erf; GELU needs one. Taylor series of erf for |z| < 2 (little cancellation
# there), a continued fraction for erfc in the tails (so Phi(x) keeps its relative accuracy
# far out on the negative side). Worst relative error ~5e-14 in float64.

_ERF_TAYLOR = [(-1) ** k / (math.factorial(k) * (2 * k + 1)) for k in range(40)][::-1]


def _erfc(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    az = np.abs(z)
    small = az < 2.0
    zs = z[small]
    z2 = zs * zs
    s = np.zeros_like(zs)
    for c in _ERF_TAYLOR:
        s = s * z2 + c
    out[small] = 1.0 - (2.0 / math.sqrt(math.pi)) * zs * s
    big = ~small
    zb = az[big]
    t = np.zeros_like(zb)
    for k in range(60, 0, -1):
        t = (0.5 * k) / (zb + t)
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        tail = np.exp(-zb * zb) / math.sqrt(math.pi) / (zb + t)
    tail = np.where(np.isinf(zb), 0.0, tail)
    out[big] = np.where(z[big] > 0, tail, 2.0 - tail)
    return out


def _phi_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF, Phi(x) = erfc(-x / sqrt 2) / 2, computed in float64."""
    return 0.5 * _erfc(-np.asarray(x, dtype=np.float64) * (1.0 / math.sqrt(2.0)))


# ----------------------------------------------------------------------------- activations


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def relu_backward(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Gradient of relu given the pre-activation ``x`` (subgradient 0 at x == 0)."""
    return np.where(x > 0, g, 0).astype(g.dtype, copy=False)


def leaky_relu(x: np.ndarray, slope: float = 0.01) -> np.ndarray:
    return np.where(x > 0, x, x * float(slope)).astype(x.dtype, copy=False)


def leaky_relu_backward(x: np.ndarray, g: np.ndarray, slope: float = 0.01) -> np.ndarray:
    return np.where(x > 0, g, g * float(slope)).astype(g.dtype, copy=False)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid, stable at any magnitude: only exp(-|x|) is ever evaluated."""
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(x))
    r = 1 / (1 + e)
    return np.where(x >= 0, r, e * r).astype(x.dtype, copy=False)


def sigmoid_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Gradient of sigmoid given its OUTPUT ``y``."""
    return g * y * (1 - y)


def tanh(x: np.ndarray) -> np.ndarray:
    return np.tanh(x)


def tanh_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Gradient of tanh given its OUTPUT ``y``."""
    return g * (1 - y * y)


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU, x * Phi(x) (PyTorch's default, not the tanh approximation)."""
    return (x * _phi_cdf(x)).astype(x.dtype, copy=False)


def gelu_backward(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Gradient of exact GELU given the pre-activation ``x``: Phi(x) + x * pdf(x)."""
    x64 = np.asarray(x, dtype=np.float64)
    with np.errstate(under="ignore"):
        pdf = np.exp(-0.5 * x64 * x64) * (1.0 / math.sqrt(2.0 * math.pi))
    return (g * (_phi_cdf(x64) + x64 * pdf)).astype(g.dtype, copy=False)


def _check_act(act: str) -> None:
    if act not in ACTIVATIONS:
        raise ValueError(f"unknown activation {act!r}; expected one of {ACTIVATIONS}")


def _apply_act(act: str, z: np.ndarray, slope: float) -> np.ndarray:
    if act == "none":
        return z
    if act == "relu":
        return relu(z)
    if act == "leaky_relu":
        return leaky_relu(z, slope)
    if act == "sigmoid":
        return sigmoid(z)
    if act == "tanh":
        return tanh(z)
    return gelu(z)


def bias_act(z: np.ndarray, b: np.ndarray, act: str = "none", slope: float = 0.01) -> np.ndarray:
    """``act(z + b)`` with ``b`` broadcast over the last axis; a new array (z untouched)."""
    _check_act(act)
    return _apply_act(act, z + b, slope)


def act_backward(act: str, x_or_y: np.ndarray, g: np.ndarray, slope: float = 0.01) -> np.ndarray:
    """Backward of the named activation.

    relu / leaky_relu / gelu take the PRE-activation x; sigmoid / tanh take the OUTPUT y;
    "none" returns ``g`` itself (no copy).
    """
    _check_act(act)
    if act == "none":
        return g
    if act == "relu":
        return relu_backward(x_or_y, g)
    if act == "leaky_relu":
        return leaky_relu_backward(x_or_y, g, slope)
    if act == "sigmoid":
        return sigmoid_backward(x_or_y, g)
    if act == "tanh":
        return tanh_backward(x_or_y, g)
    return gelu_backward(x_or_y, g)


# ----------------------------------------------------------------------------- binary


def add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.add(a, b)


def sub(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.subtract(a, b)


def mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.multiply(a, b)


def div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b)


# ----------------------------------------------------------------------------- reductions


def sum(x: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:  # noqa: A001
    return np.sum(x, axis=axis, keepdims=keepdims)


def max(x: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:  # noqa: A001
    return np.max(x, axis=axis, keepdims=keepdims)


# ----------------------------------------------------------------------------- softmax + xent


def softmax_xent(
    logits: np.ndarray, labels: np.ndarray, smoothing: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row cross entropy (PyTorch's label smoothing) and the softmax probabilities.

    loss_i = -sum_c t_ic log p_ic with t = (1 - s) * onehot + s / C; log p is the
    max-shifted log-softmax, so logits of +-1e4 are fine.
    """
    n, c = logits.shape
    s = float(smoothing)
    z = logits - logits.max(axis=1, keepdims=True)
    with np.errstate(under="ignore"):
        lse = np.log(np.exp(z).sum(axis=1, keepdims=True))
        logp = z - lse
        probs = np.exp(logp)
    picked = logp[np.arange(n), labels]
    loss = -((1 - s) * picked + (s / c) * logp.sum(axis=1))
    return loss.astype(logits.dtype, copy=False), probs


def softmax_xent_backward(
    probs: np.ndarray, labels: np.ndarray, g: np.ndarray, smoothing: float = 0.0
) -> np.ndarray:
    """d loss / d logits = (probs - target) * g[:, None]."""
    n, c = probs.shape
    s = float(smoothing)
    d = probs - s / c
    d[np.arange(n), labels] -= 1 - s
    d *= g[:, None]
    return d


# ----------------------------------------------------------------------------- optimizers


def sgd_update(
    p: np.ndarray,
    g: np.ndarray,
    buf: np.ndarray | None,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
    first: bool = False,
) -> None:
    """torch.optim.SGD's step for one parameter, in place on ``p`` (and ``buf``)."""
    lr, momentum, dampening, wd = float(lr), float(momentum), float(dampening), float(weight_decay)
    d = g + wd * p if wd != 0 else g
    if momentum != 0:
        if first:
            buf[...] = d
        else:
            buf *= momentum
            buf += (1 - dampening) * d
        d = d + momentum * buf if nesterov else buf
    p -= lr * d


def adam_update(
    p: np.ndarray,
    g: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    vmax: np.ndarray | None,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    step: int = 1,
    decoupled: bool = False,
    amsgrad: bool = False,
) -> None:
    """torch.optim.Adam / AdamW (decoupled=True) step for one parameter, in place."""
    lr, b1, b2, eps, wd = float(lr), float(beta1), float(beta2), float(eps), float(weight_decay)
    if wd != 0:
        if decoupled:
            p *= 1 - lr * wd
        else:
            g = g + wd * p
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * (g * g)
    bc1 = 1 - b1**step
    bc2 = 1 - b2**step
    if amsgrad:
        np.maximum(vmax, v, out=vmax)
        vv = vmax
    else:
        vv = v
    denom = np.sqrt(vv) / math.sqrt(bc2) + eps
    p -= (lr / bc1) * (m / denom)
