"""torch.optim.swa_utils: weight averaging (SWA and EMA) of a model, and the SWA schedule.

``AveragedModel(model)`` keeps a copy of ``model`` whose parameters are the running average
of the model's, updated by ``update_parameters(model)``: the equal-weight average of every
update (SWA) by default, or what ``avg_fn`` / ``multi_avg_fn`` compute, e.g.
``multi_avg_fn=get_ema_multi_avg_fn(0.999)`` for an exponential moving average. ``SWALR``
anneals each group's lr to its ``swa_lr``; ``update_bn(loader, model)`` recomputes the
BatchNorm statistics of the averaged weights.

This module imports ``nn`` (the averaged model is a Module): ``import optim.swa_utils`` or
``optim.swa_utils`` (loaded on first use, so ``import optim`` alone never imports nn).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from nn.module import Module
from nn.norm import _BatchNorm

from .lr_scheduler import LRScheduler, _per_group
from .optimizer import Optimizer

__all__ = ["SWALR", "AveragedModel", "get_ema_avg_fn", "get_ema_multi_avg_fn",
           "get_swa_avg_fn", "get_swa_multi_avg_fn", "update_bn"]


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[list, list, Any], None]:
    """In place on lists of tensors: ``ema += (1 - decay) * (current - ema)``."""
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"get_ema_multi_avg_fn: decay must be in [0, 1], got {decay}")

    def ema_update(ema_params: list, current_params: list, num_averaged: Any) -> None:
        for e, c in zip(ema_params, current_params):
            e.data[...] += (1.0 - decay) * (c.data - e.data)
            e._bump_version()
    return ema_update


def get_swa_multi_avg_fn() -> Callable[[list, list, Any], None]:
    """In place on lists of tensors: the running equal-weight mean,
    ``avg += (current - avg) / (num_averaged + 1)``."""
    def swa_update(averaged: list, current: list, num_averaged: Any) -> None:
        n = float(num_averaged.item() if isinstance(num_averaged, Tensor) else num_averaged)
        for a, c in zip(averaged, current):
            a.data[...] += (c.data - a.data) / (n + 1.0)
            a._bump_version()
    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    """One tensor: returns ``decay * ema + (1 - decay) * current``."""
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"get_ema_avg_fn: decay must be in [0, 1], got {decay}")

    def ema_update(ema: Tensor, current: Tensor, num_averaged: Any) -> Tensor:
        return ema * decay + current * (1.0 - decay)
    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Any], Tensor]:
    """One tensor: returns ``avg + (current - avg) / (num_averaged + 1)``."""
    def swa_update(avg: Tensor, current: Tensor, num_averaged: Any) -> Tensor:
        n = float(num_averaged.item() if isinstance(num_averaged, Tensor) else num_averaged)
        return avg + (current - avg) / (n + 1.0)
    return swa_update


class AveragedModel(Module):
    """A deep copy of ``model`` (``.module``) holding the running average of its weights.

    ``update_parameters(model)`` folds the model's current parameters in: the first call
    copies them, later ones apply ``multi_avg_fn(averaged_list, current_list, n)`` (in
    place), else ``avg_fn(averaged, current, n)`` (returns the new value), else the equal-
    weight running mean. ``n_averaged`` (a buffer) counts the updates. Buffers (BatchNorm
    statistics) are copied from the model each time, or averaged too with
    ``use_buffers=True``. Calling the AveragedModel calls the averaged copy.
    """

    def __init__(self, model: Module, device: Any = None,
                 avg_fn: Callable[[Tensor, Tensor, Any], Tensor] | None = None,
                 multi_avg_fn: Callable[[list, list, Any], None] | None = None,
                 use_buffers: bool = False) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"AveragedModel: model must be an nn.Module, got "
                            f"{type(model).__name__}")
        if device is not None and str(device).split(":")[0] != "cpu":
            raise RuntimeError(f"AveragedModel: device {device!r} is not available; numbagrad "
                               "runs on the CPU only ('cpu')")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", Tensor(np.array(0, dtype=np.int64)))
        self.avg_fn, self.multi_avg_fn = avg_fn, multi_avg_fn
        self.use_buffers = bool(use_buffers)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def _tensors(self, model: Module) -> list[Tensor]:
        ps = list(model.parameters())
        return ps + list(model.buffers()) if self.use_buffers else ps

    def update_parameters(self, model: Module) -> None:
        mine = self._tensors(self.module)
        theirs = self._tensors(model)
        if len(mine) != len(theirs):
            raise ValueError(f"AveragedModel.update_parameters: the model has {len(theirs)} "
                             f"tensors to average but the averaged copy has {len(mine)}; pass "
                             "the model this AveragedModel was made from")
        n = int(self.n_averaged.data)
        with autograd.no_grad():
            for a, c in zip(mine, theirs):
                if a.shape != c.shape:
                    raise ValueError(f"AveragedModel.update_parameters: shape {c.shape} does "
                                     f"not match the averaged {a.shape}")
            if n == 0:
                for a, c in zip(mine, theirs):
                    a.data[...] = c.data
                    a._bump_version()
            else:
                floats = [(a, c) for a, c in zip(mine, theirs) if a.data.dtype.kind == "f"]
                if self.multi_avg_fn is not None:
                    self.multi_avg_fn([a for a, _ in floats], [c.detach() for _, c in floats],
                                      Tensor(np.array(n, dtype=np.int64)))
                elif self.avg_fn is not None:
                    for a, c in floats:
                        new = self.avg_fn(a.detach(), c.detach(),
                                          Tensor(np.array(n, dtype=np.int64)))
                        a.data[...] = new.data if isinstance(new, Tensor) else new
                        a._bump_version()
                else:
                    get_swa_multi_avg_fn()([a for a, _ in floats], [c for _, c in floats], n)
            if not self.use_buffers:  # keep the buffers those of the model
                for a, c in zip(self.module.buffers(), model.buffers()):
                    a.data[...] = c.data
                    a._bump_version()
        self.n_averaged.data[...] = n + 1


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute every BatchNorm's running statistics with one pass over ``loader`` (each
    batch, or its first element when it is a list/tuple, is fed to ``model``): the running
    stats are reset and averaged over the whole pass (momentum None), then the momenta and
    the model's train/eval mode are restored."""
    momenta = {}
    for m in model.modules():
        if isinstance(m, _BatchNorm) and m.track_running_stats:
            m.reset_running_stats()
            momenta[m] = m.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for m in momenta:
        m.momentum = None
    try:
        with autograd.no_grad():
            for batch in loader:
                if isinstance(batch, (list, tuple)):
                    batch = batch[0]
                model(batch)
    finally:
        for m, mom in momenta.items():
            m.momentum = mom
        model.train(was_training)


