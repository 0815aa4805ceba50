"""Conv2d and LSTM forward+backward against PyTorch, and im2col against a direct conv kernel.

Shapes from issue 8: Conv2d on a (64, 1, 28, 28) batch with 16 and 32 filters of 3x3; an
LSTM with hidden 128 over 32 steps of a batch of 64 (input size 128). Every number is a
median after warm-up; each ratio is measured in the same run, ours and torch's timed
alternately so that both see the same machine load. Target: <= 2x torch's time.

The "design choice" table times the two ways of computing a convolution that we tried:
im2col + the conv product kernels (``conv_output`` / ``conv_grad_wb``, what
``autograd/ops/conv.py`` uses) and a direct numba loop over the kernel taps (defined here,
only for this comparison).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numba import njit, prange

import autograd
import nn
from autograd import Tensor
from autograd import kernels as K

from ._common import header, machine_header, row

TARGET = 2.0


def median_ms(fn: Callable[[], object], repeat: int = 30, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e3


def paired_median_ms(ours: Callable[[], object], theirs: Callable[[], object] | None,
                     repeat: int = 40, warmup: int = 10) -> tuple[float, float | None]:
    """Medians of ours and theirs timed alternately, so both see the same machine load."""
    if theirs is None:
        return median_ms(ours, repeat, warmup), None
    for _ in range(warmup):
        ours()
        theirs()
    a, b = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        ours()
        a.append(time.perf_counter() - t)
        t = time.perf_counter()
        theirs()
        b.append(time.perf_counter() - t)
    return float(np.median(a)) * 1e3, float(np.median(b)) * 1e3


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


# ---------------------------------------------------------------------------- direct conv
@njit(cache=True, fastmath=True, parallel=True)
def _direct_conv(x, w, out):
    """out[n, o] = sum_{c,i,j} w[o, c, i, j] x[n, c, y + i, q + j] (stride 1, no padding)."""
    n, c = x.shape[0], x.shape[1]
    o, _, kh, kw = w.shape
    oh, ow = out.shape[2], out.shape[3]
    for t in prange(n * o):
        b, oc = t // o, t % o
        for y in range(oh):
            for q in range(ow):
                out[b, oc, y, q] = 0
        for ci in range(c):
            for i in range(kh):
                for j in range(kw):
                    wv = w[oc, ci, i, j]
                    for y in range(oh):
                        for q in range(ow):
                            out[b, oc, y, q] += wv * x[b, ci, y + i, q + j]


@njit(cache=True, fastmath=True, parallel=True)
def _direct_conv_gw(x, g, gw):
    """gw[o, c, i, j] = sum_{n,y,q} g[n, o, y, q] x[n, c, y + i, q + j]."""
    n, o, oh, ow = g.shape
    c, kh, kw = gw.shape[1], gw.shape[2], gw.shape[3]
    for t in prange(o * c):
        oc, ci = t // c, t % c
        for i in range(kh):
            for j in range(kw):
                s = 0.0
                for b in range(n):
                    for y in range(oh):
                        for q in range(ow):
                            s += g[b, oc, y, q] * x[b, ci, y + i, q + j]
                gw[oc, ci, i, j] = s


def _design_row(n: int, c: int, hw: int, o: int) -> list[float]:
    rng = np.random.default_rng(0)
    geom = (3, 3, 1, 1, 0, 0, 1, 1)
    x = rng.standard_normal((n, c, hw, hw)).astype(np.float32)
    w = rng.standard_normal((o, c, 3, 3)).astype(np.float32)
    out = np.empty((n, o, hw - 2, hw - 2), dtype=np.float32)
    g = rng.standard_normal(out.shape).astype(np.float32)
    gw = np.empty_like(w)
    w2 = w.reshape(o, -1)
    oh = ow = hw - 2

    def i2c_fwd():  # what ops/conv.py's Conv2d.forward does
        out = K.active.conv_output(w2, K.active.im2col(x, geom), None, n)
        return out.reshape(n, o, oh, ow)

    def i2c_gw():  # what Conv2d.backward does for dW (cols recomputed here: it is saved there)
        return K.active.conv_grad_wb(g.reshape(n, o, -1), K.active.im2col(x, geom), False)[0]

    times = [median_ms(i2c_fwd), median_ms(lambda: _direct_conv(x, w, out)),
             median_ms(i2c_gw), median_ms(lambda: _direct_conv_gw(x, g, gw))]
    np.testing.assert_allclose(out, i2c_fwd(), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(gw.reshape(o, -1), i2c_gw(), rtol=1e-3, atol=1e-1)
    return times


def design_choice() -> None:
    header("conv design choice: im2col + matmul vs direct numba loops (float32, median ms)")
    print(f"  {'shape':<36} {'im2col fwd':>10} {'direct fwd':>10} {'im2col dW':>10} "
          f"{'direct dW':>10}")
    for n, c, hw, o in [(64, 1, 28, 16), (64, 1, 28, 32), (64, 16, 13, 32)]:
        label = f"x {(n, c, hw, hw)}, {o} filters"
        print(f"  {label:<36} " + " ".join(f"{v:>10.2f}" for v in _design_row(n, c, hw, o)))


# ---------------------------------------------------------------------------- vs torch
def _report(name: str, ours: float, theirs: float | None) -> None:
    if theirs is None:
        row(name, f"{ours:.2f} ms", "(torch not installed: no ratio)")
        return
    ratio = ours / theirs
    verdict = "PASS" if ratio <= TARGET else "MISS"
    row(name, f"{ours:.2f} ms", f"torch {theirs:.2f} ms   x{ratio:.2f}   {verdict} "
        f"(target <= {TARGET:g}x)")


def _conv_case(torch, x: np.ndarray, o: int) -> None:
    autograd.manual_seed(0)
    conv = nn.Conv2d(1, o, 3)
    xt = Tensor(x)

    def ours():
        conv.zero_grad()
        conv(xt).sum().backward()

    theirs = None
    if torch is not None:
        tconv = torch.nn.Conv2d(1, o, 3)
        tx = torch.from_numpy(x)

        def theirs():
            tconv.zero_grad()
            tconv(tx).sum().backward()

    _report(f"Conv2d(1, {o}, 3)", *paired_median_ms(ours, theirs))


def bench_conv(torch) -> None:
    header("Conv2d forward+backward, x (64, 1, 28, 28) float32, 3x3 filters (median ms)")
    x = np.random.default_rng(0).standard_normal((64, 1, 28, 28)).astype(np.float32)
    for o in (16, 32):
        _conv_case(torch, x, o)


def bench_lstm(torch) -> None:
    header("LSTM forward+backward, input 128, hidden 128, seq 32, batch 64, float32")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 64, 128)).astype(np.float32)
    autograd.manual_seed(0)
    lstm = nn.LSTM(128, 128)
    xt = Tensor(x)

    def ours():
        lstm.zero_grad()
        y, (h, c) = lstm(xt)
        (y.sum() + h.sum()).backward()

    theirs = None
    if torch is not None:
        tl = torch.nn.LSTM(128, 128)
        tx = torch.from_numpy(x)

        def theirs():
            tl.zero_grad()
            y, (h, c) = tl(tx)
            (y.sum() + h.sum()).backward()

    _report("LSTM(128, 128)", *paired_median_ms(ours, theirs, repeat=20, warmup=3))


def main() -> None:
    machine_header()  # once per process (python -m benchmarks prints it first)
    torch = _torch()
    if torch is not None:
        import numba

        torch.set_num_threads(numba.get_num_threads())  # same thread budget for both
    bench_conv(torch)
    bench_lstm(torch)
    design_choice()


if __name__ == "__main__":
    main()
