"""A PyTorch user's habits, layer by layer: build the same nn layer in numbagrad and in torch,
copy torch's weights into ours with ``load_state_dict`` (which checks that the state_dict
keys and shapes are torch's), run the same input, and compare the outputs (structure, shape,
dtype, values), the gradients of the input and of every parameter for the same upstream
gradient, the running statistics, ``parameters()`` order, ``train()/eval()`` and ``repr``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from torch_oracle import Case, check, ids, needs_torch

import autograd as ag
import nn as onn
from nn import functional as NF

try:
    import torch
    import torch.nn as tnn
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover - depends on the environment
    torch = tnn = TF = None

pytestmark = [needs_torch, pytest.mark.filterwarnings("ignore:Using padding=.same.")]
RNG = np.random.default_rng(11)


def r(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def distinct(*shape, dtype=np.float32):
    """Values with no ties (max pooling picks a unique winner)."""
    return (RNG.permutation(int(np.prod(shape))).reshape(shape) / 7.0 - 3.0).astype(dtype)


def ints(hi, *shape):
    return RNG.integers(0, hi, shape).astype(np.int64)


def lib_of(nnlib):
    return ag if nnlib is onn else torch


@dataclass
class L:
    """One layer case: ``build(nn)`` makes the layer from numbagrad's ``nn`` or ``torch.nn``;
    ``call(layer, *inputs)`` runs it (default ``layer(*inputs)``); inputs are numpy arrays
    (float ones get requires_grad unless listed in no_grad) or anything else passed as is.
    ``steps`` forward passes (fresh inputs each time) check running statistics; with
    ``then_eval`` both layers switch to eval() for one more pass. The last pass is
    differentiated."""

    name: str
    build: Callable[[Any], Any]
    inputs: Sequence[Any]
    call: Callable[..., Any] | None = None
    train: bool = True
    steps: int = 1
    double: bool = False
    rtol: float = 1e-5
    atol: float = 1e-5
    no_grad: tuple[int, ...] = ()
    grad: bool = True
    then_eval: bool = False
    marks: tuple = ()
    extra: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return self.name


def _tensors(lib, arrays, skip, grad):
    out = []
    for i, a in enumerate(arrays):
        if not isinstance(a, np.ndarray):
            out.append(a)
            continue
        want = grad and a.dtype.kind == "f" and i not in skip
        if lib == "ag":
            out.append(ag.Tensor(a.copy(), requires_grad=want))
        else:
            out.append(torch.tensor(a.copy(), requires_grad=want))
    return out


def _leaves(v):
    if isinstance(v, (tuple, list)):
        return [x for item in v for x in _leaves(item)]
    return [v]


def _structure(v):
    if isinstance(v, (tuple, list)):
        return tuple(_structure(x) for x in v)
    if v is None:
        return None
    return "T"


def pair(case: L):
    """The two layers, torch's weights copied into ours."""
    torch.manual_seed(0)
    theirs = case.build(tnn)
    ours = case.build(onn)
    if case.double:
        theirs, ours = theirs.double(), ours.double()
    sd = {k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()}
    ours.load_state_dict(sd)  # strict: the same keys and shapes as torch's
    theirs.train(case.train)
    ours.train(case.train)
    return ours, theirs


def _compare(a, b, where, rtol, atol):
    assert isinstance(a, ag.Tensor), f"{where}: got {type(a).__name__}, torch a Tensor"
    assert a.shape == tuple(b.shape), f"{where}: shape {a.shape} != torch {tuple(b.shape)}"
    tdt = str(b.dtype).replace("torch.", "")
    assert str(a.dtype) == tdt, f"{where}: dtype {a.dtype} != torch {tdt}"
    np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=rtol, atol=atol,
                               err_msg=where, equal_nan=True)


def run_layer(case: L) -> None:
    ours, theirs = pair(case)
    names_o = [n for n, _ in ours.named_parameters()]
    names_t = [n for n, _ in theirs.named_parameters()]
    assert names_o == names_t, f"{case.name}: parameters {names_o} != torch {names_t}"
    assert list(ours.state_dict()) == list(theirs.state_dict())  # names and order
    call = case.call or (lambda layer, *xs: layer(*xs))
    arrays = list(case.inputs)
    if case.double:
        arrays = [a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f"
                  else a for a in arrays]
    for step in range(case.steps + case.then_eval):
        if step == case.steps:
            ours.eval()
            theirs.eval()
        if step:
            arrays = [a + r(*a.shape, dtype=a.dtype) if isinstance(a, np.ndarray)
                      and a.dtype.kind == "f" else a for a in arrays]
        xo = _tensors("ag", arrays, case.no_grad, case.grad)
        xt = _tensors("torch", arrays, case.no_grad, case.grad)
        out_o, out_t = call(ours, *xo), call(theirs, *xt)
        assert _structure(out_o) == _structure(out_t), (
            f"{case.name}: output structure {_structure(out_o)} != torch {_structure(out_t)}")
        lo = [v for v in _leaves(out_o) if v is not None]
        lt = [v for v in _leaves(out_t) if v is not None]
        for i, (a, b) in enumerate(zip(lo, lt)):
            _compare(a, b, f"{case.name} step {step} output {i}", case.rtol, case.atol)
    for (k, vo), vt in zip(sorted(ours.state_dict().items()),
                           (v for _, v in sorted(theirs.state_dict().items()))):
        np.testing.assert_allclose(vo.data, vt.numpy(), rtol=case.rtol, atol=case.atol,
                                   err_msg=f"{case.name}: state {k} after the steps")
    if not case.grad:
        return
    rng = np.random.default_rng(0)
    tot_o = tot_t = None
    for a, b in zip(lo, lt):
        if not (b.requires_grad and b.dtype.is_floating_point):
            continue
        assert a.requires_grad, f"{case.name}: our output does not require grad"
        g = rng.standard_normal(a.shape).astype(a.dtype)
        so, st = (a * ag.Tensor(g)).sum(), (b * torch.tensor(g)).sum()
        tot_o = so if tot_o is None else tot_o + so
        tot_t = st if tot_t is None else tot_t + st
    if tot_o is None:
        return
    tot_o.backward()
    tot_t.backward()
    gtol = dict(rtol=case.rtol * 10, atol=case.atol * 10)
    for i, (a, b) in enumerate(zip(xo, xt)):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            want = np.zeros(b.shape) if b.grad is None else b.grad.numpy()
            got = np.zeros(a.shape) if a.grad is None else a.grad.data
            np.testing.assert_allclose(got, want, err_msg=f"{case.name}: grad of input {i}",
                                       **gtol)
    params_t = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        want = params_t[n].grad
        want = np.zeros(p.shape) if want is None else want.numpy()
        got = np.zeros(p.shape) if p.grad is None else p.grad.data
        np.testing.assert_allclose(got, want, err_msg=f"{case.name}: grad of {n}", **gtol)


def _p(case: L):
    return pytest.param(case, id=case.name, marks=case.marks)


