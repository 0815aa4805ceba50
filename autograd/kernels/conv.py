"""Convolution and pooling kernels (NCHW), each in numba with its numpy reference beside it.

Geometry is passed as ``geom = (kh, kw, sh, sw, ph, pw, dh, dw)``: kernel size, stride,
zero padding and dilation along height and width. ``windows.out_size`` gives the output height
and width. Each op comes twice: ``name`` (numba) and ``name_ref`` (numpy); the backends
list which one they provide, and tests check the two agree.

im2col layout: ``cols[(c, i, j), (n, oy, ox)]``, shape (C*kh*kw, N*OH*OW), so that a
convolution is ONE 2-D matmul ``W.reshape(O, C*kh*kw) @ cols`` (a batched (N, C*kh*kw,
OH*OW) layout avoids transposing the output but costs N small matmul calls; measured
slower).

Kernels take float32 or float64 arrays (C-contiguous) and return arrays of the same dtype.
The window kernels (im2col, col2im, pooling) are serial: they move memory rather than
compute, and on a 2-core machine a prange build measured no faster while stalling badly
whenever a core was busy elsewhere (its threads wait at the barrier). The conv products'
kernels (``conv_output``, ``conv_grad_wb``) run through ``_jit.run``'s size dispatch, with
the busy-core back-off of ``parallel.py``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from . import parallel as _parallel
from . import tuning
from ._jit import FLOATS, U, driver, kernel, run
from .matmul import matmul
from .windows import Geom, out_size
from .windows import windows as _windows


def _over_windows(kernel, x: np.ndarray, geom: Geom, out_hw: tuple[int, int] | None = None):
    """A window op (im2col, max/avg pool): the numba kernel on a contiguous x with its
    output size (``out_hw`` when given: ceil_mode adds windows that hang over the far edge,
    which the kernels clip)."""
    oh, ow = out_size(x.shape[2], x.shape[3], geom) if out_hw is None else out_hw
    return kernel(np.ascontiguousarray(x), *geom, oh, ow)


def _padded(x: np.ndarray, geom: Geom, oh: int, ow: int, value: float) -> np.ndarray:
    """x padded by (ph, pw) and, at the far edges, as much more as oh x ow windows need."""
    kh, kw, sh, sw, ph, pw, dh, dw = geom
    eh = max(ph, (oh - 1) * sh + dh * (kh - 1) + 1 - x.shape[2] - ph)
    ew = max(pw, (ow - 1) * sw + dw * (kw - 1) + 1 - x.shape[3] - pw)
    return np.pad(x, ((0, 0), (0, 0), (ph, eh), (pw, ew)), constant_values=value)


# =========================================================================== im2col / col2im
def im2col_ref(x: np.ndarray, geom: Geom) -> np.ndarray:
    kh, kw, sh, sw, ph, pw, dh, dw = geom
    n, c, h, w = x.shape
    oh, ow = out_size(h, w, geom)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = np.empty((c, kh, kw, n, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, i, j] = _windows(xp, i, j, geom, oh, ow).transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


@njit(cache=True, nogil=True)
def _im2col_nb(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    n, c, h, w = x.shape
    plane = oh * ow
    cols = np.empty((c * kh * kw, n * plane), dtype=x.dtype)
    for b in range(n):
        for ci in range(c):
            for i in range(kh):
                for j in range(kw):
                    r = (ci * kh + i) * kw + j
                    for y in range(oh):
                        hy = y * sh + i * dh - ph
                        base = b * plane + y * ow
                        if hy < 0 or hy >= h:
                            for q in range(ow):
                                cols[r, base + q] = 0
                            continue
                        for q in range(ow):
                            wx = q * sw + j * dw - pw
                            if wx >= 0 and wx < w:
                                cols[r, base + q] = x[b, ci, hy, wx]
                            else:
                                cols[r, base + q] = 0
    return cols


def im2col(x: np.ndarray, geom: Geom) -> np.ndarray:
    """(N, C, H, W) -> (C*kh*kw, N*OH*OW): every receptive field as a column."""
    return _over_windows(_im2col_nb, x, geom)


def col2im_ref(cols: np.ndarray, x_shape: tuple[int, ...], geom: Geom) -> np.ndarray:
    kh, kw, sh, sw, ph, pw, dh, dw = geom
    n, c, h, w = x_shape
    oh, ow = out_size(h, w, geom)
    c6 = cols.reshape(c, kh, kw, n, oh, ow)
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            _windows(xp, i, j, geom, oh, ow)[...] += c6[:, i, j].transpose(1, 0, 2, 3)
    return xp[:, :, ph: ph + h, pw: pw + w].copy()


@njit(cache=True, nogil=True)
def _col2im_nb(cols, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    plane = oh * ow
    x = np.zeros((n, c, h, w), dtype=cols.dtype)
    for b in range(n):
        for ci in range(c):
            for i in range(kh):
                for j in range(kw):
                    r = (ci * kh + i) * kw + j
                    for y in range(oh):
                        hy = y * sh + i * dh - ph
                        if hy < 0 or hy >= h:
                            continue
                        base = b * plane + y * ow
                        for q in range(ow):
                            wx = q * sw + j * dw - pw
                            if wx >= 0 and wx < w:
                                x[b, ci, hy, wx] += cols[r, base + q]
    return x


def col2im(cols: np.ndarray, x_shape: tuple[int, ...], geom: Geom) -> np.ndarray:
    """The adjoint of im2col: add every column back onto the input positions it came from."""
    n, c, h, w = x_shape
    oh, ow = out_size(h, w, geom)
    return _col2im_nb(np.ascontiguousarray(cols), n, c, h, w, *geom, oh, ow)


# =========================================================================== conv2d products
# The convolution's products around im2col, with the output and its gradient in NCHW:
# ``conv_output`` is W2 @ cols + b moved to (N, O, P) (P = OH*OW), ``conv_grad_wb`` the
# weight and bias gradients from an (N, O, P) gradient. The numpy references spell them
# with a matmul and transposes; the numba versions save passes over the output, which is
# what these products cost when cols has few rows (K = C*kh*kw, 9 for a 3x3 filter on one
# channel): the forward adds the bias while moving the product to NCHW (one pass instead
# of two), and for K <= SMALL_K the weight gradient is one numba pass per image over the
# NCHW gradient, each thread summing its images, instead of a transpose copy, a one-thread
# BLAS product with K = 9 columns and a separate row sum. x (64, 1, 28, 28), 16 3x3
# filters, float32, ms, matmul-and-transposes / numba: forward 0.44 / 0.37, weight and
# bias gradients 0.73-0.75 / 0.31-0.34 on one or two threads; with K = 25 (5x5 filters,
# 8 of them) 0.81-0.83 / 0.51 on one thread, 0.28 on two (Intel Xeon, AVX-512). A direct
# forward loop (no product) ran 0.39 ms at K = 9 but lost from K = 12 on (0.50 vs 0.48 ms).
# Above SMALL_K the packed matmul's register blocking over K wins (K = 32: 2.0 vs 2.5 ms on
# one thread), so those gradients go through it (both: Intel Xeon, AVX-512).
SMALL_K = 27


def _output_by(mm, w2: np.ndarray, cols: np.ndarray, bias: np.ndarray | None, n: int
               ) -> np.ndarray:
    o = w2.shape[0]
    out = mm(np.ascontiguousarray(w2), cols)
    if bias is not None:
        out += bias.reshape(o, 1)
    return np.ascontiguousarray(out.reshape(o, n, -1).transpose(1, 0, 2))


def _grad_wb_by(mm, g: np.ndarray, cols: np.ndarray, need_b: bool, g2: np.ndarray | None
                ) -> tuple[np.ndarray, np.ndarray | None]:
    if g2 is None:
        g2 = np.ascontiguousarray(g.transpose(1, 0, 2)).reshape(g.shape[1], -1)
    return mm(g2, cols.T), (g2.sum(axis=1) if need_b else None)


def conv_output_ref(w2: np.ndarray, cols: np.ndarray, bias: np.ndarray | None, n: int
                    ) -> np.ndarray:
    """(O, K) @ (K, N*P) (+ bias over O) as an (N, O, P) array (NCHW, P = OH*OW)."""
    return _output_by(np.matmul, w2, cols, bias, n)


def conv_grad_wb_ref(g: np.ndarray, cols: np.ndarray, need_b: bool,
                     g2: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """From g (N, O, P): dW2 = g2 @ cols.T (O, K) and db = g summed over N and P (O,;
    None unless need_b), with g2 = g laid out (O, N*P) (pass it when the caller has it:
    the input gradient needs it too)."""
    return _grad_wb_by(np.matmul, g, cols, need_b, g2)


@kernel
def _to_nchw_k(z, b, out, o, npix, tot, lo, hi):
    """Images lo..hi of out (N, O, P; flat) = z (O, N*P; flat) + b over O."""
    up, ut = U(npix), U(tot)
    for n in range(U(lo), U(hi)):
        for oc in range(U(0), U(o)):
            dst = (n * U(o) + oc) * up
            src = oc * ut + n * up
            bo = b[oc]
            for q in range(U(0), up):
                out[dst + q] = z[src + q] + bo


@driver
def _to_nchw_p(z, b, out, o, npix, tot, chunk):
    nimg = tot // npix
    for c in prange((nimg + chunk - 1) // chunk):
        _to_nchw_k(z, b, out, o, npix, tot, c * chunk, min(nimg, (c + 1) * chunk))


@kernel
def _conv_gwb_k(g, cols, part, o, kk, npix, tot, step, lo, hi):
    """Images lo..hi's share of dW2 (O*K values) and db (O values), added to row
    lo // step of part (flat, float64 rows of O*K + O: one per task of ``step`` images)."""
    up, ut, uk = U(npix), U(tot), U(kk)
    base = U(lo // step) * U(o * kk + o)
    T = g.dtype.type
    for n in range(U(lo), U(hi)):
        for oc in range(U(0), U(o)):
            src = (n * U(o) + oc) * up
            s = T(0)
            for q in range(U(0), up):
                s += g[src + q]
            part[base + U(o * kk) + oc] += s
            for r in range(U(0), uk):
                csrc = r * ut + n * up
                acc = T(0)
                for q in range(U(0), up):
                    acc += g[src + q] * cols[csrc + q]
                part[base + oc * uk + r] += acc


@driver
def _conv_gwb_p(g, cols, part, o, kk, npix, tot, step, chunk):
    nimg = tot // npix
    for c in prange((nimg + chunk - 1) // chunk):
        _conv_gwb_k(g, cols, part, o, kk, npix, tot, step, c * chunk,
                    min(nimg, (c + 1) * chunk))


def _images_per_task(n: int) -> int:
    return max(1, -(-n // (2 * _parallel.threads())))  # two tasks per thread


def conv_output(w2: np.ndarray, cols: np.ndarray, bias: np.ndarray | None, n: int
                ) -> np.ndarray:
    """(O, K) @ (K, N*P) (+ bias over O) as an (N, O, P) array (NCHW, P = OH*OW)."""
    if w2.dtype not in FLOATS or cols.dtype != w2.dtype or (bias is not None
                                                         and bias.dtype != w2.dtype):
        return _output_by(matmul, w2, cols, bias, n)
    o = w2.shape[0]
    z = matmul(np.ascontiguousarray(w2), cols)
    tot = z.shape[1]
    npix = tot // n
    out = np.empty((n, o, npix), dtype=z.dtype)
    b = np.zeros(o, dtype=z.dtype) if bias is None else np.ascontiguousarray(bias)
    args = (np.ascontiguousarray(z).reshape(-1), b, out.reshape(-1), o, npix, tot)
    run(_to_nchw_k, _to_nchw_p, args, n, out.size, tuning.thresholds().par_min,
        _images_per_task(n))
    return out


def conv_grad_wb(g: np.ndarray, cols: np.ndarray, need_b: bool,
                 g2: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """From g (N, O, P): dW2 = g2 @ cols.T (O, K) and db (O,; None unless need_b); g2, g laid
    out (O, N*P), when the caller has it (used above SMALL_K)."""
    n, o, npix = g.shape
    kk, tot = cols.shape
    if kk > SMALL_K or g.dtype != cols.dtype or g.dtype not in FLOATS:
        return _grad_wb_by(matmul, g, cols, need_b, g2)
    step = _images_per_task(n)
    part = np.zeros((-(-n // step), o * kk + o), dtype=np.float64)  # one row per task
    args = (np.ascontiguousarray(g).reshape(-1), np.ascontiguousarray(cols).reshape(-1),
            part.reshape(-1), o, kk, npix, tot, step)
    run(_conv_gwb_k, _conv_gwb_p, args, n, g.size * (kk + 1), tuning.thresholds().par_min, step)
    total = part.sum(axis=0)
    gw = total[:o * kk].reshape(o, kk).astype(g.dtype)
    return gw, (total[o * kk:].astype(g.dtype) if need_b else None)


# =========================================================================== pooling
def max_pool2d_ref(x: np.ndarray, geom: Geom, out_hw: tuple[int, int] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Window maxima and, for each, the flat index (h * W + w) of the winner in its plane.

    Padding counts as -inf (never chosen); ties go to the first element in the window; a nan
    in a window is its maximum (the first nan), as in torch.
    ``out_hw`` overrides the output size (ceil_mode); windows are clipped to the input.
    """
    kh, kw, sh, sw, ph, pw, dh, dw = geom
    n, c, h, w = x.shape
    oh, ow = out_size(h, w, geom) if out_hw is None else out_hw
    xp = _padded(x, geom, oh, ow, -np.inf)
    wins = np.stack([_windows(xp, i, j, geom, oh, ow) for i in range(kh) for j in range(kw)])
    k = wins.argmax(axis=0)
    out = np.take_along_axis(wins, k[None], axis=0)[0]
    i, j = k // kw, k % kw
    hy = np.arange(oh)[:, None] * sh + i * dh - ph
    wx = np.arange(ow)[None, :] * sw + j * dw - pw
    return out, (hy * w + wx).astype(np.int64)


@njit(cache=True, nogil=True)
def _max_pool2d_nb(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    n, c, h, w = x.shape
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    arg = np.empty((n, c, oh, ow), dtype=np.int64)
    for t in range(n * c):
        b = t // c
        ci = t % c
        for y in range(oh):
            for q in range(ow):
                best = -np.inf
                at = -1
                for i in range(kh):
                    hy = y * sh + i * dh - ph
                    if hy < 0 or hy >= h:
                        continue
                    for j in range(kw):
                        wx = q * sw + j * dw - pw
                        if wx < 0 or wx >= w:
                            continue
                        v = x[b, ci, hy, wx]
                        # a nan wins and stays (as torch and numpy's argmax): the first one
                        if at < 0 or v > best or (v != v and best == best):
                            best = v
                            at = hy * w + wx
                out[b, ci, y, q] = best
                arg[b, ci, y, q] = at
    return out, arg


def max_pool2d(x: np.ndarray, geom: Geom, out_hw: tuple[int, int] | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """(maxima, argmax in plane) of each window, as ``max_pool2d_ref``."""
    return _over_windows(_max_pool2d_nb, x, geom, out_hw)


def max_pool2d_backward_ref(g: np.ndarray, arg: np.ndarray,
                            x_shape: tuple[int, ...]) -> np.ndarray:
    n, c, h, w = x_shape
    gx = np.zeros((n * c, h * w), dtype=g.dtype)
    rows = np.repeat(np.arange(n * c), g.shape[2] * g.shape[3])
    np.add.at(gx, (rows, arg.reshape(-1)), g.reshape(-1))
    return gx.reshape(x_shape)


@njit(cache=True, nogil=True)
def _max_pool2d_bw_nb(g, arg, h, w):
    n, c, oh, ow = g.shape
    gx = np.zeros((n, c, h, w), dtype=g.dtype)
    for t in range(n * c):
        b = t // c
        ci = t % c
        for y in range(oh):
            for q in range(ow):
                a = arg[b, ci, y, q]
                gx[b, ci, a // w, a % w] += g[b, ci, y, q]
    return gx


def max_pool2d_backward(g: np.ndarray, arg: np.ndarray, x_shape: tuple[int, ...]) -> np.ndarray:
    """Route each window's gradient to the element that won its max."""
    return _max_pool2d_bw_nb(np.ascontiguousarray(g), arg, x_shape[2], x_shape[3])


def avg_pool2d_ref(x: np.ndarray, geom: Geom, out_hw: tuple[int, int] | None = None
                   ) -> np.ndarray:
    """Window sums / (kh * kw): zero padding, and with ``out_hw`` (ceil_mode) whatever a
    window hangs over the far edge, count as zeros (the op rescales for other divisors)."""
    kh, kw, sh, sw, ph, pw, dh, dw = geom
    oh, ow = out_size(x.shape[2], x.shape[3], geom) if out_hw is None else out_hw
    xp = _padded(x, geom, oh, ow, 0.0)
    out = np.zeros((x.shape[0], x.shape[1], oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            out += _windows(xp, i, j, geom, oh, ow)
    return out / (kh * kw)


@njit(cache=True, nogil=True)
def _avg_pool2d_nb(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    n, c, h, w = x.shape
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    scale = 1.0 / (kh * kw)
    for t in range(n * c):
        b = t // c
        ci = t % c
        for y in range(oh):
            for q in range(ow):
                s = 0.0
                for i in range(kh):
                    hy = y * sh + i * dh - ph
                    if hy < 0 or hy >= h:
                        continue
                    for j in range(kw):
                        wx = q * sw + j * dw - pw
                        if wx >= 0 and wx < w:
                            s += x[b, ci, hy, wx]
                out[b, ci, y, q] = s * scale
    return out


def avg_pool2d(x: np.ndarray, geom: Geom, out_hw: tuple[int, int] | None = None
               ) -> np.ndarray:
    return _over_windows(_avg_pool2d_nb, x, geom, out_hw)


def avg_pool2d_backward_ref(g: np.ndarray, x_shape: tuple[int, ...], geom: Geom) -> np.ndarray:
    kh, kw, sh, sw, ph, pw, dh, dw = geom
    n, c, h, w = x_shape
    oh, ow = g.shape[2], g.shape[3]
    xp = _padded(np.zeros((n, c, h, w), dtype=g.dtype), geom, oh, ow, 0.0)
    share = g / (kh * kw)
    for i in range(kh):
        for j in range(kw):
            _windows(xp, i, j, geom, oh, ow)[...] += share
    return xp[:, :, ph: ph + h, pw: pw + w].copy()


@njit(cache=True, nogil=True)
def _avg_pool2d_bw_nb(g, h, w, kh, kw, sh, sw, ph, pw, dh, dw):
    n, c, oh, ow = g.shape
    gx = np.zeros((n, c, h, w), dtype=g.dtype)
    scale = 1.0 / (kh * kw)
    for t in range(n * c):
        b = t // c
        ci = t % c
        for y in range(oh):
            for q in range(ow):
                v = g[b, ci, y, q] * scale
                for i in range(kh):
                    hy = y * sh + i * dh - ph
                    if hy < 0 or hy >= h:
                        continue
                    for j in range(kw):
                        wx = q * sw + j * dw - pw
                        if wx >= 0 and wx < w:
                            gx[b, ci, hy, wx] += v
    return gx


def avg_pool2d_backward(g: np.ndarray, x_shape: tuple[int, ...], geom: Geom) -> np.ndarray:
    """Spread each window's gradient evenly over the window (the adjoint of avg_pool2d)."""
    return _avg_pool2d_bw_nb(np.ascontiguousarray(g), x_shape[2], x_shape[3], *geom)
