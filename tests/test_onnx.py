"""nn.export_onnx: models exported, checked by onnx.checker, run in onnxruntime at the
example batch size and another one, with the outputs numbagrad computes."""

from __future__ import annotations

import os

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor

onnx = pytest.importorskip("onnx", reason="onnx not installed: pip install numbagrad[onnx]")
ort = pytest.importorskip("onnxruntime",
                          reason="onnxruntime not installed: pip install numbagrad[onnx]")

rng = np.random.default_rng(3)


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _check(tmp_path, model, make, batches=(2, 5), tol=1e-5, batch_dim=0, **kw):
    """Export with make(batches[0]); compare onnxruntime with numbagrad for every batch."""
    path = tmp_path / "m.onnx"
    was_training = model.training
    proto = nn.export_onnx(model, make(batches[0]), path, batch_dim=batch_dim, **kw)
    assert model.training == was_training  # export runs in eval mode and restores the flag
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    assert onnx.load(str(path)) == proto
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for b in batches:
        x = make(b)
        model.eval()
        with autograd.no_grad():
            want = model(Tensor(x))
        want = want if isinstance(want, tuple) else (want,)
        got = sess.run(None, {sess.get_inputs()[0].name: x})
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g, w.data, rtol=tol, atol=tol)
    return proto


def _ops(proto):
    return {n.op_type for n in proto.graph.node}


def _batch_dim(proto, i=0):
    return proto.graph.input[i].type.tensor_type.shape.dim


def test_mlp(tmp_path):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8, activation="gelu"),
                          nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 8), nn.LeakyReLU(0.2),
                          nn.Linear(8, 8, activation="sigmoid"), nn.Linear(8, 3),
                          nn.Softmax(dim=-1))
    proto = _check(tmp_path, model, lambda b: _f32(b, 4))
    assert {"Gemm", "Relu", "Tanh", "LeakyRelu", "Sigmoid", "Softmax", "Erf",
            "BatchNormalization"} <= _ops(proto)
    assert _batch_dim(proto)[0].dim_param == "batch" and _batch_dim(proto)[1].dim_value == 4
    inits = {i.name for i in proto.graph.initializer}
    assert {"0.weight", "0.bias", "3.running_mean", "3.running_var"} <= inits


def test_mlp_helper_with_fused_leaky_relu_float64(tmp_path):
    model = nn.MLP(4, [6, 3], activation="leaky_relu", dtype=np.float64)
    proto = _check(tmp_path, model, lambda b: rng.standard_normal((b, 4)), batches=(3, 1, 7))
    assert proto.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE


def test_cnn_with_batchnorm_and_pooling(tmp_path):
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2), nn.ReLU(),
        nn.AvgPool2d(2, stride=1, padding=1), nn.Conv2d(6, 6, 1), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(6, 3), nn.LogSoftmax(dim=1))
    model.train()
    model(Tensor(_f32(8, 1, 12, 12)))  # running statistics off their defaults
    proto = _check(tmp_path, model, lambda b: _f32(b, 1, 12, 12), tol=1e-4)
    assert {"Conv", "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool",
            "Flatten", "LogSoftmax"} <= _ops(proto)
    conv = next(n for n in proto.graph.node if n.op_type == "Conv" and
                any(a.name == "group" and a.i == 2 for a in n.attribute))
    attrs = {a.name: list(a.ints) for a in conv.attribute if a.ints}
    assert attrs["strides"] == [2, 2] and attrs["dilations"] == [2, 2]
    assert attrs["pads"] == [2, 2, 2, 2]


def test_conv1d_same_padding_and_pool1d(tmp_path):
    model = nn.Sequential(nn.Conv1d(2, 3, 4, padding="same"), nn.MaxPool1d(2, ceil_mode=True),
                          nn.Conv1d(3, 2, 3, padding="valid"), nn.AvgPool1d(2))
    _check(tmp_path, model, lambda b: _f32(b, 2, 11), tol=1e-4)


class _LSTMNet(nn.Module):
    def __init__(self):
        self.lstm = nn.LSTM(3, 5, num_layers=2, batch_first=True)
        self.fc = nn.Linear(5, 2)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.fc(out[:, -1]), h, c