# ------------------------------------------------------------------------------ convolution
x2 = r(2, 3, 8, 8)
x2b = r(2, 4, 9, 7)
CONV = [
    L("Conv2d_3_16_3_pad1", lambda nn: nn.Conv2d(3, 16, 3, padding=1), [x2]),
    L("Conv2d_valid_default", lambda nn: nn.Conv2d(3, 8, 3), [x2]),
    L("Conv2d_stride2", lambda nn: nn.Conv2d(3, 8, 3, stride=2), [x2]),
    L("Conv2d_stride2_pad1", lambda nn: nn.Conv2d(3, 8, 3, stride=2, padding=1), [x2]),
    L("Conv2d_rect_kernel", lambda nn: nn.Conv2d(3, 8, (3, 5), padding=(1, 2)), [x2]),
    L("Conv2d_kwargs_tuple_stride", lambda nn: nn.Conv2d(
        in_channels=3, out_channels=4, kernel_size=3, stride=(2, 1), padding=(0, 1)), [x2]),
    L("Conv2d_dilation2", lambda nn: nn.Conv2d(4, 6, 3, dilation=2), [x2b]),
    L("Conv2d_dilation_pad", lambda nn: nn.Conv2d(4, 6, 3, padding=2, dilation=2), [x2b]),
    L("Conv2d_groups2", lambda nn: nn.Conv2d(4, 8, 3, groups=2), [x2b]),
    L("Conv2d_depthwise", lambda nn: nn.Conv2d(4, 4, 3, padding=1, groups=4), [x2b]),
    L("Conv2d_depthwise_mult", lambda nn: nn.Conv2d(4, 8, 3, groups=4, bias=False), [x2b]),
    L("Conv2d_bias_false", lambda nn: nn.Conv2d(3, 8, 3, bias=False), [x2]),
    L("Conv2d_pointwise", lambda nn: nn.Conv2d(3, 5, 1), [x2]),
    L("Conv2d_same", lambda nn: nn.Conv2d(3, 8, 3, padding="same"), [x2]),
    L("Conv2d_same_even_kernel", lambda nn: nn.Conv2d(3, 4, 4, padding="same"), [x2]),
    L("Conv2d_same_dilated", lambda nn: nn.Conv2d(3, 4, 3, padding="same", dilation=2), [x2]),
    L("Conv2d_valid_str", lambda nn: nn.Conv2d(3, 4, 3, padding="valid"), [x2]),
    L("Conv2d_reflect", lambda nn: nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"),
      [x2]),
    L("Conv2d_replicate", lambda nn: nn.Conv2d(3, 4, 3, padding=2, padding_mode="replicate"),
      [x2]),
    L("Conv2d_circular", lambda nn: nn.Conv2d(3, 4, 3, padding=1, padding_mode="circular"),
      [x2]),
    L("Conv2d_reflect_rect_stride", lambda nn: nn.Conv2d(
        4, 4, (3, 2), stride=2, padding=(1, 0), padding_mode="reflect"), [x2b]),
    L("Conv2d_same_reflect", lambda nn: nn.Conv2d(3, 4, 4, padding="same",
                                                  padding_mode="reflect"), [x2]),
    L("Conv2d_unbatched", lambda nn: nn.Conv2d(3, 4, 3, padding=1), [r(3, 6, 5)]),
    L("Conv2d_f64", lambda nn: nn.Conv2d(3, 4, 3, stride=2, padding=1), [x2], double=True,
      rtol=1e-10, atol=1e-10),
    L("Conv2d_groups_f64", lambda nn: nn.Conv2d(4, 6, 3, groups=2, dilation=(1, 2)), [x2b],
      double=True, rtol=1e-10, atol=1e-10),
    L("Conv2d_eval", lambda nn: nn.Conv2d(3, 4, 3), [x2], train=False),
    L("Conv1d_basic", lambda nn: nn.Conv1d(4, 8, 3), [r(2, 4, 12)]),
    L("Conv1d_pad1", lambda nn: nn.Conv1d(4, 8, 3, padding=1), [r(2, 4, 12)]),
    L("Conv1d_stride2", lambda nn: nn.Conv1d(4, 8, 5, stride=2, padding=2), [r(2, 4, 12)]),
    L("Conv1d_dilation", lambda nn: nn.Conv1d(4, 6, 3, dilation=3), [r(2, 4, 12)]),
    L("Conv1d_groups", lambda nn: nn.Conv1d(4, 6, 3, groups=2), [r(2, 4, 12)]),
    L("Conv1d_bias_false", lambda nn: nn.Conv1d(4, 6, 3, bias=False), [r(2, 4, 12)]),
    L("Conv1d_same", lambda nn: nn.Conv1d(4, 6, 4, padding="same"), [r(2, 4, 11)]),
    L("Conv1d_circular", lambda nn: nn.Conv1d(4, 6, 3, padding=1, padding_mode="circular"),
      [r(2, 4, 10)]),
    L("Conv1d_reflect", lambda nn: nn.Conv1d(4, 6, 3, padding=2, padding_mode="reflect"),
      [r(2, 4, 10)]),
    L("Conv1d_replicate_same", lambda nn: nn.Conv1d(4, 2, 5, padding="same",
                                                    padding_mode="replicate"), [r(2, 4, 10)]),
    L("Conv1d_unbatched", lambda nn: nn.Conv1d(4, 6, 3), [r(4, 10)]),
    L("Conv1d_pointwise_f64", lambda nn: nn.Conv1d(4, 3, 1), [r(3, 4, 5)], double=True,
      rtol=1e-10, atol=1e-10),
    L("ConvTranspose2d_basic", lambda nn: nn.ConvTranspose2d(4, 2, 3), [r(2, 4, 5, 5)]),
    L("ConvTranspose2d_k2s2", lambda nn: nn.ConvTranspose2d(4, 3, 2, stride=2),
      [r(2, 4, 4, 5)]),
    L("ConvTranspose2d_s2p1op1", lambda nn: nn.ConvTranspose2d(
        4, 3, 3, stride=2, padding=1, output_padding=1), [r(2, 4, 4, 4)]),
    L("ConvTranspose2d_groups", lambda nn: nn.ConvTranspose2d(4, 6, 3, groups=2),
      [r(2, 4, 4, 4)]),
    L("ConvTranspose2d_dilation", lambda nn: nn.ConvTranspose2d(4, 2, 3, dilation=2,
                                                                bias=False), [r(1, 4, 4, 3)]),
    L("ConvTranspose2d_output_size", lambda nn: nn.ConvTranspose2d(4, 2, 3, stride=2,
                                                                   padding=1),
      [r(1, 4, 4, 4)], call=lambda m, x: m(x, output_size=[8, 8])),
    L("ConvTranspose2d_f64", lambda nn: nn.ConvTranspose2d(3, 2, (2, 3), stride=(2, 1)),
      [r(2, 3, 3, 4)], double=True, rtol=1e-10, atol=1e-10),
    L("ConvTranspose2d_unbatched", lambda nn: nn.ConvTranspose2d(4, 2, 3), [r(4, 3, 3)]),
    L("ConvTranspose1d_basic", lambda nn: nn.ConvTranspose1d(4, 2, 3), [r(2, 4, 6)]),
    L("ConvTranspose1d_s2", lambda nn: nn.ConvTranspose1d(4, 2, 4, stride=2, padding=1),
      [r(2, 4, 6)]),
    L("ConvTranspose1d_op", lambda nn: nn.ConvTranspose1d(4, 2, 3, stride=2, padding=1,
                                                          output_padding=1), [r(2, 4, 6)]),
    L("ConvTranspose1d_groups", lambda nn: nn.ConvTranspose1d(4, 4, 3, groups=4, bias=False),
      [r(2, 4, 6)]),
]

# ------------------------------------------------------------------------------ pooling
xd = distinct(2, 3, 7, 7)
xe = distinct(2, 3, 8, 8)
x1 = distinct(2, 3, 11)
POOL = [
    L("MaxPool2d_2", lambda nn: nn.MaxPool2d(2), [xe]),
    L("MaxPool2d_2_odd", lambda nn: nn.MaxPool2d(2), [xd]),
    L("MaxPool2d_2_ceil", lambda nn: nn.MaxPool2d(2, ceil_mode=True), [xd]),
    L("MaxPool2d_3_2_1", lambda nn: nn.MaxPool2d(3, stride=2, padding=1), [xd]),
    L("MaxPool2d_3_2_1_ceil", lambda nn: nn.MaxPool2d(3, 2, 1, ceil_mode=True), [xe]),
    L("MaxPool2d_dilation", lambda nn: nn.MaxPool2d(2, stride=1, dilation=2), [xd]),
    L("MaxPool2d_rect", lambda nn: nn.MaxPool2d((2, 3), stride=(1, 2)), [xd]),
    L("MaxPool2d_indices", lambda nn: nn.MaxPool2d(2, return_indices=True), [xe]),
    L("MaxPool2d_unbatched", lambda nn: nn.MaxPool2d(2), [distinct(3, 6, 6)]),
    L("MaxPool2d_f64", lambda nn: nn.MaxPool2d(3, 2), [xd], double=True),
    L("MaxPool1d_2", lambda nn: nn.MaxPool1d(2), [x1]),
    L("MaxPool1d_3_2_1", lambda nn: nn.MaxPool1d(3, 2, 1), [x1]),
    L("MaxPool1d_ceil", lambda nn: nn.MaxPool1d(2, ceil_mode=True), [x1]),
    L("MaxPool1d_indices", lambda nn: nn.MaxPool1d(3, return_indices=True), [x1]),
    L("AvgPool2d_2", lambda nn: nn.AvgPool2d(2), [xe]),
    L("AvgPool2d_3_2_1", lambda nn: nn.AvgPool2d(3, 2, 1), [xd]),
    L("AvgPool2d_no_pad_count", lambda nn: nn.AvgPool2d(3, 2, 1, count_include_pad=False),
      [xd]),
    L("AvgPool2d_ceil", lambda nn: nn.AvgPool2d(2, ceil_mode=True), [xd]),
    L("AvgPool2d_ceil_pad", lambda nn: nn.AvgPool2d(3, 2, 1, ceil_mode=True), [xe]),
    L("AvgPool2d_ceil_pad_nocount", lambda nn: nn.AvgPool2d(
        3, 2, 1, ceil_mode=True, count_include_pad=False), [xe]),
    L("AvgPool2d_divisor", lambda nn: nn.AvgPool2d(2, divisor_override=3), [xe]),
    L("AvgPool2d_rect_stride1", lambda nn: nn.AvgPool2d((2, 3), stride=1), [xd]),
    L("AvgPool2d_f64", lambda nn: nn.AvgPool2d(2), [xd], double=True, rtol=1e-12),
    L("AvgPool1d_2", lambda nn: nn.AvgPool1d(2), [x1]),
    L("AvgPool1d_3_2_1", lambda nn: nn.AvgPool1d(3, 2, 1), [x1]),
    L("AvgPool1d_nocount", lambda nn: nn.AvgPool1d(3, 2, 1, count_include_pad=False), [x1]),
    L("AvgPool1d_ceil", lambda nn: nn.AvgPool1d(2, ceil_mode=True), [x1]),
    L("AdaptiveAvgPool2d_1", lambda nn: nn.AdaptiveAvgPool2d(1), [xd]),
    L("AdaptiveAvgPool2d_11", lambda nn: nn.AdaptiveAvgPool2d((1, 1)), [xd]),
    L("AdaptiveAvgPool2d_3_2", lambda nn: nn.AdaptiveAvgPool2d((3, 2)), [xd]),
    L("AdaptiveAvgPool2d_none", lambda nn: nn.AdaptiveAvgPool2d((None, 3)), [xd]),
    L("AdaptiveAvgPool2d_up", lambda nn: nn.AdaptiveAvgPool2d(9), [xd]),
    L("AdaptiveAvgPool2d_even", lambda nn: nn.AdaptiveAvgPool2d(4), [xe]),
    L("AdaptiveAvgPool1d_3", lambda nn: nn.AdaptiveAvgPool1d(3), [x1]),
    L("AdaptiveAvgPool1d_1", lambda nn: nn.AdaptiveAvgPool1d(1), [x1]),
    L("AdaptiveMaxPool2d_2", lambda nn: nn.AdaptiveMaxPool2d(2), [xd]),
    L("AdaptiveMaxPool2d_3_2_idx", lambda nn: nn.AdaptiveMaxPool2d((3, 2),
                                                                   return_indices=True), [xd]),
    L("AdaptiveMaxPool2d_1", lambda nn: nn.AdaptiveMaxPool2d(1), [xd]),
    L("AdaptiveMaxPool1d_4", lambda nn: nn.AdaptiveMaxPool1d(4), [x1]),
    L("AdaptiveMaxPool1d_idx", lambda nn: nn.AdaptiveMaxPool1d(3, return_indices=True), [x1]),
    L("Upsample_nearest2", lambda nn: nn.Upsample(scale_factor=2), [r(2, 3, 4, 5)]),
    L("Upsample_size", lambda nn: nn.Upsample(size=(7, 9)), [r(2, 3, 4, 5)]),
    L("Upsample_bilinear", lambda nn: nn.Upsample(scale_factor=2, mode="bilinear"),
      [r(2, 3, 4, 5)]),
    L("Upsample_bilinear_ac", lambda nn: nn.Upsample(scale_factor=2, mode="bilinear",
                                                     align_corners=True), [r(2, 3, 4, 5)]),
    L("Upsample_linear", lambda nn: nn.Upsample(size=9, mode="linear"), [r(2, 3, 5)]),
]

