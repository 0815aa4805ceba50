"""The backward engine: graph shapes, accumulation, retained and released graphs,
``autograd.grad``, grad modes, version counters, higher-order gradients, dtypes, factories
and the Tensor's small conveniences."""

from __future__ import annotations

import gc
import math
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Function, Tensor, gradcheck
from autograd.gradcheck import GradcheckError


def t64(a, requires_grad=True):
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


# ---------------------------------------------------------------------------------------
# graph shapes and accumulation
# ---------------------------------------------------------------------------------------
def test_reused_nodes_accumulate_every_path():
    x = t64([1.5, -2.0])
    y = x * x + x  # x reached three times
    z = y * y + y.exp()  # y reached three times
    z.sum().backward()
    xd = x.data
    yd = xd * xd + xd
    np.testing.assert_allclose(x.grad.data, (2 * yd + np.exp(yd)) * (2 * xd + 1))


def test_same_tensor_as_both_operands():
    x = t64([3.0])
    (x * x).backward(np.ones(1))
    np.testing.assert_allclose(x.grad.data, [6.0])
    x.grad = None
    (x / x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0], atol=1e-15)


def test_gradients_accumulate_across_backward_calls_until_zero_grad():
    x = t64([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3 + 2, 3 + 4])
    x.zero_grad()
    assert x.grad is None
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0])


def test_leaf_grads_are_fresh_arrays_that_alias_nothing():
    x = t64([1.0, 2.0])
    y = t64([3.0, 4.0])
    g = Tensor(np.array([1.0, 1.0]))
    (x + y).backward(g)
    assert x.grad is not g and y.grad is not g
    assert not np.shares_memory(x.grad.data, y.grad.data)
    assert not np.shares_memory(x.grad.data, g.data)
    with ag.no_grad():
        x.grad += 1.0  # an optimizer may update a grad in place
    np.testing.assert_array_equal(y.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(g.data, [1.0, 1.0])
    w = t64(np.ones((2, 3)))
    w.sum().backward()  # the gradient is a broadcast view internally
    assert w.grad.data.flags.writeable and w.grad.data.flags.owndata


def test_backward_on_a_leaf_and_on_a_scalar_with_explicit_grad():
    x = t64(2.0)
    x.backward()
    assert x.grad.item() == 1.0
    y = t64([1.0, 2.0])
    (y * 2.0).backward([1.0, 10.0])
    np.testing.assert_allclose(y.grad.data, [2.0, 20.0])


def test_leaf_grad_has_the_leaf_dtype_even_through_mixed_dtype_ops():
    x = Tensor([1.0, 2.0], requires_grad=True)  # float32
    w = Tensor(np.array([0.5, 0.25]))  # float64
    y = x * w
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, [0.5, 0.25])


def test_a_100000_op_chain_backpropagates_without_recursion():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + x
    y.backward()
    assert x.grad.item() == 100_001.0


