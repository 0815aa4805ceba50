"""Elementwise ops without torch: gradients against finite differences (hypothesis, both
backends, non-contiguous views, second order), type promotion, bitwise ops, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor

# domains keep inputs away from kinks, poles and branch cuts
ANY = (-2.0, 2.0)
POS = (0.3, 3.0)
UNIT = (-0.85, 0.85)
PROB = (0.1, 0.9)
ABOVE1 = (1.3, 3.0)

UNARY = {
    "sin": ANY, "cos": ANY, "tan": UNIT, "asin": UNIT, "acos": UNIT, "atan": ANY,
    "sinh": ANY, "cosh": ANY, "asinh": ANY, "acosh": ABOVE1, "atanh": UNIT, "exp2": ANY,
    "expm1": ANY, "log2": POS, "log10": POS, "log1p": POS, "rsqrt": POS, "square": ANY,
    "reciprocal": POS, "erf": ANY, "erfc": ANY, "erfinv": UNIT, "logit": PROB, "frac": POS,
    "sigmoid": ANY, "tanh": ANY, "exp": ANY, "log": POS, "sqrt": POS,
}

BINARY = {  # name -> (domain of a, domain of b)
    "atan2": (ANY, POS), "copysign": (POS, POS), "hypot": (POS, POS),
    "logaddexp": (ANY, ANY), "logaddexp2": (ANY, ANY), "xlogy": (ANY, POS),
    "fmax": (POS, ANY), "fmin": (POS, ANY), "fmod": (POS, (3.5, 4.0)),
    "remainder": (POS, (3.5, 4.0)), "pow": (POS, ANY), "float_power": (POS, ANY),
    "maximum": (POS, ANY), "minimum": (POS, ANY), "div": (ANY, POS), "mul": (ANY, ANY),
    "sub": (ANY, ANY), "add": (ANY, ANY),
}


def draw(seed: int, shape: tuple, dom: tuple) -> np.ndarray:
    return np.random.default_rng(seed).uniform(dom[0], dom[1], size=shape)


def leaf(a: np.ndarray) -> Tensor:
    return Tensor(a, requires_grad=True)


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=4)
@given(seed=st.integers(0, 2**16))
def test_unary_gradient(backend, name, seed):
    fn = getattr(ag, name)
    x = draw(seed, (2, 3), UNARY[name])
    assert ag.gradcheck(fn, [leaf(x)])
    assert ag.gradcheck(lambda t: getattr(t, name)(), [leaf(x)])  # the method


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=4)
@given(seed=st.integers(0, 2**16), bshape=st.sampled_from([(2, 3), (3,), (1, 3), ()]))
def test_binary_gradient_with_broadcasting(backend, name, seed, bshape):
    fn = getattr(ag, name)
    da, db = BINARY[name]
    a, b = draw(seed, (2, 3), da), draw(seed + 1, bshape, db)
    assert ag.gradcheck(fn, [leaf(a), leaf(b)])
    assert ag.gradcheck(fn, [leaf(b), leaf(a)]) if name in ("mul", "add", "sub") else True


@pytest.mark.parametrize("name", ["sin", "erfinv", "rsqrt", "logit", "square", "atan"])
def test_unary_on_non_contiguous_views(backend, name):
    fn = getattr(ag, name)
    x = draw(3, (4, 6), UNARY[name])
    assert ag.gradcheck(lambda t: fn(t.T), [leaf(x)])            # transposed
    assert ag.gradcheck(lambda t: fn(t[:, ::2]), [leaf(x)])      # strided


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "fmax", "xlogy", "pow"])
def test_binary_on_non_contiguous_views(backend, name):
    fn = getattr(ag, name)
    da, db = BINARY[name]
    a, b = draw(4, (3, 4), da), draw(5, (4, 3), db)
    assert ag.gradcheck(lambda s, t: fn(s[:, ::2], t.T[:, ::2]), [leaf(a), leaf(b)])


def test_ternary_gradients(backend):
    a, b, c = draw(1, (2, 3), ANY), draw(2, (3,), ANY), draw(3, (2, 3), POS)
    w = draw(4, (2, 3), PROB)
    assert ag.gradcheck(lambda x, y, z: ag.lerp(x, y, z), [leaf(a), leaf(b), leaf(w)])
    assert ag.gradcheck(lambda x, y: ag.lerp(x, y, 0.7), [leaf(a), leaf(b)])
    assert ag.gradcheck(lambda x, y, z: ag.addcmul(x, y, z, value=0.5),
                        [leaf(a), leaf(b), leaf(c)])
    assert ag.gradcheck(lambda x, y, z: ag.addcdiv(x, y, z, value=-2.0),
                        [leaf(a), leaf(b), leaf(c)])
    lo, hi = draw(5, (3,), (-2.0, -0.1)), draw(6, (3,), (0.1, 2.0))
    x = np.where(np.abs(a) < 0.15, 1.0, a)
    x = np.where(np.abs(x - lo) < 0.05, x + 0.1, x)
    x = np.where(np.abs(x - hi) < 0.05, x + 0.1, x)
    assert ag.gradcheck(lambda t, u, v: ag.clamp(t, u, v), [leaf(x), leaf(lo), leaf(hi)])


@pytest.mark.parametrize("name", ["sin", "tan", "erf", "erfinv", "rsqrt", "atanh", "log1p"])
def test_second_derivative(backend, name):
    fn = getattr(ag, name)
    x = draw(7, (3,), UNARY[name])

    def first(t):
        (g,) = ag.grad(fn(t).sum(), t, create_graph=True)
        return g

    assert ag.gradcheck(first, [leaf(x)])


def test_second_derivative_of_binary(backend):
    a, b = draw(8, (3,), POS), draw(9, (3,), ANY)
    for fn in (ag.atan2, ag.hypot, ag.logaddexp, ag.pow):
        def first(s, t, fn=fn):
            return ag.grad(fn(s, t).sum(), [s, t], create_graph=True)[0]

        assert ag.gradcheck(first, [leaf(a), leaf(b)])


def test_values_of_the_erf_family():
    x = np.linspace(-6, 6, 241)
    np.testing.assert_allclose(ag.erf(Tensor(x)).data, [math.erf(v) for v in x], rtol=1e-14,
                               atol=1e-300)
    np.testing.assert_allclose(ag.erfc(Tensor(x)).data, [math.erfc(v) for v in x],
                               rtol=1e-13, atol=1e-300)
    tiny = np.array([1e-12, -3e-9, 1e-300])
    np.testing.assert_allclose(ag.erf(Tensor(tiny)).data, [math.erf(v) for v in tiny],
                               rtol=1e-15)
    y = np.array([-0.999999999, -0.5, 0.0, 1e-10, 0.3, 0.9, 1 - 1e-15])
    inv = ag.erfinv(Tensor(y)).data
    np.testing.assert_allclose([math.erf(v) for v in inv], y, rtol=1e-14, atol=0)
    np.testing.assert_allclose(1 - np.array([math.erf(v) for v in inv[-1:]]), 1e-15,
                               rtol=1e-3)
    np.testing.assert_array_equal(ag.erfinv(Tensor([1.0, -1.0, 1.5])).data,
                                  [np.inf, -np.inf, np.nan])
    assert ag.erf(Tensor([0.5])).dtype == np.float32
    assert ag.erf(Tensor([1])).dtype == np.float32  # ints compute in the default float


def test_gelu_backward_paths_agree(backend):
    x = leaf(np.linspace(-4, 4, 9))
    (plain,) = ag.grad(ag.gelu(x).sum(), x)
    (graph,) = ag.grad(ag.gelu(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(plain.data, graph.data, rtol=1e-12)
    assert ag.gradcheck(lambda t: ag.gelu(t, approximate="tanh"), [leaf(draw(1, (5,), ANY))])
    assert ag.gradcheck(lambda t: t.gelu(approximate="none"), [leaf(draw(1, (5,), ANY))])


# ---------------------------------------------------------------------------------------
# type promotion (PyTorch's table, asserted without torch)
# ---------------------------------------------------------------------------------------
f32, f64, i32, i64 = (np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64))
I64 = Tensor([1, 2, 3])
I32 = Tensor(np.array([1, 2, 3], dtype=np.int32))
F32 = Tensor([1.0, 2.0, 3.0])
F64 = Tensor(np.array([1.0, 2.0, 3.0]))
B = Tensor([True, False, True])


@pytest.mark.parametrize("expr, dtype", [
    (lambda: Tensor(1) + 0.5, f32),
    (lambda: I64 + 0.5, f32),
    (lambda: I64 * 2, i64),
    (lambda: I32 + 2, i32),
    (lambda: I32 + Tensor(np.int64(5)), i32),           # a 0-d int64 does not widen int32
    (lambda: I32 + I64, i64),
    (lambda: I64 / I64, f32),
    (lambda: I32 / 2, f32),
    (lambda: F32 / I32, f32),
    (lambda: F32 + I64, f32),
    (lambda: F32 * F64, f64),
    (lambda: F32 + Tensor(np.float64(2.0)), f32),       # a 0-d float64 does not widen
    (lambda: I64 + Tensor(np.float64(2.0)), f64),       # but a higher category does
    (lambda: Tensor(np.float32(2.0)) + F64, f64),
    (lambda: B + 1, i64),
    (lambda: B * 1.5, f32),
    (lambda: B + B, np.dtype(bool)),
    (lambda: ag.maximum(I64, Tensor(np.float32(1.2))), f32),
    (lambda: ag.minimum(I32, Tensor(7)), i32),
    (lambda: ag.where(B, I64, 0.5), f32),
    (lambda: ag.where(B, 1, 0), i64),
    (lambda: ag.where(B, F32, F64), f64),
    (lambda: I64 ** 2, i64),
    (lambda: I64 ** 0.5, f32),
    (lambda: 2 ** I64, i64),
    (lambda: 2.5 ** I64, f32),
    (lambda: F32 ** F64, f64),
    (lambda: ag.clamp(I64, 0.5), f32),
    (lambda: ag.clamp(I64, 0, 2), i64),
    (lambda: I64 // 2, i64),
    (lambda: I64 % 2, i64),
    (lambda: F32 * np.float64(2.0), f32),               # numpy scalars are weak like floats
    (lambda: ag.float_power(I64, 2), f64),
    (lambda: ag.sin(I64), f32),
    (lambda: ag.square(B), i64),
    (lambda: ag.floor(I32), i32),
    (lambda: ag.atan2(I64, I64), f32),
])
def test_result_dtype(expr, dtype):
    assert expr().dtype == dtype


def test_result_type_and_promote_types():
    assert ag.result_type(I32, 2.5) == f32
    assert ag.result_type(F32, F64) == f64
    assert ag.promote_types(np.uint8, np.int8) == np.dtype(np.int16)
    assert ag.promote_types(np.int64, np.float32) == f32
    assert ag.promote_types(bool, np.int32) == i32


def test_mixed_float_gradients_come_back_in_each_inputs_dtype(backend):
    a = Tensor([1.0, 2.0], requires_grad=True)                        # float32
    b = Tensor(np.array([3.0, 4.0]), requires_grad=True)              # float64
    y = a * b
    assert y.dtype == f64
    y.sum().backward()
    assert a.grad.dtype == f32 and b.grad.dtype == f64
    np.testing.assert_allclose(a.grad.data, [3.0, 4.0])
    np.testing.assert_allclose(b.grad.data, [1.0, 2.0])


# ---------------------------------------------------------------------------------------
# bitwise, logical, integer arithmetic
# ---------------------------------------------------------------------------------------
def test_bitwise_on_ints_and_logical_on_bools():
    a, b = Tensor([12, 10, -1]), Tensor([10, 6, 3])
    np.testing.assert_array_equal((a & b).data, [8, 2, 3])
    np.testing.assert_array_equal((a | b).data, [14, 14, -1])
    np.testing.assert_array_equal((a ^ b).data, [6, 12, -4])
    np.testing.assert_array_equal((~a).data, [-13, -11, 0])
    np.testing.assert_array_equal((a << 2).data, [48, 40, -4])
    np.testing.assert_array_equal((a >> 1).data, [6, 5, -1])
    np.testing.assert_array_equal((1 << Tensor([0, 3])).data, [1, 8])
    p, q = Tensor([True, True, False]), Tensor([True, False, False])
    for got, want in ((p & q, [True, False, False]), (p | q, [True, True, False]),
                      (p ^ q, [False, True, False]), (~p, [False, False, True])):
        assert got.dtype == np.bool_
        np.testing.assert_array_equal(got.data, want)
    assert (p & 1).dtype == i64
    x = Tensor([0.0, 2.0, -1.0])
    np.testing.assert_array_equal(ag.logical_and(x, Tensor([1, 0, 3])).data,
                                  [False, False, True])
    np.testing.assert_array_equal(x.logical_not().data, [True, False, False])
    np.testing.assert_array_equal(ag.logical_xor(x, Tensor(0.0)).data, [False, True, True])


def test_integer_division_and_remainder_signs():
    a = Tensor([-7, 7, -7, 7])
    b = Tensor([2, 2, -2, -2])
    np.testing.assert_array_equal((a // b).data, [-4, 3, 3, -4])
    np.testing.assert_array_equal(ag.div(a, b, rounding_mode="trunc").data, [-3, 3, 3, -3])
    np.testing.assert_array_equal((a % b).data, [1, 1, -1, -1])
    np.testing.assert_array_equal(ag.fmod(a, b).data, [-1, 1, -1, 1])
    np.testing.assert_array_equal((2 % Tensor([3, -3])).data, [2, -1])
    np.testing.assert_allclose((a / b).data, [-3.5, 3.5, 3.5, -3.5])


def test_pow_edge_gradients_follow_torch(backend):
    x = leaf(np.array([0.0, 0.0]))
    (g,) = ag.grad((x ** 0.5).sum(), x)
    np.testing.assert_array_equal(g.data, [np.inf, np.inf])
    (g,) = ag.grad((x ** 0).sum(), x)
    np.testing.assert_array_equal(g.data, [0.0, 0.0])
    (g,) = ag.grad((x ** -1).sum(), x)
    np.testing.assert_array_equal(g.data, [-np.inf, -np.inf])
    e = leaf(np.array([0.0, 2.0, -1.0]))
    (g,) = ag.grad((0.0 ** e).sum(), e)                   # d/de 0^e: 0 for e >= 0
    np.testing.assert_array_equal(g.data, [0.0, 0.0, -np.inf])
    (g,) = ag.grad(((-2.0) ** e).sum(), e)                # ln(-2) is nan
    assert np.isnan(g.data).all()
    a, p = leaf(np.array([0.0, 2.0])), leaf(np.array([0.0, 0.0]))
    ga, gp = ag.grad((a ** p).sum(), [a, p])              # exponent 0: no gradient to a
    np.testing.assert_array_equal(ga.data, [0.0, 0.0])
    np.testing.assert_allclose(gp.data, [0.0, math.log(2.0)])


def test_clamp_with_tensor_bounds_and_crossed_bounds(backend):
    x = leaf(np.array([0.0, 1.0, 2.0]))
    lo = leaf(np.array([0.5, 1.0, 0.5]))
    y = ag.clamp(x, min=lo)
    np.testing.assert_array_equal(y.data, [0.5, 1.0, 2.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0])   # bounds included
    np.testing.assert_array_equal(lo.grad.data, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(Tensor([0.0, 3.0]).clamp(2.0, 1.0).data, [1.0, 1.0])


def test_rounding_and_sign_values():
    x = Tensor(np.array([-2.5, -0.5, 0.5, 1.5, 2.5, np.nan]))
    np.testing.assert_array_equal(x.round().data[:5], [-2.0, -0.0, 0.0, 2.0, 2.0])
    np.testing.assert_array_equal(x.sign().data, [-1, -1, 1, 1, 1, 0])
    np.testing.assert_array_equal(x.trunc().data[:5], [-2, -0.0, 0, 1, 2])
    np.testing.assert_allclose(x.frac().data[:5], [-0.5, -0.5, 0.5, 0.5, 0.5])
    np.testing.assert_allclose(Tensor([1.2345, -9.87]).round(decimals=2).data, [1.23, -9.87])
    assert ag.floor(Tensor([1, 2])).dtype == i64


def test_closeness_tests():
    a, b = Tensor([1.0, np.nan]), Tensor([1.0 + 1e-7, np.nan])
    np.testing.assert_array_equal(ag.isclose(a, b).data, [True, False])
    np.testing.assert_array_equal(a.isclose(b, equal_nan=True).data, [True, True])
    assert ag.allclose(a[:1], b[:1]) is True
    assert ag.equal(Tensor([1, 2]), Tensor([1, 2])) is True
    assert ag.equal(Tensor([1, 2]), Tensor([1, 2, 3])) is False
    assert ag.equal(a, a) is False  # nan is not equal to itself


# ---------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, kind, words", [
    (lambda: Tensor([1.0]) & Tensor([1.0]), TypeError,
     "bitwise_and: expected integer or bool tensors, got float32"),
    (lambda: Tensor([1]) | 0.5, TypeError, "bitwise_or: .* got float32"),
    (lambda: ~Tensor([1.0]), TypeError, r"bitwise_not \(~\): .* got float32"),
    (lambda: Tensor([True]) << 1, TypeError, None),  # bool << int64 is int64: fine below
    (lambda: Tensor([True]) << Tensor([True]), TypeError,
     "bitwise_left_shift: expected integer tensors, got bool"),
    (lambda: Tensor([1.0]) >> 1, TypeError, "bitwise_right_shift: .* got float32"),
    (lambda: Tensor([True]) - Tensor([False]), RuntimeError, "sub: subtraction, .* bool tensors"),
    (lambda: -Tensor([True]), RuntimeError, "neg: negation, .* bool tensor"),
    (lambda: +Tensor([True]), RuntimeError, r"positive: the `\+` operator on a bool"),
    (lambda: Tensor([2]) ** -1, RuntimeError, "integers to negative integer powers"),
    (lambda: Tensor([1]) // Tensor([0]), RuntimeError, "floor_divide: ZeroDivisionError"),
    (lambda: Tensor([1]) % 0, RuntimeError, "remainder: ZeroDivisionError"),
    (lambda: ag.div(Tensor([1.0]), 2.0, rounding_mode="round"), ValueError,
     "div: rounding_mode must be None, 'trunc' or 'floor', got 'round'"),
    (lambda: ag.add(Tensor([1]), Tensor([1]), alpha=0.5), RuntimeError,
     "add: for integral input tensors, argument alpha must not be a floating point"),
    (lambda: ag.frac(Tensor([1])), TypeError, "frac: expected a floating-point tensor, got int"),
    (lambda: ag.floor(Tensor([True])), TypeError, "floor: not implemented for bool"),
    (lambda: ag.abs(Tensor([True])), TypeError, "abs: not implemented for bool"),
    (lambda: ag.isclose(Tensor([1.0]), Tensor(np.array([1.0]))), RuntimeError,
     "isclose: both tensors must have the same dtype, got float32 and float64"),
    (lambda: ag.addcdiv(Tensor([1]), Tensor([1]), Tensor([2])), RuntimeError,
     "addcdiv: integer division"),
    (lambda: ag.gelu(Tensor([1.0]), approximate="sigmoid"), ValueError,
     "gelu: approximate must be 'none' or 'tanh', got 'sigmoid'"),
    (lambda: ag.clamp(Tensor([1.0])), ValueError, "clamp: give at least one of min and max"),
    (lambda: ag.lerp(Tensor([1]), Tensor([2]), 0.5), TypeError, "lerp: expected floating"),
    (lambda: ag.sin([1.0]), TypeError, "sin: expected a Tensor, got list"),
    (lambda: ag.atan2(Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0])), ValueError,
     r"atan2: shapes \(2,\) and \(3,\) cannot broadcast"),
    (lambda: Tensor([1, 2]) & Tensor([1, 2, 3]), ValueError,
     r"bitwise_and: shapes \(2,\) and \(3,\) cannot broadcast"),
    (lambda: ag.clamp(Tensor([1.0, 2.0]), Tensor([0.0, 1.0, 2.0])), ValueError,
     r"clamp: shapes \(2,\) and \(3,\) cannot broadcast"),
    (lambda: Tensor([1.0, 2.0]) < Tensor([1.0, 2.0, 3.0]), ValueError,
     r"less: shapes \(2,\) and \(3,\) cannot broadcast"),
])
def test_errors_name_the_problem(call, kind, words):
    if words is None:
        assert call().dtype == i64
        return
    with pytest.raises(kind, match=words):
        call()


def test_float_functions_of_bool_compute_in_float32():
    np.testing.assert_allclose(ag.sin(Tensor([True, False])).data, [math.sin(1.0), 0.0],
                               rtol=1e-6)
    assert ag.exp(Tensor([True])).dtype == f32
    assert ag.sign(Tensor([True, False])).dtype == np.bool_
