"""nn.utils.rnn (pad / pack / unpack sequences), RNN, LSTM and GRU on PackedSequence input,
and the channel and alpha dropout layers: against torch, finite differences, statistics."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from torch_oracle import Case, check, ids, needs_torch

import autograd as ag
import nn as onn
from autograd import Tensor, gradcheck
from nn import functional as F
from nn.utils import rnn as R

try:
    import torch
    import torch.nn.utils.rnn as TR
except ImportError:  # pragma: no cover - depends on the environment
    torch = TR = None

RNG = np.random.default_rng(12)


def r(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def U(m):
    """The rnn-utils module of the library the oracle passes in."""
    return R if m is ag else TR


def Fn(m):
    return F if m is ag else torch.nn.functional


# ---------------------------------------------------------------------------------------
# oracle: the utilities
# ---------------------------------------------------------------------------------------
LENS = np.array([2, 5, 3, 5], dtype=np.int64)
CASES = []
for _dt in (np.float32, np.float64):
    _n = np.dtype(_dt).name
    CASES += [
        Case(f"pad_sequence_{_n}", lambda m, a, b, c: U(m).pad_sequence([a, b, c]),
             [r(3, 2, dtype=_dt), r(5, 2, dtype=_dt), r(1, 2, dtype=_dt)]),
        Case(f"pad_sequence_bf_left_{_n}",
             lambda m, a, b: U(m).pad_sequence([a, b], batch_first=True, padding_value=-2.5,
                                               padding_side="left"),
             [r(2, 3, 2, dtype=_dt), r(4, 3, 2, dtype=_dt)]),
        Case(f"pack_padded_sorted_{_n}",
             lambda m, x: U(m).pack_padded_sequence(x, [5, 3, 3, 1]), [r(5, 4, 3, dtype=_dt)]),
        Case(f"pack_padded_unsorted_bf_{_n}",
             lambda m, x, n: U(m).pack_padded_sequence(x, n, batch_first=True,
                                                       enforce_sorted=False),
             [r(4, 5, 3, dtype=_dt), LENS]),
        Case(f"pad_packed_roundtrip_{_n}",
             lambda m, x, n: U(m).pad_packed_sequence(
                 U(m).pack_padded_sequence(x, n, enforce_sorted=False), padding_value=7.0,
                 total_length=6),
             [r(5, 4, 2, dtype=_dt), LENS]),
        Case(f"pad_packed_bf_{_n}",
             lambda m, x, n: U(m).pad_packed_sequence(
                 U(m).pack_padded_sequence(x, n, batch_first=True, enforce_sorted=False),
                 batch_first=True),
             [r(4, 5, dtype=_dt), LENS]),
        Case(f"pack_unpack_sequence_{_n}",
             lambda m, a, b, c: U(m).unpack_sequence(U(m).pack_sequence([a, b, c], False)),
             [r(2, 3, dtype=_dt), r(4, 3, dtype=_dt), r(3, 3, dtype=_dt)]),
        Case(f"unpad_sequence_{_n}",
             # (torch transposes a non-batch-first input in place: not a leaf then)
             lambda m, x, n: U(m).unpad_sequence(x * 1, n), [r(5, 4, 2, dtype=_dt), LENS]),
        Case(f"unpad_sequence_bf_{_n}",
             lambda m, x, n: U(m).unpad_sequence(x, n, batch_first=True),
             [r(4, 5, dtype=_dt), LENS]),
    ]
CASES += [
    Case("pad_sequence_int", lambda m, a, b: U(m).pad_sequence([a, b], padding_value=-1.5),
         [np.arange(3), np.arange(5)]),
    Case("pack_sequence_int", lambda m, a, b: U(m).pack_sequence([a, b]),
         [np.arange(4), np.arange(2)]),
    Case("pad_sequence_tensor_rows", lambda m, x: U(m).pad_sequence(x), [r(3, 4)]),
    Case("packed_to_double", lambda m, x: U(m).pack_sequence([x, x[:2]]).double(), [r(3, 2)]),
    Case("invert_permutation", lambda m, p: U(m).invert_permutation(p),
         [np.array([2, 0, 3, 1])]),
    # the dropout functions where they are deterministic: eval mode, p = 0, p = 1
    Case("dropout1d_eval", lambda m, x: Fn(m).dropout1d(x, 0.5, training=False), [r(2, 3, 4)]),
    Case("dropout2d_eval", lambda m, x: Fn(m).dropout2d(x, 0.3, False), [r(2, 3, 2, 2)]),
    Case("dropout3d_eval_f64", lambda m, x: Fn(m).dropout3d(x, 0.3, False),
         [r(2, 2, 2, 2, 2, dtype=np.float64)]),
    Case("dropout1d_p0", lambda m, x: Fn(m).dropout1d(x, 0.0), [r(3, 4)]),
    Case("dropout2d_p1", lambda m, x: Fn(m).dropout2d(x, 1.0), [r(2, 3, 2, 2)]),
    Case("dropout3d_p1_unbatched", lambda m, x: Fn(m).dropout3d(x, p=1.0),
         [r(2, 2, 2, 2, dtype=np.float64)]),
    Case("alpha_dropout_default_eval", lambda m, x: Fn(m).alpha_dropout(x, 0.5), [r(3, 4)]),
    Case("alpha_dropout_p1", lambda m, x: Fn(m).alpha_dropout(x, 1.0, True), [r(3, 4)]),
    Case("feature_alpha_dropout_default_eval",
         lambda m, x: Fn(m).feature_alpha_dropout(x, 0.2), [r(2, 3, 4, dtype=np.float64)]),
    Case("Dropout2d_module_eval", lambda m, x: _mod(m, "Dropout2d", 0.4).eval()(x),
         [r(2, 3, 2, 2)]),
    Case("AlphaDropout_module_eval", lambda m, x: _mod(m, "AlphaDropout", 0.4).eval()(x),
         [r(5, 3)]),
    Case("FeatureAlphaDropout_p0_train",
         lambda m, x: _mod(m, "FeatureAlphaDropout", 0.0)(x), [r(2, 3, 4)]),
]


def _mod(m, name, p):
    return getattr(onn if m is ag else torch.nn, name)(p)


@needs_torch
@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_matches_torch(case):
    check(case)


# ---------------------------------------------------------------------------------------
# oracle: RNN / LSTM / GRU on packed input (outputs, final states, every gradient)
# ---------------------------------------------------------------------------------------
RNN_CONFIGS = [  # kind, lengths, enforce_sorted, batch_first, layers, bidirectional, h0, dtype
    ("RNN", [4, 3, 1], True, False, 1, False, False, np.float32),
    ("RNN", [2, 4, 1, 3], False, True, 2, True, True, np.float64),
    ("RNN_relu", [3, 1, 3, 2], False, False, 1, True, True, np.float32),
    ("LSTM", [4, 3, 1], True, False, 1, False, False, np.float32),
    ("LSTM", [2, 4, 1, 3], False, False, 1, False, True, np.float32),
    ("LSTM", [2, 4, 1, 3], False, True, 2, True, True, np.float64),
    ("LSTM", [3, 3], True, True, 2, False, False, np.float32),
    ("GRU", [4, 3, 1], True, True, 1, False, True, np.float32),
    ("GRU", [2, 4, 1, 3], False, False, 2, True, True, np.float64),
    ("GRU", [1, 1, 2], False, True, 1, True, False, np.float32),
]


def _layer(lib, kind, layers, bidir, bf, dt):
    nnlib = torch.nn if lib is torch else onn
    kw = dict(num_layers=layers, bidirectional=bidir, batch_first=bf)
    if kind == "RNN_relu":
        return nnlib.RNN(3, 4, nonlinearity="relu", **kw)
    return getattr(nnlib, kind)(3, 4, **kw)


def _run_packed(lib, layer, kind, x, states, lens, bf, enforce_sorted, h0):
    mk = (lambda a: torch.tensor(a, requires_grad=True)) if lib is torch else (
        lambda a: Tensor(a.copy(), requires_grad=True))
    xt, hs = mk(x), [mk(h) for h in states]
    utils = TR if lib is torch else R
    packed = utils.pack_padded_sequence(xt, lens, batch_first=bf,
                                        enforce_sorted=enforce_sorted)
    hx = None if not h0 else (tuple(hs) if kind == "LSTM" else hs[0])
    out, final = layer(packed, hx)
    assert type(out).__name__ == "PackedSequence"
    finals = list(final) if kind == "LSTM" else [final]
    loss = None
    g = np.random.default_rng(1)
    for v in [out.data] + finals:
        up = g.standard_normal(tuple(v.shape)).astype(x.dtype)
        term = (v * (torch.tensor(up) if lib is torch else Tensor(up))).sum()
        loss = term if loss is None else loss + term
    loss.backward()

    def arr(t):
        return None if t is None else (t.detach().numpy() if lib is torch else t.data)

    values = [arr(out.data), arr(out.batch_sizes), arr(out.sorted_indices),
              arr(out.unsorted_indices)] + [arr(f) for f in finals]
    grads = [arr(xt.grad)] + ([arr(h.grad) for h in hs[:len(finals)]] if h0 else [])
    grads += [arr(p.grad) for p in layer.parameters()]
    return values, grads


@needs_torch
@pytest.mark.parametrize("config", RNN_CONFIGS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(RNN_CONFIGS)])
def test_recurrent_layers_on_packed_input_match_torch(config):
    kind, lens, es, bf, layers, bidir, h0, dt = config
    torch.manual_seed(0)
    theirs = _layer(torch, kind, layers, bidir, bf, dt)
    ours = _layer(ag, kind, layers, bidir, bf, dt)
    if dt == np.float64:
        theirs, ours = theirs.double(), ours.double()
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    t_n, b_n = max(lens), len(lens)
    x = r(*((b_n, t_n, 3) if bf else (t_n, b_n, 3)), dtype=dt)
    states = [r(layers * (1 + bidir), b_n, 4, dtype=dt) for _ in range(2)]
    want = _run_packed(torch, theirs, kind, x, states, lens, bf, es, h0)
    got = _run_packed(ag, ours, kind, x, states, lens, bf, es, h0)
    tol = 1e-12 if dt == np.float64 else 1e-5
    for what, w_list, g_list in (("value", want[0], got[0]), ("grad", want[1], got[1])):
        assert len(w_list) == len(g_list)
        for i, (w, g) in enumerate(zip(w_list, g_list)):
            if w is None:
                assert g is None, f"{what} {i}: expected None"
                continue
            assert g.shape == w.shape and g.dtype == w.dtype, (what, i, g.shape, w.shape)
            np.testing.assert_allclose(g, w, rtol=tol, atol=tol, err_msg=f"{what} {i}")


def test_packed_output_equals_running_each_sequence_alone():
    """Each sequence's outputs and final state are those of the layer run on it alone."""
    ag.manual_seed(3)
    lstm = onn.LSTM(3, 5, bidirectional=True)
    seqs = [Tensor(r(n, 3)) for n in (2, 5, 3)]
    out, (h_n, c_n) = lstm(R.pack_sequence(seqs, enforce_sorted=False))
    padded, lengths = R.pad_packed_sequence(out)
    assert lengths.tolist() == [2, 5, 3]
    for b, s in enumerate(seqs):
        y, (h, c) = lstm(s)  # unbatched (L, 3)
        n = s.shape[0]
        np.testing.assert_allclose(padded.data[:n, b], y.data, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(padded.data[n:, b], 0.0)
        np.testing.assert_allclose(h_n.data[:, b], h.data, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(c_n.data[:, b], c.data, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------
# gradients against finite differences (both kernel backends, a strided input)
# ---------------------------------------------------------------------------------------
seeds = st.integers(0, 2**16)


def _pack_pad(x):
    p = R.pack_padded_sequence(x, [1, 4, 2], enforce_sorted=False)
    return R.pad_packed_sequence(p, batch_first=True, padding_value=0.5)[0]


GRAD_FNS = {
    "pad_sequence_left": lambda x: R.pad_sequence([x[:3], x[1:], x[:1]], padding_side="left"),
    "pad_sequence_bf": lambda x: R.pad_sequence([x[:2], x], batch_first=True, padding_value=2),
    "pack_pad": _pack_pad,
    "unpad": lambda x: ag.cat(R.unpad_sequence(x, [3, 1, 4]), 0),
}


@pytest.mark.parametrize("name", sorted(GRAD_FNS))
@given(seed=seeds)
def test_utility_gradients_match_finite_differences(backend, name, seed):
    x = Tensor(np.random.default_rng(seed).standard_normal((4, 3, 2)), requires_grad=True)
    assert gradcheck(GRAD_FNS[name], [x])


def test_packed_gru_gradient_on_a_strided_input(backend):
    ag.manual_seed(1)
    gru = onn.GRU(3, 2, bidirectional=True).double()
    base = Tensor(r(3, 4, 3, dtype=np.float64), requires_grad=True)

    def f(b):
        x = b.transpose(0, 1)  # (T=4, B=3, 3), not contiguous
        out, h = gru(R.pack_padded_sequence(x, [4, 2, 3], enforce_sorted=False))
        return ag.cat([out.data.reshape(-1), h.reshape(-1)])

    assert not base.transpose(0, 1).is_contiguous()
    assert gradcheck(f, [base])


DROPOUTS = {
    "dropout1d": lambda x: F.dropout1d(x, 0.4),
    "dropout2d": lambda x: F.dropout2d(x.reshape(2, 3, 2, 2), 0.4),
    "dropout3d_unbatched": lambda x: F.dropout3d(x.reshape(3, 2, 2, 2), 0.4),
    "alpha_dropout": lambda x: F.alpha_dropout(x, 0.3, True),
    "feature_alpha_dropout": lambda x: F.feature_alpha_dropout(x, 0.3, training=True),
}


@pytest.mark.parametrize("name", sorted(DROPOUTS))
@given(seed=seeds)
def test_dropout_gradients_match_finite_differences(backend, name, seed):
    def f(x):
        ag.manual_seed(seed)  # the same mask at every evaluation
        return DROPOUTS[name](x)

    base = Tensor(np.random.default_rng(seed).standard_normal((2, 4, 3)), requires_grad=True)
    assert gradcheck(lambda b: f(b.transpose(1, 2)), [base])  # (2, 3, 4), strided


# ---------------------------------------------------------------------------------------
# dropout behaviour and statistics
# ---------------------------------------------------------------------------------------
def _channels(y, lead):
    """Per channel: all zero, or all equal to the scale (the input is ones)."""
    return y.reshape(int(np.prod(y.shape[:lead])), -1)


@pytest.mark.parametrize("fn,shape,lead", [
    (lambda x: F.dropout1d(x, 0.3), (40, 50, 6), 2),
    (lambda x: F.dropout1d(x, 0.3), (400, 6), 1),
    (lambda x: F.dropout2d(x, 0.3), (40, 50, 2, 3), 2),
    (lambda x: F.dropout3d(x, 0.3), (40, 50, 2, 1, 3), 2),
    (lambda x: F.dropout3d(x, 0.3), (400, 2, 1, 3), 1),
    (lambda x: onn.Dropout2d(0.3)(x), (40, 50, 3, 2), 2),
], ids=["1d", "1d_unbatched", "2d", "3d", "3d_unbatched", "Dropout2d"])
def test_channel_dropout_zeroes_whole_channels_scaled(fn, shape, lead):
    ag.manual_seed(0)
    y = fn(ag.ones(*shape, dtype=np.float64)).data
    ch = _channels(y, lead)
    scale = 1 / 0.7
    assert np.all((ch == 0).all(1) | np.isclose(ch, scale).all(1))
    dropped = (ch == 0).all(1).mean()
    assert abs(dropped - 0.3) < 0.05, dropped  # 2000 / 400 channels
    assert y.dtype == np.float64


def test_dropout_modules_eval_identity_and_train_draws():
    x = Tensor(r(4, 6, 3, 3))
    for cls in (onn.Dropout1d, onn.Dropout2d, onn.Dropout3d, onn.AlphaDropout,
                onn.FeatureAlphaDropout):
        m = cls(0.5)
        xin = x.reshape(4, 6, 9) if cls is onn.Dropout1d else x
        xin = xin.reshape(4, 6, 3, 3, 1) if cls is onn.Dropout3d else xin
        assert repr(m) == f"{cls.__name__}(p=0.5, inplace=False)"
        m.eval()
        assert m(xin) is xin
        m.train()
        y = m(xin)
        assert y.shape == xin.shape and not np.allclose(y.data, xin.data)
    assert not isinstance(onn.Dropout2d(), onn.Dropout)  # siblings, as in torch


def test_alpha_dropout_values_and_moments():
    ag.manual_seed(5)
    p, alpha = 0.2, 1.7580993408473766
    a = 1 / np.sqrt((alpha**2 * p + 1) * (1 - p))
    x = Tensor(np.random.default_rng(0).standard_normal(200_000))
    y = F.alpha_dropout(x, p, training=True).data
    kept = np.isclose(y, a * x.data + alpha * a * p)
    dropped = np.isclose(y, a * alpha * (p - 1))
    assert np.all(kept | dropped)
    assert abs(dropped.mean() - p) < 0.01
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01  # SELU's fixed point kept


def test_feature_alpha_dropout_drops_whole_channels():
    ag.manual_seed(2)
    p, alpha = 0.5, 1.7580993408473766
    a = 1 / np.sqrt((alpha**2 * p + 1) * (1 - p))
    y = F.feature_alpha_dropout(Tensor(np.zeros((30, 20, 4))), p, True).data
    per = y.reshape(600, 4)
    assert np.all((per == per[:, :1]).all(1))
    assert set(np.round(np.unique(per), 6)) == {round(a * alpha * p, 6),
                                                 round(a * alpha * (p - 1), 6)}


def test_dropout2d_3d_input_warns_and_drops_dim1_channels():
    ag.manual_seed(0)
    with pytest.warns(UserWarning, match="dropout1d instead"):
        y = F.dropout2d(ag.ones(20, 30, 5), 0.5).data
    assert np.all((y == 0).all(2) | (y == 2).all(2))
    with pytest.warns(UserWarning, match="dropout3d: Received a 3-D input"):
        F.dropout3d(ag.ones(4, 3, 2), 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.dropout2d(ag.ones(2, 3, 2, 2), 0.5)  # 4-D: no warning


# ---------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------
def test_dropout_errors():
    x = ag.ones(2, 3, 4)
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        F.dropout2d(x, 1.5)
    with pytest.raises(ValueError, match="alpha_dropout: .*got -0.1"):
        F.alpha_dropout(x, -0.1, True)
    with pytest.raises(ValueError, match=r"Dropout1d: p .* \[0, 1\], got 2"):
        onn.Dropout1d(2)
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received "
                                           "a 4D input"):
        F.dropout1d(ag.ones(2, 3, 4, 5))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        F.feature_alpha_dropout(ag.ones(5), 0.5, True)
    with pytest.raises(RuntimeError, match="floating point input, got int64"):
        F.alpha_dropout(ag.ones(3, dtype=np.int64), 0.5, True)
    with pytest.raises(TypeError, match="dropout1d: expected a Tensor, got list"):
        F.dropout1d([[1.0]])


def test_rnn_utils_errors():
    x = ag.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        R.pack_padded_sequence(x, [2, 3, 1])
    with pytest.raises(RuntimeError, match="greater than 0"):
        R.pack_padded_sequence(x, [0, 3, 1], enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"equal to batch_size, but got 2 \(batch_size=3\)"):
        R.pack_padded_sequence(x, [3, 1])
    with pytest.raises(ValueError, match="a length is 5 but the input has only 4 time steps"):
        R.pack_padded_sequence(x, [5, 3, 1])
    with pytest.raises(ValueError, match="lengths must be 1-D"):
        R.pack_padded_sequence(x, [[3, 2, 1]])
    with pytest.raises(RuntimeError, match="empty list of sequences"):
        R.pad_sequence([])
    with pytest.raises(RuntimeError, match=r"same trailing dims \(3,\), got shape \(2, 4\)"):
        R.pad_sequence([ag.ones(2, 3), ag.ones(2, 4)])
    with pytest.raises(ValueError, match="padding_side to be one of left or right, but got 'up'"):
        R.pad_sequence([ag.ones(2)], padding_side="up")
    with pytest.raises(RuntimeError, match="Expected iterable"):
        R.pad_sequence(3)
    p = R.pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        R.pad_packed_sequence(p, total_length=2)
    with pytest.raises(TypeError, match="expected a PackedSequence, got Tensor"):
        R.pad_packed_sequence(x)
    with pytest.raises(TypeError, match="batch_sizes must be a 1-D integer tensor"):
        R.PackedSequence(ag.ones(3, 2), ag.ones(2))


def test_recurrent_layer_packed_input_errors():
    gru = onn.GRU(2, 3)
    packed = R.pack_sequence([ag.ones(3, 5), ag.ones(2, 5)])
    with pytest.raises(ValueError, match=r"PackedSequence whose data is \(sum of lengths, "
                                         r"input_size\) with input_size 2, got shape \(5, 5\)"):
        gru(packed)
    good = R.pack_sequence([ag.ones(3, 2), ag.ones(2, 2)])
    with pytest.raises(ValueError, match=r"h0 must be a Tensor of shape \(1, 2, 3\)"):
        gru(good, ag.zeros(1, 3, 3))
    with pytest.raises(ValueError, match="initial state must be a pair"):
        onn.LSTM(2, 3)(good, ag.zeros(1, 2, 3))


def test_packed_sequence_construction_and_conversions():
    p = R.PackedSequence(ag.ones(3, 2), Tensor(np.array([2, 1])), Tensor(np.array([1, 0])))
    assert p.unsorted_indices.tolist() == [1, 0]
    q = R.PackedSequence((p.data, p.batch_sizes))
    assert q.sorted_indices is None and q.unsorted_indices is None
    assert p.to(np.float32) is p and p.cpu() is p and not p.is_cuda
    d = p.double()
    assert d.data.dtype == np.float64 and d.batch_sizes.dtype == np.int64
    assert isinstance(d, R.PackedSequence) and d.sorted_indices is p.sorted_indices
    data, batch_sizes, sorted_indices, unsorted_indices = p  # a named tuple, as torch
    assert batch_sizes.tolist() == [2, 1]
    assert onn.utils.rnn is R


def test_channel_dropout_under_compile_replays_fresh_masks():
    """The masks are drawn through F.dropout, so autograd.compile replays them (no eager
    fallback) with a new draw at every call."""
    f = ag.compile(lambda x: F.feature_alpha_dropout(F.dropout2d(x, 0.5), 0.3, True))
    x = ag.ones(8, 6, 2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a CompileWarning would mean the eager fallback
        outs = [f(x).data.copy() for _ in range(4)]
    assert f.stats["replays"] == 2 and f.stats["eager"] == 0
    assert not np.array_equal(outs[2], outs[3])
    assert all(np.all((o == o[:, :, :1, :1]).all((2, 3))) for o in outs)  # whole channels
