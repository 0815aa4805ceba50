"""Shared pieces of the benchmark tables: the machine header, the FMA peak, timing, rows."""

from __future__ import annotations

import datetime
import functools
import itertools
import os
import platform
import resource
import time
from collections.abc import Callable

import numpy as np


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_line() -> str:
    import numba

    return (f"{datetime.date.today().isoformat()} | {cpu_name()} | {os.cpu_count()} cores | "
            f"numba threads {numba.get_num_threads()} | Python {platform.python_version()}")


def header(title: str) -> None:
    print(f"\n## {title}")


def row(name: str, value: str, note: str = "") -> None:
    print(f"  {name:<28} {value:>14}   {note}")


# ----------------------------------------------------------------------------- FMA peak
#
# C independent chains v = fma(v, b, c), each one vector register of the ISA's full width
# (``tuning.vector_bytes``), written as LLVM vector IR (as the matmul micro-kernel is): an
# auto-vectorised loop does not measure that width everywhere (LLVM tunes some AVX-512
# targets to 256-bit vectors: on the Intel Xeon here such a loop gave 118-130 GFLOP/s while
# BLAS reached 150-166, "127% of peak"). Twelve chains cover FMA latency (4-5 cycles) times
# two FMA units with room to spare; the chains live in registers for the whole run, so
# nothing but the FMA units sets the rate. Measured on a 2-core AMD EPYC Zen 3 (AVX2,
# ~2.45 GHz) with the auto-vectorised loop this replaces: ~79 GFLOP/s float32, ~39 float64
# (2 units x 8 or 4 lanes x 2 flops x 2.45 GHz).

_PEAK_CHAINS = 12


@functools.cache
def _fma_loop():
    from llvmlite import ir
    from numba import njit, types
    from numba.core import cgutils
    from numba.extending import intrinsic

    from autograd.kernels import tuning

    @intrinsic
    def chains(typingctx, x, reps):
        """x[:w*C] = C vector chains advanced reps times by v = v * x[-2] + x[-1]."""
        dt = x.dtype
        w = tuning.vector_bytes() // (4 if dt == types.float32 else 8)
        sig = types.void(x, reps)

        def codegen(context, builder, sig_, args):
            arr = context.make_array(sig_.args[0])(context, builder, args[0])
            n_reps = context.cast(builder, args[1], sig_.args[1], types.intp)
            fty = context.get_value_type(dt)
            vty = ir.VectorType(fty, w)
            ity = context.get_value_type(types.intp)
            fma = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(vty, [vty] * 3),
                f"llvm.fma.v{w}{'f32' if dt == types.float32 else 'f64'}")
            i32 = ir.IntType(32)
            undef = ir.Constant(vty, ir.Undefined)
            splat = ir.Constant(ir.VectorType(i32, w), [0] * w)

            def bcast(i):
                s_ = builder.load(builder.gep(arr.data, [ir.Constant(ity, i)]))
                return builder.shuffle_vector(
                    builder.insert_element(undef, s_, ir.Constant(i32, 0)), undef, splat)

            bv, cv = bcast(_PEAK_CHAINS * w), bcast(_PEAK_CHAINS * w + 1)
            slots = []
            for i in range(_PEAK_CHAINS):
                ptr = builder.bitcast(builder.gep(arr.data, [ir.Constant(ity, i * w)]),
                                      vty.as_pointer())
                slot = cgutils.alloca_once(builder, vty)
                builder.store(builder.load(ptr, align=4), slot)
                slots.append((slot, ptr))
            with cgutils.for_range(builder, n_reps):
                for _ in range(8):
                    for slot, _p in slots:
                        builder.store(builder.call(fma, [builder.load(slot), bv, cv]), slot)
            for slot, ptr in slots:
                builder.store(builder.load(slot), ptr, align=4)
            return context.get_dummy_value()

        return sig, codegen

    @njit(cache=False)
    def fma_loop(x, reps):
        chains(x, reps)

    def run(x, b, c, reps):
        x[-2], x[-1] = b, c
        fma_loop(x, reps)

    return run


@functools.cache
def fma_peak(dtype) -> tuple[float, float]:
    """(peak, median) single-thread GFLOP/s of fused multiply-adds in ``dtype`` here.

    30 calls of ~1 ms; the peak is the fastest call (load from other processes only ever
    slows a call down), the median says how steady the core was.
    """
    from autograd.kernels import tuning

    dt = np.dtype(dtype).type
    f = _fma_loop()
    w = tuning.vector_bytes() // np.dtype(dtype).itemsize
    x = np.full(_PEAK_CHAINS * w + 2, 0.5, dtype=dt)  # the chains, then b and c
    b, c = dt(0.999), dt(1e-3)  # v -> c / (1 - b) = 1: no overflow, no denormals
    f(x, b, c, 2)
    flops_per_rep = 2.0 * 8 * _PEAK_CHAINS * w
    t0 = time.perf_counter()
    f(x, b, c, 50)
    reps = max(1, int(1e-3 / max((time.perf_counter() - t0) / 50, 1e-9)))
    rates = []
    for _ in range(30):
        t0 = time.perf_counter()
        f(x, b, c, reps)
        rates.append(flops_per_rep * reps / (time.perf_counter() - t0) / 1e9)
    return float(max(rates)), float(np.median(rates))


def fma_peak_gflops(dtype) -> float:
    """This CPU's single-thread FMA peak in GFLOP/s for float32 or float64 (measured)."""
    return fma_peak(dtype)[0]


