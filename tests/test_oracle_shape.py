"""Shape, view and indexing ops against PyTorch: values, shapes, dtypes and gradients."""

from __future__ import annotations

import numpy as np
import pytest
from torch_oracle import Case, check, ids, needs_torch

rng = np.random.default_rng(12)
A = rng.standard_normal((2, 3, 4))                  # float64
A32 = rng.standard_normal((2, 3, 4)).astype(np.float32)
M = rng.standard_normal((3, 4))
M32 = M.astype(np.float32)
SQ = rng.standard_normal((2, 4, 4))
V = rng.standard_normal(5)
ONE = rng.standard_normal((2, 1, 3, 1))
I = np.arange(12, dtype=np.int64).reshape(3, 4)     # int input (no gradient)
S0 = np.array(2.5)                                  # 0-d
G3 = rng.integers(0, 4, (2, 3, 6))


def _i(m, a):
    """An int64 index tensor of the library m."""
    return m.tensor(np.asarray(a, dtype=np.int64)) if hasattr(m, "tensor") else m.Tensor(a)


def _b(m, a):
    return m.tensor(np.asarray(a, dtype=bool)) if hasattr(m, "tensor") else m.Tensor(a)


def _t(m, a):
    return m.tensor(a) if hasattr(m, "tensor") else m.Tensor(a)


