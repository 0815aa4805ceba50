"""Elementwise ops and type promotion against PyTorch: value, dtype, shape and gradients.

Each case spells the call once for both libraries (``m`` is ``autograd`` or ``torch``).
"""

from __future__ import annotations

import numpy as np
import pytest
from torch_oracle import Case, check, ids, needs_torch

pytestmark = needs_torch

rng = np.random.default_rng(7)
F64 = rng.standard_normal((3, 4))
F32 = F64.astype(np.float32)
ROW = rng.standard_normal(4)
POS = np.abs(F64) + 0.2                       # > 0
UNIT = np.clip(F64 * 0.4, -0.9, 0.9)          # inside (-1, 1)
PROB = 1.0 / (1.0 + np.exp(-F64))             # inside (0, 1)
BIG = POS + 1.0                               # > 1
NZ = np.where(np.abs(F64) < 0.3, 0.7, F64)    # away from 0
I64 = np.array([[-7, -2, 0, 3], [5, 8, -1, 9], [2, -3, 4, 1]])
I32 = I64.astype(np.int32)
U8 = np.array([0, 7, 250, 3], dtype=np.uint8)
BOOL = I64 > 0

F32_TOL = dict(rtol=2e-5, atol=2e-6)

UNARY = {  # name -> input domain (float64)
    "sin": F64, "cos": F64, "tan": UNIT, "asin": UNIT, "acos": UNIT, "atan": F64,
    "sinh": F64, "cosh": F64, "asinh": F64, "acosh": BIG, "atanh": UNIT,
    "exp": F64, "exp2": F64, "expm1": F64, "log": POS, "log2": POS, "log10": POS,
    "log1p": POS, "sqrt": POS, "rsqrt": POS, "square": F64, "reciprocal": NZ, "sign": F64,
    "sgn": F64, "erf": F64, "erfc": F64, "erfinv": UNIT, "floor": F64, "ceil": F64,
    "round": F64 * 3, "trunc": F64 * 3, "frac": F64 * 3, "neg": F64, "negative": F64,
    "positive": F64, "abs": NZ, "absolute": NZ, "sigmoid": F64, "tanh": F64, "logit": PROB,
    "fix": F64 * 3,
    "arcsin": UNIT, "arccos": UNIT, "arctan": F64, "arcsinh": F64, "arccosh": BIG,
    "arctanh": UNIT, "isnan": F64, "isinf": F64, "isfinite": F64,
}


def _unary_cases() -> list[Case]:
    cases = []
    for name, data in UNARY.items():
        def fn(m, x, name=name):
            return getattr(m, name)(x)

        def meth(m, x, name=name):
            return getattr(x, name)()

        grad = name != "sgn"  # torch's sgn gradient is a ZeroTensor (no numpy view)
        cases.append(Case(f"{name}-f64", fn, [data], grad=grad))
        cases.append(Case(f"{name}-f32", fn, [data.astype(np.float32)], grad=grad, **F32_TOL))
        if name not in ("sgn", "fix", "arcsin", "arccos", "arctan", "arcsinh", "arccosh",
                        "arctanh", "isnan", "isinf", "isfinite"):
            cases.append(Case(f"{name}-method", meth, [data]))
    return cases


# integer and bool inputs: float functions compute in float32, the rest keep the dtype
INT_UNARY = ["sin", "exp", "log1p", "sqrt", "erf", "sigmoid", "tanh", "reciprocal", "exp2",
             "square", "sign", "floor", "ceil", "round", "trunc", "abs", "neg", "isnan",
             "isfinite", "atan", "rsqrt"]
BOOL_UNARY = ["sin", "exp", "sqrt", "square", "sign", "isnan", "logical_not", "bitwise_not"]


def _int_cases() -> list[Case]:
    cases = []
    for name in INT_UNARY:
        cases.append(Case(f"{name}-int64", lambda m, x, name=name: getattr(m, name)(x),
                          [np.abs(I64) + 1 if name in ("rsqrt", "sqrt", "log1p") else I64],
                          **F32_TOL))
    for name in BOOL_UNARY:
        cases.append(Case(f"{name}-bool", lambda m, x, name=name: getattr(m, name)(x), [BOOL],
                          **F32_TOL))
    return cases


