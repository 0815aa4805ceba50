"""A PyTorch user's habits in nn / optim / data, run on numbagrad and on torch: each fix of
the habits sweep pinned against torch's own behaviour (values, types, error types)."""

from __future__ import annotations

import types
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import autograd as ag
import nn
import optim
from autograd import data as D

torch = pytest.importorskip("torch")
TD = torch.utils.data

AG = types.SimpleNamespace(T=ag, nn=nn, optim=optim, D=D)
TH = types.SimpleNamespace(T=torch, nn=torch.nn, optim=torch.optim, D=TD)
BOTH = pytest.mark.parametrize("L", [AG, TH], ids=["numbagrad", "torch"])


def _np(x):
    """A copy of x's values (a snapshot, not a view)."""
    return x.detach().numpy().copy() if isinstance(x, torch.Tensor) else np.array(x.data)


def _desc(b):
    """A batch's structure and values, the same spelling for both libraries."""
    if isinstance(b, (ag.Tensor, torch.Tensor)):
        return ("T", tuple(b.shape), str(b.dtype).replace("torch.", ""), _np(b).tolist())
    if isinstance(b, dict):
        return (type(b).__name__, {k: _desc(v) for k, v in b.items()})
    if isinstance(b, (list, tuple)):
        return (type(b).__name__, [_desc(v) for v in b])
    return b


def _same(fn):
    a, t = fn(AG), fn(TH)
    assert a == t, (a, t)
    return a


def _copy(src, dst):
    dst.load_state_dict({k: v.detach().numpy().copy() for k, v in src.state_dict().items()})


# --------------------------------------------------------------------------- DataLoader
def test_dataloader_generator_is_read_each_epoch_so_reseeding_replays_the_order():
    # before: the loader kept the numpy generator it saw at construction, so
    # g.manual_seed(0) between epochs did not replay the order (torch's does)
    ds = D.TensorDataset(np.arange(12))
    g = ag.Generator().manual_seed(0)
    loader = D.DataLoader(ds, batch_size=12, shuffle=True, generator=g)
    first = next(iter(loader))[0].tolist()
    second = next(iter(loader))[0].tolist()
    g.manual_seed(0)
    again = next(iter(loader))[0].tolist()
    assert first == again and first != second and sorted(first) == list(range(12))
    # torch's contract, checked on torch itself
    tg = torch.Generator().manual_seed(0)
    tl = TD.DataLoader(TD.TensorDataset(torch.arange(12)), batch_size=12, shuffle=True,
                       generator=tg)
    t1 = next(iter(tl))[0].tolist()
    tg.manual_seed(0)
    assert next(iter(tl))[0].tolist() == t1


def test_dataloader_sampler_and_batch_sampler_attributes_are_torchs():
    # before: loader.sampler / loader.batch_sampler were None unless passed
    def attrs(L):
        ds = L.D.TensorDataset(L.T.arange(10))
        out = []
        for kw in ({"batch_size": 3}, {"batch_size": 3, "shuffle": True},
                   {"batch_size": None}, {"batch_size": 4, "drop_last": True}):
            dl = L.D.DataLoader(ds, **kw)
            bs = dl.batch_sampler
            out.append((type(dl.sampler).__name__, type(bs).__name__, len(dl),
                        None if bs is None else (bs.batch_size, bs.drop_last, len(bs))))
        return out
    got = _same(attrs)
    assert got[0] == ("SequentialSampler", "BatchSampler", 4, (3, False, 4))


