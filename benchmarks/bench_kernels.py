"""Kernel benchmarks: numba vs numpy (as configured and with a fast OpenBLAS) vs torch.

Every figure is a median over repeats after a warm-up. numba and numpy run interleaved
round by round in this process (OpenBLAS limited to the row's thread count through
threadpoolctl when it is installed), so a burst of load from elsewhere hits them alike;
"spread" is the numba column's (p90 - p10) / median and "t-sprd" torch's, to show how
noisy the machine was (a median that is a multiple of ~8 ms is a scheduler stall: a
thread of a parallel region waited for a core another process held).
torch runs in its own subprocess (its OpenMP runtime and numba's, both spinning in one
process on 2 cores, stalled each other by 10-20 ms per call), and "np-fast" in one with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed (this machine pins OpenBLAS to Haswell).
Run: python -m benchmarks.bench_kernels
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time

import numpy as np

SHAPES = [(128, 784, 256), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024)]
MLP_SHAPES = [(128, 256, 10), (256, 784, 512)]  # the MLP's output layer and a wide layer
THREADS = [1, 2]
ROUNDS = 7


def _interleaved(fns: dict, budget: float = 0.3, rounds: int = ROUNDS) -> dict:
    """Per-candidate sorted timings (s): ``rounds`` rounds, each runs every candidate."""
    reps = {}
    for name, f in fns.items():
        f()
        t0 = time.perf_counter()
        f()
        once = max(time.perf_counter() - t0, 1e-7)
        reps[name] = int(min(50, max(2, budget / rounds / len(fns) / once)))
    ts: dict = {name: [] for name in fns}
    for _ in range(rounds):
        for name, f in fns.items():
            for _ in range(reps[name]):
                t = time.perf_counter()
                f()
                ts[name].append(time.perf_counter() - t)
    return {name: np.sort(v) for name, v in ts.items()}


def _med(ts) -> float:
    return float(np.median(ts))


def _spread(ts) -> float:
    p10, p50, p90 = np.percentile(ts, [10, 50, 90])
    return float((p90 - p10) / p50)


def _cpu_model() -> str:
    from ._common import cpu_name

    return cpu_name()


def _numpy_matmul_gflops(threads: int) -> dict:
    """numpy @ GFLOP/s for each (dtype, shape) at the given thread count (this process)."""
    out = {}
    for dt in ("float32", "float64"):
        for m, k, n in SHAPES + MLP_SHAPES:
            rng = np.random.default_rng(0)
            a = rng.standard_normal((m, k)).astype(dt)
            b = rng.standard_normal((k, n)).astype(dt)
            t = _med(_interleaved({"np": lambda a=a, b=b: np.matmul(a, b)})["np"])
            out[f"{dt} {m}x{k}x{n}"] = 2 * m * k * n / t / 1e9
    return out


def _numpy_in_subprocess(threads: int) -> dict:
    """numpy's matmul with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset (the fast BLAS)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    code = ("import json; from benchmarks.bench_kernels import _numpy_matmul_gflops;"
            f"print(json.dumps(_numpy_matmul_gflops({threads})))")
    return _subprocess_json(code, env)


def _matmul_table(torch_t: dict, maxthr: int) -> dict:
    import numba

    from autograd.kernels import numba_backend as nb
    from autograd.kernels._matmul import matmul2d

    print("\n## matmul GFLOP/s (median)")
    print("# kernel = the packed numba kernel, forced; backend = numba_backend.matmul (the kernel")
    print("# or np.matmul by the measured rule in _matmul.py); numpy = np.matmul in this process")
    print("# (Haswell BLAS, limited to thr threads); np-fast = numpy in a subprocess with")
    print("# OPENBLAS_CORETYPE/L2_SIZE unset; torch = its own subprocess (two OpenMP runtimes")
    print("# in one process spin against each other on 2 cores: 10-20 ms stalls)")
    hdr = (f"{'dtype':8} {'M x K x N':15} {'thr':>3} {'kernel':>7} {'backend':>7} {'numpy':>7} "
           f"{'np-fast':>7} {'torch':>7} {'be/np':>6} {'be/fast':>7} {'be/torch':>8} {'spread':>6} "
           f"{'t-sprd':>6}")
    print(hdr)
    results = {}
    for thr in THREADS:
        if thr > maxthr:
            continue
        numba.set_num_threads(thr)
        npf = _numpy_in_subprocess(thr)
        limit = _blas_limit(thr)
        for dt in ("float32", "float64"):
            for m, k, n in SHAPES + MLP_SHAPES:
                key = f"{dt} {m}x{k}x{n}"
                rng = np.random.default_rng(0)
                a = rng.standard_normal((m, k)).astype(dt)
                b = rng.standard_normal((k, n)).astype(dt)
                fl = 2 * m * k * n / 1e9
                fns = {"kernel": lambda a=a, b=b: matmul2d(a, b),
                       "backend": lambda a=a, b=b: nb.matmul(a, b),
                       "numpy": lambda a=a, b=b: np.matmul(a, b)}
                ts = _interleaved(fns, budget=0.6)
                g = {name: fl / _med(v) for name, v in ts.items()}
                t_t, t_s = torch_t.get(thr, {}).get(key, (float("nan"), float("nan")))
                g_t = fl / t_t
                g_f = npf.get(key, float("nan"))
                results[(key, thr)] = (g["backend"], g_f, g_t)
                print(f"{dt:8} {m}x{k}x{n:<7} {thr:>3} {g['kernel']:7.1f} {g['backend']:7.1f} "
                      f"{g['numpy']:7.1f} {g_f:7.1f} {g_t:7.1f} {g['backend'] / g['numpy']:6.2f} "
                      f"{g['backend'] / g_f:7.2f} {g['backend'] / g_t:8.2f} "
                      f"{_spread(ts['backend']):6.0%} {t_s:6.0%}")
        if limit is not None:
            limit.restore_original_limits()
    numba.set_num_threads(maxthr)
    return results


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


