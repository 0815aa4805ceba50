"""autograd.compile: compiled training steps give the eager numbers (bit for bit), re-record
when something they relied on changes, and fall back to eager (with a warning) when a step
cannot be replayed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
import optim
from autograd import CompileWarning, Tensor
from autograd import data as D


def _batches(shape, n_classes, count=3, seed=0, dtype=np.float32):
    r = np.random.default_rng(seed)
    xs = [Tensor(r.standard_normal(shape).astype(dtype)) for _ in range(count)]
    ys = [Tensor(r.integers(0, n_classes, shape[0])) for _ in range(count)]
    return xs, ys


def _train(build, compiled, batches, steps=8, opt_cls=optim.Adam, lr=1e-2, sched=None,
           loss_fn=None, dtype=np.float32, **opt_kw):
    """Losses and final parameters after ``steps`` steps, eager or compiled (same seed)."""
    autograd.manual_seed(0)
    model = build()
    if dtype == np.float64:
        model = model.double()
    opt = opt_cls(model.parameters(), lr=lr, **opt_kw)
    scheduler = sched(opt) if sched is not None else None
    lf = loss_fn or nn.CrossEntropyLoss()

    def step(x, y):
        opt.zero_grad()
        loss = lf(model(x), y)
        loss.backward()
        opt.step()
        return loss

    f = autograd.compile(step, fuse=False) if compiled else step  # the bit-identical replay
    xs, ys = batches
    losses = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for i in range(steps):
            losses.append(f(xs[i % len(xs)], ys[i % len(ys)]).data.copy())
            if scheduler is not None:
                scheduler.step()
    return losses, [p.data.copy() for p in model.parameters()], f


def _assert_same(a, b):
    (la, pa, _), (lb, pb, _) = a, b
    assert len(la) == len(lb)
    for x, y in zip(la, lb):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(pa, pb):
        np.testing.assert_array_equal(x, y)


def mlp():
    return nn.MLP(4, [16, 16, 3], activation="tanh")


@pytest.mark.parametrize("opt_cls,kw", [(optim.Adam, {}), (optim.SGD, {"momentum": 0.9}),
                                        (optim.AdamW, {"weight_decay": 0.1})])
def test_mlp_matches_eager_bit_for_bit(backend, opt_cls, kw):
    batches = _batches((10, 4), 3)
    eager = _train(mlp, False, batches, opt_cls=opt_cls, **kw)
    comp = _train(mlp, True, batches, opt_cls=opt_cls, **kw)
    _assert_same(eager, comp)
    f = comp[2]
    assert f.stats["records"] == 2 and f.stats["replays"] == 6 and f.eager_reason is None


def test_float64_and_mse_and_relu():
    r = np.random.default_rng(3)
    xs = [Tensor(r.standard_normal((6, 4))) for _ in range(2)]
    ys = [Tensor(r.standard_normal((6, 2))) for _ in range(2)]

    def build():
        return nn.MLP(4, [8, 2], activation="relu")

    eager = _train(build, False, (xs, ys), dtype=np.float64, loss_fn=nn.MSELoss())
    comp = _train(build, True, (xs, ys), dtype=np.float64, loss_fn=nn.MSELoss())
    assert comp[0][0].dtype == np.float64
    _assert_same(eager, comp)


def small_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(36, 3))


def test_small_cnn_matches_eager():
    batches = _batches((4, 1, 8, 8), 3)
    _assert_same(_train(small_cnn, False, batches, steps=5),
                 _train(small_cnn, True, batches, steps=5))


class _LSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, batch_first=True)
        self.head = nn.Linear(5, 2)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def test_lstm_matches_eager():
    batches = _batches((4, 6, 3), 2)
    _assert_same(_train(_LSTMNet, False, batches, steps=5),
                 _train(_LSTMNet, True, batches, steps=5))


def test_scheduler_changes_the_lr_of_replays():
    batches = _batches((10, 4), 3)

    def sched(o):
        return optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.3)

    eager = _train(mlp, False, batches, sched=sched)
    comp = _train(mlp, True, batches, sched=sched)
    _assert_same(eager, comp)
    const = _train(mlp, True, batches)
    assert not np.array_equal(const[1][0], comp[1][0])  # the lr did change something


def test_non_contiguous_input_and_ndarray_labels():
    r = np.random.default_rng(1)
    xs = [Tensor(r.standard_normal((4, 10)).astype(np.float32)).T for _ in range(2)]
    ys = [r.integers(0, 3, 10).astype(np.int32) for _ in range(2)]  # converted to int64
    _assert_same(_train(mlp, False, (xs, ys)), _train(mlp, True, (xs, ys)))


def test_retrace_on_new_batch_size():
    autograd.manual_seed(0)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    lf = nn.CrossEntropyLoss()

    @autograd.compile
    def step(x, y):
        opt.zero_grad()
        loss = lf(model(x), y)
        loss.backward()
        opt.step()
        return loss

    (a,), (ya,) = _batches((10, 4), 3, count=1)
    (b,), (yb,) = _batches((7, 4), 3, count=1, seed=1)
    for _ in range(3):
        step(a, ya)
    assert step.stats == {"records": 2, "replays": 1, "eager": 0}
    before = [p.data.copy() for p in model.parameters()]
    loss = step(b, yb)
    assert step.stats["records"] == 3
    # the new signature's first call is eager: compare with an eager step from `before`
    autograd.manual_seed(0)
    ref = mlp()
    for p, q in zip(ref.parameters(), before):
        p.data[...] = q
    np.testing.assert_array_equal(loss.data, lf(ref(b), yb).data)
    for _ in range(3):
        step(b, yb)
        step(a, ya)
    assert step.stats["records"] == 4 and step.stats["replays"] == 6


def test_returned_loss_holds_this_calls_value():
    autograd.manual_seed(0)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.5)
    lf = nn.CrossEntropyLoss()
    (x,), (y,) = _batches((10, 4), 3, count=1)

    @autograd.compile
    def step(x, y):
        opt.zero_grad()
        loss = lf(model(x), y)
        loss.backward()
        opt.step()
        return loss, model(x)

    outs = [step(x, y) for _ in range(5)]
    losses = [float(o[0]) for o in outs]
    assert len(set(losses)) == 5  # each replay's loss is its own (earlier ones unchanged)
    assert not outs[-1][0].requires_grad
    with autograd.no_grad():  # the second output is model(x) after this call's update
        np.testing.assert_array_equal(outs[-1][1].data, model(x).data)


def test_value_dependent_control_flow_falls_back_to_eager_with_one_warning():
    batches = _batches((10, 4), 3)

    def run(compiled):
        autograd.manual_seed(0)
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        lf = nn.CrossEntropyLoss()

        def step(x, y):
            opt.zero_grad()
            loss = lf(model(x), y)
            if loss.item() > 1.0:  # value-dependent: different ops on different calls
                loss = loss * 2.0
            loss.backward()
            opt.step()
            return loss

        f = autograd.compile(step) if compiled else step
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            losses = [f(batches[0][i % 3], batches[1][i % 3]).item() for i in range(6)]
        return losses, [p.data.copy() for p in model.parameters()], f, caught

    le, pe, _, _ = run(False)
    lc, pc, f, caught = run(True)
    assert le == lc
    for a, b in zip(pe, pc):
        np.testing.assert_array_equal(a, b)
    msgs = [str(w.message) for w in caught if issubclass(w.category, CompileWarning)]
    assert len(msgs) == 1 and "item" in msgs[0] and "eagerly" in msgs[0]
    assert "item" in f.eager_reason and f.stats["eager"] == 5


@pytest.mark.parametrize("read", [float, bool, lambda t: t.numpy(), lambda t: f"{t:.3f}",
                                  np.asarray])
def test_every_value_read_is_caught(read):
    w = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)

    @autograd.compile
    def f(x):
        s = (x * w).sum()
        read(s)
        return s.detach()

    with pytest.warns(CompileWarning, match="reads a tensor's value"):
        f(Tensor(np.ones(3, dtype=np.float32)))
    assert f.eager_reason is not None


def test_dropout_draws_fresh_masks_and_matches_eager():
    def build():
        return nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 3))

    batches = _batches((10, 4), 3)
    eager = _train(build, False, batches)
    comp = _train(build, True, batches)
    _assert_same(eager, comp)  # the same draws from autograd.rng() in the same order

    autograd.manual_seed(1)
    drop = nn.Dropout(0.5)
    f = autograd.compile(lambda x: drop(x))
    x = Tensor(np.ones((8, 64), dtype=np.float32))
    masks = [f(x).data for _ in range(6)]
    assert f.stats["replays"] == 4
    for i in range(2, 6):
        assert set(np.unique(masks[i])) <= {0.0, 2.0}
        assert 0.3 < (masks[i] == 0).mean() < 0.7
        for j in range(i):
            assert not np.array_equal(masks[i], masks[j])


def test_train_eval_switch_records_again():
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    x = Tensor(np.ones((3, 4), dtype=np.float32))

    @autograd.compile
    def fwd(x):
        with autograd.no_grad():
            return model(x)

    for _ in range(3):
        fwd(x)
    model.eval()
    outs = [fwd(x).data for _ in range(3)]
    assert fwd.stats["records"] == 4  # re-recorded for eval mode
    with autograd.no_grad():
        ref = model(x).data
    for o in outs:
        np.testing.assert_array_equal(o, ref)  # no dropout in eval mode


def test_replaced_parameter_and_edited_data_are_seen():
    autograd.manual_seed(0)
    lin = nn.Linear(3, 2)
    x = Tensor(np.ones((1, 3), dtype=np.float32))

    @autograd.compile
    def fwd(x):
        with autograd.no_grad():
            return lin(x)

    for _ in range(3):
        fwd(x)
    lin.weight.data[...] = 2.0  # an edit of the data in place: read at every replay
    np.testing.assert_allclose(fwd(x).data, (6.0 + lin.bias.data)[None])
    lin.weight = nn.Parameter(Tensor(np.full((2, 3), 3.0, dtype=np.float32)))
    np.testing.assert_allclose(fwd(x).data, (9.0 + lin.bias.data)[None])
    assert fwd.stats["records"] == 3
    lin.weight.data = np.zeros((2, 3), dtype=np.float64)  # a new dtype: recorded again
    np.testing.assert_allclose(fwd(x).data, lin.bias.data[None])
    assert fwd.stats["records"] == 4


def test_in_place_edit_of_an_input_falls_back():
    w = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)

    @autograd.compile
    def f(x):
        x.add_(1.0)
        return (x * w).sum().detach()

    x = Tensor(np.zeros(3, dtype=np.float32))
    with pytest.warns(CompileWarning, match="modified in place"):
        f(x)
    for _ in range(3):
        f(x)
    np.testing.assert_array_equal(x.data, 4.0)  # every call edited it: eager


def test_values_computed_outside_ops_fall_back():
    w = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)

    @autograd.compile
    def f(x):
        noise = Tensor(np.full(3, x.data.sum()))  # computed from the values outside ops
        return (x * w + noise).sum().detach()

    outs = []
    with pytest.warns(CompileWarning, match="two calls"):
        for v in (1.0, 2.0, 3.0):
            outs.append(float(f(Tensor(np.full(3, v, dtype=np.float32)))))
    assert outs == [12.0, 24.0, 36.0]


def test_gradient_clipping_is_not_replayed_silently():
    autograd.manual_seed(0)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    lf = nn.CrossEntropyLoss()

    @autograd.compile
    def step(x, y):
        opt.zero_grad()
        loss = lf(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.01)
        opt.step()
        return loss

    xs, ys = _batches((10, 4), 3)
    with pytest.warns(CompileWarning, match="clip_grad_norm_"):
        step(xs[0], ys[0])


def test_bad_labels_raise_and_ignore_index_works_in_replay():
    autograd.manual_seed(0)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    lf = nn.CrossEntropyLoss()

    @autograd.compile
    def step(x, y):
        opt.zero_grad()
        loss = lf(model(x), y)
        loss.backward()
        opt.step()
        return loss

    xs, ys = _batches((10, 4), 3)
    for i in range(3):
        step(xs[i], ys[i])
    bad = Tensor(np.full(10, 3, dtype=np.int64))
    with pytest.raises(ValueError, match="out of range"):
        step(xs[0], bad)
    ign = ys[0].data.copy()
    ign[:4] = -100
    before = [p.data.copy() for p in model.parameters()]
    loss = step(xs[0], Tensor(ign))
    with autograd.no_grad():
        autograd.manual_seed(0)
        ref = mlp()
        for p, q in zip(ref.parameters(), before):
            p.data[...] = q
        np.testing.assert_array_equal(loss.data, lf(ref(xs[0]), Tensor(ign)).data)


def test_no_backward_with_grad_output_falls_back():
    w = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    f = autograd.compile(lambda x: (x * w).sum())
    with pytest.warns(CompileWarning, match="no backward"):
        out = f(Tensor(np.ones(3, dtype=np.float32)))
    out.backward()  # eager: the graph is there
    np.testing.assert_array_equal(w.grad.data, 1.0)


def test_grad_accumulates_without_zero_grad_and_args_that_require_grad():
    def run(compiled):
        w = Tensor(np.arange(3, dtype=np.float32), requires_grad=True)

        def f(w, x):
            (w * x).sum().backward()
            return w.grad

        g = autograd.compile(f) if compiled else f
        x = Tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32))
        return [g(w, x).data.copy() for _ in range(4)]

    for a, b in zip(run(False), run(True)):
        np.testing.assert_array_equal(a, b)
    assert run(True)[-1].tolist() == [4.0, 8.0, 12.0]


def test_lru_cache_keeps_eight_signatures():
    w = Tensor(np.ones(1, dtype=np.float32), requires_grad=True)

    @autograd.compile
    def f(x):
        with autograd.no_grad():
            return x * w

    for n in range(1, 11):
        for _ in range(3):
            f(Tensor(np.ones(n, dtype=np.float32)))
    assert len(f._cache) == 8 and f.stats["records"] == 20
    f(Tensor(np.ones(10, dtype=np.float32)))
    assert f.stats["records"] == 20  # recent: still cached
    f(Tensor(np.ones(1, dtype=np.float32)))
    assert f.stats["records"] == 21  # evicted long ago: recorded again


def test_errors_and_decorator_forms():
    with pytest.raises(TypeError, match="expected a function"):
        autograd.compile(3)
    with pytest.raises(ValueError, match="cache_size"):
        autograd.compile(lambda: None, cache_size=0)
    f = autograd.compile(cache_size=2)(lambda x: x)
    assert f.cache_size == 2
    x = Tensor(np.ones(2, dtype=np.float32))
    assert f([x]) == [x]  # a container argument: run eagerly
    assert f.stats["eager"] == 1


def test_fit_compile_matches_eager_on_digits():
    X, y = D.load_digits()
    X, y = X[:256], y[:256]
    hist = []
    params = []
    for compiled in (False, True):
        autograd.manual_seed(0)
        model = nn.MLP(64, [32, 10])
        opt = optim.Adam(model.parameters(), lr=1e-2)
        train = D.DataLoader(D.TensorDataset(X, y), 48, shuffle=True, seed=0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", CompileWarning)
            h = nn.fit(model, nn.CrossEntropyLoss(), opt, train, epochs=3, progress=False,
                       compile=compiled)
        hist.append(h)
        params.append([p.data.copy() for p in model.parameters()])
    assert hist[0]["loss"] == hist[1]["loss"]
    assert hist[0]["accuracy"] == hist[1]["accuracy"]
    assert hist[1]["accuracy"][-1] > 0.8
    for a, b in zip(*params):
        np.testing.assert_array_equal(a, b)


def test_batchnorm_running_stats_are_not_replayed_silently():
    def build():
        return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))

    batches = _batches((10, 4), 3)
    with pytest.raises(CompileWarning, match="modified in place"):  # _train: an error
        _train(build, True, batches)
    autograd.manual_seed(0)
    model = build()
    f = autograd.compile(lambda x: model(x).detach())
    with pytest.warns(CompileWarning, match="BatchNorm"):
        f(batches[0][0])
    for _ in range(3):
        f(batches[0][0])
    assert f.stats["eager"] == 3
    assert int(model[1].num_batches_tracked.data) == 4  # every call updated the stats


def test_two_losses_two_optimizers_in_one_step():
    def run(compiled):
        autograd.manual_seed(0)
        a, b = nn.Linear(4, 4), nn.Linear(4, 1)
        oa, ob = optim.SGD(a.parameters(), lr=0.1), optim.Adam(b.parameters(), lr=0.01)

        def step(x):
            oa.zero_grad()
            ob.zero_grad()
            h = a(x).tanh()
            (h * h).mean().backward(retain_graph=True)
            oa.step()
            loss = b(h.detach()).pow(2).mean()
            loss.backward()
            ob.step()
            return loss

        f = autograd.compile(step) if compiled else step
        xs, _ = _batches((5, 4), 2)
        out = [f(xs[i % 3]).data.copy() for i in range(6)]
        return out, [p.data.copy() for p in a.parameters()] + [p.data.copy()
                                                                for p in b.parameters()]

    (la, pa), (lb, pb) = run(False), run(True)
    for x, y in zip(la + pa, lb + pb):
        np.testing.assert_array_equal(x, y)


def test_compiled_method():
    class Trainer:
        def __init__(self):
            autograd.manual_seed(0)
            self.model = mlp()
            self.opt = optim.SGD(self.model.parameters(), lr=0.1)

        @autograd.compile
        def step(self, x, y):
            self.opt.zero_grad()
            loss = nn.functional.cross_entropy(self.model(x), y)
            loss.backward()
            self.opt.step()
            return loss

    t = Trainer()
    xs, ys = _batches((10, 4), 3)
    losses = [float(t.step(xs[i % 3], ys[i % 3])) for i in range(5)]
    assert Trainer.step.stats["replays"] == 3
    assert losses[4] < losses[1]  # the same batch again, after training on it


@settings(max_examples=6, deadline=None)
@given(st.integers(1, 6), st.integers(1, 5), st.integers(2, 4), st.booleans())
def test_property_compiled_equals_eager(batch, hidden, classes, sgd):
    r = np.random.default_rng(batch * 100 + hidden)
    xs = [Tensor(r.standard_normal((batch, 3)).astype(np.float32)) for _ in range(2)]
    ys = [Tensor(r.integers(0, classes, batch)) for _ in range(2)]

    def build():
        return nn.MLP(3, [hidden, classes], activation="relu")

    opt = optim.SGD if sgd else optim.Adam
    _assert_same(_train(build, False, (xs, ys), steps=4, opt_cls=opt),
                 _train(build, True, (xs, ys), steps=4, opt_cls=opt))


def test_module_settings_and_param_groups_are_guarded():
    autograd.manual_seed(0)
    drop = nn.Dropout(0.5)
    f = autograd.compile(lambda x: drop(x))
    x = Tensor(np.ones((50, 40), dtype=np.float32))
    for _ in range(3):
        f(x)
    drop.p = 0.2  # a plain setting the ops were recorded with
    out = f(x).data
    assert f.stats["records"] == 3
    assert set(np.unique(out)) <= {0.0, np.float32(1.25)} and (out == 0).mean() < 0.35

    model = nn.Linear(3, 1)
    extra = Tensor(np.zeros(1, dtype=np.float32), requires_grad=True)
    opt = optim.SGD(model.parameters(), lr=0.1)

    @autograd.compile
    def step(x):
        opt.zero_grad()
        loss = (model(x) + extra).sum()
        loss.backward()
        opt.step()
        return loss

    x = Tensor(np.ones((2, 3), dtype=np.float32))
    for _ in range(3):
        step(x)
    opt.add_param_group({"params": [extra]})
    step(x)
    assert step.stats["records"] == 3  # the optimizer's parameters changed: record again
    np.testing.assert_allclose(extra.data, [-0.2])  # and the new group was updated


class _Square(autograd.Function):  # the library's own style: replayed like any op
    def forward(self, x):
        return x * x

    def backward(self, g):
        return (g * 2.0 * self.inputs[0],)


class _CtxCube(autograd.Function):  # PyTorch's ctx style: not seen by the recorder
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return Tensor(x.data ** 3)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3.0 * x * x


def test_custom_functions():
    def run(compiled, op):
        w = Tensor(np.array([1.0, -2.0, 0.5], dtype=np.float32), requires_grad=True)
        opt = optim.SGD([w], lr=0.1)

        def step(x):
            opt.zero_grad()
            loss = op.apply(w * x).sum()
            loss.backward()
            opt.step()
            return loss

        f = autograd.compile(step) if compiled else step
        x = Tensor(np.array([0.5, 1.0, 2.0], dtype=np.float32))
        return [f(x).item() for _ in range(5)], w.data.copy(), f

    le, we, _ = run(False, _Square)
    lc, wc, f = run(True, _Square)
    assert le == lc and np.array_equal(we, wc) and f.stats["replays"] == 3
    le, we, _ = run(False, _CtxCube)
    with pytest.warns(CompileWarning, match="did not see"):
        lc, wc, f = run(True, _CtxCube)
    assert le == lc and np.array_equal(we, wc) and f.eager_reason is not None


# ---------------------------------------------------------------------------------------
# the fast replay (records lowered to direct kernel calls into reused buffers)
# ---------------------------------------------------------------------------------------
def _fast(f):
    (entry,) = f._cache.values()
    return entry.plan.fast


def _compile_module():
    import importlib

    return importlib.import_module("autograd.compile")


def _wide():
    """A hidden width whose activations reach the kernels' size cut-off at batch 20."""
    from autograd.kernels import tuning

    return tuning.thresholds().small_act // 20 + 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act,width", [("relu", 16), ("tanh", 16), ("sigmoid", 16),
                                       ("leaky_relu", 16), ("none", 16), ("tanh", "wide"),
                                       ("relu", "wide")])