# ------------------------------------------------------------------------------ normalisation
NORM = [
    L("BatchNorm1d_train_3steps", lambda nn: nn.BatchNorm1d(4), [r(8, 4)], steps=3),
    L("BatchNorm1d_seq_train", lambda nn: nn.BatchNorm1d(4), [r(5, 4, 6)], steps=3),
    L("BatchNorm1d_eval", lambda nn: nn.BatchNorm1d(4), [r(8, 4)], train=False),
    L("BatchNorm1d_momentum_none", lambda nn: nn.BatchNorm1d(4, momentum=None), [r(8, 4)],
      steps=3),
    L("BatchNorm1d_affine_false", lambda nn: nn.BatchNorm1d(4, affine=False), [r(8, 4)],
      steps=2),
    L("BatchNorm1d_no_stats", lambda nn: nn.BatchNorm1d(4, track_running_stats=False),
      [r(8, 4)], steps=2),
    L("BatchNorm1d_no_stats_eval", lambda nn: nn.BatchNorm1d(4, track_running_stats=False),
      [r(8, 4)], train=False),
    L("BatchNorm2d_train_3steps", lambda nn: nn.BatchNorm2d(3), [r(4, 3, 5, 5)], steps=3),
    L("BatchNorm2d_eval", lambda nn: nn.BatchNorm2d(3), [r(4, 3, 5, 5)], train=False),
    L("BatchNorm2d_momentum", lambda nn: nn.BatchNorm2d(3, momentum=0.3, eps=1e-3),
      [r(4, 3, 5, 5)], steps=3),
    L("BatchNorm2d_f64", lambda nn: nn.BatchNorm2d(3), [r(4, 3, 5, 5)], steps=2,
      double=True, rtol=1e-10, atol=1e-10),
    L("BatchNorm2d_no_stats", lambda nn: nn.BatchNorm2d(3, track_running_stats=False),
      [r(4, 3, 5, 5)], train=False),
    L("LayerNorm_8", lambda nn: nn.LayerNorm(8), [r(2, 5, 8)]),
    L("LayerNorm_2d_shape", lambda nn: nn.LayerNorm((4, 5)), [r(3, 4, 5)]),
    L("LayerNorm_list_shape", lambda nn: nn.LayerNorm([5]), [r(3, 4, 5)]),
    L("LayerNorm_no_affine", lambda nn: nn.LayerNorm(8, elementwise_affine=False),
      [r(2, 8)]),
    L("LayerNorm_bias_false", lambda nn: nn.LayerNorm(8, bias=False), [r(2, 8)]),
    L("LayerNorm_eps", lambda nn: nn.LayerNorm(8, eps=1e-6), [r(2, 3, 8)]),
    L("LayerNorm_f64", lambda nn: nn.LayerNorm(6), [r(4, 6)], double=True, rtol=1e-10,
      atol=1e-10),
    L("GroupNorm_2_4", lambda nn: nn.GroupNorm(2, 4), [r(2, 4, 5, 5)]),
    L("GroupNorm_1_4", lambda nn: nn.GroupNorm(1, 4), [r(2, 4, 5, 5)]),
    L("GroupNorm_4_4", lambda nn: nn.GroupNorm(4, 4), [r(2, 4, 3, 3)]),
    L("GroupNorm_affine_false", lambda nn: nn.GroupNorm(2, 6, affine=False), [r(2, 6, 7)]),
    L("GroupNorm_2d_input", lambda nn: nn.GroupNorm(3, 6), [r(4, 6)]),
    L("InstanceNorm2d", lambda nn: nn.InstanceNorm2d(3), [r(2, 3, 5, 5)]),
    L("InstanceNorm2d_affine", lambda nn: nn.InstanceNorm2d(3, affine=True), [r(2, 3, 5, 5)]),
    L("InstanceNorm2d_stats_train", lambda nn: nn.InstanceNorm2d(3, track_running_stats=True),
      [r(2, 3, 5, 5)], steps=3),
    L("InstanceNorm2d_stats_eval", lambda nn: nn.InstanceNorm2d(3, track_running_stats=True),
      [r(2, 3, 5, 5)], train=False),
    L("InstanceNorm1d", lambda nn: nn.InstanceNorm1d(4), [r(2, 4, 9)]),
    L("InstanceNorm1d_unbatched", lambda nn: nn.InstanceNorm1d(4, affine=True), [r(4, 9)]),
    L("Embedding", lambda nn: nn.Embedding(10, 4), [ints(10, 3, 5)]),
    L("Embedding_padding_idx", lambda nn: nn.Embedding(10, 4, padding_idx=0),
      [np.array([[0, 2, 0, 5], [1, 0, 9, 9]])]),
    L("Embedding_padding_idx_neg", lambda nn: nn.Embedding(10, 4, padding_idx=-1),
      [np.array([9, 2, 9, 5])]),
    L("Embedding_max_norm", lambda nn: nn.Embedding(10, 4, max_norm=1.0),
      [np.array([1, 2, 2, 7])]),
    L("Embedding_1d", lambda nn: nn.Embedding(6, 3), [np.array([5, 0, 1])]),
    L("Dropout_eval", lambda nn: nn.Dropout(0.5), [r(4, 6)], train=False),
    L("Dropout_p0_train", lambda nn: nn.Dropout(0.0), [r(4, 6)]),
    L("Seq_conv_bn_relu_pool_eval", lambda nn: nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(4 * 4 * 4, 5)), [x2], train=False),
    L("Seq_conv_bn_relu_pool_train", lambda nn: nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5)), [x2], steps=2),
]

# ------------------------------------------------------------------------------ recurrent
xs = r(5, 3, 4)       # (T, B, I)
xb = r(3, 5, 4)       # (B, T, I)


def _rnn_h0(layers, b=3, h=6):
    return r(layers, b, h)


RNNS = []
for _kind in ("RNN", "LSTM", "GRU"):
    def _b(kind, **kw):
        return lambda nn: getattr(nn, kind)(4, 6, **kw)

    def _hc(kind, layers, b=3):
        if kind == "LSTM":
            return lambda m, x, h, c: m(x, (h, c))
        return lambda m, x, h, c: m(x, h)

    RNNS += [
        L(f"{_kind}_basic", _b(_kind), [xs]),
        L(f"{_kind}_2layers", _b(_kind, num_layers=2), [xs]),
        L(f"{_kind}_batch_first", _b(_kind, batch_first=True), [xb]),
        L(f"{_kind}_bias_false", _b(_kind, bias=False), [xs]),
        L(f"{_kind}_h0", _b(_kind, num_layers=2), [xs, _rnn_h0(2), _rnn_h0(2)],
          call=_hc(_kind, 2)),
        L(f"{_kind}_h0_batch_first", _b(_kind, batch_first=True),
          [xb, _rnn_h0(1), _rnn_h0(1)], call=_hc(_kind, 1)),
        L(f"{_kind}_unbatched", _b(_kind), [r(5, 4)]),
        L(f"{_kind}_bidirectional", _b(_kind, bidirectional=True), [xs]),
        L(f"{_kind}_bidir_2layers_bf", _b(_kind, num_layers=2, bidirectional=True,
                                          batch_first=True), [xb]),
        L(f"{_kind}_bidir_h0", _b(_kind, num_layers=2, bidirectional=True),
          [xs, _rnn_h0(4), _rnn_h0(4)], call=_hc(_kind, 4)),
        L(f"{_kind}_bidir_unbatched", _b(_kind, bidirectional=True), [r(5, 4)]),
        L(f"{_kind}_eval_dropout", _b(_kind, num_layers=2, dropout=0.5), [xs], train=False),
        L(f"{_kind}_f64", _b(_kind, num_layers=2), [xs], double=True, rtol=1e-10,
          atol=1e-10),
    ]
RNNS += [
    L("RNN_relu", lambda nn: nn.RNN(4, 6, nonlinearity="relu"), [xs]),
    L("RNNCell", lambda nn: nn.RNNCell(4, 6), [r(3, 4), r(3, 6)]),
    L("RNNCell_noh", lambda nn: nn.RNNCell(4, 6, nonlinearity="relu"), [r(3, 4)]),
    L("LSTMCell", lambda nn: nn.LSTMCell(4, 6), [r(3, 4), r(3, 6), r(3, 6)],
      call=lambda m, x, h, c: m(x, (h, c))),
    L("LSTMCell_noh", lambda nn: nn.LSTMCell(4, 6), [r(3, 4)]),
    L("GRUCell", lambda nn: nn.GRUCell(4, 6), [r(3, 4), r(3, 6)]),
    L("GRUCell_unbatched", lambda nn: nn.GRUCell(4, 6, bias=False), [r(4), r(6)]),
]

# ------------------------------------------------------------------------------ attention
q = r(5, 2, 8)     # (L, N, E)
kv = r(6, 2, 8)    # (S, N, E)
qb = r(2, 5, 8)    # (N, L, E)
kpm = np.array([[False] * 5 + [True], [False] * 3 + [True] * 3])
causal5 = np.triu(np.ones((5, 5), dtype=bool), 1)
fmask = r(5, 6)


def _mha(**kw):
    return lambda nn: nn.MultiheadAttention(8, 2, **kw)


def _self(m, x, **kw):
    return m(x, x, x, **kw)


