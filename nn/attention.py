"""Attention layers as PyTorch's: MultiheadAttention, TransformerEncoderLayer and
TransformerEncoder (parameter names and layouts as torch, so a torch state_dict loads).

The attention itself is ``F.scaled_dot_product_attention`` (one Function with its own
backward); with ``need_weights=True`` the weights are built from differentiable ops instead,
so they can be returned (and differentiated), as torch does.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

from . import functional as F
from . import init
from .conv import factory_dtype
from .layers import Dropout, Linear, ModuleList
from .module import Module, Parameter
from .norm import LayerNorm

__all__ = ["MultiheadAttention", "Transformer", "TransformerDecoder", "TransformerDecoderLayer",
           "TransformerEncoder", "TransformerEncoderLayer"]


class NonDynamicallyQuantizableLinear(Linear):
    """MultiheadAttention's out_proj: a Linear under torch's class name (so reprs match)."""


def _additive(mask: Any, dtype: np.dtype, what: str) -> Tensor | None:
    """A bool mask (True = masked out, torch's MHA convention) as 0 / -inf, or a float mask
    as it is (cast to dtype)."""
    if mask is None:
        return None
    m = mask if isinstance(mask, Tensor) else Tensor(np.asarray(mask))
    if m.dtype == np.bool_:
        return Tensor._make(np.where(m.data, -np.inf, 0.0).astype(dtype))
    if m.dtype.kind != "f":
        raise TypeError(f"MultiheadAttention: {what} must be bool or float, got {m.dtype}")
    return m if m.dtype == dtype or m.requires_grad else m.astype(dtype)


class MultiheadAttention(Module):
    """Multi-head attention: softmax(Q K^T / sqrt(head_dim) + mask) V per head, heads
    concatenated and projected by out_proj. Inputs are (L, N, E) — (N, L, E) with
    batch_first=True, or unbatched (L, E). ``forward`` returns (output, weights) with the
    weights averaged over heads (N, L, S), per head (N, H, L, S) when
    average_attn_weights=False, or None when need_weights=False."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible "
                             f"by num_heads ({num_heads}), both positive")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are "
                                      "not supported")
        self.embed_dim, self.num_heads = int(embed_dim), int(num_heads)
        self.head_dim = self.embed_dim // self.num_heads
        self.kdim = embed_dim if kdim is None else int(kdim)
        self.vdim = embed_dim if vdim is None else int(vdim)
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = float(dropout), bool(batch_first)
        self.bias_k = self.bias_v = None  # torch's attributes (add_bias_kv is unsupported)
        self.add_zero_attn = False
        dt = factory_dtype(device, dtype)
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * e, e), dtype=dt))
        else:
            self.q_proj_weight = Parameter(np.empty((e, e), dtype=dt))
            self.k_proj_weight = Parameter(np.empty((e, self.kdim), dtype=dt))
            self.v_proj_weight = Parameter(np.empty((e, self.vdim), dtype=dt))
        self.in_proj_bias = Parameter(np.zeros(3 * e, dtype=dt)) if bias else None
        self.out_proj = NonDynamicallyQuantizableLinear(e, e, bias=bias, dtype=dt)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _projections(self) -> tuple[Tensor, Tensor, Tensor]:
        if self._qkv_same_embed_dim:
            e = self.embed_dim
            w = self.in_proj_weight
            return w[:e], w[e:2 * e], w[2 * e:]
        return self.q_proj_weight, self.k_proj_weight, self.v_proj_weight

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Any = None, need_weights: bool = True, attn_mask: Any = None,
                average_attn_weights: bool = True, is_causal: bool = False
                ) -> tuple[Tensor, Tensor | None]:
        who = "MultiheadAttention"
        for name, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor) or t.ndim not in (2, 3):
                raise ValueError(f"{who}: {name} must be a 2-D (unbatched) or 3-D Tensor, got "
                                 f"{getattr(t, 'shape', type(t).__name__)}")
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (t.reshape(t.shape[0], 1, t.shape[1])
                                 for t in (query, key, value))
            if key_padding_mask is not None:
                kpm = np.asarray(key_padding_mask.data if isinstance(key_padding_mask, Tensor)
                                 else key_padding_mask)
                key_padding_mask = kpm.reshape(1, -1)
        elif self.batch_first:
            query, key, value = (t.permute(1, 0, 2) for t in (query, key, value))
        L, N, E = query.shape
        S = key.shape[0]
        if E != self.embed_dim or key.shape[2] != self.kdim or value.shape[2] != self.vdim \
                or key.shape[:2] != value.shape[:2] or key.shape[1] != N:
            raise ValueError(f"{who}: shapes do not fit embed_dim={self.embed_dim}, kdim="
                             f"{self.kdim}, vdim={self.vdim}: query {tuple(query.shape)}, key "
                             f"{tuple(key.shape)}, value {tuple(value.shape)} (sequence first)")
        if is_causal and attn_mask is None:
            raise RuntimeError(f"{who}: need attn_mask if specifying the is_causal hint (pass "
                               "the causal mask as attn_mask too)")
        wq, wk, wv = self._projections()
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else \
            (b[:E], b[E:2 * E], b[2 * E:])
        h, hd = self.num_heads, self.head_dim

        def heads(t: Tensor, w: Tensor, bias: Tensor | None, n: int) -> Tensor:
            # (n, N, in) -> (N, H, n, hd)
            return F.linear(t, w, bias).reshape(n, N, h, hd).permute(1, 2, 0, 3)

        q, k, v = heads(query, wq, bq, L), heads(key, wk, bk, S), heads(value, wv, bv, S)
        dt = q.dtype
        am = _additive(attn_mask, dt, "attn_mask")
        if am is not None:
            if am.shape == (L, S):
                am = am.reshape(1, 1, L, S)
            elif am.shape == (N * h, L, S):
                am = am.reshape(N, h, L, S)
            else:
                raise ValueError(f"{who}: attn_mask must be ({L}, {S}) or ({N * h}, {L}, {S}),"
                                 f" got {am.shape}")
        kp = _additive(key_padding_mask, dt, "key_padding_mask")
        if kp is not None:
            if kp.shape != (N, S):
                raise ValueError(f"{who}: key_padding_mask must be ({N}, {S}), got {kp.shape}")
            kp = kp.reshape(N, 1, 1, S)
        p = self.dropout if self.training else 0.0
        weights = None
        if need_weights:
            scores = (q * (1.0 / math.sqrt(hd))) @ k.swapaxes(-1, -2)
            for m in (am, kp):
                if m is not None:
                    scores = scores + m
            attn = F.dropout(autograd.softmax(scores, -1), p, p > 0)
            out = attn @ v
            weights = attn.mean(axis=1) if average_attn_weights else attn  # as torch: dropped
        else:
            mask = am if kp is None else (kp if am is None else am + kp)
            causal = bool(is_causal) and kp is None
            out = F.scaled_dot_product_attention(q, k, v, None if causal else mask, p, causal)
        out = out.permute(2, 0, 1, 3).reshape(L, N, E)  # (L, N, E)
        out = self.out_proj(out)
        if unbatched:
            out = out.reshape(L, E)
            weights = None if weights is None else weights.reshape(weights.shape[1:])
        elif self.batch_first:
            out = out.permute(1, 0, 2)
        return out, weights


