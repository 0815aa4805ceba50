"""Linear algebra: matmul and its fixed-rank forms (mm, bmm, mv, dot), the add-and-multiply
family (addmm, addmv, addr, addbmm, baddbmm), einsum and what is spelt with it (tensordot,
inner, trace, kron), outer; and torch.linalg's decompositions and solvers (inv, det,
slogdet, solve, cholesky, eigh, svd, qr, pinv, lstsq, norms, cross), gathered in the module
``autograd.linalg`` and, where torch has them, as top-level functions (inverse, det, svd...).

Every product of two matrices goes through ``MatMul`` (the kernel dispatch
``K.active.matmul``); every other contraction through ``Einsum``, whose gradient with
respect to one operand is again an einsum of the upstream gradient and the other operands
(so second derivatives come for free). As in PyTorch, the operands of a product must have
the same dtype (no promotion); a Python number or list next to a Tensor takes its dtype.
"""

from __future__ import annotations

import string
import sys
import types
from collections import namedtuple
from collections.abc import Sequence
from numbers import Number
from typing import Any

import numpy as np

from .. import kernels as K
from ..function import Function
from ..tensor import ShapeError, Tensor
from .elementwise import _need_tensors, _recorded, broadcasts_to, lift, unbroadcast

__all__ = ["addbmm", "addmm", "addmv", "addr", "baddbmm", "bmm", "cdist", "chain_matmul",
           "cholesky_inverse", "cholesky_solve", "cross", "det", "dist", "dot", "einsum", "ger",
           "inner", "inverse", "kron", "linalg", "logdet", "lu", "lu_solve", "lu_unpack",
           "matmul", "matrix_exp", "matrix_power", "mm", "mv", "outer", "pinverse", "slogdet",
           "svd", "tensordot", "trace", "triangular_solve", "vdot"]


# ---------------------------------------------------------------------------------------
# matmul and its fixed-rank forms
# ---------------------------------------------------------------------------------------
class MatMul(Function):
    """a @ b. Backward: dA = g @ B^T, dB = A^T @ g (batch dims summed back by unbroadcast).

    1-D operands are promoted to a row (a) or a column (b) for the backward, as numpy does
    for the forward, then the added axis is dropped again.
    """

    def forward(self, a, b):
        return K.active.matmul(a, b)

    def backward(self, g):
        a, b = self.inputs
        a2 = a if a.ndim > 1 else a.reshape(1, -1)
        b2 = b if b.ndim > 1 else b.reshape(-1, 1)
        out_shape = g.shape
        if a.ndim == 1:
            out_shape = out_shape[:-1] + (1,) + out_shape[-1:] if b.ndim > 1 else (1,) + out_shape
        if b.ndim == 1:
            out_shape = out_shape + (1,)
        g2 = g.reshape(out_shape)
        ga = gb = None
        if a.requires_grad:
            ga = unbroadcast(g2 @ b2.swapaxes(-1, -2), a2.shape).reshape(a.shape)
        if b.requires_grad:
            gb = unbroadcast(a2.swapaxes(-1, -2) @ g2, b2.shape).reshape(b.shape)
        return ga, gb


def _pair(a: Any, b: Any, name: str) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors of one dtype (a non-Tensor takes the other's dtype)."""
    if not isinstance(a, Tensor):
        a = Tensor(a, dtype=b.dtype) if isinstance(b, Tensor) else lift(a)
    if not isinstance(b, Tensor):
        b = Tensor(b, dtype=a.dtype)
    if a.data.dtype != b.data.dtype:
        raise RuntimeError(f"{name}: expected both operands to have the same dtype, got "
                           f"{a.dtype} and {b.dtype} (PyTorch does not promote here; convert "
                           "one with .to(dtype))")
    return a, b


def matmul(input: Any, other: Any) -> Tensor:
    """input @ other with PyTorch's (and numpy's) rules: 1-D, 2-D, batched N-D broadcasting."""
    a, b = input, other
    for arg, v in (("input", a), ("other", b)):
        if isinstance(v, (bool, int, float)):
            raise TypeError(f"matmul(): argument '{arg}' must be Tensor, not {type(v).__name__}")
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)) or a.data.dtype != b.data.dtype:
        a, b = _pair(a, b, "matmul")
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul: both operands need at least 1 dimension, got shapes "
                         f"{a.shape} and {b.shape}")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise ShapeError(f"matmul: shapes {a.shape} and {b.shape} do not line up "
                         f"({ka} != {kb})")
    try:
        return MatMul.apply(a, b)
    except ValueError:
        try:  # only on the error path: was it the batch dimensions?
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ShapeError(f"matmul: batch dimensions of {a.shape} and {b.shape} cannot "
                             "broadcast") from None
        raise


def _need_ndim(name: str, what: str, t: Tensor, ndim: int) -> None:
    if t.ndim != ndim:
        kind = {1: "a vector (1-D)", 2: "a matrix (2-D)", 3: "a batch of matrices (3-D)"}[ndim]
        raise ShapeError(f"{name}: {what} must be {kind}, got shape {t.shape}")


def mm(input: Any, mat2: Any) -> Tensor:
    """Matrix product of two 2-D tensors (no broadcasting)."""
    _need_tensors("mm", input=input, mat2=mat2)
    a, b = _pair(input, mat2, "mm")
    _need_ndim("mm", "input", a, 2)
    _need_ndim("mm", "mat2", b, 2)
    if a.shape[1] != b.shape[0]:
        raise ShapeError(f"mm: shapes {a.shape} and {b.shape} cannot be multiplied "
                         f"({a.shape[1]} != {b.shape[0]})")
    return MatMul.apply(a, b)


def bmm(input: Any, mat2: Any) -> Tensor:
    """Batched matrix product: (b, n, m) @ (b, m, p) -> (b, n, p), no broadcasting."""
    a, b = _pair(input, mat2, "bmm")
    _need_ndim("bmm", "input", a, 3)
    _need_ndim("bmm", "mat2", b, 3)
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise ShapeError(f"bmm: shapes {a.shape} and {b.shape} cannot be multiplied (expected "
                         f"mat2 of shape ({a.shape[0]}, {a.shape[2]}, p))")
    return MatMul.apply(a, b)


def mv(input: Any, vec: Any) -> Tensor:
    """Matrix-vector product: (n, m) @ (m,) -> (n,)."""
    a, b = _pair(input, vec, "mv")
    _need_ndim("mv", "input", a, 2)
    _need_ndim("mv", "vec", b, 1)
    if a.shape[1] != b.shape[0]:
        raise ShapeError(f"mv: shapes {a.shape} and {b.shape} cannot be multiplied "
                         f"({a.shape[1]} != {b.shape[0]})")
    return MatMul.apply(a, b)


def dot(input: Any, other: Any) -> Tensor:
    """Dot product of two 1-D tensors of the same length (a 0-d tensor)."""
    _need_tensors("dot", input=input, other=other)
    a, b = _pair(input, other, "dot")
    _need_ndim("dot", "input", a, 1)
    _need_ndim("dot", "other", b, 1)
    if a.shape[0] != b.shape[0]:
        raise ShapeError(f"dot: the vectors have different lengths ({a.shape[0]} and "
                         f"{b.shape[0]})")
    return MatMul.apply(a, b)


def vdot(input: Any, other: Any) -> Tensor:
    """dot with the first operand conjugated: the same as dot for real tensors."""
    return dot(input, other)


def outer(input: Any, vec2: Any) -> Tensor:
    """Outer product of two 1-D tensors: out[i, j] = input[i] * vec2[j] (dtypes promote)."""
    _need_tensors("outer", input=input, vec2=vec2)
    a = lift(input, vec2 if isinstance(vec2, Tensor) else None)
    b = lift(vec2, a)
    _need_ndim("outer", "input", a, 1)
    _need_ndim("outer", "vec2", b, 1)
    return a.reshape(-1, 1) * b.reshape(1, -1)


ger = outer


# ---------------------------------------------------------------------------------------
# beta * input + alpha * product
# ---------------------------------------------------------------------------------------
def _scaled_sum(name: str, input: Any, prod: Tensor, beta: Any, alpha: Any) -> Tensor:
    """beta * input + alpha * prod, where input must broadcast to prod's shape. With
    beta == 0 input is ignored (nan and inf in it do not propagate), as in PyTorch."""
    for label, v in (("beta", beta), ("alpha", alpha)):
        if isinstance(v, bool) or not isinstance(v, Number):
            raise TypeError(f"{name}: {label} must be a number, got {type(v).__name__}")
    inp = lift(input, prod)
    if not broadcasts_to(inp.shape, prod.shape):
        raise ShapeError(f"{name}: input of shape {inp.shape} does not broadcast to the "
                         f"product's shape {prod.shape}")
    out = prod if alpha == 1 else prod * alpha
    if beta == 0:
        return out
    return out + (inp if beta == 1 else inp * beta)


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2) for 2-D mat1, mat2."""
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


def addmv(input: Any, mat: Any, vec: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


def addr(input: Any, vec1: Any, vec2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2)."""
    return _scaled_sum("addr", input, outer(vec1, vec2), beta, alpha)


