"""``python -m autograd.kernels info | warm | tune``.

* ``info``: what the kernels assume about this machine (ISA, caches, tile, thresholds).
* ``warm``: compile every numba kernel (float32 and float64, serial and parallel) into the
  on-disk cache, so no training step ever pauses to compile, then ``tune`` if this machine
  has no measured cut-offs yet and is quiet (figures measured under load would be cached).
  ``make setup`` runs it.
* ``tune``: measure the dispatch cut-offs on this machine (numba vs numpy for small arrays,
  serial vs parallel, packed kernel vs BLAS), cache them beside numba's cache, print them.
  ``AUTOGRAD_TUNE=0`` makes the library ignore the cached figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import asdict, replace

import numpy as np


def info() -> None:
    from . import tuning

    for key, value in tuning.describe().items():
        if key == "thresholds":
            for name, v in value.items():
                print(f"  {name:22s} {v}")
        else:
            print(f"{key:24s} {value}")


def warm(quiet: bool = False) -> float:
    """Compile (or load from the cache) every kernel signature the library uses."""
    from . import fused_step, tuning
    from . import numba_backend as nb
    from .matmul import matmul2d

    t0 = time.perf_counter()
    everything = dict(small_act=0, tanh_min=0, small_binary=0, small_sgd=0,
                      small_sgd_momentum=0)
    for dt in (np.float32, np.float64):
        x = np.linspace(-2, 2, 96, dtype=dt).reshape(8, 12)
        g = np.cos(x)
        lab = np.arange(8) % 12
        for serial in (True, False):
            cut = 1 << 40 if serial else 0
            with tuning.override(**everything, par_min=cut, par_min_exp=cut, par_min_opt=cut,
                                 par_min_reduce=cut):
                for act in nb.ACTIVATIONS:
                    nb.bias_act(x, x[0], act)
                    nb.act_backward(act, x, g)
                    if act != "none":
                        getattr(nb, act)(x)
                for op in (nb.add, nb.sub, nb.mul, nb.div):
                    op(x, g), op(x, x[0]), op(x, 0.5)
                nb.sum(x, 1), nb.max(x, 1)
                loss, probs = nb.softmax_xent(x, lab)
                nb.softmax_xent_backward(probs, lab, loss)
                p, m, v = x.copy(), np.zeros_like(x), np.zeros_like(x)
                nb.sgd_update(p, g, m, 0.1, 0.9)
                nb.sgd_update(p, g, None, 0.1)
                nb.adam_update(p, g, m, v, None, 1e-3)
                nb.adam_update(p, g, m, v, v.copy(), 1e-3, amsgrad=True)
                # the conv products: cols (K=3, N*P = 2*6), W2 (O=4, K), NCHW (2, 4, 6)
                nb.conv_output(x[:4, :3].copy(), x[:3].copy(), x[0, :4].copy(), 2)
                nb.conv_grad_wb(x[:8].reshape(2, 4, 12)[:, :, :6].copy(), x[:3].copy(), True)
        # autograd.compile's multi-tensor Adam (one call for all small parameters): a table
        # of (p, g, m, v, vmax) addresses, sizes, hyper-parameters and flags per row
        from .optim import _adam_multi_k

        rows = [np.ascontiguousarray(a).reshape(-1) for a in (x.copy(), g, np.zeros_like(x),
                                                              np.zeros_like(x), x[:0])]
        addrs = np.array([[a.ctypes.data for a in rows]], np.int64)
        _adam_multi_k(addrs, np.array([x.size], np.int64),
                      np.array([[1e-3, 0.9, 0.999, 1e-8, 0.0, 0.1, 0.001]]),
                      np.zeros((1, 2), np.int64), np.empty(0, dt))
        for parallel in (False, True):
            matmul2d(x, x.T, parallel=parallel)
        fused_step.warm(dt)  # autograd.compile's fused step: one signature per dtype
        img = np.linspace(-1, 1, 2 * 3 * 5 * 5, dtype=dt).reshape(2, 3, 5, 5)
        geom = (3, 3, 1, 1, 1, 1, 1, 1)
        cols = nb.im2col(img, geom)
        nb.col2im(cols, img.shape, geom)
        out, arg = nb.max_pool2d(img, (2, 2, 2, 2, 0, 0, 1, 1))
        nb.max_pool2d_backward(out, arg, img.shape)
        a = nb.avg_pool2d(img, (2, 2, 2, 2, 0, 0, 1, 1))
        nb.avg_pool2d_backward(a, img.shape, (2, 2, 2, 2, 0, 0, 1, 1))
        z, c = np.linspace(-1, 1, 3 * 8, dtype=dt).reshape(3, 8), np.zeros((3, 2), dt)
        h, c2, act = nb.lstm_cell_forward(z, c)
        nb.lstm_cell_backward(act, c2, c, h, c2)
    took = time.perf_counter() - t0
    if not quiet:
        print(f"kernels ready in {took:.1f} s (cache: {tuning.cache_dir()})")
    return took


def _best(fn, reps: int = 7) -> float:
    fn()
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _crossover(slow_then_fast, sizes, margin: float = 1.0) -> int:
    """Smallest size from which the second function is faster than the first at this size
    and every larger one measured (so noise at one size cannot flip the rule); a pair
    given as None counts as a loss (the second path would not run at that size)."""
    wins = []
    for n in sizes:
        pair = slow_then_fast(n)
        if pair is None:
            wins.append(False)
            continue
        # three alternating rounds, the best of each side: one noisy moment on a shared
        # machine made a single pass of each move matmul's cut-off from 4 to 14 MFLOP
        ta = tb = float("inf")
        for _ in range(3):
            ta, tb = min(ta, _best(pair[0])), min(tb, _best(pair[1]))
        wins.append(tb * margin < ta)
    cut = sizes[-1] * 2
    for n, won in zip(reversed(sizes), reversed(wins)):
        if not won:
            break
        cut = n
    return cut


def tune() -> None:
    """Measure the cut-offs on this machine and cache them (BLAS held to one thread, as
    the numba backend holds it)."""
    from threadpoolctl import threadpool_limits

    if _busy():
        print("warning: the machine is busy (other processes use over a quarter of the cores); "
              "the figures "
              "measured now will favour the serial and BLAS paths", file=sys.stderr)
    from . import parallel

    with threadpool_limits(limits=1, user_api="blas"), parallel.suspended():
        _tune()


def _tune() -> None:
    import numba

    from . import elementwise, optim, tuning
    from . import numba_backend as nb
    from .matmul import matmul2d

    warm(quiet=True)
    base = tuning.default_thresholds()
    rng = np.random.default_rng(0)
    pow2 = [1 << e for e in range(8, 19)]
    found = {}
    with tuning.override(small_act=0, tanh_min=0, small_binary=0, small_sgd=0,
                         small_sgd_momentum=0, par_min=1 << 40, par_min_exp=1 << 40,
                         par_min_opt=1 << 40, par_min_reduce=1 << 40):
        def act(n):  # relu: the cheapest activation, the one a numba call hurts most
            x = rng.standard_normal(n).astype(np.float32)
            return (lambda: elementwise.relu_ref(x)), (lambda: nb.relu(x))

        found["small_act"] = _crossover(act, pow2[:8])

        # tanh apart: numpy 2's np.tanh is SIMD-vectorised and ran 2x faster than our
        # exp-based kernel on 1e6 float32 (Intel Xeon, AVX-512); if ours never wins, never
        def tanh(n):
            x = rng.standard_normal(n).astype(np.float32)
            return (lambda: elementwise.tanh_ref(x)), (lambda: nb.tanh(x))

        sizes = pow2[:8] + [1 << 16, 1 << 18, 1 << 20]
        cut = _crossover(tanh, sizes)
        found["tanh_min"] = cut if cut <= sizes[-1] else 1 << 40

        def binary(n):
            x = rng.standard_normal((max(1, n // 64), 64)).astype(np.float32)
            return (lambda: x * x[0]), (lambda: nb.mul(x, x[0]))

        found["small_binary"] = _crossover(binary, pow2[:9])

        def sgd(n):
            p, g = np.zeros(n, np.float32), np.ones(n, np.float32)
            return (lambda: optim.sgd_update_ref(p, g, None, 1e-3)), (
                lambda: nb.sgd_update(p, g, None, 1e-3))

        found["small_sgd"] = _crossover(sgd, pow2[:9])
    if numba.get_num_threads() > 1:
        def par(kind):
            def make(n):
                x = rng.standard_normal(n).astype(np.float32)

                def serial():
                    with tuning.override(par_min=1 << 40, par_min_exp=1 << 40):
                        return nb.relu(x) if kind == "cheap" else nb.sigmoid(x)

                def parallel():
                    with tuning.override(par_min=0, par_min_exp=0):
                        return nb.relu(x) if kind == "cheap" else nb.sigmoid(x)

                return serial, parallel
            return make

        found["par_min"] = _crossover(par("cheap"), pow2[6:] + [1 << 19, 1 << 20], 1.1)
        found["par_min_exp"] = _crossover(par("exp"), pow2[2:], 1.1)

    # matmul: first where two threads beat one in the kernel, then whether one-thread
    # kernel beats one-thread BLAS, then from which size the kernel as the dispatch would
    # run it (parallel from the first cut-off, serial below it only if it beats BLAS)
    # beats BLAS; each path forced explicitly, so nothing else decides for the measurement
    sides = [32, 48, 64, 96, 128, 192, 256]
    par_cut = 1 << 40

    def mm_par(s):
        a = rng.standard_normal((s, s)).astype(np.float32)
        return (lambda: matmul2d(a, a, parallel=False)), (lambda: matmul2d(a, a, parallel=True))

    if numba.get_num_threads() > 1:
        side = _crossover(mm_par, sides, 1.1)
        par_cut = 2 * side ** 3 if side <= sides[-1] else 1 << 40
        found["mm_parallel_min_flops"] = par_cut
    # one thread, per dtype: where the serial kernel beats BLAS. Up: dense layers' forwards
    # (x @ W.T) of growing size, the kernel keeping the sizes below the first one where it
    # does not win by 3% (it won the 50-200 MFLOP layers and lost from 512^3: Intel Xeon,
    # AVX-512); down: squares, the crossover as for the other cut-offs
    layers = ((128, 784, 256), (256, 784, 512), (512, 512, 512), (1024, 1024, 1024))
    for suffix, dt in (("", np.float32), ("_f64", np.float64)):
        top = 1 << 40
        for m, k, n in layers:
            a = rng.standard_normal((m, k)).astype(dt)
            b = rng.standard_normal((n, k)).astype(dt).T
            tk = tb = float("inf")
            for _ in range(3):
                tk = min(tk, _best(lambda a=a, b=b: matmul2d(a, b, parallel=False), 3))
                tb = min(tb, _best(lambda a=a, b=b: np.matmul(a, b), 3))
            if not tk * 1.03 < tb:
                top = 2 * m * k * n
                break

        def serial(s, dt=dt, top=top):
            a = rng.standard_normal((s, s)).astype(dt)
            if 2 * s ** 3 >= top:
                return None
            return (lambda: np.matmul(a, a)), (lambda: matmul2d(a, a, parallel=False))

        side = _crossover(serial, sides)
        found["mm_serial_min_flops" + suffix] = 2 * side ** 3 if side <= sides[-1] else top
        found["mm_serial_max_flops" + suffix] = top
    lo32, hi32 = found["mm_serial_min_flops"], found["mm_serial_max_flops"]

    def mm(s):
        a = rng.standard_normal((s, s)).astype(np.float32)
        par = 2 * s ** 3 >= par_cut
        if not par and not lo32 <= 2 * s ** 3 < hi32:
            return None  # the dispatch hands this size to BLAS
        return (lambda: np.matmul(a, a)), (lambda: matmul2d(a, a, parallel=par))

    side = _crossover(mm, sides)
    found["mm_min_flops"] = 2 * side ** 3 if side <= sides[-1] else base.mm_min_flops * 64
    measured = replace(base, **found)
    path = tuning.save(measured, {"measured": sorted(found), "threads": numba.get_num_threads()})
    for name, v in asdict(measured).items():
        mark = "measured" if name in found else "default"
        print(f"  {name:22s} {v!s:>12}  ({mark})")
    print(f"saved to {path}" if path else "cache dir not writable: figures used for this run only")


def _busy(window: float = 0.5) -> bool:
    """Other work on the machine would skew the measurements (they would be cached).

    Measured, not read off the load average: the load average still counts the compiling
    ``warm`` just did (a minute-long average), so right after ``warm`` it always said busy.
    Over a short window in which this process sleeps, the CPU time the machine spent
    (``/proc/stat``) is other processes' work: busy above a quarter of the cores. Where
    there is no ``/proc/stat``, the load average decides (above half the cores).
    """
    cores = os.cpu_count() or 1

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields) - idle, sum(fields)

    try:
        busy0, total0 = sample()
        time.sleep(window)
        busy1, total1 = sample()
    except (OSError, ValueError, IndexError):
        try:
            return os.getloadavg()[0] > 0.5 * cores
        except OSError:
            return False
    if total1 <= total0:
        return False
    return (busy1 - busy0) / (total1 - total0) > 0.25


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograd.kernels",
                                     description="inspect, compile and tune the kernels")
    parser.add_argument("command", choices=["info", "warm", "tune"])
    args = parser.parse_args(argv)
    if args.command == "warm":
        from . import tuning

        warm()
        if tuning.tune_enabled() and not tuning.tuning_file().exists():
            if _busy():
                print("machine busy (other processes use over a quarter of the cores): not "
                      "tuning now, the "
                      "defaults hold; run `python -m autograd.kernels tune` when it is quiet")
            else:
                tune()
    else:
        {"info": info, "tune": tune}[args.command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
