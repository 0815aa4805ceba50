"""The engine's PyTorch API: grad-mode switches, autograd.backward, custom Functions with
ctx, tensor hooks, the non-leaf .grad warning, autograd.functional, views under no_grad."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
from torch_oracle import needs_torch, torch

import autograd as ag
from autograd import Tensor
from autograd import functional as AF


# ---------------------------------------------------------------------- views and versions
@pytest.mark.parametrize("make_view", [
    lambda w: w[0:2],
    lambda w: w.reshape(3, 1),
    lambda w: w.reshape(1, 3).transpose(0, 1),
    lambda w: w[None],
])
def test_view_taken_under_no_grad_shares_the_version_counter(make_view):
    w = Tensor(np.ones(3), requires_grad=True)
    with ag.no_grad():
        v = make_view(w)
    y = (w * w).sum()
    with ag.no_grad():
        v[0] = 100
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_untouched_no_grad_view_leaves_backward_alone():
    w = Tensor(np.ones(3), requires_grad=True)
    with ag.no_grad():
        w[0:2]
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [2.0, 2.0, 2.0])


# ---------------------------------------------------------------------- grad-mode switches
def test_set_grad_enabled_as_call_block_and_decorator():
    assert ag.is_grad_enabled()
    with ag.set_grad_enabled(False):
        assert not ag.is_grad_enabled()
        assert not (Tensor([1.0], requires_grad=True) * 2).requires_grad
    assert ag.is_grad_enabled()
    ag.set_grad_enabled(False)
    try:
        assert not ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)
    assert ag.is_grad_enabled()

    @ag.set_grad_enabled(False)
    def f(x):
        return x * 2

    assert ag.is_grad_enabled()  # decorating does not switch the mode outside f
    assert not f(Tensor([1.0], requires_grad=True)).requires_grad
    with pytest.raises(TypeError, match="bool"):
        ag.set_grad_enabled("no")


def test_inference_mode():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with ag.inference_mode():
        assert ag.is_inference_mode_enabled() and not ag.is_grad_enabled()
        assert not (x * x).requires_grad
    with ag.inference_mode(False):
        assert (x * x).requires_grad
    assert ag.is_grad_enabled() and not ag.is_inference_mode_enabled()

    @ag.inference_mode()
    def f(t):
        return t * 3

    assert not f(x).requires_grad


def test_grad_mode_is_per_thread():
    seen = []
    started, release = threading.Event(), threading.Event()

    def worker():
        with ag.no_grad():
            started.set()
            release.wait(5)
            seen.append(ag.is_grad_enabled())

    t = threading.Thread(target=worker)
    t.start()
    started.wait(5)
    assert ag.is_grad_enabled()  # the other thread's no_grad does not reach this one
    assert (Tensor([1.0], requires_grad=True) * 2).requires_grad
    release.set()
    t.join()
    assert seen == [False]


# ---------------------------------------------------------------------- backward variants
def test_backward_gradient_keyword_and_alias():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(gradient=Tensor([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0, 40.0])
    x.grad = None
    (x * x).backward(grad=Tensor([1.0, 1.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])
    with pytest.raises(TypeError, match="not both"):
        (x * x).backward(Tensor([1.0, 1.0]), grad=Tensor([1.0, 1.0]))


def test_autograd_backward_with_grad_tensors_and_inputs():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0], requires_grad=True)
    y1, y2 = a * b, (a * a).sum()
    ag.backward([y1, y2], [Tensor([1.0, 1.0]), None])
    np.testing.assert_allclose(a.grad.data, [3 + 2, 3 + 4])
    np.testing.assert_allclose(b.grad.data, [3.0])
    a.grad = b.grad = None
    (a * b).sum().backward(inputs=[b])
    assert a.grad is None
    np.testing.assert_allclose(b.grad.data, [3.0])
    with pytest.raises(ValueError, match="2 tensors but 1"):
        ag.backward([y1, y2], [None])


# ---------------------------------------------------------------------- custom Functions
class Cube(ag.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        assert ctx.needs_input_grad == (True, False)
        return g * 3 * x * x * ctx.scale, None


def test_ctx_function_forward_backward_and_gradcheck():
    x = Tensor([1.0, -2.0, 0.5], requires_grad=True)
    y = Cube.apply(x, 2.0)
    np.testing.assert_allclose(y.data, 2 * x.data ** 3)
    assert "cube" in repr(y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data ** 2)
    assert ag.gradcheck(lambda t: Cube.apply(t, 1.5), [Tensor([0.3, -1.2], requires_grad=True)])


@needs_torch
def test_ctx_function_matches_the_same_function_in_torch():
    class TCube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x * x * x * scale

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x * x * ctx.scale, None

    data = np.array([0.5, -1.5, 2.0])
    x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    (Cube.apply(x, 2.0) * Tensor([1.0, 2.0, 3.0])).sum().backward()
    (TCube.apply(tx, 2.0) * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())


def test_ctx_function_errors():
    class WrongCount(ag.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g  # one gradient for two arguments

    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="returned 1 gradient.*2 argument"):
        WrongCount.apply(x, 2.0).sum().backward()

    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x, 1.0)
    with ag.no_grad():
        x[0] = 5.0
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()

    with pytest.raises(TypeError, match="staticmethod backward"):
        class NoStaticBackward(ag.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            def backward(self, g):
                return (g,)


def test_ctx_function_without_grad_records_nothing():
    x = Tensor([1.0, 2.0])
    y = Cube.apply(x, 1.0)
    assert not y.requires_grad and y.grad_fn is None
    np.testing.assert_allclose(y.data, [1.0, 8.0])


def test_library_style_function_still_works():
    class Double(ag.Function):
        def forward(self, a):
            return a * 2

        def backward(self, g):
            return (g * 2,)

    x = Tensor([1.0, 3.0], requires_grad=True)
    Double.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


# ---------------------------------------------------------------------- hooks, warnings
def test_register_hook_changes_the_gradient_and_can_be_removed():
    x = Tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: g * 10)
    h2 = x.register_hook(lambda g: seen.append(g.data.copy()))
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [30.0, 30.0])
    np.testing.assert_array_equal(seen[0], [30.0, 30.0])  # hooks run in order
    h.remove()
    h2.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_hook_on_an_intermediate_reaches_the_leaves():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.register_hook(lambda g: g * 0.5)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0, 2.0])  # 0.5 * 2x
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).register_hook(lambda g: g)


def test_non_leaf_grad_warns_unless_retained():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = x * 3
    z.retain_grad()
    (y.sum() + z.sum()).backward()
    with pytest.warns(UserWarning, match="not a leaf"):
        assert y.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(z.grad.data, [1.0, 1.0])
        np.testing.assert_array_equal(x.grad.data, [5.0, 5.0])


def test_grad_assignment_is_checked():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="shape"):
        x.grad = Tensor([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="Tensor or None"):
        x.grad = [1.0, 2.0]


# ---------------------------------------------------------------------- autograd.functional
def test_jacobian_and_hessian_values():
    x = Tensor([1.0, 2.0, 3.0])
    jac = AF.jacobian(lambda a: a * a, x)
    np.testing.assert_allclose(jac.data, np.diag([2.0, 4.0, 6.0]))
    hes = AF.hessian(lambda a: (a * a * a).sum(), x)
    np.testing.assert_allclose(hes.data, np.diag([6.0, 12.0, 18.0]))
    a, b = Tensor([[1.0, 2.0]]), Tensor([3.0, 4.0])
    ja, jb = AF.jacobian(lambda p, q: (p * q).sum(), (a, b))
    np.testing.assert_allclose(ja.data, [[3.0, 4.0]])
    np.testing.assert_allclose(jb.data, [1.0, 2.0])
    assert ja.shape == (1, 2) and jb.shape == (2,)


def test_vjp_jvp_hvp_values():
    x = Tensor([1.0, 2.0])
    out, g = AF.vjp(lambda a: a * a, x, Tensor([1.0, 3.0]))
    np.testing.assert_allclose(out.data, [1.0, 4.0])
    np.testing.assert_allclose(g.data, [2.0, 12.0])
    out, jv = AF.jvp(lambda a: (a * a).sum() * a, x, Tensor([1.0, 0.0]))
    # f = s a with s = |a|^2: J v = (2 a.v) a + s v = 2*[1,2] + 5*[1,0]
    np.testing.assert_allclose(jv.data, [7.0, 4.0])
    val, hv = AF.hvp(lambda a: (a * a * a).sum(), x, Tensor([1.0, 1.0]))
    np.testing.assert_allclose(val.data, 9.0)
    np.testing.assert_allclose(hv.data, [6.0, 12.0])
    with pytest.raises(RuntimeError, match="v can be omitted"):
        AF.vjp(lambda a: a * a, x)


@needs_torch
def test_functional_matches_torch():
    rng = np.random.default_rng(3)
    xa = rng.standard_normal(4)
    va = rng.standard_normal(4)

    def f(m, a):
        return (a.tanh() * a.exp()).sum() + (a * a * a).sum()

    ours = AF.hessian(lambda a: f(ag, a), Tensor(xa))
    theirs = torch.autograd.functional.hessian(lambda a: f(torch, a), torch.tensor(xa))
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-10, atol=1e-12)

    def g(a):
        return a.tanh() * a

    ours_j = AF.jacobian(g, Tensor(xa))
    theirs_j = torch.autograd.functional.jacobian(g, torch.tensor(xa))
    np.testing.assert_allclose(ours_j.data, theirs_j.numpy(), rtol=1e-10, atol=1e-12)
    _, ours_jv = AF.jvp(g, Tensor(xa), Tensor(va))
    _, theirs_jv = torch.autograd.functional.jvp(g, torch.tensor(xa), torch.tensor(va))
    np.testing.assert_allclose(ours_jv.data, theirs_jv.numpy(), rtol=1e-10, atol=1e-12)


def test_sum_to():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = ag.sum_to(x, (1, 3))
    np.testing.assert_allclose(y.data, [[3.0, 5.0, 7.0]])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.ones((2, 3)))
    np.testing.assert_allclose(ag.sum_to(x, (3,)).data, [3.0, 5.0, 7.0])
    with pytest.raises(ValueError, match="does not broadcast"):
        ag.sum_to(x, (2, 2))


def test_autograd_alias_for_torch_spelling():
    assert ag.autograd.grad is ag.grad and ag.autograd.Function is ag.Function
    assert ag.autograd.functional.jacobian is AF.jacobian