def test_retain_graph_allows_a_second_backward_and_a_freed_graph_refuses_it():
    x = t64([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, [4.0, 8.0])
    with pytest.raises(RuntimeError, match=r"second time.*retain_graph=True"):
        y.backward()
    z = x.exp()
    z.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (z * 2.0).sum().backward()  # a new root, but through exp's freed buffers


def test_released_graph_frees_saved_buffers_and_holds_no_cycles():
    gc.collect()
    gc.disable()
    try:
        x = t64(np.ones((3, 3)))
        y = (x * 2.0).tanh()
        fn = y.grad_fn
        ref = weakref.ref(y)
        loss = y.sum()
        loss.backward()
        assert fn.released and not fn.__dict__
        del y, loss
        assert ref() is None  # freed by reference counting alone: no cycle through the graph
        x2 = t64([1.0])
        r2 = weakref.ref(x2 * 3.0)
        assert r2() is None
    finally:
        gc.enable()


# ---------------------------------------------------------------------------------------
# autograd.grad
# ---------------------------------------------------------------------------------------
def test_grad_returns_gradients_without_touching_dot_grad():
    x = t64([1.0, 2.0])
    w = t64([3.0, -1.0])
    w.grad = Tensor(np.array([7.0, 7.0]))
    gx, gw = ag.grad((x * w).sum(), [x, w])
    np.testing.assert_allclose(gx.data, [3.0, -1.0])
    np.testing.assert_allclose(gw.data, [1.0, 2.0])
    assert x.grad is None
    np.testing.assert_array_equal(w.grad.data, [7.0, 7.0])
    (gx2,) = ag.grad((x * x).sum(), x)
    np.testing.assert_allclose(gx2.data, [2.0, 4.0])
    g1, g2 = ag.grad((x * x).sum(), [x, x])  # the same input twice: its gradient twice
    np.testing.assert_allclose(g1.data, [2.0, 4.0])
    np.testing.assert_allclose(g2.data, [2.0, 4.0])
    assert not np.shares_memory(g1.data, g2.data)


def test_grad_of_an_intermediate_and_with_grad_outputs():
    x = t64([1.0, 2.0, 3.0])
    h = x * 2.0
    y = h * h
    (gh,) = ag.grad(y, h, grad_outputs=Tensor(np.array([1.0, 0.0, -1.0])))
    np.testing.assert_allclose(gh.data, [4.0, 0.0, -12.0])
    a, b = x * 1.0, x * 2.0
    (gx,) = ag.grad([a, b], [x], grad_outputs=[np.ones(3), np.full(3, 10.0)])
    np.testing.assert_allclose(gx.data, [21.0, 21.0, 21.0])


def test_grad_allow_unused():
    x, unused = t64([1.0]), t64([2.0])
    y = (x * 3.0).sum()
    with pytest.raises(ValueError, match="allow_unused=True"):
        ag.grad(y, [x, unused], retain_graph=True)
    gx, gu = ag.grad(y, [x, unused], allow_unused=True)
    np.testing.assert_allclose(gx.data, [3.0])
    assert gu is None


def test_grad_validates_its_arguments():
    x = t64([1.0, 2.0])
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*grad"):
        ag.grad(y, x)
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\).*\(2,\)"):
        ag.grad(y, x, grad_outputs=np.ones(3))
    with pytest.raises(ValueError, match="requires_grad=True"):
        ag.grad(y.sum(), Tensor([1.0]))
    with pytest.raises(ValueError, match="requires grad"):
        ag.grad(Tensor(1.0), x)
    with pytest.raises(ValueError, match="2 outputs but 1 grad_outputs"):
        ag.grad([y, y], x, grad_outputs=[np.ones(2)])


# ---------------------------------------------------------------------------------------
# grad modes, detach, requires_grad_, retain_grad
# ---------------------------------------------------------------------------------------
def test_no_grad_context_manager_and_enable_grad():
    x = t64([1.0])
    assert ag.is_grad_enabled()
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = x * 2.0
        with ag.enable_grad():
            z = x * 2.0
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None
    with pytest.raises(KeyError):
        with ag.no_grad():
            raise KeyError("boom")
    assert ag.is_grad_enabled()  # restored after an exception


def test_no_grad_as_decorator():
    x = t64([1.0])

    @ag.no_grad()
    def f(t):
        """doc"""
        assert not ag.is_grad_enabled()
        return t * 2.0

    y = f(x)
    assert not y.requires_grad and ag.is_grad_enabled()
    assert f.__doc__ == "doc" and f.__name__ == "f"

    @ag.enable_grad()
    def g(t):
        return t * 2.0

    with ag.no_grad():
        assert g(x).requires_grad


def test_backward_runs_without_grad_mode_unless_create_graph():
    seen = []

    class Spy(Function):
        def forward(self, a):
            return a * 2.0

        def backward(self, g):
            seen.append(ag.is_grad_enabled())
            return (g * 2.0,)

    x = t64([1.0])
    Spy.apply(x).sum().backward()
    Spy.apply(x).sum().backward(create_graph=True)
    assert seen == [False, True]
    np.testing.assert_allclose(x.grad.data, [4.0])


