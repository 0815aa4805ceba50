"""autograd.compile: one Adam training step (zero_grad, forward, cross-entropy, backward,
step), eager numbagrad vs the compiled replay (``fuse=False``) and the fused step (the
default: one numba call for the whole step when the record is a plain dense network, its
large products through the packed matmul inside that call; otherwise it is the replay,
marked so), beside torch eager (when
importable) and a hand-written numpy step with the same Adam update (the no-framework
floor). The issue's targets are checked on the best of the two compiled columns.

All columns run in this one process, interleaved round by round (``interleaved_rounds``),
so the ratios compare numbers measured side by side; other processes on the machine still
make every column noisier. float32; every column on one thread (numba, BLAS, torch).

Run: ``python -m benchmarks bench_compile`` (or ``python -m benchmarks.bench_compile``).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable

import numpy as np

import autograd
import nn
import optim
from autograd import Tensor

from ._common import ForeignLoad, header, interleaved_rounds, machine_header, machine_line, med
from .bench_mlp import _data as _mlp_data
from .bench_mlp import _init, _training_step, torch_mlp

# (name, layer sizes, batch, hidden activation)
CONFIGS = [
    ("2-16-16-2 n100", [2, 16, 16, 2], 100, "tanh"),
    ("digits 64-64-10 b32", [64, 64, 10], 32, "relu"),
    ("784-256-10 b128", [784, 256, 10], 128, "relu"),
]
LR = 1e-3
BETAS = (0.9, 0.999)
EPS = 1e-8


def _data(sizes: list[int], batch: int) -> tuple[np.ndarray, np.ndarray]:
    return _mlp_data(sizes, batch, "xent")


def numbagrad_step(sizes: list[int], batch: int, act: str, compiled: bool, fuse: bool = False
                   ) -> Callable[[], object]:
    autograd.manual_seed(0)
    model = nn.MLP(sizes[0], sizes[1:], activation=act)
    for layer, (w, b) in zip(model, _init(sizes)):
        layer.weight.data[...] = w
        layer.bias.data[...] = b
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    xa, ya = _data(sizes, batch)
    x, y = Tensor(xa), Tensor(ya)

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    f = autograd.compile(step, fuse=fuse) if compiled else step
    with warnings.catch_warnings():
        warnings.simplefilter("error", autograd.CompileWarning)  # a fallback would be eager
        for _ in range(3):
            f(x, y)
    run = lambda: f(x, y)  # noqa: E731
    run.fused = getattr(f, "fused", False)  # type: ignore[attr-defined]
    return run


def torch_step(torch, sizes: list[int], batch: int, act: str) -> Callable[[], object]:
    model = torch_mlp(torch, sizes, act)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    xa, ya = _data(sizes, batch)
    return _training_step(model, torch.nn.CrossEntropyLoss(), opt, torch.from_numpy(xa),
                          torch.from_numpy(ya))


def numpy_step(sizes: list[int], batch: int, act: str) -> Callable[[], object]:
    """The same MLP and Adam by hand in numpy: the floor a framework's overhead sits on."""
    params = [a.copy() for wb in _init(sizes) for a in wb]
    ms = [np.zeros_like(p) for p in params]
    vs = [np.zeros_like(p) for p in params]
    x, y = _data(sizes, batch)
    n = x.shape[0]
    rows = np.arange(n)
    t = [0]
    b1, b2 = BETAS

    def step():
        hs = [x]
        h = x
        layers = len(params) // 2
        for i in range(layers):
            h = h @ params[2 * i].T + params[2 * i + 1]
            if i < layers - 1:
                h = np.maximum(h, 0) if act == "relu" else np.tanh(h)
            hs.append(h)
        z = h - h.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        value = np.mean(np.log(s[:, 0]) - z[rows, y])
        g = e / s
        g[rows, y] -= 1
        g /= n
        grads = [None] * len(params)
        for i in range(layers - 1, -1, -1):
            a = hs[i]
            grads[2 * i] = g.T @ a
            grads[2 * i + 1] = g.sum(axis=0)
            if i > 0:
                g = g @ params[2 * i]
                g = g * (a > 0) if act == "relu" else g * (1 - a * a)
        t[0] += 1
        bc1, bc2 = 1 - b1 ** t[0], 1 - b2 ** t[0]
        for p, gr, m, v in zip(params, grads, ms, vs):
            m *= b1
            m += (1 - b1) * gr
            v *= b2
            v += (1 - b2) * (gr * gr)
            p -= (LR / bc1) * m / (np.sqrt(v) / np.sqrt(bc2) + EPS)
        return value

    return step


# The targets for the compiled step (issue 15): config -> [(column, at most)]
TARGETS = {
    "2-16-16-2 n100": [("torch", 0.2), ("numpy", 1.0)],
    "digits 64-64-10 b32": [("torch", 0.3)],
    "784-256-10 b128": [("torch", 0.6), ("eager", 1.0)],
}


