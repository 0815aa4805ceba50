"""Fused ops for the training hot path: a dense layer and softmax cross-entropy, each ONE node.

``linear(x, W, b, act)`` is ``act(x @ W.T + b)``: one matmul kernel plus one bias+activation
kernel forward, and backward one activation-backward kernel, two matmuls and a row sum. That
is what a hand-written numpy MLP does, without the per-op overhead of four graph nodes.
``cross_entropy`` does softmax, log and the label pick in one kernel and keeps the
probabilities, so its backward is ``probs - onehot``.

Under ``create_graph=True`` both backwards switch to formulas written with Tensor ops, so
second derivatives flow through them like through any other op.
"""

from __future__ import annotations

import numpy as np

from .. import kernels as K
from ..function import Function, is_grad_enabled
from ..tensor import ShapeError, Tensor
from .elementwise import act_grad


class LabelError(IndexError, ValueError):
    """A class label out of range: an IndexError as torch's ("Target 5 is out of bounds"),
    and a ValueError, what it was here before."""

FUSED_ACTIVATIONS = ("none", "relu", "leaky_relu", "sigmoid", "tanh", "gelu")
# Backward reads the output y for relu, leaky_relu (slope > 0), sigmoid and tanh: relu and
# leaky_relu keep the sign of their input, so y > 0 exactly where z + b > 0. gelu (and a
# leaky_relu with slope <= 0) keeps the pre-activation z + b instead.
REDUCTIONS = ("mean", "sum", "none")


class LinearAct(Function):
    """y = act(x @ W.T + b) for 2-D x (N, in), W (out, in), b (out,) or no bias.

    (Named apart from the ``nn.Linear`` Module; graphs and ``grad_fn`` still call it linear.)
    """

    __slots__ = ("act", "slope")  # kept after backward releases the graph, for describe()

    @property
    def name(self) -> str:
        return "linear"

    def describe(self) -> str:
        act = getattr(self, "act", "none")
        return f"linear+{act}" if act != "none" else "linear"

    def forward(self, x, w, b=None, act="none", slope=0.01):
        self.act, self.slope = act, slope
        z = K.active.matmul(x, w.T)
        if b is None:
            if act == "none":
                self.z = None
                return z
            b = np.zeros(w.shape[0], dtype=z.dtype)
        if act == "gelu" or (act == "leaky_relu" and slope <= 0):
            z += b  # z is this op's own fresh array; backward needs the pre-activation
            self.z = z
            return K.active.gelu(z) if act == "gelu" else K.active.leaky_relu(z, slope)
        self.z = None
        return K.active.bias_act(z, b, act, slope)

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        b = self.inputs[2] if len(self.inputs) == 3 else None
        act = self.act
        if not is_grad_enabled():
            saved = self.z if self.z is not None else self.output.data
            gz = K.active.act_backward(act, saved, g.data, self.slope)
            gx = Tensor._make(K.active.matmul(gz, w.data)) if x.requires_grad else None
            gw = Tensor._make(K.active.matmul(gz.T, x.data)) if w.requires_grad else None
            gb = None
            if b is not None and b.requires_grad:
                gb = Tensor._make(gz.sum(axis=0))  # a column sum: numpy's own is best
            return (gx, gw, gb) if b is not None else (gx, gw)
        # differentiable formula (create_graph): the same chain rule with Tensor ops
        if act == "none":
            gz = g
        else:
            z = x @ w.T
            if b is not None:
                z = z + b
            y = self.output if act in ("sigmoid", "tanh") else None
            gz = g * act_grad(act, z, y, self.slope)
        gx = gz @ w if x.requires_grad else None
        gw = gz.T @ x if w.requires_grad else None
        gb = gz.sum(axis=0) if b is not None and b.requires_grad else None
        return (gx, gw, gb) if b is not None else (gx, gw)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None, activation: str = "none",
           negative_slope: float = 0.01) -> Tensor:
    """``activation(x @ weight.T + bias)`` as one graph node (weight laid out (out, in)).

    x may have any leading dims (``(*, in)`` -> ``(*, out)``), as torch.nn.functional.linear.
    """
    if activation not in FUSED_ACTIVATIONS:
        raise ValueError(f"linear: unknown activation {activation!r}; expected one of "
                         f"{FUSED_ACTIVATIONS}")
    if not isinstance(x, Tensor):
        x = Tensor(x, dtype=weight.dtype)
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                         f"{weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:  # (a RuntimeError too, as torch's)
        raise ShapeError(f"linear: input of shape {x.shape} does not fit a weight of shape "
                         f"{weight.shape} (expected input (..., {weight.shape[1]}))")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias has shape {bias.shape}, expected ({weight.shape[0]},)")
    if x.dtype != weight.dtype:
        if x.dtype.kind == "f":  # type promotion: float32 with float64 computes in float64
            dt = np.promote_types(x.dtype, weight.dtype)
            x = x if x.dtype == dt else x.astype(dt)
            weight = weight if weight.dtype == dt else weight.astype(dt)
        else:  # integer or bool data (no gradient) enters as the weight's dtype
            x = Tensor._make(x.data.astype(weight.dtype))
    if bias is not None and bias.dtype != weight.dtype:
        bias = bias.astype(weight.dtype)
    lead = x.shape[:-1]
    x2 = x if x.ndim == 2 else x.reshape(-1, weight.shape[1])
    args = (x2, weight) if bias is None else (x2, weight, bias)
    y = LinearAct.apply(*args, act=activation, slope=float(negative_slope))
    return y if x.ndim == 2 else y.reshape(lead + (weight.shape[0],))


