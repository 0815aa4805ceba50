"""Tensor basics as PyTorch's: size()/dim()/numel(), formatting, conversions, to()/type(),
and the in-place methods (through the version counter and the grad-mode refusal)."""

from __future__ import annotations

import numpy as np
import pytest
from torch_oracle import Case, check, ids, needs_torch

import autograd as ag
from autograd import Tensor

rng = np.random.default_rng(3)
F64 = rng.standard_normal((2, 3))
F32 = F64.astype(np.float32)
POS = np.abs(F64) + 0.5
I64 = np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int64)
MASK = np.array([True, False, True])

INPLACE = [
    Case("add_", lambda m, x, y: x.add_(y), [F64, F64.T.copy().T]),
    Case("add_alpha", lambda m, x, y: x.add_(y, alpha=-2), [F32, F32]),
    Case("add_scalar", lambda m, x: x.add_(1.5), [F32]),
    Case("add_broadcast", lambda m, x, y: x.add_(y), [F64, F64[0]]),
    Case("add_int", lambda m, x: x.add_(3), [I64]),
    Case("add_f64_into_f32", lambda m, x, y: x.add_(y), [F32, F64]),
    Case("sub_alpha", lambda m, x, y: x.sub_(y, alpha=0.5), [F64, POS]),
    Case("mul_", lambda m, x, y: x.mul_(y), [F64, POS]),
    Case("div_", lambda m, x, y: x.div_(y), [F32, POS.astype(np.float32)]),
    Case("div_floor_int", lambda m, x: x.div_(4, rounding_mode="floor"), [I64]),
    Case("div_trunc_int", lambda m, x: x.div_(4, rounding_mode="trunc"), [I64]),
    Case("div_trunc_float", lambda m, x: x.div_(0.7, rounding_mode="trunc"), [F64]),
    Case("pow_", lambda m, x: x.pow_(2), [F64]),
    Case("neg_", lambda m, x: x.neg_(), [I64]),
    Case("abs_", lambda m, x: x.abs_(), [F32]),
    Case("exp_", lambda m, x: x.exp_(), [F64]),
    Case("log_", lambda m, x: x.log_(), [POS]),
    Case("sqrt_", lambda m, x: x.sqrt_(), [POS.astype(np.float32)]),
    Case("sigmoid_", lambda m, x: x.sigmoid_(), [F64]),
    Case("tanh_", lambda m, x: x.tanh_(), [F32]),
    Case("relu_", lambda m, x: x.relu_(), [F64]),
    Case("relu_int", lambda m, x: x.relu_(), [I64]),
    Case("clamp_", lambda m, x: x.clamp_(-0.5, 0.5), [F64]),
    Case("clamp_min", lambda m, x: x.clamp_(min=0.0), [F32]),
    Case("clip_max", lambda m, x: x.clip_(max=0.1), [F64]),
    Case("floor_", lambda m, x: x.floor_(), [F64 * 3]),
    Case("floor_int", lambda m, x: x.floor_(), [I64]),
    Case("round_", lambda m, x: x.round_(), [np.array([0.5, 1.5, 2.5, -0.5, 1.2])]),
    Case("round_decimals", lambda m, x: x.round_(decimals=1), [F64]),
    Case("zero_", lambda m, x: x.zero_(), [F64]),
    Case("fill_", lambda m, x: x.fill_(2.5), [F32]),
    Case("fill_int_truncates", lambda m, x: x.fill_(2.7), [I64]),
    Case("fill_0d_tensor", lambda m, x, v: x.fill_(v), [F64, np.array(3.0)]),
    Case("copy_broadcast_cast", lambda m, x, y: x.copy_(y), [F32, I64[0]]),
    Case("masked_fill_", lambda m, x, k: x.masked_fill_(k, -1.0), [F64, MASK]),
    Case("masked_fill_int", lambda m, x, k: x.masked_fill_(k, 7), [I64, MASK]),
    Case("index_fill_", lambda m, x, i: x.index_fill_(1, i, 0.0), [F64, np.array([0, 2])]),
    Case("index_fill_neg_dim", lambda m, x, i: x.index_fill_(-2, i, 9), [I64, np.array([1])]),
    Case("iadd", lambda m, x, y: x.__iadd__(y), [F64, F64]),
    Case("ipow", lambda m, x: x.__ipow__(3), [F64]),
    Case("setitem_row", lambda m, x, v: x.__setitem__(0, v) or x, [F64, F64[1]]),
    Case("setitem_broadcast", lambda m, x: x.__setitem__((slice(None), 1), 5.0) or x, [F64]),
    Case("setitem_leading_one", lambda m, x, v: x.__setitem__(1, v) or x,
         [F64, F64[:1].copy()]),
    Case("setitem_mask", lambda m, x, k: x.__setitem__((slice(None), k), 0.0) or x,
         [F32, MASK]),
    Case("setitem_float_into_int", lambda m, x: x.__setitem__(0, 2.9) or x, [I64]),
]