def test_fast_replay_is_bit_identical_after_50_adam_steps(backend, dtype, act, width,
                                                          monkeypatch):
    width = _wide() if width == "wide" else width
    batches = _batches((20, 5), 4, dtype=dtype)

    def build():
        return nn.MLP(5, [width, 4], activation=act)

    eager = _train(build, False, batches, steps=50, dtype=dtype)
    comp = _train(build, True, batches, steps=50, dtype=dtype)
    assert comp[1][0].dtype == dtype
    _assert_same(eager, comp)
    fast = _fast(comp[2])
    assert fast.n_lowered == len(fast.lowered) == 3  # 2 x LinearAct + CrossEntropy
    assert fast.fused_steps == (1 if backend == "numba" else 0)
    monkeypatch.setattr(_compile_module(), "FAST", False)  # the per-op replay: the same
    slow = _train(build, True, batches, steps=50, dtype=dtype)
    assert _fast(slow[2]) is None
    _assert_same(eager, slow)


@pytest.mark.parametrize("opt_cls,kw", [
    (optim.AdamW, {"amsgrad": True}), (optim.Adam, {"weight_decay": 0.05}),
    (optim.Adam, {"maximize": True}), (optim.Adam, {"amsgrad": True, "betas": (0.8, 0.9)})])
