"""RNN, LSTM, GRU and their cells: shapes, a hand-unrolled check, gradients, torch, errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn.rnn import LSTMSequence

RNG = np.random.default_rng(2)


def randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def sig(z):
    return 1 / (1 + np.exp(-z))


def test_lstm_state_shapes_and_parameter_names():
    m = nn.LSTM(3, 5, num_layers=2, batch_first=True)
    assert [n for n, _ in m.named_parameters()] == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
        "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"]
    assert m.weight_ih_l0.shape == (20, 3) and m.weight_hh_l1.shape == (20, 5)
    y, (h, c) = m(Tensor(randn(4, 7, 3).astype(np.float32)))
    assert y.shape == (4, 7, 5) and h.shape == (2, 4, 5) and c.shape == (2, 4, 5)
    y, (h, c) = m(Tensor(randn(7, 3).astype(np.float32)))  # no batch axis
    assert y.shape == (7, 5) and h.shape == (2, 5)
    g = nn.GRU(3, 5, num_layers=3)
    y, h = g(Tensor(randn(7, 4, 3).astype(np.float32)))
    assert y.shape == (7, 4, 5) and h.shape == (3, 4, 5) and g.weight_ih_l2.shape == (15, 5)
    r = nn.RNN(3, 5, bias=False)
    assert [n for n, _ in r.named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]


def test_lstm_matches_hand_unrolled_cell(backend):
    """Two stacked layers, batch first: the fused op against plain numpy formulas."""
    m = nn.LSTM(3, 4, num_layers=2, batch_first=True, dtype=np.float64)
    x, h0, c0 = randn(2, 5, 3), randn(2, 2, 4), randn(2, 2, 4)
    y, (h_n, c_n) = m(Tensor(x), (Tensor(h0), Tensor(c0)))
    inp = x.transpose(1, 0, 2)
    for k in range(2):
        w_ih, w_hh = getattr(m, f"weight_ih_l{k}").numpy(), getattr(m, f"weight_hh_l{k}").numpy()
        b = getattr(m, f"bias_ih_l{k}").numpy() + getattr(m, f"bias_hh_l{k}").numpy()
        h, c = h0[k], c0[k]
        outs = []
        for t in range(5):
            zi, zf, zg, zo = np.split(inp[t] @ w_ih.T + h @ w_hh.T + b, 4, axis=1)
            c = sig(zf) * c + sig(zi) * np.tanh(zg)
            h = sig(zo) * np.tanh(c)
            outs.append(h)
        inp = np.stack(outs)
        np.testing.assert_allclose(h_n.numpy()[k], h, atol=1e-12)
        np.testing.assert_allclose(c_n.numpy()[k], c, atol=1e-12)
    np.testing.assert_allclose(y.numpy(), inp.transpose(1, 0, 2), atol=1e-12)
    # and the LSTMCell module gives the same first layer step by step
    cell = nn.LSTMCell(3, 4, dtype=np.float64)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).data[...] = getattr(m, name + "_l0").numpy()
    single = nn.LSTM(3, 4, dtype=np.float64)
    for name, p in single.named_parameters():
        p.data[...] = getattr(m, name).numpy()
    ys, (hs, cs) = single(Tensor(x[0][:, None]), (Tensor(h0[:1, :1]), Tensor(c0[:1, :1])))
    h, c = Tensor(h0[0, :1]), Tensor(c0[0, :1])
    for t in range(5):
        h, c = cell(Tensor(x[0, t:t + 1]), (h, c))
        np.testing.assert_allclose(ys.numpy()[t], h.numpy(), atol=1e-12)
    np.testing.assert_allclose(cs.numpy()[0], c.numpy(), atol=1e-12)


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
def test_recurrent_layers_gradcheck(cls, backend):
    m = cls(2, 3, num_layers=2, dtype=np.float64)
    names = [n for n, _ in m.named_parameters()]

    def run(x, h0, c0, *ps):
        def forward():
            if cls is nn.LSTM:
                y, (h, c) = m(x, (h0, c0))
                return y.sum(axis=0) * 2 + h[1] + c[0] * c[0]
            y, h = m(x, h0)
            return y.sum(axis=0) * 2 + h[1]
        return _with_params(m, names, ps, forward)

    ins = [Tensor(randn(4, 2, 2), requires_grad=True), Tensor(randn(2, 2, 3), requires_grad=True),
           Tensor(randn(2, 2, 3), requires_grad=cls is nn.LSTM)]
    ins += [Tensor(getattr(m, n).numpy().copy(), requires_grad=True) for n in names]
    assert autograd.gradcheck(run, ins)


def _with_params(m, names, values, fn):
    """Call fn with m's parameters temporarily replaced by the given Tensors (so gradcheck's
    float64 copies are what the module computes with)."""
    old = {n: getattr(m, n) for n in names}
    try:
        for n, v in zip(names, values):
            object.__setattr__(m, n, v)  # plain Tensors in parameter slots
        return fn()
    finally:
        for n, p in old.items():
            object.__setattr__(m, n, p)


@pytest.mark.parametrize("cls", [nn.LSTMCell, nn.GRUCell, nn.RNNCell])
def test_cells_gradcheck(cls):
    cell = cls(3, 2, dtype=np.float64)
    names = [n for n, _ in cell.named_parameters()]
    ins = [Tensor(randn(4, 3), requires_grad=True), Tensor(randn(4, 2), requires_grad=True)]
    ins += [Tensor(getattr(cell, n).numpy().copy(), requires_grad=True) for n in names]
    c0 = Tensor(randn(4, 2))

    def run(x, h, *ps):
        def step():
            if cls is nn.LSTMCell:
                h2, c2 = cell(x, (h, c0))
                return h2 + c2 * c2
            return cell(x, h)
        return _with_params(cell, names, ps, step)

    assert autograd.gradcheck(run, ins)


def test_lstm_second_order_through_fused_op():
    xw, h0, c0, w = randn(3, 2, 8), randn(2, 2), randn(2, 2), randn(8, 2) * 0.5
    ins = [Tensor(a, requires_grad=True) for a in (xw, h0, c0, w)]

    def grad_norm(a, b, c, d):
        out = LSTMSequence.apply(a, b, c, d)
        ga, gd = autograd.grad((out * out).sum(), [a, d], create_graph=True)
        return (ga * ga).sum() + (gd * gd).sum()

    assert autograd.gradcheck(grad_norm, ins)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_layers_and_cells_match_torch(name):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(3, 4, num_layers=2, batch_first=True).double()
    m = getattr(nn, name)(3, 4, num_layers=2, batch_first=True, dtype=np.float64)
    for n, p in m.named_parameters():
        p.data = getattr(tm, n).detach().numpy().copy()
    x = randn(2, 5, 3)
    xt, xa = torch.tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    ya, sa = m(xa)
    yt, st = tm(xt)
    ha = sa[0] if name == "LSTM" else sa
    ht = st[0] if name == "LSTM" else st
    np.testing.assert_allclose(ya.numpy(), yt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(ha.numpy(), ht.detach().numpy(), atol=1e-12)
    ((ya * ya).sum() + ha.sum()).backward()
    ((yt * yt).sum() + ht.sum()).backward()
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), atol=1e-10)
    for n, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), getattr(tm, n).grad.numpy(), atol=1e-10)
    tc = getattr(torch.nn, name + "Cell")(3, 4).double()
    c = getattr(nn, name + "Cell")(3, 4, dtype=np.float64)
    for n, p in c.named_parameters():
        p.data = getattr(tc, n).detach().numpy().copy()
    x1 = randn(2, 3)
    out, tout = c(Tensor(x1)), tc(torch.tensor(x1))
    if name == "LSTM":
        out, tout = out[1], tout[1]
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), atol=1e-12)


def test_clip_grad_norm_works_with_lstm():
    m = nn.LSTM(3, 4)
    y, _ = m(Tensor(randn(6, 2, 3).astype(np.float32)))
    (y * 100).sum().backward()
    before = nn.utils.clip_grad_norm_(m.parameters(), 1.0)
    after = np.sqrt(sum((p.grad.numpy().astype(np.float64) ** 2).sum() for p in m.parameters()))
    assert float(before) > 1.0 and after == pytest.approx(1.0, rel=1e-4)


def test_recurrent_errors():
    m = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match="input_size 3"):
        m(Tensor(randn(5, 2, 4).astype(np.float32)))
    with pytest.raises(ValueError, match=r"h0 must be a Tensor of shape \(2, 2, 4\)"):
        m(Tensor(randn(5, 2, 3).astype(np.float32)),
          (Tensor(randn(1, 2, 4).astype(np.float32)), Tensor(randn(2, 2, 4).astype(np.float32))))
    with pytest.raises(ValueError, match="pair"):
        m(Tensor(randn(5, 2, 3).astype(np.float32)), Tensor(randn(2, 2, 4)))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be a positive int"):
        nn.GRU(3, 0)
