"""More adaptive optimizers with torch.optim's names and update rules: Adamax, NAdam, RAdam,
Adadelta. Each rule is written once (``_rule``) for arrays and numbers, in torch's order of
operations so float64 results agree to the last bit."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .adam import _AdamLike, _zeros
from .optimizer import Optimizer, torch_flags

__all__ = ["Adadelta", "Adamax", "NAdam", "RAdam"]


def _sqrt(x: Any) -> Any:
    return np.sqrt(x) if isinstance(x, np.ndarray) else math.sqrt(x)


def _lerp(a: Any, b: Any, w: float) -> Any:
    """torch.lerp(a, b, w) for 0 <= w < 0.5 (the moment updates): a + w (b - a)."""
    return a + w * (b - a)


class Adamax(_AdamLike):
    """Adam with the infinity norm (Kingma & Ba, section 7), torch.optim.Adamax's rule:

    m = lerp(m, g, 1 - b1);  u = max(b2 u, |g| + eps);  p = p - lr / (1 - b1^t) * m / u
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        flags = torch_flags(maximize, foreach, capturable, differentiable)
        del flags["fused"]
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, **flags))

    def _rule(self, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        self._moments(state, p, "exp_inf")
        state["step"] += 1
        b1, b2 = group["betas"]
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        m = state["exp_avg"] = _lerp(state["exp_avg"], g, 1 - b1)
        u = state["exp_inf"] = np.maximum(state["exp_inf"] * b2, abs(g) + group["eps"])
        clr = group["lr"] / (1 - b1 ** state["step"])
        return p + (-clr) * (m / u)


class NAdam(_AdamLike):
    """Adam with Nesterov momentum (Dozat, 2016), torch.optim.NAdam's rule, with the
    momentum schedule mu_t = b1 (1 - 0.96^(t momentum_decay) / 2)."""

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        flags = torch_flags(maximize, foreach, capturable, differentiable)
        del flags["fused"]
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=bool(decoupled_weight_decay),
                                      **flags))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if group["momentum_decay"] < 0:
            raise ValueError(f"NAdam: momentum_decay must be >= 0, got "
                             f"{group['momentum_decay']}")

    def _rule(self, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        if not state:
            self._moments(state, p, "exp_avg_sq")
            # torch keeps the running product of the mu_t as a float32 scalar
            state["mu_product"] = np.float32(1.0)
        state["step"] += 1
        t = state["step"]
        b1, b2 = group["betas"]
        lr, wd, psi = group["lr"], group["weight_decay"], group["momentum_decay"]
        bc2 = 1 - b2**t
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p = p * (1 - lr * wd)
            else:
                g = g + wd * p
        mu = b1 * (1.0 - 0.5 * (0.96 ** (t * psi)))
        mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * psi)))
        mp = state["mu_product"] = np.float32(state["mu_product"] * np.float32(mu))
        m = state["exp_avg"] = _lerp(state["exp_avg"], g, 1 - b1)
        v = state["exp_avg_sq"] = state["exp_avg_sq"] * b2 + (1 - b2) * g * g
        denom = _sqrt(v / bc2) + group["eps"]
        mp_next = float(mp) * mu_next
        p = p + (-lr * (1.0 - mu) / (1.0 - float(mp))) * (g / denom)
        return p + ((-lr * mu_next) / (1.0 - mp_next)) * (m / denom)


class RAdam(_AdamLike):
    """Rectified Adam (Liu et al., 2019), torch.optim.RAdam's rule: plain momentum SGD
    while the variance estimate is unreliable (rho_t <= 5), the rectified Adam step after."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        flags = torch_flags(maximize, foreach, capturable, differentiable)
        del flags["fused"]
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=bool(decoupled_weight_decay),
                                      **flags))

    def _rule(self, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        self._moments(state, p, "exp_avg_sq")
        state["step"] += 1
        t = state["step"]
        b1, b2 = group["betas"]
        lr, wd = group["lr"], group["weight_decay"]
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p = p * (1 - lr * wd)
            else:
                g = g + wd * p
        m = state["exp_avg"] = _lerp(state["exp_avg"], g, 1 - b1)
        v = state["exp_avg_sq"] = state["exp_avg_sq"] * b2 + (1 - b2) * g * g
        bc1, bc2 = 1 - b1**t, 1 - b2**t
        m_hat = m / bc1
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * (b2**t) / bc2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = (bc2**0.5) / (_sqrt(v) + group["eps"])
            return p - m_hat * lr * adaptive * rect
        return p - m_hat * lr


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), torch.optim.Adadelta's rule:

    v = rho v + (1 - rho) g^2;  d = sqrt(u + eps) / sqrt(v + eps) * g;
    u = rho u + (1 - rho) d^2;  p = p - lr d
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        flags = torch_flags(maximize, foreach, capturable, differentiable)
        del flags["fused"]
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      **flags))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Adadelta: rho must be in [0, 1], got {group['rho']}")
        if group["eps"] < 0:
            raise ValueError(f"Adadelta: eps must be >= 0, got {group['eps']}")

    def _rule(self, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        if not state:
            state["step"] = 0
            state["square_avg"] = _zeros(p)
            state["acc_delta"] = _zeros(p)
        state["step"] += 1
        rho, eps = group["rho"], group["eps"]
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        v = state["square_avg"] = state["square_avg"] * rho + (1 - rho) * g * g
        d = _sqrt(state["acc_delta"] + eps) / _sqrt(v + eps) * g
        state["acc_delta"] = state["acc_delta"] * rho + (1 - rho) * d * d
        return p + (-group["lr"]) * d
