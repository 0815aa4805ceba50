"""Packed, register-blocked matmul for 2-D float32/float64 in numba.

The work follows GotoBLAS's layout. A is packed into strips of MR rows (k-major, the MR
values of one k adjacent), B into panels of NR columns (k-major rows of NR), both padded
with zeros, so the micro-kernel never sees an edge. The micro-kernel keeps an MR x NR tile
of C in vector registers across a KC-long slice of k: per k it loads NV vectors of the B
panel, broadcasts MR values of the A strip and issues MR*NV fused multiply-adds.

The tile comes from ``tuning.matmul_geometry``: with 32 vector registers (AVX-512, NEON)
MR = 8 and NR = 3 vectors (48 float32 / 24 float64 on AVX-512): 24 accumulators + 3 B
vectors + 1 broadcast = 28 of the 32 registers; with 16 (AVX2, SSE2) 6 x 2 (12 + 3 of 16).

The micro-kernel is an ``@intrinsic`` that emits LLVM vector IR directly (``<16 x float>``
allocas that mem2reg turns into registers, ``llvm.fma``). Plain numba loops did not get
there: a stack tile indexed by unrolled constants was only partly promoted and reached
62-130 GFLOP/s on one thread where this reaches 130-180 float32 (asm: 24 ``vfmadd231ps``
on zmm per k, loop unrolled twice, no spills; OpenBLAS's Haswell kernel here: ~100, its
AVX-512 kernel: ~200). With ``NUMBA_DISABLE_JIT=1`` the Python body of ``_ukernel`` (numpy)
runs instead.

Loops (GotoBLAS's order): k blocks of KC outer; per k block the A strips are packed (MR x
KC each, the block in L2), then per B panel its KC x NR block (in L1) and the micro-kernel
over the strips, the C tile accumulating from the second k block on. Packing per k block
keeps the packed copies in cache: packing all of B first (1.6 MB for 784x512) sent it to
memory and back, and 256x784x512 took 1349 instead of 1148 us on one thread (Intel Xeon,
AVX-512). The parallel driver is one region: each thread packs what its own tiles need
into its own buffers (A strips twice over two threads, ~10 us), so no thread waits for
another until the end; offsets into shared buffers, not views (numba 0.68.1 lost writes
through views made in parallel code).
"""

from __future__ import annotations

import threading

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

from . import parallel as _par
from . import tuning
from ._jit import FASTMATH as _FM
from ._jit import U as _U


def _geom(dtype):
    """(MR, W, NV): tile rows, vector width (elements), vectors per tile row (tuning.py)."""
    g = tuning.matmul_geometry(dtype)
    return g.mr, g.w, g.nv


KC = tuning.matmul_geometry(np.float32).kc
# A product whose C is larger than this (bytes) takes k blocks of up to 2 KC: every k block
# loads and stores all of C once, and with C out of L2 those sweeps cost more than the B
# panel's spill out of L1 (one thread, GFLOP/s at KC 192 / 384: 1024^3 160 / 179, while 512^3
# 187 / 181 and 256x784x512 185 / 189; Intel Xeon, AVX-512, 2 MB L2, OpenBLAS 194 / 192 / 178)
C_BIG = tuning.cache_sizes()[1] // 2
# k steps per pass of the micro-kernel's loop (and a remainder loop): unrolled by hand,
# since LLVM kept one k per pass; the micro-kernel alone went from 161-175 to 178-184
# GFLOP/s float32 at 4 (2: 174-179; Intel Xeon, AVX-512, whose FMA peak is ~228 on one core)
_UNROLL = 4


def _ukernel(a, aoff, b, boff, kc, c, coff, ldc, load):
    """c[tile] (+)= A-strip @ B-panel, tile MR x NR at c[coff] with row stride ldc (python)."""
    mr, w, nv = _geom(a.dtype)
    nr = w * nv
    A = a[aoff:aoff + kc * mr].reshape(kc, mr)
    B = b[boff:boff + kc * nr].reshape(kc, nr)
    tile = A.T @ B
    for i in range(mr):
        row = c[coff + i * ldc:coff + i * ldc + nr]
        row[:] = (row if load else 0) + tile[i]


def _make_ukernel_ir(nvx):
    """The micro-kernel computing the first ``nvx`` of the tile's NV vectors per row (the B
    panel keeps its NR-wide layout): NV for full panels, fewer for the ragged last one."""

    @intrinsic
    def ukernel_ir(typingctx, a, aoff, b, boff, kc, c, coff, ldc, load):
        return _ukernel_codegen(a, aoff, b, boff, kc, c, coff, ldc, load, nvx)

    return ukernel_ir


