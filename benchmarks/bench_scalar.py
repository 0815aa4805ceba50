"""The scalar engine: one training step of the two-moons demo, per-node cost, a 1M-node chain.

Compared in the same process with micrograd (when importable), both as it runs by default
and with Python's garbage collector off (micrograd's per-node closures make reference
cycles; collecting them is most of its time). numbagrad never switches the collector off.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable

import numpy as np

import autograd
from autograd import Value
from autograd.data import moons
from nn.scalar import MLP

from ._common import header, row


def _step(model, V, X: np.ndarray, y: np.ndarray, lr: float = 0.05):
    """Forward over all points, hinge loss + L2, backward, SGD update (micrograd's demo step)."""
    inputs = [[V(float(a)) for a in x] for x in X]
    scores = [model(x) for x in inputs]
    losses = [(1 + -float(yi) * s).relu() for yi, s in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg = 1e-4 * sum(p * p for p in model.parameters())
    loss = data_loss + reg
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _count_nodes(root: Value) -> int:
    return len(root.topo())


def main(repeats: int = 5) -> dict[str, float]:
    header("scalar engine (Value): one 2-16-16-1 training step on 100 two-moons points")
    X, y01 = moons(100, noise=0.1, seed=0)
    y = y01 * 2.0 - 1.0
    autograd.manual_seed(0)
    ours = MLP(2, [16, 16, 1])
    _step(ours, Value, X, y)  # warm-up
    t_ours = _median_time(lambda: _step(ours, Value, X, y), repeats)
    nodes = _count_nodes(_step(ours, Value, X, y))
    results = {"numbagrad_step_s": t_ours, "nodes": nodes}
    row("numbagrad step", f"{t_ours * 1e3:8.1f} ms", f"{nodes} nodes, "
        f"{t_ours / nodes * 1e6:.2f} us/node")

    try:
        from micrograd.engine import Value as MValue
        from micrograd.nn import MLP as MMLP
    except ImportError:
        row("micrograd", "not importable", "pip install micrograd to compare")
    else:
        theirs = MMLP(2, [16, 16, 1])
        _step(theirs, MValue, X, y)
        t_mg = _median_time(lambda: _step(theirs, MValue, X, y), max(3, repeats // 2))
        gc.disable()
        try:
            t_mg_nogc = _median_time(lambda: _step(theirs, MValue, X, y), repeats)
        finally:
            gc.enable()
        results.update(micrograd_s=t_mg, micrograd_nogc_s=t_mg_nogc)
        r1, r2 = t_mg / t_ours, t_mg_nogc / t_ours
        row("micrograd (default)", f"{t_mg * 1e3:8.1f} ms",
            f"numbagrad {r1:.1f}x faster  [target >= 10x: {'PASS' if r1 >= 10 else 'MISS'}]")
        row("micrograd (gc off)", f"{t_mg_nogc * 1e3:8.1f} ms",
            f"numbagrad {r2:.1f}x faster  [target >= 3x: {'PASS' if r2 >= 3 else 'MISS'}]")

    x = Value(1.0)
    out = x
    for _ in range(1_000_000):
        out = out + 1e-6
    t0 = time.perf_counter()
    out.backward()
    t_chain = time.perf_counter() - t0
    results["chain_backward_s"] = t_chain
    row("1,000,000-node chain", f"{t_chain * 1e3:8.1f} ms", "backward (iterative, no recursion)")
    return results


if __name__ == "__main__":
    main()
