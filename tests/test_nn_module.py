"""Module behaviour as torch's: containers, hooks, apply, dtype moves, traversal, zero_grad,
repr, Linear's type promotion, and the shared validators."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import nn
import optim
from autograd import Tensor


def _net():
    return nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))


def test_sequential_ordered_dict_indexing_and_editing():
    s = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.Tanh()),
                                   ("out", nn.Linear(3, 1))]))
    assert s.fc is s[0] and s.out is s[-1] and len(s) == 3
    assert [n for n, _ in s.named_parameters()] == ["fc.weight", "fc.bias", "out.weight",
                                                    "out.bias"]
    assert [n for n, _ in s[1:].named_children()] == ["act", "out"]  # slices keep names
    x = Tensor(np.ones((4, 2)))
    np.testing.assert_allclose(s(x).data, s.out(s.act(s.fc(x))).data)
    s.append(nn.Sigmoid())
    assert len(s) == 4 and isinstance(s[3], nn.Sigmoid)
    del s[1]
    assert [n for n, _ in s.named_children()] == ["0", "1", "2"]  # renumbered, as torch
    s[0] = nn.Identity()
    assert isinstance(s[0], nn.Identity)
    s.insert(1, nn.ReLU())
    assert [type(m).__name__ for m in s] == ["Identity", "ReLU", "Linear", "Sigmoid"]
    assert isinstance(s.pop(), nn.Sigmoid) and len(s) == 3
    with pytest.raises(IndexError, match="index 5 is out of range for 3 modules"):
        s[5]
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(OrderedDict(a=3))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = s.nope


def test_module_list_and_dict_register_their_parameters():
    class Net(nn.Module):
        def __init__(self):
            self.blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
            self.heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 4)})

        def forward(self, x):
            for b in self.blocks:
                x = b(x).relu()
            return {k: h(x) for k, h in self.heads.items()}

    n = Net()
    names = [k for k, _ in n.named_parameters()]
    assert names[:2] == ["blocks.0.weight", "blocks.0.bias"]
    assert names[-2:] == ["heads.b.weight", "heads.b.bias"] and len(names) == 10
    assert set(n.state_dict()) == set(names)
    out = n(Tensor(np.ones((5, 2))))
    assert out["a"].shape == (5, 1) and out["b"].shape == (5, 4)
    ml = n.blocks
    ml.append(nn.ReLU())
    ml += [nn.Tanh()]
    assert len(ml) == 5 and isinstance(ml[-1], nn.Tanh) and isinstance(ml[1:3], nn.ModuleList)
    del ml[0]
    assert [k for k, _ in ml.named_children()] == ["0", "1", "2", "3"]
    md = n.heads
    assert "a" in md and list(md) == ["a", "b"] and len(md) == 2
    md["c"] = nn.Identity()
    assert list(md.keys()) == ["a", "b", "c"]
    assert isinstance(md.pop("c"), nn.Identity)
    with pytest.raises(TypeError, match="keys must be strings"):
        md[1] = nn.ReLU()
    with pytest.raises(TypeError, match="not a Module"):
        ml.append(3)
    with pytest.raises(NotImplementedError, match="ModuleList has no forward"):
        ml(1)


def test_forward_hooks_and_pre_hooks_with_handles():
    m = nn.Linear(2, 2)
    seen = []
    h1 = m.register_forward_pre_hook(lambda mod, args: seen.append(("pre", args[0].shape)))
    h2 = m.register_forward_hook(lambda mod, args, out: seen.append(("post", out.shape)))
    x = Tensor(np.ones((3, 2)))
    y = m(x)
    assert seen == [("pre", (3, 2)), ("post", (3, 2))]
    h3 = m.register_forward_hook(lambda mod, args, out: out * 0.0)  # replaces the output
    assert np.all(m(x).data == 0)
    h3.remove()
    np.testing.assert_allclose(m(x).data, y.data)
    h4 = m.register_forward_pre_hook(lambda mod, args: args[0] * 2.0)  # replaces the input
    np.testing.assert_allclose(m(x).data, m.forward(x * 2.0).data)
    h4.remove()
    h1.remove()
    h2.remove()
    h2.remove()  # removing twice is harmless
    seen.clear()
    m(x)
    assert seen == []
    order = []
    m.register_forward_hook(lambda *a: order.append(1))
    m.register_forward_hook(lambda *a: order.append(0), prepend=True)
    m(x)
    assert order == [0, 1]
    kw = []
    m2 = nn.Identity()
    m2.register_forward_pre_hook(lambda mod, args, kwargs: kw.append(kwargs), with_kwargs=True)
    m2(x)
    assert kw == [{}]
    with pytest.raises(TypeError, match="must be callable"):
        m.register_forward_hook(3)


def test_apply_traversal_train_eval_and_requires_grad():
    net = _net()
    visited = []
    assert net.apply(lambda m: visited.append(type(m).__name__)) is net
    assert visited == ["Linear", "ReLU", "Linear", "Sequential"]  # children first, as torch

    def init(m):
        if isinstance(m, nn.Linear):
            m.weight.data[...] = 1.0

    net.apply(init)
    assert np.all(net[0].weight.data == 1)
    assert [n for n, _ in net.named_modules()] == ["", "0", "1", "2"]
    assert [n for n, _ in net.named_children()] == ["0", "1", "2"]
    assert len(list(net.modules())) == 4 and len(list(net.children())) == 3
    assert [n for n, _ in net.named_parameters(recurse=False)] == []
    assert net.eval() is net and not net[0].training
    assert net.train() is net and net[2].training
    with pytest.raises(ValueError, match="mode is expected to be a bool"):
        net.train("yes")
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    assert all(p.requires_grad for p in net.parameters())
    shared = nn.Linear(1, 1)
    twice = nn.Sequential(shared, shared)
    assert len(list(twice.modules())) == 2 and len(twice.parameters()) == 2
    assert len(list(twice.named_modules(remove_duplicate=False))) == 3


def test_double_float_to_keep_parameter_identity():
    net = _net()
    w = net[0].weight
    opt = optim.SGD(net.parameters(), lr=0.1)
    assert net.double() is net and w.dtype == np.float64 and net[0].weight is w
    x = Tensor(np.ones((4, 2)))
    y = net(x.double())
    assert y.dtype == np.float64
    y.sum().backward()
    assert w.grad.dtype == np.float64
    opt.step()
    assert net.to(np.float32) is net and w.dtype == np.float32 and w.grad.dtype == np.float32
    assert net.to("cpu").to(dtype="float64", device="cpu")[2].bias.dtype == np.float64
    assert net.to(Tensor(np.zeros(1, np.float32)))[0].weight.dtype == np.float32
    assert net.float() is net
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        net.to("cuda")
    with pytest.raises(TypeError, match="only accepts floating point dtypes"):
        net.to(np.int64)
    bn = nn.BatchNorm1d(3).double()
    assert bn.running_mean.dtype == np.float64  # buffers follow too


def test_linear_follows_type_promotion():
    torch = pytest.importorskip("torch")
    lin = nn.Linear(3, 2)  # float32 weights
    x = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    y = lin(x)
    assert y.dtype == np.float64  # float64 input: computed in float64, not cut to float32
    y.sum().backward()
    assert lin.weight.grad.dtype == np.float32 and x.grad.dtype == np.float64
    tl = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(lin.weight.data.astype(np.float64)))
        tl.bias.copy_(torch.tensor(lin.bias.data.astype(np.float64)))
    np.testing.assert_allclose(y.data, tl(torch.tensor(x.data)).detach().numpy(), rtol=1e-12)
    assert lin(Tensor(np.ones((1, 3), np.float32))).dtype == np.float32
    assert nn.Linear(3, 2, dtype=np.float64).weight.dtype == np.float64
    assert y.grad_fn.name == "linear"


def test_zero_grad_is_torchs_and_shared():
    net = _net()
    net(Tensor(np.ones((2, 2)))).sum().backward()
    g = net[0].weight.grad
    net.zero_grad(set_to_none=False)
    assert net[0].weight.grad is g and np.all(g.data == 0)  # in place, as torch
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())  # set_to_none=True by default
    opt = optim.SGD(net.parameters(), lr=0.1)
    net(Tensor(np.ones((2, 2)))).sum().backward()
    g = net[2].bias.grad
    opt.zero_grad(set_to_none=False)
    assert net[2].bias.grad is g and np.all(g.data == 0)
    opt.zero_grad()
    assert net[2].bias.grad is None
    for fn in (nn.Module.zero_grad, optim.Optimizer.zero_grad):  # one implementation
        assert "zero_grads" in fn.__code__.co_names


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Dropout(0.1), nn.Flatten(),
                         nn.Unflatten(1, (1, 3)), nn.Identity(), nn.LeakyReLU(0.2),
                         nn.Sequential(nn.Tanh()))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                 torch.nn.Flatten(), torch.nn.Unflatten(1, (1, 3)),
                                 torch.nn.Identity(), torch.nn.LeakyReLU(0.2),
                                 torch.nn.Sequential(torch.nn.Tanh()))
    assert repr(ours) == repr(theirs)
    assert repr(nn.ModuleList([nn.ReLU()])) == repr(torch.nn.ModuleList([torch.nn.ReLU()]))
    ours_l = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)])
    theirs_l = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 2),
                                    torch.nn.ReLU(), torch.nn.Linear(2, 2)])
    assert repr(ours_l) == repr(theirs_l)  # "(0-1): 2 x Linear(...)"
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())
    assert repr(nn.ModuleDict({"a": nn.ReLU()})) == repr(torch.nn.ModuleDict(
        {"a": torch.nn.ReLU()}))

    class WithExtra(nn.Module):
        def __init__(self):
            self.lin = nn.Linear(1, 1)

        def extra_repr(self):
            return "k=3"

    assert repr(WithExtra()) == ("WithExtra(\n  k=3\n  (lin): Linear(in_features=1, "
                                 "out_features=1, bias=True)\n)")


def test_unflatten_flatten_identity():
    x = Tensor(np.arange(24.0).reshape(2, 12), requires_grad=True)
    y = nn.Unflatten(1, (3, -1))(x)
    assert y.shape == (2, 3, 4)
    assert nn.Flatten()(y).shape == (2, 12) and nn.Flatten(0, 1)(y).shape == (6, 4)
    assert nn.Unflatten(-1, (2, 2, 3))(x).shape == (2, 2, 2, 3)
    y.sum().backward()
    assert np.all(x.grad.data == 1)
    with pytest.raises(RuntimeError, match=r"sizes \(5, 2\) do not multiply to the size 12"):
        nn.Unflatten(1, (5, 2))(x)
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints"):
        nn.Unflatten(1, 3)
    assert nn.Identity(54, unused="x")(x) is x


def test_one_hot_is_torchs():
    torch = pytest.importorskip("torch")
    y = np.array([[0, 3], [1, 1]])
    ours = nn.functional.one_hot(Tensor(y))
    theirs = torch.nn.functional.one_hot(torch.tensor(y))
    assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert nn.functional.one_hot(Tensor(np.array([1])), num_classes=4).shape == (1, 4)
    with pytest.raises(TypeError, match="only applicable to index tensors"):
        nn.functional.one_hot(Tensor(np.array([1.0])))
    with pytest.raises(RuntimeError, match=r"class values must be in \[0, 2\) \(got -1\)"):
        nn.functional.one_hot(np.array([-1, 0]), 2)


def test_one_positive_int_validator():
    from nn.utils import positive_int

    assert positive_int(np.int64(3), "x") == 3
    for bad in (0, -1, True, 2.0, "3"):
        with pytest.raises(ValueError, match="x must be a positive int"):
            positive_int(bad, "x")
    with pytest.raises(ValueError, match="Linear: in_features must be a positive int, got 0"):
        nn.Linear(0, 2)
    with pytest.raises(ValueError, match="LSTM: hidden_size must be a positive int"):
        nn.LSTM(2, 0)


def test_optimizer_and_module_zero_grad_on_graph_grads():
    x = Tensor(np.ones(3), requires_grad=True)
    (x * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    opt = optim.SGD([x], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert not x.grad.requires_grad and np.all(x.grad.data == 0)


def test_register_by_name_and_lookup():
    m = nn.Module()
    m.add_module("fc", nn.Linear(2, 2))
    m.register_parameter("scale", nn.Parameter(np.ones(2)))
    assert [n for n, _ in m.named_parameters()] == ["scale", "fc.weight", "fc.bias"]  # torch
    s = nn.Sequential(nn.Linear(1, 1))
    s.add_module("extra", nn.ReLU())
    assert len(s) == 2 and s.extra is s[1]
    net = nn.Sequential(OrderedDict(block=nn.Sequential(nn.Linear(2, 2))))
    assert net.get_submodule("block.0") is net.block[0] and net.get_submodule("") is net
    assert net.get_parameter("block.0.bias") is net.block[0].bias
    with pytest.raises(AttributeError, match="has no submodule 'block.1'"):
        net.get_submodule("block.1")
    with pytest.raises(TypeError, match="nn.Parameter or None expected"):
        m.register_parameter("w", Tensor(np.ones(1)))
    with pytest.raises(KeyError, match="without dots"):
        m.add_module("a.b", nn.ReLU())


def test_parameters_is_a_list_and_an_iterator():
    net = _net()
    ps = net.parameters()
    assert len(ps) == 4 and ps[0] is net[0].weight
    assert next(net.parameters()) is net[0].weight  # torch's idiom for dtype/device
    assert next(ps) is ps[0] and next(ps) is ps[1]
    assert list(ps) == [net[0].weight, net[0].bias, net[2].weight, net[2].bias]
    assert next(ps) is ps[2] and next(ps) is ps[3]
    with pytest.raises(StopIteration):
        next(ps)
