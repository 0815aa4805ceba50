"""The spatial family against PyTorch: convolution (groups, 'same', padding modes,
transposed), pooling (ceil_mode, indices, count_include_pad, adaptive), F.pad, interpolate,
the norms, embedding and scaled_dot_product_attention — values, dtypes and gradients."""

from __future__ import annotations

import numpy as np
import pytest
from torch_oracle import Case, check, ids, needs_torch

import autograd as ag
from nn import functional as NF

pytestmark = [needs_torch, pytest.mark.filterwarnings("ignore:Using padding=.same.")]
RNG = np.random.default_rng(7)


def F(m):
    """nn.functional of the library m is."""
    if m is ag:
        return NF
    import torch.nn.functional as TF
    return TF


def r(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def distinct(*shape, dtype=np.float64):
    """Values with no ties (pooling maxima are unique)."""
    return (RNG.permutation(int(np.prod(shape))).reshape(shape) / 7.0 - 3.0).astype(dtype)


f32 = dict(rtol=2e-4, atol=2e-5)

CONV = [
    Case("conv2d_groups2", lambda m, x, w, b: F(m).conv2d(x, w, b, groups=2),
         [r(2, 4, 5, 5), r(6, 2, 3, 3), r(6)]),
    Case("conv2d_depthwise_stride_dil", lambda m, x, w: F(m).conv2d(
        x, w, None, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=3),
         [r(2, 3, 7, 8), r(6, 1, 3, 2)]),
    Case("conv2d_same_even_kernel", lambda m, x, w, b: F(m).conv2d(x, w, b, padding="same"),
         [r(1, 2, 5, 6), r(3, 2, 2, 4), r(3)]),
    Case("conv2d_same_dilated", lambda m, x, w: F(m).conv2d(x, w, padding="same", dilation=2),
         [r(1, 2, 6, 6), r(2, 2, 3, 3)]),
    Case("conv2d_valid_f32", lambda m, x, w: F(m).conv2d(x, w, padding="valid"),
         [r(2, 2, 5, 5, dtype=np.float32), r(3, 2, 3, 3, dtype=np.float32)], **f32),
    Case("conv2d_unbatched", lambda m, x, w: F(m).conv2d(x, w, padding=1),
         [r(2, 4, 4), r(3, 2, 3, 3)]),
    Case("conv1d_groups_same", lambda m, x, w, b: F(m).conv1d(x, w, b, padding="same",
                                                              groups=2),
         [r(2, 4, 9), r(4, 2, 4), r(4)]),
    Case("conv_transpose2d", lambda m, x, w, b: F(m).conv_transpose2d(
        x, w, b, stride=2, padding=1, output_padding=1),
         [r(2, 3, 4, 3), r(3, 2, 3, 3), r(2)]),
    Case("conv_transpose2d_groups_dil", lambda m, x, w: F(m).conv_transpose2d(
        x, w, stride=(1, 2), padding=(0, 1), groups=2, dilation=(2, 1)),
         [r(1, 4, 3, 4), r(4, 3, 2, 3)]),
    Case("conv_transpose2d_f32", lambda m, x, w: F(m).conv_transpose2d(x, w, stride=3),
         [r(1, 2, 3, 3, dtype=np.float32), r(2, 2, 2, 2, dtype=np.float32)], **f32),
    Case("conv_transpose1d", lambda m, x, w, b: F(m).conv_transpose1d(
        x, w, b, stride=3, padding=1, output_padding=2, groups=1, dilation=1),
         [r(2, 3, 5), r(3, 2, 4), r(2)]),
]

POOL = [
    Case("max_pool2d_ceil", lambda m, x: F(m).max_pool2d(x, 3, 2, ceil_mode=True),
         [distinct(2, 2, 6, 7)]),
    Case("max_pool2d_ceil_pad_indices", lambda m, x: F(m).max_pool2d(
        x, (3, 2), (2, 2), (1, 1), ceil_mode=True, return_indices=True), [distinct(1, 2, 5, 6)]),
    Case("max_pool2d_dilated_indices_f32", lambda m, x: F(m).max_pool2d(
        x, 2, 1, 0, 2, return_indices=True), [distinct(1, 2, 5, 5, dtype=np.float32)]),
    Case("max_pool1d", lambda m, x: F(m).max_pool1d(x, 3, 2, 1, ceil_mode=True,
                                                    return_indices=True), [distinct(2, 3, 8)]),
    Case("avg_pool2d_exclude_pad", lambda m, x: F(m).avg_pool2d(
        x, 3, 2, 1, count_include_pad=False), [r(2, 2, 6, 5)]),
    Case("avg_pool2d_ceil", lambda m, x: F(m).avg_pool2d(x, 2, 2, 1, ceil_mode=True),
         [r(1, 2, 6, 5)]),
    Case("avg_pool2d_ceil_exclude", lambda m, x: F(m).avg_pool2d(
        x, 3, 2, 1, ceil_mode=True, count_include_pad=False), [r(1, 2, 6, 6)]),
    Case("avg_pool2d_divisor", lambda m, x: F(m).avg_pool2d(x, 2, 1, divisor_override=3),
         [r(1, 2, 4, 4, dtype=np.float32)], **f32),
    Case("avg_pool1d", lambda m, x: F(m).avg_pool1d(x, 3, 2, 1, count_include_pad=False),
         [r(2, 3, 8)]),
    Case("adaptive_avg_pool1d", lambda m, x: F(m).adaptive_avg_pool1d(x, 3), [r(2, 3, 7)]),
    Case("adaptive_avg_pool2d_none", lambda m, x: F(m).adaptive_avg_pool2d(x, (None, 3)),
         [r(2, 3, 4, 7)]),
    Case("adaptive_max_pool2d", lambda m, x: F(m).adaptive_max_pool2d(x, (2, 3), True),
         [distinct(2, 2, 5, 7)]),
    Case("adaptive_max_pool1d", lambda m, x: F(m).adaptive_max_pool1d(x, 4), [distinct(1, 3, 9)]),
    Case("max_unpool2d", lambda m, x: F(m).max_unpool2d(
        *F(m).max_pool2d(x, 2, return_indices=True), 2), [distinct(1, 2, 4, 6)]),
    Case("max_unpool1d_output_size", lambda m, x: F(m).max_unpool1d(
        *F(m).max_pool1d(x, 2, return_indices=True), 2, output_size=(7,)), [distinct(1, 2, 7)]),
]

PAD = [
    Case(f"pad_{mode}_{i}", lambda m, x, **kw: F(m).pad(x, **kw), [r(*shape)],
         kwargs={"pad": p, "mode": mode})
    for mode in ("reflect", "replicate", "circular")
    for i, (p, shape) in enumerate([((2, 1), (2, 3, 5)), ((1, 2, 2, 0), (1, 2, 4, 5)),
                                    ((1, 1, 0, 2), (2, 4, 3))])
] + [
    Case("pad_constant_value", lambda m, x: F(m).pad(x, (1, 2, 0, 1), value=1.5), [r(2, 3, 4)]),
    Case("pad_constant_negative", lambda m, x: F(m).pad(x, (-1, 2, 1, -2)), [r(2, 3, 4)]),
    Case("pad_constant_3dims_f32", lambda m, x: F(m).pad(x, (1, 0, 0, 1, 2, 1)),
         [r(2, 3, 4, dtype=np.float32)]),
]

INTERP = [
    Case(f"interp_{mode}_{ac}_{i}", lambda m, x, **kw: F(m).interpolate(x, **kw), [r(*shape)],
         kwargs={"mode": mode, "align_corners": ac, **kw})
    for mode, shape in (("linear", (2, 2, 5)), ("bilinear", (1, 2, 4, 5)))
    for ac in (False, True)
    for i, kw in enumerate([{"scale_factor": 2}, {"size": 3 if mode == "linear" else (7, 3)},
                            {"scale_factor": 1.5}])
] + [
    Case("interp_nearest_size", lambda m, x: F(m).interpolate(x, size=(7, 3)), [r(1, 2, 4, 5)]),
    Case("interp_nearest_scale", lambda m, x: F(m).interpolate(x, scale_factor=2),
         [r(1, 2, 3, 3, dtype=np.float32)]),
    Case("interp_nearest_1d", lambda m, x: F(m).interpolate(x, size=11), [r(2, 1, 4)]),
    Case("interp_trilinear", lambda m, x: F(m).interpolate(x, size=(3, 4, 2), mode="trilinear"),
         [r(1, 1, 2, 3, 3)]),
    Case("interp_nearest_3d_scale", lambda m, x: F(m).interpolate(x, scale_factor=(2, 1, 0.5)),
         [r(1, 1, 2, 3, 4)]),
    Case("interp_nearest_exact", lambda m, x: F(m).interpolate(x, size=(5, 7),
                                                               mode="nearest-exact"),
         [r(1, 1, 3, 4)]),
]

NORM = [
    Case("group_norm", lambda m, x, w, b: F(m).group_norm(x, 2, w, b), [r(3, 4, 2, 3), r(4),
                                                                          r(4)]),
    Case("group_norm_f32_noaffine", lambda m, x: F(m).group_norm(x, 3, eps=1e-3),
         [r(2, 6, 5, dtype=np.float32)], **f32),
    Case("layer_norm_weight_only", lambda m, x, w: F(m).layer_norm(x, (3, 4), w),
         [r(2, 3, 4), r(3, 4)]),
    Case("instance_norm", lambda m, x, w, b: F(m).instance_norm(x, weight=w, bias=b),
         [r(2, 3, 4, 5), r(3), r(3)]),
    Case("batch_norm_train", lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, True),
         [r(4, 3, 2), r(3), r(3)]),
    Case("embedding_padding_idx", lambda m, i, w: F(m).embedding(i, w, padding_idx=1),
         [np.array([[0, 1, 2], [1, 3, 3]]), r(4, 3)]),
    Case("embedding_negative_padding_idx", lambda m, i, w: F(m).embedding(i, w, padding_idx=-1),
         [np.array([0, 3, 3, 2]), r(4, 2, dtype=np.float32)]),
]


