"""Forward values and gradients against PyTorch, when torch is installed (skipped otherwise).

Conventions we share with PyTorch and check here: amax/amin and the full max()/min() split
the gradient evenly among ties, max(dim)/min(dim) send it to the index they return; var/std
use correction=1 by default (numpy's ddof is an alias of correction);
gelu is the exact erf form; clip's gradient is 1 at the bounds (torch.clamp); relu's
subgradient at 0 is 0; std's gradient at zero spread is 0.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import autograd as ag  # noqa: E402
from autograd import Tensor  # noqa: E402

torch.set_num_threads(1)


def compare(ours, theirs, *arrays, rtol=1e-10, atol=1e-12, seed=0):
    """Same inputs (float64), same upstream gradient: outputs and input gradients agree."""
    xs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = ours(*xs), theirs(*ts)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=rtol, atol=atol)
    g = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    for x, t in zip(xs, ts):
        want = np.zeros(x.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(x.shape) if x.grad is None else x.grad.data
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


rng = np.random.default_rng(42)
A = rng.standard_normal((3, 4))
B = rng.standard_normal((4,))
P = np.abs(rng.standard_normal((3, 4))) + 0.1


@pytest.mark.parametrize("name, ours, theirs, data", [
    ("exp", lambda x: x.exp(), torch.exp, A),
    ("log", lambda x: x.log(), torch.log, P),
    ("sqrt", lambda x: x.sqrt(), torch.sqrt, P),
    ("abs", lambda x: x.abs(), torch.abs, np.array([-1.0, 0.0, 2.0])),
    ("neg", lambda x: -x, torch.neg, A),
    ("tanh", lambda x: x.tanh(), torch.tanh, A),
    ("sigmoid", lambda x: x.sigmoid(), torch.sigmoid, A * 10),
    ("relu", lambda x: x.relu(), torch.relu, np.array([-1.0, 0.0, 2.0])),
    ("leaky_relu", lambda x: x.leaky_relu(0.1),
     lambda t: torch.nn.functional.leaky_relu(t, 0.1), np.array([-1.0, 0.0, 2.0, -3.0])),
    ("leaky_relu_default", lambda x: x.leaky_relu(), torch.nn.functional.leaky_relu, A),
    ("gelu_exact", lambda x: x.gelu(), torch.nn.functional.gelu,
     np.array([-8.0, -3.0, -1.0, -0.1, 0.0, 0.5, 2.0, 6.0])),
    ("clip_at_bounds", lambda x: x.clip(-1.0, 1.0), lambda t: torch.clamp(t, -1.0, 1.0),
     np.array([-2.0, -1.0, -0.5, 1.0, 1.5])),
    ("clip_min_only", lambda x: x.clip(min=0.0), lambda t: torch.clamp(t, min=0.0),
     np.array([-2.0, 0.0, 0.5])),
    ("pow_scalar", lambda x: x**3, lambda t: t**3, A),
    ("pow_frac", lambda x: x**-0.5, lambda t: t**-0.5, P),
    ("rpow", lambda x: 2.0**x, lambda t: 2.0**t, A),
    ("softmax", lambda x: x.softmax(1), lambda t: torch.softmax(t, 1), A),
    ("softmax_axis0", lambda x: x.softmax(0), lambda t: torch.softmax(t, 0), A),
    ("log_softmax", lambda x: x.log_softmax(-1), lambda t: torch.log_softmax(t, -1), A * 30),
    ("logsumexp", lambda x: x.logsumexp(axis=1), lambda t: torch.logsumexp(t, 1), A * 50),
    ("logsumexp_all", lambda x: x.logsumexp(), lambda t: torch.logsumexp(t, (0, 1)), A),
])
def test_unary(name, ours, theirs, data):
    compare(ours, theirs, data)


@pytest.mark.parametrize("name, ours, theirs, sa, sb", [
    ("add", lambda a, b: a + b, torch.add, (2, 1, 3), (4, 1)),
    ("sub", lambda a, b: a - b, torch.sub, (3,), (2, 3)),
    ("mul", lambda a, b: a * b, torch.mul, (2, 3, 1), (1, 4)),
    ("div", lambda a, b: a / b, torch.div, (4, 1), (1, 3)),
    ("maximum", ag.maximum, torch.maximum, (3, 1), (3,)),
    ("minimum", ag.minimum, torch.minimum, (1, 3), (2, 1)),
])
def test_binary_broadcasting(name, ours, theirs, sa, sb):
    r = np.random.default_rng(len(name))
    a, b = r.standard_normal(sa), r.standard_normal(sb)
    if name == "div":
        b = np.abs(b) + 0.5
    compare(ours, theirs, a, b)


def test_pow_tensor_tensor():
    compare(lambda a, b: a**b, torch.pow, P, rng.standard_normal((4,)))


def test_maximum_minimum_with_ties():
    a = np.array([1.0, 2.0, 3.0, -1.0])
    b = np.array([1.0, 5.0, 3.0, -2.0])
    compare(ag.maximum, torch.maximum, a, b)
    compare(ag.minimum, torch.minimum, a, b)


def test_where():
    cond = A > 0
    compare(lambda a, b: ag.where(Tensor(cond), a, b),
            lambda a, b: torch.where(torch.tensor(cond), a, b), A, B)


TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [-1.0, 5.0, 4.0, 5.0]])


@pytest.mark.parametrize("name, ours, theirs", [
    ("sum_all", lambda x: x.sum(), lambda t: t.sum()),
    ("sum_axis_keep", lambda x: x.sum(axis=0, keepdims=True), lambda t: t.sum(0, keepdim=True)),
    ("mean_tuple", lambda x: x.mean(axis=(0, 1)), lambda t: t.mean((0, 1))),
    ("mean_axis", lambda x: x.mean(axis=-1), lambda t: t.mean(-1)),
    ("amax_all_ties", lambda x: x.amax(), lambda t: torch.amax(t, (0, 1))),
    ("amax_axis_ties", lambda x: x.amax(axis=1), lambda t: torch.amax(t, 1)),
    ("amax_keepdims", lambda x: x.amax(axis=0, keepdims=True),
     lambda t: torch.amax(t, 0, keepdim=True)),
    ("amin_axis_ties", lambda x: x.amin(axis=1), lambda t: torch.amin(t, 1)),
    ("max_full_like_torch_max", lambda x: x.max(), lambda t: t.max()),
    ("max_dim_values", lambda x: x.max(1).values, lambda t: t.max(1).values),
    ("var_ddof0", lambda x: x.var(axis=1, ddof=0), lambda t: torch.var(t, 1, correction=0)),
    ("var_ddof1", lambda x: x.var(axis=0, ddof=1), lambda t: torch.var(t, 0, correction=1)),
    ("var_all", lambda x: x.var(), lambda t: torch.var(t)),
    ("std_ddof0", lambda x: x.std(axis=1, keepdims=True, ddof=0),
     lambda t: torch.std(t, 1, correction=0, keepdim=True)),
    ("std_ddof1", lambda x: x.std(ddof=1), lambda t: torch.std(t, correction=1)),
])
def test_reductions(name, ours, theirs):
    compare(ours, theirs, TIES)
    compare(ours, theirs, A)


def test_std_at_zero_spread_has_zero_gradient_like_torch():
    compare(lambda x: x.std(axis=1), lambda t: torch.std(t, 1),
            np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]))


@pytest.mark.parametrize("name, ours, theirs", [
    ("reshape", lambda x: x.reshape(2, -1, 3), lambda t: t.reshape(2, -1, 3)),
    ("transpose", lambda x: x.transpose(2, 0), lambda t: t.transpose(2, 0)),
    ("permute", lambda x: x.permute(1, 2, 0), lambda t: t.permute(1, 2, 0)),
    ("swapaxes", lambda x: x.swapaxes(0, 2), lambda t: t.swapaxes(0, 2)),
    ("T_2d", lambda x: x[0].T, lambda t: t[0].T),
    ("squeeze_unsqueeze", lambda x: x.unsqueeze(1).unsqueeze(-1).squeeze(),
     lambda t: t.unsqueeze(1).unsqueeze(-1).squeeze()),
    ("flatten", lambda x: x.flatten(1), lambda t: t.flatten(1)),
    ("broadcast_to", lambda x: x.broadcast_to((2, 2, 3, 3)), lambda t: t.expand(2, 2, 3, 3)),
    ("cat", lambda x: ag.cat([x, x * 2.0, x[:, :1]], axis=1),
     lambda t: torch.cat([t, t * 2.0, t[:, :1]], 1)),
    ("stack", lambda x: ag.stack([x, x.exp()], axis=-1), lambda t: torch.stack([t, t.exp()], -1)),
    ("split", lambda x: ag.cat([p * float(i + 1) for i, p in enumerate(x.split(1, 1))], 1),
     lambda t: torch.cat([p * float(i + 1) for i, p in enumerate(torch.split(t, [1, 1, 1], 1))],
                         1)),
    ("pad", lambda x: x.pad(((0, 0), (1, 2), (2, 0)), value=0.5),
     lambda t: torch.nn.functional.pad(t, (2, 0, 1, 2), value=0.5)),
])
def test_shape_ops(name, ours, theirs):
    compare(ours, theirs, rng.standard_normal((2, 3, 3)))


@pytest.mark.parametrize("name, index, tindex", [
    ("repeated_rows", [0, 0, 2, 0], [0, 0, 2, 0]),
    ("repeated_pairs", (np.array([1, 1, 1]), np.array([2, 2, 0])), None),
    ("broadcast_arrays", (np.array([[0], [2]]), np.array([[1, 1, 3]])), None),
    ("bool_mask", TIES > 1.5, None),
    ("row_mask_then_slice", (np.array([True, False, True]), slice(1, None)), None),
    ("slice_steps", (slice(None, None, 2), slice(1, None, 2)), None),
    ("int_and_none", (1, None, slice(None)), None),
    ("ellipsis", (Ellipsis, 2), None),
])
def test_getitem(name, index, tindex):
    def to_torch(i):
        if isinstance(i, np.ndarray):
            return torch.tensor(i)
        if isinstance(i, tuple):
            return tuple(to_torch(k) for k in i)
        return i

    compare(lambda x: x[index], lambda t: t[to_torch(index if tindex is None else tindex)],
            TIES.copy())


def test_flip_then_step_matches_torch():
    compare(lambda x: x.flip(0, 1)[:, ::2], lambda t: torch.flip(t, (0, 1))[:, ::2], TIES)


@pytest.mark.parametrize("sa, sb", [
    ((4,), (4,)), ((4,), (4, 3)), ((2, 4), (4,)), ((2, 4), (4, 3)), ((5, 2, 4), (4, 3)),
    ((2, 4), (5, 4, 3)), ((5, 1, 2, 4), (3, 4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)),
])
def test_matmul_batched_broadcasting(sa, sb):
    r = np.random.default_rng(sum(sa) + 10 * sum(sb))
    compare(lambda a, b: a @ b, torch.matmul, r.standard_normal(sa), r.standard_normal(sb))


def test_float32_matches_torch_float32():
    a = rng.standard_normal((8, 5)).astype(np.float32)
    w = rng.standard_normal((5, 3)).astype(np.float32)
    x, tw = Tensor(a), torch.tensor(w, requires_grad=True)
    ow = Tensor(w, requires_grad=True)
    y = (x @ ow).gelu().log_softmax(1).mean()
    ty = torch.log_softmax(torch.nn.functional.gelu(torch.tensor(a) @ tw), 1).mean()
    assert y.dtype == np.float32
    y.backward()
    ty.backward()
    np.testing.assert_allclose(y.item(), ty.item(), rtol=1e-5)
    assert ow.grad.dtype == np.float32
    np.testing.assert_allclose(ow.grad.data, tw.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_hessian_vector_product_matches_torch():
    r = np.random.default_rng(3)
    x0, w0, v0 = r.standard_normal((6, 3)), r.standard_normal((3, 4)), r.standard_normal((3, 4))
    w = Tensor(w0, requires_grad=True)
    (g,) = ag.grad(((Tensor(x0) @ w).tanh() ** 2).sum(), w, create_graph=True)
    (hv,) = ag.grad((g * Tensor(v0)).sum(), w)
    tw = torch.tensor(w0, requires_grad=True)
    (tg,) = torch.autograd.grad(((torch.tensor(x0) @ tw).tanh() ** 2).sum(), tw,
                                create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.tensor(v0)).sum(), tw)
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(hv.data, thv.numpy(), rtol=1e-10, atol=1e-12)