ATTN = [
    L("MHA_self", _mha(), [q], call=_self),
    L("MHA_cross", _mha(), [q, kv, kv]),
    L("MHA_cross_kv_distinct", _mha(), [q, kv, r(6, 2, 8)]),
    L("MHA_batch_first", _mha(batch_first=True), [qb], call=_self),
    L("MHA_batch_first_cross", _mha(batch_first=True), [qb, r(2, 6, 8), r(2, 6, 8)]),
    L("MHA_key_padding_mask", _mha(), [q, kv, kv, kpm],
      call=lambda m, a, b, c, k: m(a, b, c, key_padding_mask=k)),
    L("MHA_kpm_float", _mha(), [q, kv, kv, np.where(kpm, -1e9, 0.0).astype(np.float32)],
      call=lambda m, a, b, c, k: m(a, b, c, key_padding_mask=k), no_grad=(3,)),
    L("MHA_attn_mask_bool_causal", _mha(), [r(5, 2, 8), causal5],
      call=lambda m, x, am: m(x, x, x, attn_mask=am)),
    L("MHA_attn_mask_float", _mha(), [q, kv, kv, fmask], no_grad=(3,),
      call=lambda m, a, b, c, am: m(a, b, c, attn_mask=am)),
    L("MHA_attn_mask_3d", _mha(), [q, kv, kv, r(4, 5, 6)], no_grad=(3,),
      call=lambda m, a, b, c, am: m(a, b, c, attn_mask=am)),
    L("MHA_both_masks", _mha(batch_first=True), [qb, r(2, 6, 8), kpm, fmask], no_grad=(3,),
      call=lambda m, a, b, k, am: m(a, b, b, key_padding_mask=k, attn_mask=am)),
    L("MHA_need_weights_false", _mha(), [q, kv, kv],
      call=lambda m, a, b, c: m(a, b, c, need_weights=False)),
    L("MHA_nw_false_masks", _mha(), [q, kv, kv, kpm, fmask], no_grad=(4,),
      call=lambda m, a, b, c, k, am: m(a, b, c, key_padding_mask=k, attn_mask=am,
                                       need_weights=False)),
    L("MHA_per_head_weights", _mha(), [q, kv, kv],
      call=lambda m, a, b, c: m(a, b, c, average_attn_weights=False)),
    L("MHA_bias_false", _mha(bias=False), [q], call=_self),
    L("MHA_kdim_vdim", _mha(kdim=3, vdim=5), [q, r(6, 2, 3), r(6, 2, 5)]),
    L("MHA_unbatched", _mha(), [r(5, 8), r(6, 8), r(6, 8)]),
    L("MHA_unbatched_kpm", _mha(), [r(5, 8), r(6, 8), r(6, 8), kpm[1]],
      call=lambda m, a, b, c, k: m(a, b, c, key_padding_mask=k)),
    L("MHA_is_causal", _mha(batch_first=True), [qb, causal5],
      call=lambda m, x, am: m(x, x, x, attn_mask=am, is_causal=True, need_weights=False)),
    L("MHA_eval_dropout", _mha(dropout=0.3), [q], call=_self, train=False),
    L("MHA_fully_masked_batch_weights", _mha(), [q[:3], np.array([[True] * 3, [False] * 3])],
      call=lambda m, x, k: m(x, x, x, key_padding_mask=k), grad=False),
    L("MHA_fully_masked_batch_no_weights", _mha(), [q[:3], np.array([[True] * 3,
                                                                     [False, True, False]])],
      call=lambda m, x, k: m(x, x, x, key_padding_mask=k, need_weights=False)),
    L("MHA_attn_mask_3d_bool", _mha(), [q, kv, kv, RNG.random((4, 5, 6)) < 0.3],
      call=lambda m, a, b, c, am: m(a, b, c, attn_mask=am)),
    L("MHA_f64", _mha(), [q, kv, kv], double=True, rtol=1e-10, atol=1e-10),
]


def _enc(**kw):
    kw.setdefault("dim_feedforward", 16)
    kw.setdefault("dropout", 0.1)
    return lambda nn: nn.TransformerEncoderLayer(8, 2, **kw)


def _stack(**kw):
    def build(nn):
        layer = nn.TransformerEncoderLayer(8, 2, 16, 0.1, **kw)
        return nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    return build


ENC = [
    L("EncoderLayer_eval", _enc(), [q], train=False),
    L("EncoderLayer_norm_first", _enc(norm_first=True), [q], train=False),
    L("EncoderLayer_gelu", _enc(activation="gelu"), [q], train=False),
    L("EncoderLayer_gelu_nf_bf", _enc(activation="gelu", norm_first=True, batch_first=True),
      [qb], train=False),
    L("EncoderLayer_src_mask", _enc(), [r(5, 2, 8), fmask[:, :5]], no_grad=(1,),
      call=lambda m, x, am: m(x, src_mask=am), train=False),
    L("EncoderLayer_causal_bool", _enc(batch_first=True), [qb, causal5],
      call=lambda m, x, am: m(x, src_mask=am), train=False),
    L("EncoderLayer_kpm", _enc(batch_first=True), [qb, kpm[:, 1:]],
      call=lambda m, x, k: m(x, src_key_padding_mask=k), train=False),
    L("EncoderLayer_dropout0_train", _enc(dropout=0.0), [q]),
    L("EncoderLayer_default_ff", lambda nn: nn.TransformerEncoderLayer(8, 2, dropout=0.0),
      [q], train=False, atol=3e-5),
    L("Encoder_2layers", _stack(), [q], train=False),
    L("Encoder_2layers_nf_gelu_bf", _stack(norm_first=True, activation="gelu",
                                           batch_first=True), [qb], train=False),
    L("Encoder_final_norm", lambda nn: nn.TransformerEncoder(
        nn.TransformerEncoderLayer(8, 2, 16, 0.0), 1, norm=nn.LayerNorm(8),
        enable_nested_tensor=False), [q], train=False),
]

EXTRA = [
    L("Unfold_3", lambda nn: nn.Unfold(3), [r(2, 3, 6, 5)]),
    L("Unfold_strided_padded", lambda nn: nn.Unfold((2, 3), dilation=(2, 1), padding=1,
                                                    stride=2), [r(2, 3, 7, 6)]),
    L("Fold_2", lambda nn: nn.Fold((4, 5), 2), [r(2, 12, 12)]),
    L("Fold_strided", lambda nn: nn.Fold(6, 3, padding=1, stride=2), [r(1, 18, 9)]),
    L("PixelShuffle_2", lambda nn: nn.PixelShuffle(2), [r(2, 8, 3, 4)]),
    L("PixelShuffle_unbatched", lambda nn: nn.PixelShuffle(3), [r(9, 2, 2)]),
    L("PixelUnshuffle_2", lambda nn: nn.PixelUnshuffle(2), [r(2, 3, 4, 6)]),
    L("ZeroPad2d", lambda nn: nn.ZeroPad2d((1, 2, 0, 3)), [r(2, 3, 4, 4)]),
    L("ZeroPad1d_int", lambda nn: nn.ZeroPad1d(2), [r(2, 3, 4)]),
    L("ConstantPad2d", lambda nn: nn.ConstantPad2d(1, 3.5), [r(2, 3, 4, 4)]),
    L("ConstantPad1d", lambda nn: nn.ConstantPad1d((0, 2), -1.0), [r(3, 4)]),
    L("ReflectionPad2d", lambda nn: nn.ReflectionPad2d(2), [r(2, 3, 4, 5)]),
    L("ReflectionPad1d", lambda nn: nn.ReflectionPad1d((1, 3)), [r(2, 3, 5)]),
    L("ReplicationPad2d", lambda nn: nn.ReplicationPad2d((1, 0, 2, 1)), [r(1, 3, 4, 4)]),
    L("ReplicationPad1d", lambda nn: nn.ReplicationPad1d(2), [r(2, 3, 4)]),
    L("CircularPad2d", lambda nn: nn.CircularPad2d(1), [r(2, 3, 4, 4)]),
    L("CircularPad1d", lambda nn: nn.CircularPad1d((2, 1)), [r(2, 3, 4)]),
    L("UpsamplingNearest2d", lambda nn: nn.UpsamplingNearest2d(scale_factor=2),
      [r(1, 2, 3, 3)]),
    L("UpsamplingBilinear2d", lambda nn: nn.UpsamplingBilinear2d(size=(5, 7)),
      [r(1, 2, 3, 4)]),
    L("BatchNorm2d_bias_false", lambda nn: nn.BatchNorm2d(3, bias=False), [r(4, 3, 2, 2)],
      steps=2),
    L("GroupNorm_bias_false", lambda nn: nn.GroupNorm(2, 4, bias=False), [r(2, 4, 3)]),
    L("InstanceNorm1d_bias_false", lambda nn: nn.InstanceNorm1d(3, affine=True, bias=False),
      [r(2, 3, 5)]),
    L("BatchNorm1d_train_then_eval", lambda nn: nn.BatchNorm1d(4), [r(8, 4)], steps=3,
      then_eval=True),
    L("BatchNorm2d_train_then_eval", lambda nn: nn.BatchNorm2d(3, momentum=0.5),
      [r(4, 3, 3, 3)], steps=2, then_eval=True),
    L("InstanceNorm2d_stats_then_eval", lambda nn: nn.InstanceNorm2d(
        3, affine=True, track_running_stats=True), [r(2, 3, 4, 4)], steps=2, then_eval=True),
    L("Seq_cnn_train_then_eval", lambda nn: nn.Sequential(
        nn.Conv2d(3, 4, 3, stride=2), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
        nn.Linear(36, 2)), [x2], steps=2, then_eval=True),
    L("Conv2d_params_only_grad", lambda nn: nn.Conv2d(3, 4, 3, padding=1), [x2],
      no_grad=(0,)),
    L("Conv2d_groups_params_only", lambda nn: nn.Conv2d(4, 4, 3, groups=2), [x2b],
      no_grad=(0,)),
    L("ConvTranspose2d_params_only", lambda nn: nn.ConvTranspose2d(4, 2, 3, stride=2),
      [r(1, 4, 3, 3)], no_grad=(0,)),
    L("LSTM_params_only_grad", lambda nn: nn.LSTM(4, 6, num_layers=2, bidirectional=True),
      [xs], no_grad=(0,)),
    L("GRU_params_only_grad", lambda nn: nn.GRU(4, 6, batch_first=True), [xb], no_grad=(0,)),
    L("MHA_params_only_grad", _mha(batch_first=True), [qb], call=_self, no_grad=(0,)),
    L("Encoder_params_only_grad", _stack(batch_first=True), [qb], train=False, no_grad=(0,)),
    L("Embedding_2d_ids_repeat", lambda nn: nn.Embedding(4, 3), [np.array([[1, 1], [3, 1]])]),
    L("BatchNorm3d_train_then_eval", lambda nn: nn.BatchNorm3d(2), [r(2, 2, 3, 2, 3)],
      steps=2, then_eval=True),
    L("InstanceNorm3d_affine", lambda nn: nn.InstanceNorm3d(2, affine=True),
      [r(2, 2, 3, 2, 3)]),
    L("Embedding_from_pretrained", lambda nn: nn.Embedding.from_pretrained(
        (ag.Tensor if nn is onn else torch.tensor)(np.arange(12.0).reshape(4, 3)),
        freeze=False, padding_idx=1), [np.array([[0, 1], [3, 1]])]),
    L("Embedding_from_pretrained_frozen", lambda nn: nn.Embedding.from_pretrained(
        (ag.Tensor if nn is onn else torch.tensor)(np.arange(12.0).reshape(4, 3))),
      [np.array([2, 0])], grad=False),
    L("LSTM_dropout1_train", lambda nn: nn.LSTM(4, 6, num_layers=2, dropout=1.0), [xs]),
    L("GRU_dropout1_train", lambda nn: nn.GRU(4, 6, num_layers=2, dropout=1.0), [xs]),
    L("RMSNorm_8", lambda nn: nn.RMSNorm(8), [r(2, 5, 8)]),
    L("RMSNorm_2d_eps", lambda nn: nn.RMSNorm((4, 5), eps=1e-6), [r(3, 4, 5)]),
    L("RMSNorm_no_affine_f64", lambda nn: nn.RMSNorm(6, elementwise_affine=False), [r(4, 6)],
      double=True, rtol=1e-10, atol=1e-10),
    L("Conv2d_device_cpu", lambda nn: nn.Conv2d(3, 4, 3, device="cpu"), [x2]),
    L("LSTM_device_cpu", lambda nn: nn.LSTM(4, 6, device="cpu"), [xs]),
    L("MHA_device_cpu", lambda nn: nn.MultiheadAttention(8, 2, device="cpu"), [q],
      call=_self),
]