def test_lstm_model(tmp_path):
    proto = _check(tmp_path, _LSTMNet(), lambda b: _f32(b, 4, 3), batches=(2, 5, 1))
    assert "LSTM" in _ops(proto)


class _GRUNet(nn.Module):
    def __init__(self):
        self.gru = nn.GRU(3, 5)
        self.rnn = nn.RNN(5, 4, nonlinearity="relu", num_layers=2)

    def forward(self, x):
        y, h = self.gru(x)
        y2, h2 = self.rnn(y)
        return y2, h, h2


def test_gru_and_rnn_sequence_first(tmp_path):
    proto = _check(tmp_path, _GRUNet(), lambda b: _f32(4, b, 3), batch_dim=1)
    assert {"GRU", "RNN"} <= _ops(proto)
    assert _batch_dim(proto)[1].dim_param == "batch"


class _StatefulLSTM(nn.Module):
    def __init__(self):
        self.lstm = nn.LSTM(3, 4, num_layers=2)

    def forward(self, x):
        h0 = x[:2, :, :1] * Tensor(np.ones((1, 1, 4), np.float32))  # (2, B, 4), from x
        out, _ = self.lstm(x, (h0, h0 * 0.5))
        return out


def test_lstm_with_initial_state(tmp_path):
    _check(tmp_path, _StatefulLSTM(), lambda b: _f32(3, b, 3), batch_dim=1)


class _EmbedNet(nn.Module):
    def __init__(self):
        self.emb = nn.Embedding(10, 4)
        self.norm = nn.LayerNorm(4)
        self.fc = nn.Linear(4, 2)

    def forward(self, ids):
        return self.fc(self.norm(self.emb(ids)).mean(1))


def test_embedding_model(tmp_path):
    proto = _check(tmp_path, _EmbedNet(), lambda b: rng.integers(0, 10, (b, 3)))
    assert {"Gather", "LayerNormalization", "ReduceMean"} <= _ops(proto)
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64


def test_embedding_flattened_into_linear(tmp_path):
    model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2))
    _check(tmp_path, model, lambda b: rng.integers(0, 10, (b, 3)))


class _TensorOps(nn.Module):
    """Plain Tensor ops in forward (no layer exported whole)."""

    def __init__(self):
        self.w = nn.Parameter(_f32(6, 4))

    def forward(self, x):  # x (B, 2, 3)
        y = x.reshape(x.shape[0], 6) @ self.w  # (B, 4)
        y = autograd.cat([y, y[:, 1:3].exp(), (y ** 2).sqrt() / 2 - y], dim=1)  # (B, 10)
        z = y.reshape(-1, 2, 5).transpose(1, 2)  # (B, 5, 2)
        z = z.softmax(-1).sum(-1, keepdim=True) + z.tanh().mean(1, keepdim=True)
        s = z[:, ::2, None] * -1.0  # (B, 3, 1, 2)
        return autograd.sigmoid(s).max(dim=1).values + x.mean()


def test_tensor_ops_through_the_recorded_graph(tmp_path):
    proto = _check(tmp_path, _TensorOps(), lambda b: _f32(b, 2, 3))
    assert {"Reshape", "Transpose", "Concat", "Slice", "ReduceSum", "ReduceMax",
            "Unsqueeze"} <= _ops(proto)


def test_layernorm_below_opset_17_goes_through_its_graph(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.GELU())
    proto = _check(tmp_path, model, lambda b: _f32(b, 3), opset=13)
    assert "LayerNormalization" not in _ops(proto) and "ReduceMean" in _ops(proto)
    assert proto.opset_import[0].version == 13


def test_static_batch(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2))
    proto = nn.export_onnx(model, _f32(4, 3), tmp_path / "s.onnx", dynamic_batch=False)
    assert [d.dim_value for d in _batch_dim(proto)] == [4, 3]
    out = proto.graph.output[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in out] == [4, 2]


class _Flipper(nn.Module):
    def __init__(self):
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return self.fc(x).flip(1)


def test_unmapped_op_is_a_clear_error_and_writes_nothing(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"old")
    with pytest.raises(NotImplementedError,
                       match=r"export_onnx: no ONNX mapping for op 'flip' \(Function Flip\)"):
        nn.export_onnx(_Flipper(), _f32(2, 3), path)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["m.onnx"]


