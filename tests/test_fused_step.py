"""autograd.compile's fused step (one numba call for a dense network's whole training step):
it agrees with the eager step within float rounding, reads the optimizer's settings and
state at every call, leaves the gradients as eager does, and steps aside (the replay runs)
for anything outside its pattern."""

from __future__ import annotations

import warnings
import weakref

import numpy as np
import pytest

import autograd
import nn
import optim
from autograd import CompileWarning, Tensor

TOL32 = dict(rtol=1e-5, atol=1e-5)
TOL64 = dict(rtol=1e-10, atol=1e-12)


def _step_fn(model, opt, lf):
    """The training step every test here compiles: zero_grad, loss, backward, step."""

    def step(x, y):
        opt.zero_grad()
        out = lf(model(x), y)
        out.backward()
        opt.step()
        return out

    return step


def _data(sizes, batch, loss, dtype=np.float32, count=3, seed=0):
    r = np.random.default_rng(seed)
    xs = [Tensor(r.standard_normal((batch, sizes[0])).astype(dtype)) for _ in range(count)]
    if loss == "mse":
        ys = [Tensor(r.standard_normal((batch, sizes[-1])).astype(dtype)) for _ in range(count)]
    else:
        ys = [Tensor(r.integers(0, sizes[-1], batch)) for _ in range(count)]
    return xs, ys


def _run(sizes, act, batches, mode, steps=50, opt_cls=optim.Adam, lr=1e-2, loss="xent",
         dtype=np.float32, sched=None, **kw):
    """Train ``steps`` steps eagerly (mode None) or compiled (mode = fuse flag); returns the
    losses, the final parameters, the final gradients, the compiled function and, per call,
    whether it ran the fused step."""
    autograd.manual_seed(0)
    model = nn.MLP(sizes[0], list(sizes[1:]), activation=act, dtype=dtype)
    opt = opt_cls(model.parameters(), lr=lr, **kw)
    scheduler = sched(opt) if sched is not None else None
    lf = nn.MSELoss() if loss == "mse" else nn.CrossEntropyLoss()

    step = _step_fn(model, opt, lf)

    f = step if mode is None else autograd.compile(step, fuse=mode)
    xs, ys = batches
    losses, fused = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for i in range(steps):
            losses.append(float(f(xs[i % len(xs)], ys[i % len(ys)])))
            fused.append(getattr(f, "fused", False))
            if scheduler is not None:
                scheduler.step()
    params = list(model.parameters())
    return (losses, [p.data.copy() for p in params], [p.grad.data.copy() for p in params], f,
            fused)


def _close(a, b, tol):
    np.testing.assert_allclose(a[0], b[0], **tol)
    for x, y in zip(a[1] + a[2], b[1] + b[2]):
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_allclose(x, y, **tol)


CASES = [
    ([2, 16, 16, 2], "tanh", 100, "mse"),
    ([2, 16, 16, 2], "tanh", 100, "xent"),
    ([64, 64, 10], "relu", 32, "xent"),
    ([5, 12, 7, 3], "sigmoid", 20, "xent"),
    ([5, 12, 3], "leaky_relu", 20, "mse"),
    ([5, 9, 4], "none", 20, "xent"),
]


@pytest.mark.parametrize("sizes,act,batch,loss", CASES)
def test_fused_adam_agrees_with_eager_after_50_steps(sizes, act, batch, loss):
    batches = _data(sizes, batch, loss)
    eager = _run(sizes, act, batches, None, loss=loss)
    fused = _run(sizes, act, batches, True, loss=loss)
    _close(eager, fused, TOL32)
    assert fused[4][:2] == [False, False] and all(fused[4][2:])  # 2 records, then fused
    assert fused[3].stats == {"records": 2, "replays": 48, "eager": 0}
    assert not np.array_equal(eager[1][0], _run(sizes, act, batches, None, steps=2,
                                                loss=loss)[1][0])  # training moved it