def test_detach_shares_data_and_cuts_the_graph():
    x = t64([1.0, 2.0])
    d = (x * 2.0).detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    y = (x * d).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 4.0])  # d treated as a constant
    e = x.detach()
    assert np.shares_memory(e.data, x.data)


def test_requires_grad_and_leaves():
    x = Tensor([1.0, 2.0])
    assert not x.requires_grad and x.is_leaf
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2.0
    assert y.requires_grad and not y.is_leaf
    with pytest.raises(RuntimeError, match="non-leaf.*detach"):
        y.requires_grad_(False)
    x.requires_grad_(False)
    assert not (x * 2.0).requires_grad


def test_retain_grad_keeps_an_intermediate_gradient():
    x = t64([1.0, 2.0])
    h = x * 3.0
    k = x * 4.0
    h.retain_grad()
    (h * h + k).sum().backward()
    np.testing.assert_allclose(h.grad.data, 2 * h.data)
    with pytest.warns(UserWarning, match="not a leaf"):  # as torch: k did not retain_grad
        assert k.grad is None
    np.testing.assert_allclose(x.grad.data, 6 * h.data + 4)
    with pytest.raises(RuntimeError, match="retain_grad.*does not require grad"):
        Tensor([1.0]).retain_grad()


# ---------------------------------------------------------------------------------------
# in-place edits and the version counter
# ---------------------------------------------------------------------------------------
def test_inplace_edit_of_a_saved_input_is_detected():
    x = t64([1.0, 2.0])
    a = x * 2.0
    b = (a * a).sum()  # mul saves a
    with ag.no_grad():
        a += 1.0
    with pytest.raises(RuntimeError, match=r"modified in place.*version 0 -> 1"):
        b.backward()


def test_inplace_edit_of_a_saved_output_is_detected():
    x = t64([1.0, 2.0])
    y = x.exp()  # exp's backward reads its output
    with ag.no_grad():
        y *= 2.0
    with pytest.raises(RuntimeError, match="output of exp.*modified in place"):
        y.sum().backward()


def test_optimizer_style_update_then_stale_graph_backward_is_detected():
    w = t64([1.0, 2.0])
    loss = (w * w).sum()
    with ag.no_grad():
        w -= 0.1  # like an optimizer step
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_detached_aliases_share_the_version_counter():
    x = t64([1.0, 2.0])
    h = x * 2.0
    y = (h * h).sum()  # mul saves h
    d = h.detach()
    d.zero_()  # allowed (d needs no grad) but it rewrites h's memory
    assert h._version == 1
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()
    w = t64([3.0])
    c = Tensor(np.array([2.0]))
    z = (w * c).sum()  # mul saves c
    with ag.no_grad():
        c.detach().detach().fill_(5.0)  # through an alias of an alias
    with pytest.raises(RuntimeError, match="modified in place"):
        z.backward()


def test_inplace_edits_that_do_not_affect_backward_are_fine():
    x = t64([1.0, 2.0])
    c = Tensor(np.array([5.0, 5.0]))
    y = (x + c).sum()  # add does not read its inputs' values
    c += 1.0
    c[0] = 3.0
    c.fill_(2.0)
    c.zero_()
    c.copy_(np.ones(2))
    y.backward()
    np.testing.assert_allclose(x.grad.data, [1.0, 1.0])
    np.testing.assert_allclose(c.data, [1.0, 1.0])


def test_inplace_with_grad_is_refused_while_recording():
    x = t64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="requires grad.*no_grad"):
        x += 1.0
    with pytest.raises(RuntimeError, match="requires grad"):
        x[0] = 5.0
    buf = Tensor([0.0, 0.0], dtype=np.float64)
    with pytest.raises(RuntimeError, match="operand requires grad.*out of place"):
        buf += x
    with pytest.raises(RuntimeError, match="operand requires grad"):
        buf[0] = x[0]
    with ag.no_grad():
        x += 1.0
    np.testing.assert_allclose(x.data, [2.0, 3.0])


