"""Weight initialisation, in place, PyTorch's formulas and names.

Every draw comes from ``autograd.rng()``, so ``autograd.manual_seed(n)`` makes a model's
initial weights reproducible bit for bit. Draws are made in float64 and then cast to the
tensor's dtype.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Generator, Tensor, rng

__all__ = [
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "sparse_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


def _fill(t: Tensor, values: np.ndarray | float, who: str) -> Tensor:
    _check(t, who)
    t.data[...] = values  # in place, outside any graph: init is not differentiable
    t._bump_version()
    return t


def _check(t: Any, who: str) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(t).__name__}")


def _rng(generator: Any) -> np.random.Generator:
    """The draws' source: ``generator`` (an ``autograd.Generator``, as torch's, or a numpy
    Generator), else autograd's seeded global one."""
    if generator is None:
        return rng()
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, Generator):
        return generator.np_generator
    raise TypeError(f"nn.init: generator must be an autograd.Generator (or a numpy "
                    f"Generator), got {type(generator).__name__}")


_LINEAR = ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
           "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended std scale for a nonlinearity (torch.nn.init.calculate_gain)."""
    if nonlinearity in _LINEAR:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, bool) or not isinstance(param, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        else:
            slope = param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def _fans(t: Tensor, who: str = "init") -> tuple[int, int]:
    """(fan_in, fan_out) of a weight laid out (out, in, *kernel)."""
    _check(t, who)
    if t.ndim < 2:
        raise ValueError(f"{who}: fan in/out need a tensor with at least 2 dims, got shape "
                         f"{t.shape}")
    receptive = int(np.prod(t.shape[2:])) if t.ndim > 2 else 1
    return t.shape[1] * receptive, t.shape[0] * receptive


_calculate_fan_in_and_fan_out = _fans  # torch's (private, but widely used) name


def _calculate_correct_fan(t: Tensor, mode: str) -> int:
    """fan_in or fan_out of ``t`` by ``mode``, as torch's helper of the same name."""
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} not supported, please use one of 'fan_in', 'fan_out'")
    fan_in, fan_out = _fans(t, "init")
    return fan_in if mode == "fan_in" else fan_out


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    _check(t, "uniform_")
    return _fill(t, _rng(generator).uniform(a, b, t.shape), "uniform_")


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    _check(t, "normal_")
    return _fill(t, _rng(generator).normal(mean, std, t.shape), "normal_")


def trunc_normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Any = None) -> Tensor:
    """N(mean, std^2) restricted to [a, b] (a and b in absolute units, as torch): draws
    outside are redrawn."""
    _check(t, "trunc_normal_")
    if not a < b:
        raise ValueError(f"trunc_normal_: expected a < b, got a={a}, b={b}")
    g = _rng(generator)
    out = g.normal(mean, std, t.shape)
    for _ in range(1000):
        bad = (out < a) | (out > b)
        if not bad.any():
            break
        out[bad] = g.normal(mean, std, int(bad.sum()))
    return _fill(t, np.clip(out, a, b), "trunc_normal_")


def constant_(t: Tensor, val: float) -> Tensor:
    return _fill(t, val, "constant_")


def zeros_(t: Tensor) -> Tensor:
    return _fill(t, 0.0, "zeros_")


def ones_(t: Tensor) -> Tensor:
    return _fill(t, 1.0, "ones_")


def eye_(t: Tensor) -> Tensor:
    """The identity matrix (a 2-D tensor), as torch.nn.init.eye_."""
    _check(t, "eye_")
    if t.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape "
                         f"{t.shape}")
    return _fill(t, np.eye(*t.shape), "eye_")


def dirac_(t: Tensor, groups: int = 1) -> Tensor:
    """The Dirac delta for a conv weight (out, in, *kernel) of 3 to 5 dims: each output
    channel copies one input channel at the kernel's centre (per group)."""
    _check(t, "dirac_")
    if t.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, got "
                         f"shape {t.shape}")
    if t.shape[0] % groups != 0:
        raise ValueError(f"dirac_: dim 0 ({t.shape[0]}) must be divisible by groups={groups}")
    per = t.shape[0] // groups
    n = min(per, t.shape[1])
    w = np.zeros(t.shape)
    centre = tuple(k // 2 for k in t.shape[2:])
    for g in range(groups):
        for d in range(n):
            w[(g * per + d, d) + centre] = 1
    return _fill(t, w, "dirac_")


def orthogonal_(t: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """A (semi-)orthogonal matrix (Saxe et al., 2013) from the QR decomposition of a normal
    draw, the tensor seen as (shape[0], everything else), scaled by ``gain``."""
    _check(t, "orthogonal_")
    if t.ndim < 2:
        raise ValueError("orthogonal_: only tensors with 2 or more dimensions are supported, "
                         f"got shape {t.shape}")
    if t.size == 0:
        return t
    rows = t.shape[0]
    cols = t.size // rows
    flat = _rng(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))  # a uniform (Haar) distribution, as torch
    if rows < cols:
        q = q.T
    return _fill(t, gain * q.reshape(t.shape), "orthogonal_")


def sparse_(t: Tensor, sparsity: float, std: float = 0.01, generator: Any = None) -> Tensor:
    """A 2-D weight drawn from N(0, std^2) with ``ceil(sparsity * rows)`` zeros in every
    column (Martens, 2010)."""
    _check(t, "sparse_")
    if t.ndim != 2:
        raise ValueError(f"sparse_: only tensors with 2 dimensions are supported, got shape "
                         f"{t.shape}")
    rows, cols = t.shape
    g = _rng(generator)
    w = g.normal(0.0, std, (rows, cols))
    zeros = int(math.ceil(sparsity * rows))
    for c in range(cols):
        w[g.permutation(rows)[:zeros], c] = 0
    return _fill(t, w, "sparse_")


def xavier_uniform_(t: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _fans(t, "xavier_uniform_")
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -a, a, generator)


def xavier_normal_(t: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(t, "xavier_normal_")
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(t: Tensor, a: float, mode: str, nonlinearity: str, who: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{who}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(t, who)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(t: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """U(-b, b) with b = gain * sqrt(3 / fan) (He et al., 2015); a zero-element tensor is
    left alone (as torch)."""
    _check(t, "kaiming_uniform_")
    if t.size == 0:
        return t
    std = _kaiming_std(t, a, mode, nonlinearity, "kaiming_uniform_")
    bound = math.sqrt(3.0) * std
    return uniform_(t, -bound, bound, generator)


def kaiming_normal_(t: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """N(0, std^2) with std = gain / sqrt(fan); a zero-element tensor is left alone."""
    _check(t, "kaiming_normal_")
    if t.size == 0:
        return t
    return normal_(t, 0.0, _kaiming_std(t, a, mode, nonlinearity, "kaiming_normal_"),
                   generator)
