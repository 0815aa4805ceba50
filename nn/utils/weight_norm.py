"""Weight normalisation (Salimans & Kingma, 2016), torch.nn.utils.weight_norm's classic API:
the parameter ``name`` is split into a magnitude ``name_g`` and a direction ``name_v``, and
``module.name = name_v * (name_g / ||name_v||)`` is recomputed before every forward (a
forward pre-hook), so gradients reach g and v. ``remove_weight_norm`` folds them back."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor

__all__ = ["remove_weight_norm", "weight_norm"]


def _norm_except_dim(v: Any, dim: int) -> Any:
    """torch.norm_except_dim(v, 2, dim) on Tensors or arrays: the 2-norm over every dim but
    ``dim`` kept with size 1 (dim -1: the norm of the whole tensor, 0-d)."""
    if dim == -1:
        return (v * v).sum().sqrt() if isinstance(v, Tensor) else np.sqrt((v * v).sum())
    axes = tuple(i for i in range(v.ndim) if i != dim)
    if isinstance(v, Tensor):
        return (v * v).sum(axes, keepdim=True).sqrt() if axes else (v * v).sqrt()
    return np.sqrt((v * v).sum(axis=axes, keepdims=True))


def _compute(module: Any, name: str, dim: int) -> Tensor:
    g, v = getattr(module, name + "_g"), getattr(module, name + "_v")
    return v * (g / _norm_except_dim(v, dim))


def reparametrised(module: Any, name: str, who: str) -> tuple[dict, Any]:
    """The checks weight_norm and spectral_norm share: ``module`` is an nn.Module, its
    ``name`` a Parameter not yet reparametrised by ``who``. Returns (the module's hook
    table for ``who``, the parameter)."""
    from ..module import Module, Parameter

    if not isinstance(module, Module):
        raise TypeError(f"{who}: expected an nn.Module, got {type(module).__name__}")
    hooks = module.__dict__.setdefault(f"_{who}_hooks", {})
    if name in hooks:
        raise RuntimeError(f"{who}: cannot register two {who} hooks on the same parameter "
                           f"{name!r}")
    weight = module.__dict__.get(name)
    if not isinstance(weight, Parameter):
        raise ValueError(f"{who}: {type(module).__name__} has no parameter {name!r}")
    return hooks, weight


def weight_norm(module: Any, name: str = "weight", dim: int | None = 0) -> Any:
    """Reparametrise ``module.<name>`` as g * v / ||v||, the norm taken over every dim but
    ``dim`` (``dim=None``: over the whole tensor), as torch.nn.utils.weight_norm; returns
    the module, whose state_dict then has ``<name>_g`` and ``<name>_v`` instead."""
    from ..module import Parameter

    hooks, weight = reparametrised(module, name, "weight_norm")
    if dim is None:
        dim = -1
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"weight_norm: dim must be an int or None, got {dim!r}")
    dim = int(dim)
    if dim != -1:
        if not -weight.ndim <= dim < weight.ndim:
            raise IndexError(f"weight_norm: dim {dim} is out of range for {name!r} of shape "
                             f"{weight.shape}")
        dim %= weight.ndim
    data = weight.data
    delattr(module, name)
    setattr(module, name + "_g", Parameter(np.asarray(_norm_except_dim(data, dim),
                                                      dtype=data.dtype)))
    setattr(module, name + "_v", Parameter(data.copy()))
    object.__setattr__(module, name, _compute(module, name, dim))

    def hook(m: Any, args: Any) -> None:
        object.__setattr__(m, name, _compute(m, name, dim))

    hooks[name] = (module.register_forward_pre_hook(hook), dim)
    return module


def remove_weight_norm(module: Any, name: str = "weight") -> Any:
    """Undo ``weight_norm``: ``module.<name>`` becomes a plain Parameter again holding the
    current g * v / ||v||; returns the module."""
    from ..module import Parameter

    hooks = getattr(module, "__dict__", {}).get("_weight_norm_hooks", {})
    if name not in hooks:
        raise ValueError(f"remove_weight_norm: weight_norm of {name!r} not found in "
                         f"{type(module).__name__}")
    handle, dim = hooks.pop(name)
    handle.remove()
    data = _compute(module, name, dim).data
    delattr(module, name + "_g")
    delattr(module, name + "_v")
    delattr(module, name)
    setattr(module, name, Parameter(data))
    return module
