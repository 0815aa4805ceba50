"""A PyTorch user's training loops against torch: the same MLP (weights copied from torch),
the same data, ``zero_grad() / backward() / step()`` for every optimizer and option, the
schedulers, param_groups edits, state_dict round trips and gradient clipping. Parameters and
learning rates must agree after every step (float64 to rounding; float32 within 1e-6)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from torch_oracle import needs_torch, torch

import autograd as ag
import nn
import optim

pytestmark = [needs_torch, pytest.mark.filterwarnings("ignore::UserWarning")]

rng = np.random.default_rng(3)
X = rng.standard_normal((16, 5))
Y = rng.standard_normal((16, 3))
STEPS = 20


class Lib:
    """One library's spellings: ``lib.nn``, ``lib.optim``, ``lib.sched``, ``lib.tensor``."""

    def __init__(self, name):
        self.name = name
        if name == "torch":
            self.nn, self.optim, self.sched = torch.nn, torch.optim, torch.optim.lr_scheduler
            self.F = torch.nn.functional
        else:
            self.nn, self.optim, self.sched = nn, optim, optim.lr_scheduler
            self.F = nn.functional

    def tensor(self, a):
        return torch.tensor(a) if self.name == "torch" else ag.Tensor(a)

    def array(self, t):
        return t.detach().numpy() if self.name == "torch" else t.data


TORCH, OURS = Lib("torch"), Lib("ours")
_WEIGHTS: dict[str, dict[str, np.ndarray]] = {}


def _model(lib, dtype="float64"):
    """The MLP 5-8-3 (tanh); both libraries get torch's seeded initial weights."""
    n = lib.nn
    net = n.Sequential(n.Linear(5, 8), n.Tanh(), n.Linear(8, 3))
    if not _WEIGHTS:
        torch.manual_seed(0)
        t = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
        _WEIGHTS.update({k: v.detach().double().numpy().copy()
                         for k, v in t.state_dict().items()})
    net.load_state_dict({k: lib.tensor(v.astype(dtype)) for k, v in _WEIGHTS.items()})
    return net.double() if dtype == "float64" else net.float()


def _run(lib, make_opt, make_sched=None, dtype="float64", steps=STEPS, every=None,
         metric_sched=False):
    """Train ``steps`` steps; returns [(flat params, lrs)] after each step."""
    net = _model(lib, dtype)
    opt = make_opt(lib, net)
    sched = make_sched(lib, opt) if make_sched else None
    x, y = lib.tensor(X.astype(dtype)), lib.tensor(Y.astype(dtype))
    out = []
    for i in range(steps):
        opt.zero_grad()
        loss = lib.F.mse_loss(net(x), y)
        loss.backward()
        if every is not None:
            every(lib, net, opt, i)
        opt.step()
        if sched is not None:
            if metric_sched:
                sched.step(loss.item())
            else:
                sched.step()
        flat = np.concatenate([lib.array(p).ravel() for p in net.parameters()])
        out.append((flat, [g["lr"] for g in opt.param_groups]))
    return out


def _compare(ours, theirs, dtype="float64", label=""):
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=0, atol=1e-6)
    assert len(ours) == len(theirs)
    for i, ((po, lo), (pt, lt)) in enumerate(zip(ours, theirs)):
        assert po.dtype == np.dtype(dtype), f"{label}: parameters became {po.dtype}"
        np.testing.assert_allclose(po, pt, err_msg=f"{label}: parameters after step {i + 1}",
                                   **tol)
        assert len(lo) == len(lt)
        for a, b in zip(lo, lt):
            assert math.isclose(a, b, rel_tol=1e-14, abs_tol=1e-18), (
                f"{label}: lr after step {i + 1}: {a} != torch {b}")


def _opt(name, **kw):
    return lambda lib, net: getattr(lib.optim, name)(net.parameters(), **kw)


