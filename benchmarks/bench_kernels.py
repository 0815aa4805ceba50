"""Kernel benchmarks: the packed matmul kernel, the dispatching backend and numpy's BLAS;
the fused element-wise kernels against numpy's ufunc chains.

matmul: for each shape and layout, at 1 and 2 threads, three candidates run interleaved
round by round in this process (so a burst of load from elsewhere hits them alike):

* kernel  — ``matmul2d``, the packed numba kernel, forced (it still picks serial or
  parallel by size, and backs off to serial while the other core is busy);
* backend — ``numba_backend.matmul`` as numbagrad runs it: the kernel where the dispatch
  says it wins, else numpy's BLAS held to one thread (the numba backend holds BLAS to 1
  thread while it is active, so the two thread pools never spin against each other);
* BLAS    — ``np.matmul`` with OpenBLAS at the row's thread count.

Every figure is the median over rounds of one burst's mean time (round r runs the
candidates in the r-th of their 6 orders); "spread" is max / min - 1 over the rounds, so a
stalled round shows. "%peak" is GFLOP/s over the FMA peak measured in the header times the
row's threads. Target: backend >= 0.95 x max(kernel, BLAS) everywhere (a miss is marked).
"ext" is the CPU other processes used during the row: this machine is shared, and a row
that ran beside someone else's work (2-thread BLAS has no back-off and stalls on every call
then) is reported apart in the summary. Between a 2-thread BLAS candidate and a numba one
the next candidate waits until the other's thread pool sleeps (see ``_Pools``).
torch (when importable) runs in its own subprocess (two OpenMP runtimes spinning in one
process on 2 cores stalled each other by 10-20 ms per call); "np-fast" (numpy in a
subprocess without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE) only appears when one is set.

Run: python -m benchmarks bench_kernels   (about two minutes)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

from ._common import (
    ForeignLoad,
    busy_wait,
    fma_peak_gflops,
    interleaved_rounds,
    machine_header,
    med,
    spread,
)

# (M, K, N, layout, what it is). Layouts: "C" a @ b, both C-contiguous; "Bt" a @ W.T (W
# C-contiguous (N, K): nn.Linear's forward x @ W.T); "At" G.T @ b (G C-contiguous (K, M):
# Linear's weight gradient gz.T @ x). A Linear(in, out) on a batch B runs forward
# B x in x out (Bt), dW = out x B x in (At) and dX = B x out x in (C).
MATMUL_CASES = [
    (128, 784, 256, "C", ""),
    (128, 784, 256, "Bt", "784-256 layer, b128: forward"),
    (256, 128, 784, "At", "  its dW"),
    (128, 256, 784, "C", "  its dX"),
    (256, 784, 512, "C", ""),
    (256, 784, 512, "Bt", "784-512 layer, b256: forward"),
    (512, 256, 784, "At", "  its dW"),
    (256, 512, 512, "Bt", "512-512 layer, b256: forward"),
    (512, 256, 512, "At", "  its dW"),
    (512, 512, 512, "C", ""),
    (256, 256, 256, "C", ""),
    (1024, 1024, 1024, "C", ""),
    (128, 256, 10, "Bt", "256-10 layer, b128: forward"),
    (10, 128, 256, "At", "  its dW"),
    (128, 10, 256, "C", "  its dX"),
    (128, 128, 128, "C", "small"),
    (64, 64, 64, "C", "small"),
    (32, 256, 256, "C", "small"),
]
HEADLINE = [(128, 784, 256, "C"), (256, 784, 512, "C"), (512, 512, 512, "C")]
DTYPES = ("float32", "float64")
THREADS = [1, 2]
ROUNDS = 6  # every order of the three matmul candidates once
BACKEND_TARGET = 0.95
LOADED = 0.10  # other processes' share of the machine above which a row counts as loaded


def _key(dt: str, m: int, k: int, n: int, layout: str) -> str:
    return f"{dt} {m}x{k}x{n} {layout}"


def _operands(m: int, k: int, n: int, layout: str, dt: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    if layout == "At":
        a = rng.standard_normal((k, m)).astype(dt).T
    else:
        a = rng.standard_normal((m, k)).astype(dt)
    if layout == "Bt":
        b = rng.standard_normal((n, k)).astype(dt).T
    else:
        b = rng.standard_normal((k, n)).astype(dt)
    return a, b


class _Blas:
    """Sets OpenBLAS's thread count directly (cheap: no library scan per call)."""

    def __init__(self) -> None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            self.libs = []
        else:
            self.libs = ThreadpoolController().select(user_api="blas").lib_controllers
        self.original = [lib.get_num_threads() for lib in self.libs]

    def set(self, n: int) -> None:
        for lib in self.libs:
            lib.set_num_threads(n)

    def restore(self) -> None:
        for lib, n in zip(self.libs, self.original):
            lib.set_num_threads(n)


