"""Spectral normalisation (Miyato et al., 2018), torch.nn.utils.spectral_norm's classic
API: the parameter ``name`` becomes ``name_orig``, with buffers ``name_u`` and ``name_v``
(the power iteration's singular vector estimates), and before every forward
``module.name = name_orig / sigma`` with sigma = u . (W v), W the weight as a matrix with
``dim`` first. In training, ``n_power_iterations`` power steps refine u and v in place
first; in eval they are used as they are. ``remove_spectral_norm`` folds it back."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
from autograd import Tensor

__all__ = ["remove_spectral_norm", "spectral_norm"]


def _unit(x: np.ndarray, eps: float) -> np.ndarray:
    """x / max(||x||, eps), as F.normalize."""
    return x / max(float(np.sqrt((x * x).sum())), eps)


def _as_matrix(w: Any, dim: int) -> Any:
    """The weight as (size of dim, everything else), for arrays and Tensors alike."""
    if dim != 0:
        w = w.transpose(dim, *[d for d in range(w.ndim) if d != dim]) if isinstance(
            w, np.ndarray) else w.permute(dim, *[d for d in range(w.ndim) if d != dim])
    return w.reshape(w.shape[0], -1)


def _compute(module: Any, name: str, n_iter: int, dim: int, eps: float, power: bool
             ) -> Tensor:
    weight = getattr(module, name + "_orig")
    u, v = getattr(module, name + "_u"), getattr(module, name + "_v")
    if power:
        mat = _as_matrix(weight.data, dim)
        uu, vv = u.data, v.data
        for _ in range(n_iter):
            vv[...] = _unit(mat.T @ uu, eps)
            uu[...] = _unit(mat @ vv, eps)
        u._bump_version()
        v._bump_version()
    sigma = (Tensor(u.data.copy()) * (_as_matrix(weight, dim) @ Tensor(v.data.copy()))).sum()
    return weight / sigma


def spectral_norm(module: Any, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Any:
    """Divide ``module.<name>`` by its largest singular value (estimated by power iteration)
    before every forward, as torch.nn.utils.spectral_norm; ``dim`` defaults to 0 (1 for
    the ConvTranspose layers). Returns the module; its state_dict then has ``<name>_orig``,
    ``<name>_u`` and ``<name>_v``."""
    from ..conv import _ConvTransposeNd
    from .weight_norm import reparametrised

    hooks, weight = reparametrised(module, name, "spectral_norm")
    if isinstance(n_power_iterations, bool) or not isinstance(
            n_power_iterations, (int, np.integer)) or n_power_iterations <= 0:
        raise ValueError(f"spectral_norm: n_power_iterations must be a positive int, got "
                         f"{n_power_iterations!r}")
    if weight.ndim == 0:
        raise ValueError(f"spectral_norm: {name!r} is 0-d; it needs at least one dim")
    if dim is None:
        dim = 1 if isinstance(module, _ConvTransposeNd) else 0
    if not -weight.ndim <= dim < weight.ndim:
        raise IndexError(f"spectral_norm: dim {dim} is out of range for {name!r} of shape "
                         f"{weight.shape}")
    dim, n_iter, eps = int(dim) % weight.ndim, int(n_power_iterations), float(eps)
    h, w = _as_matrix(weight.data, dim).shape
    gen = autograd.rng()
    u = _unit(gen.standard_normal(h).astype(weight.dtype), eps)
    v = _unit(gen.standard_normal(w).astype(weight.dtype), eps)
    delattr(module, name)
    setattr(module, name + "_orig", weight)
    module.register_buffer(name + "_u", Tensor(u))
    module.register_buffer(name + "_v", Tensor(v))
    object.__setattr__(module, name, Tensor(weight.data))  # until the first forward, as torch

    def hook(m: Any, args: Any) -> None:
        object.__setattr__(m, name, _compute(m, name, n_iter, dim, eps, m.training))

    hooks[name] = (module.register_forward_pre_hook(hook), n_iter, dim, eps)
    return module


def remove_spectral_norm(module: Any, name: str = "weight") -> Any:
    """Undo ``spectral_norm``: ``module.<name>`` becomes a plain Parameter holding
    name_orig / sigma (no power step); returns the module."""
    from ..module import Parameter

    hooks = getattr(module, "__dict__", {}).get("_spectral_norm_hooks", {})
    if name not in hooks:
        raise ValueError(f"remove_spectral_norm: spectral_norm of {name!r} not found in "
                         f"{type(module).__name__}")
    handle, n_iter, dim, eps = hooks.pop(name)
    handle.remove()
    with autograd.no_grad():
        data = _compute(module, name, n_iter, dim, eps, False).data
    for suffix in ("_orig", "_u", "_v", ""):
        delattr(module, name + suffix)
    module.__dict__["_buffer_names"] = [b for b in module.__dict__["_buffer_names"]
                                        if b not in (name + "_u", name + "_v")]
    setattr(module, name, Parameter(data))
    return module
