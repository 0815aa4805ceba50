"""BatchNorm (train/eval, running stats), LayerNorm and Embedding: formulas, gradients, torch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn import functional as F

RNG = np.random.default_rng(1)


def randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


@pytest.mark.parametrize("cls, shape, axes", [(nn.BatchNorm1d, (8, 3), (0,)),
                                              (nn.BatchNorm1d, (4, 3, 5), (0, 2)),
                                              (nn.BatchNorm2d, (4, 3, 2, 5), (0, 2, 3))])
def test_batchnorm_train_then_eval(cls, shape, axes):
    bn = cls(3, dtype=np.float64)
    bn.weight.data[...] = [1.0, 2.0, 0.5]
    bn.bias.data[...] = [0.0, -1.0, 3.0]
    cshape = [1] * len(shape)
    cshape[1] = 3
    n = int(np.prod([shape[a] for a in axes]))
    rm, rv = np.zeros(3), np.ones(3)
    for _ in range(3):
        x = randn(*shape) * 2 + 1
        y = bn(Tensor(x)).numpy()
        mean, var = x.mean(axis=axes), x.var(axis=axes)  # biased var normalises
        ref = (x - mean.reshape(cshape)) / np.sqrt(var.reshape(cshape) + 1e-5)
        np.testing.assert_allclose(y, ref * bn.weight.numpy().reshape(cshape)
                                   + bn.bias.numpy().reshape(cshape), atol=1e-10)
        rm = 0.9 * rm + 0.1 * mean
        rv = 0.9 * rv + 0.1 * var * n / (n - 1)  # unbiased var in the running estimate
    np.testing.assert_allclose(bn.running_mean.numpy(), rm, atol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), rv, atol=1e-12)
    assert int(bn.num_batches_tracked.numpy()) == 3
    bn.eval()
    x = randn(*shape)
    y = bn(Tensor(x)).numpy()
    ref = (x - rm.reshape(cshape)) / np.sqrt(rv.reshape(cshape) + 1e-5)
    np.testing.assert_allclose(y, ref * bn.weight.numpy().reshape(cshape)
                               + bn.bias.numpy().reshape(cshape), atol=1e-10)
    np.testing.assert_allclose(bn.running_mean.numpy(), rm)  # eval leaves the stats alone
    assert [k for k in bn.state_dict()] == ["weight", "bias", "running_mean", "running_var",
                                            "num_batches_tracked"]
    assert [k for k, _ in bn.named_parameters()] == ["weight", "bias"]


def test_batchnorm_gradcheck_train_and_eval():
    x, w, b = randn(5, 3, 2, 2), randn(3), randn(3)
    ins = [Tensor(x, requires_grad=True), Tensor(w, requires_grad=True),
           Tensor(b, requires_grad=True)]
    assert autograd.gradcheck(lambda a, c, d: F.batch_norm(a, None, None, c, d, True), ins)
    rm, rv = Tensor(randn(3)), Tensor(np.abs(randn(3)) + 0.5)
    assert autograd.gradcheck(lambda a, c, d: F.batch_norm(a, rm, rv, c, d, False), ins)


def test_batchnorm_matches_torch_momentum_none_and_errors():
    torch = pytest.importorskip("torch")
    bn = nn.BatchNorm2d(2, momentum=None)
    tbn = torch.nn.BatchNorm2d(2, momentum=None)
    for _ in range(3):
        x = randn(3, 2, 4, 4).astype(np.float32)
        y, yt = bn(Tensor(x)), tbn(torch.tensor(x))
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), tbn.running_var.numpy(), atol=1e-6)
    np.testing.assert_allclose(bn.running_mean.numpy(), tbn.running_mean.numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(Tensor(randn(1, 3)))
    with pytest.raises(ValueError, match=r"BatchNorm2d: input must be \(N, C, H, W\) with C = 2"):
        bn(Tensor(randn(3, 3, 4, 4).astype(np.float32)))


def test_layernorm_formula_gradcheck_and_torch():
    x = randn(2, 3, 4)
    ln = nn.LayerNorm(4, dtype=np.float64)
    ln.weight.data[...] = randn(4)
    ln.bias.data[...] = randn(4)
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    ref = (x - mean) / np.sqrt(var + 1e-5) * ln.weight.numpy() + ln.bias.numpy()
    np.testing.assert_allclose(ln(Tensor(x)).numpy(), ref, atol=1e-12)
    ins = [Tensor(x, requires_grad=True), Tensor(randn(3, 4), requires_grad=True)]
    assert autograd.gradcheck(lambda a, w: F.layer_norm(a, (3, 4), w, None), ins)
    with pytest.raises(ValueError, match="trailing shape must be"):
        ln(Tensor(randn(2, 5)))
    torch = pytest.importorskip("torch")
    yt = torch.nn.functional.layer_norm(torch.tensor(x), (3, 4))
    np.testing.assert_allclose(F.layer_norm(Tensor(x), (3, 4)).numpy(), yt.numpy(), atol=1e-12)


def test_embedding_lookup_gradient_and_errors():
    autograd.manual_seed(0)
    emb = nn.Embedding(5, 3)
    assert emb.weight.shape == (5, 3) and abs(emb.weight.numpy().std() - 1) < 0.6
    idx = np.array([[0, 2, 2], [4, 0, 1]])
    y = emb(idx)
    np.testing.assert_array_equal(y.numpy(), emb.weight.numpy()[idx])
    y.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy()[:, 0], [2, 1, 2, 0, 1])
    w = Tensor(randn(5, 3), requires_grad=True)
    assert autograd.gradcheck(lambda t: F.embedding(idx, t) ** 2, [w])
    with pytest.raises(IndexError, match="index 5 is out of range for 5 embeddings"):
        emb(np.array([5]))
    with pytest.raises(TypeError, match="indices must be integers"):
        emb(np.array([1.0]))