@pytest.mark.parametrize("opt_cls,kw", [
    (optim.AdamW, {"weight_decay": 0.1}),
    (optim.Adam, {"weight_decay": 0.05, "betas": (0.8, 0.95), "eps": 1e-6}),
    (optim.SGD, {"momentum": 0.9, "nesterov": True}),
    (optim.SGD, {"momentum": 0.5, "dampening": 0.3, "weight_decay": 0.01}),
    (optim.SGD, {}),
])
def test_fused_optimizers_agree_with_eager(opt_cls, kw):
    sizes = [4, 16, 3]
    batches = _data(sizes, 24, "xent")
    eager = _run(sizes, "tanh", batches, None, opt_cls=opt_cls, lr=0.05, **kw)
    fused = _run(sizes, "tanh", batches, True, opt_cls=opt_cls, lr=0.05, **kw)
    _close(eager, fused, TOL32)
    assert all(fused[4][2:])


@pytest.mark.parametrize("opt_cls,kw,loss", [(optim.Adam, {}, "xent"),
                                             (optim.SGD, {"momentum": 0.9}, "mse")])
def test_fused_float64(opt_cls, kw, loss):
    sizes = [3, 10, 10, 2]
    batches = _data(sizes, 30, loss, dtype=np.float64)
    eager = _run(sizes, "tanh", batches, None, opt_cls=opt_cls, loss=loss, dtype=np.float64,
                 **kw)
    fused = _run(sizes, "tanh", batches, True, opt_cls=opt_cls, loss=loss, dtype=np.float64,
                 **kw)
    assert fused[1][0].dtype == np.float64
    _close(eager, fused, TOL64)
    assert all(fused[4][2:])


def test_fused_sees_a_schedulers_lr():
    sizes = [4, 16, 3]
    batches = _data(sizes, 24, "xent")

    def sched(o):
        return optim.lr_scheduler.StepLR(o, step_size=5, gamma=0.3)

    eager = _run(sizes, "relu", batches, None, steps=20, sched=sched)
    fused = _run(sizes, "relu", batches, True, steps=20, sched=sched)
    _close(eager, fused, TOL32)
    assert all(fused[4][2:])
    const = _run(sizes, "relu", batches, True, steps=20)
    assert np.abs(const[1][0] - fused[1][0]).max() > 1e-3  # the lr did change something


def test_fused_is_off_for_ops_outside_the_pattern_and_those_still_match_eager():
    sizes = [4, 16, 3]
    batches = _data(sizes, 24, "xent")

    def build():
        return nn.Sequential(nn.Linear(4, 16), nn.Dropout(0.3), nn.Tanh(), nn.Linear(16, 3))

    def run(compiled):
        autograd.manual_seed(0)
        model = build()
        opt = optim.Adam(model.parameters(), lr=1e-2)
        lf = nn.CrossEntropyLoss()

        step = _step_fn(model, opt, lf)

        f = autograd.compile(step) if compiled else step
        losses = [float(f(batches[0][i % 3], batches[1][i % 3])) for i in range(8)]
        return losses, [p.data.copy() for p in model.parameters()], f

    eager, comp = run(False), run(True)
    assert eager[0] == comp[0]  # not fused: the replay, bit for bit
    for a, b in zip(eager[1], comp[1]):
        np.testing.assert_array_equal(a, b)
    assert comp[2].stats["replays"] == 6 and comp[2].fused is False


def test_fused_is_off_when_the_step_returns_more_than_the_loss():
    autograd.manual_seed(0)
    model = nn.MLP(4, [8, 3])
    opt = optim.Adam(model.parameters(), lr=1e-2)
    lf = nn.CrossEntropyLoss()

    @autograd.compile
    def step(x, y):
        opt.zero_grad()
        out = model(x)
        loss = lf(out, y)
        loss.backward()
        opt.step()
        return loss, out

    xs, ys = _data([4, 8, 3], 10, "xent")
    for _ in range(4):
        step(xs[0], ys[0])
    assert step.stats["replays"] == 2 and step.fused is False


@pytest.fixture
def threads(request):
    """numba's thread count for one test (skipped where the machine has fewer)."""
    import numba

    want = request.param
    if want > numba.config.NUMBA_NUM_THREADS:
        pytest.skip(f"needs {want} numba threads")
    before = numba.get_num_threads()
    numba.set_num_threads(want)
    yield want
    numba.set_num_threads(before)


