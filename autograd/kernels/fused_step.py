"""One numba function for a whole dense-network training step (``autograd.compile``'s fused
step): the forward of L ``LinearAct`` layers (``y = act(x @ W.T + b)``), the loss (softmax
cross-entropy or MSE, mean or sum), the backward (weight and bias gradients) and the
optimizer update (Adam / AdamW or SGD) in place, in ONE call.

Written once for every depth: the layers are rows of small integer tables, not arguments
of their own, so one signature serves any depth, loss and optimizer; only the dtype makes
a second one (float32, float64). The parameters and their optimizer state are reached by
address (``optim._vec_at``, as the multi-tensor Adam): the caller keeps every array alive
and checks the table against the arrays before each call. Activations and other scratch
live in one plan-owned workspace ``ws``; the gradients go into ``grads``, a fresh array per
call that the caller hands out as the parameters' ``.grad`` views.

Inside, activations are kept feature-major, (features, batch): every product then runs
along the batch (axpys and dot products of length N, 4 x 4 blocks per pass), which vectorises
at any layer width (a 2-wide output layer included). The pieces are the library's own:
the activations' device functions (``elementwise``) and the update kernels
(``optim._adam_k``, ``optim._sgd_k``); the cross-entropy is ``xent._xent_k``'s and
``_xent_bwd_k``'s arithmetic run along the batch, so the formulas are the eager ones. The products
sum in another order than BLAS, so the numbers agree with the eager step within float
rounding, not bit for bit.

A layer whose products are larger than ``MAX_FLOPS`` (2 m k n) runs them through the
packed matmul kernel instead (``matmul._mm_serial``, or ``_mm_parallel`` when the caller
passes ``par`` > 1 threads), on the same feature-major arrays through strides: forward
W @ X.T (the input read in place, not transposed), gw = gz @ h.T, gh = W.T @ gz. The 4 x 4
passes along the batch win below that size; above it they run at a fraction of the packed
kernel's rate.

Tables (int64 unless said):

* ``ltab`` (L, 5): per layer k (inputs), n (outputs), act code (0 none, 1 relu,
  2 leaky_relu, 3 sigmoid, 4 tanh), offset of its output (n, N) in ``ws``, 1 when its
  products go through the packed kernel (``packed_layers``); ``slopes``
  (float64, L): leaky_relu's negative slope.
* ``ptab`` (2L, 3): per parameter (W_0, b_0, W_1, ...) the addresses of the parameter,
  its first and its second state array (Adam: exp_avg, exp_avg_sq; SGD: momentum_buffer
  or 0 without momentum, 0).
* ``hyper`` (float64, 2L, 6): per parameter, Adam: lr, beta1, beta2, eps, weight_decay,
  decoupled; SGD: lr, momentum, dampening, nesterov, weight_decay, 0. ``steps`` (2L):
  Adam's step count t of each parameter (this step's), for 1 - beta^t.
* ``woff`` (6): offsets in ``ws`` of the input transposed (k_0, N), the probabilities
  (C, N), four scratch vectors (N), two gradient buffers (max width, N), and the end.
* ``kinds`` (4): loss (0 cross-entropy, 1 MSE), reduction (0 mean, 1 sum), optimizer
  (0 Adam / AdamW, 1 SGD), the smallest parameter updated on ``par`` threads (the update
  kernels' ``par_min_opt``).
* ``ap``, ``bp``, ``e`` (the dtype), ``segs`` (int64, (par, panels + 1, 3)): the packed
  kernel's A and B packs, edge scratch and tile segments, sized by ``pack_sizes``
  (one-element dummies when no layer is packed); ``par``: threads for the packed products.
"""

from __future__ import annotations

import math

import numpy as np

from ._fastmath import fexp, fmaximum
from ._jit import CHUNK, U, kernel
from .elementwise import (
    _leaky_relu_b,
    _leaky_relu_f,
    _relu_b,
    _relu_f,
    _sigmoid_b,
    _sigmoid_f,
    _tanh_b,
    _tanh_f,
)
from .matmul import _mm_parallel, _mm_serial, _tile_shape, k_max
from .optim import _adam_k, _adam_p, _sgd_k, _sgd_p, _vec_at

