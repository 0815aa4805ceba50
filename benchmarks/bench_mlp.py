"""One MLP training step (forward + backward + SGD update), numbagrad vs torch vs numpy.

Columns: numbagrad on the numba backend, numbagrad on the numpy backend, the same numba
step through ``autograd.compile`` ("compiled": the fused step, one numba call), torch eager
(CPU, when importable) and a hand-written numpy forward/backward of the same MLP (the
no-framework floor), each column in its own fresh process. Each cell is the median of many
steps after a warm-up; ratios compare numbers measured in this same run. Then the time to
train the digits MLP to 97%.

Run: ``python -m benchmarks bench_mlp`` (or ``python -m benchmarks.bench_mlp``).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable

import numpy as np

import autograd
import nn
import optim
from autograd import Tensor
from autograd import data as D

from ._common import ForeignLoad, header, machine_header, machine_line

# (name, layer sizes, batch, activation, loss)
CONFIGS = [
    ("784-256-10 b128", [784, 256, 10], 128, "relu", "xent"),
    ("784-512-512-10 b256", [784, 512, 512, 10], 256, "relu", "xent"),
    ("2-16-16-1 n100", [2, 16, 16, 1], 100, "tanh", "mse"),
]
LR = 0.01


def _median_time(step: Callable[[], object], budget: float = 1.0, warmup: int = 5,
                 min_calls: int = 20) -> float:
    """Median seconds per call after a warm-up, timing short bursts for about ``budget`` s."""
    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    step()
    burst = max(1, min(50, int(0.002 / max(time.perf_counter() - t0, 1e-7))))
    times: list[float] = []
    start = time.perf_counter()
    while len(times) * burst < min_calls or time.perf_counter() - start < budget:
        t0 = time.perf_counter()
        for _ in range(burst):
            step()
        times.append((time.perf_counter() - t0) / burst)
    return statistics.median(times)


def _data(sizes: list[int], batch: int, loss: str) -> tuple[np.ndarray, np.ndarray]:
    r = np.random.default_rng(0)
    x = r.standard_normal((batch, sizes[0])).astype(np.float32)
    if loss == "xent":
        y = r.integers(0, sizes[-1], batch).astype(np.int64)
    else:
        y = r.standard_normal((batch, sizes[-1])).astype(np.float32)
    return x, y


def _init(sizes: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    r = np.random.default_rng(1)
    out = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(n_in)
        out.append((r.uniform(-bound, bound, (n_out, n_in)).astype(np.float32),
                    r.uniform(-bound, bound, n_out).astype(np.float32)))
    return out


def _training_step(model, loss_fn, opt, x, y) -> Callable[[], object]:
    """One zero_grad / forward / loss / backward / step: the same code for numbagrad and
    torch, since numbagrad follows PyTorch's names."""

    def step():
        opt.zero_grad()
        out = loss_fn(model(x), y)
        out.backward()
        opt.step()
        return out

    return step


def numbagrad_step(sizes, batch, act, loss, backend: str, compiled: bool = False
                   ) -> Callable[[], object]:
    """The step as a user writes it; ``compiled``: the same function of (x, y) through
    ``autograd.compile`` (a CompileWarning, i.e. an eager fallback, is an error here)."""
    autograd.set_backend(backend)
    autograd.manual_seed(0)
    model = nn.MLP(sizes[0], sizes[1:], activation=act)
    for layer, (w, b) in zip(model, _init(sizes)):
        layer.weight.data[...] = w
        layer.bias.data[...] = b
    loss_fn = nn.CrossEntropyLoss() if loss == "xent" else nn.MSELoss()
    opt = optim.SGD(model.parameters(), lr=LR)
    xa, ya = _data(sizes, batch, loss)
    x, y = Tensor(xa), Tensor(ya)
    if not compiled:
        return _training_step(model, loss_fn, opt, x, y)

    def step(x, y):
        opt.zero_grad()
        out = loss_fn(model(x), y)
        out.backward()
        opt.step()
        return out

    f = autograd.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", autograd.CompileWarning)
        f(x, y)
        f(x, y)
    return lambda: f(x, y)


def torch_mlp(torch, sizes: list[int], act: str):
    """The benchmarks' MLP in torch, with the weights ``_init`` gives numbagrad's."""
    layers = []
    for i, (w, b) in enumerate(_init(sizes)):
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU() if act == "relu" else torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def torch_step(torch, sizes, batch, act, loss) -> Callable[[], object]:
    model = torch_mlp(torch, sizes, act)
    loss_fn = torch.nn.CrossEntropyLoss() if loss == "xent" else torch.nn.MSELoss()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xa, ya = _data(sizes, batch, loss)
    x, y = torch.from_numpy(xa), torch.from_numpy(ya)

    return _training_step(model, loss_fn, opt, x, y)