def test_fast_adam_variants_match_eager(opt_cls, kw):
    batches = _batches((10, 4), 3)
    _assert_same(_train(mlp, False, batches, steps=12, opt_cls=opt_cls, **kw),
                 _train(mlp, True, batches, steps=12, opt_cls=opt_cls, **kw))


def test_fast_adam_reads_param_groups_and_state_at_every_replay():
    def run(compiled):
        autograd.manual_seed(0)
        model = mlp()
        layers = list(model.parameters())
        opt = optim.Adam([{"params": layers[:2], "lr": 0.05}, {"params": layers[2:]}], lr=1e-2)
        lf = nn.CrossEntropyLoss()

        def step(x, y):
            opt.zero_grad()
            loss = lf(model(x), y)
            loss.backward()
            opt.step()
            return loss

        f = autograd.compile(step, fuse=False) if compiled else step
        xs, ys = _batches((10, 4), 3)
        out = []
        saved = None
        for i in range(14):
            if i == 4:
                saved = (opt.state_dict(), [p.data.copy() for p in layers])
            if i == 8:  # back to step 4: parameters and a new optimizer state object
                opt.load_state_dict(saved[0])
                for p, a in zip(layers, saved[1]):
                    p.data[...] = a
            if i == 10:
                opt.param_groups[1]["lr"] = 0.2
                opt.param_groups[0]["betas"] = (0.5, 0.9)
            j = i % 4 % 3  # steps 4 and 8 see the same batch
            out.append(f(xs[j], ys[j]).data.copy())
        return out, [p.data.copy() for p in layers], f

    eager, comp = run(False), run(True)
    _assert_same(eager, comp)
    assert comp[2].stats["replays"] == 12
    np.testing.assert_array_equal(eager[0][4], eager[0][8])  # the reload took effect