def _ukernel_codegen(a, aoff, b, boff, kc, c, coff, ldc, load, nvx):
    dtype = a.dtype
    mr, w, nv_full = _geom(np.float32 if dtype == types.float32 else np.float64)
    nr = w * nv_full
    nv = min(nvx, nv_full)
    sig = types.void(a, aoff, b, boff, kc, c, coff, ldc, load)

    def codegen(context, builder, sig, args):
        ta, taoff, tb, tboff, tkc, tc, tcoff, tldc, _ = sig.args
        A = context.make_array(ta)(context, builder, args[0])
        B = context.make_array(tb)(context, builder, args[2])
        C = context.make_array(tc)(context, builder, args[5])

        def ix(v, t):
            return context.cast(builder, v, t, types.intp)

        aoff_, boff_, kc_ = ix(args[1], taoff), ix(args[3], tboff), ix(args[4], tkc)
        coff_, ldc_ = ix(args[6], tcoff), ix(args[7], tldc)
        flag = context.cast(builder, args[8], sig.args[8], types.boolean)
        flag = builder.trunc(flag, ir.IntType(1)) if flag.type != ir.IntType(1) else flag
        ity = context.get_value_type(types.intp)
        fty = context.get_value_type(dtype)
        vty = ir.VectorType(fty, w)
        vptr = vty.as_pointer()
        i32 = ir.IntType(32)
        fname = f"llvm.fma.v{w}{'f32' if dtype == types.float32 else 'f64'}"
        fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vty, [vty] * 3),
                                             fname)

        def k(n):
            return ir.Constant(ity, n)

        pa = builder.gep(A.data, [aoff_])
        pb = builder.gep(B.data, [boff_])
        pc = builder.gep(C.data, [coff_])
        zero = ir.Constant(vty, None)
        accs = []
        for _i in range(mr):
            accs.append([])
            for _j in range(nv):
                slot = cgutils.alloca_once(builder, vty)
                builder.store(zero, slot)
                accs[-1].append(slot)
        # C is read only when accumulating (a later k block): the first block's tile starts
        # at zero without touching C, which may be a fresh, never-written output array
        with builder.if_then(flag):
            for i in range(mr):
                row = builder.gep(pc, [builder.mul(ldc_, k(i))])
                for j in range(nv):
                    p = builder.bitcast(builder.gep(row, [k(j * w)]), vptr)
                    builder.store(builder.load(p, align=4), accs[i][j])
        undef = ir.Constant(vty, ir.Undefined)
        splat = ir.Constant(ir.VectorType(i32, w), [0] * w)
        def k_step(kk):
            bk = builder.gep(pb, [builder.mul(kk, k(nr))])
            bv = [builder.load(builder.bitcast(builder.gep(bk, [k(j * w)]), vptr), align=4)
                  for j in range(nv)]
            ak = builder.gep(pa, [builder.mul(kk, k(mr))])
            for i in range(mr):
                s = builder.load(builder.gep(ak, [k(i)]))
                sv = builder.shuffle_vector(builder.insert_element(undef, s, ir.Constant(i32, 0)),
                                            undef, splat)
                for j in range(nv):
                    acc = builder.load(accs[i][j])
                    builder.store(builder.call(fma, [sv, bv[j], acc]), accs[i][j])

        unroll = _UNROLL
        main = builder.sdiv(kc_, k(unroll)) if unroll > 1 else kc_
        with cgutils.for_range(builder, main) as loop:
            for u in range(unroll):
                k_step(builder.add(builder.mul(loop.index, k(unroll)), k(u)))
        if unroll > 1:
            with cgutils.for_range(builder, builder.sub(kc_, builder.mul(main, k(unroll)))
                                   ) as loop:
                k_step(builder.add(builder.mul(main, k(unroll)), loop.index))
        for i in range(mr):
            row = builder.gep(pc, [builder.mul(ldc_, k(i))])
            for j in range(nv):
                p = builder.bitcast(builder.gep(row, [k(j * w)]), vptr)
                builder.store(builder.load(accs[i][j]), p, align=4)
        return context.get_dummy_value()

    return sig, codegen


_ukernel_ir = _make_ukernel_ir(3)  # NV is at most 3 (tuning.matmul_geometry)
_ukernel_ir2 = _make_ukernel_ir(2)
_ukernel_ir1 = _make_ukernel_ir(1)