class _Pools:
    """Waits between candidates that use different spinning thread pools.

    After a call, idle worker threads spin before they sleep: OpenBLAS's for 2^28 TSC ticks
    (its THREAD_TIMEOUT; measured here from the threads' CPU time: ~0.11 s), libgomp's
    (numba's omp layer) for 300,000 pause loops (a few ms). A numba parallel region started
    while OpenBLAS's second thread still spins shares the 2 cores with it and stalls, and
    two stalls in a row make the kernels back off to serial for 0.25-4 s: alternating
    bursts of the parallel kernel and 2-thread BLAS ran both at about half speed. So on a
    switch of pool the next candidate waits (busy, on the main thread) until the other
    pool sleeps. The numba backend itself never meets this: it holds BLAS to one thread.
    """

    WAIT = {"blas": 0.13, "numba": 0.01}

    def __init__(self) -> None:
        self.last: str | None = None

    def enter(self, pool: str | None) -> None:
        if self.last is not None and pool is not None and pool != self.last:
            busy_wait(self.WAIT[self.last])
        if pool is not None:
            self.last = pool


def _path(a: np.ndarray, b: np.ndarray) -> str:
    """What numba_backend.matmul does with this product now: watched, not re-derived.

    matmul2d and its serial driver are looked up as module globals at call time, so
    wrapping them for one call shows whether the backend ran the kernel, and serially.
    """
    from autograd.kernels import matmul as mm
    from autograd.kernels import numba_backend as nb

    seen = []
    saved = {name: getattr(mm, name) for name in ("matmul2d", "_mm_serial") if hasattr(mm, name)}

    def spy(name):
        def call(*args, **kw):
            seen.append(name)
            return saved[name](*args, **kw)
        return call

    try:
        for name in saved:
            setattr(mm, name, spy(name))
        nb.matmul(a, b)
    finally:
        for name, f in saved.items():
            setattr(mm, name, f)
    if "matmul2d" not in seen:
        return "BLAS/1"
    return "kern/ser" if "_mm_serial" in seen else "kern/par"


# ----------------------------------------------------------------------------- subprocesses


def _numpy_matmul_gflops(threads: int) -> dict:
    """numpy @ GFLOP/s for every (dtype, case) at ``threads`` BLAS threads (this process)."""
    blas = _Blas()
    blas.set(threads)
    out = {}
    for dt in DTYPES:
        for m, k, n, layout, _ in MATMUL_CASES:
            a, b = _operands(m, k, n, layout, dt)
            ts = interleaved_rounds({"np": (lambda a=a, b=b: np.matmul(a, b), None)},
                                    budget=0.2)
            out[_key(dt, m, k, n, layout)] = 2 * m * k * n / med(ts["np"]) / 1e9
    return out