def test_kept_grads_and_outputs_are_not_overwritten_by_later_replays():
    autograd.manual_seed(0)
    model = mlp()
    opt = optim.Adam(model.parameters(), lr=0.05)
    lf = nn.CrossEntropyLoss()
    xs, ys = _batches((10, 4), 3)

    @autograd.compile
    def step(x, y):
        opt.zero_grad()
        out = model(x)
        loss = lf(out, y)
        loss.backward()
        opt.step()
        return loss, out

    kept = []
    for i in range(6):
        loss, out = step(xs[i % 3], ys[i % 3])
        grads = [p.grad for p in model.parameters()]
        kept.append((loss, out, grads, [loss.data.copy(), out.data.copy()]
                     + [g.data.copy() for g in grads]))
    assert step.stats["replays"] == 4
    for loss, out, grads, copies in kept:
        for t, c in zip([loss, out, *grads], copies):
            np.testing.assert_array_equal(t.data, c)
    assert kept[-1][2][0].data is not kept[-2][2][0].data
    assert not np.array_equal(kept[-1][3][2], kept[-2][3][2])  # the grads did change


def test_zero_grad_to_zeros_and_two_backwards_in_one_step():
    def run(compiled):
        autograd.manual_seed(0)
        model = mlp()
        opt = optim.Adam(model.parameters(), lr=1e-2)
        lf = nn.CrossEntropyLoss()

        def step(x, y):
            opt.zero_grad(set_to_none=False)
            out = model(x)
            loss = lf(out, y)
            loss.backward(retain_graph=True)
            loss.backward()  # the same nodes again: gradients add up
            lf(model(x * 2.0), y).backward()
            opt.step()
            return loss

        f = autograd.compile(step) if compiled else step
        xs, ys = _batches((10, 4), 3)
        out = [f(xs[i % 3], ys[i % 3]).data.copy() for i in range(8)]
        return out, [p.data.copy() for p in model.parameters()], f

    eager, comp = run(False), run(True)
    _assert_same(eager, comp)
    assert comp[2].stats["replays"] == 6
    assert _fast(comp[2]).n_lowered == 8 and len(_fast(comp[2]).lowered) == 9  # x * 2: Mul


