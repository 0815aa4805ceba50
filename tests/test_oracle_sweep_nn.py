"""Fixes found by sweeping nn / optim / data against PyTorch, each pinned here.

Where torch is needed (the oracle cases) the test is marked ``needs_torch`` and skips
without it; the rest state torch's numbers (worked out by hand) directly.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest
from torch_oracle import Case, check, needs_torch, torch

import autograd as ag
import nn
import nn.functional as F
import optim
from autograd import Tensor
from autograd.utils import data as D


def _F(m):
    return nn.functional if m is ag else m.nn.functional


# --------------------------------------------------------------------------- losses at kinks
def test_bce_with_logits_gradient_at_zero_logit_is_sigmoid_minus_target():
    # a zero-initialised output layer gives z = 0 exactly: d/dz = sigmoid(0) - t = 0.5 - t
    for pos_weight in (None, Tensor(np.array([1.0, 1.0, 1.0], np.float32))):
        z = Tensor(np.zeros((2, 3), np.float32), requires_grad=True)
        t = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]], np.float32)
        loss = F.binary_cross_entropy_with_logits(z, Tensor(t), pos_weight=pos_weight)
        np.testing.assert_allclose(loss.item(), math.log(2.0), rtol=1e-6)
        loss.backward()
        np.testing.assert_allclose(z.grad.data, (0.5 - t) / 6, rtol=1e-6)


def test_margin_losses_pass_the_gradient_at_the_hinge():
    # torch clamps with clamp_min(0), whose gradient passes where the argument is exactly 0
    x1 = Tensor(np.zeros(2, np.float32), requires_grad=True)
    x2 = Tensor(np.zeros(2, np.float32), requires_grad=True)
    F.margin_ranking_loss(x1, x2, Tensor(np.array([1.0, -1.0], np.float32))).backward()
    np.testing.assert_array_equal(x1.grad.data, [-0.5, 0.5])
    np.testing.assert_array_equal(x2.grad.data, [0.5, -0.5])
    d = Tensor(np.array([1.0, 0.5], np.float32), requires_grad=True)  # margin - d = 0 at d=1
    F.hinge_embedding_loss(d, Tensor(np.array([-1.0, -1.0], np.float32)), margin=1.0,
                           reduction="sum").backward()
    np.testing.assert_array_equal(d.grad.data, [-1.0, -1.0])
    a = Tensor(np.array([[1.0, 0.0]], np.float32), requires_grad=True)  # cos = 0 = margin
    b = Tensor(np.array([[0.0, 1.0]], np.float32))
    F.cosine_embedding_loss(a, b, Tensor(np.array([-1.0], np.float32))).backward()
    np.testing.assert_allclose(a.grad.data, [[0.0, 1.0]], atol=1e-6)


Z = np.array([0.0, 0.0, 1.0, -1.0, 0.5, 2.0], np.float32)
T01 = np.array([0.0, 1.0, 1.0, 0.0, 0.0, 1.0], np.float32)
PM = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0], np.float32)
KINK_CASES = [
    Case("bce_logits_z0", lambda m, z, t: _F(m).binary_cross_entropy_with_logits(z, t),
         [Z, T01]),
    Case("bce_logits_z0_pos_weight", lambda m, z, t, w: _F(m).binary_cross_entropy_with_logits(
        z, t, pos_weight=w, reduction="none"), [Z, T01, np.full(6, 2.5, np.float32)],
         no_grad_inputs=(2,)),
    Case("bce_logits_extreme_f32", lambda m, z, t: _F(m).binary_cross_entropy_with_logits(
        z, t, reduction="none"), [np.array([-90.0, 90.0, 0.0, 17.0, -17.0], np.float32),
                                  np.array([1.0, 0.0, 1.0, 0.0, 1.0], np.float32)],
         rtol=1e-5, atol=1e-6),
    Case("margin_ranking_equal", lambda m, a, b, y: _F(m).margin_ranking_loss(
        a, b, y, reduction="none"), [Z, Z.copy(), PM], no_grad_inputs=(2,)),
    Case("hinge_embedding_at_margin", lambda m, d, y: _F(m).hinge_embedding_loss(
        d, y, reduction="none"), [np.abs(Z), PM], no_grad_inputs=(1,)),
    Case("cosine_embedding_orthogonal", lambda m, a, b, y: _F(m).cosine_embedding_loss(
        a, b, y, reduction="none"),
        [np.array([[1.0, 0.0], [1.0, 0.0]], np.float32),
         np.array([[0.0, 1.0], [1.0, 0.0]], np.float32), np.array([-1.0, 1.0], np.float32)],
        no_grad_inputs=(2,), rtol=1e-5, atol=1e-6),
]


@needs_torch
@pytest.mark.parametrize("case", KINK_CASES, ids=[c.name for c in KINK_CASES])
def test_losses_at_kinks_match_torch(case):
    check(case)


def test_cross_entropy_probability_targets_refuse_ignore_index():
    x = Tensor(np.zeros((2, 3), np.float32))
    p = Tensor(np.full((2, 3), 1 / 3, np.float32))
    with pytest.raises(RuntimeError, match="ignore_index"):
        F.cross_entropy(x, p, ignore_index=1)
    with pytest.raises(RuntimeError, match="ignore_index"):
        nn.CrossEntropyLoss(ignore_index=0)(x, p)
    np.testing.assert_allclose(F.cross_entropy(x, p).item(), math.log(3), rtol=1e-6)


# --------------------------------------------------------------------------- embedding
def test_embedding_scale_grad_by_freq_divides_by_the_count():
    w = nn.Parameter(np.arange(12, dtype=np.float32).reshape(4, 3))
    idx = np.array([[1, 1, 2], [1, 3, 3]])
    out = F.embedding(Tensor(idx), w, scale_grad_by_freq=True)
    np.testing.assert_array_equal(out.data, w.data[idx])  # values untouched
    out.sum().backward()
    np.testing.assert_allclose(w.grad.data[:, 0], [0.0, 1.0, 1.0, 1.0])  # 3/3, 1/1, 2/2
    emb = nn.Embedding(4, 3, padding_idx=1, scale_grad_by_freq=True)
    emb(Tensor(idx)).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data[1], 0.0)
    with pytest.raises(NotImplementedError, match="sparse"):
        F.embedding(Tensor(idx), w, sparse=True)


@needs_torch
def test_embedding_scale_grad_by_freq_matches_torch():
    idx = np.array([[0, 2, 1, 2], [3, 0, 0, 4]])
    check(Case("embedding_freq", lambda m, i, w: _F(m).embedding(
        i, w, padding_idx=4, scale_grad_by_freq=True),
        [idx, np.random.default_rng(0).standard_normal((5, 3))]))


# --------------------------------------------------------------------------- Module API
class _Net(nn.Module):
    def __init__(self):
        self.a = nn.Linear(2, 2)
        self.b = self.a  # shared
        self.bn = nn.BatchNorm1d(2)
        self.register_buffer("tmp", ag.zeros(2), persistent=False)


def test_named_parameters_and_buffers_take_torchs_keywords():
    m = _Net()
    assert [n for n, _ in m.named_parameters()] == ["a.weight", "a.bias", "bn.weight",
                                                     "bn.bias"]
    assert [n for n, _ in m.named_parameters(remove_duplicate=False)] == [
        "a.weight", "a.bias", "b.weight", "b.bias", "bn.weight", "bn.bias"]
    assert [n for n, _ in m.named_buffers(recurse=False)] == ["tmp"]
    assert [n for n, _ in m.named_buffers(prefix="m")] == [
        "m.tmp", "m.bn.running_mean", "m.bn.running_var", "m.bn.num_batches_tracked"]
    assert len(m.buffers(recurse=False)) == 1 and len(m.buffers()) == 4
    assert m.get_buffer("bn.running_var") is m.bn.running_var
    with pytest.raises(AttributeError, match="no buffer 'bn.nope'"):
        m.get_buffer("bn.nope")


def test_load_state_dict_result_prints_as_torch():
    m = nn.Linear(2, 2)
    res = m.load_state_dict(m.state_dict())
    assert repr(res) == "<All keys matched successfully>"
    assert res.missing_keys == [] and res.unexpected_keys == []
    res = m.load_state_dict(OrderedDict(weight=m.weight.detach(), extra=ag.zeros(1)),
                            strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == ["extra"]
    assert "missing_keys=['bias']" in repr(res)


@needs_torch
def test_module_walks_match_torch():
    def build(N):
        class Block(N.Module):
            def __init__(self):
                super().__init__()
                self.conv = N.Conv2d(1, 2, 3)
                self.bn = N.BatchNorm2d(2)
                self.register_buffer("keep", (ag if N is nn else torch).ones(2))

        class Net(N.Module):
            def __init__(self):
                super().__init__()
                self.feat = N.Sequential(Block(), N.ReLU())
                self.head = N.Linear(2, 2)
                self.alias = self.head
                self.seq = N.Sequential(N.Linear(2, 2))
                self.seq2 = self.seq
        return Net()

    a, t = build(nn), build(torch.nn)
    for kw in ({}, {"remove_duplicate": False}, {"prefix": "p"}, {"recurse": False}):
        assert [n for n, _ in a.named_parameters(**kw)] == [
            n for n, _ in t.named_parameters(**kw)], kw
    for kw in ({}, {"remove_duplicate": False}, {"prefix": "p"}):
        assert [n for n, _ in a.named_buffers(**kw)] == [
            n for n, _ in t.named_buffers(**kw)], kw
        assert [n for n, _ in a.named_modules(**kw)] == [
            n for n, _ in t.named_modules(**kw)], kw
    assert [n for n, _ in a.feat[0].named_buffers(recurse=False)] == [
        n for n, _ in t.feat[0].named_buffers(recurse=False)]
    assert list(a.state_dict()) == list(t.state_dict())


# --------------------------------------------------------------------------- optim / utils
def test_sgd_without_momentum_saves_no_per_parameter_state():
    p = nn.Parameter(np.ones(3, np.float32))
    opt = optim.SGD([p], lr=0.1)
    p.grad = Tensor(np.ones(3, np.float32))
    opt.step()
    assert opt.state_dict()["state"] == {}  # torch keeps none either
    opt2 = optim.SGD([p], lr=0.1, momentum=0.9)
    opt2.step()
    assert list(opt2.state_dict()["state"]) == [0]
    assert set(opt2.state_dict()["state"][0]) == {"momentum_buffer"}
    opt.load_state_dict(opt.state_dict())  # the empty state round-trips
    opt.step()
    np.testing.assert_allclose(p.data, 1.0 - 0.1 * 3, rtol=1e-6)


def test_clip_grad_norm_with_a_nan_gradient_makes_every_gradient_nan():
    a = nn.Parameter(np.zeros(2, np.float32))
    b = nn.Parameter(np.zeros(2, np.float32))
    a.grad = Tensor(np.array([np.nan, 1.0], np.float32))
    b.grad = Tensor(np.array([3.0, 4.0], np.float32))
    total = nn.utils.clip_grad_norm_([a, b], 1.0)
    assert math.isnan(total.item())
    assert np.isnan(a.grad.data).all() and np.isnan(b.grad.data).all()  # as torch
    with pytest.raises(RuntimeError, match="non-?finite|nan"):
        nn.utils.clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
    b.grad = Tensor(np.array([3.0, 4.0], np.float32))  # below the limit: untouched
    np.testing.assert_allclose(nn.utils.clip_grad_norm_([b], 10.0).item(), 5.0)
    np.testing.assert_array_equal(b.grad.data, [3.0, 4.0])


# --------------------------------------------------------------------------- data
X = np.arange(20, dtype=np.float32).reshape(10, 2)
Y = np.arange(10)


def _rows(batches):
    return [b[1].data.tolist() for b in batches]


def test_dataloader_batches_are_lists_as_torchs_default_collate():
    dl = D.DataLoader(D.TensorDataset(X, Y), batch_size=4)
    first = next(iter(dl))
    assert isinstance(first, list) and len(first) == 2
    first[0] = first[0] * 2  # a list: the habit of rebinding batch items works
    assert first[0].shape == (4, 2)


def test_dataloader_batch_size_none_yields_single_samples():
    dl = D.DataLoader(D.TensorDataset(X, Y), batch_size=None)
    assert len(dl) == 10
    samples = list(dl)
    assert isinstance(samples[3], list)
    x, y = samples[3]
    assert x.shape == (2,) and y.shape == () and y.item() == 3
    np.testing.assert_array_equal(x.data, [6.0, 7.0])
    shuffled = [int(s[1].item()) for s in D.DataLoader(D.TensorDataset(X, Y), batch_size=None,
                                                        shuffle=True, seed=0)]
    assert sorted(shuffled) == list(range(10)) and shuffled != list(range(10))
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        D.DataLoader(D.TensorDataset(X, Y), batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="positive int or None"):
        D.DataLoader(D.TensorDataset(X, Y), batch_size=0)


class _Single(D.Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return Tensor(np.full(3, float(i), np.float32))


class _Dicts(D.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return {"x": np.full(2, i, np.float32), "y": i, "name": f"s{i}"}


def test_default_collate_of_single_tensors_dicts_and_numbers():
    batch = next(iter(D.DataLoader(_Single(), batch_size=2)))
    assert isinstance(batch, Tensor) and batch.shape == (2, 3)  # not a 1-tuple
    batch = next(iter(D.DataLoader(_Dicts(), batch_size=3)))
    assert set(batch) == {"x", "y", "name"}
    assert batch["x"].shape == (3, 2) and batch["y"].dtype == np.int64
    assert batch["name"] == ["s0", "s1", "s2"]
    batch = next(iter(D.DataLoader([(1, 2.5), (3, 4.5)], batch_size=2)))
    assert batch[0].dtype == np.int64 and batch[1].dtype == np.float64
    np.testing.assert_array_equal(batch[1].data, [2.5, 4.5])
    one = next(iter(D.DataLoader(_Dicts(), batch_size=None)))
    assert isinstance(one["x"], Tensor) and one["y"] == 0


def test_samplers_and_batch_sampler():
    ds = D.TensorDataset(X, Y)
    assert _rows(D.DataLoader(ds, batch_size=3, sampler=[9, 1, 4, 4, 2])) == [[9, 1, 4], [4, 2]]
    dl = D.DataLoader(ds, batch_size=4, drop_last=True, sampler=D.SequentialSampler(range(7)))
    assert len(dl) == 1 and _rows(dl) == [[0, 1, 2, 3]]
    bs = D.BatchSampler(D.SequentialSampler(ds), 4, drop_last=False)
    assert list(bs) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(bs) == 3
    dl = D.DataLoader(ds, batch_sampler=bs)
    assert len(dl) == 3 and _rows(dl) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert _rows(D.DataLoader(ds, batch_sampler=[[0, 1], [5, 2, 3]])) == [[0, 1], [5, 2, 3]]
    sub = D.SubsetRandomSampler([5, 7, 9], generator=ag.Generator().manual_seed(0))
    got = _rows(D.DataLoader(ds, batch_size=5, sampler=sub))
    assert len(got) == 1 and sorted(got[0]) == [5, 7, 9]
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        D.DataLoader(ds, shuffle=True, sampler=[0])
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        D.DataLoader(ds, batch_size=2, batch_sampler=[[0]])


def test_random_and_weighted_samplers():
    r = D.RandomSampler(range(10), generator=ag.Generator().manual_seed(1))
    a = list(r)
    assert sorted(a) == list(range(10)) and len(r) == 10
    assert a == list(D.RandomSampler(range(10), generator=ag.Generator().manual_seed(1)))
    assert sorted(D.RandomSampler(range(4), num_samples=8)) == [0, 0, 1, 1, 2, 2, 3, 3]
    draws = list(D.RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(draws) == 50 and set(draws) <= {0, 1, 2}
    assert list(D.WeightedRandomSampler([0.0, 0.0, 1.0, 0.0], 5)) == [2] * 5
    w = list(D.WeightedRandomSampler([1.0, 1.0, 1.0, 0.0], 3, replacement=False))
    assert sorted(w) == [0, 1, 2]
    counts = np.bincount(list(D.WeightedRandomSampler(
        [1.0, 3.0], 4000, generator=ag.Generator().manual_seed(0))), minlength=2)
    assert 0.70 < counts[1] / 4000 < 0.80
    with pytest.raises(RuntimeError, match="without replacement"):
        D.WeightedRandomSampler([1.0, 0.0], 2, replacement=False)


class _Stream(D.IterableDataset):
    def __iter__(self):
        return iter(range(7))


def test_iterable_dataset_is_batched_in_stream_order():
    assert [b.tolist() for b in D.DataLoader(_Stream(), batch_size=3)] == [
        [0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in D.DataLoader(_Stream(), batch_size=3, drop_last=True)] == [
        [0, 1, 2], [3, 4, 5]]
    assert list(D.DataLoader(_Stream(), batch_size=None)) == list(range(7))
    with pytest.raises(TypeError):
        len(D.DataLoader(_Stream(), batch_size=2))


@needs_torch
def test_deterministic_loaders_match_torch():
    tdata = torch.utils.data

    def run(lib):
        M = D if lib == "ag" else tdata
        mk = ag.tensor if lib == "ag" else torch.tensor
        ds = M.TensorDataset(mk(X), mk(Y))
        loaders = [
            M.DataLoader(ds, batch_size=3, sampler=[9, 1, 4, 4, 2]),
            M.DataLoader(ds, batch_sampler=M.BatchSampler(range(10), 4, drop_last=True)),
            M.DataLoader(ds, batch_size=4, drop_last=True),
            M.DataLoader(ds, batch_size=None, sampler=[3, 1]),
        ]
        out = []
        for dl in loaders:
            batches = [[np.asarray(t.data if lib == "ag" else t.numpy()).tolist() for t in b]
                       for b in dl]
            out.append((len(dl), batches, type(next(iter(dl))).__name__))
        return out

    assert run("ag") == run("torch")
