"""nn.functional activations and losses against PyTorch: values, dtypes and gradients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch_oracle import Case, check, ids, needs_torch

import autograd
import nn
from autograd import Tensor, gradcheck


def F(m):
    """nn.functional of either library."""
    return nn.functional if m is autograd else m.nn.functional


rng = np.random.default_rng(0)
# values away from every kink (0, +-0.5, +-1, +-3, 6) so both sides agree on the branch
X64 = np.array([[-4.2, -2.7, -1.3, -0.7, -0.2], [0.3, 0.8, 1.6, 2.4, 7.1]])
X32 = X64.astype(np.float32)
KINKS = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0])  # exactly on them: subgradients
BIG = np.array([-100.0, -30.0, 30.0, 100.0])

ACTS = {
    "relu": lambda f, x: f.relu(x),
    "relu6": lambda f, x: f.relu6(x),
    "elu": lambda f, x: f.elu(x, alpha=0.7),
    "celu": lambda f, x: f.celu(x, alpha=1.5),
    "selu": lambda f, x: f.selu(x),
    "silu": lambda f, x: f.silu(x),
    "mish": lambda f, x: f.mish(x),
    "softplus": lambda f, x: f.softplus(x),
    "softplus_beta": lambda f, x: f.softplus(x, beta=2.0, threshold=5.0),
    "softsign": lambda f, x: f.softsign(x),
    "hardtanh": lambda f, x: f.hardtanh(x, min_val=-2.0, max_val=1.5),
    "hardsigmoid": lambda f, x: f.hardsigmoid(x),
    "hardswish": lambda f, x: f.hardswish(x),
    "logsigmoid": lambda f, x: f.logsigmoid(x),
    "tanhshrink": lambda f, x: f.tanhshrink(x),
    "hardshrink": lambda f, x: f.hardshrink(x, lambd=0.5),
    "softshrink": lambda f, x: f.softshrink(x, 0.5),
    "threshold": lambda f, x: f.threshold(x, 0.5, -2.0),
    "leaky_relu": lambda f, x: f.leaky_relu(x, 0.2),
    "gelu": lambda f, x: f.gelu(x),
    "gelu_tanh": lambda f, x: f.gelu(x, approximate="tanh"),
    "rrelu_eval": lambda f, x: f.rrelu(x, 0.1, 0.3, training=False),
    "sigmoid": lambda f, x: f.sigmoid(x),
    "tanh": lambda f, x: f.tanh(x),
    "relu_inplace": lambda f, x: f.relu(x * 1.0, inplace=True),
    "elu_inplace": lambda f, x: f.elu(x * 1.0, inplace=True),
}
SMOOTH_AT_KINKS = {"relu6", "hardtanh", "hardsigmoid", "hardswish", "hardshrink", "softshrink",
                   "threshold", "leaky_relu", "elu", "selu", "celu", "relu", "rrelu_eval"}


def _act_cases():
    out = []
    for name, f in ACTS.items():
        def fn(m, x, f=f):
            return f(F(m), x)

        tol = 1e-7 if name == "hardsigmoid" else 1e-10  # torch's backward uses a float 1/6
        out.append(Case(f"{name}-f64", fn, [X64], rtol=tol, atol=1e-12))
        out.append(Case(f"{name}-f32", fn, [X32], rtol=2e-5, atol=1e-6))
        out.append(Case(f"{name}-big", fn, [BIG], rtol=tol, atol=1e-12))
        if name in SMOOTH_AT_KINKS:  # the subgradient torch picks at each kink
            out.append(Case(f"{name}-kinks", fn, [KINKS], rtol=1e-6, atol=1e-7))
    return out


ACT_CASES = _act_cases()


@needs_torch
@pytest.mark.parametrize("case", ACT_CASES, ids=ids(ACT_CASES))
def test_activation_matches_torch(case):
    check(case)


W3 = np.array([0.1, 0.25, -0.4])
IMG = rng.standard_normal((2, 3, 2, 2))
OTHER_CASES = [
    Case("prelu-channels", lambda m, x, w: F(m).prelu(x, w), [IMG, W3], rtol=1e-10),
    Case("prelu-shared", lambda m, x, w: F(m).prelu(x, w), [X64, np.array([0.3])], rtol=1e-10),
    Case("prelu-kinks", lambda m, x, w: F(m).prelu(x, w), [KINKS, np.array([0.3])]),
    Case("glu-last", lambda m, x: F(m).glu(x), [rng.standard_normal((3, 4))], rtol=1e-10),
    Case("glu-dim0", lambda m, x: F(m).glu(x, dim=0), [rng.standard_normal((4, 3))],
         rtol=1e-10),
    Case("glu-neg-dim", lambda m, x: F(m).glu(x, -2), [IMG[:, :2]], rtol=1e-10),
    Case("softmax-dim1", lambda m, x: F(m).softmax(x, dim=1), [IMG], rtol=1e-10),
    Case("softmax-neg", lambda m, x: F(m).softmax(x, dim=-1), [X32], rtol=1e-5, atol=1e-7),
    Case("log_softmax-dim0", lambda m, x: F(m).log_softmax(x, dim=0), [X64], rtol=1e-10),
    Case("softmin", lambda m, x: F(m).softmin(x, dim=1), [X64], rtol=1e-10),
    Case("softmax-dtype", lambda m, x: F(m).softmax(x, dim=1, dtype=m.float64), [X32],
         rtol=1e-6),
    Case("normalize", lambda m, x: F(m).normalize(x), [X64], rtol=1e-10),
    Case("normalize-p1-dim0", lambda m, x: F(m).normalize(x, p=1.0, dim=0), [X32], rtol=1e-5),
    Case("normalize-zero-row", lambda m, x: F(m).normalize(x, dim=1),
         [np.array([[0.0, 0.0], [3.0, 4.0]])], rtol=1e-10),
    Case("cosine_similarity", lambda m, a, b: F(m).cosine_similarity(a, b),
         [rng.standard_normal((4, 3)), rng.standard_normal((4, 3))], rtol=1e-10),
    Case("cosine_similarity-dim0-bcast", lambda m, a, b: F(m).cosine_similarity(a, b, dim=0),
         [rng.standard_normal((4, 3)), rng.standard_normal((4, 1))], rtol=1e-10),
    Case("pairwise_distance", lambda m, a, b: F(m).pairwise_distance(a, b),
         [rng.standard_normal((4, 3)), rng.standard_normal((4, 3))], rtol=1e-10),
    Case("pairwise_distance-p1-keep", lambda m, a, b: F(m).pairwise_distance(a, b, 1.0,
                                                                            keepdim=True),
         [rng.standard_normal((4, 3)), rng.standard_normal((4, 3))], rtol=1e-10),
]


@needs_torch
@pytest.mark.parametrize("case", OTHER_CASES, ids=ids(OTHER_CASES))
def test_other_functional_matches_torch(case):
    check(case)


@needs_torch
def test_int_inputs_like_torch():
    import torch

    xi = np.array([-3, 0, 2, 7])
    for name in ("relu", "relu6", "hardtanh"):
        ours = getattr(nn.functional, name)(autograd.Tensor(xi))
        theirs = getattr(torch.nn.functional, name)(torch.tensor(xi))
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    for name in ("softsign", "tanhshrink"):  # promote to the default float
        ours = getattr(nn.functional, name)(autograd.Tensor(xi))
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours.data, getattr(torch.nn.functional, name)(
            torch.tensor(xi)).numpy(), rtol=1e-6)
    for name in ("elu", "silu", "mish", "softplus", "hardswish", "gelu", "logsigmoid"):
        fn = getattr(nn.functional, name)
        if name == "gelu":
            fn = (lambda x: nn.functional.gelu(x, approximate="tanh"))
        with pytest.raises(NotImplementedError, match="not implemented for integer"):
            fn(autograd.Tensor(xi))


# ------------------------------------------------------------------------------ losses
Z = rng.standard_normal((6, 4))
Y = np.array([0, 3, 1, 1, 2, 3])
Y_IGN = np.array([0, 3, -100, 1, 2, -100])
W4 = np.array([0.3, 1.0, 2.5, 0.7])
Z_ND = rng.standard_normal((2, 4, 3, 2))
Y_ND = rng.integers(0, 4, (2, 3, 2))
P = np.exp(Z) / np.exp(Z).sum(1, keepdims=True)
T01 = (rng.random((6, 4)) > 0.5).astype(np.float64)
PW = np.array([0.5, 2.0, 1.0, 3.0])


def _xent(**kw):
    return lambda m, z, y: F(m).cross_entropy(z, y, **kw)


def _loss_cases():
    c = []
    for red in ("mean", "sum", "none"):
        c += [
            Case(f"xent-{red}", _xent(reduction=red), [Z, Y], rtol=1e-10),
            Case(f"xent-weight-{red}", lambda m, z, y, red=red: F(m).cross_entropy(
                z, y, weight=m.tensor(W4), reduction=red), [Z, Y], rtol=1e-10),
            Case(f"xent-weight-smooth-ignore-{red}", lambda m, z, y, red=red: F(m).cross_entropy(
                z, y, weight=m.tensor(W4), reduction=red, label_smoothing=0.2),
                [Z, Y_IGN], rtol=1e-10),
            Case(f"xent-smooth-ignore-{red}", _xent(reduction=red, label_smoothing=0.1),
                 [Z, Y_IGN], rtol=1e-10),
            Case(f"xent-nd-{red}", _xent(reduction=red), [Z_ND, Y_ND], rtol=1e-10),
            Case(f"xent-nd-weight-smooth-{red}", lambda m, z, y, red=red: F(m).cross_entropy(
                z, y, weight=m.tensor(W4), reduction=red, label_smoothing=0.3),
                [Z_ND, Y_ND], rtol=1e-10),
            Case(f"xent-probs-{red}", lambda m, z, p, red=red: F(m).cross_entropy(
                z, p, reduction=red), [Z, P], rtol=1e-10, no_grad_inputs=(1,)),
            Case(f"xent-probs-weight-smooth-{red}", lambda m, z, p, red=red: F(m).cross_entropy(
                z, p, weight=m.tensor(W4), reduction=red, label_smoothing=0.2), [Z, P],
                rtol=1e-10),
            Case(f"nll-weight-ignore-{red}", lambda m, z, y, red=red: F(m).nll_loss(
                z, y, weight=m.tensor(W4), reduction=red), [Z, Y_IGN], rtol=1e-10),
            Case(f"nll-nd-{red}", lambda m, z, y, red=red: F(m).nll_loss(
                z, y, reduction=red), [Z_ND, Y_ND], rtol=1e-10),
            Case(f"bce-weight-{red}", lambda m, p, t, red=red: F(m).binary_cross_entropy(
                p, t, weight=m.tensor(W4), reduction=red), [P, T01], rtol=1e-10,
                no_grad_inputs=(1,)),
            Case(f"bce-logits-pos-weight-{red}", lambda m, z, t, red=red:
                 F(m).binary_cross_entropy_with_logits(z, t, weight=m.tensor(W4[::-1].copy()),
                                                       pos_weight=m.tensor(PW), reduction=red),
                 [Z * 5, T01], rtol=1e-10),
            Case(f"smooth_l1-{red}", lambda m, x, t, red=red: F(m).smooth_l1_loss(
                x, t, reduction=red, beta=0.5), [Z, P * 2], rtol=1e-10),
            Case(f"huber-{red}", lambda m, x, t, red=red: F(m).huber_loss(
                x, t, reduction=red, delta=0.7), [Z, P * 2], rtol=1e-10),
            Case(f"mse-{red}", lambda m, x, t, red=red: F(m).mse_loss(x, t, reduction=red),
                 [Z, P], rtol=1e-10),
            Case(f"l1-{red}", lambda m, x, t, red=red: F(m).l1_loss(x, t, reduction=red),
                 [Z, P], rtol=1e-10),
            Case(f"margin_ranking-{red}", lambda m, a, b, y, red=red: F(m).margin_ranking_loss(
                a, b, y, margin=0.1, reduction=red), [Z[:, 0], Z[:, 1], np.sign(Z[:, 2])],
                rtol=1e-10, no_grad_inputs=(2,)),
            Case(f"cosine_embedding-{red}", lambda m, a, b, y, red=red:
                 F(m).cosine_embedding_loss(a, b, y, margin=0.2, reduction=red),
                 [Z, Z[::-1].copy(), np.array([1, -1, 1, -1, -1, 1])], rtol=1e-10),
        ]
    for red in ("batchmean", "sum", "none"):
        c.append(Case(f"kl_div-{red}", lambda m, q, p, red=red: F(m).kl_div(
            q, p, reduction=red), [np.log(P), np.where(P > 0.3, 0.0, P)], rtol=1e-10,
            no_grad_inputs=(1,)))  # d/dp at p = 0 is nan in torch (log 0), ours 0 - q
        c.append(Case(f"kl_div-log-target-{red}", lambda m, q, p, red=red: F(m).kl_div(
            q, p, reduction=red, log_target=True), [np.log(P), np.log(P[::-1].copy())],
            rtol=1e-10))
    c += [
        Case("xent-f32", _xent(), [Z.astype(np.float32), Y], rtol=1e-5, atol=1e-6),
        Case("xent-unbatched", _xent(), [Z[0], np.array(2)], rtol=1e-10),
        Case("xent-all-ignored", _xent(), [Z[:2], np.array([-100, -100])], grad=False),
        Case("xent-ignore-index-7", _xent(ignore_index=1), [Z, Y], rtol=1e-10),
        Case("smooth_l1-beta0", lambda m, x, t: F(m).smooth_l1_loss(x, t, beta=0.0), [Z, P],
             rtol=1e-10),
        Case("bce-f32", lambda m, p, t: F(m).binary_cross_entropy(p, t),
             [P.astype(np.float32), T01.astype(np.float32)], rtol=1e-5, no_grad_inputs=(1,)),
    ]
    return c


LOSS_CASES = _loss_cases()


@needs_torch
@pytest.mark.parametrize("case", LOSS_CASES, ids=ids(LOSS_CASES))
def test_loss_matches_torch(case):
    check(case)


def test_kl_div_mean_warns_like_torch():
    q = autograd.Tensor(np.log(P))
    with pytest.warns(UserWarning, match="batchmean"):
        out = nn.functional.kl_div(q, P)
    np.testing.assert_allclose(out.item(), (P * (np.log(P) - np.log(P))).mean(), atol=1e-12)


@needs_torch
def test_loss_modules_match_torch():
    import torch

    z, y = autograd.Tensor(Z), autograd.Tensor(Y)
    tz, ty = torch.tensor(Z), torch.tensor(Y)
    pairs = [
        (nn.CrossEntropyLoss(weight=W4, label_smoothing=0.1, ignore_index=3),
         torch.nn.CrossEntropyLoss(weight=torch.tensor(W4), label_smoothing=0.1,
                                   ignore_index=3), (z, y), (tz, ty)),
        (nn.NLLLoss(weight=W4, reduction="sum"), torch.nn.NLLLoss(weight=torch.tensor(W4),
                                                                  reduction="sum"),
         (z, y), (tz, ty)),
        (nn.BCEWithLogitsLoss(pos_weight=PW), torch.nn.BCEWithLogitsLoss(
            pos_weight=torch.tensor(PW)), (z, autograd.Tensor(T01)), (tz, torch.tensor(T01))),
        (nn.BCELoss(weight=W4), torch.nn.BCELoss(weight=torch.tensor(W4)),
         (autograd.Tensor(P), autograd.Tensor(T01)), (torch.tensor(P), torch.tensor(T01))),
        (nn.SmoothL1Loss(beta=0.3), torch.nn.SmoothL1Loss(beta=0.3),
         (z, autograd.Tensor(P)), (tz, torch.tensor(P))),
        (nn.HuberLoss(delta=0.4), torch.nn.HuberLoss(delta=0.4),
         (z, autograd.Tensor(P)), (tz, torch.tensor(P))),
        (nn.KLDivLoss(reduction="batchmean", log_target=True),
         torch.nn.KLDivLoss(reduction="batchmean", log_target=True),
         (z.log_softmax(1), z.log_softmax(0)), (tz.log_softmax(1), tz.log_softmax(0))),
    ]
    for ours, theirs, a, b in pairs:
        np.testing.assert_allclose(ours(*a).item(), theirs(*b).item(), rtol=1e-10,
                                   err_msg=repr(ours))
        assert repr(ours) == repr(theirs)


# ------------------------------------------------------------ finite differences (hypothesis)
LOSS_FD = {
    "xent-nd-weight-smooth": lambda z: nn.functional.cross_entropy(
        z, Y_ND[:, :1], weight=W4, label_smoothing=0.2),
    "xent-probs": lambda z: nn.functional.cross_entropy(z[:, :, 0, 0], P[:2], weight=W4),
    "nll-nd-ignore": lambda z: nn.functional.nll_loss(
        z, np.where(Y_ND[:, :1] == 0, -100, Y_ND[:, :1]), weight=W4),
    "bce-logits-pos-weight": lambda z: nn.functional.binary_cross_entropy_with_logits(
        z[:, :, 0, 0], T01[:2], pos_weight=PW, weight=W4),
    "kl_div-log-target": lambda z: nn.functional.kl_div(
        z.log_softmax(1), z.log_softmax(0), reduction="batchmean", log_target=True),
    "normalize": lambda z: nn.functional.normalize(z, dim=1),
    "cosine_similarity": lambda z: nn.functional.cosine_similarity(z, z * z + 1.0),
    "pairwise_distance": lambda z: nn.functional.pairwise_distance(z, z * 0.5 - 1.0),
}


@pytest.mark.parametrize("name", sorted(LOSS_FD))
@given(a=hnp.arrays(np.float64, (2, 4, 1, 2), elements=st.floats(-3, 3)))
def test_loss_gradients_against_finite_differences(backend, name, a):
    assert gradcheck(LOSS_FD[name], [Tensor(a + 0.01, requires_grad=True)])


@given(d=hnp.arrays(np.float64, (3, 4), elements=st.floats(-3, 3)).map(
    lambda d: np.where(np.abs(np.abs(d) - 0.5) < 0.05, d + 0.2, d)))
def test_piecewise_losses_against_finite_differences(backend, d):
    t = Tensor(np.zeros((3, 4)))
    for f in (lambda x: nn.functional.smooth_l1_loss(x, t, beta=0.5),
              lambda x: nn.functional.huber_loss(x, t, delta=0.5)):
        assert gradcheck(f, [Tensor(d, requires_grad=True)])


def test_weighted_smoothed_cross_entropy_second_derivative_and_view_input():
    z = Tensor(rng.standard_normal((4, 6)), requires_grad=True)

    def first(z):
        loss = nn.functional.cross_entropy(z.T, Y, weight=W4, label_smoothing=0.3)  # a view
        return autograd.grad(loss, [z], create_graph=True)[0]

    assert gradcheck(first, [z])