BINARY = {  # name -> (a, b)
    "add": (F64, ROW), "sub": (F64, ROW), "mul": (F64, ROW), "div": (F64, NZ[0]),
    "true_divide": (F64, NZ[0]), "atan2": (F64, ROW), "arctan2": (F64, ROW),
    "copysign": (NZ, ROW), "hypot": (F64, ROW), "logaddexp": (F64, ROW),
    "logaddexp2": (F64, ROW), "xlogy": (F64, POS[0]), "fmax": (F64, ROW), "fmin": (F64, ROW),
    "maximum": (F64, ROW), "minimum": (F64, ROW), "fmod": (F64 * 3, NZ[0]),
    "remainder": (F64 * 3, NZ[0]), "pow": (POS, ROW), "float_power": (POS, ROW),
    "floor_divide": (F64 * 3, NZ[0]),
}


def _binary_cases() -> list[Case]:
    cases = []
    for name, (a, b) in BINARY.items():
        def fn(m, x, y, name=name):
            return getattr(m, name)(x, y)

        grad = name != "floor_divide"  # torch: "derivative for floor_divide not implemented"
        cases.append(Case(f"{name}-f64", fn, [a, b], grad=grad))
        cases.append(Case(f"{name}-f32", fn, [a.astype(np.float32), b.astype(np.float32)],
                          grad=grad, **F32_TOL))
        cases.append(Case(f"{name}-method", lambda m, x, y, name=name: getattr(x, name)(y),
                          [a, b], grad=grad))
    return cases


A64 = np.array([0.0, -2.0, 3.0, 0.0, 1.5, -0.5])
E64 = np.array([2.0, 2.0, 0.0, -1.0, 0.0, 0.5])