# ---------------------------------------------------------------------------------------
# higher-order gradients, each against finite differences of the first derivative
# ---------------------------------------------------------------------------------------
def _fd_of_grad(f, x0, eps=1e-5):
    """Central differences of d f / dx (a vector-valued function of x) at x0, via autograd."""
    x0 = np.asarray(x0, dtype=np.float64)
    cols = []
    for j in range(x0.size):
        d = np.zeros_like(x0)
        d.flat[j] = eps
        xp, xm = t64(x0 + d), t64(x0 - d)
        (g_hi,) = ag.grad(f(xp), xp)
        (g_lo,) = ag.grad(f(xm), xm)
        cols.append((g_hi.data - g_lo.data).reshape(-1) / (2 * eps))
    return np.stack(cols, axis=1)  # [i, j] = d2 f / dx_i dx_j


@pytest.mark.parametrize("name, f, d2", [
    ("tanh", lambda x: x.tanh(), lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)),
    ("cube", lambda x: x**3, lambda x: 6 * x),
    ("sigmoid", lambda x: x.sigmoid(),
     lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s) * (1 - 2 * s)),
])
def test_second_derivatives(name, f, d2):
    x0 = np.array([-1.3, -0.2, 0.4, 1.7])
    x = t64(x0)
    (g,) = ag.grad(f(x).sum(), x, create_graph=True)
    assert g.requires_grad
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, d2(x0), rtol=1e-9)
    fd = np.diag(_fd_of_grad(lambda t: f(t).sum(), x0))
    np.testing.assert_allclose(h.data, fd, rtol=1e-6, atol=1e-8)
    # the same through backward(create_graph=True) and .grad
    x2 = t64(x0)
    f(x2).sum().backward(create_graph=True)
    first = x2.grad
    x2.grad = None
    first.sum().backward()
    np.testing.assert_allclose(x2.grad.data, d2(x0), rtol=1e-9)


def _mlp_loss(x, w1, w2):
    return (((x @ w1).tanh() @ w2).tanh() * 0.5).sum()


def test_hessian_vector_product_of_a_small_mlp():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((5, 3)))
    w1_0, w2_0 = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    v1, v2 = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    w1, w2 = t64(w1_0), t64(w2_0)
    g1, g2 = ag.grad(_mlp_loss(x, w1, w2), [w1, w2], create_graph=True)
    hv1, hv2 = ag.grad((g1 * Tensor(v1)).sum() + (g2 * Tensor(v2)).sum(), [w1, w2])
    eps = 1e-5

    def grads_at(s):
        a, b = t64(w1_0 + s * v1), t64(w2_0 + s * v2)
        return [g.data for g in ag.grad(_mlp_loss(x, a, b), [a, b])]

    hi, lo = grads_at(eps), grads_at(-eps)
    np.testing.assert_allclose(hv1.data, (hi[0] - lo[0]) / (2 * eps), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(hv2.data, (hi[1] - lo[1]) / (2 * eps), rtol=1e-5, atol=1e-8)


def test_gradient_penalty():
    """loss + ||d loss / dx||^2, differentiated w.r.t. the weights (as in WGAN-GP)."""
    rng = np.random.default_rng(1)
    x0 = rng.standard_normal((4, 3))
    w1_0, w2_0 = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))

    def total(w1, w2, create_graph):
        x = t64(x0)
        loss = _mlp_loss(x, w1, w2)
        (gx,) = ag.grad(loss, x, create_graph=create_graph)
        return loss + (gx * gx).sum()

    w1, w2 = t64(w1_0), t64(w2_0)
    total(w1, w2, True).backward()
    eps = 1e-6
    for w, w0, other in ((w1, w1_0, 0), (w2, w2_0, 1)):
        num = np.zeros_like(w0)
        for j in range(w0.size):
            d = np.zeros_like(w0)
            d.flat[j] = eps
            args_hi = [t64(w1_0), t64(w2_0)]
            args_lo = [t64(w1_0), t64(w2_0)]
            args_hi[other] = t64(w0 + d)
            args_lo[other] = t64(w0 - d)
            num.flat[j] = (total(*args_hi, False).item() - total(*args_lo, False).item()) / (
                2 * eps)
        np.testing.assert_allclose(w.grad.data, num, rtol=1e-5, atol=1e-8)