def numpy_step(sizes, batch, act, loss) -> Callable[[], object]:
    """The same MLP by hand in numpy: what a framework's overhead is measured against."""
    params = [(w.copy(), b.copy()) for w, b in _init(sizes)]
    x, y = _data(sizes, batch, loss)
    n = x.shape[0]

    def step():
        hs = [x]
        h = x
        for i, (w, b) in enumerate(params):
            h = h @ w.T + b
            if i < len(params) - 1:
                h = np.maximum(h, 0) if act == "relu" else np.tanh(h)
            hs.append(h)
        if loss == "xent":
            z = h - h.max(axis=1, keepdims=True)
            e = np.exp(z)
            s = e.sum(axis=1, keepdims=True)
            value = np.mean(np.log(s[:, 0]) - z[np.arange(n), y])
            g = e / s
            g[np.arange(n), y] -= 1
            g /= n
        else:
            d = h - y
            value = np.mean(d * d)
            g = d * (2.0 / d.size)
        for i in range(len(params) - 1, -1, -1):
            w, b = params[i]
            a = hs[i]
            gw = g.T @ a
            gb = g.sum(axis=0)
            if i > 0:
                g = g @ w
                g = g * (a > 0) if act == "relu" else g * (1 - a * a)
            w -= LR * gw
            b -= LR * gb
        return value

    return step


def digits_time_to_97(max_epochs: int = 60) -> tuple[float, int, float]:
    """Seconds for the 64-64-10 MLP with Adam to reach >= 97% test accuracy on digits."""
    autograd.set_backend("numba")
    autograd.manual_seed(0)
    X, y = D.load_digits()
    Xtr, Xte, ytr, yte = D.train_test_split(X, y, test_size=0.2, seed=0)
    model = nn.MLP(64, [64, 10])
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    train = D.DataLoader(D.TensorDataset(Xtr, ytr), 32, shuffle=True, seed=0)
    test = D.DataLoader(D.TensorDataset(Xte, yte), 512)
    t0 = time.perf_counter()
    acc = 0.0
    for epoch in range(1, max_epochs + 1):
        nn.fit(model, loss_fn, opt, train, epochs=1, metrics=(), progress=False)
        acc = nn.evaluate(model, loss_fn, test)["accuracy"]
        if acc >= 0.97:
            return time.perf_counter() - t0, epoch, acc
    return time.perf_counter() - t0, max_epochs, acc


COLUMNS = ("numba", "numpy", "compiled", "torch", "floor")
ROUNDS = 3  # fresh processes per column; the table shows the median of their medians


def _column(column: str, threads: int) -> dict[str, float]:
    """Median step time of every config for one column, in this process (see _table)."""
    from threadpoolctl import threadpool_limits

    if column in ("numpy", "floor"):  # the numba backend holds BLAS to 1 thread itself
        threadpool_limits(limits=threads, user_api="blas")
    results = {}
    if column == "torch":
        import torch

        torch.set_num_threads(threads)
    else:
        autograd.set_num_threads(min(threads, autograd.kernels._max_threads()))
    for name, sizes, batch, act, loss in CONFIGS:
        if column == "torch":
            step = torch_step(torch, sizes, batch, act, loss)
        elif column == "floor":
            step = numpy_step(sizes, batch, act, loss)
        elif column == "compiled":
            step = numbagrad_step(sizes, batch, act, loss, "numba", compiled=True)
        else:
            step = numbagrad_step(sizes, batch, act, loss, column)
        results[name] = _median_time(step)
    return results


def _table(threads: int, with_torch: bool) -> dict[str, dict[str, float]]:
    """Time every config, each column in fresh processes limited to ``threads`` threads.

    Separate processes, because OpenMP thread pools of two libraries in one process (numba's
    and torch's) spin while waiting and stall each other: measured here, ~12 ms per call.
    """
    cols = [c for c in COLUMNS if c != "torch" or with_torch]
    runs: dict[str, list[dict[str, float]]] = {c: [] for c in cols}
    load = ForeignLoad().start()
    for _ in range(ROUNDS):  # rounds alternate the columns, so drift hits all of them
        for col in cols:
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.bench_mlp", "--column", col, "--threads",
                 str(threads)], capture_output=True, text=True, check=True,
                cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            runs[col].append(json.loads(out.stdout.strip().splitlines()[-1]))
    per_col = {c: {name: statistics.median(r[name] for r in runs[c]) for name, *_ in CONFIGS}
               for c in cols}
    labels = {"numba": "numba", "numpy": "numpy backend", "compiled": "numba compiled",
              "torch": "torch", "floor": "numpy floor"}
    ext = load.stop()
    print(f"\n  {threads} thread(s) each (numba, BLAS{', torch' if with_torch else ''}); other "
          f"processes used {'n/a' if ext is None else f'{ext:.0%}'} of the machine meanwhile")
    print(f"  {'config':<22}" + "".join(f"{labels[c]:>15}" for c in cols))
    results: dict[str, dict[str, float]] = {}
    for name, *_ in CONFIGS:
        r = results[name] = {c: per_col[c][name] for c in cols}
        print(f"  {name:<22}" + "".join(f"{f'{r[c] * 1e6:.0f} us':>15}" for c in cols))
    return results


