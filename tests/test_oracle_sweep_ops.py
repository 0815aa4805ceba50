"""A sweep of autograd's functions against PyTorch, as an OpInfo-style suite would run them
(values, dtypes, shapes and gradients on transposed, 0-d, empty and integer inputs): the
discrepancies it found, each pinned by a case compared with torch (tests/torch_oracle.py),
plus the memory layouts of clone / *_like / contiguous and the errors both libraries raise.
Skips without torch."""

from __future__ import annotations

import numpy as np
import pytest
from torch_oracle import Case, both_raise, check, ids, needs_torch

import autograd as ag

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

pytestmark = needs_torch

R = np.random.default_rng(7)
A = R.standard_normal((3, 4))
A32 = A.astype(np.float32)
BES = np.array([0.0, 1e-3, -0.5, 1.0, 2.5, -7.0, 15.0, 29.9, 30.1, -45.0, 100.0])
NANS = np.array([np.nan, -1.0, 0.0, 1.0, -0.5, 0.5, 2.0])
CLAMP = np.array([np.nan, -1.0, -0.5, 0.0, 0.5, 1.0])
POS = np.abs(A) + 0.1
UNIT = R.uniform(0.01, 0.99, (3, 4))


def _sp(name, *args):
    """torch.special.name / autograd.special.name."""
    return lambda m, x: getattr(m.special, name)(x, *args)