@overload(_ukernel, inline="always")
def _ukernel_ov(a, aoff, b, boff, kc, c, coff, ldc, load):
    def impl(a, aoff, b, boff, kc, c, coff, ldc, load):
        _ukernel_ir(a, aoff, b, boff, kc, c, coff, ldc, load)

    return impl


def _ukernel_narrow(a, aoff, b, boff, kc, c, coff, ldc, load, nvx):
    """The tile's first nvx vectors per row only (python: the whole tile; the extra
    columns land in the edge scratch, never in C)."""
    _ukernel(a, aoff, b, boff, kc, c, coff, ldc, load)


@overload(_ukernel_narrow, inline="always")
def _ukernel_narrow_ov(a, aoff, b, boff, kc, c, coff, ldc, load, nvx):
    def impl(a, aoff, b, boff, kc, c, coff, ldc, load, nvx):
        if nvx >= 3:
            _ukernel_ir(a, aoff, b, boff, kc, c, coff, ldc, load)
        elif nvx == 2:
            _ukernel_ir2(a, aoff, b, boff, kc, c, coff, ldc, load)
        else:
            _ukernel_ir1(a, aoff, b, boff, kc, c, coff, ldc, load)

    return impl


def _tile_shape(x):
    mr, w, nv = _geom(x.dtype)
    return mr, w * nv


@overload(_tile_shape, inline="always")
def _tile_shape_ov(x):
    mr, w, nv = _geom(np.float32 if x.dtype == types.float32 else np.float64)
    nr = w * nv
    return lambda x: (mr, nr)


def _nv(x):
    return _geom(x.dtype)[2]


@overload(_nv, inline="always")
def _nv_ov(x):
    nv = _geom(np.float32 if x.dtype == types.float32 else np.float64)[2]
    return lambda x: nv


def _make_transpose_ir(wd):
    """An intrinsic moving a wd x wd block: dst[doff + c*dld + r] = src[soff + r*sld + c]
    (wd a power of two: the vector width).

    wd row loads (one vector each), log2(wd) rounds of pairwise shuffles, wd vector stores.
    The B pack of the forward's x @ W.T (W's rows are B's columns) did this element by
    element, 48 read streams: 37 us of a 327 us 128x784x256 product, 19 us this way (one
    thread; the product 293 us, as fast as with a row-major B; Intel Xeon, AVX-512).
    """

    @intrinsic
    def transpose_ir(typingctx, dst, doff, dld, src, soff, sld):
        sig = types.void(dst, doff, dld, src, soff, sld)

        def codegen(context, builder, sig, args):
            D = context.make_array(sig.args[0])(context, builder, args[0])
            S = context.make_array(sig.args[3])(context, builder, args[3])
            doff_, dld_, soff_, sld_ = (context.cast(builder, args[i], sig.args[i], types.intp)
                                        for i in (1, 2, 4, 5))
            ity = context.get_value_type(types.intp)
            fty = context.get_value_type(sig.args[0].dtype)
            vptr = ir.VectorType(fty, wd).as_pointer()
            align = sig.args[0].dtype.bitwidth // 8
            mty = ir.VectorType(ir.IntType(32), wd)

            def row(arr, off, ld, r):  # a vector pointer to arr.data[off + r * ld]
                q = builder.gep(arr.data, [builder.add(off, builder.mul(ld, ir.Constant(ity, r)))])
                return builder.bitcast(q, vptr)

            rows = [builder.load(row(S, soff_, sld_, r), align=align) for r in range(wd)]
            bs = 1
            while bs < wd:  # round bs: rows r and r+bs swap their off-diagonal bs-blocks
                lo = [j if not j & bs else wd + j - bs for j in range(wd)]
                hi = [j + bs if not j & bs else wd + j for j in range(wd)]
                for r in range(wd):
                    if not r & bs:
                        x, y = rows[r], rows[r + bs]
                        rows[r] = builder.shuffle_vector(x, y, ir.Constant(mty, lo))
                        rows[r + bs] = builder.shuffle_vector(x, y, ir.Constant(mty, hi))
                bs *= 2
            for c in range(wd):
                builder.store(rows[c], row(D, doff_, dld_, c), align=align)
            return context.get_dummy_value()

        return sig, codegen

    return transpose_ir


_TRANSPOSE_IR: dict = {}  # width -> intrinsic, built on first use


def _transpose_w(dst, doff, dld, src, soff, sld):
    """dst[doff + c*dld + r] = src[soff + r*sld + c] for r, c < W, W the vector width
    (python; compiled: the intrinsic above)."""
    wd = _geom(dst.dtype)[1]
    for r in range(wd):
        for c in range(wd):
            dst[doff + c * dld + r] = src[soff + r * sld + c]


