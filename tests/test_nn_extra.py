"""CosineSimilarity, PairwiseDistance, Bilinear, EmbeddingBag, F.gumbel_softmax, Rprop, ASGD
and nn.utils.weight_norm: hand-computed values, finite-difference gradients, torch where
installed (values, gradients, 20-step optimizer trajectories, state_dicts both ways)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from torch_oracle import needs_torch, torch

import autograd as ag
import nn
import optim
from autograd import Tensor
from autograd.gradcheck import gradcheck

F = nn.functional
rng = np.random.default_rng(11)


def _t(a, grad=True):
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# ---------------------------------------------------------------- distances and Bilinear
def test_distance_modules_hand_computed():
    a, b = _t([[3.0, 4.0], [1.0, 0.0]]), _t([[4.0, 3.0], [0.0, 2.0]])
    np.testing.assert_allclose(nn.CosineSimilarity()(a, b).data, [24 / 25, 0.0])
    np.testing.assert_allclose(nn.CosineSimilarity(dim=0)(a, b).data,
                               [12 / (np.sqrt(10) * 4), 12 / (4 * np.sqrt(13))])
    d = nn.PairwiseDistance(eps=0.0)(a, b)
    np.testing.assert_allclose(d.data, [np.sqrt(2), np.sqrt(5)])
    assert nn.PairwiseDistance(p=1, eps=0.0, keepdim=True)(a, b).shape == (2, 1)
    np.testing.assert_allclose(nn.PairwiseDistance(p=1, eps=0.0)(a, b).data, [2.0, 3.0])
    with pytest.raises(ValueError, match="p must be a number > 0"):
        nn.PairwiseDistance(p=0)
    with pytest.raises(TypeError, match="dim must be an int"):
        nn.CosineSimilarity(dim=1.5)


def test_bilinear_hand_computed_and_shapes():
    m = nn.Bilinear(2, 3, 1, dtype=np.float64)
    assert m.weight.shape == (1, 2, 3) and m.bias.shape == (1,)
    m.weight.data[...] = np.arange(6.0).reshape(1, 2, 3)
    m.bias.data[...] = 0.5
    y = m(_t([[1.0, 2.0]]), _t([[1.0, 0.0, -1.0]]))
    # x1 A x2 = [1,2] @ [[0,1,2],[3,4,5]] @ [1,0,-1] = [6,9,12] @ [1,0,-1] = -6
    np.testing.assert_allclose(y.data, [[-5.5]])
    assert m(_t(rng.standard_normal((4, 5, 2))), _t(rng.standard_normal((4, 5, 3)))
             ).shape == (4, 5, 1)
    assert list(m.state_dict()) == ["weight", "bias"]
    assert nn.Bilinear(2, 3, 4, bias=False).bias is None
    bound = 1 / np.sqrt(5)
    w = nn.Bilinear(5, 7, 40).weight.data
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    with pytest.raises(ValueError, match="in2_features must be a positive int"):
        nn.Bilinear(2, 0, 3)
    with pytest.raises(Exception, match="do not match weight"):
        m(_t([[1.0, 2.0]]), _t([[1.0, 0.0]]))
    with pytest.raises(Exception, match="same leading"):
        m(_t([[1.0, 2.0]]), _t([[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]]))


def test_gradients_by_finite_differences():
    x1, x2 = _t(rng.standard_normal((3, 4))), _t(rng.standard_normal((3, 4)))
    assert gradcheck(lambda a, b: nn.CosineSimilarity()(a, b), [x1, x2])
    assert gradcheck(lambda a, b: nn.PairwiseDistance(p=3)(a, b), [x1, x2])
    w, b = _t(rng.standard_normal((2, 4, 5))), _t(rng.standard_normal(2))
    y2 = _t(rng.standard_normal((3, 5)))
    assert gradcheck(lambda a, c, w, b: F.bilinear(a, c, w, b), [x1, y2, w, b])
    table = _t(rng.standard_normal((6, 3)))
    idx, off = np.array([1, 2, 2, 5, 0, 3, 1]), np.array([0, 3, 3, 5])
    psw = _t(rng.standard_normal(7))
    for mode in ("sum", "mean", "max"):
        assert gradcheck(lambda t, mode=mode: F.embedding_bag(idx, t, off, mode=mode,
                                                              padding_idx=0), [table])
    assert gradcheck(lambda t, s: F.embedding_bag(idx, t, off, mode="sum",
                                                  per_sample_weights=s), [table, psw])


# ------------------------------------------------------------------------ EmbeddingBag
def test_embedding_bag_hand_computed():
    w = np.arange(12.0).reshape(4, 3)  # row i = [3i, 3i+1, 3i+2]
    bag = nn.EmbeddingBag.from_pretrained(w, mode="sum")
    np.testing.assert_allclose(bag(np.array([[0, 1], [3, 3]])).data,
                               [[3, 5, 7], [18, 20, 22]])
    mean = nn.EmbeddingBag.from_pretrained(w, padding_idx=1)
    out = mean(np.array([1, 2, 0, 1, 3, 1]), np.array([0, 1, 4, 4]))
    # bags [1] (padding only) -> 0, [2, 0, 1] -> mean of rows 2, 0, [] -> 0, [3, 1] -> row 3
    np.testing.assert_allclose(out.data, [[0, 0, 0], [3, 4, 5], [0, 0, 0], [9, 10, 11]])
    mx = nn.EmbeddingBag.from_pretrained(w * np.array([1, -1, 1]), mode="max",
                                         include_last_offset=True)
    np.testing.assert_allclose(mx(np.array([0, 2, 1, 3]), np.array([0, 2, 2, 4])).data,
                               [[6, -1, 8], [0, 0, 0], [9, -4, 11]])
    s = nn.EmbeddingBag.from_pretrained(w, mode="sum")
    np.testing.assert_allclose(s(np.array([[0, 3]]), per_sample_weights=Tensor(
        np.array([[2.0, -1.0]]))).data, [[-9, -8, -7]])


def test_embedding_bag_gradients_and_errors():
    bag = nn.EmbeddingBag(5, 2, mode="sum", padding_idx=4, dtype=np.float64)
    assert np.all(bag.weight.data[4] == 0) and list(bag.state_dict()) == ["weight"]
    bag(np.array([[0, 0, 4], [3, 1, 0]])).sum().backward()
    np.testing.assert_allclose(bag.weight.grad.data[:, 0], [3, 1, 0, 1, 0])
    x = np.array([0, 1])
    with pytest.raises(ValueError, match="needs offsets"):
        bag(x)
    with pytest.raises(ValueError, match="offsets must\\s+be None"):
        bag(np.array([[0, 1]]), np.array([0]))
    with pytest.raises(ValueError, match="offsets\\[0\\] must be 0"):
        bag(x, np.array([1]))
    with pytest.raises(ValueError, match="non-decreasing"):
        bag(x, np.array([0, 3]))
    with pytest.raises(IndexError, match="index 7 is out of range for 5"):
        bag(np.array([7]), np.array([0]))
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        nn.EmbeddingBag(5, 2)(x, np.array([0]), per_sample_weights=Tensor(np.ones(2)))
    with pytest.raises(ValueError, match="same shape as the input"):
        bag(x, np.array([0]), per_sample_weights=Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="mode must be one of"):
        nn.EmbeddingBag(5, 2, mode="min")
    with pytest.raises(TypeError, match="must be integers"):
        bag(np.array([0.5]), np.array([0]))


# ---------------------------------------------------------------------- gumbel_softmax
def test_gumbel_softmax_draws_from_autograd_rng():
    logits = _t(np.log([[0.7, 0.2, 0.1]] * 4000))
    ag.manual_seed(5)
    y = F.gumbel_softmax(logits, tau=0.5)
    ag.manual_seed(5)
    e = ag.rng().exponential(size=logits.shape)
    z = (logits.data - np.log(e)) / 0.5
    want = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(y.data, want / want.sum(1, keepdims=True), rtol=1e-12)
    ag.manual_seed(5)
    h = F.gumbel_softmax(logits, hard=True)
    assert set(np.unique(h.data)) <= {0.0, 1.0} and np.all(h.data.sum(1) == 1)
    # the argmax of logits + Gumbel noise is a sample of softmax(logits)
    np.testing.assert_allclose(h.data.mean(0), [0.7, 0.2, 0.1], atol=0.03)
    # straight-through: the hard sample's gradient is the soft sample's
    ag.manual_seed(6)
    F.gumbel_softmax(logits[:3], tau=2.0, hard=True).sum(0)[0].backward()
    g_hard = logits.grad.data[:3].copy()
    logits.grad = None
    ag.manual_seed(6)
    F.gumbel_softmax(logits[:3], tau=2.0).sum(0)[0].backward()
    np.testing.assert_allclose(g_hard, logits.grad.data[:3], rtol=1e-12)
    assert np.abs(g_hard).max() > 0
    assert F.gumbel_softmax(_t(np.zeros((2, 3, 4))), dim=1, hard=True).data.sum(1).tolist() \
        == np.ones((2, 4)).tolist()
    with pytest.raises(ValueError, match="tau"):
        F.gumbel_softmax(logits, tau=0)
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        F.gumbel_softmax(logits, dim=2)


# -------------------------------------------------------------------------- optimizers
P0 = np.array([[0.5, -1.0, 2.0], [0.1, 0.0, -0.3]])
GRADS = [np.array([[0.1, -0.2, 0.3], [1.0, -1.5, 0.0]]),
         np.array([[-0.4, 0.2, 0.3], [0.5, 0.5, 2.0]]),
         np.array([[0.05, 0.0, -0.7], [-1.0, 0.3, 0.1]])]


def test_rprop_hand_computed():
    p = nn.Parameter(np.array([1.0, 1.0, 1.0]))
    opt = optim.Rprop([p], lr=0.1, step_sizes=(0.01, 0.15))
    seen = []
    for g in ([1.0, 1.0, 0.0], [1.0, -1.0, 2.0], [1.0, 3.0, 2.0]):
        p.grad = Tensor(np.array(g))
        opt.step()
        seen.append(p.data.copy())
    # element 0: steps 0.1, 0.12, 0.144; element 1: 0.1, then sign flips: size 0.05 and no
    # move, then (prev counted 0) a move of 0.05; element 2: no grad, then 0.1, 0.12
    np.testing.assert_allclose(seen, [[0.9, 0.9, 1.0], [0.78, 0.9, 0.9],
                                      [0.636, 0.85, 0.78]], rtol=1e-12)
    st = opt.state[p]
    assert st["step"] == 3 and sorted(st) == ["prev", "step", "step_size"]
    np.testing.assert_allclose(st["step_size"], [0.144, 0.05, 0.12])


def test_asgd_hand_computed():
    p = nn.Parameter(np.array([2.0]))
    opt = optim.ASGD([p], lr=0.1, lambd=0.5, alpha=1.0, t0=1)
    p.grad = Tensor(np.array([1.0]))
    e1, e2, e3 = (float(np.float32(0.1 / (1 + 0.05 * t))) for t in range(3))  # float32 etas
    opt.step()  # p = 2 (1 - 0.5 eta) - eta ~ 1.8; ax = p; eta = 0.1 / 1.05; mu = 1
    want = 2 * (1 - 0.5 * e1) - e1
    np.testing.assert_allclose(p.data, [want], rtol=1e-15)
    assert abs(want - 1.8) < 1e-8
    st = opt.state[p]
    assert st["eta"] == np.float32(0.1 / 1.05) and st["mu"] == 1.0 and st["step"] == 1
    opt.step()
    want = want * (1 - 0.5 * e2) - e2
    np.testing.assert_allclose(p.data, [want], rtol=1e-15)
    np.testing.assert_allclose(st["ax"], [want])  # mu was still 1: ax = p
    assert st["mu"] == 1.0  # 1 / max(1, 2 - 1)
    opt.step()
    assert st["mu"] == np.float32(0.5)
    want3 = want * (1 - 0.5 * e3) - e3
    np.testing.assert_allclose(p.data, [want3], rtol=1e-15)
    np.testing.assert_allclose(st["ax"], [want3])  # mu 1 at step 3's averaging too
    opt.step()  # now mu = 0.5: ax moves half way to p
    np.testing.assert_allclose(st["ax"], [want3 + 0.5 * (p.data[0] - want3)], rtol=1e-15)


def test_optimizer_errors():
    p = nn.Parameter(np.ones(2))
    with pytest.raises(ValueError, match="0 < etaminus < 1 < etaplus"):
        optim.Rprop([p], etas=(1.2, 0.5))
    with pytest.raises(ValueError, match="etas must be a pair"):
        optim.Rprop([p], etas=0.5)
    with pytest.raises(ValueError, match="step_sizes must be"):
        optim.Rprop([p], step_sizes=(1.0, 0.1))
    with pytest.raises(ValueError, match="lr must be a number >= 0"):
        optim.Rprop([p], lr=-1)
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        optim.ASGD([p], weight_decay=-0.1)
    with pytest.raises(ValueError, match="alpha must be a number >= 0"):
        optim.ASGD([p], alpha=-1)


@pytest.mark.parametrize("cls,kw", [(optim.Rprop, dict(lr=0.05)),
                                    (optim.ASGD, dict(lr=0.05, t0=1, weight_decay=0.1))])
def test_state_dict_round_trip_and_values(cls, kw):
    def run(opt, p, grads):
        for g in grads:
            p.grad = Tensor(g)
            opt.step()

    p1 = nn.Parameter(P0.copy())
    o1 = cls([p1], **kw)
    run(o1, p1, GRADS[:2])
    sd = o1.state_dict()
    p2 = nn.Parameter(p1.data.copy())
    o2 = cls([p2], **kw)
    o2.load_state_dict(copy.deepcopy(sd))
    run(o1, p1, GRADS[2:])
    run(o2, p2, GRADS[2:])
    np.testing.assert_array_equal(p1.data, p2.data)
    # a scalar Value follows the same rule
    vs = [ag.Value(float(x)) for x in P0.ravel()]
    ov = cls(vs, **kw)
    for g in GRADS:
        for v, gi in zip(vs, g.ravel()):
            v.grad = float(gi)
        ov.step()
    np.testing.assert_allclose([v.data for v in vs], p1.data.ravel(), rtol=1e-12)


def _trajectory(lib, name, kw, dtype, steps=20):
    x = np.random.default_rng(3).standard_normal((16, 5)).astype(dtype)
    y = np.random.default_rng(4).standard_normal((16, 3)).astype(dtype)
    w0 = np.random.default_rng(5).standard_normal((3, 5)).astype(dtype) * 0.3
    if lib == "torch":
        w = torch.tensor(w0, requires_grad=True)
        opt = getattr(torch.optim, name)([w], **kw)
        X, Y = torch.tensor(x), torch.tensor(y)
    else:
        w = nn.Parameter(w0)
        opt = getattr(optim, name)([w], **kw)
        X, Y = Tensor(x), Tensor(y)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = (((X @ w.T) - Y) ** 2).mean()
        loss.backward()
        opt.step()
        out.append(w.detach().numpy().copy() if lib == "torch" else w.data.copy())
    return out, opt


TRAJ = [("Rprop", {}), ("Rprop", dict(lr=0.02, etas=(0.3, 1.5), step_sizes=(1e-3, 0.05))),
        ("Rprop", dict(maximize=True, lr=0.001)), ("ASGD", {}),
        ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=5, weight_decay=0.1))]


@needs_torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,kw", TRAJ, ids=[f"{n}-{i}" for i, (n, _) in enumerate(TRAJ)])
def test_trajectory_against_torch(name, kw, dtype):
    ours, o_opt = _trajectory("ours", name, kw, dtype)
    theirs, t_opt = _trajectory("torch", name, kw, dtype)
    tol = dict(rtol=1e-12, atol=1e-14) if dtype == "float64" else dict(rtol=0, atol=1e-6)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, err_msg=f"{name} step {i + 1}", **tol)
    # the state has torch's names and values
    so, st = o_opt.state_dict(), t_opt.state_dict()
    assert sorted(so["state"][0]) == sorted(st["state"][0])
    for k, v in st["state"][0].items():
        np.testing.assert_allclose(np.asarray(so["state"][0][k], dtype=np.float64),
                                   v.double().numpy(), err_msg=k, **tol)
    assert sorted(so["param_groups"][0]) == sorted(st["param_groups"][0])


@needs_torch
@pytest.mark.parametrize("name,kw", [("Rprop", dict(lr=0.02)),
                                     ("ASGD", dict(lr=0.05, t0=3, lambd=0.01))])
def test_optimizer_state_dict_loads_both_ways(name, kw):
    """Ours -> torch and torch -> ours mid-run: both continue on torch's trajectory."""
    full, _ = _trajectory("torch", name, kw, "float64", steps=10)
    _, t_opt = _trajectory("torch", name, kw, "float64", steps=5)
    _, o_opt = _trajectory("ours", name, kw, "float64", steps=5)
    x = np.random.default_rng(3).standard_normal((16, 5))
    y = np.random.default_rng(4).standard_normal((16, 3))

    def cont(lib, sd, w_now):
        if lib == "torch":
            w = torch.tensor(w_now.copy(), requires_grad=True)
            opt = getattr(torch.optim, name)([w], **kw)
            opt.load_state_dict({"state": {0: {k: torch.tensor(np.asarray(v))
                                               for k, v in sd["state"][0].items()}},
                                 "param_groups": sd["param_groups"]})
            X, Y = torch.tensor(x), torch.tensor(y)
        else:
            w = nn.Parameter(w_now.copy())
            opt = getattr(optim, name)([w], **kw)
            opt.load_state_dict({"state": {0: {k: (int(v.item()) if k == "step" else
                                                   np.float32(v.item()) if v.ndim == 0 else
                                                   v.numpy())
                                               for k, v in sd["state"][0].items()}},
                                 "param_groups": sd["param_groups"]})
            X, Y = Tensor(x), Tensor(y)
        for _ in range(5):
            opt.zero_grad()
            (((X @ w.T) - Y) ** 2).mean().backward()
            opt.step()
        return w.detach().numpy() if lib == "torch" else w.data

    w5 = full[4]
    np.testing.assert_allclose(cont("torch", o_opt.state_dict(), w5), full[9], rtol=1e-12)
    np.testing.assert_allclose(cont("ours", t_opt.state_dict(), w5), full[9], rtol=1e-12)