# ----------------------------------------------------------------------------- the header

_printed = False


def machine_header(force: bool = False) -> None:
    """CPU, ISA, tile, thresholds in force (and from where), FMA peak: once per process."""
    global _printed
    if _printed and not force:
        return
    _printed = True
    import numba

    from autograd.kernels import tuning

    d = tuning.describe()
    p32, m32 = fma_peak(np.float32)
    p64, m64 = fma_peak(np.float64)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# {datetime.datetime.now():%Y-%m-%d %H:%M} | {d['cpu']} (numba target "
          f"{d['target']}) | {d['cores']} cores | Python {d['python']} | numpy "
          f"{np.__version__} | numba {numba.__version__} | load average {load:.2f}")
    print(f"# ISA {d['isa']}: {d['vector_bytes']}-byte vectors, {d['vector_registers']} "
          f"vector registers, FMA {'yes' if d['fma'] else 'no'}; L1d {d['l1d'] >> 10} KiB, "
          f"L2 {d['l2'] >> 10} KiB")
    print(f"# matmul tile: float32 {d['tile_f32']}, float64 {d['tile_f64']}")
    print(f"# FMA peak, 1 thread (measured: fastest of 30 ~1 ms runs; median in brackets): "
          f"float32 {p32:.1f} GFLOP/s ({m32:.1f}), float64 {p64:.1f} GFLOP/s ({m64:.1f})")
    print(f"# thresholds in force: {d['thresholds_from']}")
    items = [f"{k}={v}" for k, v in d["thresholds"].items()]
    line = "#  "
    for it in items:
        if len(line) + len(it) > 96:
            print(line)
            line = "#  "
        line += " " + it
    print(line)


# ----------------------------------------------------------------------------- timing


def interleaved_rounds(cands: dict[str, tuple[Callable[[], object], Callable[[], object] | None]],
                       budget: float = 0.5, rounds: int = 7) -> dict[str, np.ndarray]:
    """Seconds per call of every candidate in each of ``rounds`` rounds.

    ``cands`` maps a name to (call, setup); ``setup`` (untimed, may be None) runs before the
    candidate's burst in every round (e.g. to set BLAS's thread count, or to wait for
    another thread pool to fall asleep). Every burst starts with one untimed call. Each round
    runs every candidate once, as a burst of calls sized so the whole takes about ``budget``
    seconds. Round r runs up to three candidates in the r-th of all their orders (A B C,
    A C B, B A C, ...; more candidates rotate), so each runs in every position equally often
    over 6 rounds: with a fixed order the middle candidate of three came out 3-5% slower
    than the same code at an end.
    """
    names = list(cands)
    reps = {}
    for name, (fn, setup) in cands.items():
        if setup is not None:
            setup()
        fn()
        fn()
        t0 = time.perf_counter()
        fn()
        once = max(time.perf_counter() - t0, 1e-7)
        reps[name] = int(min(200, max(1, budget / rounds / len(cands) / once)))
    out: dict[str, list[float]] = {name: [] for name in names}
    if len(names) <= 3:
        orders = list(itertools.permutations(names))
    else:
        orders = [names[i:] + names[:i] for i in range(len(names))]
    for r in range(rounds):
        for name in orders[r % len(orders)]:
            fn, setup = cands[name]
            if setup is not None:
                setup()
            fn()
            n = reps[name]
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            out[name].append((time.perf_counter() - t0) / n)
    return {name: np.asarray(v) for name, v in out.items()}


def med(ts) -> float:
    return float(np.median(ts))


def busy_wait(seconds: float) -> None:
    """Keep this thread on its core for ``seconds`` (a sleep lets this VM's cores idle: the
    next burst then ran up to 2x slower, serial code included)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def spread(ts) -> float:
    """max / min - 1 of the per-round times: a stall in one round shows here."""
    return float(np.max(ts) / np.min(ts) - 1)


class ForeignLoad:
    """How much of the machine other processes used between ``start()`` and ``stop()``.

    System-wide busy CPU time from /proc/stat (user, nice, system, irq, softirq and steal:
    the hypervisor running someone else on our vCPU) minus this process's own CPU time
    (all its threads, spinning ones included, and its finished subprocesses), as a fraction
    of wall time x cores. On a
    shared machine this says which rows ran beside someone else's work (resolution: one
    10 ms tick per core). None where /proc/stat is missing.
    """

    def __init__(self) -> None:
        self.t0 = self.sys0 = self.own0 = None

    @staticmethod
    def _busy() -> float | None:
        try:
            with open("/proc/stat") as f:
                v = [int(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        user, nice, system, _idle, _iowait, irq, softirq, steal = (v + [0] * 8)[:8]
        return (user + nice + system + irq + softirq + steal) / hz

    @staticmethod
    def _own() -> float:
        t = 0.0
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):  # children: waited for
            r = resource.getrusage(who)
            t += r.ru_utime + r.ru_stime
        return t

    def start(self) -> ForeignLoad:
        self.t0, self.sys0, self.own0 = time.perf_counter(), self._busy(), self._own()
        return self

    def stop(self) -> float | None:
        busy = self._busy()
        if busy is None or self.sys0 is None:
            return None
        wall = time.perf_counter() - self.t0
        other = (busy - self.sys0) - (self._own() - self.own0)
        return max(0.0, other / (wall * (os.cpu_count() or 1)))
