"""A PyTorch user's habits against torch: losses and activations in their functional and
Module spellings, module bookkeeping (names, state_dict, train/eval, freezing, hooks),
nn.init's formulas and nn.utils' gradient clipping."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from torch_oracle import Case, check, ids, needs_torch, torch

import autograd
import nn
from autograd import Tensor, gradcheck


def NN(m):
    """torch.nn or numbagrad's nn, for the library ``m`` of a Case."""
    return nn if m is autograd else m.nn


def F(m):
    return NN(m).functional


def W(m, a, like):
    """An extra tensor argument (a class weight, pos_weight) in the library ``m``, of the
    dtype of the tensor ``like``."""
    if m is autograd:
        return Tensor(a.astype(like.dtype))
    return torch.tensor(a, dtype=like.dtype)


rng = np.random.default_rng(7)
LOGITS = rng.standard_normal((6, 4))
LABELS = np.array([0, 3, 1, 1, 2, 0])
LABELS_IGN = np.array([0, -100, 1, 2, 2, -100])
LABELS_7 = np.array([0, 7, 1, 7, 2, 3])
PROBS = rng.dirichlet(np.ones(4), size=6)
CW = np.array([0.5, 2.0, 1.0, 1.5])
PRED = rng.standard_normal((5, 3))
TGT = rng.standard_normal((5, 3))
P01 = 1 / (1 + np.exp(-PRED))
Y01 = (rng.random((5, 3)) > 0.5).astype(np.float64)
POSW = np.array([1.0, 3.0, 0.5])
IMG_LOGITS = rng.standard_normal((2, 3, 2, 2))
IMG_LABELS = np.array([[[0, 2], [1, 1]], [[2, 0], [0, 1]]])


def _both(a64):
    """(float64, float32) versions of an array, for cases run in both precisions."""
    return [("f64", a64), ("f32", a64.astype(np.float32))]


LOSSES = []
for tag, lg in _both(LOGITS):
    tol = dict(rtol=1e-5, atol=1e-6) if tag == "f32" else {}
    LOSSES += [
        Case(f"F.cross_entropy-{tag}", lambda m, x, y: F(m).cross_entropy(x, y), [lg, LABELS],
             **tol),
        Case(f"CrossEntropyLoss-{tag}", lambda m, x, y: NN(m).CrossEntropyLoss()(x, y),
             [lg, LABELS], **tol),
        Case(f"CrossEntropyLoss-sum-{tag}",
             lambda m, x, y: NN(m).CrossEntropyLoss(reduction="sum")(x, y), [lg, LABELS], **tol),
        Case(f"CrossEntropyLoss-none-{tag}",
             lambda m, x, y: NN(m).CrossEntropyLoss(reduction="none")(x, y), [lg, LABELS],
             **tol),
        Case(f"CrossEntropyLoss-weight-{tag}",
             lambda m, x, y: NN(m).CrossEntropyLoss(weight=W(m, CW, x))(x, y), [lg, LABELS],
             **tol),
        Case(f"F.cross_entropy-weight-ignore-smoothing-{tag}",
             lambda m, x, y: F(m).cross_entropy(x, y, weight=W(m, CW, x), label_smoothing=0.1),
             [lg, LABELS_IGN], **tol),
        Case(f"NLLLoss-weight-{tag}",
             lambda m, x, y: NN(m).NLLLoss(weight=W(m, CW, x))(F(m).log_softmax(x, 1), y),
             [lg, LABELS_IGN], **tol),
        Case(f"CrossEntropyLoss-ignore-{tag}",
             lambda m, x, y: NN(m).CrossEntropyLoss(ignore_index=-100)(x, y), [lg, LABELS_IGN],
             **tol),
        Case(f"CrossEntropyLoss-ignore7-{tag}",
             lambda m, x, y: NN(m).CrossEntropyLoss(ignore_index=7)(x, y), [lg, LABELS_7],
             **tol),
        Case(f"CrossEntropyLoss-smoothing-{tag}",
             lambda m, x, y: NN(m).CrossEntropyLoss(label_smoothing=0.1)(x, y), [lg, LABELS],
             **tol),
        Case(f"F.cross_entropy-smoothing-ignore-{tag}",
             lambda m, x, y: F(m).cross_entropy(x, y, ignore_index=-100, label_smoothing=0.2),
             [lg, LABELS_IGN], **tol),
        Case(f"F.cross_entropy-probs-{tag}", lambda m, x, p: F(m).cross_entropy(x, p),
             [lg, PROBS.astype(lg.dtype)], no_grad_inputs=(1,), **tol),
        Case(f"F.cross_entropy-probs-smoothing-{tag}",
             lambda m, x, p: F(m).cross_entropy(x, p, label_smoothing=0.1),
             [lg, PROBS.astype(lg.dtype)], no_grad_inputs=(1,), **tol),
        Case(f"F.nll_loss-log_softmax-{tag}",
             lambda m, x, y: F(m).nll_loss(F(m).log_softmax(x, dim=1), y), [lg, LABELS], **tol),
        Case(f"NLLLoss-LogSoftmax-{tag}",
             lambda m, x, y: NN(m).NLLLoss(reduction="sum")(NN(m).LogSoftmax(dim=-1)(x), y),
             [lg, LABELS], **tol),
        Case(f"NLLLoss-ignore-{tag}",
             lambda m, x, y: NN(m).NLLLoss(ignore_index=-100)(x.log_softmax(1), y),
             [lg, LABELS_IGN], **tol),
    ]
