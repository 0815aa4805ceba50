"""Convolution and pooling: kernels vs their numpy references, forward vs explicit loops,
gradients vs finite differences (first and second order), PyTorch agreement, and errors."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
from autograd import Tensor
from autograd.kernels import numba_backend as NB
from autograd.kernels import numpy_backend as REF
from nn import functional as F

RNG = np.random.default_rng(0)


def randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


# ------------------------------------------------------------------ explicit-loop references
def conv2d_loops(x, w, b, stride, padding, dilation):
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, oh, ow))
    for b_ in range(n):
        for oc in range(o):
            for y in range(oh):
                for q in range(ow):
                    s = 0.0 if b is None else b[oc]
                    for ci in range(c):
                        for i in range(kh):
                            for j in range(kw):
                                s += w[oc, ci, i, j] * xp[b_, ci, y * sh + i * dh, q * sw + j * dw]
                    out[b_, oc, y, q] = s
    return out


def pool_loops(x, k, stride, padding, kind):
    (kh, kw), (sh, sw), (ph, pw) = k, stride, padding
    n, c, h, w = x.shape
    oh = (h + 2 * ph - kh) // sh + 1
    ow = (w + 2 * pw - kw) // sw + 1
    out = np.zeros((n, c, oh, ow))
    for b in range(n):
        for ci in range(c):
            for y in range(oh):
                for q in range(ow):
                    vals = []
                    for i in range(kh):
                        for j in range(kw):
                            r, s = y * sh + i - ph, q * sw + j - pw
                            inside = 0 <= r < h and 0 <= s < w
                            if kind == "max" and inside:
                                vals.append(x[b, ci, r, s])
                            elif kind == "avg":
                                vals.append(x[b, ci, r, s] if inside else 0.0)
                    out[b, ci, y, q] = max(vals) if kind == "max" else sum(vals) / (kh * kw)
    return out


CASES = [  # (x shape, weight shape, stride, padding, dilation)
    ((2, 3, 7, 6), (4, 3, 3, 2), (1, 1), (0, 0), (1, 1)),
    ((1, 2, 8, 9), (3, 2, 3, 3), (2, 1), (1, 2), (1, 2)),
    ((2, 1, 5, 5), (2, 1, 1, 1), (2, 2), (0, 0), (1, 1)),
]


@pytest.mark.parametrize("xs, ws, stride, padding, dilation", CASES)
def test_conv2d_forward_matches_loops(backend, xs, ws, stride, padding, dilation):
    x, w, b = randn(*xs), randn(*ws), randn(ws[0])
    y = F.conv2d(Tensor(x), Tensor(w), Tensor(b), stride, padding, dilation)
    np.testing.assert_allclose(y.numpy(), conv2d_loops(x, w, b, stride, padding, dilation),
                               rtol=1e-10, atol=1e-10)
    y0 = F.conv2d(Tensor(x), Tensor(w), None, stride, padding, dilation)
    np.testing.assert_allclose(y0.numpy(), conv2d_loops(x, w, None, stride, padding, dilation),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("xs, ws, stride, padding, dilation", CASES[:2])
def test_conv2d_gradcheck_first_and_second_order(backend, xs, ws, stride, padding, dilation):
    ins = [Tensor(randn(*xs), requires_grad=True), Tensor(randn(*ws), requires_grad=True),
           Tensor(randn(ws[0]), requires_grad=True)]
    assert autograd.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation), ins)

    def grad_norm(x, w, b):
        y = F.conv2d(x, w, b, stride, padding, dilation)
        gx, gw = autograd.grad((y * y).sum(), [x, w], create_graph=True)
        return (gx * gx).sum() + (gw * gw).sum()

    assert autograd.gradcheck(grad_norm, ins)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("k, stride, padding", [((2, 2), (2, 2), (0, 0)),
                                                ((3, 2), (2, 1), (1, 1))])
def test_pooling_forward_matches_loops_and_gradcheck(backend, kind, k, stride, padding):
    x = randn(2, 3, 7, 6)
    fn = F.max_pool2d if kind == "max" else F.avg_pool2d
    y = fn(Tensor(x), k, stride, padding)
    np.testing.assert_allclose(y.numpy(), pool_loops(x, k, stride, padding, kind), atol=1e-12)
    xt = Tensor(x, requires_grad=True)
    assert autograd.gradcheck(lambda a: fn(a, k, stride, padding), [xt])

    def second(a):
        (g,) = autograd.grad((fn(a, k, stride, padding) ** 3).sum(), [a], create_graph=True)
        return (g * g).sum()

    assert autograd.gradcheck(second, [xt])


def test_max_pool_gradient_goes_to_the_winner_only():
    x = Tensor(np.array([[[[1.0, 5.0], [3.0, 2.0]]]]), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0.0, 1.0], [0.0, 0.0]]]])


@pytest.mark.parametrize("out", [1, (2, 3), (3, 4)])
def test_adaptive_avg_pool_bins_and_gradcheck(out):
    x = randn(2, 2, 7, 6)
    y = F.adaptive_avg_pool2d(Tensor(x), out)
    oh, ow = (out, out) if isinstance(out, int) else out
    ref = np.zeros((2, 2, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, h1 = math.floor(i * 7 / oh), math.ceil((i + 1) * 7 / oh)
            w0, w1 = math.floor(j * 6 / ow), math.ceil((j + 1) * 6 / ow)
            ref[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    np.testing.assert_allclose(y.numpy(), ref, atol=1e-12)
    assert autograd.gradcheck(lambda a: F.adaptive_avg_pool2d(a, out),
                              [Tensor(x, requires_grad=True)])


def test_conv1d_matches_conv2d_loops_and_gradcheck(backend):
    x, w, b = randn(2, 3, 9), randn(4, 3, 3), randn(4)
    y = F.conv1d(Tensor(x), Tensor(w), Tensor(b), stride=2, padding=1, dilation=2)
    ref = conv2d_loops(x[:, :, None], w[:, :, None], b, (1, 2), (0, 1), (1, 2))[:, :, 0]
    np.testing.assert_allclose(y.numpy(), ref, atol=1e-12)
    ins = [Tensor(x, requires_grad=True), Tensor(w, requires_grad=True),
           Tensor(b, requires_grad=True)]
    assert autograd.gradcheck(lambda a, c, d: F.conv1d(a, c, d, 2, 1, 2), ins)


# ------------------------------------------------------------------ kernels vs references
def _both(name, *args):
    """The named kernel on the numba backend and its numpy reference."""
    return getattr(NB, name)(*args), getattr(REF, name)(*args)


geoms = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.integers(1, 2),
                  st.integers(0, 1), st.integers(0, 1), st.integers(1, 2), st.integers(1, 2))


@given(geom=geoms, n=st.integers(1, 2), c=st.integers(1, 3),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_im2col_col2im_kernels_match_reference(geom, n, c, dtype):
    x = randn(n, c, 6, 7).astype(dtype)
    cols, ref = _both("im2col", x, geom)
    assert cols.dtype == dtype and cols.shape == ref.shape
    np.testing.assert_array_equal(cols, ref)
    back, back_ref = _both("col2im", cols, x.shape, geom)
    assert back.dtype == dtype
    np.testing.assert_allclose(back, back_ref, rtol=1e-5, atol=1e-5)
    # col2im is the adjoint of im2col: <im2col(x), C> == <x, col2im(C)>
    cc = randn(*cols.shape)
    lhs = (REF.im2col(x.astype(np.float64), geom) * cc).sum()
    rhs = (x * REF.col2im(cc, x.shape, geom)).sum()
    assert abs(lhs - rhs) <= 1e-4 * (1 + abs(lhs))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("o,kk,n,npix", [(16, 9, 64, 676), (5, 3, 7, 13), (3, 27, 5, 31),
                                         (4, 28, 3, 17), (2, 1, 1, 1)])
@pytest.mark.parametrize("threads", [1, 2])
def test_conv_product_kernels_match_reference(o, kk, n, npix, dtype, threads, monkeypatch):
    """conv_output (W2 @ cols + b, as NCHW) and conv_grad_wb (weight and bias gradients from
    an NCHW gradient) agree with their numpy references, below and above SMALL_K rows of
    cols, with and without bias, serial and on two threads (the per-thread partial sums)."""
    from autograd.kernels import conv as C
    from autograd.kernels import parallel as par

    monkeypatch.setattr(par, "threads", lambda: threads)
    monkeypatch.setattr(par, "_state", dict(par._state, until=0.0))
    rng = np.random.default_rng(kk)
    w2 = rng.standard_normal((o, kk)).astype(dtype)
    cols = rng.standard_normal((kk, n * npix)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype)
    tol = dict(rtol=2e-5, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-10)
    for bias in (b, None):
        got, ref = _both("conv_output", w2, cols, bias, n)
        assert got.shape == ref.shape == (n, o, npix) and got.dtype == dtype
        np.testing.assert_allclose(got, ref, **tol)
    g = rng.standard_normal((n, o, npix)).astype(dtype)
    g2 = np.ascontiguousarray(g.transpose(1, 0, 2)).reshape(o, -1)  # the caller's (O, N*P)
    for need_b, laid_out in ((True, None), (False, None), (True, g2)):
        (gw, gb), (gw_r, gb_r) = _both("conv_grad_wb", g, cols, need_b, laid_out)
        assert gw.shape == (o, kk) and gw.dtype == dtype
        np.testing.assert_allclose(gw, gw_r, **tol)
        if need_b:
            assert gb.dtype == dtype
            np.testing.assert_allclose(gb, gb_r, **tol)
        else:
            assert gb is None and gb_r is None
    assert (kk <= C.SMALL_K) == (kk != 28)  # both sides of the cut-off are covered


@given(k=st.integers(1, 3), s=st.integers(1, 3), pad=st.integers(0, 1), d=st.integers(1, 2),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_pool_kernels_match_reference(k, s, pad, d, dtype):
    pad = min(pad, (d * (k - 1) + 1) // 2)
    geom = (k, k, s, s, pad, pad, d, d)
    x = randn(2, 3, 7, 6).astype(dtype)
    (out, arg), (out_r, arg_r) = _both("max_pool2d", x, geom)
    np.testing.assert_array_equal(out, out_r)
    np.testing.assert_array_equal(arg, arg_r)
    g = randn(*out.shape).astype(dtype)
    a, r = _both("max_pool2d_backward", g, arg, x.shape)
    np.testing.assert_allclose(a, r, rtol=1e-6, atol=1e-6)
    geom1 = (k, k, s, s, pad, pad, 1, 1)
    a, r = _both("avg_pool2d", x, geom1)
    assert a.dtype == dtype
    np.testing.assert_allclose(a, r, rtol=1e-5, atol=1e-6)
    g = randn(*a.shape).astype(dtype)
    a, r = _both("avg_pool2d_backward", g, x.shape, geom1)
    np.testing.assert_allclose(a, r, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lstm_cell_kernels_match_reference(dtype):
    z, c_prev = randn(3, 20).astype(dtype), randn(3, 5).astype(dtype)
    (h, c, act), (h_r, c_r, act_r) = _both("lstm_cell_forward", z, c_prev)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, r in ((h, h_r), (c, c_r), (act, act_r)):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, r, rtol=tol, atol=tol)
    dh, dc = randn(3, 5).astype(dtype), randn(3, 5).astype(dtype)
    (dz, dcp), (dz_r, dcp_r) = _both("lstm_cell_backward", act, c, c_prev, dh, dc)
    np.testing.assert_allclose(dz, dz_r, rtol=tol, atol=tol)
    np.testing.assert_allclose(dcp, dcp_r, rtol=tol, atol=tol)


# ------------------------------------------------------------------ layers and torch
def test_conv2d_layer_shapes_init_and_names():
    autograd.manual_seed(0)
    m = nn.Conv2d(3, 8, 3, padding=1)
    assert m.weight.shape == (8, 3, 3, 3) and m.bias.shape == (8,)
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    bound = 1 / math.sqrt(3 * 9)
    assert np.abs(m.weight.numpy()).max() <= bound and np.abs(m.bias.numpy()).max() <= bound
    assert m.weight.numpy().std() > bound / 3  # actually spread over the range
    y = m(Tensor(randn(2, 3, 5, 5).astype(np.float32)))
    assert y.shape == (2, 8, 5, 5) and y.dtype == np.float32
    assert nn.Conv1d(2, 4, 5, bias=False).weight.shape == (4, 2, 5)
    seq = nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), nn.AvgPool2d(1),
                        nn.AdaptiveAvgPool2d(1))
    assert seq(Tensor(randn(1, 1, 8, 8).astype(np.float32))).shape == (1, 2, 1, 1)


def test_layers_match_torch():
    torch = pytest.importorskip("torch")
    x = randn(2, 3, 9, 8)
    conv = nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2), dtype=np.float64)
    tconv = torch.nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2)).double()
    tconv.weight.data = torch.tensor(conv.weight.numpy())
    tconv.bias.data = torch.tensor(conv.bias.numpy())
    xt = torch.tensor(x, requires_grad=True)
    xa = Tensor(x, requires_grad=True)
    for layer, tlayer in [(conv, tconv), (nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1)),
                          (nn.AvgPool2d(2, 1, 1), torch.nn.AvgPool2d(2, 1, 1)),
                          (nn.AdaptiveAvgPool2d((4, 3)), torch.nn.AdaptiveAvgPool2d((4, 3)))]:
        y, yt = layer(xa), tlayer(xt)
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), atol=1e-12)
        (y * y).sum().backward()
        (yt * yt).sum().backward()
        np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), atol=1e-10)
        xa.grad, xt.grad = None, None
    np.testing.assert_allclose(conv.weight.grad.numpy(), tconv.weight.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(conv.bias.grad.numpy(), tconv.bias.grad.numpy(), atol=1e-10)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("call, message", [
    (lambda: F.conv2d(Tensor(randn(1, 3, 5, 5)), Tensor(randn(2, 2, 3, 3))),
     "input has 3 channels but the weight"),
    (lambda: F.conv2d(Tensor(randn(1, 1, 2, 5)), Tensor(randn(2, 1, 3, 3))),
     "larger than the padded input 2x5"),
    (lambda: F.conv2d(Tensor(randn(1, 1, 2, 2)), Tensor(randn(2, 1, 2, 2)), dilation=2),
     "dilated to 3x3"),
    (lambda: F.conv2d(Tensor(randn(5, 5)), Tensor(randn(2, 3, 3, 3))),
     "input must be 4-D"),
    (lambda: F.conv2d(Tensor(randn(1, 3, 5, 5)), Tensor(randn(2, 3, 3))),
     "weight must be a 4-D Tensor"),
    (lambda: F.conv2d(Tensor(randn(1, 1, 5, 5)), Tensor(randn(2, 1, 3, 3)), Tensor(randn(3))),
     "bias must be a Tensor of shape (2,)"),
    (lambda: F.conv2d(Tensor(randn(1, 1, 5, 5)), Tensor(randn(2, 1, 3, 3)), stride=0),
     "stride must be >= 1"),
    (lambda: F.conv1d(Tensor(randn(1, 2, 5)), Tensor(randn(2, 3, 3))),
     "conv1d: input has 2 channels"),
    (lambda: F.max_pool2d(Tensor(randn(1, 1, 5, 5)), 2, padding=2), "at most half"),
    (lambda: F.max_pool2d(Tensor(randn(5, 5)), 2), "input must be 4-D"),
])
def test_bad_shapes_give_clear_errors(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_dtype_mismatch_is_an_error():
    with pytest.raises(TypeError, match="input is float64 but weight is float32"):
        F.conv2d(Tensor(randn(1, 1, 5, 5)), Tensor(randn(2, 1, 3, 3).astype(np.float32)))


@pytest.mark.parametrize("name", ["numba_backend", "numpy_backend"])
def test_max_pool_propagates_nan_like_torch(name):
    import importlib

    kb = importlib.import_module(f"autograd.kernels.{name}")
    x = np.array([[[[1.0, np.nan], [2.0, 0.0]]]])
    out, arg = kb.max_pool2d(x, (2, 2, 2, 2, 0, 0, 1, 1))  # kh kw sh sw ph pw dh dw
    assert np.isnan(out[0, 0, 0, 0]) and arg[0, 0, 0, 0] == 1