@needs_torch
@pytest.mark.parametrize("case", INPLACE, ids=ids(INPLACE))
def test_inplace_matches_torch(case):
    case.grad = False  # in-place ops record no graph
    check(case)


BASICS = [
    Case("size", lambda m, x: tuple(x.size()), [F64], grad=False),
    Case("size_dim", lambda m, x: x.size(1), [F64], grad=False),
    Case("size_neg_dim", lambda m, x: x.size(-2), [F64], grad=False),
    Case("dim", lambda m, x: x.dim(), [F64], grad=False),
    Case("ndimension", lambda m, x: x.ndimension(), [F64], grad=False),
    Case("numel", lambda m, x: x.numel(), [F64], grad=False),
    Case("nelement", lambda m, x: x.nelement(), [I64]),
    Case("element_size_f32", lambda m, x: x.element_size(), [F32], grad=False),
    Case("element_size_i64", lambda m, x: x.element_size(), [I64]),
    Case("is_floating_point", lambda m, x: x.is_floating_point(), [F32], grad=False),
    Case("is_floating_point_int", lambda m, x: x.is_floating_point(), [I64]),
    Case("is_signed", lambda m, x: x.is_signed(), [I64]),
    Case("is_contiguous_t", lambda m, x: x.T.is_contiguous(), [F64], grad=False),
    Case("stride", lambda m, x: x.stride(), [F64], grad=False),
    Case("stride_t", lambda m, x: x.T.stride(1), [F64], grad=False),
    Case("format_0d", lambda m, x: f"{x.sum():.3f}", [F64], grad=False),
    Case("format_0d_empty_spec", lambda m, x: f"{x.sum()}", [I64]),
    Case("format_int", lambda m, x: f"{x[0, 0]:d}", [I64]),
    Case("int_conv", lambda m, x: x.int(), [F64], grad=False),
    Case("bool_conv", lambda m, x: x.bool(), [I64]),
    Case("short_conv", lambda m, x: x.short(), [F64], grad=False),
    Case("byte_conv", lambda m, x: x.abs().byte(), [I64]),
    Case("char_conv", lambda m, x: x.char(), [I64]),
    Case("to_dtype", lambda m, x: x.to(m.float64), [F32]),
    Case("to_dtype_kw", lambda m, x: x.to(dtype=m.float32), [F64]),
    Case("to_device_dtype", lambda m, x: x.to("cpu", m.float64), [F32]),
    Case("to_other", lambda m, x, y: x.to(y), [F32, F64]),
    Case("type_dtype", lambda m, x: x.type(m.int64), [F64], grad=False),
    Case("type_name", lambda m, x: x.type(), [F32], grad=False),
    Case("type_name_long", lambda m, x: x.type(), [I64]),
    Case("item", lambda m, x: x[1, 2].item(), [F64], grad=False),
    Case("int_of_tensor", lambda m, x: int(x[0, 2]), [I64]),
    Case("float_of_tensor", lambda m, x: float(x.sum()), [F64], grad=False),
    Case("tolist", lambda m, x: x.tolist(), [I64]),
    Case("len", lambda m, x: len(x), [F64], grad=False),
    Case("index_with_tensor", lambda m, x: list(range(10))[x[0, 2]], [I64]),
]


@needs_torch
@pytest.mark.parametrize("case", BASICS, ids=ids(BASICS))
def test_basics_match_torch(case):
    check(case)


