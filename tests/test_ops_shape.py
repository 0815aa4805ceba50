"""Shape, view and index ops: gradients against finite differences (both backends, strided
inputs too), second derivatives, views and the version counter, and error messages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor, gradcheck

seeds = st.integers(0, 2**31 - 1)


def arr(seed: int, shape: tuple) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-2.0, 2.0, shape)


def leaf(a: np.ndarray) -> Tensor:
    return Tensor(a, requires_grad=True)


def strided(x: Tensor) -> Tensor:
    """A non-contiguous view of x: every other column (x has twice the columns it needs)."""
    return x[:, ::2]


IDX = Tensor(np.array([2, 0, 2, 1]))

# name -> (fn of one (3, 4) float tensor, whether to also run it on a strided view)
UNARY = {
    "transpose": lambda x: x.transpose(0, 1) * Tensor(np.arange(12.0).reshape(4, 3)),
    "permute": lambda x: x.reshape(3, 2, 2).permute(2, 0, 1),
    "movedim": lambda x: ag.movedim(x.reshape(3, 2, 2), (0, 2), (1, 0)),
    "mT": lambda x: x.reshape(1, 3, 4).mT,
    "T": lambda x: x.T,
    "squeeze_unsqueeze": lambda x: x.unsqueeze(1).squeeze((1, 0)),
    "flatten_unflatten": lambda x: x.reshape(3, 2, 2).flatten(1).unflatten(0, (1, 3)),
    "expand": lambda x: x[:, :1].expand(-1, 5) * Tensor(np.arange(15.0).reshape(3, 5)),
    "broadcast_tensors": lambda x: ag.broadcast_tensors(x[:1], x[:, :1])[0] * 2.0
    + ag.broadcast_tensors(x[:1], x[:, :1])[1],
    "meshgrid": lambda x: ag.stack(ag.meshgrid(x[0], x[1, :2], indexing="xy")),
    "flip": lambda x: x.flip(0, 1) * Tensor(np.arange(12.0).reshape(3, 4)),
    "roll": lambda x: x.roll((1, -3), (0, 1)) * Tensor(np.arange(12.0).reshape(3, 4)),
    "roll_flat": lambda x: ag.roll(x, 5) * Tensor(np.arange(12.0).reshape(3, 4)),
    "rot90": lambda x: x.rot90(1) * Tensor(np.arange(12.0).reshape(4, 3)),
    "rot90_3": lambda x: ag.rot90(x, 3),
    "tril_triu": lambda x: x.tril(1) * 2.0 + x.triu(-1),
    "diagonal": lambda x: x.diagonal(1) * Tensor(np.array([1.0, 2.0, 3.0])),
    "diag": lambda x: ag.diag(x[0], 1) @ ag.diag(x[1], 1),
    "diag_embed": lambda x: ag.diag_embed(x, -1, 0, 2),
    "repeat": lambda x: x.repeat(2, 1, 3) * Tensor(np.arange(72.0).reshape(2, 3, 12)),
    "tile": lambda x: ag.tile(x, (2,)),
    "repeat_interleave": lambda x: x.repeat_interleave(Tensor(np.array([2, 0, 3])), dim=0),
    "unfold": lambda x: x.unfold(1, 2, 1) * Tensor(np.arange(18.0).reshape(3, 3, 2)),
    "unfold_step": lambda x: x.unfold(0, 2, 2),
    "diff": lambda x: ag.diff(x, n=2, dim=1, prepend=x[:, :1] * 3.0),
    "narrow_select": lambda x: x.narrow(1, 1, 2) * x.select(0, -1)[:2],
    "split_chunk": lambda x: ag.cat(
        [p.reshape(-1) * float(k + 1) for k, p in enumerate(x.split([1, 3], 1))]
        + [p.reshape(-1) * float(k + 5) for k, p in enumerate(x.chunk(2, 0))]),
    "tensor_split_unbind": lambda x: ag.hstack([p.reshape(-1) * float(k + 1) for k, p in
                                                enumerate(x.tensor_split(3, 1))])
    + ag.hstack(x.unbind(0)),
    "stack_vstack_dstack": lambda x: ag.stack([x, x * 2.0], -1).sum(-1) + ag.vstack([x[0], x[1:]])
    + ag.dstack([x, x])[..., 1],
    "column_stack": lambda x: ag.column_stack([x[:, 0], x, x[:, 1]]),
    "index_select": lambda x: x.index_select(0, IDX) * Tensor(np.arange(16.0).reshape(4, 4)),
    "gather": lambda x: x.gather(1, Tensor(np.array([[0, 0], [3, 1], [2, 2]]))),
    "scatter_value": lambda x: x.scatter(1, Tensor(np.array([[0], [3], [2]])), 1.5),
    "index_fill": lambda x: x.index_fill(1, Tensor(np.array([0, 2])), -1.0),
    "masked_fill": lambda x: x.masked_fill(Tensor(np.array([True, False, True, False])), 2.0),
    "masked_select": lambda x: x.masked_select(Tensor(np.eye(3, 4, dtype=bool))),
    "take": lambda x: ag.take(x, Tensor(np.array([[0, -1], [5, 5]]))),
    "take_along_dim": lambda x: ag.take_along_dim(x, Tensor(np.array([[1], [0], [-1]])), 1),
    "getitem_tensor_index": lambda x: x[Tensor(np.array([0, 0, 2]))] * 3.0,
    "getitem_mask": lambda x: x[Tensor(np.array([[True, False, True, True]] * 3))],
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(seed=seeds)
def test_gradients_match_finite_differences(backend, name, seed):
    fn = UNARY[name]
    assert gradcheck(fn, [leaf(arr(seed, (3, 4)))])


@pytest.mark.parametrize("name", ["transpose", "flip", "unfold", "gather", "index_select",
                                  "diagonal", "repeat", "masked_select", "roll"])
def test_gradients_on_strided_views(backend, name):
    fn = UNARY[name]
    assert gradcheck(lambda x: fn(strided(x)), [leaf(arr(7, (3, 8)))])
    # a transposed (F-ordered) leaf as well
    assert gradcheck(lambda x: fn(x.T), [leaf(arr(8, (4, 3)))])


# two-input ops: (fn, shape of the second input)
BINARY = {
    "scatter_src": (lambda x, s: x.scatter(1, Tensor(np.array([[0, 2], [3, 1], [1, 0]])), s),
                    (3, 2)),
    "scatter_src_bigger": (lambda x, s: x.scatter(0, Tensor(np.array([[2, 0, 1, 1]])), s),
                           (2, 4)),
    "scatter_add": (lambda x, s: ag.scatter_add(x, 0, Tensor(np.array([[2, 2, 0, 1]] * 2)), s),
                    (2, 4)),
    "index_add": (lambda x, s: x.index_add(0, Tensor(np.array([2, 0, 2])), s, alpha=-2.0),
                  (3, 4)),
    "index_copy": (lambda x, s: x.index_copy(1, Tensor(np.array([3, 0])), s), (3, 2)),
    "masked_scatter": (lambda x, s: x.masked_scatter(Tensor(np.eye(3, 4, dtype=bool)), s),
                       (5,)),
    "cat": (lambda x, s: ag.cat([x, s.reshape(3, -1)], dim=1), (3, 2)),
    "hstack": (lambda x, s: ag.hstack([x, s]), (3, 1)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(seed=seeds)
def test_two_input_gradients(backend, name, seed):
    fn, shape = BINARY[name]
    assert gradcheck(fn, [leaf(arr(seed, (3, 4))), leaf(arr(seed + 1, shape))])


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@given(seed=seeds)
def test_scatter_reduce_gradients(backend, reduce, include_self, seed):
    idx = Tensor(np.array([[0, 0, 2, 1], [1, 2, 2, 2], [3, 3, 3, 0]]))
    # values well apart, so amax/amin have no ties under the finite-difference step
    x = np.random.default_rng(seed).permutation(12).reshape(3, 4) * 0.3 + 0.5
    s = np.random.default_rng(seed + 1).permutation(12).reshape(3, 4) * 0.3 + 0.6
    assert gradcheck(lambda a, b: a.scatter_reduce(1, idx, b, reduce, include_self=include_self),
                     [leaf(x), leaf(s)])


def test_scatter_reduce_amax_ties_share_the_gradient():
    x = leaf(np.array([1.0, 5.0]))
    s = leaf(np.array([5.0, 2.0, 5.0]))
    y = x.scatter_reduce(0, Tensor(np.array([1, 0, 1])), s, "amax")
    y.sum().backward()
    np.testing.assert_allclose(y.data, [2.0, 5.0])
    np.testing.assert_allclose(x.grad.data, [0.0, 1 / 3])
    np.testing.assert_allclose(s.grad.data, [1 / 3, 1.0, 1 / 3])


def test_second_derivatives_through_gather_and_index_select(backend):
    def grad_of(x):
        y = (x.gather(1, Tensor(np.array([[0, 0], [2, 1], [3, 3]]))) ** 3).sum()
        y = y + (x.index_select(0, IDX) ** 2 * x.index_select(0, IDX)).sum()
        (g,) = ag.grad(y, x, create_graph=True)
        return g

    assert gradcheck(grad_of, [leaf(arr(3, (3, 4)))])

    def grad_of_view_ops(x):
        y = (x.unfold(1, 2, 1) ** 2).sum() + (x.diagonal() ** 3).sum() + (x.flip(0) ** 3).sum()
        return ag.grad(y, x, create_graph=True)[0]

    assert gradcheck(grad_of_view_ops, [leaf(arr(4, (3, 4)))])


def test_repeated_indices_accumulate(backend):
    x = leaf(np.zeros((4, 2)))
    idx = Tensor(np.array([3, 3, 0, 3] * 40))  # large enough for the sorted accumulation
    x[idx].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[40, 40], [0, 0], [0, 0], [120, 120]])
    x.grad = None
    x.index_select(0, idx).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[40, 40], [0, 0], [0, 0], [120, 120]])
    x.grad = None
    x[Tensor(np.array([-1, 3, 0]))].sum().backward()  # negative indices count from the end
    np.testing.assert_array_equal(x.grad.data, [[1, 1], [0, 0], [0, 0], [2, 2]])


# ---------------------------------------------------------------------------------------
# behaviour
# ---------------------------------------------------------------------------------------
def test_torch_meanings_that_differ_from_numpy():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert x.transpose(0, 1).shape == (3, 2)  # numpy would return x unchanged
    np.testing.assert_array_equal(ag.transpose(x, 1, 0).data, x.data.T)
    parts = x.split(1, 1)  # chunks of size 1, not "cut at index 1"
    assert isinstance(parts, tuple) and [p.shape for p in parts] == [(2, 1)] * 3
    assert [p.shape for p in x.split(2, dim=1)] == [(2, 2), (2, 1)]
    assert [p.shape for p in x.tensor_split([1], 1)] == [(2, 1), (2, 2)]
    assert x.squeeze(0).shape == (2, 3)  # not a size-1 dim: no-op, no error
    assert Tensor(np.zeros((2, 3, 4))).T.shape == (4, 3, 2)
    assert Tensor(np.zeros((5, 2, 3))).mT.shape == (5, 3, 2)
    assert ag.cat([x, x], dim=1).shape == (2, 6)
    assert ag.stack([x, x], axis=1).shape == (2, 2, 3)  # numpy's spelling as an alias
    assert x.permute(1, 0).shape == x.permute([1, 0]).shape == (3, 2)
    assert x.flatten(0, 1).shape == (6,)


def test_views_share_the_version_counter_and_copies_do_not():
    x = leaf(np.arange(6.0).reshape(2, 3))
    for view in (lambda t: t.transpose(0, 1), lambda t: t.expand(2, 2, 3),
                 lambda t: t.diagonal(), lambda t: t.unfold(1, 2, 1), lambda t: t[0],
                 lambda t: t.narrow(1, 0, 2)):
        base = x * 1.0
        v = view(base)
        y = (v * v).sum()  # mul saves v
        with ag.no_grad():
            base.data[0, 0] = 5.0
            base._bump_version()
        with pytest.raises(RuntimeError, match="modified in place"):
            y.backward()
    base = x * 1.0
    f = base.flip(0)
    assert not np.shares_memory(f.data, base.data)
    f.data[0, 0] = 100.0
    assert base.data[1, 0] == 3.0


def test_contiguous_returns_self_or_a_copy():
    x = Tensor(np.zeros((2, 3)))
    assert x.contiguous() is x and x.is_contiguous()
    y = x.transpose(0, 1)
    assert not y.is_contiguous()
    assert y.contiguous().is_contiguous() and y.contiguous().shape == (3, 2)


def test_nonzero_and_where_one_argument():
    x = Tensor(np.array([[0.0, 1.5], [2.0, 0.0]]))
    nz = x.nonzero()
    assert nz.dtype == np.int64 and nz.tolist() == [[0, 1], [1, 0]]
    rows, cols = ag.where(x != 0)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]
    assert ag.argwhere(x).tolist() == [[0, 1], [1, 0]]


def test_setitem_with_tensor_indices():
    x = Tensor(np.zeros((3, 2)))
    x[Tensor(np.array([2, 0]))] = 1.0
    x[Tensor(np.array([True, False, False])), 1] = Tensor(np.array([7.0]))
    assert x.tolist() == [[1.0, 7.0], [0.0, 0.0], [1.0, 1.0]]


def test_searchsorted_and_bucketize():
    seq = Tensor(np.array([1.0, 3.0, 5.0]))
    assert ag.searchsorted(seq, Tensor(np.array([3.0, 6.0]))).tolist() == [1, 3]
    assert ag.searchsorted(seq, 3.0, right=True).item() == 2
    assert ag.bucketize(Tensor(np.array([3.0, 0.0])), seq).tolist() == [1, 0]
    assert ag.searchsorted(seq, Tensor(np.array([3.0])), out_int32=True).dtype == np.int32


def test_int_tensors_through_shape_ops():
    x = Tensor(np.arange(6).reshape(2, 3))
    assert x.flip(1).tolist() == [[2, 1, 0], [5, 4, 3]]
    assert x.gather(1, Tensor(np.array([[2], [0]]))).tolist() == [[2], [3]]
    assert x.masked_fill(x > 3, -1).dtype == np.int64
    assert ag.cat([x, Tensor(np.zeros((2, 1), dtype=np.float32))], 1).dtype == np.float32


# ---------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------
X = Tensor(np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("call, kind, words", [
    (lambda: X[::-1], ValueError, "step must be greater than zero"),
    (lambda: X[:, ::-2], ValueError, "step must be greater than zero"),
    (lambda: X.transpose(0), TypeError, r"takes two dims \(dim0, dim1\), got \(0,\); use permute"),
    (lambda: X.transpose(1, 0, 2), TypeError, r"use permute\(1, 0, 2\)"),
    (lambda: X.transpose(0, 2), IndexError, r"transpose: dim 2 is out of range .* -2 to 1"),
    (lambda: X.permute(0), RuntimeError, "permute: got 1 dims"),
    (lambda: Tensor(np.zeros((1, 1, 1))).t(), RuntimeError,
     "t: expects a tensor with <= 2 dimensions"),
    (lambda: Tensor(np.zeros(3)).mT, RuntimeError, "mT: only matrices"),
    (lambda: X.split([1, 1], 1), RuntimeError, "sum exactly to 3"),
    (lambda: X.chunk(0), RuntimeError, "chunks must be a positive int"),
    (lambda: X.tensor_split(0), RuntimeError, "number of sections must be positive"),
    (lambda: X.expand(3, 3), RuntimeError, "expanded size 3 must match the existing size 2"),
    (lambda: X.expand(-1, 2, 3), RuntimeError, "-1 is not allowed in a new leading dim"),
    (lambda: X.narrow(1, 2, 2), RuntimeError, r"start \(2\) \+ length \(2\) exceeds"),
    (lambda: X.select(0, 5), IndexError, "select: index 5 is out of range for dim 0 of size 2"),
    (lambda: X.unfold(1, 4, 1), RuntimeError, "maximum size for dim 1 is 3 but size is 4"),
    (lambda: X.unfold(1, 2, 0), RuntimeError, "step must be > 0"),
    (lambda: X.repeat(2), RuntimeError, "number of repeats .* can not be smaller"),
    (lambda: ag.diag(Tensor(np.zeros((2, 2, 2)))), RuntimeError, "supports 1-d or 2-d"),
    (lambda: X.diagonal(0, 1, 1), RuntimeError, "dim1 and dim2 must differ"),
    (lambda: ag.tril(Tensor(np.zeros(3))), RuntimeError, "at least 2 dims"),
    (lambda: X.roll((1, 2), 1), RuntimeError, "shifts and dims must align"),
    (lambda: ag.meshgrid(X[0], X[1], indexing="ji"), ValueError, "'ij' or 'xy'"),
    (lambda: X.gather(1, Tensor(np.array([[0.0]]))), RuntimeError, "int64 .* index"),
    (lambda: X.gather(1, Tensor(np.array([0]))), RuntimeError, "same number of dims"),
    (lambda: X.gather(1, Tensor(np.array([[3]]))), IndexError, "index 3 is out of bounds"),
    (lambda: X.index_select(0, Tensor(np.array([[0]]))), IndexError, "must be a 1-d"),
    (lambda: X.index_select(0, Tensor(np.array([-1]))), IndexError, "out of bounds"),
    (lambda: X.masked_fill(Tensor(np.array([1, 0, 1])), 0.0), RuntimeError, "boolean mask"),
    (lambda: X.masked_fill(Tensor(np.ones(4, dtype=bool)), 0.0), RuntimeError,
     "does not broadcast"),
    (lambda: X.masked_scatter(X > 0, Tensor(np.ones(2))), RuntimeError,
     "source has 2 elements but the mask selects 5"),
    (lambda: leaf(np.zeros(3)).scatter(0, Tensor(np.array([0])), 1.0, reduce="add"),
     RuntimeError, "derivative of scatter with reduce is not implemented"),
    (lambda: X.scatter_reduce(0, Tensor(np.array([[0]])), X, "max"), RuntimeError,
     "reduce must be one of sum, prod, mean, amax, amin"),
    (lambda: X.index_add(0, Tensor(np.array([0])), Tensor(np.ones((2, 3)))), RuntimeError,
     r"source must have shape \(1, 3\)"),
    (lambda: ag.take(X, Tensor(np.array([6]))), IndexError,
     "tried to access index 6 on a tensor of 6 elements"),
    (lambda: ag.cat([X, Tensor(np.ones((3, 3)))], 1), RuntimeError, "must match except in dim"),
    (lambda: ag.broadcast_shapes((2,), (3,)), RuntimeError, "cannot be broadcast"),
    (lambda: ag.unflatten(X, 1, (2, -1)), RuntimeError, "don't multiply up to the size"),
])
def test_errors_name_the_problem(call, kind, words):
    with pytest.raises(kind, match=words):
        call()