def test_dataloader_option_checks_raise_as_torch():
    # before: prefetch_factor / persistent_workers without workers and a negative timeout
    # were accepted silently; shuffle on an IterableDataset was ignored
    class Stream(D.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    class TStream(TD.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    for L, stream in ((AG, Stream()), (TH, TStream())):
        ds = L.D.TensorDataset(L.T.arange(4))
        for kw in ({"prefetch_factor": 2}, {"persistent_workers": True}, {"timeout": -1},
                   {"num_workers": -1}):
            with pytest.raises(ValueError):
                L.D.DataLoader(ds, **kw)
        with pytest.raises(ValueError):
            L.D.DataLoader(stream, shuffle=True)
        with pytest.raises(ValueError):
            L.D.DataLoader(stream, sampler=[0, 1])
    # accepted with workers; numbagrad makes the batches in this process, in order
    dl = D.DataLoader(D.TensorDataset(np.arange(5)), batch_size=2, num_workers=2,
                      prefetch_factor=2, persistent_workers=True, pin_memory=True)
    assert [b[0].tolist() for b in dl] == [[0, 1], [2, 3], [4]]
    assert D.get_worker_info() is None and TD.get_worker_info() is None


def test_default_collate_is_public_and_keeps_torchs_structure():
    # before: no default_collate / default_convert; strings inside tuples came back as a
    # list (torch: the tuple zip gives), an OrderedDict sample as a plain dict
    samples = [("a", 1, 2.0, np.float32(3), True), ("b", 4, 5.0, np.float32(6), False)]
    _same(lambda L: _desc(L.D.default_collate(samples)))
    got = _same(lambda L: _desc(next(iter(L.D.DataLoader(samples, batch_size=2)))))
    assert got[1][0] == ("tuple", ["a", "b"])
    od = [OrderedDict([("x", np.ones(2)), ("y", 1)]), OrderedDict([("x", np.zeros(2)),
                                                                   ("y", 2)])]
    assert _same(lambda L: _desc(L.D.default_collate(od)))[0] == "OrderedDict"
    nested = [{"a": (1, [2.0, 3.0])}, {"a": (4, [5.0, 6.0])}]
    _same(lambda L: _desc(L.D.default_collate(nested)))
    _same(lambda L: _desc(L.D.default_convert((np.arange(3), 1, "s"))))
    strs = ["p", "q"]
    assert _same(lambda L: _desc(next(iter(L.D.DataLoader(strs, batch_size=2))))) == (
        "list", ["p", "q"])


def test_dataset_attributes_and_addition_as_torch():
    # before: no TensorDataset.tensors, ConcatDataset.cumulative_sizes, nor dataset + dataset
    def f(L):
        a = L.D.TensorDataset(L.T.arange(3), L.T.arange(3) * 10)
        b = L.D.TensorDataset(L.T.arange(5), L.T.arange(5) * 10)
        both = a + b
        return (type(both).__name__, len(both), both.cumulative_sizes,
                [_desc(t) for t in a.tensors], _desc(both[4]), _desc(both[-1]))
    got = _same(f)
    assert got[:3] == ("ConcatDataset", 8, [3, 8])


# --------------------------------------------------------------------------- Module
@BOTH
def test_assigning_a_plain_tensor_to_a_parameter_name_is_a_type_error(L):
    # before: m.weight = tensor silently replaced the Parameter, which then dropped out of
    # parameters() and state_dict()
    m = L.nn.Linear(2, 3)
    with pytest.raises(TypeError):
        m.weight = L.T.ones(3, 2)
    m.weight = L.nn.Parameter(L.T.ones(3, 2))  # a Parameter or None is fine
    m.bias = None
    assert [n for n, _ in m.named_parameters()] == ["weight"]


@BOTH
def test_register_buffer_name_checks_are_key_errors(L):
    # before: a buffer over an existing parameter replaced it silently; a dotted name was
    # a ValueError (torch: KeyError for both)
    m = L.nn.Linear(1, 1)
    with pytest.raises(KeyError):
        m.register_buffer("weight", L.T.ones(1))
    with pytest.raises(KeyError):
        m.register_buffer("a.b", L.T.ones(1))
    with pytest.raises(TypeError):
        m.register_buffer(3, L.T.ones(1))
    m.register_buffer("steps", L.T.zeros(1))
    m.register_buffer("steps", L.T.ones(1))  # re-registering a buffer is allowed
    with pytest.raises(TypeError):
        m.steps = 5
    m.steps = L.T.full((1,), 2.0)
    assert list(m.state_dict()) == ["weight", "bias", "steps"]
    assert _np(m.state_dict()["steps"]).tolist() == [2.0]


def test_parameter_list_wraps_plain_tensors_as_parameters_requiring_grad():
    # before: ParameterList([tensor]) kept the tensor's requires_grad=False
    def f(L):
        pl = L.nn.ParameterList([L.T.ones(2), L.nn.Parameter(L.T.zeros(3))])
        pl.append(L.T.ones(1))
        pd = L.nn.ParameterDict({"w": L.T.ones(2)})
        return ([(isinstance(p, L.nn.Parameter), p.requires_grad) for p in pl],
                pd["w"].requires_grad)
    assert _same(f) == ([(True, True)] * 3, True)


def test_load_state_dict_strict_false_reports_keys_as_torch():
    def f(L):
        m = L.nn.Sequential(OrderedDict([("fc", L.nn.Linear(2, 2)), ("bn", L.nn.BatchNorm1d(2))]))
        sd = m.state_dict()
        del sd["fc.bias"]
        sd["extra"] = L.T.zeros(1)
        r = m.load_state_dict(sd, strict=False)
        return r.missing_keys, r.unexpected_keys, list(m.state_dict())
    _same(f)


# --------------------------------------------------------------------------- optim
def test_a_tensor_learning_rate_is_accepted():
    # before: Adam(params, lr=torch.tensor(0.1)) was a ValueError
    def f(L):
        p = L.nn.Parameter(L.T.tensor([1.0, -2.0]))
        opt = L.optim.Adam([p], lr=L.T.tensor(0.1))
        for _ in range(3):
            opt.zero_grad()
            (p ** 2).sum().backward()
            opt.step()
        return np.round(_np(p), 6).tolist()
    _same(f)
    with pytest.raises(ValueError):
        optim.SGD([nn.Parameter(ag.ones(1))], lr=ag.tensor([0.1, 0.2]))


@BOTH
def test_scheduler_step_before_optimizer_step_warns(L):
    # before: numbagrad said nothing (torch: a UserWarning that the first lr is skipped)
    p = L.nn.Parameter(L.T.ones(2))
    opt = L.optim.SGD([p], lr=0.1)
    sched = L.optim.lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step"):
        sched.step()
    opt2 = L.optim.SGD([p], lr=0.1)
    sched2 = L.optim.lr_scheduler.CosineAnnealingLR(opt2, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt2.step()
        sched2.step()  # the right order: no warning


def test_training_loop_habits_match_torch_step_for_step():
    # DataLoader without shuffle, CrossEntropyLoss, SGD momentum + StepLR, clip_grad_norm_,
    # gradient accumulation, train()/eval() with no_grad: the same losses as torch
    R = np.random.default_rng(11)
    X = R.standard_normal((24, 5)).astype(np.float32)
    Y = R.integers(0, 3, 24)
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Dropout(0.0),
                                 torch.nn.Linear(8, 3))

    def run(L):
        if L is TH:
            m = tmodel
        else:
            m = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Dropout(0.0), nn.Linear(8, 3))
            _copy(tmodel, m)
        loader = L.D.DataLoader(L.D.TensorDataset(L.T.tensor(X), L.T.tensor(Y)), batch_size=6)
        opt = L.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        sched = L.optim.lr_scheduler.StepLR(opt, 1, 0.5)
        crit = L.nn.CrossEntropyLoss(label_smoothing=0.1)
        out = []
        for _ in range(2):
            m.train()
            for i, (xb, yb) in enumerate(loader):
                loss = crit(m(xb), yb) / 2
                loss.backward()
                if i % 2 == 1:
                    out.append(float(L.nn.utils.clip_grad_norm_(m.parameters(), 0.5)))
                    opt.step()
                    opt.zero_grad()
                out.append(loss.item())
            sched.step()
            m.eval()
            with L.T.no_grad():
                out.append(crit(m(L.T.tensor(X)), L.T.tensor(Y)).item())
        return out, sched.get_last_lr()

    a, t = run(AG), run(TH)
    np.testing.assert_allclose(a[0], t[0], rtol=2e-5, atol=1e-6)
    assert a[1] == pytest.approx(t[1])


def test_get_extra_state_is_saved_and_restored_as_torch():
    # before: get_extra_state/set_extra_state were never called (no "_extra_state" key)
    def f(L):
        class M(L.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = L.nn.Linear(1, 1)
                self.cfg = {"vocab": 7}

            def get_extra_state(self):
                return dict(self.cfg)

            def set_extra_state(self, state):
                self.cfg = state

        sd = M().state_dict()
        m2 = M()
        m2.cfg = None
        m2.load_state_dict(sd)
        del sd["_extra_state"]
        r = M().load_state_dict(sd, strict=False)
        return list(M().state_dict()), m2.cfg, r.missing_keys
    assert _same(f) == (["_extra_state", "fc.weight", "fc.bias"], {"vocab": 7},
                        ["_extra_state"])
    assert "_extra_state" not in nn.Linear(1, 1).state_dict()


_R = np.random.default_rng(21)
_IMG = _R.standard_normal((2, 4, 5, 7)).astype(np.float32)
_SEQ = _R.standard_normal((2, 6, 9)).astype(np.float32)


@pytest.mark.parametrize("make, x", [
    (lambda N: N.LPPool2d(2, 2), _IMG),
    (lambda N: N.LPPool2d(3, (2, 3), stride=(1, 2), ceil_mode=True), np.abs(_IMG) + 0.1),
    (lambda N: N.LPPool2d(1.5, 3, stride=2), np.abs(_IMG) + 0.1),
    (lambda N: N.LPPool1d(2, 3), _SEQ),
    (lambda N: N.LPPool1d(1, 2, stride=1), _SEQ),
    (lambda N: N.LocalResponseNorm(2), _IMG),
    (lambda N: N.LocalResponseNorm(3, alpha=0.1, beta=0.5, k=2.0), _SEQ),
    (lambda N: N.LocalResponseNorm(4, alpha=0.3), _R.standard_normal((2, 5, 2, 3, 2))
     .astype(np.float32)),
    (lambda N: N.ChannelShuffle(2), _IMG),
    (lambda N: N.ChannelShuffle(3), _SEQ),
], ids=["lp2d", "lp2d-p3-ceil", "lp2d-p1.5", "lp1d", "lp1d-sum", "lrn2", "lrn3-1d",
        "lrn4-3d", "shuffle2", "shuffle3"])
def test_lp_pool_local_response_norm_channel_shuffle_match_torch(make, x):
    # before: nn.LPPool1d/2d, nn.LocalResponseNorm, nn.ChannelShuffle did not exist
    up = np.random.default_rng(0)
    outs = []
    for L in (AG, TH):
        m = make(L.nn)
        xt = L.T.tensor(x, requires_grad=True)
        y = m(xt)
        g = up.standard_normal(tuple(y.shape)).astype(np.float32) if not outs else outs[0][2]
        (y * L.T.tensor(g)).sum().backward()
        outs.append((_np(y), _np(xt.grad), g, repr(m)))
    (ya, ga, _, ra), (yt, gt, _, rt) = outs
    assert ra == rt
    np.testing.assert_allclose(ya, yt, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ga, gt, rtol=1e-4, atol=1e-5)


def test_new_layers_reject_bad_input_as_torch():
    for L in (AG, TH):
        with pytest.raises((ValueError, RuntimeError)):
            L.nn.LocalResponseNorm(2)(L.T.ones(2, 3))
        with pytest.raises((ValueError, RuntimeError)):
            L.nn.ChannelShuffle(3)(L.T.ones(1, 4, 2, 2))


def test_lp_pool_and_local_response_norm_gradcheck():
    from autograd.gradcheck import gradcheck
    r = np.random.default_rng(4)
    x4 = ag.tensor(np.abs(r.standard_normal((1, 3, 4, 4))) + 0.2, requires_grad=True)
    x3 = ag.tensor(r.standard_normal((2, 4, 5)), requires_grad=True)
    assert gradcheck(lambda t: nn.functional.lp_pool2d(t, 3, 2), [x4])
    assert gradcheck(lambda t: nn.functional.lp_pool1d(t, 2, 2, stride=1), [x3])
    assert gradcheck(lambda t: nn.functional.local_response_norm(t, 3, 0.5, 0.75, 1.0), [x3])
    assert gradcheck(lambda t: nn.functional.channel_shuffle(t, 2), [x3])


def test_module_half_and_float16_are_clear_errors():
    # before: model.half() was an AttributeError and model.to(float16) made float16
    # parameters whose outputs came out float32 (the engine has no float16)
    m = nn.Linear(2, 2)
    for call in (m.half, m.bfloat16, lambda: m.to(ag.float16), lambda: m.to("float16")):
        with pytest.raises(TypeError, match="float32 or float64"):
            call()
    assert m.weight.dtype == ag.float32
    assert m.to(ag.float64).weight.dtype == ag.float64


def test_recurrent_state_that_is_not_a_tensor_is_a_type_error():
    # before: a numpy h0 of the right shape gave "must be a Tensor of shape (1, 3, 3), got
    # (1, 3, 3)" (a ShapeError naming no difference)
    lstm = nn.LSTM(4, 3, batch_first=True)
    h = np.zeros((1, 3, 3), np.float32)
    with pytest.raises(TypeError, match="got a ndarray of shape"):
        lstm(ag.zeros(3, 5, 4), (h, h))
    with pytest.raises(ValueError, match=r"h0 must be a Tensor of shape \(1, 3, 3\), got"):
        lstm(ag.zeros(3, 5, 4), (ag.zeros(1, 2, 3), ag.zeros(1, 3, 3)))


@pytest.mark.parametrize("kind", ["swa", "ema", "ema_avg_fn", "swa_avg_fn", "ema_buffers"])
def test_swa_utils_averaged_model_swalr_update_bn_match_torch(kind):
    # before: there was no optim.swa_utils (AveragedModel, SWALR, update_bn, the avg fns)
    X = np.random.default_rng(2).standard_normal((12, 3)).astype(np.float32)
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                 torch.nn.Linear(4, 1))

    def run(L):
        SU = L.optim.swa_utils
        if L is TH:
            m = tmodel
        else:
            m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
            _copy(tmodel, m)
        kw = {"swa": {}, "ema": {"multi_avg_fn": SU.get_ema_multi_avg_fn(0.9)},
              "ema_avg_fn": {"avg_fn": SU.get_ema_avg_fn(0.8)},
              "swa_avg_fn": {"avg_fn": SU.get_swa_avg_fn()},
              "ema_buffers": {"multi_avg_fn": SU.get_ema_multi_avg_fn(0.9),
                              "use_buffers": True}}[kind]
        avg = SU.AveragedModel(m, **kw)
        opt = L.optim.SGD(m.parameters(), lr=0.1)
        sched = SU.SWALR(opt, swa_lr=0.05, anneal_epochs=3,
                         anneal_strategy="linear" if kind == "ema" else "cos")
        lrs = []
        for _ in range(5):
            opt.zero_grad()
            m(L.T.tensor(X)).pow(2).mean().backward()
            opt.step()
            avg.update_parameters(m)
            sched.step()
            lrs.append(sched.get_last_lr()[0])
        L.optim.swa_utils.update_bn([L.T.tensor(X[:6]), L.T.tensor(X[6:])], avg)
        avg.eval()
        sd = avg.state_dict()
        return (lrs, list(sd), [_np(v).astype(float) for v in sd.values()],
                _np(avg(L.T.tensor(X))), int(avg.n_averaged))

    a, t = run(AG), run(TH)
    np.testing.assert_allclose(a[0], t[0], rtol=1e-12)
    assert a[1] == t[1] and a[4] == t[4] == 5
    for x, y in zip(a[2], t[2]):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a[3], t[3], rtol=1e-5, atol=1e-6)


