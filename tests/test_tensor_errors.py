"""Bad input to the tensor engine: each error's type and the key words of its message."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


@pytest.fixture
def x():
    return Tensor(np.ones((2, 3)), requires_grad=True)


@pytest.mark.parametrize("op, name", [
    (lambda a, b: a + b, "add"), (lambda a, b: a - b, "sub"), (lambda a, b: a * b, "mul"),
    (lambda a, b: a / b, "div"), (lambda a, b: a**b, "pow"), (ag.maximum, "maximum"),
    (ag.minimum, "minimum"), (lambda a, b: a < b, "less"), (lambda a, b: a == b, "equal"),
])
def test_binary_broadcast_mismatch(backend, op, name):
    a, b = Tensor([1.0, 2.0, 3.0], requires_grad=True), Tensor([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match=rf"^{name}: shapes \(3,\) and \(4,\) cannot broadcast$"):
        op(a, b)
    with pytest.raises(ValueError, match=rf"{name}: shapes \(2, 3\) and \(3, 2\) cannot"):
        op(Tensor(np.ones((2, 3))), Tensor(np.ones((3, 2))))


def test_where_broadcast_mismatch():
    with pytest.raises(ValueError, match=r"where: shapes \(2,\), \(3,\) and \(\) cannot broadcast"):
        ag.where(Tensor([True, False]), Tensor([1.0, 2.0, 3.0]), 0.0)
    with pytest.raises(TypeError, match="where: the condition must be boolean, got float32"):
        ag.where(Tensor([1.0, 0.0]), 1.0, 2.0)


def test_matmul_mismatches(backend):
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) do not line up "
                                         r"\(4 != 5\)"):
        Tensor(np.ones((3, 4))) @ Tensor(np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"matmul: shapes \(3,\) and \(4,\) do not line up"):
        ag.matmul(Tensor(np.ones(3)), Tensor(np.ones(4)))
    with pytest.raises(ValueError, match=r"matmul: batch dimensions of \(2, 3, 4\) and "
                                         r"\(3, 4, 2\) cannot broadcast"):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((3, 4, 2)))
    with pytest.raises(ValueError, match=r"matmul: both operands need at least 1 dimension"):
        Tensor(1.0) @ Tensor([1.0])


def test_reshape_of_the_wrong_size(x):
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\) "
                                         r"\(6 elements\) into shape \(4, 2\)"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match=r"into shape \(-1, -1\)"):
        x.reshape(-1, -1)
    with pytest.raises(ValueError, match=r"into shape \(4, -1\)"):
        x.reshape(4, -1)
    with pytest.raises(ValueError, match="cannot reshape"):
        x.reshape((0, -1))


@pytest.mark.parametrize("call, words", [
    (lambda t: t.sum(axis=2), "sum: axis 2 is out of range for a tensor with 2 dimensions"),
    (lambda t: t.max(axis=-3), "max: axis -3 is out of range"),
    (lambda t: t.mean(axis=(0, 5)), "mean: axis 5 is out of range"),
    (lambda t: t.var(axis=2), "var: axis 2 is out of range"),
    (lambda t: t.logsumexp(axis=7), "logsumexp: axis 7 is out of range"),
    (lambda t: t.argmax(axis=3), "argmax: axis 3 is out of range"),
    (lambda t: t.softmax(axis=2), "softmax: axis 2 is out of range"),
    (lambda t: t.log_softmax(axis=-3), "log_softmax: axis -3 is out of range"),
    (lambda t: t.sum(axis=(0, 0)), r"sum: repeated axis in \(0, 0\)"),
])
def test_bad_axis(x, call, words):
    with pytest.raises(ValueError, match=words):
        call(x)


@pytest.mark.parametrize("call, words", [  # shape ops say "dim" and raise IndexError, as torch
    (lambda t: t.swapaxes(0, 2), r"transpose: dim 2 is out of range .* \(expected -2 to 1\)"),
    (lambda t: t.transpose(0, 5), "transpose: dim 5 is out of range for a tensor with 2 dim"),
    (lambda t: t.flatten(0, 4), "flatten: dim 4 is out of range"),
    (lambda t: t.squeeze(3), "squeeze: dim 3 is out of range"),
    (lambda t: t.unsqueeze(4), "unsqueeze: dim 4 is out of range for a result with 3"),
    (lambda t: ag.cat([t, t], axis=2), "cat: dim 2 is out of range"),
    (lambda t: t.split(2, axis=2), "split: dim 2 is out of range"),
])
def test_bad_dim(x, call, words):
    with pytest.raises(IndexError, match=words):
        call(x)


@pytest.mark.parametrize("call, words", [
    (lambda t: t.sum(axis=1.0), "sum: axis must be an int or a tuple of ints, got 1.0"),
    (lambda t: t.mean(axis="0"), "mean: axis must be an int"),
    (lambda t: t.max(axis=True), "max: axis must be an int"),
    (lambda t: t.softmax(axis=(0, 1)), "softmax: axis must be an int"),
])
def test_axis_of_the_wrong_type(x, call, words):
    with pytest.raises(TypeError, match=words):
        call(x)


@pytest.mark.parametrize("call, words", [
    (lambda t: ag.cat([]), "cat: expected a non-empty list of tensors"),
    (lambda t: ag.stack([]), "stack: expected a non-empty list of tensors"),
    (lambda t: t.pad([(1, 1)] * 3), "pad: pad_width .* does not fit a tensor with 2 dim"),
    (lambda t: t.pad(-1), "pad: pad_width must be non-negative, got -1"),
    (lambda t: Tensor(1.0).pad(1), "pad: a 0-d tensor has no axes to pad"),
    (lambda t: t.clip(), "clip: give at least one of min and max"),
    # empty reductions and var/std with too few elements: tests/test_ops_reduce.py (torch's
    # meanings: nan, or RuntimeError / IndexError)
    (lambda t: t.item(), r"item: only a one-element tensor .* shape \(2, 3\)"),
    (lambda t: bool(t), r"truth value of a tensor of shape \(2, 3\) is ambiguous"),
    (lambda t: Tensor([1.0, 2.0]).copy_(np.ones(3)), r"copy_: source has shape \(3,\), "
                                                     r"expected \(2,\)"),
])
def test_shape_and_value_errors(x, call, words):
    with pytest.raises(ValueError, match=words):
        call(x)


@pytest.mark.parametrize("call, words", [  # torch raises RuntimeError for these
    (lambda t: ag.cat([t, Tensor(np.ones((3, 3)))], axis=1),
     r"cat: shapes \(2, 3\), \(3, 3\) must match except in dim 1"),
    (lambda t: ag.cat([Tensor(1.0)]), "zero-dimensional tensor .* cannot be concatenated"),
    (lambda t: ag.stack([t, Tensor(np.ones((3, 3)))]),
     r"stack: expects each tensor to be equal size, got \(2, 3\), \(3, 3\)"),
    (lambda t: t.split([1, 1], dim=1), r"split: split sizes \[1, 1\] must .* sum exactly to 3"),
    (lambda t: t.split(0), "split: split_size must be a positive int, got 0"),
    (lambda t: Tensor(1.0).split(1), "split: a 0-d tensor has no dim to split"),
    (lambda t: t.flatten(1, 0), "flatten: start_dim 1 cannot come after end_dim 0"),
    (lambda t: t.permute(0, 0), "permute: dim .* has a repeated dim"),
    (lambda t: t.permute(1, 0, 2), "permute: got 3 dims .* for a tensor with 2 dimensions"),
    (lambda t: t.broadcast_to((3, 3)), r"expand: the expanded size 3 must match the existing "
                                        r"size 2 at non-singleton dim 0"),
    (lambda t: t.broadcast_to((3,)), "expand: the number of sizes given"),
])
def test_shape_runtime_errors(x, call, words):
    with pytest.raises(RuntimeError, match=words):
        call(x)


def test_backward_on_a_non_float_tensor():
    with pytest.raises(RuntimeError, match="backward: this tensor has dtype int64; only "
                                           "floating-point tensors have gradients"):
        Tensor([1, 2]).sum().backward()
    with pytest.raises(RuntimeError, match="backward: this tensor has dtype bool"):
        (Tensor([1.0], requires_grad=True) > 0).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0, 2.0]).sum().backward()


def test_non_scalar_backward_without_grad(x):
    with pytest.raises(RuntimeError, match=r"backward: the output has shape \(2, 3\); backward "
                                           r"without a gradient argument needs a single-element"):
        (x * 2.0).backward()
    with pytest.raises(ValueError, match=r"backward: gradient has shape \(3,\) but the output "
                                         r"has shape \(2, 3\)"):
        (x * 2.0).backward(np.ones(3))


@pytest.mark.parametrize("make", [
    lambda: Tensor([1, 2], requires_grad=True),
    lambda: Tensor([True], requires_grad=True),
    lambda: Tensor([1, 2]).requires_grad_(),
    lambda: ag.arange(3, requires_grad=True),
    lambda: ag.zeros(2, dtype="int32", requires_grad=True),
    lambda: Tensor([1.5], dtype="int64", requires_grad=True),
])
def test_requires_grad_on_an_int_tensor(make):
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients, "
                                        "this one is (int|bool)"):
        make()


@pytest.mark.parametrize("index, words", [
    (5, "index 5 is out of bounds for axis 0 with size 2"),
    (-3, "index -3 is out of bounds"),
    ((0, 7), "index 7 is out of bounds for axis 1 with size 3"),
    ((0, 0, 0), "too many indices"),
    ([0, 9], "index 9 is out of bounds"),
    (np.array([True, False, True]), "boolean index did not match"),
    (1.0, "index 1.0 is a float; use an int"),
    (np.array([0.5]), "index arrays must be integers or booleans, got float64"),
    ("a", "only integers, slices"),
])
def test_indexing_errors(backend, x, index, words):
    with pytest.raises(IndexError, match=rf"getitem: .*{words}"):
        x[index]
    with pytest.raises(IndexError, match=r"\(tensor shape \(2, 3\)\)|getitem: index"):
        x[index]


@pytest.mark.parametrize("data, words", [
    ("abc", "dtype <U3 is not supported"),
    (["a", "b"], "dtype <U1 is not supported"),
    (object(), "dtype object is not supported"),
    (None, "dtype object is not supported"),
    ([1 + 2j], "dtype complex128 is not supported"),
    (np.array(["x"]), "dtype <U1 is not supported"),
    ([[1, 2], [3]], "cannot make a tensor from list"),
])
def test_unsupported_data(data, words):
    with pytest.raises(TypeError, match=rf"Tensor: .*{words}"):
        Tensor(data)


def test_unsupported_dtype_arguments(x):
    with pytest.raises(TypeError, match=r"Tensor: 'foo' is not a dtype"):
        Tensor([1.0], dtype="foo")
    with pytest.raises(TypeError, match="dtype <U0 is not supported"):
        Tensor([1.0], dtype=str)
    with pytest.raises(TypeError, match="dtype complex64 is not supported"):
        x.astype(np.complex64)
    with pytest.raises(TypeError, match="not supported"):
        x + "a"
    with pytest.raises(TypeError, match="not supported"):
        x * None


def test_inplace_modification_detected_by_the_version_counter(x):
    h = x * 2.0
    y = h.tanh() * h  # mul saves h
    with ag.no_grad():
        h[0, 0] = 5.0
    with pytest.raises(RuntimeError, match=r"backward: a tensor of shape \(2, 3\) needed by mul "
                                           r"was modified in place after it was used "
                                           r"\(version 0 -> 1\); use an out-of-place op"):
        y.sum().backward()
    s = x.sigmoid()
    with ag.no_grad():
        s.zero_()
    with pytest.raises(RuntimeError, match=r"the output of sigmoid \(shape \(2, 3\)\) is needed"):
        s.sum().backward()


def test_second_backward_through_a_freed_graph(x):
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"backward: trying to backward through sum a second "
                                           r"time.*retain_graph=True"):
        y.backward()


def test_other_misuse():
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(Tensor(1.0))
    with pytest.raises(TypeError, match=r"~\): only integer and bool tensors can be inverted, "
                                        "got float32"):
        ~Tensor([1.0])
    with pytest.raises(ValueError, match="grad: every input must be a Tensor with "
                                         "requires_grad=True"):
        ag.grad(Tensor([1.0], requires_grad=True).sum(), Tensor([1, 2]))
    with pytest.raises(RuntimeError, match="requires_grad_: cannot turn off requires_grad on a "
                                           "non-leaf"):
        (Tensor([1.0], requires_grad=True) * 2.0).requires_grad_(False)
    with pytest.raises(TypeError, match="gradcheck: inputs must be a Tensor"):
        ag.gradcheck(lambda t: t, [np.ones(2)])


def test_a_custom_function_returning_bad_gradients():
    class TooFew(ag.Function):
        def forward(self, a, b):
            return a + b

        def backward(self, g):
            return (g,)

    class WrongShape(ag.Function):
        def forward(self, a):
            return a.sum()

        def backward(self, g):
            return (g,)  # forgot to broadcast back to the input's shape

    class NotATensor(ag.Function):
        def forward(self, a):
            return a * 2.0

        def backward(self, g):
            return (g.data * 2.0,)

    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"TooFew.backward returned 1 gradient\(s\) for 2 "
                                           r"input\(s\)"):
        TooFew.apply(x, x).sum().backward()
    with pytest.raises(RuntimeError, match=r"WrongShape.backward returned a gradient of shape "
                                           r"\(\) \(Tensor\) for an input of shape \(2,\)"):
        WrongShape.apply(x).backward()
    with pytest.raises(RuntimeError, match=r"NotATensor.backward returned a gradient of shape "
                                           r"\(2,\) \(ndarray\)"):
        NotATensor.apply(x).sum().backward()