def _dec(**kw):
    kw.setdefault("dim_feedforward", 16)
    kw.setdefault("dropout", 0.1)
    return lambda nn: nn.TransformerDecoderLayer(8, 2, **kw)


def _fn(nn):
    return NF if nn is onn else TF


mem = r(6, 2, 8)
memb = r(2, 6, 8)
tmask = np.triu(np.full((5, 5), -np.inf, dtype=np.float32), 1)


def _transformer(**kw):
    return lambda nn: nn.Transformer(8, 2, 2, 2, 16, 0.1, **kw)


def _causal(nn, n):
    return nn.Transformer.generate_square_subsequent_mask(n)


DEC = [
    L("EncoderLayer_activation_fn", _enc(activation=lambda x: _fn(onn if isinstance(
        x, ag.Tensor) else tnn).gelu(x)), [q], train=False),
    L("EncoderLayer_activation_module", lambda nn: nn.TransformerEncoderLayer(
        8, 2, 16, 0.1, activation=nn.GELU()), [q], train=False),
    L("DecoderLayer_eval", _dec(), [q, mem], train=False),
    L("DecoderLayer_norm_first_gelu", _dec(norm_first=True, activation="gelu"), [q, mem],
      train=False),
    L("DecoderLayer_batch_first_masks", _dec(batch_first=True), [qb, memb, tmask, kpm],
      no_grad=(2,), train=False,
      call=lambda m, t, mm, tm, k: m(t, mm, tgt_mask=tm, memory_key_padding_mask=k)),
    L("DecoderLayer_causal_hint", _dec(), [q, mem, tmask], no_grad=(2,), train=False,
      call=lambda m, t, mm, tm: m(t, mm, tgt_mask=tm, tgt_is_causal=True)),
    L("DecoderLayer_memory_mask", _dec(), [q, mem, fmask], no_grad=(2,), train=False,
      call=lambda m, t, mm, am: m(t, mm, memory_mask=am)),
    L("DecoderLayer_dropout0_train", _dec(dropout=0.0, bias=False), [q, mem]),
    L("Decoder_2layers_norm", lambda nn: nn.TransformerDecoder(
        nn.TransformerDecoderLayer(8, 2, 16, 0.1), 2, norm=nn.LayerNorm(8)),
      [q, mem, tmask], no_grad=(2,), train=False, call=lambda m, t, mm, tm: m(t, mm, tm)),
    L("Transformer_eval", _transformer(), [r(6, 2, 8), q], train=False),
    L("Transformer_causal_bf", _transformer(batch_first=True), [memb, qb], train=False,
      call=lambda m, s_, t: m(s_, t, tgt_mask=_causal(onn if isinstance(t, ag.Tensor)
                                                      else tnn, 5))),
    L("Transformer_all_masks", _transformer(norm_first=True, activation="gelu"),
      [r(6, 2, 8), q, tmask, kpm, kpm[:, 1:]], no_grad=(2,), train=False,
      call=lambda m, s_, t, tm, sk, tk: m(s_, t, tgt_mask=tm, src_key_padding_mask=sk,
                                          tgt_key_padding_mask=tk,
                                          memory_key_padding_mask=sk)),
    L("Transformer_f64", _transformer(), [r(6, 2, 8), q], train=False, double=True,
      rtol=1e-10, atol=1e-10),
]

v3 = r(2, 3, 5, 6, 4)
vd = distinct(2, 2, 5, 6, 5)
VOL = [
    L("Conv3d_basic", lambda nn: nn.Conv3d(3, 4, 3), [v3]),
    L("Conv3d_pad1", lambda nn: nn.Conv3d(3, 4, 3, padding=1), [v3]),
    L("Conv3d_stride_dil_rect", lambda nn: nn.Conv3d(3, 2, (2, 3, 1), stride=(2, 1, 2),
                                                     padding=(1, 0, 1), dilation=(2, 1, 1)),
      [v3]),
    L("Conv3d_groups_bias_false", lambda nn: nn.Conv3d(4, 6, 2, groups=2, bias=False),
      [r(1, 4, 3, 4, 3)]),
    L("Conv3d_same", lambda nn: nn.Conv3d(3, 2, (2, 3, 4), padding="same"), [v3]),
    L("Conv3d_replicate", lambda nn: nn.Conv3d(3, 2, 3, padding=1, padding_mode="replicate"),
      [v3]),
    L("Conv3d_unbatched_f64", lambda nn: nn.Conv3d(3, 2, 2, stride=2), [r(3, 4, 4, 4)],
      double=True, rtol=1e-10, atol=1e-10),
    L("MaxPool3d_2", lambda nn: nn.MaxPool3d(2), [vd]),
    L("MaxPool3d_3_2_1", lambda nn: nn.MaxPool3d(3, 2, 1), [vd]),
    L("MaxPool3d_ceil_dil", lambda nn: nn.MaxPool3d(2, 2, 1, dilation=(1, 2, 1),
                                                    ceil_mode=True), [vd]),
    L("MaxPool3d_indices", lambda nn: nn.MaxPool3d((2, 3, 2), return_indices=True), [vd]),
    L("AvgPool3d_2", lambda nn: nn.AvgPool3d(2), [v3]),
    L("AvgPool3d_3_2_1", lambda nn: nn.AvgPool3d(3, 2, 1), [v3]),
    L("AvgPool3d_ceil_nocount", lambda nn: nn.AvgPool3d(3, 2, 1, ceil_mode=True,
                                                        count_include_pad=False), [v3]),
    L("AvgPool3d_divisor", lambda nn: nn.AvgPool3d(2, 1, divisor_override=5), [v3]),
    L("AdaptiveAvgPool3d_1", lambda nn: nn.AdaptiveAvgPool3d(1), [v3]),
    L("AdaptiveAvgPool3d_rect", lambda nn: nn.AdaptiveAvgPool3d((2, None, 3)), [v3]),
    L("AdaptiveMaxPool3d_idx", lambda nn: nn.AdaptiveMaxPool3d((2, 4, 3),
                                                               return_indices=True), [vd]),
    L("Seq_conv3d_bn3d_pool", lambda nn: nn.Sequential(
        nn.Conv3d(3, 4, 3, padding=1), nn.BatchNorm3d(4), nn.ReLU(), nn.MaxPool3d(2),
        nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(4, 2)), [v3], steps=2,
      then_eval=True),
]

LAYERS = CONV + POOL + NORM + RNNS + ATTN + ENC + EXTRA + DEC + VOL


@pytest.mark.parametrize("case", [_p(c) for c in LAYERS])
def test_layer_matches_torch(case):
    run_layer(case)


# ------------------------------------------------------------------------------ functional
def Fn(m):
    """nn.functional of the library m is."""
    return NF if m is ag else TF


