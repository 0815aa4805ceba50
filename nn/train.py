"""The training loop: ``fit`` (with a tqdm bar per epoch) and ``evaluate``, and ``History``."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

from .loss import BCELoss
from .module import Module

__all__ = ["History", "accuracy", "evaluate", "fit"]


class History:
    """Per-epoch numbers from ``fit``: ``history["loss"]``, ``history["val_accuracy"]``, ...

    ``history.plot()`` draws them with matplotlib (losses on one axis, metrics on another).
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epochs: list[int] = []

    def log(self, epoch: int, values: dict[str, float]) -> None:
        self.epochs.append(epoch)
        for k, v in values.items():
            self.history.setdefault(k, []).append(float(v))

    def __getitem__(self, key: str) -> list[float]:
        try:
            return self.history[key]
        except KeyError:
            raise KeyError(f"History has no {key!r}; it has {sorted(self.history)}") from None

    def __contains__(self, key: str) -> bool:
        return key in self.history

    def keys(self) -> list[str]:
        return list(self.history)

    def __len__(self) -> int:
        return len(self.epochs)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items() if v)
        return f"History({len(self)} epochs; last: {last})"

    def plot(self, ax: Any = None) -> Any:
        """Plot losses (left axis) and metrics (right axis) against the epoch; returns ax."""
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("History.plot needs matplotlib; install the demos extra: pip "
                              "install 'numbagrad[demos]'") from None
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        losses = [k for k in self.history if k.endswith("loss")]
        others = [k for k in self.history if k not in losses]
        for k in losses:
            ax.plot(self.epochs, self.history[k], marker="o", ms=3, label=k)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        handles, labels = ax.get_legend_handles_labels()
        if others:
            ax2 = ax.twinx()
            for k in others:
                ax2.plot(self.epochs, self.history[k], ls="--", marker="s", ms=3, label=k)
            ax2.set_ylabel("metric")
            h2, l2 = ax2.get_legend_handles_labels()
            handles, labels = handles + h2, labels + l2
        ax.legend(handles, labels, loc="best")
        return ax


def _binary_threshold(loss_fn: Any) -> float:
    return 0.5 if isinstance(loss_fn, BCELoss) else 0.0


def accuracy(output: Tensor, target: Tensor, threshold: float = 0.0) -> float | None:
    """Fraction of correct predictions, or None when the targets are not class labels.

    (N, C) scores: argmax against integer labels. One score per row: ``score > threshold``
    against 0/1 labels, or its sign against -1/+1 labels.
    """
    out = output.data
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if out.ndim == 2 and out.shape[1] > 1:
        if t.dtype.kind not in "iu":
            return None
        return float(np.mean(out.argmax(axis=1) == t.reshape(-1)))
    s = out.reshape(-1)
    t = t.reshape(-1)
    if s.shape != t.shape:
        return None
    values = np.unique(t)
    if np.all(np.isin(values, (0, 1))):
        return float(np.mean((s > threshold) == (t == 1)))
    if np.all(np.isin(values, (-1, 1))):
        return float(np.mean((s > threshold) == (t == 1)))
    return None


def _metric_fns(metrics: Sequence[Any], loss_fn: Any) -> list[tuple[str, Callable]]:
    fns = []
    for m in metrics:
        if m == "accuracy":
            thr = _binary_threshold(loss_fn)
            fns.append(("accuracy", lambda o, t, thr=thr: accuracy(o, t, thr)))
        elif callable(m):
            fns.append((getattr(m, "__name__", "metric"), m))
        else:
            raise ValueError(f"unknown metric {m!r}; use 'accuracy' or a function "
                             "(output, target) -> float")
    return fns


def _split(batch: Any, who: str) -> tuple[Any, Any]:
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        n = len(batch) if hasattr(batch, "__len__") else "?"
        raise ValueError(f"{who}: each batch must be a pair (inputs, targets), got "
                         f"{type(batch).__name__} of length {n}")
    return batch[0], batch[1]


class _Mean:
    """Running weighted mean of per-batch numbers (weights: batch sizes)."""

    def __init__(self) -> None:
        self.total: dict[str, float] = {}
        self.count: dict[str, int] = {}

    def add(self, key: str, value: float | None, n: int) -> None:
        if value is None:
            return
        self.total[key] = self.total.get(key, 0.0) + float(value) * n
        self.count[key] = self.count.get(key, 0) + n

    def result(self, prefix: str = "") -> dict[str, float]:
        return {prefix + k: self.total[k] / self.count[k] for k in self.total}


