"""Losses against direct numpy formulas, their gradients, stability and errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor, gradcheck
from nn import functional as F


def _logits(n=5, c=4, seed=0):
    return Tensor(np.random.default_rng(seed).standard_normal((n, c)), requires_grad=True)


def _np_xent(z, y, s=0.0):
    z = z - z.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    c = z.shape[1]
    t = np.full_like(logp, s / c)
    t[np.arange(len(y)), y] += 1 - s
    return -(t * logp).sum(1)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_matches_formula_and_gradcheck(backend, reduction, smoothing):
    z = _logits()
    y = np.array([0, 3, 1, 1, 2])
    loss = nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing)
    rows = _np_xent(z.data, y, smoothing)
    expect = {"mean": rows.mean(), "sum": rows.sum(), "none": rows}[reduction]
    np.testing.assert_allclose(loss(z, y).data, expect, rtol=1e-10)
    assert gradcheck(lambda z: loss(z, y), [z])


def test_cross_entropy_second_derivative_path():
    z = _logits()
    y = np.array([0, 3, 1, 1, 2])
    assert gradcheck(lambda z: autograd.grad(F.cross_entropy(z, y, label_smoothing=0.1), [z],
                                             create_graph=True)[0], [z])
    gx = autograd.grad(F.cross_entropy(z, y, label_smoothing=0.1), [z], create_graph=True)[0]
    p = np.exp(z.data) / np.exp(z.data).sum(1, keepdims=True)
    t = np.full((5, 4), 0.1 / 4)
    t[np.arange(5), y] += 0.9
    np.testing.assert_allclose(gx.data, (p - t) / 5, rtol=1e-10)


def test_cross_entropy_stable_at_extreme_logits(backend):
    z = Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=np.float32),
               requires_grad=True)
    y = np.array([1, 0])
    loss = F.cross_entropy(z, y)
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(z.grad.data))
    np.testing.assert_allclose(loss.item(), (2e4 + (2e4 + np.log(2))) / 2, rtol=1e-6)


def test_cross_entropy_errors():
    z = _logits()
    with pytest.raises(ValueError, match=r"label 7 is out of range for 4 classes"):
        F.cross_entropy(z, np.array([0, 1, 2, 3, 7]))
    with pytest.raises(ValueError, match=r"label -1 is out of range"):
        F.cross_entropy(z, np.array([0, 1, 2, 3, -1]))
    with pytest.raises(IndexError, match=r"label 4 is out of range"):  # torch's error type
        F.cross_entropy(z, np.array([0, 1, 2, 3, 4]))
    with pytest.raises(RuntimeError, match=r"does not fit a weight"):  # torch's error type
        F.linear(z, autograd.ones(3, 5))
    with pytest.raises(TypeError, match="target must be integer class indices of shape "
                                        r"\(5,\) or float class probabilities"):
        F.cross_entropy(z, np.array([0.0, 1, 2, 3, 1]))
    with pytest.raises(ValueError, match=r"batch size mismatch: 5 rows of scores but 3 "):
        F.cross_entropy(z, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="avg")
    with pytest.raises(ValueError, match=r"expected target of shape \(\)"):
        F.cross_entropy(Tensor(np.zeros(3)), np.array([0]))  # unbatched (C,) takes a 0-d one


def test_nll_loss_matches_and_pairs_with_log_softmax():
    z = _logits()
    y = np.array([0, 3, 1, 1, 2])
    logp = nn.LogSoftmax(axis=1)(z)
    np.testing.assert_allclose(nn.NLLLoss()(logp, y).data, _np_xent(z.data, y).mean(),
                               rtol=1e-10)
    np.testing.assert_allclose(nn.NLLLoss(reduction="none")(logp, y).data,
                               -logp.data[np.arange(5), y])
    assert gradcheck(lambda z: F.nll_loss(z.log_softmax(axis=1), y, reduction="sum"), [z])
    with pytest.raises(ValueError, match="out of range"):
        nn.NLLLoss()(logp, np.array([0, 1, 2, 3, 4]))


def test_regression_losses():
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((6, 2)), requires_grad=True)
    t = rng.standard_normal((6, 2))
    np.testing.assert_allclose(nn.MSELoss()(x, t).data, ((x.data - t) ** 2).mean())
    np.testing.assert_allclose(nn.MSELoss(reduction="sum")(x, t).data, ((x.data - t) ** 2).sum())
    np.testing.assert_allclose(nn.L1Loss()(x, t).data, np.abs(x.data - t).mean())
    np.testing.assert_allclose(nn.L1Loss(reduction="none")(x, t).data, np.abs(x.data - t))
    assert gradcheck(lambda x: F.mse_loss(x, t), [x])
    assert gradcheck(lambda x: F.l1_loss(x, t), [x])
    col = Tensor(rng.standard_normal((6, 1)))
    tgt = rng.standard_normal(6)
    with pytest.warns(UserWarning, match="different to the input size"):  # torch broadcasts
        got = nn.MSELoss(reduction="none")(col, tgt)
    np.testing.assert_allclose(got.data, (col.data - tgt) ** 2, rtol=1e-6)  # (6, 6)
    with pytest.raises(ValueError, match=r"target \(5, 2\) does not match and cannot "
                                         r"broadcast with the input size \(6, 2\)"):
        nn.MSELoss()(x, t[:5])


def test_bce_losses_formula_gradient_and_extremes(backend):
    rng = np.random.default_rng(2)
    z = Tensor(rng.standard_normal(8) * 3, requires_grad=True)
    t = (rng.random(8) > 0.5).astype(float)
    p = 1 / (1 + np.exp(-z.data))
    ref = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(nn.BCEWithLogitsLoss()(z, t).data, ref.mean(), rtol=1e-10)
    np.testing.assert_allclose(nn.BCELoss(reduction="none")(z.sigmoid(), t).data, ref,
                               rtol=1e-8)
    assert gradcheck(lambda z: F.binary_cross_entropy_with_logits(z, t), [z])
    assert gradcheck(lambda z: F.binary_cross_entropy(z.sigmoid(), t), [z])
    big = Tensor(np.array([1e4, -1e4, 1e4, -1e4], np.float32), requires_grad=True)
    tt = np.array([1.0, 0.0, 0.0, 1.0])
    for loss in (nn.BCEWithLogitsLoss()(big, tt), nn.BCELoss()(big.sigmoid(), tt)):
        big.grad = None
        loss.backward()
        assert np.isfinite(loss.item()) and np.all(np.isfinite(big.grad.data))
    np.testing.assert_allclose(nn.BCEWithLogitsLoss(reduction="none")(big, tt).data,
                               [0, 0, 1e4, 1e4])
    np.testing.assert_allclose(nn.BCELoss(reduction="none")(big.sigmoid(), tt).data,
                               [0, 0, 100, 100])  # log clamped at -100, as PyTorch
    with pytest.raises(RuntimeError, match=r"all elements of input should be between 0 and "
                                           "1"):
        nn.BCELoss()(z, t)


def test_hinge_loss():
    x = Tensor(np.array([2.0, 0.5, -0.3, -2.0]), requires_grad=True)
    t = np.array([1.0, 1.0, 1.0, -1.0])
    np.testing.assert_allclose(nn.HingeLoss(reduction="none")(x, t).data, [0, 0.5, 1.3, 0])
    np.testing.assert_allclose(nn.HingeLoss()(x, t).data, 1.8 / 4)
    nn.HingeLoss(reduction="sum")(x, t).backward()
    np.testing.assert_allclose(x.grad.data, [0, -1, -1, 0])
    with pytest.raises(ValueError, match=r"labels must be -1 or \+1"):
        nn.HingeLoss()(x, np.array([1.0, 0.0, 1.0, 1.0]))


def test_losses_against_torch_when_available():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    z = rng.standard_normal((6, 5))
    y = rng.integers(0, 5, 6)
    ours = F.cross_entropy(Tensor(z), y, label_smoothing=0.3).item()
    theirs = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(y),
                                               label_smoothing=0.3).item()
    assert ours == pytest.approx(theirs, rel=1e-12)
    s = rng.standard_normal(6)
    t = (rng.random(6) > 0.5).astype(float)
    ours = F.binary_cross_entropy_with_logits(Tensor(s), t).item()
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(s), torch.tensor(t)).item()
    assert ours == pytest.approx(theirs, rel=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_fused_mse_gradients_both_inputs_and_second_order(reduction):
    rng = np.random.default_rng(4)
    x = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    t = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    assert gradcheck(lambda x, t: F.mse_loss(x, t, reduction=reduction), [x, t])
    assert gradcheck(lambda x, t: autograd.grad(
        F.mse_loss(x, t, reduction=reduction).sum() ** 2, [x], create_graph=True)[0], [x, t])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_class_weights_and_ignore_index(backend, reduction):
    z = _logits(n=6, c=4, seed=3)
    y = np.array([0, 3, -100, 1, 3, 2])
    w = np.array([1.0, 2.0, 0.5, 3.0])
    loss = nn.CrossEntropyLoss(weight=w, reduction=reduction)(z, Tensor(y))
    keep = y != -100
    rows = np.zeros(6)
    rows[keep] = _np_xent(z.data[keep], y[keep]) * w[y[keep]]
    want = {"none": rows, "sum": rows.sum(), "mean": rows.sum() / w[y[keep]].sum()}[reduction]
    np.testing.assert_allclose(loss.data, want, rtol=1e-10)
    assert gradcheck(lambda t: F.cross_entropy(t, y, reduction=reduction, weight=w), [z])
    # ignore_index alone (with smoothing too): ignored rows get no loss and no gradient
    z2 = _logits(n=6, c=4, seed=4)
    out = F.cross_entropy(z2, np.array([1, 7, 7, 0, 2, 3]), label_smoothing=0.1,
                          reduction="sum", ignore_index=7)
    out.backward()
    assert np.all(z2.grad.data[1:3] == 0) and np.any(z2.grad.data[0] != 0)
    np.testing.assert_allclose(out.data, _np_xent(z2.data[[0, 3, 4, 5]],
                                                  np.array([1, 0, 2, 3]), 0.1).sum())


def test_cross_entropy_weights_and_ignore_index_match_torch():
    torch = pytest.importorskip("torch")
    z = np.random.default_rng(5).standard_normal((7, 3))
    y = np.array([2, 0, 1, 1, 5, 0, 5])
    w = np.array([0.3, 1.0, 2.5])
    ours = Tensor(z, requires_grad=True)
    loss = nn.CrossEntropyLoss(weight=w, ignore_index=5)(ours, Tensor(y))
    loss.backward()
    tz = torch.tensor(z, requires_grad=True)
    tl = torch.nn.CrossEntropyLoss(weight=torch.tensor(w), ignore_index=5)(tz, torch.tensor(y))
    tl.backward()
    np.testing.assert_allclose(loss.data, tl.item(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad.data, tz.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_cross_entropy_weight_errors():
    z = _logits(n=3, c=4)
    with pytest.raises(ValueError, match=r"one entry per class, shape \(4,\)"):
        F.cross_entropy(z, [0, 1, 2], weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="out of range"):
        F.cross_entropy(z, [0, 9, 2], ignore_index=-1)
