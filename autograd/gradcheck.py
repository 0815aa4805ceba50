"""Finite-difference gradient checking, for users and for the test suite."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .function import grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree; the message holds a table of mismatches."""


def gradcheck(fn: Callable[..., Tensor], inputs: Sequence[Tensor] | Tensor, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, max_rows: int = 10) -> bool:
    """Compare autograd's gradient of ``fn(*inputs)`` with central differences in float64.

    Inputs that require grad are checked; they are converted to float64 copies first (so a
    float32 model can be checked too). For a non-scalar output the check uses the sum of
    ``output * r`` with a fixed random ``r``, which tests every output element. Returns True,
    or raises GradcheckError with a table: input, index, analytic, numeric.
    """
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not ins or not all(isinstance(t, Tensor) for t in ins):
        raise TypeError("gradcheck: inputs must be a Tensor or a sequence of Tensors")
    xs = [Tensor(t.data.astype(np.float64), requires_grad=t.requires_grad) for t in ins]
    wrt = [i for i, t in enumerate(xs) if t.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input has requires_grad=True; nothing to check")

    out0 = fn(*xs)
    if not isinstance(out0, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out0).__name__}")
    r = np.random.default_rng(0).standard_normal(out0.shape)

    def scalar(*args: Tensor) -> Tensor:
        out = fn(*args)
        return (out * Tensor(r, dtype=out.dtype)).sum()

    analytic = grad(scalar(*xs), [xs[i] for i in wrt], allow_unused=True)
    rows = []
    for i, ga in zip(wrt, analytic):
        x = xs[i]
        ga = np.zeros_like(x.data) if ga is None else ga.data
        flat = x.data.reshape(-1) if x.data.flags.c_contiguous else None
        if flat is None:
            x.data = np.ascontiguousarray(x.data)
            flat = x.data.reshape(-1)
        num = np.zeros(flat.size)
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            hi = scalar(*xs).item()
            flat[j] = orig - eps
            lo = scalar(*xs).item()
            flat[j] = orig
            num[j] = (hi - lo) / (2 * eps)
        ana = ga.reshape(-1)
        bad = np.abs(ana - num) > atol + rtol * np.abs(num)
        for j in np.flatnonzero(bad):
            rows.append((i, np.unravel_index(j, x.shape), ana[j], num[j]))
    if rows:
        lines = [f"{'input':>5}  {'index':<16} {'analytic':>14} {'numeric':>14}"]
        for i, idx, a, n in rows[:max_rows]:
            lines.append(f"{i:>5}  {str(tuple(int(k) for k in idx)):<16} {a:>14.6g} {n:>14.6g}")
        if len(rows) > max_rows:
            lines.append(f"... and {len(rows) - max_rows} more")
        raise GradcheckError(f"gradcheck: {len(rows)} gradient element(s) disagree "
                             f"(atol={atol}, rtol={rtol}):\n" + "\n".join(lines))
    return True
