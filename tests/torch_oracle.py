"""The torch oracle: run the same PyTorch spelling on numbagrad and on torch, compare.

Used by the ``test_oracle_*.py`` files. A case is ``Case(name, fn, inputs, ...)`` where ``fn``
takes a module-like namespace (``autograd`` or ``torch``) as its first argument, then the
inputs as Tensors of that library::

    Case("transpose", lambda m, x: x.transpose(0, 1), [A])
    Case("cat", lambda m, a, b: m.cat([a, b], dim=1), [A, A])

Both libraries see the same inputs (copied from the numpy arrays), the outputs must agree in
shape, dtype and value (tuples and named tuples element by element), and when the output is
floating point the gradients of every floating input must agree too, for the same random
upstream gradient. Without torch these tests skip (once, with the reason).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

try:
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

import autograd as ag

needs_torch = pytest.mark.skipif(
    torch is None, reason="torch not installed: pip install torch==2.13.0 (CPU build)")

if torch is not None:
    torch.set_num_threads(1)


@dataclass
class Case:
    name: str
    fn: Callable[..., Any]
    inputs: Sequence[Any]
    grad: bool = True          # compare gradients of the floating inputs
    rtol: float = 1e-6
    atol: float = 1e-7
    #: inputs (by position) that are not differentiated (indices, masks) even if float
    no_grad_inputs: tuple[int, ...] = ()
    kwargs: dict = field(default_factory=dict)

    def __repr__(self) -> str:  # pytest ids
        return self.name


def ids(cases: Sequence[Case]) -> list[str]:
    return [c.name for c in cases]


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, (tuple, list)):
        out = []
        for v in value:
            out.extend(_leaves(v))
        return out
    return [value]


def _np_of(x: Any) -> Any:
    if isinstance(x, ag.Tensor):
        return x.data
    if torch is not None and isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return x


def _dtype_name(x: Any) -> str:
    if isinstance(x, ag.Tensor):
        return str(x.dtype)
    if torch is not None and isinstance(x, torch.Tensor):
        return str(x.dtype).replace("torch.", "")
    return type(x).__name__


def _as_inputs(lib: str, arrays: Sequence[Any], grad: bool, skip: tuple[int, ...]) -> list:
    out = []
    for i, a in enumerate(arrays):
        if not isinstance(a, np.ndarray):
            out.append(a)  # Python numbers, shapes, lists pass through unchanged
            continue
        want = grad and a.dtype.kind == "f" and i not in skip
        if lib == "ag":
            out.append(ag.Tensor(a.copy(), requires_grad=want))
        else:
            out.append(torch.tensor(a.copy(), requires_grad=want))
    return out


def check(case: Case) -> None:
    """Run one case on both libraries and compare values, dtypes and gradients."""
    ours_in = _as_inputs("ag", case.inputs, case.grad, case.no_grad_inputs)
    theirs_in = _as_inputs("torch", case.inputs, case.grad, case.no_grad_inputs)
    ours = case.fn(ag, *ours_in, **case.kwargs)
    theirs = case.fn(torch, *theirs_in, **case.kwargs)
    lo, lt = _leaves(ours), _leaves(theirs)
    assert len(lo) == len(lt), f"{case.name}: {len(lo)} outputs, torch gives {len(lt)}"
    for i, (o, t) in enumerate(zip(lo, lt)):
        where = f"{case.name} output {i}"
        if torch is not None and isinstance(t, torch.Tensor):
            assert isinstance(o, ag.Tensor), f"{where}: got {type(o).__name__}, torch a Tensor"
            assert o.shape == tuple(t.shape), f"{where}: shape {o.shape} != torch {tuple(t.shape)}"
            assert _dtype_name(o) == _dtype_name(t), (
                f"{where}: dtype {_dtype_name(o)} != torch {_dtype_name(t)}")
            np.testing.assert_allclose(_np_of(o), _np_of(t), rtol=case.rtol, atol=case.atol,
                                       err_msg=where, equal_nan=True)
        else:
            assert o == t or (isinstance(o, float) and np.isclose(o, t, rtol=case.rtol)), (
                f"{where}: {o!r} != torch {t!r}")
    if not case.grad:
        return
    # one upstream gradient per differentiable output, the same on both sides
    rng = np.random.default_rng(0)
    pairs = [(o, t) for o, t in zip(lo, lt)
             if isinstance(o, ag.Tensor) and o.requires_grad and t.requires_grad]
    if not pairs:
        return
    total_o, total_t = None, None
    for o, t in pairs:
        g = rng.standard_normal(o.shape).astype(o.dtype)
        so = (o * ag.Tensor(g)).sum()
        st = (t * torch.tensor(g)).sum()
        total_o = so if total_o is None else total_o + so
        total_t = st if total_t is None else total_t + st
    total_o.backward()
    total_t.backward()
    for i, (x, tx) in enumerate(zip(ours_in, theirs_in)):
        if not isinstance(x, ag.Tensor) or not x.requires_grad:
            continue
        want = np.zeros(x.shape) if tx.grad is None else tx.grad.numpy()
        got = np.zeros(x.shape) if x.grad is None else x.grad.data
        np.testing.assert_allclose(got, want, rtol=case.rtol * 10, atol=case.atol * 10,
                                   err_msg=f"{case.name}: gradient of input {i}",
                                   equal_nan=True)


def both_raise(fn: Callable[[Any], Any]) -> None:
    """``fn(torch)`` raises; ``fn(autograd)`` raises an error of the same builtin kind
    (IndexError, RuntimeError, TypeError, ValueError, ...) with a message."""
    with pytest.raises(Exception) as theirs:  # noqa: B017 - the kind is taken from torch
        fn(torch)
    kind = next(k for k in type(theirs.value).__mro__ if k.__module__ == "builtins")
    with pytest.raises(kind) as ours:
        fn(ag)
    assert str(ours.value), "the error has no message"
