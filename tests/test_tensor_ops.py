"""Every Tensor op, forward against numpy and backward against finite differences.

Property tests draw shapes from 0-d to 4-d (size-1 axes included), broadcasting pairs for
binary ops, and memory layouts: plain, transposed, step-sliced and reversed views, so the
kernels see non-contiguous arrays. Gradient checks run in float64 through
``autograd.gradcheck``; each battery runs on both kernel backends via the ``backend`` fixture.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd import Tensor, gradcheck
from autograd.ops.shape import GetItem

# the backend fixture only flips a global (restored after the test), so it is safe to share
# across hypothesis examples
fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3)
seeds = st.integers(0, 2**32 - 1)
layouts = st.sampled_from(["plain", "T", "step", "reversed"])


# ---------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------
def anything(a):
    return a


def positive(a):
    return np.abs(a) + 0.5


def nonzero(a):
    return np.where(a >= 0, a + 0.3, a - 0.3)


def off_unit(a):
    """Keep values 0.05 away from +-1 (the clip bounds used below)."""
    return np.where(np.abs(np.abs(a) - 1.0) < 0.05, a * 0.8, a)


def leaf_shape(shape: tuple, layout: str) -> tuple:
    if layout == "T":
        return shape[::-1]
    if layout == "step" and shape:
        return (2 * shape[0],) + shape[1:]
    return shape


def view(x, layout: str):
    """The same view of an ndarray or a Tensor: how a non-contiguous input reaches an op."""
    if layout == "T":
        return x.T
    if layout == "step" and x.ndim:
        return x[::2]
    if layout == "reversed" and x.ndim:
        if isinstance(x, Tensor):  # a negative-stride view (x[::-1] is refused, as in torch)
            return GetItem.apply(x, index=slice(None, None, -1))
        return x[::-1]
    return x


def draw(seed: int, shape: tuple, domain=anything, layout: str = "plain") -> np.ndarray:
    """A float64 leaf array; ``view(leaf, layout)`` has ``shape``."""
    rng = np.random.default_rng(seed)
    return domain(rng.uniform(-2.0, 2.0, leaf_shape(shape, layout)))


def check(fn, ref, arrays, layouts_=None, rtol=1e-10, atol=1e-12, f32=False):
    """Forward of fn on views of Tensors == ref on views of arrays; then gradcheck fn.

    With ``f32`` the forward is also run on float32 copies of the inputs."""
    layouts_ = layouts_ or ["plain"] * len(arrays)
    ts = [Tensor(a) for a in arrays]
    got = fn(*[view(t, lo) for t, lo in zip(ts, layouts_)])
    want = ref(*[view(a, lo) for a, lo in zip(arrays, layouts_)])
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.data, want, rtol=rtol, atol=atol)
    assert got.shape == np.shape(want)
    if f32:  # the same views in float32: dtype kept, values close (float32 kernels)
        got32 = fn(*[view(Tensor(a.astype(np.float32)), lo) for a, lo in zip(arrays, layouts_)])
        assert got32.dtype == np.float32
        np.testing.assert_allclose(got32.data, want, rtol=2e-5, atol=2e-5)
    leaves = [Tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda *xs: fn(*[view(x, lo) for x, lo in zip(xs, layouts_)]), leaves)


def np_gelu(x):
    erf = np.vectorize(math.erf)
    return x * 0.5 * (1.0 + erf(x / math.sqrt(2.0)))


def np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# name -> (Tensor function, numpy reference, input domain)
UNARY = {
    "neg": (lambda t: -t, np.negative, anything),
    "exp": (lambda t: t.exp(), np.exp, anything),
    "log": (lambda t: t.log(), np.log, positive),
    "sqrt": (lambda t: t.sqrt(), np.sqrt, positive),
    "abs": (lambda t: t.abs(), np.abs, nonzero),
    "abs_builtin": (lambda t: abs(t), np.abs, nonzero),
    "tanh": (lambda t: t.tanh(), np.tanh, anything),
    "sigmoid": (lambda t: t.sigmoid(), lambda a: 1.0 / (1.0 + np.exp(-a)), anything),
    "relu": (lambda t: t.relu(), lambda a: np.maximum(a, 0.0), nonzero),
    "leaky_relu": (lambda t: t.leaky_relu(0.1), lambda a: np.where(a > 0, a, 0.1 * a), nonzero),
    "gelu": (lambda t: t.gelu(), np_gelu, anything),
    "step": (lambda t: t.step(), lambda a: (a > 0).astype(a.dtype), nonzero),
    "clip": (lambda t: t.clip(-1.0, 1.0), lambda a: np.clip(a, -1.0, 1.0), off_unit),
    "clip_lo": (lambda t: t.clip(min=-1.0), lambda a: np.maximum(a, -1.0), off_unit),
    "clip_hi": (lambda t: t.clip(max=1.0), lambda a: np.minimum(a, 1.0), off_unit),
    "square": (lambda t: t**2, np.square, anything),
    "cube": (lambda t: t**3, lambda a: a**3, anything),
    "pow_half": (lambda t: t**0.5, np.sqrt, positive),
    "pow_neg": (lambda t: t**-1.5, lambda a: a**-1.5, positive),
    "pow_zero": (lambda t: t**0, np.ones_like, anything),
    "rpow": (lambda t: 2.0**t, lambda a: 2.0**a, anything),
    "add_scalar": (lambda t: t + 1.5, lambda a: a + 1.5, anything),
    "radd_scalar": (lambda t: 1.5 + t, lambda a: 1.5 + a, anything),
    "rsub_scalar": (lambda t: 1.5 - t, lambda a: 1.5 - a, anything),
    "mul_scalar": (lambda t: t * -3.0, lambda a: a * -3.0, anything),
    "rdiv_scalar": (lambda t: 2.0 / t, lambda a: 2.0 / a, nonzero),
    "div_scalar": (lambda t: t / 4.0, lambda a: a / 4.0, anything),
    "clone": (lambda t: t.clone(), np.copy, anything),
    "double": (lambda t: t.double(), np.copy, anything),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@fixture_ok
@given(shape=shapes, seed=seeds, layout=layouts)
def test_unary(backend, name, shape, seed, layout):
    fn, ref, domain = UNARY[name]
    check(fn, ref, [draw(seed, shape, domain, layout)], [layout], f32=name != "double")


def test_unary_on_a_non_contiguous_leaf(backend):
    """Leaves built straight from transposed / step-sliced arrays (not through an op)."""
    big = np.random.default_rng(1).uniform(0.5, 2.0, (6, 4))
    for arr in (big.T, big[::2], big[::-2, 1:], big.T[::2]):
        assert not arr.flags.c_contiguous
        for name, (fn, ref, _) in UNARY.items():
            np.testing.assert_allclose(fn(ag.from_numpy(arr)).data, ref(arr), rtol=1e-10,
                                       err_msg=name)
        assert gradcheck(lambda x: (x.tanh() * x.exp() + x.sqrt()).sum(axis=0),
                         Tensor(arr, requires_grad=True))


# ---------------------------------------------------------------------------------------
# binary ops with broadcasting
# ---------------------------------------------------------------------------------------
BINARY = {
    "add": (lambda a, b: a + b, np.add, anything, anything),
    "sub": (lambda a, b: a - b, np.subtract, anything, anything),
    "mul": (lambda a, b: a * b, np.multiply, anything, anything),
    "div": (lambda a, b: a / b, np.divide, anything, nonzero),
    "pow": (lambda a, b: a**b, np.power, positive, anything),
    "maximum": (ag.maximum, np.maximum, anything, anything),
    "minimum": (ag.minimum, np.minimum, anything, anything),
    "maximum_method": (lambda a, b: a.maximum(b), np.maximum, anything, anything),
    "minimum_method": (lambda a, b: a.minimum(b), np.minimum, anything, anything),
}

pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)


@pytest.mark.parametrize("name", sorted(BINARY))
@fixture_ok
@given(shapes_=pairs, seed=seeds, lay=st.tuples(layouts, layouts))
def test_binary_broadcasting(backend, name, shapes_, seed, lay):
    fn, ref, dom_a, dom_b = BINARY[name]
    (sa, sb), _ = shapes_
    a = draw(seed, sa, dom_a, lay[0])
    b = draw(seed + 1, sb, dom_b, lay[1])
    check(fn, ref, [a, b], list(lay), f32=True)


@fixture_ok
@given(shapes_=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3,
                                                  max_side=3), seed=seeds)
def test_where_broadcasting(backend, shapes_, seed):
    (sc, sa, sb), _ = shapes_
    cond = np.random.default_rng(seed).random(sc) > 0.5
    a, b = draw(seed, sa), draw(seed + 1, sb)
    check(lambda x, y: ag.where(Tensor(cond), x, y), lambda x, y: np.where(cond, x, y), [a, b])
    check(lambda x: ag.where(cond, x, 0.5), lambda x: np.where(cond, x, 0.5), [a])
    check(lambda y: ag.where(cond, -1.0, y), lambda y: np.where(cond, -1.0, y), [b])


def test_binary_with_only_one_side_requiring_grad(backend):
    a = Tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    b = Tensor(np.array([2.0, 3.0, 4.0]))
    for op in (lambda: a * b, lambda: a / b, lambda: b / a, lambda: a**b, lambda: b**a,
               lambda: ag.maximum(a, b), lambda: ag.where(a > 3.0, b, a)):
        a.grad = None
        op().sum().backward()
        assert a.grad is not None and a.grad.shape == (2, 3)
        assert b.grad is None


def test_pow_tensor_exponent_grad_at_non_positive_base_follows_torch(backend):
    # d/db a^b = a^b ln a: 0 at a == 0 (b >= 0), nan for a < 0 (ln of a negative), as torch
    a = Tensor(np.array([0.0, -2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([2.0, 2.0, 2.0]), requires_grad=True)
    (a**b).sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.0, -4.0, 6.0])
    np.testing.assert_allclose(b.grad.data, [0.0, np.nan, 9.0 * math.log(3.0)])


def test_comparisons_are_boolean_and_not_differentiable(backend):
    a = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    b = Tensor([[2.0], [1.0]])
    for op, ref in ((a < b, np.less), (a <= b, np.less_equal), (a > b, np.greater),
                    (a >= b, np.greater_equal), (a == b, np.equal), (a != b, np.not_equal)):
        assert op.dtype == np.bool_ and not op.requires_grad
        np.testing.assert_array_equal(op.data, ref(a.data, b.data))
    np.testing.assert_array_equal((a > 1.5).data, [[False, True, True]])
    np.testing.assert_array_equal((2.0 < a).data, [[False, False, True]])
    np.testing.assert_array_equal(((a > 1.5) & (a < 2.5)).data, [[False, True, False]])
    np.testing.assert_array_equal(((a < 1.5) | (a > 2.5)).data, [[True, False, True]])
    np.testing.assert_array_equal((~(a > 1.5)).data, [[True, False, False]])


def test_ties_split_the_gradient_evenly(backend):
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([1.0, 5.0, 3.0], requires_grad=True)
    ag.maximum(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.5, 0.0, 0.5])
    np.testing.assert_allclose(b.grad.data, [0.5, 1.0, 0.5])
    a.grad = b.grad = None
    ag.minimum(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.5, 1.0, 0.5])
    np.testing.assert_allclose(b.grad.data, [0.5, 0.0, 0.5])


def test_kinks_use_pytorchs_subgradients(backend):
    x = Tensor([-1.0, 0.0, 1.0], requires_grad=True)
    for fn, want in ((lambda t: t.relu(), [0, 0, 1]), (lambda t: t.abs(), [-1, 0, 1]),
                     (lambda t: t.leaky_relu(0.2), [0.2, 0.2, 1]), (lambda t: t.step(), [0, 0, 0]),
                     (lambda t: t.clip(-1.0, 1.0), [1, 1, 1]),  # bounds included, as clamp
                     (lambda t: t.clip(-0.5, 0.5), [0, 1, 0])):
        x.grad = None
        fn(x).sum().backward()
        np.testing.assert_array_equal(x.grad.data, np.array(want, dtype=np.float32))


# ---------------------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------------------
@st.composite
def shape_and_axis(draw_, min_dims=0):
    shape = draw_(hnp.array_shapes(min_dims=min_dims, max_dims=4, min_side=1, max_side=3))
    nd = len(shape)
    kind = draw_(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none" or nd == 0:
        axis = None
    elif kind == "int":
        axis = draw_(st.integers(-nd, nd - 1))
    else:
        picked = draw_(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True))
        axis = tuple(a - nd if draw_(st.booleans()) else a for a in picked)
    return shape, axis, draw_(st.booleans())


REDUCE = {
    "sum": (lambda t, ax, kd: t.sum(ax, kd), np.sum, anything),
    "mean": (lambda t, ax, kd: t.mean(ax, kd), np.mean, anything),
    "amax": (lambda t, ax, kd: t.amax(ax, kd), np.max, anything),
    "amin": (lambda t, ax, kd: t.amin(ax, kd), np.min, anything),
    "var": (lambda t, ax, kd: t.var(ax, keepdim=kd, correction=0), np.var, anything),
    "var_ddof1": (lambda t, ax, kd: t.var(ax, keepdim=kd),  # torch's default correction=1
                  lambda a, axis, keepdims: np.var(a, axis=axis, keepdims=keepdims, ddof=1),
                  anything),
    "std": (lambda t, ax, kd: t.std(ax, keepdims=kd, ddof=0), np.std, anything),
    "logsumexp": (lambda t, ax, kd: t.logsumexp(ax, kd),
                  lambda a, axis, keepdims: np.log(np.exp(a).sum(axis=axis, keepdims=keepdims)),
                  anything),
    "fn_sum": (lambda t, ax, kd: ag.sum(t, ax, kd), np.sum, anything),
    "fn_amax": (lambda t, ax, kd: ag.amax(t, ax, kd), np.max, anything),
}


def _reduced_count(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes]))


@pytest.mark.parametrize("name", sorted(REDUCE))
@fixture_ok
@given(sak=shape_and_axis(), seed=seeds, layout=layouts)
def test_reduction(backend, name, sak, seed, layout):
    shape, axis, keepdims = sak
    fn, ref, domain = REDUCE[name]
    n = _reduced_count(shape, axis)
    if name in ("std", "var_ddof1") and n < 2:
        return  # std is not differentiable at zero spread; ddof=1 needs two elements
    check(lambda t: fn(t, axis, keepdims), lambda a: ref(a, axis=axis, keepdims=keepdims),
          [draw(seed, shape, domain, layout)], [layout], f32=True)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@fixture_ok
@given(sak=shape_and_axis(min_dims=1), seed=seeds, layout=layouts)
def test_softmax(backend, name, sak, seed, layout):
    shape, axis, _ = sak
    axis = -1 if axis is None or isinstance(axis, tuple) else axis
    if name == "softmax":
        check(lambda t: t.softmax(axis), lambda a: np_softmax(a, axis),
              [draw(seed, shape, anything, layout)], [layout])
    else:
        check(lambda t: t.log_softmax(axis), lambda a: np.log(np_softmax(a, axis)),
              [draw(seed, shape, anything, layout)], [layout])


def test_softmax_and_logsumexp_are_stable_at_large_values(backend):
    x = Tensor(np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -1000.0]]),
               requires_grad=True)
    p = x.softmax(axis=1)
    np.testing.assert_allclose(p.data[0], np_softmax(np.array([0.0, 1.0, 2.0]), 0))
    np.testing.assert_allclose(p.data[1], [1 / 3] * 3)
    np.testing.assert_allclose(x.log_softmax(1).data[0],
                               np.log(np_softmax(np.array([0.0, 1.0, 2.0]), 0)))
    lse = x.logsumexp(axis=1)
    np.testing.assert_allclose(lse.data, [1002.0 + np.log(np.exp([-2.0, -1.0, 0.0]).sum()),
                                          -1000.0 + np.log(3.0)])
    lse.sum().backward()
    assert np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(x.grad.data.sum(axis=1), [1.0, 1.0])


def test_max_ties_split_evenly_like_torch_amax(backend):
    """Rule: the gradient of amax/amin and of the full max() is shared equally among all
    tied maxima (torch.amax); max(dim) sends it to the one index it returns (the first)."""
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), requires_grad=True)
    x.amax(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    x.grad = None
    x.max().backward()
    np.testing.assert_allclose(x.grad.data, [[0, 0.5, 0.5], [0, 0, 0]])
    x.grad = None
    x.amin(axis=0).sum().backward()
    np.testing.assert_allclose(x.grad.data, [[1, 0, 0], [0, 1, 1]])
    x.grad = None
    values, indices = x.max(axis=1)
    values.sum().backward()
    np.testing.assert_array_equal(indices.data, [1, 0])
    np.testing.assert_allclose(x.grad.data, [[0, 1, 0], [1, 0, 0]])


def test_argmax_argmin(backend):
    a = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    x = Tensor(a, requires_grad=True)
    for got, want in ((x.argmax(), np.argmax(a)), (x.argmax(axis=1), np.argmax(a, axis=1)),
                      (x.argmin(axis=0), np.argmin(a, axis=0)),
                      (ag.argmax(x, axis=-1, keepdims=True), np.argmax(a, -1, keepdims=True)),
                      (ag.argmin(x), np.argmin(a))):
        assert got.dtype.kind == "i" and not got.requires_grad
        np.testing.assert_array_equal(got.data, want)


def test_mean_of_ints_needs_a_float_dtype_like_torch():
    with pytest.raises(RuntimeError, match="mean: .*int64.*floating point"):
        Tensor([1, 2, 4]).mean()
    m = Tensor([1, 2, 4]).mean(dtype=ag.float32)
    assert m.dtype == np.float32 and m.item() == pytest.approx(7 / 3)


# ---------------------------------------------------------------------------------------
# shape ops
# ---------------------------------------------------------------------------------------
@fixture_ok
@given(shape=shapes, seed=seeds, layout=layouts, data=st.data())
def test_shape_ops(backend, shape, seed, layout, data):
    a = draw(seed, shape, anything, layout)
    nd = len(shape)
    perm = data.draw(st.permutations(range(nd)))
    check(lambda t: t.reshape(-1), lambda x: x.reshape(-1), [a], [layout])
    check(lambda t: t.reshape(shape[::-1]), lambda x: x.reshape(shape[::-1]), [a], [layout])
    check(lambda t: t.reshape(*shape, 1), lambda x: x.reshape(*shape, 1), [a], [layout])
    check(lambda t: t.permute(perm), lambda x: x.transpose(perm), [a], [layout])
    check(lambda t: t.permute(*perm), lambda x: x.transpose(perm), [a], [layout])
    check(lambda t: ag.permute(t, tuple(range(nd))[::-1]), lambda x: x.T, [a], [layout])
    check(lambda t: t.T, lambda x: x.T, [a], [layout])
    check(lambda t: t.squeeze(), lambda x: x.squeeze(), [a], [layout])
    check(lambda t: t.flatten(), lambda x: x.reshape(-1), [a], [layout])
    check(lambda t: t.broadcast_to((2, *shape)), lambda x: np.broadcast_to(x, (2, *shape)),
          [a], [layout])
    ax = data.draw(st.integers(-nd - 1, nd))
    check(lambda t: t.unsqueeze(ax), lambda x: np.expand_dims(x, ax), [a], [layout])
    check(lambda t: ag.unsqueeze(t, ax), lambda x: np.expand_dims(x, ax), [a], [layout])
    if nd:
        check(lambda t: t.pad(1), lambda x: np.pad(x, 1), [a], [layout])
        i, j = data.draw(st.integers(-nd, nd - 1)), data.draw(st.integers(-nd, nd - 1))
        check(lambda t: t.swapaxes(i, j), lambda x: np.swapaxes(x, i, j), [a], [layout])
        s, e = sorted((data.draw(st.integers(0, nd - 1)), data.draw(st.integers(0, nd - 1))))
        check(lambda t: t.flatten(s, e),
              lambda x: x.reshape(x.shape[:s] + (-1,) + x.shape[e + 1:]), [a], [layout])
        ones = tuple(k for k, n in enumerate(shape) if n == 1)
        check(lambda t: t.squeeze(ones), lambda x: x.squeeze(ones), [a], [layout])
        width = [(k % 2, (k + 1) % 3) for k in range(nd)]
        check(lambda t: ag.pad(t, width, value=-2.0),
              lambda x: np.pad(x, width, constant_values=-2.0), [a], [layout])


@pytest.mark.parametrize("perm", [(1, 2, 0), (2, 0, 1), (0, 2, 1)])
def test_transpose_backward_uses_the_inverse_permutation(backend, perm):
    a = draw(5, (2, 3, 4))
    check(lambda t: t.permute(*perm) * Tensor(np.arange(24.0).reshape(a.transpose(perm).shape)),
          lambda x: x.transpose(perm) * np.arange(24.0).reshape(x.transpose(perm).shape), [a])


@fixture_ok
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3), seed=seeds,
       data=st.data())
def test_cat_stack_split(backend, shape, seed, data):
    nd = len(shape)
    ax = data.draw(st.integers(-nd, nd - 1))
    other = list(shape)
    other[ax] = data.draw(st.integers(1, 3))
    a, b, c = draw(seed, shape), draw(seed + 1, tuple(other)), draw(seed + 2, shape)
    check(lambda x, y: ag.cat([x, y], axis=ax), lambda x, y: np.concatenate([x, y], axis=ax),
          [a, b])
    check(lambda x, y, z: ag.concatenate([x, y, z], ax),
          lambda x, y, z: np.concatenate([x, y, z], ax), [a, b, a])
    sax = data.draw(st.integers(-nd - 1, nd))
    check(lambda x, z: ag.stack([x, z, x], axis=sax), lambda x, z: np.stack([x, z, x], sax),
          [a, c])
    n = shape[ax]
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    parts = Tensor(a).tensor_split(cuts, ax)  # numpy.split's cut points
    for p, q in zip(parts, np.split(a, cuts, axis=ax)):
        np.testing.assert_array_equal(p.data, q)
    # each piece weighted differently so a mixed-up gradient would show
    assert gradcheck(lambda x: ag.cat([p * (k + 1.0) for k, p in
                                       enumerate(x.tensor_split(cuts, ax))], ax),
                     Tensor(a, requires_grad=True))
    sections = [k for k in (1, 2, 3) if n % k == 0]
    k = data.draw(st.sampled_from(sections))
    assert len(ag.chunk(Tensor(a), k, ax)) == k
    assert len(ag.split(Tensor(a), n // k, ax)) == k  # torch's split takes the chunk size
    assert gradcheck(lambda x: ag.stack(ag.split(x, n // k, ax), 0),
                     Tensor(a, requires_grad=True))


INDEXES = [
    1, -1, (0, 1), (slice(None), 2), slice(1, 3), slice(None, None, 3), slice(0, 3, 2),
    (slice(None, None, 2), slice(1, None, 2)), (None, 0), (Ellipsis, 1), (0, Ellipsis, None),
    np.array([0, 0, 1]), [3, 0, 3, 3], (slice(None), [2, 2, 0]), ([0, 1], [1, 1]),
    (np.array([[0], [3]]), np.array([[1, 2]])), np.array([True, False, True, True]),
    np.array([[True, False, True], [False, False, True], [True, True, True],
              [False, False, False]]), (slice(1, None), np.array([False, True, True])),
    (Ellipsis, [0, 0]), (np.int64(2),),
]


@pytest.mark.parametrize("index", INDEXES, ids=[repr(i) for i in range(len(INDEXES))])
@pytest.mark.parametrize("layout", ["plain", "T", "step"])
def test_getitem(backend, index, layout):
    a = draw(7, (4, 3, 2), anything, layout)
    check(lambda t: t[index], lambda x: x[index], [a], [layout])
    check(lambda t: t[Tensor(index) if isinstance(index, np.ndarray) else index],
          lambda x: x[index], [a], [layout])


def test_getitem_scatters_repeated_indices_with_accumulation(backend):
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    x[[0, 0, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[2, 2], [1, 1], [0, 0]])
    x.grad = None
    w = Tensor(np.array([1.0, 10.0, 100.0]))
    (x[np.array([2, 2, 2]), np.array([1, 1, 0])] * w).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 0], [0, 0], [100, 11]])


def test_getitem_with_int_tensor_index(backend):
    x = Tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    idx = Tensor([3, 1, 3])
    y = x[idx, Tensor([0, 0, 2])]
    np.testing.assert_array_equal(y.data, [9, 3, 11])
    y.sum().backward()
    assert x.grad.data[3].tolist() == [1, 0, 1] and x.grad.data[1].tolist() == [1, 0, 0]


def test_iteration_and_len_follow_the_first_axis(backend):
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = list(x)
    assert len(x) == 3 and len(rows) == 3
    (rows[0] * 1.0 + rows[2] * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 1], [0, 0], [3, 3]])


# ---------------------------------------------------------------------------------------
# matmul
# ---------------------------------------------------------------------------------------
@st.composite
def matmul_shapes(draw_):
    m, k, n = (draw_(st.integers(1, 4)) for _ in range(3))
    (ba, bb), _ = draw_(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2,
                                                          max_side=3))
    a_vec, b_vec = draw_(st.booleans()), draw_(st.booleans())
    sa = (k,) if a_vec else (*ba, m, k)
    sb = (k,) if b_vec else (*bb, k, n)
    return sa, sb


@fixture_ok
@given(sh=matmul_shapes(), seed=seeds, ta=st.booleans(), tb=st.booleans())
def test_matmul(backend, sh, seed, ta, tb):
    sa, sb = sh
    la = "T" if ta else "plain"
    lb = "T" if tb else "plain"
    # the transposed layouts feed matmul views whose last two axes are swapped
    a, b = draw(seed, sa), draw(seed + 1, sb)
    a_leaf = np.swapaxes(a, -1, -2).copy() if ta and a.ndim > 1 else a
    b_leaf = np.swapaxes(b, -1, -2).copy() if tb and b.ndim > 1 else b

    def prep(t, lay):
        return t.swapaxes(-1, -2) if lay == "T" and t.ndim > 1 else t

    check(lambda x, y: prep(x, la) @ prep(y, lb), lambda x, y: prep(x, la) @ prep(y, lb),
          [a_leaf, b_leaf])
    check(lambda x, y: ag.matmul(prep(x, la), prep(y, lb)),
          lambda x, y: np.matmul(prep(x, la), prep(y, lb)), [a_leaf, b_leaf])


def test_matmul_with_arrays_and_step_views(backend):
    big = np.random.default_rng(3).standard_normal((8, 6))
    a = Tensor(big, requires_grad=True)
    w = np.random.default_rng(4).standard_normal((3, 5))
    y = a[::2, ::2] @ w  # (4, 3) @ (3, 5), both operands non-contiguous / foreign
    np.testing.assert_allclose(y.data, big[::2, ::2] @ w, rtol=1e-12)
    assert gradcheck(lambda x: x[::2, ::2] @ w, a)
    assert gradcheck(lambda x: w.T @ x.flip(0)[::2, 1::2].T, a)
    np.testing.assert_allclose((w.T @ Tensor(big[::2, ::2]).T).data, w.T @ big[::2, ::2].T)


# ---------------------------------------------------------------------------------------
# dtype: float32 stays float32 through every op
# ---------------------------------------------------------------------------------------
ALL_F32 = {
    **{k: (lambda f: (lambda t: f(t)))(v[0]) for k, v in UNARY.items() if k != "double"},
    **{k: (lambda f: (lambda t: f(t, t * 0.5 + 1.0)))(v[0]) for k, v in BINARY.items()},
    **{k: (lambda f: (lambda t: f(t, 1, True)))(v[0]) for k, v in REDUCE.items()},
    "softmax": lambda t: t.softmax(0),
    "log_softmax": lambda t: t.log_softmax(-1),
    "where": lambda t: ag.where(t > 0.5, t, 2.0),
    "matmul": lambda t: t @ t.T,
    "getitem": lambda t: t[[0, 0]],
    "cat": lambda t: ag.cat([t, t], 1),
    "stack": lambda t: ag.stack([t, t]),
    "pad": lambda t: t.pad(1, value=2.0),
    "reshape": lambda t: t.reshape(-1),
    "broadcast_to": lambda t: t.broadcast_to((2, 2, 3)),
    "scalars_everywhere": lambda t: (2 * t - 1.5) / 3.0 + 0.25 ** t + t ** 2.5,
    "numpy_scalars": lambda t: t * np.float64(2.0) + np.float64(1.0) - np.int64(3),
}


@pytest.mark.parametrize("name", sorted(ALL_F32))
def test_float32_stays_float32(backend, name):
    x = Tensor(np.random.default_rng(0).uniform(0.5, 1.5, (2, 3)).astype(np.float32),
               requires_grad=True)
    y = ALL_F32[name](x)
    assert y.dtype == np.float32, name
    y.sum().backward()
    assert x.grad is not None and x.grad.dtype == np.float32, name


def test_float64_stays_float64(backend):
    x = Tensor(np.array([[0.5, 1.0], [2.0, 3.0]]), requires_grad=True)
    y = ((x * 2.0).tanh() @ x.T).softmax(1).max(axis=0).values.sum()
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float64


# ---------------------------------------------------------------------------------------
# 0-d results: .data is always an ndarray (numpy hands back scalars for 0-d ufunc results)
# ---------------------------------------------------------------------------------------
ZERO_D = {
    **{k: v[0] for k, v in UNARY.items()},
    "maximum": lambda t: ag.maximum(t, Tensor(np.asarray(0.2, t.dtype))),
    "where": lambda t: ag.where(np.array(True), t, t),
    "pow_tensor": lambda t: t ** (t + 1.0), "softmax": lambda t: t.softmax(),
    "sum": lambda t: (t * Tensor(np.ones((2, 2)))).sum(),
    "mean": lambda t: (t * Tensor(np.ones((2, 2)))).mean(),
    "max": lambda t: (t * Tensor(np.ones((2, 2)))).max(),
    "var": lambda t: (t * Tensor(np.arange(4.0))).var(),
    "std": lambda t: (t * Tensor(np.arange(4.0))).std(),
    "logsumexp": lambda t: (t * Tensor(np.arange(4.0))).logsumexp(),
    "vecdot": lambda t: (t * Tensor([1.0, 2.0])) @ Tensor([3.0, 4.0]),
    "getitem": lambda t: (t * Tensor(np.ones((2, 2))))[0, 1],
}


@pytest.mark.parametrize("name", sorted(ZERO_D))
def test_zero_d_results_are_arrays(backend, name):
    x = Tensor(np.array(0.7), requires_grad=True)
    y = ZERO_D[name](x)
    assert y.shape == () and type(y.data) is np.ndarray, name
    y.backward()
    assert type(x.grad.data) is np.ndarray and x.grad.shape == ()
    with ag.no_grad():
        y += 1.0  # in place on a 0-d result works (a numpy scalar would refuse)
        x.grad.zero_()
    assert x.grad.item() == 0.0