def test_size_is_an_int_and_torchs_method():
    x = Tensor(np.zeros((2, 3, 4)))
    assert x.size == 24 and isinstance(x.size, int) and x.size * 2 == 48
    assert x.size() == (2, 3, 4) and isinstance(x.size(), tuple) and x.size().numel() == 24
    assert repr(x.size()) == "Size([2, 3, 4])"
    assert x.size(0) == 2 and x.size(-1) == 4 and x.size(dim=1) == 3
    assert Tensor(1.0).size() == () and Tensor(1.0).size == 1
    with pytest.raises(IndexError, match=r"size: dimension 3 is out of range for a tensor of 3 "
                                         r"dimension\(s\) \(expected \[-3, 2\]\)"):
        x.size(3)
    with pytest.raises(IndexError, match="out of range for a tensor of 0"):
        Tensor(1.0).size(0)
    with pytest.raises(TypeError, match="size: dim must be an int, got float"):
        x.size(1.0)


def test_device_and_cpu():
    x = Tensor(np.ones(2))
    assert x.device == "cpu" and x.device.type == "cpu" and repr(x.device) == "device(type='cpu')"
    assert x.cpu() is x and x.to("cpu") is x and x.to(ag.device("cpu")) is x
    assert not x.is_cuda
    assert x.to(x.dtype) is x
    c = x.to(copy=True)
    assert c is not x and np.shares_memory(c.data, x.data) is False
    with pytest.raises(RuntimeError, match="numbagrad runs on the CPU only, got 'cuda:0'"):
        x.to("cuda:0")
    with pytest.raises(RuntimeError, match="cuda: numbagrad runs on the CPU only"):
        x.cuda()
    with pytest.raises(TypeError, match="half: float16 is not supported"):
        x.half()


def test_to_keeps_the_graph():
    x = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    y = x.to(ag.float64)
    assert y.dtype == np.float64 and y.requires_grad
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 4.0])
    assert x.grad.dtype == np.float32
    assert x.type("torch.DoubleTensor").dtype == np.float64
    with pytest.raises(TypeError, match="type: unknown tensor type 'torch.HalfTensor'"):
        x.type("torch.HalfTensor")


def test_format():
    loss = Tensor(np.float32(0.123456))
    assert f"{loss:.4f}" == "0.1235" and f"{loss}" == format(loss.item())
    assert f"{Tensor([2.5]):.1f}" == "2.5"  # one element: formats as its number
    assert f"{Tensor([1.0, 2.0])}" == str(Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"unsupported format string '.2f' passed to "
                                        r"Tensor.__format__: .*shape \(2,\)"):
        f"{Tensor([1.0, 2.0]):.2f}"


def test_data_stays_the_ndarray_and_numpy_works_with_grad():
    x = Tensor(np.ones(2), requires_grad=True)
    assert isinstance(x.data, np.ndarray) and x.numpy() is x.data
    assert x.itemsize == 8 and x.nbytes == 16


def test_index_conversion_refuses_floats_and_many_elements():
    a = np.arange(5)
    assert a[Tensor([1])].shape == (1,) and a[Tensor(1)].shape == ()  # numpy indexing intact
    assert list(range(5))[Tensor(3)] == 3
    with pytest.raises(TypeError, match="only 0-d integer tensors can be converted to an index"):
        [0, 1][Tensor(1.0)]
    with pytest.raises(TypeError, match="only 0-d integer tensors can be converted to an index"):
        [0, 1][Tensor([0, 1])]


def test_bool_and_item_errors_are_value_and_runtime_errors():
    x = Tensor(np.ones(2))
    for call in (lambda: bool(x), x.item):
        with pytest.raises(ValueError):
            call()
        with pytest.raises(RuntimeError):
            call()


def test_inplace_bumps_the_version_and_is_refused_with_grad():
    x = Tensor(np.ones(3))
    v = x._version
    x.add_(1).mul_(2).exp_().clamp_(max=100.0)
    assert x._version == v + 4
    np.testing.assert_allclose(x.data, [np.exp(4.0)] * 3)
    w = Tensor(np.ones(3), requires_grad=True)
    for call in (lambda: w.add_(1), lambda: w.exp_(), lambda: w.normal_(),
                 lambda: w.masked_fill_(Tensor(MASK), 0.0), lambda: w.fill_(1.0)):
        with pytest.raises(RuntimeError, match="in-place modification of a tensor that requires "
                                               "grad"):
            call()
    with ag.no_grad():
        w.add_(1).uniform_(-1, 1)
    assert w.requires_grad and np.all(np.abs(w.data) <= 1)