CASES = [
    # transpose family
    Case("transpose_2d", lambda m, x: x.transpose(0, 1), [M]),
    Case("transpose_2d_f32", lambda m, x: x.transpose(1, 0), [M32]),
    Case("transpose_fn_neg", lambda m, x: m.transpose(x, 1, -1), [A]),
    Case("transpose_same", lambda m, x: x.transpose(1, 1) * 2, [A]),
    Case("transpose_0d", lambda m, x: x.transpose(0, -1) * 2, [S0]),
    Case("swapaxes", lambda m, x: x.swapaxes(0, 2), [A32]),
    Case("swapdims", lambda m, x: m.swapdims(x, -1, 0), [A]),
    Case("permute_varargs", lambda m, x: x.permute(2, 0, 1), [A]),
    Case("permute_tuple", lambda m, x: x.permute((1, -1, 0)), [A32]),
    Case("permute_fn", lambda m, x: m.permute(x, (2, 1, 0)), [A]),
    Case("T_2d", lambda m, x: x.T, [M]),
    Case("mT", lambda m, x: x.mT, [A]),
    Case("t_2d", lambda m, x: x.t(), [M32]),
    Case("t_1d", lambda m, x: x.t() * 2, [V]),
    Case("t_fn", lambda m, x: m.t(x), [M]),
    Case("movedim", lambda m, x: m.movedim(x, 0, -1), [A]),
    Case("movedim_tuple", lambda m, x: x.movedim((0, 1), (2, 0)), [A]),
    Case("moveaxis", lambda m, x: m.moveaxis(x, -1, 0), [A32]),
    Case("transpose_int", lambda m, x: x.transpose(0, 1), [I], grad=False),
    # squeeze / unsqueeze / flatten
    Case("squeeze_all", lambda m, x: x.squeeze(), [ONE]),
    Case("squeeze_dim", lambda m, x: x.squeeze(1), [ONE]),
    Case("squeeze_not_one_is_noop", lambda m, x: x.squeeze(0) * 2, [ONE]),
    Case("squeeze_neg", lambda m, x: m.squeeze(x, -1), [ONE]),
    Case("squeeze_tuple", lambda m, x: x.squeeze((0, 1, 3)), [ONE]),
    Case("squeeze_0d", lambda m, x: x.squeeze(0) * 2, [S0]),
    Case("unsqueeze", lambda m, x: x.unsqueeze(-1), [M]),
    Case("unsqueeze_0", lambda m, x: m.unsqueeze(x, 0), [M32]),
    Case("unsqueeze_0d", lambda m, x: x.unsqueeze(0), [S0]),
    Case("flatten", lambda m, x: x.flatten(), [A]),
    Case("flatten_start", lambda m, x: x.flatten(1), [A32]),
    Case("flatten_range", lambda m, x: m.flatten(x, 0, 1), [A]),
    Case("flatten_neg", lambda m, x: x.flatten(-2, -1), [A]),
    Case("flatten_0d", lambda m, x: x.flatten(), [S0]),
    Case("unflatten", lambda m, x: x.unflatten(2, (2, -1)), [A]),
    Case("unflatten_fn", lambda m, x: m.unflatten(x, -1, (2, 2)), [A32]),
    Case("reshape_varargs", lambda m, x: x.reshape(4, -1), [A]),
    Case("ravel", lambda m, x: m.ravel(x.transpose(0, 2)), [A]),
    Case("view_tuple", lambda m, x: x.view((6, 4)), [A]),
    Case("view_as", lambda m, x, y: x.view_as(y), [M, M.reshape(2, 6)], no_grad_inputs=(1,)),
    Case("reshape_as", lambda m, x, y: x.reshape_as(y), [M32, M32.reshape(12)],
         no_grad_inputs=(1,)),
    Case("contiguous", lambda m, x: x.transpose(0, 1).contiguous(), [M]),
    Case("atleast_1d", lambda m, x: m.atleast_1d(x), [S0]),
    Case("atleast_2d", lambda m, x: m.atleast_2d(x), [V]),
    Case("atleast_3d", lambda m, x: m.atleast_3d(x), [M]),
    Case("atleast_3d_many", lambda m, x, y: m.atleast_3d(x, y), [V, S0]),
    # expand and broadcasting
    Case("expand", lambda m, x: x.expand(2, 2, 1, 3, 4), [ONE]),
    Case("expand_minus_one", lambda m, x: x.expand(-1, 5, -1, 2), [ONE]),
    Case("expand_tuple", lambda m, x: x.expand((3, 2, 1, 3, 1)), [ONE]),
    Case("expand_as", lambda m, x, y: x.expand_as(y),
         [V.reshape(5, 1), rng.standard_normal((5, 3))], no_grad_inputs=(1,)),
    Case("broadcast_to", lambda m, x: m.broadcast_to(x, (4, 5)), [V]),
    Case("broadcast_tensors", lambda m, x, y: m.broadcast_tensors(x, y),
         [V.reshape(5, 1), M[0]]),
    Case("meshgrid_ij", lambda m, x, y: m.meshgrid(x, y, indexing="ij"), [V, M[0]]),
    Case("meshgrid_xy", lambda m, x, y, z: m.meshgrid(x, y, z, indexing="xy"),
         [V, M[0], V[:2]]),
    Case("meshgrid_list", lambda m, x, y: m.meshgrid([x, y], indexing="ij"), [V, M[1]]),
    # joining
    Case("cat_dim", lambda m, x, y: m.cat([x, y], dim=1), [M, M[:, :2]]),
    Case("cat_neg", lambda m, x, y: m.cat((x, y), -1), [A32, A32[..., :1]]),
    Case("cat_promotes", lambda m, x, y: m.cat([x, y]), [M32, M], rtol=1e-6),
    Case("cat_int_float", lambda m, x, y: m.cat([x, y]), [I, M32], grad=False),
    Case("cat_legacy_empty", lambda m, x, y: m.cat([x, y]), [M, np.zeros(0)]),
    Case("concatenate", lambda m, x: m.concatenate([x, x * 2], 0), [A]),
    Case("concat", lambda m, x: m.concat([x, x * 3], 2), [A]),
    Case("stack", lambda m, x, y: m.stack([x, y], dim=2), [M, M * 2]),
    Case("stack_neg", lambda m, x, y: m.stack([x, y], -1), [A32, A32]),
    Case("stack_int", lambda m, x: m.stack([x, x], 0), [I], grad=False),
    Case("hstack", lambda m, x, y: m.hstack([x, y]), [M, M]),
    Case("hstack_1d", lambda m, x, y: m.hstack([x, y]), [V, V[:2]]),
    Case("vstack", lambda m, x, y: m.vstack([x, y]), [M[0], M]),
    Case("row_stack", lambda m, x, y: m.row_stack([x, y]), [V, V]),
    Case("dstack", lambda m, x, y: m.dstack([x, y]), [M, M]),
    Case("column_stack", lambda m, x, y, z: m.column_stack([x, y, z]),
         [M[:, 0], M, M[:, 1]]),
    # splitting
    Case("split_size", lambda m, x: x.split(2, 1), [A]),
    Case("split_size_uneven", lambda m, x: x.split(3, dim=-1), [A32]),
    Case("split_sizes", lambda m, x: x.split([1, 3], 2), [A]),
    Case("split_fn", lambda m, x: m.split(x, 1), [M]),
    Case("chunk", lambda m, x: x.chunk(2, 2), [A]),
    Case("chunk_uneven", lambda m, x: m.chunk(x, 3, 1), [M]),
    Case("chunk_more_than_size", lambda m, x: x.chunk(4, 0), [M]),
    Case("chunk_empty_dim", lambda m, x: x[:0].chunk(2, 0), [M], grad=False),
    Case("tensor_split_sections", lambda m, x: m.tensor_split(x, 3, 1), [M]),
    Case("tensor_split_indices", lambda m, x: x.tensor_split([1, 3], dim=-1), [A32]),
    Case("tensor_split_negative", lambda m, x: x.tensor_split([-3, 3, 1], 1), [M]),
    Case("hsplit", lambda m, x: m.hsplit(x, 2), [M]),
    Case("vsplit", lambda m, x: x.vsplit([1]), [M]),
    Case("unbind", lambda m, x: x.unbind(1), [A]),
    Case("unbind_fn", lambda m, x: m.unbind(x), [M32]),
    Case("narrow", lambda m, x: x.narrow(2, 1, 2), [A]),
    Case("narrow_neg_start", lambda m, x: m.narrow(x, -1, -2, 2), [M]),
    Case("select", lambda m, x: x.select(1, -1), [A]),
    Case("select_fn", lambda m, x: m.select(x, 0, 2), [M32]),
    # rearranging copies
    Case("flip", lambda m, x: x.flip(0, 2), [A]),
    Case("flip_fn", lambda m, x: m.flip(x, (1,)), [A32]),
    Case("fliplr", lambda m, x: m.fliplr(x), [M]),
    Case("flipud", lambda m, x: x.flipud(), [M]),
    Case("roll_flat", lambda m, x: m.roll(x, 2), [M]),
    Case("roll_dims", lambda m, x: x.roll((1, -2), (0, 2)), [A]),
    Case("roll_dim", lambda m, x: x.roll(3, 1), [M32]),
    Case("rot90", lambda m, x: m.rot90(x), [M]),
    Case("rot90_k", lambda m, x: x.rot90(3, (1, 2)), [A]),
    Case("rot90_neg", lambda m, x: m.rot90(x, -2, [0, 1]), [M]),
    Case("tril", lambda m, x: x.tril(), [SQ]),
    Case("triu_k", lambda m, x: m.triu(x, 1), [M]),
    Case("tril_neg", lambda m, x: m.tril(x, diagonal=-1), [SQ]),
    Case("triu_int", lambda m, x: x.triu(), [I], grad=False),
    Case("diagonal", lambda m, x: x.diagonal(), [M]),
    Case("diagonal_offset", lambda m, x: m.diagonal(x, 1, 1, 2), [A]),
    Case("diagonal_neg", lambda m, x: m.diagonal(x, offset=-1, dim1=-1, dim2=0), [A32]),
    Case("diag_1d", lambda m, x: m.diag(x), [V]),
    Case("diag_1d_offset", lambda m, x: m.diag(x, -2), [V]),
    Case("diag_2d", lambda m, x: x.diag(1), [M]),
    Case("diag_embed", lambda m, x: m.diag_embed(x), [M]),
    Case("diag_embed_offset", lambda m, x: m.diag_embed(x, 1, 0, 2), [M32]),
    Case("repeat", lambda m, x: x.repeat(2, 3), [M]),
    Case("repeat_more_dims", lambda m, x: x.repeat(2, 1, 3), [M32]),
    Case("tile", lambda m, x: m.tile(x, (2,)), [M]),
    Case("tile_method", lambda m, x: x.tile(2, 1, 2), [M]),
    Case("repeat_interleave_int", lambda m, x: x.repeat_interleave(2), [M]),
    Case("repeat_interleave_dim", lambda m, x: m.repeat_interleave(x, 3, dim=1), [M32]),
    Case("repeat_interleave_tensor", lambda m, x: x.repeat_interleave(_i(m, [1, 0, 2]), dim=0),
         [M]),
    Case("repeat_interleave_counts", lambda m: m.repeat_interleave(_i(m, [2, 0, 3])), []),
    Case("unfold", lambda m, x: x.unfold(2, 2, 1), [A]),
    Case("unfold_step", lambda m, x: x.unfold(-1, 2, 2), [A32]),
    Case("unfold_overlap", lambda m, x: x.unfold(0, 3, 1), [V]),
    Case("diff", lambda m, x: m.diff(x), [A]),
    Case("diff_n2_dim0", lambda m, x: x.diff(n=2, dim=0), [M]),
    Case("diff_prepend_append", lambda m, x, p, a: m.diff(x, dim=1, prepend=p, append=a),
         [M, M[:, :1], M[:, :2]]),
    Case("diff_int", lambda m, x: m.diff(x, dim=1), [I], grad=False),
    Case("diff_bool", lambda m, x: m.diff(x > 5), [I], grad=False),
    # indexing
    Case("getitem_int_tensor", lambda m, x: x[_i(m, [2, 0, 2])], [M]),
    Case("getitem_bool_mask", lambda m, x: x[_b(m, M > 0)], [M]),
    Case("getitem_none_ellipsis", lambda m, x: x[None, ..., 1:3], [A]),
    Case("getitem_list", lambda m, x: x[[0, 2]], [M]),
    Case("getitem_list_pairs", lambda m, x: x[[0, 2, 2], [1, 1, 3]], [M32]),
    Case("getitem_tensor_0d", lambda m, x: x[_i(m, 1)], [M]),
    Case("getitem_mixed", lambda m, x: x[:, _i(m, [[0], [2]]), 1::2], [A]),
    Case("getitem_row_mask_slice", lambda m, x: x[_b(m, [True, False, True]), 1:], [M]),
    Case("getitem_steps", lambda m, x: x[::2, 1::3], [M]),
    # an int and an index array not adjacent: torch selects with the int first (numpy would
    # move the indexed dims to the front)
    Case("getitem_int_slice_array", lambda m, x: x[0, :, _i(m, [1, 2, 1])], [A]),
    Case("getitem_slice_int_slice_array", lambda m, x: x[:, 1, :, _i(m, [0, 1])],
         [rng.standard_normal((2, 3, 4, 2))]),
    Case("getitem_array_slice_int", lambda m, x: x[_i(m, [[0], [1]]), :, 2], [A]),
    Case("getitem_ellipsis_int_array", lambda m, x: x[1, ..., _i(m, [0, 3])], [A32]),
    # gather / scatter / index ops
    Case("index_select", lambda m, x: x.index_select(2, _i(m, [3, 0, 3])), [A]),
    Case("index_select_fn", lambda m, x: m.index_select(x, 0, _i(m, [2, 2, 1, 0])), [M32]),
    Case("index_select_int", lambda m, x: m.index_select(x, -1, _i(m, [1])), [I], grad=False),
    Case("gather", lambda m, x: x.gather(1, _i(m, [[0, 0, 2, 1], [2, 1, 1, 1]])), [M]),
    Case("gather_smaller", lambda m, x: m.gather(x, 0, _i(m, [[2, 0], [1, 1]])), [M32]),
    Case("gather_3d", lambda m, x: x.gather(-1, _i(m, G3)), [A]),
    Case("scatter_src", lambda m, x, s: x.scatter(1, _i(m, [[0, 2], [3, 1], [1, 0]]), s),
         [M, rng.standard_normal((3, 2))]),
    Case("scatter_value", lambda m, x: m.scatter(x, 0, _i(m, [[2, 0, 1, 1]]), 1.5), [M]),
    Case("scatter_reduce_add", lambda m, x: x.scatter(1, _i(m, [[0, 0]]), 2.0, reduce="add"),
         [M], grad=False),
    Case("scatter_add", lambda m, x, s: x.scatter_add(0, _i(m, [[2, 2, 0, 1], [2, 0, 0, 1]]), s),
         [M, rng.standard_normal((2, 4))]),
    Case("scatter_add_fn", lambda m, x, s: m.scatter_add(x, 1, _i(m, [[1, 1], [0, 3]]), s),
         [M32, rng.standard_normal((2, 2)).astype(np.float32)]),
    Case("scatter_add_int", lambda m, x: x.scatter_add(1, _i(m, [[1, 1]]), x[:1, :2]), [I],
         grad=False),
    Case("index_add", lambda m, x, s: x.index_add(0, _i(m, [2, 0, 2]), s),
         [M, rng.standard_normal((3, 4))]),
    Case("index_add_alpha", lambda m, x, s: m.index_add(x, 1, _i(m, [1, 1]), s, alpha=-2.0),
         [M, rng.standard_normal((3, 2))]),
    Case("index_copy", lambda m, x, s: x.index_copy(1, _i(m, [3, 0]), s),
         [M, rng.standard_normal((3, 2))]),
    Case("index_fill", lambda m, x: x.index_fill(1, _i(m, [0, 2]), -1.0), [M]),
    Case("index_fill_tensor_value", lambda m, x, v: m.index_fill(x, 0, _i(m, [1]), v),
         [M, np.array(3.0)]),
    Case("masked_fill", lambda m, x: x.masked_fill(_b(m, M > 0.3), 0.5), [M]),
    Case("masked_fill_broadcast", lambda m, x: x.masked_fill(_b(m, [True, False, True]), 2.0),
         [M[:, :3]]),
    Case("masked_fill_int", lambda m, x: m.masked_fill(x, _b(m, I > 4), 7), [I], grad=False),
    Case("masked_fill_tensor_value", lambda m, x, v: x.masked_fill(_b(m, M > 0), v),
         [M, np.array(-1.5)]),
    Case("masked_scatter", lambda m, x, s: x.masked_scatter(_b(m, M > 0), s),
         [M, rng.standard_normal(14)]),
    Case("masked_select", lambda m, x: x.masked_select(_b(m, M > 0)), [M]),
    Case("masked_select_broadcast", lambda m, x: m.masked_select(x, _b(m, [True, False, True,
                                                                        True])), [M]),
    Case("nonzero", lambda m, x: m.nonzero(x > 0), [M], grad=False),
    Case("nonzero_tuple", lambda m, x: x.nonzero(as_tuple=True), [I % 3], grad=False),
    Case("nonzero_0d", lambda m, x: m.nonzero(x), [S0], grad=False),
    Case("argwhere", lambda m, x: m.argwhere(x), [I % 2], grad=False),
    Case("where_one_arg", lambda m, x: m.where(x > 0), [M], grad=False),
    Case("take", lambda m, x: m.take(x, _i(m, [[0, -1], [5, 5]])), [M]),
    Case("take_along_dim", lambda m, x: m.take_along_dim(x, _i(m, [[0], [3], [-1]]), 1), [M]),
    Case("take_along_dim_broadcast", lambda m, x: x.take_along_dim(_i(m, [[0], [2]]), 0), [M]),
    Case("take_along_dim_flat", lambda m, x: m.take_along_dim(x, _i(m, [11, 0, 11])), [M32]),
    Case("take_along_dim_argsort", lambda m, x: m.take_along_dim(x, m.argsort(x, dim=1), 1),
         [M]),
    Case("searchsorted", lambda m, s, v: m.searchsorted(s, v), [np.sort(V), M], grad=False),
    Case("searchsorted_right", lambda m, s, v: m.searchsorted(s, v, right=True),
         [np.array([1.0, 2.0, 2.0, 3.0]), np.array([2.0, 0.0, 3.5])], grad=False),
    Case("searchsorted_side_int32", lambda m, s, v: m.searchsorted(s, v, side="right",
                                                                   out_int32=True),
         [np.array([1, 3, 3, 5]), np.array([[3, 6]])], grad=False),
    Case("searchsorted_batched", lambda m, s, v: m.searchsorted(s, v),
         [np.sort(M, axis=1), rng.standard_normal((3, 2))], grad=False),
    Case("searchsorted_scalar", lambda m, s: m.searchsorted(s, 0.1), [np.sort(V)],
         grad=False),
    Case("bucketize", lambda m, x, b: m.bucketize(x, b), [M, np.array([-1.0, 0.0, 1.0])],
         grad=False),
    Case("bucketize_right", lambda m, x, b: m.bucketize(x, b, right=True),
         [np.array([1.0, 2.0, 3.5]), np.array([1.0, 2.0, 3.0])], grad=False),
]