def _torch_times(threads: int) -> dict:
    """torch (median s, spread) for every matmul case and element-wise case, here."""
    import torch

    torch.set_num_threads(threads)
    out = {}
    with torch.no_grad():
        for dt in DTYPES:
            for m, k, n, layout, _ in MATMUL_CASES:
                ta, tb = (torch.from_numpy(v) for v in _operands(m, k, n, layout, dt))
                ts = interleaved_rounds(
                    {"t": (lambda ta=ta, tb=tb: torch.matmul(ta, tb), None)}, budget=0.3)
                out[_key(dt, m, k, n, layout)] = (med(ts["t"]), spread(ts["t"]))
        for name, f in _torch_cases(torch).items():
            ts = interleaved_rounds({"t": (f, None)}, budget=0.3)
            out[name] = (med(ts["t"]), spread(ts["t"]))
    return out


def _subprocess_json(code: str, env: dict) -> dict:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True,
                       text=True, timeout=900)
    if r.returncode != 0:
        print(f"# (subprocess failed: {r.stderr.strip().splitlines()[-1:]})")
        return {}
    return json.loads(r.stdout.strip().splitlines()[-1])


def _numpy_fast_in_subprocess(threads: int) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    code = ("import json; from benchmarks.bench_kernels import _numpy_matmul_gflops;"
            f"print(json.dumps(_numpy_matmul_gflops({threads})))")
    return _subprocess_json(code, env)


