"""Every CPU assumption of the kernels, in one place.

What the kernels need to know about the machine they run on:

* the instruction set LLVM compiles for (``isa()``): AVX-512, AVX2+FMA, NEON (aarch64),
  SSE2 (the x86-64 baseline, also what ``NUMBA_CPU_NAME=generic`` targets) or none. It is
  read from numba's *target* (``NUMBA_CPU_NAME`` / ``NUMBA_CPU_FEATURES`` when set, else the
  host), never from the host alone: a generic build on an AVX-512 host has 16-byte vectors;
* vector width and register count, from the ISA; L1d / L2 sizes, from the OS;
* the matmul tile geometry derived from those (``matmul_geometry``);
* every size threshold (serial vs parallel, numba vs numpy, kernel vs BLAS):
  ``thresholds()``. The defaults are measured per ISA and say on which machine; a run of
  ``python -m autograd.kernels tune`` measures them on this machine and caches the result
  beside numba's cache (``AUTOGRAD_TUNE=0`` ignores the cache and uses the defaults).

Nothing here imports numba at module import; ``llvmlite`` is read on first use.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import re
import sys
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

ISAS = ("avx512", "avx2", "neon", "sse2", "none")


# ----------------------------------------------------------------------------- the CPU


def _target_features() -> tuple[str, set[str]]:
    """(cpu name, enabled features) of the machine code numba generates."""
    import llvmlite.binding as llb

    name = os.environ.get("NUMBA_CPU_NAME", "").strip()
    feats = os.environ.get("NUMBA_CPU_FEATURES", "").strip()
    if not name:
        name = llb.get_host_cpu_name()
        if not feats:
            feats = llb.get_host_cpu_features().flatten()
    return name, {f[1:] for f in feats.split(",") if f.startswith("+")}


@functools.cache
def isa() -> str:
    """The widest vector instruction set the kernels are compiled for."""
    _, feats = _target_features()
    machine = platform.machine().lower()
    if machine in ("aarch64", "arm64"):
        return "neon"  # Advanced SIMD is part of the ARMv8-A baseline
    if "avx512f" in feats:
        return "avx512"
    if "avx2" in feats and "fma" in feats:
        return "avx2"
    if machine in ("x86_64", "amd64", "i686", "x86"):
        return "sse2"  # the x86-64 baseline (and NUMBA_CPU_NAME=generic)
    return "none"


# Vector register width in bytes and number of architectural vector registers per ISA.
_VECTOR = {"avx512": (64, 32), "avx2": (32, 16), "neon": (16, 32), "sse2": (16, 16),
           "none": (8, 16)}


def vector_bytes() -> int:
    return _VECTOR[isa()][0]


def vector_registers() -> int:
    return _VECTOR[isa()][1]


def has_fma() -> bool:
    i = isa()
    return i in ("avx512", "avx2", "neon") or "fma" in _target_features()[1]


def _sysfs_cache(level: int) -> int | None:
    base = Path("/sys/devices/system/cpu/cpu0/cache")
    try:
        for d in sorted(base.glob("index*")):
            lvl = int((d / "level").read_text())
            kind = (d / "type").read_text().strip()
            if lvl == level and kind in ("Data", "Unified"):
                m = re.fullmatch(r"(\d+)([KMG]?)", (d / "size").read_text().strip())
                if m:
                    return int(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20,
                                              "G": 1 << 30}[m.group(2)]
    except (OSError, ValueError):
        pass
    return None


@functools.cache
def cache_sizes() -> tuple[int, int]:
    """(L1d, L2) bytes per core; 32 KiB / 512 KiB when the OS does not say."""
    out = []
    for level, name, default in ((1, "SC_LEVEL1_DCACHE_SIZE", 32 << 10),
                                 (2, "SC_LEVEL2_CACHE_SIZE", 512 << 10)):
        size = _sysfs_cache(level)
        if not size:
            try:
                size = os.sysconf(name) or None
            except (ValueError, OSError, AttributeError):
                size = None
        out.append(size if size and size > 0 else default)
    return out[0], out[1]


@functools.cache
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


# ----------------------------------------------------------------------------- matmul tile


class MatmulGeometry(NamedTuple):
    mr: int  # rows of the register tile
    w: int  # elements per vector
    nv: int  # vectors per tile row (NR = w * nv columns)
    kc: int  # k-slice length: one KC x NR panel of B stays in L1
    mc: int  # rows of A packed per block: one MC x KC block of A stays in L2

    @property
    def nr(self) -> int:
        return self.w * self.nv


@functools.cache
def _matmul_geometry(itemsize: int) -> MatmulGeometry:
    """The register tile and cache blocking from vector width, registers and caches.

    The tile holds MR x NV accumulators, NV vectors of B and one broadcast of A in the
    vector registers: MR * NV + NV + 1 <= registers. With 32 registers (AVX-512, NEON)
    that is 8 x 3 (28 used); with 16 (AVX2, SSE) 6 x 2 (15 used: per k, 2 loads of B,
    6 broadcasts, 12 FMAs — the shape OpenBLAS's Haswell kernel uses). KC makes the B
    panel (KC x NR) about half of L1 so the A strip streams beside it (three quarters with
    the 8 x 3 tile: on a 48 KB L1 that is KC 192 instead of 128, and the 128x784x256-type
    products ran 2-4% faster, 256x784x128 295 instead of 307 us on one thread; Intel Xeon,
    AVX-512); MC makes the packed A block (MC x KC) about half of L2.
    """
    w = max(1, vector_bytes() // itemsize)
    regs = vector_registers()
    mr, nv = (8, 3) if regs >= 32 else (6, 2)
    l1, l2 = cache_sizes()
    nr = w * nv
    share = l1 * 3 // 4 if regs >= 32 else l1 // 2
    kc = max(64, min(512, share // (nr * itemsize) // 16 * 16))
    mc = max(mr, (l2 // 2) // (kc * itemsize) // mr * mr)
    return MatmulGeometry(mr, w, nv, kc, mc)


def matmul_geometry(dtype) -> MatmulGeometry:
    """Tile geometry of the packed matmul for float32 or float64 on this CPU."""
    return _matmul_geometry(np.dtype(dtype).itemsize)


# ----------------------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class Thresholds:
    """Size cut-offs of the dispatchers (elements, or FLOPs for matmul)."""

    par_min: int  # cheap element-wise loops run in parallel from this size
    par_min_exp: int  # loops evaluating exp/erfc per element
    par_min_opt: int  # fused optimizer updates
    par_min_reduce: int  # last-axis reductions
    small_act: int  # below: activations go to numpy (a numba call costs ~3 us fixed)
    tanh_min: int  # below: tanh's forward goes to np.tanh (numpy 2's SIMD tanh can win)
    small_binary: int  # below: binary ops go to numpy
    small_sgd: int  # below: plain SGD goes to numpy
    small_sgd_momentum: int  # below: SGD with momentum goes to numpy
    mm_min_flops: int  # below: matmul goes to BLAS
    mm_min_n: int  # narrower products go to BLAS
    mm_min_k: int
    mm_max_pad_waste: float  # the last B panel may be at most this fraction padding
    mm_parallel_min_flops: int  # two threads pay off from here
    # one thread, per dtype: products from min up to (not including) max run the serial
    # kernel, the others BLAS (max 0: every one-thread product goes to BLAS)
    mm_serial_min_flops: int
    mm_serial_max_flops: int
    mm_serial_min_flops_f64: int
    mm_serial_max_flops_f64: int

    def mm_serial_range(self, dtype) -> tuple[int, int]:
        if dtype == np.float64:
            return self.mm_serial_min_flops_f64, self.mm_serial_max_flops_f64
        return self.mm_serial_min_flops, self.mm_serial_max_flops


# Defaults. The avx512 figures were measured on a 2-core AMD EPYC Zen 5 (znver5, 3.6 GHz,
# OpenBLAS 0.3.31), with 2 threads (numba's omp layer), float32, medians of interleaved
# rounds, us:
# - serial kernel vs parallel driver (a parallel region costs ~1.5-2 us):
#     cheap loops (relu, add, bias+relu):  32768: 3.5/4.0   65536: 3.8/4.4   131072: 17/9
#     optimizer updates (sgd, adam):       32768: 5.8/5.4, 7.7/7.4          131072: 19/12
#     exp/erfc loops (sigmoid, tanh, gelu, softmax-xent): 16384: 4.7/4.3 (sigmoid)
#                                          32768: 27.6/16.9 (gelu bwd)
#     row sums:                            131072: 4.4/4.8   524288: 24.5/13.7
# - numba vs numpy below the small_* cut-offs (a numba call costs ~2.5-3.5 us fixed), 1
#   thread: tanh backward 16: 3.8/2.1, 4096: 4.0/3.4, 16384: 5.0/6.0; row-broadcast mul
#   4096: 3.8/3.1, 16384: 6.4/8.3; sgd 4096: 3.7/2.5, 65536: 8.6/11.8; sgd with momentum
#   256: 3.7/3.9, 1024: 4.0/4.7. This keeps the tiny nets at numpy's speed.
# - matmul: the cut-offs and their measurements are in matmul.py.
# avx2: on a 2-core AMD EPYC Zen 3 (znver3, 2.45 GHz, AVX2, the same OpenBLAS) `make bench`
# measured the serial packed kernel at 0.71-0.86x one-thread OpenBLAS (128x784x256: 58.7 vs
# 69.4 GFLOP/s, 256x784x512: 45.7 vs 64.5, 512^3: 53.5 vs 62.4), so one-thread products go
# to BLAS and the kernel runs only where its two threads beat one-thread BLAS. Its other
# cut-offs are the Zen 5 figures (not re-measured on a quiet Zen 3; `tune` measures them).
# Other ISAs take the AVX2 figures, with the matmul cut-offs scaled for narrower vectors
# (the kernel's per-call overhead weighs more there).
_AVX512 = Thresholds(
    par_min=1 << 17, par_min_exp=1 << 14, par_min_opt=1 << 16, par_min_reduce=1 << 18,
    small_act=1 << 12, tanh_min=1 << 12, small_binary=1 << 13, small_sgd=1 << 14,
    small_sgd_momentum=1 << 9,
    mm_min_flops=1 << 21, mm_min_n=32, mm_min_k=16, mm_max_pad_waste=0.35,
    mm_parallel_min_flops=1 << 22, mm_serial_min_flops=1 << 21, mm_serial_max_flops=1 << 40,
    mm_serial_min_flops_f64=1 << 21, mm_serial_max_flops_f64=1 << 40)
_DEFAULTS = {"avx512": _AVX512,
             "avx2": replace(_AVX512, mm_serial_max_flops=0, mm_serial_max_flops_f64=0)}


def default_thresholds(for_isa: str | None = None) -> Thresholds:
    i = for_isa or isa()
    if i in _DEFAULTS:
        return _DEFAULTS[i]
    base = _DEFAULTS["avx2"]
    return replace(base, mm_min_flops=base.mm_min_flops * 4, mm_max_pad_waste=0.25)


def tune_enabled() -> bool:
    return os.environ.get("AUTOGRAD_TUNE", "1").strip() not in ("0", "false", "no", "off")


def cache_dir() -> Path:
    """Where numba caches this package's kernels (NUMBA_CACHE_DIR, else beside them)."""
    env = os.environ.get("NUMBA_CACHE_DIR")
    return Path(env) if env else Path(__file__).resolve().parent / "__pycache__"


def _machine_key() -> str:
    name, _ = _target_features()
    raw = f"{cpu_model()}-{name}-{isa()}-{os.cpu_count()}"
    return re.sub(r"[^A-Za-z0-9]+", "_", raw).strip("_")[:80]


def tuning_file() -> Path:
    return cache_dir() / f"tuning-{_machine_key()}.json"


_active: Thresholds | None = None
_source = "defaults"


def thresholds() -> Thresholds:
    """The cut-offs in force: this machine's measured ones if tuned, else the defaults."""
    global _active, _source
    if _active is None:
        _active, _source = default_thresholds(), "defaults"
        if tune_enabled():
            saved = _load()
            if saved is not None:
                _active, _source = saved, f"measured ({tuning_file()})"
    return _active


def _load() -> Thresholds | None:
    try:
        data = json.loads(tuning_file().read_text())
        base = asdict(default_thresholds())
        base.update({k: v for k, v in data.get("thresholds", {}).items() if k in base})
        return Thresholds(**base)
    except (OSError, ValueError, TypeError):
        return None  # no file, an old one or a damaged one: the defaults hold


def save(measured: Thresholds, notes: dict | None = None) -> Path | None:
    """Cache measured thresholds for this machine (atomic write); None if unwritable."""
    global _active, _source
    _active, _source = measured, "measured (this run)"
    path = tuning_file()
    payload = {"machine": describe_machine(), "thresholds": asdict(measured),
               "notes": notes or {}}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tuning-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(payload, f, indent=1)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError:
        return None
    _source = f"measured ({path})"
    return path


@contextlib.contextmanager
def override(**changes):
    """Use these thresholds inside the block (tests use it to reach every kernel path)."""
    global _active
    old = thresholds()
    _active = replace(old, **changes)
    try:
        yield _active
    finally:
        _active = old


def reset() -> None:
    """Forget the loaded thresholds (re-read on next use)."""
    global _active
    _active = None


def describe_machine() -> dict:
    l1, l2 = cache_sizes()
    return {"cpu": cpu_model(), "target": _target_features()[0], "isa": isa(),
            "vector_bytes": vector_bytes(), "vector_registers": vector_registers(),
            "fma": has_fma(), "l1d": l1, "l2": l2, "cores": os.cpu_count(),
            "python": sys.version.split()[0]}


def describe() -> dict:
    """Everything the dispatchers assume on this machine (for benchmarks and ``info``)."""
    g32, g64 = matmul_geometry(np.float32), matmul_geometry(np.float64)
    return {**describe_machine(),
            "tile_f32": f"{g32.mr}x{g32.nr} (KC {g32.kc}, MC {g32.mc})",
            "tile_f64": f"{g64.mr}x{g64.nr} (KC {g64.kc}, MC {g64.mc})",
            "thresholds": asdict(thresholds()), "thresholds_from": _source}


__all__ = ["ISAS", "MatmulGeometry", "Thresholds", "cache_sizes", "cpu_model", "describe",
           "default_thresholds", "has_fma", "isa", "matmul_geometry", "override", "save",
           "thresholds", "tune_enabled", "tuning_file", "vector_bytes", "vector_registers"]
