"""Attention: F.scaled_dot_product_attention (gradcheck on both backends, second order,
masks, dropout), nn.MultiheadAttention / TransformerEncoderLayer / TransformerEncoder against
torch modules with copied weights, a torch state_dict loading, errors, and a small
transformer that learns to reverse a sequence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from torch_oracle import needs_torch

import autograd
import nn
import optim
from autograd import Tensor
from nn import functional as F

RNG = np.random.default_rng(3)


def r(*shape):
    return RNG.standard_normal(shape)


# ----------------------------------------------------------------------------- sdpa
@given(L=st.integers(1, 4), S=st.integers(1, 4), causal=st.booleans(),
       seed=st.integers(0, 10_000))
def test_sdpa_gradcheck(backend, L, S, causal, seed):
    rng = np.random.default_rng(seed)
    q, k, v = (Tensor(rng.standard_normal(s), requires_grad=True)
               for s in ((2, L, 3), (2, S, 3), (2, S, 2)))
    mask = Tensor(rng.standard_normal((1, L, S)), requires_grad=True)
    assert autograd.gradcheck(lambda a, b, c, m: F.scaled_dot_product_attention(
        a, b, c, attn_mask=m, is_causal=causal and L <= S), [q, k, v, mask])


def test_sdpa_second_order_and_noncontiguous(backend):
    q = Tensor(r(3, 2, 4).transpose(1, 0, 2), requires_grad=True)  # a transposed view
    k = Tensor(r(2, 5, 4)[:, ::2], requires_grad=True)               # a strided view
    v = Tensor(r(2, 3, 2), requires_grad=True)
    allowed = np.array([[True, False, True], [True, True, False], [False, True, True]])

    def first(a, b, c):
        out = F.scaled_dot_product_attention(a, b, c, attn_mask=allowed)
        (ga,) = autograd.grad((out ** 2).sum(), a, create_graph=True)
        return ga

    assert autograd.gradcheck(first, [q, k, v])


def test_sdpa_fully_masked_row_is_zero_to_second_order():
    q, k, v = (Tensor(r(1, 3, 2), requires_grad=True) for _ in range(3))
    mask = np.array([[0.0, 0.5, -1.0], [-np.inf] * 3, [0.0, -np.inf, 1.0]])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    np.testing.assert_array_equal(out.numpy()[0, 1], 0)
    (gq,) = autograd.grad((out ** 2).sum(), q, create_graph=True)
    assert np.isfinite(gq.numpy()).all()
    np.testing.assert_array_equal(gq.numpy()[0, 1], 0)
    (gk,) = autograd.grad(gq.sum(), k)
    assert np.isfinite(gk.numpy()).all()
    assert autograd.gradcheck(lambda a, b, c: autograd.grad(
        (F.scaled_dot_product_attention(a, b, c, attn_mask=mask) ** 2).sum(), a,
        create_graph=True)[0], [q, k, v])


def test_sdpa_dropout_scales_and_zeroes():
    autograd.manual_seed(0)
    q, k = Tensor(np.zeros((1, 4, 2))), Tensor(np.zeros((1, 4, 2)))
    v = Tensor(np.eye(4)[None], requires_grad=True)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    vals = np.unique(np.round(out.numpy(), 6))
    assert set(vals) <= {0.0, 0.5}  # weights 1/4 kept as 1/4 / (1 - 0.5), or dropped
    assert 0.0 in vals and 0.5 in vals
    out.sum().backward()
    # v = I, so out = the dropped weights, and v.grad[s, e] = sum over queries of out[:, s]
    col = out.numpy()[0].sum(axis=0)
    np.testing.assert_allclose(v.grad.numpy()[0], np.repeat(col[:, None], 4, axis=1))


def test_sdpa_errors():
    q = Tensor(r(2, 3, 4))
    with pytest.raises(ValueError, match="need the same last dim"):
        F.scaled_dot_product_attention(q, Tensor(r(2, 3, 5)), Tensor(r(2, 3, 5)))
    with pytest.raises(ValueError, match="does not broadcast"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((2, 4), bool))
    with pytest.raises(TypeError, match="share a dtype"):
        F.scaled_dot_product_attention(q, q.astype(np.float32), q)
    with pytest.raises(ValueError, match="dropout_p"):
        F.scaled_dot_product_attention(q, q, q, dropout_p=1.0)


# ----------------------------------------------------------------------------- vs torch
def _copy(ours, theirs):
    sd = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert sorted(sd) == sorted(ours.state_dict())
    ours.load_state_dict(sd)


def _close(a, b, tol=1e-9):
    np.testing.assert_allclose(a, b.detach().numpy(), rtol=tol, atol=tol)


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
def test_multihead_attention_matches_torch(batch_first, need_weights, average):
    import torch

    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first, dtype=torch.float64)
    om = nn.MultiheadAttention(8, 2, batch_first=batch_first, dtype=np.float64)
    _copy(om, tm)
    L, S, N = 4, 5, 3
    shape_q, shape_k = ((N, L, 8), (N, S, 8)) if batch_first else ((L, N, 8), (S, N, 8))
    q, k, v = r(*shape_q), r(*shape_k), r(*shape_k)
    kpm = np.zeros((N, S), bool)
    kpm[1, 3:] = True
    am = np.zeros((L, S), bool)
    am[0, 1] = True
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    oq, ok, ov = (Tensor(a, requires_grad=True) for a in (q, k, v))
    to, tw = tm(tq, tk, tv, key_padding_mask=torch.tensor(kpm), attn_mask=torch.tensor(am),
                need_weights=need_weights, average_attn_weights=average)
    oo, ow = om(oq, ok, ov, key_padding_mask=kpm, attn_mask=am, need_weights=need_weights,
                average_attn_weights=average)
    _close(oo.numpy(), to)
    if need_weights:
        _close(ow.numpy(), tw)
    else:
        assert ow is None and tw is None
    g = r(*oo.shape)
    (to * torch.tensor(g)).sum().backward()
    (oo * Tensor(g)).sum().backward()
    for a, b in ((oq, tq), (ok, tk), (ov, tv)):
        _close(a.grad.numpy(), b.grad)
    _close(om.in_proj_weight.grad.numpy(), tm.in_proj_weight.grad)
    _close(om.out_proj.bias.grad.numpy(), tm.out_proj.bias.grad)


@needs_torch
def test_multihead_attention_kdim_vdim_float_mask_unbatched():
    import torch

    torch.manual_seed(1)
    tm = torch.nn.MultiheadAttention(6, 3, kdim=4, vdim=5, dtype=torch.float64)
    om = nn.MultiheadAttention(6, 3, kdim=4, vdim=5, dtype=np.float64)
    _copy(om, tm)
    q, k, v, m = r(3, 6), r(4, 4), r(4, 5), r(3, 4)
    to, tw = tm(torch.tensor(q), torch.tensor(k), torch.tensor(v), attn_mask=torch.tensor(m))
    oo, ow = om(Tensor(q), Tensor(k), Tensor(v), attn_mask=m)
    _close(oo.numpy(), to)
    _close(ow.numpy(), tw)


@needs_torch
@pytest.mark.parametrize("norm_first, activation", [(False, "relu"), (True, "gelu")])
def test_transformer_encoder_matches_torch(norm_first, activation):
    import torch

    torch.manual_seed(2)
    kw = dict(dim_feedforward=16, dropout=0.0, activation=activation, batch_first=True,
              norm_first=norm_first)
    tl = torch.nn.TransformerEncoderLayer(8, 2, dtype=torch.float64, **kw)
    te = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(8, dtype=torch.float64),
                                     enable_nested_tensor=False)
    oe = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dtype=np.float64, **kw), 2,
                               norm=nn.LayerNorm(8, dtype=np.float64))
    _copy(oe, te)
    x = r(3, 5, 8)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    tx, ox = torch.tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    ty = te(tx, mask=mask, is_causal=True)
    oy = oe(ox, mask=mask.numpy(), is_causal=True)
    _close(oy.numpy(), ty)
    g = r(*oy.shape)
    (ty * torch.tensor(g)).sum().backward()
    (oy * Tensor(g)).sum().backward()
    _close(ox.grad.numpy(), tx.grad, 1e-8)
    tw = te.layers[1].linear1.weight.grad
    _close(oe.layers[1].linear1.weight.grad.numpy(), tw, 1e-8)


def test_encoder_layers_are_independent_copies_and_errors():
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0)
    enc = nn.TransformerEncoder(layer, 2)
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    assert "layers.1.self_attn.in_proj_weight" in enc.state_dict()
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu"):
        nn.TransformerEncoderLayer(4, 2, activation="swish")
    mha = nn.MultiheadAttention(4, 2)
    x = Tensor(r(3, 2, 4).astype(np.float32))
    with pytest.raises(RuntimeError, match="need attn_mask"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match="key_padding_mask must be"):
        mha(x, x, x, key_padding_mask=np.zeros((3, 2), bool))


# ----------------------------------------------------------------------------- learning
class Reverser(nn.Module):
    def __init__(self, vocab: int, length: int, d: int = 32) -> None:
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(length, d)
        self.enc = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(d, 4, 64, dropout=0.0, batch_first=True), 1)
        self.head = nn.Linear(d, vocab)

    def forward(self, ids: np.ndarray) -> Tensor:
        h = self.tok(ids) + self.pos(np.arange(ids.shape[1]))
        return self.head(self.enc(h))


def test_transformer_learns_to_reverse_a_sequence():
    autograd.manual_seed(0)
    vocab, length = 6, 5
    model = Reverser(vocab, length)
    opt = optim.Adam(model.parameters(), lr=5e-3)
    rng = np.random.default_rng(0)
    for _ in range(150):
        ids = rng.integers(0, vocab, (32, length))
        logits = model(ids)
        loss = F.cross_entropy(logits.reshape(-1, vocab), ids[:, ::-1].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    ids = rng.integers(0, vocab, (200, length))
    with autograd.no_grad():
        pred = model(ids).numpy().argmax(-1)
    acc = (pred == ids[:, ::-1]).mean()
    assert acc > 0.95, acc
