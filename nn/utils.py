"""Gradient clipping, for Tensor and Value parameters alike; the argument validators nn shares."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import Tensor, Value

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def positive_int(n: Any, what: str) -> int:
    """n as an int, or a ValueError naming ``what`` unless n is an int >= 1 (not a bool).

    The one validator of layer sizes (features, channels, hidden sizes ...) in nn.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)


def _with_grads(parameters: Iterable[Any] | Tensor | Value) -> list[Any]:
    if isinstance(parameters, (Tensor, Value)):
        parameters = [parameters]
    out = []
    for p in parameters:
        if isinstance(p, Value) or (isinstance(p, Tensor) and p.grad is not None):
            out.append(p)
        elif not isinstance(p, Tensor):
            raise TypeError(f"expected Tensor or Value parameters, got {type(p).__name__}")
    return out


def clip_grad_norm_(parameters: Iterable[Any] | Tensor, max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so their joint norm is at most ``max_norm``.

    Returns the norm before clipping (a 0-d tensor), as torch.nn.utils.clip_grad_norm_.
    """
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    ps = _with_grads(parameters)
    grads = [np.abs(np.asarray(p.grad if isinstance(p, Value) else p.grad.data,
                               dtype=np.float64)).ravel() for p in ps]
    flat = np.concatenate(grads) if grads else np.zeros(0)
    if norm_type == math.inf:
        total = float(flat.max()) if flat.size else 0.0
    else:
        total = float(np.sum(flat**norm_type) ** (1.0 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total {norm_type}-norm of the gradients is "
                           f"{total}; set error_if_nonfinite=False to clip anyway")
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for p in ps:
            if isinstance(p, Value):
                p.grad *= scale
            else:
                p.grad.data *= p.grad.dtype.type(scale)
    return Tensor(np.asarray(total))


def clip_grad_value_(parameters: Iterable[Any] | Tensor, clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    c = float(clip_value)
    for p in _with_grads(parameters):
        if isinstance(p, Value):
            p.grad = min(max(p.grad, -c), c)
        else:
            np.clip(p.grad.data, -c, c, out=p.grad.data)