MAX_FLOPS = 2_000_000  # a product above this (2 m k n) runs through the packed kernel
ACT_CODES = {"none": 0, "relu": 1, "leaky_relu": 2, "sigmoid": 3, "tanh": 4}
LOSS_XENT, LOSS_MSE = 0, 1
OPT_ADAM, OPT_SGD = 0, 1


@kernel
def _layer_fwd(h, w, b, y, code, slope):
    """Feature-major: y (n, m) = act(w @ h + b[:, None]) for h (k, m), w (n, k). Output rows
    four at a time, each pass along the batch adding four rows of h into them (16 products
    per element of h read: a pass per row pair costs more in loop overhead and loads than
    in arithmetic at these sizes); the leftover rows and columns one at a time; then the
    activation over the whole output."""
    k, m = h.shape
    n = w.shape[0]
    k4 = k - k % 4
    n4 = n - n % 4
    for j in range(0, n4, 4):
        r0, r1, r2, r3 = y[j], y[j + 1], y[j + 2], y[j + 3]
        b0, b1, b2, b3 = b[j], b[j + 1], b[j + 2], b[j + 3]
        for i in range(U(0), U(m)):
            r0[i] = b0
            r1[i] = b1
            r2[i] = b2
            r3[i] = b3
        for q in range(0, k4, 4):
            h0, h1, h2, h3 = h[q], h[q + 1], h[q + 2], h[q + 3]
            w00, w01, w02, w03 = w[j, q], w[j, q + 1], w[j, q + 2], w[j, q + 3]
            w10, w11, w12, w13 = w[j + 1, q], w[j + 1, q + 1], w[j + 1, q + 2], w[j + 1, q + 3]
            w20, w21, w22, w23 = w[j + 2, q], w[j + 2, q + 1], w[j + 2, q + 2], w[j + 2, q + 3]
            w30, w31, w32, w33 = w[j + 3, q], w[j + 3, q + 1], w[j + 3, q + 2], w[j + 3, q + 3]
            for i in range(U(0), U(m)):
                a0, a1, a2, a3 = h0[i], h1[i], h2[i], h3[i]
                r0[i] += w00 * a0 + w01 * a1 + w02 * a2 + w03 * a3
                r1[i] += w10 * a0 + w11 * a1 + w12 * a2 + w13 * a3
                r2[i] += w20 * a0 + w21 * a1 + w22 * a2 + w23 * a3
                r3[i] += w30 * a0 + w31 * a1 + w32 * a2 + w33 * a3
        for q in range(k4, k):
            hr = h[q]
            w0, w1, w2, w3 = w[j, q], w[j + 1, q], w[j + 2, q], w[j + 3, q]
            for i in range(U(0), U(m)):
                a = hr[i]
                r0[i] += w0 * a
                r1[i] += w1 * a
                r2[i] += w2 * a
                r3[i] += w3 * a
    for j in range(n4, n):
        row = y[j]
        bj = b[j]
        for i in range(U(0), U(m)):
            row[i] = bj
        for q in range(0, k4, 4):
            w0, w1, w2, w3 = w[j, q], w[j, q + 1], w[j, q + 2], w[j, q + 3]
            h0, h1, h2, h3 = h[q], h[q + 1], h[q + 2], h[q + 3]
            for i in range(U(0), U(m)):
                row[i] += w0 * h0[i] + w1 * h1[i] + w2 * h2[i] + w3 * h3[i]
        for q in range(k4, k):
            wq = w[j, q]
            hr = h[q]
            for i in range(U(0), U(m)):
                row[i] += wq * hr[i]
    _act_fwd(y, code, slope)


@kernel
def _act_fwd(y, code, slope):
    """y = act(y) in place."""
    T = y.dtype.type
    s = T(slope)
    yf = y.reshape(-1)
    size = yf.size
    if code == 1:
        for i in range(U(0), U(size)):
            yf[i] = _relu_f(yf[i], s, T)
    elif code == 2:
        for i in range(U(0), U(size)):
            yf[i] = _leaky_relu_f(yf[i], s, T)
    elif code == 3:
        for i in range(U(0), U(size)):
            yf[i] = _sigmoid_f(yf[i], s, T)
    elif code == 4:
        for i in range(U(0), U(size)):
            yf[i] = _tanh_f(yf[i], s, T)