def test_load_state_dict_assign_takes_the_state_dicts_arrays():
    # before: load_state_dict(sd, assign=True) was a TypeError
    def f(L):
        m = L.nn.Linear(2, 2)
        m.requires_grad_(False)
        sd = {"weight": L.T.ones(2, 2, dtype=L.T.float64), "bias": L.T.zeros(2, dtype=L.T.float64)}
        m.load_state_dict(sd, assign=True)
        with L.T.no_grad():
            sd["weight"][0, 0] = 5.0  # shares memory with the module's weight now
        return (str(m.weight.dtype).replace("torch.", ""), isinstance(m.weight, L.nn.Parameter),
                m.weight.requires_grad, _np(m.weight).tolist())
    assert _same(f) == ("float64", True, False, [[5.0, 1.0], [1.0, 1.0]])


def test_dataloader_positional_arguments_are_in_torchs_order():
    # before: the 4th positional argument was drop_last (torch: sampler), the 5th seed
    def f(L):
        ds = L.D.TensorDataset(L.T.arange(6))
        dl = L.D.DataLoader(ds, 2, False, [5, 0, 3], None, 0, None, False, True)
        return [b[0].tolist() for b in dl], len(dl)
    assert _same(f) == ([[5, 0]], 1)


def test_setting_and_deleting_a_containers_module_by_attribute_as_torch():
    # before: seq.fc1 = new added a second child "fc1" while forward still ran the old one;
    # md.a = new likewise; del seq.fc1 was an AttributeError
    def f(L):
        s = L.nn.Sequential(OrderedDict([("fc1", L.nn.Linear(2, 3)), ("act", L.nn.ReLU())]))
        s.fc1 = L.nn.Linear(2, 5)
        s.extra = L.nn.Tanh()  # a new module joins the sequence, as torch
        out = (list(dict(s.named_children())), list(s.state_dict()), len(s),
               tuple(s(L.T.ones(1, 2)).shape))
        del s.fc1
        md = L.nn.ModuleDict({"a": L.nn.Linear(1, 1)})
        md.a = L.nn.Linear(1, 2)
        ml = L.nn.ModuleList([L.nn.Linear(1, 1)])
        setattr(ml, "0", L.nn.Linear(1, 3))
        return out, list(dict(s.named_children())), [n for n, _ in md.named_children()], \
            tuple(md["a"].weight.shape), len(ml), tuple(ml[0].weight.shape)
    assert _same(f)[0] == (["fc1", "act", "extra"], ["fc1.weight", "fc1.bias"], 3, (1, 5))
    for L in (AG, TH):
        s = L.nn.Sequential(OrderedDict([("fc1", L.nn.Linear(2, 3))]))
        with pytest.raises(TypeError):
            s.fc1 = 3


