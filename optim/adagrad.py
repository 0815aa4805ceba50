"""Adagrad (Duchi et al., 2011): per-element step sizes shrinking with the summed g^2."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, torch_flags

__all__ = ["Adagrad"]


def _zeros(p: Any, fill: float = 0.0) -> Any:
    return np.full_like(p, fill) if isinstance(p, np.ndarray) else float(fill)


class Adagrad(Optimizer):
    """torch.optim.Adagrad's rule, at step t with g = grad + weight_decay * p:

    clr = lr / (1 + (t - 1) lr_decay);  s = s + g^2;  p = p - clr g / (sqrt(s) + eps)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        flags = torch_flags(maximize, foreach, False, differentiable, fused)
        del flags["capturable"]
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, **flags))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if group["lr_decay"] < 0 or group["initial_accumulator_value"] < 0:
            raise ValueError("Adagrad: lr_decay and initial_accumulator_value must be >= 0")

    # one rule for arrays and floats alike (the operators are the same)
    def _rule(self, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        if not state:
            state["step"] = 0
            state["sum"] = _zeros(p, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        s = state["sum"] = state["sum"] + g * g
        return p - clr * g / (np.sqrt(s) + group["eps"])