@kernel
def _mm(a, as0, as1, b, bs0, bs1, c, ldc, m, n, k, ap, bp, e, segs, par):
    """c (m, n, row stride ldc) = a (m, k) @ b (k, n), all flat with element strides,
    through the packed kernel: serial, or ``par`` threads."""
    if par > 1:
        _mm_parallel(a, as0, as1, b, bs0, bs1, ap, bp, c, ldc, e, m, n, k, par, segs)
    else:
        _mm_serial(a, as0, as1, b, bs0, bs1, ap, bp, c, ldc, e, m, n, k, 1, segs)


@kernel
def _act_bwd(y, g, code, slope):
    """g = d act / d z * g in place, from the layer's output y (relu, leaky_relu with
    slope > 0, sigmoid and tanh are all read from their output)."""
    T = y.dtype.type
    s = T(slope)
    yf, gf = y.reshape(-1), g.reshape(-1)
    n = yf.size
    if code == 1:
        for i in range(U(0), U(n)):
            gf[i] = _relu_b(yf[i], gf[i], s, T)
    elif code == 2:
        for i in range(U(0), U(n)):
            gf[i] = _leaky_relu_b(yf[i], gf[i], s, T)
    elif code == 3:
        for i in range(U(0), U(n)):
            gf[i] = _sigmoid_b(yf[i], gf[i], s, T)
    elif code == 4:
        for i in range(U(0), U(n)):
            gf[i] = _tanh_b(yf[i], gf[i], s, T)