@pytest.mark.parametrize("threads", [1, 2], indirect=True)
@pytest.mark.parametrize("sizes,batch,loss,dtype,act", [
    ([300, 200, 100, 10], 64, "xent", np.float32, "relu"),  # packed, packed (gh too), small
    ([150, 100, 3], 90, "mse", np.float64, "tanh"),  # ragged tiles, float64
])
def test_big_products_run_the_packed_kernel_inside_the_fused_step(threads, sizes, batch,
                                                                 loss, dtype, act):
    from autograd.kernels import fused_step as fk
    from autograd.kernels import parallel

    dims = list(zip(sizes[:-1], sizes[1:]))
    packed = fk.packed_layers(batch, dims)
    assert packed[0] and not packed[-1]  # both kinds of layer in one step
    batches = _data(sizes, batch, loss, dtype=dtype)
    tol = TOL32 if dtype == np.float32 else dict(rtol=1e-9, atol=1e-11)
    parallel._best.pop(fk.fused_step, None)
    with parallel.suspended():  # no back-off: the thread count is the test's
        eager = _run(sizes, act, batches, None, loss=loss, dtype=dtype, steps=12, eps=1e-4)
        fused = _run(sizes, act, batches, True, loss=loss, dtype=dtype, steps=12, eps=1e-4)
    _close(eager, fused, tol)
    assert all(fused[4][2:]) and fused[3].stats["replays"] == 10
    # two threads when the largest product gets two from the matmul's cut-off; such a run
    # times its calls for the busy-core back-off; one thread never does
    largest = max(2 * batch * k * n for (k, n), pk in zip(dims, packed) if pk)
    two = largest >= autograd.kernels.tuning.thresholds().mm_parallel_min_flops
    assert (fk.fused_step in parallel._best) == (threads > 1 and two)


@pytest.mark.parametrize("sizes,batch,opt_cls,kw", [
    ([1200, 1000, 3], 1, optim.SGD, {"momentum": 0.9, "nesterov": True}),  # one sample
    # eps well above the gradients' rounding: Adam's m / sqrt(v) of a gradient that is a
    # few ulps from zero is +-1 either way, so BLAS's and the kernel's sums (another order)
    # could move such a weight by 2 lr in opposite directions
    ([500, 400, 7], 16, optim.AdamW, {"weight_decay": 0.1, "eps": 1e-4}),
    ([100, 3000, 5], 8, optim.SGD, {}),  # a wide hidden layer, no momentum buffer
])
def test_packed_layers_with_other_optimizers_and_batch_sizes(sizes, batch, opt_cls, kw):
    from autograd.kernels import fused_step as fk

    assert fk.packed_layers(batch, list(zip(sizes[:-1], sizes[1:])))[0]
    batches = _data(sizes, batch, "xent")
    eager = _run(sizes, "relu", batches, None, steps=6, opt_cls=opt_cls, **kw)
    fused = _run(sizes, "relu", batches, True, steps=6, opt_cls=opt_cls, **kw)
    _close(eager, fused, TOL32)
    assert all(fused[4][2:])


def test_gradients_not_held_outside_reuse_last_calls_array_and_held_ones_stay():
    sizes = [300, 200, 10]
    xs, ys = _data(sizes, 64, "xent")
    autograd.manual_seed(0)
    model = nn.MLP(300, [200, 10], activation="relu")
    opt = optim.Adam(model.parameters(), lr=1e-2)
    f = autograd.compile(_step_fn(model, opt, nn.CrossEntropyLoss()))
    for i in range(3):
        f(xs[i], ys[i])
    w = model[0].weight if hasattr(model, "__getitem__") else list(model.parameters())[0]
    base = weakref.ref(w.grad.data.base)  # (a strong reference would hold the array)
    f(xs[0], ys[0])
    assert f.fused and w.grad.data.base is base()  # nobody held the old views: reused
    kept = w.grad
    copy = kept.data.copy()
    f(xs[1], ys[1])
    assert w.grad.data.base is not kept.data.base  # a view is held: a fresh array
    np.testing.assert_array_equal(kept.data, copy)
    assert not np.array_equal(w.grad.data, copy)