CASES = [
    # relu passes the gradient where not (x <= 0), so at a nan too (create_graph path; the
    # plain backward is the kernel's, see test_relu_nan_gradient_kernel); abs has none there
    Case("relu_nan_create_graph", lambda m, x: m.autograd.grad(
        m.relu(x.requires_grad_()).sum(), x, create_graph=True)[0], [NANS], grad=False),
    Case("abs_nan_grad", lambda m, x: m.abs(x), [NANS]),
    Case("leaky_relu_nan_grad", lambda m, x: m.nn.functional.leaky_relu(x, 0.1)
         if m is torch else __import__("nn").functional.leaky_relu(x, 0.1), [NANS]),
    # clamp: gradient 1 at exactly min and max, 0 at a nan and outside
    Case("clamp_bounds_nan", lambda m, x: m.clamp(x, -0.5, 0.5), [CLAMP]),
    Case("clamp_min_bound", lambda m, x: m.clamp_min(x, 0.0), [CLAMP]),
    Case("clamp_max_bound", lambda m, x: m.clamp_max(x, 0.5), [CLAMP]),
    Case("clamp_tensor_bounds", lambda m, x: m.clamp(x, m.tensor(-0.5, dtype=x.dtype),
                                                     m.tensor(0.5, dtype=x.dtype)), [CLAMP]),
    # a clone keeps a transposed tensor's layout, and its gradient is the identity's
    Case("clone_transposed", lambda m, x: x.t().clone() * 2, [A]),
    Case("clone_contiguous_format", lambda m, x: x.t().clone(
        memory_format=m.contiguous_format), [A]),
    # the modified Bessel functions and nextafter (missing before)
    Case("i0", lambda m, x: m.i0(x), [BES], rtol=1e-10, atol=1e-12),
    Case("i0_method_f32", lambda m, x: x.i0(), [BES[:8].astype(np.float32)], rtol=2e-6,
         atol=1e-6),
    Case("i0_transposed", lambda m, x: m.i0(x.t()), [A]),
    Case("i0_int", lambda m, x: m.i0(x), [np.array([[0, 1], [-2, 3]])], rtol=1e-6),
    Case("special_i0", _sp("i0"), [BES], rtol=1e-10, atol=1e-12),
    Case("special_i0e", _sp("i0e"), [BES], rtol=1e-10, atol=1e-12),
    Case("special_i1", _sp("i1"), [BES], rtol=1e-10, atol=1e-12),
    Case("special_i1e", _sp("i1e"), [BES], rtol=1e-10, atol=1e-12),
    Case("special_i1_0d", _sp("i1"), [np.array(0.0)]),
    Case("special_ndtr", _sp("ndtr"), [A], rtol=1e-10, atol=1e-12),
    Case("special_ndtri", _sp("ndtri"), [UNIT], rtol=1e-8, atol=1e-10),
    Case("special_log_ndtr", _sp("log_ndtr"),
         [np.concatenate([BES, [-25.0, -40.0, -100.0]])], rtol=1e-10, atol=1e-12),
    Case("special_entr", _sp("entr"), [np.concatenate([POS.ravel(), [0.0]])], rtol=1e-10),
    Case("special_expit", _sp("expit"), [A]),
    Case("special_gammaln", _sp("gammaln"), [POS], rtol=1e-10, atol=1e-12),
    Case("special_psi", _sp("psi"), [POS], rtol=1e-9, atol=1e-10),
    Case("special_multigammaln", _sp("multigammaln", 3), [POS + 2], rtol=1e-10),
    Case("special_xlog1py", lambda m, x, y: m.special.xlog1py(x, y),
         [np.array([0.0, 1.5, -2.0, 0.0]), np.array([0.5, 2.0, 0.1, np.nan])], rtol=1e-10),
    Case("special_logsumexp", lambda m, x: m.special.logsumexp(x, -1), [A]),
    Case("nextafter", lambda m, x, y: m.nextafter(x, y), [A32, np.zeros(4, np.float32)],
         grad=False, rtol=0, atol=0),
    Case("nextafter_promotes", lambda m, x, y: x.nextafter(y),
         [A32, np.full(4, np.inf)], grad=False, rtol=0, atol=0),
    Case("isreal", lambda m, x: m.isreal(x), [A]),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_sweep_ops_match_torch(case):
    check(case)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_relu_nan_gradient_kernel(backend):
    """relu's backward passes the gradient at a nan input (torch: x <= 0 ? 0 : g), in the
    numpy reference and the numba kernels (the thresholds lowered so the small input runs
    them; the fused layers' relu backward is the same inline function)."""
    from autograd.kernels import tuning

    prev = ag.get_backend()
    ag.set_backend(backend)
    try:
        with tuning.override(small_act=0):
            check(Case("relu_nan", lambda m, x: m.relu(x), [NANS]))
    finally:
        ag.set_backend(prev)


def _layouts():
    """(name, make(m, base)) for sources of several layouts, base a (2, 3, 4) tensor."""
    return [
        ("transposed", lambda m, b: b.transpose(0, 2)),
        ("permuted", lambda m, b: b.permute(1, 0, 2)),
        ("strided", lambda m, b: b[:, :, ::2]),
        ("strided_transposed", lambda m, b: b.transpose(1, 2)[:, ::2]),
        ("expanded", lambda m, b: b[0, 0, :3].expand(2, 3)),
        ("diagonal", lambda m, b: b[0, :3, :3].diagonal()),
        ("zero_d", lambda m, b: b[0, 0, 0]),
        ("channels_last", lambda m, b: b.reshape(1, 2, 3, 4).permute(0, 3, 1, 2)),
        ("contiguous", lambda m, b: b),
    ]


_MAKERS = {
    "clone": lambda m, x, kw: x.clone(**kw),
    "empty_like": lambda m, x, kw: m.empty_like(x, **kw),
    "zeros_like": lambda m, x, kw: m.zeros_like(x, **kw),
    "ones_like": lambda m, x, kw: m.ones_like(x, **kw),
    "full_like": lambda m, x, kw: m.full_like(x, 2.5, **kw),
    "rand_like": lambda m, x, kw: m.rand_like(x, **kw),
    "randn_like": lambda m, x, kw: m.randn_like(x, **kw),
}


@pytest.mark.parametrize("fmt", [None, "preserve_format", "contiguous_format"])
@pytest.mark.parametrize("maker", sorted(_MAKERS))
@pytest.mark.parametrize("layout", _layouts(), ids=[n for n, _ in _layouts()])
def test_memory_format_strides_match_torch(layout, maker, fmt):
    base = np.arange(24.0).reshape(2, 3, 4)
    name, make = layout
    ours = make(ag, ag.tensor(base))
    theirs = make(torch, torch.tensor(base))
    kw_o = {} if fmt is None else {"memory_format": getattr(ag, fmt)}
    kw_t = {} if fmt is None else {"memory_format": getattr(torch, fmt)}
    o, t = _MAKERS[maker](ag, ours, kw_o), _MAKERS[maker](torch, theirs, kw_t)
    assert o.shape == tuple(t.shape)
    assert o.stride() == t.stride(), f"{name} {maker} {fmt}"
    assert o.is_contiguous() == t.is_contiguous()
    if maker in ("clone", "zeros_like", "ones_like", "full_like"):
        np.testing.assert_array_equal(o.data, t.numpy())


@pytest.mark.parametrize("fmt", ["contiguous_format", "channels_last"])
@pytest.mark.parametrize("layout", _layouts(), ids=[n for n, _ in _layouts()])
def test_contiguous_and_is_contiguous_match_torch(layout, fmt):
    base = np.arange(24.0).reshape(2, 3, 4)
    _, make = layout
    ours, theirs = make(ag, ag.tensor(base)), make(torch, torch.tensor(base))
    fo, ft = getattr(ag, fmt), getattr(torch, fmt)
    assert ours.is_contiguous(memory_format=fo) == theirs.is_contiguous(memory_format=ft)
    if fmt == "channels_last" and ours.ndim != 4:
        both_raise(lambda m: (ours if m is ag else theirs).contiguous(
            memory_format=getattr(m, fmt)))
        return
    o, t = ours.contiguous(memory_format=fo), theirs.contiguous(memory_format=ft)
    assert o.stride() == t.stride()
    assert (o is ours) == (t is theirs)
    np.testing.assert_array_equal(o.data, t.numpy())


def test_channels_last_clone_and_gradient():
    x = np.arange(120.0).reshape(2, 3, 4, 5)
    o = ag.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    co, ct = o.clone(memory_format=ag.channels_last), t.clone(memory_format=torch.channels_last)
    assert co.stride() == ct.stride() == (60, 1, 15, 3)
    assert co.is_contiguous(memory_format=ag.channels_last)
    g = R.standard_normal(x.shape)
    (co * ag.tensor(g)).sum().backward()
    (ct * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(o.grad.data, t.grad.numpy())


def test_preserve_format_contiguous_of_a_strided_tensor_raises():
    both_raise(lambda m: m.zeros(3, 4).t().contiguous(memory_format=m.preserve_format))
    x = ag.zeros(3, 4)
    assert x.contiguous(memory_format=ag.preserve_format) is x


def test_memory_format_must_be_a_memory_format():
    both_raise(lambda m: m.zeros(2, 3).clone(memory_format="channels_last"))
    both_raise(lambda m: m.zeros(2, 3).clone(memory_format=m.channels_last))
    both_raise(lambda m: m.zeros_like(m.zeros(2, 3), memory_format=m.channels_last_3d))


ERRORS = [
    ("amax_empty_no_dim", lambda m: m.amax(m.zeros(0, 3))),
    ("amin_empty_no_dim", lambda m: m.amin(m.zeros(0, 3))),
    ("amax_empty_dim", lambda m: m.amax(m.zeros(0, 3), 0)),
    ("kthvalue_empty_dim", lambda m: m.kthvalue(m.zeros(0, 3), 1, 0)),
    ("narrow_0d", lambda m: m.narrow(m.tensor(1.0), 0, 0, 1)),
    ("quantile_empty", lambda m: m.quantile(m.zeros(0), 0.5)),
    ("quantile_empty_dim", lambda m: m.quantile(m.zeros(0, 3), 0.5, dim=1)),
    ("nextafter_int", lambda m: m.nextafter(m.tensor([1, 2]), m.tensor([2, 0]))),
    ("logcumsumexp_int", lambda m: m.logcumsumexp(m.tensor([1, 2]), 0)),
]


@pytest.mark.parametrize("fn", [f for _, f in ERRORS], ids=[n for n, _ in ERRORS])
def test_errors_match_torch(fn):
    both_raise(fn)


# tensor() from nested Python lists: the fast check for plain leaves keeps torch's dtypes
NESTED = [
    [[0.5] * 300, [1.5] * 300],
    [[1] * 300, [2] * 300],
    [[True] * 300, [False] * 300],
    [[1] * 299 + [2.5], [3] * 300],
    [[True] * 299 + [2], [1] * 300],
    [[0.5] * 299 + [np.float64(2.5)], [1.5] * 300],
    [[0.5] * 299 + [np.float32(2.5)], [1.5] * 300],
    [[1] * 299 + [np.int32(2)], [1] * 300],
    [np.zeros(300), [1.5] * 300],
    [np.zeros(300, np.float32), [1.5] * 300],
]


@pytest.mark.parametrize("data", NESTED, ids=[f"nested{i}" for i in range(len(NESTED))])
def test_tensor_from_nested_lists_matches_torch(data):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: a list of ndarrays is slow
        t = torch.tensor(data)
    o = ag.tensor(data)
    assert str(o.dtype) == str(t.dtype).replace("torch.", "")
    np.testing.assert_array_equal(o.data, t.numpy())


LIN = R.standard_normal((4, 3))
LIN_B = R.standard_normal((2, 3, 5))

LINALG_CASES = [
    # full_matrices=True on a non-square matrix: differentiable through the first min(m, n)
    # columns of U / rows of Vh (the complement's gradient is ignored, as torch documents)
    Case("svd_full_tall", lambda m, x: [t.abs() if i != 1 else t
                                        for i, t in enumerate(m.linalg.svd(x))], [LIN]),
    Case("svd_full_wide_batched", lambda m, x: (lambda u, s, vh: (
        u.abs(), s, vh[..., :3, :].abs(), vh.shape[-2]))(*m.linalg.svd(x)), [LIN_B]),
    # QR of a wide matrix (reduced and complete) is differentiable, as in torch
    Case("qr_wide_reduced", lambda m, x: m.linalg.qr(x), [LIN.T.copy()]),
    Case("qr_wide_complete", lambda m, x: m.linalg.qr(x, mode="complete"), [LIN_B]),
    Case("qr_tall_complete_forward", lambda m, x: m.linalg.qr(x, mode="complete"), [LIN],
         grad=False),
    Case("qr_r_forward", lambda m, x: m.linalg.qr(x, mode="r"), [LIN], grad=False),
]


@pytest.mark.parametrize("case", LINALG_CASES, ids=ids(LINALG_CASES))
def test_linalg_sweep_matches_torch(case):
    check(case)


@pytest.mark.parametrize("mode", ["r", "complete"])
def test_qr_not_differentiable_raises_in_backward_as_torch(mode):
    def run(m):
        x = m.tensor(LIN, requires_grad=True)
        q, r = m.linalg.qr(x, mode=mode)  # the forward works with requires_grad
        (q.sum() + r.sum()).backward()
    both_raise(run)


@pytest.mark.parametrize("a", [
    np.array([[1.0, 2.0], [2.0, 4.0]]),
    np.array([[0.0, 1.0], [0.0, 0.0]]),
    np.array([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
              [[2.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 4.0]]]),
], ids=["rank1", "nilpotent", "batch_singular_and_not"])
def test_det_gradient_of_a_singular_matrix_is_the_adjugate(a):
    """Before: LinAlgError in backward. Now the cofactor matrix, checked by central
    differences (det is a polynomial; torch 2.13 returns 0 here, not the derivative)."""
    x = ag.tensor(a, requires_grad=True)
    ag.linalg.det(x).sum().backward()
    h, num = 1e-6, np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        up, dn = a.copy(), a.copy()
        up[idx] += h
        dn[idx] -= h
        num[idx] = (np.linalg.det(up).sum() - np.linalg.det(dn).sum()) / (2 * h)
    np.testing.assert_allclose(x.grad.data, num, atol=1e-6)
