"""Optimizer updates, in place on the parameter and its state: SGD (momentum, dampening,
Nesterov, weight decay) and Adam / AdamW (amsgrad), each fused into one pass over the
parameter in numba, beside the numpy references (``*_ref``) that spell torch.optim's rules.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from . import tuning
from ._jit import FLOATS, U, driver, kernel, run

_th = tuning.thresholds


# ----------------------------------------------------------------------------- optimizers


def sgd_update_ref(
    p: np.ndarray,
    g: np.ndarray,
    buf: np.ndarray | None,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
    first: bool = False,
) -> None:
    """torch.optim.SGD's step for one parameter, in place on ``p`` (and ``buf``)."""
    lr, momentum, dampening, wd = float(lr), float(momentum), float(dampening), float(weight_decay)
    d = g + wd * p if wd != 0 else g
    if momentum != 0:
        if first:
            buf[...] = d
        else:
            buf *= momentum
            buf += (1 - dampening) * d
        d = d + momentum * buf if nesterov else buf
    p -= lr * d


def adam_update_ref(
    p: np.ndarray,
    g: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    vmax: np.ndarray | None,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    step: int = 1,
    decoupled: bool = False,
    amsgrad: bool = False,
) -> None:
    """torch.optim.Adam / AdamW (decoupled=True) step for one parameter, in place."""
    lr, b1, b2, eps, wd = float(lr), float(beta1), float(beta2), float(eps), float(weight_decay)
    if wd != 0:
        if decoupled:
            p *= 1 - lr * wd
        else:
            g = g + wd * p
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * (g * g)
    bc1 = 1 - b1**step
    bc2 = 1 - b2**step
    if amsgrad:
        np.maximum(vmax, v, out=vmax)
        vv = vmax
    else:
        vv = v
    denom = np.sqrt(vv) / math.sqrt(bc2) + eps
    p -= (lr / bc1) * (m / denom)

# ----------------------------------------------------------------------------- optimizers
# In place on p (and the state arrays). Parameters are usually contiguous; anything else
# (or a mismatched dtype) goes to the numpy reference, which is also in place.


@kernel
def _sgd_k(p, g, buf, lr, mom, damp, nesterov, wd, first, lo, hi):
    T = p.dtype.type
    keep = T(1.0 - damp)  # rounded once from float64, as the numpy reference
    lr, mom, wd = T(lr), T(mom), T(wd)
    for i in range(U(lo), U(hi)):
        d = g[i] + wd * p[i]
        if mom != 0:
            bv = d if first else mom * buf[i] + keep * d
            buf[i] = bv
            d = d + mom * bv if nesterov else bv
        p[i] -= lr * d