OPTIMIZERS = {
    "SGD": _opt("SGD", lr=0.1),
    "SGD-momentum": _opt("SGD", lr=0.1, momentum=0.9),
    "SGD-dampening": _opt("SGD", lr=0.1, momentum=0.9, dampening=0.5, weight_decay=1e-2),
    "SGD-nesterov-wd": _opt("SGD", lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2),
    "SGD-maximize": _opt("SGD", lr=0.01, momentum=0.5, maximize=True),
    "Adam": _opt("Adam", lr=0.01),
    "Adam-amsgrad-wd": _opt("Adam", lr=0.01, amsgrad=True, weight_decay=0.1),
    "Adam-betas-eps": _opt("Adam", lr=0.02, betas=(0.8, 0.99), eps=1e-6),
    "Adam-decoupled": _opt("Adam", lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    "Adam-maximize-foreach": _opt("Adam", lr=0.001, maximize=True, foreach=False),
    "AdamW": _opt("AdamW", lr=0.01),
    "AdamW-amsgrad": _opt("AdamW", lr=0.01, amsgrad=True, weight_decay=0.05),
    "RMSprop": _opt("RMSprop", lr=0.01),
    "RMSprop-centered-momentum": _opt("RMSprop", lr=0.01, centered=True, momentum=0.9,
                                      weight_decay=0.1),
    "RMSprop-alpha": _opt("RMSprop", lr=0.005, alpha=0.9, eps=1e-6),
    "Adagrad": _opt("Adagrad", lr=0.1),
    "Adagrad-decay": _opt("Adagrad", lr=0.1, lr_decay=0.01, weight_decay=0.1,
                          initial_accumulator_value=0.1),
    "Adamax": _opt("Adamax", lr=0.01, weight_decay=0.1),
    "NAdam": _opt("NAdam", lr=0.01),
    "NAdam-decoupled": _opt("NAdam", lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    "RAdam": _opt("RAdam", lr=0.01, weight_decay=0.1),
    "Adadelta": _opt("Adadelta", lr=0.5, weight_decay=0.1),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_float64(name):
    make = OPTIMIZERS[name]
    _compare(_run(OURS, make), _run(TORCH, make), label=name)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_float32(name, backend):
    make = OPTIMIZERS[name]
    steps = 8 if "maximize" in name else STEPS  # ascent grows the weights: keep it short
    _compare(_run(OURS, make, dtype="float32", steps=steps),
             _run(TORCH, make, dtype="float32", steps=steps), "float32", label=name)


def _sched(name, **kw):
    return lambda lib, opt: getattr(lib.sched, name)(opt, **kw)


SCHEDULERS = {
    "StepLR": _sched("StepLR", step_size=3, gamma=0.5),
    "MultiStepLR": _sched("MultiStepLR", milestones=[3, 7, 7], gamma=0.5),
    "ExponentialLR": _sched("ExponentialLR", gamma=0.9),
    "CosineAnnealingLR": _sched("CosineAnnealingLR", T_max=10),
    "CosineAnnealingLR-eta_min-restart": _sched("CosineAnnealingLR", T_max=6, eta_min=0.01),
    "LambdaLR": _sched("LambdaLR", lr_lambda=lambda e: 0.95**e),
    "MultiplicativeLR": _sched("MultiplicativeLR", lr_lambda=lambda e: 0.9),
    "LinearLR": _sched("LinearLR", start_factor=0.1, total_iters=5),
    "LinearLR-decay": _sched("LinearLR", start_factor=1.0, end_factor=0.2, total_iters=8),
    "ConstantLR": _sched("ConstantLR", factor=0.5, total_iters=4),
    "PolynomialLR": _sched("PolynomialLR", total_iters=10, power=2.0),
    "CosineAnnealingWarmRestarts": _sched("CosineAnnealingWarmRestarts", T_0=5, T_mult=2,
                                          eta_min=1e-3),
    "OneCycleLR": _sched("OneCycleLR", max_lr=0.1, total_steps=STEPS),
    "OneCycleLR-linear-3phase": _sched("OneCycleLR", max_lr=0.2, epochs=4, steps_per_epoch=5,
                                       anneal_strategy="linear", three_phase=True),
    "CyclicLR": _sched("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR-triangular2": _sched("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=3,
                                   step_size_down=2, mode="triangular2"),
    "CyclicLR-exp_range": _sched("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=3,
                                 mode="exp_range", gamma=0.9),
    "SequentialLR-warmup-cosine": lambda lib, opt: lib.sched.SequentialLR(
        opt, [lib.sched.LinearLR(opt, start_factor=0.1, total_iters=4),
              lib.sched.CosineAnnealingLR(opt, T_max=16)], milestones=[4]),
    "SequentialLR-constant-exp": lambda lib, opt: lib.sched.SequentialLR(
        opt, [lib.sched.ConstantLR(opt, factor=0.2, total_iters=3),
              lib.sched.ExponentialLR(opt, gamma=0.9)], milestones=[5]),
    "ChainedScheduler": lambda lib, opt: lib.sched.ChainedScheduler(
        [lib.sched.ConstantLR(opt, factor=0.5, total_iters=4),
         lib.sched.ExponentialLR(opt, gamma=0.9)]),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler(name):
    make_opt = _opt("SGD", lr=0.1, momentum=0.9)
    if name.startswith("OneCycleLR-") or name.startswith("CyclicLR"):
        make_opt = _opt("Adam", lr=0.01)  # cycling beta1 instead of momentum
    _compare(_run(OURS, make_opt, SCHEDULERS[name]), _run(TORCH, make_opt, SCHEDULERS[name]),
             label=name)


@pytest.mark.parametrize("kw", [dict(patience=1, factor=0.5),
                                dict(mode="max", patience=0, factor=0.7, cooldown=2),
                                dict(patience=2, threshold=0.1, threshold_mode="abs",
                                     min_lr=0.02)])
def test_reduce_on_plateau(kw):
    make_sched = _sched("ReduceLROnPlateau", **kw)
    make_opt = _opt("SGD", lr=0.1, momentum=0.9)
    _compare(_run(OURS, make_opt, make_sched, metric_sched=True),
             _run(TORCH, make_opt, make_sched, metric_sched=True), label=str(kw))


def test_scheduler_get_last_lr_and_initial_lr():
    for lib in (OURS, TORCH):
        net = _model(lib)
        opt = lib.optim.SGD(net.parameters(), lr=0.1)
        s = lib.sched.StepLR(opt, step_size=2, gamma=0.1)
        got = []
        for _ in range(5):
            opt.step()
            s.step()
            got.append(s.get_last_lr())
        assert opt.param_groups[0]["initial_lr"] == 0.1
        assert s.last_epoch == 5
        if lib is OURS:
            ours = got
    assert ours == got


def _set_lr_at(step, lr):
    def every(lib, net, opt, i):
        if i == step:
            for g in opt.param_groups:
                g["lr"] = lr
    return every


@pytest.mark.parametrize("sched", [None, "StepLR", "ExponentialLR", "CosineAnnealingLR"])
def test_param_groups_lr_assignment(sched):
    """optimizer.param_groups[0]["lr"] = x takes effect, and chainable schedulers go on
    from it (as torch)."""
    make_opt = _opt("SGD", lr=0.1, momentum=0.9)
    make_sched = SCHEDULERS[sched] if sched else None
    every = _set_lr_at(6, 0.02)
    ours = _run(OURS, make_opt, make_sched, every=every)
    _compare(ours, _run(TORCH, make_opt, make_sched, every=every), label=str(sched))
    if sched is None:
        assert ours[6][1] == [0.02]


def test_add_param_group():
    """Freeze the last layer, then add it as a second group with its own lr mid-run."""
    def make_opt(lib, net):
        return lib.optim.Adam(list(net[0].parameters()), lr=0.01)

    def every(lib, net, opt, i):
        if i == 5:
            opt.add_param_group({"params": list(net[2].parameters()), "lr": 0.05})
            assert len(opt.param_groups) == 2
            assert opt.param_groups[1]["betas"] == (0.9, 0.999)  # defaults filled in

    _compare(_run(OURS, make_opt, every=every), _run(TORCH, make_opt, every=every))


def test_param_group_options_per_group():
    def make_opt(lib, net):
        return lib.optim.SGD([{"params": net[0].parameters()},
                              {"params": net[2].parameters(), "lr": 0.01, "momentum": 0.5}],
                             lr=0.1, momentum=0.9)

    def make_sched(lib, opt):
        return lib.sched.LambdaLR(opt, [lambda e: 1 / (e + 1), lambda e: 0.9**e])

    _compare(_run(OURS, make_opt, make_sched), _run(TORCH, make_opt, make_sched))


@pytest.mark.parametrize("name", ["SGD-momentum", "Adam-amsgrad-wd", "AdamW", "RMSprop-centered-"
                                  "momentum", "Adagrad-decay", "NAdam", "RAdam", "Adadelta"])
def test_state_dict_resume(name):
    """Save the model and optimizer after 10 steps, load both into fresh objects, train 10
    more: identical to the run that never stopped (and to torch's)."""
    make = OPTIMIZERS[name]
    saved = {}

    def every(lib, net, opt, i):
        if lib is OURS and i == 10:
            saved["opt"] = opt.state_dict()
            saved["net"] = copy.deepcopy(net.state_dict())  # torch users' habit: it shares

    full = _run(OURS, make, every=every, steps=11)
    assert "opt" in saved
    # the checkpoint was taken before step 11's update: resume from it
    net = _model(OURS)
    net.load_state_dict(saved["net"])
    opt = make(OURS, net)
    opt.load_state_dict(saved["opt"])
    x, y = ag.Tensor(X), ag.Tensor(Y)
    opt.zero_grad()
    nn.functional.mse_loss(net(x), y).backward()
    opt.step()
    flat = np.concatenate([p.data.ravel() for p in net.parameters()])
    np.testing.assert_array_equal(flat, full[10][0])
    theirs = _run(TORCH, make, steps=11)
    np.testing.assert_allclose(flat, theirs[10][0], rtol=1e-10, atol=1e-12)


def test_state_dict_layout_and_isolation():
    net = _model(OURS)
    opt = optim.Adam(net.parameters(), lr=0.01)
    nn.functional.mse_loss(net(ag.Tensor(X)), ag.Tensor(Y)).backward()
    opt.step()
    sd = opt.state_dict()
    assert sorted(sd) == ["param_groups", "state"]
    assert sorted(sd["state"]) == [0, 1, 2, 3]
    assert sorted(sd["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]
    assert sd["param_groups"][0]["params"] == [0, 1, 2, 3]
    assert sd["param_groups"][0]["lr"] == 0.01
    before = sd["state"][0]["exp_avg"].copy()
    opt.step()  # the saved dict is a copy: later steps leave it alone
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], before)
    other = optim.Adam(_model(OURS).parameters(), lr=0.5)
    other.load_state_dict(sd)
    assert other.param_groups[0]["lr"] == 0.01
    with pytest.raises(ValueError, match="parameter group"):
        optim.Adam([{"params": [net[0].weight]}, {"params": [net[0].bias]}]).load_state_dict(sd)


def test_scheduler_state_dict_resume():
    for lib in (OURS, TORCH):
        net = _model(lib)
        opt = lib.optim.SGD(net.parameters(), lr=0.1)
        s = lib.sched.OneCycleLR(opt, max_lr=0.5, total_steps=12)
        for _ in range(5):
            opt.step()
            s.step()
        sd, osd = s.state_dict(), opt.state_dict()
        net2 = _model(lib)
        opt2 = lib.optim.SGD(net2.parameters(), lr=0.1)
        s2 = lib.sched.OneCycleLR(opt2, max_lr=0.5, total_steps=12)
        opt2.load_state_dict(osd)
        s2.load_state_dict(sd)
        lrs = []
        for _ in range(6):
            opt2.step()
            s2.step()
            lrs += [opt2.param_groups[0]["lr"], opt2.param_groups[0]["momentum"]]
        if lib is OURS:
            ours = lrs
    assert ours == pytest.approx(lrs, rel=1e-14)


def test_clip_grad_norm_in_loop():
    def every(lib, net, opt, i):
        total = lib.nn.utils.clip_grad_norm_(net.parameters(), max_norm=0.5)
        vtotal = lib.nn.utils.clip_grad_value_(net.parameters(), clip_value=0.05)
        assert vtotal is None
        assert tuple(total.shape) == ()
        lib.norms = getattr(lib, "norms", []) + [float(lib.array(total))]

    make = _opt("SGD", lr=0.1, momentum=0.9)
    _compare(_run(OURS, make, every=every), _run(TORCH, make, every=every))
    np.testing.assert_allclose(OURS.norms, TORCH.norms, rtol=1e-12)


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.0, math.inf, "inf"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("max_norm", [0.3, 1e3])
def test_clip_grad_norm(norm_type, dtype, max_norm):
    nt = math.inf if norm_type == "inf" else norm_type
    grads = [rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(5).astype(dtype)]
    res = {}
    for lib in (OURS, TORCH):
        ps = []
        for g in grads:
            p = lib.tensor(np.zeros_like(g))
            p.requires_grad_(True)
            p.grad = lib.tensor(g.copy())
            ps.append(p)
        total = lib.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=nt)
        res[lib.name] = (total, [lib.array(p.grad).copy() for p in ps])
    (to, go), (tt, gt) = res["ours"], res["torch"]
    assert str(to.dtype) == str(tt.dtype).replace("torch.", "")
    tol = 1e-12 if dtype == "float64" else 1e-6
    np.testing.assert_allclose(float(to.data), tt.item(), rtol=tol)
    for a, b in zip(go, gt):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_clip_grad_edge_cases():
    w = nn.Parameter(np.zeros(3, np.float32))
    total = nn.utils.clip_grad_norm_([w], 1.0)  # no gradients: 0, as torch
    assert float(total.data) == 0.0 and total.dtype == np.float32
    w.grad = ag.Tensor(np.array([np.nan, 1.0, 2.0], np.float32))
    with pytest.raises(RuntimeError, match="non-finite|nan"):
        nn.utils.clip_grad_norm_(w, 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm"):
        nn.utils.clip_grad_norm_(w, -1.0)
    w.grad = ag.Tensor(np.array([3.0, -4.0, 0.5], np.float32))
    nn.utils.clip_grad_value_(w, 1.0, foreach=None)
    np.testing.assert_array_equal(w.grad.data, [1.0, -1.0, 0.5])
    total = nn.utils.get_total_norm([ag.Tensor(np.array([3.0, 4.0]))])
    assert float(total.data) == 5.0


def test_parameters_to_vector_round_trip():
    net = _model(OURS)
    tnet = _model(TORCH)
    v = nn.utils.parameters_to_vector(net.parameters())
    tv = torch.nn.utils.parameters_to_vector(tnet.parameters())
    np.testing.assert_array_equal(v.data, tv.detach().numpy())
    nn.utils.vector_to_parameters(v * 2, net.parameters())
    np.testing.assert_array_equal(net[0].weight.data, 2 * tnet[0].weight.detach().numpy())
    with pytest.raises(ValueError, match="elements"):
        nn.utils.vector_to_parameters(v[:3], net.parameters())


def test_step_closure_returns_loss():
    for lib in (OURS, TORCH):
        net = _model(lib)
        opt = lib.optim.SGD(net.parameters(), lr=0.1)
        x, y = lib.tensor(X), lib.tensor(Y)

        def closure(opt=opt, lib=lib, net=net, x=x, y=y):
            opt.zero_grad()
            loss = lib.F.mse_loss(net(x), y)
            loss.backward()
            return loss

        losses = [float(lib.array(opt.step(closure))) for _ in range(3)]
        if lib is OURS:
            ours = losses
    np.testing.assert_allclose(ours, losses, rtol=1e-12)
    assert ours[2] < ours[0]


def test_zero_grad_and_frozen_params():
    for lib in (OURS, TORCH):
        net = _model(lib)
        net[0].requires_grad_(False)  # freeze the first layer
        opt = lib.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.1)
        before = lib.array(net[0].weight).copy()
        lib.F.mse_loss(net(lib.tensor(X)), lib.tensor(Y)).backward()
        assert net[0].weight.grad is None
        assert net[2].weight.grad is not None
        opt.step()
        np.testing.assert_array_equal(lib.array(net[0].weight), before)
        opt.zero_grad()
        assert all(p.grad is None for p in net.parameters())
        assert len(opt.param_groups[0]["params"]) == 2


def test_optimizer_errors():
    net = _model(OURS)
    with pytest.raises(ValueError, match="lr"):
        optim.SGD(net.parameters(), lr=-0.1)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam(net.parameters(), betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD(net.parameters(), lr=0.1, nesterov=True)
    with pytest.raises(TypeError, match="parameters"):
        optim.Adam(net)
    with pytest.raises(ValueError, match="momentum_decay"):
        optim.NAdam(net.parameters(), momentum_decay=-1)
    with pytest.raises(ValueError, match="rho"):
        optim.Adadelta(net.parameters(), rho=1.5)
    opt = optim.SGD(net.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [net[0].weight]})
    with pytest.raises(ValueError, match="unknown option"):
        opt.add_param_group({"params": [nn.Parameter(np.zeros(2))], "lrr": 0.1})


def test_scheduler_errors():
    opt = optim.SGD(_model(OURS).parameters(), lr=0.1, momentum=0.9)
    with pytest.raises(TypeError, match="Optimizer"):
        optim.lr_scheduler.StepLR(object(), step_size=2)
    with pytest.raises(KeyError, match="initial_lr"):
        optim.lr_scheduler.StepLR(opt, step_size=2, last_epoch=3)
    with pytest.raises(ValueError, match="total_steps"):
        optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1)
    s = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=2)
    s.step()
    s.step()
    with pytest.raises(ValueError, match="total_steps=2"):
        s.step()
    with pytest.raises(ValueError, match="milestone"):
        optim.lr_scheduler.SequentialLR(opt, [optim.lr_scheduler.ConstantLR(opt)],
                                        milestones=[3])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        optim.lr_scheduler.ChainedScheduler([optim.lr_scheduler.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="factor"):
        optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="momentum"):
        optim.lr_scheduler.CyclicLR(optim.Adagrad(_model(OURS).parameters()), 0.01, 0.1)
    with pytest.raises(ValueError, match="lr_lambda"):
        optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0, lambda e: 2.0])