def test_fast_replay_mixes_lowered_and_other_nodes():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(4, 8)
            self.b = nn.Linear(8, 3)

        def forward(self, x):
            h = self.a(x)
            return self.b(h * h.sigmoid() + 0.5 * h).reshape(-1, 3)

    batches = _batches((10, 4), 3)
    eager = _train(Net, False, batches, steps=10)
    comp = _train(Net, True, batches, steps=10)
    _assert_same(eager, comp)
    fast = _fast(comp[2])
    assert 0 < fast.n_lowered < len(fast.lowered)


def test_fast_replay_on_a_non_contiguous_input_that_requires_grad():
    def run(compiled):
        autograd.manual_seed(0)
        model = mlp()
        lf = nn.CrossEntropyLoss()
        r = np.random.default_rng(5)
        x = Tensor(r.standard_normal((4, 10)).astype(np.float32), requires_grad=True)
        y = Tensor(r.integers(0, 3, 10))

        def step(x, y):
            model.zero_grad()
            loss = lf(model(x.T), y)
            loss.backward()
            return loss, x.grad

        f = autograd.compile(step) if compiled else step
        out = []
        for _ in range(4):
            x.grad = None  # outside the step: a plain attribute write would not be replayed
            out.append([t.data.copy() for t in f(x, y)])
        return out, f

    (eager, _), (comp, f) = run(False), run(True)
    assert f.stats["replays"] == 2
    for a, b in zip(eager, comp):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("kw", [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True},
                                {"momentum": 0.5, "dampening": 0.3, "weight_decay": 0.01}])