@overload(_transpose_w, inline="always")
def _transpose_w_ov(dst, doff, dld, src, soff, sld):
    wd = _geom(np.float32 if dst.dtype == types.float32 else np.float64)[1]
    if wd not in _TRANSPOSE_IR:
        _TRANSPOSE_IR[wd] = _make_transpose_ir(wd)
    tr = _TRANSPOSE_IR[wd]
    return lambda dst, doff, dld, src, soff, sld: tr(dst, doff, dld, src, soff, sld)


# Packing runs on unsigned indices (_U): numba adds a negative-index wraparound per access
# for signed ones, which kept these copies scalar; with them, packing took half the time of
# a 128x784x256 product (282 of 559 us on one thread).


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _pack_a(a, as0, as1, ap, s, m, k0, kc, base):
    """Strip s of A (rows s*MR ..), columns k0 .. k0+kc, into ap[base:], k-major, MR rows
    interleaved, 0-padded."""
    mr, nr = _tile_shape(ap)
    umr, ukc, uas0, uas1 = _U(mr), _U(kc), _U(as0), _U(as1)
    ub, uk0 = _U(base), _U(k0)
    r0 = _U(s * mr)
    rows = _U(min(mr, m - s * mr))
    if as0 == 1:  # A is a transposed C array (the backward's X.T): contiguous both sides
        for kk in range(_U(0), ukc):
            src = r0 + (uk0 + kk) * uas1
            dst = ub + kk * umr
            for i in range(_U(0), rows):
                ap[dst + i] = a[src + i]
    elif rows == umr and as1 == 1:  # row-major, full strip: MR streams along k (an MR x MR
        for kk in range(_U(0), ukc):  # block transpose here was no faster: L2-bound)
            dst = ub + kk * umr
            for i in range(mr):
                ap[dst + _U(i)] = a[(r0 + _U(i)) * uas0 + uk0 + kk]
    else:
        for i in range(_U(0), rows):
            src = (r0 + i) * uas0
            for kk in range(_U(0), ukc):
                ap[ub + kk * umr + i] = a[src + (uk0 + kk) * uas1]
    for i in range(rows, umr):
        for kk in range(_U(0), ukc):
            ap[ub + kk * umr + i] = 0


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _pack_b(b, bs0, bs1, bp, p, n, k0, kc, base):
    """Panel p of B (cols p*NR ..), rows k0 .. k0+kc, into bp[base:], k-major rows of NR,
    0-padded."""
    mr, nr = _tile_shape(bp)
    unr, ukc, ubs0, ubs1 = _U(nr), _U(kc), _U(bs0), _U(bs1)
    ub, uk0 = _U(base), _U(k0)
    c0 = _U(p * nr)
    ncols = _U(min(nr, n - p * nr))
    if bs1 == 1:  # row-major B: each k row of the panel is one contiguous copy
        for kk in range(_U(0), ukc):
            src = (uk0 + kk) * ubs0 + c0
            dst = ub + kk * unr
            for j in range(_U(0), ncols):
                bp[dst + j] = b[src + j]
    elif ncols == unr and bs0 == 1:  # the forward's W.T: W's rows are B's columns, so
        w = nr // _nv(bp)  # the panel is W's block transposed, W x W blocks at a time
        kfull = kc // w * w
        for kk in range(0, kfull, w):
            for jb in range(0, nr, w):
                _transpose_w(bp, base + kk * nr + jb, nr, b, (k0 + kk) + (p * nr + jb) * bs1,
                             bs1)
        for kk in range(_U(kfull), ukc):
            src = uk0 + kk + c0 * ubs1
            dst = ub + kk * unr
            for j in range(nr):
                bp[dst + _U(j)] = b[src + _U(j) * ubs1]
    elif ncols == unr:  # another strided full panel: NR read streams
        for kk in range(_U(0), ukc):
            src = (uk0 + kk) * ubs0 + c0 * ubs1
            dst = ub + kk * unr
            for j in range(nr):
                bp[dst + _U(j)] = b[src + _U(j) * ubs1]
    else:
        for j in range(_U(0), ncols):
            src = (c0 + j) * ubs1
            for kk in range(_U(0), ukc):
                bp[ub + kk * unr + j] = b[src + (uk0 + kk) * ubs0]
    for kk in range(_U(0), ukc):
        for j in range(ncols, unr):
            bp[ub + kk * unr + j] = 0


