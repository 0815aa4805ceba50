"""Optimizers: first three steps against hand-written rules (and torch when importable),
Value parameters, errors, state_dict; schedulers; gradient clipping."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
import optim
from autograd import Tensor, Value
from optim import lr_scheduler

P0 = np.array([[0.5, -1.0, 2.0], [0.1, 0.0, -0.3]])
GRADS = [np.array([[0.1, -0.2, 0.3], [1.0, -1.5, 0.0]]),
         np.array([[-0.4, 0.2, 0.3], [0.5, 0.5, 2.0]]),
         np.array([[0.05, 0.0, -0.7], [-1.0, 0.3, 0.1]])]


# ---- the rules as PyTorch documents them, written out independently of optim/ --------
def ref_sgd(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    p, b, out = P0.copy(), None, []
    for g in GRADS:
        d = g + weight_decay * p
        if momentum:
            b = d.copy() if b is None else momentum * b + (1 - dampening) * d
            d = d + momentum * b if nesterov else b
        p = p - lr * d
        out.append(p)
    return out


def ref_adam(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False):
    b1, b2 = betas
    p, m, v, vmax, out = P0.copy(), 0 * P0, 0 * P0, 0 * P0, []
    for t, g in enumerate(GRADS, start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1**t)
        vmax = np.maximum(vmax, v)
        vhat = (vmax if amsgrad else v) / (1 - b2**t)
        p = p - lr * mhat / (np.sqrt(vhat) + eps)
        out.append(p)
    return out


def ref_adagrad(lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    p, s, out = P0.copy(), np.full_like(P0, initial_accumulator_value), []
    for t, g in enumerate(GRADS, start=1):
        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (np.sqrt(s) + eps)
        out.append(p)
    return out


def ref_rmsprop(lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    p, v, a, b, out = P0.copy(), 0 * P0, 0 * P0, 0 * P0, []
    for g in GRADS:
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        vt = v
        if centered:
            a = alpha * a + (1 - alpha) * g
            vt = v - a * a
        step = g / (np.sqrt(vt) + eps)
        if momentum:
            b = momentum * b + step
            step = b
        p = p - lr * step
        out.append(p)
    return out


CASES = [
    (optim.SGD, dict(lr=0.1), ref_sgd),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.05), ref_sgd),
    (optim.SGD, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1), ref_sgd),
    (optim.Adam, dict(lr=0.01), ref_adam),
    (optim.Adam, dict(lr=0.02, betas=(0.8, 0.9), weight_decay=0.1, amsgrad=True), ref_adam),
    (optim.AdamW, dict(lr=0.02, weight_decay=0.1),
     lambda **k: ref_adam(decoupled=True, **k)),
    (optim.AdamW, dict(lr=0.02, weight_decay=0.3, amsgrad=True, eps=1e-3),
     lambda **k: ref_adam(decoupled=True, **k)),
    (optim.Adagrad, dict(lr=0.1), ref_adagrad),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.5, weight_decay=0.1,
                         initial_accumulator_value=0.2), ref_adagrad),
    (optim.RMSprop, dict(lr=0.01), ref_rmsprop),
    (optim.RMSprop, dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1),
     ref_rmsprop),
]
IDS = [f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(CASES)]


def run_tensor(cls, kwargs, dtype=np.float64):
    p = nn.Parameter(P0.astype(dtype))
    opt = cls([p], **kwargs)
    out = []
    for g in GRADS:
        p.grad = Tensor(g.astype(dtype))
        v0 = p._version
        opt.step()
        assert p._version == v0 + 1  # an in-place change is recorded
        out.append(p.data.copy())
    return out


def run_values(cls, kwargs):
    ps = [Value(float(x)) for x in P0.ravel()]
    opt = cls(ps, **kwargs)
    out = []
    for g in GRADS:
        for p, gi in zip(ps, g.ravel()):
            p.grad = float(gi)
        opt.step()
        out.append(np.array([p.data for p in ps]).reshape(P0.shape))
    return out


@pytest.mark.parametrize("cls,kwargs,ref", CASES, ids=IDS)
def test_first_three_steps_match_the_rule(backend, cls, kwargs, ref):
    expect = ref(**kwargs)
    for got, want in zip(run_tensor(cls, kwargs), expect):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    for got, want in zip(run_tensor(cls, kwargs, np.float32), expect):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("cls,kwargs,ref", CASES, ids=IDS)
def test_value_parameters_follow_the_same_rule(cls, kwargs, ref):
    for got, want in zip(run_values(cls, kwargs), ref(**kwargs)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cls,kwargs,ref", CASES, ids=IDS)
def test_against_torch(cls, kwargs, ref):
    torch = pytest.importorskip("torch")
    p = torch.tensor(P0, requires_grad=True)
    opt = getattr(torch.optim, cls.__name__)([p], **kwargs)
    for g, ours in zip(GRADS, run_tensor(cls, kwargs)):
        p.grad = torch.tensor(g)
        opt.step()
        np.testing.assert_allclose(ours, p.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_hand_computed_numbers():
    p = Value(1.0)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    seen = []
    for g in (1.0, 2.0, 3.0):  # buf 1, 2.9, 5.61
        p.grad = g
        opt.step()
        seen.append(p.data)
    assert seen == pytest.approx([0.9, 0.61, 0.049], abs=1e-12)
    q = nn.Parameter(np.array([1.0]))
    opt = optim.Adam([q], lr=0.1)
    seen = []
    for _ in range(3):  # a constant gradient: bias-corrected m/sqrt(v) = 1 each step
        q.grad = Tensor(np.array([0.5]))
        opt.step()
        seen.append(q.data[0])
    assert seen == pytest.approx([0.9, 0.8, 0.7], abs=1e-7)


def test_param_groups_zero_grad_and_skip_none():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    a.grad = Tensor(np.ones(2))
    opt.step()  # b has no grad: skipped
    np.testing.assert_allclose(a.data, 0.9)
    np.testing.assert_allclose(b.data, 1.0)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.data, 0.0)
    opt.zero_grad()
    assert a.grad is None
    v = Value(1.0)
    v.grad = 3.0
    optim.Adam([v]).zero_grad()
    assert v.grad == 0.0


def test_errors():
    p = nn.Parameter(np.ones(2))
    with pytest.raises(ValueError, match="appears more than once"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="appears more than once"):
        optim.Adam([{"params": [p]}, {"params": [p]}])
    with pytest.raises(ValueError, match=r"lr must be a number >= 0, got -0.1"):
        optim.Adam([p], lr=-0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(TypeError, match="iterable"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="does not require grad"):
        optim.SGD([Tensor(np.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match="unknown option"):
        optim.SGD([{"params": [p], "betas": (0.9, 0.9)}], lr=0.1)


def test_state_dict_roundtrip_continues_identically():
    def make():
        p = nn.Parameter(P0.copy())
        return p, optim.Adam([p], lr=0.05, amsgrad=True)

    p1, o1 = make()
    for g in GRADS[:2]:
        p1.grad = Tensor(g)
        o1.step()
    sd = o1.state_dict()
    assert sd["param_groups"][0]["params"] == [0] and sd["state"][0]["step"] == 2
    p2, o2 = make()
    p2.data[...] = p1.data
    o2.load_state_dict(sd)
    for p, o in ((p1, o1), (p2, o2)):
        p.grad = Tensor(GRADS[2])
        o.step()
    np.testing.assert_array_equal(p1.data, p2.data)
    with pytest.raises(ValueError, match="parameter group"):
        optim.Adam([{"params": [p2]}, {"params": [nn.Parameter(np.ones(1))]}]
                   ).load_state_dict(sd)


def _lrs(make_sched, n=8, lr=1.0):
    p = nn.Parameter(np.ones(1))
    opt = optim.SGD([p], lr=lr)
    s = make_sched(opt)
    out = [opt.param_groups[0]["lr"]]
    for _ in range(n - 1):
        opt.step()
        s.step()
        out.append(s.get_last_lr()[0])
    return out


def test_scheduler_curves():
    assert _lrs(lambda o: lr_scheduler.StepLR(o, 3, 0.5)) == pytest.approx(
        [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25])
    assert _lrs(lambda o: lr_scheduler.ExponentialLR(o, 0.9)) == pytest.approx(
        [0.9**k for k in range(8)])
    assert _lrs(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=4, eta_min=0.1)) == \
        pytest.approx([0.1 + 0.9 * (1 + math.cos(math.pi * k / 4)) / 2 for k in range(8)])
    assert _lrs(lambda o: lr_scheduler.LambdaLR(o, lambda e: 1 / (e + 1)), lr=0.3) == \
        pytest.approx([0.3 / (k + 1) for k in range(8)])


def test_reduce_lr_on_plateau():
    p = nn.Parameter(np.ones(1))
    opt = optim.SGD([p], lr=1.0)
    s = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    lrs = []
    for metric in [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]:
        s.step(metric)
        lrs.append(opt.param_groups[0]["lr"])
    # 3 bad epochs (> patience 2) halve the lr; the next epoch is cooldown; then 3 more ...
    assert lrs == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]
    for _ in range(4):
        s.step(0.9)
    assert opt.param_groups[0]["lr"] == 0.2  # floored at min_lr


def test_schedulers_against_torch():
    torch = pytest.importorskip("torch")
    makers = [
        (lambda o: lr_scheduler.StepLR(o, 2, 0.3), lambda o: torch.optim.lr_scheduler.StepLR(
            o, 2, 0.3)),
        (lambda o: lr_scheduler.CosineAnnealingLR(o, 5, 0.01),
         lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 5, 0.01)),
    ]
    for ours, theirs in makers:
        tp = torch.zeros(1, requires_grad=True)
        topt = torch.optim.SGD([tp], lr=0.5)
        ts = theirs(topt)
        want = [topt.param_groups[0]["lr"]]
        for _ in range(6):
            topt.step()
            ts.step()
            want.append(topt.param_groups[0]["lr"])
        assert _lrs(ours, 7, 0.5) == pytest.approx(want, rel=1e-9)
    tp = torch.zeros(1, requires_grad=True)
    topt = torch.optim.SGD([tp], lr=1.0)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, factor=0.5, patience=2, cooldown=1,
                                                    min_lr=0.2)
    p = nn.Parameter(np.ones(1))
    opt = optim.SGD([p], lr=1.0)
    s = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    for metric in [1.0, 0.9, 0.9, 0.95, 0.9, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]:
        ts.step(metric)
        s.step(metric)
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"])


def test_clip_grad_norm_and_value():
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(1))
    a.grad, b.grad = Tensor(np.array([3.0, 0.0])), Tensor(np.array([4.0]))
    v = Value(0.0)
    v.grad = 0.0
    total = nn.utils.clip_grad_norm_([a, b, v], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad.data, [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(b.grad.data, [0.8], rtol=1e-6)
    a.grad = Tensor(np.array([3.0, -0.5]))
    v.grad = -7.0
    nn.utils.clip_grad_value_([a, v], 1.0)
    np.testing.assert_array_equal(a.grad.data, [1.0, -0.5])
    assert v.grad == -1.0
    assert nn.utils.clip_grad_norm_([a], 10.0, norm_type=math.inf).item() == 1.0
    with pytest.raises(ValueError, match="max_norm"):
        nn.utils.clip_grad_norm_([a], -1.0)