def test_fused_is_off_on_the_numpy_backend():
    previous = autograd.get_backend()
    autograd.set_backend("numpy")
    try:
        sizes = [4, 8, 3]
        fused = _run(sizes, "tanh", _data(sizes, 10, "xent"), True, steps=5)
    finally:
        autograd.set_backend(previous)
    assert fused[4] == [False] * 5 and fused[3].stats["replays"] == 3


def test_new_batch_size_records_again_and_fuses():
    sizes = [3, 12, 4]
    autograd.manual_seed(0)
    xa, ya = _data(sizes, 40, "xent", count=1)
    xb, yb = _data(sizes, 17, "xent", count=1, seed=1)

    def run(compiled):
        autograd.manual_seed(0)
        model = nn.MLP(3, [12, 4], activation="tanh")
        opt = optim.Adam(model.parameters(), lr=1e-2)
        lf = nn.CrossEntropyLoss()

        step = _step_fn(model, opt, lf)

        f = autograd.compile(step) if compiled else step
        out = []
        for x, y in [(xa, ya)] * 4 + [(xb, yb)] * 4 + [(xa, ya)] * 2:
            out.append((float(f(x[0], y[0])), getattr(f, "fused", None)))
        return out, [p.data.copy() for p in model.parameters()], f

    eager, comp = run(False), run(True)
    np.testing.assert_allclose([v for v, _ in eager[0]], [v for v, _ in comp[0]], **TOL32)
    for a, b in zip(eager[1], comp[1]):
        np.testing.assert_allclose(a, b, **TOL32)
    assert [fl for _, fl in comp[0]] == [False, False, True, True] * 2 + [True, True]
    assert comp[2].stats["records"] == 4


def test_grads_are_eagers_and_a_kept_grad_is_never_overwritten():
    sizes = [4, 16, 3]
    xs, ys = _data(sizes, 24, "xent")
    autograd.manual_seed(0)
    model = nn.MLP(4, [16, 3], activation="tanh")
    opt = optim.Adam(model.parameters(), lr=1e-2)
    lf = nn.CrossEntropyLoss()

    step = _step_fn(model, opt, lf)

    f = autograd.compile(step)
    kept = []
    for i in range(6):
        before = [p.data.copy() for p in model.parameters()]
        f(xs[i % 3], ys[i % 3])
        grads = [p.grad for p in model.parameters()]
        kept.append((grads, [g.data.copy() for g in grads]))
        if f.fused:  # the same gradients as an eager backward from the same parameters
            twin = nn.MLP(4, [16, 3], activation="tanh")
            for q, b in zip(twin.parameters(), before):
                q.data[...] = b
            lf(twin(xs[i % 3]), ys[i % 3]).backward()
            for p, q in zip(model.parameters(), twin.parameters()):
                assert p.grad.shape == q.grad.shape and p.grad.dtype == q.grad.dtype
                assert not p.grad.requires_grad
                np.testing.assert_allclose(p.grad.data, q.grad.data, **TOL32)
    assert f.fused and f.stats["replays"] == 4
    for grads, copies in kept:  # later calls wrote none of the earlier gradients
        for g, c in zip(grads, copies):
            np.testing.assert_array_equal(g.data, c)
    assert kept[-1][0][0] is not kept[-2][0][0]
    assert not np.array_equal(kept[-1][1][0], kept[-2][1][0])


def test_unfusable_settings_and_a_reset_state_take_the_replay_for_that_call():
    sizes = [4, 16, 3]
    xs, ys = _data(sizes, 24, "xent")

    def run(compiled):
        autograd.manual_seed(0)
        model = nn.MLP(4, [16, 3], activation="relu")
        opt = optim.Adam(model.parameters(), lr=1e-2)
        lf = nn.CrossEntropyLoss()

        step = _step_fn(model, opt, lf)

        f = autograd.compile(step) if compiled else step
        flags = []
        for i in range(14):
            if i == 5:
                opt.state.clear()  # a fresh state: the next step is a first step
            if i == 8:
                opt.param_groups[0]["maximize"] = True
            if i == 10:
                opt.param_groups[0]["maximize"] = False
            f(xs[i % 3], ys[i % 3])
            flags.append(getattr(f, "fused", None))
        steps = [opt.state[p]["step"] for p in model.parameters()]
        return [p.data.copy() for p in model.parameters()], flags, steps

    eager, comp = run(False), run(True)
    for a, b in zip(eager[0], comp[0]):
        np.testing.assert_allclose(a, b, **TOL32)
    assert comp[1] == [False, False, True, True, True, False, True, True, False, False,
                       True, True, True, True]
    assert eager[2] == comp[2] == [9] * 4  # the step counts, through every path