def test_step_epoch_closed_form():
    """The deprecated ``scheduler.step(epoch)`` jumps by the closed form, as torch."""
    res = []
    for lib in (OURS, TORCH):
        opt = lib.optim.SGD(_model(lib).parameters(), lr=0.1)
        s = lib.sched.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
        s.step(5)
        c = lib.sched.CosineAnnealingWarmRestarts(
            lib.optim.SGD(_model(lib).parameters(), lr=0.1), T_0=3, T_mult=2)
        c.step(7.5)
        res.append((opt.param_groups[0]["lr"], c.get_last_lr()[0]))
    assert res[0] == pytest.approx(res[1], rel=1e-14)


def _custom_sgd(lib, m):
    """The custom optimizer a torch user writes: subclass Optimizer, read self.state[p]."""
    class MySGD(lib.optim.Optimizer):
        def __init__(self, params, lr=0.01, momentum=0.9):
            super().__init__(params, dict(lr=lr, momentum=momentum))

        @m.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    st = self.state[p]
                    if "buf" not in st:
                        st["buf"] = p.grad.clone()
                    else:
                        st["buf"].mul_(group["momentum"]).add_(p.grad)
                    p.add_(st["buf"], alpha=-group["lr"])

    return lambda lib, net: MySGD(net.parameters(), lr=0.1)