@kernel
def _layer_bwd(h, w, gz, gw, gb, gh, need_h):
    """Feature-major, gz (n, m), h (k, m): gw = gz @ h.T (dot products along the batch, a
    4 x 4 block of them per pass), gb = gz's row sums, and (need_h) gh (k, m) = w.T @ gz
    (four output rows at a time from four rows of gz per pass, as the forward)."""
    T = gz.dtype.type
    k, m = h.shape
    n = w.shape[0]
    k4 = k - k % 4
    n4 = n - n % 4
    for j in range(0, n4, 4):
        g0, g1, g2, g3 = gz[j], gz[j + 1], gz[j + 2], gz[j + 3]
        s0 = s1 = s2 = s3 = T(0)
        for i in range(U(0), U(m)):
            s0 += g0[i]
            s1 += g1[i]
            s2 += g2[i]
            s3 += g3[i]
        gb[j], gb[j + 1], gb[j + 2], gb[j + 3] = s0, s1, s2, s3
        for q in range(0, k4, 4):
            h0, h1, h2, h3 = h[q], h[q + 1], h[q + 2], h[q + 3]
            a00 = a01 = a02 = a03 = a10 = a11 = a12 = a13 = T(0)
            a20 = a21 = a22 = a23 = a30 = a31 = a32 = a33 = T(0)
            for i in range(U(0), U(m)):
                x0, x1, x2, x3 = h0[i], h1[i], h2[i], h3[i]
                v = g0[i]
                a00 += v * x0
                a01 += v * x1
                a02 += v * x2
                a03 += v * x3
                v = g1[i]
                a10 += v * x0
                a11 += v * x1
                a12 += v * x2
                a13 += v * x3
                v = g2[i]
                a20 += v * x0
                a21 += v * x1
                a22 += v * x2
                a23 += v * x3
                v = g3[i]
                a30 += v * x0
                a31 += v * x1
                a32 += v * x2
                a33 += v * x3
            gw[j, q], gw[j, q + 1], gw[j, q + 2], gw[j, q + 3] = a00, a01, a02, a03
            gw[j + 1, q], gw[j + 1, q + 1], gw[j + 1, q + 2], gw[j + 1, q + 3] = (
                a10, a11, a12, a13)
            gw[j + 2, q], gw[j + 2, q + 1], gw[j + 2, q + 2], gw[j + 2, q + 3] = (
                a20, a21, a22, a23)
            gw[j + 3, q], gw[j + 3, q + 1], gw[j + 3, q + 2], gw[j + 3, q + 3] = (
                a30, a31, a32, a33)
        for q in range(k4, k):
            hr = h[q]
            a0 = a1 = a2 = a3 = T(0)
            for i in range(U(0), U(m)):
                x = hr[i]
                a0 += g0[i] * x
                a1 += g1[i] * x
                a2 += g2[i] * x
                a3 += g3[i] * x
            gw[j, q], gw[j + 1, q], gw[j + 2, q], gw[j + 3, q] = a0, a1, a2, a3
    for j in range(n4, n):
        gr = gz[j]
        acc = T(0)
        for i in range(U(0), U(m)):
            acc += gr[i]
        gb[j] = acc
        for q in range(0, k4, 4):
            h0, h1, h2, h3 = h[q], h[q + 1], h[q + 2], h[q + 3]
            a0 = a1 = a2 = a3 = T(0)
            for i in range(U(0), U(m)):
                v = gr[i]
                a0 += v * h0[i]
                a1 += v * h1[i]
                a2 += v * h2[i]
                a3 += v * h3[i]
            gw[j, q], gw[j, q + 1], gw[j, q + 2], gw[j, q + 3] = a0, a1, a2, a3
        for q in range(k4, k):
            hr = h[q]
            acc = T(0)
            for i in range(U(0), U(m)):
                acc += gr[i] * hr[i]
            gw[j, q] = acc
    if not need_h:
        return
    for q in range(0, k4, 4):
        o0, o1, o2, o3 = gh[q], gh[q + 1], gh[q + 2], gh[q + 3]
        for i in range(U(0), U(m)):
            o0[i] = T(0)
            o1[i] = T(0)
            o2[i] = T(0)
            o3[i] = T(0)
        for j in range(0, n4, 4):
            g0, g1, g2, g3 = gz[j], gz[j + 1], gz[j + 2], gz[j + 3]
            w00, w01, w02, w03 = w[j, q], w[j + 1, q], w[j + 2, q], w[j + 3, q]
            w10, w11, w12, w13 = w[j, q + 1], w[j + 1, q + 1], w[j + 2, q + 1], w[j + 3, q + 1]
            w20, w21, w22, w23 = w[j, q + 2], w[j + 1, q + 2], w[j + 2, q + 2], w[j + 3, q + 2]
            w30, w31, w32, w33 = w[j, q + 3], w[j + 1, q + 3], w[j + 2, q + 3], w[j + 3, q + 3]
            for i in range(U(0), U(m)):
                a0, a1, a2, a3 = g0[i], g1[i], g2[i], g3[i]
                o0[i] += w00 * a0 + w01 * a1 + w02 * a2 + w03 * a3
                o1[i] += w10 * a0 + w11 * a1 + w12 * a2 + w13 * a3
                o2[i] += w20 * a0 + w21 * a1 + w22 * a2 + w23 * a3
                o3[i] += w30 * a0 + w31 * a1 + w32 * a2 + w33 * a3
        for j in range(n4, n):
            gr = gz[j]
            w0, w1, w2, w3 = w[j, q], w[j, q + 1], w[j, q + 2], w[j, q + 3]
            for i in range(U(0), U(m)):
                a = gr[i]
                o0[i] += w0 * a
                o1[i] += w1 * a
                o2[i] += w2 * a
                o3[i] += w3 * a
    for q in range(k4, k):
        row = gh[q]
        for i in range(U(0), U(m)):
            row[i] = T(0)
        for j in range(0, n4, 4):
            w0, w1, w2, w3 = w[j, q], w[j + 1, q], w[j + 2, q], w[j + 3, q]
            g0, g1, g2, g3 = gz[j], gz[j + 1], gz[j + 2], gz[j + 3]
            for i in range(U(0), U(m)):
                row[i] += w0 * g0[i] + w1 * g1[i] + w2 * g2[i] + w3 * g3[i]
        for j in range(n4, n):
            wq = w[j, q]
            gr = gz[j]
            for i in range(U(0), U(m)):
                row[i] += wq * gr[i]