def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: float = 1,
            alpha: float = 1) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2)."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def addbmm(input: Any, batch1: Any, batch2: Any, *, beta: float = 1,
           alpha: float = 1) -> Tensor:
    """beta * input + alpha * sum over the batch of batch1[i] @ batch2[i]."""
    a, b = _pair(batch1, batch2, "addbmm")
    _need_ndim("addbmm", "batch1", a, 3)
    _need_ndim("addbmm", "batch2", b, 3)
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise ShapeError(f"addbmm: shapes {a.shape} and {b.shape} cannot be multiplied "
                         f"(expected batch2 of shape ({a.shape[0]}, {a.shape[2]}, p))")
    return _scaled_sum("addbmm", input, _einsum("bij,bjk->ik", [a, b]), beta, alpha)


# ---------------------------------------------------------------------------------------
# einsum
# ---------------------------------------------------------------------------------------
class Einsum(Function):
    """einsum over canonical subscripts (explicit output, no ellipsis).

    Backward for operand i is an einsum of g and the other operands whose output is operand
    i's subscripts: a label only operand i has (summed out) is brought back by a ones operand
    of its size, a size-1 axis that broadcast gets a label of its own (so it is summed), and
    a repeated label (a diagonal, "ii->i") is written back onto the diagonal by DiagScatter.
    """

    def forward(self, *arrays, eq):
        self.eq = eq
        try:
            out = np.einsum(eq, *arrays, optimize=len(arrays) > 1)
        except ValueError:  # size-1 broadcasting the optimised path does not take
            out = np.einsum(eq, *arrays)
        if len(arrays) == 1 and np.may_share_memory(out, arrays[0]):
            out = out.copy()  # a pure permutation comes back as a view: not an alias here
        return out

    def backward(self, g):
        lhs, out = self.eq.split("->")
        terms = lhs.split(",")
        shapes = [t.shape for t in self.inputs]
        sizes: dict[str, int] = {}
        for term, shape in zip(terms, shapes):
            for c, n in zip(term, shape):
                if n != 1 or c not in sizes:
                    sizes[c] = n
        free = iter(c for c in string.ascii_letters if c not in sizes)
        grads: list[Tensor | None] = []
        for i, x in enumerate(self.inputs):
            if not x.requires_grad:
                grads.append(None)
                continue
            target = "".join(next(free) if n == 1 and sizes[c] != 1 else c
                             for c, n in zip(terms[i], shapes[i]))
            uniq = "".join(dict.fromkeys(target))
            ops_terms = [out] + [t for j, t in enumerate(terms) if j != i]
            ops = [g] + [t for j, t in enumerate(self.inputs) if j != i]
            have = set("".join(ops_terms))
            missing = "".join(c for c in uniq if c not in have)
            if missing:
                dims = dict(zip(target, shapes[i]))
                ops_terms.append(missing)
                ops.append(Tensor._make(np.ones([dims[c] for c in missing], dtype=g.dtype)))
            gi = _einsum(",".join(ops_terms) + "->" + uniq, ops)
            if len(uniq) != len(target):
                gi = DiagScatter.apply(gi, target=target, shape=shapes[i])
            grads.append(gi)
        return grads


class DiagScatter(Function):
    """Zeros of ``shape`` with g written where the repeated labels of ``target`` agree (the
    adjoint of einsum's diagonal, "ii->i"); its backward takes that diagonal again."""

    saves_inputs = False

    def forward(self, a, target, shape):
        self.target = target
        out = np.zeros(shape, dtype=a.dtype)
        uniq = list(dict.fromkeys(target))
        strides = [sum(s for c, s in zip(target, out.strides) if c == u) for u in uniq]
        view = np.lib.stride_tricks.as_strided(out, a.shape, strides, writeable=True)
        view[...] = a
        return out

    def backward(self, g):
        return (_einsum(self.target + "->" + "".join(dict.fromkeys(self.target)), [g]),)


def _einsum(eq: str, operands: Sequence[Tensor]) -> Tensor:
    return Einsum.apply(*operands, eq=eq)


def _parse(equation: str, shapes: list[tuple[int, ...]]) -> str:
    """The equation in canonical form: explicit output, ellipses replaced by labels of their
    own, every label's sizes checked (equal, or 1 to broadcast)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ShapeError(f"einsum: the equation {equation!r} has {len(terms)} operand(s) but "
                         f"{len(shapes)} tensor(s) were given")
    used = set(c for c in eq if c.isalpha())
    bad = (set(lhs) - set(string.ascii_letters + ",.")) | (set(rhs) - set(string.ascii_letters
                                                                        + "."))
    if bad:
        raise ShapeError(f"einsum: invalid equation {equation!r} (subscripts are letters a-z, "
                         "A-Z, '...' and one '->')")
    n_ell = 0
    split = []
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        pre, dots, post = term.partition("...")
        if "." in pre or "." in post:
            raise ShapeError(f"einsum: operand {k} subscripts {term!r}: '.' only as one "
                             "'...'")
        nd = len(shape) - len(pre) - len(post)
        if nd < 0 or (not dots and nd):
            raise ShapeError(f"einsum: operand {k} has {len(shape)} dimension(s) but the "
                             f"subscripts {term!r} give {len(pre) + len(post)}")
        split.append((pre, nd if dots else 0, post))
        n_ell = max(n_ell, nd if dots else 0)
    ell = "".join([c for c in string.ascii_letters if c not in used][:n_ell])
    if len(ell) < n_ell:
        raise ShapeError("einsum: too many dimensions under '...' (52 labels at most)")
    canon = [pre + ell[n_ell - nd:] + post for pre, nd, post in split]
    sizes: dict[str, int] = {}
    for k, (term, shape) in enumerate(zip(canon, shapes)):
        mine: dict[str, int] = {}
        for c, n in zip(term, shape):
            if c in mine and mine[c] != n:
                raise ShapeError(f"einsum: subscript {c!r} is repeated for operand {k} but the "
                                 f"sizes do not match ({mine[c]} != {n})")
            mine[c] = n
            m = sizes.get(c, n)
            if m != n and 1 not in (m, n):
                raise ShapeError(f"einsum: subscript {c!r} has size {m} in one operand and {n} "
                                 f"in operand {k}; they must match (or be 1 to broadcast)")
            sizes[c] = max(m, n) if 0 not in (m, n) else 0
    if arrow:
        if rhs.count("...") > 1 or "." in rhs.replace("...", ""):
            raise ShapeError(f"einsum: invalid output subscripts {rhs!r}")
        out = rhs.replace("...", ell)
        for c in out:
            if c not in sizes:
                raise ShapeError(f"einsum: output subscript {c!r} does not appear in the "
                                 "equation for any input operand")
            if out.count(c) > 1:
                raise ShapeError(f"einsum: output subscript {c!r} appears more than once")
    else:
        counts = "".join(t for t in canon)
        out = ell + "".join(sorted(c for c in used if counts.count(c) == 1))
    return ",".join(canon) + "->" + out


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation as torch.einsum: ``einsum("ij,jk->ik", a, b)``, implicit output
    ("ij,jk": the labels used once, sorted), repeated labels ("ii->i"), '...', and the
    operands given as one list. Operands must share a dtype."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the first argument must be the equation string, got "
                        f"{type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ShapeError("einsum: give at least one operand")
    ts = [x if isinstance(x, Tensor) else Tensor(x) for x in operands]
    if len({t.data.dtype for t in ts}) > 1:
        raise RuntimeError(f"einsum: operands have different dtypes "
                           f"({', '.join(str(t.dtype) for t in ts)}); PyTorch does not "
                           "promote here: convert with .to(dtype)")
    eq = _parse(equation, [t.shape for t in ts])
    if len(ts) == 1 and ts[0].dtype.kind in "iub":
        lhs, out = eq.split("->")
        if set(lhs) - set(out):  # a reduction of integers sums in int64, as torch.sum
            ts = [Tensor._make(ts[0].data.astype(np.int64))]
    return _einsum(eq, ts)


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """Sum over the last ``dims`` axes of a and the first ``dims`` of b, or over the axes
    listed in ``dims = (dims_a, dims_b)``."""
    a, b = _pair(a, b, "tensordot")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if dims < 0 or dims > min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: dims={dims} must be between 0 and "
                             f"{min(a.ndim, b.ndim)} for shapes {a.shape} and {b.shape}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    else:
        raise TypeError(f"tensordot: dims must be an int or a pair of lists of dims, got "
                        f"{dims!r}")
    if len(da) != len(db):
        raise ValueError(f"tensordot: both dim lists must have the same length, got {da} and "
                         f"{db}")
    da = [_dim(d, a.ndim, "tensordot") for d in da]
    db = [_dim(d, b.ndim, "tensordot") for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise ShapeError(f"tensordot: contracted dimensions need to match, but the first "
                             f"has size {a.shape[i]} in dim {i} and the second size "
                             f"{b.shape[j]} in dim {j}")
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in da] + [c for k, c in enumerate(sb)
                                                           if k not in db]
    return _einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", [a, b])


def _dim(d: Any, ndim: int, name: str) -> int:
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        raise TypeError(f"{name}: dims must be ints, got {d!r}")
    if not -ndim <= d < ndim:
        raise IndexError(f"{name}: dimension {d} is out of range for a tensor of {ndim} "
                         f"dimension(s) (expected [{-ndim}, {ndim - 1}])")
    return int(d) % ndim


def inner(input: Any, other: Any) -> Tensor:
    """Sum over the last axis of both (a 0-d operand multiplies instead)."""
    _need_tensors("inner", input=input, other=other)
    a, b = _pair(input, other, "inner")
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"inner: the last dimensions of {a.shape} and {b.shape} differ "
                         f"({a.shape[-1]} != {b.shape[-1]})")
    return tensordot(a, b, dims=([-1], [-1]))


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a 2-D tensor (integers sum in int64, as torch)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"trace: expected a Tensor, got {type(input).__name__}")
    _need_ndim("trace", "input", input, 2)
    n = min(input.shape)
    x = input if input.shape[0] == input.shape[1] else input[:n, :n]
    return einsum("ii->", x)


def kron(input: Any, other: Any) -> Tensor:
    """Kronecker product: block (i, j) of the result is input[i, j] * other (any ranks; the
    shorter shape is padded with leading 1s)."""
    _need_tensors("kron", input=input, other=other)
    a, b = _pair(input, other, "kron")
    nd = max(a.ndim, b.ndim)
    a = a.reshape((1,) * (nd - a.ndim) + a.shape)
    b = b.reshape((1,) * (nd - b.ndim) + b.shape)
    la, lb = string.ascii_letters[:nd], string.ascii_letters[nd:2 * nd]
    prod = _einsum(f"{la},{lb}->{''.join(x + y for x, y in zip(la, lb))}", [a, b])
    return prod.reshape(tuple(m * n for m, n in zip(a.shape, b.shape)))


# ---------------------------------------------------------------------------------------
# inverses, determinants, solves, decompositions: torch.linalg's spellings (the namespace
# ``autograd.linalg`` below) and the top-level ones (torch.inverse, torch.det, ...)
# ---------------------------------------------------------------------------------------
class LinAlgError(RuntimeError):
    """A singular (or not positive-definite) matrix: a RuntimeError, as torch.linalg's."""