@driver
def _sgd_p(p, g, buf, lr, mom, damp, nesterov, wd, first, chunk):
    n = p.size
    for c in prange((n + chunk - 1) // chunk):
        _sgd_k(p, g, buf, lr, mom, damp, nesterov, wd, first, c * chunk, min(n, (c + 1) * chunk))


def _flat_inplace(*arrs) -> bool:
    a0 = arrs[0]
    return all(
        a is not None and a.flags.c_contiguous and a.dtype == a0.dtype and a.shape == a0.shape
        for a in arrs
    ) and a0.dtype in FLOATS


def sgd_update(p, g, buf, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0,
               first=False) -> None:
    """torch.optim.SGD's step for one parameter, fused, in place on p (and buf)."""
    use_buf = momentum != 0
    th = _th()
    if p.size < (th.small_sgd_momentum if use_buf else th.small_sgd) or not _flat_inplace(
            p, g, *((buf,) if use_buf else ())):
        return sgd_update_ref(p, g, buf, lr, momentum, dampening, nesterov, weight_decay, first)
    pf, gf = p.reshape(-1), g.reshape(-1)
    bf = buf.reshape(-1) if use_buf else pf[:0]
    args = (float(lr), float(momentum), float(dampening), bool(nesterov), float(weight_decay),
            bool(first))
    run(_sgd_k, _sgd_p, (pf, gf, bf, *args), pf.size, pf.size, th.par_min_opt)


@kernel
def _adam_k(p, g, m, v, vmax, lr, b1, b2, eps, wd, bc1, bc2, decoupled, amsgrad, lo, hi):
    T = p.dtype.type
    # 1 - beta in float64, then rounded (as torch and the numpy reference): in float32,
    # 1 - float32(0.999) is 0.00100005, and Adam drifted ~2e-6 from torch in 20 steps
    c1, c2 = T(1.0 - b1), T(1.0 - b2)
    b1, b2, eps, wd = T(b1), T(b2), T(eps), T(wd)
    decay = T(1.0 - lr * wd) if decoupled else T(1)
    gwd = T(0) if decoupled else wd
    step = T(lr / bc1)
    rs = T(1.0 / math.sqrt(bc2))
    for i in range(U(lo), U(hi)):
        pv = p[i] * decay
        gv = g[i] + gwd * p[i]
        mv = b1 * m[i] + c1 * gv
        vv = b2 * v[i] + c2 * gv * gv
        m[i] = mv
        v[i] = vv
        if amsgrad:
            vm = vmax[i] if vmax[i] > vv else vv
            vmax[i] = vm
            vv = vm
        p[i] = pv - step * mv / (np.sqrt(vv) * rs + eps)


@driver
def _adam_p(p, g, m, v, vmax, lr, b1, b2, eps, wd, bc1, bc2, decoupled, amsgrad, chunk):
    n = p.size
    for c in prange((n + chunk - 1) // chunk):
        _adam_k(p, g, m, v, vmax, lr, b1, b2, eps, wd, bc1, bc2, decoupled, amsgrad,
                c * chunk, min(n, (c + 1) * chunk))


def adam_update(p, g, m, v, vmax, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
                step=1, decoupled=False, amsgrad=False) -> None:
    """torch.optim.Adam / AdamW (decoupled=True) step for one parameter, fused, in place."""
    if not _flat_inplace(p, g, m, v, *((vmax,) if amsgrad else ())):
        return adam_update_ref(p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, step,
                                decoupled, amsgrad)
    pf = p.reshape(-1)
    vm = vmax.reshape(-1) if amsgrad else pf[:0]
    bc1 = 1.0 - float(beta1) ** step
    bc2 = 1.0 - float(beta2) ** step
    args = (pf, g.reshape(-1), m.reshape(-1), v.reshape(-1), vm, float(lr), float(beta1),
            float(beta2), float(eps), float(weight_decay), bc1, bc2, bool(decoupled),
            bool(amsgrad))
    run(_adam_k, _adam_p, args, pf.size, pf.size, _th().par_min_opt)



# ----------------------------------------------------------------------------- multi-tensor
# autograd.compile's replay updates every parameter of an Adam / AdamW step in ONE call: a
# table of addresses (the parameter, its gradient, exp_avg, exp_avg_sq, max_exp_avg_sq)
# and per-parameter hyper-parameters, each row run through ``_adam_k`` above with exactly
# the arguments ``adam_update`` passes it (so the numbers are the per-parameter call's).
# Its reference is ``adam_update_ref`` per parameter. The caller keeps every array alive
# and checks the table against the arrays before each call.


@intrinsic
def _vec_at(typingctx, addr, n, like):
    """A 1-D C-contiguous array of ``like``'s dtype: ``n`` elements at address ``addr``."""
    arr = types.Array(like.dtype, 1, "C")
    sig = arr(addr, n, like)

    def codegen(context, builder, sig, args):
        out = context.make_array(arr)(context, builder)
        dty = context.get_data_type(like.dtype)
        size = context.get_constant(types.intp, context.get_abi_sizeof(dty))
        ptr = builder.inttoptr(context.cast(builder, args[0], sig.args[0], types.intp),
                               dty.as_pointer())
        n_ = context.cast(builder, args[1], sig.args[1], types.intp)
        context.populate_array(out, data=ptr, shape=cgutils.pack_array(builder, [n_]),
                               strides=cgutils.pack_array(builder, [size]), itemsize=size,
                               meminfo=None)
        return out._getvalue()

    return sig, codegen


@kernel
def _adam_multi_k(addrs, sizes, hyper, flags, like):
    """Row j: ``_adam_k`` on the arrays at addrs[j] (p, g, m, v, vmax) of sizes[j] elements
    (vmax: sizes[j] if flags[j, 1] (amsgrad) else 0) with hyper[j] = (lr, b1, b2, eps, wd,
    bc1, bc2) and flags[j, 0] = decoupled."""
    for j in range(addrs.shape[0]):
        n = sizes[j]
        ams = flags[j, 1] != 0
        p = _vec_at(addrs[j, 0], n, like)
        _adam_k(p, _vec_at(addrs[j, 1], n, like), _vec_at(addrs[j, 2], n, like),
                _vec_at(addrs[j, 3], n, like), _vec_at(addrs[j, 4], n if ams else 0, like),
                hyper[j, 0], hyper[j, 1], hyper[j, 2], hyper[j, 3], hyper[j, 4], hyper[j, 5],
                hyper[j, 6], flags[j, 0] != 0, ams, 0, n)
