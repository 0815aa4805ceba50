"""nn layers, activations, Module state_dict/buffers, init, the fused linear op, Perceptron."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor, gradcheck
from autograd.ops.fused import linear
from nn import functional as F


def _set(module, dotted, value):
    *path, last = dotted.split(".")
    obj = module
    for part in path:
        obj = obj[int(part)] if isinstance(obj, nn.Sequential) else getattr(obj, part)
    object.__setattr__(obj, last, value)  # a plain Tensor in a parameter slot


def check_module(module, x, atol=1e-5):
    """gradcheck of module(x) w.r.t. x and every parameter (swapped in as float64)."""
    names = [n for n, _ in module.named_parameters()]
    params = [p for _, p in module.named_parameters()]

    def fn(xx, *ps):
        for n, p in zip(names, ps):
            _set(module, n, p)
        return module(xx)

    try:
        return gradcheck(fn, [x, *params], atol=atol)
    finally:
        for n, p in zip(names, params):
            _set(module, n, p)


def rand(*shape, grad=True):
    return Tensor(autograd.rng().standard_normal(shape), requires_grad=grad)


@pytest.mark.parametrize("act", ["none", "relu", "leaky_relu", "sigmoid", "tanh", "gelu"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck_every_activation(backend, act, bias):
    autograd.manual_seed(1)
    layer = nn.Linear(4, 3, bias=bias, activation=act)
    assert check_module(layer, rand(5, 4) + 0.05)


def test_linear_leaky_relu_with_non_positive_slope():
    autograd.manual_seed(2)
    for slope in (-0.5, 0.0, 0.3):
        layer = nn.Linear(4, 3, activation="leaky_relu", negative_slope=slope)
        assert check_module(layer, rand(6, 4) + 0.05)


def test_linear_matches_torch_layout_and_init_bounds():
    autograd.manual_seed(0)
    layer = nn.Linear(50, 7)
    assert layer.weight.shape == (7, 50) and layer.bias.shape == (7,)
    assert layer.weight.dtype == np.float32
    bound = 1 / math.sqrt(50)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.9 * bound  # really uniform over the range
    x = rand(3, 50, grad=False).astype("float32")
    np.testing.assert_allclose(layer(x).data, x.data @ layer.weight.data.T + layer.bias.data,
                               rtol=1e-5, atol=1e-6)


def test_linear_leading_dims_and_errors():
    layer = nn.Linear(4, 2, dtype=np.float64)
    x = rand(2, 3, 4)
    assert layer(x).shape == (2, 3, 2)
    assert check_module(layer, x)
    with pytest.raises(ValueError, match=r"input of shape \(3, 5\).*\(\.\.\., 4\)"):
        layer(rand(3, 5))
    with pytest.raises(ValueError, match="activation"):
        nn.Linear(2, 2, activation="softplus")
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(0, 2)


@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh", "gelu", "none"])
def test_fused_linear_second_derivatives_match_unfused(act):
    autograd.manual_seed(3)
    x, w, b = rand(4, 3), rand(2, 3), rand(2)
    unfused = {"relu": F.relu, "sigmoid": F.sigmoid, "tanh": F.tanh, "gelu": F.gelu,
               "none": lambda z: z}[act]

    def gnorm(f):
        y = f(x, w, b)
        (gw,) = autograd.grad((y * y).sum(), [w], create_graph=True)
        (gx,) = autograd.grad((gw * gw).sum(), [x])
        return gx.data

    fused = gnorm(lambda x, w, b: linear(x, w, b, act))
    plain = gnorm(lambda x, w, b: unfused(x @ w.T + b))
    np.testing.assert_allclose(fused, plain, rtol=1e-7, atol=1e-9)


def test_fused_linear_backends_agree():
    autograd.manual_seed(4)
    x = Tensor(autograd.rng().standard_normal((64, 40)).astype(np.float32))
    w = Tensor(autograd.rng().standard_normal((30, 40)).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros(30, np.float32), requires_grad=True)
    out = {}
    for name in ("numpy", "numba"):
        prev = autograd.get_backend()
        autograd.set_backend(name)
        try:
            w.grad = b.grad = None
            y = linear(x, w, b, "relu")
            y.sum().backward()
            out[name] = (y.data.copy(), w.grad.data.copy(), b.grad.data.copy())
        finally:
            autograd.set_backend(prev)
    for a, c in zip(out["numpy"], out["numba"]):
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("module,ref", [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.GELU(), lambda x: x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
    (nn.Softmax(axis=0), lambda x: np.exp(x) / np.exp(x).sum(0, keepdims=True)),
    (nn.LogSoftmax(axis=1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
    (nn.Identity(), lambda x: x),
])
def test_activation_modules_values_and_gradients(module, ref):
    autograd.manual_seed(5)
    x = rand(3, 4) + 0.01
    np.testing.assert_allclose(module(x).data, ref(x.data), rtol=1e-6, atol=1e-7)
    assert gradcheck(module, [x])


def test_step_has_zero_gradient():
    x = Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    y = nn.Step()(x)
    np.testing.assert_array_equal(y.data, [0.0, 0.0, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, 0.0)
    assert "zero" in nn.Step.__doc__


def test_mlp_structure_gradcheck_and_fusion():
    autograd.manual_seed(6)
    m = nn.MLP(3, [5, 4, 2], activation="tanh", output_activation="softmax", dtype=np.float64)
    kinds = [type(c).__name__ for c in m.children()]
    assert kinds == ["Linear", "Linear", "Linear", "Softmax"]
    assert [c.activation for c in list(m.children())[:3]] == ["tanh", "tanh", "none"]
    assert [n for n, _ in m.named_parameters()] == [
        "0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]
    assert m.num_parameters() == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2
    assert check_module(m, rand(4, 3))
    assert "MLP(3 -> 5 -> 4 -> 2" in repr(m)
    with pytest.raises(ValueError, match="unknown activation"):
        nn.MLP(2, [3], activation="swish")
    with pytest.raises(ValueError, match="layer_sizes"):
        nn.MLP(2, [])


def test_mlp_dropout_and_step_activation():
    m = nn.MLP(2, [4, 1], activation="step", dropout=0.5)
    assert [type(c).__name__ for c in m.children()] == ["Linear", "Step", "Dropout", "Linear"]


def test_sequential_flatten_and_indexing():
    autograd.manual_seed(7)
    seq = nn.Sequential(nn.Flatten(), nn.Linear(6, 3, dtype=np.float64), nn.ReLU())
    x = rand(2, 2, 3) + 0.1
    assert seq(x).shape == (2, 3)
    assert check_module(seq, x)
    assert isinstance(seq[1], nn.Linear) and len(seq) == 3 and len(seq[1:]) == 2
    assert [n for n, _ in seq.named_parameters()] == ["1.weight", "1.bias"]
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(nn.ReLU(), 3)


def test_dropout_train_eval_and_seeded():
    d = nn.Dropout(0.25)
    x = Tensor(np.ones((200, 50)))
    autograd.manual_seed(0)
    a = d(x).data
    autograd.manual_seed(0)
    b = d(x).data
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) <= {0.0, 1 / 0.75}
    assert abs((a == 0).mean() - 0.25) < 0.02
    d.eval()
    assert d(x) is x
    with pytest.raises(ValueError, match=r"p \(the dropout probability\) must be in"):
        nn.Dropout(1.5)


def test_module_state_dict_roundtrip_and_errors():
    autograd.manual_seed(8)
    a, b = nn.MLP(3, [4, 2]), nn.MLP(3, [4, 2])
    sd = a.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    sd_before = sd["0.weight"].data.copy()
    a[0].weight.data[0, 0] = 42.0  # as torch, the state_dict shares the parameters' memory
    assert sd["0.weight"].data[0, 0] == 42.0
    a[0].weight.data[...] = sd_before
    w_arr = b[0].weight.data
    res = b.load_state_dict(sd)
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert b[0].weight.data is w_arr  # loaded in place
    np.testing.assert_array_equal(b[0].weight.data, sd_before)

    bad = dict(sd)
    del bad["1.bias"]
    bad["extra.weight"] = sd["0.bias"]
    with pytest.raises(RuntimeError, match=r"(?s)Missing key\(s\) in state_dict: '1.bias'.*"
                                           r"Unexpected key\(s\) in state_dict: "
                                           r"'extra.weight'") as e:
        b.load_state_dict(bad)
    assert "\n" in str(e.value)
    res = b.load_state_dict(bad, strict=False)
    assert res.missing_keys == ["1.bias"] and res.unexpected_keys == ["extra.weight"]
    wrong = dict(sd, **{"0.weight": Tensor(np.zeros((5, 3)))})
    before = b[0].bias.data.copy()
    with pytest.raises(RuntimeError, match=r"size mismatch for '0.weight': copying a param "
                                           r"with shape \(5, 3\) from checkpoint, the shape "
                                           r"in current model is \(4, 3\)"):
        b.load_state_dict(wrong, strict=False)
    np.testing.assert_array_equal(b[0].bias.data, before)  # nothing changed on failure


class _WithBuffer(nn.Module):
    def __init__(self):
        self.lin = nn.Linear(2, 2)
        self.register_buffer("running_mean", Tensor(np.zeros(2, np.float32)))

    def forward(self, x):
        return self.lin(x) - self.running_mean


def test_buffers_in_state_dict_not_parameters():
    m = _WithBuffer()
    assert [n for n, _ in m.named_parameters()] == ["lin.weight", "lin.bias"]
    assert [n for n, _ in m.named_buffers()] == ["running_mean"]
    sd = m.state_dict()
    assert list(sd) == ["running_mean", "lin.weight", "lin.bias"]  # torch's order
    sd["running_mean"] = Tensor(np.array([1.0, 2.0], np.float32))
    m.load_state_dict(sd)
    np.testing.assert_array_equal(m.running_mean.data, [1.0, 2.0])
    with pytest.raises(TypeError, match="Parameter"):
        m.register_buffer("bad", nn.Parameter(np.zeros(2)))


def test_repr_tree_and_train_eval():
    m = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.1))
    assert repr(m) == ("Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n"
                       "  (1): Dropout(p=0.1, inplace=False)\n)")
    m.eval()
    assert not m[1].training
    m.train()
    assert m[1].training


def test_init_reproducible_bit_for_bit_and_formulas():
    def make():
        autograd.manual_seed(123)
        return nn.MLP(10, [20, 5]).state_dict()

    a, b = make(), make()
    for k in a:
        assert a[k].data.tobytes() == b[k].data.tobytes()
    t = Tensor(np.zeros((400, 300)))
    nn.init.xavier_uniform_(t)
    assert np.abs(t.data).max() <= math.sqrt(6 / 700)
    nn.init.kaiming_normal_(t, nonlinearity="relu")
    assert abs(t.data.std() - math.sqrt(2 / 300)) < 0.003
    nn.init.xavier_normal_(t, gain=2.0)
    assert abs(t.data.std() - 2 * math.sqrt(2 / 700)) < 0.003
    nn.init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu")
    assert np.abs(t.data).max() <= math.sqrt(6 / 400)
    nn.init.ones_(t)
    assert t.data.min() == 1.0
    nn.init.zeros_(t)
    assert t.data.max() == 0.0
    nn.init.normal_(t, 3.0, 0.5)
    assert abs(t.data.mean() - 3.0) < 0.01
    nn.init.uniform_(t, -2, -1)
    assert -2 <= t.data.min() and t.data.max() < -1
    with pytest.raises(ValueError, match="at least 2 dims"):
        nn.init.xavier_uniform_(Tensor(np.zeros(3)))
    assert nn.init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))


@pytest.mark.parametrize("name,y", [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1])])
def test_perceptron_learns_and_or(name, y):
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    p = nn.Perceptron(2)
    result = p.fit(X, y, epochs=50, lr=1.0)
    assert result.converged, name
    assert result.errors[-1] == 0 and result.epochs < 50
    np.testing.assert_array_equal(p.predict(X), y)
    np.testing.assert_array_equal(p(Tensor(X)).data, y)


def test_perceptron_cannot_learn_xor_and_says_so():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    p = nn.Perceptron(2)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        result = p.fit(X, [0, 1, 1, 0], epochs=25)
    assert not result.converged and result.epochs == 25 and result.errors[-1] > 0
    assert any("not linearly separable" in str(x.message) for x in w)
    assert "did not converge" in str(result)
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        p.fit(X, [0, 2, 1, 0])
