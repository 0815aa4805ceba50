"""Gradient clipping, for Tensor and Value parameters alike; the argument validators nn shares.

``nn.utils.rnn``: packed and padded variable-length sequences (PackedSequence ...).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import Tensor, Value

from . import rnn
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm", "parameters_to_vector", "remove_spectral_norm",
           "remove_weight_norm", "spectral_norm", "vector_to_parameters", "weight_norm"]


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


def _grad_arrays(ps: list[Any]) -> list[np.ndarray]:
    return [np.asarray(p.grad, dtype=np.float64) if isinstance(p, Value) else p.grad.data
            for p in ps]


def _norm_dtype(grads: list[np.ndarray]) -> np.dtype:
    """The dtype torch gives the total norm: the grads' promoted float type (float32 when
    there are none)."""
    if not grads:
        return np.dtype(np.float32)
    dt = np.result_type(*[g.dtype for g in grads])
    return dt if dt.kind == "f" else np.dtype(np.float32)


def _vector_norm(a: np.ndarray, p: float) -> float:
    if a.size == 0:
        return 0.0
    if p == math.inf:
        return float(a.max())
    if p == -math.inf:
        return float(a.min())
    if p == 0:
        return float(np.count_nonzero(a))
    if p == 1:
        return float(a.sum())
    if p == 2:
        return float(np.sqrt(np.dot(a, a)))
    return float(np.sum(a**p) ** (1.0 / p))


def _total_norm(grads: list[np.ndarray], norm_type: float, dtype: np.dtype) -> Any:
    """The norm of the per-tensor norms (= the norm of all elements together, torch's
    order of operations), in float64, rounded to ``dtype``."""
    p = float(norm_type)
    if not grads:
        return dtype.type(0.0)
    norms = np.array([_vector_norm(np.abs(np.asarray(g, dtype=np.float64)).ravel(), p)
                      for g in grads])
    return dtype.type(_vector_norm(norms, p))


def get_total_norm(tensors: Iterable[Any] | Tensor, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of all the given tensors together (torch.nn.utils.get_total_norm:
    of the tensors themselves, e.g. ``[p.grad for p in model.parameters()]``)."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    arrays = [t.data if isinstance(t, Tensor) else np.asarray(t) for t in tensors
              if t is not None]
    dt = _norm_dtype(arrays)
    total = _total_norm(arrays, norm_type, dt)
    if error_if_nonfinite and not math.isfinite(float(total)):
        raise RuntimeError(f"get_total_norm: the total {norm_type}-norm is {total}; set "
                           "error_if_nonfinite=False to accept it")
    return Tensor(np.asarray(total, dtype=dt))


def clip_grads_with_norm_(parameters: Iterable[Any] | Tensor, max_norm: float,
                          total_norm: Any, foreach: bool | None = None) -> None:
    """Scale the gradients by max_norm / (total_norm + 1e-6) when that is below 1 (the
    second half of ``clip_grad_norm_``)."""
    ps = _with_grads(parameters)
    total = total_norm.data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    dt = total.dtype if total.dtype.kind == "f" else np.dtype(np.float64)
    coef = dt.type(max_norm) / (dt.type(total) + dt.type(1e-6))
    if coef >= 1.0:  # torch multiplies by the coefficient clamped to 1: a no-op then (a
        return       # NaN norm falls through and makes every gradient NaN, as torch)
    for p in ps:
        if isinstance(p, Value):
            p.grad *= float(coef)
        else:
            p.grad.data *= p.grad.dtype.type(coef)


def clip_grad_norm_(parameters: Iterable[Any] | Tensor, max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale all gradients together so their joint norm is at most ``max_norm``.

    Returns the norm before clipping, a 0-d tensor of the gradients' dtype, as
    torch.nn.utils.clip_grad_norm_ (``foreach`` is accepted and ignored).
    """
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    ps = _with_grads(parameters)
    grads = _grad_arrays(ps)
    dt = _norm_dtype(grads)
    total = _total_norm(grads, norm_type, dt)
    if error_if_nonfinite and not math.isfinite(float(total)):
        raise RuntimeError(f"clip_grad_norm_: the total {norm_type}-norm of the gradients is "
                           f"{total}; set error_if_nonfinite=False to clip anyway")
    out = Tensor(np.asarray(total, dtype=dt))
    clip_grads_with_norm_(ps, max_norm, out)
    return out


clip_grad_norm = clip_grad_norm_  # torch's deprecated spelling


def clip_grad_value_(parameters: Iterable[Any] | Tensor, clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    c = float(clip_value)
    for p in _with_grads(parameters):
        if isinstance(p, Value):
            p.grad = min(max(p.grad, -c), c)
        else:
            np.clip(p.grad.data, -c, c, out=p.grad.data)


def parameters_to_vector(parameters: Iterable[Any]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (a copy, not in the
    graph of the parameters' use), as torch.nn.utils.parameters_to_vector."""
    arrays = [_param_array(p, "parameters_to_vector").ravel() for p in parameters]
    if not arrays:
        raise RuntimeError("parameters_to_vector: expected a non-empty list of parameters")
    return Tensor(np.concatenate(arrays))


def vector_to_parameters(vec: Tensor, parameters: Iterable[Any]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, got "
                        f"{type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: vec must be 1-D, got shape {vec.shape}")
    ps = list(parameters)
    need = sum(_param_array(p, "vector_to_parameters").size for p in ps)
    if need != vec.shape[0]:
        raise ValueError(f"vector_to_parameters: vec has {vec.shape[0]} elements, the "
                         f"parameters have {need}")
    i = 0
    for p in ps:
        n = p.data.size
        p.data[...] = vec.data[i:i + n].reshape(p.shape)
        p._bump_version()
        i += n


def _param_array(p: Any, who: str) -> np.ndarray:
    if not isinstance(p, Tensor):
        raise TypeError(f"{who}: expected Tensor parameters, got {type(p).__name__}")
    return p.data


# last: they import nn.layers, which imports the helpers above
from . import parametrizations, parametrize  # noqa: E402
