"""Cache-blocked, register-blocked matmul for 2-D float32/float64 in numba.

Layout of the work: C (M, N) is cut into column panels of NR columns. One task per panel
(``prange`` over panels: a single parallel region per call). A task packs its KC x NR slices
of B into a contiguous buffer (zero-padded past N; packing reads any strides, so ``b.T``
costs nothing extra), then for every MR-row strip of A runs the micro-kernel: an MR x NR
accumulator tile that lives in registers (a stack-allocated array whose indices are
compile-time constants after unrolling, so LLVM promotes it to zmm registers) updated by
rank-1 products over k. A is read in place through its strides (its elements are
broadcast scalars, so no packing is needed).

MR = 4 rows; NR = 64 columns in float32 (4 x 4 zmm accumulators) and 32 in float64 (same
register footprint). KC = 128 keeps the B slice (KC x 256 bytes) in L1.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

MR = 4
NR32 = 64
NR64 = 32
KC = 128
_FM = {"contract", "arcp", "nsz", "reassoc", "afn"}


def _nr_for(dtype) -> int:
    return NR32 if np.dtype(dtype) == np.float32 else NR64


def _acc_tile(c):
    """An MR x NR scratch tile (python fallback when the JIT is disabled)."""
    return np.zeros((MR, _nr_for(c.dtype)), dtype=c.dtype)


def _panel_width(c):
    return _nr_for(c.dtype)


@intrinsic
def _stack_alloc(typingctx, arr):
    """Pointer to an alloca of MR*NR elements of arr's dtype (registers after SROA)."""
    dtype = arr.dtype
    n = MR * (NR32 if dtype == types.float32 else NR64)

    def codegen(context, builder, sig, args):
        ty = context.get_value_type(dtype)
        return cgutils.alloca_once(builder, ty, size=context.get_constant(types.intp, n))

    return types.CPointer(dtype)(arr), codegen


@overload(_acc_tile, inline="always")
def _acc_tile_ov(c):
    nr = NR32 if c.dtype == types.float32 else NR64

    def impl(c):
        return numba.carray(_stack_alloc(c), (MR, nr))

    return impl


@overload(_panel_width, inline="always")
def _panel_width_ov(c):
    nr = NR32 if c.dtype == types.float32 else NR64
    return lambda c: nr


@njit(fastmath=_FM, cache=True, inline="always")
def _micro(a, r0, m, k0, as0, as1, bp, boff, kc, acc):
    """acc[MR, NR] += A[r0:r0+MR, k0:k0+kc] @ bp[boff:boff+kc, :NR].

    Rows past m are clamped to m - 1 (computed, never stored). Every acc index is a
    compile-time constant after unrolling, which is what lets LLVM keep acc in registers.
    """
    nr = acc.shape[1]
    for k in range(kc):
        for i in range(MR):
            av = a[min(r0 + i, m - 1) * as0 + (k0 + k) * as1]
            for j in range(nr):
                acc[i, j] += av * bp[boff + k, j]


@njit(fastmath=_FM, cache=True)
def _panel(jp, a, as0, as1, b, bs0, bs1, bp, c, m, n, k):
    """Compute C[:, jp*NR:(jp+1)*NR]; bp rows [jp*K, (jp+1)*K) are this task's buffer."""
    nr = _panel_width(c)
    acc = _acc_tile(c)
    c0 = jp * nr
    ncols = min(nr, n - c0)
    base = jp * k
    # pack this panel of B: bp[base + kk, j] = B[kk, c0 + j], zero past n
    if bs1 <= bs0:  # B row-major-ish: read along rows
        for kk in range(k):
            for j in range(ncols):
                bp[base + kk, j] = b[kk * bs0 + (c0 + j) * bs1]
    else:  # B transposed (the backward's a @ w.T): read along columns
        for j in range(ncols):
            for kk in range(k):
                bp[base + kk, j] = b[kk * bs0 + (c0 + j) * bs1]
    for kk in range(k):
        for j in range(ncols, nr):
            bp[base + kk, j] = 0
    for k0 in range(0, k, KC):
        kc = min(KC, k - k0)
        for r0 in range(0, m, MR):
            full = r0 + MR <= m and ncols == nr
            if k0 == 0:
                for i in range(MR):
                    for j in range(nr):
                        acc[i, j] = 0
            elif full:
                for i in range(MR):
                    for j in range(nr):
                        acc[i, j] = c[r0 + i, c0 + j]
            else:
                for i in range(MR):
                    for j in range(nr):
                        acc[i, j] = c[r0 + i, c0 + j] if r0 + i < m and j < ncols else 0
            _micro(a, r0, m, k0, as0, as1, bp, base + k0, kc, acc)
            if full:
                for i in range(MR):
                    for j in range(nr):
                        c[r0 + i, c0 + j] = acc[i, j]
            else:
                for i in range(MR):
                    for j in range(nr):
                        if r0 + i < m and j < ncols:
                            c[r0 + i, c0 + j] = acc[i, j]


@njit(fastmath=_FM, cache=True, parallel=True)
def _mm_parallel(a, as0, as1, b, bs0, bs1, bp, c, m, n, k):
    npanel = bp.shape[0] // max(k, 1)
    for jp in prange(npanel):
        _panel(jp, a, as0, as1, b, bs0, bs1, bp, c, m, n, k)


@njit(fastmath=_FM, cache=True)
def _mm_serial(a, as0, as1, b, bs0, bs1, bp, c, m, n, k):
    npanel = bp.shape[0] // max(k, 1)
    for jp in range(npanel):
        _panel(jp, a, as0, as1, b, bs0, bs1, bp, c, m, n, k)


def _flat(x: np.ndarray) -> tuple[np.ndarray, int, int]:
    """A 1-D contiguous-typed view over x's buffer plus x's strides in elements."""
    s0, s1 = (s // x.itemsize for s in x.strides)
    if x.size == 0 or s0 < 0 or s1 < 0 or x.strides[0] % x.itemsize or x.strides[1] % x.itemsize:
        x = np.ascontiguousarray(x)
        s0, s1 = (s // x.itemsize for s in x.strides)
    span = (x.shape[0] - 1) * s0 + (x.shape[1] - 1) * s1 + 1 if x.size else 0
    flat = np.lib.stride_tricks.as_strided(x, shape=(span,), strides=(x.itemsize,))
    return flat, s0, s1


# Below this many flops the thread hand-off costs more than it saves (measured: see
# benchmarks/bench_kernels.py); such products run the serial kernel.
PARALLEL_MIN_FLOPS = 2 * 64 * 64 * 64


def matmul2d(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """C = a @ b for 2-D float32/float64 arrays of the same dtype, any strides."""
    m, k = a.shape
    n = b.shape[1]
    c = np.empty((m, n), dtype=a.dtype) if out is None else out
    if m == 0 or n == 0:
        return c
    if k == 0:
        c[...] = 0
        return c
    nr = _nr_for(a.dtype)
    npanel = -(-n // nr)
    bp = np.empty((npanel * k, nr), dtype=a.dtype)
    fa, as0, as1 = _flat(a)
    fb, bs0, bs1 = _flat(b)
    if 2 * m * n * k >= PARALLEL_MIN_FLOPS and npanel > 1 and numba.get_num_threads() > 1:
        _mm_parallel(fa, as0, as1, fb, bs0, bs1, bp, c, m, n, k)
    else:
        _mm_serial(fa, as0, as1, fb, bs0, bs1, bp, c, m, n, k)
    return c