EDGE = [
    # pow at the edges (PyTorch's subgradient conventions)
    Case("pow-zero-base-scalar", lambda m, x: 0.0 ** x, [np.array([0.0, 1.0, 2.0, -1.0])]),
    Case("pow-neg-base-scalar", lambda m, x: (-2.0) ** x, [np.array([0.0, 1.0, 2.0, 0.5])]),
    Case("pow-scalar-base", lambda m, x: 2.0 ** x, [F64]),
    Case("pow-x-to-0", lambda m, x: x ** 0, [np.array([0.0, -1.0, 2.0])]),
    Case("pow-x-to-0.5", lambda m, x: x ** 0.5, [np.array([0.0, 1.0, 4.0, -1.0])]),
    Case("pow-x-to-1", lambda m, x: x ** 1, [np.array([0.0, 1.0, -4.0])]),
    Case("pow-x-to-2", lambda m, x: x ** 2, [np.array([0.0, 1.0, -4.0])]),
    Case("pow-x-to--1", lambda m, x: x ** -1, [np.array([0.0, 1.0, -4.0])]),
    Case("pow-x-to-0.0-f32", lambda m, x: x ** 0.0, [np.array([0.0, 3.0], np.float32)]),
    Case("pow-tensor-tensor-edges", lambda m, a, b: a ** b, [A64, E64]),
    Case("pow-tensor-tensor-bcast", lambda m, a, b: m.pow(a, b), [POS, ROW]),
    Case("sqrt-at-0", lambda m, x: x.sqrt(), [np.array([0.0, 1.0])]),
    Case("rsqrt-at-0", lambda m, x: x.rsqrt(), [np.array([0.0, 4.0])]),
    Case("reciprocal-at-0", lambda m, x: x.reciprocal(), [np.array([0.0, 4.0, -0.0])]),
    Case("asin-at-1", lambda m, x: x.asin(), [np.array([1.0, -1.0, 0.0, 2.0])]),
    Case("log-at-0", lambda m, x: x.log(), [np.array([0.0, 1.0, -1.0])]),
    Case("log1p-at--1", lambda m, x: x.log1p(), [np.array([-1.0, 0.0, -2.0])]),
    Case("sign-nan-zero", lambda m, x: x.sign(), [np.array([np.nan, 0.0, -0.0, -3.0, 2.0])]),
    Case("abs-at-0", lambda m, x: x.abs(), [np.array([0.0, -1.0])]),
    Case("round-half-even", lambda m, x: x.round(), [np.array([0.5, 1.5, 2.5, -0.5, -1.5])]),
    Case("round-decimals", lambda m, x: m.round(x, decimals=2),
         [np.array([0.125, 2.5, 1.005, -3.14159])]),
    Case("round-decimals-neg", lambda m, x: x.round(decimals=-2),
         [np.array([125.0, 150.0, 249.0, -351.0])]),
    Case("round-decimals-f32", lambda m, x: x.round(decimals=1),
         [np.array([0.25, 1.35, -2.45], np.float32)], **F32_TOL),
    Case("erfinv-edges", lambda m, x: x.erfinv(),
         [np.array([-1.0, 1.0, 0.0, 0.999999, -0.9999999999, 1.5])]),
    Case("erf-large", lambda m, x: m.erf(x), [np.array([-30.0, -5.0, 1e-10, 5.0, 30.0])]),
    Case("erfc-tail", lambda m, x: m.erfc(x), [np.array([-5.0, 3.0, 10.0, 26.0])]),
    Case("logit-eps", lambda m, x: m.logit(x, eps=0.1), [np.array([0.05, 0.5, 0.95, 0.1])]),
    Case("logit-outside", lambda m, x: m.logit(x), [np.array([-0.5, 0.0, 0.3, 1.0, 1.5])]),
    Case("frac-signs", lambda m, x: m.frac(x), [np.array([-2.5, 2.5, -0.25, 3.0])]),
    Case("atan2-origin", lambda m, a, b: m.atan2(a, b),
         [np.array([0.0, 1.0, -1.0]), np.array([0.0, 0.0, -1.0])]),
    Case("hypot-origin", lambda m, a, b: m.hypot(a, b),
         [np.array([0.0, 3.0]), np.array([0.0, 4.0])]),
    Case("copysign-zero", lambda m, a, b: m.copysign(a, b),
         [np.array([0.0, 2.0, -3.0]), np.array([-1.0, -1.0, 0.0])]),
    Case("xlogy-zeros", lambda m, a, b: m.xlogy(a, b),
         [np.array([0.0, 0.0, 2.0, 0.0]), np.array([0.0, -1.0, 3.0, np.nan])]),
    Case("xlogy-scalar-other", lambda m, a: m.xlogy(a, 3.0), [F64]),
    Case("fmax-nan-ties", lambda m, a, b: m.fmax(a, b),
         [np.array([np.nan, 1.0, 2.0, np.nan]), np.array([1.0, np.nan, 2.0, np.nan])]),
    Case("fmin-nan-ties", lambda m, a, b: m.fmin(a, b),
         [np.array([np.nan, 1.0, 2.0, 3.0]), np.array([1.0, np.nan, 2.0, 1.0])]),
    Case("maximum-ties", lambda m, a, b: m.maximum(a, b),
         [np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 3.0])]),
    Case("maximum-nan", lambda m, a, b: m.maximum(a, b),
         [np.array([np.nan, 2.0]), np.array([1.0, np.nan])], grad=False),
    Case("fmod-signs", lambda m, a, b: m.fmod(a, b),
         [np.array([-7.0, 7.0, -7.5, 7.5]), np.array([2.0, -2.0, 2.0, -2.0])]),
    Case("remainder-signs", lambda m, a, b: m.remainder(a, b),
         [np.array([-7.0, 7.0, -7.5, 7.5]), np.array([2.0, -2.0, 2.0, -2.0])]),
    Case("mod-operator", lambda m, a: a % 3.0, [F64 * 4]),
    # (torch has no derivative for these three: values only)
    Case("rmod-operator", lambda m, a: 2.0 % a, [NZ], grad=False),
    Case("floordiv-operator", lambda m, a: a // 0.7, [F64 * 4], grad=False),
    Case("rfloordiv-operator", lambda m, a: 2.0 // a, [NZ], grad=False),
    Case("div-trunc", lambda m, a, b: m.div(a, b, rounding_mode="trunc"), [F64 * 4, NZ[0]]),
    Case("div-floor", lambda m, a, b: a.div(b, rounding_mode="floor"), [F64 * 4, NZ[0]]),
    Case("div-by-zero-float", lambda m, a, b: a / b,
         [np.array([1.0, -1.0, 0.0]), np.array([0.0, 0.0, 0.0])]),
    Case("add-alpha", lambda m, a, b: m.add(a, b, alpha=2.5), [F64, ROW]),
    Case("sub-alpha", lambda m, a, b: a.sub(b, alpha=-0.5), [F64, ROW]),
    Case("lerp-scalar", lambda m, a, b: m.lerp(a, b, 0.3), [F64, ROW]),
    Case("lerp-tensor", lambda m, a, b, w: a.lerp(b, w), [F64, ROW, PROB]),
    Case("lerp-high-weight", lambda m, a, b: m.lerp(a, b, 0.8), [F64, ROW]),
    Case("addcmul", lambda m, a, b, c: m.addcmul(a, b, c, value=0.5), [F64, ROW, F64]),
    Case("addcdiv", lambda m, a, b, c: a.addcdiv(b, c, value=-2.0), [F64, ROW, NZ]),
    Case("addcmul-default", lambda m, a, b, c: m.addcmul(a, b, c), [F64, ROW, F64]),
    Case("clamp-scalars", lambda m, x: m.clamp(x, min=-0.5, max=0.5),
         [np.array([-1.0, -0.5, 0.0, 0.5, 1.0])]),
    Case("clamp-min-gt-max", lambda m, x: x.clamp(2.0, 1.0), [np.array([0.0, 1.5, 3.0])]),
    Case("clamp-tensor-min", lambda m, x, lo: m.clamp(x, min=lo),
         [np.array([0.0, 1.0, 2.0]), np.array([0.5, 1.0, 0.5])]),
    Case("clamp-tensor-max", lambda m, x, hi: x.clamp(max=hi),
         [np.array([0.0, 1.0, 2.0]), np.array([1.5, 1.0, 3.0])]),
    Case("clamp-tensor-both", lambda m, x, lo, hi: m.clamp(x, lo, hi), [F64, ROW * 0.3 - 0.5,
                                                                        ROW * 0.3 + 0.5]),
    Case("clamp-tensor-crossed", lambda m, x, lo, hi: m.clamp(x, lo, hi),
         [np.array([0.0, 1.0, 2.0]), np.array([1.5, 1.0, 3.0]), np.array([0.5, 0.5, 0.5])]),
    Case("clamp-min-method", lambda m, x: x.clamp_min(0.1), [F64]),
    Case("clamp-max-fn", lambda m, x: m.clamp_max(x, 0.1), [F64]),
    Case("clip-alias", lambda m, x: m.clip(x, -0.2, 0.3), [F64]),
    Case("nan-to-num", lambda m, x: m.nan_to_num(x),
         [np.array([np.nan, np.inf, -np.inf, 1.0])]),
    Case("nan-to-num-f32-args", lambda m, x: x.nan_to_num(nan=1.0, posinf=2.0, neginf=-3.0),
         [np.array([np.nan, np.inf, -np.inf, 1.0], np.float32)]),
    Case("isinf-isnan", lambda m, x: (m.isinf(x), m.isnan(x), m.isfinite(x), m.isposinf(x),
                                      m.isneginf(x)),
         [np.array([np.nan, np.inf, -np.inf, 1.0])]),
    Case("isclose", lambda m, a, b: m.isclose(a, b, rtol=1e-3, atol=1e-4),
         [np.array([1.0, 1.0001, np.nan, np.inf]), np.array([1.0, 1.0, np.nan, np.inf])]),
    Case("isclose-equal-nan", lambda m, a, b: a.isclose(b, equal_nan=True),
         [np.array([np.nan, 1.0]), np.array([np.nan, 2.0])]),
    Case("allclose", lambda m, a, b: m.allclose(a, b), [F64, F64 + 1e-9]),
    Case("allclose-false", lambda m, a, b: a.allclose(b), [F64, F64 + 1e-3]),
    Case("equal", lambda m, a, b: (m.equal(a, b), a.equal(a)), [F64, ROW]),
    Case("gelu-tanh", lambda m, x: m.nn.functional.gelu(x, approximate="tanh")
         if m.__name__ == "torch" else m.gelu(x, approximate="tanh"), [F64 * 3]),
    Case("gelu-method-none", lambda m, x: m.nn.functional.gelu(x)
         if m.__name__ == "torch" else x.gelu(approximate="none"), [F64 * 3]),
    Case("where-promotes", lambda m, c, a: m.where(c, a, 0), [BOOL, F64], no_grad_inputs=(0,)),
]

# ---------------------------------------------------------------------------------------
# type promotion
# ---------------------------------------------------------------------------------------
Z64 = np.array(1.5)                     # a 0-d float64 tensor
ZI = np.array(3)                        # a 0-d int64 tensor
PROMOTION = [
    Case("int-plus-float-scalar", lambda m, x: x + 0.5, [I64]),
    Case("0d-int-plus-float-scalar", lambda m, x: x + 0.5, [ZI]),
    Case("0d-int-times-int-scalar", lambda m, x: x * 2, [ZI]),
    Case("int32-plus-int-scalar", lambda m, x: x + 2, [I32]),
    Case("uint8-plus-int-scalar", lambda m, x: x + 1, [U8]),
    Case("bool-plus-int-scalar", lambda m, x: x + 1, [BOOL]),
    Case("bool-plus-float-scalar", lambda m, x: x * 1.5, [BOOL]),
    Case("bool-plus-bool", lambda m, x: x + x, [BOOL]),
    Case("int-div-int", lambda m, a, b: a / b, [I64, np.abs(I32) + 1]),
    Case("int-floordiv-int", lambda m, a: a // 3, [I64]),
    Case("int-floordiv-neg", lambda m, a: a // -3, [I64]),
    Case("int-trunc-div", lambda m, a: m.div(a, 3, rounding_mode="trunc"), [I64]),
    Case("int-mod", lambda m, a: a % 3, [I64]),
    Case("int-rmod", lambda m, a: 7 % a, [np.abs(I64) + 1]),
    Case("int-fmod-neg", lambda m, a: m.fmod(a, -3), [I64]),
    Case("float32-div-int32", lambda m, a, b: a / b, [F32, np.abs(I32) + 1], **F32_TOL),
    Case("float32-times-float64", lambda m, a, b: a * b, [F32, F64], **F32_TOL),
    Case("float32-plus-0d-float64", lambda m, a, b: a + b, [F32, Z64], **F32_TOL),
    Case("0d-float32-plus-float64", lambda m, a, b: a + b, [np.array(2.0, np.float32), F64]),
    Case("int-plus-0d-float64", lambda m, a, b: a + b, [I64, Z64]),
    Case("int32-plus-int64", lambda m, a, b: a + b, [I32, I64]),
    Case("int32-plus-0d-int64", lambda m, a, b: a + b, [I32, ZI]),
    Case("uint8-plus-int8", lambda m, a, b: a + b, [U8, U8.astype(np.int8)]),
    Case("float32-plus-int64", lambda m, a, b: a + b, [F32, I64], **F32_TOL),
    # torch.maximum takes no number: its 0-d float32 tensor is the same promotion
    Case("maximum-int-float", lambda m, a: m.maximum(a, m.tensor(1.2)), [I64]),
    Case("minimum-int-0d-float", lambda m, a, b: m.minimum(a, b), [I64, Z64]),
    Case("pow-int-int", lambda m, a: a ** 2, [I64]),
    Case("pow-int-float", lambda m, a: a ** 0.5, [np.abs(I64)], **F32_TOL),
    Case("rpow-int", lambda m, a: 2 ** a, [np.abs(I64)]),
    Case("rpow-float-int", lambda m, a: 1.5 ** a, [I64], **F32_TOL),
    Case("pow-int-tensors", lambda m, a, b: a ** b, [I64, np.abs(I64) % 3]),
    Case("pow-int-negative-exponents", lambda m, a, b: (a ** b, 2 ** b),
         [np.array([2, 1, -1, -1, 0, 3]), np.array([-1, -3, -3, -2, -1, 2])]),
    Case("eq-none", lambda m, a: (a == None, a != None), [F64]),  # noqa: E711
    Case("pow-f32-f64", lambda m, a, b: a ** b, [POS.astype(np.float32), ROW], **F32_TOL),
    Case("float-power-int", lambda m, a: m.float_power(a, 2), [I64]),
    Case("float-power-f32", lambda m, a: m.float_power(a, 0.5), [POS.astype(np.float32)]),
    Case("compare-int-float", lambda m, a: (a > 0.5, a == 2.0, a <= 3), [I64]),
    Case("compare-f32-f64", lambda m, a, b: (a < b, a >= b), [F32, F64]),
    Case("where-int-float-scalar", lambda m, c, a: m.where(c, a, 0.5), [BOOL, I64]),
    Case("where-scalars", lambda m, c: m.where(c, 1, 0.5), [BOOL]),
    Case("where-f32-f64", lambda m, c, a, b: m.where(c, a, b), [BOOL, F32, F64],
         **F32_TOL),
    Case("clamp-int-float-bound", lambda m, a: m.clamp(a, 0.5), [I64]),
    Case("clamp-int-int-bounds", lambda m, a: a.clamp(-1, 4), [I64]),
    Case("clamp-int-tensor-bound", lambda m, a, b: m.clamp(a, b), [I64, ROW]),
    Case("sub-int-alpha", lambda m, a, b: m.sub(a, b, alpha=2), [I64, I64]),
    Case("atan2-int", lambda m, a, b: m.atan2(a, b), [I64, I64], **F32_TOL),
    Case("copysign-int", lambda m, a, b: m.copysign(a, b), [I64, -I64]),
    Case("xlogy-int", lambda m, a, b: m.xlogy(a, b), [I64, np.abs(I64) + 1], **F32_TOL),
    Case("fmax-int", lambda m, a, b: m.fmax(a, b), [I64, -I64]),
    Case("numpy-scalar-weak", lambda m, a: a * np.float64(2.0) + np.int64(1), [F32]),
    Case("numpy-int-scalar-weak", lambda m, a: a + np.int64(1), [I32]),
    Case("int-tensor-times-float-grad-free", lambda m, a, b: a * b, [I64, F32], **F32_TOL),
    Case("result-type", lambda m, a, b: (m.result_type(a, b) == m.result_type(b, 2.5)),
         [I32, F64], grad=False),
]

# ---------------------------------------------------------------------------------------
# bitwise and logical
# ---------------------------------------------------------------------------------------
BITS = [
    Case("and-int", lambda m, a, b: a & b, [I64, I64 * 3]),
    Case("or-int", lambda m, a, b: a | b, [I64, I64 * 3]),
    Case("xor-int", lambda m, a, b: a ^ b, [I64, I64 * 3]),
    Case("invert-int", lambda m, a: ~a, [I64]),
    Case("invert-bool", lambda m, a: ~a, [BOOL]),
    Case("and-bool", lambda m, a, b: a & b, [BOOL, ~BOOL | (I64 > 4)]),
    Case("or-bool", lambda m, a, b: a | b, [BOOL, I64 < 0]),
    Case("xor-bool", lambda m, a, b: a ^ b, [BOOL, I64 < 3]),
    Case("and-scalar", lambda m, a: (a & 6, 6 & a, a | 1, 1 | a, a ^ 5, 5 ^ a), [I32]),
    Case("bool-and-int-scalar", lambda m, a: a & 1, [BOOL]),
    Case("bool-and-bool-scalar", lambda m, a: a & True, [BOOL]),
    Case("shift-left", lambda m, a: a << 2, [I64]),
    Case("shift-right", lambda m, a: a >> 1, [I64]),
    Case("shift-tensor", lambda m, a, b: (a << b, a >> b), [I32, np.abs(I32) % 4]),
    Case("rshift-scalar-base", lambda m, a: (64 >> a, 1 << a), [np.abs(I64) % 5]),
    Case("uint8-ops", lambda m, a: (a & 3, a | 8, ~a, a >> 1), [U8]),
    Case("bitwise-fns", lambda m, a, b: (m.bitwise_and(a, b), m.bitwise_or(a, b),
                                          m.bitwise_xor(a, b), m.bitwise_not(a),
                                          m.bitwise_left_shift(a, 1),
                                          m.bitwise_right_shift(a, 1)), [I64, I64 + 5]),
    Case("bitwise-methods", lambda m, a, b: (a.bitwise_and(b), a.bitwise_or(b),
                                              a.bitwise_xor(b), a.bitwise_not(),
                                              a.bitwise_left_shift(b % 3),
                                              a.bitwise_right_shift(1)), [I64, I64 + 5]),
    Case("logical-fns", lambda m, a, b: (m.logical_and(a, b), m.logical_or(a, b),
                                          m.logical_xor(a, b), m.logical_not(a)),
         [F64 * (np.abs(F64) > 0.5), I64], grad=False),
    Case("logical-methods", lambda m, a, b: (a.logical_and(b), a.logical_or(b),
                                              a.logical_xor(b), a.logical_not()),
         [I64, BOOL]),
]

ALL = _unary_cases() + _int_cases() + _binary_cases() + EDGE + PROMOTION + BITS


@pytest.mark.parametrize("case", ALL, ids=ids(ALL))
def test_matches_torch(case):
    check(case)


def test_int_div_by_zero_raises_like_torch():
    import torch

    import autograd as ag

    for fn in (lambda m, a, b: a // b, lambda m, a, b: a % b, lambda m, a, b: m.fmod(a, b)):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn(torch, torch.tensor([1]), torch.tensor([0]))
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn(ag, ag.Tensor([1]), ag.Tensor([0]))