for tag, a in _both(PRED):
    t, p01, y01 = TGT.astype(a.dtype), P01.astype(a.dtype), Y01.astype(a.dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if tag == "f32" else {}
    LOSSES += [
        Case(f"MSELoss-{tag}", lambda m, x, y: NN(m).MSELoss()(x, y), [a, t], **tol),
        Case(f"F.mse_loss-sum-{tag}", lambda m, x, y: F(m).mse_loss(x, y, reduction="sum"),
             [a, t], **tol),
        Case(f"MSELoss-none-{tag}", lambda m, x, y: NN(m).MSELoss(reduction="none")(x, y),
             [a, t], **tol),
        Case(f"L1Loss-{tag}", lambda m, x, y: NN(m).L1Loss()(x, y), [a, t], **tol),
        Case(f"SmoothL1Loss-beta-{tag}", lambda m, x, y: NN(m).SmoothL1Loss(beta=0.5)(x, y),
             [a, t], **tol),
        Case(f"F.smooth_l1_loss-{tag}", lambda m, x, y: F(m).smooth_l1_loss(x, y, beta=2.0),
             [a, t], **tol),
        Case(f"HuberLoss-delta-{tag}", lambda m, x, y: NN(m).HuberLoss(delta=0.7)(x, y),
             [a, t], **tol),
        Case(f"F.huber_loss-sum-{tag}",
             lambda m, x, y: F(m).huber_loss(x, y, reduction="sum", delta=1.5), [a, t], **tol),
        Case(f"BCELoss-{tag}", lambda m, x, y: NN(m).BCELoss()(x, y), [p01, y01],
             no_grad_inputs=(1,), **tol),
        Case(f"BCELoss-sigmoid-{tag}", lambda m, x, y: NN(m).BCELoss()(m.sigmoid(x), y),
             [a, y01], no_grad_inputs=(1,), **tol),
        Case(f"F.binary_cross_entropy-weight-{tag}",
             lambda m, x, y: F(m).binary_cross_entropy(x, y, weight=W(m, POSW, x)),
             [p01, y01], no_grad_inputs=(1,), **tol),
        Case(f"BCEWithLogitsLoss-{tag}", lambda m, x, y: NN(m).BCEWithLogitsLoss()(x, y),
             [a, y01], no_grad_inputs=(1,), **tol),
        Case(f"BCEWithLogitsLoss-pos_weight-{tag}",
             lambda m, x, y: NN(m).BCEWithLogitsLoss(pos_weight=W(m, POSW, x))(x, y),
             [a, y01], no_grad_inputs=(1,), **tol),
        Case(f"F.bce_with_logits-none-{tag}",
             lambda m, x, y: F(m).binary_cross_entropy_with_logits(x, y, reduction="none"),
             [a, y01], no_grad_inputs=(1,), **tol),
        Case(f"KLDivLoss-batchmean-{tag}",
             lambda m, x, y: NN(m).KLDivLoss(reduction="batchmean")(F(m).log_softmax(x, dim=1),
                                                                    F(m).softmax(y, dim=1)),
             [a, t], **tol),
        Case(f"KLDivLoss-log_target-{tag}",
             lambda m, x, y: NN(m).KLDivLoss(reduction="sum", log_target=True)(
                 x.log_softmax(-1), y.log_softmax(-1)), [a, t], **tol),
    ]
LOSSES += [
    Case("CrossEntropyLoss-2d", lambda m, x, y: NN(m).CrossEntropyLoss()(x, y),
         [IMG_LOGITS, IMG_LABELS]),
    Case("CrossEntropyLoss-unbatched", lambda m, x, y: NN(m).CrossEntropyLoss()(x, y),
         [LOGITS[0], np.array(2)]),
    Case("MarginRankingLoss", lambda m, a, b, y: NN(m).MarginRankingLoss(margin=0.3)(a, b, y),
         [PRED[:, 0], TGT[:, 0], np.array([1.0, -1.0, 1.0, 1.0, -1.0])], no_grad_inputs=(2,)),
    Case("CosineEmbeddingLoss", lambda m, a, b, y: NN(m).CosineEmbeddingLoss(0.2)(a, b, y),
         [PRED, TGT, np.array([1.0, -1.0, 1.0, -1.0, 1.0])], no_grad_inputs=(2,)),
    Case("MSELoss-broadcast-target-f64", lambda m, x, y: F(m).mse_loss(x, y),
         [PRED, TGT[:1]], grad=False),
]


@needs_torch
@pytest.mark.filterwarnings("ignore::UserWarning")  # torch warns on broadcasting targets
@pytest.mark.parametrize("case", LOSSES, ids=ids(LOSSES))
def test_losses(case):
    check(case)


X = np.array([[-2.3, -0.7, -0.2, 0.4], [0.9, 1.7, 2.6, 7.3]])
ACTIVATIONS = [
    ("ReLU", lambda n: n.ReLU(), lambda f, x: f.relu(x)),
    ("ReLU6", lambda n: n.ReLU6(), lambda f, x: f.relu6(x)),
    ("LeakyReLU", lambda n: n.LeakyReLU(negative_slope=0.1), lambda f, x: f.leaky_relu(x, 0.1)),
    ("ELU", lambda n: n.ELU(alpha=0.5), lambda f, x: f.elu(x, alpha=0.5)),
    ("GELU", lambda n: n.GELU(), lambda f, x: f.gelu(x)),
    ("GELU-tanh", lambda n: n.GELU(approximate="tanh"),
     lambda f, x: f.gelu(x, approximate="tanh")),
    ("SiLU", lambda n: n.SiLU(), lambda f, x: f.silu(x)),
    ("Mish", lambda n: n.Mish(), lambda f, x: f.mish(x)),
    ("Sigmoid", lambda n: n.Sigmoid(), lambda f, x: f.sigmoid(x)),
    ("Tanh", lambda n: n.Tanh(), lambda f, x: f.tanh(x)),
    ("Softplus", lambda n: n.Softplus(beta=2, threshold=10),
     lambda f, x: f.softplus(x, beta=2, threshold=10)),
    ("Hardtanh", lambda n: n.Hardtanh(-1.5, 1.5), lambda f, x: f.hardtanh(x, -1.5, 1.5)),
    ("Hardswish", lambda n: n.Hardswish(), lambda f, x: f.hardswish(x)),
    ("Hardsigmoid", lambda n: n.Hardsigmoid(), lambda f, x: f.hardsigmoid(x)),
    ("SELU", lambda n: n.SELU(), lambda f, x: f.selu(x)),
    ("CELU", lambda n: n.CELU(alpha=2.0), lambda f, x: f.celu(x, alpha=2.0)),
    ("LogSigmoid", lambda n: n.LogSigmoid(), lambda f, x: f.logsigmoid(x)),
    ("Softsign", lambda n: n.Softsign(), lambda f, x: f.softsign(x)),
    ("Threshold", lambda n: n.Threshold(0.5, -1.0), lambda f, x: f.threshold(x, 0.5, -1.0)),
    ("Softmax-dim1", lambda n: n.Softmax(dim=1), lambda f, x: f.softmax(x, dim=1)),
    ("Softmax-dim0", lambda n: n.Softmax(dim=0), lambda f, x: f.softmax(x, dim=0)),
    ("Softmax-neg", lambda n: n.Softmax(dim=-1), lambda f, x: f.softmax(x, -1)),
    ("LogSoftmax-dim1", lambda n: n.LogSoftmax(dim=1), lambda f, x: f.log_softmax(x, dim=1)),
    ("Softmin", lambda n: n.Softmin(dim=1), lambda f, x: f.softmin(x, dim=1)),
    ("GLU", lambda n: n.GLU(), lambda f, x: f.glu(x)),
    ("GLU-dim0", lambda n: n.GLU(dim=0), lambda f, x: f.glu(x, dim=0)),
]
ACT_CASES = []
for name, mod, fn in ACTIVATIONS:
    for tag, a in _both(X):
        tol = dict(rtol=1e-5, atol=1e-6) if tag == "f32" else {}
        ACT_CASES.append(Case(f"{name}-module-{tag}", lambda m, x, mod=mod: mod(NN(m))(x), [a],
                              **tol))
        ACT_CASES.append(Case(f"{name}-functional-{tag}", lambda m, x, fn=fn: fn(F(m), x), [a],
                              **tol))
ACT_CASES += [
    Case("tensor.relu", lambda m, x: x.relu(), [X]),
    Case("tensor.softmax", lambda m, x: x.softmax(dim=-1), [X]),
    Case("tensor.log_softmax", lambda m, x: x.log_softmax(1), [X]),
    Case("torch.sigmoid", lambda m, x: m.sigmoid(x), [X]),
    Case("torch.softmax", lambda m, x: m.softmax(x, dim=0), [X]),
    Case("F.softmax-dtype", lambda m, x: F(m).softmax(x, dim=1, dtype=m.float64),
         [X.astype(np.float32)]),
    Case("Sequential-MLP", lambda m, x: _mlp(m)(x), [X]),
    Case("PReLU", lambda m, x: _prelu(m)(x), [X.astype(np.float32)]),
]


def _mlp(m):
    """A fixed-weight MLP in either library (Sequential of Linear + activations)."""
    n = NN(m)
    net = n.Sequential(n.Linear(4, 3), n.ReLU(), n.Linear(3, 2), n.Tanh()).double()
    w = {"0.weight": np.linspace(-1, 1, 12).reshape(3, 4), "0.bias": np.array([0.1, -0.2, 0.3]),
         "2.weight": np.linspace(1, -1, 6).reshape(2, 3), "2.bias": np.array([0.05, -0.05])}
    net.load_state_dict({k: (Tensor(v) if m is autograd else torch.tensor(v))
                         for k, v in w.items()})
    return net


def _prelu(m):
    p = NN(m).PReLU(num_parameters=1, init=0.3)
    return p


@needs_torch
@pytest.mark.parametrize("case", ACT_CASES, ids=ids(ACT_CASES))
def test_activations(case):
    check(case)


def test_activation_kwargs_and_errors():
    with pytest.raises((TypeError, ValueError), match="dim"):
        nn.Softmax(dim=1, axis=0)
    assert nn.Softmax(axis=1).dim == 1
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)