def _linear_anneal(t: float) -> float:
    return t


def _cosine_anneal(t: float) -> float:
    return (1.0 - math.cos(math.pi * t)) / 2.0


class SWALR(LRScheduler):
    """Anneal each group's lr to ``swa_lr`` over ``anneal_epochs`` steps ("cos" or
    "linear"), then hold it there (torch's SWALR)."""

    def __init__(self, optimizer: Optimizer, swa_lr: float | list[float],
                 anneal_epochs: int = 10, anneal_strategy: str = "cos",
                 last_epoch: int = -1) -> None:
        who = "SWALR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{who}: expected an Optimizer, got {type(optimizer).__name__}")
        for lr, g in zip(_per_group("swa_lr", optimizer, swa_lr, who), optimizer.param_groups):
            g["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{who}: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.anneal_func = _cosine_anneal if anneal_strategy == "cos" else _linear_anneal
        if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, int) or \
                anneal_epochs < 0:
            raise ValueError(f"{who}: anneal_epochs must be an int >= 0, got {anneal_epochs!r}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _start_lr(lr: float, swa_lr: float, alpha: float) -> float:
        """The lr the annealing started from, given the current lr at mix ``alpha``."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1.0 - alpha)

    def get_lr(self) -> list[float]:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self.anneal_func(max(0.0, min(1.0, (step - 1) / span)))
        alpha = self.anneal_func(max(0.0, min(1.0, step / span)))
        out = []
        for g in self.optimizer.param_groups:
            start = self._start_lr(g["lr"], g["swa_lr"], prev_alpha)
            out.append(g["swa_lr"] * alpha + start * (1.0 - alpha))
        return out

