"""Linear algebra: matmul and its fixed-rank forms (mm, bmm, mv, dot), the add-and-multiply
family (addmm, addmv, addr, addbmm, baddbmm), einsum and what is spelt with it (tensordot,
inner, trace, kron), outer.

Every product of two matrices goes through ``MatMul`` (the kernel dispatch
``K.active.matmul``); every other contraction through ``Einsum``, whose gradient with
respect to one operand is again an einsum of the upstream gradient and the other operands
(so second derivatives come for free). As in PyTorch, the operands of a product must have
the same dtype (no promotion); a Python number or list next to a Tensor takes its dtype.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from numbers import Number
from typing import Any

import numpy as np

from .. import kernels as K
from ..function import Function
from ..tensor import ShapeError, Tensor
from .elementwise import lift, unbroadcast

__all__ = ["addbmm", "addmm", "addmv", "addr", "baddbmm", "bmm", "dot", "einsum", "ger", "inner",
           "kron", "matmul", "mm", "mv", "outer", "tensordot", "trace", "vdot"]


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
    try:
        ok = np.broadcast_shapes(inp.shape, prod.shape) == prod.shape
    except ValueError:
        ok = False
    if not ok:
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
    a, b = _pair(input, other, "kron")
    nd = max(a.ndim, b.ndim)
    a = a.reshape((1,) * (nd - a.ndim) + a.shape)
    b = b.reshape((1,) * (nd - b.ndim) + b.shape)
    la, lb = string.ascii_letters[:nd], string.ascii_letters[nd:2 * nd]
    prod = _einsum(f"{la},{lb}->{''.join(x + y for x, y in zip(la, lb))}", [a, b])
    return prod.reshape(tuple(m * n for m, n in zip(a.shape, b.shape)))
