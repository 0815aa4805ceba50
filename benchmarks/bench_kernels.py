"""Kernel benchmarks: numba vs numpy (as configured and with a fast OpenBLAS) vs torch.

Every figure is the median of repeated runs after a warm-up; ratios compare runs from the
same process (the "fast numpy" column runs in a subprocess with OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE removed from the environment, since this machine pins Haswell kernels).
Run: python -m benchmarks.bench_kernels
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

SHAPES = [(128, 784, 256), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024)]
THREADS = [1, 2]


def _median_time(f, *args, repeat=None, budget=0.25):
    f(*args)
    t0 = time.perf_counter()
    f(*args)
    once = max(time.perf_counter() - t0, 1e-7)
    n = repeat or int(min(30, max(3, budget / once)))
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        f(*args)
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def _cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"




def _numpy_matmul_gflops(threads: int) -> dict:
    """numpy @ GFLOP/s for each (dtype, shape) at the given thread count (this process)."""
    out = {}
    for dt in ("float32", "float64"):
        for m, k, n in SHAPES:
            rng = np.random.default_rng(0)
            a = rng.standard_normal((m, k)).astype(dt)
            b = rng.standard_normal((k, n)).astype(dt)
            t = _median_time(np.matmul, a, b)
            out[f"{dt} {m}x{k}x{n}"] = 2 * m * k * n / t / 1e9
    return out


def _numpy_in_subprocess(threads: int, fast: bool) -> dict:
    env = dict(os.environ)
    if fast:
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env["OMP_NUM_THREADS"] = str(threads)
    code = (
        "import json; from benchmarks.bench_kernels import _numpy_matmul_gflops;"
        f"print(json.dumps(_numpy_matmul_gflops({threads})))"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True,
                       text=True, timeout=600)
    if r.returncode != 0:
        return {}
    return json.loads(r.stdout.strip().splitlines()[-1])


def _torch():
    try:
        import torch

        return torch
    except Exception:
        return None


def main() -> None:
    import numba

    from autograd.kernels import numba_backend as nb
    from autograd.kernels import numpy_backend as ref
    from autograd.kernels._matmul import matmul2d

    torch = _torch()
    maxthr = numba.config.NUMBA_NUM_THREADS
    print(f"# kernel benchmarks  {datetime.datetime.now():%Y-%m-%d %H:%M}")
    print(f"# CPU: {_cpu_model()}  cores: {os.cpu_count()}  numba threads: {maxthr}  "
          f"numpy {np.__version__}  numba {numba.__version__}  "
          f"torch {torch.__version__ if torch else 'n/a'}")
    print(f"# OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')} "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE')}")
    print("# matmul GFLOP/s (median); numba = hand-written kernel (_matmul.matmul2d)")
    hdr = f"{'dtype':8} {'M x K x N':16} {'thr':>3} {'numba':>7} {'numpy':>7} {'np-fast':>7}"
    hdr += f" {'torch':>7} {'nb/npfast':>9} {'nb/torch':>8}"
    print(hdr)
    results = {}
    for thr in THREADS:
        if thr > maxthr:
            continue
        numba.set_num_threads(thr)
        npy = _numpy_in_subprocess(thr, fast=False)
        npf = _numpy_in_subprocess(thr, fast=True)
        if torch:
            torch.set_num_threads(thr)
        for dt in ("float32", "float64"):
            for m, k, n in SHAPES:
                key = f"{dt} {m}x{k}x{n}"
                rng = np.random.default_rng(0)
                a = rng.standard_normal((m, k)).astype(dt)
                b = rng.standard_normal((k, n)).astype(dt)
                fl = 2 * m * k * n / 1e9
                g_nb = fl / _median_time(matmul2d, a, b)
                g_t = float("nan")
                if torch:
                    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
                    g_t = fl / _median_time(torch.matmul, ta, tb)
                g_np, g_f = npy.get(key, float("nan")), npf.get(key, float("nan"))
                results[(key, thr)] = (g_nb, g_f, g_t)
                print(f"{dt:8} {m}x{k}x{n:<8} {thr:>3} {g_nb:7.1f} {g_np:7.1f} {g_f:7.1f} "
                      f"{g_t:7.1f} {g_nb / g_f:9.2f} {g_nb / g_t:8.2f}")
    numba.set_num_threads(maxthr)
    if torch:
        torch.set_num_threads(maxthr)

    print(f"\n# fused activation forward+backward, 1e6 float32, {maxthr} threads (ms, median)")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1000, 1000)).astype(np.float32)
    w = np.float32(0.7)
    bias = rng.standard_normal(1000).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)

    def nb_relu():
        z = nb.mul(x, w)
        y = nb.bias_act(z, bias, "relu")
        return y, nb.relu_backward(z, g)

    def np_relu():
        z = x * w + bias
        y = np.maximum(z, 0)
        return y, g * (z > 0)

    def nb_sig():
        y = nb.sigmoid(x)
        return y, nb.sigmoid_backward(y, g)

    def np_sig():
        y = 1 / (1 + np.exp(-x))
        return y, g * y * (1 - y)

    rows = [("relu(x*w+b)", nb_relu, np_relu), ("sigmoid", nb_sig, np_sig)]
    if torch:
        tx, tg, tb = torch.from_numpy(x), torch.from_numpy(g), torch.from_numpy(bias)

        def t_relu():
            z = tx * 0.7 + tb
            return torch.relu(z), tg * (z > 0)

        def t_sig():
            y = torch.sigmoid(tx)
            return y, tg * y * (1 - y)

        tfun = {"relu(x*w+b)": t_relu, "sigmoid": t_sig}
    print(f"{'op':14} {'numba':>8} {'numpy':>8} {'torch':>8} {'np/nb':>7}")
    act_ratio = {}
    for name, fnb, fnp in rows:
        t_nb = _median_time(fnb) * 1e3
        t_np = _median_time(fnp) * 1e3
        t_t = _median_time(tfun[name]) * 1e3 if torch else float("nan")
        act_ratio[name] = t_np / t_nb
        print(f"{name:14} {t_nb:8.3f} {t_np:8.3f} {t_t:8.3f} {t_np / t_nb:7.2f}")

    print("\n# targets")
    for shp in ("128x784x256", "512x512x512"):
        r = results.get((f"float32 {shp}", 2))
        if r is None:
            continue
        g_nb, g_f, g_t = r
        print(f"matmul f32 {shp} 2thr  numba/np-fast >= 0.9: "
              f"{'PASS' if g_nb / g_f >= 0.9 else 'MISS'} ({g_nb / g_f:.2f})   "
              f"numba/torch >= 1.5: {'PASS' if g_nb / g_t >= 1.5 else 'MISS'} ({g_nb / g_t:.2f})")
    for name, r in act_ratio.items():
        print(f"fused {name} fwd+bwd numpy/numba >= 3: {'PASS' if r >= 3 else 'MISS'} ({r:.2f})")
    del ref


if __name__ == "__main__":
    main()