@njit(fastmath=_FM, cache=True, error_model="numpy")
def k_max(m, n, itemsize):
    """The longest k block of an (m, n) result: KC, or 2 KC when C is over ``C_BIG`` bytes
    (the A packs are laid out with this stride, so every caller sizes them with it)."""
    return 2 * KC if m * n * itemsize > C_BIG else KC


@njit(fastmath=_FM, cache=True, error_model="numpy", inline="always")
def _k_block(k, kmax):
    """The k-block length: k split into near-equal blocks of at most kmax (a multiple of
    the unroll), so no block is a short remainder whose C loads and stores, packing and loop
    set-up the few k steps do not pay for (with KC 192, k = 784 runs 4 x 160 + 144, not
    4 x 192 + 16)."""
    nb = (k + kmax - 1) // kmax
    kb = (k + nb - 1) // nb
    kb = (kb + _UNROLL - 1) // _UNROLL * _UNROLL
    return min(kb, kmax)


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _tiles(a, as0, as1, b, bs0, bs1, ap, abase, bp, bbase, c, ldc, e, m, n, k, segs, t, nseg):
    """The tiles of segs[t, :nseg] (rows (panel, first strip, end strip)), k blocks outer:
    per k block the A strips these tiles use are packed into ap[abase:] (MR x KC each, in
    L2), then per segment its B panel's KC x NR block into bp[bbase:] (in L1) and the
    micro-kernel runs over the segment's strips, accumulating into C from the second block.

    C is the caller's (m, n) array (row stride ldc). A tile that would cross C's last row or
    column accumulates in its own MR x NR slot of the scratch ``e`` (slot s for the last
    panel, ns + p for the last strip) and only its valid part is copied out at the end,
    so a ragged product never needs a padded copy of C."""
    mr, nr = _tile_shape(ap)
    ns = (m + mr - 1) // mr
    w = nr // _nv(ap)
    smin, smax = ns, 0
    for q in range(nseg):
        smin = min(smin, segs[t, q, 1])
        smax = max(smax, segs[t, q, 2])
    kmax = k_max(m, n, c.itemsize)
    kb = _k_block(k, kmax)
    for k0 in range(0, k, kb):
        kc = min(kb, k - k0)
        for s in range(smin, smax):
            _pack_a(a, as0, as1, ap, s, m, k0, kc, abase + s * kmax * mr)
        for q in range(nseg):
            p, s0, s1 = segs[t, q, 0], segs[t, q, 1], segs[t, q, 2]
            _pack_b(b, bs0, bs1, bp, p, n, k0, kc, bbase)
            edge_col = (p + 1) * nr > n
            nvx = (min(nr, n - p * nr) + w - 1) // w
            for s in range(s0, s1):
                aoff = abase + s * kmax * mr
                if edge_col:
                    _ukernel_narrow(ap, aoff, bp, bbase, kc, e, s * mr * nr, nr, k0 > 0, nvx)
                elif (s + 1) * mr > m:
                    _ukernel(ap, aoff, bp, bbase, kc, e, (ns + p) * mr * nr, nr, k0 > 0)
                else:
                    _ukernel(ap, aoff, bp, bbase, kc, c, s * mr * ldc + p * nr, ldc, k0 > 0)
    for q in range(nseg):
        p, s0, s1 = segs[t, q, 0], segs[t, q, 1], segs[t, q, 2]
        edge_col = (p + 1) * nr > n
        for s in range(s0, s1):
            if edge_col or (s + 1) * mr > m:
                slot = s if edge_col else ns + p
                rows = min(mr, m - s * mr)
                cols = min(nr, n - p * nr)
                for i in range(rows):
                    src = slot * mr * nr + i * nr
                    dst = (s * mr + i) * ldc + p * nr
                    for j in range(cols):
                        c[dst + j] = e[src + j]


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _segments(t, groups, m, n, nr, mr, full, segs):
    """Thread t's share of the tiles into segs[t] (returns how many rows): contiguous
    panel-major ranges weighted by the vectors each panel computes, so each thread reads
    about its share of B and a ragged last panel does not leave a thread idle (split by
    whole panels, 256 columns = 5.33 panels of 48 ran 144 vs 112 columns per thread). The
    whole segs array is indexed, not a view of it: numba 0.68.1 lost writes through views
    made in parallel code."""
    ns = (m + mr - 1) // mr
    npn = (n + nr - 1) // nr
    if m > n and groups > 1 and ns >= groups:
        # taller than wide: each thread takes a range of strips across every panel, so each
        # packs only its own rows of A (the larger operand) and all of the smaller B; split
        # by panels, both packed all of A (256x784x128: 199 instead of ~150 us on two
        # threads; Intel Xeon, AVX-512)
        s0 = ns * t // groups
        s1 = ns * (t + 1) // groups
        for p in range(npn):
            segs[t, p, 0], segs[t, p, 1], segs[t, p, 2] = p, s0, s1
        return npn
    w = nr // full
    last = (n - (npn - 1) * nr + w - 1) // w
    total = ((npn - 1) * full + last) * ns
    lo = total * t // groups
    hi = total * (t + 1) // groups
    q = 0
    for p in range(npn):
        wt = full if p < npn - 1 else last
        start = p * full * ns
        end = start + wt * ns
        if end <= lo or start >= hi:
            continue
        s0 = (max(lo, start) - start + wt - 1) // wt
        s1 = (min(hi, end) - start + wt - 1) // wt
        if s1 > s0:
            segs[t, q, 0], segs[t, q, 1], segs[t, q, 2] = p, s0, s1
            q += 1
    return q