def _custom_sgd(L):
    class MySGD(L.optim.Optimizer):
        def __init__(self, params, lr=0.01, momentum=0.0):
            super().__init__(params, dict(lr=lr, momentum=momentum))

        @L.T.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = 0
                        state["buf"] = L.T.zeros_like(p)
                    state["step"] += 1
                    state["buf"].mul_(group["momentum"]).add_(p.grad)
                    p.add_(state["buf"], alpha=-group["lr"])
    return MySGD


def test_a_users_optimizer_subclass_trains_and_schedules_as_torch():
    # before: a subclass overriding step() made the scheduler warn "step() before
    # optimizer.step()" on every first epoch (the flag was set only by the base step)
    def f(L):
        torch.manual_seed(0)
        tm = torch.nn.Linear(3, 1)
        m = tm if L is TH else nn.Linear(3, 1)
        if L is AG:
            _copy(tm, m)
        opt = _custom_sgd(L)(m.parameters(), lr=0.1, momentum=0.9)
        sched = L.optim.lr_scheduler.StepLR(opt, 2, 0.5)
        x = L.T.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for _ in range(4):
                opt.zero_grad()
                m(x).pow(2).mean().backward()
                opt.step()
                sched.step()
        return ([np.round(_np(v), 5).tolist() for v in m.state_dict().values()],
                opt.state[m.weight]["step"], opt.param_groups[0]["lr"])
    _same(f)