@kernel
def _xent_fm(h, labels, probs, vecs, g, s, scale):
    """Softmax cross-entropy of feature-major logits h (c, m), forward and backward in one:
    ``xent._xent_k``'s and ``_xent_bwd_k``'s arithmetic per sample (the same sums in the same
    order), run along the batch. probs (c, m) and g (c, m) = d loss / d h for an upstream
    gradient of ``scale`` per row; vecs (4, m) is scratch. Returns the sum of the rows'
    losses (each rounded to the dtype first, as the kernel's row array holds them)."""
    T = h.dtype.type
    c, m = h.shape
    mx, zs, tot, pk = vecs[0], vecs[1], vecs[2], vecs[3]
    h0 = h[0]
    for i in range(U(0), U(m)):
        mx[i] = h0[i]
        zs[i] = T(0)
        tot[i] = T(0)
    for j in range(1, c):
        hr = h[j]
        for i in range(U(0), U(m)):
            mx[i] = fmaximum(mx[i], hr[i])
    for j in range(c):
        hr, pr = h[j], probs[j]
        for i in range(U(0), U(m)):
            sh = hr[i] - mx[i]
            pr[i] = sh
            zs[i] += sh
    for i in range(m):
        pk[i] = probs[labels[i], i]  # the shifted logit, read back from memory
    for j in range(c):
        pr = probs[j]
        for i in range(U(0), U(m)):
            e = fexp(pr[i])
            pr[i] = e
            tot[i] += e
    total = 0.0
    st = T(s)
    for i in range(m):
        t = tot[i]
        lse = T(math.log(t))
        tot[i] = T(1) / t
        picked = pk[i] - lse
        total += T(-((T(1) - st) * picked + (st / c) * (zs[i] - c * lse)))
    gi = T(scale)
    off = st / c
    for j in range(c):
        pr, gr = probs[j], g[j]
        for i in range(U(0), U(m)):
            p = pr[i] * tot[i]
            pr[i] = p
            gr[i] = (p - off) * gi
    for i in range(m):
        g[labels[i], i] -= (T(1) - st) * gi
    return total