@njit(fastmath=_FM, cache=True, error_model="numpy", parallel=True)
def _mm_parallel(a, as0, as1, b, bs0, bs1, ap, bp, c, ldc, e, m, n, k, groups, segs):
    """One parallel region: each of `groups` threads packs what its own tiles need (its
    A strips, per k block, and its B panels) into its own part of ap and bp, so no thread
    waits for another until the region ends."""
    mr, nr = _tile_shape(ap)
    ns = (m + mr - 1) // mr
    full = _nv(ap)
    kmax = k_max(m, n, c.itemsize)
    for t in prange(groups):
        nseg = _segments(t, groups, m, n, nr, mr, full, segs)
        _tiles(a, as0, as1, b, bs0, bs1, ap, t * ns * kmax * mr, bp, t * kmax * nr, c, ldc, e,
               m, n, k, segs, t, nseg)


@njit(fastmath=_FM, cache=True, error_model="numpy")
def _mm_serial(a, as0, as1, b, bs0, bs1, ap, bp, c, ldc, e, m, n, k, groups, segs):
    mr, nr = _tile_shape(ap)
    nseg = _segments(0, 1, m, n, nr, mr, _nv(ap), segs)
    _tiles(a, as0, as1, b, bs0, bs1, ap, 0, bp, 0, c, ldc, e, m, n, k, segs, 0, nseg)