f32 = dict(rtol=1e-5, atol=1e-5)
img = r(2, 3, 4, 5)
img64 = r(2, 3, 4, 5, dtype=np.float64)
seq = r(2, 3, 6)
FUNCTIONAL = [
    Case("interpolate_nearest_x2", lambda m, x: Fn(m).interpolate(x, scale_factor=2), [img],
         **f32),
    Case("interpolate_nearest_size", lambda m, x: Fn(m).interpolate(x, size=(7, 3)), [img],
         **f32),
    Case("interpolate_nearest_int_size", lambda m, x: Fn(m).interpolate(x, size=6), [img64]),
    Case("interpolate_nearest_frac", lambda m, x: Fn(m).interpolate(x, scale_factor=1.5),
         [img64]),
    Case("interpolate_nearest_exact", lambda m, x: Fn(m).interpolate(
        x, size=(7, 8), mode="nearest-exact"), [img64]),
    Case("interpolate_bilinear", lambda m, x: Fn(m).interpolate(
        x, scale_factor=2, mode="bilinear"), [img], **f32),
    Case("interpolate_bilinear_ac", lambda m, x: Fn(m).interpolate(
        x, size=(7, 9), mode="bilinear", align_corners=True), [img64]),
    Case("interpolate_bilinear_down", lambda m, x: Fn(m).interpolate(
        x, size=(3, 2), mode="bilinear", align_corners=False), [img64]),
    Case("interpolate_bilinear_tuple_sf", lambda m, x: Fn(m).interpolate(
        x, scale_factor=(1.5, 2.5), mode="bilinear"), [img64]),
    Case("interpolate_bilinear_recompute", lambda m, x: Fn(m).interpolate(
        x, scale_factor=1.7, mode="bilinear", recompute_scale_factor=True), [img64]),
    Case("interpolate_linear", lambda m, x: Fn(m).interpolate(x, size=10, mode="linear"),
         [seq], **f32),
    Case("interpolate_linear_ac", lambda m, x: Fn(m).interpolate(
        x, scale_factor=3, mode="linear", align_corners=True), [seq.astype(np.float64)]),
    Case("interpolate_nearest_1d", lambda m, x: Fn(m).interpolate(x, scale_factor=2), [seq],
         **f32),
    Case("pad_constant", lambda m, x: Fn(m).pad(x, (1, 2)), [img], **f32),
    Case("pad_constant_value_2d", lambda m, x: Fn(m).pad(x, (1, 1, 2, 0), value=-2.5),
         [img], **f32),
    Case("pad_negative_crop", lambda m, x: Fn(m).pad(x, (-1, 2, 0, -2)), [img64]),
    Case("pad_three_dims", lambda m, x: Fn(m).pad(x, (1, 0, 0, 1, 2, 2)), [img64]),
    Case("pad_reflect_2d", lambda m, x: Fn(m).pad(x, (2, 1, 3, 1), mode="reflect"), [img],
         **f32),
    Case("pad_reflect_1d", lambda m, x: Fn(m).pad(x, (2, 3), mode="reflect"), [seq], **f32),
    Case("pad_replicate_2d", lambda m, x: Fn(m).pad(x, (2, 2, 1, 0), mode="replicate"),
         [img64]),
    Case("pad_circular_2d", lambda m, x: Fn(m).pad(x, (1, 2, 2, 1), mode="circular"),
         [img64]),
    Case("pad_circular_1d_unbatched", lambda m, x: Fn(m).pad(x, (2, 1), mode="circular"),
         [r(3, 5)], **f32),
    Case("pad_int_input", lambda m, x: Fn(m).pad(x, (1, 1)), [np.arange(6).reshape(2, 3)]),
    Case("unfold_basic", lambda m, x: Fn(m).unfold(x, 2), [img], **f32),
    Case("unfold_all_args", lambda m, x: Fn(m).unfold(x, (2, 3), dilation=(1, 2),
                                                      padding=(1, 2), stride=(2, 1)), [img64]),
    Case("unfold_unbatched", lambda m, x: Fn(m).unfold(x, 3, padding=1), [r(3, 4, 5)], **f32),
    Case("fold_basic", lambda m, x: Fn(m).fold(x, (4, 5), 2), [r(2, 12, 12)], **f32),
    Case("fold_all_args", lambda m, x: Fn(m).fold(x, output_size=(5, 6), kernel_size=(2, 3),
                                                  dilation=(2, 1), padding=1, stride=2),
         [r(2, 18, 9, dtype=np.float64)]),
    Case("fold_unbatched", lambda m, x: Fn(m).fold(x, 4, 2, stride=2), [r(8, 4)], **f32),
    Case("fold_of_unfold", lambda m, x: Fn(m).fold(Fn(m).unfold(x, 3, padding=1), (4, 5), 3,
                                                   padding=1), [img64]),
    Case("pixel_shuffle", lambda m, x: Fn(m).pixel_shuffle(x, 2), [r(2, 8, 3, 2)], **f32),
    Case("pixel_shuffle_5d", lambda m, x: Fn(m).pixel_shuffle(x, 2),
         [r(2, 2, 4, 2, 3, dtype=np.float64)]),
    Case("pixel_unshuffle", lambda m, x: Fn(m).pixel_unshuffle(x, 3),
         [r(1, 2, 6, 3, dtype=np.float64)]),
    Case("interpolate_antialias_false", lambda m, x: Fn(m).interpolate(
        x, scale_factor=2, mode="bilinear", antialias=False), [img], **f32),
    Case("interpolate_area", lambda m, x: Fn(m).interpolate(x, size=(2, 3), mode="area"),
         [img64]),
    Case("interpolate_area_1d", lambda m, x: Fn(m).interpolate(x, size=4, mode="area"),
         [seq], **f32),
    Case("interpolate_bicubic", lambda m, x: Fn(m).interpolate(x, size=(7, 8), mode="bicubic"),
         [img64]),
    Case("interpolate_bicubic_f32_x2", lambda m, x: Fn(m).interpolate(
        x, scale_factor=2, mode="bicubic"), [img], **f32),
    Case("interpolate_bicubic_ac", lambda m, x: Fn(m).interpolate(
        x, scale_factor=2, mode="bicubic", align_corners=True), [img64]),
    Case("interpolate_bicubic_down", lambda m, x: Fn(m).interpolate(
        x, size=(3, 2), mode="bicubic"), [img64]),
    Case("interpolate_bicubic_frac_sf", lambda m, x: Fn(m).interpolate(
        x, scale_factor=(1.3, 0.6), mode="bicubic"), [img64]),
    Case("interpolate_nearest_3d", lambda m, x: Fn(m).interpolate(x, scale_factor=2),
         [r(1, 2, 2, 3, 2)], **f32),
    Case("interpolate_trilinear", lambda m, x: Fn(m).interpolate(
        x, size=(3, 4, 3), mode="trilinear"), [r(1, 2, 2, 3, 2, dtype=np.float64)]),
    Case("max_pool2d_indices_padded", lambda m, x: Fn(m).max_pool2d(
        x, 3, 2, 1, return_indices=True), [distinct(1, 2, 5, 5, dtype=np.float64)]),
    Case("max_pool2d_ceil_pad_edge", lambda m, x: Fn(m).max_pool2d(x, 2, 2, 1, ceil_mode=True),
         [distinct(1, 1, 5, 5, dtype=np.float64)]),
    Case("max_unpool2d_of_pool", lambda m, x: Fn(m).max_unpool2d(
        *Fn(m).max_pool2d(x, 2, return_indices=True), 2),
         [distinct(1, 2, 4, 6, dtype=np.float64)]),
    Case("max_unpool2d_output_size", lambda m, x: Fn(m).max_unpool2d(
        *Fn(m).max_pool2d(x, 2, return_indices=True), 2, output_size=x.shape),
         [distinct(1, 2, 5, 7, dtype=np.float64)]),
    Case("max_unpool1d_of_pool", lambda m, x: Fn(m).max_unpool1d(
        *Fn(m).max_pool1d(x, 2, return_indices=True), 2), [distinct(1, 2, 6)], **f32),
    Case("avg_pool2d_divisor_pad", lambda m, x: Fn(m).avg_pool2d(
        x, 3, 2, 1, divisor_override=2), [img64]),
    Case("avg_pool2d_ceil_pad_edge", lambda m, x: Fn(m).avg_pool2d(
        x, 2, 2, 1, ceil_mode=True), [img64]),
    Case("avg_pool1d_ceil_pad_nocount", lambda m, x: Fn(m).avg_pool1d(
        x, 3, 2, 1, ceil_mode=True, count_include_pad=False), [r(1, 2, 8, dtype=np.float64)]),
    Case("adaptive_avg_pool2d_unbatched", lambda m, x: Fn(m).adaptive_avg_pool2d(x, (2, 3)),
         [r(3, 5, 7, dtype=np.float64)]),
    Case("conv2d_noncontiguous_input", lambda m, x, w: Fn(m).conv2d(
        x.transpose(2, 3), w, padding=1), [img64, r(4, 3, 3, 3, dtype=np.float64)]),
    Case("conv1d_same_dilated", lambda m, x, w: Fn(m).conv1d(x, w, padding="same",
                                                             dilation=2),
         [r(1, 2, 7, dtype=np.float64), r(3, 2, 4, dtype=np.float64)]),
    Case("layer_norm_shape_slice", lambda m, x: Fn(m).layer_norm(x, x.shape[-2:]), [img64]),
    Case("group_norm_affine", lambda m, x, w, b: Fn(m).group_norm(x, 3, w, b),
         [img64, r(3, dtype=np.float64), r(3, dtype=np.float64)]),
    Case("instance_norm_plain", lambda m, x: Fn(m).instance_norm(x), [img], **f32),
    Case("batch_norm_no_running", lambda m, x, w, b: Fn(m).batch_norm(
        x, None, None, w, b, training=True), [img64, r(3, dtype=np.float64),
                                              r(3, dtype=np.float64)]),
    Case("embedding_padding", lambda m, i, w: Fn(m).embedding(i, w, padding_idx=1),
         [np.array([[1, 0, 4], [1, 2, 2]]), r(5, 3, dtype=np.float64)]),
    Case("sdpa_bool_mask_broadcast", lambda m, q_, k_, v_, am: Fn(
        m).scaled_dot_product_attention(q_, k_, v_, attn_mask=am),
         [r(2, 2, 5, 4), r(2, 2, 6, 4), r(2, 2, 6, 4), ~kpm[:, None, None, :]], **f32),
    Case("sdpa_causal_rect", lambda m, q_, k_, v_: Fn(m).scaled_dot_product_attention(
        q_, k_, v_, dropout_p=0.0, is_causal=True), [r(2, 3, 4), r(2, 5, 4), r(2, 5, 4)],
         **f32),
    Case("rms_norm_weight", lambda m, x, w: Fn(m).rms_norm(x, (5,), w), [img, r(5)], **f32),
    Case("rms_norm_eps_f64", lambda m, x: Fn(m).rms_norm(x, [4, 5], eps=1e-3), [img64]),
    Case("conv3d_func_f32", lambda m, x, w, b: Fn(m).conv3d(x, w, b, stride=2, padding=1),
         [v3, r(4, 3, 3, 3, 3), r(4)], **f32),
    Case("max_pool3d_nan", lambda m, x: Fn(m).max_pool3d(x, 2), [np.where(
        RNG.random((1, 1, 2, 2, 4)) < 0.2, np.nan, 1.0)], grad=False),
    Case("max_pool3d_all_neg_inf_padded", lambda m, x: Fn(m).max_pool3d(
        x, 3, 1, 1, return_indices=True), [np.full((1, 1, 2, 2, 2), -np.inf)], grad=False),
    Case("avg_pool3d_func_unbatched", lambda m, x: Fn(m).avg_pool3d(x, 2, 1, 1),
         [r(2, 3, 3, 3, dtype=np.float64)]),
    Case("sdpa_basic", lambda m, q_, k_, v_: Fn(m).scaled_dot_product_attention(q_, k_, v_),
         [r(2, 2, 5, 4), r(2, 2, 6, 4), r(2, 2, 6, 3)], **f32),
    Case("sdpa_causal", lambda m, q_, k_, v_: Fn(m).scaled_dot_product_attention(
        q_, k_, v_, is_causal=True), [r(2, 5, 4), r(2, 5, 4), r(2, 5, 4)], **f32),
    Case("sdpa_bool_mask", lambda m, q_, k_, v_, am: Fn(m).scaled_dot_product_attention(
        q_, k_, v_, attn_mask=am), [r(2, 5, 4), r(2, 6, 4), r(2, 6, 4), ~kpm[:1].repeat(5, 0)],
         **f32),
    Case("sdpa_float_mask_f64", lambda m, q_, k_, v_, am: Fn(m).scaled_dot_product_attention(
        q_, k_, v_, am), [r(1, 2, 5, 4, dtype=np.float64), r(1, 2, 6, 4, dtype=np.float64),
                          r(1, 2, 6, 4, dtype=np.float64), r(5, 6, dtype=np.float64)]),
    Case("sdpa_scale", lambda m, q_, k_, v_: Fn(m).scaled_dot_product_attention(
        q_, k_, v_, scale=0.3), [r(3, 4, 8), r(3, 4, 8), r(3, 4, 8)], **f32),
    Case("sdpa_gqa", lambda m, q_, k_, v_: Fn(m).scaled_dot_product_attention(
        q_, k_, v_, enable_gqa=True), [r(1, 4, 3, 4), r(1, 2, 5, 4), r(1, 2, 5, 4)], **f32),
]