def _scatter_reduce_cases() -> list[Case]:
    idx = [[0, 0, 2, 0], [1, 2, 2, 2]]
    x = rng.standard_normal((2, 3)).round(1)
    src = rng.standard_normal((2, 4)).round(1)
    src[0, 1] = src[0, 0]  # a tie for amax / amin
    src[1, 3] = 0.0        # a zero for prod
    out = []
    for red in ("sum", "prod", "mean", "amax", "amin"):
        for inc in (True, False):
            out.append(Case(f"scatter_reduce_{red}_{'self' if inc else 'noself'}",
                            lambda m, a, s, red=red, inc=inc: a.scatter_reduce(
                                1, _i(m, idx), s, red, include_self=inc), [x, src]))
    ints = np.array([[3, 1, 4], [1, 5, 9]])
    out.append(Case("scatter_reduce_mean_int",
                    lambda m, a: m.scatter_reduce(a, 1, _i(m, [[0, 0], [2, 2]]),
                                                  a[:, :2] * 3, "mean"), [ints], grad=False))
    out.append(Case("scatter_reduce_amin_noself_tie_with_self",  # torch still splits with self
                    lambda m, a, s: m.scatter_reduce(a, 1, _i(m, [[2, 2]]), s, "amin",
                                                     include_self=False),
                    [np.array([[0.5, 1.0, 0.2]]), np.array([[0.2, 0.3]])]))
    prod_zero = np.array([[0.0, 2.0, 3.0]])
    out.append(Case("scatter_reduce_prod_zeros",
                    lambda m, a, s: m.scatter_reduce(a, 1, _i(m, [[0, 0, 1, 1]]), s, "prod"),
                    [prod_zero, np.array([[5.0, 0.0, 0.0, 4.0]])]))
    return out