def _bool(*shape):
    m = RNG.random(shape) > 0.3
    m[..., 0] = True  # every query sees a key
    return m


ATTN = [
    Case("sdpa_plain", lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v),
         [r(2, 3, 4, 5), r(2, 3, 6, 5), r(2, 3, 6, 2)]),
    Case("sdpa_causal_scale", lambda m, q, k, v: F(m).scaled_dot_product_attention(
        q, k, v, is_causal=True, scale=0.3), [r(2, 4, 3), r(2, 4, 3), r(2, 4, 3)]),
    Case("sdpa_bool_mask", lambda m, q, k, v, a: F(m).scaled_dot_product_attention(
        q, k, v, attn_mask=a), [r(2, 2, 4, 3), r(2, 2, 5, 3), r(2, 2, 5, 4), _bool(4, 5)]),
    Case("sdpa_bool_full_mask_and_causal", lambda m, q, k, v, a:
         F(m).scaled_dot_product_attention(q, k, v, attn_mask=a, is_causal=True),
         [r(2, 2, 4, 3), r(2, 2, 4, 3), r(2, 2, 4, 3), _bool(2, 2, 4, 4)]),
    Case("sdpa_float_mask_grad", lambda m, q, k, v, a: F(m).scaled_dot_product_attention(
        q, k, v, attn_mask=a), [r(3, 4, 2), r(3, 5, 2), r(3, 5, 2), r(1, 4, 5)]),
    Case("sdpa_masked_row_is_zero", lambda m, q, k, v, a: F(m).scaled_dot_product_attention(
        q, k, v, attn_mask=a), [r(1, 3, 2), r(1, 4, 2), r(1, 4, 2),
                                np.array([[True] * 4, [False] * 4, [True, False] * 2])]),
    Case("sdpa_gqa", lambda m, q, k, v: F(m).scaled_dot_product_attention(
        q, k, v, is_causal=True, enable_gqa=True), [r(2, 4, 3, 2), r(2, 2, 3, 2), r(2, 2, 3, 3)]),
    Case("sdpa_f32_broadcast_kv", lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v),
         [r(2, 3, 4, 8, dtype=np.float32), r(1, 3, 5, 8, dtype=np.float32),
          r(1, 3, 5, 8, dtype=np.float32)], **f32),
]


@pytest.mark.parametrize("case", CONV + POOL + PAD + INTERP + NORM + ATTN,
                         ids=ids(CONV + POOL + PAD + INTERP + NORM + ATTN))
def test_matches_torch(case):
    check(case)