SECOND_ORDER = {
    "exp": (lambda x: x.exp(), 0.0),
    "log": (lambda x: x.log(), 0.5),
    "sqrt": (lambda x: x.sqrt(), 0.5),
    "pow_scalar": (lambda x: x**2.5, 0.5),
    "pow_tensor": (lambda x: x ** (x * 0.5), 0.5),
    "rpow": (lambda x: 3.0**x, 0.0),
    "div": (lambda x: 1.0 / x + x / (x * x + 1.0), 0.5),
    "gelu": (lambda x: x.gelu(), 0.0),
    "sigmoid_tanh": (lambda x: (x.sigmoid() * x.tanh()), 0.0),
    "softmax": (lambda x: x.softmax(1) * x, 0.0),
    "log_softmax": (lambda x: x.log_softmax(0) * x, 0.0),
    "logsumexp": (lambda x: x.logsumexp(1), 0.0),
    "var_std": (lambda x: x.var(0) + x.std(1), 0.0),
    "max_times_x": (lambda x: x.amax(1, keepdims=True) * x, 0.0),
    "maximum": (lambda x: ag.maximum(x, x.T @ x) * x, 0.0),
    "where": (lambda x: ag.where(x.data > 0, x * x, x.exp()), 0.0),
    "abs_relu_clip": (lambda x: (x.abs() + x.relu() + x.clip(-0.5, 0.5)) * x, 0.0),
    "getitem": (lambda x: x[[0, 0, 2]] * x.flip(0), 0.0),
    "matmul": (lambda x: (x @ x) @ x.T, 0.0),
    "shapes": (lambda x: ag.cat([x.T, x.reshape(3, 3)], 0).pad(1) ** 2, 0.0),
    "mean_broadcast": (lambda x: (x - x.mean(0)) ** 2 / (x.sum() + 10.0), 0.0),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_every_backward_is_itself_differentiable(name):
    """gradcheck of x -> d <f(x), r> / dx, built with create_graph=True."""
    f, shift = SECOND_ORDER[name]
    rng = np.random.default_rng(2)
    x = t64(np.abs(rng.standard_normal((3, 3))) + shift if shift else rng.standard_normal((3, 3)))
    r = rng.standard_normal(f(x).shape)

    def first(t):
        (g,) = ag.grad((f(t) * Tensor(r)).sum(), t, create_graph=True)
        return g

    assert gradcheck(first, x, atol=1e-6, rtol=1e-5)


BINARY_SECOND_ORDER = {
    "add": lambda a, b: (a + b) ** 2, "sub": lambda a, b: (a - b) * a,
    "mul": lambda a, b: a * b * b, "div": lambda a, b: a / (b * b + 1.0),
    "pow": lambda a, b: (a * a + 0.5) ** b, "maximum": lambda a, b: ag.maximum(a, b) * a,
    "minimum": lambda a, b: ag.minimum(a, b) * b,
    "where": lambda a, b: ag.where(a.data > 0, a * b, b * b),
    "matmul_outer": lambda a, b: (a.reshape(-1, 1) @ b.reshape(1, -1)).tanh(),
}


@pytest.mark.parametrize("name", sorted(BINARY_SECOND_ORDER))
@pytest.mark.parametrize("sa, sb", [((3, 1), (1, 3)), ((2, 3), (3,)), ((1, 2, 3), (3, 1, 3))])
def test_second_order_through_broadcasting_binary_ops(name, sa, sb):
    f = BINARY_SECOND_ORDER[name]
    rng = np.random.default_rng(len(name))
    a, b = t64(0.7 * rng.standard_normal(sa)), t64(0.7 * rng.standard_normal(sb))
    r = rng.standard_normal(f(a, b).shape)

    def first(x, y):
        gx, gy = ag.grad((f(x, y) * Tensor(r)).sum(), [x, y], create_graph=True)
        return (gx * gx).sum() + (gy * Tensor(np.linspace(0.5, 1.5, gy.size).reshape(gy.shape)))

    assert gradcheck(first, [a, b], eps=1e-5, atol=1e-6, rtol=1e-4)


# ---------------------------------------------------------------------------------------
# gradcheck itself
# ---------------------------------------------------------------------------------------
class WrongSquare(Function):
    def forward(self, a):
        return a * a

    def backward(self, g):
        return (g * self.inputs[0] * 2.1,)  # deliberately 5% off


def test_gradcheck_reports_a_wrong_gradient_with_a_table():
    x = t64([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: WrongSquare.apply(t), x)
    msg = str(info.value)
    assert "4 gradient element(s) disagree" in msg
    assert "analytic" in msg and "numeric" in msg and "index" in msg
    rows = [line.split() for line in msg.splitlines()[2:]]
    assert [" ".join(r[1:3]) for r in rows] == ["(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)"]
    for r in rows:  # the backward is 2.1 x where the truth is 2 x
        assert float(r[0]) == 0 and float(r[3]) / float(r[4]) == pytest.approx(1.05, rel=1e-4)
    assert gradcheck(lambda t: t * t, x)


def test_gradcheck_checks_only_inputs_that_require_grad_and_restores_them():
    a, b = t64([1.0, 2.0]), Tensor(np.array([3.0, 4.0]))
    assert gradcheck(lambda p, q: (p * q).exp(), [a, b])
    np.testing.assert_array_equal(a.data, [1.0, 2.0])
    with pytest.raises(ValueError, match="no input has requires_grad"):
        gradcheck(lambda q: q * 2.0, [b])
    with pytest.raises(TypeError, match="must return a Tensor"):
        gradcheck(lambda p: 1.0, [a])
    f32 = Tensor([0.5, 1.5], requires_grad=True)  # float32 inputs are checked in float64
    assert gradcheck(lambda p: p.tanh(), f32)


# ---------------------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------------------
def test_dtype_rules():
    assert Tensor(1.5).dtype == np.float32
    assert Tensor([[1.0, 2.0]]).dtype == np.float32
    assert Tensor(np.array([1.0])).dtype == np.float64
    assert Tensor(np.float64(2.0)).dtype == np.float64
    assert Tensor(np.ones(2, np.float16)).dtype == np.float32
    assert Tensor([1, 2]).dtype == np.int64
    assert Tensor([True]).dtype == np.bool_
    assert Tensor([1, 2], dtype="float64").dtype == np.float64
    assert Tensor([1.0], dtype=ag.float64).dtype == np.float64
    assert Tensor(Tensor([1.0])).dtype == np.float32
    x = Tensor([1, 2])
    assert not x.requires_grad
    assert not (x * 2).requires_grad and (x * 2).dtype == np.int64
    assert (x * 2.5).dtype.kind == "f"
    # int data into a float-valued op gives the default float, as in PyTorch
    for r in (x / 2, x / x, x.exp(), x.log(), x.sqrt(), x.tanh(), x.sigmoid(),
              x.mean(dtype=ag.float32)):
        assert r.dtype == np.float32
    np.testing.assert_allclose((x / 2).data, [0.5, 1.0])
    y = Tensor([1.0, 2.0], requires_grad=True)
    assert y.long().dtype == np.int64 and not y.long().requires_grad
    d = y.double()
    assert d.dtype == np.float64 and d.requires_grad
    d.sum().backward()
    assert y.grad.dtype == np.float32
    assert y.float() is not None and y.astype("float32").dtype == np.float32


# ---------------------------------------------------------------------------------------
# factories and randomness
# ---------------------------------------------------------------------------------------
def test_factories():
    z = ag.zeros(2, 3)
    assert z.shape == (2, 3) and z.dtype == np.float32 and not z.data.any()
    assert ag.zeros((2, 3)).shape == (2, 3)
    o = ag.ones(4, dtype="float64", requires_grad=True)
    assert o.dtype == np.float64 and o.requires_grad and o.data.sum() == 4
    f = ag.full((2, 2), 7.0)
    assert f.dtype == np.float32 and (f.data == 7).all()
    assert ag.full(3, 1.0).shape == (3,)
    np.testing.assert_array_equal(ag.arange(5).data, np.arange(5))
    assert ag.arange(5).dtype == np.int64
    a = ag.arange(0.0, 1.0, 0.25)
    assert a.dtype == np.float32 and a.data.tolist() == [0, 0.25, 0.5, 0.75]
    assert ag.arange(3, dtype="float64").dtype == np.float64
    e = ag.eye(3)
    np.testing.assert_array_equal(e.data, np.eye(3))
    assert ag.eye(2, 3).shape == (2, 3)
    base = Tensor(np.ones((2, 5)))
    assert ag.zeros_like(base).dtype == np.float64 and ag.zeros_like(base).shape == (2, 5)
    assert ag.ones_like(base, dtype="float32").dtype == np.float32
    t = ag.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.dtype == np.float32
    arr = np.arange(3.0)
    shared = ag.from_numpy(arr)
    arr[0] = 9.0
    assert shared.data[0] == 9.0 and shared.dtype == np.float64
    with pytest.raises(TypeError, match="from_numpy: expected an ndarray"):
        ag.from_numpy([1.0])
    with pytest.raises(ValueError, match="non-negative ints"):
        ag.zeros(-1)
    r, n = ag.rand(1000), ag.randn(2, 3, dtype="float64")
    assert r.dtype == np.float32 and 0 <= r.data.min() and r.data.max() < 1
    assert n.shape == (2, 3) and n.dtype == np.float64
    assert abs(float(r.data.mean()) - 0.5) < 0.05


def test_manual_seed_makes_randomness_reproducible():
    ag.manual_seed(123)
    a = (ag.randn(5), ag.rand(3), ag.rng().integers(0, 100, 4))
    ag.manual_seed(123)
    b = (ag.randn(5), ag.rand(3), ag.rng().integers(0, 100, 4))
    for p, q in zip(a, b):
        np.testing.assert_array_equal(np.asarray(p), np.asarray(q))
    ag.manual_seed(124)
    assert not np.array_equal(ag.randn(5).data, a[0].data)
    with pytest.raises(ValueError, match="manual_seed: expected a non-negative int"):
        ag.manual_seed(-1)
    with pytest.raises(ValueError, match="manual_seed"):
        ag.manual_seed(1.5)


# ---------------------------------------------------------------------------------------
# the Tensor's conveniences
# ---------------------------------------------------------------------------------------
def test_repr():
    assert repr(Tensor([[1.0, 2.0]], requires_grad=True)) == \
        "Tensor([[1., 2.]], requires_grad=True)"
    assert repr(Tensor([1, 2])) == "Tensor([1, 2])"
    assert repr(Tensor(np.array([0.5]))) == "Tensor([0.5], dtype=float64)"
    assert repr(Tensor(2.5)) == "Tensor(2.5)"
    y = Tensor([1.0], requires_grad=True) * 2.0
    assert repr(y) == "Tensor([2.], grad_fn=mul)"
    assert repr(Tensor([[1.0, 2.0], [3.0, 4.0]])) == "Tensor([[1., 2.],\n        [3., 4.]])"


def test_attributes_and_conversions():
    a = np.arange(6.0).reshape(2, 3)
    x = Tensor(a, requires_grad=True)
    assert (x.shape, x.ndim, x.size, x.dtype) == ((2, 3), 2, 6, np.float64)
    assert x.T.shape == (3, 2)
    np.testing.assert_array_equal(x.T.data, a.T)
    x.T.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 3)))
    assert len(x) == 2
    assert x.numpy() is x.data
    assert x.tolist() == a.tolist()
    assert Tensor([[3.5]]).item() == 3.5 and isinstance(Tensor([[3.5]]).item(), float)
    assert Tensor(4).item() == 4 and isinstance(Tensor(4).item(), int)
    assert float(Tensor(2.0)) == 2.0 and int(Tensor(3)) == 3 and bool(Tensor(1.0))
    np.testing.assert_array_equal(np.asarray(x), a)
    assert np.asarray(x) is x.data  # asarray does not copy ...
    c = np.array(x)
    c[0, 0] = 100.0  # ... array does
    assert x.data[0, 0] == 0.0
    assert np.asarray(x, dtype=np.float32).dtype == np.float32
    assert (np.ones(3) * Tensor([1.0, 2.0, 3.0])).__class__ is Tensor  # ndarray defers


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=6))
def test_python_data_round_trips_through_float32(values):
    t = Tensor(values)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, np.asarray(values, dtype=np.float32))
    assert len(t) == len(values)


