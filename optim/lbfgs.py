"""L-BFGS (Nocedal, 1980) as torch.optim.LBFGS: ``step(closure)`` runs up to ``max_iter``
quasi-Newton iterations, re-evaluating the model through the closure, with an optional
strong-Wolfe line search. The steps follow torch's algorithm and order of operations, so a
float64 run takes the same path."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd import Tensor, enable_grad

from .optimizer import Optimizer

__all__ = ["LBFGS"]


def _cubic_minimum(x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any,
                   bounds: tuple[Any, Any] | None = None) -> Any:
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to bounds
    (the interval itself by default); the midpoint when the cubic has no minimum."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_sq = d1**2 - g1 * g2
    if d2_sq >= 0:
        d2 = np.sqrt(d2_sq)
        if x1 <= x2:
            at = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            at = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(at, lo), hi)
    return (lo + hi) / 2.0


def _strong_wolfe(evaluate: Callable, x: list[np.ndarray], t: Any, d: np.ndarray, f: float,
                  g: np.ndarray, gtd: Any, c1: float = 1e-4, c2: float = 0.9,
                  tolerance_change: float = 1e-9, max_ls: int = 25
                  ) -> tuple[float, np.ndarray, Any, int]:
    """A step length t along d meeting the strong Wolfe conditions (bracket, then zoom by
    cubic interpolation): returns (loss, flat gradient, t, evaluations)."""
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = evaluate(x, t, d)
    evals = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    it = 0
    bracket: list[Any] = []
    bf: list[Any] = []
    bg: list[Any] = []
    bgtd: list[Any] = []
    while it < max_ls:
        if f_new > (f + c1 * t * gtd) or (it > 1 and f_new >= f_prev):
            bracket, bf, bg = [t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()]
            bgtd = [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bf, bg = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bf, bg = [t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()]
            bgtd = [gtd_prev, gtd_new]
            break
        lo, hi = t + 0.01 * (t - t_prev), t * 10
        previous = t
        t = _cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(lo, hi))
        t_prev, f_prev, g_prev, gtd_prev = previous, f_new, g_new.copy(), gtd_new
        f_new, g_new = evaluate(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        it += 1
    if it == max_ls:
        bracket, bf, bg = [0, t], [f, f_new], [g, g_new]
    stalled = False
    low, high = (0, 1) if bf[0] <= bf[-1] else (1, 0)
    while not done and it < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(bracket[0], bf[0], bgtd[0], bracket[1], bf[1], bgtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if stalled or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) \
                    else min(bracket) + eps
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        f_new, g_new = evaluate(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        it += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bf[low]:
            bracket[high], bf[high], bg[high], bgtd[high] = t, f_new, g_new.copy(), gtd_new
            low, high = (0, 1) if bf[0] <= bf[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bf[high] = bracket[low], bf[low]
                bg[high], bgtd[high] = bg[low], bgtd[low]
            bracket[low], bf[low], bg[low], bgtd[low] = t, f_new, g_new.copy(), gtd_new
    return bf[low], bg[low], bracket[low], evals


def _loss_value(loss: Any) -> float:
    return float(loss.item() if hasattr(loss, "item") else loss)


class LBFGS(Optimizer):
    """torch.optim.LBFGS: one parameter group; ``step(closure)`` where the closure clears
    the gradients, computes the loss, calls ``backward()`` and returns the loss."""

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{line_search_fn!r}")
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        for p in self._params:
            if not isinstance(p, Tensor):
                raise TypeError(f"LBFGS: parameters must be Tensors, got {type(p).__name__}")

    def _flat_grad(self) -> np.ndarray:
        return np.concatenate([np.zeros(p.size, p.dtype) if p.grad is None
                               else p.grad.data.reshape(-1) for p in self._params])

    def _add(self, step: Any, update: np.ndarray) -> None:
        i = 0
        for p in self._params:
            n = p.size
            p.data += (update[i:i + n] * step).astype(p.dtype, copy=False).reshape(p.shape)
            p._bump_version()
            i += n

    def _set(self, arrays: list[np.ndarray]) -> None:
        for p, a in zip(self._params, arrays):
            p.data[...] = a
            p._bump_version()

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Up to max_iter L-BFGS iterations; returns the closure's first loss."""
        if closure is None:
            raise TypeError("LBFGS.step: a closure is required (it re-evaluates the model "
                            "and returns the loss)")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history = group["history_size"]

        def evaluate_loss() -> Any:
            with enable_grad():
                return closure()

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = evaluate_loss()
        loss = _loss_value(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if np.abs(g).max() <= tol_grad:
            return orig_loss
        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_g, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -g
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                y = g - prev_g
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep the curvature pair only when it is informative
                    if len(old_dirs) == history:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)
                k = len(old_dirs)
                al = state.setdefault("al", [None] * history)
                q = -g
                for i in range(k - 1, -1, -1):  # the two-loop recursion
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q = q + old_dirs[i] * (-al[i])
                d = q * h_diag
                for i in range(k):
                    be = old_dirs[i].dot(d) * ro[i]
                    d = d + old_stps[i] * (al[i] - be)
            prev_g = g.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = g.dot(d)
            if gtd > -tol_change:
                break
            ls_evals = 0
            if group["line_search_fn"] is not None:
                x0 = [p.data.copy() for p in self._params]

                def evaluate(x: list[np.ndarray], t: Any, d: np.ndarray) -> tuple[float, Any]:
                    self._add(t, d)
                    f = _loss_value(evaluate_loss())
                    fg = self._flat_grad()
                    self._set(x)
                    return f, fg

                loss, g, t, ls_evals = _strong_wolfe(evaluate, x0, t, d, loss, g, gtd,
                                                     max_ls=max_eval - evals)
                self._add(t, d)
                opt_cond = np.abs(g).max() <= tol_grad
            else:
                self._add(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = _loss_value(evaluate_loss())
                    g = self._flat_grad()
                    opt_cond = np.abs(g).max() <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if (n_iter == max_iter or evals >= max_eval or opt_cond
                    or np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change):
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_g, prev_loss=prev_loss)
        return orig_loss