def test_amsgrad_is_not_fused_and_matches_eager():
    sizes = [4, 16, 3]
    batches = _data(sizes, 24, "xent")
    eager = _run(sizes, "tanh", batches, None, steps=8, amsgrad=True)
    comp = _run(sizes, "tanh", batches, True, steps=8, amsgrad=True)
    assert comp[4] == [False] * 8 and comp[3].stats["replays"] == 6
    assert eager[0] == comp[0]  # the replay: bit for bit


def test_bad_labels_still_raise():
    sizes = [4, 8, 3]
    xs, ys = _data(sizes, 10, "xent")
    autograd.manual_seed(0)
    model = nn.MLP(4, [8, 3])
    opt = optim.SGD(model.parameters(), lr=0.1)
    lf = nn.CrossEntropyLoss()

    step = autograd.compile(_step_fn(model, opt, lf))

    for _ in range(3):
        step(xs[0], ys[0])
    assert step.fused
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match="out of range"):
        step(xs[0], Tensor(np.full(10, 3)))
    for p, b in zip(model.parameters(), before):  # nothing was updated
        np.testing.assert_array_equal(p.data, b)
    step(xs[0], ys[0])
    assert step.fused


def test_non_contiguous_input_and_module_zero_grad_fuse():
    r = np.random.default_rng(2)
    xt = [Tensor(r.standard_normal((4, 20)).astype(np.float32)) for _ in range(2)]
    ys = [Tensor(r.integers(0, 3, 20)) for _ in range(2)]

    def run(compiled):
        autograd.manual_seed(0)
        model = nn.MLP(4, [8, 3], activation="tanh")
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        lf = nn.CrossEntropyLoss()

        def step(x, y):
            model.zero_grad()
            out = lf(model(x), y)
            out.backward()
            opt.step()
            return out

        f = autograd.compile(step) if compiled else step
        losses = [float(f(xt[i % 2].T, ys[i % 2])) for i in range(6)]
        return losses, [p.data.copy() for p in model.parameters()], f

    eager, comp = run(False), run(True)
    np.testing.assert_allclose(eager[0], comp[0], **TOL32)
    for a, b in zip(eager[1], comp[1]):
        np.testing.assert_allclose(a, b, **TOL32)
    assert comp[2].fused


@pytest.mark.parametrize("smoothing,reduction", [(0.1, "sum"), (0.0, "sum"), (0.2, "mean")])
def test_label_smoothing_and_sum_reduction_fuse(smoothing, reduction):
    xs, ys = _data([5, 10, 4], 16, "xent")

    def run(compiled):
        autograd.manual_seed(0)
        model = nn.MLP(5, [10, 4], activation="relu")
        opt = optim.Adam(model.parameters(), lr=1e-2)
        lf = nn.CrossEntropyLoss(label_smoothing=smoothing, reduction=reduction)

        step = _step_fn(model, opt, lf)

        f = autograd.compile(step) if compiled else step
        losses = [float(f(xs[i % 3], ys[i % 3])) for i in range(10)]
        return losses, [p.data.copy() for p in model.parameters()], f

    eager, comp = run(False), run(True)
    np.testing.assert_allclose(eager[0], comp[0], **TOL32)
    for a, b in zip(eager[1], comp[1]):
        np.testing.assert_allclose(a, b, **TOL32)
    assert comp[2].fused


def test_fuse_must_be_a_bool():
    with pytest.raises(TypeError, match="fuse must be True or False"):
        autograd.compile(lambda x: x, fuse="yes")
    assert autograd.compile(lambda x: x, fuse=False).fuse is False