@kernel
def fused_step(x, labels, target, ws, grads, ltab, slopes, ptab, hyper, steps, woff, kinds,
               smoothing, ap, bp, e, segs, par):
    """One training step (see the module docstring); returns the loss as a float64."""
    T = ws.dtype.type
    n_layers = ltab.shape[0]
    m, k0 = x.shape
    xf = x.reshape(-1)
    # -- forward, feature-major (every loop runs along the batch)
    h = ws[woff[0]:woff[0] + k0 * m].reshape((k0, m))
    if ltab[0, 4] == 0:  # the 4 x 4 passes read the input feature-major; the packed
        for i in range(m):  # kernel reads it in place, through its strides
            for q in range(k0):
                h[q, i] = x[i, q]
    xt = h
    for layer in range(n_layers):
        k, n, code, off = ltab[layer, 0], ltab[layer, 1], ltab[layer, 2], ltab[layer, 3]
        wf = _vec_at(ptab[2 * layer, 0], n * k, ws)
        w = wf.reshape((n, k))
        b = _vec_at(ptab[2 * layer + 1, 0], n, ws)
        yf = ws[off:off + n * m]
        y = yf.reshape((n, m))
        if ltab[layer, 4] != 0:  # y = W @ h (h: X.T for the first layer), then + b, act
            if layer == 0:
                _mm(wf, k, 1, xf, 1, k0, yf, m, n, m, k, ap, bp, e, segs, par)
            else:
                _mm(wf, k, 1, h.reshape(-1), m, 1, yf, m, n, m, k, ap, bp, e, segs, par)
            for j in range(n):
                row = y[j]
                bj = b[j]
                for i in range(U(0), U(m)):
                    row[i] += bj
            _act_fwd(y, code, slopes[layer])
        else:
            _layer_fwd(h, w, b, y, code, slopes[layer])
        h = y
    # -- the loss, and its gradient with respect to the last output (feature-major, in ga)
    c = ltab[n_layers - 1, 1]
    mc = m * c
    ga = ws[woff[3]:woff[4]]
    gb_ = ws[woff[4]:woff[5]]
    g = ga[:mc].reshape((c, m))
    total = 0.0
    mean = kinds[1] == 0
    if kinds[0] == 0:
        probs = ws[woff[1]:woff[1] + mc].reshape((c, m))
        vecs = ws[woff[2]:woff[2] + 4 * m].reshape((4, m))
        total = _xent_fm(h, labels, probs, vecs, g, smoothing, 1.0 / m if mean else 1.0)
        if mean:
            total /= m
    else:
        f = T(2.0 / mc) if mean else T(2.0)
        for j in range(c):
            for i in range(m):
                d = h[j, i] - target[i, j]
                total += d * d
                g[j, i] = d * f
        if mean:
            total /= mc
    # -- backward, layer by layer from the top (src: this layer's output gradient)
    goff = grads.size
    src, dst = ga, gb_
    for layer in range(n_layers - 1, -1, -1):
        k, n, code, off = ltab[layer, 0], ltab[layer, 1], ltab[layer, 2], ltab[layer, 3]
        w = _vec_at(ptab[2 * layer, 0], n * k, ws).reshape((n, k))
        y = ws[off:off + n * m].reshape((n, m))
        gz = src[:n * m].reshape((n, m))
        if code != 0:
            _act_bwd(y, gz, code, slopes[layer])
        if layer > 0:
            o = ltab[layer - 1, 3]
            hin = ws[o:o + k * m].reshape((k, m))
        else:
            hin = xt
        goff -= n
        gbias = grads[goff:goff + n]
        goff -= n * k
        gwf = grads[goff:goff + n * k]
        ghf = dst[:k * m]
        if ltab[layer, 4] != 0:  # gb = row sums, gw = gz @ h.T, gh = W.T @ gz (packed)
            for j in range(n):
                gr = gz[j]
                acc = T(0)
                for i in range(U(0), U(m)):
                    acc += gr[i]
                gbias[j] = acc
            gzf = src[:n * m]
            if layer == 0:
                _mm(gzf, m, 1, xf, k0, 1, gwf, k, n, k, m, ap, bp, e, segs, par)
            else:
                _mm(gzf, m, 1, hin.reshape(-1), 1, m, gwf, k, n, k, m, ap, bp, e, segs, par)
                _mm(_vec_at(ptab[2 * layer, 0], n * k, ws), 1, k, gzf, m, 1, ghf, m, k, m, n,
                    ap, bp, e, segs, par)
        else:
            _layer_bwd(hin, w, gz, gwf.reshape((n, k)), gbias, ghf.reshape((k, m)), layer > 0)
        src, dst = dst, src
    # -- the update, parameter by parameter (W_0, b_0, W_1, ...: the order of grads)
    goff = 0
    for layer in range(n_layers):
        for part in range(2):
            j = 2 * layer + part
            size = ltab[layer, 1] * (ltab[layer, 0] if part == 0 else 1)
            p = _vec_at(ptab[j, 0], size, ws)
            gr = grads[goff:goff + size]
            goff += size
            hp = hyper[j]
            threads = par > 1 and size >= kinds[3]  # the update's own threading cut-off
            if kinds[2] == 0:
                t = np.float64(steps[j])  # a float exponent: pow(), as Python's b ** t
                s1, s2 = _vec_at(ptab[j, 1], size, ws), _vec_at(ptab[j, 2], size, ws)
                bc1, bc2 = 1.0 - hp[1] ** t, 1.0 - hp[2] ** t
                if threads:
                    _adam_p(p, gr, s1, s2, p[:0], hp[0], hp[1], hp[2], hp[3], hp[4], bc1, bc2,
                            hp[5] != 0, False, CHUNK)
                else:
                    _adam_k(p, gr, s1, s2, p[:0], hp[0], hp[1], hp[2], hp[3], hp[4], bc1, bc2,
                            hp[5] != 0, False, 0, size)
            else:
                mom = hp[1]
                buf = _vec_at(ptab[j, 1], size if mom != 0 else 0, ws)
                if threads:
                    _sgd_p(p, gr, buf, hp[0], mom, hp[2], hp[3] != 0, hp[4], False, CHUNK)
                else:
                    _sgd_k(p, gr, buf, hp[0], mom, hp[2], hp[3] != 0, hp[4], False, 0, size)
    return total


