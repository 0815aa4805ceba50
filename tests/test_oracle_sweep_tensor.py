"""A sweep of Tensor ops against PyTorch (tests/torch_oracle.py): the discrepancies it found,
each pinned by a case that compares values, dtypes, shapes and gradients with torch, plus the
calls on which both libraries must raise (an error of the same builtin kind, with a message)
and the writes that must or must not reach a view's base. Skips without torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from torch_oracle import Case, both_raise, check, ids, needs_torch

import autograd as ag

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

pytestmark = needs_torch

R = np.random.default_rng(31)
A = R.standard_normal((3, 4))
A32 = A.astype(np.float32)
C = R.standard_normal((2, 3, 4))
S0 = np.array(-1.5)
I = np.array([[3, -1, 4, 1], [5, 9, -2, 6], [5, 3, 5, 0]], dtype=np.int64)
LONG32 = np.full(100_000, 0.1, dtype=np.float32)     # a float32 running sum drifts
GROW32 = (1.0 + R.random(2000) * 1e-3).astype(np.float32)


def _set(idx, value=-5.0):
    """x[idx(m)] = value on a copy (no grad), returned (an ndarray value as m's tensor)."""
    def f(m, x):
        y = x.detach().clone()
        y[idx(m)] = m.tensor(value) if isinstance(value, np.ndarray) else value
        return y
    return f


def _quiet_index(fn):
    """torch warns that a list holding sequences is read as a tuple (it still is, in 2.13)."""
    def f(m, *a):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fn(m, *a)
    return f


CASES = [
    # float32 scans accumulate in float64 (each partial rounded), as torch's CPU cumsum
    Case("cumsum_f32_long", lambda m, x: x.cumsum(0)[-1:], [LONG32], grad=False, rtol=0,
         atol=0),
    Case("cumsum_f32_exact", lambda m, x: x.cumsum(0), [GROW32], grad=False, rtol=0, atol=0),
    Case("cumprod_f32_exact", lambda m, x: x.cumprod(0), [GROW32], grad=False, rtol=0, atol=0),
    Case("cumsum_f32_grad", lambda m, x: x.cumsum(-1), [A32], rtol=1e-6, atol=1e-6),
    # a list holding tensors, lists, slices or None is a tuple of indices (torch's reading)
    Case("index_list_of_tensors", _quiet_index(
        lambda m, x: x[[m.tensor([0, 1]), m.tensor([2, 3])]]), [A]),
    Case("index_list_of_lists", _quiet_index(lambda m, x: x[[[0, 1], [2, 3]]]), [A]),
    Case("index_list_int_slice", _quiet_index(lambda m, x: x[[0, slice(1, 3)]]), [A]),
    Case("index_list_none", _quiet_index(lambda m, x: x[[0, None]]), [A]),
    Case("index_plain_list_rep", lambda m, x: x[[2, 0, 2]], [A]),
    Case("index_empty_list", lambda m, x: x[[]], [A]),
    Case("index_empty_nested_list", _quiet_index(lambda m, x: x[[[]]]), [A]),
    Case("setitem_list_of_lists", _quiet_index(_set(lambda m: [[0, 1], [2, 3]])), [A32],
         grad=False),
    Case("setitem_list_of_tensors", _quiet_index(
        _set(lambda m: [m.tensor([0, 2]), m.tensor([1, 1])])), [A32], grad=False),
    # arange with float bounds and an integer dtype truncates them, as torch (int64 counts
    # from the truncated bounds, the narrower dtypes from the given ones)
    Case("arange_int64_float_step", lambda m: m.arange(0.9, 5, 1.9, dtype=m.int64), []),
    Case("arange_int32_float_step", lambda m: m.arange(0.9, 5, 1.9, dtype=m.int32), []),
    Case("arange_int64_neg_start", lambda m: m.arange(-0.5, 3, 1, dtype=m.int64), []),
    Case("arange_uint8_neg_start", lambda m: m.arange(-0.5, 3, 1, dtype=m.uint8), []),
    Case("arange_int64_desc", lambda m: m.arange(5.5, 1, -1.5, dtype=m.int64), []),
    Case("arange_int16_desc", lambda m: m.arange(5.5, 1, -1.5, dtype=m.int16), []),
    Case("arange_int32_step_truncates_to_0", lambda m: m.arange(0, 2, 0.5, dtype=m.int32), []),
    # an int (or 0-d int tensor) with index arrays: the int selects first, as torch (numpy
    # would count it as an array and move the array dims to the front)
    Case("index_0d_tensor_slice_array", lambda m, x: x[m.tensor(1), :, m.tensor([0, 3])], [C]),
    Case("index_0d_tensor_array_adjacent", lambda m, x: x[m.tensor(0), m.tensor([2, 0])], [C]),
    Case("setitem_int_slice_list", _set(lambda m: (1, slice(None), [0, 3]),
                                        value=np.arange(6.0).reshape(3, 2)), [C], grad=False),
    Case("setitem_0d_tensor_slice_array", _set(lambda m: (m.tensor(0), slice(None), [1, 2]),
                                               value=np.arange(6.0).reshape(3, 2)), [C],
         grad=False),
    Case("setitem_int_ellipsis_list", _set(lambda m: (0, Ellipsis, [1, 1, 2]),
                                           value=np.arange(9.0).reshape(3, 3)), [C], grad=False),
    # Tensor.put (out of place, differentiable)
    Case("put", lambda m, x, v: x.put(m.tensor([0, 5, 5]), v, accumulate=True), [A,
         np.array([1.0, 2.0, 3.0])]),
    Case("put_replace", lambda m, x, v: x.put(m.tensor([[0], [-1]]), v), [A, np.array([[1.0],
                                                                                   [2.0]])]),
    # tensor() from lists keeps a float64 numpy leaf's dtype (Python floats alone: float32)
    Case("tensor_list_np_float64_scalars", lambda m: m.tensor([np.float64(1.5), 2.0]), []),
    Case("tensor_list_np_float64_arrays", lambda m: m.tensor([np.array([1.0]),
                                                             np.array([2.0])]), []),
    Case("tensor_list_mixed_f32_f64_arrays", lambda m: m.tensor(
        [np.array([1.0], dtype=np.float32), np.array([2.0])]), []),
    Case("tensor_list_list_and_f64_array", lambda m: m.tensor([[1.0], np.array([2.0])]), []),
    Case("tensor_list_int_array_and_floats", lambda m: m.tensor([np.array([1]), [2.5]]), []),
    Case("tensor_list_np_float32_and_float", lambda m: m.tensor([np.float32(1), 2.0]), []),
    Case("tensor_list_0d_float64_tensors", lambda m: m.tensor(
        [m.tensor(1.0, dtype=m.float64), m.tensor(2.0, dtype=m.float64)]), []),
    Case("tensor_nested_python_floats", lambda m: m.tensor([[1.5, 2], [3, 4]]), []),
    # tensor_split's keywords
    Case("tensor_split_sections_kw", lambda m, x: m.tensor_split(x, sections=3, dim=1), [A]),
    Case("tensor_split_indices_kw", lambda m, x: x.tensor_split(indices=[1, 3], dim=-1), [A]),
    # Python numbers into a narrow integer dtype: in range (an unsigned dtype takes -max..max,
    # wrapping), else refused (below)
    Case("tensor_uint8_negative_wraps", lambda m: m.tensor([[1, -1], [-255, 255]],
                                                           dtype=m.uint8), []),
    Case("tensor_int8_limits", lambda m: m.tensor([127, -128], dtype=m.int8), []),
    Case("full_uint8_negative_wraps", lambda m: m.full((2,), -200, dtype=m.uint8), []),
    Case("full_int8_negative", lambda m: m.full((2,), -1, dtype=m.int8), []),
    # `v in x`
    Case("contains_number", lambda m, x: (3 in x, 7 in x, 9.0 in x), [I]),
    Case("contains_tensor", lambda m, x: (m.tensor(-2) in x, m.tensor([0, 0, 0, 0]) in x), [I]),
    # empty softmax, 0-d flip / movedim
    Case("softmax_empty", lambda m, x: x.softmax(0), [np.zeros((0, 3))]),
    Case("log_softmax_empty", lambda m, x: x.log_softmax(-1), [np.zeros((2, 0))]),
    Case("flip_0d", lambda m, x: x.flip(0), [S0]),
    Case("movedim_0d", lambda m, x: x.movedim(0, -1) * 2, [S0]),
    # mH / H (real dtypes: the transposes)
    Case("mH", lambda m, x: x.mH, [C]),
    Case("H", lambda m, x: x.H, [A]),
    # diagonal and (non-overlapping) unfold are writable views, as torch's
    Case("diagonal_add_", lambda m, x: _diag_add(m, x), [A32], grad=False),
    Case("unfold_fill_", lambda m, x: _unfold_fill(m, x), [A32], grad=False),
    # small Tensor methods torch has
    Case("adjoint", lambda m, x: x.adjoint(), [C]),
    Case("narrow_copy", lambda m, x: x.narrow_copy(1, 1, 2), [A]),
    Case("split_with_sizes", lambda m, x: x.split_with_sizes([1, 3], dim=-1), [A]),
    Case("isreal", lambda m, x: x.isreal(), [A]),
    Case("is_same_size", lambda m, x: (x.is_same_size(x * 2), x.is_same_size(x[0])), [A]),
    Case("cpu_flags", lambda m, x: (x.is_cpu, x.get_device(), x.is_conj(), x.is_neg()), [A]),
    Case("retains_grad", lambda m, x: _retains(m, x), [A], grad=False),
    # tril_ / triu_
    Case("tril_", lambda m, x: x.detach().clone().tril_(1), [A32], grad=False),
    Case("triu_", lambda m, x: x.detach().clone().triu_(), [C], grad=False),
]


def _retains(m, x):
    x = x.detach().requires_grad_()
    y, z = x * 2, x * 3
    y.retain_grad()
    return x.retains_grad, y.retains_grad, z.retains_grad


def _diag_add(m, x):
    y = x.detach().clone()
    y.diagonal().add_(1.0)
    y.diagonal(1).mul_(0.0)
    return y


def _unfold_fill(m, x):
    y = x.detach().clone()
    y.unfold(1, 2, 2)[:, 0].fill_(7.0)
    return y


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_sweep_matches_torch(case):
    check(case)


def _raise_cases():
    return [
        # in-place on memory several elements share (an expand) or overlapping windows
        ("add_on_expand", lambda m: m.ones(3)[None].expand(2, 3).add_(1)),
        ("mul_on_expand_as", lambda m: m.ones(1, 3).expand_as(m.ones(2, 3)).mul_(2)),
        ("inplace_broadcast_result", lambda m: m.ones(3).add_(m.ones(2, 3))),
        # error kinds torch uses
        ("argmax_bool", lambda m: m.ones(3, dtype=m.bool).argmax()),
        ("relu_bool", lambda m: m.ones(3, dtype=m.bool).relu()),
        ("argmin_bool_dim", lambda m: m.ones(2, 3, dtype=m.bool).argmin(1)),
        ("stack_empty_list", lambda m: m.stack([])),
        ("cat_empty_list", lambda m: m.cat([])),
        ("backward_gradient_shape", lambda m: (m.ones(2, requires_grad=True) * 2).sum()
         .backward(m.ones(2))),
        ("arange_nan_end", lambda m: m.arange(0, float("nan"))),
        ("tensor_uint8_overflow", lambda m: m.tensor([300], dtype=m.uint8)),
        ("tensor_uint8_too_negative", lambda m: m.tensor([-256], dtype=m.uint8)),
        ("tensor_int8_scalar_overflow", lambda m: m.tensor(128, dtype=m.int8)),
        ("tensor_float_into_uint8_overflow", lambda m: m.tensor([1.5, 300], dtype=m.uint8)),
        ("full_uint8_overflow", lambda m: m.full((1,), 300, dtype=m.uint8)),
        ("full_int32_overflow", lambda m: m.full((2,), 2**40, dtype=m.int32)),
        ("arange_int64_step_truncates_to_0", lambda m: m.arange(0, 2, 0.5, dtype=m.int64)),
        ("arange_inconsistent_before_truncation", lambda m: m.arange(0.5, 0.2, 1,
                                                                      dtype=m.int64)),
        ("arange_inf_end", lambda m: m.arange(0, float("inf"))),
        ("setitem_mask_wrong_count", lambda m: m.ones(3).__setitem__(
            m.tensor([True, False, True]), m.tensor([1.0, 2.0, 3.0]))),
        ("round_float_decimals", lambda m: m.ones(3).round(decimals=1.5)),
        ("view_float_size", lambda m: m.zeros(4).view(2.0, 2)),
        ("reshape_float_size", lambda m: m.zeros(4).reshape(2, 2.0)),
        ("chunk_float", lambda m: m.zeros(4).chunk(2.0)),
        ("chunk_zero", lambda m: m.zeros(4).chunk(0)),
        ("unbind_0d", lambda m: m.tensor(1.0).unbind()),
        ("eye_negative", lambda m: m.eye(-1)),
        ("eye_float", lambda m: m.eye(2.5)),
        ("linspace_negative_steps", lambda m: m.linspace(0, 1, -1)),
        ("randint_low_ge_high", lambda m: m.randint(5, 2, (3,))),
        ("requires_grad_int", lambda m: m.ones(2, dtype=m.int64).requires_grad_()),
        ("requires_grad_int_factory", lambda m: m.zeros(2, dtype=m.int64, requires_grad=True)),
        ("contains_list", lambda m: [1, 2] in m.ones(2)),
        ("H_3d", lambda m: m.ones(2, 2, 2).H),
    ]


RAISES = _raise_cases()


@pytest.mark.parametrize("fn", [f for _, f in RAISES], ids=[n for n, _ in RAISES])
def test_both_raise(fn):
    both_raise(fn)


def test_inplace_on_expand_names_the_problem():
    with pytest.raises(RuntimeError, match="more than one element refers to a single memory"):
        ag.ones(3)[None].expand(2, 3).fill_(1.0)


def test_views_write_through_like_torch():
    """A write into diagonal(), unfold() (non-overlapping) and friends reaches the base."""
    for view in (lambda b: b.diagonal(), lambda b: b.diagonal(-1), lambda b: b.unfold(1, 2, 2),
                 lambda b: b.mT, lambda b: b.narrow(1, 1, 2), lambda b: b[:, ::2]):
        got = []
        for m in (torch, ag):
            b = m.arange(12.0).reshape(3, 4)
            view(b).fill_(-1.0)
            got.append(np.asarray(b.tolist()))
        np.testing.assert_array_equal(got[1], got[0])


def test_same_dtype_conversions_return_self_like_torch():
    """x.float() on a float32 tensor is x itself in torch (a write shows through)."""
    for m in (torch, ag):
        x32, x64, i64 = m.zeros(2), m.zeros(2, dtype=m.float64), m.zeros(2, dtype=m.int64)
        assert x32.float() is x32 and x64.double() is x64 and i64.long() is i64, m.__name__
        assert x32.double() is not x32 and x64.float().dtype == m.float32
    x = ag.zeros(2)
    y = x.double()
    y += 1
    assert x.tolist() == [0.0, 0.0]  # a changed dtype is a copy


def test_diagonal_of_readonly_stays_readonly():
    """The diagonal of an expanded tensor is not made writable (its memory is shared)."""
    d = ag.ones(3)[None].expand(3, 3).diagonal()
    with pytest.raises(RuntimeError, match="cannot be written"):
        d.add_(1.0)
