"""Linear algebra against PyTorch: values, dtypes, shapes and gradients (skipped without torch)."""

from __future__ import annotations

import numpy as np
import pytest
from torch_oracle import Case, check, ids, needs_torch

rng = np.random.default_rng(7)


def r(*shape, dt=np.float64):
    return rng.standard_normal(shape).astype(dt)


def ri(*shape):
    return rng.integers(-3, 4, shape).astype(np.int64)


F32 = dict(rtol=2e-5, atol=2e-5)  # float32 products: a few ulps of accumulated rounding

CASES = [
    # matmul and its fixed-rank forms
    Case("matmul_2d_f64", lambda m, a, b: m.matmul(a, b), [r(3, 4), r(4, 5)]),
    Case("matmul_2d_f32", lambda m, a, b: a @ b, [r(3, 4, dt=np.float32), r(4, 5, dt=np.float32)],
         **F32),
    Case("matmul_1d_2d", lambda m, a, b: a.matmul(b), [r(4), r(4, 2)]),
    Case("matmul_2d_1d", lambda m, a, b: a.matmul(b), [r(3, 4), r(4)]),
    Case("matmul_1d_1d", lambda m, a, b: m.matmul(a, b), [r(4), r(4)]),
    Case("matmul_batched_broadcast", lambda m, a, b: a @ b, [r(2, 1, 3, 4), r(5, 4, 2)]),
    Case("matmul_1d_batched", lambda m, a, b: a @ b, [r(4), r(2, 4, 3)]),
    Case("matmul_int64", lambda m, a, b: a @ b, [ri(2, 3), ri(3, 2)]),
    Case("mm", lambda m, a, b: m.mm(a, b), [r(3, 4), r(4, 2)]),
    Case("mm_method_f32", lambda m, a, b: a.mm(b), [r(3, 4, dt=np.float32),
                                                    r(4, 2, dt=np.float32)], **F32),
    Case("mm_int64", lambda m, a, b: m.mm(a, b), [ri(3, 4), ri(4, 2)]),
    Case("mm_transposed_view", lambda m, a, b: m.mm(a.T, b), [r(4, 3), r(4, 2)]),
    Case("bmm", lambda m, a, b: m.bmm(a, b), [r(2, 3, 4), r(2, 4, 5)]),
    Case("bmm_method_f32", lambda m, a, b: a.bmm(b), [r(2, 3, 4, dt=np.float32),
                                                      r(2, 4, 5, dt=np.float32)], **F32),
    Case("mv", lambda m, a, v: m.mv(a, v), [r(3, 4), r(4)]),
    Case("mv_method", lambda m, a, v: a.mv(v), [r(3, 4, dt=np.float32), r(4, dt=np.float32)],
         **F32),
    Case("dot", lambda m, a, b: m.dot(a, b), [r(5), r(5)]),
    Case("dot_method_f32", lambda m, a, b: a.dot(b), [r(5, dt=np.float32), r(5, dt=np.float32)],
         **F32),
    Case("dot_int64", lambda m, a, b: m.dot(a, b), [ri(5), ri(5)]),
    Case("vdot", lambda m, a, b: m.vdot(a, b), [r(4), r(4)]),
    Case("outer", lambda m, a, b: m.outer(a, b), [r(3), r(4)]),
    Case("outer_f32_method", lambda m, a, b: a.outer(b), [r(3, dt=np.float32),
                                                          r(2, dt=np.float32)]),
    Case("ger", lambda m, a, b: m.ger(a, b), [r(3), r(2)]),
    Case("outer_int_float", lambda m, a, b: m.outer(a, b), [ri(3), r(2, dt=np.float32)]),
    Case("inner_2d", lambda m, a, b: m.inner(a, b), [r(2, 3), r(4, 3)]),
    Case("inner_1d", lambda m, a, b: a.inner(b), [r(3), r(3)]),
    Case("inner_3d_1d", lambda m, a, b: m.inner(a, b), [r(2, 2, 3), r(3)]),
    Case("inner_0d", lambda m, a, b: m.inner(a, b), [r(), r(2, 3)]),
    # beta * input + alpha * product
    Case("addmm", lambda m, c, a, b: m.addmm(c, a, b), [r(3, 2), r(3, 4), r(4, 2)]),
    Case("addmm_beta_alpha", lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=-2.0),
         [r(3, 2), r(3, 4), r(4, 2)]),
    Case("addmm_broadcast_input", lambda m, c, a, b: m.addmm(c, a, b, alpha=3),
         [r(2), r(3, 4), r(4, 2)]),
    Case("addmm_beta0_ignores_nan", lambda m, c, a, b: m.addmm(c, a, b, beta=0),
         [np.full((3, 2), np.nan), r(3, 4), r(4, 2)]),
    Case("addmm_method_f32", lambda m, c, a, b: c.addmm(a, b, beta=2),
         [r(3, 2, dt=np.float32), r(3, 4, dt=np.float32), r(4, 2, dt=np.float32)], **F32),
    Case("addmv", lambda m, c, a, v: m.addmv(c, a, v, beta=2, alpha=0.5), [r(3), r(3, 4), r(4)]),
    Case("addmv_method", lambda m, c, a, v: c.addmv(a, v), [r(3), r(3, 4), r(4)]),
    Case("addr", lambda m, c, a, b: m.addr(c, a, b, alpha=2), [r(3, 2), r(3), r(2)]),
    Case("baddbmm", lambda m, c, a, b: m.baddbmm(c, a, b, beta=0.5, alpha=2),
         [r(2, 3, 5), r(2, 3, 4), r(2, 4, 5)]),
    Case("baddbmm_method_broadcast", lambda m, c, a, b: c.baddbmm(a, b),
         [r(3, 5), r(2, 3, 4), r(2, 4, 5)]),
    Case("addbmm", lambda m, c, a, b: m.addbmm(c, a, b, beta=-1, alpha=0.5),
         [r(3, 5), r(2, 3, 4), r(2, 4, 5)]),
    Case("addbmm_method_f32", lambda m, c, a, b: c.addbmm(a, b),
         [r(3, 5, dt=np.float32), r(2, 3, 4, dt=np.float32), r(2, 4, 5, dt=np.float32)], **F32),
    # tensordot, trace, kron
    Case("tensordot_default", lambda m, a, b: m.tensordot(a, b), [r(2, 3, 4), r(3, 4, 5)]),
    Case("tensordot_int", lambda m, a, b: m.tensordot(a, b, dims=1), [r(2, 3), r(3, 4)]),
    Case("tensordot_0", lambda m, a, b: m.tensordot(a, b, dims=0), [r(2), r(3)]),
    Case("tensordot_lists", lambda m, a, b: m.tensordot(a, b, dims=([1, 2], [1, 0])),
         [r(2, 3, 4), r(4, 3, 5)]),
    Case("tensordot_negative", lambda m, a, b: m.tensordot(a, b, dims=([-1], [0])),
         [r(2, 3, dt=np.float32), r(3, 2, dt=np.float32)], **F32),
    Case("trace", lambda m, a: m.trace(a), [r(4, 4)]),
    Case("trace_method_f32", lambda m, a: a.trace(), [r(3, 3, dt=np.float32)]),
    Case("trace_rect", lambda m, a: m.trace(a), [r(2, 4)]),
    Case("trace_int", lambda m, a: m.trace(a), [ri(3, 3).astype(np.int32)]),
    Case("kron_2d", lambda m, a, b: m.kron(a, b), [r(2, 3), r(2, 2)]),
    Case("kron_1d_2d", lambda m, a, b: a.kron(b), [r(3), r(2, 2)]),
    # einsum
    Case("einsum_mm", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [r(3, 4), r(4, 2)]),
    Case("einsum_implicit", lambda m, a, b: m.einsum("ij,jk", a, b), [r(3, 4), r(4, 2)]),
    Case("einsum_implicit_order", lambda m, a: m.einsum("ba", a), [r(2, 3)]),
    Case("einsum_upper_before_lower", lambda m, a: m.einsum("bA", a), [r(2, 3)]),
    Case("einsum_list_operands", lambda m, a, b: m.einsum("ij,jk", [a, b]), [r(3, 4), r(4, 2)]),
    Case("einsum_diag", lambda m, a: m.einsum("ii->i", a), [r(3, 3)]),
    Case("einsum_trace", lambda m, a: m.einsum("ii", a), [r(3, 3)]),
    Case("einsum_partial_diag", lambda m, a: m.einsum("iij->ji", a), [r(3, 3, 2)]),
    Case("einsum_batch", lambda m, a, b: m.einsum("bij,bjk->bik", a, b),
         [r(2, 3, 4), r(2, 4, 5)]),
    Case("einsum_ellipsis", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b),
         [r(2, 1, 3, 4), r(5, 4, 2)]),
    Case("einsum_ellipsis_implicit", lambda m, a, b: m.einsum("...ij,...jk", a, b),
         [r(2, 3, 4), r(4, 2)]),
    Case("einsum_ellipsis_sum", lambda m, a: m.einsum("i...->...", a), [r(3, 2, 2)]),
    Case("einsum_size1_broadcast", lambda m, a, b: m.einsum("ij,ij->ij", a, b),
         [r(2, 1), r(2, 3)]),
    Case("einsum_dot", lambda m, a, b: m.einsum("i,i->", a, b), [r(4), r(4)]),
    Case("einsum_outer", lambda m, a, b: m.einsum("i,j->ij", a, b), [r(3), r(2)]),
    Case("einsum_transpose", lambda m, a: m.einsum("ij->ji", a), [r(2, 3)]),
    Case("einsum_sum_all", lambda m, a: m.einsum("ij->", a), [r(2, 3, dt=np.float32)]),
    Case("einsum_three", lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c),
         [r(2, 3), r(3, 4), r(4, 2)]),
    Case("einsum_bilinear", lambda m, x, w, y: m.einsum("bi,oij,bj->bo", x, w, y),
         [r(2, 3), r(4, 3, 2), r(2, 2)]),
    Case("einsum_spaces", lambda m, a, b: m.einsum("i j , j k -> i k", a, b),
         [r(3, 4, dt=np.float32), r(4, 2, dt=np.float32)], **F32),
    Case("einsum_int_sum", lambda m, a: m.einsum("ij->i", a), [ri(2, 3).astype(np.int32)]),
    Case("einsum_int_permute", lambda m, a: m.einsum("ij->ji", a), [ri(2, 3).astype(np.int32)]),
]