@BOTH
def test_optimizer_step_hooks_and_state_keyed_by_parameters(L):
    # before: no register_step_pre_hook / register_step_post_hook, and iterating
    # optimizer.state gave ids instead of the parameters
    p = L.nn.Parameter(L.T.ones(2))
    opt = L.optim.Adam([p], lr=0.1)
    log = []
    h = opt.register_step_post_hook(lambda o, a, k: log.append(("post", o is opt)))
    opt.register_step_pre_hook(lambda o, a, k: log.append(("pre", len(a))))
    (p * 2).sum().backward()
    opt.step()
    h.remove()
    opt.step()
    assert log == [("pre", 1), ("post", True), ("pre", 1)]  # args start with the optimizer
    assert [k is p for k in opt.state] == [True]
    assert [(k is p, sorted(v)) for k, v in opt.state.items()] == [
        (True, ["exp_avg", "exp_avg_sq", "step"])]
    opt2 = L.optim.Adam([p], lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    assert list(opt2.state.keys())[0] is p


@BOTH
def test_add_module_and_register_parameter_refuse_existing_attributes(L):
    # before: add_module("weight", m) raised "cannot assign as parameter" (a TypeError) and
    # register_parameter("in_features", p) replaced the attribute silently (torch: KeyError)
    m = L.nn.Linear(1, 1)
    with pytest.raises(KeyError):
        m.add_module("weight", L.nn.ReLU())
    with pytest.raises(KeyError):
        m.register_parameter("in_features", L.nn.Parameter(L.T.ones(1)))
    m.register_parameter("bias", L.nn.Parameter(L.T.zeros(1)))  # a parameter may be replaced
    m.add_module("act", L.nn.ReLU())
    m.add_module("act", L.nn.Tanh())
    assert [type(c).__name__ for c in m.children()] == ["Tanh"]
    assert m.type(L.T.float64).weight.dtype == L.T.float64  # Module.type(dtype)


def test_module_cuda_is_a_clear_error():
    # before: AttributeError 'Linear' object has no attribute 'cuda'
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.Linear(1, 1).cuda()


_S = np.random.default_rng(8).standard_normal((4, 5)).astype(np.float32)
_MLT = np.array([[3, 0, -1, 1, 2], [1, 1, 4, -1, 0], [-1, 2, 2, 2, 2], [0, 1, 2, 3, 4]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", ["mlm", "mlm_1d", "twd", "twd_fn_swap"])
def test_multilabel_margin_and_triplet_with_distance_losses_match_torch(case, reduction):
    # before: nn.MultiLabelMarginLoss and nn.TripletMarginWithDistanceLoss did not exist
    up = None
    got = []
    for L in (AG, TH):
        x = L.T.tensor(_S, requires_grad=True)
        if case == "mlm":
            out = L.nn.MultiLabelMarginLoss(reduction=reduction)(x, L.T.tensor(_MLT))
        elif case == "mlm_1d":
            out = L.nn.MultiLabelMarginLoss(reduction=reduction)(x[1], L.T.tensor(_MLT[1]))
        else:
            fn = None if case == "twd" else (lambda a, b: (a - b).abs().sum(-1))
            crit = L.nn.TripletMarginWithDistanceLoss(distance_function=fn, margin=1.5,
                                                      swap=case != "twd", reduction=reduction)
            out = crit(x, x.flip(0) * 0.5, x.roll(1, 0))
        if up is None:
            up = np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(np.float32)
        (out * L.T.tensor(up)).sum().backward()
        got.append((_np(out), _np(x.grad)))
    (oa, ga), (ot, gt) = got
    assert oa.shape == ot.shape
    np.testing.assert_allclose(oa, ot, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ga, gt, rtol=1e-5, atol=1e-6)


def test_multilabel_margin_loss_rejects_bad_targets():
    with pytest.raises(IndexError, match="out of range"):
        nn.MultiLabelMarginLoss()(ag.tensor(_S), ag.tensor(np.full((4, 5), 7)))
    with pytest.raises(TypeError, match="integer"):
        nn.MultiLabelMarginLoss()(ag.tensor(_S), ag.tensor(_S))
    with pytest.raises(ValueError):
        nn.TripletMarginWithDistanceLoss(margin=0.0)


def test_multilabel_margin_and_triplet_with_distance_gradcheck():
    from autograd.gradcheck import gradcheck
    x = ag.tensor(_S.astype(np.float64), requires_grad=True)
    assert gradcheck(lambda t: nn.functional.multilabel_margin_loss(t, _MLT), [x])
    assert gradcheck(lambda t: nn.functional.triplet_margin_with_distance_loss(
        t, t.flip(0) * 0.5, t.roll(1, 0), margin=1.5, swap=True), [x])


_CTC_TG = np.array([[1, 2, 2], [3, 0, 0], [4, 1, 0]])
_CTC = {
    "padded": (_CTC_TG, [6, 5, 4], [3, 1, 2], {}),
    "concat": (np.array([1, 2, 2, 3, 4, 1]), [6, 6, 6], [3, 1, 2], {}),
    "blank4": (np.array([[1, 2, 0], [3, 0, 0], [0, 1, 0]]), [6, 5, 4], [3, 1, 2],
               {"blank": 4}),
    "empty_target": (_CTC_TG, [6, 5, 4], [3, 0, 2], {}),
    "impossible_zero_inf": (_CTC_TG, [2, 5, 4], [3, 1, 2], {"zero_infinity": True}),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", list(_CTC))
def test_ctc_loss_matches_torch(case, reduction):
    # before: there was no nn.CTCLoss / F.ctc_loss
    targets, il, tl, kw = _CTC[case]
    x = np.random.default_rng(5).standard_normal((6, 3, 5)).astype(np.float32)
    got = []
    for L in (AG, TH):
        xt = L.T.tensor(x, requires_grad=True)
        crit = L.nn.CTCLoss(reduction=reduction, **kw)
        out = crit(xt.log_softmax(-1), L.T.tensor(targets), L.T.tensor(np.array(il)),
                   L.T.tensor(np.array(tl)))
        up = np.random.default_rng(2).standard_normal(tuple(out.shape)).astype(np.float32)
        (out * L.T.tensor(up)).sum().backward()
        got.append((_np(out), _np(xt.grad), repr(crit)))
    (oa, ga, ra), (ot, gt, rt) = got
    assert oa.shape == ot.shape and ra == rt
    np.testing.assert_allclose(oa, ot, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ga, gt, rtol=1e-4, atol=1e-5)


def test_ctc_loss_impossible_alignment_is_inf_and_gradcheck():
    from autograd.gradcheck import gradcheck
    x = ag.tensor(np.random.default_rng(5).standard_normal((6, 3, 5)), requires_grad=True)
    out = nn.functional.ctc_loss(x.log_softmax(-1), _CTC_TG, [2, 5, 4], [3, 1, 2],
                                 reduction="none")
    assert np.isinf(out.data[0]) and np.all(np.isfinite(out.data[1:]))
    assert gradcheck(lambda t: nn.functional.ctc_loss(t.log_softmax(-1), _CTC_TG, [6, 5, 4],
                                                      [3, 1, 2]), [x])
    with pytest.raises(ValueError, match="other than blank"):
        nn.functional.ctc_loss(x.log_softmax(-1), _CTC_TG, [6, 5, 4], [3, 1, 2], blank=1)
    with pytest.raises(ValueError, match="input_lengths"):
        nn.functional.ctc_loss(x.log_softmax(-1), _CTC_TG, [7, 5, 4], [3, 1, 2])


def _pz_base(L, mk):
    torch.manual_seed(0)
    tm = mk(torch.nn)
    if L is TH:
        return tm
    m = mk(nn)
    _copy(tm, m)
    return m


@pytest.mark.parametrize("dim", [0, 1, None])
@pytest.mark.parametrize("layer", ["linear", "conv1d"])
def test_parametrizations_weight_norm_matches_torch(layer, dim):
    # before: no nn.utils.parametrize / nn.utils.parametrizations
    mk = (lambda N: N.Linear(3, 2)) if layer == "linear" else (lambda N: N.Conv1d(3, 2, 2))
    x = np.random.default_rng(1).standard_normal((4, 3) if layer == "linear" else (2, 3, 5))
    got = []
    for L in (AG, TH):
        m = L.nn.utils.parametrizations.weight_norm(_pz_base(L, mk), dim=dim)
        y = m(L.T.tensor(x.astype(np.float32)))
        y.pow(2).sum().backward()
        got.append(([n for n, _ in m.named_parameters()], list(m.state_dict()), repr(m),
                    L.nn.utils.parametrize.is_parametrized(m), _np(y),
                    [_np(p.grad) for p in m.parameters()]))
    a, t = got
    assert a[:4] == t[:4]
    assert a[0] == ["bias", "parametrizations.weight.original0",
                    "parametrizations.weight.original1"]
    np.testing.assert_allclose(a[4], t[4], rtol=1e-5, atol=1e-6)
    for ga, gt in zip(a[5], t[5]):
        np.testing.assert_allclose(ga, gt, rtol=1e-4, atol=1e-5)


def test_register_parametrization_chain_assign_and_remove_match_torch():
    def f(L):
        P = L.nn.utils.parametrize

        class Symmetric(L.nn.Module):
            def forward(self, X):
                return X.triu() + X.triu(1).transpose(-1, -2)

            def right_inverse(self, A):
                return A.triu()

        class Scale(L.nn.Module):
            def forward(self, X):
                return X * 2

            def right_inverse(self, A):
                return A / 2

        m = _pz_base(L, lambda N: N.Linear(3, 3))
        w = m.weight
        P.register_parametrization(m, "weight", Symmetric())
        P.register_parametrization(m, "weight", Scale())
        kept = m.parametrizations.weight.original is w  # the Parameter moves, same object
        x = L.T.tensor(np.arange(12, dtype=np.float32).reshape(4, 3) / 10)
        m(x).sum().backward()
        out = [type(m).__name__, kept, [n for n, _ in m.named_parameters()], repr(m),
               _np(m.weight), _np(m.parametrizations.weight.original.grad)]
        m.weight = L.T.tensor(np.eye(3, dtype=np.float32) * 4)  # through the right_inverses
        out.append(_np(m.parametrizations.weight.original))
        P.remove_parametrizations(m, "weight")
        out += [type(m).__name__, [n for n, _ in m.named_parameters()], _np(m.weight),
                isinstance(m.weight, L.nn.Parameter), hasattr(m, "parametrizations")]
        return out
    a, t = f(AG), f(TH)
    assert a[:4] == t[:4] and a[7:9] == t[7:9] and a[10:] == t[10:]
    assert a[0] == "ParametrizedLinear" and a[7] == "Linear"
    for i in (4, 5, 6, 9):
        np.testing.assert_allclose(a[i], t[i], rtol=1e-5, atol=1e-6)


@BOTH
def test_parametrization_errors_as_torch(L):
    P = L.nn.utils.parametrize

    class Sq(L.nn.Module):
        def forward(self, X):
            return X * X

    class Cut(L.nn.Module):
        def forward(self, X):
            return X[:1]

    m = L.nn.Linear(2, 2)
    P.register_parametrization(m, "weight", Sq())
    with pytest.raises(RuntimeError, match="right_inverse"):
        m.weight = L.T.ones(2, 2)
    with pytest.raises(ValueError):
        P.register_parametrization(L.nn.Linear(2, 2), "weight", Cut())
    with pytest.raises(ValueError):
        P.remove_parametrizations(L.nn.Linear(2, 2), "weight")
    wn = L.nn.utils.parametrizations.weight_norm(L.nn.Linear(2, 2))
    with pytest.raises(ValueError):
        P.remove_parametrizations(wn, "weight", leave_parametrized=False)


def test_module_list_subclass_repr_uses_its_own_name():
    # before: any ModuleList subclass printed as "ModuleList(...)"
    def f(L):
        class Blocks(L.nn.ModuleList):
            pass
        return repr(Blocks([L.nn.ReLU(), L.nn.ReLU()])), repr(Blocks())
    assert _same(f)[0].startswith("Blocks(")


@pytest.mark.parametrize("fn, kw", [
    ("uniform_", {"a": -1, "b": 2}), ("normal_", {"std": 0.5}), ("trunc_normal_", {}),
    ("xavier_uniform_", {}), ("xavier_normal_", {}), ("kaiming_uniform_", {}),
    ("kaiming_normal_", {"mode": "fan_out"}), ("orthogonal_", {}),
    ("sparse_", {"sparsity": 0.5})])
def test_init_generator_argument_drives_the_draws(fn, kw):
    # before: an autograd.Generator passed as generator= was ignored (the global stream
    # was drawn instead), so re-seeding it did not replay the init (torch's does)
    def f(L):
        g = L.T.Generator().manual_seed(7)
        a = _np(getattr(L.nn.init, fn)(L.T.empty(6, 5), generator=g, **kw))
        L.T.manual_seed(123)  # the global stream must not matter
        g.manual_seed(7)
        b = _np(getattr(L.nn.init, fn)(L.T.empty(6, 5), generator=g, **kw))
        c = _np(getattr(L.nn.init, fn)(L.T.empty(6, 5), generator=g, **kw))
        return bool(np.array_equal(a, b)), bool(np.array_equal(a, c))
    assert _same(f) == (True, False)
    with pytest.raises(TypeError, match="generator"):
        nn.init.normal_(ag.empty(2), generator=3)


def test_iterable_datasets_chain_as_torch():
    # before: stream_a + stream_b was a ConcatDataset error; there was no ChainDataset
    def f(L):
        class Stream(L.D.IterableDataset):
            def __init__(self, lo, hi):
                self.lo, self.hi = lo, hi

            def __iter__(self):
                return iter(range(self.lo, self.hi))

            def __len__(self):
                return self.hi - self.lo
        both = Stream(0, 3) + Stream(10, 12)
        return (type(both).__name__, list(both), len(both),
                [b.tolist() for b in L.D.DataLoader(both, batch_size=2)])
    assert _same(f) == ("ChainDataset", [0, 1, 2, 10, 11], 5, [[0, 1], [2, 10], [11]])
