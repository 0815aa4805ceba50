"""Tensor factories as PyTorch's: dtype inference, size spellings, copies vs shared memory,
random factories, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from torch_oracle import Case, check, ids, needs_torch

import autograd as ag
from autograd import Tensor

I64 = np.array([[1, 2], [3, 4]], dtype=np.int64)
F64 = np.array([[1.5, -2.0], [0.0, 4.0]])
F32 = F64.astype(np.float32)

CASES = [
    Case("tensor_floats", lambda m: m.tensor([1.0, 2]), []),
    Case("tensor_ints", lambda m: m.tensor([1, 2]), []),
    Case("tensor_bool", lambda m: m.tensor(True), []),
    Case("tensor_nested", lambda m: m.tensor([[1, 2.5], [3, 4]]), []),
    Case("tensor_dtype", lambda m: m.tensor([1, 2], dtype=m.float64), []),
    Case("tensor_int_to_float32", lambda m: m.tensor([1.7, -2.2], dtype=m.int32), []),
    Case("tensor_empty_list", lambda m: m.tensor([]), []),
    Case("zeros_args", lambda m: m.zeros(2, 3), []),
    Case("zeros_tuple", lambda m: m.zeros((2, 3)), []),
    Case("zeros_list", lambda m: m.zeros([2, 3]), []),
    Case("zeros_size_kw", lambda m: m.zeros(size=(2, 3)), []),
    Case("zeros_scalar", lambda m: m.zeros(()), []),
    Case("ones_int", lambda m: m.ones(3, dtype=m.int64), []),
    Case("empty_shape", lambda m: m.empty(2, 0).shape, []),
    Case("full_int", lambda m: m.full((2, 2), 4), []),
    Case("full_float", lambda m: m.full((2, 2), 4.0), []),
    Case("full_bool", lambda m: m.full((2,), True), []),
    Case("full_dtype", lambda m: m.full([3], 2, dtype=m.float64), []),
    Case("arange_int", lambda m: m.arange(5), []),
    Case("arange_end_kw", lambda m: m.arange(end=5), []),
    Case("arange_float_step", lambda m: m.arange(0, 1, 0.25), []),
    Case("arange_float_start", lambda m: m.arange(1.0, 4), []),
    Case("arange_negative_step", lambda m: m.arange(5, 0, -2), []),
    Case("arange_dtype", lambda m: m.arange(3, dtype=m.float64), []),
    Case("arange_uneven", lambda m: m.arange(0, 1, 0.3), []),
    Case("linspace", lambda m: m.linspace(0, 1, 5), []),
    Case("linspace_one", lambda m: m.linspace(2, 3, 1), []),
    Case("linspace_int_dtype", lambda m: m.linspace(0, 10, 5, dtype=m.int64), []),
    Case("logspace", lambda m: m.logspace(0, 2, 3), []),
    Case("logspace_base", lambda m: m.logspace(0, 3, 4, base=2), []),
    Case("eye", lambda m: m.eye(3), []),
    Case("eye_rect", lambda m: m.eye(2, 3), []),
    Case("eye_int", lambda m: m.eye(2, dtype=m.int64), []),
    Case("zeros_like_int", lambda m, x: m.zeros_like(x), [I64]),
    Case("ones_like_f32", lambda m, x: m.ones_like(x), [F32], grad=False),
    Case("ones_like_dtype", lambda m, x: m.ones_like(x, dtype=m.float64), [I64]),
    Case("full_like", lambda m, x: m.full_like(x, 7), [F64], grad=False),
    Case("full_like_int_truncates", lambda m, x: m.full_like(x, 2.7), [I64]),
    Case("empty_like", lambda m, x: m.empty_like(x).shape, [I64]),
    Case("new_zeros", lambda m, x: x.new_zeros(2, 3), [F64], grad=False),
    Case("new_ones_tuple", lambda m, x: x.new_ones((2,)), [I64]),
    Case("new_full", lambda m, x: x.new_full((2,), 3), [F32], grad=False),
    Case("new_tensor_self_dtype", lambda m, x: x.new_tensor([1, 2]), [F64], grad=False),
    Case("new_tensor_dtype", lambda m, x: x.new_tensor([1, 2], dtype=m.int32), [F64],
         grad=False),
    Case("new_empty", lambda m, x: x.new_empty(3).shape, [F32], grad=False),
    Case("tensor_of_ndarray_f64", lambda m, x: m.tensor(x.numpy()), [F64], grad=False),
    Case("as_tensor_int32", lambda m: m.as_tensor(np.arange(3, dtype=np.int32)), []),
    Case("from_numpy", lambda m: m.from_numpy(np.ones((2, 2), np.float64)), []),
    Case("randint_dtype", lambda m: m.randint(0, 5, (2, 3)).dtype, []),
    Case("randint_high_only", lambda m: m.randint(3, (4,)).shape, []),
    Case("randperm_dtype", lambda m: m.randperm(5).dtype, []),
    Case("rand_like_f64", lambda m, x: m.rand_like(x).dtype, [F64], grad=False),
    Case("randn_like_shape", lambda m, x: m.randn_like(x).shape, [F32], grad=False),
    Case("randint_like_dtype", lambda m, x: m.randint_like(x, 5).dtype, [I64]),
    Case("rand_dtype", lambda m: m.rand(2, dtype=m.float64).dtype, []),
]


def _norm(v):
    # shapes and dtypes come back as each library's own objects: compare their text
    if isinstance(v, tuple):
        return tuple(v)
    return str(v).replace("torch.", "")


@needs_torch
@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_creation_matches_torch(case):
    import torch

    out_ag = case.fn(ag, *[Tensor(a.copy()) for a in case.inputs])
    out_t = case.fn(torch, *[torch.tensor(a.copy()) for a in case.inputs])
    if isinstance(out_t, torch.Tensor):
        check(case)
    else:
        assert _norm(out_ag) == _norm(out_t)


def test_tensor_copies_from_numpy_and_as_tensor_shares():
    a = np.arange(3.0)
    t, shared, same = ag.tensor(a), ag.as_tensor(a), ag.from_numpy(a)
    a[0] = 9.0
    assert t.data[0] == 0.0 and shared.data[0] == 9.0 and same.data[0] == 9.0
    assert t.dtype == np.float64  # an ndarray keeps its dtype
    x = Tensor(np.ones(2))
    c = ag.tensor(x)
    c.data[0] = 5.0
    assert x.data[0] == 1.0
    assert ag.as_tensor(x) is x
    assert ag.as_tensor(x, dtype=ag.float32).dtype == np.float32
    assert ag.as_tensor(np.ones(2), dtype=ag.float32).dtype == np.float32


def test_requires_grad_and_device_arguments():
    z = ag.zeros(2, requires_grad=True, device="cpu")
    assert z.requires_grad and z.is_leaf
    assert ag.full((2,), 1.0, requires_grad=True).requires_grad
    assert ag.arange(3.0, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="device: numbagrad runs on the CPU only, got 'cuda'"):
        ag.zeros(2, device="cuda")
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        ag.arange(3, requires_grad=True)


def test_dtype_names_exported():
    assert ag.float32 == np.float32 and ag.float == np.float32 and ag.double == np.float64
    assert ag.int == np.int32 and ag.long == np.int64 and ag.short == np.int16
    assert ag.bool == np.bool_ and ag.uint8 == np.uint8 and ag.int8 == np.int8
    assert ag.get_default_dtype() == np.float32
    assert ag.zeros(2, dtype=ag.bool).dtype == np.bool_
    assert ag.tensor([1, 2], dtype=ag.int16).dtype == np.int16
    with pytest.raises(TypeError, match="dtype float16 is not supported .*use autograd.float32"):
        ag.zeros(2, dtype=ag.float16)
    with pytest.raises(TypeError, match="float16 is not supported"):
        ag.tensor([1.0], dtype=ag.half)
    # float16 data is converted (numbagrad computes in float32 or float64)
    assert Tensor(np.ones(2, np.float16)).dtype == np.float32


def test_random_factories():
    ag.manual_seed(0)
    a = ag.randint(2, 5, (1000,))
    assert a.dtype == np.int64 and a.data.min() == 2 and a.data.max() == 4
    assert ag.randint(3, size=(2, 2)).shape == (2, 2)
    assert ag.randint(low=1, high=2, size=(3,)).data.tolist() == [1, 1, 1]
    p = ag.randperm(6)
    assert sorted(p.data.tolist()) == list(range(6)) and p.dtype == np.int64
    x = ag.randint_like(Tensor(np.zeros((2, 3), np.int32)), 1, 3)
    assert x.dtype == np.int32 and set(x.data.ravel()) <= {1, 2}
    assert ag.rand_like(Tensor(np.zeros(3))).dtype == np.float64
    n = ag.normal(2.0, 0.5, size=(4000,))
    assert n.dtype == np.float32 and abs(float(n.data.mean()) - 2.0) < 0.05
    assert abs(float(n.data.std()) - 0.5) < 0.05
    m = ag.normal(Tensor(np.zeros(3)), Tensor(np.ones(3)))
    assert m.shape == (3,) and m.dtype == np.float64
    b = ag.bernoulli(Tensor(np.array([0.0, 1.0, 1.0])))
    assert b.data.tolist() == [0.0, 1.0, 1.0]
    ag.manual_seed(5)
    first = ag.randn(3).data.copy()
    ag.manual_seed(5)
    np.testing.assert_array_equal(ag.randn(3).data, first)


def test_empty_is_zeros_of_the_shape():
    e = ag.empty(2, 3, dtype=ag.int64)
    assert e.shape == (2, 3) and e.dtype == np.int64 and not e.data.any()


@pytest.mark.parametrize("call, kind, words", [
    (lambda: ag.randn(2.5), TypeError, r"randn: size must be a tuple of ints, got float 2.5"),
    (lambda: ag.zeros(2, 2.0), TypeError, r"zeros: size must be a tuple of ints, but 2.0 "
                                          r"\(float\)"),
    (lambda: ag.ones("3"), TypeError, "ones: size must be a tuple of ints, got str"),
    (lambda: ag.zeros(-1), ValueError, "zeros: size must be non-negative ints"),
    (lambda: ag.zeros(-1), RuntimeError, "non-negative"),
    (lambda: ag.zeros((2,), size=(2,)), TypeError, "positionally or as size=, not both"),
    (lambda: ag.zeros(2, shape=(2,)), TypeError, r"zeros: unexpected keyword argument\(s\) "
                                                 r"\['shape'\]"),
    (lambda: ag.full((2,), "a"), TypeError, "full: fill_value must be a number, got str"),
    (lambda: ag.arange(0, 5, 0), ValueError, "arange: step must be nonzero"),
    (lambda: ag.arange(5, 0), ValueError, "arange: the bounds .* are inconsistent"),
    (lambda: ag.linspace(0, 1, 2.5), TypeError, "linspace: steps must be a non-negative int"),
    (lambda: ag.eye(2.0), TypeError, "eye: n must be a non-negative int, got 2.0"),
    (lambda: ag.randint(5, 2, (3,)), ValueError, r"randint: low \(5\) must be less than high"),
    (lambda: ag.randint(5), TypeError, r"randint: give high and size"),
    (lambda: ag.randint(0.5, 2, (3,)), TypeError, "randint: low and high must be ints"),
    (lambda: ag.rand(2, dtype=ag.int64), RuntimeError, "rand: draws floating-point numbers; "
                                                       "dtype int64"),
    (lambda: ag.rand_like(Tensor([1, 2])), RuntimeError, "rand: draws floating-point"),
    (lambda: ag.randperm(-1), TypeError, "randperm: n must be a non-negative int"),
    (lambda: ag.zeros_like([1, 2]), TypeError, "zeros_like: expected a Tensor, got list"),
    (lambda: ag.normal(0.0, 1.0), TypeError, "normal: give size= when mean and std are numbers"),
    (lambda: ag.normal(0.0, -1.0, size=(2,)), ValueError, "normal: std must be >= 0"),
    (lambda: ag.bernoulli(Tensor([2.0])), ValueError, r"probabilities must be in \[0, 1\]"),
    (lambda: ag.from_numpy([1.0]), TypeError, "from_numpy: expected an ndarray, got list"),
])
def test_errors(call, kind, words):
    with pytest.raises(kind, match=words):
        call()