class CrossEntropy(Function):
    """Mean/sum/per-row softmax cross-entropy of logits (N, C) against int labels (N,).

    Each row's loss is scaled by ``row_w`` (the class weight of its label, 0 for rows whose
    label is ``ignore_index``); "mean" divides by the sum of those weights, as PyTorch.
    """

    def forward(self, logits, labels, smoothing, reduction, row_w):
        self.labels, self.smoothing, self.reduction, self.row_w = (labels, smoothing,
                                                                   reduction, row_w)
        rows, probs = K.active.softmax_xent(np.ascontiguousarray(logits), labels, smoothing)
        self.probs = probs
        if row_w is not None:
            rows = rows * row_w
        if reduction == "none":
            return rows
        total = K.active.sum(rows, None, False)
        if reduction == "mean":
            den = rows.shape[0] if row_w is None else row_w.sum()
            with np.errstate(invalid="ignore", divide="ignore"):  # every row ignored: nan
                total = total / den
        return np.asarray(total, dtype=logits.dtype)

    def _row_scale(self) -> float:
        """What d(loss)/d(row loss) is per unit of upstream gradient, before row weights."""
        n = self.probs.shape[0]
        if self.reduction != "mean":
            return 1.0
        den = n if self.row_w is None else float(self.row_w.sum())
        return 1.0 / den if den else 0.0

    def backward(self, g):
        n, c = self.probs.shape
        row_w = self.row_w
        if not is_grad_enabled():
            gd = g.data
            if self.reduction == "none":
                g_rows = np.ascontiguousarray(gd)
            else:
                g_rows = np.full(n, gd.item() * self._row_scale(), dtype=self.probs.dtype)
            if row_w is not None:
                g_rows = g_rows * row_w
            return (Tensor._make(K.active.softmax_xent_backward(
                self.probs, self.labels, g_rows, self.smoothing)),)
        # differentiable: d loss_i / d logits_i = softmax(logits_i) - target_i
        logits = self.inputs[0]
        s = self.smoothing
        target = np.full((n, c), s / c, dtype=logits.dtype)
        target[np.arange(n), self.labels] += 1.0 - s
        p = logits.log_softmax(axis=1).exp()
        g_rows = g.reshape(n, 1) if self.reduction == "none" else g * self._row_scale()
        if row_w is not None:
            g_rows = g_rows * Tensor._make(row_w.reshape(n, 1))
        return ((p - Tensor._make(target)) * g_rows,)


def check_labels(labels: object, n: int, n_classes: int, who: str,
                 ignore_index: int | None = None) -> np.ndarray:
    """Class labels as a 1-D int64 array of length n with values in [0, n_classes)
    (or equal to ``ignore_index``)."""
    y = labels.data if isinstance(labels, Tensor) else np.asarray(labels)
    if y.dtype.kind not in "iu":
        raise TypeError(f"{who}: labels must be integer class indices, got dtype {y.dtype} "
                        "(convert with .astype('int64') if they are whole numbers)")
    if y.ndim != 1:
        raise ValueError(f"{who}: labels must be 1-D (one class index per row), got shape "
                         f"{y.shape}")
    if y.shape[0] != n:
        raise ValueError(f"{who}: batch size mismatch: {n} rows of scores but {y.shape[0]} "
                         "labels")
    kept = y if ignore_index is None else y[y != ignore_index]
    if kept.size:
        lo, hi = int(kept.min()), int(kept.max())
        if lo < 0 or hi >= n_classes:
            bad = lo if lo < 0 else hi
            raise LabelError(f"{who}: label {bad} is out of range for {n_classes} classes "
                             f"(expected 0..{n_classes - 1})")
    return y if y.dtype == np.int64 and y.flags.c_contiguous else np.ascontiguousarray(
        y, dtype=np.int64)