def _torch_in_subprocess(threads: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    code = ("import json; from benchmarks.bench_kernels import _torch_times;"
            f"print(json.dumps(_torch_times({threads})))")
    return _subprocess_json(code, env)


# ----------------------------------------------------------------------------- matmul


_CANDS = ("kernel", "backend", "BLAS")


def _matmul_result(ts: dict, gflop: float, peak: float, path: str) -> dict:
    g = {name: gflop / med(v) for name, v in ts.items()}
    ratio = g["backend"] / max(g["kernel"], g["BLAS"])
    return dict(g, ratio=ratio, k_blas=g["kernel"] / g["BLAS"], path=path,
                pct={c: g[c] / peak for c in _CANDS}, spread={c: spread(ts[c]) for c in _CANDS})


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _loaded(x: float | None) -> bool:
    return x is not None and x > LOADED


def _matmul_line(dt: str, m: int, k: int, n: int, layout: str, thr: int, r: dict) -> str:
    pct = "/".join(f"{100 * r['pct'][c]:.0f}" for c in _CANDS) + "%"
    spr = "/".join(f"{100 * r['spread'][c]:.0f}" for c in _CANDS) + "%"
    miss = "<" if r["ratio"] < BACKEND_TARGET else " "
    return (f"{'f' + dt[5:]:7} {f'{m}x{k}x{n}':14} {layout:3} {thr:>3} {r['kernel']:7.1f} "
            f"{r['backend']:7.1f} {r['BLAS']:7.1f} {r['k_blas']:6.2f} {r['ratio']:7.2f}{miss} "
            f"{pct:>13} {spr:>14} {r['backoffs']:>2} {_pct(r['ext']):>4}")


def _ukernel_alone() -> None:
    """The micro-kernel by itself, one thread: the tile accumulating over KC k steps of
    packed A strips and one packed B panel that stay in cache (16 strips, as a 128-row
    product), against the FMA peak. What a whole product loses beyond this is packing and
    moving A, B and C through the caches."""
    from numba import njit

    from autograd.kernels import matmul as M

    @njit(cache=False)
    def run(ap, bp, c, kc, mr, nr, strips, reps):
        for _ in range(reps):
            for s in range(strips):
                M._ukernel(ap, s * kc * mr, bp, 0, kc, c, s * mr * nr, nr, True)

    print("\n## micro-kernel alone, 1 thread (packs in cache: 16 A strips x one B panel, "
          "KC k steps per call; best of 7)")
    for dt in DTYPES:
        g = M.tuning.matmul_geometry(dt)
        mr, nr, kc, strips = g.mr, g.nr, g.kc, 16
        ap = M.aligned_empty(strips * kc * mr, dt)
        bp = M.aligned_empty(kc * nr, dt)
        c = M.aligned_empty(strips * mr * nr, dt)
        ap[:], bp[:], c[:] = 0.5, 0.25, 0.0
        run(ap, bp, c, kc, mr, nr, strips, 1)
        reps = max(1, int(2e8 / (2 * mr * nr * kc * strips)))
        args = (ap, bp, c, kc, mr, nr, strips, reps)
        best = min(_elapsed(run, args) for _ in range(7))
        gf = 2 * mr * nr * kc * strips * reps / best / 1e9
        peak = fma_peak_gflops(dt)
        print(f"  {dt:7} tile {mr}x{nr}, KC {kc}: {gf:6.1f} GFLOP/s = {100 * gf / peak:.0f}% "
              f"of the FMA peak ({peak:.1f})")


def _elapsed(fn, args: tuple) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def _matmul_table(maxthr: int, torch_t: dict, fast: dict) -> dict:
    import numba

    from autograd.kernels import numba_backend as nb
    from autograd.kernels import parallel as par
    from autograd.kernels.matmul import matmul2d

    peaks = {dt: fma_peak_gflops(dt) for dt in DTYPES}
    extra = (["np-fast"] if fast else []) + (["torch"] if torch_t else [])
    print("\n## matmul GFLOP/s: kernel (matmul2d, forced) / backend (numba_backend.matmul) / "
          "BLAS (np.matmul)")
    print(f"""\
# medians of {ROUNDS} interleaved rounds; k/BLAS = kernel / BLAS; be/best = backend / max(kernel,
# BLAS), target >= {BACKEND_TARGET} ('<' marks a miss); %peak = GFLOP/s / (FMA peak x threads),
# kernel/backend/BLAS; spread = max/min - 1 over rounds; bo = back-offs to serial during the
# row (the kernels' sign that another process held a core); ext = CPU other processes used
# during the row, % of the machine (over {LOADED:.0%}: the row ran beside someone else's work);
# path = what the backend ran, before>after the row if it changed (BLAS/1: np.matmul, BLAS
# held to 1 thread)""")
    hdr = (f"{'dtype':7} {'M x K x N':14} {'lay':3} {'thr':>3} {'kernel':>7} {'backend':>7} "
           f"{'BLAS':>7} {'k/BLAS':>6} {'be/best':>8} {'%peak k/be/B':>13} "
           f"{'spread k/be/B':>14} {'bo':>2} {'ext':>4}")
    hdr += "".join(f" {c:>7}" for c in extra) + "  path"
    print(hdr)
    blas = _Blas()
    results = {}
    try:
        for thr in THREADS:
            if thr > maxthr:
                continue
            numba.set_num_threads(thr)
            backoffs = par.backoffs()
            pools = _Pools()
            multi = thr > 1

            def numba_setup(pools=pools, multi=multi):
                pools.enter("numba" if multi else None)

            def backend_setup(pools=pools, multi=multi):
                blas.set(1)  # what the numba backend holds BLAS to
                pools.enter("numba" if multi else None)

            def blas_setup(pools=pools, multi=multi, thr=thr):
                blas.set(thr)
                pools.enter("blas" if multi else None)

            for dt in DTYPES:
                for m, k, n, layout, note in MATMUL_CASES:
                    a, b = _operands(m, k, n, layout, dt)
                    fl = 2 * m * k * n / 1e9
                    cands = {
                        "kernel": (lambda a=a, b=b: matmul2d(a, b), numba_setup),
                        "backend": (lambda a=a, b=b: nb.matmul(a, b), backend_setup),
                        "BLAS": (lambda a=a, b=b: np.matmul(a, b), blas_setup),
                    }
                    before, bo = _path(a, b), par.backoffs()
                    load = ForeignLoad().start()
                    ts = interleaved_rounds(cands, budget=0.4, rounds=ROUNDS)
                    ext = load.stop()
                    after = _path(a, b)
                    path = before if after == before else f"{before}>{after}"
                    key = _key(dt, m, k, n, layout)
                    r = results[(key, thr)] = _matmul_result(ts, fl, peaks[dt] * thr, path)
                    r["backoffs"] = par.backoffs() - bo
                    r["ext"] = ext
                    line = _matmul_line(dt, m, k, n, layout, thr, r)
                    if fast:
                        line += f" {fast.get(thr, {}).get(key, float('nan')):7.1f}"
                    if torch_t:
                        line += f" {fl / torch_t.get(thr, {}).get(key, (float('nan'), 0))[0]:7.1f}"
                    print(f"{line}  {r['path']:<8}" + (f"  {note}" if note else ""))
            print(f"# {thr} thread(s): the parallel drivers backed off to serial "
                  f"{par.backoffs() - backoffs} time(s) during these rows")
    finally:
        blas.restore()
        numba.set_num_threads(maxthr)
    return results


# ----------------------------------------------------------------------------- element-wise


def _ew_data() -> dict:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1000, 1000)).astype(np.float32)
    d = dict(x=x, g=rng.standard_normal(x.shape).astype(np.float32),
             bias=rng.standard_normal(1000).astype(np.float32), labels=rng.integers(0, 1000, 1000))
    d["y_sig"] = 1 / (1 + np.exp(-x))
    d["y_tanh"] = np.tanh(x)
    return d


