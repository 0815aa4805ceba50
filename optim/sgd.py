"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import kernels as K

from .optimizer import Optimizer, torch_flags

__all__ = ["SGD"]


class SGD(Optimizer):
    """torch.optim.SGD's rule. With d = g + weight_decay * p:

    b = d on the first step, then b = momentum * b + (1 - dampening) * d;
    d = d + momentum * b if nesterov else b (when momentum > 0);  p = p - lr * d.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0,
                 nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        flags = torch_flags(maximize, foreach, False, differentiable, fused)
        del flags["capturable"]
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov, **flags))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if group["momentum"] < 0:
            raise ValueError(f"SGD: momentum must be >= 0, got {group['momentum']}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: nesterov momentum needs momentum > 0 and dampening = 0")

    def _update_tensor(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                       group: dict[str, Any]) -> None:
        momentum = group["momentum"]
        first = False
        buf = None
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.empty_like(p)
                first = True
        K.active.sgd_update(p, g, buf, group["lr"], momentum, group["dampening"],
                            group["nesterov"], group["weight_decay"], first)