def _best(r: dict[str, float], fused: bool) -> str:
    """The faster of the two compiled columns (the one the targets apply to); "compiled"
    when the step did not fuse (the "fused" column then times the same replay)."""
    return "fused" if fused and r["fused"] < r["compiled"] else "compiled"


def _targets(name: str, r: dict[str, float], fused: bool) -> str:
    best = _best(r, fused)
    cells = []
    for col, limit in TARGETS.get(name, []):
        if col in r:
            ratio = r[best] / r[col]
            cells.append(f"/{col} {ratio:.2f} <= {limit} {'ok' if ratio <= limit else 'MISS'}")
    return f"{best}: " + "; ".join(cells)


def _table(with_torch: bool, threads: int = 1) -> dict[str, dict[str, float]]:
    """Every column with ``threads`` threads (numba, BLAS and torch alike): the median and
    the minimum of the per-round times, and the issue's targets checked on both."""
    from threadpoolctl import threadpool_limits

    autograd.set_num_threads(threads)
    threadpool_limits(limits=threads, user_api="blas")
    torch = None
    if with_torch:
        import torch

        torch.set_num_threads(threads)
    results: dict[str, dict[str, float]] = {}
    cols = "eager compiled fused" + (" torch" if with_torch else "") + " numpy"
    print(f"\n  {'config':<22}{'':>4}" + "".join(f"{c:>11}" for c in cols.split())
          + "   compiled/eager  /torch  /numpy   fused/torch  /numpy   other load")
    for name, sizes, batch, act in CONFIGS:
        fused = numbagrad_step(sizes, batch, act, True, fuse=True)
        cands = {
            "eager": (numbagrad_step(sizes, batch, act, False), None),
            "compiled": (numbagrad_step(sizes, batch, act, True), None),
            "fused": (fused, None),
        }
        if torch is not None:
            cands["torch"] = (torch_step(torch, sizes, batch, act), None)
        cands["numpy"] = (numpy_step(sizes, batch, act), None)
        load = ForeignLoad()
        load.start()
        times = interleaved_rounds(cands, budget=2.0 if batch < 128 else 4.0, rounds=41)
        other = load.stop()
        load_s = f"{other:.0%}" if other is not None else "?"
        for stat, f in (("med", med), ("min", np.min)):
            r = {k: float(f(v)) for k, v in times.items()}
            results[f"{name} {stat}"] = r
            cells = "".join(f"{r[c] * 1e6:>9.0f}us" for c in cols.split())
            ratios = f"   {r['compiled'] / r['eager']:>14.2f}"
            ratios += f"  {r['compiled'] / r['torch']:>6.2f}" if "torch" in r else "       -"
            ratios += f"  {r['compiled'] / r['numpy']:>6.2f}"
            ratios += f"  {r['fused'] / r['torch']:>11.2f}" if "torch" in r else "            -"
            ratios += f"  {r['fused'] / r['numpy']:>6.2f}"
            print(f"  {name if stat == 'med' else '':<22}{stat:>4}{cells}{ratios}"
                  f"   {load_s if stat == 'med' else '':>9}")
        if not fused.fused:  # type: ignore[attr-defined]
            print(f"  {'':<26} (not fused: a step outside the fused kernel's pattern; "
                  "\"fused\" times the replay)")
        for stat in ("med", "min"):
            met = _targets(name, results[f"{name} {stat}"], fused.fused)  # type: ignore[attr-defined]
            print(f"  {'':<26} targets ({stat}): {met}")
    return results


def main() -> None:
    machine_header()
    header("autograd.compile: Adam training step, float32, eager vs compiled replay vs "
           "fused step (median and min of 41 interleaved rounds)")
    print(f"  {machine_line()}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  1-min load average at start: {load:.2f} on {os.cpu_count()} cores (other "
          "processes competing for the cores make every column slower and noisier)")
    try:
        import torch  # noqa: F401
        with_torch = True
    except ImportError:
        with_torch = False
    print("  every column on 1 thread (numba, BLAS, torch): on this shared 2-core machine "
          "2-thread torch\n  steps were 5-10x slower and erratic while other processes ran")
    _with_threads_restored(lambda: _table(with_torch, threads=1))


def _with_threads_restored(run: Callable[[], object]) -> object:
    """``run()``, then numba's, BLAS's and torch's thread counts as they were (the suites
    after this one in ``make bench`` measure with the machine's threads)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    numba_threads = autograd.get_num_threads()
    blas = max([p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"],
               default=None)
    torch_threads = None
    if "torch" in sys.modules:
        torch_threads = sys.modules["torch"].get_num_threads()
    try:
        return run()
    finally:
        autograd.set_num_threads(numba_threads)
        if blas is not None:
            threadpool_limits(limits=blas, user_api="blas")
        if torch_threads is not None:
            sys.modules["torch"].set_num_threads(torch_threads)


if __name__ == "__main__":
    main()