@given(st.integers(0, 10_000))
def test_loss_gradcheck_noncontiguous(backend, seed):
    r = np.random.default_rng(seed)
    x = Tensor(r.standard_normal((4, 3)), requires_grad=True)
    y = Tensor(r.standard_normal((3, 4)))

    def fn(x):
        xt = x.T  # a transposed (non-contiguous) view
        return (nn.functional.smooth_l1_loss(xt, y, beta=0.5)
                + nn.functional.cross_entropy(xt, Tensor(np.array([0, 1, 2])))
                + nn.functional.binary_cross_entropy_with_logits(xt, (y > 0).double()))
    assert gradcheck(fn, (x,), atol=1e-5, rtol=1e-4)


# ------------------------------------------------------------------ more losses, dtypes
SIGNS = np.sign(TGT) + (TGT == 0)
MORE_LOSSES = []
for tag, a in _both(PRED):
    t = TGT.astype(a.dtype)
    s, y01 = SIGNS.astype(a.dtype), Y01.astype(a.dtype)
    var = (np.abs(TGT) + 0.1).astype(a.dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if tag == "f32" else {}
    MORE_LOSSES += [
        Case(f"SoftMarginLoss-{tag}", lambda m, x, y: NN(m).SoftMarginLoss()(x, y), [a, s],
             no_grad_inputs=(1,), **tol),
        Case(f"HingeEmbeddingLoss-{tag}",
             lambda m, x, y: NN(m).HingeEmbeddingLoss(margin=0.5)(x, y), [a, s],
             no_grad_inputs=(1,), **tol),
        Case(f"MultiLabelSoftMarginLoss-{tag}",
             lambda m, x, y: NN(m).MultiLabelSoftMarginLoss(weight=W(m, POSW, x))(x, y),
             [a, y01], no_grad_inputs=(1,), **tol),
        Case(f"MultiMarginLoss-{tag}", lambda m, x, y: NN(m).MultiMarginLoss()(x, y),
             [a, LABELS[:5] % 3], **tol),
        Case(f"MultiMarginLoss-p2-weight-{tag}",
             lambda m, x, y: NN(m).MultiMarginLoss(p=2, margin=0.7, weight=W(m, POSW, x),
                                                   reduction="none")(x, y),
             [a, LABELS[:5] % 3], **tol),
        Case(f"TripletMarginLoss-{tag}",
             lambda m, x, y, z: NN(m).TripletMarginLoss(margin=1.5)(x, y, z),
             [a, t, a[::-1].copy()], **tol),
        Case(f"F.triplet_margin_loss-swap-p1-{tag}",
             lambda m, x, y, z: F(m).triplet_margin_loss(x, y, z, p=1, swap=True,
                                                         reduction="sum"),
             [a, t, a[::-1].copy()], **tol),
        Case(f"GaussianNLLLoss-{tag}", lambda m, x, y, v: NN(m).GaussianNLLLoss()(x, y, v),
             [a, t, var], **tol),
        Case(f"GaussianNLLLoss-full-sum-{tag}",
             lambda m, x, y, v: NN(m).GaussianNLLLoss(full=True, reduction="sum")(x, y, v),
             [a, t, var[:, :1].copy()], **tol),
        Case(f"F.gaussian_nll_loss-var-1d-clamped-{tag}",
             lambda m, x, y, v: F(m).gaussian_nll_loss(x, y, v, eps=0.5), [a, t, var[:, 0]],
             **tol),
        Case(f"PoissonNLLLoss-{tag}", lambda m, x, y: NN(m).PoissonNLLLoss()(x, y),
             [a, np.abs(t)], **tol),
        Case(f"PoissonNLLLoss-rates-full-{tag}",
             lambda m, x, y: NN(m).PoissonNLLLoss(log_input=False, full=True)(x, y),
             [np.abs(a) + 0.1, np.abs(t) * 3], **tol),
    ]
MORE_LOSSES += [
    # a float32 prediction against a float64 target (torch.tensor(numpy) is float64)
    Case("mse-f32-f64", lambda m, x, y: F(m).mse_loss(x, y), [PRED.astype(np.float32), TGT]),
    Case("MSELoss-f64-f32", lambda m, x, y: NN(m).MSELoss()(x, y),
         [PRED, TGT.astype(np.float32)]),
    Case("l1-f32-f64", lambda m, x, y: F(m).l1_loss(x, y), [PRED.astype(np.float32), TGT]),
    Case("smooth_l1-f32-f64", lambda m, x, y: F(m).smooth_l1_loss(x, y),
         [PRED.astype(np.float32), TGT]),
    Case("kl_div-f32-f64", lambda m, x, y: F(m).kl_div(x, y, reduction="batchmean"),
         [PRED.astype(np.float32), np.abs(TGT)]),
    Case("bce_with_logits-f32-f64", lambda m, x, y: F(m).binary_cross_entropy_with_logits(x, y),
         [PRED.astype(np.float32), Y01], no_grad_inputs=(1,)),
    Case("huber-f32-f64-value", lambda m, x, y: F(m).huber_loss(x, y),
         [PRED.astype(np.float32), TGT], grad=False),
    # probabilities exactly at 0 and 1: torch's clamped logs and its finite gradient
    Case("BCELoss-saturated", lambda m, x, y: NN(m).BCELoss(reduction="none")(x, y),
         [np.array([0.0, 1.0, 1e-20, 1 - 1e-16, 0.5]), np.array([0.0, 1.0, 1.0, 0.0, 1.0])],
         no_grad_inputs=(1,)),
    Case("BCELoss-soft-target-grad", lambda m, x, y: F(m).binary_cross_entropy(x, y),
         [P01, 1 / (1 + np.exp(-TGT))]),
    Case("softmax-implicit-dim-2d", lambda m, x: NN(m).Softmax()(x), [PRED]),
    Case("softmax-implicit-dim-3d", lambda m, x: F(m).softmax(x), [IMG_LOGITS[0]]),
    Case("log_softmax-implicit-dim-1d", lambda m, x: NN(m).LogSoftmax()(x), [PRED[0]]),
    Case("Softmax2d", lambda m, x: NN(m).Softmax2d()(x), [IMG_LOGITS]),
]


@needs_torch
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", MORE_LOSSES, ids=ids(MORE_LOSSES))
def test_more_losses(case):
    check(case)


def test_loss_dtype_errors():
    p = Tensor(np.full(3, 0.5, np.float32), requires_grad=True)
    with pytest.raises(RuntimeError, match="dtype"):
        nn.functional.binary_cross_entropy(p, Tensor(np.ones(3)))  # float64 target
    with pytest.raises(ValueError, match="p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="margin"):
        nn.TripletMarginLoss(margin=0)
    with pytest.raises(ValueError, match="negative"):
        nn.GaussianNLLLoss()(p, Tensor(np.ones(3, np.float32)), Tensor(-np.ones(3, np.float32)))
    with pytest.raises(ValueError, match="var of shape"):
        nn.functional.gaussian_nll_loss(Tensor(np.ones((2, 3))), Tensor(np.ones((2, 3))),
                                        Tensor(np.ones((3, 2))))
    with pytest.raises(ValueError, match="Softmax2d"):
        nn.Softmax2d()(Tensor(np.ones((2, 3))))


@given(st.integers(0, 10_000))
def test_new_losses_gradcheck(backend, seed):
    r = np.random.default_rng(seed)
    x = Tensor(r.standard_normal((3, 4)), requires_grad=True)
    p = Tensor(r.uniform(0.1, 0.9, (4, 3)), requires_grad=True)
    t = Tensor(r.uniform(0.1, 0.9, (4, 3)), requires_grad=True)
    v = Tensor(r.uniform(0.5, 2.0, (4, 3)), requires_grad=True)
    s = Tensor(np.sign(r.standard_normal((4, 3))))
    y = Tensor(np.array([0, 2, 1, 2]))

    def fn(x, p, t, v):
        xt = x.T  # non-contiguous
        f = nn.functional
        return (f.binary_cross_entropy(p, t) + f.soft_margin_loss(xt, s)
                + f.multilabel_soft_margin_loss(xt, t) + f.multi_margin_loss(xt, y, p=2)
                + f.triplet_margin_loss(xt, p, t) + f.gaussian_nll_loss(xt, t, v)
                + f.poisson_nll_loss(xt, t) + f.hinge_embedding_loss(v, s))
    assert gradcheck(fn, (x, p, t, v), atol=1e-5, rtol=1e-4)


# ------------------------------------------------------------------ module bookkeeping
class _Lib:
    def __init__(self, torch_side):
        self.t = torch_side
        self.nn = torch.nn if torch_side else nn
        self.m = torch if torch_side else autograd

    def zeros(self, *shape):
        return torch.zeros(*shape) if self.t else Tensor(np.zeros(shape, np.float32))

    def arr(self, x):
        return x.detach().numpy() if self.t else x.data


def _net(L):
    class Net(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = L.nn.Linear(4, 6)
            self.bn = L.nn.BatchNorm1d(6)
            self.blocks = L.nn.ModuleList([L.nn.Linear(6, 6) for _ in range(2)])
            self.head = L.nn.Sequential(L.nn.ReLU(), L.nn.Dropout(0.2), L.nn.Linear(6, 3))
            self.scale = L.nn.Parameter(L.m.ones(1))
            self.register_buffer("steps", L.zeros(1))
            self.register_buffer("cache", L.zeros(2), persistent=False)
            self.tied = self.blocks[0]  # a module held under two names

        def forward(self, x):
            x = self.bn(self.embed(x))
            for b in self.blocks:
                x = b(x).tanh()
            return self.head(x) * self.scale

    return Net()


@needs_torch
def test_module_names_state_dict_and_counts():
    ours, theirs = _net(_Lib(False)), _net(_Lib(True))
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())  # order, buffers, tied names
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 11
    assert (sum(p.numel() for p in ours.parameters())
            == sum(p.numel() for p in theirs.parameters()) == 148)
    assert (list(ours.state_dict(prefix="model.")) == list(theirs.state_dict(prefix="model.")))
    assert [n for n, _ in ours.head.named_parameters(prefix="head")] == ["head.2.weight",
                                                                        "head.2.bias"]
    assert isinstance(ours.state_dict(keep_vars=True)["scale"], nn.Parameter)
    assert [n for n, _ in ours.named_parameters(recurse=False)] == ["scale"]
    # weights copied from torch through the state_dict make the outputs agree
    theirs.eval()
    ours.eval()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_state_dict_shares_memory_and_deepcopy_snapshots():
    import copy
    net = _net(_Lib(False))
    sd = net.state_dict()
    snap = copy.deepcopy(net.state_dict())
    net.embed.weight.data[0, 0] = 7.0
    assert sd["embed.weight"].data[0, 0] == 7.0  # as torch: a view of the parameter
    assert snap["embed.weight"].data[0, 0] != 7.0
    assert not sd["embed.weight"].requires_grad
    net.load_state_dict(snap)
    assert net.embed.weight.data[0, 0] == snap["embed.weight"].data[0, 0]


def test_load_state_dict_errors_are_runtime_errors():
    net = _net(_Lib(False))
    sd = dict(net.state_dict())
    del sd["scale"]
    sd["extra"] = Tensor(np.zeros(1))
    with pytest.raises(RuntimeError, match=r"(?s)Missing key\(s\).*'scale'.*Unexpected"):
        net.load_state_dict(sd)
    res = net.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["scale"] and res.unexpected_keys == ["extra"]
    bad = dict(net.state_dict(), scale=Tensor(np.ones(2)))
    with pytest.raises(RuntimeError, match="size mismatch for 'scale'"):
        net.load_state_dict(bad, strict=False)
    assert "cache" not in net.state_dict() and "cache" in dict(net.named_buffers())


@needs_torch
def test_train_eval_zero_grad_and_freezing():
    for L in (_Lib(False), _Lib(True)):
        net = _net(L)
        assert net.training and net.head[1].training
        assert net.eval() is net and not net.head[1].training and not net.bn.training
        net.train()
        assert net.bn.training
        net.train(False)
        assert not net.training
        net.train()
        x = L.m.ones(3, 4) if L.t else Tensor(np.ones((3, 4), np.float32))
        net(x).sum().backward()
        assert net.embed.weight.grad is not None
        net.zero_grad()
        assert all(p.grad is None for p in net.parameters())
        net.embed.requires_grad_(False)
        trainable = [n for n, p in net.named_parameters() if p.requires_grad]
        assert trainable[:2] == ["scale", "bn.weight"]  # own parameters come first
        net(x).sum().backward()
        assert net.embed.weight.grad is None and net.bn.weight.grad is not None
        with L.m.no_grad():
            out = net.eval()(x)
        assert not out.requires_grad
        assert net.requires_grad_(True) is net


@needs_torch
def test_hooks_match_torch():
    def run(L):
        net = L.nn.Sequential(L.nn.Linear(3, 4), L.nn.Tanh(), L.nn.Linear(4, 2)).double()
        net.load_state_dict({k: (torch.tensor(v) if L.t else Tensor(v)) for k, v in {
            "0.weight": np.linspace(-1, 1, 12).reshape(4, 3), "0.bias": np.zeros(4),
            "2.weight": np.linspace(1, -1, 8).reshape(2, 4), "2.bias": np.ones(2)}.items()})
        log = []
        h1 = net[0].register_forward_pre_hook(lambda m, a: log.append(("pre", len(a))))
        net[0].register_forward_hook(lambda m, a, o: log.append(("fwd", L.arr(o).sum())))
        net[2].register_forward_hook(lambda m, a, o: o * 2)  # replaces the output
        net[2].register_full_backward_hook(
            lambda m, gi, go: log.append(("bwd", L.arr(gi[0]).sum(), L.arr(go[0]).sum())))
        net[0].register_full_backward_hook(lambda m, gi, go: log.append(("bwd0", gi[0])))
        net[2].register_full_backward_pre_hook(lambda m, go: log.append(("bpre", len(go))))
        x = np.array([[0.1, -0.2, 0.3], [0.5, 0.4, -0.6]])
        xt = torch.tensor(x) if L.t else Tensor(x)
        out = net(xt)
        out.sum().backward()
        h1.remove()
        net(xt)
        log.append(("out", L.arr(out).sum()))
        return log

    ours, theirs = run(_Lib(False)), run(_Lib(True))
    assert [e[0] for e in ours] == [e[0] for e in theirs]
    for a, b in zip(ours, theirs):
        for u, v in zip(a[1:], b[1:]):
            if u is None or v is None:
                assert u is None and v is None, (a, b)
            else:
                np.testing.assert_allclose(u, v, rtol=1e-12)


def test_backward_hook_replaces_grad_input():
    lin = nn.Linear(2, 2)
    x = Tensor(np.ones((1, 2), np.float32), requires_grad=True)
    lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    lin(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((1, 2)))
    with pytest.raises(TypeError, match="callable"):
        lin.register_full_backward_hook(3)


@needs_torch
def test_containers_match_torch():
    _containers(_Lib(False))
    _containers(_Lib(True))


def _containers(L):
    N = L.nn
    seq = N.Sequential(N.Linear(2, 3), N.ReLU(), N.Linear(3, 1))
    assert len(seq) == 3 and type(seq[-1]).__name__ == "Linear"
    assert [n for n, _ in seq[1:].named_parameters()] == ["2.weight", "2.bias"]
    seq.append(N.Sigmoid())
    seq.insert(0, N.Identity())
    assert [type(m).__name__ for m in seq] == ["Identity", "Linear", "ReLU", "Linear",
                                               "Sigmoid"]
    del seq[0]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2", "3"]
    from collections import OrderedDict
    named = N.Sequential(OrderedDict([("fc", N.Linear(2, 2)), ("act", N.Tanh())]))
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]
    assert type(named.fc).__name__ == "Linear"
    stack = N.Sequential(*[N.Linear(2, 2) for _ in range(3)])
    assert len(list(stack.parameters())) == 6
    pl = N.ParameterList([N.Parameter(L.zeros(2)), N.Parameter(L.zeros(3))])
    pl.append(N.Parameter(L.zeros(1)))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    assert tuple(pl[1].shape) == (3,) and len(pl) == 3
    pd = N.ParameterDict({"a": N.Parameter(L.zeros(2))})
    pd["b"] = N.Parameter(L.zeros(1))
    assert [n for n, _ in pd.named_parameters()] == ["a", "b"] and "b" in pd
    md = N.ModuleDict({"enc": N.Linear(2, 2), "dec": N.Linear(2, 2)})
    assert list(md.keys()) == ["enc", "dec"]
    assert [n for n, _ in md.named_parameters()][:2] == ["enc.weight", "enc.bias"]

    class WithLists(N.Module):
        def __init__(self):
            super().__init__()
            self.ws = N.ParameterList([N.Parameter(L.zeros(2)) for _ in range(2)])
            self.layers = N.ModuleList([N.Linear(2, 2)])

    assert list(WithLists().state_dict()) == ["ws.0", "ws.1", "layers.0.weight",
                                              "layers.0.bias"]


# ------------------------------------------------------------------ nn.init
@needs_torch
@pytest.mark.parametrize("shape", [(30, 20), (16, 8, 3, 3), (10, 6, 5)])
def test_init_fans_and_gains_match_torch(shape):
    t = Tensor(np.zeros(shape))
    tt = torch.zeros(shape)
    assert nn.init._calculate_fan_in_and_fan_out(t) == \
        torch.nn.init._calculate_fan_in_and_fan_out(tt)
    for name, param in [("linear", None), ("relu", None), ("tanh", None), ("sigmoid", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None),
                        ("conv2d", None), ("conv_transpose2d", None)]:
        assert nn.init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)
    with pytest.raises(ValueError):
        nn.init.calculate_gain("swish")


