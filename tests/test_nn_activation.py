"""Activations: finite-difference gradients (first and second order) on both backends,
modules and their reprs against torch, rrelu's randomness, PReLU, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
import nn
from autograd import Tensor, gradcheck
from nn import functional as F

# smooth everywhere, or checked away from the kinks (the strategy keeps |x - kink| > 0.05)
FUNCS = {
    "elu": lambda x: F.elu(x, 0.7),
    "celu": lambda x: F.celu(x, 1.5),
    "selu": F.selu,
    "silu": F.silu,
    "mish": F.mish,
    "softplus": lambda x: F.softplus(x, beta=1.5, threshold=3.0),
    "softsign": F.softsign,
    "hardtanh": lambda x: F.hardtanh(x, -1.0, 2.0),
    "relu6": F.relu6,
    "hardsigmoid": F.hardsigmoid,
    "hardswish": F.hardswish,
    "logsigmoid": F.logsigmoid,
    "tanhshrink": F.tanhshrink,
    "hardshrink": F.hardshrink,
    "softshrink": F.softshrink,
    "threshold": lambda x: F.threshold(x, 0.5, -1.0),
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "rrelu_eval": lambda x: F.rrelu(x),
    "softmin": lambda x: F.softmin(x, dim=-1),
    "glu": lambda x: F.glu(x, dim=-1),
}
# second derivatives: the smooth ones (the piecewise-linear ones have a constant slope)
SMOOTH = ["elu", "celu", "selu", "silu", "mish", "softplus", "softsign", "hardswish",
          "logsigmoid", "tanhshrink", "gelu_tanh", "softmin", "glu"]
KINKS = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 6.0])


def _away_from_kinks(a: np.ndarray) -> np.ndarray:
    d = a[..., None] - KINKS
    near = np.abs(d).min(-1) < 0.05
    return np.where(near, a + 0.1, a)


arrays = hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.sampled_from([2, 4])),
                    elements=st.floats(-4, 7)).map(_away_from_kinks)


@pytest.mark.parametrize("name", sorted(FUNCS))
@given(a=arrays)
def test_gradcheck_every_activation(backend, name, a):
    assert gradcheck(FUNCS[name], [Tensor(a, requires_grad=True)])


@pytest.mark.parametrize("name", SMOOTH)
@given(a=arrays)
def test_second_derivatives_through_create_graph(backend, name, a):
    f = FUNCS[name]

    def first(x):
        return autograd.grad(f(x).sum(), [x], create_graph=True)[0]

    assert gradcheck(first, [Tensor(a, requires_grad=True)])


def test_non_contiguous_inputs_give_the_contiguous_result(backend):
    a = np.random.default_rng(0).standard_normal((4, 6))
    for name, f in FUNCS.items():
        x = Tensor(a, requires_grad=True)
        t = x.T[::2]  # (3, 4) view, strided
        tc = Tensor(np.ascontiguousarray(a.T[::2]), requires_grad=True)
        np.testing.assert_allclose(f(t).data, f(tc).data, rtol=1e-12, err_msg=name)
        assert gradcheck(lambda x, f=f: f(x.T[::2]), [x]), name


def test_plain_backward_equals_create_graph_backward():
    a = _away_from_kinks(np.random.default_rng(1).standard_normal((3, 4)) * 3)
    for name in FUNCS:
        x = Tensor(a, requires_grad=True)
        (g1,) = autograd.grad(FUNCS[name](x).sum(), [x])
        (g2,) = autograd.grad(FUNCS[name](x).sum(), [x], create_graph=True)
        np.testing.assert_allclose(g1.data, g2.data, rtol=1e-12, err_msg=name)


def test_float32_stays_float32_and_extremes_are_finite():
    x = Tensor(np.array([-1e4, -80.0, 0.3, 80.0, 1e4], np.float32), requires_grad=True)
    for name, f in FUNCS.items():
        if name == "glu":
            continue
        x.grad = None
        y = f(x)
        assert y.dtype == np.float32, name
        y.sum().backward()
        assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad.data)), name
        assert x.grad.dtype == np.float32


def test_rrelu_training_draws_one_slope_per_negative_element():
    autograd.manual_seed(0)
    x = Tensor(-np.ones((50, 40)), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.data
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and np.unique(slopes).size > 1000
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, slopes)  # the gradient is the drawn slope
    pos = Tensor(np.ones(5))
    np.testing.assert_array_equal(F.rrelu(pos, training=True).data, 1.0)
    m = nn.RReLU(0.1, 0.3)
    autograd.manual_seed(1)
    a = m(x).data
    autograd.manual_seed(1)
    np.testing.assert_array_equal(m(x).data, a)  # seeded by autograd.manual_seed
    m.eval()
    np.testing.assert_allclose(m(x).data, -0.2)  # eval: the mean slope


def test_prelu_module_learns_its_slopes():
    m = nn.PReLU(3, init=0.1)
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    x = Tensor(np.array([[[-1.0, 2.0]], [[-3.0, -1.0]], [[4.0, -2.0]]]).reshape(1, 3, 2))
    y = m(x)
    np.testing.assert_allclose(y.data, [[[-0.1, 2.0], [-0.3, -0.1], [4.0, -0.2]]])
    y.sum().backward()
    np.testing.assert_allclose(m.weight.grad.data, [-1.0, -4.0, -2.0])
    assert gradcheck(lambda x, w: F.prelu(x, w), [Tensor(np.random.default_rng(2)
                                                        .standard_normal((2, 3, 2)) + 0.01,
                                                        requires_grad=True),
                                                 Tensor([0.2, -0.1, 0.4], requires_grad=True)])
    with pytest.raises(RuntimeError, match="found 2 parameters and channel size 3"):
        F.prelu(x, Tensor([0.1, 0.2]))
    with pytest.raises(ValueError, match="num_parameters must be a positive int"):
        nn.PReLU(0)


def test_modules_match_functional_and_reprs_match_torch():
    torch = pytest.importorskip("torch")
    pairs = [
        (nn.ReLU(), torch.nn.ReLU()), (nn.ReLU(inplace=True), torch.nn.ReLU(inplace=True)),
        (nn.ReLU6(), torch.nn.ReLU6()), (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
        (nn.ELU(alpha=0.5), torch.nn.ELU(alpha=0.5)), (nn.CELU(), torch.nn.CELU()),
        (nn.SELU(), torch.nn.SELU()), (nn.SiLU(), torch.nn.SiLU()), (nn.Mish(), torch.nn.Mish()),
        (nn.Softplus(2.0, 10.0), torch.nn.Softplus(2.0, 10.0)),
        (nn.Softsign(), torch.nn.Softsign()), (nn.Hardtanh(-2.0, 2.0), torch.nn.Hardtanh(-2.0,
                                                                                       2.0)),
        (nn.Hardsigmoid(), torch.nn.Hardsigmoid()), (nn.Hardswish(), torch.nn.Hardswish()),
        (nn.LogSigmoid(), torch.nn.LogSigmoid()), (nn.Tanhshrink(), torch.nn.Tanhshrink()),
        (nn.Hardshrink(0.3), torch.nn.Hardshrink(0.3)),
        (nn.Softshrink(), torch.nn.Softshrink()),
        (nn.Threshold(0.1, 20.0), torch.nn.Threshold(0.1, 20.0)),
        (nn.GELU(), torch.nn.GELU()), (nn.GELU("tanh"), torch.nn.GELU("tanh")),
        (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
        (nn.LogSoftmax(dim=0), torch.nn.LogSoftmax(dim=0)),
        (nn.Softmin(dim=1), torch.nn.Softmin(dim=1)), (nn.GLU(), torch.nn.GLU()),
        (nn.PReLU(), torch.nn.PReLU()), (nn.Sigmoid(), torch.nn.Sigmoid()),
        (nn.Tanh(), torch.nn.Tanh()), (nn.Identity(3, a=1), torch.nn.Identity(3, a=1)),
    ]
    x = (np.random.default_rng(3).standard_normal((3, 4)) * 3).astype(np.float32)
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        ours.eval()
        theirs.eval()
        got = ours(Tensor(x)).data
        want = theirs(torch.tensor(x)).detach().numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=repr(ours))
    assert repr(nn.RReLU()) == repr(torch.nn.RReLU())
    assert repr(nn.Dropout(0.2)) == repr(torch.nn.Dropout(0.2))


def test_softmax_without_dim_warns_and_picks_torchs_dim():
    x = Tensor(np.random.default_rng(4).standard_normal((2, 3)))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = nn.Softmax()(x)
    np.testing.assert_allclose(y.data.sum(1), 1.0)  # 2-D: dim 1, as torch
    with pytest.warns(UserWarning):
        y1 = F.log_softmax(Tensor(np.zeros(4)))
    np.testing.assert_allclose(y1.data, np.log(0.25))
    np.testing.assert_allclose(F.softmax(x, axis=0).data.sum(0), 1.0)  # numpy's alias
    with pytest.raises(TypeError, match="got both dim=0 and axis=1"):
        F.softmax(x, 0, axis=1)


def test_fused_mlp_activations_and_get_activation():
    assert nn.GELU().fused == "gelu" and nn.GELU("tanh").fused is None
    m = nn.MLP(3, [4, 2], activation="gelu")
    assert m[0].activation == "gelu"
    m2 = nn.MLP(3, [4, 2], activation=nn.GELU("tanh"))
    assert isinstance(m2[1], nn.GELU) and m2[0].activation == "none"
    for name in ("elu", "selu", "silu", "mish", "hardswish", "softplus"):
        assert nn.MLP(2, [3, 1], activation=name)(Tensor(np.ones((1, 2)))).shape == (1, 1)
    assert nn.MLP(2, [3], output_activation="softmax")[-1].dim == -1


def test_activation_errors():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        F.gelu(x, approximate="fast")
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        nn.GELU("erf")
    with pytest.raises(RuntimeError, match="halving dimension must be even, but dimension 1 "
                                           "is size 3"):
        F.glu(x, 1)
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        F.glu(x, 2)
    with pytest.raises(ValueError, match=r"min_val \(2\) cannot be greater than max_val"):
        F.hardtanh(x, 2, 1)
    with pytest.raises(ValueError, match="lower <= upper"):
        F.rrelu(x, 0.5, 0.1)
    with pytest.raises(TypeError, match="expected a Tensor, got list"):
        F.elu([1.0, 2.0])
    with pytest.raises(ValueError, match="celu: alpha must not be 0"):
        F.celu(x, 0.0)