def _flat(x: np.ndarray) -> tuple[np.ndarray, int, int]:
    """A 1-D view over x's buffer plus x's strides in elements (copies odd layouts only)."""
    if x.flags.c_contiguous:
        return x.reshape(-1), x.shape[1], 1
    if x.flags.f_contiguous:  # a transposed C array: the backward's W.T and X.T
        return x.T.reshape(-1), 1, x.shape[0]
    s0, s1 = (s // x.itemsize for s in x.strides)
    if s0 < 0 or s1 < 0 or x.strides[0] % x.itemsize or x.strides[1] % x.itemsize:
        x = np.ascontiguousarray(x)
        return x.reshape(-1), x.shape[1], 1
    span = (x.shape[0] - 1) * s0 + (x.shape[1] - 1) * s1 + 1
    flat = np.lib.stride_tricks.as_strided(x, shape=(span,), strides=(x.itemsize,))
    return flat, s0, s1


# Which products this kernel takes (the rest go to np.matmul), measured on this machine
# (2-core AMD EPYC znver5, AVX-512, OpenBLAS 0.3.31 with OPENBLAS_CORETYPE=Haswell), same
# process, medians of 9 interleaved rounds, 1 thread each, GFLOP/s ours vs numpy:
#   float32  128x784x256 146 vs 98   784x128x256 (A = X.T) 147 vs 103
#            128x256x784 (B = W.T) 133 vs 101   256x784x512 159 vs 97   512^3 157 vs 98
#            128x128x128 115 vs 96   128x64x128 91 vs 71   32x256x256 102 vs 78
#            16x784x256 89 vs 72   128x784x64 120 vs 105   256x256x32 83 vs 78
#   loses    64x64x64 41 vs 67   64x128x64 63 vs 79   128x256x10 25 vs 50
#            128x10x256 41 vs 52   256x256x16 43 vs 64
#   float64  128x64x128 67 vs 51   128x784x64 70 vs 49   784x128x256 87 vs 53
#            256x256x32 40 vs 43 (loses)   128x256x10 17 vs 25 (loses)
# So: at least 2 MFLOP (below it the ~10 us of fixed cost dominates), N >= 32 and at most
# a third of the last B panel wasted on padding (N = 10 computes 48 columns, 21% useful).
# Two threads paid off from ~4 MFLOP (medians, us, serial vs parallel: 128x64x128 21 vs
# 24, 128x128x128 36 vs 32, 128x256x128 58 vs 50, 128x784x256 325 vs 189).
# These cut-offs live in tuning.py (mm_*), per ISA, and `python -m autograd.kernels tune`
# re-measures them on the machine it runs on.


_NR: dict = {}  # dtype -> NR of its tile, 0 for dtypes the kernel does not take


def use_kernel(m: int, k: int, n: int, dtype) -> bool:
    """True when this kernel beats np.matmul on an (m, k) @ (k, n) product (measured)."""
    th = tuning.thresholds()
    if 2 * m * k * n < th.mm_min_flops or n < th.mm_min_n or k < th.mm_min_k:
        return False
    nr = _NR.get(dtype)
    if nr is None:
        dt = np.dtype(dtype)
        nr = _NR[dtype] = tuning.matmul_geometry(dt).nr if dt in (np.float32, np.float64) else 0
    return nr > 0 and 1 - n / (-(-n // nr) * nr) <= th.mm_max_pad_waste


def matmul_ref(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` with numpy's semantics (1-D, 2-D, batched N-D with broadcasting)."""
    return np.matmul(a, b)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` with numpy's semantics; the packed kernel where it beats BLAS.

    2-D float32/float64 products (and each slice of a batched product) that ``use_kernel``
    accepts run ``matmul2d``; the rest go to numpy's BLAS, which is faster there. (BLAS
    stays on one thread: given its threads for the products the kernel does not take, it
    ran 128x784x256 at 212 instead of 134 GFLOP/s alone, but the 784-512-512-10 training
    step took 7.1 instead of 5.1 ms, its threads and numba's stalling each other; Intel Xeon,
    AVX-512, 2 cores.)
    """
    sa, sb = a.shape, b.shape
    if (len(sa) == 2 and len(sb) == 2
            and 2 * sa[0] * sa[1] * sb[1] < tuning.thresholds().mm_min_flops):
        return np.matmul(a, b)  # small: BLAS, without the checks below
    if (
        a.ndim < 2
        or b.ndim < 2
        or a.dtype != b.dtype
        or a.dtype not in (np.float32, np.float64)
        or a.shape[-1] != b.shape[-2]
    ):
        return np.matmul(a, b)  # also numpy's 1-D rules and its shape-mismatch error
    return matmul_into(a, b, None)


def matmul_into(a: np.ndarray, b: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """The dispatch of ``matmul`` for float operands of one dtype whose shapes line up
    (``out``: None, or a C-contiguous result array): the one place that decides between
    BLAS and the kernel, serial or parallel (``autograd.compile`` replays through it)."""
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    if not use_kernel(m, k, n, a.dtype):
        return np.matmul(a, b) if out is None else np.matmul(a, b, out=out)
    flops = 2 * m * k * n
    threads = _threads_pay(flops)
    if not threads:
        lo, hi = tuning.thresholds().mm_serial_range(a.dtype)
        if not lo <= flops < hi:  # one thread here, and there BLAS is faster at this size
            return np.matmul(a, b) if out is None else np.matmul(a, b, out=out)
    if a.ndim == 2 and b.ndim == 2:
        return matmul2d(a, b, out=out, parallel=threads)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    ab = np.broadcast_to(a, batch + a.shape[-2:])
    bb = np.broadcast_to(b, batch + b.shape[-2:])
    if out is None:
        out = np.empty(batch + (a.shape[-2], b.shape[-1]), dtype=a.dtype)
    for idx in np.ndindex(*batch):
        matmul2d(ab[idx], bb[idx], out=out[idx], parallel=threads)
    return out


def _threads_pay(flops: int) -> bool:
    """Two threads pay off at this size and are free now (parallel.py's back-off)."""
    return flops >= tuning.thresholds().mm_parallel_min_flops and _par.worth_it(flops)




# The packed blocks of A and B (and the edge-tile scratch of a ragged product) live in buffers kept
# per thread and reused from call to call, 64-byte aligned. Fresh np.empty buffers of a few
# hundred KB are mmap'd by the allocator and every page faults on first touch: 256x256x256
# took 450-500 us that way instead of 240 in some processes (it depends on the allocator's
# history), and the aligned packs are ~7% faster than 16-byte aligned ones (Intel Xeon,
# AVX-512, one thread). Buffers above WORKSPACE_MAX bytes are not kept.
WORKSPACE_MAX = 32 << 20
_ws = threading.local()


def aligned_empty(n: int, dtype) -> np.ndarray:
    """A 1-D array of n elements whose data starts on a 64-byte boundary (a view of a byte
    buffer, its ``base``). numpy's large arrays start 16 bytes into a page, so every zmm
    store of a micro-kernel tile into them splits two cache lines: the fused step's weight
    gradient product (256x784 from K = 128) ran 372 instead of 326 us in its step (Intel
    Xeon, AVX-512)."""
    dtype = np.dtype(dtype)
    raw = np.empty(n * dtype.itemsize + 64, dtype=np.uint8)
    off = -raw.ctypes.data % 64
    return raw[off:off + n * dtype.itemsize].view(dtype)


def _workspace(slot: int, n: int, dtype) -> np.ndarray:
    """n elements of a reusable, 64-byte-aligned scratch buffer (one per thread and slot)."""
    dtype = np.dtype(dtype)
    key = (slot, dtype.char)
    cache = _ws.__dict__
    buf = cache.get(key)
    if buf is None or buf.size < n:
        buf = aligned_empty(n, dtype)
        if n * dtype.itemsize > WORKSPACE_MAX:
            return buf
        cache[key] = buf
        cache.pop("plans", None)  # they hold views of the buffer this one replaces
    return buf[:n]


def _plan(m: int, k: int, n: int, dtype: np.dtype, groups: int) -> tuple:
    """The scratch of an (m, k) @ (k, n) product on ``groups`` threads, for this Python
    thread: (A packs, B packs, edge tiles, segment table), cached per shape (the setup of
    a product, 3-4 us in Python, was a fifth of a 2-MFLOP product's time; Intel Xeon,
    AVX-512)."""
    key = (m, k, n, dtype.char, groups)
    plans = _ws.__dict__.setdefault("plans", {})
    plan = plans.get(key)
    if plan is None:
        mr, w, nv = _geom(dtype)
        nr = w * nv
        ns, npn = -(-m // mr), -(-n // nr)
        kmax = k_max(m, n, dtype.itemsize)
        plan = (_workspace(0, groups * ns * kmax * mr, dtype),  # per thread: its A strips
                _workspace(1, groups * kmax * nr, dtype),  # per thread: one B panel block
                _workspace(2, (ns + npn) * mr * nr, dtype),
                np.empty((groups, npn + 1, 3), dtype=np.int64))
        if plan[0].nbytes > WORKSPACE_MAX:  # (its packs are not kept either)
            return plan
        plans = _ws.__dict__.setdefault("plans", {})  # (a buffer grown above dropped them)
        if len(plans) >= 64:
            plans.clear()
        plans[key] = plan
    return plan


def matmul2d(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None,
             parallel: bool | None = None) -> np.ndarray:
    """C = a @ b for 2-D float32/float64 arrays of the same dtype, any strides.

    Always runs this kernel (``matmul`` decides when to call it). ``out``
    must be an (m, n) array of a's dtype (written in place; rows with a stride are written
    directly, other layouts through a copy); ``parallel=None`` picks by size.
    """
    m, k = a.shape
    n = b.shape[1]
    c = np.empty((m, n), dtype=a.dtype) if out is None else out
    if m == 0 or n == 0:
        return c
    if k == 0:
        c[...] = 0
        return c
    if parallel is None:
        parallel = _threads_pay(2 * m * n * k)
    groups = _par.threads() if parallel else 1  # threads sharing tiles: _segments
    ap, bp, e, segs = _plan(m, k, n, a.dtype, groups)
    fa, as0, as1 = _flat(a)
    fb, bs0, bs1 = _flat(b)
    if c.flags.c_contiguous:
        cw, cf, ldc = c, c.reshape(-1), n
    elif c.strides[1] == c.itemsize and c.strides[0] > 0 and c.strides[0] % c.itemsize == 0:
        cw = c  # an out= view whose rows have a stride: written in place
        cf, ldc, _ = _flat(c)
    else:  # any other layout: a scratch result, copied in at the end
        cw = np.empty((m, n), dtype=a.dtype)
        cf, ldc = cw.reshape(-1), n
    if parallel:
        _par.timed(_mm_parallel, (fa, as0, as1, fb, bs0, bs1, ap, bp, cf, ldc, e, m, n, k,
                                  groups, segs), 2 * m * n * k)
    else:
        _mm_serial(fa, as0, as1, fb, bs0, bs1, ap, bp, cf, ldc, e, m, n, k, 1, segs)
    if cw is not c:
        c[...] = cw
    return c
