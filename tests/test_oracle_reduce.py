"""Reductions, scans and sorting against PyTorch: the same call on both libraries must give
the same values, shapes, dtypes and gradients (tests/torch_oracle.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from torch_oracle import Case, check, ids, needs_torch

import autograd as ag

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

pytestmark = needs_torch

R = np.random.default_rng(7)
X = R.standard_normal((3, 4))                      # distinct values, float64
X32 = X.astype(np.float32)
X3 = R.standard_normal((2, 3, 4)).astype(np.float32)
TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [-1.0, 5.0, 4.0, 5.0]])
ZEROS = np.array([[0.0, 2.0, 3.0, 0.5], [1.0, 0.0, 0.0, 2.0], [1.5, 2.0, -1.0, 3.0]])
NANS = np.array([[1.0, np.nan, 2.0, 0.5], [3.0, 1.0, -2.0, 4.0]])
INTS = np.array([[3, -1, 4, 1], [5, 9, -2, 6], [5, 3, 5, 0]], dtype=np.int64)
I32 = INTS.astype(np.int32)
BOOLS = INTS > 2
SPREAD0 = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
F32 = {"rtol": 2e-5, "atol": 1e-6}


def _vnorm(m):
    return m.linalg.vector_norm if m is torch else m.vector_norm


def _softmin(m):
    return torch.nn.functional.softmin if m is torch else m.softmin


CASES = [
    # sum / mean / prod
    Case("sum_all_f32", lambda m, x: x.sum(), [X32], **F32),
    Case("sum_dim", lambda m, x: x.sum(1), [X]),
    Case("sum_dim_tuple", lambda m, x: x.sum(dim=(0, 1)), [X3], **F32),
    Case("sum_neg_keepdim", lambda m, x: x.sum(-1, keepdim=True), [X]),
    Case("sum_fn", lambda m, x: m.sum(x, dim=1, keepdim=True), [X32], **F32),
    Case("sum_empty_tuple_is_all", lambda m, x: x.sum(dim=()), [X]),
    Case("sum_dtype", lambda m, x: x.sum(1, dtype=m.float64), [X32], **F32),
    Case("sum_int", lambda m, x: x.sum(0), [INTS]),
    Case("sum_int32_is_int64", lambda m, x: x.sum(), [I32]),
    Case("sum_bool", lambda m, x: x.sum(1), [BOOLS]),
    Case("mean_all", lambda m, x: x.mean(), [X]),
    Case("mean_tuple_f32", lambda m, x: x.mean((0, -1)), [X3], **F32),
    Case("mean_keepdim", lambda m, x: x.mean(-1, keepdim=True), [X]),
    Case("mean_int_with_dtype", lambda m, x: x.mean(dtype=m.float64), [INTS]),
    Case("mean_empty_is_nan", lambda m, x: x[:0].mean(0), [X]),
    Case("prod_all", lambda m, x: x.prod(), [X]),
    Case("prod_dim_zeros", lambda m, x: x.prod(1), [ZEROS]),
    Case("prod_dim0_keepdim_zeros", lambda m, x: x.prod(0, keepdim=True), [ZEROS]),
    Case("prod_all_one_zero", lambda m, x: x[0, :3].prod(), [ZEROS]),
    Case("prod_all_two_zeros", lambda m, x: x[1].prod(), [ZEROS]),
    Case("prod_int", lambda m, x: x.prod(1), [I32]),
    Case("prod_f32", lambda m, x: x.prod(-1), [X32], **F32),
    # max / min / amax / amin / argmax / aminmax
    Case("max_all_ties", lambda m, x: x.max(), [TIES]),
    Case("min_all", lambda m, x: x.min(), [X32]),
    Case("max_dim", lambda m, x: x.max(1), [X]),
    Case("max_dim_ties", lambda m, x: x.max(1), [TIES]),
    Case("min_dim_ties", lambda m, x: x.min(0), [TIES]),
    Case("max_dim_keepdim", lambda m, x: x.max(dim=0, keepdim=True), [X32]),
    Case("min_neg_dim", lambda m, x: m.min(x, -1), [X3]),
    Case("max_int_dim", lambda m, x: x.max(1), [INTS]),
    Case("max_other", lambda m, x, y: x.max(y), [X, X[::-1].copy()]),
    Case("max_nan", lambda m, x: x.max(1), [NANS]),
    Case("amax_tuple_ties", lambda m, x: x.amax((0, 1)), [TIES]),
    Case("amax_dim_ties_keepdim", lambda m, x: x.amax(1, keepdim=True), [TIES]),
    Case("amin_neg", lambda m, x: x.amin(-1), [TIES]),
    Case("amax_all", lambda m, x: m.amax(x), [X3]),
    Case("argmax_all", lambda m, x: x.argmax(), [X]),
    Case("argmax_dim_keepdim", lambda m, x: x.argmax(1, keepdim=True), [X]),
    Case("argmin_dim0", lambda m, x: m.argmin(x, dim=0), [INTS]),
    Case("argmax_keepdim_all", lambda m, x: x.argmax(keepdim=True), [X]),
    Case("aminmax_all", lambda m, x: m.aminmax(x), [TIES]),
    Case("aminmax_dim", lambda m, x: m.aminmax(x, dim=1, keepdim=True), [X]),
    # var / std
    Case("var_all_unbiased", lambda m, x: x.var(), [X]),
    Case("var_dim", lambda m, x: x.var(1), [X32], **F32),
    Case("var_keepdim", lambda m, x: x.var(0, keepdim=True), [X]),
    Case("var_correction0", lambda m, x: x.var(1, correction=0), [X]),
    Case("var_correction2", lambda m, x: x.var(dim=(0, 1), correction=2), [X3], **F32),
    Case("var_unbiased_false", lambda m, x: x.var(1, unbiased=False), [X]),
    Case("var_positional_unbiased", lambda m, x: x.var(0, False, True), [X]),
    Case("var_one_element_nan", lambda m, x: x[:1].var(0), [X]),
    Case("std_all", lambda m, x: x.std(), [X]),
    Case("std_tuple_f32", lambda m, x: x.std(dim=(0, 2)), [X3], **F32),
    Case("std_zero_spread", lambda m, x: x.std(1), [SPREAD0]),
    Case("std_zero_spread_biased", lambda m, x: x.std(-1, correction=0, keepdim=True),
         [SPREAD0]),
    Case("var_mean", lambda m, x: m.var_mean(x, 1), [X]),
    Case("std_mean", lambda m, x: m.std_mean(x, dim=0, keepdim=True, correction=0), [X]),
    # norms
    Case("norm_fro", lambda m, x: x.norm(), [X]),
    Case("norm_p1_dim", lambda m, x: x.norm(p=1, dim=1), [ZEROS]),
    Case("norm_inf_ties", lambda m, x: x.norm(p=math.inf, dim=1), [TIES]),
    Case("norm_neg_inf", lambda m, x: x.norm(p=-math.inf), [X]),
    Case("norm_p0", lambda m, x: x.norm(p=0, dim=0), [ZEROS]),
    Case("norm_p3_keepdim", lambda m, x: x.norm(p=3, dim=0, keepdim=True), [ZEROS]),
    Case("norm_fro_dims", lambda m, x: m.norm(x, p="fro", dim=(0, 1)), [X32], **F32),
    Case("norm_p2_zero_row", lambda m, x: x.norm(dim=1), [np.array([[0.0, 0.0], [3, 4]])]),
    Case("norm_p_half_with_zero", lambda m, x: x.norm(p=0.5, dim=1), [ZEROS]),
    Case("vector_norm_ord3", lambda m, x: _vnorm(m)(x, 3, 1), [X]),
    Case("vector_norm_dtype", lambda m, x: _vnorm(m)(x, dtype=m.float64), [X32], **F32),
    # counting, nan-aware, logical
    Case("count_nonzero", lambda m, x: m.count_nonzero(x), [ZEROS], grad=False),
    Case("count_nonzero_dims", lambda m, x: m.count_nonzero(x, dim=(0, 1)), [ZEROS],
         grad=False),
    Case("count_nonzero_dim", lambda m, x: x.count_nonzero(0), [INTS]),
    Case("nansum", lambda m, x: x.nansum(), [NANS]),
    Case("nansum_dim", lambda m, x: m.nansum(x, 1, keepdim=True), [NANS]),
    Case("nanmean_dim", lambda m, x: x.nanmean(1), [NANS]),
    Case("nanmean_all_nan", lambda m, x: x[:, 1:2].nanmean(1), [NANS]),
    Case("any_all", lambda m, x: x.any(), [ZEROS]),
    Case("any_dim", lambda m, x: x.any(1), [ZEROS]),
    Case("all_keepdim", lambda m, x: x.all(dim=0, keepdim=True), [ZEROS]),
    Case("all_tuple", lambda m, x: x.all(dim=(0, 1)), [BOOLS]),
    Case("any_uint8", lambda m, x: x.any(0), [INTS.astype(np.uint8)]),
    # logsumexp, softmax
    Case("logsumexp_dim", lambda m, x: m.logsumexp(x, 1), [X]),
    Case("logsumexp_tuple_keepdim", lambda m, x: x.logsumexp((0, 1), keepdim=True), [X32],
         **F32),
    Case("logsumexp_large", lambda m, x: x.logsumexp(1), [X * 1000]),
    Case("logsumexp_int", lambda m, x: m.logsumexp(x, 0), [INTS]),
    Case("softmax", lambda m, x: x.softmax(1), [X]),
    Case("softmax_dim0_f32", lambda m, x: m.softmax(x, dim=0), [X32], **F32),
    Case("softmax_dtype", lambda m, x: x.softmax(-1, dtype=m.float64), [X32], **F32),
    Case("log_softmax", lambda m, x: x.log_softmax(-1), [X3], **F32),
    Case("log_softmax_fn", lambda m, x: m.log_softmax(x, 0), [X]),
    Case("softmin", lambda m, x: _softmin(m)(x, 1), [X]),
    # scans
    Case("cumsum", lambda m, x: x.cumsum(1), [X]),
    Case("cumsum_dim0_f32", lambda m, x: m.cumsum(x, dim=0), [X32], **F32),
    Case("cumsum_neg", lambda m, x: x.cumsum(-1), [X3], **F32),
    Case("cumsum_int", lambda m, x: x.cumsum(0), [I32]),
    Case("cumsum_bool", lambda m, x: x.cumsum(1), [BOOLS]),
    Case("cumsum_dtype", lambda m, x: x.cumsum(1, dtype=m.float64), [X32], **F32),
    Case("cumsum_0d", lambda m, x: x[0, 0].cumsum(0), [X]),
    Case("cumprod", lambda m, x: x.cumprod(1), [X]),
    Case("cumprod_zeros", lambda m, x: x.cumprod(1), [ZEROS]),
    Case("cumprod_zeros_dim0", lambda m, x: m.cumprod(x, 0), [ZEROS]),
    Case("cumprod_int", lambda m, x: x.cumprod(1), [INTS]),
    Case("cummax_ties", lambda m, x: x.cummax(1), [TIES]),
    Case("cummin_ties_dim0", lambda m, x: m.cummin(x, 0), [TIES]),
    Case("cummax_nan", lambda m, x: x.cummax(1), [NANS]),
    Case("cummin_int", lambda m, x: x.cummin(-1), [INTS]),
    Case("logcumsumexp", lambda m, x: x.logcumsumexp(1), [X]),
    Case("logcumsumexp_neg_inf", lambda m, x: m.logcumsumexp(x, 0),
         [np.array([[1.0, -np.inf], [-np.inf, 2.0], [3.0, 0.5]])]),
    # sorting and order statistics
    Case("sort", lambda m, x: x.sort(), [X]),
    Case("sort_dim0_desc", lambda m, x: x.sort(0, descending=True), [X32]),
    Case("sort_stable_ties", lambda m, x: x.sort(dim=1, stable=True), [TIES]),
    Case("sort_stable_desc_ties", lambda m, x: m.sort(x, dim=1, descending=True, stable=True),
         [TIES]),
    Case("sort_nan", lambda m, x: x.sort(1), [NANS]),
    Case("sort_nan_desc", lambda m, x: x.sort(1, descending=True), [NANS]),
    Case("sort_int", lambda m, x: x.sort(-1), [INTS]),
    Case("argsort", lambda m, x: x.argsort(0), [X]),
    Case("argsort_stable_desc", lambda m, x: m.argsort(x, dim=1, descending=True, stable=True),
         [TIES]),
    Case("topk", lambda m, x: x.topk(2), [X]),
    Case("topk_smallest_dim0", lambda m, x: x.topk(2, dim=0, largest=False), [X32]),
    Case("topk_k0", lambda m, x: m.topk(x, 0), [X]),
    Case("topk_nan", lambda m, x: x.topk(2), [NANS]),
    Case("kthvalue", lambda m, x: x.kthvalue(2, 1), [X]),
    Case("kthvalue_keepdim", lambda m, x: m.kthvalue(x, 1, 0, True), [X32]),
    Case("median_all_even", lambda m, x: x.median(), [X]),
    Case("median_all_ties", lambda m, x: x.median(), [TIES]),
    Case("median_dim", lambda m, x: x.median(1), [X]),
    Case("median_dim_keepdim", lambda m, x: m.median(x, dim=0, keepdim=True), [X32]),
    Case("median_nan", lambda m, x: x.median(), [NANS]),
    Case("median_dim_nan", lambda m, x: x.median(1), [NANS]),
    Case("median_int", lambda m, x: x.median(), [INTS]),
    Case("nanmedian", lambda m, x: x.nanmedian(), [NANS]),
    Case("nanmedian_dim", lambda m, x: x.nanmedian(1), [NANS]),
    Case("mode", lambda m, x: x.mode(1), [np.array([[1, 2, 2, 3, 3, 0], [3, 3, 2, 2, 1, 9]])]),
    Case("mode_float", lambda m, x: x.mode(0), [TIES]),
    Case("unique", lambda m, x: m.unique(x), [INTS]),
    Case("unique_inverse_counts", lambda m, x: x.unique(return_inverse=True,
                                                        return_counts=True), [INTS]),
    Case("unique_dim0", lambda m, x: m.unique(x, dim=0, return_inverse=True),
         [np.array([[1, 2], [1, 2], [0, 5]])]),
    Case("unique_float_counts", lambda m, x: m.unique(x, return_counts=True), [TIES],
         grad=False),  # torch records unique but has no derivative for it
    Case("bincount", lambda m, x: m.bincount(x), [np.array([0, 1, 1, 4])]),
    Case("bincount_minlength", lambda m, x: x.bincount(minlength=7), [np.array([0, 1, 1, 4])]),
    Case("bincount_weights_f32", lambda m, x, w: m.bincount(x, w),
         [np.array([0, 1, 1, 4]), np.array([0.5, 1, 2, 3], np.float32)], grad=False),
    Case("bincount_weights_int", lambda m, x, w: x.bincount(weights=w),
         [np.array([0, 1, 1, 4]), np.array([1, 1, 2, 3])]),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_against_torch(case):
    check(case)


def test_named_tuples_look_like_torchs():
    x = ag.Tensor(X)
    for name, result in (("max", x.max(1)), ("min", x.min(0)), ("sort", x.sort()),
                         ("topk", x.topk(1)), ("kthvalue", x.kthvalue(1)),
                         ("median", x.median(1)), ("cummax", x.cummax(0)),
                         ("cummin", x.cummin(1)), ("mode", x.mode()),
                         ("nanmedian", x.nanmedian(0))):
        assert type(result).__name__ == name, name
        assert result._fields == ("values", "indices"), name
        values, indices = result
        assert values is result.values and indices is result.indices
        assert indices.dtype == np.int64 and values.dtype == np.float64
        assert repr(result).startswith(f"{name}(values=Tensor(")
    mm = ag.aminmax(x)
    assert type(mm).__name__ == "aminmax" and mm._fields == ("min", "max")
    assert (mm.min.item(), mm.max.item()) == (X.min(), X.max())
