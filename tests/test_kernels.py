"""Kernel tests: every numba kernel against the numpy reference, plus the traps."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import kernels as K
from autograd.kernels import elementwise as ew
from autograd.kernels import numba_backend as nb
from autograd.kernels import numpy_backend as ref
from autograd.kernels import tuning
from autograd.kernels._jit import FASTMATH
from autograd.kernels.matmul import matmul2d, use_kernel

ROOT = Path(__file__).resolve().parents[1]
if not (ROOT / "tests" / "conftest.py").exists():  # the shared conftest registers this
    settings.register_profile("numbagrad", deadline=None, max_examples=25)
    settings.load_profile("numbagrad")

DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-11, atol=1e-13)}
dims = st.integers(1, 9)


REAL = tuning.thresholds()  # the cut-offs in force on this machine
PAR_MIN = REAL.par_min


@pytest.fixture(autouse=True)
def _numba_kernels_at_every_size():
    """The backend hands tiny arrays to numpy (cheaper than a numba call); these tests are
    about the numba kernels themselves, so they run them at every size."""
    with tuning.override(small_act=0, tanh_min=0, small_binary=0, small_sgd=0,
                         small_sgd_momentum=0):
        yield


def test_small_arrays_go_to_numpy_and_agree():
    rng = np.random.default_rng(11)
    x = _arr(rng, (8, 16), np.float32)
    g = _arr(rng, (8, 16), np.float32)
    with tuning.override(small_act=REAL.small_act, tanh_min=max(REAL.tanh_min, x.size + 1),
                         small_binary=REAL.small_binary, small_sgd=REAL.small_sgd):
        assert x.size < REAL.small_act and x.size < REAL.small_binary
        _small_arrays_agree(x, g)


def _small_arrays_agree(x, g):
    for name in ("relu", "sigmoid", "tanh", "gelu"):
        np.testing.assert_allclose(getattr(nb, name)(x), getattr(ref, name)(x), rtol=2e-6,
                                   atol=1e-6)
    np.testing.assert_allclose(nb.act_backward("tanh", x, g), ref.act_backward("tanh", x, g))
    np.testing.assert_array_equal(nb.mul(x, x[0]), x * x[0])
    p1, p2 = x.copy(), x.copy()
    nb.sgd_update(p1, g, None, 0.1)
    ref.sgd_update(p2, g, None, 0.1)
    np.testing.assert_array_equal(p1, p2)


def _arr(rng, shape, dt, scale=3.0):
    return (rng.standard_normal(shape) * scale).astype(dt)


def _noncontig(x, how):
    """Same values as x, different memory layout."""
    if how == "T":
        return np.ascontiguousarray(x.T).T
    if how == "step":
        big = np.zeros((x.shape[0] * 2,) + x.shape[1:], x.dtype)
        big[::2] = x
        return big[::2]
    return x


def close(a, b, dt, scale=1.0):
    t = TOL[dt]
    np.testing.assert_allclose(a, b, rtol=t["rtol"], atol=t["atol"] * scale)


# ----------------------------------------------------------------------------- seam


def test_set_backend_and_errors():
    old = K.get_backend()
    try:
        K.set_backend("numpy")
        assert K.active is ref and K.get_backend() == "numpy"
        K.set_backend("numba")
        assert K.active is nb
        with pytest.raises(ValueError, match="numba"):
            K.set_backend("torch")
    finally:
        K.set_backend(old)


def test_num_threads():
    import numba

    n = K.get_num_threads()
    K.set_num_threads(1)
    assert K.get_num_threads() == 1
    K.set_num_threads(n)
    for bad in (0, numba.config.NUMBA_NUM_THREADS + 1, 1.5):
        with pytest.raises(ValueError):
            K.set_num_threads(bad)


def _run(code: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


def test_bad_env_backend_is_clear():
    r = _run("import autograd.kernels", {"AUTOGRAD_BACKEND": "tpu"})
    assert r.returncode != 0 and "AUTOGRAD_BACKEND" in r.stderr and "'numba'" in r.stderr


def test_import_compiles_nothing_and_warm_cache_is_reused():
    probe = """
        import json, numpy as np
        import autograd.kernels as K
        from autograd.kernels import numba_backend as nb, elementwise as ew, matmul as mm
        kernels = [ew._sigmoid_k, ew._bias_relu_k, mm._mm_serial]
        acts = [k for table in (ew._FWD, ew._BWD, ew._BIAS) for e in table if e for k in e]
        before = sum(len(k.signatures) for k in kernels + acts)
        x = np.linspace(-3, 3, 50, dtype=np.float32).reshape(5, 10)
        from autograd.kernels import tuning
        n = 2 * tuning.thresholds().small_act  # above this machine's cut-off: the kernel runs
        nb.sigmoid(np.linspace(-3, 3, n, dtype=np.float32))
        nb.bias_act(x, x[0], "relu"); mm.matmul2d(x, x.T)
        # the sigmoid may run its serial kernel or its parallel driver (this machine's cut-offs)
        hits = sum(sum(k.stats.cache_hits.values()) for k in set(kernels + acts))
        misses = sum(sum(k.stats.cache_misses.values()) for k in set(kernels + acts))
        used = sorted(k.py_func.__name__ for k in acts if k.signatures)
        print(json.dumps([before, hits, misses, used]))
    """
    first = _run(probe)
    assert first.returncode == 0, first.stderr
    second = _run(probe)
    assert second.returncode == 0, second.stderr
    before, hits, misses, used = json.loads(second.stdout.strip().splitlines()[-1])
    assert before == 0  # importing compiled nothing
    assert misses == 0 and hits >= 3  # second process loaded every kernel from the cache
    # of the 16 activation kernels and their drivers, only those of the two activations the
    # probe ran were loaded (a kernel, or its driver too if the size went parallel here)
    assert {u.rsplit("_", 1)[0] for u in used} == {"_bias_relu", "_sigmoid"}, used


def test_unwritable_cache_dir_still_runs(tmp_path):
    """A cache dir nobody can write (not even root: /proc refuses new files) must not stop
    the kernels: numba falls back to another locator or compiles uncached."""
    for cache in (tmp_path / "ro", Path("/proc/numbagrad-no-such-dir")):
        if cache.parent == tmp_path:
            cache.mkdir()
            cache.chmod(0o555)
        r = _run(
            "import numpy as np; from autograd.kernels import numba_backend as nb;"
            "from autograd.kernels import tuning;"
            "x = np.tile(np.array([-1.0, 2.0], np.float32), tuning.thresholds().small_act);"
            "print(nb.relu(x)[:2], nb.sigmoid(x)[:2].round(4))",
            {"NUMBA_CACHE_DIR": str(cache)},
        )
        assert r.returncode == 0, r.stderr
        assert "[0. 2.] [0.2689 0.8808]" in r.stdout


def test_disable_jit_still_works():
    r = _run(
        "import numpy as np; from autograd.kernels import numba_backend as nb;"
        "from autograd.kernels import numpy_backend as ref;"
        "x = np.linspace(-2, 2, 24, dtype=np.float32).reshape(4, 6);"
        "from autograd.kernels.matmul import matmul2d;"
        "print(float(np.abs(matmul2d(x, x.T) - x @ x.T).max()),"
        " float(np.abs(nb.gelu(x) - ref.gelu(x)).max()))",
        {"NUMBA_DISABLE_JIT": "1"},
    )
    assert r.returncode == 0, r.stderr
    matmul_err, gelu_err = (float(v) for v in r.stdout.split())
    assert matmul_err < 1e-4 and gelu_err < 1e-6  # the kernels, run as plain Python


# ----------------------------------------------------------------------------- fast exp


@pytest.mark.parametrize("dt", DTYPES)
def test_fast_exp_accuracy(dt):
    from numba import njit

    from autograd.kernels._fastmath import fexp

    @njit
    def run(x, out):
        for i in range(x.size):
            out[i] = fexp(x[i])

    lim = 87.0 if dt == np.float32 else 708.0
    x = np.concatenate([np.linspace(-lim, lim, 200001), [0.0, 1e-30, -1e-30]]).astype(dt)
    out = np.empty_like(x)
    run(x, out)
    rel = np.abs(out.astype(np.float64) / np.exp(x.astype(np.float64)) - 1)
    assert rel.max() < (4e-7 if dt == np.float32 else 2e-15)
    ext = np.array([1e4, -1e4, np.inf, -np.inf, np.nan, 1e-45], dt)
    out = np.empty_like(ext)
    run(ext, out)
    assert out[0] == np.inf and out[1] == 0 and out[2] == np.inf and out[3] == 0
    assert np.isnan(out[4]) and out[5] == 1


@pytest.mark.parametrize("dt", DTYPES)
def test_sigmoid_extremes_no_warnings(dt):
    x = np.array([-1e4, -100, -1, 0, 1, 100, 1e4], dt)
    with np.errstate(all="raise"):
        for be in (nb, ref):
            y = be.sigmoid(x)
            assert y.dtype == dt and np.all(np.isfinite(y))
            assert y[0] == 0 and y[-1] == 1 and y[3] == 0.5
            t = be.tanh(x)
            assert t[0] == -1 and t[-1] == 1


# ----------------------------------------------------------------------------- matmul


@pytest.mark.parametrize("dt", DTYPES)
@settings(max_examples=15)
@given(m=st.integers(1, 70), k=st.integers(1, 140), n=st.integers(1, 70),
       la=st.sampled_from(["C", "T", "step"]), lb=st.sampled_from(["C", "T", "step"]))
def test_matmul_2d(dt, m, k, n, la, lb):
    rng = np.random.default_rng(m * 10007 + k * 101 + n)
    a = _noncontig(_arr(rng, (m, k), dt, 1.0), la)
    b = _noncontig(_arr(rng, (k, n), dt, 1.0), lb)
    for c in (nb.matmul(a, b), matmul2d(a, b, parallel=False), matmul2d(a, b, parallel=True)):
        assert c.dtype == dt and c.shape == (m, n)
        close(c, a @ b, dt, scale=k)


def test_matmul_dispatch_and_out():
    """The kernel takes the products the tuning rule gives it (cut-offs and tile width from
    tuning.py, whatever this CPU's are); the rest go to BLAS."""
    th = tuning.thresholds()
    nr = tuning.matmul_geometry(np.float32).nr
    big = max(th.mm_min_flops, 1 << 22)
    for m, k, n in ((256, 784, 512), (128, 784, 256), (784, 128, 256)):
        for dt in DTYPES:
            wide = 1 - n / (-(-n // tuning.matmul_geometry(dt).nr) * tuning.matmul_geometry(
                dt).nr) <= th.mm_max_pad_waste
            assert use_kernel(m, k, n, dt) == (2 * m * k * n >= th.mm_min_flops and wide)
    assert not use_kernel(512, 512, 512, np.int64)
    assert not use_kernel(128, 256, th.mm_min_n - 1, np.float32)  # too narrow
    assert not use_kernel(8, 8, 8, np.float32)  # too small: fixed costs dominate
    assert not use_kernel(100, th.mm_min_k - 1, 1 << 12, np.float32)  # k too short
    # more than mm_max_pad_waste of the padded columns empty: BLAS; whole panels: kernel
    def waste(n):
        return 1 - n / (-(-n // nr) * nr)

    wasteful = [n for n in range(th.mm_min_n, 8 * nr) if waste(n) > th.mm_max_pad_waste]
    for n in wasteful[:3]:
        assert not use_kernel(-(-big // (2 * 512 * n)), 512, n, np.float32), n
    full = nr * max(1, -(-th.mm_min_n // nr))
    assert use_kernel(-(-big // (2 * 512 * full)), 512, full, np.float32)
    rng = np.random.default_rng(5)
    a = _arr(rng, (130, 150), np.float32, 1.0)
    b = _arr(rng, (150, 97), np.float32, 1.0)
    out = np.full((130, 97), np.nan, np.float32)
    assert matmul2d(a, b, out=out) is out
    close(out, a @ b, np.float32, scale=150)


@pytest.mark.parametrize("dt", DTYPES)
def test_one_thread_products_take_the_serial_kernel_only_in_its_measured_range(dt,
                                                                             monkeypatch):
    """Without two threads free, a product runs the serial kernel when its FLOPs lie in
    the dtype's [mm_serial_min, mm_serial_max) and BLAS otherwise (the same numbers)."""
    from autograd.kernels import matmul as mk

    monkeypatch.setattr(mk, "_threads_pay", lambda flops: False)
    ran = []
    real = mk.matmul2d
    monkeypatch.setattr(mk, "matmul2d", lambda *a, **kw: ran.append(kw) or real(*a, **kw))
    rng = np.random.default_rng(3)
    a = _arr(rng, (128, 300), dt, 1.0)
    nr = tuning.matmul_geometry(dt).nr
    b = _arr(rng, (300, nr * max(2, -(-tuning.thresholds().mm_min_n // nr))), dt, 1.0)
    flops = 2 * a.shape[0] * a.shape[1] * b.shape[1]
    suffix = "_f64" if dt == np.float64 else ""
    for lo, hi, kernel in ((0, flops, False), (0, flops + 1, True), (flops + 1, 1 << 40, False),
                           (flops, flops + 1, True), (0, 0, False)):
        ran.clear()
        with tuning.override(mm_min_flops=0, **{"mm_serial_min_flops" + suffix: lo,
                                                "mm_serial_max_flops" + suffix: hi}):
            got = mk.matmul(a, b)
        assert (ran == [{"out": None, "parallel": False}]) == kernel, (lo, hi)
        close(got, a @ b, dt, scale=300)


@pytest.mark.parametrize("dt", DTYPES)
def test_matmul_nd_and_1d(dt):
    rng = np.random.default_rng(1)
    a = _arr(rng, (3, 1, 5, 7), dt)
    b = _arr(rng, (4, 7, 6), dt)
    v = _arr(rng, (7,), dt)
    strided = b[0][:, ::2]  # (7, 3) with a column stride of 2
    assert not strided.flags.c_contiguous
    for x, y in [(a, b), (a, v), (v, b), (v, v), (a[0, 0], b), (a, strided)]:
        got = nb.matmul(x, y)
        assert got.dtype == dt
        close(got, np.matmul(x, y), dt, scale=10)


def test_matmul_large_parallel_no_lost_writes():
    """Big enough for the parallel path; catches lost writes from views in prange."""
    rng = np.random.default_rng(2)
    a = _arr(rng, (300, 200), np.float32, 1.0)
    b = _arr(rng, (200, 333), np.float32, 1.0)
    for bb in (b, b[:, :200], np.asfortranarray(b)):
        want = a.astype(np.float64) @ bb
        np.testing.assert_allclose(matmul2d(a, bb, parallel=True), want, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(nb.matmul(a, b), a @ b, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("dt", DTYPES)
def test_matmul_ragged_edges_strided_out_and_reused_workspaces(dt):
    """Ragged products (a last strip and a last panel narrower than the tile) write their
    edge tiles through the scratch and touch nothing outside C; an out= view with a row
    stride is written in place; back-to-back products through the reused pack buffers stay
    independent (each result is its own array, right after the next call too)."""
    rng = np.random.default_rng(7)
    mr, nr = tuning.matmul_geometry(dt).mr, tuning.matmul_geometry(dt).nr
    w = tuning.matmul_geometry(dt).w
    shapes = [(mr + 1, 17, nr + 1), (2 * mr - 1, 130, nr + w), (3, 129, 2 * nr - 1),
              (1, 5, 1), (mr, 8, nr)]
    results = []
    for m, k, n in shapes:
        a, b = _arr(rng, (m, k), dt, 1.0), _arr(rng, (k, n), dt, 1.0)
        want = a.astype(np.float64) @ b.astype(np.float64)
        for par in (False, True):
            c = matmul2d(a, b, parallel=par)
            close(c, want, dt, scale=k)
            results.append((c, want, k))
            frame = np.full((m + 2, n + 5), 7, dt)
            view = frame[1:m + 1, 2:n + 2]  # rows with a stride: written in place
            assert matmul2d(a, b, out=view, parallel=par) is view
            close(view, want, dt, scale=k)
            rest = frame.copy()
            rest[1:m + 1, 2:n + 2] = 7
            assert (rest == 7).all()  # nothing outside the view was written
    for c, want, k in results:  # later calls reused the workspaces, not these results
        close(c, want, dt, scale=k)


def test_tune_suspends_the_back_off_and_restores_it(monkeypatch):
    import numba

    from autograd.kernels import parallel as par

    monkeypatch.setattr(par, "_best", {})
    monkeypatch.setattr(par, "_state", {"until": 1e18, "hold": 2.0, "run": 1, "backoffs": 3})
    assert not par.worth_it(1 << 30)  # backed off
    with par.suspended():
        assert par.worth_it(1 << 30) == (numba.get_num_threads() > 1)
        for _ in range(5):  # however slow the calls, no back-off starts inside
            par.done("probe", 1, 10.0)
        assert par._state["until"] == 0.0
    assert par._state == {"until": 1e18, "hold": 2.0, "run": 1, "backoffs": 3}
    assert par.NEED == 2


# ----------------------------------------------------------------------------- activations

ACTS = ["relu", "leaky_relu", "sigmoid", "tanh", "gelu"]


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name", ACTS)
@settings(max_examples=8)
@given(shape=st.lists(dims, min_size=1, max_size=3), how=st.sampled_from(["C", "T", "step"]))
def test_activations(dt, name, shape, how):
    rng = np.random.default_rng(len(shape) * 7 + shape[0])
    x = _noncontig(_arr(rng, shape, dt), how)
    g = _noncontig(_arr(rng, shape, dt), how)
    y = getattr(nb, name)(x)
    assert y.dtype == dt and y.shape == x.shape
    close(y, getattr(ref, name)(x), dt)
    u = y if name in ("sigmoid", "tanh") else x
    gb = getattr(nb, name + "_backward")(u, g)
    assert gb.dtype == dt
    close(gb, getattr(ref, name + "_backward")(u, g), dt, scale=10)
    close(nb.act_backward(name, u, g), gb, dt)


@pytest.mark.parametrize("dt", DTYPES)
def test_activations_large_parallel(dt):
    """Parallel path over > PAR_MIN elements: every element written, values right."""
    rng = np.random.default_rng(3)
    x = _arr(rng, (PAR_MIN * 3 + 17,), dt)
    g = _arr(rng, x.shape, dt)
    for name in ACTS:
        close(getattr(nb, name)(x), getattr(ref, name)(x), dt)
    close(nb.gelu_backward(x, g), ref.gelu_backward(x, g), dt, scale=10)


@pytest.mark.parametrize("dt", DTYPES)
def test_every_activation_parallel_driver(dt):
    """Each activation has its own parallel driver per pass (forward, backward, bias +
    activation). Called directly with small chunks (whatever the machine's cut-offs and
    back-off): every element written, the values those of the numpy reference."""
    rng = np.random.default_rng(5)
    x = _arr(rng, (23, 37), dt)  # 851 elements: 13 chunks of 64 and a partial one
    g = _arr(rng, x.shape, dt)
    b = _arr(rng, (37,), dt)
    xf, gf = x.reshape(-1), g.reshape(-1)
    for code, name in enumerate(ew.ACTIVATIONS):
        if code:  # "none" has no element-wise forward or backward kernel
            out = np.full_like(xf, np.nan)
            ew._FWD[code][1](xf, out, 0.2, 64)
            close(out.reshape(x.shape), ew._apply_act(name, x, 0.2), dt)
            out = np.full_like(xf, np.nan)
            ew._BWD[code][1](xf, gf, out, 0.2, 64)
            close(out.reshape(x.shape), ref.act_backward(name, x, g, 0.2), dt, scale=10)
        out = np.full_like(x, np.nan)
        ew._BIAS[code][1](x, b, out, 0.2, 5)  # 5 rows per task: 4 full tasks and a partial
        close(out, ref.bias_act(x, b, name, 0.2), dt)


# The registers that packed float32 arithmetic uses at each ISA's vector width.
# Registers a loop may be vectorised into. On AVX-512, LLVM keeps auto-vectorised loops at
# 256 bits on Intel cores tuned "prefer-256-bit" (Skylake-X to Sapphire Rapids: rocketlake
# here) and uses 512 on AMD Zen 4/5: either is a packed loop.
_VREG = {"avx512": r"%[yz]mm", "avx2": r"%ymm", "sse2": r"%xmm"}


_ACT_KERNELS = [e[0].py_func.__name__ for table in (ew._FWD, ew._BWD, ew._BIAS)
                for e in table if e is not None]
_EXP_KERNELS = {"_sigmoid_k", "_tanh_k", "_gelu_k", "_gelu_bwd_k", "_bias_sigmoid_k",
                "_bias_tanh_k", "_bias_gelu_k"}  # those that evaluate fexp / ferfc


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="needs the JIT")
@pytest.mark.parametrize("kernel", _ACT_KERNELS)
def test_activation_kernels_vectorise(kernel):
    """Each fused activation kernel (one per activation and pass) compiles to packed loops
    at the vector width numba targets here (tuning.isa(): zmm on AVX-512, ymm on AVX2, xmm
    on SSE2 / generic).

    Guards the traps that made them 10-50x slower than the same loop written plainly: a
    signed chunk index (negative-index wraparound -> gather/scatter), numba's python error
    model (a zero-divisor check per division: sigmoid/tanh stayed scalar) and a libm
    exp/erfc call inside a loop (PyPI's llvmlite has no SVML, so it never vectorises).
    Measured on AVX-512: 18-70 packed instructions per kernel; the same loops left scalar by
    those traps keep 4-12.
    """
    import numba

    isa = tuning.isa()
    if isa not in _VREG:
        pytest.skip(f"the check reads x86 assembly; this CPU's ISA is {isa}")
    fresh = numba.njit(fastmath=FASTMATH, error_model="numpy")(getattr(ew, kernel).py_func)
    x = np.linspace(-3, 3, 64, dtype=np.float32)
    out = np.empty_like(x)
    if kernel.startswith("_bias_"):
        fresh(x.reshape(8, 8), x[:8], out.reshape(8, 8), 0.01, 0, 8)
    elif kernel.endswith("_bwd_k"):
        fresh(x, x, out, 0.01, 0, 64)
    else:
        fresh(x, out, 0.01, 0, 64)
    asm = "\n".join(fresh.inspect_asm().values())
    ir = "\n".join(fresh.inspect_llvm().values())
    assert not re.search(r"vgather|vscatter", asm), "a loop fell back to gather/scatter"
    assert not re.search(r"\b(expf?|erfcf?)\b", asm), "a scalar libm exp/erfc call in a loop"
    assert "division by zero" not in ir, "python error model: zero-divisor branch"
    packed = re.findall(r"\b\w+ps\s[^\n]*" + _VREG[isa], asm)
    assert len(packed) >= 16, f"only {len(packed)} packed float32 instructions on {isa}"
    if kernel in _EXP_KERNELS and tuning.has_fma():  # the polynomial exp runs as vector FMAs
        assert re.search(r"vfmadd\w*ps\s[^\n]*" + _VREG[isa], asm)


def test_gelu_matches_exact_values():
    x = np.array([-3.0, -1.0, 0.0, 0.5, 2.0])
    exact = x * 0.5 * np.array([math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(nb.gelu(x), exact, rtol=1e-14)
    np.testing.assert_allclose(ref.gelu(x), exact, rtol=1e-13)
    np.testing.assert_allclose(nb.gelu(x.astype(np.float32)), exact, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("act", ["none", "relu", "leaky_relu", "sigmoid", "tanh", "gelu"])
@settings(max_examples=6)
@given(m=st.integers(1, 40), n=st.integers(1, 40), how=st.sampled_from(["C", "T"]))
def test_bias_act(dt, act, m, n, how):
    rng = np.random.default_rng(m * 41 + n)
    z = _noncontig(_arr(rng, (m, n), dt), how)
    b = _arr(rng, (n,), dt)
    z0 = z.copy()
    y = nb.bias_act(z, b, act, slope=0.2)
    assert y.dtype == dt
    close(y, ref.bias_act(z, b, act, slope=0.2), dt)
    np.testing.assert_array_equal(z, z0)


def test_bad_activation_name():
    for be in (nb, ref):
        with pytest.raises(ValueError, match="relu"):
            be.bias_act(np.zeros((2, 2)), np.zeros(2), "swish")


# ----------------------------------------------------------------------------- binary, reduce


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_binary(dt, op):
    rng = np.random.default_rng(4)
    a = _arr(rng, (37, 19), dt)
    for b in (_arr(rng, (37, 19), dt), _arr(rng, (19,), dt), _arr(rng, (37, 1), dt),
              _noncontig(_arr(rng, (37, 19), dt), "T"), dt(2.5)):
        got = getattr(nb, op)(a, b)
        assert got.dtype == dt
        close(got, getattr(ref, op)(a, b), dt)
    for sc in (0.7, 3, dt(-1.25), np.float64(0.5), np.array(2.0, dt)):  # numpy's promotion
        got, want = getattr(nb, op)(a, sc), getattr(ref, op)(a, sc)
        assert got.dtype == want.dtype
        close(got, want, dt)
    big = _arr(rng, (PAR_MIN // 50 + 3, 64), dt)
    close(getattr(nb, op)(big, 1.5), getattr(ref, op)(big, 1.5), dt)
    close(getattr(nb, op)(big, big[0]), getattr(ref, op)(big, big[0]), dt)
    close(getattr(nb, op)(big, big + 1), getattr(ref, op)(big, big + 1), dt)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("red", ["sum", "max"])
@settings(max_examples=10)
@given(shape=st.lists(dims, min_size=1, max_size=3), keep=st.booleans(), data=st.data())
def test_reductions(dt, red, shape, keep, data):
    rng = np.random.default_rng(sum(shape))
    x = _noncontig(_arr(rng, shape, dt), data.draw(st.sampled_from(["C", "T"])))
    nd = len(shape)
    axis = data.draw(st.sampled_from([None, -1, 0, nd - 1, tuple(range(nd)), (nd - 1,)]))
    got = getattr(nb, red)(x, axis=axis, keepdims=keep)
    want = getattr(ref, red)(x, axis=axis, keepdims=keep)
    assert np.asarray(got).dtype == dt and np.shape(got) == np.shape(want)
    close(got, want, dt, scale=10)


def test_reductions_large_parallel():
    rng = np.random.default_rng(5)
    x = _arr(rng, (9000, 33), np.float64)  # > PAR_MIN_REDUCE elements
    close(nb.sum(x, axis=1), x.sum(axis=1), np.float64)
    np.testing.assert_array_equal(nb.max(x, axis=-1, keepdims=True), x.max(-1, keepdims=True))


# ----------------------------------------------------------------------------- softmax xent


@pytest.mark.parametrize("dt", DTYPES)
@settings(max_examples=10)
@given(n=st.integers(1, 30), c=st.integers(1, 30), s=st.sampled_from([0.0, 0.1, 0.5]))
def test_softmax_xent(dt, n, c, s):
    rng = np.random.default_rng(n * 31 + c)
    z = _arr(rng, (n, c), dt)
    lab = rng.integers(0, c, n)
    loss, p = nb.softmax_xent(z, lab, s)
    loss0, p0 = ref.softmax_xent(z, lab, s)
    assert loss.dtype == dt and p.dtype == dt
    close(loss, loss0, dt, scale=10)
    close(p, p0, dt)
    g = _arr(rng, (n,), dt)
    close(nb.softmax_xent_backward(p, lab, g, s), ref.softmax_xent_backward(p0, lab, g, s), dt)


def test_softmax_xent_extreme_logits_and_torch_definition():
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], np.float32)
    lab = np.array([1, 2])
    for be in (nb, ref):
        loss, p = be.softmax_xent(z, lab, 0.1)
        assert np.all(np.isfinite(loss)) and np.all(np.isfinite(p))
        # row 0: logp = [0, -2e4, -1e4]; target = 0.9 onehot(1) + 0.1/3
        want0 = -(0.9 * -2e4 + 0.1 / 3 * (0 - 2e4 - 1e4))
        np.testing.assert_allclose(loss[0], want0, rtol=1e-6)
        np.testing.assert_allclose(loss[1], math.log(3), rtol=1e-6)


# ----------------------------------------------------------------------------- optimizers


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("kw", [
    dict(momentum=0.0), dict(momentum=0.9, weight_decay=0.01),
    dict(momentum=0.9, dampening=0.1, nesterov=True, weight_decay=0.1)])
@pytest.mark.parametrize("n", [7, PAR_MIN + 5])
def test_sgd_update(dt, kw, n):
    rng = np.random.default_rng(6)
    p, p0 = _arr(rng, (n,), dt), None
    p0 = p.copy()
    g = _arr(rng, (n,), dt)
    g0 = g.copy()
    b1, b2 = np.zeros_like(p), np.zeros_like(p)
    for first in (True, False, False):
        nb.sgd_update(p, g, b1, 0.1, first=first, **kw)
        ref.sgd_update(p0, g, b2, 0.1, first=first, **kw)
    np.testing.assert_array_equal(g, g0)
    assert p.dtype == dt
    close(p, p0, dt, scale=10)
    close(b1, b2, dt, scale=10)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("kw", [dict(), dict(weight_decay=0.1), dict(weight_decay=0.1,
                                decoupled=True), dict(amsgrad=True, weight_decay=0.01)])
@pytest.mark.parametrize("n", [9, PAR_MIN + 3])
def test_adam_update(dt, kw, n):
    rng = np.random.default_rng(7)
    p = _arr(rng, (n,), dt)
    g = _arr(rng, (n,), dt)
    g0 = g.copy()
    s1 = [p.copy()] + [np.zeros_like(p) for _ in range(3)]
    s2 = [p.copy()] + [np.zeros_like(p) for _ in range(3)]
    for step in (1, 2, 3):
        nb.adam_update(s1[0], g, *s1[1:], 1e-2, step=step, **kw)
        ref.adam_update(s2[0], g, *s2[1:], 1e-2, step=step, **kw)
    np.testing.assert_array_equal(g, g0)
    for a, b in zip(s1, s2):
        assert a.dtype == dt
        close(a, b, dt, scale=10)


def test_optimizers_match_torch_if_available():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    p = _arr(rng, (50,), np.float64)
    grads = [_arr(rng, (50,), np.float64) for _ in range(3)]
    tp = torch.tensor(p.copy(), requires_grad=True)
    opt = torch.optim.AdamW([tp], lr=1e-2, weight_decay=0.1, amsgrad=True)
    m, v, vm = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for i, g in enumerate(grads, 1):
        tp.grad = torch.tensor(g)
        opt.step()
        nb.adam_update(p, g, m, v, vm, 1e-2, weight_decay=0.1, step=i, decoupled=True,
                       amsgrad=True)
    np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-12, atol=1e-14)
    x = _arr(rng, (20, 5), np.float64)
    lab = rng.integers(0, 5, 20)
    tl = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(lab),
                                           label_smoothing=0.2, reduction="none")
    np.testing.assert_allclose(nb.softmax_xent(x, lab, 0.2)[0], tl.numpy(), rtol=1e-12)
    tg = torch.nn.functional.gelu(torch.tensor(x)).numpy()
    np.testing.assert_allclose(nb.gelu(x), tg, rtol=1e-12, atol=1e-15)


def test_numba_backend_holds_blas_to_one_thread_and_numpy_backend_releases_it():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        info = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        return info[0]["num_threads"] if info else None

    previous = K.get_backend()
    try:
        K.set_backend("numpy")
        free = blas_threads()
        K.set_backend("numba")
        assert blas_threads() in (1, None)
        K.set_backend("numpy")
        assert blas_threads() == free
    finally:
        K.set_backend(previous)


def test_backends_provide_the_same_names():
    """numba_backend and numpy_backend are the contract: the same callables by name."""
    names = set(nb.__all__)
    assert names == set(ref.__all__)
    for name in names - {"ACTIVATIONS"}:
        assert callable(getattr(nb, name)) and callable(getattr(ref, name)), name
        assert getattr(nb, name) is not getattr(ref, name), name


def test_import_does_not_import_numba_and_first_kernel_does():
    r = _run("import sys, numpy as np, autograd, nn, optim\n"
             "print('numba' in sys.modules)\n"
             "x = autograd.Tensor(np.ones((3, 4), np.float32), requires_grad=True)\n"
             "(x * 2).relu().sum().backward()\n"
             "print('numba' in sys.modules, float(x.grad.sum()))")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "True", "24.0"]


def test_long_compile_prints_one_line(tmp_path):
    """With an empty cache the first kernel compiles; past DELAY seconds one line says so."""
    r = _run("import numpy as np\n"
             "from autograd.kernels import compile_notice, numba_backend as nb\n"
             "compile_notice.DELAY = 0.0\n"
             "nb.gelu(np.ones(5000, np.float32)); nb.relu(np.ones(5000, np.float64))",
             {"NUMBA_CACHE_DIR": str(tmp_path), "AUTOGRAD_QUIET": "0"})
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("numbagrad: compiling")]
    assert len(lines) == 1 and str(tmp_path) in lines[0] and "once" in lines[0], r.stderr


def test_tuning_cache_is_used_and_can_be_ignored(tmp_path):
    """A measured threshold file changes the dispatch; AUTOGRAD_TUNE=0 ignores it."""
    probe = ("from autograd.kernels import tuning\n"
             "t = tuning.default_thresholds()\n"
             "import dataclasses; tuning.save(dataclasses.replace(t, small_act=77))\n"
             "tuning.reset(); print(tuning.thresholds().small_act)")
    env = {"NUMBA_CACHE_DIR": str(tmp_path)}
    r = _run(probe, env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-1] == "77"
    assert list(tmp_path.glob("tuning-*.json"))
    r = _run("from autograd.kernels import tuning; print(tuning.thresholds().small_act)",
             {**env, "AUTOGRAD_TUNE": "0"})
    assert int(r.stdout.split()[-1]) == tuning.default_thresholds().small_act
    r = _run("from autograd.kernels import tuning; print(tuning.thresholds().small_act)", env)
    assert r.stdout.split()[-1] == "77"


def test_parallel_backs_off_after_two_stalls_in_a_row(monkeypatch):
    """Two parallel calls in a row far slower than the best rate seen (the other core is
    busy) switch to the serial kernels for a while; one clean call resets the hold."""
    from autograd.kernels import parallel as par

    monkeypatch.setattr(par, "_best", {})
    monkeypatch.setattr(par, "_state", {"until": 0.0, "hold": par.HOLD0, "run": 0,
                                        "backoffs": 0})
    monkeypatch.setattr(par, "threads", lambda: 2)
    key, size = object(), 1 << 20
    par.done(key, size, 1e-3)  # the best rate: 1 ms for this size
    par.done(key, size, 1.1e-3)  # normal noise: not a stall
    assert par.worth_it(size) and par.backoffs() == 0
    stall = par.FACTOR * 1e-3 + par.SLACK + 5e-3
    par.done(key, size, stall)
    assert par.worth_it(size)  # one stall alone is not enough
    par.done(key, size, 1e-3)  # a clean call in between resets the count
    par.done(key, size, stall)
    assert par.worth_it(size)
    par.done(key, size, stall)
    assert not par.worth_it(size) and par.backoffs() == 1
    assert par._state["hold"] == 2 * par.HOLD0  # the next back-off holds twice as long
    par._state["until"] = 0.0
    assert par.worth_it(size)
    monkeypatch.setattr(par, "threads", lambda: 1)
    assert not par.worth_it(size)  # one thread: never parallel


@pytest.mark.parametrize("dt", DTYPES)
def test_branch_free_select_is_np_where(dt):
    """elementwise.select (relu/leaky_relu/sigmoid references) gives np.where's bits, NaN,
    infinities and signed zeros included, on strided and 0-d inputs too."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((9, 7)).astype(dt)
    b = rng.standard_normal((9, 7)).astype(dt)
    a[0, :4] = [np.nan, np.inf, -np.inf, -0.0]
    b[1, :4] = [np.nan, -np.inf, np.inf, -0.0]
    cond = rng.standard_normal((9, 7)) > 0
    for x, y, c in ((a, b, cond), (a.T, b.T, cond.T), (a[:, ::2], b[:, ::2], cond[:, ::2]),
                    (a[0, 0], b[0, 0], cond[0, 0])):
        got = ew.select(np.asarray(c), x, y)
        want = np.where(c, x, y)
        assert got.dtype == dt and got.shape == want.shape
        assert np.array_equal(np.ascontiguousarray(got).view(np.uint8),
                              np.ascontiguousarray(want).view(np.uint8))
        z = ew.select(np.asarray(c), x)
        assert np.array_equal(z, np.where(c, x, 0).astype(dt), equal_nan=True)


@pytest.mark.parametrize("dt", DTYPES)
def test_matmul_spans_several_k_blocks(dt):
    """K longer than two of this CPU's k blocks (tuning.py's KC): the tile accumulates across
    blocks, packed per block, serial and parallel, on ragged and transposed operands."""
    from autograd.kernels import matmul as mk

    rng = np.random.default_rng(9)
    k = 2 * mk.KC + 5
    mr, nr = tuning.matmul_geometry(dt).mr, tuning.matmul_geometry(dt).nr
    # wide (threads split the panels) and tall (threads split the strips) shapes
    for m, n in ((mr + 3, nr + 5), (2 * mr, 2 * nr), (5 * mr + 3, nr + 5)):
        a = _arr(rng, (m, k), dt, 1.0)
        bt = _arr(rng, (n, k), dt, 1.0)
        for b in (bt.T, np.ascontiguousarray(bt.T)):
            want = a.astype(np.float64) @ b.astype(np.float64)
            for par in (False, True):
                close(matmul2d(a, b, parallel=par), want, dt, scale=k)
                close(matmul2d(np.asfortranarray(a), b, parallel=par), want, dt, scale=k)


@pytest.mark.parametrize("dt", DTYPES)
def test_matmul_with_a_result_over_c_big_takes_longer_k_blocks(dt):
    """A C larger than matmul.C_BIG bytes runs k blocks of up to 2 KC (A packed with that
    stride): ragged, serial and parallel, against float64 numpy."""
    from autograd.kernels import matmul as mk

    rng = np.random.default_rng(11)
    mr, nr = tuning.matmul_geometry(dt).mr, tuning.matmul_geometry(dt).nr
    n = 3 * nr + 7
    m = mk.C_BIG // (n * np.dtype(dt).itemsize) + mr + 3  # just over C_BIG
    k = 4 * mk.KC + 9  # three k blocks of up to 2 KC
    if 2 * m * k * n > 2e9:
        pytest.skip(f"C_BIG is {mk.C_BIG} bytes here: a product over it is too slow for a test")
    assert mk.k_max(m, n, np.dtype(dt).itemsize) == 2 * mk.KC
    assert mk.k_max(mr, nr, np.dtype(dt).itemsize) == mk.KC
    a = _arr(rng, (m, k), dt, 1.0)
    b = _arr(rng, (n, k), dt, 1.0).T
    want = a.astype(np.float64) @ b.astype(np.float64)
    for par in (False, True):
        close(matmul2d(a, b, parallel=par), want, dt, scale=k)