def test_custom_optimizer_and_state_by_parameter():
    _compare(_run(OURS, _custom_sgd(OURS, ag)), _run(TORCH, _custom_sgd(TORCH, torch)))
    net = _model(OURS)
    opt = optim.Adam(net.parameters(), lr=0.01)
    nn.functional.mse_loss(net(ag.Tensor(X)), ag.Tensor(Y)).backward()
    opt.step()
    w = net[0].weight
    assert w in opt.state and sorted(opt.state[w]) == ["exp_avg", "exp_avg_sq", "step"]
    assert opt.state[w]["exp_avg"].shape == w.shape
    fresh = nn.Parameter(np.zeros(2))
    assert opt.state[fresh] == {}  # a defaultdict, as torch
    assert sorted(opt.state_dict()["state"]) == [0, 1, 2, 3]


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "NAdam",
                                  "RAdam", "Adamax", "Adadelta"])
def test_param_group_keys_and_repr_match_torch(name):
    """print(optimizer) and the group's options (defaults included) read as torch's."""
    ours = getattr(optim, name)([nn.Parameter(np.zeros(2))], lr=0.5)
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], lr=0.5)
    assert repr(ours) == repr(theirs)
    g, tg = ours.param_groups[0], theirs.param_groups[0]
    assert sorted(g) == sorted(tg)
    assert {k: v for k, v in g.items() if k != "params"} == \
        {k: v for k, v in tg.items() if k != "params"}


