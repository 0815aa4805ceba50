"""RMSprop (Hinton's lecture notes): divide the step by a running RMS of the gradient."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, torch_flags

__all__ = ["RMSprop"]


def _zeros(p: Any) -> Any:
    return np.zeros_like(p) if isinstance(p, np.ndarray) else 0.0


class RMSprop(Optimizer):
    """torch.optim.RMSprop's rule, with g = grad + weight_decay * p:

    v = alpha v + (1 - alpha) g^2; centered: a = alpha a + (1 - alpha) g, v~ = v - a^2;
    step = g / (sqrt(v~) + eps); momentum: b = momentum b + step, step = b; p = p - lr step
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        flags = torch_flags(maximize, foreach, capturable, differentiable)
        del flags["fused"]
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, **flags))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if not 0.0 <= group["alpha"] <= 1.0:
            raise ValueError(f"RMSprop: alpha must be in [0, 1], got {group['alpha']}")
        if group["momentum"] < 0 or group["eps"] < 0:
            raise ValueError("RMSprop: momentum and eps must be >= 0")

    def _rule(self, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        alpha, mom = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = _zeros(p)
            if mom > 0:
                state["momentum_buffer"] = _zeros(p)
            if group["centered"]:
                state["grad_avg"] = _zeros(p)
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        v = state["square_avg"] = alpha * state["square_avg"] + (1 - alpha) * g * g
        if group["centered"]:
            a = state["grad_avg"] = alpha * state["grad_avg"] + (1 - alpha) * g
            v = v - a * a
        step = g / (np.sqrt(v) + group["eps"])
        if mom > 0:
            step = state["momentum_buffer"] = mom * state["momentum_buffer"] + step
        return p - group["lr"] * step