def cross_entropy(logits: Tensor, labels: object, label_smoothing: float = 0.0,
                  reduction: str = "mean", weight: object = None,
                  ignore_index: int = -100) -> Tensor:
    """Softmax cross-entropy of logits (N, C) and integer labels (N,), as one graph node.

    Stable for any logits (max-shifted log-softmax). ``label_smoothing`` s mixes the one-hot
    target with the uniform one, as PyTorch: t = (1 - s) onehot + s / C. ``weight`` (C,)
    scales each row by its label's class weight; rows labelled ``ignore_index`` count for
    nothing; "mean" divides by the total weight of the rows that count (PyTorch's rules).
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {REDUCTIONS}, got "
                         f"{reduction!r}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    if not isinstance(logits, Tensor):
        logits = Tensor(logits)
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: logits must be 2-D (batch, classes), got shape "
                         f"{logits.shape}")
    if logits.dtype.kind != "f":
        raise TypeError(f"cross_entropy: logits must be floating point, got {logits.dtype}")
    n, c = logits.shape
    if n == 0:
        raise ValueError("cross_entropy: empty batch")
    y = check_labels(labels, n, c, "cross_entropy", ignore_index)
    row_w = None
    if weight is not None:
        if label_smoothing:
            raise ValueError("cross_entropy: class weights together with label_smoothing are "
                             "not supported; use one of them")
        w = np.asarray(weight.data if isinstance(weight, Tensor) else weight,
                       dtype=logits.dtype)
        if w.shape != (c,):
            raise ValueError(f"cross_entropy: weight must have one entry per class, shape "
                             f"({c},), got {w.shape}")
    ignored = y == ignore_index
    if ignored.any():
        y = np.where(ignored, 0, y)  # any valid class: the row's weight is 0
        row_w = np.where(ignored, 0.0, 1.0).astype(logits.dtype)
    if weight is not None:
        row_w = w[y] if row_w is None else w[y] * row_w
    return CrossEntropy.apply(logits, labels=y, smoothing=float(label_smoothing),
                              reduction=reduction, row_w=row_w)


class MSE(Function):
    """mean/sum/none of (x - t)^2 as one node; backward 2 (x - t) g (/ n for the mean)."""

    def forward(self, x, t, reduction):
        self.reduction = reduction
        d = x - t
        self.d = d
        sq = d * d
        if reduction == "none":
            return sq
        total = sq.sum()
        return np.asarray(total / d.size if reduction == "mean" else total, dtype=x.dtype)

    def backward(self, g):
        x, t = self.inputs
        scale = 2.0 / self.d.size if self.reduction == "mean" else 2.0
        if not is_grad_enabled():
            gd = g.data
            gx = self.d * (gd * scale if self.reduction != "none" else gd * 2.0)
            gx = gx.astype(x.dtype, copy=False)
            return (Tensor._make(gx) if x.requires_grad else None,
                    Tensor._make(-gx) if t.requires_grad else None)
        d = x - t
        gx = d * (g * scale) if self.reduction != "none" else d * g * 2.0
        return (gx if x.requires_grad else None, -gx if t.requires_grad else None)


class BinaryCrossEntropy(Function):
    """-(t max(log p, -100) + (1 - t) max(log(1 - p), -100)) elementwise, as one node, with
    torch's gradient (p - t) / max(p (1 - p), 1e-12) (finite at p = 0 and 1)."""

    def forward(self, p, t):
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100.0)
            log_q = np.maximum(np.log1p(-p), -100.0)
        return -(t * log_p + (1 - t) * log_q)

    def backward(self, g):
        p, t = self.inputs
        gp = gt = None
        if p.requires_grad:
            gp = g * (p - t) / ((1.0 - p) * p).clip(min=1e-12)
        if t.requires_grad:  # d/dt = max(log(1 - p), -100) - max(log p, -100)
            with np.errstate(divide="ignore"):
                d = (np.maximum(np.log1p(-p.data), -100.0)
                     - np.maximum(np.log(p.data), -100.0))
            gt = g * Tensor._make(d.astype(p.dtype, copy=False))
        return gp, gt


def binary_cross_entropy(p: Tensor, t: Tensor) -> Tensor:
    """The unreduced binary cross-entropy of probabilities ``p`` and targets ``t`` (same
    shape and dtype)."""
    return BinaryCrossEntropy.apply(p, t)


def mse(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Squared error of two same-shape float Tensors, reduced, as one graph node."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"mse_loss: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return MSE.apply(input, target, reduction=reduction)