def test_inplace_after_use_is_caught_by_backward():
    x = Tensor(np.ones(3), requires_grad=True)
    h = x * 2.0
    y = (h * h).sum()
    with ag.no_grad():
        h.exp_()
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_random_inplace_fills():
    ag.manual_seed(1)
    x = Tensor(np.zeros(5000, np.float32))
    x.uniform_(2.0, 3.0)
    assert x.dtype == np.float32 and 2.0 <= x.data.min() and x.data.max() < 3.0
    x.uniform_(**{"from": -1.0, "to": 0.0})
    assert x.data.max() < 0.0
    x.normal_(1.0, 0.1)
    assert abs(float(x.data.mean()) - 1.0) < 0.01
    x.bernoulli_(0.25)
    assert set(np.unique(x.data)) <= {0.0, 1.0} and 0.2 < float(x.data.mean()) < 0.3


@pytest.mark.parametrize("call, kind, words", [
    (lambda: Tensor([1, 2]).add_(2.5), RuntimeError,
     "add_: the result type float32 can't be cast to the desired output type int64"),
    (lambda: Tensor([1, 2]).div_(2), RuntimeError,
     "div_: the result type float32 can't be cast to the desired output type int64"),
    (lambda: Tensor([1, 2]).exp_(), RuntimeError,
     "exp_: the result type float32 can't be cast to the desired output type int64"),
    (lambda: Tensor(np.ones(3)).add_(Tensor(np.ones((2, 3)))), ValueError,
     r"add_: an operand of shape \(2, 3\) does not broadcast to this tensor's shape \(3,\)"),
    (lambda: Tensor(np.ones(3)).div_(2, rounding_mode="round"), ValueError,
     "div_: rounding_mode must be None, 'trunc' or 'floor'"),
    (lambda: Tensor(np.ones(3)).fill_(Tensor(np.ones(2))), RuntimeError,
     r"fill_: only a 0-dimensional value tensor can fill, got one of shape \(2,\)"),
    (lambda: Tensor(np.ones(3)).fill_("a"), TypeError, "fill_: value must be a number"),
    (lambda: Tensor(np.ones(3)).masked_fill_(Tensor([1, 0, 1]), 0.0), TypeError,
     "masked_fill_: the mask must be a bool tensor, got int64"),
    (lambda: Tensor(np.ones(3)).masked_fill_(Tensor([True, False]), 0.0), ValueError,
     r"masked_fill_: a mask of shape \(2,\) does not broadcast"),
    (lambda: Tensor(np.ones((2, 3))).index_fill_(2, Tensor([0]), 0.0), IndexError,
     "index_fill_: dim 2 is out of range"),
    (lambda: Tensor(np.ones((2, 3))).index_fill_(1, Tensor([3]), 0.0), IndexError,
     "index_fill_: an index is out of range for dim 1 of size 3"),
    (lambda: Tensor(np.ones((2, 3))).index_fill_(1, Tensor([0.0]), 0.0), TypeError,
     "index_fill_: index must be a 0-d or 1-D integer tensor"),
    (lambda: Tensor(np.ones((2, 3))).__setitem__(0, Tensor(np.ones((2, 3)))), RuntimeError,
     r"__setitem__: a value of shape \(2, 3\) cannot be assigned to a selection of shape "
     r"\(3,\)"),
    (lambda: Tensor([1, 2]).uniform_(), RuntimeError,
     "uniform_: needs a floating-point tensor, this one is int64"),
    (lambda: Tensor(np.ones(2)).uniform_(bad=1), TypeError, "uniform_: unexpected argument"),
    (lambda: Tensor(np.ones(2)).normal_(0, -1), ValueError, "normal_: std must be >= 0"),
    (lambda: Tensor(np.ones(2)).bernoulli_(2), ValueError, r"bernoulli_: p must be in \[0, 1\]"),
    (lambda: Tensor(np.ones(2)).copy_(np.ones(3)), RuntimeError,
     r"copy_: source has shape \(3,\), expected \(2,\)"),
])
def test_inplace_errors(call, kind, words):
    with pytest.raises(kind, match=words):
        call()