EW_NAMES = ["relu", "relu backward", "sigmoid", "sigmoid backward", "tanh", "tanh backward",
            "gelu", "gelu backward", "bias+relu", "row max", "softmax+xent", "sgd momentum",
            "adam", "relu(x*w+b) f+b", "sigmoid f+b"]


def _elementwise_cases() -> list:
    """(name, numba fn, numpy ufunc-chain fn) on 1e6 float32."""
    from autograd.kernels import numba_backend as nb
    from autograd.kernels import numpy_backend as ref

    d = _ew_data()
    x, g, bias, labels, y_sig, y_tanh = (d[k] for k in ("x", "g", "bias", "labels", "y_sig",
                                                        "y_tanh"))
    w = np.float32(0.7)
    p, m, v = x.copy(), np.zeros_like(x), np.zeros_like(x)

    def np_relu_fused():
        z = x * w + bias
        return np.maximum(z, 0), g * (z > 0)

    def nb_relu_fused():
        z = nb.mul(x, w)
        return nb.bias_act(z, bias, "relu"), nb.relu_backward(z, g)

    def np_sig_fb():
        y = 1 / (1 + np.exp(-x))
        return y, g * y * (1 - y)

    def nb_sig_fb():
        y = nb.sigmoid(x)
        return y, nb.sigmoid_backward(y, g)

    cases = {
        "relu": (lambda: nb.relu(x), lambda: np.maximum(x, 0)),
        "relu backward": (lambda: nb.relu_backward(x, g), lambda: g * (x > 0)),
        "sigmoid": (lambda: nb.sigmoid(x), lambda: 1 / (1 + np.exp(-x))),
        "sigmoid backward": (lambda: nb.sigmoid_backward(y_sig, g),
                             lambda: g * y_sig * (1 - y_sig)),
        "tanh": (lambda: nb.tanh(x), lambda: np.tanh(x)),
        "tanh backward": (lambda: nb.tanh_backward(y_tanh, g),
                          lambda: g * (1 - y_tanh * y_tanh)),
        "gelu": (lambda: nb.gelu(x), lambda: ref.gelu(x)),
        "gelu backward": (lambda: nb.gelu_backward(x, g), lambda: ref.gelu_backward(x, g)),
        "bias+relu": (lambda: nb.bias_act(x, bias, "relu"), lambda: np.maximum(x + bias, 0)),
        "row max": (lambda: nb.max(x, axis=1), lambda: np.max(x, axis=1)),
        "softmax+xent": (lambda: nb.softmax_xent(x, labels),
                         lambda: ref.softmax_xent(x, labels)),
        "sgd momentum": (lambda: nb.sgd_update(p, g, m, 1e-3, 0.9),
                         lambda: ref.sgd_update(p, g, m, 1e-3, 0.9)),
        "adam": (lambda: nb.adam_update(p, g, m, v, None, 1e-3),
                 lambda: ref.adam_update(p, g, m, v, None, 1e-3)),
        "relu(x*w+b) f+b": (nb_relu_fused, np_relu_fused),
        "sigmoid f+b": (nb_sig_fb, np_sig_fb),
    }
    return [(name, *cases[name]) for name in EW_NAMES]