def _square(who: str, a: Any, floats_only: bool = True) -> Tensor:
    if not isinstance(a, Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(a).__name__}")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"{who}: expected a square matrix or a batch of them (shape "
                         f"(*, n, n)), got shape {a.shape}")
    if floats_only and a.data.dtype.kind != "f":
        raise RuntimeError(f"{who}: expected a floating point tensor, got {a.dtype}")
    return a


def _mT(t: Tensor) -> Tensor:
    return t.swapaxes(-1, -2)


class Inv(Function):
    """A^-1. Backward: dA = -A^-T g A^-T (from the output, so it differentiates again)."""

    saves_inputs = False
    saves_output = True

    def forward(self, a):
        try:
            return np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise LinAlgError("inv: the matrix is singular (not invertible)") from None

    def backward(self, g):
        it = _mT(self.output)
        return (-(it @ g @ it),)


class LogAbsDet(Function):
    """log|det A|. Backward: g A^-T."""

    def forward(self, a):
        return np.linalg.slogdet(a)[1]

    def backward(self, g):
        return (g[..., None, None] * _mT(inv(self.inputs[0])),)


def _det_cofactors(a: np.ndarray) -> np.ndarray:
    """d det(A) / dA, the transposed adjugate, for any square A (singular ones too): with
    A = U diag(s) V^T it is det(U) det(V) U diag(prod_{j != i} s_j) V^T."""
    u, sv, vt = np.linalg.svd(a)
    n = sv.shape[-1]
    others = np.stack([np.prod(np.delete(sv, i, axis=-1), axis=-1) for i in range(n)], -1)
    sign = np.linalg.det(u) * np.linalg.det(vt)
    return sign[..., None, None] * ((u * others[..., None, :]) @ vt)


class Det(Function):
    """det A. Backward: g det(A) A^-T; for a singular A (no inverse) the adjugate, as torch
    (from the SVD, not differentiable again)."""

    saves_output = True

    def forward(self, a):
        return np.linalg.det(a)

    def backward(self, g):
        a = self.inputs[0]
        try:
            return ((g * self.output)[..., None, None] * _mT(inv(a)),)
        except LinAlgError:
            cof = _det_cofactors(a.data).astype(a.data.dtype, copy=False)
            return (g[..., None, None] * Tensor._make(cof),)


class Solve(Function):
    """X = A^-1 B for B of shape (*, n, k), batch dims broadcasting. Backward:
    dB = A^-T g, dA = -dB X^T."""

    saves_output = True

    def forward(self, a, b):
        try:
            return np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise LinAlgError("solve: the matrix A is singular (not invertible)") from None

    def backward(self, g):
        a, b = self.inputs
        gb = Solve.apply(_mT(a), g)
        ga = unbroadcast(-(gb @ _mT(self.output)), a.shape) if a.requires_grad else None
        return ga, unbroadcast(gb, b.shape) if b.requires_grad else None


class Cholesky(Function):
    """The lower Cholesky factor L of a symmetric positive-definite A (A = L L^T).
    Backward: with M = tril(L^T g), dA = L^-T sym(M) L^-1, where sym(M) mirrors M's strict
    lower triangle into the upper one and halves everything (a symmetric gradient)."""

    saves_inputs = False
    saves_output = True

    def forward(self, a):
        try:
            return np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise LinAlgError("cholesky: the matrix is not positive-definite") from None

    def backward(self, g):
        from .shape import tril

        L = self.output
        m = tril(_mT(L) @ g)
        sym = (m + _mT(tril(m, -1))) * 0.5
        li = inv(L)
        return (_mT(li) @ sym @ li,)


def inv(A: Tensor) -> Tensor:
    """torch.linalg.inv: the inverse of a square matrix (or of each in a batch)."""
    return Inv.apply(_square("inv", A))


def inverse(input: Tensor) -> Tensor:
    """torch.inverse (an alias of linalg.inv)."""
    return Inv.apply(_square("inverse", input))


def det(A: Tensor) -> Tensor:
    """The determinant of a square matrix (or of each in a batch)."""
    return Det.apply(_square("det", A))


_slogdet = namedtuple("slogdet", ["sign", "logabsdet"])


def slogdet(A: Tensor) -> Any:
    """(sign, logabsdet) with det A = sign * exp(logabsdet); only logabsdet has a gradient."""
    a = _square("slogdet", A)
    # the sign requires grad when A does, with a zero (None) gradient, as in torch
    sign = _recorded(lambda x: np.linalg.slogdet(x)[0].astype(x.dtype), (a,))
    return _slogdet(sign, LogAbsDet.apply(a))


def logdet(input: Tensor) -> Tensor:
    """log det A: nan where det A < 0, -inf where it is 0 (as torch.logdet)."""
    sign, lad = slogdet(_square("logdet", input))
    with np.errstate(invalid="ignore", divide="ignore"):
        return lad + Tensor._make(np.log(sign.data))


def solve(A: Tensor, B: Any, *, left: bool = True) -> Tensor:
    """torch.linalg.solve: X with A X = B (X A = B when left=False). B is (*, n, k), or a
    vector (*, n) when it is 1-D or has A's shape without the last dim."""
    a = _square("solve", A)
    a, b = _pair(a, B, "solve")
    if not left:
        return _mT(solve(_mT(a), _mT(b)))
    vec = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    if vec:
        b = b.unsqueeze(-1)
    if b.shape[-2] != a.shape[-1]:
        raise ShapeError(f"solve: A of shape {a.shape} and B of shape {B.shape} do not fit "
                         f"(B needs {a.shape[-1]} rows)")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ShapeError(f"solve: the batch dims of A {a.shape} and B {B.shape} do not "
                         "broadcast") from None
    x = Solve.apply(a, b)
    return x.squeeze(-1) if vec else x


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """torch.linalg.cholesky: L (lower) with A = L L^T; ``upper=True`` gives L^T."""
    L = Cholesky.apply(_square("cholesky", A))
    return _mT(L) if upper else L


def matrix_power(A: Tensor, n: int) -> Tensor:
    """A^n for an int n (n = 0: the identity; n < 0: powers of the inverse)."""
    a = _square("matrix_power", A, floats_only=False)  # integer matrices too, for n >= 0
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power: n must be an int, got {n!r}")
    if n == 0:
        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return a * 0 + Tensor._make(eye.copy())
    if n < 0:
        a, n = inv(a), -n
    result, base = None, a
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


