"""What every numba kernel in this package shares.

* ``kernel`` / ``driver``: ``njit`` with the package's conventions. ``cache=True`` (the
  second process loads machine code from disk), ``error_model="numpy"`` (numba's default
  python error model tests every float division for a zero divisor and raises, a branch
  that stops LLVM vectorising: fused sigmoid ran at 4-9 ms per 1e6 float32 instead of
  0.24 ms) and fastmath without ``nnan``/``ninf`` (NaN and inf propagate as in numpy).
* ``U``: 1-D loops index with unsigned ``range(U(lo), U(hi))``. A signed index may be
  negative, so numba adds a wraparound select per element and LLVM falls back to
  gather/scatter (relu 1.3-1.9 ms vs 0.09 ms per 1e6).
* ``run``: the one size dispatch. Every chunked kernel comes as a serial kernel
  ``k(*args, lo, hi)`` over items ``lo..hi`` (elements or rows) and a three-line
  ``parallel=True`` driver ``p(*args, chunk)`` that runs the same kernel on chunks in
  ``prange``. Drivers are written out per kernel, not generated: numba cannot cache a
  driver that takes the kernel as an argument or closes over it (measured: recompiled in
  every process, ~1 s each).
* One kernel per variant a process may not use: a kernel compiles every branch it holds,
  so variants chosen at run time (the activations) get one small kernel (and driver) each,
  not a runtime ``code`` branch: the digits MLP's cold first step went from 2.3 to 1.3 s
  (2-core Xeon) when its six-activation kernels were split, the steady step unchanged.

Views are always taken outside parallel functions (numba 0.68.1 lost writes through views
made inside one).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import compile_notice
from . import parallel as _parallel

compile_notice.install()  # every kernel module imports this one

FASTMATH = {"contract", "arcp", "nsz", "reassoc", "afn"}
U = np.uint64
CHUNK = 1 << 14  # elements per chunk: no measurable difference between 2^12 and 2^16


def kernel(fn=None, *, inline: bool = False):
    """A serial numba kernel (or an always-inlined helper with ``inline=True``)."""
    opts = dict(cache=True, fastmath=FASTMATH, error_model="numpy", nogil=True)
    if inline:
        opts["inline"] = "always"
    deco = njit(**opts)
    return deco if fn is None else deco(fn)


def driver(fn):
    """The ``parallel=True`` driver of a chunked kernel."""
    return njit(cache=True, fastmath=FASTMATH, error_model="numpy", parallel=True)(fn)


def run(serial, parallel, args: tuple, n: int, size: int, limit: int, chunk: int = CHUNK):
    """Run ``serial(*args, 0, n)`` or, from ``limit`` elements of work (``size``) with
    more than one thread free, ``parallel(*args, chunk)`` (``chunk`` items per task).
    ``parallel.py`` decides whether threads are free (it backs off while a core is busy)."""
    if size < limit or not _parallel.worth_it(size):
        serial(*args, 0, n)
    else:
        _parallel.timed(parallel, (*args, chunk), size)


def rows_per_chunk(width: int) -> int:
    """Rows per parallel task so that each task covers about CHUNK elements."""
    return max(1, CHUNK // max(width, 1))


def flat(x: np.ndarray) -> np.ndarray:
    """A 1-D C-contiguous view (a copy only when x is not contiguous)."""
    return np.ascontiguousarray(x).reshape(-1)


FLOATS = (np.float32, np.float64)

__all__ = ["CHUNK", "FASTMATH", "FLOATS", "U", "driver", "flat", "kernel", "run",
           "rows_per_chunk"]
