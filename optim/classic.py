"""Rprop and ASGD with torch.optim's names, update rules, state names and state_dict: each
rule is written once (``_rule``) for arrays and 0-d arrays (scalar Values), in torch's order
of operations."""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Real
from typing import Any

import numpy as np

from .optimizer import Optimizer, torch_flags

__all__ = ["ASGD", "Rprop"]


def _pair(v: Any, what: str, who: str) -> tuple[float, float]:
    try:
        a, b = v
    except (TypeError, ValueError):
        raise ValueError(f"{who}: {what} must be a pair of numbers, got {v!r}") from None
    if not all(isinstance(x, Real) and not isinstance(x, bool) for x in (a, b)):
        raise ValueError(f"{who}: {what} must be a pair of numbers, got {v!r}")
    return float(a), float(b)


class Rprop(Optimizer):
    """Resilient backpropagation, torch.optim.Rprop's rule: per element, with s the sign of
    g * (the previous step's gradient),

    step_size = clamp(step_size * (etaplus if s > 0, etaminus if s < 0, else 1),
    *step_sizes); where s < 0 the gradient counts as 0 (no move, and no sign change next
    time); p = p - sign(g) * step_size. step_size starts at lr. State: step, prev,
    step_size."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        flags = torch_flags(maximize, foreach, capturable, differentiable)
        del flags["fused"]
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, **flags))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        etaminus, etaplus = group["etas"] = _pair(group["etas"], "etas", "Rprop")
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(f"Rprop: etas must satisfy 0 < etaminus < 1 < etaplus, got "
                             f"({etaminus}, {etaplus})")
        lo, hi = group["step_sizes"] = _pair(group["step_sizes"], "step_sizes", "Rprop")
        if not 0.0 <= lo <= hi:
            raise ValueError(f"Rprop: step_sizes must be (min, max) with 0 <= min <= max, got "
                             f"({lo}, {hi})")

    def _rule(self, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        if not state:
            state["step"] = 0
            state["prev"] = np.zeros_like(p)
            state["step_size"] = np.full_like(p, group["lr"])
        state["step"] += 1
        etaminus, etaplus = group["etas"]
        lo, hi = group["step_sizes"]
        s = np.sign(g * state["prev"])
        factor = np.where(s > 0, etaplus, np.where(s < 0, etaminus, 1.0)).astype(p.dtype)
        size = state["step_size"] = np.clip(state["step_size"] * factor, lo, hi)
        g = np.where(s < 0, np.zeros_like(g), g)
        state["prev"] = g.copy()
        return p - np.sign(g) * size


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky, 1992), torch.optim.ASGD's rule, with
    g = grad + weight_decay * p:

    p = p (1 - lambd eta) - eta g;  ax = p while mu == 1, else ax + mu (p - ax);
    then eta = lr / (1 + lambd lr t)^alpha and mu = 1 / max(1, t - t0).
    State: step, eta, mu (float32 scalars, as torch keeps them), ax (the average)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        flags = torch_flags(maximize, foreach, capturable, differentiable)
        del flags["fused"]
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, **flags))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for key in ("lambd", "alpha", "t0"):
            v = group[key]
            if isinstance(v, bool) or not isinstance(v, Real) or not v >= 0:
                raise ValueError(f"ASGD: {key} must be a number >= 0, got {v!r}")

    def _rule(self, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        lr, lambd = group["lr"], group["lambd"]
        if not state:
            state["step"] = 0
            state["eta"] = np.float32(lr)
            state["mu"] = np.float32(1.0)
            state["ax"] = np.zeros_like(p)
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        eta = float(state["eta"])
        p = p * (1 - lambd * eta)
        p = p + (-eta) * g
        mu = float(state["mu"])
        if mu != 1:
            state["ax"] = state["ax"] + (p - state["ax"]) * mu
        else:
            state["ax"] = np.array(p, copy=True)
        t = state["step"]
        state["eta"] = np.float32(lr / ((1 + lambd * lr * t) ** group["alpha"]))
        state["mu"] = np.float32(1 / max(1, t - group["t0"]))
        return p
