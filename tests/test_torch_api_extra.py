"""The torch API extras: isin, multinomial, gcd/lcm/ldexp, diagflat, trapz, unravel_index,
vander, is_nonzero, renorm, poisson, set_printoptions, the RNG state and Generator,
set_default_dtype, and the Tensor methods detach_, fill_diagonal_, random_, exponential_,
geometric_, data_ptr, storage_offset, put_, renorm, apply_."""

from __future__ import annotations

import numpy as np
import pytest
from torch_oracle import needs_torch, torch

import autograd as ag
from autograd.data import DataLoader, TensorDataset, random_split


@pytest.fixture(autouse=True)
def _restore_globals():
    state = ag.get_rng_state()
    yield
    ag.set_rng_state(state)
    ag.set_default_dtype(ag.float32)
    ag.set_printoptions(profile="default")


def _t(x):
    return torch.tensor(np.asarray(x))


# ------------------------------------------------------------------------ top-level ops
def test_isin_values_and_invert():
    x = ag.tensor([[1, 2], [3, 4]])
    assert ag.isin(x, ag.tensor([2, 4, 9])).tolist() == [[False, True], [False, True]]
    assert ag.isin(x, 3, invert=True).tolist() == [[True, True], [False, True]]
    assert ag.isin(2, ag.tensor([1, 2])).tolist() is True
    assert x.isin(ag.tensor([1])).dtype == ag.bool
    with pytest.raises(TypeError, match="at least one"):
        ag.isin(1, 2)


def test_gcd_lcm():
    a, b = ag.tensor([12, -18, 0, 7]), ag.tensor([8, 12, 0, -21])
    assert ag.gcd(a, b).tolist() == [4, 6, 0, 7]
    assert ag.lcm(a, b).tolist() == [24, 36, 0, 21]
    assert ag.gcd(ag.tensor([4, 6], dtype=ag.int32), ag.tensor(4)).dtype == ag.int32
    assert a.gcd(b).tolist() == [4, 6, 0, 7]
    c = ag.tensor([4, 6])
    c.lcm_(ag.tensor([6, 4]))
    assert c.tolist() == [12, 12]
    with pytest.raises(TypeError, match="gcd: expected integer tensors, got float32"):
        ag.gcd(ag.tensor([1.0]), ag.tensor([2.0]))