def test_fused_reads_param_groups_and_a_loaded_state_at_every_call():
    xs, ys = _data([4, 16, 3], 10, "xent")

    def run(compiled):
        autograd.manual_seed(0)
        model = nn.MLP(4, [16, 3], activation="tanh")
        layers = list(model.parameters())
        opt = optim.Adam([{"params": layers[:2], "lr": 0.05}, {"params": layers[2:]}], lr=1e-2)
        lf = nn.CrossEntropyLoss()

        step = _step_fn(model, opt, lf)

        f = autograd.compile(step) if compiled else step
        out, flags, saved = [], [], None
        for i in range(16):
            if i == 4:
                saved = (opt.state_dict(), [p.data.copy() for p in layers])
            if i == 8:  # back to step 4: parameters and new optimizer state objects
                opt.load_state_dict(saved[0])
                for p, a in zip(layers, saved[1]):
                    p.data[...] = a
            if i == 10:
                opt.param_groups[1]["lr"] = 0.2
                opt.param_groups[0]["betas"] = (0.5, 0.9)
            if i == 12:
                opt.param_groups[0]["weight_decay"] = 0.1
            j = i % 4 % 3  # steps 4 and 8 see the same batch
            out.append(float(f(xs[j], ys[j])))
            flags.append(getattr(f, "fused", None))
        return out, [p.data.copy() for p in layers], flags

    eager, comp = run(False), run(True)
    np.testing.assert_allclose(eager[0], comp[0], **TOL32)
    for a, b in zip(eager[1], comp[1]):
        np.testing.assert_allclose(a, b, **TOL32)
    assert eager[0][4] == eager[0][8]  # the reload took effect
    assert comp[2] == [False, False] + [True] * 14


def test_read_only_inputs_fuse_without_a_second_kernel_signature():
    from autograd.kernels import fused_step as fk

    r = np.random.default_rng(4)
    xa = r.standard_normal((12, 4)).astype(np.float32)
    xa.flags.writeable = False
    ya = r.integers(0, 3, 12)
    ya.flags.writeable = False
    x, y = Tensor(xa), Tensor(ya)
    autograd.manual_seed(0)
    model = nn.MLP(4, [8, 3], activation="tanh")
    opt = optim.SGD(model.parameters(), lr=0.1)
    lf = nn.CrossEntropyLoss()

    step = autograd.compile(_step_fn(model, opt, lf))

    for _ in range(4):
        step(x, y)
    assert step.fused
    assert all(sig[0].mutable and sig[1].mutable
               for sig in fk.fused_step.signatures)


def _seq_run(act_mod, fuse, steps=40, ret_pre=False):
    """nn.Sequential(Linear, <activation module>, Linear, ...): the activation op the
    Sequential records apart from its Linear folds into the fused layer."""
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 12), act_mod(), nn.Linear(12, 8), act_mod(),
                          nn.Linear(8, 4))
    opt = optim.Adam(model.parameters(), lr=1e-2)

    def step(x, y):
        opt.zero_grad()
        pre = model[0](x)
        h = model[1:](pre)
        loss = nn.functional.cross_entropy(h, y)
        loss.backward()
        opt.step()
        return (loss, pre) if ret_pre else loss

    f = step if fuse is None else autograd.compile(step, fuse=fuse)
    xs, ys = _data([3, 4], 24, "xent")
    for i in range(steps):
        f(xs[i % 3], ys[i % 3])
    return [p.data.copy() for p in model.parameters()], f


@pytest.mark.parametrize("act_mod", [nn.ReLU, nn.Tanh, nn.Sigmoid, lambda: nn.LeakyReLU(0.2)],
                         ids=["relu", "tanh", "sigmoid", "leaky_relu"])
def test_sequential_activation_modules_fold_into_the_fused_layers(act_mod):
    eager, _ = _seq_run(act_mod, None)
    fused, f = _seq_run(act_mod, True)
    assert f.fused
    for a, b in zip(eager, fused):
        np.testing.assert_allclose(a, b, **TOL32)


def test_a_pre_activation_read_elsewhere_does_not_fold():
    eager, _ = _seq_run(nn.ReLU, None, ret_pre=True)
    got, f = _seq_run(nn.ReLU, True, ret_pre=True)  # the step returns layer 0's output too
    assert not f.fused and f.eager_reason is None  # the replay runs it, bit for bit
    for a, b in zip(eager, got):
        np.testing.assert_array_equal(a, b)