# ----------------------------------------------------------------------- weight_norm
def test_weight_norm_classic_api():
    lin = nn.Linear(3, 2, dtype=np.float64)
    w0 = lin.weight.data.copy()
    x = Tensor(rng.standard_normal((4, 3)))
    y0 = lin(x).data
    nn.utils.weight_norm(lin)
    assert list(lin.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert [n for n, _ in lin.named_parameters()] == ["bias", "weight_g", "weight_v"]
    np.testing.assert_allclose(lin.weight_g.data, np.linalg.norm(w0, axis=1, keepdims=True))
    np.testing.assert_allclose(lin(x).data, y0, rtol=1e-12)
    lin.weight_g.data[...] *= 2  # doubling the magnitude doubles x W^T
    np.testing.assert_allclose(lin(x).data - lin.bias.data, 2 * (y0 - lin.bias.data),
                               rtol=1e-12)
    g, v = Tensor(lin.weight_g.data.copy(), requires_grad=True), Tensor(
        lin.weight_v.data.copy(), requires_grad=True)
    assert gradcheck(lambda g, v: x @ (v * (g / (v * v).sum(1, keepdim=True).sqrt())).T,
                     [g, v])
    lin(x).sum().backward()
    assert lin.weight_g.grad is not None and lin.weight_v.grad is not None
    with pytest.raises(RuntimeError, match="two weight_norm hooks"):
        nn.utils.weight_norm(lin)
    nn.utils.remove_weight_norm(lin)
    assert list(lin.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(lin.weight.data, 2 * w0, rtol=1e-12)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(lin)
    with pytest.raises(ValueError, match="has no parameter 'kernel'"):
        nn.utils.weight_norm(lin, "kernel")
    conv = nn.utils.weight_norm(nn.Conv2d(2, 4, 3), dim=None)
    assert conv.weight_g.shape == ()
    assert nn.utils.weight_norm(nn.Conv2d(2, 4, 3), dim=1).weight_g.shape == (1, 2, 1, 1)


# ----------------------------------------------------------------- against torch.nn
@needs_torch
def test_modules_against_torch_values_grads_and_state_dicts():
    torch.manual_seed(0)
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    c = rng.standard_normal((4, 3))
    cases = [(nn.CosineSimilarity(dim=0, eps=1e-3), torch.nn.CosineSimilarity(0, 1e-3), (a, b)),
             (nn.PairwiseDistance(p=1.5, keepdim=True),
              torch.nn.PairwiseDistance(1.5, keepdim=True), (a, b)),
             (nn.Bilinear(5, 3, 2, dtype=np.float64), torch.nn.Bilinear(5, 3, 2).double(),
              (a, c))]
    for ours, theirs, ins in cases:
        ours.load_state_dict({k: Tensor(v.detach().numpy())
                              for k, v in theirs.state_dict().items()})
        xo = [Tensor(v.copy(), requires_grad=True) for v in ins]
        xt = [torch.tensor(v.copy(), requires_grad=True) for v in ins]
        yo, yt = ours(*xo), theirs(*xt)
        np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-12)
        up = rng.standard_normal(yo.shape)
        (yo * Tensor(up)).sum().backward()
        (yt * torch.tensor(up)).sum().backward()
        for u, v in zip(xo, xt):
            np.testing.assert_allclose(u.grad.data, v.grad.numpy(), rtol=1e-10, atol=1e-12)
        for (ko, po), (kt, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert ko == kt
            np.testing.assert_allclose(po.grad.data, pt.grad.numpy(), rtol=1e-10)
    # a numbagrad Bilinear's state dict loads into torch with the same outputs
    ob, tb = nn.Bilinear(5, 3, 2, dtype=np.float64), torch.nn.Bilinear(5, 3, 2).double()
    tb.load_state_dict({k: torch.tensor(v.data) for k, v in ob.state_dict().items()})
    np.testing.assert_allclose(tb(torch.tensor(a), torch.tensor(c)).detach().numpy(),
                               ob(Tensor(a), Tensor(c)).data, rtol=1e-12)


@needs_torch
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_against_torch(mode):
    tb = torch.nn.EmbeddingBag(9, 4, mode=mode, padding_idx=2).double()
    ob = nn.EmbeddingBag(9, 4, mode=mode, padding_idx=2, dtype=np.float64)
    ob.load_state_dict({k: Tensor(v.detach().numpy()) for k, v in tb.state_dict().items()})
    tb2 = torch.nn.EmbeddingBag(9, 4, mode=mode, padding_idx=2).double()
    tb2.load_state_dict({k: torch.tensor(v.data) for k, v in ob.state_dict().items()})
    idx = rng.integers(0, 9, 12)
    idx[3] = 2
    off = np.array([0, 3, 3, 7, 8])
    psw = rng.standard_normal(12) if mode == "sum" else None
    for twod in (False, True):
        i_, o_ = (idx.reshape(3, 4), None) if twod else (idx, off)
        ps_o = None if psw is None else Tensor(psw.reshape(i_.shape), requires_grad=True)
        ps_t = None if psw is None else torch.tensor(psw.reshape(i_.shape), requires_grad=True)
        yo = ob(i_, o_, per_sample_weights=ps_o)
        yt = tb2(torch.tensor(i_), None if o_ is None else torch.tensor(o_),
                 per_sample_weights=ps_t)
        np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-12, atol=1e-14)
        up = rng.standard_normal(yo.shape)
        ob.zero_grad()
        tb2.zero_grad()
        (yo * Tensor(up)).sum().backward()
        (yt * torch.tensor(up)).sum().backward()
        np.testing.assert_allclose(ob.weight.grad.data, tb2.weight.grad.numpy(), rtol=1e-10,
                                   atol=1e-12)
        if psw is not None:
            np.testing.assert_allclose(ps_o.grad.data, ps_t.grad.numpy(), rtol=1e-10)


@needs_torch
def test_weight_norm_state_dict_loads_both_ways():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        tl = torch.nn.utils.weight_norm(torch.nn.Linear(4, 3).double())
    ol = nn.utils.weight_norm(nn.Linear(4, 3, dtype=np.float64))
    ol.load_state_dict({k: Tensor(v.detach().numpy()) for k, v in tl.state_dict().items()})
    x = rng.standard_normal((2, 4))
    np.testing.assert_allclose(ol(Tensor(x)).data, tl(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12)
    ol.weight_g.data[...] *= 3
    tl.load_state_dict({k: torch.tensor(v.data) for k, v in ol.state_dict().items()})
    np.testing.assert_allclose(ol(Tensor(x)).data, tl(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12)


class _Two(nn.Module):
    """Calls a two-input module with its one input twice (export takes one input)."""

    def __init__(self, m):
        self.m = m

    def forward(self, x):
        return self.m(x, x)


class _One(nn.Module):
    def __init__(self, m):
        self.m = m

    def forward(self, x):
        return self.m(x)


@pytest.mark.parametrize("model,x,what", [
    (_One(nn.EmbeddingBag(5, 3, mode="max")), np.array([[0, 1], [2, 4]]), "indexing with"),
    (_One(nn.EmbeddingBag(5, 3)), np.array([[0, 1], [2, 4]]), "op 'indexadd'"),
    (_Two(nn.Bilinear(3, 3, 2)), np.ones((2, 3), np.float32), "op 'einsum'"),
    (_Two(nn.CosineSimilarity()), np.ones((2, 3), np.float32), "op 'where'")],
    ids=["EmbeddingBag-max", "EmbeddingBag-mean", "Bilinear", "CosineSimilarity"])
def test_onnx_export_refuses_unmapped_new_modules_clearly(tmp_path, model, x, what):
    pytest.importorskip("onnx")
    path = tmp_path / "m.onnx"
    with pytest.raises(NotImplementedError, match=f"export_onnx: no ONNX mapping for {what}"):
        nn.export_onnx(model, Tensor(x), path)
    assert not path.exists()


def test_onnx_export_of_a_weight_normed_linear_runs(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    lin = nn.utils.weight_norm(nn.Linear(3, 2))
    lin.weight_g.data[...] *= 1.5
    x = rng.standard_normal((4, 3)).astype(np.float32)
    nn.export_onnx(lin, Tensor(x), tmp_path / "m.onnx")
    sess = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    got = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    with ag.no_grad():
        np.testing.assert_allclose(got, lin(Tensor(x)).data, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------- spectral_norm
def test_spectral_norm_hand_computed_and_errors():
    lin = nn.Linear(2, 2, dtype=np.float64)
    lin.weight.data[...] = [[3.0, 0.0], [0.0, 1.0]]
    lin.bias.data[...] = 0.0
    nn.utils.spectral_norm(lin, n_power_iterations=30)
    assert list(lin.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert [n for n, _ in lin.named_parameters()] == ["bias", "weight_orig"]
    y = lin(_t([[1.0, 1.0]]))  # sigma -> 3: W / 3 = diag(1, 1/3)
    np.testing.assert_allclose(y.data, [[1.0, 1 / 3]], rtol=1e-12)
    np.testing.assert_allclose(np.abs(lin.weight_u.data), [1.0, 0.0], atol=1e-12)
    u0 = lin.weight_u.data.copy()
    lin.eval()  # no power step in eval: u stays
    lin(_t([[1.0, 1.0]]))
    np.testing.assert_array_equal(lin.weight_u.data, u0)
    # in eval, the output is a function of weight_orig alone: finite differences agree
    w = _t(rng.standard_normal((2, 2)))
    u, v = Tensor(lin.weight_u.data), Tensor(lin.weight_v.data)
    assert gradcheck(lambda w: w / (u * (w @ v)).sum(), [w])
    lin(_t([[1.0, 2.0]])).sum().backward()
    assert lin.weight_orig.grad is not None
    with pytest.raises(RuntimeError, match="two spectral_norm hooks"):
        nn.utils.spectral_norm(lin)
    nn.utils.remove_spectral_norm(lin)
    assert list(lin.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(lin.weight.data, [[1.0, 0.0], [0.0, 1 / 3]], atol=1e-12)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        nn.utils.remove_spectral_norm(lin)
    with pytest.raises(ValueError, match="n_power_iterations must be a positive int"):
        nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    assert nn.utils.spectral_norm(nn.ConvTranspose2d(2, 3, 3)).weight_u.shape == (3,)
    assert nn.utils.spectral_norm(nn.Conv2d(2, 3, 3)).weight_v.shape == (18,)


@needs_torch
@pytest.mark.parametrize("kind", ["Linear", "ConvTranspose2d"])
def test_spectral_norm_against_torch_both_ways(kind):
    import warnings
    args, x = ((4, 3), rng.standard_normal((2, 4))) if kind == "Linear" else (
        (2, 3, 3), rng.standard_normal((1, 2, 4, 4)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.utils.spectral_norm(getattr(torch.nn, kind)(*args).double())
    o = nn.utils.spectral_norm(getattr(nn, kind)(*args, dtype=np.float64))
    assert list(o.state_dict()) == list(t.state_dict())
    o.load_state_dict({k: Tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    for train in (True, True, False):  # two power steps, then eval
        t.train(train)
        o.train(train)
        yt, yo = t(torch.tensor(x)), o(Tensor(x))
        np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(o.weight_u.data, t.weight_u.numpy(), rtol=1e-10,
                                   atol=1e-13)
    up = rng.standard_normal(yo.shape)
    (yt * torch.tensor(up)).sum().backward()
    (yo * Tensor(up)).sum().backward()
    np.testing.assert_allclose(o.weight_orig.grad.data, t.weight_orig.grad.numpy(),
                               rtol=1e-10, atol=1e-13)
    t.load_state_dict({k: torch.tensor(v.data) for k, v in o.state_dict().items()})
    t.eval()
    o.eval()
    np.testing.assert_allclose(o(Tensor(x)).data, t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-13)


@needs_torch
def test_embedding_bag_max_norm_renormalises_in_place_as_torch():
    w = rng.standard_normal((6, 3)) * 2
    tb = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w.copy()), max_norm=1.0,
                                               mode="sum")
    ob = nn.EmbeddingBag.from_pretrained(w.copy(), max_norm=1.0, mode="sum")
    idx, off = np.array([0, 2, 2, 5, 1]), np.array([0, 2])
    yt = tb(torch.tensor(idx), torch.tensor(off))
    yo = ob(idx, off)
    np.testing.assert_allclose(yo.data, yt.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ob.weight.data, tb.weight.numpy(), rtol=1e-12)
    assert np.all(ob.weight.data[[3, 4]] == w[[3, 4]])  # rows not looked up are untouched