def _torch_cases(torch) -> dict:
    """The same element-wise work in torch (its fused aten backward kernels)."""
    d = _ew_data()
    aten = torch.ops.aten
    tx, tg, tb = (torch.from_numpy(d[k]) for k in ("x", "g", "bias"))
    tys, tyt, tl = (torch.from_numpy(d[k]) for k in ("y_sig", "y_tanh", "labels"))
    tp = tx.clone()
    tp.grad = tg
    sgd = torch.optim.SGD([tp], lr=1e-3, momentum=0.9)
    adam = torch.optim.Adam([tp], lr=1e-3)

    def t_relu_fused():
        z = tx * 0.7 + tb
        return torch.relu(z), aten.threshold_backward(tg, z, 0)

    def t_sig_fb():
        y = torch.sigmoid(tx)
        return y, aten.sigmoid_backward(tg, y)

    return {
        "relu": lambda: torch.relu(tx),
        "relu backward": lambda: aten.threshold_backward(tg, tx, 0),
        "sigmoid": lambda: torch.sigmoid(tx),
        "sigmoid backward": lambda: aten.sigmoid_backward(tg, tys),
        "tanh": lambda: torch.tanh(tx),
        "tanh backward": lambda: aten.tanh_backward(tg, tyt),
        "gelu": lambda: torch.nn.functional.gelu(tx),
        "gelu backward": lambda: aten.gelu_backward(tg, tx),
        "bias+relu": lambda: torch.relu(tx + tb),
        "row max": lambda: tx.amax(dim=1),
        "softmax+xent": lambda: torch.nn.functional.cross_entropy(tx, tl, reduction="none"),
        "sgd momentum": sgd.step,
        "adam": adam.step,
        "relu(x*w+b) f+b": t_relu_fused,
        "sigmoid f+b": t_sig_fb,
    }


def _elementwise_table(maxthr: int, torch_t: dict) -> dict:
    import numba

    print("\n## fused element-wise kernels, 1e6 float32 (ms, median of interleaved rounds); "
          "numpy = ufunc chain")
    print("# (gelu, softmax+xent, sgd, adam: the numpy backend's reference code); spread = "
          "max/min - 1 over rounds;\n# ext = CPU other processes used during the row, % of the "
          "machine")
    hdr = (f"{'kernel':18} {'thr':>3} {'numba':>8} {'numpy':>8} {'np/nb':>7} "
           f"{'spread nb/np':>13} {'ext':>4}")
    if torch_t:
        hdr += f" {'torch':>8} {'torch/nb':>8}"
    print(hdr)
    ratios = {}
    cases = _elementwise_cases()
    try:
        for thr in THREADS:
            if thr > maxthr:
                continue
            numba.set_num_threads(thr)
            for name, fnb, fnp in cases:
                load = ForeignLoad().start()
                ts = interleaved_rounds({"numba": (fnb, None), "numpy": (fnp, None)},
                                        budget=0.25, rounds=ROUNDS)
                ext = load.stop()
                t_nb, t_np = med(ts["numba"]) * 1e3, med(ts["numpy"]) * 1e3
                spr = f"{100 * spread(ts['numba']):.0f}/{100 * spread(ts['numpy']):.0f}%"
                line = (f"{name:18} {thr:>3} {t_nb:8.3f} {t_np:8.3f} {t_np / t_nb:7.2f} "
                        f"{spr:>13} {_pct(ext):>4}")
                t_t = float("nan")
                if torch_t:
                    t_t = torch_t.get(thr, {}).get(name, (float("nan"), 0))[0] * 1e3
                    line += f" {t_t:8.3f} {t_t / t_nb:8.2f}"
                ratios[(name, thr)] = (t_np / t_nb, t_t / t_nb)
                print(line)
    finally:
        numba.set_num_threads(maxthr)
    return ratios


