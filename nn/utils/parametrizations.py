"""torch.nn.utils.parametrizations: weight normalisation as a parametrization.

``weight_norm(module)`` makes ``module.weight = g * v / ||v||`` (the norm over every dim but
``dim``) with g and v the Parameters ``module.parametrizations.weight.original0`` and
``original1``, as torch's (which deprecates the classic ``nn.utils.weight_norm`` for it).
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor

from ..module import Module
from .parametrize import register_parametrization
from .weight_norm import _norm_except_dim

__all__ = ["weight_norm"]


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        if dim is None:
            dim = -1
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"weight_norm: dim must be an int or None, got {dim!r}")
        self.dim = int(dim)

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return Tensor._make(np.asarray(_norm_except_dim(weight.data, self.dim))), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Weight-normalise ``module.<name>`` (see the module docstring); returns the module."""
    w = module.__dict__.get(name) if isinstance(module, Module) else None
    if isinstance(w, Tensor) and dim is not None and not -w.ndim <= dim < w.ndim:
        raise IndexError(f"weight_norm: dim {dim} is out of range for a {w.ndim}-d {name!r}")
    if isinstance(w, Tensor) and dim is not None and dim < 0:
        dim += w.ndim
    register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