def _cross(who: str, a: Tensor, b: Tensor, dim: int) -> Tensor:
    from .shape import broadcast_tensors, dim_index, roll

    a, b = _pair(a, b, who)
    if a.ndim != b.ndim:
        raise ShapeError(f"{who}: the inputs must have the same number of dims, got shapes "
                         f"{a.shape} and {b.shape}")
    a, b = broadcast_tensors(a, b)
    d = dim_index(dim, a.ndim, who)
    if a.shape[d] != 3:
        raise ShapeError(f"{who}: dim {dim} must have size 3, got shape {a.shape}")
    return roll(a, -1, d) * roll(b, -2, d) - roll(a, -2, d) * roll(b, -1, d)


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """torch.cross: the 3-vector cross product along dim (None: the first dim of size 3,
    torch's current default; linalg.cross uses the last dim)."""
    _need_tensors("cross", input=input, other=other)
    if dim is None:
        shape = np.broadcast_shapes(input.shape, other.shape)
        sizes3 = [i for i, n in enumerate(shape) if n == 3]
        if not sizes3:
            raise ShapeError(f"cross: no dim of size 3 in shape {shape}")
        dim = sizes3[0]
    return _cross("cross", input, other, dim)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """torch.linalg.cross: the cross product along dim (default the last)."""
    return _cross("linalg.cross", input, other, dim)


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """The product of a chain of matrices (the first and last may be vectors)."""
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot: expected at least 2 tensors, got {len(ts)}")
    for i, t in enumerate(ts):
        if not isinstance(t, Tensor):
            raise TypeError(f"multi_dot: element {i} is a {type(t).__name__}, not a Tensor")
        if t.ndim != 2 and not (t.ndim == 1 and i in (0, len(ts) - 1)):
            raise ShapeError(f"multi_dot: tensor {i} must be 2-D (only the first and last "
                             f"may be 1-D), got shape {t.shape}")
    out = ts[0]
    for t in ts[1:]:
        out = matmul(out, t)
    return out


def chain_matmul(*matrices: Tensor) -> Tensor:
    """torch.chain_matmul (deprecated there for linalg.multi_dot): the product of 2-D
    matrices; one matrix is returned as it is."""
    if len(matrices) == 1:
        _need_ndim("chain_matmul", "matrix", matrices[0], 2)
        return matrices[0]
    return multi_dot(list(matrices))


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product of vectors along dim (broadcasting the rest)."""
    x, y = _pair(x, y, "vecdot")
    if x.data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vecdot: expected a floating point tensor, got {x.dtype}")
    return (x * y).sum(dim)


def _vector_norm(*args: Any, **kwargs: Any) -> Tensor:
    from .reduce import vector_norm

    return vector_norm(*args, **kwargs)


def matrix_norm(A: Tensor, ord: Any = "fro", dim: tuple[int, int] = (-2, -1),
                keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """torch.linalg.matrix_norm over the two dims: 'fro', 'nuc' (the sum of the singular
    values), 2 / -2 (the largest / smallest), inf / -inf (max / min absolute row sum),
    1 / -1 (max / min absolute column sum)."""
    from .shape import dim_index

    if not isinstance(A, Tensor):
        raise TypeError(f"matrix_norm: expected a Tensor, got {type(A).__name__}")
    if A.ndim < 2:
        raise ShapeError(f"matrix_norm: expected a tensor with 2 or more dims, got shape "
                         f"{A.shape}")
    dims = tuple(dim)
    if len(dims) != 2:
        raise ShapeError(f"matrix_norm: dim must be a 2-tuple, got {dim!r}")
    d0, d1 = (dim_index(d, A.ndim, "matrix_norm") for d in dims)
    if d0 == d1:
        raise ShapeError(f"matrix_norm: the two dims must differ, got {dim!r}")
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return _vector_norm(A, 2, (d0, d1), keepdim)
    if ord in (2, -2, "nuc"):
        s = svdvals(A.movedim((d0, d1), (-2, -1)))
        r = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            for d in sorted((d0, d1)):
                r = r.unsqueeze(d)
        return r
    if ord in (np.inf, -np.inf):
        d_sum, d_ext = d1, d0
    elif ord in (1, -1):
        d_sum, d_ext = d0, d1
    else:
        raise RuntimeError(f"matrix_norm: ord={ord!r} is not supported (expected 'fro', "
                           "'nuc', inf, -inf, 1, -1, 2 or -2)")
    s = A.abs().sum(d_sum, keepdim=True)
    r = s.amax(d_ext, keepdim=True) if ord > 0 else s.amin(d_ext, keepdim=True)
    return r if keepdim else r.squeeze((d0, d1))


def linalg_norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """torch.linalg.norm: a vector norm over one dim (or of a 1-D input), a matrix norm over
    two (or of a 2-D input when ord is given); with neither ord nor dim, the 2-norm of all."""
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    if dim is None:
        if ord is None:
            return _vector_norm(A, 2, None, keepdim, dtype=dtype)
        if A.ndim == 1:
            return _vector_norm(A, ord, None, keepdim, dtype=dtype)
        if A.ndim == 2:
            return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
        raise ShapeError(f"linalg.norm: with ord={ord!r} and no dim the input must be 1-D or "
                         f"2-D, got shape {A.shape}")
    dim = tuple(dim)
    if len(dim) == 1:
        return _vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    raise ShapeError(f"linalg.norm: dim must be an int or a 1- or 2-tuple, got {dim!r}")


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The p-norm of input - other (broadcasting)."""
    _need_tensors("dist", input=input, other=other)
    return _vector_norm(input - other, p)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, **kw: Any) -> Tensor:
    """Pairwise p-norm distances between the rows of x1 (*, P, M) and x2 (*, R, M):
    (*, P, R). (``compute_mode`` is accepted and ignored: this computes differences.)"""
    kw.pop("compute_mode", None)
    if kw:
        raise TypeError(f"cdist: unexpected argument(s) {sorted(kw)}")
    a, b = _pair(x1, x2, "cdist")
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"cdist: expected x1 (*, P, M) and x2 (*, R, M) with the same M, got "
                         f"shapes {a.shape} and {b.shape}")
    return _vector_norm(a.unsqueeze(-2) - b.unsqueeze(-3), p, -1)


def _diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    from .shape import diagonal

    return diagonal(A, offset, dim1, dim2)


# ``autograd.linalg``: torch.linalg's names, importable (``from autograd.linalg import inv``)
linalg = types.ModuleType("autograd.linalg", "torch.linalg's spellings over numbagrad's "
                          "ops (inv, det, slogdet, solve, cholesky, norms, cross, ...).")
for _name, _fn in {"inv": inv, "det": det, "slogdet": slogdet, "solve": solve,
                   "cholesky": cholesky, "matrix_power": matrix_power, "cross": linalg_cross,
                   "multi_dot": multi_dot, "vecdot": vecdot, "matrix_norm": matrix_norm,
                   "norm": linalg_norm, "matmul": matmul, "diagonal": _diagonal,
                   "LinAlgError": LinAlgError}.items():
    setattr(linalg, _name, _fn)
linalg.vector_norm = _vector_norm
linalg.__all__ = sorted(n for n in vars(linalg) if not n.startswith("_"))
sys.modules["autograd.linalg"] = linalg
del _name, _fn


# ---------------------------------------------------------------------------------------
# eigh and svd. Each Function returns its outputs packed in one array (eigenvalues as an
# extra row above the eigenvectors; U, S and V stacked), which the public functions slice
# into views; so the gradients of all the outputs reach one backward, and that backward,
# written with Tensor ops on the (differentiable) outputs, differentiates again.
# ---------------------------------------------------------------------------------------
def _off_diag_inverse(d: Tensor) -> Tensor:
    """F with F[..., i, j] = 1 / (d_j - d_i) off the diagonal and 0 on it."""
    diff = d.unsqueeze(-2) - d.unsqueeze(-1)
    n = d.shape[-1]
    eye = Tensor._make(np.eye(n, dtype=bool))
    from .elementwise import where

    with np.errstate(divide="ignore"):
        return where(eye, 0.0, 1.0 / where(eye, 1.0, diff))


class Eigh(Function):
    """Eigen-decomposition of a symmetric matrix: packed (*, n + 1, n), row 0 the ascending
    eigenvalues, the rest the eigenvectors (columns). Backward:
    dA = V (diag(gL) + F o sym(V^T gV)) V^T with F_ij = 1 / (l_j - l_i), a symmetric
    gradient (eigh reads one triangle, so the input is taken as symmetric), as torch."""

    saves_inputs = False
    saves_output = True

    def forward(self, a, uplo):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        return np.concatenate([w[..., None, :], v], axis=-2)

    def backward(self, g):
        out = self.output
        lam, V = out[..., 0, :], out[..., 1:, :]
        gl, gv = g[..., 0, :], g[..., 1:, :]
        vtg = _mT(V) @ gv
        inner = _off_diag_inverse(lam) * ((vtg - _mT(vtg)) * 0.5)
        from .shape import diag_embed

        return (V @ (inner + diag_embed(gl)) @ _mT(V),)