@needs_torch
@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_linalg_matches_torch(case):
    check(case)


SECOND = [
    # gradients of gradients: a second backward through each op's backward
    ("mm", lambda m, a, b: m.mm(a, b)),
    ("einsum_diag", lambda m, a, b: m.einsum("ii,ij->j", a, b)),
    ("tensordot", lambda m, a, b: m.tensordot(a, b, dims=([1], [0]))),
    ("trace_mm", lambda m, a, b: m.trace(m.mm(a, b.T))),
]


@needs_torch
@pytest.mark.parametrize("name, fn", SECOND, ids=[s[0] for s in SECOND])
def test_second_derivatives_match_torch(name, fn):
    import torch

    import autograd as ag

    a0, b0 = r(3, 3), r(3, 3)
    outs = []
    for m, make in ((ag, lambda x: ag.tensor(x, requires_grad=True)),
                    (torch, lambda x: torch.tensor(x, requires_grad=True))):
        a, b = make(a0), make(b0)
        y = (fn(m, a, b) ** 2).sum()
        grad = torch.autograd.grad if m is torch else ag.grad
        (ga,) = grad(y, [a], create_graph=True)
        (gga,) = grad((ga * ga).sum(), [b])
        outs.append((ga.detach().numpy() if m is torch else ga.data,
                     gga.numpy() if m is torch else gga.data))
    for got, want in zip(outs[0], outs[1]):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)