THETA = np.array([[[0.9, -0.2, 0.1], [0.3, 1.1, -0.2]], [[1.2, 0.1, 0.0], [-0.1, 0.8, 0.3]]])
GRID = RNG.uniform(-1.3, 1.3, (2, 3, 4, 2))
FUNCTIONAL += [
    Case(f"grid_sample_{mo}_{pm}_{'ac' if ac else 'noac'}",
         lambda m, x, g, mo=mo, pm=pm, ac=ac: Fn(m).grid_sample(x, g, mode=mo, padding_mode=pm,
                                                                align_corners=ac),
         [img64, GRID]) for mo in ("bilinear", "nearest")
    for pm in ("zeros", "border", "reflection") for ac in (False, True)]
FUNCTIONAL += [
    Case("affine_grid", lambda m, t: Fn(m).affine_grid(t, (2, 3, 4, 5), align_corners=False),
         [THETA]),
    Case("affine_grid_ac", lambda m, t: Fn(m).affine_grid(t, [2, 1, 3, 3], align_corners=True),
         [THETA]),
    Case("spatial_transformer_f32", lambda m, x, t: Fn(m).grid_sample(
        x, Fn(m).affine_grid(t, x.shape, align_corners=False), align_corners=False),
         [img, THETA.astype(np.float32)], **f32),
]


@pytest.mark.parametrize("case", FUNCTIONAL, ids=ids(FUNCTIONAL))
def test_functional_matches_torch(case):
    check(case)


# ------------------------------------------------------------------------------ module API
REPRS = [
    lambda nn: nn.Conv2d(3, 16, 3, padding=1),
    lambda nn: nn.Conv2d(3, 16, (3, 5), stride=2, padding=(1, 2), dilation=2, bias=False),
    lambda nn: nn.Conv2d(4, 8, 3, groups=2, padding="same", padding_mode="reflect"),
    lambda nn: nn.Conv1d(4, 8, 3, stride=2, padding_mode="circular", padding=1),
    lambda nn: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
    lambda nn: nn.MaxPool2d(3, 2, 1, ceil_mode=True),
    lambda nn: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda nn: nn.AvgPool1d(3, 2, 1),
    lambda nn: nn.AdaptiveAvgPool2d((1, 1)),
    lambda nn: nn.AdaptiveMaxPool1d(2, return_indices=True),
    lambda nn: nn.MaxUnpool2d(2),
    lambda nn: nn.MaxUnpool1d(2, 2),
    lambda nn: nn.Upsample(scale_factor=2),
    lambda nn: nn.Upsample(size=(3, 4), mode="bilinear"),
    lambda nn: nn.Upsample(scale_factor=(2, 3), mode="bilinear", align_corners=True),
    lambda nn: nn.UpsamplingBilinear2d(size=4),
    lambda nn: nn.BatchNorm1d(4),
    lambda nn: nn.BatchNorm2d(3, eps=1e-3, momentum=None, affine=False,
                              track_running_stats=False),
    lambda nn: nn.LayerNorm(8),
    lambda nn: nn.LayerNorm((4, 5), elementwise_affine=False),
    lambda nn: nn.GroupNorm(2, 4, bias=False),
    lambda nn: nn.RMSNorm(8),
    lambda nn: nn.BatchNorm3d(2),
    lambda nn: nn.InstanceNorm3d(2),
    lambda nn: nn.RMSNorm((2, 3), eps=1e-6, elementwise_affine=False),
    lambda nn: nn.InstanceNorm1d(3, affine=True, track_running_stats=True),
    lambda nn: nn.Embedding(10, 4, padding_idx=0, max_norm=1.0),
    lambda nn: nn.Dropout(0.5),
    lambda nn: nn.LSTM(4, 6, num_layers=2, bias=False, batch_first=True, dropout=0.5,
                       bidirectional=True),
    lambda nn: nn.GRU(4, 6, bidirectional=True),
    lambda nn: nn.RNNCell(4, 6, nonlinearity="relu"),
    lambda nn: nn.LSTMCell(4, 6, bias=False),
    lambda nn: nn.MultiheadAttention(8, 2, dropout=0.1, batch_first=True, kdim=3, vdim=5),
    lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2,
                                     enable_nested_tensor=False),
    lambda nn: nn.TransformerDecoderLayer(8, 2, 16, activation=nn.GELU()),
    lambda nn: nn.Transformer(8, 2, 1, 1, 16),
    lambda nn: nn.Conv3d(2, 3, (1, 2, 3), stride=2, padding_mode="circular", padding=1),
    lambda nn: nn.MaxPool3d(2, 1, 1, ceil_mode=True),
    lambda nn: nn.AvgPool3d(3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda nn: nn.AdaptiveMaxPool3d((1, 2, 3)),
    lambda nn: nn.Unfold(3),
    lambda nn: nn.Fold((4, 5), 2),
    lambda nn: nn.PixelShuffle(2),
    lambda nn: nn.PixelUnshuffle(2),
    lambda nn: nn.ZeroPad2d((1, 2, 0, 1)),
    lambda nn: nn.ConstantPad1d((1, 2), 0),
    lambda nn: nn.ReflectionPad2d(2),
    lambda nn: nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
                             nn.MaxPool2d(2)),
]


@pytest.mark.parametrize("i", range(len(REPRS)))
def test_repr_matches_torch(i):
    assert repr(REPRS[i](onn)) == repr(REPRS[i](tnn))


API = [c for c in LAYERS if c.name in (
    "Conv2d_groups2", "ConvTranspose2d_groups", "BatchNorm2d_train_3steps", "LayerNorm_8",
    "GroupNorm_2_4", "Embedding_padding_idx", "LSTM_bidir_2layers_bf", "GRU_2layers",
    "MHA_kdim_vdim", "Encoder_2layers", "Seq_conv_bn_relu_pool_train", "RNNCell",
    "Transformer_eval", "EncoderLayer_activation_module")]


@pytest.mark.parametrize("case", API, ids=ids(API))
def test_parameters_and_modes_match_torch(case):
    ours, theirs = pair(case)
    po, pt = list(ours.parameters()), list(theirs.parameters())
    assert [p.shape for p in po] == [tuple(p.shape) for p in pt]
    assert sum(p.size for p in po) == sum(p.numel() for p in pt)
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert ours.eval() is ours and theirs.eval() is theirs
    assert [m.training for m in ours.modules()] == [m.training for m in theirs.modules()]
    assert not any(m.training for m in ours.modules())
    ours.train()
    assert all(m.training for m in ours.modules())
    ours.train(False)
    assert not ours.training


def test_rnn_torch_habits():
    m = onn.LSTM(3, 4, num_layers=2, bidirectional=True)
    t = tnn.LSTM(3, 4, num_layers=2, bidirectional=True)
    m.flatten_parameters()  # a no-op, as on the CPU in torch
    assert [[tuple(p.shape) for p in ps] for ps in m.all_weights] == \
        [[tuple(p.shape) for p in ps] for ps in t.all_weights]
    assert (m.proj_size, m.mode, onn.RNN(2, 3, nonlinearity="relu").mode) == \
        (t.proj_size, t.mode, "RNN_RELU")
    with pytest.raises(NotImplementedError, match="proj_size"):
        onn.LSTM(3, 4, proj_size=2)


RESETS = [lambda nn: nn.BatchNorm2d(3), lambda nn: nn.InstanceNorm1d(3, affine=True,
                                                                   track_running_stats=True),
          lambda nn: nn.LayerNorm(4), lambda nn: nn.GroupNorm(2, 4), lambda nn: nn.RMSNorm(4)]


@pytest.mark.parametrize("i", range(len(RESETS)))
def test_norm_reset_parameters(i):
    """``for m in model.modules(): m.reset_parameters()``, a common init loop."""
    m = RESETS[i](onn)
    t = RESETS[i](tnn)
    for p in m.parameters():
        p.data[...] = 7.0
    for b in m.buffers():
        b.data[...] = 3
    m.reset_parameters()
    t.reset_parameters()
    for (k, a), b in zip(m.state_dict().items(), t.state_dict().values()):
        np.testing.assert_array_equal(a.data, b.numpy(), err_msg=k)


def test_generate_square_subsequent_mask():
    got = onn.Transformer.generate_square_subsequent_mask(4)
    want = tnn.Transformer.generate_square_subsequent_mask(4)
    assert got.dtype == np.float32 and got.shape == (4, 4)
    np.testing.assert_array_equal(got.data, want.numpy())
    assert onn.Transformer.generate_square_subsequent_mask(2, dtype=np.float64).dtype == \
        np.float64


def test_transformer_errors():
    m = onn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="batch number of src"):
        m(ag.Tensor(r(6, 2, 8)), ag.Tensor(r(5, 3, 8)))
    with pytest.raises(RuntimeError, match="d_model"):
        m(ag.Tensor(r(6, 2, 4)), ag.Tensor(r(5, 2, 4)))
    with pytest.raises(ValueError, match="num_layers must be a positive int"):
        onn.TransformerDecoder(onn.TransformerDecoderLayer(8, 2, 16), 0)