def _activation(spec: Any) -> Any:
    if spec == "relu":
        return F.relu
    if spec == "gelu":
        return F.gelu
    if callable(spec):
        return spec
    raise RuntimeError(f"activation should be relu/gelu, not {spec!r}")


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with a residual connection, dropout
    and LayerNorm (after the sum; before the block with norm_first=True), as torch's."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Any = "relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        dtype = factory_dtype(device, dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)  # a Module given is a child, as torch

    def _sa_block(self, x: Tensor, attn_mask: Any, key_padding_mask: Any,
                  is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, src: Tensor, src_mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))


class TransformerDecoderLayer(Module):
    """Self-attention over tgt, attention over the encoder's memory, then a feed-forward
    block; each with a residual connection, dropout and LayerNorm (after the sum; before the
    block with norm_first=True), as torch's."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Any = "relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        dtype = factory_dtype(device, dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    def _sa_block(self, x: Tensor, attn_mask: Any, key_padding_mask: Any,
                  is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _mha_block(self, x: Tensor, mem: Tensor, attn_mask: Any, key_padding_mask: Any,
                   is_causal: bool) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, need_weights=False,
                                is_causal=is_causal)[0]
        return self.dropout2(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Any = None,
                memory_mask: Any = None, tgt_key_padding_mask: Any = None,
                memory_key_padding_mask: Any = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask,
                                   tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                           memory_is_causal))
        return self.norm3(x + self._ff_block(x))


def _seq_len(x: Tensor, batch_first: bool) -> int:
    return x.shape[1] if (x.ndim == 3 and batch_first) else x.shape[0]


def _is_causal_mask(mask: Any, n: int) -> bool:
    m = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if m.shape != (n, n):
        return False
    above = np.triu(np.ones((n, n), dtype=bool), 1)
    if m.dtype == np.bool_:
        return bool((m == above).all())
    return bool((np.isneginf(m) == above).all() and (m[~above] == 0).all())


class TransformerEncoder(Module):
    """num_layers deep copies of encoder_layer applied in turn (``layers.0``, ``layers.1``...),
    then the optional final ``norm``."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True) -> None:
        if not isinstance(encoder_layer, Module):
            raise TypeError(f"TransformerEncoder: encoder_layer must be a Module, got "
                            f"{type(encoder_layer).__name__}")
        if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"TransformerEncoder: num_layers must be a positive int, got "
                             f"{num_layers!r}")
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src: Tensor, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool | None = None) -> Tensor:
        if is_causal is None:
            seq = _seq_len(src, self.layers[0].self_attn.batch_first)
            is_causal = mask is not None and _is_causal_mask(mask, seq)
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=is_causal)
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(Module):
    """num_layers deep copies of decoder_layer applied in turn to (tgt, memory), then the
    optional final ``norm``."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        if not isinstance(decoder_layer, Module):
            raise TypeError(f"TransformerDecoder: decoder_layer must be a Module, got "
                            f"{type(decoder_layer).__name__}")
        if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"TransformerDecoder: num_layers must be a positive int, got "
                             f"{num_layers!r}")
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Any = None,
                memory_mask: Any = None, tgt_key_padding_mask: Any = None,
                memory_key_padding_mask: Any = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        if tgt_is_causal is None:
            seq = _seq_len(tgt, self.layers[0].self_attn.batch_first)
            tgt_is_causal = tgt_mask is not None and _is_causal_mask(tgt_mask, seq)
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder-decoder model of "Attention Is All You Need", as torch.nn.Transformer:
    ``encoder`` (TransformerEncoder + final LayerNorm) and ``decoder`` (TransformerDecoder +
    final LayerNorm); every weight matrix re-initialised xavier-uniform."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Any = "relu", custom_encoder: Any = None,
                 custom_decoder: Any = None, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        dt = factory_dtype(device, dtype)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first,
                                            norm_first, bias, dtype=dt)
            self.encoder = TransformerEncoder(layer, num_encoder_layers,
                                              LayerNorm(d_model, layer_norm_eps, bias=bias,
                                                        dtype=dt))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first,
                                            norm_first, bias, dtype=dt)
            self.decoder = TransformerDecoder(layer, num_decoder_layers,
                                              LayerNorm(d_model, layer_norm_eps, bias=bias,
                                                        dtype=dt))
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, bool(batch_first)

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Any = None, tgt_mask: Any = None,
                memory_mask: Any = None, src_key_padding_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        if src.ndim == 3 and tgt.ndim == 3:
            b = 0 if self.batch_first else 1
            if src.shape[b] != tgt.shape[b]:
                raise RuntimeError(f"Transformer: the batch number of src ({src.shape[b]}) "
                                   f"and tgt ({tgt.shape[b]}) must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature number of src and tgt must be equal "
                               f"to d_model ({self.d_model}), got {src.shape[-1]} and "
                               f"{tgt.shape[-1]}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None
                                        ) -> Tensor:
        """The (sz, sz) causal mask: -inf above the diagonal, 0 elsewhere (float32)."""
        dt = factory_dtype(device, dtype)
        return Tensor(np.triu(np.full((sz, sz), -np.inf, dtype=dt), 1))