class Svd(Function):
    """The reduced SVD A = U diag(S) V^T: packed (*, m + 1 + n, k), k = min(m, n): U's rows,
    then S, then V's rows. Backward (real case, Townsend's formula), with
    F_ij = 1 / (s_j^2 - s_i^2): dA = U [(F o (U^T gU - gU^T U)) S + diag(gS)
    + S (F o (V^T gV - gV^T V))] V^T + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T)."""

    saves_inputs = False
    saves_output = True

    def forward(self, a):
        self.m = a.shape[-2]
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return np.concatenate([u, s[..., None, :], np.swapaxes(vh, -1, -2)], axis=-2)

    def backward(self, g):
        from .shape import diag_embed

        m, out = self.m, self.output
        U, S, V = out[..., :m, :], out[..., m, :], out[..., m + 1:, :]
        gU, gS, gV = g[..., :m, :], g[..., m, :], g[..., m + 1:, :]
        F = _off_diag_inverse(S * S)
        utg, vtg = _mT(U) @ gU, _mT(V) @ gV
        J = F * (utg - _mT(utg))
        K = F * (vtg - _mT(vtg))
        inner = J * S.unsqueeze(-2) + diag_embed(gS) + S.unsqueeze(-1) * K
        ga = U @ inner @ _mT(V)
        k, n = S.shape[-1], V.shape[-2]
        inv_s = (1.0 / S).unsqueeze(-2)
        if m > k:
            proj = gU - U @ utg
            ga = ga + (proj * inv_s) @ _mT(V)
        if n > k:
            proj = gV - V @ vtg
            ga = ga + (U * inv_s) @ _mT(proj)
        return (ga,)


_eigh = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
_svd = namedtuple("svd", ["U", "S", "Vh"])
_svd_old = namedtuple("svd", ["U", "S", "V"])


def eigh(A: Tensor, UPLO: str = "L") -> Any:
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix (or batch), reading
    its lower (UPLO='L') or upper triangle: the named tuple (eigenvalues, eigenvectors)."""
    a = _square("eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    p = Eigh.apply(a, uplo=UPLO)
    return _eigh(p[..., 0, :], p[..., 1:, :])


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues (ascending) of a symmetric matrix."""
    return eigh(A, UPLO).eigenvalues


def _matrix_input(who: str, A: Any) -> Tensor:
    if not isinstance(A, Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(A).__name__}")
    if A.ndim < 2:
        raise ShapeError(f"{who}: expected a matrix or a batch of them (shape (*, m, n)), "
                         f"got shape {A.shape}")
    if A.data.dtype.kind != "f":
        raise RuntimeError(f"{who}: expected a floating point tensor, got {A.dtype}")
    return A


def linalg_svd(A: Tensor, full_matrices: bool = True, *, driver: Any = None) -> Any:
    """torch.linalg.svd: the named tuple (U, S, Vh) with A = U diag(S) Vh. With
    full_matrices=True and a non-square A the gradient flows through the first min(m, n)
    columns of U (rows of Vh) only: the others are an arbitrary basis of the complement,
    whose gradient torch ignores too."""
    a = _matrix_input("svd", A)
    m, n = a.shape[-2:]
    if full_matrices and m != n:
        u, s, vh = np.linalg.svd(a.data, full_matrices=True)
        if not a.requires_grad:
            return _svd(Tensor._make(u), Tensor._make(s), Tensor._make(vh))
        from .shape import cat

        k = min(m, n)
        p = Svd.apply(a)
        ur, sr, vhr = p[..., :m, :], p[..., m, :], _mT(p[..., m + 1:, :])
        if m > n:
            ur = cat([ur, Tensor._make(np.ascontiguousarray(u[..., :, k:]))], -1)
        else:
            vhr = cat([vhr, Tensor._make(np.ascontiguousarray(vh[..., k:, :]))], -2)
        return _svd(ur, sr, vhr)
    p = Svd.apply(a)
    return _svd(p[..., :m, :], p[..., m, :], _mT(p[..., m + 1:, :]))


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> Any:
    """torch.svd (deprecated there): (U, S, V) with A = U diag(S) V^T (V, not Vh)."""
    a = _matrix_input("svd", input)
    m, n = a.shape[-2:]
    if some or m == n:
        p = Svd.apply(a)
        u, s, v = p[..., :m, :], p[..., m, :], p[..., m + 1:, :]
    else:
        u, s, vh = linalg_svd(a, True)
        v = _mT(vh)
    if not compute_uv:
        u, v = u * 0, v * 0
    return _svd_old(u, s, v)


def svdvals(A: Tensor, *, driver: Any = None) -> Tensor:
    """The singular values of A, descending."""
    a = _matrix_input("svdvals", A)
    return Svd.apply(a)[..., a.shape[-2], :]