def _verdicts(results: dict[str, dict[str, float]]) -> None:
    big, wide, tiny = (results[c[0]] for c in CONFIGS)

    def verdict(label: str, ratio: float | None, limit: float, better: str = "<=") -> None:
        if ratio is None:
            print(f"    {label:<52} {'n/a':>8}   (torch not importable)")
            return
        ok = ratio <= limit if better == "<=" else ratio >= limit
        print(f"    {label:<52} {ratio:>7.2f}x   {'PASS' if ok else 'MISS'} "
              f"(target {better} {limit}x)")

    t = big.get("torch")
    verdict("784-256-10: numba step / torch step", big["numba"] / t if t else None, 0.7)
    verdict("784-256-10: compiled numba step / torch step",
            big["compiled"] / t if t else None, 0.7)
    verdict("784-256-10: numba step / numpy floor", big["numba"] / big["floor"], 1.3)
    verdict("784-256-10: numpy-backend step / numba step", big["numpy"] / big["numba"], 2.0,
            ">=")
    verdict("784-512-512-10: numba step / numpy-backend step", wide["numba"] / wide["numpy"],
            1.0)
    t = tiny.get("torch")
    verdict("2-16-16-1: numba step / torch step", tiny["numba"] / t if t else None, 0.5)
    verdict("2-16-16-1: compiled numba step / torch step",
            tiny["compiled"] / t if t else None, 0.5)


def _headline(two: dict[str, dict[str, float]], one: dict[str, dict[str, float]]) -> None:
    """The ratios the README and the issue quote, in one place."""
    wide, big = CONFIGS[1][0], CONFIGS[0][0]
    r = one[wide]["numba"] / one[wide]["numpy"]
    print("\n  headline:")
    print(f"    {wide}, 1 thread: numba backend {one[wide]['numba'] * 1e3:.2f} ms, numpy "
          f"backend {one[wide]['numpy'] * 1e3:.2f} ms: numba/numpy {r:.2f}x   "
          f"{'PASS' if r <= 1.0 else 'MISS'} (target <= 1.0x)")
    for label, res in (("2 threads", two), ("1 thread", one)):
        b = res[big]
        t = f"{b['numba'] / b['torch']:.2f}x" if "torch" in b else "n/a (torch not importable)"
        c = f"{b['compiled'] / b['torch']:.2f}x" if "torch" in b else "n/a"
        print(f"    {big}, {label}: numba {b['numba'] * 1e6:.0f} us; numba/torch {t}; "
              f"numba/numpy floor {b['numba'] / b['floor']:.2f}x; compiled "
              f"{b['compiled'] * 1e6:.0f} us, compiled/torch {c}")


def main() -> None:
    machine_header()  # once per process (python -m benchmarks prints it first)
    header("MLP training step (forward + backward + SGD), float32, median")
    print(f"  {machine_line()}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  1-min load average at start: {load:.2f} on {os.cpu_count()} cores (other "
          "processes competing for the cores make every column slower and noisier)")
    try:
        import torch  # noqa: F401
        with_torch = True
    except ImportError:
        with_torch = False
    main_results = _table(2, with_torch)
    print("\n  targets (the 2-thread table; ratios within this run):")
    _verdicts(main_results)
    one = _table(1, with_torch)
    print("\n  the same ratios with 1 thread each:")
    _verdicts(one)
    _headline(main_results, one)

    header("digits MLP 64-64-10, Adam lr 1e-2, batch 32: time to >= 97% test accuracy")
    secs, epochs, acc = digits_time_to_97()
    status = "PASS" if acc >= 0.97 and secs < 30 else "MISS"
    print(f"    {secs:.2f} s ({epochs} epochs, test accuracy {acc:.4f})   {status} "
          "(target < 30 s)")


if __name__ == "__main__":
    if "--column" in sys.argv:
        args = sys.argv[1:]
        col = args[args.index("--column") + 1]
        n_threads = int(args[args.index("--threads") + 1])
        print(json.dumps(_column(col, n_threads)))
    else:
        main()