def test_ldexp_values_dtype_grad():
    y = ag.ldexp(ag.tensor([1.0, 3.0, -2.0]), ag.tensor([3, -1, 0]))
    assert y.dtype == ag.float32 and y.tolist() == [8.0, 1.5, -2.0]
    assert ag.ldexp(ag.tensor([1, 2]), ag.tensor([2, 1])).dtype == ag.float32
    assert ag.ldexp(ag.tensor([1.0], dtype=ag.float64), ag.tensor([2])).dtype == ag.float64
    x = ag.tensor([0.3, -1.2, 2.0], dtype=ag.float64, requires_grad=True)
    e = ag.tensor([1.0, -2.0, 0.5], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(ag.ldexp, (x, e))


def test_diagflat():
    d = ag.diagflat(ag.tensor([[1, 2], [3, 4]]))
    assert d.tolist() == [[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 3, 0], [0, 0, 0, 4]]
    assert ag.diagflat(ag.tensor([5, 6]), -1).tolist() == [[0, 0, 0], [5, 0, 0], [0, 6, 0]]
    x = ag.tensor([[0.5, 1.5]], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda t: ag.diagflat(t, 1), (x,))
    assert x.diagflat().shape == (2, 2)


def test_trapz_is_trapezoid():
    assert ag.trapz is ag.trapezoid
    assert ag.trapz(ag.tensor([1.0, 2.0, 4.0]), dx=2.0).item() == pytest.approx(9.0)


def test_unravel_index():
    rows, cols = ag.unravel_index(ag.tensor([0, 5, 4, -1]), (2, 3))
    assert rows.tolist() == [0, 1, 1, 1] and cols.tolist() == [0, 2, 1, 2]
    assert rows.dtype == ag.int64
    (only,) = ag.unravel_index(ag.tensor(3), 7)
    assert only.shape == () and only.item() == 3
    with pytest.raises(TypeError, match="integer tensor, got float32"):
        ag.unravel_index(ag.tensor([1.0]), (2, 2))
    with pytest.raises(ValueError, match=r"range \[-4, 3\]"):
        ag.unravel_index(ag.tensor([4]), (2, 2))


def test_vander_values_dtype_grad():
    v = ag.vander(ag.tensor([1, 2, 3]))
    assert v.tolist() == [[1, 1, 1], [4, 2, 1], [9, 3, 1]] and v.dtype == ag.int64
    w = ag.vander(ag.tensor([2.0, -1.0]), N=4, increasing=True)
    assert w.dtype == ag.float32 and w.tolist() == [[1, 2, 4, 8], [1, -1, 1, -1]]
    assert ag.vander(ag.tensor([1, 2], dtype=ag.int32)).dtype == ag.int64
    assert ag.vander(ag.tensor([1.0, 2.0]), N=0).shape == (2, 0)
    x = ag.tensor([0.0, 0.7, -1.3], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda t: ag.vander(t, 4), (x,))
    with pytest.raises(RuntimeError, match="one-dimensional"):
        ag.vander(ag.tensor([[1.0]]))
    with pytest.raises(RuntimeError, match="non-negative"):
        ag.vander(ag.tensor([1.0]), N=-1)


def test_is_nonzero():
    assert ag.is_nonzero(ag.tensor([1.5])) is True
    assert ag.is_nonzero(ag.tensor(0)) is False
    assert ag.tensor([[False]]).is_nonzero() is False
    with pytest.raises(RuntimeError, match="no values"):
        ag.is_nonzero(ag.tensor([]))
    with pytest.raises(RuntimeError, match="more than one value"):
        ag.is_nonzero(ag.tensor([1, 0]))


def test_renorm_values_and_grad():
    x = ag.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    y = ag.renorm(x, 2, 0, 1.0)
    f = 1.0 / (5.0 + 1e-7)
    np.testing.assert_allclose(y.data, [[3 * f, 4 * f], [0.3, 0.4], [0.6, 0.8]], rtol=1e-6)
    np.testing.assert_allclose(x.renorm(1, 1, 4.0).data[:, 1], [4 * 4 / 12.4, 4 * 0.4 / 12.4,
                                                                 4 * 8 / 12.4], rtol=1e-5)
    z = ag.tensor([[3.0, 4.0], [0.3, 0.4]])
    z.renorm_(2, 0, 1.0)
    np.testing.assert_allclose(z.data, [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    w = ag.tensor(np.array([[1.0, 2.0, -2.0], [0.1, 0.2, 0.1]]), requires_grad=True)
    assert ag.gradcheck(lambda t: ag.renorm(t, 2, 0, 1.5), (w,))
    assert ag.gradcheck(lambda t: ag.renorm(t, 3, 1, 1.0), (w,))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ag.renorm(ag.tensor([1.0]), 2, 0, 1.0)
    with pytest.raises(RuntimeError, match="maxnorm to be >= 0"):
        ag.renorm(x, 2, 0, -1.0)
    with pytest.raises(RuntimeError, match="non-positive-norm"):
        ag.renorm(x, 0, 0, 1.0)


@needs_torch
def test_against_torch():
    x = np.array([[3.0, 4.0, 1.0], [0.3, 0.4, 0.2], [6.0, -8.0, 2.0]], np.float32)
    for p, dim, mx in ((2, 0, 1.0), (1, 1, 2.0), (3.0, -1, 0.5)):
        np.testing.assert_allclose(ag.renorm(ag.tensor(x), p, dim, mx).data,
                                   torch.renorm(_t(x), p, dim, mx).numpy(), rtol=1e-5)
    xg = ag.tensor(x, requires_grad=True)
    ag.renorm(xg, 2, 0, 1.0).sum().backward()
    tg = _t(x).requires_grad_()
    torch.renorm(tg, 2, 0, 1.0).sum().backward()
    np.testing.assert_allclose(xg.grad.data, tg.grad.numpy(), rtol=1e-4, atol=1e-6)
    a, b = np.array([12, -18, 0, 7, 9]), np.array([8, 12, 0, -21, 0])
    assert ag.gcd(ag.tensor(a), ag.tensor(b)).tolist() == torch.gcd(_t(a), _t(b)).tolist()
    assert ag.lcm(ag.tensor(a), ag.tensor(b)).tolist() == torch.lcm(_t(a), _t(b)).tolist()
    v = np.array([1.5, -2.0, 0.5], np.float32)
    np.testing.assert_allclose(ag.vander(ag.tensor(v), 4).data, torch.vander(_t(v), 4).numpy())
    assert str(torch.vander(_t(np.array([1, 2]))).dtype) == "torch.int64"
    np.testing.assert_array_equal(ag.diagflat(ag.tensor(x), 2).data,
                                  torch.diagflat(_t(x), 2).numpy())
    e = np.array([3, -1, 0])
    np.testing.assert_allclose(ag.ldexp(ag.tensor(v), ag.tensor(e)).data,
                               torch.ldexp(_t(v), _t(e)).numpy())
    assert [c.tolist() for c in ag.unravel_index(ag.tensor([7, -2]), (3, 4))] == \
        [c.tolist() for c in torch.unravel_index(_t(np.array([7, -2])), (3, 4))]
    m = ag.zeros(5, 3)
    m.fill_diagonal_(2.0, wrap=True)
    tm = torch.zeros(5, 3)
    tm.fill_diagonal_(2.0, wrap=True)
    np.testing.assert_array_equal(m.data, tm.numpy())


# --------------------------------------------------------------------- random drawing
def test_multinomial_with_replacement_frequencies():
    ag.manual_seed(0)
    s = ag.multinomial(ag.tensor([1.0, 0.0, 3.0]), 4000, replacement=True)
    assert s.dtype == ag.int64 and s.shape == (4000,)
    counts = np.bincount(s.data, minlength=3)
    assert counts[1] == 0
    assert abs(counts[2] / 4000 - 0.75) < 0.03


def test_multinomial_without_replacement_2d():
    ag.manual_seed(1)
    w = ag.tensor([[1.0, 1.0, 1.0, 1.0], [0.0, 5.0, 1.0, 0.0]])
    s = ag.multinomial(w, 2)
    assert s.shape == (2, 2)
    assert len(set(s.data[0].tolist())) == 2
    assert sorted(s.data[1].tolist()) == [1, 2]  # the only two nonzero categories
    full = w[0].multinomial(4)
    assert sorted(full.tolist()) == [0, 1, 2, 3]


def test_multinomial_errors():
    w = ag.tensor([1.0, 0.0, 2.0])
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist"):
        ag.multinomial(w, 4)
    with pytest.raises(RuntimeError, match="not enough non-negative category"):
        ag.multinomial(w, 3)
    with pytest.raises(RuntimeError, match="inf, nan or element < 0"):
        ag.multinomial(ag.tensor([1.0, -1.0]), 1)
    with pytest.raises(RuntimeError, match="sum of probabilities <= 0"):
        ag.multinomial(ag.tensor([0.0, 0.0]), 1, True)
    with pytest.raises(RuntimeError, match="1 or 2 dim"):
        ag.multinomial(ag.ones(2, 2, 2), 1)
    with pytest.raises(RuntimeError, match="positive int"):
        ag.multinomial(w, 0)


def test_poisson():
    ag.manual_seed(3)
    rates = ag.full((20000,), 4.0)
    d = ag.poisson(rates)
    assert d.dtype == ag.float32
    assert abs(d.data.mean() - 4.0) < 0.1 and np.all(d.data == np.round(d.data))
    assert ag.poisson(ag.zeros(3, dtype=ag.float64)).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="non-negative"):
        ag.poisson(ag.tensor([-1.0]))


def test_rng_state_round_trip():
    ag.manual_seed(5)
    assert ag.initial_seed() == 5
    state = ag.get_rng_state()
    a = (ag.rand(4), ag.randn(3), ag.randint(10, (5,)), ag.multinomial(ag.ones(6), 3))
    ag.rand(7)
    ag.set_rng_state(state)
    b = (ag.rand(4), ag.randn(3), ag.randint(10, (5,)), ag.multinomial(ag.ones(6), 3))
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist()
    with pytest.raises(TypeError, match="set_rng_state: expected a state"):
        ag.set_rng_state([1, 2])


def test_seed_returns_the_new_seed():
    s = ag.seed()
    assert isinstance(s, int) and ag.initial_seed() == s
    first = ag.rand(3).tolist()
    ag.manual_seed(s)
    assert ag.rand(3).tolist() == first


def test_generator_reproducible_and_independent():
    g = ag.Generator()
    assert g.manual_seed(42) is g and g.initial_seed() == 42
    ag.manual_seed(0)
    draws = lambda gen: [ag.rand(3, generator=gen).tolist(), ag.randn(2, generator=gen).tolist(),
                         ag.randint(0, 9, (4,), generator=gen).tolist(),
                         ag.randperm(5, generator=gen).tolist(),
                         ag.normal(0.0, 1.0, (2,), generator=gen).tolist(),
                         ag.bernoulli(ag.full((6,), 0.5), generator=gen).tolist(),
                         ag.multinomial(ag.ones(5), 2, generator=gen).tolist(),
                         ag.rand_like(ag.zeros(2), generator=gen).tolist(),
                         ag.poisson(ag.ones(3), generator=gen).tolist()]
    first = draws(g)
    global_before = ag.get_rng_state()
    g.manual_seed(42)
    assert draws(g) == first
    assert ag.get_rng_state() == global_before  # the global generator was not used
    st = g.get_state()
    x = ag.rand(5, generator=g).tolist()
    g.set_state(st)
    assert ag.rand(5, generator=g).tolist() == x
    s = g.seed()
    assert g.initial_seed() == s
    with pytest.raises(TypeError, match="generator must be an autograd.Generator"):
        ag.rand(2, generator=3)


def test_generator_in_inplace_draws():
    g = ag.Generator().manual_seed(9)
    a = ag.empty(4).uniform_(generator=g).tolist()
    b = ag.empty(4).normal_(generator=g).tolist()
    g.manual_seed(9)
    assert ag.empty(4).uniform_(generator=g).tolist() == a
    assert ag.empty(4).normal_(generator=g).tolist() == b


def test_data_accepts_autograd_generator():
    ds = TensorDataset(ag.arange(10))
    parts = [random_split(ds, [6, 4], generator=ag.Generator().manual_seed(1)) for _ in "ab"]
    assert parts[0][0].indices == parts[1][0].indices
    assert sorted(parts[0][0].indices + parts[0][1].indices) == list(range(10))
    orders = []
    for _ in "ab":
        dl = DataLoader(ds, batch_size=10, shuffle=True, generator=ag.Generator().manual_seed(2))
        orders.append(next(iter(dl))[0].tolist())
    assert orders[0] == orders[1] and sorted(orders[0]) == list(range(10))


# ------------------------------------------------------------------------ default dtype
def test_set_default_dtype():
    assert ag.get_default_dtype() == ag.float32
    ag.set_default_dtype(ag.float64)
    assert ag.get_default_dtype() == ag.float64
    assert ag.tensor([1.5, 2.0]).dtype == ag.float64
    assert ag.tensor([1, 2]).dtype == ag.int64
    for made in (ag.zeros(2), ag.ones(2), ag.rand(2), ag.randn(2), ag.eye(2), ag.empty(1),
                 ag.linspace(0, 1, 3), ag.arange(0.0, 1.0, 0.5), ag.full((2,), 1.5),
                 ag.normal(0.0, 1.0, (2,))):
        assert made.dtype == ag.float64
    assert repr(ag.tensor([1.5])) == "Tensor([1.5])"  # no dtype= for the default float
    assert ag.Tensor([0.5]).dtype == ag.float64 and ag.scalar_tensor(2).dtype == ag.float64
    assert "dtype=float32" in repr(ag.tensor([1.5], dtype=ag.float32))
    ints = ag.tensor([1, 2])
    assert (ints / 2).dtype == ag.float64 and ag.sin(ints).dtype == ag.float64
    assert (ints * 1.5).dtype == ag.float64 and ag.ldexp(ints, ints).dtype == ag.float64
    assert (ag.tensor([1.0], dtype=ag.float32) * 1.5).dtype == ag.float32
    ag.set_default_dtype(ag.float32)
    assert ag.tensor([1.5]).dtype == ag.float32 and ag.zeros(1).dtype == ag.float32
    assert (ints / 2).dtype == ag.float32
    with pytest.raises(TypeError, match="only float32 and float64"):
        ag.set_default_dtype(ag.int64)
    with pytest.raises(TypeError, match="only float32 and float64"):
        ag.set_default_dtype(ag.float16)


# --------------------------------------------------------------------- print options
def test_set_printoptions():
    x = ag.tensor([1.23456789, 2.5])
    ag.set_printoptions(precision=2)
    assert repr(x) == "Tensor([1.23, 2.5 ])"
    ag.set_printoptions(sci_mode=True)
    assert repr(x) == "Tensor([1.23e+00, 2.50e+00])"
    ag.set_printoptions(threshold=5, edgeitems=1, sci_mode=False)
    assert repr(ag.arange(10)) == "Tensor([0, ..., 9])"
    assert repr(ag.tensor([1e-5, 1.0])) == "Tensor([0.00, 1.00])"
    ag.set_printoptions(profile="default")
    assert repr(x) == "Tensor([1.2346, 2.5   ])"
    ag.set_printoptions(linewidth=20)
    assert repr(ag.arange(8)).count("\n") >= 1
    with pytest.raises(ValueError, match="profile must be one of"):
        ag.set_printoptions(profile="long")
    with pytest.raises(ValueError, match="precision must be a non-negative int"):
        ag.set_printoptions(precision=-1)


# -------------------------------------------------------------------- Tensor methods
def test_detach_():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    assert b.detach_() is b
    assert not b.requires_grad and b.is_leaf and b.grad_fn is None
    assert b.tolist() == [2.0, 4.0]


def test_fill_diagonal_():
    m = ag.zeros(3, 3)
    assert m.fill_diagonal_(5.0) is m
    assert m.tolist() == [[5, 0, 0], [0, 5, 0], [0, 0, 5]]
    tall = ag.zeros(7, 3, dtype=ag.int64)
    tall.fill_diagonal_(1, wrap=True)
    assert tall.data.nonzero()[0].tolist() == [0, 1, 2, 4, 5, 6]
    nowrap = ag.zeros(7, 3).fill_diagonal_(1.0)
    assert nowrap.data.nonzero()[0].tolist() == [0, 1, 2]
    cube = ag.zeros(2, 2, 2).fill_diagonal_(3.0)
    assert cube.data[0, 0, 0] == 3 and cube.data[1, 1, 1] == 3 and cube.data.sum() == 6
    with pytest.raises(RuntimeError, match="equal length"):
        ag.zeros(2, 3, 2).fill_diagonal_(1.0)
    with pytest.raises(RuntimeError, match="larger than 1"):
        ag.zeros(3).fill_diagonal_(1.0)


def test_random_():
    ag.manual_seed(0)
    a = ag.empty(2000).random_(3, 7)
    assert set(a.data.tolist()) == {3.0, 4.0, 5.0, 6.0} and a.dtype == ag.float32
    b = ag.zeros(500, dtype=ag.int64).random_(4)
    assert set(b.tolist()) == {0, 1, 2, 3}
    c = ag.zeros(1000).random_()
    assert c.data.max() <= 2 ** 24 and c.data.max() > 2 ** 20
    d = ag.zeros(1000, dtype=ag.uint8).random_()
    assert d.data.max() > 200 and d.dtype == ag.uint8
    with pytest.raises(RuntimeError, match="'from' to be less than 'to'"):
        ag.zeros(2).random_(5, 5)


def test_exponential_and_geometric_():
    ag.manual_seed(1)
    e = ag.empty(20000).exponential_(2.0)
    assert e.data.min() >= 0 and abs(e.data.mean() - 0.5) < 0.02
    g = ag.empty(20000).geometric_(0.25)
    assert g.data.min() == 1 and abs(g.data.mean() - 4.0) < 0.15
    gi = ag.zeros(10, dtype=ag.int64).geometric_(0.5)
    assert gi.dtype == ag.int64 and gi.data.min() >= 1
    with pytest.raises(RuntimeError, match="lambda > 0"):
        ag.empty(2).exponential_(0.0)
    with pytest.raises(RuntimeError, match=r"p to be in \(0, 1\)"):
        ag.empty(2).geometric_(1.5)
    with pytest.raises(RuntimeError, match="floating-point"):
        ag.zeros(2, dtype=ag.int64).exponential_()


def test_data_ptr_and_storage_offset():
    x = ag.arange(12).reshape(3, 4)
    assert x.storage_offset() == 0
    row = x[1]
    assert row.storage_offset() == 4
    assert row.data_ptr() == x.data_ptr() + 4 * 8
    assert x[2, 1:].storage_offset() == 9
    assert isinstance(x.data_ptr(), int) and x.data_ptr() == x.data.ctypes.data


def test_put_():
    x = ag.zeros(2, 3)
    assert x.put_(ag.tensor([0, 4, -1]), ag.tensor([1.0, 2.0, 3.0])) is x
    assert x.tolist() == [[1, 0, 0], [0, 2, 3]]
    y = ag.zeros(4)
    y.put_(ag.tensor([1, 1, 3]), ag.tensor([1.0, 2.0, 5.0]), accumulate=True)
    assert y.tolist() == [0, 3, 0, 5]
    v = ag.zeros(2, 4)[:, ::2]  # a non-contiguous view writes through
    v.put_(ag.tensor([3]), ag.tensor([9.0]))
    assert v.tolist() == [[0, 0], [0, 9]]
    with pytest.raises(IndexError, match="index 6 is out of bounds"):
        ag.zeros(2, 3).put_(ag.tensor([6]), ag.tensor([1.0]))
    with pytest.raises(ValueError, match="same number of elements"):
        ag.zeros(3).put_(ag.tensor([0, 1]), ag.tensor([1.0]))
    with pytest.raises(TypeError, match="integer"):
        ag.zeros(3).put_(ag.tensor([0.0]), ag.tensor([1.0]))


def test_apply_():
    x = ag.tensor([[1, 2], [3, 4]])
    assert x.apply_(lambda v: v * v + 1) is x
    assert x.tolist() == [[2, 5], [10, 17]] and x.dtype == ag.int64
    f = ag.tensor([0.5, 1.5]).apply_(lambda v: -v)
    assert f.tolist() == [-0.5, -1.5]
    with pytest.raises(TypeError, match="callable"):
        x.apply_(3)


@pytest.mark.parametrize("edit", [
    lambda t: t.fill_diagonal_(1.0), lambda t: t.random_(0, 3), lambda t: t.exponential_(),
    lambda t: t.geometric_(0.5), lambda t: t.put_(ag.tensor([0]), ag.tensor([1.0])),
    lambda t: t.apply_(lambda v: v), lambda t: t.renorm_(2, 0, 1.0),
])
def test_inplace_conventions(edit):
    leaf = ag.zeros(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place modification of a tensor that requires"):
        edit(leaf)
    plain = ag.zeros(2, 2)
    v0 = plain._version
    alias = plain.detach()
    edit(plain)
    assert plain._version == v0 + 1 and alias._version == plain._version
    with ag.no_grad():
        edit(leaf)  # allowed under no_grad


def test_nn_layers_follow_set_default_dtype():
    import nn

    try:
        ag.set_default_dtype(ag.float64)
        layers = [nn.Linear(2, 3), nn.Conv2d(1, 2, 3), nn.PReLU(), nn.Bilinear(2, 2, 1),
                  nn.LayerNorm(4), nn.Embedding(5, 2)]
        assert all(p.dtype == np.float64 for m in layers for p in m.parameters())
        assert all(p.dtype == np.float64 for p in nn.MLP(2, [3, 1]).parameters())
        assert nn.Linear(2, 3, dtype=ag.float32).weight.dtype == np.float32
    finally:
        ag.set_default_dtype(ag.float32)
    assert nn.Linear(2, 3).weight.dtype == np.float32