def pinv(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse, from the SVD: singular values at most
    max(atol, rtol * s_max) count as zero (rtol defaults to eps * max(m, n) without atol)."""
    a = _matrix_input("pinv", A)
    m, n = a.shape[-2:]
    p = Svd.apply(a)
    U, S, V = p[..., :m, :], p[..., m, :], p[..., m + 1:, :]
    smax = S.data[..., :1] if S.shape[-1] else np.zeros(S.shape[:-1] + (1,), S.dtype)
    eps = np.finfo(a.dtype).eps
    if rtol is None:
        rtol = eps * builtins_max(m, n) if atol is None else 0.0
    tol = np.maximum(0.0 if atol is None else atol, rtol * smax)
    keep = S.data > tol
    from .elementwise import where

    s_inv = where(Tensor._make(keep), 1.0 / where(Tensor._make(keep), S, 1.0), 0.0)
    return (V * s_inv.unsqueeze(-2)) @ _mT(U)


def matrix_rank(A: Tensor, *, atol: Any = None, rtol: Any = None,
                hermitian: bool = False) -> Tensor:
    """The number of singular values above the tolerance (pinv's), as int64."""
    a = _matrix_input("matrix_rank", A)
    s = np.linalg.svd(a.data, compute_uv=False)
    m, n = a.shape[-2:]
    smax = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
    if rtol is None:
        rtol = np.finfo(a.dtype).eps * builtins_max(m, n) if atol is None else 0.0
    tol = np.maximum(0.0 if atol is None else atol, rtol * smax)
    return Tensor._make(np.asarray((s > tol).sum(-1), dtype=np.int64))


class Qr(Function):
    """The reduced QR decomposition of a tall (or square) A, m >= n: packed (*, m + n, n),
    Q's rows then R's. Backward, with M = R gR^T - gQ^T Q:
    dA = (gQ + Q copyltu(M)) R^-T, copyltu mirroring M's lower triangle upward."""

    saves_inputs = False
    saves_output = True

    def forward(self, a):
        self.m = a.shape[-2]
        q, r = np.linalg.qr(a, mode="reduced")
        return np.concatenate([q, r], axis=-2)

    def backward(self, g):
        from .shape import diag_embed, diagonal, tril

        m, out = self.m, self.output
        Q, R = out[..., :m, :], out[..., m:, :]
        gQ, gR = g[..., :m, :], g[..., m:, :]
        M = R @ _mT(gR) - _mT(gQ) @ Q
        low = tril(M, -1)
        sym = low + _mT(low) + diag_embed(diagonal(M, 0, -2, -1))   # copyltu(M)
        return (_mT(solve(R, _mT(gQ + Q @ sym))),)


_qr = namedtuple("qr", ["Q", "R"])


class _QrNoGrad(Function):
    """A QR factorisation torch does not differentiate (mode='r', or mode='complete' with
    more rows than columns): the forward works, backward raises, as in torch."""

    def forward(self, a, mode):
        self.mode = mode
        q, r = np.linalg.qr(a, mode=mode if mode == "complete" else "reduced")
        return np.concatenate([q, r], axis=-1) if mode == "complete" else r  # (Q | R)

    def backward(self, g):
        if self.mode == "r":
            raise RuntimeError("qr: the derivative of linalg.qr depends on Q, which is not "
                               "computed when mode='r'; use mode='reduced' to differentiate")
        raise RuntimeError("qr: the QR decomposition is not differentiable when "
                           "mode='complete' and nrows > ncols")


def qr(A: Tensor, mode: str = "reduced") -> Any:
    """torch.linalg.qr: (Q, R) with A = Q R, Q orthonormal columns and R upper triangular;
    mode 'reduced', 'complete' or 'r' (Q empty). Differentiable as torch's: any shape in
    mode 'reduced' (a wide A = [X | Y] as Q, U = qr(X), R = [U | Q^T Y]) and 'complete'
    with rows <= columns; mode 'r' and a tall 'complete' raise in backward."""
    a = _matrix_input("qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    m, n = a.shape[-2:]
    if mode == "r" or (mode == "complete" and m > n):
        if not a.requires_grad:
            q, r = np.linalg.qr(a.data, mode="complete" if mode == "complete" else "reduced")
            if mode == "r":
                q = np.zeros(0, dtype=a.dtype)
            return _qr(Tensor._make(q), Tensor._make(r))
        p = _QrNoGrad.apply(a, mode=mode)
        if mode == "r":
            return _qr(Tensor._make(np.zeros(0, dtype=a.dtype)), p)
        return _qr(p[..., :, :m], p[..., :, m:])
    if m < n:  # wide: reduced and complete agree
        from .shape import cat

        q, u = qr(a[..., :m], "reduced")
        return _qr(q, cat([u, _mT(q) @ a[..., m:]], -1))
    p = Qr.apply(a)
    return _qr(p[..., :m, :], p[..., m:, :])


_lstsq = namedtuple("lstsq", ["solution", "residuals", "rank", "singular_values"])


def lstsq(A: Tensor, B: Any, rcond: float | None = None, *, driver: Any = None) -> Any:
    """The least-squares (minimum-norm) solution of A X = B, from the pseudo-inverse: the
    named tuple (solution, residuals, rank, singular_values) as torch's default 'gelsy'
    driver fills it (residuals and singular_values empty). B is (*, m, k) or (*, m)."""
    a = _matrix_input("lstsq", A)
    a, b = _pair(a, B, "lstsq")
    vec = b.ndim == a.ndim - 1
    if vec:
        b = b.unsqueeze(-1)
    if b.ndim < 2 or b.shape[-2] != a.shape[-2]:
        raise ShapeError(f"lstsq: A of shape {a.shape} and B of shape {B.shape} do not fit "
                         f"(B needs {a.shape[-2]} rows)")
    x = pinv(a, rtol=rcond) @ b
    empty = Tensor._make(np.zeros(0, dtype=a.dtype))
    return _lstsq(x.squeeze(-1) if vec else x, empty, matrix_rank(a, rtol=rcond),
                  Tensor._make(np.zeros(0, dtype=a.dtype)))


def builtins_max(*args: Any) -> Any:
    import builtins

    return builtins.max(*args)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """torch.pinverse: pinv with singular values below rcond * s_max treated as zero."""
    return pinv(input, rtol=rcond)


for _name, _fn in {"eigh": eigh, "eigvalsh": eigvalsh, "svd": linalg_svd, "svdvals": svdvals,
                   "pinv": pinv, "matrix_rank": matrix_rank, "lstsq": lstsq,
                   "qr": qr}.items():
    setattr(linalg, _name, _fn)
linalg.__all__ = sorted(n for n in vars(linalg) if not n.startswith("_"))
del _name, _fn


# ---------------------------------------------------------------------------------------
# triangular solves, LU, the matrix exponential, the *_ex forms, cond, and torch's deprecated
# top-level spellings (torch.cholesky, torch.qr, torch.lu, torch.triangular_solve, ...)
# ---------------------------------------------------------------------------------------
class SolveTriangular(Function):
    """X with A X = B, A (*, n, n) upper or lower triangular (only that triangle is read;
    ``unit``: its diagonal taken as ones). Backward: dB = A^-T g (the other triangle's solve),
    dA = -dB X^T restricted to the triangle that was read."""

    saves_output = True

    def forward(self, a, b, upper, unit):
        self.upper, self.unit = upper, unit
        t = np.triu(a) if upper else np.tril(a)
        if unit:
            n = a.shape[-1]
            t = t.copy()
            t[..., np.arange(n), np.arange(n)] = 1
        with np.errstate(all="ignore"):
            try:
                return np.linalg.solve(t, b)
            except np.linalg.LinAlgError:  # a zero on the diagonal: inf/nan, as LAPACK trtrs
                return _substitute(t, b, upper)

    def backward(self, g):
        from .shape import tril, triu

        a, b = self.inputs
        gb = solve_triangular(_mT(a), g, upper=not self.upper, unitriangular=self.unit)
        ga = None
        if a.requires_grad:
            full = -(gb @ _mT(self.output))
            ga = triu(full, 1 if self.unit else 0) if self.upper else tril(
                full, -1 if self.unit else 0)
            ga = unbroadcast(ga, a.shape)
        return ga, unbroadcast(gb, b.shape) if b.requires_grad else None


def _substitute(t: np.ndarray, b: np.ndarray, upper: bool) -> np.ndarray:
    """Back (or forward) substitution, for a triangular t with zeros on its diagonal."""
    shape = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    t = np.broadcast_to(t, shape + t.shape[-2:])
    x = np.array(np.broadcast_to(b, shape + b.shape[-2:]), dtype=np.result_type(t, b))
    n = t.shape[-1]
    order = range(n - 1, -1, -1) if upper else range(n)
    done: list[int] = []
    for i in order:
        acc = x[..., i, :]
        for j in done:
            acc = acc - t[..., i, j, None] * x[..., j, :]
        x[..., i, :] = acc / t[..., i, i, None]
        done.append(i)
    return x


def solve_triangular(A: Tensor, B: Any, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """torch.linalg.solve_triangular: X with A X = B (X A = B when left=False) for a
    triangular A (upper or lower; the other triangle is not read)."""
    a = _square("linalg.solve_triangular", A)
    a, b = _pair(a, B, "linalg.solve_triangular")
    if b.ndim < 2:
        raise ShapeError(f"linalg.solve_triangular: B must be a matrix or a batch of them, got "
                         f"shape {b.shape}")
    if not left:
        return _mT(solve_triangular(_mT(a), _mT(b), upper=not upper,
                                    unitriangular=unitriangular))
    if b.shape[-2] != a.shape[-1]:
        raise ShapeError(f"linalg.solve_triangular: A of shape {a.shape} and B of shape "
                         f"{b.shape} do not fit (B needs {a.shape[-1]} rows)")
    return SolveTriangular.apply(a, b, upper=bool(upper), unit=bool(unitriangular))


def _lu_np(a: np.ndarray, pivot: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LU with partial pivoting (LAPACK getrf's choices: the first largest |entry| in the
    column): the packed factors (*, m, n), the 1-based pivots (*, k) int32, and info (*,)
    int32 (the 1-based index of the first zero pivot, 0 if none)."""
    lu = np.array(a, dtype=a.dtype, copy=True)
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    piv = np.empty(batch + (k,), dtype=np.int32)
    info = np.zeros(batch, dtype=np.int32)
    count = int(np.prod(batch))
    flat = lu.reshape((count, m, n))
    fpiv, finfo = piv.reshape((count, k)), info.reshape(-1)
    rows = np.arange(flat.shape[0])
    with np.errstate(all="ignore"):
        for j in range(k):
            if pivot:
                p = j + np.argmax(np.abs(flat[:, j:, j]), axis=1)
                top = flat[rows, j].copy()
                flat[rows, j] = flat[rows, p]
                flat[rows, p] = top
            else:
                p = np.full(flat.shape[0], j)
            fpiv[:, j] = p + 1
            d = flat[:, j, j]
            zero = (d == 0) & (finfo == 0)
            finfo[zero] = j + 1
            safe = d != 0
            flat[safe, j + 1:, j] /= d[safe, None]
            flat[:, j + 1:, j + 1:] -= flat[:, j + 1:, j, None] * flat[:, j, None, j + 1:]
    return lu, piv, info


def _perm_matrix(piv: np.ndarray, m: int, dtype: Any) -> np.ndarray:
    """P (*, m, m) with A = P L U, from getrf's 1-based row swaps."""
    batch = piv.shape[:-1]
    perm = np.broadcast_to(np.arange(m), batch + (m,)).copy()
    count = int(np.prod(batch))
    fp, fperm = piv.reshape((count, piv.shape[-1])), perm.reshape((count, m))
    r = np.arange(fperm.shape[0])
    for j in range(piv.shape[-1]):
        p = fp[:, j] - 1
        a, b = fperm[r, j].copy(), fperm[r, p].copy()
        fperm[r, j], fperm[r, p] = b, a
    # row i of P^T A is row perm[i] of A, so P[perm[i], i] = 1
    eye = np.zeros(batch + (m, m), dtype=dtype)
    idx = np.indices(batch) if batch else ()
    cols = np.arange(m)
    if batch:
        eye[(*[i[..., None] for i in idx], perm, cols)] = 1
    else:
        eye[perm, cols] = 1
    return eye


class LuFactor(Function):
    """The packed LU factors of A (*, m, n) = P L U, L (m, k) unit lower, U (k, n) upper.
    Backward (with gL, gU the strict-lower / upper parts of g): for a square A,
    dA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T; a wide A adds U's extra columns
    (dA2 = P L^-T gU2 and gL -= L^-T gU2 U2^T), a tall one L's extra rows (likewise)."""

    saves_inputs = False
    saves_output = True

    def forward(self, a, pivot):
        lu, piv, info = _lu_np(a, pivot)
        self.piv, self.info = piv, info
        return lu

    def backward(self, g):
        from .shape import cat, tril, triu

        lu = self.output
        m, n = lu.shape[-2:]
        k = min(m, n)
        P = Tensor._make(_perm_matrix(self.piv, m, lu.data.dtype))
        eye = Tensor._make(np.eye(k, dtype=lu.data.dtype))
        L = tril(lu[..., :, :k], -1) + (eye if m == k else Tensor._make(
            np.eye(m, k, dtype=lu.data.dtype)))
        U = triu(lu[..., :k, :])
        gL, gU = tril(g[..., :, :k], -1), triu(g[..., :k, :])
        if m == n:
            return (P @ _lu_square_grad(L, U, gL, gU),)
        if m < n:  # wide: A = P L [U1 U2]
            U1, U2, gU1, gU2 = U[..., :, :k], U[..., :, k:], gU[..., :, :k], gU[..., :, k:]
            gA2 = solve_triangular(_mT(L), gU2, upper=True, unitriangular=True)
            gL = gL - tril(gA2 @ _mT(U2), -1)
            return (P @ cat([_lu_square_grad(L, U1, gL, gU1), gA2], -1),)
        # tall: P^T A = [L1; L2] U
        L1, L2, gL1, gL2 = L[..., :k, :], L[..., k:, :], gL[..., :k, :], gL[..., k:, :]
        gB2 = solve_triangular(_mT(U), gL2, upper=False, left=False)
        gU = gU - triu(_mT(L2) @ gB2)
        return (P @ cat([_lu_square_grad(L1, U, gL1, gU), gB2], -2),)


def _lu_square_grad(L: Tensor, U: Tensor, gL: Tensor, gU: Tensor) -> Tensor:
    """L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T for the square factors."""
    from .shape import tril, triu

    phi = tril(_mT(L) @ gL, -1) + triu(gU @ _mT(U))
    x = solve_triangular(_mT(L), phi, upper=True, unitriangular=True)
    return solve_triangular(_mT(U), x, upper=False, left=False)


_lu_factor_t = namedtuple("lu_factor", ["LU", "pivots"])
_lu_factor_ex_t = namedtuple("lu_factor_ex", ["LU", "pivots", "info"])
_lu_t = namedtuple("lu", ["P", "L", "U"])
_lu_unpack_t = namedtuple("lu_unpack", ["P", "L", "U"])


def _lu_input(who: str, A: Any) -> Tensor:
    if isinstance(A, Tensor) and A.data.dtype.kind != "f":
        raise NotImplementedError(f"{who}: not implemented for {A.dtype} tensors (expected a "
                                  "floating point tensor)")
    return _matrix_input(who, A)


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> Any:
    """torch.linalg.lu_factor_ex: (LU, pivots, info), pivots 1-based int32 row swaps,
    info the 1-based index of the first zero pivot (0: none)."""
    a = _lu_input("linalg.lu_factor_ex", A)
    lu = LuFactor.apply(a, pivot=bool(pivot))
    m, n = a.shape[-2:]
    lu_np, piv, info = (_lu_np(a.data, pivot) if lu._ctx is None else
                        (None, lu._ctx.piv, lu._ctx.info))
    if check_errors and info.any():
        raise LinAlgError(f"linalg.lu_factor_ex: U[{info.max()}, {info.max()}] is zero: the "
                          "factorization is singular")
    return _lu_factor_ex_t(lu, Tensor._make(piv), Tensor._make(info))


def lu_factor(A: Tensor, *, pivot: bool = True) -> Any:
    """torch.linalg.lu_factor: the named tuple (LU, pivots) of A = P L U (see lu_unpack).
    Differentiable in LU. As torch, a singular A (a zero on U's diagonal) is an error here:
    linalg.lu and lu_factor_ex factor it."""
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    if info.data.any():
        k = int(info.data[info.data > 0].min()) - 1
        raise LinAlgError(f"linalg.lu_factor: U[{k},{k}] is zero and using it on lu_solve "
                          "would result in a division by zero (use linalg.lu or "
                          "linalg.lu_factor_ex to factor a singular matrix)")
    return _lu_factor_t(LU, piv)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,
              unpack_pivots: bool = True) -> Any:
    """torch.lu_unpack: (P, L, U) from lu_factor's packed output (L and U differentiable)."""
    from .shape import tril, triu

    lu = _lu_input("lu_unpack", LU_data)
    m, n = lu.shape[-2:]
    k = min(m, n)
    dt = lu.data.dtype
    empty = Tensor._make(np.zeros(0, dtype=dt))
    P = (Tensor._make(_perm_matrix(np.asarray(LU_pivots.data), m, dt)) if unpack_pivots
         else empty)
    if not unpack_data:
        return _lu_unpack_t(P, empty, empty)
    L = tril(lu[..., :, :k], -1) + Tensor._make(np.eye(m, k, dtype=dt))
    U = triu(lu[..., :k, :])
    return _lu_unpack_t(P, L, U)


def linalg_lu(A: Tensor, *, pivot: bool = True) -> Any:
    """torch.linalg.lu: the named tuple (P, L, U) with A = P L U (singular A too)."""
    LU, piv, _ = lu_factor_ex(_lu_input("linalg.lu", A), pivot=pivot)
    return _lu_t(*lu_unpack(LU, piv))


def linalg_lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True,
                    adjoint: bool = False) -> Tensor:
    """torch.linalg.lu_solve: X with A X = B from A's lu_factor (A^T X = B with adjoint,
    X A = B with left=False); differentiable in LU and B."""
    lu = _square("linalg.lu_solve", LU)
    lu, b = _pair(lu, B, "linalg.lu_solve")
    if b.ndim < 2:
        raise RuntimeError(f"linalg.lu_solve: the input tensor B must have at least 2 dims, "
                           f"got shape {b.shape}")
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return _mT(linalg_lu_solve(lu, pivots, _mT(b), adjoint=not adjoint))
    if b.shape[-2] != lu.shape[-1]:
        raise ShapeError(f"linalg.lu_solve: LU of shape {lu.shape} and B of shape {b.shape} "
                         f"do not fit (B needs {lu.shape[-1]} rows)")
    P = Tensor._make(_perm_matrix(np.asarray(pivots.data), lu.shape[-1], lu.data.dtype))
    if not adjoint:  # A = P L U: X = U^-1 L^-1 P^T B
        y = solve_triangular(lu, _mT(P) @ b, upper=False, unitriangular=True)
        return solve_triangular(lu, y, upper=True)
    # A^T = U^T L^T P^T: X = P L^-T U^-T B
    y = solve_triangular(_mT(lu), b, upper=False)
    return P @ solve_triangular(_mT(lu), y, upper=True, unitriangular=True)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False) -> Any:
    """torch.lu (deprecated there for linalg.lu_factor): (A_LU, pivots[, infos])."""
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    return (LU, piv, info) if get_infos else (LU, piv)


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """torch.lu_solve (deprecated there): linalg.lu_solve(LU_data, LU_pivots, b)."""
    return linalg_lu_solve(LU_data, LU_pivots, b)


def _expm(a: np.ndarray) -> np.ndarray:
    """exp(A) by scaling and squaring a Taylor series (to the dtype's precision)."""
    n = a.shape[-1]
    if a.size == 0:
        return np.array(a, copy=True)
    norm = np.abs(a).sum(-2).max(-1) if a.ndim > 2 else np.abs(a).sum(0).max()
    s = int(max(0, np.ceil(np.log2(max(float(np.max(norm)), 1e-300) / 0.25)))) if np.all(
        np.isfinite(norm)) else 0
    x = a / (2.0 ** s)
    eye = np.broadcast_to(np.eye(n, dtype=a.dtype), a.shape)
    term, out = eye.copy(), eye.copy()
    terms = 18 if a.dtype == np.float64 else 10
    for i in range(1, terms):
        term = term @ x / i
        out = out + term
    for _ in range(s):
        out = out @ out
    return out.astype(a.dtype, copy=False)


class MatrixExp(Function):
    """exp(A) for square A (*, n, n). Backward: the adjoint of the Frechet derivative, the
    top-right block of exp([[A^T, g], [0, A^T]]) (a matrix_exp again, so it differentiates
    twice)."""

    def forward(self, a):
        return _expm(a)

    def backward(self, g):
        from .elementwise import _zeros
        from .shape import cat

        at = _mT(self.inputs[0])
        n = at.shape[-1]
        block = cat([cat([at, g], -1), cat([_zeros(at).detach(), at], -1)], -2)
        return (matrix_exp(block)[..., :n, n:],)


def matrix_exp(A: Tensor) -> Tensor:
    """torch.linalg.matrix_exp (and torch.matrix_exp): the matrix exponential."""
    return MatrixExp.apply(_square("linalg.matrix_exp", A))


_ex = namedtuple("inv_ex", ["inverse", "info"])
_solve_ex = namedtuple("solve_ex", ["result", "info"])
_chol_ex = namedtuple("cholesky_ex", ["L", "info"])


def _info(a: np.ndarray) -> np.ndarray:
    """getrf's info for each matrix of a batch: 0, or the 1-based first zero pivot."""
    return _lu_np(a)[2]


def inv_ex(A: Tensor, *, check_errors: bool = False) -> Any:
    """torch.linalg.inv_ex: (inverse, info); info > 0 marks a singular matrix (whose
    inverse is then not meaningful) instead of an error."""
    a = _square("linalg.inv_ex", A)
    info = _info(a.data)
    if info.any():
        if check_errors:
            raise LinAlgError("linalg.inv_ex: the matrix is singular (not invertible)")
        with np.errstate(all="ignore"):
            bad = Tensor._make(np.full(a.shape, np.nan, dtype=a.data.dtype))
        ok = Tensor._make(~(info > 0)[..., None, None])
        from .elementwise import where

        eye = Tensor._make(np.eye(a.shape[-1], dtype=a.data.dtype))
        safe = where(ok, a, eye)
        return _ex(where(ok, inv(safe), bad), Tensor._make(info))
    return _ex(inv(a), Tensor._make(info))


def solve_ex(A: Tensor, B: Any, *, left: bool = True, check_errors: bool = False) -> Any:
    """torch.linalg.solve_ex: (result, info), info > 0 for a singular A."""
    a = _square("linalg.solve_ex", A)
    info = _info(a.data)
    if info.any():
        if check_errors:
            raise LinAlgError("linalg.solve_ex: the matrix A is singular (not invertible)")
        return _solve_ex(solve(inv_ex(a).inverse, B, left=left) * np.nan, Tensor._make(info))
    return _solve_ex(solve(a, B, left=left), Tensor._make(info))


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> Any:
    """torch.linalg.cholesky_ex: (L, info), info the order of the first leading minor that
    is not positive-definite (0: none), instead of an error."""
    a = _square("linalg.cholesky_ex", A)
    flat = a.data.reshape((-1,) + a.shape[-2:])
    info = np.zeros(flat.shape[0], dtype=np.int32)
    n = a.shape[-1]
    for b in range(flat.shape[0]):
        try:
            np.linalg.cholesky(flat[b])
        except np.linalg.LinAlgError:
            for k in range(1, n + 1):
                try:
                    np.linalg.cholesky(flat[b, :k, :k])
                except np.linalg.LinAlgError:
                    info[b] = k
                    break
    info = info.reshape(a.shape[:-2])
    if not info.any():
        return _chol_ex(cholesky(a, upper=upper), Tensor._make(info))
    if check_errors:
        raise LinAlgError(f"linalg.cholesky_ex: the leading minor of order {info.max()} is "
                          "not positive-definite")
    from .elementwise import where

    ok = Tensor._make((info == 0)[..., None, None])
    eye = Tensor._make(np.eye(n, dtype=a.data.dtype))
    partial = np.zeros(flat.shape, dtype=a.data.dtype)
    for b, k in enumerate(info.reshape(-1)):
        if k:
            partial[b] = _potf2_partial(flat[b])
    partial = partial.reshape(a.shape)
    if upper:
        partial = np.swapaxes(partial, -1, -2).copy()
    L = where(ok, cholesky(where(ok, a, eye), upper=upper), Tensor._make(partial))
    return _chol_ex(L, Tensor._make(info))


def _potf2_partial(a: np.ndarray) -> np.ndarray:
    """What LAPACK's unblocked Cholesky leaves in the lower triangle of a matrix that is not
    positive-definite (torch returns it): the columns before the failing one factored, the
    failing diagonal entry as computed, the rest of the input untouched."""
    w = np.tril(a).astype(np.float64)
    n = a.shape[-1]
    for j in range(n):
        d = w[j, j] - w[j, :j] @ w[j, :j]
        if not d > 0:
            w[j, j] = d
            break
        w[j, j] = np.sqrt(d)
        w[j + 1:, j] = (w[j + 1:, j] - w[j + 1:, :j] @ w[j, :j]) / w[j, j]
    return w.astype(a.dtype)


def cond(A: Tensor, p: Any = None) -> Tensor:
    """torch.linalg.cond: the condition number in the norm p (None or 2: s_max / s_min,
    -2: s_min / s_max, from the singular values of any matrix; 'fro', 'nuc', inf, -inf,
    1, -1: norm(A) norm(A^-1) of a square A)."""
    a = _matrix_input("linalg.cond", A)
    if a.shape[-1] == 0 or a.shape[-2] == 0:  # torch: 0 for empty matrices
        return Tensor._make(np.zeros(a.shape[:-2], dtype=a.data.dtype))
    if p is None or p in (2, -2):
        s = svdvals(a)
        hi, lo = s[..., 0], s[..., -1]
        with np.errstate(divide="ignore", invalid="ignore"):
            return hi / lo if p in (None, 2) else lo / hi
    if p not in ("fro", "nuc", np.inf, -np.inf, 1, -1):
        raise RuntimeError(f"linalg.cond: p must be one of None, 2, -2, 'fro', 'nuc', inf, "
                           f"-inf, 1, -1; got {p!r}")
    from .elementwise import where

    a = _square("linalg.cond", a)
    inverse, info = inv_ex(a)
    out = matrix_norm(a, p) * matrix_norm(inverse, p)
    return where(Tensor._make(info.data > 0), np.inf, out)  # a singular A: inf, as torch


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """torch.linalg.vander: the Vandermonde matrix [1, x, x^2, ..., x^(N-1)] along a new
    last dim (N defaults to x's last size)."""
    from .shape import stack

    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vander: x must be a Tensor, got {type(x).__name__}")
    if x.ndim < 1:
        raise RuntimeError("linalg.vander: x must have at least one dim, got a 0-d tensor")
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError(f"linalg.vander: N must be greater than 1, got {n}")
    cols = [x ** 0 if i == 0 else x for i in range(min(n, 2))]
    for _ in range(2, n):
        cols.append(cols[-1] * x)
    return stack(cols, -1)


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """torch.linalg.tensorinv: the inverse of A read as a matrix of its first ind dims by
    the rest (whose sizes' products must agree); shape A.shape[ind:] + A.shape[:ind]."""
    if ind <= 0:
        raise RuntimeError(f"linalg.tensorinv: expected a strictly positive ind, got {ind}")
    rows, cols = A.shape[:ind], A.shape[ind:]
    if int(np.prod(rows)) != int(np.prod(cols)):
        raise RuntimeError(f"linalg.tensorinv: the product of the first {ind} dims "
                           f"{int(np.prod(rows))} must equal that of the rest "
                           f"{int(np.prod(cols))}")
    m = A.reshape(int(np.prod(rows)), -1)
    return inv(m).reshape(cols + rows)


def tensorsolve(A: Tensor, B: Tensor, dims: Any = None) -> Tensor:
    """torch.linalg.tensorsolve: X with tensordot(A, X, X.ndim) = B."""
    if dims is not None:
        from .shape import movedim

        dims = tuple(dims)
        A = movedim(A, dims, tuple(range(A.ndim - len(dims), A.ndim)))
    xshape = A.shape[B.ndim:]
    a = A.reshape(int(np.prod(B.shape)), -1)
    return solve(a, B.reshape(-1)).reshape(xshape)


def cholesky_top(input: Tensor, upper: bool = False) -> Tensor:
    """torch.cholesky (deprecated there for linalg.cholesky)."""
    return cholesky(input, upper=upper)


def qr_top(input: Tensor, some: bool = True) -> Any:
    """torch.qr (deprecated there for linalg.qr): reduced with some=True, else complete."""
    return qr(input, mode="reduced" if some else "complete")


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:
    """torch.cholesky_solve: X with A X = B, from A's Cholesky factor L (A = L L^T, or
    U^T U with upper=True); differentiable in both."""
    L = _square("cholesky_solve", L)
    L, B = _pair(L, B, "cholesky_solve")
    if upper:
        y = solve_triangular(_mT(L), B, upper=False)
        return solve_triangular(L, y, upper=True)
    y = solve_triangular(L, B, upper=False)
    return solve_triangular(_mT(L), y, upper=True)


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:
    """torch.cholesky_inverse: A^-1 from A's Cholesky factor."""
    L = _square("cholesky_inverse", L)
    eye = Tensor._make(np.broadcast_to(np.eye(L.shape[-1], dtype=L.data.dtype), L.shape))
    return cholesky_solve(eye, L, upper)


_tri_solve = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False) -> Any:
    """torch.triangular_solve (deprecated there): (X, A.clone()) with A X = b (A^T X = b
    with transpose)."""
    a = _mT(A) if transpose else A
    x = solve_triangular(a, b, upper=upper != transpose, unitriangular=unitriangular)
    return _tri_solve(x, A.clone())


for _name, _fn in {"solve_triangular": solve_triangular, "lu_factor": lu_factor,
                   "lu_factor_ex": lu_factor_ex, "lu": linalg_lu, "lu_solve": linalg_lu_solve,
                   "matrix_exp": matrix_exp, "inv_ex": inv_ex, "solve_ex": solve_ex,
                   "cholesky_ex": cholesky_ex, "cond": cond, "vander": vander,
                   "tensorinv": tensorinv, "tensorsolve": tensorsolve}.items():
    setattr(linalg, _name, _fn)
linalg.__all__ = sorted(n for n in vars(linalg) if not n.startswith("_"))
del _name, _fn


def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """torch.linalg.householder_product: the first n columns of H_1 ... H_k, with
    H_i = I - tau_i v_i v_i^T and v_i column i of A below the diagonal (a 1 on it).
    Differentiable in A and tau (built from Tensor ops)."""
    from .shape import tril

    a = _matrix_input("linalg.householder_product", A)
    a, t = _pair(a, tau, "linalg.householder_product")
    m, n = a.shape[-2:]
    k = t.shape[-1] if t.ndim else 0
    if m < n:
        raise RuntimeError(f"linalg.householder_product: input.shape[-2] must be greater than "
                           f"or equal to input.shape[-1], got shape {a.shape}")
    if k > n or t.shape[:-1] != a.shape[:-2]:
        raise RuntimeError(f"linalg.householder_product: tau of shape {t.shape} does not fit "
                           f"input of shape {a.shape} (expected {a.shape[:-2] + ('k <= n',)})")
    dt = a.data.dtype
    v = tril(a, -1) + Tensor._make(np.eye(m, n, dtype=dt))
    q = Tensor._make(np.broadcast_to(np.eye(m, dtype=dt), a.shape[:-2] + (m, m)).copy())
    for i in range(k):
        vi = v[..., :, i:i + 1]
        q = q - (q @ vi) * t[..., i, None, None] @ _mT(vi)
    return q[..., :, :n]


linalg.householder_product = householder_product
linalg.__all__ = sorted(n for n in vars(linalg) if not n.startswith("_"))
