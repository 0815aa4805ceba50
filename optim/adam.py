"""Adam (Kingma & Ba, 2015), its AMSGrad variant, and AdamW (decoupled weight decay)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import kernels as K

from .optimizer import Optimizer, torch_flags

__all__ = ["Adam", "AdamW"]


def _zeros(p: Any) -> Any:
    return np.zeros_like(p) if isinstance(p, np.ndarray) else 0.0


class _AdamLike(Optimizer):
    """Shared checks of the optimizers with ``betas`` and ``eps``."""

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        b1, b2 = group["betas"]
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"{type(self).__name__}: betas must be in [0, 1), got "
                             f"{group['betas']}")
        if group["eps"] < 0:
            raise ValueError(f"{type(self).__name__}: eps must be >= 0, got {group['eps']}")

    @staticmethod
    def _moments(state: dict[str, Any], p: Any, second: str) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = _zeros(p)
            state[second] = _zeros(p)


class Adam(_AdamLike):
    """torch.optim.Adam's rule, at step t with g = grad (+ weight_decay * p for Adam):

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  (amsgrad: v_max = max(v_max, v))
    p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    """

    decoupled = False  # AdamW: weight decay shrinks p directly, p *= 1 - lr * wd

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        flags = torch_flags(maximize, foreach, capturable, differentiable, fused)
        # AdamW is Adam with decoupled_weight_decay=True (torch's group shows it so too)
        decoupled = bool(decoupled_weight_decay) or self.decoupled
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad, **flags,
                                      decoupled_weight_decay=decoupled))

    def _update_tensor(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                       group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1
        b1, b2 = group["betas"]
        K.active.adam_update(p, g, state["exp_avg"], state["exp_avg_sq"],
                             state.get("max_exp_avg_sq"), group["lr"], b1, b2, group["eps"],
                             group["weight_decay"], state["step"],
                             group.get("decoupled_weight_decay", self.decoupled),
                             group["amsgrad"])


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr * weight_decay
    before the Adam step, instead of adding weight_decay * p to the gradient."""

    decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused)