def test_torch_state_dict_loads_and_round_trips():
    torch.manual_seed(1)
    theirs = tnn.LSTM(3, 4, num_layers=2, bidirectional=True)
    ours = onn.LSTM(3, 4, num_layers=2, bidirectional=True)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    back = {k: torch.tensor(v.data) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(back)  # our keys and shapes are accepted by torch, strictly
    bad = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    bad["weight_hh_l1_reverse"] = bad["weight_hh_l1_reverse"][:, :2]
    with pytest.raises(ValueError, match="weight_hh_l1_reverse"):
        ours.load_state_dict(bad)


# ------------------------------------------------------------------------------ errors
def test_new_functional_errors():
    x = ag.Tensor(r(2, 3, 5, 5))
    with pytest.raises(RuntimeError, match="sliding blocks"):
        NF.unfold(x, 6)
    with pytest.raises(ValueError, match="kernel_size"):
        NF.unfold(x, 0)
    with pytest.raises(ValueError, match="4-D"):
        NF.unfold(ag.Tensor(r(5, 5)), 2)
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        NF.fold(ag.Tensor(r(2, 13, 9)), (4, 4), 2)
    with pytest.raises(RuntimeError, match="has 9 sliding blocks"):
        NF.fold(ag.Tensor(r(2, 12, 7)), (4, 4), 2)
    with pytest.raises(RuntimeError, match=r"divisible by upscale_factor\*\*2 \(4\)"):
        NF.pixel_shuffle(ag.Tensor(r(2, 5, 3, 3)), 2)
    with pytest.raises(RuntimeError, match="at least 3 dimensions"):
        NF.pixel_shuffle(ag.Tensor(r(5, 3)), 2)
    with pytest.raises(RuntimeError, match="must be divisible by downscale_factor 2"):
        NF.pixel_unshuffle(ag.Tensor(r(1, 1, 5, 4)), 2)
    with pytest.raises(ValueError, match="upscale_factor must be a positive int"):
        NF.pixel_shuffle(ag.Tensor(r(1, 4, 2, 2)), 0)
    with pytest.raises(TypeError, match="input must be a Tensor"):
        NF.pixel_shuffle(np.zeros((1, 4, 2, 2)), 2)
    with pytest.raises(RuntimeError, match=r"grid must be a Tensor \(2, Ho, Wo, 2\)"):
        NF.grid_sample(ag.Tensor(img), ag.Tensor(r(2, 3, 4, 3)))
    with pytest.raises(ValueError, match="padding_mode must be"):
        NF.grid_sample(ag.Tensor(img), ag.Tensor(r(2, 3, 4, 2)), padding_mode="wrap")
    with pytest.raises(RuntimeError, match=r"theta of shape \(2, 2, 3\)"):
        NF.affine_grid(ag.Tensor(r(2, 3, 3)), (2, 1, 4, 4))
    v = ag.Tensor(r(1, 2, 3, 3, 3))
    with pytest.raises(RuntimeError, match="kernel depth 4"):
        NF.conv3d(v, ag.Tensor(r(1, 2, 4, 1, 1)))
    with pytest.raises(ValueError, match="at most half"):
        NF.max_pool3d(v, 2, padding=2)
    with pytest.raises(RuntimeError, match="too small"):
        NF.avg_pool3d(v, 4)
    with pytest.raises(ValueError, match="5-D"):
        NF.conv3d(ag.Tensor(r(2, 3)), ag.Tensor(r(1, 2, 1, 1, 1)))


def test_layer_argument_errors():
    with pytest.raises(RuntimeError, match="CPU only"):
        onn.Conv2d(3, 4, 3, device="cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        onn.BatchNorm2d(3, device="cuda:0")
    with pytest.raises(ValueError, match="h0 must be a Tensor of shape \\(2, 3, 6\\)"):
        onn.GRU(4, 6, bidirectional=True)(ag.Tensor(xs), ag.Tensor(r(1, 3, 6)))
    with pytest.raises(ValueError, match="padding must be an int or 4 ints"):
        onn.ZeroPad2d((1, 2))
    assert onn.Conv2d(3, 4, 3, dtype=np.float64).weight.dtype == np.float64
    assert onn.LayerNorm(4, dtype="float64").weight.dtype == np.float64
    assert onn.BatchNorm1d(4, affine=True, bias=False).bias is None


# ------------------------------------------------------------------------------ properties
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(k=st.integers(1, 3), s=st.integers(1, 2), p=st.integers(0, 1), seed=st.integers(0, 99))
def test_unfold_fold_gradcheck(backend, k, s, p, seed):
    x = np.random.default_rng(seed).standard_normal((1, 2, 5, 4))
    # a transposed (non-contiguous) view goes in
    assert ag.gradcheck(lambda t: NF.unfold(t.transpose(2, 3), k, padding=p, stride=s),
                        [ag.Tensor(x, requires_grad=True)])
    cols = NF.unfold(ag.Tensor(x), k, padding=p, stride=s)
    assert ag.gradcheck(lambda t: NF.fold(t, (5, 4), k, padding=p, stride=s),
                        [ag.Tensor(cols.data, requires_grad=True)])


@given(r_=st.integers(1, 3), seed=st.integers(0, 99))
def test_pixel_shuffle_gradcheck(backend, r_, seed):
    x = np.random.default_rng(seed).standard_normal((1, 2 * r_ * r_, 2, 3))
    assert ag.gradcheck(lambda t: NF.pixel_shuffle(t, r_), [ag.Tensor(x, requires_grad=True)])
    y = np.random.default_rng(seed).standard_normal((1, 2, 2 * r_, 3 * r_))
    assert ag.gradcheck(lambda t: NF.pixel_unshuffle(t.transpose(2, 3), r_).transpose(2, 3),
                        [ag.Tensor(y.transpose(0, 1, 3, 2).copy(), requires_grad=True)])


@given(seed=st.integers(0, 99))
def test_bidirectional_gru_gradcheck(backend, seed):
    rng = np.random.default_rng(seed)
    m = onn.GRU(2, 3, bidirectional=True, dtype=np.float64)
    x = rng.standard_normal((3, 2, 2))  # (B, T, I), fed transposed (T, B, I): a strided view

    def f(t):
        out, h = m(t.transpose(0, 1))
        return ag.cat([out.reshape(-1), h.reshape(-1)])

    assert ag.gradcheck(f, [ag.Tensor(x, requires_grad=True)])


@given(mode=st.sampled_from(["bicubic", "area", "bilinear"]), oh=st.integers(2, 6),
       ow=st.integers(2, 6), seed=st.integers(0, 99))
def test_interpolate_gradcheck(backend, mode, oh, ow, seed):
    x = np.random.default_rng(seed).standard_normal((1, 2, 3, 4))
    assert ag.gradcheck(lambda t: NF.interpolate(t.transpose(2, 3), size=(oh, ow), mode=mode),
                        [ag.Tensor(x, requires_grad=True)])


@given(seed=st.integers(0, 99), affine=st.booleans())
def test_rms_norm_gradcheck(backend, seed, affine):
    rng = np.random.default_rng(seed)
    x = ag.Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = ag.Tensor(rng.standard_normal(3), requires_grad=True)
    ins = [x, w] if affine else [x]
    assert ag.gradcheck(lambda t, *wt: NF.rms_norm(t.T, (3,), *wt, eps=1e-5), ins)


ERRORS = [
    ("conv_channels", lambda nn, T: nn.Conv2d(3, 4, 3)(T(r(2, 5, 8, 8))), "channels"),
    ("conv_kernel_too_big", lambda nn, T: nn.Conv2d(3, 4, 5)(T(r(1, 3, 3, 3))), "larger than"),
    ("conv_2d_input", lambda nn, T: nn.Conv2d(3, 4, 3)(T(r(8, 8))), "4-D"),
    ("lstm_input_size", lambda nn, T: nn.LSTM(3, 4)(T(r(5, 2, 6))), "input_size 3"),
    ("lstm_state_shape", lambda nn, T: nn.LSTM(3, 4)(T(r(5, 2, 3)), (T(r(1, 3, 4)),
                                                                    T(r(1, 3, 4)))),
     r"h0 must be a Tensor of shape \(1, 2, 4\)"),
    ("gru_4d_input", lambda nn, T: nn.GRU(3, 4)(T(r(2, 2, 2, 3))), "input must be"),
    ("batchnorm_channels", lambda nn, T: nn.BatchNorm2d(3)(T(r(2, 4, 3, 3))), "C = 3"),
    ("batchnorm_one_value", lambda nn, T: nn.BatchNorm1d(3)(T(r(1, 3))), "more than 1 value"),
    ("layernorm_shape", lambda nn, T: nn.LayerNorm(4)(T(r(2, 5))), r"trailing shape"),
    ("groupnorm_groups", lambda nn, T: nn.GroupNorm(2, 4)(T(r(2, 5, 3))), "dividing"),
    ("maxpool_too_small", lambda nn, T: nn.MaxPool2d(5)(T(r(1, 1, 3, 3))), "larger than"),
    ("embedding_range", lambda nn, T: nn.Embedding(3, 2)(T(np.array([3]))), "out of range"),
    ("reflect_too_wide", lambda nn, T: nn.ReflectionPad1d(4)(T(r(1, 2, 3))), "smaller than"),
]


@pytest.mark.parametrize("name,call,msg", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_torchs_kind(name, call, msg):
    with pytest.raises(Exception) as theirs:
        call(tnn, torch.tensor)
    with pytest.raises(type(theirs.value), match=msg):  # ours is (also) torch's kind
        call(onn, ag.Tensor)


@settings(max_examples=8)
@given(seed=st.integers(0, 99), s_=st.integers(1, 2), p=st.integers(0, 1))
def test_3d_gradcheck(backend, seed, s_, p):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, 2, 3, 4, 3))
    w = ag.Tensor(rng.standard_normal((2, 2, 2, 2, 2)), requires_grad=True)
    t = ag.Tensor(x, requires_grad=True)
    assert ag.gradcheck(lambda a, b: NF.conv3d(a.transpose(3, 4), b, stride=s_, padding=p),
                        [t, w])
    assert ag.gradcheck(lambda a: NF.avg_pool3d(a, 2, s_, p, count_include_pad=False), [t])
    assert ag.gradcheck(lambda a: NF.max_pool3d(a, 2, s_, p), [t])
    assert ag.gradcheck(lambda a: NF.adaptive_avg_pool3d(a, (2, 3, 2)), [t])


@given(pm=st.sampled_from(["zeros", "border", "reflection"]), ac=st.booleans(),
       seed=st.integers(0, 99))
def test_grid_sample_gradcheck(backend, pm, ac, seed):
    rng = np.random.default_rng(seed)
    x = ag.Tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    # positions away from pixel centres and borders (the kinks of bilinear sampling)
    g = (rng.integers(0, 4, (1, 2, 3, 2)) + 0.3 + 0.4 * rng.random((1, 2, 3, 2))) / 2 - 1
    grid = ag.Tensor(g, requires_grad=True)
    assert ag.gradcheck(lambda a, b: NF.grid_sample(a.transpose(2, 3).transpose(2, 3), b,
                                                    padding_mode=pm, align_corners=ac),
                        [x, grid])
    theta = ag.Tensor(rng.standard_normal((1, 2, 3)), requires_grad=True)
    assert ag.gradcheck(lambda t: NF.affine_grid(t, (1, 1, 3, 2)), [theta])