@autograd.no_grad()
def evaluate(model: Module, loss_fn: Any, loader: Iterable[Any],
             metrics: Sequence[Any] = ("accuracy",)) -> dict[str, float]:
    """Mean loss and metrics of ``model`` over ``loader``, in eval mode and without a graph.

    The model's train/eval mode is restored afterwards.
    """
    was_training = model.training
    model.eval()
    fns = _metric_fns(metrics, loss_fn)
    acc = _Mean()
    try:
        for batch in loader:
            x, y = _split(batch, "evaluate")
            out = model(x)
            n = len(y)
            if loss_fn is not None:
                acc.add("loss", loss_fn(out, y).item(), n)
            for name, fn in fns:
                acc.add(name, fn(out, y), n)
    finally:
        model.train(was_training)
    return acc.result()


def _progress_bar() -> Any:
    """tqdm.auto's bar: a widget in Jupyter (with the ``notebook`` extra's ipywidgets), text
    elsewhere. Without ipywidgets a notebook gets the text bar, without tqdm's warning."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*IProgress not found.*")
        from tqdm.auto import tqdm
    return tqdm


def _compiled_step(model: Module, loss_fn: Any, optimizer: Any) -> Any:
    """fit's training step (zero_grad, forward, loss, backward, step) under autograd.compile."""

    def step(x: Any, y: Any) -> tuple[Tensor, Tensor]:
        optimizer.zero_grad()
        out = model(x)
        loss = loss_fn(out, y)
        loss.backward()
        optimizer.step()
        return loss, out

    return autograd.compile(step)


def fit(model: Module, loss_fn: Any, optimizer: Any, train_loader: Iterable[Any],
        epochs: int = 1, val_loader: Iterable[Any] | None = None,
        metrics: Sequence[Any] = ("accuracy",), progress: bool = True,
        scheduler: Any = None, compile: bool = False) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; returns a History.

    Each step: zero_grad, forward, loss, backward, optimizer.step. ``scheduler.step()`` (or
    ``step(val_loss)`` for ReduceLROnPlateau) runs once per epoch. A loss that becomes nan
    or inf stops training with an error naming the epoch and batch. Accuracy is recorded
    only for classification targets (it is skipped for regression).

    ``compile=True`` runs each step through ``autograd.compile`` (recorded on its first
    calls per batch shape, then replayed with less overhead; a plain dense network's step
    runs fused into one numba call, within float rounding of eager); the nan/inf check then
    happens after that step's update instead of before it.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}")
    fns = _metric_fns(metrics, loss_fn)
    history = History()
    compiled = _compiled_step(model, loss_fn, optimizer) if compile else None
    if progress:
        tqdm = _progress_bar()
    for epoch in range(1, epochs + 1):
        model.train()
        running = _Mean()
        total = len(train_loader) if hasattr(train_loader, "__len__") else None
        bar = tqdm(train_loader, total=total, desc=f"epoch {epoch}/{epochs}", leave=False,
                   dynamic_ncols=True) if progress else train_loader
        for b, batch in enumerate(bar, start=1):
            x, y = _split(batch, "fit")
            if compiled is not None:
                loss, out = compiled(x, y)
                value = loss.item()
            else:
                optimizer.zero_grad()
                out = model(x)
                loss = loss_fn(out, y)
                value = loss.item()
            if not math.isfinite(value):
                if progress:
                    bar.close()
                raise FloatingPointError(
                    f"fit: the loss became {value} at epoch {epoch}, batch {b}; training "
                    "stopped. Try a smaller learning rate, check the inputs for nan/inf, or "
                    "clip gradients (nn.utils.clip_grad_norm_).")
            if compiled is None:
                loss.backward()
                optimizer.step()
            n = len(y)
            running.add("loss", value, n)
            for name, fn in fns:
                running.add(name, fn(out.detach(), y), n)
            if progress:
                bar.set_postfix({k: f"{v:.4f}" for k, v in running.result().items()},
                                refresh=False)
        if progress:
            bar.close()
        row = running.result()
        if val_loader is not None:
            row.update({f"val_{k}": v for k, v in
                        evaluate(model, loss_fn, val_loader, metrics).items()})
        history.log(epoch, row)
        if progress:
            tqdm.write(f"epoch {epoch}/{epochs}: " + ", ".join(f"{k} {v:.4f}"
                                                                for k, v in row.items()))
        if scheduler is not None:
            if hasattr(scheduler, "best"):  # ReduceLROnPlateau watches a metric
                scheduler.step(row.get("val_loss", row["loss"]))
            else:
                scheduler.step()
    return history