def test_custom_function_and_scope_recording():
    class Cube(Function):
        def forward(self, a):
            return a**3

        def backward(self, g):
            return (g * 3.0 * self.inputs[0] ** 2,)

    x = t64([2.0])
    ag.function.scope_stack.append("layer1")
    try:
        y = Cube.apply(x)
    finally:
        ag.function.scope_stack.pop()
    assert y.grad_fn.scope == "layer1" and y.grad_fn.name == "cube"
    assert y.grad_fn.output is y and y.grad_fn.inputs == (x,)
    y.backward(np.ones(1))
    assert x.grad.item() == 12.0
    assert gradcheck(lambda t: Cube.apply(t), x) and math.isfinite(x.grad.item())


# -- views share the version counter with the tensor they look into --------------------
def test_in_place_edit_of_a_base_is_caught_through_its_views() -> None:
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    x = Tensor(np.ones((4, 3)))
    y = (x @ w.T.T).sum()  # matmul saved a view of w
    with ag.no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()
    W = Tensor(np.ones((2, 3)), requires_grad=True)
    xt = x.T
    z = (W @ xt).sum()
    x += 1  # x needs no grad, but matmul saved its transpose for dW
    with pytest.raises(RuntimeError, match="modified in place"):
        z.backward()


def test_optimizer_step_between_forward_and_backward_is_caught() -> None:
    import optim

    w = Tensor(np.ones((3, 2)), requires_grad=True)
    x = Tensor(np.ones((4, 3)))
    opt = optim.SGD([w], lr=0.1)
    w.grad = Tensor(np.ones((3, 2)))
    loss = (x @ w).sum()
    opt.step()  # updates w in place before loss.backward(): the gradient would be stale
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_copies_made_by_indexing_do_not_share_the_version() -> None:
    a = Tensor(np.arange(6.0).reshape(3, 2))
    b = Tensor(np.ones(2), requires_grad=True)
    c = (a[[0, 0, 1]] * b).sum()  # fancy indexing copies: later edits of a do not matter
    a += 1
    c.backward()
    np.testing.assert_array_equal(b.grad.data, [2.0, 5.0])
    d = Tensor(np.arange(6.0).reshape(3, 2))
    e = (d[1:] * b).sum()  # a slice is a view: editing d is caught
    d += 1
    with pytest.raises(RuntimeError, match="modified in place"):
        e.backward()