def _stats(fn, shape, n=20):
    t = Tensor(np.zeros(shape))
    vals = np.concatenate([fn(t).data.ravel().copy() for _ in range(n)])
    return vals


@pytest.mark.parametrize("shape", [(64, 32), (16, 8, 3, 3)])
def test_init_statistics_follow_torch_formulas(shape):
    autograd.manual_seed(0)
    fan_in = shape[1] * int(np.prod(shape[2:]))
    fan_out = shape[0] * int(np.prod(shape[2:]))
    a = math.sqrt(6 / (fan_in + fan_out))
    v = _stats(nn.init.xavier_uniform_, shape)
    assert v.max() <= a and v.min() >= -a and abs(v.std() - a / math.sqrt(3)) < 0.02 * a
    v = _stats(lambda t: nn.init.xavier_normal_(t, gain=2.0), shape)
    assert abs(v.std() - 2 * math.sqrt(2 / (fan_in + fan_out))) < 0.03 * v.std()
    v = _stats(lambda t: nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), shape)
    assert abs(v.std() - math.sqrt(2 / fan_out)) < 0.03 * v.std()
    bound = math.sqrt(6 / ((1 + 5) * fan_in))  # nn.Linear's default: a = sqrt(5)
    v = _stats(lambda t: nn.init.kaiming_uniform_(t, a=math.sqrt(5)), shape)
    assert v.max() <= bound and v.max() > 0.95 * bound
    v = _stats(lambda t: nn.init.trunc_normal_(t, mean=0.5, std=1.0, a=-1.0, b=1.0), shape)
    assert v.min() >= -1.0 and v.max() <= 1.0 and abs(v.mean() - 0.5) > 0.2
    v = _stats(lambda t: nn.init.uniform_(t, -0.3, 0.1), shape, n=2)
    assert v.min() >= -0.3 and v.max() <= 0.1
    v = _stats(lambda t: nn.init.normal_(t, mean=1.0, std=0.02), shape)
    assert abs(v.mean() - 1.0) < 1e-3 and abs(v.std() - 0.02) < 1e-3