# ----------------------------------------------------------------------------- main


def _summary(results: dict, act: dict, maxthr: int) -> None:
    print("\n## matmul and element-wise targets")
    for m, k, n, layout in HEADLINE:
        for thr in THREADS:
            for dt in DTYPES:
                r = results.get((_key(dt, m, k, n, layout), thr))
                if r is None:
                    continue
                print(f"  {dt:7} {m}x{k}x{n:<5} {thr} thr: kernel {r['kernel']:6.1f}, BLAS "
                      f"{r['BLAS']:6.1f} GFLOP/s (kernel/BLAS {r['k_blas']:.2f}); backend "
                      f"{r['backend']:6.1f} = {100 * r['pct']['backend']:.0f}% of peak, "
                      f"backend/best {r['ratio']:.2f} "
                      f"{'PASS' if r['ratio'] >= BACKEND_TARGET else 'MISS'}")
    for label, rows in (("quiet rows", {k: r for k, r in results.items() if not _loaded(r["ext"])}),
                        ("loaded rows", {k: r for k, r in results.items() if _loaded(r["ext"])})):
        if not rows:
            continue
        misses = [(key, thr, r) for (key, thr), r in rows.items() if r["ratio"] < BACKEND_TARGET]
        print(f"  backend >= {BACKEND_TARGET} x max(kernel, BLAS), {label} (ext "
              f"{'<=' if label == 'quiet rows' else '>'} {LOADED:.0%}): "
              f"{len(rows) - len(misses)} of {len(rows)} pass")
        for key, thr, r in misses:
            print(f"    miss: {key} {thr} thr: {r['ratio']:.2f} (path {r['path']}; kernel "
                  f"{r['kernel']:.1f}, backend {r['backend']:.1f}, BLAS {r['BLAS']:.1f}; "
                  f"ext {_pct(r['ext'])}, {r['backoffs']} back-offs)")
    for name in ("relu(x*w+b) f+b", "sigmoid f+b"):
        r = act.get((name, maxthr))
        if r is not None:
            print(f"  fused {name} numpy/numba >= 3 ({maxthr} thr): "
                  f"{'PASS' if r[0] >= 3 else 'MISS'} ({r[0]:.2f})")


def main() -> dict:
    import importlib.util

    import numba

    machine_header()
    has_torch = importlib.util.find_spec("torch") is not None
    maxthr = numba.config.NUMBA_NUM_THREADS
    print(f"\n# kernel benchmarks: numba threads {maxthr}, torch "
          f"{'yes (own subprocess)' if has_torch else 'not importable'}; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE')} OPENBLAS_L2_SIZE="
          f"{os.environ.get('OPENBLAS_L2_SIZE')}")
    threads = [t for t in THREADS if t <= maxthr]
    torch_t = {t: _torch_in_subprocess(t) for t in threads} if has_torch else {}
    want_fast = any(os.environ.get(v) for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"))
    fast = {t: _numpy_fast_in_subprocess(t) for t in threads} if want_fast else {}
    results = _matmul_table(maxthr, torch_t, fast)
    _ukernel_alone()
    act = _elementwise_table(maxthr, torch_t)
    _summary(results, act, maxthr)
    print(f"# load average at the end {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores; "
          "shared machine)")
    return results


if __name__ == "__main__":
    main()