def _torch_times(threads: int) -> dict:
    """torch (median s, spread) for every matmul shape and element-wise case, here."""
    import torch

    torch.set_num_threads(threads)
    out = {}
    with torch.no_grad():
        for dt in ("float32", "float64"):
            for m, k, n in SHAPES + MLP_SHAPES:
                rng = np.random.default_rng(0)
                ta = torch.from_numpy(rng.standard_normal((m, k)).astype(dt))
                tb = torch.from_numpy(rng.standard_normal((k, n)).astype(dt))
                ts = _interleaved({"t": lambda ta=ta, tb=tb: torch.matmul(ta, tb)}, budget=0.4)
                out[f"{dt} {m}x{k}x{n}"] = (_med(ts["t"]), _spread(ts["t"]))
        for name, f in _torch_cases(torch).items():
            ts = _interleaved({"t": f}, budget=0.3)
            out[name] = (_med(ts["t"]), _spread(ts["t"]))
    return out


def _subprocess_json(code: str, env: dict) -> dict:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True,
                       text=True, timeout=900)
    if r.returncode != 0:
        print(f"# (subprocess failed: {r.stderr.strip().splitlines()[-1:]})")
        return {}
    return json.loads(r.stdout.strip().splitlines()[-1])


def _torch_in_subprocess(threads: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    code = ("import json; from benchmarks.bench_kernels import _torch_times;"
            f"print(json.dumps(_torch_times({threads})))")
    return _subprocess_json(code, env)


def _blas_limit(threads: int):
    """Limit OpenBLAS to ``threads`` in this process (threadpoolctl, if installed)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=threads, user_api="blas")


def _elementwise_table(torch_t: dict, maxthr: int) -> dict:
    import numba

    print("\n## fused element-wise kernels, 1e6 float32 (ms, median); numpy = ufunc chain")
    print("# (gelu, softmax+xent, sgd, adam: the numpy backend's reference code); torch (own")
    print("# subprocess) uses its fused aten backward kernels (threshold_/sigmoid_/tanh_/gelu_)")
    print(f"{'kernel':18} {'thr':>3} {'numba':>8} {'numpy':>8} {'torch':>8} {'np/nb':>7} "
          f"{'torch/nb':>8} {'spread':>6} {'t-sprd':>6}")
    ratios = {}
    cases = _elementwise_cases()
    for thr in THREADS:
        if thr > maxthr:
            continue
        numba.set_num_threads(thr)
        for name, fnb, fnp in cases:
            ts = _interleaved({"numba": fnb, "numpy": fnp}, budget=0.4)
            t_nb, t_np = _med(ts["numba"]) * 1e3, _med(ts["numpy"]) * 1e3
            t_t, t_s = torch_t.get(thr, {}).get(name, (float("nan"), float("nan")))
            t_t *= 1e3
            ratios[(name, thr)] = (t_np / t_nb, t_t / t_nb)
            print(f"{name:18} {thr:>3} {t_nb:8.3f} {t_np:8.3f} {t_t:8.3f} {t_np / t_nb:7.2f} "
                  f"{t_t / t_nb:8.2f} {_spread(ts['numba']):6.0%} {t_s:6.0%}")
    numba.set_num_threads(maxthr)
    return ratios


def main() -> None:
    import importlib.util

    import numba

    has_torch = importlib.util.find_spec("torch") is not None
    maxthr = numba.config.NUMBA_NUM_THREADS
    print(f"# kernel benchmarks  {datetime.datetime.now():%Y-%m-%d %H:%M}")
    print(f"# CPU: {_cpu_model()}  cores: {os.cpu_count()}  numba threads: {maxthr}  "
          f"numpy {np.__version__}  numba {numba.__version__}  "
          f"torch {'yes' if has_torch else 'n/a'}")
    print(f"# OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')} "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE')}  "
          f"load average {os.getloadavg()[0]:.1f}")
    torch_t = {thr: _torch_in_subprocess(thr) for thr in THREADS if thr <= maxthr and has_torch}
    results = _matmul_table(torch_t, maxthr)
    act_ratio = _elementwise_table(torch_t, maxthr)

    print(f"\n## targets ({maxthr} threads)")
    for shp in ("128x784x256", "512x512x512"):
        r = results.get((f"float32 {shp}", maxthr))
        if r is None:
            continue
        g_nb, g_f, g_t = r
        print(f"matmul f32 {shp}  backend/np-fast >= 0.9: "
              f"{'PASS' if g_nb / g_f >= 0.9 else 'MISS'} ({g_nb / g_f:.2f})   "
              f"backend/torch >= 1.5: {'PASS' if g_nb / g_t >= 1.5 else 'MISS'} ({g_nb / g_t:.2f})")
    for name in ("relu(x*w+b) f+b", "sigmoid f+b"):
        r = act_ratio.get((name, maxthr))
        if r is not None:
            print(f"fused {name} numpy/numba >= 3: {'PASS' if r[0] >= 3 else 'MISS'} "
                  f"({r[0]:.2f}); torch/numba {r[1]:.2f}")
    print(f"# load average at the end {os.getloadavg()[0]:.1f} (2 cores; shared machine)")


if __name__ == "__main__":
    main()
