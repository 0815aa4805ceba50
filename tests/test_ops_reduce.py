"""Reductions, scans and sorting: gradients against finite differences (both backends, plain
and non-contiguous inputs, and second order), errors, and behaviour the oracle can't see."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor, gradcheck

FEW = settings(max_examples=8)


def _distinct(seed: int, shape: tuple[int, ...], transposed: bool = False) -> np.ndarray:
    """Values far apart (no ties, nothing near a kink), optionally as a transposed view."""
    rng = np.random.default_rng(seed)
    n = math.prod(shape)
    a = (rng.permutation(n) - n / 2 + 0.5) * 0.7 + rng.uniform(-0.1, 0.1, n)
    a = a.reshape(shape[::-1]).T if transposed else a.reshape(shape)
    assert transposed == (not a.flags.c_contiguous) or a.ndim < 2
    return a


def _positive(seed: int, shape: tuple[int, ...], transposed: bool = False) -> np.ndarray:
    return np.abs(_distinct(seed, shape, transposed)) + 0.5


GRAD_OPS = {
    "sum_dim": lambda x: x.sum(1),
    "sum_tuple_keepdim": lambda x: x.sum(dim=(0, -1), keepdim=True),
    "mean": lambda x: x.mean(-1),
    "mean_all": lambda x: ag.mean(x),
    "prod": lambda x: x.prod(1),
    "prod_all": lambda x: x.prod(),
    "max_dim": lambda x: x.max(1).values,
    "min_dim_keepdim": lambda x: x.min(0, keepdim=True).values,
    "max_all": lambda x: x.max(),
    "amax_tuple": lambda x: x.amax((0, 1)),
    "amin": lambda x: x.amin(-1),
    "var": lambda x: x.var(1),
    "var_correction0": lambda x: x.var(dim=0, correction=0, keepdim=True),
    "std": lambda x: x.std(),
    "std_dim": lambda x: x.std(-1, ddof=0),
    "norm2": lambda x: x.norm(dim=1),
    "norm1": lambda x: x.norm(p=1),
    "norm3": lambda x: ag.vector_norm(x, 3, 0),
    "norm_inf": lambda x: x.norm(p=math.inf, dim=1),
    "norm_neg_inf": lambda x: x.norm(p=-math.inf),
    "logsumexp": lambda x: x.logsumexp(1),
    "softmax": lambda x: x.softmax(0),
    "log_softmax": lambda x: x.log_softmax(dim=-1),
    "softmin": lambda x: ag.softmin(x, 1),
    "cumsum": lambda x: x.cumsum(1),
    "cumprod": lambda x: x.cumprod(0),
    "cummax": lambda x: x.cummax(1).values,
    "cummin": lambda x: x.cummin(0).values,
    "logcumsumexp": lambda x: x.logcumsumexp(1),
    "sort": lambda x: x.sort(1, descending=True).values,
    "topk": lambda x: x.topk(2, dim=0).values,
    "kthvalue": lambda x: x.kthvalue(2, 1).values,
    "median_dim": lambda x: x.median(1).values,
    "median_all": lambda x: x.median(),
    "nansum": lambda x: x.nansum(0),
    "nanmean": lambda x: x.nanmean(1),
    "var_mean": lambda x: ag.var_mean(x, 1)[0] + ag.var_mean(x, 1)[1],
}


@pytest.mark.parametrize("name", sorted(GRAD_OPS))
@FEW
@given(seed=st.integers(0, 2**16), transposed=st.booleans(), shape=st.sampled_from([(3, 4),
                                                                                     (4, 3)]))
def test_gradients_match_finite_differences(backend, name, seed, transposed, shape):
    a = _positive(seed, shape, transposed) if name.startswith(("prod", "cumprod")) else \
        _distinct(seed, shape, transposed)
    assert gradcheck(GRAD_OPS[name], [Tensor(a, requires_grad=True)])


def test_prod_and_cumprod_gradients_at_zeros(backend):
    a = np.array([[0.0, 2.0, 3.0, 0.5], [1.0, 0.0, 0.0, 2.0], [1.5, 2.0, -1.0, 3.0]])
    for f in (lambda x: x.prod(1), lambda x: x.prod(0), lambda x: x.prod(),
              lambda x: x.cumprod(1), lambda x: x.cumprod(0), lambda x: x.flip(1).cumprod(1)):
        assert gradcheck(f, [Tensor(a, requires_grad=True)])
    x = Tensor([0.0, 2.0, 0.0, 3.0], requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0, 0.0])  # two zeros: nobody
    x = Tensor([2.0, 0.0, 4.0], requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 8.0, 0.0])  # one zero: only it


SECOND = {
    "prod_zeros": (lambda x: x.prod(1), np.array([[0.0, 2.0, 3.0], [1.0, 0.0, 0.0]])),
    "prod": (lambda x: x.prod(0), np.array([[0.5, 2.0, 3.0], [1.0, 1.5, -2.0]])),
    "cumprod_zeros": (lambda x: x.cumprod(1), np.array([[2.0, 0.0, 3.0], [0.0, 1.5, 2.0]])),
    "cumprod": (lambda x: x.cumprod(1), np.array([[2.0, 0.5, 3.0], [1.2, 1.5, 2.0]])),
    "var": (lambda x: x.var(1), np.array([[0.5, 2.0, 3.0], [1.0, 1.5, -2.0]])),
    "std": (lambda x: x.std(0), np.array([[0.5, 2.0, 3.0], [1.0, 1.5, -2.0]])),
    "norm3": (lambda x: x.norm(p=3, dim=1), np.array([[0.5, 2.0, 3.0], [1.0, 1.5, -2.0]])),
    "norm2": (lambda x: x.norm(), np.array([[0.5, 2.0, 3.0], [1.0, 1.5, -2.0]])),
    "logsumexp": (lambda x: x.logsumexp(0), np.array([[0.5, 2.0, 3.0], [1.0, 1.5, -2.0]])),
    "logcumsumexp": (lambda x: x.logcumsumexp(1), np.array([[0.5, 2.0, 3.0], [1, 1.5, -2]])),
    "cumsum": (lambda x: x.cumsum(1) ** 2, np.array([[0.5, 2.0, 3.0], [1.0, 1.5, -2.0]])),
    "mean": (lambda x: x.mean(0) ** 2, np.array([[0.5, 2.0, 3.0], [1.0, 1.5, -2.0]])),
    "sort": (lambda x: x.sort(1).values ** 3, np.array([[0.5, 2.0, 3.0], [1.0, 1.5, -2.0]])),
}


@pytest.mark.parametrize("name", sorted(SECOND))
def test_backward_is_differentiable(name):
    """create_graph: the gradient of each op is itself differentiable (second order)."""
    f, a = SECOND[name]

    def first(x):
        (g,) = ag.grad((f(x) * Tensor(np.linspace(0.5, 1.5, f(x).size).reshape(f(x).shape)))
                       .sum(), x, create_graph=True)
        return g

    assert gradcheck(first, [Tensor(a, requires_grad=True)])


# ---------------------------------------------------------------------------------------
# behaviour
# ---------------------------------------------------------------------------------------
def test_numpy_aliases_mean_the_same():
    x = Tensor(_distinct(0, (2, 3, 4)))
    pairs = [
        (x.sum(dim=(0, 2), keepdim=True), x.sum(axis=(0, 2), keepdims=True)),
        (x.mean(1), ag.mean(x, axis=1)),
        (x.var(1, correction=0), x.var(axis=1, ddof=0)),
        (x.std(dim=-1, unbiased=True, keepdim=True), x.std(axis=-1, keepdims=True, ddof=1)),
        (x.amax(0), x.amax(axis=0)),
        (x.logsumexp(2, True), x.logsumexp(axis=2, keepdims=True)),
        (x.max(dim=1).values, x.max(axis=1).values),
        (x.cumsum(dim=1), x.cumsum(axis=1)),
        (x.softmax(dim=0), x.softmax(axis=0)),
        (x.sort(dim=1).values, x.sort(axis=1).values),
    ]
    for a, b in pairs:
        assert a.shape == b.shape
        np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_allclose(x.var(1).data, np.var(x.data, axis=1, ddof=1))  # unbiased


def test_graph_nodes_are_named_after_the_op():
    x = Tensor(_distinct(1, (3, 4)), requires_grad=True)
    names = {"mean": x.mean(), "var": x.var(1), "std": x.std(), "max": x.max(1).values,
             "min": x.min(), "amax": x.amax(1), "amin": x.amin(), "prod": x.prod(1),
             "sort": x.sort().values, "topk": x.topk(2).values, "cumsum": x.cumsum(0),
             "cumprod": x.cumprod(1), "cummax": x.cummax(1).values, "median": x.median(),
             "logsumexp": x.logsumexp(1), "vector_norm": x.norm(), "sum": x.sum(),
             "log_softmax": x.log_softmax(1)}
    for name, t in names.items():
        assert t.grad_fn.name == name
        assert repr(t).endswith(f"grad_fn={name})")


def test_max_forms():
    x = Tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]], requires_grad=True)
    assert x.max().shape == () and x.max().item() == 7.0
    v, i = x.max(1)
    np.testing.assert_array_equal(v.data, [5.0, 7.0])
    np.testing.assert_array_equal(i.data, [1, 0])  # the first of tied maxima, as torch
    v, i = x.min(dim=0, keepdim=True)
    assert v.shape == (1, 3) and i.shape == (1, 3)
    m = x.max(Tensor([3.0, 3.0, 3.0]))
    np.testing.assert_array_equal(m.data, [[3.0, 5.0, 3.0], [7.0, 3.0, 7.0]])
    assert ag.max(x, Tensor(4.0)).shape == (2, 3)
    np.testing.assert_array_equal(ag.aminmax(x, dim=1).max.data, [5.0, 7.0])


def test_zero_d_inputs():
    x = Tensor(2.5, requires_grad=True)
    v, i = x.max(0)
    assert v.shape == () and i.item() == 0 and v.item() == 2.5
    assert x.sort().values.item() == 2.5 and x.argsort().item() == 0
    assert x.cumsum(0).item() == 2.5 and x.cumprod(-1).item() == 2.5
    assert x.median(0).values.item() == 2.5 and x.sum(0).item() == 2.5
    v.backward()
    assert x.grad.item() == 1.0


def test_torch_edge_values():
    with np.errstate(all="ignore"):
        assert math.isnan(Tensor([1.0]).var().item())  # n - correction <= 0: nan, as torch
        assert math.isinf(Tensor([1.0, 2.0]).var(correction=2).item())
        assert math.isnan(Tensor(np.zeros(0)).mean().item())
        assert Tensor(np.zeros((0, 3))).sum(0).tolist() == [0.0, 0.0, 0.0]
        assert Tensor(np.zeros((0, 3))).amax(1).shape == (0,)
        assert Tensor(np.zeros(0)).logsumexp(0).item() == -math.inf
    assert Tensor([-math.inf, -math.inf]).logsumexp(0).item() == -math.inf
    assert Tensor([1e4, 1e4]).logsumexp(0).item() == pytest.approx(1e4 + math.log(2))
    assert Tensor([1, 2], dtype="int32").sum().dtype == np.int64
    assert Tensor([True, True]).sum().item() == 2
    assert Tensor([3, 1, 2]).prod().dtype == np.int64
    assert Tensor(np.array([1, 0], np.uint8)).any().dtype == np.uint8
    assert ag.median(Tensor([1.0, 4.0, 2.0, 3.0])).item() == 2.0  # the lower median
    assert ag.kthvalue(Tensor([3.0, 1.0, 2.0]), 3).values.item() == 3.0
    y = Tensor([1.0, 2.0, 2.0, 3.0], requires_grad=True)
    y.median().backward()
    np.testing.assert_array_equal(y.grad.data, [0.0, 0.5, 0.5, 0.0])  # ties share, as torch
    z = Tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    v, i = z.cummax(0)
    np.testing.assert_array_equal(i.data, [0, 1, 2, 2])  # a tie moves to the later index
    v.sum().backward()
    np.testing.assert_array_equal(z.grad.data, [1.0, 1.0, 2.0, 0.0])


def test_unique_and_bincount():
    x = Tensor([[3, 1], [3, 2]])
    u, inv, counts = ag.unique(x, return_inverse=True, return_counts=True)
    assert u.tolist() == [1, 2, 3] and inv.tolist() == [[2, 0], [2, 1]]
    assert counts.tolist() == [1, 1, 2] and counts.dtype == np.int64
    assert x.unique(dim=0).tolist() == [[3, 1], [3, 2]]
    b = ag.bincount(Tensor([0, 2, 2]), minlength=4)
    assert b.tolist() == [1, 0, 2, 0] and b.dtype == np.int64
    w = ag.bincount(Tensor([0, 2, 2]), Tensor([0.5, 1.0, 2.0]))
    assert w.dtype == np.float32 and w.tolist() == [0.5, 0.0, 3.0]
    assert ag.bincount(Tensor(np.zeros(0, np.int64))).shape == (0,)


# ---------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------
X = Tensor(np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("call, kind, words", [
    (lambda: Tensor([1, 2]).mean(), RuntimeError, "mean: .*int64.*floating point"),
    (lambda: Tensor([1, 2]).var(), RuntimeError, "var: .*floating point tensor, got int64"),
    (lambda: Tensor([1, 2]).softmax(0), RuntimeError, "softmax: expected a floating point"),
    (lambda: Tensor([1, 2]).logcumsumexp(0), RuntimeError, "logcumsumexp: expected a float"),
    (lambda: Tensor([1, 2]).norm(), RuntimeError, "vector_norm: expected a floating point"),
    (lambda: Tensor(np.zeros((0, 3))).max(), RuntimeError, "max: cannot reduce an empty"),
    (lambda: Tensor(np.zeros((0, 3))).min(0), IndexError, "min: cannot reduce dim 0 of size"),
    (lambda: Tensor(np.zeros((0, 3))).argmax(), RuntimeError, "argmax: cannot reduce an"),
    (lambda: Tensor(np.zeros((0, 3))).amax(0), IndexError, "amax: cannot reduce dim 0"),
    (lambda: X.sum(5), IndexError, "sum: axis 5 is out of range for a tensor with 2 dim"),
    (lambda: X.max(-3), IndexError, "max: axis -3 is out of range"),
    (lambda: X.sort(2), IndexError, "sort: axis 2 is out of range"),
    (lambda: X.sum((1, 1)), ValueError, r"sum: repeated axis in \(1, 1\)"),
    (lambda: X.sum(dim=0, axis=1), TypeError, "sum: got both dim=0 and its alias axis=1"),
    (lambda: X.max((0, 1)), TypeError, "max: dim must be an int.*amax"),
    (lambda: X.var(unbiased=True, correction=0), TypeError, "var: got both unbiased="),
    (lambda: X.std(ddof=1, correction=0), TypeError, "std: got both correction= and"),
    (lambda: X.cumsum(), TypeError, "cumsum: missing the required argument dim"),
    (lambda: X.topk(4), RuntimeError, "topk: k=4 is out of range for a dim of size 3"),
    (lambda: X.topk(1.5), TypeError, "topk: k must be an int"),
    (lambda: X.kthvalue(0), RuntimeError, r"kthvalue: k=0 is out of range.*counts from 1"),
    (lambda: X.norm(p="bogus"), ValueError, "norm: p='bogus' is not supported"),
    (lambda: ag.vector_norm(X, "fro"), ValueError, "vector_norm: order 'fro' is not"),
    (lambda: ag.bincount(Tensor([-1, 2])), RuntimeError, "bincount: expected a 1-d tensor of"
                                                         " non-negative integers"),
    (lambda: ag.bincount(Tensor([[1, 2]])), RuntimeError, r"bincount: .*shape \(1, 2\)"),
    (lambda: ag.bincount(Tensor([1.0])), RuntimeError, "bincount: .*dtype float32"),
    (lambda: ag.bincount(Tensor([1, 2]), Tensor([1.0])), ValueError, "weights have shape"),
    (lambda: ag.bincount(Tensor([1]), minlength=-1), ValueError, "minlength must be a non"),
])
def test_errors_name_the_problem(call, kind, words):
    with pytest.raises(kind, match=words):
        call()


def test_dim_out_of_range_is_also_a_value_error():
    """IndexError as torch raises; still a ValueError for callers written against numpy."""
    with pytest.raises(ValueError, match="out of range"):
        X.mean(axis=2)
