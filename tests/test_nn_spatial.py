"""The spatial layers: gradients against finite differences (both backends, first and second
order, non-contiguous inputs), the ceil-mode pooling kernels against their references, the
layers against torch modules with copied weights (state_dict names and layouts), and
errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from torch_oracle import needs_torch

import autograd
import nn
from autograd import Tensor
from autograd.kernels import numba_backend as NB
from autograd.kernels import numpy_backend as REF
from nn import functional as F

RNG = np.random.default_rng(11)


def r(*shape):
    return RNG.standard_normal(shape)


def distinct(*shape):
    return RNG.permutation(int(np.prod(shape))).reshape(shape) / 5.0 - 2.0


# ----------------------------------------------------------------------------- gradcheck
@given(groups=st.sampled_from([1, 2]), stride=st.integers(1, 2), dil=st.integers(1, 2),
       seed=st.integers(0, 1000))
def test_grouped_and_transposed_conv_gradcheck(backend, groups, stride, dil, seed):
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((1, 4, 5, 4)), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 4 // groups, 2, 3)), requires_grad=True)
    b = Tensor(rng.standard_normal(4), requires_grad=True)
    assert autograd.gradcheck(lambda a, c, d: F.conv2d(a, c, d, stride, 1, dil, groups),
                              [x, w, b])
    wt = Tensor(rng.standard_normal((4, 2, 2, 2)), requires_grad=True)
    assert autograd.gradcheck(lambda a, c: F.conv_transpose2d(
        a, c, None, stride, 0, stride - 1, groups, dil), [x, wt])


def test_conv_second_order_through_groups_and_transpose(backend):
    x = Tensor(r(1, 2, 4, 4), requires_grad=True)
    w = Tensor(r(2, 1, 3, 3), requires_grad=True)

    def g_of_x(a, c):
        y = F.conv_transpose2d(F.conv2d(a, c, padding="same", groups=2), c, groups=2)
        (ga,) = autograd.grad((y ** 2).sum(), a, create_graph=True)
        return ga

    assert autograd.gradcheck(g_of_x, [x, w])


@given(mode=st.sampled_from(["reflect", "replicate", "circular", "constant"]),
       lo=st.integers(0, 2), hi=st.integers(0, 2), seed=st.integers(0, 1000))
def test_pad_modes_gradcheck(backend, mode, lo, hi, seed):
    base = np.random.default_rng(seed).standard_normal((2, 4, 3))
    x = Tensor(base.transpose(0, 2, 1), requires_grad=True)  # non-contiguous (2, 3, 4)
    assert autograd.gradcheck(lambda a: F.pad(a, (lo, hi, hi, lo), mode), [x])


@given(k=st.integers(2, 3), s=st.integers(1, 2), p=st.integers(0, 1), ceil=st.booleans(),
       include=st.booleans())
def test_pooling_options_gradcheck(backend, k, s, p, ceil, include):
    x = Tensor(distinct(1, 2, 5, 6), requires_grad=True)
    assert autograd.gradcheck(lambda a: F.max_pool2d(a, k, s, p, ceil_mode=ceil), [x])
    assert autograd.gradcheck(lambda a: F.avg_pool2d(
        a, k, s, p, ceil_mode=ceil, count_include_pad=include), [x])


def test_pooling_second_order_and_adaptive_max(backend):
    x = Tensor(distinct(1, 2, 5, 5), requires_grad=True)

    def g_of_x(a):
        y = F.avg_pool2d(a * a, 3, 2, 1, ceil_mode=True, count_include_pad=False)
        (ga,) = autograd.grad(y.sum(), a, create_graph=True)
        return ga

    assert autograd.gradcheck(g_of_x, [x])
    assert autograd.gradcheck(lambda a: F.adaptive_max_pool2d(a, (2, 3)), [x])


def test_interpolate_and_norm_gradcheck(backend):
    x = Tensor(r(1, 2, 3, 4), requires_grad=True)
    assert autograd.gradcheck(lambda a: F.interpolate(a, size=(5, 7), mode="bilinear"), [x])
    assert autograd.gradcheck(lambda a: F.interpolate(a, scale_factor=2, mode="bilinear",
                                                      align_corners=True), [x])
    w, b = Tensor(r(2), requires_grad=True), Tensor(r(2), requires_grad=True)
    assert autograd.gradcheck(lambda a, c, d: F.group_norm(a, 1, c, d), [x, w, b])
    assert autograd.gradcheck(lambda a, c, d: F.instance_norm(a, weight=c, bias=d), [x, w, b])


# ----------------------------------------------------------------------------- kernels
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ceil_mode_pool_kernels_match_reference(dtype):
    x = distinct(2, 3, 7, 6).astype(dtype)
    geom = (3, 2, 2, 2, 1, 0, 1, 1)
    out_hw = (4, 3)  # one more window each way than floor mode gives
    (a, ia), (b, ib) = NB.max_pool2d(x, geom, out_hw), REF.max_pool2d(x, geom, out_hw)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ia, ib)
    np.testing.assert_allclose(NB.avg_pool2d(x, geom, out_hw), REF.avg_pool2d(x, geom, out_hw),
                               rtol=1e-6)
    g = r(2, 3, *out_hw).astype(dtype)
    np.testing.assert_allclose(NB.avg_pool2d_backward(g, x.shape, geom),
                               REF.avg_pool2d_backward(g, x.shape, geom), rtol=1e-6)
    assert a.dtype == dtype and ia.dtype == np.int64


# ----------------------------------------------------------------------------- layers vs torch
def _copy(ours, theirs):
    sd = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(sd) == list(ours.state_dict()), (list(sd), list(ours.state_dict()))
    for k, v in ours.state_dict().items():
        assert v.shape == sd[k].shape, k
    ours.load_state_dict(sd)


def _compare(ours, theirs, x, tol=1e-10, **kw):
    import torch

    tx, ox = torch.tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    ty, oy = theirs(tx, **kw), ours(ox, **kw)
    np.testing.assert_allclose(oy.numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
    g = r(*oy.shape)
    (ty * torch.tensor(g)).sum().backward()
    (oy * Tensor(g)).sum().backward()
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=tol, atol=tol,
                                   err_msg=name)


@needs_torch
@pytest.mark.parametrize("make", [
    lambda m, dt: m.Conv2d(4, 6, 3, padding=2, groups=2, padding_mode="reflect", dtype=dt),
    lambda m, dt: m.Conv2d(4, 4, (2, 3), padding="same", groups=4, padding_mode="circular",
                           dtype=dt),
    lambda m, dt: m.Conv2d(4, 2, 3, stride=2, padding=1, padding_mode="replicate", bias=False,
                           dtype=dt),
    lambda m, dt: m.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2,
                                    dtype=dt),
    lambda m, dt: m.GroupNorm(2, 4, dtype=dt),
    lambda m, dt: m.LayerNorm((5, 6), bias=False, dtype=dt),
    lambda m, dt: m.InstanceNorm2d(4, affine=True, dtype=dt),
], ids=["conv_reflect_groups", "conv_same_circular_depthwise", "conv_replicate_nobias",
        "conv_transpose_groups", "group_norm", "layer_norm_nobias", "instance_norm"])
def test_2d_layers_match_torch(make):
    import torch

    torch.manual_seed(0)
    theirs, ours = make(torch.nn, torch.float64), make(nn, np.float64)
    _copy(ours, theirs)
    _compare(ours, theirs, r(2, 4, 5, 6))


@needs_torch
def test_1d_layers_match_torch():
    import torch

    torch.manual_seed(0)
    for make in (lambda m, dt: m.Conv1d(3, 4, 3, padding=1, padding_mode="reflect", dtype=dt),
                 lambda m, dt: m.ConvTranspose1d(3, 2, 4, stride=2, dtype=dt),
                 lambda m, dt: m.InstanceNorm1d(3, dtype=dt)):
        theirs, ours = make(torch.nn, torch.float64), make(nn, np.float64)
        _copy(ours, theirs)
        _compare(ours, theirs, r(2, 3, 7))


@needs_torch
def test_conv_transpose_output_size_and_init_bounds():
    import torch

    x = r(1, 2, 4, 4)
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2, dtype=np.float64)
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, dtype=torch.float64)
    _copy(ours, theirs)
    _compare(ours, theirs, x, output_size=(10, 9))
    # init: U(-1/sqrt(fan_in), ...) with fan_in = weight.shape[1] * k*k, as torch
    autograd.manual_seed(0)
    big = nn.ConvTranspose2d(2, 64, 3)  # fan_in = 64 * 9 (not 2 * 9)
    assert 0.9 / 24 < np.abs(big.bias.numpy()).max() <= 1 / 24
    with pytest.raises(ValueError, match="not reachable"):
        ours(Tensor(x), output_size=(12, 9))


@needs_torch
def test_pool_modules_and_upsample_match_torch():
    import torch

    x = distinct(2, 3, 7, 6)
    for make in (lambda m: m.MaxPool2d(3, 2, 1, ceil_mode=True),
                 lambda m: m.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
                 lambda m: m.AdaptiveMaxPool2d((3, 2)),
                 lambda m: m.AdaptiveAvgPool2d(4),
                 lambda m: m.Upsample(scale_factor=2, mode="bilinear"),
                 lambda m: m.Upsample(size=(9, 4))):
        _compare(make(nn), make(torch.nn), x)
    y, idx = nn.MaxPool2d(2, return_indices=True)(Tensor(x))
    ty, tidx = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    back = nn.MaxUnpool2d(2)(y, idx, output_size=x.shape)
    tback = torch.nn.MaxUnpool2d(2)(ty, tidx, output_size=x.shape)
    np.testing.assert_array_equal(back.numpy(), tback.numpy())


@needs_torch
@pytest.mark.parametrize("cls, shape", [("BatchNorm1d", (6, 3)), ("BatchNorm2d", (4, 3, 2, 2))])
def test_batchnorm_momentum_none_and_untracked_match_torch(cls, shape):
    import torch

    for kw in ({"momentum": None}, {"track_running_stats": False}):
        theirs = getattr(torch.nn, cls)(3, dtype=torch.float64, **kw)
        ours = getattr(nn, cls)(3, dtype=np.float64, **kw)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for _ in range(3):
            x = r(*shape)
            _compare(ours, theirs, x)
        for k, v in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[k].numpy(), v.numpy(), rtol=1e-12)
        ours.eval()
        theirs.eval()
        _compare(ours, theirs, r(*shape))


@needs_torch
def test_embedding_padding_idx_max_norm_and_from_pretrained():
    import torch

    e = nn.Embedding(5, 3, padding_idx=2)
    np.testing.assert_array_equal(e.weight.numpy()[2], 0)
    idx = np.array([[2, 0, 2], [4, 2, 1]])
    e(idx).sum().backward()
    np.testing.assert_array_equal(e.weight.grad.numpy()[2], 0)
    np.testing.assert_array_equal(e.weight.grad.numpy()[0], 1)
    w = r(5, 3) * 3
    ours = nn.Embedding.from_pretrained(Tensor(w), max_norm=1.5, freeze=False)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(w), max_norm=1.5, freeze=False)
    yo, yt = ours(idx), theirs(torch.tensor(idx))
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), rtol=1e-12)
    frozen = nn.Embedding.from_pretrained(w)
    assert not frozen.weight.requires_grad and frozen.weight.dtype == np.float64
    with pytest.raises(ValueError, match="padding_idx must be within"):
        nn.Embedding(3, 2, padding_idx=3)


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call, exc, message", [
    (lambda: F.conv2d(Tensor(r(1, 4, 5, 5)), Tensor(r(4, 3, 3, 3)), groups=2), ValueError,
     "with groups=2 expects 6"),
    (lambda: F.conv2d(Tensor(r(1, 2, 5, 5)), Tensor(r(2, 2, 3, 3)), stride=2, padding="same"),
     ValueError, "not supported for strided"),
    (lambda: F.conv2d(Tensor(r(1, 2, 5, 5)), Tensor(r(2, 2, 3, 3)), padding="full"),
     ValueError, "'valid', 'same'"),
    (lambda: F.conv_transpose2d(Tensor(r(1, 2, 3, 3)), Tensor(r(2, 2, 3, 3)), stride=2,
                                output_padding=2), ValueError, "output_padding"),
    (lambda: F.pad(Tensor(r(1, 2, 3)), (3, 0), "reflect"), ValueError,
     "must be smaller than the dimension"),
    (lambda: F.pad(Tensor(r(1, 2, 3)), (1, 2, 3)), ValueError, "even length"),
    (lambda: F.pad(Tensor(r(1, 2, 3)), (1, 1), "wrap"), ValueError, "mode must be one of"),
    (lambda: F.interpolate(Tensor(r(1, 2, 3)), size=4, mode="bilinear"), ValueError,
     "expects 4-D input"),
    (lambda: F.interpolate(Tensor(r(1, 2, 3)), size=4, align_corners=True), ValueError,
     "align_corners can only be set"),
    (lambda: F.interpolate(Tensor(r(1, 2, 3))), ValueError, "exactly one of size"),
    (lambda: F.group_norm(Tensor(r(2, 6, 3)), 4), ValueError, "dividing the 6 channels"),
    (lambda: F.max_unpool2d(Tensor(r(1, 1, 2, 2)), np.zeros((1, 1, 2, 2)), 2), ValueError,
     "indices must be integers"),
    (lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, "in_channels (3) must be divisible"),
    (lambda: nn.Conv2d(2, 4, 3, padding_mode="mirror"), ValueError, "padding_mode must be"),
    (lambda: nn.GroupNorm(4, 6), ValueError, "divisible by num_groups"),
])
def test_errors_name_the_problem(call, exc, message):
    with pytest.raises(exc, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_layer_attributes_and_state_dict_layout():
    c = nn.Conv2d(4, 6, 3, groups=2, bias=False)
    assert c.weight.shape == (6, 2, 3, 3) and c.bias is None
    assert list(c.state_dict()) == ["weight"]
    t = nn.ConvTranspose1d(4, 6, 3, groups=2)
    assert t.weight.shape == (4, 3, 3) and t.kernel_size == (3,)
    bn = nn.BatchNorm2d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    assert nn.LayerNorm(4, bias=False).bias is None