CASES += _scatter_reduce_cases()


@needs_torch
@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_matches_torch(case):
    check(case)


@needs_torch
def test_setitem_with_tensor_index_matches_torch():
    import torch

    import autograd as ag

    for idx in ([0, 2], [[True, False, True, False]] * 3, 1):
        ours, theirs = ag.Tensor(M.copy()), torch.tensor(M.copy())
        ti = torch.tensor(idx)
        ours[ag.Tensor(idx)] = 9.0
        theirs[ti] = 9.0
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    ours, theirs = ag.Tensor(M.copy()), torch.tensor(M.copy())
    ours[ag.Tensor([2, 0]), 1:3] = ag.Tensor(np.ones((2, 2)))
    theirs[torch.tensor([2, 0]), 1:3] = torch.ones(2, 2, dtype=torch.float64)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@needs_torch
def test_repeated_index_gradients_accumulate_like_torch():
    check(Case("getitem_repeats", lambda m, x: x[_i(m, [0, 0, 2, 0])] * 2.0, [M]))
    check(Case("gather_repeats", lambda m, x: x.gather(0, _i(m, [[0, 0, 0, 0], [0, 1, 0, 1]])),
               [M]))
    check(Case("index_select_repeats", lambda m, x: x.index_select(0, _i(m, [1, 1, 1])), [M]))