def _lbfgs_run(lib, dtype, kw, steps):
    net = _model(lib, dtype)
    opt = lib.optim.LBFGS(net.parameters(), **kw)
    x, y = lib.tensor(X.astype(dtype)), lib.tensor(Y.astype(dtype))

    def closure():
        opt.zero_grad()
        loss = lib.F.mse_loss(net(x), y)
        loss.backward()
        return loss

    losses = [float(lib.array(opt.step(closure))) for _ in range(steps)]
    flat = np.concatenate([lib.array(p).ravel() for p in net.parameters()])
    st = opt.state[net[0].weight]
    return losses, flat, st["func_evals"], st["n_iter"]


@pytest.mark.parametrize("kw", [{}, dict(line_search_fn="strong_wolfe"),
                                dict(lr=0.5, history_size=3, max_iter=7)])
def test_lbfgs(kw):
    ours, theirs = _lbfgs_run(OURS, "float64", kw, 3), _lbfgs_run(TORCH, "float64", kw, 3)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-7, atol=1e-9)
    assert ours[2:] == theirs[2:]  # the same number of evaluations and iterations
    ours, theirs = (_lbfgs_run(OURS, "float32", dict(kw, max_iter=3), 1),
                    _lbfgs_run(TORCH, "float32", dict(kw, max_iter=3), 1))
    np.testing.assert_allclose(ours[1], theirs[1], atol=1e-5)


def test_lbfgs_errors():
    net = _model(OURS)
    with pytest.raises(ValueError, match="line_search_fn"):
        optim.LBFGS(net.parameters(), line_search_fn="armijo")
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [net[0].weight]}, {"params": [net[0].bias]}])
    with pytest.raises(TypeError, match="closure"):
        optim.LBFGS(net.parameters()).step(None)
