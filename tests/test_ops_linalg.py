"""Linear algebra ops: gradients against finite differences (both backends), errors, behaviour."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import autograd as ag
from autograd import Tensor, gradcheck

dims = st.integers(1, 4)


def arr(*shape):
    return arrays(np.float64, shape, elements=st.floats(-2, 2, allow_nan=False, width=64))


def leaf(a):
    return Tensor(a, requires_grad=True)


@st.composite
def two_matrices(draw):
    n, k, m = draw(dims), draw(dims), draw(dims)
    return draw(arr(n, k)), draw(arr(k, m))


@given(two_matrices())
def test_mm_matmul_gradients(backend, ab):
    a, b = ab
    assert gradcheck(lambda x, y: ag.mm(x, y), [leaf(a), leaf(b)])
    # a transposed (non-contiguous) view as the left operand
    assert gradcheck(lambda x, y: ag.matmul(x.T.T, y), [leaf(a), leaf(b)])
    assert gradcheck(lambda x, y: x.T.mm(x @ y), [leaf(a), leaf(b)])


@given(st.data())
def test_bmm_mv_dot_outer_gradients(backend, data):
    b, n, k, m = (data.draw(dims) for _ in range(4))
    x, y = data.draw(arr(b, n, k)), data.draw(arr(b, k, m))
    assert gradcheck(ag.bmm, [leaf(x), leaf(y)])
    mat, vec = data.draw(arr(n, k)), data.draw(arr(k))
    assert gradcheck(ag.mv, [leaf(mat), leaf(vec)])
    v2 = data.draw(arr(k))
    assert gradcheck(ag.dot, [leaf(vec), leaf(v2)])
    assert gradcheck(ag.outer, [leaf(vec), leaf(data.draw(arr(m)))])


@given(st.data())
def test_add_family_gradients(backend, data):
    n, k, m, b = (data.draw(dims) for _ in range(4))
    beta = data.draw(st.sampled_from([0, 1, 0.5, -2.0]))
    alpha = data.draw(st.sampled_from([1, 2.0, -0.5]))
    c, x, y = data.draw(arr(n, m)), data.draw(arr(n, k)), data.draw(arr(k, m))
    assert gradcheck(lambda c, x, y: ag.addmm(c, x, y, beta=beta, alpha=alpha),
                     [leaf(c), leaf(x), leaf(y)])
    cv, v = data.draw(arr(n)), data.draw(arr(k))
    assert gradcheck(lambda c, x, v: ag.addmv(c, x, v, beta=beta, alpha=alpha),
                     [leaf(cv), leaf(x), leaf(v)])
    b1, b2 = data.draw(arr(b, n, k)), data.draw(arr(b, k, m))
    assert gradcheck(lambda c, x, y: ag.addbmm(c, x, y, beta=beta, alpha=alpha),
                     [leaf(c), leaf(b1), leaf(b2)])
    assert gradcheck(lambda c, x, y: ag.baddbmm(c, x, y, beta=beta, alpha=alpha),
                     [leaf(c), leaf(b1), leaf(b2)])


EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (2, 3, 2)]),
    ("ij,ij->ij", [(2, 1), (2, 3)]),
    ("bi,oij,bj->bo", [(2, 3), (2, 3, 2), (2, 2)]),
    ("i,i,i->", [(3,), (3,), (3,)]),
    ("ii,i->", [(3, 3), (3,)]),
]


@pytest.mark.parametrize("eq, shapes", EINSUMS, ids=[e for e, _ in EINSUMS])
@given(data=st.data())
def test_einsum_gradients(backend, eq, shapes, data):
    xs = [leaf(data.draw(arr(*s))) for s in shapes]
    assert gradcheck(lambda *t: ag.einsum(eq, *t), xs)


@given(st.data())
def test_tensordot_inner_trace_kron_gradients(backend, data):
    a, b, c = data.draw(arr(2, 3, 2)), data.draw(arr(3, 2, 2)), data.draw(arr(2, 3))
    assert gradcheck(lambda x, y: ag.tensordot(x, y, dims=([0, 1], [1, 0])), [leaf(a), leaf(b)])
    assert gradcheck(lambda x, y: ag.tensordot(x, y, dims=1), [leaf(a), leaf(c)])
    assert gradcheck(ag.inner, [leaf(a), leaf(b)])
    m = data.draw(arr(3, 3))
    assert gradcheck(lambda x: ag.trace(x.T), [leaf(m)])  # a transposed view
    assert gradcheck(ag.kron, [leaf(data.draw(arr(2, 2))), leaf(data.draw(arr(1, 3)))])


def test_second_derivative_through_einsum_diag():
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    y = (ag.einsum("ii->i", x) ** 3).sum()  # x00^3 + x11^3
    (g,) = ag.grad(y, [x], create_graph=True)
    np.testing.assert_allclose(g.data, [[3.0, 0.0], [0.0, 48.0]])
    (h,) = ag.grad(g.sum(), [x])
    np.testing.assert_allclose(h.data, [[6.0, 0.0], [0.0, 24.0]])


def test_values_and_dtypes():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(ag.mm(Tensor(a), Tensor(b)).data, a @ b)
    np.testing.assert_allclose(ag.einsum("ij,jk", Tensor(a), Tensor(b)).data, a @ b)
    np.testing.assert_allclose(ag.tensordot(Tensor(a), Tensor(b), dims=1).data, a @ b)
    assert ag.trace(Tensor(np.eye(3, dtype=np.int32))).dtype == np.int64
    assert ag.trace(Tensor(np.eye(3, dtype=np.float32))).item() == 3.0
    k = ag.kron(Tensor(np.eye(2)), Tensor(np.ones((2, 2))))
    np.testing.assert_array_equal(k.data, np.kron(np.eye(2), np.ones((2, 2))))
    assert ag.dot(Tensor([1, 2]), Tensor([3, 4])).dtype == np.int64
    assert ag.dot(Tensor([1, 2]), Tensor([3, 4])).item() == 11
    # a list next to a tensor takes the tensor's dtype
    assert ag.matmul(Tensor(np.ones((2, 2))), [[1.0], [2.0]]).dtype == np.float64


def test_einsum_transpose_is_not_an_alias():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    y = ag.einsum("ij->ji", x)
    y[0, 0] = 100.0
    assert x.data[0, 0] == 0.0 and y.shape == (3, 2)


def test_matmul_keeps_kernel_dispatch(monkeypatch):
    from autograd import kernels as K

    calls = []
    real = K.active.matmul
    monkeypatch.setattr(K.active, "matmul", lambda a, b: calls.append(a.shape) or real(a, b))
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    ag.mm(x, Tensor(np.ones((3, 4)))).sum().backward()
    assert calls and calls[0] == (2, 3)
    np.testing.assert_allclose(x.grad.data, np.full((2, 3), 4.0))


@pytest.mark.parametrize("call, kind, words", [
    (lambda: ag.mm(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 2)))), RuntimeError,
     r"mm: shapes \(2, 3\) and \(4, 2\) cannot be multiplied \(3 != 4\)"),
    (lambda: ag.mm(Tensor(np.ones(3)), Tensor(np.ones((3, 2)))), RuntimeError,
     r"mm: input must be a matrix \(2-D\), got shape \(3,\)"),
    (lambda: ag.bmm(Tensor(np.ones((2, 2, 3))), Tensor(np.ones((3, 3, 2)))), ValueError,
     r"bmm: shapes \(2, 2, 3\) and \(3, 3, 2\) cannot be multiplied"),
    (lambda: ag.mv(Tensor(np.ones((2, 3))), Tensor(np.ones((3, 1)))), RuntimeError,
     r"mv: vec must be a vector \(1-D\), got shape \(3, 1\)"),
    (lambda: ag.dot(Tensor(np.ones(2)), Tensor(np.ones(3))), RuntimeError,
     r"dot: the vectors have different lengths \(2 and 3\)"),
    (lambda: ag.matmul(Tensor(np.ones((2, 2))), Tensor(np.ones((2, 2), np.float32))),
     RuntimeError, "matmul: expected both operands to have the same dtype, got float64 and "
                   "float32"),
    (lambda: ag.addmm(Tensor(np.ones((3, 3))), Tensor(np.ones((2, 2))),
                      Tensor(np.ones((2, 2)))), ValueError,
     r"addmm: input of shape \(3, 3\) does not broadcast to the product's shape \(2, 2\)"),
    (lambda: ag.addmm(Tensor(np.ones(2)), Tensor(np.ones((2, 2))), Tensor(np.ones((2, 2))),
                      beta="x"), TypeError, "addmm: beta must be a number, got str"),
    (lambda: ag.tensordot(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 2))), dims=1),
     RuntimeError, "tensordot: contracted dimensions need to match, but the first has size 3 "
                   "in dim 1 and the second size 4 in dim 0"),
    (lambda: ag.tensordot(Tensor(np.ones(2)), Tensor(np.ones(2)), dims=3), ValueError,
     "tensordot: dims=3 must be between 0 and 1"),
    (lambda: ag.tensordot(Tensor(np.ones(2)), Tensor(np.ones(2)), dims="x"), TypeError,
     "tensordot: dims must be an int or a pair of lists"),
    (lambda: ag.tensordot(Tensor(np.ones(2)), Tensor(np.ones(2)), dims=([3], [0])),
     IndexError, r"tensordot: dimension 3 is out of range .* \[-1, 0\]"),
    (lambda: ag.trace(Tensor(np.ones(3))), RuntimeError, "trace: input must be a matrix"),
    (lambda: ag.einsum("ij,jk", Tensor(np.ones((2, 3)))), ValueError,
     "einsum: the equation 'ij,jk' has 2 operand"),
    (lambda: ag.einsum("ij", Tensor(np.ones(3))), ValueError,
     "einsum: operand 0 has 1 dimension.* the subscripts 'ij' give 2"),
    (lambda: ag.einsum("ii", Tensor(np.ones((2, 3)))), ValueError,
     r"einsum: subscript 'i' is repeated for operand 0 but the sizes do not match \(2 != 3\)"),
    (lambda: ag.einsum("ij,jk", Tensor(np.ones((2, 3))), Tensor(np.ones((4, 2)))), ValueError,
     "einsum: subscript 'j' has size 3 in one operand and 4 in operand 1"),
    (lambda: ag.einsum("ij->k", Tensor(np.ones((2, 3)))), ValueError,
     "einsum: output subscript 'k' does not appear"),
    (lambda: ag.einsum("ij->ii", Tensor(np.ones((2, 2)))), ValueError,
     "einsum: output subscript 'i' appears more than once"),
    (lambda: ag.einsum("i1", Tensor(np.ones((2, 2)))), ValueError, "einsum: invalid equation"),
    (lambda: ag.einsum("ij,j", Tensor(np.ones((2, 2))), Tensor(np.ones(2, np.float32))),
     RuntimeError, r"einsum: operands have different dtypes \(float64, float32\)"),
    (lambda: ag.einsum(Tensor(np.ones(2)), "i"), TypeError,
     "einsum: the first argument must be the equation string"),
])
def test_errors(call, kind, words):
    with pytest.raises(kind, match=words):
        call()


def test_shape_errors_are_runtime_and_value_errors():
    with pytest.raises(RuntimeError):
        ag.matmul(Tensor(np.ones((3, 4))), Tensor(np.ones((5, 2))))
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) do not line up"):
        ag.matmul(Tensor(np.ones((3, 4))), Tensor(np.ones((5, 2))))


def test_methods_are_the_functions():
    a = Tensor(np.arange(4.0).reshape(2, 2))
    v = Tensor(np.array([1.0, -1.0]))
    np.testing.assert_allclose(a.matmul(a).data, a.data @ a.data)
    np.testing.assert_allclose(a.mm(a).data, a.data @ a.data)
    np.testing.assert_allclose(a.mv(v).data, a.data @ v.data)
    np.testing.assert_allclose(v.outer(v).data, np.outer(v.data, v.data))
    np.testing.assert_allclose(v.ger(v).data, np.outer(v.data, v.data))
    assert v.dot(v).item() == 2.0 and v.vdot(v).item() == 2.0 and v.inner(v).item() == 2.0
    assert a.trace().item() == 3.0
    np.testing.assert_allclose(a.addmm(a, a, beta=0).data, a.data @ a.data)
    np.testing.assert_allclose(v.addmv(a, v, alpha=2).data, v.data + 2 * (a.data @ v.data))
    np.testing.assert_allclose(a.addr(v, v).data, a.data + np.outer(v.data, v.data))
    np.testing.assert_allclose(a.kron(a).data, np.kron(a.data, a.data))