@needs_torch
def test_init_deterministic_fills_match_torch():
    for name, args in [("zeros_", ()), ("ones_", ()), ("constant_", (0.3,)), ("eye_", ())]:
        t, tt = Tensor(np.full((3, 4), 9.0)), torch.full((3, 4), 9.0, dtype=torch.float64)
        out = getattr(nn.init, name)(t, *args)
        getattr(torch.nn.init, name)(tt, *args)
        assert out is t
        np.testing.assert_array_equal(t.data, tt.numpy())
    nn.init.constant_(t, val=2.0)
    assert (t.data == 2.0).all()
    for shape, groups in [((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((2, 2, 1, 3, 3), 1)]:
        t, tt = Tensor(np.ones(shape)), torch.ones(shape, dtype=torch.float64)
        nn.init.dirac_(t, groups)
        torch.nn.init.dirac_(tt, groups)
        np.testing.assert_array_equal(t.data, tt.numpy())
    w = nn.Linear(3, 5).weight
    assert nn.init.zeros_(w) is w and w.requires_grad  # init keeps the Parameter


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (8, 2, 3)])
def test_orthogonal_and_sparse(shape):
    t = Tensor(np.zeros(shape))
    nn.init.orthogonal_(t, gain=2.0)
    m = t.data.reshape(shape[0], -1)
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, 4.0 * np.eye(gram.shape[0]), atol=1e-10)
    s = Tensor(np.ones((10, 5)))
    nn.init.sparse_(s, sparsity=0.3, std=0.01)
    assert ((s.data == 0).sum(axis=0) == 3).all()
    with pytest.raises(ValueError, match="2 dimensions"):
        nn.init.sparse_(Tensor(np.ones(3)), 0.1)
    with pytest.raises(ValueError, match="2 or more"):
        nn.init.orthogonal_(Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="at least 2 dims"):
        nn.init.xavier_uniform_(Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="fan_in"):
        nn.init.kaiming_normal_(Tensor(np.ones((2, 2))), mode="fan_avg")


def test_init_seeded_reproducible_and_generator():
    autograd.manual_seed(5)
    a = nn.init.kaiming_normal_(Tensor(np.zeros((4, 4)))).data.copy()
    autograd.manual_seed(5)
    b = nn.init.kaiming_normal_(Tensor(np.zeros((4, 4)))).data.copy()
    np.testing.assert_array_equal(a, b)
    g1 = nn.init.normal_(Tensor(np.zeros(5)), generator=np.random.default_rng(3)).data
    g2 = nn.init.normal_(Tensor(np.zeros(5)), generator=np.random.default_rng(3)).data
    np.testing.assert_array_equal(g1, g2)