@pytest.mark.parametrize("width", [16, "wide"])
def test_fast_sgd_matches_eager(backend, kw, width):
    from autograd.kernels import tuning

    th = tuning.thresholds()
    # "wide": the weight reaches sgd_update's kernel cut-off (below it numpy runs)
    width = th.small_sgd // 5 + 1 if width == "wide" else width
    batches = _batches((20, 5), 4)

    def build():
        return nn.MLP(5, [width, 4], activation="relu")

    eager = _train(build, False, batches, steps=12, opt_cls=optim.SGD, lr=0.05, **kw)
    comp = _train(build, True, batches, steps=12, opt_cls=optim.SGD, lr=0.05, **kw)
    _assert_same(eager, comp)
    assert _fast(comp[2]).fused_steps == (1 if backend == "numba" else 0)


def test_fast_adam_with_a_big_an_unused_and_a_float64_parameter():
    from autograd.kernels import tuning

    # the first layer's weight is past the update kernel's threading cut-off (its own call),
    # `spare` gets no gradient (skipped, as eager), `scale` is float64 (not in the table)
    width = tuning.thresholds().par_min_opt // 5 + 1

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(5, width)
            self.b = nn.Linear(width, 3)
            self.spare = nn.Linear(3, 3)
            self.scale = nn.Parameter(Tensor(np.array([1.5])))

        def forward(self, x):
            return self.b(self.a(x).relu()) * self.scale.astype(np.float32)

    batches = _batches((8, 5), 3)
    eager = _train(Net, False, batches, steps=6)
    comp = _train(Net, True, batches, steps=6)
    _assert_same(eager, comp)
    assert sorted(p.dtype.name for p in comp[1]).count("float64") == 1
    assert _fast(comp[2]).fused_steps == (1 if autograd.get_backend() == "numba" else 0)