def test_bad_arguments(tmp_path):
    model = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="opset must be an int from 13"):
        nn.export_onnx(model, _f32(2, 3), tmp_path / "m.onnx", opset=9)
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        nn.export_onnx(lambda x: x, _f32(2, 3), tmp_path / "m.onnx")
    with pytest.raises(TypeError, match="example_input must be a Tensor or ndarray"):
        nn.export_onnx(model, [[1.0, 2.0, 3.0]], tmp_path / "m.onnx")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        nn.export_onnx(model, _f32(2, 3), tmp_path / "nope" / "m.onnx")


class _MHA(nn.Module):
    def __init__(self):
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x):
        return self.attn(x, x, x)[0]


class _Cells(nn.Module):
    def __init__(self):
        self.lstm, self.gru, self.rnn = nn.LSTMCell(3, 4), nn.GRUCell(4, 4), nn.RNNCell(4, 2)

    def forward(self, x):
        h, c = self.lstm(x)
        return self.rnn(self.gru(h, h=c))


MORE = {
    "activations": (lambda: nn.Sequential(
        nn.ELU(), nn.CELU(0.7), nn.SELU(), nn.SiLU(), nn.Mish(), nn.Hardsigmoid(),
        nn.Hardswish(), nn.Softplus(beta=2.0), nn.Hardtanh(-0.5, 0.5), nn.ReLU6(),
        nn.LogSigmoid(), nn.Softsign(), nn.Tanhshrink(), nn.GELU("tanh"), nn.Softmin(-1),
        nn.Linear(6, 6), nn.PReLU(), nn.GLU(), nn.Hardshrink(0.1), nn.Softshrink(0.1)),
        (6,), 1e-5),
    "norms": (lambda: nn.Sequential(nn.Conv2d(2, 4, 3), nn.GroupNorm(2, 4), nn.PReLU(4),
                                    nn.InstanceNorm2d(4, affine=True)), (2, 5, 5), 1e-4),
    "unflatten-dropout": (lambda: nn.Sequential(nn.Linear(6, 6), nn.Unflatten(1, (2, 3)),
                                                nn.Dropout(0.3), nn.Identity()), (6,), 1e-5),
    "conv-transpose-upsample": (lambda: nn.Sequential(
        nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), nn.Upsample(
            scale_factor=2), nn.AdaptiveAvgPool2d(2), nn.AdaptiveMaxPool2d(1)), (2, 4, 4),
        1e-4),
    "attention": (_MHA, (5, 8), 1e-5),
    "transformer": (lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16,
                                                       batch_first=True), (5, 8), 1e-5),
    "cells": (_Cells, (3,), 1e-5),
}


@pytest.mark.parametrize("name", list(MORE))
def test_more_layers(tmp_path, name):
    build, shape, tol = MORE[name]
    _check(tmp_path, build(), lambda b: _f32(b, *shape), tol=tol)


class _SplitsBatch(nn.Module):
    def __init__(self):
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc(x).reshape(2, -1)


def test_a_reshape_that_splits_the_batch_cannot_stay_dynamic(tmp_path):
    with pytest.raises(ValueError, match=r"reshape from \(4, 4\) to \(2, 8\) splits the batch"):
        nn.export_onnx(_SplitsBatch(), _f32(4, 4), tmp_path / "m.onnx")
    proto = nn.export_onnx(_SplitsBatch(), _f32(4, 4), tmp_path / "m.onnx",
                           dynamic_batch=False)
    out = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"input": _f32(4, 4)})[0]
    assert out.shape == (2, 8) and proto.graph.input[0].type.tensor_type.shape.dim[0].dim_value


class _CastsItsInput(nn.Module):
    def __init__(self):
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return self.fc(x.float())  # an op on an integer input is not recorded


def test_an_input_the_graph_does_not_reach_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="outputs do not depend on the input 'input'"):
        nn.export_onnx(_CastsItsInput(), np.ones((2, 3), np.int64), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_bidirectional_rnn_is_refused_not_half_exported(tmp_path):
    m = nn.LSTM(3, 4, bidirectional=True)
    x = np.zeros((5, 2, 3), np.float32)
    with pytest.raises(NotImplementedError, match="bidirectional LSTM"):
        nn.export_onnx(m, x, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()