def workspace(m: int, dims: list[tuple[int, int]]) -> tuple[int, np.ndarray, np.ndarray]:
    """The ``ws`` size for a batch of ``m`` and layers ``dims`` [(k, n), ...], the layers'
    output offsets (each (n, m)) and ``woff``'s six."""
    offs = []
    o = 0
    for _, n in dims:
        offs.append(o)
        o += m * n
    k0, c = dims[0][0], dims[-1][1]
    wide = max(max(n for _, n in dims), max(k for k, _ in dims))
    woff = []
    for size in (k0 * m, c * m, 4 * m, m * wide, m * wide):
        woff.append(o)  # input (k0, m), probs (c, m), 4 vectors (m), ga, gb (wide, m)
        o += size
    woff.append(o)
    return o, np.array(offs, dtype=np.int64), np.array(woff, dtype=np.int64)


def packed_layers(m: int, dims: list[tuple[int, int]]) -> list[bool]:
    """Which layers run their products through the packed kernel (above ``MAX_FLOPS``)."""
    return [2 * m * k * n > MAX_FLOPS for k, n in dims]


def pack_buffers(m: int, dims: list[tuple[int, int]], par: int, dtype
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``ap``, ``bp``, ``e`` and ``segs`` for the packed layers' products on ``par``
    threads (the matmul's own reused, aligned per-thread workspaces; one-element dummies
    when no layer is packed)."""
    from .matmul import _workspace

    dt = np.dtype(dtype)
    mr, nr = _tile_shape(np.empty(0, dt))
    apn = bpn = npn = edge = 0
    for i, ((k, n), packed) in enumerate(zip(dims, packed_layers(m, dims))):
        if not packed:
            continue
        shapes = [(n, m), (n, k)] + ([(k, m)] if i > 0 else [])  # fwd, gw, gh: C's (M, N)
        for rows, cols in shapes:
            s_, p_ = -(-rows // mr), -(-cols // nr)
            kmax = int(k_max(rows, cols, dt.itemsize))
            apn, bpn = max(apn, par * s_ * kmax * mr), max(bpn, par * kmax * nr)
            npn, edge = max(npn, p_), max(edge, (s_ + p_) * mr * nr)
    if not apn:
        one = np.zeros(1, dt)
        return one, one, one, np.zeros((1, 1, 3), np.int64)
    return (_workspace(0, apn, dt), _workspace(1, bpn, dt), _workspace(2, edge, dt),
            np.empty((par, npn + 1, 3), np.int64))


def warm(dtype) -> float:
    """Compile (or load) ``fused_step``'s one signature for ``dtype``: a 3-4-2 network, one
    Adam step on 2 samples (the loss is returned so the call cannot be skipped)."""
    dt = np.dtype(dtype)
    dims = [(3, 4), (4, 2)]
    size, offs, woff = workspace(2, dims)
    params = [np.full(sh, 0.1, dt) for k, n in dims for sh in ((n, k), (n,))]
    state = [np.zeros_like(a) for a in params for _ in range(2)]
    ptab = np.array([[a.ctypes.data, state[2 * j].ctypes.data, state[2 * j + 1].ctypes.data]
                     for j, a in enumerate(params)], dtype=np.int64)
    hyper = np.tile(np.array([1e-3, 0.9, 0.999, 1e-8, 0.0, 0.0]), (len(params), 1))
    ltab = np.array([(k, n, 1, offs[i], 0) for i, (k, n) in enumerate(dims)], dtype=np.int64)
    x = np.linspace(-1, 1, 6, dtype=dt).reshape(2, 3)
    grads = np.empty(sum(a.size for a in params), dt)
    return float(fused_step(x, np.array([0, 1], np.int64), np.zeros((0, 0), dt),
                            np.zeros(size, dt), grads, ltab, np.zeros(2), ptab, hyper,
                            np.ones(len(params), np.int64), woff,
                            np.array([LOSS_XENT, 0, OPT_ADAM, 1 << 62], np.int64), 0.0,
                            *pack_buffers(2, dims, 1, dt), 1))


__all__ = ["ACT_CODES", "MAX_FLOPS", "fused_step", "pack_buffers", "packed_layers", "warm",
           "workspace"]
